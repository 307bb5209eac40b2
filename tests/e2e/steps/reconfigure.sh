# shellcheck shell=bash disable=SC2034 # state shared with run.sh, which sources this file
# The "reconfigure" step of tests/e2e/run.sh (sourced by it), from issue 8: a running dev stack
# follows berth.toml. One service's workers and another's port are changed in berth.toml, then
# `berth generate` and `docker compose ... up -d`; the new worker count must run in the
# container (uvicorn worker processes counted in /proc, before and after) and the service must
# answer on its new port, directly and through the gateway.
#
# The worker count and the port reach Compose through the .env files, which `berth generate`
# merges key by key (issue 8): a value still at what berth last wrote follows berth.toml.
# The dev override runs one reloading uvicorn per service (the edit loop); the step turns that
# off the documented way (UVICORN_RELOAD=false in the environment of `docker compose up`), so
# the configured worker count runs and can be counted.

RECONF_WORKERS_SERVICE=auth-service
RECONF_WORKERS=3
RECONF_PORT_SERVICE=creator-hub
RECONF_PORT=8012

# uvicorn_workers CONTAINER: how many uvicorn worker processes run in it (multiprocessing's
# spawn_main children of the supervisor; a single-worker uvicorn has none and counts as 1).
uvicorn_workers() {
    "$DOCKER" exec "$1" python3 -c '
import glob, os
workers = 0
for path in glob.glob("/proc/[0-9]*/cmdline"):
    if path == f"/proc/{os.getpid()}/cmdline":
        continue  # this script, whose own text names spawn_main
    try:
        with open(path, "rb") as f:
            if b"spawn_main" in f.read():
                workers += 1
    except OSError:
        pass
print(workers or 1)'
}

# env_value FILE KEY: the value of KEY in a .env file.
env_value() { sed -n "s/^$2=//p" "$1" | tail -n1; }

# edit_manifest DIR: set the workers and the port in DIR/berth.toml (its own tables).
edit_manifest() {
    python3 - "$1/berth.toml" "$RECONF_WORKERS_SERVICE" "$RECONF_WORKERS" "$RECONF_PORT_SERVICE" "$RECONF_PORT" <<'PY'
import re, sys
path, wsvc, workers, psvc, port = sys.argv[1:]
text = open(path, encoding="utf-8").read()
for svc, line in ((wsvc, f"workers = {workers}"), (psvc, f"port = {port}")):
    header = f"[services.{svc}]\n"
    if header not in text:
        sys.exit(f"{path}: no [services.{svc}] table")
    text = text.replace(header, header + line + "\n", 1)
open(path, "w", encoding="utf-8").write(text)
PY
}

# env_follows_manifest DIR: true when `berth generate` in DIR writes the changed values to .env.dev.
env_follows_manifest() {
    local dir=$1 wkey pkey
    wkey="$(tr 'a-z-' 'A-Z_' <<<"$RECONF_WORKERS_SERVICE")_WORKERS"
    pkey="$(tr 'a-z-' 'A-Z_' <<<"$RECONF_PORT_SERVICE")_PORT"
    edit_manifest "$dir" || return 1
    "$BERTH" "${BERTH_ARGS[@]}" -C "$dir" generate >>"$LOGS/reconfigure-generate.log" 2>&1 || return 1
    [[ $(env_value "$dir/.env.dev" "$wkey") == "$RECONF_WORKERS" && $(env_value "$dir/.env.dev" "$pkey") == "$RECONF_PORT" ]]
}

step_reconfigure() {
    local cid before after configured
    configured=$(env_value "$P/.env.dev" "$(tr 'a-z-' 'A-Z_' <<<"$RECONF_WORKERS_SERVICE")_WORKERS")
    export UVICORN_RELOAD=false
    (cd "$P" && timeout 900 "$DOCKER" "${DC_DEV[@]}" up -d) >"$LOGS/up-no-reload.log" 2>&1 || {
        show_tail "$LOGS/up-no-reload.log"
        die "docker compose up -d with UVICORN_RELOAD=false failed"
    }
    wait_healthy dev
    cid=$(dc_dev ps -q "$RECONF_WORKERS_SERVICE")
    before=$(uvicorn_workers "$cid") || die "cannot count the workers of $RECONF_WORKERS_SERVICE"
    log "  $RECONF_WORKERS_SERVICE runs $before worker(s) ($configured configured); setting workers = $RECONF_WORKERS, $RECONF_PORT_SERVICE port = $RECONF_PORT"
    [[ $before == "$configured" ]] || die "counted $before uvicorn workers in $RECONF_WORKERS_SERVICE, $configured configured: the count is broken"
    python3 -c 'import socket, sys; sys.exit(socket.socket().connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0)' "$RECONF_PORT" \
        || die "port $RECONF_PORT on 127.0.0.1 is already in use"
    env_follows_manifest "$P" || die "berth generate did not write workers $RECONF_WORKERS and port $RECONF_PORT to .env.dev (log: $LOGS/reconfigure-generate.log)"
    (cd "$P" && timeout 900 "$DOCKER" "${DC_DEV[@]}" up -d) >"$LOGS/up-reconfigure.log" 2>&1 || {
        show_tail "$LOGS/up-reconfigure.log"
        die "docker compose up -d after the change failed"
    }
    wait_healthy dev
    cid=$(dc_dev ps -q "$RECONF_WORKERS_SERVICE")
    after=$(uvicorn_workers "$cid") || die "cannot count the workers of $RECONF_WORKERS_SERVICE"
    if [[ $after -eq $RECONF_WORKERS && $before -ne $RECONF_WORKERS ]]; then
        check_pass "reconfigure workers" "$RECONF_WORKERS_SERVICE: $before -> $after uvicorn worker processes after berth generate + up -d"
    else
        check_fail "reconfigure workers" "$RECONF_WORKERS_SERVICE: $before -> $after worker processes, expected $RECONF_WORKERS"
    fi
    local direct gw
    direct=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).status)' \
        "http://127.0.0.1:$RECONF_PORT/health" 2>&1) || direct="no answer"
    if "${VERIFY[@]}" gateway --env dev --timeout 10 >"$LOGS/reconfigure-gateway.log" 2>&1; then gw=ok; else gw="failed (log: $LOGS/reconfigure-gateway.log)"; fi
    if [[ $direct == 200 && $gw == ok ]]; then
        check_pass "reconfigure port" "$RECONF_PORT_SERVICE answers on 127.0.0.1:$RECONF_PORT/health (200), and every route through the gateway"
    else
        check_fail "reconfigure port" "$RECONF_PORT_SERVICE on :$RECONF_PORT: $direct; gateway: $gw"
    fi
    unset UVICORN_RELOAD
}
