/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "logesc.h"

/* The text is the caller's, and the message may end up in a log line. */
static int
addr_err(char *err, size_t errlen, const char *s, const char *why)
{
	char text[128];

	snprintf(err, errlen, "invalid address \"%s\": %s",
	    logesc_str(text, sizeof(text), s, 0), why);
	return -EINVAL;
}

static int
addr_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end != '\0' || *out > max)
		return -EINVAL;
	return 0;
}

static int
addr_parse_port(const char *s, in_port_t *port)
{
	unsigned long v;

	if (addr_parse_uint(s, 65535, &v) < 0 || v == 0)
		return -EINVAL;
	*port = htons((uint16_t)v);
	return 0;
}

/* Each family's --listen syntax: whether text is written in it (the first
 * row of addr_families[] that claims it parses it), and the parser. */

static bool
addr_claims_unix(const char *s)
{
	return *s == '/' || *s == '@';
}

static bool
addr_claims_vsock(const char *s)
{
	return strncmp(s, "vsock:", 6) == 0;
}

/* "[IPv6]:PORT", and a bare port: all addresses of both families, as in
 * ListenStream=3000, which is what an IPv6 wildcard socket gives. */
static bool
addr_claims_ipv6(const char *s)
{
	return *s == '[' || !strchr(s, ':');
}

static bool
addr_claims_ipv4(const char *s)
{
	return strchr(s, ':') != NULL;
}

static int
addr_parse_vsock(const char *orig, const char *s, struct addr_spec *spec,
    char *err, size_t errlen)
{
	char cid[16];
	const char *colon;
	unsigned long vcid = VMADDR_CID_ANY, vport;
	size_t n;

	s += strlen("vsock:");
	colon = strchr(s, ':');
	if (!colon)
		return addr_err(err, errlen, orig, "expected vsock:CID:PORT");
	n = (size_t)(colon - s);
	if (n >= sizeof(cid))
		return addr_err(err, errlen, orig, "CID too long");
	memcpy(cid, s, n);
	cid[n] = '\0';
	if (n > 0 && addr_parse_uint(cid, UINT32_MAX, &vcid) < 0)
		return addr_err(err, errlen, orig, "bad CID");
	if (addr_parse_uint(colon + 1, UINT32_MAX, &vport) < 0)
		return addr_err(err, errlen, orig, "bad port");
	spec->addr.vm.svm_family = AF_VSOCK;
	spec->addr.vm.svm_cid = (unsigned int)vcid;
	spec->addr.vm.svm_port = (unsigned int)vport;
	spec->len = sizeof(spec->addr.vm);
	return 0;
}

static int
addr_parse_unix(const char *orig, const char *s, struct addr_spec *spec,
    char *err, size_t errlen)
{
	size_t n = strlen(s);

	(void)orig;
	if (n >= sizeof(spec->addr.un.sun_path) || n < 2)
		return addr_err(err, errlen, s, n < 2 ? "path too short" :
		    "path longer than 107 bytes");
	spec->addr.un.sun_family = AF_UNIX;
	memcpy(spec->addr.un.sun_path, s, n);
	/* "@name" is the abstract namespace: a leading NUL, no terminator. */
	if (s[0] == '@') {
		spec->addr.un.sun_path[0] = '\0';
		spec->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		spec->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}

static int
addr_parse_ipv6(const char *orig, const char *s, struct addr_spec *spec,
    char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *close;
	size_t n;

	spec->addr.in6.sin6_family = AF_INET6;
	spec->len = sizeof(spec->addr.in6);
	if (*s != '[') {
		spec->addr.in6.sin6_addr = in6addr_any;
		spec->dual_stack = 1;
		if (addr_parse_port(s, &spec->addr.in6.sin6_port) < 0)
			return addr_err(err, errlen, orig,
			    "not a port, path, [IPv6]:PORT, IPv4:PORT or vsock:CID:PORT");
		return 0;
	}
	close = strchr(s, ']');
	if (!close || close[1] != ':')
		return addr_err(err, errlen, orig, "expected [IPv6]:PORT");
	n = (size_t)(close - s - 1);
	if (n >= sizeof(host))
		return addr_err(err, errlen, orig, "bad IPv6 address");
	memcpy(host, s + 1, n);
	host[n] = '\0';
	if (inet_pton(AF_INET6, host, &spec->addr.in6.sin6_addr) != 1)
		return addr_err(err, errlen, orig, "bad IPv6 address");
	if (addr_parse_port(close + 2, &spec->addr.in6.sin6_port) < 0)
		return addr_err(err, errlen, orig, "bad port (1-65535)");
	return 0;
}

static int
addr_parse_ipv4(const char *orig, const char *s, struct addr_spec *spec,
    char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	size_t n = (size_t)(colon - s);

	if (n >= sizeof(host))
		return addr_err(err, errlen, orig, "bad IPv4 address");
	memcpy(host, s, n);
	host[n] = '\0';
	spec->addr.in.sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &spec->addr.in.sin_addr) != 1)
		return addr_err(err, errlen, orig,
		    "bad IPv4 address (IPv6 goes in brackets: [::1]:3000)");
	if (addr_parse_port(colon + 1, &spec->addr.in.sin_port) < 0)
		return addr_err(err, errlen, orig, "bad port (1-65535)");
	spec->len = sizeof(spec->addr.in);
	return 0;
}

/* Each family's address as logs show it. len covers the family field. */

static void
addr_format_inet(const union addr_any *a, socklen_t len, char *buf,
    size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	bool v6 = a->sa.sa_family == AF_INET6;

	(void)len;
	inet_ntop(a->sa.sa_family, v6 ? (const void *)&a->in6.sin6_addr :
	    (const void *)&a->in.sin_addr, ip, sizeof(ip));
	snprintf(buf, size, v6 ? "[%s]:%u" : "%s:%u", ip,
	    ntohs(v6 ? a->in6.sin6_port : a->in.sin_port));
}

/*
 * A Unix name is whatever bytes the peer bound: an abstract one may hold
 * newlines, NULs, escape sequences. Escaped here, where the bytes become
 * text, so no log line, access log or diagnostics page meets them raw.
 */
static void
addr_format_unix(const union addr_any *a, socklen_t len, char *buf,
    size_t size)
{
	size_t plen = len - offsetof(struct sockaddr_un, sun_path);

	if (len <= offsetof(struct sockaddr_un, sun_path)) {
		snprintf(buf, size, "unnamed");
	} else if (a->un.sun_path[0] == '\0') {
		if (size < 2) {
			buf[0] = '\0';
			return;
		}
		buf[0] = '@';
		logesc(buf + 1, size - 1, a->un.sun_path + 1, plen - 1,
		    LOGESC_WORD);
	} else {
		logesc(buf, size, a->un.sun_path, strnlen(a->un.sun_path, plen),
		    LOGESC_WORD);
	}
}

static void
addr_format_vsock(const union addr_any *a, socklen_t len, char *buf,
    size_t size)
{
	(void)len;
	snprintf(buf, size, "vsock:%u:%u", a->vm.svm_cid, a->vm.svm_port);
}

/*
 * The families the servers serve, one row each: a new family is a row
 * here (and its sockaddr in union addr_any). The row gives it its name in
 * logs, its --listen syntax and its log format; activate.c serves exactly
 * these families. Rows are tried in order for --listen: the first that
 * claims the text parses it.
 */
static const struct addr_family addr_families[] = {
	{ AF_UNIX,  "Unix",  addr_claims_unix,  addr_parse_unix,  addr_format_unix },
	{ AF_VSOCK, "vsock", addr_claims_vsock, addr_parse_vsock, addr_format_vsock },
	{ AF_INET6, "IPv6",  addr_claims_ipv6,  addr_parse_ipv6,  addr_format_inet },
	{ AF_INET,  "IPv4",  addr_claims_ipv4,  addr_parse_ipv4,  addr_format_inet },
};

const struct addr_family *
addr_family_find(int family)
{
	size_t i;

	for (i = 0; i < sizeof(addr_families) / sizeof(addr_families[0]); i++)
		if (addr_families[i].family == family)
			return &addr_families[i];
	return NULL;
}

int
addr_parse(const char *s, struct addr_spec *spec, char *err, size_t errlen)
{
	static const struct {
		const char *prefix;
		int type;
	} types[] = {
		{ "tcp:", SOCK_STREAM }, { "stream:", SOCK_STREAM },
		{ "udp:", SOCK_DGRAM }, { "dgram:", SOCK_DGRAM },
		{ "datagram:", SOCK_DGRAM }, { "seqpacket:", SOCK_SEQPACKET },
	};
	const char *orig = s;
	size_t i, n;

	memset(spec, 0, sizeof(*spec));
	spec->type = SOCK_STREAM;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		n = strlen(types[i].prefix);
		if (strncmp(s, types[i].prefix, n) == 0) {
			spec->type = types[i].type;
			s += n;
			break;
		}
	}
	if (*s == '\0')
		return addr_err(err, errlen, orig, "empty");
	for (i = 0; i < sizeof(addr_families) / sizeof(addr_families[0]); i++)
		if (addr_families[i].claims(s))
			return addr_families[i].parse(orig, s, spec, err, errlen);
	/* Unreachable: every text has a colon or has none. */
	return addr_err(err, errlen, orig, "unknown address form");
}

const char *
addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	const struct addr_family *f;

	if (len < sizeof(sa_family_t)) {
		snprintf(buf, size, "unnamed");
		return buf;
	}
	f = addr_family_find(sa->sa_family);
	if (f)
		f->format((const union addr_any *)sa, len, buf, size);
	else
		snprintf(buf, size, "(%s)", addr_family_name(sa->sa_family));
	return buf;
}

const char *
addr_family_name(int family)
{
	const struct addr_family *f = addr_family_find(family);

	if (f)
		return f->name;
	/* Families passed by mistake, named in the error that refuses them. */
	switch (family) {
	case AF_NETLINK: return "netlink";
	case AF_PACKET:  return "packet";
	default:         return "unknown family";
	}
}

const char *
addr_type_name(int type)
{
	switch (type) {
	case SOCK_STREAM:    return "stream";
	case SOCK_DGRAM:     return "datagram";
	case SOCK_SEQPACKET: return "seqpacket";
	case SOCK_RAW:       return "raw";
	default:             return "unknown type";
	}
}

int
addr_is_loopback(const struct sockaddr *sa, socklen_t len)
{
	const union addr_any *a = (const union addr_any *)sa;
	const uint8_t *b;

	if (len < sizeof(sa_family_t))
		return 0;
	switch (sa->sa_family) {
	case AF_INET:
		return (ntohl(a->in.sin_addr.s_addr) >> 24) == 127;
	case AF_INET6:
		b = a->in6.sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&a->in6.sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&a->in6.sin6_addr) && b[12] == 127;
	default:
		return 0;
	}
}

/*
 * Replying to port 0 is impossible, and replying to another small service
 * (echo 7, discard 9, daytime 13, chargen 19, time 37) lets a spoofed
 * datagram start an endless ping-pong between two servers: inetd refused
 * these for the same reason. An unbound Unix sender has no address to
 * answer to.
 */
int
addr_dgram_source_ok(const struct sockaddr *sa, socklen_t len)
{
	const union addr_any *a = (const union addr_any *)sa;
	unsigned port;

	if (len <= sizeof(sa_family_t))
		return 0;
	switch (sa->sa_family) {
	case AF_INET:
		port = ntohs(a->in.sin_port);
		break;
	case AF_INET6:
		port = ntohs(a->in6.sin6_port);
		break;
	default:
		return 1;
	}
	return !(port == 0 || port == 7 || port == 9 || port == 13 ||
	    port == 19 || port == 37);
}
