#!/usr/bin/env python3
"""Cross-reference `berth audit` with the pinned hadolint and checkov on a corpus.

Usage: tools/audit-crossref.py CORPUS [--berth BINARY] [--validators DIR]

For every berth rule that names an equivalent check (the "equivalents" column of
`berth audit --list-rules`), runs that tool on the corpus's Dockerfiles and prints, per pair,
on how many files both report, only berth, only the other tool, or neither; then each file
where they disagree with the reason, read from the file itself. trivy is not among the pinned
validators (../shared/tools/install-validators.sh), so its equivalents are listed as not run.

The Dockerfile facts used to explain a difference (stages, USER and HEALTHCHECK lines) come
from a plain reading of instruction lines here: this script explains, berth's parser decides.
"""

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict

DEV_MARKERS = {"dev", "development", "debug", "local", "test", "override"}


def run(cmd, cwd=None):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def berth_report(berth, corpus):
    out = run([berth, "audit", "--format", "json", "."], cwd=corpus)
    if out.returncode not in (0, 1):
        sys.exit(f"berth audit failed ({out.returncode}): {out.stderr}")
    report = json.loads(out.stdout)
    dockerfiles = [f["path"] for f in report["files"] if f["kind"] == "dockerfile"]
    found = defaultdict(set)
    for f in report["findings"]:
        found[f["file"]].add(f["rule"])
    return dockerfiles, found


def equivalents(berth):
    """(berth rule, tool, check id) from the rule table."""
    table = run([berth, "audit", "--list-rules"]).stdout.splitlines()[2:]
    pairs = []
    for row in table:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        rule, xrefs = cells[0], cells[-1]
        if xrefs == "-":
            continue
        for xref in xrefs.split(", "):
            tool, check = xref.split(" ", 1)
            pairs.append((rule, tool, check))
    return pairs


def hadolint_codes(validators, corpus, files):
    codes = {}
    for path in files:
        out = run([os.path.join(validators, "bin", "hadolint"), "-f", "json", path], cwd=corpus)
        try:
            codes[path] = {f["code"] for f in json.loads(out.stdout or "[]")}
        except json.JSONDecodeError:
            codes[path] = {"DL1000"}
    return codes


def checkov_codes(validators, corpus):
    out = run(
        [os.path.join(validators, "bin", "checkov"), "-d", ".", "--framework", "dockerfile",
         "-o", "json", "--quiet"],
        cwd=corpus,
    )
    data = json.loads(out.stdout)
    codes = defaultdict(set)
    for check in data.get("results", {}).get("failed_checks", []):
        codes[check["file_path"].lstrip("/")].add(check["check_id"])
    return codes


def instructions(path):
    """(keyword, arguments) of each instruction, continuation lines joined."""
    result, current = [], ""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            stripped = line.strip()
            if not current and (not stripped or stripped.startswith("#")):
                continue
            if current and stripped.startswith("#"):
                continue
            current += stripped.rstrip("\\") + " "
            if not stripped.endswith("\\"):
                word, _, rest = current.strip().partition(" ")
                result.append((word.upper(), rest))
                current = ""
    return result


def is_dev(path):
    folder, _, name = path.rpartition("/")
    parts = {p.lower() for p in name.replace("-", ".").replace("_", ".").split(".")}
    return ".devcontainer" in folder.split("/") or bool(parts & DEV_MARKERS)


def facts(path):
    ins = instructions(path)
    stages = [i for i, (k, _) in enumerate(ins) if k == "FROM"]
    last = ins[stages[-1]:] if stages else ins
    users = [a.strip() for k, a in ins if k == "USER"]
    last_users = [a.strip() for k, a in last if k == "USER"]
    return {
        "dev": is_dev(path),
        "stages": len(stages),
        "users": users,
        "last_stage_users": last_users,
        "healthcheck": any(k == "HEALTHCHECK" for k, _ in ins),
        "last_stage_healthcheck": any(k == "HEALTHCHECK" for k, _ in last),
        "heredoc": any(k in ("RUN", "COPY") and "<<" in a for k, a in ins),
    }


def reason(rule, check, berth_says, other_says, f):
    """Why berth and the other check disagree on a file, from the file's facts."""
    if f["dev"]:
        return "development file: berth's production rules skip Dockerfile.dev, .devcontainer/, ..."
    root = lambda u: u.split(":")[0] in ("root", "0")
    if rule == "BA-D007":
        if check == "DL3002" or check == "CKV_DOCKER_8":
            if berth_says and not f["users"]:
                return f"no USER at all: {check} judges only an explicit last `USER root`"
            if berth_says and not f["last_stage_users"]:
                return f"USER only in an earlier stage; berth judges the runtime stage, {check} the last USER line"
            if other_says and not berth_says:
                return "the image's runtime stage is not the file's last (Compose build target or a dev stage)"
        if check == "CKV_DOCKER_3":
            if berth_says and f["users"]:
                last = f["users"][-1]
                if root(last):
                    return f"the last USER is `{last}`: CKV_DOCKER_3 passes on any USER line"
                return "USER only in another stage: CKV_DOCKER_3 passes on any USER line in the file"
            if other_says and not berth_says:
                return "berth follows a USER inherited from a parent stage or a Compose build target"
    if rule == "BA-H001":
        if berth_says and f["healthcheck"] and not f["last_stage_healthcheck"]:
            return "HEALTHCHECK only in an earlier stage: berth judges the runtime stage"
        if other_says and not berth_says:
            return "berth judges the Compose build target's stage, which has a HEALTHCHECK"
    if rule == "BA-X001":
        if other_says and f["heredoc"]:
            return ("hadolint rejects the lines after this file's heredoc (RUN <<EOF); "
                    "BuildKit and tree-sitter's grammar read them")
        return "the parsers differ: tree-sitter's Containerfile grammar and hadolint's"
    if other_says and not berth_says:
        return "the other tool did not scan or judged differently"
    return "the other tool did not scan this file (its file-name patterns differ)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--berth", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "berth"))
    parser.add_argument("--validators", default=os.environ.get(
        "BERTH_VALIDATORS", os.path.expanduser("~/.cache/berth-validators")))
    args = parser.parse_args()
    corpus = os.path.abspath(args.corpus)
    dockerfiles, berth_found = berth_report(args.berth, corpus)
    pairs = equivalents(args.berth)
    tools = {
        "hadolint": hadolint_codes(args.validators, corpus, dockerfiles),
        "checkov": checkov_codes(args.validators, corpus),
    }
    print(f"berth audit vs hadolint and checkov on {len(dockerfiles)} Dockerfiles of {corpus}")
    print()
    header = f"{'berth':8} {'other check':22} {'both':>5} {'berth only':>11} {'other only':>11} {'neither':>8}"
    print(header)
    print("-" * len(header))
    details = []
    for rule, tool, check in pairs:
        if tool not in tools:
            print(f"{rule:8} {tool + ' ' + check:22} {'not run: ' + tool + ' is not a pinned validator':>40}")
            continue
        counts = defaultdict(int)
        for path in dockerfiles:
            b = rule in berth_found.get(path, set())
            o = check in tools[tool].get(path, set())
            counts[(b, o)] += 1
            if b != o:
                why = reason(rule, check, b, o, facts(os.path.join(corpus, path)))
                side = "berth only" if b else f"{tool} only"
                details.append((rule, f"{tool} {check}", path, side, why))
        print(f"{rule:8} {tool + ' ' + check:22} {counts[(True, True)]:>5} {counts[(True, False)]:>11} "
              f"{counts[(False, True)]:>11} {counts[(False, False)]:>8}")
    print()
    print("Where they differ, and why (files grouped by reason):")
    groups = defaultdict(list)
    for rule, other, path, side, why in details:
        groups[(rule, other, side, why)].append(path)
    for (rule, other, side, why), paths in sorted(groups.items()):
        print(f"- {rule} / {other}, {side}, {len(paths)} file(s): {why}")
        for path in paths:
            print(f"    {path}")
    if not details:
        print("  nowhere")
    return 0


if __name__ == "__main__":
    sys.exit(main())
