/* SPDX-License-Identifier: MIT */
/*
 * The access log: one Combined Log Format line per response, plus the fd
 * name and the peer's full address (fd=NAME peer=ADDRESS), through log.c.
 * Everything a client sent is escaped: a log line cannot be forged.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "httpd.h"
#include "log.h"

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

/* Escapes a peer-controlled string for a log line: printable ASCII stays,
 * the rest (and '"', '\\', and spaces when !spaces) becomes \xHH; at most
 * max input bytes, then "...". */
static const char *
accesslog_escape(char *dst, size_t size, const char *s, size_t len,
    size_t max, bool spaces)
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

void
accesslog_line(struct client *c, const struct request *req, int status,
    uint64_t bytes)
{
	char line[320], ref[160], ua[160], name[100], addr[ADDR_STRLEN * 2];
	const struct peer *p = &c->base.peer;
	char nbytes[24];

	if (req && req->target.p && req->method_name.p) {
		char m[48], t[260];

		snprintf(line, sizeof(line), "%s %s HTTP/1.%d",
		    accesslog_escape(m, sizeof(m), req->method_name.p,
		    req->method_name.len, 16, false),
		    accesslog_escape(t, sizeof(t), req->target.p,
		    req->target.len, 256, false), req->minor);
	} else {
		snprintf(line, sizeof(line), "-");
	}
	if (req && req->referer.p)
		accesslog_escape(ref, sizeof(ref), req->referer.p,
		    req->referer.len, 160, true);
	else
		snprintf(ref, sizeof(ref), "-");
	if (req && req->user_agent.p)
		accesslog_escape(ua, sizeof(ua), req->user_agent.p,
		    req->user_agent.len, 160, true);
	else
		snprintf(ua, sizeof(ua), "-");
	if (bytes)
		snprintf(nbytes, sizeof(nbytes), "%llu", (unsigned long long)bytes);
	else
		snprintf(nbytes, sizeof(nbytes), "-");
	log_info("%s - - [%s] \"%s\" %d %s \"%s\" \"%s\" fd=%s peer=%s",
	    c->host, c->h->clf_date, line, status, nbytes, ref, ua,
	    accesslog_escape(name, sizeof(name), p->fdname, strlen(p->fdname),
	    64, false),
	    accesslog_escape(addr, sizeof(addr), p->addr_text,
	    strlen(p->addr_text), ADDR_STRLEN, false));
}
