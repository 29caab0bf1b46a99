#!/usr/bin/env bats
# The pure parts of common/, tested on their own.
load helpers

@test "common/ unit tests: address parsing and formatting, option values, source checks, rate limits" {
	bin=${UNIT_BIN:-$REPO/build/test-common}
	[ -x "$bin" ] || { echo "missing $bin: run make first"; false; }
	run "$bin"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9]+\ checks,\ 0\ failed$ ]]
}
