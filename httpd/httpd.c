/* SPDX-License-Identifier: MIT */
/*
 * The httpd module as the runtime sees it: its state (struct httpd), made
 * once the server exists and freed by it, and the STATUS= text.
 * Connections are client.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

/* After the last response on a connection we stop writing and read what
 * the peer still sends, for a while, then close: see conn_linger(). */
#define HTTPD_LINGER_MS 2000

static void
httpd_status(void *ctx, char *buf, size_t len)
{
	struct httpd *h = ctx;

	snprintf(buf, len, ", %llu requests",
	    (unsigned long long)server_stats(h->srv)->requests);
}

static void
httpd_free(void *ctx)
{
	struct httpd *h = ctx;

	if (h->body)
		evbuffer_free(h->body);
	cache_free(h->cache);
	free(h->key);
	free(h->writer.copy);
	free(h->writer.head);
	free(h->rel);
	free(h->rbuf);
	free(h);
}

static const struct server_module httpd_module = {
	.conn_size = sizeof(struct client),
	.conn_io = client_io,
	.conn_init = client_init,
	.conn_start = client_start,
	.conn_timeout = client_timeout,
	.conn_stop = client_stop,
	.conn_release = client_release,
	.conn_restore = client_restore,
	.status = httpd_status,
	.free = httpd_free,
};

int
httpd_new(struct server *srv, const struct httpd_conf *conf)
{
	struct httpd *h = calloc(1, sizeof(*h));
	unsigned ms[CLIENT_NTIMERS];
	int i;

	if (!h)
		return -ENOMEM;
	h->conf = *conf;
	h->srv = srv;
	/* A head holds Location:, up to three times the path, plus the
	 * query, the fixed fields and --cache-control. */
	h->writer.head_max = 4 * conf->limits.head + 4096 +
	    (conf->cache_control ? strlen(conf->cache_control) : 0);
	h->rel_size = conf->limits.head + sizeof("/index.html");
	h->rbuf = malloc(HTTPD_READ_SIZE);
	h->writer.head = malloc(h->writer.head_max);
	h->rel = malloc(h->rel_size);
	h->key = malloc(h->rel_size);
	h->cache = cache_new(conf->cache_entries, conf->cache_bytes);
	h->writer.copy = malloc(RESPONSE_COPY_MAX);
	h->writer.date = h->date;
	h->writer.cache_control = conf->cache_control;
	h->writer.bytes_out = &server_stats(srv)->bytes_out;
	h->body = evbuffer_new();
	ms[CLIENT_TIMER_HEADER] = conf->header_timeout_ms;
	ms[CLIENT_TIMER_IDLE] = conf->keepalive_timeout_ms ?
	    conf->keepalive_timeout_ms : 1;
	ms[CLIENT_TIMER_SEND] = conf->send_timeout_ms;
	ms[CLIENT_TIMER_LINGER] = HTTPD_LINGER_MS;
	for (i = 0; i < CLIENT_NTIMERS; i++)
		h->tv[i] = server_common_timeout(srv, ms[i]);
	if (!h->rbuf || !h->writer.head || !h->rel || !h->key || !h->cache ||
	    !h->writer.copy || !h->body ||
	    !h->tv[0] || !h->tv[1] || !h->tv[2] || !h->tv[3]) {
		httpd_free(h);
		return -ENOMEM;
	}
	server_attach(srv, &httpd_module, h);
	return 0;
}
