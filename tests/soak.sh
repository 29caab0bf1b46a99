#!/usr/bin/env bash
# Soak run: both servers, socket-activated, under mixed load for a set time;
# their RSS and descriptor counts must come back to what they were after a
# warm-up once the load stops. Exits non-zero on a leak, a failed client or
# a server that died. Loopback and Unix sockets only; every client is
# bounded in time.
#   tests/soak.sh                  (SOAK_SECONDS, default 300)
#   make soak / make soak-quick    (30 s)
# Environment: ECHO_BIN, HTTPD_BIN (default: the normal build; the ASan
# build works too, and any sanitizer report in a server log fails the run),
# ECHO_LOAD (build/bench/echo-load), SOAK_ROUND (seconds per load round,
# default 10), SOAK_RSS_TOLERANCE_KIB (default 2048), SOAK_KEEP=1 keeps the
# work directory.
set -u
cd "$(dirname "$0")/.." || exit 1
repo=$(pwd)
SOAK_SECONDS=${SOAK_SECONDS:-300}
SOAK_ROUND=${SOAK_ROUND:-10}
RSS_TOL=${SOAK_RSS_TOLERANCE_KIB:-2048}
ECHO_BIN=${ECHO_BIN:-$repo/build/socket-activate-echo}
HTTPD_BIN=${HTTPD_BIN:-$repo/build/socket-activate-httpd}
ECHO_LOAD=${ECHO_LOAD:-$repo/build/bench/echo-load}

for t in "$ECHO_BIN" "$HTTPD_BIN" "$ECHO_LOAD"; do
	[ -x "$t" ] || { echo "soak: $t is missing (make, make build/bench/echo-load)"; exit 2; }
done
for t in systemd-socket-activate wrk curl python3 ss; do
	command -v "$t" >/dev/null || { echo "soak: $t is not installed (tools/deps.sh --test)"; exit 2; }
done

# Under ASan, freed memory sits in its quarantine (up to 256 MiB), so RSS
# says nothing about leaks: LeakSanitizer checks at exit instead.
sanitized=0
if ldd "$ECHO_BIN" "$HTTPD_BIN" 2>/dev/null | grep -qE 'lib(asan|ubsan)'; then
	sanitized=1
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=0}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
fi

work=$(mktemp -d /tmp/soak.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "${SOAK_KEEP:-0}" = 1 ]; then
		echo "soak: work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail=0
problem() { echo "soak: FAIL: $*"; fail=1; }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# Established connections to a server's TCP port, as the server sees them.
tcp_conns() { ss -Htn state established "( sport = :$1 )" | wc -l; }
free_port() { "$ECHO_LOAD" freeport "$1"; }
# wait_until SECONDS COMMAND...: poll every 0.1 s.
wait_until() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}

# The site: small pages, a 1 MiB and a 16 MiB file, a directory.
site=$work/www
mkdir -p "$site/sub"
printf '<!DOCTYPE html>\n<title>soak</title>\n<p>soak</p>\n' >"$site/index.html"
printf 'small\n' >"$site/small.txt"
printf '<p>sub</p>\n' >"$site/sub/index.html"
head -c 1M /dev/urandom >"$site/1m.bin"
head -c 16M /dev/urandom >"$site/16m.bin"

# Echo on TCP, UDP and a Unix socket in one process (a socket unit with
# three sockets), httpd on TCP and a Unix socket.
ep=$(free_port tcp)
eu=$(free_port udp)
hp=$(free_port tcp)
esock=$work/echo.sock
hsock=$work/httpd.sock
"$repo/tests/tools/listen-fds.py" tcp=tcp4:127.0.0.1:$ep udp=udp4:127.0.0.1:$eu \
	unix=unix:$esock -- "$ECHO_BIN" >"$work/echo.log" 2>&1 &
echo_pid=$!
pids+=("$echo_pid")
systemd-socket-activate -l 127.0.0.1:$hp -l "$hsock" --fdname=web:local \
	"$HTTPD_BIN" --root "$site" --no-access-log >"$work/httpd.log" 2>&1 &
httpd_pid=$!
pids+=("$httpd_pid")
wait_until 5 grep -q "Listening on 127.0.0.1:$hp" "$work/httpd.log" ||
	{ echo "soak: httpd did not start"; cat "$work/httpd.log"; exit 1; }
wait_until 5 grep -q "listening" "$work/echo.log" ||
	{ echo "soak: echo did not start"; cat "$work/echo.log"; exit 1; }
# First connections: systemd-socket-activate execs httpd now.
"$ECHO_LOAD" pingpong tcp:127.0.0.1:$ep -c 1 -t 1 >/dev/null ||
	{ echo "soak: echo does not answer"; exit 1; }
curl -s -m 5 -o /dev/null "http://127.0.0.1:$hp/" ||
	{ echo "soak: httpd does not answer"; exit 1; }

idle() { [ "$(tcp_conns $ep)" -eq 0 ] && [ "$(tcp_conns $hp)" -eq 0 ]; }
sample() {
	printf '  %-14s echo: %6s KiB RSS %5s fds | httpd: %6s KiB RSS %5s fds\n' "$1" \
		"$(rss_kib $echo_pid)" "$(fd_count $echo_pid)" \
		"$(rss_kib $httpd_pid)" "$(fd_count $httpd_pid)"
}
wait_until 10 idle
cold_er=$(rss_kib $echo_pid) cold_hr=$(rss_kib $httpd_pid)

# Odd clients for httpd: partial heads that vanish, resets mid-download,
# pipelines, half-closes, malformed heads, range and conditional requests.
misc_client() {
	python3 - "$hp" "$hsock" "$1" <<'PY'
import socket, struct, sys, time
port, path, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
def tcp():
    return socket.create_connection(("127.0.0.1", port), timeout=5)
def unix():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(path)
    return s
def drain(s):
    d = b""
    try:
        while True:
            c = s.recv(1 << 16)
            if not c:
                break
            d += c
    except OSError:
        pass
    s.close()
    return d
def rst(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
n = bad = 0
end = time.monotonic() + secs
while time.monotonic() < end:
    for mk in (tcp, unix):
        s = mk()
        s.sendall(b"GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\nHEAD /1m.bin HTTP/1.1\r\nHost: a\r\n\r\n"
                  b"GET /1m.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=100-199\r\n\r\n"
                  b"GET /sub HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\n"
                  b"GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: *\r\nConnection: close\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
        d = drain(s)
        n += 6
        if d.count(b"HTTP/1.1 ") < 6:
            bad += 1
        s = mk()
        s.sendall(b"GET /small.txt HTTP/1.1\r\nHo")
        s.close()
        s = mk()
        s.sendall(b"GET /16m.bin HTTP/1.1\r\nHost: a\r\n\r\n")
        s.recv(65536)
        if mk is tcp:
            rst(s)
        else:
            s.close()
        s = mk()
        s.sendall(b"GET /../x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        if not drain(s).startswith(b"HTTP/1.1 400 "):
            bad += 1
        n += 1
    time.sleep(0.02)
print("misc: %d requests, %d bad answers" % (n, bad))
sys.exit(1 if bad else 0)
PY
}

# round SECONDS: one round of every kind of load, in parallel.
round() {
	local r=$1 jobs=() j
	"$ECHO_LOAD" pingpong tcp:127.0.0.1:$ep -c 32 -t "$r" >>"$work/load.out" 2>&1 & jobs+=($!)
	"$ECHO_LOAD" pingpong unix:$esock -c 16 -t "$r" >>"$work/load.out" 2>&1 & jobs+=($!)
	"$ECHO_LOAD" udp udp:127.0.0.1:$eu -c 4 -t "$r" >>"$work/load.out" 2>&1 & jobs+=($!)
	"$ECHO_LOAD" idle tcp:127.0.0.1:$ep -c 100 -t "$r" >>"$work/load.out" 2>&1 & jobs+=($!)
	"$ECHO_LOAD" bulk tcp:127.0.0.1:$ep -n 64M >>"$work/load.out" 2>&1 & jobs+=($!)
	wrk -t1 -c32 -d"${r}s" "http://127.0.0.1:$hp/small.txt" >>"$work/wrk.out" 2>&1 & jobs+=($!)
	wrk -t1 -c4 -d"${r}s" "http://127.0.0.1:$hp/1m.bin" >>"$work/wrk.out" 2>&1 & jobs+=($!)
	misc_client "$r" >>"$work/load.out" 2>&1 & jobs+=($!)
	pids+=("${jobs[@]}")
	# Sample while it runs.
	while :; do
		local alive=0
		for j in "${jobs[@]}"; do
			kill -0 "$j" 2>/dev/null && alive=1
		done
		[ $alive = 1 ] || break
		sample "t=$((SECONDS - start))s" >>"$work/samples"
		sleep 2
	done
	for j in "${jobs[@]}"; do
		wait "$j" || problem "a load client failed (exit $?): see below"
	done
}

echo "soak: ${SOAK_SECONDS} s of mixed load, rounds of ${SOAK_ROUND} s"
echo "  echo  pid $echo_pid: TCP 127.0.0.1:$ep, UDP 127.0.0.1:$eu, Unix $esock"
echo "  httpd pid $httpd_pid: TCP 127.0.0.1:$hp, Unix $hsock"
echo "  started:       echo: $cold_er KiB RSS $(fd_count $echo_pid) fds | httpd: $cold_hr KiB RSS $(fd_count $httpd_pid) fds"
start=$SECONDS
# Warm-up: one short round, so buffers and allocator arenas that are
# allocated once are in the baseline.
: >"$work/samples"
round 3
wait_until 15 idle || problem "connections still open after the warm-up"
sleep 0.5
base_er=$(rss_kib $echo_pid) base_ef=$(fd_count $echo_pid)
base_hr=$(rss_kib $httpd_pid) base_hf=$(fd_count $httpd_pid)
sample "baseline"
: >"$work/samples"

start=$SECONDS
while ((SECONDS - start < SOAK_SECONDS)); do
	left=$((SOAK_SECONDS - (SECONDS - start)))
	round $((left < SOAK_ROUND ? (left < 1 ? 1 : left) : SOAK_ROUND))
	kill -0 $echo_pid 2>/dev/null || { problem "echo died"; break; }
	kill -0 $httpd_pid 2>/dev/null || { problem "httpd died"; break; }
done
# About 20 of the samples taken during the load.
n=$(grep -c '^  t=' "$work/samples")
grep '^  t=' "$work/samples" | awk -v s=$(((n + 19) / 20)) '(NR - 1) % s == 0'

# After: every connection gone (idle keep-alive ones time out in 5 s).
wait_until 20 idle || problem "connections still open 20 s after the load"
settled() {
	[ "$(fd_count $echo_pid)" -le "$base_ef" ] && [ "$(fd_count $httpd_pid)" -le "$base_hf" ]
}
wait_until 10 settled
sleep 0.5
sample "after"
peak() { awk -v f="$1" '/^  t=/ { v = $f + 0; if (v > m) m = v } END { print m + 0 }' "$work/samples"; }
echo "  peak during:   echo: $(peak 3) KiB RSS $(peak 6) fds | httpd: $(peak 10) KiB RSS $(peak 13) fds"

after_er=$(rss_kib $echo_pid) after_ef=$(fd_count $echo_pid)
after_hr=$(rss_kib $httpd_pid) after_hf=$(fd_count $httpd_pid)
[ "$after_ef" -le "$base_ef" ] || problem "echo: $after_ef fds after, $base_ef at baseline"
[ "$after_hf" -le "$base_hf" ] || problem "httpd: $after_hf fds after, $base_hf at baseline"
if [ "$sanitized" = 1 ]; then
	echo "  RSS not compared: a sanitizer build (its quarantine keeps freed memory); LeakSanitizer checks at exit"
else
	[ $((after_er - base_er)) -le "$RSS_TOL" ] ||
		problem "echo: RSS $after_er KiB after, $base_er KiB at baseline (tolerance $RSS_TOL KiB)"
	[ $((after_hr - base_hr)) -le "$RSS_TOL" ] ||
		problem "httpd: RSS $after_hr KiB after, $base_hr KiB at baseline (tolerance $RSS_TOL KiB)"
fi

# What the load did.
sum() { sed -n "s/.*RESULT mode=$1 .*$2=\([0-9]*\).*/\1/p" "$work/load.out" | awk '{ s += $1 } END { print s + 0 }'; }
reqs=$(awk '/requests in/ { s += $1 } END { print s + 0 }' "$work/wrk.out")
non2xx=$(awk '/Non-2xx or 3xx responses/ { s += $NF } END { print s + 0 }' "$work/wrk.out")
sockerr=$(grep -c 'Socket errors' "$work/wrk.out")
misc=$(sed -n 's/^misc: \([0-9]*\) requests.*/\1/p' "$work/load.out" | awk '{ s += $1 } END { print s + 0 }')
echo "  load: echo $(sum pingpong round_trips) TCP/Unix round trips, $(( $(sum bulk bytes) >> 20 )) MiB bulk," \
	"$(sum udp replies) UDP replies ($(sum udp losses) lost); httpd $reqs wrk requests" \
	"($non2xx non-2xx, $sockerr runs with socket errors), $misc odd requests"
[ "$non2xx" -eq 0 ] || problem "httpd answered $non2xx wrk requests with an error"

# A clean stop: SIGTERM, exit 0, and no sanitizer report in the logs.
kill -TERM $echo_pid $httpd_pid
for p in $echo_pid $httpd_pid; do
	wait "$p"
	rc=$?
	[ "$rc" -eq 0 ] || problem "pid $p exited with $rc after SIGTERM"
done
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|^==[0-9]+== ' "$work/echo.log" "$work/httpd.log"; then
	problem "sanitizer or valgrind report in a server log"
	grep -hE -A20 'ERROR: |runtime error:|^==[0-9]+== ' "$work/echo.log" "$work/httpd.log" | head -60
fi
if [ "$fail" -ne 0 ]; then
	echo "--- load output:"; tail -30 "$work/load.out"
	echo "--- echo log:"; grep -vE 'connection from|closed, [0-9]+ bytes in' "$work/echo.log" | tail -20
	echo "--- httpd log:"; tail -20 "$work/httpd.log"
	echo "soak: FAILED"
	exit 1
fi
if [ "$sanitized" = 1 ]; then
	echo "soak: OK: descriptors back to baseline ($base_ef -> $after_ef echo, $base_hf -> $after_hf httpd), no sanitizer report at exit"
else
	echo "soak: OK: RSS and descriptors back to baseline (echo $base_er -> $after_er KiB, $base_ef -> $after_ef fds; httpd $base_hr -> $after_hr KiB, $base_hf -> $after_hf fds)"
fi
