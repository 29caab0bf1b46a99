#!/usr/bin/env bats
# Smoke test of the network-modes benchmark (make bench-quick, i.e.
# BENCH_QUICK=1 tests/bench/bench-modes.sh): it runs to the end, writes its
# CSV, Markdown and chart, and every mode either produced numbers or says
# why it was skipped. The numbers themselves are not judged: this machine
# is shared and noisy. Needs root (podman rootful and rootless, the Debian
# 13 lab for pasta); without it every test skips and says why.
#
# setup_file installs what the benchmark needs (tests/bench/deps-modes.sh),
# builds the load generator, and runs the benchmark once (about 2-4 min;
# more on a machine that must first build the images or the lab).
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

setup_file() {
	export SMOKE_SKIP="" SMOKE_ERROR=""
	export OUT=$BATS_FILE_TMPDIR/out RUNLOG=$BATS_FILE_TMPDIR/bench-quick.log
	if [ "$(id -u)" -ne 0 ]; then
		SMOKE_SKIP="needs root: rootful and rootless podman, the Debian 13 lab for pasta"
		return 0
	fi
	if ! "$REPO/tests/bench/deps-modes.sh" >"$BATS_FILE_TMPDIR/deps.log" 2>&1 3>&-; then
		SMOKE_ERROR="tests/bench/deps-modes.sh failed: $(tail -3 "$BATS_FILE_TMPDIR/deps.log")"
		return 0
	fi
	if ! make -C "$REPO" build/bench/echo-load >"$BATS_FILE_TMPDIR/build.log" 2>&1 3>&-; then
		SMOKE_ERROR="building build/bench/echo-load failed: $(tail -3 "$BATS_FILE_TMPDIR/build.log")"
		return 0
	fi
	local start=$SECONDS
	# What `make bench-quick` runs, into a directory of our own.
	BENCH_QUICK=1 BENCH_OUT=$OUT timeout 900 "$REPO/tests/bench/bench-modes.sh" \
		>"$RUNLOG" 2>&1 3>&- </dev/null
	echo $? >"$BATS_FILE_TMPDIR/status"
	echo $((SECONDS - start)) >"$BATS_FILE_TMPDIR/seconds"
}

setup() {
	[ -z "$SMOKE_SKIP" ] || skip "$SMOKE_SKIP"
	if [ -n "$SMOKE_ERROR" ]; then
		echo "$SMOKE_ERROR" >&2
		return 1
	fi
}

note() { echo "# $*" >&3; }

# summary.csv rows: mode,where,metric,unit,n,median,min,max,spread_pct,ratio_to_host
summary() { cat "$OUT/modes-latest.summary.csv"; }
# Text values (status, src, srv_cpus, udp...) are in the median column,
# with any comma written as ';'.
status_of() { value_of "$1" status; }
value_of() { awk -F, -v m="$1" -v k="$2" '$1 == m && $3 == k { print $6 }' "$OUT/modes-latest.summary.csv"; }

@test "bench-quick runs to the end and writes CSV, summary, Markdown table and chart" {
	status=$(cat "$BATS_FILE_TMPDIR/status")
	note "bench-quick took $(cat "$BATS_FILE_TMPDIR/seconds") s (lab start included)"
	if [ "$status" != 0 ]; then
		tail -40 "$RUNLOG"
		return 1
	fi
	for f in csv summary.csv md dat; do
		[ -s "$OUT/modes-latest.$f" ] || { echo "no $OUT/modes-latest.$f"; tail -20 "$RUNLOG"; return 1; }
	done
	head -1 "$OUT/modes-latest.csv" | grep -qx 'round,mode,metric,value'
	grep -q '^| mode | where | TCP bulk Gbit/s' "$OUT/modes-latest.md"
	# The chart: a PNG, unless no mode ran at all.
	if grep -qv '^#' "$OUT/modes-latest.dat"; then
		[ "$(head -c 8 "$OUT/modes-latest.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	fi
	# Progress was shown: mode, round and time left.
	grep -q '^=== round 1/1, mode 1/[0-9]*: .* about .* left$' "$RUNLOG"
}

@test "every mode produced numbers or printed why it was skipped" {
	local m st bad=0 ran=0
	for m in host none-root none-rootless pasta slirp-rootlesskit slirp-slirp4netns bridge hostnet lab-none; do
		st=$(status_of "$m")
		case $st in
		ok)
			ran=$((ran + 1))
			# A number, or the measurement failed and the report says why
			# (e.g. pasta cutting a bulk echo short: see BENCHMARKS.md).
			for k in bulk_gbps:bulk pp1_rps:pp1 pp50_rps:pp50 http_rps:"wrk /index.html" http_big:"wrk /1M.bin" cold_ms:; do
				v=$(value_of "$m" "${k%%:*}")
				if [[ $v =~ ^[0-9.]+$ ]] && [ "$(awk -v v="$v" 'BEGIN { print (v > 0) }')" = 1 ]; then
					continue
				fi
				if [ -n "${k#*:}" ] && [[ $(value_of "$m" note) == *"${k#*:}"* ]]; then
					note "$m: no ${k%%:*}: $(value_of "$m" note)"
					continue
				fi
				echo "$m: no number for ${k%%:*} ('$v') and no reason"
				bad=1
			done
			note "$m: $(value_of "$m" bulk_gbps) Gbit/s, $(value_of "$m" pp50_rps) rt/s at 50 conns"
			;;
		skipped:\ ?*)
			note "$m: $st"
			grep -q "skipped: $m: " "$RUNLOG" || { echo "$m: skip reason not printed"; bad=1; }
			;;
		*)
			echo "$m: neither numbers nor a skip reason: '$st'"
			bad=1
			;;
		esac
	done
	[ "$bad" = 0 ]
	# On a machine where this runs as root at all, the floor always can.
	[ "$(status_of host)" = ok ]
	[ "$ran" -ge 1 ]
}

@test "UDP: numbers, or the summary says no replies came back" {
	local m
	for m in $(awk -F, '$3 == "status" && $6 == "ok" { print $1 }' "$OUT/modes-latest.summary.csv"); do
		if [ -z "$(value_of "$m" udp_dps)" ]; then
			[ "$(value_of "$m" udp)" = "no replies" ] || { echo "$m: no UDP number and no reason"; return 1; }
			note "$m: UDP: no replies"
		fi
	done
}

@test "the servers ran on the pinned CPU and socket activation kept the client's address" {
	[ "$(nproc)" -ge 2 ] || skip "one CPU: nothing is pinned"
	local m
	for m in $(awk -F, '$3 == "status" && $6 == "ok" { print $1 }' "$OUT/modes-latest.summary.csv"); do
		[ "$(value_of "$m" srv_cpus)" = 0 ] || { echo "$m: server CPUs $(value_of "$m" srv_cpus)"; return 1; }
	done
	for m in host none-root none-rootless lab-none; do
		[ "$(status_of "$m")" = ok ] || continue
		[ "$(value_of "$m" src)" = yes ] || { echo "$m: server saw $(value_of "$m" src)"; return 1; }
	done
}
