#!/usr/bin/env bats
# Every command block in README.md and docs/ runs as shown, the quick
# starts verbatim: tests/tools/doc-run.py runs them (the command block
# convention is in its header), and the tests after the docs' own check the
# runner on small files under tests/fixtures/docs/.
#
# The docs use the documented ports (3000, 8080) and paths (/tmp/echo.sock):
# the tests of this file never run side by side (nor do two doc-run.py
# runs: it takes a lock), and the fixtures use ports below the ephemeral
# range (free_port's), 23170..28170, and /tmp/sa-doc-* paths.
load helpers
DOC_RUN=$TOOLS/doc-run.py
# DOC_RUN_NO_PODMAN (the Debian 13 lab sets it) is for the docs' own
# blocks (docs_test), not for the fixtures that test doc-run's podman
# checks.
# (bats sources this file again for each test, in processes that get
# the environment of the first.)
export DOCS_NO_PODMAN=${DOCS_NO_PODMAN:-${DOC_RUN_NO_PODMAN:-}}
unset DOC_RUN_NO_PODMAN
FIXTURES=$REPO/tests/fixtures/docs

setup_file() {
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
	# The docs name build/socket-activate-*, as a reader's checkout has
	# them after `make`: build them if this run has not.
	local out
	out=$(make -C "$REPO" servers 2>&1) || {
		echo "make servers failed:"
		echo "$out"
		return 1
	}
	# The container examples need the images, which a reader builds first
	# (docs/containers.md says so): build them where podman works, as
	# tests/40-images.bats would; otherwise those blocks skip, saying why.
	if [ "$(id -u)" -eq 0 ] && command -v podman >/dev/null 2>&1; then
		CONTAINERS_CONF=${CONTAINERS_CONF:-$("$REPO/tools/deps-images.sh" --conf)} \
			make -C "$REPO" images images-demo >"$BATS_FILE_TMPDIR/images.log" 2>&1 3>&- ||
			echo "# make images images-demo failed: $(tail -3 "$BATS_FILE_TMPDIR/images.log")" >&3
	fi
}

# What the fixtures leave in /tmp, removed before and after every test
# (whatever its outcome), so that no test sees an earlier one's files.
TMP_FILES=(/tmp/sa-doc-bad-marker /tmp/sa-doc-stale.sock /tmp/sa-doc-not-a-socket.sock)

eval "helpers_$(declare -f setup)"
setup() {
	helpers_setup
	STEPS_LOG=/tmp/sa-doc-steps-$(id -u).log
	MARKER=/tmp/sa-doc-interrupted-$(id -u)
	rm -f "${TMP_FILES[@]}" "$STEPS_LOG" "$MARKER"
	# The docs say build/...: another build's pass (ASan) would run the
	# same normal-build commands again and learn nothing new.
	if [ -n "${BUILD_DIR:-}" ] && [ "$(cd "$BUILD_DIR" 2>/dev/null && pwd)" != "$REPO/build" ]; then
		skip "the docs' commands run build/, not this pass's $BUILD_DIR: the normal build's pass runs them"
	fi
}

# fails COMMAND...: COMMAND fails. (A bare "! COMMAND" never fails a bats
# test: errexit ignores negated commands.)
fails() {
	if "$@"; then
		echo "should have failed: $*"
		return 1
	fi
}

eval "helpers_$(declare -f teardown)"
teardown() {
	rm -f "${TMP_FILES[@]}" "$STEPS_LOG" "$MARKER"
	[ -z "${NOBODY_DIR:-}" ] || rm -rf "$NOBODY_DIR"
	helpers_teardown
}

# doc_run ARGS...: doc-run.py on ARGS, its output shown when a test fails.
doc_run() {
	run "$DOC_RUN" --repo "$REPO" "$@"
	echo "$output"
}

# docs_test FILE: every block of FILE (relative to the repository) runs as
# shown. Blocks this machine cannot run (podman, root) make the test a
# skip naming them, once everything else passed; blocks the file itself
# marks skip=, and lab blocks (tests/52-units-trixie.bats runs them), are
# listed in the TAP output.
docs_test() {
	local f=$1 l envskips= ran= reason
	local -A skipped_at=()  # not "lines": bats' run sets that array
	local reasons=()
	[ -f "$REPO/$f" ] || {
		echo "$f has a test in $(basename "$BATS_TEST_FILENAME") but does not exist"
		return 1
	}
	cd "$REPO" || return 1
	[ -z "$DOCS_NO_PODMAN" ] || export DOC_RUN_NO_PODMAN=$DOCS_NO_PODMAN
	doc_run "$f"
	[ "$status" -eq 0 ]
	while IFS= read -r l; do
		if [[ $l == "skip "*" (skip="* || $l == "skip "*" (lab: "* ]]; then
			# Skipped on purpose: skip= says what runs it instead, and
			# tests/52-units-trixie.bats runs the lab blocks in the lab.
			note "$f: $l"
		elif [[ $l =~ ^skip\ ([0-9]+)\ \((.*)\)\ \$\  ]]; then
			reason=${BASH_REMATCH[2]}
			[ -n "${skipped_at[$reason]:-}" ] || reasons+=("$reason")
			skipped_at[$reason]+="${skipped_at[$reason]:+, }${BASH_REMATCH[1]}"
		elif [[ $l =~ ^"$f: "([0-9]+)" ran," ]]; then
			ran=${BASH_REMATCH[1]}
		fi
	done <<<"$output"
	for reason in "${reasons[@]}"; do
		envskips+="${envskips:+; }line ${skipped_at[$reason]}: $reason"
	done
	[ -z "$envskips" ] || skip "$f: ${ran:-0} blocks ran as shown; these cannot run here: $envskips"
}

# optional_docs_test FILE: docs_test, once FILE exists.
optional_docs_test() {
	[ -f "$REPO/$1" ] || skip "there is no $1 (yet)"
	docs_test "$1"
}

@test "docs: every command in README.md runs as shown" {
	docs_test README.md
}

@test "docs: every command in HACKING.md runs as shown" {
	optional_docs_test HACKING.md
}

@test "docs: every command in BENCHMARKS.md runs as shown" {
	docs_test BENCHMARKS.md
}

@test "docs: every command in ARCHITECTURE.md runs as shown" {
	optional_docs_test ARCHITECTURE.md
}

# One test per docs/*.md file (the next test fails for a file without one).
@test "docs: every command in docs/containers.md runs as shown" {
	docs_test docs/containers.md
}

@test "docs: every command in docs/echo.md runs as shown" {
	docs_test docs/echo.md
}

@test "docs: every command in docs/fd-store.md runs as shown" {
	docs_test docs/fd-store.md
}

@test "docs: every command in docs/httpd.md runs as shown" {
	docs_test docs/httpd.md
}

@test "docs: every command in docs/multiarch.md runs as shown" {
	docs_test docs/multiarch.md
}

@test "docs: every command in docs/migrating.md runs as shown" {
	docs_test docs/migrating.md
}

@test "docs: every command in docs/socket-activation.md runs as shown" {
	docs_test docs/socket-activation.md
}

@test "docs: every command in docs/troubleshooting.md runs as shown" {
	docs_test docs/troubleshooting.md
}

@test "docs: every command in docs/units.md runs as shown" {
	docs_test docs/units.md
}

@test "docs: every docs/*.md file has a test of its own in this file" {
	local f name missing=()
	for f in "$REPO"/docs/*.md; do
		[ -e "$f" ] || skip "there are no docs/*.md files (yet)"
		name=docs/$(basename "$f")
		grep -qxF "	docs_test $name" "$BATS_TEST_FILENAME" || missing+=("$name")
	done
	for name in "${missing[@]}"; do
		echo "$name has no test; add to $(basename "$BATS_TEST_FILENAME"):"
		printf '@test "docs: every command in %s runs as shown" {\n\tdocs_test %s\n}\n' "$name" "$name"
	done
	[ "${#missing[@]}" -eq 0 ]
}

# --- The convention ------------------------------------------------------

@test "docs: indented code, \`\`\`bash, \`\`\`console and the rest fail the check with file:line, and nothing runs" {
	mkdir docs
	cp "$FIXTURES/bad.md" docs/bad.md
	run "$DOC_RUN" --repo "$BATS_TEST_TMPDIR" docs/bad.md
	echo "$output"
	[ "$status" -eq 1 ]
	has_lines \
		'FAIL docs/bad.md:5: indented code block: commands go in ```sh blocks, output in ```text' \
		'FAIL docs/bad.md:9: ```bash block: commands go in ```sh blocks (the suite runs those), output in ```text' \
		'FAIL docs/bad.md:15: ```console block: commands go in ```sh blocks (the suite runs those), output in ```text' \
		'FAIL docs/bad.md:21: ```shell block: commands go in ```sh blocks (the suite runs those), output in ```text' \
		'FAIL docs/bad.md:27: an untagged block that starts with a command: ```sh if it is one, ```text if it is output' \
		'FAIL docs/bad.md:34: a prompt line in a text block: commands go in ```sh blocks' \
		"FAIL docs/bad.md:40: unknown tag 'backgroud' (tags: background ctrl-c podman root lab skip=REASON timeout=N wait=ADDR)" \
		'FAIL docs/bad.md:46: this block starts a server that stays up (it listens on tcp 127.0.0.1:23183): tag it background' \
		'FAIL docs/bad.md:52: this block runs podman: tag it podman' \
		'FAIL docs/bad.md:57: a fenced block in an HTML comment: readers never see it, so it must not run either' \
		'docs/bad.md: breaks the command block convention (10 errors): not run'
	[ ! -e /tmp/sa-doc-bad-marker ]
}

@test "docs: a block fenced inside a list item runs; list text indented four spaces is not code" {
	doc_run "$FIXTURES/lists.md"
	[ "$status" -eq 0 ]
	has_lines 'ok 5 $ echo "in a list"' 'ok 25 $ echo "in step 10"' \
		'tests/fixtures/docs/lists.md: 2 ran, 0 skipped, 0 failed'
}

@test "docs: a file without sh blocks passes" {
	doc_run "$FIXTURES/prose.md"
	[ "$status" -eq 0 ]
	has_lines 'tests/fixtures/docs/prose.md: no sh blocks'
}

# --- The runner ----------------------------------------------------------

@test "doc-run: the example runs: echo and httpd socket-activated on the host answer as its text blocks say" {
	doc_run "$FIXTURES/example.md"
	[ "$status" -eq 0 ]
	has_lines 'ok 13 $ systemd-socket-activate -l 127.0.0.1:23170 -l /tmp/sa-doc-example-echo.sock \\ ...' \
		'ok 20 $ echo hello | socat - tcp4:127.0.0.1:23170 ...' \
		'ok 34 $ systemd-socket-activate -l 127.0.0.1:28170 build/socket-activate-httpd \\ ...' \
		'ok 41 $ curl -si http://127.0.0.1:28170/' \
		'tests/fixtures/docs/example.md: 4 ran, 0 skipped, 0 failed'
}

@test "doc-run: a block that exits non-zero (or whose pipe fails) fails, with command, status and output; the run goes on" {
	doc_run "$FIXTURES/fail.md"
	[ "$status" -eq 1 ]
	has_lines 'ok 9 $ echo before' \
		'FAIL 13 $ echo "about to fail" ...' \
		'      exit 3' \
		'    exit status 3; its output:' \
		'      about to fail' \
		'FAIL 20 $ false | cat ...' \
		'ok 27 $ echo after' \
		'tests/fixtures/docs/fail.md: 3 ran, 0 skipped, 2 failed'
	# The background server's output, to see what it made of it.
	has_lines '    output of background line 5 (systemd-socket-activate -l 127.0.0.1:23178 build/socket-activate-echo):' \
		'      Listening on 127.0.0.1:23178 as 3.'
	fails grep -qx '      not reached' <<<"$output"
}

@test "doc-run: output that is not the text block's fails, showing what was expected and what came" {
	doc_run "$FIXTURES/unexpected.md"
	[ "$status" -eq 1 ]
	# Out of order; a wildcard line that does not match; part of a line.
	has_lines "FAIL 3 \$ printf 'one.ntwo.n'" \
		"    no line matches 'one' (in order); what came:" \
		"FAIL 12 \$ printf 'listening on port 39123.n'" \
		"    no line matches 'listening on port ... closed' (in order); what came:" \
		'FAIL 22 $ echo hello' \
		"    no line matches 'hell' (in order); what came:" \
		'tests/fixtures/docs/unexpected.md: 0 ran, 0 skipped, 3 failed'
}

@test "doc-run: expected lines match in order, not necessarily adjacent, '...' for any text, indentation aside, stderr included" {
	doc_run "$FIXTURES/expected.md"
	[ "$status" -eq 0 ]
	has_lines 'tests/fixtures/docs/expected.md: 4 ran, 0 skipped, 0 failed'
}

@test "doc-run: the block after a background server runs once the server listens" {
	doc_run "$FIXTURES/background.md"
	[ "$status" -eq 0 ]
	has_lines 'ok 10 $ echo hi | socat - tcp4:127.0.0.1:23171'
	grep -Eq '^    background, pid [0-9]+: listening on tcp 127.0.0.1:23171 after 1\.[0-9]+ s$' <<<"$output"
}

@test "doc-run: waiting never connects to a server (it would start it), and every background command is gone at the end" {
	doc_run --verbose "$FIXTURES/untouched.md"
	[ "$status" -eq 0 ]
	has_lines '    background, pid [0-9]*: listening on tcp 127.0.0.1:23172, unix-stream /tmp/sa-doc-untouched.sock, unix-stream @sa-doc-untouched after .* s' \
		'    background, pid [0-9]*: listening on udp 127.0.0.1:23172, udp \[::1\]:23172 after .* s'
	# All stopped, sockets closed.
	local pid
	for pid in $(sed -n 's/^    background, pid \([0-9]*\):.*/\1/p' <<<"$output"); do
		fails kill -0 "$pid" 2>/dev/null
	done
	[ -z "$(ss -Hln -t -u -x | grep -e ':23172 ' -e sa-doc-untouched)" ]
	[ ! -e /tmp/sa-doc-untouched.sock ]
	# Nothing queued on any of them (the fixture's text block says so,
	# from ss), and systemd-socket-activate never saw a connection.
	has_lines 'ok 17 $ ss -Hln -t -u -x | awk .*' \
		'      Listening on 127.0.0.1:23172 as 3.' '      Listening on @sa-doc-untouched as 5.'
	fails grep -q 'Communication attempt' <<<"$output"
}

@test "doc-run: a background command that ignores SIGTERM is killed after the grace time" {
	DOC_RUN_STOP_GRACE=1 doc_run "$FIXTURES/stubborn.md"
	[ "$status" -eq 0 ]
	has_lines '# line 3: still running 1 s after SIGTERM, killed: [0-9]* (systemd-socket-)'
	local pid
	pid=$(sed -n 's/^    background, pid \([0-9]*\):.*/\1/p' <<<"$output")
	[ -n "$pid" ]
	fails kill -0 "$pid" 2>/dev/null
	[ -z "$(ss -Hltn 'sport = :23175')" ]
}

@test "doc-run: a background command that never listens, or exits first, fails with its output" {
	doc_run "$FIXTURES/not-ready.md"
	[ "$status" -eq 1 ]
	has_lines 'FAIL 3 $ echo "never listens" ...' \
		'    not ready after 1 s: not listening on tcp 127.0.0.1:23173 (timeout=N sets the deadline); its output:' \
		'      never listens' \
		'FAIL 8 $ echo "cannot start" >&2 ...' \
		'    exited with status 4 before it was ready (not listening: udp 127.0.0.1:23174); its output:' \
		'      cannot start' \
		'tests/fixtures/docs/not-ready.md: 0 ran, 0 skipped, 2 failed'
}

@test "doc-run: an address someone else listens on already fails the block instead of passing for it" {
	bg socat -u TCP4-LISTEN:23180,bind=127.0.0.1 STDOUT
	wait_for 10 sh -c '[ -n "$(ss -Hltn "sport = :23180")" ]'
	doc_run "$FIXTURES/in-use.md"
	[ "$status" -eq 1 ]
	has_lines 'FAIL 3 $ systemd-socket-activate -l 127.0.0.1:23180 build/socket-activate-echo' \
		'    already in use before this block started: tcp 127.0.0.1:23180 (another server, or a run of these docs?)'
}

@test "doc-run: a foreground block past its timeout fails, and nothing of it is left running" {
	local start=$SECONDS
	doc_run "$FIXTURES/timeout.md"
	[ "$status" -eq 1 ]
	has_lines 'FAIL 3 $ echo "started" ...' \
		'    did not finish within 1 s (timeout=N sets the deadline); its output so far:' \
		'      started'
	((SECONDS - start < 20))
	fails pgrep -f 'sleep 31[.]4159'
}

@test "doc-run: skip= blocks are listed as skipped with their reason, and not run" {
	doc_run "$FIXTURES/skip.md"
	[ "$status" -eq 0 ]
	has_lines 'skip 3 (skip=needs-vsock_loopback) $ systemd-socket-activate -l vsock:4294967295:3000 build/socket-activate-echo' \
		'skip 7 (skip=two words, in quotes) $ false' \
		'ok 11 $ echo "this one runs"' \
		'tests/fixtures/docs/skip.md: 1 ran, 2 skipped, 0 failed'
}

@test "doc-run: a root block runs as root and skips, saying why, for anyone else" {
	if [ "$(id -u)" -eq 0 ]; then
		doc_run "$FIXTURES/root.md"
		[ "$status" -eq 0 ]
		has_lines 'ok 3 $ id -u'
		run setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env PATH=/usr/bin:/bin /usr/bin/python3 "$DOC_RUN" --repo "$REPO" "$FIXTURES/root.md"
		echo "$output"
	else
		doc_run "$FIXTURES/root.md"
	fi
	[ "$status" -eq 0 ]
	has_lines 'skip 3 (needs root; this run is uid [1-9][0-9]*) $ id -u'
}

# fake_podman DIR: a podman in DIR for the runner: `info` works (unless
# FAKE_PODMAN_BROKEN), images exist unless named *missing*, and `run`
# answers the first connection on fd 3 (from systemd-socket-activate)
# with the CONTAINERS_CONF it got.
fake_podman() {
	mkdir -p "$1"
	cat >"$1/podman" <<-EOF
	#!/bin/sh
	case "\$1" in
	info)
		[ -z "\${FAKE_PODMAN_BROKEN:-}" ] || { echo "Error: this podman is broken" >&2; exit 125; }
		case "\$3" in
		*IDMappings*) echo "\${FAKE_PODMAN_IDS:-65536 |65536 }" ;;
		*) echo runc ;;
		esac ;;
	image)
		case "\$3" in *missing*) exit 1 ;; esac ;;
	run)
		exec $(python3 -c 'import sys; print(sys.executable)') -c '
	import os, socket
	c, _ = socket.socket(fileno=3).accept()
	c.sendall(("CONTAINERS_CONF=%s\n" % os.environ.get("CONTAINERS_CONF", "unset")).encode())' ;;
	esac
	EOF
	chmod +x "$1/podman"
}

@test "doc-run: without podman on PATH, the podman block and every later one skip, saying why" {
	mkdir bin
	ln -s "$(python3 -c 'import sys; print(sys.executable)')" bin/python3
	ln -s "$(command -v bash)" bin/bash
	ln -s "$(command -v ss)" bin/ss
	PATH=$BATS_TEST_TMPDIR/bin doc_run "$FIXTURES/podman.md"
	[ "$status" -eq 0 ]
	has_lines 'skip 3 (podman is not installed (no podman on PATH)) $ systemd-socket-activate -l 127.0.0.1:23176 podman run --rm --network=none localhost/socket-activate-echo:latest' \
		'skip 7 (an earlier podman block was skipped: podman is not installed (no podman on PATH)) $ socat -u tcp4:127.0.0.1:23176 -' \
		'tests/fixtures/docs/podman.md: 0 ran, 2 skipped, 0 failed'
}

@test "doc-run: a podman that does not work for this user skips the podman blocks, with its error" {
	fake_podman bin
	FAKE_PODMAN_BROKEN=1 PATH=$BATS_TEST_TMPDIR/bin:$PATH doc_run "$FIXTURES/podman.md"
	[ "$status" -eq 0 ]
	has_lines "skip 3 (podman is not usable by uid $(id -u): Error: this podman is broken) \$ systemd-socket-activate .*" \
		'skip 7 (an earlier podman block was skipped: podman is not usable by uid [0-9]*: Error: this podman is broken) $ socat .*'
}

# as_nobody COMMAND...: COMMAND as nobody when we are root (rootless podman
# is what is tested), else as ourselves.
as_nobody() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	else
		"$@"
	fi
}

@test "doc-run: rootless podman that maps one id (no /etc/subuid range) skips the podman blocks, saying so" {
	# A directory nobody can use: bats' own is closed to others.
	NOBODY_DIR=$(mktemp -d /tmp/sa-doc-nobody.XXXXXX)
	cd "$NOBODY_DIR"
	fake_podman bin
	cp "$DOC_RUN" "$FIXTURES/podman.md" .
	chmod -R a+rX "$NOBODY_DIR"
	local run=(env "PATH=$NOBODY_DIR/bin:/usr/bin:/bin" HOME="$NOBODY_DIR"
		python3 ./doc-run.py --repo "$REPO" podman.md)
	run as_nobody env FAKE_PODMAN_IDS="1 |1 " "${run[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	has_lines 'skip 3 (rootless podman for uid [0-9]* maps one uid: this user has no subordinate uids (/etc/subuid), so podman cannot pull, build or run a Debian image) $ systemd-socket-activate .*'
	run as_nobody env FAKE_PODMAN_IDS="65536 |1 " "${run[@]}"
	echo "$output"
	has_lines 'skip 3 (rootless podman for uid [0-9]* maps one gid: this user has no subordinate gids (/etc/subgid), so podman cannot pull, build or run a Debian image) $ systemd-socket-activate .*'
	# With a range the blocks run (what they print is not this test's).
	run as_nobody "${run[@]}"
	echo "$output"
	has_lines 'ok 3 $ systemd-socket-activate .*'
	! grep -q subordinate <<<"$output" || false
}

@test "doc-run: DOC_RUN_NO_PODMAN=REASON skips the podman blocks with REASON" {
	fake_podman bin
	DOC_RUN_NO_PODMAN="podman is nested here" PATH=$BATS_TEST_TMPDIR/bin:$PATH doc_run "$FIXTURES/podman.md"
	[ "$status" -eq 0 ]
	has_lines 'skip 3 (podman is nested here) $ systemd-socket-activate .*' \
		'skip 7 (an earlier podman block was skipped: podman is nested here) $ socat .*'
}

@test "doc-run: an image that is not built skips its block and the rest of the file, naming the image" {
	fake_podman bin
	PATH=$BATS_TEST_TMPDIR/bin:$PATH doc_run "$FIXTURES/podman-missing-image.md"
	[ "$status" -eq 0 ]
	has_lines 'skip 3 (image localhost/socket-activate-missing:latest is not built here (make images, or make images-demo for a -demo image)) $ podman run --rm localhost/socket-activate-missing:latest --version' \
		'skip 7 (an earlier podman block was skipped: image localhost/socket-activate-missing:latest is not built here (make images, or make images-demo for a -demo image)) $ echo "after the podman block"'
}

@test "doc-run: podman started by systemd-socket-activate gets the test-only CONTAINERS_CONF where root cannot apply podman's rlimits" {
	[ "$(id -u)" -eq 0 ] || skip "rootless podman uses the user's own limits: no shim"
	! prlimit --nofile=1048576:1048576 --nproc=1048576:1048576 true 2>/dev/null ||
		skip "root can raise its rlimits here: podman's defaults work, no shim"
	local conf
	conf=$("$REPO/tools/deps-images.sh" --conf)
	fake_podman bin
	PATH=$BATS_TEST_TMPDIR/bin:$PATH doc_run "$FIXTURES/podman.md"
	[ "$status" -eq 0 ]
	has_lines "# podman blocks run with a podman shim first on PATH that sets CONTAINERS_CONF=$conf (root cannot raise .*)" \
		'ok 3 $ systemd-socket-activate -l 127.0.0.1:23176 podman run --rm --network=none localhost/socket-activate-echo:latest' \
		'ok 7 $ socat -u tcp4:127.0.0.1:23176 -'
}

@test "doc-run: stale sockets in /tmp that the blocks name are removed before the run, and other files never" {
	python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("/tmp/sa-doc-stale.sock")'
	[ -S /tmp/sa-doc-stale.sock ]
	echo keep >/tmp/sa-doc-not-a-socket.sock
	doc_run "$FIXTURES/sockets.md"
	[ "$status" -eq 0 ]
	has_lines 'ok 11 $ echo hi | socat - unix-sendto:/tmp/sa-doc-dgram.sock,bind=/tmp/sa-doc-stale.sock' \
		'ok 21 $ test -f /tmp/sa-doc-not-a-socket.sock'
	[ "$(cat /tmp/sa-doc-not-a-socket.sock)" = keep ]
	[ ! -e /tmp/sa-doc-stale.sock ]
}

@test "doc-run: a text block after a background command is its output, checked when it stops" {
	doc_run "$FIXTURES/bg-text.md"
	[ "$status" -eq 1 ]
	has_lines 'ok 3 $ systemd-socket-activate -l 127.0.0.1:23181 build/socket-activate-echo' \
		'FAIL 11 $ systemd-socket-activate -l 127.0.0.1:23182 build/socket-activate-echo' \
		"    no line matches 'Listening on 127.0.0.1:23182 as 4.' (in order); what came:" \
		'      Listening on 127.0.0.1:23182 as 3.' \
		'tests/fixtures/docs/bg-text.md: 1 ran, 0 skipped, 1 failed'
	fails grep -q '^FAIL 3 ' <<<"$output"
}

@test "doc-run: --dry-run lists every block with its tags and what would run, and runs nothing" {
	doc_run --dry-run "$FIXTURES/steps.md" "$FIXTURES/example.md" "$FIXTURES/skip.md"
	[ "$status" -eq 0 ]
	has_lines '5 \[sh\] foreground, must exit 0 within 60 s' \
		'    echo one >>/tmp/sa-doc-steps-$(id -u).log' \
		'13 \[sh background\] background until the end; waits for tcp 127.0.0.1:23170, unix-stream /tmp/sa-doc-example-echo.sock' \
		'20 \[sh\] foreground, must exit 0 within 60 s; expected output: text block at line 25' \
		'3 \[sh background skip=needs-vsock_loopback\] not run: skip=needs-vsock_loopback'
	[ ! -e "$STEPS_LOG" ]
}

@test "doc-run: --only LINE runs the block at LINE and the ones before it, not the ones after" {
	doc_run --only 10 "$FIXTURES/steps.md"
	[ "$status" -eq 0 ]
	[ "$(cat "$STEPS_LOG")" = "one
two
two, second line" ]
	has_lines 'tests/fixtures/docs/steps.md: 2 ran, 0 skipped, 0 failed'
	doc_run --only 8 "$FIXTURES/steps.md"
	[ "$status" -eq 2 ]
	has_lines '.*error: no sh block at tests/fixtures/docs/steps.md:8'
}

@test "doc-run: two runs never overlap (the docs share ports and paths): the second waits for the first" {
	local lock=/tmp/socket-activate-doc-run.lock lockfd
	[ -e "$lock" ] || : >"$lock"
	exec {lockfd}<"$lock"
	flock "$lockfd"
	# Not bg: the run must not inherit our hold of the lock.
	"$DOC_RUN" --repo "$REPO" "$FIXTURES/steps.md" >"$(LOG)" 2>&1 3>&- {lockfd}<&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
	wait_for 10 grep -q '^# waiting for another doc-run.py' "$(LOG)"
	[ ! -e "$STEPS_LOG" ]
	exec {lockfd}<&-
	wait "$BG_PID"
	cat "$(LOG)"
	[ "$(cat "$STEPS_LOG")" = "one
two
two, second line
three" ]
}

@test "doc-run: a run stopped in the middle stops every block it started" {
	bg "$DOC_RUN" --repo "$REPO" "$FIXTURES/interrupted.md"
	wait_for 30 test -e "$MARKER"
	kill -TERM "$BG_PID"
	wait "$BG_PID" && STATUS=0 || STATUS=$?
	cat "$(LOG)"
	[ "$STATUS" -eq 1 ]
	grep -qx 'doc-run.py: interrupted' "$(LOG)"
	fails pgrep -f 'sleep 27[.]1828'
	[ -z "$(ss -Hltn 'sport = :23184')" ]
}
