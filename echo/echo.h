/* SPDX-License-Identifier: MIT */
#ifndef SA_ECHO_H
#define SA_ECHO_H

#include "server.h"

/* The echo module: what socket-activate-echo does with its sockets. */

struct echo_conf {
	size_t max_buffer;	/* bytes read at once, and held for a slow reader */
	size_t max_datagram;	/* larger datagrams and records are dropped */
	unsigned udp_rate;	/* replies per second per source, 0: no limit */
	unsigned udp_global_rate; /* replies per second in all, 0: no limit */
	unsigned idle_timeout_ms; /* close connections idle this long, 0: never */
};

/* Attaches the echo module to srv, which frees it. Returns 0 or -ENOMEM. */
int echo_new(struct server *srv, const struct echo_conf *conf);

#endif
