"""A tiny DNS responder for the gateway tests: answers A queries for the names given, NXDOMAIN
for any other, on ADDRESS:53 of the network namespace it runs in (a test's `unshare -rmn`).

Usage: pod_dns.py ADDRESS READY_FILE NAME=IP...   (touches READY_FILE once listening; exits after
20 queries or 10 s without one, so it never outlives its test).
"""

import socket
import struct
import sys

address, ready, records = (
    sys.argv[1],
    sys.argv[2],
    dict(a.split("=", 1) for a in sys.argv[3:]),
)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((address, 53))
s.settimeout(10)
open(ready, "w").close()
for _ in range(20):
    try:
        data, peer = s.recvfrom(512)
    except TimeoutError:
        break
    tid = struct.unpack(">H", data[:2])[0]
    i, labels = 12, []
    while data[i]:
        labels.append(data[i + 1 : i + 1 + data[i]].decode())
        i += 1 + data[i]
    qtype = struct.unpack(">H", data[i + 1 : i + 3])[0]
    question = data[12 : i + 5]
    ip = records.get(".".join(labels).lower())
    if ip and qtype == 1:
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 30, 4) + socket.inet_aton(ip)
        s.sendto(
            struct.pack(">HHHHHH", tid, 0x8180, 1, 1, 0, 0) + question + answer, peer
        )
    else:  # no such name (or no AAAA record for it)
        rcode = 0x8180 if ip else 0x8183
        s.sendto(struct.pack(">HHHHHH", tid, rcode, 1, 0, 0, 0) + question, peer)
