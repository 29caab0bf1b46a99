# HTTP benchmark: wrk against our socket-activate-httpd (access log on),
# paired in alternating 1 s slices with lighttpd, nginx, the floor (a fixed
# response from memory) and ours without its access log, all socket-activated
# the same way, side by side; included by the top Makefile (paths are
# relative to the repo root). Nothing here is a test: it prints ratios with
# their 95% intervals.
#   make bench-httpd-deps    install wrk, lighttpd, nginx-light (apt; services left stopped and disabled)
#   make bench-httpd         pinned (server CPU 0, wrk CPU 1), each series until
#                            its intervals are within ±3% or 24 pairs (about 3-6 min)
#   make bench-httpd BENCH_NOPIN=1   the same unpinned
#   make bench-httpd-quick   2 pairs (smoke run, about 40 s; too few for intervals)
#   make bench-httpd HTTPD_CMD=lighttpd   lighttpd in the "ours" column (checks the plumbing)
#   make bench-httpd BENCH_HTTPD_BIN=PATH   another build of ours (an older
#                            commit's), run as it is, never rebuilt
# Results: the table on stdout; in $(HTTPD_BENCH_OUT): httpd-STAMP-pinned.{slices,
# facts,md,csv} and httpd-latest-pinned.{md,csv}.

HTTPD_BENCH_OUT ?= build/bench
HTTPD_BENCH_SH := tests/bench/bench-httpd.sh
FLOOR_HTTPD := build/bench/floor-httpd
# The server under test: ours unless the command line names another. Not
# HTTPD_BIN=PATH: that would make the top Makefile link ours into PATH.
BENCH_HTTPD_BIN = $(HTTPD_BIN)

$(FLOOR_HTTPD): tests/bench/floor-httpd.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(LDFLAGS)

# Our server is built first (only ours: another build named by
# BENCH_HTTPD_BIN is run as it is); a failed build does not stop the
# benchmark, the script marks our columns "skipped: build failed" instead.
define httpd_bench_run
	@failed=0; \
	if [ -z '$(HTTPD_CMD)' ] && [ '$(BENCH_HTTPD_BIN)' = '$(HTTPD_BIN)' ]; then \
		$(MAKE) --no-print-directory '$(HTTPD_BIN)' || failed=1; \
	fi; \
	HTTPD_BIN='$(BENCH_HTTPD_BIN)' HTTPD_BUILD_FAILED=$$failed \
		BENCH_OUT='$(HTTPD_BENCH_OUT)' FLOOR_BIN='$(FLOOR_HTTPD)' \
		$(1) $(HTTPD_BENCH_SH)
endef

bench-httpd: $(FLOOR_HTTPD)
	$(call httpd_bench_run,)

bench-httpd-quick: $(FLOOR_HTTPD)
	$(call httpd_bench_run,BENCH_QUICK=1)

bench-httpd-deps:
	tests/bench/deps-bench.sh

.PHONY: bench-httpd bench-httpd-quick bench-httpd-deps
