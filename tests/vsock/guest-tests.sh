#!/bin/sh
# The vsock checks, run by /init inside the test VM (busybox sh), against
# the vsock_loopback transport: clients connect to CID 1, this machine.
#
# Each check prints its result on the serial console as one line,
#     VSOCK ok ID    or    VSOCK not ok ID
# after its diagnostics, "VSOCK ID # ..." lines (only when it failed, or
# always with "vsock.verbose" on the kernel command line). The host
# (tests/60-vsock-vm.bats) turns each ID into a test of its own.
#
# The servers run as users run them: sandboxed (Landlock and seccomp), the
# way systemd starts them (systemd-socket-activate, or vsock-tool where it
# cannot), or binding their own socket with --listen.
set -u
ECHO=/usr/local/bin/socket-activate-echo
HTTPD=/usr/local/bin/socket-activate-httpd
TOOL=/usr/local/bin/vsock-tool
ANY=4294967295	# VMADDR_CID_ANY, what ListenStream=vsock::PORT binds
LOCAL=1		# VMADDR_CID_LOCAL: this machine, through vsock_loopback
# Only read by a sanitizer build (make SANITIZE=1 check-vsock). As in
# tests/run-all: the sandbox forbids exec, so an external symbolizer could
# not start and the report would be lost; addresses suffice.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=0
export UBSAN_OPTIONS=print_stacktrace=1
VERBOSE=0
CR=$(printf '\r')
grep -qw vsock.verbose /proc/cmdline && VERBOSE=1

# --- helpers; a check runs in a subshell in its own directory -------------

fail() {
	echo "$*"
	exit 1
}

# Centiseconds since boot.
now_cs() {
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds, or fail.
wait_for() {
	_deadline=$(($(now_cs) + $1 * 100))
	shift
	until "$@"; do
		if [ "$(now_cs)" -ge "$_deadline" ]; then
			echo "timed out waiting for: $*"
			return 1
		fi
		sleep 0.05
	done
}

# bg COMMAND...: run in the background, output to server.log; sets PID.
bg() {
	"$@" >>server.log 2>&1 </dev/null &
	PID=$!
	echo "$PID" >>pids
}

# wait_exit SECONDS: wait for $PID to exit; sets STATUS to its code.
wait_exit() {
	_deadline=$(($(now_cs) + $1 * 100))
	while kill -0 "$PID" 2>/dev/null; do
		if [ "$(now_cs)" -ge "$_deadline" ]; then
			echo "the server is still running $1 s later"
			return 1
		fi
		sleep 0.05
	done
	wait "$PID"
	STATUS=$?
}

log_has() {
	grep -Eq "$1" server.log
}

# expect_log ERE: the server log has a line matching ERE (waiting a little:
# a line is logged after the reply that announces it may be read).
expect_log() {
	wait_for 10 log_has "$1" || fail "no line matching /$1/ in the server log"
}

# client [SOCAT-OPTIONS] PORT: socat to CID 1 PORT, stdin to stdout.
client() {
	_opts=
	if [ $# -gt 1 ]; then
		_opts=,$1
		shift
	fi
	timeout 30 socat -t 10 - "VSOCK-CONNECT:$LOCAL:$1$_opts"
}

# http PORT REQUEST-LINE [HEADER...]: one HTTP/1.0 request, the response
# to resp.head (CR removed) and resp.body (exact bytes).
http() {
	_port=$1 _line=$2
	shift 2
	{
		printf '%s\r\nHost: vm\r\n' "$_line"
		for _h in "$@"; do
			printf '%s\r\n' "$_h"
		done
		printf '\r\n'
	} | client "$_port" >resp || fail "socat to vsock port $_port failed"
	# The head ends at the first empty line; the body is the rest, as sent.
	sed "/^$CR\$/q" resp | tr -d '\r' >resp.head
	sed "1,/^$CR\$/d" resp >resp.body
}

header() {
	sed -n "s/^$1: //p" resp.head
}

# Both servers log their sandbox once set up; a check that ran a server
# fails if it ran unconfined, or if a sanitizer (in a sanitizer build)
# reported anything.
server_log_clean() {
	[ -f server.log ] || return 0
	if ! grep -Eq '^sandbox: Landlock ABI [0-9]+ .*, seccomp \(no exec, new sockets, bind or connect\)$' server.log; then
		echo "the server did not confine itself with Landlock and seccomp"
		return 1
	fi
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|Sanitizer has encountered|runtime error:' server.log; then
		echo "sanitizer report in the server log"
		return 1
	fi
}

N=0
check() {
	_id=$1 _res=/tmp/results/$1
	N=$((N + 1))
	mkdir -p "/tmp/$_id" /tmp/results
	_t0=$(now_cs)
	(cd "/tmp/$_id" && "$_id" && server_log_clean) >"$_res" 2>&1
	_rc=$?
	_t1=$(now_cs)
	if [ -f "/tmp/$_id/pids" ]; then
		while read -r _p; do
			kill -9 "$_p" 2>/dev/null
		done <"/tmp/$_id/pids"
	fi
	if [ "$_rc" -ne 0 ] || [ "$VERBOSE" = 1 ]; then
		sed "s/^/VSOCK $_id # /" "$_res"
		if [ -f "/tmp/$_id/server.log" ]; then
			echo "VSOCK $_id # --- server log:"
			sed "s/^/VSOCK $_id # /" "/tmp/$_id/server.log"
		fi
	fi
	_ms=$(((_t1 - _t0) * 10))
	if [ "$_rc" -eq 0 ]; then
		echo "VSOCK ok $_id in $_ms ms"
	else
		echo "VSOCK not ok $_id in $_ms ms"
	fi
}

# --- the checks ------------------------------------------------------------

# systemd-socket-activate -l vsock::PORT is what echo-vsock.socket does.
echo_stream() {
	bg systemd-socket-activate -l "vsock::3001" --fdname=vsock "$ECHO"
	wait_for 10 log_has 'Listening on' || fail "systemd-socket-activate did not listen"
	reply=$(echo "hello over vsock" | client 3001) || fail "socat failed"
	[ "$reply" = "hello over vsock" ] || fail "echo: expected 'hello over vsock', got '$reply'"
	expect_log "^vsock \(fd 3\): vsock stream socket vsock:$ANY:3001, listening, from systemd$"
	expect_log "^vsock \(fd [0-9]+\): connection from vsock:$LOCAL:[0-9]+$"
	expect_log "^vsock \(fd [0-9]+\): vsock:$LOCAL:[0-9]+ closed, 17 bytes in, 17 bytes out$"
}

# systemd-socket-activate 252 refuses --seqpacket with a vsock address;
# vsock-tool hands the socket over as systemd would (ListenSequentialPacket=).
echo_seqpacket() {
	bg "$TOOL" listen seqpacket "$ANY" 3002 vseq "$ECHO"
	expect_log "^vseq \(fd 3\): vsock seqpacket socket vsock:$ANY:3002, listening, from systemd$"
	reply=$(echo "one record" | client type=5 3002) || fail "socat (seqpacket) failed"
	[ "$reply" = "one record" ] || fail "echo: expected 'one record', got '$reply'"
	expect_log "^vseq \(fd [0-9]+\): connection from vsock:$LOCAL:[0-9]+$"
}

# Records keep their boundaries through vsock: one larger than
# --max-datagram is dropped whole (never echoed cut), the next one comes
# back alone. Each record is written only once the previous one was
# answered (or dropped), so socat reads each in a read of its own.
echo_seqpacket_records() {
	bg "$ECHO" --max-datagram 16 --listen "seqpacket:vsock::3009"
	expect_log "^seqpacket:vsock::3009 \(fd [0-9]+\): vsock seqpacket socket vsock:$ANY:3009, listening$"
	mkfifo in
	timeout 30 socat -t 10 - "VSOCK-CONNECT:$LOCAL:3009,type=5" <in >out 2>client.err &
	echo "$!" >>pids
	exec 7>in
	printf 'short\n' >&7
	wait_for 10 grep -q short out || fail "the first record did not come back"
	printf '%031d' 0 >&7
	expect_log "sent a 31 byte record, more than --max-datagram 16: dropped$"
	printf 'last\n' >&7
	wait_for 10 grep -q last out || fail "the record after the dropped one did not come back"
	exec 7>&-
	[ "$(cat out)" = "$(printf 'short\nlast')" ] || fail "echoed: '$(cat out)'"
}

# Accept=yes: a server per connection, each handed the connected socket.
echo_accept() {
	bg systemd-socket-activate -a -l "vsock::3003" --fdname=vsock "$ECHO"
	wait_for 10 log_has 'Listening on' || fail "systemd-socket-activate did not listen"
	for n in 1 2; do
		reply=$(echo "connection $n" | client 3003) || fail "socat failed"
		[ "$reply" = "connection $n" ] || fail "echo: expected 'connection $n', got '$reply'"
	done
	expect_log "^vsock \(fd 3\): vsock stream socket vsock:$LOCAL:3003, connected, from systemd$"
	[ "$(grep -c ', connected, from systemd$' server.log)" -eq 2 ] ||
		fail "expected two servers, one per connection"
	[ "$(grep -c '^last connection closed, exiting$' server.log)" -eq 2 ] ||
		fail "expected each server to exit when its connection closed"
}

echo_16mib() {
	head -c 16777216 /dev/urandom >in
	bg systemd-socket-activate -l "vsock::3004" "$ECHO"
	wait_for 10 log_has 'Listening on' || fail "systemd-socket-activate did not listen"
	t0=$(now_cs)
	timeout 60 socat -t 30 -b 65536 - "VSOCK-CONNECT:$LOCAL:3004" <in >out || fail "socat failed"
	t1=$(now_cs)
	[ "$(wc -c <out)" -eq 16777216 ] || fail "got $(wc -c <out) bytes back, sent 16777216"
	[ "$(sha256sum <in)" = "$(sha256sum <out)" ] || fail "16 MiB came back changed (sha256 differs)"
	echo "16 MiB echoed in $(((t1 - t0) * 10)) ms"
	expect_log "closed, 16777216 bytes in, 16777216 bytes out$"
}

# --listen with vsock addresses: the server binds them itself.
echo_listen() {
	bg "$ECHO" --listen "vsock:$LOCAL:3005" --listen "seqpacket:vsock::3006"
	expect_log "^vsock:$LOCAL:3005 \(fd [0-9]+\): vsock stream socket vsock:$LOCAL:3005, listening$"
	expect_log "^seqpacket:vsock::3006 \(fd [0-9]+\): vsock seqpacket socket vsock:$ANY:3006, listening$"
	reply=$(echo "stream" | client 3005) || fail "socat failed"
	[ "$reply" = "stream" ] || fail "stream echo: got '$reply'"
	reply=$(echo "record" | client type=5 3006) || fail "socat (seqpacket) failed"
	[ "$reply" = "record" ] || fail "seqpacket echo: got '$reply'"
}

# SIGTERM while a client is connected, with bytes of its in flight: it gets
# every byte back, then an orderly end of stream; the server exits 0.
echo_sigterm() {
	bg systemd-socket-activate -l "vsock::3007" "$ECHO"
	wait_for 10 log_has 'Listening on' || fail "systemd-socket-activate did not listen"
	got=$(timeout 30 "$TOOL" sigterm-client "$LOCAL" 3007 "$PID" 100000) ||
		fail "the client failed (status $?)"
	[ "$got" = 100000 ] || fail "the client got $got of its 100000 bytes back"
	wait_exit 10 || fail "the server did not exit after SIGTERM"
	[ "$STATUS" -eq 0 ] || fail "the server exited with status $STATUS"
	expect_log "SIGTERM received"
}

make_site() {
	mkdir -p www
	printf 'hello over vsock\n' >www/hello.txt
}

httpd_get() {
	make_site
	bg systemd-socket-activate -l "vsock::8080" --fdname=vm "$HTTPD" --root www
	wait_for 10 log_has 'Listening on' || fail "systemd-socket-activate did not listen"
	http 8080 'GET /hello.txt HTTP/1.0'
	[ "$(head -n 1 resp.head)" = "HTTP/1.1 200 OK" ] || fail "status: $(head -n 1 resp.head)"
	[ "$(header Content-Length)" = 17 ] || fail "Content-Length: $(header Content-Length)"
	[ "$(cat resp.body)" = "hello over vsock" ] || fail "body: $(cat resp.body)"
	expect_log "^vm \(fd 3\): vsock stream socket vsock:$ANY:8080, listening, from systemd$"
	expect_log "^vsock:$LOCAL - - \[.*\] \"GET /hello.txt HTTP/1.0\" 200 17 \"-\" \"-\" fd=vm peer=vsock:$LOCAL:[0-9]+$"
}

httpd_range() {
	make_site
	bg systemd-socket-activate -l "vsock::8081" --fdname=vm "$HTTPD" --root www
	wait_for 10 log_has 'Listening on' || fail "systemd-socket-activate did not listen"
	http 8081 'GET /hello.txt HTTP/1.0' 'Range: bytes=6-9'
	[ "$(head -n 1 resp.head)" = "HTTP/1.1 206 Partial Content" ] || fail "status: $(head -n 1 resp.head)"
	[ "$(header Content-Range)" = "bytes 6-9/17" ] || fail "Content-Range: $(header Content-Range)"
	[ "$(header Content-Length)" = 4 ] || fail "Content-Length: $(header Content-Length)"
	[ "$(cat resp.body)" = "over" ] || fail "body: '$(cat resp.body)'"
}

# The page shows the client's own CID and port: the client binds port 40001.
httpd_diagnostics() {
	make_site
	bg systemd-socket-activate -l "vsock::8082" --fdname=vm "$HTTPD" --root www --diagnostics
	wait_for 10 log_has 'Listening on' || fail "systemd-socket-activate did not listen"
	_req='GET /.well-known/socket-activate HTTP/1.0'
	printf '%s\r\nHost: vm\r\n\r\n' "$_req" |
		timeout 30 socat -t 10 - "VSOCK-CONNECT:$LOCAL:8082,bind=$LOCAL:40001" >resp ||
		fail "socat failed"
	tr -d '\r' <resp >page
	cat page
	grep -q '^HTTP/1.1 200 OK$' page || fail "not 200"
	grep -q "^client address:  vsock:$LOCAL:40001$" page || fail "wrong client address"
	grep -q "^socket family:   vsock$" page || fail "wrong socket family"
	grep -q "^fd name:         vm$" page || fail "wrong fd name"
}

httpd_listen() {
	make_site
	bg "$HTTPD" --root www --listen "vsock:$LOCAL:8083"
	expect_log "^vsock:$LOCAL:8083 \(fd [0-9]+\): vsock stream socket vsock:$LOCAL:8083, listening$"
	http 8083 'GET /hello.txt HTTP/1.0'
	[ "$(head -n 1 resp.head)" = "HTTP/1.1 200 OK" ] || fail "status: $(head -n 1 resp.head)"
	[ "$(cat resp.body)" = "hello over vsock" ] || fail "body: $(cat resp.body)"
}

# SIGTERM during a download over vsock: the response in flight completes,
# then the server exits 0. The client reads nothing until the SIGTERM, so
# the response is stuck in the socket buffers when it arrives.
httpd_sigterm() {
	make_site
	head -c 4194304 /dev/urandom >www/big.bin
	bg systemd-socket-activate -l "vsock::8084" "$HTTPD" --root www --shutdown-timeout 30
	wait_for 10 log_has 'Listening on' || fail "systemd-socket-activate did not listen"
	mkfifo gate
	printf 'GET /big.bin HTTP/1.0\r\nHost: vm\r\n\r\n' |
		timeout 60 socat -t 30 - "VSOCK-CONNECT:$LOCAL:8084" |
		{ read -r _ <gate; cat >resp; } &
	reader=$!
	echo "$reader" >>pids
	expect_log '"GET /big.bin HTTP/1.0" 200 4194304 '
	kill -TERM "$PID"
	expect_log "SIGTERM received"
	echo go >gate
	wait "$reader" || fail "the client failed"
	head -n 1 resp | grep -q "^HTTP/1.1 200 OK$CR\$" || fail "status: $(head -n 1 resp)"
	# The head is text up to the empty line; the body, 4 MiB, follows.
	hlen=$(sed "/^$CR\$/q" resp | wc -c)
	[ "$(wc -c <resp)" -eq $((hlen + 4194304)) ] ||
		fail "got $(wc -c <resp) bytes: a $hlen byte head and $(($(wc -c <resp) - hlen)) of 4194304 body bytes"
	tail -c 4194304 resp >body
	[ "$(sha256sum <body)" = "$(sha256sum <www/big.bin)" ] || fail "the body differs from the file"
	wait_exit 10 || fail "the server did not exit after the download"
	[ "$STATUS" -eq 0 ] || fail "the server exited with status $STATUS"
}

# Users run the servers sandboxed, so the VM does too (every check above
# also fails if its server ran unconfined). Debian 12's kernel (6.1) has
# Landlock ABI 2: filesystem rules; network rules came with ABI 4.
sandbox() {
	make_site
	bg "$ECHO" --listen "vsock::3008"
	bg "$HTTPD" --root www --listen "vsock::8085"
	expect_log '^sandbox: Landlock ABI [0-9]+ \(filesystem: none(; no TCP bind or connect)?\), seccomp \(no exec, new sockets, bind or connect\)$'
	expect_log '^sandbox: Landlock ABI [0-9]+ \(filesystem: read-only beneath www(; no TCP bind or connect)?\), seccomp \(no exec, new sockets, bind or connect\)$'
	grep '^sandbox: ' server.log
}

echo "VSOCK # kernel $(uname -r), $(nproc) CPUs"
check echo_stream
check echo_seqpacket
check echo_seqpacket_records
check echo_accept
check echo_16mib
check echo_listen
check echo_sigterm
check httpd_get
check httpd_range
check httpd_diagnostics
check httpd_listen
check httpd_sigterm
check sandbox
grep '^sandbox: ' /tmp/sandbox/server.log | sed 's/^/VSOCK # /'
echo "VSOCK checks $N"
