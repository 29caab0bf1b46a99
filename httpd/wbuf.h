/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_WBUF_H
#define SA_HTTPD_WBUF_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A fixed-size output buffer for text built by hand (response heads,
 * access-log lines): what does not fit is cut and overflow set, so a
 * caller checks once at the end instead of after every piece. Pure code.
 *
 * wbuf_add() and wbuf_str() are inline: most of what they append is a
 * literal, whose length and copy the compiler then settles where it is
 * written, instead of a strlen() and a memcpy() call per piece, a dozen
 * times per response.
 */
struct wbuf {
	char *p;
	size_t len, max;	/* bytes in p, and its size */
	bool overflow;		/* something was cut */
};

/* Appends s[0..n), or as much of it as fits. */
static inline void
wbuf_add(struct wbuf *b, const char *s, size_t n)
{
	assert(b->len <= b->max);
	if (n > b->max - b->len) {
		n = b->max - b->len;
		b->overflow = true;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Appends the string s. */
static inline void
wbuf_str(struct wbuf *b, const char *s)
{
	wbuf_add(b, s, strlen(s));
}

/* Appends v in decimal. */
void wbuf_u64(struct wbuf *b, uint64_t v);

/* Room left: where the next byte goes is b->p + b->len. */
static inline size_t
wbuf_room(const struct wbuf *b)
{
	return b->max - b->len;
}

#endif
