/* SPDX-License-Identifier: MIT */
#ifndef SA_ACTIVATE_H
#define SA_ACTIVATE_H

#include <stdbool.h>
#include "addr.h"
#include "fdstore.h"

/*
 * How a server gets its sockets: from systemd (LISTEN_FDS) or bound itself
 * (--listen), described the same way either way. The families served are
 * addr.c's table; the socket types, the caller's `types`.
 */

/* One socket the server serves, however it got it. */
struct sock {
	int fd;
	/* FileDescriptorName= (systemd allows 255 bytes), or the --listen
	 * address: whoever started us chose it, so it is kept escaped
	 * (logesc.h, LOGESC_WORD), one word for any log line. */
	char name[256];
	/* The same as passed, cut at 255 bytes, never logged: what the fd
	 * store entry of a connection kept from it is named after
	 * (fdstore_name()), so the next instance escapes it once. */
	char raw_name[256];
	int family;
	int type;
	bool listening;		/* accept() on it (Accept=no); else data flows on it */
	bool activated;		/* handed over by systemd, not bound by us */
	bool kept;		/* a connection the last instance kept in the
				 * fd store; name is its listener's */
	char local[ADDR_STRLEN];	/* its own address, addr_format()'s text */
};

/* Bits for activate_*()'s `types`: which socket types a server serves. */
#define ACTIVATE_STREAM    (1u << 0)
#define ACTIVATE_DGRAM     (1u << 1)
#define ACTIVATE_SEQPACKET (1u << 2)

/*
 * Called for each passed fd that is not a socket at all (a FIFO or a file
 * from OpenFile=, the fd store): it is closed and left out, and msg names
 * it ("fd 4 (\"f\") is a regular file, not a socket"). The caller says
 * so; the sockets are served.
 */
typedef void activate_skip_fn(const char *msg);

/*
 * Takes every fd systemd passed (sd_listen_fds_with_names(), called once,
 * unsetting the variables so children do not inherit them) and describes
 * each. With kept, fds named as entries of the fd store (fdstore.h) go
 * there instead, or to skip when it cannot take one. An fd that is not a
 * socket goes to skip (see above). The first
 * socket of a family or type not served fails the whole call, with err
 * naming it: serving half of the sockets the unit asked for would hide
 * the mistake. Returns the number of sockets (0 when none was passed) and
 * a malloc'ed array in *out, or -errno with every passed fd closed.
 */
int activate_collect(unsigned types, struct sock **out,
    struct fdstore_taken *kept, activate_skip_fn *skip, char *err,
    size_t errlen);

/* Describes one fd; used by activate_collect() and for --listen sockets. */
int activate_describe(int fd, const char *name, unsigned types,
    struct sock *s, char *err, size_t errlen);

/* Creates, binds and (for stream and seqpacket) listens: --listen. */
int activate_bind(const struct addr_spec *spec, const char *name,
    unsigned types, struct sock *s, char *err, size_t errlen);

/*
 * Every socket to serve: those systemd passed (fds that are not sockets
 * go to skip, fd store entries to kept), then one per --listen address
 * (bound here). Returns how
 * many (0: none at all) with a malloc'ed array in *out, or -errno with err
 * saying which socket and why, and every socket closed.
 */
int activate_sockets(unsigned types, char *const *listen, size_t nlisten,
    struct sock **out, struct fdstore_taken *kept, activate_skip_fn *skip,
    char *err, size_t errlen);

#endif
