/*
 * vsock-tool: the two things the VM tests need that neither socat nor
 * systemd-socket-activate does, in a few lines of C so the initramfs needs
 * no Python.
 *
 *   vsock-tool listen stream|seqpacket CID PORT FDNAME COMMAND [ARGS...]
 *       Binds and listens on vsock CID:PORT, then execs COMMAND with the
 *       socket as fd 3 and LISTEN_FDS=1, LISTEN_PID, LISTEN_FDNAMES=FDNAME
 *       set, as systemd would. (systemd-socket-activate 252 refuses
 *       --seqpacket with a vsock address.)
 *
 *   vsock-tool sigterm-client CID PORT PID BYTES
 *       Connects, checks that one line comes back, sends BYTES more bytes,
 *       sends SIGTERM to PID as soon as they are in the kernel, then reads
 *       until the server closes and prints how many bytes came back after
 *       the line. The socket is never shut down for writing: the client
 *       stays connected, as an interactive one would.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

static int
fail(const char *what)
{
	fprintf(stderr, "vsock-tool: %s: %s\n", what, strerror(errno));
	return 1;
}

static int
number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out > max) {
		fprintf(stderr, "vsock-tool: not a number up to %lu: %s\n",
		    max, s);
		return -1;
	}
	return 0;
}

static int
address(const char *cid, const char *port, struct sockaddr_vm *vm)
{
	unsigned long c, p;

	if (number(cid, UINT_MAX, &c) < 0 || number(port, UINT_MAX, &p) < 0)
		return -1;
	memset(vm, 0, sizeof(*vm));
	vm->svm_family = AF_VSOCK;
	vm->svm_cid = (unsigned int)c;
	vm->svm_port = (unsigned int)p;
	return 0;
}

static int
tool_listen(int argc, char **argv)
{
	struct sockaddr_vm vm;
	char pid[32];
	int type, fd;

	if (argc < 6)
		return 2;
	if (strcmp(argv[1], "stream") == 0)
		type = SOCK_STREAM;
	else if (strcmp(argv[1], "seqpacket") == 0)
		type = SOCK_SEQPACKET;
	else
		return 2;
	if (address(argv[2], argv[3], &vm) < 0)
		return 2;
	fd = socket(AF_VSOCK, type, 0);
	if (fd < 0)
		return fail("socket");
	if (bind(fd, (struct sockaddr *)&vm, sizeof(vm)) < 0)
		return fail("bind");
	if (listen(fd, 16) < 0)
		return fail("listen");
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			return fail("dup2");
		close(fd);
	}
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (setenv("LISTEN_FDS", "1", 1) < 0 ||
	    setenv("LISTEN_PID", pid, 1) < 0 ||
	    setenv("LISTEN_FDNAMES", argv[4], 1) < 0)
		return fail("setenv");
	execvp(argv[5], argv + 5);
	return fail(argv[5]);
}

static int
send_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
tool_sigterm_client(int argc, char **argv)
{
	static char buf[65536];
	static const char line[] = "first\n";
	struct sockaddr_vm vm;
	unsigned long pid, bytes, left, chunk, got = 0;
	size_t have = 0;
	ssize_t n;
	int fd;

	if (argc != 5 || address(argv[1], argv[2], &vm) < 0 ||
	    number(argv[3], INT_MAX, &pid) < 0 ||
	    number(argv[4], 1 << 20, &bytes) < 0)
		return 2;
	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, (struct sockaddr *)&vm, sizeof(vm)) < 0)
		return fail("connect");
	if (send_all(fd, line, sizeof(line) - 1) < 0)
		return fail("send");
	while (have < sizeof(line) - 1) {
		n = recv(fd, buf + have, sizeof(line) - 1 - have, 0);
		if (n <= 0)
			return n < 0 ? fail("recv") : 1;
		have += (size_t)n;
	}
	if (memcmp(buf, line, have) != 0) {
		fprintf(stderr, "vsock-tool: the line did not come back\n");
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	for (left = bytes; left > 0; left -= chunk) {
		chunk = left < sizeof(buf) ? left : sizeof(buf);
		if (send_all(fd, buf, chunk) < 0)
			return fail("send");
	}
	if (kill((pid_t)pid, SIGTERM) < 0)
		return fail("kill");
	while ((n = recv(fd, buf, sizeof(buf), 0)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("recv");
		got += (unsigned long)n;
	}
	printf("%lu\n", got);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	int r = 2;

	if (argc > 1 && strcmp(argv[1], "listen") == 0)
		r = tool_listen(argc - 1, argv + 1);
	else if (argc > 1 && strcmp(argv[1], "sigterm-client") == 0)
		r = tool_sigterm_client(argc - 1, argv + 1);
	if (r == 2)
		fprintf(stderr, "usage: vsock-tool listen stream|seqpacket CID "
		    "PORT FDNAME COMMAND [ARGS...]\n"
		    "       vsock-tool sigterm-client CID PORT PID BYTES\n");
	return r;
}
