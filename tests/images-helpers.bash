# Helpers of tests/40-images.bats: the container images through real
# podman, rootful and rootless. Needs root (builds, rootful runs, a
# rootless test user) and podman; every test skips with the reason when
# either is missing. tools/deps-images.sh installs everything.
#
# Environment (all optional):
#   IMAGES_TEST_USER   rootless test user (default sa-images-test)
#   IMAGE_REPO         image names are $IMAGE_REPO/socket-activate-NAME:latest
#   IMAGE_SIZE_LIMIT   bytes (default 10000000: the 10 MB goal)
#   CONTAINERS_CONF    podman configuration; default: the test-only one
#                      written by tools/deps-images.sh --conf (runc, ulimits)
#   IMAGES_NO_BUILD=1  use the images as they are instead of building them
load lib
IMAGES_TEST_USER=${IMAGES_TEST_USER:-sa-images-test}
IMAGE_REPO=${IMAGE_REPO:-localhost}
IMAGE_SIZE_LIMIT=${IMAGE_SIZE_LIMIT:-10000000}
ECHO_IMAGE=$IMAGE_REPO/socket-activate-echo:latest
HTTPD_IMAGE=$IMAGE_REPO/socket-activate-httpd:latest
ECHO_DEMO_IMAGE=$IMAGE_REPO/socket-activate-echo-demo:latest
HTTPD_DEMO_IMAGE=$IMAGE_REPO/socket-activate-httpd-demo:latest

# --- once per file ----------------------------------------------------------

# images_can_run [TOOL...]: root, a working podman (CONTAINERS_CONF set
# and exported) and the tools the image tests use, plus TOOLs; else
# IMAGES_SKIP says what is missing and it returns 1.
images_can_run() {
	local t

	if [ "$(id -u)" -ne 0 ]; then
		IMAGES_SKIP="needs root (image builds, rootful podman, a rootless test user); run as root"
		return 1
	fi
	for t in podman systemd-socket-activate socat curl python3 "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			IMAGES_SKIP="$t is not installed (tools/deps.sh --test installs what these tests need)"
			return 1
		fi
	done
	if [ -z "${CONTAINERS_CONF:-}" ]; then
		CONTAINERS_CONF=$("$REPO/tools/deps-images.sh" --conf)
	fi
	export CONTAINERS_CONF
	if ! podman info >"$BATS_FILE_TMPDIR/podman-info.log" 2>&1; then
		IMAGES_SKIP="podman does not work here: $(tail -1 "$BATS_FILE_TMPDIR/podman-info.log")"
		return 1
	fi
}

# Decides what can run and builds the images once; tests read the
# exported IMAGES_SKIP / HTTPD_SKIP / ROOTLESS_SKIP / *_BUILD_ERROR.
images_setup_file() {
	export IMAGES_SKIP="" HTTPD_SKIP="" ROOTLESS_SKIP=""
	export ECHO_BUILD_ERROR="" HTTPD_BUILD_ERROR=""
	local t

	images_can_run || return 0

	if [ "${IMAGES_NO_BUILD:-0}" != 1 ]; then
		images_build echo "$ECHO_IMAGE" image-echo image-echo-demo ||
			ECHO_BUILD_ERROR="make image-echo image-echo-demo failed: $(tail -5 "$BATS_FILE_TMPDIR/build-echo.log")"
		if [ ! -e "$REPO/httpd/httpd.mk" ]; then
			HTTPD_SKIP="httpd/httpd.mk does not exist yet, so there is no socket-activate-httpd to put in an image"
		else
			images_build httpd "$HTTPD_IMAGE" image-httpd image-httpd-demo ||
				HTTPD_BUILD_ERROR="make image-httpd image-httpd-demo failed: $(tail -5 "$BATS_FILE_TMPDIR/build-httpd.log")"
		fi
	elif ! podman image exists "$HTTPD_IMAGE"; then
		HTTPD_SKIP="IMAGES_NO_BUILD=1 and there is no $HTTPD_IMAGE"
	fi

	# Rootless: the test user gets its own copies of the images.
	if ! id "$IMAGES_TEST_USER" >/dev/null 2>&1; then
		ROOTLESS_SKIP="no rootless test user $IMAGES_TEST_USER (tools/deps-images.sh creates it)"
	elif ! command -v newuidmap >/dev/null 2>&1; then
		ROOTLESS_SKIP="newuidmap is missing (apt-get install uidmap)"
	elif ! grep -q "^$IMAGES_TEST_USER:" /etc/subuid; then
		ROOTLESS_SKIP="$IMAGES_TEST_USER has no range in /etc/subuid (tools/deps-images.sh adds one)"
	elif [ -z "$ECHO_BUILD_ERROR" ]; then
		for t in "$ECHO_IMAGE" "$HTTPD_IMAGE"; do
			podman image exists "$t" || continue
			# Already there with the same id: skip the copy.
			if [ "$(as_user podman image inspect --format '{{.Id}}' "$t" 2>/dev/null)" = \
				"$(podman image inspect --format '{{.Id}}' "$t")" ]; then
				continue
			fi
			if ! podman save --format oci-archive "$t" 2>/dev/null |
				as_user podman load >>"$BATS_FILE_TMPDIR/rootless-load.log" 2>&1; then
				ROOTLESS_SKIP="rootless podman load of $t failed: $(tail -1 "$BATS_FILE_TMPDIR/rootless-load.log")"
				break
			fi
		done
	fi
}

# images_build NAME IMAGE MAKE-TARGET...: builds through tools/images.mk,
# the same targets `make images` uses, and notes the time taken.
images_build() {
	local name=$1 image=$2 start=$SECONDS
	shift 2
	(cd "$REPO" && make -f tools/images.mk "$@") \
		>"$BATS_FILE_TMPDIR/build-$name.log" 2>&1 3>&- || return 1
	echo "$((SECONDS - start))" >"$BATS_FILE_TMPDIR/build-$name.seconds"
	podman image exists "$image"
}

images_teardown_file() {
	local uid pidfile
	[ -z "$IMAGES_SKIP" ] && [ -z "$ROOTLESS_SKIP" ] || return 0
	# Rootless podman leaves a pause process holding the test user's
	# namespaces; the user exists for these tests only: end it, by its pid.
	uid=$(id -u "$IMAGES_TEST_USER") || return 0
	pidfile=/tmp/podman-run-$uid/libpod/tmp/pause.pid
	if [ -s "$pidfile" ]; then
		kill "$(cat "$pidfile")" 2>/dev/null || true
	fi
}

# --- per test -----------------------------------------------------------------

images_setup() {
	BG_PIDS=()
	CTRS=()
	[ -z "$IMAGES_SKIP" ] || skip "$IMAGES_SKIP"
	[ -z "$ECHO_BUILD_ERROR" ] || fail_with "$ECHO_BUILD_ERROR"
	# A directory the rootless user can create sockets in, and read logs from.
	T=$(mktemp -d /tmp/sa-images-test.XXXXXX)
	chmod 755 "$T"
	if id "$IMAGES_TEST_USER" >/dev/null 2>&1; then
		chown "$IMAGES_TEST_USER:" "$T"
	fi
	LOG=$T/server.log
	: >"$LOG"
	chmod 644 "$LOG"
}

images_teardown() {
	local p i n
	# SIGTERM first: podman run passes it to the container, which stops
	# and is removed (--rm); whatever is left after 10 s is killed.
	for p in "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		for ((i = 0; i < 200; i++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$p" 2>/dev/null || true
	done
	for n in "${CTRS[@]}"; do
		case $n in
		user:*) as_user podman rm -f -t 0 --ignore "${n#user:}" >/dev/null 2>&1 || true ;;
		*) podman rm -f -t 0 --ignore "$n" >/dev/null 2>&1 || true ;;
		esac
	done
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -n "${T:-}" ]; then
		echo "--- server log ($LOG):"
		cat "$LOG" 2>/dev/null || true
	fi
	[ -z "${T:-}" ] || rm -rf "$T"
}

fail_with() {
	echo "$*" >&2
	return 1
}

need_httpd() {
	[ -z "$HTTPD_SKIP" ] || skip "$HTTPD_SKIP"
	[ -z "$HTTPD_BUILD_ERROR" ] || fail_with "$HTTPD_BUILD_ERROR"
}

need_rootless() {
	[ -z "$ROOTLESS_SKIP" ] || skip "$ROOTLESS_SKIP"
}

# as_user COMMAND...: COMMAND as the rootless test user, with a clean
# environment as a login would give it (no XDG_RUNTIME_DIR without
# logind: podman then uses /tmp/podman-run-UID). AS_USER is the prefix
# itself: it execs, so "${AS_USER[@]}" CMD & leaves $! the pid of CMD.
AS_USER=()
if _home=$(getent passwd "$IMAGES_TEST_USER" | cut -d: -f6) && [ -n "$_home" ]; then
	AS_USER=(setpriv --reuid="$IMAGES_TEST_USER" --regid="$IMAGES_TEST_USER"
		--init-groups --reset-env env -C "$_home" HOME="$_home"
		USER="$IMAGES_TEST_USER" LOGNAME="$IMAGES_TEST_USER"
		PATH=/usr/local/bin:/usr/bin:/bin)
fi
as_user() { "${AS_USER[@]}" CONTAINERS_CONF="$CONTAINERS_CONF" "$@"; }

# bg COMMAND...: in the background, output to $LOG, fd 3 closed (bats
# waits for whoever holds it). Sets BG_PID.
bg() {
	"$@" >>"$LOG" 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# new_name: a container name for this test, removed in teardown. With
# "user" the container is the rootless user's.
new_name() {
	NAME=sa-images-$BATS_SUITE_TEST_NUMBER-$RANDOM
	if [ "${1:-}" = user ]; then
		CTRS+=("user:$NAME")
	else
		CTRS+=("$NAME")
	fi
}

# activate [user] SYSTEMD-SOCKET-ACTIVATE-ARGS... -- PODMAN-RUN-ARGS...:
#   systemd-socket-activate ARGS podman run --rm --network=none \
#       --name $NAME PODMAN-RUN-ARGS
# in the background (as the test user with "user"), waiting until every
# socket listens. The container starts on the first connection.
activate() {
	local who=root sa=() n
	if [ "$1" = user ]; then
		who=user
		shift
	fi
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		sa+=("$1")
		shift
	done
	shift
	new_name "$who"
	n=$(grep -c "^Listening on" "$LOG" || true)
	local env=("${SA_ENV[@]}")
	# The test user has its own storage; only the podman settings go along.
	[ "$who" = root ] || env=(-E CONTAINERS_CONF)
	local cmd=(systemd-socket-activate "${env[@]}" "${sa[@]}"
		podman run --rm --network=none --name "$NAME" "$@")
	if [ "$who" = user ]; then
		bg "${AS_USER[@]}" CONTAINERS_CONF="$CONTAINERS_CONF" "${cmd[@]}"
	else
		bg "${cmd[@]}"
	fi
	# One "Listening on" line per -l.
	local want=$n a
	for a in "${sa[@]}"; do
		[ "$a" != -l ] || want=$((want + 1))
	done
	wait_for 10 log_count_ge "^Listening on" "$want"
}

# systemd-socket-activate hands the program only LISTEN_* and the
# variables named with -E: podman's configuration must be named.
SA_ENV=(-E CONTAINERS_CONF)
[ -z "${CONTAINERS_STORAGE_CONF:-}" ] || SA_ENV+=(-E CONTAINERS_STORAGE_CONF)

log_count_ge() { [ "$(grep -c "$1" "$LOG")" -ge "$2" ]; }

# Clients. The first connection also starts the container: give it time.
tcp_echo() { # HOST PORT MESSAGE (HOST 127.0.0.1 or [::1])
	local fam=tcp4
	[[ $1 != \[* ]] || fam=tcp6
	# -t: after sending, wait that long for the echo (socat's default
	# 0.5 s is shorter than a cold start).
	timeout 20 socat -t 15 - "$fam:$1:$2" <<<"$3"
}

unix_echo() { timeout 20 socat -t 15 - "unix-connect:$1" <<<"$2"; }

# udp_echo HOST PORT MESSAGE: one datagram, the reply printed.
udp_echo() {
	timeout 25 python3 - "$@" <<'PY'
import socket, sys
host, port, msg = sys.argv[1].strip("[]"), int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(20)
s.sendto((msg + "\n").encode(), (host, port))
print(s.recv(65536).decode().rstrip("\n"))
PY
}

# The startup line the server logs for a socket handed over under a name:
#   tcp4 (fd 3): IPv4 stream socket 127.0.0.1:3000, listening, from systemd
#   udp4 (fd 5): IPv4 datagram socket 127.0.0.1:3000, receiving, from systemd
assert_fd_line() { # NAME DESCRIPTION (a grep pattern)
	local state=listening
	[[ $2 != *datagram* ]] || state=receiving
	grep -q "^$1 (fd [0-9]*): $2, $state, from systemd\$" "$LOG" ||
		fail_with "no startup line \"$1 (fd N): $2, $state, from systemd\" in the log"
}

image_size() { podman image inspect --format '{{.Size}}' "$1"; }

# Shown in the TAP output (bats prints "# " lines written to fd 3).

# --- the images for every architecture (tests/41-images-multiarch.bats) -------
#
# Environment (all optional):
#   IMAGE_PLATFORMS    the platforms to build (default: tools/images.mk's,
#                      linux/amd64 linux/arm64)
#   IMAGES_NO_BUILD=1  only write the archives, from the images there are

# platform_full P: P with arm64's variant made explicit, as
# tools/images-multiarch.sh and the manifest lists have it.
platform_full() {
	case $1 in
	*/arm64) echo "$1/v8" ;;
	*) echo "$1" ;;
	esac
}

# platform_key P: a name part for P (linux/arm/v7 -> arm_v7).
platform_key() {
	local p=${1#*/}
	p=${p%/v8}
	echo "${p//\//_}"
}

# qemu_name ARCH: what qemu-user calls the architecture (its binfmt_misc
# handler is qemu-NAME).
qemu_name() {
	case $1 in
	amd64) echo x86_64 ;;
	arm64) echo aarch64 ;;
	386) echo i386 ;;
	*) echo "$1" ;;
	esac
}

# emulation_skip_reason ARCH: empty when ARCH's programs run here (this
# machine's own, or qemu-user registered with binfmt_misc with the F flag,
# so a container finds the emulator), else why not.
emulation_skip_reason() {
	local arch=$1 q h=/proc/sys/fs/binfmt_misc
	[ "$arch" != "$MA_NATIVE_ARCH" ] || return 0
	q=$(qemu_name "$arch")
	if [ ! -e "$h/register" ]; then
		echo "binfmt_misc is not mounted on $h, so $arch programs cannot run here (as root: mount -t binfmt_misc binfmt_misc $h; tools/deps-images.sh does it)"
	elif [ ! -e "$h/qemu-$q" ]; then
		echo "no qemu-$q handler in binfmt_misc, so $arch programs cannot run here (tools/deps-images.sh installs qemu-user-static and registers it)"
	elif [ "$(head -1 "$h/qemu-$q")" != enabled ]; then
		echo "the binfmt_misc handler qemu-$q is disabled (update-binfmts --enable qemu-$q)"
	elif ! grep -q '^flags:.*F' "$h/qemu-$q"; then
		echo "the binfmt_misc handler qemu-$q lacks the F (fix binary) flag: a container cannot reach the emulator (Debian's qemu-user-static sets it)"
	fi
}

# Builds the images of every platform and their archives (the make
# targets users run), then pulls each platform's image from the archive,
# as a machine of that architecture would from a registry. Exports
# MA_PLATFORMS, MA_NATIVE_ARCH, MA_ARCHIVE_echo/_httpd, and per platform
# key K: MA_ID_echo_K, MA_ID_httpd_K (image ids) and MA_EMU_SKIP_K; a
# build or pull failure is in MA_BUILD_ERROR.
multiarch_setup_file() {
	export IMAGES_SKIP="" MA_BUILD_ERROR="" MA_PLATFORMS="" MA_NATIVE_ARCH=""
	local p full key name out id start version

	images_can_run || return 0
	MA_NATIVE_ARCH=$(podman info --format '{{.Host.Arch}}')
	version=$(sed -n 's/^VERSION *= *//p' "$REPO/Makefile")
	export MA_VERSION=$version MA_DIR=$BATS_FILE_TMPDIR/archives
	for p in ${IMAGE_PLATFORMS:-linux/amd64 linux/arm64}; do
		MA_PLATFORMS="$MA_PLATFORMS $(platform_full "$p")"
	done
	MA_PLATFORMS=${MA_PLATFORMS# }

	# The make targets users run; with IMAGES_NO_BUILD=1 only the
	# archives, from the images there are.
	local args=(IMAGE_REPO="$IMAGE_REPO" IMAGES_DIR="$MA_DIR")
	[ -z "${IMAGE_PLATFORMS:-}" ] || args+=(IMAGE_PLATFORMS="$IMAGE_PLATFORMS")
	local cmd=(make -f tools/images.mk images-multiarch-archive "${args[@]}")
	[ "${IMAGES_NO_BUILD:-0}" != 1 ] ||
		cmd=(env "${args[@]}" tools/images-multiarch.sh archive echo httpd)
	start=$SECONDS
	if ! (cd "$REPO" && "${cmd[@]}") >"$BATS_FILE_TMPDIR/build-multiarch.log" 2>&1 3>&-; then
		MA_BUILD_ERROR="${cmd[*]} failed: $(tail -5 "$BATS_FILE_TMPDIR/build-multiarch.log")"
		return 0
	fi
	echo "$((SECONDS - start))" >"$BATS_FILE_TMPDIR/build-multiarch.seconds"

	for name in echo httpd; do
		out=$MA_DIR/socket-activate-$name-$version.oci.tar
		export "MA_ARCHIVE_$name=$out"
		for full in $MA_PLATFORMS; do
			key=$(platform_key "$full")
			export "MA_EMU_SKIP_$key=$(emulation_skip_reason "$(echo "$full" | cut -d/ -f2)")"
			id=$(podman pull -q --platform "$full" "oci-archive:$out:$version" \
				2>"$BATS_FILE_TMPDIR/pull.log" | tail -1)
			if [ -z "$id" ]; then
				# Only the tests that run this image fail.
				export "MA_PULL_ERROR_${name}_$key=podman pull --platform $full oci-archive:$out:$version failed: $(tail -3 "$BATS_FILE_TMPDIR/pull.log")"
				continue
			fi
			# Named, so an image prune elsewhere leaves it alone; the
			# name podman takes from the archive's ref goes.
			podman tag "$id" "$IMAGE_REPO/socket-activate-$name:archive-$key"
			podman untag "$id" "localhost/$version:latest" 2>/dev/null || true
			export "MA_ID_${name}_$key=$id"
		done
	done
}

multiarch_teardown_file() {
	local name full
	[ -z "$IMAGES_SKIP" ] || return 0
	for name in echo httpd; do
		for full in $MA_PLATFORMS; do
			podman rmi "$IMAGE_REPO/socket-activate-$name:archive-$(platform_key "$full")" \
				>/dev/null 2>&1 || true
		done
	done
}

multiarch_setup() {
	images_setup
	[ -z "$MA_BUILD_ERROR" ] || fail_with "$MA_BUILD_ERROR"
}

# ma_id NAME PLATFORM: the image pulled for PLATFORM; fails (saying why)
# if it could not be pulled. Use it as id=$(ma_id ...), so a failure
# fails the test.
ma_id() {
	local v="MA_ID_${1}_$(platform_key "$2")" e="MA_PULL_ERROR_${1}_$(platform_key "$2")"
	if [ -n "${!e:-}" ]; then
		fail_with "${!e}"
	elif [ -z "${!v:-}" ]; then
		fail_with "no image of socket-activate-$1 for $2 was pulled"
	else
		echo "${!v}"
	fi
}

# foreign_platforms: the platforms not this machine's, each of which runs
# here under emulation; skips the test (saying why) if none is in the
# list or one cannot run.
foreign_platforms() {
	local full arch v found=
	for full in $MA_PLATFORMS; do
		arch=$(echo "$full" | cut -d/ -f2)
		[ "$arch" != "$MA_NATIVE_ARCH" ] || continue
		v="MA_EMU_SKIP_$(platform_key "$full")"
		[ -z "${!v}" ] || skip "${!v}"
		found="$found $full"
	done
	[ -n "$found" ] || skip "IMAGE_PLATFORMS ($MA_PLATFORMS) has no architecture but this machine's"
	FOREIGN=${found# }
}

# container_pid NAME: the pid of the container's first process, seen from
# this machine.
container_pid() { podman inspect --format '{{.State.Pid}}' "$1"; }
