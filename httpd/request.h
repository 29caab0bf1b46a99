/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_REQUEST_H
#define SA_HTTPD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Request heads: framing, llhttp, and the strict checks llhttp leaves to us.
 * Pure code: no I/O, no allocation, no logging; fuzzed on its own.
 */

/* A piece of the head buffer; p is NULL when the field was absent. */
struct span {
	const char *p;
	size_t len;
};

/* What follows the head (content.c reads it, to drop it). */
enum request_content {
	REQUEST_CONTENT_NONE,
	REQUEST_CONTENT_LENGTH,		/* content_length bytes */
	REQUEST_CONTENT_CHUNKED,	/* the chunked transfer coding */
};

enum request_method {
	REQUEST_GET,
	REQUEST_HEAD,
	REQUEST_OPTIONS,	/* its target may be "*" (path "*", no file) */
	REQUEST_OTHER,		/* a method llhttp knows that we do not serve */
};

struct request {
	size_t len;		/* bytes of the head, leading empty lines included */
	int status;		/* 0: serve it; else the error status to answer */
	const char *error;	/* why status is set, for the debug log */
	enum request_method method;
	struct span method_name;
	struct span target;	/* the request-target as sent */
	struct span path;	/* its path, still percent-encoded */
	struct span query;	/* after '?', p NULL when there is no '?' */
	int minor;		/* HTTP/1.minor as sent; above 1 it is 1.1 */
	bool keep_alive;	/* llhttp_should_keep_alive() */
	bool must_close;	/* the connection cannot carry another request */
	enum request_content content;	/* after the head, when status is 0 */
	uint64_t content_length;
	struct span host, range, if_range, if_none_match, if_modified_since;
	struct span referer, user_agent;
	struct span accept;	/* read by generated pages (media.c) */
	bool accept_repeated;	/* a second Accept line (diag.c refuses it) */
	struct span if_match, if_unmodified_since;
};

enum request_result {
	REQUEST_INCOMPLETE,	/* no complete head yet: read more */
	REQUEST_DONE,		/* *req describes the head (or its error) */
};

/* What a request may be: --max-header-size and --max-body-size. */
struct request_limits {
	size_t head;
	size_t content;
};

/*
 * Looks for a request head at the start of buf[0..len). lim->head bounds
 * the head: a request line that does not end within it is 414, a head
 * that does not is 431. *scanned carries how far an earlier call looked
 * (start at 0, keep it while the head is incomplete): bytes that arrive
 * one at a time are then scanned once, not once per arrival.
 * On REQUEST_DONE with req->status == 0, spans point into buf.
 *
 * Content on GET, HEAD or OPTIONS (RFC 9110 9.3.1: it means nothing
 * there) is accepted up to lim->content bytes, to be read and dropped:
 * req->content says how it is framed. A Content-Length above the bound
 * is 413 (0 refuses all content); other methods are 405 whatever they
 * carry. Content sent with Expect (a client that may wait for
 * 100 Continue before it sends the content, or not), or chunked in
 * HTTP/1.0 (RFC 9112 6.1: faulty framing), is not read: must_close.
 */
enum request_result request_parse(const char *buf, size_t len,
    const struct request_limits *lim, size_t *scanned, struct request *req);

/* HTTP reason phrase for a status this server sends. */
const char *request_reason(int status);

#endif
