#!/usr/bin/env bats
# The fd store units under systemd 252 with podman 4.3.1 (the bookworm lab
# of tests/lab/lab.sh): systemd before 254 does not set $FDSTORE, so the
# shipped units keep today's behaviour there, and the documented
# Environment=FDSTORE= line turns the store on. Needs root and podman;
# skips and says why otherwise. The trixie file: 53-fdstore-trixie.bats.
load fdstore-helpers

setup_file() { fdstore_setup_file bookworm; }

@test "echo-fdstore as shipped (systemd 252 sets no \$FDSTORE): systemctl restart ends an open connection as before, cleanly" {
	t_fd_no_store
}

@test "echo-fdstore with Environment=FDSTORE=1024 (systemd 252): TCP, Unix and seqpacket connections go on byte for byte; the store is emptied" {
	fd_dropin echo-fdstore.service $'[Service]\nEnvironment=FDSTORE=1024'
	t_fd_echo
}

@test "echo-fdstore with Environment=FDSTORE=1024 (systemd 252): bytes read but not yet echoed come back from the memfd" {
	fd_dropin echo-fdstore.service $'[Service]\nEnvironment=FDSTORE=1024'
	t_fd_echo --hold
}

@test "httpd-fdstore with Environment=FDSTORE=1024 (systemd 252): an idle keep-alive connection is answered by the new instance" {
	fd_dropin httpd-fdstore.service $'[Service]\nEnvironment=FDSTORE=1024'
	t_fd_httpd_idle
}

@test "podman 4.3's --sdnotify=container relay passes no descriptor to the store; the service manager's socket bind-mounted does (measured with a probe)" {
	t_fd_relay_probe
}

@test "echo.service with --sdnotify=container (podman 4.3): the relay would drop stored fds, so the server does not use the store" {
	t_fd_relay
}

@test "echo-fdstore-podman.service (podman 4.3, no Quadlet): a container keeps its connections across systemctl restart" {
	t_fd_podman
}
