/* SPDX-License-Identifier: MIT */
#ifndef SA_RATELIMIT_H
#define SA_RATELIMIT_H

#include <stdint.h>
#include "addr.h"

/*
 * Token buckets per source address (the port is ignored: a reflection
 * attack spoofs one victim address, any port), in a fixed-size table so
 * memory stays bounded however many sources there are. Two sources that
 * hash to the same slot share a bucket: a limit can only get stricter.
 */
struct ratelimit;

/* nslots buckets (1: one global bucket), each refilling per_second tokens
 * a second up to a burst of per_second (0: nothing passes), any unsigned
 * value. Buckets are picked by a hash keyed from getrandom(). NULL with
 * errno set: out of memory, or no getrandom() (Linux before 3.17). */
#define RATELIMIT_SOURCES 4096
struct ratelimit *ratelimit_new(unsigned per_second, size_t nslots);
void ratelimit_free(struct ratelimit *rl);
/* 1 if a datagram from sa may be answered at now_ms, else 0. */
int ratelimit_allow(struct ratelimit *rl, const struct sockaddr *sa,
    socklen_t len, uint64_t now_ms);
/* SipHash-2-4 of data under key: the bucket hash, here for its test. */
uint64_t ratelimit_siphash(const uint8_t key[16], const void *data,
    size_t len);

#endif
