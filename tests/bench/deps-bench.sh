#!/usr/bin/env bash
# deps-bench.sh: install what `make bench-httpd` needs (wrk, lighttpd, nginx-light)
# from Debian, idempotently, without leaving the lighttpd and nginx system
# services running or enabled: the benchmark starts its own socket-activated
# instances on free loopback ports, and a system nginx/lighttpd would only
# take CPU (and ports 80/443) away from the measurement.
#
# Needs root (or sudo) and apt. Safe to run again: installs only what is missing,
# and always re-checks that the two services are stopped and disabled.
set -euo pipefail

PKGS=(wrk lighttpd nginx-light)
SERVICES=(lighttpd nginx)

SUDO=()
[ "$(id -u)" = 0 ] || SUDO=(sudo)

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "deps-bench: installing ${missing[*]}"
    # Debian's postinst scripts start (invoke-rc.d) the services they install.
    # A policy-rc.d that exits 101 forbids that; put one in place only for this
    # install, and only if the machine has none of its own (containers often do).
    POLICY=/usr/sbin/policy-rc.d
    ours_policy=0
    if [ ! -e "$POLICY" ]; then
        printf '#!/bin/sh\n# temporary, from deps-bench.sh: do not start services on install\nexit 101\n' |
            "${SUDO[@]}" tee "$POLICY" >/dev/null
        "${SUDO[@]}" chmod 755 "$POLICY"
        ours_policy=1
    fi
    trap '[ "$ours_policy" = 1 ] && "${SUDO[@]}" rm -f "$POLICY"' EXIT
    # apt-get update only when the lists are empty or the install fails on a stale list.
    if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
        "${SUDO[@]}" apt-get update -q
    fi
    if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; then
        "${SUDO[@]}" apt-get update -q
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
else
    echo "deps-bench: ${PKGS[*]} already installed"
fi

# Stopped and disabled, whether or not we just installed them (a machine where
# an earlier install started them gets cleaned up too).
for s in "${SERVICES[@]}"; do
    [ -e "/etc/init.d/$s" ] || [ -e "/lib/systemd/system/$s.service" ] || continue
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
        # systemd is PID 1: stop and disable the unit.
        "${SUDO[@]}" systemctl disable --now "$s.service" >/dev/null 2>&1 || true
    else
        # No systemd running: stop via the init script, remove the rc?.d start
        # links, and drop the unit's .wants symlink so a later systemd boot
        # does not start it either.
        [ -x "/etc/init.d/$s" ] && "${SUDO[@]}" "/etc/init.d/$s" stop >/dev/null 2>&1 || true
        command -v update-rc.d >/dev/null && "${SUDO[@]}" update-rc.d "$s" disable >/dev/null 2>&1 || true
        command -v deb-systemd-helper >/dev/null && "${SUDO[@]}" deb-systemd-helper disable "$s.service" >/dev/null 2>&1 || true
    fi
done

# Verify: no system instance left running (ours are started by the benchmark
# under systemd-socket-activate and never outlive it).
left=$(pgrep -a -x 'lighttpd|nginx' || true)
if [ -n "$left" ]; then
    echo "deps-bench: WARNING: lighttpd/nginx processes still running:" >&2
    echo "$left" >&2
fi
for p in wrk lighttpd nginx; do
    command -v "$p" >/dev/null || { echo "deps-bench: $p not found after install" >&2; exit 1; }
done
echo "deps-bench: ok ($(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(lighttpd -v 2>&1 | head -1 | cut -d' ' -f1); $(nginx -v 2>&1 | sed 's/.*: //'); services stopped and disabled)"
