#!/bin/sh
# tools/deps.sh --remove: takes away what the dependency scripts
# (tools/deps*.sh, tests/bench/deps-*.sh), the tests and `make images`
# left on this machine, and says what it removes, one line each:
#   1. podman images: localhost/socket-activate-* (make images, the
#      tests), the labs' localhost/sa-lab-*, the tests' localhost/sa-test-*,
#      and base images bootstrapped by tools/bootstrap-base.sh (with the
#      build stages made from them); root's, and the invoking user's;
#   2. the test users sa-suite-test, sa-images-test and sa-bench, with
#      their homes (rootless podman storage included) and their
#      /etc/subuid and /etc/subgid ranges;
#   3. caches and test files: /var/cache/socket-activate (the vsock VM's
#      kernel package, llhttp's sources), the test podman configuration
#      and the lab state in /tmp, test directories left in /var/tmp by an
#      interrupted run;
#   4. the packages these scripts installed, as recorded in
#      /var/lib/socket-activate/packages (a package installed since that
#      depends on one of them keeps that one), then that record; with
#      podman, root's podman storage when nothing else is left in it.
#      Debian's packages leave what their maintainer scripts made: system
#      users and groups (systemd-network, messagebus...), /etc/machine-id,
#      apt's logs.
# Not here: what `make install` and `make install-units` put (make
# uninstall, make uninstall-units [UNITS=system]); build/ (make clean).
# Run it as root, or as a user with sudo. Idempotent: what is gone is not
# mentioned again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
DEPS_NAME=deps.sh
. "$here/deps-lib.sh"

removed=0
say() { echo "$DEPS_NAME: removing $*"; removed=$((removed + 1)); }

# list FILE: its lines on one line.
list() { tr '\n' ' ' <"$1" | sed 's/ $//'; }

# uid_pids UID: the processes running as UID.
uid_pids() {
	for p in /proc/[0-9]*; do
		[ "$(stat -c %u "$p" 2>/dev/null)" != "$1" ] || echo "${p#/proc/}"
	done
}

# podman_images PODMAN...: the ids of our images in that podman's storage,
# children before parents (podman lists newest first).
podman_images() {
	{
		"$@" images --noheading --format '{{.Repository}} {{.ID}}' 2>/dev/null |
			awk '$1 ~ /^localhost\/(socket-activate-|sa-lab-|sa-test-)/ { print $2 }'
		for l in org.socket-activate.bootstrapped org.socket-activate.lab; do
			"$@" images --noheading --quiet --filter "label=$l" 2>/dev/null
		done
	} | awk '!seen[$0]++'
}

# remove_images WHOSE PODMAN...: removes our images, a few rounds (a
# parent goes once its children are gone); an image a container uses is
# kept, and said so.
remove_images() {
	whose=$1
	shift
	ids=$(podman_images "$@")
	[ -n "$ids" ] || return 0
	for id in $ids; do
		say "$whose image $id ($("$@" image inspect --format '{{join .RepoTags ", "}}' "$id" 2>/dev/null || true))"
	done
	for _ in 1 2 3 4 5; do
		for id in $ids; do
			# By name: podman refuses an id that has several.
			names=$("$@" image inspect --format '{{join .RepoTags " "}}' "$id" 2>/dev/null || true)
			# shellcheck disable=SC2086
			"$@" rmi ${names:-$id} >/dev/null 2>&1 || true
		done
		ids=$(podman_images "$@")
		[ -n "$ids" ] || return 0
	done
	for id in $ids; do
		echo "$DEPS_NAME: kept $whose image $id: $("$@" rmi "$id" 2>&1 | tail -1)"
	done
}

if command -v podman >/dev/null 2>&1; then
	remove_images "root's" deps_as_root podman
	[ "$(id -u)" -eq 0 ] || remove_images "$(id -un)'s" podman
fi

# The test users. Their rootless podman storage holds files of their
# subordinate ids and may hold mounts: podman itself wipes it first.
for u in sa-suite-test sa-images-test sa-bench; do
	id "$u" >/dev/null 2>&1 || continue
	say "user $u (home $(getent passwd "$u" | cut -d: -f6), subordinate ids, processes)"
	if command -v podman >/dev/null 2>&1; then
		deps_as_root runuser -u "$u" -- sh -c 'cd / && podman system reset --force' >/dev/null 2>&1 || true
	fi
	# Left over: rootless podman's pause process, a test's server. (No
	# pkill: procps may not be installed.)
	uid=$(id -u "$u")
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		pids=$(uid_pids "$uid")
		[ -n "$pids" ] || break
		# shellcheck disable=SC2086
		deps_as_root kill -KILL $pids 2>/dev/null || true
		sleep 0.2
	done
	deps_as_root userdel --remove "$u" 2>/dev/null || deps_as_root userdel --remove "$u"
	# Rootless podman's run-time directories, outside the home.
	for d in "/tmp/podman-run-$uid" "/tmp/containers-user-$uid" "/run/user/$uid"; do
		[ ! -e "$d" ] || deps_as_root rm -rf "$d"
	done
	# userdel takes its own ranges out of /etc/subuid and /etc/subgid on
	# Debian 12; older shadow does not.
	for f in /etc/subuid /etc/subgid; do
		if grep -qs "^$u:" "$f"; then
			deps_as_root sed -i "/^$u:/d" "$f"
		fi
	done
done

# Caches and test files (some only from interrupted runs).
for d in /var/cache/socket-activate /tmp/socket-activate-images /tmp/socket-activate-lab \
	/var/tmp/sa-lab-* /var/tmp/bootstrap-base.* /var/tmp/sa-hostroot.* \
	/tmp/sa-suite-unprivileged.* /tmp/sa-images-test.*; do
	[ -e "$d" ] || continue
	say "$d ($(du -sh "$d" 2>/dev/null | cut -f1))"
	deps_as_root rm -rf "$d"
done

# The packages. apt decides which can go: ours, marked as automatically
# installed, are removed unless a package not ours depends on them
# (autoremove's rule, without its keeping what others only recommend or
# suggest: apt suggests gnupg, systemd recommends dbus); the simulation
# must remove nothing else.
if [ -s "$DEPS_RECORD" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	deps_installed | comm -12 - "$DEPS_RECORD" >"$tmp/ours"
	if [ -s "$tmp/ours" ]; then
		# shellcheck disable=SC2046
		deps_as_root apt-mark auto $(cat "$tmp/ours") >/dev/null
		apt-get -s -o APT::AutoRemove::RecommendsImportant=false \
			-o APT::AutoRemove::SuggestsImportant=false autoremove --purge | sed -n 's/^Purg \([^ ]*\).*/\1/p' | sort -u |
			comm -12 - "$tmp/ours" >"$tmp/gone"
		comm -23 "$tmp/ours" "$tmp/gone" >"$tmp/kept"
		if [ -s "$tmp/kept" ]; then
			echo "$DEPS_NAME: keeping $(wc -l <"$tmp/kept") packages that others need: $(list "$tmp/kept")"
		fi
		if [ -s "$tmp/gone" ]; then
			# shellcheck disable=SC2046
			apt-get -s purge $(cat "$tmp/gone") | sed -n 's/^Purg \([^ ]*\).*/\1/p' | sort -u |
				comm -23 - "$tmp/gone" >"$tmp/extra"
			if [ -s "$tmp/extra" ]; then
				echo "$DEPS_NAME: not removing packages: apt would also remove $(list "$tmp/extra")" >&2
				exit 1
			fi
			# podman goes: its storage too, when nothing but ours was in it.
			podman_reset=0
			if grep -qx podman "$tmp/gone" &&
				[ -z "$(deps_as_root podman ps -aq 2>/dev/null)$(deps_as_root podman images -aq 2>/dev/null)$(deps_as_root podman volume ls -q 2>/dev/null)" ]; then
				podman_reset=1
				say "root's podman storage (/var/lib/containers: no image, container or volume left)"
				deps_as_root podman system reset --force >/dev/null 2>&1 || true
			fi
			say "$(wc -l <"$tmp/gone") packages: $(list "$tmp/gone")"
			# shellcheck disable=SC2046
			deps_as_root env DEBIAN_FRONTEND=noninteractive \
				apt-get -o DPkg::Lock::Timeout=600 purge -y -q $(cat "$tmp/gone")
			# What purging leaves: podman's state, the web servers'
			# default pages (made by their postinst, not dpkg's files).
			if [ "$podman_reset" = 1 ]; then
				deps_as_root rm -rf /var/lib/containers /var/cache/containers /etc/cni/net.d/cni.lock
				deps_as_root rmdir /etc/cni/net.d /etc/cni 2>/dev/null || true
			fi
			for p in lighttpd:index.lighttpd.html nginx-common:index.nginx-debian.html; do
				grep -qx "${p%%:*}" "$tmp/gone" || continue
				deps_as_root rm -f "/var/www/html/${p#*:}"
				deps_as_root rmdir /var/www/html /var/www 2>/dev/null || true
			done
		fi
	fi
	say "$DEPS_RECORD"
	deps_as_root rm -f "$DEPS_RECORD"
	deps_as_root rmdir "$DEPS_STATE" 2>/dev/null || true
fi

# Pointers to what this script does not do.
for f in /usr/local/bin/socket-activate-echo /usr/local/bin/socket-activate-httpd; do
	[ ! -e "$f" ] || echo "$DEPS_NAME: still installed: $f (make uninstall)"
done
[ "$removed" -gt 0 ] || echo "$DEPS_NAME: nothing to remove"
