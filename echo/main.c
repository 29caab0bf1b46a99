/* SPDX-License-Identifier: MIT */
/* socket-activate-echo: the command line, then the shared runtime with the
 * echo module attached (echo.c). */
#include <stddef.h>

#include "cli.h"
#include "echo.h"

#define PROG "socket-activate-echo"

static const struct cli_option echo_opts[] = {
	{ "max-buffer", 0, CLI_SIZE, offsetof(struct echo_conf, max_buffer),
	    1, 64ul << 20, "BYTES",
	    "read at most BYTES at once from a stream connection, and hold at "
	    "most that much for a client that does not read its echo: it is "
	    "not read from until it catches up", NULL },
	{ "max-datagram", 0, CLI_SIZE, offsetof(struct echo_conf, max_datagram),
	    1, 16ul << 20, "BYTES",
	    "drop datagrams and seqpacket records larger than BYTES instead of "
	    "answering them: a reply is never cut short", NULL },
	{ "udp-rate-limit", 0, CLI_UNSIGNED,
	    offsetof(struct echo_conf, udp_rate), 0, 1000000, "N",
	    "answer at most N datagrams per second per remote source address; "
	    "0: no limit", NULL },
	{ "udp-global-rate-limit", 0, CLI_UNSIGNED,
	    offsetof(struct echo_conf, udp_global_rate), 0, 10000000, "N",
	    "answer at most N datagrams per second from all remote sources "
	    "together; 0: no limit", NULL },
	/* 0 turns it off; a day is longer than any session worth keeping. */
	{ "idle-timeout", 0, CLI_MS, offsetof(struct echo_conf, idle_timeout_ms),
	    0, 86400, "SECONDS",
	    "close a stream or seqpacket connection after SECONDS in which its "
	    "client sent nothing and read none of its echo, logging why; 0: "
	    "never", NULL },
	/* Readiness is always notified when NOTIFY_SOCKET is set. */
	{ "sdnotify", 's', CLI_IGNORE, 0, 0, 0, NULL,
	    "accepted for compatibility with the earlier C++ image: readiness "
	    "is always notified when NOTIFY_SOCKET is set", NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL },
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
	.options = echo_opts,
	.ctx_size = sizeof(struct echo_conf),
	.types = ACTIVATE_STREAM | ACTIVATE_DGRAM | ACTIVATE_SEQPACKET,
	.types_refused = "",
	.sandbox_help =
"it gives up all filesystem access, exec, new sockets, bind, listen, "
"connect, and sending to an address unless it serves datagram sockets "
"(Landlock and seccomp)",
	.debug_help = "also log every datagram, and every dropped one with the "
"reason",
	.notes =
"The UDP rate limits apply to IPv4 and IPv6 sources other than loopback.\n"
"Datagrams from source port 0 and from the small-service ports 7, 9, 13, 19\n"
"and 37 are never answered.\n",
	.exit_status =
"Exit status: 0 after SIGTERM or SIGINT, --exit-idle, or when the last passed\n"
"connection closed; 1 when there is nothing to serve (passed fds that are\n"
"not sockets are closed with a warning), a passed socket is of a family or\n"
"type it does not serve, --listen cannot bind, or the sandbox cannot be\n"
"applied; 2 on a usage error.\n",
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
		/* Long enough for an interactive session left alone a while;
		 * short enough that forgotten connections do not hold the
		 * --max-connections slots and --exit-idle back for good. */
		.idle_timeout_ms = 3600 * 1000,
	};

	return cli_main(&echo_prog, &conf, argc, argv);
}
