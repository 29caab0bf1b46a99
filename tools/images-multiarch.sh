#!/bin/sh
# $PODMAN and $PODMAN_BUILD_FLAGS are split on purpose: they may carry
# options (podman --root DIR).
# shellcheck disable=SC2086
# The images for every architecture, cross-compiled on this machine, and
# their manifest lists as archives ready to push (tools/images.mk runs it:
# make images-multiarch, make images-multiarch-archive).
#
#   tools/images-multiarch.sh build NAME...     NAME: echo, httpd
#   tools/images-multiarch.sh archive NAME...
#   tools/images-multiarch.sh sizes NAME...     the size table per architecture
#
# build: for each platform in IMAGE_PLATFORMS, `podman build --platform P`
# of the Containerfile's target NAME, tagged
# $IMAGE_REPO/socket-activate-NAME:latest-ARCH and :$VERSION-ARCH. The
# build stage runs natively and cross-compiles (see the Containerfile):
# nothing runs under emulation, so no binfmt_misc is needed.
# archive: those images into $IMAGES_DIR/socket-activate-NAME-$VERSION.oci.tar,
# an oci-archive holding one image index (manifest list) named $VERSION
# with one entry per platform (tools/oci-index.py). Publish it with
#   podman manifest create L
#   podman manifest add --all L oci-archive:FILE:$VERSION
#   podman manifest push --all L docker://REGISTRY/socket-activate-NAME:$VERSION
#   podman manifest rm L
# (docs/multiarch.md). No manifest list is left in local storage: podman
# 4.3 cannot list images while one is there (`podman images` fails,
# containers/podman#19757).
#
# Environment: PODMAN, IMAGE_REPO (default localhost), IMAGE_PLATFORMS
# (default "linux/amd64 linux/arm64"; arm64 gets the variant v8), VERSION,
# BASE_IMAGE, SOURCE_URL, PULL (a podman build pull flag, e.g.
# --pull=never), PODMAN_BUILD_FLAGS, IMAGES_DIR (default build/images).
set -eu
cd "$(dirname "$0")/.."

PODMAN=${PODMAN:-podman}
IMAGE_REPO=${IMAGE_REPO:-localhost}
IMAGE_PLATFORMS=${IMAGE_PLATFORMS:-linux/amd64 linux/arm64}
VERSION=${VERSION:-$(sed -n 's/^VERSION *= *//p' Makefile)}
BASE_IMAGE=${BASE_IMAGE:-docker.io/library/debian:trixie-slim}
SOURCE_URL=${SOURCE_URL:-}
PULL=${PULL:-}
PODMAN_BUILD_FLAGS=${PODMAN_BUILD_FLAGS:-}
IMAGES_DIR=${IMAGES_DIR:-build/images}

say() { echo "images-multiarch: $*"; }
die() {
	echo "images-multiarch: $*" >&2
	exit 1
}

# platform_full P: P with arm64's variant made explicit (the OCI image
# spec names arm64's only variant v8; podman writes it into the list).
platform_full() {
	case $1 in
	*/arm64) echo "$1/v8" ;;
	*) echo "$1" ;;
	esac
}

# arch_tag P: the tag suffix of platform P: its architecture, and the
# variant where one architecture has several (arm/v7 -> arm-v7).
arch_tag() {
	p=${1#*/}
	case $p in
	arm64/*) echo arm64 ;;
	*) echo "$p" | tr / - ;;
	esac
}

# The build stage runs on the build machine, BUILDPLATFORM, which podman
# 4.3 does not set by itself (Docker's BuildKit does): passed always.
build_platform() {
	$PODMAN info --format '{{.Host.OS}}/{{.Host.Arch}}'
}

build() {
	native=$(build_platform)
	for name in "$@"; do
		for p in $IMAGE_PLATFORMS; do
			full=$(platform_full "$p")
			image=$IMAGE_REPO/socket-activate-$name
			tag=$(arch_tag "$full")
			start=$(date +%s)
			say "$PODMAN build --platform $full --target $name -t $image:latest-$tag"
			$PODMAN build $PULL $PODMAN_BUILD_FLAGS \
				--platform "$full" \
				--build-arg BUILDPLATFORM="$native" \
				--build-arg BASE_IMAGE="$BASE_IMAGE" \
				--build-arg VERSION="$VERSION" \
				--build-arg SOURCE_URL="$SOURCE_URL" \
				--target "$name" \
				-t "$image:latest-$tag" -t "$image:$VERSION-$tag" \
				-f Containerfile .
			say "$image:latest-$tag: $($PODMAN image inspect --format '{{.Os}}/{{.Architecture}}, {{.Size}} bytes' "$image:latest-$tag"), built in $(($(date +%s) - start)) s"
		done
	done
}

archive() {
	mkdir -p "$IMAGES_DIR"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/images-multiarch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT INT TERM
	for name in "$@"; do
		image=$IMAGE_REPO/socket-activate-$name
		layout=$tmp/$name
		specs=
		for p in $IMAGE_PLATFORMS; do
			full=$(platform_full "$p")
			tag=$(arch_tag "$full")
			$PODMAN image exists "$image:latest-$tag" ||
				die "no $image:latest-$tag (make images-multiarch builds it)"
			$PODMAN push --quiet "$image:latest-$tag" "oci:$layout:$tag"
			specs="$specs $tag=$full"
		done
		python3 tools/oci-index.py "$layout" "$VERSION" $specs
		out=$IMAGES_DIR/socket-activate-$name-$VERSION.oci.tar
		# An oci-archive is the layout in a tar; sorted, owned by root
		# and dated 1970, so the same images give the same file.
		tar -C "$layout" --sort=name --owner=0 --group=0 --numeric-owner \
			--mtime=@0 -cf "$out.tmp" .
		mv -f "$out.tmp" "$out"
		say "$out: $(wc -c <"$out") bytes, manifest list $VERSION:$specs"
	done
}

sizes() {
	images=
	for name in "$@"; do
		for p in $IMAGE_PLATFORMS; do
			images="$images $IMAGE_REPO/socket-activate-$name:latest-$(arch_tag "$(platform_full "$p")")"
		done
	done
	PODMAN=$PODMAN tools/image-sizes.sh --arch $images
}

[ $# -ge 2 ] || die "usage: images-multiarch.sh build|archive|sizes NAME..."
cmd=$1
shift
case $cmd in
build) build "$@" ;;
archive) archive "$@" ;;
sizes) sizes "$@" ;;
*) die "unknown command $cmd (build, archive or sizes)" ;;
esac
