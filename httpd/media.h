/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_MEDIA_H
#define SA_HTTPD_MEDIA_H

#include <stddef.h>

/*
 * Pages the server generates in several forms (the diagnostics page):
 * which form a request asks for, by Accept or by ?format= (the JSON
 * form's escaping is escape.h's). Pure code: no I/O, no allocation, no
 * logging; unit-tested and fuzzed on its own.
 */

/* Results besides an index into the offers. */
enum {
	MEDIA_ABSENT = -1,	/* ?format= not in the query */
	MEDIA_UNACCEPTABLE = -2,	/* nothing offered is acceptable: 406 */
	MEDIA_INVALID = -3,	/* malformed, repeated or unknown: 400 */
};

/*
 * Which of n (at most 8) offered media types ("text/plain", in the order
 * the server prefers them) an Accept field value prefers (RFC 9110 12.5.1): each offer
 * gets the qvalue of the most specific media range that matches it (a
 * full type over a type with a wildcard subtype over the all-wildcard
 * range; the highest among equally specific ones), q=0 meaning "not
 * acceptable"; the highest qvalue wins,
 * ties going to the earlier offer. Media type parameters of a range are
 * checked for syntax and otherwise ignored, as are parameters after q
 * (RFC 7231's accept-ext). An absent (v NULL) or empty field accepts
 * anything: offer 0. Returns the index, MEDIA_UNACCEPTABLE or
 * MEDIA_INVALID.
 */
int media_accept(const char *v, size_t len, const char *const *offers,
    size_t n);

/*
 * The format= parameter of a query string (the part after '?', without
 * it; NULL when there was no '?'), among n names ("text", "json"),
 * compared as sent (case-sensitive, not percent-decoded). Returns the
 * index of the name, MEDIA_ABSENT when there is no format= parameter, or
 * MEDIA_INVALID for an unknown name or a repeated parameter.
 */
int media_query_format(const char *q, size_t len, const char *const *names,
    size_t n);

#endif
