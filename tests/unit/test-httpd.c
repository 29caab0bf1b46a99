/* SPDX-License-Identifier: MIT */
/* Unit tests for the pure parts of the httpd: path resolution and the
 * safe open, ranges, dates, ETags, MIME types, preconditions; request
 * heads are test-request.c's. */
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
#include "test-httpd.h"
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
	test_requests();
	test_content();
	test_range();
	test_dates();
	test_etag();
	test_mime();
	test_cond();
	return unit_end();
}
