# socket-activate-echo and socket-activate-httpd
VERSION = 0.1.0

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
INSTALL ?= install
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

# Build variants share these rules and differ in flags and directory:
#   make                -> build/ (binaries beside their sources)
#   make SANITIZE=1     -> build-asan/ (ASan + UBSan, binaries in build-asan/)
#   make WERROR=1       -> warnings are errors (CI)
ifeq ($(SANITIZE),1)
B = build-asan
override CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
else
B = build
endif

WARN = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wundef -Wvla -Wnull-dereference
ifeq ($(WERROR),1)
WARN += -Werror
endif

DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libsystemd libevent)
DEPS_LIBS := $(shell $(PKG_CONFIG) --libs libsystemd libevent)

override CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
	-Icommon $(DEPS_CFLAGS) -MMD -MP
override LDLIBS += $(DEPS_LIBS) -lm

COMMON_SRC = common/log.c common/addr.c common/activate.c common/notify.c \
	common/server.c common/cli.c common/ratelimit.c \
	common/sandbox.c
COMMON_OBJ = $(COMMON_SRC:%.c=$(B)/%.o)

ECHO_SRC = echo/main.c echo/echo.c
ECHO_OBJ = $(ECHO_SRC:%.c=$(B)/%.o)
ifeq ($(B),build)
ECHO_BIN = echo/socket-activate-echo
BINDIR_OUT = echo
else
ECHO_BIN = $(B)/socket-activate-echo
BINDIR_OUT = $(B)
endif

UNIT_BIN = $(B)/test-common
UNIT_OBJ = $(B)/tests/unit/test-common.o
SANDBOX_TEST_BIN = $(B)/test-sandbox
SANDBOX_TEST_OBJ = $(B)/tests/unit/test-sandbox.o

# Fragments below append to these.
BINS = $(ECHO_BIN)
MANS = echo/socket-activate-echo.1
TEST_BINS = $(UNIT_BIN) $(SANDBOX_TEST_BIN)

.PHONY: all clean check check-asan check-valgrind test demo install uninstall
all: build-all

# Each server and tool adds its own rules (and to BINS, MANS, TEST_BINS).
-include httpd/httpd.mk
-include tests/bench/bench.mk
-include tests/bench/modes.mk
-include tests/soak.mk
-include tests/bench/httpd-bench.mk
-include tools/images.mk
-include tools/units.mk
-include tests/fuzz/fuzz.mk

.PHONY: build-all
build-all: $(BINS) $(TEST_BINS)

$(ECHO_BIN): $(ECHO_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT_BIN): $(UNIT_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SANDBOX_TEST_BIN): $(SANDBOX_TEST_OBJ) $(B)/common/sandbox.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

-include $(COMMON_OBJ:.o=.d) $(ECHO_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) \
	$(SANDBOX_TEST_OBJ:.o=.d)

# libFuzzer targets (clang): each links the code under test with a harness.
# `make fuzz` runs each for FUZZ_SECONDS; tests/04-fuzz.bats runs each
# briefly as part of the suite. Fragments append to FUZZERS.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR = build-fuzz
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -D_GNU_SOURCE
FUZZERS += $(FUZZ_DIR)/fuzz-addr

$(FUZZ_DIR)/fuzz-addr: tests/fuzz/fuzz-addr.c common/addr.c common/addr.h
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz-addr.c common/addr.c

.PHONY: fuzz fuzzers
fuzzers: $(FUZZERS)

# Corpora grow in $(FUZZ_DIR)/corpus-NAME, seeded from the repository.
fuzz: fuzzers
	@for f in $(FUZZERS); do \
		name=$$(basename $$f); seeds=$$(ls -d tests/fuzz/corpus/$${name#fuzz-} httpd/fuzz/corpus/$${name#fuzz-} 2>/dev/null); \
		mkdir -p $(FUZZ_DIR)/corpus-$$name; \
		echo "== $$name for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(FUZZ_DIR)/corpus-$$name $$seeds || exit 1; \
	done

# The test suite: every tests/*.bats file, against this build's binaries.
# `make check` runs it on the normal build and again under ASan+UBSan.
test: build-all
	ECHO_BIN=$(abspath $(ECHO_BIN)) HTTPD_BIN=$(abspath $(HTTPD_BIN)) \
	UNIT_BIN=$(abspath $(UNIT_BIN)) \
	BUILD_DIR=$(abspath $(B)) tests/run $(TESTS)

check:
	$(MAKE) WERROR=1 build-all
	$(MAKE) WERROR=1 SANITIZE=1 build-all
	tests/run-all

check-asan:
	$(MAKE) WERROR=1 SANITIZE=1 test

# The server tests with every server under valgrind memcheck (slow).
check-valgrind: build-all
	tests/run-valgrind $(TESTS)

demo: $(BINS)
	tools/demo.sh $(abspath $(ECHO_BIN)) $(abspath $(HTTPD_BIN))

install: $(BINS)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(MANS) $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(BINS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MANS)))

clean:
	rm -rf build build-asan build-fuzz $(ECHO_BIN)
