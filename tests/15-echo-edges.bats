#!/usr/bin/env bats
# socket-activate-echo: records on a connection (Unix seqpacket) are echoed
# whole or not at all, like datagrams; a second SIGTERM changes nothing.
load helpers

@test "a seqpacket record larger than --max-datagram is dropped whole and logged; the connection goes on" {
	sock=$BATS_TEST_TMPDIR/seq.sock
	launch seq=unix-seqpacket:$sock -- "$ECHO_BIN" --max-datagram 1000
	run timeout 10 python3 - "$sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.settimeout(5)
s.send(b"a" * 1000)
print("1000 bytes:", len(s.recv(65536)))
s.send(b"b" * 1001)
s.send(b"after")
print("then:", s.recv(65536).decode())
PY
	echo "$output"
	[ "$status" -eq 0 ]
	has_lines '1000 bytes: 1000' 'then: after'
	grep -q 'sent a 1001 byte record, more than --max-datagram 1000: dropped' "$(LOG)"
	stop_server 5
}

@test "a second SIGTERM while a slow reader gets its echo is logged and changes nothing: every byte the server took comes back" {
	port=$(free_port)
	launch tcp=tcp4:127.0.0.1:$port -- "$ECHO_BIN" --shutdown-timeout 60
	# A client that sends until the server stops reading from it (its echo
	# waits for the client to read), then reads all of it on request.
	coproc client { python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setblocking(False)
sent = 0
while True:
    try:
        sent += s.send(b"x" * 65536)
    except BlockingIOError:
        break
print("full", flush=True)
sys.stdin.readline()
s.setblocking(True)
got = 0
while True:
    chunk = s.recv(1 << 20)
    if not chunk:
        break
    got += len(chunk)
print(sent, got, flush=True)' "$port" 3>&-; }
	BG_PIDS+=("$client_PID")
	read -r -t 20 state <&"${client[0]}"
	[ "$state" = full ]
	kill -TERM "$BG_PID"
	wait_for 5 grep -q 'SIGTERM received: no new connections, finishing 1 open ones' "$(LOG)"
	kill -TERM "$BG_PID"
	wait_for 5 grep -q 'SIGTERM received again, still waiting for 1 connections' "$(LOG)"
	echo go >&"${client[1]}"
	read -r -t 30 sent got <&"${client[0]}"
	exits_with 0 10
	# What had arrived by the stop request is echoed; what the client
	# still had in flight is not (README: Notifications and signals).
	line=$(grep -E ' closed, [0-9]+ bytes in, [0-9]+ bytes out$' "$(LOG)")
	echo "client sent $sent, got $got; server: $line"
	[[ "$line" =~ \ ([0-9]+)\ bytes\ in,\ ([0-9]+)\ bytes\ out$ ]]
	[ "${BASH_REMATCH[1]}" -gt 0 ]
	[ "${BASH_REMATCH[1]}" -eq "${BASH_REMATCH[2]}" ]
	[ "$got" -eq "${BASH_REMATCH[2]}" ] && [ "$got" -le "$sent" ]
}
