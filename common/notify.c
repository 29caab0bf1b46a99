/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "notify.h"

/* The one notify socket, connected: see notify_open(). */
static int notify_fd = -EBADF;

int
notify_enabled(void)
{
	return getenv("NOTIFY_SOCKET") != NULL;
}

int
notify_open(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t len;
	size_t n;
	int fd = -EBADF, r = 0;

	if (!path || notify_fd >= 0)
		goto out;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n < 2 ||
	    n >= sizeof(un.sun_path)) {
		r = -EAFNOSUPPORT;
		goto out;
	}
	memcpy(un.sun_path, path, n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	if (path[0] == '@') {
		/* Abstract: a leading NUL, no terminator. */
		un.sun_path[0] = '\0';
		len--;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&un, len) < 0) {
		r = -errno;
		goto out;
	}
	notify_fd = fd;
	fd = -EBADF;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

void
notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -EBADF;
}

/* One message on the connected socket, as sd_notify() sends it: one
 * datagram of "VAR=value" lines. sendmsg(), so that descriptors can go
 * with a message too (FDSTORE=1) on the same socket. */
static int
notify_sendmsg(const char *text, size_t len)
{
	struct iovec iov = { .iov_base = (void *)text, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	return sendmsg(notify_fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int
notify_send(const char *state, const char *status)
{
	char text[1024];
	int n, r;

	if (!notify_enabled())
		return 0;
	if (notify_fd < 0) {
		/* Not opened (no Unix NOTIFY_SOCKET): what libsystemd does. */
		r = status ? sd_notifyf(0, "%s%sSTATUS=%s", state ? state : "",
		    state ? "\n" : "", status) : sd_notify(0, state);
		return r < 0 ? r : 0;
	}
	n = snprintf(text, sizeof(text), "%s%s%s%s", state ? state : "",
	    state && status ? "\n" : "", status ? "STATUS=" : "",
	    status ? status : "");
	if (n < 0 || (size_t)n >= sizeof(text))
		return -EMSGSIZE;
	return notify_sendmsg(text, (size_t)n);
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
