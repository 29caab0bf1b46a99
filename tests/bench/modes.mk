# The network-modes benchmark: the same echo and HTTP images behind socket
# activation (systemd-socket-activate, a real user manager, a system
# service with User=, combined with a custom network), pasta, pasta with a
# custom network, slirp4netns, the host network and the bridge, and the
# podman networking guide's overview table measured row by row
# (tests/bench/bench-modes.sh, tests/bench/guide.sh; BENCHMARKS.md explains
# it all). Included by the top Makefile, after tests/bench/bench.mk, whose
# echo-load rule it reuses. Needs root (rootful podman, a rootless benchmark
# user, network namespaces, the Debian 13 lab of tests/lab/lab.sh for
# everything that needs podman >= 4.4, Quadlet or a user manager). Nothing
# here is a test: it prints numbers and what it saw.
#
#   make bench-deps     install what it needs (tests/bench/deps-modes.sh, apt)
#   make bench          full run: the probes, the A/A self-check, then each
#                       mode paired with its floor in alternating slices
#                       until a verdict (8 to 40 pairs per test; about 30-40
#                       min on a 2-vCPU VM)
#   make bench-quick    a shorter run: 6 pairs of short slices (at most
#                       about 8 min, the lab start included);
#                       tests/45-bench-smoke.bats runs it
#   make bench-chart    redraw the latest chart from its data file
#   make bench BENCH_MODES="host pasta" BENCH_PAIRS_MAX=60 ...  (see the script's header)
# Results: $(MODES_BENCH_OUT)/modes-STAMP.{slices,facts,csv,summary.csv,md,guide.md,
# guide.csv,dat,png,log} and modes-latest.*; $(MODES_BENCH_OUT) defaults to
# $(B)/bench (ignored by git). The statistics and tables:
# tests/bench/pairstats.py and benchreport.py (tested by tests/46-bench-stats.bats).
# The images are used as they are (built with tools/images.mk only when
# missing): run `make images` first to measure the current source.

MODES_BENCH_OUT ?= $(if $(B),$(B),build)/bench
MODES_BENCH_SH := tests/bench/bench-modes.sh
MODES_BENCH_VARS := BENCH_OUT='$(MODES_BENCH_OUT)' \
	$(foreach v,BENCH_MODES BENCH_PAIRS_MIN BENCH_PAIRS_MAX BENCH_EXTRA_PAIRS BENCH_SECS BENCH_HTTP_SECS \
		BENCH_BULK_BYTES BENCH_QUIET_WAIT BENCH_NOPIN BENCH_HELPER_CPUS BENCH_LAB BENCH_NETNS BENCH_PROBES \
		BENCH_USER ECHO_IMAGE HTTPD_IMAGE,\
		$(if $($(v)),$(v)='$($(v))'))

bench: build/bench/echo-load
	$(MODES_BENCH_VARS) $(MODES_BENCH_SH)

bench-quick: build/bench/echo-load
	BENCH_QUICK=1 $(MODES_BENCH_VARS) $(MODES_BENCH_SH)

bench-deps:
	tests/bench/deps-modes.sh

bench-chart:
	gnuplot -e "datafile='$(MODES_BENCH_OUT)/modes-latest.dat'; outfile='$(MODES_BENCH_OUT)/modes-latest.png'" \
		tests/bench/plot.gp

.PHONY: bench bench-quick bench-deps bench-chart
