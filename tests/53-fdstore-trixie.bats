#!/usr/bin/env bats
# Connections kept across `systemctl restart` through systemd's file
# descriptor store, under systemd 257 with podman 5.4 (the trixie lab of
# tests/lab/lab.sh): the units of systemd/*-fdstore*, a client that checks
# every byte (sha256) and sees no reset, the unit without the store, and
# what podman's notification relay does. Needs root and podman; skips and
# says why otherwise. The same without systemd: tests/19-fdstore.bats.
load fdstore-helpers

setup_file() { fdstore_setup_file trixie; }

@test "echo-fdstore (systemd 257): TCP, Unix and seqpacket connections go on byte for byte across systemctl restart; the store is emptied" {
	t_fd_echo
}

@test "echo-fdstore (systemd 257): bytes read but not yet echoed at the stop come back from the memfd in the store" {
	t_fd_echo --hold
}

@test "httpd-fdstore (systemd 257): an idle keep-alive connection is answered by the new instance" {
	t_fd_httpd_idle
}

@test "httpd-fdstore (systemd 257): a response in flight is finished before the hand-over; the next request goes to the new instance" {
	local want
	want=$(U 'sha256sum ~/public_html/big.bin | cut -c1-64')
	U 'systemctl --user start httpd-fdstore.socket'
	client http tcp:127.0.0.1:8100 --path /hello.txt --slow /big.bin
	U 'systemctl --user restart httpd-fdstore.service' 3>&- &
	local restarting=$!
	wait_for 30 eval "U 'jr -u httpd-fdstore.service' | grep -q 'SIGTERM received'"
	touch "$BATS_TEST_TMPDIR/go"
	wait "$restarting"
	client_done
	has_lines "first: 200 33554432 sha256 $want" 'second: 200 13'
	run ujournal httpd-fdstore.service
	run grep -E 'SIGTERM received|handed to the fd store as|connection kept across the restart' <<<"$output"
	echo "$output"
	[[ ${lines[0]} == "SIGTERM received: no new connections, finishing 1 open ones" ]]
	[[ ${lines[1]} == *'handed to the fd store as "sa-conn-0-httpd-fdstore", 0 bytes in flight' ]]
	[[ ${lines[2]} == *'connection kept across the restart'* ]]
}

@test "a unit without the store (FileDescriptorStoreMax=0): systemctl restart ends an open connection as before, cleanly" {
	fd_dropin echo-fdstore.service $'[Service]\nFileDescriptorStoreMax=0'
	t_fd_no_store
}

@test "FDSTORE=1 to a store that cannot take it fails silently for the sender: systemd closes the connection and says so only in its journal" {
	# A unit that tells the server of a store it does not have: what the
	# server cannot see, and why it trusts only $FDSTORE.
	fd_dropin echo-fdstore.service $'[Service]\nFileDescriptorStoreMax=0\nEnvironment=FDSTORE=4'
	U 'systemctl --user start echo-fdstore.socket'
	run inlab python3 -c '
import socket, subprocess, sys
s = socket.create_connection(("127.0.0.1", 3100), timeout=30)
s.sendall(b"before\n")
assert s.recv(64) == b"before\n"
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
try:
    s.sendall(b"after\n")
    print("after the restart:", repr(s.recv(64)))
except OSError as e:
    print("after the restart:", e)
' "$LAB_SH" user "$LAB" 'systemctl --user restart echo-fdstore.service'
	echo "$output"
	# The connection is gone, "after" never echoed.
	grep -Eqx "after the restart: (b''|\[Errno 104\] Connection reset by peer)" <<<"$output"
	note "the client saw: $(sed -n 's/^after the restart: //p' <<<"$output")"
	run U 'jr'
	grep -q 'handed to the fd store as "sa-conn-0-echo-fdstore"' <<<"$output"
	grep -Eq "echo-fdstore.service: Cannot store more fds than FileDescriptorStoreMax=0, closing remaining" <<<"$output"
	note "systemd: $(grep -m1 -o 'Cannot store more fds.*' <<<"$output")"
}

@test "podman 5.4's --sdnotify=container relay passes no descriptor to the store; the service manager's socket bind-mounted does (measured with a probe)" {
	t_fd_relay_probe
}

@test "Notify=true (podman 5.4 --sdnotify=container): the relay drops stored fds, so the server does not use the store and ends connections as before" {
	t_fd_relay
}

@test "echo-fdstore-podman.container (Quadlet): a container keeps its connections across systemctl restart" {
	t_fd_podman
}

@test "the restart, measured: 200 connections kept, a busy one with no byte lost, new connections waiting in the backlog" {
	U 'systemctl --user start echo-fdstore.socket'
	rm -f "$BATS_TEST_TMPDIR"/many.*
	inlab "$TOOLS/keep-client.py" many tcp:127.0.0.1:3100 --count 200 \
		--ready "$BATS_TEST_TMPDIR/many.ready" --go "$BATS_TEST_TMPDIR/many.go" \
		>"$BATS_TEST_TMPDIR/many.out" 2>&1 3>&- &
	local many=$!
	wait_for 90 test -e "$BATS_TEST_TMPDIR/many.ready"
	client echo tcp:127.0.0.1:3100 --bytes 32M
	inlab "$TOOLS/keep-client.py" probe tcp:127.0.0.1:3100 --until "$BATS_TEST_TMPDIR/probe.stop" \
		>"$BATS_TEST_TMPDIR/probe.out" 2>&1 3>&- &
	local probe=$!
	sleep 1
	local ms
	ms=$(restart echo-fdstore.service)
	sleep 1
	touch "$BATS_TEST_TMPDIR/probe.stop" "$BATS_TEST_TMPDIR/many.go"
	wait "$probe"
	local st=0
	wait "$many" || st=$?
	client_done
	same_sha
	local bulk=$output
	cat "$BATS_TEST_TMPDIR/many.out" "$BATS_TEST_TMPDIR/probe.out"
	[ "$st" -eq 0 ]
	grep -qx 'kept 200 of 200' "$BATS_TEST_TMPDIR/many.out"
	grep -q '^probes [0-9]* failed 0 ' "$BATS_TEST_TMPDIR/probe.out"
	# By the journal's clock: from the old instance's SIGTERM to the new
	# one's last connection taken back (it serves from then on), and to
	# systemd's "Started", which comes once systemd has read every
	# FDSTOREREMOVE=1 before READY=1.
	local gaps
	gaps=$(U 'jr -o short-monotonic -u echo-fdstore.service' | awk '
		{ match($0, /[0-9]+\.[0-9]+\]/); t = substr($0, RSTART, RLENGTH - 1) }
		/SIGTERM received/ && !t0 { t0 = t }
		/connection kept across the restart/ && t0 { t1 = t }
		/Started echo-fdstore.service/ && t0 && !t2 { t2 = t }
		END { printf "%d ms to the last connection taken back, %d ms to systemd'"'"'s Started", (t1 - t0) * 1000, (t2 - t0) * 1000 }')
	# One line, not 201: journald may rate-limit a burst of them.
	run ujournal echo-fdstore.service
	grep -q '^201 connections handed to the fd store, the others closed, exiting$' <<<"$output"
	note "systemctl restart: $ms ms; 201 connections handed over and kept (200 idle); busy connection: $(sed -n 's/^received \([0-9]*\) .*/\1/p' <<<"$bulk") bytes back of $(sed -n 's/^sent \([0-9]*\) .*/\1/p' <<<"$bulk"), same sha256, $(grep '^longest' <<<"$bulk")"
	note "new connections during the restart: $(cat "$BATS_TEST_TMPDIR/probe.out") (each: connect, one line echoed)"
	note "the journal, from SIGTERM: $gaps"
}

@test "docs: the commands of docs/fd-store.md run as written, as the lab user" {
	# tests/08-doc-commands.bats checks the file; its blocks need a
	# systemd user manager and the installed servers, which the lab has.
	run "$REPO/tests/tools/doc-run.py" --only-tag lab --lab-cwd /src \
		--lab-exec "$LAB_SH user $LAB" "$REPO/docs/fd-store.md"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"lab: needs a user with a systemd user manager"* ]]
	[ "$(grep -c '^ok ' <<<"$output")" -eq "$(grep -c '^```sh lab' "$REPO/docs/fd-store.md")" ]
}
