#!/usr/bin/env bats
# The demo image in a real browser, the way the documentation shows it:
#   systemd-socket-activate -l 127.0.0.1:PORT podman run --rm \
#       --network=none socket-activate-httpd-demo
# then headless Chromium (tools/browser.py) on the demo page and the
# diagnostics page: the live address line says "preserved" and "a
# container that has no network", the browser reports no error, the
# access log no 404. The image holds the normal build, so this file runs
# in the normal pass only; the host side, on every build, is
# tests/27-httpd-browser.bats. Needs root, podman and chromium: without
# them every test skips and says why.
bats_require_minimum_version 1.5.0
load images-helpers
load fixtures/browser

BROWSE_TIMEOUT=90
DIAG=/.well-known/socket-activate

setup_file() {
	export IMAGES_SKIP="" HTTPD_SKIP="" HTTPD_BUILD_ERROR="" ECHO_BUILD_ERROR=""
	# No rootless copies here: images_teardown_file leaves the test
	# user alone.
	export ROOTLESS_SKIP="not used by this file"
	images_can_run "${CHROMIUM:-chromium}" || return 0
	if [ "${IMAGES_NO_BUILD:-0}" != 1 ]; then
		images_build httpd "$HTTPD_DEMO_IMAGE" image-httpd-demo ||
			HTTPD_BUILD_ERROR="make image-httpd-demo failed: $(tail -5 "$BATS_FILE_TMPDIR/build-httpd.log")"
	elif ! podman image exists "$HTTPD_DEMO_IMAGE"; then
		HTTPD_SKIP="IMAGES_NO_BUILD=1 and there is no $HTTPD_DEMO_IMAGE"
	fi
}

teardown_file() { images_teardown_file; }

setup() {
	images_setup
	need_httpd
}

teardown() { images_teardown; }

# demo_container: the -demo image socket-activated on a free loopback
# port, fd name "web"; it starts on the first connection. Sets URL.
demo_container() {
	local port
	port=$(free_port)
	URL=http://127.0.0.1:$port
	activate -l 127.0.0.1:$port --fdname=web -- "$HTTPD_DEMO_IMAGE"
}

@test "browser, container: the demo page says 'a container that has no network' and the reader's address is preserved" {
	[ ! -e "$BATS_FILE_TMPDIR/build-httpd.seconds" ] ||
		note "make image-httpd-demo: $(cat "$BATS_FILE_TMPDIR/build-httpd.seconds") s (cache included)"
	demo_container
	browse --wait-request /favicon.ico --wait 'document.body.dataset.state' --text "$T/page.txt" "$URL/"
	[ "$status" -eq 0 ]
	no_errors
	cat "$T/page.txt"
	output=$(<"$T/page.txt")
	has_lines 'This page came from a container that has no network' \
		'The server runs in a container (/run/.containerenv, container=podman) whose only network interface is lo: it cannot open a connection to anything. Your request reached it anyway, on the socket systemd made outside the container.' \
		$'server runs\tin a container (/run/.containerenv, container=podman)' \
		$'network interfaces\tlo' $'fd name\tweb' $'socket family\tIPv4' \
		$'socket\tlistening socket passed by systemd (Accept=no)'
	line=$(grep '^Your address as the server sees it: ' "$T/page.txt")
	[[ "$line" =~ ^Your\ address\ as\ the\ server\ sees\ it:\ 127\.0\.0\.1:([0-9]+)\ —\ preserved$ ]]
	# The container logged that very address for the browser's request.
	grep -q "\"GET $DIAG HTTP/1.1\" 200 .*HeadlessChrome.* fd=web peer=127.0.0.1:${BASH_REMATCH[1]}\$" "$LOG"
	no_404 "$LOG"
}

@test "browser, container: the diagnostics page from the image renders under its CSP and names the container" {
	demo_container
	browse --wait-request /favicon.ico --wait "getComputedStyle(document.querySelector('th')).fontWeight === '600'" \
		--text "$T/diag.txt" "$URL$DIAG"
	[ "$status" -eq 0 ]
	no_errors
	cat "$T/diag.txt"
	output=$(<"$T/diag.txt")
	has_lines 'socket-activate-httpd diagnostics' $'fd name\tweb' \
		$'container\tyes (/run/.containerenv, container=podman)' \
		$'network interfaces\tlo' $'from systemd\tyes'
	grep -qE $'^client address\t127\\.0\\.0\\.1:[0-9]+$' "$T/diag.txt"
	no_404 "$LOG"
}
