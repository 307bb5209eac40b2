#!/usr/bin/env bash
# experiment-gateway-dns.sh - evidence for the gateway change Kubernetes needs (docs/kubernetes.md,
# "The gateway"): in a pod, /etc/resolv.conf names the cluster DNS and search domains
# (<ns>.svc.cluster.local ...); nginx's `resolver` ignores search domains, but Python's
# getaddrinfo(AI_CANONNAME) (glibc, as in the python:3.11-slim gateway image) returns the
# search-expanded name, which gateway/start.py can put in the nginx configuration instead of the
# bare service name.
#
# Runs in a private user, mount and network namespace (unshare -rmn): a pod-like resolv.conf is
# bind-mounted over /etc/resolv.conf there, and a tiny DNS responder on that namespace's own
# 127.0.0.1:53 answers for auth-service.demo-prod.svc.cluster.local only. Nothing leaves the
# namespace. Prints what getaddrinfo returns; exit 1 when the name is not the FQDN.
set -euo pipefail
for t in unshare ip python3; do command -v "$t" >/dev/null || { echo "$t not found" >&2; exit 2; }; done
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/dns.py" <<'PY'
import socket, struct
RECORDS = {"auth-service.demo-prod.svc.cluster.local": "10.96.0.42"}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
s.settimeout(10)
for _ in range(20):
    try:
        data, addr = s.recvfrom(512)
    except TimeoutError:
        break
    tid = struct.unpack(">H", data[:2])[0]
    i, labels = 12, []
    while data[i]:
        labels.append(data[i + 1 : i + 1 + data[i]].decode())
        i += 1 + data[i]
    qtype = struct.unpack(">H", data[i + 1 : i + 3])[0]
    question = data[12 : i + 5]
    ip = RECORDS.get(".".join(labels).lower())
    if ip and qtype == 1:
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 30, 4) + socket.inet_aton(ip)
        s.sendto(struct.pack(">HHHHHH", tid, 0x8180, 1, 1, 0, 0) + question + answer, addr)
    else:  # no such name (or no AAAA record)
        rcode = 0x8180 if ip else 0x8183
        s.sendto(struct.pack(">HHHHHH", tid, rcode, 1, 0, 0, 0) + question, addr)
PY
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
  && { python3 '$TMP/dns.py' & pid=\$!; sleep 0.5; python3 '$TMP/probe.py'; rc=\$?; kill \$pid; exit \$rc; }"
