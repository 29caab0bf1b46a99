/* SPDX-License-Identifier: MIT */
/*
 * The diagnostics page (--diagnostics, at HTTPD_DIAG_PATH): what the server
 * knows about the connection it answers on, so a client can see whether
 * its address arrived intact and how the socket came to the server.
 */
#include <stdio.h>
#include <sys/socket.h>

#include "httpd.h"

int
diag_make(struct client *c, const struct request *req, struct resp *r)
{
	struct httpd *h = c->h;
	const struct sock *s = c->base.sock;
	char local[ADDR_STRLEN], pt[PEER_TEXT_MAX];
	union addr_any a;
	socklen_t len = sizeof(a);

	if (getsockname(c->base.fd, &a.sa, &len) < 0)
		len = 0;
	addr_format(&a.sa, len, local, sizeof(local));
	if (evbuffer_add_printf(h->body,
	    "socket-activate-httpd diagnostics\n"
	    "\n"
	    "client address:  %s\n"
	    "server address:  %s\n"
	    "socket address:  %s\n"
	    "socket family:   %s\n"
	    "fd name:         %s\n"
	    "socket:          %s\n"
	    "from systemd:    %s\n"
	    "request:         %.*s %.*s HTTP/1.%d\n"
	    "\n"
	    "If the client address is not the address of your client, something\n"
	    "between them (a proxy, NAT, or a user-mode network such as slirp4netns\n"
	    "or rootlessport) replaced it.\n",
	    peer_text(&c->base.peer, pt), local, s->local, addr_family_name(s->family),
	    s->name,
	    !s->activated ? "bound by the server itself (--listen)" :
	    s->listening ? "listening socket passed by systemd (Accept=no)" :
	    "connection passed by systemd (Accept=yes)",
	    s->activated ? "yes" : "no",
	    (int)req->method_name.len, req->method_name.p,
	    (int)(req->target.len > 512 ? 512 : req->target.len), req->target.p,
	    req->minor) < 0)
		return 500;
	r->body = (const char *)evbuffer_pullup(h->body, -1);
	if (!r->body)
		return 500;
	r->type = "text/plain; charset=utf-8";
	r->body_len = evbuffer_get_length(h->body);
	r->no_store = true;
	return 200;
}
