/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "path.h"

#define PATH_OPEN_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

static int
path_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
path_resolve(const char *path, size_t len, char *out, size_t outsz,
    bool *slash)
{
	size_t i = 0, o = 0, seg;
	int hi, lo;

	*slash = false;
	if (outsz < len + 1 || len == 0 || path[0] != '/')
		return 400;
	/*
	 * One pass: decode a segment into out, then look at it. out never
	 * holds a leading or doubled '/', so popping a segment is a search
	 * back for the previous '/'.
	 */
	while (i < len) {
		i++;			/* the '/' */
		seg = o;
		while (i < len && path[i] != '/') {
			unsigned char c = (unsigned char)path[i];

			if (c == '%') {
				if (len - i < 3)
					return 400;
				hi = path_hex(path[i + 1]);
				lo = path_hex(path[i + 2]);
				if (hi < 0 || lo < 0)
					return 400;
				c = (unsigned char)(hi << 4 | lo);
				/* "%2F" would make one segment two. */
				if (c == '/' || c == '\0')
					return 400;
				i += 3;
			} else {
				i++;
			}
			if (c < 0x20 || c == 0x7f)
				return 400;
			out[o++] = (char)c;
		}
		*slash = true;
		if (o == seg)
			continue;	/* "//" or a trailing '/' */
		if (o - seg == 1 && out[seg] == '.') {
			o = seg;
			continue;
		}
		if (o - seg == 2 && out[seg] == '.' && out[seg + 1] == '.') {
			if (seg == 0)
				return 400;	/* above the root */
			/* Drop "..", its '/', and the segment before it. */
			o = seg - 1;
			while (o > 0 && out[o - 1] != '/')
				o--;
			continue;
		}
		*slash = false;
		out[o++] = '/';
	}
	/* Every kept segment got a '/' after it: drop the last one. */
	if (o > 0 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	/* Dotfiles: checked on the result, where only real names remain. */
	for (i = 0; i < o; i++)
		if (out[i] == '.' && (i == 0 || out[i - 1] == '/'))
			return 404;
	return 0;
}

static int
path_walk(int rootfd, const char *rel)
{
	char buf[PATH_MAX], *comp, *next;
	size_t n = strlen(rel);
	int dfd = rootfd, fd;

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	if (n == 0) {
		fd = openat(rootfd, ".", PATH_OPEN_FLAGS);
		return fd < 0 ? -errno : fd;
	}
	memcpy(buf, rel, n + 1);
	for (comp = buf; ; comp = next) {
		next = strchr(comp, '/');
		if (!next)
			break;
		*next++ = '\0';
		/* path_resolve() never makes these; refuse them anyway. */
		if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0 ||
		    *comp == '\0') {
			if (dfd != rootfd)
				close(dfd);
			return -EXDEV;
		}
		/* A symlink in the middle fails O_DIRECTORY | O_NOFOLLOW
		 * (ENOTDIR): never a step outside. */
		fd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		if (dfd != rootfd)
			close(dfd);
		if (fd < 0)
			return fd;
		dfd = fd;
	}
	if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0 ||
	    *comp == '\0') {
		fd = -EXDEV;
	} else {
		fd = openat(dfd, comp, PATH_OPEN_FLAGS | O_NOFOLLOW);
		if (fd < 0)
			fd = -errno;
	}
	if (dfd != rootfd)
		close(dfd);
	return fd;
}

int
path_open_mode(int rootfd, const char *rel, bool no_symlinks,
    enum path_mode mode)
{
	struct open_how how = {
		.flags = PATH_OPEN_FLAGS,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
		    (no_symlinks ? RESOLVE_NO_SYMLINKS : 0),
	};
	long fd;

	if (mode == PATH_WALK)
		return path_walk(rootfd, rel);
	fd = syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

int
path_open(int rootfd, const char *rel, bool no_symlinks)
{
	static enum path_mode mode = PATH_OPENAT2;
	int fd;

	fd = path_open_mode(rootfd, rel, no_symlinks, mode);
	if (fd == -ENOSYS && mode == PATH_OPENAT2) {
		mode = PATH_WALK;
		fd = path_open_mode(rootfd, rel, no_symlinks, mode);
	}
	return fd;
}
