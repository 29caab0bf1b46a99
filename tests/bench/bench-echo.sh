#!/usr/bin/env bash
# bench-echo.sh: our socket-activated echo server against the reference
# read/write echo (build/bench/ref-echo), both running side by side, measured
# in alternating short slices (A B B A ...: the reference is A, ours B). Each
# pair of slices gives a ratio ours/reference; the report gives the median of
# those ratios with a 95% interval (tests/bench/pairstats.py,
# benchreport.py). Numbers only: nothing here passes or fails.
#
# Each test goes on until its intervals (rate and server CPU per unit of
# work) are no wider than ±BENCH_CI_WIDTH, or BENCH_PAIRS_MAX pairs.
#
# Env: ECHO_BIN (our server, default build/socket-activate-echo), BENCH_QUICK=1
# (a smoke run: 6 short pairs), BENCH_BULK_BYTES (bulk bytes per slice, K/M/G
# suffixes ok), BENCH_SECS (seconds per ping-pong/UDP slice),
# BENCH_PAIRS_MIN, BENCH_PAIRS_MAX, BENCH_CI_WIDTH (default 0.03),
# BENCH_TESTS (a subset of: tcp_bulk tcp_pp1 tcp_pp50 unix_bulk unix_pp50 udp),
# BENCH_REF_BIN (another program in the reference's place: another build
# of ours, or a script that execs ours with other options),
# BENCH_NOPIN=1 (no taskset), BENCH_OUT (default build/bench).
# Traffic stays on 127.0.0.1 and Unix sockets in a private temp dir.
set -euo pipefail
cd "$(dirname "$0")/../.." # repo root: default paths are relative to it
. tests/bench/lib.sh

ECHO_BIN=${ECHO_BIN:-build/socket-activate-echo}
REF_BIN=${BENCH_REF_BIN:-build/bench/ref-echo}
LOAD=build/bench/echo-load
OUT=${BENCH_OUT:-build/bench}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    BULK=${BENCH_BULK_BYTES:-64M} SECS=${BENCH_SECS:-0.5} MIN=${BENCH_PAIRS_MIN:-6} MAX=${BENCH_PAIRS_MAX:-6} HOLD=1
else
    BULK=${BENCH_BULK_BYTES:-256M} SECS=${BENCH_SECS:-1} MIN=${BENCH_PAIRS_MIN:-8} MAX=${BENCH_PAIRS_MAX:-30} HOLD=3
fi
WIDTH=${BENCH_CI_WIDTH:-0.03}
read -r -a TESTS <<<"${BENCH_TESTS:-tcp_bulk tcp_pp1 tcp_pp50 unix_bulk unix_pp50 udp}"
IDLE_CONNS=1000 PP_CONNS=50 UDP_SOCKS=50

for f in "$ECHO_BIN" "$REF_BIN" "$LOAD"; do
    [ -x "$f" ] || { echo "bench-echo: $f missing (build it; make bench-echo BENCH_ECHO_BIN=$REF_BIN benches the reference against itself)" >&2; exit 1; }
done
command -v systemd-socket-activate >/dev/null || { echo "bench-echo: needs systemd-socket-activate (package systemd)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench-echo: needs python3 (the statistics)" >&2; exit 1; }

bench_pin
echo "bench-echo: $PINNING"
# 1000 idle connections need more fds than the usual soft limit; raising up to the hard limit needs no privilege
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

TMP=$(mktemp -d /tmp/bench-echo.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # run the EXIT trap on ^C too

mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
PIN_LABEL=pinned
[ ${#PIN_SRV[@]} != 0 ] || PIN_LABEL=unpinned
BASE=$OUT/echo-$STAMP-$PIN_LABEL
SLICES=$BASE.slices FACTS=$BASE.facts
: >"$SLICES"
: >"$FACTS"
fact() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$FACTS"; }

declare -A SRV  # SRV[label]=pid of the stream server, SRV[label.udp]=of the datagram one
declare -A ADDR # ADDR[label.tcp|unix|udp]=address for echo-load

# Start $1 under systemd-socket-activate, pinned, in the background; $3... are
# its -l/-d arguments. SRV[$2] gets the pid, which stays the same through both
# execs (taskset, then systemd-socket-activate exec the server in place).
start_server() {
    local bin=$1 key=$2
    shift 2
    "${PIN_SRV[@]}" systemd-socket-activate "$@" "$bin" </dev/null >"$TMP/$key.log" 2>&1 &
    SRV[$key]=$!
    PIDS+=("$!")
}

# Wait until a 127.0.0.1 port is bound (kernel tables: no ss/netstat needed). $1 tcp|udp.
wait_bound() {
    local hex
    hex=$(printf '0100007F:%04X' "$2")
    for _ in $(seq 100); do
        grep -q " $hex " /proc/net/"$1" && return 0
        sleep 0.05
    done
    echo "bench-echo: nothing bound on 127.0.0.1:$2/$1" >&2
    return 1
}

# systemd-socket-activate execs the server only on first traffic: wait for that
# exec so RSS and CPU are the server's, not the activator's. $1 SRV key.
wait_exec() {
    for _ in $(seq 100); do
        case $(readlink "/proc/${SRV[$1]}/exe" 2>/dev/null) in
        */systemd-socket-activate | "") sleep 0.05 ;;
        *) return 0 ;;
        esac
    done
    echo "bench-echo: $1 server never exec'd; activator log:" >&2
    cat "$TMP/$1.log" >&2
    return 1
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/${SRV[$1]}/status"; }

# Both servers run side by side for the whole run (the idle one costs
# nothing), so every slice of one can be followed by a slice of the other.
start_all() {
    local label=$1 bin=$2 port uport sock=$TMP/$1.sock
    port=$("$LOAD" freeport tcp)
    uport=$("$LOAD" freeport udp)
    ADDR[$label.tcp]=tcp:127.0.0.1:$port ADDR[$label.unix]=unix:$sock ADDR[$label.udp]=udp:127.0.0.1:$uport
    # Stream sockets: TCP and Unix in one activation, like a .socket unit with two ListenStream=.
    start_server "$bin" "$label" -l "127.0.0.1:$port" -l "$sock"
    # UDP: a second activation, because -d makes every socket of one invocation a datagram one.
    start_server "$bin" "$label.udp" -d -l "127.0.0.1:$uport"
    wait_bound tcp "$port"
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
    wait_bound udp "$uport"
    # The first connection (or datagram) makes systemd-socket-activate exec the server.
    if ! "$LOAD" idle "${ADDR[$label.tcp]}" -c 1 -t 0 >/dev/null; then
        echo "bench-echo: $label ($bin) does not echo; activator log:" >&2
        cat "$TMP/$label.log" >&2
        exit 1
    fi
    "$LOAD" udp "${ADDR[$label.udp]}" -c 1 -t 0.2 >/dev/null || true
    wait_exec "$label"
    wait_exec "$label.udp"
}

# RSS idle and with 1000 idle connections: memory, one sample each.
measure_rss() {
    local label=$1 idle_pid
    sleep 0.5
    fact "$label" rss_idle "$(rss_kb "$label")"
    "${PIN_CLI[@]}" "$LOAD" idle "${ADDR[$label.tcp]}" -c "$IDLE_CONNS" -t "$HOLD" >"$TMP/idle.out" &
    idle_pid=$!
    for _ in $(seq 200); do grep -q READY "$TMP/idle.out" && break; sleep 0.05; done
    sleep 0.2 # let the server settle its bookkeeping for the last connections
    fact "$label" rss_1000 "$(rss_kb "$label")"
    wait "$idle_pid" || echo "bench-echo: FAILED: $IDLE_CONNS idle connections to $label" >&2
    echo "[$label] RSS idle $(rss_kb "$label") kB (see the report for the figure with $IDLE_CONNS connections)"
}

# The echo-load arguments of a test: MODE TRANSPORT ARGS...
test_args() {
    case $1 in
    *_bulk) echo "bulk ${1%_bulk} -n $BULK" ;;
    *_pp1) echo "pingpong ${1%_pp1} -c 1 -t $SECS" ;;
    *_pp50) echo "pingpong ${1%_pp50} -c $PP_CONNS -t $SECS" ;;
    udp) echo "udp udp -c $UDP_SOCKS -t $SECS" ;;
    esac
}

# One slice: test $2 against server $1 (ours|ref) in pair $3 as arm $4.
slice() {
    local label=$1 test=$2 pair=$3 arm=$4 mode transport args srv c0 c1 out st=ok
    read -r mode transport args <<<"$(test_args "$test")"
    srv=${SRV[$label]}
    [ "$transport" != udp ] || srv=${SRV[$label.udp]}
    c0=$(bench_cpu_ns "$srv")
    # shellcheck disable=SC2086 # args is a word list on purpose
    out=$(timeout 120 "${PIN_CLI[@]}" "$LOAD" "$mode" "${ADDR[$label.$transport]}" $args 2>&1) || st=failed
    c1=$(bench_cpu_ns "$srv")
    bench_slice_log "$SLICES" echo "$pair" "$arm" "$label" "$test" "cpu0_ns=$c0 cpu1_ns=$c1" "$out" "$st"
    [ "$st" = ok ] || echo "bench-echo: FAILED slice: $label $test: $(echo "$out" | tail -1)" >&2
}

echo "ours: $ECHO_BIN"
echo "reference: $REF_BIN"
fact run stamp "$STAMP"
fact run ours "$ECHO_BIN ($(git log -1 --format=%h 2>/dev/null || echo '?')$(git diff --quiet HEAD -- echo common 2>/dev/null || echo '+changes'))"
if [ "$REF_BIN" = build/bench/ref-echo ]; then
    fact run reference "$REF_BIN (a bare epoll loop: 64 KiB reads, up to 16 per wake-up)"
else
    fact run reference "$REF_BIN (BENCH_REF_BIN)"
fi
fact run pinning "$PINNING"
fact run bulk "$BULK"
fact run secs "$SECS"
fact run rule "each test until its intervals are within ±$(awk -v w="$WIDTH" 'BEGIN { print w * 100 }')% (rate and CPU), $MIN to $MAX pairs"
fact run load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
start_all ours "$ECHO_BIN"
start_all ref "$REF_BIN"
measure_rss ours
measure_rss ref

START=$SECONDS
for ((pair = 0; pair < MAX; pair++)); do
    todo=("${TESTS[@]}")
    if [ "$pair" -ge "$MIN" ]; then
        read -r -a todo <<<"$("${BENCH_PY[@]}" tests/bench/pairstats.py pending "$SLICES" --series echo \
            --tests "${TESTS[*]}" --goal width --width "$WIDTH" --min "$MIN" --max "$MAX" --metrics "rate cpu")"
        [ ${#todo[@]} -gt 0 ] || break
    fi
    echo "--- pair $((pair + 1)) (at most $MAX), $((SECONDS - START)) s: ${todo[*]}"
    for t in "${todo[@]}"; do
        for arm in $(bench_pair_order "$pair"); do
            if [ "$arm" = A ]; then slice ref "$t" "$pair" A; else slice ours "$t" "$pair" B; fi
        done
    done
done
fact run elapsed "$((SECONDS - START)) s"
fact run load_after "$(cut -d' ' -f1-3 /proc/loadavg)"

"${BENCH_PY[@]}" tests/bench/benchreport.py echo "$SLICES" "$FACTS" "$BASE.md" "$BASE.csv"
cp "$BASE.md" "$OUT/echo-latest-$PIN_LABEL.md"
cp "$BASE.csv" "$OUT/echo-latest-$PIN_LABEL.csv"
echo
cat "$BASE.md"
echo
echo "bench-echo: slices $SLICES, table $BASE.md, CSV $BASE.csv"
