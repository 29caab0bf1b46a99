/* SPDX-License-Identifier: MIT */
/*
 * Accepting: every listening socket on one accept path, paused at the
 * connection cap (--max-connections) and, when the process is out of
 * descriptors, SERVER_EMFILE_PAUSE_MS at a time instead of spinning
 * (OpenBSD httpd: "libevent will haunt us here too"); and the count of
 * open connections that drives both.
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "log.h"
#include "server-private.h"

/* accept() calls per wake-up: enough to drain a burst, few enough that one
 * busy listener cannot starve the connections already open. */
#define SERVER_ACCEPT_BATCH 32
/* How long accepting pauses when the process is out of file descriptors. */
#define SERVER_EMFILE_PAUSE_MS 100

void
server_update_accept(struct server *srv)
{
	bool want = srv->serving && !srv->stopping && !srv->paused_cap &&
	    !srv->paused_fds;
	size_t i;

	if (want == srv->accepting)
		return;
	for (i = 0; i < srv->nlisteners; i++) {
		if (want)
			event_add(srv->listeners[i].ev, NULL);
		else
			event_del(srv->listeners[i].ev);
	}
	srv->accepting = want;
}

void
server_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	srv->paused_fds = false;
	server_update_accept(srv);
}

void
server_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct server_listener *l = arg;
	struct server *srv = l->srv;
	union addr_any a;
	socklen_t len;
	int i, fd;

	(void)what;
	for (i = 0; i < SERVER_ACCEPT_BATCH; i++) {
		if (srv->stats.conns_open >= srv->conf.max_conns) {
			log_warning("%u connections open (--max-connections): "
			    "pausing accept until one closes",
			    srv->stats.conns_open);
			srv->paused_cap = true;
			server_update_accept(srv);
			return;
		}
		len = sizeof(a);
		fd = accept4(lfd, &a.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
			case EPERM:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM: {
				/* Retrying at once would spin: the listener
				 * stays readable until we can take the fd. */
				struct timeval tv = server_ms(SERVER_EMFILE_PAUSE_MS);

				if (!srv->fds_warned)
					log_warning("%s (fd %d): accept: %s: "
					    "pausing accept for %d ms at a time "
					    "until a descriptor is free",
					    l->sock->name, lfd, strerror(errno),
					    SERVER_EMFILE_PAUSE_MS);
				srv->fds_warned = true;
				srv->paused_fds = true;
				server_update_accept(srv);
				evtimer_add(srv->ev_resume, &tv);
				return;
			}
			default:
				log_error("%s (fd %d): accept: %s", l->sock->name,
				    lfd, strerror(errno));
				return;
			}
		}
		if (srv->fds_warned) {
			log_info("%s (fd %d): descriptors available again, "
			    "accepting", l->sock->name, lfd);
			srv->fds_warned = false;
		}
		conn_new(srv, l->sock, fd, &a, len);
	}
}

/* A connection is gone: its slot frees, and the server may be done. */
void
server_conn_gone(struct server *srv)
{
	srv->stats.conns_open--;
	server_touch(srv);
	if (srv->paused_cap && srv->stats.conns_open < srv->conf.max_conns) {
		log_info("%u connections open: accepting again",
		    srv->stats.conns_open);
		srv->paused_cap = false;
		server_update_accept(srv);
	}
	server_check_done(srv);
}

/* The default soft limit (1024) is for select(); epoll has no such
 * problem, and the connection cap is the limit that matters. */
void
server_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_debug("cannot raise RLIMIT_NOFILE, ignoring");
	}
}

