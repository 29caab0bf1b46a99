#!/usr/bin/env bash
# make coverage: runs the tests against the coverage build (build/coverage,
# made by `make COVERAGE=1`), then reports line and branch coverage of
# common/, echo/ and httpd/ with gcovr: one row per file and the total, on
# stdout and in build/coverage/coverage.txt; line by line in
# build/coverage/html/index.html.
#   tests/coverage.sh FILE.bats...     (plus build/coverage/unit/unit.bats)
#   tests/coverage.sh report           only the report, from earlier runs
# Exit status: that of the tests (the report is written either way).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cov=$repo/build/coverage
cd "$repo" || exit 1
command -v gcovr >/dev/null || { echo "coverage: gcovr is not installed (tools/deps.sh --test installs it)" >&2; exit 1; }

status=0
if [ "${1:-}" = report ]; then
	shift
else
	find "$cov" -name '*.gcda' -delete
	start=$SECONDS
	# Servers write their counters when they exit: tests/helpers.bash
	# stops what a test leaves running with SIGTERM before SIGKILL.
	TEARDOWN_GRACE=10 ECHO_BIN=$cov/socket-activate-echo \
		HTTPD_BIN=$cov/socket-activate-httpd BUILD_DIR=$cov \
		"$here/run" "$@" "$cov/unit/unit.bats" || status=$?
	echo "coverage: tests ran in $((SECONDS - start)) s"
fi

mkdir -p "$cov/html"
gcovr -r "$repo" --object-directory "$cov" \
	--filter 'common/' --filter 'echo/' --filter 'httpd/' \
	--json-summary "$cov/summary.json" \
	--txt "$cov/lines.txt" \
	--html-details "$cov/html/index.html" || exit 1
python3 - "$cov/summary.json" <<'PY' | tee "$cov/coverage.txt"
import glob, json, sys
s = json.load(open(sys.argv[1]))
rows = {f["filename"]: f for f in s["files"]}
# A source file no test ran has no counters at all: it counts as 0 %.
missing = sorted(p for d in ("common", "echo", "httpd")
                 for p in glob.glob(d + "/*.c") if p not in rows)
def pct(a, b):
    return "%5.1f%%" % (100.0 * a / b) if b else "    - "
print("%-22s %17s %17s" % ("file", "lines", "branches"))
for name in sorted(rows):
    f = rows[name]
    print("%-22s %5d/%-5d %s %5d/%-5d %s" % (
        name, f["line_covered"], f["line_total"],
        pct(f["line_covered"], f["line_total"]),
        f["branch_covered"], f["branch_total"],
        pct(f["branch_covered"], f["branch_total"])))
for name in missing:
    print("%-22s not run by any test" % name)
lc, lt = s["line_covered"], s["line_total"]
bc, bt = s["branch_covered"], s["branch_total"]
print("%-22s %5d/%-5d %s %5d/%-5d %s" % ("TOTAL", lc, lt, pct(lc, lt), bc, bt, pct(bc, bt)))
ok_l = lt and 100.0 * lc / lt >= 90 and not missing
ok_b = bt and 100.0 * bc / bt >= 75 and not missing
print("goal: lines >= 90%%: %s; branches >= 75%%: %s" % (
    "met" if ok_l else "NOT met", "met" if ok_b else "NOT met"))
PY
echo "coverage: line by line in build/coverage/html/index.html; uncovered lines per file in build/coverage/lines.txt"
exit "$status"
