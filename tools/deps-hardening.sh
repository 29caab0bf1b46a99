#!/bin/sh
# Installs what the hardening tests need beyond tools/deps.sh: the hostile
# client tests (tests/3*.bats: slowhttptest), the whole-connection fuzzer
# (tests/05-fuzz-conn.bats: clang with libFuzzer), the soak run (make soak:
# wrk) and the valgrind pass (make check-valgrind). Idempotent: installs only
# what is missing, so a second run costs a second. Needs root (or sudo).
set -eu

pkgs="slowhttptest wrk valgrind clang libclang-rt-dev socat curl python3
procps iproute2 util-linux"

# libFuzzer's runtime is versioned on Debian 12 (libclang-rt-14-dev); the
# unversioned name only exists from Debian 13 on.
rt=libclang-rt-dev
if ! apt-cache show libclang-rt-dev >/dev/null 2>&1; then
	v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
	rt=libclang-rt-${v:-14}-dev
fi
pkgs=$(echo "$pkgs" | sed "s/libclang-rt-dev/$rt/")

missing=
for p in $pkgs; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "deps-hardening.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Other jobs on the machine may hold the dpkg lock for a while: wait.
	$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends $missing >/dev/null
fi
echo "deps-hardening.sh: packages present"
