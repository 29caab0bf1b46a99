/* SPDX-License-Identifier: MIT */
/*
 * What a notification socket does with descriptors, measured from the
 * sending side: sends "FDSTORE=1\nFDNAME=NAME" with one memfd attached
 * (SCM_RIGHTS) to $NOTIFY_SOCKET, then READY=1, prints what each sendmsg()
 * returned, and waits for SIGTERM (the service stays up to be inspected:
 * `systemctl show -P NFileDescriptorStore`).
 *   notify-fds NAME
 * Built static by tests/53-fdstore-trixie.bats, so that it runs in any
 * container image, behind podman's relay or with systemd's own socket.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
send_text(int fd, const char *text, int pass)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (pass >= 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &pass, sizeof(int));
	}
	return sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int
main(int argc, char *argv[])
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char text[300];
	sigset_t set;
	int fd, mfd, r, sig;

	if (argc != 2 || !path || strlen(path) >= sizeof(un.sun_path)) {
		fprintf(stderr, "usage: NOTIFY_SOCKET=PATH notify-fds NAME\n");
		return 2;
	}
	memcpy(un.sun_path, path, strlen(path));
	if (un.sun_path[0] == '@')
		un.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	mfd = memfd_create("notify-fds", MFD_CLOEXEC);
	if (fd < 0 || mfd < 0 || connect(fd, (struct sockaddr *)&un,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path) + (path[0] != '@')))) {
		perror("notify-fds");
		return 1;
	}
	printf("NOTIFY_SOCKET=%s\n", path);
	snprintf(text, sizeof(text), "FDSTORE=1\nFDNAME=%s", argv[1]);
	r = send_text(fd, text, mfd);
	printf("FDSTORE=1 with an fd: %s\n", r < 0 ? strerror(-r) : "sent");
	r = send_text(fd, "READY=1", -1);
	printf("READY=1: %s\n", r < 0 ? strerror(-r) : "sent");
	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	return 0;
}
