#!/usr/bin/env python3
"""`berth fleet` at scale (issue 21 §5), and the session docs/fleet.md shows.

Builds a fleet of 200 generated projects in git repositories (mixed sizes: no service, the mvp
preset's four, twelve; some behind a standards update, some with a conflicting edit, some with
an edit regenerate keeps), then times, in one run and interleaved (fleet, checks, fleet, ...):

  - `berth fleet status FLEET`: one process, the projects in parallel;
  - 200 sequential `berth -C PROJECT check`: what a platform team scripts today.

The ratio of the two medians must be at most 0.5 (exit 1 otherwise, figures printed). Next to
it: one `berth fleet update` of a copy of the same fleet (no bar), and the peak RSS of `fleet
status` over 50 and over 200 projects (memory stays flat with fleet size).

    bench/fleet.py [--berth PATH] [--runs N] [--doc docs/fleet.md]

--doc FILE rewrites the parts of FILE between `<!-- fleet-bench:begin -->` / `end` (these
figures) and `<!-- fleet-session:begin -->` / `end` (a real session over a small generated
fleet: status as a table and as markdown, update, the commit it made), so the page shows no
figure or output this script did not print. The fleet's temporary folder reads `~/fleet` there.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BAR = 0.5
PROJECTS = 200
ROOT = Path(__file__).resolve().parent.parent
BRANCH = "berth/standard-2026.12"

GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Platform Team",
    "GIT_AUTHOR_EMAIL": "platform@example.invalid",
    "GIT_COMMITTER_NAME": "Platform Team",
    "GIT_COMMITTER_EMAIL": "platform@example.invalid",
}


def sh(cmd: list[str], cwd: Path | None = None, ok=(0,)) -> str:
    out = subprocess.run(
        cmd, check=False, cwd=cwd, env=GIT_ENV, capture_output=True, text=True
    )
    if out.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr}")
    return out.stdout


def take_update(project: Path) -> None:
    """The project takes 'standard 2026.12' (health check retries 3 -> 4) from its org folder."""
    standard = (ROOT / "templates" / "standard.toml").read_text(encoding="utf-8")
    standard = standard.replace('version = "2026.11"', 'version = "2026.12"', 1)
    standard = standard.replace("retries = 3", "retries = 4", 1)
    (project / "org").mkdir(exist_ok=True)
    (project / "org" / "standard.toml").write_text(standard, encoding="utf-8")
    manifest = project / "berth.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace("[project]\n", '[project]\ntemplates = "org"\n', 1),
        encoding="utf-8",
    )


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def originals(berth: str, work: Path) -> list[Path]:
    """One project of each size: 0, 4 and 12 services."""
    minimal, mvp, large = work / "orig-0", work / "orig-4", work / "orig-12"
    sh([berth, "init", str(minimal), "--preset", "minimal", "--name", "small", "--yes"])
    sh([berth, "init", str(mvp), "--preset", "mvp", "--name", "shop", "--yes"])
    sh([berth, "init", str(large), "--preset", "mvp", "--name", "platform", "--yes"])
    for i in range(8):
        sh([berth, "-C", str(large), "new", f"svc-{i}", "--yes"])
    return [minimal, mvp, large]


def build_fleet(berth: str, fleet: Path, count: int, sizes: list[Path]) -> None:
    """`count` projects, each a copy of one original, in its own repository; every third is
    behind, every seventh has a conflicting edit, every fifth an edit regenerate keeps."""
    fleet.mkdir(parents=True)
    for i in range(count):
        src = sizes[i % len(sizes)]
        dest = fleet / f"repo-{i:03d}"
        shutil.copytree(src, dest)
        has_services = (dest / "services").is_dir()
        if i % 5 == 0 and has_services:
            df = next((dest / "services").glob("*/Dockerfile"))
            edit(
                dest,
                str(df.relative_to(dest)),
                "FROM python",
                "# team note\nFROM python",
            )
        if i % 7 == 0 and has_services:
            df = next((dest / "services").glob("*/Dockerfile"))
            edit(dest, str(df.relative_to(dest)), "--retries=3", "--retries=5")
            take_update(dest)
        elif i % 3 == 0:
            take_update(dest)
        sh(["git", "init", "-q", "-b", "main"], cwd=dest)
        sh(["git", "add", "-A"], cwd=dest)
        sh(["git", "commit", "-q", "-m", "init"], cwd=dest)


def timed(cmd: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        cmd,
        check=False,
        cwd=cwd,
        env=GIT_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return (time.perf_counter() - start) * 1000


def sequential_checks(berth: str, projects: list[Path]) -> float:
    start = time.perf_counter()
    for p in projects:
        subprocess.run(
            [berth, "-C", str(p), "check"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return (time.perf_counter() - start) * 1000


def peak_rss_kib(cmd: list[str]) -> int:
    """The peak resident set of one process (and nothing else), from wait4."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss


def session(berth: str, work: Path) -> str:
    """A real session over a small generated fleet, as it prints."""
    fleet = work / "session"
    fleet.mkdir()
    names = ["billing", "catalog", "checkout", "search", "payments"]
    for name in names:
        sh(
            [
                berth,
                "init",
                str(fleet / name),
                "--preset",
                "mvp",
                "--name",
                name,
                "--yes",
            ]
        )
    take_update(fleet / "billing")
    take_update(fleet / "catalog")
    edit(
        fleet / "checkout",
        "services/auth-service/Dockerfile",
        "--retries=3",
        "--retries=5",
    )
    take_update(fleet / "checkout")
    edit(
        fleet / "search",
        "services/creator-hub/Dockerfile",
        "FROM python",
        "# search team: keep\nFROM python",
    )
    for name in names:
        sh(["git", "init", "-q", "-b", "main"], cwd=fleet / name)
        sh(["git", "add", "-A"], cwd=fleet / name)
        sh(["git", "commit", "-q", "-m", "init"], cwd=fleet / name)
    (fleet / "legacy").mkdir()
    (fleet / "legacy" / "berth.toml").write_text(
        "[project]\nname = 7\n", encoding="utf-8"
    )
    parts = []
    for cmd in (
        ["fleet", "status", "."],
        ["fleet", "status", ".", "--format", "markdown"],
        ["fleet", "update", ".", "--branch", BRANCH, "--report", "../prs"],
    ):
        out = sh([berth, *cmd], cwd=fleet, ok=(0, 1))
        parts.append(f"$ berth {' '.join(cmd)}\n{out}")
    log = sh(["git", "-C", "checkout", "log", "-1", "--format=%B", BRANCH], cwd=fleet)
    parts.append(f"$ git -C checkout log -1 --format=%B {BRANCH}\n{log}")
    again = sh(
        [berth, "fleet", "update", ".", "--branch", BRANCH], cwd=fleet, ok=(0, 1)
    )
    parts.append(
        f"$ berth fleet update . --branch {BRANCH}   # again: nothing new\n{again}"
    )
    text = "\n".join(parts)
    return text.replace(str(fleet), "~/fleet")


def replace_between(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        sys.exit(f"no {begin.strip()} ... {end} in the doc")
    return pattern.sub(lambda _: begin + body + end, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--berth", default=str(ROOT / "target" / "release" / "berth"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--projects", type=int, default=PROJECTS, help="fleet size (the bar is for 200)"
    )
    parser.add_argument(
        "--doc", help="rewrite the figures and the session of this page"
    )
    opts = parser.parse_args()
    berth = str(Path(opts.berth).resolve())
    version = sh([berth, "--version"]).strip()
    with tempfile.TemporaryDirectory(prefix="berth-fleet-bench-") as tmp:
        work = Path(tmp)
        sizes = originals(berth, work)
        fleet = work / "fleet"
        build_fleet(berth, fleet, opts.projects, sizes)
        small = work / "fleet-50"
        small.mkdir()
        for p in sorted(fleet.iterdir())[: min(50, opts.projects)]:
            os.symlink(p, small / p.name)
        projects = sorted(p for p in fleet.iterdir() if p.is_dir())
        sh(["sync"])
        fleet_ms, checks_ms = [], []
        for _ in range(opts.runs):
            fleet_ms.append(timed([berth, "fleet", "status", str(fleet)]))
            checks_ms.append(sequential_checks(berth, projects))
        f, c = statistics.median(fleet_ms), statistics.median(checks_ms)
        ratio = f / c
        rss50 = peak_rss_kib(
            [berth, "fleet", "status", *[str(p) for p in sorted(small.iterdir())]]
        )
        rss200 = peak_rss_kib([berth, "fleet", "status", str(fleet)])
        copy = work / "fleet-update"
        shutil.copytree(fleet, copy, symlinks=True)
        update_ms = timed([berth, "fleet", "update", str(copy), "--branch", BRANCH])
        status = sh(
            [berth, "fleet", "status", str(fleet), "--format", "json"], ok=(0, 1)
        )

        summary = json.loads(status)["summary"]
        states = ", ".join(f"{n} {s}" for s, n in summary.items() if n)
        verdict = "met" if ratio <= BAR else "EXCEEDED"
        table = (
            f"{version}; {os.cpu_count()} cores, {platform.machine()}; {opts.projects} projects "
            f"({states}); median of {opts.runs} interleaved runs\n\n"
            "| measure | figure |\n|---|---:|\n"
            f"| `berth fleet status` over {opts.projects} projects | {f:.0f} ms |\n"
            f"| {opts.projects} sequential `berth check` | {c:.0f} ms |\n"
            f"| ratio (bar <= {BAR}x) | {ratio:.2f}x ({verdict}) |\n"
            f"| `berth fleet update` of the same fleet (one run) | {update_ms:.0f} ms |\n"
            f"| peak RSS, `fleet status` over {min(50, opts.projects)} projects | {rss50 / 1024:.1f} MiB |\n"
            f"| peak RSS, `fleet status` over {opts.projects} projects | {rss200 / 1024:.1f} MiB |\n"
        )
        print(table)
        if opts.doc:
            doc = Path(opts.doc)
            text = doc.read_text(encoding="utf-8")
            text = replace_between(text, "fleet-bench", table)
            text = replace_between(
                text, "fleet-session", "```console\n" + session(berth, work) + "```\n"
            )
            doc.write_text(text, encoding="utf-8")
    return 0 if ratio <= BAR else 1


if __name__ == "__main__":
    sys.exit(main())
