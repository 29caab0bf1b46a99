/* SPDX-License-Identifier: MIT */
/* Unit tests for the bottom of httpd/: escaping (escape.c) for HTML,
 * URLs, JSON strings and log fields, and the writer's fixed buffer
 * (wbuf.c). */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "unit.h"
#include "wbuf.h"

/* esc of the string s, as a string (snprintf() semantics checked: the
 * length returned is the length written when it fits). */
static const char *
esc(escape_fn *f, const char *s)
{
	static char out[512];
	size_t n = f(out, sizeof(out), s, strlen(s));

	if (n >= sizeof(out) || strlen(out) != n || f(NULL, 0, s, strlen(s)) != n)
		return "(wrong length)";
	return out;
}

static void
test_html(void)
{
	char small[8];
	size_t n;

	CHECK(strcmp(esc(escape_html, "plain text"), "plain text") == 0);
	CHECK(strcmp(esc(escape_html, "a&b<c>d\"e'f"),
	    "a&amp;b&lt;c&gt;d&quot;e&#39;f") == 0);
	CHECK(strcmp(esc(escape_html, "<script>"), "&lt;script&gt;") == 0);
	/* Bytes that are not markup pass as they are (UTF-8 names). */
	CHECK(strcmp(esc(escape_html, "caf\xc3\xa9 \x01"), "caf\xc3\xa9 \x01") == 0);
	CHECK(strcmp(esc(escape_html, ""), "") == 0);
	/* Cut between escapes, never inside one. */
	n = escape_html(small, 6, "ab&cd", 5);
	CHECK(n == 9 && strcmp(small, "ab") == 0);
	n = escape_html(small, sizeof(small), "ab&cd", 5);
	CHECK(n == 9 && strcmp(small, "ab&amp;") == 0);
	/* Not past len: the name need not be NUL-terminated. */
	CHECK(escape_html(small, sizeof(small), "ab<", 2) == 2 &&
	    strcmp(small, "ab") == 0);
}

static void
test_url(void)
{
	CHECK(strcmp(esc(escape_url_path, "a/b c/d.txt"), "a/b%20c/d.txt") == 0);
	CHECK(strcmp(esc(escape_url_segment, "a/b c"), "a%2Fb%20c") == 0);
	/* Unreserved characters only stay (RFC 3986 2.3). */
	CHECK(strcmp(esc(escape_url_segment, "AZaz09-._~"), "AZaz09-._~") == 0);
	CHECK(strcmp(esc(escape_url_segment, "a&b?c#d%e\"f<g>"),
	    "a%26b%3Fc%23d%25e%22f%3Cg%3E") == 0);
	CHECK(strcmp(esc(escape_url_path, "caf\xc3\xa9"), "caf%C3%A9") == 0);
	CHECK(strcmp(esc(escape_url_path, "\x01\x7f\xff"), "%01%7F%FF") == 0);
}

/* escape_json() of a string with an explicit length, as a string. */
static const char *
json(const char *s, size_t len)
{
	static char out[256];

	if (escape_json(out, sizeof(out), s, len) >= sizeof(out))
		return "(too long)";
	return out;
}

static void
test_json(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ "web", 3, "web" },
		{ "", 0, "" },
		{ "a\"b\\c", 5, "a\\\"b\\\\c" },
		{ "\b\f\n\r\t", 5, "\\b\\f\\n\\r\\t" },
		{ "\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f" },
		{ "a\0b", 3, "a\\u0000b" },
		{ "/run/x y.sock", 13, "/run/x y.sock" },
		/* Valid UTF-8 stays as it is. */
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9" },
		{ "\xe2\x82\xac", 3, "\xe2\x82\xac" },
		{ "\xf0\x9f\x94\x8c", 4, "\xf0\x9f\x94\x8c" },
		{ "\xef\xbf\xbf", 3, "\xef\xbf\xbf" },
		{ "\xf4\x8f\xbf\xbf", 4, "\xf4\x8f\xbf\xbf" },
		/* Anything else is U+FFFD, one per byte. */
		{ "\xff", 1, "\\ufffd" },
		{ "a\x80z", 3, "a\\ufffdz" },
		{ "\xc3", 1, "\\ufffd" },				/* cut */
		{ "\xc3(", 2, "\\ufffd(" },
		{ "\xc0\xaf", 2, "\\ufffd\\ufffd" },			/* overlong '/' */
		{ "\xe0\x80\xaf", 3, "\\ufffd\\ufffd\\ufffd" },	/* overlong */
		{ "\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd" },	/* surrogate */
		{ "\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd" },	/* > U+10FFFF */
		{ "\xf5\x80\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd" },
		{ "\xe2\x82", 2, "\\ufffd\\ufffd" },
	};
	char small[8];
	size_t i, n;
	const char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = json(cases[i].in, cases[i].len);
		CHECK(strcmp(got, cases[i].want) == 0);
		if (strcmp(got, cases[i].want) != 0)
			unit_note("case %zu: \"%s\", want \"%s\"", i, got,
			    cases[i].want);
	}
	/* snprintf() semantics: the length needed, whole escapes only. */
	CHECK(escape_json(NULL, 0, "a\"\xff", 3) == 1 + 2 + 6);
	n = escape_json(small, sizeof(small), "ab\"\xff", 4);
	CHECK(n == 10 && strcmp(small, "ab\\\"") == 0);
	n = escape_json(small, sizeof(small), "abcdefgh", 8);
	CHECK(n == 8 && strcmp(small, "abcdefg") == 0);
	n = escape_json(small, 1, "abc", 3);
	CHECK(n == 3 && small[0] == '\0');
}

/* escape_log() into a buffer of size bytes, as a string. */
static const char *
logf_(const char *s, size_t len, size_t max, size_t size, bool spaces)
{
	static char out[512];
	size_t n;

	memset(out, '#', sizeof(out));
	n = escape_log(out, size, s, len, max, spaces);
	/* Within size, NUL included, and not a byte beyond. */
	if (n >= size || strlen(out) != n || out[size] != '#')
		return "(wrong length)";
	return out;
}

static void
test_log(void)
{
	/* A forged line or field cannot come through. */
	CHECK(strcmp(logf_("a\nb\r\"c\\", 7, 100, 100, true),
	    "a\\x0ab\\x0d\\x22c\\x5c") == 0);
	CHECK(strcmp(logf_("GET / x", 7, 100, 100, false), "GET\\x20/\\x20x") == 0);
	CHECK(strcmp(logf_("Mozilla 5", 9, 100, 100, true), "Mozilla 5") == 0);
	CHECK(strcmp(logf_("\x1b[31m\xc3\xa9\x7f", 8, 100, 100, true),
	    "\\x1b[31m\\xc3\\xa9\\x7f") == 0);
	/* Cut by max input bytes: "..." says so. */
	CHECK(strcmp(logf_("abcdef", 6, 3, 100, true), "abc...") == 0);
	CHECK(strcmp(logf_("abc", 3, 3, 100, true), "abc") == 0);
	/* Cut by the output size: whole escapes, "...", and the NUL fit. */
	CHECK(strcmp(logf_("abcdefghij", 10, 100, 8, true), "abc...") == 0);
	CHECK(strcmp(logf_("ab\ncdefgh", 9, 100, 10, true), "ab...") == 0);
	CHECK(strcmp(logf_("ab\ncdefgh", 9, 100, 11, true), "ab\\x0a...") == 0);
	/* No room at all: nothing, not even the dots. */
	CHECK(strcmp(logf_("abc", 3, 100, 3, true), "") == 0);
	CHECK(escape_log(NULL, 0, "abc", 3, 100, true) == 0);
}

static void
test_wbuf(void)
{
	char buf[16];
	struct wbuf b = { .p = buf, .max = sizeof(buf) };

	wbuf_str(&b, "HTTP/1.1 ");
	wbuf_u64(&b, 200);
	CHECK(b.len == 12 && memcmp(buf, "HTTP/1.1 200", 12) == 0 &&
	    !b.overflow && wbuf_room(&b) == 4);
	wbuf_u64(&b, 0);
	CHECK(b.len == 13 && buf[12] == '0');
	/* What does not fit is cut, and said so once for all. */
	wbuf_str(&b, "abcdef");
	CHECK(b.len == 16 && memcmp(buf + 13, "abc", 3) == 0 && b.overflow &&
	    wbuf_room(&b) == 0);
	wbuf_add(&b, "x", 1);
	CHECK(b.len == 16 && b.overflow);
	b = (struct wbuf){ .p = buf, .max = sizeof(buf) };
	wbuf_u64(&b, UINT64_MAX);
	CHECK(b.len == 16 && b.overflow &&
	    memcmp(buf, "1844674407370955", 16) == 0);
	b = (struct wbuf){ .p = buf, .max = sizeof(buf) };
	wbuf_u64(&b, 12345678901234ull);
	CHECK(b.len == 14 && !b.overflow &&
	    memcmp(buf, "12345678901234", 14) == 0);
}

int
main(void)
{
	test_html();
	test_url();
	test_json();
	test_log();
	test_wbuf();
	return unit_end();
}
