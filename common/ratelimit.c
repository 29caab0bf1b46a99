/* SPDX-License-Identifier: MIT */
/*
 * Token buckets per source address in a fixed table (ratelimit.h): the
 * bucket arithmetic, and the keyed hash that picks a bucket, with a key
 * from getrandom() so a sender cannot aim sources at one bucket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ratelimit.h"

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004	/* Linux 5.6; older kernels say EINVAL */
#endif

struct ratelimit_slot {
	uint64_t last_ms;
	uint64_t tokens_milli;	/* thousandths of a token, up to rate * 1000 */
};

struct ratelimit {
	uint64_t rate;		/* tokens a second, and the burst */
	size_t nslots;
	uint8_t key[16];
	struct ratelimit_slot slot[];
};

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3) do {					\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
load64_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v |= (uint64_t)p[n] << (8 * n);
	return v;
}

uint64_t
ratelimit_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = load64_le(key, 8), k1 = load64_le(key + 8, 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m;
	size_t left = len;

	for (; left >= 8; p += 8, left -= 8) {
		m = load64_le(p, 8);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = load64_le(p, left) | (uint64_t)len << 56;
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * The kernel's random bytes, without waiting at early boot (a socket
 * activated service can start then): a pool not yet initialized still
 * gives unpredictable bytes to GRND_INSECURE; kernels before 5.6, which
 * lack it, are waited for.
 */
static int
ratelimit_key(uint8_t *key, size_t len)
{
	static const unsigned flags[] = { GRND_NONBLOCK, GRND_INSECURE, 0 };
	size_t i;
	ssize_t n = -1;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		do
			n = getrandom(key, len, flags[i]);
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)len)
			return 0;
		if (n >= 0 || (errno != EAGAIN && errno != EINVAL))
			break;
	}
	return n < 0 ? -errno : -EIO;
}

struct ratelimit *
ratelimit_new(unsigned per_second, size_t nslots)
{
	struct ratelimit *rl;
	int r;

	if (nslots == 0)
		nslots = 1;
	rl = calloc(1, sizeof(*rl) + nslots * sizeof(rl->slot[0]));
	if (!rl)
		return NULL;
	rl->rate = per_second;
	rl->nslots = nslots;
	r = ratelimit_key(rl->key, sizeof(rl->key));
	if (r < 0) {
		free(rl);
		errno = -r;
		return NULL;
	}
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

int
ratelimit_allow(struct ratelimit *rl, const struct sockaddr *sa,
    socklen_t len, uint64_t now_ms)
{
	const union addr_any *a = (const union addr_any *)sa;
	struct ratelimit_slot *s;
	uint64_t h, cap = rl->rate * 1000;

	switch (sa->sa_family) {
	case AF_INET:
		h = ratelimit_siphash(rl->key, &a->in.sin_addr,
		    sizeof(a->in.sin_addr));
		break;
	case AF_INET6:
		h = ratelimit_siphash(rl->key, &a->in6.sin6_addr,
		    sizeof(a->in6.sin6_addr));
		break;
	case AF_VSOCK:
		h = ratelimit_siphash(rl->key, &a->vm.svm_cid,
		    sizeof(a->vm.svm_cid));
		break;
	default:
		h = ratelimit_siphash(rl->key, sa, len);
		break;
	}
	s = &rl->slot[h % rl->nslots];
	/* rate thousandths of a token come back each millisecond: a bucket
	 * idle for a second or more is full, and below that the product
	 * stays far from overflowing (999 * UINT_MAX). */
	if (s->last_ms == 0 || (now_ms > s->last_ms &&
	    now_ms - s->last_ms >= 1000))
		s->tokens_milli = cap;
	else if (now_ms > s->last_ms)
		s->tokens_milli += (now_ms - s->last_ms) * rl->rate;
	if (s->tokens_milli > cap)
		s->tokens_milli = cap;
	s->last_ms = now_ms ? now_ms : 1;
	if (s->tokens_milli < 1000)
		return 0;
	s->tokens_milli -= 1000;
	return 1;
}
