#!/usr/bin/env python3
"""A stand-in for systemd with a file descriptor store, for tests.

  fdstore-manager.py [--max N] [--no-env] [--not-main] LOG SPEC... -- COMMAND [ARGS...]

Binds the sockets of each SPEC (NAME=KIND:ADDRESS, as listen-fds.py takes
them) and starts COMMAND with them, the way a .socket unit and its service
do: LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES, a notification socket of its
own in NOTIFY_SOCKET, and FDSTORE=N as systemd 254 and later set it for
FileDescriptorStoreMax=N (N: --max, default 16; --no-env leaves FDSTORE
unset, as systemd 253 and older do, with the store still there).

It does with the notifications what systemd does (src/core/service.c):
  FDSTORE=1 [FDNAME=X] [FDPOLL=0]  keeps the fds sent with it under X, as
      long as the store has room (N fds in all); the others are closed;
  FDSTOREREMOVE=1 FDNAME=X          closes and forgets every fd named X;
  a stored fd that reports POLLHUP or POLLERR is closed and forgotten
      (unless it came with FDPOLL=0);
  fds sent with any other message are closed.

--not-main: COMMAND is not the service's main process (a server in a
container, under conmon), so a message counts only if its sender still
lives when it is read: systemd finds the unit by the sender's cgroup,
which an exited process no longer has ("Cannot find unit for notify
message of PID N"; its fds are closed). And at a stop the messages are
read late (500 ms after SIGTERM), as a busy systemd may.

SIGHUP restarts COMMAND as `systemctl restart` does: SIGTERM, wait for its
exit, then start it again with the sockets first and the stored fds after
them (the store keeps its own copies). SIGTERM stops COMMAND and exits.
COMMAND dies with this process (PR_SET_PDEATHSIG).

LOG gets one line per event, a monotonic time in ms first:
  T start GEN pid PID fds N names A:B:...
  T notify GEN READY=1|STATUS=...       (newlines shown as "|")
  T stored NAME socket|file ... (total K)
  T full NAME: closed K fds (max N)
  T removed NAME K
  T refused PID: closed K fds          (--not-main: the sender had exited)
  T hangup NAME
  T exit GEN status S
"""
import array
import ctypes
import fcntl
import importlib.util
import os
import select
import signal
import socket
import stat
import sys
import tempfile
import time


def _listen_fds():
    """listen-fds.py, for its make(): the same sockets, made the same way."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "listen-fds.py")
    spec = importlib.util.spec_from_file_location("listen_fds", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Manager:
    def __init__(self, log, max_fds, set_env, not_main, specs, cmd):
        self.log = open(log, "a", buffering=1)
        self.max = max_fds
        self.set_env = set_env
        self.not_main = not_main
        self.cmd = cmd
        self.listeners = []  # (name, fd)
        make = _listen_fds().make
        for spec in specs:
            name, _, rest = spec.partition("=")
            kind, _, addr = rest.partition(":")
            self.listeners.append((name, make(kind, addr)))
        self.store = []  # [name, fd, poll]
        # Beside LOG: a test's directory, removed with it even when the
        # test kills this process (SIGKILL leaves no chance to clean up).
        self.dir = tempfile.mkdtemp(prefix="fdstore-manager.",
                                    dir=os.path.dirname(os.path.abspath(log)))
        self.path = os.path.join(self.dir, "notify")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.path)
        self.notify.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.gen = 0
        self.pid = 0
        self.want = None

    def say(self, text):
        self.log.write(f"{int(time.monotonic() * 1000)} {text}\n")

    def start(self):
        self.gen += 1
        fds = [fd for _, fd in self.listeners] + [e[1] for e in self.store]
        names = [n for n, _ in self.listeners] + [e[0] for e in self.store]
        pid = os.fork()
        if pid == 0:
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
                # Above every target first, so no dup2() clobbers a source.
                high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3 + len(fds)) for fd in fds]
                for i, fd in enumerate(high):
                    os.dup2(fd, 3 + i, inheritable=True)
                env = dict(os.environ)
                env.pop("FDSTORE", None)
                env.update(LISTEN_FDS=str(len(fds)), LISTEN_PID=str(os.getpid()),
                           LISTEN_FDNAMES=":".join(names), NOTIFY_SOCKET=self.path)
                if self.set_env and self.max > 0:
                    env["FDSTORE"] = str(self.max)
                signal.signal(signal.SIGHUP, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                os.execvpe(self.cmd[0], self.cmd, env)
            except BaseException as e:  # noqa: BLE001
                os.write(2, f"fdstore-manager: cannot start: {e}\n".encode())
            os._exit(127)
        self.pid = pid
        self.say(f"start {self.gen} pid {pid} fds {len(fds)} names {':'.join(names)}")

    def stop(self):
        if not self.pid:
            return
        os.kill(self.pid, signal.SIGTERM)
        if self.not_main:
            time.sleep(0.5)
        while True:
            self.receive(0.05)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
        # What it sent just before it exited is read before it counts
        # as gone (systemd reads notifications before SIGCHLD).
        self.receive(0)
        self.say(f"exit {self.gen} status {os.waitstatus_to_exitcode(status)}")
        self.pid = 0

    def stored_fds(self):
        return len(self.store)

    def handle(self, data, fds):
        text = data.decode(errors="replace").strip("\n")
        self.say(f"notify {self.gen} {text.replace(chr(10), '|')}")
        lines = text.split("\n")
        name = next((ln[7:] for ln in lines if ln.startswith("FDNAME=")), None)
        if "FDSTOREREMOVE=1" in lines:
            for fd in fds:
                os.close(fd)
            gone = [e for e in self.store if e[0] == name]
            for e in gone:
                os.close(e[1])
            self.store = [e for e in self.store if e[0] != name]
            self.say(f"removed {name} {len(gone)}")
        elif "FDSTORE=1" in lines:
            poll = "FDPOLL=0" not in lines
            kinds = []
            for i, fd in enumerate(fds):
                if self.stored_fds() >= self.max:
                    for rest in fds[i:]:
                        os.close(rest)
                    self.say(f"full {name}: closed {len(fds) - i} fds (max {self.max})")
                    break
                self.store.append([name or "stored", fd, poll])
                kinds.append("socket" if stat.S_ISSOCK(os.fstat(fd).st_mode) else "file")
            if kinds:
                self.say(f"stored {name} {' '.join(kinds)} (total {self.stored_fds()})")
        else:
            for fd in fds:
                os.close(fd)

    def receive(self, timeout):
        p = select.poll()
        p.register(self.notify, select.POLLIN)
        for e in self.store:
            if e[2]:
                p.register(e[1], 0)
        for fd, ev in p.poll(timeout * 1000):
            if fd == self.notify.fileno():
                while True:
                    try:
                        data, anc, _, _ = self.notify.recvmsg(
                            65536, socket.CMSG_SPACE(768 * 4) + socket.CMSG_SPACE(12),
                            socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        break
                    fds = []
                    sender = 0
                    for level, kind, blob in anc:
                        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                            a = array.array("i")
                            a.frombytes(blob[:len(blob) - len(blob) % a.itemsize])
                            fds.extend(a)
                        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                            sender = int.from_bytes(blob[:4], sys.byteorder)
                    if self.not_main and not alive(sender):
                        for fd in fds:
                            os.close(fd)
                        self.say(f"refused {sender}: closed {len(fds)} fds")
                        continue
                    self.handle(data, fds)
            elif ev & (select.POLLHUP | select.POLLERR):
                for e in [e for e in self.store if e[1] == fd]:
                    self.say(f"hangup {e[0]}")
                    os.close(e[1])
                self.store = [e for e in self.store if e[1] != fd]

    def run(self):
        signal.signal(signal.SIGHUP, lambda *_: setattr(self, "want", "restart"))
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "want", "stop"))
        self.start()
        while True:
            self.receive(0.05)
            if self.pid:
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    self.receive(0)
                    self.say(f"exit {self.gen} status {os.waitstatus_to_exitcode(status)}")
                    self.pid = 0
            want, self.want = self.want, None
            if want == "restart":
                self.stop()
                self.start()
            elif want == "stop":
                self.stop()
                break
        os.unlink(self.path)
        os.rmdir(self.dir)


def alive(pid):
    """Whether pid runs (not a zombie): it still has its cgroup."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def main():
    args = sys.argv[1:]
    max_fds, set_env, not_main = 16, True, False
    while args and args[0].startswith("--"):
        if args[0] == "--max":
            max_fds = int(args[1])
            args = args[2:]
        elif args[0] == "--no-env":
            set_env = False
            args = args[1:]
        elif args[0] == "--not-main":
            not_main = True
            args = args[1:]
        else:
            sys.exit(__doc__)
    if "--" not in args or len(args) < 2:
        sys.exit(__doc__)
    sep = args.index("--")
    Manager(args[0], max_fds, set_env, not_main, args[1:sep], args[sep + 1:]).run()


main()
