#!/usr/bin/env bash
# Speed bar of `berth audit` (issue 13): auditing the whole corpus may take at most 2x the
# time of `cat` over the same files plus process start.
#   Usage: bench/audit.sh CORPUS [BERTH_BINARY]   (default binary: target/release/berth)
# The files are the ones the audit reads (its JSON report lists them). Three commands run
# interleaved, RUNS times each (BENCH_RUNS, default 15, at least 9), timed from python3 around
# each process: `berth audit .`, `cat FILES` and `berth --version` (berth's process start: the
# dynamic loader and a 9 MB binary, which `cat` does not pay). The baseline is the median of
# `cat` plus the median of the process start; the ratio is the audit's median over it. Exit 1
# when the ratio exceeds MAX_RATIO (default 2.0). The ratio against `cat` alone is printed too.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${1:?usage: bench/audit.sh CORPUS [BERTH_BINARY]}"
BERTH="${2:-$PWD/target/release/berth}"
[ -x "$BERTH" ] || cargo build --release --quiet
RUNS="${BENCH_RUNS:-15}"
MAX_RATIO="${MAX_RATIO:-2.0}"
[ "$RUNS" -ge 9 ] || { echo "bench/audit.sh: BENCH_RUNS must be at least 9" >&2; exit 2; }

python3 - "$BERTH" "$CORPUS" "$RUNS" "$MAX_RATIO" <<'PY'
import json, os, statistics, subprocess, sys, time

berth, corpus, runs, max_ratio = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
report = subprocess.run([berth, "audit", "--format", "json", "."], cwd=corpus,
                        capture_output=True, text=True)
if report.returncode not in (0, 1):
    sys.exit(f"berth audit failed ({report.returncode}): {report.stderr}")
files = [f["path"] for f in json.loads(report.stdout)["files"]]
audit = [berth, "audit", "."]
cat = ["cat", *files]
start = [berth, "--version"]

def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, cwd=corpus, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000

for cmd in (audit, cat, start):  # warm the page cache and the binary
    timed(cmd)
audit_ms, cat_ms, start_ms = [], [], []
for _ in range(runs):
    audit_ms.append(timed(audit))
    cat_ms.append(timed(cat))
    start_ms.append(timed(start))
med = statistics.median
a, c, s = med(audit_ms), med(cat_ms), med(start_ms)
ratio = a / (c + s)
def line(label, values):
    print(f"{label}: median {med(values):6.2f} ms   (min {min(values):6.2f}, max {max(values):6.2f})")
print(f"files: {len(files)} (corpus {corpus}); {runs} interleaved runs each; {os.cpu_count()} cores")
line("berth audit .       ", audit_ms)
line("cat FILES           ", cat_ms)
line("berth --version     ", start_ms)
print(f"ratio audit / (cat + process start): {ratio:.2f} (limit {max_ratio:.1f})")
print(f"ratio audit / cat alone            : {a / c:.2f} (for information)")
sys.exit(0 if ratio <= max_ratio else 1)
PY
