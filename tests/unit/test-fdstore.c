/* SPDX-License-Identifier: MIT */
/* Unit tests for common/fdstore.c: entry names, $FDSTORE, and taking
 * entries back (pairing a connection with its bytes, what is refused). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fdstore.h"
#include "unit.h"

static void
test_names(void)
{
	char buf[FDSTORE_NAME_MAX + 1], longname[400];
	const char *listener = NULL;
	unsigned long id = 0;

	CHECK(fdstore_name(buf, 7, "tcp") == 0);
	CHECK(strcmp(buf, "sa-conn-7-tcp") == 0);
	CHECK(fdstore_name_parse(buf, &id, &listener) == 0);
	CHECK(id == 7 && strcmp(listener, "tcp") == 0);

	/* A --listen address: ':' is not allowed in a name. */
	fdstore_name(buf, 0, "127.0.0.1:3000");
	CHECK(strcmp(buf, "sa-conn-0-127.0.0.1_3000") == 0);
	fdstore_name(buf, 1, "a\nb\177c");
	CHECK(strcmp(buf, "sa-conn-1-a_b_c") == 0);
	/* sd_listen_fds_with_names() would take '\\' for an escape. */
	fdstore_name(buf, 2, "a\\x20b\\");
	CHECK(strcmp(buf, "sa-conn-2-a_x20b_") == 0);
	CHECK(fdstore_name_parse("sa-conn-2-a\\b", &id, &listener) == -EINVAL);
	/* A listener name with '-' in it, and an empty one. */
	fdstore_name(buf, 42, "echo-fdstore");
	CHECK(fdstore_name_parse(buf, &id, &listener) == 0);
	CHECK(id == 42 && strcmp(listener, "echo-fdstore") == 0);
	fdstore_name(buf, 3, "");
	CHECK(fdstore_name_parse(buf, &id, &listener) == 0);
	CHECK(id == 3 && listener[0] == '\0');

	/* Cut to systemd's 255 characters, still ours and well formed. */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	fdstore_name(buf, 4294967295ul, longname);
	CHECK(strlen(buf) == FDSTORE_NAME_MAX);
	CHECK(fdstore_name_parse(buf, &id, &listener) == 0);
	CHECK(id == 4294967295ul);

	CHECK(fdstore_is_ours("sa-conn-1-tcp"));
	CHECK(!fdstore_is_ours("tcp"));
	CHECK(!fdstore_is_ours(NULL));
	CHECK(fdstore_name_parse("sa-conn-", &id, &listener) == -EINVAL);
	CHECK(fdstore_name_parse("sa-conn-x-tcp", &id, &listener) == -EINVAL);
	CHECK(fdstore_name_parse("sa-conn--1-tcp", &id, &listener) == -EINVAL);
	CHECK(fdstore_name_parse("sa-conn-12", &id, &listener) == -EINVAL);
	CHECK(fdstore_name_parse("sa-conn-99999999999999999999999-t", &id,
	    &listener) == -EINVAL);
	CHECK(fdstore_name_parse("sa-conn-1-a:b", &id, &listener) == -EINVAL);
	CHECK(fdstore_name_parse("tcp", &id, &listener) == -EINVAL);
}

static void
test_max(void)
{
	unsetenv("FDSTORE");
	CHECK(fdstore_max() == 0);
	setenv("FDSTORE", "1024", 1);
	CHECK(fdstore_max() == 1024);
	setenv("FDSTORE", "0", 1);
	CHECK(fdstore_max() == 0);
	setenv("FDSTORE", "", 1);
	CHECK(fdstore_max() == 0);
	setenv("FDSTORE", "-1", 1);
	CHECK(fdstore_max() == 0);
	setenv("FDSTORE", "12x", 1);
	CHECK(fdstore_max() == 0);
	setenv("FDSTORE", "99999999999999999999", 1);
	CHECK(fdstore_max() == 0);
	unsetenv("FDSTORE");
}

static int
memfd_with(const char *s)
{
	int fd = memfd_create("test", MFD_CLOEXEC);

	if (fd >= 0 && write(fd, s, strlen(s)) != (ssize_t)strlen(s)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void
test_take(void)
{
	struct fdstore_taken t = { 0 };
	int sp[2] = { -1, -1 }, sp2[2] = { -1, -1 }, pp[2] = { -1, -1 };
	int mfd, mfd2, extra;
	char err[256], *data = NULL;
	size_t len = 0;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp2) == 0);
	CHECK(pipe2(pp, O_CLOEXEC) == 0);
	mfd = memfd_with("pending bytes");
	mfd2 = memfd_with("more");
	CHECK(mfd >= 0 && mfd2 >= 0);

	/* The memfd first, then its socket: one entry, both in it. */
	CHECK(fdstore_take(&t, mfd, "sa-conn-5-tcp", err, sizeof(err)) == 0);
	CHECK(fdstore_take(&t, sp[0], "sa-conn-5-tcp", err, sizeof(err)) == 0);
	CHECK(fdstore_take(&t, sp2[0], "sa-conn-6-unix", err, sizeof(err)) == 0);
	CHECK(t.n == 2);
	CHECK(t.v[0].fd == sp[0] && t.v[0].data_fd == mfd);
	/* After the array grew for the second entry. */
	CHECK(t.v[0].id == 5 && strcmp(t.v[0].name + t.v[0].listener,
	    "tcp") == 0);
	CHECK(strcmp(t.v[1].name + t.v[1].listener, "unix") == 0);
	CHECK(t.v[1].fd == sp2[0] && t.v[1].data_fd < 0);

	/* A second memfd, a second socket under one name: refused. */
	CHECK(fdstore_take(&t, mfd2, "sa-conn-5-tcp", err, sizeof(err)) ==
	    -EEXIST);
	unit_note("%s", err);
	extra = dup(sp[1]);
	CHECK(fdstore_take(&t, extra, "sa-conn-6-unix", err, sizeof(err)) ==
	    -EEXIST);
	/* Neither a socket nor a file; a name this version cannot read. */
	CHECK(fdstore_take(&t, pp[0], "sa-conn-7-tcp", err, sizeof(err)) ==
	    -EBADFD);
	CHECK(strstr(err, "is a FIFO, neither a connection nor its bytes") !=
	    NULL);
	unit_note("%s", err);
	CHECK(fdstore_take(&t, mfd2, "sa-conn-v2-tcp", err, sizeof(err)) ==
	    -EINVAL);
	CHECK(strstr(err, "does not know") != NULL);
	/* Whoever started us wrote the names: a message shows them escaped,
	 * one line, one word. */
	CHECK(fdstore_take(&t, mfd2, "sa-conn-x\nforged: line \"q\"", err,
	    sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "(\"sa-conn-x\\x0aforged:\\x20line\\x20"
	    "\\x22q\\x22\")") != NULL);
	unit_note("%s", err);
	CHECK(t.n == 2);

	CHECK(fdstore_read(&t.v[0], 1024, &data, &len) == 0);
	CHECK(len == 13 && data && memcmp(data, "pending bytes", 13) == 0);
	free(data);
	CHECK(fdstore_read(&t.v[0], 12, &data, &len) == -EFBIG);
	CHECK(data == NULL && len == 0);
	CHECK(fdstore_read(&t.v[1], 1024, &data, &len) == 0);
	CHECK(data == NULL && len == 0);

	/* A connected socket passes (test_check_conn(): what does not). */
	CHECK(fdstore_check_conn(sp[0], err, sizeof(err)) == 0);
	fdstore_taken_free(&t);
	CHECK(t.n == 0 && t.v == NULL);
	/* fdstore_taken_free() closed sp[0], sp2[0] and mfd. */
	CHECK(fcntl(sp[0], F_GETFD) < 0 && fcntl(mfd, F_GETFD) < 0);
	close(sp[1]);
	close(sp2[1]);
	close(extra);
	close(pp[0]);
	close(pp[1]);
	close(mfd2);
}

static void
test_check_conn(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int l, u, d, r;
	char err[256];

	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/sa-fdstore-%d",
	    (int)getpid());
	unlink(sun.sun_path);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(bind(l, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	CHECK(listen(l, 1) == 0);
	r = fdstore_check_conn(l, err, sizeof(err));
	CHECK(r == -EINVAL);
	CHECK(strcmp(err, "a listening socket, not a connection") == 0);

	u = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fdstore_check_conn(u, err, sizeof(err)) == -ENOTCONN);
	CHECK(strstr(err, "no longer connected") != NULL);
	unit_note("%s", err);

	d = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fdstore_check_conn(d, err, sizeof(err)) == -EPROTOTYPE);
	CHECK(fdstore_check_conn(0x7fff, err, sizeof(err)) == -ENOTSOCK);
	close(d);
	close(u);
	close(l);
	unlink(sun.sun_path);
}

int
main(void)
{
	test_names();
	test_max();
	test_take();
	test_check_conn();
	return unit_end();
}
