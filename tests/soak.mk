# Soak run; included by the top Makefile (paths are relative to the repo
# root). Both servers, socket-activated, under mixed load for SOAK_SECONDS;
# RSS and descriptor counts must come back to their baseline afterwards.
#   make soak                   300 s (SOAK_SECONDS=N for another length)
#   make soak-quick             30 s
#   make soak SANITIZE=1        the same against the ASan+UBSan build
# Prerequisites are named and recipes expanded when they run: the include
# order does not matter.

SOAK_SECONDS ?= 300

define soak_run
	SOAK_SECONDS=$(1) ECHO_BIN=$(abspath $(ECHO_BIN)) \
		HTTPD_BIN=$(abspath $(HTTPD_BIN)) tests/soak.sh
endef

.PHONY: soak soak-quick
soak: build-all build/bench/echo-load
	$(call soak_run,$(SOAK_SECONDS))

soak-quick: build-all build/bench/echo-load
	$(call soak_run,30)
