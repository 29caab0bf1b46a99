#!/usr/bin/env bats
# socket-activate-httpd: its pure parts on their own (its fuzz target runs
# in tests/04-fuzz.bats).
load helpers
load fixtures/httpd/helpers

@test "httpd unit tests: path resolution and the safe open, request heads, ranges, dates, ETags, MIME types" {
	[ -x "$HTTPD_UNIT_BIN" ] || { echo "missing $HTTPD_UNIT_BIN: run make first"; false; }
	run "$HTTPD_UNIT_BIN"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9]+\ checks,\ 0\ failed$ ]]
}
