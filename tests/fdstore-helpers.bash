# Helpers of tests/53-fdstore-trixie.bats and 54-fdstore-bookworm.bats: the
# fd store units of systemd/ (echo-fdstore, httpd-fdstore,
# echo-fdstore-podman) under a real systemd, in the labs of
# tests/units-helpers.bash. The clients are tests/tools/keep-client.py,
# run on this host inside the lab's network namespace (nsenter -n): the
# host's python, the lab's 127.0.0.1, and the lab's Unix sockets through
# /proc/PID/root.
#
# This tree's echo image is built first (other work may rebuild the shared
# localhost/socket-activate-echo tag at any time) and goes into the lab
# under that name; the servers this tree built go to /usr/local/bin there.
load units-helpers

FDSTORE_IMAGE=localhost/sa-fdstore-test/socket-activate-echo:latest

fdstore_setup_file() {
	local kind=$1
	if [ "$(id -u)" -eq 0 ] && command -v podman >/dev/null 2>&1; then
		CONTAINERS_CONF=$("$LAB_SH" host-conf)
		export CONTAINERS_CONF
		if ! make -C "$REPO" -f tools/images.mk image-echo \
			IMAGE_REPO="${FDSTORE_IMAGE%/socket-activate-echo:latest}" \
			>"$BATS_FILE_TMPDIR/image.log" 2>&1 3>&-; then
			export UNITS_SKIP="" LAB_ERROR="building this tree's echo image failed: $(tail -3 "$BATS_FILE_TMPDIR/image.log")"
			return 0
		fi
	fi
	lab_setup_file "$kind" "$FDSTORE_IMAGE"
	[ -z "$UNITS_SKIP$LAB_ERROR" ] || return 0
	LAB_PID=$($PODMAN inspect -f '{{.State.Pid}}' "$LAB")
	LAB_RUN=/run/user/$(U 'id -u')
	export LAB_PID LAB_RUN
	U 'mkdir -p ~/public_html && printf "hello, world\n" >~/public_html/hello.txt &&
		head -c 32M /dev/urandom >~/public_html/big.bin' ||
		export LAB_ERROR="cannot write ~/public_html in the lab"
}

# inlab CMD...: CMD on this host in the lab's network namespace.
inlab() { nsenter -t "$LAB_PID" -n -- "$@"; }
# A Unix socket of the lab user's runtime directory, seen from this host.
lab_sock() { echo "/proc/$LAB_PID/root$LAB_RUN/$1"; }

# client MODE ADDRESS ARGS...: keep-client.py in the lab's network, in the
# background, output in $BATS_TEST_TMPDIR/client.out; returns once it is
# ready for the restart.
client() {
	rm -f "$BATS_TEST_TMPDIR/ready" "$BATS_TEST_TMPDIR/go"
	inlab "$TOOLS/keep-client.py" "$@" --ready "$BATS_TEST_TMPDIR/ready" \
		--go "$BATS_TEST_TMPDIR/go" >"$BATS_TEST_TMPDIR/client.out" 2>&1 3>&- &
	CLIENT=$!
	wait_for 90 test -e "$BATS_TEST_TMPDIR/ready"
}

# client_done: let it finish; $output is what it printed.
client_done() {
	touch "$BATS_TEST_TMPDIR/go"
	local st=0
	wait "$CLIENT" || st=$?
	output=$(cat "$BATS_TEST_TMPDIR/client.out")
	echo "$output"
	[ "$st" -eq 0 ]
}

same_sha() {
	local sent got
	sent=$(sed -n 's/^sent [0-9]* sha256 //p' <<<"$output")
	got=$(sed -n 's/^received [0-9]* sha256 //p' <<<"$output")
	[ -n "$sent" ] && [ "$sent" = "$got" ]
}

# restart UNIT: systemctl --user restart, as a user does; prints how long
# it took, in ms.
restart() {
	U "t0=\$(date +%s%N); systemctl --user restart '$1'; echo \$(((\$(date +%s%N) - t0) / 1000000))"
}

mainpid() { U "systemctl --user show -P MainPID '$1'"; }

# fd_dropin UNIT TEXT: a test-only drop-in for a plain service.
fd_dropin() {
	printf '# test-only\n%s\n' "$2" | Uin "mkdir -p ~/.config/systemd/user/$1.d &&
		cat >~/.config/systemd/user/$1.d/test-fdstore.conf && systemctl --user daemon-reload"
}

# --- test bodies shared by the labs ---------------------------------------------

# echo-fdstore: each kind of connection goes on across systemctl restart,
# byte for byte; HOLD=--hold: with bytes the server read and could not echo
# yet. The store is empty afterwards.
t_fd_echo() {
	local hold=${1:-} kind pid1 pid2 ms n stored
	U 'systemctl --user start echo-fdstore.socket'
	for kind in tcp:127.0.0.1:3100 "unix:$(lab_sock echo-fdstore.sock)" \
		"seqpacket:$(lab_sock echo-fdstore-seq.sock)"; do
		client echo "$kind" --bytes 16M $hold
		pid1=$(mainpid echo-fdstore.service)
		ms=$(restart echo-fdstore.service)
		pid2=$(mainpid echo-fdstore.service)
		# The new instance took the entry out of the store, though the
		# connection is still open: the next restart stores it anew.
		stored=$(U 'systemctl --user show -P NFileDescriptorStore echo-fdstore.service')
		client_done
		[ "$stored" = 0 ]
		same_sha
		[ "$pid1" != "$pid2" ] && [ "$pid2" -gt 0 ]
		[[ $kind != seqpacket:* ]] || grep -q '^records sent \([0-9]*\) received \1, all whole$' <<<"$output"
		note "${kind%%:*}${hold:+ $hold}: systemctl restart took $ms ms; $(grep '^longest' <<<"$output" || echo "the client held its reads")"
	done
	run ujournal echo-fdstore.service
	echo "$output" | grep -E 'fd store|SIGTERM|kept' >&2
	[ "$(grep -Ec '^echo-fdstore \(fd [0-9]+\): .*: handed to the fd store as "sa-conn-[0-9]+-echo-fdstore", [0-9]+ bytes in flight$' <<<"$output")" -eq 3 ]
	[ "$(grep -Ec '^echo-fdstore \(fd [0-9]+\): .*: connection kept across the restart \(fd store entry "sa-conn-[0-9]+-echo-fdstore"\), [0-9]+ bytes in flight$' <<<"$output")" -eq 3 ]
	if [ -n "$hold" ]; then
		for n in $(sed -nE 's/.*handed to the fd store as .*, ([0-9]+) bytes in flight$/\1/p' <<<"$output"); do
			[ "$n" -gt 0 ]
			grep -q "kept across the restart (fd store entry \"sa-conn-[0-9]*-echo-fdstore\"), $n bytes in flight$" <<<"$output"
		done
	fi
}

# httpd-fdstore: an idle keep-alive connection is answered by the new
# instance.
t_fd_httpd_idle() {
	U 'systemctl --user start httpd-fdstore.socket'
	client http tcp:127.0.0.1:8100 --path /hello.txt
	restart httpd-fdstore.service >/dev/null
	client_done
	has_lines 'first: 200 13 sha256 .*' 'second: 200 13'
	run ujournal httpd-fdstore.service
	grep -Eq 'handed to the fd store as "sa-conn-[0-9]+-httpd-fdstore", 0 bytes in flight$' <<<"$output"
	grep -Eq 'connection kept across the restart' <<<"$output"
	[ "$(grep -c '"GET /hello.txt HTTP/1.1" 200 13' <<<"$output")" -eq 2 ]
}

# The same server without the store: systemctl restart ends an open
# connection as before: what was sent is echoed, then the end, no reset.
# What the server saw: no $FDSTORE.
t_fd_no_store() {
	U 'systemctl --user start echo-fdstore.socket'
	run inlab python3 -c '
import socket, subprocess, sys
s = socket.create_connection(("127.0.0.1", 3100), timeout=30)
s.sendall(b"before\n")
assert s.recv(64) == b"before\n"
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
try:
    s.sendall(b"after\n")
    print("after the restart:", repr(s.recv(64)))
except OSError as e:
    print("after the restart:", e)
' "$LAB_SH" user "$LAB" 'systemctl --user restart echo-fdstore.service'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "after the restart: b''" <<<"$output"
	run ujournal echo-fdstore.service
	# (The unit's description says "fd store" too: the server's lines.)
	! grep -qE 'fd store: room|handed to the fd store|connection kept across the restart' <<<"$output" || false
	grep -q 'all connections closed, exiting' <<<"$output"
	U '! tr "\0" "\n" </proc/$(systemctl --user show -P MainPID echo-fdstore.service)/environ | grep "^FDSTORE="'
}

# echo-fdstore-podman: a containerised server keeps its connections, with
# the service manager's notification socket bind-mounted.
t_fd_podman() {
	local kind pid1 pid2 ms store_empty
	U 'systemctl --user start echo-fdstore-podman.socket'
	for kind in tcp:127.0.0.1:3101 "unix:$(lab_sock echo-fdstore-podman.sock)"; do
		client echo "$kind" --bytes 8M
		pid1=$(U 'podman inspect -f "{{.State.Pid}}" echo-fdstore-podman')
		ms=$(restart echo-fdstore-podman.service)
		pid2=$(U 'podman inspect -f "{{.State.Pid}}" echo-fdstore-podman')
		# podman says READY=1 when the container starts, maybe before
		# the server took its connections back: wait for the store.
		store_empty=0
		wait_for 60 eval "[ \"\$(U 'systemctl --user show -P NFileDescriptorStore echo-fdstore-podman.service')\" = 0 ]" &&
			store_empty=1
		client_done
		same_sha
		[ "$store_empty" = 1 ]
		[ "$pid1" != "$pid2" ]
		note "container, ${kind%%:*}: systemctl restart took $ms ms; $(grep '^longest' <<<"$output")"
	done
	run ujournal echo-fdstore-podman.service
	[ "$(grep -Ec 'handed to the fd store as "sa-conn-[0-9]+-echo-fdstore-podman"' <<<"$output")" -eq 2 ]
	[ "$(grep -Ec 'connection kept across the restart' <<<"$output")" -eq 2 ]
}

# echo.container/echo.service (Notify=true, --sdnotify=container) with a
# store allowed and $FDSTORE passed in: podman's relay would drop the fds,
# so the server does not use the store; the connection ends as before.
t_fd_relay() {
	if quadlet_installed echo; then
		printf '[Container]\nEnvironment=FDSTORE=16\n[Service]\nFileDescriptorStoreMax=16\n' |
			Uin 'mkdir -p ~/.config/containers/systemd/echo.container.d &&
				cat >~/.config/containers/systemd/echo.container.d/test-fdstore.conf'
		U 'systemctl --user daemon-reload'
	else
		{ exec_start_dropin "$REPO/systemd/echo.service" 's|--sdnotify=container|--sdnotify=container --env FDSTORE=16|'
		  echo 'FileDescriptorStoreMax=16'; } |
			Uin 'mkdir -p ~/.config/systemd/user/echo.service.d &&
				cat >~/.config/systemd/user/echo.service.d/test-fdstore.conf && systemctl --user daemon-reload'
	fi
	U 'systemctl --user start echo.socket'
	run inlab python3 -c '
import socket, subprocess, sys
s = socket.create_connection(("127.0.0.1", 3000), timeout=60)
s.sendall(b"before\n")
assert s.recv(64) == b"before\n"
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
try:
    s.sendall(b"after\n")
    print("after the restart:", repr(s.recv(64)))
except OSError as e:
    print("after the restart:", e)
' "$LAB_SH" user "$LAB" 'systemctl --user restart echo.service'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "after the restart: b''" <<<"$output"
	run ujournal echo.service
	echo "$output" | grep -E 'fd store|closed|exiting' >&2
	grep -q 'warning: fd store: FDSTORE=16, but NOTIFY_SOCKET is podman.s relay (--sdnotify=container), which drops stored fds: connections end at a stop instead, ignoring' <<<"$output"
	! grep -q 'handed to the fd store' <<<"$output" || false
	grep -q 'all connections closed, exiting' <<<"$output"
}

# What podman's relay does with descriptors, measured with the smallest
# sender (tests/tools/notify-fds.c, static, so it runs in the echo image):
# one container behind --sdnotify=container, one given the service
# manager's own socket as echo-fdstore-podman does; both in a transient
# service with FileDescriptorStoreMax=16, both send FDSTORE=1 with a memfd
# and READY=1. What counts is what systemd holds afterwards.
t_fd_relay_probe() {
	local v
	cc -static -O2 -o "$BATS_FILE_TMPDIR/notify-fds" "$REPO/tests/tools/notify-fds.c" ||
		fail "cannot build tests/tools/notify-fds.c statically (libc6-dev has libc.a)"
	$PODMAN cp "$BATS_FILE_TMPDIR/notify-fds" "$LAB:/usr/local/bin/notify-fds"
	v=$(U 'podman --version; conmon --version | head -1; systemctl --version | head -1' | tr '\n' ';')
	# Named echo-* so that the lab's teardown stops them.
	U "systemd-run --user --unit echo-notify-fds-relay -p Type=notify -p NotifyAccess=all \
		-p FileDescriptorStoreMax=16 -p TimeoutStartSec=60 \
		podman run --name echo-notify-fds-relay --replace --rm $LAB_CGROUP_ARGS --pull=never \
		--network=none --sdnotify=container -d -v /usr/local/bin/notify-fds:/notify-fds:ro \
		--entrypoint /notify-fds $FDSTORE_IMAGE relay"
	U "systemd-run --user --unit echo-notify-fds-own -p Type=notify -p NotifyAccess=all \
		-p FileDescriptorStoreMax=16 -p TimeoutStartSec=60 \
		podman run --name echo-notify-fds-own --replace --rm $LAB_CGROUP_ARGS --pull=never \
		--network=none --sdnotify=conmon -d --user 0:0 \
		-v \$XDG_RUNTIME_DIR/systemd/notify:/run/host-notify --env NOTIFY_SOCKET=/run/host-notify \
		-v /usr/local/bin/notify-fds:/notify-fds:ro --entrypoint /notify-fds $FDSTORE_IMAGE own"
	local relay own
	relay=$(U 'systemctl --user show -P NFileDescriptorStore echo-notify-fds-relay.service')
	own=$(U 'systemctl --user show -P NFileDescriptorStore echo-notify-fds-own.service')
	run U 'podman logs echo-notify-fds-relay; podman logs echo-notify-fds-own'
	echo "$output"
	# Both sent it without an error: the sender cannot tell.
	[ "$(grep -c '^FDSTORE=1 with an fd: sent$' <<<"$output")" -eq 2 ]
	grep -qx 'NOTIFY_SOCKET=/run/notify/notify.sock' <<<"$output"
	echo "fds in the store: relay $relay, own socket $own"
	[ "$relay" = 0 ]
	[ "$own" = 1 ]
	note "${v%;}: behind --sdnotify=container the store holds $relay fds after FDSTORE=1 with one; with the service manager's socket bind-mounted, $own"
}
