#!/usr/bin/env bats
# The sandbox both servers apply to themselves (common/sandbox.c), proven by
# a small program that applies the very same code and then misbehaves.
load helpers

sandbox_bin() { echo "${BUILD_DIR:-$REPO/build}/sandbox-probe"; }

@test "inside the sandbox: only reading beneath the root and sd_notify's socket are allowed" {
	mkdir root && echo inside >root/file && echo secret >outside
	run "$(sandbox_bin)" "$PWD/root" "$PWD/root/file" "$PWD/outside" "$(free_port)"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"no Landlock in this kernel"* ]] || skip "this kernel has no Landlock"
	[[ "$output" == *"read a file inside the root: ALLOWED"* ]]
	[[ "$output" == *"read a file outside the root: refused (Permission denied)"* ]]
	[[ "$output" == *"write a file inside the root: refused"* ]]
	[[ "$output" == *"create a TCP socket: refused (Operation not permitted)"* ]]
	[[ "$output" == *"create a UDP socket: refused (Operation not permitted)"* ]]
	[[ "$output" == *"create a Unix stream socket: refused (Operation not permitted)"* ]]
	[[ "$output" == *"create a Unix datagram socket (sd_notify): ALLOWED"* ]]
	[[ "$output" == *"connect an existing TCP socket: refused"* ]]
	[[ "$output" == *"bind an existing TCP socket: refused"* ]]
	[[ "$output" == *"set up io_uring: refused"* ]]
	[[ "$output" == *"exec /bin/true: refused (Operation not permitted)"* ]]
}

@test "the echo server says how it is confined, and still serves and notifies" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	grep -Eq '^sandbox: (Landlock ABI [0-9]+ \(filesystem: none|no Landlock in this kernel)' "$(LOG)"
	[ "$(timeout 30 socat -t 20 - tcp4:127.0.0.1:$port <<<still)" = still ]
	# STATUS= after the sandbox: sd_notify still gets its socket.
	wait_for 5 grep -q 'STATUS=0 connections open, 1 total' "$NOTIFY_LOG"
	kill -TERM "$BG_PID"
	wait_exit 5
	grep -q STOPPING=1 "$NOTIFY_LOG"
}

@test "--no-sandbox leaves the process unconfined" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --no-sandbox
	! grep -q '^sandbox:' "$(LOG)"
	[ "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/$BG_PID/status)" = 0 ]
	[ "$(awk '/^Seccomp:/ { print $2 }' /proc/$BG_PID/status)" = 0 ]
}

@test "with the sandbox on, the server runs with no_new_privs and a seccomp filter" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	[ "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/$BG_PID/status)" = 1 ]
	[ "$(awk '/^Seccomp:/ { print $2 }' /proc/$BG_PID/status)" = 2 ]
}
