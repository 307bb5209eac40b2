# shellcheck shell=bash disable=SC2034 # state shared with run.sh, which sources this file
# The "build alone" steps of tests/e2e/run.sh (sourced by it): every service image built on its
# own, one after another, the everyday workflow after editing one service. Issue 9 found that
# a shared build context (the repository root, with a <Dockerfile>.dockerignore per service)
# breaks this on Docker 20.10: BuildKit reuses the context synced for the previous service.
#
# Each rotation of the service list is built from an emptied build cache with nothing emptied
# in between, so every service is built first (right after the cache was emptied), in the
# middle and last. Two ways, as users build:
#   compose  `docker compose --env-file .env.dev -f ... build SERVICE`
#   header   the `docker build` command each Dockerfile's header documents, read from the
#            header (so the documentation cannot drift from what works), run from the
#            project folder; only `--iidfile` is added (to find and remove the image later)
# On a daemon this run did not start, the cache is not emptied (see prune_allowed); the
# summary says so.

BUILD_ALONE_LINES=() # summary rows: method, order, result

# ordinal N: 1st, 2nd, 3rd, 4th, ...
ordinal() {
    case $1 in
        1) echo 1st ;;
        2) echo 2nd ;;
        3) echo 3rd ;;
        *) echo "${1}th" ;;
    esac
}

# header_build_argv TOOL DOCKERFILE IIDFILE: the header's `TOOL build` command (TOOL: docker or
# podman) as NUL-separated argv for `env` (VAR=value assignments first), with --iidfile IIDFILE
# added after `build` and, for docker, the CLI this run chose. Fails when the header documents
# no such command, or more than one.
header_build_argv() {
    python3 - "$1" "$2" "$3" "$DOCKER" <<'PY'
import re, shlex, sys
tool, path, iidfile, docker = sys.argv[1:]
header = []
with open(path, encoding="utf-8") as f:
    for line in f:
        if not line.startswith("#"):
            break
        header.append(line[1:].strip())
pattern = r"^([A-Z_][A-Z0-9_]*=\S*\s+)*" + tool + r"\s+build\b"
commands = [h for h in header if re.match(pattern, h)]
if len(commands) != 1:
    sys.exit(f"{path}: expected one documented `{tool} build` command in the header, found {len(commands)}")
words = shlex.split(commands[0])
i = words.index(tool)
cli = docker if tool == "docker" else tool
sys.stdout.write("\0".join(words[:i] + [cli, "build", "--iidfile", iidfile] + words[i + 2:]) + "\0")
PY
}

# header_command TOOL SERVICE: the documented command as text (for logs and messages).
header_command() {
    grep -m1 -E "^#[[:space:]]+([A-Z_][A-Z0-9_]*=[^[:space:]]*[[:space:]]+)*$1[[:space:]]+build" "${DOCKERFILE_OF[$2]}" \
        | sed 's/^#[[:space:]]*//'
}

# header_build TOOL SERVICE LOG [DROP]: run the header's build command from the project folder
# (without the argument DROP, e.g. "--format docker" for a control); sets BUILT_ID.
header_build() {
    local tool=$1 svc=$2 blog=$3 drop=${4:-} argv=() rc=0
    local iid="$LOGS/iid-$tool-$svc"
    BUILT_ID=""
    rm -f "$iid"
    header_build_argv "$tool" "${DOCKERFILE_OF[$svc]}" "$iid" >"$blog.argv" 2>"$blog" || return 1
    mapfile -d '' -t argv <"$blog.argv"
    if [[ -n $drop ]]; then
        local i kept=() words
        read -r -a words <<<"$drop"
        for ((i = 0; i < ${#argv[@]}; i++)); do
            if [[ ${argv[i]} == "${words[0]}" && ${argv[i + 1]:-} == "${words[1]:-}" ]]; then
                i=$((i + ${#words[@]} - 1))
                continue
            fi
            kept+=("${argv[i]}")
        done
        [[ ${#kept[@]} -lt ${#argv[@]} ]] || { echo "the documented command has no '$drop'" >>"$blog"; return 1; }
        argv=("${kept[@]}")
    fi
    printf '%q ' "${argv[@]}" >"$blog.cmd"
    (cd "$P" && env "${argv[@]}") >>"$blog" 2>&1 || rc=$?
    if [[ -s $iid ]]; then BUILT_ID=$(<"$iid"); fi
    return "$rc"
}

# build_one METHOD SERVICE LOG: one build; exit status of the build.
build_one() {
    local method=$1 svc=$2 log=$3
    case $method in
        compose)
            dc_dev build "$svc" >"$log" 2>&1 || return 1
            note_images "$svc"
            ;;
        header)
            local rc=0
            header_build docker "$svc" "$log" || rc=$?
            if [[ -n $BUILT_ID ]]; then UNTAGGED_IMAGE_IDS+=("$BUILT_ID"); fi
            return "$rc"
            ;;
    esac
}

# first_error LOG: the line that says why a build failed.
first_error() {
    grep -m1 -E 'failed to compute cache key|failed to solve|ERROR|[Ee]rror:' "$1" | cut -c1-200 \
        || tail -n1 "$1" | cut -c1-200
}

# build_alone METHOD: every rotation of SERVICES, each from an emptied cache; one check.
build_alone() {
    local method=$1 n=${#SERVICES[@]} k pos svc order t0 rot_t0 failures=() ok total=0 cold=1 blog after
    prune_allowed || cold=0
    IMAGES_BUILT=1
    for ((k = 0; k < n; k++)); do
        order=("${SERVICES[@]:k}" "${SERVICES[@]:0:k}")
        if [[ $cold -eq 1 ]]; then empty_build_cache; fi
        log "  [$method] order $((k + 1))/$n: ${order[*]}"
        rot_t0=$(now_us)
        ok=0
        for ((pos = 0; pos < n; pos++)); do
            svc=${order[pos]}
            blog="$LOGS/alone-$method-$((k + 1))-$svc.log"
            t0=$(now_us)
            if build_one "$method" "$svc" "$blog"; then
                ok=$((ok + 1))
                log "    ok   $svc ($(secs $(($(now_us) - t0)))s)"
            else
                if [[ $pos -eq 0 ]]; then after="first"; else after="after ${order[*]:0:pos}"; fi
                failures+=("$svc built $(ordinal $((pos + 1))) ($after): $(first_error "$blog")")
                log "    FAIL $svc: $(first_error "$blog") (log: $blog)"
            fi
            total=$((total + 1))
        done
        BUILD_ALONE_LINES+=("$(printf '%-8s %-62s %d/%d ok (%ss)' "$method" "${order[*]}" "$ok" "$n" "$(secs $(($(now_us) - rot_t0)))")")
    done
    local how="each of the $n orders from an emptied build cache"
    [[ $cold -eq 1 ]] || how="each of the $n orders, cache NOT emptied (daemon not started by this run; E2E_PRUNE=1 empties it)"
    local what="docker compose build SERVICE"
    [[ $method == header ]] && what="the Dockerfile headers' docker build command (e.g. '$(header_command docker "${SERVICES[0]}")')"
    if [[ ${#failures[@]} -eq 0 ]]; then
        check_pass "build alone ($method)" "$total builds through $what, every service first, in the middle and last: all built ($how)"
    else
        local shown=("${failures[@]:0:4}") more=""
        [[ ${#failures[@]} -le 4 ]] || more=" +$((${#failures[@]} - 4)) more (logs: $LOGS/alone-$method-*.log)"
        check_fail "build alone ($method)" "${#failures[@]} of $total builds through $what failed ($how): $(printf '%s; ' "${shown[@]}")$more"
    fi
}

step_build_alone_compose() { build_alone compose; }
step_build_alone_header() { build_alone header; }
