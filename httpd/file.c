/* SPDX-License-Identifier: MIT */
/*
 * Routing: a GET or HEAD request's path becomes a file below the root (or
 * a directory's index.html, a listing, the diagnostics page), a redirect
 * to a directory's slash form, or an error status; and a file becomes a
 * 200, 206, 304 or 416 by its validators and the request's conditions.
 * Only regular files are served, and only through path.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpd.h"
#include "log.h"
#include "path.h"

/* One place maps errno to a status (OpenBSD httpd's server_file_access). */
static int
file_errno_status(struct client *c, int err, const char *what)
{
	const char *name = c->base.sock->name, *peer = c->base.peer.text;
	int fd = c->base.fd;

	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
	case ENXIO:	/* a socket file */
	case ENODEV:	/* a device without a driver */
	case ELOOP:	/* a symlink, refused (--no-symlinks, or no openat2) */
	case EXDEV:	/* a way out of the root, refused */
		if (err == ELOOP || err == EXDEV)
			log_debug("%s (fd %d): %s: %s refused: %s", name, fd,
			    peer, what, strerror(err));
		return 404;
	case EACCES:
	case EPERM:
		return 403;
	case EMFILE:
	case ENFILE:
		log_warning("%s (fd %d): %s: cannot open %s: %s", name, fd,
		    peer, what, strerror(err));
		return 503;
	default:
		log_error("%s (fd %d): %s: cannot open %s: %s", name, fd, peer,
		    what, strerror(err));
		return 500;
	}
}

/* If-Range: the Range applies only if the validator still matches. */
static bool
file_if_range(const struct request *req, const struct resp *r,
    const struct stat *st)
{
	const struct span *v = &req->if_range;
	time_t t;

	if (!v->p)
		return true;
	if (v->len > 0 && (v->p[0] == '"' || v->p[0] == 'W'))
		return hdr_etag_match(v->p, v->len, r->etag, true);
	return hdr_date_parse(v->p, v->len, &t) == 0 && t == st->st_mtime;
}

/* A regular file, fd taken: 200, 206, 304 or 416. */
static int
file_serve(struct client *c, const struct request *req, struct resp *r,
    int fd, const struct stat *st)
{
	struct httpd *h = c->h;
	uint64_t first, last, size = (uint64_t)st->st_size;
	time_t ims;

	r->validators = true;
	hdr_etag_format(st, r->etag);
	/* Most requests are for a few files of one deployment. */
	if (st->st_mtime != h->lm_time || !h->lm[0]) {
		h->lm_time = st->st_mtime;
		hdr_date_format(st->st_mtime, h->lm);
	}
	memcpy(r->lastmod, h->lm, sizeof(r->lastmod));
	/* RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only
	 * without it. */
	if (req->if_none_match.p ?
	    hdr_etag_match(req->if_none_match.p, req->if_none_match.len,
	    r->etag, false) :
	    req->if_modified_since.p &&
	    hdr_date_parse(req->if_modified_since.p,
	    req->if_modified_since.len, &ims) == 0 && st->st_mtime <= ims) {
		close(fd);
		return 304;
	}
	r->type = hdr_mime_type(h->rel);
	r->size = size;
	if (req->range.p && req->method == REQUEST_GET &&
	    file_if_range(req, r, st)) {
		switch (hdr_range_parse(req->range.p, req->range.len, size,
		    &first, &last)) {
		case HDR_RANGE_OK:
			r->fd = fd;
			r->off = first;
			r->len = last - first + 1;
			return 206;
		case HDR_RANGE_UNSATISFIABLE:
			close(fd);
			r->validators = false;
			return 416;
		case HDR_RANGE_NONE:
			break;
		}
	}
	r->fd = fd;
	r->off = 0;
	r->len = size;
	return 200;
}

/* A directory asked for without its slash: where it is. */
static int
file_redirect(struct client *c, const struct request *req, struct resp *r)
{
	struct httpd *h = c->h;
	struct evbuffer *loc = h->body;

	evbuffer_add(loc, "/", 1);
	response_urlencode(loc, h->rel, true);
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

int
file_route(struct client *c, const struct request *req, struct resp *r)
{
	struct httpd *h = c->h;
	size_t rlen;
	struct stat st;
	bool slash;
	int fd, ifd, status;

	if (h->conf.diagnostics && req->path.len == strlen(HTTPD_DIAG_PATH) &&
	    memcmp(req->path.p, HTTPD_DIAG_PATH, req->path.len) == 0)
		return diag_make(c, req, r);
	status = path_resolve(req->path.p, req->path.len, h->rel, h->rel_size,
	    &slash);
	if (status)
		return status;
	fd = path_open(h->conf.rootfd, h->rel, h->conf.no_symlinks);
	if (fd < 0)
		return file_errno_status(c, -fd, "path");
	if (fstat(fd, &st) < 0) {
		status = file_errno_status(c, errno, "path");
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
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
		if (fstat(fd, &st) < 0) {
			status = file_errno_status(c, errno, "index.html");
			goto out_close;
		}
	}
	/* Only regular files: not FIFOs, devices or sockets. */
	if (!S_ISREG(st.st_mode)) {
		status = 404;
		goto out_close;
	}
	return file_serve(c, req, r, fd, &st);
out_close:
	close(fd);
	return status;
}
