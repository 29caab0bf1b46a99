#!/usr/bin/env python3
"""Checks that keep the documentation in one place and true to the code.

  check-docs.py no-copies FILE.md...
      no option table (a row starting "| `-") and no "Exit status:"
      paragraph: options and exit statuses live in --help and the man
      pages, and Markdown links to them.
  check-docs.py short-d FILE.md...
      every `-d` in prose says which it is, the server's --debug or
      systemd-socket-activate's --datagram, within the same sentence
      (a list of flags, "`-h`, `-d`, ...", is exempt).
  check-docs.py links FILE.md...
      every relative link resolves to a file, and every #anchor to a
      heading of that file (GitHub's slugs).
  check-docs.py targets REPO DOC.md
      every phony make target is named in DOC.md's "## Make targets"
      section, and every target named there exists.
  check-docs.py env MANPAGE SOURCE_DIR...
      the man page has ENVIRONMENT and FILES sections, and ENVIRONMENT
      names every variable the sources getenv() and those libsystemd reads
      for them.
  check-docs.py length FILE MAX_LINES
      FILE has at most MAX_LINES lines.

Prints one line per problem and exits 1 if there is any.
"""
import os
import re
import subprocess
import sys

# What libsystemd reads on the servers' behalf (sd_listen_fds_with_names,
# sd_notify, sd_watchdog_enabled).
SD_VARS = ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
           "WATCHDOG_USEC", "WATCHDOG_PID"]
problems = []


def problem(msg):
    problems.append(msg)


def prose_lines(path):
    """(number, line) of a Markdown file outside fenced code blocks."""
    fence = None
    for n, line in enumerate(open(path).read().splitlines(), 1):
        m = re.match(r"^(```+|~~~+)", line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif line.startswith(fence):
                fence = None
            continue
        if fence is None:
            yield n, line


def check_no_copies(*files):
    for f in files:
        for n, line in prose_lines(f):
            if re.match(r"^\|\s*`--?[a-zA-Z]", line):
                problem(f"{f}:{n}: an option table row; options belong in "
                        f"--help and the man page: {line[:60]}")
            if "Exit status:" in line:
                problem(f"{f}:{n}: an exit status text; it belongs in "
                        f"--help and the man page")


def check_short_d(*files):
    for f in files:
        for n, line in prose_lines(f):
            for m in re.finditer(r"`-d`", line):
                before, after = line[:m.start()], line[m.end():]
                if after.startswith(", `") or before.endswith("`, "):
                    continue
                if not re.match(r"^[^.;]{0,60}--(debug|datagram)", after):
                    problem(f"{f}:{n}: `-d` without saying whether it is "
                            f"--debug or --datagram")


def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    out, seen = set(), {}
    for _, line in prose_lines(path):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*$", line)
        if m:
            s = slug(m.group(1))
            k = seen.get(s, 0)
            seen[s] = k + 1
            out.add(s if k == 0 else f"{s}-{k}")
    return out


def check_links(*files):
    for f in files:
        base = os.path.dirname(f)
        for n, line in prose_lines(f):
            line = re.sub(r"`[^`]*`", "", line)
            for target in re.findall(r"\]\(([^)\s]+)\)", line):
                if re.match(r"^[a-z]+:", target):
                    continue
                path, _, frag = target.partition("#")
                full = os.path.normpath(os.path.join(base, path)) if path else f
                if not os.path.exists(full):
                    problem(f"{f}:{n}: link to {target}: no such file")
                    continue
                if frag and full.endswith(".md") and frag not in anchors(full):
                    problem(f"{f}:{n}: link to {target}: no heading "
                            f"#{frag} in {full}")


def check_targets(repo, doc):
    db = subprocess.run(["make", "-C", repo, "-pRrq", "-f", "Makefile",
                         "__no_such_target__"], capture_output=True,
                        text=True).stdout
    phony = set()
    for line in db.splitlines():
        if line.startswith(".PHONY:"):
            phony.update(line.split()[1:])
    text, on = [], False
    for line in open(os.path.join(repo, doc)).read().splitlines():
        if line == "## Make targets":
            on = True
            continue
        if on and line.startswith("## "):
            break
        if on:
            text.append(line)
    if not on:
        problem(f"{doc} has no '## Make targets' section")
    named = set(re.findall(r"`make ([a-z][a-z0-9-]*)", "\n".join(text)))
    if not phony:
        problem("make -p shows no .PHONY targets")
    for t in sorted(phony - named):
        problem(f"make {t}: a target, missing from {doc}'s Make targets")
    for t in sorted(named - phony):
        problem(f"make {t}: in {doc}'s Make targets, not a target")


def man_sections(path):
    secs, cur = {}, None
    for line in open(path).read().splitlines():
        if line.startswith(".SH"):
            cur = line[4:].strip().strip('"')
            secs[cur] = []
        elif cur:
            line = re.sub(r"\\f[BIRP]", "", line).replace("\\-", "-")
            secs[cur].append(line)
    return secs


def check_env(man, *srcdirs):
    secs = man_sections(man)
    for s in ("ENVIRONMENT", "FILES"):
        if s not in secs:
            problem(f"{man}: no {s} section")
    env = " ".join(secs.get("ENVIRONMENT", []))
    want = set(SD_VARS)
    for d in srcdirs:
        for name in os.listdir(d):
            if name.endswith(".c"):
                src = open(os.path.join(d, name)).read()
                want.update(re.findall(r'getenv\("([A-Za-z_]+)"\)', src))
    for v in sorted(want):
        if not re.search(r"(?<![\w])" + re.escape(v) + r"(?![\w])", env):
            problem(f"{man}: ENVIRONMENT does not name {v}")


def check_length(path, most):
    n = len(open(path).read().splitlines())
    if n > int(most):
        problem(f"{path}: {n} lines, more than {most}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"no-copies": check_no_copies, "short-d": check_short_d,
     "links": check_links, "targets": check_targets, "env": check_env,
     "length": check_length}[cmd](*args)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


main()
