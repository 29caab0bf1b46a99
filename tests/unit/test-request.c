/* SPDX-License-Identifier: MIT */
/* Unit tests of request heads (request.c): framing, llhttp, the request
 * line's grammar, the strict checks of fields, keep-alive, size bounds.
 * Part of the test-httpd program (test-httpd.c has its main()). */
#include <stdio.h>
#include <string.h>

#include "request.h"
#include "test-httpd.h"
#include "unit.h"

/* --max-header-size, --max-body-size */
static const struct request_limits lim = { 8192, 65536 };
static const struct request_limits lim256 = { 256, 65536 };
static const struct request_limits lim255 = { 255, 65536 };

/* request_parse() on a whole head: its status (0: accepted). */
int
parse_status(const char *head, struct request *req)
{
	size_t scanned = 0;

	if (request_parse(head, strlen(head), &lim, &scanned, req) !=
	    REQUEST_DONE)
		return -1;
	return req->status;
}

void
test_requests(void)
{
	static const struct {
		const char *head;
		int status;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
		{ "HEAD /x HTTP/1.0\r\n\r\n", 0 },
		{ "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\n\r\n", 400 },			/* no Host */
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", 400 },	/* obs-fold */
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n", 400 },
		{ "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\nHost: a\n\n", 400 },			/* bare LF */
		{ "GET / HTTP/1.1\r\nHost: a\r\n\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400 },
		{ "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / RTSP/1.0\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
		{ "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505 },
		{ "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 0 },		/* as 1.1 */
		{ "GET /\r\n\r\n", 400 },				/* HTTP/0.9 */
		{ "PRI * HTTP/2.0\r\n\r\n", 505 },
		{ "FOO / HTTP/1.1\r\nHost: a\r\n\r\n", 501 },
		{ "POST / HTTP/1.1\r\nHost: a\r\n\r\n", 405 },
		{ "DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", 405 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n", 405 },
		/* Content on GET, HEAD, OPTIONS: read and dropped, up to the
		 * bound (65536 here); more is 413. */
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 65536\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n", 413 },
		{ "HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n", 400 },
		{ "GET /a\"b HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /a<b HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET a HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET http://example.com/x?y HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
		{ "GET HTTP://example.com HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
		{ "GET ftp://example.com/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		/* The absolute form's host is checked as Host is (llhttp 8
		 * refuses some of these bytes in any target itself; the
		 * userinfo's '@' only our check does). */
		{ "GET http://a<b>/x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET http://a\"b/x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET http://a{b}/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET http://user@a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET http://a\\b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET https://a|b?x HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET http://a\x80/ HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET http://[::1]:8080/x HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
		{ "GET http://a.example-1.org:80/x HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
		{ "GET /a?b[]=1&c=%41 HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
		{ "GET /a?b\"c HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost:\r\n\r\n", 0 },
		{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHo\x80st: a\r\n\r\n", 400 },
		/* RFC 9112's grammar decides 400, 501 and 505; obs-fold is
		 * 400 wherever it is; OPTIONS may ask about "*"; only
		 * chunked is a known coding. */
		{ "GARBAGE\r\n\r\n", 400 },
		{ "GET\t/\tHTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "Extra lineGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400 },
		{ " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / \r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400 },
		{ "GET / http/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400 },
		{ "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501 },
		{ "get / HTTP/1.1\r\nHost: a\r\n\r\n", 501 },
		{ "BREW / HTTP/3.0\r\nHost: a\r\n\r\n", 505 },
		{ "GET / HTTP/1.9\r\nHost: a\r\n\r\n", 0 },
		{ "GET / HTTP/1.9\r\n\r\n", 400 },			/* no Host */
		{ "GET / HTTP/9.9\r\nHost: a\r\n\r\n", 505 },
		{ "GET / HTTP/1.1\r\nHost:\r\n a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nRange:\r\n bytes=0-0\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\t\r\n\r\n", 400 },
		{ "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
		{ "OPTIONS /x HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
		{ "OPTIONS ** HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "HEAD * HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "OPTIONS * HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501 },
		/* chunked not last: no length to trust (RFC 9112 6.3). */
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		  "Transfer-Encoding: br\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", 400 },	/* llhttp's */
		{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 405 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Match: \"a\"\r\nIf-Match: \"b\"\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Unmodified-Since: x\r\n"
		  "If-Unmodified-Since: y\r\n\r\n", 400 },
	};
	struct request req;
	size_t i, scanned;
	char big[9000];
	int st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st = parse_status(cases[i].head, &req);
		CHECK(st == cases[i].status);
		if (st != cases[i].status)
			unit_note("case %zu: status %d (%s), want %d", i,
			    st, req.error ? req.error : "", cases[i].status);
	}

	/* What a good head yields. */
	st = parse_status("GET /a/b%20c?x=1 HTTP/1.1\r\nhost: h\r\n"
	    "Range: bytes=1-2  \r\nIf-None-Match: \"x\"\r\nUser-Agent: u/1\r\n"
	    "\r\nGET /next", &req);
	CHECK(st == 0);
	CHECK(req.method == REQUEST_GET);
	CHECK(req.minor == 1 && req.keep_alive && !req.must_close);
	CHECK(req.path.len == 8 && memcmp(req.path.p, "/a/b%20c", 8) == 0);
	CHECK(req.query.len == 3 && memcmp(req.query.p, "x=1", 3) == 0);
	CHECK(req.range.len == 9 && memcmp(req.range.p, "bytes=1-2", 9) == 0);
	CHECK(req.if_none_match.len == 3);
	CHECK(req.user_agent.len == 3);
	/* The head ends where the next request begins. */
	CHECK(req.len == strlen("GET /a/b%20c?x=1 HTTP/1.1\r\nhost: h\r\n"
	    "Range: bytes=1-2  \r\nIf-None-Match: \"x\"\r\nUser-Agent: u/1\r\n"
	    "\r\n"));

	st = parse_status("GET http://example.com:8080 HTTP/1.1\r\nHost: a\r\n\r\n",
	    &req);
	CHECK(st == 0 && req.path.len == 1 && req.path.p[0] == '/');
	/* A bad host there closes the connection, as any malformed head. */
	CHECK(parse_status("GET http://a<b>/x HTTP/1.1\r\nHost: a\r\n\r\n",
	    &req) == 400 && req.must_close && !req.keep_alive);

	/* Keep-alive: HTTP/1.0 only when asked; Connection: close ends it. */
	CHECK(parse_status("GET / HTTP/1.0\r\n\r\n", &req) == 0 && !req.keep_alive);
	CHECK(parse_status("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	    &req) == 0 && req.keep_alive);
	CHECK(parse_status("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	    &req) == 0 && !req.keep_alive);
	/* An upgrade request is answered, then the connection closes. */
	CHECK(parse_status("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
	    "Upgrade: websocket\r\n\r\n", &req) == 0 && !req.keep_alive);
	/* A 405 without a body keeps the connection; errors close it. */
	CHECK(parse_status("PUT / HTTP/1.1\r\nHost: a\r\n\r\n", &req) == 405 &&
	    req.keep_alive && !req.must_close);
	CHECK(parse_status("GET / HTTP/1.1\r\n\r\n", &req) == 400 &&
	    req.must_close);

	/* Incomplete heads wait; bytes arriving one at a time are fine. */
	{
		const char *h = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
		size_t n;

		scanned = 0;
		for (n = 1; n < strlen(h); n++)
			CHECK(request_parse(h, n, &lim, &scanned, &req) ==
			    REQUEST_INCOMPLETE);
		CHECK(request_parse(h, n, &lim, &scanned, &req) == REQUEST_DONE &&
		    req.status == 0);
	}

	/* Size bounds: 414 for a request line, 431 for the header section. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	scanned = 0;
	CHECK(request_parse(big, 100, &lim256, &scanned, &req) == REQUEST_INCOMPLETE);
	CHECK(request_parse(big, 300, &lim256, &scanned, &req) == REQUEST_DONE &&
	    req.status == 414);
	memcpy(big, "GET / HTTP/1.1\r\nHost: a\r\nX: ", 28);
	scanned = 0;
	CHECK(request_parse(big, sizeof(big), &lim, &scanned, &req) ==
	    REQUEST_DONE && req.status == 431);
	/* A head of exactly max bytes is fine. */
	{
		char exact[256];

		memset(exact, 'b', sizeof(exact));
		memcpy(exact, "GET / HTTP/1.1\r\nHost: a\r\nX: ", 28);
		memcpy(exact + sizeof(exact) - 4, "\r\n\r\n", 4);
		scanned = 0;
		CHECK(request_parse(exact, sizeof(exact), &lim256, &scanned, &req) ==
		    REQUEST_DONE && req.status == 0);
		scanned = 0;
		CHECK(request_parse(exact, sizeof(exact), &lim255, &scanned, &req) ==
		    REQUEST_DONE && req.status == 431);
	}
	CHECK(strcmp(request_reason(416), "Range Not Satisfiable") == 0);
	CHECK(parse_status("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", &req) == 0 &&
	    req.method == REQUEST_OPTIONS && req.path.len == 1 &&
	    req.path.p[0] == '*' && req.keep_alive);
	/* HTTP/1.2 is kept as sent (for the log) and kept alive as 1.1. */
	CHECK(parse_status("GET / HTTP/1.2\r\nHost: a\r\n\r\n", &req) == 0 &&
	    req.minor == 2 && req.keep_alive);
	CHECK(parse_status("GET / HTTP/1.1\r\nHost: a\r\nIf-Match: \"x\"\r\n"
	    "If-Unmodified-Since: d\r\n\r\n", &req) == 0 &&
	    req.if_match.len == 3 && req.if_unmodified_since.len == 1);
	CHECK(strcmp(request_reason(412), "Precondition Failed") == 0);
}
