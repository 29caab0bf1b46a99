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
#     util-linux (nsenter, setpriv), procps, iproute2 (the client network
#     namespace of the guide table and its veth pairs);
#   - /dev/net/tun mode 666 when it is not (no udev here): rootless
#     slirp4netns needs it;
#   - a rootless benchmark user (default "sa-bench", override BENCH_USER)
#     with subordinate uid/gid ranges, used only by the benchmark, so the
#     image tests' user (sa-images-test) and its podman pause process are
#     never touched by a benchmark running at the same time.
set -eu

BENCH_USER=${BENCH_USER:-sa-bench}
here=$(cd "$(dirname "$0")" && pwd)

DEPS_NAME=deps-modes.sh
. "$here/../../tools/deps-lib.sh"

"$here/../../tools/deps-images.sh"
deps_install wrk gnuplot-nox iptables util-linux procps iproute2
deps_rootless_user "$BENCH_USER"
# Rootless slirp4netns (and pasta) open /dev/net/tun as the user. udev
# makes it 0666 on any normal distribution; machines without udev (these
# VMs) leave the kernel's 0600. Same mode as udev's, until the next boot.
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
	deps_as_root chmod 666 /dev/net/tun
	echo "deps-modes.sh: /dev/net/tun set to mode 666 (what udev does elsewhere)"
fi
echo "deps-modes.sh: ok (rootless user $BENCH_USER)"
