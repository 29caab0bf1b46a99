/* SPDX-License-Identifier: MIT */
/*
 * The response writer: a status and what file.c decided (struct resp)
 * become a head and a body on the wire, in one sendmsg() when the socket
 * takes it all; what it does not take waits in the client's evbuffer, a
 * large file in sendfile() steps. Every response is logged here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "httpd.h"
#include "wbuf.h"

/* Bytes of one response sent per wake-up: a fast reader of a huge file
 * must not keep every other connection waiting. (Measured: 256 KiB to
 * 4 MiB give about the same throughput; far below costs wake-ups.) */
#define RESPONSE_SEND_BUDGET (1u << 20)
/* Bodies up to this size are copied behind the head: see response_send(). */
#define RESPONSE_JOIN_MAX 4096

/*
 * The head is written into one fixed buffer (struct httpd's head, sized
 * for the largest Location: a request can cause) so that it and the body
 * leave in a single sendmsg(): an evbuffer would need its chains pulled
 * together or peeked into iovecs first, for bytes that are almost always
 * sent at once. Measured in one run (tests/bench/head-buffer.c, the head
 * of a 200 and a 612-byte body, pinned): 28-31 ns per response here,
 * 141-158 ns through an evbuffer (add, peek, drain), about 1.5% of the
 * server's whole CPU time per request. What the socket does not take
 * goes to the client's evbuffer.
 */

/* Sends what waits in c->out. 1: all of it; 0: the socket is full. */
static int
response_send_out(struct client *c, int more)
{
	struct server_stats *st = server_stats(c->h->srv);
	struct evbuffer_iovec v[16];
	struct msghdr msg = { .msg_iov = (struct iovec *)v };
	ssize_t n;
	int nv;

	while (c->out && evbuffer_get_length(c->out) > 0) {
		nv = evbuffer_peek(c->out, -1, NULL, v, 16);
		msg.msg_iovlen = (size_t)(nv > 16 ? 16 : nv);
		n = sendmsg(c->base.fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT | more);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -errno;
		}
		evbuffer_drain(c->out, (size_t)n);
		st->bytes_out += (size_t)n;
	}
	return 1;
}

int
response_flush(struct client *c)
{
	struct server_stats *st = server_stats(c->h->srv);
	size_t budget = RESPONSE_SEND_BUDGET;
	ssize_t n;
	int r;

	r = response_send_out(c, c->file_fd >= 0 ? MSG_MORE : 0);
	if (r < 0) {
		client_close(c, strerror(-r));
		return -1;
	}
	if (r == 0)
		return client_wait_write(c);
	while (c->file_fd >= 0 && c->file_off < c->file_end) {
		size_t want = (size_t)(c->file_end - c->file_off);

		if (want > budget)
			want = budget;
		if (want == 0)
			return client_wait_write(c);
		n = sendfile(c->base.fd, c->file_fd, &c->file_off, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return client_wait_write(c);
			client_close(c, strerror(errno));
			return -1;
		}
		if (n == 0) {
			/* Content-Length is out: the only honest end left. */
			client_close(c, "file shrank while being sent");
			return -1;
		}
		budget -= (size_t)n;
		st->bytes_out += (size_t)n;
		/* Short: the socket buffer is full. Trying again would only
		 * cost a syscall to learn EAGAIN. */
		if ((size_t)n < want)
			return client_wait_write(c);
	}
	if (c->file_fd >= 0) {
		close(c->file_fd);
		c->file_fd = -1;
	}
	return 1;
}

/* Starts sending head+body (and then the file set in c->file_*). */
static int
response_start(struct client *c, const char *head, size_t hlen,
    const char *body, size_t blen)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)head, .iov_len = hlen },
		{ .iov_base = (void *)body, .iov_len = blen },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = blen ? 2 : 1 };
	size_t w;
	ssize_t n;

	/* MSG_MORE: the head waits for the first file bytes, so a small
	 * file leaves in one segment with it. */
	n = sendmsg(c->base.fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT |
	    (c->file_fd >= 0 ? MSG_MORE : 0));
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			client_close(c, strerror(errno));
			return -1;
		}
		n = 0;
	}
	w = (size_t)n;
	server_stats(c->h->srv)->bytes_out += w;
	if (w < hlen + blen) {
		if (!c->out)
			c->out = evbuffer_new();
		if (!c->out ||
		    (w < hlen && evbuffer_add(c->out, head + w, hlen - w) < 0) ||
		    (blen > 0 && evbuffer_add(c->out,
		    body + (w > hlen ? w - hlen : 0),
		    blen - (w > hlen ? w - hlen : 0)) < 0)) {
			client_close(c, "out of memory");
			return -1;
		}
		return client_wait_write(c);
	}
	return response_flush(c);
}

/* The head of r into b. */
static void
response_head(struct client *c, const struct request *req,
    const struct resp *r, uint64_t blen, struct wbuf *b)
{
	struct httpd *h = c->h;
	char range[96];

	wbuf_str(b, "HTTP/1.1 ");
	wbuf_u64(b, (uint64_t)r->status);
	wbuf_str(b, " ");
	wbuf_str(b, request_reason(r->status));
	wbuf_str(b, "\r\nServer: socket-activate-httpd\r\nDate: ");
	wbuf_str(b, h->date);
	if (r->status != 304) {
		if (r->type) {
			wbuf_str(b, "\r\nContent-Type: ");
			wbuf_str(b, r->type);
		}
		wbuf_str(b, "\r\nContent-Length: ");
		wbuf_u64(b, blen);
	}
	if (r->validators) {
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
	/* --cache-control is for files: r->validators is set for 200, 206
	 * and 304 answers from a file, and nothing else. */
	if (r->no_store) {
		wbuf_str(b, "\r\nCache-Control: no-store");
	} else if (r->validators && h->conf.cache_control) {
		wbuf_str(b, "\r\nCache-Control: ");
		wbuf_str(b, h->conf.cache_control);
	}
	if (r->vary) {
		wbuf_str(b, "\r\nVary: ");
		wbuf_str(b, r->vary);
	}
	if (r->csp) {
		wbuf_str(b, "\r\nContent-Security-Policy: ");
		wbuf_str(b, r->csp);
	}
	if (c->close_after)
		wbuf_str(b, "\r\nConnection: close");
	else if (req && req->minor == 0)
		wbuf_str(b, "\r\nConnection: keep-alive");
	wbuf_str(b, "\r\n\r\n");
}

int
response_send(struct client *c, const struct request *req, struct resp *r)
{
	struct httpd *h = c->h;
	struct wbuf b = { .p = h->head, .max = h->head_max };
	bool head = req && req->method == REQUEST_HEAD;
	bool file = r->fd >= 0;
	char ebody[64];
	uint64_t blen;
	int n;

	httpd_clock(h);
	if (!file && !r->body && r->status != 304) {
		/* A small plain body, so a browser shows what happened. */
		n = snprintf(ebody, sizeof(ebody), "%d %s\n", r->status,
		    request_reason(r->status));
		r->body = ebody;
		r->body_len = n > 0 && (size_t)n < sizeof(ebody) ? (size_t)n : 0;
		r->type = "text/plain; charset=utf-8";
	}
	blen = file ? r->len : r->body_len;
	response_head(c, req, r, blen, &b);
	if (b.overflow) {
		/* Cannot happen with the size httpd_new() chose; if it does,
		 * a short honest answer rather than a cut one. */
		b.len = 0;
		b.overflow = false;
		wbuf_str(&b, "HTTP/1.1 500 Internal Server Error\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
		c->close_after = true;
		r->status = 500;
		head = true;
	}
	if (head || r->status == 304) {
		if (file)
			close(r->fd);
		file = false;
		r->fd = -1;
		blen = 0;
	}
	if (file && blen <= HTTPD_COPY_MAX &&
	    pread(r->fd, h->copy, (size_t)blen, (off_t)r->off) == (ssize_t)blen) {
		close(r->fd);
		r->fd = -1;
		file = false;
		r->body = h->copy;
	}
	/* else (a file that shrank meanwhile): sendfile() finds out and
	 * closes the connection. */
	if (h->conf.access_log)
		accesslog_line(c, req, r->status, blen);
	c->file_fd = file ? r->fd : -1;
	c->file_off = (off_t)r->off;
	c->file_end = (off_t)(r->off + r->len);
	if (!file && blen > 0 && blen <= RESPONSE_JOIN_MAX &&
	    blen <= b.max - b.len) {
		/* A small body goes in the head's buffer: one contiguous send
		 * costs the kernel less than gathering two pieces. */
		memcpy(b.p + b.len, r->body, (size_t)blen);
		b.len += (size_t)blen;
		blen = 0;
	}
	return response_start(c, b.p, b.len, file ? NULL : r->body,
	    file ? 0 : (size_t)blen);
}
