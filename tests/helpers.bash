# Shared by every tests/*.bats file. Binaries can be overridden from the
# environment, so the same tests run against the sanitizer build.
load lib
ECHO_BIN=${ECHO_BIN:-$REPO/build/socket-activate-echo}

# The servers' log, for assertions and for the output of failing tests.
LOG() { echo "$BATS_TEST_TMPDIR/server.log"; }

# bg COMMAND...: run in the background with stdout/stderr to the log and
# fd 3 closed (bats waits for whoever holds it). Sets BG_PID.
bg() {
	"$@" >>"$(LOG)" 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# activate ARGS...: systemd-socket-activate ARGS..., and wait until it
# listens. The server itself starts on the first connection.
activate() {
	bg systemd-socket-activate "$@"
	wait_for 5 grep -q "Listening on" "$(LOG)"
}

# launch SPEC... -- COMMAND...: start COMMAND at once with a mix of sockets
# (tests/tools/listen-fds.py), waiting until it reports READY=1 through a
# notify socket of ours.
launch() {
	start_notify
	NOTIFY_SOCKET=$NOTIFY_SOCK bg "$TOOLS/listen-fds.py" "$@"
	wait_for 5 grep -q READY=1 "$NOTIFY_LOG"
}

# A fake NOTIFY_SOCKET at $NOTIFY_SOCK; messages land in $NOTIFY_LOG, one
# per line, newlines inside a message shown as "|".
start_notify() {
	NOTIFY_LOG=$BATS_TEST_TMPDIR/notify.log
	NOTIFY_SOCK=$BATS_TEST_TMPDIR/notify.sock
	if [ ! -S "$NOTIFY_SOCK" ]; then
		: >"$NOTIFY_LOG"
		"$TOOLS/notify-recv.py" "$NOTIFY_SOCK" "$NOTIFY_LOG" </dev/null >/dev/null 2>&1 3>&- &
		BG_PIDS+=("$!")
		wait_for 5 test -S "$NOTIFY_SOCK"
	fi
}

# pid of the server process started by the last bg/activate/launch: the
# activator execs the server, so it is the same process.
server_pid() { echo "$BG_PID"; }

server_running() { kill -0 "$BG_PID" 2>/dev/null; }

# wait_exit SECONDS: wait for the server to exit; sets STATUS to its code.
wait_exit() {
	local deadline=$((SECONDS + $1))
	while server_running; do
		if ((SECONDS >= deadline)); then
			echo "server still running after $1 s" >&2
			return 1
		fi
		sleep 0.05
	done
	wait "$BG_PID" && STATUS=0 || STATUS=$?
}

# exits_with CODE SECONDS: the server exits within SECONDS, with CODE.
exits_with() {
	wait_exit "$2" || return 1
	[ "$STATUS" -eq "$1" ] || { echo "exit status $STATUS, want $1" >&2; return 1; }
}

# stop_server SECONDS: SIGTERM, and a clean exit (0) within SECONDS.
stop_server() {
	kill -TERM "$BG_PID"
	exits_with 0 "$1"
}

# Under tests/run-valgrind, time, CPU and memory are valgrind's, not ours.
skip_under_valgrind() {
	[ -z "${VALGRIND:-}" ] || skip "under valgrind: $1 would measure valgrind"
}

# need_netns WHAT: skip unless we may make a network namespace of our own
# (root, and not in a plain container, where unshare -n is refused).
need_netns() {
	local err
	[ "$(id -u)" -eq 0 ] || skip "$1 needs root: a network namespace of its own"
	err=$(unshare -n true 2>&1) ||
		skip "$1 needs a network namespace of its own, and this machine refuses one (${err:-unshare -n failed})"
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

setup() {
	BG_PIDS=()
	cd "$BATS_TEST_TMPDIR" || return 1
}

# running_not_zombie PID: PID runs (kill -0 also says so of a zombie).
running_not_zombie() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# teardown_grace: how long teardown lets servers exit after SIGTERM before
# it kills them. LeakSanitizer, valgrind and make coverage do their work
# when a server exits, never when it is killed: 10 s on the ASan build
# ($BUILD_DIR .../asan, as make check-asan and tests/run-all set it) and
# under valgrind (tests/run-valgrind); TEARDOWN_GRACE overrides (0: kill at
# once, as the normal build does).
teardown_grace() {
	if [ -n "${TEARDOWN_GRACE:-}" ]; then
		echo "$TEARDOWN_GRACE"
	elif [ -n "${VALGRIND:-}" ] || [[ ${BUILD_DIR:-} == */asan ]]; then
		echo 10
	else
		echo 0
	fi
}

teardown() {
	local p bad=0 grace
	grace=$(teardown_grace)
	local deadline=$((SECONDS + grace))
	if [ "$grace" -gt 0 ]; then
		for p in "${BG_PIDS[@]}"; do
			kill -TERM "$p" 2>/dev/null || true
		done
		for p in "${BG_PIDS[@]}"; do
			while running_not_zombie "$p" && ((SECONDS < deadline)); do
				sleep 0.05
			done
		done
	fi
	for p in "${BG_PIDS[@]}"; do
		# A process killed here went unchecked.
		if [ "$grace" -gt 0 ] && running_not_zombie "$p"; then
			echo "pid $p still ran $grace s after SIGTERM: killed, so its exit checks (leaks, coverage) never ran"
			bad=1
		fi
		kill -9 "$p" 2>/dev/null || true
	done
	# A sanitizer report fails the test whatever it asserted.
	# (valgrind runs with -q: any "==PID==" line is an error report.)
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|Sanitizer has encountered|runtime error:|^==[0-9]+== ' "$(LOG)" 2>/dev/null; then
		echo "sanitizer or valgrind report in the server log:"
		bad=1
	fi
	if [ -z "${BATS_TEST_COMPLETED:-}" ] || [ "$bad" = 1 ]; then
		echo "--- server log:"
		cat "$(LOG)" 2>/dev/null || true
	fi
	return "$bad"
}
