#!/usr/bin/env bats
# The reference units under systemd 257 with podman 5.4 and Quadlet
# (Debian 13, what Fedora-like systems run): make install-units installs
# the .container files, Quadlet generates the services. systemd runs as
# PID 1 in a lab container (tests/lab/lab.sh trixie); the units run in the lab
# user's systemd --user, the system-service variant in the system manager.
# Needs root and podman; skips and says why otherwise. The first run builds
# the lab (debootstrap, about 1.5-3 min), later runs reuse it.
load units-helpers

setup_file() { lab_setup_file trixie; }

@test "trixie lab: systemd 257, podman 5, Quadlet: install-units installed the .container files" {
	run U 'systemctl --version | head -1; podman --version
		ls ~/.config/containers/systemd | tr "\n" " "; echo
		ls ~/.config/systemd/user | tr "\n" " "; echo
		systemctl --user show -P SourcePath echo.service echo@3001.service'
	echo "$output"
	[[ "${lines[0]}" == "systemd 257 "* ]]
	[[ "${lines[1]}" == "podman version 5."* ]]
	[[ "${lines[2]}" == *"echo.container "* ]]
	[[ "${lines[2]}" == *"echo@.container "* ]]
	# The plain twins would shadow the generated services: not installed.
	[[ "${lines[3]}" != *"echo.service "* ]]
	[[ "${lines[3]}" != *"echo@.service "* ]]
	[[ "${lines[3]}" == *"echo-restrict.service "* ]]
	[ "${lines[4]}" = "/home/u1/.config/containers/systemd/echo.container" ]
	[ "${lines[5]}" = "/home/u1/.config/containers/systemd/echo@.container" ]
	note "lab ready in $(cat "$BATS_FILE_TMPDIR/setup.seconds" 2>/dev/null || echo '?') s (start, image copy, install-units)"
}

@test "systemd-analyze verify (systemd 257): every unit, Quadlet files through the generator" {
	t_verify ""
}

@test "each Quadlet file generates what its plain twin runs (podman run flags, [Service] settings)" {
	run U 'QUADLET_UNIT_DIRS=/src/systemd /usr/libexec/podman/quadlet -dryrun -user 2>/dev/null'
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/generated"
	run python3 - "$BATS_TEST_TMPDIR/generated" "$REPO/systemd" <<'PY'
import re, sys, os, configparser
gen = open(sys.argv[1]).read()
units = dict(re.findall(r'^---(\S+)---\n(.*?)(?=^---|\Z)', gen, re.S | re.M))

def parse(text):
    text = re.sub(r'\\\n\s*', ' ', text)
    sec, out = None, {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        m = re.match(r'\[(.*)\]$', line)
        if m:
            sec = m.group(1)
            continue
        k, _, v = line.partition('=')
        out.setdefault((sec, k), []).append(v)
    return out

def flags(cmd):
    # "--pull never" and "--pull=never" alike; order does not matter.
    t = cmd.split()
    out, i = set(), 0
    while i < len(t):
        if t[i] in ('--pull', '--network', '--name', '--runtime', '--user') and i + 1 < len(t):
            out.add(t[i] + '=' + t[i + 1]); i += 2
        else:
            out.add(t[i]); i += 1
    return out

bad = 0
for name, text in sorted(units.items()):
    twin = os.path.join(sys.argv[2], name)
    g, p = parse(text), parse(open(twin).read())
    gx = flags(g[('Service', 'ExecStart')][0]); px = flags(p[('Service', 'ExecStart')][0])
    if gx != px:
        print(f'{name}: ExecStart differs: generated only {sorted(gx - px)}, twin only {sorted(px - gx)}'); bad = 1
    for key in [k for k in g if k[0] == 'Service' and k[1] not in ('ExecStart', 'SyslogIdentifier')]:
        if g[key] != p.get(key):
            print(f'{name}: {key[1]}= generated {g[key]}, twin {p.get(key)}'); bad = 1
    for key in [('Unit', 'Requires'), ('Unit', 'After'), ('Unit', 'Description')]:
        gv = [v for v in g.get(key, []) if 'network-online' not in v]
        if gv != p.get(key, []):
            print(f'{name}: {key[1]}= generated {gv}, twin {p.get(key)}'); bad = 1
    print(f'{name}: same podman run ({len(gx)} words) and [Service] settings')
sys.exit(bad)
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': same podman run' <<<"$output")" -eq "$(ls "$REPO"/systemd/*.container | wc -l)" ]
}

@test "echo.socket + echo.container: TCP v4/v6, UDP v4/v6, Unix; each fd named; --network=none" {
	t_echo_families
}

@test "echo-vsock.socket: the vsock socket reaches the container, named vsock" {
	t_echo_vsock
}

@test "echo.service (Notify=true) is activating until the server's READY=1, then active" {
	t_echo_ready
}

@test "echo@.container: echo@3001 and echo@3002 run side by side and stop independently" {
	t_echo_template
}

@test "echo-ondemand: --exit-idle stops the container; the next connection starts it again" {
	t_echo_ondemand
}

@test "echo-restrict: works under RestrictAddressFamilies=AF_UNIX AF_NETLINK; --pull=always fails as documented" {
	t_echo_restrict
}

@test "Pull=never: a missing image fails at once, no registry on the first connection" {
	t_pull_never
}

@test "OpenFile= (systemd 257): the container user nobody serves a connection it could not open; a bind mount is refused" {
	t_openfile
}

@test "UNITS=system: echo.socket + echo.container in the system manager, rootful" {
	run R '
		set -e
		make -s -C /src -f tools/units.mk install-units UNITS=system >/dev/null
		ls /etc/containers/systemd | tr "\n" " "; echo
		# The lab adaptation (see lab_dropins), for the system copy.
		mkdir -p /etc/containers/systemd/echo.container.d
		printf "# test-only\n[Container]\nPodmanArgs='"$LAB_CGROUP_ARGS"'\n" \
			>/etc/containers/systemd/echo.container.d/50-lab.conf
		systemctl daemon-reload
		echo "source: $(systemctl show -P SourcePath echo.service)"
		systemctl start echo.socket
		wait_for 10 is_sstate echo-unix.socket active
		echo "tcp4: $(tcp 127.0.0.1:3000 hello-system)"
		echo "unix: $(unix /run/echo.sock hello-run)"
		echo "state: $(sstate echo.service)"
		echo "user: $(ps -o user= -p $(systemctl show -P MainPID echo.service))"'
	echo "$output"
	[ "$status" -eq 0 ]
	has_lines 'source: /etc/containers/systemd/echo.container' \
		'tcp4: hello-system' 'unix: hello-run' 'state: active' 'user: root'
}

@test "httpd.socket + httpd.container: port 8080 and the Unix socket" {
	t_httpd
}

@test "httpd-system@UID (system manager, User=): a rootless container serves port 80" {
	need_httpd
	# The lab's adaptations (tests/lab/lab.sh configure_lab), for this system
	# unit: cgroups, and no user bus for podman.
	{ exec_start_dropin "$REPO/systemd/httpd-system@.service"
	  echo "Environment=DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent-lab-bus"; } |
		Rin 'mkdir -p /etc/systemd/system/httpd-system@.service.d &&
			cat >/etc/systemd/system/httpd-system@.service.d/50-lab.conf'
	run R '
		set -e
		uid=$(id -u u1)
		echo "unprivileged ports from: $(sysctl -n net.ipv4.ip_unprivileged_port_start)"
		make -s -C /src -f tools/units.mk install-units UNITS=system >/dev/null
		echo "installed: $(ls /etc/systemd/system | grep -c httpd-system@)"
		systemctl daemon-reload
		systemctl start httpd-system@$uid.socket
		wait_for 10 is_sstate httpd-system@$uid.socket active
		echo "http: $(curl -s -o /dev/null -w "%{http_code}" --max-time 30 http://127.0.0.1/)"
		echo "state: $(sstate httpd-system@$uid.service)"
		pid=$(systemctl show -P MainPID httpd-system@$uid.service)
		echo "main process user: $(ps -o user= -p $pid)"
		echo "container: $(su - u1 -c "podman ps --format {{.Names}}" | grep -c "^httpd-system-$uid$")"'
	echo "$output"
	[ "$status" -eq 0 ]
	# Port 80 stayed privileged: the socket came from systemd.
	has_lines 'unprivileged ports from: 1024' 'http: 200' 'state: active' \
		'main process user: u1' 'container: 1'
}

@test "docs: the user-unit commands of README.md and docs/units.md run as written, as the lab user" {
	# tests/08-doc-commands.bats runs every other block; the lab blocks
	# need a systemd user manager, which the lab user has.
	run "$REPO/tests/tools/doc-run.py" --only-tag lab --lab-cwd /src \
		--lab-exec "$LAB_SH user $LAB" "$REPO/README.md" "$REPO/docs/units.md"
	echo "$output"
	[ "$status" -eq 0 ]
	# Every lab block ran: none was skipped for want of a manager.
	[[ "$output" != *"lab: needs a user with a systemd user manager"* ]]
	[ "$(grep -c '^ok ' <<<"$output")" -eq "$(grep -c '^```sh lab' "$REPO/README.md" "$REPO/docs/units.md" | awk -F: '{n += $2} END {print n}')" ]
}
