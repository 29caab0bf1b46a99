/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "echo.h"
#include "log.h"

#define PROG "socket-activate-echo"

enum {
	OPT_EXIT_IDLE = 256,
	OPT_MAX_CONNS,
	OPT_MAX_BUFFER,
	OPT_MAX_DGRAM,
	OPT_UDP_RATE,
	OPT_UDP_GLOBAL_RATE,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_NO_SANDBOX,
};

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTION]...\n"
"Echo every byte, datagram and record back on every socket systemd passes\n"
"(TCP and UDP over IPv4/IPv6, Unix stream/datagram/seqpacket, vsock), or on\n"
"sockets it binds itself with --listen.\n"
"\n"
"  -l, --listen=ADDRESS        bind ADDRESS instead of (or as well as) taking\n"
"                              sockets from systemd; repeatable. ADDRESS is\n"
"                              PORT, IPV4:PORT, [IPV6]:PORT, /PATH, @ABSTRACT\n"
"                              or vsock:CID:PORT, optionally prefixed by\n"
"                              udp: or dgram: (datagram) or seqpacket:\n"
"      --exit-idle=SECONDS     exit after SECONDS with no connection and no\n"
"                              datagram (systemd starts it again on demand);\n"
"                              default: never\n"
"      --max-connections=N     pause accepting at N open connections\n"
"                              (default 4096)\n"
"      --max-buffer=BYTES      read at most BYTES at once and hold at most\n"
"                              that much for a client that does not read\n"
"                              (default 256K)\n"
"      --max-datagram=BYTES    drop datagrams and seqpacket records larger\n"
"                              than BYTES (default 65535)\n"
"      --udp-rate-limit=N      answer at most N datagrams per second per\n"
"                              remote source address (default 1000; 0: no\n"
"                              limit); loopback sources are never limited\n"
"      --udp-global-rate-limit=N\n"
"                              answer at most N datagrams per second from\n"
"                              all remote sources together (default 10000;\n"
"                              0: no limit)\n"
"      --shutdown-timeout=SECONDS\n"
"                              after SIGTERM, wait at most SECONDS for open\n"
"                              connections to finish (default 5)\n"
"      --no-sandbox            do not confine the process (by default it\n"
"                              gives up all filesystem access, TCP\n"
"                              bind/connect, exec and new sockets once its\n"
"                              sockets are set up: Landlock and seccomp)\n"
"  -t, --start-sleep=SECONDS   wait SECONDS before serving and READY=1\n"
"                              (cold-start demos)\n"
"  -s, --sdnotify              accepted for compatibility; readiness is\n"
"                              always notified when NOTIFY_SOCKET is set\n"
"  -d, --debug                 log every datagram and dropped packet\n"
"  -h, --help                  show this help and exit\n"
"  -V, --version               show the version and exit\n"
"\n"
"Exit status: 0 after SIGTERM/SIGINT, --exit-idle, or when the last passed\n"
"connection closed; 1 when there is nothing to serve or a passed fd is not\n"
"a supported socket; 2 on a usage error.\n"
"See socket-activate-echo(1).\n");
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
		{ "listen", required_argument, NULL, 'l' },
		{ "exit-idle", required_argument, NULL, OPT_EXIT_IDLE },
		{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
		{ "max-buffer", required_argument, NULL, OPT_MAX_BUFFER },
		{ "max-datagram", required_argument, NULL, OPT_MAX_DGRAM },
		{ "udp-rate-limit", required_argument, NULL, OPT_UDP_RATE },
		{ "udp-global-rate-limit", required_argument, NULL,
		    OPT_UDP_GLOBAL_RATE },
		{ "shutdown-timeout", required_argument, NULL,
		    OPT_SHUTDOWN_TIMEOUT },
		{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
		{ "start-sleep", required_argument, NULL, 't' },
		{ "sdnotify", no_argument, NULL, 's' },
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
	struct echo_conf econf = {
		.max_buffer = 256 * 1024,
		.max_datagram = 65535,
		.udp_rate = 1000,
		.udp_global_rate = 10000,
	};
	char **listen = NULL, err[512];
	size_t nlisten = 0;
	struct sock *socks = NULL;
	struct server *srv = NULL;
	struct echo *e = NULL;
	unsigned long v;
	int c, n, i, debug = 0, ret = 1, r = 0;

	listen = calloc((size_t)argc, sizeof(*listen));
	if (!listen)
		return 1;
	while ((c = getopt_long(argc, argv, "l:t:sdhV", opts, NULL)) != -1) {
		switch (c) {
		case 'l': {
			struct addr_spec spec;

			if (addr_parse(optarg, &spec, err, sizeof(err)) < 0) {
				fprintf(stderr, PROG ": --listen: %s\n", err);
				ret = 2;
				goto out;
			}
			listen[nlisten++] = optarg;
			break;
		}
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
		case OPT_MAX_BUFFER:
			if ((r = cli_size(optarg, 1, 64ul << 20, &v)) < 0)
				goto bad;
			econf.max_buffer = v;
			break;
		case OPT_MAX_DGRAM:
			if ((r = cli_size(optarg, 1, 16ul << 20, &v)) < 0)
				goto bad;
			econf.max_datagram = v;
			break;
		case OPT_UDP_RATE:
			if ((r = cli_uint(optarg, 0, 1000000, &v)) < 0)
				goto bad;
			econf.udp_rate = (unsigned)v;
			break;
		case OPT_UDP_GLOBAL_RATE:
			if ((r = cli_uint(optarg, 0, 10000000, &v)) < 0)
				goto bad;
			econf.udp_global_rate = (unsigned)v;
			break;
		case OPT_SHUTDOWN_TIMEOUT:
			if ((r = cli_seconds(optarg, 3600,
			    &sconf.shutdown_timeout_ms)) < 0)
				goto bad;
			break;
		case 't':
			if ((r = cli_seconds(optarg, 3600,
			    &sconf.start_sleep_ms)) < 0)
				goto bad;
			break;
		case OPT_NO_SANDBOX:
			sconf.sandbox = false;
			break;
		case 's':
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

	n = cli_sockets(ACTIVATE_STREAM | ACTIVATE_DGRAM | ACTIVATE_SEQPACKET,
	    listen, nlisten, &socks, err, sizeof(err));
	if (n < 0) {
		log_error("%s", err);
		goto out;
	}
	if (n == 0) {
		log_error("no sockets to serve: start me from a systemd socket "
		    "unit, with systemd-socket-activate -l 3000 " PROG
		    ", or with --listen ADDRESS");
		goto out;
	}
	for (i = 0; i < n; i++)
		log_info("%s (fd %d): %s %s socket %s, %s%s", socks[i].name,
		    socks[i].fd, addr_family_name(socks[i].family),
		    addr_type_name(socks[i].type), socks[i].local,
		    socks[i].listening ? "listening" :
		    socks[i].type == SOCK_DGRAM ? "receiving" : "connected",
		    socks[i].activated ? ", from systemd" : "");

	e = echo_new(&econf);
	if (!e) {
		log_error("out of memory");
		free(socks);
		goto out;
	}
	srv = server_new(&sconf, &echo_ops, e, socks, (size_t)n);
	if (!srv) {
		log_error("cannot set up the event loop");
		free(socks);
		goto out;
	}
	ret = server_run(srv);
out:
	echo_free(e);
	server_free(srv);
	free(listen);
	return ret;
bad:
	for (i = 0; opts[i].name && opts[i].val != c; i++)
		;
	ret = bad_value(opts[i].name ? opts[i].name : "?", optarg, r);
	goto out;
}
