/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static int
addr_err(char *err, size_t errlen, const char *s, const char *why)
{
	snprintf(err, errlen, "invalid address \"%s\": %s", s, why);
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

static int
addr_parse_vsock(const char *s, const char *orig, struct addr_spec *spec,
    char *err, size_t errlen)
{
	char cid[16];
	const char *colon = strchr(s, ':');
	unsigned long vcid = VMADDR_CID_ANY, vport;
	size_t n;

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
addr_parse_unix(const char *s, struct addr_spec *spec, char *err, size_t errlen)
{
	size_t n = strlen(s);

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
	const char *orig = s, *colon;
	char host[INET6_ADDRSTRLEN + 2];
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
	if (*s == '/' || *s == '@')
		return addr_parse_unix(s, spec, err, errlen);
	if (strncmp(s, "vsock:", 6) == 0)
		return addr_parse_vsock(s + 6, orig, spec, err, errlen);

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return addr_err(err, errlen, orig, "expected [IPv6]:PORT");
		n = (size_t)(close - s - 1);
		if (n >= sizeof(host))
			return addr_err(err, errlen, orig, "bad IPv6 address");
		memcpy(host, s + 1, n);
		host[n] = '\0';
		spec->addr.in6.sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, host, &spec->addr.in6.sin6_addr) != 1)
			return addr_err(err, errlen, orig, "bad IPv6 address");
		if (addr_parse_port(close + 2, &spec->addr.in6.sin6_port) < 0)
			return addr_err(err, errlen, orig, "bad port (1-65535)");
		spec->len = sizeof(spec->addr.in6);
		return 0;
	}

	colon = strrchr(s, ':');
	if (!colon) {
		/* A bare port, as in ListenStream=3000: all addresses, both
		 * families, which is what an IPv6 wildcard socket gives. */
		spec->addr.in6.sin6_family = AF_INET6;
		spec->addr.in6.sin6_addr = in6addr_any;
		spec->dual_stack = 1;
		if (addr_parse_port(s, &spec->addr.in6.sin6_port) < 0)
			return addr_err(err, errlen, orig,
			    "not a port, path, [IPv6]:PORT, IPv4:PORT or vsock:CID:PORT");
		spec->len = sizeof(spec->addr.in6);
		return 0;
	}
	n = (size_t)(colon - s);
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

const char *
addr_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	const union addr_any *a = (const union addr_any *)sa;
	char ip[INET6_ADDRSTRLEN];
	size_t plen;

	if (len < sizeof(sa_family_t)) {
		snprintf(buf, size, "unnamed");
		return buf;
	}
	switch (sa->sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &a->in.sin_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s:%u", ip, ntohs(a->in.sin_port));
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &a->in6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, size, "[%s]:%u", ip, ntohs(a->in6.sin6_port));
		break;
	case AF_UNIX:
		plen = len - offsetof(struct sockaddr_un, sun_path);
		if (len <= offsetof(struct sockaddr_un, sun_path))
			snprintf(buf, size, "unnamed");
		else if (a->un.sun_path[0] == '\0')
			snprintf(buf, size, "@%.*s", (int)(plen - 1),
			    a->un.sun_path + 1);
		else
			snprintf(buf, size, "%.*s", (int)strnlen(a->un.sun_path,
			    plen), a->un.sun_path);
		break;
	case AF_VSOCK:
		snprintf(buf, size, "vsock:%u:%u", a->vm.svm_cid, a->vm.svm_port);
		break;
	default:
		snprintf(buf, size, "(%s)", addr_family_name(sa->sa_family));
		break;
	}
	return buf;
}

const char *
addr_family_name(int family)
{
	switch (family) {
	case AF_INET:    return "IPv4";
	case AF_INET6:   return "IPv6";
	case AF_UNIX:    return "Unix";
	case AF_VSOCK:   return "vsock";
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
