# socket-activate-httpd; included by the top Makefile (paths are relative to
# the repo root, $(B), $(COMMON_OBJ), $(CFLAGS)... come from there).
#   make                     $(B)/socket-activate-httpd, $(B)/unit/test-httpd

# llhttp: the library where the distribution has one (Debian 13, Fedora),
# else its C sources from Debian 12's node-llhttp, compiled in: installed
# (/usr/share/llhttp), or unpacked by tools/deps.sh without Node.js.
ifeq ($(shell $(PKG_CONFIG) --exists libllhttp 2>/dev/null && echo yes),yes)
LLHTTP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libllhttp)
LLHTTP_LIBS := $(shell $(PKG_CONFIG) --libs libllhttp)
LLHTTP_SRC :=
LLHTTP_OBJ :=
else
LLHTTP_DIR ?= $(firstword $(wildcard /usr/share/llhttp \
	/var/cache/socket-activate/llhttp/usr/share/llhttp) /usr/share/llhttp)
LLHTTP_INCLUDE ?= $(LLHTTP_DIR:%/llhttp=%/include/llhttp)
LLHTTP_CFLAGS := -isystem $(LLHTTP_INCLUDE)
LLHTTP_LIBS :=
LLHTTP_SRC := $(LLHTTP_DIR)/api.c $(LLHTTP_DIR)/http.c $(LLHTTP_DIR)/llhttp.c
LLHTTP_OBJ := $(B)/llhttp/api.o $(B)/llhttp/http.o $(B)/llhttp/llhttp.o

$(LLHTTP_SRC):
	@echo "llhttp: no $@ (tools/deps.sh installs llhttp or its sources)" >&2
	@exit 1

# Third-party, generated code: our warning flags (and -Werror) are not for
# it; optimization and sanitizer flags are.
$(B)/llhttp/%.o: $(LLHTTP_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(filter-out -W% -MMD -MP,$(CFLAGS)) -w \
		$(LLHTTP_CFLAGS) -c -o $@ $<
endif

HTTPD_BIN = $(B)/socket-activate-httpd

# The pure parts, shared by the server, the unit tests and the fuzzers.
HTTPD_CORE_SRC = httpd/request.c httpd/path.c httpd/headers.c httpd/media.c \
	httpd/cond.c httpd/escape.c httpd/wbuf.c httpd/content.c
HTTPD_CORE_OBJ = $(HTTPD_CORE_SRC:%.c=$(B)/%.o)
# The module: connections, routing, responses, logs.
HTTPD_MODULE_SRC = httpd/httpd.c httpd/client.c httpd/file.c httpd/cache.c \
	httpd/listing.c httpd/diag.c httpd/response.c httpd/accesslog.c
HTTPD_OBJ = $(B)/httpd/main.o $(HTTPD_MODULE_SRC:%.c=$(B)/%.o) \
	$(HTTPD_CORE_OBJ)
UNIT_HTTPD_BIN = $(B)/unit/test-httpd
UNIT_HTTPD_OBJ = $(B)/tests/unit/test-httpd.o $(B)/tests/unit/test-request.o \
	$(B)/tests/unit/test-content.o
UNIT_MEDIA_BIN = $(B)/unit/test-media
UNIT_MEDIA_OBJ = $(B)/tests/unit/test-media.o
UNIT_ESCAPE_BIN = $(B)/unit/test-escape
UNIT_ESCAPE_OBJ = $(B)/tests/unit/test-escape.o

$(HTTPD_OBJ) $(UNIT_HTTPD_OBJ) $(UNIT_MEDIA_OBJ) $(UNIT_ESCAPE_OBJ): override CPPFLAGS += $(LLHTTP_CFLAGS)
$(UNIT_HTTPD_OBJ) $(UNIT_MEDIA_OBJ) $(UNIT_ESCAPE_OBJ): override CPPFLAGS += -Ihttpd -Itests/unit

# Runs a command where openat2() is ENOSYS (the path walk's tests).
NO_OPENAT2_BIN = $(B)/no-openat2

BINS += $(HTTPD_BIN)
TEST_BINS += $(NO_OPENAT2_BIN)
MANS += httpd/socket-activate-httpd.1
UNIT_BINS += $(UNIT_HTTPD_BIN) $(UNIT_MEDIA_BIN) $(UNIT_ESCAPE_BIN)

$(NO_OPENAT2_BIN): $(B)/tests/tools/no-openat2.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(HTTPD_BIN): $(HTTPD_OBJ) $(LLHTTP_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LLHTTP_LIBS) $(LDLIBS)

$(UNIT_HTTPD_BIN): $(UNIT_HTTPD_OBJ) $(UNIT_SUPPORT_OBJ) $(HTTPD_CORE_OBJ) \
		$(LLHTTP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LLHTTP_LIBS) $(LDLIBS)

$(UNIT_MEDIA_BIN): $(UNIT_MEDIA_OBJ) $(UNIT_SUPPORT_OBJ) $(HTTPD_CORE_OBJ) \
		$(LLHTTP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LLHTTP_LIBS) $(LDLIBS)

$(UNIT_ESCAPE_BIN): $(UNIT_ESCAPE_OBJ) $(UNIT_SUPPORT_OBJ) $(B)/httpd/escape.o \
		$(B)/httpd/wbuf.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

-include $(HTTPD_OBJ:.o=.d) $(UNIT_HTTPD_OBJ:.o=.d) $(UNIT_MEDIA_OBJ:.o=.d) \
	$(UNIT_ESCAPE_OBJ:.o=.d)
