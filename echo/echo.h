/* SPDX-License-Identifier: MIT */
#ifndef SA_ECHO_H
#define SA_ECHO_H

#include "server.h"

struct echo_conf {
	size_t max_buffer;	/* bytes read at once, and held for a slow reader */
	size_t max_datagram;	/* larger datagrams and records are dropped */
	unsigned udp_rate;	/* replies per second per source, 0: no limit */
	unsigned udp_global_rate; /* replies per second in all, 0: no limit */
};

struct echo;

struct echo *echo_new(const struct echo_conf *conf);
/* What the shared server runtime calls; ctx is the struct echo. */
extern const struct server_ops echo_ops;
/* Frees connections still open (after a shutdown timeout) and the rest. */
void echo_free(struct echo *e);

#endif
