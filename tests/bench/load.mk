# make bench-load: both servers under 10,000 idle connections and a storm
# of 20,000 connection attempts against --max-connections
# (tests/bench/bench-load.sh; a benchmark, it prints numbers). Included by
# the top Makefile; paths are relative to the repo root. About 2 minutes.
#   make bench-load LOAD_IDLE=2000 LOAD_STORM=5000   a smaller run
# Results: the table on stdout, build/bench/load-latest.{md,csv}.

$(BENCH_OUT_DIR)/crowd: $(BENCH_DIR)/crowd.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(LDFLAGS)

bench-load: $(BENCH_OUT_DIR)/crowd $(ECHO_BIN) $(HTTPD_BIN)
	CROWD=$(abspath $(BENCH_OUT_DIR)/crowd) ECHO_BIN=$(abspath $(ECHO_BIN)) \
	HTTPD_BIN=$(abspath $(HTTPD_BIN)) BENCH_OUT=$(abspath $(BENCH_OUT_DIR)) \
	$(foreach v,LOAD_IDLE LOAD_STORM LOAD_CONCURRENT LOAD_CAP LOAD_SECS LOAD_SERVERS BENCH_NOPIN,\
		$(if $($(v)),$(v)='$($(v))')) \
	$(BENCH_DIR)/bench-load.sh

.PHONY: bench-load
