/* SPDX-License-Identifier: MIT */
#ifndef SA_ADDR_H
#define SA_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/vm_sockets.h>

union addr_any {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_un un;
	struct sockaddr_vm vm;
	struct sockaddr_storage ss;
};

/* What --listen asks for: a socket type and an address to bind. */
struct addr_spec {
	int type;		/* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
	union addr_any addr;
	socklen_t len;
	int dual_stack;		/* a bare port: IPv6 wildcard taking IPv4 too */
};

/* Long enough for any address addr_format() writes, Unix paths included. */
#define ADDR_STRLEN 128

/*
 * Parses the address forms of systemd's ListenStream=/ListenDatagram=
 * ("3000", "127.0.0.1:3000", "[::1]:3000", "/run/x.sock", "@abstract",
 * "vsock:CID:PORT", "vsock::PORT"), optionally behind a type prefix:
 * "tcp:", "stream:" (the default), "udp:", "dgram:", "seqpacket:".
 * Returns 0, or -EINVAL with a reason in err.
 */
int addr_parse(const char *s, struct addr_spec *spec, char *err, size_t errlen);

/* "127.0.0.1:3000", "[::1]:3000", "/path", "@abstract", "vsock:3:1234",
 * or "unnamed" for an unbound Unix socket. Never fails; truncates. The text
 * is one word of printable ASCII: the bytes of a Unix name are escaped
 * (logesc.h, LOGESC_WORD), so it is safe in any log line as it is. */
const char *addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t size);

/*
 * A socket family the servers serve: a row of addr_families[] in addr.c.
 * Adding a family means adding its row (name, --listen syntax, log
 * format) and its sockaddr to union addr_any; activation, --listen, logs
 * and the diagnostics page then know it. Whether a datagram from it may
 * be rate-limited is addr_is_loopback()'s and echo's business.
 */
struct addr_family {
	int family;
	const char *name;	/* "IPv4", as logs and the diagnostics show it */
	/* Whether --listen text (after a type prefix) is in this syntax. */
	bool (*claims)(const char *s);
	int (*parse)(const char *orig, const char *s, struct addr_spec *spec,
	    char *err, size_t errlen);
	void (*format)(const union addr_any *a, socklen_t len, char *buf,
	    size_t size);
};

/* The row for family, or NULL: a family the servers do not serve. */
const struct addr_family *addr_family_find(int family);
/* Its name; families without a row get a descriptive one for errors. */
const char *addr_family_name(int family);
const char *addr_type_name(int type);

/* 127.0.0.0/8, ::1 and IPv4-mapped loopback: addresses a remote peer
 * cannot spoof, since the kernel drops them arriving from outside. */
int addr_is_loopback(const struct sockaddr *sa, socklen_t len);

/* Whether a reply may be sent to this datagram source (see addr.c). */
int addr_dgram_source_ok(const struct sockaddr *sa, socklen_t len);

#endif
