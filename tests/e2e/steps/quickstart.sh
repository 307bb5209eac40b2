# shellcheck shell=bash disable=SC2034 # state shared with run.sh, which sources this file
# The "quickstart" step of tests/e2e/run.sh (sourced by it): the README's section "From
# `berth init` to a running stack" run exactly as written, so the README cannot drift from
# what works.
#
# The commands are the ```sh block between <!-- quickstart:begin --> and <!-- quickstart:end -->
# in README.md. The only substitution is the work folder: the shell word `demo` (the folder
# `berth init demo` creates) becomes $RUN_DIR/e2e-quickstart, so the Compose project and its
# images are e2e-quickstart/* and a developer's own "demo" is never touched. `berth` and
# `docker` on PATH are the binary under test and the CLI this run chose (a folder of symlinks
# first on PATH); DOCKER is unset, as in a user's shell. The block runs under
# `bash -euo pipefail`: every command must exit 0, and the README's own health and gateway
# checks (scripts/verify-stack.py) are what decide.

# quickstart_block README FOLDER: the block's commands, with `demo` replaced by FOLDER.
quickstart_block() {
    python3 - "$1" "$2" <<'PY'
import re, shlex, sys
text = open(sys.argv[1], encoding="utf-8").read()
found = re.findall(r"<!-- quickstart:begin -->\s*```sh\n(.*?)```\s*<!-- quickstart:end -->", text, re.S)
if len(found) != 1:
    sys.exit(f"{sys.argv[1]}: expected one ```sh block between <!-- quickstart:begin --> and <!-- quickstart:end -->, found {len(found)}")
block = re.sub(r"(?<![\w./-])demo(?![\w./-])", shlex.quote(sys.argv[2]), found[0])
if block == found[0]:
    sys.exit("the quickstart block never names the folder `demo`")
sys.stdout.write(block)
PY
}

step_quickstart() {
    local work="$RUN_DIR/quickstart" bin="$RUN_DIR/quickstart-bin" block
    mkdir -p "$work" "$bin"
    ln -sfn "$BERTH" "$bin/berth"
    ln -sfn "$(command -v "$DOCKER")" "$bin/docker"
    block=$(quickstart_block "$ROOT/README.md" "$work/$QUICKSTART_PROJECT") || die "cannot read the quickstart block of README.md"
    printf '%s\n' "$block" >"$LOGS/quickstart-commands.sh"
    log "  README.md quickstart, run in $work (commands: $LOGS/quickstart-commands.sh):"
    printf '%s\n' "$block" | sed 's/^/    $ /' >&2
    # Brought up by the block: cleanup takes it down if the block stops half-way.
    STARTED_PROJECTS+=("$QUICKSTART_PROJECT")
    IMAGES_BUILT=1
    local rc=0
    (cd "$work" && env -u DOCKER PATH="$bin:$PATH" bash -euo pipefail -c "$block") \
        >"$LOGS/quickstart.log" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        show_tail "$LOGS/quickstart.log" 30
        die "the README quickstart failed with exit status $rc (log: $LOGS/quickstart.log)"
    fi
    local left
    left=$("$DOCKER" ps -q --filter "label=com.docker.compose.project=$QUICKSTART_PROJECT" | wc -l)
    if [[ $left -eq 0 ]]; then
        check_pass "README quickstart" "every command of the README block exited 0 (build, up, health, gateway, down); no container left"
    else
        check_fail "README quickstart" "the commands passed, but $left container(s) of $QUICKSTART_PROJECT are still running after its last command"
    fi
}
