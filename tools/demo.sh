#!/bin/sh
# make demo: the servers socket-activated on loopback, the way a systemd
# socket unit would start them, with the commands to try printed. Ctrl-C
# stops everything.
#   tools/demo.sh ECHO_BIN [HTTPD_BIN]
set -eu
echo_bin=$1
httpd_bin=${2:-}
port=${PORT:-3000}
http_port=${HTTP_PORT:-8080}
# The sockets' directory: the user's runtime directory, or one of its own
# in /tmp when there is none or another user already owns the usual one
# (a shared /tmp keeps the name of whoever ran the demo first).
dir=${XDG_RUNTIME_DIR:-/tmp}/socket-activate-demo
made=
if ! mkdir -p "$dir" 2>/dev/null || [ ! -O "$dir" ] || [ -L "$dir" ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/socket-activate-demo.XXXXXX")
	made=$dir
fi
rm -f "$dir/echo.sock" "$dir/httpd.sock"

pids=""
cleanup() {
	# shellcheck disable=SC2086
	[ -z "$pids" ] || kill $pids 2>/dev/null || true
	wait 2>/dev/null || true
	[ -z "$made" ] || rm -rf "$made"
}
trap cleanup EXIT INT TERM

# systemd-socket-activate gives one socket type per call: stream sockets in
# one, datagram sockets in another. Each starts the server on first use.
systemd-socket-activate -l 127.0.0.1:$port -l "[::1]:$port" -l "$dir/echo.sock" \
	--fdname=tcp4:tcp6:unix "$echo_bin" &
pids="$pids $!"
systemd-socket-activate -d -l 127.0.0.1:$port -l "[::1]:$port" \
	--fdname=udp4:udp6 "$echo_bin" &
pids="$pids $!"
if [ -n "$httpd_bin" ] && [ -x "$httpd_bin" ]; then
	root=$(cd "$(dirname "$0")/.." && pwd)/httpd/demo-site
	[ -d "$root" ] || root=$(pwd)
	systemd-socket-activate -l 127.0.0.1:$http_port -l "$dir/httpd.sock" \
		--fdname=http:unix "$httpd_bin" --root "$root" --diagnostics &
	pids="$pids $!"
fi
sleep 0.3
cat <<TXT

socket-activate-echo is waiting for its first client (systemd-socket-activate
holds the sockets and starts it on the first connection). Try:

  echo hello | socat - tcp4:127.0.0.1:$port
  echo hello | socat - tcp6:[::1]:$port
  echo hello | socat - udp4:127.0.0.1:$port
  echo hello | socat - udp6:[::1]:$port
  echo hello | socat - unix-connect:$dir/echo.sock
TXT
if [ -n "$httpd_bin" ] && [ -x "$httpd_bin" ]; then
	cat <<TXT

socket-activate-httpd serves $root. Open http://127.0.0.1:$http_port/ in
a browser: the page shows your address as the server saw it, live. Or:

  curl http://127.0.0.1:$http_port/
  curl --unix-socket $dir/httpd.sock http://localhost/
  curl http://127.0.0.1:$http_port/.well-known/socket-activate
  curl http://127.0.0.1:$http_port/.well-known/socket-activate?format=json
TXT
	# tools/deps.sh leaves curl out (a browser does as well).
	command -v curl >/dev/null 2>&1 ||
		echo "  (curl is not installed here: apt-get install curl)"
fi
cat <<TXT

Server logs appear below. Ctrl-C stops the demo.
TXT
wait
