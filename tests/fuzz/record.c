/* SPDX-License-Identifier: MIT */
/*
 * Preloaded into socket-activate-httpd by tests/fuzz/make-corpus.sh while
 * the test suite runs: records what every client sent, as fuzz-conn reads
 * it, so the fuzzers' seeds are the suite's own requests.
 *
 * Each connection becomes one record in the file FUZZ_RECORD (opened at
 * load time, before the sandbox closes the filesystem): a 4-byte
 * little-endian length, then a fuzz-conn input: one configuration byte
 * (FUZZ_RECORD_CONFIG, from the server's options), then the bytes the
 * server received, one chunk per recv(), chunks joined by "\xff\xff". At
 * most RECORD_MAX bytes of a connection are kept.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define RECORD_FDS 4096
#define RECORD_MAX (16 * 1024)

struct record {
	unsigned char *data;
	size_t len;
};

static struct record records[RECORD_FDS];
static int record_fd = -1;
static unsigned char record_config;
static ssize_t (*real_recv)(int, void *, size_t, int);
static int (*real_close)(int);

ssize_t recv(int fd, void *buf, size_t len, int flags);
int close(int fd);

static void
record_flush(int fd)
{
	struct record *r = &records[fd];
	uint32_t n = (uint32_t)r->len - 4;

	if (!r->data)
		return;
	/* Only connections that sent something make a seed; one write, so
	 * records of two servers never mix. */
	if (n > 1 && record_fd >= 0) {
		r->data[0] = (unsigned char)n;
		r->data[1] = (unsigned char)(n >> 8);
		r->data[2] = (unsigned char)(n >> 16);
		r->data[3] = (unsigned char)(n >> 24);
		(void)!write(record_fd, r->data, r->len);
	}
	free(r->data);
	r->data = NULL;
	r->len = 0;
}

static void
record_add(int fd, const void *buf, size_t n)
{
	struct record *r = &records[fd];

	/* data: room for the length, the configuration byte, the chunks. */
	if (!r->data) {
		r->data = malloc(RECORD_MAX);
		if (!r->data)
			return;
		r->data[4] = record_config;
		r->len = 5;
	} else if (r->len + 2 <= RECORD_MAX) {
		memcpy(r->data + r->len, "\xff\xff", 2);
		r->len += 2;
	}
	if (n > RECORD_MAX - r->len)
		n = RECORD_MAX - r->len;
	memcpy(r->data + r->len, buf, n);
	r->len += n;
}

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	ssize_t n = real_recv(fd, buf, len, flags);

	if (n > 0 && fd >= 0 && fd < RECORD_FDS && !(flags & MSG_PEEK))
		record_add(fd, buf, (size_t)n);
	return n;
}

int
close(int fd)
{
	if (fd >= 0 && fd < RECORD_FDS)
		record_flush(fd);
	return real_close(fd);
}

__attribute__((constructor)) static void
record_init(void)
{
	const char *path = getenv("FUZZ_RECORD");
	const char *config = getenv("FUZZ_RECORD_CONFIG");

	real_recv = (ssize_t (*)(int, void *, size_t, int))dlsym(RTLD_NEXT,
	    "recv");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	if (config)
		record_config = (unsigned char)atoi(config);
	if (path)
		record_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0644);
}

__attribute__((destructor)) static void
record_fini(void)
{
	int fd;

	for (fd = 0; fd < RECORD_FDS; fd++)
		record_flush(fd);
}
