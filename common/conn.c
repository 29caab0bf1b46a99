/* SPDX-License-Identifier: MIT */
/*
 * Connections, owned by the runtime from accept to close: the peer found
 * once, the module's struct around ours, the I/O event and the one timer,
 * lingering, and the one close (see struct conn in server.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "server-private.h"

/* Who is at the other end: the address once, the credentials once (Unix
 * clients are usually unnamed: who they are is in their credentials). */
static void
conn_peer(struct peer *p, int fd, const union addr_any *a, socklen_t len,
    const struct sock *s)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);

	p->addr = *a;
	p->addrlen = len;
	p->fdname = s->name;
	addr_format(&a->sa, len, p->addr_text, sizeof(p->addr_text));
	if (s->family == AF_UNIX &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
		p->has_cred = true;
		p->pid = cred.pid;
		p->uid = cred.uid;
		p->gid = cred.gid;
	}
}

const char *
peer_text(const struct peer *p, char buf[PEER_TEXT_MAX])
{
	if (p->has_cred)
		snprintf(buf, PEER_TEXT_MAX, "%s (pid %d, uid %u)",
		    p->addr_text, (int)p->pid, (unsigned)p->uid);
	else
		snprintf(buf, PEER_TEXT_MAX, "%s", p->addr_text);
	return buf;
}

struct conn *
conn_new(struct server *srv, const struct sock *s, int fd,
    const union addr_any *a, socklen_t len)
{
	const struct server_module *m = srv->module;
	struct conn *c;

	srv->stats.conns_open++;
	srv->stats.conns_total++;
	server_touch(srv);
	c = calloc(1, m->conn_size);
	if (c && m->conn_init)
		m->conn_init(c);
	if (c)
		c->ev = event_new(srv->base, fd, EV_READ | EV_PERSIST,
		    m->conn_io, c);
	if (!c || !c->ev) {
		char peer[ADDR_STRLEN];

		log_error("%s (fd %d): %s: out of memory, closing", s->name, fd,
		    addr_format(&a->sa, len, peer, sizeof(peer)));
		free(c);
		close(fd);
		server_conn_gone(srv);
		return NULL;
	}
	c->srv = srv;
	c->sock = s;
	c->fd = fd;
	c->want = EV_READ;
	conn_peer(&c->peer, fd, a, len, s);
	LIST_INSERT_HEAD(&srv->conns, c, entry);
	if (m->conn_start(srv->ctx, c) < 0) {
		conn_close(c);
		return NULL;
	}
	return c;
}

void
conn_free(struct conn *c)
{
	if (!c->lingering && c->srv->module->conn_release)
		c->srv->module->conn_release(c);
	LIST_REMOVE(c, entry);
	event_free(c->ev);
	if (c->tev)
		event_free(c->tev);
	close(c->fd);
	free(c);
}

void
conn_want(struct conn *c, short what)
{
	if (c->want == what)
		return;
	event_del(c->ev);
	c->want = what;
	event_assign(c->ev, c->srv->base, c->fd, what | EV_PERSIST,
	    c->srv->module->conn_io, c);
	event_add(c->ev, NULL);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	if (c->lingering)
		conn_close(c);
	else
		c->srv->module->conn_timeout(c);
}

int
conn_timer(struct conn *c, const struct timeval *tv)
{
	if (!c->tev) {
		c->tev = evtimer_new(c->srv->base, conn_timer_cb, c);
		if (!c->tev)
			return -ENOMEM;
	}
	return evtimer_add(c->tev, tv) < 0 ? -ENOMEM : 0;
}

void
conn_close(struct conn *c)
{
	struct server *srv = c->srv;

	/* Our side is done: a FIN rather than an RST, so the peer reads
	 * everything we sent before it sees the end. */
	if (!c->lingering)
		shutdown(c->fd, SHUT_WR);
	conn_free(c);
	server_conn_gone(srv);
}

static void
conn_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	static char sink[16384];
	struct conn *c = arg;
	ssize_t n;

	(void)what;
	n = recv(fd, sink, sizeof(sink), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && c->linger_left > (size_t)n) {
		c->linger_left -= (size_t)n;
		return;
	}
	/* The peer closed, failed, or sent more than we listen to. */
	conn_close(c);
}

void
conn_linger(struct conn *c, const struct timeval *tv, size_t max_bytes)
{
	if (c->srv->module->conn_release)
		c->srv->module->conn_release(c);
	c->lingering = true;
	c->linger_left = max_bytes ? max_bytes : SIZE_MAX;
	if (shutdown(c->fd, SHUT_WR) < 0) {
		conn_close(c);
		return;
	}
	event_del(c->ev);
	event_assign(c->ev, c->srv->base, c->fd, EV_READ | EV_PERSIST,
	    conn_linger_cb, c);
	c->want = EV_READ;
	event_add(c->ev, NULL);
	if (c->tev)
		evtimer_del(c->tev);
	if (tv && conn_timer(c, tv) < 0)
		conn_close(c);
}
