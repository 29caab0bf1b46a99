#!/usr/bin/env bats
# The container images, through real podman, the way the documentation uses
# them: systemd-socket-activate ... podman run --rm --network=none IMAGE.
# Rootful and rootless. The images are built once (make -f tools/images.mk,
# base image bootstrapped offline when no registry answers) in setup_file.
# Needs root and podman: without them every test skips and says why.
bats_require_minimum_version 1.5.0
load images-helpers

setup_file() { images_setup_file; }
teardown_file() { images_teardown_file; }
setup() { images_setup; }
teardown() { images_teardown; }

# --- the images themselves ----------------------------------------------------

@test "image sizes are printed and each server image is at most 10 MB" {
	local img size ok=1 secs
	for img in "$ECHO_IMAGE" "$ECHO_DEMO_IMAGE" "$HTTPD_IMAGE" "$HTTPD_DEMO_IMAGE"; do
		podman image exists "$img" || continue
		size=$(image_size "$img")
		note "$img: $size bytes ($((size / 1000)) kB)"
	done
	for secs in "$BATS_FILE_TMPDIR"/build-*.seconds; do
		[ -e "$secs" ] || continue
		note "build $(basename "$secs" .seconds): $(cat "$secs") s (bootstrap and cache included)"
	done
	size=$(image_size "$ECHO_IMAGE")
	if [ "$size" -gt "$IMAGE_SIZE_LIMIT" ]; then
		echo "$ECHO_IMAGE: $size bytes > $IMAGE_SIZE_LIMIT"
		ok=0
	fi
	if [ -z "$HTTPD_SKIP" ] && [ -z "$HTTPD_BUILD_ERROR" ]; then
		size=$(image_size "$HTTPD_IMAGE")
		if [ "$size" -gt "$IMAGE_SIZE_LIMIT" ]; then
			echo "$HTTPD_IMAGE: $size bytes > $IMAGE_SIZE_LIMIT"
			ok=0
		fi
	else
		note "httpd image not checked: ${HTTPD_SKIP:-$HTTPD_BUILD_ERROR}"
	fi
	[ "$ok" = 1 ]
}

@test "echo image: OCI labels, user 65534:65534, no shell, the server's files only" {
	run podman image inspect --format \
		'{{.Config.User}}|{{index .Config.Labels "org.opencontainers.image.licenses"}}|{{index .Config.Labels "org.opencontainers.image.version"}}' \
		"$ECHO_IMAGE"
	[ "$status" -eq 0 ]
	version=$(sed -n 's/^VERSION *= *//p' "$REPO/Makefile")
	[ "$output" = "65534:65534|MIT|$version" ]
	run podman image inspect --format '{{json .Config.Labels}}' "$ECHO_IMAGE"
	[[ "$output" == *'"org.opencontainers.image.description":"'?* ]]
	[[ "$output" == *'"org.opencontainers.image.source":'* ]]
	# A shell is not there to be found by an intruder.
	run -127 podman run --rm --network=none --entrypoint /bin/sh "$ECHO_IMAGE" -c true
	# Everything in it: binary, entrypoint, loader, libraries, passwd/group.
	new_name
	podman create --name "$NAME" "$ECHO_IMAGE" >/dev/null
	files=$(podman export "$NAME" | tar -t | grep -v '/$' | sort)
	echo "$files"
	grep -qx socket-activate-echo <<<"$files"
	grep -qx image-entrypoint <<<"$files"
	grep -q '^lib.*/libsystemd\.so\.0$' <<<"$files"
	grep -q '^lib.*/libevent_core-2\.1\.so\.7$' <<<"$files"
	run grep -E '(^|/)(bash|sh|dash|apt|dpkg)$' <<<"$files"
	[ "$status" -ne 0 ]
}

@test "podman run IMAGE --help prints help; the old style IMAGE /socket-activate-echo ARGS still works" {
	run podman run --rm --network=none "$ECHO_IMAGE" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: socket-activate-echo [OPTION]..." ]]
	run podman run --rm --network=none "$ECHO_IMAGE" /socket-activate-echo --version
	[ "$status" -eq 0 ]
	[[ "$output" == "socket-activate-echo "[0-9]* ]]
	# Without sockets it says how to start it, and exits 1.
	run podman run --rm --network=none "$ECHO_IMAGE"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no sockets to serve"* ]]
}

# --- echo, socket-activated -----------------------------------------------------

# echo_all_families [user]: TCP4, TCP6 and Unix through one activator, UDP4
# and UDP6 through another (systemd-socket-activate's -d applies to all
# sockets of one call), each a round trip; fd names and client addresses
# in the log.
echo_all_families() {
	local who=${1:-} port uport
	port=$(free_port)
	uport=$(free_port)
	activate $who -l 127.0.0.1:$port -l "[::1]:$port" -l "$T/echo.sock" \
		--fdname=tcp4:tcp6:unix -- "$ECHO_IMAGE"
	local stream_name=$NAME
	activate $who -d -l 127.0.0.1:$uport -l "[::1]:$uport" \
		--fdname=udp4:udp6 -- "$ECHO_IMAGE"

	run tcp_echo 127.0.0.1 $port hello-tcp4
	[ "$status" -eq 0 ]
	[ "$output" = hello-tcp4 ]
	run tcp_echo "[::1]" $port hello-tcp6
	[ "$output" = hello-tcp6 ]
	run unix_echo "$T/echo.sock" hello-unix
	[ "$output" = hello-unix ]
	run udp_echo 127.0.0.1 $uport hello-udp4
	[ "$output" = hello-udp4 ]
	run udp_echo "[::1]" $uport hello-udp6
	[ "$output" = hello-udp6 ]

	# The names given with --fdname arrive in the container.
	assert_fd_line tcp4 "IPv4 stream socket 127.0.0.1:$port"
	assert_fd_line tcp6 "IPv6 stream socket \[::1\]:$port"
	assert_fd_line unix "Unix stream socket $T/echo.sock"
	assert_fd_line udp4 "IPv4 datagram socket 127.0.0.1:$uport"
	assert_fd_line udp6 "IPv6 datagram socket \[::1\]:$uport"
	# The client's own address, not a proxy's.
	wait_for 5 grep -q "^tcp4 (fd [0-9]*): connection from 127\.0\.0\.1:[0-9]*$" "$LOG"
	wait_for 5 grep -q "^tcp6 (fd [0-9]*): connection from \[::1\]:[0-9]*$" "$LOG"
	STREAM_NAME=$stream_name
}

@test "rootful: echo over TCP4, TCP6, Unix, UDP4 and UDP6 via systemd-socket-activate; fd names arrive; podman logs shows 127.0.0.1" {
	echo_all_families
	# The same lines through podman logs, as a user would look.
	run podman logs "$STREAM_NAME"
	[[ "$output" == *"tcp4 (fd "*"): connection from 127.0.0.1:"* ]]
}

@test "rootless: echo over TCP4, TCP6, Unix, UDP4 and UDP6 via systemd-socket-activate; fd names arrive" {
	need_rootless
	echo_all_families user
	run as_user podman logs "$STREAM_NAME"
	[[ "$output" == *"tcp4 (fd "*"): connection from 127.0.0.1:"* ]]
}

@test "rootful: one container serves TCP4, TCP6, UDP4, UDP6 and Unix at once, as from a .socket unit" {
	[ -x "$TOOLS/listen-fds.py" ] || skip "tests/tools/listen-fds.py is missing"
	port=$(free_port)
	new_name
	bg "$TOOLS/listen-fds.py" t4=tcp4:127.0.0.1:$port "t6=tcp6:[::1]:$port" \
		u4=udp4:127.0.0.1:$port "u6=udp6:[::1]:$port" "unix=unix:$T/all.sock" -- \
		podman run --rm --network=none --name "$NAME" "$ECHO_IMAGE"
	# listen-fds.py starts podman at once (no first connection needed):
	# its sockets exist once the server lists them.
	wait_for 20 grep -q "^unix (fd 7): " "$LOG"
	run tcp_echo 127.0.0.1 $port a
	[ "$output" = a ]
	run tcp_echo "[::1]" $port b
	[ "$output" = b ]
	run udp_echo 127.0.0.1 $port c
	[ "$output" = c ]
	run udp_echo "[::1]" $port d
	[ "$output" = d ]
	run unix_echo "$T/all.sock" e
	[ "$output" = e ]
	assert_fd_line t4 "IPv4 stream socket 127.0.0.1:$port"
	assert_fd_line u6 "IPv6 datagram socket \[::1\]:$port"
	assert_fd_line unix "Unix stream socket $T/all.sock"
}

@test "a vsock listener handed to the container is served (round trip needs vsock_loopback)" {
	[ -x "$TOOLS/listen-fds.py" ] || skip "tests/tools/listen-fds.py is missing"
	python3 -c 'import socket; socket.socket(socket.AF_VSOCK)' 2>/dev/null ||
		skip "no AF_VSOCK in this kernel"
	port=$(free_port)
	new_name
	bg "$TOOLS/listen-fds.py" vsock=vsock:$port -- \
		podman run --rm --network=none --name "$NAME" "$ECHO_IMAGE"
	wait_for 20 grep -q "^vsock (fd 3): vsock stream socket vsock:4294967295:$port, listening, from systemd$" "$LOG"
	# A local client needs the vsock_loopback transport (modprobe
	# vsock_loopback); without it a connect to CID 1 only times out.
	if ! grep -qw vsock_loopback /proc/modules 2>/dev/null; then
		skip "listener served; round trip skipped: no vsock_loopback transport on this host (modprobe vsock_loopback, then rerun)"
	fi
	run timeout 10 socat - "VSOCK-CONNECT:1:$port" <<<"hello-vsock"
	[ "$output" = hello-vsock ]
}

# --- readiness and stopping -----------------------------------------------------

@test "--sdnotify=container: READY=1 reaches NOTIFY_SOCKET only once the server serves" {
	port=$(free_port)
	notify=$T/notify.sock
	# A stand-in for systemd's notification socket, as podman's tests do.
	bg socat -u "UNIX-RECV:$notify" "OPEN:$T/notify.log,creat,append"
	wait_for 5 test -S "$notify"
	new_name
	NOTIFY_SOCKET=$notify bg systemd-socket-activate "${SA_ENV[@]}" -E NOTIFY_SOCKET \
		-l 127.0.0.1:$port \
		podman run --rm --network=none --sdnotify=container --name "$NAME" \
		"$ECHO_IMAGE" --start-sleep=2
	wait_for 10 grep -q "^Listening on" "$LOG"
	# The first client starts the container; the server waits 2 s before
	# it serves (and only then notifies).
	start=$(date +%s%N)
	timeout 30 socat -t 25 - tcp4:127.0.0.1:$port <<<"first" >"$T/first.out" 2>&1 3>&- &
	BG_PIDS+=("$!")
	wait_for 30 grep -q READY=1 "$T/notify.log"
	ready_ms=$((($(date +%s%N) - start) / 1000000))
	note "READY=1 after $ready_ms ms (server start sleep 2000 ms)"
	[ "$ready_ms" -ge 2000 ]
	grep -q "Sleeping 2 seconds before serving (--start-sleep)" "$LOG"
	# Ready means serving: the waiting client is answered, a new one at once.
	wait_for 5 grep -qx first "$T/first.out"
	run timeout 2 socat - tcp4:127.0.0.1:$port <<<"second"
	[ "$output" = second ]
}

@test "podman stop: SIGTERM ends the server, podman run exits 0 well within the stop timeout" {
	port=$(free_port)
	activate -l 127.0.0.1:$port -- "$ECHO_IMAGE"
	pid=$BG_PID
	run tcp_echo 127.0.0.1 $port up
	[ "$output" = up ]
	# The server runs as nobody (65534), not root.
	run podman top "$NAME" user,huser
	[[ "$output" == *nobody* || "$output" == *65534* ]]
	start=$SECONDS
	run podman stop -t 10 "$NAME"
	[ "$status" -eq 0 ]
	wait "$pid" && code=0 || code=$?
	took=$((SECONDS - start))
	note "podman stop took ${took} s (stop timeout 10 s); podman run exited $code"
	[ "$code" -eq 0 ]
	[ "$took" -lt 10 ]
	grep -q "SIGTERM received" "$LOG"
}

# --- the demo variant: what --network=none leaves a container -------------------

@test "demo: under --network=none only lo exists and curl cannot connect out" {
	port=$(free_port)
	activate -l 127.0.0.1:$port -- "$ECHO_DEMO_IMAGE"
	run tcp_echo 127.0.0.1 $port up
	[ "$output" = up ]
	run podman exec "$NAME" ip -brief addr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "lo "* ]]
	[ "${#lines[@]}" -eq 1 ]
	# The documentation's step: no name resolution, no route. Nothing
	# leaves the machine: without an interface the kernel refuses locally.
	run podman exec "$NAME" curl -sS --max-time 5 https://podman.io
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Could not resolve host"* ]]
	start=$SECONDS
	run podman exec "$NAME" curl -sS --max-time 5 http://1.1.1.1/
	echo "$output"
	[ "$status" -eq 7 ] # couldn't connect
	[ $((SECONDS - start)) -lt 4 ]
	run podman exec "$NAME" bash -c 'echo $UID'
	[ "$output" = 65534 ]
}

# --- httpd ------------------------------------------------------------------------

# httpd_tcp_unix [user]: a page over TCP and over a Unix socket with curl;
# the access log has the client address.
httpd_tcp_unix() {
	local who=${1:-} port
	port=$(free_port)
	activate $who -l 127.0.0.1:$port -l "$T/httpd.sock" --fdname=web:webunix -- "$HTTPD_IMAGE"
	run timeout 20 curl -sS -o "$T/index.html" -w '%{http_code}' "http://127.0.0.1:$port/"
	[ "$output" = 200 ]
	grep -qi '<html' "$T/index.html"
	run timeout 20 curl -sS -o /dev/null -w '%{http_code}' --unix-socket "$T/httpd.sock" http://localhost/
	[ "$output" = 200 ]
	run timeout 20 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/no-such-page"
	[ "$output" = 404 ]
	# Access log: the client's own address, the request.
	wait_for 5 grep -q '^127\.0\.0\.1 .*"GET / HTTP/1\.1" 200' "$LOG"
	assert_fd_line web "IPv4 stream socket 127.0.0.1:$port"
	HTTPD_PORT=$port
}

@test "rootful: httpd serves its demo site over TCP and a Unix socket; access log shows 127.0.0.1" {
	need_httpd
	httpd_tcp_unix
	run podman logs "$NAME"
	[[ "$output" == *'127.0.0.1 '*'"GET / HTTP/1.1" 200'* ]]
}

@test "rootless: httpd serves its demo site over TCP and a Unix socket; access log shows 127.0.0.1" {
	need_httpd
	need_rootless
	httpd_tcp_unix user
}

@test "httpd image: at most 10 MB, labels, --help, user 65534:65534" {
	need_httpd
	run podman image inspect --format \
		'{{.Config.User}}|{{index .Config.Labels "org.opencontainers.image.licenses"}}' "$HTTPD_IMAGE"
	[ "$output" = "65534:65534|MIT" ]
	run podman run --rm --network=none "$HTTPD_IMAGE" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: socket-activate-httpd"* ]]
	run podman run --rm --network=none "$HTTPD_IMAGE" /socket-activate-httpd --version
	[ "$status" -eq 0 ]
	[[ "$output" == "socket-activate-httpd "[0-9]* ]]
}

@test "httpd demo: the diagnostic page shows the client address 127.0.0.1" {
	need_httpd
	port=$(free_port)
	activate -l 127.0.0.1:$port --fdname=web -- "$HTTPD_DEMO_IMAGE"
	run timeout 20 curl -sS "http://127.0.0.1:$port/"
	[ "$status" -eq 0 ]
	# The demo page links the diagnostic page: follow that link.
	path=$(grep -o 'href="/\.well-known/[^"]*"' <<<"$output" | head -1 | sed 's/^href="//; s/"$//')
	[ -n "$path" ]
	run timeout 10 curl -sS "http://127.0.0.1:$port$path"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *127.0.0.1* ]]
	[[ "$output" == *web* ]]
}

@test "docs/containers.md's image size table is what make images prints, within 10%" {
	local img name measured documented
	for img in "$ECHO_IMAGE" "$ECHO_DEMO_IMAGE" "$HTTPD_IMAGE" "$HTTPD_DEMO_IMAGE"; do
		case $img in
		*httpd*) [ -z "$HTTPD_SKIP" ] || { note "$img: $HTTPD_SKIP"; continue; } ;;
		esac
		name=${img##*/}
		name=${name%:*}
		measured=$("$REPO/tools/image-sizes.sh" "$img" | grep -F "| \`$name\` |")
		documented=$(grep -F "| \`$name\` |" "$REPO/docs/containers.md")
		note "measured:   $measured"
		note "docs/containers.md:  $documented"
		[ -n "$measured" ] && [ -n "$documented" ]
		# Columns 3 and 4: size and compressed, in MB.
		paste -d'|' <(echo "$measured") <(echo "$documented") | awk -F'|' '{
			for (i = 3; i <= 4; i++) {
				m = $i + 0; d = $(i + 5) + 0
				if (m == 0 || d < m * 0.9 || d > m * 1.1) {
					print "column " i ": measured " $i ", docs " $(i + 5)
					bad = 1
				}
			}
			exit bad }'
	done
}
