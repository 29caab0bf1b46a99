#!/usr/bin/env bats
# socket-activate-httpd: HTTP semantics to the letter (RFC 9110, RFC 9112):
# preconditions, the request-line grammar, obs-fold, OPTIONS, transfer
# codings, HTTP/1.x versions, one URL per file, and --cache-control. Raw
# requests, exact status lines and header fields.
load helpers
load fixtures/httpd/helpers


# code [curl options]: the status curl gets for $URL/data.bin.
code() { curl -s -o /dev/null -w '%{http_code}' "$@" "$URL/data.bin"; }

# resume_refused PATH RANGE OLD-ETAG NEW-BYTES: a resumed download of a
# file that changed (If-Match of its old ETag) gets 412 and none of the
# new bytes.
resume_refused() {
	run raw -- "GET $1 HTTP/1.1\r\nHost: x\r\nRange: bytes=$2\r\nIf-Match: $3\r\n\r\n"
	[ "$(status_of "$output")" = 412 ]
	[[ "$output" != *"$4"* ]]
}

@test "semantics: If-Match with another ETag gets 412 with exactly these headers, with or without Range" {
	start_httpd
	for range in '' 'Range: bytes=0-3\r\n'; do
		run raw -- "GET /data.bin HTTP/1.1\r\nHost: x\r\n${range}If-Match: \"nope\"\r\n\r\n"
		is_head "HTTP/1.1 412 Precondition Failed" \
			"Content-Type: text/plain; charset=utf-8" "Content-Length: 24"
		[ "$(body <<<"$output")" = "412 Precondition Failed" ]
	done
	# A weak tag never matches If-Match (strong comparison).
	[ "$(code -H "If-Match: W/$(etag_of "$WWW/data.bin")")" = 412 ]
}

@test "semantics: If-Match with the current ETag, or *, serves the file and its range" {
	start_httpd
	etag=$(etag_of "$WWW/data.bin")
	[ "$(curl -s -H "If-Match: \"x\", $etag" "$URL/data.bin")" = 0123456789abcdefghijklmnopqrstuvwxyz ]
	[ "$(curl -s -r 0-3 -H "If-Match: $etag" "$URL/data.bin")" = 0123 ]
	[ "$(curl -s -r 4-5 -H 'If-Match: *' "$URL/data.bin")" = 45 ]
	# * matches an existing file only: a missing one stays 404.
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-Match: *' "$URL/missing")" = 404 ]
}

@test "semantics: If-Unmodified-Since: 412 when the file changed after the date, served when not" {
	start_httpd
	# data.bin: Tue, 02 Jan 2024 03:04:05 GMT.
	[ "$(code -H 'If-Unmodified-Since: Tue, 02 Jan 2024 03:04:04 GMT')" = 412 ]
	[ "$(code -r 0-1 -H 'If-Unmodified-Since: Mon, 01 Jan 2024 00:00:00 GMT')" = 412 ]
	[ "$(code -H 'If-Unmodified-Since: Tue, 02 Jan 2024 03:04:05 GMT')" = 200 ]
	[ "$(code -r 0-1 -H 'If-Unmodified-Since: Wed, 03 Jan 2024 00:00:00 GMT')" = 206 ]
	# Not a date: ignored (RFC 9110 13.1.4).
	[ "$(code -H 'If-Unmodified-Since: yesterday')" = 200 ]
	# If-Match present: If-Unmodified-Since is not looked at.
	[ "$(code -H "If-Match: $(etag_of "$WWW/data.bin")" -H 'If-Unmodified-Since: Mon, 01 Jan 2024 00:00:00 GMT')" = 200 ]
}

@test "semantics: preconditions in RFC 9110 13.2.2 order: a failed If-Match is 412 even when If-None-Match would be 304" {
	start_httpd
	etag=$(etag_of "$WWW/data.bin")
	[ "$(code -H 'If-Match: "nope"' -H "If-None-Match: $etag")" = 412 ]
	[ "$(code -H 'If-Unmodified-Since: Mon, 01 Jan 2024 00:00:00 GMT' -H 'If-Modified-Since: Wed, 03 Jan 2024 00:00:00 GMT')" = 412 ]
	# Passed: If-None-Match comes next.
	[ "$(code -H "If-Match: $etag" -H "If-None-Match: $etag")" = 304 ]
	[ "$(code -H "If-Match: $etag" -H 'If-None-Match: "other"')" = 200 ]
}

@test "semantics: a resumed download with a stale validator never splices bytes of a changed file" {
	start_httpd
	old=$(etag_of "$WWW/data.bin")
	[ "$(curl -s -r 0-9 -H "If-Match: $old" "$URL/data.bin")" = 0123456789 ]
	# The file changes between the two halves of the download, at once:
	# the open-file cache must not answer from its view of a second ago.
	printf 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' >"$WWW/data.bin"
	[ "$(etag_of "$WWW/data.bin")" != "$old" ]
	# Resuming with If-Match: 412, no bytes of the new file.
	resume_refused /data.bin 10- "$old" KLMN
	# Resuming with If-Range: the whole new file, never its tail.
	run raw -- "GET /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=10-\r\nIf-Range: $old\r\n\r\n"
	[ "$(status_of "$output")" = 200 ]
	[ "$(body <<<"$output")" = ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ]
}

@test "semantics: If-Range with the file's exact Last-Modified date gets the range; any other date, the whole file" {
	start_httpd
	etag=$(etag_of "$WWW/data.bin")
	# data.bin: Tue, 02 Jan 2024 03:04:05 GMT, in any form of HTTP-date.
	for d in 'Tue, 02 Jan 2024 03:04:05 GMT' 'Tuesday, 02-Jan-24 03:04:05 GMT'; do
		run raw -- "GET /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\nIf-Range: $d\r\n\r\n"
		echo "If-Range: $d -> ${lines[0]}"
		is_head "HTTP/1.1 206 Partial Content" "Content-Type: application/octet-stream" \
			"Content-Length: 4" "Last-Modified: Tue, 02 Jan 2024 03:04:05 GMT" \
			"ETag: $etag" "Content-Range: bytes 0-3/36"
		[ "$(body <<<"$output")" = 0123 ]
	done
	# A second before or after, or not a date: the file has changed as
	# far as the client can tell, so all of it (RFC 9110 13.1.5).
	for d in 'Tue, 02 Jan 2024 03:04:04 GMT' 'Tue, 02 Jan 2024 03:04:06 GMT' \
	    'yesterday'; do
		run raw -- "GET /data.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\nIf-Range: $d\r\n\r\n"
		echo "If-Range: $d -> ${lines[0]}"
		is_head "HTTP/1.1 200 OK" "Content-Type: application/octet-stream" \
			"Content-Length: 36" "Last-Modified: Tue, 02 Jan 2024 03:04:05 GMT" \
			"ETag: $etag" "Accept-Ranges: bytes"
		[ "$(body <<<"$output")" = 0123456789abcdefghijklmnopqrstuvwxyz ]
	done
}

@test "semantics: a repeated precondition field is 400; If-None-Match on OPTIONS is 412, not 304" {
	start_httpd
	for f in If-Match If-None-Match If-Unmodified-Since If-Modified-Since If-Range; do
		run raw --keep --timeout 3 -- "GET /hello.txt HTTP/1.1\r\nHost: x\r\n$f: \"a\"\r\n$f: \"b\"\r\n\r\n"
		echo "$f twice -> ${lines[0]}"
		[ "$status" -eq 0 ]
		[ "$(status_of "$output")" = 400 ]
	done
	statuses <<'EOF'
412 OPTIONS /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n
412 OPTIONS /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Match: "nope"\r\n\r\n
EOF
}

@test "semantics: a large file changed in place is never resumed under its old ETag, cache or not" {
	make_site
	# Larger than what the cache keeps in memory: it stays open, and a
	# change in place is seen through the open file.
	head -c 200000 /dev/zero | tr '\0' a >"$WWW/big.bin"
	start_httpd
	old=$(etag_of "$WWW/big.bin")
	[ "$(curl -s -r 0-9 -H "If-Match: $old" "$URL/big.bin")" = aaaaaaaaaa ]
	printf BBBBBBBBBB | dd of="$WWW/big.bin" bs=1 seek=100000 conv=notrunc 2>/dev/null
	[ "$(etag_of "$WWW/big.bin")" != "$old" ]
	resume_refused /big.bin 100000-100009 "$old" BBBB
	run raw -- "GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=100000-100009\r\nIf-Range: $old\r\n\r\n"
	[ "$(status_of "$output")" = 200 ]
	[[ "$output" == *$'\r\nContent-Length: 200000\r\n'* ]]
	[[ "$output" == *$'\r\nETag: '"$(etag_of "$WWW/big.bin")"$'\r\n'* ]]
}

@test "semantics: obs-fold is 400 whatever its first line held, and the connection closes" {
	start_httpd -d
	heads=(
		'GET /hello.txt HTTP/1.1\r\nHost:\r\n localhost\r\n\r\n'
		'GET /data.bin HTTP/1.1\r\nRange:\r\n bytes=0-0\r\nHost: a\r\n\r\n'
		'GET /hello.txt HTTP/1.1\r\nHost: a\r\nX:\r\n\tvalue\r\n\r\n'
		'GET /hello.txt HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n'
		'GET /hello.txt HTTP/1.1\r\n Host: a\r\n\r\n'
	)
	for h in "${heads[@]}"; do
		answers_and_closes "$h"
		is_head "HTTP/1.1 400 Bad Request" \
			"Content-Type: text/plain; charset=utf-8" "Content-Length: 16" \
			"Connection: close"
	done
	wait_for 5 grep -q ': 400: obsolete line folding$' "$(LOG)"
}

@test "semantics: a file has one URL: a trailing slash or dot segment after its name is 404" {
	start_httpd
	for p in /hello.txt/ /hello.txt/. /hello.txt// /sub/page.html/ /sub/page.html/./; do
		run curl -s -i --path-as-is "$URL$p"
		echo "$p: ${lines[0]}"
		[[ "${lines[0]}" == "HTTP/1.1 404 Not Found"* ]]
	done
	# Directories keep their slash form; files their plain one.
	[ "$(curl -s "$URL/")" = "$(cat "$WWW/index.html")" ]
	[ "$(curl -s --path-as-is "$URL/sub/..")" = "$(cat "$WWW/index.html")" ]
	[ "$(curl -s --path-as-is "$URL/sub/./page.html")" = "<p>sub</p>" ]
	[ "$(curl -s --path-as-is "$URL/sub/../hello.txt")" = "hello, world" ]
}

@test "semantics: what does not match the request-line grammar is 400, a well-formed unknown method 501" {
	start_httpd
	for h in 'GARBAGE\r\n\r\n' 'GET\t/\tHTTP/1.1\r\nHost: a\r\n\r\n' \
	    'Extra lineGET / HTTP/1.1\r\nHost: a\r\n\r\n' 'GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n' \
	    'GET / HTTP/1.10\r\nHost: a\r\n\r\n' 'GET /\r\n\r\n'; do
		run raw --keep --timeout 3 -- "$h"
		echo "$h -> ${lines[0]}"
		[ "$status" -eq 0 ]
		[ "$(status_of "$output")" = 400 ]
		[[ "$output" == *$'Connection: close\r'* ]]
	done
	run raw -- 'BREW / HTTP/1.1\r\nHost: a\r\n\r\n'
	is_head "HTTP/1.1 501 Not Implemented" \
		"Content-Type: text/plain; charset=utf-8" "Content-Length: 20" \
		"Connection: close"
	# Methods are case-sensitive: "get" is a method we do not implement.
	[ "$(status_of "$(raw -- 'get / HTTP/1.1\r\nHost: a\r\n\r\n')")" = 501 ]
}

@test "semantics: OPTIONS * and OPTIONS of a file get 200 with Allow: GET, HEAD, OPTIONS and no body" {
	start_httpd
	for target in '*' /hello.txt / /sub/page.html; do
		run raw --keep --timeout 1 -- "OPTIONS $target HTTP/1.1\r\nHost: x\r\n\r\n"
		[ "$status" -eq 3 ]	# kept alive
		is_head "HTTP/1.1 200 OK" "Content-Length: 0" "Allow: GET, HEAD, OPTIONS"
		[ -z "$(body <<<"$output")" ]
	done
	wait_for 5 grep -q '"OPTIONS \* HTTP/1.1" 200 - ' "$(LOG)"
}

@test "semantics: OPTIONS of what GET would not find gets GET's status; * is for OPTIONS only" {
	start_httpd
	statuses <<'EOF'
404 OPTIONS /missing HTTP/1.1\r\nHost: x\r\n\r\n
404 OPTIONS /.hidden HTTP/1.1\r\nHost: x\r\n\r\n
404 OPTIONS /hello.txt/ HTTP/1.1\r\nHost: x\r\n\r\n
403 OPTIONS /empty/ HTTP/1.1\r\nHost: x\r\n\r\n
400 OPTIONS /../x HTTP/1.1\r\nHost: x\r\n\r\n
400 GET * HTTP/1.1\r\nHost: x\r\n\r\n
400 HEAD * HTTP/1.1\r\nHost: x\r\n\r\n
EOF
	# Content is read and dropped as for GET (tests/29-httpd-content.bats).
	[ "$(status_of "$(raw -- 'OPTIONS * HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi')")" = 200 ]
}

@test "semantics: 405 names every method served: Allow: GET, HEAD, OPTIONS" {
	start_httpd
	for m in POST PUT DELETE PATCH; do
		run raw --keep --timeout 1 -- "$m /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
		[ "$status" -eq 3 ]
		is_head "HTTP/1.1 405 Method Not Allowed" \
			"Content-Type: text/plain; charset=utf-8" "Content-Length: 23" \
			"Allow: GET, HEAD, OPTIONS"
	done
}

@test "semantics: a transfer coding we do not know is 501; content refused by policy keeps 413 and 405" {
	start_httpd
	for te in gzip 'gzip, chunked' br; do
		run raw --keep --timeout 3 -- "GET /hello.txt HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: $te\r\n\r\n0\r\n\r\n"
		echo "$te -> ${lines[0]}"
		[ "$status" -eq 0 ]
		is_head "HTTP/1.1 501 Not Implemented" \
			"Content-Type: text/plain; charset=utf-8" "Content-Length: 20" \
			"Connection: close"
	done
	statuses <<'EOF'
501 POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n
413 GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n
405 POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n
405 POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello
EOF
}

@test "semantics: HTTP/1.2 is answered as HTTP/1.1; HTTP/2.0 and HTTP/0.9 in a request line get 505" {
	start_httpd
	run raw --keep --timeout 1 -- 'GET /hello.txt HTTP/1.2\r\nHost: x\r\n\r\n'
	[ "$status" -eq 3 ]	# persistent, as HTTP/1.1
	is_head "HTTP/1.1 200 OK" "Content-Type: text/plain; charset=utf-8" \
		"Content-Length: 13" \
		"Last-Modified: Tue, 02 Jan 2024 03:04:05 GMT" \
		"ETag: $(etag_of "$WWW/hello.txt")" "Accept-Ranges: bytes"
	[ "$(body <<<"$output")" = "hello, world" ]
	# The log has the version as sent.
	wait_for 5 grep -q '"GET /hello.txt HTTP/1.2" 200 13 ' "$(LOG)"
	# As for HTTP/1.1, Host is required.
	[ "$(status_of "$(raw -- 'GET /hello.txt HTTP/1.9\r\n\r\n')")" = 400 ]
	for v in 2.0 3.0 0.9; do
		run raw -- "GET /hello.txt HTTP/$v\r\nHost: x\r\n\r\n"
		echo "$v -> ${lines[0]}"
		[ "$(status_of "$output")" = 505 ]
	done
}

@test "semantics: --cache-control is sent with files on 200, 206 and 304, and only there" {
	start_httpd --cache-control max-age=60 --diagnostics --list-directories
	etag=$(etag_of "$WWW/hello.txt")
	run raw -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n'
	is_head "HTTP/1.1 200 OK" "Content-Type: text/plain; charset=utf-8" \
		"Content-Length: 13" "Last-Modified: Tue, 02 Jan 2024 03:04:05 GMT" \
		"ETag: $etag" "Accept-Ranges: bytes" "Cache-Control: max-age=60"
	run raw -- "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: $etag\r\n\r\n"
	is_head "HTTP/1.1 304 Not Modified" \
		"Last-Modified: Tue, 02 Jan 2024 03:04:05 GMT" "ETag: $etag" \
		"Cache-Control: max-age=60"
	run curl -s -i -r 0-1 "$URL/hello.txt"
	[[ "${lines[0]}" == "HTTP/1.1 206 Partial Content"* ]]
	[[ "$output" == *$'\r\nCache-Control: max-age=60\r\n'* ]]
	# HEAD of a file, and index.html behind a directory, are files too.
	[[ "$(curl -s -I "$URL/")" == *$'\r\nCache-Control: max-age=60\r\n'* ]]
	# Not with errors, redirects, listings, OPTIONS; the diagnostics
	# page stays no-store.
	for args in "$URL/missing" "-r 100- $URL/hello.txt" "-H If-Match:\"x\" $URL/hello.txt" \
	    "$URL/sub" "$URL/empty/" "-X OPTIONS $URL/hello.txt"; do
		# shellcheck disable=SC2086
		run curl -s -i $args
		echo "$args: ${lines[0]}"
		[[ "$output" != *Cache-Control* ]]
	done
	run curl -s -i "$URL/.well-known/socket-activate"
	[[ "$output" == *$'\r\nCache-Control: no-store\r\n'* ]]
	[[ "$output" != *max-age* ]]
	grep -q 'files are sent with Cache-Control: max-age=60' "$(LOG)"
}

# error_head STATUS-LINE LENGTH [FIELD...]: the response in $output is
# exactly the plain error of STATUS: no Last-Modified, ETag, Accept-Ranges
# or Cache-Control, whatever --cache-control says.
error_head() {
	is_head "$1" "Content-Type: text/plain; charset=utf-8" \
		"Content-Length: $2" "${@:3}"
}

@test "semantics: no error a file request can get carries validators or --cache-control" {
	make_site
	head -c 100000 /dev/zero >"$WWW/big.bin"	# kept open by the cache
	start_httpd --cache-control 'public, max-age=86400' --max-header-size 1K \
		--header-timeout 1
	long=$(printf 'a%.0s' $(seq 1100))
	run raw -- 'GET /missing.txt HTTP/1.1\r\nHost: x\r\n\r\n'
	error_head "HTTP/1.1 404 Not Found" 14
	run raw -- 'GET /empty/ HTTP/1.1\r\nHost: x\r\n\r\n'
	error_head "HTTP/1.1 403 Forbidden" 14
	run raw -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Match: "x"\r\n\r\n'
	error_head "HTTP/1.1 412 Precondition Failed" 24
	run raw -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=100-\r\n\r\n'
	error_head "HTTP/1.1 416 Range Not Satisfiable" 26 "Content-Range: bytes */13"
	run raw -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'
	error_head "HTTP/1.1 400 Bad Request" 16 "Connection: close"
	run raw -- 'POST /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n'
	error_head "HTTP/1.1 405 Method Not Allowed" 23 "Allow: GET, HEAD, OPTIONS"
	run raw -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n'
	error_head "HTTP/1.1 413 Content Too Large" 22 "Connection: close"
	run raw -- "GET /$long HTTP/1.1\r\nHost: x\r\n\r\n"
	error_head "HTTP/1.1 414 URI Too Long" 17 "Connection: close"
	run raw -- "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX: $long\r\n\r\n"
	error_head "HTTP/1.1 431 Request Header Fields Too Large" 36 "Connection: close"
	run raw -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n'
	error_head "HTTP/1.1 501 Not Implemented" 20 "Connection: close"
	run raw -- 'GET /hello.txt HTTP/2.0\r\nHost: x\r\n\r\n'
	error_head "HTTP/1.1 505 HTTP Version Not Supported" 31 "Connection: close"
	run raw --keep -- 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n'
	error_head "HTTP/1.1 408 Request Timeout" 20 "Connection: close"
	# Out of descriptors, where the open-file cache keeps a large file
	# open and each response sends from a duplicate of it: the accept and
	# the file's own descriptor fit under the limit, the duplicate does
	# not (the case that sent a 503 with the file's ETag and a day of
	# max-age).
	pid=$(server_pid)
	free=($(ls "/proc/$pid/fd" | python3 -c 'import sys
used = {int(l) for l in sys.stdin}
print(*[f for f in range(len(used) + 3) if f not in used][:3])'))
	echo "open: $(ls "/proc/$pid/fd" | sort -n | tr '\n' ' '); the first free: ${free[*]}"
	prlimit --pid "$pid" --nofile=${free[2]}:${free[2]}
	run raw -- 'GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n'
	error_head "HTTP/1.1 503 Service Unavailable" 24
	grep -q 'cannot open a cached file: Too many open files' "$(LOG)"
}

@test "semantics: without --cache-control no response has Cache-Control" {
	start_httpd
	run curl -s -i "$URL/hello.txt"
	[[ "${lines[0]}" == "HTTP/1.1 200 OK"* ]]
	[[ "$output" != *Cache-Control* ]]
}

@test "semantics: --cache-control values that could break the head are a usage error (exit 2)" {
	for v in "$(printf 'max-age=60\r\nSet-Cookie: x=1')" "$(printf 'a\nb')" "$(printf 'a\001')" \
	    '' ' max-age=60' 'max-age=60 ' "$(printf 'caf\303\251')" "$(printf '%02000d' 0)"; do
		run "$HTTPD_BIN" --cache-control "$v" --listen 127.0.0.1:$(free_port)
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == "socket-activate-httpd: invalid value for --cache-control: want 1 to 1024 printable ASCII characters (no line break or other control character, no space at either end)" ]]
	done
	# A value with inner spaces, commas and quotes is fine.
	run "$HTTPD_BIN" --cache-control 'public, max-age=60, stale-if-error="x"' --help
	[ "$status" -eq 0 ]
}

@test "httpd: a FIFO beside a TCP listener is closed with a warning, and the socket is served" {
	make_site
	PORT=$(free_port)
	launch web=tcp4:127.0.0.1:$PORT pipe=fifo:$BATS_TEST_TMPDIR/fifo -- "$HTTPD_BIN" --root "$WWW"
	grep -q 'READY=1|STATUS=Serving 1 sockets' "$NOTIFY_LOG"
	grep -qx 'socket-activate-httpd: warning: fd 4 ("pipe") is a FIFO, not a socket: closing it, ignoring' "$(LOG)"
	[ "$(curl -s "http://127.0.0.1:$PORT/hello.txt")" = "hello, world" ]
	! ls -l "/proc/$(server_pid)/fd/" | grep -e "$BATS_TEST_TMPDIR/fifo" || false
}

@test "httpd: only a file passed, no socket: the warning, then exit 1" {
	make_site
	run "$TOOLS/listen-fds.py" f=file:"$WWW/hello.txt" -- "$HTTPD_BIN" --root "$WWW"
	[ "$status" -eq 1 ]
	has_lines 'socket-activate-httpd: warning: fd 3 ("f") is a regular file, not a socket: closing it, ignoring'
	[[ "$output" == *"error: no sockets to serve"* ]]
}
