/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for what a peer controls before a file is opened: the
 * request head (framing, llhttp, our strict checks) and then the path of
 * every head we accept, plus the header values we interpret (Range, dates,
 * ETag lists). Checks the invariants the server relies on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "headers.h"
#include "path.h"
#include "request.h"

static void
fuzz_path(const char *p, size_t len)
{
	char *out = malloc(len + 1);
	bool slash;
	size_t i, n;

	if (!out)
		return;
	if (path_resolve(p, len, out, len + 1, &slash) == 0) {
		n = strlen(out);
		/* Relative, no empty, "." or ".." segment, no dotfile. */
		if (n > len || out[0] == '/' || (n && out[n - 1] == '/'))
			abort();
		for (i = 0; i < n; i++) {
			if (out[i] == '.' && (i == 0 || out[i - 1] == '/'))
				abort();
			if (out[i] == '/' && out[i + 1] == '/')
				abort();
			if ((unsigned char)out[i] < 0x20)
				abort();
		}
	}
	free(out);
}

static void
fuzz_span(const struct span *s)
{
	uint64_t a, b;
	time_t t;
	char e[] = "\"1.2-3\"";

	if (!s->p)
		return;
	if (hdr_range_parse(s->p, s->len, 1000, &a, &b) == HDR_RANGE_OK &&
	    (a > b || b >= 1000))
		abort();
	if (hdr_range_parse(s->p, s->len, 0, &a, &b) == HDR_RANGE_OK)
		abort();
	(void)hdr_date_parse(s->p, s->len, &t);
	(void)hdr_etag_match(s->p, s->len, e, false);
	(void)hdr_etag_match(s->p, s->len, e, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	struct request req;
	size_t scanned = 0, n;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	/* Whole, then byte by byte as a slow client sends it: the same
	 * answer either way. */
	if (request_parse(buf, size, 1024, &scanned, &req) == REQUEST_DONE) {
		struct request whole = req;

		if (req.len == 0 || (req.len > size && req.status == 0))
			abort();
		scanned = 0;
		for (n = 1; n <= size; n++)
			if (request_parse(buf, n, 1024, &scanned, &req) ==
			    REQUEST_DONE)
				break;
		/* An error closes the connection: where it ended is moot. */
		if (n > size || req.status != whole.status ||
		    (req.status == 0 && req.len != whole.len))
			abort();
		if (req.status == 0) {
			if (req.path.p[0] != '/')
				abort();
			fuzz_path(req.path.p, req.path.len);
			fuzz_span(&req.range);
			fuzz_span(&req.if_none_match);
			fuzz_span(&req.if_modified_since);
			fuzz_span(&req.if_range);
		}
	}
	fuzz_path(buf, size);
	free(buf);
	return 0;
}
