#!/usr/bin/env bats
# socket-activate-httpd: what does not fit in one write or one read. Large
# generated bodies that wait for a slow reader, a Connection: close behind
# a response still going out, a pipelined head cut in two, a client gone
# in the middle of a response, the bounds of directory listings, and what
# the access log cuts. The
# server runs on a Unix socket: its send buffer (about 208 KiB) is smaller
# than these responses, so they always wait for the reader.
load helpers
load fixtures/httpd/helpers

# start_unix [ARGS...]: httpd on $SOCK with the site of make_site.
start_unix() {
	[ -n "${WWW:-}" ] || make_site
	SOCK=$BATS_TEST_TMPDIR/httpd.sock
	launch web=unix:$SOCK -- "$HTTPD_BIN" --root "$WWW" "$@"
}

# get PATH [HEADER...]: one request on $SOCK, the client reading slowly (a
# 4 KiB receive buffer, 4 KiB at a time); prints "STATUS BODYLEN SHA256",
# then "eof" if the server closed after the response.
get() {
	python3 - "$SOCK" "$@" <<'PY'
import hashlib, socket, sys
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.settimeout(20)
extra = "".join(h + "\r\n" for h in sys.argv[3:])
s.sendall(("GET %s HTTP/1.1\r\nHost: a\r\n%s\r\n" % (sys.argv[2], extra)).encode())
data = b""
while b"\r\n\r\n" not in data:
    data += s.recv(4096)
head, _, body = data.partition(b"\r\n\r\n")
length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
while len(body) < length:
    chunk = s.recv(4096)
    if not chunk:
        break
    body += chunk
print(head.split(b" ")[1].decode(), len(body), hashlib.sha256(body).hexdigest())
if len(body) == length and s.recv(1) == b"":
    print("eof")
PY
}

# make_files DIR N FORMAT ARGS: N empty files in DIR, named FORMAT % ARGS
# (Python; i is the file's number).
make_files() {
	python3 -c 'import os, sys
for i in range(int(sys.argv[2])):
    open(os.path.join(sys.argv[1], sys.argv[3] % eval(sys.argv[4])), "w").close()' "$@"
}

@test "httpd: a directory listing larger than the socket buffer reaches a slow reader whole" {
	make_site
	mkdir "$WWW/many"
	make_files "$WWW/many" 3000 'entry-%05d-%s.txt' '(i, "x" * 100)'
	start_unix --list-directories
	run get /many/
	echo "$output"
	[ "$status" -eq 0 ]
	read -r st len sum <<<"${lines[0]}"
	[ "$st" = 200 ]
	[ "$len" -gt 300000 ]
	# The same bytes as a fast reader gets, all entries, sorted.
	[ "$(curl -s --unix-socket "$SOCK" http://a/many/ | sha256sum | cut -d' ' -f1)" = "$sum" ]
	body=$(curl -s --unix-socket "$SOCK" http://a/many/)
	[ "$(grep -c '<li><a href="entry-' <<<"$body")" -eq 3000 ]
	grep -q "entry-02999-" <<<"$(tail -3 <<<"$body")"
	[[ "$body" != *"listing truncated"* ]]
}

@test "httpd: a listing stops at 10000 entries and says so" {
	make_site
	mkdir "$WWW/huge"
	make_files "$WWW/huge" 10001 '%05d' 'i'
	start_unix --list-directories
	body=$(curl -s --unix-socket "$SOCK" http://a/huge/)
	[ "$(grep -c '<li><a href="[0-9]' <<<"$body")" -eq 10000 ]
	[[ "$body" == *"<p>(listing truncated)</p>"* ]]
}

@test "httpd: a listing stops before 1 MiB and says so" {
	make_site
	mkdir "$WWW/long"
	make_files "$WWW/long" 2500 '%05d-%s' '(i, "y" * 240)'
	start_unix --list-directories
	run get /long/
	read -r st len sum <<<"${lines[0]}"
	[ "$st" = 200 ]
	[ "$len" -le 1048576 ]
	body=$(curl -s --unix-socket "$SOCK" http://a/long/)
	[[ "$body" == *"<p>(listing truncated)</p>"* ]]
	n=$(grep -c '<li><a href="[0-9]' <<<"$body")
	echo "entries listed: $n"
	[ "$n" -gt 1000 ] && [ "$n" -lt 2500 ]
}

@test "httpd: Connection: close behind a large file still going out: every byte arrives, then the end" {
	make_site
	head -c 3M /dev/urandom >"$WWW/big.bin"
	start_unix
	run get /big.bin "Connection: close"
	echo "$output"
	[ "${lines[0]}" = "200 3145728 $(sha256sum <"$WWW/big.bin" | cut -d' ' -f1)" ]
	[ "${lines[1]}" = eof ]
}

@test "httpd: a pipelined head cut in two is answered once its rest comes, or gets 408 at --header-timeout" {
	start_unix --header-timeout 1
	run timeout 20 python3 - "$SOCK" <<'PY'
import socket, sys
GET = b"GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n"
def response(s):
    data = b""
    while b"hello, world\n" not in data and b"\r\n\r\n408" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
        if data.startswith(b"HTTP/1.1 408"):
            return data
    return data
for complete in (True, False):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    # One whole request and the first half of the next, in one write.
    s.sendall(GET + GET[:20])
    first = response(s)
    print("first:", first.split(b"\r\n")[0].decode())
    if complete:
        s.sendall(GET[20:])
        print("second:", response(s).split(b"\r\n")[0].decode())
    else:
        rest = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        print("left cut:", rest.split(b"\r\n")[0].decode(), "then EOF")
    s.close()
PY
	echo "$output"
	[ "$status" -eq 0 ]
	has_lines 'first: HTTP/1.1 200 OK' 'second: HTTP/1.1 200 OK' \
		'left cut: HTTP/1.1 408 Request Timeout then EOF'
}

@test "httpd: a client gone in the middle of a large response leaves the server serving, nothing held" {
	make_site
	mkdir "$WWW/many"
	make_files "$WWW/many" 3000 'entry-%05d-%s.txt' '(i, "x" * 100)'
	start_unix --list-directories --debug
	fds=$(ls "/proc/$BG_PID/fd" | wc -l)
	for i in 1 2 3; do
		python3 - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(b"GET /many/ HTTP/1.1\r\nHost: a\r\n\r\n")
assert s.recv(4096).startswith(b"HTTP/1.1 200 ")
s.close()
PY
	done
	# Each is closed by the server (the write fails), and it goes on.
	wait_for 10 bash -c "[ \$(grep -c 'closed: \(Broken pipe\|Connection reset by peer\)' '$(LOG)') -eq 3 ]"
	[ "$(curl -s --unix-socket "$SOCK" http://a/hello.txt)" = "hello, world" ]
	wait_for 10 grep -q 'STATUS=0 connections open, 4 total' "$NOTIFY_LOG"
	[ "$(ls "/proc/$BG_PID/fd" | wc -l)" -eq "$fds" ]
	stop_server 5
}

@test "httpd: a User-Agent longer than the access log keeps is cut, and says so with ..." {
	start_httpd
	ua=$(printf 'A%.0s' {1..300})
	[ "$(curl -s -A "$ua" "$URL/hello.txt")" = "hello, world" ]
	wait_for 5 grep -q '"GET /hello.txt HTTP/1.1" 200' "$(LOG)"
	line=$(grep '"GET /hello.txt HTTP/1.1" 200' "$(LOG)")
	echo "$line"
	[[ "$line" == *" \"$(printf 'A%.0s' {1..155})...\" fd=web "* ]]
}

@test "httpd: a User-Agent cut in the middle of its escaped bytes still says so with ..." {
	# Tabs are legal inside a field value and logged as \x09: four bytes
	# each, so the cut falls where an escape would not fit whole.
	start_httpd
	ua="A$(printf '\t%.0s' {1..100})B"
	[ "$(curl -s -H "User-Agent: $ua" "$URL/hello.txt")" = "hello, world" ]
	wait_for 5 grep -q '"GET /hello.txt HTTP/1.1" 200' "$(LOG)"
	line=$(grep '"GET /hello.txt HTTP/1.1" 200' "$(LOG)")
	echo "$line"
	[[ "$line" == *" \"A$(printf '\\x09%.0s' {1..38})...\" fd=web "* ]]
}
