#!/usr/bin/env bash
# The tests of a unit file written by tests/unit/gen-bats.sh, run without
# bats and printed as TAP: the same tests in the same order with the same
# names, each passing or failing as its bats test would, with the same
# notes on failure. tests/run uses it for such files: bats spends about
# 0.16 s of CPU starting each test on these machines, 90 s for the 583
# checks, where this takes a fraction of a second.
#   tests/unit/tap.sh DIR/unit.bats     (the programs are in DIR)
set -euo pipefail
file=$1
dir=$(cd "$(dirname "$file")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# What setup_file does: each program once, its output kept.
programs=$(sed -n 's/^UNIT_PROGRAMS="\(.*\)"$/\1/p' "$file")
[ -n "$programs" ] || { echo "$file: no UNIT_PROGRAMS line (not written by tests/unit/gen-bats.sh?)" >&2; exit 1; }
for b in $programs; do
	"$dir/$b" >"$out/$b.out" 2>&1 || true
done

# Then each test: `check PROGRAM 'ID'` passes when the output has "ok ID";
# `ran PROGRAM N` when it has "1..N" (the program ran to its end).
prog=$(cat <<'AWK'

function load(prog,   f, line) {
	if (prog in loaded)
		return
	loaded[prog] = 1
	f = ENVIRON["OUT"] "/" prog ".out"
	n[prog] = 0
	while ((getline line < f) > 0)
		text[prog, ++n[prog]] = line
	close(f)
}
function has(prog, want,   i) {
	for (i = 1; i <= n[prog]; i++)
		if (text[prog, i] == want)
			return 1
	return 0
}
# The "not ok ID" line and the notes after it, as check() prints them.
function notes(prog, id,   i, p) {
	p = 0
	for (i = 1; i <= n[prog]; i++) {
		if (text[prog, i] == "not ok " id) { p = 1; print "# " text[prog, i]; continue }
		if (p && text[prog, i] ~ /^# /) { print "# " text[prog, i]; continue }
		p = 0
	}
}
function tail3(prog,   i, s) {
	s = ""
	for (i = (n[prog] > 3 ? n[prog] - 2 : 1); i <= n[prog]; i++)
		s = s (s == "" ? "" : " ") text[prog, i]
	return s
}
/^@test "/ {
	name = $0
	sub(/^@test "/, "", name)
	sub(/" \{$/, "", name)
	next
}
/^\tcheck / {
	line = $0
	sub(/^\tcheck /, "", line)
	prog = line
	sub(/ .*/, "", prog)
	id = substr(line, length(prog) + 3)
	sub(/.$/, "", id)
	gsub(/'\\''/, "'", id)
	t[++count] = name; kind[count] = "check"; tprog[count] = prog; arg[count] = id
	next
}
/^\tran / {
	t[++count] = name; kind[count] = "ran"; tprog[count] = $2; arg[count] = $3
	next
}
END {
	print "1.." count
	for (k = 1; k <= count; k++) {
		prog = tprog[k]
		load(prog)
		if (kind[k] == "check") {
			if (has(prog, "ok " arg[k])) { print "ok " k " " t[k]; continue }
			print "not ok " k " " t[k]
			notes(prog, arg[k])
			if (!has(prog, "not ok " arg[k]))
				print "# check \"" arg[k] "\" did not run: " tail3(prog)
		} else {
			if (has(prog, "1.." arg[k])) { print "ok " k " " t[k]; continue }
			print "not ok " k " " t[k]
			print "# " prog " did not run to its end: " tail3(prog)
		}
	}
}
AWK
)
OUT=$out awk "$prog" "$file"
