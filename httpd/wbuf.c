/* SPDX-License-Identifier: MIT */
/*
 * The fixed-size output buffer (wbuf.h). Built by hand, not with printf:
 * the response head and the access-log line are written for every request,
 * and vsnprintf() costs many times these few copies.
 */
#include <assert.h>
#include <string.h>

#include "wbuf.h"

void
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

void
wbuf_str(struct wbuf *b, const char *s)
{
	wbuf_add(b, s, strlen(s));
}

void
wbuf_u64(struct wbuf *b, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	wbuf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}
