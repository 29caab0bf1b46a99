#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pairstats: paired, interleaved benchmark measurements and their statistics.

The benchmarks (bench-modes.sh, bench-echo.sh, bench-httpd.sh) compare a
candidate B (a network mode, our server) with a reference A (the floor, a
peer server) that runs beside it. On a shared VM the speed of the same data
path drifts by tens of percent over minutes, so A and B are never measured
minutes apart: they alternate in short slices, A B B A A B ..., and each
pair of adjacent slices gives one ratio B/A. Drift that is slow compared with
a slice hits both halves of a pair alike and cancels in the ratio.

The ratios are summarised by their median and a distribution-free 95%
confidence interval for it: the order statistics x(k) and x(n+1-k), with k
the largest index such that P(Binomial(n, 1/2) < k) <= 2.5%. This assumes
only that the pairs are independent and that their ratios come from one
continuous distribution; no normality, no equal variances. Six pairs are the
fewest that give a 95% interval at all.

Bash only starts and stops things; it writes one line per slice into a log,

    slice series=S pair=N arm=A|B server=NAME test=T [cpu0_ns= cpu1_ns=] RESULT-FIELDS...

where RESULT-FIELDS are the key=value fields of the load generator's RESULT
line (echo-load, or wrk through tests/bench/lib.sh's wrk script), or
failed=REASON. Everything computed from those lines is computed here.

    pairstats.py pending LOG --series S --tests "t1 t2" [--goal verdict|width] ...
        the tests of series S that still need pairs (empty: S is done)
    pairstats.py summary LOG --series S --tests "t1 t2"
        one line per test: the ratio's median, interval, pairs and verdict
    pairstats.py simulate --ratio R --sd S [--min N --max N]
        how often the stopping rule ends in each verdict for a true ratio R

The report tables built on this are in benchreport.py.
"""

import argparse
import math
import sys
from dataclasses import dataclass, field

# The verdict threshold of the benchmark's question: "native performance"
# means at least 0.95 of the floor.
THRESHOLD = 0.95
CONFIDENCE = 0.95


# ---- statistics ---------------------------------------------------------------

def median(xs):
    """The median of a non-empty sequence (the mean of the middle two)."""
    s = sorted(xs)
    n = len(s)
    if n == 0:
        raise ValueError("median of nothing")
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def binom_half_cdf(k, n):
    """P(X <= k) for X ~ Binomial(n, 1/2), exactly (integers, then one division)."""
    if k < 0:
        return 0.0
    return sum(math.comb(n, i) for i in range(min(k, n) + 1)) / 2 ** n


def median_ci_ranks(n, conf=CONFIDENCE):
    """The 1-based ranks (lo, hi) of the order statistics that bound a
    confidence interval of at least conf for the median of n values, and its
    exact coverage; None when n values are too few for that confidence."""
    alpha = (1 - conf) / 2
    k = 0
    # Largest k with P(X <= k-1) <= alpha: the interval [x(k), x(n+1-k)]
    # misses the median only when fewer than k values lie on one side.
    while k + 1 <= n // 2 and binom_half_cdf(k, n) <= alpha:
        k += 1
    if k == 0:
        return None
    return k, n + 1 - k, 1 - 2 * binom_half_cdf(k - 1, n)


@dataclass
class Estimate:
    """Median of n ratios with its interval (lo, hi are None when n is too small)."""
    n: int
    median: float = None
    lo: float = None
    hi: float = None
    coverage: float = None
    values: list = field(default_factory=list, repr=False)

    @property
    def has_interval(self):
        return self.lo is not None

    def halfwidth(self):
        """Half the interval's width relative to the median (0.03 = ±3%)."""
        if not self.has_interval or not self.median:
            return math.inf
        return (self.hi - self.lo) / 2 / self.median


def estimate(values, conf=CONFIDENCE):
    """The median of values and its distribution-free confidence interval."""
    values = list(values)
    e = Estimate(n=len(values), values=values)
    if not values:
        return e
    e.median = median(values)
    r = median_ci_ranks(len(values), conf)
    if r:
        s = sorted(values)
        e.lo, e.hi, e.coverage = s[r[0] - 1], s[r[1] - 1], r[2]
    return e


PASS, FAIL, INCONCLUSIVE = "pass", "fail", "inconclusive"


def verdict(e, threshold=THRESHOLD):
    """pass when the interval's lower end is at least the threshold, fail when
    its upper end is below it, else (or without an interval) inconclusive."""
    if not e.has_interval:
        return INCONCLUSIVE
    if e.lo >= threshold:
        return PASS
    if e.hi < threshold:
        return FAIL
    return INCONCLUSIVE


def contains_one(e):
    """The A/A self-check: an interval that holds 1.00. No interval: not shown."""
    return e.has_interval and e.lo <= 1.0 <= e.hi


def binom_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(min(k, n) + 1))


def rate_ci(k, n, conf=CONFIDENCE):
    """The exact (Clopper-Pearson) interval of a rate seen k times in n
    tries, e.g. streams cut short: (lo, hi), or None without tries."""
    if n <= 0:
        return None
    alpha = (1 - conf) / 2

    def solve(f, target):  # the p in [0, 1] where the increasing f(p) reaches target
        a, b = 0.0, 1.0
        for _ in range(60):
            m = (a + b) / 2
            a, b = (m, b) if f(m) < target else (a, m)
        return (a + b) / 2
    # lo: P(X >= k | lo) = alpha; hi: P(X <= k | hi) = alpha.
    lo = 0.0 if k == 0 else solve(lambda p: 1 - binom_cdf(k - 1, n, p), alpha)
    hi = 1.0 if k == n else solve(lambda p: -binom_cdf(k, n, p), -alpha)
    return lo, hi


def first_arm(pair):
    """Which arm goes first in pair N: A B, then B A, then A B... (ABBA):
    a linear drift then biases alternate pairs in opposite directions."""
    return "A" if pair % 2 == 0 else "B"


# ---- the slice log --------------------------------------------------------------

@dataclass
class Slice:
    series: str
    pair: int
    arm: str
    server: str
    test: str
    f: dict

    @property
    def failed(self):
        return "failed" in self.f


def parse_line(line):
    """One 'slice k=v ...' line as a Slice, or None for any other line."""
    words = line.split()
    if not words or words[0] != "slice":
        return None
    f = {}
    for w in words[1:]:
        k, sep, v = w.partition("=")
        if sep:
            f[k] = v
    try:
        return Slice(f["series"], int(f["pair"]), f["arm"], f.get("server", f["arm"]),
                     f["test"], f)
    except (KeyError, ValueError):
        return None


def read_log(path):
    with open(path, encoding="utf-8", errors="replace") as fh:
        return [s for s in map(parse_line, fh) if s]


def num(f, key):
    try:
        v = float(f[key])
    except (KeyError, ValueError):
        return None
    return v if math.isfinite(v) else None


# What a slice measured. "rate": work per second (higher is better); "cpu":
# the server's CPU time per unit of work (lower is better); the others are
# the slice's latency percentiles. Each returns None when the slice lacks it.
def _work(s):
    """(units of work, scale to the reported unit) of a slice."""
    f = s.f
    if "recv_MBps" in f:  # echo-load bulk: CPU per MB (1e6 bytes) in ms
        b = num(f, "bytes")
        return (b / 1e6, 1e-6) if b else None
    if "rtt_per_s" in f:  # ping-pong: per round trip in µs
        return (num(f, "round_trips"), 1e-3)
    if "dgrams_per_s" in f:  # UDP: per datagram answered in µs
        return (num(f, "replies"), 1e-3)
    if "duration_us" in f:  # wrk: per request in µs, or per MB in ms (big files)
        if s.test in BYTE_TESTS:
            b = num(f, "bytes")
            return (b / 1e6, 1e-6) if b else None
        return (num(f, "requests"), 1e-3)
    return None


# Tests whose rate is bytes, not requests (wrk on the 1 MiB file).
BYTE_TESTS = {"big", "http_big"}


def metric(s, name):
    """The value of metric name ('rate', 'cpu', 'p50', 'p99') in slice s."""
    if s.failed:
        return None
    f = s.f
    if name == "rate":
        if "recv_MBps" in f:
            return num(f, "recv_MBps")
        if "rtt_per_s" in f:
            return num(f, "rtt_per_s")
        if "dgrams_per_s" in f:
            return num(f, "dgrams_per_s")
        if "duration_us" in f:
            d = num(f, "duration_us")
            if not d:
                return None
            if s.test in BYTE_TESTS:
                return num(f, "bytes") / d  # bytes per µs = MB/s
            return num(f, "requests") * 1e6 / d
        return None
    if name == "cpu":
        c0, c1, w = num(f, "cpu0_ns"), num(f, "cpu1_ns"), _work(s)
        # No CPU time at all in a slice that did work is a broken counter.
        if c0 is None or c1 is None or c1 <= c0 or not w or not w[0]:
            return None
        return (c1 - c0) * w[1] / w[0]
    if name in ("p50", "p99"):
        return num(f, name + "_us")
    raise ValueError("unknown metric " + name)


def pairs(slices, series, test, name):
    """[(pair, a, b)] of the pairs of series/test where both arms measured
    metric name, in pair order. A pair is never formed across pair numbers."""
    by = {}
    for s in slices:
        if s.series == series and s.test == test:
            v = metric(s, name)
            if v is not None:
                by.setdefault(s.pair, {})[s.arm] = v
    return [(p, d["A"], d["B"]) for p, d in sorted(by.items()) if "A" in d and "B" in d]


def ratios(slices, series, test, name="rate"):
    """B/A of every complete pair."""
    return [b / a for _, a, b in pairs(slices, series, test, name) if a > 0]


def attempts(slices, series, test):
    """How many pairs of series/test were started (complete or not)."""
    return len({s.pair for s in slices if s.series == series and s.test == test})


def arm_values(slices, series, test, arm, name="rate"):
    """The metric's values of one arm (every slice, paired or not)."""
    out = []
    for s in slices:
        if s.series == series and s.test == test and s.arm == arm:
            v = metric(s, name)
            if v is not None:
                out.append(v)
    return out


# ---- when to stop ---------------------------------------------------------------

@dataclass
class Rule:
    """How long a series/test is measured: at least min_pairs complete pairs,
    at most max_pairs attempted; in between it stops as soon as its goal is
    met. goal "verdict": the rate's interval decides pass or fail; goal
    "width": each of metrics has an interval no wider than ±width."""
    goal: str = "verdict"
    min_pairs: int = 8
    max_pairs: int = 30
    width: float = 0.03
    metrics: tuple = ("rate",)
    threshold: float = THRESHOLD
    # A test that failed this many times without one complete pair is given up.
    hopeless: int = 3


def done(slices, series, test, rule):
    """(True, why) when series/test needs no more pairs, else (False, why)."""
    tried = attempts(slices, series, test)
    ests = {m: estimate(ratios(slices, series, test, m)) for m in rule.metrics}
    n = min(e.n for e in ests.values())
    if tried >= rule.max_pairs:
        return True, f"cap of {rule.max_pairs} pairs"
    if n == 0 and tried >= rule.hopeless:
        return True, f"no complete pair in {tried} tries"
    if n < rule.min_pairs:
        return False, f"{n} of at least {rule.min_pairs} pairs"
    if rule.goal == "verdict":
        v = verdict(ests[rule.metrics[0]], rule.threshold)
        return (v != INCONCLUSIVE), v
    worst = max(e.halfwidth() for e in ests.values())
    return (worst <= rule.width), f"±{worst * 100:.1f}%"


def pending(slices, series, tests, rule):
    """The tests of series that still need pairs, in the given order."""
    return [t for t in tests if not done(slices, series, t, rule)[0]]


def simulate(ratio, sd, rule, trials=2000, seed=1):
    """How often the stopping rule ends in each verdict, and after how many
    pairs on average, when every pair's ratio is ratio times a log-normal
    noise of sd: what repeated looks cost (each look is a 95% interval, but
    stopping at the first that decides makes a wrong verdict likelier)."""
    import random
    rng = random.Random(seed)
    counts = {PASS: 0, FAIL: 0, INCONCLUSIVE: 0}
    used = 0
    for _ in range(trials):
        rs, v = [], INCONCLUSIVE
        for n in range(1, rule.max_pairs + 1):
            rs.append(ratio * rng.lognormvariate(0, sd))
            if n >= rule.min_pairs:
                v = verdict(estimate(rs), rule.threshold)
                if v != INCONCLUSIVE:
                    break
        counts[v] += 1
        used += n
    return {k: c / trials for k, c in counts.items()}, used / trials


# ---- command line ------------------------------------------------------------------

def rule_args(p):
    p.add_argument("--goal", choices=("verdict", "width"), default="verdict")
    p.add_argument("--min", type=int, default=8, dest="min_pairs")
    p.add_argument("--max", type=int, default=30, dest="max_pairs")
    p.add_argument("--width", type=float, default=0.03)
    p.add_argument("--metrics", default="rate")


def rule_of(a):
    return Rule(goal=a.goal, min_pairs=a.min_pairs, max_pairs=a.max_pairs,
                width=a.width, metrics=tuple(a.metrics.split()))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pending", help="print the tests of a series that still need pairs")
    p.add_argument("log")
    p.add_argument("--series", required=True)
    p.add_argument("--tests", required=True)
    rule_args(p)
    p = sub.add_parser("simulate", help="how often the stopping rule ends in each verdict")
    p.add_argument("--ratio", type=float, required=True)
    p.add_argument("--sd", type=float, required=True, help="per-pair noise (log-normal sigma, 0.05 = about 5%%)")
    rule_args(p)
    p = sub.add_parser("summary", help="print each test's ratio with its interval")
    p.add_argument("log")
    p.add_argument("--series", required=True)
    p.add_argument("--tests", required=True)
    a = ap.parse_args(argv)
    if a.cmd == "simulate":
        share, pairs_used = simulate(a.ratio, a.sd, rule_of(a))
        print(f"true ratio {a.ratio}, noise {a.sd}: pass {share[PASS]:.1%}, fail {share[FAIL]:.1%}, "
              f"inconclusive {share[INCONCLUSIVE]:.1%}; {pairs_used:.1f} pairs on average")
        return 0
    try:
        slices = read_log(a.log)
    except FileNotFoundError:
        slices = []
    if a.cmd == "pending":
        print(" ".join(pending(slices, a.series, a.tests.split(), rule_of(a))))
    else:
        for t in a.tests.split():
            e = estimate(ratios(slices, a.series, t))
            if e.n == 0:
                tried = attempts(slices, a.series, t)
                if tried:
                    print(f"{t}: no complete pair in {tried} tries")
                continue
            if e.has_interval:
                print(f"{t}: {e.median:.3f} [{e.lo:.3f}, {e.hi:.3f}], {e.n} pairs: {verdict(e)}")
            else:
                print(f"{t}: {e.median:.3f}, {e.n} pair{'s' if e.n != 1 else ''} (too few for an interval)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
