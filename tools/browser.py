#!/usr/bin/env python3
"""Load a page in headless Chromium and report what a user would see.

  tools/browser.py [options] URL

Starts Debian's chromium headless with a fresh profile and drives it over
the DevTools protocol on a pipe (--remote-debugging-pipe: no port, no
extra package), loads URL, waits until the page's scripts ran (--wait),
then writes what was asked for. Prints one line per thing the browser
reported while loading, as it would appear in its console:

  console.LEVEL: TEXT        console.log/warn/error... of the page's scripts
  exception: TEXT            an uncaught exception
  log.LEVEL: TEXT (URL)      the browser's own messages: failed loads,
                             Content-Security-Policy violations...
  http STATUS: URL           a response of the page with status >= 400

Options:
  --wait JS           poll until the expression JS is true (default: the
                      document is complete)
  --timeout SECONDS   for the whole load and wait (default 30)
  --dom FILE          the DOM after the wait (document.documentElement)
  --text FILE         the text a user reads (document.body.innerText)
  --screenshot FILE   a PNG of the whole page
  --width N           viewport width in CSS pixels (default 960)
  --height N          viewport height (default 720; the screenshot grows
                      to the page's height)
  --accept VALUE      the Accept header of every request (default: the
                      browser's own)
  --no-script         with JavaScript off, as some readers browse
  --wait-request PATH then also wait until a request for PATH (e.g.
                      /favicon.ico, which the browser asks for after the
                      load) was answered or failed

Environment: CHROMIUM (default "chromium"). Exit status: 0 when the page
loaded and --wait became true; 1 when it did not in time (what was seen
is still printed and written); 2 on a usage error or when Chromium does
not start or load the page.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

# What the project's lab notes say headless Chromium needs on machines
# without a network: no background connections, no sandbox as root.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--no-default-browser-check", "--hide-scrollbars",
    "--force-device-scale-factor=1", "--remote-debugging-pipe",
]


def usage(msg):
    print("browser.py: " + msg, file=sys.stderr)
    print(__doc__.split("\n\n")[1] + "  (--help: the options)",
          file=sys.stderr)
    sys.exit(2)


def parse_args(argv):
    opts = {"wait": "document.readyState === 'complete'", "timeout": 30.0,
            "dom": None, "text": None, "screenshot": None, "width": 960,
            "height": 720, "accept": None, "url": None,
            "no-script": False, "wait-request": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__.strip())
            sys.exit(0)
        if a == "--no-script":
            opts["no-script"] = True
            i += 1
        elif a.startswith("--") and a[2:] in opts and a != "--url":
            if i + 1 == len(argv):
                usage(a + " needs a value")
            v = argv[i + 1]
            key = a[2:]
            try:
                if key in ("timeout",):
                    v = float(v)
                elif key in ("width", "height"):
                    v = int(v)
            except ValueError:
                usage("bad value for %s: %s" % (a, v))
            opts[key] = v
            i += 2
        elif a.startswith("-"):
            usage("unknown option " + a)
        elif opts["url"] is None:
            opts["url"] = a
            i += 1
        else:
            usage("one URL only")
    if opts["url"] is None:
        usage("no URL")
    return opts


class Browser:
    """Chromium with the DevTools protocol on fds 3 (in) and 4 (out)."""

    def __init__(self, profile, log):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Far from 3 and 4, so the child's dup2() cannot clobber them.
        a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def child_fds():
            os.dup2(a, 3)
            os.dup2(b, 4)

        cmd = [os.environ.get("CHROMIUM", "chromium")] + FLAGS + [
            "--user-data-dir=" + profile, "about:blank"]
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log,
                                         preexec_fn=child_fds,
                                         close_fds=False)
        except OSError as e:
            print("browser.py: cannot start %s: %s" % (cmd[0], e),
                  file=sys.stderr)
            sys.exit(2)
        finally:
            os.close(a)
            os.close(b)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self, deadline):
        """The next message, or None at the deadline."""
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.from_chrome], [], [], left)
            if not r:
                return None
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, deadline=None):
        """Sends a command and returns its result; events meanwhile are
        kept in self.events."""
        mid = self.send(method, params, session)
        while True:
            m = self.read(deadline or time.monotonic() + 30)
            if m is None:
                raise TimeoutError(method)
            if m.get("id") == mid:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, deadline):
        for i, m in enumerate(self.events):
            if m.get("method") == name:
                return self.events.pop(i)
        while True:
            m = self.read(deadline)
            if m is None:
                return None
            if m.get("method") == name:
                return m
            self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


def remote_text(obj):
    if "value" in obj:
        v = obj["value"]
        return v if isinstance(v, str) else json.dumps(v)
    return obj.get("description", obj.get("type", "?"))


def report(events, seen):
    """Prints the events worth a line, each once."""
    for m in events:
        if id(m) in seen:
            continue
        seen.add(id(m))
        p = m.get("params", {})
        name = m.get("method")
        if name == "Runtime.consoleAPICalled":
            print("console.%s: %s" % (p.get("type"), " ".join(
                remote_text(a) for a in p.get("args", []))))
        elif name == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            print("exception: %s %s" % (d.get("text", ""), remote_text(
                d.get("exception", {}))))
        elif name == "Log.entryAdded":
            e = p.get("entry", {})
            print("log.%s: %s (%s)" % (e.get("level"), e.get("text"),
                                       e.get("url", "")))
        elif name == "Network.responseReceived":
            r = p.get("response", {})
            if r.get("status", 0) >= 400:
                print("http %d: %s" % (r["status"], r.get("url")))


def answered(events, path):
    """Whether a request for path got a response or failed, in events."""
    ids = set()
    for m in events:
        p = m.get("params", {})
        if m.get("method") == "Network.requestWillBeSent" and \
                urllib.parse.urlsplit(p["request"]["url"]).path == path:
            ids.add(p["requestId"])
        elif m.get("method") in ("Network.responseReceived",
                                 "Network.loadingFailed") and \
                p.get("requestId") in ids:
            return True
    return False


def wait_request(br, path, deadline):
    while not answered(br.events, path):
        m = br.read(deadline)
        if m is None:
            return False
        br.events.append(m)
    return True


def evaluate(br, session, expr, deadline):
    r = br.call("Runtime.evaluate", {"expression": expr,
                                     "returnByValue": True}, session,
                deadline + 10)
    if "exceptionDetails" in r:
        return None
    return r.get("result", {}).get("value")


def run(br, opts):
    deadline = time.monotonic() + opts["timeout"]
    target = br.call("Target.createTarget", {"url": "about:blank"})
    session = br.call("Target.attachToTarget", {
        "targetId": target["targetId"], "flatten": True})["sessionId"]
    for domain in ("Runtime", "Log", "Page", "Network"):
        br.call(domain + ".enable", None, session)
    br.call("Emulation.setDeviceMetricsOverride", {
        "width": opts["width"], "height": opts["height"],
        "deviceScaleFactor": 1, "mobile": False}, session)
    if opts["no-script"]:
        br.call("Emulation.setScriptExecutionDisabled", {"value": True},
                session)
    if opts["accept"]:
        br.call("Network.setExtraHTTPHeaders", {
            "headers": {"Accept": opts["accept"]}}, session)
    nav = br.call("Page.navigate", {"url": opts["url"]}, session)
    if nav.get("errorText"):
        print("navigate: %s" % nav["errorText"])
        return 2
    if not br.wait_event("Page.loadEventFired", deadline):
        print("timeout: the page did not finish loading")
        return 1
    ok = False
    while time.monotonic() < deadline:
        if evaluate(br, session, "!!(%s)" % opts["wait"], deadline):
            ok = True
            break
        time.sleep(0.1)
    if not ok:
        print("timeout: --wait never became true: %s" % opts["wait"])
    elif opts["wait-request"] and not wait_request(br, opts["wait-request"],
                                                   deadline):
        print("timeout: no answer to a request for %s" % opts["wait-request"])
        ok = False
    if opts["dom"]:
        with open(opts["dom"], "w") as f:
            f.write(evaluate(br, session,
                             "document.documentElement.outerHTML",
                             deadline) or "")
    if opts["text"]:
        with open(opts["text"], "w") as f:
            f.write(evaluate(br, session, "document.body.innerText",
                             deadline) or "")
    if opts["screenshot"]:
        h = evaluate(br, session,
                     "Math.ceil(document.documentElement.scrollHeight)",
                     deadline) or opts["height"]
        br.call("Emulation.setDeviceMetricsOverride", {
            "width": opts["width"], "height": max(h, opts["height"]),
            "deviceScaleFactor": 1, "mobile": False}, session)
        shot = br.call("Page.captureScreenshot", {"format": "png"}, session,
                       deadline + 30)
        with open(opts["screenshot"], "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    return 0 if ok else 1


def main():
    opts = parse_args(sys.argv[1:])
    if not shutil.which(os.environ.get("CHROMIUM", "chromium")):
        print("browser.py: %s is not installed" %
              os.environ.get("CHROMIUM", "chromium"), file=sys.stderr)
        return 2
    profile = tempfile.mkdtemp(prefix="sa-browser.")
    log = open(os.path.join(profile, "chromium.log"), "w+")
    br = Browser(profile, log)
    seen = set()
    try:
        rc = run(br, opts)
    except (EOFError, TimeoutError, RuntimeError, OSError) as e:
        print("browser.py: %s" % e, file=sys.stderr)
        log.seek(0)
        sys.stderr.write(log.read()[-2000:])
        rc = 2
    report(br.events, seen)
    br.close()
    log.close()
    shutil.rmtree(profile, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
