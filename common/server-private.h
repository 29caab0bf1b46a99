/* SPDX-License-Identifier: MIT */
#ifndef SA_SERVER_PRIVATE_H
#define SA_SERVER_PRIVATE_H

/* Between server.c (the runtime) and conn.c (its connections) only. */

#include <sys/time.h>

#include "server.h"

struct server_listener {
	struct server *srv;
	struct sock *sock;
	struct event *ev;
};

struct server {
	struct server_conf conf;
	const struct server_module *module;
	void *ctx;
	struct event_base *base;
	struct sock *socks;
	size_t nsocks;
	struct server_listener *listeners;
	size_t nlisteners;
	size_t ndgram;
	struct event *ev_sigterm, *ev_sigint, *ev_start, *ev_status;
	struct event *ev_watchdog, *ev_idle, *ev_resume, *ev_deadline;
	struct event *ev_logflush;
	struct server_stats stats;
	LIST_HEAD(, conn) conns;
	char status_sent[256];
	struct timeval last_active;
	bool serving, stopping, paused_cap, paused_fds, accepting;
	bool fds_warned;	/* one warning per out-of-fds episode */
	unsigned types;		/* ACTIVATE_* served */
	/* The fd store (keep.c): what the last instance kept, until the
	 * server starts; the sockets its connections point to; what this
	 * instance hands over at its stop. */
	struct fdstore_taken kept;
	struct sock *kept_socks;
	size_t nkept_socks;
	unsigned store_max, store_used, conns_kept;
	unsigned long store_id;
	bool store_full_warned;
};

/* A connection to serve, from accept() or handed over by systemd: made
 * and given to the module (returned), or closed (logged) if that fails
 * (NULL). */
struct conn *conn_new(struct server *srv, const struct sock *s, int fd,
    const union addr_any *a, socklen_t len);
/* Frees c and what it holds, uncounted: for server_free(). */
void conn_free(struct conn *c);
/* A connection is gone: its slot frees, and the server may be done. */
void server_conn_gone(struct server *srv);

/* accept.c: the listeners' callback; accepting on or off as the server's
 * state (serving, stopping, at the cap, out of fds) wants; the soft
 * RLIMIT_NOFILE raised to the hard limit. */
void server_accept_cb(evutil_socket_t lfd, short what, void *arg);
void server_resume_cb(evutil_socket_t fd, short what, void *arg);
void server_update_accept(struct server *srv);
void server_raise_nofile(void);
/* server.c: without connections, the server may be done (stopping, or
 * nothing left to serve). */
void server_check_done(struct server *srv);

/* keep.c: the fd store. $FDSTORE read and logged; the connections the
 * last instance kept served (before READY=1) and removed from the store;
 * what is left of them freed. */
void server_keep_init(struct server *srv);
void server_keep_restore(struct server *srv);
/* After the event loop: once connections were handed over, waits until
 * the service manager has read them (notify_barrier()). */
void server_keep_done(struct server *srv);
void server_keep_free(struct server *srv);

static inline struct timeval
server_ms(unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	return tv;
}

#endif
