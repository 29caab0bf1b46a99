# shellcheck shell=sh
# Sourced by the dependency scripts (tools/deps*.sh, tests/bench/deps-*.sh):
# install Debian packages and make test users, as root or through sudo,
# and only when something is missing, so a second run needs neither root
# nor the network. Set DEPS_NAME (for messages) before sourcing.

# Package lists compared with comm(1) and apt's output parsed: one collation
# and apt's English.
LC_ALL=C
export LC_ALL

# deps_as_root COMMAND...: COMMAND as root: directly when we are root, else
# through sudo; without sudo, says what needed root.
deps_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "$DEPS_NAME: needs root for: $*" >&2
		echo "$DEPS_NAME: run it as root, or install sudo" >&2
		return 1
	fi
}

# deps_missing PACKAGE...: those not installed ("install ok installed"),
# each after a space; PACKAGE may carry an architecture (libfoo:arm64).
deps_missing() {
	deps_have=" $(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Package}:${Architecture}\n' "$@" 2>/dev/null |
		sed -n 's/^ii  *//p' | tr '\n' ' ')"
	for p in "$@"; do
		case $deps_have in
		*" $p "*) ;;
		*) printf ' %s' "$p" ;;
		esac
	done
}

# deps_install PACKAGE...: installs the missing ones (apt-get, waiting for
# the dpkg lock other jobs may hold).
deps_install() {
	deps_todo=$(deps_missing "$@")
	if [ -z "$deps_todo" ]; then
		echo "$DEPS_NAME: packages present"
		return 0
	fi
	echo "$DEPS_NAME: installing:$deps_todo"
	deps_as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get -o DPkg::Lock::Timeout=600 update -q || return 1
	# shellcheck disable=SC2086
	deps_as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get -o DPkg::Lock::Timeout=600 install -y -q \
		--no-install-recommends $deps_todo
}

# deps_rootless_user NAME: a user for rootless podman, with subordinate
# uid/gid ranges above every existing one (useradd on Debian 12 makes
# them; an older user may lack them).
deps_rootless_user() {
	if ! id "$1" >/dev/null 2>&1; then
		deps_as_root useradd --create-home --shell /bin/sh "$1"
		echo "$DEPS_NAME: created rootless user $1"
	fi
	for f in /etc/subuid /etc/subgid; do
		grep -qs "^$1:" "$f" && continue
		start=$(awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }' "$f" 2>/dev/null || echo 100000)
		echo "$1:$start:65536" | deps_as_root tee -a "$f" >/dev/null
	done
}

# What these scripts install is recorded here, one package a line, so that
# tools/deps.sh --remove takes away these and nothing else.
DEPS_STATE=/var/lib/socket-activate
DEPS_RECORD=$DEPS_STATE/packages

# deps_installed: every installed package, one a line, sorted; packages of
# a foreign architecture qualified (libc6:arm64), as apt names them.
deps_installed() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}:${Architecture}\n' 2>/dev/null |
		sed -n "s/^ii  *//; T; s/:\\($(dpkg --print-architecture)\\|all\\)\$//; p" | sort -u
}

# deps_snapshot, then deps_record (an EXIT trap): the packages installed in
# between are added to $DEPS_RECORD.
deps_snapshot() {
	deps_before=$(mktemp)
	deps_installed >"$deps_before"
}
deps_record() {
	deps_new=$(deps_installed | comm -13 "$deps_before" -)
	rm -f "$deps_before"
	[ -n "$deps_new" ] || return 0
	echo "$DEPS_NAME: $(echo "$deps_new" | wc -l) packages installed" \
		"(recorded in $DEPS_RECORD for tools/deps.sh --remove)"
	{ cat "$DEPS_RECORD" 2>/dev/null || true; echo "$deps_new"; } | sort -u >"$deps_before"
	deps_as_root mkdir -p "$DEPS_STATE" &&
		deps_as_root cp "$deps_before" "$DEPS_RECORD" &&
		deps_as_root chmod 644 "$DEPS_RECORD"
	rm -f "$deps_before"
}

# llhttp's C sources on Debian 12, without Node.js: node-llhttp (the only
# package that ships them there) unpacked into this cache. httpd/httpd.mk
# finds them here when node-llhttp itself is not installed.
LLHTTP_CACHE=/var/cache/socket-activate/llhttp

# deps_llhttp_cached: the cache holds the sources, and apt (when its lists
# changed since they were fetched) would install the same version now.
# Asking apt-cache costs seconds where its cache is not kept (Debian's
# container images): only after an apt-get update.
deps_llhttp_cached() {
	[ -s "$LLHTTP_CACHE/usr/share/llhttp/llhttp.c" ] || return 1
	# (apt dates the lists by the mirror's clock; the directory changes
	# when it stores a new one.)
	[ -n "$(find /var/lib/apt/lists -maxdepth 0 -newer "$LLHTTP_CACHE/VERSION" 2>/dev/null)" ] ||
		return 0
	deps_want=$(apt-cache show --no-all-versions node-llhttp 2>/dev/null | sed -n 's/^Version: //p')
	[ -z "$deps_want" ] || [ "$deps_want" = "$(cat "$LLHTTP_CACHE/VERSION")" ] || return 1
	# The same version: no need to ask again until the next update.
	[ "$(id -u)" -ne 0 ] || touch "$LLHTTP_CACHE/VERSION"
}

# deps_fetch_llhttp: apt-get download node-llhttp (apt checks it against the
# signed lists, as for an install) and unpack it into $LLHTTP_CACHE.
deps_fetch_llhttp() {
	deps_tmp=$(mktemp -d)
	chmod 755 "$deps_tmp"
	# As root, apt downloads as _apt where that user may write, else warns.
	if [ "$(id -u)" -eq 0 ] && getent passwd _apt >/dev/null; then
		chown _apt "$deps_tmp"
	fi
	# Stale lists name a version the mirror no longer has: update, retry.
	if ! (cd "$deps_tmp" && apt-get download -q node-llhttp); then
		deps_as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get -o DPkg::Lock::Timeout=600 update -q
		(cd "$deps_tmp" && apt-get download -q node-llhttp)
	fi
	deps_deb=$(ls "$deps_tmp"/node-llhttp_*.deb)
	mkdir "$deps_tmp/x"
	dpkg-deb -x "$deps_deb" "$deps_tmp/x"
	dpkg-deb -f "$deps_deb" Version >"$deps_tmp/x/VERSION"
	for f in llhttp/api.c llhttp/http.c llhttp/llhttp.c include/llhttp/llhttp.h; do
		[ -s "$deps_tmp/x/usr/share/$f" ] || {
			echo "$DEPS_NAME: $(basename "$deps_deb") has no /usr/share/$f" >&2
			rm -rf "$deps_tmp"
			return 1
		}
	done
	deps_as_root rm -rf "$LLHTTP_CACHE"
	deps_as_root mkdir -p "$(dirname "$LLHTTP_CACHE")"
	deps_as_root cp -R "$deps_tmp/x" "$LLHTTP_CACHE"
	deps_as_root chmod -R a+rX "$(dirname "$LLHTTP_CACHE")"
	echo "$DEPS_NAME: llhttp $(cat "$deps_tmp/x/VERSION") sources (from $(basename "$deps_deb"), without Node.js) in $LLHTTP_CACHE"
	rm -rf "$deps_tmp"
}
