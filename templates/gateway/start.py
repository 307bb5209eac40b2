#!/usr/bin/env python3
"""Start the gateway: fill the upstream URLs into nginx's configuration, then exec nginx.

The configuration template holds ${NAME_URL} placeholders (comment lines are left alone);
their values come from the environment (the .env file of each environment, through Compose),
so no URL or port is baked into the image. A missing or malformed URL stops the start with a
one-line reason instead of letting nginx start with a broken route. Runs as the image's
non-root user: everything nginx writes lives under /tmp/nginx.
"""

import os
import re
import sys

TEMPLATE = "/etc/berth-gateway/nginx.conf.template"
RUNTIME_DIR = "/tmp/nginx"
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*_URL)\}")
URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def fail(message: str) -> None:
    print(f"gateway-start: {message}", file=sys.stderr)
    sys.exit(1)


def render(template: str, env: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        url = env.get(name, "").rstrip("/")
        if not url:
            fail(f"{name} is not set; set it in the .env file of this environment")
        if not URL.match(url):
            fail(f"{name}={url!r} is not a URL like http://host:port")
        return url

    # Comment lines are copied as they are: they may mention the ${NAME_URL} syntax itself.
    return "".join(
        line if line.lstrip().startswith("#") else PLACEHOLDER.sub(value, line)
        for line in template.splitlines(keepends=True)
    )


def main() -> None:
    with open(TEMPLATE, encoding="utf-8") as f:
        config = render(f.read(), dict(os.environ))
    for sub in ("", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(RUNTIME_DIR, sub), exist_ok=True)
    path = os.path.join(RUNTIME_DIR, "nginx.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(config)
    os.execvp("nginx", ["nginx", "-e", "stderr", "-c", path, "-g", "daemon off;"])


if __name__ == "__main__":
    main()
