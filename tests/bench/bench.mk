# Echo benchmark harness; included by the top Makefile (paths are relative to
# the repo root). Nothing here is a test: it prints numbers.
#   make bench-echo          full run (1 GiB bulk, 5 s per timed test, ~2 min)
#   make bench-echo-quick    smoke run (64 MiB bulk, 1 s per test)
#   ECHO_BIN=tests/bench/ref-echo make bench-echo   reference against itself

CFLAGS ?= -O2 -g
BENCH_DIR := tests/bench
# Our own flags go after the user's CFLAGS and only on these two programs, so
# the rest of the build is not affected by including this file.
BENCH_CFLAGS := -Wall -Wextra -pthread
BENCH_ECHO_BIN := $(if $(ECHO_BIN),$(ECHO_BIN),echo/socket-activate-echo)

$(BENCH_DIR)/ref-echo: $(BENCH_DIR)/ref-echo.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(BENCH_CFLAGS) -o $@ $< $(LDFLAGS)

$(BENCH_DIR)/echo-load: $(BENCH_DIR)/echo-load.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(BENCH_CFLAGS) -o $@ $< $(LDFLAGS)

# The server under test is a prerequisite so `make bench-echo` builds it first
# (it is the top Makefile's echo/socket-activate-echo unless ECHO_BIN says otherwise).
bench-echo: $(BENCH_DIR)/ref-echo $(BENCH_DIR)/echo-load $(BENCH_ECHO_BIN)
	ECHO_BIN=$(BENCH_ECHO_BIN) $(BENCH_DIR)/bench-echo.sh

bench-echo-quick: $(BENCH_DIR)/ref-echo $(BENCH_DIR)/echo-load $(BENCH_ECHO_BIN)
	BENCH_QUICK=1 ECHO_BIN=$(BENCH_ECHO_BIN) $(BENCH_DIR)/bench-echo.sh

bench-clean:
	rm -f $(BENCH_DIR)/ref-echo $(BENCH_DIR)/echo-load

.PHONY: bench-echo bench-echo-quick bench-clean
