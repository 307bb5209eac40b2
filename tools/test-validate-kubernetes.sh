#!/usr/bin/env bash
# test-validate-kubernetes.sh - show that tools/validate-kubernetes.sh can fail: run it on a tree
# berth rendered for the mvp preset with Kubernetes enabled (tools/kubernetes-trees.sh's OUTDIR/mvp:
# must pass) and on copies of it broken one way each (must fail with the right check named, or
# exit 2 for a bad skip list).
#
# Usage: test-validate-kubernetes.sh TOOLDIR TREE   (TOOLDIR: the validators, as for validate-kubernetes.sh)
# Prints one PASS/FAIL line per case, then "N passed, N failed"; exit 1 on a failure.
set -u
set -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -eq 2 ] || { echo "usage: $0 TOOLDIR TREE" >&2; exit 2; }
TOOLDIR="$1"
REFERENCE="$(cd "$2" && pwd)"
[ -f "$REFERENCE/deploy/kubernetes/overlays/prod/kustomization.yaml" ] || { echo "no prod overlay in $2" >&2; exit 2; }
VALIDATE="$HERE/validate-kubernetes.sh"
SKIPS="$HERE/checkov-kubernetes-skips.txt"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
PASS=0; FAIL=0
# One overlay and one Kubernetes version keep each case short; the full run covers the rest.
export KUBERNETES_VERSIONS=1.37.0

# fresh: a copy of the tree's Kubernetes folder with the prod overlay only
fresh() {
  rm -rf "$TMP/tree" && mkdir -p "$TMP/tree" && cp -r "$REFERENCE/deploy" "$TMP/tree/deploy"
  rm -rf "$TMP/tree/deploy/kubernetes/overlays/dev" "$TMP/tree/deploy/kubernetes/overlays/staging"
}
K="$TMP/tree/deploy/kubernetes"

# expect NAME WANT_RC WANT_LINE [validate args...]: run the validator, compare exit code and output
expect() {
  local name="$1" want_rc="$2" want_line="$3"; shift 3
  "$@" >"$TMP/out" 2>&1; local rc=$?
  if [ "$rc" -eq "$want_rc" ] && { [ -z "$want_line" ] || grep -qE "$want_line" "$TMP/out"; }; then
    PASS=$((PASS + 1)); printf 'PASS %-28s exit %s%s\n' "$name" "$rc" "${want_line:+, /$want_line/}"
  else
    FAIL=$((FAIL + 1)); printf 'FAIL %-28s exit %s (want %s%s)\n' "$name" "$rc" "$want_rc" "${want_line:+, /$want_line/}"
    sed 's/^/    | /' "$TMP/out" | head -n 40
  fi
}
run() { bash "$VALIDATE" -q -v "$TOOLDIR" "$@" "$TMP/tree"; }

fresh
expect rendered-tree-passes 0 '^validate-kubernetes: [0-9]+ passed, 0 failed$' run

fresh
sed -i 's/^          imagePullPolicy: Always$/&\n          imagePullPolicyy: Always/' "$K/base/services/auth-service/deployment.yaml"
expect strict-unknown-field 1 '^FAIL kubernetes-validate +overlays/prod' run

fresh
sed -i 's#^apiVersion: policy/v1$#apiVersion: policy/v1beta1#' "$K/overlays/prod/services/auth-service/pod-disruption-budget.yaml"
expect kind-without-schema 1 '^FAIL kubernetes-validate +overlays/prod \(26/27' run

fresh
sed -i 's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' "$K/base/services/creator-hub/deployment.yaml"
expect writable-root-filesystem 1 '^FAIL checkov-kubernetes +overlays/prod .* failed CKV_K8S_22 x1;' run

fresh
sed -i 's/newTag: "0.1.0"/newTag: "latest"/' "$K/overlays/prod/kustomization.yaml"
expect latest-image-tag 1 '^FAIL checkov-kubernetes +overlays/prod .* failed CKV_K8S_14 x5;' run

fresh
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\nstringData:\n  SECRET_KEY: not-so-secret\n' >"$K/overlays/prod/secret.yaml"
sed -i 's#^  - namespace.yaml$#&\n  - secret.yaml#' "$K/overlays/prod/kustomization.yaml"
expect rendered-secret 1 '^FAIL no-secret-objects +overlays/prod' run

fresh
sed -i 's#^  - gateway/ingress.yaml$#&\n  - gateway/missing.yaml#' "$K/base/kustomization.yaml"
expect kustomize-build-error 1 '^FAIL kustomize-build +overlays/prod' run

fresh
cp "$SKIPS" "$TMP/stale.txt"; echo 'CKV_K8S_22  not needed: the root filesystem is read-only' >>"$TMP/stale.txt"
expect stale-skip 1 '^FAIL checkov-skips +stale: CKV_K8S_22' run -s "$TMP/stale.txt"

fresh
grep -v '^CKV_K8S_43' "$SKIPS" >"$TMP/fewer.txt"
expect unlisted-failure 1 '^FAIL checkov-kubernetes +overlays/prod .* failed CKV_K8S_43 x5;' run -s "$TMP/fewer.txt"

cp "$SKIPS" "$TMP/noreason.txt"; echo 'CKV_K8S_22' >>"$TMP/noreason.txt"
expect skip-without-reason 2 "expected 'CKV_K8S_<n>  reason'" run -s "$TMP/noreason.txt"

cp "$SKIPS" "$TMP/wildcard.txt"; echo 'CKV_K8S_*  everything' >>"$TMP/wildcard.txt"
expect wildcard-skip 2 "expected 'CKV_K8S_<n>  reason'" run -s "$TMP/wildcard.txt"

fresh
mkdir -p "$TMP/empty/bin"
expect missing-tools 1 '^FAIL (kubernetes-validate|checkov) ' \
  env PATH=/usr/bin:/bin bash "$VALIDATE" -q -v "$TMP/empty" "$TMP/tree"

echo "test-validate-kubernetes: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
