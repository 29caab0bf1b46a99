#!/usr/bin/env bash
# Runs one libFuzzer target for a while and says what it did:
#   tests/fuzz/run.sh NAME SECONDS [LIBFUZZER-OPTION...]
# from the committed seeds (tests/fuzz/corpus/NAME, never written) and the
# corpus it grew before (build/fuzz/corpus-NAME, where new inputs go), with
# its dictionary (tests/fuzz/http.dict, or addr.dict for addr). The whole
# libFuzzer output goes to build/fuzz/NAME.log; the summary line says how
# many inputs ran, the coverage at the start and the end (libFuzzer's
# "cov", edges, and "ft", features), and how many new inputs were kept.
# A crash, leak or invariant violation leaves its input in
# build/fuzz/NAME-crash-* (or -leak-, -timeout-, -oom-) and exits 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
name=$1 seconds=$2
shift 2
fz=$repo/build/fuzz
dict=$here/http.dict
[ "$name" != addr ] || dict=$here/addr.dict
mkdir -p "$fz/corpus-$name" "$fz/tmp"
log=$fz/$name.log
seeds=$(find "$here/corpus/$name" -type f | wc -l)
before=$(find "$fz/corpus-$name" -type f | wc -l)
echo "== fuzz-$name for $seconds s: $seeds seeds, $before inputs grown before"
# TMPDIR: fuzz-conn makes its fixture root there.
TMPDIR=$fz/tmp "$fz/fuzz-$name" -max_total_time="$seconds" -print_final_stats=1 \
	-dict="$dict" -timeout=25 -artifact_prefix="$fz/$name-" "$@" \
	"$fz/corpus-$name" "$here/corpus/$name" >"$log" 2>&1
status=$?
after=$(find "$fz/corpus-$name" -type f | wc -l)
python3 - "$log" "$name" "$before" "$after" <<'PY'
import re, sys
log, name, before, after = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
text = open(log, errors="replace").read()
def cov(tag):
    m = re.findall(r"#(\d+)\s+%s\s+cov: (\d+) ft: (\d+) corp: (\d+)" % tag, text)
    return m[-1] if m else None
stat = dict(re.findall(r"stat::(\w+):\s+(\d+)", text))
init, done = cov("INITED"), cov("DONE")
last = done or (re.findall(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)", text) or [None])[-1]
print("fuzz-%s: %s executions (%s/s); coverage at start: cov %s ft %s (%s inputs), "
      "at the end: cov %s ft %s (%s inputs); %d inputs written to build/fuzz/corpus-%s" % (
          name, stat.get("number_of_executed_units", "?"),
          stat.get("average_exec_per_sec", "?"),
          init[1] if init else "?", init[2] if init else "?", init[3] if init else "?",
          last[1] if last else "?", last[2] if last else "?", last[3] if last else "?",
          after - before, name))
PY
if [ "$status" -ne 0 ]; then
	echo "fuzz-$name FAILED (exit $status): see $log" >&2
	grep -E '^==[0-9]+==ERROR|invariant violated|SUMMARY|Test unit written' "$log" | head -5 >&2
	exit 1
fi
