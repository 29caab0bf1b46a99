#!/usr/bin/env bats
# README, --help and the man pages say the same thing: every option in
# each, the same short forms and stated defaults, one --listen list, the
# same exit statuses, every make target documented. tests/tools/check-docs.py
# does the reading; each test prints what differs.
load helpers
HTTPD_BIN=${HTTPD_BIN:-$REPO/build/socket-activate-httpd}
ECHO_DOCS=("## socket-activate-echo options" "$REPO/echo/socket-activate-echo.1")
HTTPD_DOCS=("### Options" "$REPO/httpd/socket-activate-httpd.1")

# check WHAT BINARY HEADING MANPAGE: check-docs.py from the repository.
check() { cd "$REPO" && "$TOOLS/check-docs.py" "$@"; }

@test "docs: echo: every option of --help is in the README table and the man page, with its short form and default" {
	run check options "$ECHO_BIN" "${ECHO_DOCS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: httpd: every option of --help is in the README table and the man page, with its short form and default" {
	run check options "$HTTPD_BIN" "${HTTPD_DOCS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: one --listen list: the same address forms and type prefixes in --help, README and the man page" {
	run check listen "$ECHO_BIN" "${ECHO_DOCS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	run check listen "$HTTPD_BIN" "${HTTPD_DOCS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: the --listen prefixes the docs list are the ones the servers take" {
	for p in tcp: stream: udp: dgram: datagram: seqpacket:; do
		run "$ECHO_BIN" --listen "${p}127.0.0.1:3000" --help
		echo "echo --listen ${p}...: $status"
		[ "$status" -eq 0 ]
	done
	for p in tcp: stream:; do
		run "$HTTPD_BIN" --listen "${p}127.0.0.1:3000" --help
		[ "$status" -eq 0 ]
	done
	for p in udp: dgram: datagram: seqpacket:; do
		run "$HTTPD_BIN" --listen "${p}127.0.0.1:3000" --help
		echo "httpd --listen ${p}...: $status $output"
		[ "$status" -eq 2 ]
	done
	# And nothing else passes for a prefix.
	run "$ECHO_BIN" --listen sctp:127.0.0.1:3000 --help
	[ "$status" -eq 2 ]
}

@test "docs: the exit statuses in --help, README and the man page name the same conditions" {
	run check exit "$ECHO_BIN" "${ECHO_DOCS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	run check exit "$HTTPD_BIN" "${HTTPD_DOCS[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: every make target is in the README's Make targets table, and only real ones" {
	run check targets "$REPO"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: the checks find what is missing (a README without the httpd options)" {
	cp -r "$REPO/README.md" "$REPO/httpd/socket-activate-httpd.1" "$BATS_TEST_TMPDIR/"
	sed -i '/^| `--cache-control/d; s/`8K`/`16K`/' "$BATS_TEST_TMPDIR/README.md"
	cd "$BATS_TEST_TMPDIR"
	run "$TOOLS/check-docs.py" options "$HTTPD_BIN" "### Options" socket-activate-httpd.1
	echo "$output"
	[ "$status" -eq 1 ]
	has_lines '--cache-control: in --help, missing from README.md ### Options' \
		"--max-header-size: --help says default '8K', README.md says '16K'"
}

@test "docs: the man pages format without warnings" {
	command -v groff >/dev/null || skip "groff is not installed"
	for m in "$REPO/echo/socket-activate-echo.1" "$REPO/httpd/socket-activate-httpd.1"; do
		run groff -man -ww -z "$m"
		echo "$m: $output"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
}
