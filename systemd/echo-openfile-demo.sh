#!/bin/sh
# echo-openfile-demo.sh: OpenFile= hands a container a Unix connection its
# user could not open (systemd >= 253, rootless podman)
#
# Demonstrates: a peer listens on a Unix socket only you may open (0600 in a
# 0700 directory). `systemd-run --property OpenFile=SOCKET:peer` makes your
# systemd user manager connect to it and pass the connected socket to
# podman, then to the echo container running as nobody (--user
# 65534:65534): the container echoes what the peer sends. Then the same
# socket bind-mounted into a container: nobody may not connect to it.
#
# Start:  systemd/echo-openfile-demo.sh          (as a user, not root)
# Test:   it prints the peer's reply and the refused connection, and exits
#         0 when both happened. Environment: IMAGE (default
#         localhost/socket-activate-echo:latest), CLIENT_IMAGE (an image
#         with curl for the bind mount step; default
#         localhost/socket-activate-echo-demo:latest, from make
#         image-echo-demo; the step is skipped when it is missing).
#         Needs socat and systemd-run.
set -eu

image=${IMAGE:-localhost/socket-activate-echo:latest}
client=${CLIENT_IMAGE:-localhost/socket-activate-echo-demo:latest}
: "${XDG_RUNTIME_DIR:?needs a systemd user session (XDG_RUNTIME_DIR)}"
dir=$XDG_RUNTIME_DIR/echo-openfile
sock=$dir/peer.sock
message="hello from the peer $$"

version=$(systemctl --version | awk 'NR == 1 { print $2 }')
if [ "${version%%.*}" -lt 253 ] 2>/dev/null; then
	echo "systemd $version: OpenFile= needs systemd 253 or newer" >&2
	exit 2
fi

mkdir -p "$dir"
chmod 700 "$dir"
rm -f "$sock" "$dir/reply"
peer=
cleanup() {
	[ -z "$peer" ] || kill "$peer" 2>/dev/null || true
	rm -f "$sock"
}
trap cleanup EXIT INT TERM

wait_socket() {
	i=0
	while [ ! -S "$sock" ]; do
		i=$((i + 1))
		if [ "$i" -gt 100 ]; then
			echo "the peer did not listen on $sock" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# 1. The peer: sends the message, then prints whatever comes back.
printf '%s\n' "$message" |
	socat -t 10 UNIX-LISTEN:"$sock",mode=0600 - >"$dir/reply" &
peer=$!
wait_socket
echo "peer listening on $sock ($(stat -c %a "$dir") directory, $(stat -c %a "$sock") socket)"

# 2. systemd connects; the container, as nobody, serves the connection.
echo "+ systemd-run --user --property OpenFile=$sock:peer ... podman run --user 65534:65534 $image"
systemd-run --user --quiet --collect --wait --pipe \
	--property OpenFile="$sock":peer \
	podman run --rm --pull=never --network=none --user 65534:65534 "$image" </dev/null
wait "$peer" || true
peer=
reply=$(cat "$dir/reply")
if [ "$reply" != "$message" ]; then
	echo "FAIL: the peer got back '$reply', not '$message'" >&2
	exit 1
fi
echo "OK: the peer got its message back through the container: $reply"

# 3. The same socket as a bind mount: nobody in the container may not
# connect (no search permission on the 0700 directory, no write on the
# 0600 socket).
if ! podman image exists "$client"; then
	echo "skipped the bind mount step: no $client (make image-echo-demo, or set CLIENT_IMAGE)"
	exit 0
fi
socat UNIX-LISTEN:"$sock",mode=0600,fork /dev/null &
peer=$!
wait_socket
echo "+ podman run --user 65534:65534 -v $dir:/sockdir $client curl --unix-socket /sockdir/peer.sock http://localhost/"
status=0
podman run --rm --pull=never --network=none --user 65534:65534 -v "$dir":/sockdir "$client" \
	curl --no-progress-meter --max-time 10 --unix-socket /sockdir/peer.sock \
	http://localhost/ || status=$?
if [ "$status" -ne 7 ]; then
	echo "FAIL: expected curl's exit status 7 (could not connect), got $status" >&2
	exit 1
fi
echo "OK: through a bind mount the same socket is refused to user nobody (curl exit status 7)"
