#!/usr/bin/env bats
# The statistics and report tables of the paired benchmarks
# (tests/bench/pairstats.py, tests/bench/benchreport.py), on synthetic data:
# a known ratio is recovered under drift, an A/A run contains 1.00, a 10%
# slowdown is detected, the verdict rule's boundaries, when a series stops,
# and what the tables say. Each test runs one Python unit test
# (tests/bench/test_*.py); nothing here times anything.

REPO=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

setup() {
	command -v python3 >/dev/null || skip "python3 is not installed (the benchmarks' statistics need it)"
}

# py FILE CLASS.TEST: one unit test, its output shown when it fails.
py() {
	run python3 -B "$REPO/tests/bench/$1" -v "$2"
	echo "$output"
	[ "$status" -eq 0 ]
	# It ran (a misspelt name would be an error, but say what ran).
	[[ $output == *"Ran 1 test"* ]]
}
stats() { py test_pairstats.py "$1"; }
report() { py test_benchreport.py "$1"; }

@test "stats: the 95% interval uses the order statistics of the binomial table" {
	stats OrderStatistics.test_ranks_of_the_95_percent_interval_match_the_binomial_table
}

@test "stats: five pairs are too few for a 95% interval, and give no verdict" {
	stats OrderStatistics.test_five_values_are_too_few_for_a_95_percent_interval
}

@test "stats: the interval covers the true median at least 95% of the time, whatever the distribution" {
	stats OrderStatistics.test_the_interval_covers_the_true_median_at_least_95_percent_of_the_time
}

@test "stats: median" {
	stats OrderStatistics.test_median
}

@test "stats: a rate (streams cut short, k of n) gets its exact 95% interval" {
	stats Rates.test_the_exact_interval_of_a_rate
}

@test "stats: a known ratio (0.87) is recovered under a drift of ±45%" {
	stats PairedRatio.test_a_known_ratio_is_recovered_under_a_drift_of_50_percent
}

@test "stats: slices are paired by their pair number, not by their place in the log" {
	stats PairedRatio.test_pairs_are_formed_within_a_pair_number_whatever_the_order_of_the_lines
}

@test "stats: an incomplete pair (a failed slice) is left out but counted as tried" {
	stats PairedRatio.test_an_incomplete_pair_is_left_out
}

@test "stats: pairs alternate A B, B A" {
	stats PairedRatio.test_abba_order
}

@test "stats: an A/A run's interval contains 1.00 and passes" {
	stats Verdicts.test_an_a_a_run_contains_1_and_passes
}

@test "stats: a 10% slowdown is detected (✗)" {
	stats Verdicts.test_a_10_percent_slowdown_is_detected
}

@test "stats: verdict boundary: a lower end of exactly 0.95 is ✔" {
	stats Verdicts.test_the_boundary_lower_end_exactly_0_95_passes
}

@test "stats: verdict boundary: an upper end of exactly 0.95 is inconclusive, below it ✗" {
	stats Verdicts.test_the_boundary_upper_end_exactly_0_95_is_inconclusive
}

@test "stats: an interval across 0.95 is inconclusive" {
	stats Verdicts.test_an_interval_straddling_0_95_is_inconclusive
}

@test "stats: the A/A check fails on an interval without 1.00, or without an interval" {
	stats Verdicts.test_a_failed_a_a_check_is_an_interval_without_1
}

@test "stopping: a clear verdict stops at the minimum number of pairs" {
	stats Stopping.test_a_clear_verdict_stops_at_the_minimum
}

@test "stopping: fewer pairs than the minimum go on" {
	stats Stopping.test_fewer_pairs_than_the_minimum_go_on
}

@test "stopping: an undecided test goes on until the cap" {
	stats Stopping.test_an_undecided_test_goes_on_until_the_cap
}

@test "stopping: the width goal needs every metric's interval narrow" {
	stats Stopping.test_the_width_goal_needs_every_metric_narrow
}

@test "stopping: a test that never completes a pair is given up" {
	stats Stopping.test_a_test_that_never_completes_a_pair_is_given_up
}

@test "stopping: simulated runs decide clear cases at once and rarely err at the 0.95 boundary" {
	stats Stopping.test_simulated_runs_decide_clear_cases_and_rarely_err_at_the_boundary
}

@test "stopping: pairstats.py pending prints the tests still undecided" {
	stats Stopping.test_pending_on_the_command_line
}

@test "metrics: the server's CPU per request, per MB, per round trip" {
	stats Metrics.test_cpu_per_unit_from_the_servers_cpu_time
}

@test "metrics: a CPU counter that did not advance gives no value" {
	stats Metrics.test_a_cpu_counter_that_did_not_advance_gives_no_value
}

@test "metrics: a failed slice has no value; other lines are not slices" {
	stats Metrics.test_a_failed_slice_has_no_value
	stats Metrics.test_other_lines_are_not_slices
}

@test "report: the A/A check is printed first, with its intervals" {
	report ModesReport.test_the_a_a_check_is_printed_first_with_its_intervals
}

@test "report: ✔, ✗ and inconclusive follow the interval; inconclusive shows it with the pairs" {
	report ModesReport.test_verdicts_follow_the_interval
}

@test "report: a failed A/A check withholds every verdict and says so at the top" {
	report ModesReport.test_a_failed_a_a_check_withholds_every_verdict_and_says_so_at_the_top
}

@test "report: every row says which floor it was paired with" {
	report ModesReport.test_every_row_says_which_floor_it_was_paired_with
}

@test "report: no UDP replies is a ✗ with the known cause" {
	report ModesReport.test_no_udp_replies_is_a_cross_with_the_known_cause
}

@test "report: echo streams cut short are counted, with the passt version" {
	report ModesReport.test_streams_cut_short_are_counted_with_the_passt_version
}

@test "report: a measured mark that differs from the guide's claim is marked as disagreeing" {
	report ModesReport.test_a_disagreement_with_the_guide_is_marked
}

@test "report: the summary CSV, the raw CSV and the chart's data of a run" {
	report ModesReport.test_the_files_of_a_run
}

@test "report: bench-echo's ratios come with their interval and pairs" {
	report ServerReports.test_echo_ratios_come_with_their_interval_and_pairs
}

@test "report: too few pairs say so instead of giving an interval" {
	report ServerReports.test_too_few_pairs_say_so_instead_of_an_interval
}

@test "report: bench-httpd states the access log's cost against the 10% budget" {
	report ServerReports.test_the_access_log_cost_is_stated_against_the_10_percent_budget
}

@test "every Python unit test of the benchmarks is run by this file" {
	local f t missing=0
	for f in test_pairstats.py test_benchreport.py; do
		while read -r t; do
			grep -qF " $t" "$BATS_TEST_FILENAME" || { echo "$f: $t is not run here"; missing=1; }
		done < <(python3 -B - "$REPO/tests/bench/$f" <<'EOF'
import sys, unittest, importlib.util, os
sys.path.insert(0, os.path.dirname(sys.argv[1]))
spec = importlib.util.spec_from_file_location("t", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
for case in unittest.TestLoader().loadTestsFromModule(m):
    for t in case:
        print(type(t).__name__ + "." + t._testMethodName)
EOF
)
	done
	[ "$missing" = 0 ]
}
