#!/usr/bin/env bats
# The whole-connection fuzz target (httpd/fuzz/fuzz-conn.c) runs briefly in
# every test run (FUZZ_SMOKE_SECONDS, default 10); `make fuzz-conn` or
# `make fuzz FUZZ_SECONDS=N` runs it for as long as asked.
load helpers

@test "fuzz: whole HTTP connections, cut anywhere, get well-formed responses and never a file from outside the root" {
	command -v "${FUZZ_CC:-clang}" >/dev/null || skip "clang (libFuzzer) is not installed"
	make -s -C "$REPO" -f Makefile -f tests/fuzz/fuzz.mk build-fuzz/fuzz-conn >&2
	mkdir -p corpus tmp
	TMPDIR=$PWD/tmp run "$REPO/build-fuzz/fuzz-conn" -max_total_time="${FUZZ_SMOKE_SECONDS:-10}" \
		-print_final_stats=1 corpus "$REPO/httpd/fuzz/corpus/conn"
	grep -E 'stat::number_of_executed_units|cov:' <<<"$output" | tail -2
	[ "$status" -eq 0 ]
	grep -q 'stat::number_of_executed_units' <<<"$output"
	# Its fixture directory is gone with it.
	[ -z "$(ls tmp)" ]
}
