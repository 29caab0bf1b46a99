#!/usr/bin/env python3
"""Keep what a man page says about options and exit statuses identical to
the server's --help, which the server prints from its option table.

  man-sync.py --update BINARY MANPAGE   rewrite the generated regions
  man-sync.py --check BINARY MANPAGE    print each difference, exit 1 if any

The version in the .TH line is --version's. A generated region starts with a roff comment line naming what it holds
and ends with '.\\" end --help':

  .\\" --help OPTION        the option's tag line, its --help text, and its
                           "Default: X." and "Range: R." sentences
  .\\" --help notes         the paragraphs --help prints after the options
  .\\" --help exit-status   the "Exit status:" paragraph

Text after a region is the man page's own (more detail, examples). Every
option --help lists must have a region, and no region may name an option
--help does not list, so an option cannot be added, renamed or dropped on
one side only. `make man` runs --update for both servers.
"""
import re
import subprocess
import sys

START = re.compile(r'^\.\\" --help (\S+)$')
END = '.\\" end --help'


def help_text(binary):
    return subprocess.run([binary, "--help"], capture_output=True, text=True,
                          check=True).stdout


def parse_help(text):
    """(options, notes, exit_status): options is [(long, short, arg, text)]
    in --help's order; notes and exit_status are paragraphs of words."""
    opts, cur = [], None
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not re.match(r"^ {2,6}(-\w, )?--", lines[i]):
        i += 1
    for i in range(i, len(lines)):
        line = lines[i]
        m = re.match(r"^ {2,6}(?:-(\w), )?--([a-z][a-z-]*)(?:=(\S+))?\s*(.*)$",
                     line)
        if m:
            cur = [m.group(2), m.group(1), m.group(3), m.group(4)]
            opts.append(cur)
        elif cur and line.startswith(" " * 30):
            cur[3] += " " + line.strip()
        else:
            break
    rest = "\n".join(lines[i:])
    paras = [" ".join(p.split()) for p in rest.split("\n\n") if p.strip()]
    exit_status = next((p for p in paras if p.startswith("Exit status:")), "")
    notes = [p for p in paras if p != exit_status and not p.startswith("See ")]
    return ([(o[0], o[1], o[2], " ".join(o[3].split())) for o in opts],
            " ".join(notes), exit_status[len("Exit status:"):].strip())


def roff_text(text, arg=None):
    """Plain words to roff: option names bold with escaped minus signs,
    the option's value name italic, nothing that roff would take for a
    request at the start of a line."""
    out = []
    for w in text.split():
        m = re.match(r"^([(]?)(--?[a-z][a-z-]*)(=[A-Z]+)?(.*)$", w)
        if m:
            opt = m.group(2).replace("-", "\\-")
            val = m.group(3)
            w = m.group(1) + "\\fB" + opt + "\\fR"
            if val:
                w += "=\\fI" + val[1:] + "\\fR"
            w += m.group(4)
        elif arg and re.match(r"^" + re.escape(arg) + r"\b", w):
            w = "\\fI" + arg + "\\fR" + w[len(arg):]
        out.append(w)
    lines, line = [], ""
    for w in out:
        if line and len(line) + 1 + len(w) > 72:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        lines.append(line)
    return [("\\&" + l if l[0] in ".'" else l) for l in lines]


def sentences(text):
    """The option's own text, then its Default: and Range: sentences."""
    m = re.search(r" (Default: [^ ].*?\.)(?: (Range: .*\.))?$", text) or \
        re.search(r" ()(Range: .*\.)$", text)
    if not m:
        return text, []
    facts = [f for f in m.groups() if f]
    return text[:m.start()], facts


def option_region(long, short, arg, text):
    tag = (f"\\fB\\-{short}\\fR, " if short else "") + \
        "\\fB\\-\\-" + long.replace("-", "\\-") + "\\fR" + \
        (f"=\\fI{arg}\\fR" if arg else "")
    own, facts = sentences(text)
    own = own[:1].upper() + own[1:]
    body = roff_text(own, arg)
    for f in facts:
        body += roff_text(f, arg)
    return [".TP", tag] + body


def regions(binary):
    opts, notes, exit_status = parse_help(help_text(binary))
    want = {}
    for long, short, arg, text in opts:
        want[long] = option_region(long, short, arg, text)
    if notes:
        want["notes"] = [".PP"] + roff_text(notes)
    want["exit-status"] = roff_text(exit_status[:1].upper() + exit_status[1:])
    return want, [o[0] for o in opts]


def version(binary):
    out = subprocess.run([binary, "--version"], capture_output=True,
                         text=True, check=True).stdout.split()
    return out[-1]


def sync(binary, man, update):
    want, order = regions(binary)
    src = open(man).read().splitlines()
    out, problems, seen, i = [], [], [], 0
    ver = version(binary)
    while i < len(src):
        th = re.match(r'^(\.TH .* "socket-activate )([^"]*)(".*)$', src[i])
        if th:
            if th.group(2) != ver:
                problems.append(f"{man}:{i + 1}: .TH says version "
                                f"{th.group(2)}, --version {ver}")
            out.append(th.group(1) + ver + th.group(3))
            i += 1
            continue
        m = START.match(src[i])
        if not m:
            out.append(src[i])
            i += 1
            continue
        name = m.group(1)
        j = i + 1
        while j < len(src) and src[j] != END:
            j += 1
        if j == len(src):
            problems.append(f"{man}:{i + 1}: region {name} has no end")
            break
        have = src[i + 1:j]
        seen.append(name)
        if name not in want:
            problems.append(f"{man}:{i + 1}: --{name} is not in {binary} --help")
            out += src[i:j + 1]
        else:
            if have != want[name]:
                problems.append(f"{man}:{i + 1}: {name} differs from --help:\n"
                                f"    man:    {' / '.join(have)}\n"
                                f"    --help: {' / '.join(want[name])}")
            out += [src[i]] + want[name] + [END]
        i = j + 1
    for name in want:
        if name not in seen:
            problems.append(f"{man}: no region for {name} (--help has it)")
    opts_seen = [n for n in seen if n in order]
    if opts_seen != [n for n in order if n in opts_seen]:
        problems.append(f"{man}: options are not in --help's order")
    if update:
        open(man, "w").write("\n".join(out) + "\n")
        problems = [p for p in problems if "differs from --help" not in p
                    and ".TH says version" not in p]
    for p in problems:
        print(p)
    return 1 if problems else 0


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("--update", "--check"):
        sys.exit(__doc__)
    sys.exit(sync(sys.argv[2], sys.argv[3], sys.argv[1] == "--update"))


main()
