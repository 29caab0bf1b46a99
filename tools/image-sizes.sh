#!/bin/sh
# The image size table of docs/containers.md, measured: one Markdown row per IMAGE.
#
#   tools/image-sizes.sh IMAGE...      (make image-sizes: the four images)
#   tools/image-sizes.sh --arch IMAGE...
#                                      with the image's os/architecture
#                                      (make image-sizes-multiarch)
#
# size:       what `podman images` shows (podman image inspect .Size, in
#             MB of 1000000 bytes, three significant digits as podman
#             prints them);
# compressed: what a registry stores: the blobs `podman push --compress`
#             writes (gzip'd layers and the config), added up.
# Images that do not exist are left out with a note on stderr.
set -eu
PODMAN=${PODMAN:-podman}
arch=0
if [ "${1:-}" = --arch ]; then
	arch=1
	shift
fi

mb() { awk -v b="$1" 'BEGIN { printf "%.3g MB", b / 1e6 }'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ "$arch" = 1 ]; then
	echo "| image | platform | size | compressed |"
	echo "| ----- | -------- | ---- | ---------- |"
else
	echo "| image | size | compressed |"
	echo "| ----- | ---- | ---------- |"
fi
for image in "$@"; do
	if ! $PODMAN image exists "$image"; then
		echo "image-sizes.sh: no image $image, left out" >&2
		continue
	fi
	size=$($PODMAN image inspect --format '{{.Size}}' "$image")
	rm -rf "$tmp/dir"
	$PODMAN push --quiet --compress "$image" "dir:$tmp/dir" >/dev/null
	compressed=$(find "$tmp/dir" -type f ! -name manifest.json ! -name version \
		-printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
	name=${image##*/}
	if [ "$arch" = 1 ]; then
		platform=$($PODMAN image inspect --format '{{.Os}}/{{.Architecture}}' "$image")
		echo "| \`${name%:*}\` | $platform | $(mb "$size") | $(mb "$compressed") |"
	else
		echo "| \`${name%:*}\` | $(mb "$size") | $(mb "$compressed") |"
	fi
done
