/* SPDX-License-Identifier: MIT */
/*
 * market/synth.c - a deterministic synthetic universe for scale tests
 * and benchmarks. Random numbers: xoshiro256** (Blackman & Vigna)
 * seeded through splitmix64 per symbol, normals by Box-Muller, so the
 * same seed gives the same bars on every run and machine with the same
 * libm. Not a market model to trade on: prices only need to look and
 * behave like daily bars (trends, volatility clusters, gaps).
 */
#include "market/market.h"
#include "base/limits.h"

#include "base/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

static double uniform(rng *r) /* (0, 1) */
{
    return ((double)(next(r) >> 11) + 0.5) * 0x1.0p-53;
}

static double normal(rng *r)
{
    return sqrt(-2 * log(uniform(r))) * cos(2 * M_PI * uniform(r));
}

static double round4(double x)
{
    return round(x * 1e4) / 1e4;
}

int argo_market_synth(const argo_synth_options *opt, argo_synth_fn fn, void *ctx, argo_err *err)
{
    if (opt->symbols < 1 || opt->symbols > ARGO_SYNTH_SYMBOLS_MAX || opt->days < 1 ||
        opt->days > ARGO_SYNTH_DAYS_MAX)
        return argo_err_set(err, ARGO_EINVAL, "symbols must be 1..%d and days 1..%d",
                            ARGO_SYNTH_SYMBOLS_MAX, ARGO_SYNTH_DAYS_MAX);
    argo_bar *bars = malloc((size_t)opt->days * sizeof *bars);
    if (!bars)
        return argo_err_set(err, ARGO_ENOMEM, "synth: out of memory");
    int64_t start = opt->start ? opt->start : argo_days_from_civil(2010, 1, 4) * ARGO_DAY_SECONDS;
    const double dt = 1.0 / 252, sdt = sqrt(dt);
    int rc = ARGO_OK;
    for (int k = 0; k < opt->symbols && !rc; k++) {
        uint64_t x = opt->seed * 0x100000001b3ull + (uint64_t)k;
        rng r;
        for (int i = 0; i < 4; i++)
            r.s[i] = splitmix(&x);
        double mu = -0.05 + 0.25 * uniform(&r);
        double calm = 0.10 + 0.15 * uniform(&r), storm = calm * (2 + uniform(&r));
        double price = exp(log(10) + (log(200) - log(10)) * uniform(&r));
        bool stormy = false;
        int64_t day = start / ARGO_DAY_SECONDS;
        for (int d = 0; d < opt->days; d++) {
            while ((day + 3) % 7 >= 5) /* 1970-01-01 was a Thursday: skip Sat, Sun */
                day++;
            if (uniform(&r) < (stormy ? 0.04 : 0.01))
                stormy = !stormy;
            double sigma = stormy ? storm : calm;
            double open = round4(price * exp(0.3 * sigma * sdt * normal(&r)));
            double close =
                round4(open * exp((mu - sigma * sigma / 2) * dt + 0.95 * sigma * sdt * normal(&r)));
            if (open < 1e-4)
                open = 1e-4;
            if (close < 1e-4)
                close = 1e-4;
            double high = round4(fmax(open, close) * exp(0.5 * sigma * sdt * fabs(normal(&r))));
            double low = round4(fmin(open, close) * exp(-0.5 * sigma * sdt * fabs(normal(&r))));
            bars[d] = (argo_bar){
                .ts = day * ARGO_DAY_SECONDS,
                .open = open,
                .high = fmax(high, fmax(open, close)),
                .low = fmax(1e-4, fmin(low, fmin(open, close))),
                .close = close,
                .volume = round(1e6 * exp(0.5 * normal(&r)) * sigma / calm),
            };
            price = close;
            day++;
        }
        char name[ARGO_SYMBOL_MAX];
        snprintf(name, sizeof name, "SYN%04d", k + 1);
        rc = fn(ctx, name, bars, (size_t)opt->days);
    }
    free(bars);
    return rc;
}
