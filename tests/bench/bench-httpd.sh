#!/usr/bin/env bash
# bench-httpd.sh: our socket-activated static HTTP server against lighttpd,
# nginx and the floor (a fixed 612-byte response from memory, floor-httpd.c:
# the least a server can cost per request on this kernel), and against
# itself without its access log. All run side by side, each started the same
# way (`systemd-socket-activate -l 127.0.0.1:PORT`, one worker each, one
# document root with a 612-byte index.html and a 1 MiB file); the script
# checks that each really serves the socket it was passed (and listens on
# nothing else) and answers byte for byte before any load.
#
# Then ours (access log on, to a file, as the journal would take it; B) and
# each reference (A) are measured in alternating wrk slices, A B B A ...; each
# pair gives the ratio ours/reference of requests/s and of the server's own
# CPU time per request (612 B file), of MB/s and CPU per MB (1 MiB file).
# The server's CPU is its run time from /proc/PID/task/*/schedstat across the
# slice: with one wrk thread on 2 CPUs wrk saturates near the fastest
# servers' rate, so CPU per request is what tells them apart. Each series goes
# on until every interval is within ±BENCH_CI_WIDTH or BENCH_PAIRS_MAX pairs
# (tests/bench/pairstats.py); the report (benchreport.py) prints every ratio
# with its 95% interval. Numbers only: nothing here passes or fails, and
# nothing is ever made up: a server that cannot run is reported with the
# reason.
#
# Env:
#   HTTPD_BIN     our server (default build/socket-activate-httpd), run as
#                 HTTPD_BIN --root DIR [--no-access-log] [HTTPD_ARGS...]
#   HTTPD_ARGS    extra arguments for our server
#   HTTPD_CMD     replace our command: "lighttpd" or "nginx" puts that reference
#                 setup in the "ours" slot (to check the plumbing), anything
#                 else is a command line where {ROOT} and {PORT} are substituted
#   HTTPD_BUILD_FAILED=1  (set by make when building our server failed)
#   BENCH_QUICK=1 a smoke run: 2 pairs
#   BENCH_SECS    seconds per wrk slice (default 1)
#   BENCH_PAIRS_MIN, BENCH_PAIRS_MAX (default 8, 24), BENCH_CI_WIDTH (0.03)
#   BENCH_CONNS   wrk connections (default 50)     BENCH_THREADS  wrk threads (default 1)
#   BENCH_OUT     results directory (default build/bench)
#   BENCH_NOPIN=1 no taskset pinning
#   BENCH_SERVERS which servers to run (default "floor ours ours-nolog lighttpd nginx")
# Traffic goes to 127.0.0.1 only, every run is bounded by wrk -d and timeout.
set -euo pipefail
cd "$(dirname "$0")/../.." # repo root: default paths are relative to it
. tests/bench/lib.sh        # bench_pin, bench_make_docroot, bench_wrk_lua, bench_cpu_ns, bench_slice_log

HTTPD_BIN=${HTTPD_BIN:-build/socket-activate-httpd}
SECS=${BENCH_SECS:-1}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    MIN=${BENCH_PAIRS_MIN:-2} MAX=${BENCH_PAIRS_MAX:-2}
else
    MIN=${BENCH_PAIRS_MIN:-8} MAX=${BENCH_PAIRS_MAX:-24}
fi
WIDTH=${BENCH_CI_WIDTH:-0.03}
CONNS=${BENCH_CONNS:-50}
THREADS=${BENCH_THREADS:-1}
WARMUP=${BENCH_WARMUP:-1}
OUT=${BENCH_OUT:-build/bench}
read -r -a SERVERS <<<"${BENCH_SERVERS:-floor ours ours-nolog lighttpd nginx}"
FLOOR_BIN=${FLOOR_BIN:-build/bench/floor-httpd}

say() { echo "bench-httpd: $*"; }
die() { echo "bench-httpd: $*" >&2; exit 1; }

command -v wrk >/dev/null || die "wrk is not installed (make bench-httpd-deps, or tests/bench/deps-bench.sh)"
command -v systemd-socket-activate >/dev/null || die "needs systemd-socket-activate (package systemd)"
command -v curl >/dev/null || die "needs curl (to check each server's answers before loading it)"
command -v python3 >/dev/null || die "needs python3 (the statistics)"

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

# A free 127.0.0.1 port: not in use by any TCP socket right now. Races are
# caught by start_one, which retries when the activator cannot bind.
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

mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
PIN_LABEL=pinned
[ ${#PIN_SRV[@]} != 0 ] || PIN_LABEL=unpinned
BASE=$OUT/httpd-$STAMP-$PIN_LABEL
SLICES=$BASE.slices FACTS=$BASE.facts
: >"$SLICES"
: >"$FACTS"
fact() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$FACTS"; }

declare -A PORT_OF SERVE_PID # per server: its port, its serving pid
UP=() # the servers that answered and hold their passed socket

# A server that cannot take part: say why, in the output and the report.
not_up() { # LABEL REASON
    echo "!!! $1: $2"
    fact "$1" skipped "$2"
    [ -f "$TMP/$1.log" ] && { echo "--- last lines of its output:"; tail -n 15 "$TMP/$1.log"; }
    return 0
}

# GET /$2 from server $1 once and compare with the file.
check_get() {
    local code why
    rm -f "$TMP/got"
    code=$(curl -sS -m 10 -o "$TMP/got" -w '%{http_code}' "http://127.0.0.1:${PORT_OF[$1]}/$2" 2>"$TMP/curl.err") || true
    [ "$code" = 200 ] && cmp -s "$TMP/got" "$ROOT/$2" && return 0
    why="HTTP $code"
    [ "$code" != 000 ] || why="no answer ($(head -1 "$TMP/curl.err" | sed 's/^curl: ([0-9]*) //'))"
    [ "$code" != 200 ] || why="body differs from the file"
    not_up "$1" "GET /$2: $why"
    return 1
}

# Start server $1 under systemd-socket-activate, verify it, note its RSS.
start_one() {
    local label=$1 kind=$1 pid pids n inode listeners tries=0 port
    port=$(free_port)
    setup "$kind" "$port"
    [ -z "$SKIP" ] || { not_up "$label" "$SKIP"; return 0; }
    fact "$label" version "$VERSION"
    # Bind, retrying on a port that got taken since free_port looked.
    while :; do
        echo "=== $label: $(printf '%q ' "${PIN_SRV[@]}" systemd-socket-activate -l "127.0.0.1:$port" "${ACT_ENV[@]}" "${CMD[@]}")"
        "${PIN_SRV[@]}" systemd-socket-activate -l "127.0.0.1:$port" "${ACT_ENV[@]}" "${CMD[@]}" </dev/null >"$TMP/$label.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        inode=''
        for _ in $(seq 100); do
            inode=$(listen_inode "$port")
            [ -n "$inode" ] || ! kill -0 "$pid" 2>/dev/null && break
            sleep 0.05
        done
        [ -n "$inode" ] && break
        kill_tree "$pid"
        forget "$pid"
        tries=$((tries + 1))
        [ $tries -lt 5 ] || { not_up "$label" "activator could not listen on 127.0.0.1"; return 0; }
        port=$(free_port)
        setup "$kind" "$port"
    done
    PORT_OF[$label]=$port
    # The first connection makes systemd-socket-activate exec the server
    # (same pid). Both files must come back byte for byte before any load.
    if [ "$kind" = floor ]; then
        curl -s -m 10 -o /dev/null "http://127.0.0.1:$port/" || true
    else
        check_get "$label" index.html || return 0
    fi
    case $(readlink "/proc/$pid/exe" 2>/dev/null) in
    */systemd-socket-activate | "") not_up "$label" "server did not exec or died"; return 0 ;;
    esac
    sleep 0.5
    pids=$(tree "$pid")
    n=$(echo "$pids" | wc -w)
    # The process that serves: the activated one, or for a master/worker
    # server with one child (nginx), that worker.
    SERVE_PID[$label]=$pid
    [ "$n" != 2 ] || SERVE_PID[$label]=$(echo "$pids" | head -1)
    echo "pids: $(echo $pids) (serving: ${SERVE_PID[$label]}, $(grep Cpus_allowed_list "/proc/${SERVE_PID[$label]}/status" | tr -s '\t' ' '))"
    # It serves the socket systemd-socket-activate passed (the inode the
    # activator bound) and listens on nothing else.
    listeners=$(listeners_of $pids)
    echo "listening sockets of the server: $(echo "$listeners" | tr '\n' ' ')"
    if ! echo "$listeners" | grep -q ":127.0.0.1:$port:inode $inode\$"; then
        not_up "$label" "does not hold the passed socket (inode $inode): it bound its own"
        return 0
    fi
    if echo "$listeners" | grep -vq ":inode $inode\$"; then
        echo "!!! $label also listens on a socket it was not passed: $(echo "$listeners" | grep -v ":inode $inode\$" | tr '\n' ' ')"
    else
        echo "verified: serves the passed socket 127.0.0.1:$port (inode $inode) and listens on nothing else"
    fi
    fact "$label" rss_idle "$(rss "${SERVE_PID[$label]}" VmRSS)"
    fact "$label" rss_anon "$(rss "${SERVE_PID[$label]}" RssAnon)"
    [ "$kind" = floor ] || check_get "$label" 1M.bin || return 0
    UP+=("$label")
}

is_up() { local l; for l in "${UP[@]}"; do [ "$l" = "$1" ] && return 0; done; return 1; }

# One wrk slice: server $1, file test $2 (small|big), as arm $5 of pair $4 of series $3.
slice() {
    local label=$1 test=$2 series=$3 pair=$4 arm=$5 path=/index.html c0 c1 out st=ok
    [ "$test" = small ] || path=/1M.bin
    c0=$(bench_cpu_ns "${SERVE_PID[$label]}")
    out=$("${PIN_CLI[@]}" timeout -k 5 $((${SECS%.*} + 30)) wrk -t "$THREADS" -c "$CONNS" -d "${SECS}s" --timeout 5s \
        --latency -s "$TMP/report.lua" "http://127.0.0.1:${PORT_OF[$label]}$path" 2>&1 </dev/null) || st=failed
    c1=$(bench_cpu_ns "${SERVE_PID[$label]}")
    # A slice with socket errors or non-2xx answers measured something else.
    echo "$out" | grep -q '^RESULT.* errors=0 ' || st=failed
    kill -0 "${SERVE_PID[$label]}" 2>/dev/null || { st=failed out="$out
the server died"; }
    bench_slice_log "$SLICES" "$series" "$pair" "$arm" "$label" "$test" "cpu0_ns=$c0 cpu1_ns=$c1" "$out" "$st"
    [ "$st" = ok ] || echo "!!! $label $path: $(echo "$out" | grep -v '^RESULT' | tail -1)"
}

say "$PINNING; wrk: $THREADS thread(s), $CONNS keep-alive connections, ${SECS}s slices"
fact run stamp "$STAMP"
fact run pinning "$PINNING"
fact run wrk "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2): $THREADS thread(s), $CONNS keep-alive connections, HTTP/1.1 GET on 127.0.0.1"
fact run secs "$SECS"
fact run rule "each series until every interval is within ±$(awk -v w="$WIDTH" 'BEGIN { print w * 100 }')%, $MIN to $MAX pairs"
fact run load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
for s in "${SERVERS[@]}"; do echo; start_one "$s"; done
echo
for s in "${UP[@]}"; do
    echo "--- warm-up: ${WARMUP}s on $s /index.html (not recorded)"
    "${PIN_CLI[@]}" timeout 60 wrk -t "$THREADS" -c "$CONNS" -d "${WARMUP}s" "http://127.0.0.1:${PORT_OF[$s]}/index.html" >/dev/null 2>&1 || true
done

# The series: ours against each reference that is up; the floor only has
# the small file.
SERIES=()
if is_up ours; then
    for r in lighttpd nginx floor ours-nolog; do is_up "$r" && SERIES+=("$r"); done
fi
START=$SECONDS
for ((pair = 0; pair < MAX; pair++)); do
    any=0
    for r in "${SERIES[@]}"; do
        tests="small big"
        [ "$r" != floor ] || tests=small
        if [ "$pair" -ge "$MIN" ]; then
            tests=$("${BENCH_PY[@]}" tests/bench/pairstats.py pending "$SLICES" --series "ours/$r" --tests "$tests" \
                --goal width --width "$WIDTH" --min "$MIN" --max "$MAX" --metrics "rate cpu")
        fi
        [ -n "$tests" ] || continue
        any=1
        echo "--- pair $((pair + 1)) (at most $MAX), $((SECONDS - START)) s: ours against $r: $tests"
        for t in $tests; do
            for arm in $(bench_pair_order "$pair"); do
                if [ "$arm" = A ]; then slice "$r" "$t" "ours/$r" "$pair" A; else slice ours "$t" "ours/$r" "$pair" B; fi
            done
        done
    done
    [ "$any" = 1 ] || break
done
fact run elapsed "$((SECONDS - START)) s"
fact run load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
sleep 1 # wrk has closed its connections; let the servers finish with them
for s in "${UP[@]}"; do fact "$s" rss_load "$(rss "${SERVE_PID[$s]}" VmRSS)"; done

"${BENCH_PY[@]}" tests/bench/benchreport.py httpd "$SLICES" "$FACTS" "$BASE.md" "$BASE.csv"
cp "$BASE.md" "$OUT/httpd-latest-$PIN_LABEL.md"
cp "$BASE.csv" "$OUT/httpd-latest-$PIN_LABEL.csv"
echo
cat "$BASE.md"
echo
say "slices $SLICES, table $BASE.md, CSV $BASE.csv"
