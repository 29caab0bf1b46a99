#!/usr/bin/env bats
# --listen: the server binds its own sockets (for pasta/slirp4netns
# benchmarks, where the server must listen inside the container).
load helpers

listen() {
	start_notify
	NOTIFY_SOCKET=$NOTIFY_SOCK bg "$ECHO_BIN" "$@"
	wait_for 5 grep -q READY=1 "$NOTIFY_LOG"
}

@test "--listen IPV4:PORT and [IPV6]:PORT serve TCP" {
	p4=$(free_port); p6=$(free_port)
	listen --listen 127.0.0.1:$p4 --listen "[::1]:$p6"
	[ "$(timeout 30 socat -t 20 - tcp4:127.0.0.1:$p4 <<<four)" = four ]
	[ "$(timeout 30 socat -t 20 - "tcp6:[::1]:$p6" <<<six)" = six ]
	grep -q "127.0.0.1:$p4 (fd [0-9]*): IPv4 stream socket 127.0.0.1:$p4, listening$" "$(LOG)"
}

@test "--listen PORT serves IPv4 and IPv6 on all addresses, like ListenStream=PORT" {
	port=$(free_port)
	listen --listen $port
	[ "$(timeout 30 socat -t 20 - tcp4:127.0.0.1:$port <<<v4)" = v4 ]
	[ "$(timeout 30 socat -t 20 - "tcp6:[::1]:$port" <<<v6)" = v6 ]
}

@test "--listen udp: and dgram: serve datagrams" {
	port=$(free_port)
	listen --listen udp:127.0.0.1:$port --listen "dgram:$BATS_TEST_TMPDIR/d.sock"
	[ "$("$TOOLS/dgram.py" udp4:127.0.0.1:$port <<<u)" = u ]
	[ "$("$TOOLS/dgram.py" --bind "$BATS_TEST_TMPDIR/c.sock" "unix:$BATS_TEST_TMPDIR/d.sock" <<<d)" = d ]
}

@test "--listen on a Unix path and seqpacket:, replacing a stale socket file" {
	# A socket file left by an earlier run must not stop the next one.
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$BATS_TEST_TMPDIR/s.sock"
	listen --listen "$BATS_TEST_TMPDIR/s.sock" --listen "seqpacket:$BATS_TEST_TMPDIR/q.sock"
	[ "$(timeout 30 socat -t 20 - "unix-connect:$BATS_TEST_TMPDIR/s.sock" <<<s)" = s ]
	[ "$(timeout 30 socat -t 20 - "unix-connect:$BATS_TEST_TMPDIR/q.sock,type=5" <<<q)" = q ]
}

@test "--listen never deletes a regular file in the way" {
	echo precious >"$BATS_TEST_TMPDIR/file"
	run "$ECHO_BIN" --listen "$BATS_TEST_TMPDIR/file"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot listen: Address already in use"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/file")" = precious ]
}

@test "--listen on an abstract Unix socket" {
	name=sa-echo-test-$$-$RANDOM
	listen --listen "@$name"
	[ "$(timeout 30 socat -t 20 - "abstract-connect:$name" <<<abs)" = abs ]
}

@test "--listen on a port in use exits 1 naming the address" {
	port=$(free_port)
	listen --listen 127.0.0.1:$port
	run "$ECHO_BIN" --listen 127.0.0.1:$port
	[ "$status" -eq 1 ]
	[[ "$output" == *"127.0.0.1:$port: cannot listen: Address already in use"* ]]
}

@test "sockets from systemd and from --listen are served together" {
	p1=$(free_port); p2=$(free_port)
	launch sd=tcp4:127.0.0.1:$p1 -- "$ECHO_BIN" --listen 127.0.0.1:$p2
	[ "$(timeout 30 socat -t 20 - tcp4:127.0.0.1:$p1 <<<one)" = one ]
	[ "$(timeout 30 socat -t 20 - tcp4:127.0.0.1:$p2 <<<two)" = two ]
}

# This machine's kernel has AF_VSOCK but no loopback transport: a listener
# binds, yet no local client can reach it. On a host with vsock_loopback
# (modprobe vsock_loopback), the round trip below runs instead of skipping.
vsock_loopback() {
	python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
s.settimeout(1)
try:
    s.connect((socket.VMADDR_CID_LOCAL if hasattr(socket, "VMADDR_CID_LOCAL") else 1, int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
}

@test "a vsock listener from systemd is classified and served" {
	[ -e /dev/vsock ] || python3 -c 'import socket; socket.socket(socket.AF_VSOCK)' 2>/dev/null ||
		skip "this kernel has no AF_VSOCK"
	port=$((20000 + RANDOM))
	launch vsock=vsock:$port -- "$ECHO_BIN"
	grep -q "^vsock (fd 3): vsock stream socket vsock:4294967295:$port, listening, from systemd$" "$(LOG)"
	server_running
}

@test "vsock round trip through the echo server" {
	python3 -c 'import socket; socket.socket(socket.AF_VSOCK)' 2>/dev/null ||
		skip "this kernel has no AF_VSOCK"
	port=$((20000 + RANDOM))
	launch vsock=vsock:$port -- "$ECHO_BIN"
	vsock_loopback "$port" ||
		skip "no vsock loopback transport here (CID 1 unreachable): run 'modprobe vsock_loopback' on a host that has it"
	[ "$(timeout 30 socat -t 20 - VSOCK-CONNECT:1:$port <<<vsock)" = vsock ]
}
