/* SPDX-License-Identifier: MIT */
#ifndef SA_HTTPD_HTTPD_H
#define SA_HTTPD_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"

/* Where the built-in diagnostic page answers (--diagnostics). */
#define HTTPD_DIAG_PATH "/.well-known/socket-activate"

struct httpd_conf {
	int rootfd;			/* the directory served, opened once */
	size_t max_header;		/* request line + header fields */
	unsigned header_timeout_ms;	/* a whole head must arrive in this */
	unsigned keepalive_timeout_ms;	/* idle between requests; 0: close */
	unsigned send_timeout_ms;	/* a reader that takes nothing this long */
	bool no_symlinks;
	bool list_dirs;
	bool diagnostics;
	bool access_log;
};

struct httpd;

struct httpd *httpd_new(const struct httpd_conf *conf);
/* What the shared server runtime calls; ctx is the struct httpd. */
extern const struct server_ops httpd_ops;
/* Frees connections still open (after a shutdown timeout) and the rest. */
void httpd_free(struct httpd *h);

#endif
