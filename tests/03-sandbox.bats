#!/usr/bin/env bats
# The sandbox both servers apply to themselves (common/sandbox.c), proven by
# a small program that applies the very same code and then misbehaves.
load helpers
load fixtures/httpd/helpers

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

# preloaded PROG [ARGS...]: the server PROG (echo or httpd) on a TCP port,
# with tests/tools/sandbox-preload.c inside it, told to misbehave once it
# serves (SIGUSR1); its report in $output. A listener on SANDBOX_PRELOAD_PORT
# makes a connect that gets through succeed.
preloaded() {
	local prog=$1 bin=$ECHO_BIN args=()
	shift
	if [ "$prog" = httpd ]; then
		bin=$HTTPD_BIN
		make_site
		args=(--root "$WWW")
	fi
	target=$(free_port)
	bg python3 -c 'import socket, sys, time
s = socket.create_server(("127.0.0.1", int(sys.argv[1])))
time.sleep(60)' "$target"
	wait_for 5 bash -c "ss -Hltn 'sport = :$target' | grep -q ."
	# READY=1 of this server, not of one before it in the same test.
	[ -z "${NOTIFY_LOG:-}" ] || : >"$NOTIFY_LOG"
	# A sanitizer build accepts a library preloaded before its runtime.
	launch tcp=tcp4:127.0.0.1:$(free_port) -- env LD_PRELOAD="$(preload_so)" \
		SANDBOX_PRELOAD_PORT="$target" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$bin" "${args[@]}" "$@"
	kill -USR1 "$BG_PID"
	wait_for 10 grep -q '^sandbox-preload: done' "$(LOG)"
	output=$(grep '^sandbox-preload: ' "$(LOG)")
	echo "$output"
}

preload_so() { echo "${BUILD_DIR:-$REPO/build}/sandbox-preload.so"; }

# The lines a sandboxed server must report: EPERM from the filter for all
# but the socket sd_notify() needs.
sandboxed_lines=(
	'sandbox-preload: socket AF_INET SOCK_STREAM: EPERM'
	'sandbox-preload: socket AF_INET6 SOCK_DGRAM: EPERM'
	'sandbox-preload: socket AF_UNIX SOCK_STREAM: EPERM'
	'sandbox-preload: socket AF_UNIX SOCK_SEQPACKET: EPERM'
	'sandbox-preload: socket AF_UNIX SOCK_DGRAM: ok'
	'sandbox-preload: connect: EPERM'
)

# has_sandboxed_lines: $output has them all, and the exec refused too,
# except under valgrind, which answers execve itself (ENOENT for a missing
# file) before the kernel's filter sees it.
has_sandboxed_lines() {
	has_lines "${sandboxed_lines[@]}"
	if [ -n "${VALGRIND:-}" ]; then
		note "under valgrind: execve is valgrind's to answer, not checked"
	else
		has_lines 'sandbox-preload: execve: EPERM'
	fi
}

@test "inside the running echo server: exec, connect and new sockets fail with EPERM; sd_notify's socket works" {
	preloaded echo
	has_sandboxed_lines
	# Still serving and notifying after the attempts.
	wait_for 5 grep -q 'STATUS=' "$NOTIFY_LOG"
	stop_server 5
}

@test "inside the running httpd: exec, connect and new sockets fail with EPERM; sd_notify's socket works" {
	preloaded httpd
	has_sandboxed_lines
	stop_server 5
}

@test "the same attempts from an unconfined server (--no-sandbox) reach the kernel: the probe tells the difference" {
	preloaded echo --no-sandbox
	has_lines 'sandbox-preload: socket AF_INET SOCK_STREAM: ok' \
		'sandbox-preload: socket AF_UNIX SOCK_STREAM: ok' \
		'sandbox-preload: connect: ok' \
		'sandbox-preload: execve: ENOENT'
	stop_server 5
}

@test "a system call of another ABI (x32) kills either sandboxed server with SIGSYS" {
	[ "$(uname -m)" = x86_64 ] || skip "the x32 ABI is x86-64's; this is $(uname -m)"
	[ -z "${VALGRIND:-}" ] || skip "under valgrind: x32 system calls are valgrind's to refuse, they never reach the filter"
	for prog in echo httpd; do
		preloaded "$prog"
		kill -USR2 "$BG_PID"
		exits_with $((128 + 31)) 10	# SIGSYS
		! grep -q 'still alive after an x32 system call' "$(LOG)"
		: >"$(LOG)"
	done
}
