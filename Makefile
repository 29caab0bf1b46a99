# socket-activate-echo and socket-activate-httpd
VERSION = 0.1.0

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

# Build variants share the rules and differ in flags and output directory:
#   make                    -> build/
#   make SANITIZE=1         -> build-asan/ (ASan + UBSan)
#   make WERROR=1           -> warnings are errors (CI)
ifeq ($(SANITIZE),1)
B ?= build-asan
override CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
else
B ?= build
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
	common/server.c common/cli.c common/ratelimit.c
ECHO_SRC = echo/main.c echo/echo.c

COMMON_OBJ = $(COMMON_SRC:%.c=$(B)/%.o)
ECHO_OBJ = $(ECHO_SRC:%.c=$(B)/%.o)

# The default build puts binaries beside their sources; variants keep
# theirs in their own directory so both can exist at once.
ifeq ($(B),build)
BINDIR_OUT = echo
else
BINDIR_OUT = $(B)
endif
ECHO_BIN = $(BINDIR_OUT:echo=echo)/socket-activate-echo

.PHONY: all clean check check-asan test test-asan demo install uninstall

all: $(ECHO_BIN)

$(ECHO_BIN): $(ECHO_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

-include $(COMMON_OBJ:.o=.d) $(ECHO_OBJ:.o=.d)

clean:
	rm -rf build build-asan echo/socket-activate-echo

# Each server and tool adds its own rules.
-include httpd/httpd.mk
-include tests/bench/bench.mk
