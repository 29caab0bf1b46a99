#!/usr/bin/env bats
# The sandbox both servers apply to themselves (common/sandbox.c), proven by
# a small program that applies the very same code and then misbehaves.
load helpers
load fixtures/httpd/helpers

sandbox_bin() { echo "${BUILD_DIR:-$REPO/build}/sandbox-probe"; }

# The probe's lines that do not depend on serving datagrams.
probe_lines=(
	'read a file inside the root: ALLOWED'
	'read a file outside the root: refused (Permission denied)'
	'write a file inside the root: refused (Permission denied)'
	'create a TCP socket: refused (Operation not permitted)'
	'create a UDP socket: refused (Operation not permitted)'
	'create a Unix stream socket: refused (Operation not permitted)'
	'create a Unix datagram socket: refused (Operation not permitted)'
	'connect an existing TCP socket: refused (Operation not permitted)'
	'bind an existing TCP socket: refused (Operation not permitted)'
	'bind an existing Unix datagram socket: refused (Operation not permitted)'
	'listen on an existing TCP socket: refused (Operation not permitted)'
	'send on a datagram socket connected before (notify): ALLOWED'
	'sendmsg on a datagram socket connected before (notify): ALLOWED'
	'sendmsg with an fd on a datagram socket connected before (fd store): ALLOWED'
	'set up io_uring: refused (Operation not permitted)'
	'exec /bin/true: refused (Operation not permitted)'
)

@test "inside the sandbox: only reading beneath the root and sending on sd_notify's connected socket are allowed" {
	mkdir root && echo inside >root/file && echo secret >outside
	run "$(sandbox_bin)" "$PWD/root" "$PWD/root/file" "$PWD/outside" "$(free_port)"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"no Landlock in this kernel"* ]] || skip "this kernel has no Landlock"
	has_lines "${probe_lines[@]}" \
		'send to a Unix address from an existing datagram socket: refused (Operation not permitted)'
}

@test "inside the sandbox of a datagram server: sending to an address is what remains allowed" {
	mkdir root && echo inside >root/file && echo secret >outside
	run "$(sandbox_bin)" "$PWD/root" "$PWD/root/file" "$PWD/outside" "$(free_port)" dgram
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"no Landlock in this kernel"* ]] || skip "this kernel has no Landlock"
	has_lines "${probe_lines[@]}" \
		'send to a Unix address from an existing datagram socket: ALLOWED'
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
	! grep -q '^sandbox:' "$(LOG)" || false
	[ "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/$BG_PID/status)" = 0 ]
	[ "$(awk '/^Seccomp:/ { print $2 }' /proc/$BG_PID/status)" = 0 ]
}

@test "with the sandbox on, the server runs with no_new_privs and a seccomp filter" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	[ "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/$BG_PID/status)" = 1 ]
	[ "$(awk '/^Seccomp:/ { print $2 }' /proc/$BG_PID/status)" = 2 ]
}

# preloaded PROG [ARGS...]: the server PROG (echo or httpd) on a TCP port
# (or the socket PRELOAD_SOCKET, a listen-fds.py SPEC), with
# tests/tools/sandbox-preload.c inside it, told to misbehave once it
# serves (SIGUSR1); its report in $output. A listener on
# SANDBOX_PRELOAD_PORT and a Unix datagram socket at SANDBOX_PRELOAD_UNIX
# make a connect and a send that get through succeed.
preloaded() {
	local prog=$1 bin=$ECHO_BIN args=()
	shift
	if [ "$prog" = httpd ]; then
		bin=$HTTPD_BIN
		make_site
		args=(--root "$WWW")
	fi
	target=$(free_port)
	prey=$(mktemp -u "$PWD/prey.XXXXXX")
	bg python3 -c 'import socket, sys, time
s = socket.create_server(("127.0.0.1", int(sys.argv[1])))
u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
u.bind(sys.argv[2])
time.sleep(60)' "$target" "$prey"
	wait_for 5 bash -c "ss -Hltn 'sport = :$target' | grep -q ."
	wait_for 5 test -S "$prey"
	# READY=1 of this server, not of one before it in the same test.
	[ -z "${NOTIFY_LOG:-}" ] || : >"$NOTIFY_LOG"
	# A sanitizer build accepts a library preloaded before its runtime.
	launch "${PRELOAD_SOCKET:-tcp=tcp4:127.0.0.1:$(free_port)}" -- env LD_PRELOAD="$(preload_so)" \
		SANDBOX_PRELOAD_PORT="$target" SANDBOX_PRELOAD_UNIX="$prey" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$bin" "${args[@]}" "$@"
	kill -USR1 "$BG_PID"
	wait_for 10 grep -q '^sandbox-preload: done' "$(LOG)"
	output=$(grep '^sandbox-preload: ' "$(LOG)")
	echo "$output"
}

preload_so() { echo "${BUILD_DIR:-$REPO/build}/sandbox-preload.so"; }

# The lines a sandboxed server must report: EPERM from the filter for
# every new socket, bind, listen and connect. (Sending to an address is
# refused unless the server serves datagram sockets: see below.)
sandboxed_lines=(
	'sandbox-preload: socket AF_INET SOCK_STREAM: EPERM'
	'sandbox-preload: socket AF_INET6 SOCK_DGRAM: EPERM'
	'sandbox-preload: socket AF_UNIX SOCK_STREAM: EPERM'
	'sandbox-preload: socket AF_UNIX SOCK_SEQPACKET: EPERM'
	'sandbox-preload: socket AF_UNIX SOCK_DGRAM: EPERM'
	'sandbox-preload: connect: EPERM'
	'sandbox-preload: bind: EPERM'
	'sandbox-preload: listen: EPERM'
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

@test "inside the running echo server: exec, new sockets, bind, listen, connect and sending to an address fail with EPERM; notifications still arrive" {
	preloaded echo
	has_sandboxed_lines
	has_lines 'sandbox-preload: sendto a Unix path: EPERM'
	# Still serving and notifying after the attempts.
	wait_for 5 grep -q 'STATUS=' "$NOTIFY_LOG"
	stop_server 5
	grep -q STOPPING=1 "$NOTIFY_LOG"
}

@test "inside the running httpd: exec, new sockets, bind, listen, connect and sending to an address fail with EPERM; notifications still arrive" {
	preloaded httpd
	has_sandboxed_lines
	has_lines 'sandbox-preload: sendto a Unix path: EPERM'
	stop_server 5
	grep -q STOPPING=1 "$NOTIFY_LOG"
}

@test "inside a running echo server with a datagram socket: sending to an address is allowed (replies need it), the rest is not" {
	port=$(free_port)
	PRELOAD_SOCKET=udp=udp4:127.0.0.1:$port preloaded echo
	has_sandboxed_lines
	has_lines 'sandbox-preload: sendto a Unix path: ok'
	[ "$("$TOOLS/dgram.py" udp4:127.0.0.1:$port <<<still)" = still ]
}

@test "an abstract NOTIFY_SOCKET still gets READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 with the sandbox's abstract-socket scope on" {
	name=sa-notify-$$-$RANDOM
	NOTIFY_LOG=$BATS_TEST_TMPDIR/notify.log
	: >"$NOTIFY_LOG"
	bg python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(b"\0" + sys.argv[1].encode())
with open(sys.argv[2], "a", buffering=1) as f:
    f.write("bound\n")
    while True:
        f.write(s.recv(65536).decode().replace("\n", "|") + "\n")' "$name" "$NOTIFY_LOG"
	wait_for 5 grep -q bound "$NOTIFY_LOG"
	port=$(free_port)
	NOTIFY_SOCKET=@$name WATCHDOG_USEC=400000 bg "$TOOLS/listen-fds.py" tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	wait_for 10 grep -q READY=1 "$NOTIFY_LOG"
	if [ -n "${VALGRIND:-}" ]; then
		# valgrind does not know landlock_create_ruleset (444): no scope to test.
		note "under valgrind: no Landlock, so no abstract-socket scope; notifications still checked"
		grep -q '^sandbox: no Landlock' "$(LOG)"
	else
		grep -q '^sandbox: Landlock ABI' "$(LOG)"
	fi
	[ "$(timeout 30 socat -t 20 - tcp4:127.0.0.1:$port <<<hi)" = hi ]
	wait_for 5 grep -q 'STATUS=0 connections open, 1 total' "$NOTIFY_LOG"
	wait_for 5 grep -q 'WATCHDOG=1' "$NOTIFY_LOG"
	stop_server 5
	grep -q 'STOPPING=1' "$NOTIFY_LOG"
	! grep -q 'NOTIFY_SOCKET' "$(LOG)" || false
}

@test "the same attempts from an unconfined server (--no-sandbox) reach the kernel: the probe tells the difference" {
	preloaded echo --no-sandbox
	has_lines 'sandbox-preload: socket AF_INET SOCK_STREAM: ok' \
		'sandbox-preload: socket AF_UNIX SOCK_STREAM: ok' \
		'sandbox-preload: socket AF_UNIX SOCK_DGRAM: ok' \
		'sandbox-preload: connect: ok' \
		'sandbox-preload: bind: ok' \
		'sandbox-preload: sendto a Unix path: ok' \
		'sandbox-preload: listen: ok' \
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
		! grep -q 'still alive after an x32 system call' "$(LOG)" || false
		: >"$(LOG)"
	done
}
