/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "headers.h"

static const char hdr_days[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};
static const char hdr_months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

char *
hdr_date_format(time_t t, char buf[HDR_DATE_LEN])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0) {
		/* Beyond what the format can say: the epoch, not garbage. */
		memcpy(buf, "Thu, 01 Jan 1970 00:00:00 GMT", HDR_DATE_LEN);
		return buf;
	}
	snprintf(buf, HDR_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    hdr_days[tm.tm_wday], tm.tm_mday, hdr_months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

/* Reads exactly n digits (n <= 4). Returns the value or -1. */
static int
hdr_digits(const char **s, const char *end, int n)
{
	int v = 0;

	if (end - *s < n)
		return -1;
	while (n-- > 0) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (*(*s)++ - '0');
	}
	return v;
}

static int
hdr_lit(const char **s, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *s) < n || memcmp(*s, lit, n) != 0)
		return -1;
	*s += n;
	return 0;
}

static int
hdr_month(const char **s, const char *end)
{
	int i;

	if (end - *s < 3)
		return -1;
	for (i = 0; i < 12; i++)
		if (memcmp(*s, hdr_months[i], 3) == 0) {
			*s += 3;
			return i;
		}
	return -1;
}

/* "HH:MM:SS" */
static int
hdr_clock(const char **s, const char *end, struct tm *tm)
{
	tm->tm_hour = hdr_digits(s, end, 2);
	if (tm->tm_hour < 0 || hdr_lit(s, end, ":") < 0)
		return -1;
	tm->tm_min = hdr_digits(s, end, 2);
	if (tm->tm_min < 0 || hdr_lit(s, end, ":") < 0)
		return -1;
	tm->tm_sec = hdr_digits(s, end, 2);
	if (tm->tm_sec < 0 || tm->tm_hour > 23 || tm->tm_min > 59 ||
	    tm->tm_sec > 60)
		return -1;
	return 0;
}

int
hdr_date_parse(const char *s, size_t len, time_t *t)
{
	const char *end = s + len, *comma = memchr(s, ',', len);
	struct tm tm;
	int i;

	memset(&tm, 0, sizeof(tm));
	/* The day name only tells the form; its value is redundant. */
	for (i = 0; i < 7; i++)
		if (len >= 3 && memcmp(s, hdr_days[i], 3) == 0)
			break;
	if (i == 7)
		return -1;
	if (comma == s + 3) {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		s += 4;
		if (hdr_lit(&s, end, " ") < 0 ||
		    (tm.tm_mday = hdr_digits(&s, end, 2)) < 0 ||
		    hdr_lit(&s, end, " ") < 0 ||
		    (tm.tm_mon = hdr_month(&s, end)) < 0 ||
		    hdr_lit(&s, end, " ") < 0 ||
		    (tm.tm_year = hdr_digits(&s, end, 4)) < 0 ||
		    hdr_lit(&s, end, " ") < 0 || hdr_clock(&s, end, &tm) < 0 ||
		    hdr_lit(&s, end, " GMT") < 0)
			return -1;
		tm.tm_year -= 1900;
	} else if (comma) {
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; two-digit
		 * years are taken as 1970-2069. */
		s = comma + 1;
		if (hdr_lit(&s, end, " ") < 0 ||
		    (tm.tm_mday = hdr_digits(&s, end, 2)) < 0 ||
		    hdr_lit(&s, end, "-") < 0 ||
		    (tm.tm_mon = hdr_month(&s, end)) < 0 ||
		    hdr_lit(&s, end, "-") < 0 ||
		    (tm.tm_year = hdr_digits(&s, end, 2)) < 0 ||
		    hdr_lit(&s, end, " ") < 0 || hdr_clock(&s, end, &tm) < 0 ||
		    hdr_lit(&s, end, " GMT") < 0)
			return -1;
		if (tm.tm_year < 70)
			tm.tm_year += 100;
	} else {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		s += 3;
		if (hdr_lit(&s, end, " ") < 0 ||
		    (tm.tm_mon = hdr_month(&s, end)) < 0 ||
		    hdr_lit(&s, end, " ") < 0)
			return -1;
		if (s < end && *s == ' ') {
			s++;
			tm.tm_mday = hdr_digits(&s, end, 1);
		} else {
			tm.tm_mday = hdr_digits(&s, end, 2);
		}
		if (tm.tm_mday < 0 || hdr_lit(&s, end, " ") < 0 ||
		    hdr_clock(&s, end, &tm) < 0 || hdr_lit(&s, end, " ") < 0 ||
		    (tm.tm_year = hdr_digits(&s, end, 4)) < 0)
			return -1;
		tm.tm_year -= 1900;
	}
	if (s != end || tm.tm_mday < 1 || tm.tm_mday > 31)
		return -1;
	*t = timegm(&tm);
	return 0;
}

static char *
hdr_hex(char *p, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* "\"SEC.NSEC-SIZE\"" in hex: at most 1 + 16 + 1 + 8 + 1 + 16 + 1 + 1 bytes. */
char *
hdr_etag_format(const struct stat *st, char buf[HDR_ETAG_LEN])
{
	char *p = buf;

	*p++ = '"';
	p = hdr_hex(p, (uint64_t)st->st_mtim.tv_sec);
	*p++ = '.';
	p = hdr_hex(p, (uint64_t)st->st_mtim.tv_nsec % 1000000000u);
	*p++ = '-';
	p = hdr_hex(p, (uint64_t)st->st_size);
	*p++ = '"';
	*p = '\0';
	return buf;
}

bool
hdr_etag_match(const char *s, size_t len, const char *etag, bool strong)
{
	const char *end = s + len, *q;
	size_t elen = strlen(etag);
	bool weak;

	for (;;) {
		while (s < end && (*s == ' ' || *s == '\t' || *s == ','))
			s++;
		if (s == end)
			return false;
		if (*s == '*') {
			for (s++; s < end && (*s == ' ' || *s == '\t'); s++)
				;
			return s == end;
		}
		weak = false;
		if (end - s >= 2 && s[0] == 'W' && s[1] == '/') {
			weak = true;
			s += 2;
		}
		if (s == end || *s != '"')
			return false;
		q = memchr(s + 1, '"', (size_t)(end - s - 1));
		if (!q)
			return false;
		if ((size_t)(q + 1 - s) == elen && memcmp(s, etag, elen) == 0 &&
		    !(strong && weak))
			return true;
		s = q + 1;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s < end && *s != ',')
			return false;
	}
}

/* Decimal digits, saturating at UINT64_MAX. Returns the count read. */
static size_t
hdr_u64(const char *s, const char *end, uint64_t *v)
{
	size_t n = 0;

	*v = 0;
	for (; s < end && *s >= '0' && *s <= '9'; s++, n++) {
		unsigned d = (unsigned)(*s - '0');

		*v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
	}
	return n;
}

enum hdr_range
hdr_range_parse(const char *s, size_t len, uint64_t size, uint64_t *first,
    uint64_t *last)
{
	const char *end = s + len;
	uint64_t a, b;
	size_t n;

	if (len < 6 || strncasecmp(s, "bytes=", 6) != 0)
		return HDR_RANGE_NONE;
	s += 6;
	if (memchr(s, ',', (size_t)(end - s)))
		return HDR_RANGE_NONE;	/* several ranges: 200 with all */
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (s < end && *s == '-') {
		/* The last b bytes. */
		n = hdr_u64(s + 1, end, &b);
		if (n == 0 || s + 1 + n != end)
			return HDR_RANGE_NONE;
		if (b == 0 || size == 0)
			return HDR_RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return HDR_RANGE_OK;
	}
	n = hdr_u64(s, end, &a);
	if (n == 0 || s + n == end || s[n] != '-')
		return HDR_RANGE_NONE;
	s += n + 1;
	if (s == end) {
		b = UINT64_MAX;
	} else {
		n = hdr_u64(s, end, &b);
		if (s + n != end || b < a)
			return HDR_RANGE_NONE;
	}
	if (a >= size)
		return HDR_RANGE_UNSATISFIABLE;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return HDR_RANGE_OK;
}

struct hdr_mime {
	const char *ext;
	const char *type;
};

/* Sorted by extension, for bsearch. */
static const struct hdr_mime hdr_mimes[] = {
	{ "avif", "image/avif" },
	{ "bmp", "image/bmp" },
	{ "css", "text/css; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "htm", "text/html; charset=utf-8" },
	{ "html", "text/html; charset=utf-8" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "json", "application/json; charset=utf-8" },
	{ "map", "application/json; charset=utf-8" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "oga", "audio/ogg" },
	{ "ogg", "audio/ogg" },
	{ "ogv", "video/ogg" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "svg", "image/svg+xml" },
	{ "tar", "application/x-tar" },
	{ "ttf", "font/ttf" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "wasm", "application/wasm" },
	{ "wav", "audio/wav" },
	{ "webm", "video/webm" },
	{ "webmanifest", "application/manifest+json; charset=utf-8" },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xml", "application/xml; charset=utf-8" },
	{ "xz", "application/x-xz" },
	{ "zip", "application/zip" },
	{ "zst", "application/zstd" },
};

static int
hdr_mime_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct hdr_mime *)elem)->ext);
}

const char *
hdr_mime_type(const char *name)
{
	const char *base = strrchr(name, '/'), *dot;
	const struct hdr_mime *m;
	char ext[16];
	size_t i, n;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return "application/octet-stream";
	n = strlen(dot + 1);
	if (n == 0 || n >= sizeof(ext))
		return "application/octet-stream";
	for (i = 0; i < n; i++) {
		char c = dot[1 + i];

		ext[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	ext[n] = '\0';
	m = bsearch(ext, hdr_mimes, sizeof(hdr_mimes) / sizeof(hdr_mimes[0]),
	    sizeof(hdr_mimes[0]), hdr_mime_cmp);
	return m ? m->type : "application/octet-stream";
}
