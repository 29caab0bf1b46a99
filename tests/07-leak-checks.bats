#!/usr/bin/env bats
# The suite's leak checks themselves. LeakSanitizer and valgrind report a
# leak when the leaking process exits, so on the ASan build and under
# valgrind, teardown (tests/helpers.bash) sends each server SIGTERM, waits
# for it to exit, and fails the test on a report, or when a server outlives
# the grace (it was never checked). Here a stand-in server
# (tests/tools/leak-probe.c) leaks 77 bytes, its test never stops it, and
# teardown must fail, with the settings that the passes themselves use.
load helpers

# check_teardown PROGRAM ARGS...: start PROGRAM as a test's server, and run
# the suite's teardown on it after a test that completed; sets status and
# output. The environment says which pass teardown believes it is in.
check_teardown() {
	: >>"$(LOG)"
	bg "$@"
	wait_for 30 grep -qx ready "$(LOG)"
	BATS_TEST_COMPLETED=1 run teardown
	# This test's own teardown has nothing left to do.
	BG_PIDS=()
	: >"$(LOG)"
}

@test "leak checks: on the ASan build, a server that leaks fails its test at teardown, though the test never stopped it" {
	local probe=$REPO/build/asan/leak-probe
	[ -x "$probe" ] ||
		skip "needs the ASan build's leak-probe (make SANITIZE=1 build-all; the unprivileged and Debian 13 passes copy no ASan build)"
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=0
	# As make check-asan and tests/run-all's ASan pass run it.
	BUILD_DIR=$REPO/build/asan TEARDOWN_GRACE=
	check_teardown "$probe" --leak
	[ "$status" -eq 1 ]
	grep -q 'ERROR: LeakSanitizer: detected memory leaks' <<<"$output"
	grep -q 'Direct leak of 77 byte(s) in 1 object(s)' <<<"$output"
	# The same server without the leak passes.
	check_teardown "$probe"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "leak checks: under valgrind, a server that leaks fails its test at teardown, though the test never stopped it" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	# As tests/run-valgrind runs it.
	VALGRIND=1 TEARDOWN_GRACE=
	check_teardown "$TOOLS/under-valgrind" "$REPO/build/leak-probe" --leak
	[ "$status" -eq 1 ]
	grep -q '77 bytes in 1 blocks are definitely lost' <<<"$output"
	check_teardown "$TOOLS/under-valgrind" "$REPO/build/leak-probe"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "leak checks: a server still running after the grace fails its test: it was killed unchecked" {
	TEARDOWN_GRACE=1
	check_teardown "$REPO/build/leak-probe" --ignore-term
	[ "$status" -eq 1 ]
	grep -q "still ran 1 s after SIGTERM: killed, so its exit checks (leaks, coverage) never ran" <<<"$output"
}

@test "leak checks: on the normal build teardown kills servers at once: no grace to wait out" {
	BUILD_DIR=$REPO/build VALGRIND= TEARDOWN_GRACE=
	[ "$(teardown_grace)" = 0 ]
	check_teardown "$REPO/build/leak-probe" --ignore-term
	[ "$status" -eq 0 ]
}
