#!/bin/sh
# Installs what this project needs on Debian 12 or newer (and Ubuntu); see
# usage() below, or tools/deps.sh --help.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
DEPS_NAME=deps.sh
. "$here/deps-lib.sh"

usage() {
	cat <<'EOF'
Usage: tools/deps.sh [--test]
       tools/deps.sh --remove
Installs the Debian packages this project needs (Debian 12 or newer,
Ubuntu), only those missing: a second run takes a second and needs
neither root nor the network. Run it as root, or as a user with sudo (it
asks for root only when something is missing).

  (no option)  what building, running and `make demo` need: gcc, make,
               libc6-dev, pkg-config, libsystemd-dev, libevent-dev,
               libseccomp-dev, systemd (for systemd-socket-activate),
               socat (the echo demo's client), and llhttp:
               libllhttp-dev where the release has it; else (Debian 12)
               the C sources of Debian's node-llhttp, fetched with
               apt-get download and unpacked into
               /var/cache/socket-activate/llhttp, without Node.js
  --test       also what the whole test suite (make check, make
               check-all) and the benchmarks need: bats, curl, python3,
               clang and libFuzzer, valgrind, gcovr, chromium, qemu and a
               kernel package for the vsock VM, podman and debootstrap
               for the images and labs, wrk, lighttpd, nginx-light and
               the rest (tools/deps-images.sh, tests/bench/deps-*.sh);
               the users sa-suite-test, sa-images-test and sa-bench
  --remove     undo it (tools/deps-remove.sh): the users and caches
               these scripts made, the images the tests and `make
               images` built, and the packages these scripts installed
               (recorded in /var/lib/socket-activate/packages); says
               what it removes, one line each
EOF
}

full=0
[ $# -le 1 ] || { usage >&2; exit 2; }
case "${1:-}" in
"") ;;
--test) full=1 ;;
--remove) exec "$here/deps-remove.sh" ;;
-h | --help) usage; exit 0 ;;
*) usage >&2; exit 2 ;;
esac

# Whatever happens below, the packages this run added are recorded, so
# that --remove takes away these and no others.
deps_snapshot
trap deps_record EXIT

# The choices below ask apt-cache what this release has: on a machine or
# container that never ran apt-get update it knows nothing, and would pick
# Debian 12's names on Debian 13.
apt_lists() {
	[ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null)" ] ||
		deps_as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get -o DPkg::Lock::Timeout=600 update -q
}

# Building and running: a C compiler and the libraries; systemd for
# systemd-socket-activate; socat for the echo demo's commands. Not
# build-essential: g++ and dpkg-dev are about 30 MB nobody here uses. Not
# curl: 10 packages on a minimal Debian for one of the demo's clients,
# which a browser replaces (the demo says so when curl is missing). On a
# fresh Debian 12 minbase this list is 67 packages, 61 MB downloaded, of
# which gcc is 25 packages and 46 MB, and systemd (there on any installed
# Debian) 11 and 6 MB.
pkgs="gcc make libc6-dev pkg-config libsystemd-dev libevent-dev libseccomp-dev
systemd socat"

# llhttp: Debian 13 and later ship the library. Debian 12 ships its C
# sources only in node-llhttp, which depends on Node.js (about 25 MB more
# than this whole list): the Makefile compiles the sources in, from
# /usr/share/llhttp when node-llhttp is installed, else from the same
# package unpacked into the cache (fetch_llhttp).
llhttp=
if [ -z "$(deps_missing libllhttp-dev)" ] || [ -z "$(deps_missing node-llhttp)" ] ||
	deps_llhttp_cached; then
	:
else
	apt_lists
	if apt-cache show libllhttp-dev >/dev/null 2>&1; then
		pkgs="$pkgs libllhttp-dev"
	else
		llhttp=fetch
	fi
fi

if [ "$full" = 1 ]; then
	# Tests: bats and the clients they drive; gcovr for make coverage;
	# clang with libFuzzer's runtime, valgrind, slowhttptest and wrk for
	# the fuzz, valgrind, hostile-client and soak runs; groff-base to
	# check that the man pages format cleanly (tests/06-docs.bats).
	pkgs="$pkgs gcovr bats curl python3 iproute2 procps util-linux clang valgrind
slowhttptest wrk groff-base"
	# The browser tests (tests/27-httpd-browser.bats, tests/70-browser.bats)
	# and make screenshots: Debian's chromium, headless. The biggest package
	# here: on Debian 12 with the rest of this script's packages already
	# there, 131 packages, 166 MB downloaded, 612 MB on disk, 15 s to
	# install. Ubuntu has it only as a snap: there the browser tests skip.
	if [ -z "$(deps_missing chromium)" ] || { apt_lists && apt-cache show chromium >/dev/null 2>&1; }; then
		pkgs="$pkgs chromium"
	else
		echo "$DEPS_NAME: no chromium package here: the browser tests will skip"
	fi
	# The vsock VM (tests/60-vsock-vm.bats): qemu-system-x86 is the name on
	# Debian 12 and 13 (13 adds a virtual qemu-system-x86-64).
	pkgs="$pkgs qemu-system-x86 busybox-static cpio"
	# libFuzzer's runtime: libclang-rt-dev where it exists, else the
	# package of the installed clang's version (libclang-rt-14-dev on
	# Debian 12).
	if [ -n "$(deps_missing libclang-rt-dev)" ]; then
		apt_lists
		if apt-cache show libclang-rt-dev >/dev/null 2>&1; then
			pkgs="$pkgs libclang-rt-dev"
		else
			v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
			pkgs="$pkgs libclang-rt-${v:-14}-dev"
		fi
	fi
fi

# shellcheck disable=SC2086
deps_install $pkgs
[ -z "$llhttp" ] || deps_fetch_llhttp

if [ "$full" = 0 ]; then
	echo "$DEPS_NAME: what building, running and make demo need is installed" \
		"(tools/deps.sh --test adds what the tests and benchmarks need)"
	exit 0
fi

# The vsock VM's kernel: the package linux-image-amd64 depends on,
# downloaded (apt-get download) into /var/cache/socket-activate, not
# installed.
# Asking apt which kernel that is takes seconds where apt keeps no cache
# (Debian's container images): only when its lists changed since.
vm=$here/../tests/vsock/vm.sh
# shellcheck disable=SC2012
kernel=$(ls -t /var/cache/socket-activate/linux-image-*.deb 2>/dev/null | head -1)
if [ -n "$kernel" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 0 -newermc "$kernel" 2>/dev/null)" ]; then
	echo "$DEPS_NAME: vsock VM kernel present (apt's lists unchanged since it was fetched)"
elif "$vm" has-kernel; then
	echo "$DEPS_NAME: vsock VM kernel present"
else
	deps_as_root "$vm" fetch-kernel
fi

# tests/run-all's unprivileged pass runs the suite as this user (no
# login, no password; a system user with a home of its own).
if ! id sa-suite-test >/dev/null 2>&1; then
	deps_as_root useradd --system --create-home --shell /usr/sbin/nologin sa-suite-test
	echo "$DEPS_NAME: created user sa-suite-test (unprivileged test runs)"
fi

# The container image tests need podman and a way to build an offline base
# image, the network-modes benchmark and its smoke test a rootless user
# and more: deps-modes.sh runs tools/deps-images.sh first. make
# bench-httpd compares with lighttpd and nginx (deps-bench.sh).
"$here/../tests/bench/deps-modes.sh"
# (deps-bench.sh also stops the two servers' system services: once. It
# checks they are there with command -v: a user's PATH lacks /usr/sbin.)
if [ -n "$(deps_missing wrk lighttpd nginx-light)" ]; then
	PATH=$PATH:/usr/sbin:/sbin "$here/../tests/bench/deps-bench.sh"
fi
echo "$DEPS_NAME: what the tests and benchmarks need is installed"
