#!/usr/bin/env bats
# tools/deps.sh as a user meets it: its options, and a second run on a
# machine that has everything, which needs neither root nor the network.
# (Installing and removing for real change the machine: they were run on
# fresh Debian 12 containers, not here.)
load helpers
bats_require_minimum_version 1.5.0

# as_user COMMAND...: COMMAND as a user who cannot become root: nobody
# when we are root, else ourselves; a sudo that only says it was called
# comes first on PATH either way.
as_user() {
	local stub=$BATS_TEST_TMPDIR/stub
	mkdir -p "$stub"
	printf '#!/bin/sh\necho "sudo was called: $*" >&2\nexit 1\n' >"$stub/sudo"
	chmod 755 "$BATS_TEST_TMPDIR" "$stub" "$stub/sudo"
	local env=(env -i "PATH=$stub:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
		HOME=/nonexistent LANG=C.UTF-8)
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups "${env[@]}" "$@"
	else
		"${env[@]}" "$@"
	fi
}

# skip_if_missing: when deps.sh wanted to install packages that are indeed
# not installed here, this machine lacks them (skip, naming them); when
# dpkg has them all, deps.sh was wrong to want them (the test goes on, and
# fails).
skip_if_missing() {
	local want p missing=
	want=$(sed -n 's/^deps[a-z-]*\.sh: installing://p' <<<"$output")
	for p in $want; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=" $p"
	done
	[ -z "$missing" ] || skip "this machine lacks$missing ($1 installs them)"
}

@test "tools/deps.sh --help: exit 0, the light install, --test and --remove described" {
	run "$REPO/tools/deps.sh" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: tools/deps.sh [--test]" ]]
	[[ "$output" == *"  (no option)  what building, running and \`make demo\` need"* ]]
	[[ "$output" == *"  --test       also what the whole test suite"* ]]
	[[ "$output" == *"  --remove     undo it"* ]]
}

@test "tools/deps.sh with an unknown option or two options: exit 2, the usage on stderr, nothing installed" {
	for args in --full "--test --remove" -x; do
		# shellcheck disable=SC2086
		run --separate-stderr as_user "$REPO/tools/deps.sh" $args
		echo "tools/deps.sh $args: status $status, stdout: $output; stderr: $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[[ "$stderr" == "Usage: tools/deps.sh [--test]"* ]]
	done
}

@test "a second tools/deps.sh, as a user who cannot become root: nothing to install, no sudo, exit 0" {
	run --separate-stderr as_user "$REPO/tools/deps.sh"
	echo "status $status; stdout: $output; stderr: $stderr"
	skip_if_missing "tools/deps.sh"
	[ "$status" -eq 0 ]
	[[ "$output" == *"deps.sh: packages present"* ]]
	[[ "$output" == *"deps.sh: what building, running and make demo need is installed"* ]]
	[[ "$output$stderr" != *"installing:"* ]]
	[[ "$stderr" != *"sudo was called"* ]]
}

@test "a second tools/deps.sh --test, as a user who cannot become root: nothing to install, exit 0" {
	run --separate-stderr as_user "$REPO/tools/deps.sh" --test
	echo "status $status; stdout: $output; stderr: $stderr"
	skip_if_missing "tools/deps.sh --test"
	[ "$status" -eq 0 ]
	[[ "$output$stderr" != *"installing:"* ]]
	[[ "${lines[-1]}" == "deps.sh: what the tests and benchmarks need is installed" ]]
}
