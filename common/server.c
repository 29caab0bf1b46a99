/* SPDX-License-Identifier: MIT */
/*
 * The runtime both servers share (see server.h): the event loop on the
 * sockets, readiness, status, watchdog, signals, graceful shutdown,
 * exit-when-idle, batched logs. Accepting is accept.c's, connections are
 * conn.c's.
 */
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "logesc.h"
#include "notify.h"
#include "sandbox.h"
#include "server-private.h"

static void
server_status_text(struct server *srv, char *buf, size_t len)
{
	const struct server_stats *st = &srv->stats;
	int n;

	n = snprintf(buf, len, "%s%u connections open, %llu total, "
	    "%llu bytes in, %llu bytes out, %llu datagrams",
	    srv->stopping ? "Stopping: " : "",
	    st->conns_open, (unsigned long long)st->conns_total,
	    (unsigned long long)st->bytes_in, (unsigned long long)st->bytes_out,
	    (unsigned long long)st->datagrams);
	if (n > 0 && st->dropped > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", %llu dropped",
		    (unsigned long long)st->dropped);
	if (n > 0 && (size_t)n < len && srv->module && srv->module->status)
		srv->module->status(srv->ctx, buf + n, len - (size_t)n);
}

/* STATUS= at most once a second, and only when something changed. */
static void
server_status_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	char buf[sizeof(srv->status_sent)];

	(void)fd;
	(void)what;
	server_status_text(srv, buf, sizeof(buf));
	if (strcmp(buf, srv->status_sent) == 0)
		return;
	memcpy(srv->status_sent, buf, sizeof(buf));
	if (notify_status(buf) < 0)
		log_debug("sd_notify STATUS failed, ignoring");
}

static void
server_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (notify_watchdog() < 0)
		log_debug("sd_notify WATCHDOG=1 failed, ignoring");
}

static void
server_exit(struct server *srv, const char *why)
{
	if (notify_stopping(why) < 0)
		log_debug("sd_notify STOPPING=1 failed, ignoring");
	event_base_loopexit(srv->base, NULL);
}

void
server_check_done(struct server *srv)
{
	if (srv->stats.conns_open > 0)
		return;
	if (srv->stopping) {
		if (srv->conns_kept > 0)
			log_info("%u connections handed to the fd store, the "
			    "others closed, exiting", srv->conns_kept);
		else
			log_info("all connections closed, exiting");
		event_base_loopexit(srv->base, NULL);
	} else if (srv->serving && srv->nlisteners == 0 && srv->ndgram == 0) {
		/* Accept=yes or OpenFile=: nothing left to serve. */
		log_info("last connection closed, exiting");
		server_exit(srv, "Last connection closed");
	}
}

static void
server_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct timeval now, idle, left;

	(void)fd;
	(void)what;
	event_base_gettimeofday_cached(srv->base, &now);
	timersub(&now, &srv->last_active, &idle);
	left = server_ms(srv->conf.exit_idle_ms);
	if (srv->stats.conns_open == 0 && !timercmp(&idle, &left, <)) {
		log_info("idle for %u.%03u s, exiting (--exit-idle)",
		    srv->conf.exit_idle_ms / 1000, srv->conf.exit_idle_ms % 1000);
		server_exit(srv, "Idle, exiting");
		return;
	}
	/* Busy: check again when the idle period could next run out. */
	if (srv->stats.conns_open == 0)
		timersub(&left, &idle, &left);
	evtimer_add(srv->ev_idle, &left);
}

void
server_touch(struct server *srv)
{
	event_base_gettimeofday_cached(srv->base, &srv->last_active);
}

static void
server_shutdown_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	log_warning("%u connections still open %u ms after the stop request "
	    "(--shutdown-timeout): exiting anyway", srv->stats.conns_open,
	    srv->conf.shutdown_timeout_ms);
	event_base_loopexit(srv->base, NULL);
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct timeval tv = server_ms(srv->conf.shutdown_timeout_ms);
	struct conn *c, *next;
	size_t i;

	(void)what;
	if (srv->stopping) {
		log_info("%s received again, still waiting for %u connections",
		    sig == SIGINT ? "SIGINT" : "SIGTERM", srv->stats.conns_open);
		return;
	}
	log_info("%s received: no new connections, finishing %u open ones",
	    sig == SIGINT ? "SIGINT" : "SIGTERM", srv->stats.conns_open);
	srv->stopping = true;
	server_update_accept(srv);
	/* Close listeners now: under systemd, new clients then queue on the
	 * socket unit for the next instance instead of being accepted here. */
	for (i = 0; i < srv->nlisteners; i++) {
		event_free(srv->listeners[i].ev);
		srv->listeners[i].ev = NULL;
		close(srv->listeners[i].sock->fd);
		srv->listeners[i].sock->fd = -1;
	}
	srv->nlisteners = 0;
	if (srv->serving) {
		if (srv->module->shutdown)
			srv->module->shutdown(srv->ctx);
		/* conn_stop() may close c (or hand it to the fd store),
		 * never another connection. */
		for (c = LIST_FIRST(&srv->conns); c; c = next) {
			next = LIST_NEXT(c, entry);
			if (!c->lingering && srv->module->conn_stop)
				srv->module->conn_stop(c);
		}
	}
	/* After the connections that could go to the fd store at once
	 * went: systemd takes them in any state, but the order is the
	 * one a reader of the protocol expects. */
	if (notify_stopping("Stopping: finishing open connections") < 0)
		log_debug("sd_notify STOPPING=1 failed, ignoring");
	if (srv->stats.conns_open == 0)
		event_base_loopexit(srv->base, NULL);
	else
		evtimer_add(srv->ev_deadline, &tv);
}

static void
server_start(struct server *srv)
{
	size_t i;
	int r;

	srv->serving = true;
	server_touch(srv);
	server_keep_restore(srv);
	for (i = 0; i < srv->nsocks; i++) {
		struct sock *s = &srv->socks[i];

		if (s->fd < 0 || s->listening)
			continue;
		if (s->type == SOCK_DGRAM) {
			r = srv->module->dgram_start ?
			    srv->module->dgram_start(srv->ctx, s) : -ENOTSUP;
			if (r < 0)
				log_error("%s (fd %d): cannot serve: %s", s->name,
				    s->fd, strerror(-r));
			else
				srv->ndgram++;
		} else {
			union addr_any a;
			socklen_t len = sizeof(a);
			int fd = s->fd;

			if (getpeername(fd, &a.sa, &len) < 0)
				len = 0;
			/* A connection now, closed as one. */
			s->fd = -1;
			conn_new(srv, s, fd, &a, len);
		}
	}
	server_update_accept(srv);
	snprintf(srv->status_sent, sizeof(srv->status_sent),
	    "Serving %zu sockets", srv->nsocks);
	if (notify_ready(srv->status_sent) < 0)
		log_warning("sd_notify READY=1 failed, ignoring");
	/* Counts from now on: before READY=1, STATUS= says why not yet. */
	if (notify_enabled())
		event_add(srv->ev_status, &(const struct timeval){ 1, 0 });
	log_debug("ready: %s", srv->status_sent);
	server_check_done(srv);
}

static void
server_start_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	server_start(arg);
}

/*
 * epoll with its change list: a connection switching between waiting to
 * read and waiting to write within one callback costs one epoll_ctl(MOD)
 * before the next epoll_wait, not a DEL and an ADD. (libevent's caveat,
 * events on dup()ed descriptors, does not apply: no fd here is a dup.)
 */
static struct event_base *
server_event_base(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (!cfg)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	/* Two priorities: signals first (0), everything else after (1, the
	 * default of new events), so a stop request is acted on in the next
	 * loop pass, however busy the connections keep the pass before. */
	if (base && event_base_priority_init(base, 2) < 0) {
		event_base_free(base);
		return NULL;
	}
	return base;
}

/* Log lines of one loop pass go out together, after its last callback:
 * an event made active now runs behind those already active. */
static void
server_log_wake(void *arg)
{
	struct server *srv = arg;

	event_active(srv->ev_logflush, EV_TIMEOUT, 0);
}

static void
server_logflush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_flush();
}

struct server *
server_new(const struct server_conf *conf, struct sock *socks, size_t nsocks)
{
	struct server *srv;
	size_t i;

	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		for (i = 0; i < nsocks; i++)
			close(socks[i].fd);
		free(socks);
		return NULL;
	}
	srv->conf = *conf;
	/* Ours from here on, on every path: server_free() closes them. */
	srv->socks = socks;
	srv->nsocks = nsocks;
	LIST_INIT(&srv->conns);
	signal(SIGPIPE, SIG_IGN);
	server_raise_nofile();
	srv->base = server_event_base();
	srv->listeners = calloc(nsocks ? nsocks : 1, sizeof(*srv->listeners));
	if (!srv->base || !srv->listeners)
		goto fail;
	for (i = 0; i < nsocks; i++) {
		struct server_listener *l = &srv->listeners[srv->nlisteners];

		if (!socks[i].listening)
			continue;
		l->srv = srv;
		l->sock = &socks[i];
		l->ev = event_new(srv->base, socks[i].fd, EV_READ | EV_PERSIST,
		    server_accept_cb, l);
		if (!l->ev)
			goto fail;
		srv->nlisteners++;
	}
	srv->ev_sigterm = evsignal_new(srv->base, SIGTERM, server_signal_cb, srv);
	srv->ev_sigint = evsignal_new(srv->base, SIGINT, server_signal_cb, srv);
	if (srv->ev_sigterm)
		event_priority_set(srv->ev_sigterm, 0);
	if (srv->ev_sigint)
		event_priority_set(srv->ev_sigint, 0);
	srv->ev_start = evtimer_new(srv->base, server_start_cb, srv);
	srv->ev_status = event_new(srv->base, -1, EV_PERSIST, server_status_cb, srv);
	srv->ev_watchdog = event_new(srv->base, -1, EV_PERSIST,
	    server_watchdog_cb, srv);
	srv->ev_idle = evtimer_new(srv->base, server_idle_cb, srv);
	srv->ev_resume = evtimer_new(srv->base, server_resume_cb, srv);
	srv->ev_deadline = evtimer_new(srv->base, server_shutdown_deadline_cb, srv);
	srv->ev_logflush = event_new(srv->base, -1, 0, server_logflush_cb, srv);
	if (!srv->ev_sigterm || !srv->ev_sigint || !srv->ev_start ||
	    !srv->ev_status || !srv->ev_watchdog || !srv->ev_idle ||
	    !srv->ev_resume || !srv->ev_deadline || !srv->ev_logflush)
		goto fail;
	return srv;
fail:
	server_free(srv);
	return NULL;
}

static void
server_skip_cb(const char *msg)
{
	log_warning("%s: closing it, ignoring", msg);
}

struct server *
server_open(const struct server_conf *conf, unsigned types,
    char *const *listen, size_t nlisten, const char *example)
{
	struct fdstore_taken kept = { 0 };
	struct sock *socks = NULL;
	struct server *srv;
	char err[512];
	int n, i;

	n = activate_sockets(types, listen, nlisten, &socks, &kept,
	    server_skip_cb, err, sizeof(err));
	if (n < 0) {
		log_error("%s", err);
		fdstore_taken_free(&kept);
		return NULL;
	}
	if (n == 0 && kept.n > 0) {
		log_error("%zu fd store entries, but no socket to serve: "
		    "closing them", kept.n);
		fdstore_taken_free(&kept);
	}
	if (n == 0) {
		log_error("no sockets to serve: start me from a systemd socket "
		    "unit, with %s, or with --listen ADDRESS", example);
		free(socks);
		return NULL;
	}
	for (i = 0; i < n; i++)
		log_info("%s (fd %d): %s %s socket %s, %s%s", socks[i].name,
		    socks[i].fd, addr_family_name(socks[i].family),
		    addr_type_name(socks[i].type), socks[i].local,
		    socks[i].listening ? "listening" :
		    socks[i].type == SOCK_DGRAM ? "receiving" : "connected",
		    socks[i].activated ? ", from systemd" : "");
	srv = server_new(conf, socks, (size_t)n);
	if (!srv) {
		log_error("cannot set up the event loop");
		fdstore_taken_free(&kept);
		return NULL;
	}
	srv->types = types;
	srv->kept = kept;
	server_keep_init(srv);
	return srv;
}

void
server_attach(struct server *srv, const struct server_module *module,
    void *ctx)
{
	srv->module = module;
	srv->ctx = ctx;
}

/* Everything that needs the filesystem or new sockets is done by now. */
static int
server_sandbox(struct server *srv)
{
	struct sandbox_conf sc = {
		.read_dir = srv->conf.sandbox_read_dir,
	};
	struct sandbox_result res;
	char err[256];
	size_t i;

	/* Datagram replies go to each datagram's source address. */
	for (i = 0; i < srv->nsocks; i++)
		if (srv->socks[i].type == SOCK_DGRAM)
			sc.send_to_addresses = true;

	if (sandbox_apply(&sc, &res, err, sizeof(err)) < 0) {
		log_error("cannot apply the sandbox: %s (--no-sandbox turns "
		    "it off)", err);
		return -1;
	}
	if (res.landlock_abi == 0 || !res.seccomp)
		log_notice("sandbox: %s; going on with what there is",
		    res.detail);
	else
		log_info("sandbox: %s", res.detail);
	return 0;
}

int
server_run(struct server *srv)
{
	struct timeval tv;
	uint64_t wd;
	int r;

	evsignal_add(srv->ev_sigterm, NULL);
	evsignal_add(srv->ev_sigint, NULL);
	wd = notify_watchdog_usec();
	if (wd > 0) {
		tv.tv_sec = (time_t)(wd / 2 / 1000000);
		tv.tv_usec = (suseconds_t)(wd / 2 % 1000000);
		evtimer_add(srv->ev_watchdog, &tv);
		log_debug("watchdog: pinging every %llu us",
		    (unsigned long long)(wd / 2));
	}
	if (srv->conf.exit_idle_ms > 0) {
		tv = server_ms(srv->conf.exit_idle_ms + srv->conf.start_sleep_ms);
		evtimer_add(srv->ev_idle, &tv);
	}
	/* Local time for logs: read /etc/localtime while we still may. */
	tzset();
	/* Its socket, while we may still make and connect one. */
	r = notify_open();
	if (r < 0) {
		char text[256];

		log_warning("NOTIFY_SOCKET=%s: %s: readiness and status may not "
		    "reach the service manager, ignoring",
		    logesc_str(text, sizeof(text), getenv("NOTIFY_SOCKET"), 0),
		    r == -EAFNOSUPPORT ? "not a Unix socket address" :
		    strerror(-r));
	}
	if (srv->conf.sandbox && server_sandbox(srv) < 0)
		return 1;
	if (srv->conf.start_sleep_ms > 0) {
		snprintf(srv->status_sent, sizeof(srv->status_sent),
		    "Sleeping %.10g seconds before serving",
		    srv->conf.start_sleep_ms / 1000.0);
		log_info("%s (--start-sleep)", srv->status_sent);
		if (notify_status(srv->status_sent) < 0)
			log_debug("sd_notify STATUS failed, ignoring");
		tv = server_ms(srv->conf.start_sleep_ms);
		evtimer_add(srv->ev_start, &tv);
	} else {
		server_start(srv);
	}
	log_batch(server_log_wake, srv);
	r = event_base_dispatch(srv->base);
	log_batch(NULL, NULL);
	server_keep_done(srv);
	if (r < 0) {
		log_error("event loop failed");
		return 1;
	}
	return 0;
}

void
server_free(struct server *srv)
{
	struct event *evs[9];
	struct conn *c;
	size_t i;

	if (!srv)
		return;
	log_batch(NULL, NULL);
	/* Connections first: the module's state may be theirs to use. */
	while ((c = LIST_FIRST(&srv->conns)))
		conn_free(c);
	/* After the connections: kept ones point into it. */
	server_keep_free(srv);
	if (srv->module && srv->module->free)
		srv->module->free(srv->ctx);
	evs[0] = srv->ev_deadline;
	evs[1] = srv->ev_resume;
	evs[2] = srv->ev_idle;
	evs[3] = srv->ev_watchdog;
	evs[4] = srv->ev_status;
	evs[5] = srv->ev_start;
	evs[6] = srv->ev_sigint;
	evs[7] = srv->ev_sigterm;
	evs[8] = srv->ev_logflush;
	for (i = 0; i < 9; i++)
		if (evs[i])
			event_free(evs[i]);
	for (i = 0; srv->listeners && i < srv->nlisteners; i++)
		if (srv->listeners[i].ev)
			event_free(srv->listeners[i].ev);
	free(srv->listeners);
	for (i = 0; i < srv->nsocks; i++)
		if (srv->socks[i].fd >= 0)
			close(srv->socks[i].fd);
	free(srv->socks);
	if (srv->base)
		event_base_free(srv->base);
	notify_close();
	free(srv);
}

struct event_base *
server_base(struct server *srv)
{
	return srv->base;
}

struct server_stats *
server_stats(struct server *srv)
{
	return &srv->stats;
}

bool
server_stopping(struct server *srv)
{
	return srv->stopping;
}

const struct timeval *
server_common_timeout(struct server *srv, unsigned ms)
{
	struct timeval tv = server_ms(ms);

	return event_base_init_common_timeout(srv->base, &tv);
}

