/* SPDX-License-Identifier: MIT */
/*
 * no-openat2 COMMAND [ARG...]: runs COMMAND where openat2() fails with
 * ENOSYS, as on a kernel before 5.6: a seccomp filter answers that one
 * system call and allows every other, and COMMAND is executed under it
 * (filters are inherited and stack with the server's own). For the end-
 * to-end tests of the path walk httpd falls back to there
 * (tests/21-httpd-security.bats).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <seccomp.h>

int
main(int argc, char *argv[])
{
	scmp_filter_ctx ctx;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: no-openat2 COMMAND [ARG...]\n");
		return 2;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		fprintf(stderr, "no-openat2: seccomp_init failed\n");
		return 1;
	}
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    seccomp_syscall_resolve_name("openat2"), 0);
	if (rc == 0)
		rc = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		fprintf(stderr, "no-openat2: %s\n", strerror(-rc));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no-openat2: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
