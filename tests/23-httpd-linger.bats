#!/usr/bin/env bats
# socket-activate-httpd: every close the server decides while the client
# may still be sending is a lingering one (FIN, then read and drop, then
# close), so a request on its way meets a clean end and never a reset.
# A reset destroys what the server sent and the client has not read yet,
# and a proxy on the way (rootlessport, slirp4netns, pasta, NAT) passes it
# on as a reset of the client's own connection: the client cannot tell a
# request the server never saw from one it lost.
load helpers
load fixtures/httpd/helpers

# linger SCENARIO: tests/tools/linger-client.py against $PORT (a server
# started with --debug, whose log says when it closes a connection).
linger() { run "$TOOLS/linger-client.py" "$1" 127.0.0.1 "$PORT" "$(LOG)"; echo "$output"; }

@test "httpd: requests racing the keep-alive deadline get a response or a clean EOF, never a reset" {
	start_httpd --keepalive-timeout 0.2 --no-access-log
	# 60 rounds of 32 connections, each round sending its second requests
	# right at the deadline as this machine sees it.
	run "$TOOLS/keepalive-race.py" 127.0.0.1 "$PORT" 0.2 60 32
	echo "$output"
	note "keep-alive race: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" 0 resets, 0 truncated, 0 failed retries" ]]
	# Both ends of the race happened: some requests came in time, some
	# after the close (else this proved nothing).
	[[ "$output" =~ :\ ([0-9]+)\ responses,\ ([0-9]+)\ clean\ EOFs ]]
	[ "${BASH_REMATCH[1]}" -gt 0 ]
	[ "${BASH_REMATCH[2]}" -gt 0 ]
}

@test "httpd: a request sent after the keep-alive close is read and dropped: EOF, no reset" {
	start_httpd --debug --keepalive-timeout 0.3
	linger idle
	[ "$status" -eq 0 ]
	[ "$output" = "- eof, no reset" ]
}

@test "httpd: a request sent after the --header-timeout close of a silent connection: EOF, no reset" {
	start_httpd --debug --header-timeout 0.3
	linger quiet
	[ "$status" -eq 0 ]
	[ "$output" = "- eof, no reset" ]
}

@test "httpd: after 408 what the client still sends is read and dropped: EOF, no reset" {
	start_httpd --debug --header-timeout 0.3
	linger 408
	[ "$status" -eq 0 ]
	[ "$output" = "408 eof, no reset" ]
}

@test "httpd: after 400, 413, 414 and 431 the bytes behind the refused head are read and dropped: whole response, EOF, no reset" {
	start_httpd --debug
	for st in 400 413 414 431; do
		linger "$st"
		[ "$status" -eq 0 ]
		[ "$output" = "$st eof, no reset" ]
	done
}
