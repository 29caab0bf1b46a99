#!/usr/bin/env bash
# Test labs: a real systemd as PID 1 in a podman container (recipes in the
# shared LAB.md), used by tests/5x-*.bats to run the reference units of
# systemd/ the way users do.
#
#   tests/lab/lab.sh image KIND        build the lab image unless it is cached;
#                                  prints its name
#   tests/lab/lab.sh cached KIND       exit status 0 if the image is cached
#   tests/lab/lab.sh host-conf         print the CONTAINERS_CONF used on the host
#   tests/lab/lab.sh start KIND NAME   start lab container NAME, wait for its
#                                  systemd; the repository is at /src (ro)
#   tests/lab/lab.sh load NAME IMAGE...
#                                  copy images from this host's podman into
#                                  the lab, for root and for the lab user
#   tests/lab/lab.sh client-image NAME make localhost/sa-lab-client:latest for
#                                  the lab user: curl and socat from the
#                                  lab's own files (no registry needed)
#   tests/lab/lab.sh install-servers NAME
#                                  this host's build/socket-activate-* into
#                                  the lab's /usr/local/bin (as make install
#                                  puts them), with the shared libraries the
#                                  lab lacks in /usr/local/lib
#   tests/lab/lab.sh exec NAME CMD...  CMD as root in the lab
#   tests/lab/lab.sh user NAME SCRIPT  SCRIPT (bash) as the lab user, with
#                                  XDG_RUNTIME_DIR set: systemctl --user works
#   tests/lab/lab.sh stop NAME         remove the lab container
#   tests/lab/lab.sh shell KIND        image + start + load our images + a shell
#                                  (the container is removed on exit)
#
# KIND:
#   bookworm  Debian 12: systemd 252, podman 4.3.1, no Quadlet, no OpenFile=
#   trixie    Debian 13: systemd 257, podman 5.4, Quadlet, passt
#
# Images are localhost/sa-lab-KIND:REV, REV a hash of the package list and
# of the root filesystem setup below: reruns reuse them (start: ~5 s), a
# change rebuilds (debootstrap from the Debian mirror: ~1.5 min each here;
# LAB.md measured ~3 min for trixie). Builds of one KIND are serialised
# with flock, so a test may start one in the background and another wait
# for it; older revisions are removed after a build.
#
# Everything machine-specific is test-only and lives in the lab, written
# at start (configure_lab below): /etc/containers/{storage,containers}.conf
# and the lab user's copies, and no user bus for the user's services.
# (The lab itself stays in the host's cgroup namespace: with a private one,
# podman 4.3 hands its systemd the root of the host's name=systemd
# hierarchy.)
# The units under test are the shipped ones; the tests add drop-ins for
# what these hosts cannot do (--cgroups=split needs cgroup v2 for rootless
# podman; see tests/units-helpers.bash).
#
# Environment: PODMAN (default podman), LAB_MIRROR (Debian mirror),
# LAB_REBUILD=1 (ignore the cache), LAB_TMP (default /var/tmp),
# CONTAINERS_CONF (host podman configuration; default: a test-only one
# with runc, cgroupfs and the ulimits, written next to the build logs).
set -euo pipefail

PODMAN=${PODMAN:-podman}
LAB_MIRROR=${LAB_MIRROR:-http://deb.debian.org/debian}
LAB_TMP=${LAB_TMP:-/var/tmp}
LAB_USER=u1
STATE_DIR=${TMPDIR:-/tmp}/socket-activate-lab
REPO=$(cd "$(dirname "$0")/../.." && pwd)

die() { echo "lab.sh: $*" >&2; exit 1; }
say() { echo "lab.sh: $*" >&2; }

mkdir -p "$STATE_DIR"

# The host side: podman as root on a machine without systemd as PID 1,
# with the image tests' test-only configuration (runc, cgroupfs, ulimits).
if [ -z "${CONTAINERS_CONF:-}" ]; then
	CONTAINERS_CONF=$("$REPO/tools/deps-images.sh" --conf)
fi
export CONTAINERS_CONF

packages() {
	local common=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,podman,runc,crun,uidmap,socat,curl,iproute2,procps,make
	case $1 in
	# container-network-stack is a virtual package debootstrap cannot
	# resolve: name a provider, or podman stays unconfigured.
	bookworm) echo "$common,containernetworking-plugins" ;;
	# nftables and aardvark-dns: netavark's Recommends, which apt
	# installs with podman and debootstrap does not; without nft a
	# rootless custom network (podman network create) cannot start.
	trixie) echo "$common,passt,fuse-overlayfs,nftables,aardvark-dns" ;;
	*) die "unknown lab KIND '$1' (bookworm or trixie)" ;;
	esac
}

# Baked into the image (ROOT is the debootstrap tree): the lab user, whose
# manager starts at boot (linger), and quieter podman 5 on cgroup v1.
configure_rootfs() {
	local root=$1
	chroot "$root" useradd --create-home --shell /bin/bash "$LAB_USER"
	# loginctl enable-linger, offline.
	mkdir -p "$root/var/lib/systemd/linger"
	: >"$root/var/lib/systemd/linger/$LAB_USER"
	mkdir -p "$root/etc/systemd/system.conf.d" "$root/home/$LAB_USER/.config/environment.d"
	cat >"$root/etc/systemd/system.conf.d/50-lab.conf" <<'EOF'
# Test lab: podman 5 warns on every call about the host's cgroup v1.
[Manager]
DefaultEnvironment=PODMAN_IGNORE_CGROUPSV1_WARNING=1
EOF
	cat >"$root/home/$LAB_USER/.config/environment.d/50-lab.conf" <<'EOF'
# Test lab: podman 5 warns on every call about the host's cgroup v1.
PODMAN_IGNORE_CGROUPSV1_WARNING=1
EOF
	chroot "$root" chown -R "$LAB_USER:$LAB_USER" "/home/$LAB_USER/.config"
	# No getty or kernel modules in a container; fewer failed units.
	chroot "$root" systemctl mask systemd-modules-load.service \
		console-getty.service getty@tty1.service >/dev/null 2>&1 || true
}

# Written at every start (podman reads them on each call), for root and
# for the lab user. Test-only, for these hosts:
#   vfs storage: no nested overlay, no /dev/fuse for fuse-overlayfs;
#   ulimits: root here may not raise them, and podman's defaults would;
#   cgroupfs: the systemd cgroup manager would put rootless conmon in a
#   scope of its own on this cgroup v1 host, outside the service;
#   DBUS_SESSION_BUS_ADDRESS for the user's services (set in cmd_start,
#   systemctl --user set-environment): rootless podman
#   checks that it owns its cgroup and, if not, moves itself into a new
#   podman-PID.scope through the user bus, where systemd refuses its
#   MAINPID= ("does not belong to service"). On cgroup v2 hosts the
#   delegated service cgroup is the user's; in this nested cgroup v1 lab
#   the check cannot succeed, so the services get no user bus.
#   (systemctl and systemd-run --user, run from a shell, still have it.)
configure_lab() {
	local name=$1
	$PODMAN exec -i "$name" sh -e -c '
		mkdir -p /etc/containers "$1/.config/containers"
		cat >/etc/containers/storage.conf <<EOF
# Test lab (tests/lab/lab.sh)
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
		printf "# Test lab (tests/lab/lab.sh)\n[storage]\ndriver = \"vfs\"\n" \
			>"$1/.config/containers/storage.conf"
		cat >/etc/containers/containers.conf <<EOF
# Test lab (tests/lab/lab.sh)
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
EOF
		cp /etc/containers/containers.conf "$1/.config/containers/containers.conf"
		chown -R "$2:$2" "$1/.config/containers"' sh "/home/$LAB_USER" "$LAB_USER" </dev/null
}

image_name() {
	local kind=$1 rev
	rev=$( { packages "$kind"; declare -f configure_rootfs; } | sha256sum | cut -c1-12)
	echo "localhost/sa-lab-$kind:$rev"
}

cmd_image() {
	local kind=${1:?KIND}
	local img dir log start suite
	img=$(image_name "$kind")
	exec 9>"$STATE_DIR/build-$kind.lock"
	flock 9
	if [ "${LAB_REBUILD:-0}" != 1 ] && $PODMAN image exists "$img"; then
		echo "$img"
		return 0
	fi
	[ "$(id -u)" = 0 ] || die "building a lab needs root (debootstrap)"
	command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
	suite=$kind
	dir=$(mktemp -d "$LAB_TMP/sa-lab-$kind.XXXXXX")
	log=$STATE_DIR/build-$kind.log
	start=$SECONDS
	say "building $img: debootstrap $suite (1.5-3 min; log $log)"
	if ! debootstrap --variant=minbase --include="$(packages "$kind")" \
		"$suite" "$dir/root" "$LAB_MIRROR" >"$log" 2>&1; then
		tail -20 "$log" >&2
		rm -rf "$dir"
		die "debootstrap $suite failed"
	fi
	# debootstrap can report success with packages left unconfigured.
	if [ -n "$(chroot "$dir/root" dpkg --audit 2>&1)" ]; then
		chroot "$dir/root" dpkg --audit >&2 || true
		rm -rf "$dir"
		die "debootstrap $suite left packages unconfigured"
	fi
	configure_rootfs "$dir/root"
	rm -rf "$dir/root/var/cache/apt/archives/"*.deb "$dir/root/var/lib/apt/lists/"*
	tar -C "$dir/root" --numeric-owner -c . |
		$PODMAN import -q --change 'CMD ["/lib/systemd/systemd"]' \
			--change 'LABEL org.socket-activate.lab='"$kind" - "$img" >/dev/null
	rm -rf "$dir"
	say "built $img in $((SECONDS - start)) s"
	# Earlier revisions of this lab are of no further use.
	$PODMAN images --filter "label=org.socket-activate.lab=$kind" \
		--format '{{.Repository}}:{{.Tag}}' | grep -vxF "$img" |
		xargs -r $PODMAN rmi >/dev/null 2>&1 || true
	echo "$img"
}

cmd_host_conf() {
	echo "$CONTAINERS_CONF"
}

cmd_cached() {
	$PODMAN image exists "$(image_name "${1:?KIND}")"
}

cmd_start() {
	local kind=${1:?KIND} name=${2:?NAME} img state
	img=$(cmd_image "$kind")
	$PODMAN rm -f -t 0 --ignore "$name" >/dev/null 2>&1 || true
	# --network=none: the lab has its own loopback (127.0.0.1 and ::1), so
	# ports never collide with the host or another lab. vsock is not
	# namespaced: a lab's vsock listener is the host's.
	$PODMAN run -d --name "$name" --hostname "$name" --privileged \
		--systemd=always --runtime runc --network=none \
		--ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
		-v "$REPO:/src:ro" "$img" /lib/systemd/systemd >/dev/null
	# Until systemd's bus is up, is-system-running fails at once: poll.
	local deadline=$((SECONDS + 90))
	while :; do
		state=$($PODMAN exec "$name" systemctl is-system-running --wait 2>/dev/null || true)
		case $state in
		running | degraded) break ;;
		esac
		((SECONDS < deadline)) || die "systemd in $name did not come up (state: '${state:-none}')"
		sleep 0.2
	done
	# Rootless podman wants / shared (else it warns on every call).
	$PODMAN exec "$name" mount --make-rshared /
	configure_lab "$name"
	# Quadlet services wait for network-online.target (through
	# podman-user-wait-network-online.service): nothing else reaches it
	# in a container without a network manager.
	$PODMAN exec "$name" systemctl start network-online.target
	# The lab user's manager (lingering) must be up before we use it.
	timeout 60 $PODMAN exec "$name" sh -c \
		"until systemctl is-active -q user@\$(id -u $LAB_USER).service; do sleep 0.2; done" ||
		die "the user manager of $LAB_USER did not start in $name"
	# See configure_lab: no user bus for the user's services.
	cmd_user "$name" 'systemctl --user set-environment DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent-lab-bus' </dev/null
	say "$name: $kind lab up ($($PODMAN exec "$name" systemctl --version | head -1))"
}

cmd_load() {
	local name=${1:?NAME} img
	shift
	for img in "$@"; do
		$PODMAN image exists "$img" || die "no image $img on the host"
		$PODMAN save --format oci-archive "$img" 2>/dev/null |
			$PODMAN exec -i "$name" sh -c 'cat >/tmp/lab-load.tar && chmod 644 /tmp/lab-load.tar'
		cmd_exec "$name" podman load -q -i /tmp/lab-load.tar >/dev/null </dev/null
		cmd_user "$name" 'podman load -q -i /tmp/lab-load.tar >/dev/null' </dev/null
		$PODMAN exec "$name" rm -f /tmp/lab-load.tar
	done
}

cmd_client_image() {
	local name=${1:?NAME}
	cmd_user "$name" '
		set -e
		podman image exists localhost/sa-lab-client:latest && exit 0
		d=$(mktemp -d)
		for b in /usr/bin/curl /usr/bin/socat; do
			install -D "$b" "$d$b"
			ldd "$b" | awk '\''$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }'\'' |
				while read -r l; do [ -e "$d$l" ] || install -D "$(readlink -f "$l")" "$d$l"; done
		done
		mkdir -p "$d/tmp"
		chmod 755 "$d"
		chmod 1777 "$d/tmp"
		tar -C "$d" -c . | podman import -q - localhost/sa-lab-client:latest >/dev/null
		rm -rf "$d"'
}

# For the units that run a server directly, not in a container (the fd
# store units, systemd/*-fdstore.*): the binaries this host built, and of
# their libraries those the lab has no copy of (libevent: podman does not
# need it). Bookworm-built binaries run on trixie's newer glibc.
cmd_install_servers() {
	local name=${1:?NAME} bins=() b soname path have libs=()
	for b in socket-activate-echo socket-activate-httpd; do
		[ -x "$REPO/build/$b" ] || die "$REPO/build/$b is missing (make servers)"
		bins+=("$REPO/build/$b")
	done
	have=$(cmd_exec "$name" ldconfig -p </dev/null)
	while read -r soname path; do
		grep -q "^[[:space:]]*$soname " <<<"$have" || libs+=("$(readlink -f "$path")=$soname")
	done < <(ldd "${bins[@]}" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u)
	tar -C "$REPO/build" -c "${bins[@]##*/}" |
		cmd_exec "$name" tar -C /usr/local/bin --no-same-owner -x
	for b in "${libs[@]}"; do
		$PODMAN cp "${b%%=*}" "$name:/usr/local/lib/${b##*=}"
	done
	cmd_exec "$name" ldconfig </dev/null
	say "$name: servers installed in /usr/local/bin${libs:+, with ${libs[*]##*=} in /usr/local/lib}"
}

cmd_exec() {
	local name=${1:?NAME}
	shift
	$PODMAN exec -i -e PODMAN_IGNORE_CGROUPSV1_WARNING=1 "$name" "$@"
}

# A login-like environment for the lab user; the user manager's runtime dir.
cmd_user() {
	local name=${1:?NAME} script=${2:?SCRIPT}
	$PODMAN exec -i -u "$LAB_USER" -w "/home/$LAB_USER" "$name" \
		env -i HOME="/home/$LAB_USER" USER="$LAB_USER" LOGNAME="$LAB_USER" \
		PATH=/usr/local/bin:/usr/bin:/bin PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
		bash -c 'export XDG_RUNTIME_DIR=/run/user/$(id -u); '"$script"
}

cmd_stop() {
	local name=${1:?NAME}
	$PODMAN rm -f -t 0 --ignore "$name" >/dev/null
}

cmd_shell() {
	local kind=${1:?KIND} img
	name="sa-lab-$1-shell-$$"
	trap 'cmd_stop "$name"' EXIT
	trap 'exit 130' INT TERM
	cmd_start "$kind" "$name"
	for img in localhost/socket-activate-echo:latest localhost/socket-activate-httpd:latest; do
		if $PODMAN image exists "$img"; then cmd_load "$name" "$img"; fi
	done
	say "root shell in $name; 'su - $LAB_USER' for the lab user; the repository is at /src"
	$PODMAN exec -it "$name" bash || true
}

case ${1:-} in
image | cached | host-conf | start | load | client-image | install-servers | exec | user | stop | shell)
	c=${1//-/_}
	shift
	"cmd_$c" "$@"
	;;
*)
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
	;;
esac
