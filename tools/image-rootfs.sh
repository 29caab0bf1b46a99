#!/bin/sh
# Copy programs into a root filesystem tree together with exactly the shared
# libraries they load and the dynamic loader they name, so the tree runs on
# its own in a `FROM scratch` image. Used by the Containerfile.
#
#   image-rootfs.sh DESTDIR FILE[:PATH-IN-DESTDIR]...
#
# FILE is installed at PATH-IN-DESTDIR (default: the same path). Libraries
# keep their path, so the loader finds them in its built-in default
# directories without an ld.so.cache. A library that cannot be found is an
# error.
#
# The programs may be built for another machine than the one this runs on
# (a cross-compiled arm64 server in an amd64 build container): nothing is
# run. The ELF headers are read instead (readelf, from binutils): the
# loader from PT_INTERP, the libraries from DT_NEEDED, transitively, each
# looked up in the multiarch directories (/lib/TRIPLET, /usr/lib/TRIPLET)
# and then /lib64, /usr/lib64, /lib, /usr/lib, taking the first one built
# for the same class, byte order and machine as the program. So with
# Debian's multiarch packages of several architectures installed side by
# side, each program gets its own architecture's libraries.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: image-rootfs.sh DESTDIR FILE[:PATH]..." >&2
	exit 2
fi
if ! command -v readelf >/dev/null 2>&1; then
	echo "image-rootfs.sh: readelf is missing (install binutils)" >&2
	exit 1
fi
dest=$1
shift

die() {
	echo "image-rootfs.sh: $*" >&2
	exit 1
}

copy_file() { # SRC DST: dereferenced, mode kept
	mkdir -p "$dest$(dirname "$2")"
	cp -L --preserve=mode "$1" "$dest$2"
}

# elf_kind FILE: "ELF64;2's complement, little endian;AArch64;", or
# nothing when FILE is not ELF.
elf_kind() {
	readelf -hW "$1" 2>/dev/null |
		awk -F': *' '/^ *(Class|Data|Machine):/ { printf "%s;", $2 }'
}

elf_interp() {
	readelf -lW "$1" |
		sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p'
}

elf_needed() {
	readelf -dW "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'
}

# find_lib NAME KIND: the path of library NAME built for KIND.
find_lib() {
	for dir in /lib/*-linux-gnu* /usr/lib/*-linux-gnu* /lib64 /usr/lib64 \
		/lib /usr/lib; do
		if [ -f "$dir/$1" ] && [ "$(elf_kind "$dir/$1")" = "$2" ]; then
			echo "$dir/$1"
			return 0
		fi
	done
	return 1
}

# add_deps FILE KIND LOADER: FILE's libraries, and theirs, into $dest.
# libc names the loader too: the loader that is already there serves it
# (it is matched by its name), as ldd shows.
add_deps() {
	for lib in $(elf_needed "$1"); do
		[ "$lib" != "$3" ] || continue
		path=$(find_lib "$lib" "$2") ||
			die "$1: no $lib for $2 (install the :ARCH -dev package)"
		if [ ! -e "$dest$path" ]; then
			copy_file "$path" "$path"
			add_deps "$path" "$2" "$3"
		fi
	done
}

for spec in "$@"; do
	src=${spec%%:*}
	dst=${spec#*:}
	copy_file "$src" "$dst"
	kind=$(elf_kind "$src")
	# Not ELF (a script): nothing to load.
	[ -n "$kind" ] || continue
	interp=$(elf_interp "$src")
	if [ -n "$interp" ] && [ ! -e "$dest$interp" ]; then
		[ -f "$interp" ] || die "$src: its loader $interp is not here"
		[ "$(elf_kind "$interp")" = "$kind" ] ||
			die "$src: its loader $interp is built for another machine"
		copy_file "$interp" "$interp"
	fi
	add_deps "$src" "$kind" "$(basename "${interp:-/}")"
done
