# shellcheck shell=bash disable=SC2034 # state shared with run.sh, which sources this file
# WebSocket checks of tests/e2e/run.sh (sourced by it), run in the dev and the prod stack: the
# gateway's upgrade path, which the HTTP probes of verify-stack.py never use.
#
# The websocket services are the ones whose app declares a WebSocket route
# (`@app.websocket("/ws")`, the echo endpoint berth seeds for kind = "websocket"); their
# gateway route is their berth.route label in the Compose configuration. For each, the
# stdlib-only tests/e2e/ws-echo.py opens ws://localhost:<gateway port><route><path>: handshake
# 101 with the right accept key, a text frame echoed back. Control: the same probe against an
# HTTP-only service's route must fail (no upgrade), or the check could not fail.

# websocket_routes ENV: "SERVICE URL-PATH HTTP-CONTROL-PATH" lines for the websocket services,
# their gateway routes read from the berth.route labels of that environment's Compose
# configuration (as verify-stack.py reads them).
websocket_routes() {
    local dc=(dc_dev) args=() svc
    [[ $1 == prod ]] && dc=(dc_prod)
    for svc in "${SERVICES[@]}"; do
        args+=("$svc" "$(dirname "${DOCKERFILE_OF[$svc]}")/app")
    done
    "${dc[@]}" config --format json | python3 -c '
import json, pathlib, re, sys
services = json.load(sys.stdin)["services"]
pairs = sys.argv[1:]
ws, http = [], []
for svc, app in zip(pairs[::2], pairs[1::2]):
    labels = services.get(svc, {}).get("labels") or {}
    route = labels.get("berth.route")
    paths = []
    for py in sorted(pathlib.Path(app).glob("*.py")):
        paths += re.findall(r"@app\.websocket\(\s*\"([^\"]+)\"", py.read_text(encoding="utf-8"))
    if paths and not route:
        sys.exit(f"{svc} declares a WebSocket route but has no berth.route label")
    if route:
        (ws if paths else http).append((svc, route, paths[:1]))
control = http[0][1] + "/ws" if http else ""
for svc, route, paths in ws:
    print(svc, route + paths[0], control)' "${args[@]}"
}

# gateway_port ENV: the host port the gateway publishes in that environment's configuration.
gateway_port() {
    local dc=(dc_dev)
    [[ $1 == prod ]] && dc=(dc_prod)
    "${dc[@]}" config --format json | python3 -c '
import json, sys
for port in json.load(sys.stdin)["services"]["gateway"].get("ports") or []:
    print(port["published"])
    break'
}

# check_websockets ENV: every websocket service echoes through the gateway; the control fails.
check_websockets() {
    local env=$1 port lines line svc path control out bad=() good=()
    port=$(gateway_port "$env")
    [[ -n $port ]] || die "the gateway publishes no port in $env"
    local routes
    routes=$(websocket_routes "$env") || die "cannot read the websocket routes from the $env configuration"
    mapfile -t lines <<<"$routes"
    [[ -n $routes ]] || lines=()
    if [[ ${#lines[@]} -eq 0 ]]; then
        check_fail "websocket ($env)" "no service declares a WebSocket route (the mvp preset's channel-service should)"
        return 0
    fi
    for line in "${lines[@]}"; do
        read -r svc path control <<<"$line"
        if out=$(python3 "$HERE/ws-echo.py" "ws://localhost:$port$path" --timeout 10); then
            good+=("$svc ($path)")
        else
            bad+=("$out")
        fi
        log "    $out"
    done
    local control_out="no HTTP-only service to use as control"
    if [[ -n $control ]]; then
        if control_out=$(python3 "$HERE/ws-echo.py" "ws://localhost:$port$control" --timeout 10); then
            bad+=("control ws://localhost:$port$control upgraded, so the probe cannot fail: $control_out")
        fi
        log "    control: $control_out"
    fi
    if [[ ${#bad[@]} -eq 0 && -n $control ]]; then
        check_pass "websocket ($env)" "101 and echo through the gateway on :$port for ${good[*]} (control $control: ${control_out#FAILED: })"
    else
        check_fail "websocket ($env)" "$(printf '%s; ' "${bad[@]}" "$control_out")"
    fi
}
