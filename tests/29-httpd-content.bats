#!/usr/bin/env bats
# socket-activate-httpd: content sent with GET, HEAD or OPTIONS (RFC 9110
# 9.3.1: it means nothing there). It is read and dropped, up to
# --max-body-size, and the request answered as without it, the
# connection kept, as nginx does; Content-Length and the chunked coding
# both, split anywhere. What the framing cannot be trusted with ends the
# connection after the answer.
load helpers
load fixtures/httpd/helpers

HELLO='HTTP/1.1 200 OK'

# responses: the status lines in $output, one per line, CRs gone.
responses() { tr -d '\r' <<<"$output" | grep -a '^HTTP/1.1 '; }

@test "content: GET, HEAD and OPTIONS with Content-Length content are answered, the content dropped, the connection kept" {
	start_httpd
	for m in GET HEAD OPTIONS; do
		# The next request follows in the same write: it must not be
		# taken for content, nor the content for a request.
		run raw --keep --timeout 1 -- "$m /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 28\r\n\r\nGET /index.html HTTP/1.1\r\n\r\nGET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n"
		echo "$m: $(responses | tr '\n' '|')"
		[ "$status" -eq 3 ]	# kept open
		[ "$(responses | wc -l)" -eq 2 ]
		[ "$(responses | sed -n 2p)" = "$HELLO" ]
		[[ "$output" == *0123456789abcdefghijklmnopqrstuvwxyz ]]
	done
	# A real client: curl -X GET --data.
	[ "$(curl -s -X GET --data 'q=1' "$URL/hello.txt")" = "hello, world" ]
	wait_for 5 grep -q '"GET /hello.txt HTTP/1.1" 200 13 ' "$(LOG)"
}

@test "content: chunked content (sizes, extensions, trailers), cut anywhere, is read and dropped and the next request answered" {
	start_httpd
	chunked='a;name="v;x"\r\n0123456789\r\n1 ;last\r\nz\r\n0\r\nX-Sum: 1\r\n\r\n'
	run raw --keep --timeout 1 -- "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}GET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n"
	[ "$status" -eq 3 ]
	[ "$(responses | tr '\n' '|')" = "$HELLO|$HELLO|" ]
	[[ "$output" == *0123456789abcdefghijklmnopqrstuvwxyz ]]
	# Empty chunked content, as Go's net/http sends a GET whose body
	# has no known length.
	run raw --keep --timeout 1 -- "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n"
	[ "$(responses | tr '\n' '|')" = "$HELLO|$HELLO|" ]
	# One byte per write: the server reads the content across reads.
	python3 - 127.0.0.1 "$PORT" >slow.out <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
req = (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
       b"5;e=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\n"
       b"GET /data.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
for b in req:
    s.send(bytes([b]))
    time.sleep(0.002)
s.settimeout(10)
out = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    out += c
print(out.count(b"HTTP/1.1 200 OK\r\n"), out.endswith(b"0123456789abcdefghijklmnopqrstuvwxyz"))
PY
	[ "$(cat slow.out)" = "2 True" ]
}

@test "content: broken chunked framing ends the connection after the answer: what follows is never taken for a request" {
	start_httpd --debug
	for bad in 'zz\r\nhello\r\n0\r\n\r\n' '5\r\nhelloXX0\r\n\r\n' '5 \r\nhello\r\n0\r\n\r\n' \
	    '5\nhello\r\n0\r\n\r\n' '0\r\n X: 1\r\n\r\n' '0\r\n\r\r\n'; do
		run raw --keep --timeout 3 -- "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${bad}GET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n"
		echo "$bad: status $status: $(responses | tr '\n' '|')"
		[ "$status" -eq 0 ]	# closed
		[ "$(responses)" = "$HELLO" ]
		[[ "$output" != *0123456789* ]]
	done
	grep -q ': closing: content not in chunked framing; reading what still comes$' "$(LOG)"
}

@test "content: above --max-body-size, Content-Length is 413 and chunked content ends the connection after the answer" {
	start_httpd --max-body-size 10 --debug
	run raw --keep --timeout 3 -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890'
	[ "$status" -eq 0 ]
	is_head "HTTP/1.1 413 Content Too Large" "Content-Type: text/plain; charset=utf-8" \
		"Content-Length: 22" "Connection: close"
	# Exactly the bound: fine.
	run raw --keep --timeout 1 -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n'
	[ "$status" -eq 3 ]
	[ "$(responses | tr '\n' '|')" = "$HELLO|$HELLO|" ]
	# Chunked has no length to check first: the answer goes out, and the
	# connection ends where the content passes the bound (framing counts).
	run raw --keep --timeout 3 -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n0\r\n\r\nGET /data.bin HTTP/1.1\r\nHost: x\r\n\r\n'
	[ "$status" -eq 0 ]
	[ "$(responses)" = "$HELLO" ]
	grep -q ': closing: content larger than --max-body-size; reading what still comes$' "$(LOG)"
}

@test "content: --max-body-size is 64 KiB by default" {
	start_httpd
	run raw -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 65537\r\n\r\n'
	[ "$(status_of "$output")" = 413 ]
	head -c 65536 /dev/zero >zeros
	[ "$(curl -s -X GET --data-binary @zeros "$URL/hello.txt")" = "hello, world" ]
}

@test "content: --max-body-size 0 refuses all content with 413, as before there was a bound" {
	start_httpd --max-body-size 0
	statuses <<'EOF'
413 GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx
413 GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n
200 GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n
EOF
}

@test "content: with Expect, or chunked from HTTP/1.0, the request is answered and the connection closed, the content unread" {
	start_httpd
	# The client may be waiting for 100 Continue, or may send the
	# content anyway: we cannot know which, so we close.
	run raw --keep --timeout 3 -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n'
	[ "$status" -eq 0 ]
	is_head "$HELLO" "Content-Type: text/plain; charset=utf-8" "Content-Length: 13" \
		"Last-Modified: Tue, 02 Jan 2024 03:04:05 GMT" "ETag: $(etag_of "$WWW/hello.txt")" \
		"Accept-Ranges: bytes" "Connection: close"
	[ "$(curl -s -X GET -H 'Expect: 100-continue' --data q=1 "$URL/hello.txt")" = "hello, world" ]
	# RFC 9112 6.1: chunked in HTTP/1.0 is faulty framing.
	run raw --keep --timeout 3 -- 'GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /data.bin HTTP/1.0\r\n\r\n'
	[ "$status" -eq 0 ]
	[ "$(responses)" = "$HELLO" ]
	[[ "$output" == *$'Connection: close\r'* ]]
}

@test "content: content that stops coming is cut at --header-timeout, after its request was answered" {
	start_httpd --header-timeout 1 --keepalive-timeout 30 --debug
	# One request first: the connection is then idle (30 s), and the
	# content of the next must still come within --header-timeout.
	run timeout 20 python3 - 127.0.0.1 "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.settimeout(15)
def response():
    d = b""
    while not d.endswith(b"hello, world\n"):
        c = s.recv(4096)
        if not c:
            break
        d += c
    return d.split(b"\r\n")[0].decode()
s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
print(response())
time.sleep(0.5)
s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a little")
print(response())
t0 = time.monotonic()
print("eof" if s.recv(4096) == b"" else "more")
print("closed after %.1f s" % (time.monotonic() - t0), file=sys.stderr)
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$HELLO" ] && [ "${lines[1]}" = "$HELLO" ] && [ "${lines[2]}" = eof ]
	grep -q ': closing: content not complete within --header-timeout; reading what still comes$' "$(LOG)"
}
