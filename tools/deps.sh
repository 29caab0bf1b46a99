#!/bin/sh
# Installs what building and testing need on Debian 12 or newer (and
# Ubuntu). Idempotent: packages already present are not reinstalled, so a
# second run costs a second. Needs root (or sudo).
set -eu

pkgs="build-essential pkg-config libsystemd-dev libevent-dev systemd
bats socat curl python3 iproute2 procps clang libclang-rt-dev valgrind"

# llhttp: Debian 13 and later ship the library; Debian 12 ships its C
# sources in node-llhttp, which the Makefile compiles in.
missing=""
for p in $pkgs; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
have_llhttp() {
	dpkg-query -W -f '${Status}' libllhttp-dev 2>/dev/null | grep -q 'ok installed' ||
	dpkg-query -W -f '${Status}' node-llhttp 2>/dev/null | grep -q 'ok installed'
}
if [ -n "$missing" ] || ! have_llhttp; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	if ! have_llhttp; then
		if apt-cache show libllhttp-dev >/dev/null 2>&1; then
			missing="$missing libllhttp-dev"
		else
			missing="$missing node-llhttp"
		fi
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The container image tests need podman and a way to build an offline base
# image; tools/deps-images.sh knows the details.
here=$(dirname "$0")
"$here/deps-images.sh"
# Hostile-client tests (slowhttptest, wrk) and the network-mode benchmark's
# smoke test (gnuplot, iptables, a rootless benchmark user).
"$here/deps-hardening.sh"
"$here/../tests/bench/deps-modes.sh"
echo "dependencies installed"
