#!/usr/bin/env bats
# socket-activate-httpd: stopping, idling, exiting.
load helpers
load fixtures/httpd/helpers

@test "httpd: SIGTERM during a large download lets it complete, then the server exits 0" {
	make_site
	head -c 48M /dev/zero >"$WWW/large.bin"
	start_httpd --shutdown-timeout 30
	curl -s --limit-rate 16M -o large.out -w '%{http_code} %{size_download}' \
		"$URL/large.bin" >curl.out 2>&1 3>&- &
	client=$!
	wait_for 10 grep -q '"GET /large.bin HTTP/1.1" 200' "$(LOG)"
	# Under way (bytes arrived), and far from done (3 s at 16 MB/s).
	wait_for 10 test -s large.out
	kill -TERM "$(server_pid)"
	at_stop=$(stat -c %s large.out)
	echo "SIGTERM with $at_stop of 50331648 bytes downloaded"
	wait "$client"
	[ "$(cat curl.out)" = "200 50331648" ]
	cmp -s large.out "$WWW/large.bin"
	[ "$at_stop" -lt 50331648 ]
	exits_with 0 5
	grep -q 'SIGTERM received: no new connections, finishing 1 open ones' "$(LOG)"
	grep -q 'all connections closed, exiting' "$(LOG)"
}

@test "httpd: SIGTERM closes idle keep-alive connections at once and exits 0" {
	start_httpd
	python3 - 127.0.0.1 "$PORT" >ka.out 2>&1 3>&- <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n")
d = b""
while not d.endswith(b"hello, world\n"):
    d += s.recv(4096)
print("answered", flush=True)
s.settimeout(10)
t0 = time.monotonic()
print("eof" if s.recv(4096) == b"" else "data", "after %.1f s" % (time.monotonic() - t0), flush=True)
PY
	client=$!
	BG_PIDS+=("$client")
	wait_for 5 grep -q answered ka.out
	stop_server 3
	wait "$client"
	grep -q 'eof after 0\.' ka.out
}

@test "httpd: a head arriving during shutdown is answered with Connection: close" {
	start_httpd --shutdown-timeout 10
	PYTHONPATH=$TOOLS python3 - 127.0.0.1 "$PORT" "$(server_pid)" "$(LOG)" >late.out 2>&1 3>&- <<'PY'
import os, signal, socket, sys
from testsock import wait_log, wait_read
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"GET /hello.txt HTTP/1.1\r\n")
# The server has read the first half of the head, then takes the stop
# request, and only then does the rest arrive.
wait_read([s])
os.kill(int(sys.argv[3]), signal.SIGTERM)
wait_log(sys.argv[4], "SIGTERM received")
s.sendall(b"Host: a\r\n\r\n")
d = s.makefile("rb").read()  # until the server closes
sys.stdout.write(d.decode())
PY
	grep -q '^HTTP/1.1 200 OK' late.out
	grep -q '^Connection: close' late.out
	grep -q '^hello, world' late.out
	exits_with 0 5
}

@test "httpd: --shutdown-timeout bounds how long a stalled download keeps it alive" {
	make_site
	head -c 64M /dev/zero >"$WWW/huge.bin"
	start_httpd --shutdown-timeout 0.5
	stalled_download /huge.bin
	wait_for 5 grep -q '"GET /huge.bin' "$(LOG)"
	stop_server 3
	grep -q 'exiting anyway' "$(LOG)"
}

@test "httpd: --exit-idle exits 0 after the idle period, and systemd can start it again" {
	start_httpd --exit-idle 0.5
	[ "$(curl -s "$URL/hello.txt")" = "hello, world" ]
	exits_with 0 5
	grep -q 'idle for 0.500 s, exiting (--exit-idle)' "$(LOG)"
}

@test "httpd: SIGTERM before any connection exits 0 at once" {
	make_site
	PORT=$(free_port)
	launch web=tcp4:127.0.0.1:$PORT -- "$HTTPD_BIN" --root "$WWW"
	stop_server 3
	grep -q 'STOPPING=1' "$NOTIFY_LOG"
}
