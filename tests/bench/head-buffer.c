/* SPDX-License-Identifier: MIT */
/*
 * Why httpd/response.c writes a response head into a fixed array instead
 * of an evbuffer: both build the head of a 200 for a 612-byte file, with
 * the body joined behind it (as response.c does for bodies up to 4 KiB),
 * N times in the same run, and print the time per response. The evbuffer
 * variant also peeks the iovecs sendmsg() would take and drains them.
 *
 *     cc -O2 -o build/bench/head-buffer tests/bench/head-buffer.c -levent_core
 *     taskset -c 0 build/bench/head-buffer [N]
 */
#include <event2/buffer.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct wbuf {
	char *p;
	size_t len, max;
};

static const char *date = "Wed, 02 Dec 2026 01:40:00 GMT";
static const char *type = "text/html; charset=utf-8";
static const char *lastmod = "Tue, 01 Dec 2026 20:50:00 GMT";
static const char *etag = "\"5f3a-264-1a2b3c\"";
static char body[612];
static volatile size_t sink;

static void
wbuf_add(struct wbuf *b, const char *s, size_t n)
{
	if (n > b->max - b->len)
		n = b->max - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static size_t
u64_text(char tmp[24], uint64_t v, char **start)
{
	char *p = tmp + 24;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	*start = p;
	return (size_t)(tmp + 24 - p);
}

/* The pieces of the head, in order, as response.c writes them. */
#define HEAD_PIECES(add, num)                                              \
	do {                                                               \
		add("HTTP/1.1 ", 9);                                       \
		num(200);                                                  \
		add(" OK\r\nServer: socket-activate-httpd\r\nDate: ", 42); \
		add(date, strlen(date));                                   \
		add("\r\nContent-Type: ", 16);                             \
		add(type, strlen(type));                                   \
		add("\r\nContent-Length: ", 18);                           \
		num(612);                                                  \
		add("\r\nLast-Modified: ", 17);                            \
		add(lastmod, strlen(lastmod));                             \
		add("\r\nETag: ", 8);                                      \
		add(etag, strlen(etag));                                   \
		add("\r\nAccept-Ranges: bytes\r\n\r\n", 26);               \
		add(body, sizeof(body));                                   \
	} while (0)

static void
fixed(long n)
{
	static char head[2048];
	char tmp[24], *p;
	long i;

	for (i = 0; i < n; i++) {
		struct wbuf b = { head, 0, sizeof(head) };
#define ADD(s, len) wbuf_add(&b, (s), (len))
#define NUM(v) wbuf_add(&b, p, u64_text(tmp, (v), &p))
		HEAD_PIECES(ADD, NUM);
#undef ADD
#undef NUM
		sink += b.len;
	}
}

static void
evbuf(long n)
{
	struct evbuffer *eb = evbuffer_new();
	struct evbuffer_iovec v[4];
	char tmp[24], *p;
	long i;
	int k, m;

	for (i = 0; i < n; i++) {
		size_t total = 0;
#define ADD(s, len) evbuffer_add(eb, (s), (len))
#define NUM(v) evbuffer_add(eb, p, u64_text(tmp, (v), &p))
		HEAD_PIECES(ADD, NUM);
#undef ADD
#undef NUM
		m = evbuffer_peek(eb, -1, NULL, v, 4);
		for (k = 0; k < m && k < 4; k++)
			total += v[k].iov_len;
		sink += total;
		evbuffer_drain(eb, total);
	}
	evbuffer_free(eb);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 5000000;
	double t0, t1, t2;

	if (n <= 0)
		n = 5000000;
	memset(body, 'x', sizeof(body));
	t0 = now();
	fixed(n);
	t1 = now();
	evbuf(n);
	t2 = now();
	printf("head + 612 B body, %ld times: fixed array %.1f ns, "
	    "evbuffer (add, peek, drain) %.1f ns per response\n",
	    n, (t1 - t0) * 1e9 / (double)n, (t2 - t1) * 1e9 / (double)n);
	return 0;
}
