#!/bin/sh
# Copy programs into a root filesystem tree together with exactly the shared
# libraries they load (as ldd resolves them) and the dynamic loader, so the
# tree runs on its own in a `FROM scratch` image. Used by the Containerfile.
#
#   image-rootfs.sh DESTDIR FILE[:PATH-IN-DESTDIR]...
#
# FILE is installed at PATH-IN-DESTDIR (default: the same path). Libraries
# keep their path, so the loader finds them in its built-in default
# directories without an ld.so.cache. A library ldd cannot find is an error.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: image-rootfs.sh DESTDIR FILE[:PATH]..." >&2
	exit 2
fi
dest=$1
shift

copy_file() { # SRC DST: dereferenced, mode kept
	mkdir -p "$dest$(dirname "$2")"
	cp -L --preserve=mode "$1" "$dest$2"
}

for spec in "$@"; do
	src=${spec%%:*}
	dst=${spec#*:}
	copy_file "$src" "$dst"
	if ! out=$(ldd "$src" 2>&1); then
		case "$out" in
		*"not a dynamic executable"* | *"statically linked"*) continue ;;
		*) echo "image-rootfs.sh: ldd $src: $out" >&2; exit 1 ;;
		esac
	fi
	if echo "$out" | grep -q 'not found'; then
		echo "image-rootfs.sh: $src: missing libraries:" >&2
		echo "$out" | grep 'not found' >&2
		exit 1
	fi
	# "libx.so.1 => /lib/.../libx.so.1 (0x...)" and the loader
	# "/lib64/ld-linux-x86-64.so.2 (0x...)"; the vdso has no file.
	echo "$out" | awk '$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }' |
		while read -r lib; do
			[ -e "$dest$lib" ] || copy_file "$lib" "$lib"
		done
done
