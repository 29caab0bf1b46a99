#!/usr/bin/env bats
# Smoke test of the network-modes benchmark (make bench-quick, i.e.
# BENCH_QUICK=1 tests/bench/bench-modes.sh): it runs to the end, writes its
# slices, CSVs, Markdown and chart, ends with the guide's overview table
# measured, and every mode and every row of that table either has figures
# or says why not. Nothing here times anything or judges a number: this
# machine is shared and noisy. What is checked is what a reader of the
# table relies on: its shape, the A/A self-check first, each native cell a
# verdict or "inconclusive" with its interval and pairs (or, when the A/A
# check failed, none at all), each row's floor named, a reason wherever a
# figure is missing, the disagreement marks matching the figures, and a few
# answers known for certain (the floor keeps the client's address and
# answers UDP; socket activation keeps addresses; port 80 works from a
# system socket and not from the user's). The statistics themselves are
# tested on synthetic data in tests/46-bench-stats.bats. Needs root (podman
# rootful and rootless, the Debian 13 lab); without it every test skips and
# says why.
#
# setup_file installs what the benchmark needs (tests/bench/deps-modes.sh),
# builds the load generator, and runs the benchmark once: at most about 8
# min on a 2-vCPU VM (the probes ~2 min, the A/A check and 12 modes in
# short paired slices, the lab start ~10 s), more on a machine that must
# first build the images or the lab.
#
# BENCH_SMOKE_OUT=DIR checks the results of an earlier run in DIR (its
# modes-latest.* and modes-latest.log) instead of running one: for
# working on these tests, never set in CI.
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# The rows of the table: the guide's, its combination, then ours.
GUIDE_MODES="user-service system-service pasta pasta-net pasta-net-mtu slirp-slirp4netns slirp-rootlesskit hostnet act-pasta-net host none-root none-rootless bridge"

setup_file() {
	export SMOKE_SKIP="" SMOKE_ERROR=""
	export OUT=$BATS_FILE_TMPDIR/out RUNLOG=$BATS_FILE_TMPDIR/bench-quick.log
	if [ -n "${BENCH_SMOKE_OUT:-}" ]; then
		OUT=$BENCH_SMOKE_OUT RUNLOG=$BENCH_SMOKE_OUT/modes-latest.log
		echo 0 >"$BATS_FILE_TMPDIR/status"
		echo "? (BENCH_SMOKE_OUT: an earlier run)" >"$BATS_FILE_TMPDIR/seconds"
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		SMOKE_SKIP="needs root: rootful and rootless podman, the Debian 13 lab, network namespaces"
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
	# What `make bench-quick` runs, into a directory of our own. The
	# timeout only stops a hung run: on a VM shared with six other
	# sessions the run took 26 min (probes 11, measurements 12).
	BENCH_QUICK=1 BENCH_OUT=$OUT timeout 2700 "$REPO/tests/bench/bench-modes.sh" \
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
	[ "$(cat "$BATS_FILE_TMPDIR/status")" = 0 ] || { tail -40 "$RUNLOG"; return 1; }
}

note() { echo "# $*" >&3; }

# summary.csv rows: mode,where,floor,metric,unit,median,pairs,ratio,lo,hi,verdict
# Text values (status, src, srv_cpus, udp...) are in the median column,
# with any comma written as ';'.
status_of() { value_of "$1" status; }
value_of() { awk -F, -v m="$1" -v k="$2" '$1 == m && $4 == k { print $6 }' "$OUT/modes-latest.summary.csv"; }
field_of() { # MODE METRIC COLUMN-NUMBER
	awk -F, -v m="$1" -v k="$2" -v c="$3" '$1 == m && $4 == k { print $c }' "$OUT/modes-latest.summary.csv"
}
ran() { [ "$(status_of "$1")" = ok ]; }
is_mark() { [ "$1" = "✔" ] || [ "$1" = "✗" ]; }
# guide.csv rows: row,mode,where,column,protocol,measured,figure,guide,agrees
guide() { # MODE COLUMN PROTOCOL FIELD(measured|figure|guide|agrees)
	awk -F, -v m="$1" -v c="$2" -v p="$3" -v f="$4" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$2 == m && $4 == c && $5 == p { print $col[f] }' "$OUT/modes-latest.guide.csv"
}
# The Markdown row of MODE in the guide table, split into cells (one a line).
guide_row() {
	grep -F "| \`$1\`, " "$OUT/modes-latest.guide.md" | sed 's/^| //; s/ |$//' | awk -F' \\| ' '{ for (i = 1; i <= NF; i++) print $i }'
}

@test "bench-quick runs to the end: slices, CSVs, Markdown, guide table and chart; the terminal ends with the table" {
	note "bench-quick took $(cat "$BATS_FILE_TMPDIR/seconds") s (lab start and probes included)"
	local f
	for f in slices facts csv summary.csv md guide.md guide.csv dat; do
		[ -s "$OUT/modes-latest.$f" ] || { echo "no $OUT/modes-latest.$f"; tail -20 "$RUNLOG"; return 1; }
	done
	head -1 "$OUT/modes-latest.csv" | grep -qx 'series,pair,arm,server,test,metric,value'
	head -1 "$OUT/modes-latest.summary.csv" | grep -qx 'mode,where,floor,metric,unit,median,pairs,ratio,lo,hi,verdict'
	head -1 "$OUT/modes-latest.guide.csv" | grep -qx 'row,mode,where,column,protocol,measured,figure,guide,agrees'
	grep -q '^| mode | where | paired with | TCP bulk | ping-pong 50 conns | UDP 50 sockets | verdict |$' "$OUT/modes-latest.md"
	grep -q '^| mode | where | TCP bulk Gbit/s' "$OUT/modes-latest.md"
	# The chart: a PNG, when a mode produced numbers beside the A/A check.
	if [ "$(grep -vc '^#' "$OUT/modes-latest.dat")" -ge 2 ]; then
		[ "$(head -c 8 "$OUT/modes-latest.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	fi
	# Progress was shown: mode, its floor and time left; the A/A check first.
	grep -q '^=== mode 1/[0-9]*: aa (.*) against the floor host -- elapsed .*, about .* left$' "$RUNLOG"
	# What the terminal shows last is the guide table, as written to build/bench/.
	diff <(tail -n "$(wc -l <"$OUT/modes-latest.guide.md")" "$RUNLOG") "$OUT/modes-latest.guide.md"
}

@test "every mode produced numbers or printed why it was skipped" {
	local m st k v bad=0 ran=0
	for m in $GUIDE_MODES; do
		st=$(status_of "$m")
		case $st in
		ok)
			ran=$((ran + 1))
			# A number, or the measurement failed and the report says why
			# (e.g. pasta cutting every bulk echo short: see BENCHMARKS.md).
			for k in bulk_gbps:bulk pp1_rps:pp1 pp50_rps:pp50 http_rps:small http_big:big cold_ms:; do
				v=$(value_of "$m" "${k%%:*}")
				if [[ $v =~ ^[0-9.e+]+$ ]] && [ "$(awk -v v="$v" 'BEGIN { print (v > 0) }')" = 1 ]; then
					continue
				fi
				if [ -n "${k#*:}" ] && grep -q "^- $m\( (lab)\)\?: a ${k#*:} slice of .* failed" "$OUT/modes-latest.md"; then
					note "$m: no ${k%%:*}: $(grep "^- $m\( (lab)\)\?: a ${k#*:} slice of" "$OUT/modes-latest.md" | head -1)"
					continue
				fi
				if [ "${k%%:*}" = bulk_gbps ] && [ "$(value_of "$m" bulk_cut)" -gt 0 ] 2>/dev/null; then
					note "$m: no bulk figure: every stream cut short ($(value_of "$m" bulk_cut) of $(field_of "$m" bulk_cut 7))"
					continue
				fi
				echo "$m: no number for ${k%%:*} ('$v') and no reason"
				bad=1
			done
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
	ran host
	[ "$ran" -ge 1 ]
}

@test "the floor answers UDP: a datagrams/s figure from the host mode" {
	local v
	v=$(value_of host udp_dps)
	[[ $v =~ ^[0-9.]+$ ]] || { echo "host: no UDP figure ('$v'; udp: '$(value_of host udp)')"; return 1; }
	[ "$(awk -v v="$v" 'BEGIN { print (v > 0) }')" = 1 ]
	note "host: $v datagrams/s"
}

@test "the A/A self-check comes first, with its intervals; verdicts only when it held 1.00" {
	local first g
	for f in md guide.md; do
		first=$(grep -v '^#' "$OUT/modes-latest.$f" | grep -m1 .)
		[[ $first =~ ^\*\*A/A\ self-check\ (passed|FAILED) ]] || { echo "$f: first line: $first"; return 1; }
		[[ $first =~ TCP\ bulk\ [0-9.]+×\ \[[0-9.]+,\ [0-9.]+\],\ [0-9]+\ pairs ]] || { echo "$f: no interval: $first"; return 1; }
	done
	note "$first"
	# The native column of the guide CSV: a verdict anywhere only when the check passed.
	g=$(awk -F, '$4 == "native" && ($6 == "✔" || $6 == "✗" || $6 == "inconclusive")' "$OUT/modes-latest.guide.csv")
	if [[ $first == *FAILED* ]]; then
		[ -z "$g" ] || { echo "verdicts despite a failed A/A check:"; echo "$g"; return 1; }
		grep -q 'not judged: the A/A self-check failed' "$OUT/modes-latest.guide.csv"
	fi
}

@test "each native-performance cell: a verdict or inconclusive, with the interval and the number of pairs; each row names its floor" {
	local m p mark fig bad=0
	for m in $GUIDE_MODES; do
		ran "$m" || continue
		[ "$m" = host ] && continue
		[[ $(guide_row "$m" | sed -n 2p) == *", paired with the "*"'s floor" ]] || { echo "$m: no floor named: $(guide_row "$m" | sed -n 2p)"; bad=1; }
		for p in tcp udp; do
			mark=$(guide "$m" native "$p" measured)
			fig=$(guide "$m" native "$p" figure)
			case $mark in
			✔ | ✗ | inconclusive)
				[[ $fig =~ [0-9.]+×\ \[[0-9.]+\;\ [0-9.]+\]\;?\ [0-9]+\ pairs ]] || [[ $fig =~ [0-9.]+×\ \[[0-9.]+,\ [0-9.]+\],\ [0-9]+\ pairs ]] || [ "$fig" = "no replies" ] ||
					{ echo "$m $p: $mark without an interval and pairs: '$fig'"; bad=1; }
				;;
			n/a) [ -n "$fig" ] || { echo "$m $p: n/a without a reason"; bad=1; } ;;
			*) echo "$m $p: '$mark'"; bad=1 ;;
			esac
			note "$m $p: $mark $fig"
		done
	done
	[ "$bad" = 0 ]
}

@test "UDP: every mode that ran has a figure, or the report states the known cause" {
	local m bad=0
	for m in $GUIDE_MODES; do
		ran "$m" || continue
		[ -z "$(value_of "$m" udp_dps)" ] || continue
		if grep -q -- "- \`$m\`: no UDP reply came back in the benchmark (known: ." "$OUT/modes-latest.guide.md"; then
			note "$m: no UDP replies, with its known cause"
		else
			echo "$m: no UDP figure and no known cause stated ('$(value_of "$m" udp)')"
			bad=1
		fi
	done
	[ "$bad" = 0 ]
}

@test "the guide table has the guide's columns, one row per mode, in the guide's order" {
	local header rows
	header=$(grep '^| method' "$OUT/modes-latest.guide.md")
	[ "$header" = "| method (the guide's row) | here | source address preserved: loopback client (127.0.0.2) | source address preserved: client in a network namespace (veth) | native performance: TCP bulk and 50-conn ping-pong ≥ 0.95× the floor, by the 95% interval of paired ratios (UDP beside) | binding to a specific device (or address); a connection to another local address refused | port 80, rootless, ip_unprivileged_port_start unchanged |" ]
	rows=$(grep -o '^| [^|]* | `[a-z0-9-]*`' "$OUT/modes-latest.guide.md" | sed 's/.*`\(.*\)`/\1/' | tr '\n' ' ')
	[ "$rows" = "$GUIDE_MODES " ] || { echo "rows: $rows"; return 1; }
	# Every row has the seven cells of the header.
	local m
	for m in $GUIDE_MODES; do
		[ "$(guide_row "$m" | wc -l)" = 7 ] || { echo "$m:"; guide_row "$m"; return 1; }
	done
	grep -q '^| socket activation (systemd user service) | `user-service`' "$OUT/modes-latest.guide.md"
	grep -q '^| pasta + custom network | `pasta-net`' "$OUT/modes-latest.guide.md"
}

@test "every row of the guide table has measured cells or says why it did not run" {
	local m cell c bad=0
	for m in $GUIDE_MODES; do
		if [[ $(guide_row "$m" | sed -n 2p) == *"**not run here**: "?* ]]; then
			note "$m: $(guide_row "$m" | sed -n 2p)"
			ran "$m" && { echo "$m ran, but its row says it did not"; bad=1; }
			continue
		fi
		# Each column: TCP and UDP (or both at once), each ✔ or ✗ with a
		# figure, inconclusive or n/a with its reason; then the guide's claim.
		while read -r cell; do
			c=$(sed -E 's/ \(guide: [^)]*\)( \*\*⚠ disagrees\*\*)?$//' <<<"$cell")
			if [[ $c =~ ^tcp\+udp\ (✔|✗)\ .+ ]] || [[ $c =~ ^tcp\+udp\ (n/a|inconclusive):\ .+ ]]; then
				continue
			fi
			if [[ $c =~ ^tcp\ ((✔|✗)\ .+|(n/a|inconclusive):\ .+)\ ·\ udp\ ((✔|✗)\ .+|(n/a|inconclusive):\ .+)$ ]]; then
				continue
			fi
			echo "$m: a cell neither measured nor explained: '$cell'"
			bad=1
		done < <(guide_row "$m" | sed -n '3,$p')
		# A row that ran has its source addresses measured, at least from
		# the loopback client, over TCP.
		is_mark "$(guide "$m" srclo tcp measured)" || { echo "$m: no TCP source address measured"; bad=1; }
	done
	[ "$bad" = 0 ]
}

@test "a cell is marked as disagreeing exactly where a measured mark differs from the guide's claim" {
	local m col p meas claim want got bad=0
	for m in $GUIDE_MODES; do
		ran "$m" || continue
		for col in srclo srcns native bind port80; do
			claim=$(guide "$m" "$col" tcp guide)
			want=-
			for p in tcp udp; do
				meas=$(guide "$m" "$col" "$p" measured)
				[ "$claim" != "-" ] && is_mark "$meas" || continue
				[ "$want" = no ] || want=yes
				[ "$meas" = "$claim" ] || want=no
			done
			got=$(guide "$m" "$col" tcp agrees)
			[ "$got" = "$want" ] || { echo "$m $col: agrees=$got, expected $want (claim $claim)"; bad=1; }
			# And the Markdown cell says so.
			local i
			i=$(($(echo "srclo srcns native bind port80" | tr ' ' '\n' | grep -nx "$col" | cut -d: -f1) + 2))
			if [ "$want" = no ]; then
				[[ $(guide_row "$m" | sed -n "${i}p") == *"**⚠ disagrees**" ]] || { echo "$m $col: no disagreement mark"; bad=1; }
			else
				[[ $(guide_row "$m" | sed -n "${i}p") != *"disagrees"* ]] || { echo "$m $col: marked, but agrees=$want"; bad=1; }
			fi
		done
	done
	[ "$bad" = 0 ]
}

@test "known answers: the floor and socket activation keep the client's address; a ✗ names the address seen instead" {
	local m p col fig bad=0
	[ "$(guide host srclo tcp measured)" = "✔" ]
	[ "$(guide host srclo udp measured)" = "✔" ]
	for m in host none-root none-rootless user-service system-service act-pasta-net; do
		ran "$m" || continue
		for col in srclo srcns; do
			for p in tcp udp; do
				[ "$(guide "$m" $col $p measured)" != n/a ] || { note "$m $col $p: $(guide "$m" $col $p figure)"; continue; }
				[ "$(guide "$m" $col $p measured)" = "✔" ] || { echo "$m $col $p: $(guide "$m" $col $p figure)"; bad=1; }
			done
		done
	done
	# Where the address was not kept, the figure says what the server saw
	# (an address), or that nothing arrived.
	while IFS=, read -r m col p fig; do
		[[ $fig =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\  ]] || [[ $fig == "nothing reached the server"* ]] ||
			{ echo "$m $col $p: ✗ without what was seen: '$fig'"; bad=1; }
	done < <(awk -F, '($4 == "srclo" || $4 == "srcns") && $6 == "✗" { print $2 "," $4 "," $5 "," $7 }' "$OUT/modes-latest.guide.csv")
	[ "$bad" = 0 ]
}

@test "known answers: port 80 from a system socket with User=, not from the user's own manager" {
	local lim
	ran system-service && ran user-service || skip "needs the lab's system-service and user-service rows: $(status_of user-service); $(status_of system-service)"
	lim=$(sed -n 's/.*Lab .*ip_unprivileged_port_start \([0-9]*\)\.$/\1/p' "$OUT/modes-latest.guide.md")
	[ "$lim" -gt 80 ] || skip "the lab's ip_unprivileged_port_start is $lim: port 80 is not privileged there"
	[ "$(guide system-service port80 tcp measured)" = "✔" ] || { guide system-service port80 tcp figure; return 1; }
	[ "$(guide system-service port80 udp measured)" = "✔" ] || { guide system-service port80 udp figure; return 1; }
	[ "$(guide user-service port80 tcp measured)" = "✗" ]
	[[ $(guide user-service port80 tcp figure) == *"Permission denied"* ]]
}

@test "the pasta fault is counted: streams cut short, of how many, and the passt version" {
	ran pasta || skip "pasta did not run here: $(status_of pasta)"
	local line
	line=$(grep '^- Echo streams cut short' "$OUT/modes-latest.guide.md")
	[[ $line =~ pasta\ \(lab\)\ [0-9]+\ of\ [0-9]+ ]] || [[ $line =~ pasta\ [0-9]+\ of\ [0-9]+ ]] || { echo "$line"; return 1; }
	[[ $line =~ passt\ [0-9] ]] || { echo "$line"; return 1; }
	grep -qxF -- "$line" "$OUT/modes-latest.md"
	note "$(grep -oE '(^|: | )pasta( \(lab\))? [0-9]+ of [0-9]+' <<<"$line" | head -1)"
}

@test "the servers ran on the pinned CPU" {
	[ "$(nproc)" -ge 2 ] || skip "one CPU: nothing is pinned"
	local m
	for m in $GUIDE_MODES; do
		ran "$m" || continue
		[ "$(value_of "$m" srv_cpus)" = 0 ] || { echo "$m: server CPUs $(value_of "$m" srv_cpus)"; return 1; }
	done
}
