#!/usr/bin/env python3
"""A stand-in `docker` CLI for the tests of scripts/verify-stack.py: no daemon needed.

`docker compose ... config ...` runs the real Docker Compose v2 binary ($FAKE_COMPOSE), which
needs no daemon for that, so the script reads the configuration berth really renders. Every
other call is answered from the scenario in $FAKE_DOCKER_SCENARIO (a JSON file):

    compose_version   what `compose version --short` prints ("" -> exit 1: no Compose v2)
    ps                the container list `compose ps --format json` prints (one JSON per line)
    sizes             image -> size in bytes for `image inspect` (missing -> exit 1)
    build_fail        services whose `compose build` fails
    health_log        container -> the last health check's output for `inspect`
    saves             image -> a tar file that `image save IMAGE` prints (missing -> exit 1)
    history           image -> the text `history IMAGE` prints (missing -> exit 1)

Each call's arguments are appended, one JSON array per line, to $FAKE_DOCKER_LOG.
"""

import json
import os
import sys


def main(argv: list[str]) -> int:
    with open(os.environ["FAKE_DOCKER_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(argv) + "\n")
    with open(os.environ["FAKE_DOCKER_SCENARIO"], encoding="utf-8") as f:
        scenario = json.load(f)
    if argv[:1] == ["compose"]:
        return compose(argv[1:], scenario)
    if argv[:2] == ["image", "inspect"]:
        size = scenario.get("sizes", {}).get(argv[-1])
        if size is None:
            print(f"Error: No such image: {argv[-1]}", file=sys.stderr)
            return 1
        print(size)
        return 0
    if argv[:2] == ["image", "save"] or argv[:1] == ["history"]:
        return saved(argv, scenario)
    if argv[:1] == ["inspect"]:
        output = scenario.get("health_log", {}).get(argv[-1], "")
        print(json.dumps({"Status": "unhealthy", "Log": [{"Output": output}]}))
        return 0
    print(f"fake docker: unexpected call {argv}", file=sys.stderr)
    return 99


def saved(argv: list[str], scenario: dict) -> int:
    """`image save IMAGE` (the tar, byte for byte) and `history IMAGE` (the text)."""
    image = argv[-1]
    table = scenario.get("saves" if argv[0] == "image" else "history", {})
    if image not in table:
        print(f"Error response from daemon: No such image: {image}", file=sys.stderr)
        return 1
    if argv[0] == "history":
        print(table[image], end="")
        return 0
    with open(table[image], "rb") as f:
        sys.stdout.buffer.write(f.read())
    return 0


def compose(args: list[str], scenario: dict) -> int:
    if args[:2] == ["version", "--short"]:
        version = scenario.get("compose_version", "2.40.3")
        if not version:
            return 1
        print(version)
        return 0
    if "config" in args:
        os.execv(os.environ["FAKE_COMPOSE"], [os.environ["FAKE_COMPOSE"], *args])
    if "ps" in args:
        for item in scenario.get("ps", []):
            print(json.dumps(item))
        return 0
    if "build" in args:
        targets = args[args.index("build") + 1 :]
        failing = [t for t in targets if t in scenario.get("build_fail", [])]
        print(f"building {' '.join(targets)}")
        return 1 if failing else 0
    print(f"fake docker: unexpected compose call {args}", file=sys.stderr)
    return 99


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
