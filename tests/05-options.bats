#!/usr/bin/env bats
# The extremes of every numeric option of both servers, as one table: the
# smallest values, 1, the largest, and one past it. A value in range starts
# a server that works; one out of range is refused with exit 2 and one exact
# line naming the range.
load helpers
load fixtures/httpd/helpers

# PROGRAM OPTION VALUE OUTCOME, PROGRAM "both" for the shared options.
# OUTCOME:
#   serves   starts (READY=1), answers a client, exits 0 on SIGTERM
#   starts   starts and exits 0 (by itself or on SIGTERM): values with
#            which answering is a matter of timing (1 ms deadlines)
#   sleeps   --start-sleep: says it waits that long, and SIGTERM ends it
#   MIN..MAX refused: exit 2 and "invalid value ... (out of range: MIN to MAX)"
OPTIONS_TABLE='
both  exit-idle              0           serves
both  exit-idle              0.001       starts
both  exit-idle              1           starts
both  exit-idle              4233600     serves
both  exit-idle              4233600.001 0..4233600
both  exit-idle              4233601     0..4233600
both  max-connections        0           1..1000000
both  max-connections        1           serves
both  max-connections        1000000     serves
both  max-connections        1000001     1..1000000
both  shutdown-timeout       0           serves
both  shutdown-timeout       1           serves
both  shutdown-timeout       3600        serves
both  shutdown-timeout       3600.001    0..3600
both  shutdown-timeout       3601        0..3600
both  start-sleep            0           serves
both  start-sleep            1           starts
both  start-sleep            86400       sleeps
both  start-sleep            86401       0..86400
echo  max-buffer             0           1..64M
echo  max-buffer             1           serves
echo  max-buffer             64M         serves
echo  max-buffer             67108865    1..64M
echo  max-datagram           0           1..16M
echo  max-datagram           1           serves
echo  max-datagram           16M         serves
echo  max-datagram           16777217    1..16M
echo  udp-rate-limit         0           serves
echo  udp-rate-limit         1           serves
echo  udp-rate-limit         1000000     serves
echo  udp-rate-limit         1000001     0..1000000
echo  udp-global-rate-limit  0           serves
echo  udp-global-rate-limit  1           serves
echo  udp-global-rate-limit  10000000    serves
echo  udp-global-rate-limit  10000001    0..10000000
echo  idle-timeout           0           serves
echo  idle-timeout           0.001       starts
echo  idle-timeout           1           serves
echo  idle-timeout           86400       serves
echo  idle-timeout           86400.001   0..86400
echo  idle-timeout           86401       0..86400
httpd max-header-size        0           256..1M
httpd max-header-size        1           256..1M
httpd max-header-size        255         256..1M
httpd max-header-size        256         serves
httpd max-header-size        1M          serves
httpd max-header-size        1048577     256..1M
httpd max-body-size          0           serves
httpd max-body-size          1           serves
httpd max-body-size          1G          serves
httpd max-body-size          1073741825  0..1G
httpd header-timeout         0           0.001..3600
httpd header-timeout         0.001       starts
httpd header-timeout         1           serves
httpd header-timeout         3600        serves
httpd header-timeout         3600.001    0.001..3600
httpd keepalive-timeout      0           serves
httpd keepalive-timeout      0.001       serves
httpd keepalive-timeout      1           serves
httpd keepalive-timeout      3600        serves
httpd keepalive-timeout      3601        0..3600
httpd send-timeout           0           0.001..3600
httpd send-timeout           0.001       serves
httpd send-timeout           1           serves
httpd send-timeout           3600        serves
httpd send-timeout           3601        0.001..3600
httpd cache-entries          0           serves
httpd cache-entries          1           serves
httpd cache-entries          1000000     serves
httpd cache-entries          1000001     0..1000000
httpd cache-memory           0           serves
httpd cache-memory           1           serves
httpd cache-memory           1G          serves
httpd cache-memory           1073741825  0..1G
'

# rows PROG: the table's rows for socket-activate-PROG.
rows() { awk -v p="$1" 'NF == 4 && ($1 == p || $1 == "both") { print $2, $3, $4 }' <<<"$OPTIONS_TABLE"; }

# answers PROG SOCKET: one exchange with the server on the Unix socket.
answers() {
	if [ "$1" = echo ]; then
		[ "$(printf x | timeout 10 socat -t 5 - "unix-connect:$2")" = x ]
	else
		[[ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' --unix-socket "$2" http://x/)" == 200 ]]
	fi
}

# extreme PROG OPTION VALUE OUTCOME: one row, checked.
extreme() {
	local prog=$1 opt=$2 val=$3 want=$4 bin sock=$BATS_TEST_TMPDIR/s.sock
	local args=()
	bin=$ECHO_BIN
	if [ "$prog" = httpd ]; then
		bin=$HTTPD_BIN
		args=(--root "$WWW")
	fi
	echo "$prog --$opt $val: want $want"
	case $want in
	*..*)
		run "$bin" "--$opt" "$val"
		[ "$status" -eq 2 ]
		[ "$output" = "socket-activate-$prog: invalid value for --$opt: \"$val\" (out of range: ${want/../ to })" ]
		return
		;;
	esac
	: >"$(LOG)"
	start_notify
	: >"$NOTIFY_LOG"
	rm -f "$sock"
	NOTIFY_SOCKET=$NOTIFY_SOCK bg "$TOOLS/listen-fds.py" "s=unix:$sock" -- "$bin" "${args[@]}" "--$opt" "$val"
	case $want in
	sleeps)
		wait_for 10 grep -q "Sleeping $val seconds before serving (--start-sleep)" "$(LOG)"
		! grep -q READY=1 "$NOTIFY_LOG" || false
		;;
	*)
		wait_for 10 grep -q READY=1 "$NOTIFY_LOG"
		;;
	esac
	[ "$want" != serves ] || answers "$prog" "$sock"
	kill -TERM "$BG_PID" 2>/dev/null || true
	exits_with 0 10
	! grep -Ei 'error|invalid|out of range' "$(LOG)" || false
}

# table PROG: every row of PROG, then: the table names every option of
# --help that takes a number.
table() {
	local opt val want n=0
	make_site
	while read -r opt val want; do
		extreme "$1" "$opt" "$val" "$want"
		n=$((n + 1))
	done < <(rows "$1")
	for opt in $("$2" --help | grep -oE -- '--[a-z-]+=(N|BYTES|SECONDS)' | sed 's/^--//; s/=.*//' | sort -u); do
		rows "$1" | grep -q "^$opt " || { echo "--$opt takes a number and has no row"; return 1; }
	done
	note "$n extremes of socket-activate-$1's options checked"
}

@test "socket-activate-echo: every numeric option takes its smallest value, 1 and its largest, and refuses one past them with exit 2 and the range" {
	table echo "$ECHO_BIN"
}

@test "socket-activate-httpd: every numeric option takes its smallest value, 1 and its largest, and refuses one past them with exit 2 and the range" {
	table httpd "$HTTPD_BIN"
}
