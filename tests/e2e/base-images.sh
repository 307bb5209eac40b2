#!/usr/bin/env bash
# Make sure the Docker engine has python:3.11-slim and debian:bookworm-slim.
#
# For each image: keep it if present; else try `docker pull` (short timeout);
# else build a stand-in from a debootstrap'ed Debian bookworm rootfs and
# `docker import` it. Rootfs tarballs are cached under $E2E_CACHE.
# Then prove both images work inside BuildKit builds (apt + pip reach the net).
#
# Usage: tests/e2e/base-images.sh [--rebuild] [--no-probe] [--only python|debian]
#   --rebuild   re-import the stand-ins even if the images exist (uses the
#               cached tarballs; delete $E2E_CACHE/rootfs-*.tar to re-debootstrap)
#   --no-probe  skip the proof builds
#   --only K    handle one image only (python: python:3.11-slim, which is all the
#               generated stack needs, the gateway included; debian: debian:bookworm-slim)
# Env: E2E_STATE (/tmp/berth-e2e), E2E_CACHE (~/.cache/berth-e2e),
#      E2E_DEBIAN_MIRROR (default: read from /etc/apt/sources*),
#      E2E_PULL_TIMEOUT (20s), E2E_BUILD_NETWORK (e.g. host; default: bridge),
#      E2E_NO_CACHE=1 (probe builds with --no-cache)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUITE=bookworm
RECIPE=v5 # bump when the stand-in recipe changes (invalidates cached tarballs)
PY_IMAGE=python:3.11-slim
DEB_IMAGE=debian:bookworm-slim
STANDIN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

REBUILD=0
PROBE=1
KINDS=(python debian)
while [[ $# -gt 0 ]]; do
    case $1 in
        --rebuild) REBUILD=1 ;;
        --no-probe) PROBE=0 ;;
        --only)
            [[ ${2:-} == python || ${2:-} == debian ]] || die "--only needs python or debian"
            KINDS=("$2")
            shift
            ;;
        -h | --help)
            sed -n '2,21p' "$0"
            exit 0
            ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done

# ---------------------------------------------------------------- helpers ---

# apt_uri_for_suite SUITE: first enabled URI serving SUITE in the host's apt
# sources (deb822 *.sources and one-line sources.list / *.list).
apt_uri_for_suite() {
    local want=$1 f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        uri=$(awk -v want="$want" '
            BEGIN { RS = ""; FS = "\n" }
            {
                uris = ""; suites = ""; types = ""; enabled = 1
                for (i = 1; i <= NF; i++) {
                    line = $i
                    if (line ~ /^URIs:/)       { sub(/^URIs:[ \t]*/, "", line); uris = line }
                    else if (line ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", line); suites = line }
                    else if (line ~ /^Types:/)  { types = line }
                    else if (line ~ /^Enabled:[ \t]*[Nn]o/) { enabled = 0 }
                }
                if (!enabled || types !~ /(^|[ \t])deb([ \t]|$)/) next
                n = split(suites, s, /[ \t]+/)
                for (j = 1; j <= n; j++) if (s[j] == want) { split(uris, u, /[ \t]+/); print u[1]; exit }
            }' "$f")
        if [[ -n $uri ]]; then
            echo "$uri"
            return 0
        fi
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        uri=$(awk -v want="$want" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
                if ($(i + 1) == want) { print $i; exit }
            }' "$f")
        if [[ -n $uri ]]; then
            echo "$uri"
            return 0
        fi
    done
    return 0
}

# Host proxy settings (empty on a transparent-proxy machine like the dev VM).
HOST_HTTP_PROXY=${http_proxy:-${HTTP_PROXY:-}}
HOST_HTTPS_PROXY=${https_proxy:-${HTTPS_PROXY:-}}

# customize_rootfs KIND ROOTFS: make the stand-in usable inside `docker build`
# on this machine (CA bundle, apt sources/proxy, pip config), then clean it.
customize_rootfs() {
    local kind=$1 root=$2 f
    # --- CA trust: registries are reached through a TLS-intercepting proxy
    # that only this machine's bundle trusts. Keep the extra local CAs too, so
    # a later update-ca-certificates (e.g. apt-get install ca-certificates in
    # a generated Dockerfile) does not drop them.
    mkdir -p "$root/etc/ssl/certs" "$root/usr/local/share/ca-certificates"
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    fi
    if [[ -x $root/usr/sbin/update-ca-certificates ]]; then
        chroot "$root" update-ca-certificates --fresh >/dev/null
    fi
    if [[ -f $HOST_CA_BUNDLE ]]; then
        cp "$HOST_CA_BUNDLE" "$root/etc/ssl/certs/ca-certificates.crt"
    fi

    # --- apt sources: Debian mirror + security, like the official images.
    rm -f "$root/etc/apt/sources.list"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    # --- apt config from the host that concerns reaching the mirror: proxy
    # and snapshot-mirror date checks (not e.g. appstream index targets).
    for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
        [[ -f $f ]] || continue
        if grep -qiE '^[^#]*(Proxy|Check-Valid-Until|Check-Date)' "$f"; then
            log "  [$kind] copying apt config $f"
            cp "$f" "$root/etc/apt/apt.conf.d/90host-$(basename "$f")"
        fi
    done
    if [[ -n $HOST_HTTP_PROXY || -n $HOST_HTTPS_PROXY ]]; then
        {
            if [[ -n $HOST_HTTP_PROXY ]]; then echo "Acquire::http::Proxy \"$HOST_HTTP_PROXY\";"; fi
            if [[ -n $HOST_HTTPS_PROXY ]]; then echo "Acquire::https::Proxy \"$HOST_HTTPS_PROXY\";"; fi
        } >"$root/etc/apt/apt.conf.d/91host-proxy"
    fi
    # Like the official images: no service starts during apt-get install.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    # Like the official debian:*-slim images (debuerreotype): apt keeps no package
    # caches in image layers, and dpkg installs no docs, man pages or translations.
    # Without this every `apt-get install` layer carries ~90 MB of /var/cache/apt/*.bin
    # and the stand-in measures image sizes unlike the real base image.
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    echo 'force-unsafe-io' >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
# The "slim" variant: files that containers do not need are not installed.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
DPKG

    if [[ $kind == python ]]; then
        rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
        # Python's C headers, as the official image ships them (/usr/local/include), so a package
        # with a C extension and no wheel compiles in a builder stage. Only the headers of
        # libpython3.X-dev: its dependencies (libc6-dev, zlib1g-dev, ...) are build tools that
        # the official slim image does not have, and the image checks would rightly flag.
        chroot "$root" apt-get update -qq
        # shellcheck disable=SC2016 # expanded by the chroot's shell, not this one
        chroot "$root" sh -ec 'cd /tmp
            v=$(python3 -c "import sys; print(\"%d.%d\" % sys.version_info[:2])")
            apt-get download -qq "libpython$v-dev"
            dpkg-deb -x libpython*-dev_*.deb dev
            cp -a dev/usr/include/. /usr/include/
            rm -rf dev libpython*-dev_*.deb'
        ln -sfn /usr/bin/python3 "$root/usr/local/bin/python"
        ln -sfn /usr/bin/pip3 "$root/usr/local/bin/pip"
        ln -sfn /usr/bin/pip3 "$root/usr/local/bin/pip3"
        # --- pip config: host /etc/pip.conf minus host-local paths, plus
        # index/proxy settings taken from the host environment.
        {
            if [[ -f /etc/pip.conf ]]; then
                grep -viE '^[[:space:]]*(find[-_]links|cache[-_]dir)[[:space:]]*=' /etc/pip.conf
            else
                echo '[global]'
            fi
        } >"$root/etc/pip.conf"
        mkdir -p "$root/etc/xdg/pip"
        {
            echo '[global]'
            if [[ -n ${PIP_INDEX_URL:-} ]]; then echo "index-url = $PIP_INDEX_URL"; fi
            if [[ -n ${PIP_EXTRA_INDEX_URL:-} ]]; then echo "extra-index-url = $PIP_EXTRA_INDEX_URL"; fi
            if [[ -n ${PIP_TRUSTED_HOST:-} ]]; then echo "trusted-host = $PIP_TRUSTED_HOST"; fi
            if [[ -n $HOST_HTTPS_PROXY ]]; then echo "proxy = $HOST_HTTPS_PROXY"; fi
            echo 'cert = /etc/ssl/certs/ca-certificates.crt'
        } >"$root/etc/xdg/pip/pip.conf"
    fi

    # --- clean
    chroot "$root" apt-get clean
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
        "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/var/tmp/* \
        "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/locale/* "$root"/usr/share/groff/* "$root"/usr/share/lintian/overrides/*
    find "$root/usr" -name __pycache__ -type d -prune -exec rm -rf {} +
    # debootstrap copies the host's resolv.conf/hostname; docker provides them.
    rm -f "$root/etc/hostname"
    : >"$root/etc/resolv.conf"
}

# build_rootfs KIND TARBALL LOGFILE: debootstrap + customize + tar (atomic).
build_rootfs() {
    local kind=$1 tarball=$2 work include=()
    work="$E2E_CACHE/work-$kind"
    rm -rf "$work"
    mkdir -p "$work"
    if [[ $kind == python ]]; then
        include=("--include=python3,python3-pip,python3-venv,ca-certificates")
    fi
    debootstrap --variant=minbase "${include[@]}" "$SUITE" "$work/rootfs" "$MIRROR"
    customize_rootfs "$kind" "$work/rootfs"
    tar --numeric-owner -C "$work/rootfs" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$work"
}

import_standin() {
    local kind=$1 image=$2 tarball=$3 changes
    changes=(--change "ENV PATH=$STANDIN_PATH" --change 'ENV LANG=C.UTF-8'
        --change "LABEL org.berth.e2e.standin=$RECIPE")
    if [[ $kind == python ]]; then
        changes+=(--change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'
            --change 'ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt'
            --change 'CMD ["python3"]')
    else
        changes+=(--change 'CMD ["bash"]')
    fi
    local old_id new_id
    old_id=$("$DOCKER" image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
    new_id=$("$DOCKER" import "${changes[@]}" "$tarball" "$image")
    # --rebuild: drop the previous stand-in if it is now untagged and unused.
    if [[ -n $old_id && $old_id != "$new_id" ]] \
        && [[ $("$DOCKER" image inspect -f '{{len .RepoTags}}' "$old_id" 2>/dev/null) == 0 ]]; then
        "$DOCKER" image rm "$old_id" >/dev/null 2>&1 || true
    fi
}

# ------------------------------------------------------------------- main ---

need_root
step "check docker daemon"
docker_up || die "no docker daemon answers $DOCKER info; run tests/e2e/engine.sh start first"
mkdir -p "$E2E_STATE" "$E2E_CACHE"

declare -A IMAGE_OF=([python]=$PY_IMAGE [debian]=$DEB_IMAGE)
TODO=()
for kind in "${KINDS[@]}"; do
    image=${IMAGE_OF[$kind]}
    step "ensure $image"
    if [[ $REBUILD -eq 0 ]] && image_exists "$image"; then
        present=$("$DOCKER" image inspect -f '{{index .Config.Labels "org.berth.e2e.standin"}}' "$image")
        # A registry image (no label) or a stand-in of this recipe is kept; an older stand-in is
        # rebuilt, so a recipe change reaches machines that built the previous one.
        if [[ -z $present || $present == "$RECIPE" ]]; then
            log "  $image present (${present:+stand-in }${present:-registry image})"
            continue
        fi
        log "  $image is stand-in $present, the recipe is $RECIPE: rebuilding"
    fi
    if [[ $REBUILD -eq 0 ]]; then
        log "  trying docker pull $image (timeout ${E2E_PULL_TIMEOUT:-20}s)"
        if timeout "${E2E_PULL_TIMEOUT:-20}" "$DOCKER" pull -q "$image" >/dev/null 2>"$E2E_STATE/pull-$kind.log"; then
            log "  pulled $image"
            continue
        fi
        log "  pull failed ($(tail -n1 "$E2E_STATE/pull-$kind.log" | cut -c1-120)); building a stand-in"
    fi
    TODO+=("$kind")
done

if [[ ${#TODO[@]} -gt 0 ]]; then
    step "locate Debian mirror"
    MIRROR=${E2E_DEBIAN_MIRROR:-$(apt_uri_for_suite "$SUITE")}
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
    SECURITY_MIRROR=$(apt_uri_for_suite "$SUITE-security")
    SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
    log "  mirror=$MIRROR security=$SECURITY_MIRROR"

    step "install debootstrap"
    command -v debootstrap >/dev/null || apt_install debootstrap

    step "debootstrap rootfs (${TODO[*]})"
    declare -A PID_OF=()
    t0=$SECONDS
    for kind in "${TODO[@]}"; do
        tarball="$E2E_CACHE/rootfs-$kind-$SUITE-$RECIPE.tar"
        if [[ -s $tarball ]]; then
            log "  [$kind] cached rootfs $tarball"
            continue
        fi
        log "  [$kind] debootstrap --variant=minbase $SUITE (log: $E2E_STATE/debootstrap-$kind.log)"
        build_rootfs "$kind" "$tarball" >"$E2E_STATE/debootstrap-$kind.log" 2>&1 &
        PID_OF[$kind]=$!
    done
    FAILED=()
    for kind in "${!PID_OF[@]}"; do
        if wait "${PID_OF[$kind]}"; then
            log "  [$kind] rootfs ready"
        else
            tail -n 25 "$E2E_STATE/debootstrap-$kind.log" >&2
            FAILED+=("$kind")
        fi
    done
    if [[ ${#FAILED[@]} -gt 0 ]]; then
        die "debootstrap/customize of the ${FAILED[*]} rootfs failed (see $E2E_STATE/debootstrap-<kind>.log)"
    fi
    log "  rootfs stage took $((SECONDS - t0))s"

    for kind in "${TODO[@]}"; do
        image=${IMAGE_OF[$kind]}
        step "docker import $image"
        t0=$SECONDS
        import_standin "$kind" "$image" "$E2E_CACHE/rootfs-$kind-$SUITE-$RECIPE.tar" \
            || die "docker import of $image failed"
        log "  imported $image in $((SECONDS - t0))s"
    done
fi

if [[ $PROBE -eq 1 ]]; then
    probe_dir="$E2E_STATE/probe-images"
    rm -rf "$probe_dir"
    mkdir -p "$probe_dir/python" "$probe_dir/debian"
    # No `# syntax=` line on purpose: the frontend image could not be pulled.
    cat >"$probe_dir/python/Dockerfile" <<'DF'
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc \
 && rm -rf /var/lib/apt/lists/* \
 && gcc --version | head -n1
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install fastapi==0.115.6 uvicorn
RUN python -c 'import fastapi, uvicorn; print("fastapi", fastapi.__version__, "uvicorn", uvicorn.__version__)'
DF
    cat >"$probe_dir/debian/Dockerfile" <<'DF'
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/* \
 && nginx -v
DF
    build_args=(--progress=plain)
    [[ ${E2E_NO_CACHE:-0} == 1 ]] && build_args+=(--no-cache)
    [[ -n ${E2E_BUILD_NETWORK:-} ]] && build_args+=(--network "$E2E_BUILD_NETWORK")
    for kind in "${KINDS[@]}"; do
        step "probe build FROM ${IMAGE_OF[$kind]} (apt$([[ $kind == python ]] && echo ' + pip'))"
        t0=$SECONDS
        if ! "$DOCKER" build "${build_args[@]}" -t "berth-e2e-probe-$kind" "$probe_dir/$kind" \
            >"$E2E_STATE/probe-$kind.log" 2>&1; then
            tail -n 30 "$E2E_STATE/probe-$kind.log" >&2
            die "probe build FROM ${IMAGE_OF[$kind]} failed (see $E2E_STATE/probe-$kind.log)"
        fi
        log "  ok in $((SECONDS - t0))s (log: $E2E_STATE/probe-$kind.log)"
    done
fi

step "report"
for kind in "${KINDS[@]}"; do
    image=${IMAGE_OF[$kind]}
    size=$("$DOCKER" image inspect -f '{{.Size}}' "$image")
    log "  $image: $((size / 1000000)) MB ($size bytes)"
done
if [[ $PROBE -eq 1 ]]; then
    for kind in "${KINDS[@]}"; do
        size=$("$DOCKER" image inspect -f '{{.Size}}' "berth-e2e-probe-$kind")
        log "  berth-e2e-probe-$kind: $((size / 1000000)) MB"
    done
fi
log "base images ready"
