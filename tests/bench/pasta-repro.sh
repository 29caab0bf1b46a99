#!/usr/bin/env bash
# pasta-repro.sh: a half-closed echo stream through pasta's port forwarding
# ends early. A standalone reproducer for passt's developers: it needs a
# Debian 13 (or any Linux) with passt (pasta), python3 and one echo server
# binary that can bind its own socket, nothing else of the project that
# found it (github.com/... socket-activate-echo; any echo server works).
#
#   pasta-repro.sh [-n RUNS] [-s BYTES] [--direct] ECHO_SERVER [ARGS...]
#   pasta-repro.sh [-n RUNS] [-s BYTES] --podman IMAGE [ARGS...]
#
# What it does, RUNS times (default 10):
#   1. starts `pasta --config-net -t 127.0.0.1/PORT:3000 -u none -T none
#      -U none -- ECHO_SERVER [ARGS] --listen 0.0.0.0:3000` (the server binds
#      port 3000 in pasta's namespace; pasta forwards 127.0.0.1:PORT to it);
#      with --podman IMAGE instead: `podman run --rm -d --network=pasta
#      -p 127.0.0.1:PORT:3000 IMAGE [ARGS] --listen 0.0.0.0:3000` (an image
#      whose entry point is the echo server, e.g. socket-activate-echo's);
#   2. connects to 127.0.0.1:PORT; one thread writes BYTES (default 1 GiB)
#      in 64 KiB writes and then half-closes (shutdown(SHUT_WR)); the main
#      thread reads the echo until EOF;
#   3. a stream is "cut short" when EOF comes before BYTES came back. The
#      server's own count of bytes written is shown where it logs one
#      (socket-activate-echo logs "N bytes in, N bytes out" per connection).
# Then it prints the rate (cut short in K of RUNS), the sizes received, the
# passt version and the kernel. --direct runs the same client against the
# same server without pasta, as a control.
#
# Everything listens on 127.0.0.1 (and pasta's own namespace); every run
# is bounded (60 s without progress ends a stream). Run it as a user (pasta
# is meant to run rootless; as root it works too).
set -u

RUNS=10 BYTES=$((1 << 30)) DIRECT=0 IMAGE=""
while [ $# -gt 0 ]; do
    case $1 in
    -n) RUNS=$2; shift 2 ;;
    -s) BYTES=$2; shift 2 ;;
    --direct) DIRECT=1; shift ;;
    --podman) IMAGE=$2; shift 2 ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    -*) echo "pasta-repro: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || [ -n "$IMAGE" ] || { echo "usage: $0 [-n RUNS] [-s BYTES] [--direct] ECHO_SERVER [ARGS...] | --podman IMAGE [ARGS...]" >&2; exit 2; }
ECHO=("$@")
command -v python3 >/dev/null || { echo "pasta-repro: needs python3" >&2; exit 1; }
if [ -n "$IMAGE" ]; then
    command -v podman >/dev/null || { echo "pasta-repro: --podman needs podman" >&2; exit 1; }
else
    command -v pasta >/dev/null || { echo "pasta-repro: needs pasta (apt-get install passt)" >&2; exit 1; }
    [ -x "${ECHO[0]}" ] || { echo "pasta-repro: ${ECHO[0]} is not an executable" >&2; exit 1; }
fi

TMP=$(mktemp -d /tmp/pasta-repro.XXXXXX)
SRV_PID="" CTR=""
# pasta does not stop the command it runs when it is stopped itself: the
# server (pasta's child) first, then pasta.
stop_server() {
    local c
    if [ -n "$CTR" ]; then podman rm -f -t 0 "$CTR" >/dev/null 2>&1; CTR=""; fi
    if [ -n "$SRV_PID" ]; then
        for c in $(ps -o pid= --ppid "$SRV_PID" 2>/dev/null); do kill "$c" 2>/dev/null; done
        kill "$SRV_PID" 2>/dev/null
        wait "$SRV_PID" 2>/dev/null
        SRV_PID=""
    fi
}
trap 'stop_server; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# The client: writer thread, half-close, reader until EOF. Prints "got N".
cat >"$TMP/client.py" <<'EOF'
import socket, sys, threading, time
port, total = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.settimeout(60)
chunk = b"x" * 65536
def writer():
    left = total
    while left > 0:
        n = s.send(chunk[:min(left, len(chunk))])
        left -= n
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=writer, daemon=True)
start = time.monotonic()
t.start()
got, buf = 0, bytearray(65536)
try:
    while True:
        n = s.recv_into(buf)
        if n == 0:
            break
        got += n
    how = "eof"
except OSError as e:
    how = "error:" + type(e).__name__
secs = time.monotonic() - start
t.join(5)
print(f"got {got} of {total} bytes ({how}) in {secs:.2f} s")
EOF

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() { # until 127.0.0.1:$1 accepts and echoes one byte (20 s)
    python3 - "$1" <<'EOF'
import socket, sys, time
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
            s.sendall(b"x")
            if s.recv(1) == b"x":
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)
EOF
}

# The exact (Clopper-Pearson) 95% interval of a rate seen K times in N.
rate_ci() {
    python3 - "$1" "$2" <<'EOF'
import math, sys
k, n = int(sys.argv[1]), int(sys.argv[2])
cdf = lambda k, p: sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k + 1)) if k >= 0 else 0.0
def solve(f, target):
    a, b = 0.0, 1.0
    for _ in range(60):
        m = (a + b) / 2
        a, b = (m, b) if f(m) < target else (a, m)
    return (a + b) / 2
lo = 0.0 if k == 0 else solve(lambda p: 1 - cdf(k - 1, p), 0.025)
hi = 1.0 if k == n else solve(lambda p: -cdf(k, p), -0.025)
print(f"{k / n:.0%} (95% interval {lo:.0%} to {hi:.0%})")
EOF
}

start_server() { # WAY PORT: pasta, podman or direct
    local port=$2
    : >"$TMP/server.log"
    case $1 in
    pasta)
        pasta --config-net -t "127.0.0.1/$port:3000" -u none -T none -U none -f -- \
            "${ECHO[@]}" --listen 0.0.0.0:3000 </dev/null >"$TMP/server.log" 2>&1 &
        SRV_PID=$!
        ;;
    podman)
        CTR=pasta-repro-$$
        podman run --rm -d --name "$CTR" --network=pasta -p "127.0.0.1:$port:3000" "$IMAGE" \
            "${ECHO[@]}" --listen 0.0.0.0:3000 >"$TMP/server.log" 2>&1 || { cat "$TMP/server.log"; return 1; }
        ;;
    direct)
        "${ECHO[@]}" --listen "127.0.0.1:$port" </dev/null >"$TMP/server.log" 2>&1 &
        SRV_PID=$!
        ;;
    esac
    wait_port "$port" || { echo "pasta-repro: the server did not answer on 127.0.0.1:$port:"; tail -5 "$TMP/server.log"; return 1; }
}

server_count() { # the server's "bytes out" of the last connection, if it logs one
    local log
    if [ -n "$CTR" ]; then log=$(podman logs "$CTR" 2>&1); else log=$(cat "$TMP/server.log"); fi
    echo "$log" | grep -o '[0-9]* bytes in, [0-9]* bytes out' | tail -1
}

run_series() { # WAY
    local way=$1 i port out cut=0 sizes=""
    echo "--- $way: $RUNS streams of $BYTES bytes, half-closed after the last write"
    for ((i = 1; i <= RUNS; i++)); do
        port=$(free_port)
        start_server "$way" "$port" || return 1
        out=$(timeout 600 python3 "$TMP/client.py" "$port" "$BYTES" 2>&1)
        sleep 0.5 # the server logs the connection's close
        echo "  $i: $out; server: $(server_count || echo 'no count')"
        if [[ $out != "got $BYTES of "* ]]; then
            cut=$((cut + 1))
            sizes+=" $(echo "$out" | awk '{ print $2 }')"
        fi
        stop_server
    done
    echo "=== $way: $cut of $RUNS streams cut short, $(rate_ci "$cut" "$RUNS")${sizes:+; received:$sizes of $BYTES bytes}"
}

echo "pasta-repro: $(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
PV=$(pasta --version 2>&1 | head -1)
echo "passt: $(dpkg-query -W -f '${Version}' passt 2>/dev/null || echo '(not a Debian package)')${PV:+; pasta --version: $PV}"
[ -z "$IMAGE" ] || echo "podman: $(podman --version)"
echo "server: ${IMAGE:+the entry point of $IMAGE }${ECHO[*]}"
if [ -n "$IMAGE" ]; then run_series podman; else run_series pasta; fi
[ "$DIRECT" = 0 ] || [ -n "$IMAGE" ] || run_series direct
