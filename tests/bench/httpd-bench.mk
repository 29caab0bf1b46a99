# HTTP benchmark: wrk against our socket-activate-httpd, lighttpd and nginx,
# all socket-activated the same way; included by the top Makefile (paths are
# relative to the repo root). Nothing here is a test: it prints numbers.
#   make bench-httpd-deps    install wrk, lighttpd, nginx-light (apt; services left stopped and disabled)
#   make bench-httpd         10 s per measurement (about 1.5 min)
#   make bench-httpd-quick   2 s per measurement (smoke run, about 30 s)
#   make bench-httpd HTTPD_CMD=lighttpd   lighttpd in the "ours" column (checks the plumbing)
# Results: table on stdout, CSV and text in $(HTTPD_BENCH_OUT) (default $(B)/bench,
# ignored by git with the rest of $(B)/).

HTTPD_BENCH_OUT ?= $(B)/bench
HTTPD_BENCH_SH := tests/bench/bench-httpd.sh

# Our server: $(HTTPD_BIN) when the httpd fragment (or the command line)
# defines it, else the default path. Recipes expand variables only when they
# run, after every fragment is read, so the include order does not matter.
# When HTTPD_BIN is defined we (re)build it first; a failed build does not stop
# the benchmark, the script marks our column "skipped: build failed" instead.
define httpd_bench_run
	@bin='$(if $(HTTPD_BIN),$(HTTPD_BIN),build/socket-activate-httpd)'; failed=0; \
	if [ -n '$(HTTPD_BIN)' ] && [ -z '$(HTTPD_CMD)' ]; then \
		$(MAKE) --no-print-directory "$$bin" || failed=1; \
	fi; \
	HTTPD_BIN="$$bin" HTTPD_BUILD_FAILED=$$failed BENCH_OUT='$(HTTPD_BENCH_OUT)' \
		$(1) $(HTTPD_BENCH_SH)
endef

bench-httpd:
	$(call httpd_bench_run,)

bench-httpd-quick:
	$(call httpd_bench_run,BENCH_QUICK=1)

bench-httpd-deps:
	tests/bench/deps-bench.sh

.PHONY: bench-httpd bench-httpd-quick bench-httpd-deps
