#!/usr/bin/env bash
# make check-debian13: the suite's non-container tests on Debian 13
# (trixie: gcc 14, libllhttp via pkg-config, curl 8, Python 3.13), the way a
# new user there runs them: a clean copy of this tree (tracked and
# untracked files, never the host's build/), the distribution's own
# tools/deps.sh --test, `make WERROR=1`, then tests/run on the files below. The
# README promises "Debian 12 or newer"; this keeps the promise tested.
#
# Runs in a container of the trixie lab image (tests/lab/lab.sh image
# trixie, built once and shared with the unit tests), privileged so that
# network namespaces, Landlock and seccomp work as on a host, with the
# default podman network so that apt-get reaches the Debian mirror. No
# systemd as PID 1: like the CI hosts, the tests use systemd-socket-activate
# standalone.
#
# Ends with one line: "debian13: N passed, N failed, N skipped" (or
# "debian13: skipped: REASON" when it cannot run here: not root, no podman,
# no lab image and no debootstrap to build one). Exit status 0 only if it
# ran and nothing failed; 77 when skipped.
#
# Environment: DEBIAN13_TESTS (test files, relative to the tree; default
# below), DEBIAN13_OUT (the log, default build/debian13/), PODMAN,
# DEBIAN13_KEEP=1 (leave the container running).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PODMAN=${PODMAN:-podman}
LAB_SH=$REPO/tests/lab/lab.sh
OUT=${DEBIAN13_OUT:-$REPO/build/debian13}
# Everything that runs our binaries on this machine: not the image, lab,
# benchmark and VM files (tests/4x-6x), which need podman in podman or qemu.
TESTS=${DEBIAN13_TESTS:-"tests/0*.bats tests/1*.bats tests/2*.bats tests/3*.bats build/unit/unit.bats"}
NAME=suite-debian13-$$

skipped() {
	echo "debian13: skipped: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skipped "needs root (a privileged podman container)"
command -v "$PODMAN" >/dev/null || skipped "podman is not installed (tools/deps.sh --test)"
if [ -z "${CONTAINERS_CONF:-}" ]; then
	CONTAINERS_CONF=$("$LAB_SH" host-conf)
	export CONTAINERS_CONF
fi
if ! "$LAB_SH" cached trixie && ! command -v debootstrap >/dev/null; then
	skipped "no trixie lab image and no debootstrap to build one (tools/deps.sh --test)"
fi

mkdir -p "$OUT"
log=$OUT/debian13.log
: >"$log"
start=$SECONDS
phase_start=$SECONDS
# phase NAME: the time the previous phase took, for the report.
times=()
phase() {
	times+=("$1 $((SECONDS - phase_start)) s")
	phase_start=$SECONDS
}
say() { echo "debian13: $*"; }

img=$("$LAB_SH" image trixie 2>>"$log") || {
	tail -5 "$log"
	say "the trixie lab image could not be built (log: $log)"
	exit 1
}
phase "lab image"

cleanup() {
	if [ "${DEBIAN13_KEEP:-0}" = 1 ]; then
		say "DEBIAN13_KEEP=1: container $NAME left running ($PODMAN rm -f $NAME)"
	else
		$PODMAN rm -f -t 0 --ignore "$NAME" >/dev/null 2>&1
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Root here may lower rlimits, never raise them: the host's own.
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=1048576
$PODMAN run -d --name "$NAME" --hostname debian13 --privileged --runtime runc \
	--ulimit "nofile=$nofile:$nofile" --ulimit nproc=4096:4096 \
	--entrypoint sleep "$img" infinity >>"$log" 2>&1 || {
	tail -5 "$log"
	say "the container did not start (log: $log)"
	exit 1
}
in_lab() { $PODMAN exec -i -e DEBIAN_FRONTEND=noninteractive -w /src "$NAME" "$@"; }

# A clean copy: what git tracks plus untracked files it does not ignore
# (so local changes are tested too), or, outside git, all but build/. At
# /src, open to others: tests run servers as nobody.
$PODMAN exec "$NAME" mkdir -p /src
if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$REPO" ls-files -z --cached --others --exclude-standard |
		(cd "$REPO" && tar --null -T - --ignore-failed-read -c 2>>"$log")
else
	tar -C "$REPO" --exclude=./build -c .
fi | in_lab tar -x -C /src || { say "copying the tree failed"; exit 1; }
phase "start and copy"

say "$(in_lab sh -c '. /etc/os-release; echo "$PRETTY_NAME"')"
say "tools/deps.sh --test (log: $log)"
if ! in_lab tools/deps.sh --test >>"$log" 2>&1; then
	tail -20 "$log"
	say "tools/deps.sh --test failed"
	exit 1
fi
phase "tools/deps.sh --test"
say "$(in_lab sh -c 'echo "gcc $(gcc -dumpfullversion), $(curl --version | head -1 | cut -d" " -f1-2), Python $(python3 -c "import platform; print(platform.python_version())"), llhttp $(pkg-config --modversion libllhttp 2>/dev/null || echo "(sources)"), libevent $(pkg-config --modversion libevent), systemd $(systemd-socket-activate --version | head -1 | cut -d" " -f2), valgrind $(valgrind --version | cut -d- -f2)"')"

say "make WERROR=1 build-all"
if ! in_lab make -j"$(nproc)" WERROR=1 build-all >>"$log" 2>&1; then
	tail -30 "$log"
	say "make WERROR=1 failed"
	exit 1
fi
phase "make WERROR=1"

say "tests: $TESTS"
# tests/run prints TAP as it goes and ends with the counts.
# The docs' podman blocks are not for this lab: podman here would be
# nested in the lab's container, where builds cannot resolve the mirror
# (the images are tested on the host, tests/4x).
in_lab env ECHO_BIN=/src/build/socket-activate-echo \
	HTTPD_BIN=/src/build/socket-activate-httpd BUILD_DIR=/src/build \
	DOC_RUN_NO_PODMAN="podman here is nested in the Debian 13 lab's container, whose builds cannot resolve the Debian mirror; tests/4x test the images on the host" \
	bash -c "tests/run $TESTS" 2>&1 | tee -a "$log"
phase "tests"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
say "$(IFS=,; echo "${times[*]}" | sed 's/,/, /g'); $((SECONDS - start)) s in all"
if [ -z "$summary" ]; then
	say "no summary from tests/run (log: $log)"
	exit 1
fi
say "$summary"
[[ "$summary" == *" 0 failed, "* ]]
