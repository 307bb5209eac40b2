#!/usr/bin/env bash
# check-kubernetes.sh - every proof of the Kubernetes rendering (issue 14) in one run, on trees
# berth renders (tools/kubernetes-trees.sh: the mvp preset, and a minimal project without gateway
# with infrastructure, a WebSocket and a worker service, custom namespace, replicas, resources):
# each validated by the third-party validators (Kustomize build, strict kubernetes-validate,
# checkov with the reasoned skips; the shared validate-tree.sh), the validator shown able to
# fail, .env values shown to reach a container identically under Compose and Kubernetes, and
# every container's environment shown equal under both engines.
#
# Usage: check-kubernetes.sh [--record] [BERTH]
#   BERTH     a berth binary (default: target/release/berth, else target/debug/berth)
# Kustomize v5: tools/install-kustomize.sh (the machine image's kubectl, else a pinned one).
#   --record  also write the transcript to docs/kubernetes-proof.txt and the summary lines into
#             the marked block of docs/kubernetes.md (so no figure there is typed by hand)
# Validators: tools/install-validators.sh into ${BERTH_VALIDATORS:-$HOME/.cache/berth-validators}.
# Exit status: 0 every step passed, 1 a step failed, 2 usage error.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT="$PWD"
RECORD=0
[ "${1:-}" = "--record" ] && { RECORD=1; shift; }
[ $# -le 1 ] || { echo "usage: $0 [--record] [BERTH]" >&2; exit 2; }
BERTH="${1:-}"
if [ -z "$BERTH" ]; then
  for b in "${CARGO_TARGET_DIR:-$ROOT/target}"/{release,debug}/berth; do [ -x "$b" ] && { BERTH="$b"; break; }; done
fi
[ -n "$BERTH" ] && [ -x "$BERTH" ] || { echo "no berth binary: build one (cargo build) or pass its path" >&2; exit 2; }
VALIDATORS="${BERTH_VALIDATORS:-$HOME/.cache/berth-validators}"
SHARED="$ROOT/../shared"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
LOG="$TMP/transcript"; SUMMARY="$TMP/summary"; : >"$SUMMARY"
FAILED=0

# step NAME CMD...: run CMD, keep its output (paths made relative), note its last line
step() {
  local name="$1"; shift
  printf '\n$ %s\n' "$*" | sed -e "s#$ROOT/##g" -e "s#$TMP#\$TMP#g" -e "s#$HOME#~#g"
  "$@" 2>&1 | sed -e "s#$ROOT/##g" -e "s#$ROOT#.#g" -e "s#$TMP#\$TMP#g" -e "s#/tmp/tmp\.[A-Za-z0-9]*#\$TMPDIR#g" -e "s#$HOME#~#g" >"$TMP/step"
  local rc=${PIPESTATUS[0]}
  cat "$TMP/step"
  printf '%-26s %s (exit %s)\n' "$name" "$(tail -n 1 "$TMP/step")" "$rc" >>"$SUMMARY"
}

bash tools/install-validators.sh "$VALIDATORS" || exit 1
KUBECTL="$(bash tools/install-kustomize.sh "$VALIDATORS" | tail -n 1)" || exit 1
PATH="$(dirname "$KUBECTL"):$PATH"; export PATH
bash tools/kubernetes-trees.sh "$BERTH" "$TMP/trees" >/dev/null || exit 1
{
  for shape in mvp shop; do
    step "validate-kubernetes/$shape" bash tools/validate-kubernetes.sh -v "$VALIDATORS" "$TMP/trees/$shape"
  done
  step test-validate-kubernetes bash tools/test-validate-kubernetes.sh "$VALIDATORS" "$TMP/trees/mvp"
  step prove-env-configmap "$VALIDATORS/bin/python" tools/prove-env-configmap.py --berth "$BERTH"
  for shape in mvp shop; do
    step "compare-container-env/$shape" "$VALIDATORS/bin/python" tools/compare-container-env.py "$TMP/trees/$shape" "$TMP/trees/$shape"
  done
  for shape in mvp shop; do
    if [ -f "$SHARED/tools/validate-tree.sh" ]; then
      step "validate-tree/$shape" env REQUIRE_TOOLS=1 RUFF_FORMAT=1 bash "$SHARED/tools/validate-tree.sh" -q -v "$VALIDATORS" "$TMP/trees/$shape"
    else
      echo "FAIL validate-tree: $SHARED/tools/validate-tree.sh not found" | tee -a "$SUMMARY"
    fi
  done
  printf '\n==== summary\n'; cat "$SUMMARY"
} 2>&1 | tee "$LOG"
# (the block above ran in a pipeline's subshell: its verdict is read back from the summary)
grep -qE ' \(exit [1-9][0-9]*\)$|^FAIL' "$SUMMARY" && FAILED=1

if [ "$RECORD" = 1 ]; then
  cp "$LOG" docs/kubernetes-proof.txt
  python3 - docs/kubernetes.md "$SUMMARY" <<'PY'
import sys
doc, summary = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
text = open(doc, encoding="utf-8").read()
begin, end = "<!-- check-kubernetes:begin -->\n", "<!-- check-kubernetes:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
block = "```\n" + summary + "```\n"
open(doc, "w", encoding="utf-8").write(head + begin + block + end + tail)
PY
  echo "recorded: docs/kubernetes-proof.txt, summary block of docs/kubernetes.md"
fi
[ "$FAILED" -eq 0 ]
