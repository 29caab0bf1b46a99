/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_COND_H
#define SA_HTTPD_COND_H

#include <time.h>

#include "request.h"

/*
 * Conditional requests (RFC 9110 13): a request's precondition fields
 * against a file's validators. Pure code, unit-tested and fuzzed.
 */

enum cond_result {
	COND_PROCEED,		/* answer as if there were no conditions */
	COND_FULL,		/* the same, but If-Range failed: no Range */
	COND_NOT_MODIFIED,	/* 304 */
	COND_FAILED,		/* 412 Precondition Failed */
};

/*
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match,
 * If-Modified-Since and If-Range in the order of RFC 9110 13.2.2, for a
 * representation that exists, with strong validator etag (quotes
 * included) and modification time mtime (Last-Modified). A field whose
 * value is malformed is ignored, as the RFC says, except that a
 * malformed If-Match or If-None-Match matches nothing.
 */
enum cond_result cond_evaluate(const struct request *req, const char *etag,
    time_t mtime);

/*
 * Whether the answer must be about the file exactly as it is now: the
 * request names a validator it edits or resumes against (If-Match,
 * If-Unmodified-Since, or a Range under If-Range). A cache that may be a
 * second behind the disk must look again for these, or an open file
 * changed in place would send new bytes under the old validator.
 */
bool cond_needs_current(const struct request *req);

#endif
