/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_RESPONSE_H
#define SA_HTTPD_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <event2/buffer.h>

#include "headers.h"
#include "request.h"

/*
 * The response writer: what a handler decided (struct resp) becomes a
 * head and a body on a connection's socket, in one sendmsg() when the
 * socket takes it all; what it does not take waits in the connection's
 * struct response_out, a large file in sendfile() steps. It only writes:
 * it never closes the connection, arms a timer or logs; it says done,
 * again or error, and the caller (client.c) decides what follows.
 *
 * Which header fields a status carries is decided here, for every
 * response alike, not by each handler: validators (Last-Modified, ETag)
 * and --cache-control only on 200, 206 and 304, where they describe the
 * representation sent or confirmed (RFC 9110 8.8, 15.4.5); an error
 * never carries them, whatever the handler had filled in before it
 * failed, so no cache keeps an error for a file's max-age.
 */

/* Small file bodies are read into memory and leave with the head in one
 * sendmsg(): sendmsg() + sendfile() and its page-cache splice cost more
 * than copying a few kilobytes. Larger ones go zero-copy. */
#define RESPONSE_COPY_MAX (16 * 1024)

/* What a handler decided. */
struct resp {
	int status;
	const char *type;	/* Content-Type, NULL for none */
	int fd;			/* file body, -1 for none */
	uint64_t off, len, size;	/* range sent, and the file's size */
	const char *body;	/* memory body when fd < 0 (NULL: default) */
	size_t body_len;
	bool file;		/* a file's content (Accept-Ranges) */
	bool validators;	/* Last-Modified and ETag below */
	char etag[HDR_ETAG_LEN];
	char lastmod[HDR_DATE_LEN];
	const char *location;	/* 301 */
	bool no_store;		/* Cache-Control: no-store, on any status */
	const char *vary;	/* Vary:, NULL for none */
	const char *csp;	/* Content-Security-Policy:, NULL for none */
	bool allow;		/* Allow: as on a 405 (OPTIONS) */
};

/* What every response shares: buffers and settings of the module. */
struct response_writer {
	char *head;		/* the head being written */
	size_t head_max;	/* its size: see httpd_new() */
	char *copy;		/* a small file read in: RESPONSE_COPY_MAX */
	const char *date;	/* Date:, kept current by the caller */
	const char *cache_control;	/* --cache-control, or NULL */
	uint64_t *bytes_out;	/* the server's count, added to here */
};

/* One connection's response in flight: the writer's part of it, kept
 * small (every idle connection has one). */
struct response_out {
	struct evbuffer *pending;	/* what the socket did not take */
	int file_fd;		/* the file still to send, or -1 */
	off_t file_off, file_end;
};

/* A response as response_send() started it: for the access log, and for
 * what may follow it on the connection. */
struct response_sent {
	int status;
	uint64_t length;	/* its body: 0 for HEAD and 304 */
	bool closes;		/* it said Connection: close */
};

enum response_result {
	RESPONSE_DONE,		/* all of it is out */
	RESPONSE_AGAIN,		/* the rest waits: response_flush() once the
				 * socket is writable */
	RESPONSE_ERROR,		/* the connection is broken: *why says how */
};

/* Nothing in flight. */
void response_out_init(struct response_out *o);
/* Drops what is in flight (the file is closed). */
void response_out_release(struct response_out *o);
/* Whether a response waits for the socket. */
bool response_out_busy(const struct response_out *o);

/*
 * Starts r on the socket sock, whose o has nothing in flight: its head
 * (Connection: close if closes; keep-alive spelt out for HTTP/1.0), and
 * its body unless the request is HEAD (req NULL: no request could be
 * read). Takes r->fd. *sent says what went (or goes) out.
 */
enum response_result response_send(const struct response_writer *w,
    struct response_out *o, int sock, const struct request *req,
    const struct resp *r, bool closes, struct response_sent *sent,
    const char **why);
/* Goes on with what waits in o for sock. */
enum response_result response_flush(const struct response_writer *w,
    struct response_out *o, int sock, const char **why);

#endif
