/* SPDX-License-Identifier: MIT */
/*
 * Directory listings (--list-directories): an HTML page of a directory's
 * entries, dotfiles left out, sorted by name, every name escaped for the
 * link and for the text, bounded in entries and bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpd.h"

#define LISTING_ENTRIES 10000
#define LISTING_MAX (1024 * 1024)

static int
listing_name_cmp(const void *a, const void *b, void *arena)
{
	return strcmp((const char *)arena + *(const size_t *)a + 1,
	    (const char *)arena + *(const size_t *)b + 1);
}

/*
 * The entries of d into names: per entry one flag byte ('d' directory,
 * 'f' anything else), the name and its NUL; their offsets into offs.
 * Returns how many, *truncated when there were more than fit.
 */
static size_t
listing_read(DIR *d, struct evbuffer *names, size_t *offs, bool *truncated)
{
	struct dirent *de;
	struct stat st;
	size_t n = 0;

	while ((de = readdir(d))) {
		bool dir = de->d_type == DT_DIR;
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (n == LISTING_ENTRIES ||
		    evbuffer_get_length(names) + len + 2 > LISTING_MAX) {
			*truncated = true;
			break;
		}
		if (de->d_type == DT_UNKNOWN &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			dir = S_ISDIR(st.st_mode);
		offs[n++] = evbuffer_get_length(names);
		evbuffer_add(names, dir ? "d" : "f", 1);
		evbuffer_add(names, de->d_name, len + 1);
	}
	return n;
}

int
listing_make(struct client *c, int fd, struct resp *r)
{
	struct httpd *h = c->h;
	struct evbuffer *b = h->body, *names = NULL;
	size_t *offs = NULL, n, i;
	bool truncated = false;
	const char *arena;
	DIR *d;
	int status = 500;

	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 500;
	}
	offs = calloc(LISTING_ENTRIES, sizeof(*offs));
	names = evbuffer_new();
	if (!offs || !names)
		goto out;
	n = listing_read(d, names, offs, &truncated);
	arena = (const char *)evbuffer_pullup(names, -1);
	if (n > 0 && !arena)
		goto out;
	qsort_r(offs, n, sizeof(*offs), listing_name_cmp, (void *)arena);

	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html><head><meta "
	    "charset=\"utf-8\"><title>Index of /");
	httpd_add_escaped(b, escape_html, h->rel, strlen(h->rel));
	evbuffer_add_printf(b, "</title></head>\n<body><h1>Index of /");
	httpd_add_escaped(b, escape_html, h->rel, strlen(h->rel));
	evbuffer_add_printf(b, "</h1>\n<ul>\n");
	if (h->rel[0])
		evbuffer_add_printf(b, "<li><a href=\"../\">../</a></li>\n");
	for (i = 0; i < n; i++) {
		const char *e = arena + offs[i];
		size_t len = strlen(e + 1);

		/* Worst case of one entry: every byte escaped both ways. */
		if (evbuffer_get_length(b) + 9 * len + 64 > LISTING_MAX) {
			truncated = true;
			break;
		}
		evbuffer_add_printf(b, "<li><a href=\"");
		httpd_add_escaped(b, escape_url_segment, e + 1, len);
		evbuffer_add_printf(b, e[0] == 'd' ? "/\">" : "\">");
		httpd_add_escaped(b, escape_html, e + 1, len);
		evbuffer_add_printf(b, e[0] == 'd' ? "/</a></li>\n" :
		    "</a></li>\n");
	}
	evbuffer_add_printf(b, truncated ? "</ul>\n<p>(listing truncated)</p>\n"
	    "</body></html>\n" : "</ul>\n</body></html>\n");
	r->body = (const char *)evbuffer_pullup(b, -1);
	if (!r->body)
		goto out;
	r->type = "text/html; charset=utf-8";
	r->body_len = evbuffer_get_length(b);
	status = 200;
out:
	free(offs);
	if (names)
		evbuffer_free(names);
	closedir(d);
	return status;
}
