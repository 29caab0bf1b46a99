/* SPDX-License-Identifier: MIT */
/*
 * The response writer (response.h): a status and what a handler decided
 * become a head and a body on the wire, in one sendmsg() when the socket
 * takes it all; what it does not take waits in the connection's evbuffer,
 * a large file in sendfile() steps.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "response.h"
#include "wbuf.h"

/* Bytes of one response sent per wake-up: a fast reader of a huge file
 * must not keep every other connection waiting, and a budget far below a
 * megabyte costs wake-ups for no gain. */
#define RESPONSE_SEND_BUDGET (1u << 20)
/* Bodies up to this size are copied behind the head: see response_send(). */
#define RESPONSE_JOIN_MAX 4096

/*
 * The head is written into one fixed buffer (w->head, sized for the
 * largest Location: a request can cause) so that it and the body leave in
 * a single sendmsg(): an evbuffer would need its chains pulled together or
 * peeked into iovecs first, for bytes that are almost always sent at
 * once, and costs several times as much per response
 * (tests/bench/head-buffer.c measures both). What the socket does not
 * take goes to o->pending.
 */

void
response_out_init(struct response_out *o)
{
	*o = (struct response_out){ .file_fd = -1 };
}

void
response_out_release(struct response_out *o)
{
	if (o->pending) {
		evbuffer_free(o->pending);
		o->pending = NULL;
	}
	if (o->file_fd >= 0) {
		close(o->file_fd);
		o->file_fd = -1;
	}
}

bool
response_out_busy(const struct response_out *o)
{
	return (o->pending && evbuffer_get_length(o->pending) > 0) ||
	    o->file_fd >= 0;
}

static enum response_result
response_fail(const char **why, const char *reason)
{
	*why = reason;
	return RESPONSE_ERROR;
}

/* Sends what waits in o->pending. */
static enum response_result
response_send_pending(const struct response_writer *w, struct response_out *o,
    int sock, int more, const char **why)
{
	struct evbuffer_iovec v[16];
	struct msghdr msg = { .msg_iov = (struct iovec *)v };
	ssize_t n;
	int nv;

	while (o->pending && evbuffer_get_length(o->pending) > 0) {
		nv = evbuffer_peek(o->pending, -1, NULL, v, 16);
		msg.msg_iovlen = (size_t)(nv > 16 ? 16 : nv);
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT | more);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return RESPONSE_AGAIN;
			return response_fail(why, strerror(errno));
		}
		evbuffer_drain(o->pending, (size_t)n);
		*w->bytes_out += (size_t)n;
	}
	return RESPONSE_DONE;
}

enum response_result
response_flush(const struct response_writer *w, struct response_out *o,
    int sock, const char **why)
{
	size_t budget = RESPONSE_SEND_BUDGET;
	enum response_result rr;
	ssize_t n;

	rr = response_send_pending(w, o, sock, o->file_fd >= 0 ? MSG_MORE : 0,
	    why);
	if (rr != RESPONSE_DONE)
		return rr;
	while (o->file_fd >= 0 && o->file_off < o->file_end) {
		size_t want = (size_t)(o->file_end - o->file_off);

		if (want > budget)
			want = budget;
		if (want == 0)
			return RESPONSE_AGAIN;
		n = sendfile(sock, o->file_fd, &o->file_off, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return RESPONSE_AGAIN;
			return response_fail(why, strerror(errno));
		}
		if (n == 0)
			/* Content-Length is out: the only honest end left. */
			return response_fail(why, "file shrank while being sent");
		budget -= (size_t)n;
		*w->bytes_out += (size_t)n;
		/* Short: the socket buffer is full. Trying again would only
		 * cost a syscall to learn EAGAIN. */
		if ((size_t)n < want)
			return RESPONSE_AGAIN;
	}
	if (o->file_fd >= 0) {
		close(o->file_fd);
		o->file_fd = -1;
	}
	return RESPONSE_DONE;
}

/* Starts sending head+body (and then the file set in o->file_*). */
static enum response_result
response_start(const struct response_writer *w, struct response_out *o,
    int sock, const char *head, size_t hlen, const char *body, size_t blen,
    const char **why)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)head, .iov_len = hlen },
		{ .iov_base = (void *)body, .iov_len = blen },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = blen ? 2 : 1 };
	size_t sent;
	ssize_t n;

	/* MSG_MORE: the head waits for the first file bytes, so a small
	 * file leaves in one segment with it. */
	n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT |
	    (o->file_fd >= 0 ? MSG_MORE : 0));
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			return response_fail(why, strerror(errno));
		n = 0;
	}
	sent = (size_t)n;
	*w->bytes_out += sent;
	if (sent < hlen + blen) {
		if (!o->pending)
			o->pending = evbuffer_new();
		if (!o->pending ||
		    (sent < hlen &&
		    evbuffer_add(o->pending, head + sent, hlen - sent) < 0) ||
		    (blen > 0 && evbuffer_add(o->pending,
		    body + (sent > hlen ? sent - hlen : 0),
		    blen - (sent > hlen ? sent - hlen : 0)) < 0))
			return response_fail(why, "out of memory");
		return RESPONSE_AGAIN;
	}
	return response_flush(w, o, sock, why);
}

/* Whether the response is about the representation itself: only these
 * carry its validators and --cache-control. */
static bool
response_describes_file(int status)
{
	return status == 200 || status == 206 || status == 304;
}

/* The head of r, with a body of blen bytes, into b. */
static void
response_head(const struct response_writer *w, const struct request *req,
    const struct resp *r, uint64_t blen, bool closes, struct wbuf *b)
{
	bool validators = r->validators && response_describes_file(r->status);
	char range[96];

	wbuf_str(b, "HTTP/1.1 ");
	wbuf_u64(b, (uint64_t)r->status);
	wbuf_str(b, " ");
	wbuf_str(b, request_reason(r->status));
	wbuf_str(b, "\r\nServer: socket-activate-httpd\r\nDate: ");
	wbuf_str(b, w->date);
	if (r->status != 304) {
		if (r->type) {
			wbuf_str(b, "\r\nContent-Type: ");
			wbuf_str(b, r->type);
		}
		wbuf_str(b, "\r\nContent-Length: ");
		wbuf_u64(b, blen);
	}
	if (validators) {
		wbuf_str(b, "\r\nLast-Modified: ");
		wbuf_str(b, r->lastmod);
		wbuf_str(b, "\r\nETag: ");
		wbuf_str(b, r->etag);
	}
	if (r->status == 200 && r->file)
		wbuf_str(b, "\r\nAccept-Ranges: bytes");
	if (r->status == 206 || r->status == 416) {
		if (r->status == 206)
			snprintf(range, sizeof(range), "bytes %llu-%llu/%llu",
			    (unsigned long long)r->off,
			    (unsigned long long)(r->off + r->len - 1),
			    (unsigned long long)r->size);
		else
			snprintf(range, sizeof(range), "bytes */%llu",
			    (unsigned long long)r->size);
		wbuf_str(b, "\r\nContent-Range: ");
		wbuf_str(b, range);
	}
	if (r->location) {
		wbuf_str(b, "\r\nLocation: ");
		wbuf_str(b, r->location);
	}
	if (r->status == 405 || r->allow)
		wbuf_str(b, "\r\nAllow: GET, HEAD, OPTIONS");
	/* --cache-control is for files: with their validators. no-store
	 * (the diagnostics page) forbids keeping any answer, errors too. */
	if (r->no_store) {
		wbuf_str(b, "\r\nCache-Control: no-store");
	} else if (validators && w->cache_control) {
		wbuf_str(b, "\r\nCache-Control: ");
		wbuf_str(b, w->cache_control);
	}
	if (r->vary) {
		wbuf_str(b, "\r\nVary: ");
		wbuf_str(b, r->vary);
	}
	if (r->csp) {
		wbuf_str(b, "\r\nContent-Security-Policy: ");
		wbuf_str(b, r->csp);
	}
	if (closes)
		wbuf_str(b, "\r\nConnection: close");
	else if (req && req->minor == 0)
		wbuf_str(b, "\r\nConnection: keep-alive");
	wbuf_str(b, "\r\n\r\n");
}

enum response_result
response_send(const struct response_writer *w, struct response_out *o,
    int sock, const struct request *req, const struct resp *r, bool closes,
    struct response_sent *sent, const char **why)
{
	struct wbuf b = { .p = w->head, .max = w->head_max };
	bool head = req && req->method == REQUEST_HEAD;
	int fd = r->fd, status = r->status;
	const char *body = r->body;
	uint64_t blen = fd >= 0 ? r->len : r->body_len;
	struct resp plain;
	char ebody[64];
	int n;

	assert(!response_out_busy(o));
	if (fd < 0 && !body && status != 304) {
		/* A small plain body, so a browser shows what happened. */
		n = snprintf(ebody, sizeof(ebody), "%d %s\n", status,
		    request_reason(status));
		plain = *r;
		plain.type = "text/plain; charset=utf-8";
		r = &plain;
		body = ebody;
		blen = n > 0 && (size_t)n < sizeof(ebody) ? (size_t)n : 0;
	}
	response_head(w, req, r, blen, closes, &b);
	if (b.overflow) {
		/* Cannot happen with the size httpd_new() chose; if it does,
		 * a short honest answer rather than a cut one. */
		b.len = 0;
		b.overflow = false;
		wbuf_str(&b, "HTTP/1.1 500 Internal Server Error\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
		closes = true;
		status = 500;
		head = true;
	}
	if (head || status == 304) {
		if (fd >= 0)
			close(fd);
		fd = -1;
		blen = 0;
	}
	if (fd >= 0 && blen <= RESPONSE_COPY_MAX &&
	    pread(fd, w->copy, (size_t)blen, (off_t)r->off) == (ssize_t)blen) {
		close(fd);
		fd = -1;
		body = w->copy;
	}
	/* else (a file that shrank meanwhile): sendfile() finds out. */
	*sent = (struct response_sent){ .status = status, .length = blen,
	    .closes = closes };
	o->file_fd = fd;
	o->file_off = (off_t)r->off;
	o->file_end = (off_t)(r->off + r->len);
	if (fd < 0 && blen > 0 && blen <= RESPONSE_JOIN_MAX &&
	    blen <= wbuf_room(&b)) {
		/* A small body goes in the head's buffer: one contiguous send
		 * costs the kernel less than gathering two pieces. */
		memcpy(b.p + b.len, body, (size_t)blen);
		b.len += (size_t)blen;
		blen = 0;
	}
	return response_start(w, o, sock, b.p, b.len, fd >= 0 ? NULL : body,
	    fd >= 0 ? 0 : (size_t)blen, why);
}
