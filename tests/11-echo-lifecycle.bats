#!/usr/bin/env bats
# Starting, readiness, stopping and exiting: what systemd and journalctl see.
load helpers

@test "without sockets it exits 1 with one line saying how to start it" {
	run env -u LISTEN_FDS -u LISTEN_PID "$ECHO_BIN"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"no sockets to serve"*"systemd-socket-activate"*"--listen"* ]]
}

@test "a FIFO passed as fd 3 is refused, naming the fd, its name and what it is" {
	run "$TOOLS/listen-fds.py" myfifo=fifo:$BATS_TEST_TMPDIR/fifo -- "$ECHO_BIN"
	[ "$status" -eq 1 ]
	[[ "$output" == *'fd 3 ("myfifo") is a FIFO, not a socket'* ]]
}

@test "a netlink socket is refused as a socket this server does not serve" {
	run "$TOOLS/listen-fds.py" nl=netlink: -- "$ECHO_BIN"
	[ "$status" -eq 1 ]
	[[ "$output" == *'fd 3 ("nl") is a netlink raw socket, which this server does not serve'* ]]
}

@test "unknown options and bad values exit 2 with a hint" {
	run "$ECHO_BIN" --no-such-option
	[ "$status" -eq 2 ]
	[[ "$output" == *"--help"* ]]
	run timeout 5 "$ECHO_BIN" --listen 127.0.0.1:$(free_port) --no-such-option
	[ "$status" -eq 2 ]
	run "$ECHO_BIN" --max-connections 0
	[ "$status" -eq 2 ]
	[[ "$output" == *'invalid value for --max-connections: "0" (out of range: 1 to 1000000)'* ]]
	run "$ECHO_BIN" --listen 300.1.1.1:80
	[ "$status" -eq 2 ]
	[[ "$output" == *'invalid address "300.1.1.1:80"'* ]]
}

@test "--help lists every option and the man page documents each of them" {
	run "$ECHO_BIN" --help
	[ "$status" -eq 0 ]
	opts=$(grep -o -- '--[a-z][a-z-]*' <<<"$output" | sort -u)
	for o in listen exit-idle max-connections max-buffer max-datagram \
		udp-rate-limit shutdown-timeout start-sleep sdnotify debug help version; do
		grep -qx -- "--$o" <<<"$opts"
	done
	man=$(sed 's/\\-/-/g' "$REPO/echo/socket-activate-echo.1")
	for o in $opts; do
		grep -q -- "$o" <<<"$man" || { echo "man page lacks $o"; false; }
	done
}

@test "-V prints the version" {
	run "$ECHO_BIN" -V
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^socket-activate-echo\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "READY=1 arrives with a STATUS, and SIGTERM sends STOPPING=1 and exits 0" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	grep -q 'READY=1|STATUS=Serving 1 sockets' "$NOTIFY_LOG"
	stop_server 5
	grep -q 'STOPPING=1' "$NOTIFY_LOG"
}

# with_watchdog: the server on a TCP port ($port) with WATCHDOG_USEC of
# 1 s and a notify socket of ours, once it said READY=1.
with_watchdog() {
	port=$(free_port)
	start_notify
	NOTIFY_SOCKET=$NOTIFY_SOCK WATCHDOG_USEC=1000000 bg "$TOOLS/listen-fds.py" \
		tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	wait_for 10 grep -q READY=1 "$NOTIFY_LOG"
}

@test "STATUS reports live counts at most once a second, and only when they change" {
	# The watchdog pings (every 0.5 s) are the server's own clock below.
	with_watchdog
	updates() { grep 'STATUS=[0-9]* connections open' "$NOTIFY_LOG"; }
	# Counts that change all the time: one connection after another,
	# until four updates have come.
	n=0 deadline=$((SECONDS + 30))
	while [ "$(updates | wc -l)" -lt 4 ]; do
		((SECONDS < deadline)) || { echo "fewer than 4 STATUS= in 30 s"; false; }
		[ "$(timeout 30 socat -t 20 - tcp4:127.0.0.1:$port <<<abc)" = abc ]
		n=$((n + 1))
	done
	first=$(updates | sed -n 1p | cut -d' ' -f1)
	fourth=$(updates | sed -n 4p | cut -d' ' -f1)
	echo "$n connections; updates 1 and 4 came $((fourth - first)) ms apart"
	# Three ticks of the 1 s timer at least (the timer keeps its
	# schedule: a late first tick shortens the span by its lateness).
	[ $((fourth - first)) -ge 2500 ]
	# Then nothing changes: the final counts come once, and are not
	# repeated while the watchdog ticks five more times (2 s).
	final="STATUS=0 connections open, $n total, $((4 * n)) bytes in, $((4 * n)) bytes out, 0 datagrams"
	wait_for 10 grep -qF "$final" "$NOTIFY_LOG"
	at=$(grep -nF "$final" "$NOTIFY_LOG" | cut -d: -f1)
	wait_for 10 eval '[ "$(tail -n +$at "$NOTIFY_LOG" | grep -c WATCHDOG=1)" -ge 5 ]'
	[ "$(tail -n +$at "$NOTIFY_LOG" | grep -c 'STATUS=')" -eq 1 ]
}

@test "WATCHDOG=1 is sent at half of WATCHDOG_USEC" {
	with_watchdog
	wait_for 10 eval '[ "$(grep -c WATCHDOG=1 "$NOTIFY_LOG")" -ge 5 ]'
	first=$(grep WATCHDOG=1 "$NOTIFY_LOG" | sed -n 1p | cut -d' ' -f1)
	fifth=$(grep WATCHDOG=1 "$NOTIFY_LOG" | sed -n 5p | cut -d' ' -f1)
	gap=$(((fifth - first) / 4))
	echo "WATCHDOG=1 every $gap ms on average"
	# 500 ms apart on average. The timer keeps its schedule, so a late
	# first tick (up to 400 ms) or last one (up to 1 s) moves the average
	# by a quarter of its lateness: margins for a loaded machine, and
	# still well inside the 1 s after which systemd kills the service.
	[ "$gap" -ge 400 ] && [ "$gap" -le 750 ]
}

@test "-t 1 delays READY=1 and serving by at least a second" {
	port=$(free_port)
	start_notify
	t0=$(python3 -c 'import time; print(int(time.monotonic() * 1000))')
	NOTIFY_SOCKET=$NOTIFY_SOCK bg "$TOOLS/listen-fds.py" tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" -t 1
	wait_for 5 grep -q READY=1 "$NOTIFY_LOG"
	t1=$(grep READY=1 "$NOTIFY_LOG" | cut -d' ' -f1)
	[ $((t1 - t0)) -ge 1000 ]
}

@test "SIGTERM with a connected client: the bytes the server had accepted come back, exit 0" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	run timeout 10 python3 - "$port" "$BG_PID" <<'PY'
import fcntl, os, signal, socket, struct, sys, termios, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"first\n")
assert s.recv(100) == b"first\n"
s.sendall(b"x" * 100000)
# Accepted: acknowledged by the server's kernel, nothing left unsent
# here (sendall() returning only means it is in our own send queue).
deadline = time.monotonic() + 5
while struct.unpack("i", fcntl.ioctl(s, termios.TIOCOUTQ, b"\0" * 4))[0] > 0:
    assert time.monotonic() < deadline, "the server took nothing for 5 s"
    time.sleep(0.01)
os.kill(pid, signal.SIGTERM)
got = s.makefile("rb").read()  # until the server closes
print(len(got))
PY
	[ "$status" -eq 0 ]
	[ "$output" = 100000 ]
	exits_with 0 5
	grep -q "SIGTERM\|Terminated" "$(LOG)"
}

@test "after SIGTERM, an open connection with nothing received is closed at once" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	exec 5<>/dev/tcp/127.0.0.1/$port
	wait_for 5 grep -q "connection from" "$(LOG)"
	stop_server 2
	# The client sees an orderly end of stream.
	run timeout 2 cat <&5
	[ "$status" -eq 0 ]
	exec 5>&-
}

@test "after SIGTERM, a client that never reads its echo is cut at --shutdown-timeout" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --shutdown-timeout 0.5
	# Fill both directions: the server stops reading once its reply is stuck.
	# The client sends until it is killed: it never closes on its own, which
	# would end the connection before the timeout.
	timeout 30 socat -u OPEN:/dev/zero tcp4:127.0.0.1:$port 3>&- &
	BG_PIDS+=("$!")
	# Stuck: the client's window is closed (more echo waits in the server's
	# send queue than one 64 KiB loopback segment), and what the server has
	# not yet read (Recv-Q, which it drains at SIGTERM) and what it has
	# queued (Send-Q) exceed its send buffer (skmem tb): at SIGTERM its echo
	# cannot all be handed to the kernel. A send queue merely growing (the
	# server still keeping up) is not stuck: SIGTERM then finds room for the
	# rest, and the connection ends cleanly before the timeout.
	echo_stuck() {
		ss -Htnm state established "( sport = :$port )" | awk '
			/skmem/ {
				if (match($0, /tb[0-9]+/) && s > 65536 && r + s > substr($0, RSTART + 2, RLENGTH - 2) + 0)
					f = 1
				next
			}
			{ r = $1; s = $2 }
			END { exit !f }'
	}
	wait_for 20 echo_stuck
	stop_server 3
	grep -q "1 connections still open 500 ms after the stop request" "$(LOG)"
}

@test "--exit-idle exits 0 when idle, and the next activation serves again" {
	port=$(free_port)
	# (The client must connect within --exit-idle of READY=1: 1 s is
	# margin enough on a loaded machine.)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --exit-idle 1
	[ "$(timeout 30 socat -t 20 - tcp4:127.0.0.1:$port <<<one)" = one ]
	exits_with 0 10
	grep -q "idle for 1.000 s, exiting" "$(LOG)"
	# What systemd does on the next connection: start it again.
	: >"$NOTIFY_LOG"
	NOTIFY_SOCKET=$NOTIFY_SOCK bg "$TOOLS/listen-fds.py" tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --exit-idle 1
	wait_for 10 grep -q READY=1 "$NOTIFY_LOG"
	[ "$(timeout 30 socat -t 20 - tcp4:127.0.0.1:$port <<<two)" = two ]
}

@test "--exit-idle does not exit while a connection is open" {
	port=$(free_port)
	start_notify
	# The watchdog pings (every 0.5 s) are the server's own clock.
	NOTIFY_SOCKET=$NOTIFY_SOCK WATCHDOG_USEC=1000000 bg "$TOOLS/listen-fds.py" \
		tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --exit-idle 1
	wait_for 10 grep -q READY=1 "$NOTIFY_LOG"
	exec 5<>/dev/tcp/127.0.0.1/$port
	wait_for 10 grep -q "connection from" "$(LOG)"
	# Held open for five watchdog ticks (2 s, twice --exit-idle) as the
	# server counts them: the hold is the behaviour under test.
	at=$(wc -l <"$NOTIFY_LOG")
	wait_for 10 eval '[ "$(tail -n +$((at + 1)) "$NOTIFY_LOG" | grep -c WATCHDOG=1)" -ge 5 ]'
	server_running
	! grep -q "exiting" "$(LOG)" || false
	exec 5>&-
	exits_with 0 10
	grep -q "idle for 1.000 s, exiting" "$(LOG)"
}

@test "under the journal, lines carry sd-daemon priority prefixes" {
	port=$(free_port)
	# JOURNAL_STREAM names the device:inode of stderr, as systemd sets it.
	touch "$(LOG)"
	js=$(stat -c '%d:%i' "$(LOG)")
	JOURNAL_STREAM=$js bg "$TOOLS/listen-fds.py" tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	wait_for 5 grep -q "listening" "$(LOG)"
	grep -q '^<6>tcp (fd 3): IPv4 stream socket' "$(LOG)"
	run env JOURNAL_STREAM=0:0 "$ECHO_BIN"
	[[ "$output" == "socket-activate-echo: error: no sockets"* ]]
}
