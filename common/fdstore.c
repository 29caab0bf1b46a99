/* SPDX-License-Identifier: MIT */
/*
 * Connections kept in systemd's file descriptor store across a restart:
 * entry names, the message that stores one, and taking them back (see
 * fdstore.h for the contract between one instance and the next).
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fdstore.h"
#include "logesc.h"
#include "notify.h"

unsigned
fdstore_max(void)
{
	const char *s = getenv("FDSTORE");
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v > UINT_MAX)
		return 0;
	return (unsigned)v;
}

/* What systemd accepts in a name (fdname_is_valid()): printable ASCII,
 * and no ':', which separates names in $LISTEN_FDNAMES. And no '\\':
 * sd_listen_fds_with_names() reads it as an escape, so the next instance
 * would see another name than the one stored (and a name ending in one
 * fails the whole variable). */
static bool
fdstore_name_char_ok(char c)
{
	return c >= ' ' && c < 127 && c != ':' && c != '\\';
}

int
fdstore_name(char buf[FDSTORE_NAME_MAX + 1], unsigned long id,
    const char *listener)
{
	int n;
	size_t i;

	n = snprintf(buf, FDSTORE_NAME_MAX + 1, FDSTORE_PREFIX "%lu-%s", id,
	    listener ? listener : "");
	assert(n > 0);
	/* A listener name from --listen may hold ':' ("127.0.0.1:3000"). */
	for (i = sizeof(FDSTORE_PREFIX) - 1; buf[i]; i++)
		if (!fdstore_name_char_ok(buf[i]))
			buf[i] = '_';
	return 0;
}

bool
fdstore_is_ours(const char *name)
{
	return name && strncmp(name, FDSTORE_PREFIX,
	    sizeof(FDSTORE_PREFIX) - 1) == 0;
}

int
fdstore_name_parse(const char *name, unsigned long *id,
    const char **listener)
{
	const char *p, *s;
	unsigned long v;
	char *end;

	if (!fdstore_is_ours(name) || strlen(name) > FDSTORE_NAME_MAX)
		return -EINVAL;
	p = name + sizeof(FDSTORE_PREFIX) - 1;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno == ERANGE || *end != '-')
		return -EINVAL;
	for (s = end + 1; *s; s++)
		if (!fdstore_name_char_ok(*s))
			return -EINVAL;
	*id = v;
	*listener = end + 1;
	return 0;
}

/* A memfd holding data[0..len). Returns it, or -errno. */
static int
fdstore_memfd(const void *data, size_t len)
{
	const char *p = data;
	int fd, r;

	fd = memfd_create("sa-conn-bytes", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = w < 0 ? -errno : -EIO;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	return fd;
fail:
	close(fd);
	return r;
}

int
fdstore_put(const char *name, int fd, const void *data, size_t len)
{
	char msg[sizeof("FDSTORE=1\nFDNAME=") + FDSTORE_NAME_MAX];
	int fds[2] = { fd, -EBADF };
	int r = 0;

	assert(fd >= 0);
	if (!notify_enabled())
		r = -ENOTCONN;
	else if (len > 0)
		r = fds[1] = fdstore_memfd(data, len);
	if (r >= 0) {
		/* The name as the unit and the next instance spell it, never
		 * the escaped form the logs show. */
		snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
		r = notify_with_fds(msg, fds, fds[1] >= 0 ? 2 : 1);
	}
	/* The message holds its own reference to the memfd. */
	if (fds[1] >= 0)
		close(fds[1]);
	return r < 0 ? r : 0;
}

int
fdstore_remove(const char *name)
{
	char msg[sizeof("FDSTOREREMOVE=1\nFDNAME=") + FDSTORE_NAME_MAX];

	snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	return notify_with_fds(msg, NULL, 0);
}

static const char *
fdstore_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO: return "a FIFO";
	case S_IFDIR: return "a directory";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	default:      return "not a socket or a file";
	}
}

int
fdstore_take(struct fdstore_taken *t, int fd, const char *name, char *err,
    size_t errlen)
{
	struct fdstore_entry *e = NULL, *v;
	/* For the messages: whoever started us chose the name (logesc.h). */
	char esc[4 * FDSTORE_NAME_MAX + 1];
	const char *listener;
	unsigned long id;
	struct stat st;
	size_t i;
	int *slot, r = 0;

	logesc_str(esc, sizeof(esc), name, LOGESC_WORD);
	if (fdstore_name_parse(name, &id, &listener) < 0) {
		snprintf(err, errlen, "fd %d (\"%s\") has a name of the fd "
		    "store this version does not know", fd, esc);
		r = -EINVAL;
	} else if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "fd %d (\"%s\"): %s", fd, esc,
		    strerror(errno));
	} else if (!S_ISSOCK(st.st_mode) && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "fd %d (\"%s\") is %s, neither a "
		    "connection nor its bytes in flight", fd, esc,
		    fdstore_kind(st.st_mode));
		r = -EBADFD;
	}
	if (r < 0)
		goto out;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			e = &t->v[i];
	if (!e) {
		v = realloc(t->v, (t->n + 1) * sizeof(*v));
		if (!v) {
			snprintf(err, errlen, "fd %d (\"%s\"): out of memory",
			    fd, esc);
			r = -ENOMEM;
			goto out;
		}
		t->v = v;
		e = &t->v[t->n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->listener = (size_t)(listener - name);
		e->id = id;
		e->fd = e->data_fd = -EBADF;
	}
	slot = S_ISSOCK(st.st_mode) ? &e->fd : &e->data_fd;
	if (*slot >= 0) {
		snprintf(err, errlen, "fd %d (\"%s\") is a second %s under "
		    "one name", fd, esc, S_ISSOCK(st.st_mode) ? "socket" :
		    "file");
		r = -EEXIST;
		goto out;
	}
	*slot = fd;
out:
	return r;
}

int
fdstore_read(const struct fdstore_entry *e, size_t max, char **out,
    size_t *len)
{
	struct stat st;
	size_t size, got = 0;
	char *buf = NULL;
	int r = 0;

	*out = NULL;
	*len = 0;
	if (e->data_fd < 0)
		return 0;
	if (fstat(e->data_fd, &st) < 0)
		return -errno;
	if (st.st_size < 0 || (unsigned long long)st.st_size > max)
		return -EFBIG;
	size = (size_t)st.st_size;
	if (size == 0)
		return 0;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	while (got < size) {
		ssize_t n = pread(e->data_fd, buf + got, size - got,
		    (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* 0: the file shrank under us. */
			r = n < 0 ? -errno : -EIO;
			goto fail;
		}
		got += (size_t)n;
	}
	*out = buf;
	*len = size;
	return 0;
fail:
	free(buf);
	return r;
}

int
fdstore_check_conn(int fd, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(int), slen = sizeof(ss);
	int type = 0, acc = 0, soerr = 0;
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "not a socket");
		return -ENOTSOCK;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    (type != SOCK_STREAM && type != SOCK_SEQPACKET)) {
		snprintf(err, errlen, "not a stream or seqpacket socket");
		return -EPROTOTYPE;
	}
	len = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == 0 &&
	    acc) {
		snprintf(err, errlen, "a listening socket, not a connection");
		return -EINVAL;
	}
	len = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
	    soerr) {
		snprintf(err, errlen, "no longer connected: %s",
		    strerror(soerr));
		return -soerr;
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &slen) < 0) {
		int r = -errno;

		snprintf(err, errlen, "no longer connected: %s",
		    strerror(errno));
		return r;
	}
	return 0;
}

void
fdstore_taken_free(struct fdstore_taken *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i].fd >= 0)
			close(t->v[i].fd);
		if (t->v[i].data_fd >= 0)
			close(t->v[i].data_fd);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
