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
	F_IF_MATCH,
	F_IF_UNMODIFIED_SINCE,
	F_CODINGS,		/* Transfer-Encoding */
	F_EXPECT,
};

struct request_parse_ctx {
	struct request *req;
	const struct request_limits *lim;
	enum request_field field;
	unsigned seen;		/* bit per request_field already present */
	bool coding_unknown;	/* a transfer coding other than chunked */
};

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

	/* The buffer is contiguous: one call per target. */
	x->req->target.p = at;
	x->req->target.len = len;
	return 0;
}

/*
 * RFC 9112 3: request-line = method SP request-target SP HTTP-version
 * CRLF, checked before llhttp sees it: llhttp takes "GARBAGE" for an
 * unknown method (501), tabs and runs of spaces for separators, and
 * "RTSP/1.0" for a version. So 501 means a well-formed request line with
 * a method we do not implement, and 505 one whose version is not HTTP/1;
 * anything else that is not a request line is 400. A higher HTTP/1 minor
 * version is handled as HTTP/1.1 (RFC 9110 2.5).
 */
static int
request_line(struct request *req, const char *p, const char *end)
{
	const char *s = p;

	while (s < end && (request_class[(unsigned char)*s] & C_TCHAR))
		s++;
	if (s == p || s == end || *s++ != ' ')
		goto malformed;
	for (p = s; s < end && (unsigned char)*s > ' ' && *s != 0x7f; s++)
		;
	if (s == p || end - s < 11 || memcmp(s, " HTTP/", 6) != 0 ||
	    s[6] < '0' || s[6] > '9' || s[7] != '.' || s[8] < '0' ||
	    s[8] > '9' || s[9] != '\r' || s[10] != '\n')
		goto malformed;
	if (s[6] != '1') {
		req->status = 505;
		req->error = "unsupported HTTP version";
		return -1;
	}
	return 0;
malformed:
	req->status = 400;
	req->error = "malformed request line";
	return -1;
}

/* RFC 9112 5.2: a line starting with whitespace continues the line before
 * it (obs-fold), whatever that held. Each one is refused. */
static bool
request_folded(const char *p, const char *end)
{
	while ((p = memchr(p, '\n', (size_t)(end - p))) && ++p < end)
		if (*p == ' ' || *p == '\t')
			return true;
	return false;
}

/* RFC 9112 6.1: whether every coding in a Transfer-Encoding value is one
 * we know, which is only chunked. */
static bool
request_codings_known(const char *s, size_t len)
{
	const char *end = s + len, *c;

	for (;;) {
		while (s < end && (*s == ' ' || *s == '\t' || *s == ','))
			s++;
		if (s == end)
			return true;
		for (c = s; s < end && (request_class[(unsigned char)*s] & C_TCHAR);
		    s++)
			;
		if (s - c != 7 || strncasecmp(c, "chunked", 7) != 0)
			return false;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s < end && *s != ',')
			return false;
	}
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
		{ "if-match", F_IF_MATCH },
		{ "if-unmodified-since", F_IF_UNMODIFIED_SINCE },
		{ "transfer-encoding", F_CODINGS },
		{ "expect", F_EXPECT },
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
	return 0;
}

static int
request_on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct request_parse_ctx *x = p->data;
	struct request *req = x->req;
	struct span *dst = NULL;
	size_t i;

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
	/* Lists, which may come in several fields. Expect matters only by
	 * being there (request_on_headers_complete()). */
	if (x->field == F_EXPECT) {
		x->seen |= 1u << F_EXPECT;
		return 0;
	}
	if (x->field == F_CODINGS) {
		if (!request_codings_known(at, len))
			x->coding_unknown = true;
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
	case F_IF_MATCH:          dst = &req->if_match; break;
	case F_IF_UNMODIFIED_SINCE: dst = &req->if_unmodified_since; break;
	case F_CODINGS:
	case F_EXPECT:
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

	req->minor = p->http_minor;
	if (p->upgrade)
		req->must_close = true;
	if (req->minor >= 1 && !(x->seen & (1u << F_HOST)))
		return request_fail(x, 400, "HTTP/1.1 request without Host");
	switch (p->method) {
	case HTTP_GET:  req->method = REQUEST_GET; break;
	case HTTP_HEAD: req->method = REQUEST_HEAD; break;
	case HTTP_OPTIONS: req->method = REQUEST_OPTIONS; break;
	default:        req->method = REQUEST_OTHER; break;
	}
	body = (p->flags & (F_CHUNKED | F_TRANSFER_ENCODING)) ||
	    ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
	/* A coding we do not know is not content refused by policy, but
	 * content we could not even read past: the connection cannot go on,
	 * its bytes would be taken for the next request. */
	if (body && x->coding_unknown)
		return request_fail(x, 501, "unknown transfer coding");
	if (body && req->method == REQUEST_OTHER)
		return request_fail(x, 405, "method not allowed");
	if (body && (p->flags & F_TRANSFER_ENCODING) && !(p->flags & F_CHUNKED))
		return request_fail(x, 400, "transfer coding not ending in "
		    "chunked");
	if (body && x->lim->content == 0)
		return request_fail(x, 413, "request has content "
		    "(--max-body-size 0)");
	if (body && !(p->flags & F_CHUNKED) &&
	    p->content_length > x->lim->content)
		return request_fail(x, 413, "content larger than "
		    "--max-body-size");
	if (body) {
		req->content = p->flags & F_CHUNKED ? REQUEST_CONTENT_CHUNKED :
		    REQUEST_CONTENT_LENGTH;
		req->content_length = p->flags & F_CHUNKED ? 0 :
		    p->content_length;
		/* Answered, then closed, the content left unread: a client
		 * that sent Expect may send the content or not, and chunked
		 * from HTTP/1.0 has no framing to trust (RFC 9112 6.1). */
		if ((x->seen & (1u << F_EXPECT)) ||
		    (req->content == REQUEST_CONTENT_CHUNKED && p->http_minor == 0))
			req->must_close = true;
		/* llhttp has the head only: the content is content.c's, read
		 * as it comes, after the response. 1: no body to parse. */
		return 1;
	}
	if (req->method == REQUEST_OTHER) {
		req->status = 405;
		req->error = "method not allowed";
	}
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
	if (req->target.len == 1 && t[0] == '*') {
		/* asterisk-form: the server itself, for OPTIONS only
		 * (RFC 9112 3.2.4). */
		req->path = req->target;
		return req->method == REQUEST_OPTIONS ? 0 : 400;
	}
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

/* llhttp over the head p[0..end), whose request line request_line()
 * passed. Returns 0, or -1 with req->status set. */
static int
request_llhttp(struct request *req, const struct request_limits *lim,
    const char *p, const char *end)
{
	static llhttp_settings_t settings;
	static bool settings_ready;
	struct request_parse_ctx x;
	llhttp_t parser;
	llhttp_errno_t err;

	if (!settings_ready) {
		llhttp_settings_init(&settings);
		settings.on_method = request_on_method;
		settings.on_url = request_on_url;
		settings.on_header_field = request_on_header_field;
		settings.on_header_value = request_on_header_value;
		settings.on_headers_complete = request_on_headers_complete;
		settings.on_message_complete = request_on_message_complete;
		settings_ready = true;
	}
	memset(&x, 0, sizeof(x));
	x.req = req;
	x.lim = lim;
	llhttp_init(&parser, HTTP_REQUEST, &settings);
	/* request_line() checked the version; llhttp would refuse HTTP/1.2.
	 * (llhttp 8 has the flag but no setter for it.) */
	parser.lenient_flags |= LENIENT_VERSION;
	parser.data = &x;
	err = llhttp_execute(&parser, p, (size_t)(end - p));
	if (err != HPE_PAUSED) {
		/* Our callbacks set the status when they refused. */
		if (!req->status) {
			/* request_line() passed: an unknown method is a
			 * well-formed one we do not implement. */
			req->status = err == HPE_INVALID_METHOD ? 501 : 400;
			req->error = err == HPE_OK ? "incomplete request head" :
			    llhttp_get_error_reason(&parser);
			if (!req->error)
				req->error = llhttp_errno_name(err);
		}
		return -1;
	}
	if (llhttp_get_error_pos(&parser) != end) {
		req->status = 400;
		req->error = "request head does not end where expected";
		return -1;
	}
	req->keep_alive = llhttp_should_keep_alive(&parser) && !req->must_close;
	return 0;
}

enum request_result
request_parse(const char *buf, size_t len, const struct request_limits *lim,
    size_t *scanned, struct request *req)
{
	size_t max = lim->head, start = 0, end, have = len < max ? len : max;

	request_classes_init();
	memset(req, 0, sizeof(*req));
	/* RFC 9112 2.2: ignore empty lines before the request line. */
	while (start + 1 < have && buf[start] == '\r' && buf[start + 1] == '\n')
		start += 2;
	end = request_frame(buf, start, have, scanned);
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
	if (request_line(req, buf + start, buf + end) < 0)
		goto fail;
	if (request_folded(buf + start, buf + end)) {
		req->status = 400;
		req->error = "obsolete line folding";
		goto fail;
	}
	if (request_llhttp(req, lim, buf + start, buf + end) < 0)
		goto fail;
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
	case 412: return "Precondition Failed";
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
