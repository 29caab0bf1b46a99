/* crowd: the load generator of `make bench-load` (benchmarks only; no
 * pass/fail). Thousands of loopback connections from one process, driven by
 * epoll, each proven served by one request and its whole response.
 *
 *   crowd idle   ADDR -c CONNS [-H SECS]     open CONNS, one request each,
 *                print READY, hold them SECS (default 10), then close
 *   crowd active ADDR [-t SECS]              one connection, requests one
 *                after another for SECS (default 5): latency percentiles
 *   crowd storm  ADDR -n ATTEMPTS [-C CONCURRENT] [-w HOLD_MS] [-t SECS]
 *                ATTEMPTS connections, at most CONCURRENT at once, each
 *                holding HOLD_MS after its response (default 200), then
 *                closing; stops after SECS (default 60) whatever is left
 *   common: [-p echo|http] (default echo) [-s SOURCES] (default 8:
 *           connections come from 127.0.0.2 ... 127.0.0.(SOURCES+1), so
 *           no one source runs out of ports) [-u PATH] (http, default
 *           /idle.txt)
 *
 * ADDR: HOST:PORT, an IPv4 loopback address. A request is one byte for
 * echo, a GET for http (keep-alive); a response is the byte back, or a
 * whole HTTP response with status 200. Every mode ends by itself: each
 * has a deadline, and a connection that got no answer by then counts as
 * failed. Results: one "RESULT key=value ..." line for scripts, and one
 * line for people. Only loopback destinations are accepted.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum proto { ECHO, HTTP };
/* Not an errno: the server closed early, or answered something else. */
#define CLOSED 256
enum state { FREE, CONNECTING, READING, HELD, DONE };

struct conn {
	int fd;
	enum state state;
	size_t got;		/* response bytes so far */
	size_t want;		/* whole response size, once known (0: not yet) */
	uint64_t t0;		/* request sent (active: latency) */
	uint64_t until;		/* storm: when a held connection closes */
	char head[512];		/* http: the head, until it is complete */
	size_t headlen;
};

static struct sockaddr_in dst;
static enum proto proto = ECHO;
static int nsources = 8;
static const char *path = "/idle.txt";
static char req[256];
static size_t reqlen;
static int ep;
static volatile sig_atomic_t stop_hold;

static void
on_term(int sig)
{
	(void)sig;
	stop_hold = 1;
}

/* Why connections failed, by errno (0: closed early or bad answer). */
static unsigned long fail_errno[256];
static unsigned long failed;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
fail(struct conn *c, int err)
{
	fail_errno[err > 0 && err < CLOSED ? err : 0]++;
	failed++;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = DONE;
}

static void
print_failures(void)
{
	int i;

	for (i = 0; i < 256; i++)
		if (fail_errno[i])
			printf("  %lu failed: %s\n", fail_errno[i],
			    i ? strerror(i) : "closed early or a bad answer");
}

/* Connect (non-blocking) from source address number i. */
static int
dial(struct conn *c, unsigned i)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	int one = 1, fd;
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	src.sin_addr.s_addr = htonl(0x7f000002u + i % (unsigned)nsources);
	/* The port is chosen at connect(), per destination: a source is not
	 * limited to one ephemeral range for all destinations. */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
	    errno != EINPROGRESS)) {
		int e = errno;

		close(fd);
		return -e;
	}
	c->fd = fd;
	c->state = CONNECTING;
	c->got = c->want = c->headlen = 0;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
	return 0;
}

static int
send_request(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	c->got = c->want = c->headlen = 0;
	c->t0 = now_ns();
	if (write(c->fd, req, reqlen) != (ssize_t)reqlen)
		return -1;
	c->state = READING;
	return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Reads what is there. Returns 1 when the response is complete, 0 when
 * more is to come, -errno (or -CLOSED: closed, or not a whole 200) on
 * failure. */
static int
read_response(struct conn *c)
{
	char buf[16384];
	ssize_t n;

	for (;;) {
		n = read(c->fd, buf, sizeof(buf));
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (n == 0)
			return -CLOSED;
		if (proto == HTTP && c->want == 0) {
			size_t take = (size_t)n, room = sizeof(c->head) - 1 - c->headlen;
			char *end, *cl;

			memcpy(c->head + c->headlen, buf, take < room ? take : room);
			c->headlen += take < room ? take : room;
			c->head[c->headlen] = '\0';
			end = strstr(c->head, "\r\n\r\n");
			if (end) {
				if (strncmp(c->head, "HTTP/1.1 200 ", 13) != 0)
					return -CLOSED;
				cl = strcasestr(c->head, "\r\nContent-Length: ");
				if (!cl || cl > end)
					return -CLOSED;
				c->want = (size_t)(end + 4 - c->head) +
				    strtoul(cl + 18, NULL, 10);
			} else if (c->headlen == sizeof(c->head) - 1) {
				return -CLOSED;
			}
		} else if (proto == ECHO) {
			c->want = reqlen;
		}
		c->got += (size_t)n;
		if (c->want && c->got >= c->want)
			return c->got == c->want ? 1 : -CLOSED;
	}
}

/* Connected (EPOLLOUT) or failed to. */
static int
connected(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err)
		return -err;
	return send_request(c) < 0 ? -EIO : 0;
}

static void
raise_nofile(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit");
	printf("RESULT mode=limits nofile=%llu\n", (unsigned long long)rl.rlim_cur);
	if (rl.rlim_cur < need + 16) {
		fprintf(stderr, "crowd: %u connections need %u descriptors, the limit is %llu\n",
		    need, need + 16, (unsigned long long)rl.rlim_cur);
		exit(2);
	}
}

/* ---- idle ---- */
static int
run_idle(unsigned n, double hold)
{
	struct conn *cs = calloc(n, sizeof(*cs));
	struct epoll_event evs[512];
	uint64_t start = now_ns(), deadline = start + 60 * 1000000000ull, end;
	unsigned i, pending = n, ok = 0, dropped = 0;

	if (!cs)
		die("calloc");
	raise_nofile(n);
	for (i = 0; i < n; i++) {
		int r = dial(&cs[i], i);

		if (r < 0) {
			cs[i].fd = -1;
			fail(&cs[i], -r);
			pending--;
		}
	}
	while (pending > 0 && now_ns() < deadline) {
		int k, m = epoll_wait(ep, evs, 512, 100);

		for (k = 0; k < m; k++) {
			struct conn *c = evs[k].data.ptr;
			int r = c->state == CONNECTING ? connected(c) : read_response(c);

			if (r < 0) {
				fail(c, -r);
				pending--;
			} else if (r == 1) {
				c->state = HELD;
				ok++;
				pending--;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (cs[i].state == CONNECTING || cs[i].state == READING)
			fail(&cs[i], ETIMEDOUT);
	printf("READY conns=%u failed=%lu open_ms=%.0f\n", ok, failed,
	    (double)(now_ns() - start) / 1e6);
	fflush(stdout);
	/* Hold (until SIGTERM, at most SECS): a held connection that becomes
	 * readable was closed (or written to) by the server, which an idle
	 * keep-alive connection within the timeouts must not be. */
	end = now_ns() + (uint64_t)(hold * 1e9);
	while (now_ns() < end && !stop_hold) {
		int k, m = epoll_wait(ep, evs, 512, 100);

		if (m < 0 && errno == EINTR)
			continue;
		for (k = 0; k < m; k++) {
			struct conn *c = evs[k].data.ptr;

			if (c->state == HELD) {
				dropped++;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				c->state = DONE;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
	printf("RESULT mode=idle conns=%u ok=%u failed=%lu dropped=%u held_s=%.1f\n",
	    n, ok, failed, dropped, hold);
	printf("idle: %u of %u connections served and held %.1f s, %lu failed, %u closed by the server meanwhile\n",
	    ok, n, hold, failed, dropped);
	print_failures();
	free(cs);
	return 0;
}

/* ---- active ---- */
#define HBUCKETS 1000000	/* 100 ns buckets up to 100 ms */
static uint32_t hist[HBUCKETS];
static uint64_t hcount, hmax;

static double
percentile_us(double p)
{
	uint64_t want = (uint64_t)(p * (double)hcount), seen = 0;
	size_t b;

	for (b = 0; b < HBUCKETS; b++)
		if ((seen += hist[b]) > want)
			return (double)b / 10.0;
	return (double)hmax / 1000.0;
}

static int
run_active(double secs)
{
	struct conn c = { .fd = -1 };
	struct epoll_event ev;
	uint64_t start = now_ns(), end = start + (uint64_t)(secs * 1e9), t;
	unsigned long reconnects = 0;
	int r;

	if (dial(&c, 0) < 0)
		die("connect");
	while ((t = now_ns()) < end) {
		if (epoll_wait(ep, &ev, 1, 1000) < 1) {
			if (now_ns() >= end)
				break;
			continue;
		}
		r = c.state == CONNECTING ? connected(&c) : read_response(&c);
		if (r < 0) {
			/* The server closed (an idle timeout): a new connection. */
			close(c.fd);
			if (r != -CLOSED || ++reconnects > 100 || dial(&c, reconnects) < 0) {
				fail(&c, -r);
				break;
			}
			continue;
		}
		if (r == 1) {
			uint64_t ns = now_ns() - c.t0, b = ns / 100;

			hist[b < HBUCKETS ? b : HBUCKETS - 1]++;
			hcount++;
			if (ns > hmax)
				hmax = ns;
			if (send_request(&c) < 0) {
				fail(&c, EIO);
				break;
			}
		}
	}
	t = now_ns();
	printf("RESULT mode=active requests=%llu per_s=%.0f p50_us=%.1f p99_us=%.1f max_us=%.1f failed=%lu\n",
	    (unsigned long long)hcount, (double)hcount / ((double)(t - start) / 1e9),
	    percentile_us(0.50), percentile_us(0.99), (double)hmax / 1000.0, failed);
	printf("active: %llu requests in %.1f s, p50 %.1f us, p99 %.1f us, max %.1f us\n",
	    (unsigned long long)hcount, (double)(t - start) / 1e9,
	    percentile_us(0.50), percentile_us(0.99), (double)hmax / 1000.0);
	print_failures();
	return failed ? 1 : 0;
}

/* ---- storm ---- */
static int
run_storm(unsigned attempts, unsigned concurrent, unsigned hold_ms, double secs)
{
	struct conn *cs = calloc(concurrent, sizeof(*cs));
	struct epoll_event evs[512];
	uint64_t start = now_ns(), end = start + (uint64_t)(secs * 1e9), t;
	unsigned started = 0, served = 0, open = 0, i;

	if (!cs)
		die("calloc");
	raise_nofile(concurrent);
	for (i = 0; i < concurrent; i++)
		cs[i].fd = -1;
	while ((t = now_ns()) < end && (started < attempts || open > 0)) {
		int k, m;

		/* Fill free slots; close held connections whose time is up. */
		for (i = 0; i < concurrent; i++) {
			struct conn *c = &cs[i];

			if (c->state == HELD && t >= c->until) {
				close(c->fd);
				c->fd = -1;
				c->state = FREE;
				open--;
			}
			if ((c->state == FREE || c->state == DONE) && started < attempts) {
				int r = dial(c, started++);

				if (r < 0) {
					c->fd = -1;
					fail(c, -r);
				} else {
					open++;
				}
			}
		}
		m = epoll_wait(ep, evs, 512, 10);
		for (k = 0; k < m; k++) {
			struct conn *c = evs[k].data.ptr;
			int r;

			if (c->state == HELD)
				continue;	/* the server closed first: fine */
			r = c->state == CONNECTING ? connected(c) : read_response(c);
			if (r < 0) {
				fail(c, -r);
				open--;
			} else if (r == 1) {
				served++;
				c->state = HELD;
				c->until = now_ns() + (uint64_t)hold_ms * 1000000u;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
			}
		}
	}
	for (i = 0; i < concurrent; i++)
		if (cs[i].fd >= 0) {
			if (cs[i].state != HELD)
				fail(&cs[i], ETIMEDOUT);
			else
				close(cs[i].fd);
		}
	t = now_ns();
	printf("RESULT mode=storm attempts=%u started=%u served=%u failed=%lu secs=%.1f\n",
	    attempts, started, served, failed, (double)(t - start) / 1e9);
	printf("storm: %u of %u attempts served in %.1f s (at most %u at once, each held %u ms), %lu failed\n",
	    served, attempts, (double)(t - start) / 1e9, concurrent, hold_ms, failed);
	print_failures();
	free(cs);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: crowd idle|active|storm HOST:PORT [-p echo|http] [-s SOURCES] [-u PATH]\n"
	    "       [-c CONNS] [-H HOLD_S] [-t SECS] [-n ATTEMPTS] [-C CONCURRENT] [-w HOLD_MS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned conns = 1000, attempts = 20000, concurrent = 8000, hold_ms = 200;
	double secs = -1, hold = 10;
	const char *mode, *colon;
	char host[64];
	int opt;

	if (argc < 3)
		usage();
	mode = argv[1];
	while ((opt = getopt(argc - 1, argv + 1, "p:s:u:c:H:t:n:C:w:")) != -1)
		switch (opt) {
		case 'p': proto = strcmp(optarg, "http") == 0 ? HTTP : ECHO; break;
		case 's': nsources = atoi(optarg); break;
		case 'u': path = optarg; break;
		case 'c': conns = (unsigned)atoi(optarg); break;
		case 'H': hold = atof(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'n': attempts = (unsigned)atoi(optarg); break;
		case 'C': concurrent = (unsigned)atoi(optarg); break;
		case 'w': hold_ms = (unsigned)atoi(optarg); break;
		default: usage();
		}
	if (optind + 1 != argc - 1 || nsources < 1 || nsources > 250 || conns < 1 ||
	    concurrent < 1 || hold < 0)
		usage();
	/* Loopback only: this program opens thousands of connections. */
	colon = strrchr(argv[optind + 1], ':');
	if (!colon || (size_t)(colon - argv[optind + 1]) >= sizeof(host))
		usage();
	memcpy(host, argv[optind + 1], (size_t)(colon - argv[optind + 1]));
	host[colon - argv[optind + 1]] = '\0';
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &dst.sin_addr) != 1 ||
	    (ntohl(dst.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "crowd: %s is not an IPv4 loopback address\n", host);
		exit(2);
	}
	if (proto == HTTP)
		reqlen = (size_t)snprintf(req, sizeof(req),
		    "GET %s HTTP/1.1\r\nHost: bench\r\n\r\n", path);
	else
		reqlen = (size_t)snprintf(req, sizeof(req), "i");
	{
		struct sigaction sa = { .sa_handler = on_term };	/* no SA_RESTART */

		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	if (strcmp(mode, "idle") == 0)
		return run_idle(conns, hold);
	if (strcmp(mode, "active") == 0)
		return run_active(secs < 0 ? 5 : secs);
	if (strcmp(mode, "storm") == 0)
		return run_storm(attempts, concurrent, hold_ms, secs < 0 ? 60 : secs);
	usage();
	return 2;
}
