#!/usr/bin/env bash
# httpd-ab.sh BIN_A BIN_B [PAIRS] [SECONDS]: a short paired A/B of two
# socket-activate-httpd builds on loopback: both serve the benchmark's
# document root (tests/bench/lib.sh) on 127.0.0.1, pinned to CPU 0, and
# wrk (pinned to CPU 1, -t1 -c50) alternates between them in slices of
# SECONDS (default 2), A then B, PAIRS times (default 10). Per slice:
# requests/s, and the server's CPU time per request from /proc/PID/stat.
# Prints each pair and the ratio B/A of both figures: the mean and a 95%
# interval (t distribution) over the pairs. Alternating in short slices
# is what makes two builds comparable on a VM whose speed drifts by tens
# of percent over minutes. The servers run as shipped, their access logs
# on (to a file); AB_ARGS adds arguments to both (--no-access-log).
# Traffic: 127.0.0.1 only, bounded by wrk -d.
# (Until the paired bench-httpd of issue 22 replaces it.)
set -eu
a=$1 b=$2 pairs=${3:-10} secs=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../bench/lib.sh"
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT
bench_make_docroot "$work/www" >/dev/null
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# start BIN: sets SPID and SPORT (not in a subshell: the trap must see
# every pid).
start() {
	SPORT=$(port)
	# shellcheck disable=SC2086
	taskset -c 0 "$1" --no-sandbox --listen "127.0.0.1:$SPORT" --root "$work/www" ${AB_ARGS:-} \
		>>"$work/log" 2>&1 &
	SPID=$!
	pids+=("$SPID")
}
start "$a"; pa=$SPID porta=$SPORT
start "$b"; pb=$SPID portb=$SPORT
for p in $porta $portb; do
	for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$p/index.html" && break; sleep 0.1; done
done
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# slice PID PORT: "requests/s cpu-us/request"
slice() {
	local t0 t1 out reqs
	t0=$(ticks "$1")
	out=$(taskset -c 1 wrk -t1 -c50 -d"${secs}s" "http://127.0.0.1:$2/index.html")
	t1=$(ticks "$1")
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	awk -v r="$reqs" -v s="$secs" -v dt=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.0f %.2f\n", r / s, dt / hz * 1e6 / r }'
}
slice "$pa" "$porta" >/dev/null	# warm-up
slice "$pb" "$portb" >/dev/null
echo "pair  A req/s  B req/s  A cpu-us/req  B cpu-us/req"
for i in $(seq "$pairs"); do
	read -r ra ca < <(slice "$pa" "$porta")
	read -r rb cb < <(slice "$pb" "$portb")
	echo "$i $ra $rb $ca $cb"
done | tee "$work/pairs"
python3 - "$work/pairs" <<'PY'
import math, statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l[0].isdigit()]
t975 = {2: 12.71, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365,
        9: 2.306, 10: 2.262, 11: 2.228, 12: 2.201, 15: 2.145, 20: 2.093}
def ci(name, xs):
    m = statistics.mean(xs)
    h = t975.get(len(xs), 2.0) * statistics.stdev(xs) / math.sqrt(len(xs))
    print("%s B/A: %.3f (95%% interval %.3f to %.3f, %d pairs)" % (name, m, m - h, m + h, len(xs)))
ci("requests/s", [float(r[2]) / float(r[1]) for r in rows])
ci("CPU per request", [float(r[4]) / float(r[3]) for r in rows])
PY
