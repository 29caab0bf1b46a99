/* SPDX-License-Identifier: MIT */
#ifndef SA_LOGESC_H
#define SA_LOGESC_H

#include <stddef.h>

/*
 * Outside text as it may enter a log line: a peer's Unix socket name, an
 * fd name, a path, a request's bytes. Printable ASCII stays; every other
 * byte, and the backslash and the double quote, becomes \xHH (two
 * lowercase hex digits: the notation of the access log, nginx and
 * systemd-escape). So the text holds no line break (a forged line), no
 * terminal control sequence, no byte that is not UTF-8 (the journal keeps
 * such a message as binary and journalctl hides it), and a backslash in it
 * always starts an escape: the original bytes can be read back.
 */

/* Spaces become \x20 too, so the text stays one word: for names and
 * addresses, which the access log writes as space-separated fields. */
#define LOGESC_WORD 0x1u

/*
 * Writes the len bytes at src into dst, escaped, and a NUL: at most size
 * bytes in all (size > 0). Text that does not fit is cut after a whole
 * escape and ends in "...". Returns the length written, NUL excluded.
 * Each byte takes at most 4, so 4 * len + 1 bytes always hold it all.
 */
size_t logesc(char *dst, size_t size, const void *src, size_t len,
    unsigned flags);

/* The same for the NUL-terminated string s (NULL: ""); returns dst, for a
 * printf argument. */
const char *logesc_str(char *dst, size_t size, const char *s,
    unsigned flags);

#endif
