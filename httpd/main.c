/* SPDX-License-Identifier: MIT */
/* socket-activate-httpd: the command line and the document root, then the
 * shared runtime with the httpd module attached (httpd.c). */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "httpd.h"
#include "log.h"
#include "logesc.h"
#include "path.h"

#define PROG "socket-activate-httpd"
#define DEFAULT_ROOT "/var/www/html"

struct httpd_args {
	struct httpd_conf conf;
	const char *root;
};

#define CONF(field) offsetof(struct httpd_args, conf.field)
static const struct cli_option httpd_opts[] = {
	{ "root", 'r', CLI_STRING, offsetof(struct httpd_args, root), 0, 0,
	    "DIR", "serve the files below DIR, opened once at start; nothing "
	    "outside it is ever opened", NULL },
	{ "no-symlinks", 0, CLI_SET, CONF(no_symlinks), 0, 0, NULL,
	    "refuse every symbolic link (404), also those that stay below DIR",
	    NULL },
	{ "list-directories", 0, CLI_SET, CONF(list_dirs), 0, 0, NULL,
	    "answer a directory without index.html with a listing of its "
	    "entries instead of 403", NULL },
	{ "diagnostics", 0, CLI_SET, CONF(diagnostics), 0, 0, NULL,
	    "answer " HTTPD_DIAG_PATH " with what the server saw of the "
	    "connection (addresses, socket family, fd name, whether systemd "
	    "passed the socket): text, HTML or JSON, by Accept or ?format=",
	    NULL },
	{ "no-access-log", 0, CLI_CLEAR, CONF(access_log), 0, 0, NULL,
	    "write no Combined Log Format line per request", NULL },
	/* Below 256 bytes no real client gets through; above 1M a head is
	 * an attack, not a request. */
	{ "max-header-size", 0, CLI_SIZE, CONF(limits.head), 256, 1ul << 20,
	    "BYTES", "the most a request line and its header fields may take "
	    "together: a longer request line gets 414, a longer header section "
	    "431", NULL },
	/* 0 refuses all content; above 1G it is not a request to a static
	 * server any more. */
	{ "max-body-size", 0, CLI_SIZE, CONF(limits.content), 0, 1ul << 30,
	    "BYTES", "the most content a GET, HEAD or OPTIONS request may "
	    "carry, read and dropped after the answer: a longer Content-Length "
	    "gets 413, longer chunked content ends the connection; 0 refuses "
	    "all content", NULL },
	/* Timeouts of 0 would close every connection at once. */
	{ "header-timeout", 0, CLI_MS, CONF(header_timeout_ms), 1, 3600,
	    "SECONDS", "a request head must be complete SECONDS after its first "
	    "byte (after the accept, for a connection's first request), else "
	    "408 and close", NULL },
	{ "keepalive-timeout", 0, CLI_MS, CONF(keepalive_timeout_ms), 0, 3600,
	    "SECONDS", "close a connection idle between requests for SECONDS; "
	    "0 turns keep-alive off", NULL },
	{ "send-timeout", 0, CLI_MS, CONF(send_timeout_ms), 1, 3600,
	    "SECONDS", "close a connection whose client takes no byte of a "
	    "response for SECONDS", NULL },
	{ "cache-entries", 0, CLI_UNSIGNED, CONF(cache_entries), 0, 1000000,
	    "N", "keep up to N files open, or in memory when 64K or smaller, "
	    "between requests, each checked against the disk at most a second "
	    "after its last check; 0: open every file anew", NULL },
	{ "cache-memory", 0, CLI_SIZE, CONF(cache_bytes), 0, 1ul << 30,
	    "BYTES", "the bodies of small files the cache keeps in memory, in "
	    "all", NULL },
	/* Sent as it is: it must not be able to end the head early. */
	{ "cache-control", 0, CLI_FIELD, CONF(cache_control), 1, 1024,
	    "VALUE", "send Cache-Control: VALUE with files (200, 206 and 304 "
	    "answers), never with errors, redirects, listings or OPTIONS; "
	    "printable ASCII, no line break", "none" },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL },
};

/* Opened once: every file is then found relative to this fd, so renaming
 * or replacing the path later does not move the root. */
static int
httpd_open_root(const char *root)
{
	char text[1024];
	int fd, rootfd;

	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		log_error("cannot open --root %s: %s",
		    logesc_str(text, sizeof(text), root, 0), strerror(errno));
		return -1;
	}
	fd = path_open_mode(rootfd, "", false, PATH_OPENAT2);
	if (fd == -ENOSYS)
		log_warning("openat2() is not available (Linux before 5.6): "
		    "walking paths one component at a time instead, which "
		    "refuses every symbolic link");
	else if (fd >= 0)
		close(fd);
	return rootfd;
}

static int
httpd_prepare(void *ctx, struct cli *cli)
{
	struct httpd_args *a = ctx;

	/* The access log's local time needs the zone file: read it before
	 * the sandbox closes the filesystem. */
	tzset();
	/* Where we run is read now: the sandbox closes /run and /.dockerenv,
	 * and getifaddrs() needs a netlink socket. */
	if (a->conf.diagnostics)
		diag_probe(&a->conf.env);
	cli->server.sandbox_read_dir = a->root;
	a->conf.rootfd = httpd_open_root(a->root);
	return a->conf.rootfd < 0 ? -1 : 0;
}

static int
httpd_attach(void *ctx, struct server *srv)
{
	struct httpd_args *a = ctx;
	char text[1024];

	log_info("serving %s%s%s%s", logesc_str(text, sizeof(text), a->root, 0),
	    a->conf.no_symlinks ? ", no symlinks" : "",
	    a->conf.list_dirs ? ", directory listings" : "",
	    a->conf.diagnostics ? ", diagnostics at " HTTPD_DIAG_PATH : "");
	if (a->conf.cache_control)
		log_info("files are sent with Cache-Control: %s",
		    a->conf.cache_control);
	return httpd_new(srv, &a->conf);
}

static void
httpd_cleanup(void *ctx)
{
	struct httpd_args *a = ctx;

	if (a->conf.rootfd >= 0)
		close(a->conf.rootfd);
}

static const struct cli_prog httpd_prog = {
	.name = PROG,
	.summary =
"Serve the files below a directory over HTTP/1.1 (GET, HEAD and OPTIONS) on\n"
"every stream socket systemd passes (TCP over IPv4/IPv6, Unix, vsock;\n"
"listening or already connected with Accept=yes), or on sockets it binds\n"
"itself with --listen.\n",
	.options = httpd_opts,
	.ctx_size = sizeof(struct httpd_args),
	.types = ACTIVATE_STREAM,
	.types_refused = "HTTP needs a stream socket",
	.sandbox_help =
"it may only read below DIR, and may not exec, open new sockets, bind, "
"listen, connect or send to an address (Landlock and seccomp)",
	.debug_help = "also log each connection, and why a request was refused "
"or a connection closed",
	.exit_status =
"Exit status: 0 after SIGTERM or SIGINT, --exit-idle, or when the last passed\n"
"connection closed; 1 when there is nothing to serve (passed fds that are\n"
"not sockets are closed with a warning), a passed socket is not a stream\n"
"socket, --listen cannot bind, DIR cannot be opened, or the sandbox cannot\n"
"be applied; 2 on a usage error.\n",
	.example = "systemd-socket-activate -l 8080 " PROG,
	.prepare = httpd_prepare,
	.attach = httpd_attach,
	.cleanup = httpd_cleanup,
};

int
main(int argc, char *argv[])
{
	struct httpd_args args = {
		.conf = {
			.rootfd = -1,
			.limits = { .head = 8192, .content = 64 * 1024 },
			.header_timeout_ms = 10000,
			.keepalive_timeout_ms = 5000,
			.send_timeout_ms = 60000,
			.access_log = true,
			.cache_entries = 1000,
			.cache_bytes = 16 << 20,
		},
		.root = DEFAULT_ROOT,
	};

	return cli_main(&httpd_prog, &args, argc, argv);
}
