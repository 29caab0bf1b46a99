/* SPDX-License-Identifier: MIT */
/*
 * The confinement both servers apply once their sockets are set up
 * (sandbox.h): Landlock for the filesystem, TCP and scopes, and a seccomp
 * filter, built by libseccomp, for exec, new sockets, bind, listen,
 * connect and sending to an address.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/landlock.h>
#include <seccomp.h>

#include "logesc.h"
#include "sandbox.h"

/* Debian 12's headers stop at Landlock ABI 2; the kernels we run on do
 * not. These values are kernel ABI and never change. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define SANDBOX_NET_BIND_TCP (1ULL << 0)
#define SANDBOX_NET_CONNECT_TCP (1ULL << 1)
#define SANDBOX_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define SANDBOX_SCOPE_SIGNAL (1ULL << 1)

/* gcc says __SANITIZE_ADDRESS__, clang 14 only __has_feature(). */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif
#ifndef SANDBOX_SANITIZER
#define SANDBOX_SANITIZER 0
#endif

/* struct landlock_ruleset_attr as of ABI 6; older kernels get a prefix. */
struct sandbox_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define SANDBOX_FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

static uint64_t
sandbox_fs_rights(int abi)
{
	uint64_t all = (1ULL << 13) - 1;	/* ABI 1: EXECUTE .. MAKE_SYM */

	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return all;
}

#if SANDBOX_SANITIZER || defined(SANDBOX_COVERAGE_DIR)
/* Test builds only: what their runtime needs after the sandbox, allowed
 * beneath dir, best effort. */
static void
sandbox_allow_test(int rfd, const char *dir, uint64_t access)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access };

	pb.parent_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pb.parent_fd >= 0) {
		(void)syscall(__NR_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
		close(pb.parent_fd);
	}
}
#endif

static int
sandbox_landlock(const struct sandbox_conf *conf, struct sandbox_result *res,
    char *err, size_t errlen)
{
	struct sandbox_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr pb = { 0 };
	size_t size;
	char dir[256];
	int abi, rfd, dfd = -1, r = 0;

	abi = (int)syscall(__NR_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		res->landlock_abi = 0;
		return 0;	/* ENOSYS or disabled at boot: not ours to fix */
	}
	res->landlock_abi = abi;
	attr.handled_access_fs = sandbox_fs_rights(abi);
	size = offsetof(struct sandbox_ruleset_attr, handled_access_net);
	if (abi >= 4) {
		attr.handled_access_net = SANDBOX_NET_BIND_TCP |
		    SANDBOX_NET_CONNECT_TCP;
		size = offsetof(struct sandbox_ruleset_attr, scoped);
	}
	if (abi >= 6) {
		/* The notify socket, even an abstract one, is connected
		 * already: a connected socket sends past the scope. */
		attr.scoped = SANDBOX_SCOPE_SIGNAL | SANDBOX_SCOPE_ABSTRACT_UNIX;
		size = sizeof(attr);
	}
	rfd = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
	if (rfd < 0) {
		r = -errno;
		snprintf(err, errlen, "Landlock: create ruleset: %s",
		    strerror(errno));
		return r;
	}
	if (conf->read_dir) {
		dfd = open(conf->read_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			r = -errno;
			snprintf(err, errlen, "Landlock: %s: %s",
			    logesc_str(dir, sizeof(dir), conf->read_dir, 0),
			    strerror(errno));
			goto out;
		}
		pb.allowed_access = SANDBOX_FS_READ;
		pb.parent_fd = dfd;
		if (syscall(__NR_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
			r = -errno;
			snprintf(err, errlen, "Landlock: allow reading %s: %s",
			    logesc_str(dir, sizeof(dir), conf->read_dir, 0),
			    strerror(errno));
			goto out;
		}
	}
#if SANDBOX_SANITIZER
	/* Sanitizer builds only: leak and error reports read /proc/self. */
	sandbox_allow_test(rfd, "/proc", SANDBOX_FS_READ);
#endif
#ifdef SANDBOX_COVERAGE_DIR
	/* Coverage builds only (make coverage): gcov merges its counters
	 * into the .gcda files beneath the build directory at exit. */
	sandbox_allow_test(rfd, SANDBOX_COVERAGE_DIR, SANDBOX_FS_READ |
	    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG |
	    LANDLOCK_ACCESS_FS_MAKE_DIR | (abi >= 3 ?
	    LANDLOCK_ACCESS_FS_TRUNCATE : 0));
#endif
	if (syscall(__NR_landlock_restrict_self, rfd, 0) < 0) {
		r = -errno;
		snprintf(err, errlen, "Landlock: restrict self: %s",
		    strerror(errno));
	}
out:
	if (dfd >= 0)
		close(dfd);
	close(rfd);
	return r;
}

/*
 * Syscalls that reach out of the process, or make a way to: refused with
 * EPERM. A running server makes no socket (the notify socket is made and
 * connected before), binds, listens and connects nothing. io_uring is
 * here because its SOCKET and CONNECT operations bypass the rest.
 */
static const int sandbox_denied[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(socket),
	SCMP_SYS(socketpair), SCMP_SYS(bind), SCMP_SYS(listen),
	SCMP_SYS(connect), SCMP_SYS(io_uring_setup),
};

/*
 * Only what reaches out is filtered; everything else a libevent server
 * does stays allowed, and so do the sockets it already has. Without new
 * sockets, only a datagram socket already held could send to an address
 * of its choosing: sendto() with an address is refused unless the server
 * serves datagrams (echo replies to each source). sendmsg() stays: httpd
 * writes responses with it and notifications may carry descriptors; its
 * address is behind a pointer the filter cannot read, and the sockets it
 * can use are the same. A syscall of another ABI than the process's own
 * (x32, or i386 through int 0x80 on x86-64) kills the process: none of
 * ours makes one.
 */
static int
sandbox_seccomp_rules(scmp_filter_ctx ctx, const struct sandbox_conf *conf)
{
	size_t i;
	int r;

	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	/* libseccomp offers KILL_PROCESS only when the seccomp() system call
	 * says the kernel has it; without that call (before Linux 3.17,
	 * under valgrind, behind some container profiles) killing the thread
	 * is the same here: the servers have one. */
	if (r == -EINVAL)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
		    SCMP_ACT_KILL);
	for (i = 0; r == 0 && i < sizeof(sandbox_denied) /
	    sizeof(sandbox_denied[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    sandbox_denied[i], 0);
	/* send() is sendto() with no address (argument 4, a pointer). */
	if (r == 0 && !conf->send_to_addresses)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(sendto), 1, SCMP_A4_64(SCMP_CMP_NE, 0));
	return r;
}

static int
sandbox_seccomp(const struct sandbox_conf *conf, struct sandbox_result *res,
    char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int r;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
		res->seccomp = 0;	/* kernel built without seccomp */
		return 0;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, errlen, "seccomp: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	r = sandbox_seccomp_rules(ctx, conf);
	if (r < 0) {
		snprintf(err, errlen, "seccomp: building the filter: %s",
		    strerror(-r));
	} else {
		r = seccomp_load(ctx);
		if (r < 0)
			snprintf(err, errlen, "seccomp: %s", strerror(-r));
		else
			res->seccomp = 1;
	}
	seccomp_release(ctx);
	return r;
}

int
sandbox_apply(const struct sandbox_conf *conf, struct sandbox_result *res,
    char *err, size_t errlen)
{
	char dir[128];
	int r;

	memset(res, 0, sizeof(*res));
	/* Both layers need it, and it is right on its own: nothing this
	 * process runs can gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return r;
	}
	r = sandbox_landlock(conf, res, err, errlen);
	if (r < 0)
		return r;
	r = sandbox_seccomp(conf, res, err, errlen);
	if (r < 0)
		return r;
	if (res->landlock_abi > 0)
		snprintf(res->detail, sizeof(res->detail),
		    "Landlock ABI %d (filesystem%s%s%s)%s", res->landlock_abi,
		    conf->read_dir ? ": read-only beneath " : ": none",
		    logesc_str(dir, sizeof(dir), conf->read_dir, 0),
		    res->landlock_abi >= 4 ? "; no TCP bind or connect" : "",
		    res->seccomp ? ", seccomp (no exec, new sockets, bind "
		    "or connect)" : ", no seccomp in this kernel (or emulator)");
	else
		/* qemu-user lacks both, whatever the host kernel has: an
		 * arm64 image run under emulation lands here. */
		snprintf(res->detail, sizeof(res->detail), "no Landlock in "
		    "this kernel (or emulator)%s", res->seccomp ? "; seccomp (no exec, "
		    "new sockets, bind or connect)" : ", no seccomp either");
	return 0;
}
