#!/usr/bin/env bats
# The echo server serves every kind of socket systemd can hand over.
#
# The first client of a socket-activated server starts it, which takes
# seconds under valgrind: stream clients wait up to 20 s for the server to
# close after echoing (socat -t; its default gives up 0.5 s after our
# input ends), datagram clients up to 20 s for the reply (dgram.py).
# Either returns as soon as the server has answered.
load helpers

@test "TCP over IPv4: socat gets its line back and returns at once" {
	port=$(free_port)
	activate -l 127.0.0.1:$port --fdname=tcp4 "$ECHO_BIN"
	run timeout 30 socat -t 20 - tcp4:127.0.0.1:$port <<<"hello"
	[ "$status" -eq 0 ]
	[ "$output" = "hello" ]
	# socat returned because the server closed after the echo.
	wait_for 5 grep -Eq '127\.0\.0\.1:[0-9]+ closed, 6 bytes in, 6 bytes out$' "$(LOG)"
}

@test "TCP over IPv6 round trip" {
	port=$(free_port)
	activate -l "[::1]:$port" "$ECHO_BIN"
	run timeout 30 socat -t 20 - "tcp6:[::1]:$port" <<<"hello6"
	[ "$status" -eq 0 ]
	[ "$output" = "hello6" ]
}

@test "UDP over IPv4: one reply with the same bytes" {
	port=$(free_port)
	activate -d -l 127.0.0.1:$port "$ECHO_BIN"
	run "$TOOLS/dgram.py" udp4:127.0.0.1:$port <<<"dgram4"
	[ "$output" = "dgram4" ]
}

@test "UDP over IPv6: one reply with the same bytes" {
	port=$(free_port)
	activate -d -l "[::1]:$port" "$ECHO_BIN"
	run "$TOOLS/dgram.py" "udp6:[::1]:$port" <<<"dgram6"
	[ "$output" = "dgram6" ]
}

@test "Unix stream socket round trip" {
	activate -l "$BATS_TEST_TMPDIR/echo.sock" "$ECHO_BIN"
	run timeout 30 socat -t 20 - "unix-connect:$BATS_TEST_TMPDIR/echo.sock" <<<"unix"
	[ "$status" -eq 0 ]
	[ "$output" = "unix" ]
}

@test "Unix datagram socket answers a bound client" {
	activate -d -l "$BATS_TEST_TMPDIR/dgram.sock" "$ECHO_BIN"
	run "$TOOLS/dgram.py" --bind "$BATS_TEST_TMPDIR/client.sock" "unix:$BATS_TEST_TMPDIR/dgram.sock" <<<"unixdgram"
	[ "$output" = "unixdgram" ]
}

@test "Unix datagram from an unbound sender is dropped with a debug line saying why" {
	activate -d -l "$BATS_TEST_TMPDIR/dgram.sock" "$ECHO_BIN" -d
	run timeout 5 socat -T1 - "unix-sendto:$BATS_TEST_TMPDIR/dgram.sock" <<<"nobody"
	[ -z "$output" ]
	wait_for 5 grep -q "no address to reply to" "$(LOG)"
	server_running
}

@test "Unix seqpacket socket echoes each record as a record" {
	activate --seqpacket -l "$BATS_TEST_TMPDIR/seq.sock" "$ECHO_BIN"
	run timeout 5 python3 - "$BATS_TEST_TMPDIR/seq.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
for rec in (b"one", b"two two", b"x" * 5000):
    s.send(rec)
    got = s.recv(65536)
    assert got == rec, (got[:20], len(got))
print("records ok")
PY
	[ "$status" -eq 0 ]
	[ "$output" = "records ok" ]
}

@test "all socket kinds at once in one process, each named in the log" {
	p4=$(free_port); p6=$(free_port); u4=$(free_port); u6=$(free_port)
	d=$BATS_TEST_TMPDIR
	launch tcp4=tcp4:127.0.0.1:$p4 tcp6=tcp6:[::1]:$p6 udp4=udp4:127.0.0.1:$u4 \
		udp6=udp6:[::1]:$u6 stream=unix:$d/s.sock dgram=unix-dgram:$d/d.sock \
		seqpacket=unix-seqpacket:$d/q.sock -- "$ECHO_BIN"
	[ "$(timeout 30 socat -t 20 - tcp4:127.0.0.1:$p4 <<<a)" = a ]
	[ "$(timeout 30 socat -t 20 - "tcp6:[::1]:$p6" <<<b)" = b ]
	[ "$("$TOOLS/dgram.py" udp4:127.0.0.1:$u4 <<<c)" = c ]
	[ "$("$TOOLS/dgram.py" "udp6:[::1]:$u6" <<<d)" = d ]
	[ "$(timeout 30 socat -t 20 - unix-connect:$d/s.sock <<<e)" = e ]
	[ "$("$TOOLS/dgram.py" --bind $d/c.sock unix:$d/d.sock <<<f)" = f ]
	[ "$(timeout 30 socat -t 20 - unix-connect:$d/q.sock,type=5 <<<g)" = g ]
	for name in tcp4 tcp6 udp4 udp6 stream dgram seqpacket; do
		grep -q "^$name (fd [0-9]*): " "$(LOG)"
	done
	grep -q 'tcp4 (fd 3): IPv4 stream socket 127.0.0.1:'"$p4"', listening, from systemd' "$(LOG)"
	grep -q 'udp6 (fd 6): IPv6 datagram socket \[::1\]:'"$u6"', receiving, from systemd' "$(LOG)"
}

@test "Accept=yes: a connected socket is echoed and the process exits 0 when it closes" {
	port=$(free_port)
	activate -a -l 127.0.0.1:$port "$ECHO_BIN"
	run timeout 30 socat -t 20 - tcp4:127.0.0.1:$port <<<"accepted"
	[ "$output" = "accepted" ]
	wait_for 5 grep -q "last connection closed, exiting" "$(LOG)"
	grep -q "IPv4 stream socket 127.0.0.1:$port, connected, from systemd" "$(LOG)"
}

@test "connection log lines carry the fd name and the client address" {
	port=$(free_port)
	activate -l 127.0.0.1:$port --fdname=web "$ECHO_BIN"
	timeout 30 socat -t 20 - tcp4:127.0.0.1:$port <<<"12345" >/dev/null
	wait_for 5 grep -q 'closed, 6 bytes in, 6 bytes out' "$(LOG)"
	grep -Eq '^web \(fd [0-9]+\): connection from 127\.0\.0\.1:[0-9]+$' "$(LOG)"
	grep -Eq '^web \(fd [0-9]+\): 127\.0\.0\.1:[0-9]+ closed, 6 bytes in, 6 bytes out$' "$(LOG)"
}

@test "a Unix stream client is logged with its pid and uid" {
	activate -l "$BATS_TEST_TMPDIR/echo.sock" "$ECHO_BIN"
	timeout 30 socat -t 20 - "unix-connect:$BATS_TEST_TMPDIR/echo.sock" <<<"x" >/dev/null
	wait_for 5 grep -Eq "connection from unnamed \(pid [0-9]+, uid $(id -u)\)" "$(LOG)"
}

@test "a 16 MiB random payload comes back byte-exact" {
	port=$(free_port)
	head -c 16M /dev/urandom >payload
	activate -l 127.0.0.1:$port "$ECHO_BIN"
	timeout 60 socat -t 30 -b 65536 - tcp4:127.0.0.1:$port <payload >back
	[ "$(sha256sum <back)" = "$(sha256sum <payload)" ]
}

@test "Accept=yes on a Unix socket: the client's pid and uid are logged" {
	activate -a -l "$BATS_TEST_TMPDIR/acc.sock" "$ECHO_BIN"
	[ "$(timeout 30 socat -t 20 - "unix-connect:$BATS_TEST_TMPDIR/acc.sock" <<<cred)" = cred ]
	wait_for 5 grep -Eq "connected, from systemd" "$(LOG)"
	wait_for 5 grep -Eq "connection from unnamed \(pid [0-9]+, uid $(id -u)\)" "$(LOG)"
}
