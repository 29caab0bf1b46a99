/* SPDX-License-Identifier: MIT */
/*
 * Preloaded into a real server by tests/03-sandbox.bats (LD_PRELOAD), to
 * misbehave from inside it once it runs sandboxed, as an attacker who took
 * it over would:
 *   SIGUSR1  tries exec, connect and new sockets, and writes one line per
 *            attempt to stderr (the server's log): "sandbox-preload: WHAT:
 *            ok" or the errno's name, then "sandbox-preload: done";
 *   SIGUSR2  makes a system call of another ABI (x32), which the filter
 *            answers by killing the process.
 * SANDBOX_PRELOAD_PORT names a TCP port on 127.0.0.1 to connect to, and
 * SANDBOX_PRELOAD_UNIX a Unix datagram socket to send to. The sockets for
 * them are made at load time, before the sandbox, like the sockets a
 * server inherits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int preload_tcp = -1;
static int preload_tcp2 = -1;	/* for listen(): not connected */
static int preload_unix = -1;

static void
preload_say(const char *what, int ok, int err)
{
	char line[160];
	int n;

	n = snprintf(line, sizeof(line), "sandbox-preload: %s: %s\n", what,
	    ok ? "ok" : strerrorname_np(err));
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(STDERR_FILENO, line, (size_t)n);
}

static void
preload_socket(const char *what, int domain, int type)
{
	int fd = socket(domain, type | SOCK_CLOEXEC, 0);

	preload_say(what, fd >= 0, errno);
	if (fd >= 0)
		close(fd);
}

/* With a Unix datagram socket made before the sandbox: bind it (an
 * abstract name: no file needed), and send to SANDBOX_PRELOAD_UNIX. */
static void
preload_unix_attempts(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	const char *to = getenv("SANDBOX_PRELOAD_UNIX");
	socklen_t len;
	int r;

	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    (size_t)snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1,
	    "sandbox-preload-%d", (int)getpid()) + 1);
	r = bind(preload_unix, (struct sockaddr *)&un, len);
	preload_say("bind", r == 0, errno);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	snprintf(un.sun_path, sizeof(un.sun_path), "%s", to ? to : "/nonexistent");
	r = (int)sendto(preload_unix, "x", 1, 0, (struct sockaddr *)&un,
	    sizeof(un));
	preload_say("sendto a Unix path", r == 1, errno);
}

static void
preload_probe(int sig)
{
	static char *const argv[] = { "true", NULL };
	struct sockaddr_in in = { .sin_family = AF_INET };
	const char *port = getenv("SANDBOX_PRELOAD_PORT");
	int r, saved = errno;

	(void)sig;
	preload_socket("socket AF_INET SOCK_STREAM", AF_INET, SOCK_STREAM);
	preload_socket("socket AF_INET6 SOCK_DGRAM", AF_INET6, SOCK_DGRAM);
	preload_socket("socket AF_UNIX SOCK_STREAM", AF_UNIX, SOCK_STREAM);
	preload_socket("socket AF_UNIX SOCK_SEQPACKET", AF_UNIX, SOCK_SEQPACKET);
	preload_socket("socket AF_UNIX SOCK_DGRAM", AF_UNIX, SOCK_DGRAM);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in.sin_port = htons((unsigned short)atoi(port ? port : "9"));
	r = connect(preload_tcp, (struct sockaddr *)&in, sizeof(in));
	preload_say("connect", r == 0, errno);
	preload_unix_attempts();
	r = listen(preload_tcp2, 1);
	preload_say("listen", r == 0, errno);
	/* A path that does not exist: an exec the filter lets through fails
	 * with ENOENT instead of replacing the server. */
	r = execv("/nonexistent/sandbox-preload-true", argv);
	preload_say("execve", r == 0, errno);
	preload_say("done", 1, 0);
	errno = saved;
}

static void
preload_other_abi(int sig)
{
	(void)sig;
#if defined(__x86_64__)
	/* getpid() by its x32 number. */
	syscall(0x40000000 | SYS_getpid);
#endif
	preload_say("still alive after an x32 system call", 1, 0);
}

__attribute__((constructor)) static void
preload_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = preload_probe;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = preload_other_abi;
	sigaction(SIGUSR2, &sa, NULL);
	preload_tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	preload_tcp2 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	preload_unix = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}
