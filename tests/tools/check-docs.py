#!/usr/bin/env python3
"""Compare what a server's --help says with README.md and its man page.

  check-docs.py options BINARY README_HEADING MANPAGE
      every option --help lists is in the README's table under
      README_HEADING and in the man page's OPTIONS, with the same short
      form, and no other option is; a default --help states, "(default X"
      or "default: X", is X in the README's default column and in the man
      page's "Default: X".
  check-docs.py listen BINARY README_HEADING MANPAGE
      the --listen address forms and every type prefix appear in --help,
      the README's --listen row and the man page's --listen entry.
  check-docs.py exit BINARY README_HEADING MANPAGE
      the exit status texts of all three name the same conditions.
  check-docs.py targets REPO
      every phony make target is in the README's "Make targets" section,
      and every target named there exists.

Prints one line per difference and exits 1 if there is any.
"""
import re
import subprocess
import sys

FORMS = ["PORT", "IPV4:PORT", "[IPV6]:PORT", "/PATH", "@ABSTRACT",
         "vsock:CID:PORT", "vsock::PORT"]
PREFIXES = ["tcp:", "stream:", "udp:", "dgram:", "datagram:", "seqpacket:"]
problems = []


def problem(msg):
    problems.append(msg)


def words(text):
    return re.sub(r"\s+", " ", text).strip()


def help_text(binary):
    return subprocess.run([binary, "--help"], capture_output=True, text=True,
                          check=True).stdout


def help_options(binary):
    """{long: (short, text)} from --help, text being the option's lines."""
    opts, cur = {}, None
    for line in help_text(binary).splitlines():
        m = re.match(r"^ {2,6}(?:-(\w), )?--([a-z][a-z-]*)", line)
        if m:
            cur = m.group(2)
            opts[cur] = [m.group(1), line]
        elif cur and line.startswith(" " * 30):
            opts[cur][1] += " " + line
        else:
            cur = None
    return {k: (v[0], words(v[1])) for k, v in opts.items()}


def readme_section(heading):
    lines, out, on = open("README.md").read().splitlines(), [], False
    for line in lines:
        if line == heading:
            on = True
            continue
        if on and line.startswith("#"):
            break
        if on:
            out.append(line)
    if not on:
        problem(f"README.md has no heading {heading!r}")
    return out


def readme_options(heading):
    """{long: (short, default cell, row)} from the README's table."""
    opts = {}
    for line in readme_section(heading):
        if not line.startswith("| `-"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        for short, long in re.findall(r"(?:`-(\w)`, )?`--([a-z][a-z-]*)",
                                      cells[0]):
            opts[long] = (short or None, cells[1].replace("`", ""),
                          words(line.replace("`", "")))
    return opts


def man_plain(text):
    text = re.sub(r"\\f[BIRP]", "", text)
    return text.replace("\\-", "-").replace("\\e", "\\")


def man_sections(path):
    """{".SH NAME": [lines]}, lines unformatted."""
    secs, cur = {}, None
    for line in open(path).read().splitlines():
        if line.startswith(".SH"):
            cur = line[4:].strip().strip('"')
            secs[cur] = []
        elif cur:
            secs[cur].append(man_plain(line))
    return secs


def man_options(path):
    """{long: (short, text)} from the OPTIONS section's .TP entries."""
    opts, cur, tp = {}, None, False
    for line in man_sections(path).get("OPTIONS", []):
        if line.startswith(".TP"):
            tp, cur = True, None
            continue
        if tp:
            tp = False
            m = re.match(r"^(?:-(\w), )?--([a-z][a-z-]*)", line)
            if m:
                cur = m.group(2)
                opts[cur] = [m.group(1), line]
            continue
        if cur and not line.startswith(".TP"):
            opts[cur][1] += " " + line
    return {k: (v[0], words(v[1])) for k, v in opts.items()}


def help_default(text):
    m = re.search(r"(?:\(default:?|default:)\s+([^;,)]+)", text)
    return m.group(1).strip() if m else None


def check_options(binary, heading, man):
    h, r, m = help_options(binary), readme_options(heading), man_options(man)
    if not h:
        problem(f"{binary} --help lists no options")
    for name, where in ((r, "README.md " + heading), (m, man)):
        for o in sorted(set(h) - set(name)):
            problem(f"--{o}: in --help, missing from {where}")
        for o in sorted(set(name) - set(h)):
            problem(f"--{o}: in {where}, not in --help")
    for o, (short, text) in sorted(h.items()):
        if o in r and r[o][0] != short:
            problem(f"--{o}: short form -{short} in --help, -{r[o][0]} in README.md")
        if o in m and m[o][0] != short:
            problem(f"--{o}: short form -{short} in --help, -{m[o][0]} in {man}")
        d = help_default(text)
        if d is None:
            continue
        word = r"(?<![\w/.])" + re.escape(d) + r"(?![\w/])"
        if o in r and not re.search(word, r[o][1]):
            problem(f"--{o}: --help says default {d!r}, README.md says {r[o][1]!r}")
        if o in m and not re.search(r"[Dd]efault:?\s+" + re.escape(d) + r"(?![\w/])", m[o][1]):
            problem(f"--{o}: --help says default {d!r}, {man} does not say \"Default: {d}\"")


def check_listen(binary, heading, man):
    texts = {
        "--help": help_options(binary).get("listen", (None, ""))[1],
        "README.md": readme_options(heading).get("listen", (None, None, ""))[2],
        man: man_options(man).get("listen", (None, ""))[1],
    }
    for where, text in texts.items():
        if not text:
            problem(f"{where}: no --listen entry")
        for s in FORMS + PREFIXES:
            if s not in text:
                problem(f"{where}: --listen does not mention {s}")


def exit_texts(binary, heading, man):
    help_ = help_text(binary)
    i = help_.find("Exit status:")
    readme = "\n".join(readme_section(heading))
    j = readme.find("Exit status:")
    return {
        "--help": words(help_[i:]) if i >= 0 else "",
        "README.md": words(readme[j:].split("\n\n")[0]) if j >= 0 else "",
        man: words(" ".join(man_sections(man).get("EXIT STATUS", []))),
    }


def check_exit(binary, heading, man):
    # The conditions, each as a pattern all three must match.
    conds = {
        "SIGTERM": r"SIGTERM",
        "--exit-idle": r"--exit-idle",
        "nothing to serve": r"nothing to serve",
        "fds that are not sockets: a warning": r"not (?:a )?sockets?.{0,100}warning",
        "--listen cannot bind": r"--listen.{0,20}(?:cannot bind|cannot be bound)",
        "usage error": r"usage error",
    }
    for where, text in exit_texts(binary, heading, man).items():
        if not text:
            problem(f"{where}: no exit status text")
        for name, pat in conds.items():
            if not re.search(pat, text, re.I):
                problem(f"{where}: exit status does not say {name!r}")


def check_targets(repo):
    db = subprocess.run(["make", "-C", repo, "-pRrq", "-f", "Makefile",
                         "__no_such_target__"], capture_output=True,
                        text=True).stdout
    phony = set()
    for line in db.splitlines():
        if line.startswith(".PHONY:"):
            phony.update(line.split()[1:])
    readme = "\n".join(readme_section("## Make targets"))
    named = set(re.findall(r"`make ([a-z][a-z0-9-]*)", readme))
    if not phony:
        problem("make -p shows no .PHONY targets")
    for t in sorted(phony - named):
        problem(f"make {t}: a target, missing from README.md's Make targets")
    for t in sorted(named - phony):
        problem(f"make {t}: in README.md's Make targets, not a target")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"options": check_options, "listen": check_listen, "exit": check_exit,
     "targets": check_targets}[cmd](*args)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


main()
