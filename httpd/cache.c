/* SPDX-License-Identifier: MIT */
/*
 * The open-file cache: what answering a path needs (the open file, or its
 * whole body when small, and its validators and type), kept between
 * requests, so a hot small file costs one receive and one send instead of
 * an open, a stat, a read and a close each time.
 *
 * Bounded: at most max_entries paths (each small body in memory or one
 * open descriptor) and max_bytes of bodies, the least recently used
 * evicted first. Never stale for more than CACHE_CHECK_MS: an entry older
 * than that is handed back as stale, the caller resolves the path again
 * (openat2 below the root, as for an uncached request) and the entry is
 * kept only if it is still the same file in the same version (device,
 * inode, size, mtime and ctime to the nanosecond). So a file replaced,
 * truncated, renamed into place, deleted, reached through a retargeted
 * symlink or made unreadable is served as it was for at most that long,
 * like lighttpd's stat cache. What is served is always one version whole:
 * a small body is a copy, and a file kept open is checked with fstat()
 * before each use, so bytes changed in place never go out under the
 * validators of the version before.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "cache.h"

struct cache_entry {
	struct file_rep rep;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim, ctim;
	uint64_t checked_ms;
	size_t bytes;			/* of the body in memory */
	uint64_t hash;
	struct cache_entry *next;	/* in its hash bucket */
	TAILQ_ENTRY(cache_entry) lru;	/* most recently used first */
	char key[];
};

struct cache {
	unsigned max_entries, nentries;
	size_t max_bytes, bytes;
	size_t nbuckets;		/* a power of two */
	struct cache_entry **buckets;
	TAILQ_HEAD(cache_lru, cache_entry) lru;
};

static uint64_t
cache_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;	/* FNV-1a */
	return h;
}

struct cache *
cache_new(unsigned max_entries, size_t max_bytes)
{
	struct cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->max_entries = max_entries;
	c->max_bytes = max_bytes;
	/* At most half full: chains stay short. */
	for (c->nbuckets = 16; c->nbuckets < 2 * (size_t)max_entries;)
		c->nbuckets *= 2;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	TAILQ_INIT(&c->lru);
	return c;
}

static struct cache_entry **
cache_slot(struct cache *c, const char *key, uint64_t hash)
{
	struct cache_entry **p = &c->buckets[hash & (c->nbuckets - 1)];

	while (*p && ((*p)->hash != hash || strcmp((*p)->key, key) != 0))
		p = &(*p)->next;
	return p;
}

/* Unlinks and frees the entry *slot points to. */
static void
cache_remove(struct cache *c, struct cache_entry **slot)
{
	struct cache_entry *e = *slot;

	*slot = e->next;
	TAILQ_REMOVE(&c->lru, e, lru);
	c->nentries--;
	c->bytes -= e->bytes;
	if (e->rep.fd >= 0)
		close(e->rep.fd);
	free((char *)e->rep.body);
	free(e);
}

void
cache_free(struct cache *c)
{
	struct cache_entry *e;

	if (!c)
		return;
	while ((e = TAILQ_FIRST(&c->lru)))
		cache_remove(c, cache_slot(c, e->key, e->hash));
	free(c->buckets);
	free(c);
}

static bool
cache_same(const struct cache_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino &&
	    e->size == st->st_size &&
	    e->mtim.tv_sec == st->st_mtim.tv_sec &&
	    e->mtim.tv_nsec == st->st_mtim.tv_nsec &&
	    e->ctim.tv_sec == st->st_ctim.tv_sec &&
	    e->ctim.tv_nsec == st->st_ctim.tv_nsec;
}

struct file_rep *
cache_get(struct cache *c, const char *key, uint64_t now_ms, bool *stale)
{
	struct cache_entry *e = *cache_slot(c, key, cache_hash(key));
	struct stat st;

	if (!e)
		return NULL;
	TAILQ_REMOVE(&c->lru, e, lru);
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	*stale = now_ms - e->checked_ms >= CACHE_CHECK_MS ||
	    now_ms < e->checked_ms;
	/* A file kept open is read at send time: if it changed in place,
	 * its bytes would go out under the old validators. One fstat() is
	 * cheap beside sending 64 KiB or more. (A file replaced by rename
	 * stays the old inode here: old bytes, old validators, consistent.) */
	if (!*stale && e->rep.fd >= 0 &&
	    (fstat(e->rep.fd, &st) < 0 || !cache_same(e, &st)))
		*stale = true;
	return &e->rep;
}

void
cache_drop(struct cache *c, const char *key)
{
	struct cache_entry **slot = cache_slot(c, key, cache_hash(key));

	if (*slot)
		cache_remove(c, slot);
}

/* Room for one more entry of bytes: the least recently used go. */
static void
cache_make_room(struct cache *c, size_t bytes)
{
	struct cache_entry *e;

	while ((e = TAILQ_LAST(&c->lru, cache_lru)) &&
	    (c->nentries >= c->max_entries || bytes > c->max_bytes - c->bytes))
		cache_remove(c, cache_slot(c, e->key, e->hash));
}

struct file_rep *
cache_put(struct cache *c, const char *key, const char *name, int fd,
    const struct stat *st, uint64_t now_ms)
{
	uint64_t hash = cache_hash(key);
	struct cache_entry **slot = cache_slot(c, key, hash), *e = *slot;
	size_t klen = strlen(key), size = (size_t)st->st_size;
	char *body = NULL;

	if (e && cache_same(e, st)) {
		/* Still the same file, same version: good for another
		 * CACHE_CHECK_MS. */
		e->checked_ms = now_ms;
		close(fd);
		return &e->rep;
	}
	if (e)
		cache_remove(c, slot);
	if (c->max_entries == 0)
		return NULL;
	/* A small body is read now; one that changes while read (shorter
	 * than fstat() said) is served uncached, with its own checks. */
	if (size <= CACHE_BODY_MAX && size <= c->max_bytes) {
		body = malloc(size ? size : 1);
		if (!body || pread(fd, body, size, 0) != (ssize_t)size) {
			free(body);
			return NULL;
		}
	}
	cache_make_room(c, body ? size : 0);
	e = calloc(1, sizeof(*e) + klen + 1);
	if (!e) {
		free(body);
		return NULL;
	}
	memcpy(e->key, key, klen + 1);
	e->hash = hash;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtim = st->st_mtim;
	e->ctim = st->st_ctim;
	e->checked_ms = now_ms;
	e->rep.size = (uint64_t)size;
	e->rep.mtime = st->st_mtime;
	e->rep.type = hdr_mime_type(name);
	hdr_etag_format(st, e->rep.etag);
	hdr_date_format(st->st_mtime, e->rep.lastmod);
	if (body) {
		e->rep.body = body;
		e->rep.fd = -1;
		e->bytes = size;
		close(fd);
	} else {
		e->rep.fd = fd;
	}
	slot = cache_slot(c, key, hash);
	*slot = e;
	TAILQ_INSERT_HEAD(&c->lru, e, lru);
	c->nentries++;
	c->bytes += e->bytes;
	return &e->rep;
}
