# socket-activate-httpd; included by the top Makefile (paths are relative to
# the repo root, $(B), $(COMMON_OBJ), $(CFLAGS)... come from there).
#   make                     httpd/socket-activate-httpd and build/httpd-unit
#   make SANITIZE=1          the same in build-asan/
#   make fuzz-httpd          libFuzzer on request heads and paths, FUZZ_SECONDS
#   make fuzz-httpd-smoke    the same for 10 s (CI)

# llhttp: the library where the distribution has one (Debian 13, Fedora),
# else its C sources from Debian 12's node-llhttp, compiled in.
ifeq ($(shell $(PKG_CONFIG) --exists libllhttp 2>/dev/null && echo yes),yes)
LLHTTP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libllhttp)
LLHTTP_LIBS := $(shell $(PKG_CONFIG) --libs libllhttp)
LLHTTP_SRC :=
LLHTTP_OBJ :=
else
LLHTTP_DIR ?= /usr/share/llhttp
LLHTTP_INCLUDE ?= /usr/share/include/llhttp
LLHTTP_CFLAGS := -isystem $(LLHTTP_INCLUDE)
LLHTTP_LIBS :=
LLHTTP_SRC := $(LLHTTP_DIR)/api.c $(LLHTTP_DIR)/http.c $(LLHTTP_DIR)/llhttp.c
LLHTTP_OBJ := $(B)/llhttp/api.o $(B)/llhttp/http.o $(B)/llhttp/llhttp.o

# Third-party, generated code: our warning flags (and -Werror) are not for
# it; optimization and sanitizer flags are.
$(B)/llhttp/%.o: $(LLHTTP_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(filter-out -W% -MMD -MP,$(CFLAGS)) -w \
		$(LLHTTP_CFLAGS) -c -o $@ $<
endif

ifeq ($(B),build)
HTTPD_BIN = httpd/socket-activate-httpd
else
HTTPD_BIN = $(B)/socket-activate-httpd
endif

# The pure parts, shared by the server, the unit tests and the fuzzer.
HTTPD_CORE_SRC = httpd/request.c httpd/path.c httpd/headers.c
HTTPD_CORE_OBJ = $(HTTPD_CORE_SRC:%.c=$(B)/%.o)
HTTPD_OBJ = $(B)/httpd/main.o $(B)/httpd/httpd.o $(HTTPD_CORE_OBJ)
HTTPD_UNIT_BIN = $(B)/httpd-unit
HTTPD_UNIT_OBJ = $(B)/httpd/tests/unit.o

$(HTTPD_OBJ) $(HTTPD_UNIT_OBJ): override CPPFLAGS += $(LLHTTP_CFLAGS)
$(HTTPD_UNIT_OBJ): override CPPFLAGS += -Ihttpd

BINS += $(HTTPD_BIN)
MANS += httpd/socket-activate-httpd.1
TEST_BINS += $(HTTPD_UNIT_BIN)

all: $(HTTPD_BIN)

$(HTTPD_BIN): $(HTTPD_OBJ) $(LLHTTP_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LLHTTP_LIBS) $(LDLIBS)

$(HTTPD_UNIT_BIN): $(HTTPD_UNIT_OBJ) $(HTTPD_CORE_OBJ) $(LLHTTP_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LLHTTP_LIBS) $(LDLIBS)

-include $(HTTPD_OBJ:.o=.d) $(HTTPD_UNIT_OBJ:.o=.d)

# libFuzzer, built by clang with its own sanitizers (the top Makefile's
# FUZZ_CC and FUZZ_CFLAGS); `make fuzz` runs it with the other targets.
HTTPD_FUZZ = build-fuzz/fuzz-httpd
FUZZERS += $(HTTPD_FUZZ)

$(HTTPD_FUZZ): httpd/fuzz/fuzz-httpd.c $(HTTPD_CORE_SRC) httpd/request.h \
		httpd/path.h httpd/headers.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(LLHTTP_CFLAGS) -Ihttpd -o $@ \
		httpd/fuzz/fuzz-httpd.c $(HTTPD_CORE_SRC) $(LLHTTP_SRC) $(LLHTTP_LIBS)

.PHONY: fuzz-httpd fuzz-httpd-smoke clean-httpd
fuzz-httpd: $(HTTPD_FUZZ)
	@mkdir -p build-fuzz/corpus-fuzz-httpd
	$(HTTPD_FUZZ) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		build-fuzz/corpus-fuzz-httpd httpd/fuzz/corpus/httpd

fuzz-httpd-smoke:
	$(MAKE) --no-print-directory fuzz-httpd FUZZ_SECONDS=10

clean: clean-httpd
clean-httpd:
	rm -f httpd/socket-activate-httpd
