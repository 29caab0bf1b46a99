#!/usr/bin/env bats
# socket-activate-echo against hostile clients, through socket activation:
# UDP floods from spoofed-looking source ports, half-closed and reset
# connections, and a stop request while clients stream. Each test is
# bounded (well under a minute) and stays on loopback, Unix sockets, or a
# network namespace of its own.
load helpers

fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
fds_at_most() { [ "$(fd_count "$1")" -le "$2" ]; }

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "$1 needs root"
}

@test "echo: a UDP flood from source ports 7 and 19 gets not one reply, and a normal client is answered during and after it" {
	need_root "binding source ports 7 and 19"
	skip_under_valgrind "a normal client's share of a flood's throughput"
	port=$(free_port)
	launch udp=udp4:127.0.0.1:$port -- "$ECHO_BIN"
	PYTHONPATH=$TOOLS run timeout 40 python3 - "$port" <<'PY'
import socket, sys, threading, time
from testsock import answered, bound, pending
dst = ("127.0.0.1", int(sys.argv[1]))
floods = [bound("127.0.0.1", 7), bound("127.0.0.1", 19)]
normal = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
normal.settimeout(0.5)
# A normal client pings all through the flood (single datagrams may be
# lost when the flood fills the server's receive buffer: that is UDP).
during = 0
stop = False
def pinger():
    global during
    while not stop:
        normal.sendto(b"ping", dst)
        try:
            if normal.recv(100) == b"ping":
                during += 1
        except socket.timeout:
            pass
        time.sleep(0.01)  # the pinger's pace, not an ordering
t = threading.Thread(target=pinger)
t.start()
sent = 0
t0 = time.monotonic()
while sent < 100000 and time.monotonic() - t0 < 15:
    for s in floods:
        s.sendto(b"chargen loop? " * 4, dst)
    sent += 2
stop = True
t.join()
print("flood", sent, "datagrams in %.1f s" % (time.monotonic() - t0))
print("normal replies during the flood", during)
# Not a single reply to the small-service ports, now or late: once a
# marker sent after the flood is answered, every flood datagram has been
# handled (late replies to the pinger are dropped on the way).
answered(normal, dst)
print("replies to ports 7 and 19:", pending(floods))
after = 0
normal.settimeout(20)
for i in range(20):
    normal.sendto(b"after%d" % i, dst)
    if normal.recv(100) == b"after%d" % i:
        after += 1
print("normal replies after the flood", after)
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "replies to ports 7 and 19: 0" ]
	[ "$(sed -n 's/^normal replies during the flood //p' <<<"$output")" -ge 1 ]
	[ "${lines[3]}" = "normal replies after the flood 20" ]
	# The server counted what it dropped (STATUS=, once a second).
	wait_for 5 grep -qE 'STATUS=.* [0-9]{4,} dropped' "$NOTIFY_LOG"
	grep 'STATUS=' "$NOTIFY_LOG" | tail -1
}

# The server, socket-activated, in a network namespace of its own where
# 192.0.2.1 (a documentation address) is a local, non-loopback address:
# its datagrams count as remote, as a spoofed source would.
in_netns() {
	timeout 40 unshare -n bash -eu -c '
	ip link set lo up
	ip addr add 192.0.2.1/32 dev lo
	systemd-socket-activate -d -l 0.0.0.0:3000 "$@" >>"$LOG" 2>&1 3>&- &
	srv=$!
	trap "kill $srv 2>/dev/null" EXIT
	for i in $(seq 50); do grep -qs "Listening on" "$LOG" && break; sleep 0.1; done
	PYTHONPATH=$TOOLS python3 - <<PY
import socket, time
from testsock import answered, bound, pending
dst = ("192.0.2.1", 3000)
def sock(port):
    return bound("192.0.2.1", port)
# First datagram: starts the server (systemd-socket-activate execs it).
c = sock(0)
c.settimeout(20)
c.sendto(b"start", dst)
assert c.recv(100) == b"start"
floods = [sock(19), sock(7)]
for i in range(20000):
    floods[i % 2].sendto(b"x" * 32, dst)
# Once a marker sent after the flood is answered, the flood was handled.
answered(c, dst)
print("replies to 192.0.2.1:19 and :7:", pending(floods))
# The same remote address from an ordinary port: the flood used up none
# of its --udp-rate-limit (dropped before the limiter), so a burst of 50
# (within the limit of 1000/s) is answered whole.
c.settimeout(5)
got = 0
for i in range(50):
    c.sendto(b"n%d" % i, dst)
    try:
        if c.recv(100) == b"n%d" % i:
            got += 1
    except socket.timeout:
        pass
print("ordinary port answered", got)
PY' bash "$@"
}

@test "echo: a UDP flood from a remote address on port 19 and 7 gets no reply and does not use up that address's rate limit" {
	need_netns "a remote test address"
	LOG=$(LOG) TOOLS=$TOOLS run in_netns "$ECHO_BIN" -d
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "replies to 192.0.2.1:19 and :7: 0" ]
	[ "${lines[1]}" = "ordinary port answered 50" ]
	grep -q 'datagram from 192.0.2.1:19 dropped: source port is 0 or a small service port' "$(LOG)"
	grep -q 'datagram from 192.0.2.1:7 dropped: source port is 0 or a small service port' "$(LOG)"
	! grep -q 'over --udp-rate-limit' "$(LOG)" || false
}

# Starts echo socket-activated on TCP and a Unix socket, activates it, and
# records its pid in PID and its descriptor count at rest in BASE_FDS.
start_echo() {
	PORT=$(free_port)
	SOCK=$BATS_TEST_TMPDIR/echo.sock
	activate -l 127.0.0.1:$PORT -l "$SOCK" --fdname=tcp:unix "$ECHO_BIN" "$@"
	# (Generous bounds: under valgrind the first start takes seconds.)
	[ "$(timeout 30 socat -t20 -T20 - tcp4:127.0.0.1:$PORT <<<start)" = start ]
	PID=$(server_pid)
	wait_for 20 grep -q 'closed, 6 bytes in, 6 bytes out' "$(LOG)"
	BASE_FDS=$(fd_count "$PID")
}

@test "echo: half-closed clients (shutdown SHUT_WR) get back every byte they sent, on TCP and Unix sockets" {
	start_echo
	PYTHONPATH=$TOOLS run timeout 30 python3 - "$PORT" "$SOCK" <<'PY'
import os, socket, sys, threading
from testsock import connect
def conn(kind):
    return connect(kind, sys.argv[1], sys.argv[2])
def run(kind, data, out):
    s = conn(kind)
    s.settimeout(10)
    def send():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send)
    t.start()
    got = []
    while True:
        c = s.recv(1 << 20)
        if not c:
            break
        got.append(c)
    t.join()
    out.append((kind, len(data), b"".join(got) == data))
out = []
ts = [threading.Thread(target=run, args=(k, os.urandom(4 << 20), out))
      for k in ("tcp", "tcp", "unix", "unix")]
for t in ts: t.start()
for t in ts: t.join()
for kind, n, same in sorted(out):
    print(kind, n, "identical" if same else "DIFFERENT")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c ' 4194304 identical$' <<<"$output")" -eq 4 ]
	wait_for 5 fds_at_most "$PID" "$BASE_FDS"
	[ "$(grep -c 'closed, 4194304 bytes in, 4194304 bytes out' "$(LOG)")" -eq 4 ]
}

@test "echo: clients that reset (RST) or vanish mid-stream leave no descriptor and no memory behind" {
	skip_under_valgrind "RSS"
	start_echo
	rss0=$(rss_kib "$PID")
	run timeout 30 python3 - "$PORT" "$SOCK" <<'PY'
import socket, struct, sys, time
conns = []
for i in range(100):
    if i % 2:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sys.argv[2])
    else:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.setblocking(False)
    conns.append(s)
# Stream without reading: the server fills our receive buffer and then
# holds up to --max-buffer of echo for each of us.
chunk = b"r" * 65536
t0 = time.monotonic()
while time.monotonic() - t0 < 2:
    for s in conns:
        try:
            s.send(chunk)
        except BlockingIOError:
            pass
    time.sleep(0.01)  # pace of the 2 s of streaming, not an ordering
for s in conns:
    if s.family == socket.AF_INET:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
print("closed 100 streaming connections (50 TCP with RST, 50 Unix)")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for 10 fds_at_most "$PID" "$BASE_FDS"
	rss1=$(rss_kib "$PID")
	echo "fds back to $(fd_count "$PID") (baseline $BASE_FDS); RSS $rss0 KiB -> $rss1 KiB"
	# Each pinned up to 256 KiB while open; all of it is given back.
	[ $((rss1 - rss0)) -lt 8192 ]
	[ "$(timeout 5 socat -T2 - tcp4:127.0.0.1:$PORT <<<still)" = still ]
}

@test "echo: SIGTERM while 16 clients stream: every byte the server accepted comes back to its sender, and it exits 0" {
	start_echo --shutdown-timeout 10
	PYTHONPATH=$TOOLS python3 - "$PORT" "$SOCK" >stream.out 2>&1 3>&- <<'PY' &
import hashlib, os, socket, sys, threading, time
from testsock import connect
def conn(kind):
    return connect(kind, sys.argv[1], sys.argv[2])
# Sent round and round until the server closes: an odd-sized block, so a
# byte echoed out of place cannot match by accident.
block = os.urandom((1 << 20) + 4093)
L = len(block)
def is_prefix(got):
    return all(got[o:o + L] == block[:len(got) - o] for o in range(0, len(got), L))
echoing = threading.Barrier(16, action=lambda: print("all 16 echoing", flush=True))
def run(i, kind, out):
    s = conn(kind)
    local = s.getsockname()
    s.settimeout(20)
    def send():
        off = 0
        try:
            while True:
                off = (off + s.send(block[off:off + 16384])) % L
        except OSError:
            pass
    t = threading.Thread(target=send)
    t.start()
    got = bytearray()
    how = "eof"
    try:
        while True:
            c = s.recv(1 << 20)
            if not c:
                break
            if not got:
                echoing.wait(20)
            got += c
    except OSError as e:
        how = e.strerror
    try:
        s.shutdown(socket.SHUT_WR)	# ends the sender, if still blocked
    except OSError:
        pass
    t.join()
    port = local[1] if kind == "tcp" else "-"
    out.append((kind, port, len(got), is_prefix(got), how))
out = []
ts = [threading.Thread(target=run, args=(i, k, out))
      for i, k in enumerate(["tcp", "unix"] * 8)]
for t in ts: t.start()
for t in ts: t.join()
for kind, port, n, prefix, how in out:
    print(kind, port, n, "prefix" if prefix else "CORRUPT", how, flush=True)
PY
	client=$!
	BG_PIDS+=("$client")
	# Mid-stream: every client has had bytes echoed.
	wait_for 20 grep -q 'all 16 echoing' stream.out
	kill -TERM "$PID"
	wait "$client"
	cat stream.out
	exits_with 0 15
	# Each got an exact prefix of its stream, then the end: a FIN, or a
	# reset if it kept sending after the server had closed (all its echo
	# delivered by then: the byte counts below say so).
	[ "$(grep -cE ' prefix (eof|Connection reset by peer)$' stream.out)" -eq 16 ]
	! grep -q 'still open' "$(LOG)" || false
	# Per TCP connection: what the server read (bytes in) is what it
	# echoed (bytes out) is what its client got back.
	while read -r kind port n _; do
		[ "$kind" = tcp ] || continue
		line=$(grep "127.0.0.1:$port closed" "$(LOG)")
		echo "$line"
		[[ "$line" == *"closed, $n bytes in, $n bytes out" ]]
	done < <(grep '^tcp ' stream.out)
	# Unix clients are all "unnamed" in the log: compare the sums.
	got=$(awk '$1 == "unix" { s += $3 } END { print s }' stream.out)
	logged=$(grep 'unix (fd .*unnamed.* closed' "$(LOG)" |
		sed -n 's/.*closed, \([0-9]*\) bytes in, \([0-9]*\) bytes out$/\1 \2/p' |
		awk '$1 != $2 { bad = 1 } { s += $2 } END { print (bad ? "mismatch" : s) }')
	echo "unix: clients got $got, server echoed $logged"
	[ "$got" = "$logged" ]
	grep -q 'SIGTERM received' "$(LOG)"
}

@test "echo: SIGTERM while a client sends faster than it reads: what had arrived is echoed, then a FIN, long before --shutdown-timeout" {
	start_echo --shutdown-timeout 10
	run timeout 60 python3 - "$PORT" "$PID" <<'PY'
import os, signal, socket, sys, threading, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def send():
    chunk = b"s" * 65536
    try:
        while True:
            s.send(chunk)
    except OSError:
        pass
t = threading.Thread(target=send)
t.start()
s.settimeout(20)
got, stopped, how = 0, None, "eof"
try:
    while True:
        c = s.recv(65536)
        if not c:
            break
        got += len(c)
        if stopped is None and got >= 1 << 20:
            os.kill(int(sys.argv[2]), signal.SIGTERM)
            stopped = time.monotonic()
        # 64 KiB per 10 ms at most: this client reads slower than it
        # sends (the pace is the behaviour under test).
        time.sleep(0.01)
except OSError as e:
    how = e.strerror
end = time.monotonic()
try:
    s.shutdown(socket.SHUT_WR)  # ends the sender, if still blocked
except OSError:
    pass
t.join()
print(got, how)
print("the end came %.1f s after SIGTERM" % (end - stopped))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	exits_with 0 15
	# Its echo is whole (what the server read, it sent back, and the
	# client got), the end is a FIN, and nothing waited for the deadline:
	# what the client sent after SIGTERM was dropped, not echoed for as
	# long as it kept sending.
	read -r n how <<<"${lines[0]}"
	[ "$how" = eof ]
	grep -q "127\.0\.0\.1:[0-9]* closed, $n bytes in, $n bytes out$" "$(LOG)"
	grep -q 'all connections closed, exiting' "$(LOG)"
	! grep -q 'still open' "$(LOG)" || false
}
