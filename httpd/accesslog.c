/* SPDX-License-Identifier: MIT */
/*
 * The access log: one Combined Log Format line per response, plus the fd
 * name and the peer's full address (fd=NAME peer=ADDRESS), through log.c.
 * Everything a client sent is escaped: a log line cannot be forged. The
 * escapes are those of common/logesc.h (\xHH for a byte that is not
 * printable ASCII, '"' and '\\'), so a name looks the same here and in
 * every other log line.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "httpd.h"
#include "log.h"
#include "wbuf.h"

/*
 * The CLF host: the address without its port ("::1", "vsock:3"), and for a
 * Unix client, whose address says nothing, its credentials.
 */
void
accesslog_host(const struct peer *p, int family, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (family == AF_UNIX) {
		if (p->has_cred)
			snprintf(buf, size, "unix:uid=%u,pid=%d",
			    (unsigned)p->uid, (int)p->pid);
		else
			snprintf(buf, size, "unix");
		return;
	}
	if (p->addrlen < sizeof(sa_family_t)) {
		snprintf(buf, size, "%s", p->addr_text);
		return;
	}
	switch (p->addr.sa.sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &p->addr.in.sin_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s", ip);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &p->addr.in6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s", ip);
		break;
	case AF_VSOCK:
		snprintf(buf, size, "vsock:%u", p->addr.vm.svm_cid);
		break;
	default:
		snprintf(buf, size, "%s", p->addr_text);
		break;
	}
}

/* The line is built by hand, not with printf: it is written for every
 * request, and vsnprintf() would cost more than the rest of the line. */

/* s[0..len) escaped (escape_log()) onto the line: at most max bytes of s
 * and size bytes of the line. */
static void
line_escape(struct wbuf *l, const char *s, size_t len, size_t max,
    size_t size, bool spaces)
{
	/* Never beyond the line: size is what the field may take of it. */
	if (size > wbuf_room(l))
		size = wbuf_room(l);
	l->len += escape_log(l->p + l->len, size, s, len, max, spaces);
}

/* A quoted field: "-" when absent. */
static void
line_field(struct wbuf *l, const struct span *v)
{
	wbuf_add(l, "\"", 1);
	if (v->p)
		line_escape(l, v->p, v->len, 160, 160, true);
	else
		wbuf_add(l, "-", 1);
	wbuf_add(l, "\"", 1);
}

void
accesslog_line(struct client *c, const struct request *req, int status,
    uint64_t bytes)
{
	static const struct span none;
	const struct peer *p = &c->base.peer;
	char buf[1536];
	struct wbuf l = { .p = buf, .max = sizeof(buf) };
	wbuf_str(&l, c->host);
	wbuf_add(&l, " - - [", 6);
	wbuf_str(&l, c->h->clf_date);
	wbuf_add(&l, "] \"", 3);
	if (req && req->target.p && req->method_name.p) {
		line_escape(&l, req->method_name.p, req->method_name.len, 16,
		    48, false);
		wbuf_add(&l, " ", 1);
		line_escape(&l, req->target.p, req->target.len, 256, 260,
		    false);
		wbuf_add(&l, " HTTP/1.", 8);
		wbuf_u64(&l, (uint64_t)(req->minor < 0 ? 0 : req->minor));
	} else {
		wbuf_add(&l, "-", 1);
	}
	wbuf_add(&l, "\" ", 2);
	wbuf_u64(&l, (uint64_t)status);
	wbuf_add(&l, " ", 1);
	if (bytes)
		wbuf_u64(&l, bytes);
	else
		wbuf_add(&l, "-", 1);
	wbuf_add(&l, " ", 1);
	line_field(&l, req ? &req->referer : &none);
	wbuf_add(&l, " ", 1);
	line_field(&l, req ? &req->user_agent : &none);
	/* Already log text, escaped where it was made (logesc.h): one word
	 * each, which escaping again would only make unreadable. */
	wbuf_add(&l, " fd=", 4);
	wbuf_str(&l, p->fdname);
	wbuf_add(&l, " peer=", 6);
	wbuf_str(&l, p->addr_text);
	log_line(LOG_INFO, l.p, l.len);
}
