/* SPDX-License-Identifier: MIT */
#ifndef SA_SANDBOX_H
#define SA_SANDBOX_H

#include <stddef.h>

/*
 * What a server confines itself to once it holds its sockets:
 *  - Landlock: no filesystem access except reading beneath read_dir (when
 *    set), and no TCP bind or connect (ABI 4 and later), and no abstract
 *    Unix sockets or signals outside the sandbox (ABI 6 and later);
 *  - seccomp: no execve/execveat, no connect, no new sockets except the
 *    Unix datagram sockets sd_notify(3) creates for each message.
 * Inherited and already created sockets keep working: accept(), reads and
 * writes are untouched.
 */
struct sandbox_conf {
	const char *read_dir;	/* NULL: no filesystem access at all */
	/* Keep abstract Unix sockets reachable: NOTIFY_SOCKET may be one. */
	int allow_abstract_unix;
};

/* Layers actually applied, for one log line. */
struct sandbox_result {
	int landlock_abi;	/* 0: kernel without Landlock */
	int seccomp;		/* 1 when the filter is installed */
	char detail[160];	/* e.g. "Landlock ABI 7 (fs, tcp, scope), seccomp" */
};

/*
 * Applies what the kernel supports. A kernel without Landlock or seccomp
 * is not an error (the result says what is missing); a failure to apply
 * one that exists is: returns -errno with err saying which step.
 */
int sandbox_apply(const struct sandbox_conf *conf, struct sandbox_result *res,
    char *err, size_t errlen);

#endif
