#!/usr/bin/env python3
"""Run the command blocks of Markdown files, the way a reader types them.

  doc-run.py [--repo DIR] [--dry-run] [--only LINE] [--verbose] FILE.md...

The convention (README.md, docs/*.md, and any Markdown file given):

Commands are in fenced blocks whose info string starts with the word `sh`.
Indented code blocks, fenced blocks tagged bash, shell, console (or zsh,
shell-session, sh-session, or any other word starting with "sh"), fences in
blockquotes or HTML comments, untagged blocks that start with a command,
and `$ ` prompt lines in text blocks are reported as FILE:LINE errors, so
no command can escape being run. Other tags (ini, text, json, http, none)
are not commands. Errors too: an sh block that starts a server (it names
-l or --listen addresses) without the background tag, a background block that
names no address, a block that runs podman (as the program, or as
systemd-socket-activate's child) without the podman tag, and an unknown
tag. A file with such an error is not run.

The words after `sh` are tags (shell words: skip="two words" works):
  (none)        run in the foreground as a bash script with
                `set -euo pipefail`, cwd = the repository, stdin
                /dev/null; it must exit 0 within the deadline.
  background    a long-running command (a reader's "terminal 1"): started
                in its own process group, output captured; the run waits
                (ss, never connecting: a connection would activate the
                server) until every address it names with -l ADDR,
                --listen ADDR or --listen=ADDR is listening or bound.
                Forms: PORT, IPV4:PORT, [IPV6]:PORT, /PATH, @ABSTRACT,
                optionally prefixed tcp: udp: dgram: datagram: seqpacket:
                stream:; -d/--datagram (and --seqpacket) of
                systemd-socket-activate set the type of its addresses;
                vsock: addresses are not waited for. It stays up until the
                file's run ends, then its process group gets SIGTERM, 10 s,
                SIGKILL.
  ctrl-c        (background) the reader stops it before going on (make
                demo, "Ctrl-C stops it"): it is stopped as soon as it is
                ready, and its text block checked, before the next block.
  wait=ADDR     (background) also wait for ADDR, for a command whose
                addresses are not on its command line (make demo).
  podman        needs podman, usable by this user (rootless: with
                subordinate ids, or no Debian image runs), and the images the
                block names (localhost/socket-activate-*, or the short
                name socket-activate-*);
                otherwise this block and every later block of the file are
                skipped, with the reason (DOC_RUN_NO_PODMAN=REASON: skipped
                so for a run that knows its podman cannot serve them).
                Where root cannot apply podman's default rlimits (no CAP_SYS_RESOURCE: runc fails "error
                setting rlimit type 7"), a `podman` shim first on PATH sets
                CONTAINERS_CONF to the test-only configuration of
                tools/deps-images.sh --conf and execs the real podman, so
                the command stays what users type (systemd-socket-activate
                passes its child PATH but not CONTAINERS_CONF).
  root          needs root; skipped otherwise.
  lab           needs a user with a systemd user manager (systemctl
                --user): skipped unless --lab says this run has one (the
                trixie lab, not this machine).
  skip=REASON   not run; listed as skipped with REASON. Nothing else is
                checked in such a block but its tags.
  timeout=N     deadline in seconds: for a foreground block, to exit
                (default 60); for a background block, to be ready
                (default 10).

A fenced `text` block right after an sh block (blank lines between
allowed, nothing else) is its expected output: each non-blank line must be
a whole line of the command's combined stdout and stderr, in order, not
necessarily adjacent; `...` matches any text; blanks at either end of a
line are ignored.
After a background block it is checked against that command's output when
it has been stopped at the end of the file's run.

Before and after a file's run, Unix socket files under /tmp that its sh
blocks name are removed (sockets only, never other files). Runs take a
lock (/tmp/socket-activate-doc-run.lock), so two never overlap: real docs
use the same ports and paths.

Prints, per file, one line per block in order: "ok LINE $ COMMAND",
"skip LINE (REASON) $ COMMAND" or "FAIL LINE $ COMMAND" followed by
indented details; then "FILE: N ran, N skipped, N failed". Exit status 1
if any block failed or a file breaks the convention, 2 on bad usage.
  --dry-run     check the convention, list the blocks with their tags and
                what would run; run nothing.
  --only LINE   (one file) run the block at LINE and every block before it.
  --verbose     print every block's output, and each background command's
                output when it stops.
  --lab         run lab blocks too.
  --lab-exec CMD  run lab blocks through CMD (tests/lab/lab.sh user LAB),
                each as one bash line appended to it, from --lab-cwd DIR.
  --only-tag TAG  run only the blocks tagged TAG; the rest are skipped.
"""
import argparse
import fcntl
import ipaddress
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

FOREGROUND_TIMEOUT = 60
READY_TIMEOUT = 10
STOP_GRACE = float(os.environ.get("DOC_RUN_STOP_GRACE", "10"))
LOCK_PATH = "/tmp/socket-activate-doc-run.lock"
LOCK_TIMEOUT = 1800
# What is kept of a command's output: enough for any doc, bounded.
OUTPUT_MAX = 4 << 20
SHOWN_LINES = 60

NOT_SH = {"bash", "shell", "console", "zsh", "shell-session", "sh-session",
          "shellsession"}
# An untagged block starting with one of these is a command someone forgot
# to tag (or output that should be tagged text).
COMMAND_WORDS = {"make", "sudo", "systemd-socket-activate", "podman", "curl",
                 "socat", "systemctl", "journalctl", "git", "cd", "mkdir",
                 "echo", "tools/deps.sh", "apt-get", "dnf"}
PREFIX_TYPES = {"tcp:": "stream", "stream:": "stream", "udp:": "dgram",
                "dgram:": "dgram", "datagram:": "dgram",
                "seqpacket:": "seqpacket"}
SERVER_PREFIX = "socket-activate-"
# Our images, by full or short name (podman finds a short name among the
# local images): not build/socket-activate-echo, not systemd-socket-activate.
IMAGE_RE = re.compile(r"(?<![\w./-])(?:localhost/)?socket-activate-[A-Za-z0-9._-]+"
                      r"(?::[A-Za-z0-9._-]+)?")
TMP_PATH_RE = re.compile(r"/tmp/[A-Za-z0-9._+@%-]+(?:/[A-Za-z0-9._+@%-]+)*")
FENCE_RE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
LIST_RE = re.compile(r"^(?P<indent> *)(?:[-*+]|\d{1,9}[.)])(?P<gap> +|$)")
OPERATORS = set(";&|()<>\n")


class ConventionError(Exception):
    pass


# --- Addresses ---------------------------------------------------------

class Addr:
    """A socket address a background command listens on.

    kind is tcp, udp, unix-stream, unix-dgram, unix-seq or vsock; host is
    None for every interface; path is a filesystem path or @abstract."""

    def __init__(self, kind, host=None, port=None, path=None, text=""):
        self.kind, self.host, self.port, self.path = kind, host, port, path
        self.text = text

    def __str__(self):
        if self.path is not None:
            return "%s %s" % (self.kind, self.path)
        if self.kind == "vsock":
            return "vsock %s" % self.text
        host = "*" if self.host is None else (
            "[%s]" % self.host if self.host.version == 6 else str(self.host))
        return "%s %s:%d" % (self.kind, host, self.port)

    def key(self):
        return (self.kind, self.host, self.port, self.path)


def parse_addr(text, socktype="stream"):
    """ADDR as -l/--listen take it; socktype from the activator's flags."""
    orig = text
    for prefix, t in PREFIX_TYPES.items():
        if text.startswith(prefix):
            socktype, text = t, text[len(prefix):]
            break
    if text.startswith("vsock:"):
        return Addr("vsock", text=orig)
    if text.startswith("/") or text.startswith("@"):
        kind = {"stream": "unix-stream", "dgram": "unix-dgram",
                "seqpacket": "unix-seq"}[socktype]
        return Addr(kind, path=text, text=orig)
    if socktype == "seqpacket":
        raise ConventionError("seqpacket is for Unix sockets: %s" % orig)
    kind = "tcp" if socktype == "stream" else "udp"
    m = (re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d+)", text) or
         re.fullmatch(r"(\d+\.\d+\.\d+\.\d+):(\d+)", text))
    try:
        if m:
            host, port = ipaddress.ip_address(m.group(1)), int(m.group(2))
        elif re.fullmatch(r"\d+", text):
            host, port = None, int(text)
        else:
            raise ValueError
    except ValueError:
        raise ConventionError("cannot tell what address %r is" % orig)
    if not 0 < port < 65536:
        raise ConventionError("port out of range in %r" % orig)
    return Addr(kind, host=host, port=port, text=orig)


def shell_words(text):
    lex = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>\n")
    lex.whitespace = " \t\r"
    lex.whitespace_split = True
    return list(lex)


def simple_commands(script):
    """The words of each simple command of a shell script, roughly: enough
    to find the programs and their options, not a shell parser."""
    # A comment swallows its newline in shlex: keep a separator after it.
    text = script.replace("\\\n", " ").replace("\n", "\n;\n")
    try:
        tokens = shell_words(text)
    except ValueError:
        # An unbalanced quote (a here-document saying "don't"): line by
        # line, and plain words where even that fails.
        tokens = []
        for line in text.splitlines():
            try:
                tokens += shell_words(line)
            except ValueError:
                tokens += line.split()
            tokens.append(";")
    cmd = []
    for t in tokens:
        if t and set(t) <= OPERATORS:
            if cmd:
                yield cmd
            cmd = []
        else:
            cmd.append(t)
    if cmd:
        yield cmd


def program(words):
    """Index of the program in a simple command, past VAR=value and
    wrappers that run the rest (sudo, env, exec, ...)."""
    i = 0
    while i < len(words):
        w = words[i]
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", w):
            i += 1
        elif w in ("sudo", "exec", "env", "nohup", "setsid", "command"):
            i += 1
            while i < len(words) and words[i].startswith("-"):
                i += 1
        elif w == "timeout":
            i += 1
            while i < len(words) and words[i].startswith("-"):
                i += 1
            i += 1   # the duration
        else:
            return i
    return i


def activator_addrs(words):
    """(addresses, child words) of a systemd-socket-activate command."""
    socktype, raw, i = "stream", [], 1
    while i < len(words):
        w = words[i]
        if w == "--":
            i += 1
            break
        if not w.startswith("-") or w == "-":
            break
        if w in ("-l", "--listen"):
            if i + 1 < len(words):
                raw.append(words[i + 1])
            i += 1
        elif w.startswith("--listen="):
            raw.append(w[len("--listen="):])
        elif w == "--datagram":
            socktype = "dgram"
        elif w == "--seqpacket":
            socktype = "seqpacket"
        elif w in ("-E", "--setenv", "--fdname"):
            i += 1
        elif w.startswith("--"):
            pass
        else:
            # A cluster of short options: -d, -a, then -l/-E with an
            # argument attached or next.
            for j, c in enumerate(w[1:], 1):
                if c == "d":
                    socktype = "dgram"
                elif c in "lE":
                    arg = w[j + 1:]
                    if not arg:
                        i += 1
                        arg = words[i] if i < len(words) else ""
                    if c == "l":
                        raw.append(arg)
                    break
        i += 1
    return [parse_addr(a, socktype) for a in raw if a], words[i:]


def server_addrs(words):
    """The --listen addresses of one of our servers' command lines."""
    raw, i = [], 1
    while i < len(words):
        w = words[i]
        if w in ("-l", "--listen"):
            if i + 1 < len(words):
                raw.append(words[i + 1])
            i += 1
        elif w.startswith("--listen="):
            raw.append(w[len("--listen="):])
        elif re.match(r"-l.", w):
            raw.append(w[2:])
        i += 1
    return [parse_addr(a) for a in raw]


def block_addrs(script):
    """Every address the script's activators and servers listen on."""
    addrs = []
    for words in simple_commands(script):
        words = words[program(words):]
        if not words:
            continue
        name = os.path.basename(words[0])
        if "--help" in words or "--version" in words:
            continue
        if name == "systemd-socket-activate":
            found, child = activator_addrs(words)
            addrs += found
            child = child[program(child):]
            if child and os.path.basename(child[0]).startswith(SERVER_PREFIX):
                addrs += server_addrs(child)
        elif name.startswith(SERVER_PREFIX):
            addrs += server_addrs(words)
    return addrs


def names_podman(script):
    """Whether the script runs podman, directly or as the child of
    systemd-socket-activate (not: apt-get install podman)."""
    for words in simple_commands(script):
        words = words[program(words):]
        if words and os.path.basename(words[0]) == "systemd-socket-activate":
            words = activator_addrs(words)[1]
            words = words[program(words):]
        if words and os.path.basename(words[0]) == "podman":
            return True
    return False


# --- What ss sees ------------------------------------------------------

SS_KINDS = {"tcp": "tcp", "udp": "udp", "u_str": "unix-stream",
            "u_dgr": "unix-dgram", "u_seq": "unix-seq"}


def listening():
    """[(kind, host or None, port, path)] of every listening TCP and Unix
    stream/seqpacket socket and every bound UDP and Unix datagram socket.
    ss reads the kernel's tables: nothing connects to anything."""
    out = subprocess.run(["ss", "-Hln", "-t", "-u", "-x"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        f = line.split()
        if len(f) < 5 or f[0] not in SS_KINDS:
            continue
        kind = SS_KINDS[f[0]]
        if kind.startswith("unix"):
            found.append((kind, None, None, f[4]))
            continue
        host, _, port = f[4].rpartition(":")
        host = host.strip("[]").split("%")[0]
        try:
            ip = None if host in ("*", "0.0.0.0", "::") else \
                ipaddress.ip_address(host)
        except ValueError:
            continue
        found.append((kind, ip, int(port), None))
    return found


def is_listening(addr, table):
    for kind, host, port, path in table:
        if kind != addr.kind:
            continue
        if addr.path is not None:
            if path == addr.path:
                return True
        elif port == addr.port and (addr.host is None or host == addr.host):
            return True
    return False


# --- Markdown ----------------------------------------------------------

class Block:
    def __init__(self, line, lang, info, text):
        self.line, self.lang, self.info, self.text = line, lang, info, text
        self.expected = None      # the text Block after it, if any
        self.background = self.podman = self.root = self.lab = False
        self.skip = None
        self.timeout = None
        self.waits = []
        self.addrs = []

    def summary(self):
        for line in self.text.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                s = line.strip()
                more = len([x for x in self.text.splitlines() if x.strip()]) > 1
                return s + (" ..." if more else "")
        return "(empty)"

    def tags(self):
        return ("sh " + self.info).strip()


def parse_markdown(name, lines):
    """(sh blocks, errors) of a Markdown file: errors are "NAME:LINE: ..."."""
    blocks, fenced, errors = [], [], []

    def error(n, msg):
        errors.append((n, msg))

    i, prev = 0, "blank"       # what the previous line was
    list_indent = None         # content column of the open list item
    while i < len(lines):
        raw = lines[i].rstrip("\n")
        line = raw.expandtabs(4)
        n = i + 1
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if not stripped:
            prev = "blank"
            i += 1
            continue
        if list_indent is not None and indent < list_indent and \
                prev == "blank" and not LIST_RE.match(line):
            list_indent = None
        m = FENCE_RE.match(line)
        max_fence_indent = 3 if list_indent is None else list_indent + 3
        if m and len(m.group("indent")) <= max_fence_indent and \
                not (m.group("fence")[0] == "`" and "`" in m.group("info")):
            fence, cut = m.group("fence"), len(m.group("indent"))
            info = m.group("info").strip()
            body, j = [], i + 1
            close = re.compile(r"^ *%s%s* *$" % (re.escape(fence),
                                                 re.escape(fence[0])))
            while j < len(lines) and not close.match(lines[j].expandtabs(4)):
                b = lines[j].rstrip("\n")
                body.append(b[min(cut, len(b) - len(b.lstrip(" "))):])
                j += 1
            if j == len(lines):
                error(n, "this fenced block is never closed")
            lang, _, rest = info.partition(" ")
            fenced.append((n, lang, rest.strip(), "".join(x + "\n" for x in body), j + 1))
            i, prev = j + 1, "fence"
            continue
        if re.match(r"^ {0,3}>", line) and re.search(r"(```|~~~)", line):
            error(n, "a fenced block in a blockquote is not run: take it out "
                  "of the quote")
        if re.match(r"^ {0,3}<!--", line):
            j, hidden = i, None
            while j < len(lines) and "-->" not in lines[j]:
                if hidden is None and FENCE_RE.match(lines[j].strip()):
                    hidden = j + 1
                j += 1
            if hidden:
                error(hidden, "a fenced block in an HTML comment: readers "
                      "never see it, so it must not run either")
            i, prev = j + 1, "html"
            continue
        in_list = list_indent is not None and indent >= list_indent
        code_indent = list_indent + 4 if in_list else 4
        if indent >= code_indent and prev in ("blank", "heading", "fence"):
            error(n, "indented code block: commands go in ```sh blocks, "
                  "output in ```text")
            while i < len(lines) and (not lines[i].strip() or
                                      len(lines[i].expandtabs(4)) -
                                      len(lines[i].expandtabs(4).lstrip(" "))
                                      >= code_indent):
                i += 1
            prev = "blank"
            continue
        lm = LIST_RE.match(line)
        if lm and (list_indent is None or indent < list_indent + 4):
            list_indent = lm.end() if lm.group("gap") else lm.end() + 1
        prev = "heading" if re.match(r"^ {0,3}#{1,6}( |$)", line) else "para"
        i += 1

    for k, (n, lang, rest, text, close_line) in enumerate(fenced):
        lower = lang.lower()
        if lower in NOT_SH or (lower.startswith("sh") and lower != "sh"):
            error(n, "```%s block: commands go in ```sh blocks (the suite "
                  "runs those), output in ```text" % lang)
            continue
        if lower == "text":
            for off, t in enumerate(text.splitlines()):
                if re.match(r"^\s*\$ \S", t):
                    error(n + 1 + off, "a prompt line in a text block: "
                          "commands go in ```sh blocks")
        if lower == "":
            first = text.strip().split(None, 1)
            if first and (first[0] in COMMAND_WORDS or
                          first[0].startswith("build/") or
                          first[0].startswith("$")):
                error(n, "an untagged block that starts with a command: "
                      "```sh if it is one, ```text if it is output")
        if lower != "sh":
            continue
        b = Block(n, lang, rest, text)
        try:
            parse_tags(b)
        except ConventionError as e:
            error(n, str(e))
            continue
        if k + 1 < len(fenced) and fenced[k + 1][1].lower() == "text":
            nxt = fenced[k + 1][0]
            # Lines close_line+1 .. nxt-1 (1-based) are between the two.
            if all(not lines[x].strip() for x in range(close_line, nxt - 1)):
                b.expected = Block(nxt, "text", "", fenced[k + 1][3])
        blocks.append(b)
    return blocks, ["%s:%d: %s" % (name, n, msg) for n, msg in sorted(errors)]


def parse_tags(b):
    try:
        tags = shlex.split(b.info)
    except ValueError as e:
        raise ConventionError("cannot read the tags %r: %s" % (b.info, e))
    for t in tags:
        key, eq, val = t.partition("=")
        if t in ("background", "podman", "root", "lab"):
            setattr(b, t, True)
        elif t == "ctrl-c":
            b.ctrl_c = True
        elif key == "skip" and eq:
            if not val.strip():
                raise ConventionError("skip= needs a reason")
            b.skip = val
        elif key == "timeout" and eq:
            if not re.fullmatch(r"[1-9][0-9]{0,3}", val):
                raise ConventionError("timeout=%s: seconds, 1..9999" % val)
            b.timeout = int(val)
        elif key == "wait" and eq:
            b.waits.append(parse_addr(val))
        else:
            raise ConventionError(
                "unknown tag %r (tags: background ctrl-c podman root lab "
                "skip=REASON timeout=N wait=ADDR)" % t)
    if getattr(b, "ctrl_c", False) and not b.background:
        raise ConventionError("ctrl-c is for background blocks")
    if b.waits and not b.background:
        raise ConventionError("wait= is for background blocks")
    try:
        b.addrs = block_addrs(b.text) + b.waits
    except ConventionError:
        if not b.skip:
            raise
        b.addrs = b.waits
    if b.skip:
        # Never run: how it would run and what it would wait for do not
        # matter (a vsock server with & before its client, say).
        return
    if b.background and not b.addrs:
        raise ConventionError(
            "a background block must name the addresses it listens on "
            "(-l ADDR, --listen ADDR, or a wait=ADDR tag), or the next "
            "block could run before it is ready")
    if b.addrs and not b.background:
        raise ConventionError(
            "this block starts a server that stays up (it listens on %s): "
            "tag it background" % ", ".join(map(str, b.addrs)))
    if names_podman(b.text) and not b.podman:
        raise ConventionError("this block runs podman: tag it podman")


# --- Processes ---------------------------------------------------------

def group_members(pgid):
    """Live (non-zombie) processes of a process group: (pid, name)."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        name = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append((int(d), name))
    return found


def stop_groups(procs, grace):
    """SIGTERM to each process group, up to grace seconds for all to go,
    then SIGKILL. Returns {pgid: [(pid, name)] that needed SIGKILL}."""
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    killed = {}
    for p in procs:
        while True:
            p.poll()
            left = group_members(p.pid)
            if not left:
                break
            if time.monotonic() >= deadline:
                killed[p.pid] = left
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                break
            time.sleep(0.05)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass
    return killed


def read_output(f):
    f.seek(0)
    data = f.read(OUTPUT_MAX)
    return data.decode("utf-8", "replace")


def shown(text, indent="      "):
    lines = text.splitlines()
    if len(lines) > SHOWN_LINES:
        cut = len(lines) - SHOWN_LINES
        lines = ["[%d lines before these]" % cut] + lines[cut:]
    if not lines:
        return indent + "(nothing)"
    return "\n".join(indent + line for line in lines)


def bash(script):
    # On the script's first line, so bash's "line N" is the block's line N.
    return ["bash", "-c", "set -euo pipefail; " + script, "bash"]


def mismatch(expected, output):
    """None if every expected line is a whole output line, in order; else
    the first expected line that is not. Indentation is not compared: a
    line of pretty-printed JSON reads the same without it."""
    got = [line.strip() for line in output.splitlines()]
    pos = 0
    for want in expected.splitlines():
        want = want.strip()
        if not want:
            continue
        rx = re.compile(".*".join(re.escape(p) for p in want.split("...")))
        for j in range(pos, len(got)):
            if rx.fullmatch(got[j]):
                pos = j + 1
                break
        else:
            return want
    return None


# --- podman ------------------------------------------------------------

class Podman:
    """Whether podman blocks can run here, and the environment they get."""

    def __init__(self, repo, env):
        self.repo, self.base_env = repo, env
        self.checked = False
        self.reason = None        # why podman blocks cannot run
        self.note = None          # what the runner did for them
        self.env = None
        self.shim_dir = None

    def check(self):
        if self.checked:
            return self.reason
        self.checked = True
        env = dict(self.base_env)
        # A run that knows its podman cannot serve the docs' blocks says
        # why (the Debian 13 lab: podman nested in a container, whose
        # builds cannot resolve the mirror).
        if env.get("DOC_RUN_NO_PODMAN"):
            self.reason = env["DOC_RUN_NO_PODMAN"]
            return self.reason
        real = shutil.which("podman", path=env.get("PATH", ""))
        if not real:
            self.reason = "podman is not installed (no podman on PATH)"
            return self.reason
        why = self.needs_test_conf(env)
        if why:
            try:
                conf = subprocess.run(
                    [os.path.join(self.repo, "tools/deps-images.sh"), "--conf"],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    text=True, timeout=60, check=True).stdout.strip()
            except (OSError, subprocess.SubprocessError) as e:
                self.reason = ("podman needs a test-only containers.conf here "
                               "(%s), and tools/deps-images.sh --conf failed: %s"
                               % (why, e))
                return self.reason
            conf = (conf.splitlines() or [""])[-1]
            if not conf.startswith("/"):
                self.reason = ("podman needs a test-only containers.conf here "
                               "(%s), and tools/deps-images.sh --conf printed "
                               "no path" % why)
                return self.reason
            self.shim_dir = tempfile.mkdtemp(prefix="doc-run-podman.")
            os.chmod(self.shim_dir, 0o755)
            shim = os.path.join(self.shim_dir, "podman")
            with open(shim, "w") as f:
                f.write("#!/bin/sh\n# doc-run.py: the test-only podman "
                        "configuration, whatever environment we get\n"
                        "CONTAINERS_CONF=%s\nexport CONTAINERS_CONF\n"
                        "exec %s \"$@\"\n" % (shlex.quote(conf), shlex.quote(real)))
            os.chmod(shim, 0o755)
            env["PATH"] = self.shim_dir + os.pathsep + env.get("PATH", "")
            self.note = ("podman blocks run with a podman shim first on PATH "
                         "that sets CONTAINERS_CONF=%s (%s)" % (conf, why))
        try:
            r = subprocess.run(["podman", "info", "--format",
                                "{{.Host.OCIRuntime.Name}}"],
                               env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, timeout=120)
            status, said = r.returncode, r.stdout
        except subprocess.TimeoutExpired:
            status, said = 1, "podman info did not answer within 120 s"
        if status != 0:
            last = (said.strip().splitlines() or ["no message"])[-1]
            self.reason = "podman is not usable by uid %d: %s" % (os.geteuid(), last)
            return self.reason
        why = self.no_subids(env)
        if why:
            self.reason = why
            return self.reason
        self.env = env
        return None

    @staticmethod
    def no_subids(env):
        """Why rootless podman cannot pull, build or run a Debian image for
        this user, or None: with no subordinate ids (/etc/subuid and
        /etc/subgid; useradd gives a normal user a range, not a system
        user) its user namespace maps one id, and the image's files owned
        by others (apt's _apt) fail with "potentially insufficient UIDs or
        GIDs available in user namespace"."""
        if os.geteuid() == 0:
            return None
        try:
            r = subprocess.run(["podman", "info", "--format",
                                "{{range .Host.IDMappings.UIDMap}}{{.Size}} {{end}}|"
                                "{{range .Host.IDMappings.GIDMap}}{{.Size}} {{end}}"],
                               env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, timeout=120)
        except subprocess.TimeoutExpired:
            return "podman info did not answer within 120 s"
        sizes = r.stdout.strip().split("|")
        if r.returncode != 0 or len(sizes) != 2:
            return None
        for kind, field in zip(("uid", "gid"), sizes):
            if sum(int(n) for n in field.split() if n.isdigit()) <= 1:
                return ("rootless podman for uid %d maps one %s: this user has "
                        "no subordinate %ss (/etc/sub%s), so podman cannot "
                        "pull, build or run a Debian image"
                        % (os.geteuid(), kind, kind, kind))
        return None

    @staticmethod
    def needs_test_conf(env):
        """Why podman's defaults fail for root here, or None."""
        if env.get("CONTAINERS_CONF") or os.geteuid() != 0:
            return None
        # podman gives a rootful container RLIMIT_NOFILE and RLIMIT_NPROC
        # of 1048576: only possible with CAP_SYS_RESOURCE or limits as high.
        r = subprocess.run([sys.executable, "-c",
                            "import resource as r\n"
                            "for k in (r.RLIMIT_NOFILE, r.RLIMIT_NPROC):\n"
                            "    r.setrlimit(k, (1048576, 1048576))"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode != 0:
            return ("root cannot raise RLIMIT_NOFILE/NPROC to podman's default "
                    "1048576 here, so runc would fail with \"error setting "
                    "rlimit type 7\"")
        return None

    def missing_images(self, script):
        for image in sorted(set(IMAGE_RE.findall(script))):
            try:
                r = subprocess.run(["podman", "image", "exists", image],
                                   env=self.env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True,
                                   timeout=120)
            except subprocess.TimeoutExpired:
                return "podman image exists %s did not answer in 120 s" % image
            if r.returncode == 1:
                return ("image %s is not built here (make images, or make "
                        "images-demo for a -demo image)" % image)
            if r.returncode != 0:
                return "podman image exists %s failed: %s" % (image, r.stdout.strip())
        return None

    def close(self):
        if self.shim_dir:
            shutil.rmtree(self.shim_dir, ignore_errors=True)


# --- Running a file ----------------------------------------------------

class Background:
    def __init__(self, block, proc, out):
        self.block, self.proc, self.out = block, proc, out
        self.exited_early = None   # its status, if it ended on its own
        self.failed = False        # never got ready: reported already
        self.output = ""


class FileRun:
    def __init__(self, args, podman, name, path):
        self.args, self.podman, self.name, self.path = args, podman, name, path
        self.ran = self.skipped = self.failed = 0
        self.backgrounds = []

    def say(self, text):
        print(text, flush=True)

    def fail(self, b, details):
        self.failed += 1
        self.say("FAIL %d $ %s" % (b.line, b.summary()))
        self.say("    command (%s, line %d):\n%s" % (b.tags(), b.line, shown(b.text)))
        for d in details:
            self.say(d)

    def run(self, blocks):
        sockets = sorted({p for b in blocks for p in TMP_PATH_RE.findall(b.text)})
        remove_sockets(sockets, self.args.verbose)
        try:
            self.run_blocks(blocks)
        finally:
            self.stop_backgrounds()
            remove_sockets(sockets, self.args.verbose)
        self.say("%s: %d ran, %d skipped, %d failed"
                 % (self.name, self.ran, self.skipped, self.failed))
        return self.failed == 0

    def run_blocks(self, blocks):
        podman_gone = None
        for b in blocks:
            reason = None
            if b.skip:
                reason = "skip=" + b.skip
            elif self.args.only_tag and not getattr(b, self.args.only_tag):
                reason = "not a %s block: this run is for those only" % \
                    self.args.only_tag
            elif podman_gone:
                reason = "an earlier podman block was skipped: " + podman_gone
            elif b.root and os.geteuid() != 0:
                reason = "needs root; this run is uid %d" % os.geteuid()
            elif b.lab and not self.args.lab:
                reason = ("lab: needs a user with a systemd user manager; "
                          "doc-run.py --lab runs it there")
            elif b.podman:
                reason = self.podman.check()
                if self.podman.note:
                    self.say("# " + self.podman.note)
                    self.podman.note = None
                if not reason:
                    reason = self.podman.missing_images(b.text)
                if reason:
                    podman_gone = reason
            if reason:
                self.skipped += 1
                self.say("skip %d (%s) $ %s" % (b.line, reason, b.summary()))
                continue
            env = self.podman.env if b.podman else self.podman.base_env
            if b.background:
                self.start_background(b, env)
                if getattr(b, "ctrl_c", False) and self.backgrounds and \
                        self.backgrounds[-1].block is b:
                    # The reader stops it (Ctrl-C) before going on.
                    rest, self.backgrounds = self.backgrounds[:-1], \
                        self.backgrounds[-1:]
                    self.stop_backgrounds()
                    self.backgrounds = rest
            else:
                self.run_foreground(b, env)

    def run_foreground(self, b, env):
        limit = b.timeout or FOREGROUND_TIMEOUT
        cmd = bash(b.text)
        if b.lab and self.args.lab_exec:
            # Where the user manager is: the same bash line, through the
            # given command (tests/lab/lab.sh user LAB), from --lab-cwd.
            cmd = shlex.split(self.args.lab_exec) + [
                "cd %s && set -euo pipefail; %s" % (
                    shlex.quote(self.args.lab_cwd or "."), b.text)]
        with tempfile.TemporaryFile() as out:
            p = subprocess.Popen(cmd, cwd=self.args.repo, env=env,
                                 stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
            try:
                status = p.wait(limit)
            except subprocess.TimeoutExpired:
                status = None
            except BaseException:
                # Interrupted: its own session, so no Ctrl-C reached it.
                stop_groups([p], 0)
                raise
            # Whatever it left behind (or all of it, past the deadline).
            stop_groups([p], 0 if status is None else STOP_GRACE)
            output = read_output(out)
        if self.args.verbose:
            self.say("    output of line %d:\n%s" % (b.line, shown(output)))
        if status is None:
            self.fail(b, ["    did not finish within %d s (timeout=N sets the "
                          "deadline); its output so far:" % limit, shown(output)])
            return
        if status != 0:
            how = ("killed by signal %d" % -status if status < 0
                   else "exit status %d" % status)
            self.fail(b, ["    %s; its output:" % how, shown(output)])
            return
        if b.expected:
            want = mismatch(b.expected.text, output)
            if want is not None:
                self.fail(b, self.expectation(b, want, output))
                return
        self.ran += 1
        self.say("ok %d $ %s" % (b.line, b.summary()))

    @staticmethod
    def expectation(b, want, output):
        return ["    expected output (text block at line %d), every line in "
                "order, \"...\" for any text:" % b.expected.line,
                shown(b.expected.text),
                "    no line matches %r (in order); what came:" % want,
                shown(output)]

    def start_background(self, b, env):
        limit = b.timeout or READY_TIMEOUT
        waited = [a for a in b.addrs if a.kind != "vsock"]
        try:
            table = listening()
        except (OSError, subprocess.CalledProcessError) as e:
            self.fail(b, ["    cannot wait for it: ss (iproute2) does not "
                          "work here: %s" % e])
            return
        busy = [str(a) for a in waited if is_listening(a, table)]
        if busy:
            self.fail(b, ["    already in use before this block started: %s "
                          "(another server, or a run of these docs?)"
                          % ", ".join(busy)])
            return
        out = tempfile.TemporaryFile()
        p = subprocess.Popen(bash(b.text), cwd=self.args.repo, env=env,
                             stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT, start_new_session=True)
        bg = Background(b, p, out)
        self.backgrounds.append(bg)
        start = time.monotonic()
        deadline = start + limit
        while True:
            table = listening()
            missing = [a for a in waited if not is_listening(a, table)]
            if not missing:
                break
            status = p.poll()
            if status is not None:
                bg.failed = True
                self.fail(b, ["    exited with status %d before it was ready "
                              "(not listening: %s); its output:"
                              % (status, ", ".join(map(str, missing))),
                              shown(read_output(out))])
                return
            if time.monotonic() >= deadline:
                bg.failed = True
                self.fail(b, ["    not ready after %d s: not listening on %s "
                              "(timeout=N sets the deadline); its output:"
                              % (limit, ", ".join(map(str, missing))),
                              shown(read_output(out))])
                return
            time.sleep(0.05)
        self.ran += 1
        self.say("ok %d $ %s" % (b.line, b.summary()))
        vs = [a.text for a in b.addrs if a.kind == "vsock"]
        self.say("    background, pid %d: listening on %s after %.2f s%s"
                 % (p.pid, ", ".join(map(str, waited)) or "nothing to wait for",
                    time.monotonic() - start,
                    "; not waited for: " + ", ".join(vs) if vs else ""))

    def stop_backgrounds(self):
        if not self.backgrounds:
            return
        for bg in self.backgrounds:
            status = bg.proc.poll()
            if status is not None and bg.exited_early is None:
                bg.exited_early = status
        killed = stop_groups([bg.proc for bg in reversed(self.backgrounds)],
                             STOP_GRACE)
        for bg in self.backgrounds:
            b = bg.block
            bg.output = read_output(bg.out)
            bg.out.close()
            if bg.proc.pid in killed:
                self.say("# line %d: still running %g s after SIGTERM, killed: %s"
                         % (b.line, STOP_GRACE, ", ".join(
                             "%d (%s)" % x for x in killed[bg.proc.pid])))
            if bg.failed:
                continue
            problem = None
            if bg.exited_early not in (None, 0):
                problem = ["    exited with status %d before the end of the "
                           "run; its output:" % bg.exited_early, shown(bg.output)]
            elif b.expected:
                want = mismatch(b.expected.text, bg.output)
                if want is not None:
                    problem = self.expectation(b, want, bg.output)
            if problem:
                # It was "ok" when it got ready; it is a failure after all.
                self.ran -= 1
                self.fail(b, problem)
        if self.args.verbose or self.failed:
            for bg in self.backgrounds:
                self.say("    output of background line %d (%s):\n%s"
                         % (bg.block.line, bg.block.summary(), shown(bg.output)))


def remove_sockets(paths, verbose):
    for p in paths:
        try:
            if stat.S_ISSOCK(os.lstat(p).st_mode):
                os.unlink(p)
                if verbose:
                    print("# removed the socket %s" % p, flush=True)
        except FileNotFoundError:
            pass
        except OSError as e:
            print("# cannot remove the socket %s: %s" % (p, e), flush=True)


def dry_run(name, blocks):
    print(name)
    for b in blocks:
        what = []
        if b.skip:
            what.append("not run: skip=%s" % b.skip)
        else:
            if b.root:
                what.append("needs root")
            if b.lab:
                what.append("needs a systemd user manager (runs with --lab)")
            if b.podman:
                imgs = sorted(set(IMAGE_RE.findall(b.text)))
                what.append("needs podman" + (" and " + ", ".join(imgs) if imgs else ""))
            if b.background:
                what.append("background %s; waits for %s"
                            % ("until ready (ctrl-c)" if getattr(b, "ctrl_c", False)
                               else "until the end",
                               ", ".join(str(a) for a in b.addrs if a.kind != "vsock")
                               or "nothing"))
            else:
                what.append("foreground, must exit 0 within %d s"
                            % (b.timeout or FOREGROUND_TIMEOUT))
            if b.expected:
                what.append("expected output: text block at line %d"
                            % b.expected.line)
        print("%d [%s] %s" % (b.line, b.tags(), "; ".join(what)))
        print(shown(b.text, "    "))


def take_lock():
    # Open an existing lock without O_CREAT: with fs.protected_regular,
    # O_CREAT on another user's file in /tmp fails even for reading.
    try:
        fd = os.open(LOCK_PATH, os.O_RDONLY)
    except FileNotFoundError:
        fd = os.open(LOCK_PATH, os.O_RDONLY | os.O_CREAT, 0o644)
    deadline = time.monotonic() + LOCK_TIMEOUT
    said = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if not said:
                print("# waiting for another doc-run.py (%s)" % LOCK_PATH, flush=True)
                said = True
            if time.monotonic() >= deadline:
                sys.exit("doc-run.py: another run held %s for %d s"
                         % (LOCK_PATH, LOCK_TIMEOUT))
            time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default=os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))),
        help="repository root: the commands' working directory")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--only", type=int, metavar="LINE")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--lab", action="store_true",
                    help="this run has a systemd user manager: run lab blocks")
    ap.add_argument("--lab-exec", metavar="CMD",
                    help="run lab blocks (as one bash line, appended as the "
                    "last argument) through CMD, e.g. 'tests/lab/lab.sh user "
                    "LAB'; implies --lab")
    ap.add_argument("--lab-cwd", metavar="DIR",
                    help="with --lab-exec: the directory lab blocks start in")
    ap.add_argument("--only-tag", choices=("lab", "podman", "root",
                                           "background"),
                    help="run only the blocks with this tag; list the rest "
                    "as skipped")
    ap.add_argument("files", nargs="+", metavar="FILE.md")
    args = ap.parse_args()
    args.repo = os.path.abspath(args.repo)
    if args.lab_exec:
        args.lab = True
    if args.only is not None and len(args.files) != 1:
        ap.error("--only takes one file")

    parsed, ok = [], True
    for path in args.files:
        rel = os.path.relpath(os.path.abspath(path), args.repo)
        name = path if rel.startswith("..") else rel
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.readlines()
        except (OSError, UnicodeDecodeError) as e:
            print("FAIL %s: cannot read it: %s" % (name, e))
            ok = False
            continue
        blocks, errors = parse_markdown(name, lines)
        for e in errors:
            print("FAIL " + e)
        if errors:
            print("%s: breaks the command block convention (%d errors): not run"
                  % (name, len(errors)))
            ok = False
            continue
        if args.only is not None:
            at = [b for b in blocks if b.line <= args.only and
                  args.only <= b.line + len(b.text.splitlines()) + 1]
            if not at:
                ap.error("no sh block at %s:%d" % (name, args.only))
            blocks = [b for b in blocks if b.line <= at[0].line]
        parsed.append((name, path, blocks))

    if args.dry_run:
        for name, _, blocks in parsed:
            dry_run(name, blocks)
        return 0 if ok else 1

    def terminate(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)
    lock = take_lock()
    podman = Podman(args.repo, dict(os.environ))
    try:
        for name, path, blocks in parsed:
            print("== %s" % name, flush=True)
            if not blocks:
                print("%s: no sh blocks" % name)
                continue
            if not FileRun(args, podman, name, path).run(blocks):
                ok = False
    except KeyboardInterrupt:
        print("doc-run.py: interrupted", flush=True)
        ok = False
    finally:
        podman.close()
        os.close(lock)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
