#!/usr/bin/env python3
"""Clients that keep a connection open across a server restart.

  keep-client.py echo ADDRESS --ready FILE --go FILE [--bytes N] [--hold]
  keep-client.py http ADDRESS --ready FILE --go FILE [--path P] [--slow P]
  keep-client.py many ADDRESS --ready FILE --go FILE [--count N]
  keep-client.py probe ADDRESS --until FILE [--http PATH]

ADDRESS is tcp:HOST:PORT, unix:PATH or seqpacket:PATH. The test restarts
the server between --ready (created by the client) and --go (created by the
test once the new instance serves); every wait has a deadline (--timeout,
default 120 s).

echo: sends N bytes (default 32M) of random data and reads the echo as it
  comes. Halfway it creates --ready and, until --go exists, goes on at a
  trickle (4 KiB every 10 ms), so the connection is in use while the server
  restarts. With --hold it instead stops reading and writes until the
  server takes no more (its socket buffers full, and bytes it read and
  could not echo yet held), then creates --ready and waits like that. Then
  it sends the rest, ends its sending side and reads until the server's
  end. On seqpacket the bytes go in records of 1 to 65000 bytes (4096
  while trickling), and each record must come back whole and in order.
  Prints "sent N sha256 H", "received N sha256 H", for seqpacket "records
  sent N received N, all whole", and "longest wait for an echo: T ms"
  (with bytes sent and not back, while --go was awaited).

http: GET --path (default /), reads the response, creates --ready, waits
  for --go, then sends GET --path again on the same connection. With
  --slow P, the first request is for P instead (a large file), read slowly
  (16 KiB every 20 ms) until --go, then at full speed: the response is in
  flight when the server is told to stop.
  With --partial, the first request's head goes without its last line
  break before --ready, and the line break after --go: part of a request
  is in flight at the stop.
  Prints "first: STATUS LENGTH sha256 H" and "second: STATUS LENGTH".

many: opens --count connections, each echoes a line, creates --ready,
  waits for --go, then each sends another line and must get it back.
  Prints "kept K of N".

probe: until --until exists, a new connection every 20 ms, one request
  (a line for echo, GET PATH with --http), its answer, close.
  Prints "probes N failed F longest T ms".

Any reset, early end or wrong byte: "error: ..." and exit status 1.
"""
import argparse
import hashlib
import os
import selectors
import socket
import sys
import time


def connect(addr):
    kind, _, rest = addr.partition(":")
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        target = (host.strip("[]"), int(port))
    elif kind in ("unix", "seqpacket"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM if kind == "unix" else socket.SOCK_SEQPACKET)
        target = rest
    else:
        sys.exit(f"keep-client.py: unknown address {addr!r}")
    s.settimeout(10)
    s.connect(target)
    return s, kind == "seqpacket"


def fail(msg):
    print(f"error: {msg}", flush=True)
    sys.exit(1)


def touch(path):
    open(path, "w").close()


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def check(self, what):
        if time.monotonic() > self.end:
            fail(f"timed out {what}")


def echo(a):
    s, seq = connect(a.address)
    s.setblocking(False)
    dl = Deadline(a.timeout)
    data = os.urandom(a.bytes)
    # Seqpacket records as sent (sizes drawn at send time: small ones
    # while trickling, so the data lasts through the restart).
    records = []
    sent = nrec_sent = nrec_got = received = 0
    got = hashlib.sha256()
    phase, shut = "run", False
    waited_since = last_recv = None
    longest = 0.0
    stalled_at = None
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    next_trickle = 0.0
    while True:
        dl.check(f"in phase {phase} ({sent} bytes sent, {received} received)")
        now = time.monotonic()
        if phase == "run" and sent >= len(data) // 2:
            phase = "hold" if a.hold else "trickle"
            if phase == "trickle":
                touch(a.ready)
                waited_since = last_recv = now
        if phase in ("trickle", "waiting") and os.path.exists(a.go):
            phase = "finish"
            if last_recv is not None:
                longest = max(longest, now - last_recv)
        write_ok = sent < len(data) and (phase in ("run", "finish", "hold") or
                                          (phase == "trickle" and now >= next_trickle))
        read_ok = phase not in ("hold", "waiting")
        ev = (selectors.EVENT_WRITE if write_ok else 0) | (selectors.EVENT_READ if read_ok else 0)
        if ev:
            sel.modify(s, ev)
            events = sel.select(0.01)
        else:
            time.sleep(0.01)
            events = []
        progress = False
        for _, mask in events:
            if mask & selectors.EVENT_WRITE and write_ok:
                try:
                    if seq:
                        top = 4096 if phase == "trickle" else 65000
                        n = 1 + int.from_bytes(os.urandom(4), "little") % top
                        rec = data[sent:sent + n]
                        s.send(rec)
                        records.append(rec)
                        nrec_sent += 1
                        sent += len(rec)
                    else:
                        chunk = 4096 if phase == "trickle" else 262144
                        sent += s.send(data[sent:sent + chunk])
                    progress = True
                    if phase == "trickle":
                        next_trickle = now + 0.01
                except BlockingIOError:
                    pass
                except OSError as e:
                    fail(f"send: {e}")
            if mask & selectors.EVENT_READ and read_ok:
                try:
                    r = s.recv(262144)
                except BlockingIOError:
                    continue
                except OSError as e:
                    fail(f"recv: {e}")
                if not r:
                    if received < len(data):
                        fail(f"the server ended the connection after {received} of {len(data)} bytes")
                    phase = "done"
                    break
                if phase in ("trickle", "waiting") and last_recv is not None:
                    longest = max(longest, now - last_recv)
                last_recv = now
                if seq:
                    if nrec_got >= len(records) or r != records[nrec_got]:
                        fail(f"record {nrec_got} came back different ({len(r)} bytes)")
                    nrec_got += 1
                received += len(r)
                got.update(r)
        if phase == "done":
            break
        # Waiting counts only while bytes are out and not back.
        if received >= sent and last_recv is not None:
            last_recv = now
        if phase == "hold":
            if progress:
                stalled_at = None
            elif stalled_at is None:
                stalled_at = now
            elif now - stalled_at > 0.5:
                phase = "waiting"
                touch(a.ready)
                waited_since = last_recv = now
        if sent >= len(data) and not shut and phase == "finish":
            s.shutdown(socket.SHUT_WR)
            shut = True
    print(f"sent {sent} sha256 {hashlib.sha256(data).hexdigest()}")
    print(f"received {received} sha256 {got.hexdigest()}")
    if seq:
        print(f"records sent {nrec_sent} received {nrec_got}, all whole")
    if waited_since is not None and not a.hold:
        print(f"longest wait for an echo: {int(longest * 1000)} ms")
    return 0


def read_response(s, dl, pace=None):
    """One response: status, body. pace(): called between reads, may sleep."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        dl.check("for a response head")
        r = s.recv(65536)
        if not r:
            fail("the server closed the connection before a response")
        buf += r
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
        if k.strip().lower() == "connection" and v.strip().lower() == "close":
            fail(f"the response says Connection: close ({lines[0]})")
    h = hashlib.sha256()
    h.update(body)
    got = len(body)
    while got < length:
        dl.check(f"for the body ({got} of {length} bytes)")
        step = pace() if pace else 65536
        r = s.recv(step)
        if not r:
            fail(f"the server closed the connection after {got} of {length} body bytes")
        got += len(r)
        h.update(r)
    return status, got, h.hexdigest()


def http(a):
    slow = a.slow is not None
    s, _ = connect(a.address)
    dl = Deadline(a.timeout)
    host = a.host

    def get(path):
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())

    state = {"ready": False}

    def pace():
        if not state["ready"]:
            touch(a.ready)
            state["ready"] = True
        if os.path.exists(a.go):
            return 262144
        time.sleep(0.02)
        return 16384

    def wait_go():
        while not os.path.exists(a.go):
            dl.check("for --go")
            time.sleep(0.02)

    try:
        if a.partial:
            s.sendall(f"GET {a.path} HTTP/1.1\r\nHost: {host}\r\n".encode())
            touch(a.ready)
            wait_go()
            s.sendall(b"\r\n")
        else:
            get(a.slow if slow else a.path)
        st, n, h = read_response(s, dl, pace if slow else None)
        print(f"first: {st} {n} sha256 {h}", flush=True)
        if not slow and not a.partial:
            touch(a.ready)
        wait_go()
        get(a.path)
        st, n, h = read_response(s, dl)
        print(f"second: {st} {n}")
    except OSError as e:
        fail(str(e))
    return 0


def many(a):
    dl = Deadline(a.timeout)
    conns = []
    for i in range(a.count):
        s, _ = connect(a.address)
        s.sendall(f"first {i}\n".encode())
        conns.append(s)
    for i, s in enumerate(conns):
        want = f"first {i}\n".encode()
        got = b""
        while len(got) < len(want):
            dl.check("for the first echoes")
            r = s.recv(64)
            if not r:
                fail(f"connection {i} ended before the restart")
            got += r
        if got != want:
            fail(f"connection {i}: {got!r}")
    touch(a.ready)
    while not os.path.exists(a.go):
        dl.check("for --go")
        time.sleep(0.02)
    kept = 0
    for i, s in enumerate(conns):
        want = f"second {i}\n".encode()
        got = b""
        try:
            s.sendall(want)
            while len(got) < len(want):
                dl.check("for the second echoes")
                r = s.recv(64)
                if not r:
                    break
                got += r
        except OSError:
            pass
        kept += got == want
    print(f"kept {kept} of {len(conns)}")
    return 0 if kept == len(conns) else 1


def probe(a):
    n = failed = 0
    longest = 0.0
    while not os.path.exists(a.until):
        t0 = time.monotonic()
        try:
            s, _ = connect(a.address)
            if a.http:
                s.sendall(f"GET {a.http} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                r = s.recv(65536)
                ok = r.startswith(b"HTTP/1.1 200")
            else:
                s.sendall(b"ping\n")
                ok = s.recv(16) == b"ping\n"
            s.close()
        except OSError:
            ok = False
        dt = time.monotonic() - t0
        n += 1
        if not ok:
            failed += 1
        longest = max(longest, dt)
        time.sleep(0.02)
    print(f"probes {n} failed {failed} longest {int(longest * 1000)} ms")
    return 0


def main():
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("mode", choices=("echo", "http", "many", "probe"))
    p.add_argument("address")
    p.add_argument("--ready")
    p.add_argument("--go")
    p.add_argument("--until")
    p.add_argument("--bytes", type=lambda v: int(v[:-1]) << 20 if v.endswith("M") else int(v),
                   default=32 << 20)
    p.add_argument("--hold", action="store_true")
    p.add_argument("--path", default="/")
    p.add_argument("--slow")
    p.add_argument("--partial", action="store_true")
    p.add_argument("--http")
    p.add_argument("--host", default="localhost")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()
    sys.exit({"echo": echo, "http": http, "many": many, "probe": probe}[a.mode](a))


main()
