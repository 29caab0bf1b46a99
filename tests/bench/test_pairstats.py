#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Unit tests of tests/bench/pairstats.py on synthetic data (no timing).

Run one with: python3 -B tests/bench/test_pairstats.py Class.test_name
(tests/46-bench-stats.bats runs each as a bats test)."""

import math
import os
import random
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pairstats as ps  # noqa: E402


def drift(n, rng, amplitude=0.45, period=80):
    """A slow, large drift of the machine's speed: a wave of ±amplitude over
    period slices (a shared VM's moves by tens of percent over minutes; a
    slice is a second), at a random phase. Adjacent slices differ by at most
    amplitude * 2 * pi / period (3.5% here)."""
    phase = rng.uniform(0, 2 * math.pi)
    return [1 + amplitude * math.sin(phase + 2 * math.pi * i / period) for i in range(n)]


def paired_log(ratio, n, seed, noise=0.01, base=1000.0, test="bulk", series="s",
               field="recv_MBps", amplitude=0.45):
    """Slice lines of n ABBA pairs where B runs at `ratio` times A, under a
    drift that moves both by up to ±amplitude, and a per-slice noise (a
    relative standard deviation)."""
    rng = random.Random(seed)
    lines = []
    speed = drift(2 * n, rng, amplitude)
    for p in range(n):
        order = "AB" if ps.first_arm(p) == "A" else "BA"
        for i, arm in enumerate(order):
            v = base * speed[2 * p + i] * (ratio if arm == "B" else 1.0) * rng.gauss(1, noise)
            lines.append(f"slice series={series} pair={p} arm={arm} server={arm.lower()} "
                         f"test={test} {field}={v:.3f}")
    return lines


def slices_of(lines):
    return [s for s in map(ps.parse_line, lines) if s]


class OrderStatistics(unittest.TestCase):
    def test_ranks_of_the_95_percent_interval_match_the_binomial_table(self):
        # From the exact Binomial(n, 1/2) distribution (e.g. n=10:
        # P(X<=1) = 11/1024 = 1.07% <= 2.5% < P(X<=2) = 5.5%).
        want = {6: (1, 6), 7: (1, 7), 8: (1, 8), 9: (2, 8), 10: (2, 9), 16: (4, 13),
                20: (6, 15), 30: (10, 21)}
        for n, (lo, hi) in want.items():
            r = ps.median_ci_ranks(n)
            self.assertEqual((r[0], r[1]), (lo, hi), f"n={n}")
            self.assertGreaterEqual(r[2], 0.95, f"n={n}")

    def test_five_values_are_too_few_for_a_95_percent_interval(self):
        self.assertIsNone(ps.median_ci_ranks(5))
        e = ps.estimate([1.0, 1.1, 0.9, 1.05, 0.95])
        self.assertFalse(e.has_interval)
        self.assertEqual(ps.verdict(e), ps.INCONCLUSIVE)

    def test_the_interval_covers_the_true_median_at_least_95_percent_of_the_time(self):
        rng = random.Random(7)
        for n in (6, 11, 20, 33):
            hits = 0
            for _ in range(2000):
                # Skewed, heavy-tailed ratios: a distribution-free interval must hold anyway.
                xs = [0.9 * rng.lognormvariate(0, 0.3) for _ in range(n)]
                e = ps.estimate(xs)
                hits += e.lo <= 0.9 <= e.hi
            self.assertGreaterEqual(hits / 2000, 0.94, f"n={n}: coverage {hits / 2000}")

    def test_median(self):
        self.assertEqual(ps.median([3, 1, 2]), 2)
        self.assertEqual(ps.median([4, 1, 3, 2]), 2.5)


class Rates(unittest.TestCase):
    def test_the_exact_interval_of_a_rate(self):
        # Clopper-Pearson, as tabulated (e.g. 3 of 9: 7.49% to 70.07%).
        want = {(0, 10): (0.0, 0.3085), (3, 9): (0.0749, 0.7007), (5, 10): (0.1871, 0.8129),
                (10, 10): (0.6915, 1.0), (6, 8): (0.3491, 0.9681)}
        for (k, n), (lo, hi) in want.items():
            got = ps.rate_ci(k, n)
            self.assertAlmostEqual(got[0], lo, places=4, msg=f"{k} of {n}")
            self.assertAlmostEqual(got[1], hi, places=4, msg=f"{k} of {n}")
        self.assertIsNone(ps.rate_ci(0, 0))


class PairedRatio(unittest.TestCase):
    def test_a_known_ratio_is_recovered_under_a_drift_of_50_percent(self):
        s = slices_of(paired_log(0.87, 16, seed=1))
        e = ps.estimate(ps.ratios(s, "s", "bulk"))
        self.assertEqual(e.n, 16)
        self.assertLessEqual(e.lo, 0.87)
        self.assertGreaterEqual(e.hi, 0.87)
        self.assertAlmostEqual(e.median, 0.87, delta=0.02)
        # Pairing cancels the drift: the interval is a few percent wide,
        # though each arm alone moves by ±50%.
        self.assertLess(e.halfwidth(), 0.05)
        a = ps.arm_values(s, "s", "bulk", "A")
        self.assertGreater((max(a) - min(a)) / ps.median(a), 0.3)

    def test_pairs_are_formed_within_a_pair_number_whatever_the_order_of_the_lines(self):
        lines = paired_log(0.8, 10, seed=2)
        rng = random.Random(3)
        shuffled = lines[:]
        rng.shuffle(shuffled)
        self.assertEqual(sorted(ps.ratios(slices_of(lines), "s", "bulk")),
                         sorted(ps.ratios(slices_of(shuffled), "s", "bulk")))

    def test_an_incomplete_pair_is_left_out(self):
        lines = paired_log(1.0, 8, seed=4)
        lines.append("slice series=s pair=8 arm=A server=a test=bulk recv_MBps=5")
        lines.append("slice series=s pair=8 arm=B server=b test=bulk failed=echoed_1_of_2_bytes")
        s = slices_of(lines)
        self.assertEqual(len(ps.ratios(s, "s", "bulk")), 8)
        self.assertEqual(ps.attempts(s, "s", "bulk"), 9)

    def test_abba_order(self):
        self.assertEqual([ps.first_arm(p) for p in range(4)], ["A", "B", "A", "B"])


class Verdicts(unittest.TestCase):
    def test_an_a_a_run_contains_1_and_passes(self):
        s = slices_of(paired_log(1.0, 12, seed=5))
        e = ps.estimate(ps.ratios(s, "s", "bulk"))
        self.assertTrue(ps.contains_one(e), e)
        self.assertEqual(ps.verdict(e), ps.PASS)

    def test_a_10_percent_slowdown_is_detected(self):
        s = slices_of(paired_log(0.90, 12, seed=6))
        e = ps.estimate(ps.ratios(s, "s", "bulk"))
        self.assertLess(e.hi, 0.95, e)
        self.assertEqual(ps.verdict(e), ps.FAIL)
        self.assertFalse(ps.contains_one(e))

    def test_the_boundary_lower_end_exactly_0_95_passes(self):
        e = ps.Estimate(n=10, median=0.97, lo=0.95, hi=0.99)
        self.assertEqual(ps.verdict(e), ps.PASS)

    def test_the_boundary_upper_end_exactly_0_95_is_inconclusive(self):
        e = ps.Estimate(n=10, median=0.93, lo=0.91, hi=0.95)
        self.assertEqual(ps.verdict(e), ps.INCONCLUSIVE)
        e.hi = 0.9499
        self.assertEqual(ps.verdict(e), ps.FAIL)

    def test_an_interval_straddling_0_95_is_inconclusive(self):
        self.assertEqual(ps.verdict(ps.Estimate(n=30, median=0.96, lo=0.93, hi=0.99)), ps.INCONCLUSIVE)

    def test_a_failed_a_a_check_is_an_interval_without_1(self):
        self.assertFalse(ps.contains_one(ps.Estimate(n=10, median=1.05, lo=1.01, hi=1.09)))
        self.assertTrue(ps.contains_one(ps.Estimate(n=10, median=1.0, lo=1.0, hi=1.02)))
        self.assertFalse(ps.contains_one(ps.Estimate(n=4, median=1.0)))


class Stopping(unittest.TestCase):
    def rule(self, **kw):
        return ps.Rule(min_pairs=8, max_pairs=30, **kw)

    def test_a_clear_verdict_stops_at_the_minimum(self):
        s = slices_of(paired_log(0.5, 8, seed=8))
        self.assertEqual(ps.done(s, "s", "bulk", self.rule()), (True, ps.FAIL))

    def test_fewer_pairs_than_the_minimum_go_on(self):
        s = slices_of(paired_log(0.5, 7, seed=8))
        self.assertFalse(ps.done(s, "s", "bulk", self.rule())[0])

    def test_an_undecided_test_goes_on_until_the_cap(self):
        s = slices_of(paired_log(0.95, 12, seed=9, noise=0.05))
        self.assertEqual(ps.pending(s, "s", ["bulk"], self.rule()), ["bulk"])
        s = slices_of(paired_log(0.95, 30, seed=9, noise=0.05))
        self.assertEqual(ps.done(s, "s", "bulk", self.rule()), (True, "cap of 30 pairs"))

    def test_the_width_goal_needs_every_metric_narrow(self):
        # The rate is steady (±0.5%), the CPU per MB noisy (±20%).
        rng = random.Random(10)
        lines = []
        for p in range(10):
            for arm in "AB":
                cpu = int(1e8 * rng.gauss(1, 0.2))
                lines.append(f"slice series=s pair={p} arm={arm} server={arm} test=bulk "
                             f"recv_MBps={1000 * rng.gauss(1, 0.005):.1f} bytes=268435456 cpu0_ns=0 cpu1_ns={cpu}")
        s = slices_of(lines)
        self.assertTrue(ps.done(s, "s", "bulk", self.rule(goal="width", width=0.03))[0])
        self.assertFalse(ps.done(s, "s", "bulk", self.rule(goal="width", width=0.03, metrics=("rate", "cpu")))[0])

    def test_a_test_that_never_completes_a_pair_is_given_up(self):
        lines = [f"slice series=s pair={p} arm=B server=b test=udp failed=no_replies" for p in range(3)]
        self.assertEqual(ps.done(slices_of(lines), "s", "udp", self.rule()),
                         (True, "no complete pair in 3 tries"))

    def test_simulated_runs_decide_clear_cases_and_rarely_err_at_the_boundary(self):
        rule = ps.Rule(min_pairs=8, max_pairs=40)
        share, pairs = ps.simulate(0.80, 0.03, rule, trials=300)
        self.assertEqual(share[ps.FAIL], 1.0)
        self.assertEqual(pairs, 8)
        share, pairs = ps.simulate(0.95, 0.03, rule, trials=300)
        # At the threshold itself either verdict is wrong: repeated looks
        # make one likelier than a single look's 2.5%, but still rare.
        self.assertLess(share[ps.PASS], 0.15)
        self.assertLess(share[ps.FAIL], 0.15)
        self.assertGreater(share[ps.INCONCLUSIVE], 0.7)

    def test_pending_on_the_command_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as fh:
            fh.write("\n".join(paired_log(0.5, 8, seed=11, test="bulk")
                               + paired_log(0.96, 8, seed=12, test="pp50", field="rtt_per_s", noise=0.05)) + "\n")
        try:
            out = subprocess.run([sys.executable, "-B", ps.__file__, "pending", fh.name, "--series", "s",
                                  "--tests", "bulk pp50", "--min", "8", "--max", "30"],
                                 capture_output=True, text=True, check=True).stdout
        finally:
            os.unlink(fh.name)
        self.assertEqual(out.strip(), "pp50")


class Metrics(unittest.TestCase):
    def test_cpu_per_unit_from_the_servers_cpu_time(self):
        s = ps.parse_line("slice series=s pair=0 arm=A server=a test=small cpu0_ns=1000000000 "
                          "cpu1_ns=1800000000 requests=100000 duration_us=1000000 bytes=1 p99_us=900")
        self.assertAlmostEqual(ps.metric(s, "cpu"), 8.0)    # µs per request
        self.assertAlmostEqual(ps.metric(s, "rate"), 100000)
        s = ps.parse_line("slice series=s pair=0 arm=A server=a test=big cpu0_ns=0 cpu1_ns=500000000 "
                          "requests=1000 duration_us=1000000 bytes=1048576000")
        self.assertAlmostEqual(ps.metric(s, "rate"), 1048.576)  # MB/s
        self.assertAlmostEqual(ps.metric(s, "cpu"), 500 / 1048.576)  # ms per MB
        s = ps.parse_line("slice series=s pair=0 arm=A server=a test=bulk cpu0_ns=0 cpu1_ns=100000000 "
                          "bytes=268435456 recv_MBps=2000")
        self.assertAlmostEqual(ps.metric(s, "cpu"), 100 / 268.435456)
        s = ps.parse_line("slice series=s pair=0 arm=A server=a test=pp50 cpu0_ns=0 cpu1_ns=800000000 "
                          "rtt_per_s=100000 round_trips=100000")
        self.assertAlmostEqual(ps.metric(s, "cpu"), 8.0)

    def test_a_cpu_counter_that_did_not_advance_gives_no_value(self):
        # e.g. a counter read that saturated at 2^31 - 1 in both reads
        s = ps.parse_line("slice series=s pair=0 arm=A server=a test=bulk cpu0_ns=2147483647 "
                          "cpu1_ns=2147483647 bytes=268435456 recv_MBps=2000")
        self.assertIsNone(ps.metric(s, "cpu"))
        self.assertEqual(ps.metric(s, "rate"), 2000)

    def test_a_failed_slice_has_no_value(self):
        s = ps.parse_line("slice series=s pair=0 arm=A server=a test=bulk failed=cut recv_MBps=3")
        self.assertIsNone(ps.metric(s, "rate"))

    def test_other_lines_are_not_slices(self):
        self.assertIsNone(ps.parse_line("RESULT mode=bulk recv_MBps=3"))
        self.assertIsNone(ps.parse_line("slice series=s arm=A test=bulk"))


if __name__ == "__main__":
    unittest.main()
