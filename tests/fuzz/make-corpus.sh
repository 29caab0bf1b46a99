#!/usr/bin/env bash
# Rebuilds the fuzzers' committed seeds (tests/fuzz/corpus/NAME) from the
# test suite's own requests: `make fuzz-corpus`.
#
# The server tests run once against wrappers of this build's servers that
# record what they are given: every --listen address (for fuzz-addr), and,
# through tests/fuzz/record.c preloaded into httpd, every byte each client
# sent, one chunk per read, with a configuration byte from the server's
# options (for fuzz-conn; the bytes alone for fuzz-httpd). The unit tests'
# addresses join fuzz-addr's. Then libFuzzer's -merge=1 keeps, from the
# seeds already committed and the recorded inputs together, the smallest
# set that reaches all the coverage they reach, which replaces the seeds.
# Takes a few minutes; the tests' own results do not matter here.
#   tests/fuzz/make-corpus.sh [FILE.bats...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
rec=$repo/build/fuzz/record
rm -rf "$rec"
mkdir -p "$rec/in-addr" "$rec/in-httpd" "$rec/in-conn"
make -s build-all fuzzers
cc -shared -fPIC -O2 -Wall -Wextra -o "$rec/record.so" tests/fuzz/record.c -ldl

# Wrappers: exec keeps the pid, which LISTEN_PID names.
cat >"$rec/listen-args" <<'SH'
# Appends the --listen addresses in "$@" to $REC/addr.txt.
prev=
for a in "$@"; do
	case $prev in -l|--listen) printf '%s\n' "$a" >>"$REC/addr.txt" ;; esac
	case $a in --listen=*) printf '%s\n' "${a#--listen=}" >>"$REC/addr.txt" ;; esac
	prev=$a
done
SH
cat >"$rec/echo" <<SH
#!/bin/bash
REC=$rec
. "\$REC/listen-args"
exec $repo/build/socket-activate-echo "\$@"
SH
cat >"$rec/httpd" <<SH
#!/bin/bash
REC=$rec
. "\$REC/listen-args"
# fuzz-conn's configuration byte (tests/fuzz/fuzz-conn.c, FUZZ_CONN_*).
cfg=0 prev=
for a in "\$@"; do
	case \$a in
	--no-symlinks) cfg=\$((cfg | 1)) ;;
	--list-directories) cfg=\$((cfg | 2)) ;;
	--diagnostics) cfg=\$((cfg | 4)) ;;
	-d|--debug|--cache-control|--cache-control=*) cfg=\$((cfg | 8)) ;;
	--keepalive-timeout=0) cfg=\$((cfg | 16)) ;;
	esac
	case \$prev in
	--keepalive-timeout) [ "\$a" != 0 ] || cfg=\$((cfg | 16)) ;;
	--max-header-size) [ "\$a" != 256 ] || cfg=\$((cfg | 128)) ;;
	esac
	prev=\$a
done
FUZZ_RECORD=\$REC/conn.rec FUZZ_RECORD_CONFIG=\$cfg LD_PRELOAD=\$REC/record.so \\
	exec $repo/build/socket-activate-httpd "\$@"
SH
chmod +x "$rec/echo" "$rec/httpd"

[ $# -gt 0 ] || set -- tests/1*.bats tests/2*.bats tests/3*.bats
echo "make-corpus: running ${*} with recording servers"
ECHO_BIN=$rec/echo HTTPD_BIN=$rec/httpd BUILD_DIR=$repo/build \
	tests/run "$@" >"$rec/tests.log" 2>&1 || true
tail -1 "$rec/tests.log"

# One file per distinct input, named by its hash.
python3 - "$rec" tests/unit/test-common.c <<'PY'
import hashlib, os, re, struct, sys
rec, unit = sys.argv[1], sys.argv[2]
def put(d, data):
    with open(os.path.join(rec, d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)
n = 0
if os.path.exists(os.path.join(rec, "conn.rec")):
    raw = open(os.path.join(rec, "conn.rec"), "rb").read()
    i = 0
    while i + 4 <= len(raw):
        (size,) = struct.unpack_from("<I", raw, i)
        data = raw[i + 4:i + 4 + size]
        i += 4 + size
        put("in-conn", data)
        put("in-httpd", data[1:].replace(b"\xff\xff", b""))
        n += 1
addrs = set()
if os.path.exists(os.path.join(rec, "addr.txt")):
    addrs.update(open(os.path.join(rec, "addr.txt"), "rb").read().splitlines())
# The strings of the unit tests' address checks (good and bad ones).
src = open(unit, "rb").read()
body = src[src.index(b"test_addr_parse(void)"):]
body = body[:body.index(b"\nstatic ")]
for m in re.finditer(rb'"((?:[^"\\]|\\.)*)"', body):
    addrs.add(m.group(1))
for a in addrs:
    put("in-addr", a)
print("make-corpus: %d connections recorded, %d addresses" % (n, len(addrs)))
PY

for name in addr httpd conn; do
	new=$rec/merged-$name
	mkdir -p "$new" "$rec/tmp"
	TMPDIR=$rec/tmp build/fuzz/fuzz-$name -merge=1 "$new" \
		"tests/fuzz/corpus/$name" "$rec/in-$name" >"$rec/merge-$name.log" 2>&1
	old=$(find "tests/fuzz/corpus/$name" -type f | wc -l)
	rm -rf "tests/fuzz/corpus/$name"
	mv "$new" "tests/fuzz/corpus/$name"
	echo "make-corpus: $name: $old seeds before, $(find "$rec/in-$name" -type f | wc -l) recorded," \
		"$(find "tests/fuzz/corpus/$name" -type f | wc -l) kept ($(grep -o 'MERGE-OUTER: [0-9]* new files with [0-9]* new features' "$rec/merge-$name.log" | tail -1))"
done
