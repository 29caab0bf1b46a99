/* SPDX-License-Identifier: MIT */
/* socket-activate-echo: the command line, then the shared runtime with the
 * echo module attached (echo.c). */
#include <stddef.h>

#include "cli.h"
#include "echo.h"

#define PROG "socket-activate-echo"

static const struct cli_option echo_opts[] = {
	{ "max-buffer", 0, CLI_SIZE, offsetof(struct echo_conf, max_buffer),
	    1, 64ul << 20 },
	{ "max-datagram", 0, CLI_SIZE, offsetof(struct echo_conf, max_datagram),
	    1, 16ul << 20 },
	{ "udp-rate-limit", 0, CLI_UNSIGNED,
	    offsetof(struct echo_conf, udp_rate), 0, 1000000 },
	{ "udp-global-rate-limit", 0, CLI_UNSIGNED,
	    offsetof(struct echo_conf, udp_global_rate), 0, 10000000 },
	/* Readiness is always notified when NOTIFY_SOCKET is set. */
	{ "sdnotify", 's', CLI_IGNORE, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static int
echo_attach(void *ctx, struct server *srv)
{
	return echo_new(srv, ctx);
}

static const struct cli_prog echo_prog = {
	.name = PROG,
	.summary =
"Echo every byte, datagram and record back on every socket systemd passes\n"
"(TCP and UDP over IPv4/IPv6, Unix stream/datagram/seqpacket, vsock), or on\n"
"sockets it binds itself with --listen.\n",
	.help =
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
"  -s, --sdnotify              accepted for compatibility; readiness is\n"
"                              always notified when NOTIFY_SOCKET is set\n",
	.options = echo_opts,
	.types = ACTIVATE_STREAM | ACTIVATE_DGRAM | ACTIVATE_SEQPACKET,
	.types_refused = "",
	.sandbox_help =
"                              its sockets are set up, it gives up all\n"
"                              filesystem access, TCP bind/connect, exec and\n"
"                              new sockets: Landlock and seccomp)\n",
	.debug_help = "log every datagram and dropped packet\n",
	.exit_status =
"Exit status: 0 after SIGTERM/SIGINT, --exit-idle, or when the last passed\n"
"connection closed; 1 when there is nothing to serve (passed fds that are\n"
"not sockets are closed with a warning), a passed socket is of a family or\n"
"type it does not serve, or --listen cannot bind; 2 on a usage error.\n",
	.example = "systemd-socket-activate -l 3000 " PROG,
	.attach = echo_attach,
};

int
main(int argc, char *argv[])
{
	struct echo_conf conf = {
		.max_buffer = 256 * 1024,
		.max_datagram = 65535,
		.udp_rate = 1000,
		.udp_global_rate = 10000,
	};

	return cli_main(&echo_prog, &conf, argc, argv);
}
