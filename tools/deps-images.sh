#!/bin/sh
# Install what the container-image tests (tests/40-images.bats) need, and
# write their test-only podman configuration. Idempotent: run it as often as
# you like; it installs only what is missing.
#
#   tools/deps-images.sh            packages + test config + rootless test user
#   tools/deps-images.sh --conf     only (re)write the test config, print its path
#
# What it changes on the machine, and nothing more:
#   - Debian packages: podman runc uidmap slirp4netns debootstrap socat curl
#     (plus systemd for systemd-socket-activate, if missing), python3, and
#     qemu-user-static binfmt-support for the other architectures' images
#   - binfmt_misc mounted (when it is not) and qemu-user's handlers for
#     those architectures registered there, so their programs run here
#     under emulation (tests/41-images-multiarch.bats); where that cannot
#     be done it says so, and those tests skip and say why
#   - a test user (default "sa-images-test", override IMAGES_TEST_USER) with
#     subordinate uid/gid ranges, for the rootless tests
#   - a test-only containers.conf in $IMAGES_TEST_DIR (default
#     /tmp/socket-activate-images); the tests point CONTAINERS_CONF at it.
#     System files under /etc/containers are not touched.
#
# Why a test containers.conf (see shared LAB.md): on these machines crun
# refuses the hybrid cgroup layout (runc works), and podman's default
# rlimits try to raise NOFILE/NPROC above what root may set here. Putting
# that in CONTAINERS_CONF keeps the podman commands under test exactly the
# ones users type.
set -eu

IMAGES_TEST_DIR=${IMAGES_TEST_DIR:-/tmp/socket-activate-images}
IMAGES_TEST_USER=${IMAGES_TEST_USER:-sa-images-test}

write_conf() {
	mkdir -p "$IMAGES_TEST_DIR"
	chmod 755 "$IMAGES_TEST_DIR"
	conf=$IMAGES_TEST_DIR/containers.conf
	tmp=$conf.tmp.$$
	cat >"$tmp" <<'EOF'
# Test-only podman configuration for tests/40-images.bats (written by
# tools/deps-images.sh). Used through CONTAINERS_CONF; never installed
# system-wide.
[containers]
# Root here lacks CAP_SYS_RESOURCE: podman's defaults would raise the limits.
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
# No journald on the test machines; keep `podman logs` working.
log_driver = "k8s-file"

[engine]
# crun refuses the hybrid cgroup v1/v2 layout of the test machines.
runtime = "runc"
# systemd is not PID 1 there.
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
	chmod 644 "$tmp"
	if cmp -s "$tmp" "$conf"; then
		rm -f "$tmp"
	else
		mv -f "$tmp" "$conf"
	fi
	echo "$conf"
}

if [ "${1:-}" = "--conf" ]; then
	write_conf
	exit 0
fi

DEPS_NAME=deps-images.sh
. "$(dirname "$0")/deps-lib.sh"

# The architectures the multi-architecture images are tested on, as
# qemu-user names them (tools/images.mk IMAGE_PLATFORMS: arm64 = aarch64;
# arm = arm for linux/arm/v7, ppc64le, s390x).
DEPS_QEMU_ARCHES=${DEPS_QEMU_ARCHES:-aarch64 arm}
BINFMT=/proc/sys/fs/binfmt_misc

# deps_binfmt_mount: binfmt_misc mounted (systemd's automount does it on
# access where systemd runs; elsewhere nobody does). A failure is not
# fatal: only the emulated tests need it, and they skip.
deps_binfmt_mount() {
	if [ -e "$BINFMT/register" ]; then
		return 0
	fi
	if deps_as_root mount -t binfmt_misc binfmt_misc "$BINFMT" 2>/dev/null; then
		echo "$DEPS_NAME: mounted binfmt_misc on $BINFMT"
	else
		echo "$DEPS_NAME: cannot mount binfmt_misc on $BINFMT (a container" \
			"without privileges, or a kernel without it): the images of" \
			"other architectures will build, but not run here" >&2
	fi
}

# deps_binfmt_enable ARCH...: qemu-ARCH registered with binfmt_misc. Once
# installed, binfmt-support knows the handlers; after a reboot without
# systemd (or a fresh binfmt_misc mount) they must be enabled again.
deps_binfmt_enable() {
	[ -e "$BINFMT/register" ] || return 0
	for a in "$@"; do
		[ ! -e "$BINFMT/qemu-$a" ] || continue
		if deps_as_root update-binfmts --enable "qemu-$a"; then
			echo "$DEPS_NAME: registered qemu-$a with binfmt_misc"
		else
			echo "$DEPS_NAME: could not register qemu-$a with binfmt_misc" >&2
		fi
	done
}
# binfmt_misc first: qemu-user-static registers its handlers when it is
# installed, if binfmt_misc is mounted then.
deps_binfmt_mount
deps_install podman runc uidmap slirp4netns debootstrap socat curl systemd \
	ca-certificates python3 qemu-user-static binfmt-support
# shellcheck disable=SC2086 # a list of words
deps_binfmt_enable $DEPS_QEMU_ARCHES
deps_rootless_user "$IMAGES_TEST_USER"
# The image tests run as root; so does their configuration.
if [ "$(id -u)" -eq 0 ]; then
	write_conf >/dev/null
	echo "deps-images.sh: test config $IMAGES_TEST_DIR/containers.conf"
fi
