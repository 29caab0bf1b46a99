# Helpers of tests/5x-units-*.bats: the reference units of systemd/ under a
# real systemd, in the labs of tests/lab/lab.sh (systemd as PID 1 in a podman
# container). Needs root and podman (and debootstrap for the first build
# of a lab); without them every test skips and says why. The labs are
# built once and cached as local images; each test file starts its lab in
# setup_file and removes it in teardown_file.
#
# The units run as the lab user u1 under its systemd --user, as the
# documentation shows them, installed with `make install-units`.
# Test-only adaptations to this machine are drop-ins the tests write (see
# lab_dropins), never edits of the shipped files.
#
# Environment (optional): PODMAN, LAB_KEEP=1 (leave the lab running after
# the file, for debugging: tests/lab/lab.sh exec NAME bash).
load lib
LAB_SH=$REPO/tests/lab/lab.sh
PODMAN=${PODMAN:-podman}
ECHO_IMAGE=localhost/socket-activate-echo:latest
HTTPD_IMAGE=localhost/socket-activate-httpd:latest

# --- once per file ------------------------------------------------------------

# lab_setup_file KIND [IMAGE]: decide what can run, start the lab, copy the
# images in, install the servers (as make install does, for the units that
# run them directly) and the units. With IMAGE, that image goes in as
# $ECHO_IMAGE and no httpd image at all. Tests read UNITS_SKIP (skip),
# LAB_ERROR (fail) and HTTPD_SKIP.
lab_setup_file() {
	local kind=$1 own_echo=${2:-} t start=$SECONDS
	export LAB_KIND=$kind UNITS_SKIP="" LAB_ERROR="" HTTPD_SKIP=""
	export LAB="sa-units-$kind-$$"
	export LAB_LOG=$BATS_FILE_TMPDIR/lab.log

	if [ "$(id -u)" -ne 0 ]; then
		UNITS_SKIP="needs root: the labs are privileged podman containers running systemd"
		return 0
	fi
	for t in podman flock python3; do
		if ! command -v "$t" >/dev/null 2>&1; then
			UNITS_SKIP="$t is not installed (tools/deps-images.sh installs podman and the rest)"
			return 0
		fi
	done
	# Host podman: the caller's configuration, or lab.sh's test-only one
	# (runc, cgroupfs, ulimits: see LAB.md), also for make image-echo.
	CONTAINERS_CONF=$("$LAB_SH" host-conf)
	export CONTAINERS_CONF
	if ! "$LAB_SH" cached "$kind" && ! command -v debootstrap >/dev/null 2>&1; then
		UNITS_SKIP="no cached $kind lab and no debootstrap to build one (apt-get install debootstrap, or tools/deps-images.sh)"
		return 0
	fi

	# The echo image: built by tools/images.mk when missing.
	if ! $PODMAN image exists "$ECHO_IMAGE"; then
		if ! make -C "$REPO" -f tools/images.mk image-echo \
			>"$BATS_FILE_TMPDIR/image-echo.log" 2>&1 3>&-; then
			LAB_ERROR="$ECHO_IMAGE is missing and make image-echo failed: $(tail -3 "$BATS_FILE_TMPDIR/image-echo.log")"
			return 0
		fi
	fi
	if [ -n "$own_echo" ]; then
		HTTPD_SKIP="this file loads no httpd image"
	elif ! $PODMAN image exists "$HTTPD_IMAGE"; then
		HTTPD_SKIP="no $HTTPD_IMAGE on this host (make image-httpd; the httpd server may not exist yet)"
	fi

	# Labs of earlier runs that were killed before their teardown_file.
	local old
	for old in $($PODMAN ps -a --format '{{.Names}}' | grep "^sa-units-$kind-[0-9]*$" || true); do
		kill -0 "${old##*-}" 2>/dev/null || "$LAB_SH" stop "$old" >>"$LAB_LOG" 2>&1 3>&- || true
	done
	if ! "$LAB_SH" start "$kind" "$LAB" >>"$LAB_LOG" 2>&1 3>&-; then
		LAB_ERROR="the $kind lab did not start: $(tail -5 "$LAB_LOG")"
		return 0
	fi
	local imgs=("${own_echo:-$ECHO_IMAGE}")
	[ -n "$HTTPD_SKIP" ] || imgs+=("$HTTPD_IMAGE")
	if ! "$LAB_SH" load "$LAB" "${imgs[@]}" >>"$LAB_LOG" 2>&1 3>&-; then
		LAB_ERROR="copying the images into the lab failed: $(tail -5 "$LAB_LOG")"
		return 0
	fi
	if [ -n "$own_echo" ] && ! { R "podman tag $own_echo $ECHO_IMAGE" &&
		U "podman tag $own_echo $ECHO_IMAGE"; } >>"$LAB_LOG" 2>&1 3>&-; then
		LAB_ERROR="tagging $own_echo as $ECHO_IMAGE in the lab failed: $(tail -5 "$LAB_LOG")"
		return 0
	fi
	# The units of systemd/*-fdstore.* run the servers themselves.
	if ! "$LAB_SH" install-servers "$LAB" >>"$LAB_LOG" 2>&1 3>&-; then
		LAB_ERROR="installing the servers in the lab failed: $(tail -5 "$LAB_LOG")"
		return 0
	fi
	# Installed the way users do it; the Makefile picks Quadlet or not.
	if ! U 'make -s -C /src -f tools/units.mk install-units' >>"$LAB_LOG" 2>&1 3>&-; then
		LAB_ERROR="make install-units failed in the lab: $(tail -5 "$LAB_LOG")"
		return 0
	fi
	lab_dropins >>"$LAB_LOG" 2>&1 3>&- || {
		LAB_ERROR="writing the lab drop-ins failed: $(tail -5 "$LAB_LOG")"
		return 0
	}
	U 'systemctl --user daemon-reload' >>"$LAB_LOG" 2>&1 3>&-
	echo "$((SECONDS - start))" >"$BATS_FILE_TMPDIR/setup.seconds"
}

lab_teardown_file() {
	[ -n "${LAB:-}" ] || return 0
	if [ "${LAB_KEEP:-0}" = 1 ]; then
		echo "# LAB_KEEP=1: lab $LAB left running (tests/lab/lab.sh stop $LAB)" >&3
		return 0
	fi
	"$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true
}

# Test-only adaptations, as drop-ins next to the installed units:
# --cgroups=split (what Quadlet and our plain twins use) needs cgroup v2
# for rootless podman; these hosts have cgroup v1 (hybrid), so the
# containers run with podman's default --cgroups=enabled instead, and in
# a cgroup namespace of their own (--cgroupns=private, podman's default on
# cgroup v2; with the v1 default, host, runc cannot mount the nested lab's
# cgroup paths). That is LAB_CGROUP_ARGS. Quadlet:
# NAME.container.d/50-lab.conf with PodmanArgs (the last --cgroups wins).
# Plain services: NAME.service.d/50-lab.conf repeating the shipped
# ExecStart with --cgroups=split replaced.
LAB_CGROUP_ARGS="--cgroups=enabled --cgroupns=private"
lab_dropins() {
	local f name
	# Only for what make install-units installed: a plain echo.service
	# drop-in would also apply to the echo.service Quadlet generates.
	for f in "$REPO"/systemd/*.container; do
		name=$(basename "$f")
		U "[ -e ~/.config/containers/systemd/$name ] || exit 0
			mkdir -p ~/.config/containers/systemd/$name.d &&
			printf '# test-only (tests/units-helpers.bash)\n[Container]\nPodmanArgs=$LAB_CGROUP_ARGS\n' \
			>~/.config/containers/systemd/$name.d/50-lab.conf"
	done
	for f in "$REPO"/systemd/*.service; do
		grep -q -- '--cgroups=split' "$f" || continue
		name=$(basename "$f")
		exec_start_dropin "$f" | Uin "[ -e ~/.config/systemd/user/$name ] || exit 0
			mkdir -p ~/.config/systemd/user/$name.d &&
			cat >~/.config/systemd/user/$name.d/50-lab.conf"
	done
}

# exec_start_dropin FILE [SED-EXPR...]: a [Service] drop-in that replaces
# FILE's ExecStart= by the same command, with the lab's cgroup adaptation
# and the given sed expressions applied.
exec_start_dropin() {
	local f=$1 cmd
	shift
	cmd=$(sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' "$f" |
		sed -n 's/^ExecStart=//p' | sed -e "s/--cgroups=split/$LAB_CGROUP_ARGS/" "${@/#/-e}")
	printf '# test-only (tests/units-helpers.bash)\n[Service]\nExecStart=\nExecStart=%s\n' "$cmd"
}

# --- per test -------------------------------------------------------------------

lab_setup() {
	[ -z "$UNITS_SKIP" ] || skip "$UNITS_SKIP"
	[ -z "$LAB_ERROR" ] || fail "$LAB_ERROR"
	# Journal lines of this test only: journalctl --since @$TEST_T0.
	TEST_T0=$(U 'date +%s.%6N')
}

# Every test leaves the lab as it found it: our units stopped, failed
# states reset, test drop-ins removed, no containers left.
lab_teardown() {
	[ -z "$UNITS_SKIP" ] && [ -z "$LAB_ERROR" ] || return 0
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		echo "--- the lab user's journal during this test (last 50 lines):"
		U 'journalctl --user --no-pager -o short-monotonic --since "@$TEST_T0"' 2>&1 |
			grep -Ev ' (container|image) [a-z]+ |Started podman-[0-9]+\.scope|^$' | tail -50 || true
	fi
	U 'systemctl --user stop "echo*" "httpd*" podman-usernamespace.service 2>/dev/null
		rm -f ~/.config/systemd/user/*.d/test-*.conf ~/.config/containers/systemd/*.d/test-*.conf
		systemctl --user daemon-reload
		systemctl --user reset-failed 2>/dev/null
		podman rm -a -f -t 0 >/dev/null 2>&1
		true' || true
	R 'systemctl stop "echo*" "httpd*" 2>/dev/null; systemctl reset-failed 2>/dev/null; true' || true
}

# Each file's setup_file calls lab_setup_file KIND; the rest is the same.
teardown_file() { lab_teardown_file; }
setup() { lab_setup; }
teardown() { lab_teardown; }

fail() {
	echo "$*" >&2
	return 1
}

need_httpd() { [ -z "$HTTPD_SKIP" ] || skip "$HTTPD_SKIP"; }

# --- in the lab -------------------------------------------------------------------

# Bash functions available to every script run in the lab (U and R).
# wait_for SECONDS CMD...: poll until CMD succeeds (lib.bash).
# state UNIT: ActiveState of a user unit; sstate: of a system unit.
# tcp/unix/udp ADDRESS MESSAGE: one request through socat, reply on stdout.
_lab_funcs() {
	# jr ARGS: the lab user's journal since the test began, -o cat.
	jr() { journalctl --user --no-pager -o cat --since "@$TEST_T0" "$@"; }
	state() { systemctl --user show -P ActiveState "$1"; }
	sstate() { systemctl show -P ActiveState "$1"; }
	is_state() { [ "$(state "$1")" = "$2" ]; }
	is_sstate() { [ "$(sstate "$1")" = "$2" ]; }
	tcp() { printf '%s\n' "$2" | timeout 30 socat -t 30 - "tcp:$1"; }
	unix() { printf '%s\n' "$2" | timeout 30 socat -t 30 - "unix-connect:$1"; }
	udp() { printf '%s\n' "$2" | timeout 30 socat -T 20 - "udp:$1"; }
	true
}
LAB_FUNCS="$(declare -f wait_for _lab_funcs); _lab_funcs"

# U SCRIPT: SCRIPT (bash) as the lab user; R SCRIPT: as root in the lab.
# Their stdin is /dev/null; Uin and Rin pass theirs on.
U() { "$LAB_SH" user "$LAB" "TEST_T0=${TEST_T0:-0}; $LAB_FUNCS
$1" </dev/null; }
R() { "$LAB_SH" exec "$LAB" bash -c "TEST_T0=${TEST_T0:-0}; $LAB_FUNCS
$1" </dev/null; }
Uin() { "$LAB_SH" user "$LAB" "TEST_T0=${TEST_T0:-0}; $LAB_FUNCS
$1"; }
Rin() { "$LAB_SH" exec "$LAB" bash -c "TEST_T0=${TEST_T0:-0}; $LAB_FUNCS
$1"; }

# ujournal UNIT: the lab user's journal of UNIT since the test began.
ujournal() { U "jr -u '$1'"; }

# --- test bodies shared by the labs ---------------------------------------------
# The same tests run in both labs: make install-units chose the flavour
# (plain services on bookworm, Quadlet on trixie) under the same unit
# names, so only the test-only drop-ins differ.

quadlet_installed() { U "[ -e ~/.config/containers/systemd/$1.container ]"; }

# test_dropin NAME WHAT [ARG]: a test-only change to NAME.container or the
# plain NAME.service, removed in teardown:
#   start-sleep SECONDS   the server waits SECONDS before READY=1 (-t)
#   pull-always           --pull=always instead of --pull=never
test_dropin() {
	local name=$1 what=$2 arg=${3:-}
	if quadlet_installed "$name"; then
		case $what in
		start-sleep) printf '[Container]\nExec=--start-sleep=%s\n' "$arg" ;;
		pull-always) printf '[Container]\nPull=always\n' ;;
		esac | Uin "mkdir -p ~/.config/containers/systemd/$name.container.d
			{ echo '# test-only'; cat; } >~/.config/containers/systemd/$name.container.d/test-$what.conf"
	else
		case $what in
		start-sleep) exec_start_dropin "$REPO/systemd/$name.service" "s|\$| --start-sleep=$arg|" ;;
		pull-always) exec_start_dropin "$REPO/systemd/$name.service" 's/--pull=never/--pull=always/' ;;
		esac | Uin "mkdir -p ~/.config/systemd/user/$name.service.d
			cat >~/.config/systemd/user/$name.service.d/test-$what.conf"
	fi
	U 'systemctl --user daemon-reload'
}

# systemd-analyze verify on every unit, as installed for the lab user
# (templates through an instance: echo@3001.socket, not echo@.socket), and
# on the system-only units as root. Quadlet files through the generator's
# output for the shipped files. ALLOWED: a regexp of warnings expected
# here (systemd 252 does not know OpenFile=).
t_verify() {
	local allowed=${1:-}
	run U '
		set -e
		v=$(mktemp -d)
		cd ~/.config/systemd/user
		for f in *.socket *.service; do
			case $f in
			*@.*) cp "$f" "$v/${f/@./@3001.}" ;;
			*) cp "$f" "$v/$f" ;;
			esac
		done
		if [ -d ~/.config/containers/systemd ]; then
			g=$(mktemp -d)
			# The shipped files, not the lab drop-ins.
			QUADLET_UNIT_DIRS=/src/systemd /usr/libexec/podman/quadlet -user "$g" 2>&1 |
				grep -v "Loading source unit file" || true
			for f in "$g"/*.service; do
				b=$(basename "$f")
				case $b in
				*@.*) cp "$f" "$v/${b/@./@3001.}" ;;
				*) cp "$f" "$v/$b" ;;
				esac
			done
			echo "generated: $(cd "$g" && ls | tr "\n" " ")"
		fi
		echo "verifying: $(cd "$v" && ls | tr "\n" " ")"
		systemd-analyze --user --man=no verify "$v"/* 2>&1
		echo "user verify: $?"'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"user verify: 0"* ]]
	local bad
	bad=$(grep -v -e '^generated: ' -e '^verifying: ' -e '^user verify: ' <<<"$output" |
		{ if [ -n "$allowed" ]; then grep -Ev -- "$allowed"; else cat; fi; } || true)
	if [ -n "$bad" ]; then
		echo "unexpected verify output:"
		echo "$bad"
		return 1
	fi
	# The system-only units: port 80 for a user's rootless container, and
	# the OpenFile= unit.
	run R '
		v=$(mktemp -d)
		cp /src/systemd/httpd-system@.socket "$v/httpd-system@1000.socket"
		cp /src/systemd/httpd-system@.service "$v/httpd-system@1000.service"
		cp /src/systemd/echo-openfile.service "$v/"
		echo "verifying: $(cd "$v" && ls | tr "\n" " ")"
		systemd-analyze --man=no verify "$v"/* 2>&1
		echo "system verify: $?"'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"system verify: 0"* ]]
	bad=$(grep -v -e '^verifying: ' -e '^system verify: ' <<<"$output" |
		{ if [ -n "$allowed" ]; then grep -Ev -- "$allowed"; else cat; fi; } || true)
	if [ -n "$bad" ]; then
		echo "unexpected verify output:"
		echo "$bad"
		return 1
	fi
}

# echo.socket and its companions: every socket kind answers, every fd
# arrives under its FileDescriptorName=, the container has no network.
t_echo_families() {
	run U '
		set -e
		systemctl --user start echo.socket
		wait_for 10 is_state echo-unix.socket active
		echo "before: $(state echo.service)"
		echo "tcp4: $(tcp 127.0.0.1:3000 hello-tcp4)"
		echo "state: $(state echo.service)"
		echo "tcp6: $(tcp [::1]:3000 hello-tcp6)"
		echo "udp4: $(udp 127.0.0.1:3000 hello-udp4)"
		echo "udp6: $(udp [::1]:3000 hello-udp6)"
		echo "unix: $(unix $XDG_RUNTIME_DIR/echo.sock hello-unix)"
		echo "mode: $(stat -c %a $XDG_RUNTIME_DIR/echo.sock)"
		echo "network: $(podman inspect --format "{{.HostConfig.NetworkMode}}" echo)"
		for u in echo.socket echo-udp.socket echo-unix.socket echo-vsock.socket echo.service; do
			echo "unit $u: $(state $u)"
		done'
	echo "$output"
	[ "$status" -eq 0 ]
	has_lines 'before: inactive' 'state: active'
	local k
	for k in tcp4 tcp6 udp4 udp6 unix; do
		grep -qx "$k: hello-$k" <<<"$output"
	done
	has_lines 'mode: 600' 'network: none' 'unit echo.socket: active' \
		'unit echo-udp.socket: active' 'unit echo-unix.socket: active'
	# The server's own account of what it was handed, by name.
	run ujournal echo.service
	echo "$output" | grep -v ' container ' >&2
	grep -Eq '^tcp \(fd [0-9]+\): IPv4 stream socket 127\.0\.0\.1:3000, listening, from systemd$' <<<"$output"
	grep -Eq '^tcp \(fd [0-9]+\): IPv6 stream socket \[::1\]:3000, listening, from systemd$' <<<"$output"
	grep -Eq '^udp \(fd [0-9]+\): IPv4 datagram socket 127\.0\.0\.1:3000, receiving, from systemd$' <<<"$output"
	grep -Eq '^udp \(fd [0-9]+\): IPv6 datagram socket \[::1\]:3000, receiving, from systemd$' <<<"$output"
	grep -Eq '^unix \(fd [0-9]+\): Unix stream socket /run/user/[0-9]+/echo\.sock, listening, from systemd$' <<<"$output"
}

# vsock: not namespaced, so this is the host's port 3000; a full round
# trip needs vsock_loopback (or a VM guest), which these hosts lack.
t_echo_vsock() {
	run U '
		systemctl --user start echo.socket
		wait_for 10 is_state echo-unix.socket active
		echo "vsock socket: $(state echo-vsock.socket)"
		jr -u echo-vsock.socket | tail -3 | sed "s/^/journal: /"
		tcp 127.0.0.1:3000 wake-up >/dev/null
		echo "roundtrip: $(printf "hello-vsock\n" | timeout 5 socat -t 5 - VSOCK-CONNECT:1:3000 2>&1)"'
	echo "$output"
	if ! grep -qx 'vsock socket: active' <<<"$output"; then
		if grep -q -e 'Address already in use' -e 'Address family not supported' <<<"$output"; then
			skip "echo-vsock.socket cannot listen here: $(grep -m1 -o -e 'Address already in use' -e 'Address family not supported' <<<"$output") (vsock is not namespaced: another lab or test on this host holds port 3000, or no AF_VSOCK)"
		fi
		return 1
	fi
	run ujournal echo.service
	grep -Eq '^vsock \(fd [0-9]+\): vsock stream socket vsock:4294967295:3000, listening, from systemd$' <<<"$output"
	if grep -qx 'roundtrip: hello-vsock' <<<"$output"; then
		note "vsock round trip through the container: OK"
	else
		note "vsock: listening socket handed to the container (fd named vsock); no round trip: this host has no vsock loopback transport (modprobe vsock_loopback, then VSOCK-CONNECT:1:3000)"
	fi
}

# Type=notify and Notify=true/--sdnotify=container: the service is
# "activating" until the server's READY=1, then "active". The server is
# told to wait 2 s before READY=1 (test drop-in), long enough to see.
t_echo_ready() {
	test_dropin echo start-sleep 2
	run U '
		set -e
		systemctl --user start echo.socket
		wait_for 10 is_state echo.socket active
		rm -f /tmp/ready.reply
		tcp 127.0.0.1:3000 hello-ready >/tmp/ready.reply 2>&1 &
		samples=
		deadline=$((SECONDS + 40))
		while :; do
			s=$(state echo.service)
			samples="$samples $s"
			case $s in active | failed) break ;; esac
			((SECONDS < deadline)) || break
			sleep 0.1
		done
		echo "samples:$samples"
		wait
		echo "reply: $(cat /tmp/ready.reply)"
		echo "left inactive: $(systemctl --user show -P InactiveExitTimestampMonotonic echo.service)"
		echo "entered active: $(systemctl --user show -P ActiveEnterTimestampMonotonic echo.service)"
		echo "status: $(systemctl --user show -P StatusText echo.service)"'
	echo "$output"
	[ "$status" -eq 0 ]
	local samples activating left entered
	samples=$(sed -n 's/^samples: //p' <<<"$output")
	[[ "$samples" == *" active" || "$samples" == "active" ]]
	activating=$(tr ' ' '\n' <<<"$samples" | grep -cx activating || true)
	left=$(sed -n 's/^left inactive: //p' <<<"$output")
	entered=$(sed -n 's/^entered active: //p' <<<"$output")
	note "activating for $(((entered - left) / 1000)) ms ($activating samples 0.1 s apart), then active; the server slept 2 s before READY=1"
	# At least 1 s of polls saw it activating, and systemd's own clock says
	# it became active no earlier than the 2 s sleep allowed.
	[ "$activating" -ge 10 ]
	[ $((entered - left)) -ge 1900000 ]
	grep -qx 'reply: hello-ready' <<<"$output"
}

# Two instances of the template side by side, and one stopping leaves the
# other alone.
t_echo_template() {
	run U '
		set -e
		systemctl --user start echo@3001.socket echo@3002.socket
		wait_for 10 is_state echo@3002.socket active
		echo "a4: $(tcp 127.0.0.1:3001 one)"
		echo "b4: $(tcp 127.0.0.1:3002 two)"
		echo "a6: $(tcp [::1]:3001 three)"
		echo "bu: $(unix $XDG_RUNTIME_DIR/echo-3002.sock four)"
		echo "states: $(state echo@3001.service) $(state echo@3002.service)"
		echo "containers: $(podman ps --format "{{.Names}}" | sort | tr "\n" " ")"
		systemctl --user stop echo@3001.socket
		wait_for 20 is_state echo@3001.service inactive
		echo "after stop: $(state echo@3001.service) $(state echo@3002.service)"
		echo "b again: $(tcp 127.0.0.1:3002 five)"
		echo "a gone: $(tcp 127.0.0.1:3001 six 2>&1 | grep -q -i refused && echo refused)"'
	echo "$output"
	[ "$status" -eq 0 ]
	has_lines 'a4: one' 'b4: two' 'a6: three' 'bu: four' 'states: active active' \
		'containers: echo-3001 echo-3002 ' 'after stop: inactive active' \
		'b again: five' 'a gone: refused'
	run ujournal echo@3002.service
	grep -Eq '^echo-3002 \(fd [0-9]+\): IPv4 stream socket 127\.0\.0\.1:3002, listening, from systemd$' <<<"$output"
	! grep -q ':3001' <<<"$output" || false
}

# --exit-idle: the container goes away when idle and comes back on the next
# connection.
t_echo_ondemand() {
	run U '
		set -e
		systemctl --user start echo-ondemand.socket
		wait_for 10 is_state echo-ondemand.socket active
		echo "first: $(tcp 127.0.0.1:9001 first)"
		inv1=$(systemctl --user show -P InvocationID echo-ondemand.service)
		echo "running: $(state echo-ondemand.service)"
		t0=$SECONDS
		wait_for 40 is_state echo-ondemand.service inactive
		echo "idle exit after: $((SECONDS - t0)) s"
		echo "result: $(systemctl --user show -P Result echo-ondemand.service)"
		echo "containers: $(podman ps -a --format "{{.Names}}" | grep -c "^echo-ondemand$" || true)"
		echo "socket: $(state echo-ondemand.socket)"
		echo "second: $(unix $XDG_RUNTIME_DIR/echo-ondemand.sock second)"
		inv2=$(systemctl --user show -P InvocationID echo-ondemand.service)
		echo "running again: $(state echo-ondemand.service)"
		[ "$inv1" != "$inv2" ] && echo "new invocation: yes"'
	echo "$output"
	[ "$status" -eq 0 ]
	has_lines 'first: first' 'running: active' 'result: success' 'containers: 0' \
		'socket: active' 'second: second' 'running again: active' \
		'new invocation: yes'
	local secs
	secs=$(sed -n 's/^idle exit after: \([0-9]*\) s$/\1/p' <<<"$output")
	note "idle exit ${secs} s after the first reply (--exit-idle=10); the next connection started a new container"
	[ "$secs" -ge 8 ] && [ "$secs" -le 20 ]
	run ujournal echo-ondemand.service
	grep -q 'idle for 10.000 s, exiting (--exit-idle)' <<<"$output"
}

# RestrictAddressFamilies=AF_UNIX AF_NETLINK: works with the inherited
# socket; needs podman-usernamespace.service when podman's user namespace
# does not exist yet; --pull=always fails as the unit documents.
t_echo_restrict() {
	run U '
		set -e
		# Start from a user without a podman user namespace, as after a
		# reboot: end the pause process that keeps it.
		podman ps -q | grep -q . && { echo "containers still running"; exit 1; }
		pid=$(cat $XDG_RUNTIME_DIR/libpod/tmp/pause.pid 2>/dev/null || true)
		[ -z "$pid" ] || kill "$pid"
		wait_for 10 eval "! kill -0 ${pid:-0} 2>/dev/null"
		# Why the helper exists: under NoNewPrivileges newuidmap cannot work.
		if systemd-run --user --quiet --wait --collect --pipe -p NoNewPrivileges=yes \
			-p "RestrictAddressFamilies=AF_UNIX AF_NETLINK" podman unshare /bin/true \
			>/tmp/nnp.log 2>&1 </dev/null; then
			echo "unshare under NoNewPrivileges: worked"
		else
			echo "unshare under NoNewPrivileges: failed"
		fi
		sed "s/^/nnp log: /" /tmp/nnp.log | head -3
		pid=$(cat $XDG_RUNTIME_DIR/libpod/tmp/pause.pid 2>/dev/null || true)
		[ -z "$pid" ] || kill "$pid"
		systemctl --user start echo-restrict.socket
		wait_for 10 is_state echo-restrict.socket active
		echo "reply: $(tcp 127.0.0.1:9000 hello-restricted)"
		echo "state: $(state echo-restrict.service)"
		echo "helper: $(state podman-usernamespace.service)"
		echo "restrict: $(systemctl --user show -P RestrictAddressFamilies echo-restrict.service)"
		echo "nnp: $(systemctl --user show -P NoNewPrivileges echo-restrict.service)"'
	echo "$output"
	[ "$status" -eq 0 ]
	has_lines 'unshare under NoNewPrivileges: failed' 'reply: hello-restricted' \
		'state: active' 'helper: active'
	# systemd 252 lists them sorted, 257 as written.
	grep -Eqx 'restrict: (AF_UNIX AF_NETLINK|AF_NETLINK AF_UNIX)' <<<"$output"
	grep -qx 'nnp: yes' <<<"$output"
	note "podman unshare under NoNewPrivileges, no user namespace yet: $(grep -m1 '^nnp log: ' <<<"$output" | cut -c10-170)"
	U 'systemctl --user stop echo-restrict.socket; systemctl --user reset-failed'

	# The same unit with --pull=always: podman may not open the socket to
	# reach the registry, so the service fails.
	test_dropin echo-restrict pull-always
	run U '
		systemctl --user start echo-restrict.socket
		wait_for 10 is_state echo-restrict.socket active
		echo "reply: $(tcp 127.0.0.1:9000 hello-pull 2>&1)"
		wait_for 30 eval "jr | grep -q \"address family not supported\""
		jr | grep -E "Trying to pull|Error|address family" | head -5'
	echo "$output"
	grep -q 'Trying to pull localhost/socket-activate-echo:latest' <<<"$output"
	grep -q 'socket: address family not supported by protocol' <<<"$output"
	! grep -qx 'reply: hello-pull' <<<"$output" || false
	note "--pull=always under the restriction: $(grep -m1 '^Error: ' <<<"$output" | cut -c1-200)"
}

# Pull=never / --pull=never: a missing image fails at once, without a
# registry (no first-connection pull).
t_pull_never() {
	run U '
		podman image exists localhost/socket-activate-echo:latest
		podman tag localhost/socket-activate-echo:latest localhost/sa-test-keep:latest
		podman rmi localhost/socket-activate-echo:latest >/dev/null
		systemctl --user start echo-ondemand.socket
		wait_for 10 is_state echo-ondemand.socket active
		t0=$(date +%s%N)
		tcp 127.0.0.1:9001 hello >/dev/null 2>&1
		wait_for 20 eval "jr | grep -q \"^Error: \""
		echo "failed after: $((($(date +%s%N) - t0) / 1000000)) ms"
		podman tag localhost/sa-test-keep:latest localhost/socket-activate-echo:latest
		podman rmi localhost/sa-test-keep:latest >/dev/null
		jr | grep -E "Error|Trying to pull" | head -3'
	echo "$output"
	U 'podman image exists localhost/socket-activate-echo:latest' ||
		fail "the test could not restore $ECHO_IMAGE in the lab"
	grep -q 'Error: .*socket-activate-echo:latest: image not known' <<<"$output"
	! grep -q 'Trying to pull' <<<"$output" || false
}

# The web server: port 8080 and the Unix socket.
t_httpd() {
	need_httpd
	run U '
		set -e
		systemctl --user start httpd.socket
		wait_for 10 is_state httpd.socket active
		echo "tcp: $(curl -s -o /dev/null -w "%{http_code}" --max-time 30 http://127.0.0.1:8080/)"
		echo "tcp6: $(curl -s -o /dev/null -w "%{http_code}" --max-time 30 "http://[::1]:8080/")"
		echo "unix: $(curl -s -o /dev/null -w "%{http_code}" --max-time 30 --unix-socket $XDG_RUNTIME_DIR/httpd.sock http://localhost/)"
		echo "state: $(state httpd.service)"
		echo "network: $(podman inspect --format "{{.HostConfig.NetworkMode}}" httpd)"'
	echo "$output"
	[ "$status" -eq 0 ]
	has_lines 'tcp: 200' 'tcp6: 200' 'unix: 200' 'state: active' 'network: none'
}

# OpenFile= (systemd >= 253): the shipped recipe script, then the unit.
# The bind mount step uses a client image made from the lab's own curl
# and socat (tests/lab/lab.sh client-image).
t_openfile() {
	run "$LAB_SH" client-image "$LAB"
	[ "$status" -eq 0 ]
	run U 'CLIENT_IMAGE=localhost/sa-lab-client:latest /src/systemd/echo-openfile-demo.sh 2>&1'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^OK: the peer got its message back through the container: hello from the peer' <<<"$output"
	grep -q '^OK: through a bind mount the same socket is refused to user nobody' <<<"$output"
	# The server saw a connected socket named "peer", as user nobody.
	grep -Eq '^peer \(fd 3\): Unix stream socket .*, connected, from systemd$' <<<"$output"
	# Control: the container's root (the lab user itself) may connect
	# through the same bind mount, so it was the user that was refused.
	run U '
		d=$XDG_RUNTIME_DIR/echo-openfile
		socat UNIX-LISTEN:$d/peer.sock,mode=0600,fork /dev/null &
		wait_for 10 test -S $d/peer.sock
		podman run --rm --network=none --user 65534:65534 -v $d:/sockdir localhost/sa-lab-client:latest \
			socat -u /dev/null UNIX-CONNECT:/sockdir/peer.sock 2>&1 | sed "s/^/nobody: /"
		podman run --rm --network=none -v $d:/sockdir localhost/sa-lab-client:latest \
			socat -u /dev/null UNIX-CONNECT:/sockdir/peer.sock && echo "root: connected"
		kill %1'
	echo "$output"
	grep -q '^nobody: .*Permission denied' <<<"$output"
	grep -qx 'root: connected' <<<"$output"

	# The unit file, a system unit (OpenFile= takes no %t): root's socket,
	# rootful podman, the container as nobody.
	run R '
		set -e
		make -s -C /src -f tools/units.mk install-units UNITS=system >/dev/null
		systemctl daemon-reload
		d=/run/echo-openfile
		mkdir -p $d && chmod 700 $d && rm -f $d/peer.sock
		printf "hello from the unit\n" | socat -t 10 UNIX-LISTEN:$d/peer.sock,mode=0600 - >/tmp/openfile.reply &
		wait_for 10 test -S $d/peer.sock
		systemctl start echo-openfile.service
		wait
		echo "reply: $(cat /tmp/openfile.reply)"
		wait_for 20 eval "! systemctl is-active -q echo-openfile.service"
		echo "result: $(systemctl show -P Result echo-openfile.service)"
		# (rootful podman logs from a podman-PID.scope, not the unit)
		journalctl --no-pager -o cat --since "@$TEST_T0" | grep "from systemd"'
	echo "$output"
	[ "$status" -eq 0 ]
	has_lines 'reply: hello from the unit' 'result: success'
	grep -Eq '^peer \(fd 3\): Unix stream socket .*, connected, from systemd$' <<<"$output"
}
