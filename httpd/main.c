/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "httpd.h"
#include "log.h"
#include "path.h"

#define PROG "socket-activate-httpd"
#define DEFAULT_ROOT "/var/www/html"

enum {
	OPT_EXIT_IDLE = 256,
	OPT_MAX_CONNS,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_MAX_HEADER,
	OPT_HEADER_TIMEOUT,
	OPT_KEEPALIVE_TIMEOUT,
	OPT_SEND_TIMEOUT,
	OPT_NO_SYMLINKS,
	OPT_LIST_DIRS,
	OPT_DIAGNOSTICS,
	OPT_NO_ACCESS_LOG,
	OPT_NO_SANDBOX,
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTION]...\n"
"Serve the files below a directory over HTTP/1.1 (GET and HEAD) on every\n"
"stream socket systemd passes (TCP over IPv4/IPv6, Unix, vsock; listening or\n"
"already connected with Accept=yes), or on sockets it binds itself with\n"
"--listen.\n"
"\n"
"  -r, --root=DIR              serve the files below DIR (default " DEFAULT_ROOT ");\n"
"                              nothing outside it is ever opened\n"
"  -l, --listen=ADDRESS        bind ADDRESS instead of (or as well as) taking\n"
"                              sockets from systemd; repeatable. ADDRESS is\n"
"                              PORT, IPV4:PORT, [IPV6]:PORT, /PATH, @ABSTRACT\n"
"                              or vsock:CID:PORT\n"
"      --no-symlinks           refuse every symbolic link (404); by default\n"
"                              links are followed if they stay below DIR\n"
"      --list-directories      list directories without index.html (default:\n"
"                              403)\n"
"      --diagnostics           answer " HTTPD_DIAG_PATH " with the\n"
"                              client and server addresses, the socket family,\n"
"                              the fd name and whether systemd passed the\n"
"                              socket\n"
"      --no-access-log         no Combined Log Format line per request\n"
"      --max-header-size=BYTES request line and header fields together; a\n"
"                              longer request line gets 414, a longer header\n"
"                              section 431 (default 8K)\n"
"      --header-timeout=SECONDS\n"
"                              a request head must be complete SECONDS after\n"
"                              its first byte (after the accept for the first\n"
"                              request), else 408 and close (default 10)\n"
"      --keepalive-timeout=SECONDS\n"
"                              close a connection idle between requests for\n"
"                              SECONDS; 0 turns keep-alive off (default 5)\n"
"      --send-timeout=SECONDS  close a connection whose client takes no byte\n"
"                              of a response for SECONDS (default 60)\n"
"      --max-connections=N     pause accepting at N open connections\n"
"                              (default 4096)\n"
"      --exit-idle=SECONDS     exit after SECONDS without a connection\n"
"                              (systemd starts it again on demand);\n"
"                              default: never\n"
"      --shutdown-timeout=SECONDS\n"
"                              after SIGTERM, wait at most SECONDS for\n"
"                              responses in flight (default 5)\n"
"      --no-sandbox            do not confine the process (by default, once\n"
"                              its sockets are set up, it may only read below\n"
"                              DIR, and may not exec, connect, bind TCP or\n"
"                              open new sockets: Landlock and seccomp)\n"
"  -t, --start-sleep=SECONDS   wait SECONDS before serving and READY=1\n"
"                              (cold-start demos)\n"
"  -d, --debug                 log connections and why requests failed\n"
"  -h, --help                  show this help and exit\n"
"  -V, --version               show the version and exit\n"
"\n"
"Exit status: 0 after SIGTERM/SIGINT, --exit-idle, or when the last passed\n"
"connection closed; 1 when there is nothing to serve, a passed fd is not a\n"
"stream socket, or DIR cannot be opened; 2 on a usage error.\n"
"See socket-activate-httpd(1).\n");
}

static int
bad_value(const char *opt, const char *arg, int r)
{
	fprintf(stderr, PROG ": invalid value for --%s: \"%s\"%s\n", opt, arg,
	    r == -ERANGE ? " (out of range)" : "");
	return 2;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "listen", required_argument, NULL, 'l' },
		{ "no-symlinks", no_argument, NULL, OPT_NO_SYMLINKS },
		{ "list-directories", no_argument, NULL, OPT_LIST_DIRS },
		{ "diagnostics", no_argument, NULL, OPT_DIAGNOSTICS },
		{ "no-access-log", no_argument, NULL, OPT_NO_ACCESS_LOG },
		{ "max-header-size", required_argument, NULL, OPT_MAX_HEADER },
		{ "header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT },
		{ "keepalive-timeout", required_argument, NULL,
		    OPT_KEEPALIVE_TIMEOUT },
		{ "send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT },
		{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
		{ "exit-idle", required_argument, NULL, OPT_EXIT_IDLE },
		{ "shutdown-timeout", required_argument, NULL,
		    OPT_SHUTDOWN_TIMEOUT },
		{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
		{ "start-sleep", required_argument, NULL, 't' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct server_conf sconf = {
		.max_conns = 4096,
		.shutdown_timeout_ms = 5000,
		.sandbox = true,
	};
	struct httpd_conf hconf = {
		.rootfd = -1,
		.max_header = 8192,
		.header_timeout_ms = 10000,
		.keepalive_timeout_ms = 5000,
		.send_timeout_ms = 60000,
		.access_log = true,
	};
	const char *root = DEFAULT_ROOT;
	char **listen = NULL, err[512];
	size_t nlisten = 0;
	struct sock *socks = NULL;
	struct server *srv = NULL;
	struct httpd *h = NULL;
	unsigned long v;
	int c, n, i, fd, debug = 0, ret = 1, r = 0;

	listen = calloc((size_t)argc, sizeof(*listen));
	if (!listen)
		return 1;
	while ((c = getopt_long(argc, argv, "r:l:t:dhV", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'l': {
			struct addr_spec spec;

			if (addr_parse(optarg, &spec, err, sizeof(err)) < 0) {
				fprintf(stderr, PROG ": --listen: %s\n", err);
				ret = 2;
				goto out;
			}
			if (spec.type != SOCK_STREAM) {
				fprintf(stderr, PROG ": --listen: \"%s\": HTTP "
				    "needs a stream socket\n", optarg);
				ret = 2;
				goto out;
			}
			listen[nlisten++] = optarg;
			break;
		}
		case OPT_NO_SYMLINKS:
			hconf.no_symlinks = true;
			break;
		case OPT_LIST_DIRS:
			hconf.list_dirs = true;
			break;
		case OPT_DIAGNOSTICS:
			hconf.diagnostics = true;
			break;
		case OPT_NO_ACCESS_LOG:
			hconf.access_log = false;
			break;
		case OPT_MAX_HEADER:
			/* Below 256 bytes no real client gets through; above
			 * 1M a head is an attack, not a request. */
			if ((r = cli_size(optarg, 256, 1ul << 20, &v)) < 0)
				goto bad;
			hconf.max_header = v;
			break;
		case OPT_HEADER_TIMEOUT:
			if ((r = cli_seconds(optarg, 3600,
			    &hconf.header_timeout_ms)) < 0)
				goto bad;
			if (hconf.header_timeout_ms == 0) {
				r = -ERANGE;
				goto bad;
			}
			break;
		case OPT_KEEPALIVE_TIMEOUT:
			if ((r = cli_seconds(optarg, 3600,
			    &hconf.keepalive_timeout_ms)) < 0)
				goto bad;
			break;
		case OPT_SEND_TIMEOUT:
			if ((r = cli_seconds(optarg, 3600,
			    &hconf.send_timeout_ms)) < 0)
				goto bad;
			if (hconf.send_timeout_ms == 0) {
				r = -ERANGE;
				goto bad;
			}
			break;
		case OPT_EXIT_IDLE:
			if ((r = cli_seconds(optarg, 86400 * 365,
			    &sconf.exit_idle_ms)) < 0)
				goto bad;
			break;
		case OPT_MAX_CONNS:
			if ((r = cli_uint(optarg, 1, 1000000, &v)) < 0)
				goto bad;
			sconf.max_conns = (unsigned)v;
			break;
		case OPT_SHUTDOWN_TIMEOUT:
			if ((r = cli_seconds(optarg, 3600,
			    &sconf.shutdown_timeout_ms)) < 0)
				goto bad;
			break;
		case OPT_NO_SANDBOX:
			sconf.sandbox = false;
			break;
		case 't':
			if ((r = cli_seconds(optarg, 3600,
			    &sconf.start_sleep_ms)) < 0)
				goto bad;
			break;
		case 'd':
			debug = 1;
			break;
		case 'h':
			usage(stdout);
			ret = 0;
			goto out;
		case 'V':
			printf(PROG " " VERSION "\n");
			ret = 0;
			goto out;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			ret = 2;
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument \"%s\"\n"
		    "Try '" PROG " --help'.\n", argv[optind]);
		ret = 2;
		goto out;
	}
	log_init(PROG, debug);
	/* The access log's local time needs the zone file: read it before
	 * the sandbox closes the filesystem. */
	tzset();
	sconf.sandbox_read_dir = root;

	/* Opened once: every file is then found relative to this fd, so
	 * renaming or replacing the path later does not move the root. */
	hconf.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (hconf.rootfd < 0) {
		log_error("cannot open --root %s: %s", root, strerror(errno));
		goto out;
	}
	fd = path_open_mode(hconf.rootfd, "", false, PATH_OPENAT2);
	if (fd == -ENOSYS)
		log_warning("openat2() is not available (Linux before 5.6): "
		    "walking paths one component at a time instead, which "
		    "refuses every symbolic link");
	else if (fd >= 0)
		close(fd);

	n = cli_sockets(ACTIVATE_STREAM, listen, nlisten, &socks, err,
	    sizeof(err));
	if (n < 0) {
		log_error("%s", err);
		goto out;
	}
	if (n == 0) {
		log_error("no sockets to serve: start me from a systemd socket "
		    "unit, with systemd-socket-activate -l 8080 " PROG
		    ", or with --listen ADDRESS");
		goto out;
	}
	for (i = 0; i < n; i++)
		log_info("%s (fd %d): %s %s socket %s, %s%s", socks[i].name,
		    socks[i].fd, addr_family_name(socks[i].family),
		    addr_type_name(socks[i].type), socks[i].local,
		    socks[i].listening ? "listening" : "connected",
		    socks[i].activated ? ", from systemd" : "");
	log_info("serving %s%s%s%s", root,
	    hconf.no_symlinks ? ", no symlinks" : "",
	    hconf.list_dirs ? ", directory listings" : "",
	    hconf.diagnostics ? ", diagnostics at " HTTPD_DIAG_PATH : "");

	h = httpd_new(&hconf);
	if (!h) {
		log_error("out of memory");
		free(socks);
		goto out;
	}
	srv = server_new(&sconf, &httpd_ops, h, socks, (size_t)n);
	if (!srv) {
		log_error("cannot set up the event loop");
		free(socks);
		goto out;
	}
	ret = server_run(srv);
out:
	/* Connections first: their events belong to the server's base. */
	httpd_free(h);
	server_free(srv);
	if (hconf.rootfd >= 0)
		close(hconf.rootfd);
	free(listen);
	return ret;
bad:
	for (i = 0; opts[i].name && opts[i].val != c; i++)
		;
	ret = bad_value(opts[i].name ? opts[i].name : "?", optarg, r);
	goto out;
}
