# shellcheck shell=bash disable=SC2034 # state shared with run.sh, which sources this file
# The "scan" step of tests/e2e/run.sh (sourced by it), from issue 19: `berth scan --images` reads
# the Python distributions installed in every built image of the project (from `docker image
# save`'s layers, without running the image) and checks them against the PyPA advisory database
# read in place from ../shared (E2E_ADVISORY_DB elsewhere); NOT RUN when it is absent. The
# targets are the services (`--images`: each service's image; the gateway installs no requirements).
#
# The snapshot is a fixed copy, always older than the default --max-age: the step first expects
# berth to refuse it as stale (exit 2) and takes the --max-age berth's refusal names, so no age
# is typed here. Then every image must be read (exit 0 or 1, never 2), each service image must
# list its transitive dependencies that requirements.txt does not pin (starlette, pydantic-core:
# what only an image scan can see), and every finding is listed in the check line.

SCAN_DB=${E2E_ADVISORY_DB:-$ROOT/../shared/advisories/pypa-advisory-database}

step_scan() {
    if [[ ! -d $SCAN_DB ]]; then
        check_not_run "scan --images" "no advisory database at $SCAN_DB (set E2E_ADVISORY_DB)"
        return 0
    fi
    local rc=0 age
    "$BERTH" "${BERTH_ARGS[@]}" -C "$P" scan --images --db "$SCAN_DB" >"$LOGS/scan-stale.txt" 2>&1 || rc=$?
    [[ $rc -eq 2 ]] || die "berth scan accepted the snapshot without --max-age (exit $rc, log: $LOGS/scan-stale.txt)"
    age=$(sed -n 's/.*explicitly with --max-age \([0-9]*d\).*/\1/p' "$LOGS/scan-stale.txt" | head -n 1)
    [[ -n $age ]] || die "berth scan's stale refusal names no --max-age (log: $LOGS/scan-stale.txt)"
    rc=0
    "$BERTH" "${BERTH_ARGS[@]}" -C "$P" scan --images --db "$SCAN_DB" --max-age "$age" --format json \
        >"$LOGS/scan.json" 2>"$LOGS/scan.err" || rc=$?
    [[ $rc -le 1 ]] || {
        show_tail "$LOGS/scan.err"
        die "berth scan --images could not read every image (exit $rc)"
    }
    local verdict
    verdict=$(python3 - "$LOGS/scan.json" "${SERVICES[@]}" <<'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
services = [s for s in sys.argv[2:] if s != "gateway"]  # the gateway has no requirements
targets = {t["name"]: {c["name"].lower().replace("_", "-") for c in t["checked"]} for t in report["targets"]}
missing = [s for s in services if s not in targets]
if missing:
    sys.exit(f"FAIL no target for {', '.join(missing)} in the report")
shallow = [s for s in services if not {"starlette", "pydantic-core", "fastapi"} <= targets[s]]
if shallow:
    sys.exit(f"FAIL no transitive dependencies (starlette, pydantic-core) listed for {', '.join(shallow)}")
findings = sorted({f"{f['id']} {f['package']} {f['version']}" for f in report["findings"]})
sizes = "/".join(str(len(targets[s])) for s in services)
print(f"{len(services)} images read without running them ({sizes} distributions, transitive ones included); "
      + (f"findings: {'; '.join(findings)}" if findings else "no finding"))
PY
    ) || die "scan --images: ${verdict:-the report could not be read} (report: $LOGS/scan.json)"
    check_pass "scan --images" "$verdict (database age accepted: $age)"
}
