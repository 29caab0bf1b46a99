/* SPDX-License-Identifier: MIT */
/*
 * The diagnostics page (--diagnostics, at HTTPD_DIAG_PATH): what the server
 * knows about the connection it answers on, so a client can see whether
 * its address arrived intact and how the socket came to the server; and
 * where the server runs (a container or not, its network interfaces), as
 * found at start. Plain text (the default, unchanged for curl), HTML for
 * browsers, JSON for scripts, by Accept or ?format= (media.c).
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd.h"
#include "log.h"
#include "media.h"

/* The forms, in the order a client that accepts anything gets them. */
enum diag_form { DIAG_TEXT, DIAG_HTML, DIAG_JSON, DIAG_NFORMS };
static const char *const diag_types[DIAG_NFORMS] = {
	"text/plain", "text/html", "application/json",
};
static const char *const diag_formats[DIAG_NFORMS] = { "text", "html", "json" };
static const char *const diag_content_types[DIAG_NFORMS] = {
	"text/plain; charset=utf-8", "text/html; charset=utf-8",
	"application/json",
};

/*
 * The HTML form loads nothing and runs nothing: its one inline style is
 * allowed by its hash, which must change with it (tests/25-httpd-diag.bats
 * prints the right one, and a browser refuses the style otherwise).
 */
#define DIAG_STYLE \
	"body{font:16px/1.5 system-ui,sans-serif;max-width:46em;" \
	"margin:2em auto;padding:0 1em;color:#222}" \
	"h1{font-size:1.5em}" \
	"table{border-collapse:collapse;width:100%}" \
	"th,td{text-align:left;vertical-align:baseline;padding:.3em .6em;" \
	"border-bottom:1px solid #ddd}" \
	"th{font-weight:600;white-space:nowrap}" \
	"td{font:14px/1.5 ui-monospace,monospace;word-break:break-all}" \
	".note{border-left:4px solid #7a7;padding-left:.8em}"
#define DIAG_STYLE_HASH "sha256-Rs23yV2ENgPafLlCWZM84G32sVY4AqauNq0LHfLgtrQ="
static const char diag_csp[] = "default-src 'none'; style-src '"
    DIAG_STYLE_HASH "'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

/* What the page says about one connection, formatted once for all forms. */
struct diag_view {
	const struct peer *peer;
	char peer_text[PEER_TEXT_MAX];	/* as log lines show it */
	const struct sock *sock;
	const struct diag_env *env;
	char server[ADDR_STRLEN];	/* getsockname() of this connection */
	char client_host[ADDR_STRLEN];	/* the client's address, no port */
	long long client_port;		/* -1: none (Unix) */
	const char *socket;		/* how the socket came to the server */
	struct span method;		/* as GET would show it: see diag_view() */
	char request[600];		/* the request line, target cut at 512 */
};

void
diag_probe(struct diag_env *env)
{
	struct ifaddrs *ifa, *i;
	const char *v = getenv("container");
	unsigned k;

	memset(env, 0, sizeof(*env));
	/* podman writes /run/.containerenv into every container, Docker
	 * /.dockerenv; podman and systemd-nspawn set $container. */
	env->containerenv = access("/run/.containerenv", F_OK) == 0;
	env->dockerenv = access("/.dockerenv", F_OK) == 0;
	if (v)
		snprintf(env->container_var, sizeof(env->container_var), "%s", v);
	if (getifaddrs(&ifa) < 0)
		return;
	env->ifs_known = true;
	/* One entry per address and family: each name once. */
	for (i = ifa; i; i = i->ifa_next) {
		for (k = 0; k < env->nifs; k++)
			if (strncmp(env->ifs[k], i->ifa_name,
			    sizeof(env->ifs[k])) == 0)
				break;
		if (k < env->nifs)
			continue;
		if (env->nifs == DIAG_MAX_IFS) {
			env->ifs_more = true;
			break;
		}
		snprintf(env->ifs[env->nifs++], sizeof(env->ifs[0]), "%s",
		    i->ifa_name);
	}
	freeifaddrs(ifa);
}

static bool
diag_in_container(const struct diag_env *env)
{
	return env->containerenv || env->dockerenv || env->container_var[0];
}

static void
diag_view(struct client *c, const struct request *req, struct diag_view *v)
{
	const struct peer *p = &c->base.peer;
	const struct sock *s = c->base.sock;
	union addr_any a;
	socklen_t len = sizeof(a);

	v->peer = p;
	peer_text(p, v->peer_text);
	v->sock = s;
	v->env = &c->h->conf.env;
	if (getsockname(c->base.fd, &a.sa, &len) < 0)
		len = 0;
	addr_format(&a.sa, len, v->server, sizeof(v->server));
	/* The access log's host is the address without its port (but for a
	 * Unix client it names the credentials: its address is what it is). */
	v->client_port = -1;
	switch (p->addrlen >= sizeof(sa_family_t) ? p->addr.sa.sa_family :
	    AF_UNSPEC) {
	case AF_INET:
		v->client_port = ntohs(p->addr.in.sin_port);
		break;
	case AF_INET6:
		v->client_port = ntohs(p->addr.in6.sin6_port);
		break;
	case AF_VSOCK:
		v->client_port = p->addr.vm.svm_port;
		break;
	}
	if (v->client_port >= 0)
		accesslog_host(p, s->family, v->client_host,
		    sizeof(v->client_host));
	else
		snprintf(v->client_host, sizeof(v->client_host), "%s",
		    p->addr_text);
	v->socket = !s->activated ? "bound by the server itself (--listen)" :
	    s->listening ? "listening socket passed by systemd (Accept=no)" :
	    "connection passed by systemd (Accept=yes)";
	/* The page shows the request line, and HEAD must announce the
	 * length GET would send (RFC 9110 9.3.2): HEAD describes the page
	 * GET gets, which says GET. */
	v->method = req->method == REQUEST_HEAD ?
	    (struct span){ "GET", 3 } : req->method_name;
	snprintf(v->request, sizeof(v->request), "%.*s %.*s HTTP/1.%d",
	    (int)v->method.len, v->method.p,
	    (int)(req->target.len > 512 ? 512 : req->target.len), req->target.p,
	    req->minor);
}

/* The rows the text and HTML forms share, in order. */
static size_t
diag_rows(const struct diag_view *v, const char *label[8],
    const char *value[8])
{
	size_t n = 0;

#define ROW(l, val) (label[n] = (l), value[n++] = (val))
	ROW("client address", v->peer_text);
	ROW("server address", v->server);
	ROW("socket address", v->sock->local);
	ROW("socket family", addr_family_name(v->sock->family));
	ROW("fd name", v->sock->name);
	ROW("socket", v->socket);
	ROW("from systemd", v->sock->activated ? "yes" : "no");
	ROW("request", v->request);
#undef ROW
	return n;
}

static const char diag_why[] =
    "If the client address is not the address of your client, something\n"
    "between them (a proxy, NAT, or a user-mode network such as slirp4netns\n"
    "or rootlessport) replaced it.\n";

/* Byte for byte what the page was before it had other forms: scripts
 * and documentation read it. */
static int
diag_text(struct evbuffer *b, const struct diag_view *v)
{
	const char *label[8], *value[8];
	size_t i, n = diag_rows(v, label, value);
	char l[32];

	evbuffer_add_printf(b, "socket-activate-httpd diagnostics\n\n");
	for (i = 0; i < n; i++) {
		snprintf(l, sizeof(l), "%s:", label[i]);
		evbuffer_add_printf(b, "%-17s%s\n", l, value[i]);
	}
	return evbuffer_add_printf(b, "\n%s", diag_why) < 0 ? -1 : 0;
}

static void
diag_html_row(struct evbuffer *b, const char *label, const char *id,
    const char *value)
{
	evbuffer_add_printf(b, "<tr><th>%s</th><td id=\"%s\">", label, id);
	httpd_add_escaped(b, escape_html, value, strlen(value));
	evbuffer_add_printf(b, "</td></tr>\n");
}

/* "/run/.containerenv, container=podman", or "" outside a container. */
static void
diag_container_text(const struct diag_env *env, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s%s",
	    env->containerenv ? "/run/.containerenv" : "",
	    env->containerenv && (env->dockerenv || env->container_var[0]) ?
	    ", " : "",
	    env->dockerenv ? "/.dockerenv" : "",
	    env->dockerenv && env->container_var[0] ? ", " : "",
	    env->container_var[0] ? "container=" : "", env->container_var);
}

static void
diag_ifs_text(const struct diag_env *env, char *buf, size_t size)
{
	size_t used = 0;
	unsigned k;

	buf[0] = '\0';
	if (!env->ifs_known) {
		snprintf(buf, size, "unknown");
		return;
	}
	for (k = 0; k < env->nifs && used < size; k++) {
		int n = snprintf(buf + used, size - used, "%s%s", k ? ", " : "",
		    env->ifs[k]);
		used += n > 0 ? (size_t)n : 0;
	}
	if (env->ifs_more && used < size)
		snprintf(buf + used, size - used, ", ...");
}

static const char diag_html_head[] = "<!doctype html>\n<html lang=\"en\">\n"
    "<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "<title>socket-activate-httpd diagnostics</title>\n"
    "<style>" DIAG_STYLE "</style>\n</head>\n<body>\n"
    "<h1>socket-activate-httpd diagnostics</h1>\n"
    "<p>What the server knows about the connection this page came "
    "over. Also as <a href=\"?format=text\">plain text</a> and "
    "<a href=\"?format=json\">JSON</a>.</p>\n<table>\n";

static int
diag_html(struct evbuffer *b, const struct diag_view *v)
{
	static const char *const ids[8] = {
		"client", "server", "socket-address", "family", "fd-name",
		"socket", "systemd", "request",
	};
	const char *label[8], *value[8];
	size_t i, n = diag_rows(v, label, value);
	char why[160], text[400];

	/* Not a format: the style has a '%'. */
	evbuffer_add(b, diag_html_head, sizeof(diag_html_head) - 1);
	for (i = 0; i < n; i++)
		diag_html_row(b, label[i], ids[i], value[i]);
	diag_container_text(v->env, why, sizeof(why));
	if (diag_in_container(v->env))
		snprintf(text, sizeof(text), "yes (%s)", why);
	else
		snprintf(text, sizeof(text), "no sign of one (no "
		    "/run/.containerenv, no /.dockerenv, no container= in "
		    "the environment)");
	diag_html_row(b, "container", "container", text);
	diag_ifs_text(v->env, text, sizeof(text));
	diag_html_row(b, "network interfaces", "interfaces", text);
	evbuffer_add_printf(b, "</table>\n<p class=\"note\">");
	httpd_add_escaped(b, escape_html, diag_why, sizeof(diag_why) - 1);
	return evbuffer_add_printf(b, "</p>\n</body>\n</html>\n") < 0 ? -1 : 0;
}

/* s[0..len) as a JSON string, quotes included. */
static void
diag_json_str(struct evbuffer *b, const char *s, size_t len)
{
	evbuffer_add(b, "\"", 1);
	httpd_add_escaped(b, escape_json, s, len);
	evbuffer_add(b, "\"", 1);
}

/* "\n  \"key\": " and a string value; first: no comma before it. */
static void
diag_json_kv(struct evbuffer *b, const char *indent, const char *key,
    const char *s, bool first)
{
	evbuffer_add_printf(b, "%s\n%s\"%s\": ", first ? "" : ",", indent, key);
	if (s)
		diag_json_str(b, s, strlen(s));
	else
		evbuffer_add(b, "null", 4);
}

static void
diag_json_client(struct evbuffer *b, const struct diag_view *v)
{
	const struct peer *p = v->peer;

	evbuffer_add_printf(b, ",\n  \"client\": {");
	diag_json_kv(b, "    ", "address", p->addr_text, true);
	diag_json_kv(b, "    ", "host", v->client_host, false);
	if (v->client_port >= 0)
		evbuffer_add_printf(b, ",\n    \"port\": %lld", v->client_port);
	else
		evbuffer_add_printf(b, ",\n    \"port\": null");
	if (p->has_cred)
		evbuffer_add_printf(b, ",\n    \"pid\": %d,\n    \"uid\": %u",
		    (int)p->pid, (unsigned)p->uid);
	else
		evbuffer_add_printf(b, ",\n    \"pid\": null,\n    \"uid\": null");
	evbuffer_add_printf(b, "\n  }");
}

static void
diag_json_env(struct evbuffer *b, const struct diag_env *env)
{
	unsigned k;

	evbuffer_add_printf(b, ",\n  \"container\": {\n    \"detected\": %s,"
	    "\n    \"containerenv\": %s,\n    \"dockerenv\": %s",
	    diag_in_container(env) ? "true" : "false",
	    env->containerenv ? "true" : "false",
	    env->dockerenv ? "true" : "false");
	diag_json_kv(b, "    ", "variable",
	    env->container_var[0] ? env->container_var : NULL, false);
	evbuffer_add_printf(b, "\n  },\n  \"network_interfaces\": ");
	if (!env->ifs_known) {
		evbuffer_add(b, "null", 4);
		return;
	}
	evbuffer_add(b, "[", 1);
	for (k = 0; k < env->nifs; k++) {
		if (k)
			evbuffer_add(b, ", ", 2);
		diag_json_str(b, env->ifs[k], strlen(env->ifs[k]));
	}
	evbuffer_add(b, "]", 1);
}

static int
diag_json(struct evbuffer *b, const struct diag_view *v,
    const struct request *req)
{
	const struct sock *s = v->sock;

	evbuffer_add_printf(b, "{\n  \"server\": \"socket-activate-httpd\","
	    "\n  \"version\": \"%s\"", VERSION);
	diag_json_client(b, v);
	diag_json_kv(b, "  ", "server_address", v->server, false);
	evbuffer_add_printf(b, ",\n  \"socket\": {");
	diag_json_kv(b, "    ", "fd_name", s->name, true);
	diag_json_kv(b, "    ", "address", s->local, false);
	diag_json_kv(b, "    ", "family", addr_family_name(s->family), false);
	evbuffer_add_printf(b, ",\n    \"from_systemd\": %s",
	    s->activated ? "true" : "false");
	diag_json_kv(b, "    ", "accept", !s->activated ? NULL :
	    s->listening ? "no" : "yes", false);
	diag_json_kv(b, "    ", "description", v->socket, false);
	evbuffer_add_printf(b, "\n  }");
	diag_json_env(b, v->env);
	evbuffer_add_printf(b, ",\n  \"request\": {\n    \"method\": ");
	diag_json_str(b, v->method.p, v->method.len);
	evbuffer_add_printf(b, ",\n    \"target\": ");
	diag_json_str(b, req->target.p, req->target.len);
	return evbuffer_add_printf(b, ",\n    \"version\": \"HTTP/1.%d\"\n"
	    "  }\n}\n", req->minor) < 0 ? -1 : 0;
}

/* A refusal with a body that says what would have been accepted. */
static int
diag_refuse(struct client *c, struct resp *r, int status, const char *why)
{
	struct evbuffer *b = c->h->body;
	char pt[PEER_TEXT_MAX];

	log_debug("%s (fd %d): %s: %d: %s", c->base.sock->name, c->base.fd,
	    peer_text(&c->base.peer, pt), status, why);
	if (evbuffer_add_printf(b, "%d %s: %s\n", status,
	    request_reason(status), why) < 0)
		return 500;
	r->body = (const char *)evbuffer_pullup(b, -1);
	if (!r->body)
		return 500;
	r->body_len = evbuffer_get_length(b);
	r->type = "text/plain; charset=utf-8";
	return status;
}

int
diag_make(struct client *c, const struct request *req, struct resp *r)
{
	struct evbuffer *b = c->h->body;
	struct diag_view v;
	int form, rc;

	/* Every answer of this URL depends on Accept, refusals too. */
	r->vary = "Accept";
	r->no_store = true;
	form = media_query_format(req->query.p, req->query.len, diag_formats,
	    DIAG_NFORMS);
	if (form == MEDIA_INVALID)
		return diag_refuse(c, r, 400,
		    "format= takes text, html or json, once");
	if (form == MEDIA_ABSENT && req->accept_repeated)
		return diag_refuse(c, r, 400, "Accept in one line, please: "
		    "this page does not combine several");
	if (form == MEDIA_ABSENT)
		form = media_accept(req->accept.p, req->accept.len, diag_types,
		    DIAG_NFORMS);
	if (form == MEDIA_INVALID)
		return diag_refuse(c, r, 400, "the Accept field does not parse");
	if (form == MEDIA_UNACCEPTABLE)
		return diag_refuse(c, r, 406, "this page is text/plain, "
		    "text/html or application/json (or ?format=text, html or "
		    "json)");
	diag_view(c, req, &v);
	switch (form) {
	case DIAG_HTML:
		rc = diag_html(b, &v);
		r->csp = diag_csp;
		break;
	case DIAG_JSON:
		rc = diag_json(b, &v, req);
		break;
	default:
		rc = diag_text(b, &v);
		break;
	}
	r->body = rc < 0 ? NULL : (const char *)evbuffer_pullup(b, -1);
	if (!r->body)
		return 500;
	r->type = diag_content_types[form];
	r->body_len = evbuffer_get_length(b);
	return 200;
}
