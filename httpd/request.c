/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "request.h"

/* Character classes, one bit each, for the checks llhttp does not make. */
#define C_TCHAR 0x01	/* field names (RFC 9110 token) */
#define C_PATH  0x02	/* RFC 3986 pchar and '/', '%' (validated later) */
#define C_QUERY 0x04	/* path characters, '?', and '[' ']' that browsers send raw */
#define C_HOST  0x08	/* reg-name, IPv4, IP-literal, ':' port */

static unsigned char request_class[256];

static void
request_class_set(const char *chars, unsigned char bit)
{
	for (; *chars; chars++)
		request_class[(unsigned char)*chars] |= bit;
}

static void
request_classes_init(void)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	if (request_class['a'])
		return;
	request_class_set(alnum, C_TCHAR | C_PATH | C_QUERY | C_HOST);
	request_class_set("!#$%&'*+-.^_`|~", C_TCHAR);
	request_class_set("-._~!$&'()*+,;=:@%/", C_PATH | C_QUERY);
	request_class_set("?[]", C_QUERY);
	request_class_set("-._~!$&'()*+,;=:[]%", C_HOST);
}

enum request_field {
	F_OTHER,
	F_HOST,
	F_RANGE,
	F_IF_RANGE,
	F_IF_NONE_MATCH,
	F_IF_MODIFIED_SINCE,
	F_REFERER,
	F_USER_AGENT,
	F_ACCEPT,
};

struct request_parse_ctx {
	struct request *req;
	enum request_field field;
	int last;		/* which data callback ran last */
	unsigned seen;		/* bit per request_field already present */
	bool version;
};

enum { LAST_NONE, LAST_FIELD, LAST_VALUE };

static int
request_fail(struct request_parse_ctx *x, int status, const char *why)
{
	if (!x->req->status) {
		x->req->status = status;
		x->req->error = why;
	}
	return -1;
}

static int
request_on_method(llhttp_t *p, const char *at, size_t len)
{
	struct request_parse_ctx *x = p->data;

	x->req->method_name.p = at;
	x->req->method_name.len = len;
	return 0;
}

static int
request_on_url(llhttp_t *p, const char *at, size_t len)
{
	struct request_parse_ctx *x = p->data;
	const struct span *m = &x->req->method_name;

	/* The buffer is contiguous: one call per target. Exactly one space
	 * after the method, as the grammar says (llhttp takes several). */
	if (!m->p || at != m->p + m->len + 1)
		return request_fail(x, 400, "malformed request line");
	x->req->target.p = at;
	x->req->target.len = len;
	return 0;
}

static int
request_on_version(llhttp_t *p, const char *at, size_t len)
{
	struct request_parse_ctx *x = p->data;
	const struct span *t = &x->req->target;

	/* llhttp takes "RTSP/1.0" and "ICE/1.0" too, and any digits. */
	if (!t->p || at != t->p + t->len + 6 || memcmp(at - 6, " HTTP/", 6) != 0)
		return request_fail(x, 400, "malformed request line");
	if (len != 3 || at[0] < '0' || at[0] > '9' || at[1] != '.' ||
	    at[2] < '0' || at[2] > '9')
		return request_fail(x, 400, "malformed HTTP version");
	if (at[0] != '1' || at[2] > '1')
		return request_fail(x, 505, "unsupported HTTP version");
	x->version = true;
	return 0;
}

static enum request_field
request_field_id(const char *s, size_t len)
{
	static const struct {
		const char *name;
		enum request_field id;
	} fields[] = {
		{ "host", F_HOST },
		{ "range", F_RANGE },
		{ "if-range", F_IF_RANGE },
		{ "if-none-match", F_IF_NONE_MATCH },
		{ "if-modified-since", F_IF_MODIFIED_SINCE },
		{ "referer", F_REFERER },
		{ "user-agent", F_USER_AGENT },
		{ "accept", F_ACCEPT },
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strlen(fields[i].name) == len &&
		    strncasecmp(fields[i].name, s, len) == 0)
			return fields[i].id;
	return F_OTHER;
}

static int
request_on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct request_parse_ctx *x = p->data;
	size_t i;

	/* llhttp passes "Host " (space before the colon) and empty names. */
	if (len == 0)
		return request_fail(x, 400, "empty header field name");
	for (i = 0; i < len; i++)
		if (!(request_class[(unsigned char)at[i]] & C_TCHAR))
			return request_fail(x, 400,
			    "invalid character in header field name");
	x->field = request_field_id(at, len);
	x->last = LAST_FIELD;
	return 0;
}

static int
request_on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct request_parse_ctx *x = p->data;
	struct request *req = x->req;
	struct span *dst = NULL;
	size_t i;

	/* In a contiguous buffer a second value span for one field can only
	 * be an obs-fold continuation line, which llhttp accepts. */
	if (x->last != LAST_FIELD)
		return request_fail(x, 400, "obsolete line folding");
	x->last = LAST_VALUE;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)at[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return request_fail(x, 400,
			    "control character in header field value");
	}
	while (len > 0 && (at[len - 1] == ' ' || at[len - 1] == '\t'))
		len--;
	if (x->field == F_OTHER)
		return 0;
	/* Accept is a list (RFC 9110 12.5.1) that a client may split over
	 * several lines; only the diagnostics page reads it, and refuses
	 * that (diag.c): no other response depends on it. */
	if (x->field == F_ACCEPT && (x->seen & (1u << F_ACCEPT))) {
		req->accept_repeated = true;
		return 0;
	}
	/* Singletons: a second copy is a client bug or an attack on a
	 * proxy in front of us; either way we do not guess. */
	if (x->seen & (1u << x->field))
		return request_fail(x, 400, x->field == F_HOST ?
		    "duplicate Host" : "duplicate header field");
	x->seen |= 1u << x->field;
	switch (x->field) {
	case F_HOST:
		for (i = 0; i < len; i++)
			if (!(request_class[(unsigned char)at[i]] & C_HOST))
				return request_fail(x, 400, "invalid Host");
		dst = &req->host;
		break;
	case F_RANGE:             dst = &req->range; break;
	case F_IF_RANGE:          dst = &req->if_range; break;
	case F_IF_NONE_MATCH:     dst = &req->if_none_match; break;
	case F_IF_MODIFIED_SINCE: dst = &req->if_modified_since; break;
	case F_REFERER:           dst = &req->referer; break;
	case F_USER_AGENT:        dst = &req->user_agent; break;
	case F_ACCEPT:            dst = &req->accept; break;
	case F_OTHER:             break;
	}
	if (dst) {
		dst->p = at;
		dst->len = len;
	}
	return 0;
}

static int
request_on_headers_complete(llhttp_t *p)
{
	struct request_parse_ctx *x = p->data;
	struct request *req = x->req;
	bool body;

	if (!x->version)
		return request_fail(x, 400, "HTTP/0.9 request");
	req->minor = p->http_minor;
	if (req->minor == 1 && !(x->seen & (1u << F_HOST)))
		return request_fail(x, 400, "HTTP/1.1 request without Host");
	switch (p->method) {
	case HTTP_GET:  req->method = REQUEST_GET; break;
	case HTTP_HEAD: req->method = REQUEST_HEAD; break;
	default:        req->method = REQUEST_OTHER; break;
	}
	body = (p->flags & (F_CHUNKED | F_TRANSFER_ENCODING)) ||
	    ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
	if (body)
		/* We never read a body, so the connection cannot go on:
		 * its bytes would be taken for the next request. */
		return request_fail(x, req->method == REQUEST_OTHER ? 405 : 413,
		    req->method == REQUEST_OTHER ? "method not allowed" :
		    "request has a body");
	if (req->method == REQUEST_OTHER) {
		req->status = 405;
		req->error = "method not allowed";
	}
	if (p->upgrade)
		req->must_close = true;
	return 0;
}

static int
request_on_message_complete(llhttp_t *p)
{
	(void)p;
	return HPE_PAUSED;
}

static int
request_target(struct request *req)
{
	const char *t = req->target.p, *end = t + req->target.len, *s, *q;

	if (req->target.len == 0)
		return 400;
	if (t[0] != '/') {
		/* absolute-form, which servers must accept (RFC 9112 3.2.2):
		 * the authority is checked like Host, then ignored. */
		size_t n = req->target.len;

		if (n > 7 && strncasecmp(t, "http://", 7) == 0)
			s = t + 7;
		else if (n > 8 && strncasecmp(t, "https://", 8) == 0)
			s = t + 8;
		else
			return 400;
		for (; s < end && *s != '/' && *s != '?'; s++)
			if (!(request_class[(unsigned char)*s] & C_HOST))
				return 400;
		t = s;
	}
	for (q = t; q < end && *q != '?'; q++)
		if (!(request_class[(unsigned char)*q] & C_PATH))
			return 400;
	req->path.p = t < end && *t == '/' ? t : "/";
	req->path.len = t < end && *t == '/' ? (size_t)(q - t) : 1;
	if (q < end) {
		req->query.p = q + 1;
		req->query.len = (size_t)(end - q - 1);
		for (s = q + 1; s < end; s++)
			if (!(request_class[(unsigned char)*s] & C_QUERY))
				return 400;
	}
	return 0;
}

/*
 * Finds the end of the head ("\r\n\r\n") in buf[*scanned..len), refusing
 * bare LF line ends (llhttp takes some). Returns the head length, 0 when
 * not found yet, or (size_t)-1 for a bare LF.
 */
static size_t
request_frame(const char *buf, size_t start, size_t len, size_t *scanned)
{
	const char *p = buf + (*scanned > start ? *scanned : start);
	const char *end = buf + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		size_t i = (size_t)(p - buf);

		if (i == start || buf[i - 1] != '\r')
			return (size_t)-1;
		if (i >= start + 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
		p++;
	}
	/* The last byte may be the '\r' of a '\r\n' still to come. */
	*scanned = len;
	return 0;
}

enum request_result
request_parse(const char *buf, size_t len, size_t max, size_t *scanned,
    struct request *req)
{
	static llhttp_settings_t settings;
	static bool settings_ready;
	struct request_parse_ctx x;
	size_t start = 0, end, lim = len < max ? len : max;
	llhttp_t parser;
	llhttp_errno_t err;

	if (!settings_ready) {
		request_classes_init();
		llhttp_settings_init(&settings);
		settings.on_method = request_on_method;
		settings.on_url = request_on_url;
		settings.on_version = request_on_version;
		settings.on_header_field = request_on_header_field;
		settings.on_header_value = request_on_header_value;
		settings.on_headers_complete = request_on_headers_complete;
		settings.on_message_complete = request_on_message_complete;
		settings_ready = true;
	}
	memset(req, 0, sizeof(*req));
	/* RFC 9112 2.2: ignore empty lines before the request line. */
	while (start + 1 < lim && buf[start] == '\r' && buf[start + 1] == '\n')
		start += 2;
	end = request_frame(buf, start, lim, scanned);
	if (end == (size_t)-1) {
		req->status = 400;
		req->error = "bare LF in request head";
		goto fail;
	}
	if (end == 0) {
		if (len < max)
			return REQUEST_INCOMPLETE;
		/* max bytes and no end in sight. */
		req->len = max;
		if (memchr(buf + start, '\n', max - start)) {
			req->status = 431;
			req->error = "request header section too large";
		} else {
			req->status = 414;
			req->error = "request line too long";
		}
		goto fail;
	}
	req->len = end;

	memset(&x, 0, sizeof(x));
	x.req = req;
	llhttp_init(&parser, HTTP_REQUEST, &settings);
	parser.data = &x;
	err = llhttp_execute(&parser, buf + start, end - start);
	if (err != HPE_PAUSED) {
		/* Our callbacks set the status when they refused. */
		if (!req->status) {
			req->status = err == HPE_INVALID_METHOD ? 501 :
			    err == HPE_PAUSED_H2_UPGRADE ? 505 : 400;
			req->error = err == HPE_OK ? "incomplete request head" :
			    llhttp_get_error_reason(&parser);
			if (!req->error)
				req->error = llhttp_errno_name(err);
		}
		goto fail;
	}
	if (llhttp_get_error_pos(&parser) != buf + end) {
		req->status = 400;
		req->error = "request head does not end where expected";
		goto fail;
	}
	req->keep_alive = llhttp_should_keep_alive(&parser) && !req->must_close;
	if (request_target(req) != 0) {
		req->status = 400;
		req->error = "invalid request target";
		goto fail;
	}
	return REQUEST_DONE;
fail:
	req->must_close = true;
	req->keep_alive = false;
	if (!req->len)
		req->len = len;
	return REQUEST_DONE;
}

const char *
request_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default:  return "Unknown";
	}
}
