/* SPDX-License-Identifier: MIT */
#ifndef SA_SANDBOX_H
#define SA_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * What a server confines itself to once it holds its sockets:
 *  - Landlock: no filesystem access except reading beneath read_dir (when
 *    set), and no TCP bind or connect (ABI 4 and later), and no abstract
 *    Unix sockets or signals outside the sandbox (ABI 6 and later);
 *  - seccomp: no execve/execveat, no new sockets at all (socket,
 *    socketpair), no bind, listen or connect, no io_uring, and sendto()
 *    with an address only when send_to_addresses is set.
 * Inherited and already created sockets keep working: accept(), reads and
 * writes (send, sendmsg, sendfile) are untouched. sd_notify()'s socket
 * must be made and connected before (notify_open()): then messages, and
 * descriptors with them, go out on it with send() or sendmsg().
 */
struct sandbox_conf {
	const char *read_dir;	/* NULL: no filesystem access at all */
	/* Datagram sockets are served: replies go to each source address. */
	bool send_to_addresses;
};

/* Layers actually applied, for one log line. */
struct sandbox_result {
	int landlock_abi;	/* 0: kernel without Landlock */
	int seccomp;		/* 1 when the filter is installed */
	char detail[384];	/* e.g. "Landlock ABI 7 (fs, tcp, scope), seccomp" */
};

/*
 * Applies what the kernel supports. A kernel without Landlock or seccomp
 * is not an error (the result says what is missing); a failure to apply
 * one that exists is: returns -errno with err saying which step.
 */
int sandbox_apply(const struct sandbox_conf *conf, struct sandbox_result *res,
    char *err, size_t errlen);

#endif
