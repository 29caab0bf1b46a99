/* SPDX-License-Identifier: MIT */
/* Unit tests for the pure parts of common/: address parsing and
 * formatting, log escaping, option values, datagram source checks, rate
 * limiting. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "activate.h"
#include "addr.h"
#include "cli.h"
#include "logesc.h"
#include "ratelimit.h"
#include "unit.h"


/* Parses s and formats the result back: the canonical form. */
static const char *
roundtrip(const char *s, int *type)
{
	static char out[ADDR_STRLEN];
	struct addr_spec spec;
	char err[256];

	if (addr_parse(s, &spec, err, sizeof(err)) < 0)
		return "ERROR";
	*type = spec.type;
	return addr_format(&spec.addr.sa, spec.len, out, sizeof(out));
}

static void
test_addr_parse(void)
{
	static const struct {
		const char *in, *out;
		int type;
	} ok[] = {
		{ "3000", "[::]:3000", SOCK_STREAM },
		{ "127.0.0.1:3000", "127.0.0.1:3000", SOCK_STREAM },
		{ "[::1]:3000", "[::1]:3000", SOCK_STREAM },
		{ "tcp:0.0.0.0:1", "0.0.0.0:1", SOCK_STREAM },
		{ "udp:[::1]:65535", "[::1]:65535", SOCK_DGRAM },
		{ "dgram:/run/echo.sock", "/run/echo.sock", SOCK_DGRAM },
		{ "seqpacket:@abstract", "@abstract", SOCK_SEQPACKET },
		{ "/tmp/x", "/tmp/x", SOCK_STREAM },
		{ "vsock:2:1234", "vsock:2:1234", SOCK_STREAM },
		{ "vsock::1234", "vsock:4294967295:1234", SOCK_STREAM },
	};
	static const char *bad[] = {
		"", "0", "65536", "-1", "3000x", "300.1.1.1:80", "1.2.3.4",
		"1.2.3.4:", "[::1]", "[::1]3000", "[zz]:1", "::1:3000",
		"vsock:", "vsock:1", "vsock:x:1", "vsock:1:y", "udp:", "/",
		"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct addr_spec spec;
	char err[256];
	size_t i;
	int type = -1;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *got = roundtrip(ok[i].in, &type);

		CHECK(strcmp(got, ok[i].out) == 0);
		CHECK(type == ok[i].type);
		if (strcmp(got, ok[i].out) != 0)
			unit_note("%s -> %s, want %s", ok[i].in, got,
			    ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = addr_parse(bad[i], &spec, err, sizeof(err));

		CHECK(r == -EINVAL);
		CHECK(strstr(err, "invalid address") != NULL);
		if (r != -EINVAL)
			unit_note("accepted \"%s\"", bad[i]);
	}
}

static void
test_addr_format(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char buf[ADDR_STRLEN];

	/* An unbound Unix peer has only the family. */
	CHECK(strcmp(addr_format((struct sockaddr *)&un, sizeof(sa_family_t),
	    buf, sizeof(buf)), "unnamed") == 0);
	CHECK(strcmp(addr_format((struct sockaddr *)&un, 0, buf, sizeof(buf)),
	    "unnamed") == 0);
	/* Truncation never overflows. */
	addr_format((struct sockaddr *)&un, sizeof(sa_family_t), buf, 3);
	CHECK(strlen(buf) == 2);
}

/* A Unix client names itself: its name reaches logs escaped, one word. */
static void
test_addr_format_unix_names(void)
{
	static const char forged[] = "\0x\n<3>FORGED line";
	static const char path[] = "/tmp/a b\033[31m\xff";
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t base = offsetof(struct sockaddr_un, sun_path);
	char buf[ADDR_STRLEN];

	memcpy(un.sun_path, forged, sizeof(forged) - 1);
	addr_format((struct sockaddr *)&un, base + sizeof(forged) - 1, buf,
	    sizeof(buf));
	CHECK(strcmp(buf, "@x\\x0a<3>FORGED\\x20line") == 0);
	/* NULs inside an abstract name are bytes like any other. */
	memcpy(un.sun_path, "\0a\0b", 4);
	addr_format((struct sockaddr *)&un, base + 4, buf, sizeof(buf));
	CHECK(strcmp(buf, "@a\\x00b") == 0);
	memset(un.sun_path, 0, sizeof(un.sun_path));
	memcpy(un.sun_path, path, sizeof(path));
	addr_format((struct sockaddr *)&un, sizeof(un), buf, sizeof(buf));
	CHECK(strcmp(buf, "/tmp/a\\x20b\\x1b[31m\\xff") == 0);
	/* The longest abstract name, every byte escaped: cut, never split. */
	memset(un.sun_path, '\n', sizeof(un.sun_path));
	un.sun_path[0] = '\0';
	addr_format((struct sockaddr *)&un, sizeof(un), buf, sizeof(buf));
	CHECK(strlen(buf) < sizeof(buf));
	CHECK(strcmp(buf + strlen(buf) - 7, "\\x0a...") == 0);
}

/* Undoes logesc(): \xHH back to its byte; anything else after a
 * backslash, or a byte logesc() never writes, fails (-1). */
static ssize_t
unescape(const char *s, unsigned char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	unsigned v;

	while (*s) {
		if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f ||
		    *s == '"')
			return -1;
		if (*s != '\\') {
			out[n++] = (unsigned char)*s++;
			continue;
		}
		if (s[1] != 'x' || !s[2] || !s[3] ||
		    !strchr(hex, s[2]) || !strchr(hex, s[3]))
			return -1;
		v = (unsigned)(strchr(hex, s[2]) - hex) * 16 +
		    (unsigned)(strchr(hex, s[3]) - hex);
		out[n++] = (unsigned char)v;
		s += 4;
	}
	return (ssize_t)n;
}

static void
test_logesc(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *text, *word;
	} cases[] = {
#define IN(s) s, sizeof(s) - 1
		{ IN("/run/echo.sock"), "/run/echo.sock", "/run/echo.sock" },
		{ IN("x\n<3>FORGED line"), "x\\x0a<3>FORGED line",
		    "x\\x0a<3>FORGED\\x20line" },
		{ IN("a\r\tb"), "a\\x0d\\x09b", "a\\x0d\\x09b" },
		{ IN("\0\0"), "\\x00\\x00", "\\x00\\x00" },
		{ IN("\033]0;title\007"), "\\x1b]0;title\\x07",
		    "\\x1b]0;title\\x07" },
		{ IN("a\\x0ab"), "a\\x5cx0ab", "a\\x5cx0ab" },
		{ IN("say \"hi\""), "say \\x22hi\\x22", "say\\x20\\x22hi\\x22" },
		{ IN("caf\xc3\xa9 \xff\x7f"), "caf\\xc3\\xa9 \\xff\\x7f",
		    "caf\\xc3\\xa9\\x20\\xff\\x7f" },
		{ IN(""), "", "" },
#undef IN
	};
	unsigned char all[256], back[256];
	char buf[4 * 256 + 1];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = logesc(buf, sizeof(buf), cases[i].in, cases[i].len, 0);
		CHECK(strcmp(buf, cases[i].text) == 0 && n == strlen(buf));
		if (strcmp(buf, cases[i].text) != 0)
			unit_note("got %s, want %s", buf, cases[i].text);
		logesc(buf, sizeof(buf), cases[i].in, cases[i].len, LOGESC_WORD);
		CHECK(strcmp(buf, cases[i].word) == 0);
		if (strcmp(buf, cases[i].word) != 0)
			unit_note("got %s, want %s", buf, cases[i].word);
	}
	/* Every byte: printable ASCII out (one word with LOGESC_WORD), and
	 * exactly the input back: nothing is ambiguous. */
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	n = logesc(buf, sizeof(buf), all, sizeof(all), LOGESC_WORD);
	CHECK(n == strlen(buf) && n < sizeof(buf));
	CHECK(strchr(buf, ' ') == NULL);
	CHECK(unescape(buf, back) == 256 && memcmp(all, back, 256) == 0);
	n = logesc(buf, sizeof(buf), all, sizeof(all), 0);
	/* 93 printable bytes as they are (95, less '"' and '\\'), 163 as
	 * \\xHH. */
	CHECK(n == 93 + 163 * 4);
	CHECK(unescape(buf, back) == 256 && memcmp(all, back, 256) == 0);
	/* Cut to fit, after a whole escape, marked: never a split escape. */
	CHECK(logesc(buf, 8, "abcdefghij", 10, 0) == 7 &&
	    strcmp(buf, "abcd...") == 0);
	CHECK(logesc(buf, 11, "abcdefghij", 10, 0) == 10 &&
	    strcmp(buf, "abcdefghij") == 0);
	CHECK(logesc(buf, 10, "\n\n\n", 3, 0) == 7 &&
	    strcmp(buf, "\\x0a...") == 0);
	CHECK(logesc(buf, 13, "\n\n\n", 3, 0) == 12);
	CHECK(logesc(buf, 3, "abcdef", 6, 0) == 2 && strcmp(buf, "..") == 0);
	CHECK(logesc(buf, 1, "abc", 3, 0) == 0 && buf[0] == '\0');
	CHECK(strcmp(logesc_str(buf, sizeof(buf), NULL, 0), "") == 0);
	CHECK(strcmp(logesc_str(buf, sizeof(buf), "a\nb", 0), "a\\x0ab") == 0);
}

static void
test_dgram_source(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_un un = { .sun_family = AF_UNIX, .sun_path = "/c" };
	unsigned ports[] = { 0, 7, 9, 13, 19, 37 };
	size_t i;

	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		in.sin_port = htons(ports[i]);
		CHECK(!addr_dgram_source_ok((struct sockaddr *)&in, sizeof(in)));
	}
	in.sin_port = htons(40000);
	CHECK(addr_dgram_source_ok((struct sockaddr *)&in, sizeof(in)));
	CHECK(addr_dgram_source_ok((struct sockaddr *)&un, sizeof(un)));
	CHECK(!addr_dgram_source_ok((struct sockaddr *)&un, sizeof(sa_family_t)));
}

static void
test_loopback(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	inet_pton(AF_INET, "127.3.2.1", &in.sin_addr);
	CHECK(addr_is_loopback((struct sockaddr *)&in, sizeof(in)));
	inet_pton(AF_INET, "128.0.0.1", &in.sin_addr);
	CHECK(!addr_is_loopback((struct sockaddr *)&in, sizeof(in)));
	inet_pton(AF_INET6, "::1", &in6.sin6_addr);
	CHECK(addr_is_loopback((struct sockaddr *)&in6, sizeof(in6)));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
	CHECK(addr_is_loopback((struct sockaddr *)&in6, sizeof(in6)));
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &in6.sin6_addr);
	CHECK(!addr_is_loopback((struct sockaddr *)&in6, sizeof(in6)));
	inet_pton(AF_INET6, "::2", &in6.sin6_addr);
	CHECK(!addr_is_loopback((struct sockaddr *)&in6, sizeof(in6)));
}

static void
test_cli(void)
{
	unsigned long v;
	unsigned ms;

	CHECK(cli_size("64K", 1, 1ul << 30, &v) == 0 && v == 65536);
	CHECK(cli_size("2M", 1, 1ul << 30, &v) == 0 && v == 2u << 20);
	CHECK(cli_size("100", 1, 1ul << 30, &v) == 0 && v == 100);
	CHECK(cli_size("2G", 1, 1ul << 30, &v) == -ERANGE);
	CHECK(cli_size("K", 1, 1ul << 30, &v) == -EINVAL);
	CHECK(cli_size("-1", 1, 1ul << 30, &v) == -EINVAL);
	CHECK(cli_uint("0", 1, 10, &v) == -ERANGE);
	CHECK(cli_uint("10", 1, 10, &v) == 0 && v == 10);
	CHECK(cli_uint("1e3", 1, 10000, &v) == -EINVAL);
	CHECK(cli_uint("99999999999999999999999", 1, 10, &v) == -ERANGE);
	CHECK(cli_uint("4294967296", 0, ~0ul, &v) == 0 && v == 4294967296ul);
	CHECK(cli_seconds("0.25", 10, &ms) == 0 && ms == 250);
	CHECK(cli_seconds("3", 10, &ms) == 0 && ms == 3000);
	CHECK(cli_seconds("11", 10, &ms) == -ERANGE);
	CHECK(cli_seconds("nan", 10, &ms) == -EINVAL);
	CHECK(cli_seconds("-1", 10, &ms) == -EINVAL);
	CHECK(cli_seconds("1s", 10, &ms) == -EINVAL);
	/* Only digits and a fraction: what strtod() also takes is refused. */
	CHECK(cli_seconds("0x10", 100, &ms) == -EINVAL);
	CHECK(cli_seconds("1e3", 10000, &ms) == -EINVAL);
	CHECK(cli_seconds("inf", 10, &ms) == -EINVAL);
	CHECK(cli_seconds("1.", 10, &ms) == -EINVAL);
	CHECK(cli_seconds(".5", 10, &ms) == -EINVAL);
	CHECK(cli_seconds("1.2.3", 10, &ms) == -EINVAL);
	CHECK(cli_seconds("", 10, &ms) == -EINVAL);
	/* Below a millisecond is not 0 ("never", "off"); 0 is. */
	CHECK(cli_seconds("0.0001", 10, &ms) == 0 && ms == 1);
	CHECK(cli_seconds("0.000", 10, &ms) == 0 && ms == 0);
	CHECK(cli_seconds("10.0004", 10, &ms) == -ERANGE);
	/* The largest maximum (--exit-idle, 30 days) in 32-bit ms, and a
	 * maximum too large for them refused instead of wrapped. */
	CHECK(cli_seconds("2592000", 2592000, &ms) == 0 && ms == 2592000000u);
	CHECK(cli_seconds("4294968", 5000000, &ms) == -ERANGE);
	CHECK(cli_seconds("4294967.295", 5000000, &ms) == 0 && ms == 4294967295u);
}

static void
test_ratelimit(void)
{
	struct ratelimit *rl = ratelimit_new(10, RATELIMIT_SOURCES);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(1000) };
	struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons(2000) };
	int i, n = 0;

	a.sin_addr.s_addr = htonl(0x7f000001);
	b.sin_addr.s_addr = htonl(0x7f000001);
	for (i = 0; i < 100; i++)
		n += ratelimit_allow(rl, (struct sockaddr *)&a, sizeof(a), 1000);
	CHECK(n == 10);
	/* Another port of the same address shares the bucket. */
	CHECK(!ratelimit_allow(rl, (struct sockaddr *)&b, sizeof(b), 1000));
	/* 100 ms later one token has come back. */
	CHECK(ratelimit_allow(rl, (struct sockaddr *)&a, sizeof(a), 1100));
	CHECK(!ratelimit_allow(rl, (struct sockaddr *)&a, sizeof(a), 1100));
	/* After a long pause the bucket is full again, never fuller. */
	for (i = 0, n = 0; i < 100; i++)
		n += ratelimit_allow(rl, (struct sockaddr *)&a, sizeof(a), 100000);
	CHECK(n == 10);
	ratelimit_free(rl);
}

/* Values that could overflow or break what they go into are refused. */
static void
test_cli_bounds(void)
{
	unsigned ms;

	/* Milliseconds must fit an unsigned, whatever max a row allows. */
	CHECK(cli_seconds("86400", 86400, &ms) == 0 && ms == 86400000u);
	CHECK(cli_seconds("4294967", 86400 * 365, &ms) == 0 &&
	    ms == 4294967000u);
	CHECK(cli_seconds("4294968", 86400 * 365, &ms) == -ERANGE);
	CHECK(cli_seconds("31536000", 86400 * 365, &ms) == -ERANGE);
	/* A header field value: printable ASCII, inner spaces and tabs. */
	CHECK(cli_field("max-age=60", 1, 1024) == 0);
	CHECK(cli_field("public, max-age=60\tx=\"y\"", 1, 1024) == 0);
	CHECK(cli_field("", 1, 1024) == -ERANGE);
	CHECK(cli_field("abcd", 1, 3) == -ERANGE);
	CHECK(cli_field("a\r\nSet-Cookie: x", 1, 1024) == -EINVAL);
	CHECK(cli_field("a\nb", 1, 1024) == -EINVAL);
	CHECK(cli_field("a\x7f", 1, 1024) == -EINVAL);
	CHECK(cli_field("caf\xc3\xa9", 1, 1024) == -EINVAL);
	CHECK(cli_field(" a", 1, 1024) == -EINVAL);
	CHECK(cli_field("a\t", 1, 1024) == -EINVAL);
}

/* IPv6 sources are limited by address as IPv4 ones are (the port does not
 * matter), and other families by their whole address. */
static void
test_ratelimit_families(void)
{
	struct ratelimit *rl = ratelimit_new(2, RATELIMIT_SOURCES);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(1) };
	struct sockaddr_in6 b;
	struct sockaddr_un u = { .sun_family = AF_UNIX, .sun_path = "/run/x" };
	int i, n = 0;

	inet_pton(AF_INET6, "2001:db8::1", &a.sin6_addr);
	b = a;
	b.sin6_port = htons(2);
	for (i = 0; i < 10; i++)
		n += ratelimit_allow(rl, (struct sockaddr *)(i % 2 ? &a : &b),
		    sizeof(a), 5000);
	CHECK(n == 2);
	for (i = 0, n = 0; i < 10; i++)
		n += ratelimit_allow(rl, (struct sockaddr *)&u, sizeof(u), 5000);
	CHECK(n == 2);
	ratelimit_free(rl);
}

/* n datagrams from a at now_ms: how many may be answered. */
static unsigned long
allowed(struct ratelimit *rl, const struct sockaddr_in *a, unsigned long n,
    uint64_t now_ms)
{
	unsigned long ok = 0;

	while (n--)
		ok += (unsigned long)ratelimit_allow(rl,
		    (const struct sockaddr *)a, sizeof(*a), now_ms);
	return ok;
}

/* The extremes of the options that set the rates: 0 is never asked of
 * ratelimit_new() (it means no limiter), 1 and the largest values are;
 * a bucket of rate * 1000 thousandths once overflowed 32 bits. */
static void
test_ratelimit_extremes(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ratelimit *rl;

	a.sin_addr.s_addr = htonl(0xc0000201);
	rl = ratelimit_new(1, 1);
	CHECK(allowed(rl, &a, 5, 1000) == 1);
	CHECK(allowed(rl, &a, 5, 1999) == 0);
	CHECK(allowed(rl, &a, 5, 2000) == 1);
	/* A clock that goes back gives nothing back, and breaks nothing. */
	CHECK(allowed(rl, &a, 5, 500) == 0);
	CHECK(allowed(rl, &a, 5, 1500) == 1);
	ratelimit_free(rl);

	rl = ratelimit_new(0, 1);
	CHECK(allowed(rl, &a, 5, 1000) == 0);
	CHECK(allowed(rl, &a, 5, 100000) == 0);
	ratelimit_free(rl);

	/* --udp-global-rate-limit's maximum: a burst of exactly 10,000,000,
	 * 10,000 back a millisecond later, full again after any pause. */
	rl = ratelimit_new(10000000, 1);
	CHECK(allowed(rl, &a, 10000001, 1000) == 10000000);
	CHECK(allowed(rl, &a, 20000, 1001) == 10000);
	CHECK(allowed(rl, &a, 10000001, UINT64_MAX / 2) == 10000000);
	ratelimit_free(rl);

	/* --udp-rate-limit's maximum, per source. */
	rl = ratelimit_new(1000000, RATELIMIT_SOURCES);
	CHECK(allowed(rl, &a, 1000001, 1000) == 1000000);
	CHECK(allowed(rl, &a, 2000, 1002) == 2000);
	ratelimit_free(rl);

	/* Any unsigned rate: a millisecond of UINT_MAX a second. */
	rl = ratelimit_new(UINT_MAX, 1);
	CHECK(allowed(rl, &a, 1, 1000) == 1);
	CHECK(allowed(rl, &a, 1, 1001) == 1);
	ratelimit_free(rl);
}

/* The bucket hash is SipHash-2-4 (the reference test vectors), keyed per
 * limiter: a pair of sources that shares a bucket in one process does
 * not in another, so collisions found once cannot be reused. */
static void
test_ratelimit_seed(void)
{
	uint8_t key[16], msg[15];
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in b = { .sin_family = AF_INET };
	struct ratelimit *rl1, *rl2;
	uint32_t i, found = 0, both = 0;
	uint64_t t = 1000;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	CHECK(ratelimit_siphash(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	CHECK(ratelimit_siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
	CHECK(ratelimit_siphash(key, msg, 8) == 0x93f5f5799a932462ULL);

	rl1 = ratelimit_new(1, RATELIMIT_SOURCES);
	rl2 = ratelimit_new(1, RATELIMIT_SOURCES);
	a.sin_addr.s_addr = htonl(0xc0000201);
	/* Sources b that share a's bucket in rl1: a's one token a second
	 * leaves none for them. Then the same pairs in rl2. */
	for (i = 1; i < 200000 && found < 16; i++, t += 1000) {
		b.sin_addr.s_addr = htonl(0xc6120000 + i);
		if (!ratelimit_allow(rl1, (struct sockaddr *)&a, sizeof(a), t) ||
		    ratelimit_allow(rl1, (struct sockaddr *)&b, sizeof(b), t))
			continue;
		found++;
		both += ratelimit_allow(rl2, (struct sockaddr *)&a, sizeof(a), t) &&
		    !ratelimit_allow(rl2, (struct sockaddr *)&b, sizeof(b), t);
	}
	CHECK(found == 16);
	unit_note("%u of the %u pairs that collide in one limiter collide in "
	    "the other", both, found);
	CHECK(both <= 2);
	ratelimit_free(rl1);
	ratelimit_free(rl2);
}

static void
skip_ignore(const char *msg)
{
	(void)msg;
}

/*
 * A passed socket of a family the server does not serve fails activation
 * (the server exits 1), and then no passed fd stays open: not the socket
 * described before it, nor the refused one, nor the one after.
 */
static void
test_activate_refused_closes_all(void)
{
	int fds[4], pipefd[2], i;
	struct sock *socks = NULL;
	char env[32], err[256];

	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(pipe(pipefd) == 0);	/* a passed FIFO: skipped */
	fds[1] = pipefd[0];
	close(pipefd[1]);
	fds[2] = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	fds[3] = socket(AF_INET, SOCK_STREAM, 0);
	/* To 3, 4, 5, 6, as systemd passes them, by way of high numbers so
	 * that none lands on another. */
	for (i = 0; i < 4; i++) {
		int hi = fcntl(fds[i], F_DUPFD, 200);

		close(fds[i]);
		fds[i] = hi;
	}
	for (i = 0; i < 4; i++) {
		CHECK(dup2(fds[i], 3 + i) == 3 + i);
		close(fds[i]);
	}
	snprintf(env, sizeof(env), "%d", (int)getpid());
	setenv("LISTEN_PID", env, 1);
	setenv("LISTEN_FDS", "4", 1);
	setenv("LISTEN_FDNAMES", "tcp:fifo:netlink:tcp2", 1);
	CHECK(activate_collect(ACTIVATE_STREAM, &socks, NULL, skip_ignore, err,
	    sizeof(err)) == -EPROTONOSUPPORT);
	CHECK(socks == NULL);
	CHECK(strstr(err, "netlink") != NULL);
	for (i = 3; i < 7; i++) {
		CHECK(fcntl(i, F_GETFD) < 0 && errno == EBADF);
		if (fcntl(i, F_GETFD) >= 0) {
			unit_note("fd %d is still open", i);
			close(i);
		}
	}
}

int
main(void)
{
	test_addr_parse();
	test_addr_format();
	test_addr_format_unix_names();
	test_logesc();
	test_dgram_source();
	test_loopback();
	test_cli();
	test_ratelimit();
	test_cli_bounds();
	test_ratelimit_families();
	test_ratelimit_extremes();
	test_ratelimit_seed();
	test_activate_refused_closes_all();
	return unit_end();
}
