# The whole-connection fuzz target; included by the top Makefile (paths are
# relative to the repo root; FUZZ_CC, FUZZ_CFLAGS, DEPS_*, LLHTTP_* come
# from there and httpd/httpd.mk, and are only expanded in recipes, so the
# include order does not matter).
#   make build-fuzz/fuzz-conn     build it
#   make fuzz-conn                run it for FUZZ_SECONDS (default 60)
#   make fuzz                     runs it with the other targets
# Seeds: httpd/fuzz/corpus/conn (byte 0 is the configuration, "\xff\xff"
# cuts the rest into the chunks the client sends; see fuzz-conn.c).

# Read once, even when also named with -f (tests/05-fuzz-conn.bats does,
# so it works before and after the top Makefile includes this file).
ifndef FUZZ_CONN
FUZZ_CONN = build-fuzz/fuzz-conn
FUZZERS += $(FUZZ_CONN)

# The server's real connection code and runtime, but not main.c (the
# harness sets the server up itself) nor cli.c.
FUZZ_CONN_SRC = httpd/fuzz/fuzz-conn.c httpd/httpd.c httpd/request.c \
	httpd/path.c httpd/headers.c common/server.c common/activate.c \
	common/addr.c common/log.c common/notify.c common/sandbox.c

$(FUZZ_CONN): $(FUZZ_CONN_SRC) $(wildcard httpd/*.h common/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPS_CFLAGS) $(LLHTTP_CFLAGS) -Ihttpd \
		-o $@ $(FUZZ_CONN_SRC) $(LLHTTP_SRC) $(LLHTTP_LIBS) $(DEPS_LIBS) -lm

.PHONY: fuzz-conn
fuzz-conn: $(FUZZ_CONN)
	@mkdir -p build-fuzz/corpus-fuzz-conn
	$(FUZZ_CONN) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		build-fuzz/corpus-fuzz-conn httpd/fuzz/corpus/conn
endif
