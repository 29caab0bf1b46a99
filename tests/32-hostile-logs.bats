#!/usr/bin/env bats
# Log injection: text a client or a caller chooses (a Unix client's own
# socket name, fd names, paths, request bytes) reaches the log escaped
# (common/logesc.h: \xHH), so it can never start a line of its own, carry
# a terminal escape or bytes that are not UTF-8, or choose the priority the
# journal gives a line ("<3>" at the start of a line).
load helpers
load fixtures/httpd/helpers

# log_is_clean: the log has nothing a journal or a terminal would take for
# more than text: every byte printable ASCII (the newlines between lines
# aside), and no line starting with '<', which the journal reads as the
# line's priority when the server's own prefix is not there.
log_is_clean() {
	local bad
	if LC_ALL=C grep -q '[^[:print:]]' "$(LOG)"; then
		echo "raw bytes in the log:"
		LC_ALL=C grep -n '[^[:print:]]' "$(LOG)" | cat -A
		return 1
	fi
	if bad=$(grep -n '^<' "$(LOG)"); then
		echo "a line the journal would give a priority of its choosing: $bad"
		return 1
	fi
}

# journal_is_clean: the log written in journal mode (JOURNAL_STREAM names
# it): every line starts with the server's own "<N>", once.
journal_is_clean() {
	local bad
	if LC_ALL=C grep -q '[^[:print:]]' "$(LOG)"; then
		echo "raw bytes in the log:"
		LC_ALL=C grep -n '[^[:print:]]' "$(LOG)" | cat -A
		return 1
	fi
	bad=$(grep -nv '^<[0-7]>' "$(LOG)" || true)
	# valgrind's own "--PID--" lines share the server's stderr: not ours.
	[ -z "${VALGRIND:-}" ] || bad=$(grep -v '^[0-9]*:--[0-9]*-- ' <<<"$bad" || true)
	if [ -n "$bad" ]; then
		echo "lines without the server's priority prefix: $bad"
		return 1
	fi
}

# JOURNAL_STREAM as systemd sets it for a stderr that is the journal; here
# the log file itself, so the server writes exactly what it would write
# there (log.c checks the device and inode of fd 2).
journal_stream() {
	touch "$(LOG)"
	stat -c '%d:%i' "$(LOG)"
}

# forged_clients SUFFIX STREAM DGRAM: Unix clients that name themselves to
# forge lines: abstract names with a newline, "<3>", NULs and bytes that
# are not UTF-8, and file names with a newline and a terminal escape. Each
# sends and reads its echo; prints "ok" when all came back. (The datagram
# client's name is a file's: the sandbox keeps the server from sending to
# abstract sockets made outside it, see SECURITY.md.)
forged_clients() {
	python3 - "$@" <<'PY'
import os, socket, sys
suffix, stream, dgram = sys.argv[1].encode(), sys.argv[2], sys.argv[3]
names = [b"\0x\n<3>FORGED line " + suffix,
         b"\0y\r\n<2>FORGED\0nul\xff\xfe\x1b[2J " + suffix,
         os.path.join(os.getcwd().encode(), b"c\n<3>FORGED\x1b[31m\xc3(")]
for name in names:
    s = socket.socket(socket.AF_UNIX)
    s.bind(name)
    s.connect(stream)
    s.sendall(b"hello")
    assert s.recv(100) == b"hello"
    s.close()
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d.bind(os.path.join(os.getcwd().encode(), b"d\n<3>FORGED dgram"))
d.settimeout(20)
d.sendto(b"ping", dgram)
assert d.recv(100) == b"ping"
print("ok")
PY
}

@test "echo: Unix clients named with newlines, '<3>', NUL, escapes and bad UTF-8 are logged escaped: no forged line" {
	launch unix=unix:$PWD/s.sock unixd=unix-dgram:$PWD/d.sock -- "$ECHO_BIN" --debug
	run forged_clients "$$" "$PWD/s.sock" "$PWD/d.sock"
	echo "$output"
	[ "$output" = ok ]
	wait_for 10 grep -q 'c\\x0a<3>FORGED\\x1b\[31m\\xc3( (pid [0-9]*, uid [0-9]*) closed' "$(LOG)"
	wait_for 10 grep -q 'datagram from /.*/d\\x0a<3>FORGED\\x20dgram$' "$(LOG)"
	log_is_clean
	grep -q "^unix (fd [0-9]*): connection from @x\\\\x0a<3>FORGED\\\\x20line\\\\x20$$ (pid [0-9]*, uid [0-9]*)$" "$(LOG)"
	grep -q "^unix (fd [0-9]*): connection from @y\\\\x0d\\\\x0a<2>FORGED\\\\x00nul\\\\xff\\\\xfe\\\\x1b\[2J\\\\x20$$ (pid" "$(LOG)"
	# Every FORGED is inside a line about its connection or datagram.
	run grep -c FORGED "$(LOG)"
	[ "$output" -eq 7 ]
	run grep -Evc '^unixd? \(fd [0-9]+\): ' <(grep FORGED "$(LOG)")
	[ "$output" -eq 0 ]
}

@test "echo: the same clients in journal mode: every line keeps the server's own priority" {
	launch unix=unix:$PWD/s.sock unixd=unix-dgram:$PWD/d.sock -- \
		env JOURNAL_STREAM="$(journal_stream)" "$ECHO_BIN" --debug
	run forged_clients "$$" "$PWD/s.sock" "$PWD/d.sock"
	[ "$output" = ok ]
	wait_for 10 grep -q 'c\\x0a<3>FORGED.* closed' "$(LOG)"
	wait_for 10 grep -q 'datagram from /.*/d' "$(LOG)"
	journal_is_clean
	# Connections are info (6), datagrams debug (7): never 3 or 2.
	run grep -c '^<6>unix (fd [0-9]*): connection from @x\\x0a<3>FORGED' "$(LOG)"
	[ "$output" -eq 1 ]
	! grep -q '^<[0-5]>.*FORGED' "$(LOG)" || false
}

@test "echo: fd names (LISTEN_FDNAMES) with control characters and a leading '<3>' are logged escaped, and no line starts with '<'" {
	port=$(free_port)
	uport=$(free_port)
	launch $'t\n<3>FORGED\e[1m\x7f'=tcp4:127.0.0.1:$port "<3>FORGED"=udp4:127.0.0.1:$uport -- "$ECHO_BIN" --debug
	[ "$(timeout 20 socat -t 10 - tcp4:127.0.0.1:$port <<<hi)" = hi ]
	[ "$("$TOOLS/dgram.py" udp4:127.0.0.1:$uport <<<ho)" = ho ]
	wait_for 10 grep -q 'closed, 3 bytes in, 3 bytes out' "$(LOG)"
	log_is_clean
	grep -q '^t\\x0a<3>FORGED\\x1b\[1m\\x7f (fd 3): IPv4 stream socket 127.0.0.1:'"$port"', listening, from systemd$' "$(LOG)"
	grep -q '^t\\x0a<3>FORGED\\x1b\[1m\\x7f (fd [0-9]*): connection from 127.0.0.1:' "$(LOG)"
	# At the start of a line, the name's '<' is written \x3c.
	grep -q '^\\x3c3>FORGED (fd 4): IPv4 datagram socket 127.0.0.1:'"$uport"', receiving, from systemd$' "$(LOG)"
	grep -q '^\\x3c3>FORGED (fd 4): 3 byte datagram from 127.0.0.1:' "$(LOG)"
}

@test "echo: an fd name that systemd-socket-activate --fdname passes, '<3>FORGED', cannot choose a line's priority" {
	port=$(free_port)
	activate -l 127.0.0.1:$port --fdname='<3>FORGED' "$ECHO_BIN"
	[ "$(timeout 20 socat -t 10 - tcp4:127.0.0.1:$port <<<hi)" = hi ]
	wait_for 10 grep -q 'closed, 3 bytes in' "$(LOG)"
	# systemd-socket-activate's own line comes first.
	sed -i '/^Listening on /d; /^Communication attempt on fd /d; /^Execing /d' "$(LOG)"
	log_is_clean
	grep -q '^\\x3c3>FORGED (fd 3): IPv4 stream socket 127.0.0.1:'"$port"', listening, from systemd$' "$(LOG)"
	grep -q '^\\x3c3>FORGED (fd [0-9]*): connection from 127.0.0.1:' "$(LOG)"
}

@test "echo and httpd: usage errors quote the caller's text escaped" {
	run "$ECHO_BIN" --max-buffer=$'1\n<3>FORGED'
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = 'socket-activate-echo: invalid value for --max-buffer: "1\x0a<3>FORGED"' ]
	run "$ECHO_BIN" --listen $'/tmp/a\n<3>FORGED\e[2J' --listen $'@x\n<3>FORGED' --listen $'x\n<3>FORGED'
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = 'socket-activate-echo: --listen: invalid address "x\x0a<3>FORGED": not a port, path, [IPv6]:PORT, IPv4:PORT or vsock:CID:PORT' ]
	run "$HTTPD_BIN" --listen $'udp:@x\n<3>FORGED'
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == 'socket-activate-httpd: --listen: "udp:@x\x0a<3>FORGED": '* ]]
	run "$ECHO_BIN" $'x\n<3>FORGED'
	[ "$status" -eq 2 ]
	[[ "$output" == 'socket-activate-echo: unexpected argument "x\x0a<3>FORGED"'* ]]
}

@test "echo: --listen paths with newlines are logged escaped" {
	start_notify
	NOTIFY_SOCKET=$NOTIFY_SOCK bg "$ECHO_BIN" --listen "$PWD/"$'a\n<3>FORGED.sock' --listen $'@e\n<3>FORGED'"$$"
	wait_for 5 grep -q READY=1 "$NOTIFY_LOG"
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"hi")
assert s.recv(10) == b"hi"' "$PWD/"$'a\n<3>FORGED.sock'
	wait_for 10 grep -q 'closed, 2 bytes in' "$(LOG)"
	log_is_clean
	grep -q "^$PWD/a\\\\x0a<3>FORGED.sock (fd [0-9]*): Unix stream socket $PWD/a\\\\x0a<3>FORGED.sock, listening$" "$(LOG)"
	grep -q "^@e\\\\x0a<3>FORGED$$ (fd [0-9]*): Unix stream socket @e\\\\x0a<3>FORGED$$, listening$" "$(LOG)"
}

# A client named to forge lines, with a request whose bytes are no better.
httpd_forged_client() {
	python3 - "$@" <<'PY'
import socket, sys
suffix, path = sys.argv[1].encode(), sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(b"\0x\n<3>FORGED line " + suffix)
s.connect(path)
s.sendall(b"GET /hello.txt?a%0a HTTP/1.1\r\nHost: x\r\n"
          b"User-Agent: a\xc3(\"\\\r\nReferer: /\xff\r\n\r\n"
          b"GET /\xff\xfe\x1b[2J HTTP/1.1\r\nHost: x\r\n\r\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(data.split(b"\r\n")[0].decode())
print(data.count(b"HTTP/1.1 "))
PY
}

@test "httpd: a Unix client named with a newline and '<3>', a hostile request, an fd name and a --root with control characters: all logged escaped" {
	make_site
	root=$BATS_TEST_TMPDIR/$'w\n<3>FORGED'
	mv "$WWW" "$root"
	launch $'web\n<3>FORGED'=unix:$PWD/h.sock -- "$HTTPD_BIN" --root "$root" --debug
	run httpd_forged_client "$$" "$PWD/h.sock"
	echo "$output"
	[ "${lines[0]}" = "HTTP/1.1 200 OK" ]
	[ "${lines[1]}" = 2 ]
	wait_for 10 grep -q '" 400 ' "$(LOG)"
	log_is_clean
	grep -q "^serving .*/w\\\\x0a<3>FORGED$" "$(LOG)"
	grep -q "^web\\\\x0a<3>FORGED (fd 3): Unix stream socket $PWD/h.sock, listening, from systemd$" "$(LOG)"
	grep -q "^web\\\\x0a<3>FORGED (fd [0-9]*): connection from @x\\\\x0a<3>FORGED\\\\x20line\\\\x20$$ (pid [0-9]*, uid [0-9]*)$" "$(LOG)"
	# The access log: the same text for the fd name and the peer as every
	# other line, and the request's bytes escaped.
	grep -F 'unix:uid=' "$(LOG)" | grep -F ' "GET /hello.txt?a%0a HTTP/1.1" 200 13 "/\xff" "a\xc3(\x22\x5c" fd=web\x0a<3>FORGED peer=@x\x0a<3>FORGED\x20line\x20'"$$"
	run grep -c FORGED "$(LOG)"
	echo "$output"
	[ "$output" -ge 5 ]
	# Every FORGED is inside a line the server wrote about it.
	run grep -Evc '^(serving |sandbox: |web\\x0a<3>FORGED \(fd [0-9]+\): |unix:uid=)' <(grep FORGED "$(LOG)")
	[ "$output" -eq 0 ]
}
