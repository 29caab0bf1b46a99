#!/usr/bin/env bats
# The images for every architecture (docs/multiarch.md): built the way
# users build them (make images-multiarch-archive: cross-compiled, one
# manifest list per image, written as an oci-archive), each platform's
# image pulled from that archive as a machine of that architecture would
# pull it from a registry, and run here: this machine's natively, the
# others (arm64 by default) under qemu-user through binfmt_misc, as smoke
# tests (emulation is several times slower).
# Needs root and podman, and for the emulated runs binfmt_misc with
# qemu-user's handlers (tools/deps-images.sh sets them up); what cannot
# run here skips and says why.
bats_require_minimum_version 1.5.0
load images-helpers

setup_file() { multiarch_setup_file; }
teardown_file() { multiarch_teardown_file; }
setup() { multiarch_setup; }
teardown() { images_teardown; }

# --- the manifest lists and what they hold ------------------------------------

@test "each image's manifest list names every platform once; podman manifest push sends the archive's bytes" {
	local name out store list pushed want got
	note "make images-multiarch-archive ($MA_PLATFORMS): $(cat "$BATS_FILE_TMPDIR/build-multiarch.seconds") s (base image and layer cache as found)"
	want=$(tr ' ' '\n' <<<"$MA_PLATFORMS" | sort)
	for name in echo httpd; do
		out=MA_ARCHIVE_$name
		out=${!out}
		# The publishing steps of docs/multiarch.md, in a storage of
		# their own: podman 4.3 cannot list images while a manifest
		# list is in the storage (containers/podman#19757).
		store=(podman --root "$T/storage" --runroot "$T/run" --storage-driver vfs)
		list=localhost/socket-activate-$name:publish
		"${store[@]}" manifest create "$list" >/dev/null
		run "${store[@]}" manifest add --all "$list" "oci-archive:$out:$MA_VERSION"
		[ "$status" -eq 0 ]
		run "${store[@]}" manifest inspect "$list"
		[ "$status" -eq 0 ]
		echo "$output"
		got=$(python3 -c 'import json, sys
for m in json.load(sys.stdin)["manifests"]:
    p = m["platform"]
    print("/".join(p[k] for k in ("os", "architecture", "variant") if p.get(k)))' <<<"$output" | sort)
		note "socket-activate-$name manifest list: $(tr '\n' ' ' <<<"$got")"
		[ "$got" = "$want" ]
		# What a push sends is the archive's index, byte for byte: the
		# same digest.
		run "${store[@]}" manifest push --all "$list" "oci:$T/pushed-$name:$MA_VERSION"
		[ "$status" -eq 0 ]
		pushed=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$T/pushed-$name/index.json")
		[ "$pushed" = "$(tar -xOf "$out" ./index.json | python3 -c 'import json, sys; print(json.load(sys.stdin)["manifests"][0]["digest"])')" ]
		"${store[@]}" manifest rm "$list" >/dev/null
	done
}

@test "each platform's image config names its os/architecture/variant, and its programs, libraries and loader are that machine's" {
	local name out full
	for name in echo httpd; do
		out=MA_ARCHIVE_$name
		run python3 "$TOOLS/oci-image-check.py" "${!out}" "$MA_VERSION" \
			"/socket-activate-$name" /image-entrypoint
		echo "$output"
		[ "$status" -eq 0 ]
		for full in $MA_PLATFORMS; do
			grep -q "^$full sha256:[0-9a-f]* config $full, [0-9]* ELF files: " <<<"$output"
		done
		[ "${#lines[@]}" -eq "$(wc -w <<<"$MA_PLATFORMS")" ]
	done
}

@test "podman pull --platform takes each platform's image from the archive; without --platform, this machine's" {
	local name full id arch out
	for name in echo httpd; do
		for full in $MA_PLATFORMS; do
			id=$(ma_id "$name" "$full")
			run podman image inspect --format '{{.Os}}/{{.Architecture}}' "$id"
			[ "$output" = "$(echo "$full" | cut -d/ -f1-2)" ]
		done
		out=MA_ARCHIVE_$name
		run podman pull -q "oci-archive:${!out}:$MA_VERSION"
		[ "$status" -eq 0 ]
		id=${lines[-1]}
		podman untag "$id" "localhost/$MA_VERSION:latest" 2>/dev/null || true
		arch=$(podman image inspect --format '{{.Architecture}}' "$id")
		note "socket-activate-$name without --platform: $arch (this machine: $MA_NATIVE_ARCH)"
		[ "$arch" = "$MA_NATIVE_ARCH" ]
	done
}

@test "each platform's image is at most 10 MB; the sizes per platform are printed" {
	local name full id size ok=1
	for name in echo httpd; do
		for full in $MA_PLATFORMS; do
			id=$(ma_id "$name" "$full")
			size=$(image_size "$id")
			note "socket-activate-$name $full: $size bytes"
			if [ "$size" -gt "$IMAGE_SIZE_LIMIT" ]; then
				echo "socket-activate-$name $full: $size bytes > $IMAGE_SIZE_LIMIT"
				ok=0
			fi
		done
	done
	[ "$ok" = 1 ]
}

# --- every platform runs ----------------------------------------------------------

@test "every platform's echo and httpd start here and print their version (others than this machine's under qemu-user)" {
	local name full start id
	foreign_platforms
	for name in echo httpd; do
		for full in $MA_PLATFORMS; do
			start=$(date +%s%N)
			id=$(ma_id "$name" "$full")
			run podman run --rm --network=none --platform "$full" "$id" --version
			echo "$output"
			[ "$status" -eq 0 ]
			[ "${lines[-1]}" = "socket-activate-$name $MA_VERSION" ]
			note "socket-activate-$name $full --version: $((($(date +%s%N) - start) / 1000000)) ms"
		done
	done
}

# assert_emulated NAME ARCH: the container NAME's server runs as
# 65534:65534, under qemu-user for ARCH (so ARCH's binary is what serves),
# with no network interface but lo.
assert_emulated() {
	local pid exe q
	pid=$(container_pid "$1")
	[ -n "$pid" ] && [ "$pid" -gt 0 ]
	exe=$(readlink "/proc/$pid/exe")
	q=$(qemu_name "$2")
	note "$2 server: pid $pid runs $exe"
	[[ "$(basename "$exe")" == *"qemu-$q"* ]] ||
		fail_with "the $2 server runs $exe, not qemu-$q: not an $2 binary"
	grep -qx $'Uid:\t65534\t65534\t65534\t65534' "/proc/$pid/status" ||
		fail_with "not uid 65534: $(grep ^Uid: "/proc/$pid/status")"
	grep -qx $'Gid:\t65534\t65534\t65534\t65534' "/proc/$pid/status" ||
		fail_with "not gid 65534: $(grep ^Gid: "/proc/$pid/status")"
	# --network=none: the container's network namespace has lo only.
	[ "$(awk 'NR > 2 { sub(":", "", $1); print $1 }' "/proc/$pid/net/dev")" = lo ] ||
		fail_with "interfaces other than lo: $(cat "/proc/$pid/net/dev")"
}

@test "other architectures (arm64 by default) under qemu-user: echo answers echo hello | socat over TCP, UDP and Unix through systemd-socket-activate and podman run --network=none, as 65534" {
	local full arch id port uport start
	foreign_platforms
	for full in $FOREIGN; do
		arch=$(echo "$full" | cut -d/ -f2)
		id=$(ma_id echo "$full")
		port=$(free_port)
		uport=$(free_port)
		activate -l 127.0.0.1:$port -l "$T/echo-$arch.sock" --fdname=tcp4:unix -- \
			--platform "$full" "$id"
		local stream=$NAME
		activate -d -l 127.0.0.1:$uport --fdname=udp4 -- --platform "$full" "$id"
		start=$(date +%s%N)
		run tcp_echo 127.0.0.1 $port hello
		[ "$status" -eq 0 ]
		[ "$output" = hello ]
		note "$full: first TCP round trip (container start included) $((($(date +%s%N) - start) / 1000000)) ms"
		run unix_echo "$T/echo-$arch.sock" hello-unix
		[ "$output" = hello-unix ]
		start=$(date +%s%N)
		run udp_echo 127.0.0.1 $uport hello-udp
		[ "$output" = hello-udp ]
		note "$full: first UDP round trip (container start included) $((($(date +%s%N) - start) / 1000000)) ms"
		assert_fd_line tcp4 "IPv4 stream socket 127.0.0.1:$port"
		assert_fd_line unix "Unix stream socket $T/echo-$arch.sock"
		assert_fd_line udp4 "IPv4 datagram socket 127.0.0.1:$uport"
		wait_for 5 grep -q "^tcp4 (fd [0-9]*): connection from 127\.0\.0\.1:[0-9]*$" "$LOG"
		assert_emulated "$stream" "$arch"
		assert_emulated "$NAME" "$arch"
		note "$full: $(grep -m1 '^sandbox:' "$LOG")"
	done
}

@test "other architectures (arm64 by default) under qemu-user: httpd serves its page through systemd-socket-activate and podman run --network=none, as 65534" {
	local full arch port start id
	foreign_platforms
	for full in $FOREIGN; do
		arch=$(echo "$full" | cut -d/ -f2)
		id=$(ma_id httpd "$full")
		port=$(free_port)
		activate -l 127.0.0.1:$port --fdname=web -- --platform "$full" "$id"
		start=$(date +%s%N)
		run timeout 30 curl -sS -o "$T/index-$arch.html" -w '%{http_code}' "http://127.0.0.1:$port/"
		[ "$output" = 200 ]
		note "$full: first page (container start included) $((($(date +%s%N) - start) / 1000000)) ms"
		grep -qi '<html' "$T/index-$arch.html"
		run timeout 20 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/no-such-page"
		[ "$output" = 404 ]
		wait_for 5 grep -q '^127\.0\.0\.1 .*"GET / HTTP/1\.1" 200' "$LOG"
		assert_fd_line web "IPv4 stream socket 127.0.0.1:$port"
		assert_emulated "$NAME" "$arch"
	done
}
