/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int
cli_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0')
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int
cli_size(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char buf[32];
	size_t n = strlen(s);
	unsigned long mult = 1, v;
	int r;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	switch (buf[n - 1]) {
	case 'k': case 'K': mult = 1024; break;
	case 'm': case 'M': mult = 1024 * 1024; break;
	case 'g': case 'G': mult = 1024 * 1024 * 1024; break;
	}
	if (mult != 1)
		buf[n - 1] = '\0';
	r = cli_uint(buf, 0, max / mult, &v);
	if (r < 0)
		return r;
	v *= mult;
	if (v < min)
		return -ERANGE;
	*out = v;
	return 0;
}

int
cli_seconds(const char *s, unsigned max_s, unsigned *ms)
{
	char *end;
	double v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end != '\0' || !isfinite(v))
		return -EINVAL;
	if (v > max_s)
		return -ERANGE;
	*ms = (unsigned)(v * 1000.0 + 0.5);
	return 0;
}

int
cli_sockets(unsigned types, char *const *listen, size_t nlisten,
    struct sock **out, char *err, size_t errlen)
{
	struct sock *socks = NULL, *tmp;
	struct addr_spec spec;
	struct stat st;
	size_t i;
	int n, r;

	n = activate_collect(types, &socks, err, errlen);
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
