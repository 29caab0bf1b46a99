/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_CACHE_H
#define SA_HTTPD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "headers.h"

/* What serving a file needs: see cache.c. */

/* An entry older than this is checked against the file again. */
#define CACHE_CHECK_MS 1000
/* Bodies up to this size are kept in memory, larger files open. */
#define CACHE_BODY_MAX (64 * 1024)

/* A file as a response sees it. */
struct file_rep {
	int fd;			/* the open file, or -1: body holds it all */
	const char *body;	/* the whole content, when small; else NULL */
	uint64_t size;
	time_t mtime;
	const char *type;	/* Content-Type */
	char etag[HDR_ETAG_LEN];
	char lastmod[HDR_DATE_LEN];
};

struct cache;

/* max_entries 0: nothing is kept (every request opens its file). */
struct cache *cache_new(unsigned max_entries, size_t max_bytes);
void cache_free(struct cache *c);

/*
 * The entry for key (a resolved path, "dir/" for a directory's index), or
 * NULL. *stale: checked longer than CACHE_CHECK_MS ago, so the caller must
 * resolve the path again and call cache_put() (or cache_drop()) before
 * serving it.
 */
struct file_rep *cache_get(struct cache *c, const char *key, uint64_t now_ms,
    bool *stale);
/*
 * key now resolves to the regular file fd (st from fstat, name for its
 * type). Returns what to serve, cached, with fd taken (kept or closed);
 * or NULL when it cannot be cached, and fd is still the caller's.
 */
struct file_rep *cache_put(struct cache *c, const char *key, const char *name,
    int fd, const struct stat *st, uint64_t now_ms);
/* key no longer resolves to a file. */
void cache_drop(struct cache *c, const char *key);

#endif
