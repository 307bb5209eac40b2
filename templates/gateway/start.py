#!/usr/bin/env python3
"""Start the gateway: fill the resolver and the upstream URLs into nginx's configuration, then
exec nginx.

The configuration template holds ${NAME_URL} placeholders and one ${RESOLVER} (comment lines are
left alone). Each URL comes from the environment (the .env file of each environment, through
Compose or the Kubernetes overlay's ConfigMap), so no URL or port is baked into the image; its
host is replaced by the resolver's canonical name for it. The resolver is the first nameserver of
/etc/resolv.conf: Docker's embedded DNS (127.0.0.11) on a Compose network, the cluster DNS in a
Kubernetes pod. nginx resolves upstream names per request but never applies resolv.conf's search
domains, so in a pod `auth-service` would not resolve while its canonical name
(`auth-service.<namespace>.svc.cluster.local`, found through the search domains) does; under
Compose the canonical name is the name itself. The entrypoint has already waited for every
service, so each name resolves here. A missing or malformed URL, or a name that does not resolve,
stops the start with a one-line reason instead of letting nginx start with a broken route. Runs
as the image's non-root user: everything nginx writes lives under /tmp/nginx.

GATEWAY_TEMPLATE and GATEWAY_RUNTIME_DIR move the template and the runtime folder (for tests).
"""

import ipaddress
import os
import re
import socket
import sys

TEMPLATE = os.environ.get("GATEWAY_TEMPLATE", "/etc/berth-gateway/nginx.conf.template")
RUNTIME_DIR = os.environ.get("GATEWAY_RUNTIME_DIR", "/tmp/nginx")
RESOLV_CONF = "/etc/resolv.conf"
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*_URL|RESOLVER)\}")
URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def fail(message: str) -> None:
    print(f"gateway-start: {message}", file=sys.stderr)
    sys.exit(1)


def nameserver(resolv_conf: str) -> str:
    """The first nameserver of a resolv.conf, as nginx's `resolver` takes it (IPv6 in brackets)."""
    for line in resolv_conf.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "nameserver":
            address = fields[1].split("%", 1)[0]
            return f"[{address}]" if ":" in address else address
    fail(f"no nameserver in {RESOLV_CONF}: nginx needs one to find the services")
    return ""


def canonical(url: str) -> str:
    """The URL (already checked against URL) with its host replaced by the resolver's canonical
    name for it (search domains applied); an IP address stays as it is."""
    scheme, rest = url.split("://", 1)
    host, _, port = rest.partition(":")
    try:
        ipaddress.ip_address(host)
        return url
    except ValueError:
        pass
    port = port or ("443" if scheme == "https" else "80")
    try:
        info = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_CANONNAME
        )
    except OSError as exc:
        fail(f"cannot resolve {host} (from {url}): {exc}")
    name = info[0][3].rstrip(".") or host
    return url.replace(f"//{host}", f"//{name}", 1)


def render(template: str, env: dict[str, str], resolver: str, canon=canonical) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "RESOLVER":
            return resolver
        url = env.get(name, "").rstrip("/")
        if not url:
            fail(f"{name} is not set; set it in the .env file of this environment")
        if not URL.match(url):
            fail(f"{name}={url!r} is not a URL like http://host:port")
        return canon(url)

    # Comment lines are copied as they are: they may mention the ${NAME_URL} syntax itself.
    return "".join(
        line if line.lstrip().startswith("#") else PLACEHOLDER.sub(value, line)
        for line in template.splitlines(keepends=True)
    )


def main() -> None:
    with open(RESOLV_CONF, encoding="utf-8") as f:
        resolver = nameserver(f.read())
    with open(TEMPLATE, encoding="utf-8") as f:
        config = render(f.read(), dict(os.environ), resolver)
    for sub in ("", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(RUNTIME_DIR, sub), exist_ok=True)
    path = os.path.join(RUNTIME_DIR, "nginx.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(config)
    os.execvp("nginx", ["nginx", "-e", "stderr", "-c", path, "-g", "daemon off;"])


if __name__ == "__main__":
    main()
