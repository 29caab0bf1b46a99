#!/usr/bin/env bats
# socket-activate-httpd: nothing outside the root, strict heads, bounds on
# everything a client controls.
load helpers
load fixtures/httpd/helpers

@test "httpd: traversal attempts get exactly 400 (above the root, or malformed) or 404 (a name below it), never a byte from outside" {
	start_httpd
	# TARGET STATUS: 400 where the path leaves the root or cannot be a
	# path (an encoded '/', NUL or '\\'); 404 where it names something
	# below the root that is not there, or a dotfile.
	while read -r t want; do
		t=${t//TMPDIR/$BATS_TEST_TMPDIR}
		out=$(printf 'GET %s HTTP/1.1\r\nHost: x\r\n\r\n' "$t" | "$RAW" 127.0.0.1 "$PORT")
		st=$(status_of "$out")
		echo "$t -> $st, want $want"
		[ "$st" = "$want" ]
		[[ "$out" != *"$SECRET_MARK"* ]]
	done <<'EOF'
/../secret.txt 400
/%2e%2e/secret.txt 400
/%2E%2E/secret.txt 400
/.%2e/secret.txt 400
/%2e./secret.txt 400
/sub/../../secret.txt 400
/sub/%2e%2e/%2e%2e/secret.txt 400
/..%2fsecret.txt 400
/%2e%2e%2fsecret.txt 400
/sub%2f..%2f..%2fsecret.txt 400
/secret.txt%00.html 400
/%00 400
/%2500 404
/..\\secret.txt 400
//../secret.txt 400
/./../secret.txt 400
/TMPDIR/secret.txt 404
//TMPDIR/secret.txt 404
http://x/../secret.txt 400
http://x/%2e%2e/secret.txt 400
../secret.txt 400
/sub/..%5c..%5csecret.txt 404
EOF
	# curl with the path as typed, too.
	run curl -s --path-as-is -w '%{http_code}' "$URL/../secret.txt"
	[ "$output" = "400 Bad Request
400" ]
	# Still serving.
	[ "$(curl -s "$URL/hello.txt")" = "hello, world" ]
}

@test "httpd: without openat2() (Linux before 5.6) the path walk serves the same files, refuses every symlink, and says so" {
	make_site
	ln -s hello.txt "$WWW/link.txt"
	ln -s sub "$WWW/sublink"
	ln -s ../secret.txt "$WWW/out.txt"
	ln -s "$BATS_TEST_TMPDIR" "$WWW/outdir"
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	activate -l 127.0.0.1:$PORT --fdname=web "$NO_OPENAT2" "$HTTPD_BIN" --root "$WWW"
	[ "$(curl -s "$URL/hello.txt")" = "hello, world" ]
	grep -q 'openat2() is not available (Linux before 5.6): walking paths one component at a time instead, which refuses every symbolic link' "$(LOG)"
	[ "$(curl -s "$URL/sub/page.html")" = "<p>sub</p>" ]
	[ "$(curl -s "$URL/")" = "$(cat "$WWW/index.html")" ]
	statuses <<'EOF'
200 GET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n
301 GET /sub HTTP/1.1\r\nHost: x\r\n\r\n
403 GET /empty/ HTTP/1.1\r\nHost: x\r\n\r\n
404 GET /missing.txt HTTP/1.1\r\nHost: x\r\n\r\n
404 GET /link.txt HTTP/1.1\r\nHost: x\r\n\r\n
404 GET /sublink/page.html HTTP/1.1\r\nHost: x\r\n\r\n
404 GET /out.txt HTTP/1.1\r\nHost: x\r\n\r\n
404 GET /outdir/secret.txt HTTP/1.1\r\nHost: x\r\n\r\n
404 GET /.hidden HTTP/1.1\r\nHost: x\r\n\r\n
400 GET /../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n
EOF
	run curl -s "$URL/outdir/secret.txt"
	[[ "$output" != *"$SECRET_MARK"* ]]
}

@test "httpd: a symlink pointing out of the root gets 404, whether file, directory or absolute" {
	make_site
	ln -s ../secret.txt "$WWW/out.txt"
	ln -s "$BATS_TEST_TMPDIR" "$WWW/outdir"
	ln -s "$BATS_TEST_TMPDIR/secret.txt" "$WWW/abs.txt"
	ln -s ../../secret.txt "$WWW/sub/up.txt"
	start_httpd
	for p in /out.txt /outdir/secret.txt /abs.txt /sub/up.txt /outdir/; do
		run curl -s -w '\n%{http_code}' "$URL$p"
		echo "$p: $output"
		[ "${lines[-1]}" = 404 ]
		[[ "$output" != *"$SECRET_MARK"* ]]
	done
}

@test "httpd: a symlink inside the root is followed, and refused (404) with --no-symlinks" {
	make_site
	ln -s hello.txt "$WWW/link.txt"
	ln -s sub "$WWW/sublink"
	start_httpd
	[ "$(curl -s "$URL/hello.txt")" = "hello, world" ]
	need_openat2
	[ "$(curl -s "$URL/link.txt")" = "hello, world" ]
	[ "$(curl -s "$URL/sublink/page.html")" = "<p>sub</p>" ]

	PORT2=$(free_port)
	bg systemd-socket-activate -l 127.0.0.1:$PORT2 "$HTTPD_BIN" --root "$WWW" --no-symlinks
	wait_for 5 grep -q "Listening on 127.0.0.1:$PORT2 " "$(LOG)"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT2/link.txt")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT2/sublink/page.html")" = 404 ]
	[ "$(curl -s "http://127.0.0.1:$PORT2/hello.txt")" = "hello, world" ]
}

@test "httpd: dotfiles are never served, however the dot is written" {
	start_httpd
	for p in /.hidden /%2ehidden /sub/.git/config /sub/%2Egit/config /.well-known/x; do
		run curl -s -o /dev/null -w '%{http_code}' "$URL$p"
		echo "$p: $output"
		[ "$output" = 404 ]
	done
}

@test "httpd: only regular files: a FIFO or a socket in the root gets 404 at once" {
	make_site
	mkfifo "$WWW/fifo"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$WWW/sock"
	start_httpd
	run timeout 5 curl -s -o /dev/null -w '%{http_code}' "$URL/fifo"
	[ "$output" = 404 ]
	run timeout 5 curl -s -o /dev/null -w '%{http_code}' "$URL/sock"
	[ "$output" = 404 ]
	[ "$(curl -s "$URL/hello.txt")" = "hello, world" ]
}

@test "httpd: an unreadable file gets 403" {
	make_site
	chmod 000 "$WWW/hello.txt"
	# Root reads any file: as root, the server runs as nobody.
	unprivileged
	start_httpd
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/hello.txt")" = 403 ]
	[ "$(curl -s "$URL/index.html")" = "$(cat "$WWW/index.html")" ]
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$(server_pid)/status")
	echo "the server ran as uid $uid"
	[ "$uid" -ne 0 ]
}

@test "httpd: malformed heads get 400 with Connection: close, and the connection closes" {
	start_httpd
	heads=(
		'GET / HTTP/1.1\r\n\r\n'
		'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
		'GET / HTTP/1.1\r\nHost: a b\r\n\r\n'
		'GET / HTTP/1.1\r\nHost : a\r\n\r\n'
		'GET / HTTP/1.1\r\nHost: a\r\nX-Fold: a\r\n b\r\n\r\n'
		'GET / HTTP/1.1\r\nHost: a\r\nX: a\001b\r\n\r\n'
		'GET / HTTP/1.1\r\nHost: a\r\nX: a\000b\r\n\r\n'
		'GET / HTTP/1.1\r\nHo\000st: a\r\n\r\n'
		'GET /\000 HTTP/1.1\r\nHost: a\r\n\r\n'
		'GET / HTTP/1.1\nHost: a\n\n'
		'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n'
		'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'
		'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n'
		'GET  / HTTP/1.1\r\nHost: a\r\n\r\n'
		'GET / RTSP/1.0\r\nHost: a\r\n\r\n'
		'GET /a"b HTTP/1.1\r\nHost: a\r\n\r\n'
		'GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\nRange: bytes=0-1\r\n\r\n'
		'GET /\r\n\r\n'
		# The host of an absolute-form target is checked as Host is.
		'GET http://a<b>/x HTTP/1.1\r\nHost: a\r\n\r\n'
		'GET http://a"b/hello.txt HTTP/1.1\r\nHost: a\r\n\r\n'
		'GET http://user@a/hello.txt HTTP/1.1\r\nHost: a\r\n\r\n'
	)
	for h in "${heads[@]}"; do
		answers_and_closes "$h"
		[ "$(status_of "$output")" = 400 ]
		[[ "$output" == *$'Connection: close\r'* ]]
	done
}

@test "httpd: unsupported versions get 505 and unknown methods 501" {
	start_httpd
	run raw -- 'GET / HTTP/2.0\r\nHost: a\r\n\r\n'
	[ "$(status_of "$output")" = 505 ]
	run raw -- 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
	[ "$(status_of "$output")" = 505 ]
	run raw -- 'BREW / HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$(status_of "$output")" = 501 ]
}

@test "httpd: content is never taken as a request: 413 above --max-body-size for GET, 405 for POST" {
	start_httpd --max-body-size 39
	run raw --keep --timeout 3 -- 'GET /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\n\r\nGET /index.html HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$status" -eq 0 ]
	[ "$(status_of "$output")" = 413 ]
	[[ "$output" == *$'Connection: close\r'* ]]
	[ "$(grep -ac '^HTTP/1.1' <<<"$output")" -eq 1 ]
	run raw --keep --timeout 3 -- 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello'
	[ "$status" -eq 0 ]
	[ "$(status_of "$output")" = 405 ]
	[[ "$output" == *$'Allow: GET, HEAD, OPTIONS\r'* ]]
	[[ "$output" == *$'Connection: close\r'* ]]
	# Content-Length: 0 is no body.
	[ "$(curl -s -H 'Content-Length: 0' "$URL/hello.txt")" = "hello, world" ]
}

@test "httpd: a request line longer than --max-header-size gets 414, a header section 431" {
	start_httpd --max-header-size 1K
	long=$(printf 'a%.0s' $(seq 1100))
	run raw --keep --timeout 3 -- "GET /$long HTTP/1.1\r\nHost: a\r\n\r\n"
	[ "$status" -eq 0 ]
	[ "$(status_of "$output")" = 414 ]
	[[ "$output" == *$'Connection: close\r'* ]]
	run raw --keep --timeout 3 -- "GET / HTTP/1.1\r\nHost: a\r\nX: $long\r\n\r\n"
	[ "$status" -eq 0 ]
	[ "$(status_of "$output")" = 431 ]
	# Just under the bound is fine.
	mid=$(printf 'a%.0s' $(seq 900))
	run raw -- "GET /hello.txt HTTP/1.1\r\nHost: a\r\nX: $mid\r\n\r\n"
	[ "$(status_of "$output")" = 200 ]
}

@test "httpd: the default header bound is 8 KiB" {
	start_httpd
	big=$(printf 'a%.0s' $(seq 8200))
	run raw -- "GET / HTTP/1.1\r\nHost: a\r\nX: $big\r\n\r\n"
	[ "$(status_of "$output")" = 431 ]
	ok=$(printf 'a%.0s' $(seq 8000))
	run raw -- "GET /hello.txt HTTP/1.1\r\nHost: a\r\nX: $ok\r\n\r\n"
	[ "$(status_of "$output")" = 200 ]
	# The same heads in 500-byte pieces, each read on its own: the
	# buffer of a partial head grows with them up to the bound.
	run python3 - 127.0.0.1 "$PORT" <<'PY'
import socket, sys, time
for n in (8000, 8200):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nX: " + b"a" * n + b"\r\n\r\n"
    try:
        for i in range(0, len(head), 500):
            s.sendall(head[i:i + 500])
            time.sleep(0.02)
    except OSError:
        pass
    s.settimeout(10)
    print(n, s.recv(4096).split(b"\r\n")[0].decode())
PY
	echo "$output"
	[ "${lines[0]}" = "8000 HTTP/1.1 200 OK" ]
	[ "${lines[1]}" = "8200 HTTP/1.1 431 Request Header Fields Too Large" ]
}

@test "httpd: slow header delivery is cut with 408 at --header-timeout while a normal client is served" {
	# 2 s: the normal client must be seen served well before it.
	start_httpd --header-timeout 2
	# Started (socket activation) before the clients under test.
	[ "$(curl -s "$URL/hello.txt")" = "hello, world" ]
	python3 - 127.0.0.1 "$PORT" >slow.out 2>&1 3>&- <<'PY' &
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
t0 = time.monotonic()
s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")
print("sending", flush=True)
s.setblocking(False)
got = b""
# One header byte every 50 ms: never idle for long, never complete (the
# pace is the attack under test).
while time.monotonic() - t0 < 8:
    try:
        s.send(b"X")
    except OSError:
        pass
    time.sleep(0.05)
    try:
        c = s.recv(4096)
        if not c:
            break
        got += c
    except BlockingIOError:
        pass
print("after %.2f s: %s" % (time.monotonic() - t0, got.split(b"\r\n")[0].decode()))
PY
	slow=$!
	BG_PIDS+=("$slow")
	wait_for 10 grep -q sending slow.out
	# Meanwhile, a normal client is answered at once (well within the
	# slow one's 2 s).
	run curl -s -m 2 -o /dev/null -w '%{http_code} %{time_total}' "$URL/hello.txt"
	echo "normal client: $output"
	[[ "$output" == "200 0."* ]]
	wait "$slow"
	cat slow.out
	grep -qE '^after (1\.9|2\.[0-9]|3\.[0-4])[0-9]* s: HTTP/1.1 408 Request Timeout$' slow.out
}

@test "httpd: a connection that sends nothing is closed at --header-timeout without a response" {
	start_httpd --header-timeout 0.5
	start=$SECONDS
	run raw --keep --timeout 5 -- ''
	[ "$status" -eq 0 ]	# closed by the server
	[ -z "$output" ]
	[ $((SECONDS - start)) -lt 3 ]
}

@test "httpd: an idle keep-alive connection is closed after --keepalive-timeout" {
	start_httpd --keepalive-timeout 0.5
	start=$SECONDS
	run raw --keep --timeout 5 -- 'GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$status" -eq 0 ]	# closed by the server, well before raw.py's 5 s
	[ "$(status_of "$output")" = 200 ]
	[ $((SECONDS - start)) -lt 3 ]
}

@test "httpd: --keepalive-timeout 0 turns keep-alive off" {
	start_httpd --keepalive-timeout 0
	run raw --keep --timeout 3 -- 'GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n'
	[ "$status" -eq 0 ]
	[[ "$output" == *$'Connection: close\r'* ]]
}

@test "httpd: 1000 idle connections do not stop a new client, and stay open" {
	start_httpd --header-timeout 60
	python3 - 127.0.0.1 "$PORT" >idle.out 2>&1 3>&- <<'PY' &
import resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
conns = [socket.create_connection((sys.argv[1], int(sys.argv[2]))) for _ in range(1000)]
print("open", len(conns), flush=True)
time.sleep(30)  # holds them (killed in teardown): the idle crowd under test
PY
	BG_PIDS+=("$!")
	wait_for 20 grep -q 'open 1000' idle.out
	pid=$(server_pid)
	wait_for 10 eval '[ "$(ls /proc/'"$pid"'/fd | wc -l)" -gt 1000 ]'
	run curl -s -m 2 -w ' %{time_total}' "$URL/hello.txt"
	[[ "$output" == "hello, world"* ]]
	# The idle ones were not dropped to make room.
	[ "$(ls /proc/$pid/fd | wc -l)" -gt 1000 ]
}

@test "httpd: a client that takes no byte of a response is dropped after --send-timeout" {
	make_site
	head -c 64M /dev/zero >"$WWW/huge.bin"
	start_httpd --send-timeout 1 -d
	stalled_download /huge.bin
	wait_for 10 grep -q 'closed: the client took nothing within --send-timeout' "$(LOG)"
	[ "$(curl -s "$URL/hello.txt")" = "hello, world" ]
}
