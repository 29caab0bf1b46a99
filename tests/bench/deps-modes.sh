#!/bin/sh
# deps-modes.sh: install what `make bench` / `make bench-quick`
# (tests/bench/bench-modes.sh) need, idempotently. Run it as often as you
# like: it installs only what is missing and changes nothing else.
#
#   tests/bench/deps-modes.sh
#
# What it changes on the machine:
#   - through tools/deps-images.sh: podman, runc, uidmap, slirp4netns,
#     debootstrap, socat, curl (and its test-only containers.conf);
#   - Debian packages: wrk (HTTP load), gnuplot-nox (the chart),
#     iptables (CNI port forwarding of the rootful bridge mode),
#     util-linux (nsenter, setpriv), procps;
#   - /dev/net/tun mode 666 when it is not (no udev here): rootless
#     slirp4netns needs it;
#   - a rootless benchmark user (default "sa-bench", override BENCH_USER)
#     with subordinate uid/gid ranges, used only by the benchmark, so the
#     image tests' user (sa-images-test) and its podman pause process are
#     never touched by a benchmark running at the same time.
set -eu

BENCH_USER=${BENCH_USER:-sa-bench}
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "deps-modes.sh: needs root (apt-get, useradd)" >&2
	exit 1
fi

"$here/../../tools/deps-images.sh"

pkgs="wrk gnuplot-nox iptables util-linux procps"
missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "deps-modes.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Install from the current lists; update them only if that fails.
	# shellcheck disable=SC2086
	if ! apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing; then
		apt-get -o DPkg::Lock::Timeout=600 update -q
		# shellcheck disable=SC2086
		apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing
	fi
else
	echo "deps-modes.sh: packages present ($pkgs)"
fi

# The rootless benchmark user, with subordinate ranges above every other.
if ! id "$BENCH_USER" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/sh "$BENCH_USER"
	echo "deps-modes.sh: created rootless benchmark user $BENCH_USER"
fi
for f in /etc/subuid /etc/subgid; do
	touch "$f"
	if ! grep -q "^$BENCH_USER:" "$f"; then
		start=$(awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }' "$f")
		echo "$BENCH_USER:$start:65536" >>"$f"
	fi
done
# Rootless slirp4netns (and pasta) open /dev/net/tun as the user. udev
# makes it 0666 on any normal distribution; machines without udev (these
# VMs) leave the kernel's 0600. Same mode as udev's, until the next boot.
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
	chmod 666 /dev/net/tun
	echo "deps-modes.sh: /dev/net/tun set to mode 666 (what udev does elsewhere)"
fi
echo "deps-modes.sh: ok (rootless user $BENCH_USER)"
