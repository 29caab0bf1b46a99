/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_HEADERS_H
#define SA_HTTPD_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/stat.h>

/* Header values a static server reads and writes. Pure code. */

/* "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters and a NUL. */
#define HDR_DATE_LEN 30
/* IMF-fixdate, whatever the locale. Returns buf. */
char *hdr_date_format(time_t t, char buf[HDR_DATE_LEN]);
/* The three forms RFC 9110 5.6.7 says recipients accept: IMF-fixdate,
 * RFC 850 and asctime(). Returns 0, or -1 when s is none of them. */
int hdr_date_parse(const char *s, size_t len, time_t *t);

/* A strong validator from size and modification time, quotes included. */
#define HDR_ETAG_LEN 48
char *hdr_etag_format(const struct stat *st, char buf[HDR_ETAG_LEN]);
/*
 * Whether the list in an If-None-Match (weak comparison: W/ ignored) or
 * If-Range (strong: a weak tag never matches) value names etag. "*"
 * matches anything. A malformed list matches nothing.
 */
bool hdr_etag_match(const char *list, size_t len, const char *etag,
    bool strong);

enum hdr_range {
	HDR_RANGE_NONE,		/* absent, malformed or several: send it all */
	HDR_RANGE_OK,		/* bytes *first..*last (inclusive) */
	HDR_RANGE_UNSATISFIABLE,	/* 416 */
};
/* A Range value ("bytes=0-99", "bytes=100-", "bytes=-100") against a
 * representation of size bytes. */
enum hdr_range hdr_range_parse(const char *s, size_t len, uint64_t size,
    uint64_t *first, uint64_t *last);

/* Content-Type for a file name, by extension: text types with
 * "; charset=utf-8"; application/octet-stream when unknown. */
const char *hdr_mime_type(const char *name);

#endif
