#!/usr/bin/env python3
"""Verify the stack on a real Docker engine: build the images, check health, probe the gateway.

The standard's "Testing & Verification Commands" as one script (standard library only,
Python 3.11+); scripts/docker-build-optimized.ps1, docker-health-monitor.ps1 and
test-api-gateway.ps1 are thin PowerShell wrappers around it, so the documented commands
work on Windows too.

    python3 scripts/verify-stack.py build [--parallel | --max-parallel N] [--no-cache] [--pull] [SERVICE...]
    python3 scripts/verify-stack.py health [--watch [--interval S]] [--wait S]
    python3 scripts/verify-stack.py gateway [--base-url URL] [--timeout S]
    python3 scripts/verify-stack.py images [--layers N] [SERVICE...]

build    Build the images (every service with a `build:` section, or the SERVICEs named)
         through `docker compose build`, then print one line per image with its size
         against the standard's target (< 400 MB; decimal megabytes, as `docker images`
         prints them), the time its build took and the total. --parallel builds all of
         them in one concurrent Compose build; --max-parallel N in batches of at most N
         services, one Compose build each, so a small CI runner is not exhausted by every
         image at once; without either they are built one after another. An image built in
         a batch is shown with its batch's time (the images of a batch build together).
health   Print the state and health of every container of the stack, once. --watch
         repeats that every --interval seconds (default 10) until interrupted; --wait S
         polls until every container is healthy, or fails after S seconds.
gateway  GET every service's health route through the gateway, and the gateway's own
         health route, each within --timeout seconds (default 10). --base-url defaults to
         the gateway's published port in the Compose configuration.
images   The standard's image analysis of the built images (every service with a `build:`
         section, or the SERVICEs named): each image's size against the 400 MB target, its
         largest layers from `docker history` (--layers N, default 5), and, when `berth` is
         on PATH ($BERTH overrides), `berth scan --image IMAGE` against the advisory database
         in $BERTH_ADVISORY_DB; without berth the scan is reported as not run.

Which Compose files: the environment ENV (--env, else $BERTH_ENV, else "dev") selects
docker-compose.yml plus docker-compose.ENV.yml and .env.ENV where they exist, in the
project folder (the parent of this script's folder, or -C DIR). -f FILE (repeatable) and
--env-file FILE replace that choice. The stack is read at run time with
`docker compose config --format json`, so edits to the Compose files are honoured.
Variables the Compose files require (the secrets outside dev) must be set in the
environment or in the .env file.

The gateway is the service labelled berth.role=gateway; each service's route through it and
its health path are its berth.route and berth.health-path labels (berth writes them).

Docker CLI: $DOCKER when set (a path or a command name), else `docker`; it must have Compose
v2. Images are built by Compose, which brings its own BuildKit client, so the CLI needs no
buildx plugin. DOCKER_BUILDKIT=1 is set for every call: the Dockerfiles use BuildKit's RUN
--mount.

Exit codes: 0 every check passed; 1 a check failed (a build, an image over the target,
a container not healthy, a route not answering); 2 usage or configuration error (no
Docker CLI, no Compose v2, invalid Compose files, unknown service); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# What the script knows of the stack it reads from the Compose configuration at run time:
# berth labels the gateway (berth.role: gateway) and gives every service its route through
# the gateway (berth.route) and health path (berth.health-path). A service added to the
# Compose files by hand, without labels, is probed at /<name>/health.
ROLE_LABEL = "berth.role"
ROUTE_LABEL = "berth.route"
HEALTH_LABEL = "berth.health-path"
DEFAULT_HEALTH_PATH = "/health"

PROG = "verify-stack"
TARGET_MB = 400  # the standard's "Target: <400MB per service image"
MB = 1000 * 1000  # docker images prints decimal megabytes


class UsageError(Exception):
    """Bad usage or configuration: exit 2."""


def log(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- docker


def docker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DOCKER_BUILDKIT"] = "1"
    return env


def has_compose(docker: str) -> bool:
    """True when `docker compose version` works and reports Compose v2 or later."""
    try:
        done = subprocess.run(
            [docker, "compose", "version", "--short"],
            capture_output=True,
            text=True,
            timeout=30,
            env=docker_env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    major = done.stdout.strip().lstrip("v").split(".")[0]
    return done.returncode == 0 and major.isdigit() and int(major) >= 2


def find_docker() -> str:
    """The Docker CLI to use: $DOCKER, else `docker`; it must have Compose v2."""
    name = os.environ.get("DOCKER", "").strip() or "docker"
    path = shutil.which(name)
    if path is None:
        raise UsageError(
            f"no Docker CLI: {name!r} is not on PATH (set DOCKER=/path/to/docker)"
        )
    if not has_compose(path):
        raise UsageError(
            f"{path} has no Compose v2 (`{path} compose version` failed); install the compose plugin or set DOCKER"
        )
    return path


@dataclass
class Stack:
    docker: str
    project_dir: Path
    compose_args: list[str]
    config: dict

    @property
    def name(self) -> str:
        return str(self.config.get("name", ""))

    @property
    def services(self) -> dict[str, dict]:
        return self.config.get("services") or {}

    def label(self, service: str, key: str) -> str | None:
        labels = self.services.get(service, {}).get("labels") or {}
        value = labels.get(key) if isinstance(labels, dict) else None
        return str(value) if value else None

    @property
    def gateway(self) -> str | None:
        """The service labelled as the gateway, if any."""
        for name in sorted(self.services):
            if self.label(name, ROLE_LABEL) == "gateway":
                return name
        return None

    def health_path(self, service: str) -> str:
        return self.label(service, HEALTH_LABEL) or DEFAULT_HEALTH_PATH

    def route(self, service: str) -> str:
        return self.label(service, ROUTE_LABEL) or f"/{service}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_docker(self.docker, list(args), cwd=self.project_dir, check=check)

    def compose(
        self, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return self.run("compose", *self.compose_args, *args, check=check)


def run_docker(
    docker: str,
    args: list[str],
    cwd: Path | None = None,
    check: bool = True,
    log_to=None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run docker ARGS; output is captured, or written to the open file log_to."""
    if log_to is not None:
        streams = {"stdout": log_to, "stderr": subprocess.STDOUT}
    else:
        streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    try:
        done = subprocess.run(
            [docker, *args],
            cwd=cwd,
            env=docker_env(),
            text=True,
            timeout=timeout,
            **streams,
        )
    except OSError as exc:
        raise UsageError(f"cannot run {docker}: {exc.strerror or exc}") from None
    if check and done.returncode != 0:
        detail = (done.stderr or done.stdout or "").strip()
        raise UsageError(
            f"`docker {' '.join(args[:4])} ...` failed: {one_line(detail, 600)}"
        )
    return done


def compose_files(opts: argparse.Namespace) -> tuple[Path, list[str]]:
    """The project folder and the `docker compose` global arguments."""
    if opts.project_dir:
        project_dir = Path(opts.project_dir).resolve()
    else:
        project_dir = Path(__file__).resolve().parent.parent
    if not project_dir.is_dir():
        raise UsageError(f"project folder {project_dir} does not exist")
    args = ["--project-directory", str(project_dir)]
    if opts.file:
        files = [Path(f).resolve() for f in opts.file]
    else:
        env_name = opts.env or os.environ.get("BERTH_ENV", "").strip() or "dev"
        files = [project_dir / "docker-compose.yml"]
        override = project_dir / f"docker-compose.{env_name}.yml"
        if override.is_file():
            files.append(override)
        elif opts.env:
            raise UsageError(f"--env {env_name}: {override} does not exist")
        if opts.env_file is None:
            env_file = project_dir / f".env.{env_name}"
            if env_file.is_file():
                args += ["--env-file", str(env_file)]
    if opts.env_file is not None:
        env_file = Path(opts.env_file).resolve()
        if not env_file.is_file():
            raise UsageError(f"--env-file {env_file} does not exist")
        args += ["--env-file", str(env_file)]
    for f in files:
        if not f.is_file():
            raise UsageError(f"compose file {f} does not exist")
        args += ["-f", str(f)]
    return project_dir, args


def load_stack(opts: argparse.Namespace) -> Stack:
    docker = find_docker()
    project_dir, args = compose_files(opts)
    done = run_docker(
        docker,
        ["compose", *args, "config", "--format", "json"],
        cwd=project_dir,
        check=False,
    )
    if done.returncode != 0:
        raise UsageError(
            f"`docker compose config` failed: {one_line(done.stderr or done.stdout, 600)}"
        )
    try:
        config = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"`docker compose config --format json` printed no JSON ({exc})"
        ) from None
    return Stack(docker, project_dir, args, config)


def image_of(stack: Stack, service: str) -> str:
    image = stack.services[service].get("image")
    return str(image) if image else f"{stack.name}-{service}"


def image_size(stack: Stack, image: str) -> int | None:
    done = stack.run("image", "inspect", "--format", "{{.Size}}", image, check=False)
    if done.returncode != 0:
        return None
    try:
        return int(done.stdout.strip())
    except ValueError:
        return None


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- build


def cmd_build(opts: argparse.Namespace) -> int:
    stack = load_stack(opts)
    buildable = [name for name, svc in stack.services.items() if svc.get("build")]
    if opts.services:
        unknown = [s for s in opts.services if s not in stack.services]
        if unknown:
            raise UsageError(
                f"unknown service(s): {', '.join(unknown)} (known: {', '.join(sorted(stack.services))})"
            )
        no_build = [s for s in opts.services if s not in buildable]
        if no_build:
            raise UsageError(
                f"service(s) without a build section: {', '.join(no_build)}"
            )
        selected = list(opts.services)
    else:
        selected = sorted(buildable)
    if not selected:
        raise UsageError("no service of the stack has a build section")

    extra = []
    if opts.no_cache:
        extra.append("--no-cache")
    if opts.pull:
        extra.append("--pull")
    log_path = (
        Path(opts.log)
        if opts.log
        else Path(tempfile.gettempdir())
        / f"verify-stack-build-{stack.name or 'stack'}.log"
    )
    if opts.max_parallel is not None:
        size = opts.max_parallel
        mode = f"in batches of at most {size}"
    elif opts.parallel:
        size = len(selected)
        mode = "in parallel"
    else:
        size = 1
        mode = "one after another"
    groups = [selected[i : i + size] for i in range(0, len(selected), size)]
    log(
        f"building {len(selected)} image(s) {mode} with {stack.docker} (BuildKit); log: {log_path}"
    )

    failed: list[str] = []
    took: dict[str, float] = {}
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as out:
        for group in groups:
            t0 = time.monotonic()
            out.write(f"==== docker compose build {' '.join(group)}\n")
            out.flush()
            done = run_docker(
                stack.docker,
                [
                    "compose",
                    *stack.compose_args,
                    "--progress",
                    "plain",
                    "build",
                    *extra,
                    *group,
                ],
                cwd=stack.project_dir,
                check=False,
                log_to=out,
            )
            elapsed = time.monotonic() - t0
            for name in group:
                took[name] = elapsed
            if done.returncode != 0:
                failed += group
    total = time.monotonic() - start
    if failed:
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        for line in tail:
            print(f"    | {line}", file=sys.stderr)

    rows = []
    over = []
    for name in selected:
        image = image_of(stack, name)
        size = image_size(stack, image)
        if name in failed:
            verdict = "BUILD FAILED"
        elif size is None:
            verdict = "MISSING (not built?)"
            failed.append(name)
        elif size >= TARGET_MB * MB:
            verdict = f"OVER TARGET (>= {TARGET_MB} MB)"
            over.append(name)
        else:
            verdict = f"ok (< {TARGET_MB} MB)"
        size_text = f"{size / MB:.1f} MB" if size is not None else "-"
        batch = next(i for i, group in enumerate(groups, 1) if name in group)
        rows.append([name, image, size_text, verdict, f"{took[name]:.1f}s", str(batch)])
    print(table(rows, ["SERVICE", "IMAGE", "SIZE", "TARGET", "BUILD TIME", "BATCH"]))
    print(
        f"built {len(selected) - len(failed)}/{len(selected)} image(s) {mode} in {total:.1f}s"
    )
    if failed:
        log(f"build failed: {', '.join(failed)} (see {log_path})")
    if over:
        log(f"over the {TARGET_MB} MB target: {', '.join(over)}")
    return 1 if failed or over else 0


# --------------------------------------------------------------------------- images


def parse_size(text: str) -> float:
    """Bytes of a `docker history` size such as 12.3MB, 4.1kB, 0B."""
    units = {"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
    for unit in sorted(units, key=len, reverse=True):
        if text.endswith(unit):
            try:
                return float(text[: -len(unit)]) * units[unit]
            except ValueError:
                return 0.0
    return 0.0


def image_layers(stack: Stack, image: str) -> list[tuple[str, str]] | None:
    """(size, created by) of every layer of the image, newest first (`docker history`)."""
    done = stack.run(
        "history", "--format", "{{.Size}}\t{{.CreatedBy}}", image, check=False
    )
    if done.returncode != 0:
        return None
    rows = []
    for line in done.stdout.splitlines():
        size, _, created = line.partition("\t")
        rows.append((size.strip(), one_line(created, 100)))
    return rows


def find_berth() -> str | None:
    name = os.environ.get("BERTH", "").strip() or "berth"
    return shutil.which(name)


def cmd_images(opts: argparse.Namespace) -> int:
    stack = load_stack(opts)
    buildable = sorted(name for name, svc in stack.services.items() if svc.get("build"))
    unknown = [s for s in opts.services if s not in buildable]
    if unknown:
        raise UsageError(
            f"no built image for: {', '.join(unknown)} (services with a build section: {', '.join(buildable)})"
        )
    selected = list(opts.services) or buildable
    berth = find_berth()
    failed: list[str] = []
    rows = []
    for name in selected:
        image = image_of(stack, name)
        size = image_size(stack, image)
        layers = image_layers(stack, image) if size is not None else None
        print(f"== {name}: {image}")
        if size is None or layers is None:
            print("   MISSING (not built? run `verify-stack.py build` first)")
            failed.append(name)
            rows.append([name, "-", "MISSING", "-"])
            continue
        verdict = "ok" if size < TARGET_MB * MB else f"OVER TARGET (>= {TARGET_MB} MB)"
        print(
            f"   size {size / MB:.1f} MB: {verdict}; {len(layers)} layer(s), largest:"
        )
        biggest = sorted(layers, key=lambda r: parse_size(r[0]), reverse=True)
        for size_text, created in biggest[: opts.layers]:
            print(f"   {size_text:>9}  {created}")
        if size >= TARGET_MB * MB:
            failed.append(name)
        if berth is None:
            scan = "NOT RUN (berth not on PATH)"
        else:
            sys.stdout.flush()
            done = subprocess.run([berth, "scan", "--image", image], text=True)
            scan = {0: "no known vulnerability", 1: "FINDINGS"}.get(
                done.returncode, f"COULD NOT SCAN (berth exit {done.returncode})"
            )
            if done.returncode != 0:
                failed.append(name)
        rows.append([name, f"{size / MB:.1f} MB", verdict, scan])
    print(table(rows, ["SERVICE", "SIZE", "TARGET", "SCAN"]))
    if berth is None:
        log(
            "vulnerability scan not run: install berth (or set BERTH) and set BERTH_ADVISORY_DB"
        )
    if failed:
        log(f"image analysis failed: {', '.join(sorted(set(failed)))}")
    return 1 if failed else 0


def images_parser(sub, common: argparse.ArgumentParser) -> None:
    images = sub.add_parser(
        "images",
        parents=[common],
        help="image analysis: size against 400 MB, layers, `berth scan --image`",
    )
    images.add_argument(
        "services",
        nargs="*",
        metavar="SERVICE",
        help="services whose images to analyse (default: every service with a build section)",
    )
    images.add_argument(
        "--layers",
        type=int,
        default=5,
        metavar="N",
        help="how many of the largest layers to list (default 5)",
    )
    images.set_defaults(func=cmd_images)


# --------------------------------------------------------------------------- health


@dataclass
class ContainerState:
    service: str
    name: str
    state: str
    health: str
    status: str
    exit_code: int

    @property
    def ok(self) -> bool:
        return self.state == "running" and self.health == "healthy"

    @property
    def final(self) -> bool:
        """True when waiting longer cannot make this container healthy."""
        return self.state in ("exited", "dead") or self.health == "none"


def parse_ps(text: str) -> list[dict]:
    text = text.strip()
    if not text:
        return []
    try:
        data = json.loads(text)  # Compose before 2.21 prints one JSON array
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return data if isinstance(data, list) else [data]


def containers(stack: Stack) -> list[ContainerState]:
    done = stack.compose("ps", "--all", "--format", "json")
    out = []
    for item in parse_ps(done.stdout):
        health = str(item.get("Health") or "")
        state = str(item.get("State") or "")
        if state == "running" and not health:
            health = "none"
        out.append(
            ContainerState(
                service=str(item.get("Service") or ""),
                name=str(item.get("Name") or ""),
                state=state,
                health=health or "-",
                status=str(item.get("Status") or ""),
                exit_code=int(item.get("ExitCode") or 0),
            )
        )
    return out


def last_health_output(stack: Stack, container: str) -> str:
    done = stack.run(
        "inspect", "--format", "{{json .State.Health}}", container, check=False
    )
    if done.returncode != 0:
        return ""
    try:
        health = json.loads(done.stdout)
    except json.JSONDecodeError:
        return ""
    entries = (health or {}).get("Log") or []
    if not entries:
        return ""
    return one_line(str(entries[-1].get("Output") or ""))


def health_report(stack: Stack) -> tuple[bool, bool, list[list[str]], list[str]]:
    """(all healthy, some container can no longer become healthy, rows, notes)."""
    states = containers(stack)
    rows: list[list[str]] = []
    notes: list[str] = []
    healthy = True
    final = False
    by_service: dict[str, list[ContainerState]] = {}
    for c in states:
        by_service.setdefault(c.service, []).append(c)
    for service in sorted(stack.services):
        found = by_service.get(service, [])
        if not found:
            rows.append([service, "-", "missing", "-", "no container (not started?)"])
            healthy = False
            continue
        for c in found:
            verdict = "ok" if c.ok else "NOT HEALTHY"
            rows.append([service, c.name, c.state, c.health, f"{c.status}  {verdict}"])
            if c.ok:
                continue
            healthy = False
            final = final or c.final
            if c.health == "none":
                notes.append(f"{c.name}: no health check (the standard requires one)")
            elif c.state in ("exited", "dead"):
                notes.append(
                    f"{c.name}: {c.state} with code {c.exit_code}; see `docker logs {c.name}`"
                )
            elif c.health in ("unhealthy", "starting"):
                output = last_health_output(stack, c.name)
                if output:
                    notes.append(f"{c.name}: last health check: {output}")
    return healthy, final, rows, notes


def print_health(rows: list[list[str]], notes: list[str]) -> None:
    print(table(rows, ["SERVICE", "CONTAINER", "STATE", "HEALTH", "STATUS"]))
    for note in notes:
        print(f"  {note}")


def cmd_health(opts: argparse.Namespace) -> int:
    stack = load_stack(opts)
    if opts.watch:
        while True:
            healthy, _, rows, notes = health_report(stack)
            print(
                f"--- {time.strftime('%H:%M:%S')} {stack.name}: {'all healthy' if healthy else 'NOT all healthy'}"
            )
            print_health(rows, notes)
            sys.stdout.flush()
            time.sleep(opts.interval)
    if opts.wait is not None:
        deadline = time.monotonic() + opts.wait
        start = time.monotonic()
        seen: dict[str, str] = {}
        while True:
            healthy, final, rows, notes = health_report(stack)
            for row in rows:
                key, text = f"{row[0]}/{row[1]}", f"{row[2]}/{row[3]}"
                if seen.get(key) != text:
                    seen[key] = text
                    log(f"{time.monotonic() - start:5.1f}s {row[0]}: {text}")
            if healthy:
                print_health(rows, notes)
                print(
                    f"every container of {stack.name} is healthy ({time.monotonic() - start:.1f}s)"
                )
                return 0
            if final or time.monotonic() >= deadline:
                print_health(rows, notes)
                why = (
                    "a container cannot become healthy"
                    if final
                    else f"not healthy after {opts.wait:g}s"
                )
                log(f"{stack.name}: {why}")
                return 1
            time.sleep(min(opts.interval, max(0.5, deadline - time.monotonic())))
    healthy, _, rows, notes = health_report(stack)
    print_health(rows, notes)
    return 0 if healthy else 1


# -------------------------------------------------------------------------- gateway


def default_base_url(stack: Stack, gateway: str) -> str:
    for port in stack.services[gateway].get("ports") or []:
        if isinstance(port, dict) and port.get("published"):
            host = str(port.get("host_ip") or "")
            if host in ("", "0.0.0.0", "::"):
                host = "127.0.0.1"  # published on every interface: loopback reaches it
            if ":" in host:
                host = f"[{host}]"
            published = str(port["published"]).split("-")[0]
            return f"http://{host}:{published}"
    raise UsageError(
        f"the {gateway} service publishes no port in this configuration; pass --base-url"
    )


@dataclass
class Answer:
    ok: bool
    detail: str
    seconds: float
    body: bytes = b""


def probe(url: str, timeout: float) -> Answer:
    """GET url; ok means HTTP 2xx. Proxies are bypassed for loopback URLs."""
    host = urllib.parse.urlsplit(url).hostname or ""
    local = host in ("localhost", "::1") or host.startswith("127.")
    handlers = [urllib.request.ProxyHandler({})] if local else []
    opener = urllib.request.build_opener(*handlers)
    start = time.monotonic()
    try:
        with opener.open(url, timeout=timeout) as response:
            body = response.read(65536)
            status = response.status
    except urllib.error.HTTPError as exc:
        return Answer(False, f"HTTP {exc.code}", time.monotonic() - start)
    except urllib.error.URLError as exc:
        reason = exc.reason
        text = getattr(reason, "strerror", None) or str(reason)
        return Answer(False, one_line(str(text)), time.monotonic() - start)
    except (OSError, ValueError) as exc:
        text = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, TimeoutError):
            text = f"timed out after {timeout:g}s"
        return Answer(False, one_line(text), time.monotonic() - start)
    elapsed = time.monotonic() - start
    if not 200 <= status < 300:
        return Answer(False, f"HTTP {status}", elapsed, body)
    return Answer(True, f"HTTP {status}", elapsed, body)


def misrouted(answer: Answer, service: str) -> str | None:
    """A JSON body that names another service means the route points elsewhere."""
    try:
        data = json.loads(answer.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(data, dict) and data.get("service") not in (None, service):
        return f"answered by {data.get('service')!r}, expected {service!r}"
    return None


def cmd_gateway(opts: argparse.Namespace) -> int:
    stack = load_stack(opts)
    gateway = stack.gateway
    if gateway is None:
        raise UsageError(
            f"this stack has no gateway service (labelled {ROLE_LABEL}: gateway); nothing to probe through"
        )
    if opts.base_url:
        base = opts.base_url.rstrip("/")
        parts = urllib.parse.urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(
                f"--base-url {opts.base_url!r}: expected http(s)://host[:port]"
            )
    else:
        base = default_base_url(stack, gateway)
    checks = [(gateway, base + stack.health_path(gateway))]
    for name in sorted(stack.services):
        if name != gateway:
            checks.append((name, base + stack.route(name) + stack.health_path(name)))
    log(
        f"probing {len(checks)} route(s) through {base} (timeout {opts.timeout:g}s each)"
    )
    rows = []
    failed = []
    for name, url in checks:
        answer = probe(url, opts.timeout)
        detail = answer.detail
        if answer.ok and name != gateway:
            wrong = misrouted(answer, name)
            if wrong:
                answer.ok, detail = False, wrong
        result = ("ok " if answer.ok else "FAILED: ") + detail
        rows.append([name, url, f"{answer.seconds * 1000:.0f} ms", result])
        if not answer.ok:
            failed.append(name)
    print(table(rows, ["SERVICE", "URL", "TIME", "RESULT"]))
    print(
        f"{len(checks) - len(failed)}/{len(checks)} route(s) answered through the gateway at {base}"
    )
    return 1 if failed else 0


# ----------------------------------------------------------------------------- main


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected seconds > 0, got {text!r}")
    return value


def at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of services, 1 or more (got {text!r})"
        )
    return value


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("which stack")
    where.add_argument(
        "-C",
        "--project-dir",
        metavar="DIR",
        help="project folder (default: the parent of scripts/)",
    )
    where.add_argument(
        "--env",
        metavar="ENV",
        help="environment: docker-compose.ENV.yml and .env.ENV (default: $BERTH_ENV or dev)",
    )
    where.add_argument(
        "-f",
        "--file",
        action="append",
        metavar="FILE",
        help="compose file (repeatable; replaces the --env choice)",
    )
    where.add_argument(
        "--env-file", metavar="FILE", help="compose --env-file (replaces .env.ENV)"
    )

    main = argparse.ArgumentParser(
        prog="verify-stack.py",
        description="Build, health-check and probe the stack on a real Docker engine (the standard's verification commands).",
        epilog="Exit codes: 0 ok, 1 a check failed, 2 usage or configuration error, 130 interrupted.",
    )
    sub = main.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build = sub.add_parser(
        "build",
        parents=[common],
        help="build every image (BuildKit) and check its size against 400 MB",
    )
    build.add_argument(
        "services",
        nargs="*",
        metavar="SERVICE",
        help="services to build (default: every service with a build section)",
    )
    build.add_argument(
        "--parallel",
        action="store_true",
        help="build all images concurrently in one Compose build",
    )
    build.add_argument(
        "--max-parallel",
        type=at_least_one,
        metavar="N",
        help="build in batches of at most N services, one Compose build each",
    )
    build.add_argument(
        "--no-cache", action="store_true", help="do not use the build cache"
    )
    build.add_argument(
        "--pull", action="store_true", help="pull newer base images first"
    )
    build.add_argument(
        "--log",
        metavar="FILE",
        help="build log (default: verify-stack-build-<project>.log in the temp folder)",
    )
    build.set_defaults(func=cmd_build)

    health = sub.add_parser(
        "health", parents=[common], help="state and health of every container"
    )
    mode = health.add_mutually_exclusive_group()
    mode.add_argument(
        "--watch", action="store_true", help="repeat until interrupted (Ctrl-C)"
    )
    mode.add_argument(
        "--wait",
        type=positive,
        metavar="S",
        help="poll until every container is healthy; fail after S seconds",
    )
    health.add_argument(
        "--interval",
        type=positive,
        default=10.0,
        metavar="S",
        help="seconds between checks (default 10)",
    )
    health.set_defaults(func=cmd_health)

    gateway = sub.add_parser(
        "gateway",
        parents=[common],
        help="every service's health route through the gateway",
    )
    gateway.add_argument(
        "--base-url", metavar="URL", help="gateway URL (default: its published port)"
    )
    gateway.add_argument(
        "--timeout",
        type=positive,
        default=10.0,
        metavar="S",
        help="seconds per request (default 10)",
    )
    gateway.set_defaults(func=cmd_gateway)
    images_parser(sub, common)
    return main


def main(argv: list[str]) -> int:
    opts = parser().parse_args(argv)
    try:
        return opts.func(opts)
    except UsageError as exc:
        log(str(exc))
        return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        sys.exit(130)
