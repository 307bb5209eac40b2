#!/usr/bin/env bash
# Shared helpers for the berth end-to-end scripts. Source it; do not run it.
# shellcheck disable=SC2034  # variables are used by the scripts that source this file

# The docker CLI: the first `docker` on PATH that can build with BuildKit, since every
# Dockerfile uses RUN --mount. A client older than 23.0 (Debian's docker.io 20.10) has the
# BuildKit client built in; a newer one needs the buildx plugin and otherwise refuses
# DOCKER_BUILDKIT=1 builds (dev VMs have such a client in /usr/local/bin, earlier on PATH
# than Debian's). E2E_DOCKER overrides. When no CLI on PATH qualifies, DOCKER is the first
# `docker` on PATH (or plain `docker`) and DOCKER_CAN_BUILDKIT=0.
#
# Call select_docker again after anything that installs a CLI (engine.sh start installs
# docker.io): a choice made before the install would keep the CLI that cannot build.
docker_cli_builds() {
    local cli=$1 version
    "$cli" buildx version >/dev/null 2>&1 && return 0
    # `docker version` prints the client version even when no daemon answers (and exits 1).
    version=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null || true)
    version=${version%%.*}
    [[ $version =~ ^[0-9]+$ ]] && ((version < 23))
}

select_docker() {
    DOCKER_CAN_BUILDKIT=1
    if [[ -n ${E2E_DOCKER:-} ]]; then
        DOCKER=$E2E_DOCKER
        return 0
    fi
    local dir first=""
    local IFS=:
    for dir in $PATH; do
        [[ -n $dir && -x $dir/docker && -f $dir/docker ]] || continue
        [[ -n $first ]] || first=$dir/docker
        if docker_cli_builds "$dir/docker"; then
            DOCKER=$dir/docker
            return 0
        fi
    done
    DOCKER=${first:-docker}
    DOCKER_CAN_BUILDKIT=0
}
select_docker
export DOCKER_BUILDKIT=1

E2E_STATE=${E2E_STATE:-/tmp/berth-e2e}
E2E_CACHE=${E2E_CACHE:-$HOME/.cache/berth-e2e}

E2E_STEP="(init)"

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

step() {
    E2E_STEP=$1
    log "==> $1"
}

E2E_FAILURE="" # the reason of the first failure, for a summary printed at exit

die() {
    E2E_FAILURE=$*
    printf '[e2e %s] FAILED in step "%s": %s\n' "$(date +%H:%M:%S)" "$E2E_STEP" "$*" >&2
    exit 1
}

# Report unexpected `set -e` exits with the step that was running.
_e2e_on_err() {
    local rc=$?
    E2E_FAILURE="command '$BASH_COMMAND' exited with status $rc"
    printf '[e2e %s] FAILED in step "%s": command '%s' exited with status %s (line %s)\n' \
        "$(date +%H:%M:%S)" "$E2E_STEP" "$BASH_COMMAND" "$rc" "${BASH_LINENO[0]}" >&2
    exit "$rc"
}
set -o errtrace # ERR trap also inside functions
trap _e2e_on_err ERR

need_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (needs apt-get, dockerd, debootstrap)"
}

# apt_install PKG... : install missing Debian packages (apt-get update once).
_e2e_apt_updated=0
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "apt-get install -y ${missing[*]}"
    if [[ $_e2e_apt_updated -eq 0 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q || die "apt-get update failed"
        _e2e_apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed"
}

docker_up() { "$DOCKER" info >/dev/null 2>&1; }

image_exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
