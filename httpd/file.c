/* SPDX-License-Identifier: MIT */
/*
 * Routing: a GET or HEAD request's path becomes a file below the root (or
 * a directory's index.html, a listing, the diagnostics page), a redirect
 * to a directory's slash form, or an error status; and a file becomes a
 * 200, 206, 304, 412 or 416 by its validators and the request's
 * conditions (cond.c). OPTIONS is answered from where GET would go.
 * Only regular files are served, and only through path.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cond.h"
#include "httpd.h"
#include "log.h"
#include "path.h"

/* One place maps errno to a status (OpenBSD httpd's server_file_access). */
static int
file_errno_status(struct client *c, int err, const char *what)
{
	int status, prio = LOG_DEBUG;
	char peer[PEER_TEXT_MAX];

	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
	case ENXIO:	/* a socket file */
	case ENODEV:	/* a device without a driver */
		return 404;
	case ELOOP:	/* a symlink, refused (--no-symlinks, or no openat2) */
	case EXDEV:	/* a way out of the root, refused */
		if (!log_debug_enabled())
			return 404;
		log_debug("%s (fd %d): %s: %s refused: %s", c->base.sock->name,
		    c->base.fd, peer_text(&c->base.peer, peer), what,
		    strerror(err));
		return 404;
	case EACCES:
	case EPERM:
		return 403;
	case EMFILE:
	case ENFILE:
		prio = LOG_WARNING;
		status = 503;
		break;
	default:
		prio = LOG_ERR;
		status = 500;
		break;
	}
	log_printf(prio, "%s (fd %d): %s: cannot open %s: %s",
	    c->base.sock->name, c->base.fd, peer_text(&c->base.peer, peer),
	    what, strerror(err));
	return status;
}

/*
 * A regular file: 200, 206, 304, 412 or 416 (cond.c decides the first
 * three), and the part of it to send: from
 * memory (f->body), or from f->fd, which the response takes when owned
 * (an uncached file) and gets a duplicate of when cached.
 */
static int
file_serve(struct client *c, const struct request *req, struct resp *r,
    const struct file_rep *f, bool owned)
{
	uint64_t first = 0, last = f->size - 1;
	enum cond_result cond;
	int status = 200;

	r->file = true;
	r->validators = true;
	memcpy(r->etag, f->etag, sizeof(r->etag));
	memcpy(r->lastmod, f->lastmod, sizeof(r->lastmod));
	cond = cond_evaluate(req, f->etag, f->mtime);
	if (cond == COND_NOT_MODIFIED || cond == COND_FAILED) {
		r->validators = cond == COND_NOT_MODIFIED;
		status = cond == COND_NOT_MODIFIED ? 304 : 412;
		goto out_nobody;
	}
	r->type = f->type;
	r->size = f->size;
	if (req->range.p && req->method == REQUEST_GET && cond == COND_PROCEED) {
		switch (hdr_range_parse(req->range.p, req->range.len, f->size,
		    &first, &last)) {
		case HDR_RANGE_OK:
			status = 206;
			break;
		case HDR_RANGE_UNSATISFIABLE:
			r->validators = false;
			status = 416;
			goto out_nobody;
		case HDR_RANGE_NONE:
			first = 0;
			last = f->size - 1;
			break;
		}
	}
	r->off = first;
	r->len = f->size ? last - first + 1 : 0;
	if (f->body) {
		r->body = f->body + first;
		r->body_len = (size_t)r->len;
		return status;
	}
	r->fd = owned ? f->fd : fcntl(f->fd, F_DUPFD_CLOEXEC, 0);
	if (r->fd < 0)
		return file_errno_status(c, errno, "a cached file");
	return status;
out_nobody:
	if (owned)
		close(f->fd);
	return status;
}

/* A regular file that could not be cached (fd taken). */
static int
file_serve_fd(struct client *c, const struct request *req, struct resp *r,
    int fd, const struct stat *st)
{
	struct file_rep f = {
		.fd = fd,
		.size = (uint64_t)st->st_size,
		.mtime = st->st_mtime,
		.type = hdr_mime_type(c->h->rel),
	};

	hdr_etag_format(st, f.etag);
	hdr_date_format(st->st_mtime, f.lastmod);
	return file_serve(c, req, r, &f, true);
}

/* A directory asked for without its slash: where it is. */
static int
file_redirect(struct client *c, const struct request *req, struct resp *r)
{
	struct httpd *h = c->h;
	struct evbuffer *loc = h->body;

	evbuffer_add(loc, "/", 1);
	httpd_add_escaped(loc, escape_url_path, h->rel, strlen(h->rel));
	evbuffer_add(loc, "/", 1);
	if (req->query.p) {
		evbuffer_add(loc, "?", 1);
		evbuffer_add(loc, req->query.p, req->query.len);
	}
	if (evbuffer_add(loc, "", 1) < 0)
		return 500;
	r->location = (const char *)evbuffer_pullup(loc, -1);
	return r->location ? 301 : 500;
}

/*
 * The path in h->rel, resolved below the root: a regular file (its fd,
 * with *st; h->rel then names it, index.html appended for a directory),
 * or the status to answer (0 with *fd -1: r holds a redirect or listing).
 */
static int
file_resolve(struct client *c, const struct request *req, struct resp *r,
    bool slash, int *fdp, struct stat *st)
{
	struct httpd *h = c->h;
	size_t rlen;
	int fd, ifd, status;

	*fdp = -1;
	fd = path_open(h->conf.rootfd, h->rel, h->conf.no_symlinks);
	if (fd < 0)
		return file_errno_status(c, -fd, "path");
	if (fstat(fd, st) < 0) {
		status = file_errno_status(c, errno, "path");
		goto out_close;
	}
	/* Only a directory has a slash form: "/f.txt/" is not "/f.txt". */
	if (slash && !S_ISDIR(st->st_mode)) {
		status = 404;
		goto out_close;
	}
	if (S_ISDIR(st->st_mode)) {
		if (!slash) {
			status = file_redirect(c, req, r);
			goto out_close;
		}
		rlen = strlen(h->rel);
		snprintf(h->rel + rlen, h->rel_size - rlen, "%sindex.html",
		    rlen ? "/" : "");
		ifd = path_open(h->conf.rootfd, h->rel, h->conf.no_symlinks);
		if (ifd == -ENOENT) {
			h->rel[rlen] = '\0';
			if (h->conf.list_dirs)
				return listing_make(c, fd, r);
			status = 403;
			goto out_close;
		}
		close(fd);
		if (ifd < 0)
			return file_errno_status(c, -ifd, "index.html");
		fd = ifd;
		if (fstat(fd, st) < 0) {
			status = file_errno_status(c, errno, "index.html");
			goto out_close;
		}
	}
	/* Only regular files: not FIFOs, devices or sockets. */
	if (!S_ISREG(st->st_mode)) {
		status = 404;
		goto out_close;
	}
	*fdp = fd;
	return 0;
out_close:
	close(fd);
	return status;
}

int
file_route(struct client *c, const struct request *req, struct resp *r)
{
	struct httpd *h = c->h;
	struct file_rep *f;
	struct timeval tv;
	struct stat st;
	uint64_t now;
	size_t klen;
	bool slash, stale = false;
	int fd, status;

	if (h->conf.diagnostics && req->path.len == strlen(HTTPD_DIAG_PATH) &&
	    memcmp(req->path.p, HTTPD_DIAG_PATH, req->path.len) == 0)
		return diag_make(c, req, r);
	status = path_resolve(req->path.p, req->path.len, h->rel, h->rel_size,
	    &slash);
	if (status)
		return status;
	/* The cache key: the path, and whether it asked for a directory
	 * (path_resolve() left room for "/index.html"). */
	klen = strlen(h->rel);
	memcpy(h->key, h->rel, klen);
	if (slash)
		h->key[klen++] = '/';
	h->key[klen] = '\0';
	event_base_gettimeofday_cached(server_base(h->srv), &tv);
	now = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
	f = cache_get(h->cache, h->key, now, &stale);
	if (f && !stale && !cond_needs_current(req))
		return file_serve(c, req, r, f, false);
	status = file_resolve(c, req, r, slash, &fd, &st);
	if (fd < 0) {
		if (f)
			cache_drop(h->cache, h->key);
		return status;
	}
	f = cache_put(h->cache, h->key, h->rel, fd, &st, now);
	if (!f)
		return file_serve_fd(c, req, r, fd, &st);
	return file_serve(c, req, r, f, false);
}

/*
 * OPTIONS (RFC 9110 9.3.7): the methods allowed, and no body, where GET
 * would find something; where it would not, the same status GET gets.
 * "*" asks about the server itself.
 */
int
file_options(struct client *c, const struct request *req, struct resp *r)
{
	int status = 200;

	if (req->path.p[0] != '*')
		status = file_route(c, req, r);
	if (status != 200)
		return status;
	if (r->fd >= 0)
		close(r->fd);
	*r = (struct resp){ .fd = -1, .body = "", .allow = true };
	return 200;
}
