#!/usr/bin/env python3
"""Races keep-alive requests against the server's idle timeout
(--keepalive-timeout), many times, and says how each race ended.

    keepalive-race.py HOST PORT TIMEOUT ROUNDS CONNS

Each round opens CONNS connections, sends one request on each and reads the
responses, then sends the next request on all of them at about TIMEOUT
after the first ones went out: the server closes its idle connections one
after another while those requests arrive. Where that moment falls moves
from round to round, in a staircase that follows the deadline as this
machine sees it (later after a round that got only responses, earlier
after one that got only EOFs), plus a jitter, so every round straddles it
however loaded the machine is. Each race ends one of four ways:
  response   the server answered the second request;
  eof        the server had closed first: a clean EOF before any byte of a
             response, after which a client retries on a new connection
             (done here: the retry must get its response);
  reset      ECONNRESET/EPIPE, or an EOF with a reset right behind it:
             what the server sent may be lost, and the client cannot tell
             whether its request was seen;
  truncated  part of a response, then the end.
Prints one line of counts; exits 1 if any race ended in a reset or a
truncated response, or a retry failed.
"""
import errno
import random
import socket
import sys
import time

REQUEST = b"GET /hello.txt HTTP/1.1\r\nHost: race\r\n\r\n"
STEP = 0.0005
JITTER = 0.001


def read_response(s):
    """Reads one response from s: 'response', 'eof' or 'truncated'.
    OSError (ECONNRESET) goes to the caller."""
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return "eof" if not data else "truncated"
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            continue
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(body) >= length:
            if not head.startswith(b"HTTP/1.1 200 "):
                raise SystemExit("unexpected response: %r" % head[:60])
            return "response"


def retry(host, port):
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(REQUEST)
        return read_response(s) == "response"


def outcome_of(s, sent):
    if not sent:
        return "reset"
    try:
        outcome = read_response(s)
    except OSError as e:
        if e.errno not in (errno.EPIPE, errno.ECONNRESET):
            raise
        return "reset"
    # An EOF with a reset behind it: on loopback Linux delivers the FIN
    # first and keeps the error for later, but the reset has thrown away
    # whatever the server had not sent yet, and a proxy on the way
    # (rootlessport, slirp4netns, pasta, NAT) turns it into a reset of the
    # client's own connection.
    if outcome == "eof" and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
        return "reset"
    return outcome


def one_round(host, port, delay, conns, counts):
    """One round; returns the outcomes of its races."""
    # All first requests out before any response is read: the server
    # answers them in one go, so their idle timers run out together.
    socks = [socket.create_connection((host, port), timeout=10)
             for _ in range(conns)]
    for s in socks:
        s.sendall(REQUEST)
    start = time.monotonic()
    for s in socks:
        if read_response(s) != "response":
            raise SystemExit("no response to the first request")
    time.sleep(max(0.0, start + delay - time.monotonic()))
    sent = []
    for s in socks:
        try:
            s.sendall(REQUEST)
            sent.append(True)
        except OSError as e:
            if e.errno not in (errno.EPIPE, errno.ECONNRESET):
                raise
            sent.append(False)
    outcomes = []
    for s, ok in zip(socks, sent):
        outcome = outcome_of(s, ok)
        s.close()
        counts[outcome] += 1
        outcomes.append(outcome)
        if outcome == "eof":
            counts["retried" if retry(host, port) else "retry failed"] += 1
    return outcomes


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    timeout, rounds, conns = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    counts = dict.fromkeys(("response", "eof", "retried", "retry failed",
                            "reset", "truncated"), 0)
    mixed = 0
    offset = 0.0
    for _ in range(rounds):
        outcomes = one_round(host, port, timeout + offset +
                             random.uniform(-JITTER, JITTER), conns, counts)
        if all(o == "response" for o in outcomes):
            offset += STEP
        elif all(o == "eof" for o in outcomes):
            offset -= STEP
        else:
            mixed += 1
    print("%d races in %d rounds (%d with both outcomes): %d responses, "
          "%d clean EOFs (%d retried with success), %d resets, "
          "%d truncated, %d failed retries" % (
              rounds * conns, rounds, mixed, counts["response"],
              counts["eof"], counts["retried"], counts["reset"],
              counts["truncated"], counts["retry failed"]))
    return 1 if counts["reset"] or counts["truncated"] or counts["retry failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
