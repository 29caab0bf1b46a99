#!/usr/bin/env bash
# httpd-instructions.sh HTTPD_BIN [N] [PATH]: instructions the server runs
# per request, counted by callgrind (deterministic, unlike a timer: the
# same binary and request give the same count on a busy VM).
#
# The server (--listen on a free 127.0.0.1 port, access log on, as it
# ships) answers two runs of keep-alive GETs, one request in flight at a
# time (wrk's request: "GET PATH HTTP/1.1", Host); one run of 1,000 and
# one of 1,000 + N (default 10,000). Their difference divided by N is the
# cost of one request, start-up and shutdown cancelled out. The document
# root is tests/bench/lib.sh's (index.html: 612 bytes). Prints one line:
#   instructions/request: I  (Ir A - B over N requests, BIN)
set -eu
bin=$1
n=${2:-10000}
path=${3:-/index.html}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../bench/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
work=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
bench_make_docroot "$work/www" >/dev/null

# run COUNT: the server's total instructions for COUNT requests.
run() {
	local port out=$work/cg.$1
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		"$bin" --no-sandbox --listen "127.0.0.1:$port" --root "$work/www" \
		>"$work/log.$1" 2>&1 &
	pid=$!
	python3 - "$port" "$1" "$path" <<'PY'
import socket, sys, time
port, count, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
deadline = time.monotonic() + 60
while True:
    try:
        s = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("the server did not listen within 60 s")
        time.sleep(0.1)
req = b"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path.encode(), port)
buf = b""
for _ in range(count):
    s.sendall(req)
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, _, buf = buf.partition(b"\r\n\r\n")
    length = int([l.split(b": ")[1] for l in head.split(b"\r\n")
                  if l.lower().startswith(b"content-length: ")][0])
    while len(buf) < length:
        buf += s.recv(65536)
    if not head.startswith(b"HTTP/1.1 200 "):
        sys.exit("not a 200: %r" % head[:40])
    buf = buf[length:]
s.close()
PY
	kill -TERM "$pid"
	wait "$pid" || { echo "the server exited with $?" >&2; cat "$work/log.$1" >&2; exit 1; }
	pid=
	sed -n 's/^summary: //p' "$out"
}
a=$(run 1000)
b=$(run $((1000 + n)))
echo "instructions/request: $(( (b - a) / n ))  (Ir $b - $a over $n requests, $bin)"
