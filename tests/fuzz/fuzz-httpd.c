/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for what a peer controls before a file is opened: the
 * request head (framing, llhttp, our strict checks) and then the path of
 * every head we accept, plus the header values we interpret (Range, dates,
 * ETag lists, Accept, ?format=) and the preconditions over them, the
 * content that follows a head (Content-Length, the chunked coding), and
 * the escaping of what a client or a socket's name may hold (HTML, URL,
 * JSON, log fields). Checks the invariants the server relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "content.h"
#include "headers.h"
#include "escape.h"
#include "media.h"
#include "path.h"
#include "request.h"

/* --max-header-size, --max-body-size */
static const struct request_limits lim1k = { 1024, 65536 };

static void
fuzz_path(const char *p, size_t len)
{
	char *out = malloc(len + 1);
	bool slash;
	size_t i, n;

	if (!out)
		return;
	if (path_resolve(p, len, out, len + 1, &slash) == 0) {
		n = strlen(out);
		/* Relative, no empty, "." or ".." segment, no dotfile. */
		if (n > len || out[0] == '/' || (n && out[n - 1] == '/'))
			abort();
		for (i = 0; i < n; i++) {
			if (out[i] == '.' && (i == 0 || out[i - 1] == '/'))
				abort();
			if (out[i] == '/' && out[i + 1] == '/')
				abort();
			if ((unsigned char)out[i] < 0x20)
				abort();
		}
	}
	free(out);
}

static void
fuzz_span(const struct span *s)
{
	uint64_t a, b;
	time_t t;
	char e[] = "\"1.2-3\"";

	if (!s->p)
		return;
	if (hdr_range_parse(s->p, s->len, 1000, &a, &b) == HDR_RANGE_OK &&
	    (a > b || b >= 1000))
		abort();
	if (hdr_range_parse(s->p, s->len, 0, &a, &b) == HDR_RANGE_OK)
		abort();
	(void)hdr_date_parse(s->p, s->len, &t);
	(void)hdr_etag_match(s->p, s->len, e, false);
	(void)hdr_etag_match(s->p, s->len, e, true);
}

/* Whether s is the inside of a JSON string: escapes whole, no control
 * character, valid UTF-8 (what escape_json() promises). */
static bool
fuzz_json_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, n;
	unsigned long cp;

	while (i < len) {
		if (u[i] == '\\') {
			if (i + 1 == len || !strchr("\"\\bfnrtu", u[i + 1]) ||
			    !u[i + 1])
				return false;
			if (u[i + 1] == 'u') {
				if (len - i < 6)
					return false;
				for (k = 2; k < 6; k++)
					if (!strchr("0123456789abcdef", u[i + k]) ||
					    !u[i + k])
						return false;
				i += 6;
			} else {
				i += 2;
			}
			continue;
		}
		if (u[i] < 0x20 || u[i] == '"' || u[i] == 0x7f)
			return false;
		/* Decoded, independently of media.c's byte ranges: no
		 * overlong form, no surrogate, nothing above U+10FFFF. */
		n = u[i] < 0x80 ? 1 : u[i] >= 0xf0 ? 4 : u[i] >= 0xe0 ? 3 : 2;
		if ((u[i] >= 0x80 && u[i] < 0xc0) || u[i] >= 0xf8 ||
		    len - i < n)
			return false;
		cp = n == 1 ? u[i] : u[i] & (0x7f >> n);
		for (k = 1; k < n; k++) {
			if (u[i + k] < 0x80 || u[i + k] > 0xbf)
				return false;
			cp = cp << 6 | (u[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

static void
fuzz_json(const char *s, size_t len)
{
	size_t n = escape_json(NULL, 0, s, len), m;
	char *out = malloc(n + 1);

	if (!out)
		return;
	if (escape_json(out, n + 1, s, len) != n || strlen(out) != n ||
	    !fuzz_json_ok(out, n) || n < len)
		abort();
	/* Cut short: a prefix, and still whole escapes. */
	m = escape_json(out, n / 2 + 1, s, len);
	if (m != n || strlen(out) > n / 2 || !fuzz_json_ok(out, strlen(out)))
		abort();
	free(out);
}

static void
fuzz_media(const struct request *req)
{
	static const char *const types[] = {
		"text/plain", "text/html", "application/json",
	};
	static const char *const names[] = { "text", "html", "json" };
	int r;

	r = media_accept(req->accept.p, req->accept.len, types, 3);
	if (r < MEDIA_INVALID || r == MEDIA_ABSENT || r > 2)
		abort();
	r = media_query_format(req->query.p, req->query.len, names, 3);
	if (r < MEDIA_INVALID || r == MEDIA_UNACCEPTABLE || r > 2)
		abort();
}

/* What cond_evaluate() may answer for this request. */
static void
fuzz_cond(const struct request *req)
{
	bool get = req->method == REQUEST_GET;
	bool safe = get || req->method == REQUEST_HEAD;
	bool any = req->if_match.p || req->if_unmodified_since.p ||
	    req->if_none_match.p || req->if_modified_since.p || req->if_range.p;
	enum cond_result c = cond_evaluate(req, "\"1.2-3\"", 784111777);

	if (c != COND_PROCEED && c != COND_FULL && c != COND_NOT_MODIFIED &&
	    c != COND_FAILED)
		abort();
	if (!any && c != COND_PROCEED)
		abort();
	/* 304 only for GET and HEAD; no Range to drop without GET, Range
	 * and If-Range. */
	if (c == COND_NOT_MODIFIED && !safe)
		abort();
	if (c == COND_FULL && (!get || !req->range.p || !req->if_range.p))
		abort();
}

/*
 * The content behind an accepted head, in buf[0..len): whole, and one byte
 * per call as a slow client sends it, the same result ending at the same
 * byte; never more taken than the bound.
 */
static void
fuzz_content(const struct request *req, const char *buf, size_t len)
{
	struct content a, b;
	enum content_result ra, rb = CONTENT_MORE;
	size_t ua, ub = len, u, i;
	uint64_t max = 64;

	if (req->content == REQUEST_CONTENT_NONE)
		return;
	if (req->content == REQUEST_CONTENT_LENGTH) {
		if (req->content_length > lim1k.content)
			abort();
		max = lim1k.content;
		content_start_length(&a, req->content_length, max);
		content_start_length(&b, req->content_length, max);
	} else {
		content_start_chunked(&a, max);
		content_start_chunked(&b, max);
	}
	ra = content_skip(&a, buf, len, &ua);
	for (i = 0; i < len; i++) {
		rb = content_skip(&b, buf + i, 1, &u);
		if (rb == CONTENT_DONE) {
			ub = i + u;
			break;
		}
		if (rb != CONTENT_MORE)
			break;
	}
	if (ra != rb || (ra == CONTENT_DONE && ua != ub) ||
	    (ra == CONTENT_MORE && ua != len) || ua > len || a.taken > max)
		abort();
	if (req->content == REQUEST_CONTENT_LENGTH && ra == CONTENT_DONE &&
	    ua != req->content_length)
		abort();
}

/* HTML, URL and log escaping: nothing that could end an attribute, a
 * link or a log field comes through, and snprintf() semantics hold. */
static void
fuzz_escape(const char *s, size_t len)
{
	escape_fn *const fns[] = { escape_html, escape_url_path,
	    escape_url_segment };
	size_t f, i, n;
	char *out;

	for (f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
		n = fns[f](NULL, 0, s, len);
		out = malloc(n + 1);
		if (!out)
			return;
		if (fns[f](out, n + 1, s, len) != n || n < len)
			abort();
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)out[i];

			if (f == 0 && (c == '<' || c == '>' || c == '"' ||
			    c == '\''))
				abort();
			if (f > 0 && !(c == '%' || c == '-' || c == '.' ||
			    c == '_' || c == '~' || (c >= '0' && c <= '9') ||
			    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (f == 1 && c == '/')))
				abort();
		}
		free(out);
	}
	out = malloc(4 * len + 8);
	if (!out)
		return;
	n = escape_log(out, 4 * len + 8, s, len, len, true);
	if (n != strlen(out) || n < len)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] >= 0x7f ||
		    out[i] == '"' || (out[i] == '\\' && out[i + 1] != 'x'))
			abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	struct request req;
	size_t scanned = 0, n;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	/* Whole, then byte by byte as a slow client sends it: the same
	 * answer either way. */
	if (request_parse(buf, size, &lim1k, &scanned, &req) == REQUEST_DONE) {
		struct request whole = req;

		if (req.len == 0 || (req.len > size && req.status == 0))
			abort();
		scanned = 0;
		for (n = 1; n <= size; n++)
			if (request_parse(buf, n, &lim1k, &scanned, &req) ==
			    REQUEST_DONE)
				break;
		/* An error closes the connection: where it ended is moot. */
		if (n > size || req.status != whole.status ||
		    (req.status == 0 && req.len != whole.len))
			abort();
		if (req.status == 0) {
			/* "*" only as OPTIONS' asterisk-form. */
			if (req.path.p[0] != '/' && (req.path.p[0] != '*' ||
			    req.path.len != 1 || req.method != REQUEST_OPTIONS))
				abort();
			fuzz_path(req.path.p, req.path.len);
			fuzz_span(&req.range);
			fuzz_span(&req.if_none_match);
			fuzz_span(&req.if_modified_since);
			fuzz_span(&req.if_range);
			fuzz_media(&req);
			fuzz_span(&req.if_match);
			fuzz_span(&req.if_unmodified_since);
			fuzz_cond(&req);
			fuzz_content(&req, buf + req.len, size - req.len);
		}
	}
	fuzz_path(buf, size);
	fuzz_json(buf, size);
	fuzz_escape(buf, size);
	free(buf);
	return 0;
}
