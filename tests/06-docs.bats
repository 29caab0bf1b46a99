#!/usr/bin/env bats
# One source for each fact, and documents that stay true. Options, their
# defaults, ranges and suffixes, and the exit statuses are printed by the
# servers from their option tables (--help); the man pages' OPTIONS and
# EXIT STATUS text is generated from that (make man, tools/man-sync.py);
# README.md and docs/ link to the man pages instead of copying them.
# tests/tools/check-docs.py does the reading; each test prints what differs.
load helpers
HTTPD_BIN=${HTTPD_BIN:-$REPO/build/socket-activate-httpd}
ECHO_MAN=$REPO/echo/socket-activate-echo.1
HTTPD_MAN=$REPO/httpd/socket-activate-httpd.1
MAN_SYNC=$REPO/tools/man-sync.py

# The Markdown files a reader meets.
markdown() {
	cd "$REPO" && ls README.md HACKING.md ARCHITECTURE.md CHANGELOG.md \
		SECURITY.md BENCHMARKS.md docs/*.md
}

check() { (cd "$REPO" && "$TOOLS/check-docs.py" "$@"); }

@test "docs: the echo man page's OPTIONS and EXIT STATUS are what --help prints (make man)" {
	run "$MAN_SYNC" --check "$ECHO_BIN" "$ECHO_MAN"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: the httpd man page's OPTIONS and EXIT STATUS are what --help prints (make man)" {
	run "$MAN_SYNC" --check "$HTTPD_BIN" "$HTTPD_MAN"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: a man page that drifts from --help fails the check: a default, a missing option, a range" {
	cp "$ECHO_MAN" "$BATS_TEST_TMPDIR/echo.1"
	sed -i 's/^Default: 256K\.$/Default: 128K./' "$BATS_TEST_TMPDIR/echo.1"
	grep -q 'Default: 128K' "$BATS_TEST_TMPDIR/echo.1"
	run "$MAN_SYNC" --check "$ECHO_BIN" "$BATS_TEST_TMPDIR/echo.1"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"max-buffer differs from --help"* ]]

	# An option --help has and the man page lacks (its region deleted).
	cp "$HTTPD_MAN" "$BATS_TEST_TMPDIR/httpd.1"
	sed -i '/^\.\\" --help cache-control$/,/^\.\\" end --help$/d' "$BATS_TEST_TMPDIR/httpd.1"
	run "$MAN_SYNC" --check "$HTTPD_BIN" "$BATS_TEST_TMPDIR/httpd.1"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no region for cache-control"* ]]

	# A range that the man page words otherwise.
	cp "$HTTPD_MAN" "$BATS_TEST_TMPDIR/httpd.1"
	sed -i 's/Range: 256 to 1M/Range: 256 to 16M/' "$BATS_TEST_TMPDIR/httpd.1"
	run "$MAN_SYNC" --check "$HTTPD_BIN" "$BATS_TEST_TMPDIR/httpd.1"
	[ "$status" -eq 1 ]
}

# help_option BIN OPTION: the option's --help text, one line.
help_option() {
	"$1" --help | awk -v o="--$2" '
		$0 ~ "^  +(-., )?" o "([= ]|$)" { on = 1; print; next }
		on && /^                              / { print; next }
		{ on = 0 }' | tr -s ' \n' ' '
}

@test "docs: --help gives every option with a value its default and range, and every byte count its suffixes" {
	local bin opt text bad=0
	for bin in "$ECHO_BIN" "$HTTPD_BIN"; do
		while read -r opt; do
			text=$(help_option "$bin" "$opt")
			case $text in
			*=BYTES*) [[ "$text" == *"Range: "*", with suffix K, M or G."* ]] ||
				{ echo "$bin --$opt: no range with suffixes: $text"; bad=1; } ;;
			*=SECONDS* | *=N\ *) [[ "$text" == *"Default: "*"Range: "* ]] ||
				{ echo "$bin --$opt: no default and range: $text"; bad=1; } ;;
			esac
		done < <("$bin" --help | sed -n 's/^ \{2,6\}\(-., \)\{0,1\}--\([a-z-]*\)=.*/\2/p')
	done
	[ "$bad" -eq 0 ]
	# The longest limits are said in days as well.
	[[ "$(help_option "$ECHO_BIN" exit-idle)" == *"Range: 0 to 4233600 (49 days)."* ]]
}

@test "docs: the exit statuses --help gives name every condition the servers exit 1 on" {
	local bin text
	for bin in "$ECHO_BIN" "$HTTPD_BIN"; do
		text=$("$bin" --help | sed -n '/^Exit status:/,/^$/p' | tr -s ' \n' ' ')
		echo "$bin: $text"
		[[ "$text" == *"0 after SIGTERM or SIGINT, --exit-idle, or when the last passed connection closed"* ]]
		[[ "$text" == *"1 when there is nothing to serve"* ]]
		[[ "$text" == *"not sockets are closed with a warning"* ]]
		[[ "$text" == *"--listen cannot bind"* ]]
		[[ "$text" == *"the sandbox cannot be applied"* ]]
		[[ "$text" == *"2 on a usage error"* ]]
	done
	[[ "$("$HTTPD_BIN" --help | tr -s ' \n' ' ')" == *"DIR cannot be opened"* ]]
}

@test "docs: the methods httpd's --help and man page name are the ones its OPTIONS answer allows" {
	mkdir -p "$BATS_TEST_TMPDIR/www"
	bg "$HTTPD_BIN" --root "$BATS_TEST_TMPDIR/www" --listen "$BATS_TEST_TMPDIR/h.sock"
	wait_for 5 test -S "$BATS_TEST_TMPDIR/h.sock"
	local allow help man
	allow=$(curl -si --unix-socket "$BATS_TEST_TMPDIR/h.sock" -X OPTIONS \
		--request-target '*' http://localhost | tr -d '\r' | sed -n 's/^Allow: //p')
	help=$("$HTTPD_BIN" --help | tr -s ' \n' ' ' | sed -n 's/.*HTTP\/1.1 (\([^)]*\)).*/\1/p')
	man=$(sed 's/\\f[BIR]//g' "$HTTPD_MAN" | tr -s ' \n' ' ' |
		grep -o '[A-Z]*, [A-Z]* and [A-Z]* are served;' | sed 's/ are served;//')
	echo "Allow: $allow; --help: $help; man: $man"
	[ -n "$allow" ]
	[ "$(echo "$help" | sed 's/ and /, /')" = "$allow" ]
	[ "$(echo "$man" | sed 's/^ *//; s/ and /, /')" = "$allow" ]
}

@test "docs: the ports echo never answers are the same in --help and in the code" {
	local code help
	code=$(sed -n '/^addr_port_answerable\|port == 0 ||/,/;/p' "$REPO/common/addr.c" |
		grep -o 'port == [0-9]*' | grep -o '[0-9]*' | sort -n | tr '\n' ' ')
	help=$("$ECHO_BIN" --help | tr -s ' \n' ' ' |
		sed -n 's/.*source port 0 and from the small-service ports \([0-9, and]*\) are never answered.*/0 \1/p' |
		tr -s ', and' ' ' | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')
	echo "code: $code; --help: $help"
	[ -n "$code" ]
	[ "$code" = "$help" ]
}

@test "docs: README.md and docs/ copy no option table or exit status: they link to the man pages" {
	run check no-copies $(markdown)
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: every -d in the docs says whether it is the server's --debug or systemd-socket-activate's --datagram" {
	run check short-d $(markdown)
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: every relative link and #anchor in the Markdown files resolves" {
	run check links $(markdown)
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: the checks find planted drifts: an option table, a bare -d, a broken anchor" {
	mkdir -p "$BATS_TEST_TMPDIR/docs"
	cd "$BATS_TEST_TMPDIR"
	printf '# A\n\n| option | default |\n|---|---|\n| `--max-buffer` | 256K |\n' >docs/a.md
	printf '# B\n\nRun it with `-d` to see more.\n\nSee [A](a.md#nothing-here).\n' >docs/b.md
	run "$TOOLS/check-docs.py" no-copies docs/a.md
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"docs/a.md:5: an option table row"* ]]
	run "$TOOLS/check-docs.py" short-d docs/b.md
	[ "$status" -eq 1 ]
	[[ "$output" == *"docs/b.md:3: \`-d\` without saying"* ]]
	run "$TOOLS/check-docs.py" links docs/b.md
	[ "$status" -eq 1 ]
	[[ "$output" == *"no heading #nothing-here"* ]]
}

@test "docs: README.md is at most 200 lines, and says what differs where it says what it replaces" {
	run check length README.md 200
	echo "$output"
	[ "$status" -eq 0 ]
	run grep -A4 'replaces the earlier C++ image' "$REPO/README.md"
	echo "$output"
	[[ "$output" == *"docs/migrating.md"* ]]
}

@test "docs: every make target is in HACKING.md's Make targets table, and only real ones" {
	run check targets "$REPO" HACKING.md
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "docs: the man pages have ENVIRONMENT and FILES sections naming every variable the servers read" {
	run check env "$ECHO_MAN" "$REPO/common" "$REPO/echo"
	echo "$output"
	[ "$status" -eq 0 ]
	run check env "$HTTPD_MAN" "$REPO/common" "$REPO/httpd"
	echo "$output"
	[ "$status" -eq 0 ]
	# And a man page without them fails.
	sed '/^\.SH ENVIRONMENT/,/^\.SH FILES/{/^\.SH FILES/!d}' "$ECHO_MAN" >"$BATS_TEST_TMPDIR/e.1"
	run check env "$BATS_TEST_TMPDIR/e.1" "$REPO/common" "$REPO/echo"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no ENVIRONMENT section"* ]]
}

@test "docs: every unit names its server's man page, and make install-units installs it where man finds it" {
	local f server bad=0
	for f in "$REPO"/systemd/*.socket "$REPO"/systemd/*.service "$REPO"/systemd/*.container; do
		case $(basename "$f") in
		podman-usernamespace.service) continue ;;
		httpd*) server=socket-activate-httpd ;;
		*) server=socket-activate-echo ;;
		esac
		grep -qx "Documentation=man:$server(1)" "$f" ||
			{ echo "$(basename "$f"): no Documentation=man:$server(1)"; bad=1; }
	done
	[ "$bad" -eq 0 ]
	local d=$BATS_TEST_TMPDIR/inst
	HOME=$d/home make -s -C "$REPO" -f tools/units.mk install-units QUADLET=no >/dev/null
	test -f "$d/home/.local/share/man/man1/socket-activate-echo.1"
	test -f "$d/home/.local/share/man/man1/socket-activate-httpd.1"
	make -s -C "$REPO" -f tools/units.mk install-units UNITS=system QUADLET=no DESTDIR="$d/sys" >/dev/null
	test -f "$d/sys/usr/local/share/man/man1/socket-activate-echo.1"
	HOME=$d/home make -s -C "$REPO" -f tools/units.mk uninstall-units >/dev/null
	[ -z "$(find "$d/home" -type f)" ]
}

@test "docs: make install installs every document the man pages name, and make uninstall removes it all" {
	local d=$BATS_TEST_TMPDIR/inst doc name
	make -s -C "$REPO" install DESTDIR="$d" PREFIX=/opt/sa >/dev/null
	doc=$d/opt/sa/share/doc/socket-activate
	for name in $(sed -n 's/.*\\fI\([A-Za-z.-]*\.md\)\\fR.*/\1/p' "$ECHO_MAN" "$HTTPD_MAN" | sort -u); do
		echo "named by a man page: $name"
		test -f "$doc/$name"
	done
	test -f "$doc/docs/troubleshooting.md"
	test -f "$doc/examples/echo.socket"
	# The installed man pages name where the documents are.
	grep -q '^\.I /opt/sa/share/doc/socket\\-activate/$' "$d/opt/sa/share/man/man1/socket-activate-echo.1"
	! grep -q /usr/local "$d/opt/sa/share/man/man1/socket-activate-httpd.1" || false
	make -s -C "$REPO" uninstall DESTDIR="$d" PREFIX=/opt/sa >/dev/null
	run find "$d" -type f
	echo "$output"
	[ -z "$output" ]
}
