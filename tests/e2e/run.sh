#!/usr/bin/env bash
# berth end-to-end test: the generated mvp stack on a real Docker engine, with the container
# standard's targets measured. See tests/e2e/README.md.
#
# Usage: tests/e2e/run.sh [--berth PATH] [--keep] [--readme FILE]
#   --berth PATH  the berth binary to test (default: `cargo build --release`, then
#                 target/release/berth)
#   --keep        leave the stack running, the images and the work folder in place
#   --readme FILE after a run that passed, write its summary into FILE between the lines
#                 <!-- e2e-summary:begin --> and <!-- e2e-summary:end --> (docs/proof.md:
#                 `--readme docs/proof.md`; its figures are this script's output, never typed)
#
# Steps (each timed; the first that breaks stops the run with its name and reason):
#   engine          a Docker daemon and Compose v2 (tests/e2e/engine.sh start when none answers);
#                   the docker CLI is chosen after that (lib.sh select_docker)
#   base image      python:3.11-slim: present, pulled, or a debootstrap stand-in (base-images.sh)
#   render          berth init --preset mvp, plus decoy .env files inside every build input;
#                   services, build contexts and Dockerfiles come from `docker compose config`
#   build alone     every service built alone, one after another, in every rotation of the
#                   service list (so each is built first, in the middle and last), each rotation
#                   from an emptied build cache and none in between: through `docker compose
#                   build SERVICE`, then through the `docker build` command each Dockerfile's
#                   header documents (steps/build-alone.sh)
#   podman          `podman build --format docker` of every service (Debian's podman installed
#                   when missing); the HEALTHCHECK must be in each image (steps/podman.sh)
#   cold build      empty build cache, scripts/verify-stack.py build --parallel (timed)
#   rebuild         a code-only change in every service, built again with verify-stack.py build
#                   --max-parallel 2 (timed, per-image table): exactly the services whose code
#                   changed get new images, in batches of at most 2
#   naive build     tests/e2e/naive-single-stage.Dockerfile for auth-service (size baseline)
#   image checks    size < 400 MB and above the base, no compiler, no wheel, installer cache or
#                   uv, no .env* file
#   scan            berth scan --images against the PyPA snapshot in ../shared (steps/scan.sh):
#                   every image read without running it, transitive dependencies listed
#   wheel cache     rebuild after a code-only change, a dependency change, a C extension added
#                   and a dependency change with it pinned, berth's Dockerfile vs the naive one
#                   from the same warm state; the standard's 60% is the bar for the dependency
#                   change; the pip installer's Dockerfile built, rebuilt and run
#                   (steps/wheel-cache.sh)
#   quickstart      the README's "From `berth init` to a running stack" block, run as written
#                   (steps/quickstart.sh)
#   dev stack       the documented `docker compose --env-file .env.dev ... up -d`, all healthy
#                   within 20 s of it, verify-stack.py gateway, WebSocket echo through the
#                   gateway for every websocket service (steps/websocket.sh), an edited route
#                   served through the gateway within 3 s with no rebuild (steps/dev-loop.sh),
#                   every process non-root
#   dependency      stop auth-service, restart creator-hub: wait-for-services backs off, then
#                   succeeds when auth-service returns; the gateway still routes
#   reconfigure     workers and a port changed in berth.toml, berth generate, compose up -d:
#                   the new worker count runs, the new port answers (steps/reconfigure.sh;
#                   reported NOT RUN until .env values follow berth.toml, issue 8)
#   prod stack      time to healthy with the standard's timings, only the gateway publishes a
#                   port, the backend network is internal, no mounts, read-only root
#                   filesystems, verify-stack.py gateway, WebSocket echo
# Then a summary table, and cleanup of everything the run started (containers, networks,
# images, the work folder, and dockerd if this run started it).
#
# Env: E2E_STATE (/tmp/berth-e2e), E2E_CACHE (~/.cache/berth-e2e), E2E_DOCKER (docker CLI),
#      E2E_BERTH (same as --berth), E2E_BERTH_ARGS (extra global berth flags, e.g.
#      "--templates DIR"), E2E_KEEP=1 (same as --keep), E2E_PRUNE=auto|1|0 (empty the
#      build cache before the cold builds; auto: only on a daemon this tooling started,
#      otherwise the cold build uses --no-cache), E2E_HEALTH_TIMEOUT (300s),
#      E2E_PULL_TIMEOUT (20s), E2E_PODMAN=auto|0 (0: no podman step),
#      E2E_STOP_AFTER=STEP (stop after that step, exit 3: for debugging and the harness's
#      own tests), E2E_SKIP=STEP,STEP (skip steps while debugging a later one; reported NOT
#      RUN; later steps may need what a skipped one does), E2E_ENGINE_SH (a stand-in for
#      engine.sh: the harness's own tests).
# A bar this run measures and misses is a failed check: there is no "known, not met" state.
# Exit status: 0 every check passed (checks NOT RUN are listed), 1 a step or a check failed,
# 2 usage, 3 stopped by E2E_STOP_AFTER, 130 interrupted.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"
# The larger steps, one file each (functions only; they use run.sh's state and helpers).
for f in build-alone podman wheel-cache quickstart websocket reconfigure dev-loop scan; do
    # shellcheck source=/dev/null
    source "$HERE/steps/$f.sh"
done

BERTH=${E2E_BERTH:-}
KEEP=${E2E_KEEP:-0}
README_OUT=""
usage_line="usage: $0 [--berth PATH] [--keep] [--readme FILE]"
while [[ $# -gt 0 ]]; do
    case $1 in
        --berth)
            [[ -n ${2:-} ]] || { echo "usage: $0 [--berth PATH] [--keep] [--readme FILE]" >&2; exit 2; }
            BERTH=$2
            shift
            ;;
        --keep) KEEP=1 ;;
        --readme)
            [[ -f ${2:-} ]] || { echo "$usage_line: --readme needs an existing file" >&2; exit 2; }
            README_OUT=$(realpath "$2")
            shift
            ;;
        -h | --help)
            sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d'
            exit 0
            ;;
        *)
            echo "usage: $0 [--berth PATH] [--keep] [--readme FILE]" >&2
            exit 2
            ;;
    esac
    shift
done
read -r -a BERTH_ARGS <<<"${E2E_BERTH_ARGS:-}"

PROJECT=e2e-mvp
QUICKSTART_PROJECT=e2e-quickstart # the README's quickstart, run in its own folder
ENGINE_SH=${E2E_ENGINE_SH:-$HERE/engine.sh}
PY_IMAGE=python:3.11-slim
NAIVE_SERVICE=auth-service # the naive Dockerfile is written for it (port 8001)
NAIVE_IMAGE=berth-e2e-naive/auth-service:latest
TARGET_MB=400
HEALTH_TIMEOUT=${E2E_HEALTH_TIMEOUT:-300}
export DOCKER # scripts/verify-stack.py uses the same CLI

mkdir -p "$E2E_STATE"
RUN_DIR=$(mktemp -d "$E2E_STATE/run.XXXXXX")
LOGS="$RUN_DIR/logs"
NAIVE_CTX="$RUN_DIR/naive-context"
P="$RUN_DIR/$PROJECT"
mkdir -p "$LOGS"
VERIFY=(python3 "$P/scripts/verify-stack.py")
DC_DEV=(compose --env-file .env.dev -f docker-compose.yml -f docker-compose.dev.yml)
DC_PROD=(compose --env-file .env.prod -f docker-compose.yml -f docker-compose.prod.yml)

# ------------------------------------------------------------------ bookkeeping ---

RUN_START_US=${EPOCHREALTIME/./}
STEP_NAMES=()
STEP_TIMES=()
CHECK_LINES=()
FAILED_CHECKS=0
NOT_RUN_CHECKS=0
STOPPED_AFTER=""
STARTED_ENGINE=0
STARTED_PROJECTS=() # Compose projects this run brought up (taken down at cleanup)
IMAGES_BUILT=0
UNTAGGED_IMAGE_IDS=() # images built without a tag (the headers' `docker build`)
PODMAN_IMAGES=()
ENGINE_NOTE=""
BASE_NOTE=""
COLD_NOTE=""
declare -A SIZE=() ABOVE=() COMPILERS=() ENVFILES=() LEFTOVERS=() UIDS=() IMAGE_OF=()
declare -A CONTEXT_OF=() DOCKERFILE_OF=() # from `docker compose config`: absolute paths
OLD_IMAGE_IDS=() # images of the cold build, untagged by the rebuild
COLD_US=0
REBUILD_US=0
DEV_HEALTHY_US=0
PROD_HEALTHY_US=0
DEV_PROBE_INTERVAL=""
PROD_PROBE_INTERVAL=""
PROD_START_INTERVAL=""
DEV_HEALTHY_BAR=20 # seconds from `up -d` to every dev container healthy (issue 18)
MAX_PARALLEL=2     # the rebuild's --max-parallel bound
BOUNDED_TABLE=()   # verify-stack.py build --max-parallel's table
NAIVE_US=0
SERVICES=()

# abbrev "a,b,c,d,e" -> "a,b,c +2 more" (table cells)
abbrev() {
    local IFS=, items
    read -r -a items <<<"$1"
    if [[ ${#items[@]} -le 3 ]]; then echo "$1"; else echo "${items[*]:0:3} +$((${#items[@]} - 3)) more"; fi
}

now_us() { echo "${EPOCHREALTIME/./}"; }
# rel PATH: PATH relative to the project folder ("." for the folder itself).
rel() { if [[ $1 == "$P" ]]; then echo .; else echo "${1#"$P"/}"; fi; }
# secs MICROSECONDS -> "12.3"
secs() { printf '%d.%d' $(($1 / 1000000)) $((($1 / 100000) % 10)); }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000000 }'; }

# timed NAME FUNCTION: run one step, record its duration.
timed() {
    local name=$1 t0
    shift
    step "$name"
    if [[ ,${E2E_SKIP:-}, == *",$name,"* ]]; then
        check_not_run "step $name" "skipped (E2E_SKIP)"
        return 0
    fi
    t0=$(now_us)
    "$@"
    STEP_NAMES+=("$name")
    STEP_TIMES+=("$(secs $(($(now_us) - t0)))")
    log "    ($name: ${STEP_TIMES[-1]}s)"
    if [[ ${E2E_STOP_AFTER:-} == "$name" ]]; then
        STOPPED_AFTER=$name
        exit 3
    fi
}

check_pass() {
    CHECK_LINES+=("PASS  $1: $2")
    log "  PASS $1: $2"
}
check_fail() {
    CHECK_LINES+=("FAIL  $1: $2")
    FAILED_CHECKS=$((FAILED_CHECKS + 1))
    log "  FAIL $1: $2"
}
# check_not_run NAME REASON: a check this run could not make; listed, neither pass nor fail.
check_not_run() {
    CHECK_LINES+=("NOT RUN  $1: $2")
    NOT_RUN_CHECKS=$((NOT_RUN_CHECKS + 1))
    log "  NOT RUN $1: $2"
}

dc_dev() { (cd "$P" && "$DOCKER" "${DC_DEV[@]}" "$@"); }
dc_prod() { (cd "$P" && "$DOCKER" "${DC_PROD[@]}" "$@"); }

# show_tail FILE: the end of a log, indented, on stderr.
show_tail() { tail -n "${2:-25}" "$1" | sed 's/^/    | /' >&2; }

# ---------------------------------------------------------------------- summary ---

print_summary() {
    local rc=$1 img line total
    total=$(secs $(($(now_us) - RUN_START_US)))
    echo
    echo "==================================== berth e2e summary ===================================="
    [[ -n $ENGINE_NOTE ]] && echo "engine:     $ENGINE_NOTE"
    [[ -n $BASE_NOTE ]] && echo "base image: $BASE_NOTE"
    if [[ ${#SIZE[@]} -gt 0 ]]; then
        echo
        printf '%-36s %8s %10s %-7s %-26s %-19s %s\n' IMAGE "SIZE MB" "ABOVE BASE" "<${TARGET_MB}MB" \
            "COMPILERS / BUILD TOOLS" ".ENV* FILES" "PROCESS UIDS (USER)"
        for img in $(printf '%s\n' "${!SIZE[@]}" | sort); do
            local ok=ok
            [[ $img == "$NAIVE_IMAGE" ]] && ok="(naive)"
            [[ $img == "$PY_IMAGE" ]] && ok="(base)"
            if [[ $ok == ok ]] && awk -v s="${SIZE[$img]}" -v t="$TARGET_MB" 'BEGIN { exit !(s >= t) }'; then ok=OVER; fi
            printf '%-36s %8s %10s %-7s %-26s %-19s %s\n' "$img" "${SIZE[$img]}" "${ABOVE[$img]:--}" "$ok" \
                "$(abbrev "${COMPILERS[$img]:--}")" "$(abbrev "${ENVFILES[$img]:--}")" "${UIDS[$img]:--}"
        done
    fi
    local svc_img=${IMAGE_OF[$NAIVE_SERVICE]:-}
    if [[ -n ${SIZE[$NAIVE_IMAGE]:-} && -n $svc_img && -n ${SIZE[$svc_img]:-} ]]; then
        echo
        awk -v n="${SIZE[$NAIVE_IMAGE]}" -v m="${SIZE[$svc_img]}" -v s="$NAIVE_SERVICE" 'BEGIN {
            printf "size:    %s multi-stage %.1f MB vs naive single-stage %.1f MB: %.1f%% smaller (standard: 50%%+)\n", s, m, n, 100 * (1 - m / n) }'
    fi
    if [[ $COLD_US -gt 0 ]]; then
        echo "builds:  cold parallel build of all images $(secs "$COLD_US")s (cold: $COLD_NOTE)"
    fi
    if [[ $REBUILD_US -gt 0 ]]; then
        echo "         rebuild of all images after a code-only change in every service $(secs "$REBUILD_US")s (--max-parallel $MAX_PARALLEL)"
    fi
    if [[ $NAIVE_US -gt 0 ]]; then
        echo "         naive single-stage build of $NAIVE_SERVICE alone: $(secs "$NAIVE_US")s"
    fi
    if [[ ${#BOUNDED_TABLE[@]} -gt 0 ]]; then
        echo
        echo "bounded parallel rebuild (verify-stack.py build --max-parallel $MAX_PARALLEL) after a code-only change in every service:"
        for line in "${BOUNDED_TABLE[@]}"; do echo "$line"; done
    fi
    if [[ ${#WHEEL_ROWS[@]} -gt 0 ]]; then
        echo
        echo "rebuild of $NAIVE_SERVICE alone from the same warm state (standard: \"wheel caching for 60% faster rebuilds\"):"
        printf '%-20s %13s %13s %15s\n' CHANGE "BERTH (CACHE)" NAIVE "BERTH FASTER BY"
        local row
        for row in "${WHEEL_ROWS[@]}"; do echo "$row"; done
        echo "(bar: 60% for the dependency change, $WHEEL_CACHE_PACKAGE added; the code-only row is layer caching, which both"
        echo " have; the C extension is $WHEEL_CEXT_PACKAGE, compiled from source; the pip row is [build] installer = \"pip\")"
    fi
    if [[ $DEV_HEALTHY_US -gt 0 || $PROD_HEALTHY_US -gt 0 ]]; then
        echo
        echo "start to healthy (\`docker compose up -d\` to every container healthy, images built):"
        [[ $DEV_HEALTHY_US -gt 0 ]] && echo "  dev   $(secs "$DEV_HEALTHY_US")s (bar ${DEV_HEALTHY_BAR}s; dev probes every ${DEV_PROBE_INTERVAL:-?})"
        [[ $PROD_HEALTHY_US -gt 0 ]] && echo "  prod  $(secs "$PROD_HEALTHY_US")s (the standard's timings: every ${PROD_PROBE_INTERVAL:-?}, ${PROD_START_INTERVAL:-no start_interval})"
    fi
    if [[ -n $EDIT_LOOP_SECS ]]; then
        echo "edit loop (dev): an edited route served through the gateway ${EDIT_LOOP_SECS}s after the write (bar ${EDIT_LOOP_BAR}s), no rebuild"
    fi
    if [[ ${#BUILD_ALONE_LINES[@]} -gt 0 ]]; then
        echo
        echo "build alone: each order from an emptied build cache, nothing emptied in between${PODMAN_NOTE:+; $PODMAN_NOTE}"
        printf '%-8s %-62s %s\n' METHOD "ORDER" RESULT
        for line in "${BUILD_ALONE_LINES[@]}"; do echo "$line"; done
    fi
    if [[ ${#CHECK_LINES[@]} -gt 0 ]]; then
        echo
        for line in "${CHECK_LINES[@]}"; do echo "$line"; done
        echo "checks: $((${#CHECK_LINES[@]} - FAILED_CHECKS - NOT_RUN_CHECKS)) passed, $FAILED_CHECKS failed, $NOT_RUN_CHECKS not run"
    fi
    if [[ ${#STEP_NAMES[@]} -gt 0 ]]; then
        echo
        local i
        for i in "${!STEP_NAMES[@]}"; do
            printf 'step %-20s %7ss\n' "${STEP_NAMES[$i]}" "${STEP_TIMES[$i]}"
        done
    fi
    printf 'total                 %7ss\n' "$total"
    echo
    if [[ -n $STOPPED_AFTER ]]; then
        echo "E2E STOPPED after step \"$STOPPED_AFTER\" (E2E_STOP_AFTER): not a full run; $FAILED_CHECKS check(s) failed so far"
    elif [[ $STEP_RC -ne 0 ]]; then
        echo "E2E FAILED in step \"$E2E_STEP\": ${E2E_FAILURE:-exit status $STEP_RC} (logs: $LOGS)"
    elif [[ $FAILED_CHECKS -gt 0 ]]; then
        echo "E2E FAILED: $FAILED_CHECKS check(s) failed (logs: $LOGS)"
    elif [[ $NOT_RUN_CHECKS -gt 0 ]]; then
        echo "E2E PASSED, except $NOT_RUN_CHECKS check(s) NOT RUN (listed above)"
    else
        echo "E2E PASSED"
    fi
    echo "==========================================================================================="
}

# write_readme_summary SUMMARY FILE: the summary (without its banner lines) as a text block
# between FILE's <!-- e2e-summary:begin --> and <!-- e2e-summary:end --> lines.
write_readme_summary() {
    python3 - "$1" "$2" <<'PY'
import re, sys
summary = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if not l.startswith("=====")]
while summary and not summary[0].strip():
    summary.pop(0)
path = sys.argv[2]
text = open(path, encoding="utf-8").read()
block = "<!-- e2e-summary:begin -->\n```text\n" + "\n".join(summary).rstrip() + "\n```\n<!-- e2e-summary:end -->"
new, n = re.subn(r"<!-- e2e-summary:begin -->.*?<!-- e2e-summary:end -->", lambda _: block, text, flags=re.S)
if n != 1:
    sys.exit(f"{path}: expected one <!-- e2e-summary:begin --> ... <!-- e2e-summary:end --> block, found {n}")
open(path, "w", encoding="utf-8").write(new)
print(f"summary written into {path}", file=sys.stderr)
PY
}

STEP_RC=0 # the exit status the steps ended with (before failed checks turn 0 into 1)
cleanup() {
    local rc=$?
    trap - ERR
    set +e
    STEP_RC=$rc
    [[ -z $STOPPED_AFTER ]] || STEP_RC=0
    if [[ -n $STOPPED_AFTER ]]; then
        rc=3
        [[ $FAILED_CHECKS -gt 0 ]] && rc=1
    elif [[ $rc -eq 0 && $FAILED_CHECKS -gt 0 ]]; then
        rc=1
    fi
    if [[ $rc -ne 0 && ${#STARTED_PROJECTS[@]} -gt 0 ]]; then
        log "container states at failure:"
        local c project
        for project in "${STARTED_PROJECTS[@]}"; do
            "$DOCKER" ps -a --filter "label=com.docker.compose.project=$project" \
                --format '  {{.Names}}\t{{.Status}}' >&2 2>/dev/null
            for c in $("$DOCKER" ps -a -q --filter "label=com.docker.compose.project=$project" 2>/dev/null); do
                "$DOCKER" logs --tail 200 "$c" >"$LOGS/container-$("$DOCKER" inspect -f '{{.Name}}' "$c" | tr -d /).log" 2>&1
            done
        done
    fi
    print_summary "$rc" | tee "$E2E_STATE/summary.txt"
    if [[ -n $README_OUT ]]; then
        if [[ $rc -eq 0 ]]; then
            write_readme_summary "$E2E_STATE/summary.txt" "$README_OUT" || log "  WARNING: could not write the summary into $README_OUT"
        else
            log "  --readme: the run did not pass; $README_OUT left as it was"
        fi
    fi
    if [[ $KEEP == 1 ]]; then
        log "--keep: leaving the stack, images and $RUN_DIR in place"
    else
        step "cleanup"
        local project
        for project in "${STARTED_PROJECTS[@]}"; do
            log "  docker compose down (project $project)"
            (cd / && "$DOCKER" compose -p "$project" down --remove-orphans --volumes --timeout 5) >>"$LOGS/down.log" 2>&1 \
                || log "  WARNING: compose down failed (see $LOGS/down.log)"
        done
        if [[ $IMAGES_BUILT -eq 1 ]]; then
            local images
            images=$("$DOCKER" images --format '{{.Repository}}:{{.Tag}}' | grep -E "^($PROJECT|$QUICKSTART_PROJECT|berth-e2e-naive)/" || true)
            if [[ -n $images ]]; then
                log "  removing images: $(echo "$images" | tr '\n' ' ')"
                # shellcheck disable=SC2086 # one image per word
                "$DOCKER" image rm -f $images >/dev/null 2>&1 || log "  WARNING: could not remove every image"
            fi
            local id
            for id in "${OLD_IMAGE_IDS[@]}" "${UNTAGGED_IMAGE_IDS[@]}"; do
                # Images untagged by a later build, or built untagged (`docker build` as the
                # Dockerfile headers document it); gone already if reused.
                "$DOCKER" image rm "$id" >/dev/null 2>&1 || true
            done
            [[ ${#PODMAN_IMAGES[@]} -eq 0 ]] || podman image rm -f "${PODMAN_IMAGES[@]}" >/dev/null 2>&1 \
                || log "  WARNING: could not remove the podman images"
        fi
        if [[ $STARTED_ENGINE -eq 1 ]]; then
            bash "$ENGINE_SH" stop || log "  WARNING: engine.sh stop failed"
        fi
        if [[ $rc -eq 0 || $rc -eq 3 ]]; then
            rm -rf "$RUN_DIR"
        else
            log "  kept $RUN_DIR for inspection (logs in $LOGS)"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------ steps ---

step_engine() {
    if docker_up; then
        log "  a Docker daemon answers $DOCKER; using it"
    else
        [[ -n ${E2E_ENGINE_SH:-} ]] || need_root
        # Set before the start: when it fails half-way, cleanup still stops the dockerd it
        # launched (engine.sh stop only stops a daemon its own pid file names).
        STARTED_ENGINE=1
        bash "$ENGINE_SH" start
    fi
    if ! "$DOCKER" compose version --short >/dev/null 2>&1; then
        [[ -n ${E2E_ENGINE_SH:-} || $(id -u) -eq 0 ]] || die "'$DOCKER compose' (Compose v2) is missing; install the compose plugin"
        bash "$ENGINE_SH" start # installs the compose plugin, leaves the daemon alone
    fi
    # engine.sh may have installed docker.io: choose the CLI now, not when lib.sh was sourced.
    select_docker
    [[ $DOCKER_CAN_BUILDKIT -eq 1 ]] \
        || die "no docker CLI on PATH builds with BuildKit ($DOCKER: client 23+ without the buildx plugin); install buildx, or set E2E_DOCKER"
    local server compose
    server=$("$DOCKER" version --format '{{.Server.Version}}' 2>/dev/null) || die "cannot read the server version"
    compose=$("$DOCKER" compose version --short 2>/dev/null) || die "'$DOCKER compose version' failed"
    [[ ${compose#v} =~ ^[2-9]\. ]] || die "Compose v2 needed, '$DOCKER compose' is $compose"
    local who="already running"
    [[ $STARTED_ENGINE -eq 1 ]] && who="started by this run"
    ENGINE_NOTE="dockerd $server ($who), storage $("$DOCKER" info --format '{{.Driver}}'), compose v${compose#v}, CLI $DOCKER"
    log "  $ENGINE_NOTE"
}

step_base_image() {
    local want label
    want=$(sed -n 's/^RECIPE=\([A-Za-z0-9]*\).*/\1/p' "$HERE/base-images.sh")
    label=""
    if image_exists "$PY_IMAGE"; then
        label=$("$DOCKER" image inspect -f '{{index .Config.Labels "org.berth.e2e.standin"}}' "$PY_IMAGE")
    fi
    if image_exists "$PY_IMAGE" && [[ -z $label || $label == "$want" ]]; then
        log "  $PY_IMAGE present ($([[ -n $label ]] && echo "stand-in $label" || echo "registry image"))"
    elif image_exists "$PY_IMAGE"; then
        log "  $PY_IMAGE is stand-in $label, base-images.sh builds $want: re-importing"
        need_root
        bash "$HERE/base-images.sh" --rebuild --only python --no-probe
    elif [[ $(id -u) -eq 0 ]]; then
        bash "$HERE/base-images.sh" --only python --no-probe # pulls, else builds a stand-in
    else
        log "  docker pull $PY_IMAGE"
        "$DOCKER" pull -q "$PY_IMAGE" >/dev/null || die "cannot pull $PY_IMAGE (run as root to build a stand-in)"
    fi
    image_exists "$PY_IMAGE" || die "$PY_IMAGE is still missing"
    label=$("$DOCKER" image inspect -f '{{index .Config.Labels "org.berth.e2e.standin"}}' "$PY_IMAGE")
    local pyver
    pyver=$("$DOCKER" run --rm --network none --entrypoint python3 "$PY_IMAGE" -c \
        'import sys; print(sys.executable, sys.version.split()[0])') || die "$PY_IMAGE cannot run python3"
    if [[ -n $label ]]; then
        BASE_NOTE="$PY_IMAGE = debootstrap STAND-IN $label (Debian bookworm, Debian's $pyver), $(mb "$(image_bytes "$PY_IMAGE")") MB; not the official image, sizes differ from it"
    else
        BASE_NOTE="$PY_IMAGE = registry image ($pyver), $(mb "$(image_bytes "$PY_IMAGE")") MB"
    fi
    log "  $BASE_NOTE"
}

image_bytes() { "$DOCKER" image inspect -f '{{.Size}}' "$1"; }

step_render() {
    if [[ -z $BERTH ]]; then
        log "  cargo build --release (log: $LOGS/cargo.log)"
        (cd "$ROOT" && cargo build --release) >"$LOGS/cargo.log" 2>&1 || {
            show_tail "$LOGS/cargo.log"
            die "cargo build --release failed"
        }
        BERTH="${CARGO_TARGET_DIR:-$ROOT/target}/release/berth"
    fi
    [[ -x $BERTH ]] || die "berth binary $BERTH is not executable"
    BERTH=$(readlink -f "$BERTH") # absolute: the quickstart links to it from another folder
    log "  $BERTH ${BERTH_ARGS[*]} init $P --preset mvp --yes"
    "$BERTH" "${BERTH_ARGS[@]}" init "$P" --preset mvp --yes >"$LOGS/berth-init.log" 2>&1 || {
        show_tail "$LOGS/berth-init.log"
        die "berth init failed"
    }
    local f
    for f in scripts/verify-stack.py docker-compose.yml docker-compose.dev.yml docker-compose.prod.yml .env.dev .env.prod; do
        [[ -f $P/$f ]] || die "berth did not render $f"
    done
    # Services, images, build contexts and Dockerfiles as Compose sees them, so the run
    # follows whatever layout berth renders (tab-separated: paths may hold spaces).
    local json svc img ctx df
    json=$(dc_dev config --format json) || die "docker compose config failed"
    while IFS=$'\t' read -r svc img ctx df; do
        SERVICES+=("$svc")
        IMAGE_OF[$svc]=$img
        CONTEXT_OF[$svc]=$ctx
        DOCKERFILE_OF[$svc]=$df
    done < <(python3 -c '
import json, os, sys
cfg = json.load(sys.stdin)
for name, svc in sorted(cfg["services"].items()):
    build = svc.get("build")
    if not build:
        sys.exit(f"service {name} has no build section")
    ctx = build["context"]
    dockerfile = os.path.join(ctx, build.get("dockerfile") or "Dockerfile")
    print(name, svc.get("image") or cfg["name"] + "-" + name, ctx, dockerfile, sep="\t")' <<<"$json") \
        || die "cannot read services and build contexts from docker compose config"
    [[ ${#SERVICES[@]} -ge 2 ]] || die "compose config lists fewer than two services"
    log "  services: ${SERVICES[*]}"
    for svc in "${SERVICES[@]}"; do
        log "    $svc: context $(rel "${CONTEXT_OF[$svc]}"), Dockerfile $(rel "${DOCKERFILE_OF[$svc]}")"
    done
    # Decoys: a .env file inside every build input (each context, each Dockerfile's folder and
    # its app/ folder). The ignore files must keep them out of every image.
    local d
    for svc in "${SERVICES[@]}"; do
        df=$(dirname "${DOCKERFILE_OF[$svc]}")
        for d in "${CONTEXT_OF[$svc]}" "$df" "$df/app"; do
            if [[ -d $d ]]; then echo "E2E_DECOY=this-file-must-not-reach-an-image" >"$d/.env.local"; fi
        done
    done
}

# note_images SERVICE...: remember the images now tagged for these services, so cleanup removes
# them once a later build has moved the tag on (they would stay behind untagged).
note_images() {
    local svc id
    for svc in "$@"; do
        id=$("$DOCKER" image inspect -f '{{.Id}}' "${IMAGE_OF[$svc]}" 2>/dev/null) || continue
        UNTAGGED_IMAGE_IDS+=("$id")
    done
}

image_ids() {
    local svc
    for svc in "${SERVICES[@]}"; do
        echo "$svc $("$DOCKER" image inspect -f '{{.Id}}' "${IMAGE_OF[$svc]}" 2>/dev/null || echo none)"
    done
}

# prune_allowed: true when this run may empty the daemon's build cache: E2E_PRUNE=1, or
# (auto) a daemon this tooling started; a developer's own daemon keeps its cache.
prune_allowed() {
    local prune=${E2E_PRUNE:-auto} pidfile=$E2E_STATE/dockerd.pid
    if [[ $prune == auto ]]; then
        [[ $STARTED_ENGINE -eq 1 ]] && return 0
        [[ -f $pidfile && $(cat "/proc/$(cat "$pidfile")/comm" 2>/dev/null) == dockerd ]] && return 0
        return 1
    fi
    [[ $prune == 1 ]]
}

empty_build_cache() {
    "$DOCKER" builder prune -af >>"$LOGS/prune.log" 2>&1 || die "docker builder prune failed (log: $LOGS/prune.log)"
}

step_cold_build() {
    local extra=()
    if prune_allowed; then
        log "  docker builder prune -af (empty BuildKit cache, cache mounts included)"
        empty_build_cache
        COLD_NOTE="empty BuildKit cache incl. the pip cache mount; base image local; apt and PyPI over the network"
    else
        extra=(--no-cache)
        COLD_NOTE="--no-cache on a daemon this run did not start (its build cache is left alone; the pip cache mount may be warm, which only shortens the cold build)"
    fi
    IMAGES_BUILT=1
    local t0
    t0=$(now_us)
    "${VERIFY[@]}" build --parallel "${extra[@]}" --log "$LOGS/build-cold.log" \
        || die "verify-stack.py build failed (table above; log: $LOGS/build-cold.log)"
    COLD_US=$(($(now_us) - t0))
    note_images "${SERVICES[@]}"
    log "  cold build: $(secs "$COLD_US")s"
}

# app_file SERVICE: the service's app/main.py next to its Dockerfile ("" when it has none).
app_file() {
    local f
    f="$(dirname "${DOCKERFILE_OF[$1]}")/app/main.py"
    if [[ -f $f ]]; then echo "$f"; fi
}

step_rebuild() {
    local before after svc f want=()
    before=$(image_ids)
    mapfile -t OLD_IMAGE_IDS < <(awk '$2 != "none" { print $2 }' <<<"$before")
    for svc in "${SERVICES[@]}"; do
        f=$(app_file "$svc")
        [[ -n $f ]] || continue
        printf '\n# e2e: a code-only change (%s)\n' "$(date +%s%N)" >>"$f"
        want+=("$svc")
    done
    [[ ${#want[@]} -gt 0 ]] || die "no service has an app/main.py next to its Dockerfile"
    log "  changed app/main.py of: ${want[*]}"
    local t0
    t0=$(now_us)
    "${VERIFY[@]}" build --max-parallel "$MAX_PARALLEL" --log "$LOGS/build-rebuild.log" >"$LOGS/rebuild-table.txt" \
        || {
            cat "$LOGS/rebuild-table.txt" >&2
            die "verify-stack.py build after the code change failed (log: $LOGS/build-rebuild.log)"
        }
    REBUILD_US=$(($(now_us) - t0))
    cat "$LOGS/rebuild-table.txt" >&2
    mapfile -t BOUNDED_TABLE <"$LOGS/rebuild-table.txt"
    # The bound held: ceil(n / MAX_PARALLEL) Compose builds, none with more than MAX_PARALLEL services.
    local batches widest expected
    batches=$(grep -c '^==== docker compose build ' "$LOGS/build-rebuild.log" || true)
    widest=$(sed -n 's/^==== docker compose build //p' "$LOGS/build-rebuild.log" | awk '{ if (NF > w) w = NF } END { print w + 0 }')
    expected=$(((${#SERVICES[@]} + MAX_PARALLEL - 1) / MAX_PARALLEL))
    if [[ $batches -eq $expected && $widest -le $MAX_PARALLEL ]]; then
        check_pass "bounded build" "${#SERVICES[@]} images in $batches Compose builds of at most $MAX_PARALLEL services, $(secs "$REBUILD_US")s in all"
    else
        check_fail "bounded build" "$batches Compose builds (expected $expected), the widest with $widest services (bound $MAX_PARALLEL)"
    fi
    note_images "${SERVICES[@]}"
    after=$(image_ids)
    local old new changed=() same=()
    while read -r svc old; do
        new=$(awk -v s="$svc" '$1 == s { print $2 }' <<<"$after")
        if [[ $old != "$new" ]]; then changed+=("$svc"); else same+=("$svc"); fi
    done <<<"$before"
    log "  rebuild: $(secs "$REBUILD_US")s; new images: ${changed[*]:-none}; unchanged: ${same[*]:-none}"
    # Sets, not counts: exactly the services whose code changed get new images.
    if [[ "${changed[*]}" == "${want[*]}" ]]; then
        check_pass "rebuild" "new images for exactly the changed services (${changed[*]}); reused: ${same[*]:-none}"
    else
        check_fail "rebuild" "new images expected for {${want[*]}}, got {${changed[*]:-}}; reused: {${same[*]:-}}"
    fi
}

# sync_naive_context: auth-service's folder copied as the naive Dockerfile's context, without
# any ignore file (a naive setup has none, and the .env control needs the decoy to get in).
sync_naive_context() {
    local src
    src=$(dirname "${DOCKERFILE_OF[$NAIVE_SERVICE]}")
    rm -rf "$NAIVE_CTX"
    cp -a "$src" "$NAIVE_CTX"
    rm -f "$NAIVE_CTX"/.dockerignore "$NAIVE_CTX"/*.dockerignore
}

# naive_build LOG: build the naive image from the naive context; prints nothing, dies on failure.
naive_build() {
    "$DOCKER" build --progress=plain -f "$HERE/naive-single-stage.Dockerfile" -t "$NAIVE_IMAGE" \
        "$NAIVE_CTX" >"$1" 2>&1 || {
        show_tail "$1"
        die "the naive single-stage build failed (log: $1)"
    }
    UNTAGGED_IMAGE_IDS+=("$("$DOCKER" image inspect -f '{{.Id}}' "$NAIVE_IMAGE")")
}

step_naive_build() {
    [[ -n ${DOCKERFILE_OF[$NAIVE_SERVICE]:-} ]] || die "no $NAIVE_SERVICE service to compare the naive Dockerfile with"
    sync_naive_context
    local t0
    t0=$(now_us)
    naive_build "$LOGS/build-naive.log"
    NAIVE_US=$(($(now_us) - t0))
    log "  naive build: $(secs "$NAIVE_US")s, $(mb "$(image_bytes "$NAIVE_IMAGE")") MB"
}

# Compilers and build tools in an image: on PATH, or installed as Debian packages.
COMPILER_PY='
import re, shutil
found = [t for t in ("gcc", "cc", "c++", "g++", "cpp", "make", "ld", "as", "clang") if shutil.which(t)]
pattern = re.compile(r"(build-essential|gcc(-[0-9]+)?|g\+\+(-[0-9]+)?|cpp(-[0-9]+)?|make|binutils.*|libc6-dev|dpkg-dev|clang.*)")
name = None
with open("/var/lib/dpkg/status", encoding="utf-8") as status:
    for line in status:
        if line.startswith("Package: "):
            name = line.split()[1]
        elif line.startswith("Status: ") and line.split()[-1] == "installed" and name and pattern.fullmatch(name):
            found.append("pkg:" + name)
print(",".join(found) or "none")
'

# Installer leftovers in an image: a wheel, a download cache, the uv binary or a wheel folder
# (run as root, so /root is readable), except those of the base image, passed in $BASE (the
# official image bundles ensurepip'"'"'s wheels, Debian'"'"'s python3-pip its own).
LEFTOVER_PY='
import glob, os, shutil
found = ["uv"] if shutil.which("uv") else []
for pattern in ("/root/.cache/*", "/wheels", "/build", "/tmp/*.whl"):
    found += glob.glob(pattern)
for top in ("/usr", "/opt", "/app", "/root", "/tmp"):
    found += glob.glob(top + "/**/*.whl", recursive=True)
base = set(os.environ.get("BASE", "").split(","))
print(",".join(sorted(set(found) - base)) or "none")
'
# leftovers IMAGE: LEFTOVER_PY's answer for IMAGE, against the base image's.
leftovers() {
    "$DOCKER" run --rm --network none --user 0 -e "BASE=$BASE_LEFTOVERS" --entrypoint python3 "$1" -c "$LEFTOVER_PY"
}
BASE_LEFTOVERS=""

# env_files IMAGE: paths of .env* files in the image's filesystem (comma-separated, or "none").
env_files() {
    local cid list
    cid=$("$DOCKER" create "$1") || return 1
    list=$("$DOCKER" export "$cid" | tar -t 2>/dev/null | grep -E '(^|/)\.env[^/]*$' || true)
    "$DOCKER" rm -f "$cid" >/dev/null
    if [[ -z $list ]]; then echo none; else echo "$list" | tr '\n' ',' | sed 's/,$//'; fi
}

step_image_checks() {
    local base svc img bytes
    base=$(image_bytes "$PY_IMAGE")
    SIZE[$PY_IMAGE]=$(mb "$base")
    COMPILERS[$PY_IMAGE]=$("$DOCKER" run --rm --network none --entrypoint python3 "$PY_IMAGE" -c "$COMPILER_PY")
    BASE_LEFTOVERS=$(BASE_LEFTOVERS="" leftovers "$PY_IMAGE" | sed 's/^none$//') || die "cannot run python3 in $PY_IMAGE"
    # The installer-files check's control: an image with a uv cache and a wheel folder left in a
    # layer (the naive image keeps pip's cache only when the index sends caching headers, which
    # this VM's proxy does not, so it cannot serve as the control).
    local control=berth-e2e-control/leftovers:latest control_found
    printf 'FROM %s\nRUN mkdir -p /root/.cache/uv /wheels && touch /wheels/demo-1.0-py3-none-any.whl\n' "$PY_IMAGE" \
        | "$DOCKER" build -q -t "$control" - >"$LOGS/control-leftovers.log" 2>&1 || die "the control image did not build (log: $LOGS/control-leftovers.log)"
    control_found=$(leftovers "$control") || die "cannot run python3 in $control"
    "$DOCKER" image rm -f "$control" >/dev/null 2>&1 || true
    local over=() tools=() envs=() kept=() largest=0
    for img in $(printf '%s\n' "${IMAGE_OF[@]}" | sort -u) "$NAIVE_IMAGE"; do
        bytes=$(image_bytes "$img") || die "image $img is missing"
        SIZE[$img]=$(mb "$bytes")
        ABOVE[$img]="+$(mb $((bytes - base)))"
        COMPILERS[$img]=$("$DOCKER" run --rm --network none --entrypoint python3 "$img" -c "$COMPILER_PY") \
            || die "cannot run python3 in $img"
        ENVFILES[$img]=$(env_files "$img") || die "cannot export $img"
        LEFTOVERS[$img]=$(leftovers "$img") || die "cannot run python3 in $img"
        [[ $img == "$NAIVE_IMAGE" ]] && continue
        [[ ${LEFTOVERS[$img]} == none ]] || kept+=("$img: ${LEFTOVERS[$img]}")
        ((bytes < TARGET_MB * 1000000)) || over+=("$img")
        ((bytes > largest)) && largest=$bytes
        [[ ${COMPILERS[$img]} == none ]] || tools+=("$img: ${COMPILERS[$img]}")
        [[ ${ENVFILES[$img]} == none ]] || envs+=("$img: ${ENVFILES[$img]}")
    done
    local n=${#IMAGE_OF[@]}
    if [[ ${#over[@]} -eq 0 ]]; then
        check_pass "size" "all $n images < $TARGET_MB MB (largest $(mb "$largest") MB)"
    else
        check_fail "size" "over $TARGET_MB MB: ${over[*]}"
    fi
    # Each check is trusted only when its control (the naive image) shows it can find what
    # it looks for; the verdict is logged after both ran.
    if [[ ${COMPILERS[$NAIVE_IMAGE]} != *gcc* ]]; then
        check_fail "no build tools" "the check found no gcc in the naive image either: the check is broken"
    elif [[ ${#tools[@]} -eq 0 ]]; then
        check_pass "no build tools" "no compiler/build-essential in any runtime image (control: the naive image has $(abbrev "${COMPILERS[$NAIVE_IMAGE]}"))"
    else
        check_fail "no build tools" "${tools[*]}"
    fi
    if [[ $control_found != */root/.cache/uv* || $control_found != */wheels* ]]; then
        check_fail "no installer files" "the check did not find the control image's uv cache and wheel folder ($control_found): the check is broken"
    elif [[ ${#kept[@]} -eq 0 ]]; then
        check_pass "no installer files" "no wheel, download cache or uv in any runtime image (control: an image with them shows $(abbrev "$control_found"); the naive image: ${LEFTOVERS[$NAIVE_IMAGE]})"
    else
        check_fail "no installer files" "${kept[*]}"
    fi
    if [[ ${ENVFILES[$NAIVE_IMAGE]} != *.env.local* ]]; then
        check_fail "no .env files" "the check found no decoy in the naive image either: the check is broken"
    elif [[ ${#envs[@]} -eq 0 ]]; then
        check_pass "no .env files" "no .env* file in any image despite decoys in every build input (control: the naive image has ${ENVFILES[$NAIVE_IMAGE]})"
    else
        check_fail "no .env files" "${envs[*]}"
    fi
    # The standard's headline claim 1: 50%+ smaller through multi-stage builds.
    local multi=${SIZE[${IMAGE_OF[$NAIVE_SERVICE]}]} naive=${SIZE[$NAIVE_IMAGE]} pct
    pct=$(awk -v m="$multi" -v n="$naive" 'BEGIN { printf "%.1f", 100 * (1 - m / n) }')
    if awk -v p="$pct" 'BEGIN { exit !(p >= 50) }'; then
        check_pass "size reduction" "multi-stage $multi MB vs naive $naive MB: $pct% smaller (standard: 50%+)"
    else
        check_fail "size reduction" "multi-stage $multi MB vs naive $naive MB: only $pct% smaller (standard: 50%+)"
    fi
}

# ports_free CONFIG_JSON: every host port the configuration publishes is free on 127.0.0.1.
ports_free() {
    python3 -c '
import json, socket, sys
busy = []
for name, svc in json.load(sys.stdin)["services"].items():
    for port in svc.get("ports") or []:
        p = int(str(port.get("published", "0")).split("-")[0] or 0)
        if not p:
            continue
        with socket.socket() as s:
            s.settimeout(1)
            if s.connect_ex(("127.0.0.1", p)) == 0:
                busy.append(f"{p} ({name})")
if busy:
    print("host port(s) already in use: " + ", ".join(busy))
    sys.exit(1)'
}

# probe_timing DC KEY: auth-service's healthcheck KEY in that environment's configuration ("-"
# when unset), as Compose resolves it.
probe_timing() {
    "$1" config --format json | python3 -c '
import json, sys
print(json.load(sys.stdin)["services"]["auth-service"]["healthcheck"].get(sys.argv[1], "-"))' "$2"
}

wait_healthy() {
    local env=$1
    "${VERIFY[@]}" health --env "$env" --wait "$HEALTH_TIMEOUT" --interval 0.5 \
        || die "the $env stack did not become healthy within ${HEALTH_TIMEOUT}s (table above; container logs are saved to the logs folder)"
}

step_dev_stack() {
    local msg
    msg=$(dc_dev config --format json | ports_free) || die "$msg"
    log "  docker compose --env-file .env.dev -f docker-compose.yml -f docker-compose.dev.yml up -d"
    STARTED_PROJECTS+=("$PROJECT")
    local t0
    t0=$(now_us)
    (cd "$P" && timeout 900 "$DOCKER" "${DC_DEV[@]}" up -d) >"$LOGS/up-dev.log" 2>&1 || {
        show_tail "$LOGS/up-dev.log"
        die "docker compose up -d (dev) failed"
    }
    wait_healthy dev
    DEV_HEALTHY_US=$(($(now_us) - t0))
    DEV_PROBE_INTERVAL=$(probe_timing dc_dev interval)
    local detail
    detail="all ${#SERVICES[@]} containers healthy $(secs "$DEV_HEALTHY_US")s after \`up -d\` (bar ${DEV_HEALTHY_BAR}s)"
    if ((DEV_HEALTHY_US <= DEV_HEALTHY_BAR * 1000000)); then
        check_pass "dev healthy" "$detail"
    else
        check_fail "dev healthy" "$detail"
    fi
    if "${VERIFY[@]}" gateway --env dev --timeout 10; then
        check_pass "gateway (dev)" "every service's /health answered 2xx through the gateway"
    else
        check_fail "gateway (dev)" "verify-stack.py gateway failed (table above)"
    fi
    check_websockets dev
    check_edit_loop
    # Every process of every container runs as a non-root uid.
    local svc cid user uids bad=()
    for svc in "${SERVICES[@]}"; do
        cid=$(dc_dev ps -q "$svc")
        [[ -n $cid ]] || die "no container for $svc"
        user=$("$DOCKER" inspect -f '{{.Config.User}}' "$cid")
        uids=$("$DOCKER" exec "$cid" python3 -c '
import glob
uids = set()
for path in glob.glob("/proc/[0-9]*/status"):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("Uid:"):
                    uids.update(line.split()[1:])
    except OSError:
        pass
print(",".join(sorted(uids)))') || die "cannot exec into $svc"
        UIDS[${IMAGE_OF[$svc]}]="$uids (USER $user)"
        if [[ -z $user || $user == root || $user == 0 || $user == 0:* || ,$uids, == *,0,* ]]; then
            bad+=("$svc: USER '$user', uids $uids")
        fi
    done
    if [[ ${#bad[@]} -eq 0 ]]; then
        check_pass "non-root" "every process in all ${#SERVICES[@]} containers runs as a non-root uid"
    else
        check_fail "non-root" "${bad[*]}"
    fi
}

step_dependency() {
    local dep=auth-service dependent=creator-hub cid since lines failures
    cid=$(dc_dev ps -q "$dependent")
    log "  stop $dep, restart $dependent"
    dc_dev stop "$dep" >>"$LOGS/dependency.log" 2>&1 || die "compose stop $dep failed"
    since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    "$DOCKER" restart "$cid" >/dev/null || die "docker restart $dependent failed"
    local waited=0
    while :; do
        lines=$("$DOCKER" logs --since "$since" "$cid" 2>&1 | grep '^wait-for-services:' || true)
        failures=$(grep -c "^wait-for-services: $dep .* attempt [0-9]* failed" <<<"$lines" || true)
        [[ $failures -ge 4 ]] && break
        [[ $waited -ge 40 ]] && die "$dependent logged $failures failed attempt(s) in 40s, expected wait-for-services to retry"
        sleep 1
        waited=$((waited + 1))
    done
    log "  $dependent: $failures failed attempts so far; starting $dep again"
    dc_dev start "$dep" >>"$LOGS/dependency.log" 2>&1 || die "compose start $dep failed"
    waited=0
    while :; do
        lines=$("$DOCKER" logs --since "$since" "$cid" 2>&1 | grep '^wait-for-services:' || true)
        grep -q "^wait-for-services: $dep is up after" <<<"$lines" && break
        [[ $waited -ge 90 ]] && {
            printf '%s\n' "$lines" | tail -n 5 >&2
            die "$dependent never saw $dep come back within 90s"
        }
        sleep 1
        waited=$((waited + 1))
    done
    printf '%s\n' "$lines" >"$LOGS/dependency-wait.log"
    printf '%s\n' "$lines" | sed 's/^/    /' >&2
    local delays up increasing
    delays=$(grep -o 'retrying in [0-9.]*s' <<<"$lines" | awk '{ print $3 }' | tr -d s | paste -sd, -)
    up=$(grep -o "$dep is up after .*" <<<"$lines" | tail -1)
    increasing=$(tr , '\n' <<<"$delays" | awk 'NR > 1 && $1 + 0 < prev + 0 { bad = 1 } { prev = $1 } END { print bad ? "no" : "yes" }')
    wait_healthy dev
    local attempts
    attempts=$(grep -c "attempt [0-9]* failed" <<<"$lines" || true)
    if [[ $attempts -ge 3 && $increasing == yes ]]; then
        check_pass "dependency wait" "$dependent retried $attempts times, delays ${delays}s (non-decreasing), then '$up'; all healthy again"
    else
        check_fail "dependency wait" "attempts $attempts, delays ${delays}s, increasing=$increasing, '$up'"
    fi
    if "${VERIFY[@]}" gateway --env dev --timeout 10; then
        check_pass "gateway after restart" "routes still answer after $dep and $dependent were restarted"
    else
        check_fail "gateway after restart" "verify-stack.py gateway failed after the restart (table above)"
    fi
}

step_prod_stack() {
    log "  docker compose down (dev)"
    dc_dev down --remove-orphans --timeout 5 >>"$LOGS/down.log" 2>&1 || die "compose down (dev) failed"
    # The prod secrets are deliberately empty in .env.prod; the deployment provides them.
    local key
    while read -r key; do
        export "$key=e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    done < <(sed -n 's/^\([A-Z0-9_]*_SECRET_KEY\)=$/\1/p' "$P/.env.prod")
    local msg
    msg=$(dc_prod config --format json | ports_free) || die "$msg"
    log "  docker compose --env-file .env.prod -f docker-compose.yml -f docker-compose.prod.yml up -d"
    local t0
    t0=$(now_us)
    (cd "$P" && timeout 900 "$DOCKER" "${DC_PROD[@]}" up -d) >"$LOGS/up-prod.log" 2>&1 || {
        show_tail "$LOGS/up-prod.log"
        die "docker compose up -d (prod) failed"
    }
    wait_healthy prod
    PROD_HEALTHY_US=$(($(now_us) - t0))
    PROD_PROBE_INTERVAL=$(probe_timing dc_prod interval)
    PROD_START_INTERVAL=$(probe_timing dc_prod start_interval | sed 's/^-$/no start_interval/; s/^[0-9]/start_interval &/')
    check_pass "prod healthy" "all ${#SERVICES[@]} containers healthy $(secs "$PROD_HEALTHY_US")s after \`up -d\` (the standard's probe timings)"
    local svc cid ports nets ro publishing=() wrong_nets=() writable=() mounted=()
    for svc in "${SERVICES[@]}"; do
        cid=$(dc_prod ps -q "$svc")
        # shellcheck disable=SC2016 # Go template variables, not shell
        ports=$("$DOCKER" inspect -f '{{range $p, $b := .NetworkSettings.Ports}}{{if $b}}{{range $b}}{{.HostIp}}:{{.HostPort}}->{{$p}} {{end}}{{end}}{{end}}' "$cid")
        # shellcheck disable=SC2016 # Go template variables, not shell
        nets=$("$DOCKER" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$cid")
        ro=$("$DOCKER" inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$cid")
        [[ -n ${ports// /} ]] && publishing+=("$svc=${ports% }")
        [[ $ro == true ]] || writable+=("$svc")
        [[ $("$DOCKER" inspect -f '{{len .Mounts}}' "$cid") == 0 ]] || mounted+=("$svc")
        if [[ $svc != gateway && ${nets% } != "${PROJECT}_backend" ]]; then wrong_nets+=("$svc: ${nets% }"); fi
    done
    if [[ ${#publishing[@]} -eq 1 && ${publishing[0]} == gateway=* ]]; then
        check_pass "prod ports" "only the gateway publishes a port (${publishing[0]#gateway=})"
    else
        check_fail "prod ports" "publishing: ${publishing[*]:-none}"
    fi
    local internal
    internal=$("$DOCKER" network inspect -f '{{.Internal}}' "${PROJECT}_backend")
    local escape
    escape=$("$DOCKER" exec "$(dc_prod ps -q auth-service)" python3 -c '
import socket
try:
    socket.create_connection(("1.1.1.1", 443), timeout=2).close()
    print("reached 1.1.1.1:443")
except OSError as exc:
    print("blocked (" + (exc.strerror or type(exc).__name__) + ")")') || escape="exec failed"
    if [[ $internal == true && ${#wrong_nets[@]} -eq 0 && $escape == blocked* ]]; then
        check_pass "prod network" "${PROJECT}_backend is internal; services join only it; outbound from auth-service: $escape"
    else
        check_fail "prod network" "internal=$internal, other networks: ${wrong_nets[*]:-none}, outbound: $escape"
    fi
    if [[ ${#mounted[@]} -eq 0 ]]; then
        check_pass "prod no mounts" "no container mounts code or volumes (the dev edit loop's bind mounts stay in dev)"
    else
        check_fail "prod no mounts" "mounts in: ${mounted[*]}"
    fi
    if [[ ${#writable[@]} -eq 0 ]]; then
        check_pass "prod read-only" "every container has a read-only root filesystem"
    else
        check_fail "prod read-only" "writable root filesystem: ${writable[*]}"
    fi
    local gport
    gport=$(sed -n 's/^GATEWAY_PORT=//p' "$P/.env.prod")
    if "${VERIFY[@]}" gateway --env prod --base-url "http://localhost:${GATEWAY_PORT:-$gport}" --timeout 10; then
        check_pass "gateway (prod)" "every route answered through http://localhost:${GATEWAY_PORT:-$gport}"
    else
        check_fail "gateway (prod)" "verify-stack.py gateway failed (table above)"
    fi
    check_websockets prod
}

# ------------------------------------------------------------------------- main ---

log "berth e2e: work folder $RUN_DIR"
timed "engine" step_engine
timed "base image" step_base_image
timed "render" step_render
timed "build alone compose" step_build_alone_compose
timed "build alone header" step_build_alone_header
timed "podman" step_podman
timed "cold build" step_cold_build
timed "rebuild" step_rebuild
timed "naive build" step_naive_build
timed "image checks" step_image_checks
timed "scan" step_scan
timed "wheel cache" step_wheel_cache
timed "quickstart" step_quickstart
timed "dev stack" step_dev_stack
timed "dependency" step_dependency
timed "reconfigure" step_reconfigure
timed "prod stack" step_prod_stack
E2E_STEP="(done)"
