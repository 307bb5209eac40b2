#!/usr/bin/env bash
# validate-kubernetes.sh - prove a generated Kustomize tree with third-party validators: build
# every overlay, validate every built object strictly against the Kubernetes schemas, and run
# checkov's Kubernetes checks on what was built. One PASS/FAIL line per check.
#
# Usage: validate-kubernetes.sh [-v TOOLDIR]... [-s SKIPS] [-q] TREE
#
#   TREE        a project tree with deploy/kubernetes/overlays/<env>/kustomization.yaml
#   -v TOOLDIR  a venv from tools/install-validators.sh (its bin/ is searched before PATH);
#               repeatable; default: ${BERTH_VALIDATORS:-$HOME/.cache/berth-validators}
#   -s SKIPS    checkov skip list (default: checkov-kubernetes-skips.txt beside this script):
#               one `CKV_K8S_N  reason` per line, # comments; an entry without a reason or
#               with a wildcard is a usage error
#   -q          do not print tool output under FAIL lines
#
# Environment: KUBERNETES_VERSIONS="1.35.0 1.36.0 1.37.0" (the default: the three minor releases
# upstream supports, all within the pinned kubernetes-validate 1.37.0's schemas; each overlay is
# validated against each), KUSTOMIZE=/path/to/kustomize (force a standalone binary).
#
# Checks, per overlay:
#   kustomize-build      `kustomize build` (or `kubectl kustomize`) succeeds; the output is kept
#   no-secret-objects    the build holds no Secret: secrets are referenced, never rendered
#   kubernetes-validate  `kubernetes-validate --strict -k VERSION` passes every object, and every
#                        object was really checked (a kind without a schema only WARNs there,
#                        which counts as a failure here)
#   checkov-kubernetes   `checkov --framework kubernetes` on the built output: every failed check
#                        must be listed in SKIPS
# and once: checkov-skips (every listed skip still fails somewhere; a stale one must go).
#
# Kustomize: a standalone `kustomize` v5 (KUSTOMIZE, or on PATH/TOOLDIR) wins, else
# `kubectl kustomize`; either must be Kustomize v5 (v2/v3, as in Debian's kubernetes-client
# 1.20, lack `labels:` and more). berth's CI machine image ships /usr/bin/kubectl with Kustomize
# v5 embedded. Where it is missing, .ci/run would install a pinned standalone kustomize from the
# Go module proxy (kustomize is a Go module) into the validators' folder:
#   GOBIN="$BERTH_VALIDATORS/bin" go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0
# which needs a Go toolchain newer than Debian bookworm's golang-go 1.19 (untested here: this
# machine has kubectl and no Go). No registry this project reaches ships a kustomize binary.
#
# A missing tool is a failure, never a skip. Needs no cluster and no network (checkov runs with
# --skip-download). Exit status: 0 every check passed, 1 a check failed, 2 usage error.

set -u
set -o pipefail

TOOLDIRS=()
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKIPS_FILE="$SCRIPT_DIR/checkov-kubernetes-skips.txt"
QUIET=0
usage() { echo "usage: $0 [-v TOOLDIR]... [-s SKIPS] [-q] TREE" >&2; exit 2; }
while getopts ":v:s:qh" opt; do
  case "$opt" in
    v) TOOLDIRS+=("$OPTARG") ;;
    s) SKIPS_FILE="$OPTARG" ;;
    q) QUIET=1 ;;
    h) sed -n '2,41p' "$0"; exit 0 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
ROOT="$(cd "$1" 2>/dev/null && pwd)" || { echo "not a directory: $1" >&2; exit 2; }
[ ${#TOOLDIRS[@]} -gt 0 ] || TOOLDIRS=("${BERTH_VALIDATORS:-$HOME/.cache/berth-validators}")
for d in "${TOOLDIRS[@]}"; do [ -d "$d/bin" ] && PATH="$(cd "$d/bin" && pwd):$PATH"; done
export PATH NO_COLOR=1
read -r -a VERSIONS <<<"${KUBERNETES_VERSIONS:-1.35.0 1.36.0 1.37.0}"

# ---------------------------------------------------------------- the skip list
# "ID reason" lines -> SKIP_IDS; anything else is a usage error, so a skip cannot lose its reason.
SKIP_IDS=()
[ -f "$SKIPS_FILE" ] || { echo "checkov skip list not found: $SKIPS_FILE" >&2; exit 2; }
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  case "$line" in '' | '#'*) continue ;; esac
  if [[ "$line" =~ ^(CKV2?_K8S_[0-9]+)[[:space:]]+([^[:space:]].*)$ ]]; then
    SKIP_IDS+=("${BASH_REMATCH[1]}")
  else
    echo "$SKIPS_FILE:$lineno: expected 'CKV_K8S_<n>  reason', got: $line" >&2
    exit 2
  fi
done <"$SKIPS_FILE"

PASS=0; FAIL=0
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
OUT="$TMP/out"
detail() { [ "$QUIET" = 1 ] && return; [ -s "$OUT" ] && sed 's/^/    | /' "$OUT" | head -n 60; }
pass() { PASS=$((PASS + 1)); printf 'PASS %-20s %s\n' "$1" "$2"; }
fail() { FAIL=$((FAIL + 1)); printf 'FAIL %-20s %s\n' "$1" "$2"; detail; }
finish() {
  echo "validate-kubernetes: $PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ] && exit 0
  exit 1
}

# ---------------------------------------------------------------- tools
# Kustomize: standalone v5, else kubectl's embedded one (must be v5 too).
KUSTOMIZE_CMD=()
if K="${KUSTOMIZE:-$(command -v kustomize)}" && [ -n "$K" ]; then
  kv="$("$K" version 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -1)"
  [[ "$kv" == v5.* ]] && KUSTOMIZE_CMD=("$K" build) && KUSTOMIZE_DESC="$K (Kustomize $kv)"
fi
if [ ${#KUSTOMIZE_CMD[@]} -eq 0 ] && KC="$(command -v kubectl)"; then
  kv="$("$KC" version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p')"
  [[ "$kv" == v5.* ]] && KUSTOMIZE_CMD=("$KC" kustomize) && KUSTOMIZE_DESC="$KC (Kustomize $kv)"
fi
KV="$(command -v kubernetes-validate)"
CK="$(command -v checkov)"
# The python that runs kubernetes-validate has PyYAML (its dependency): it counts the objects.
PY=""; [ -n "$KV" ] && PY="$(head -1 "$KV" | sed 's/^#!//')"

mapfile -t OVERLAYS < <(find "$ROOT/deploy/kubernetes/overlays" -mindepth 2 -maxdepth 2 \
  -name kustomization.yaml 2>/dev/null | LC_ALL=C sort | xargs -r -n1 dirname)
echo "validate-kubernetes: $ROOT (${#OVERLAYS[@]} overlay(s))"
echo "  kustomize: ${KUSTOMIZE_DESC:-none}"
echo "  kubernetes-validate: ${KV:+$("$KV" --version)} --strict, Kubernetes ${VERSIONS[*]}"
echo "  checkov: ${CK:+$("$CK" --version)}; allowed failures from $(basename "$SKIPS_FILE"): ${SKIP_IDS[*]:-none}"

[ ${#KUSTOMIZE_CMD[@]} -gt 0 ] || fail kustomize "(no Kustomize v5: neither a kustomize v5 nor kubectl with Kustomize v5 found)"
[ -n "$KV" ] || fail kubernetes-validate "(kubernetes-validate not found: run tools/install-validators.sh)"
[ -n "$CK" ] || fail checkov "(checkov not found: run tools/install-validators.sh)"
[ ${#OVERLAYS[@]} -gt 0 ] || fail overlays "(no deploy/kubernetes/overlays/*/kustomization.yaml under $ROOT)"
[ "$FAIL" -eq 0 ] || finish

# ---------------------------------------------------------------- per overlay
# count_kinds FILE: "N objects: Kind n, ..." (non-zero exit when FILE is not YAML).
count_kinds() {
  "$PY" - "$1" <<'PY'
import collections, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1], encoding="utf-8")) if d]
kinds = collections.Counter(d.get("kind", "?") for d in docs)
print(f"{len(docs)} objects: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
PY
}

# checkov_verdict JSON SEEN_FILE SKIP_ID...: PASS when every failed check is a listed skip;
# appends the IDs of the skips that did fail to SEEN_FILE (for the stale-skip check).
checkov_verdict() {
  python3 - "$@" <<'PY'
import collections, json, sys
report, seen_path, skips = sys.argv[1], sys.argv[2], set(sys.argv[3:])
data = json.load(open(report, encoding="utf-8"))
data = data[0] if isinstance(data, list) else data
summary = data.get("summary", {})
failed = data.get("results", {}).get("failed_checks", [])
allowed = collections.Counter(f["check_id"] for f in failed if f["check_id"] in skips)
other = [f for f in failed if f["check_id"] not in skips]
with open(seen_path, "a", encoding="utf-8") as seen:
    seen.writelines(f"{c}\n" for c in allowed)
note = ", ".join(f"{c} x{n}" for c, n in sorted(allowed.items())) or "none"
unlisted = collections.Counter(f["check_id"] for f in other)
bad = "".join(f" {c} x{n}" for c, n in sorted(unlisted.items()))
print(f"{summary.get('passed', 0)} passed, {len(other)} failed{bad}; allowed by the skips: {note}")
for f in other:
    print(f"  {f['check_id']} {f['check_name']}: {f['resource']}")
if summary.get("passed", 0) == 0:
    print("  checkov ran no check: nothing Kubernetes in the build?")
sys.exit(1 if other or summary.get("passed", 0) == 0 else 0)
PY
}

SEEN="$TMP/skips-seen"; : >"$SEEN"
for dir in "${OVERLAYS[@]}"; do
  env="$(basename "$dir")"; label="overlays/$env"
  built="$TMP/$env.yaml"
  if ! "${KUSTOMIZE_CMD[@]}" "$dir" >"$built" 2>"$OUT"; then fail kustomize-build "$label"; continue; fi
  if kinds="$(count_kinds "$built" 2>"$OUT")"; then pass kustomize-build "$label ($kinds)"
  else fail kustomize-build "$label (output is not YAML)"; continue; fi
  if grep -q '^kind: Secret$' "$built"; then : >"$OUT"; fail no-secret-objects "$label (a Secret is rendered)"
  else pass no-secret-objects "$label"; fi

  objects="${kinds%% *}"
  for v in "${VERSIONS[@]}"; do
    "$KV" --strict -k "$v" "$built" >"$OUT" 2>&1; rc=$?
    ok="$(grep -c '^INFO .* passed for resource' "$OUT")"
    if [ "$rc" -eq 0 ] && ! grep -q '^WARN' "$OUT" && [ "$ok" -eq "$objects" ]; then
      pass kubernetes-validate "$label ($ok/$objects objects, Kubernetes $v, strict)"
    else
      grep -v '^INFO' "$OUT" >"$OUT.x"; mv "$OUT.x" "$OUT"
      fail kubernetes-validate "$label ($ok/$objects objects passed, Kubernetes $v, strict)"
    fi
  done

  ckdir="$TMP/checkov-$env"; mkdir -p "$ckdir"; cp "$built" "$ckdir/$env.yaml"
  (cd "$ckdir" && "$CK" -f "$env.yaml" --framework kubernetes --skip-download --compact --quiet \
    -o json >"$TMP/checkov-$env.json" 2>"$OUT")
  if verdict="$(checkov_verdict "$TMP/checkov-$env.json" "$SEEN" "${SKIP_IDS[@]}" 2>>"$OUT")"; then
    pass checkov-kubernetes "$label (${verdict%%$'\n'*})"
  else
    printf '%s\n' "$verdict" >>"$OUT"; fail checkov-kubernetes "$label (${verdict%%$'\n'*})"
  fi
done

stale=()
for id in "${SKIP_IDS[@]}"; do grep -qx "$id" "$SEEN" || stale+=("$id"); done
: >"$OUT"
if [ ${#stale[@]} -eq 0 ]; then pass checkov-skips "every listed skip still fails somewhere (${SKIP_IDS[*]:-none listed})"
else fail checkov-skips "stale: ${stale[*]} no longer fail(s) anywhere; remove from $(basename "$SKIPS_FILE")"; fi

finish
