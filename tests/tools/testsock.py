"""Sockets for the tests' Python clients: PYTHONPATH=$TOOLS, then
from testsock import ..."""
import socket


def bound(host, port):
    """A UDP socket bound to host:port (0: any port)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    return s


def pending(socks):
    """How many datagrams wait, unread, on socks (reads them all)."""
    n = 0
    for s in socks:
        s.setblocking(False)
        while True:
            try:
                s.recv(65536)
            except BlockingIOError:
                break
            n += 1
    return n


def connect(kind, port, path):
    """A stream connection: TCP to 127.0.0.1:port, or Unix to path."""
    if kind == "tcp":
        return socket.create_connection(("127.0.0.1", int(port)))
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    return s
