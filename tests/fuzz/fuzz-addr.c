/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for --listen address parsing: any input either fails
 * with an error message or parses to an address whose text is one word of
 * printable ASCII (safe in a log line) and, unless it had to escape bytes,
 * parses back to the very same socket address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *prefix[] = { "", "tcp:", "udp:", "seqpacket:" };
	struct addr_spec a, b;
	char *s, err[256], fmt[ADDR_STRLEN], again[ADDR_STRLEN + 16];
	size_t i;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err[0] = '\0';
	if (addr_parse(s, &a, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort();	/* every failure says why */
		goto out;
	}
	if (a.len == 0 || a.len > sizeof(a.addr))
		abort();
	addr_format(&a.addr.sa, a.len, fmt, sizeof(fmt));
	for (i = 0; fmt[i]; i++)
		if (fmt[i] <= ' ' || fmt[i] >= 0x7f)
			abort();	/* a byte a log line must not get */
	/* Abstract names may hold bytes the text form cannot carry back, and
	 * escaped bytes come back as their escapes. */
	if ((a.addr.sa.sa_family == AF_UNIX && fmt[0] == '@') ||
	    strchr(fmt, '\\'))
		goto out;
	strcpy(again, prefix[a.type == SOCK_DGRAM ? 2 :
	    a.type == SOCK_SEQPACKET ? 3 : 0]);
	strcat(again, fmt);
	if (addr_parse(again, &b, err, sizeof(err)) < 0 || b.type != a.type ||
	    b.len != a.len || memcmp(&a.addr, &b.addr, a.len) != 0)
		abort();
out:
	free(s);
	return 0;
}
