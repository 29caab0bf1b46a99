/* SPDX-License-Identifier: MIT */
#ifndef SA_FDSTORE_H
#define SA_FDSTORE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Connections kept across a restart in systemd's file descriptor store
 * (FileDescriptorStoreMax=; sd_notify(3): FDSTORE=1, FDNAME=,
 * FDSTOREREMOVE=1). The contract between one instance and the next:
 *
 * At a stop, each connection the server hands over becomes one store
 * entry: one message with the connected socket and, when it had bytes in
 * flight (read, not yet answered), a memfd holding them, both under one
 * name of its own, "sa-conn-ID-LISTENER" (fdstore_name()). ID tells
 * entries apart; LISTENER is the FileDescriptorName= of the socket it was
 * accepted on, kept for the logs. One message, so the socket never
 * arrives without its bytes.
 *
 * The next instance finds the entries among its LISTEN_FDS by that name
 * (fdstore_take()), goes on with each, and removes it from the store
 * (fdstore_remove()): systemd holds a duplicate of every stored fd, so an
 * entry left there would keep the connection open after the server
 * closed it, and hand it over once more at the next restart.
 *
 * Library code: returns -errno, logs nothing.
 */

/* What every entry name starts with; names of the unit's own sockets
 * (FileDescriptorName=) should not. */
#define FDSTORE_PREFIX "sa-conn-"
/* systemd's bound on FDNAME= (and FileDescriptorName=): 255 characters,
 * printable ASCII but ':'. */
#define FDSTORE_NAME_MAX 255
/* The most bytes in flight one entry carries: echo's largest
 * --max-buffer. The modules bound it further. */
#define FDSTORE_DATA_MAX (64ul << 20)

/*
 * How many fds the store holds, from $FDSTORE: systemd 254 and later set
 * it to FileDescriptorStoreMax= (when that is not 0); on older ones the
 * unit sets it (Environment=FDSTORE=N, the same N). 0 when unset or not
 * a number: no store, because FDSTORE=1 messages to a store that cannot
 * take them fail silently (systemd closes the fds and logs it, the
 * sender never learns).
 */
unsigned fdstore_max(void);

/*
 * The entry name for connection id, accepted on the socket named
 * listener: characters systemd does not allow in a name become '_', and a
 * listener name too long is cut (it is only for the logs). Returns 0.
 */
int fdstore_name(char buf[FDSTORE_NAME_MAX + 1], unsigned long id,
    const char *listener);
/* True when name is an entry name of ours (it has the prefix), valid or
 * not. */
bool fdstore_is_ours(const char *name);
/* Its id and the listener's name (a pointer into name); -EINVAL when it
 * is not a well-formed entry name. */
int fdstore_name_parse(const char *name, unsigned long *id,
    const char **listener);

/*
 * Stores the connection fd under name, with data[0..len) (len 0: none) in
 * a memfd beside it, in one message. fd stays the caller's to close (the
 * store holds a duplicate). Returns 0, or -errno when nothing was stored:
 * no notification socket, or the message could not be sent. Whether the
 * store had room is not something systemd answers: the caller counts
 * (fdstore_max()).
 */
int fdstore_put(const char *name, int fd, const void *data, size_t len);
/* Removes every entry named name from the store. 0 or -errno. */
int fdstore_remove(const char *name);
/* The number of fds fdstore_put() stores for len bytes in flight. */
static inline unsigned
fdstore_fds_for(size_t len)
{
	return len > 0 ? 2 : 1;
}

/* The next instance's side: one entry, as found among LISTEN_FDS. */
struct fdstore_entry {
	char name[FDSTORE_NAME_MAX + 1];
	size_t listener;	/* the listener's name: name + listener (an
				 * offset: the array of entries moves) */
	unsigned long id;
	int fd;			/* the connection, or -EBADF */
	int data_fd;		/* its bytes in flight, or -EBADF */
};

/* Every entry found; fdstore_taken_free() closes what is left in it. */
struct fdstore_taken {
	struct fdstore_entry *v;
	size_t n;
};

/*
 * fd, passed under name (fdstore_is_ours(name)), joins its entry in t:
 * the socket or the memfd. Returns 0 when t took it, or -errno with err
 * saying why not (a name not well formed, a second socket or memfd under
 * one name, an fd that is neither): the fd stays the caller's.
 */
int fdstore_take(struct fdstore_taken *t, int fd, const char *name,
    char *err, size_t errlen);
/*
 * The bytes in flight of e (its memfd), at most max: a malloc'ed copy in
 * *out and its length (NULL and 0 when there are none). Returns 0, or
 * -errno (-EFBIG: more than max).
 */
int fdstore_read(const struct fdstore_entry *e, size_t max, char **out,
    size_t *len);
/*
 * 0 when fd is a connected stream or seqpacket socket (not listening,
 * with a peer, no pending error); else -errno with err saying what it is.
 */
int fdstore_check_conn(int fd, char *err, size_t errlen);
void fdstore_taken_free(struct fdstore_taken *t);

#endif
