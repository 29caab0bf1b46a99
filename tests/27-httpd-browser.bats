#!/usr/bin/env bats
# The demo site and the diagnostics page in a real browser: Debian's
# headless Chromium, driven by tools/browser.py, against the server
# socket-activated on the host the way `make demo` runs it. What a reader
# sees: the live address line, no error in the browser's console (failed
# loads and Content-Security-Policy violations included), and no 404 in
# the access log. The same from the container image: tests/70-browser.bats.
load helpers
load fixtures/httpd/helpers
load fixtures/browser

SITE=$REPO/httpd/demo-site
DIAG=/.well-known/socket-activate

setup_file() {
	command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 ||
		export BROWSER_SKIP="chromium is not installed (tools/deps.sh --test installs Debian's chromium)"
}

setup() {
	[ -z "${BROWSER_SKIP:-}" ] || skip "$BROWSER_SKIP"
	BG_PIDS=()
	cd "$BATS_TEST_TMPDIR" || return 1
}

# demo_server [ARGS...]: the demo site as make demo serves it, on a free
# loopback port, fd name "web". Sets PORT and URL.
demo_server() {
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	activate -l 127.0.0.1:$PORT --fdname=web "$HTTPD_BIN" --root "$SITE" "$@"
}

# The headline the page must show here: what this machine is.
expected_headline() {
	if [ -e /run/.containerenv ] || [ -e /.dockerenv ]; then
		echo "This page came from a server in a container"
	else
		echo "This page came from a socket-activated server on the host"
	fi
}

@test "browser: the demo page shows the reader's address live, preserved, and where the server runs" {
	demo_server --diagnostics
	browse --wait-request /favicon.ico --wait 'document.body.dataset.state' --text page.txt --dom page.html "$URL/"
	[ "$status" -eq 0 ]
	no_errors
	cat page.txt
	# The address line, and the port is the one the server logged for
	# the browser's request of the diagnostics.
	line=$(grep '^Your address as the server sees it: ' page.txt)
	[[ "$line" =~ ^Your\ address\ as\ the\ server\ sees\ it:\ 127\.0\.0\.1:([0-9]+)\ —\ preserved$ ]]
	grep -q "\"GET $DIAG HTTP/1.1\" 200 .*HeadlessChrome.* fd=web peer=127.0.0.1:${BASH_REMATCH[1]}\$" "$(LOG)"
	grep -qx "Your browser connected to 127.0.0.1:$PORT, and that is the server's own end of this connection: nothing stood in between, so this is your address, as every log line of the server records it." page.txt
	output=$(<page.txt)
	has_lines "$(expected_headline)" $'socket family\tIPv4' $'fd name\tweb' \
		$'socket\tlistening socket passed by systemd (Accept=no)'
	if [ -e /run/.containerenv ] || [ -e /.dockerenv ]; then
		grep -q $'^server runs\tin a container (' page.txt
	else
		has_lines $'server runs\ton the host, as far as it can tell'
	fi
	# The static question is answered, not left in place.
	grep -q '<section id="live" class="live">' page.html
	no_404
}

@test "browser: the diagnostics page renders as HTML under its CSP, with its style applied and nothing refused" {
	demo_server --diagnostics
	# The wait holds only if the inline style was allowed in.
	browse --wait-request /favicon.ico --wait "getComputedStyle(document.querySelector('th')).fontWeight === '600'" \
		--text diag.txt "$URL$DIAG"
	[ "$status" -eq 0 ]
	no_errors
	cat diag.txt
	grep -qx 'socket-activate-httpd diagnostics' diag.txt
	grep -qE $'^client address\t127\\.0\\.0\\.1:[0-9]+$' diag.txt
	grep -qx $'server address\t'"127.0.0.1:$PORT" diag.txt
	grep -qx $'fd name\tweb' diag.txt
	grep -q $'^network interfaces\t.*lo' diag.txt
	no_404
}

@test "browser: without JavaScript the demo page reads as a whole and links the diagnostics in every form" {
	demo_server --diagnostics
	browse --wait-request /favicon.ico --no-script --text page.txt --dom page.html "$URL/"
	[ "$status" -eq 0 ]
	no_errors
	grep -qx 'This page came from a server that was handed its socket' page.txt
	grep -qx 'Was your address preserved?' page.txt
	# The live box stays hidden rather than empty.
	[ "$(grep -c 'Your address as the server sees it' page.txt || true)" -eq 0 ]
	for href in "$DIAG" "$DIAG?format=text" "$DIAG?format=json"; do
		grep -qF "href=\"$href\"" page.html
	done
	# What those links give a browser: HTML, text, JSON.
	browse --text t.txt "$URL$DIAG?format=text"
	grep -qx 'socket-activate-httpd diagnostics' t.txt
	grep -qx 'from systemd:    yes' t.txt
	no_404
}

@test "browser: without --diagnostics the demo page says the live answer needs it; the one error is that 404" {
	demo_server
	browse --wait-request /favicon.ico --wait 'document.body.dataset.state' --text page.txt "$URL/"
	[ "$status" -eq 0 ]
	grep -qx 'The live answer needs the diagnostic page, and this server runs without --diagnostics (make demo and the socket-activate-httpd-demo image turn it on).' page.txt
	[ "$(grep -c 'Your address as the server sees it' page.txt || true)" -eq 0 ]
	# The fetch of the page that is off, and nothing else.
	errors=$(grep -E '^(console\.|exception|log\.error|http )' <<<"$output" || true)
	grep -q "^http 404: $URL$DIAG\$" <<<"$errors"
	[ -z "$(grep -vF "$URL$DIAG" <<<"$errors")" ]
	wait_for 10 grep -q '"GET /favicon.ico HTTP/1.1" 200 ' "$(LOG)"
	[ "$(grep -c '" 404 ' "$(LOG)")" -eq 1 ]
}

# Whatever this machine is (CI runners are often containers themselves),
# the host wording is checked too: the server runs in a mount namespace
# whose root has none of the marks of a container (a tmpfs with /usr,
# /etc, /dev, /proc, /sys, /tmp and this repository bound in; no
# /.dockerenv, an empty /run) and without $container.
@test "browser: on a host without the marks of a container, the page says so" {
	[ "$(id -u)" -eq 0 ] || skip "needs root (a mount namespace and chroot)"
	command -v unshare >/dev/null && command -v chroot >/dev/null || skip "needs unshare and chroot"
	root=$(mktemp -d /var/tmp/sa-hostroot.XXXXXX)
	cat >hostroot.sh <<'SH'
set -e
r=$1 repo=$2
shift 2
mount -t tmpfs sa-hostroot "$r"
for d in /usr /etc /dev /proc /sys /tmp "$repo"; do
	mkdir -p "$r$d"
	mount --rbind "$d" "$r$d"
done
for l in bin lib lib64 sbin; do
	[ ! -e "/$l" ] || ln -s "usr/$l" "$r/$l"
done
mkdir -p "$r/run"
exec env -u container chroot "$r" "$@"
SH
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	# The activator execs unshare, sh, chroot and the server in turn:
	# one process, so LISTEN_PID still names the server.
	activate -l 127.0.0.1:$PORT --fdname=web unshare -m sh "$PWD/hostroot.sh" "$root" "$REPO" \
		"$HTTPD_BIN" --root "$SITE" --diagnostics
	browse --wait-request /favicon.ico --wait 'document.body.dataset.state' --text page.txt "$URL/"
	rmdir "$root"
	[ "$status" -eq 0 ]
	no_errors
	output=$(<page.txt)
	has_lines 'This page came from a socket-activated server on the host' \
		$'server runs\ton the host, as far as it can tell'
	grep -q '^The server finds no sign of a container (no /run/.containerenv, no /.dockerenv, no container= in its environment): it runs on the host, with the network interfaces .*lo' page.txt
	grep -q '^Your address as the server sees it: 127\.0\.0\.1:[0-9]* — preserved$' page.txt
	no_404
}
