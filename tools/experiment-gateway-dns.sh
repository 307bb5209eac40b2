#!/usr/bin/env bash
# experiment-gateway-dns.sh - evidence for the gateway change Kubernetes needs (docs/kubernetes.md,
# "The gateway"): in a pod, /etc/resolv.conf names the cluster DNS and search domains
# (<ns>.svc.cluster.local ...); nginx's `resolver` ignores search domains, but Python's
# getaddrinfo(AI_CANONNAME) (glibc, as in the python:3.11-slim gateway image) returns the
# search-expanded name, which gateway/start.py can put in the nginx configuration instead of the
# bare service name.
#
# Runs in a private user, mount and network namespace (unshare -rmn): a pod-like resolv.conf is
# bind-mounted over /etc/resolv.conf there, and a tiny DNS responder (tests/it/support/pod_dns.py) on that namespace's own
# 127.0.0.1:53 answers for auth-service.demo-prod.svc.cluster.local only. Nothing leaves the
# namespace. Prints what getaddrinfo returns; exit 1 when the name is not the FQDN.
set -euo pipefail
for t in unshare ip python3; do command -v "$t" >/dev/null || { echo "$t not found" >&2; exit 2; }; done
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
# The DNS responder the gateway tests use (tests/it/gateway_start.rs).
DNS="$(cd "$(dirname "$0")/.." && pwd)/tests/it/support/pod_dns.py"
cat >"$TMP/resolv.conf" <<'CONF'
search demo-prod.svc.cluster.local svc.cluster.local cluster.local
nameserver 127.0.0.1
options ndots:5
CONF
cat >"$TMP/probe.py" <<'PY'
import socket, sys
info = socket.getaddrinfo("auth-service", 8001, type=socket.SOCK_STREAM, flags=socket.AI_CANONNAME)
name, address = info[0][3], info[0][4][0]
print(f"getaddrinfo('auth-service', AI_CANONNAME) -> {name} {address}")
sys.exit(0 if name == "auth-service.demo-prod.svc.cluster.local" else 1)
PY
unshare -rmn sh -c "ip link set lo up && mount --bind '$TMP/resolv.conf' /etc/resolv.conf \
  && { python3 '$DNS' 127.0.0.1 '$TMP/ready' auth-service.demo-prod.svc.cluster.local=10.96.0.42 & pid=\$!; \
       for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e '$TMP/ready' ] && break; sleep 0.2; done; \
       python3 '$TMP/probe.py'; rc=\$?; kill \$pid; exit \$rc; }"
