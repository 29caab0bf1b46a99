/* SPDX-License-Identifier: MIT */
/*
 * A connection's life: reading request heads (pipelined or cut anywhere),
 * answering them in order, waiting for the socket when a response does not
 * fit, and the deadlines: --header-timeout, --keepalive-timeout,
 * --send-timeout. The runtime (common/server.c) accepted it; this file
 * alone decides when it ends (client_close(), client_linger()), arms its
 * timers and writes the access log: the writer below only writes.
 *
 * The contract of the functions that can end a connection: they return -1
 * when the client is gone (closed and freed, or lingering: its state
 * released), and then the caller touches it no more; 0 or more when it is
 * still served.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "log.h"

/* After the last response: what the peer still sends is read and dropped,
 * up to this much, for at most CLIENT_TIMER_LINGER. */
#define CLIENT_LINGER_BYTES (256 * 1024)

static int client_process(struct client *c, const char *data, size_t len);

/* The clock every response and log line of this second reads. */
static void
client_clock(struct httpd *h)
{
	struct timeval tv;
	struct tm tm;

	event_base_gettimeofday_cached(server_base(h->srv), &tv);
	if (tv.tv_sec == h->now && h->date[0])
		return;
	h->now = tv.tv_sec;
	hdr_date_format(h->now, h->date);
	if (!localtime_r(&h->now, &tm) ||
	    strftime(h->clf_date, sizeof(h->clf_date), "%d/%b/%Y:%H:%M:%S %z",
	    &tm) == 0)
		snprintf(h->clf_date, sizeof(h->clf_date), "-");
}

/* The invariants of a connection still served (not lingering, not gone):
 * what its input buffer holds, and that writing means a response waits. */
static inline void
client_check(const struct client *c)
{
	assert(!c->base.lingering);
	assert(c->in ? c->in_len <= c->in_cap : c->in_len == 0 && c->in_cap == 0);
	/* (The full check, response_out_busy(), only where it is cheap: a
	 * response waiting is rare.) */
	assert(c->writing ? response_out_busy(&c->out) : c->out.file_fd < 0);
}

/* The connection ends, with why for the debug log. Always -1. */
static int
client_close(struct client *c, const char *why)
{
	char pt[PEER_TEXT_MAX];

	if (why)
		log_debug("%s (fd %d): %s: closed: %s", c->base.sock->name,
		    c->base.fd, peer_text(&c->base.peer, pt), why);
	conn_close(&c->base);
	return -1;
}

static void
client_timer(struct client *c, enum client_timer t)
{
	c->timer = t;
	if (conn_timer(&c->base, c->h->tv[t]) < 0)
		log_warning("%s (fd %d): cannot arm a timer, ignoring",
		    c->base.sock->name, c->base.fd);
}

/* Done, for why: FIN, drain what the peer still sends, close
 * (conn_linger()). Always -1: the client's state is released. */
static int
client_linger(struct client *c, const char *why)
{
	char pt[PEER_TEXT_MAX];

	if (log_debug_enabled())
		log_debug("%s (fd %d): %s: closing: %s; reading what still "
		    "comes", c->base.sock->name, c->base.fd,
		    peer_text(&c->base.peer, pt), why);
	conn_linger(&c->base, c->h->tv[CLIENT_TIMER_LINGER],
	    CLIENT_LINGER_BYTES);
	return -1;
}

/*
 * What the writer said, for the connection: 1 when the response is out;
 * 0 when it waits for the socket (--send-timeout runs, re-armed at each
 * step forward); -1 when the connection broke, and is closed.
 */
static int
client_sent(struct client *c, enum response_result rr, const char *why)
{
	switch (rr) {
	case RESPONSE_DONE:
		c->writing = false;
		return 1;
	case RESPONSE_AGAIN:
		c->writing = true;
		conn_want(&c->base, EV_WRITE);
		client_timer(c, CLIENT_TIMER_SEND);
		return 0;
	case RESPONSE_ERROR:
		break;
	}
	return client_close(c, why);
}

/* r on the wire, logged. Returns as client_sent() does. */
static int
client_respond(struct client *c, const struct request *req,
    const struct resp *r)
{
	struct httpd *h = c->h;
	struct response_sent sent;
	enum response_result rr;
	const char *why = NULL;

	rr = response_send(&h->writer, &c->out, c->base.fd, req, r,
	    c->close_after, &sent, &why);
	/* The writer may have had to end with Connection: close. */
	c->close_after = sent.closes;
	if (h->conf.access_log)
		accesslog_line(c, req, sent.status, sent.length);
	return client_sent(c, rr, why);
}

/*
 * A partial head's buffer starts this small and doubles as more of it
 * arrives, up to --max-header-size: an idle or slow connection costs what
 * it sent, not the largest head it may send, and strict overcommit
 * accounting sees the same.
 */
#define CLIENT_IN_MIN 1024

/* Keeps data[0..len) as the connection's unparsed input. */
static int
client_keep(struct client *c, const char *data, size_t len)
{
	size_t cap;

	if (len == 0) {
		free(c->in);
		c->in = NULL;
		c->in_len = c->in_cap = 0;
		return 0;
	}
	if (c->in && data >= c->in && data < c->in + c->in_cap) {
		memmove(c->in, data, len);
		c->in_len = len;
		return 0;
	}
	/* From the shared buffer. */
	cap = len > CLIENT_IN_MIN ? len : CLIENT_IN_MIN;
	free(c->in);
	c->in = malloc(cap);
	if (!c->in) {
		c->in_len = c->in_cap = 0;
		return -ENOMEM;
	}
	memcpy(c->in, data, len);
	c->in_len = len;
	c->in_cap = cap;
	return 0;
}

/* Room behind an incomplete head that fills its buffer: twice as much,
 * but never beyond --max-header-size, where the head is decided. */
static int
client_grow(struct client *c)
{
	size_t cap = c->in_cap * 2, max = c->h->conf.limits.head;
	char *p;

	/* Shorter than max, or request_parse() would have answered it. */
	assert(c->in_len == c->in_cap && c->in_len < max);
	if (cap > max)
		cap = max;
	p = realloc(c->in, cap);
	if (!p)
		return -ENOMEM;
	c->in = p;
	c->in_cap = cap;
	return 0;
}

/* One request: its response, or the start of it. Returns as
 * client_sent() does. */
static int
client_handle(struct client *c, const struct request *req)
{
	struct httpd *h = c->h;
	struct resp r = { .fd = -1 };
	int rc;

	client_clock(h);
	server_stats(h->srv)->requests++;
	if (req->status) {
		char pt[PEER_TEXT_MAX];

		r.status = req->status;
		log_debug("%s (fd %d): %s: %d: %s", c->base.sock->name,
		    c->base.fd, peer_text(&c->base.peer, pt), req->status,
		    req->error);
	} else if (req->method == REQUEST_OPTIONS) {
		r.status = file_options(c, req, &r);
	} else {
		r.status = file_route(c, req, &r);
	}
	c->close_after = req->must_close || !req->keep_alive ||
	    server_stopping(h->srv) || h->conf.keepalive_timeout_ms == 0 ||
	    r.status == 500;
	rc = client_respond(c, req, &r);
	/* A generated body is in the socket or in c->out by now. */
	evbuffer_drain(h->body, evbuffer_get_length(h->body));
	return rc;
}

/* A response finished after waiting for the socket. */
static void
client_response_done(struct client *c)
{
	client_check(c);
	/* Stopping under a unit with an fd store: the next request on this
	 * connection is the next instance's (client_stop()). */
	if (!c->close_after && !c->content && server_stopping(c->h->srv) &&
	    conn_keep(&c->base, c->in, c->in_len) == 0)
		return;
	if (c->close_after || server_stopping(c->h->srv)) {
		client_linger(c, "last response sent");
		return;
	}
	conn_want(&c->base, EV_READ);
	c->head_armed = false;
	/* What waited behind the response, if anything; and the deadline
	 * for what comes next. */
	(void)client_process(c, c->in, c->in_len);
}

/* The content req announces is read next: its state, only while it is
 * (a connection that never sends content never pays for it). */
static int
client_content(struct client *c, const struct request *req)
{
	assert(!c->content);
	c->content = malloc(sizeof(*c->content));
	if (!c->content)
		return -ENOMEM;
	if (req->content == REQUEST_CONTENT_LENGTH)
		content_start_length(c->content, req->content_length,
		    c->h->conf.limits.content);
	else
		content_start_chunked(c->content, c->h->conf.limits.content);
	return 0;
}

/*
 * The content behind a head already answered, read and dropped from
 * data[0..len): returns how much of it was the content's (the rest is the
 * next request), or -1 when the connection ends here, the content broken
 * or too large: what followed cannot be told from it.
 */
static ssize_t
client_skip(struct client *c, const char *data, size_t len)
{
	size_t used;

	switch (content_skip(c->content, data, len, &used)) {
	case CONTENT_MORE:
		return (ssize_t)len;
	case CONTENT_DONE:
		free(c->content);
		c->content = NULL;
		c->head_armed = false;
		return (ssize_t)used;
	case CONTENT_INVALID:
		return client_linger(c, "content not in chunked framing");
	case CONTENT_TOO_LARGE:
		return client_linger(c, "content larger than --max-body-size");
	}
	return client_close(c, "cannot happen");
}

/*
 * Answers the complete requests in data[0..len), in order, until one
 * response has to wait for the socket or the input runs out; what is left
 * is kept for later. Returns -1 when the client is gone.
 */
static int
client_process(struct client *c, const char *data, size_t len)
{
	struct request req;
	ssize_t n;
	int rc;

	client_check(c);
	while (len > 0) {
		if (c->content) {
			n = client_skip(c, data, len);
			if (n < 0)
				return -1;
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (request_parse(data, len, &c->h->conf.limits, &c->scanned,
		    &req) == REQUEST_INCOMPLETE) {
			if (client_keep(c, data, len) < 0)
				return client_close(c, "out of memory");
			if (!c->head_armed) {
				c->head_armed = true;
				client_timer(c, CLIENT_TIMER_HEADER);
			}
			return 0;
		}
		c->scanned = 0;
		rc = client_handle(c, &req);
		if (rc < 0)
			return -1;
		client_check(c);
		data += req.len;
		len -= req.len;
		if (c->close_after) {
			if (rc == 0)
				return 0;	/* linger once it is out */
			return client_linger(c, "last response sent");
		}
		/* The content is read after the response, which never
		 * depends on it: then the next request starts. */
		c->head_armed = false;
		if (req.content != REQUEST_CONTENT_NONE &&
		    client_content(c, &req) < 0)
			return client_close(c, "out of memory");
		if (rc == 0) {
			/* Requests behind this one wait their turn. */
			if (client_keep(c, data, len) < 0)
				return client_close(c, "out of memory");
			return 0;
		}
	}
	client_keep(c, NULL, 0);
	if (!c->content) {
		client_timer(c, CLIENT_TIMER_IDLE);
	} else if (!c->head_armed) {
		/* The rest of the content has --header-timeout to come. */
		c->head_armed = true;
		client_timer(c, CLIENT_TIMER_HEADER);
	}
	return 0;
}

static void
client_readable(struct client *c)
{
	struct httpd *h = c->h;
	char *dst = h->rbuf;
	size_t space = HTTPD_READ_SIZE;
	ssize_t n;

	client_check(c);
	assert(!c->writing);
	if (c->in) {
		if (c->in_len == c->in_cap && client_grow(c) < 0) {
			client_close(c, "out of memory");
			return;
		}
		dst = c->in + c->in_len;
		space = c->in_cap - c->in_len;
	}
	assert(space > 0);	/* recv() of 0 bytes would look like an EOF */
	n = recv(c->base.fd, dst, space, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		client_close(c, strerror(errno));
		return;
	}
	if (n == 0) {
		client_close(c, c->in_len ? "peer closed in the middle of a "
		    "request head" : c->content ? "peer closed in the middle "
		    "of a request's content" : NULL);
		return;
	}
	/* A head that is not complete in this read starts its deadline in
	 * client_process(): now, and never again for the same request. */
	server_stats(h->srv)->bytes_in += (size_t)n;
	if (c->in) {
		c->in_len += (size_t)n;
		(void)client_process(c, c->in, c->in_len);
	} else {
		(void)client_process(c, h->rbuf, (size_t)n);
	}
}

void
client_io(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	if (what & EV_WRITE) {
		const char *why = NULL;
		enum response_result rr;

		assert(c->writing);
		/* Not in client_sent()'s arguments: why is set by the call. */
		rr = response_flush(&c->h->writer, &c->out, c->base.fd, &why);
		if (client_sent(c, rr, why) == 1)
			client_response_done(c);
	} else {
		client_readable(c);
	}
}

/* 408 for a head that did not arrive in time; no request to log. */
static void
client_timeout_408(struct client *c)
{
	struct resp r = { .fd = -1, .status = 408 };
	char pt[PEER_TEXT_MAX];

	log_debug("%s (fd %d): %s: request head not complete within "
	    "--header-timeout", c->base.sock->name, c->base.fd,
	    peer_text(&c->base.peer, pt));
	client_keep(c, NULL, 0);
	client_clock(c->h);
	c->close_after = true;
	if (client_respond(c, NULL, &r) == 1)
		client_linger(c, "408 sent");
}

void
client_timeout(struct conn *base)
{
	struct client *c = (struct client *)base;

	client_check(c);
	/*
	 * A connection that waited for a request may have one on its way
	 * right now: closing with it unread (or as it arrives) makes the
	 * kernel answer with a reset, so the client could not tell a request
	 * we never saw from one we lost. Lingering, the client sees our FIN
	 * first and knows to retry. A client that takes nothing of its
	 * response for --send-timeout has given up on it: no reason to wait.
	 */
	switch (c->timer) {
	case CLIENT_TIMER_HEADER:
		if (c->content)
			/* Its request is answered: nothing to say. */
			client_linger(c, "content not complete within "
			    "--header-timeout");
		else if (c->in_len > 0 && !c->writing)
			client_timeout_408(c);
		else
			client_linger(c, "no request within --header-timeout");
		break;
	case CLIENT_TIMER_IDLE:
		client_linger(c, "idle for --keepalive-timeout");
		break;
	case CLIENT_TIMER_SEND:
		client_close(c, "the client took nothing within --send-timeout");
		break;
	case CLIENT_TIMER_LINGER:
	case CLIENT_NTIMERS:
		/* The runtime closes a lingering connection itself. */
		client_close(c, NULL);
		break;
	}
}

void
client_init(struct conn *base)
{
	struct client *c = (struct client *)base;

	response_out_init(&c->out);
}

int
client_start(void *ctx, struct conn *base)
{
	struct client *c = (struct client *)base;
	struct httpd *h = ctx;
	char pt[PEER_TEXT_MAX];
	int one = 1;

	c->h = h;
	assert(c->out.file_fd == -1);	/* client_init() */
	if (base->sock->family == AF_INET || base->sock->family == AF_INET6)
		/* Responses are whole when we write them: never wait for an
		 * ACK before sending the tail of one (MSG_MORE still joins a
		 * head with its body). */
		(void)setsockopt(base->fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	accesslog_host(&base->peer, base->sock->family, c->host,
	    sizeof(c->host));
	if (log_debug_enabled())
		log_debug("%s (fd %d): connection from %s", base->sock->name,
		    base->fd, peer_text(&base->peer, pt));
	/* The first head has --header-timeout from the accept on. */
	c->head_armed = true;
	c->timer = CLIENT_TIMER_HEADER;
	if (conn_timer(base, h->tv[CLIENT_TIMER_HEADER]) < 0 ||
	    event_add(base->ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * SIGTERM. Idle: nothing received that deserves an answer; lingering, not
 * closing: a request already on its way would make the kernel answer it
 * with a reset instead of our FIN. A head in progress is answered (with
 * Connection: close) if it completes in time; a response in flight
 * finishes.
 */
void
client_stop(struct conn *base)
{
	struct client *c = (struct client *)base;

	/* Under a unit with an fd store, a connection waiting for a
	 * request (or with part of one) goes to the next instance now, one
	 * with a response in flight once it is out. Not one in the middle
	 * of content being dropped: the next instance would take the rest
	 * of it for a request. */
	if (!c->writing && !c->content &&
	    conn_keep(base, c->in, c->in_len) == 0)
		return;
	if (!c->writing && c->in_len == 0)
		client_linger(c, "stopping");
	else if (c->writing && (!server_can_keep(c->h->srv) || c->content))
		c->close_after = true;
}

/* Kept across a restart: the unparsed input the last instance had (part
 * of a head, or requests behind a response) is answered as if it had
 * just been read. */
int
client_restore(struct conn *base, char *data, size_t len)
{
	struct client *c = (struct client *)base;
	/* As client_keep() would have kept them: room for what came, the
	 * buffer grows from there (client_grow()). */
	size_t cap = len > CLIENT_IN_MIN ? len : CLIENT_IN_MIN;
	char *in;

	if (len == 0)
		return 0;
	/* More than one read behind a head never waits in a client. */
	if (len > HTTPD_READ_SIZE && len > c->h->conf.limits.head) {
		free(data);
		client_close(c, "more bytes in flight than a client holds");
		return -1;
	}
	in = realloc(data, cap);
	if (!in) {
		free(data);
		client_close(c, "out of memory");
		return -1;
	}
	c->in = in;
	c->in_len = len;
	c->in_cap = cap;
	return client_process(c, c->in, c->in_len);
}

void
client_release(struct conn *base)
{
	struct client *c = (struct client *)base;

	free(c->in);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	response_out_release(&c->out);
	c->writing = false;
	free(c->content);
	c->content = NULL;
}
