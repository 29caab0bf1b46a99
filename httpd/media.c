/* SPDX-License-Identifier: MIT */
/*
 * Content negotiation for generated pages (Accept with qvalues, ?format=):
 * see media.h. Pure code.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "media.h"

/* More than the diagnostics page offers; n beyond it is cut. */
#define MEDIA_MAX_OFFERS 8

/* How well a media range matches an offer: by specificity. */
enum {
	MEDIA_NO_MATCH = -1,
	MEDIA_MATCH_ANY,	/* the all-wildcard range */
	MEDIA_MATCH_TYPE,	/* type with a wildcard subtype */
	MEDIA_MATCH_FULL,	/* type and subtype */
};

/* RFC 9110 5.6.2 tchar. */
static bool
media_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static size_t
media_token(const char *p, const char *end)
{
	const char *s = p;

	while (s < end && media_tchar((unsigned char)*s))
		s++;
	return (size_t)(s - p);
}

static void
media_ows(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

/* A quoted-string at *p (at its opening quote); false if malformed. */
static bool
media_quoted(const char **p, const char *end)
{
	const char *s = *p + 1;

	for (; s < end; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"') {
			*p = s + 1;
			return true;
		}
		if (c == '\\') {
			if (++s == end)
				return false;
			c = (unsigned char)*s;
			if (c != '\t' && (c < 0x20 || c == 0x7f))
				return false;
		} else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
			return false;
		}
	}
	return false;
}

/* RFC 9110 12.4.2 qvalue, in thousandths; -1 if malformed. */
static int
media_qvalue(const char *s, size_t len)
{
	int q, scale = 100;
	size_t i;

	if (len == 0 || (s[0] != '0' && s[0] != '1') || len > 5 ||
	    (len > 1 && s[1] != '.'))
		return -1;
	q = (s[0] - '0') * 1000;
	for (i = 2; i < len; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/*
 * The parameters after a media range, up to the next ',' or the end:
 * *q gets the weight (1000 without one). Returns false if malformed.
 */
static bool
media_params(const char **pp, const char *end, int *q)
{
	const char *p = *pp, *name, *val;
	size_t nlen, vlen;
	bool weighted = false;

	*q = 1000;
	for (;;) {
		media_ows(&p, end);
		if (p == end || *p == ',')
			break;
		if (*p != ';')
			return false;
		p++;
		media_ows(&p, end);
		/* An empty parameter ("a/b;;c=d", "a/b;"): allowed. */
		if (p == end || *p == ';' || *p == ',')
			continue;
		name = p;
		nlen = media_token(p, end);
		p += nlen;
		if (nlen == 0 || p == end || *p != '=')
			return false;
		val = ++p;
		if (p < end && *p == '"') {
			if (!media_quoted(&p, end))
				return false;
		} else {
			p += media_token(p, end);
		}
		vlen = (size_t)(p - val);
		if (vlen == 0)
			return false;
		if (nlen == 1 && (*name == 'q' || *name == 'Q')) {
			/* One weight; what follows it are extensions. */
			if (weighted)
				return false;
			weighted = true;
			*q = media_qvalue(val, vlen);
			if (*q < 0)
				return false;
		}
	}
	*pp = p;
	return true;
}

static int
media_match(const char *type, size_t tlen, const char *sub, size_t slen,
    const char *offer)
{
	const char *slash = strchr(offer, '/');
	size_t otlen = slash ? (size_t)(slash - offer) : strlen(offer);

	if (tlen == 1 && *type == '*')
		return MEDIA_MATCH_ANY;
	if (!slash || tlen != otlen || strncasecmp(type, offer, tlen) != 0)
		return MEDIA_NO_MATCH;
	if (slen == 1 && *sub == '*')
		return MEDIA_MATCH_TYPE;
	if (slen != strlen(slash + 1) || strncasecmp(sub, slash + 1, slen) != 0)
		return MEDIA_NO_MATCH;
	return MEDIA_MATCH_FULL;
}

int
media_accept(const char *v, size_t len, const char *const *offers, size_t n)
{
	int spec[MEDIA_MAX_OFFERS], qv[MEDIA_MAX_OFFERS], q, m, best = -1;
	const char *p = v, *end, *type, *sub;
	size_t tlen, slen, i;
	bool any = false;

	if (n > MEDIA_MAX_OFFERS)
		n = MEDIA_MAX_OFFERS;
	if (!v || n == 0)
		return 0;
	end = v + len;
	for (i = 0; i < n; i++) {
		spec[i] = MEDIA_NO_MATCH;
		qv[i] = 0;
	}
	for (;;) {
		/* Empty list elements and the whitespace around them. */
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p == end)
			break;
		type = p;
		tlen = media_token(p, end);
		p += tlen;
		if (tlen == 0 || p == end || *p != '/')
			return MEDIA_INVALID;
		sub = ++p;
		slen = media_token(p, end);
		p += slen;
		if (slen == 0 || (tlen == 1 && *type == '*' &&
		    !(slen == 1 && *sub == '*')))
			return MEDIA_INVALID;
		if (!media_params(&p, end, &q))
			return MEDIA_INVALID;
		any = true;
		for (i = 0; i < n; i++) {
			m = media_match(type, tlen, sub, slen, offers[i]);
			if (m > spec[i] || (m == spec[i] && m >= 0 && q > qv[i])) {
				spec[i] = m;
				qv[i] = q;
			}
		}
	}
	if (!any)
		return 0;
	for (i = 0; i < n; i++)
		if (qv[i] > 0 && (best < 0 || qv[i] > qv[best]))
			best = (int)i;
	return best >= 0 ? best : MEDIA_UNACCEPTABLE;
}

int
media_query_format(const char *q, size_t len, const char *const *names,
    size_t n)
{
	static const char key[] = "format=";
	const size_t klen = sizeof(key) - 1;
	const char *p = q, *end, *amp, *val;
	size_t plen, i;
	int found = MEDIA_ABSENT;

	if (!q)
		return MEDIA_ABSENT;
	end = q + len;
	for (;;) {
		amp = memchr(p, '&', (size_t)(end - p));
		plen = (size_t)((amp ? amp : end) - p);
		/* "format" without a value names no format either. */
		if (plen == klen - 1 && memcmp(p, key, klen - 1) == 0)
			return MEDIA_INVALID;
		if (plen >= klen && memcmp(p, key, klen) == 0) {
			if (found != MEDIA_ABSENT)
				return MEDIA_INVALID;
			val = p + klen;
			found = MEDIA_INVALID;
			for (i = 0; i < n; i++)
				if (strlen(names[i]) == plen - klen &&
				    memcmp(names[i], val, plen - klen) == 0)
					found = (int)i;
			if (found == MEDIA_INVALID)
				return MEDIA_INVALID;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	return found;
}
