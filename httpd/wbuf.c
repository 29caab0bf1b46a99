/* SPDX-License-Identifier: MIT */
/*
 * The fixed-size output buffer (wbuf.h). Built by hand, not with printf:
 * the response head and the access-log line are written for every request,
 * and vsnprintf() costs many times these few copies.
 */
#include "wbuf.h"

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
