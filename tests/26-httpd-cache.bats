#!/usr/bin/env bats
# socket-activate-httpd's open-file cache (httpd/cache.c): files that change
# under the server. The documented bound: a cached file is checked against
# the disk at most a second after its last check, so every request made
# more than a second after a change gets the new state. The sleeps below
# wait out that bound: they are the behaviour under test.
load helpers
load fixtures/httpd/helpers

# Longer than the cache's check interval (1 s), with room for a loaded
# machine's scheduling.
BOUND=1.3

get() { curl -s -m 5 "$URL/$1"; }
code() { curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/$1"; }

# cached NAME CONTENT: the server has NAME cached with CONTENT.
cached() {
	[ "$(get "$1")" = "$2" ]
	[ "$(get "$1")" = "$2" ]
}

# big_cached: a 300 KB big.bin (too big for memory: the cache keeps it
# open), served once whole.
big_cached() {
	make_site
	head -c 300000 /dev/urandom >"$WWW/big.bin"
	start_httpd
	curl -s -o first.out "$URL/big.bin"
	cmp first.out "$WWW/big.bin"
}

@test "cache: a file replaced by rename (the way deploys do it) is served new after the bound" {
	start_httpd
	cached hello.txt "hello, world"
	printf 'version 2\n' >"$WWW/.hello.tmp"
	mv "$WWW/.hello.tmp" "$WWW/hello.txt"
	sleep "$BOUND"
	[ "$(get hello.txt)" = "version 2" ]
	# And its validators are the new file's.
	run curl -s -I "$URL/hello.txt"
	grep -qF "ETag: $(etag_of "$WWW/hello.txt")" <<<"${output//$'\r'/}"
}

@test "cache: a file rewritten in place (same inode, same size) is served new after the bound" {
	start_httpd
	cached hello.txt "hello, world"
	# Same length, same second: only the content and ctime/mtime in ns differ.
	printf 'HELLO, WORLD\n' >"$WWW/hello.txt"
	sleep "$BOUND"
	[ "$(get hello.txt)" = "HELLO, WORLD" ]
}

@test "cache: a truncated file is served whole as it was or whole as it is, never cut, and as it is after the bound" {
	start_httpd
	cached data.bin 0123456789abcdefghijklmnopqrstuvwxyz
	: >"$WWW/data.bin"
	run curl -s -i "$URL/data.bin"
	# Within the bound: either version, complete (Content-Length matches).
	len=$(tr -d '\r' <<<"$output" | sed -n 's/^Content-Length: //p')
	[ "$len" = 36 ] || [ "$len" = 0 ]
	sleep "$BOUND"
	run curl -s -i "$URL/data.bin"
	tr -d '\r' <<<"$output" | grep -qx 'Content-Length: 0'
}

@test "cache: a deleted file gets 404 after the bound" {
	start_httpd
	cached hello.txt "hello, world"
	rm "$WWW/hello.txt"
	sleep "$BOUND"
	[ "$(code hello.txt)" = 404 ]
	# And a file put back under the name is served again.
	printf 'back\n' >"$WWW/hello.txt"
	[ "$(get hello.txt)" = back ]
}

@test "cache: a retargeted symlink serves its new target after the bound, and one retargeted out of the root gets 404" {
	make_site
	mkdir "$WWW/v1" "$WWW/v2"
	printf 'one\n' >"$WWW/v1/page.txt"
	printf 'two\n' >"$WWW/v2/page.txt"
	ln -s v1 "$WWW/current"
	start_httpd
	[ "$(get hello.txt)" = "hello, world" ]
	need_openat2
	cached current/page.txt one
	ln -sfn v2 "$WWW/current.new" && mv -T "$WWW/current.new" "$WWW/current"
	sleep "$BOUND"
	[ "$(get current/page.txt)" = two ]
	# Out of the root: the revalidation resolves below the root too.
	mkdir "$BATS_TEST_TMPDIR/outside"
	cp "$BATS_TEST_TMPDIR/secret.txt" "$BATS_TEST_TMPDIR/outside/page.txt"
	ln -sfn "$BATS_TEST_TMPDIR/outside" "$WWW/current.new" && mv -T "$WWW/current.new" "$WWW/current"
	sleep "$BOUND"
	run curl -s "$URL/current/page.txt"
	[[ "$output" != *"$SECRET_MARK"* ]]
	[ "$(code current/page.txt)" = 404 ]
}

@test "cache: a directory's index, replaced, is served new after the bound; removed, the directory gets 403" {
	make_site
	printf 'first\n' >"$WWW/sub/index.html"
	start_httpd
	cached sub/ first
	printf 'index\n' >"$WWW/sub/.index.tmp"
	mv "$WWW/sub/.index.tmp" "$WWW/sub/index.html"
	sleep "$BOUND"
	[ "$(get sub/)" = index ]
	rm "$WWW/sub/index.html"
	sleep "$BOUND"
	[ "$(code sub/)" = 403 ]
}

@test "cache: a large file (kept open, not in memory) replaced by rename is served new after the bound" {
	big_cached
	head -c 200000 /dev/urandom >"$WWW/.big.tmp"
	mv "$WWW/.big.tmp" "$WWW/big.bin"
	sleep "$BOUND"
	curl -s -o second.out "$URL/big.bin"
	cmp second.out "$WWW/big.bin"
	# A range of it comes from the new file too.
	curl -s -r 1000-1999 -o range.out "$URL/big.bin"
	cmp range.out <(tail -c +1001 "$WWW/big.bin" | head -c 1000)
}

@test "cache: a file made unreadable gets 403 after the bound" {
	# Root reads any file: as root, the server runs as nobody.
	make_site
	unprivileged
	start_httpd
	cached hello.txt "hello, world"
	chmod 000 "$WWW/hello.txt"
	sleep "$BOUND"
	[ "$(code hello.txt)" = 403 ]
}

@test "cache: with room for 2 files, 6 files in turn are each served whole and right" {
	make_site
	for i in 1 2 3 4 5 6; do printf 'file %d\n' "$i" >"$WWW/f$i.txt"; done
	head -c 100000 /dev/urandom >"$WWW/big1.bin"
	head -c 100000 /dev/urandom >"$WWW/big2.bin"
	start_httpd --cache-entries 2 --cache-memory 20
	for round in 1 2 3; do
		for i in 1 2 3 4 5 6; do
			[ "$(get "f$i.txt")" = "file $i" ]
		done
		for b in big1 big2; do
			curl -s -o "$b.out" "$URL/$b.bin"
			cmp "$b.out" "$WWW/$b.bin"
		done
	done
}

@test "cache: --cache-entries 0 opens every file anew and serves changes at once" {
	start_httpd --cache-entries 0
	[ "$(get hello.txt)" = "hello, world" ]
	printf 'now\n' >"$WWW/hello.txt"
	[ "$(get hello.txt)" = now ]
}

@test "cache: conditional and range requests on a cached file answer from its validators" {
	start_httpd
	cached data.bin 0123456789abcdefghijklmnopqrstuvwxyz
	etag=$(etag_of "$WWW/data.bin")
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL/data.bin")" = 304 ]
	[ "$(curl -s -r 10-15 "$URL/data.bin")" = abcdef ]
	[ "$(curl -s -r -3 "$URL/data.bin")" = xyz ]
}

@test "cache: a large file changed in place is never sent with the validators of the version before" {
	big_cached
	# Same inode, same size: ten bytes rewritten in the middle, at once.
	printf 'CHANGED!!!' | dd of="$WWW/big.bin" bs=1 seek=150000 conv=notrunc status=none
	curl -s -D head.out -o second.out "$URL/big.bin"
	cmp second.out "$WWW/big.bin"
	grep -qF "ETag: $(etag_of "$WWW/big.bin")" <(tr -d '\r' <head.out)
}
