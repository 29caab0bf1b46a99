#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""benchreport: the report tables of the paired benchmarks.

    benchreport.py echo  SLICES FACTS OUT.md [OUT.csv]   make bench-echo
    benchreport.py httpd SLICES FACTS OUT.md [OUT.csv]   make bench-httpd

SLICES is the slice log of a run (see pairstats.py); FACTS holds what the
run knew besides numbers, one "scope<TAB>key<TAB>value" line each (scope
"run" for the run, else a server or mode): versions, machine, settings,
single observations such as RSS. Every ratio is printed with its 95%
interval and the number of pairs behind it; a figure without an interval
says why it has none.
"""

import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pairstats as ps  # noqa: E402


# ---- formatting -----------------------------------------------------------------

def grouped(v, decimals=0):
    """1234567.8 -> '1,234,568' (decimals 0) or '1,234,567.80'."""
    return f"{v:,.{decimals}f}"


def decimals_for(v):
    """Enough decimals for three significant digits, none for large values."""
    a = abs(v)
    if a >= 100:
        return 0
    if a >= 10:
        return 1
    if a >= 1:
        return 2
    return 3


def number(v):
    return "n/a" if v is None else grouped(v, decimals_for(v))


def ratio_text(e, unit="×"):
    """'0.87× [0.84, 0.92], 16 pairs', or why there is no interval."""
    if e.n == 0:
        return "no complete pair"
    if not e.has_interval:
        return f"{e.median:.2f}{unit}, {e.n} pair{'s' if e.n != 1 else ''} (too few for an interval)"
    return f"{e.median:.2f}{unit} [{e.lo:.2f}, {e.hi:.2f}], {e.n} pairs"


def mark_of(v):
    return {ps.PASS: "✔", ps.FAIL: "✗", ps.INCONCLUSIVE: "inconclusive"}[v]


def read_facts(path):
    """{scope: {key: value}} from scope<TAB>key<TAB>value lines (later lines win)."""
    facts = {}
    if path and os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t", 2)
                if len(parts) == 3:
                    facts.setdefault(parts[0], {})[parts[1]] = parts[2]
    return facts


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def est_fields(e):
    """CSV fields of an estimate: pairs, median, lo, hi."""
    f = (lambda v: "" if v is None else f"{v:.4f}")
    return [e.n, f(e.median), f(e.lo), f(e.hi)]


# ---- a paired comparison, as table rows --------------------------------------------

class Comparison:
    """The rows of one series: per (test, metric), both arms' medians and the
    ratio B/A with its interval."""

    def __init__(self, slices, series):
        self.slices = slices
        self.series = series

    def est(self, test, metric="rate"):
        return ps.estimate(ps.ratios(self.slices, self.series, test, metric))

    def arm(self, test, arm, metric="rate"):
        v = ps.arm_values(self.slices, self.series, test, arm, metric)
        return ps.median(v) if v else None

    def failures(self, test):
        return [s for s in self.slices if s.series == self.series and s.test == test and s.failed]


# ---- make bench-echo ------------------------------------------------------------------

ECHO_TESTS = [
    # test, what, rate unit, cpu unit
    ("tcp_bulk", "TCP bulk echo", "MB/s", "server CPU ms per MB"),
    ("tcp_pp1", "TCP ping-pong, 1 connection", "round trips/s", "server CPU µs per round trip"),
    ("tcp_pp50", "TCP ping-pong, 50 connections", "round trips/s", "server CPU µs per round trip"),
    ("unix_bulk", "Unix stream bulk echo", "MB/s", "server CPU ms per MB"),
    ("unix_pp50", "Unix ping-pong, 50 connections", "round trips/s", "server CPU µs per round trip"),
    ("udp", "UDP, 50 sockets", "datagrams/s", "server CPU µs per datagram"),
]


def echo_report(slices, facts):
    run = facts.get("run", {})
    c = Comparison(slices, "echo")
    rows, csv_rows = [], []
    for test, what, runit, cunit in ECHO_TESTS:
        for metric, unit in (("rate", runit), ("cpu", cunit)):
            e = c.est(test, metric)
            if e.n == 0 and not c.failures(test):
                continue
            rows.append([what, unit, number(c.arm(test, "B", metric)), number(c.arm(test, "A", metric)),
                         ratio_text(e)])
            csv_rows.append([test, metric, unit, c.arm(test, "B", metric), c.arm(test, "A", metric)]
                            + est_fields(e))
        for s in c.failures(test)[:3]:
            rows.append([what, "failed slice", s.server, f"pair {s.pair}", s.f["failed"].replace("_", " ")])
    for key, what in (("rss_idle", "RSS idle (kB)"), ("rss_1000", "RSS with 1,000 idle TCP connections (kB)")):
        o, r = facts.get("ours", {}).get(key), facts.get("ref", {}).get(key)
        if o and r:
            rows.append([what, "one sample each", grouped(float(o)), grouped(float(r)),
                         f"{float(o) / float(r):.2f}× (memory: no interval, not a rate)"])
    head = [
        f"## bench-echo {run.get('stamp', '')}",
        "",
        f"ours: {run.get('ours', '?')}; reference: {run.get('reference', '?')} (a bare epoll loop: 64 KiB reads, up to 16 per wake-up).",
        f"{run.get('pinning', '')}. Load average before {run.get('load_before', '?')}, after {run.get('load_after', '?')}.",
        f"Paired slices, alternating ours and the reference (A B B A ...): bulk {run.get('bulk', '?')} per slice, "
        f"ping-pong and UDP {run.get('secs', '?')} s; {run.get('rule', '')}. Measured in {run.get('elapsed', '?')}.",
        "Ratio = ours / reference per pair; the median of the pairs with its distribution-free 95% interval. "
        "Rates: higher is better; CPU per unit of work: lower is better.",
        "",
    ]
    md = "\n".join(head) + "\n" + md_table(["test", "metric", "ours (median)", "reference (median)",
                                     "ours / reference [95% CI], pairs"], rows) + "\n"
    return md, (["test", "metric", "unit", "ours_median", "reference_median", "pairs", "ratio", "lo", "hi"],
                csv_rows)


# ---- make bench-httpd -------------------------------------------------------------------

# Each series pairs ours (access log on, B) with a reference (A).
HTTPD_SERIES = [
    ("lighttpd", "lighttpd"),
    ("nginx", "nginx"),
    ("floor", "the floor (a fixed response from memory)"),
    ("ours-nolog", "ours without its access log (the log's cost)"),
]
HTTPD_ROWS = [
    ("small", "rate", "612 B file: requests/s"),
    ("small", "cpu", "612 B file: server CPU µs per request"),
    ("big", "rate", "1 MiB file: MB/s"),
    ("big", "cpu", "1 MiB file: server CPU ms per MB"),
]


def httpd_report(slices, facts):
    run = facts.get("run", {})
    rows, csv_rows, notes = [], [], []
    for ref, name in HTTPD_SERIES:
        series = "ours/" + ref
        if not any(s.series == series for s in slices):
            why = facts.get(ref, {}).get("skipped") or facts.get("ours", {}).get("skipped")
            if why:
                notes.append(f"- ours against {name}: not measured: {why}")
            continue
        c = Comparison(slices, series)
        for test, metric, what in HTTPD_ROWS:
            e = c.est(test, metric)
            if e.n == 0 and not c.failures(test):
                continue
            rows.append([name, what, number(c.arm(test, "B", metric)), number(c.arm(test, "A", metric)),
                         ratio_text(e)])
            csv_rows.append([ref, test, metric, c.arm(test, "B", metric), c.arm(test, "A", metric)]
                            + est_fields(e))
            for s in c.failures(test)[:2]:
                notes.append(f"- ours against {name}, {what}, pair {s.pair}, {s.server}: failed: "
                             + s.f["failed"].replace("_", " "))
    log = Comparison(slices, "ours/ours-nolog").est("small", "cpu")
    if log.has_interval:
        verdict = ("above" if log.lo > 1.10 else "at most" if log.hi <= 1.10 else "not resolved against")
        notes.append(f"- The access log's cost, CPU per request with the log over without: {ratio_text(log)}: "
                     f"{verdict} the 10% budget.")
    mem = []
    for server in ("floor", "ours", "ours-nolog", "lighttpd", "nginx"):
        f = facts.get(server, {})
        if "rss_idle" in f:
            mem.append([server, f.get("version", ""), f["rss_idle"], f.get("rss_anon", "?"),
                        f.get("rss_load", "?")])
    head = [
        f"## bench-httpd {run.get('stamp', '')}",
        "",
        f"{run.get('pinning', '')}. wrk {run.get('wrk', '')}. Load average before {run.get('load_before', '?')}, "
        f"after {run.get('load_after', '?')}.",
        f"Paired slices of {run.get('secs', '?')} s, ours (access log on, to a file) alternating with each "
        f"reference (A B B A ...); {run.get('rule', '')}. Measured in {run.get('elapsed', '?')}.",
        "Ratio = ours / the reference per pair; the median of the pairs with its distribution-free 95% interval. "
        "Rates: higher is better; CPU per unit of work: lower is better.",
        "",
    ]
    md = "\n".join(head) + "\n" + md_table(["ours against", "metric", "ours (median)", "reference (median)",
                                     "ours / reference [95% CI], pairs"], rows) + "\n"
    if notes:
        md += "\n" + "\n".join(notes) + "\n"
    if mem:
        md += "\nMemory (one sample each, after one request; after the load):\n\n" + md_table(
            ["server", "version", "RSS idle (kB)", "of it private, RssAnon (kB)", "RSS after load (kB)"], mem) + "\n"
    return md, (["reference", "test", "metric", "ours_median", "reference_median", "pairs", "ratio", "lo", "hi"],
                csv_rows)


# ---- command line ------------------------------------------------------------------------

REPORTS = {"echo": echo_report, "httpd": httpd_report}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 4 or argv[0] not in REPORTS:
        print(__doc__, file=sys.stderr)
        return 2
    kind, log, facts_path, out_md = argv[:4]
    md, (header, rows) = REPORTS[kind](ps.read_log(log), read_facts(facts_path))
    with open(out_md, "w", encoding="utf-8") as fh:
        fh.write(md)
    if len(argv) > 4:
        write_csv(argv[4], header, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
