/* SPDX-License-Identifier: MIT */
#ifndef SA_SERVER_H
#define SA_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <event2/event.h>

#include "activate.h"

/*
 * The runtime both servers share: one libevent loop that accepts on every
 * listening socket (with a connection cap and EMFILE back-off), hands
 * connected sockets to the server module, and owns readiness, status,
 * watchdog, signals, graceful shutdown and exit-when-idle.
 */

struct server;

struct server_conf {
	unsigned max_conns;		/* accepting pauses at this many */
	unsigned exit_idle_ms;		/* 0: never exit for idleness */
	unsigned shutdown_timeout_ms;	/* after SIGTERM, then close anyway */
	unsigned start_sleep_ms;	/* delay before serving (cold-start demos) */
	bool sandbox;			/* confine the process once set up */
	const char *sandbox_read_dir;	/* the one directory it may read */
};

struct server_stats {
	unsigned conns_open;
	uint64_t conns_total;
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t datagrams;
	uint64_t requests;
	uint64_t dropped;
};

struct server_ops {
	/*
	 * A connection to serve: accepted from listener s, or s itself when
	 * systemd handed over a connected socket (then fd == s->fd). peer is
	 * formatted for logs. The module owns fd from now on, whatever it
	 * returns, and calls server_conn_closed() once it has closed it.
	 */
	void (*conn_new)(struct server *srv, const struct sock *s, int fd,
	    const char *peer);
	/* A socket data arrives on without accept(): datagram sockets. */
	int (*dgram_new)(struct server *srv, const struct sock *s);
	/*
	 * SIGTERM: stop reading new requests, finish what was already
	 * received, close datagram sockets. Connections still open when
	 * shutdown_timeout_ms runs out are simply abandoned at exit.
	 */
	void (*shutdown)(struct server *srv);
	/* Extra text for STATUS=, after the counts; may be NULL. */
	void (*status)(struct server *srv, char *buf, size_t len);
};

/* Takes ownership of socks (an array from activate_collect() or built by
 * the caller from --listen sockets). */
struct server *server_new(const struct server_conf *conf,
    const struct server_ops *ops, void *ctx, struct sock *socks, size_t nsocks);
/* Runs until shutdown or, without listeners, until the last connection is
 * done. Returns the process exit code. */
int server_run(struct server *srv);
void server_free(struct server *srv);

struct event_base *server_base(struct server *srv);
void *server_ctx(struct server *srv);
struct server_stats *server_stats(struct server *srv);
bool server_stopping(struct server *srv);

/* The module closed a connection given to conn_new(). */
void server_conn_closed(struct server *srv);
/* Something happened that should keep an idle server alive (a datagram). */
void server_touch(struct server *srv);

#endif
