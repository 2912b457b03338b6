/* SPDX-License-Identifier: MIT */
/* bench/bench_util.h - the clock and the random numbers the benchmarks
 * share: a monotonic clock in seconds, and xorshift64 (Marsaglia, 2003)
 * uniforms in [0, 1), deterministic for a given seed. */
#ifndef ARGO_BENCH_UTIL_H
#define ARGO_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct bench_rng {
    uint64_t s; /* any non-zero seed */
} bench_rng;

static inline double bench_uniform(bench_rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (double)(r->s >> 11) * 0x1.0p-53;
}

#endif
