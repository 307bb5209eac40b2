#!/usr/bin/env python3
"""Read a .env file the way Docker Compose v2 reads it, and write the values as Kustomize literals.

The reference for the Rust port (phase 2 of issue 14): berth renders each overlay's
configMapGenerator from the final content of `.env.<env>`, so a container must get the same bytes
from Kubernetes as from `docker compose --env-file .env.<env>`. Kustomize cannot read a .env file
itself: its `envs:` parser keeps quotes, escapes and inline comments literally. So the value is
decoded here, as Compose's dotenv parser (compose-go, Compose v2.40.3) does, and re-encoded as a
`literals:` entry, whose only rule is that one pair of matching outer quotes is removed.

Compose's dialect, as pinned (tools/prove-env-configmap.py checks every case against the binary):
- a statement is `[export ]KEY=VALUE` or `KEY: VALUE`; blank lines and `#` lines are skipped;
  spaces around the key and after `=` are dropped;
- unquoted: the rest of the line, cut at the first " #" (space, hash), right-trimmed, then
  interpolated;
- single-quoted: everything up to the closing quote (one not escaped by an odd number of
  backslashes), line breaks included, verbatim except that \\' stands for ';
- double-quoted: the same span, then the escapes \\a \\b \\f \\n \\r \\t \\v \\" \\\\ \\$ and
  \\0ooo (octal), then interpolated; any other backslash stays;
- interpolation: $$ and \\$ give $; $NAME, ${NAME}, ${NAME:-default}, ... take a value from the
  shell that runs Compose first and from earlier lines second; a $ before anything else stays.

What berth cannot reproduce it refuses (Refused, with the reason and the fix): a value that
interpolates a variable depends on the shell that runs `docker compose`, which a cluster does
not have; `KEY` alone takes its value from that shell; text after a closing quote is read by
Compose as another variable. A file Compose cannot read at all raises EnvSyntaxError.

Standard library only, Python 3.11+.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass

SPACE = "\t\v\f\r \x85\xa0"  # compose-go's isSpace: blanks, never a line break
# Go's unicode.IsSpace (Unicode White_Space), which right-trims unquoted values
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
KEY_CHAR = re.compile(r"[\w.\-\[\]]", re.UNICODE)
EXPORT = re.compile(r"export\s+")
ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
ESCAPE_SEQ = re.compile(r"\\(?:[abcfnrtv$\"\\]|0[0-9]{0,3})")
REFERENCE = re.compile(r"\$(\$|\{|[A-Za-z_])")


class EnvSyntaxError(Exception):
    """Compose itself cannot read the file: it refuses to start."""


@dataclass(frozen=True)
class Refused:
    """A value berth cannot reproduce outside Compose, with what to write instead."""

    line: int
    reason: str


def unescape_double(raw: str) -> str:
    """compose-go's expandEscapes: Go rune escapes, \\$ kept as $$ for the interpolation."""

    def one(match: re.Match[str]) -> str:
        seq = match.group(0)
        if seq == "\\$":
            return "$$"
        if seq[1] in ESCAPES:
            return ESCAPES[seq[1]]
        if seq[1] in '"\\':
            return seq[1]
        if (
            seq[1] == "0"
        ):  # Go's UnquoteChar of \ooo: exactly three octal digits, at most 0o377
            digits = seq[2:]
            if len(digits) == 3 and all(c in "01234567" for c in digits):
                if int(digits, 8) <= 0o377:
                    return chr(int(digits, 8))
            return "\\" + digits  # Compose keeps the rewritten prefix
        return seq  # \c: not a Go escape, left as it is

    return ESCAPE_SEQ.sub(one, raw)


def interpolate(value: str, line: int) -> str | Refused:
    """$$ -> $; a reference to a variable is refused; any other $ stays."""
    out: list[str] = []
    pos = 0
    for match in REFERENCE.finditer(value):
        if match.start() < pos:
            continue
        out.append(value[pos : match.start()])
        if match.group(1) == "$":
            out.append("$")
            pos = match.end()
            continue
        ref = value[match.start() : match.start() + 40]
        return Refused(
            line,
            f"{ref!r} interpolates a variable, which Docker Compose takes from the shell that "
            "runs it (before earlier lines of the file); a cluster has no such shell. Write the "
            "value itself, or single-quote it for a literal $",
        )
    out.append(value[pos:])
    return "".join(out)


def closing_quote(text: str, start: int, quote: str) -> int:
    """Index of the quote ending the value opened at text[start], or -1."""
    i = start + 1
    while True:
        i = text.find(quote, i)
        if i < 0:
            return -1
        backslashes = 0
        while text[i - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return i
        i += 1


def parse(text: str) -> dict[str, str | Refused]:
    """Every KEY of a .env text with the value Compose gives it (or why berth will not)."""
    out: dict[str, str | Refused] = {}
    pos, n = 0, len(text)
    line = 1

    def skip_blank(p: int) -> int:
        while p < n and (text[p] in SPACE or text[p] == "\n"):
            p += 1
        return p

    while True:
        pos = skip_blank(pos)
        if pos >= n:
            return out
        line = text.count("\n", 0, pos) + 1
        if text[pos] == "#":
            end = text.find("\n", pos)
            pos = n if end < 0 else end
            continue
        export = EXPORT.match(text, pos)
        if export:
            pos = export.end()
        start = pos
        while pos < n and text[pos] not in "=:\n":
            if text[pos] not in SPACE and not KEY_CHAR.match(text[pos]):
                raise EnvSyntaxError(
                    f"line {line}: unexpected character {text[pos]!r} in a name"
                )
            pos += 1
        key = text[start:pos].rstrip(SPACE + "\n")
        if any(c in SPACE for c in key):
            raise EnvSyntaxError(f"line {line}: a name cannot contain a space")
        if pos >= n or text[pos] == "\n":
            out[key] = Refused(
                line,
                f"{key} has no value: Docker Compose takes it from the shell that runs it, "
                f"which a cluster does not have. Write {key}=value",
            )
            continue
        pos += 1
        while pos < n and text[pos] in SPACE:
            pos += 1
        if pos < n and text[pos] in "'\"":
            quote = text[pos]
            end = closing_quote(text, pos, quote)
            if end < 0:
                raise EnvSyntaxError(f"line {line}: unterminated quoted value of {key}")
            raw = text[pos + 1 : end]
            value = (
                raw.replace("\\'", "'")
                if quote == "'"
                else interpolate(unescape_double(raw), line)
            )
            pos = end + 1
            rest_end = text.find("\n", pos)
            rest = text[pos : n if rest_end < 0 else rest_end].strip(SPACE)
            if rest and not rest.startswith("#"):
                value = Refused(
                    line,
                    f"text after the closing quote of {key} ({rest[:20]!r}): Docker Compose "
                    "reads it as another variable. Quote the whole value",
                )
            out[key] = value
            continue
        end = text.find("\n", pos)
        end = n if end < 0 else end
        raw = text[pos:end].split(" #", 1)[0].rstrip(GO_SPACE)
        out[key] = interpolate(raw, line)
        pos = end


def yaml_double_quoted(s: str) -> str:
    """A YAML double-quoted scalar that every YAML 1.1 or 1.2 reader reads back as s."""
    out = ['"']
    for c in s:
        code = ord(c)
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif (
            code < 0x20
            or code == 0x7F
            or 0x80 <= code <= 0x9F
            or c in "\u2028\u2029\ufeff"
        ):
            out.append(f"\\u{code:04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def kustomize_literal(key: str, value: str) -> str:
    """One `literals:` item giving key exactly value.

    Kustomize splits KEY=VALUE at the first `=` (so `=` in values is fine) and then removes one
    pair of quotes when the value starts and ends with the same quote character; such a value is
    wrapped in one more pair of double quotes, which is what gets removed.
    """
    if value and value[0] == value[-1] and value[0] in "'\"":
        value = f'"{value}"'
    return yaml_double_quoted(f"{key}={value}")


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] not in ("decode", "literals"):
        print(
            "usage: dotenv_compose.py decode FILE | literals FILE KEY...",
            file=sys.stderr,
        )
        return 2
    try:
        with open(argv[2], encoding="utf-8") as f:
            values = parse(f.read())
    except EnvSyntaxError as exc:
        print(f"{argv[2]}: {exc}", file=sys.stderr)
        return 2
    if argv[1] == "decode":
        shown = {
            k: v if isinstance(v, str) else {"refused": v.reason, "line": v.line}
            for k, v in values.items()
        }
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return 0
    status = 0
    for key in argv[3:]:
        value = values.get(key)
        if isinstance(value, str):
            print(f"- {kustomize_literal(key, value)}")
            continue
        status = 2
        why = value.reason if value else "not set in the file"
        line = f" (line {value.line})" if value else ""
        print(f"{argv[2]}{line}: {key}: {why}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
