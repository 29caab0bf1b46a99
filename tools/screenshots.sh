#!/usr/bin/env bash
# make screenshots: PNGs of the demo page and of the diagnostics page as a
# reader sees them in Chromium, served socket-activated from the host (as
# make demo does) and from the -demo container image under
# `systemd-socket-activate ... podman run --network=none`, for
# documentation writers:
#   OUTDIR/demo-host.png  OUTDIR/diag-host.png
#   OUTDIR/demo-container.png  OUTDIR/diag-container.png
#
#   tools/screenshots.sh HTTPD_BIN OUTDIR [host|container|all]
#
# The container part builds the image first (make -f tools/images.mk
# image-httpd-demo; SCREENSHOTS_NO_BUILD=1 uses it as it is), and is
# skipped, saying why, where podman is missing. Podman's configuration
# comes from the environment (CONTAINERS_CONF is passed on). Environment:
# CHROMIUM, IMAGE_REPO (default localhost), SCREENSHOT_WIDTH (default 960).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
httpd_bin=${1:?usage: tools/screenshots.sh HTTPD_BIN OUTDIR [host|container|all]}
out=${2:?usage: tools/screenshots.sh HTTPD_BIN OUTDIR [host|container|all]}
what=${3:-all}
image=${IMAGE_REPO:-localhost}/socket-activate-httpd-demo:latest
width=${SCREENSHOT_WIDTH:-960}
case $what in host|container|all) ;; *) echo "screenshots: host, container or all, not $what" >&2; exit 2 ;; esac
if ! command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1; then
	echo "screenshots: ${CHROMIUM:-chromium} is not installed (tools/deps.sh --test installs Debian's chromium)" >&2
	exit 1
fi
mkdir -p "$out"
log=$(mktemp)
pid=
ctr=demo-screenshots-$$
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ "$what" != host ] && command -v podman >/dev/null 2>&1; then
		podman rm -f -t 0 --ignore "$ctr" >/dev/null 2>&1 || true
	fi
	rm -f "$log"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# serve COMMAND...: COMMAND socket-activated on a free loopback port (fd
# name "web"), in the background. Sets url.
serve() {
	local port
	port=$(free_port)
	url=http://127.0.0.1:$port
	: >"$log"
	systemd-socket-activate -l "127.0.0.1:$port" --fdname=web "$@" >>"$log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q "Listening on" "$log" && return 0
		sleep 0.05
	done
	echo "screenshots: systemd-socket-activate did not listen:" >&2
	cat "$log" >&2
	return 1
}

stop() {
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
}

# shoot NAME: the demo page and the diagnostics page at $url.
shoot() {
	"$here/browser.py" --timeout 90 --width "$width" --wait 'document.body.dataset.state' \
		--screenshot "$out/demo-$1.png" "$url/"
	"$here/browser.py" --timeout 30 --width "$width" \
		--screenshot "$out/diag-$1.png" "$url/.well-known/socket-activate"
	echo "screenshots: $out/demo-$1.png $out/diag-$1.png"
}

if [ "$what" != container ]; then
	serve "$httpd_bin" --root "$repo/httpd/demo-site" --diagnostics
	shoot host
	stop
fi
if [ "$what" != host ]; then
	if ! command -v podman >/dev/null 2>&1; then
		echo "screenshots: podman is not installed: no container screenshots (tools/deps.sh --test installs it)" >&2
		[ "$what" = all ] && exit 0
		exit 1
	fi
	if [ "${SCREENSHOTS_NO_BUILD:-0}" != 1 ]; then
		make -C "$repo" -f tools/images.mk image-httpd-demo IMAGE_REPO="${IMAGE_REPO:-localhost}"
	fi
	env_args=()
	[ -z "${CONTAINERS_CONF:-}" ] || env_args=(-E CONTAINERS_CONF)
	serve "${env_args[@]}" podman run --rm --network=none --name "$ctr" "$image"
	shoot container
	stop
fi
