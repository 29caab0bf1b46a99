/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_HTTPD_H
#define SA_HTTPD_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <event2/buffer.h>

#include "cache.h"
#include "content.h"
#include "escape.h"
#include "headers.h"
#include "request.h"
#include "response.h"
#include "server.h"

/*
 * socket-activate-httpd's module, split the way OpenBSD httpd is, each
 * file calling only the ones below it:
 *   httpd.c      the module: its state, made once and freed by the runtime
 *   client.c     a connection: reading requests, the state machine, the
 *                deadlines, the access-log call, and the one close
 *   file.c       routing a request to a file, a redirect or an error
 *   listing.c    directory listings (--list-directories)
 *   diag.c       the diagnostics page (--diagnostics)
 *   cache.c      the open-file cache file.c serves from
 *   accesslog.c  the access log's line
 *   response.c   the response writer: head, body, sendfile; it says done,
 *                again or error, and never closes or arms a timer
 * and the pure parts, each fuzzed and unit-tested on its own: request.c
 * (heads), content.c (what follows a head), headers.c (field values),
 * path.c (paths below the root), cond.c (preconditions), media.c
 * (negotiation), escape.c (HTML, URL, JSON, log escaping), wbuf.c (the
 * writer's buffer).
 */

/* One read buffer for every connection: the loop is single-threaded, and
 * a connection only keeps bytes of its own while a head is incomplete or
 * pipelined requests wait for a response to go out. */
#define HTTPD_READ_SIZE (64 * 1024)

/* Where the built-in diagnostic page answers (--diagnostics). */
#define HTTPD_DIAG_PATH "/.well-known/socket-activate"

/*
 * Where the server runs, as far as it can tell from inside, for the
 * diagnostics page: found once at start by diag_probe(), before the
 * sandbox closes the filesystem and forbids new sockets.
 */
#define DIAG_MAX_IFS 16
struct diag_env {
	bool containerenv;		/* /run/.containerenv (podman) */
	bool dockerenv;			/* /.dockerenv (Docker) */
	char container_var[64];		/* $container (podman, systemd-nspawn) */
	bool ifs_known;			/* getifaddrs() answered */
	bool ifs_more;			/* more than DIAG_MAX_IFS */
	unsigned nifs;
	char ifs[DIAG_MAX_IFS][16];	/* network interfaces (IF_NAMESIZE) */
};

struct httpd_conf {
	int rootfd;			/* the directory served, opened once */
	/* --max-header-size: request line + header fields; --max-body-size:
	 * content after a GET, HEAD or OPTIONS head, read and dropped. */
	struct request_limits limits;
	unsigned header_timeout_ms;	/* a whole head must arrive in this */
	unsigned keepalive_timeout_ms;	/* idle between requests; 0: close */
	unsigned send_timeout_ms;	/* a reader that takes nothing this long */
	unsigned cache_entries;		/* open-file cache: paths (0: none) */
	size_t cache_bytes;		/* and bodies kept in memory */
	bool no_symlinks;
	bool list_dirs;
	bool diagnostics;
	bool access_log;
	struct diag_env env;		/* with diagnostics: diag_probe() */
	const char *cache_control;	/* Cache-Control: for files, or NULL */
};

/* Attaches the module to srv, which frees it. Returns 0 or -ENOMEM. */
int httpd_new(struct server *srv, const struct httpd_conf *conf);

/* Between the module's files. */

/* The deadlines a connection can wait for (one at a time). */
enum client_timer {
	CLIENT_TIMER_HEADER,	/* --header-timeout: the whole head */
	CLIENT_TIMER_IDLE,	/* --keepalive-timeout: between requests */
	CLIENT_TIMER_SEND,	/* --send-timeout: no write progress */
	CLIENT_TIMER_LINGER,	/* reading what follows the last response */
	CLIENT_NTIMERS
};

/* The module's state, one per process. */
struct httpd {
	struct httpd_conf conf;
	struct server *srv;
	char *rbuf;			/* the read buffer every client shares */
	struct response_writer writer;	/* its head and copy buffers */
	char *rel;			/* path_resolve() output, + "/index.html" */
	char *key;			/* the cache key of the path asked for */
	size_t rel_size;
	struct cache *cache;
	struct evbuffer *body;		/* a generated body (listing, diag) */
	const struct timeval *tv[CLIENT_NTIMERS];
	time_t now;
	char date[HDR_DATE_LEN];	/* Date: for now (client_clock()) */
	char clf_date[40];		/* the access log's [...] for now */
};

/* One connection. */
struct client {
	struct conn base;
	struct httpd *h;
	enum client_timer timer;	/* the deadline armed */
	bool writing;		/* a response waits for the socket */
	bool head_armed;	/* the header deadline runs for this request */
	bool close_after;	/* close once the response in flight is out */
	/* The content of a request answered, while it is read; else NULL. */
	struct content *content;
	/* Unparsed input, only while a head is incomplete or requests wait
	 * behind a response; NULL otherwise. */
	char *in;
	size_t in_len, in_cap, scanned;
	/* The response in flight: bytes the socket did not take at once,
	 * then a file range for sendfile(). */
	struct response_out out;
	char host[ADDR_STRLEN];	/* the access log's host: no port */
};

/* client.c: the runtime's calls for a connection (httpd.c's module). */
void client_init(struct conn *base);
int client_start(void *ctx, struct conn *base);
void client_io(evutil_socket_t fd, short what, void *arg);
void client_timeout(struct conn *base);
void client_stop(struct conn *base);
void client_release(struct conn *base);
int client_restore(struct conn *base, char *data, size_t len);

/* file.c: GET or HEAD of a path: which file, or which error status. */
int file_route(struct client *c, const struct request *req, struct resp *r);
/* OPTIONS of a path (or "*"): 200 with Allow: where GET finds something. */
int file_options(struct client *c, const struct request *req,
    struct resp *r);

/* listing.c: a listing of directory fd (taken) into h->body. */
int listing_make(struct client *c, int fd, struct resp *r);

/* diag.c: the diagnostics page into h->body, in the form the request
 * asks for; and what it says about the process, found at start. */
int diag_make(struct client *c, const struct request *req, struct resp *r);
void diag_probe(struct diag_env *env);

/* s[0..len) escaped by esc (escape.h) at the end of b. -1: out of
 * memory. */
static inline int
httpd_add_escaped(struct evbuffer *b, escape_fn *esc, const char *s,
    size_t len)
{
	struct evbuffer_iovec v;
	size_t n = esc(NULL, 0, s, len);

	if (evbuffer_reserve_space(b, (ev_ssize_t)n + 1, &v, 1) != 1)
		return -1;
	v.iov_len = esc(v.iov_base, n + 1, s, len);
	return evbuffer_commit_space(b, &v, 1);
}

/* accesslog.c */
void accesslog_host(const struct peer *p, int family, char *buf,
    size_t size);
void accesslog_line(struct client *c, const struct request *req, int status,
    uint64_t bytes);

#endif
