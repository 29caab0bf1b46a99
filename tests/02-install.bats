#!/usr/bin/env bats
# make install / uninstall, as a packager runs them.
load helpers

@test "make install honours DESTDIR and PREFIX, and uninstall removes what it installed" {
	dest=$BATS_TEST_TMPDIR/root
	run make -C "$REPO" -s install DESTDIR="$dest" PREFIX=/usr
	[ "$status" -eq 0 ]
	[ -x "$dest/usr/bin/socket-activate-echo" ]
	[ -f "$dest/usr/share/man/man1/socket-activate-echo.1" ]
	run "$dest/usr/bin/socket-activate-echo" --version
	[[ "$output" == "socket-activate-echo "* ]]
	run make -C "$REPO" -s uninstall DESTDIR="$dest" PREFIX=/usr
	[ "$status" -eq 0 ]
	[ -z "$(find "$dest" -type f)" ]
}

@test "make uninstall names each file it removes, and a second run has nothing to name" {
	dest=$BATS_TEST_TMPDIR/root
	make -C "$REPO" -s install DESTDIR="$dest" PREFIX=/usr >/dev/null
	files=$(cd "$dest" && find . -type f | sed 's|^\.||' | sort)
	[ "$(wc -l <<<"$files")" -ge 4 ]
	run make -C "$REPO" -s uninstall DESTDIR="$dest" PREFIX=/usr
	[ "$status" -eq 0 ]
	named=$(sed -n "s|^removed '$dest\(.*\)'\$|\1|p" <<<"$output" | sort)
	diff <(echo "$files") <(echo "$named")
	run make -C "$REPO" -s uninstall DESTDIR="$dest" PREFIX=/usr
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
