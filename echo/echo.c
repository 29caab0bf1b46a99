/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "echo.h"
#include "log.h"
#include "ratelimit.h"

/* Datagrams answered per wake-up before other sockets get a turn. */
#define ECHO_DGRAM_BATCH 64
/* Full reads of one stream per wake-up: see echo_conn_readable(). */
#define ECHO_READ_BATCH 16
/* Idle connections are looked for this many times per --idle-timeout:
 * one is closed between the timeout and an eighth more. */
#define ECHO_IDLE_SWEEPS 8

/*
 * socket-activate-echo's module: echoes what every connection sends
 * (stream and seqpacket, struct echo_conn) and every datagram (struct
 * echo_dgram), with the bounds of echo_conf. The runtime (common/server.c)
 * accepts, owns and closes the connections.
 */

struct echo_conn {
	struct conn base;
	struct echo *echo;
	/* Bytes read but not yet written back: only when the peer reads
	 * slower than it writes, and never more than max_buffer. */
	char *pend;
	size_t pend_len, pend_off;
	uint64_t in, out;
	size_t rdsize;		/* bytes per read: see echo_conn_start() */
	size_t stop_left;	/* stopping: bytes still to echo (echo_conn_stop()) */
	bool finished;		/* stopping, all echoed: FIN sent, draining */
	/* echo->tick when a byte last moved either way: see echo_idle_cb(). */
	unsigned seen;
	int unread;		/* with pend: the kernel's send queue, last sweep */
	LIST_ENTRY(echo_conn) entry;
};

struct echo_dgram {
	struct echo *echo;
	const struct sock *sock;
	struct event *ev;
	LIST_ENTRY(echo_dgram) entry;
};

struct echo {
	struct echo_conf conf;
	struct server *srv;
	/* One read buffer for everything: the loop is single-threaded, and
	 * idle connections then cost no buffer at all. */
	char *buf;
	size_t buflen;
	struct ratelimit *rl;		/* per source address */
	struct ratelimit *rl_all;	/* all sources together */
	LIST_HEAD(, echo_dgram) dgrams;
	/*
	 * --idle-timeout: a coarse clock, not a timer per connection.
	 * Re-arming a timer on every read would cost more than the echo
	 * itself; a connection only notes the tick when bytes move, and
	 * idle_fd, ticking while connections are open, advances the tick
	 * and closes those that have not moved for the timeout. It is a
	 * timerfd read through ev_idle, not a libevent timer: with no timer
	 * pending, libevent reads no clock on each loop pass, and that
	 * clock read and its bookkeeping would cost every echo more than
	 * the tick does.
	 */
	LIST_HEAD(, echo_conn) conns;
	int idle_fd;
	struct event *ev_idle;
	unsigned tick;
};

static void
echo_conn_close(struct echo_conn *c, const char *why)
{
	char pt[PEER_TEXT_MAX];

	log_info("%s (fd %d): %s closed%s%s, %llu bytes in, %llu bytes out",
	    c->base.sock->name, c->base.fd, peer_text(&c->base.peer, pt),
	    why ? ": " : "",
	    why ? why : "", (unsigned long long)c->in,
	    (unsigned long long)c->out);
	conn_close(&c->base);
}

static void echo_conn_drain(struct echo_conn *c);
static void echo_conn_finish(struct echo_conn *c);

/* Returns 0 when all was written, 1 when bytes remain, -errno on error. */
static int
echo_conn_write(struct echo_conn *c, const char *p, size_t n)
{
	struct server_stats *st = server_stats(c->echo->srv);
	ssize_t w;

	w = send(c->base.fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0) {
		if (errno != EAGAIN)
			return -errno;
		w = 0;
	}
	c->out += (size_t)w;
	st->bytes_out += (size_t)w;
	if ((size_t)w == n)
		return 0;
	/* Only called with nothing pending. Stream sockets may take part of
	 * it; seqpacket takes all or none. */
	c->pend_len = n - (size_t)w;
	c->pend = malloc(c->pend_len);
	if (!c->pend)
		return -ENOMEM;
	memcpy(c->pend, p + w, c->pend_len);
	c->pend_off = 0;
	c->unread = INT_MAX;
	return 1;
}

static void
echo_conn_flush(struct echo_conn *c)
{
	const char *p = c->pend + c->pend_off;
	size_t n = c->pend_len - c->pend_off;
	struct server_stats *st = server_stats(c->echo->srv);
	ssize_t w;

	w = send(c->base.fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0) {
		if (errno == EAGAIN)
			return;
		echo_conn_close(c, strerror(errno));
		return;
	}
	c->out += (size_t)w;
	st->bytes_out += (size_t)w;
	if (w > 0)
		c->seen = c->echo->tick;
	c->pend_off += (size_t)w;
	if (c->pend_off < c->pend_len)
		return;
	/* The slow reader caught up: release the memory it pinned. */
	free(c->pend);
	c->pend = NULL;
	c->pend_len = c->pend_off = 0;
	if (server_stopping(c->echo->srv))
		echo_conn_drain(c);
	else
		conn_want(&c->base, EV_READ);
}

/* One read and its echo. Returns 0 to go on reading, 2 when the read
 * filled the buffer (more is likely waiting), 1 when bytes wait for the
 * peer to read, -1 when the connection is closed (or, stopping, finished:
 * all echoed). */
static int
echo_conn_read(struct echo_conn *c)
{
	struct echo *e = c->echo;
	struct server_stats *st = server_stats(e->srv);
	size_t max = c->rdsize;
	bool stopping = server_stopping(e->srv);
	ssize_t n;
	int r;

	if (stopping && c->stop_left == 0) {
		echo_conn_finish(c);
		return -1;
	}
	if (stopping && c->base.sock->type == SOCK_STREAM && max > c->stop_left)
		max = c->stop_left;
	/* MSG_TRUNC: a seqpacket record longer than the buffer reports its
	 * full length instead of being silently cut. */
	n = recv(c->base.fd, e->buf, max, c->base.sock->type == SOCK_STREAM ?
	    0 : MSG_TRUNC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			/* Stopping: all that was received has been echoed. */
			if (stopping) {
				echo_conn_finish(c);
				return -1;
			}
			return 0;
		}
		echo_conn_close(c, strerror(errno));
		return -1;
	}
	if (n == 0) {
		echo_conn_close(c, NULL);
		return -1;
	}
	c->seen = e->tick;
	if (stopping)
		c->stop_left -= (size_t)n < c->stop_left ? (size_t)n : c->stop_left;
	if ((size_t)n > max) {
		char pt[PEER_TEXT_MAX];

		log_warning("%s (fd %d): %s sent a %zd byte record, more than "
		    "--max-datagram %zu: dropped", c->base.sock->name,
		    c->base.fd, peer_text(&c->base.peer, pt), n, max);
		st->dropped++;
		return 0;
	}
	c->in += (size_t)n;
	st->bytes_in += (size_t)n;
	r = echo_conn_write(c, e->buf, (size_t)n);
	if (r < 0) {
		echo_conn_close(c, strerror(-r));
		return -1;
	}
	if (r > 0) {
		/* Stop reading until the peer takes what it sent: that is
		 * the bound on what a peer that never reads can cost us. */
		conn_want(&c->base, EV_WRITE);
		return 1;
	}
	return (size_t)n == max ? 2 : 0;
}

/*
 * After a stop request: read what had arrived by then (stop_left), or
 * until the socket is empty, echoing as we go; then the read finishes the
 * connection. A socket with more to read after a batch stays readable, so
 * the event loop brings us back.
 */
static void
echo_conn_drain(struct echo_conn *c)
{
	int i;

	for (i = 0; i < 64; i++) {
		int r = echo_conn_read(c);

		if (r == 1 || r < 0)
			return;
	}
}

/*
 * Stopping, and everything received is echoed. If the peer has all of it
 * and sent nothing more, close. Else our FIN goes out behind the echo, and
 * what the peer still sends is read and dropped until it closes: closing
 * with bytes unread would make the kernel reset the connection, destroying
 * the echo still in the send buffer. The shutdown deadline bounds a peer
 * that never closes.
 */
static void
echo_conn_finish(struct echo_conn *c)
{
	int unsent = -1, unread = -1;

	if (ioctl(c->base.fd, SIOCOUTQ, &unsent) == 0 && unsent == 0 &&
	    ioctl(c->base.fd, SIOCINQ, &unread) == 0 && unread == 0) {
		echo_conn_close(c, NULL);
		return;
	}
	c->finished = true;
	if (shutdown(c->base.fd, SHUT_WR) < 0) {
		echo_conn_close(c, strerror(errno));
		return;
	}
	conn_want(&c->base, EV_READ);
}

static void
echo_conn_discard(struct echo_conn *c)
{
	ssize_t n = recv(c->base.fd, c->echo->buf, c->echo->buflen, 0);

	if (n > 0)
		c->seen = c->echo->tick;
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	echo_conn_close(c, n < 0 ? strerror(errno) : NULL);
}

/*
 * Reads and echoes while reads come back full, up to ECHO_READ_BATCH: a
 * bulk sender is served in one wake-up per batch, not one per read, and a
 * read that came back short (the socket is empty) costs no extra recv()
 * to learn EAGAIN. The batch bound keeps one sender from starving others.
 */
static void
echo_conn_readable(struct echo_conn *c)
{
	int i;

	for (i = 0; i < ECHO_READ_BATCH; i++)
		if (echo_conn_read(c) != 2)
			return;
}

static void
echo_conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct echo_conn *c = arg;

	(void)fd;
	if (c->finished)
		echo_conn_discard(c);
	else if (what & EV_WRITE)
		echo_conn_flush(c);
	else if (server_stopping(c->echo->srv))
		echo_conn_drain(c);
	else
		echo_conn_readable(c);
}

/* Ticks ECHO_IDLE_SWEEPS times per timeout (on), or stops (!on). */
static void
echo_idle_arm(struct echo *e, bool on)
{
	unsigned ms = e->conf.idle_timeout_ms / ECHO_IDLE_SWEEPS;
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	int r;

	if (ms == 0)
		ms = 1;
	if (on) {
		its.it_interval.tv_sec = ms / 1000;
		its.it_interval.tv_nsec = (long)(ms % 1000) * 1000000;
		its.it_value = its.it_interval;
	}
	/* Cannot fail with a valid fd and value: both are ours. */
	r = timerfd_settime(e->idle_fd, 0, &its, NULL);
	assert(r == 0);
	(void)r;
}

static void
echo_conn_idle(struct echo_conn *c)
{
	unsigned ms = c->echo->conf.idle_timeout_ms;
	char why[128];

	if (c->pend)
		snprintf(why, sizeof(why), "idle for %u.%03u s (--idle-timeout), "
		    "%zu bytes of its echo unread", ms / 1000, ms % 1000,
		    c->pend_len - c->pend_off);
	else
		snprintf(why, sizeof(why), "idle for %u.%03u s (--idle-timeout)",
		    ms / 1000, ms % 1000);
	echo_conn_close(c, why);
}

/*
 * Whether the client of a connection waiting for it to read (pend) read
 * some of its echo since the last sweep. Our send only makes progress
 * once the kernel's send buffer has drained well below full, which for a
 * slow reader on a large buffer can take longer than the timeout; the
 * queue itself shrinks with every read.
 */
static bool
echo_conn_draining(struct echo_conn *c)
{
	int unread, before = c->unread;

	if (ioctl(c->base.fd, SIOCOUTQ, &unread) < 0)
		return false;
	c->unread = unread;
	return unread < before;
}

/*
 * --idle-timeout. A connection is idle while no byte arrives from its
 * client and the client reads none of its echo: one that neither sends
 * nor reads, and one that sent and stopped reading what comes back. The
 * tick advances ECHO_IDLE_SWEEPS times per timeout; a connection last
 * seen moving more than that many ticks ago has been idle for at least the
 * timeout, and at most an eighth more.
 */
static void
echo_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct echo *e = arg;
	struct echo_conn *c, *next;
	uint64_t ticks;

	(void)what;
	/* How many periods passed: more than one if the loop was busy. */
	if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks))
		return;
	e->tick += (unsigned)ticks;
	for (c = LIST_FIRST(&e->conns); c; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->pend && echo_conn_draining(c))
			c->seen = e->tick;
		if (e->tick - c->seen > ECHO_IDLE_SWEEPS)
			echo_conn_idle(c);
	}
}

static int
echo_conn_start(void *ctx, struct conn *base)
{
	struct echo_conn *c = (struct echo_conn *)base;
	const struct sock *s = base->sock;
	struct echo *e = ctx;
	char pt[PEER_TEXT_MAX];

	c->echo = e;
	c->seen = e->tick;
	/* The first open connection starts the idle sweeps, the last one
	 * to close stops them (echo_conn_release()). */
	if (e->ev_idle && LIST_EMPTY(&e->conns))
		echo_idle_arm(e, true);
	LIST_INSERT_HEAD(&e->conns, c, entry);
	/*
	 * Loopback TCP buffers grow to megabytes, and bigger reads mean fewer
	 * system calls: 256K reads echoed 1 GiB at 1.3x a 64K read/write loop
	 * here. A Unix stream socket's send buffer stays at about 208K, so
	 * large writes to it come back partial and cost a wait for POLLOUT:
	 * 64K reads were fastest there (make bench-echo). Seqpacket reads
	 * must hold a whole record.
	 */
	if (s->type != SOCK_STREAM)
		c->rdsize = e->conf.max_datagram;
	else if (s->family == AF_UNIX && e->conf.max_buffer > 65536)
		c->rdsize = 65536;
	else
		c->rdsize = e->conf.max_buffer;
	/* A connection kept across a restart was logged as that. */
	if (!s->kept)
		log_info("%s (fd %d): connection from %s", s->name, base->fd,
		    peer_text(&base->peer, pt));
	return event_add(base->ev, NULL) < 0 ? -ENOMEM : 0;
}

/* Kept across a restart: what the last instance had read and not yet
 * echoed goes out first, as it would have there. */
static int
echo_conn_restore(struct conn *base, char *data, size_t len)
{
	struct echo_conn *c = (struct echo_conn *)base;

	if (len == 0)
		return 0;
	if (len > c->echo->buflen) {
		free(data);
		echo_conn_close(c, "more bytes in flight than --max-buffer "
		    "and --max-datagram allow");
		return -1;
	}
	c->pend = data;
	c->pend_len = len;
	c->pend_off = 0;
	/* As echo_conn_write() leaves it: the idle sweep (--idle-timeout)
	 * judges this one as any connection whose echo waits. */
	c->unread = INT_MAX;
	conn_want(base, EV_WRITE);
	return 0;
}

static void
echo_conn_release(struct conn *base)
{
	struct echo_conn *c = (struct echo_conn *)base;

	free(c->pend);
	c->pend = NULL;
	LIST_REMOVE(c, entry);
	if (c->echo->ev_idle && LIST_EMPTY(&c->echo->conns))
		echo_idle_arm(c->echo, false);
}

/*
 * Reflection needs a spoofed source address, and that cannot be a loopback
 * one (the kernel drops those arriving from outside), nor a Unix or vsock
 * peer: those are answered without limit, so local clients and benchmarks
 * never notice the limits.
 */
static bool
echo_dgram_allowed(struct echo *e, const struct sockaddr *sa, socklen_t len)
{
	struct timeval now;
	uint64_t ms;

	if ((!e->rl && !e->rl_all) || (sa->sa_family != AF_INET &&
	    sa->sa_family != AF_INET6) || addr_is_loopback(sa, len))
		return true;
	event_base_gettimeofday_cached(server_base(e->srv), &now);
	ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_usec / 1000;
	if (e->rl && !ratelimit_allow(e->rl, sa, len, ms))
		return false;
	return !e->rl_all || ratelimit_allow(e->rl_all, sa, len, ms);
}

static void
echo_dgram_cb(evutil_socket_t fd, short what, void *arg)
{
	struct echo_dgram *d = arg;
	struct echo *e = d->echo;
	struct server_stats *st = server_stats(e->srv);
	char peer[ADDR_STRLEN];
	union addr_any a;
	socklen_t len;
	ssize_t n;
	int i;

	(void)what;
	for (i = 0; i < ECHO_DGRAM_BATCH; i++) {
		len = sizeof(a);
		/* MSG_TRUNC returns the real size: an oversized datagram is
		 * dropped whole, never answered with a cut copy. */
		n = recvfrom(fd, e->buf, e->conf.max_datagram, MSG_TRUNC,
		    &a.sa, &len);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warning("%s (fd %d): receive: %s",
				    d->sock->name, fd, strerror(errno));
			break;
		}
		st->datagrams++;
		st->bytes_in += (size_t)n;
		if ((size_t)n > e->conf.max_datagram) {
			st->dropped++;
			log_debug("%s (fd %d): %zd byte datagram from %s is "
			    "larger than --max-datagram, dropped",
			    d->sock->name, fd, n, addr_format(&a.sa, len, peer,
			    sizeof(peer)));
			continue;
		}
		if (!addr_dgram_source_ok(&a.sa, len)) {
			st->dropped++;
			log_debug("%s (fd %d): datagram from %s dropped: %s",
			    d->sock->name, fd, addr_format(&a.sa, len, peer,
			    sizeof(peer)), len <= sizeof(sa_family_t) ||
			    a.sa.sa_family == AF_UNIX ?
			    "the sender has no address to reply to (bind the "
			    "client socket)" :
			    "source port is 0 or a small service port (7, 9, "
			    "13, 19, 37) that could loop replies");
			continue;
		}
		if (!echo_dgram_allowed(e, &a.sa, len)) {
			st->dropped++;
			log_debug("%s (fd %d): datagram from %s over "
			    "--udp-rate-limit, dropped", d->sock->name, fd,
			    addr_format(&a.sa, len, peer, sizeof(peer)));
			continue;
		}
		if (log_debug_enabled())
			log_debug("%s (fd %d): %zd byte datagram from %s",
			    d->sock->name, fd, n, addr_format(&a.sa, len, peer,
			    sizeof(peer)));
		if (sendto(fd, e->buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT,
		    &a.sa, len) < 0) {
			/* Datagrams may be lost: a full send buffer drops
			 * the reply rather than stalling every other peer. */
			st->dropped++;
			log_debug("%s (fd %d): reply to %s: %s, dropped",
			    d->sock->name, fd, addr_format(&a.sa, len, peer,
			    sizeof(peer)), strerror(errno));
			continue;
		}
		st->bytes_out += (size_t)n;
	}
	server_touch(e->srv);
}

static int
echo_dgram_start(void *ctx, const struct sock *s)
{
	struct echo *e = ctx;
	struct echo_dgram *d;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->echo = e;
	d->sock = s;
	d->ev = event_new(server_base(e->srv), s->fd, EV_READ | EV_PERSIST,
	    echo_dgram_cb, d);
	if (!d->ev) {
		free(d);
		return -ENOMEM;
	}
	LIST_INSERT_HEAD(&e->dgrams, d, entry);
	event_add(d->ev, NULL);
	return 0;
}

static void
echo_dgram_free(struct echo_dgram *d)
{
	LIST_REMOVE(d, entry);
	event_free(d->ev);
	free(d);
}

/* Datagrams already queued were received: answer them, then stop. */
static void
echo_shutdown(void *ctx)
{
	struct echo *e = ctx;
	struct echo_dgram *d;

	while ((d = LIST_FIRST(&e->dgrams))) {
		echo_dgram_cb(d->sock->fd, EV_READ, d);
		echo_dgram_free(d);
	}
}

/*
 * A connection echoes what had arrived when the stop request came, then
 * finishes (echo_conn_finish()); one blocked on a slow reader finishes
 * writing first. What the peer sends after the request is not echoed: a
 * peer that never stops sending would otherwise keep the connection
 * draining for as long as it outpaces our reads, which on a loaded
 * machine was until the shutdown deadline. Where the kernel cannot say
 * what is queued (SIOCINQ), reads go on until the socket is empty.
 */
static void
echo_conn_stop(struct conn *base)
{
	struct echo_conn *c = (struct echo_conn *)base;
	int queued = -1;

	/* Under a unit with an fd store, the connection goes on in the
	 * next instance: what the peer sent and we did not read yet stays
	 * in the socket, what we read and did not echo goes with it. */
	if (conn_keep(base, c->pend ? c->pend + c->pend_off : NULL,
	    c->pend_len - c->pend_off) == 0)
		return;
	c->stop_left = ioctl(c->base.fd, SIOCINQ, &queued) == 0 && queued >= 0 ?
	    (size_t)queued : SIZE_MAX;
	if (!c->pend)
		echo_conn_drain(c);
}

static void
echo_free(void *ctx)
{
	struct echo *e = ctx;
	struct echo_dgram *d;

	while ((d = LIST_FIRST(&e->dgrams)))
		echo_dgram_free(d);
	if (e->ev_idle)
		event_free(e->ev_idle);
	if (e->idle_fd >= 0)
		close(e->idle_fd);
	ratelimit_free(e->rl_all);
	ratelimit_free(e->rl);
	free(e->buf);
	free(e);
}

static const struct server_module echo_module = {
	.conn_size = sizeof(struct echo_conn),
	.conn_io = echo_conn_cb,
	.conn_start = echo_conn_start,
	.conn_stop = echo_conn_stop,
	.conn_release = echo_conn_release,
	.conn_restore = echo_conn_restore,
	.dgram_start = echo_dgram_start,
	.shutdown = echo_shutdown,
	.free = echo_free,
};

int
echo_new(struct server *srv, const struct echo_conf *conf)
{
	struct echo *e = calloc(1, sizeof(*e));
	int r = -ENOMEM;

	if (!e)
		return -ENOMEM;
	e->conf = *conf;
	e->srv = srv;
	e->idle_fd = -EBADF;
	LIST_INIT(&e->dgrams);
	LIST_INIT(&e->conns);
	if (conf->idle_timeout_ms > 0) {
		e->idle_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
		    TFD_CLOEXEC);
		if (e->idle_fd < 0) {
			r = -errno;
			goto fail;
		}
		e->ev_idle = event_new(server_base(srv), e->idle_fd,
		    EV_READ | EV_PERSIST, echo_idle_cb, e);
		if (!e->ev_idle || event_add(e->ev_idle, NULL) < 0)
			goto fail;
	}
	/* One read buffer for everything: see struct echo. */
	e->buflen = conf->max_buffer > conf->max_datagram ?
	    conf->max_buffer : conf->max_datagram;
	e->buf = malloc(e->buflen);
	if (conf->udp_rate)
		e->rl = ratelimit_new(conf->udp_rate, RATELIMIT_SOURCES);
	if (conf->udp_global_rate)
		e->rl_all = ratelimit_new(conf->udp_global_rate, 1);
	if (!e->buf || (conf->udp_rate && !e->rl) ||
	    (conf->udp_global_rate && !e->rl_all))
		goto fail;
	server_attach(srv, &echo_module, e);
	return 0;
fail:
	echo_free(e);
	return r;
}
