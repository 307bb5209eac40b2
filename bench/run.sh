#!/usr/bin/env bash
# Benchmark: whole-process wall time of the two commands people wait on.
#   1. `berth init --preset mvp --yes` into a fresh folder           (aim: < 20 ms)
#   2. `berth generate` on a generated 200-service manifest, both
#      a no-op regenerate and one after a change to every service    (aim: < 200 ms)
# Usage: bench/run.sh [BERTH_BINARY]   (default: target/release/berth, built if missing)
# Prints mean / min / max over N runs (BENCH_RUNS, default 20), timed from python3 around each
# process (for a second opinion: hyperfine -N --prepare "rm -rf /tmp/x" "berth init /tmp/x --yes").
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH="${1:-$PWD/target/release/berth}"
[ -x "$BERTH" ] || cargo build --release --quiet
RUNS="${BENCH_RUNS:-20}"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT

# time CMD... N times; print mean/min/max in ms (python3 for the clock and the arithmetic)
measure() {
  local label="$1" prep="$2"; shift 2
  python3 - "$RUNS" "$prep" "$@" <<'PY' | sed "s/^/$label: /"
import subprocess, sys, time
runs, prep, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
times = []
for i in range(runs):
    if prep:
        subprocess.run(["bash", "-c", prep], check=True)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
print(f"mean {sum(times)/len(times):7.1f} ms   min {min(times):7.1f} ms   max {max(times):7.1f} ms   ({runs} runs)")
PY
}

echo "berth: $("$BERTH" --version); machine: $(nproc) cores"
measure "init --preset mvp            " "rm -rf '$WORK/mvp'" "$BERTH" init "$WORK/mvp" --preset mvp --yes

# a 200-service manifest, made with berth itself
"$BERTH" init "$WORK/big" --preset minimal --yes >/dev/null
for i in $(seq 1 200); do
  printf '\n[services.svc-%03d]\nkind = "http"\nport = %d\n' "$i" $((9000 + i)) >> "$WORK/big/berth.toml"
done
"$BERTH" -C "$WORK/big" generate >/dev/null
files=$(find "$WORK/big" -type f | wc -l)

# let the writes of that set-up reach the disk, so they do not slow the runs measured next
sync
echo "200-service project: $files files"
measure "generate, 200 services, no-op" "" "$BERTH" -C "$WORK/big" generate
# every service's worker count changes between runs: all 200 Dockerfiles are re-rendered and
# replaced, and the lock is rewritten
cat > "$WORK/bump.py" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
n = 2 if "workers = 1\n" in s else 1
s = re.sub(r"\nworkers = \d+\n", "\n", s)
s = s.replace('kind = "http"\n', f'kind = "http"\nworkers = {n}\n')
open(p, "w").write(s)
PY
measure "generate, 200 services, all changed" "python3 '$WORK/bump.py' '$WORK/big/berth.toml'" "$BERTH" -C "$WORK/big" generate
