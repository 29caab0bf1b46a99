/* SPDX-License-Identifier: MIT */
#ifndef SA_SERVER_H
#define SA_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <event2/event.h>

#include "activate.h"

/*
 * The runtime both servers share: one libevent loop that takes the sockets
 * (activate.c), accepts on every listening one (with a connection cap and
 * EMFILE back-off), owns every connection from accept to close, and owns
 * readiness, status, watchdog, signals, graceful shutdown and
 * exit-when-idle. A server module (echo, httpd) attaches to it and is
 * called for what differs: what to do with a connection's bytes.
 *
 * Life cycle, in this order:
 *   srv = server_open(...)        sockets taken and logged
 *   x = module_new(srv, ...)      the module builds its state on srv and
 *                                 calls server_attach()
 *   server_run(srv)               serve until stopped
 *   server_free(srv)              connections, then the module, then the
 *                                 runtime: the server frees what it owns
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

/* Who is at the other end of a connection, found once, at accept. */
struct peer {
	union addr_any addr;
	socklen_t addrlen;		/* 0: unknown */
	bool has_cred;			/* SO_PEERCRED (Unix sockets) */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	const char *fdname;		/* the socket's name (struct sock) */
	/* The address as addr_format() writes it, "127.0.0.1:5000": a Unix
	 * client's own name comes escaped, safe in any log line. */
	char addr_text[ADDR_STRLEN];
};

/*
 * The peer for a log line: its address, and "(pid N, uid N)" for a Unix
 * client, whose address is usually "unnamed". Formatted when a line needs
 * it, not kept: an idle connection costs no text.
 */
#define PEER_TEXT_MAX (ADDR_STRLEN + 48)
const char *peer_text(const struct peer *p, char buf[PEER_TEXT_MAX]);

/*
 * A connection: the part the runtime owns. A module's connection struct
 * starts with it (struct echo_conn { struct conn base; ... }), so the
 * runtime allocates the whole (server_module.conn_size) and frees it.
 */
struct conn {
	struct server *srv;
	const struct sock *sock;	/* the listener, or the socket systemd
					 * handed over connected (Accept=yes) */
	int fd;
	struct event *ev;		/* I/O on fd, to the module's conn_io */
	short want;			/* what ev waits for: EV_READ/EV_WRITE */
	struct event *tev;		/* conn_timer(), made on first use */
	bool lingering;			/* conn_linger(): the module is done */
	size_t linger_left;		/* bytes still to drop while lingering */
	struct peer peer;
	LIST_ENTRY(conn) entry;
};

struct server_module {
	size_t conn_size;		/* the module's connection struct */
	/* ev's callback; arg is the struct conn. */
	event_callback_fn conn_io;
	/*
	 * The module's part of a connection just allocated (zeroed), before
	 * anything else can see it: descriptor fields get -1 here, so no
	 * window holds a valid-looking 0. May be NULL.
	 */
	void (*conn_init)(struct conn *c);
	/*
	 * A new connection, fully set up by the runtime (ev made, not
	 * added). Returns 0 when serving it (the module adds ev), or -errno
	 * to have the runtime close it at once.
	 */
	int (*conn_start)(void *ctx, struct conn *c);
	/* c's timer (conn_timer()) ran out. */
	void (*conn_timeout)(struct conn *c);
	/* SIGTERM, for each connection the module still serves. */
	void (*conn_stop)(struct conn *c);
	/* Free what the module holds for c (not c, its fd or its events),
	 * once: when it lingers or closes, or is still open at
	 * server_free(). */
	void (*conn_release)(struct conn *c);
	/*
	 * A connection the last instance kept (conn_keep()), after
	 * conn_start() (its sock->kept is set): data[0..len) are the bytes
	 * it had in flight, malloc'ed and now the module's (NULL when len
	 * is 0). Returns 0, or -1 when it closed c. NULL: the module keeps
	 * no connections.
	 */
	int (*conn_restore)(struct conn *c, char *data, size_t len);
	/* A socket data arrives on without accept(): datagram sockets. */
	int (*dgram_start)(void *ctx, const struct sock *s);
	/*
	 * SIGTERM, before conn_stop() for each connection: stop reading new
	 * requests, finish what was already received, close datagram
	 * sockets. Connections still open when shutdown_timeout_ms runs out
	 * are released at server_free().
	 */
	void (*shutdown)(void *ctx);
	/* Extra text for STATUS=, after the counts; may be NULL. */
	void (*status)(void *ctx, char *buf, size_t len);
	/* Frees ctx, after the connections; may be NULL. */
	void (*free)(void *ctx);
};

/*
 * Takes every socket (systemd's, then one per --listen address), logs one
 * line for each, and sets up the runtime on them. NULL, with the reason
 * logged, when there is none (example says how to start the program) or
 * one cannot be used.
 */
struct server *server_open(const struct server_conf *conf, unsigned types,
    char *const *listen, size_t nlisten, const char *example);
/* The same for sockets the caller has: takes socks in every case (on
 * failure they are closed and freed). */
struct server *server_new(const struct server_conf *conf, struct sock *socks,
    size_t nsocks);
/* The module that serves the connections; ctx is its state, freed by
 * server_free() through module->free. */
void server_attach(struct server *srv, const struct server_module *module,
    void *ctx);
/* Runs until shutdown or, without listeners, until the last connection is
 * done. Returns the process exit code. */
int server_run(struct server *srv);
/* Connections, then the module, then the runtime. Accepts NULL. */
void server_free(struct server *srv);

struct event_base *server_base(struct server *srv);
struct server_stats *server_stats(struct server *srv);
bool server_stopping(struct server *srv);
/* Something happened that should keep an idle server alive (a datagram). */
void server_touch(struct server *srv);

/* A timeout value many connections share: libevent keeps each in a plain
 * queue, so re-arming one per request costs O(1). NULL: out of memory. */
const struct timeval *server_common_timeout(struct server *srv, unsigned ms);

/* Makes c's event wait for what (EV_READ or EV_WRITE), if it does not. */
void conn_want(struct conn *c, short what);
/* (Re)arms c's one timer: module->conn_timeout(c) after tv. */
int conn_timer(struct conn *c, const struct timeval *tv);
/*
 * Done with c, but the peer may still be sending: a request already on its
 * way, the rest of a refused one. Closing with unread bytes makes the
 * kernel answer with a reset, which can destroy what we sent before it
 * arrives. So: FIN, then read and drop what comes, until the peer closes,
 * max_bytes were dropped (0: no limit) or tv runs out (NULL: no limit but
 * the shutdown deadline), and close. The module's state is released now.
 */
void conn_linger(struct conn *c, const struct timeval *tv, size_t max_bytes);
/* The one way a connection ends: module state, events, FIN, close, free.
 * The module logs why before calling it, if it wants to. */
void conn_close(struct conn *c);

/*
 * Keeping connections across a restart, in systemd's fd store when
 * $FDSTORE allows one (common/fdstore.h, docs/fd-store.md). While
 * stopping, a module hands c over with data[0..len), the bytes it had in
 * flight (read, not answered yet); the next instance goes on with it
 * (module->conn_restore). Returns 0 when c went to the store (and was
 * freed here, without a FIN: the connection goes on elsewhere), or -errno
 * when it did not (no store, not stopping, no room left, the message
 * failed): then c is untouched, and the module finishes it as it would
 * without a store.
 */
int conn_keep(struct conn *c, const void *data, size_t len);
/* Whether conn_keep() could take a connection now. */
bool server_can_keep(struct server *srv);

#endif
