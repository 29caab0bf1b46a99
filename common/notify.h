/* SPDX-License-Identifier: MIT */
#ifndef SA_NOTIFY_H
#define SA_NOTIFY_H

#include <stdint.h>

/*
 * sd_notify(3) for a server: every call is a no-op returning 0 when
 * NOTIFY_SOCKET is unset, so callers need no "are we under systemd" logic.
 * Each returns 0 or -errno.
 */
int notify_enabled(void);
int notify_ready(const char *status);
int notify_status(const char *status);
int notify_stopping(const char *status);
int notify_watchdog(void);
/* The watchdog period WATCHDOG_USEC asks for, 0 when there is none. */
uint64_t notify_watchdog_usec(void);

#endif
