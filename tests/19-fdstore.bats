#!/usr/bin/env bats
# Connections kept across a restart through a file descriptor store,
# without systemd: tests/tools/fdstore-manager.py plays the service manager
# (sockets, LISTEN_FDS, the notification socket, FDSTORE=1, FDSTOREREMOVE=1,
# $FDSTORE, and `systemctl restart` on SIGHUP), and tests/tools/keep-client.py
# keeps a connection in use across the restart. The same behaviour under a
# real systemd: tests/53-fdstore-trixie.bats and 54-fdstore-bookworm.bats.
load helpers
load fixtures/httpd/helpers

# manager [--max N] [--no-env] SPEC... -- COMMAND...: the fake manager,
# its log in $MLOG; returns once the first instance sent READY=1.
manager() {
	MLOG=$BATS_TEST_TMPDIR/manager.log
	: >"$MLOG"
	local opts=()
	while [[ $1 == --* && $1 != -- ]]; do
		opts+=("$1")
		[ "$1" != --max ] || { opts+=("$2"); shift; }
		shift
	done
	bg "$TOOLS/fdstore-manager.py" "${opts[@]}" "$MLOG" "$@"
	MANAGER=$BG_PID
	wait_for 20 grep -q '^[0-9]* notify 1 READY=1' "$MLOG"
}

# restart: as systemctl restart; returns once the new instance is ready.
restart() {
	local gen
	gen=$(grep -c '^[0-9]* start ' "$MLOG")
	kill -HUP "$MANAGER"
	wait_for 30 grep -q "^[0-9]* notify $((gen + 1)) READY=1" "$MLOG"
}

# client MODE ADDRESS ARGS...: keep-client.py in the background, output in
# $BATS_TEST_TMPDIR/client.out; returns once it is ready for the restart.
client() {
	rm -f "$BATS_TEST_TMPDIR/ready" "$BATS_TEST_TMPDIR/go"
	"$TOOLS/keep-client.py" "$@" --ready "$BATS_TEST_TMPDIR/ready" \
		--go "$BATS_TEST_TMPDIR/go" >"$BATS_TEST_TMPDIR/client.out" 2>&1 3>&- &
	CLIENT=$!
	wait_for 60 test -e "$BATS_TEST_TMPDIR/ready"
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

# server_fds PID: what each fd PID has open is, one a line.
server_fds() {
	local f
	for f in /proc/"$1"/fd/*; do
		readlink "$f" || true
	done
}

# same_sha: the bytes that came back are the bytes that went.
same_sha() {
	local sent got
	sent=$(sed -n 's/^sent [0-9]* sha256 //p' <<<"$output")
	got=$(sed -n 's/^received [0-9]* sha256 //p' <<<"$output")
	[ -n "$sent" ] && [ "$sent" = "$got" ]
}

@test "echo: TCP, Unix stream and seqpacket connections go on byte for byte across a restart, and the store is emptied" {
	skip_under_valgrind "a 16 MiB echo per family"
	local port kind
	port=$(free_port)
	manager tcp=tcp4:127.0.0.1:$port unix=unix:$BATS_TEST_TMPDIR/u.sock \
		seq=unix-seqpacket:$BATS_TEST_TMPDIR/q.sock -- "$ECHO_BIN"
	for kind in tcp:127.0.0.1:$port unix:$BATS_TEST_TMPDIR/u.sock seqpacket:$BATS_TEST_TMPDIR/q.sock; do
		client echo "$kind" --bytes 16M
		restart
		client_done
		same_sha
		grep -q '^longest wait for an echo: [0-9]* ms$' <<<"$output"
		[[ $kind != seqpacket:* ]] || grep -q '^records sent \([0-9]*\) received \1, all whole$' <<<"$output"
		note "${kind%%:*}: $(grep '^longest' <<<"$output") (the restart)"
	done
	# Each went to the store and came out of it again: nothing left there.
	run grep -E '^[0-9]+ (stored|removed|full|hangup) ' "$MLOG"
	echo "$output"
	[ "$(grep -c ' stored sa-conn-[0-9]*-\(tcp\|unix\|seq\) socket (total 1)$' <<<"$output")" -eq 3 ]
	[ "$(grep -c ' removed sa-conn-[0-9]*-\(tcp\|unix\|seq\) 1$' <<<"$output")" -eq 3 ]
	! grep -q ' full ' <<<"$output" || false
	grep -Eq '^tcp \(fd [0-9]+\): 127\.0\.0\.1:[0-9]+: handed to the fd store as "sa-conn-0-tcp", 0 bytes in flight$' "$(LOG)"
	grep -Eq '^tcp \(fd [0-9]+\): 127\.0\.0\.1:[0-9]+: connection kept across the restart \(fd store entry "sa-conn-0-tcp"\), 0 bytes in flight$' "$(LOG)"
	grep -Eq '^seq \(fd [0-9]+\): unnamed \(pid [0-9]+, uid [0-9]+\): connection kept across the restart' "$(LOG)"
}

@test "echo: bytes read but not yet echoed when the stop came go to the next instance in a memfd, none lost" {
	skip_under_valgrind "a 16 MiB echo per family"
	local port kind n
	port=$(free_port)
	manager tcp=tcp4:127.0.0.1:$port unix=unix:$BATS_TEST_TMPDIR/u.sock \
		seq=unix-seqpacket:$BATS_TEST_TMPDIR/q.sock -- "$ECHO_BIN"
	for kind in tcp:127.0.0.1:$port unix:$BATS_TEST_TMPDIR/u.sock seqpacket:$BATS_TEST_TMPDIR/q.sock; do
		# The client stops reading: the server holds what it cannot
		# write back.
		client echo "$kind" --bytes 16M --hold
		restart
		client_done
		same_sha
	done
	# Each connection went with a memfd of its pending bytes.
	[ "$(grep -c ' stored sa-conn-[0-9]*-[a-z]* socket file (total 2)$' "$MLOG")" -eq 3 ]
	run grep -E 'handed to the fd store as "sa-conn-[0-9]+-[a-z]+", [0-9]+ bytes in flight$' "$(LOG)"
	echo "$output"
	[ "${#lines[@]}" -eq 3 ]
	for n in $(sed -E 's/.*, ([0-9]+) bytes in flight$/\1/' <<<"$output"); do
		[ "$n" -gt 0 ]
		grep -q "connection kept across the restart (fd store entry \"sa-conn-[0-9]*-[a-z]*\"), $n bytes in flight$" "$(LOG)"
	done
	note "bytes in flight at the stop: $(sed -E 's/.*, ([0-9]+) bytes in flight$/\1/' <<<"$output" | tr '\n' ' ')"
}

@test "httpd: an idle keep-alive connection is answered by the next instance" {
	make_site
	local port
	port=$(free_port)
	manager web=tcp4:127.0.0.1:$port -- "$HTTPD_BIN" --root "$WWW"
	client http tcp:127.0.0.1:$port --path /hello.txt
	restart
	client_done
	has_lines 'first: 200 13 sha256 .*' 'second: 200 13'
	grep -Eq '^web \(fd [0-9]+\): 127\.0\.0\.1:[0-9]+: handed to the fd store as "sa-conn-0-web", 0 bytes in flight$' "$(LOG)"
	grep -q '^[0-9]* removed sa-conn-0-web 1$' "$MLOG"
	# The second request was the new instance's: its access log has it.
	[ "$(grep -c 'GET /hello.txt' "$(LOG)")" -eq 2 ]
}

@test "httpd: part of a request read at the stop is answered by the next instance" {
	make_site
	local port
	port=$(free_port)
	manager web=tcp4:127.0.0.1:$port -- "$HTTPD_BIN" --root "$WWW"
	client http tcp:127.0.0.1:$port --path /hello.txt --partial
	# Read by the server (its count says so) before it is told to stop.
	wait_for 10 grep -Eq 'STATUS=1 connections open, 1 total, [1-9][0-9]* bytes in' "$MLOG"
	restart
	client_done
	has_lines 'first: 200 13 sha256 .*' 'second: 200 13'
	# "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n": 42 bytes.
	grep -Eq 'handed to the fd store as "sa-conn-0-web", 42 bytes in flight$' "$(LOG)"
	grep -Eq 'connection kept across the restart \(fd store entry "sa-conn-0-web"\), 42 bytes in flight$' "$(LOG)"
	grep -q '^[0-9]* stored sa-conn-0-web socket file (total 2)$' "$MLOG"
}

@test "httpd: a response in flight is finished before the hand-over, and the next request goes to the new instance" {
	skip_under_valgrind "a 32 MiB response read slowly"
	make_site
	head -c 32M /dev/urandom >"$WWW/big.bin"
	local port want
	want=$(sha256sum "$WWW/big.bin" | cut -c1-64)
	port=$(free_port)
	manager web=tcp4:127.0.0.1:$port -- "$HTTPD_BIN" --root "$WWW" --shutdown-timeout 60
	client http tcp:127.0.0.1:$port --path /hello.txt --slow /big.bin
	kill -HUP "$MANAGER"
	# The old instance got the stop request with the response unfinished;
	# the client reads at full speed from now on.
	wait_for 10 grep -q 'SIGTERM received' "$(LOG)"
	touch "$BATS_TEST_TMPDIR/go"
	wait_for 60 grep -q '^[0-9]* notify 2 READY=1' "$MLOG"
	client_done
	has_lines "first: 200 33554432 sha256 $want" 'second: 200 13'
	# Handed over only after the whole response went out.
	run grep -E 'SIGTERM received|handed to the fd store as|connection kept across the restart' "$(LOG)"
	echo "$output"
	[[ ${lines[0]} == "SIGTERM received: no new connections, finishing 1 open ones" ]]
	[[ ${lines[1]} == *'handed to the fd store as "sa-conn-0-web", 0 bytes in flight' ]]
	[[ ${lines[2]} == *'connection kept across the restart'* ]]
}

@test "httpd: a connection in the middle of content being dropped is not handed over: the rest is never a request" {
	make_site
	local port
	port=$(free_port)
	manager web=tcp4:127.0.0.1:$port -- "$HTTPD_BIN" --root "$WWW"
	# A GET with 100 bytes of content, 40 of them sent: the answer comes
	# at once, the rest of the content is still to be read and dropped.
	exec 5<>"/dev/tcp/127.0.0.1/$port"
	printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n%040d' 0 >&5
	read -r -t 10 line <&5
	[ "$line" = $'HTTP/1.1 200 OK\r' ]
	kill -HUP "$MANAGER"
	wait_for 10 grep -q 'SIGTERM received' "$(LOG)"
	# The other 60 bytes: a request, were they taken for one.
	printf 'GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n%020d' 0 >&5 || true
	run timeout 10 cat <&5
	exec 5<&-
	echo "after the stop: $output"
	[[ "$output" != *"HTTP/1.1"* ]]
	wait_for 30 grep -q '^[0-9]* notify 2 READY=1' "$MLOG"
	! grep -q 'handed to the fd store' "$(LOG)" || false
}

@test "without \$FDSTORE nothing is handed over: connections end at the stop as before" {
	local port
	port=$(free_port)
	# A store that would take them, but the server is not told (systemd
	# before 254 without Environment=FDSTORE=).
	manager --no-env tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	! grep -q 'fd store' "$(LOG)" || false
	exec 5<>"/dev/tcp/127.0.0.1/$port"
	printf 'before\n' >&5
	read -r -t 10 line <&5
	[ "$line" = before ]
	kill -HUP "$MANAGER"
	# The old instance ends the connection: end of file, no reset.
	run timeout 10 cat <&5
	exec 5<&-
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	wait_for 30 grep -q '^[0-9]* notify 2 READY=1' "$MLOG"
	! grep -q 'FDSTORE=1' "$MLOG" || false
	grep -q 'all connections closed, exiting' "$(LOG)"
}

@test "a full store: connections past \$FDSTORE end as without a store, the store never overflows" {
	local port i line
	port=$(free_port)
	manager --max 2 tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	for i in 5 6 7; do
		eval "exec $i<>/dev/tcp/127.0.0.1/$port"
		printf 'conn%s\n' "$i" >&"$i"
		read -r -t 10 line <&"$i"
		[ "$line" = "conn$i" ]
	done
	restart
	# Two went on; the third one ended, cleanly.
	local ended=0 kept=0
	for i in 5 6 7; do
		printf 'again%s\n' "$i" >&"$i" 2>/dev/null || true
		if read -r -t 10 line <&"$i"; then
			[ "$line" = "again$i" ]
			kept=$((kept + 1))
		else
			ended=$((ended + 1))
		fi
		eval "exec $i<&-"
	done
	[ "$kept" -eq 2 ] && [ "$ended" -eq 1 ]
	grep -q 'warning: fd store full (FDSTORE=2, 2 connections handed over): finishing the others here' "$(LOG)"
	# The server counted: systemd never had to close what did not fit.
	! grep -q ' full ' "$MLOG" || false
}

@test "stored fds the new instance cannot use are closed with the reason; the sockets are served; nothing leaks" {
	local port
	port=$(free_port)
	# Passed among the sockets, under names of the store, as systemd
	# would pass what an earlier instance (or another version) stored.
	manager tcp=tcp4:127.0.0.1:$port \
		sa-conn-1-tcp=memfd:orphan-bytes \
		sa-conn-2-tcp=tcp-reset: \
		sa-conn-3-tcp=tcp-unconnected: \
		sa-conn-4-tcp=fifo:$BATS_TEST_TMPDIR/fifo \
		sa-conn-x-tcp=file:/dev/null \
		sa-conn-5-tcp=tcp4:127.0.0.1:$(free_port) \
		-- "$ECHO_BIN"
	[ "$(timeout 5 socat - tcp4:127.0.0.1:$port <<<served)" = served ]
	cat "$(LOG)"
	grep -qx 'socket-activate-echo: warning: fd store entry "sa-conn-1-tcp": bytes in flight without their connection (it ended while stored): dropped' "$(LOG)"
	grep -Eqx 'socket-activate-echo: warning: fd store entry "sa-conn-2-tcp" \(fd [0-9]+\): no longer connected: (Connection reset by peer|Transport endpoint is not connected): closing it' "$(LOG)"
	grep -Eqx 'socket-activate-echo: warning: fd store entry "sa-conn-3-tcp" \(fd [0-9]+\): no longer connected: Transport endpoint is not connected: closing it' "$(LOG)"
	grep -qx 'socket-activate-echo: warning: fd 7 ("sa-conn-4-tcp") is a FIFO, neither a connection nor its bytes in flight: closing it, ignoring' "$(LOG)"
	grep -qx 'socket-activate-echo: warning: fd 8 ("sa-conn-x-tcp") has a name of the fd store this version does not know: closing it, ignoring' "$(LOG)"
	grep -Eqx 'socket-activate-echo: warning: fd store entry "sa-conn-5-tcp" \(fd [0-9]+\): a listening socket, not a connection: closing it' "$(LOG)"
	# Every entry taken is removed from the store, used or not.
	local e
	for e in 1 2 3 5; do
		grep -q "notify 1 FDSTOREREMOVE=1|FDNAME=sa-conn-$e-tcp$" "$MLOG"
	done
	# None of them is left open in the server: two sockets (the listening
	# one, and the notification socket, connected before the sandbox and
	# kept), no memfd, no FIFO.
	local pid
	pid=$(sed -n 's/^[0-9]* start 1 pid \([0-9]*\) .*/\1/p' "$MLOG")
	wait_for 10 eval '[ "$(server_fds "$pid" | grep -c "^socket:")" -eq 2 ]'
	server_fds "$pid"
	! server_fds "$pid" | grep -e memfd -e fifo || false
}

@test "behind podman's relay (NOTIFY_SOCKET=/run/notify/notify.sock) \$FDSTORE is ignored with a warning: connections end as before" {
	local port line
	port=$(free_port)
	NOTIFY_SOCKET=/run/notify/notify.sock FDSTORE=16 bg "$ECHO_BIN" --listen "127.0.0.1:$port"
	wait_for 10 grep -q '^sandbox: ' "$(LOG)"
	grep -qx 'socket-activate-echo: warning: fd store: FDSTORE=16, but NOTIFY_SOCKET is podman'"'"'s relay (--sdnotify=container), which drops stored fds: connections end at a stop instead, ignoring' "$(LOG)"
	exec 5<>"/dev/tcp/127.0.0.1/$port"
	printf 'before\n' >&5
	read -r -t 10 line <&5
	[ "$line" = before ]
	kill -TERM "$BG_PID"
	run timeout 10 cat <&5
	exec 5<&-
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	exits_with 0 10
	! grep -q 'handed to the fd store' "$(LOG)" || false
}

@test "\$FDSTORE without NOTIFY_SOCKET is ignored with a warning" {
	local port
	port=$(free_port)
	FDSTORE=16 bg "$ECHO_BIN" --listen "127.0.0.1:$port"
	wait_for 10 grep -q '^sandbox: ' "$(LOG)"
	grep -qx 'socket-activate-echo: warning: fd store: FDSTORE=16, but no NOTIFY_SOCKET to send connections to, ignoring' "$(LOG)"
	! grep -q 'room for' "$(LOG)" || false
}

@test "a listener name the logs escape is stored as it is and escaped once by the next instance" {
	local port line
	port=$(free_port)
	# FileDescriptorName= allows spaces and quotes; the logs show them
	# as \x20 and \x22 (logesc.h).
	manager 'my "web"=tcp4:127.0.0.1:'"$port" -- "$ECHO_BIN"
	exec 5<>"/dev/tcp/127.0.0.1/$port"
	printf 'before\n' >&5
	read -r -t 10 line <&5
	[ "$line" = before ]
	restart
	printf 'after\n' >&5
	read -r -t 10 line <&5
	exec 5<&-
	[ "$line" = after ]
	cat "$MLOG" "$(LOG)"
	# FDNAME= is the name as the unit wrote it, not its log form.
	grep -q '^[0-9]* stored sa-conn-0-my "web" socket (total 1)$' "$MLOG"
	grep -Eq '^my\\x20\\x22web\\x22 \(fd [0-9]+\): 127\.0\.0\.1:[0-9]+: handed to the fd store as "sa-conn-0-my\\x20\\x22web\\x22", 0 bytes in flight$' "$(LOG)"
	grep -Eq '^my\\x20\\x22web\\x22 \(fd [0-9]+\): 127\.0\.0\.1:[0-9]+: connection kept across the restart \(fd store entry "sa-conn-0-my\\x20\\x22web\\x22"\), 0 bytes in flight$' "$(LOG)"
}

@test "echo: a connection kept across a restart is closed by the next instance's --idle-timeout like any other" {
	local port line
	port=$(free_port)
	manager tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --idle-timeout 1
	exec 5<>"/dev/tcp/127.0.0.1/$port"
	printf 'before\n' >&5
	read -r -t 10 line <&5
	[ "$line" = before ]
	restart
	printf 'after\n' >&5
	read -r -t 10 line <&5
	[ "$line" = after ]
	# The only connection of the new instance, kept and now idle: the
	# server ends it (end of file, no reset) within the timeout and an
	# eighth, plus the machine's delays.
	run timeout 10 cat <&5
	exec 5<&-
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# (Its byte counts are this instance's: "after\n".)
	grep -Eq '^tcp \(fd [0-9]+\): 127\.0\.0\.1:[0-9]+ closed: idle for 1\.000 s \(--idle-timeout\), 6 bytes in, 6 bytes out$' "$(LOG)"
}

@test "a server that is not the service's main process exits only once the manager has read what it handed over" {
	local port line
	port=$(free_port)
	# As for a server in a container: a message read after its sender
	# exited is refused, and the manager reads late.
	manager --not-main tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN"
	exec 5<>"/dev/tcp/127.0.0.1/$port"
	printf 'before\n' >&5
	read -r -t 10 line <&5
	[ "$line" = before ]
	restart
	cat "$MLOG"
	! grep -q ' refused ' "$MLOG" || false
	printf 'after\n' >&5
	read -r -t 10 line <&5
	exec 5<&-
	[ "$line" = after ]
	grep -q '^[0-9]* notify 1 BARRIER=1$' "$MLOG"
	grep -q '^[0-9]* stored sa-conn-0-tcp socket (total 1)$' "$MLOG"
}
