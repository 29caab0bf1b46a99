#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""benchreport: the report tables of the paired benchmarks.

    benchreport.py echo  SLICES FACTS OUT.md [OUT.csv]   make bench-echo
    benchreport.py httpd SLICES FACTS OUT.md [OUT.csv]   make bench-httpd
    benchreport.py modes SLICES FACTS BASE               make bench, make bench-quick:
        BASE.md (the performance tables), BASE.guide.md and .guide.csv (the
        podman networking guide's table, measured), BASE.summary.csv (per
        mode and metric), BASE.csv (every slice), BASE.dat (the chart's data)

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
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def plain(v):
    """A number for a CSV cell: no exponent, at most 4 decimals, no trailing zeros."""
    t = f"{v:.4f}".rstrip("0").rstrip(".")
    return t if t not in ("", "-0") else "0"


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
        f"ours: {run.get('ours', '?')}; reference: {run.get('reference', '?')}.",
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


# ---- make bench: the network modes and the guide's table ----------------------------

# The guide's rows in its order, then the combination its text describes,
# then ours. Each: the guide's claims as it states them (source address
# preserved, native performance, binding to a specific network device: ✔,
# ✗, or - for no claim; minimum port number, in its words), and the row's
# name. The -o mtu=65520 network is still "pasta + custom network"; the
# combination's claims are the guide's sentence ("to get source address
# preserved and native speed").
GUIDE_ROWS = [
    ("user-service", "✔ ✔ ✔ ip_unprivileged_port_start", "socket activation (systemd user service)"),
    ("system-service", "✔ ✔ ✔ 0", "socket activation (systemd system service with User=)"),
    ("pasta", "✔ ✗ ✔ ip_unprivileged_port_start", "pasta"),
    ("pasta-net", "✗ ✗ ✗ ip_unprivileged_port_start", "pasta + custom network"),
    ("pasta-net-mtu", "✗ ✗ ✗ ip_unprivileged_port_start", "pasta + custom network, -o mtu=65520 (the guide's tip)"),
    ("slirp-slirp4netns", "✔ ✗ ✗ ip_unprivileged_port_start", "slirp4netns + port_handler=slirp4netns"),
    ("slirp-rootlesskit", "✗ ✗ ✗ ip_unprivileged_port_start", "slirp4netns + port_handler=rootlesskit"),
    ("hostnet", "✔ ✔ ✔ ip_unprivileged_port_start", "host"),
    ("act-pasta-net", "✔ ✔ - -", "socket activation + pasta + custom network (the guide's text)"),
    ("host", "- - - -", "not in the guide: no container (the floor)"),
    ("none-root", "- - - -", "not in the guide: socket activation (systemd-socket-activate), rootful"),
    ("none-rootless", "- - - -", "not in the guide: socket activation (systemd-socket-activate), rootless"),
    ("bridge", "- - - -", "not in the guide: rootful bridge"),
]
GUIDE_ORDER = [r[0] for r in GUIDE_ROWS]
GUIDE_CLAIM = {r[0]: r[1].split() for r in GUIDE_ROWS}
GUIDE_NAME = {r[0]: r[2] for r in GUIDE_ROWS}
GUIDE_COLS = ["srclo", "srcns", "native", "bind", "port80"]
GUIDE_HEAD = {
    "srclo": "source address preserved: loopback client (127.0.0.2)",
    "srcns": "source address preserved: client in a network namespace (veth)",
    "native": "native performance: TCP bulk and 50-conn ping-pong ≥ 0.95× the floor, by the 95% interval "
              "of paired ratios (UDP beside)",
    "bind": "binding to a specific device (or address); a connection to another local address refused",
    "port80": "port 80, rootless, ip_unprivileged_port_start unchanged",
}
# Modes whose UDP replies cannot come back, with the known cause (the
# smoke test accepts a missing UDP figure only where a cause is stated).
UDP_NONE_WHY = {
    "slirp-slirp4netns": "podman runs slirp4netns with --disable-host-loopback, and the reply's destination "
                         "is the host's loopback (podman issue #4586)",
}
FLOOR_NAME = {"host": "the host's floor", "lab-floor": "the lab's floor"}
# The paired tests: key, test, unit, scale of the rate, decimals.
MODE_METRICS = [
    ("bulk_gbps", "bulk", "Gbit/s", 8 / 1000),
    ("pp1_rps", "pp1", "rt/s", 1),
    ("pp50_rps", "pp50", "rt/s", 1),
    ("udp_dps", "udp", "datagrams/s", 1),
    ("http_rps", "small", "req/s", 1),
    ("http_big", "big", "MB/s", 1),
]
VERDICT_TESTS = ("bulk", "pp50", "udp")
CUT = "echoed_"


class Modes:
    """Everything the modes report needs, computed once from slices and facts."""

    def __init__(self, slices, facts):
        self.slices, self.facts = slices, facts
        self.run = facts.get("run", {})
        self.modes = self.run.get("modes", "").split()
        self.aa = {t: ps.estimate(ps.ratios(slices, "aa", t)) for t in VERDICT_TESTS}
        self.aa_tests = [t for t, e in self.aa.items() if e.n or ps.attempts(slices, "aa", t)]
        self.aa_failed = [t for t in self.aa_tests if not ps.contains_one(self.aa[t])]
        self.aa_ok = bool(self.aa_tests) and not self.aa_failed

    def f(self, mode, key, default=""):
        return self.facts.get(mode, {}).get(key, default)

    def status(self, m):
        if self.f(m, "skipped"):
            return "skipped: " + self.f(m, "skipped")
        if self.f(m, "fail"):
            measured = any(s.series == m and not s.failed for s in self.slices)
            return ("partly failed: " if measured else "failed: ") + self.f(m, "fail")
        return "ok"

    def ran(self, m):
        return not self.f(m, "skipped")

    def where(self, m):
        return self.f(m, "loc") or {"lab-floor": "lab", "aa": "host"}.get(m, "?")

    def floor(self, m):
        return self.f(m, "floor") or ("host" if self.where(m) == "host" else "lab-floor")

    def est(self, m, test, metric="rate"):
        return ps.estimate(ps.ratios(self.slices, m, test, metric))

    def own(self, m, test, metric="rate"):
        """The mode's own values: its B slices; for a floor, its A slices in
        every series paired with it."""
        if m in FLOOR_NAME:
            series = {s.series for s in self.slices if s.server == m and s.arm == "A"}
            vals = [v for ser in sorted(series) for v in ps.arm_values(self.slices, ser, test, "A", metric)]
        else:
            vals = ps.arm_values(self.slices, m, test, "B", metric)
        return ps.median(vals) if vals else None

    def cuts(self, m):
        """(streams cut short, bulk streams tried, first cut's 'got of total') of a mode's bulk slices."""
        mine = [s for s in self.slices if s.test == "bulk" and s.server == m]
        cut = [s for s in mine if s.failed and CUT in s.f["failed"]]
        first = ""
        if cut:
            w = cut[0].f["failed"].split("_")
            try:
                i = w.index("echoed")
                first = f"{w[i + 1]} of {w[i + 3]} bytes"
            except (ValueError, IndexError):
                first = cut[0].f["failed"]
        return len(cut), len(mine), first

    def verdict_of(self, m, test):
        """(mark, figure) of one paired test: ✔, ✗, inconclusive or n/a."""
        e = self.est(m, test)
        name = {"bulk": "bulk", "pp50": "ping-pong", "udp": ""}[test]
        if e.n == 0:
            return "n/a", None
        fig = (name + " " if name else "") + ratio_text(e)
        if not self.aa_ok:
            return "n/a", fig
        return mark_of(ps.verdict(e)), fig

    # -- the guide's native-performance cells
    def native(self, m):
        """{tcp: (mark, figure), udp: (mark, figure)}"""
        if m == "host":
            return {"tcp": ("n/a", "the floor itself"), "udp": ("n/a", "the floor itself")}
        if not self.aa_ok:
            why = ("not judged: the A/A self-check failed (" + ", ".join(self.aa_failed) + " without 1.00)"
                   if self.aa_tests else "not judged: no A/A self-check in this run")
        out = {}
        vb, fb = self.verdict_of(m, "bulk")
        vp, fp = self.verdict_of(m, "pp50")
        figs = "; ".join(x for x in (fb, fp) if x)
        cut, tried, _ = self.cuts(m)
        if cut:
            figs += f"{'; ' if figs else ''}bulk cut short in {cut} of {tried} streams"
        if not self.aa_ok:
            out["tcp"] = ("n/a", f"{figs}; {why}" if figs else why)
        elif fb is None or fp is None:
            missing = " and ".join(n for n, x in (("bulk", fb), ("ping-pong", fp)) if x is None)
            out["tcp"] = ("n/a", f"{figs + '; ' if figs else ''}no {missing} figure: {self.status(m)}")
        elif "✗" in (vb, vp):
            out["tcp"] = ("✗", figs)
        elif vb == vp == "✔":
            out["tcp"] = ("✔", figs)
        else:
            out["tcp"] = ("inconclusive", figs)
        vu, fu = self.verdict_of(m, "udp")
        udp_text = self.f(m, "udp")
        if fu is not None:
            out["udp"] = (vu if self.aa_ok else "n/a", fu if self.aa_ok else f"{fu}; {why}")
        elif udp_text == "no replies":
            out["udp"] = ("✗", "no replies")
        else:
            out["udp"] = ("n/a", udp_text or "no UDP figure")
        return out

    def cell_marks(self, m, col):
        """{proto: (mark, figure)} of one guide column."""
        if col == "native":
            return self.native(m)
        out = {}
        for p in ("tcp", "udp"):
            if self.run.get("probes", "1") == "0":
                out[p] = ("n/a", "not probed (BENCH_PROBES=0)")
            else:
                out[p] = (self.f(m, f"probe.{col}.{p}.mark", "n/a"),
                          self.f(m, f"probe.{col}.{p}.figure", "not measured"))
        return out


def claim_of(m, col):
    """(claim ✔|✗|-, its words) of the guide for mode m and column col."""
    c = GUIDE_CLAIM[m]
    if col in ("srclo", "srcns"):
        return c[0], c[0]
    if col == "native":
        return c[1], c[1]
    if col == "bind":
        return c[2], c[2]
    return {"0": ("✔", "0"), "ip_unprivileged_port_start": ("✗", "ip_unprivileged_port_start")}.get(c[3], ("-", "-"))


def short(text, limit=110):
    """At most limit characters, for a table cell (the CSV keeps it all)."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def guide_cell(M, m, col):
    """(the Markdown cell, agrees: yes|no|-) of mode m's column col."""
    claim, words = claim_of(m, col)
    marks = M.cell_marks(m, col)
    parts, disagree, measured = [], False, False
    for p in ("tcp", "udp"):
        mark, fig = marks[p]
        fig = fig if col == "native" else short(fig)
        if mark in ("n/a", "inconclusive"):
            parts.append(f"{p} {mark}: {fig}")
        else:
            measured = True
            parts.append(f"{p} {mark} {fig}")
            if claim != "-" and mark != claim:
                disagree = True
    if marks["tcp"] == marks["udp"]:
        text = "tcp+udp " + parts[0][4:]
    else:
        text = parts[0] + " · " + parts[1]
    if claim == "-":
        return text + " (guide: no claim)", "-"
    if not measured:
        return text + f" (guide: {words})", "-"
    if disagree:
        return text + f" (guide: {words}) **⚠ disagrees**", "no"
    return text + f" (guide: {words})", "yes"


def label(M, m):
    if m == "host":
        return "host (floor)"
    if m == "aa":
        return "A/A check (floor/floor)"
    if m == "lab-floor":
        return "lab floor (lab)"
    return f"{m} (lab)" if M.where(m) == "lab" else m


def aa_lines(M):
    """The A/A self-check, printed first."""
    if not M.aa_tests:
        return ["**A/A self-check: not run** (nothing was measured): no native-performance verdicts."]
    names = {"bulk": "TCP bulk", "pp50": "ping-pong 50 conns", "udp": "UDP"}
    figs = "; ".join(f"{names[t]} {ratio_text(M.aa[t])}" for t in M.aa_tests)
    if M.aa_ok:
        return [f"**A/A self-check passed**: the host's floor against a second, identical activation of it, "
                f"measured the same way: {figs}. Every interval holds 1.00."]
    return [f"**A/A self-check FAILED: no native-performance verdicts in this run.** The host's floor against a "
            f"second, identical activation of it: {figs}; without 1.00: {', '.join(names[t] for t in M.aa_failed)}. "
            "The machine was too noisy for the method (or something differed between the two): rerun."]


def bulk_cut_line(M):
    parts = []
    for m in M.modes + ["lab-floor"]:
        cut, tried, _ = M.cuts(m)
        if tried:
            lo, hi = ps.rate_ci(cut, tried)
            parts.append(f"{label(M, m)} {cut} of {tried}" + (f" ({lo:.0%} to {hi:.0%})" if cut else ""))
    if not parts:
        return None
    first = M.cuts("pasta")[2]
    return (f"- Echo streams cut short (a half-closed {M.run.get('bulk', '?')} bulk echo ending in a clean EOF "
            f"before its last byte; the pasta fault, see BENCHMARKS.md): {', '.join(parts)}. "
            f"passt {M.run.get('passt', 'not installed')}." + (f" pasta: {first}." if first else ""))


def run_header(M, title):
    r = M.run
    out = [f"## {title} ({r.get('stamp', '')}, {r.get('kind', '')})", ""]
    out.append(f"{r.get('git', 'git ?')}; images: {r.get('images', '?')}.")
    out.append(f"Host: {r.get('machine', '?')}. Load average before {r.get('load_before', '?')}, "
               f"after {r.get('load_after', '?')}.")
    if r.get("lab"):
        out.append(f"Lab (modes marked lab): Debian 13 in a privileged podman container on the same kernel: "
                   f"{r['lab']}.")
    out.append(f"{r.get('pinning', '')}. Paired slices, each mode (B) alternating with the floor of the place it "
               f"runs (A: A B B A ...): {r.get('settings', '')}. Measured in {r.get('elapsed', '?')}.")
    return out


def modes_report(slices, facts):
    M = Modes(slices, facts)
    run = M.run
    shown = [m for m in M.modes if M.ran(m)]
    for fl in ("lab-floor",):
        if any(s.server == fl for s in slices) and fl not in shown:
            shown.append(fl)
    md = run_header(M, "bench-modes")
    md[2:2] = aa_lines(M) + [""]
    md += ["", (
        "Native performance: each mode over its floor, the median of the paired ratios with its 95% interval and "
        "the number of pairs. ✔ when the interval's lower end is at least 0.95, ✗ when its upper end is below "
        "0.95, else inconclusive."), ""]
    rows = []
    for m in shown:
        if m in FLOOR_NAME:
            continue
        cells = []
        for t in VERDICT_TESTS:
            v, fig = M.verdict_of(m, t)
            if fig is None:
                cells.append(M.f(m, "udp") or "n/a" if t == "udp" else "n/a")
            else:
                e = M.est(m, t)
                cells.append(ratio_text(e) + (f" {v}" if M.aa_ok and e.has_interval else ""))
        nat = M.native(m)
        verdict = f"tcp {nat['tcp'][0]} · udp {nat['udp'][0]}" if M.aa_ok else "not judged: the A/A check failed"
        rows.append([label(M, m), M.where(m), FLOOR_NAME.get(M.floor(m), M.floor(m))] + cells + [verdict])
    md.append(md_table(["mode", "where", "paired with", "TCP bulk", f"ping-pong {run.get('pp_conns', 50)} conns",
                        "UDP 50 sockets", "verdict"], rows))
    md += ["", "Each mode's own figures (median of its slices) and, in brackets, its ratio to its floor "
               "[95% interval] and pairs (the HTTP and 1-connection figures come from fewer pairs):", ""]
    rows = []
    for m in shown:
        cells = []
        for key, test, unit, scale in MODE_METRICS:
            v = M.own(m, test)
            if v is None:
                cells.append("none: " + M.f(m, "udp") if test == "udp" and M.f(m, "udp") else "n/a")
                continue
            c = number(v * scale)
            if m not in FLOOR_NAME:
                e = M.est(m, test)
                if e.n:
                    c += f" ({ratio_text(e)})"
            cells.append(c)
        rows.append([label(M, m), M.where(m)] + cells)
    md.append(md_table(["mode", "where", "TCP bulk Gbit/s", "ping-pong 1 conn rt/s",
                        f"ping-pong {run.get('pp_conns', 50)} conns rt/s", "UDP 50 socks datagrams/s",
                        "HTTP 612 B req/s", "HTTP 1 MiB MB/s"], rows))
    md += [""]
    rows = []
    for m in shown:
        lat = []
        for t in ("pp1", "pp50"):
            p50, p99 = M.own(m, t, "p50"), M.own(m, t, "p99")
            lat.append(f"{number(p50)} / {number(p99)}")
        p99 = M.own(m, "small", "p99")
        rows.append([label(M, m)] + lat + [number(p99 / 1000) if p99 is not None else "n/a",
                                          M.f(m, "cold_ms", "n/a"), M.f(m, "src", "n/a"), M.f(m, "srv_cpus", "?")])
    md.append(md_table(["mode", "ping-pong 1 conn p50 / p99 µs (median of slices)",
                        f"ping-pong {run.get('pp_conns', 50)} conns p50 / p99 µs", "HTTP 612 B p99 ms",
                        "cold start ms (one sample)", "server saw the client's address", "server CPUs"], rows))
    md.append("")
    for m in M.modes + ["lab-floor"]:
        st = M.status(m)
        if st != "ok" and (m != "lab-floor" or M.f(m, "fail")):
            md.append(f"- **{label(M, m)}** {st}")
        if M.f(m, "note"):
            md.append(f"- {label(M, m)}: {M.f(m, 'note')}")
        udp = M.f(m, "udp")
        if udp and m in M.modes:
            why = f" (known: {UDP_NONE_WHY[m]})" if m in UDP_NONE_WHY else ""
            md.append(f"- {label(M, m)}: UDP: {udp}{why}")
        if M.f(m, "busy"):
            md.append(f"- {label(M, m)}: CPUs 0/1 were busy with other work before it: {M.f(m, 'busy')} "
                      "(pairing cancels what is slow; a busy machine widens the intervals)")
        for s in [s for s in slices if s.series == m and s.failed and CUT not in s.f["failed"]][:3]:
            md.append(f"- {label(M, m)}: a {s.test} slice of {s.server} failed (pair {s.pair}): "
                      + s.f["failed"].replace("_", " "))
    cl = bulk_cut_line(M)
    if cl:
        md.append(cl)
    md += ["", "Cold start: activation modes, first connection to its first echoed byte with nothing running; "
               "listen modes, podman run -d to the first echoed byte (polled: a few ms coarser). One sample each."]
    return M, "\n".join(md) + "\n"


def guide_report(M):
    run = M.run
    out = [f"## The podman networking guide's overview table, measured ({run.get('stamp', '')}, "
           f"{run.get('kind', '')})", ""]
    out += aa_lines(M) + [""]
    out.append(f"Host: {run.get('machine', '?')}; ip_unprivileged_port_start {run.get('unpriv_host', '?')}.")
    if run.get("lab"):
        out.append(f"Lab (rows marked lab): Debian 13 in a privileged podman container on the same kernel: "
                   f"{run['lab']}; ip_unprivileged_port_start {run.get('unpriv_lab', '?')}.")
    out.append(f"Native performance from paired slices against the floor of the place each row runs "
               f"({run.get('settings', '')}); the other columns probed once. Each cell: TCP and UDP, ✔ or ✗ with "
               f"what was measured (or inconclusive, with the interval), then the guide's claim; **⚠ disagrees** "
               f"where they differ.")
    out.append("")
    rows, csv_rows = [], []
    for m in GUIDE_ORDER:
        if m not in M.modes:
            continue
        name = GUIDE_NAME[m]
        if not M.ran(m):
            why = M.f(m, "skipped")
            rows.append([name, f"`{m}`, {M.where(m)}: **not run here**: {why}"]
                        + [f"— (guide: {claim_of(m, c)[1].replace('-', 'no claim')})" for c in GUIDE_COLS])
            for c in GUIDE_COLS:
                csv_rows.append([name, m, M.where(m), c, "", "not run", why, claim_of(m, c)[0], "-"])
            continue
        here = f"`{m}`, {M.where(m)}"
        if m != "host":
            here += f", paired with {FLOOR_NAME.get(M.floor(m), M.floor(m))}"
        cells = []
        for c in GUIDE_COLS:
            text, agrees = guide_cell(M, m, c)
            cells.append(text)
            for p, (mark, fig) in M.cell_marks(m, c).items():
                csv_rows.append([name, m, M.where(m), c, p, mark, fig, claim_of(m, c)[0], agrees])
        rows.append([name, here] + cells)
    out.append(md_table(["method (the guide's row)", "here"] + [GUIDE_HEAD[c] for c in GUIDE_COLS], rows))
    out.append("")
    cl = bulk_cut_line(M)
    if cl:
        out.append(cl)
    for m in GUIDE_ORDER:
        if m in M.modes and M.f(m, "udp") == "no replies":
            why = f" (known: {UDP_NONE_WHY[m]})" if m in UDP_NONE_WHY else ""
            out.append(f"- `{m}`: no UDP reply came back in the benchmark{why}.")
    out += ["", "How to read it:",
            "- Source address: what the echo server logged for the probe's message. The guide's claim is about "
            "clients on the network; a loopback client is a special case (user-space forwarders answer it from "
            "their own address), so both are shown, and both are compared with the claim.",
            "- Native performance: the mode and its floor (`host`: the image's server binary under "
            "systemd-socket-activate, no container; in the lab, the same there) alternate in short slices; each "
            "pair gives one ratio, and the cell shows their median with its 95% interval and the number of pairs. "
            "✔ when the interval's lower end is at least 0.95, ✗ when its upper end is below 0.95 (for TCP: "
            "either bulk or ping-pong), inconclusive otherwise. No verdicts at all when the A/A self-check "
            "(first line) failed.",
            "- Binding: \"device\" where the mode can bind a listening socket to an interface (SO_BINDTODEVICE: "
            "BindToDevice= in a socket unit, pasta's ADDRESS%INTERFACE); \"address\" where it can only bind an "
            "interface's address (-l, -p, --listen). The guide's column is about devices; binding an address is "
            "what the others offer.",
            "- Port 80: set up as the rootless user with ip_unprivileged_port_start as shown above; rootful rows "
            "are not asked. The guide's \"ip_unprivileged_port_start\" means: not below it, so ✗ for port 80 at "
            "the default 1024; its \"0\" means any port, ✔.",
            "- Full figures (every error message uncut): the guide CSV of this run."]
    return "\n".join(out) + "\n", (["row", "mode", "where", "column", "protocol", "measured", "figure", "guide",
                                     "agrees"], csv_rows)


def modes_summary(M):
    """summary.csv: per mode and metric, its own median, and its ratio to its floor with the interval."""
    header = ["mode", "where", "floor", "metric", "unit", "median", "pairs", "ratio", "lo", "hi", "verdict"]
    rows = []
    shown = list(M.modes) + (["lab-floor"] if any(s.server == "lab-floor" for s in M.slices) else [])
    for m in shown:
        fl = "" if m in FLOOR_NAME else M.floor(m)
        base = [m, M.where(m) if m != "lab-floor" else "lab", fl]
        rows.append(base + ["status", "", M.status(m).replace(",", ";"), "", "", "", "", ""])
        if not M.ran(m):
            continue
        for key, test, unit, scale in MODE_METRICS:
            v = M.own(m, test)
            if v is None:
                continue
            e = M.est(m, test) if m not in FLOOR_NAME else ps.Estimate(n=0)
            f = est_fields(e)
            verdict = ps.verdict(e) if test in VERDICT_TESTS and e.n and M.aa_ok else ""
            rows.append(base + [key, unit, plain(v * scale), f[0], f[1], f[2], f[3], verdict])
        for test, key in (("pp1", "pp1"), ("pp50", "pp50")):
            for q in ("p50", "p99"):
                v = M.own(m, test, q)
                if v is not None:
                    rows.append(base + [f"{key}_{q}", "us", plain(v), "", "", "", "", ""])
        v = M.own(m, "small", "p99")
        if v is not None:
            rows.append(base + ["http_p99", "ms", plain(v / 1000), "", "", "", "", ""])
        if M.f(m, "cold_ms"):
            rows.append(base + ["cold_ms", "ms", M.f(m, "cold_ms"), "1", "", "", "", ""])
        cut, tried, _ = M.cuts(m)
        if tried:
            rows.append(base + ["bulk_cut", "streams", str(cut), str(tried), "", "", "", ""])
        for k in ("src", "srv_cpus", "udp", "note", "busy", "fail"):
            if M.f(m, k):
                rows.append(base + [k, "", M.f(m, k).replace(",", ";"), "", "", "", "", ""])
    return header, rows


def modes_raw(slices):
    """Every slice's values: series, pair, arm, server, test, metric, value (failed: the reason)."""
    rows = []
    for s in slices:
        if s.failed:
            rows.append([s.series, s.pair, s.arm, s.server, s.test, "failed", s.f["failed"]])
            continue
        for metric in ("rate", "cpu", "p50", "p99"):
            v = ps.metric(s, metric)
            if v is not None:
                rows.append([s.series, s.pair, s.arm, s.server, s.test, metric, plain(v)])
    return ["series", "pair", "arm", "server", "test", "metric", "value"], rows


def modes_dat(M):
    """The chart's data: per mode, the ratio to its floor with its interval, per paired test."""
    lines = ["# label group bulk lo hi pp50 lo hi udp lo hi http lo hi big lo hi pp1 lo hi"]
    # The A/A check first: the scale of the noise, beside every mode.
    for m in ["aa"] + M.modes:
        if m != "aa" and (not M.ran(m) or m == "host"):
            continue
        if not any(s.series == m and not s.failed for s in M.slices):
            continue
        g = (6 if m == "aa" else 1 if m.startswith(("none-", "act-")) or m.endswith("-service")
             else 2 if m.startswith("pasta") else 3 if m.startswith("slirp-") else 4 if m == "bridge" else 5)
        vals = []
        for test in ("bulk", "pp50", "udp", "small", "big", "pp1"):
            e = M.est(m, test)
            if e.n == 0:
                vals += ["NaN"] * 3
            elif e.has_interval:
                vals += [f"{e.median:.4f}", f"{e.lo:.4f}", f"{e.hi:.4f}"]
            else:
                vals += [f"{e.median:.4f}"] * 3
        lines.append(f'"{label(M, m)}" {g} ' + " ".join(vals))
    return "\n".join(lines) + "\n"


def modes_files(slices, facts, base):
    """Writes BASE.md, .guide.md, .guide.csv, .summary.csv, .csv, .dat."""
    M, md = modes_report(slices, facts)
    gmd, (gh, grows) = guide_report(M)
    with open(base + ".md", "w", encoding="utf-8") as fh:
        fh.write(md)
    with open(base + ".guide.md", "w", encoding="utf-8") as fh:
        fh.write(gmd)
    # Commas inside a field become ';', as before: these files are read
    # with awk -F, and cut as often as with a CSV parser.
    write_csv(base + ".guide.csv", gh, [[str(c).replace(",", ";") for c in r] for r in grows])
    sh, srows = modes_summary(M)
    write_csv(base + ".summary.csv", sh, [[str(c).replace(",", ";") for c in r] for r in srows])
    write_csv(base + ".csv", *modes_raw(slices))
    with open(base + ".dat", "w", encoding="utf-8") as fh:
        fh.write(modes_dat(M))


# ---- command line ------------------------------------------------------------------------

REPORTS = {"echo": echo_report, "httpd": httpd_report}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 4 and argv[0] == "modes":
        modes_files(ps.read_log(argv[1]), read_facts(argv[2]), argv[3])
        return 0
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
