#!/usr/bin/env bash
# bench-echo.sh: measure our socket-activated echo server against the reference
# read/write echo (tests/bench/ref-echo), under the same load, and print a table.
# Numbers only: nothing here passes or fails.
#
# Env: ECHO_BIN (our server, default echo/socket-activate-echo), BENCH_QUICK=1
# (short smoke run), BENCH_BULK_BYTES (bulk size, K/M/G suffixes ok),
# BENCH_SECS (seconds per timed test), BENCH_NOPIN=1 (no taskset, to see its effect).
# Traffic stays on 127.0.0.1 and Unix sockets in a private temp dir.
set -euo pipefail
cd "$(dirname "$0")/../.." # repo root: default paths are relative to it

ECHO_BIN=${ECHO_BIN:-echo/socket-activate-echo}
REF_BIN=tests/bench/ref-echo
LOAD=tests/bench/echo-load
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    BULK=${BENCH_BULK_BYTES:-64M} SECS=${BENCH_SECS:-1} HOLD=1
else
    BULK=${BENCH_BULK_BYTES:-1G} SECS=${BENCH_SECS:-5} HOLD=3
fi
IDLE_CONNS=1000 PP_CONNS=50 UDP_SOCKS=50

for f in "$ECHO_BIN" "$REF_BIN" "$LOAD"; do
    [ -x "$f" ] || { echo "bench-echo: $f missing (build it; ECHO_BIN=$REF_BIN benches the reference against itself)" >&2; exit 1; }
done
command -v systemd-socket-activate >/dev/null || { echo "bench-echo: needs systemd-socket-activate (package systemd)" >&2; exit 1; }

# Server and client on different vCPUs, so each gets a whole CPU and neither
# scheduler decisions nor migrations between runs move the numbers around.
if [ "${BENCH_NOPIN:-0}" != 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    PIN_SRV=(taskset -c 0) PIN_CLI=(taskset -c 1) PIN_SAME=(taskset -c 0)
    echo "bench-echo: pinning server to CPU 0 and load generator to CPU 1 (taskset)"
else
    PIN_SRV=() PIN_CLI=() PIN_SAME=()
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
trap 'exit 130' INT TERM # run the EXIT trap on ^C too

declare -A R # R[label:metric]=value

# Start $1 under systemd-socket-activate, pinned, in the background; $2... are
# its -l/-d arguments. Sets SRV_PID; the pid stays the same through both execs
# (taskset, then systemd-socket-activate exec the server in place).
start_server() {
    local bin=$1
    SRV_LOG=$TMP/$(basename "$1").$RANDOM.log
    shift
    "${PIN_SRV[@]}" systemd-socket-activate "$@" "$bin" </dev/null >"$SRV_LOG" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
}

# Kill one of our background processes and forget it, so the exit trap never
# signals a pid that may have been reused since.
stop() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
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
# exec so RSS and timings are the server's, not the activator's.
wait_exec() {
    for _ in $(seq 100); do
        case $(readlink "/proc/$SRV_PID/exe" 2>/dev/null) in
        */systemd-socket-activate | "") sleep 0.05 ;;
        *) return 0 ;;
        esac
    done
    echo "bench-echo: server never exec'd; activator log:" >&2
    cat "$SRV_LOG" >&2
    return 1
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SRV_PID/status"; }

# Run the load generator (bounded by timeout too, in case a server wedges) and
# store RESULT fields: client LABEL:NAME KEY[=METRIC]... -- ARGS...
client() {
    local key=$1 out fields=()
    shift
    while [ "$1" != -- ]; do fields+=("$1"); shift; done
    shift
    if out=$(timeout $((${SECS%.*} + 120)) "${PIN[@]}" "$LOAD" "$@"); then
        echo "$out" | grep -v '^RESULT'
        for f in "${fields[@]}"; do
            R[$key.${f%%=*}]=$(echo "$out" | sed -n "s/^RESULT.* ${f#*=}=\([^ ]*\).*/\1/p")
        done
    else
        echo "$out"
        echo "bench-echo: FAILED: echo-load $*" >&2
    fi
}

bench_one() {
    local label=$1 bin=$2 port uport sock=$TMP/$1.sock
    echo
    echo "=== $label: $bin"
    port=$("$LOAD" freeport tcp)
    uport=$("$LOAD" freeport udp)
    PIN=("${PIN_CLI[@]}")

    # Stream sockets: TCP and Unix in one activation, like a .socket unit with two ListenStream=.
    start_server "$bin" -l "127.0.0.1:$port" -l "$sock"
    wait_bound tcp "$port"
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
    "$LOAD" idle "tcp:127.0.0.1:$port" -c 1 -t 0 >/dev/null # first connection: the exec
    wait_exec
    sleep 0.5
    R[$label:rss_idle]=$(rss_kb)
    echo "RSS idle: ${R[$label:rss_idle]} kB"

    "${PIN_CLI[@]}" "$LOAD" idle "tcp:127.0.0.1:$port" -c "$IDLE_CONNS" -t "$HOLD" >"$TMP/idle.out" &
    local idle_pid=$!
    PIDS+=("$idle_pid")
    for _ in $(seq 200); do grep -q READY "$TMP/idle.out" && break; sleep 0.05; done
    sleep 0.2 # let the server settle its bookkeeping for the last connections
    R[$label:rss_1000]=$(rss_kb)
    wait "$idle_pid" || echo "bench-echo: FAILED: $IDLE_CONNS idle connections" >&2
    stop "$idle_pid"
    echo "RSS with $IDLE_CONNS idle TCP connections: ${R[$label:rss_1000]} kB"

    for t in tcp unix; do
        local a=tcp:127.0.0.1:$port
        [ $t = unix ] && a=unix:$sock
        client "$label:${t}_bulk" MBps=recv_MBps -- bulk "$a" -n "$BULK"
        client "$label:${t}_pp1" rtt=rtt_per_s p50=p50_us p99=p99_us -- pingpong "$a" -c 1 -t "$SECS"
        client "$label:${t}_pp$PP_CONNS" rtt=rtt_per_s p50=p50_us p99=p99_us -- pingpong "$a" -c "$PP_CONNS" -t "$SECS"
    done
    # Same test with both on one CPU: across vCPUs a lone round trip mostly
    # measures the wake-up of an idle vCPU; on one CPU it shows the server's cost.
    PIN=("${PIN_SAME[@]}")
    client "$label:tcp_pp1same" rtt=rtt_per_s p50=p50_us p99=p99_us -- pingpong "tcp:127.0.0.1:$port" -c 1 -t "$SECS"
    PIN=("${PIN_CLI[@]}")
    stop "$SRV_PID"

    # UDP: a second activation, because -d makes every socket of one invocation a datagram one.
    start_server "$bin" -d -l "127.0.0.1:$uport"
    wait_bound udp "$uport"
    "$LOAD" udp "udp:127.0.0.1:$uport" -c 1 -t 0.2 >/dev/null || true # warm-up: the exec
    wait_exec
    client "$label:udp" dps=dgrams_per_s lost=losses -- udp "udp:127.0.0.1:$uport" -c "$UDP_SOCKS" -t "$SECS"
    stop "$SRV_PID"
}

bench_one ours "$ECHO_BIN"
bench_one ref "$REF_BIN"

row() { # row "metric description" key
    local o=${R[ours:$2]:-} r=${R[ref:$2]:-}
    printf '%-44s | %12s | %12s | %s\n' "$1" "${o:-n/a}" "${r:-n/a}" \
        "$(awk -v o="$o" -v r="$r" 'BEGIN { if (o != "" && r != "" && r + 0 != 0) printf "%.2f", o / r; else print "n/a" }')"
}
echo
echo "bulk $BULK per run, $SECS s per timed test; latency and RSS: lower is better; ratio = ours/reference"
printf '%-44s | %12s | %12s | %s\n' metric ours reference ratio
printf -- '---------------------------------------------+--------------+--------------+------\n'
for t in tcp unix; do
    row "$t bulk echo MB/s" "${t}_bulk.MBps"
    for c in 1 $PP_CONNS; do
        row "$t pingpong c=$c round trips/s" "${t}_pp$c.rtt"
        row "$t pingpong c=$c p50 us" "${t}_pp$c.p50"
        row "$t pingpong c=$c p99 us" "${t}_pp$c.p99"
    done
done
row "tcp pingpong c=1 same CPU round trips/s" tcp_pp1same.rtt
row "tcp pingpong c=1 same CPU p50 us" tcp_pp1same.p50
row "udp $UDP_SOCKS sockets datagrams/s" udp.dps
row "udp $UDP_SOCKS sockets lost datagrams" udp.lost
row "RSS idle kB" rss_idle
row "RSS with $IDLE_CONNS idle TCP connections kB" rss_1000
