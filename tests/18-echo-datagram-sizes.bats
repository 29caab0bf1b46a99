#!/usr/bin/env bats
# Large datagrams come back whole, byte for byte, on every datagram family:
# the earlier C++ image cut every UDP reply to 1024 bytes, and a test that
# sends 100 bytes cannot tell. Sizes: just over that cut, a page-sized
# 8192, and the largest UDP payload over IPv4 (65507) and IPv6 (65527).
load helpers

# roundtrip ADDRESS SIZE...: one datagram of random bytes per SIZE to the
# echo at ADDRESS (udp4:HOST:PORT, udp6:[HOST]:PORT or unix:PATH, the
# client then bound beside it), each reply compared with what was sent.
# Prints "SIZE ok", "SIZE got N bytes, different" or "SIZE no reply". A
# SIZE written -SIZE is sent without waiting ("SIZE sent"): if it is
# answered, that reply is what the next SIZE gets, and it differs.
roundtrip() {
	timeout 120 python3 - "$@" <<'PY'
import os, socket, sys
kind, _, rest = sys.argv[1].partition(":")
if kind == "unix":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(rest + ".client")
    dst = rest
    # A Unix datagram is as large as the sender's buffer allows.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
else:
    host, _, port = rest.rpartition(":")
    s = socket.socket(socket.AF_INET if kind == "udp4" else socket.AF_INET6,
                      socket.SOCK_DGRAM)
    dst = (host.strip("[]"), int(port))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
for arg in sys.argv[2:]:
    size = abs(int(arg))
    # The first datagram may start the server: seconds under valgrind.
    s.settimeout(20)
    data = os.urandom(size)
    s.sendto(data, dst)
    if arg.startswith("-"):
        print(size, "sent")
        continue
    try:
        got = s.recv(1 << 20)
    except socket.timeout:
        print(size, "no reply")
        continue
    print(size, "ok" if got == data else "got %d bytes, different" % len(got))
PY
}

@test "UDP over IPv4: 1025, 8192 and 65507-byte datagrams come back whole, byte for byte" {
	port=$(free_port)
	launch udp=udp4:127.0.0.1:$port -- "$ECHO_BIN"
	run roundtrip "udp4:127.0.0.1:$port" 1025 8192 65507
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1025 ok
8192 ok
65507 ok" ]
}

@test "UDP over IPv6: 1025, 8192, 65507 and 65527-byte datagrams come back whole, byte for byte" {
	port=$(free_port)
	launch udp=udp6:[::1]:$port -- "$ECHO_BIN"
	run roundtrip "udp6:[::1]:$port" 1025 8192 65507 65527
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1025 ok
8192 ok
65507 ok
65527 ok" ]
}

@test "Unix datagrams: 1025, 8192, 65507 and 65535 bytes come back whole; --max-datagram's default stops at 65535" {
	launch dgram=unix-dgram:$PWD/d.sock -- "$ECHO_BIN" --debug
	# 65536 gets nothing: the reply that comes next is the next one's.
	run roundtrip "unix:$PWD/d.sock" 1025 8192 65507 65535 -65536 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1025 ok
8192 ok
65507 ok
65535 ok
65536 sent
1 ok" ]
	grep -q "65536 byte datagram from $PWD/d.sock.client is larger than --max-datagram, dropped" "$(LOG)"
}

@test "Unix datagrams: a larger --max-datagram lets 200000 bytes come back whole" {
	launch dgram=unix-dgram:$PWD/d.sock -- "$ECHO_BIN" --max-datagram 256K
	run roundtrip "unix:$PWD/d.sock" 200000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "200000 ok" ]
}
