/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_CONTENT_H
#define SA_HTTPD_CONTENT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The content that follows a request head, read to be dropped: a static
 * server has no use for it, but a GET, HEAD or OPTIONS may carry some
 * (RFC 9110 9.3.1: it has no defined meaning there), and the next request
 * starts where it ends. Its framing is Content-Length, or the chunked
 * transfer coding (RFC 9112 7.1), parsed here byte by byte, strictly: a
 * chunk size of hex digits, chunk extensions without CR, LF or other
 * control bytes, CRLF after every line and every chunk's data, trailer
 * field lines that start with a token character. Anything else is a
 * framing error, after which nothing on the connection can be trusted.
 * Pure code: no I/O, no allocation; unit-tested and fuzzed on its own.
 */

enum content_state {
	CONTENT_LENGTH,		/* counting down Content-Length bytes */
	CONTENT_SIZE_FIRST,	/* a chunk-size's first hex digit */
	CONTENT_SIZE,		/* more hex digits, or what ends the size */
	CONTENT_EXT_BWS,	/* whitespace before a chunk extension */
	CONTENT_EXT,		/* a chunk extension, up to its CR */
	CONTENT_SIZE_LF,	/* the LF of a chunk-size line */
	CONTENT_DATA,		/* chunk data */
	CONTENT_DATA_CR,	/* the CRLF after chunk data */
	CONTENT_DATA_LF,
	CONTENT_TRAILER_START,	/* a trailer field line, or the last CRLF */
	CONTENT_TRAILER,	/* the rest of a trailer field line */
	CONTENT_TRAILER_LF,
	CONTENT_END_LF,		/* the LF of the last CRLF */
	CONTENT_END,		/* all of it read */
};

struct content {
	enum content_state state;
	uint64_t left;		/* bytes of Content-Length or chunk data */
	uint64_t taken;		/* bytes read so far, framing included */
	uint64_t max;		/* what may be read in all */
};

enum content_result {
	CONTENT_MORE,		/* all of buf taken; more to come */
	CONTENT_DONE,		/* the content ended *used bytes in */
	CONTENT_INVALID,	/* not chunked framing: the connection ends */
	CONTENT_TOO_LARGE,	/* more than max bytes: the connection ends */
};

/* Content-Length: length bytes (at most max, which the head checked). */
void content_start_length(struct content *ct, uint64_t length, uint64_t max);
/* Transfer-Encoding: chunked, at most max bytes of it, framing included
 * (a chunked body has no length to check in advance). */
void content_start_chunked(struct content *ct, uint64_t max);
/*
 * Takes what belongs to the content from buf[0..len): all of it
 * (CONTENT_MORE), or *used bytes up to its end (CONTENT_DONE; the next
 * request starts at buf + *used). However buf is cut, the same bytes
 * give the same result.
 */
enum content_result content_skip(struct content *ct, const char *buf,
    size_t len, size_t *used);

#endif
