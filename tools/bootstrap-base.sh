#!/bin/sh
# $PODMAN is split on purpose: it may carry options (podman --root DIR).
# shellcheck disable=SC2086
# Make the Containerfile's base image available without a registry.
#
#   tools/bootstrap-base.sh [IMAGE]
#
# IMAGE defaults to the Containerfile's BASE_IMAGE default,
# docker.io/library/debian:trixie-slim. Idempotent:
#   1. IMAGE already in local storage        -> nothing to do
#   2. `podman pull IMAGE` works             -> pulled, done
#   3. otherwise (air-gapped host, or BOOTSTRAP_NO_PULL=1)
#      debootstrap --variant=minbase SUITE from the Debian mirror, import it
#      and tag it as IMAGE, so the unmodified Containerfile builds with
#      `podman build --pull=never`.
#
# Prints one last line "bootstrap-base: IMAGE pulled|present|bootstrapped".
# Exit status 0 when IMAGE is available afterwards.
#
# Environment:
#   PODMAN               podman command (default: podman)
#   DEBIAN_MIRROR        default http://deb.debian.org/debian
#   BOOTSTRAP_SUITE      default: the tag's codename (bookworm for :bookworm-slim)
#   BOOTSTRAP_NO_PULL=1  skip the pull attempt (known air-gapped host)
#   BOOTSTRAP_STATE      file recording how the image got here (default:
#                        none); tools/images.mk uses it to choose --pull=never
#
# debootstrap needs root (it chroots and creates device nodes). Rootless
# users: run this as root and `podman save IMAGE | podman load` as the user,
# or run it under `podman unshare`.
set -eu

IMAGE=${1:-docker.io/library/debian:trixie-slim}
PODMAN=${PODMAN:-podman}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BOOTSTRAP_STATE=${BOOTSTRAP_STATE:-}

say() { echo "bootstrap-base: $*"; }
state() { [ -z "$BOOTSTRAP_STATE" ] || echo "$1" >"$BOOTSTRAP_STATE"; }

# Parallel builds (make -j images) must not debootstrap twice.
if command -v flock >/dev/null 2>&1; then
	exec 9>"${TMPDIR:-/tmp}/bootstrap-base.$(id -u).lock"
	flock 9
fi

if $PODMAN image exists "$IMAGE" 2>/dev/null; then
	# Remember whether an earlier run bootstrapped it (label set below).
	how=$($PODMAN image inspect --format '{{index .Labels "org.socket-activate.bootstrapped"}}' "$IMAGE" 2>/dev/null || true)
	if [ "$how" = "debootstrap" ]; then
		state bootstrapped
		say "$IMAGE present (bootstrapped earlier)"
	else
		state present
		say "$IMAGE present"
	fi
	exit 0
fi

if [ "${BOOTSTRAP_NO_PULL:-0}" != 1 ]; then
	# A pull that cannot reach the registry fails in seconds here; a slow
	# registry is cut off after 120 s.
	if timeout 120 $PODMAN pull -q "$IMAGE" >/dev/null 2>&1; then
		state pulled
		say "$IMAGE pulled"
		exit 0
	fi
	say "cannot pull $IMAGE; bootstrapping it from $DEBIAN_MIRROR"
fi

# Suite from the tag: debian:bookworm-slim -> bookworm, debian:12 -> bookworm.
tag=${IMAGE##*:}
case "$IMAGE" in *:*) ;; *) tag=latest ;; esac
suite=${BOOTSTRAP_SUITE:-}
if [ -z "$suite" ]; then
	case "${tag%-slim}" in
	12 | 12.* | bookworm) suite=bookworm ;;
	13 | 13.* | trixie) suite=trixie ;;
	11 | 11.* | bullseye) suite=bullseye ;;
	latest | stable) suite=stable ;;
	*) suite=${tag%-slim} ;;
	esac
fi
case "$IMAGE" in
*debian*) ;;
*)
	[ -n "${BOOTSTRAP_SUITE:-}" ] ||
		say "warning: $IMAGE does not look like a Debian image; bootstrapping Debian $suite under its name"
	;;
esac

if [ "$(id -u)" -ne 0 ]; then
	# Root's storage is not this user's: bootstrap there, then copy.
	say "debootstrap needs root; run: sudo $0 $IMAGE && sudo podman save $IMAGE | $PODMAN load" >&2
	exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
	say "debootstrap is not installed (apt-get install debootstrap, or tools/deps-images.sh)" >&2
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/var/tmp}/bootstrap-base.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
root=$dir/root
say "debootstrap --variant=minbase $suite (about 30 s)"
if ! debootstrap --variant=minbase "$suite" "$root" "$DEBIAN_MIRROR" >"$dir/log" 2>&1; then
	tail -20 "$dir/log" >&2
	say "debootstrap failed" >&2
	exit 1
fi

# Make it look like the official slim image where it matters for builds:
# the same sources, no apt caches, no leftover logs.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
	"$root"/var/log/* "$root"/debootstrap
# apt in the official images does not keep downloaded .debs either.
mkdir -p "$root/etc/apt/apt.conf.d"
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
: >"$root/etc/hostname"
: >"$root/etc/resolv.conf"

tar -C "$root" --numeric-owner -c . |
	$PODMAN import \
		--change 'CMD ["bash"]' \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'LABEL org.socket-activate.bootstrapped=debootstrap' \
		--message "debootstrap --variant=minbase $suite $DEBIAN_MIRROR" \
		--quiet - "$IMAGE" >/dev/null
state bootstrapped
say "$IMAGE bootstrapped ($suite, $($PODMAN image inspect --format '{{.Size}}' "$IMAGE") bytes)"
