#!/bin/sh
# Installs what building and testing need on Debian 12 or newer (and
# Ubuntu), then what the image, lab and benchmark tests need
# (tools/deps-images.sh, tests/bench/deps-modes.sh). Idempotent: what is
# present is left alone, so a second run costs a second and needs neither
# root nor the network. Run it as root, or as a user with sudo: it asks
# for root only when something is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
DEPS_NAME=deps.sh
. "$here/deps-lib.sh"

# Build: compiler, libsystemd, libevent, libseccomp, llhttp (below); gcovr
# for make coverage. Tests: bats and
# the clients they drive; clang with libFuzzer's runtime, valgrind,
# slowhttptest and wrk for the fuzz, valgrind, hostile-client and soak
# runs; systemd for systemd-socket-activate; groff-base to check that the
# man pages format cleanly (tests/06-docs.bats).
pkgs="build-essential pkg-config libsystemd-dev libevent-dev libseccomp-dev gcovr systemd
bats socat curl python3 iproute2 procps util-linux clang valgrind
slowhttptest wrk groff-base"
# The browser tests (tests/27-httpd-browser.bats, tests/70-browser.bats)
# and make screenshots: Debian's chromium, headless. The biggest package
# here: on Debian 12 with the rest of this script's packages already
# there, 131 packages, 166 MB downloaded, 612 MB on disk, 15 s to install.
# Ubuntu has it only as a snap: there the browser tests skip.
if [ -z "$(deps_missing chromium)" ] || apt-cache show chromium >/dev/null 2>&1; then
	pkgs="$pkgs chromium"
else
	echo "$DEPS_NAME: no chromium package here: the browser tests will skip"
fi
# The vsock VM (tests/60-vsock-vm.bats): qemu-system-x86 is the name on
# Debian 12 and 13 (13 adds a virtual qemu-system-x86-64).
pkgs="$pkgs qemu-system-x86 busybox-static cpio"
# The choices below ask apt-cache what this release has: on a machine or
# container that never ran apt-get update it knows nothing, and would pick
# Debian 12's names on Debian 13.
if ! ls /var/lib/apt/lists 2>/dev/null | grep -q '_Packages'; then
	deps_as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get -o DPkg::Lock::Timeout=600 update -q
fi
# libFuzzer's runtime: libclang-rt-dev where it exists, else the package
# of the installed clang's version (libclang-rt-14-dev on Debian 12).
if apt-cache show libclang-rt-dev >/dev/null 2>&1; then
	pkgs="$pkgs libclang-rt-dev"
else
	v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
	pkgs="$pkgs libclang-rt-${v:-14}-dev"
fi
# llhttp: Debian 13 and later ship the library; Debian 12 ships its C
# sources in node-llhttp, which the Makefile compiles in.
if [ -z "$(deps_missing libllhttp-dev)" ] || [ -z "$(deps_missing node-llhttp)" ]; then
	:
elif apt-cache show libllhttp-dev >/dev/null 2>&1; then
	pkgs="$pkgs libllhttp-dev"
else
	pkgs="$pkgs node-llhttp"
fi
# shellcheck disable=SC2086
deps_install $pkgs
# The vsock VM's kernel: the package linux-image-amd64 depends on,
# downloaded (apt-get download) into /var/cache/socket-activate, not
# installed.
vm=$here/../tests/vsock/vm.sh
if "$vm" has-kernel; then
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
# image, the benchmark and its smoke test a rootless user and more:
# deps-modes.sh runs tools/deps-images.sh first.
"$here/../tests/bench/deps-modes.sh"
echo "dependencies installed"
