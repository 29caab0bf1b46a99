# vsock end to end in a small VM (tests/vsock/vm.sh): included by the top
# Makefile. `make check-vsock` runs tests/60-vsock-vm.bats alone against
# this build; `make check` runs it with every other test file.
.PHONY: check-vsock
check-vsock: $(ECHO_BIN) $(HTTPD_BIN)
	ECHO_BIN=$(abspath $(ECHO_BIN)) HTTPD_BIN=$(abspath $(HTTPD_BIN)) \
	BUILD_DIR=$(abspath $(B)) tests/run tests/60-vsock-vm.bats
