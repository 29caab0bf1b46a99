/* SPDX-License-Identifier: MIT */
/* Unit tests for httpd/media.c (which form of a generated page a request
 * asks for) and for the Accept field reaching it through
 * request_parse(). */
#include <stdio.h>
#include <string.h>

#include "media.h"
#include "request.h"
#include "unit.h"

/* --max-header-size, --max-body-size */
static const struct request_limits lim = { 8192, 65536 };

/* The diagnostics page's forms, in its order of preference. */
static const char *const offers[] = {
	"text/plain", "text/html", "application/json",
};
#define NOFFERS (sizeof(offers) / sizeof(offers[0]))

enum { TEXT, HTML, JSON, NONE = MEDIA_UNACCEPTABLE, BAD = MEDIA_INVALID };

static void
test_accept(void)
{
	static const struct {
		const char *v;
		int want;
	} cases[] = {
		/* What clients send. */
		{ "*/*", TEXT },					/* curl */
		{ "text/html,application/xhtml+xml,application/xml;q=0.9,"
		  "image/avif,image/webp,image/apng,*/*;q=0.8,"
		  "application/signed-exchange;v=b3;q=0.7", HTML },	/* Chromium */
		{ "text/html,application/xhtml+xml,application/xml;q=0.9,"
		  "*/*;q=0.8", HTML },					/* Firefox */
		{ "application/json", JSON },
		{ "application/json, text/javascript, */*; q=0.01", JSON },
		{ "text/plain", TEXT },
		{ "text/html", HTML },
		/* Wildcards and ties: the server's order. */
		{ "text/*", TEXT },
		{ "text/*, text/plain;q=0.5", HTML },
		{ "application/*", JSON },
		{ "TEXT/HTML", HTML },
		{ "*/*;q=0.5, application/json;q=0.6", JSON },
		/* The most specific range decides, whatever its q. */
		{ "text/*;q=0.9, text/plain;q=0.1", HTML },
		{ "*/*, text/plain;q=0", HTML },
		{ "*/*, text/*;q=0", JSON },
		{ "*/*;q=0, application/json", JSON },
		/* q=0 means "not acceptable". */
		{ "text/plain;q=0", NONE },
		{ "*/*;q=0", NONE },
		{ "image/png", NONE },
		{ "text/css, image/*", NONE },
		{ "text/plain;q=0, text/html;q=0, application/json;q=0.000", NONE },
		/* Equally specific ranges: the highest q. */
		{ "text/plain;q=0, text/plain;q=0.2, text/html;q=0.1", TEXT },
		/* Absent or empty: anything, so the default. */
		{ "", TEXT },
		{ " , ,, ", TEXT },
		/* qvalues: 0 to 1 with at most three decimals. */
		{ "text/html;q=1.000", HTML },
		{ "text/html;q=1.", HTML },
		{ "text/html;q=0.", NONE },
		{ "text/html;Q=0.5", HTML },
		{ "text/html;q=1.001", BAD },
		{ "text/html;q=2", BAD },
		{ "text/html;q=0.1234", BAD },
		{ "text/html;q=.5", BAD },
		{ "text/html;q=", BAD },
		{ "text/html;q=0.5;q=0.6", BAD },
		/* Parameters: syntax checked, otherwise ignored. */
		{ "text/html;level=1", HTML },
		{ "text/html; charset=\"utf-8\"", HTML },
		{ "text/html;charset=\"a\\\"b\";q=0.5, text/plain;q=0.4", HTML },
		{ "text/html;q=0.5;ext=1", HTML },
		{ "text/html;;", HTML },
		{ "text/html ; q=0.5 , application/json ; q=0.6", JSON },
		{ "text/html;charset=\"unterminated", BAD },
		{ "text/html;charset=", BAD },
		{ "text/html;=x", BAD },
		{ "text/html;charset", BAD },
		/* Media ranges. */
		{ "*/html", BAD },
		{ "text", BAD },
		{ "text/", BAD },
		{ "/html", BAD },
		{ "text/html/x", BAD },
		{ "text/html x", BAD },
		{ "text/h\x80tml", BAD },
		{ "\"text/html\"", BAD },
	};
	size_t i;
	int got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = media_accept(cases[i].v, strlen(cases[i].v), offers,
		    NOFFERS);
		CHECK(got == cases[i].want);
		if (got != cases[i].want)
			unit_note("case %zu \"%s\": %d, want %d", i, cases[i].v,
			    got, cases[i].want);
	}
	CHECK(media_accept(NULL, 0, offers, NOFFERS) == TEXT);
	/* The value is not NUL-terminated in the head: len is the end. */
	CHECK(media_accept("application/json, x", 16, offers, NOFFERS) == JSON);
}

static void
test_query_format(void)
{
	static const char *const names[] = { "text", "html", "json" };
	static const struct {
		const char *q;	/* NULL: no '?' */
		int want;
	} cases[] = {
		{ NULL, MEDIA_ABSENT },
		{ "", MEDIA_ABSENT },
		{ "x=1", MEDIA_ABSENT },
		{ "formats=json", MEDIA_ABSENT },
		{ "xformat=json", MEDIA_ABSENT },
		{ "format=json", JSON },
		{ "format=html", HTML },
		{ "format=text", TEXT },
		{ "a=1&format=json&b=2", JSON },
		{ "&&format=json&", JSON },
		{ "format=JSON", BAD },
		{ "format=xml", BAD },
		{ "format=", BAD },
		{ "format", BAD },
		{ "format=json&format=json", BAD },
		{ "format=json&format=text", BAD },
		{ "format=js%6Fn", BAD },
	};
	size_t i;
	int got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = media_query_format(cases[i].q,
		    cases[i].q ? strlen(cases[i].q) : 0, names, 3);
		CHECK(got == cases[i].want);
		if (got != cases[i].want)
			unit_note("case %zu \"%s\": %d, want %d", i,
			    cases[i].q ? cases[i].q : "(none)", got,
			    cases[i].want);
	}
}

/* The Accept field as request_parse() hands it over. */
static void
test_accept_field(void)
{
	const char *h = "GET / HTTP/1.1\r\nHost: a\r\naccept:  text/html  \r\n\r\n";
	struct request req;
	size_t scanned = 0;

	CHECK(request_parse(h, strlen(h), &lim, &scanned, &req) ==
	    REQUEST_DONE && req.status == 0);
	CHECK(req.accept.len == 9 && memcmp(req.accept.p, "text/html", 9) == 0);
	h = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	scanned = 0;
	CHECK(request_parse(h, strlen(h), &lim, &scanned, &req) ==
	    REQUEST_DONE && req.status == 0 && req.accept.p == NULL);
	/* A list field in two lines is a request (RFC 9110 5.3): the first
	 * is kept and the repeat noted, for the page that reads it. */
	h = "GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nAccept: text/html\r\n\r\n";
	scanned = 0;
	CHECK(request_parse(h, strlen(h), &lim, &scanned, &req) ==
	    REQUEST_DONE && req.status == 0 && req.accept_repeated);
	CHECK(req.accept.len == 3 && memcmp(req.accept.p, "*/*", 3) == 0);
	CHECK(strcmp(request_reason(406), "Not Acceptable") == 0);
}

int
main(void)
{
	test_accept();
	test_query_format();
	test_accept_field();
	return unit_end();
}
