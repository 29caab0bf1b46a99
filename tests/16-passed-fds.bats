#!/usr/bin/env bats
# What both servers say of a passed fd that is not a socket: which fd, its
# name and what it is, in one warning line; they close it and serve the
# rest.
load helpers
load fixtures/httpd/helpers

@test "a directory or a character device passed beside a socket: one warning each, naming what it is, and the socket is served" {
	mkdir dir
	make_site
	for prog in echo httpd; do
		port=$(free_port)
		: >"$(LOG)"
		[ -z "${NOTIFY_LOG:-}" ] || : >"$NOTIFY_LOG"
		if [ "$prog" = echo ]; then
			launch d=file:$BATS_TEST_TMPDIR/dir tcp=tcp4:127.0.0.1:$port null=file:/dev/null -- "$ECHO_BIN"
			[ "$(timeout 5 socat - tcp4:127.0.0.1:$port <<<served)" = served ]
		else
			launch d=file:$BATS_TEST_TMPDIR/dir tcp=tcp4:127.0.0.1:$port null=file:/dev/null -- "$HTTPD_BIN" --root "$WWW"
			[ "$(curl -s "http://127.0.0.1:$port/hello.txt")" = "hello, world" ]
		fi
		grep -qx "socket-activate-$prog: warning: fd 3 (\"d\") is a directory, not a socket: closing it, ignoring" "$(LOG)"
		grep -qx "socket-activate-$prog: warning: fd 5 (\"null\") is a character device, not a socket: closing it, ignoring" "$(LOG)"
		stop_server 5
	done
}
