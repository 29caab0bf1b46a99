/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_ESCAPE_H
#define SA_HTTPD_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Outside text (file names, paths, addresses, what a client sent) made
 * safe for where it goes: an HTML page, a URL, a JSON string, a log line.
 * Pure code: no I/O, no allocation; unit-tested and fuzzed on its own.
 *
 * The first three work like snprintf(): they write at most size bytes,
 * NUL included (dst may be NULL when size is 0), never part of an escape,
 * and return the length the whole result needs, NUL excluded. They share
 * one type, so a caller can take any of them (httpd_add_escaped()).
 */
typedef size_t escape_fn(char *dst, size_t size, const char *s, size_t len);

/* HTML text or a quoted attribute value: & < > " ' as character
 * references. */
escape_fn escape_html;
/* A URL path: every byte but the unreserved characters of RFC 3986 2.3
 * and '/' as %XX (uppercase hex). */
escape_fn escape_url_path;
/* One path segment (a link to a file name): '/' escaped too. */
escape_fn escape_url_segment;
/*
 * The inside of a JSON string (RFC 8259): '"' and '\\' escaped, control
 * characters and DEL as \b \f \n \r \t or \u00XX, valid UTF-8 kept, and
 * each byte of an invalid UTF-8 sequence (a Unix socket path or an fd
 * name can hold any byte) as \ufffd, so the result is always valid JSON
 * text.
 */
escape_fn escape_json;

/*
 * A field of a log line: printable ASCII stays; every other byte, '"',
 * '\\' and, unless spaces, ' ' become \xHH (lowercase hex). Looks at no
 * more than max bytes of s; a field cut there, or at size - 1 bytes of
 * output, ends in "..." (after a whole escape). Writes a NUL when size >
 * 0 and returns the length written, NUL excluded: a log field is cut,
 * never measured.
 */
size_t escape_log(char *dst, size_t size, const char *s, size_t len,
    size_t max, bool spaces);

#endif
