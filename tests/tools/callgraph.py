#!/usr/bin/env python3
"""Which file of a module calls functions defined in which, from the
object files (nm): the module's call graph at file level, and its cycles.

    callgraph.py [--check ORDER] OBJ...

Prints one line per file, "file -> callee (function, ...)", for calls
between the files given (calls into libraries and other directories are
left out), then "cycles: none" or each cycle found.

--check ORDER: ORDER is the files from top to bottom, comma-separated
("main,httpd,client,..."); exits 1 when a file calls one above it or the
graph has a cycle, 0 when every call goes down. Files not in ORDER may
not be called by files in it, nor call them.
"""
import os
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", obj], check=True, capture_output=True,
                         text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDRB":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
    return defined, used


def cycles(edges):
    found, seen = [], set()

    def walk(node, path):
        if node in path:
            cyc = path[path.index(node):]
            key = frozenset(cyc)
            if key not in seen:
                seen.add(key)
                found.append(cyc + [node])
            return
        for nxt in sorted(edges.get(node, ())):
            walk(nxt, path + [node])

    for n in sorted(edges):
        walk(n, [])
    return found


def main(argv):
    order = None
    if argv and argv[0] == "--check":
        order = argv[1].split(",")
        argv = argv[2:]
    files = {os.path.splitext(os.path.basename(o))[0]: symbols(o) for o in argv}
    owner = {}
    for f, (defined, _) in files.items():
        for s in defined:
            owner[s] = f
    edges = {}
    for f, (_, used) in sorted(files.items()):
        calls = {}
        for s in sorted(used):
            g = owner.get(s)
            if g and g != f:
                calls.setdefault(g, []).append(s)
        edges[f] = set(calls)
        for g in sorted(calls):
            print("%s -> %s (%s)" % (f, g, ", ".join(calls[g])))
    cyc = cycles(edges)
    print("cycles: " + ("none" if not cyc else
                        "; ".join(" -> ".join(c) for c in cyc)))
    if order is None:
        return 0
    bad = bool(cyc)
    rank = {f: i for i, f in enumerate(order)}
    for f in sorted(edges):
        for g in sorted(edges[f]):
            if f not in rank or g not in rank:
                print("not in the order: %s -> %s" % (f, g))
                bad = True
            elif rank[g] <= rank[f]:
                print("calls upward: %s -> %s" % (f, g))
                bad = True
    return 1 if bad else 0


sys.exit(main(sys.argv[1:]))
