#!/usr/bin/env bats
# The reference units of systemd/, checked as files (no systemd needed):
# every file documents itself, every container runs the way the
# documentation promises, and make install-units / uninstall-units put
# the right files in the right places. They run under a real systemd in
# 51-units-bookworm.bats and 52-units-trixie.bats.
REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
UNITS=$REPO/systemd

units() { ls "$UNITS"/*.socket "$UNITS"/*.service "$UNITS"/*.container "$UNITS"/*.sh; }

# The leading comment block of FILE (after a #! line).
header() { sed -n '/^#!/d; /^#/!q; p' "$1"; }

@test "every file in systemd/ starts with a header: its name, what it demonstrates, how to start and test it" {
	local f bad=0
	for f in $(units); do
		local h name
		h=$(header "$f")
		name=$(basename "$f")
		if ! head -1 <<<"$h" | grep -q "^# $name: ."; then
			echo "$name: the first comment line is not \"# $name: WHAT\""
			bad=1
		fi
		for k in 'Demonstrates:' 'Start:' 'Test:'; do
			grep -q "^# $k" <<<"$h" || { echo "$name: no \"$k\" in the header"; bad=1; }
		done
		# How to test it: with socat or curl, or it runs its own test.
		grep -Eq '^# .*(socat|curl|prints)' <<<"$h" || { echo "$name: no socat/curl test in the header"; bad=1; }
	done
	[ "$bad" = 0 ]
}

@test "every Quadlet file has a plain twin, and every container is local-only, network-less and notifies readiness" {
	local f name twin bad=0
	for f in "$UNITS"/*.container; do
		name=$(basename "$f" .container)
		twin=$UNITS/$name.service
		[ -e "$twin" ] || { echo "$name.container has no plain twin $name.service"; bad=1; continue; }
		grep -qx 'Network=none' "$f" || { echo "$f: no Network=none"; bad=1; }
		case $name in
		echo-fdstore-podman)
			# The one exception, said in its header: conmon's relay drops
			# FDSTORE=1, so the server notifies systemd itself, through the
			# manager's socket mounted into the container.
			grep -qx 'Volume=%t/systemd/notify:/run/host-notify' "$f" &&
				grep -q 'NOTIFY_SOCKET=/run/host-notify' "$f" &&
				grep -q '^# Demonstrates: the file descriptor store from a container' "$f" ||
				{ echo "$f: neither Notify=true nor systemd's own notification socket"; bad=1; } ;;
		*) grep -qx 'Notify=true' "$f" || { echo "$f: no Notify=true"; bad=1; } ;;
		esac
		grep -qx 'Pull=never' "$f" || { echo "$f: no Pull=never"; bad=1; }
		grep -Eqx 'Image=localhost/socket-activate-(echo|httpd):latest' "$f" || { echo "$f: unexpected Image="; bad=1; }
	done
	# Every podman run in a service: the flags the documentation promises.
	for f in "$UNITS"/*.service; do
		grep -q 'podman run' "$f" || continue
		local cmd
		cmd=$(sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' "$f" | sed -n 's/^ExecStart=//p')
		for flag in --rm --replace --pull=never --network=none '--name '; do
			[[ "$cmd" == *" $flag"* ]] || { echo "$(basename "$f"): no $flag in: $cmd"; bad=1; }
		done
		case $(basename "$f") in
		echo-openfile.service) ;; # runs to completion, no readiness to wait for
		echo-fdstore-podman.service) # the server notifies systemd itself (above)
			[[ "$cmd" == *" --sdnotify=conmon"* && "$cmd" == *" --env NOTIFY_SOCKET=/run/host-notify"* ]] ||
				{ echo "$(basename "$f"): no --sdnotify=conmon with systemd's socket"; bad=1; }
			grep -qx 'NotifyAccess=all' "$f" && grep -qx 'Type=notify' "$f" ||
				{ echo "$(basename "$f"): not Type=notify with NotifyAccess=all"; bad=1; } ;;
		*) [[ "$cmd" == *" --sdnotify=container"* ]] || { echo "$(basename "$f"): no --sdnotify=container"; bad=1; }
			grep -qx 'Type=notify' "$f" || { echo "$(basename "$f"): not Type=notify"; bad=1; } ;;
		esac
		[[ "$cmd" =~ localhost/socket-activate-(echo|httpd):latest ]] || { echo "$(basename "$f"): unexpected image"; bad=1; }
	done
	[ "$bad" = 0 ]
}

@test "echo sockets: TCP v4+v6, UDP, Unix under %t, vsock, each with its own FileDescriptorName=" {
	run grep -h -e '^Listen' -e '^FileDescriptorName=' -e '^Service=' \
		"$UNITS/echo.socket" "$UNITS/echo-udp.socket" "$UNITS/echo-unix.socket" "$UNITS/echo-vsock.socket"
	echo "$output"
	[ "$output" = "ListenStream=127.0.0.1:3000
ListenStream=[::1]:3000
FileDescriptorName=tcp
Service=echo.service
ListenDatagram=127.0.0.1:3000
ListenDatagram=[::1]:3000
FileDescriptorName=udp
Service=echo.service
ListenStream=%t/echo.sock
FileDescriptorName=unix
Service=echo.service
ListenStream=vsock::3000
FileDescriptorName=vsock
Service=echo.service" ]
}

# install_units DIR MAKE-ARGS...: make install-units into DESTDIR=DIR, with
# HOME pointing into it (the user directories derive from HOME).
install_units() {
	local d=$1
	shift
	HOME=/home/u XDG_CONFIG_HOME= make -s -C "$REPO" -f tools/units.mk DESTDIR="$d" "$@"
}

@test "make install-units: user + Quadlet, user + plain, system; switching flavour removes the other; uninstall-units removes all" {
	local d=$BATS_TEST_TMPDIR/root ucfg=/home/u/.config
	run install_units "$d" install-units QUADLET=yes
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$d$ucfg/containers/systemd/echo.container" ]
	[ -f "$d$ucfg/containers/systemd/echo@.container" ]
	[ -f "$d$ucfg/systemd/user/echo.socket" ]
	[ -f "$d$ucfg/systemd/user/echo-restrict.service" ]
	[ -f "$d$ucfg/systemd/user/podman-usernamespace.service" ]
	[ ! -e "$d$ucfg/systemd/user/echo.service" ]
	[ ! -e "$d$ucfg/systemd/user/httpd-system@.service" ]
	[ "$(stat -c %a "$d$ucfg/systemd/user/echo.socket")" = 644 ]
	# Plain: the twins replace the Quadlet files.
	run install_units "$d" install-units QUADLET=no
	[ "$status" -eq 0 ]
	[ -f "$d$ucfg/systemd/user/echo.service" ]
	[ -f "$d$ucfg/systemd/user/echo@.service" ]
	[ ! -e "$d$ucfg/containers/systemd/echo.container" ]
	# And back.
	run install_units "$d" install-units QUADLET=yes
	[ "$status" -eq 0 ]
	[ ! -e "$d$ucfg/systemd/user/echo.service" ]
	[ -f "$d$ucfg/containers/systemd/echo.container" ]
	run install_units "$d" uninstall-units
	[ "$status" -eq 0 ]
	[ -z "$(find "$d" -type f)" ]
	# The system: /etc, no user-only units, the port 80 variant.
	run install_units "$d" install-units UNITS=system QUADLET=yes
	[ "$status" -eq 0 ]
	[ -f "$d/etc/containers/systemd/echo.container" ]
	[ -f "$d/etc/systemd/system/httpd-system@.socket" ]
	[ -f "$d/etc/systemd/system/httpd-system@.service" ]
	[ ! -e "$d/etc/systemd/system/echo-restrict.service" ]
	[ ! -e "$d/etc/systemd/system/podman-usernamespace.service" ]
	run install_units "$d" uninstall-units UNITS=system
	[ -z "$(find "$d" -type f)" ]
	run install_units "$d" install-units UNITS=nobody
	[ "$status" -ne 0 ]
	[[ "$output" == *"UNITS must be user or system"* ]]
}
