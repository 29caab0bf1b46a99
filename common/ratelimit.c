/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"


struct ratelimit_slot {
	uint64_t last_ms;
	uint32_t tokens_milli;	/* thousandths of a token */
};

struct ratelimit {
	unsigned rate;
	size_t nslots;
	uint64_t seed;
	struct ratelimit_slot slot[];
};

struct ratelimit *
ratelimit_new(unsigned per_second, size_t nslots)
{
	struct ratelimit *rl;

	if (nslots == 0)
		nslots = 1;
	rl = calloc(1, sizeof(*rl) + nslots * sizeof(rl->slot[0]));
	if (!rl)
		return NULL;
	rl->rate = per_second;
	rl->nslots = nslots;
	/* Per-process seed: a peer cannot aim many sources at one slot. */
	rl->seed = ((uint64_t)(uintptr_t)rl * 0x9e3779b97f4a7c15ULL) ^
	    (uint64_t)random();
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

static uint64_t
ratelimit_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 0x100000001b3ULL;	/* FNV-1a */
	return h;
}

int
ratelimit_allow(struct ratelimit *rl, const struct sockaddr *sa,
    socklen_t len, uint64_t now_ms)
{
	const union addr_any *a = (const union addr_any *)sa;
	struct ratelimit_slot *s;
	uint64_t h = rl->seed, add;
	uint32_t cap = rl->rate * 1000u;

	switch (sa->sa_family) {
	case AF_INET:
		h = ratelimit_hash(h, &a->in.sin_addr, sizeof(a->in.sin_addr));
		break;
	case AF_INET6:
		h = ratelimit_hash(h, &a->in6.sin6_addr, sizeof(a->in6.sin6_addr));
		break;
	case AF_VSOCK:
		h = ratelimit_hash(h, &a->vm.svm_cid, sizeof(a->vm.svm_cid));
		break;
	default:
		h = ratelimit_hash(h, sa, len);
		break;
	}
	s = &rl->slot[h % rl->nslots];
	if (s->last_ms == 0) {
		s->tokens_milli = cap;
	} else if (now_ms > s->last_ms) {
		add = (now_ms - s->last_ms) * rl->rate;
		s->tokens_milli = add >= cap - s->tokens_milli ? cap :
		    s->tokens_milli + (uint32_t)add;
	}
	s->last_ms = now_ms ? now_ms : 1;
	if (s->tokens_milli < 1000)
		return 0;
	s->tokens_milli -= 1000;
	return 1;
}
