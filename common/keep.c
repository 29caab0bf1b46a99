/* SPDX-License-Identifier: MIT */
/*
 * Connections kept across a restart: the runtime's side of systemd's fd
 * store (the names and messages are fdstore.c's). At a stop, modules hand
 * connections over (conn_keep()) while there is room in the store; at the
 * next start, server_keep_restore() turns what the last instance kept
 * into connections again, before READY=1, and empties the store of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "logesc.h"
#include "notify.h"
#include "server-private.h"

/* An entry name as a log line shows it: the names come from LISTEN_FDNAMES,
 * which whoever started us wrote (logesc.h). */
#define KEEP_ESC_SIZE (4 * FDSTORE_NAME_MAX + 1)

static const char *
keep_esc(char buf[KEEP_ESC_SIZE], const char *name)
{
	return logesc_str(buf, KEEP_ESC_SIZE, name, LOGESC_WORD);
}

/*
 * podman's --sdnotify=container relay (conmon's socket in the container,
 * since podman 3.2): it passes READY=1, STATUS= and a few other lines on,
 * drops FDSTORE=1 and reads no fds (conmon src/conn_sock.c; measured
 * with podman 5.4, conmon 2.1.12). A connection sent there is lost.
 */
#define KEEP_PODMAN_RELAY "/run/notify/notify.sock"

void
server_keep_init(struct server *srv)
{
	const char *ns = getenv("NOTIFY_SOCKET");

	srv->store_max = fdstore_max();
	if (srv->store_max > 0 && !ns) {
		log_warning("fd store: FDSTORE=%u, but no NOTIFY_SOCKET to "
		    "send connections to, ignoring", srv->store_max);
		srv->store_max = 0;
	}
	if (srv->store_max > 0 && strcmp(ns, KEEP_PODMAN_RELAY) == 0) {
		log_warning("fd store: FDSTORE=%u, but NOTIFY_SOCKET is "
		    "podman's relay (--sdnotify=container), which drops "
		    "stored fds: connections end at a stop instead, ignoring",
		    srv->store_max);
		srv->store_max = 0;
	}
	if (srv->store_max > 0)
		log_info("fd store: room for %u fds (FDSTORE=%u): open "
		    "connections are handed over at a stop and served by the "
		    "next instance", srv->store_max, srv->store_max);
}

bool
server_can_keep(struct server *srv)
{
	return srv->stopping && srv->store_used < srv->store_max;
}

int
conn_keep(struct conn *c, const void *data, size_t len)
{
	struct server *srv = c->srv;
	char name[FDSTORE_NAME_MAX + 1], pt[PEER_TEXT_MAX], esc[KEEP_ESC_SIZE];
	unsigned need = fdstore_fds_for(len);
	int r;

	if (!srv->stopping || c->lingering || srv->store_max == 0)
		return -EINVAL;
	/* A connection systemd passed itself (Accept=yes) is the unit's,
	 * passed again with the next instance: a stored copy would make it
	 * two. */
	if (!c->sock->listening && !c->sock->kept)
		return -ENOTSUP;
	if (srv->store_max - srv->store_used < need) {
		if (!srv->store_full_warned)
			log_warning("fd store full (FDSTORE=%u, %u connections "
			    "handed over): finishing the others here",
			    srv->store_max, srv->conns_kept);
		srv->store_full_warned = true;
		return -ENOSPC;
	}
	/* The raw name: the next instance escapes it for its logs. */
	fdstore_name(name, srv->store_id++, c->sock->raw_name);
	r = fdstore_put(name, c->fd, data, len);
	if (r < 0) {
		log_warning("%s (fd %d): %s: cannot hand the connection to the "
		    "fd store: %s; finishing it here", c->sock->name, c->fd,
		    peer_text(&c->peer, pt), strerror(-r));
		return r;
	}
	srv->store_used += need;
	srv->conns_kept++;
	log_info("%s (fd %d): %s: handed to the fd store as \"%s\", %zu "
	    "bytes in flight", c->sock->name, c->fd, peer_text(&c->peer, pt),
	    keep_esc(esc, name), len);
	/* No FIN: the store holds the connection now. */
	conn_free(c);
	server_conn_gone(srv);
	return 0;
}

/* Entry e of the last instance: a connection again, or closed with why. */
static void
server_keep_restore_one(struct server *srv, struct fdstore_entry *e,
    struct sock *s)
{
	const struct server_module *m = srv->module;
	union addr_any a;
	socklen_t alen = sizeof(a);
	char err[512], pt[PEER_TEXT_MAX], esc[KEEP_ESC_SIZE], *data = NULL;
	struct conn *c;
	size_t len = 0;
	int fd, r;

	if (e->fd < 0) {
		log_warning("fd store entry \"%s\": bytes in flight without "
		    "their connection (it ended while stored): dropped",
		    keep_esc(esc, e->name));
		return;
	}
	if (fdstore_check_conn(e->fd, err, sizeof(err)) < 0 ||
	    activate_describe(e->fd, e->name + e->listener, srv->types, s, err,
	    sizeof(err)) < 0) {
		log_warning("fd store entry \"%s\" (fd %d): %s: closing it",
		    keep_esc(esc, e->name), e->fd, err);
		return;
	}
	r = fdstore_read(e, FDSTORE_DATA_MAX, &data, &len);
	if (r == 0 && len > 0 && !m->conn_restore)
		r = -ENOTSUP;
	if (r < 0) {
		/* Going on without them would cut bytes out of the
		 * middle of what the peer gets back. */
		log_warning("fd store entry \"%s\" (fd %d): its bytes in "
		    "flight cannot be read back: %s: closing the connection",
		    keep_esc(esc, e->name), e->fd, strerror(-r));
		return;
	}
	s->activated = true;
	s->kept = true;
	fd = e->fd;
	e->fd = -EBADF;
	if (getpeername(fd, &a.sa, &alen) < 0)
		alen = 0;
	c = conn_new(srv, s, fd, &a, alen);
	if (!c) {
		free(data);
		return;
	}
	log_info("%s (fd %d): %s: connection kept across the restart (fd "
	    "store entry \"%s\"), %zu bytes in flight", s->name, c->fd,
	    peer_text(&c->peer, pt), keep_esc(esc, e->name), len);
	if (m->conn_restore)
		(void)m->conn_restore(c, data, len);
	else
		free(data);
}

void
server_keep_restore(struct server *srv)
{
	struct fdstore_taken *t = &srv->kept;
	char esc[KEEP_ESC_SIZE];
	size_t i;

	if (t->n == 0)
		return;
	/* conn->sock of each connection: its own, as for Accept=yes. */
	srv->kept_socks = calloc(t->n, sizeof(*srv->kept_socks));
	if (!srv->kept_socks)
		log_error("out of memory: closing the %zu connections kept "
		    "across the restart", t->n);
	for (i = 0; i < t->n; i++) {
		struct fdstore_entry *e = &t->v[i];

		/* Our own names never repeat one still in the store. */
		if (e->id >= srv->store_id)
			srv->store_id = e->id + 1;
		if (srv->kept_socks)
			server_keep_restore_one(srv, e, &srv->kept_socks[i]);
		/* Ours now, or closed: either way not the store's. */
		if (fdstore_remove(e->name) < 0)
			log_warning("fd store entry \"%s\": cannot remove it "
			    "from the store; the service manager keeps the "
			    "connection open until the unit stops",
			    keep_esc(esc, e->name));
	}
	srv->nkept_socks = t->n;
	/* What was not served is closed here. */
	fdstore_taken_free(t);
}

/* How long the exit waits for the service manager to read what was handed
 * over: sd_notify_barrier()'s default. */
#define KEEP_BARRIER_MS 5000

void
server_keep_done(struct server *srv)
{
	int r;

	if (srv->conns_kept == 0)
		return;
	/*
	 * systemd finds the unit of a notification by the sender's cgroup,
	 * which a process that exited no longer has: unless the sender is
	 * the unit's main process (a server in a container is not), an
	 * FDSTORE=1 read after our exit is refused ("Cannot find unit for
	 * notify message"), and its connection closed. Measured with
	 * systemd 252 and echo-fdstore-podman. Exit once the manager has
	 * read them all.
	 */
	r = notify_barrier(KEEP_BARRIER_MS);
	if (r < 0)
		log_warning("fd store: the service manager did not confirm it "
		    "read the %u connections handed over (BARRIER=1): %s",
		    srv->conns_kept, strerror(-r));
}

void
server_keep_free(struct server *srv)
{
	fdstore_taken_free(&srv->kept);
	free(srv->kept_socks);
	srv->kept_socks = NULL;
	srv->nkept_socks = 0;
}
