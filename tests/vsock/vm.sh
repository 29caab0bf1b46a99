#!/usr/bin/env bash
# The small VM that proves vsock end to end (tests/60-vsock-vm.bats).
#
# Most kernels, this project's CI machines' among them, have AF_VSOCK but no
# loopback transport, so nothing local can connect to a vsock listener. A
# Debian kernel package ships vsock_loopback as a module: this boots that
# kernel in qemu with an initramfs holding busybox, the three vsock modules,
# our two servers, socat and systemd-socket-activate (each with the
# libraries ldd lists), and runs tests/vsock/guest-tests.sh inside.
#
#   vm.sh has-kernel       exit 0 if the cache holds the kernel package
#                          linux-image-amd64 depends on (any kernel
#                          package when apt's lists are gone); no root
#   vm.sh fetch-kernel     as root (tools/deps.sh --test): apt-get download that
#                          package into $VSOCK_KERNEL_CACHE; nothing if it
#                          is there
#   vm.sh missing          print why the VM cannot run here and exit 1, or
#                          print nothing and exit 0
#   vm.sh build VM_DIR     the initramfs for $ECHO_BIN and $HTTPD_BIN, in
#                          VM_DIR/KERNEL_VERSION/; rebuilt only when an
#                          input changed (says which)
#   vm.sh run VM_DIR LOG   boot it; the serial console goes to LOG; exit 0
#                          when the guest ran its checks and powered off
#
# Environment: ECHO_BIN, HTTPD_BIN (build); VSOCK_KERNEL_CACHE (default
# /var/cache/socket-activate), VSOCK_KERNEL_DEB (a kernel package to use
# instead); VSOCK_VM_ACCEL (kvm or tcg: only that one; default: KVM when
# it is proven to start the guest, else TCG); VSOCK_VM_TIMEOUT (seconds
# for the whole run, default 180).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
KERNEL_CACHE=${VSOCK_KERNEL_CACHE:-/var/cache/socket-activate}
# The guest's own lines on the console start with this; see guest-tests.sh.
MARK=VSOCK

die() {
	echo "vm.sh: $*" >&2
	exit 1
}

# The versioned kernel package linux-image-amd64 depends on, from apt's
# lists (empty when they are missing).
kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}

cached() { # PACKAGE-NAME-PATTERN
	[ -n "$(find "$KERNEL_CACHE" -maxdepth 1 -name "${1}_*_amd64.deb" 2>/dev/null)" ]
}

cmd_has_kernel() {
	local pkg
	pkg=$(kernel_package)
	cached "${pkg:-linux-image-*-amd64}"
}

apt_update() {
	apt-get -o DPkg::Lock::Timeout=600 update -qq
}

cmd_fetch_kernel() {
	local pkg
	[ "$(id -u)" = 0 ] || die "fetch-kernel needs root (apt-get update may be needed)"
	pkg=$(kernel_package)
	if [ -z "$pkg" ]; then
		apt_update
		pkg=$(kernel_package)
	fi
	[ -n "$pkg" ] || die "apt knows no linux-image-amd64 (not Debian on amd64?)"
	if cached "$pkg"; then
		return 0
	fi
	mkdir -p "$KERNEL_CACHE"
	chmod 755 "$KERNEL_CACHE"
	# Global: the EXIT trap runs after this function has returned.
	FETCH_TMP=$(mktemp -d)
	trap 'rm -rf "$FETCH_TMP"' EXIT
	# apt downloads as _apt where that user may write, else warns.
	if getent passwd _apt >/dev/null; then
		chown _apt "$FETCH_TMP"
	fi
	# Stale lists name a version the mirror no longer has: update, retry.
	if ! (cd "$FETCH_TMP" && apt-get download -qq "$pkg" 2>/dev/null); then
		apt_update
		pkg=$(kernel_package)
		(cd "$FETCH_TMP" && apt-get download -qq "$pkg")
	fi
	# One kernel at a time: drop the ones linux-image-amd64 moved away from.
	rm -f "$KERNEL_CACHE"/linux-image-*_amd64.deb
	mv "$FETCH_TMP"/"${pkg}"_*_amd64.deb "$KERNEL_CACHE"/
	chmod 644 "$KERNEL_CACHE"/"${pkg}"_*_amd64.deb
	echo "vsock VM kernel: $(ls "$KERNEL_CACHE"/"${pkg}"_*_amd64.deb)"
}

# The kernel package to boot: $VSOCK_KERNEL_DEB, else the newest in the
# cache. Prints nothing when there is none.
kernel_deb() {
	if [ -n "${VSOCK_KERNEL_DEB:-}" ]; then
		echo "$VSOCK_KERNEL_DEB"
		return
	fi
	find "$KERNEL_CACHE" -maxdepth 1 -name 'linux-image-*-amd64_*_amd64.deb' 2>/dev/null |
		sort -V | tail -n 1
}

cmd_missing() {
	local t deb
	if [ "$(uname -m)" != x86_64 ]; then
		echo "the test VM boots Debian's amd64 kernel with this host's binaries; this host is $(uname -m)"
		return 1
	fi
	for t in qemu-system-x86_64:qemu-system-x86 cpio:cpio dpkg-deb:dpkg; do
		if ! command -v "${t%%:*}" >/dev/null; then
			echo "no ${t%%:*} (package ${t#*:}): run tools/deps.sh --test"
			return 1
		fi
	done
	if ! busybox_is_static; then
		echo "no static busybox (package busybox-static): run tools/deps.sh --test"
		return 1
	fi
	for t in socat systemd-socket-activate; do
		if ! command -v "$t" >/dev/null; then
			echo "no $t: run tools/deps.sh --test"
			return 1
		fi
	done
	deb=$(kernel_deb)
	if [ -z "$deb" ] || ! [ -r "$deb" ]; then
		echo "no kernel package in $KERNEL_CACHE (tools/deps.sh --test fetches the one linux-image-amd64 depends on with apt-get download; or set VSOCK_KERNEL_DEB)"
		return 1
	fi
	return 0
}

busybox_is_static() {
	local b
	b=$(command -v busybox) || return 1
	! ldd "$b" >/dev/null 2>&1
}

# copy_with_libs ROOT BINARY DEST: BINARY as ROOT/DEST, and every library
# ldd lists at the same path under ROOT (the loader included).
copy_with_libs() {
	local root=$1 bin=$2 dest=$3 lib
	install -D -m 755 "$bin" "$root/$dest"
	for lib in $(ldd "$bin" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
		[ -e "$root/$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$root/$lib"
	done
}

# extract_kernel DEB DIR: vmlinuz and the vsock modules (uncompressed) into
# DIR, once per package.
extract_kernel() {
	local deb=$1 dir=$2 tmp m f
	if [ -f "$dir/extracted" ] && [ "$(cat "$dir/extracted")" = "$(basename "$deb")" ]; then
		return 0
	fi
	tmp=$(mktemp -d "$dir/extract.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$tmp" --wildcards '*/boot/vmlinuz-*' '*/net/vmw_vsock/*'
	mkdir -p "$dir/modules"
	cp "$(find "$tmp" -path '*/boot/vmlinuz-*' | head -n 1)" "$dir/vmlinuz"
	for m in vsock vmw_vsock_virtio_transport_common vsock_loopback; do
		f=$(find "$tmp" -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || die "$deb has no $m module"
		case $f in
		*.ko) cp "$f" "$dir/modules/$m.ko" ;;
		*.ko.xz) busybox xzcat "$f" >"$dir/modules/$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$dir/modules/$m.ko" ;;
		*.ko.gz) gzip -dc "$f" >"$dir/modules/$m.ko" ;;
		*) die "unknown module compression: $f" ;;
		esac
	done
	rm -rf "$tmp"
	basename "$deb" >"$dir/extracted"
}

cmd_build() {
	local vmdir=$1 deb kver dir key root tool a why t0
	why=$(cmd_missing) || die "$why"
	for a in "${ECHO_BIN:-}" "${HTTPD_BIN:-}"; do
		{ [ -f "$a" ] && [ -x "$a" ]; } ||
			die "ECHO_BIN and HTTPD_BIN must name this build's binaries (ECHO_BIN=${ECHO_BIN:-}, HTTPD_BIN=${HTTPD_BIN:-})"
	done
	deb=$(kernel_deb)
	kver=$(basename "$deb" | sed 's/^linux-image-\(.*-amd64\)_.*/\1/')
	dir=$vmdir/$kver
	mkdir -p "$dir"
	extract_kernel "$deb" "$dir"

	tool=$dir/vsock-tool
	# Warnings are errors here as everywhere in this project.
	if ! [ -x "$tool" ] || [ "$here/vsock-tool.c" -nt "$tool" ]; then
		${CC:-cc} -O2 -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wundef \
			-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
			-Wnull-dereference -o "$tool" "$here/vsock-tool.c"
	fi

	# Rebuilt when anything that goes in changed, and only then.
	key=$(sha256sum "$ECHO_BIN" "$HTTPD_BIN" "$tool" "$here/init" \
		"$here/guest-tests.sh" "$0" "$(command -v busybox)" "$(command -v socat)" \
		"$(command -v systemd-socket-activate)" "$dir/vmlinuz" "$dir"/modules/*.ko |
		cut -d' ' -f1 | sha256sum | cut -d' ' -f1)
	if [ -f "$dir/initrd.gz" ] && [ "$(cat "$dir/initrd.key" 2>/dev/null)" = "$key" ]; then
		echo "vm: initramfs for $kver up to date ($dir)"
		return 0
	fi
	t0=$SECONDS
	root=$(mktemp -d "$dir/root.XXXXXX")
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/vsock}
	install -m 755 "$(command -v busybox)" "$root/bin/busybox"
	for a in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	cp "$dir"/modules/*.ko "$root/lib/vsock/"
	copy_with_libs "$root" "$ECHO_BIN" /usr/local/bin/socket-activate-echo
	copy_with_libs "$root" "$HTTPD_BIN" /usr/local/bin/socket-activate-httpd
	copy_with_libs "$root" "$tool" /usr/local/bin/vsock-tool
	copy_with_libs "$root" "$(command -v socat)" /usr/bin/socat
	copy_with_libs "$root" "$(command -v systemd-socket-activate)" /usr/bin/systemd-socket-activate
	install -m 755 "$here/init" "$root/init"
	install -m 755 "$here/guest-tests.sh" "$root/guest-tests.sh"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
		gzip -1 >"$dir/initrd.gz.tmp"
	mv "$dir/initrd.gz.tmp" "$dir/initrd.gz"
	echo "$key" >"$dir/initrd.key"
	rm -rf "$root"
	echo "vm: initramfs for $kver built in $((SECONDS - t0)) s, $(($(stat -c %s "$dir/initrd.gz") / 1048576)) MiB ($dir)"
}

# Seconds since the epoch, with milliseconds.
now() {
	local t=$EPOCHREALTIME
	echo "${t%???}"
}

elapsed() { # FROM TO
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}

# The console without carriage returns, the firmware's escape sequences
# before the first line of ours, or NULs.
console() {
	tr -d '\r\0' <"$1" | sed "s/^.*\($MARK booted\)/\1/"
}

last_lines() {
	console "$1" | grep -v '^[[:space:]]*$' | tail -n "$2"
}

# start_qemu ACCEL KDIR LOG: qemu in the background, its console (and its
# own messages) to LOG. A subshell waits for it and writes its exit status
# to LOG.rc; QEMU_SH is that subshell, LOG.pid holds qemu's own pid.
start_qemu() {
	local accel=$1 kdir=$2 log=$3 cpu=max
	[ "$accel" = kvm ] && cpu=host
	rm -f "$log.rc" "$log.pid"
	# -smp 2: client and server run at once, as they would on any host.
	(
		qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -m 512 -smp 2 \
			-nodefaults -display none -serial stdio -no-reboot \
			-pidfile "$log.pid" \
			-kernel "$kdir/vmlinuz" -initrd "$kdir/initrd.gz" \
			-append "console=ttyS0 panic=-1 quiet${VSOCK_VM_VERBOSE:+ vsock.verbose}"
		echo "$?" >"$log.rc"
	) </dev/null >"$log" 2>&1 &
	QEMU_SH=$!
}

stop_qemu() {
	local log=$1
	if [ -s "$log.pid" ]; then
		kill "$(cat "$log.pid")" 2>/dev/null || true
	fi
	wait "$QEMU_SH" 2>/dev/null || true
}

qemu_running() {
	kill -0 "$QEMU_SH" 2>/dev/null
}

# wait_boot LOG SECONDS: until the guest's first line; 1 if qemu ended or
# SECONDS passed first (qemu is then stopped).
wait_boot() {
	local log=$1 deadline=$((SECONDS + $2))
	until console "$log" | grep -q "^$MARK booted"; do
		if ! qemu_running || ((SECONDS >= deadline)); then
			stop_qemu "$log"
			return 1
		fi
		sleep 0.1
	done
}

cmd_run() {
	local vmdir=$1 log=$2 deb kver kdir timeout accel why booted=0
	local t_start t_boot t_done='' t_end rc
	deb=$(kernel_deb)
	kver=$(basename "$deb" | sed 's/^linux-image-\(.*-amd64\)_.*/\1/')
	kdir=$vmdir/$kver
	[ -f "$kdir/initrd.gz" ] || die "no initramfs in $kdir: run '$0 build $vmdir' first"
	timeout=${VSOCK_VM_TIMEOUT:-180}

	accel=${VSOCK_VM_ACCEL:-}
	case $accel in
	kvm | tcg | '') ;;
	*) die "VSOCK_VM_ACCEL must be kvm or tcg" ;;
	esac
	# Under nested virtualization /dev/kvm can exist and still not run a
	# guest (on this project's CI VMs qemu aborts on an MSR, or the guest
	# never starts): KVM is kept only once the guest is seen to start.
	if [ -z "$accel" ] && [ -w /dev/kvm ]; then
		t_start=$(now)
		start_qemu kvm "$kdir" "$log"
		if wait_boot "$log" 10; then
			accel=kvm booted=1
		else
			why=$(grep -a -m 1 '^qemu-system-x86_64: ' "$log" || echo "no output in 10 s")
			echo "vm: KVM did not start the guest ($why): falling back to TCG" >&2
		fi
	elif [ -z "$accel" ]; then
		echo "vm: no usable /dev/kvm: TCG (emulation)" >&2
	fi
	if [ "$booted" = 0 ]; then
		accel=${accel:-tcg}
		t_start=$(now)
		start_qemu "$accel" "$kdir" "$log"
		if ! wait_boot "$log" 90; then
			if [ -f "$log.rc" ]; then
				echo "vm: the guest never started its checks (${accel^^}; qemu ended, status $(cat "$log.rc")); last console lines:" >&2
			else
				echo "vm: the guest did not start its checks within 90 s (${accel^^}): stopped; last console lines:" >&2
			fi
			last_lines "$log" 20 >&2
			return 1
		fi
	fi
	t_boot=$(now)

	# The guest powers off when done; one that hangs is stopped here.
	while qemu_running; do
		if (($(elapsed "$t_start" "$(now)" | cut -d. -f1) >= timeout)); then
			stop_qemu "$log"
			echo "vm: still running after $timeout s (VSOCK_VM_TIMEOUT): stopped; last console lines:" >&2
			last_lines "$log" 20 >&2
			return 1
		fi
		if [ -z "$t_done" ] && console "$log" | grep -q "^$MARK done"; then
			t_done=$(now)
		fi
		sleep 0.1
	done
	wait "$QEMU_SH" || true
	t_end=$(now)
	t_done=${t_done:-$t_end}
	rc=$(cat "$log.rc" 2>/dev/null || echo "unknown")
	echo "vm: ${accel^^}, boot $(elapsed "$t_start" "$t_boot") s, checks $(elapsed "$t_boot" "$t_done") s, total $(elapsed "$t_start" "$t_end") s" >&2
	if [ "$rc" != 0 ]; then
		echo "vm: qemu exited with status $rc; last console lines:" >&2
		last_lines "$log" 20 >&2
		return 1
	fi
	if ! console "$log" | grep -q "^$MARK done"; then
		echo "vm: the guest stopped before finishing its checks; last console lines:" >&2
		last_lines "$log" 20 >&2
		return 1
	fi
}

case ${1:-} in
has-kernel) cmd_has_kernel ;;
fetch-kernel) cmd_fetch_kernel ;;
missing) cmd_missing ;;
build) [ $# -eq 2 ] || die "usage: $0 build VM_DIR"; cmd_build "$2" ;;
run) [ $# -eq 3 ] || die "usage: $0 run VM_DIR LOG"; cmd_run "$2" "$3" ;;
*) die "usage: $0 has-kernel | fetch-kernel | missing | build VM_DIR | run VM_DIR LOG" ;;
esac
