/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "notify.h"

int
notify_enabled(void)
{
	return getenv("NOTIFY_SOCKET") != NULL;
}

static int
notify_send(const char *state, const char *status)
{
	int r;

	if (!notify_enabled())
		return 0;
	r = status ? sd_notifyf(0, "%s%sSTATUS=%s", state ? state : "",
	    state ? "\n" : "", status) : sd_notify(0, state);
	return r < 0 ? r : 0;
}

int
notify_ready(const char *status)
{
	return notify_send("READY=1", status);
}

int
notify_status(const char *status)
{
	return notify_send(NULL, status);
}

int
notify_stopping(const char *status)
{
	return notify_send("STOPPING=1", status);
}

int
notify_watchdog(void)
{
	return notify_send("WATCHDOG=1", NULL);
}

uint64_t
notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	/* unset_environment=0: the variables stay for a re-check. */
	return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}
