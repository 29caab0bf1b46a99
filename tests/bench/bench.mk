# Echo benchmark harness; included by the top Makefile (paths are relative to
# the repo root). Nothing here is a test: it prints numbers.
#   make bench-echo          ours and the reference in alternating slices (256
#                            MiB bulk, 1 s ping-pong/UDP), each test until its
#                            ratios' 95% intervals are within ±3% or 30 pairs;
#                            pinned (server CPU 0, client CPU 1); about 4-8 min
#   make bench-echo BENCH_NOPIN=1   the same unpinned
#   make bench-echo-quick    smoke run (6 pairs of 64 MiB / 0.5 s slices)
#   make bench-echo BENCH_ECHO_BIN=PATH   another build in our column (an
#                            older commit's, the reference itself); it is
#                            run as it is, never rebuilt

BENCH_DIR := tests/bench
BENCH_OUT_DIR := build/bench
# Our own flags, only on these two programs; the user's CFLAGS (as given,
# not the servers' additions) go first.
BENCH_CFLAGS := -O2 -g -Wall -Wextra -pthread
# The server under test: ours unless the command line names another. Not
# ECHO_BIN=PATH: that would make the top Makefile link ours into PATH.
BENCH_ECHO_BIN = $(ECHO_BIN)

$(BENCH_OUT_DIR)/ref-echo: $(BENCH_DIR)/ref-echo.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(LDFLAGS)

$(BENCH_OUT_DIR)/echo-load: $(BENCH_DIR)/echo-load.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(LDFLAGS)

# The server under test is a prerequisite so `make bench-echo` builds it first.
bench-echo: $(BENCH_OUT_DIR)/ref-echo $(BENCH_OUT_DIR)/echo-load $(BENCH_ECHO_BIN)
	ECHO_BIN=$(BENCH_ECHO_BIN) $(BENCH_DIR)/bench-echo.sh

bench-echo-quick: $(BENCH_OUT_DIR)/ref-echo $(BENCH_OUT_DIR)/echo-load $(BENCH_ECHO_BIN)
	BENCH_QUICK=1 ECHO_BIN=$(BENCH_ECHO_BIN) $(BENCH_DIR)/bench-echo.sh

bench-clean:
	rm -f $(BENCH_OUT_DIR)/ref-echo $(BENCH_OUT_DIR)/echo-load

.PHONY: bench-echo bench-echo-quick bench-clean
