#!/usr/bin/env python3
"""One datagram out, the first reply back: a UDP or Unix datagram client
that returns as soon as the reply is in.

  dgram.py [--timeout SECONDS] [--bind PATH | --sourceport PORT] ADDRESS

ADDRESS is udp4:HOST:PORT, udp6:[HOST]:PORT or unix:PATH. Sends stdin as
one datagram and prints the reply; exits 0 with the reply, 1 when none came
within --timeout (default 20 s). socat -T waits for silence instead, so a
round trip costs its whole timeout, and a short one fails when the first
datagram starts a socket-activated server that takes a while to come up
(seconds under valgrind).
"""
import argparse
import socket
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--timeout", type=float, default=20)
ap.add_argument("--bind")
ap.add_argument("--sourceport", type=int, default=0)
ap.add_argument("address")
a = ap.parse_args()
kind, _, rest = a.address.partition(":")
if kind == "unix":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if a.bind:
        s.bind(a.bind)
    dst = rest
elif kind in ("udp4", "udp6"):
    host, _, port = rest.rpartition(":")
    fam = socket.AF_INET if kind == "udp4" else socket.AF_INET6
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0" if fam == socket.AF_INET else "::", a.sourceport))
    dst = (host.strip("[]"), int(port))
else:
    sys.exit(f"dgram.py: unknown address {a.address!r}")
s.sendto(sys.stdin.buffer.read(), dst)
s.settimeout(a.timeout)
try:
    sys.stdout.buffer.write(s.recv(65536))
except socket.timeout:
    print(f"dgram.py: no reply from {a.address} within {a.timeout:g} s", file=sys.stderr)
    sys.exit(1)
