/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
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

/* The most fds one message carries: the fd store's, a connection and
 * its memfd. */
#define NOTIFY_FDS_MAX 2

/* One message on the connected socket, as sd_notify() sends it: one
 * datagram of "VAR=value" lines, with fds[0..nfds) attached. */
static int
notify_sendmsg(const char *text, size_t len, const int *fds, unsigned nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * NOTIFY_FDS_MAX)];
	} control;
	struct iovec iov = { .iov_base = (void *)text, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	assert(nfds <= NOTIFY_FDS_MAX);
	if (nfds > 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}
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
	return notify_sendmsg(text, (size_t)n, NULL, 0);
}

int
notify_with_fds(const char *text, const int *fds, unsigned nfds)
{
	int r;

	if (!notify_enabled())
		r = -ENOTCONN;
	else if (nfds > NOTIFY_FDS_MAX)
		r = -E2BIG;
	else if (notify_fd >= 0)
		r = notify_sendmsg(text, strlen(text), fds, nfds);
	else {
		/* Not opened (no Unix NOTIFY_SOCKET): what libsystemd does,
		 * which the sandbox refuses (a new socket). */
		r = sd_pid_notify_with_fds(0, 0, text, fds, nfds);
		if (r == 0)
			r = -ENOTCONN;
	}
	return r < 0 ? r : 0;
}

int
notify_barrier(unsigned timeout_ms)
{
	int p[2] = { -EBADF, -EBADF }, r = 0, n, left = (int)timeout_ms;
	struct pollfd pfd = { .events = 0 };
	struct timespec t0, t;

	if (!notify_enabled())
		goto out;
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	r = notify_with_fds("BARRIER=1", &p[1], 1);
	/* Only the manager's copy may keep the pipe open now. */
	close(p[1]);
	p[1] = -EBADF;
	pfd.fd = p[0];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (r == 0) {
		/* POLLHUP: the manager closed its copy. */
		n = poll(&pfd, 1, left);
		if (n > 0)
			break;
		if (n == 0) {
			r = -ETIMEDOUT;
		} else if (errno != EINTR) {
			r = -errno;
		} else {
			clock_gettime(CLOCK_MONOTONIC, &t);
			left = (int)timeout_ms - (int)((t.tv_sec - t0.tv_sec) *
			    1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
			if (left < 0)
				left = 0;
		}
	}
out:
	if (p[0] >= 0)
		close(p[0]);
	return r;
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
