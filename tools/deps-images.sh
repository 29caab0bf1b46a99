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
#     (plus systemd for systemd-socket-activate, if missing)
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
deps_install podman runc uidmap slirp4netns debootstrap socat curl systemd \
	ca-certificates
deps_rootless_user "$IMAGES_TEST_USER"
# The image tests run as root; so does their configuration.
if [ "$(id -u)" -eq 0 ]; then
	write_conf >/dev/null
	echo "deps-images.sh: test config $IMAGES_TEST_DIR/containers.conf"
fi
