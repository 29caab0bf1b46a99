# Sourced by the dependency scripts (tools/deps*.sh, tests/bench/deps-*.sh):
# install Debian packages and make test users, as root or through sudo,
# and only when something is missing, so a second run needs neither root
# nor the network. Set DEPS_NAME (for messages) before sourcing.

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

# deps_missing PACKAGE...: those not installed ("install ok installed").
deps_missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || printf ' %s' "$p"
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
		apt-get -o DPkg::Lock::Timeout=600 update -q &&
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
