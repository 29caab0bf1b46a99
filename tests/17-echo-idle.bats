#!/usr/bin/env bats
# --idle-timeout: a connection on which no byte moves either way (nothing
# from the client, none of its echo read by it) is closed, with a log line
# that says so; one on which bytes move never is. Closing idle connections
# frees --max-connections slots and lets --exit-idle run.
load helpers

@test "--idle-timeout closes a TCP and a seqpacket connection on which nothing moves, not before the timeout, and says why" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port seq=unix-seqpacket:$PWD/seq.sock -- "$ECHO_BIN" --idle-timeout 1
	run timeout 60 python3 - "$port" "$PWD/seq.sock" <<'PY'
import socket, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
t = socket.create_connection(("127.0.0.1", port))
q = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
q.connect(path)
for s in (t, q):
    s.settimeout(30)
    s.sendall(b"hi")
    assert s.recv(10) == b"hi"
last = time.monotonic()
for s in (t, q):
    print(repr(s.recv(10)))
    # Not closed before a second without traffic.
    print("after at least the timeout:", time.monotonic() - last >= 1.0)
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "b''
after at least the timeout: True
b''
after at least the timeout: True" ]
	grep -q '^tcp (fd [0-9]*): 127.0.0.1:[0-9]* closed: idle for 1.000 s (--idle-timeout), 2 bytes in, 2 bytes out$' "$(LOG)"
	grep -q '^seq (fd [0-9]*): unnamed (pid [0-9]*, uid [0-9]*) closed: idle for 1.000 s (--idle-timeout), 2 bytes in, 2 bytes out$' "$(LOG)"
}

# fill SOCK: send without reading until the sends stall for half a second:
# then the kernel's buffers are full both ways and the server, its echo
# stuck, has stopped reading. (Python, for the tests below.)
FILL='
def fill(s):
    s.setblocking(False)
    sent, stalled = 0, None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            sent += s.send(b"z" * 65536)
            stalled = None
        except BlockingIOError:
            stalled = stalled or time.monotonic()
            if time.monotonic() - stalled > 0.5:
                break
            time.sleep(0.01)
    s.setblocking(True)
    return sent
'

@test "--idle-timeout never closes a connection on which bytes move: an interactive client, and a slow reader of a large echo" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --idle-timeout 2
	run timeout 90 python3 - "$port" <<PY
import socket, sys, time
$FILL
port = int(sys.argv[1])
# Typing: a line now and then, each under the timeout, for 3 timeouts.
a = socket.create_connection(("127.0.0.1", port))
a.settimeout(30)
t0 = time.monotonic()
while time.monotonic() - t0 < 6:
    a.sendall(b"x")
    assert a.recv(10) == b"x"
    time.sleep(0.5)  # the client's pace: under the timeout
a.close()
print("interactive client still served")
# A slow reader: its echo fills the buffers, then it reads 64 KiB at a
# time, under the timeout apart, for 3 timeouts. The server's own writes
# may wait longer than that for room in the socket, but bytes move.
b = socket.create_connection(("127.0.0.1", port))
fill(b)
b.settimeout(30)
got = 0
t0 = time.monotonic()
while time.monotonic() - t0 < 6:
    n = len(b.recv(65536))
    assert n > 0, "closed by the server"
    got += n
    time.sleep(0.3)  # the client's pace: under the timeout
print("slow reader still served")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "interactive client still served" ]
	[ "${lines[1]}" = "slow reader still served" ]
	! grep -q 'idle-timeout' "$(LOG)" || false
}

@test "--idle-timeout closes a client that sent a lot and stopped reading its echo, saying how much it left unread" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --idle-timeout 1 --max-buffer 64K
	PYTHONPATH=$TOOLS run timeout 60 python3 - "$port" "$(LOG)" <<PY
import socket, sys, time
from testsock import wait_log
$FILL
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
fill(s)
# Then neither read nor write, until the server has closed it.
wait_log(sys.argv[2], "--idle-timeout")
print("closed by the server")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	grep -Eq '^tcp \(fd [0-9]+\): 127\.0\.0\.1:[0-9]+ closed: idle for 1\.000 s \(--idle-timeout\), [0-9]+ bytes of its echo unread, [0-9]+ bytes in, [0-9]+ bytes out$' "$(LOG)"
}

@test "--exit-idle fires once --idle-timeout has closed a forgotten connection" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --idle-timeout 1 --exit-idle 1
	exec 5<>/dev/tcp/127.0.0.1/$port
	echo hello >&5
	read -r -t 20 line <&5
	[ "$line" = hello ]
	# Left open, silent: first the connection goes, then the server.
	exits_with 0 20
	exec 5>&-
	run grep -n -e 'idle-timeout' -e 'exit-idle' "$(LOG)"
	echo "$output"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *"closed: idle for 1.000 s (--idle-timeout), 6 bytes in, 6 bytes out" ]]
	[[ "${lines[1]}" == *"idle for 1.000 s, exiting (--exit-idle)" ]]
}

# held_at_cap PORT N: N silent connections (the --max-connections of the
# server on PORT), then one more that sends "late"; prints "late served"
# with how long it waited, or "late not served" after 4 s.
held_at_cap() {
	timeout 60 python3 - "$@" "$(LOG)" <<'PY'
import socket, sys, time
port, n, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
deadline = time.monotonic() + 20
while "pausing accept" not in open(log).read():
    assert time.monotonic() < deadline, "no 'pausing accept' in the log"
    time.sleep(0.05)
late = socket.create_connection(("127.0.0.1", port))
t0 = time.monotonic()
late.sendall(b"late")
late.settimeout(4)
try:
    print(late.recv(10).decode(), "served")
except socket.timeout:
    print("late not served")
PY
}

@test "idle clients holding every --max-connections slot no longer keep others out: they are closed and the next client is served" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --max-connections 50 --idle-timeout 1
	run held_at_cap "$port" 50
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "late served" ]
	grep -q "50 connections open (--max-connections): pausing accept" "$(LOG)"
	[ "$(grep -c 'closed: idle for 1.000 s (--idle-timeout)' "$(LOG)")" -eq 50 ]
	grep -q "accepting again" "$(LOG)"
}

@test "with --idle-timeout 0 the same idle clients keep the next one out (what the timeout is for)" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --max-connections 50 --idle-timeout 0
	run held_at_cap "$port" 50
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "late not served" ]
	! grep -q 'idle-timeout' "$(LOG)" || false
}

@test "--idle-timeout: 0 to 86400 seconds; more, or not a number, is a usage error" {
	run "$ECHO_BIN" --idle-timeout 86401
	[ "$status" -eq 2 ]
	[[ "$output" == *'invalid value for --idle-timeout: "86401" (out of range: 0 to 86400)'* ]]
	run "$ECHO_BIN" --idle-timeout -1
	[ "$status" -eq 2 ]
	run "$ECHO_BIN" --idle-timeout 0.5 --help
	[ "$status" -eq 0 ]
	[[ "$(tr -s ' \n' ' ' <<<"$output")" == *"--idle-timeout=SECONDS close a stream or seqpacket connection after SECONDS in which its client sent nothing and read none of its echo, logging why; 0: never. Default: 3600. Range: 0 to 86400 (a day)."* ]]
}
