#!/usr/bin/env bats
# socket-activate-httpd: what a client gets, on every kind of socket.
load helpers
load fixtures/httpd/helpers

@test "httpd: TCP over IPv4: GET / is index.html with exactly these headers" {
	start_httpd
	run curl -s -i "$URL/"
	[ "$status" -eq 0 ]
	is_head "HTTP/1.1 200 OK" "Content-Type: text/html; charset=utf-8" \
		"Content-Length: 49" \
		"Last-Modified: Tue, 02 Jan 2024 03:04:05 GMT" \
		"ETag: $(etag_of "$WWW/index.html")" "Accept-Ranges: bytes"
	[ "$(curl -s "$URL/")" = "$(cat "$WWW/index.html")" ]
}

@test "httpd: TCP over IPv6 serves the same file" {
	make_site
	PORT=$(free_port)
	activate -l "[::1]:$PORT" --fdname=web6 "$HTTPD_BIN" --root "$WWW"
	run curl -s -g "http://[::1]:$PORT/hello.txt"
	[ "$status" -eq 0 ]
	[ "$output" = "hello, world" ]
	grep -q '^::1 - - \[.*\] "GET /hello.txt HTTP/1.1" 200 13 .* fd=web6 peer=\[::1\]:' "$(LOG)"
}

@test "httpd: Unix socket: curl --unix-socket gets the file, the log has the peer's uid and pid" {
	make_site
	sock=$BATS_TEST_TMPDIR/httpd.sock
	activate -l "$sock" --fdname=local "$HTTPD_BIN" --root "$WWW"
	run curl -s --unix-socket "$sock" http://localhost/hello.txt
	[ "$status" -eq 0 ]
	[ "$output" = "hello, world" ]
	wait_for 5 grep -q "^unix:uid=$(id -u),pid=[0-9]* - - \[.*\] \"GET /hello.txt HTTP/1.1\" 200 13 \"-\" \"curl/.*\" fd=local peer=unnamed$" "$(LOG)"
}

@test "httpd: Accept=yes: one server per connection, which exits 0 when its client leaves" {
	make_site
	PORT=$(free_port)
	activate -a -l 127.0.0.1:$PORT --fdname=conn "$HTTPD_BIN" --root "$WWW" --diagnostics
	run curl -s "http://127.0.0.1:$PORT/hello.txt" "http://127.0.0.1:$PORT/.well-known/socket-activate"
	[ "$status" -eq 0 ]
	[[ "$output" == "hello, world"* ]]
	[[ "$output" == *"socket:          connection passed by systemd (Accept=yes)"* ]]
	# Served; then the process (a child of the activator) is gone.
	wait_for 5 grep -q 'last connection closed, exiting' "$(LOG)"
	grep -q 'conn (fd 3): IPv4 stream socket 127.0.0.1:.*connected, from systemd' "$(LOG)"
}

@test "httpd: Accept=yes on a Unix socket logs the client's uid too" {
	make_site
	sock=$BATS_TEST_TMPDIR/a.sock
	activate -a -l "$sock" --fdname=uconn "$HTTPD_BIN" --root "$WWW"
	run curl -s --unix-socket "$sock" http://localhost/hello.txt
	[ "$output" = "hello, world" ]
	wait_for 5 grep -q "^unix:uid=$(id -u),pid=[0-9]* .* fd=uconn " "$(LOG)"
}

# The VM's kernel has AF_VSOCK but no loopback transport: a listener binds,
# no local client can reach it. With vsock_loopback (modprobe
# vsock_loopback) the round trip runs instead of skipping.
# httpd_on_vsock: the server on a vsock listener from systemd, at $port.
httpd_on_vsock() {
	python3 -c 'import socket; socket.socket(socket.AF_VSOCK)' 2>/dev/null ||
		skip "this kernel has no AF_VSOCK"
	make_site
	port=$((20000 + RANDOM))
	launch vm=vsock:$port -- "$HTTPD_BIN" --root "$WWW"
}

@test "httpd: a vsock listener from systemd is classified and served" {
	httpd_on_vsock
	grep -q "^vm (fd 3): vsock stream socket vsock:4294967295:$port, listening, from systemd$" "$(LOG)"
	server_running
}

@test "httpd: vsock round trip" {
	httpd_on_vsock
	run timeout 5 python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
s.settimeout(1)
try:
    s.connect((1, int(sys.argv[1])))
except OSError:
    sys.exit(77)
s.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
d = s.makefile("rb").read()  # until the server closes
sys.stdout.write(d.decode())
PY
	[ "$status" -ne 77 ] ||
		skip "no vsock loopback transport here (CID 1 unreachable): run 'modprobe vsock_loopback' on a host that has it"
	[[ "$output" == *"hello, world"* ]]
	grep -q '^vsock:1 - - .*"GET /hello.txt HTTP/1.0" 200 13 .* fd=vm peer=vsock:1:' "$(LOG)"
}

@test "httpd: --listen without systemd serves, and the diagnostic page says who bound the socket" {
	make_site
	PORT=$(free_port)
	bg "$HTTPD_BIN" --root "$WWW" --listen 127.0.0.1:$PORT --diagnostics
	wait_for 5 curl -sf -o /dev/null "http://127.0.0.1:$PORT/"
	run curl -s "http://127.0.0.1:$PORT/.well-known/socket-activate"
	[[ "$output" == *"socket:          bound by the server itself (--listen)"* ]]
	[[ "$output" == *"from systemd:    no"* ]]
}

@test "httpd: the diagnostic page shows client and server address, family, fd name, systemd" {
	start_httpd --diagnostics
	run curl -s -i "$URL/.well-known/socket-activate?x=1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Content-Type: text/plain; charset=utf-8"* ]]
	[[ "$output" == *"Cache-Control: no-store"* ]]
	[[ "$output" =~ client\ address:\ \ 127\.0\.0\.1:[0-9]+ ]]
	[[ "$output" == *"server address:  127.0.0.1:$PORT"* ]]
	[[ "$output" == *"socket family:   IPv4"* ]]
	[[ "$output" == *"fd name:         web"* ]]
	[[ "$output" == *"socket:          listening socket passed by systemd (Accept=no)"* ]]
	[[ "$output" == *"from systemd:    yes"* ]]
}

@test "httpd: the diagnostic page is off by default (404)" {
	start_httpd
	run curl -s -o /dev/null -w '%{http_code}' "$URL/.well-known/socket-activate"
	[ "$output" = 404 ]
}

@test "httpd: HEAD has the headers of GET and no body" {
	start_httpd
	get=$(raw -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n')
	run raw -- 'HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n'
	[ "$status" -eq 0 ]
	diff <(heads <<<"$get") <(heads <<<"$output")
	# Nothing after the blank line.
	printf 'HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' | "$RAW" 127.0.0.1 "$PORT" |
		python3 -c 'import sys; d = sys.stdin.buffer.read(); sys.exit(not d.endswith(b"\r\n\r\n") or d.count(b"\r\n\r\n") != 1)'
	[[ "$output" == *"Content-Length: 13"* ]]
}

@test "httpd: Content-Type: text types carry charset=utf-8, others not, unknown is octet-stream" {
	start_httpd
	[ "$(curl -s -o /dev/null -w '%{content_type}' "$URL/hello.txt")" = "text/plain; charset=utf-8" ]
	[ "$(curl -s -o /dev/null -w '%{content_type}' "$URL/style.css")" = "text/css; charset=utf-8" ]
	[ "$(curl -s -o /dev/null -w '%{content_type}' "$URL/logo.png")" = "image/png" ]
	[ "$(curl -s -o /dev/null -w '%{content_type}' "$URL/data.bin")" = "application/octet-stream" ]
}

@test "httpd: a directory without its slash is 301 to the slash form, query kept" {
	start_httpd
	run raw -- 'GET /sub?a=1 HTTP/1.1\r\nHost: x\r\n\r\n'
	is_head "HTTP/1.1 301 Moved Permanently" \
		"Content-Type: text/plain; charset=utf-8" "Content-Length: 22" \
		"Location: /sub/?a=1"
	[ "$(curl -sL "$URL/sub" -o /dev/null -w '%{http_code} %{url_effective}')" = "403 $URL/sub/" ]
}

@test "httpd: a redirect Location is percent-encoded and never starts with //" {
	make_site
	mkdir -p "$WWW/a b" "$WWW/evil.example"
	start_httpd
	run raw -- 'GET /a%%20b HTTP/1.1\r\nHost: x\r\n\r\n'
	[[ "$output" == *$'Location: /a%20b/\r'* ]]
	run raw -- 'GET //evil.example HTTP/1.1\r\nHost: x\r\n\r\n'
	[[ "$output" == *$'Location: /evil.example/\r'* ]]
}

@test "httpd: a directory with index.html serves it; without one 403, unless --list-directories" {
	start_httpd
	run curl -s -o /dev/null -w '%{http_code}' "$URL/empty/"
	[ "$output" = 403 ]
	printf 'idx\n' >"$WWW/sub/index.html"
	[ "$(curl -s "$URL/sub/")" = idx ]
}

@test "httpd: --list-directories lists names sorted and escaped, without dotfiles" {
	make_site
	touch "$WWW/empty/b.txt" "$WWW/empty/a<x>.txt" "$WWW/empty/.secret"
	mkdir "$WWW/empty/dir"
	start_httpd --list-directories
	run curl -s -i "$URL/empty/"
	[[ "$output" == *"Content-Type: text/html; charset=utf-8"* ]]
	[[ "$output" == *'<a href="a%3Cx%3E.txt">a&lt;x&gt;.txt</a>'* ]]
	[[ "$output" == *'<a href="dir/">dir/</a>'* ]]
	[[ "$output" != *secret* ]]
	# Sorted: a<x>.txt, b.txt, dir/
	order=$(grep -o 'href="[^"]*"' <<<"$output" | tr '\n' ' ')
	[ "$order" = 'href="../" href="a%3Cx%3E.txt" href="b.txt" href="dir/" ' ]
}

@test "httpd: 404 for a missing file has a small plain body and keeps the connection" {
	start_httpd
	run raw --keep --timeout 1 -- 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n'
	[ "$status" -eq 3 ]	# still open
	is_head "HTTP/1.1 404 Not Found" "Content-Type: text/plain; charset=utf-8" \
		"Content-Length: 14"
	[ "$(body <<<"$output")" = "404 Not Found" ]
}

@test "httpd: If-None-Match with the ETag gets 304 with validators and no body" {
	start_httpd
	etag=$(etag_of "$WWW/hello.txt")
	run raw -- "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"nope\", $etag\r\n\r\n"
	is_head "HTTP/1.1 304 Not Modified" \
		"Last-Modified: Tue, 02 Jan 2024 03:04:05 GMT" "ETag: $etag"
	[ -z "$(body <<<"$output")" ]
	# W/ matches too (weak comparison); another tag does not.
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: W/$etag" "$URL/hello.txt")" = 304 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "other"' "$URL/hello.txt")" = 200 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: *' "$URL/hello.txt")" = 304 ]
}

@test "httpd: If-Modified-Since gets 304 when not modified since, 200 when it was" {
	start_httpd
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT' "$URL/hello.txt")" = 304 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-Modified-Since: Wed, 03 Jan 2024 00:00:00 GMT' "$URL/hello.txt")" = 304 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT' "$URL/hello.txt")" = 200 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-Modified-Since: garbage' "$URL/hello.txt")" = 200 ]
	# If-None-Match wins over If-Modified-Since.
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "x"' -H 'If-Modified-Since: Wed, 03 Jan 2024 00:00:00 GMT' "$URL/hello.txt")" = 200 ]
}

@test "httpd: a single Range gets 206 with Content-Range and exactly those bytes" {
	start_httpd
	run raw -- 'GET /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\n\r\n'
	is_head "HTTP/1.1 206 Partial Content" \
		"Content-Type: application/octet-stream" "Content-Length: 10" \
		"Last-Modified: Tue, 02 Jan 2024 03:04:05 GMT" \
		"ETag: $(etag_of "$WWW/data.bin")" \
		"Content-Range: bytes 10-19/36"
	[ "$(body <<<"$output")" = abcdefghij ]
	[ "$(curl -s -r 30- "$URL/data.bin")" = uvwxyz ]
	[ "$(curl -s -H 'Range: bytes=-3' "$URL/data.bin")" = xyz ]
	[ "$(curl -s -r 34-1000 "$URL/data.bin")" = yz ]
}

@test "httpd: an unsatisfiable Range gets 416 with Content-Range: bytes */size" {
	start_httpd
	run raw -- 'GET /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=36-\r\n\r\n'
	is_head "HTTP/1.1 416 Range Not Satisfiable" \
		"Content-Type: text/plain; charset=utf-8" "Content-Length: 26" \
		"Content-Range: bytes */36"
}

@test "httpd: several ranges, a malformed Range or a stale If-Range get the whole file (200)" {
	start_httpd
	for h in 'Range: bytes=0-1,5-6' 'Range: bytes=5-1' 'Range: pages=1-2'; do
		run curl -s -i -H "$h" "$URL/data.bin"
		[[ "$output" == "HTTP/1.1 200 OK"* ]]
		[[ "$output" == *0123456789abcdefghijklmnopqrstuvwxyz ]]
	done
	etag=$(etag_of "$WWW/data.bin")
	[ "$(curl -s -r 0-1 -H 'If-Range: "old"' "$URL/data.bin")" = 0123456789abcdefghijklmnopqrstuvwxyz ]
	[ "$(curl -s -r 0-1 -H "If-Range: $etag" "$URL/data.bin")" = 01 ]
	[ "$(curl -s -r 0-1 -H 'If-Range: Tue, 02 Jan 2024 03:04:05 GMT' "$URL/data.bin")" = 01 ]
	# HEAD ignores Range.
	[[ "$(curl -s -I -r 0-1 "$URL/data.bin")" == "HTTP/1.1 200 OK"* ]]
}

@test "httpd: bodies of every size arrive intact, whole and in ranges (copied up to 16 KiB, sendfile above)" {
	make_site
	for n in 0 1 16383 16384 16385 1048583; do
		head -c "$n" /dev/urandom >"$WWW/f$n"
	done
	start_httpd
	for n in 0 1 16383 16384 16385 1048583; do
		curl -sf -o "got$n" "$URL/f$n"
		cmp "got$n" "$WWW/f$n"
	done
	curl -sf -r 1000-1048000 -o part "$URL/f1048583"
	cmp part <(tail -c +1001 "$WWW/f1048583" | head -c 1047001)
	curl -sf -r 5-16000 -o part "$URL/f16385"
	cmp part <(tail -c +6 "$WWW/f16385" | head -c 15996)
}

@test "httpd: keep-alive: one connection carries several requests" {
	start_httpd
	run curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{http_code}\n' \
		"$URL/hello.txt" "$URL/index.html" "$URL/style.css"
	[ "$status" -eq 0 ]
	[ "$output" = $'200\n200\n200' ]
	# What the server saw: three requests, all from one client port (one
	# connection). curl's own wording about reuse changes between versions.
	wait_for 5 eval '[ "$(grep -c "\"GET /.* 200 .* peer=127\.0\.0\.1:[0-9]*$" "$(LOG)")" -eq 3 ]'
	grep 'GET /' "$(LOG)" | grep -o 'peer=.*' | sort | uniq -c
	[ "$(grep 'GET /' "$(LOG)" | grep -o 'peer=.*' | sort -u | wc -l)" -eq 1 ]
}

@test "httpd: pipelined requests in one write are answered in order" {
	start_httpd
	run raw -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-2\r\n\r\n'
	[ "$status" -eq 0 ]
	[ "$(grep -a '^HTTP/1.1' <<<"$output" | tr -d '\r' | tr '\n' '|')" = 'HTTP/1.1 200 OK|HTTP/1.1 200 OK|HTTP/1.1 404 Not Found|HTTP/1.1 206 Partial Content|' ]
	[[ "$output" == *$'\r\n\r\nhello, world\n'* ]]
	[[ "$output" == *$'\r\n\r\n012' ]]
}

@test "httpd: many pipelined requests behind a large response all get answered" {
	make_site
	head -c 4000000 /dev/zero >"$WWW/big.bin"
	start_httpd
	reqs=$(for i in $(seq 200); do printf 'GET /big.bin HTTP/1.1\\r\\nHost: x\\r\\nRange: bytes=0-0\\r\\n\\r\\n'; done)
	raw -- "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n${reqs}GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n" >out
	[ "$(grep -ao 'HTTP/1.1 206' out | wc -l)" -eq 200 ]
	[ "$(wc -c <out)" -gt 4000000 ]
	[ "$(tail -c 13 out)" = "hello, world" ]
}

@test "httpd: HTTP/1.0 closes after the response unless asked for keep-alive" {
	start_httpd
	run raw --keep --timeout 2 -- 'GET /hello.txt HTTP/1.0\r\n\r\n'
	[ "$status" -eq 0 ]	# closed by the server
	[[ "$output" == *$'Connection: close\r'* ]]
	run raw --keep --timeout 1 -- 'GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'
	[ "$status" -eq 3 ]	# kept open
	[[ "$output" == *$'Connection: keep-alive\r'* ]]
	run raw --keep --timeout 2 -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	[ "$status" -eq 0 ]
	[[ "$output" == *$'Connection: close\r'* ]]
}

@test "httpd: the access log has one Combined Log Format line per request with the client address and fd name" {
	start_httpd
	curl -s -o /dev/null -A 'agent "q"' -e 'http://ref/' "$URL/hello.txt?x=1"
	wait_for 5 grep -q 'GET /hello.txt' "$(LOG)"
	line=$(grep 'GET /hello.txt' "$(LOG)")
	[[ "$line" =~ ^127\.0\.0\.1\ -\ -\ \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2}\ [+-][0-9]{4}\]\ \"GET\ /hello\.txt\?x=1\ HTTP/1\.1\"\ 200\ 13\ \"http://ref/\"\ \"agent\ \\x22q\\x22\"\ fd=web\ peer=127\.0\.0\.1:[0-9]+$ ]]
}

@test "httpd: --no-access-log logs no request lines" {
	start_httpd --no-access-log
	curl -sf -o /dev/null "$URL/hello.txt"
	curl -sf -o /dev/null "$URL/hello.txt"
	! grep -q 'GET /hello.txt' "$(LOG)" || false
}

@test "httpd: READY=1 once serving, and STATUS= counts requests" {
	make_site
	PORT=$(free_port)
	launch web=tcp4:127.0.0.1:$PORT -- "$HTTPD_BIN" --root "$WWW"
	grep -q 'READY=1|STATUS=Serving 1 sockets' "$NOTIFY_LOG"
	curl -sf -o /dev/null "http://127.0.0.1:$PORT/hello.txt"
	wait_for 5 grep -q 'STATUS=.*1 total.*, 1 requests' "$NOTIFY_LOG"
}

@test "httpd: a datagram socket is refused at start with exit status 1" {
	make_site
	PORT=$(free_port)
	activate -d -l 127.0.0.1:$PORT --fdname=udp "$HTTPD_BIN" --root "$WWW"
	printf 'x' | socat - udp4:127.0.0.1:$PORT 2>/dev/null || true
	exits_with 1 5
	grep -q 'error: fd 3 ("udp") is an IPv4 datagram socket, which this server does not serve' "$(LOG)"
}

@test "httpd: no sockets at all: exit status 1 and how to start it" {
	make_site
	run "$HTTPD_BIN" --root "$WWW"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no sockets to serve"* ]]
}

@test "httpd: a --root that cannot be opened: exit status 1 naming it" {
	run "$HTTPD_BIN" --root "$BATS_TEST_TMPDIR/missing" --listen 127.0.0.1:$(free_port)
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot open --root $BATS_TEST_TMPDIR/missing: No such file or directory"* ]]
}

@test "httpd: usage errors exit 2; --help and --version exit 0" {
	run "$HTTPD_BIN" --max-header-size 10
	[ "$status" -eq 2 ]
	[[ "$output" == *'invalid value for --max-header-size: "10" (out of range: 256 to 1M)'* ]]
	run "$HTTPD_BIN" --header-timeout 0
	[ "$status" -eq 2 ]
	run "$HTTPD_BIN" --keepalive-timeout x
	[ "$status" -eq 2 ]
	run "$HTTPD_BIN" --listen udp:127.0.0.1:1234
	[ "$status" -eq 2 ]
	run "$HTTPD_BIN" extra
	[ "$status" -eq 2 ]
	run "$HTTPD_BIN" --bogus
	[ "$status" -eq 2 ]
	# After a valid option too: an unknown option or a missing value is
	# never a server that runs without what came after it.
	port=$(free_port)
	run timeout 5 "$HTTPD_BIN" --listen 127.0.0.1:$port --bogus --list-directories
	[ "$status" -eq 2 ]
	[[ "$output" == *"unrecognized option '--bogus'"* ]]
	run timeout 5 "$HTTPD_BIN" --listen 127.0.0.1:$port --root
	[ "$status" -eq 2 ]
	run "$HTTPD_BIN" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^socket-activate-httpd\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run "$HTTPD_BIN" --help
	[ "$status" -eq 0 ]
	[[ "$output" == Usage:* ]]
}

@test "httpd: the man page documents every option --help lists" {
	man=$REPO/httpd/socket-activate-httpd.1
	opts=$("$HTTPD_BIN" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	[ -n "$opts" ]
	for o in $opts; do
		grep -q -- "${o//-/\\\\-}" "$man" || { echo "$o missing from the man page"; false; }
	done
}
