# lib.sh: shell functions shared by the benchmark scripts in tests/bench/
# (bench-echo.sh, bench-httpd.sh, bench-modes.sh). Source it from bash:
#   . "$(dirname "$0")/lib.sh"
# It defines functions and nothing else (no traps, no set -e changes).

# CPU pinning: the server side on CPU 0, the load generator on CPU 1, so
# each gets a whole vCPU and the numbers do not depend on where the
# scheduler puts them. On a 2-vCPU VM, client and server sharing a vCPU
# (or being moved between them) changes ping-pong latency about tenfold.
# Sets PIN_SRV and PIN_CLI (command prefixes, empty when not pinning) and
# PINNING (one line saying what was done). BENCH_NOPIN=1 turns it off.
bench_pin() {
    if [ "${BENCH_NOPIN:-0}" != 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
        PIN_SRV=(taskset -c 0) PIN_CLI=(taskset -c 1)
        PINNING="server side pinned to CPU 0, load generator to CPU 1 (taskset)"
    else
        PIN_SRV=() PIN_CLI=()
        PINNING="NOT pinned (BENCH_NOPIN=1, fewer than 2 CPUs, or no taskset)"
    fi
}

# Percent busy of CPUs 0 and 1 over half a second ("cpu0 3% cpu1 12% "):
# anything else running there skews what is measured next.
bench_cpu_busy() {
    local a b
    a=$(grep -E '^cpu[01] ' /proc/stat)
    sleep 0.5
    b=$(grep -E '^cpu[01] ' /proc/stat)
    printf '%s\n%s\n' "$a" "$b" | awk '{ t = 0; for (i = 2; i <= 9; i++) t += $i; idle = $5 + $6
        if ($1 in T) printf "%s %d%% ", $1, 100 * (1 - (idle - I[$1]) / (t - T[$1] + 0.0001)); T[$1] = t; I[$1] = idle }'
}

# True when bench_cpu_busy output $1 shows a CPU 20% busy or more.
bench_is_busy() {
    echo "$1" | grep -Eq '(^| )cpu[01] ([2-9][0-9]|1[0-9][0-9])%'
}

# Wait up to $1 seconds for CPUs 0 and 1 to be quiet. Prints the last
# sample; status 1 when they never were.
bench_wait_quiet() {
    local busy waited=0
    while busy=$(bench_cpu_busy); bench_is_busy "$busy"; do
        [ "$waited" -lt "$(($1 * 2))" ] || { echo "$busy"; return 1; }
        waited=$((waited + 1))
    done
    echo "$busy"
}

# The document root of the HTTP benchmarks: a 612-byte index.html (the
# size of nginx's default page) and a 1 MiB file of random bytes, both
# world-readable (servers may read them as nobody).
BENCH_SMALL_SIZE=612
BENCH_BIG_SIZE=1048576
bench_make_docroot() {
    local root=$1 head tail pad
    mkdir -p "$root"
    chmod 755 "$root"
    head='<!DOCTYPE html>
<html>
<head>
<title>bench-httpd</title>
</head>
<body>
<h1>bench-httpd</h1>
<p>A small static page for keep-alive request-rate benchmarks.</p>
<p>'
    tail='</p>
</body>
</html>
'
    pad=$((BENCH_SMALL_SIZE - ${#head} - ${#tail}))
    printf '%s%s%s' "$head" "$(head -c "$pad" /dev/zero | tr '\0' x)" "$tail" >"$root/index.html"
    head -c "$BENCH_BIG_SIZE" /dev/urandom >"$root/1M.bin"
    chmod 644 "$root/index.html" "$root/1M.bin"
    [ "$(stat -c %s "$root/index.html")" = "$BENCH_SMALL_SIZE" ] || {
        echo "bench: $root/index.html is not $BENCH_SMALL_SIZE bytes" >&2
        return 1
    }
}

# A wrk script that prints one machine-readable line at the end:
#   RESULT requests= duration_us= bytes= p50_us= p99_us= errors= err_*=
bench_wrk_lua() {
    cat >"$1" <<'EOF'
-- Print one machine-readable line; latency percentiles are in microseconds.
done = function(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d bytes=%d p50_us=%.0f p99_us=%.0f errors=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(99),
      e.connect + e.read + e.write + e.status + e.timeout,
      e.connect, e.read, e.write, e.status, e.timeout))
end
EOF
}

# The value of KEY in a "RESULT k=v k=v" line on stdin (empty if absent).
bench_field() {
    sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p; s/^RESULT $1=\([^ ]*\).*/\1/p" | head -1
}

# Median of the numbers on stdin (one per line or space-separated).
bench_median() {
    tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ---- paired slices (tests/bench/pairstats.py) ----------------------------
# A candidate B and a reference A run side by side and are measured in
# alternating short slices, A B B A A B ...; each pair gives one ratio B/A.
# Bash only runs the slices and logs them; pairstats.py and benchreport.py
# compute everything from the log.
BENCH_PY=(python3 -B)

# CPU time a process has used so far, in ns (every thread: the sum of the
# scheduler's run time, /proc/PID/task/*/schedstat; clock ticks of
# /proc/PID/stat are 10 ms, too coarse for a one-second slice).
bench_cpu_ns() {
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# The arms of pair N in the order they run: "A B" for even N, "B A" for odd.
bench_pair_order() {
    if [ $(($1 % 2)) = 0 ]; then echo "A B"; else echo "B A"; fi
}

# bench_slice_log LOG SERIES PAIR ARM SERVER TEST EXTRA OUTPUT: one slice's
# line: its identity, EXTRA (key=value words, e.g. cpu0_ns=), and the
# fields of OUTPUT's RESULT line, or failed=REASON (the last line of OUTPUT
# that is not a RESULT line, spaces made underscores) when there is none.
bench_slice_log() {
    local log=$1 id="slice series=$2 pair=$3 arm=$4 server=$5 test=$6" extra=$7 out=$8 res why
    res=$(printf '%s\n' "$out" | sed -n 's/^RESULT //p' | head -1)
    if [ -n "$res" ] && [ "${9:-}" != failed ]; then
        echo "$id $extra $res" >>"$log"
    else
        why=$(printf '%s\n' "$out" | grep -v '^RESULT' | grep . | tail -1 | tr -s ' \t' '__')
        echo "$id $extra failed=${why:-no_result}" >>"$log"
    fi
}
