#!/usr/bin/env bats
# socket-activate-httpd --diagnostics: one page in three forms, chosen by
# Accept (media ranges, qvalues) or ?format=, always with Vary: Accept.
# Plain text stays what curl always got; HTML for browsers, JSON for
# scripts, each escaped whatever bytes a socket's name or path holds.
# (In a real browser: tests/70-browser.bats.)
load helpers
load fixtures/httpd/helpers

DIAG=/.well-known/socket-activate
# What Chromium sends for a page it navigates to.
BROWSER_ACCEPT='text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'

# refute COMMAND...: COMMAND fails (a bare "! COMMAND" never fails a bats
# test).
refute() {
	if "$@"; then
		echo "unexpectedly true: $*"
		return 1
	fi
}

# json_check FILE PYTHON: PYTHON runs with the parsed document in d (strict
# JSON: no NaN, no lone surrogates); an assert that fails says what was
# there.
json_check() {
	python3 - "$1" "$2" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read()
def strict(s):
    raise ValueError("not JSON: " + s)
d = json.loads(raw.decode("utf-8"), parse_constant=strict)
try:
    exec(sys.argv[2], {"d": d})
except AssertionError:
    print(json.dumps(d, indent=2))
    raise
PY
}

@test "diag: curl gets the plain text page, byte for byte as before, with Vary: Accept" {
	start_httpd --diagnostics
	curl -s -i "$URL$DIAG" >out
	client=$(sed -n 's/^client address:  \(127\.0\.0\.1:[0-9]*\)$/\1/p' out)
	[ -n "$client" ]
	body="socket-activate-httpd diagnostics

client address:  $client
server address:  127.0.0.1:$PORT
socket address:  127.0.0.1:$PORT
socket family:   IPv4
fd name:         web
socket:          listening socket passed by systemd (Accept=no)
from systemd:    yes
request:         GET $DIAG HTTP/1.1

If the client address is not the address of your client, something
between them (a proxy, NAT, or a user-mode network such as slirp4netns
or rootlessport) replaced it."
	len=$((${#body} + 1))
	want="HTTP/1.1 200 OK
Server: socket-activate-httpd
Date: DATE
Content-Type: text/plain; charset=utf-8
Content-Length: $len
Cache-Control: no-store
Vary: Accept"
	diff -u <(echo "$want") <(heads <out)
	diff -u <(echo "$body") <(body <out)
	# The client address is the one the access log shows for it.
	wait_for 5 grep -q "\"GET $DIAG HTTP/1.1\" 200 $len .* peer=$client\$" "$(LOG)"
}

@test "diag: Accept text/plain, text/*, */* and ?format=text all get the text page" {
	start_httpd --diagnostics
	for a in 'text/plain' 'text/*' '*/*' 'text/plain;q=0.5, application/json;q=0.4' ''; do
		run curl -s -D "$BATS_TEST_TMPDIR/h" -H "Accept: $a" "$URL$DIAG"
		echo "Accept: $a"
		[[ "${lines[0]}" == "socket-activate-httpd diagnostics" ]]
		grep -qx $'Content-Type: text/plain; charset=utf-8\r' "$BATS_TEST_TMPDIR/h"
	done
	run curl -s -H 'Accept: application/json' "$URL$DIAG?format=text"
	[[ "${lines[0]}" == "socket-activate-httpd diagnostics" ]]
}

@test "diag: Accept application/json and ?format=json give JSON with the connection's facts" {
	start_httpd --diagnostics
	curl -s -D h1 -H 'Accept: application/json' "$URL$DIAG" >a.json
	grep -qx $'Content-Type: application/json\r' h1
	grep -qx $'Vary: Accept\r' h1
	grep -qx $'Cache-Control: no-store\r' h1
	curl -s -D h2 "$URL$DIAG?x=1&format=json" >b.json
	grep -qx $'Content-Type: application/json\r' h2
	grep -qx $'Vary: Accept\r' h2
	peer=$(sed -n "s/^.*\"GET ${DIAG//\//\\/} HTTP\/1.1\" 200 .* peer=\(.*\)$/\1/p" "$(LOG)")
	[ -n "$peer" ]
	json_check a.json "
c = d['client']
assert c['address'] == '$peer', c
assert c['host'] == '127.0.0.1' and c['address'] == '127.0.0.1:%d' % c['port'], c
assert c['pid'] is None and c['uid'] is None, c
assert d['server'] == 'socket-activate-httpd', d
assert d['server_address'] == '127.0.0.1:$PORT', d
s = d['socket']
assert s == {'fd_name': 'web', 'address': '127.0.0.1:$PORT', 'family': 'IPv4',
    'from_systemd': True, 'accept': 'no',
    'description': 'listening socket passed by systemd (Accept=no)'}, s
assert d['request'] == {'method': 'GET', 'target': '$DIAG', 'version': 'HTTP/1.1'}, d
assert isinstance(d['container']['detected'], bool)
"
	json_check b.json "assert d['request']['target'] == '$DIAG?x=1&format=json', d"
}

@test "diag: a browser's Accept gets HTML, escaped, under a Content-Security-Policy that allows only its own style" {
	make_site
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	activate -l 127.0.0.1:$PORT --fdname='<b>&"x'"'" "$HTTPD_BIN" --root "$WWW" --diagnostics
	curl -s -D h -H "Accept: $BROWSER_ACCEPT" "$URL$DIAG?q=a&b" >page.html
	grep -qx $'Content-Type: text/html; charset=utf-8\r' h
	grep -qx $'Vary: Accept\r' h
	csp=$(sed -n 's/^Content-Security-Policy: \(.*\)\r$/\1/p' h)
	echo "CSP: $csp"
	[[ "$csp" == "default-src 'none'; style-src 'sha256-"*"'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" ]]
	# The one inline style is the one the hash allows (diag.c's
	# DIAG_STYLE_HASH must change with DIAG_STYLE).
	hash=$(python3 -c 'import base64, hashlib, re, sys
s = re.search(r"<style>(.*?)</style>", open(sys.argv[1]).read(), re.S).group(1)
print(base64.b64encode(hashlib.sha256(s.encode()).digest()).decode())' page.html)
	echo "style hash: sha256-$hash"
	[[ "$csp" == *"'sha256-$hash'"* ]]
	[ "$(grep -c '<style>' page.html)" -eq 1 ]
	refute grep -qi '<script\|<link\|<img\|src=\|url(' page.html
	# The fd name as the logs carry it (common/logesc.c: '"' as \x22),
	# then escaped for HTML.
	grep -qF '<td id="fd-name">&lt;b&gt;&amp;\x22x&#39;</td>' page.html
	grep -qF '<td id="request">GET /.well-known/socket-activate?q=a&amp;b HTTP/1.1</td>' page.html
	grep -qE '<td id="client">127\.0\.0\.1:[0-9]+</td>' page.html
	grep -qF '<td id="family">IPv4</td>' page.html
	grep -qF '<a href="?format=json">JSON</a>' page.html
	python3 -c 'import html.parser, sys; html.parser.HTMLParser().feed(open(sys.argv[1]).read())' page.html
	# ?format=html, whatever Accept says.
	run curl -s -H 'Accept: application/json' "$URL$DIAG?format=html"
	[[ "${lines[0]}" == "<!doctype html>" ]]
}

@test "diag: quotes, control characters and non-UTF-8 bytes of a Unix socket path stay valid JSON, and the client's pid and uid come along" {
	make_site
	dir=$BATS_TEST_TMPDIR/s
	mkdir "$dir"
	sock=$dir/$'q"\\<\x01\xff>.sock'
	bg "$HTTPD_BIN" --root "$WWW" --diagnostics --listen "$sock"
	wait_for 5 test -S "$sock"
	curl -s --unix-socket "$sock" -H 'Accept: application/json' "http://x$DIAG" >d.json
	# The path as the logs show it (common/addr.c escapes a Unix name
	# where its bytes become text: '"', '\\', control and non-ASCII bytes
	# as \xHH), then escaped for JSON.
	json_check d.json "
import os
want = '$dir/' + 'q\\\\x22\\\\x5c<\\\\x01\\\\xff>.sock'
s = d['socket']
assert s['fd_name'] == want and s['address'] == want, (s, want)
assert s['family'] == 'Unix' and s['from_systemd'] is False and s['accept'] is None, s
c = d['client']
assert c['address'] == 'unnamed' and c['host'] == 'unnamed' and c['port'] is None, c
assert c['uid'] == os.getuid() and isinstance(c['pid'], int) and c['pid'] > 0, c
"
	# No raw control or non-ASCII byte on the wire.
	refute env LC_ALL=C grep -qP '[\x00-\x1f\x7f-\xff]' <(tr -d '\n' <d.json)
	# In HTML, the same name is escaped for HTML.
	curl -s --unix-socket "$sock" "http://x$DIAG?format=html" >d.html
	grep -qF '<td id="fd-name">'"$dir"'/q\x22\x5c&lt;\x01\xff&gt;.sock</td>' d.html
}

@test "diag: Accept=yes, and --listen, say how the socket came" {
	make_site
	PORT=$(free_port)
	activate -a -l 127.0.0.1:$PORT --fdname=conn "$HTTPD_BIN" --root "$WWW" --diagnostics
	curl -s "http://127.0.0.1:$PORT$DIAG?format=json" >a.json
	json_check a.json "assert d['socket']['accept'] == 'yes' and d['socket']['from_systemd'] is True and d['socket']['fd_name'] == 'conn', d['socket']"
	PORT2=$(free_port)
	bg "$HTTPD_BIN" --root "$WWW" --listen "[::1]:$PORT2" --diagnostics
	wait_for 5 curl -sf -o /dev/null -g "http://[::1]:$PORT2/"
	curl -s -g "http://[::1]:$PORT2$DIAG?format=json" >b.json
	json_check b.json "
s, c = d['socket'], d['client']
assert s['accept'] is None and s['from_systemd'] is False and s['family'] == 'IPv6', s
assert s['fd_name'] == '[::1]:$PORT2' and d['server_address'] == '[::1]:$PORT2', d
assert c['host'] == '::1' and c['address'] == '[::1]:%d' % c['port'], c
"
}

@test "diag: q=0 makes a form unacceptable; nothing acceptable is 406 saying what is, with Vary: Accept" {
	start_httpd --diagnostics
	run curl -s -H 'Accept: text/plain;q=0, text/*' "$URL$DIAG"
	[[ "${lines[0]}" == "<!doctype html>" ]]
	run curl -s -H 'Accept: */*, text/*;q=0' "$URL$DIAG"
	[[ "${lines[0]}" == "{" ]]
	for a in 'image/png' '*/*;q=0' 'text/plain;q=0, text/html;q=0, application/json;q=0'; do
		run curl -s -i -H "Accept: $a" "$URL$DIAG"
		echo "Accept: $a"
		echo "$output"
		[[ "${lines[0]}" == $'HTTP/1.1 406 Not Acceptable\r' ]]
		has_lines $'Vary: Accept\r' $'Cache-Control: no-store\r' \
			'406 Not Acceptable: this page is text/plain, text/html or application/json (or ?format=text, html or json)'
	done
	# An explicit ?format= is an answer to what Accept would refuse.
	run curl -s -H 'Accept: image/png' "$URL$DIAG?format=json"
	[[ "${lines[0]}" == "{" ]]
}

@test "diag: a malformed Accept, an unknown or repeated ?format= is 400 and says why; the connection goes on" {
	start_httpd --diagnostics -d
	for a in 'text/html;q=2' 'text' '*/html' 'text/html;q=0.5;q=0.6' 'text/html;charset="x'; do
		run curl -s -i -H "Accept: $a" "$URL$DIAG"
		echo "Accept: $a -> ${lines[0]}"
		[[ "${lines[0]}" == $'HTTP/1.1 400 Bad Request\r' ]]
		has_lines $'Vary: Accept\r' '400 Bad Request: the Accept field does not parse'
	done
	for q in 'format=xml' 'format=JSON' 'format=' 'format' 'format=json&format=json'; do
		run curl -s -i "$URL$DIAG?$q"
		echo "?$q -> ${lines[0]}"
		[[ "${lines[0]}" == $'HTTP/1.1 400 Bad Request\r' ]]
		has_lines '400 Bad Request: format= takes text, html or json, once'
	done
	# Refused on the page, not on the connection: the next request works.
	run curl -s -w '%{http_code} %{num_connects}\n' \
		-o /dev/null "$URL$DIAG?format=xml" -o /dev/null "$URL$DIAG?format=json"
	[ "${lines[0]}" = "400 1" ]
	[ "${lines[1]}" = "200 0" ]
	grep -q "^web (fd [0-9]*): 127.0.0.1:[0-9]*: 400: format= takes text, html or json, once$" "$(LOG)"
	grep -q "^web (fd [0-9]*): 127.0.0.1:[0-9]*: 400: the Accept field does not parse$" "$(LOG)"
}

# head_then_get TARGET [FIELD]: HEAD then GET of TARGET on one connection
# (one client address, so one page), FIELD in both; prints the
# Content-Length each announced and the length of GET's body.
head_then_get() {
	raw -- "HEAD $1 HTTP/1.1\r\nHost: x\r\n${2:+$2\r\n}\r\nGET $1 HTTP/1.1\r\nHost: x\r\n${2:+$2\r\n}Connection: close\r\n\r\n" |
		python3 -c '
import sys
d = sys.stdin.buffer.read()
h1, _, rest = d.partition(b"\r\n\r\n")
h2, _, body = rest.partition(b"\r\n\r\n")
def fields(h):
    return [l for l in h.split(b"\r\n")[1:] if not l.startswith((b"Date:", b"Connection:"))]
def length(h):
    return [int(l[16:]) for l in h.split(b"\r\n") if l.startswith(b"Content-Length: ")][0]
assert fields(h1) == fields(h2), (h1, h2)
print(length(h1), length(h2), len(body))'
}

@test "diag: HEAD gets the headers of GET for each form, Content-Length included, and no body" {
	start_httpd --diagnostics
	for f in text html json; do
		run raw -- "HEAD $DIAG?format=$f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
		[[ "${lines[0]}" == $'HTTP/1.1 200 OK\r' ]]
		[ -z "$(body <<<"$output")" ]
		# The page echoes the request line: HEAD's must be the length of
		# GET's page, not of a page that says HEAD (RFC 9110 9.3.2).
		run head_then_get "$DIAG?format=$f"
		echo "$f: HEAD, GET, GET's body: $output"
		[ "$status" -eq 0 ]
		read -r lh lg lb <<<"$output"
		[ "$lh" -eq "$lb" ] && [ "$lg" -eq "$lb" ] && [ "$lb" -gt 400 ]
	done
	for a in text/plain text/html application/json; do
		run head_then_get "$DIAG" "Accept: $a"
		echo "$a: HEAD, GET, GET's body: $output"
		[ "$status" -eq 0 ]
		read -r lh lg lb <<<"$output"
		[ "$lh" -eq "$lb" ] && [ "$lg" -eq "$lb" ]
	done
}

@test "diag: two Accept lines are 400 on the diagnostics page, which does not combine them, and change nothing for files" {
	start_httpd --diagnostics
	run raw -- "GET $DIAG HTTP/1.1\\r\\nHost: x\\r\\nAccept: */*\\r\\nAccept: text/html\\r\\n\\r\\n"
	[[ "${lines[0]}" == $'HTTP/1.1 400 Bad Request\r' ]]
	[[ "$output" == *"Accept in one line"* ]]
	# A list field may come in several lines (RFC 9110 5.3): a file does
	# not depend on it, so it is served.
	run raw -- "GET /hello.txt HTTP/1.1\\r\\nHost: x\\r\\nAccept: */*\\r\\nAccept: text/html\\r\\n\\r\\n"
	[[ "${lines[0]}" == $'HTTP/1.1 200 OK\r' ]]
	# Files do not depend on Accept.
	run curl -s -i -H 'Accept: image/png' "$URL/hello.txt"
	[[ "${lines[0]}" == $'HTTP/1.1 200 OK\r' ]]
	[[ "$output" != *"Vary:"* ]]
}

@test "diag: whether it runs in a container is what the server saw at start: \$container, /run/.containerenv, /.dockerenv" {
	make_site
	PORT=$(free_port)
	# systemd-socket-activate passes on only what -E names.
	activate -l 127.0.0.1:$PORT -E container=sa-test-box "$HTTPD_BIN" --root "$WWW" --diagnostics
	curl -s "http://127.0.0.1:$PORT$DIAG?format=json" >a.json
	json_check a.json "
import os
c = d['container']
assert c == {'detected': True, 'containerenv': os.path.exists('/run/.containerenv'),
    'dockerenv': os.path.exists('/.dockerenv'), 'variable': 'sa-test-box'}, c
"
	curl -s "http://127.0.0.1:$PORT$DIAG?format=html" >a.html
	grep -q '<td id="container">yes (.*container=sa-test-box)</td>' a.html
	PORT2=$(free_port)
	bg systemd-socket-activate -l 127.0.0.1:$PORT2 "$HTTPD_BIN" --root "$WWW" --diagnostics
	wait_for 5 curl -sf -o /dev/null "http://127.0.0.1:$PORT2/"
	curl -s "http://127.0.0.1:$PORT2$DIAG?format=json" >b.json
	json_check b.json "
import os
files = os.path.exists('/run/.containerenv') or os.path.exists('/.dockerenv')
c = d['container']
assert c['variable'] is None and c['detected'] == files, c
"
	if [ -e /run/.containerenv ] || [ -e /.dockerenv ]; then
		note "this machine is itself a container ($(ls -d /run/.containerenv /.dockerenv 2>/dev/null | tr '\n' ' ')): the server says so"
	else
		curl -s "http://127.0.0.1:$PORT2$DIAG?format=html" >b.html
		grep -qF '<td id="container">no sign of one (no /run/.containerenv, no /.dockerenv, no container= in the environment)</td>' b.html
	fi
}

@test "diag: the network interfaces are those of the server's network namespace at start" {
	[ "$(id -u)" -eq 0 ] || skip "needs root (unshare --net, ip link add)"
	command -v unshare >/dev/null && command -v ip >/dev/null || skip "needs unshare and ip"
	make_site
	sock=$BATS_TEST_TMPDIR/d.sock
	# A namespace of its own, with lo and a veth pair; a Unix socket
	# reaches it from here.
	bg unshare --net sh -c 'ip link add sa-test0 type veth peer name sa-test1 && exec "$@"' sh \
		"$HTTPD_BIN" --root "$WWW" --diagnostics --listen "$sock"
	wait_for 5 test -S "$sock"
	curl -s --unix-socket "$sock" "http://x$DIAG?format=json" >a.json
	json_check a.json "assert sorted(d['network_interfaces']) == ['lo', 'sa-test0', 'sa-test1'], d['network_interfaces']"
	curl -s --unix-socket "$sock" "http://x$DIAG?format=html" >a.html
	grep -qE '<td id="interfaces">lo, sa-test[01], sa-test[01]</td>' a.html
}
