#!/usr/bin/env python3
"""Wait until this container's dependencies answer, then exec the real command.

Used as the exec-form ENTRYPOINT, with the application as CMD:

    ENTRYPOINT ["python3", "/usr/local/bin/wait-for-services.py"]
    CMD ["uvicorn", "app.main:app"]

When every dependency is up, the command replaces this process (os.execvp), so
the application keeps this PID (PID 1 in the container) and receives signals
directly.

Environment contract (an empty value counts as unset):

    WAIT_FOR                 Comma-separated dependency names, in the order to wait
                             for them, e.g. "auth-service,ai-engine". Unset or
                             empty: exec the command at once, no probing.
    WAIT_FOR_<KEY>_URL       Required per dependency. KEY is the name upper-cased
                             with "-" replaced by "_" (auth-service -> AUTH_SERVICE).
                               tcp://host:port        up when a TCP connect succeeds
                               http(s)://host[:port]/path
                                                      up when a GET returns 2xx
    WAIT_FOR_<KEY>_TIMEOUT   Seconds to wait for that dependency (> 0).
                             Default: WAIT_TIMEOUT.
    WAIT_TIMEOUT             Default per-dependency timeout in seconds. Default 60.
    WAIT_INITIAL_DELAY       First retry delay in seconds (> 0). Default 0.5.
    WAIT_MAX_DELAY           Cap on the retry delay in seconds (> 0). Default 10.
    WAIT_BACKOFF_FACTOR      Delay multiplier per attempt (>= 1). Default 2.
    WAIT_PROBE_TIMEOUT       Per-attempt connect/HTTP timeout in seconds (> 0).
                             Default 2.

Backoff: the base delay starts at WAIT_INITIAL_DELAY and is multiplied by
WAIT_BACKOFF_FACTOR after each failed attempt. Each planned delay is the base
times a random factor in [1 - j, 1 + j] with j = min(0.25, (f - 1) / (f + 1)),
then capped at WAIT_MAX_DELAY. That bound on j means a jittered delay can never
be smaller than the previous one (for the default f = 2: +/-25%), so the
logged delays grow until they reach the cap and then stay there; the random
phase picked up while growing keeps containers that started together apart.
A sleep never runs past the dependency's deadline; the last attempt, made at
the deadline, may add up to min(WAIT_PROBE_TIMEOUT, 0.5) seconds.

Output (stderr, one line per attempt):

    wait-for-services: NAME (URL) attempt N failed: REASON; retrying in X.XXs (Y.Ys left)
    wait-for-services: NAME is up after N attempts (T.Ts)
    wait-for-services: timed out after 60s waiting for NAME (URL)

Exit codes: the command's own (after exec); 1 a dependency timed out; 2 bad
configuration or usage; 126/127 the command cannot be executed / not found;
143 on SIGTERM and 130 on SIGINT while waiting. Proxy variables (HTTP_PROXY,
...) are ignored: dependencies are reached on the internal network.

Standard library only, Python 3.11+.
"""

from __future__ import annotations

import http.client
import math
import os
import random
import signal
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

PROG = "wait-for-services"
USAGE = f"usage: {PROG}.py COMMAND [ARG...]  (dependencies come from WAIT_FOR)"
MAX_JITTER = 0.25
# The last attempt, made at the deadline, still gets this long (or the probe timeout).
MIN_PROBE_TIMEOUT = 0.5


class ConfigError(Exception):
    """Bad usage or environment; exit 2."""


@dataclass(frozen=True)
class Backoff:
    initial: float
    maximum: float
    factor: float
    probe_timeout: float

    @property
    def jitter(self) -> float:
        # Jitter small enough that (1 + j) * d <= (1 - j) * d * factor: the
        # planned delays never decrease.
        return min(MAX_JITTER, (self.factor - 1) / (self.factor + 1))

    def delays(self) -> Iterator[float]:
        """Yield the planned delay before each retry, forever."""
        base = self.initial
        while True:
            yield min(
                self.maximum, base * random.uniform(1 - self.jitter, 1 + self.jitter)
            )
            # Past maximum / (1 - jitter) every delay is the cap; stop growing.
            base = min(base * self.factor, self.maximum * 2)


@dataclass(frozen=True)
class Dependency:
    name: str
    url: str
    scheme: str
    host: str
    port: int
    timeout: float


def log(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def env(name: str) -> str | None:
    """Return a stripped environment value, or None when unset or empty."""
    value = os.environ.get(name, "").strip()
    return value or None


def seconds(
    name: str, default: float, minimum: float = 0.0, strict: bool = True
) -> float:
    """Read a float from the environment, requiring value > minimum (or >=)."""
    raw = env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    ok = math.isfinite(value) and (value > minimum if strict else value >= minimum)
    if not ok:
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise ConfigError(f"invalid {name}={raw!r}: expected a number {bound}")
    return value


def env_key(name: str) -> str:
    key = name.upper().replace("-", "_")
    if not key.replace("_", "").isalnum() or not key.isascii():
        raise ConfigError(
            f"invalid dependency name {name!r} in WAIT_FOR: "
            "use letters, digits, '-' and '_'"
        )
    return key


def parse_dependency(name: str, default_timeout: float) -> Dependency:
    key = env_key(name)
    url_var = f"WAIT_FOR_{key}_URL"
    url = env(url_var)
    if url is None:
        raise ConfigError(
            f"{url_var} is not set: WAIT_FOR lists {name!r}, so set {url_var} "
            "to tcp://host:port or http://host:port/path"
        )
    invalid = ConfigError(
        f"invalid {url_var}={url!r}: expected tcp://host:port or http://host:port/path"
    )
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:  # port not a number or out of range
        raise invalid from None
    if parts.scheme not in ("tcp", "http", "https") or not parts.hostname or not port:
        raise invalid
    timeout = seconds(f"WAIT_FOR_{key}_TIMEOUT", default_timeout)
    return Dependency(name, url, parts.scheme, parts.hostname, port, timeout)


def read_config() -> tuple[list[Dependency], Backoff]:
    default_timeout = seconds("WAIT_TIMEOUT", 60.0)
    backoff = Backoff(
        initial=seconds("WAIT_INITIAL_DELAY", 0.5),
        maximum=seconds("WAIT_MAX_DELAY", 10.0),
        factor=seconds("WAIT_BACKOFF_FACTOR", 2.0, minimum=1.0, strict=False),
        probe_timeout=seconds("WAIT_PROBE_TIMEOUT", 2.0),
    )
    names: list[str] = []
    for raw in (env("WAIT_FOR") or "").split(","):
        name = raw.strip()
        if name and name not in names:
            names.append(name)
    deps = [parse_dependency(name, default_timeout) for name in names]
    return deps, backoff


def describe(exc: BaseException, timeout: float) -> str:
    """Turn a probe failure into a short, single-line reason."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        if not isinstance(exc.reason, BaseException):
            return " ".join(str(exc.reason).split())
        exc = exc.reason
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:.1f}s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by peer"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host ({exc.strerror or exc})"
    if isinstance(exc, http.client.HTTPException):
        return " ".join(f"invalid HTTP response ({type(exc).__name__}: {exc})".split())
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return " ".join(f"{type(exc).__name__}: {exc}".split())


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def probe(dep: Dependency, timeout: float) -> str | None:
    """One attempt: None when the dependency is up, else the reason."""
    try:
        if dep.scheme == "tcp":
            with socket.create_connection((dep.host, dep.port), timeout=timeout):
                return None
        with OPENER.open(dep.url, timeout=timeout) as response:
            response.read(65536)
            status = response.status
    except Exception as exc:
        return describe(exc, timeout)
    if 200 <= status < 300:
        return None
    return f"HTTP {status}"


def wait_for(dep: Dependency, backoff: Backoff) -> bool:
    """Probe dep until it is up (True) or its deadline passes (False)."""
    start = time.monotonic()
    deadline = start + dep.timeout
    delays = backoff.delays()
    attempt = 0
    while True:
        attempt += 1
        left = deadline - time.monotonic()
        failure = probe(dep, min(backoff.probe_timeout, max(MIN_PROBE_TIMEOUT, left)))
        now = time.monotonic()
        if failure is None:
            plural = "" if attempt == 1 else "s"
            log(
                f"{dep.name} is up after {attempt} attempt{plural} ({now - start:.1f}s)"
            )
            return True
        left = deadline - now
        prefix = f"{dep.name} ({dep.url}) attempt {attempt} failed: {failure}"
        if left <= 0:
            log(f"{prefix}; no time left")
            return False
        pause = min(next(delays), left)
        log(f"{prefix}; retrying in {pause:.2f}s ({left:.1f}s left)")
        time.sleep(pause)


def on_signal(signum: int, frame: object) -> None:
    # os.write, not print: the handler may interrupt a print to stderr.
    name = signal.Signals(signum).name
    os.write(2, f"{PROG}: received {name} while waiting; exiting\n".encode())
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    command = argv[1:]
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print(USAGE, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        deps, backoff = read_config()
    except ConfigError as exc:
        log(str(exc))
        return 2
    for dep in deps:
        if not wait_for(dep, backoff):
            log(f"timed out after {dep.timeout:g}s waiting for {dep.name} ({dep.url})")
            return 1
    # exec resets caught signals to their defaults; the app installs its own.
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        log(f"cannot exec {command[0]!r}: {exc.strerror or exc}")
        return 127 if isinstance(exc, FileNotFoundError) else 126
    return 0  # not reached


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as exc:  # last resort: one line, never a traceback
        log(f"unexpected error: {' '.join(repr(exc).split())}")
        sys.exit(1)
