/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include "headers.h"
#include "httpd.h"
#include "log.h"
#include "path.h"
#include "request.h"

/* One read buffer for every connection: the loop is single-threaded, and
 * a connection only keeps bytes of its own while a head is incomplete or
 * pipelined requests wait for a response to go out. */
#define HTTPD_READ_SIZE (64 * 1024)
/* Bytes of one response sent per wake-up: a fast reader of a huge file
 * must not keep every other connection waiting. (Measured: 256 KiB to
 * 4 MiB give about the same throughput; far below costs wake-ups.) */
#define HTTPD_SEND_BUDGET (1u << 20)
/* After the last response on a connection we stop writing and read what
 * the peer still sends, for a while, then close: closing with unread
 * bytes makes the kernel send a reset that can destroy the response. */
#define HTTPD_LINGER_MS 2000
#define HTTPD_LINGER_BYTES (256 * 1024)
/* Directory listings (--list-directories): entries and page size. */
#define HTTPD_LISTING_ENTRIES 10000
#define HTTPD_LISTING_MAX (1024 * 1024)
/* Bodies up to this size are read into the response packet: one
 * sendmsg() instead of sendmsg() + sendfile(), whose page-cache splice
 * costs more than copying a few kilobytes. Larger ones go zero-copy. */
#define HTTPD_COPY_MAX (16 * 1024)
/* Scratch buffers that grew past this are given back after use. */
#define HTTPD_BUF_KEEP (64 * 1024)

/* A growable byte buffer with a hard limit; overflow is sticky. */
struct buf {
	char *p;
	size_t len, cap, max;
	bool overflow;
};

enum conn_state {
	CONN_READ,	/* waiting for, or reading, a request head */
	CONN_WRITE,	/* a response waits for the socket */
	CONN_LINGER,	/* done: draining the peer before close */
};

enum conn_timer {
	TIMER_HEADER,	/* --header-timeout: the whole head */
	TIMER_IDLE,	/* --keepalive-timeout: between requests */
	TIMER_SEND,	/* --send-timeout: no write progress */
	TIMER_LINGER,
};

struct conn {
	struct httpd *h;
	const struct sock *sock;
	int fd;
	enum conn_state state;
	enum conn_timer timer;
	short want;		/* the socket event: EV_READ or EV_WRITE */
	bool head_armed;	/* the header deadline runs for this request */
	bool close_after;	/* close once the response in flight is out */
	struct event *ev, *tev;
	/* Unparsed input, only while a head is incomplete or requests wait
	 * behind a response; NULL otherwise. */
	char *in;
	size_t in_len, in_cap, scanned;
	/* The response in flight: bytes the socket did not take at once,
	 * then a file range for sendfile(). */
	char *out;
	size_t out_len, out_off;
	int file_fd;
	off_t file_off, file_end;
	size_t linger_bytes;
	LIST_ENTRY(conn) entry;
	char host[ADDR_STRLEN];	/* Combined Log Format host: no port, no spaces */
	char addr[ADDR_STRLEN];	/* the peer's address, for peer= in logs */
	char peer[ADDR_STRLEN + 48];	/* address and credentials, for humans */
};

struct httpd {
	struct httpd_conf conf;
	struct server *srv;
	char *rbuf;
	struct buf hdr, body, loc;
	char *rel;		/* path_resolve() output, plus "/index.html" */
	size_t rel_size;
	const struct timeval *tv[4];	/* by enum conn_timer */
	time_t now;
	char date[HDR_DATE_LEN];	/* Date: for now */
	time_t lm_time;			/* the last Last-Modified formatted */
	char lm[HDR_DATE_LEN];
	char clf_date[40];		/* the access log's [...] for now */
	bool stopping;
	LIST_HEAD(, conn) conns;
};

/* What a handler decided; conn_respond() turns it into bytes. */
struct resp {
	int status;
	const char *type;	/* Content-Type, NULL for none */
	int fd;			/* file body, -1 for none */
	uint64_t off, len, size;	/* range sent, and the file's size */
	const char *body;	/* memory body when fd < 0 (NULL: default) */
	size_t body_len;
	bool validators;	/* Last-Modified and ETag below */
	char etag[HDR_ETAG_LEN];
	char lastmod[HDR_DATE_LEN];
	const char *location;	/* 301 */
	bool no_store;
};

static void conn_io_cb(evutil_socket_t fd, short what, void *arg);
static int conn_process(struct conn *c, const char *data, size_t len);

static int
buf_grow(struct buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->overflow)
		return -1;
	if (need <= b->cap - b->len)
		return 0;
	if (need > b->max - b->len) {
		b->overflow = true;
		return -1;
	}
	cap = b->cap ? b->cap : 1024;
	while (cap - b->len < need)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	p = realloc(b->p, cap);
	if (!p) {
		b->overflow = true;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void
buf_add(struct buf *b, const void *s, size_t n)
{
	if (buf_grow(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_u64(struct buf *b, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void __attribute__((format(printf, 2, 3)))
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (buf_grow(b, 256) < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->overflow = true;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (buf_grow(b, (size_t)n + 1) < 0)
			return;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* Empties b, giving its memory back if it grew large. */
static void
buf_reset(struct buf *b)
{
	if (b->cap > HTTPD_BUF_KEEP) {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
	b->len = 0;
	b->overflow = false;
}

/* Percent-encodes all but unreserved characters (and '/' if keep_slash):
 * safe in a header, an href and a URL path alike. */
static void
buf_urlencode(struct buf *b, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~' || (keep_slash && c == '/')) {
			buf_add(b, s, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			buf_add(b, e, 3);
		}
	}
}

static void
buf_htmlescape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':  buf_str(b, "&amp;"); break;
		case '<':  buf_str(b, "&lt;"); break;
		case '>':  buf_str(b, "&gt;"); break;
		case '"':  buf_str(b, "&quot;"); break;
		case '\'': buf_str(b, "&#39;"); break;
		default:   buf_add(b, s, 1); break;
		}
	}
}

/* Date: and the access log time, formatted once a second. */
static void
httpd_clock(struct httpd *h)
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

/* Escapes a peer-controlled string for a log line: printable ASCII stays,
 * the rest (and '"', '\\', and spaces when !spaces) becomes \xHH; at most
 * max input bytes, then "...". */
static const char *
log_escape(char *dst, size_t size, const char *s, size_t len, size_t max,
    bool spaces)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len && i < max && o + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x21 && c < 0x7f && c != '"' && c != '\\') {
			dst[o++] = (char)c;
		} else if (c == ' ' && spaces) {
			dst[o++] = ' ';
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	if (i < len && o + 4 < size) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

static void
conn_access_log(struct conn *c, const struct request *req, int status,
    uint64_t bytes)
{
	char line[320], ref[160], ua[160], name[100], addr[ADDR_STRLEN * 2];
	char nbytes[24];

	if (req && req->target.p && req->method_name.p) {
		char m[48], t[260];

		snprintf(line, sizeof(line), "%s %s HTTP/1.%d",
		    log_escape(m, sizeof(m), req->method_name.p,
		    req->method_name.len, 16, false),
		    log_escape(t, sizeof(t), req->target.p, req->target.len,
		    256, false), req->minor);
	} else {
		snprintf(line, sizeof(line), "-");
	}
	if (req && req->referer.p)
		log_escape(ref, sizeof(ref), req->referer.p, req->referer.len,
		    160, true);
	else
		snprintf(ref, sizeof(ref), "-");
	if (req && req->user_agent.p)
		log_escape(ua, sizeof(ua), req->user_agent.p,
		    req->user_agent.len, 160, true);
	else
		snprintf(ua, sizeof(ua), "-");
	if (bytes)
		snprintf(nbytes, sizeof(nbytes), "%llu", (unsigned long long)bytes);
	else
		snprintf(nbytes, sizeof(nbytes), "-");
	log_info("%s - - [%s] \"%s\" %d %s \"%s\" \"%s\" fd=%s peer=%s",
	    c->host, c->h->clf_date, line, status, nbytes, ref, ua,
	    log_escape(name, sizeof(name), c->sock->name,
	    strlen(c->sock->name), 64, false),
	    log_escape(addr, sizeof(addr), c->addr, strlen(c->addr),
	    ADDR_STRLEN, false));
}

static void
conn_close(struct conn *c, const char *why)
{
	struct server *srv = c->h->srv;

	if (why)
		log_debug("%s (fd %d): %s: closed: %s", c->sock->name, c->fd,
		    c->peer, why);
	LIST_REMOVE(c, entry);
	event_free(c->ev);
	event_free(c->tev);
	if (c->file_fd >= 0)
		close(c->file_fd);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
	server_conn_closed(srv);
}

static void
conn_want(struct conn *c, short what)
{
	if (c->want == what)
		return;
	event_del(c->ev);
	c->want = what;
	event_assign(c->ev, server_base(c->h->srv), c->fd, what | EV_PERSIST,
	    conn_io_cb, c);
	event_add(c->ev, NULL);
}

static void
conn_timer(struct conn *c, enum conn_timer t)
{
	c->timer = t;
	evtimer_add(c->tev, c->h->tv[t]);
}

/* Keeps data[0..len) as the connection's unparsed input. */
static int
conn_keep(struct conn *c, const char *data, size_t len)
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
	/* From the shared buffer: room for a whole head, so the rest of an
	 * incomplete one can be read in behind it. */
	cap = len > c->h->conf.max_header ? len : c->h->conf.max_header;
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

/* Done with the connection: stop writing, drain, close. */
static int
conn_linger(struct conn *c)
{
	conn_keep(c, NULL, 0);
	if (shutdown(c->fd, SHUT_WR) < 0) {
		conn_close(c, NULL);
		return -1;
	}
	c->state = CONN_LINGER;
	conn_want(c, EV_READ);
	conn_timer(c, TIMER_LINGER);
	return 0;
}

static int
conn_wait_write(struct conn *c)
{
	c->state = CONN_WRITE;
	conn_want(c, EV_WRITE);
	conn_timer(c, TIMER_SEND);
	return 0;
}

/*
 * Sends what is left of the response in flight. Returns 1 when all of it
 * is out, 0 when it waits for the socket, -1 when the connection closed.
 */
static int
conn_flush(struct conn *c)
{
	struct server_stats *st = server_stats(c->h->srv);
	size_t budget = HTTPD_SEND_BUDGET;
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT | (c->file_fd >= 0 ? MSG_MORE : 0));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return conn_wait_write(c);
			conn_close(c, strerror(errno));
			return -1;
		}
		c->out_off += (size_t)n;
		st->bytes_out += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	while (c->file_fd >= 0 && c->file_off < c->file_end) {
		size_t want = (size_t)(c->file_end - c->file_off);

		if (want > budget)
			want = budget;
		if (want == 0)
			return conn_wait_write(c);
		n = sendfile(c->fd, c->file_fd, &c->file_off, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return conn_wait_write(c);
			conn_close(c, strerror(errno));
			return -1;
		}
		if (n == 0) {
			/* Content-Length is out: the only honest end left. */
			conn_close(c, "file shrank while being sent");
			return -1;
		}
		budget -= (size_t)n;
		st->bytes_out += (size_t)n;
		/* Short: the socket buffer is full. Trying again would only
		 * cost a syscall to learn EAGAIN. */
		if ((size_t)n < want)
			return conn_wait_write(c);
	}
	if (c->file_fd >= 0) {
		close(c->file_fd);
		c->file_fd = -1;
	}
	return 1;
}

/* Starts sending head+body (and then the file set in c->file_*). */
static int
conn_send(struct conn *c, const char *head, size_t hlen, const char *body,
    size_t blen)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)head, .iov_len = hlen },
		{ .iov_base = (void *)body, .iov_len = blen },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = blen ? 2 : 1 };
	size_t w, rest;
	ssize_t n;

	/* MSG_MORE: the head waits for the first file bytes, so a small
	 * file leaves in one segment with it. */
	n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT |
	    (c->file_fd >= 0 ? MSG_MORE : 0));
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			conn_close(c, strerror(errno));
			return -1;
		}
		n = 0;
	}
	w = (size_t)n;
	server_stats(c->h->srv)->bytes_out += w;
	if (w < hlen + blen) {
		rest = hlen + blen - w;
		c->out = malloc(rest);
		if (!c->out) {
			conn_close(c, "out of memory");
			return -1;
		}
		if (w < hlen) {
			memcpy(c->out, head + w, hlen - w);
			if (blen)
				memcpy(c->out + hlen - w, body, blen);
		} else {
			memcpy(c->out, body + (w - hlen), rest);
		}
		c->out_len = rest;
		c->out_off = 0;
		return conn_wait_write(c);
	}
	return conn_flush(c);
}

/* One place maps errno to a status (OpenBSD httpd's server_file_access). */
static int
httpd_errno_status(struct conn *c, int err, const char *what)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
	case ENXIO:	/* a socket file */
	case ENODEV:	/* a device without a driver */
	case ELOOP:	/* a symlink, refused (--no-symlinks, or no openat2) */
	case EXDEV:	/* a way out of the root, refused */
		if (err == ELOOP || err == EXDEV)
			log_debug("%s (fd %d): %s: %s refused: %s", c->sock->name,
			    c->fd, c->peer, what, strerror(err));
		return 404;
	case EACCES:
	case EPERM:
		return 403;
	case EMFILE:
	case ENFILE:
		log_warning("%s (fd %d): %s: cannot open %s: %s",
		    c->sock->name, c->fd, c->peer, what, strerror(err));
		return 503;
	default:
		log_error("%s (fd %d): %s: cannot open %s: %s", c->sock->name,
		    c->fd, c->peer, what, strerror(err));
		return 500;
	}
}

static int
httpd_diag(struct conn *c, const struct request *req, struct resp *r)
{
	struct httpd *h = c->h;
	const struct sock *s = c->sock;
	char local[ADDR_STRLEN];
	union addr_any a;
	socklen_t len = sizeof(a);

	if (getsockname(c->fd, &a.sa, &len) < 0)
		len = 0;
	addr_format(&a.sa, len, local, sizeof(local));
	buf_reset(&h->body);
	buf_printf(&h->body,
	    "socket-activate-httpd diagnostics\n"
	    "\n"
	    "client address:  %s\n"
	    "server address:  %s\n"
	    "socket address:  %s\n"
	    "socket family:   %s\n"
	    "fd name:         %s\n"
	    "socket:          %s\n"
	    "from systemd:    %s\n"
	    "request:         %.*s %.*s HTTP/1.%d\n"
	    "\n"
	    "If the client address is not the address of your client, something\n"
	    "between them (a proxy, NAT, or a user-mode network such as slirp4netns\n"
	    "or rootlessport) replaced it.\n",
	    c->peer, local, s->local, addr_family_name(s->family), s->name,
	    !s->activated ? "bound by the server itself (--listen)" :
	    s->listening ? "listening socket passed by systemd (Accept=no)" :
	    "connection passed by systemd (Accept=yes)",
	    s->activated ? "yes" : "no",
	    (int)req->method_name.len, req->method_name.p,
	    (int)(req->target.len > 512 ? 512 : req->target.len), req->target.p,
	    req->minor);
	if (h->body.overflow)
		return 500;
	r->type = "text/plain; charset=utf-8";
	r->body = h->body.p;
	r->body_len = h->body.len;
	r->no_store = true;
	return 200;
}

static int
httpd_name_cmp(const void *a, const void *b, void *arena)
{
	return strcmp((const char *)arena + *(const size_t *)a + 1,
	    (const char *)arena + *(const size_t *)b + 1);
}

/* A listing of directory fd (taken), for --list-directories. */
static int
httpd_listing(struct conn *c, int fd, struct resp *r)
{
	struct httpd *h = c->h;
	struct buf names = { .max = HTTPD_LISTING_MAX };
	size_t *offs = NULL, n = 0, i;
	bool truncated = false;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int status = 500;

	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 500;
	}
	offs = calloc(HTTPD_LISTING_ENTRIES, sizeof(*offs));
	if (!offs)
		goto out;
	errno = 0;
	while ((de = readdir(d))) {
		bool dir = de->d_type == DT_DIR;

		if (de->d_name[0] == '.')
			continue;
		if (n == HTTPD_LISTING_ENTRIES) {
			truncated = true;
			break;
		}
		if (de->d_type == DT_UNKNOWN &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			dir = S_ISDIR(st.st_mode);
		offs[n] = names.len;
		/* One flag byte, then the name and its NUL. */
		buf_add(&names, dir ? "d" : "f", 1);
		buf_add(&names, de->d_name, strlen(de->d_name) + 1);
		if (names.overflow) {
			truncated = true;
			break;
		}
		n++;
	}
	qsort_r(offs, n, sizeof(*offs), httpd_name_cmp, names.p);

	buf_reset(&h->body);
	h->body.max = HTTPD_LISTING_MAX + 4096;
	buf_str(&h->body, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Index of /");
	buf_htmlescape(&h->body, h->rel);
	buf_str(&h->body, "</title></head>\n<body><h1>Index of /");
	buf_htmlescape(&h->body, h->rel);
	buf_str(&h->body, "</h1>\n<ul>\n");
	if (h->rel[0])
		buf_str(&h->body, "<li><a href=\"../\">../</a></li>\n");
	for (i = 0; i < n; i++) {
		const char *e = names.p + offs[i];
		size_t len = strlen(e + 1);

		/* Worst case of one entry: every byte escaped both ways. */
		if (h->body.len + 9 * len + 64 > HTTPD_LISTING_MAX) {
			truncated = true;
			break;
		}
		buf_str(&h->body, "<li><a href=\"");
		buf_urlencode(&h->body, e + 1, false);
		buf_str(&h->body, e[0] == 'd' ? "/\">" : "\">");
		buf_htmlescape(&h->body, e + 1);
		buf_str(&h->body, e[0] == 'd' ? "/</a></li>\n" : "</a></li>\n");
	}
	buf_str(&h->body, truncated ? "</ul>\n<p>(listing truncated)</p>\n"
	    "</body></html>\n" : "</ul>\n</body></html>\n");
	if (h->body.overflow)
		goto out;
	r->type = "text/html; charset=utf-8";
	r->body = h->body.p;
	r->body_len = h->body.len;
	status = 200;
out:
	free(offs);
	free(names.p);
	closedir(d);
	return status;
}

/* If-Range: the Range applies only if the validator still matches. */
static bool
httpd_if_range(const struct request *req, const struct resp *r,
    const struct stat *st)
{
	const struct span *v = &req->if_range;
	time_t t;

	if (!v->p)
		return true;
	if (v->len > 0 && (v->p[0] == '"' || v->p[0] == 'W'))
		return hdr_etag_match(v->p, v->len, r->etag, true);
	return hdr_date_parse(v->p, v->len, &t) == 0 && t == st->st_mtime;
}

/* A regular file, fd taken: 200, 206, 304 or 416. */
static int
httpd_file(struct conn *c, const struct request *req, struct resp *r,
    int fd, const struct stat *st)
{
	uint64_t first, last, size = (uint64_t)st->st_size;
	time_t ims;

	r->validators = true;
	hdr_etag_format(st, r->etag);
	/* Most requests are for a few files of one deployment. */
	if (st->st_mtime != c->h->lm_time || !c->h->lm[0]) {
		c->h->lm_time = st->st_mtime;
		hdr_date_format(st->st_mtime, c->h->lm);
	}
	memcpy(r->lastmod, c->h->lm, sizeof(r->lastmod));
	/* RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only
	 * without it. */
	if (req->if_none_match.p ?
	    hdr_etag_match(req->if_none_match.p, req->if_none_match.len,
	    r->etag, false) :
	    req->if_modified_since.p &&
	    hdr_date_parse(req->if_modified_since.p,
	    req->if_modified_since.len, &ims) == 0 && st->st_mtime <= ims) {
		close(fd);
		return 304;
	}
	r->type = hdr_mime_type(c->h->rel);
	r->size = size;
	if (req->range.p && req->method == REQUEST_GET &&
	    httpd_if_range(req, r, st)) {
		switch (hdr_range_parse(req->range.p, req->range.len, size,
		    &first, &last)) {
		case HDR_RANGE_OK:
			r->fd = fd;
			r->off = first;
			r->len = last - first + 1;
			return 206;
		case HDR_RANGE_UNSATISFIABLE:
			close(fd);
			r->validators = false;
			return 416;
		case HDR_RANGE_NONE:
			break;
		}
	}
	r->fd = fd;
	r->off = 0;
	r->len = size;
	return 200;
}

static int
httpd_redirect(struct conn *c, const struct request *req, struct resp *r)
{
	struct httpd *h = c->h;

	buf_reset(&h->loc);
	buf_str(&h->loc, "/");
	buf_urlencode(&h->loc, h->rel, true);
	buf_str(&h->loc, "/");
	if (req->query.p) {
		buf_str(&h->loc, "?");
		buf_add(&h->loc, req->query.p, req->query.len);
	}
	buf_add(&h->loc, "", 1);
	if (h->loc.overflow)
		return 500;
	r->location = h->loc.p;
	return 301;
}

/* GET or HEAD of a path: which file, or which error. */
static int
httpd_route(struct conn *c, const struct request *req, struct resp *r)
{
	struct httpd *h = c->h;
	size_t rlen;
	struct stat st;
	bool slash;
	int fd, ifd, status;

	if (h->conf.diagnostics && req->path.len == strlen(HTTPD_DIAG_PATH) &&
	    memcmp(req->path.p, HTTPD_DIAG_PATH, req->path.len) == 0)
		return httpd_diag(c, req, r);
	status = path_resolve(req->path.p, req->path.len, h->rel, h->rel_size,
	    &slash);
	if (status)
		return status;
	fd = path_open(h->conf.rootfd, h->rel, h->conf.no_symlinks);
	if (fd < 0)
		return httpd_errno_status(c, -fd, "path");
	if (fstat(fd, &st) < 0) {
		status = httpd_errno_status(c, errno, "path");
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!slash) {
			status = httpd_redirect(c, req, r);
			goto out_close;
		}
		rlen = strlen(h->rel);
		snprintf(h->rel + rlen, h->rel_size - rlen, "%sindex.html",
		    rlen ? "/" : "");
		ifd = path_open(h->conf.rootfd, h->rel, h->conf.no_symlinks);
		if (ifd == -ENOENT) {
			h->rel[rlen] = '\0';
			if (h->conf.list_dirs)
				return httpd_listing(c, fd, r);
			status = 403;
			goto out_close;
		}
		close(fd);
		if (ifd < 0)
			return httpd_errno_status(c, -ifd, "index.html");
		fd = ifd;
		if (fstat(fd, &st) < 0) {
			status = httpd_errno_status(c, errno, "index.html");
			goto out_close;
		}
	}
	/* Only regular files: not FIFOs, devices or sockets. */
	if (!S_ISREG(st.st_mode)) {
		status = 404;
		goto out_close;
	}
	return httpd_file(c, req, r, fd, &st);
out_close:
	close(fd);
	return status;
}

/*
 * Turns r into a response on the wire. req is NULL for a response to no
 * request (408). Returns 1 when it went out at once, 0 when it waits for
 * the socket, -1 when the connection closed.
 */
static int
conn_respond(struct conn *c, const struct request *req, struct resp *r)
{
	struct httpd *h = c->h;
	struct buf *b = &h->hdr;
	bool head = req && req->method == REQUEST_HEAD;
	bool file = r->fd >= 0;
	char ebody[64];
	uint64_t blen;
	int n;

	httpd_clock(h);
	if (!file && !r->body && r->status != 304) {
		/* A small plain body, so a browser shows what happened. */
		n = snprintf(ebody, sizeof(ebody), "%d %s\n", r->status,
		    request_reason(r->status));
		r->body = ebody;
		r->body_len = n > 0 && (size_t)n < sizeof(ebody) ? (size_t)n : 0;
		r->type = "text/plain; charset=utf-8";
	}
	blen = file ? r->len : r->body_len;
	buf_reset(b);
	buf_str(b, "HTTP/1.1 ");
	buf_u64(b, (uint64_t)r->status);
	buf_str(b, " ");
	buf_str(b, request_reason(r->status));
	buf_str(b, "\r\nServer: socket-activate-httpd\r\nDate: ");
	buf_str(b, h->date);
	if (r->status != 304) {
		if (r->type) {
			buf_str(b, "\r\nContent-Type: ");
			buf_str(b, r->type);
		}
		buf_str(b, "\r\nContent-Length: ");
		buf_u64(b, blen);
	}
	if (r->validators) {
		buf_str(b, "\r\nLast-Modified: ");
		buf_str(b, r->lastmod);
		buf_str(b, "\r\nETag: ");
		buf_str(b, r->etag);
	}
	if (r->status == 200 && file)
		buf_str(b, "\r\nAccept-Ranges: bytes");
	if (r->status == 206)
		buf_printf(b, "\r\nContent-Range: bytes %llu-%llu/%llu",
		    (unsigned long long)r->off,
		    (unsigned long long)(r->off + r->len - 1),
		    (unsigned long long)r->size);
	if (r->status == 416)
		buf_printf(b, "\r\nContent-Range: bytes */%llu",
		    (unsigned long long)r->size);
	if (r->location) {
		buf_str(b, "\r\nLocation: ");
		buf_str(b, r->location);
	}
	if (r->status == 405)
		buf_str(b, "\r\nAllow: GET, HEAD");
	if (r->no_store)
		buf_str(b, "\r\nCache-Control: no-store");
	if (c->close_after)
		buf_str(b, "\r\nConnection: close");
	else if (req && req->minor == 0)
		buf_str(b, "\r\nConnection: keep-alive");
	buf_str(b, "\r\n\r\n");
	if (b->overflow) {
		/* Cannot happen with the sizes httpd_new() chose; if it does,
		 * a short honest answer rather than a cut one. */
		buf_reset(b);
		buf_str(b, "HTTP/1.1 500 Internal Server Error\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
		c->close_after = true;
		r->status = 500;
		head = true;
	}
	if (head || r->status == 304) {
		if (file)
			close(r->fd);
		file = false;
		r->fd = -1;
		blen = 0;
	}
	if (file && blen <= HTTPD_COPY_MAX) {
		buf_reset(&h->body);
		if (buf_grow(&h->body, (size_t)blen) == 0 &&
		    pread(r->fd, h->body.p, (size_t)blen, (off_t)r->off) ==
		    (ssize_t)blen) {
			close(r->fd);
			r->fd = -1;
			file = false;
			r->body = h->body.p;
		}
		/* else (a file that shrank meanwhile): sendfile() below
		 * finds out and closes the connection. */
	}
	if (h->conf.access_log)
		conn_access_log(c, req, r->status, blen);
	c->file_fd = file ? r->fd : -1;
	c->file_off = (off_t)r->off;
	c->file_end = (off_t)(r->off + r->len);
	c->state = CONN_WRITE;
	return conn_send(c, b->p, b->len, file ? NULL : r->body,
	    file ? 0 : (size_t)blen);
}

static int
conn_handle(struct conn *c, const struct request *req)
{
	struct httpd *h = c->h;
	struct resp r = { .fd = -1 };
	int rc;

	server_stats(h->srv)->requests++;
	if (req->status) {
		r.status = req->status;
		log_debug("%s (fd %d): %s: %d: %s", c->sock->name, c->fd,
		    c->peer, req->status, req->error);
	} else {
		r.status = httpd_route(c, req, &r);
	}
	c->close_after = req->must_close || !req->keep_alive || h->stopping ||
	    h->conf.keepalive_timeout_ms == 0 || r.status == 500;
	rc = conn_respond(c, req, &r);
	if (h->body.cap > HTTPD_BUF_KEEP)
		buf_reset(&h->body);
	return rc;
}

/* A response finished after waiting for the socket. */
static void
conn_response_done(struct conn *c)
{
	c->state = CONN_READ;
	if (c->close_after || c->h->stopping) {
		(void)conn_linger(c);
		return;
	}
	conn_want(c, EV_READ);
	c->head_armed = false;
	if (c->in_len)
		(void)conn_process(c, c->in, c->in_len);
	else
		conn_timer(c, TIMER_IDLE);
}

/*
 * Answers the complete requests in data[0..len), in order, until one
 * response has to wait for the socket or the input runs out; what is left
 * is kept for later. Returns -1 when the connection closed.
 */
static int
conn_process(struct conn *c, const char *data, size_t len)
{
	struct request req;
	int rc;

	while (len > 0) {
		if (request_parse(data, len, c->h->conf.max_header, &c->scanned,
		    &req) == REQUEST_INCOMPLETE) {
			if (conn_keep(c, data, len) < 0) {
				conn_close(c, "out of memory");
				return -1;
			}
			if (!c->head_armed) {
				c->head_armed = true;
				conn_timer(c, TIMER_HEADER);
			}
			return 0;
		}
		c->scanned = 0;
		rc = conn_handle(c, &req);
		if (rc < 0)
			return -1;
		data += req.len;
		len -= req.len;
		if (c->close_after) {
			if (rc == 0)
				return 0;	/* linger once it is out */
			return conn_linger(c);
		}
		if (rc == 0) {
			/* Requests behind this one wait their turn. */
			if (conn_keep(c, data, len) < 0) {
				conn_close(c, "out of memory");
				return -1;
			}
			return 0;
		}
		c->state = CONN_READ;
		c->head_armed = false;
	}
	conn_keep(c, NULL, 0);
	conn_timer(c, TIMER_IDLE);
	return 0;
}

static void
conn_linger_read(struct conn *c)
{
	ssize_t n = recv(c->fd, c->h->rbuf, HTTPD_READ_SIZE, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		c->linger_bytes += (size_t)n;
		if (c->linger_bytes < HTTPD_LINGER_BYTES)
			return;
	}
	conn_close(c, NULL);
}

static void
conn_readable(struct conn *c)
{
	struct httpd *h = c->h;
	char *dst = h->rbuf;
	size_t space = HTTPD_READ_SIZE;
	ssize_t n;

	if (c->state == CONN_LINGER) {
		conn_linger_read(c);
		return;
	}
	if (c->in) {
		dst = c->in + c->in_len;
		space = c->in_cap - c->in_len;
		/* Cannot happen (an incomplete head is shorter than the
		 * buffer), but recv() of 0 bytes would look like an EOF. */
		if (space == 0) {
			conn_close(c, "input buffer full");
			return;
		}
	}
	n = recv(c->fd, dst, space, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		conn_close(c, strerror(errno));
		return;
	}
	if (n == 0) {
		conn_close(c, c->in_len ? "peer closed in the middle of a "
		    "request head" : NULL);
		return;
	}
	/* A head that is not complete in this read starts its deadline in
	 * conn_process(): now, and never again for the same request. */
	server_stats(h->srv)->bytes_in += (size_t)n;
	if (c->in) {
		c->in_len += (size_t)n;
		(void)conn_process(c, c->in, c->in_len);
	} else {
		(void)conn_process(c, h->rbuf, (size_t)n);
	}
}

static void
conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	if (what & EV_WRITE) {
		if (conn_flush(c) == 1)
			conn_response_done(c);
	} else {
		conn_readable(c);
	}
}

/* 408 for a head that did not arrive in time; no request to log. */
static void
conn_timeout_408(struct conn *c)
{
	struct resp r = { .fd = -1, .status = 408 };
	int rc;

	log_debug("%s (fd %d): %s: request head not complete within "
	    "--header-timeout", c->sock->name, c->fd, c->peer);
	conn_keep(c, NULL, 0);
	c->close_after = true;
	rc = conn_respond(c, NULL, &r);
	if (rc == 1)
		(void)conn_linger(c);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	switch (c->timer) {
	case TIMER_HEADER:
		if (c->in_len > 0 && c->state == CONN_READ)
			conn_timeout_408(c);
		else
			conn_close(c, "no request within --header-timeout");
		break;
	case TIMER_IDLE:
		conn_close(c, NULL);
		break;
	case TIMER_SEND:
		conn_close(c, "the client took nothing within --send-timeout");
		break;
	case TIMER_LINGER:
		conn_close(c, NULL);
		break;
	}
}

/* "1.2.3.4:80" -> "1.2.3.4", "[::1]:80" -> "::1", "vsock:3:80" -> "vsock:3" */
static void
conn_host(char *dst, size_t size, const char *addr)
{
	const char *colon = strrchr(addr, ':');
	size_t n = colon ? (size_t)(colon - addr) : strlen(addr);

	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
		addr++;
		n -= 2;
	}
	snprintf(dst, size, "%.*s", (int)n, addr);
}

static void
httpd_conn_new(struct server *srv, const struct sock *s, int fd,
    const char *peer)
{
	struct httpd *h = server_ctx(srv);
	struct conn *c;
	int one = 1;

	h->srv = srv;
	if (!h->tv[0]) {
		unsigned ms[4];
		int i;

		/* Common timeouts: libevent keeps each in a plain queue, so
		 * re-arming one per request is O(1). */
		ms[TIMER_HEADER] = h->conf.header_timeout_ms;
		ms[TIMER_IDLE] = h->conf.keepalive_timeout_ms ?
		    h->conf.keepalive_timeout_ms : 1;
		ms[TIMER_SEND] = h->conf.send_timeout_ms;
		ms[TIMER_LINGER] = HTTPD_LINGER_MS;
		for (i = 0; i < 4; i++) {
			struct timeval tv = { ms[i] / 1000, (ms[i] % 1000) * 1000 };

			h->tv[i] = event_base_init_common_timeout(
			    server_base(srv), &tv);
		}
	}
	c = calloc(1, sizeof(*c));
	if (c) {
		c->ev = event_new(server_base(srv), fd, EV_READ | EV_PERSIST,
		    conn_io_cb, c);
		c->tev = evtimer_new(server_base(srv), conn_timer_cb, c);
	}
	if (!c || !c->ev || !c->tev || !h->tv[0]) {
		log_error("%s (fd %d): %s: out of memory, closing", s->name,
		    fd, peer);
		if (c && c->ev)
			event_free(c->ev);
		if (c && c->tev)
			event_free(c->tev);
		free(c);
		close(fd);
		server_conn_closed(srv);
		return;
	}
	c->h = h;
	c->sock = s;
	c->fd = fd;
	c->file_fd = -1;
	c->want = EV_READ;
	if (s->family == AF_INET || s->family == AF_INET6)
		/* Responses are whole when we write them: never wait for an
		 * ACK before sending the tail of one (MSG_MORE still joins a
		 * head with its body). */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (s->family == AF_UNIX) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		const char *paren = strstr(peer, " (pid ");

		snprintf(c->addr, sizeof(c->addr), "%.*s",
		    (int)(paren ? (size_t)(paren - peer) : strlen(peer)), peer);
		/* Also for a connection systemd accepted (Accept=yes), which
		 * the runtime describes by address only. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
			snprintf(c->host, sizeof(c->host), "unix:uid=%u,pid=%d",
			    (unsigned)cred.uid, (int)cred.pid);
			snprintf(c->peer, sizeof(c->peer), "%s (pid %d, uid %u)",
			    c->addr, (int)cred.pid, (unsigned)cred.uid);
		} else {
			snprintf(c->host, sizeof(c->host), "unix");
			snprintf(c->peer, sizeof(c->peer), "%s", c->addr);
		}
	} else {
		snprintf(c->addr, sizeof(c->addr), "%s", peer);
		snprintf(c->peer, sizeof(c->peer), "%s", peer);
		conn_host(c->host, sizeof(c->host), peer);
	}
	LIST_INSERT_HEAD(&h->conns, c, entry);
	log_debug("%s (fd %d): connection from %s", s->name, fd, c->peer);
	/* The first head has --header-timeout from the accept on. */
	c->head_armed = true;
	conn_timer(c, TIMER_HEADER);
	event_add(c->ev, NULL);
}

static void
httpd_shutdown(struct server *srv)
{
	struct httpd *h = server_ctx(srv);
	struct conn *c, *cn;

	h->stopping = true;
	for (c = LIST_FIRST(&h->conns); c; c = cn) {
		cn = LIST_NEXT(c, entry);
		/* Idle: nothing received that deserves an answer. Lingering,
		 * not closing: a request already on its way would make the
		 * kernel answer it with a reset instead of our FIN. A head in
		 * progress is answered (with Connection: close) if it
		 * completes in time; a response in flight finishes. */
		if (c->state == CONN_READ && c->in_len == 0)
			(void)conn_linger(c);
		else if (c->state == CONN_WRITE)
			c->close_after = true;
	}
}

static void
httpd_status(struct server *srv, char *buf, size_t len)
{
	snprintf(buf, len, ", %llu requests",
	    (unsigned long long)server_stats(srv)->requests);
}

struct httpd *
httpd_new(const struct httpd_conf *conf)
{
	struct httpd *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->conf = *conf;
	LIST_INIT(&h->conns);
	/* Location: can be three times the path, plus the query. */
	h->hdr.max = 4 * conf->max_header + 4096;
	h->loc.max = 4 * conf->max_header + 64;
	h->body.max = HTTPD_LISTING_MAX + 4096;
	h->rel_size = conf->max_header + sizeof("/index.html");
	h->rbuf = malloc(HTTPD_READ_SIZE);
	h->rel = malloc(h->rel_size);
	if (!h->rbuf || !h->rel) {
		httpd_free(h);
		return NULL;
	}
	return h;
}

void
httpd_free(struct httpd *h)
{
	struct conn *c;

	if (!h)
		return;
	while ((c = LIST_FIRST(&h->conns))) {
		LIST_REMOVE(c, entry);
		event_free(c->ev);
		event_free(c->tev);
		if (c->file_fd >= 0)
			close(c->file_fd);
		close(c->fd);
		free(c->in);
		free(c->out);
		free(c);
	}
	free(h->hdr.p);
	free(h->body.p);
	free(h->loc.p);
	free(h->rel);
	free(h->rbuf);
	free(h);
}

const struct server_ops httpd_ops = {
	.conn_new = httpd_conn_new,
	.dgram_new = NULL,
	.shutdown = httpd_shutdown,
	.status = httpd_status,
};
