/* SPDX-License-Identifier: MIT */
#ifndef SA_NOTIFY_H
#define SA_NOTIFY_H

#include <stdint.h>

/*
 * sd_notify(3) for a server: every call is a no-op returning 0 when
 * NOTIFY_SOCKET is unset, so callers need no "are we under systemd" logic.
 * Each returns 0 or -errno.
 */

/*
 * Opens the socket every later message goes out on, connected to
 * NOTIFY_SOCKET ("/path" or "@abstract"): call it before the sandbox,
 * which allows no new socket, no connect, and no abstract socket made
 * outside it (sandbox.h); a connected socket needs none of them.
 * -EAFNOSUPPORT for another form (vsock:...): messages then go through
 * sd_notify(), which the sandbox refuses. Closed by notify_close().
 */
int notify_open(void);
void notify_close(void);

int notify_enabled(void);
int notify_ready(const char *status);
int notify_status(const char *status);
int notify_stopping(const char *status);
int notify_watchdog(void);
/*
 * text as it is ("VAR=value" lines), with fds attached when nfds > 0
 * (SCM_RIGHTS, as sd_pid_notify_with_fds() sends them): the fd store's
 * FDSTORE=1 and FDSTOREREMOVE=1. The fds stay the caller's; the message
 * holds its own references. -ENOTCONN when NOTIFY_SOCKET is unset:
 * unlike a status, descriptors sent nowhere are a failure the caller
 * must know of.
 */
int notify_with_fds(const char *text, const int *fds, unsigned nfds);
/*
 * sd_notify_barrier(3) on the connected socket: BARRIER=1 with one end of
 * a pipe, then waits up to timeout_ms for the service manager to close
 * it, which it does once it has processed every message sent before.
 * 0 (also when NOTIFY_SOCKET is unset), -ETIMEDOUT, or -errno.
 */
int notify_barrier(unsigned timeout_ms);
/* The watchdog period WATCHDOG_USEC asks for, 0 when there is none. */
uint64_t notify_watchdog_usec(void);

#endif
