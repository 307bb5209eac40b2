#!/usr/bin/env bash
# Speed bar of `berth audit` (issue 22): against the linter a team would otherwise run on the
# same files. One run times, interleaved, RUNS times each (BENCH_RUNS, default 7, at least 5):
#   - `berth audit .` over the whole corpus (every Dockerfile, Compose and ignore file),
#   - hadolint given all of the corpus's Dockerfiles in one process,
#   - hadolint once per Dockerfile, one after the other (as most CI integrations run it),
# each process timed from python3 around it; the Dockerfiles are the ones berth's JSON report
# lists. It prints the medians and both ratios (hadolint / berth) and exits 1 when berth is
# less than MIN_RATIO (default 10) times faster than the single hadolint call. The old bar (at
# most 2x `cat` over the same files) is retired (docs/audit.md says why).
#   Usage: bench/audit.sh [--docs] CORPUS [BERTH_BINARY]
#   --docs rewrites the figures block of docs/audit.md with this run's figures.
# hadolint is the pinned one of tools/install-validators.sh ($BERTH_VALIDATORS/bin/hadolint).
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS=""
if [ "${1:-}" = "--docs" ]; then DOCS="docs/audit.md"; shift; fi
CORPUS="${1:?usage: bench/audit.sh [--docs] CORPUS [BERTH_BINARY]}"
BERTH="${2:-$PWD/target/release/berth}"
HADOLINT="${BERTH_VALIDATORS:-$HOME/.cache/berth-validators}/bin/hadolint"
[ -x "$BERTH" ] || cargo build --release --quiet
[ -x "$HADOLINT" ] || { echo "bench/audit.sh: no $HADOLINT (run tools/install-validators.sh)" >&2; exit 2; }
RUNS="${BENCH_RUNS:-7}"
MIN_RATIO="${MIN_RATIO:-10}"
[ "$RUNS" -ge 5 ] || { echo "bench/audit.sh: BENCH_RUNS must be at least 5" >&2; exit 2; }

python3 - "$BERTH" "$HADOLINT" "$CORPUS" "$RUNS" "$MIN_RATIO" "$DOCS" <<'PY'
import json, os, re, statistics, subprocess, sys, time

berth, hadolint, corpus, runs, min_ratio, docs = sys.argv[1:7]
runs, min_ratio = int(runs), float(min_ratio)
report = subprocess.run([berth, "audit", "--format", "json", "."], cwd=corpus,
                        capture_output=True, text=True)
if report.returncode not in (0, 1):
    sys.exit(f"berth audit failed ({report.returncode}): {report.stderr}")
files = json.loads(report.stdout)["files"]
dockerfiles = [f["path"] for f in files if f["kind"] == "dockerfile"]
if not dockerfiles:
    sys.exit(f"no Dockerfile in {corpus}")

def timed(cmds):
    start = time.perf_counter()
    for cmd in cmds:
        subprocess.run(cmd, cwd=corpus, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000

audit = [[berth, "audit", "."]]
one_call = [[hadolint, "--no-fail", *dockerfiles]]
per_file = [[hadolint, "--no-fail", f] for f in dockerfiles]
for cmds in (audit, one_call, per_file[:1]):  # warm the page cache and the binaries
    timed(cmds)
times = {"audit": [], "one": [], "each": []}
for _ in range(runs):
    times["audit"].append(timed(audit))
    times["one"].append(timed(one_call))
    times["each"].append(timed(per_file))
med = {k: statistics.median(v) for k, v in times.items()}
one_ratio, each_ratio = med["one"] / med["audit"], med["each"] / med["audit"]
version = lambda cmd: subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
lines = [
    f"corpus: {len(files)} files, {len(dockerfiles)} Dockerfiles; {runs} interleaved runs each; "
    f"{os.cpu_count()} cores; {version([berth, '--version'])}; {version([hadolint, '--version'])}",
    "",
    "| command | median ms | min ms | max ms |",
    "| --- | ---: | ---: | ---: |",
]
for key, label in (("audit", "`berth audit .` (all files)"),
                   ("one", f"hadolint, {len(dockerfiles)} Dockerfiles in one call"),
                   ("each", f"hadolint once per Dockerfile ({len(dockerfiles)} calls)")):
    v = times[key]
    lines.append(f"| {label} | {med[key]:.1f} | {min(v):.1f} | {max(v):.1f} |")
lines += [
    "",
    f"berth is {one_ratio:.1f}x faster than hadolint in one call (bar: at least {min_ratio:g}x) "
    f"and {each_ratio:.1f}x faster than hadolint once per file.",
]
print("\n".join(lines))
ok = one_ratio >= min_ratio
if docs:
    text = open(docs).read()
    begin, end = "<!-- bench/audit.sh figures -->\n", "<!-- end of bench/audit.sh figures -->"
    if begin not in text or end not in text:
        sys.exit(f"{docs} has no figures block ({begin.strip()} ... {end})")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    block = f"Written by `bash bench/audit.sh --docs {corpus}` on {stamp}:\n\n" + "\n".join(lines) + "\n"
    open(docs, "w").write(head + begin + block + end + tail)
    print(f"wrote the figures into {docs}")
if not ok:
    print(f"FAIL: {one_ratio:.1f}x is below the bar of {min_ratio:g}x")
sys.exit(0 if ok else 1)
PY
