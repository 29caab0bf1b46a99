# shellcheck shell=bash
# guide.sh: the rootless networking guide's overview table ("Listening
# TCP/UDP sockets": source address preserved, native performance, binding
# to a specific network device, minimum port number), measured. Sourced by
# tests/bench/bench-modes.sh, in its scope (modes, at, set_client, the
# start_* and teardown_mode functions, fact).
#
# For each mode, once per run (probe_mode), with the echo server logging
# every connection and datagram (-d), TCP and UDP each:
#   source address, loopback client: a client bound to 127.0.0.2 (not the
#     default 127.0.0.1, so a NAT that happens to produce 127.0.0.1 does
#     not count) sends one message to 127.0.0.1:PORT; the address the
#     server logs must be 127.0.0.2.
#   source address, client in a network namespace: the same from the
#     client namespace of bench-modes.sh (netns_up), over a veth to the
#     namespace where the mode listens (the host's or the lab's).
#   binding: the server side listens on that veth only (a device where the
#     mode can bind one: BindToDevice= in the socket unit, pasta's
#     -t ADDRESS%INTERFACE; else the veth's address: -l, -p, --listen);
#     the client namespace's message is echoed, and one to 127.0.0.1:PORT
#     is refused (UDP: refused, or never answered).
#   port 80: the mode set up on 127.0.0.1:80 as the rootless user, with
#     net.ipv4.ip_unprivileged_port_start as it is (1024 by default), and
#     one message echoed. Rootful modes are not asked.
# Each probe's result (✔, ✗ or n/a, and the figure behind it) goes into the
# run's facts (probe.COLUMN.PROTO.mark and .figure); the guide's claims, the
# native-performance column (from the paired slices) and the table itself
# are tests/bench/benchreport.py's.

declare -A UNIT_FAIL=() # set by units_start (tests/bench/units.sh)
# How long a probe that should be echoed waits: its message may be the
# first connection, which starts a container (1-2 s on a busy machine, more
# on a custom network); 3 s once read a slow start as "no reply". Each
# probe that is never answered costs this much.
PROBE_WAIT_MS=6000
declare -A PR PF # PR[mode:col:proto] = ✔|✗|n/a, PF[...] = the figure behind it

presult() { # MODE COL PROTO MARK FIGURE
    PR[$1:$2:$3]=$4 PF[$1:$2:$3]=$5
    fact "$1" "probe.$2.$3.mark" "$4"
    fact "$1" "probe.$2.$3.figure" "$5"
    printf '    %-7s %s %s %s\n' "$2" "$3" "$4" "$5"
}

# client FROM ARGS...: echo-load where the mode listens (srv) or in the
# client namespace (cli).
client() {
    local from=$1
    shift
    if [ "$from" = cli ]; then "${NSC[@]}" "$LOAD" "$@"; else "${NS[@]}" "$LOAD" "$@"; fi
}

# The lines the echo server logs per TCP connection or (with -d) datagram.
seen_lines() { # PROTO
    if [ "$1" = tcp ]; then grep -E ' connection from [^ ]+' || true; else grep -E ' datagram from [^ ]+' || true; fi
}

# probe_seen MODE FLAVOUR PROTO COL FROM SRC DST PORT: one message from SRC,
# and the address the server logged for it, as the COL cell.
probe_seen() {
    local m=$1 fl=$2 proto=$3 col=$4 from=$5 src=$6 dst=$7 port=$8 before out st mine seen lines deadline fig
    before=$(echo_log "$m" "$fl" | seen_lines "$proto" | grep -c . || true)
    out=$(client "$from" probe "$proto:$dst:$port" -b "$src" -w "$PROBE_WAIT_MS" 2>&1 || true)
    st=$(echo "$out" | bench_field status)
    mine=$(echo "$out" | bench_field local)
    # The server's log line (journald and conmon pass it on with a delay).
    deadline=$((SECONDS + 5))
    [ "$st" = echoed ] || [ "$st" = no_reply ] || deadline=$((SECONDS + 1))
    while :; do
        lines=$(echo_log "$m" "$fl" | seen_lines "$proto")
        [ "$(echo "$lines" | grep -c . || true)" -le "$before" ] || break
        ((SECONDS < deadline)) || { lines=""; break; }
        sleep 0.1
    done
    seen=$(echo "$lines" | sed -n "$((before + 1))p" | sed -E 's/.* (connection|datagram) from ([^ ]+).*/\2/')
    if [ -z "$seen" ]; then
        fig="nothing reached the server from $src ($(probe_status "$out"))"
        # What a client on the default address gets, for comparison.
        if [ "$src" = 127.0.0.2 ]; then
            probe_seen "$m" "$fl" "$proto" "$col.again" "$from" 127.0.0.1 "$dst" "$port" >/dev/null
            fig+="; from 127.0.0.1: ${PR[$m:$col.again:$proto]} ${PF[$m:$col.again:$proto]}"
        fi
        presult "$m" "$col" "$proto" "✗" "$fig"
        return
    fi
    fig=${seen%:*}
    if [ "${seen##*:}" = "${mine##*:}" ]; then fig+=" (port kept)"; else fig+=" (other port)"; fi
    [ "$st" = echoed ] || fig+=", ${st/_/ }"
    if [ "${seen%:*}" = "$src" ]; then presult "$m" "$col" "$proto" "✔" "$fig"; else presult "$m" "$col" "$proto" "✗" "$fig"; fi
}

probe_status() { # ECHO-LOAD-OUTPUT: "refused", "no reply", "error: Connection timed out"...
    local st err
    st=$(echo "$1" | bench_field status)
    err=$(echo "$1" | bench_field err)
    st=${st:-no result}
    [ -z "$err" ] || [ "$err" = - ] || [ "$st" = refused ] || st+=": ${err//_/ }"
    echo "${st/_/ }"
}

probe_port() { # MODE: the echo port of a probe
    case ${HOW[$1]} in unit | sysunit) echo 3000 ;; *) free_port ;; esac
}

# probe_start MODE FLAVOUR PORT [PROTOS]: the echo server of a flavour,
# ready to answer (an activated one: ready to start on the first message).
probe_start() {
    local m=$1 fl=$2 port=$3 protos=${4:-tcp udp} p deadline name
    FAIL="" ROLE_BG=() UNIT_FAIL=()
    case ${HOW[$m]} in
    floor | activate)
        for p in $protos; do start_activator "$m" "echo-$p" "$port" "$fl" || return 1; done
        ;;
    unit | sysunit) units_start "$m" "$fl" "$protos" || return 1 ;;
    listen)
        start_listener "$m" echo "$port" "$fl" "$protos" || return 1
        name=$(echo_ctr "$m" "$fl")
        # The server says when it serves; or its container is gone.
        deadline=$((SECONDS + 30))
        until echo_log "$m" "$fl" | grep -q '^ready: '; do
            if ! at "${LOC[$m]}" "${WHO[$m]}" "$PODMAN" inspect --format '{{.State.Running}}' "$name" </dev/null 2>/dev/null | grep -qx true ||
                ((SECONDS >= deadline)); then
                FAIL="the server did not start: $(echo_log "$m" "$fl" | grep -v '^$' | tail -1)"
                return 1
            fi
            sleep 0.1
        done
        ;;
    esac
}

probe_src() {
    local m=$1 port link proto
    port=$(probe_port "$m")
    link=$(link_of "$m")
    if ! probe_start "$m" src "$port"; then
        for proto in tcp udp; do
            presult "$m" srclo "$proto" n/a "the probe server did not start: $FAIL"
            presult "$m" srcns "$proto" n/a "the probe server did not start: $FAIL"
        done
        teardown_mode "$m"
        return
    fi
    for proto in tcp udp; do
        probe_seen "$m" src "$proto" srclo srv 127.0.0.2 127.0.0.1 "$port"
        if [ -n "$link" ]; then
            probe_seen "$m" src "$proto" srcns cli "$(cli_addr_of "$m")" "$link" "$port"
        else
            presult "$m" srcns "$proto" n/a "no client namespace (${NETNS_WHY:-no link to the lab})"
        fi
    done
    teardown_mode "$m"
}

bind_how() { # MODE PORT LINK: what binds the server side to the veth
    case ${HOW[$1]} in
    floor | activate) echo "address: systemd-socket-activate -l $3:$2" ;;
    unit) echo "device: BindToDevice=$(if_of "$1"), ListenStream=0.0.0.0:$2" ;;
    sysunit) echo "address: ListenStream=$3:$2 (BindToDevice= cannot start in the lab: no udev)" ;;
    listen)
        case ${NET[$1]} in
        pasta) echo "device: pasta -t 0.0.0.0%$(if_of "$1")/$2:3000" ;;
        host) echo "address: --listen $3:$2" ;;
        *) echo "address: -p $3:$2:3000" ;;
        esac
        ;;
    esac
}

probe_bind() {
    local m=$1 port link how proto out st1 st2 ok
    link=$(link_of "$m")
    if [ -z "$link" ]; then
        for proto in tcp udp; do presult "$m" bind "$proto" n/a "no client namespace (${NETNS_WHY:-no link to the lab})"; done
        return
    fi
    port=$(probe_port "$m")
    how=$(bind_how "$m" "$port" "$link")
    if ! probe_start "$m" bind "$port"; then
        for proto in tcp udp; do presult "$m" bind "$proto" "✗" "$how: $FAIL"; done
        teardown_mode "$m"
        return
    fi
    for proto in tcp udp; do
        out=$(client cli probe "$proto:$link:$port" -b "$(cli_addr_of "$m")" -w "$PROBE_WAIT_MS" 2>&1 || true)
        st1=$(probe_status "$out")
        out=$(client srv probe "$proto:127.0.0.1:$port" -w 1000 2>&1 || true)
        st2=$(probe_status "$out")
        ok="✗"
        if [ "$st1" = echoed ] && { [ "$st2" = refused ] || { [ "$proto" = udp ] && [ "$st2" = "no reply" ]; }; }; then ok="✔"; fi
        presult "$m" bind "$proto" "$ok" "$how; $link: $st1, 127.0.0.1: $st2"
    done
    teardown_mode "$m"
}

port80_busy() { # PROTO: something holds port 80 where the mode listens
    "${NS[@]}" awk -v p=":0050" 'NR > 1 && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' "/proc/net/$1"
}

# A start failure in the words of whatever failed: without our role
# prefixes, podman's "Error: " or systemd-socket-activate's wait.
port80_why() {
    sed -E 's/^(echo|echo-tcp|echo-udp): //; s/^nothing listens on [^ ]+: /systemd-socket-activate: /;
        s/^podman run failed: (Error: )?/podman run: /; s/^the server did not start: //' <<<"$1"
}

probe_port80() {
    local m=$1 proto lim out st sets=("tcp" "udp") set
    if [ "${WHO[$m]}" = root ]; then
        for proto in tcp udp; do presult "$m" port80 "$proto" n/a "rootful: runs as root, not a rootless setup"; done
        return
    fi
    lim=$("${NS[@]}" cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
    # One protocol at a time (a podman run fails on its first port), but
    # the user's units have one socket unit per protocol anyway.
    [ "${HOW[$m]}" != unit ] || sets=("tcp udp")
    for set in "${sets[@]}"; do
        for proto in $set; do
            if port80_busy "$proto"; then
                presult "$m" port80 "$proto" n/a "port 80/$proto is in use here"
                set=${set/$proto/}
            fi
        done
        [ -n "${set// /}" ] || continue
        probe_start "$m" port80 80 "$set" || true
        for proto in $set; do
            if [ -n "${UNIT_FAIL[$proto]:-}" ] || { [ -n "$FAIL" ] && [ "${HOW[$m]}" != unit ]; }; then
                presult "$m" port80 "$proto" "✗" "$(port80_why "${UNIT_FAIL[$proto]:-$FAIL}") (ip_unprivileged_port_start $lim)"
                continue
            fi
            out=$(client srv probe "$proto:127.0.0.1:80" -w "$PROBE_WAIT_MS" 2>&1 || true)
            st=$(probe_status "$out")
            if [ "$st" = echoed ]; then
                presult "$m" port80 "$proto" "✔" "served on 127.0.0.1:80 (ip_unprivileged_port_start $lim)"
            else
                presult "$m" port80 "$proto" "✗" "set up, but the message got: $st (ip_unprivileged_port_start $lim)"
            fi
        done
        teardown_mode "$m"
    done
}

probe_mode() {
    local m=$1 t0=$SECONDS
    echo "--- probe $m (${DESC[$m]})"
    set_client "$m"
    probe_src "$m"
    probe_bind "$m"
    probe_port80 "$m"
    echo "    ($((SECONDS - t0)) s)"
}
