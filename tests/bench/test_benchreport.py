#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Unit tests of tests/bench/benchreport.py: what the report tables say, on
synthetic runs (no timing). Run one with:
python3 -B tests/bench/test_benchreport.py Class.test_name
(tests/46-bench-stats.bats runs each as a bats test)."""

import csv
import math
import os
import random
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchreport as br  # noqa: E402
import pairstats as ps  # noqa: E402

FIELD = {"bulk": "recv_MBps", "pp50": "rtt_per_s", "udp": "dgrams_per_s", "pp1": "rtt_per_s"}
FIELD.update({"tcp_bulk": "recv_MBps", "tcp_pp50": "rtt_per_s"})


def series_lines(series, floor, mode, test, ratio, n, seed, noise=0.01):
    """n ABBA pairs of series: the floor (A) and the mode (B) at ratio, under
    a slow drift of ±40%."""
    rng = random.Random(seed)
    phase = rng.uniform(0, 6.3)
    out = []
    for p in range(n):
        order = "AB" if ps.first_arm(p) == "A" else "BA"
        for i, arm in enumerate(order):
            speed = 1 + 0.4 * math.sin(phase + (2 * p + i) / 12)
            v = 1000 * speed * (ratio if arm == "B" else 1) * rng.gauss(1, noise)
            server = floor if arm == "A" else mode
            if test in ("small", "big"):
                fields = f"requests={int(v * 100)} duration_us=1000000 bytes={int(v * 100 * 700)} p50_us=300 p99_us=900 errors=0"
            else:
                fields = f"{FIELD[test]}={v:.2f} p50_us=50.0 p99_us=200.0"
            out.append(f"slice series={series} pair={p} arm={arm} server={server} test={test} {fields}")
    return out


def run(modes, aa_ratio=1.0, udp_none=(), cut=None, seed=1):
    """A synthetic make-bench run: {mode: (floor, ratio, pairs)} plus the A/A."""
    lines = []
    facts = [("run", "stamp", "20260101T000000Z"), ("run", "kind", "full"), ("run", "bulk", "256M"),
             ("run", "modes", " ".join(["host"] + list(modes))), ("run", "passt", "0.0~test"),
             ("host", "loc", "host"), ("host", "desc", "floor")]
    for t in br.VERDICT_TESTS:
        lines += series_lines("aa", "host", "aa", t, aa_ratio, 8, seed)
    for k, (m, (floor, ratio, n)) in enumerate(modes.items()):
        facts += [(m, "loc", "lab" if floor == "lab-floor" else "host"), (m, "desc", m), (m, "floor", floor)]
        for t in br.VERDICT_TESTS:
            if t == "udp" and m in udp_none:
                continue
            lines += series_lines(m, floor, m, t, ratio, n, seed + 7 * k + len(t))
        if m in udp_none:
            facts.append((m, "udp", "no replies"))
        for t in ("pp1", "small", "big"):
            lines += series_lines(m, floor, m, t, ratio, 6, seed + 3 * k)
    if cut:
        m, bad = cut
        for p in range(bad):
            lines.append(f"slice series={m} pair={100 + p} arm=B server={m} test=bulk "
                         f"failed=bulk_tcp:127.0.0.1:1:_echoed_{1000 + p}_of_268435456_bytes")
    return [ps.parse_line(x) for x in lines], \
        {s: dict((k, v) for sc, k, v in facts if sc == s) for s in {f[0] for f in facts}}


def guide_csv_rows(M):
    return br.guide_report(M)[1][1]


def native(M, mode, proto):
    for r in guide_csv_rows(M):
        if r[1] == mode and r[3] == "native" and r[4] == proto:
            return r[5], r[6]
    return None


class ModesReport(unittest.TestCase):
    MODES = {"none-root": ("host", 1.0, 12), "pasta": ("lab-floor", 0.3, 8),
             "hostnet": ("host", 0.95, 30), "user-service": ("lab-floor", 1.0, 12)}

    def report(self, **kw):
        slices, facts = run(self.MODES, **kw)
        M, md = br.modes_report(slices, facts)
        return M, md, br.guide_report(M)[0]

    def test_the_a_a_check_is_printed_first_with_its_intervals(self):
        M, md, gmd = self.report()
        for text in (md, gmd):
            first = [x for x in text.splitlines() if x and not x.startswith("#")][0]
            self.assertTrue(first.startswith("**A/A self-check passed**"), first)
            self.assertRegex(first, r"TCP bulk \d\.\d\d× \[\d\.\d\d, \d\.\d\d\], 8 pairs")

    def test_verdicts_follow_the_interval(self):
        M, md, gmd = self.report()
        self.assertEqual(native(M, "none-root", "tcp")[0], "✔")
        self.assertEqual(native(M, "pasta", "tcp")[0], "✗")
        self.assertEqual(native(M, "pasta", "udp")[0], "✗")
        mark, fig = native(M, "hostnet", "tcp")
        self.assertEqual(mark, "inconclusive")
        # The interval and the number of pairs, for bulk and ping-pong.
        self.assertRegex(fig, r"^bulk 0\.9\d× \[0\.\d\d, 0\.\d\d\], 30 pairs; ping-pong 0\.9\d× \[.*\], 30 pairs$")
        self.assertIn("| tcp inconclusive: bulk 0.9", gmd)

    def test_a_failed_a_a_check_withholds_every_verdict_and_says_so_at_the_top(self):
        M, md, gmd = self.report(aa_ratio=1.10)
        self.assertFalse(M.aa_ok)
        for text in (md, gmd):
            first = [x for x in text.splitlines() if x and not x.startswith("#")][0]
            self.assertTrue(first.startswith("**A/A self-check FAILED: no native-performance verdicts"), first)
        for m in self.MODES:
            for p in ("tcp", "udp"):
                mark, fig = native(M, m, p)
                self.assertEqual(mark, "n/a", (m, p))
                self.assertIn("not judged: the A/A self-check failed", fig)
        table = [x for x in md.split("Each mode's own figures")[0].splitlines() if x.startswith("| ")]
        self.assertEqual(len(table), 1 + len(self.MODES))
        for row in table:
            self.assertNotIn("✔", row)
            self.assertNotIn("✗", row)

    def test_every_row_says_which_floor_it_was_paired_with(self):
        M, md, gmd = self.report()
        self.assertIn("| pasta | `pasta`, lab, paired with the lab's floor |", gmd)
        self.assertIn("| `none-root`, host, paired with the host's floor |", gmd)
        self.assertRegex(md, r"\| pasta \(lab\) \| lab \| the lab's floor \|")

    def test_no_udp_replies_is_a_cross_with_the_known_cause(self):
        slices, facts = run({"slirp-slirp4netns": ("host", 0.3, 8)}, udp_none=("slirp-slirp4netns",))
        M, md = br.modes_report(slices, facts)
        self.assertEqual(native(M, "slirp-slirp4netns", "udp"), ("✗", "no replies"))
        self.assertIn("- `slirp-slirp4netns`: no UDP reply came back in the benchmark (known: ", br.guide_report(M)[0])

    def test_streams_cut_short_are_counted_with_the_passt_version(self):
        slices, facts = run({"pasta": ("lab-floor", 0.5, 8)}, cut=("pasta", 2))
        # A bulk slice that failed otherwise is not a stream cut short.
        slices.append(ps.parse_line("slice series=pasta pair=200 arm=B server=pasta test=bulk "
                                    "failed=connect:_Connection_refused"))
        M, md = br.modes_report(slices, facts)
        line = [x for x in md.splitlines() if x.startswith("- Echo streams cut short")][0]
        self.assertIn("pasta (lab) 2 of 11 (2% to 52%)", line)
        self.assertIn("passt 0.0~test", line)
        self.assertIn("bulk cut short in 2 of 11 streams", native(M, "pasta", "tcp")[1])

    def test_a_disagreement_with_the_guide_is_marked(self):
        # hostnet: the guide claims native speed; a 0.5 measured is a ✗ that disagrees.
        slices, facts = run({"hostnet": ("host", 0.5, 8)})
        M, _ = br.modes_report(slices, facts)
        text, agrees = br.guide_cell(M, "hostnet", "native")
        self.assertEqual(agrees, "no")
        self.assertTrue(text.endswith("(guide: ✔) **⚠ disagrees**"), text)

    def test_the_files_of_a_run(self):
        slices, facts = run(self.MODES)
        d = tempfile.mkdtemp()
        try:
            base = os.path.join(d, "modes")
            br.modes_files(slices, facts, base)
            with open(base + ".summary.csv", newline="") as fh:
                rows = list(csv.reader(fh))
            self.assertEqual(rows[0], ["mode", "where", "floor", "metric", "unit", "median", "pairs", "ratio",
                                       "lo", "hi", "verdict"])
            bulk = [r for r in rows if r[0] == "pasta" and r[3] == "bulk_gbps"][0]
            self.assertEqual(bulk[2], "lab-floor")
            self.assertAlmostEqual(float(bulk[7]), 0.3, delta=0.02)
            self.assertEqual(bulk[10], "fail")
            with open(base + ".dat") as fh:
                dat = fh.read().splitlines()
            self.assertEqual(len(dat), 2 + len(self.MODES))
            self.assertRegex(dat[1], r'^"A/A check \(floor/floor\)" 6 (0\.9[89]|1\.0[0-3])\d* ')
            self.assertRegex(dat[2], r'^"none-root" 1 (0\.9[89]|1\.0[0-3])\d* ')
        finally:
            shutil.rmtree(d)


class ServerReports(unittest.TestCase):
    def test_echo_ratios_come_with_their_interval_and_pairs(self):
        lines = series_lines("echo", "ref", "ours", "tcp_bulk", 0.87, 16, 3)
        md, (header, rows) = br.echo_report([ps.parse_line(x) for x in lines], {"run": {}})
        row = [x for x in md.splitlines() if x.startswith("| TCP bulk echo | MB/s")][0]
        self.assertRegex(row, r"\| 0\.8\d× \[0\.8\d, 0\.\d\d\], 16 pairs \|$")

    def test_too_few_pairs_say_so_instead_of_an_interval(self):
        lines = series_lines("echo", "ref", "ours", "tcp_bulk", 1.0, 3, 4)
        md, _ = br.echo_report([ps.parse_line(x) for x in lines], {"run": {}})
        self.assertIn("3 pairs (too few for an interval)", md)

    def test_the_access_log_cost_is_stated_against_the_10_percent_budget(self):
        rng = random.Random(5)
        lines = []
        for p in range(10):
            for arm, cost in (("A", 8.0), ("B", 8.0 * 1.25)):
                cpu = int(cost * 100000 * 1000 * rng.gauss(1, 0.01))
                lines.append(f"slice series=ours/ours-nolog pair={p} arm={arm} server={'ours' if arm == 'B' else 'ours-nolog'} "
                             f"test=small cpu0_ns=0 cpu1_ns={cpu} requests=100000 duration_us=1000000 bytes=1 errors=0")
        md, _ = br.httpd_report([ps.parse_line(x) for x in lines], {"run": {}})
        self.assertRegex(md, r"The access log's cost, CPU per request with the log over without: 1\.2\d× "
                             r"\[1\.2\d, 1\.2\d\], 10 pairs: above the 10% budget")


if __name__ == "__main__":
    unittest.main()
