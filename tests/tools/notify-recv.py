#!/usr/bin/env python3
"""A stand-in for systemd's notification socket.

  notify-recv.py SOCKET_PATH LOG_FILE

Binds a Unix datagram socket at SOCKET_PATH and appends every message it
receives to LOG_FILE as one line, with newlines inside a message shown as
"|" and a monotonic timestamp in milliseconds in front:
  1234 READY=1|STATUS=Serving 1 sockets
"""
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(log, "a", buffering=1) as f:
    while True:
        msg = s.recv(65536).decode(errors="replace").strip("\n")
        f.write(f"{int(time.monotonic() * 1000)} {msg.replace(chr(10), '|')}\n")
