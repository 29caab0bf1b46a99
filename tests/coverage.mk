# make coverage: line and branch coverage of common/, echo/ and httpd/ from
# the test suite (gcov counters from the COVERAGE=1 build, build/coverage/,
# reported by gcovr: tests/coverage.sh). Included by the top Makefile.
#   make coverage                  build, run COVERAGE_TESTS, report
#   make coverage TESTS=FILE...    the same with these files only
#   make coverage-report           the report again, from the last run
# COVERAGE_TESTS are the files that run this build's binaries on this host;
# the others run images, labs, a VM or clang's fuzzers, whose counters
# never reach build/coverage.
COVERAGE_TESTS ?= tests/03-*.bats tests/05-*.bats tests/1*.bats tests/2*.bats \
	tests/3*.bats

.PHONY: coverage coverage-report
coverage:
	$(MAKE) COVERAGE=1 build-all
	tests/coverage.sh $(if $(TESTS),$(TESTS),$(COVERAGE_TESTS))

coverage-report:
	tests/coverage.sh report
