# shellcheck shell=bash disable=SC2034 # state shared with run.sh, which sources this file
# The "podman" step of tests/e2e/run.sh (sourced by it): every service image built with
# `podman build`, the other common engine (Debian's podman 4.3 on the CI VM, installed here
# when missing and the run is root, as engine.sh installs docker.io).
#
# The command is the `podman build` line each Dockerfile's header documents, read from the
# header and run from the project folder (only --iidfile is added), e.g.
#   podman build --format docker -t demo/auth-service services/auth-service
# podman writes OCI images by default, and the OCI image format has no HEALTHCHECK: podman
# drops it with a warning; `--format docker` keeps it. The step checks that the HEALTHCHECK is
# in every image and, as the control that the check can fail, that the same documented command
# without `--format docker` yields an image without one. It also checks that no decoy .env file
# reached a podman image (podman reads the ignore files itself). The base image is copied from
# Docker's store (`docker save | podman load`): no registry is needed.
#
# Reported NOT RUN with E2E_PODMAN=0, or when podman is missing and cannot be installed (not
# root).

PODMAN_NOTE=""

# podman_healthcheck IMAGE: the image's HEALTHCHECK test as JSON ("null" when there is none).
podman_healthcheck() { podman image inspect --format '{{json .HealthCheck}}' "$1"; }

podman_env_files() {
    local cid list
    cid=$(podman create "$1") || return 1
    list=$(podman export "$cid" | tar -t 2>/dev/null | grep -E '(^|/)\.env[^/]*$' || true)
    podman rm -f "$cid" >/dev/null
    if [[ -z $list ]]; then echo none; else echo "$list" | tr '\n' ',' | sed 's/,$//'; fi
}

# podman_base_image: the base image in podman's store, the same image ID as Docker's.
podman_base_image() {
    local want have
    want=$("$DOCKER" image inspect -f '{{.Id}}' "$PY_IMAGE")
    have=$(podman image inspect --format '{{.Id}}' "$PY_IMAGE" 2>/dev/null || true)
    if [[ ${want#sha256:} != "${have#sha256:}" ]]; then
        log "  docker save $PY_IMAGE | podman load"
        "$DOCKER" save "$PY_IMAGE" | podman load >>"$LOGS/podman-load.log" 2>&1 \
            || die "podman load of $PY_IMAGE failed (log: $LOGS/podman-load.log)"
    fi
}

step_podman() {
    if [[ ${E2E_PODMAN:-auto} == 0 ]]; then
        check_not_run "podman build" "E2E_PODMAN=0"
        return 0
    fi
    if ! command -v podman >/dev/null; then
        if [[ $(id -u) -ne 0 ]]; then
            check_not_run "podman build" "podman is not installed and this run is not root (apt-get install podman)"
            return 0
        fi
        apt_install podman
    fi
    PODMAN_NOTE="podman $(podman version --format '{{.Client.Version}}')"
    log "  $PODMAN_NOTE; documented command, e.g.: $(header_command podman "${SERVICES[0]}")"
    IMAGES_BUILT=1
    local cache="podman's build cache kept (E2E_PRUNE=1 empties it)"
    if prune_allowed; then
        # Like the docker orders, from an empty build cache. It also keeps a stale cache out:
        # podman 4.3.1 built from stage images cached before podman was reinstalled fails
        # RUN --mount=type=bind,from=builder ("couldn't find .../merged/wheels").
        podman image prune -f >>"$LOGS/podman-prune.log" 2>&1 || die "podman image prune failed (log: $LOGS/podman-prune.log)"
        cache="from an empty podman build cache"
    fi
    podman_base_image
    local svc t0 hc found failed=() missing=() envs=() built=()
    for svc in "${SERVICES[@]}"; do
        t0=$(now_us)
        if ! header_build podman "$svc" "$LOGS/podman-$svc.log"; then
            if [[ -n $BUILT_ID ]]; then PODMAN_IMAGES+=("$BUILT_ID"); fi
            failed+=("$svc: $(first_error "$LOGS/podman-$svc.log")")
            log "    FAIL $svc (log: $LOGS/podman-$svc.log)"
            continue
        fi
        PODMAN_IMAGES+=("$BUILT_ID")
        built+=("$svc")
        hc=$(podman_healthcheck "$BUILT_ID")
        log "    ok   $svc ($(secs $(($(now_us) - t0)))s), HealthCheck ${hc:0:100}"
        [[ $hc == *healthcheck.py* ]] || missing+=("$svc")
        found=$(podman_env_files "$BUILT_ID") || die "cannot export the podman image of $svc"
        [[ $found == none ]] || envs+=("$svc: $found")
    done
    # Control: the same documented command without --format docker (podman's default, OCI).
    local control=${SERVICES[0]} control_hc
    header_build podman "$control" "$LOGS/podman-$control-oci.log" "--format docker" \
        || die "podman build of $control without --format docker failed (log: $LOGS/podman-$control-oci.log)"
    PODMAN_IMAGES+=("$BUILT_ID")
    control_hc=$(podman_healthcheck "$BUILT_ID")
    local what="the headers' podman build command: ${#built[@]}/${#SERVICES[@]} built"
    if [[ ${#failed[@]} -gt 0 ]]; then
        check_fail "podman build" "$what, $cache; failed: $(printf '%s; ' "${failed[@]}")"
    else
        check_pass "podman build" "$what (${built[*]}), $cache"
    fi
    if [[ $control_hc == *healthcheck.py* ]]; then
        check_fail "podman HEALTHCHECK" "the control built without --format docker kept its HEALTHCHECK: the check cannot tell, or the flag is not what keeps it"
    elif [[ ${#missing[@]} -gt 0 ]]; then
        check_fail "podman HEALTHCHECK" "no HEALTHCHECK in the podman image of: ${missing[*]}"
    elif [[ ${#built[@]} -gt 0 ]]; then
        check_pass "podman HEALTHCHECK" "in every image built with --format docker (control: without it, $control's image has HealthCheck=$control_hc)"
    fi
    if [[ ${#envs[@]} -gt 0 ]]; then
        check_fail "podman no .env files" "${envs[*]}"
    elif [[ ${#built[@]} -gt 0 ]]; then
        check_pass "podman no .env files" "no .env* file in the ${#built[@]} podman images despite the decoys"
    fi
}
