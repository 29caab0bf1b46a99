# shellcheck shell=bash
# guide.sh: the rootless networking guide's overview table ("Listening
# TCP/UDP sockets": source address preserved, native performance, binding
# to a specific network device, minimum port number), measured. Sourced by
# tests/bench/bench-modes.sh, in its scope (modes, at, set_client, the
# start_* and teardown_mode functions, MED and ratio for the numbers).
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
# Native performance comes from the rounds: TCP bulk and 50-connection
# ping-pong at least 0.95 of the floor's in every round, or below in every
# round (UDP datagrams/s the same, shown beside); rounds that disagree
# give no verdict (native_cells).
# guide_report writes the table (Markdown) and every cell (CSV), each
# measured cell beside the guide's claim, with a mark where they disagree.

# The guide's rows in its order, then the combination its text describes,
# then ours.
GUIDE_ORDER=(user-service system-service pasta pasta-net pasta-net-mtu slirp-slirp4netns
    slirp-rootlesskit hostnet act-pasta-net host none-root none-rootless bridge)
# Each row: its key, the guide's claims as it states them (source address
# preserved, native performance, binding to a specific network device: ✔,
# ✗, or - for no claim; minimum port number, in its words), and the row's
# name. The -o mtu=65520 network is still "pasta + custom network"; the
# combination's claims are the guide's sentence ("to get source address
# preserved and native speed").
declare -A GUIDE_ROW GUIDE_CLAIM
while IFS='|' read -r key claim name; do
    GUIDE_ROW[$key]=$name
    GUIDE_CLAIM[$key]=$claim
done <<'ROWS'
user-service|✔ ✔ ✔ ip_unprivileged_port_start|socket activation (systemd user service)
system-service|✔ ✔ ✔ 0|socket activation (systemd system service with User=)
pasta|✔ ✗ ✔ ip_unprivileged_port_start|pasta
pasta-net|✗ ✗ ✗ ip_unprivileged_port_start|pasta + custom network
pasta-net-mtu|✗ ✗ ✗ ip_unprivileged_port_start|pasta + custom network, -o mtu=65520 (the guide's tip)
slirp-slirp4netns|✔ ✗ ✗ ip_unprivileged_port_start|slirp4netns + port_handler=slirp4netns
slirp-rootlesskit|✗ ✗ ✗ ip_unprivileged_port_start|slirp4netns + port_handler=rootlesskit
hostnet|✔ ✔ ✔ ip_unprivileged_port_start|host
act-pasta-net|✔ ✔ - -|socket activation + pasta + custom network (the guide's text)
host|- - - -|not in the guide: no container (the floor)
none-root|- - - -|not in the guide: socket activation (systemd-socket-activate), rootful
none-rootless|- - - -|not in the guide: socket activation (systemd-socket-activate), rootless
bridge|- - - -|not in the guide: rootful bridge
ROWS
GUIDE_COLS=(srclo srcns native bind port80)
declare -A GUIDE_HEAD=(
    [srclo]="source address preserved: loopback client (127.0.0.2)"
    [srcns]="source address preserved: client in a network namespace (veth)"
    [native]="native performance: TCP bulk and ${PP_CONNS}-conn ping-pong ≥ 0.95× the floor in every round (UDP beside)"
    [bind]="binding to a specific device (or address); a connection to another local address refused"
    [port80]="port 80, rootless, ip_unprivileged_port_start unchanged"
)
# Modes whose UDP replies cannot come back, with the known cause (the
# smoke test accepts a missing UDP figure only where a cause is stated).
declare -A UDP_NONE_WHY=(
    [slirp-slirp4netns]="podman runs slirp4netns with --disable-host-loopback, and the reply's destination is the host's loopback (podman issue #4586)"
)
udp_none_why() { [ -z "${UDP_NONE_WHY[$1]:-}" ] || echo " (known: ${UDP_NONE_WHY[$1]})"; }

declare -A UNIT_FAIL=() # set by units_start (tests/bench/units.sh)
declare -A PR PF # PR[mode:col:proto] = ✔|✗|n/a, PF[...] = the figure behind it

presult() { # MODE COL PROTO MARK FIGURE
    PR[$1:$2:$3]=$4 PF[$1:$2:$3]=$5
    rect "$1" "probe_$2_$3" "$4 $5"
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
    out=$(client "$from" probe "$proto:$dst:$port" -b "$src" -w 3000 2>&1 || true)
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
        out=$(client cli probe "$proto:$link:$port" -b "$(cli_addr_of "$m")" -w 3000 2>&1 || true)
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
            out=$(client srv probe "$proto:127.0.0.1:80" -w 3000 2>&1 || true)
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

# ---- the report ----------------------------------------------------------------
# Native performance, judged round by round: in each round the mode's
# figure over the floor's from the same round (measured minutes apart,
# under the same load), and a verdict only where every round agrees. On a
# shared machine one round's floor can be slowed by half by someone
# else's job; a median over three such rounds cannot carry a 5% verdict,
# but three rounds that all say "at least 0.95" or all say "below" can.
round_ratios() { # MODE METRIC -> the ratio of each round that has both figures
    local m=$1 k=$2 r f v
    for ((r = 1; r <= ROUNDS; r++)); do
        f=${RR[host:$k:$r]:-} v=${RR[$m:$k:$r]:-}
        [ -n "$f" ] && [ -n "$v" ] || continue
        awk -v v="$v" -v f="$f" 'BEGIN { if (f + 0) printf "%.2f\n", v / f }'
    done
}
# RATIOS -> "pass", "fail", "mixed" or "" (none); also the figure: the
# median ratio, and min-max when there are several.
judge() {
    local rs=$1 n med
    n=$(echo "$rs" | grep -c . || true)
    [ "$n" -gt 0 ] || { VERDICT="" FIG=""; return; }
    med=$(echo "$rs" | bench_median)
    FIG=$(awk -v v="$med" 'BEGIN { printf "%.2f×", v }')
    [ "$n" -lt 2 ] || FIG+=" ($(echo "$rs" | sort -g | head -1)-$(echo "$rs" | sort -g | tail -1) in $n rounds)"
    VERDICT=$(echo "$rs" | awk '{ if ($1 >= 0.95) p++; else f++ } END { print f ? (p ? "mixed" : "fail") : "pass" }')
}
# A single round started on CPUs busy with other work decides nothing.
one_busy_round() { # MODE
    local x
    [ "$ROUNDS" -eq 1 ] || return 1
    for x in host "$1"; do [ "$(count "$x" busy_rounds)" = 0 ] || return 0; done
    return 1
}

native_cells() { # MODE
    local m=$1 vb vp fb fp n
    if [ "$m" = host ]; then
        PR[$m:native:tcp]=n/a PF[$m:native:tcp]="the floor itself"
        PR[$m:native:udp]=n/a PF[$m:native:udp]="the floor itself"
        return
    fi
    judge "$(round_ratios "$m" bulk_gbps)"
    vb=$VERDICT fb=$FIG
    judge "$(round_ratios "$m" pp50_rps)"
    vp=$VERDICT fp=$FIG
    PF[$m:native:tcp]=""
    [ -z "$fb" ] || PF[$m:native:tcp]+="bulk $fb"
    [ -z "$fp" ] || PF[$m:native:tcp]+="${fb:+, }ping-pong $fp"
    n=$(count "$m" bulk_cut)
    [ "$n" = 0 ] || PF[$m:native:tcp]+="${PF[$m:native:tcp]:+; }bulk cut short in $n of $(count "$m" bulk_tries) rounds"
    if one_busy_round "$m"; then
        PR[$m:native:tcp]=n/a
        PF[$m:native:tcp]+="${PF[$m:native:tcp]:+; }not judged: its one round started on busy CPUs"
    elif [ "$vb" = fail ] || [ "$vp" = fail ]; then
        PR[$m:native:tcp]="✗"
    elif [ "$vb" = pass ] && [ "$vp" = pass ]; then
        PR[$m:native:tcp]="✔"
    elif [ "$vb" = mixed ] || [ "$vp" = mixed ]; then
        PR[$m:native:tcp]=n/a
        PF[$m:native:tcp]+="; not judged: the rounds disagree"
    else
        PR[$m:native:tcp]=n/a
        PF[$m:native:tcp]+="${PF[$m:native:tcp]:+; }no $([ -n "$fb" ] || echo "bulk ")$([ -n "$fp" ] || echo "ping-pong ")figure: $(status_of "$m" | sed 's/^ok$/see the notes/')"
    fi
    judge "$(round_ratios "$m" udp_dps)"
    if [ -n "$FIG" ]; then
        PF[$m:native:udp]=$FIG
        case $VERDICT in
        pass) PR[$m:native:udp]="✔" ;;
        fail) PR[$m:native:udp]="✗" ;;
        *) PR[$m:native:udp]=n/a PF[$m:native:udp]+="; not judged: the rounds disagree" ;;
        esac
        if one_busy_round "$m"; then
            PR[$m:native:udp]=n/a PF[$m:native:udp]+="; not judged: its one round started on busy CPUs"
        fi
    elif [ "${T[$m:udp]:-}" = "no replies" ]; then
        PR[$m:native:udp]="✗" PF[$m:native:udp]="no replies"
    else
        PR[$m:native:udp]=n/a PF[$m:native:udp]="no UDP figure"
    fi
}

claim_of() { # MODE COL: the guide's claim (✔, ✗, -) and its words
    local c
    read -r -a c <<<"${GUIDE_CLAIM[$1]}"
    case $2 in
    srclo | srcns) echo "${c[0]}" ;;
    native) echo "${c[1]}" ;;
    bind) echo "${c[2]}" ;;
    port80)
        case ${c[3]} in
        0) echo "✔ 0" ;;
        ip_unprivileged_port_start) echo "✗ ip_unprivileged_port_start" ;;
        *) echo "-" ;;
        esac
        ;;
    esac
}

short() { # TEXT: at most 110 characters, for a table cell
    local s=${1//|/\\|}
    [ ${#s} -le 110 ] || s="${s:0:107}..."
    echo "$s"
}

# One cell: "tcp ✔ figure · udp ✗ figure (guide ✔)", marked where the
# measurement disagrees with the guide. Sets AGREE (yes, no, or -).
guide_cell() { # MODE COL
    local m=$1 col=$2 p parts=() claim words mark disagree=0 measured=0
    read -r claim words <<<"$(claim_of "$m" "$col")"
    for p in tcp udp; do
        mark=${PR[$m:$col:$p]:-n/a}
        if [ "$mark" = n/a ]; then
            parts+=("$p n/a: $(short "${PF[$m:$col:$p]:-not measured}")")
        else
            measured=1
            parts+=("$p $mark $(short "${PF[$m:$col:$p]}")")
            [ "$claim" = "-" ] || [ "$mark" = "$claim" ] || disagree=1
        fi
    done
    local s="${parts[0]} · ${parts[1]}"
    # The same result both ways: said once.
    if [ "${PR[$m:$col:tcp]:-n/a}" = "${PR[$m:$col:udp]:-n/a}" ] && [ "${PF[$m:$col:tcp]:-}" = "${PF[$m:$col:udp]:-}" ]; then
        s="tcp+udp ${parts[0]#tcp }"
    fi
    if [ "$claim" = "-" ]; then
        s+=" (guide: no claim)"
        AGREE=-
    elif [ $measured = 0 ]; then
        s+=" (guide: ${words:-$claim})"
        AGREE=-
    elif [ $disagree = 1 ]; then
        s+=" (guide: ${words:-$claim}) **⚠ disagrees**"
        AGREE=no
    else
        s+=" (guide: ${words:-$claim})"
        AGREE=yes
    fi
    echo "$s"
}

bulk_cut_line() {
    local m l="" tries cut
    for m in "${MODES[@]}"; do
        tries=$(count "$m" bulk_tries)
        [ "$tries" -gt 0 ] || continue
        cut=$(count "$m" bulk_cut)
        l+=" $(label "$m") $cut of $tries,"
    done
    [ -n "$l" ] || return 0
    echo "- Echo streams cut short (a half-closed $BULK bulk echo ending in a clean EOF before its last byte; the pasta fault, see BENCHMARKS.md): ${l%,}. passt ${PASST_VERSION:-not installed}.${T[pasta:bulk_cut_bytes]:+ pasta: ${T[pasta:bulk_cut_bytes]}.}"
}

guide_report() { # MD CSV
    local md=$1 csv=$2 m col p where
    for m in "${RUN[@]}"; do
        native_cells "$m"
        if [ "${BENCH_PROBES:-1}" = 0 ]; then
            for col in srclo srcns bind port80; do
                for p in tcp udp; do PR[$m:$col:$p]=n/a PF[$m:$col:$p]="not probed (BENCH_PROBES=0)"; done
            done
        fi
    done
    {
        echo "row,mode,where,column,protocol,measured,figure,guide,agrees"
        for m in "${GUIDE_ORDER[@]}"; do
            has_mode "$m" || continue
            for col in "${GUIDE_COLS[@]}"; do
                if [ -n "${SKIP[$m]:-}" ]; then
                    echo "${GUIDE_ROW[$m]//,/;},$m,${LOC[$m]},$col,,not run,${SKIP[$m]//,/;},$(claim_of "$m" "$col" | cut -d' ' -f1),-"
                    continue
                fi
                guide_cell "$m" "$col" >/dev/null
                for p in tcp udp; do
                    local f=${PF[$m:$col:$p]:-not measured}
                    echo "${GUIDE_ROW[$m]//,/;},$m,${LOC[$m]},$col,$p,${PR[$m:$col:$p]:-n/a},${f//,/;},$(claim_of "$m" "$col" | cut -d' ' -f1),$AGREE"
                done
            done
        done
    } >"$csv"
    {
        echo "## The podman networking guide's overview table, measured ($STAMP, $KIND)"
        echo
        echo "Host: $MACHINE; ip_unprivileged_port_start $(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)."
        [ -z "$LAB" ] || echo "Lab (rows marked lab): Debian 13 in a privileged podman container on the same kernel: ${LAB_VERSIONS:-?}; ip_unprivileged_port_start $(nsenter -t "$LAB_PID" -n cat /proc/sys/net/ipv4/ip_unprivileged_port_start)."
        echo "Performance from $ROUNDS round(s) ($KIND: bulk $BULK, ping-pong and UDP ${SECS} s); the other columns probed once. Each cell: TCP and UDP, ✔ or ✗ with what was measured, then the guide's claim; **⚠ disagrees** where they differ."
        echo
        printf '| method (the guide'"'"'s row) | here |'
        for col in "${GUIDE_COLS[@]}"; do printf ' %s |' "${GUIDE_HEAD[$col]}"; done
        echo
        printf '|---|---|'
        for col in "${GUIDE_COLS[@]}"; do printf -- '---|'; done
        echo
        for m in "${GUIDE_ORDER[@]}"; do
            has_mode "$m" || continue
            where="\`$m\`, ${LOC[$m]}"
            if [ -n "${SKIP[$m]:-}" ]; then
                printf '| %s | %s: **not run here**: %s |' "${GUIDE_ROW[$m]}" "$where" "${SKIP[$m]//|/\\|}"
                for col in "${GUIDE_COLS[@]}"; do printf ' — (guide: %s) |' "$(claim_of "$m" "$col" | sed 's/^. //; s/^-$/no claim/')"; done
                echo
                continue
            fi
            printf '| %s | %s |' "${GUIDE_ROW[$m]}" "$where"
            for col in "${GUIDE_COLS[@]}"; do printf ' %s |' "$(guide_cell "$m" "$col")"; done
            echo
        done
        echo
        bulk_cut_line
        for m in "${GUIDE_ORDER[@]}"; do
            [ -z "${T[$m:udp]:-}" ] || ! has_mode "$m" || echo "- \`$m\`: no UDP reply came back in the benchmark$(udp_none_why "$m")."
        done
        echo
        echo "How to read it:"
        echo "- Source address: what the echo server logged for the probe's message. The guide's claim is about clients on the network; a loopback client is a special case (user-space forwarders answer it from their own address), so both are shown, and both are compared with the claim."
        echo "- Native performance: each round's figure over the floor's from the same round (\`host\`: the image's server binary, no container); the median ratio, and its range over the rounds. ✔ when every round reaches 0.95, ✗ when every round (of bulk or of ping-pong) falls short, no verdict when the rounds disagree (a shared machine) or a single round started on busy CPUs."
        echo "- Binding: \"device\" where the mode can bind a listening socket to an interface (SO_BINDTODEVICE: BindToDevice= in a socket unit, pasta's ADDRESS%INTERFACE); \"address\" where it can only bind an interface's address (-l, -p, --listen). The guide's column is about devices; binding an address is what the others offer."
        echo "- Port 80: set up as the rootless user with ip_unprivileged_port_start as shown above; rootful rows are not asked. The guide's \"ip_unprivileged_port_start\" means: not below it, so ✗ for port 80 at the default 1024; its \"0\" means any port, ✔."
        echo "- Full figures (every error message uncut): $(basename "$csv")."
    } >"$md"
}
