/* SPDX-License-Identifier: MIT */
/* Escaping for log lines (logesc.h): a pure function, unit-tested in
 * tests/unit/test-common.c. */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "logesc.h"

static bool
logesc_plain(unsigned char c, unsigned flags)
{
	if (c == ' ')
		return !(flags & LOGESC_WORD);
	return c > ' ' && c < 0x7f && c != '"' && c != '\\';
}

size_t
logesc(char *dst, size_t size, const void *src, size_t len, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t i, o = 0, room, cut = 0;

	assert(dst && size > 0);
	room = size - 1;
	for (i = 0; i < len; i++) {
		size_t w = logesc_plain(s[i], flags) ? 1 : 4;

		/* Where "..." would go if what follows does not fit. */
		if (o + 3 <= room)
			cut = o;
		if (o + w > room)
			break;
		if (w == 1) {
			dst[o++] = (char)s[i];
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[s[i] >> 4];
			dst[o++] = hex[s[i] & 15];
		}
	}
	if (i < len) {
		/* Cut: after the last whole escape that leaves room for the
		 * mark (a dot or two of it when size is tiny). */
		o = cut;
		while (o < room && o < cut + 3)
			dst[o++] = '.';
	}
	dst[o] = '\0';
	return o;
}

const char *
logesc_str(char *dst, size_t size, const char *s, unsigned flags)
{
	logesc(dst, size, s ? s : "", s ? strlen(s) : 0, flags);
	return dst;
}
