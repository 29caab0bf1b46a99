#!/usr/bin/env bash
# make bench-load: both servers under many connections (a benchmark: it
# prints numbers, judges nothing). For httpd, then echo:
#   1. idle crowd: LOAD_IDLE (10,000) keep-alive connections, each served
#      one request and then left idle, while a second client makes requests
#      one after another: the server's RSS per 1,000 idle connections, the
#      active client's latency (p50, p99) without and with the crowd, and
#      whether anything was refused below --max-connections (set above the
#      crowd);
#   2. storm: LOAD_STORM (20,000) connection attempts, at most
#      LOAD_CONCURRENT (8,000) at once, each holding 200 ms after its answer,
#      against --max-connections LOAD_CAP (4096): how often accepting paused
#      and resumed, the most connections the server held, its RSS before,
#      at the peak and after, and that it never exited (then SIGTERM: exit 0).
# Load goes to 127.0.0.1 only, from 127.0.0.2-9 (tests/bench/crowd.c), and
# every client stops by itself (deadlines); the servers are stopped at the
# end. RLIMIT_NOFILE is raised as far as allowed and the limit met is
# printed; with less than the crowd needs, the crowd is made smaller, and
# the report says so.
#
# Results: a table on stdout, and $BENCH_OUT/load-STAMP.{md,csv} plus
# load-latest.{md,csv} (default build/bench). Environment: ECHO_BIN,
# HTTPD_BIN, CROWD, BENCH_OUT, LOAD_IDLE, LOAD_STORM, LOAD_CONCURRENT,
# LOAD_CAP, LOAD_SECS (each latency run, default 5), LOAD_SERVERS (default
# "httpd echo"), BENCH_NOPIN=1 (no CPU pinning).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
CROWD=${CROWD:-$repo/build/bench/crowd}
ECHO_BIN=${ECHO_BIN:-$repo/build/socket-activate-echo}
HTTPD_BIN=${HTTPD_BIN:-$repo/build/socket-activate-httpd}
OUT=${BENCH_OUT:-$repo/build/bench}
IDLE=${LOAD_IDLE:-10000}
STORM=${LOAD_STORM:-20000}
CONCURRENT=${LOAD_CONCURRENT:-8000}
CAP=${LOAD_CAP:-4096}
SECS=${LOAD_SECS:-5}
SERVERS=${LOAD_SERVERS:-httpd echo}
HOLD_MS=200

for b in "$CROWD" "$ECHO_BIN" "$HTTPD_BIN"; do
	[ -x "$b" ] || { echo "bench-load: $b is missing (make bench-load builds it)" >&2; exit 1; }
done
work=$(mktemp -d)
SRV=
cleanup() {
	[ -z "$SRV" ] || kill -KILL "$SRV" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT"
stamp=$(date +%Y%m%d-%H%M%S)
md=$OUT/load-$stamp.md
csv=$OUT/load-$stamp.csv
notes=()
note() { notes+=("$*"); echo "bench-load: $*"; }

# Descriptors: root may raise its soft limit up to the hard one, never
# the hard one (no CAP_SYS_RESOURCE here). Both the crowd and the server
# need one per connection, each in its own process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
nofile=$(ulimit -n)
note "RLIMIT_NOFILE: $nofile for the servers and the clients (the hard limit)"
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((IDLE + 64)) ]; then
	note "the idle crowd is $((nofile - 64)) connections, not $IDLE: the descriptor limit is $nofile"
	IDLE=$((nofile - 64))
fi
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((CONCURRENT + 64)) ]; then
	note "the storm holds at most $((nofile - 64)) connections at once, not $CONCURRENT: the descriptor limit is $nofile"
	CONCURRENT=$((nofile - 64))
fi
bench_pin
note "$PINNING"
note "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"

www=$work/www
bench_make_docroot "$www" || exit 1
printf 'idle\n' >"$www/idle.txt"
chmod 644 "$www/idle.txt"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
field() { sed -n "s/.*[ ]$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | tail -1; }

# start NAME BIN ARGS...: the server on a free loopback port, pinned;
# sets SRV, PORT, LOG. Waits for its listening line (10 s at most).
start() {
	local name=$1 bin=$2 i
	shift 2
	PORT=$(free_port)
	LOG=$work/$name.log
	"${PIN_SRV[@]}" "$bin" --listen "127.0.0.1:$PORT" "$@" >"$LOG" 2>&1 3>&- &
	SRV=$!
	for ((i = 0; i < 100; i++)); do
		grep -q listening "$LOG" && return 0
		sleep 0.1
	done
	echo "bench-load: $name did not start:" >&2
	cat "$LOG" >&2
	exit 1
}

# stop: SIGTERM; STOPPED says how it ended (the exit status, within 20 s).
stop() {
	local i
	kill -TERM "$SRV"
	for ((i = 0; i < 200; i++)); do
		kill -0 "$SRV" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SRV" 2>/dev/null; then
		kill -KILL "$SRV"
		STOPPED="still running 20 s after SIGTERM"
	else
		wait "$SRV"
		STOPPED="exit $?"
	fi
	SRV=
}

crowd() { "${PIN_CLI[@]}" "$CROWD" "$@"; }

# active LABEL: one latency run of the active client; ACTIVE is its
# RESULT line. Waits (10 s at most) for CPUs 0 and 1 to be quiet first,
# and notes how busy they were: other work there shows up in the p99.
active() {
	local busy
	busy=$(bench_wait_quiet 10) || busy="$busy (still busy after 10 s)"
	busy_notes+=("$1: $busy")
	ACTIVE=$(crowd active "127.0.0.1:$PORT" -p "$proto" -u "$active_path" -t "$SECS" | tee /dev/stderr | grep '^RESULT')
}
busy_notes=()

echo "server,phase,key,value" >"$csv"
row() { echo "$1,$2,$3,$4" >>"$csv"; }
idle_rows=() storm_rows=()

idle_phase() {
	local name=$1 bin=$2 proto=$3 active_path=$4 a0 a1 a2 idle_out rss0 rss1 rss2 fd0 fd1 held
	shift 4
	echo "=== $name: $IDLE idle connections while one client makes requests"
	start "$name-idle" "$bin" --max-connections $((IDLE + 1000)) "$@"
	crowd active "127.0.0.1:$PORT" -p "$proto" -u "$active_path" -t 1 >/dev/null
	rss0=$(rss "$SRV") fd0=$(fds "$SRV")
	active "$name, before the crowd"
	a0=$ACTIVE
	idle_out=$work/$name-idle.out
	# (Not through crowd(): $! must be the crowd itself, for SIGTERM.)
	"${PIN_CLI[@]}" "$CROWD" idle "127.0.0.1:$PORT" -p "$proto" -c "$IDLE" -H $((SECS + 30)) >"$idle_out" 2>&1 &
	local cpid=$! i
	for ((i = 0; i < 1200; i++)); do
		grep -q '^READY' "$idle_out" && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.1
	done
	grep '^READY' "$idle_out" >&2
	rss1=$(rss "$SRV") fd1=$(fds "$SRV")
	held=$((fd1 - fd0))
	active "$name, with the crowd"
	a1=$ACTIVE
	# SIGTERM ends the crowd's hold early (it would end by itself); its
	# summary says whether any of it failed or was closed meanwhile.
	kill -TERM "$cpid" 2>/dev/null
	wait "$cpid"
	# And once more without it: two baselines show how noisy this host is.
	active "$name, after it left"
	a2=$ACTIVE
	rss2=$(rss "$SRV")
	local res ok failed dropped refused per1k exit
	res=$(grep '^RESULT mode=idle' "$idle_out")
	ok=$(field ok "$res") failed=$(field failed "$res") dropped=$(field dropped "$res")
	: "${ok:=0}" "${failed:=?}" "${dropped:=?}"
	refused=$(grep -c 'pausing accept' "$LOG")
	per1k=$(awk -v a="$rss0" -v b="$rss1" -v n="$held" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1000 / n; else print "-" }')
	stop
	exit=$STOPPED
	sed -n 's/^  /  crowd: /p' "$idle_out" >&2
	row "$name" idle connections_served "$ok"
	row "$name" idle connections_failed "$failed"
	row "$name" idle closed_by_server_while_idle "$dropped"
	row "$name" idle server_fds_for_crowd "$held"
	row "$name" idle accept_paused_lines "$refused"
	row "$name" idle rss_kib_before "$rss0"
	row "$name" idle rss_kib_with_crowd "$rss1"
	row "$name" idle rss_kib_per_1000_idle "$per1k"
	row "$name" idle active_p50_us_without "$(field p50_us "$a0")"
	row "$name" idle active_p99_us_without "$(field p99_us "$a0")"
	row "$name" idle active_per_s_without "$(field per_s "$a0")"
	row "$name" idle active_p50_us_with "$(field p50_us "$a1")"
	row "$name" idle active_p99_us_with "$(field p99_us "$a1")"
	row "$name" idle active_per_s_with "$(field per_s "$a1")"
	row "$name" idle active_p50_us_after "$(field p50_us "$a2")"
	row "$name" idle active_p99_us_after "$(field p99_us "$a2")"
	row "$name" idle active_per_s_after "$(field per_s "$a2")"
	row "$name" idle exit "$exit"
	idle_rows+=("| $name | $ok of $IDLE ($failed failed, $dropped closed while idle; $refused accept pauses) | $held | $rss0 → $rss1 KiB ($rss2 after it left) | $per1k | $(field p50_us "$a0") / $(field p99_us "$a0") | $(field p50_us "$a1") / $(field p99_us "$a1") | $(field p50_us "$a2") / $(field p99_us "$a2") | $(field per_s "$a0") / $(field per_s "$a1") / $(field per_s "$a2") | $exit |")
}

storm_phase() {
	local name=$1 bin=$2 proto=$3 rss0 fd0 peak_rss peak_conns n r f spid
	shift 3
	echo "=== $name: $STORM connection attempts against --max-connections $CAP"
	start "$name-storm" "$bin" --max-connections "$CAP" "$@"
	crowd active "127.0.0.1:$PORT" -p "$proto" -t 0.5 >/dev/null
	rss0=$(rss "$SRV") fd0=$(fds "$SRV")
	peak_rss=$rss0 peak_conns=0
	local out=$work/$name-storm.out alive=yes
	crowd storm "127.0.0.1:$PORT" -p "$proto" -n "$STORM" -C "$CONCURRENT" -w "$HOLD_MS" -t 120 >"$out" 2>&1 &
	spid=$!
	# Sampled every 0.1 s while the storm lasts: the server's RSS and its
	# connections (descriptors above its count at rest).
	while kill -0 "$spid" 2>/dev/null; do
		if ! kill -0 "$SRV" 2>/dev/null; then
			alive=no
			break
		fi
		r=$(rss "$SRV") f=$(fds "$SRV")
		((r > peak_rss)) && peak_rss=$r
		((f - fd0 > peak_conns)) && peak_conns=$((f - fd0))
		sleep 0.1
	done
	wait "$spid"
	cat "$out" >&2
	# Connections the storm left are closed by now; give the server a
	# moment (bounded) to see them go.
	for ((n = 0; n < 50; n++)); do
		[ "$(fds "$SRV")" -le "$fd0" ] && break
		sleep 0.1
	done
	local rss_after res pauses resumes exit
	rss_after=$(rss "$SRV")
	kill -0 "$SRV" 2>/dev/null || alive=no
	res=$(grep '^RESULT mode=storm' "$out")
	pauses=$(grep -c 'pausing accept' "$LOG")
	resumes=$(grep -c 'accepting again' "$LOG")
	if [ "$alive" = yes ]; then
		stop
		exit=$STOPPED
	else
		wait "$SRV"
		exit="exited during the storm (status $?)"
		SRV=
	fi
	row "$name" storm attempts "$STORM"
	row "$name" storm served "$(field served "$res")"
	row "$name" storm failed "$(field failed "$res")"
	row "$name" storm secs "$(field secs "$res")"
	row "$name" storm peak_server_connections "$peak_conns"
	row "$name" storm accept_pauses "$pauses"
	row "$name" storm accept_resumes "$resumes"
	row "$name" storm rss_kib_before "$rss0"
	row "$name" storm rss_kib_peak "$peak_rss"
	row "$name" storm rss_kib_after "$rss_after"
	row "$name" storm alive_throughout "$alive"
	row "$name" storm exit "$exit"
	storm_rows+=("| $name | $(field served "$res") of $STORM in $(field secs "$res") s ($(field failed "$res") failed) | $peak_conns (cap $CAP) | $pauses / $resumes | $rss0 / $peak_rss / $rss_after KiB | $alive | $exit |")
}

start_time=$SECONDS
for s in $SERVERS; do
	case $s in
	httpd)
		# Idle keep-alive connections must outlast the run; no access log
		# (hundreds of thousands of lines would measure the disk).
		idle_phase httpd "$HTTPD_BIN" http /index.html --root "$www" \
			--keepalive-timeout 300 --header-timeout 60 --no-access-log
		storm_phase httpd "$HTTPD_BIN" http --root "$www" --no-access-log
		;;
	echo)
		idle_phase echo "$ECHO_BIN" echo /
		storm_phase echo "$ECHO_BIN" echo
		;;
	*) echo "bench-load: unknown server $s" >&2; exit 2 ;;
	esac
done

{
	echo "# bench-load $stamp"
	echo
	for n in "${notes[@]}"; do echo "- $n"; done
	echo "- each latency run: $SECS s of requests one after another on one connection (httpd: GET /index.html, 612 bytes; echo: 1 byte); CPUs 0 and 1 just before each:"
	for n in "${busy_notes[@]}"; do echo "  - $n"; done
	echo
	echo "## $IDLE idle keep-alive connections while one client makes requests"
	echo
	echo "| server | idle connections served and held | server descriptors for them | RSS before → with the crowd | KiB per 1000 idle | active p50 / p99 µs before the crowd | with the crowd | after it left | requests/s before / with / after | SIGTERM |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${idle_rows[@]}"
	echo
	echo "## $STORM connection attempts, at most $CONCURRENT at once, against --max-connections $CAP"
	echo
	echo "| server | served | most connections held | accept pauses / resumes | RSS before / peak / after | alive throughout | SIGTERM |"
	echo "|---|---|---|---|---|---|---|"
	printf '%s\n' "${storm_rows[@]}"
	echo
	echo "$((SECONDS - start_time)) s in all; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
} >"$md"
cp "$md" "$OUT/load-latest.md"
cp "$csv" "$OUT/load-latest.csv"
echo
cat "$md"
echo
echo "bench-load: written to $md and $csv"
