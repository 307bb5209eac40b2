#!/usr/bin/env bash
# Shared helpers for the berth end-to-end scripts. Source it; do not run it.
# shellcheck disable=SC2034  # variables are used by the scripts that source this file

# Debian's CLI when it is installed: /usr/local/bin/docker (earlier on PATH on dev
# VMs) refuses BuildKit builds without the buildx plugin, while Debian's 20.10 CLI
# builds with its built-in BuildKit client. Elsewhere (Docker Desktop, docker-ce with
# buildx) the `docker` on PATH. Override with E2E_DOCKER.
if [[ -n ${E2E_DOCKER:-} ]]; then
    DOCKER=$E2E_DOCKER
elif [[ -x /usr/bin/docker ]]; then
    DOCKER=/usr/bin/docker
else
    DOCKER=$(command -v docker || echo /usr/bin/docker)
fi
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
