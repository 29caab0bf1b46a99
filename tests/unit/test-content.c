/* SPDX-License-Identifier: MIT */
/* Unit tests of what follows a request head (content.c): Content-Length
 * counted down, the chunked coding's grammar, the bound, and the same
 * answer however the bytes are cut; and how request_parse() announces
 * content. Part of the test-httpd program (test-httpd.c has its main()). */
#include <stdio.h>
#include <string.h>

#include "content.h"
#include "request.h"
#include "test-httpd.h"
#include "unit.h"

#define NEXT "GET /next HTTP/1.1\r\n"

/* content_skip() over buf whole: its result, and in *used where the next
 * request starts (CONTENT_DONE) or len. */
static enum content_result
skip_whole(const char *buf, size_t len, bool chunked, uint64_t n,
    uint64_t max, size_t *used)
{
	struct content ct;

	if (chunked)
		content_start_chunked(&ct, max);
	else
		content_start_length(&ct, n, max);
	return content_skip(&ct, buf, len, used);
}

/* The same, one byte per call, as a slow client sends it. */
static enum content_result
skip_bytes(const char *buf, size_t len, bool chunked, uint64_t n,
    uint64_t max, size_t *used)
{
	struct content ct;
	enum content_result r = CONTENT_MORE;
	size_t i, u;

	if (chunked)
		content_start_chunked(&ct, max);
	else
		content_start_length(&ct, n, max);
	*used = len;
	for (i = 0; i < len; i++) {
		r = content_skip(&ct, buf + i, 1, &u);
		if (r == CONTENT_DONE) {
			*used = i + u;
			break;
		}
		if (r != CONTENT_MORE)
			break;
	}
	return r;
}

static void
test_content_cases(void)
{
	static const struct {
		const char *in;
		uint64_t max;
		enum content_result want;
		size_t used;		/* with CONTENT_DONE */
	} cases[] = {
#define OK(s) s NEXT, 65536, CONTENT_DONE, sizeof(s) - 1
		{ OK("0\r\n\r\n") },
		{ OK("5\r\nhello\r\n0\r\n\r\n") },
		{ OK("5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n") },
		{ OK("A\r\n0123456789\r\n0\r\n\r\n") },
		{ OK("a\r\n0123456789\r\n0\r\n\r\n") },
		{ OK("0005\r\nhello\r\n000\r\n\r\n") },
		/* Chunk data is opaque: CRLF, NUL, anything. */
		{ OK("4\r\n\r\n\0\xff\r\n0\r\n\r\n") },
		/* Extensions, with whitespace before ';' (BWS). */
		{ OK("5;a=b\r\nhello\r\n0;last\r\n\r\n") },
		{ OK("5 ;a\r\nhello\r\n0\t;x=\"y;z\"\r\n\r\n") },
		{ OK("5;a=\"quoted \\\" text\"\r\nhello\r\n0\r\n\r\n") },
		/* Trailer fields. */
		{ OK("0\r\nX-Sum: 1\r\n\r\n") },
		{ OK("5\r\nhello\r\n0\r\nA: 1\r\nB:\t2 \r\n\r\n") },
		/* Not chunked framing. */
		{ "zz\r\nhello\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "-1\r\n", 65536, CONTENT_INVALID, 0 },
		{ "0x5\r\nhello\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "+5\r\nhello\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5\nhello\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5\r\nhelloXX0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5\r\nhello\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5\r\nhello\r\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5\r\nhello\rx0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5\r\nhello\r\n0\rx\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5 \r\nhello\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5 x\r\nhello\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5;a\nhello\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5;a\x01\r\nhello\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "5;a\x7f\r\nhello\r\n0\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "0\r\n X: 1\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "0\r\n:x\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "0\r\nX: 1\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "0\r\nX: \x01\r\n\r\n", 65536, CONTENT_INVALID, 0 },
		{ "0\r\n\r\r", 65536, CONTENT_INVALID, 0 },
		{ "0\r\n\n", 65536, CONTENT_INVALID, 0 },
		/* Beyond the bound, framing included; a size too large to
		 * be read to know. */
		{ "10001\r\n", 65536, CONTENT_TOO_LARGE, 0 },
		{ "ffffffffffffffffff\r\n", 65536, CONTENT_TOO_LARGE, 0 },
		{ "5\r\nhello\r\n0\r\n\r\n", 12, CONTENT_TOO_LARGE, 0 },
		{ "5\r\nhello\r\n0\r\n\r\n" NEXT, 15, CONTENT_DONE, 15 },
		{ "5\r\nhello\r\n0\r\n\r\n", 14, CONTENT_TOO_LARGE, 0 },
		{ "0000000000000000000000000\r\n\r\n", 16, CONTENT_TOO_LARGE, 0 },
		{ "5\r\nhel", 65536, CONTENT_MORE, 0 },
		{ "0\r\nX: 1\r\n", 65536, CONTENT_MORE, 0 },
#undef OK
	};
	enum content_result whole, bytes;
	size_t i, uw, ub, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].in);
		/* The cases with a NUL in chunk data. */
		if (strncmp(cases[i].in, "4\r\n\r\n", 5) == 0)
			len = 3 + 4 + 2 + 5 + strlen(NEXT);
		whole = skip_whole(cases[i].in, len, true, 0, cases[i].max, &uw);
		bytes = skip_bytes(cases[i].in, len, true, 0, cases[i].max, &ub);
		CHECK(whole == cases[i].want && bytes == whole);
		if (whole == CONTENT_DONE)
			CHECK(uw == cases[i].used && ub == uw);
		if (whole != cases[i].want || bytes != whole ||
		    (whole == CONTENT_DONE && (uw != cases[i].used || ub != uw)))
			unit_note("case %zu: %d (used %zu), byte by byte %d "
			    "(used %zu); want %d (used %zu)", i, (int)whole, uw,
			    (int)bytes, ub, (int)cases[i].want, cases[i].used);
	}
}

static void
test_content_length(void)
{
	const char *in = "hello" NEXT;
	struct content ct;
	size_t used;

	CHECK(skip_whole(in, strlen(in), false, 5, 5, &used) == CONTENT_DONE &&
	    used == 5);
	CHECK(skip_bytes(in, strlen(in), false, 5, 5, &used) == CONTENT_DONE &&
	    used == 5);
	/* In pieces: all taken until the last. */
	content_start_length(&ct, 5, 65536);
	CHECK(content_skip(&ct, "hel", 3, &used) == CONTENT_MORE && used == 3);
	CHECK(content_skip(&ct, "lo" NEXT, 2 + strlen(NEXT), &used) ==
	    CONTENT_DONE && used == 2);
	/* Whatever the bytes are: Content-Length is not a grammar. */
	content_start_length(&ct, 4, 65536);
	CHECK(content_skip(&ct, "\r\n\r\nX", 5, &used) == CONTENT_DONE &&
	    used == 4);
}

/* request_parse() on a whole head, with --max-body-size max. */
static int
parse_max(const char *head, size_t max, struct request *req)
{
	struct request_limits lim = { 8192, max };
	size_t scanned = 0;

	if (request_parse(head, strlen(head), &lim, &scanned, req) !=
	    REQUEST_DONE)
		return -1;
	return req->status;
}

static void
test_content_heads(void)
{
	struct request req;

	CHECK(parse_max("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 100, &req) == 0 &&
	    req.content == REQUEST_CONTENT_NONE);
	CHECK(parse_max("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
	    0, &req) == 0 && req.content == REQUEST_CONTENT_NONE);
	CHECK(parse_max("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n",
	    100, &req) == 0 && req.content == REQUEST_CONTENT_LENGTH &&
	    req.content_length == 100 && req.keep_alive && !req.must_close);
	CHECK(parse_max("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n",
	    100, &req) == 413 && req.must_close);
	CHECK(parse_max("HEAD / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 100, &req) == 0 &&
	    req.content == REQUEST_CONTENT_CHUNKED && req.keep_alive &&
	    !req.must_close);
	CHECK(parse_max("OPTIONS * HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 2\r\n\r\n", 100, &req) == 0 &&
	    req.content == REQUEST_CONTENT_LENGTH);
	/* --max-body-size 0: no content at all. */
	CHECK(parse_max("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n",
	    0, &req) == 413 && req.must_close);
	CHECK(parse_max("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 0, &req) == 413);
	/* Other methods: 405, content or not. */
	CHECK(parse_max("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n",
	    100, &req) == 405 && req.must_close);
	/* Answered, then closed, the content unread: Expect, and chunked
	 * from HTTP/1.0. */
	CHECK(parse_max("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Expect: 100-continue\r\n\r\n", 100, &req) == 0 &&
	    req.must_close);
	CHECK(parse_max("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
	    "\r\n", 100, &req) == 0 && !req.must_close);
	CHECK(parse_max("GET / HTTP/1.0\r\nConnection: keep-alive\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 100, &req) == 0 &&
	    req.must_close);
	CHECK(parse_max("GET / HTTP/1.0\r\nConnection: keep-alive\r\n"
	    "Content-Length: 5\r\n\r\n", 100, &req) == 0 && !req.must_close &&
	    req.keep_alive);
	/* The head ends where the content begins. */
	CHECK(parse_max("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
	    "hello", 100, &req) == 0 &&
	    req.len == strlen("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 5\r\n\r\n"));
}

void
test_content(void)
{
	test_content_cases();
	test_content_length();
	test_content_heads();
}
