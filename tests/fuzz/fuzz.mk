# libFuzzer targets, built by clang with their own sanitizers into
# build/fuzz/; included by the top Makefile (LLHTTP_*, DEPS_* come from
# there and httpd/httpd.mk; recipes expand them when they run).
#   make fuzzers                  build every target
#   make fuzz [FUZZ_SECONDS=60]   run each for FUZZ_SECONDS, one at a time
#   make fuzz-NAME                one of them (addr, httpd, conn)
#   make fuzz-corpus              rebuild the seeds from the suite's requests
# Each target starts from its committed seed corpus tests/fuzz/corpus/NAME
# (tests/fuzz/make-corpus.sh records it from the test suite) and grows
# build/fuzz/corpus-NAME, with a dictionary (tests/fuzz/http.dict,
# addr.dict); tests/fuzz/run.sh prints executions and coverage at start
# and end. tests/04-fuzz.bats runs each briefly in the suite.
#   fuzz-addr    --listen address parsing (common/addr.c)
#   fuzz-httpd   request heads and path resolution (the pure httpd parts)
#   fuzz-conn    whole HTTP connections through the real server code

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR = build/fuzz
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -Ihttpd \
	-D_GNU_SOURCE -DVERSION='"$(VERSION)"'
FUZZ_NAMES = addr httpd conn
FUZZERS = $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz-%)

FUZZ_ADDR_SRC = tests/fuzz/fuzz-addr.c common/addr.c common/logesc.c
FUZZ_HTTPD_SRC = tests/fuzz/fuzz-httpd.c $(HTTPD_CORE_SRC)
# The server's real connection code and runtime, but not main.c (the
# harness sets the server up itself) nor cli.c.
FUZZ_CONN_SRC = tests/fuzz/fuzz-conn.c $(HTTPD_MODULE_SRC) $(HTTPD_CORE_SRC) \
	common/server.c common/accept.c common/conn.c common/activate.c \
	common/addr.c common/log.c common/notify.c common/sandbox.c \
	common/logesc.c common/fdstore.c common/keep.c

$(FUZZ_DIR)/fuzz-addr: $(FUZZ_ADDR_SRC) common/addr.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_ADDR_SRC)

$(FUZZ_DIR)/fuzz-httpd: $(FUZZ_HTTPD_SRC) $(wildcard httpd/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(LLHTTP_CFLAGS) -o $@ $(FUZZ_HTTPD_SRC) \
		$(LLHTTP_SRC) $(LLHTTP_LIBS)

$(FUZZ_DIR)/fuzz-conn: $(FUZZ_CONN_SRC) $(wildcard httpd/*.h common/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPS_CFLAGS) $(LLHTTP_CFLAGS) -o $@ \
		$(FUZZ_CONN_SRC) $(LLHTTP_SRC) $(LLHTTP_LIBS) $(DEPS_LIBS) -lm

.PHONY: fuzz fuzzers fuzz-corpus $(FUZZ_NAMES:%=fuzz-%)
fuzzers: $(FUZZERS)

$(FUZZ_NAMES:%=fuzz-%): fuzz-%: $(FUZZ_DIR)/fuzz-%
	tests/fuzz/run.sh $* $(FUZZ_SECONDS)

# One after the other, whatever -j says: each takes a CPU for its time.
fuzz: $(FUZZERS)
	@status=0; for n in $(FUZZ_NAMES); do \
		tests/fuzz/run.sh $$n $(FUZZ_SECONDS) || status=1; \
	done; exit $$status

fuzz-corpus:
	tests/fuzz/make-corpus.sh
