# shellcheck shell=bash disable=SC2034 # state shared with run.sh, which sources this file
# The "wheel cache" step of tests/e2e/run.sh (sourced by it): the standard's "Use wheel caching
# for 60% faster rebuilds", measured where wheel caching matters.
#
# A code-only change is fast to rebuild with layer caching alone, which the naive single-stage
# Dockerfile has too; the wheels matter when the requirements change, since every later layer
# is rebuilt: the naive Dockerfile downloads and installs every package again, berth's builder
# stage finds them in its pip cache mount. So, for auth-service alone, from the same warm state
# (both Dockerfiles just built from the same files), each change is made once and each
# Dockerfile rebuilt after it, timed, with the same `docker build` client:
#   code-only change   a comment appended to app/main.py
#   dependency change  one small pure-Python package, pinned, appended to requirements.txt
# Both rows are reported with berth's time, the naive time and how much faster berth is. The
# standard's 60% is the bar for the dependency change (NOT MET when missed, see check_unmet); the code-only row
# is reported as information (layer caching, which both have).

WHEEL_CACHE_PACKAGE="six==1.17.0" # small, pure Python, not among FastAPI's or uvicorn's deps
WHEEL_ROWS=()                     # summary rows

# berth_build LOG: auth-service's image from berth's Dockerfile and context, as Compose builds it.
berth_build() {
    local svc=$NAIVE_SERVICE
    "$DOCKER" build --progress=plain -f "${DOCKERFILE_OF[$svc]}" -t "${IMAGE_OF[$svc]}" \
        "${CONTEXT_OF[$svc]}" >"$1" 2>&1 || {
        show_tail "$1"
        die "docker build of $svc failed (log: $1)"
    }
    note_images "$svc"
}

# wheel_row NAME CHANGE-FUNCTION: apply the change, time both rebuilds, record the row; sets
# ROW_PCT (how much faster berth's rebuild was, in percent). No subshells: a failing build
# must stop the run with its reason.
wheel_row() {
    local name=$1 change=$2 t0 berth_us naive_us
    "$change"
    t0=$(now_us)
    berth_build "$LOGS/wheel-$name-berth.log"
    berth_us=$(($(now_us) - t0))
    sync_naive_context # the copy is not part of the naive build's time
    t0=$(now_us)
    naive_build "$LOGS/wheel-$name-naive.log"
    naive_us=$(($(now_us) - t0))
    ROW_PCT=$(awk -v b="$berth_us" -v n="$naive_us" 'BEGIN { printf "%.1f", 100 * (1 - b / n) }')
    WHEEL_ROWS+=("$(printf '%-18s %12ss %12ss %14s%%' "$name" "$(secs "$berth_us")" "$(secs "$naive_us")" "$ROW_PCT")")
    log "  $name: berth $(secs "$berth_us")s, naive $(secs "$naive_us")s: berth $ROW_PCT% faster"
}

change_code() {
    printf '\n# e2e: a code-only change (%s)\n' "$(date +%s%N)" >>"$(app_file "$NAIVE_SERVICE")"
}

change_dependency() {
    local req
    req="$(dirname "${DOCKERFILE_OF[$NAIVE_SERVICE]}")/requirements.txt"
    [[ -f $req ]] || die "no requirements.txt next to ${DOCKERFILE_OF[$NAIVE_SERVICE]}"
    printf '%s\n' "$WHEEL_CACHE_PACKAGE" >>"$req"
}

step_wheel_cache() {
    [[ -n $(app_file "$NAIVE_SERVICE") ]] || die "$NAIVE_SERVICE has no app/main.py"
    log "  warm state: both Dockerfiles built from the current files"
    berth_build "$LOGS/wheel-warm-berth.log"
    sync_naive_context
    naive_build "$LOGS/wheel-warm-naive.log"
    local code_pct dep_pct
    wheel_row "code-only change" change_code
    code_pct=$ROW_PCT
    wheel_row "dependency change" change_dependency
    dep_pct=$ROW_PCT
    if awk -v p="$dep_pct" 'BEGIN { exit !(p >= 60) }'; then
        check_pass "wheel caching" "rebuild after adding $WHEEL_CACHE_PACKAGE: berth $dep_pct% faster than the naive Dockerfile (standard: 60%; code-only change: $code_pct%)"
    else
        # Known and explained (README "The real-engine proof"): a dependency change costs berth's
        # Dockerfile two pip runs (builder wheels, runtime offline install) against the naive one's
        # single `pip install`; with PyPI answering at >100 MB/s nothing is left for a cache to
        # save. Listed as NOT MET, never as a pass; issue 9 stays open on it.
        check_unmet "wheel caching" "rebuild after adding $WHEEL_CACHE_PACKAGE: berth $dep_pct% faster than the naive Dockerfile (standard: 60%; code-only change: $code_pct%)"
    fi
}
