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
	mv -f "$tmp" "$conf"
	echo "$conf"
}

if [ "${1:-}" = "--conf" ]; then
	write_conf
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps-images.sh: needs root (apt-get, useradd)" >&2
	exit 1
fi

pkgs="podman runc uidmap slirp4netns debootstrap socat curl systemd ca-certificates"
missing=
for p in $pkgs; do
	# Installed means status "install ok installed", not just known to dpkg.
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "deps-images.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Other jobs on the machine may hold the dpkg lock for a while: wait.
	apt-get -o DPkg::Lock::Timeout=600 update -q
	# shellcheck disable=SC2086
	apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing
else
	echo "deps-images.sh: packages present"
fi

# Rootless test user. useradd on Debian 12 allocates subuid/subgid ranges
# (SUB_UID_COUNT in login.defs); add them if an older user lacks them.
if ! id "$IMAGES_TEST_USER" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/sh "$IMAGES_TEST_USER"
	echo "deps-images.sh: created rootless test user $IMAGES_TEST_USER"
fi
for f in /etc/subuid /etc/subgid; do
	touch "$f"
	if ! grep -q "^$IMAGES_TEST_USER:" "$f"; then
		# Pick a range above every existing one.
		start=$(awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }' "$f")
		echo "$IMAGES_TEST_USER:$start:65536" >>"$f"
	fi
done

write_conf >/dev/null
echo "deps-images.sh: test config $IMAGES_TEST_DIR/containers.conf"
