#!/usr/bin/env bash
# bench-echo.sh: measure our socket-activated echo server against the reference
# read/write echo (build/bench/ref-echo), under the same load, and print a table.
# Numbers only: nothing here passes or fails.
#
# Env: ECHO_BIN (our server, default build/socket-activate-echo), BENCH_QUICK=1
# (short smoke run), BENCH_BULK_BYTES (bulk size, K/M/G suffixes ok),
# BENCH_SECS (seconds per timed test), BENCH_REPEAT (runs per test; the table
# shows medians), BENCH_NOPIN=1 (no taskset, to see its effect).
# Traffic stays on 127.0.0.1 and Unix sockets in a private temp dir.
set -euo pipefail
cd "$(dirname "$0")/../.." # repo root: default paths are relative to it
. tests/bench/lib.sh        # bench_pin, bench_median

ECHO_BIN=${ECHO_BIN:-build/socket-activate-echo}
REF_BIN=build/bench/ref-echo
LOAD=build/bench/echo-load
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    BULK=${BENCH_BULK_BYTES:-64M} SECS=${BENCH_SECS:-1} REPEAT=${BENCH_REPEAT:-1} HOLD=1
else
    BULK=${BENCH_BULK_BYTES:-1G} SECS=${BENCH_SECS:-3} REPEAT=${BENCH_REPEAT:-3} HOLD=3
fi
IDLE_CONNS=1000 PP_CONNS=50 UDP_SOCKS=50

for f in "$ECHO_BIN" "$REF_BIN" "$LOAD"; do
    [ -x "$f" ] || { echo "bench-echo: $f missing (build it; make bench-echo BENCH_ECHO_BIN=$REF_BIN benches the reference against itself)" >&2; exit 1; }
done
command -v systemd-socket-activate >/dev/null || { echo "bench-echo: needs systemd-socket-activate (package systemd)" >&2; exit 1; }

# Server and client on different vCPUs, so each gets a whole CPU and neither
# scheduler decisions nor migrations between runs move the numbers around.
bench_pin
PIN_SAME=("${PIN_SRV[@]}")
if [ ${#PIN_SRV[@]} != 0 ]; then
    echo "bench-echo: pinning servers to CPU 0 and the load generator to CPU 1 (taskset)"
else
    echo "bench-echo: NOT pinning (BENCH_NOPIN=1, fewer than 2 CPUs, or no taskset)"
fi
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
# Drop a reaped pid from the kill list: the exit trap must not signal a recycled pid.
forget() {
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}
trap 'exit 130' INT TERM # run the EXIT trap on ^C too

declare -A R    # R[label:test.metric]="value value ..." (one per repetition)
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
# exec so RSS and timings are the server's, not the activator's. $1 SRV key.
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

# Both servers run side by side for the whole bench (idle one costs nothing),
# so each test can alternate between them and slow phases of a shared host
# hit both alike.
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
    "$LOAD" udp "${ADDR[$label.udp]}" -c 1 -t 0.2 >/dev/null || true # its losses show in the udp test
    wait_exec "$label"
    wait_exec "$label.udp"
}

measure_rss() {
    local label=$1 idle_pid
    sleep 0.5
    R[$label:rss_idle]=$(rss_kb "$label")
    "${PIN_CLI[@]}" "$LOAD" idle "${ADDR[$label.tcp]}" -c "$IDLE_CONNS" -t "$HOLD" >"$TMP/idle.out" &
    idle_pid=$!
    PIDS+=("$idle_pid")
    for _ in $(seq 200); do grep -q READY "$TMP/idle.out" && break; sleep 0.05; done
    sleep 0.2 # let the server settle its bookkeeping for the last connections
    R[$label:rss_1000]=$(rss_kb "$label")
    wait "$idle_pid" || echo "bench-echo: FAILED: $IDLE_CONNS idle connections to $label" >&2
    forget "$idle_pid"
    echo "[$label] RSS idle ${R[$label:rss_idle]} kB, with $IDLE_CONNS idle TCP connections ${R[$label:rss_1000]} kB"
}

# One test: NAME|METRIC=RESULT_KEY ...|MODE TRANSPORT ARGS...|same (optional:
# client on the servers' CPU). Across vCPUs a lone round trip mostly measures
# the wake-up of an idle vCPU; on one CPU it shows the per-message server cost.
TESTS=()
for t in tcp unix; do
    TESTS+=("${t}_bulk|MBps=recv_MBps units=bytes|bulk $t -n $BULK")
    for c in 1 $PP_CONNS; do
        TESTS+=("${t}_pp$c|rtt=rtt_per_s p50=p50_us p99=p99_us units=round_trips|pingpong $t -c $c -t $SECS")
    done
done
TESTS+=("tcp_pp1same|rtt=rtt_per_s p50=p50_us units=round_trips|pingpong tcp -c 1 -t $SECS|same")
TESTS+=("udp|dps=dgrams_per_s lost=losses units=replies|udp udp -c $UDP_SOCKS -t $SECS")

# CPU time (user + system, clock ticks) of a server process so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)

# Run one test against one server (bounded by timeout too, in case a server
# wedges) and append its RESULT fields to R.
run_test() {
    local label=$1 name fields args same out f v mode transport
    IFS='|' read -r name fields args same <<<"$2"
    read -r mode transport args <<<"$args"
    local pin=("${PIN_CLI[@]}") srv=${SRV[$label]} t0 t1 units
    [ "$same" = same ] && pin=("${PIN_SAME[@]}")
    [ "$transport" != udp ] || srv=${SRV[$label.udp]}
    t0=$(cpu_ticks "$srv")
    # shellcheck disable=SC2086 # args is a word list on purpose
    if out=$(timeout $((${SECS%.*} + 120)) "${pin[@]}" "$LOAD" "$mode" "${ADDR[$label.$transport]}" $args); then
        t1=$(cpu_ticks "$srv")
        echo "$out" | grep -v '^RESULT' | sed "s/^/[$label] /"
        for f in $fields; do
            v=$(echo "$out" | sed -n "s/^RESULT.* ${f#*=}=\([^ ]*\).*/\1/p")
            R[$label:$name.${f%%=*}]+=" $v"
        done
        # The server's own CPU: ms per MB (1e6 bytes) for bulk, us per
        # round trip or per datagram answered otherwise.
        units=$(echo "$out" | sed -n "s/^RESULT.* ${fields##*units=}=\([^ ]*\).*/\1/p")
        R[$label:$name.cpu]+=" $(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="${units:-0}" -v bulk="${name%_bulk}" -v name="$name" \
            'BEGIN { if (n + 0 == 0) print "n/a"; else if (bulk != name) printf "%.3f", t * 1e3 / hz / (n / 1e6); else printf "%.2f", t * 1e6 / hz / n }')"
    else
        echo "$out"
        echo "bench-echo: FAILED: echo-load $mode ${ADDR[$label.$transport]} $args" >&2
    fi
}

echo "ours: $ECHO_BIN"
echo "reference: $REF_BIN"
start_all ours "$ECHO_BIN"
start_all ref "$REF_BIN"
measure_rss ours
measure_rss ref
for rep in $(seq "$REPEAT"); do
    echo "--- run $rep of $REPEAT"
    order=(ours ref)
    [ $((rep % 2)) = 0 ] && order=(ref ours) # who goes first must not matter either
    for t in "${TESTS[@]}"; do
        for label in "${order[@]}"; do run_test "$label" "$t"; done
    done
done

median() { bench_median; }
row() { # row "metric description" key
    local o r
    o=$(median <<<"${R[ours:$2]:-}")
    r=$(median <<<"${R[ref:$2]:-}")
    printf '%-42s | %12s | %12s | %s\n' "$1" "${o:-n/a}" "${r:-n/a}" \
        "$(awk -v o="$o" -v r="$r" 'BEGIN { if (o != "" && r != "" && r + 0 != 0) printf "%.2f", o / r; else print "n/a" }')"
}
echo
echo "bulk $BULK per run, $SECS s per timed test, median of $REPEAT runs; ratio = ours/reference"
echo "(throughput: higher is better; latency, losses, RSS: lower is better)"
printf '%-42s | %12s | %12s | %s\n' metric ours reference ratio
printf -- '-------------------------------------------+--------------+--------------+------\n'
for t in tcp unix; do
    row "$t bulk echo MB/s" "${t}_bulk.MBps"
    row "$t bulk: server CPU ms per MB" "${t}_bulk.cpu"
    for c in 1 $PP_CONNS; do
        row "$t pingpong c=$c round trips/s" "${t}_pp$c.rtt"
        row "$t pingpong c=$c: server CPU us per trip" "${t}_pp$c.cpu"
        row "$t pingpong c=$c p50 us" "${t}_pp$c.p50"
        row "$t pingpong c=$c p99 us" "${t}_pp$c.p99"
    done
done
row "tcp pingpong c=1 same CPU round trips/s" tcp_pp1same.rtt
row "tcp pingpong c=1 same CPU p50 us" tcp_pp1same.p50
row "udp $UDP_SOCKS sockets datagrams/s" udp.dps
row "udp: server CPU us per datagram" udp.cpu
row "udp $UDP_SOCKS sockets lost datagrams" udp.lost
row "RSS idle kB" rss_idle
row "RSS with $IDLE_CONNS idle TCP connections kB" rss_1000
