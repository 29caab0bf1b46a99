"""Sockets for the tests' Python clients: PYTHONPATH=$TOOLS, then
from testsock import ..."""
import socket
import struct
import time


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


def _proc_net_tcp_key(addr):
    """An IPv4 (host, port) as /proc/net/tcp writes it: 0100007F:1F90."""
    raw = struct.unpack("=I", socket.inet_aton(addr[0]))[0]
    return "%08X:%04X" % (raw, addr[1])


def unread(sock):
    """Bytes sent on the IPv4 TCP socket sock that its peer has not read
    yet (the peer's receive queue), or None if the kernel lists no peer
    socket. The peer is the server's accepted socket, or the connection
    still waiting in its listen queue."""
    local = _proc_net_tcp_key(sock.getpeername())
    remote = _proc_net_tcp_key(sock.getsockname())
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == local and fields[2] == remote:
                return int(fields[4].split(":")[1], 16)
    return None


def wait_read(socks, timeout=20):
    """Wait until the server has read everything each IPv4 TCP socket of
    socks sent: its own ordering point, in place of a sleep."""
    deadline = time.monotonic() + timeout
    for s in socks:
        while unread(s) != 0:
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not read what was sent within %g s" % timeout)
            time.sleep(0.02)


def wait_log(path, text, timeout=20):
    """Wait until the server's log at path has a line containing text."""
    deadline = time.monotonic() + timeout
    while True:
        with open(path, errors="replace") as f:
            if any(text in line for line in f):
                return
        if time.monotonic() > deadline:
            raise TimeoutError("no %r in %s within %g s" % (text, path, timeout))
        time.sleep(0.05)


def answered(sock, dst, timeout=20):
    """Send marker datagrams from the UDP socket sock to the echo server
    at dst until one comes back (a flood may fill the server's buffer and
    drop some); returns how many were sent. One socket's datagrams are
    answered in order, so every datagram that reached dst before the
    answered marker has had its reply (or none) by then, and the replies
    to earlier markers have been read and dropped here."""
    deadline = time.monotonic() + timeout
    sock.settimeout(0.5)
    k = 0
    while time.monotonic() < deadline:
        k += 1
        mark = b"marker %d" % k
        sock.sendto(mark, dst)
        try:
            while sock.recv(65536) != mark:
                pass
            return k
        except socket.timeout:
            continue
    raise TimeoutError("no marker answered by %s within %g s" % (dst, timeout))
