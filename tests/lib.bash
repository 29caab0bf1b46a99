# What every helpers file of the suite shares (helpers.bash for the server
# tests, images-helpers.bash, units-helpers.bash): the repository, free
# ports, polling with a deadline, and assertions on $output.
REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
TOOLS=$REPO/tests/tools

# A TCP/UDP port nobody listens on right now.
free_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET6); s.bind(("::", 0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds, or fail.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		if ((SECONDS >= deadline)); then
			echo "timed out waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# has_lines PATTERN...: each PATTERN (grep -x) is a whole line of $output.
has_lines() {
	local p
	for p; do
		grep -qx -- "$p" <<<"$output" || { echo "no line: $p"; return 1; }
	done
}

# note TEXT: a line in the TAP output, shown whatever the result.
note() { echo "# $*" >&3; }
