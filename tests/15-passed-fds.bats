#!/usr/bin/env bats
# What both servers say of a passed fd they cannot serve: which fd, its
# name, and what it is, with exit status 1.
load helpers
load fixtures/httpd/helpers

@test "a directory or a character device passed as an fd is refused by either server, naming what it is" {
	mkdir dir
	make_site
	for bin in "$ECHO_BIN" "$HTTPD_BIN --root $WWW"; do
		# shellcheck disable=SC2086
		run "$TOOLS/listen-fds.py" d=file:$BATS_TEST_TMPDIR/dir -- $bin
		echo "$output"
		[ "$status" -eq 1 ]
		[[ "$output" == *'fd 3 ("d") is a directory, not a socket'* ]]
		# shellcheck disable=SC2086
		run "$TOOLS/listen-fds.py" null=file:/dev/null -- $bin
		echo "$output"
		[ "$status" -eq 1 ]
		[[ "$output" == *'fd 3 ("null") is a character device, not a socket'* ]]
	done
}

@test "httpd: a User-Agent longer than the access log keeps is cut, and says so with ..." {
	start_httpd
	ua=$(printf 'A%.0s' {1..300})
	[ "$(curl -s -A "$ua" "$URL/hello.txt")" = "hello, world" ]
	wait_for 5 grep -q '"GET /hello.txt HTTP/1.1" 200' "$(LOG)"
	line=$(grep '"GET /hello.txt HTTP/1.1" 200' "$(LOG)")
	echo "$line"
	[[ "$line" == *" \"$(printf 'A%.0s' {1..155})...\" fd=web "* ]]
}
