#!/usr/bin/env python3
"""One connection to the HTTP server whose end the server decides, and
what the client saw of it: the server's response (if any), then whether
more bytes sent after the server's decision were met with a clean end or
a reset.

    linger-client.py SCENARIO HOST PORT LOG

Scenarios:
  idle     a request, its response, then the idle close (--keepalive-timeout)
  quiet    no request at all until the server closes (--header-timeout)
  408      half a head, until the server answers 408
  400 413 414 431
           a refused head with more bytes behind it in the same write
In each, once the server has answered or closed, and LOG (the server's,
with --debug) says it is closing this connection, the client sends another
request (a late one, as a real client racing the close would), then its
own FIN, and waits until the connection is closed. Prints one line:
  STATUS|- eof, no reset
or what went wrong instead. A reset here means the server closed with
bytes unread (or had closed when they came): the kernel then answers with
an RST, which destroys what the server sent and had not been delivered,
and which proxies on the way (rootlessport, slirp4netns, pasta) pass on as
a reset of the client's connection.
"""
import socket
import struct
import sys
import time

GET = b"GET /hello.txt HTTP/1.1\r\nHost: linger\r\n\r\n"
TCP_CLOSE = 7
HEADS = {
    "400": b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "413": b"GET /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n",
    "414": b"GET /" + b"a" * 9000,
    "431": b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 9000,
}


def response(s):
    """(status, whole) of the next response on s: whole if the body is all
    there by Content-Length; ('-', True) at EOF before any byte."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return ("-", not data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return (head.split(b" ")[1].decode(), len(body) == length)


def state(s):
    return struct.unpack("B", s.getsockopt(socket.IPPROTO_TCP,
                                           socket.TCP_INFO, 8)[:1])[0]


def main():
    scenario, host, port, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.create_connection((host, port), timeout=10)
    me = "%s:%d: closing: " % s.getsockname()[:2]
    if scenario == "idle":
        s.sendall(GET)
        status, whole = response(s)
        if status != "200" or not whole:
            print("first request: %s, whole: %s" % (status, whole))
            return 1
        status = "-"
    elif scenario == "quiet":
        status = "-"
    elif scenario == "408":
        s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: a\r\n")
        status, whole = response(s)
    else:
        # 64 KiB more than the head in the same write: a body, or the rest
        # of a head too large, all unread when the server decides.
        s.sendall(HEADS[scenario] + b"x" * 65536)
        status, whole = response(s)
    if status != "-" and not whole:
        print("%s truncated" % status)
        return 1
    # The server is done with us: it must not answer more with a reset.
    end = s.recv(1)
    if end:
        print("%s, then more bytes: %r" % (status, end))
        return 1
    # The FIN can come a moment before the server is done with the socket:
    # wait until it says so, for the late request to come after.
    deadline = time.monotonic() + 10
    while not any(me in line for line in open(log, errors="replace")):
        if time.monotonic() > deadline:
            print("%s eof, no \"%s\" in the server's log" % (status, me))
            return 1
        time.sleep(0.01)
    try:
        s.sendall(GET)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        print("%s eof, then %s" % (status, e.strerror))
        return 1
    deadline = time.monotonic() + 10
    while state(s) != TCP_CLOSE:
        if time.monotonic() > deadline:
            print("%s eof, connection still open after 10 s" % status)
            return 1
        time.sleep(0.01)
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    print("%s eof, %s" % (status, "reset (%s)" % socket.errno.errorcode.get(err, err)
                          if err else "no reset"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
