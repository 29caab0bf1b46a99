/* SPDX-License-Identifier: MIT */
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
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

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

static int
sandbox_landlock(const struct sandbox_conf *conf, struct sandbox_result *res,
    char *err, size_t errlen)
{
	struct sandbox_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr pb = { 0 };
	size_t size;
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
		attr.scoped = SANDBOX_SCOPE_SIGNAL;
		if (!conf->allow_abstract_unix)
			attr.scoped |= SANDBOX_SCOPE_ABSTRACT_UNIX;
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
			snprintf(err, errlen, "Landlock: %s: %s", conf->read_dir,
			    strerror(errno));
			goto out;
		}
		pb.allowed_access = SANDBOX_FS_READ;
		pb.parent_fd = dfd;
		if (syscall(__NR_landlock_add_rule, rfd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
			r = -errno;
			snprintf(err, errlen, "Landlock: allow reading %s: %s",
			    conf->read_dir, strerror(errno));
			goto out;
		}
	}
#if SANDBOX_SANITIZER
	/* Sanitizer builds only: leak and error reports read /proc/self. */
	{
		int pfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

		pb.allowed_access = SANDBOX_FS_READ;
		pb.parent_fd = pfd;
		if (pfd >= 0) {
			(void)syscall(__NR_landlock_add_rule, rfd,
			    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
			close(pfd);
		}
	}
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

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

#define SANDBOX_DENY (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

#ifdef SANDBOX_ARCH
/* Syscalls that reach out of the process: refused with EPERM. io_uring
 * is here because its SOCKET and CONNECT operations bypass the rest. */
static const unsigned sandbox_denied[] = {
	__NR_execve, __NR_execveat, __NR_connect, __NR_socketpair,
	__NR_io_uring_setup,
};
#define SANDBOX_NDENIED (sizeof(sandbox_denied) / sizeof(sandbox_denied[0]))
#endif

static int
sandbox_seccomp(struct sandbox_result *res, char *err, size_t errlen)
{
#ifdef SANDBOX_ARCH
	/*
	 * Only what reaches out is filtered; everything else a libevent
	 * server does stays allowed. socket() is allowed for AF_UNIX
	 * datagram sockets alone, because sd_notify() opens one per message;
	 * without connect() they cannot reach a stream service.
	 *
	 *   check arch (else kill); load nr; x32 -> deny
	 *   nr == each denied -> deny; nr == socket -> check its arguments
	 *   allow; deny: EPERM
	 *   socket: domain AF_UNIX and type SOCK_DGRAM -> allow, else deny
	 */
	struct sock_filter prog[32];
	struct sock_fprog fprog = { .filter = prog };
	unsigned short n = 0, deny, deny2, i;

	/* BPF jumps only forward: the argument checks get a deny of their
	 * own at the end. */
	deny = (unsigned short)(4 + 1 + SANDBOX_NDENIED + 2);
	deny2 = (unsigned short)(deny + 7);
#define EMIT(x) (prog[n] = (struct sock_filter)x, n++)
#define TO(target) ((unsigned char)((target) - n - 1))
	EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0));
	EMIT(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
#if defined(__x86_64__)
	/* The x32 ABI numbers its syscalls from 0x40000000: none of it. */
	EMIT(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, TO(deny), 0));
#else
	EMIT(BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0));
#endif
	for (i = 0; i < SANDBOX_NDENIED; i++)
		EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sandbox_denied[i],
		    TO(deny), 0));
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 2, 0));
	EMIT(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	EMIT(BPF_STMT(BPF_RET | BPF_K, SANDBOX_DENY));		/* deny */
	EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])));
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, TO(deny2)));
	EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])));
	/* SOCK_NONBLOCK and SOCK_CLOEXEC ride in the same argument. */
	EMIT(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf));
	EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCK_DGRAM, 0, TO(deny2)));
	EMIT(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	EMIT(BPF_STMT(BPF_RET | BPF_K, SANDBOX_DENY));		/* deny2 */
#undef TO
#undef EMIT
	fprog.len = n;
	if (deny2 != n - 1 || n > sizeof(prog) / sizeof(prog[0])) {
		snprintf(err, errlen, "seccomp: filter layout is wrong");
		return -EINVAL;
	}
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
		res->seccomp = 0;	/* kernel built without seccomp */
		return 0;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) < 0) {
		int r = -errno;

		snprintf(err, errlen, "seccomp: %s", strerror(errno));
		return r;
	}
	res->seccomp = 1;
	return 0;
#else
	(void)err;
	(void)errlen;
	res->seccomp = 0;
	return 0;
#endif
}

int
sandbox_apply(const struct sandbox_conf *conf, struct sandbox_result *res,
    char *err, size_t errlen)
{
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
	r = sandbox_seccomp(res, err, errlen);
	if (r < 0)
		return r;
	if (res->landlock_abi > 0)
		snprintf(res->detail, sizeof(res->detail),
		    "Landlock ABI %d (filesystem%s%s%s)%s", res->landlock_abi,
		    conf->read_dir ? ": read-only beneath " : ": none",
		    conf->read_dir ? conf->read_dir : "",
		    res->landlock_abi >= 4 ? "; no TCP bind or connect" : "",
		    res->seccomp ? ", seccomp (no exec, connect or new "
		    "sockets)" : ", no seccomp in this kernel");
	else
		snprintf(res->detail, sizeof(res->detail), "no Landlock in "
		    "this kernel%s", res->seccomp ? "; seccomp (no exec, "
		    "connect or new sockets)" : ", no seccomp either");
	return 0;
}
