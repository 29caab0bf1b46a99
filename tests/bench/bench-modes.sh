#!/usr/bin/env bash
# bench-modes.sh: the same server images behind each way of getting traffic
# into a container, measured the same way, and the rootless networking
# guide's overview table measured row by row (tests/bench/guide.sh): socket
# activation (on the host with systemd-socket-activate, and in the Debian 13
# lab through a real user manager and a system service with User=), pasta,
# pasta with a custom network (also with -o mtu=65520), socket activation
# combined with that custom network, slirp4netns with either port handler,
# the host network, and the rootful bridge. Numbers and observations only:
# nothing here passes or fails; a mode this machine cannot run is listed as
# skipped, with the reason.
#
#   tests/bench/bench-modes.sh          (make bench; make bench-quick)
#
# Modes (BENCH_MODES picks some, in this order by default):
#   host               systemd-socket-activate on the host, no container:
#                      the image's own server binary, run with chroot as
#                      nobody (the floor every other mode is compared to)
#   none-root          systemd-socket-activate ... podman run --network=none (root)
#   none-rootless      the same as an unprivileged user (BENCH_USER)
#   user-service       lab: the reference units of systemd/ in the lab user's
#                      systemd --user: echo.socket, echo-udp.socket and
#                      httpd.socket activate the Quadlet echo.container and
#                      httpd.container (Network=none)
#   system-service     lab: the system manager binds, a service with User=
#                      runs the user's rootless container: httpd-system@.socket
#                      and .service (port 80) and their echo twin (generated
#                      from httpd-system@.service, the echo image)
#   act-pasta-net      lab: user-service with the containers on a rootless
#                      custom network (Network=sa-bench-net): activation for
#                      the inbound sockets, the network for everything else
#   pasta              rootless --network=pasta -p 127.0.0.1:P:3000, the server
#                      binds its own socket (--listen)
#   pasta-net          rootless custom network (podman network create
#                      sa-bench-net; podman 5 runs it behind pasta), -p
#   pasta-net-mtu      the same on a network created with -o mtu=65520
#   slirp-rootlesskit  rootless --network=slirp4netns -p (port_handler=rootlesskit,
#                      podman's default for rootless slirp4netns)
#   slirp-slirp4netns  rootless --network=slirp4netns:port_handler=slirp4netns -p
#   hostnet            rootless --network=host, the server binds 127.0.0.1:P
#   bridge             rootful --network=bridge -p (podman's default network)
# "lab" modes run in the Debian 13 lab of tests/lab/lab.sh (systemd 257 as
# PID 1, podman 5, Quadlet, passt); pasta and the pasta-net modes run there
# too when the host's podman is too old (pasta: 4.4; custom networks behind
# pasta: 5.0).
#
# Measured per mode (client: build/bench/echo-load, wrk), paired with a
# floor that runs beside it: the image's own server binary under
# systemd-socket-activate, no container, in the same place as the mode (the
# host's floor for host modes, a floor in the lab for lab modes: the same
# kernel and path as the lab's own rows). The mode (B) and its floor (A)
# alternate in short slices, A B B A ..., and each pair of slices gives one
# ratio mode/floor (tests/bench/pairstats.py):
#   echo TCP bulk throughput (one stream of BENCH_BULK_BYTES per slice);
#   streams cut short are counted (the pasta fault, see BENCHMARKS.md)
#   64-byte TCP ping-pong round trips/s with 50 connections
#   UDP echo datagrams/s, 50 sockets, 64 bytes (where the mode carries UDP)
# each until its 95% interval gives a verdict (lower end >= 0.95: native;
# upper end < 0.95: not) or BENCH_PAIRS_MAX pairs; then BENCH_EXTRA_PAIRS
# pairs of: ping-pong with 1 connection (p50/p99), HTTP requests/s for a
# 612-byte file and MB/s for a 1 MiB file (wrk, 50 keep-alive connections,
# one thread). Once per mode: the cold start (first connection to its first
# echoed byte with nothing running, activation modes; `podman run -d` to the
# first echoed byte, modes where the server must bind its own socket), and
# whether the server saw the client's real address and port (httpd
# --diagnostics page, curl from a known local port).
# Before any mode, an A/A self-check: the host floor against a second,
# identical activation of it, measured the same way; its interval must hold
# 1.00, or the report withholds every verdict and says so at the top.
# Probed once per mode (tests/bench/guide.sh), for the guide's table:
#   the source address the echo server logs for a loopback client bound to
#   127.0.0.2 and for a client in a network namespace of our own (veth);
#   binding to one device or address, with a connection to another local
#   address refused; port 80 as the rootless user with
#   net.ipv4.ip_unprivileged_port_start unchanged; TCP and UDP each.
# Bash starts and stops things and logs every slice; the statistics, the
# tables and the guide's table come from tests/bench/benchreport.py.
#
# Every server runs with --udp-rate-limit 0 --udp-global-rate-limit 0:
# behind pasta, slirp4netns or the bridge's NAT the server sees a
# non-loopback source address, and its per-source UDP limit (1000/s,
# there to stop reflection) would otherwise measure itself, not the
# network path. Loopback sources are exempt anyway, so the flags change
# nothing for the activation modes; they are passed everywhere alike.
#
# Pinning: the server side (systemd-socket-activate, podman, conmon, the
# container; the services of the lab's managers through CPUAffinity=) on
# CPU 0, the load generators on CPU 1; the table shows each server's
# affinity as read back from the kernel. BENCH_NOPIN=1 turns that off.
#
# Traffic: every load and probe goes to loopback addresses (127.0.0.0/8) or
# to the veth addresses of the namespaces created here (198.18.0.0/15, the
# benchmarking range; see netns_up), never to an address that could leave
# the machine; every client is bounded in time.
#
# Env:
#   BENCH_QUICK=1       a shorter run: 6 pairs of short slices, one pair
#                       of the extras
#   BENCH_PAIRS_MIN, BENCH_PAIRS_MAX  pairs per mode and test (default 8 and
#                       40; quick 6 and 6)
#   BENCH_EXTRA_PAIRS   pairs of ping-pong 1 conn and HTTP (default 6; quick 1)
#   BENCH_SECS          seconds per ping-pong/UDP slice (default 1; quick 0.5)
#   BENCH_HTTP_SECS     seconds per wrk slice, whole (default 1)
#   BENCH_BULK_BYTES    bulk bytes per slice, K/M/G suffixes (default 256M; quick 64M)
#   BENCH_MODES         space-separated subset of the modes above
#   BENCH_OUT           results directory (default build/bench)
#   BENCH_QUIET_WAIT    seconds to wait for CPUs 0 and 1 to be idle before
#                       each mode (default 0: only note how busy they were)
#   BENCH_NOPIN=1       no taskset pinning
#   BENCH_HELPER_CPUS   where podman and the port forwarders of the listen
#                       modes run: all (default), or a CPU list
#   BENCH_LAB=0         never start the Debian 13 lab (its modes are skipped)
#   BENCH_NETNS=0       no network namespace of our own: the netns-client and
#                       binding columns of the guide table say so
#   BENCH_PROBES=0      no guide-table probes (numbers only)
#   BENCH_USER          rootless user (default sa-bench; tests/bench/deps-modes.sh
#                       creates it)
#   ECHO_IMAGE, HTTPD_IMAGE  (default localhost/socket-activate-{echo,httpd}:latest;
#                       built with tools/images.mk when missing)
#   PODMAN, CONTAINERS_CONF (default: tools/deps-images.sh --conf, the test
#                       configuration with runc and the ulimits these hosts need)
# Results: $BENCH_OUT/modes-STAMP.{slices,facts,csv,summary.csv,md,guide.md,
# guide.csv,dat,png,log} and modes-latest.* copies.
set -euo pipefail
cd "$(dirname "$0")/../.." # repo root
REPO=$(pwd)
. tests/bench/lib.sh

PODMAN=${PODMAN:-podman}
LOAD=$REPO/build/bench/echo-load
LAB_SH=$REPO/tests/lab/lab.sh
BENCH_USER=${BENCH_USER:-sa-bench}
ECHO_IMAGE=${ECHO_IMAGE:-localhost/socket-activate-echo:latest}
HTTPD_IMAGE=${HTTPD_IMAGE:-localhost/socket-activate-httpd:latest}
OUT=${BENCH_OUT:-build/bench}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    PMIN=${BENCH_PAIRS_MIN:-6} PMAX=${BENCH_PAIRS_MAX:-6} XPAIRS=${BENCH_EXTRA_PAIRS:-1}
    SECS=${BENCH_SECS:-0.5} BULK=${BENCH_BULK_BYTES:-64M} KIND="quick"
else
    PMIN=${BENCH_PAIRS_MIN:-8} PMAX=${BENCH_PAIRS_MAX:-40} XPAIRS=${BENCH_EXTRA_PAIRS:-6}
    SECS=${BENCH_SECS:-1} BULK=${BENCH_BULK_BYTES:-256M} KIND="full"
fi
HSECS=${BENCH_HTTP_SECS:-1} QUIET_WAIT=${BENCH_QUIET_WAIT:-0}
PP_CONNS=50 UDP_SOCKS=50 WRK_CONNS=50
ECHO_ARGS=(--udp-rate-limit 0 --udp-global-rate-limit 0)
HTTPD_ARGS=(--root /bench --no-access-log --diagnostics)

ALL_MODES=(host none-root none-rootless user-service system-service act-pasta-net
    pasta pasta-net pasta-net-mtu slirp-rootlesskit slirp-slirp4netns hostnet bridge)
declare -A DESC=(
    [host]="socket activation on the host, no container (floor)"
    [none-root]="systemd-socket-activate + podman run --network=none, rootful"
    [none-rootless]="systemd-socket-activate + podman run --network=none, rootless"
    [user-service]="user manager: echo.socket, httpd.socket + Quadlet echo.container, httpd.container (Network=none)"
    [system-service]="system manager, User=: httpd-system@.socket/.service and an echo twin, rootless containers"
    [act-pasta-net]="user manager: the same sockets, Quadlet containers on a rootless custom network"
    [pasta]="rootless --network=pasta, -p, server --listen"
    [pasta-net]="rootless custom network (podman network create), -p, server --listen"
    [pasta-net-mtu]="rootless custom network created with -o mtu=65520, -p, server --listen"
    [slirp-rootlesskit]="rootless --network=slirp4netns, -p, port_handler=rootlesskit"
    [slirp-slirp4netns]="rootless --network=slirp4netns, -p, port_handler=slirp4netns"
    [hostnet]="rootless --network=host, server --listen"
    [bridge]="rootful --network=bridge, -p"
    [aa]="a second activation of the host floor (the A/A self-check)"
    [lab-floor]="socket activation in the lab, no container (the lab's floor)"
)
# Where (host|lab), as whom podman runs (root|user), how the server gets its
# sockets (floor|activate|unit|sysunit|listen), and podman's network.
declare -A LOC=([host]=host [none-root]=host [none-rootless]=host [user-service]=lab
    [system-service]=lab [act-pasta-net]=lab [pasta]=host [pasta-net]=host [pasta-net-mtu]=host
    [slirp-rootlesskit]=host [slirp-slirp4netns]=host [hostnet]=host [bridge]=host
    [aa]=host [lab-floor]=lab)
declare -A WHO=([host]=root [none-root]=root [none-rootless]=user [user-service]=user
    [system-service]=user [act-pasta-net]=user [pasta]=user [pasta-net]=user [pasta-net-mtu]=user
    [slirp-rootlesskit]=user [slirp-slirp4netns]=user [hostnet]=user [bridge]=root
    [aa]=root [lab-floor]=root)
declare -A HOW=([host]=floor [none-root]=activate [none-rootless]=activate [user-service]=unit
    [system-service]=sysunit [act-pasta-net]=unit [pasta]=listen [pasta-net]=listen
    [pasta-net-mtu]=listen [slirp-rootlesskit]=listen [slirp-slirp4netns]=listen
    [hostnet]=listen [bridge]=listen [aa]=floor [lab-floor]=floor)
declare -A NET=([host]="" [none-root]=none [none-rootless]=none [user-service]=none
    [system-service]=none [act-pasta-net]=sa-bench-net [pasta]=pasta [pasta-net]=sa-bench-net
    [pasta-net-mtu]=sa-bench-net-mtu
    [slirp-rootlesskit]=slirp4netns:port_handler=rootlesskit
    [slirp-slirp4netns]=slirp4netns:port_handler=slirp4netns
    [hostnet]=host [bridge]=bridge [aa]="" [lab-floor]="")
# podman network create options of the custom networks.
declare -A NET_OPTS=([sa-bench-net]="" [sa-bench-net-mtu]="-o mtu=65520")
declare -A SKIP=()

mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
BASE=$OUT/modes-$STAMP
LOG=$BASE.log
exec > >(tee "$LOG") 2>&1
TEE_PID=$!

say() { echo "bench-modes: $*"; }
die() { echo "bench-modes: $*" >&2; exit 1; }

# ---- selection ---------------------------------------------------------------
if [ -n "${BENCH_MODES:-}" ]; then
    read -r -a MODES <<<"$BENCH_MODES"
    for m in "${MODES[@]}"; do [[ " ${ALL_MODES[*]} " == *" $m "* ]] || die "unknown mode '$m' (${ALL_MODES[*]})"; done
else
    MODES=("${ALL_MODES[@]}")
fi
has_mode() { local m; for m in "${MODES[@]}"; do [ "$m" = "$1" ] && return 0; done; return 1; }

bench_pin
# Where podman, conmon and the port forwarders of the listen modes run:
# BENCH_HELPER_CPUS=all (default: wherever the scheduler finds room, as on
# any machine) or a CPU list (0: with the server; 1: with the load generator).
HELPER_CPUS=${BENCH_HELPER_CPUS:-all}
PIN_HELPER=()
if [ ${#PIN_SRV[@]} -gt 0 ] && [ "$HELPER_CPUS" != all ]; then PIN_HELPER=(taskset -c "$HELPER_CPUS"); fi
if [ ${#PIN_SRV[@]} -gt 0 ]; then
    if [ "$HELPER_CPUS" = all ]; then h="not pinned (any CPU)"; else h="on CPU $HELPER_CPUS"; fi
    PINNING="servers pinned to CPU 0, load generators to CPU 1 (taskset; CPUAffinity= for the lab's units); port forwarders (pasta, slirp4netns, rootlessport) $h"
fi
TMP=$(mktemp -d /tmp/sa-bench-modes.XXXXXX)
chmod 755 "$TMP"
LAB="" LAB_PID=""
BGS=()       # background activators: "loc:who:pid"
CTRS=()      # containers to remove at exit: "loc:who:name"
TAGGED=()    # snapshot tags to remove at exit
HOST_NETS=() # custom networks created on the host (as the benchmark user)
USER_LOADED=0
ECHO_IMG="" HTTPD_IMG=""

# ---- running things where a mode runs them --------------------------------
AS_USER=()
if home=$(getent passwd "$BENCH_USER" | cut -d: -f6) && [ -n "$home" ]; then
    AS_USER=(setpriv --reuid="$BENCH_USER" --regid="$BENCH_USER" --init-groups --reset-env
        env -C "$home" HOME="$home" USER="$BENCH_USER" LOGNAME="$BENCH_USER"
        PATH=/usr/local/bin:/usr/bin:/bin)
fi

# at LOC WHO CMD...: CMD on the host or in the lab, as root or the rootless user.
at() {
    local loc=$1 who=$2
    shift 2
    case $loc:$who in
    host:root) "$@" ;;
    host:user) "${AS_USER[@]}" CONTAINERS_CONF="$CONTAINERS_CONF" "$@" ;;
    lab:*)
        # The lab's own podman, whatever PODMAN names on the host.
        local a args=()
        for a in "$@"; do [ "$a" = "$PODMAN" ] && args+=(podman) || args+=("$a"); done
        if [ "$who" = root ]; then
            "$PODMAN" exec -i -e PODMAN_IGNORE_CGROUPSV1_WARNING=1 "$LAB" "${args[@]}"
        else
            "$LAB_SH" user "$LAB" "$(printf '%q ' "${args[@]}")"
        fi
        ;;
    esac
}

# bg_at LOC WHO LOG CMD...: CMD in the background; BG_ID identifies it.
bg_at() {
    local loc=$1 who=$2 log=$3 pid
    shift 3
    if [ "$loc:$who" = host:root ]; then
        # A simple command (not a function): $! is its pid, and stays it
        # through the execs of taskset and systemd-socket-activate.
        "$@" </dev/null >"$TMP/$log" 2>&1 &
        pid=$!
    elif [ "$loc" = host ]; then
        "${AS_USER[@]}" CONTAINERS_CONF="$CONTAINERS_CONF" "$@" </dev/null >"$TMP/$log" 2>&1 &
        pid=$!
    else
        # shellcheck disable=SC2016 # expanded by that bash
        pid=$(at "$loc" "$who" bash -c '"${@:2}" </dev/null >"$1" 2>&1 & echo $!' bash "/tmp/sa-bench/$log" "$@" </dev/null)
    fi
    BG_ID=$loc:$who:$pid
    BGS+=("$BG_ID")
}

bg_cat() { # BG LOG: a background command's output so far
    case $1 in
    host:*) cat "$TMP/$2" 2>/dev/null ;;
    lab:*) at lab root cat "/tmp/sa-bench/$2" </dev/null 2>/dev/null ;;
    esac
}
bg_log() { bg_cat "$@" | tail -n 8; }

bg_alive() {
    local loc=${1%%:*} pid=${1##*:}
    if [ "$loc" = host ]; then kill -0 "$pid" 2>/dev/null; else at lab root kill -0 "$pid" </dev/null 2>/dev/null; fi
}

# SIGTERM (podman run --rm stops and removes its container), then KILL.
bg_stop() {
    local loc=${1%%:*} pid=${1##*:} i keep=() b
    if [ "$loc" = host ]; then
        kill -TERM "$pid" 2>/dev/null || true
    elif [ -n "$LAB" ]; then
        at lab root kill -TERM "$pid" </dev/null 2>/dev/null || true
    fi
    for ((i = 0; i < 150; i++)); do bg_alive "$1" || break; sleep 0.1; done
    if bg_alive "$1"; then
        if [ "$loc" = host ]; then kill -KILL "$pid" 2>/dev/null || true; else at lab root kill -KILL "$pid" </dev/null 2>/dev/null || true; fi
    fi
    [ "$loc" != host ] || wait "$pid" 2>/dev/null || true
    for b in "${BGS[@]}"; do [ "$b" = "$1" ] || keep+=("$b"); done
    BGS=("${keep[@]}")
}

ctr_rm() { # loc:who:name
    local loc who name
    IFS=: read -r loc who name <<<"$1"
    [ "$loc" = host ] || [ -n "$LAB" ] || return 0
    at "$loc" "$who" "$PODMAN" rm -f -t 0 --ignore "$name" </dev/null >/dev/null 2>&1 || true
}

cleanup() {
    local b c t n
    for b in "${BGS[@]}"; do bg_stop "$b"; done
    for c in "${CTRS[@]}"; do ctr_rm "$c"; done
    for n in "${HOST_NETS[@]}"; do at host user "$PODMAN" network rm -f "$n" </dev/null >/dev/null 2>&1 || true; done
    # The lab goes with everything in it (its units, networks, veth end).
    [ -z "$LAB" ] || "$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true
    netns_down
    # Only our snapshot names (podman untag IMAGE alone would drop every name).
    for t in "${TAGGED[@]}"; do
        "$PODMAN" untag "$t" "$t" >/dev/null 2>&1 || true
        [ "$USER_LOADED" = 0 ] || at host user "$PODMAN" untag "$t" "$t" </dev/null >/dev/null 2>&1 || true
    done
    # The benchmark user's storage holds nothing else: drop what is now unnamed.
    [ "$USER_LOADED" = 0 ] || at host user "$PODMAN" image prune -f </dev/null >/dev/null 2>&1 || true
    rm -rf "$TMP"
    # Whoever reads our output (or the log) gets all of it before we exit.
    # Bounded: when a redirection was active as we died, bash still holds
    # a copy of the pipe, and tee would wait for it forever.
    exec >&- 2>&-
    for _ in $(seq 50); do kill -0 "$TEE_PID" 2>/dev/null || break; sleep 0.05; done
    [ "$FINISHED" = 0 ] || cp "$LOG" "$OUT/modes-latest.log" 2>/dev/null || true
}
FINISHED=0
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- a client in a network namespace of our own ------------------------------
# The guide's "source address preserved" is about clients on the network;
# a loopback client is a special case. So a client namespace is created
# here and linked by veth pairs to the namespace where each mode's server
# side listens: the host's, and the lab's. Addresses come from
# 198.18.0.0/15 (RFC 2544, benchmarking): 198.18.N.0/30 host <-> client,
# 198.19.N.0/30 lab <-> client. Nothing routes beyond: the client namespace
# has no default route and does not forward, so no packet can leave the
# machine. The lab's end also becomes the lab's default route (a dead end,
# into the client namespace): on a real host pasta copies the address and
# routes of the interface with the default route, and without one the lab's
# pasta would run on a made-up link-local address.
CLINS="" NETNS_WHY=""
HOST_IF=sab$$h CLI_HOST_IF=sab$$c LAB_IF=sab$$l CLI_LAB_IF=sab$$m
HOST_LINK="" CLI_HOST="" LAB_LINK="" CLI_LAB="" LAB_NETNS=0
NSC=()
nsc() { nsenter --net="/run/netns/$CLINS" "$@"; }
quiet_if() { # NSENTER-PREFIX... IF: no IPv6 (no router solicitations), up
    local ifname=${*: -1}
    "${@:1:$#-1}" sysctl -qw "net.ipv6.conf.$ifname.disable_ipv6=1" 2>/dev/null || true
    "${@:1:$#-1}" ip link set "$ifname" up
}
netns_up() { # the client namespace and its link to the host
    local n
    if [ "${BENCH_NETNS:-1}" = 0 ]; then NETNS_WHY="BENCH_NETNS=0"; return 0; fi
    command -v ip >/dev/null || { NETNS_WHY="no ip command (apt-get install iproute2)"; return 0; }
    # Namespaces of earlier runs killed before their cleanup.
    for n in $(ip netns list 2>/dev/null | awk '/^sa-bench-ns-[0-9]+/ { print $1 }'); do
        kill -0 "${n##*-}" 2>/dev/null || ip netns del "$n" 2>/dev/null || true
    done
    # A /30 no address of this host is in yet.
    for ((i = 0; i < 250; i++)); do
        n=$((($$ + i) % 250 + 2))
        ip -4 -o addr show | grep -Eq " 198\.1[89]\.$n\." || break
    done
    HOST_LINK=198.18.$n.1 CLI_HOST=198.18.$n.2 LAB_LINK=198.19.$n.1 CLI_LAB=198.19.$n.2
    CLINS=sa-bench-ns-$$
    if ! out=$(ip netns add "$CLINS" 2>&1); then
        NETNS_WHY="cannot create a network namespace: $out"
        CLINS=""
        return 0
    fi
    NSC=(nsenter --net="/run/netns/$CLINS")
    if ! out=$( {
        ip link add "$HOST_IF" type veth peer name "$CLI_HOST_IF" netns "$CLINS" &&
            ip addr add "$HOST_LINK/30" dev "$HOST_IF" && quiet_if "$HOST_IF" &&
            nsc ip addr add "$CLI_HOST/30" dev "$CLI_HOST_IF" && quiet_if nsc "$CLI_HOST_IF" &&
            nsc ip link set lo up && nsc sysctl -qw net.ipv4.ip_forward=0
    } 2>&1); then
        NETNS_WHY="veth to the client namespace failed: $(echo "$out" | tail -1)"
        netns_down
    fi
}
netns_lab() { # the lab's link to the client namespace
    [ -n "$CLINS" ] || return 0
    if ! out=$( {
        ip link add "$LAB_IF" type veth peer name "$CLI_LAB_IF" netns "$CLINS" &&
            ip link set "$LAB_IF" netns "$LAB_PID" &&
            nsenter -t "$LAB_PID" -n ip addr add "$LAB_LINK/30" dev "$LAB_IF" &&
            quiet_if nsenter -t "$LAB_PID" -n "$LAB_IF" &&
            nsenter -t "$LAB_PID" -n ip route add default via "$CLI_LAB" &&
            nsc ip addr add "$CLI_LAB/30" dev "$CLI_LAB_IF" && quiet_if nsc "$CLI_LAB_IF"
    } 2>&1); then
        say "no client namespace link to the lab: $(echo "$out" | tail -1)"
        LAB_NETNS=0
    else
        LAB_NETNS=1
    fi
}
netns_down() {
    [ -z "$CLINS" ] || ip netns del "$CLINS" 2>/dev/null || true
    # Deleting the namespace deletes the veth ends in it, and with them the pairs.
    ip link del "$HOST_IF" 2>/dev/null || true
    CLINS="" NSC=()
}

# ---- what this machine can run --------------------------------------------
need_user_skip() {
    [ ${#AS_USER[@]} -gt 0 ] || { echo "no rootless user $BENCH_USER (tests/bench/deps-modes.sh creates it)"; return; }
    command -v newuidmap >/dev/null || { echo "newuidmap is missing (apt-get install uidmap)"; return; }
    grep -q "^$BENCH_USER:" /etc/subuid || { echo "$BENCH_USER has no range in /etc/subuid (tests/bench/deps-modes.sh adds one)"; return; }
}

skip_all() { local m; for m in "${MODES[@]}"; do [ -n "${SKIP[$m]:-}" ] || SKIP[$m]=$1; done; }

[ -x "$LOAD" ] || die "$LOAD is missing (make build/bench/echo-load)"
command -v wrk >/dev/null || die "wrk is not installed (tests/bench/deps-modes.sh)"
command -v curl >/dev/null || die "curl is not installed (tests/bench/deps-modes.sh)"
command -v systemd-socket-activate >/dev/null || die "systemd-socket-activate is missing (package systemd)"

if [ "$(id -u)" != 0 ]; then
    skip_all "needs root (rootful podman, chroot into the image for the floor, a rootless benchmark user, nsenter into the lab)"
elif ! command -v "$PODMAN" >/dev/null; then
    for m in "${MODES[@]}"; do [ "$m" = host ] || SKIP[$m]="podman is not installed (tests/bench/deps-modes.sh)"; done
fi
if [ -z "${CONTAINERS_CONF:-}" ] && [ -x tools/deps-images.sh ] && [ "$(id -u)" = 0 ]; then
    CONTAINERS_CONF=$(tools/deps-images.sh --conf)
fi
export CONTAINERS_CONF=${CONTAINERS_CONF:-}
HOST_PODMAN_VERSION=$("$PODMAN" --version 2>/dev/null | awk '{ print $NF }' || true)
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# The images: snapshot what :latest is now under a tag of our own, so an
# image rebuilt by someone else during the run cannot change the server
# between slices.
ECHO_ID="" HTTPD_ID=""
if [ "$(id -u)" = 0 ] && command -v "$PODMAN" >/dev/null; then
    for img in "$ECHO_IMAGE" "$HTTPD_IMAGE"; do
        "$PODMAN" image exists "$img" && continue
        t=image-echo
        [ "$img" = "$HTTPD_IMAGE" ] && t=image-httpd
        # Only the default names are what tools/images.mk builds here.
        case $img in
        localhost/socket-activate-echo:latest | localhost/socket-activate-httpd:latest) ;;
        *) skip_all "$img is missing (build it, e.g. make images IMAGE_REPO=${img%/socket-activate-*})"; break ;;
        esac
        say "$img is missing: make -f tools/images.mk $t (a few minutes)"
        make -f tools/images.mk "$t" >"$TMP/build-$t.log" 2>&1 ||
            { tail -5 "$TMP/build-$t.log"; skip_all "$img is missing and make $t failed"; break; }
    done
fi
if [ "$(id -u)" = 0 ] && [ -z "${SKIP[host]:-}${SKIP[none-root]:-}" ] &&
    "$PODMAN" image exists "$ECHO_IMAGE" 2>/dev/null && "$PODMAN" image exists "$HTTPD_IMAGE" 2>/dev/null; then
    ECHO_ID=$("$PODMAN" image inspect --format '{{.Id}}' "$ECHO_IMAGE")
    HTTPD_ID=$("$PODMAN" image inspect --format '{{.Id}}' "$HTTPD_IMAGE")
    ECHO_IMG=${ECHO_IMAGE%:*}:bench-modes-$$ HTTPD_IMG=${HTTPD_IMAGE%:*}:bench-modes-$$
    "$PODMAN" tag "$ECHO_ID" "$ECHO_IMG" && TAGGED+=("$ECHO_IMG")
    "$PODMAN" tag "$HTTPD_ID" "$HTTPD_IMG" && TAGGED+=("$HTTPD_IMG")
    say "images: $ECHO_IMAGE ${ECHO_ID:0:12}, $HTTPD_IMAGE ${HTTPD_ID:0:12} (tagged :bench-modes-$$ for this run)"
fi

# The document root (same files as bench-httpd), and the floor's copies of
# the image root filesystems.
DOCROOT=$TMP/docroot
bench_make_docroot "$DOCROOT"
bench_wrk_lua "$TMP/report.lua"
# Every mode is paired with a floor (and the host's floor with itself, the
# A/A check): the image's root filesystem is needed whatever runs.
FLOOR_WHY=""
if [ "$(id -u)" = 0 ] && [ -n "$ECHO_IMG" ]; then
    for r in echo httpd; do
        img=$ECHO_IMG
        [ $r = echo ] || img=$HTTPD_IMG
        mkdir -p "$TMP/rootfs-$r"
        c=$("$PODMAN" create "$img" 2>"$TMP/create.err") &&
            "$PODMAN" export "$c" | tar -C "$TMP/rootfs-$r" -x &&
            "$PODMAN" rm "$c" >/dev/null ||
            FLOOR_WHY="could not export the image's root filesystem: $(tail -1 "$TMP/create.err")"
    done
    if [ -z "$FLOOR_WHY" ]; then
        cp -a "$DOCROOT" "$TMP/rootfs-httpd/bench"
        chmod 755 "$TMP/rootfs-echo" "$TMP/rootfs-httpd"
    fi
else
    FLOOR_WHY="no image to take the floor's server from"
fi
[ -z "$FLOOR_WHY" ] || skip_all "no floor to pair with: $FLOOR_WHY"

# pasta on the host needs podman >= 4.4 and passt; a custom network behind
# pasta (rootless netns) podman >= 5.0. Else they run in the trixie lab.
for m in pasta pasta-net pasta-net-mtu; do
    need=4.4
    [ "$m" = pasta ] || need=5.0
    if version_ge "$HOST_PODMAN_VERSION" "$need" && command -v pasta >/dev/null; then
        continue
    fi
    LOC[$m]=lab
done

# Rootless on the host: the user, its copies of the images, /dev/net/tun.
host_user_needed=0
for m in "${MODES[@]}"; do
    [ "${LOC[$m]}:${WHO[$m]}" = host:user ] && [ -z "${SKIP[$m]:-}" ] && host_user_needed=1
done
if [ $host_user_needed = 1 ]; then
    why=$(need_user_skip)
    if [ -z "$why" ]; then
        for img in "$ECHO_IMG" "$HTTPD_IMG"; do
            USER_LOADED=1
            if ! "$PODMAN" save --format oci-archive "$img" 2>/dev/null | at host user "$PODMAN" load >"$TMP/user-load.log" 2>&1; then
                why="rootless podman load failed: $(grep -v 'shared mount' "$TMP/user-load.log" | tail -1)"
                break
            fi
        done
    fi
    if [ -n "$why" ]; then
        for m in "${MODES[@]}"; do
            [ "${LOC[$m]}:${WHO[$m]}" != host:user ] || [ -n "${SKIP[$m]:-}" ] || SKIP[$m]=$why
        done
    fi
fi
for m in slirp-rootlesskit slirp-slirp4netns; do
    [ -z "${SKIP[$m]:-}" ] || continue
    if ! command -v slirp4netns >/dev/null; then
        SKIP[$m]="slirp4netns is not installed (tests/bench/deps-modes.sh)"
    elif [ "$(stat -c %a /dev/net/tun 2>/dev/null)" != 666 ]; then
        SKIP[$m]="/dev/net/tun is mode $(stat -c %a /dev/net/tun 2>/dev/null || echo missing), not 666 as udev makes it on a normal distribution: rootless slirp4netns cannot open it (tests/bench/deps-modes.sh sets 666)"
    fi
done
if has_mode bridge && [ -z "${SKIP[bridge]:-}" ] && ! command -v iptables >/dev/null; then
    SKIP[bridge]="iptables is missing: podman's bridge port forwarding needs it (tests/bench/deps-modes.sh)"
fi
[ "$(id -u)" != 0 ] || netns_up

# The lab: systemd 257 as PID 1 (user manager, system manager, Quadlet),
# podman 5.4, passt. The unit modes always run there: a benchmark has no
# business installing units into the host's own managers (and these hosts
# have no systemd as PID 1).
if [ "${BENCH_LAB:-1}" = 0 ]; then
    for m in "${MODES[@]}"; do
        [ "${LOC[$m]}" = lab ] && [ -z "${SKIP[$m]:-}" ] &&
            SKIP[$m]="needs the Debian 13 lab (podman $HOST_PODMAN_VERSION here$([ "${HOW[$m]}" = listen ] || echo "; a real user or system manager and Quadlet")), which BENCH_LAB=0 forbids"
    done
fi
lab_needed=0
for m in "${MODES[@]}"; do [ "${LOC[$m]}" = lab ] && [ -z "${SKIP[$m]:-}" ] && lab_needed=1; done
LAB_UID="" LAB_HOME="" PASST_VERSION=""
if [ $lab_needed = 1 ]; then
    why=""
    if ! "$LAB_SH" cached trixie && ! command -v debootstrap >/dev/null; then
        why="needs the Debian 13 lab (podman $HOST_PODMAN_VERSION here), and there is no cached trixie lab nor debootstrap to build one (tests/bench/deps-modes.sh)"
    else
        # Labs of earlier runs killed before their cleanup.
        for old in $("$PODMAN" ps -a --format '{{.Names}}' | grep '^sa-bench-lab-[0-9]*$' || true); do
            kill -0 "${old##*-}" 2>/dev/null || "$LAB_SH" stop "$old" >/dev/null 2>&1 || true
        done
        LAB=sa-bench-lab-$$
        t0=$SECONDS
        "$LAB_SH" cached trixie || say "building the Debian 13 lab image (debootstrap, 1-3 min, once)"
        if ! "$LAB_SH" start trixie "$LAB" >"$TMP/lab.log" 2>&1; then
            why="the Debian 13 lab did not start: $(tail -1 "$TMP/lab.log")"
        elif ! "$LAB_SH" load "$LAB" "$ECHO_IMG" "$HTTPD_IMG" >>"$TMP/lab.log" 2>&1; then
            why="copying the images into the lab failed: $(tail -1 "$TMP/lab.log")"
        else
            LAB_PID=$("$PODMAN" inspect --format '{{.State.Pid}}' "$LAB")
            # LAB.md step 4: pasta opens /dev/net/tun as the user; a shared
            # scratch dir for logs; the document root.
            at lab root sh -c 'chmod 666 /dev/net/tun; mkdir -p /tmp/sa-bench && chmod 1777 /tmp/sa-bench' </dev/null
            # The lab's floor runs the servers of the same root filesystems.
            tar -C "$TMP" -c docroot rootfs-echo rootfs-httpd | at lab root tar -C /tmp/sa-bench -x
            at lab root chmod -R a+rX /tmp/sa-bench/docroot </dev/null
            # The reference units run localhost/socket-activate-*:latest: in
            # the lab, those names are this run's snapshot.
            for w in root user; do
                at lab "$w" sh -c 'podman tag "$1" "$2" && podman tag "$3" "$4"' sh \
                    "$ECHO_IMG" localhost/socket-activate-echo:latest \
                    "$HTTPD_IMG" localhost/socket-activate-httpd:latest </dev/null
            done
            LAB_UID=$(at lab user id -u </dev/null)
            LAB_HOME=$(at lab user sh -c 'echo "$HOME"' </dev/null)
            LAB_VERSIONS=$(at lab user sh -c 'podman --version; systemctl --version | head -1' </dev/null | tr '\n' ';' | sed 's/;$//')
            PASST_VERSION=$(at lab root dpkg-query -W -f '${Version}' passt </dev/null 2>/dev/null || true)
            LAB_VERSIONS+="; passt $PASST_VERSION"
            netns_lab
            say "lab $LAB up in $((SECONDS - t0)) s: $LAB_VERSIONS"
        fi
    fi
    if [ -n "$why" ]; then
        for m in "${MODES[@]}"; do [ "${LOC[$m]}" = lab ] && [ -z "${SKIP[$m]:-}" ] && SKIP[$m]=$why; done
        [ -z "$LAB" ] || "$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true
        LAB=""
    fi
fi
if [ -z "$PASST_VERSION" ] && command -v pasta >/dev/null; then
    PASST_VERSION=$(dpkg-query -W -f '${Version}' passt 2>/dev/null || pasta --version | head -1)
fi

# The custom networks, where their modes run.
for m in "${MODES[@]}"; do
    n=${NET[$m]}
    [ -n "$n" ] && [ -n "${NET_OPTS[$n]+set}" ] && [ -z "${SKIP[$m]:-}" ] || continue
    # shellcheck disable=SC2086 # the options are words
    if at "${LOC[$m]}" user "$PODMAN" network exists "$n" </dev/null 2>/dev/null; then
        continue
    elif out=$(at "${LOC[$m]}" user "$PODMAN" network create ${NET_OPTS[$n]} "$n" </dev/null 2>&1); then
        [ "${LOC[$m]}" = lab ] || HOST_NETS+=("$n")
    else
        SKIP[$m]="podman network create ${NET_OPTS[$n]:+${NET_OPTS[$n]} }$n failed: $(echo "$out" | tail -1)"
    fi
done

# The unit modes: the reference units, installed as users install them.
unit_modes=0
for m in "${MODES[@]}"; do
    case ${HOW[$m]} in unit | sysunit) [ -n "${SKIP[$m]:-}" ] || unit_modes=1 ;; esac
done
if [ $unit_modes = 1 ]; then
    # shellcheck source=tests/bench/units.sh
    . tests/bench/units.sh
    if ! out=$(units_install 2>&1); then
        for m in "${MODES[@]}"; do
            case ${HOW[$m]} in unit | sysunit) [ -n "${SKIP[$m]:-}" ] || SKIP[$m]="installing the units in the lab failed: $(echo "$out" | tail -1)" ;; esac
        done
    fi
fi

RUN=()
for m in "${MODES[@]}"; do [ -n "${SKIP[$m]:-}" ] || RUN+=("$m"); done

# ---- results ------------------------------------------------------------------
# Two files, read by tests/bench/benchreport.py: every slice (one line each,
# see tests/bench/lib.sh bench_slice_log) and the facts, one
# "scope<TAB>key<TAB>value" line each (scope: run, or a mode).
SLICES=$BASE.slices FACTS=$BASE.facts
: >"$SLICES"
: >"$FACTS"
fact() { printf '%s\t%s\t%s\n' "$1" "$2" "$(printf '%s' "$3" | tr '\t\n' '  ')" >>"$FACTS"; }

# ---- per mode ----------------------------------------------------------------
# Clients run on the host, pinned; for a lab mode in the lab's network
# namespace (nsenter -n: same binaries, the lab's loopback).
set_client() {
    NS=()
    [ "${LOC[$1]}" = host ] || NS=(nsenter -t "$LAB_PID" -n)
    CLI=("${NS[@]}" "${PIN_CLI[@]}")
}

free_port() { # a port free for TCP and UDP where the mode runs
    local p hex
    while :; do
        p=$("${NS[@]}" "$LOAD" freeport tcp)
        hex=$(printf ':%04X ' "$p")
        "${NS[@]}" grep -q "$hex" /proc/net/udp /proc/net/tcp || { echo "$p"; return; }
    done
}

hexaddr() { # IPv4 address -> the hex form of /proc/net/tcp
    local a b c d
    IFS=. read -r a b c d <<<"$1"
    printf '%02X%02X%02X%02X' "$d" "$c" "$b" "$a"
}

wait_bound() { # PROTO PORT [ADDR] [BG]: until something is bound there (BG: give up when it died)
    local hex
    hex=$(hexaddr "${3:-127.0.0.1}"):$(printf '%04X' "$2")
    for _ in $(seq 200); do
        "${NS[@]}" grep -q " $hex " "/proc/net/$1" && return 0
        [ -z "${4:-}" ] || bg_alive "$4" || return 1
        sleep 0.05
    done
    return 1
}

now_ns() { date +%s%N; }
ms_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }

# Poll until one byte is echoed on 127.0.0.1:$1 (max $2 s).
wait_echo() {
    local deadline=$((SECONDS + $2))
    until "${CLI[@]}" timeout 5 "$LOAD" idle "tcp:127.0.0.1:$1" -c 1 -t 0 >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.01
    done
}

# The httpd diagnostic page from a known client port: sets SRC.
check_source() {
    local port=$1 lp out seen mine
    lp=$((40000 + RANDOM % 20000))
    out=$("${CLI[@]}" curl -sS -m 20 --local-port "$lp-$((lp + 50))" -w '\nLOCAL %{local_ip}:%{local_port}\n' \
        "http://127.0.0.1:$port/.well-known/socket-activate" 2>&1) || { SRC="no answer: $(echo "$out" | tail -1)"; return 1; }
    # A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d.
    seen=$(echo "$out" | sed -n 's/^client address: *//p' | sed -E 's/^\[::ffff:([0-9.]+)\]/\1/')
    mine=$(echo "$out" | sed -n 's/^LOCAL //p')
    if [ -z "$seen" ]; then SRC="no diagnostic page"; return 1; fi
    # Address and port must both be the client's; the port is reported
    # only as kept or not (it differs every run).
    if [ "$seen" = "$mine" ]; then
        SRC="yes"
    elif [ "${seen##*:}" = "${mine##*:}" ]; then
        SRC="no: ${seen%:*} (port kept)"
    else
        SRC="no: ${seen%:*}, other port"
    fi
}

# The CPUs the server process may run on, read back from the kernel.
server_cpus() { # MODE CONTAINER-NAME|pid:PID
    local m=$1 pid
    case $2 in
    pid:*) pid=${2#pid:} ;;
    *) pid=$(at "${LOC[$m]}" "${WHO[$m]}" "$PODMAN" inspect --format '{{.State.Pid}}' "$2" </dev/null 2>/dev/null) || return 0 ;;
    esac
    if [ "${LOC[$m]}" = host ]; then
        sed -n 's/^Cpus_allowed_list:\s*//p' "/proc/$pid/status" 2>/dev/null
    else
        at lab root sed -n 's/^Cpus_allowed_list:\s*//p' "/proc/$pid/status" </dev/null 2>/dev/null
    fi
}

# Where a mode's server side meets the client namespace: its veth address
# and interface (empty without the namespace).
link_of() {
    if [ "${LOC[$1]}" = lab ]; then
        [ "$LAB_NETNS" = 1 ] && echo "$LAB_LINK"
    else
        [ -n "$CLINS" ] && echo "$HOST_LINK"
    fi
    return 0
}
if_of() { if [ "${LOC[$1]}" = lab ]; then echo "$LAB_IF"; else echo "$HOST_IF"; fi; }
cli_addr_of() { if [ "${LOC[$1]}" = lab ]; then echo "$CLI_LAB"; else echo "$CLI_HOST"; fi; }

# The addresses a server listens on, by flavour: perf (the benchmark:
# 127.0.0.1:PORT), src (127.0.0.1 and the veth address), bind (the veth
# address only), port80 (127.0.0.1:80). One address per line.
listen_addrs() { # MODE FLAVOUR PORT
    case $2 in
    perf | port80) echo "127.0.0.1:$3" ;;
    src)
        echo "127.0.0.1:$3"
        [ -z "$(link_of "$1")" ] || echo "$(link_of "$1"):$3"
        ;;
    bind) echo "$(link_of "$1"):$3" ;;
    esac
}

echo_args() { # FLAVOUR: the echo server's arguments (probes log every datagram)
    if [ "$1" = perf ]; then echo "${ECHO_ARGS[*]}"; else echo "${ECHO_ARGS[*]} -d"; fi
}

# Activation: systemd-socket-activate (pinned) runs the server command on
# the first connection. ROLE: echo-tcp, echo-udp, httpd.
start_activator() { # MODE ROLE PORT [FLAVOUR]
    local m=$1 role=$2 port=$3 fl=${4:-perf} sa=(systemd-socket-activate) cmd name a first=""
    local args
    read -r -a args <<<"$(echo_args "$fl")"
    [ "$role" != echo-udp ] || sa+=(-d)
    for a in $(listen_addrs "$m" "$fl" "$port"); do
        sa+=(-l "$a")
        [ -n "$first" ] || first=$a
    done
    if [ "${HOW[$m]}" = floor ]; then
        if [ "$role" = httpd ]; then
            cmd=(chroot --userspec=65534:65534 "$(rootfs_of "$m")-httpd" /socket-activate-httpd "${HTTPD_ARGS[@]}")
        else
            cmd=(chroot --userspec=65534:65534 "$(rootfs_of "$m")-echo" /socket-activate-echo "${args[@]}")
        fi
    else
        name=sa-bench-$$-$m-$role
        CTRS+=("${LOC[$m]}:${WHO[$m]}:$name")
        if [ "${LOC[$m]}" = host ]; then
            [ -z "$CONTAINERS_CONF" ] || sa+=(-E CONTAINERS_CONF)
        else
            sa+=(-E XDG_RUNTIME_DIR -E PODMAN_IGNORE_CGROUPSV1_WARNING)
        fi
        cmd=("$PODMAN" run --rm --network=none --name "$name")
        if [ "$role" = httpd ]; then
            cmd+=(-v "$(docroot_of "$m"):/bench:ro" "$HTTPD_IMG" "${HTTPD_ARGS[@]}")
        else
            cmd+=("$ECHO_IMG" "${args[@]}")
        fi
    fi
    bg_at "${LOC[$m]}" "${WHO[$m]}" "$m-$role-$fl.log" "${PIN_SRV[@]}" "${sa[@]}" "${cmd[@]}"
    ROLE_BG[$role]=$BG_ID
    local proto=tcp
    [ "$role" != echo-udp ] || proto=udp
    wait_bound $proto "$port" "${first%:*}" "$BG_ID" ||
        { FAIL="$role: nothing listens on $first: $(bg_log "$BG_ID" "$m-$role-$fl.log" | tail -1)"; return 1; }
}

docroot_of() { if [ "${LOC[$1]}" = lab ]; then echo /tmp/sa-bench/docroot; else echo "$DOCROOT"; fi; }
rootfs_of() { if [ "${LOC[$1]}" = lab ]; then echo /tmp/sa-bench/rootfs; else echo "$TMP/rootfs"; fi; }

# Listen modes: podman run -d with -p (or --network=host), the server binds.
# PROTOS: which of the echo server's sockets (tcp, udp or both).
start_listener() { # MODE ROLE PORT [FLAVOUR] [PROTOS] -> T0 (ns, taken where podman runs)
    local m=$1 role=$2 port=$3 fl=${4:-perf} protos=${5:-tcp udp} name cmd out a p net
    local args
    read -r -a args <<<"$(echo_args "$fl")"
    name=sa-bench-$$-$m-$role
    [ "$fl" = perf ] || name+=-$fl
    CTRS+=("${LOC[$m]}:${WHO[$m]}:$name")
    net=${NET[$m]}
    # The guide's way to bind pasta to one device: its own -t/-u options
    # with ADDRESS%INTERFACE (podman's -p has no device syntax).
    if [ "$fl" = bind ] && [ "$net" = pasta ]; then
        local opts=()
        for p in $protos; do opts+=("-${p:0:1}" "0.0.0.0%$(if_of "$m")/$port:3000"); done
        net="pasta:$(IFS=,; echo "${opts[*]}")"
    fi
    cmd=("$PODMAN" run -d --name "$name" --network="$net")
    if [ "$role" = httpd ]; then
        if [ "$net" = host ]; then
            cmd+=(-v "$(docroot_of "$m"):/bench:ro" "$HTTPD_IMG" --listen "127.0.0.1:$port")
        else
            cmd+=(-p "127.0.0.1:$port:8080" -v "$(docroot_of "$m"):/bench:ro" "$HTTPD_IMG" --listen 0.0.0.0:8080)
        fi
        cmd+=("${HTTPD_ARGS[@]}")
    elif [ "$net" = host ]; then
        cmd+=("$ECHO_IMG")
        for a in $(listen_addrs "$m" "$fl" "$port"); do
            for p in $protos; do cmd+=(--listen "$([ "$p" = tcp ] || echo udp:)$a"); done
        done
        cmd+=("${args[@]}")
    else
        if [[ $net != pasta:* ]]; then
            for a in $(listen_addrs "$m" "$fl" "$port"); do
                for p in $protos; do cmd+=(-p "$a:3000$([ "$p" = tcp ] || echo /udp)"); done
            done
        fi
        cmd+=("$ECHO_IMG")
        for p in $protos; do cmd+=(--listen "$([ "$p" = tcp ] || echo udp:)0.0.0.0:3000"); done
        cmd+=("${args[@]}")
    fi
    # The start time is taken where podman runs, right before it.
    if ! out=$(at "${LOC[$m]}" "${WHO[$m]}" bash -c 'date +%s%N; exec "$@"' bash "${PIN_HELPER[@]}" "${cmd[@]}" </dev/null 2>&1); then
        FAIL="$role: podman run failed: $(echo "$out" | grep -v -e 'shared mount' -e cgroups-v1 -e '^[0-9]*$' -e '^$' | tail -1)"
        return 1
    fi
    T0=$(echo "$out" | head -1)
}

# Listen modes: podman (and with it conmon and the port forwarder: pasta,
# slirp4netns, rootlessport) ran with the helpers' affinity; the server
# process itself (every thread) goes to the server CPU.
pin_server() { # MODE CONTAINER
    local pid
    [ ${#PIN_SRV[@]} -gt 0 ] || return 0
    pid=$(at "${LOC[$1]}" "${WHO[$1]}" "$PODMAN" inspect --format '{{.State.Pid}}' "$2" </dev/null 2>/dev/null) || return 0
    at "${LOC[$1]}" root taskset -a -p -c "${PIN_SRV[2]}" "$pid" </dev/null >/dev/null 2>&1 || true
}

# The name of a mode's echo container or process (for its CPUs and logs).
echo_ctr() { # MODE [FLAVOUR]
    local fl=${2:-perf}
    case ${HOW[$1]} in
    floor) local b=${ROLE_BG[echo-tcp]:-}; echo "pid:${b##*:}" ;;
    activate) echo "sa-bench-$$-$1-echo-tcp" ;;
    unit) echo echo ;;
    sysunit) echo "sa-bench-echo-system-$LAB_UID" ;;
    listen) if [ "$fl" = perf ]; then echo "sa-bench-$$-$1-echo"; else echo "sa-bench-$$-$1-echo-$fl"; fi ;;
    esac
}

declare -A ROLE_BG EP UP HP UOK
setup_mode() {
    local m=$1 out
    FAIL="" ROLE_BG=()
    case ${HOW[$m]} in
    unit) EPORT=3000 UPORT=3000 HPORT=8080 ;;
    sysunit) EPORT=3000 UPORT=3000 HPORT=80 ;;
    *)
        EPORT=$(free_port)
        HPORT=$(free_port)
        while [ "$HPORT" = "$EPORT" ]; do HPORT=$(free_port); done
        UPORT=$EPORT
        ;;
    esac
    case ${HOW[$m]} in
    floor | activate | unit | sysunit)
        if [ "${HOW[$m]}" = unit ] || [ "${HOW[$m]}" = sysunit ]; then
            units_start "$m" perf || return 1
        else
            UPORT=$(free_port)
            while [ "$UPORT" = "$EPORT" ] || [ "$UPORT" = "$HPORT" ]; do UPORT=$(free_port); done
            start_activator "$m" echo-tcp "$EPORT" || return 1
            start_activator "$m" echo-udp "$UPORT" || return 1
            start_activator "$m" httpd "$HPORT" || return 1
        fi
        # Cold start: nothing runs yet; this connection starts the server.
        if ! out=$("${CLI[@]}" timeout 60 "$LOAD" idle "tcp:127.0.0.1:$EPORT" -c 1 -t 0 2>&1); then
            FAIL="first connection not echoed: $(echo "$out" | tail -1); $(echo_log "$m" | tail -2 | tr '\n' ' ')"
            return 1
        fi
        fact "$m" cold_ms "$(echo "$out" | bench_field open_ms)"
        ;;
    listen)
        start_listener "$m" echo "$EPORT" || return 1
        if ! wait_echo "$EPORT" 60; then
            FAIL="the echo server never answered on 127.0.0.1:$EPORT: $(at "${LOC[$m]}" "${WHO[$m]}" "$PODMAN" logs "sa-bench-$$-$m-echo" </dev/null 2>&1 | tail -1)"
            return 1
        fi
        fact "$m" cold_ms "$(awk -v a="$T0" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')"
        pin_server "$m" "sa-bench-$$-$m-echo"
        start_listener "$m" httpd "$HPORT" || return 1
        ;;
    esac
    # The web server: up (a first request starts an activated one), and
    # what address it saw.
    local deadline=$((SECONDS + 60))
    until check_source "$HPORT"; do
        ((SECONDS < deadline)) || { FAIL="httpd: $SRC"; return 1; }
        sleep 0.1
    done
    fact "$m" src "$SRC"
    [ "${HOW[$m]}" != listen ] || pin_server "$m" "sa-bench-$$-$m-httpd"
    # UDP: the first datagrams start an activated server; wait for replies
    # (a listening server is up already: a few seconds tell).
    deadline=$((SECONDS + 30))
    [ "${HOW[$m]}" != listen ] || deadline=$((SECONDS + 3))
    UDP_OK=0
    while ((SECONDS < deadline)); do
        out=$("${CLI[@]}" timeout 10 "$LOAD" udp "udp:127.0.0.1:$UPORT" -c 1 -t 0.3 -w 200 2>/dev/null || true)
        [ "$(echo "$out" | bench_field replies)" -gt 0 ] 2>/dev/null && { UDP_OK=1; break; }
    done
    fact "$m" srv_cpus "$(server_cpus "$m" "$(echo_ctr "$m")" || true)"
    # Where a later slice finds this server (floors stay up beside the modes).
    EP[$m]=$EPORT UP[$m]=$UPORT HP[$m]=$HPORT UOK[$m]=$UDP_OK
}

teardown_mode() {
    local m=$1 role c keep=()
    for role in "${!ROLE_BG[@]}"; do bg_stop "${ROLE_BG[$role]}"; done
    ROLE_BG=()
    case ${HOW[$m]} in unit | sysunit) units_stop "$m" ;; esac
    for c in "${CTRS[@]}"; do
        if [[ $c == *":sa-bench-$$-$m-"* ]]; then ctr_rm "$c"; else keep+=("$c"); fi
    done
    CTRS=("${keep[@]}")
}

# The echo server's log so far (its connection and, with -d, datagram lines).
echo_log() { # MODE [FLAVOUR]
    local m=$1 fl=${2:-perf} role
    case ${HOW[$m]} in
    floor | activate)
        for role in echo-tcp echo-udp; do
            [ -z "${ROLE_BG[$role]:-}" ] || bg_cat "${ROLE_BG[$role]}" "$m-$role-$fl.log"
        done
        ;;
    unit | sysunit) units_log "$m" ;;
    listen) at "${LOC[$m]}" "${WHO[$m]}" "$PODMAN" logs "$(echo_ctr "$m" "$fl")" </dev/null 2>&1 ;;
    esac
}

# One slice: TEST (bulk, pp50, udp, pp1, small, big) against SERVER (a mode
# or a floor, set up by setup_mode), arm ARM of pair PAIR of SERIES; the
# client where the mode runs (set_client).
mslice() { # SERIES PAIR ARM SERVER TEST
    local srv=$4 t=$5 out st=ok cmd
    case $t in
    bulk) cmd=("$LOAD" bulk "tcp:127.0.0.1:${EP[$srv]}" -n "$BULK") ;;
    pp1) cmd=("$LOAD" pingpong "tcp:127.0.0.1:${EP[$srv]}" -c 1 -t "$SECS") ;;
    pp50) cmd=("$LOAD" pingpong "tcp:127.0.0.1:${EP[$srv]}" -c "$PP_CONNS" -t "$SECS") ;;
    udp) cmd=("$LOAD" udp "udp:127.0.0.1:${UP[$srv]}" -c "$UDP_SOCKS" -t "$SECS") ;;
    small | big)
        local path=/index.html
        [ "$t" = small ] || path=/1M.bin
        cmd=(wrk -t 1 -c "$WRK_CONNS" -d "${HSECS}s" --timeout 5s --latency -s "$TMP/report.lua" "http://127.0.0.1:${HP[$srv]}$path")
        ;;
    esac
    out=$(timeout -k 5 $((${SECS%.*} + ${HSECS%.*} + 120)) "${CLI[@]}" "${cmd[@]}" 2>&1 </dev/null) || st=failed
    # wrk: a slice with socket errors or non-2xx answers measured something else.
    [ "${cmd[0]}" != wrk ] || echo "$out" | grep -q '^RESULT.* errors=0 ' || st=failed
    bench_slice_log "$SLICES" "$1" "$2" "$3" "$srv" "$t" "" "$out" "$st"
    [ "$st" = ok ] || echo "    !!! $srv $t: $(echo "$out" | grep -v '^RESULT' | grep . | tail -1)"
}

# MODE against FLOOR in alternating slices (series MODE): bulk, 50-conn
# ping-pong and UDP each until a verdict or PMAX pairs; then XPAIRS pairs
# of the extras.
measure_paired() { # MODE FLOOR
    local m=$1 f=$2 tests=(bulk pp50) todo pair t arm
    if [ "${UOK[$f]}" = 1 ] && [ "${UOK[$m]}" = 1 ]; then
        tests+=(udp)
    elif [ "${UOK[$f]}" = 1 ]; then
        fact "$m" udp "no replies"
    else
        fact "$m" udp "no UDP figure: the floor ($f) did not answer UDP"
    fi
    for ((pair = 0; pair < PMAX; pair++)); do
        todo=("${tests[@]}")
        if [ "$pair" -ge "$PMIN" ]; then
            read -r -a todo <<<"$("${BENCH_PY[@]}" tests/bench/pairstats.py pending "$SLICES" --series "$m" \
                --tests "${tests[*]}" --goal verdict --min "$PMIN" --max "$PMAX")"
            [ ${#todo[@]} -gt 0 ] || break
        fi
        printf '    pair %d: %s\n' "$((pair + 1))" "${todo[*]}"
        for t in "${todo[@]}"; do
            for arm in $(bench_pair_order "$pair"); do
                if [ "$arm" = A ]; then mslice "$m" "$pair" A "$f" "$t"; else mslice "$m" "$pair" B "$m" "$t"; fi
            done
        done
    done
    for ((pair = 0; pair < XPAIRS; pair++)); do
        for t in pp1 small big; do
            for arm in $(bench_pair_order "$pair"); do
                if [ "$arm" = A ]; then mslice "$m" "$pair" A "$f" "$t"; else mslice "$m" "$pair" B "$m" "$t"; fi
            done
        done
    done
    "${BENCH_PY[@]}" tests/bench/pairstats.py summary "$SLICES" --series "$m" --tests "${tests[*]} pp1 small big" | sed 's/^/    /'
}

# The guide table: its claims, the probes, the report (tests/bench/guide.sh).
# shellcheck source=tests/bench/guide.sh
. tests/bench/guide.sh

# ---- the run ---------------------------------------------------------------
hms() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
MACHINE="$(uname -r), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), podman ${HOST_PODMAN_VERSION:-?}"
say "$KIND run: modes: ${RUN[*]:-none}; $PINNING"
say "pairs of slices per mode and test: $PMIN to $PMAX (bulk $BULK, ping-pong/UDP ${SECS}s), then $XPAIRS of ping-pong 1 conn and wrk ${HSECS}s ($WRK_CONNS connections, 1 thread)"
for m in "${MODES[@]}"; do [ -z "${SKIP[$m]:-}" ] || say "skipped: $m: ${SKIP[$m]}"; done
for m in "${RUN[@]}"; do say "  $m ($(printf '%s' "${LOC[$m]}")): ${DESC[$m]}"; done
if [ -n "$CLINS" ]; then
    say "client namespace $CLINS: $CLI_HOST <-> host $HOST_LINK ($HOST_IF)$([ "$LAB_NETNS" = 0 ] || echo ", $CLI_LAB <-> lab $LAB_LINK ($LAB_IF)")"
else
    say "no client namespace: ${NETNS_WHY:-not root}"
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "load average before: $LOAD_BEFORE"
fact run stamp "$STAMP"
fact run kind "$KIND"
fact run git "$(git log -1 --format='git %h' 2>/dev/null || echo 'git ?')$(git diff --quiet HEAD -- echo httpd common 2>/dev/null || echo ' +changes')"
fact run images "echo ${ECHO_ID:0:12}, httpd ${HTTPD_ID:0:12}"
fact run machine "$MACHINE"
fact run pinning "$PINNING"
fact run settings "pairs per mode and test: $PMIN to $PMAX (bulk $BULK per slice, ping-pong and UDP ${SECS} s slices), then $XPAIRS pair(s) of ping-pong with 1 connection and of wrk ${HSECS} s ($WRK_CONNS connections, 1 thread)"
fact run bulk "$BULK"
fact run pp_conns "$PP_CONNS"
fact run modes "${MODES[*]}"
fact run probes "${BENCH_PROBES:-1}"
fact run load_before "$LOAD_BEFORE"
fact run unpriv_host "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)"
[ -z "$LAB" ] || fact run lab "${LAB_VERSIONS:-?}"
[ -z "$LAB" ] || fact run unpriv_lab "$(nsenter -t "$LAB_PID" -n cat /proc/sys/net/ipv4/ip_unprivileged_port_start)"
fact run passt "${PASST_VERSION:-not installed}"
for m in "${MODES[@]}"; do
    fact "$m" loc "${LOC[$m]}"
    fact "$m" desc "${DESC[$m]}"
    [ -z "${SKIP[$m]:-}" ] || fact "$m" skipped "${SKIP[$m]}"
done

START=$SECONDS
if [ "${BENCH_PROBES:-1}" != 0 ] && [ ${#RUN[@]} -gt 0 ]; then
    echo
    say "guide-table probes: source address (127.0.0.2, and from $CLINS), binding, port 80; TCP and UDP"
    for m in "${RUN[@]}"; do probe_mode "$m"; done
fi
fact run probe_secs "$((SECONDS - START))"

# The floors, up for the whole run: the host's (the A/A check pairs it with
# a second one), and the lab's when a lab mode runs.
floor_of() { if [ "${LOC[$1]}" = lab ]; then echo lab-floor; else echo host; fi; }
declare -A FLOOR_UP=()
start_floor() { # FLOOR
    echo
    echo "=== floor $1: ${DESC[$1]:-${DESC[host]}}"
    set_client "$1"
    if setup_mode "$1"; then
        FLOOR_UP[$1]=1
        ROLE_BG=() # it stays up: the teardown of the next mode must not stop it
        echo "    cold start $(awk -F'\t' -v m="$1" '$1 == m && $2 == "cold_ms" { v = $3 } END { print v }' "$FACTS") ms"
    else
        echo "    !!! the floor $1 failed: $FAIL"
        fact "$1" fail "$FAIL"
        teardown_mode "$1"
    fi
}
START=$SECONDS
if [ ${#RUN[@]} -gt 0 ]; then
    start_floor host
    for m in "${RUN[@]}"; do [ "${LOC[$m]}" = lab ] && { start_floor lab-floor; break; }; done
fi
# The A/A self-check first: the host floor against a second activation of it.
SERIES=()
[ ${#RUN[@]} -eq 0 ] || SERIES=(aa)
for m in "${RUN[@]}"; do [ "$m" = host ] || SERIES+=("$m"); done
done_n=0
for m in "${SERIES[@]}"; do
    el=$((SECONDS - START))
    per=90
    [ $done_n = 0 ] || per=$((el / done_n))
    f=$(floor_of "$m")
    echo
    echo "=== mode $((done_n + 1))/${#SERIES[@]}: $m (${DESC[$m]}) against the floor $f -- elapsed $(hms $el), about $(hms $(((${#SERIES[@]} - done_n) * per))) left"
    done_n=$((done_n + 1))
    fact "$m" floor "$f"
    set_client "$m"
    if [ -z "${FLOOR_UP[$f]:-}" ]; then
        echo "    !!! no floor to pair with: $f did not start"
        fact "$m" fail "the floor ($f) did not start"
        continue
    fi
    if ! busy=$(bench_wait_quiet "$QUIET_WAIT"); then
        echo "    !!! CPUs 0/1 busy with other work before this mode ($busy)"
        fact "$m" busy "$busy"
    fi
    if setup_mode "$m"; then
        echo "    cold start $(awk -F'\t' -v m="$m" '$1 == m && $2 == "cold_ms" { v = $3 } END { print v }' "$FACTS") ms; server saw client address: $SRC"
        measure_paired "$m" "$f"
    else
        echo "    !!! $m failed: $FAIL"
        fact "$m" fail "$FAIL"
    fi
    teardown_mode "$m"
done
ELAPSED=$((SECONDS - START))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
echo
say "measured in $(hms $ELAPSED) (probes $(hms "$(awk -F'\t' '$1 == "run" && $2 == "probe_secs" { print $3 }' "$FACTS")") before); load average after: $LOAD_AFTER"
fact run elapsed "$(hms $ELAPSED)"
fact run load_after "$LOAD_AFTER"

# ---- the report: tables, the guide's table, chart data (benchreport.py) ----------
"${BENCH_PY[@]}" tests/bench/benchreport.py modes "$SLICES" "$FACTS" "$BASE" || die "the report failed"
PNG=$BASE.png
if ! command -v gnuplot >/dev/null; then
    say "no gnuplot: no chart (tests/bench/deps-modes.sh installs gnuplot-nox)"
    PNG=""
elif [ "$(grep -vc '^#' "$BASE.dat")" -lt 2 ]; then
    # (gnuplot 5.4 also crashes on a chart of one row)
    say "no mode produced numbers beside the A/A check: no chart"
    PNG=""
elif ! gnuplot -e "datafile='$BASE.dat'; outfile='$PNG'; subtitle='$(echo "$STAMP, $KIND, $(nproc) vCPUs, $PINNING" | tr -d "'")'" \
    tests/bench/plot.gp >"$TMP/gnuplot.log" 2>&1; then
    say "gnuplot failed: $(tail -3 "$TMP/gnuplot.log")"
    PNG=""
fi

for f in slices facts csv summary.csv md guide.md guide.csv dat; do cp "$BASE.$f" "$OUT/modes-latest.$f" 2>/dev/null || true; done
[ -z "$PNG" ] || cp "$PNG" "$OUT/modes-latest.png"
echo
cat "$BASE.md"
echo
say "results: $BASE.{slices,facts,csv,summary.csv,md,guide.md,guide.csv,dat}${PNG:+, $PNG}, $LOG (and modes-latest.*)"
echo
# The last thing on the terminal: the guide's table, measured. (The log,
# all of it, becomes modes-latest.log at exit.)
cat "$BASE.guide.md"
FINISHED=1
