# socket-activate-echo and socket-activate-httpd
VERSION = 0.1.0

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
INSTALL ?= install
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/socket-activate

# Every build output goes under build/. Variants share these rules and
# differ in flags and directory:
#   make                -> build/ (build/socket-activate-echo, ...)
#   make SANITIZE=1     -> build/asan/ (ASan + UBSan)
#   make COVERAGE=1     -> build/coverage/ (gcov counters; make coverage)
#   make WERROR=1       -> warnings are errors (CI, make check)
# libFuzzer targets go to build/fuzz/ (tests/fuzz/fuzz.mk), benchmark
# programs and results to build/bench/.
ifeq ($(SANITIZE),1)
B = build/asan
override CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
else ifeq ($(COVERAGE),1)
B = build/coverage
# The sandbox lets gcov write its counters beneath the build directory.
# At -O0 gcc cannot see the snprintf() bounds it proves when optimizing.
override CFLAGS += -O0 --coverage -Wno-format-truncation \
	-DSANDBOX_COVERAGE_DIR='"$(abspath build/coverage)"'
override LDFLAGS += --coverage
else
B = build
endif

WARN = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wundef -Wvla -Wnull-dereference
ifeq ($(WERROR),1)
WARN += -Werror
endif

DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libsystemd libevent_core libseccomp)
DEPS_LIBS := $(shell $(PKG_CONFIG) --libs libsystemd libevent_core libseccomp)

override CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
	-Icommon $(DEPS_CFLAGS) -MMD -MP
override LDLIBS += $(DEPS_LIBS)

COMMON_SRC = common/log.c common/addr.c common/activate.c common/notify.c \
	common/server.c common/accept.c common/conn.c common/cli.c \
	common/ratelimit.c common/sandbox.c common/logesc.c common/fdstore.c \
	common/keep.c
COMMON_OBJ = $(COMMON_SRC:%.c=$(B)/%.o)

ECHO_SRC = echo/main.c echo/echo.c
ECHO_OBJ = $(ECHO_SRC:%.c=$(B)/%.o)
ECHO_BIN = $(B)/socket-activate-echo

# Test programs: the C unit tests (tests/unit/, one bats test per check in
# the generated $(B)/unit/unit.bats) and the sandbox probe.
UNIT_SUPPORT_OBJ = $(B)/tests/unit/unit.o
UNIT_COMMON_BIN = $(B)/unit/test-common
UNIT_COMMON_OBJ = $(B)/tests/unit/test-common.o
UNIT_FDSTORE_BIN = $(B)/unit/test-fdstore
UNIT_FDSTORE_OBJ = $(B)/tests/unit/test-fdstore.o
SANDBOX_PROBE_BIN = $(B)/sandbox-probe
SANDBOX_PROBE_OBJ = $(B)/tests/tools/sandbox-probe.o
# A stand-in server that can leak, for tests/07-leak-checks.bats.
LEAK_PROBE_BIN = $(B)/leak-probe
LEAK_PROBE_OBJ = $(B)/tests/tools/leak-probe.o
# Preloaded into the servers by tests/03-sandbox.bats; never sanitized (a
# preloaded library cannot come before the sanitizer's runtime).
SANDBOX_PRELOAD = $(B)/sandbox-preload.so

# Fragments below append to these.
BINS = $(ECHO_BIN)
MANS = echo/socket-activate-echo.1
UNIT_BINS = $(UNIT_COMMON_BIN) $(UNIT_FDSTORE_BIN)
TEST_BINS = $(SANDBOX_PROBE_BIN) $(LEAK_PROBE_BIN) $(SANDBOX_PRELOAD) $(B)/unit/unit.bats

.PHONY: all servers build-all clean check check-all check-asan check-valgrind \
	check-debian13 test demo screenshots install uninstall man
# The servers and what the test suite runs.
all: build-all

# Each server and tool adds its own rules (and to BINS, MANS, UNIT_BINS).
include httpd/httpd.mk
include tests/fuzz/fuzz.mk
include tests/bench/bench.mk
include tests/bench/httpd-bench.mk
include tests/bench/modes.mk
include tests/bench/load.mk
include tests/soak.mk
include tests/coverage.mk
include tools/images.mk
include tools/units.mk
include tests/vsock/vsock.mk

servers: $(BINS)
build-all: $(BINS) $(UNIT_BINS) $(TEST_BINS)

$(ECHO_BIN): $(ECHO_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT_COMMON_BIN): $(UNIT_COMMON_OBJ) $(UNIT_SUPPORT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT_FDSTORE_BIN): $(UNIT_FDSTORE_OBJ) $(UNIT_SUPPORT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SANDBOX_PROBE_BIN): $(SANDBOX_PROBE_OBJ) $(B)/common/sandbox.o $(B)/common/logesc.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(LEAK_PROBE_BIN): $(LEAK_PROBE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^

$(SANDBOX_PRELOAD): tests/tools/sandbox-preload.c
	@mkdir -p $(dir $@)
	$(CC) -shared -fPIC -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -o $@ $<

# One bats test per unit check, listed by running the programs.
$(B)/unit/unit.bats: $(UNIT_BINS) tests/unit/gen-bats.sh
	tests/unit/gen-bats.sh $(UNIT_BINS) >$@.tmp
	mv $@.tmp $@

$(UNIT_COMMON_OBJ) $(UNIT_FDSTORE_OBJ) $(UNIT_SUPPORT_OBJ): override CPPFLAGS += -Itests/unit

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

-include $(COMMON_OBJ:.o=.d) $(ECHO_OBJ:.o=.d) $(UNIT_COMMON_OBJ:.o=.d) \
	$(UNIT_FDSTORE_OBJ:.o=.d) \
	$(UNIT_SUPPORT_OBJ:.o=.d) $(SANDBOX_PROBE_OBJ:.o=.d) $(LEAK_PROBE_OBJ:.o=.d)

# The test suite: every tests/*.bats file and the unit tests, against this
# build's binaries, one after another.
test: build-all
	ECHO_BIN=$(abspath $(ECHO_BIN)) HTTPD_BIN=$(abspath $(HTTPD_BIN)) \
	BUILD_DIR=$(abspath $(B)) tests/run $(if $(TESTS),$(TESTS),tests/*.bats $(B)/unit/unit.bats)

# tests/run-all's passes. make check: the -Werror build and its pass, every
# feature's tests on the normal build, the slow system files (images, labs,
# VM) beside the direct ones. make check-all, what CI runs: that pass and
# every other, the benchmark smoke test, ASan+UBSan, valgrind, the
# unprivileged user and Debian 13.
check:
	$(MAKE) WERROR=1 build-all
	SUITE_PASSES=normal tests/run-all

check-all:
	$(MAKE) WERROR=1 build-all
	$(MAKE) WERROR=1 SANITIZE=1 build-all
	tests/run-all

# Sanitizer reports fail the test they happen in; LeakSanitizer reports
# when a server exits, and on this build teardown lets every server exit.
check-asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=0 UBSAN_OPTIONS=print_stacktrace=1 \
	$(MAKE) WERROR=1 SANITIZE=1 test

# The server tests with every server under valgrind memcheck (slow).
check-valgrind: build-all
	tests/run-valgrind $(TESTS)

# The non-container tests on Debian 13, in a container of the trixie lab:
# a clean copy of the tree, its own tools/deps.sh --test and -Werror build
# (tests/lab/debian13.sh; needs root and podman).
check-debian13:
	tests/lab/debian13.sh

demo: $(BINS)
	tools/demo.sh $(abspath $(ECHO_BIN)) $(abspath $(HTTPD_BIN))

# PNGs of the demo page and the diagnostics page in headless Chromium,
# served from the host and from the -demo image (tools/screenshots.sh).
screenshots: $(HTTPD_BIN)
	tools/screenshots.sh $(abspath $(HTTPD_BIN)) $(abspath build/screenshots)

# What make install puts under $(DOCDIR): the guides the man pages point
# to, and the reference units as examples.
DOCS = README.md SECURITY.md CHANGELOG.md BENCHMARKS.md LICENSE $(wildcard docs/*.md)
EXAMPLES = $(wildcard systemd/*.socket systemd/*.service systemd/*.container systemd/*.sh)

# The man pages name files under /usr/local; installed elsewhere, they
# name where they are.
install: $(BINS)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	for m in $(MANS); do \
		sed 's|/usr/local|$(PREFIX)|g' $$m >$(DESTDIR)$(MANDIR)/man1/$$(basename $$m) && \
		chmod 644 $(DESTDIR)$(MANDIR)/man1/$$(basename $$m) || exit 1; \
	done
	$(INSTALL) -m 644 $(filter-out docs/%,$(DOCS)) $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 644 $(filter docs/%,$(DOCS)) $(DESTDIR)$(DOCDIR)/docs/
	$(INSTALL) -m 644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/

# What install put, each file named as it goes (tools/deps.sh --remove
# takes away what the dependency scripts and tests added).
uninstall:
	rm -fv $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(BINS)))
	rm -fv $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MANS)))
	rm -rfv $(DESTDIR)$(DOCDIR)

# The OPTIONS and EXIT STATUS text of the man pages, from --help
# (tools/man-sync.py; tests/06-docs.bats fails when they differ).
man: $(BINS)
	tools/man-sync.py --update $(ECHO_BIN) echo/socket-activate-echo.1
	tools/man-sync.py --update $(HTTPD_BIN) httpd/socket-activate-httpd.1

clean:
	rm -rf build
