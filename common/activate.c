/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "activate.h"
#include "logesc.h"

static unsigned
activate_type_bit(int type)
{
	switch (type) {
	case SOCK_STREAM:    return ACTIVATE_STREAM;
	case SOCK_DGRAM:     return ACTIVATE_DGRAM;
	case SOCK_SEQPACKET: return ACTIVATE_SEQPACKET;
	default:             return 0;
	}
}

static const char *
activate_fd_kind(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return "not an open file descriptor";
	switch (st.st_mode & S_IFMT) {
	case S_IFIFO: return "a FIFO";
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	default:      return "not a socket";
	}
}

/* "an IPv4 socket", "a Unix socket", "an unknown family": by the sound of
 * the names addr.c gives, where only capital U ("Unix") sounds "you". */
static const char *
activate_article(const char *word)
{
	return word[0] && strchr("AEIOaeiou", word[0]) ? "an" : "a";
}

int
activate_describe(int fd, const char *name, unsigned types, struct sock *s,
    char *err, size_t errlen)
{
	union addr_any a;
	socklen_t len = sizeof(a), olen;
	int type = 0, acc = 0, fl;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	logesc_str(s->name, sizeof(s->name), name ? name : "unknown",
	    LOGESC_WORD);
	snprintf(s->raw_name, sizeof(s->raw_name), "%s",
	    name ? name : "unknown");

	if (sd_is_socket(fd, AF_UNSPEC, 0, -1) <= 0) {
		snprintf(err, errlen, "fd %d (\"%s\") is %s, not a socket",
		    fd, s->name, activate_fd_kind(fd));
		return -ENOTSOCK;
	}
	olen = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &olen) < 0 ||
	    getsockname(fd, &a.sa, &len) < 0) {
		int r = -errno;

		snprintf(err, errlen, "fd %d (\"%s\"): %s", fd, s->name,
		    strerror(errno));
		return r;
	}
	s->family = a.sa.sa_family;
	s->type = type;
	/* The families served are the rows of addr.c's table. */
	if (!addr_family_find(s->family) || !(activate_type_bit(type) & types)) {
		snprintf(err, errlen, "fd %d (\"%s\") is %s %s %s socket, which "
		    "this server does not serve", fd, s->name,
		    activate_article(addr_family_name(s->family)),
		    addr_family_name(s->family), addr_type_name(type));
		return -EPROTONOSUPPORT;
	}
	olen = sizeof(acc);
	if (type != SOCK_DGRAM &&
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &olen) == 0)
		s->listening = acc != 0;
	addr_format(&a.sa, len, s->local, sizeof(s->local));

	/* Everything runs from one event loop: never block on a socket, and
	 * never leak one into a child. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int r = -errno;

		snprintf(err, errlen, "fd %d (\"%s\"): %s", fd, s->name,
		    strerror(errno));
		return r;
	}
	return 0;
}

int
activate_collect(unsigned types, struct sock **out,
    struct fdstore_taken *kept, activate_skip_fn *skip, char *err,
    size_t errlen)
{
	char **names = NULL;
	struct sock *socks = NULL;
	int n, i = 0, r, nsocks = 0;

	*out = NULL;
	n = sd_listen_fds_with_names(1, &names);
	if (n < 0) {
		snprintf(err, errlen, "cannot take the sockets passed by "
		    "systemd (LISTEN_FDS/LISTEN_PID): %s", strerror(-n));
		return n;
	}
	if (n == 0) {
		r = 0;
		goto out_names;
	}
	socks = calloc((size_t)n, sizeof(*socks));
	if (!socks) {
		r = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out_close;
	}
	for (i = 0; i < n; i++) {
		if (kept && names && fdstore_is_ours(names[i])) {
			/* A connection the last instance kept, or its
			 * bytes: served once the server runs. */
			if (fdstore_take(kept, SD_LISTEN_FDS_START + i,
			    names[i], err, errlen) < 0) {
				close(SD_LISTEN_FDS_START + i);
				skip(err);
			}
			continue;
		}
		r = activate_describe(SD_LISTEN_FDS_START + i,
		    names ? names[i] : NULL, types, &socks[nsocks], err, errlen);
		if (r == -ENOTSOCK) {
			/* Not ours to serve, and not a mistake either:
			 * systemd hands over files too (OpenFile=). */
			close(SD_LISTEN_FDS_START + i);
			skip(err);
			continue;
		}
		if (r < 0)
			goto out_close;
		socks[nsocks++].activated = true;
	}
	*out = socks;
	socks = NULL;
	r = nsocks;
out_close:
	if (r < 0) {
		/* Every fd passed is ours, whatever happens: those
		 * described, the one refused and those not looked at yet
		 * (skipped ones are closed already). */
		while (nsocks > 0)
			close(socks[--nsocks].fd);
		for (; i < n; i++)
			close(SD_LISTEN_FDS_START + i);
	}
	free(socks);
out_names:
	if (names)
		for (i = 0; names[i]; i++)
			free(names[i]);
	free(names);
	return r;
}

int
activate_bind(const struct addr_spec *spec, const char *name, unsigned types,
    struct sock *s, char *err, size_t errlen)
{
	char text[sizeof(s->name)];
	int fd, r, one = 1;

	/* The caller's text, for the messages below. */
	logesc_str(text, sizeof(text), name, LOGESC_WORD);
	fd = socket(spec->addr.sa.sa_family, spec->type | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: cannot create a %s %s socket: %s",
		    text, addr_family_name(spec->addr.sa.sa_family),
		    addr_type_name(spec->type), strerror(errno));
		return r;
	}
	if (spec->addr.sa.sa_family == AF_INET ||
	    spec->addr.sa.sa_family == AF_INET6)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (spec->dual_stack) {
		int zero = 0;

		/* Not left to the net.ipv6.bindv6only sysctl: "3000" means
		 * both families, as BindIPv6Only=both does for systemd. */
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		    sizeof(zero));
	}
	if (bind(fd, &spec->addr.sa, spec->len) < 0 ||
	    (spec->type != SOCK_DGRAM && listen(fd, SOMAXCONN) < 0)) {
		r = -errno;
		snprintf(err, errlen, "%s: cannot listen: %s", text,
		    strerror(errno));
		goto out_close;
	}
	r = activate_describe(fd, name, types, s, err, errlen);
	if (r < 0)
		goto out_close;
	return 0;
out_close:
	close(fd);
	return r;
}

int
activate_sockets(unsigned types, char *const *listen, size_t nlisten,
    struct sock **out, struct fdstore_taken *kept, activate_skip_fn *skip,
    char *err, size_t errlen)
{
	struct sock *socks = NULL, *tmp;
	struct addr_spec spec;
	struct stat st;
	size_t i;
	int n, r;

	n = activate_collect(types, &socks, kept, skip, err, errlen);
	if (n < 0)
		return n;
	if (nlisten == 0) {
		*out = socks;
		return n;
	}
	tmp = realloc(socks, ((size_t)n + nlisten) * sizeof(*socks));
	if (!tmp) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	socks = tmp;
	for (i = 0; i < nlisten; i++) {
		r = addr_parse(listen[i], &spec, err, errlen);
		if (r < 0)
			goto fail;
		if (spec.addr.sa.sa_family == AF_UNIX &&
		    spec.addr.un.sun_path[0] == '/' &&
		    stat(spec.addr.un.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
			/* A stale socket from an earlier run would make bind()
			 * fail; systemd removes it the same way. Anything that
			 * is not a socket is left alone and bind() says so. */
			(void)unlink(spec.addr.un.sun_path);
		r = activate_bind(&spec, listen[i], types, &socks[n], err,
		    errlen);
		if (r < 0)
			goto fail;
		n++;
	}
	*out = socks;
	return n;
fail:
	while (n-- > 0)
		close(socks[n].fd);
	free(socks);
	return r;
}
