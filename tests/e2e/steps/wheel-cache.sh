# shellcheck shell=bash disable=SC2034 # state shared with run.sh, which sources this file
# The "wheel cache" step of tests/e2e/run.sh (sourced by it): the standard's "Use wheel caching
# for 60% faster rebuilds", measured where a developer waits for it.
#
# A code-only change is fast to rebuild with layer caching alone, which the naive single-stage
# Dockerfile has too; the cache matters when the requirements change, since every later layer
# is rebuilt: the naive Dockerfile downloads, builds and installs every package again, berth's
# builder stage (uv by default) finds them in its cache mount and installs once. So, for
# auth-service alone, from the same warm state (both Dockerfiles just built from the same
# files), each change is made once and each Dockerfile rebuilt after it, timed, with the same
# `docker build` client:
#   code-only change     a comment appended to app/main.py (layer caching, reported)
#   dependency change    one small pure-Python package, pinned, appended to requirements.txt:
#                        the bar, berth at least 60% faster than the naive Dockerfile
#   C extension added    a package with a C extension and no wheel for the base image's
#                        Python: both Dockerfiles compile it (reported)
#   dependency change,   one more pure-Python package while the C extension is pinned: the naive
#   C extension pinned   Dockerfile compiles it again, berth's cache holds the built wheel
#                        (reported)
# The Dockerfiles with `[build] installer = "pip"` are built and run too, with their own
# dependency-change row (reported: pip is the slower installer, offered for mirrors without uv).

WHEEL_CACHE_PACKAGE="six==1.17.0" # small, pure Python, not among FastAPI's or uvicorn's deps
# A C extension (hand-written C, setuptools) whose newest wheels are for Python 3.10: on the
# base image's 3.11 it compiles from source. No advisory in the PyPA database names it.
WHEEL_CEXT_PACKAGE="multidict==5.2.0"
WHEEL_CEXT_NEXT="iniconfig==2.0.0" # the dependency change made while the C extension is pinned
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
    WHEEL_ROWS+=("$(printf '%-20s %12ss %12ss %14s%%' "$name" "$(secs "$berth_us")" "$(secs "$naive_us")" "$ROW_PCT")")
    log "  $name: berth $(secs "$berth_us")s, naive $(secs "$naive_us")s: berth $ROW_PCT% faster"
}

change_code() {
    printf '\n# e2e: a code-only change (%s)\n' "$(date +%s%N)" >>"$(app_file "$NAIVE_SERVICE")"
}

# add_requirement PACKAGE: append one pin to auth-service's requirements.txt.
add_requirement() {
    local req
    req="$(dirname "${DOCKERFILE_OF[$NAIVE_SERVICE]}")/requirements.txt"
    [[ -f $req ]] || die "no requirements.txt next to ${DOCKERFILE_OF[$NAIVE_SERVICE]}"
    printf '%s\n' "$1" >>"$req"
}

change_dependency() { add_requirement "$WHEEL_CACHE_PACKAGE"; }
change_cext() { add_requirement "$WHEEL_CEXT_PACKAGE"; }
change_cext_next() { add_requirement "$WHEEL_CEXT_NEXT"; }

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
    wheel_row "C extension added" change_cext
    grep -qiE "building (wheel for )?multidict" "$LOGS/wheel-C extension added-berth.log" \
        || die "the C extension row did not compile $WHEEL_CEXT_PACKAGE in berth's builder (log: $LOGS/wheel-C extension added-berth.log)"
    wheel_row "dep. change, C ext." change_cext_next
    # The image runs the compiled extension (not the pure-Python fallback multidict ships).
    "$DOCKER" run --rm --network none --entrypoint python3 "${IMAGE_OF[$NAIVE_SERVICE]}" \
        -c 'import multidict, multidict._multidict as c; print(c.__file__)' >"$LOGS/wheel-cext-import.log" 2>&1 \
        || die "$WHEEL_CEXT_PACKAGE's C extension does not import in ${IMAGE_OF[$NAIVE_SERVICE]} (log: $LOGS/wheel-cext-import.log)"
    local detail="rebuild after adding $WHEEL_CACHE_PACKAGE: berth $dep_pct% faster than the naive Dockerfile (standard: 60%; code-only change: $code_pct%)"
    if awk -v p="$dep_pct" 'BEGIN { exit !(p >= 60) }'; then
        check_pass "wheel caching" "$detail"
    else
        check_fail "wheel caching" "$detail"
    fi
    pip_installer_row
}

# pip_installer_row: auth-service rendered with `[build] installer = "pip"` in a copy of the
# project, built from a warm state, rebuilt after the same dependency change (a row of its
# own), and run: the pip Dockerfile must build, import its packages as the non-root user and
# hold no installer cache.
pip_installer_row() {
    local copy="$RUN_DIR/pip-installer" svc=$NAIVE_SERVICE image=berth-e2e-pip/auth-service:latest
    rm -rf "$copy"
    cp -a "$P" "$copy"
    printf '\n[build]\ninstaller = "pip"\n' >>"$copy/berth.toml"
    (cd "$copy" && "$BERTH" "${BERTH_ARGS[@]}" generate) >"$LOGS/pip-generate.log" 2>&1 || {
        show_tail "$LOGS/pip-generate.log"
        die "berth generate with installer = \"pip\" failed"
    }
    grep -q 'pip --python /opt/venv/bin/python install' "$copy/services/$svc/Dockerfile" \
        || die "installer = \"pip\" did not write the pip Dockerfile"
    local pip_build
    pip_build() {
        "$DOCKER" build --progress=plain -t "$image" "$copy/services/$svc" >"$1" 2>&1 || {
            show_tail "$1"
            die "docker build of the pip Dockerfile failed (log: $1)"
        }
    }
    pip_build "$LOGS/pip-warm.log"
    IMAGES_BUILT=1
    UNTAGGED_IMAGE_IDS+=("$("$DOCKER" image inspect -f '{{.Id}}' "$image")")
    printf '%s\n' "attrs==24.2.0" >>"$copy/services/$svc/requirements.txt"
    local t0 pip_us
    t0=$(now_us)
    pip_build "$LOGS/pip-dependency.log"
    pip_us=$(($(now_us) - t0))
    UNTAGGED_IMAGE_IDS+=("$("$DOCKER" image inspect -f '{{.Id}}' "$image")")
    local uid found
    uid=$("$DOCKER" run --rm --network none --entrypoint python3 "$image" \
        -c 'import os, attrs, fastapi, uvicorn; print(os.getuid())' 2>&1) || die "the pip image does not run: $uid"
    [[ $uid == 10001 ]] || die "the pip image runs as uid $uid, expected 10001"
    found=$(leftovers "$image") || die "cannot run python3 in the pip image"
    [[ $found == none ]] || die "the pip image keeps installer files: $found"
    WHEEL_ROWS+=("$(printf '%-20s %12ss %12s %14s' "pip installer dep." "$(secs "$pip_us")" "-" "-")")
    log "  installer = \"pip\": dependency change rebuilt in $(secs "$pip_us")s; runs as uid 10001, no cache"
    "$DOCKER" image rm -f "$image" >/dev/null 2>&1 || true
}
