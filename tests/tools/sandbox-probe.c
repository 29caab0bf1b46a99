/* SPDX-License-Identifier: MIT */
/*
 * Applies the servers' very sandbox (common/sandbox.c), then tries what an
 * attacker who took over the process would: prints one line per attempt,
 * "ALLOWED" or "refused (errno)", for tests/03-sandbox.bats to judge.
 *   sandbox-probe READ_DIR INSIDE_FILE OUTSIDE_FILE TCP_PORT [dgram]
 * "dgram" applies it as for a server of datagram sockets (which may send
 * to an address). A Unix datagram socket OUTSIDE_FILE.sock is bound
 * before, to be sent to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "sandbox.h"

static void
report(const char *what, int ok)
{
	if (ok)
		printf("%s: ALLOWED\n", what);
	else
		printf("%s: refused (%s)\n", what, strerror(errno));
}

int
main(int argc, char *argv[])
{
	struct sandbox_conf conf = { 0 };
	struct sandbox_result res;
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_un un = { .sun_family = AF_UNIX }, un2;
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 }, fdmsg;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct cmsghdr *cmsg;
	char err[256];
	int fd, tcp, usrv, ucli, uconn, r;

	if (argc != 5 && !(argc == 6 && strcmp(argv[5], "dgram") == 0)) {
		fprintf(stderr, "usage: sandbox-probe DIR INSIDE OUTSIDE PORT "
		    "[dgram]\n");
		return 2;
	}
	conf.read_dir = argv[1];
	conf.send_to_addresses = argc == 6;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in.sin_port = htons((unsigned short)atoi(argv[4]));
	snprintf(un.sun_path, sizeof(un.sun_path), "%s.sock", argv[3]);
	un2 = un;
	snprintf(un2.sun_path, sizeof(un2.sun_path), "%s.bind", argv[3]);
	unlink(un.sun_path);
	unlink(un2.sun_path);
	/* Made before the sandbox, like a server's inherited sockets and its
	 * notify socket (connected). */
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	usrv = socket(AF_UNIX, SOCK_DGRAM, 0);
	ucli = socket(AF_UNIX, SOCK_DGRAM, 0);
	uconn = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (bind(usrv, (struct sockaddr *)&un, sizeof(un)) < 0 ||
	    connect(uconn, (struct sockaddr *)&un, sizeof(un)) < 0) {
		perror("sandbox-probe: set-up");
		return 1;
	}

	if (sandbox_apply(&conf, &res, err, sizeof(err)) < 0) {
		printf("sandbox_apply failed: %s\n", err);
		return 1;
	}
	printf("sandbox: %s\n", res.detail);

	fd = open(argv[2], O_RDONLY);
	report("read a file inside the root", fd >= 0);
	if (fd >= 0)
		close(fd);
	fd = open(argv[3], O_RDONLY);
	report("read a file outside the root", fd >= 0);
	fd = open(argv[2], O_WRONLY);
	report("write a file inside the root", fd >= 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	report("create a TCP socket", fd >= 0);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	report("create a UDP socket", fd >= 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	report("create a Unix stream socket", fd >= 0);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	report("create a Unix datagram socket", fd >= 0);
	r = connect(tcp, (struct sockaddr *)&in, sizeof(in));
	report("connect an existing TCP socket", r == 0);
	r = bind(tcp, (struct sockaddr *)&in, sizeof(in));
	report("bind an existing TCP socket", r == 0);
	r = bind(ucli, (struct sockaddr *)&un2, sizeof(un2));
	report("bind an existing Unix datagram socket", r == 0);
	r = listen(tcp, 1);
	report("listen on an existing TCP socket", r == 0);
	r = (int)sendto(ucli, "x", 1, 0, (struct sockaddr *)&un, sizeof(un));
	report("send to a Unix address from an existing datagram socket", r == 1);
	r = (int)send(uconn, "x", 1, 0);
	report("send on a datagram socket connected before (notify)", r == 1);
	r = (int)sendmsg(uconn, &msg, 0);
	report("sendmsg on a datagram socket connected before (notify)", r == 1);
	/* The fd store's FDSTORE=1: a connection's fd goes with the message. */
	fdmsg = msg;
	memset(&control, 0, sizeof(control));
	fdmsg.msg_control = control.buf;
	fdmsg.msg_controllen = sizeof(control.buf);
	cmsg = CMSG_FIRSTHDR(&fdmsg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &tcp, sizeof(int));
	r = (int)sendmsg(uconn, &fdmsg, 0);
	report("sendmsg with an fd on a datagram socket connected before "
	    "(fd store)", r == 1);
	r = (int)syscall(__NR_io_uring_setup, 1, NULL);
	report("set up io_uring", r >= 0 || errno == EFAULT);
	execl("/bin/true", "true", (char *)NULL);
	report("exec /bin/true", 0 == 1 /* execl only returns on failure */);
	return 0;
}
