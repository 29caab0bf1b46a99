#!/usr/bin/env bash
# bench-httpd.sh: wrk against our socket-activated static HTTP server and, in
# the same run and under the same conditions, against lighttpd and nginx, and
# against the floor: a fixed 612-byte response from memory (floor-httpd.c), the
# least a server can cost per request on this kernel. Numbers only: nothing
# here passes or fails, and nothing is ever made up: a server that cannot run
# gets a column of "skipped: reason" or "failed: reason".
#
# All are started the same way, `systemd-socket-activate -l 127.0.0.1:PORT`,
# one worker each, serving one document root that holds a 612-byte
# index.html and a 1 MiB file; the script checks that each really serves the
# socket it was passed (and listens on nothing else). Ours runs twice: as
# users run it, with its access log on (to a file, as the journal would take
# it), and with --no-access-log; lighttpd and nginx run with theirs off.
#
# Besides requests/s and latency, each server's own CPU time (user + system
# of the serving process, from /proc/PID/stat, across the wrk run) per
# request and per MB: with one wrk thread on 2 CPUs, wrk saturates near the
# fastest servers' rate, so CPU per request is what tells them apart. Every
# figure is also printed as a ratio to the floor and to lighttpd.
#
# Env:
#   HTTPD_BIN     our server (default build/socket-activate-httpd), run as
#                 HTTPD_BIN --root DIR --no-access-log [HTTPD_ARGS...]
#   HTTPD_ARGS    extra arguments for our server
#   HTTPD_CMD     replace our command: "lighttpd" or "nginx" puts that reference
#                 setup in the "ours" slot (to check the plumbing), anything
#                 else is a command line where {ROOT} and {PORT} are substituted
#   HTTPD_BUILD_FAILED=1  (set by make when building our server failed)
#   BENCH_QUICK=1 2 s per measurement instead of 10 (smoke run)
#   BENCH_SECS    seconds per measurement (overrides the above)
#   BENCH_CONNS   wrk connections (default 50)     BENCH_THREADS  wrk threads (default 1)
#   BENCH_OUT     results directory (default build/bench)
#   BENCH_NOPIN=1 no taskset pinning
#   BENCH_QUIET_WAIT  seconds to wait, before each server, for CPUs 0 and 1 to
#                 be idle (default 30); a column measured on busy CPUs is flagged
#   BENCH_SERVERS which columns to run (default "floor ours ours-nolog lighttpd nginx")
# Traffic goes to 127.0.0.1 only, every run is bounded by wrk -d and timeout.
set -euo pipefail
cd "$(dirname "$0")/../.." # repo root: default paths are relative to it
. tests/bench/lib.sh        # bench_pin, bench_make_docroot, bench_wrk_lua, bench_cpu_busy

HTTPD_BIN=${HTTPD_BIN:-build/socket-activate-httpd}
if [ "${BENCH_QUICK:-0}" = 1 ]; then SECS=${BENCH_SECS:-2}; else SECS=${BENCH_SECS:-10}; fi
CONNS=${BENCH_CONNS:-50}
THREADS=${BENCH_THREADS:-1}
WARMUP=${BENCH_WARMUP:-1}
QUIET_WAIT=${BENCH_QUIET_WAIT:-30}
OUT=${BENCH_OUT:-build/bench}
read -r -a SERVERS <<<"${BENCH_SERVERS:-floor ours ours-nolog lighttpd nginx}"
FLOOR_BIN=${FLOOR_BIN:-build/bench/floor-httpd}
SMALL_SIZE=612
BIG_SIZE=1048576

say() { echo "bench-httpd: $*"; }
die() { echo "bench-httpd: $*" >&2; exit 1; }

command -v wrk >/dev/null || die "wrk is not installed (make bench-httpd-deps, or tests/bench/deps-bench.sh)"
command -v systemd-socket-activate >/dev/null || die "needs systemd-socket-activate (package systemd)"
command -v curl >/dev/null || die "needs curl (to check each server's answers before loading it)"

# Find the reference servers also where /usr/sbin is not on PATH.
find_bin() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || true; }
LIGHTTPD=$(find_bin lighttpd)
NGINX=$(find_bin nginx)

# Server on CPU 0, wrk on CPU 1: each gets a whole vCPU, and the numbers do
# not depend on where the scheduler puts them.
bench_pin
[ ${#PIN_SRV[@]} = 0 ] || PINNING="server pinned to CPU 0, wrk to CPU 1 (taskset)"

TMP=$(mktemp -d /tmp/bench-httpd.XXXXXX)
PIDS=() # background processes we started (activator/server, wrk)
# Every process below a pid, deepest first, then the pid itself.
tree() {
    local c
    for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree "$c"; done
    echo "$1"
}
# TERM the top process first (a master stops its own workers; timeout passes
# the signal on to wrk), then KILL whatever is left of the tree seen before
# and after.
kill_tree() {
    local p pids
    pids=$(tree "$1")
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    for p in $pids $(tree "$1"); do kill -KILL "$p" 2>/dev/null || true; done
    wait "$1" 2>/dev/null || true
}
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill_tree "$p"; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP # so the EXIT trap runs on ^C and kill too
forget() {
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

# The document root: world-readable, because nginx's worker drops to "nobody"
# when started as root.
ROOT=$TMP/root
mkdir -p "$ROOT"
chmod 755 "$TMP" "$ROOT"
bench_make_docroot "$ROOT" || die "could not write the document root"

bench_wrk_lua "$TMP/report.lua"

declare -A R # R[label:metric]=value
LABELS=()

# A free 127.0.0.1 port: not in use by any TCP socket right now. Races are
# caught by start_server, which retries when the activator cannot bind.
free_port() {
    local p hex
    while :; do
        p=$((20000 + RANDOM % 30000))
        hex=$(printf ':%04X ' "$p")
        grep -q "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$p"; return; }
    done
}

# inode of the socket listening on 127.0.0.1:$1, from the kernel's table.
listen_inode() {
    awk -v a="$(printf '0100007F:%04X' "$1")" '$2 == a && $4 == "0A" { print $10; exit }' /proc/net/tcp
}

# All listening TCP sockets held by the processes in pid list "$@", as
# "pid:fd:address:port" lines.
listeners_of() {
    local pid fd ino pids=("$@")
    declare -A L
    local laddr st rest h ip
    while read -r _ laddr _ st rest; do
        [ "$st" = 0A ] || continue
        set -- $rest
        h=${laddr%:*}
        if [ ${#h} = 8 ]; then # IPv4, little-endian hex
            ip=$((16#${h:6:2})).$((16#${h:4:2})).$((16#${h:2:2})).$((16#${h:0:2}))
        else
            ip="[$h]"
        fi
        L[$6]=$ip:$((16#${laddr#*:}))
    done < <(tail -q -n +2 /proc/net/tcp /proc/net/tcp6 2>/dev/null)
    for pid in "${pids[@]}"; do
        for fd in /proc/"$pid"/fd/*; do
            ino=$(readlink "$fd" 2>/dev/null) || continue
            case $ino in socket:*) ino=${ino#socket:\[} ino=${ino%\]} ;; *) continue ;; esac
            [ -n "${L[$ino]:-}" ] && echo "$pid:${fd##*/}:${L[$ino]}:inode $ino"
        done
    done
    return 0
}

rss() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || true; }
rss_sum() {
    local p s=0 v
    for p in "$@"; do v=$(rss "$p" VmRSS); s=$((s + ${v:-0})); done
    echo "$s"
}

# Build the command for server kind $1 (ours|lighttpd|nginx|custom) on port $2;
# sets CMD (array), ACT_ENV (extra -E arguments) and VERSION, or SKIP (reason).
setup() {
    local kind=$1 port=$2 conf
    CMD=() ACT_ENV=() SKIP='' VERSION=''
    case $kind in
    lighttpd)
        [ -n "$LIGHTTPD" ] || { SKIP="lighttpd not installed (make bench-httpd-deps)"; return; }
        conf=$TMP/lighttpd-$port.conf
        # Default modules only (no mod_accesslog: no access log); server.port
        # and server.bind must match the passed socket, or lighttpd binds its
        # own socket as well.
        cat >"$conf" <<EOF
server.systemd-socket-activation = "enable"
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$ROOT"
server.errorlog = "/dev/stderr"
server.max-worker = 0
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html", ".bin" => "application/octet-stream" )
EOF
        CMD=("$LIGHTTPD" -D -f "$conf")
        VERSION=$("$LIGHTTPD" -v 2>&1 | head -1 | cut -d' ' -f1)
        ;;
    nginx)
        [ -n "$NGINX" ] || { SKIP="nginx not installed (make bench-httpd-deps)"; return; }
        mkdir -p "$TMP/nginx-$port"
        conf=$TMP/nginx-$port/nginx.conf
        # nginx takes inherited sockets from NGINX="3;" and uses one only for
        # a listen whose address is exactly the socket's; any other listen
        # makes it close fd 3 and bind its own. master_process off would be
        # the natural one-process setup, but nginx 1.22 then dereferences NULL
        # in ngx_event_process_init for an inherited socket (segfault on the
        # first connection), so: master + one worker, both in the foreground.
        cat >"$conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $TMP/nginx-$port/nginx.pid;
lock_file $TMP/nginx-$port/nginx.lock;
error_log stderr notice;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path $TMP/nginx-$port/body;
    proxy_temp_path $TMP/nginx-$port/proxy;
    fastcgi_temp_path $TMP/nginx-$port/fastcgi;
    uwsgi_temp_path $TMP/nginx-$port/uwsgi;
    scgi_temp_path $TMP/nginx-$port/scgi;
    types { text/html html; application/octet-stream bin; }
    server {
        listen 127.0.0.1:$port;
        root $ROOT;
        index index.html;
    }
}
EOF
        CMD=("$NGINX" -p "$TMP/nginx-$port/" -c "$conf" -e stderr)
        ACT_ENV=(-E 'NGINX=3;')
        VERSION=$("$NGINX" -v 2>&1 | sed 's/.*: //')
        ;;
    floor)
        [ -x "$FLOOR_BIN" ] || { SKIP="$FLOOR_BIN not built (make $FLOOR_BIN)"; return; }
        CMD=("$FLOOR_BIN")
        VERSION="fixed response"
        ;;
    ours | ours-nolog)
        if [ -n "${HTTPD_CMD:-}" ]; then
            case $HTTPD_CMD in
            lighttpd | nginx)
                setup "$HTTPD_CMD" "$port"
                VERSION="$VERSION via HTTPD_CMD"
                return
                ;;
            esac
            local w
            for w in $HTTPD_CMD; do
                w=${w//\{ROOT\}/$ROOT}
                CMD+=("${w//\{PORT\}/$port}")
            done
            VERSION="HTTPD_CMD: ${CMD[0]##*/}"
            return
        fi
        [ "${HTTPD_BUILD_FAILED:-0}" != 1 ] || { SKIP="build of $HTTPD_BIN failed"; return; }
        [ -x "$HTTPD_BIN" ] || { SKIP="not built ($HTTPD_BIN missing)"; return; }
        local extra=()
        read -r -a extra <<<"${HTTPD_ARGS:-}"
        CMD=("$HTTPD_BIN" --root "$ROOT" "${extra[@]}")
        [ "$kind" = ours ] || CMD+=(--no-access-log)
        if [ "$(realpath "$HTTPD_BIN")" = "$(realpath build/socket-activate-httpd 2>/dev/null)" ]; then
            VERSION="git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- httpd common 2>/dev/null || echo +changes)"
        else
            # Another build: this tree's commit would be a lie; its own
            # tree's, if it has one, is the best guess (the path is above).
            VERSION="$(git -C "$(dirname "$HTTPD_BIN")" rev-parse --short HEAD 2>/dev/null || echo '?') (another tree)"
        fi
        ;;
    esac
}

fail_rest() { # mark every metric not measured yet
    local m
    for m in "${METRICS[@]}"; do [ -n "${R[$1:$m]:-}" ] || R[$1:$m]="failed: $2"; done
    echo "!!! $1: $2"
    [ -f "${SRV_LOG:-/nonexistent}" ] && { echo "--- last lines of its output:"; tail -n 15 "$SRV_LOG"; }
    return 0
}

# wrk run: LABEL KEY PATH DURATION -> R[LABEL:KEY.field]
run_wrk() {
    local label=$1 key=$2 path=$3 secs=$4 out=$TMP/wrk.out line pid
    "${PIN_CLI[@]}" timeout -k 5 $((secs + 30)) wrk -t "$THREADS" -c "$CONNS" -d "${secs}s" --timeout 5s \
        --latency -s "$TMP/report.lua" "http://127.0.0.1:$PORT$path" >"$out" 2>&1 </dev/null &
    pid=$!
    PIDS+=("$pid")
    wait "$pid" || { forget "$pid"; cat "$out"; return 1; }
    forget "$pid"
    grep -v '^RESULT' "$out" | sed 's/^/    /'
    line=$(grep '^RESULT' "$out") || return 1
    for f in requests duration_us bytes p50_us p99_us errors err_connect err_read err_write err_status err_timeout; do
        R[$label:$key.$f]=$(echo "$line" | sed -n "s/.* $f=\([^ ]*\).*/\1/p")
    done
}

# Percent busy of CPUs 0 and 1 over half a second, before a server runs:
# anything else running there makes that column's numbers worthless.
cpu_busy() { bench_cpu_busy; }
BUSY_NOTE=''

fmt() { awk -v v="$1" -v d="$2" -v s="${3:-1}" 'BEGIN { printf "%.*f", d, v / s }'; }

# GET /$1 once and compare with the file; on a mismatch fail the column, stop
# the server and return 1.
check_get() {
    local code why
    rm -f "$TMP/got"
    code=$(curl -sS -m 10 -o "$TMP/got" -w '%{http_code}' "http://127.0.0.1:$PORT/$1" 2>"$TMP/curl.err") || true
    [ "$code" = 200 ] && cmp -s "$TMP/got" "$ROOT/$1" && return 0
    why="HTTP $code"
    [ "$code" != 000 ] || why="no answer ($(head -1 "$TMP/curl.err" | sed 's/^curl: ([0-9]*) //'))"
    [ "$code" != 200 ] || why="body differs from the file"
    fail_rest "$label" "GET /$1: $why"
    kill_tree "$SRV_PID"
    forget "$SRV_PID"
    return 1
}

METRICS=(version procs small.rps small.rps_floor small.rps_lighttpd small.cpu small.cpu_floor
    small.cpu_lighttpd small.p50 small.p99 big.rps big.gbps big.gbps_lighttpd big.cpu big.cpu_lighttpd
    rss.idle rss.anon rss.load rss.peak rsssum.idle rsssum.load errors)

# CPU time of a process so far, in clock ticks (user + system).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)

bench_one() {
    local label=$1 kind=$1 serve_pid pids inode listeners tries=0 n
    LABELS+=("$label")
    echo
    PORT=$(free_port)
    setup "$kind" "$PORT"
    if [ -n "$SKIP" ]; then
        echo "=== $label: skipped: $SKIP"
        local m
        for m in "${METRICS[@]}"; do R[$label:$m]="skipped: $SKIP"; done
        return 0
    fi
    R[$label:version]=$VERSION
    SRV_LOG=$TMP/$label.log
    # Wait (bounded) for CPUs 0 and 1 to be quiet: other work there skews everything.
    local busy waited=0
    while busy=$(cpu_busy); echo "$busy" | grep -Eq '(^| )cpu[01] ([2-9][0-9]|1[0-9][0-9])%'; do
        [ "$waited" -lt "$((QUIET_WAIT * 2))" ] || break
        [ "$waited" -gt 0 ] || echo "waiting up to ${QUIET_WAIT}s for CPUs 0 and 1 to be idle ($busy)"
        waited=$((waited + 1))
    done
    echo "CPU use by other work just before: $busy"
    if echo "$busy" | grep -Eq '(^| )cpu[01] ([2-9][0-9]|1[0-9][0-9])%'; then
        echo "!!! the CPUs were not idle before this run: its numbers are skewed by other work"
        BUSY_NOTE="$BUSY_NOTE $label"
    fi
    # Bind, retrying on a port that got taken since free_port looked.
    while :; do
        echo "=== $label: $(printf '%q ' "${PIN_SRV[@]}" systemd-socket-activate -l "127.0.0.1:$PORT" "${ACT_ENV[@]}" "${CMD[@]}")"
        "${PIN_SRV[@]}" systemd-socket-activate -l "127.0.0.1:$PORT" "${ACT_ENV[@]}" "${CMD[@]}" </dev/null >"$SRV_LOG" 2>&1 &
        SRV_PID=$!
        PIDS+=("$SRV_PID")
        inode=''
        for _ in $(seq 100); do
            inode=$(listen_inode "$PORT")
            [ -n "$inode" ] || ! kill -0 "$SRV_PID" 2>/dev/null && break
            sleep 0.05
        done
        [ -n "$inode" ] && break
        kill_tree "$SRV_PID"
        forget "$SRV_PID"
        tries=$((tries + 1))
        [ $tries -lt 5 ] || { fail_rest "$label" "activator could not listen on 127.0.0.1"; return 0; }
        PORT=$(free_port)
        setup "$kind" "$PORT"
    done

    # The first connection makes systemd-socket-activate exec the server (same
    # pid). Idle RSS is taken after that one small GET; the 1 MiB file is
    # checked after it. Both must come back byte for byte before any load.
    if [ "$kind" = floor ]; then
        curl -s -m 10 -o /dev/null "http://127.0.0.1:$PORT/" || true
    else
        check_get index.html || return 0
    fi
    case $(readlink "/proc/$SRV_PID/exe" 2>/dev/null) in
    */systemd-socket-activate | "") fail_rest "$label" "server did not exec or died"; kill_tree "$SRV_PID"; forget "$SRV_PID"; return 0 ;;
    esac
    sleep 0.5
    pids=$(tree "$SRV_PID")
    n=$(echo "$pids" | wc -w)
    # The process that serves: the activated one, or for a master/worker
    # server with one child (nginx), that worker.
    serve_pid=$SRV_PID
    [ "$n" = 2 ] && serve_pid=$(echo "$pids" | head -1)
    R[$label:procs]=$n
    [ "$n" = 1 ] || R[$label:procs]="$n (master + worker)"
    [ "$n" -le 2 ] || R[$label:procs]="$n"
    echo "pids: $(echo $pids) (serving: $serve_pid, $(grep Cpus_allowed_list "/proc/$serve_pid/status" | tr -s '\t' ' '))"

    # Verify it serves the socket systemd-socket-activate passed (same inode
    # as the one the activator bound) and listens on nothing else.
    listeners=$(listeners_of $pids)
    echo "listening sockets of the server: $(echo "$listeners" | tr '\n' ' ')"
    ss -ltnp "sport = :$PORT" 2>/dev/null | sed 's/^/    ss: /' || true
    if ! echo "$listeners" | grep -q ":127.0.0.1:$PORT:inode $inode\$"; then
        fail_rest "$label" "does not hold the passed socket (inode $inode): it bound its own"
        kill_tree "$SRV_PID"; forget "$SRV_PID"
        return 0
    fi
    if echo "$listeners" | grep -vq ":inode $inode\$"; then
        echo "!!! $label also listens on a socket it was not passed: $(echo "$listeners" | grep -v ":inode $inode\$" | tr '\n' ' ')"
    else
        echo "verified: serves the passed socket 127.0.0.1:$PORT (inode $inode) and listens on nothing else"
    fi

    R[$label:rss.idle]=$(rss "$serve_pid" VmRSS)
    R[$label:rss.anon]=$(rss "$serve_pid" RssAnon)
    R[$label:rsssum.idle]=$(rss_sum $pids)
    echo "RSS idle: ${R[$label:rss.idle]} kB, of it private (anonymous) ${R[$label:rss.anon]} kB (all processes ${R[$label:rsssum.idle]} kB)"
    [ "$kind" = floor ] || check_get 1M.bin || return 0

    echo "--- warm-up: ${WARMUP}s on /index.html (not recorded)"
    run_wrk "$label" warm /index.html "$WARMUP" >/dev/null || true
    echo "--- /index.html ($SMALL_SIZE B): wrk -t$THREADS -c$CONNS -d${SECS}s --latency"
    local t0 t1
    t0=$(cpu_ticks "$serve_pid")
    if run_wrk "$label" small /index.html "$SECS" && kill -0 "$serve_pid" 2>/dev/null; then
        t1=$(cpu_ticks "$serve_pid")
        # microseconds of server CPU per request
        R[$label:small.cpu]=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="${R[$label:small.requests]}" \
            'BEGIN { printf "%.2f", n ? t * 1e6 / hz / n : 0 }')
        local dur=${R[$label:small.duration_us]}
        R[$label:small.rps]=$(fmt "${R[$label:small.requests]}" 0 "$(fmt "$dur" 6 1000000)")
        R[$label:small.p50]=$(fmt "${R[$label:small.p50_us]}" 3 1000)
        R[$label:small.p99]=$(fmt "${R[$label:small.p99_us]}" 3 1000)
        [ $((${R[$label:small.bytes]} / (${R[$label:small.requests]} + 1))) -ge $SMALL_SIZE ] ||
            echo "!!! $label: fewer bytes per response than the file size"
    else
        fail_rest "$label" "wrk on /index.html failed or the server died"
    fi
    echo "--- /1M.bin (1 MiB): wrk -t$THREADS -c$CONNS -d${SECS}s --latency"
    t0=$(cpu_ticks "$serve_pid")
    if [ "$kind" = floor ]; then
        echo "    (the floor only answers with its fixed 612 B response)"
    elif kill -0 "$serve_pid" 2>/dev/null && run_wrk "$label" big /1M.bin "$SECS" && kill -0 "$serve_pid" 2>/dev/null; then
        t1=$(cpu_ticks "$serve_pid")
        # milliseconds of server CPU per MB (1e6 bytes) sent
        R[$label:big.cpu]=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v b="${R[$label:big.bytes]}" \
            'BEGIN { printf "%.3f", b ? t * 1e3 / hz / (b / 1e6) : 0 }')
        local dur=${R[$label:big.duration_us]}
        R[$label:big.rps]=$(fmt "${R[$label:big.requests]}" 1 "$(fmt "$dur" 6 1000000)")
        R[$label:big.gbps]=$(fmt "${R[$label:big.bytes]}" 3 "$((dur * 1000))") # bytes/us = MB/s
        [ $((${R[$label:big.bytes]} / (${R[$label:big.requests]} + 1))) -ge $BIG_SIZE ] ||
            echo "!!! $label: fewer bytes per response than the file size"
    else
        fail_rest "$label" "wrk on /1M.bin failed or the server died"
    fi
    if kill -0 "$serve_pid" 2>/dev/null; then
        sleep 1 # wrk has closed its connections; let the server finish with them
        pids=$(tree "$SRV_PID")
        R[$label:rss.load]=$(rss "$serve_pid" VmRSS)
        R[$label:rss.peak]=$(rss "$serve_pid" VmHWM)
        R[$label:rsssum.load]=$(rss_sum $pids)
        echo "RSS after load: ${R[$label:rss.load]} kB (peak ${R[$label:rss.peak]} kB; all processes ${R[$label:rsssum.load]} kB)"
    fi
    local e=0 k
    for k in small big; do e=$((e + ${R[$label:$k.errors]:-0})); done
    [ -n "${R[$label:errors]:-}" ] || R[$label:errors]=$e
    [ "$e" = 0 ] || echo "!!! $label: wrk counted $e errors (connect/read/write/non-2xx/timeout); see above"
    kill_tree "$SRV_PID"
    forget "$SRV_PID"
}

say "$PINNING; wrk: $THREADS thread(s) (one per CPU given to wrk), $CONNS keep-alive connections, ${SECS}s per measurement"
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews results)"
for s in "${SERVERS[@]}"; do bench_one "$s"; done

# ---- ratios to the floor and to lighttpd, of what was measured in this run
ratio() { # ratio VALUE REFERENCE -> VALUE/REFERENCE, or n/a
    awk -v v="$1" -v r="$2" 'BEGIN { if (v ~ /^[0-9.]+$/ && r ~ /^[0-9.]+$/ && r + 0 > 0) printf "%.2f", v / r; else print "n/a" }'
}
for l in "${LABELS[@]}"; do
    R[$l:small.rps_floor]=$(ratio "${R[$l:small.rps]:-}" "${R[floor:small.rps]:-}")
    R[$l:small.cpu_floor]=$(ratio "${R[$l:small.cpu]:-}" "${R[floor:small.cpu]:-}")
    R[$l:small.rps_lighttpd]=$(ratio "${R[$l:small.rps]:-}" "${R[lighttpd:small.rps]:-}")
    R[$l:small.cpu_lighttpd]=$(ratio "${R[$l:small.cpu]:-}" "${R[lighttpd:small.cpu]:-}")
    R[$l:big.gbps_lighttpd]=$(ratio "${R[$l:big.gbps]:-}" "${R[lighttpd:big.gbps]:-}")
    R[$l:big.cpu_lighttpd]=$(ratio "${R[$l:big.cpu]:-}" "${R[lighttpd:big.cpu]:-}")
done

# ---- table and CSV
declare -A NAME=(
    [version]="version"
    [procs]="server processes"
    [small.rps]="612 B file: requests/s"
    [small.rps_floor]="612 B file: requests/s, ratio to the floor"
    [small.rps_lighttpd]="612 B file: requests/s, ratio to lighttpd"
    [small.cpu]="612 B file: server CPU us per request"
    [small.cpu_floor]="612 B file: CPU per request, ratio to the floor"
    [small.cpu_lighttpd]="612 B file: CPU per request, ratio to lighttpd"
    [small.p50]="612 B file: latency p50 (ms)"
    [small.p99]="612 B file: latency p99 (ms)"
    [big.rps]="1 MiB file: requests/s"
    [big.gbps]="1 MiB file: GB/s (1e9 B/s incl. headers)"
    [big.gbps_lighttpd]="1 MiB file: GB/s, ratio to lighttpd"
    [big.cpu]="1 MiB file: server CPU ms per MB"
    [big.cpu_lighttpd]="1 MiB file: CPU per MB, ratio to lighttpd"
    [rss.idle]="RSS idle, serving process (kB)"
    [rss.anon]="of it private (RssAnon) (kB)"
    [rss.load]="RSS after load, serving process (kB)"
    [rss.peak]="peak RSS (VmHWM), serving process (kB)"
    [rsssum.idle]="RSS idle, all server processes (kB)"
    [rsssum.load]="RSS after load, all server processes (kB)"
    [errors]="wrk errors (socket + non-2xx)"
)
mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
PIN_LABEL=pinned
[ ${#PIN_SRV[@]} != 0 ] || PIN_LABEL=unpinned
CSV=$OUT/httpd-$STAMP-$PIN_LABEL.csv
TXT=$OUT/httpd-$STAMP-$PIN_LABEL.txt
csvq() { local v=${1//\"/\"\"}; printf '"%s"' "$v"; }
{
    printf 'metric'
    for l in "${LABELS[@]}"; do printf ',%s' "$l"; done
    echo
    for m in "${METRICS[@]}"; do
        csvq "${NAME[$m]}"
        for l in "${LABELS[@]}"; do printf ','; csvq "${R[$l:$m]:-n/a}"; done
        echo
    done
} >"$CSV"

w0=0
for m in "${METRICS[@]}"; do [ ${#NAME[$m]} -le $w0 ] || w0=${#NAME[$m]}; done
declare -A W
for l in "${LABELS[@]}"; do
    W[$l]=${#l}
    for m in "${METRICS[@]}"; do v=${R[$l:$m]:-n/a}; [ ${#v} -le ${W[$l]} ] || W[$l]=${#v}; done
done
{
    echo
    echo "bench-httpd $STAMP: $PINNING"
    echo "wrk: $THREADS thread(s), $CONNS keep-alive connections, ${SECS}s per measurement, HTTP/1.1 GET on 127.0.0.1; one server worker each"
    echo "ours: access log on (to a file); ours-nolog, lighttpd, nginx: access logs off; floor: fixed 612 B response from memory"
    printf "%-${w0}s" metric
    for l in "${LABELS[@]}"; do printf " | %-${W[$l]}s" "$l"; done
    echo
    printf '%s' "$(printf -- '-%.0s' $(seq "$w0"))"
    for l in "${LABELS[@]}"; do printf -- '-+-%s' "$(printf -- '-%.0s' $(seq "${W[$l]}"))"; done
    echo
    for m in "${METRICS[@]}"; do
        printf "%-${w0}s" "${NAME[$m]}"
        for l in "${LABELS[@]}"; do
            v=${R[$l:$m]:-n/a}
            case $v in [0-9]*) printf " | %${W[$l]}s" "$v" ;; *) printf " | %-${W[$l]}s" "$v" ;; esac
        done
        echo
    done
    [ -z "$BUSY_NOTE" ] || echo "WARNING: other work kept CPU 0 or 1 busy (20% or more) just before:$BUSY_NOTE; rerun on a quiet machine"
    echo "latency and RSS: lower is better. CSV: $CSV"
} | tee "$TXT"
cp "$CSV" "$OUT/httpd-latest-$PIN_LABEL.csv"
cp "$TXT" "$OUT/httpd-latest-$PIN_LABEL.txt"
