/* SPDX-License-Identifier: MIT */
/*
 * What follows a request head, read and dropped: Content-Length counted
 * down, or the chunked coding parsed (content.h). Pure code.
 */
#include <assert.h>
#include <string.h>

#include "content.h"

/* A chunk size never needs more hex digits than this: with 15, the size
 * is below 2^60, and anything that large is over max anyway. */
#define CONTENT_SIZE_DIGITS 15

void
content_start_length(struct content *ct, uint64_t length, uint64_t max)
{
	assert(length <= max);
	*ct = (struct content){ .state = CONTENT_LENGTH, .left = length,
	    .max = max };
	if (length == 0)
		ct->state = CONTENT_END;
}

void
content_start_chunked(struct content *ct, uint64_t max)
{
	*ct = (struct content){ .state = CONTENT_SIZE_FIRST, .max = max };
}

static int
content_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 9110 5.6.2 tchar: what a field name (and so a trailer line) starts
 * with. */
static int
content_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A byte that may appear in a chunk extension or a trailer field line:
 * anything but control characters (HTAB is whitespace) and DEL. */
static int
content_text(unsigned char c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\t';
}

enum content_result
content_skip(struct content *ct, const char *buf, size_t len, size_t *used)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = 0, n;
	int d;

	*used = 0;
	while (i < len && ct->state != CONTENT_END) {
		unsigned char c = p[i];

		if (ct->state == CONTENT_LENGTH || ct->state == CONTENT_DATA) {
			/* The bulk: as much as is there, in one step. */
			n = len - i < ct->left ? len - i : (size_t)ct->left;
			ct->left -= n;
			ct->taken += n;
			i += n;
			if (ct->left == 0)
				ct->state = ct->state == CONTENT_LENGTH ?
				    CONTENT_END : CONTENT_DATA_CR;
			continue;
		}
		if (ct->taken == ct->max)
			return CONTENT_TOO_LARGE;
		ct->taken++;
		i++;
		switch (ct->state) {
		case CONTENT_SIZE_FIRST:
		case CONTENT_SIZE:
			d = content_hex(c);
			if (d >= 0) {
				if (ct->state == CONTENT_SIZE &&
				    ct->left >> (4 * (CONTENT_SIZE_DIGITS - 1)))
					return CONTENT_TOO_LARGE;
				ct->left = ct->left * 16 + (uint64_t)d;
				ct->state = CONTENT_SIZE;
			} else if (ct->state == CONTENT_SIZE_FIRST) {
				return CONTENT_INVALID;
			} else if (c == '\r') {
				ct->state = CONTENT_SIZE_LF;
			} else if (c == ';') {
				ct->state = CONTENT_EXT;
			} else if (c == ' ' || c == '\t') {
				ct->state = CONTENT_EXT_BWS;
			} else {
				return CONTENT_INVALID;
			}
			break;
		case CONTENT_EXT_BWS:
			/* chunk-ext = *( BWS ";" ... ): whitespace, then ';'. */
			if (c == ';')
				ct->state = CONTENT_EXT;
			else if (c != ' ' && c != '\t')
				return CONTENT_INVALID;
			break;
		case CONTENT_EXT:
			/* Its grammar matters not: it ends at CR, which no
			 * token or quoted-string may hold. */
			if (c == '\r')
				ct->state = CONTENT_SIZE_LF;
			else if (!content_text(c))
				return CONTENT_INVALID;
			break;
		case CONTENT_SIZE_LF:
			if (c != '\n')
				return CONTENT_INVALID;
			if (ct->left == 0) {
				ct->state = CONTENT_TRAILER_START;
			} else if (ct->left > ct->max - ct->taken) {
				/* Announced beyond the bound: no need to read
				 * it to know. */
				return CONTENT_TOO_LARGE;
			} else {
				ct->state = CONTENT_DATA;
			}
			break;
		case CONTENT_DATA_CR:
			if (c != '\r')
				return CONTENT_INVALID;
			ct->state = CONTENT_DATA_LF;
			break;
		case CONTENT_DATA_LF:
			if (c != '\n')
				return CONTENT_INVALID;
			ct->state = CONTENT_SIZE_FIRST;
			break;
		case CONTENT_TRAILER_START:
			if (c == '\r')
				ct->state = CONTENT_END_LF;
			else if (content_tchar(c))
				ct->state = CONTENT_TRAILER;
			else
				return CONTENT_INVALID;
			break;
		case CONTENT_TRAILER:
			if (c == '\r')
				ct->state = CONTENT_TRAILER_LF;
			else if (!content_text(c))
				return CONTENT_INVALID;
			break;
		case CONTENT_TRAILER_LF:
			if (c != '\n')
				return CONTENT_INVALID;
			ct->state = CONTENT_TRAILER_START;
			break;
		case CONTENT_END_LF:
			if (c != '\n')
				return CONTENT_INVALID;
			ct->state = CONTENT_END;
			break;
		case CONTENT_LENGTH:
		case CONTENT_DATA:
		case CONTENT_END:
			break;
		}
	}
	*used = i;
	return ct->state == CONTENT_END ? CONTENT_DONE : CONTENT_MORE;
}
