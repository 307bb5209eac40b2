# shellcheck shell=bash disable=SC2034 # state shared with run.sh, which sources this file
# The dev edit loop of tests/e2e/run.sh (sourced by it): in the dev stack, an edit to a route's
# response in services/<name>/app/ must be served through the gateway within EDIT_LOOP_BAR
# seconds of the file write, with no rebuild and no container restart (the dev override mounts
# the app folder read-only and runs uvicorn with --reload).
#
# The edit: auth-service's index route gets one more field with a fresh value; the gateway's
# route to it (the berth.route label) is polled every 50 ms from the moment the file is written
# until the value comes back. Control: before the write the value must not be served, or the
# probe could not tell an edit from no edit. The file is restored afterwards (and the restore
# served) so later steps see the generated code.

EDIT_LOOP_BAR=3 # seconds (issue 18)
EDIT_LOOP_SECS=""

check_edit_loop() {
    local svc=auth-service file route port cid_before cid_after
    file=$(app_file "$svc")
    [[ -n $file ]] || die "$svc has no app/main.py"
    route=$(dc_dev config --format json | python3 -c '
import json, sys
print(json.load(sys.stdin)["services"][sys.argv[1]]["labels"]["berth.route"])' "$svc") \
        || die "no berth.route label for $svc"
    port=$(sed -n 's/^GATEWAY_PORT=//p' "$P/.env.dev")
    cid_before=$(dc_dev ps -q "$svc")
    cp "$file" "$RUN_DIR/main.py.orig"
    local result
    result=$(python3 - "$file" "http://127.0.0.1:$port$route/" "$EDIT_LOOP_BAR" <<'PY'
import json, pathlib, secrets, sys, time, urllib.request

path, url, bar = pathlib.Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
marker = "e2e-edit-" + secrets.token_hex(6)

def served() -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode()
    except OSError as exc:
        return f"<{exc}>"

before = served()
if marker in before or '"service"' not in before:
    sys.exit(f"control failed: before the edit {url} answered {before!r}")
text = path.read_text(encoding="utf-8")
old = 'return {"service": SERVICE_NAME,'
if old not in text:
    sys.exit(f"{path}: the index route's response ({old}) is not where the e2e expects it")
path.write_text(text.replace(old, f'return {{"edit": "{marker}", "service": SERVICE_NAME,'), encoding="utf-8")
start = time.monotonic()
while True:
    body = served()
    took = time.monotonic() - start
    if marker in body:
        print(f"{took:.2f}")
        break
    if took > 30:
        sys.exit(f"the edit was not served within 30 s (last answer {body!r})")
    time.sleep(0.05)
PY
    ) || die "edit loop: $result"
    cp "$RUN_DIR/main.py.orig" "$file"
    EDIT_LOOP_SECS=$result
    # The restore is served too (the next steps run the generated code).
    python3 - "http://127.0.0.1:$port$route/" <<'PY' || die "the restored app/main.py was not served within 10 s"
import sys, time, urllib.request
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
            if b"e2e-edit-" not in response.read():
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)
PY
    cid_after=$(dc_dev ps -q "$svc")
    local detail="an edit to $svc's index route served through the gateway ${result}s after the write (bar ${EDIT_LOOP_BAR}s; no rebuild"
    if [[ $cid_before != "$cid_after" ]]; then
        check_fail "edit loop" "$detail, but the container was replaced)"
    elif awk -v t="$result" -v b="$EDIT_LOOP_BAR" 'BEGIN { exit !(t <= b) }'; then
        check_pass "edit loop" "$detail, same container)"
    else
        check_fail "edit loop" "$detail, same container)"
    fi
}
