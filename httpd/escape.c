/* SPDX-License-Identifier: MIT */
/*
 * Escaping for HTML, URLs, JSON strings and log fields: see escape.h.
 * Pure code.
 */
#include <stdint.h>
#include <string.h>

#include "escape.h"

static const char escape_hex_upper[] = "0123456789ABCDEF";
static const char escape_hex_lower[] = "0123456789abcdef";

/*
 * The snprintf() part every escape_fn shares: appends the k bytes at w
 * to dst if they fit whole (with room left for the NUL), and counts them
 * either way. Once one piece did not fit, nothing more is written: a
 * result is cut between escapes, never inside one or with a hole.
 */
struct escape_out {
	char *dst;
	size_t size, written, needed;
	bool full;
};

static void
escape_put(struct escape_out *o, const char *w, size_t k)
{
	if (!o->full && o->written + k < o->size) {
		memcpy(o->dst + o->written, w, k);
		o->written += k;
	} else {
		o->full = true;
	}
	o->needed += k;
}

static size_t
escape_end(struct escape_out *o)
{
	if (o->dst && o->size > 0)
		o->dst[o->written] = '\0';
	return o->needed;
}

size_t
escape_html(char *dst, size_t size, const char *s, size_t len)
{
	struct escape_out o = { .dst = dst, .size = size };
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':  escape_put(&o, "&amp;", 5); break;
		case '<':  escape_put(&o, "&lt;", 4); break;
		case '>':  escape_put(&o, "&gt;", 4); break;
		case '"':  escape_put(&o, "&quot;", 6); break;
		case '\'': escape_put(&o, "&#39;", 5); break;
		default:   escape_put(&o, s + i, 1); break;
		}
	}
	return escape_end(&o);
}

static size_t
escape_url(char *dst, size_t size, const char *s, size_t len,
    bool keep_slash)
{
	struct escape_out o = { .dst = dst, .size = size };
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~' || (keep_slash && c == '/')) {
			escape_put(&o, s + i, 1);
		} else {
			char e[3] = { '%', escape_hex_upper[c >> 4],
			    escape_hex_upper[c & 15] };

			escape_put(&o, e, 3);
		}
	}
	return escape_end(&o);
}

size_t
escape_url_path(char *dst, size_t size, const char *s, size_t len)
{
	return escape_url(dst, size, s, len, true);
}

size_t
escape_url_segment(char *dst, size_t size, const char *s, size_t len)
{
	return escape_url(dst, size, s, len, false);
}

/* The length of the well-formed UTF-8 sequence at s (Unicode 15, table
 * 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t
escape_utf8_len(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* The JSON escape for a control character or DEL into e; returns its
 * length. */
static size_t
escape_json_control(unsigned char c, char e[8])
{
	e[0] = '\\';
	switch (c) {
	case '\b': e[1] = 'b'; return 2;
	case '\f': e[1] = 'f'; return 2;
	case '\n': e[1] = 'n'; return 2;
	case '\r': e[1] = 'r'; return 2;
	case '\t': e[1] = 't'; return 2;
	default:
		memcpy(e + 1, "u00", 3);
		e[4] = escape_hex_lower[c >> 4];
		e[5] = escape_hex_lower[c & 15];
		return 6;
	}
}

size_t
escape_json(char *dst, size_t size, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	struct escape_out o = { .dst = dst, .size = size };
	size_t i = 0, k, n;
	char e[8];

	while (i < len) {
		n = 1;
		if (u[i] == '"' || u[i] == '\\') {
			e[0] = '\\';
			e[1] = (char)u[i];
			escape_put(&o, e, 2);
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			k = escape_json_control(u[i], e);
			escape_put(&o, e, k);
		} else if (u[i] < 0x80) {
			escape_put(&o, s + i, 1);
		} else if ((n = escape_utf8_len(u + i, len - i)) > 0) {
			escape_put(&o, s + i, n);
		} else {
			escape_put(&o, "\\ufffd", 6);
			n = 1;
		}
		i += n;
	}
	return escape_end(&o);
}

size_t
escape_log(char *dst, size_t size, const char *s, size_t len, size_t max,
    bool spaces)
{
	size_t i, o = 0;

	for (i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		bool plain = (c >= 0x21 && c < 0x7f && c != '"' && c != '\\') ||
		    (c == ' ' && spaces);

		/* Room for this byte, for the "..." after it, and the NUL. */
		if (o + (plain ? 1 : 4) + 4 >= size)
			break;
		if (plain) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = escape_hex_lower[c >> 4];
			dst[o++] = escape_hex_lower[c & 15];
		}
	}
	if (i < len && o + 4 < size) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	if (size > 0)
		dst[o] = '\0';
	return o;
}
