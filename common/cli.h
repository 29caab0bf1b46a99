/* SPDX-License-Identifier: MIT */
#ifndef SA_CLI_H
#define SA_CLI_H

#include <stddef.h>
#include "activate.h"

/* Command-line values: each returns 0, or -EINVAL/-ERANGE. */
int cli_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out);
/* "1024", "64K", "1M": bytes. */
int cli_size(const char *s, unsigned long min, unsigned long max,
    unsigned long *out);
/* Seconds, with an optional fraction ("2", "0.25"): milliseconds out. */
int cli_seconds(const char *s, unsigned max_s, unsigned *ms);

/*
 * Every socket to serve: those systemd passed, then one per --listen
 * address. Returns how many (0: none at all) with a malloc'ed array in
 * *out, or -errno with err saying which socket and why.
 */
int cli_sockets(unsigned types, char *const *listen, size_t nlisten,
    struct sock **out, char *err, size_t errlen);

#endif
