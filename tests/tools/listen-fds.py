#!/usr/bin/env python3
"""Socket activation with any mix of sockets, like a systemd .socket unit.

systemd-socket-activate makes all sockets of one call the same type and
execs only on the first connection; a unit can mix TCP, UDP, Unix and
seqpacket sockets and hand over FIFOs or files. This does the same for tests:

  listen-fds.py SPEC... -- COMMAND [ARGS...]

SPEC is NAME=KIND:ADDRESS with KIND one of tcp4 tcp6 udp4 udp6 unix
unix-dgram unix-seqpacket vsock vsock-seqpacket (bound, and listening
where the type listens; vsock ADDRESS is [CID]:PORT),
fifo, file or netlink (ADDRESS unused), memfd (ADDRESS: its content),
tcp-reset (a TCP connection its peer reset) or tcp-unconnected (a TCP
socket never connected); the last three stand for broken entries of an
fd store. Execs COMMAND at once with LISTEN_FDS, LISTEN_PID and
LISTEN_FDNAMES set, fds from 3 on.
"""
import os
import socket
import struct
import sys


def make(kind, addr):
    if kind in ("tcp4", "udp4", "tcp6", "udp6"):
        fam = socket.AF_INET if kind.endswith("4") else socket.AF_INET6
        typ = socket.SOCK_STREAM if kind.startswith("tcp") else socket.SOCK_DGRAM
        host, _, port = addr.rpartition(":")
        s = socket.socket(fam, typ)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host.strip("[]"), int(port)))
        if typ == socket.SOCK_STREAM:
            s.listen(128)
        return s.detach()
    if kind in ("unix", "unix-dgram", "unix-seqpacket"):
        typ = {"unix": socket.SOCK_STREAM, "unix-dgram": socket.SOCK_DGRAM,
               "unix-seqpacket": socket.SOCK_SEQPACKET}[kind]
        s = socket.socket(socket.AF_UNIX, typ)
        try:
            os.unlink(addr)
        except FileNotFoundError:
            pass
        s.bind(addr)
        if typ != socket.SOCK_DGRAM:
            s.listen(128)
        return s.detach()
    if kind in ("vsock", "vsock-seqpacket"):
        typ = socket.SOCK_STREAM if kind == "vsock" else socket.SOCK_SEQPACKET
        s = socket.socket(socket.AF_VSOCK, typ)
        cid, _, port = addr.rpartition(":")
        s.bind((int(cid) if cid else socket.VMADDR_CID_ANY, int(port)))
        s.listen(16)
        return s.detach()
    if kind == "fifo":
        if not os.path.exists(addr):
            os.mkfifo(addr)
        return os.open(addr, os.O_RDWR)
    if kind == "file":
        return os.open(addr, os.O_RDONLY)
    if kind == "memfd":
        fd = os.memfd_create("listen-fds")
        os.write(fd, addr.encode())
        return fd
    if kind == "tcp-reset":
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        peer = socket.create_connection(lst.getsockname())
        conn, _ = lst.accept()
        # SO_LINGER 0: close() sends a reset.
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.close()
        lst.close()
        return conn.detach()
    if kind == "tcp-unconnected":
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM).detach()
    if kind == "netlink":
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        return s.detach()
    sys.exit(f"listen-fds.py: unknown kind {kind!r}")


def main():
    args = sys.argv[1:]
    if "--" not in args:
        sys.exit(__doc__)
    sep = args.index("--")
    specs, cmd = args[:sep], args[sep + 1:]
    fds, names = [], []
    for spec in specs:
        name, _, rest = spec.partition("=")
        kind, _, addr = rest.partition(":")
        fds.append(make(kind, addr))
        names.append(name)
    # Move the fds to 3, 4, ... without clobbering one another.
    tmp = [os.dup(fd) for fd in fds]
    for fd in fds:
        os.close(fd)
    for i, fd in enumerate(tmp):
        os.dup2(fd, 3 + i, inheritable=True)
        os.close(fd)
    env = dict(os.environ)
    env["LISTEN_FDS"] = str(len(fds))
    env["LISTEN_PID"] = str(os.getpid())
    env["LISTEN_FDNAMES"] = ":".join(names)
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
