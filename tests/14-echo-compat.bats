#!/usr/bin/env bats
# Drop-in compatibility with the earlier C++ socket-activate-echo: the same
# commands and unit files must keep working. -t up to a day, what systemd
# hears during the -t sleep, and fds that are not sockets beside the
# sockets (OpenFile=, the fd store), which the old server served past.
load helpers

# start_sleeping SECONDS: the server on one TCP listener with -t SECONDS
# and a fake NOTIFY_SOCKET; returns once it has said it sleeps.
start_sleeping() {
	port=$(free_port)
	start_notify
	NOTIFY_SOCKET=$NOTIFY_SOCK bg "$TOOLS/listen-fds.py" tcp=tcp4:127.0.0.1:$port -- \
		"$ECHO_BIN" -t "$1"
	wait_for 10 grep -q 'STATUS=Sleeping' "$NOTIFY_LOG"
}

@test "compat: -t accepts up to 86400 seconds (a day), for both servers; more is a usage error" {
	start_sleeping 86400
	grep -qx '[0-9]* STATUS=Sleeping 86400 seconds before serving' "$NOTIFY_LOG"
	grep -q 'Sleeping 86400 seconds before serving (--start-sleep)' "$(LOG)"
	server_running
	! grep -q READY=1 "$NOTIFY_LOG" || false
	stop_server 10
	for bin in "$ECHO_BIN" "${HTTPD_BIN:-$REPO/build/socket-activate-httpd}"; do
		run "$bin" -t 86401
		[ "$status" -eq 2 ]
		[[ "$output" == *'invalid value for --start-sleep: "86401" (out of range: 0 to 86400)'* ]]
		run "$bin" --start-sleep=86400 --help
		[ "$status" -eq 0 ]
	done
}

@test "compat: during -t, STATUS= says it is sleeping; counters come only after READY=1" {
	start_sleeping 2
	wait_for 10 grep -q 'READY=1|STATUS=Serving 1 sockets' "$NOTIFY_LOG"
	[ "$(timeout 10 socat -t 5 - tcp4:127.0.0.1:$port <<<hello)" = hello ]
	wait_for 10 grep -q 'STATUS=0 connections open, 1 total, 6 bytes in, 6 bytes out' "$NOTIFY_LOG"
	# In order: sleeping, then READY=1 with nothing between (the old
	# server sent counters there), then counters.
	[ "$(sed -n 1p "$NOTIFY_LOG" | cut -d' ' -f2-)" = "STATUS=Sleeping 2 seconds before serving" ]
	[ "$(grep -n 'READY=1' "$NOTIFY_LOG" | cut -d: -f1)" -eq 2 ]
	[ "$(grep -n 'connections open' "$NOTIFY_LOG" | head -1 | cut -d: -f1)" -gt 2 ]
}

@test "compat: a fraction of a second is said as such" {
	start_sleeping 0.25
	grep -qx '[0-9]* STATUS=Sleeping 0.25 seconds before serving' "$NOTIFY_LOG"
	wait_for 10 grep -q READY=1 "$NOTIFY_LOG"
}

@test "compat: a FIFO and a file beside a TCP listener are closed with a warning each, and the socket is served" {
	port=$(free_port)
	echo data >file
	launch pipe=fifo:$BATS_TEST_TMPDIR/fifo tcp=tcp4:127.0.0.1:$port f=file:$BATS_TEST_TMPDIR/file -- "$ECHO_BIN"
	grep -q 'READY=1|STATUS=Serving 1 sockets' "$NOTIFY_LOG"
	grep -qx 'socket-activate-echo: warning: fd 3 ("pipe") is a FIFO, not a socket: closing it, ignoring' "$(LOG)"
	grep -qx 'socket-activate-echo: warning: fd 5 ("f") is a regular file, not a socket: closing it, ignoring' "$(LOG)"
	grep -q '^tcp (fd 4): IPv4 stream socket 127.0.0.1:'"$port"', listening, from systemd$' "$(LOG)"
	[ "$(timeout 10 socat -t 5 - tcp4:127.0.0.1:$port <<<hello)" = hello ]
	# Closed, not kept: no fd of the process is the FIFO or the file.
	! ls -l "/proc/$(server_pid)/fd/" | grep -e "$BATS_TEST_TMPDIR/fifo" -e "$BATS_TEST_TMPDIR/file" || false
	stop_server 10
}

@test "compat: UDP and Unix sockets beside a FIFO are served too" {
	port=$(free_port)
	launch u=udp4:127.0.0.1:$port p=fifo:$BATS_TEST_TMPDIR/fifo s=unix:$BATS_TEST_TMPDIR/echo.sock -- "$ECHO_BIN"
	grep -q 'READY=1|STATUS=Serving 2 sockets' "$NOTIFY_LOG"
	grep -qx 'socket-activate-echo: warning: fd 4 ("p") is a FIFO, not a socket: closing it, ignoring' "$(LOG)"
	[ "$(timeout 10 socat -t 5 - udp4:127.0.0.1:$port <<<dgram)" = dgram ]
	[ "$(timeout 10 socat -t 5 - unix-connect:$BATS_TEST_TMPDIR/echo.sock <<<unix)" = unix ]
}

@test "compat: only fds that are not sockets: a warning for each, then exit 1 saying there is nothing to serve" {
	echo data >file
	run "$TOOLS/listen-fds.py" a=fifo:$BATS_TEST_TMPDIR/fifo b=file:$BATS_TEST_TMPDIR/file -- "$ECHO_BIN"
	[ "$status" -eq 1 ]
	has_lines 'socket-activate-echo: warning: fd 3 ("a") is a FIFO, not a socket: closing it, ignoring' \
		'socket-activate-echo: warning: fd 4 ("b") is a regular file, not a socket: closing it, ignoring'
	[[ "${lines[2]}" == "socket-activate-echo: error: no sockets to serve: start me from a systemd socket unit"* ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "compat: a socket of a family it does not serve still refuses the start (a unit mistake, not a file)" {
	run "$TOOLS/listen-fds.py" tcp=tcp4:127.0.0.1:$(free_port) nl=netlink: -- "$ECHO_BIN"
	[ "$status" -eq 1 ]
	[[ "$output" == *'error: fd 4 ("nl") is a netlink raw socket, which this server does not serve'* ]]
}
