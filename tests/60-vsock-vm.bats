#!/usr/bin/env bats
# vsock end to end, in a small VM. This machine's kernel (like most) has
# AF_VSOCK but no loopback transport, so no local client can reach a vsock
# listener; Debian's kernel package has vsock_loopback as a module. Once
# per file, tests/vsock/vm.sh builds an initramfs from this build's
# binaries (cached under $BUILD_DIR/vm/KERNEL_VERSION/), boots it in qemu
# and runs tests/vsock/guest-tests.sh inside; each check there is one
# test here, failing with the guest's own diagnostics.
#
#   make check-vsock                    this file alone
#   VSOCK_VM_VERBOSE=1 make check-vsock the VM's diagnostics for every check
# The serial console of the last run stays in $BUILD_DIR/vm/console.log.
#
# Skips (saying why) without qemu, a static busybox or the kernel package:
# tools/deps.sh --test installs and fetches them.

load helpers
# HTTPD_BIN's default lives there.
load fixtures/httpd/helpers

VM=$REPO/tests/vsock/vm.sh

# Nothing runs on the host: no server log to show, no process to stop.
teardown() { :; }

setup_file() {
	local vmdir=${BUILD_DIR:-$REPO/build}/vm why rc=0
	export VM_STATE=$BATS_FILE_TMPDIR/state VM_RESULTS=$BATS_FILE_TMPDIR/results
	: >"$VM_RESULTS"
	if ! why=$("$VM" missing); then
		echo "skip $why" >"$VM_STATE"
		return 0
	fi
	if ! ECHO_BIN=$ECHO_BIN HTTPD_BIN=$HTTPD_BIN "$VM" build "$vmdir" >"$BATS_FILE_TMPDIR/build.log" 2>&1; then
		echo "fail building the VM failed: $(tail -n 5 "$BATS_FILE_TMPDIR/build.log")" >"$VM_STATE"
		return 0
	fi
	grep '^vm: ' "$BATS_FILE_TMPDIR/build.log" | sed 's/^/# /' >&3
	: >"$BATS_FILE_TMPDIR/console.log"
	"$VM" run "$vmdir" "$BATS_FILE_TMPDIR/console.log" 2>"$BATS_FILE_TMPDIR/run.log" || rc=$?
	# The accelerator and the durations, in the TAP output as comments
	# (as the initramfs line above).
	grep '^vm: ' "$BATS_FILE_TMPDIR/run.log" | head -n 3 | sed 's/^/# /' >&3
	tr -d '\r\0' <"$BATS_FILE_TMPDIR/console.log" |
		sed -n 's/^.*\(VSOCK booted\)/\1/; /^VSOCK /p' >"$VM_RESULTS"
	cp "$BATS_FILE_TMPDIR/console.log" "$vmdir/console.log"
	sed -n 's/^VSOCK # /# vm: /p' "$VM_RESULTS" >&3
	if [ -n "${VSOCK_VM_VERBOSE:-}" ]; then
		sed -n 's/^VSOCK \([a-z0-9_]*\) # /# \1: /p' "$VM_RESULTS" >&3
	fi
	if [ "$rc" -ne 0 ]; then
		echo "fail the VM run failed: $(cat "$BATS_FILE_TMPDIR/run.log")" >"$VM_STATE"
	else
		echo "ran" >"$VM_STATE"
	fi
}

# vm_check ID: passes if the guest reported "ok ID"; else fails with the
# guest's diagnostics for ID (or why there is no result at all).
vm_check() {
	local id=$1 state result
	state=$(cat "$VM_STATE")
	case $state in
	skip\ *) skip "${state#skip }" ;;
	esac
	result=$(grep -E "^VSOCK (not )?ok $id( |$)" "$VM_RESULTS" || true)
	sed -n "s/^VSOCK $id # //p" "$VM_RESULTS"
	if [ -z "$result" ]; then
		echo "no result for '$id' from the VM"
		grep '^VSOCK fatal' "$VM_RESULTS" || true
		[ "$state" = ran ] || echo "${state#fail }"
		return 1
	fi
	echo "$result"
	case $result in
	"VSOCK ok "*) return 0 ;;
	esac
	return 1
}

@test "vsock stream round trip through the echo server, socket from systemd-socket-activate" {
	vm_check echo_stream
}

@test "vsock seqpacket round trip through the echo server, socket passed with LISTEN_FDS" {
	vm_check echo_seqpacket
}

@test "seqpacket over vsock keeps record boundaries: a record over --max-datagram is dropped whole, the next echoed" {
	vm_check echo_seqpacket_records
}

@test "Accept=yes on vsock: one echo server per connection, each exits when its client is done" {
	vm_check echo_accept
}

@test "16 MiB come back byte-exact through vsock (sha256)" {
	vm_check echo_16mib
}

@test "echo --listen binds vsock stream and seqpacket addresses itself and serves them" {
	vm_check echo_listen
}

@test "SIGTERM with a connected vsock client: every byte it sent comes back, then EOF, exit 0" {
	vm_check echo_sigterm
}

@test "httpd over vsock: GET answers 200 with the file, the access log shows peer=vsock:1:PORT" {
	vm_check httpd_get
}

@test "httpd over vsock: a Range request answers 206 with exactly those bytes" {
	vm_check httpd_range
}

@test "httpd over vsock: the diagnostics page shows family vsock and the client's own CID:port" {
	vm_check httpd_diagnostics
}

@test "httpd --listen vsock:1:PORT binds it itself and serves it" {
	vm_check httpd_listen
}

@test "httpd: SIGTERM during a vsock download lets it complete byte-exact, then exits 0" {
	vm_check httpd_sigterm
}

@test "both servers run sandboxed in the VM (Landlock and seccomp), as users run them" {
	vm_check sandbox
}

# A check the guest ran without a test here, or a guest that stopped early,
# would otherwise go unnoticed.
@test "the VM ran every check, each has a test in this file, and it powered off" {
	local state ran listed
	state=$(cat "$VM_STATE")
	case $state in
	skip\ *) skip "${state#skip }" ;;
	fail\ *) echo "${state#fail }"; return 1 ;;
	esac
	ran=$(sed -n 's/^VSOCK \(not \)\{0,1\}ok \([a-z0-9_]*\).*/\2/p' "$VM_RESULTS" | sort)
	listed=$(sed -n 's/^[[:space:]]*vm_check \([a-z0-9_]*\)$/\1/p' "$BATS_TEST_FILENAME" | sort)
	echo "ran in the VM: $ran"
	echo "tests here:    $listed"
	[ -n "$ran" ]
	[ "$ran" = "$listed" ]
	grep -qx "VSOCK checks $(echo "$ran" | wc -l)" "$VM_RESULTS"
}
