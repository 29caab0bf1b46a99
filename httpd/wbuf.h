/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_WBUF_H
#define SA_HTTPD_WBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A fixed-size output buffer for text built by hand (response heads,
 * access-log lines): what does not fit is cut and overflow set, so a
 * caller checks once at the end instead of after every piece. Pure code.
 */
struct wbuf {
	char *p;
	size_t len, max;	/* bytes in p, and its size */
	bool overflow;		/* something was cut */
};

/* Appends s[0..n), or as much of it as fits. */
void wbuf_add(struct wbuf *b, const char *s, size_t n);
/* Appends the string s. */
void wbuf_str(struct wbuf *b, const char *s);
/* Appends v in decimal. */
void wbuf_u64(struct wbuf *b, uint64_t v);
/* Room left: where the next byte goes is b->p + b->len. */
static inline size_t
wbuf_room(const struct wbuf *b)
{
	return b->max - b->len;
}

#endif
