#!/usr/bin/env bats
# make demo (tools/demo.sh) where its socket directory is taken: a shared
# /tmp keeps /tmp/socket-activate-demo with the owner of whoever ran the
# demo first, and the next user's demo must still start. (README's own
# command, tools/deps.sh && make demo, runs in tests/08-doc-commands.bats.)
load helpers
HTTPD_BIN=${HTTPD_BIN:-$REPO/build/socket-activate-httpd}

# demo XDG: tools/demo.sh with XDG_RUNTIME_DIR=XDG on free ports, as a
# terminal runs it: in a process group of its own, SIGINT not ignored (a
# background job of a script has it ignored, and sh cannot trap it then);
# until it prints its commands.
demo() {
	PORT=$(free_port) HTTP_PORT=$(free_port) XDG_RUNTIME_DIR=$1 TMPDIR=$BATS_TEST_TMPDIR \
		bg python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execv(sys.argv[1], sys.argv[1:])' "$REPO/tools/demo.sh" "$ECHO_BIN" "$HTTPD_BIN"
	wait_for 10 grep -q "Ctrl-C stops the demo" "$(LOG)"
}

# demo_dir: the directory of the Unix socket the demo tells us to try.
demo_dir() {
	sed -n 's|.*unix-connect:\(.*\)/echo\.sock$|\1|p' "$(LOG)"
}

# ctrl_c: SIGINT to the demo's process group, as Ctrl-C sends it; wait
# until the demo is gone.
ctrl_c() {
	kill -INT -- "-$BG_PID"
	wait_for 10 bash -c '! kill -0 "$1" 2>/dev/null' _ "$BG_PID"
}

@test "make demo: another user's socket directory does not stop it; it uses one of its own and removes it on Ctrl-C" {
	local xdg=$BATS_TEST_TMPDIR/xdg dir
	mkdir -p "$xdg/socket-activate-demo"
	if [ "$(id -u)" -eq 0 ]; then
		chown nobody "$xdg/socket-activate-demo"
	else
		# Not root: a symbolic link stands for the directory we cannot
		# give away.
		rmdir "$xdg/socket-activate-demo"
		mkdir "$BATS_TEST_TMPDIR/elsewhere"
		ln -s "$BATS_TEST_TMPDIR/elsewhere" "$xdg/socket-activate-demo"
	fi
	demo "$xdg"
	dir=$(demo_dir)
	[[ "$dir" == "$BATS_TEST_TMPDIR"/socket-activate-demo.* ]] || { cat "$(LOG)"; false; }
	run bash -c 'echo hello | socat -t 2 - "unix-connect:$1/echo.sock"' _ "$dir"
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	run curl -sS --max-time 5 --unix-socket "$dir/httpd.sock" -o /dev/null -w '%{http_code}' http://localhost/
	[ "$output" = 200 ]
	ctrl_c
	[ ! -e "$dir" ]
	# The other user's directory is left as it was.
	[ -e "$xdg/socket-activate-demo" ]
}

@test "make demo: its usual directory, when it is ours, is used and kept" {
	local xdg=$BATS_TEST_TMPDIR/xdg
	mkdir -p "$xdg"
	demo "$xdg"
	[ "$(demo_dir)" = "$xdg/socket-activate-demo" ]
	run bash -c 'echo hello | socat -t 2 - "unix-connect:$1/echo.sock"' _ "$xdg/socket-activate-demo"
	[ "$output" = hello ]
	ctrl_c
	[ -d "$xdg/socket-activate-demo" ]
	# No directory of its own left behind in TMPDIR.
	! compgen -G "$BATS_TEST_TMPDIR/socket-activate-demo.*" || false
}
