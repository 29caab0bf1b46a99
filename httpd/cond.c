/* SPDX-License-Identifier: MIT */
/*
 * Preconditions: which of 200/206, 304 and 412 a request for an existing
 * file gets, by RFC 9110 13.2.2, before any byte of it is read. Nothing
 * else decides this, so a resumed download with a stale validator can
 * never splice bytes of a changed file.
 */
#include "cond.h"
#include "headers.h"

/* A field holding one valid HTTP-date: its time in *t. A list of dates,
 * or anything else, is not one, and the field is then ignored. */
static bool
cond_date(const struct span *v, time_t *t)
{
	return v->p && hdr_date_parse(v->p, v->len, t) == 0;
}

/* If-Range: an entity-tag compared strongly, or the exact Last-Modified
 * date. */
static bool
cond_if_range(const struct span *v, const char *etag, time_t mtime)
{
	time_t t;

	if (v->len > 0 && (v->p[0] == '"' || v->p[0] == 'W'))
		return hdr_etag_match(v->p, v->len, etag, true);
	return cond_date(v, &t) && t == mtime;
}

enum cond_result
cond_evaluate(const struct request *req, const char *etag, time_t mtime)
{
	bool safe = req->method == REQUEST_GET || req->method == REQUEST_HEAD;
	time_t t;

	/* Steps 1 and 2: the state the client saw must still be current. */
	if (req->if_match.p) {
		if (!hdr_etag_match(req->if_match.p, req->if_match.len, etag,
		    true))
			return COND_FAILED;
	} else if (cond_date(&req->if_unmodified_since, &t) && mtime > t) {
		return COND_FAILED;
	}
	/* Steps 3 and 4: the client's copy may already be current. */
	if (req->if_none_match.p) {
		if (hdr_etag_match(req->if_none_match.p, req->if_none_match.len,
		    etag, false))
			return safe ? COND_NOT_MODIFIED : COND_FAILED;
	} else if (safe && cond_date(&req->if_modified_since, &t) &&
	    mtime <= t) {
		return COND_NOT_MODIFIED;
	}
	/* Step 5: a Range only for the representation the client has part
	 * of; If-Range without Range means nothing. */
	if (req->method == REQUEST_GET && req->range.p && req->if_range.p &&
	    !cond_if_range(&req->if_range, etag, mtime))
		return COND_FULL;
	return COND_PROCEED;
}

bool
cond_needs_current(const struct request *req)
{
	return req->if_match.p || req->if_unmodified_since.p ||
	    (req->method == REQUEST_GET && req->range.p && req->if_range.p);
}
