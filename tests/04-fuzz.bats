#!/usr/bin/env bats
# Each libFuzzer target (tests/fuzz/) runs briefly in every test run
# (FUZZ_SMOKE_SECONDS, default 10) from its committed seed corpus;
# `make fuzz FUZZ_SECONDS=N` runs them for as long as asked.
load helpers

# fuzz NAME: build the target and run it on its seed corpus; prints the
# executions and coverage libFuzzer reports.
fuzz() {
	command -v "${FUZZ_CC:-clang}" >/dev/null || skip "clang (libFuzzer) is not installed"
	make -s -C "$REPO" "build/fuzz/fuzz-$1" >&2
	mkdir -p corpus tmp
	dict=http
	[ "$1" != addr ] || dict=addr
	TMPDIR=$PWD/tmp run "$REPO/build/fuzz/fuzz-$1" -max_total_time="${FUZZ_SMOKE_SECONDS:-10}" \
		-print_final_stats=1 -dict="$REPO/tests/fuzz/$dict.dict" \
		corpus "$REPO/tests/fuzz/corpus/$1"
	grep -E 'stat::number_of_executed_units|cov:' <<<"$output" | tail -2
	[ "$status" -eq 0 ]
	grep -q 'stat::number_of_executed_units' <<<"$output"
}

@test "fuzz: --listen address parsing never crashes and canonical forms parse back" {
	fuzz addr
}

@test "fuzz: HTTP request heads and path resolution never crash and keep their invariants" {
	fuzz httpd
}

@test "fuzz: whole HTTP connections, cut anywhere, get well-formed responses and never a file from outside the root" {
	fuzz conn
	# Its fixture directory is gone with it.
	[ -z "$(ls tmp)" ]
}
