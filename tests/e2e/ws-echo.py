#!/usr/bin/env python3
"""WebSocket echo probe for berth's end-to-end run (standard library only, Python 3.11+).

    python3 tests/e2e/ws-echo.py ws://localhost:8080/channel-service/ws [--message TEXT] [--timeout S]

Opens a WebSocket (RFC 6455) to URL, e.g. through the gateway, and checks the whole upgrade
path: the answer is `101 Switching Protocols` with `Upgrade: websocket` and the
Sec-WebSocket-Accept derived from the key it sent; then one masked text frame goes out and
the same text must come back in one text frame; then a close frame. The host needs no pip
packages: the CI host has none.

Prints one line: `ok: ...` or `FAILED: ...` (the status line, or what came back).
Exit codes: 0 echoed; 1 no upgrade, a wrong accept key, no echo or a different one;
2 usage.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import socket
import struct
import sys
import urllib.parse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
OP_TEXT, OP_CLOSE, OP_PING = 0x1, 0x8, 0x9


class ProbeError(Exception):
    """The peer did not behave as a WebSocket echo endpoint: exit 1."""


def read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ProbeError(f"connection closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def handshake(sock: socket.socket, host: str, path: str) -> None:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise ProbeError(f"connection closed during the handshake: {head[:200]!r}")
        head += chunk
        if len(head) > 65536:
            raise ProbeError("handshake answer longer than 64 KiB")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0]
    if status.split()[1:2] != ["101"]:
        raise ProbeError(f"no upgrade: {status!r}")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    if headers.get("upgrade", "").lower() != "websocket":
        raise ProbeError(
            f"101 without 'Upgrade: websocket' ({headers.get('upgrade')!r})"
        )
    if headers.get("sec-websocket-accept") != want:
        raise ProbeError(
            f"Sec-WebSocket-Accept {headers.get('sec-websocket-accept')!r}, expected {want!r}"
        )


def send_frame(sock: socket.socket, opcode: int, payload: bytes) -> None:
    """One final frame, masked (a client must mask every frame)."""
    header = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        header += bytes([0x80 | n])
    elif n < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    first, second = read_exact(sock, 2)
    opcode, n = first & 0x0F, second & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", read_exact(sock, 2))
    elif n == 127:
        (n,) = struct.unpack("!Q", read_exact(sock, 8))
    mask = read_exact(sock, 4) if second & 0x80 else b""
    payload = read_exact(sock, n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    if not first & 0x80:
        raise ProbeError("fragmented frame (the echo is expected in one frame)")
    return opcode, payload


def probe(url: str, message: str, timeout: float) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "ws" or not parts.hostname:
        raise ValueError(f"URL must be ws://HOST[:PORT]/PATH, got {url!r}")
    port = parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host = parts.hostname if port == 80 else f"{parts.hostname}:{port}"
    with socket.create_connection((parts.hostname, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        handshake(sock, host, path)
        send_frame(sock, OP_TEXT, message.encode())
        while True:
            opcode, payload = read_frame(sock)
            if opcode == OP_PING:
                send_frame(sock, 0xA, payload)
                continue
            break
        if opcode != OP_TEXT:
            raise ProbeError(
                f"expected a text frame back, got opcode {opcode:#x} {payload[:80]!r}"
            )
        if payload != message.encode():
            raise ProbeError(f"echo differs: sent {message!r}, got {payload[:200]!r}")
        send_frame(sock, OP_CLOSE, struct.pack("!H", 1000))
    return f"101 Switching Protocols, {message!r} echoed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--message", default="berth e2e websocket echo")
    parser.add_argument("--timeout", type=float, default=10.0)
    opts = parser.parse_args()
    try:
        result = probe(opts.url, opts.message, opts.timeout)
    except ValueError as exc:
        print(f"ws-echo: {exc}", file=sys.stderr)
        return 2
    except (ProbeError, OSError) as exc:
        print(f"FAILED: {opts.url}: {exc}")
        return 1
    print(f"ok: {opts.url}: {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
