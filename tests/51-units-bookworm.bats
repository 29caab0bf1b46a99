#!/usr/bin/env bats
# The reference units under systemd 252 with podman 4.3.1 (Debian 12): no
# Quadlet there, so make install-units installs the plain .service twins.
# systemd runs as PID 1 in a lab container (tests/lab/lab.sh bookworm), the
# units run in the lab user's systemd --user, as the documentation shows
# them. Needs root and podman; skips and says why otherwise. The first run
# builds the lab (debootstrap, about 1.5 min), later runs reuse it.
load units-helpers

setup_file() {
	# The trixie lab of 52-units-trixie.bats takes longest to build: start
	# it now, in the background (flock: that file waits for it).
	if [ "$(id -u)" -eq 0 ] && [ -e "$BATS_TEST_DIRNAME/52-units-trixie.bats" ] &&
		command -v podman >/dev/null && command -v debootstrap >/dev/null &&
		! "$LAB_SH" cached trixie 2>/dev/null; then
		nohup "$LAB_SH" image trixie >"${TMPDIR:-/tmp}/sa-lab-trixie-build.log" 2>&1 </dev/null 3>&- &
	fi
	lab_setup_file bookworm
}

@test "bookworm lab: systemd 252, podman 4.3, no Quadlet: install-units installed the plain services" {
	run U 'systemctl --version | head -1; podman --version
		ls ~/.config/systemd/user | tr "\n" " "; echo
		ls ~/.config/containers/systemd 2>&1 | head -1'
	echo "$output"
	[[ "${lines[0]}" == "systemd 252 "* ]]
	[[ "${lines[1]}" == "podman version 4.3."* ]]
	[[ "${lines[2]}" == *"echo.service "* ]]
	[[ "${lines[2]}" == *"echo@.service "* ]]
	[[ "${lines[2]}" != *"httpd-system@"* ]]
	[[ "${lines[3]}" == *"No such file or directory"* ]]
	note "lab ready in $(cat "$BATS_FILE_TMPDIR/setup.seconds" 2>/dev/null || echo '?') s (start, image copy, install-units)"
}

@test "systemd-analyze verify (systemd 252): every unit; OpenFile= is unknown before 253" {
	t_verify "echo-openfile\.service:[0-9]+: Unknown key( name)? 'OpenFile' in section \[Service\], ignoring\.$"
}

@test "echo.socket + echo.service: TCP v4/v6, UDP v4/v6, Unix; each fd named; --network=none" {
	t_echo_families
}

@test "echo-vsock.socket: the vsock socket reaches the container, named vsock" {
	t_echo_vsock
}

@test "echo.service is activating until the server's READY=1, then active" {
	t_echo_ready
}

@test "echo@3001 and echo@3002 run side by side and stop independently" {
	t_echo_template
}

@test "echo-ondemand: --exit-idle stops the container; the next connection starts it again" {
	t_echo_ondemand
}

@test "echo-restrict: works under RestrictAddressFamilies=AF_UNIX AF_NETLINK; --pull=always fails as documented" {
	t_echo_restrict
}

@test "--pull=never: a missing image fails at once, no registry on the first connection" {
	t_pull_never
}

@test "httpd.socket + httpd.service: port 8080 and the Unix socket" {
	t_httpd
}

@test "echo-openfile-demo.sh says it needs systemd 253 for OpenFile=" {
	run U '/src/systemd/echo-openfile-demo.sh'
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == *"systemd 252: OpenFile= needs systemd 253 or newer"* ]]
}
