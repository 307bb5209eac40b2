#!/usr/bin/env python3
"""Container health check: exit 0 when the service answers HTTP 2xx, else exit 1.

Run by the image's exec-form HEALTHCHECK:

    HEALTHCHECK CMD ["python3", "/usr/local/bin/healthcheck.py"]

Environment contract (every value is optional; an empty value counts as unset):

    HEALTHCHECK_URL      Full URL to GET (http or https). When set, the three
                         variables below are ignored.
    HEALTHCHECK_HOST     Host to probe. Default 127.0.0.1: the container checks
                         itself over loopback; no other host is assumed.
    HEALTHCHECK_PORT     Port to probe. Falls back to UVICORN_PORT; it is an
                         error when neither is set.
    HEALTHCHECK_PATH     Path to GET. Default /health.
    HEALTHCHECK_TIMEOUT  Seconds allowed for the whole request (float > 0).
                         Default 3.

Result: exit 0 on a 2xx answer (one short OK line on stdout); exit 1 otherwise,
with exactly one line on stderr giving the reason (HTTP status, connection
refused, timeout, bad configuration). Docker only distinguishes 0 from 1, so
configuration errors exit 1 as well. Proxy variables (HTTP_PROXY, ...) are
deliberately ignored: the probe targets the container itself.

Standard library only, Python 3.11+.
"""

from __future__ import annotations

import http.client
import math
import os
import signal
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request

PROG = "healthcheck"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PATH = "/health"
DEFAULT_TIMEOUT = 3.0


class ConfigError(Exception):
    """The environment does not describe a usable health check."""


class Deadline(BaseException):
    """Raised by the SIGALRM handler when the whole request took too long.

    A BaseException so no library code on the way can swallow it.
    """


def env(name: str) -> str | None:
    """Return a stripped environment value, or None when unset or empty."""
    value = os.environ.get(name, "").strip()
    return value or None


def read_timeout() -> float:
    raw = env("HEALTHCHECK_TIMEOUT")
    if raw is None:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"invalid HEALTHCHECK_TIMEOUT={raw!r}: expected seconds > 0")
    return value


def read_url() -> str:
    url = env("HEALTHCHECK_URL")
    if url is not None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"invalid HEALTHCHECK_URL={url!r}: expected http://host[:port]/path"
            )
        return url

    port_name = "HEALTHCHECK_PORT"
    raw_port = env(port_name)
    if raw_port is None:
        port_name = "UVICORN_PORT"
        raw_port = env(port_name)
    if raw_port is None:
        raise ConfigError(
            "no port: set HEALTHCHECK_PORT or UVICORN_PORT (or HEALTHCHECK_URL)"
        )
    if (
        not (raw_port.isascii() and raw_port.isdigit())
        or not 1 <= int(raw_port) <= 65535
    ):
        raise ConfigError(f"invalid {port_name}={raw_port!r}: expected a port 1-65535")

    host = env("HEALTHCHECK_HOST") or DEFAULT_HOST
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    path = env("HEALTHCHECK_PATH") or DEFAULT_PATH
    if not path.startswith("/"):
        path = "/" + path
    return f"http://{host}:{int(raw_port)}{path}"


def describe(exc: BaseException, timeout: float) -> str:
    """Turn a request failure into a short, single-line reason."""
    if isinstance(exc, urllib.error.URLError) and not isinstance(
        exc, urllib.error.HTTPError
    ):
        reason = exc.reason
        if isinstance(reason, BaseException):
            exc = reason
        else:
            return str(reason)
    if isinstance(exc, Deadline | TimeoutError):
        return f"timed out after {timeout:g}s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by peer"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host ({exc.strerror or exc})"
    if isinstance(exc, http.client.HTTPException):
        return f"invalid HTTP response ({type(exc).__name__}: {exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return f"{type(exc).__name__}: {exc}"


def on_alarm(signum: int, frame: object) -> None:
    raise Deadline


def probe(url: str, timeout: float) -> str | None:
    """GET url; return None on HTTP 2xx, else the failure reason."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    # The socket timeout bounds each connect/read; the alarm bounds the total.
    use_alarm = hasattr(signal, "setitimer")
    if use_alarm:
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with opener.open(url, timeout=timeout) as response:
            status = response.status
            response.read(65536)
    except urllib.error.HTTPError as exc:
        return f"returned HTTP {exc.code}"
    except (Deadline, Exception) as exc:
        return describe(exc, timeout)
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
    if 200 <= status < 300:
        return None
    return f"returned HTTP {status}"


def one_line(text: str) -> str:
    return " ".join(text.split())


def main() -> int:
    try:
        timeout = read_timeout()
        url = read_url()
    except ConfigError as exc:
        print(f"{PROG}: {one_line(str(exc))}", file=sys.stderr)
        return 1
    failure = probe(url, timeout)
    if failure is not None:
        print(f"{PROG}: {url} {one_line(failure)}", file=sys.stderr)
        return 1
    print(f"{PROG}: {url} OK")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (Exception, Deadline) as exc:  # last resort: one line, never a traceback
        print(f"{PROG}: unexpected error: {one_line(repr(exc))}", file=sys.stderr)
        sys.exit(1)
