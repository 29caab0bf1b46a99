/* SPDX-License-Identifier: MIT */
/* Unit tests for the pure parts of the httpd: request heads, path
 * resolution and the safe open, ranges, dates, ETags, MIME types,
 * preconditions. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cond.h"
#include "headers.h"
#include "path.h"
#include "request.h"
#include "unit.h"


/* path_resolve() as a string: "REL" or "REL/" (directory form), or the
 * status as "=400". */
static const char *
resolve(const char *p)
{
	static char res[512];
	char out[256];
	bool slash;
	int r;

	r = path_resolve(p, strlen(p), out, sizeof(out), &slash);
	if (r)
		snprintf(res, sizeof(res), "=%d", r);
	else
		snprintf(res, sizeof(res), "%s%s", out, slash ? "/" : "");
	return res;
}

static void
test_path_resolve(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "/", "/" },
		{ "/index.html", "index.html" },
		{ "/a/b/c.txt", "a/b/c.txt" },
		{ "/a/", "a/" },
		{ "/a//b", "a/b" },
		{ "//a", "a" },
		{ "/a/./b", "a/b" },
		{ "/a/.", "a/" },
		{ "/.", "/" },
		{ "/a/b/..", "a/" },
		{ "/a/b/../c", "a/c" },
		{ "/a/../../b", "=400" },
		{ "/..", "=400" },
		{ "/../etc/passwd", "=400" },
		{ "/a/%2e%2e/%2e%2e/etc/passwd", "=400" },
		{ "/%2e%2e/x", "=400" },
		{ "/%2E%2E/x", "=400" },
		{ "/.%2e/x", "=400" },
		{ "/a%2fb", "=400" },
		{ "/a%2Fb", "=400" },
		{ "/a%00b", "=400" },
		{ "/a%0ab", "=400" },
		{ "/a%7f", "=400" },
		{ "/a%", "=400" },
		{ "/a%4", "=400" },
		{ "/a%zz", "=400" },
		{ "/a%41", "aA" },
		{ "/caf%C3%A9.html", "caf\xc3\xa9.html" },
		{ "/a%20b", "a b" },
		{ "/.git/config", "=404" },
		{ "/a/.htpasswd", "=404" },
		{ "/a/.hidden/../b", "a/b" },
		{ "/...", "=404" },
		{ "/.well-known/x", "=404" },
		{ "relative", "=400" },
		{ "", "=400" },
		{ "/a\\..\\b", "a\\..\\b" },
	};
	size_t i;
	char out[4];
	bool slash;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = resolve(cases[i].in);

		CHECK(strcmp(got, cases[i].want) == 0);
		if (strcmp(got, cases[i].want) != 0)
			unit_note("path_resolve(\"%s\") = \"%s\", want "
			    "\"%s\"", cases[i].in, got, cases[i].want);
	}
	/* The output must fit: outsz below len + 1 is refused, not cut. */
	CHECK(path_resolve("/abcd", 5, out, sizeof(out), &slash) == 400);
}

static void
write_file(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) < 0) {
		perror(name);
		exit(1);
	}
	close(fd);
}

/* Opens rel below root with each walk and returns what it reads, or
 * "-ERRNO". */
static const char *
open_read(int root, const char *rel, bool no_symlinks, enum path_mode mode)
{
	static char buf[64];
	ssize_t n;
	int fd;

	fd = path_open_mode(root, rel, no_symlinks, mode);
	if (fd < 0) {
		snprintf(buf, sizeof(buf), "-%s", strerrorname_np(-fd));
		return buf;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void
test_path_open(void)
{
	char tmpl[] = "/tmp/httpd-unit.XXXXXX", cmd[128];
	const char *dir = mkdtemp(tmpl);
	enum path_mode modes[] = { PATH_OPENAT2, PATH_WALK };
	int top, root, m;

	if (!dir) {
		perror("mkdtemp");
		exit(1);
	}
	/* dir/secret, dir/root/{ok.txt,sub/in.txt,out -> ../secret,
	 * in -> ok.txt, subl -> sub, abs -> /etc/hostname, fifo} */
	top = open(dir, O_RDONLY | O_DIRECTORY);
	write_file(top, "secret", "SECRET");
	mkdirat(top, "root", 0755);
	root = openat(top, "root", O_RDONLY | O_DIRECTORY);
	write_file(root, "ok.txt", "ok");
	mkdirat(root, "sub", 0755);
	write_file(root, "sub/in.txt", "in");
	CHECK(symlinkat("../secret", root, "out") == 0);
	CHECK(symlinkat("ok.txt", root, "in") == 0);
	CHECK(symlinkat("sub", root, "subl") == 0);
	CHECK(symlinkat("/etc/hostname", root, "abs") == 0);
	CHECK(symlinkat("../../secret", root, "sub/up") == 0);
	CHECK(mkfifoat(root, "fifo", 0644) == 0);

	for (m = 0; m < 2; m++) {
		enum path_mode mode = modes[m];

		CHECK(strcmp(open_read(root, "ok.txt", false, mode), "ok") == 0);
		CHECK(strcmp(open_read(root, "sub/in.txt", false, mode), "in") == 0);
		CHECK(strcmp(open_read(root, "missing", false, mode), "-ENOENT") == 0);
		/* Out of the root: never the secret, in either walk. */
		CHECK(strcmp(open_read(root, "out", false, mode), "SECRET") != 0);
		CHECK(strcmp(open_read(root, "abs", false, mode), "-EXDEV") == 0 ||
		    strcmp(open_read(root, "abs", false, mode), "-ELOOP") == 0);
		CHECK(strcmp(open_read(root, "sub/up", false, mode), "SECRET") != 0);
		CHECK(strcmp(open_read(root, "../secret", false, mode), "SECRET") != 0);
		/* A FIFO opens without blocking (the caller refuses it). */
		CHECK(path_open_mode(root, "fifo", false, mode) >= 0 ||
		    mode == PATH_WALK);
		/* No symlinks at all when asked. */
		CHECK(strcmp(open_read(root, "in", true, mode), "-ELOOP") == 0);
		CHECK(strcmp(open_read(root, "subl/in.txt", true, mode), "ok") != 0);
	}
	/* openat2 follows links that stay inside; the walk never does. */
	CHECK(strcmp(open_read(root, "in", false, PATH_OPENAT2), "ok") == 0);
	CHECK(strcmp(open_read(root, "subl/in.txt", false, PATH_OPENAT2), "in") == 0);
	CHECK(strcmp(open_read(root, "out", false, PATH_OPENAT2), "-EXDEV") == 0);
	CHECK(strcmp(open_read(root, "in", false, PATH_WALK), "-ELOOP") == 0);
	CHECK(strcmp(open_read(root, "subl/in.txt", false, PATH_WALK), "-ENOTDIR") == 0);
	/* The root itself. */
	m = path_open(root, "", false);
	CHECK(m >= 0);
	if (m >= 0)
		close(m);

	close(root);
	close(top);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* request_parse() on a whole head: its status (0: accepted). */
static int
parse_status(const char *head, struct request *req)
{
	size_t scanned = 0;

	if (request_parse(head, strlen(head), 8192, &scanned, req) !=
	    REQUEST_DONE)
		return -1;
	return req->status;
}

static void
test_request(void)
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
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n", 413 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 413 },
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
		{ "GET /a?b[]=1&c=%41 HTTP/1.1\r\nHost: a\r\n\r\n", 0 },
		{ "GET /a?b\"c HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost:\r\n\r\n", 0 },
		{ "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHo\x80st: a\r\n\r\n", 400 },
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
			CHECK(request_parse(h, n, 8192, &scanned, &req) ==
			    REQUEST_INCOMPLETE);
		CHECK(request_parse(h, n, 8192, &scanned, &req) == REQUEST_DONE &&
		    req.status == 0);
	}

	/* Size bounds: 414 for a request line, 431 for the header section. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	scanned = 0;
	CHECK(request_parse(big, 100, 256, &scanned, &req) == REQUEST_INCOMPLETE);
	CHECK(request_parse(big, 300, 256, &scanned, &req) == REQUEST_DONE &&
	    req.status == 414);
	memcpy(big, "GET / HTTP/1.1\r\nHost: a\r\nX: ", 28);
	scanned = 0;
	CHECK(request_parse(big, sizeof(big), 8192, &scanned, &req) ==
	    REQUEST_DONE && req.status == 431);
	/* A head of exactly max bytes is fine. */
	{
		char exact[256];

		memset(exact, 'b', sizeof(exact));
		memcpy(exact, "GET / HTTP/1.1\r\nHost: a\r\nX: ", 28);
		memcpy(exact + sizeof(exact) - 4, "\r\n\r\n", 4);
		scanned = 0;
		CHECK(request_parse(exact, sizeof(exact), 256, &scanned, &req) ==
		    REQUEST_DONE && req.status == 0);
		scanned = 0;
		CHECK(request_parse(exact, sizeof(exact), 255, &scanned, &req) ==
		    REQUEST_DONE && req.status == 431);
	}
	CHECK(strcmp(request_reason(416), "Range Not Satisfiable") == 0);
}

static void
test_range(void)
{
	static const struct {
		const char *v;
		uint64_t size;
		enum hdr_range want;
		uint64_t first, last;
	} cases[] = {
		{ "bytes=0-99", 1000, HDR_RANGE_OK, 0, 99 },
		{ "bytes=100-", 1000, HDR_RANGE_OK, 100, 999 },
		{ "bytes=-100", 1000, HDR_RANGE_OK, 900, 999 },
		{ "bytes=-5000", 1000, HDR_RANGE_OK, 0, 999 },
		{ "bytes=990-5000", 1000, HDR_RANGE_OK, 990, 999 },
		{ "bytes=999-999", 1000, HDR_RANGE_OK, 999, 999 },
		{ "BYTES=1-2", 1000, HDR_RANGE_OK, 1, 2 },
		{ "bytes= 1-2 ", 1000, HDR_RANGE_OK, 1, 2 },
		{ "bytes=0-18446744073709551615", 10, HDR_RANGE_OK, 0, 9 },
		{ "bytes=0-99999999999999999999999", 10, HDR_RANGE_OK, 0, 9 },
		{ "bytes=1000-", 1000, HDR_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=5000-6000", 1000, HDR_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=99999999999999999999-", 1000, HDR_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=-0", 1000, HDR_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=0-", 0, HDR_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=-1", 0, HDR_RANGE_UNSATISFIABLE, 0, 0 },
		{ "bytes=5-1", 1000, HDR_RANGE_NONE, 0, 0 },
		{ "bytes=0-1,5-6", 1000, HDR_RANGE_NONE, 0, 0 },
		{ "bytes=", 1000, HDR_RANGE_NONE, 0, 0 },
		{ "bytes=-", 1000, HDR_RANGE_NONE, 0, 0 },
		{ "bytes=a-b", 1000, HDR_RANGE_NONE, 0, 0 },
		{ "bytes=1-2x", 1000, HDR_RANGE_NONE, 0, 0 },
		{ "bytes=+1-2", 1000, HDR_RANGE_NONE, 0, 0 },
		{ "bytes=1", 1000, HDR_RANGE_NONE, 0, 0 },
		{ "items=0-1", 1000, HDR_RANGE_NONE, 0, 0 },
		{ "", 1000, HDR_RANGE_NONE, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t a = 0, b = 0;
		enum hdr_range r = hdr_range_parse(cases[i].v,
		    strlen(cases[i].v), cases[i].size, &a, &b);

		CHECK(r == cases[i].want);
		if (r != cases[i].want || (r == HDR_RANGE_OK &&
		    (a != cases[i].first || b != cases[i].last)))
			unit_note("range \"%s\" of %llu: %d %llu-%llu",
			    cases[i].v, (unsigned long long)cases[i].size, r,
			    (unsigned long long)a, (unsigned long long)b);
		if (r == HDR_RANGE_OK)
			CHECK(a == cases[i].first && b == cases[i].last);
	}
}

static void
test_dates(void)
{
	char buf[HDR_DATE_LEN];
	time_t t;

	CHECK(strcmp(hdr_date_format(784111777, buf),
	    "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
	CHECK(strcmp(hdr_date_format(0, buf), "Thu, 01 Jan 1970 00:00:00 GMT") == 0);
	CHECK(strcmp(hdr_date_format(951782400, buf),
	    "Tue, 29 Feb 2000 00:00:00 GMT") == 0);
	CHECK(strlen(hdr_date_format(4102444800, buf)) == 29);
#define PARSE(s) hdr_date_parse(s, strlen(s), &t)
	CHECK(PARSE("Sun, 06 Nov 1994 08:49:37 GMT") == 0 && t == 784111777);
	CHECK(PARSE("Sunday, 06-Nov-94 08:49:37 GMT") == 0 && t == 784111777);
	CHECK(PARSE("Sun Nov  6 08:49:37 1994") == 0 && t == 784111777);
	CHECK(PARSE("Thu, 01 Jan 1970 00:00:00 GMT") == 0 && t == 0);
	CHECK(PARSE("Sun, 06 Nov 1994 08:49:37 UTC") == -1);
	CHECK(PARSE("Sun, 06 Nov 1994 08:49:37 GMT ") == -1);
	CHECK(PARSE("Sun, 6 Nov 1994 08:49:37 GMT") == -1);
	CHECK(PARSE("Sun, 06 Foo 1994 08:49:37 GMT") == -1);
	CHECK(PARSE("Sun, 06 Nov 1994 25:49:37 GMT") == -1);
	CHECK(PARSE("Sun, 32 Nov 1994 08:49:37 GMT") == -1);
	CHECK(PARSE("yesterday") == -1);
	CHECK(PARSE("") == -1);
	CHECK(PARSE("Sun,") == -1);
#undef PARSE
}

static void
test_etag(void)
{
	struct stat st;
	char e[HDR_ETAG_LEN];

	memset(&st, 0, sizeof(st));
	st.st_size = 612;
	st.st_mtim.tv_sec = 0x5f5e100;
	st.st_mtim.tv_nsec = 0x10;
	hdr_etag_format(&st, e);
	CHECK(strcmp(e, "\"5f5e100.10-264\"") == 0);
#define M(list, strong) hdr_etag_match(list, strlen(list), e, strong)
	CHECK(M("\"5f5e100.10-264\"", false));
	CHECK(M("\"x\", \"5f5e100.10-264\"", false));
	CHECK(M("W/\"5f5e100.10-264\"", false));
	CHECK(!M("W/\"5f5e100.10-264\"", true));
	CHECK(M("*", false));
	CHECK(M(" * ", false));
	CHECK(!M("\"5f5e100.10-265\"", false));
	CHECK(!M("5f5e100.10-264", false));
	CHECK(!M("\"5f5e100.10-264", false));
	CHECK(!M("", false));
	CHECK(!M("\"x\" junk, \"5f5e100.10-264\"", false));
#undef M
}

static void
test_mime(void)
{
	CHECK(strcmp(hdr_mime_type("index.html"), "text/html; charset=utf-8") == 0);
	CHECK(strcmp(hdr_mime_type("a/b/INDEX.HTM"), "text/html; charset=utf-8") == 0);
	CHECK(strcmp(hdr_mime_type("x.css"), "text/css; charset=utf-8") == 0);
	CHECK(strcmp(hdr_mime_type("x.js"), "text/javascript; charset=utf-8") == 0);
	CHECK(strcmp(hdr_mime_type("x.json"), "application/json; charset=utf-8") == 0);
	CHECK(strcmp(hdr_mime_type("x.txt"), "text/plain; charset=utf-8") == 0);
	CHECK(strcmp(hdr_mime_type("x.png"), "image/png") == 0);
	CHECK(strcmp(hdr_mime_type("x.svg"), "image/svg+xml") == 0);
	CHECK(strcmp(hdr_mime_type("x.woff2"), "font/woff2") == 0);
	CHECK(strcmp(hdr_mime_type("x.wasm"), "application/wasm") == 0);
	CHECK(strcmp(hdr_mime_type("x.tar.gz"), "application/gzip") == 0);
	CHECK(strcmp(hdr_mime_type("noext"), "application/octet-stream") == 0);
	CHECK(strcmp(hdr_mime_type("dir.html/file"), "application/octet-stream") == 0);
	CHECK(strcmp(hdr_mime_type("x."), "application/octet-stream") == 0);
	CHECK(strcmp(hdr_mime_type("x.unknownextension"), "application/octet-stream") == 0);
	CHECK(strcmp(hdr_mime_type("x.exe"), "application/octet-stream") == 0);
}

/* RFC 9112's grammar decides 400, 501 and 505; obs-fold is 400 wherever
 * it is; OPTIONS may ask about "*"; only chunked is a known coding. */
static void
test_request_semantics(void)
{
	static const struct {
		const char *head;
		int status;
	} cases[] = {
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
		{ "OPTIONS * HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n", 413 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501 },
		/* chunked not last: no length to trust (RFC 9112 6.3). */
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		  "Transfer-Encoding: br\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n", 413 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", 400 },	/* llhttp's */
		{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 405 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Match: \"a\"\r\nIf-Match: \"b\"\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nIf-Unmodified-Since: x\r\n"
		  "If-Unmodified-Since: y\r\n\r\n", 400 },
	};
	struct request req;
	size_t i;
	int st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st = parse_status(cases[i].head, &req);
		CHECK(st == cases[i].status);
		if (st != cases[i].status)
			unit_note("case %zu: status %d (%s), want %d", i,
			    st, req.error ? req.error : "", cases[i].status);
	}
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

/* cond_evaluate() on a request made of these header lines. */
static enum cond_result
cond(const char *method, const char *fields, const char *etag, time_t mtime)
{
	static char head[1024];
	struct request req;

	snprintf(head, sizeof(head), "%s / HTTP/1.1\r\nHost: a\r\n%s\r\n",
	    method, fields);
	if (parse_status(head, &req) != 0) {
		unit_note("not a request: %s", head);
		return (enum cond_result)-1;
	}
	return cond_evaluate(&req, etag, mtime);
}

/* RFC 9110 13.2.2, step by step, for a file with ETag "e1" modified at
 * Sun, 06 Nov 1994 08:49:37 GMT (784111777). */
static void
test_cond(void)
{
#define E "\"e1\""
#define T 784111777
#define D "Sun, 06 Nov 1994 08:49:37 GMT"
#define BEFORE "Sun, 06 Nov 1994 08:49:36 GMT"
#define AFTER "Sun, 06 Nov 1994 08:49:38 GMT"
	static const struct {
		const char *method, *fields;
		enum cond_result want;
	} cases[] = {
		{ "GET", "", COND_PROCEED },
		/* 1: If-Match, strong comparison; "*" matches a file. */
		{ "GET", "If-Match: " E "\r\n", COND_PROCEED },
		{ "GET", "If-Match: \"x\", " E "\r\n", COND_PROCEED },
		{ "GET", "If-Match: *\r\n", COND_PROCEED },
		{ "GET", "If-Match: \"nope\"\r\n", COND_FAILED },
		{ "GET", "If-Match: W/" E "\r\n", COND_FAILED },
		{ "GET", "If-Match: garbage\r\n", COND_FAILED },
		{ "HEAD", "If-Match: \"nope\"\r\n", COND_FAILED },
		/* 2: If-Unmodified-Since, only without If-Match. */
		{ "GET", "If-Unmodified-Since: " D "\r\n", COND_PROCEED },
		{ "GET", "If-Unmodified-Since: " AFTER "\r\n", COND_PROCEED },
		{ "GET", "If-Unmodified-Since: " BEFORE "\r\n", COND_FAILED },
		{ "GET", "If-Unmodified-Since: yesterday\r\n", COND_PROCEED },
		{ "GET", "If-Unmodified-Since: " D ", " BEFORE "\r\n", COND_PROCEED },
		{ "GET", "If-Match: " E "\r\nIf-Unmodified-Since: " BEFORE "\r\n",
		  COND_PROCEED },
		/* 3: If-None-Match, weak comparison: 304 for GET and HEAD,
		 * 412 for OPTIONS. */
		{ "GET", "If-None-Match: " E "\r\n", COND_NOT_MODIFIED },
		{ "GET", "If-None-Match: W/" E "\r\n", COND_NOT_MODIFIED },
		{ "HEAD", "If-None-Match: *\r\n", COND_NOT_MODIFIED },
		{ "OPTIONS", "If-None-Match: *\r\n", COND_FAILED },
		{ "GET", "If-None-Match: \"other\"\r\n", COND_PROCEED },
		/* A failed If-Match wins over a matching If-None-Match. */
		{ "GET", "If-Match: \"nope\"\r\nIf-None-Match: " E "\r\n",
		  COND_FAILED },
		/* 4: If-Modified-Since, only without If-None-Match, only for
		 * GET and HEAD. */
		{ "GET", "If-Modified-Since: " D "\r\n", COND_NOT_MODIFIED },
		{ "GET", "If-Modified-Since: " AFTER "\r\n", COND_NOT_MODIFIED },
		{ "GET", "If-Modified-Since: " BEFORE "\r\n", COND_PROCEED },
		{ "GET", "If-Modified-Since: soon\r\n", COND_PROCEED },
		{ "OPTIONS", "If-Modified-Since: " D "\r\n", COND_PROCEED },
		{ "GET", "If-None-Match: \"other\"\r\nIf-Modified-Since: " D "\r\n",
		  COND_PROCEED },
		/* 5: If-Range only with Range and GET; strong ETag or the
		 * exact date. */
		{ "GET", "Range: bytes=0-1\r\nIf-Range: " E "\r\n", COND_PROCEED },
		{ "GET", "Range: bytes=0-1\r\nIf-Range: " D "\r\n", COND_PROCEED },
		{ "GET", "Range: bytes=0-1\r\nIf-Range: \"old\"\r\n", COND_FULL },
		{ "GET", "Range: bytes=0-1\r\nIf-Range: W/" E "\r\n", COND_FULL },
		{ "GET", "Range: bytes=0-1\r\nIf-Range: " AFTER "\r\n", COND_FULL },
		{ "GET", "Range: bytes=0-1\r\nIf-Range: junk\r\n", COND_FULL },
		{ "GET", "If-Range: \"old\"\r\n", COND_PROCEED },
		{ "HEAD", "Range: bytes=0-1\r\nIf-Range: \"old\"\r\n", COND_PROCEED },
		/* A stale resume never gets a range: 412 before If-Range. */
		{ "GET", "Range: bytes=5-\r\nIf-Match: \"old\"\r\n"
		  "If-Range: " E "\r\n", COND_FAILED },
		{ "GET", "Range: bytes=5-\r\nIf-Unmodified-Since: " BEFORE "\r\n",
		  COND_FAILED },
	};
	struct request req;
	size_t i;
	enum cond_result got;

	/* Which requests a cache a second behind the disk must not answer. */
	CHECK(parse_status("GET / HTTP/1.1\r\nHost: a\r\nIf-Match: *\r\n\r\n",
	    &req) == 0 && cond_needs_current(&req));
	CHECK(parse_status("HEAD / HTTP/1.1\r\nHost: a\r\n"
	    "If-Unmodified-Since: " D "\r\n\r\n", &req) == 0 &&
	    cond_needs_current(&req));
	CHECK(parse_status("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=1-\r\n"
	    "If-Range: " E "\r\n\r\n", &req) == 0 && cond_needs_current(&req));
	CHECK(parse_status("GET / HTTP/1.1\r\nHost: a\r\nRange: bytes=1-\r\n"
	    "If-None-Match: " E "\r\nIf-Modified-Since: " D "\r\n\r\n",
	    &req) == 0 && !cond_needs_current(&req));
	CHECK(parse_status("GET / HTTP/1.1\r\nHost: a\r\nIf-Range: " E
	    "\r\n\r\n", &req) == 0 && !cond_needs_current(&req));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = cond(cases[i].method, cases[i].fields, E, T);
		CHECK(got == cases[i].want);
		if (got != cases[i].want)
			unit_note("case %zu: %s with %s: %d, want %d", i,
			    cases[i].method, cases[i].fields, (int)got,
			    (int)cases[i].want);
	}
#undef E
#undef T
#undef D
#undef BEFORE
#undef AFTER
}

int
main(void)
{
	test_path_resolve();
	test_path_open();
	test_request();
	test_range();
	test_dates();
	test_etag();
	test_mime();
	test_request_semantics();
	test_cond();
	return unit_end();
}
