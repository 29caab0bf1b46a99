#!/usr/bin/env bats
# Limits on everything a peer controls.
load helpers

@test "a UDP reply is never larger than the request; oversized datagrams get nothing" {
	port=$(free_port)
	activate -d -l 127.0.0.1:$port "$ECHO_BIN" --max-datagram 100 -d
	run timeout 10 python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
addr = ("127.0.0.1", int(sys.argv[1]))
for size in (1, 64, 100):
    s.sendto(b"a" * size, addr)
    data = s.recv(65536)
    assert len(data) == size, (size, len(data))
s.sendto(b"b" * 101, addr)
try:
    data = s.recv(65536)
    print("unexpected reply of", len(data))
except socket.timeout:
    print("no reply to 101 bytes")
PY
	[ "$status" -eq 0 ]
	[ "$output" = "no reply to 101 bytes" ]
	grep -q "101 byte datagram from 127.0.0.1:[0-9]* is larger than --max-datagram, dropped" "$(LOG)"
}

@test "datagrams from the small-service ports (echo 7, chargen 19) get no reply" {
	[ "$(id -u)" -eq 0 ] || skip "binding source ports 7 and 19 needs root"
	port=$(free_port)
	activate -d -l 127.0.0.1:$port "$ECHO_BIN" -d
	for sp in 7 19; do
		run timeout 5 socat -T1 - udp4:127.0.0.1:$port,sourceport=$sp <<<"loop"
		[ -z "$output" ]
	done
	# An ordinary port is still answered.
	[ "$(timeout 5 socat -T1 - udp4:127.0.0.1:$port <<<ok)" = ok ]
	[ "$(grep -c 'small service port' "$(LOG)")" -eq 2 ]
}

# Rate limits apply to remote sources only, so this runs in a network
# namespace of its own, where 192.0.2.1 (a documentation address) is a
# local, non-loopback address that exists nowhere else.
udp_burst() {
	unshare -n bash -eu -c '
	ip link set lo up
	ip addr add 192.0.2.1/32 dev lo
	"$@" >>"$LOG" 2>&1 3>&- &
	srv=$!
	trap "kill $srv" EXIT
	python3 - <<PY
import socket, time
def burst(src, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    dst = ("192.0.2.1", 3000) if src != "127.0.0.1" else ("127.0.0.1", 3000)
    for i in range(n):
        s.sendto(b"x", dst)
    s.settimeout(0.5)
    got = 0
    try:
        while True:
            s.recv(100); got += 1
    except socket.timeout:
        pass
    return got
time.sleep(0.3)
print("remote", burst("192.0.2.1", 100))
print("loopback", burst("127.0.0.1", 100))
PY' bash "$@"
}

@test "--udp-rate-limit drops what a remote source sends beyond its rate; loopback is never limited" {
	[ "$(id -u)" -eq 0 ] || skip "a network namespace with a test address needs root"
	LOG=$(LOG) run udp_burst "$ECHO_BIN" --listen udp:0.0.0.0:3000 --udp-rate-limit 10 -d
	echo "$output"
	[ "$status" -eq 0 ]
	remote=$(sed -n 's/^remote //p' <<<"$output")
	# A burst of 10, plus the odd token refilled while the 100 are sent.
	[ "$remote" -ge 10 ] && [ "$remote" -le 12 ]
	[ "$(sed -n 's/^loopback //p' <<<"$output")" -eq 100 ]
	grep -q "datagram from 192.0.2.1:[0-9]* over --udp-rate-limit, dropped" "$(LOG)"
}

@test "--udp-global-rate-limit caps replies to all remote sources together" {
	[ "$(id -u)" -eq 0 ] || skip "a network namespace with a test address needs root"
	LOG=$(LOG) run udp_burst "$ECHO_BIN" --listen udp:0.0.0.0:3000 --udp-rate-limit 0 --udp-global-rate-limit 20
	echo "$output"
	[ "$status" -eq 0 ]
	remote=$(sed -n 's/^remote //p' <<<"$output")
	[ "$remote" -ge 20 ] && [ "$remote" -le 23 ]
	[ "$(sed -n 's/^loopback //p' <<<"$output")" -eq 100 ]
}

@test "the connection cap pauses accepting and resumes when a connection closes" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --max-connections 2
	run timeout 10 python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
a = socket.create_connection(("127.0.0.1", port))
b = socket.create_connection(("127.0.0.1", port))
for s in (a, b):
    s.sendall(b"hi"); assert s.recv(10) == b"hi"
c = socket.create_connection(("127.0.0.1", port))   # queued in the backlog
c.sendall(b"third")
c.settimeout(0.5)
try:
    c.recv(10); print("third served while at the cap")
except socket.timeout:
    print("third waits")
a.close()
c.settimeout(5)
print(c.recv(10).decode())
PY
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "third waits" ]
	[ "${lines[1]}" = "third" ]
	grep -q "2 connections open (--max-connections): pausing accept" "$(LOG)"
	grep -q "accepting again" "$(LOG)"
}

@test "a client that never reads does not grow the server's memory" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --max-buffer 64K
	before=$(rss_kib "$BG_PID")
	run timeout 20 python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setblocking(False)
sent = 0
chunk = b"z" * 65536
import time
deadline = time.time() + 5
while time.time() < deadline and sent < 512 << 20:
    try:
        sent += s.send(chunk)
    except BlockingIOError:
        time.sleep(0.01)
print(sent)
PY
	[ "$status" -eq 0 ]
	after=$(rss_kib "$BG_PID")
	echo "client pushed $output bytes; server RSS ${before} KiB -> ${after} KiB"
	# The client stalls after the socket buffers fill: a few MiB, not 512.
	[ "$output" -lt $((64 << 20)) ]
	[ $((after - before)) -lt 4096 ]
}

@test "out of file descriptors: accepting pauses without a busy loop and recovers" {
	skip_under_valgrind "a 10-descriptor limit and CPU time"
	port=$(free_port)
	# 3 std + 1 listener + libevent's few + 2 connections.
	(ulimit -n 10; exec "$TOOLS/listen-fds.py" tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN") >>"$(LOG)" 2>&1 3>&- &
	BG_PID=$!; BG_PIDS+=("$BG_PID")
	wait_for 5 grep -q listening "$(LOG)"
	run timeout 20 python3 - "$port" "$BG_PID" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / 100.0
conns = []
for i in range(8):
    c = socket.create_connection(("127.0.0.1", port))
    conns.append(c)
time.sleep(0.3)
c0 = cpu()
time.sleep(2)
used = cpu() - c0
print(f"cpu {used:.2f}")
for c in conns[:-1]:
    c.close()
last = conns[-1]
last.settimeout(5)
last.sendall(b"late")
print(last.recv(10).decode())
PY
	[ "$status" -eq 0 ]
	echo "$output"
	used=$(sed -n 's/^cpu //p' <<<"$output")
	# Spinning on a readable listener would burn ~2 s of CPU here.
	python3 -c "import sys; sys.exit(0 if $used < 0.3 else 1)"
	[ "${lines[1]}" = "late" ]
	# One warning per episode, not one per retry.
	warned=$(grep -c "accept: Too many open files: pausing accept for 100 ms at a time" "$(LOG)")
	recovered=$(grep -c "descriptors available again, accepting" "$(LOG)")
	[ "$warned" -ge 1 ] && [ "$warned" -le $((recovered + 1)) ]
}
