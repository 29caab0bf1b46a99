#!/usr/bin/env bats
# socket-activate-httpd against hostile clients, through socket activation:
# slowloris (headers and bodies), slow readers, a connection flood against
# the cap, descriptor exhaustion, half-closed and reset connections, and a
# stop request under load. Each test is bounded (well under a minute) and
# talks over loopback only. (21-httpd-security.bats has the single-client
# versions: one slow head, 1000 idle connections, one stalled reader.)
load helpers
load fixtures/httpd/helpers

# Descriptors of a process, but for files of the document root that the
# open-file cache keeps (at most one per file too big for memory): those are
# not connections' leftovers.
fd_count() {
	# One find, not a readlink per descriptor: with 400 connections open,
	# 400 forks per poll made each count take seconds on a busy machine,
	# and the attack was over before the count saw it.
	find /proc/"$1"/fd -mindepth 1 -not -lname "$WWW/*" 2>/dev/null | wc -l
}
# Root files held open: never more than the files above 64 KiB.
cached_fds_bounded() {
	local held big
	held=$(find /proc/"$1"/fd -mindepth 1 -lname "$WWW/*" 2>/dev/null | wc -l)
	big=$(find "$WWW" -type f -size +64k | wc -l)
	[ "$held" -le "$big" ] || { echo "$held root files held open, only $big are cached open" >&2; return 1; }
}
# CPU time (user + system) of a process, in clock ticks (1/100 s).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
fds_at_most() { [ "$(fd_count "$1")" -le "$2" ] && cached_fds_bounded "$1"; }
nonempty() { local f; for f; do [ -s "$f" ] || return 1; done; }

# Established TCP connections to our port, from the server's side.
conns_open() { ss -Htn state established "( sport = :$PORT )" | wc -l; }
no_conns() { [ "$(conns_open)" -eq 0 ]; }

# Starts the server (first connection) and records its pid in PID and its
# descriptor count with no client in BASE_FDS.
start_and_settle() {
	start_httpd "$@"
	[ "$(curl -s "$URL/hello.txt")" = "hello, world" ]
	PID=$(server_pid)
	wait_for 5 no_conns
	BASE_FDS=$(fd_count "$PID")
}

need_slowhttptest() {
	command -v slowhttptest >/dev/null ||
		skip "slowhttptest is not installed (tools/deps.sh --test)"
}

# probe_while PID_OF_ATTACK: a normal client fetches hello.txt every
# 0.3 s while the attack runs; each must be answered within 1 s. Prints
# how many probes were made.
probe_while() {
	local n=0 out
	while kill -0 "$1" 2>/dev/null; do
		out=$(curl -s -m 2 -o /dev/null -w '%{http_code} %{time_total}' "$URL/hello.txt")
		echo "probe: $out"
		[[ "$out" == "200 0."* ]] || return 1
		n=$((n + 1))
		sleep 0.3	# the probes' pace, not an ordering
	done
	PROBES=$n
}

@test "httpd: slowloris with slow headers (slowhttptest -H, 400 connections) is cut with 408 at --header-timeout while a normal client is served" {
	need_slowhttptest
	# 3 s: the attack must outlast the probes' start on a loaded machine.
	start_and_settle --header-timeout 3
	slowhttptest -H -c 400 -r 200 -i 1 -x 10 -l 15 -p 2 -u "$URL/hello.txt" \
		-g -o slow >slow.out 2>&1 </dev/null 3>&- &
	attack=$!
	BG_PIDS+=("$attack")
	wait_for 10 eval '[ "$(fd_count '"$PID"')" -gt $((BASE_FDS + 100)) ]'
	probe_while "$attack"
	cat slow.csv
	echo "$PROBES probes served during the attack"
	[ "$PROBES" -ge 3 ]
	# The server ended every slow head itself, each with a 408...
	n408=$(grep -c '"-" 408 ' "$(LOG)")
	echo "$n408 connections got 408"
	[ "$n408" -ge 400 ]
	# ...so slowhttptest ran out of connections long before its 15 s.
	grep -q 'No open connections left' slow.out
	wait_for 5 fds_at_most "$PID" "$BASE_FDS"
}

@test "httpd: slowloris with slow bodies (slowhttptest -B) is refused at once (405 for POST, 413 for GET above --max-body-size) while a normal client is served" {
	need_slowhttptest
	start_and_settle
	for verb in POST GET; do
		slowhttptest -B -t $verb -c 200 -r 200 -i 1 -s 1048576 -x 10 -l 10 -p 2 \
			-u "$URL/hello.txt" -g -o body-$verb >body-$verb.out 2>&1 </dev/null 3>&- &
		attack=$!
		BG_PIDS+=("$attack")
		probe_while "$attack"
		cat body-$verb.csv
	done
	n405=$(grep -c '"POST /hello.txt HTTP/1.1" 405 ' "$(LOG)")
	n413=$(grep -c '"GET /hello.txt HTTP/1.1" 413 ' "$(LOG)")
	echo "405: $n405, 413: $n413"
	[ "$n405" -eq 200 ] && [ "$n413" -eq 200 ]
	# The bodies are never waited for: the connections end within the
	# linger time, not at slowhttptest's 10 s.
	grep -q 'No open connections left' body-POST.out
	grep -q 'No open connections left' body-GET.out
	wait_for 5 fds_at_most "$PID" "$BASE_FDS"
}

@test "httpd: 200 slow readers of a large file (1 byte/s) do not hold up a normal download, cost no CPU, and RSS stays bounded" {
	need_slowhttptest
	skip_under_valgrind "RSS and CPU time"
	make_site
	head -c 32M /dev/urandom >"$WWW/large.bin"
	start_and_settle
	rss0=$(rss_kib "$PID")
	# -X: slow read, a tiny receive window and 1 byte read per second.
	slowhttptest -X -c 200 -r 200 -l 30 -n 1 -z 1 -w 1 -y 16 -k 1 -p 3 \
		-u "$URL/large.bin" >slowread.out 2>&1 </dev/null 3>&- &
	attack=$!
	BG_PIDS+=("$attack")
	# Each reader holds its socket (and a descriptor of the open file,
	# which fd_count leaves out).
	wait_for 15 eval '[ "$(fd_count '"$PID"')" -ge $((BASE_FDS + 195)) ]'
	# Filling 200 send buffers costs CPU at first, later on a busy
	# machine; then the server must come to rest: some 2 s window within
	# 20 s uses at most 0.2 s of CPU. A server that spins on a full
	# socket (100 ticks a second) never gets there.
	quiet_window() {
		cpu0=$(cpu_ticks "$PID")
		sleep 2	# the window the CPU time is measured over
		cpu1=$(cpu_ticks "$PID")
		echo "server CPU with 200 slow readers: $((cpu1 - cpu0)) ticks in 2 s"
		[ $((cpu1 - cpu0)) -le 20 ]
	}
	wait_for 20 quiet_window
	# A normal client downloads the whole file at full speed meanwhile.
	run curl -s -m 20 -o large.out -w '%{http_code} %{size_download} %{time_total}' "$URL/large.bin"
	echo "normal download: $output"
	[[ "$output" == "200 33554432 "* ]]
	cmp large.out "$WWW/large.bin"
	[ "$(curl -s -m 1 "$URL/hello.txt")" = "hello, world" ]
	rss1=$(rss_kib "$PID")
	echo "server RSS: $rss0 KiB before, $rss1 KiB with 200 slow readers"
	# The file goes out with sendfile(): no per-reader buffer.
	[ $((rss1 - rss0)) -lt 8192 ]
	# Still all there: slow is not stalled (--send-timeout is 60 s).
	[ "$(fd_count "$PID")" -ge $((BASE_FDS + 195)) ]
	kill "$attack"
	wait_for 10 fds_at_most "$PID" "$BASE_FDS"
}

@test "httpd: 2000 concurrent connections against --max-connections 500: never more than 500 open, a normal client is served during and right after the flood" {
	start_and_settle --max-connections 500 --header-timeout 1
	python3 - 127.0.0.1 "$PORT" >flood.out 2>&1 3>&- <<'PY' &
import resource, select, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
addr = (sys.argv[1], int(sys.argv[2]))
conns = {}
for i in range(2000):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(addr)
    conns[s.fileno()] = s
# The listen backlog (4096) takes them all: connected, if not accepted.
p = select.poll()
for fd in conns:
    p.register(fd, select.POLLOUT)
deadline = time.monotonic() + 15
connected = 0
while connected < len(conns) and time.monotonic() < deadline:
    for fd, ev in p.poll(500):
        p.unregister(fd)
        if conns[fd].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            connected += 1
print("open", connected, flush=True)
# Hold them (sending nothing) until the server has closed them all.
for fd in conns:
    p.register(fd, select.POLLIN)
closed = 0
while closed < len(conns) and time.monotonic() < deadline + 30:
    for fd, ev in p.poll(500):
        p.unregister(fd)
        try:
            conns[fd].recv(4096)
        except OSError:
            pass
        closed += 1
print("closed by the server", closed, flush=True)
PY
	flood=$!
	BG_PIDS+=("$flood")
	wait_for 20 grep -q '^open 2000$' flood.out
	# During the flood: a client queued behind 1500 others is served once
	# the cap has cycled (each idle one is cut at --header-timeout).
	curl -s -m 20 -o /dev/null -w '%{http_code} %{time_total}' "$URL/hello.txt" >during.out 2>&1 3>&- &
	during=$!
	BG_PIDS+=("$during")
	max=0
	while kill -0 "$during" 2>/dev/null; do
		n=$(fd_count "$PID")
		((n > max)) && max=$n
		sleep 0.1
	done
	wait "$during"
	echo "during the flood: $(cat during.out); at most $max fds ($BASE_FDS at rest)"
	[[ "$(cat during.out)" == "200 "* ]]
	# At most the cap (plus the probe's own connection and its file).
	[ "$max" -le $((BASE_FDS + 500 + 2)) ]
	wait_for 20 grep -q '^closed by the server 2000$' flood.out
	grep -q '500 connections open (--max-connections): pausing accept until one closes' "$(LOG)"
	grep -q 'connections open: accepting again' "$(LOG)"
	# Right after: at once.
	run curl -s -m 1 -w ' %{time_total}' "$URL/hello.txt"
	echo "after the flood: $output"
	[[ "$output" == "hello, world"* ]]
	wait_for 5 fds_at_most "$PID" "$BASE_FDS"
}

@test "httpd: out of descriptors (ulimit -n 24) gives 503 and pauses accepting without a busy loop, then recovers" {
	skip_under_valgrind "a 24-descriptor limit and CPU time"
	make_site
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	(ulimit -n 24; exec systemd-socket-activate -l 127.0.0.1:$PORT --fdname=web \
		"$HTTPD_BIN" --root "$WWW" --header-timeout 30) >>"$(LOG)" 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
	wait_for 5 grep -q "Listening on" "$(LOG)"
	PYTHONPATH=$TOOLS run timeout 60 python3 - 127.0.0.1 "$PORT" "$BG_PID" "$(LOG)" <<'PY'
import socket, sys, time
from testsock import wait_log
port, pid = int(sys.argv[2]), int(sys.argv[3])
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / 100.0
def get(s, path):
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    s.settimeout(5)
    d = b""
    while b"\r\n\r\n" not in d:
        c = s.recv(4096)
        if not c:
            break
        d += c
    return d.split(b"\r\n")[0].decode()
# More connections than descriptors: the first ones are accepted until
# accept() fails with EMFILE, the rest wait in the backlog.
conns = [socket.create_connection((sys.argv[1], port)) for _ in range(40)]
wait_log(sys.argv[4], "accept: Too many open files")
c0 = cpu()
time.sleep(2)  # the window the CPU time is measured over
print(f"cpu {cpu() - c0:.2f}")
# An accepted connection asks for a file: no descriptor left to open it.
print(get(conns[0], b"/hello.txt"))
for c in conns[:-1]:
    c.close()
# The last one waited in the backlog: accepted now, and served.
print(get(conns[-1], b"/hello.txt"))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	used=$(sed -n 's/^cpu //p' <<<"$output")
	# Retrying accept() on a readable listener would burn ~2 s here.
	python3 -c "import sys; sys.exit(0 if $used < 0.3 else 1)"
	[ "${lines[1]}" = "HTTP/1.1 503 Service Unavailable" ]
	[ "${lines[2]}" = "HTTP/1.1 200 OK" ]
	grep -q 'accept: Too many open files: pausing accept for 100 ms at a time' "$(LOG)"
	grep -q 'descriptors available again, accepting' "$(LOG)"
	# And a new client is served as usual.
	[ "$(curl -s -m 2 "$URL/hello.txt")" = "hello, world" ]
}

@test "httpd: 1500 partial heads cost what they sent, not --max-header-size each: all answered under a data limit 6 MiB above the server at rest" {
	skip_under_valgrind "an address-space limit on the process under test"
	[[ ${BUILD_DIR:-} != */asan ]] ||
		skip "ASan's allocator maps memory of its own: a data limit would measure ASan"
	start_and_settle
	# The server's private writable memory (what RLIMIT_DATA counts) may
	# grow by 6 MiB: enough for 1500 connections and what they sent,
	# not for 1500 buffers of --max-header-size (8 KiB each: 12 MiB).
	data=$(awk '/^VmData:/ { print $2 }' "/proc/$PID/status")
	limit=$(((data + 6144) * 1024))
	prlimit --pid "$PID" --data=$limit:$limit --nofile=4096:4096
	run timeout 60 python3 - 127.0.0.1 "$PORT" <<'PY'
import resource, socket, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
conns = []
for _ in range(1500):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n")
    conns.append(s)
ok = 0
for s in conns:
    s.settimeout(10)
    d = b""
    try:
        s.sendall(b"Connection: close\r\n\r\n")
        while True:
            c = s.recv(4096)
            if not c:
                break
            d += c
    except OSError:
        pass
    ok += d.startswith(b"HTTP/1.1 200 OK\r\n") and d.endswith(b"hello, world\n")
    s.close()
print(ok)
PY
	echo "answered: $output"
	[ "$status" -eq 0 ]
	[ "$output" = 1500 ]
	run grep -c 'out of memory' "$(LOG)"
	[ "$output" = 0 ]
}

@test "httpd: a half-closed client (shutdown SHUT_WR after its requests) gets every pipelined response complete, then the connection closes" {
	make_site
	head -c 8M /dev/urandom >"$WWW/large.bin"
	start_and_settle
	run timeout 20 python3 - 127.0.0.1 "$PORT" "$WWW" <<'PY'
import hashlib, socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n"
          b"GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n"
          b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n")
s.shutdown(socket.SHUT_WR)
d = s.makefile("rb").read()  # until the server closes
bodies = []
while d:
    head, d = d.split(b"\r\n\r\n", 1)
    n = int([l.split(b": ")[1] for l in head.split(b"\r\n") if l.startswith(b"Content-Length: ")][0])
    print(head.split(b"\r\n")[0].decode(), n)
    bodies.append(d[:n])
    assert len(d) >= n, "response cut short"
    d = d[n:]
want = [open(sys.argv[3] + "/" + f, "rb").read() for f in ("hello.txt", "large.bin", "index.html")]
print("bodies match" if bodies == want else "bodies differ")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "HTTP/1.1 200 OK 13" ]
	[ "${lines[1]}" = "HTTP/1.1 200 OK 8388608" ]
	[ "${lines[3]}" = "bodies match" ]
	wait_for 5 fds_at_most "$PID" "$BASE_FDS"
}

@test "httpd: connections reset (RST) mid-response or mid-head leave no descriptor behind" {
	make_site
	head -c 32M /dev/zero >"$WWW/large.bin"
	start_and_settle
	PYTHONPATH=$TOOLS run timeout 60 python3 - 127.0.0.1 "$PORT" <<'PY'
import socket, struct, sys, time
from testsock import wait_read
addr = (sys.argv[1], int(sys.argv[2]))
def rst(s):
    # SO_LINGER with a zero timeout: close() sends a reset, not a FIN.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
downloads = []
for i in range(50):
    s = socket.create_connection(addr)
    s.sendall(b"GET /large.bin HTTP/1.1\r\nHost: a\r\n\r\n")
    downloads.append(s)
got = 0
for s in downloads:
    s.settimeout(5)
    n = 0
    while n < 65536:
        c = s.recv(65536)
        assert c, "closed early"
        n += len(c)
    got += n
heads = []
for i in range(50):
    s = socket.create_connection(addr)
    s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nX-Half: ")
    heads.append(s)
# Mid-head: the server has read each half head before the reset.
wait_read(heads)
for s in downloads + heads:
    rst(s)
print("reset 100 connections after", got, "bytes")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	wait_for 10 fds_at_most "$PID" "$BASE_FDS"
	echo "fds back to $(fd_count "$PID") (baseline $BASE_FDS)"
	[ "$(curl -s -m 2 "$URL/hello.txt")" = "hello, world" ]
}

@test "httpd: SIGTERM under load: every download in flight completes byte for byte, keep-alive clients end cleanly, exit 0" {
	make_site
	head -c 24M /dev/urandom >"$WWW/large.bin"
	start_and_settle --shutdown-timeout 30 --no-access-log
	pids=()
	for i in 1 2 3 4 5 6; do
		curl -s --limit-rate 8M -o "dl$i.out" -w '%{http_code} %{size_download}' \
			"$URL/large.bin" >"dl$i.status" 2>&1 3>&- &
		pids+=($!)
		BG_PIDS+=($!)
	done
	# Keep-alive clients with small requests, as fast as they can.
	python3 - 127.0.0.1 "$PORT" >ka.out 2>&1 3>&- <<'PY' &
import socket, sys, threading
answered = threading.Barrier(4, action=lambda: print("all 4 answered", flush=True))
def client(i, out):
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    s.settimeout(10)
    n = 0
    buf = b""
    try:
        while True:
            s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n")
            while b"hello, world\n" not in buf:
                c = s.recv(4096)
                if not c:
                    out.append((n, "eof" if not buf else "cut"))
                    return
                buf += c
            head, buf = buf.split(b"hello, world\n", 1)
            assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
            n += 1
            if n == 1:
                answered.wait(10)
            if b"Connection: close" in head:
                out.append((n, "close"))
                return
    except OSError as e:
        out.append((n, str(e)))
out = []
ts = [threading.Thread(target=client, args=(i, out)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
for n, how in out:
    print(n, how, flush=True)
PY
	ka=$!
	BG_PIDS+=("$ka")
	# Every download under way (about 3 s each at 8 MB/s), every
	# keep-alive client answered at least once, then stop.
	wait_for 10 nonempty dl1.out dl2.out dl3.out dl4.out dl5.out dl6.out
	wait_for 10 grep -q 'all 4 answered' ka.out
	kill -TERM "$PID"
	for p in "${pids[@]}"; do
		wait "$p"
	done
	for i in 1 2 3 4 5 6; do
		echo "download $i: $(cat dl$i.status)"
		[ "$(cat dl$i.status)" = "200 25165824" ]
		cmp "dl$i.out" "$WWW/large.bin"
	done
	wait "$ka"
	cat ka.out
	# Each keep-alive client got complete responses up to the stop, then
	# either a last one with Connection: close or a clean end between two.
	[ "$(grep -cE '^[0-9]+ ' ka.out)" -eq 4 ]
	[ -z "$(grep -v -E '^([0-9]+ (close|eof)|all 4 answered)$' ka.out)" ]
	exits_with 0 10
	grep -q 'SIGTERM received: no new connections' "$(LOG)"
	grep -q 'all connections closed, exiting' "$(LOG)"
}
