/* SPDX-License-Identifier: MIT */
/*
 * market/aggregate.c - minute bars into argo's bar size (aggregate.h says
 * the rules: buckets, closing (a)-(d), duplicates, replacements, late
 * minutes). Hand-written: no Debian library aggregates OHLCV bars (the
 * time-series packages are Python or R, and none decides when a live bar
 * is closed); the whole of it is a symbol table and a sorted array.
 *
 * Per symbol: the minutes of its open bar, sorted by ts (at most
 * bar_seconds / 60 of them, one per distinct minute), the end of its last
 * closed bar (minutes before it are late) and its newest minute. Globally:
 * the stream's clock, and the close times of the open bars with their
 * counts (a short sorted list: every open bar closes on a bar boundary),
 * so rule (c) scans the symbols only when a close time has been passed.
 *
 * Rule (a) closes a symbol's bar on its minute that ends at the close.
 * Messages out of order in transit are the caller's to sort first
 * (app/live.c lets a burst of minutes settle and hands them over in
 * time order).
 *
 * Closed bars go to a pending list, sorted by (ts, symbol), then to the
 * caller's fn. When fn fails, the bars not yet handed stay pending and the
 * next call hands them first (and takes no new minute until it has).
 */
#include "market/aggregate.h"

#include "base/limits.h"
#include "base/timeutil.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct agg_sym {
    char name[ARGO_SYMBOL_MAX];
    int64_t open_start;  /* the open bar's ts; INT64_MIN: none open */
    int64_t closed_end;  /* minutes before it are late; INT64_MIN at first */
    int64_t last_minute; /* newest minute held or closed; INT64_MIN: none */
    argo_bar *min;       /* the open bar's minutes, ts ascending */
    size_t n, cap;
} agg_sym;

typedef struct agg_close { /* open bars closing at ct */
    int64_t ct;
    size_t count;
} agg_close;

typedef struct agg_out { /* a closed bar not yet handed to fn */
    size_t sym;
    const char *name; /* set just before sorting */
    argo_bar bar;
} agg_out;

struct argo_agg {
    int64_t bar_s, close_s, grace_s;
    int64_t clock; /* end of the newest minute of any symbol; INT64_MIN */
    agg_sym *syms;
    size_t nsyms, symcap;
    size_t *hash; /* index + 1 into syms; 0 empty; hcap a power of 2 */
    size_t hcap;
    agg_close *closes; /* ct ascending, counts > 0 */
    size_t ncloses, closecap;
    agg_out *out; /* pending closed bars, handed from out_pos */
    size_t nout, outcap, out_pos;
    argo_agg_stats st;
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t bar_start(const argo_agg *a, int64_t ts)
{
    return floor_div(ts, a->bar_s) * a->bar_s;
}

static int64_t close_time(const argo_agg *a, int64_t start)
{
    return a->bar_s == ARGO_DAY_SECONDS ? start + a->close_s : start + a->bar_s;
}

int argo_agg_new(int64_t bar_seconds, int64_t close_s, int64_t grace_s, argo_agg **out,
                 argo_err *err)
{
    *out = NULL;
    if (bar_seconds != ARGO_DAY_SECONDS &&
        (bar_seconds < 60 || bar_seconds % 60 != 0 || ARGO_DAY_SECONDS % bar_seconds != 0))
        return argo_err_set(err, ARGO_EINVAL,
                            "aggregator: bar size %lld s is not 86400 or a whole number of minutes "
                            "dividing a day",
                            (long long)bar_seconds);
    if (bar_seconds == ARGO_DAY_SECONDS && (close_s < 60 || close_s > ARGO_DAY_SECONDS))
        return argo_err_set(err, ARGO_EINVAL,
                            "aggregator: session close %lld s after midnight is not in 60..86400",
                            (long long)close_s);
    if (grace_s < 0 || grace_s > 3600)
        return argo_err_set(err, ARGO_EINVAL, "aggregator: grace %lld s is not in 0..3600",
                            (long long)grace_s);
    argo_agg *a = calloc(1, sizeof *a);
    if (!a)
        return argo_err_set(err, ARGO_ENOMEM, "aggregator: out of memory");
    a->bar_s = bar_seconds;
    a->close_s = close_s;
    a->grace_s = grace_s;
    a->clock = INT64_MIN;
    *out = a;
    return 0;
}

void argo_agg_free(argo_agg *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nsyms; i++)
        free(a->syms[i].min);
    free(a->syms);
    free(a->hash);
    free(a->closes);
    free(a->out);
    free(a);
}

/* ---- the symbol table ---- */

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t *slot(const argo_agg *a, const char *name)
{
    size_t mask = a->hcap - 1;
    for (size_t i = (size_t)fnv(name) & mask;; i = (i + 1) & mask) {
        size_t *s = &a->hash[i];
        if (*s == 0 || strcmp(a->syms[*s - 1].name, name) == 0)
            return s;
    }
}

static const agg_sym *find(const argo_agg *a, const char *name)
{
    if (a->hcap == 0)
        return NULL;
    size_t *s = slot(a, name);
    return *s ? &a->syms[*s - 1] : NULL;
}

static int rehash(argo_agg *a, size_t hcap, argo_err *err)
{
    size_t *h = calloc(hcap, sizeof *h);
    if (!h)
        return argo_err_set(err, ARGO_ENOMEM, "aggregator: out of memory");
    free(a->hash);
    a->hash = h;
    a->hcap = hcap;
    for (size_t i = 0; i < a->nsyms; i++)
        *slot(a, a->syms[i].name) = i + 1;
    return 0;
}

static int intern(argo_agg *a, const char *name, size_t *idx, argo_err *err)
{
    size_t len = strlen(name);
    if (len == 0 || len >= ARGO_SYMBOL_MAX)
        return argo_err_set(err, ARGO_EINVAL, "aggregator: symbol of %zu bytes (1 to %d allowed)",
                            len, ARGO_SYMBOL_MAX - 1);
    if (a->hcap) {
        size_t *s = slot(a, name);
        if (*s) {
            *idx = *s - 1;
            return 0;
        }
    }
    if (a->nsyms >= ARGO_SYMBOLS_MAX)
        return argo_err_set(err, ARGO_ELIMIT, "aggregator: symbol %s is over the %d symbols held",
                            name, ARGO_SYMBOLS_MAX);
    if (a->nsyms == a->symcap) {
        size_t cap = a->symcap ? a->symcap * 2 : 16;
        agg_sym *s = realloc(a->syms, cap * sizeof *s);
        if (!s)
            return argo_err_set(err, ARGO_ENOMEM, "aggregator: out of memory");
        a->syms = s;
        a->symcap = cap;
    }
    if ((a->nsyms + 1) * 2 > a->hcap) {
        int rc = rehash(a, a->hcap ? a->hcap * 2 : 64, err);
        if (rc)
            return rc;
    }
    agg_sym *s = &a->syms[a->nsyms];
    memset(s, 0, sizeof *s);
    memcpy(s->name, name, len + 1);
    s->open_start = s->closed_end = s->last_minute = INT64_MIN;
    *slot(a, name) = ++a->nsyms;
    *idx = a->nsyms - 1;
    return 0;
}

/* ---- the close times of the open bars ---- */

static int closes_add(argo_agg *a, int64_t ct, argo_err *err)
{
    size_t i = 0;
    while (i < a->ncloses && a->closes[i].ct < ct)
        i++;
    if (i < a->ncloses && a->closes[i].ct == ct) {
        a->closes[i].count++;
        return 0;
    }
    if (a->ncloses == a->closecap) {
        size_t cap = a->closecap ? a->closecap * 2 : 8;
        agg_close *c = realloc(a->closes, cap * sizeof *c);
        if (!c)
            return argo_err_set(err, ARGO_ENOMEM, "aggregator: out of memory");
        a->closes = c;
        a->closecap = cap;
    }
    memmove(&a->closes[i + 1], &a->closes[i], (a->ncloses - i) * sizeof *a->closes);
    a->closes[i] = (agg_close){.ct = ct, .count = 1};
    a->ncloses++;
    return 0;
}

static void closes_remove(argo_agg *a, int64_t ct)
{
    for (size_t i = 0; i < a->ncloses; i++)
        if (a->closes[i].ct == ct) {
            if (--a->closes[i].count == 0) {
                memmove(&a->closes[i], &a->closes[i + 1], (a->ncloses - i - 1) * sizeof *a->closes);
                a->ncloses--;
            }
            return;
        }
}

/* ---- closing ---- */

static int out_reserve(argo_agg *a, size_t more, argo_err *err)
{
    if (a->nout + more <= a->outcap)
        return 0;
    size_t cap = a->outcap ? a->outcap : 16;
    while (cap < a->nout + more)
        cap *= 2;
    agg_out *o = realloc(a->out, cap * sizeof *o);
    if (!o)
        return argo_err_set(err, ARGO_ENOMEM, "aggregator: out of memory");
    a->out = o;
    a->outcap = cap;
    return 0;
}

/* Closes s's open bar into the pending list (room reserved by the caller). */
static void close_bar(argo_agg *a, size_t idx)
{
    agg_sym *s = &a->syms[idx];
    argo_bar b = {.ts = s->open_start,
                  .open = s->min[0].open,
                  .high = s->min[0].high,
                  .low = s->min[0].low,
                  .close = s->min[s->n - 1].close};
    for (size_t i = 0; i < s->n; i++) {
        if (s->min[i].high > b.high)
            b.high = s->min[i].high;
        if (s->min[i].low < b.low)
            b.low = s->min[i].low;
        b.volume += s->min[i].volume;
    }
    a->out[a->nout++] = (agg_out){.sym = idx, .bar = b};
    closes_remove(a, close_time(a, s->open_start));
    s->closed_end = s->open_start + a->bar_s;
    s->open_start = INT64_MIN;
    s->n = 0;
    a->st.bars++;
}

/* Closes every open bar whose close time + grace is at or before t. */
static int close_until(argo_agg *a, int64_t t, argo_err *err)
{
    if (t < INT64_MIN + 3600 || a->ncloses == 0 || a->closes[0].ct > t - a->grace_s)
        return 0;
    size_t due = 0;
    for (size_t i = 0; i < a->ncloses && a->closes[i].ct <= t - a->grace_s; i++)
        due += a->closes[i].count;
    int rc = out_reserve(a, due, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < a->nsyms; i++) {
        agg_sym *s = &a->syms[i];
        if (s->open_start != INT64_MIN && close_time(a, s->open_start) <= t - a->grace_s)
            close_bar(a, i);
    }
    return 0;
}

static int out_cmp(const void *x, const void *y)
{
    const agg_out *p = x, *q = y;
    if (p->bar.ts != q->bar.ts)
        return p->bar.ts < q->bar.ts ? -1 : 1;
    return strcmp(p->name, q->name);
}

/* Hands the pending bars to fn in order. */
static int flush(argo_agg *a, bool sort, argo_agg_bar_fn fn, void *ctx, argo_err *err)
{
    if (sort && a->nout - a->out_pos > 1) {
        for (size_t i = a->out_pos; i < a->nout; i++)
            a->out[i].name = a->syms[a->out[i].sym].name;
        qsort(a->out + a->out_pos, a->nout - a->out_pos, sizeof *a->out, out_cmp);
    }
    while (a->out_pos < a->nout) {
        const agg_out *o = &a->out[a->out_pos++];
        int rc = fn ? fn(ctx, a->syms[o->sym].name, &o->bar) : 0;
        if (rc) {
            if (err && err->code == 0)
                argo_err_set(err, rc < 0 ? rc : ARGO_ECANCELED,
                             "aggregator: the receiver of bar %s refused it (%d)",
                             a->syms[o->sym].name, rc);
            return rc;
        }
    }
    a->nout = a->out_pos = 0;
    return 0;
}

static bool same(const argo_bar *x, const argo_bar *y)
{
    return x->open == y->open && x->high == y->high && x->low == y->low && x->close == y->close &&
           x->volume == y->volume;
}

/* Room for one more minute in s's open bar (n of them held): at most one
 * minute per distinct ts of a bar, so bar_s / 60 in all. */
static int reserve_minute(argo_agg *a, agg_sym *s, size_t n, argo_err *err)
{
    size_t max = (size_t)(a->bar_s / 60);
    if (n < s->cap || s->cap >= max)
        return 0;
    size_t cap = s->cap ? s->cap * 2 : 8;
    if (cap > max)
        cap = max;
    argo_bar *p = realloc(s->min, cap * sizeof *p);
    if (!p)
        return argo_err_set(err, ARGO_ENOMEM, "aggregator: out of memory");
    s->min = p;
    s->cap = cap;
    return 0;
}

/* Puts m among s's minutes (room reserved): 0 taken, 1 duplicate, 2 replaced. */
static int hold(agg_sym *s, const argo_bar *m)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->min[mid].ts < m->ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n && s->min[lo].ts == m->ts) {
        if (same(&s->min[lo], m))
            return 1;
        s->min[lo] = *m;
        return 2;
    }
    assert(s->n < s->cap);
    memmove(&s->min[lo + 1], &s->min[lo], (s->n - lo) * sizeof *s->min);
    s->min[lo] = *m;
    s->n++;
    return 0;
}

int argo_agg_add(argo_agg *a, const char *symbol, const argo_bar *minute, argo_agg_bar_fn fn,
                 void *ctx, argo_err *err)
{
    if (!a || !symbol || !minute)
        return argo_err_set(err, ARGO_EINVAL, "aggregator: NULL argument");
    int rc = flush(a, false, fn, ctx, err);
    if (rc)
        return rc;
    if (minute->ts % 60 != 0 || minute->ts > INT64_MAX - ARGO_DAY_SECONDS * 2 ||
        minute->ts < INT64_MIN + ARGO_DAY_SECONDS * 2)
        return argo_err_set(err, ARGO_EINVAL, "aggregator: %s minute at %lld is not a whole minute",
                            symbol, (long long)minute->ts);
    size_t idx = 0;
    if ((rc = intern(a, symbol, &idx, err)) != 0)
        return rc;
    if ((rc = out_reserve(a, 2, err)) != 0) /* (b) and (a) */
        return rc;
    agg_sym *s = &a->syms[idx];
    int64_t b = bar_start(a, minute->ts);
    bool open = s->open_start == b;
    /* late: for a bar of this symbol closed by (a), (b) or (d), for a bar
     * before its open one, or for a bar the stream's clock has closed */
    bool late =
        b < s->closed_end || (s->open_start != INT64_MIN && b < s->open_start) ||
        minute->ts >= close_time(a, b) || /* after the session: in no bar */
        (!open && a->clock >= INT64_MIN + 3600 && close_time(a, b) <= a->clock - a->grace_s);
    if (!late && (rc = reserve_minute(a, s, open ? s->n : 0, err)) != 0)
        return rc;
    if (minute->ts + 60 > a->clock)
        a->clock = minute->ts + 60;
    if (late) {
        a->st.late++;
    } else {
        if (!open && s->open_start != INT64_MIN)
            close_bar(a, idx); /* (b): a minute of a later bar */
        if (!open) {
            if ((rc = closes_add(a, close_time(a, b), err)) != 0)
                return rc; /* nothing held: s has no open bar */
            s->open_start = b;
        }
        rc = hold(s, minute);
        if (rc == 1) {
            a->st.duplicates++;
        } else {
            if (rc == 2)
                a->st.replaced++;
            else
                a->st.minutes++;
            if (minute->ts > s->last_minute)
                s->last_minute = minute->ts;
        }
        /* (a): the symbol's minute ending at or after the close */
        if (minute->ts + 60 >= close_time(a, b))
            close_bar(a, idx);
    }
    /* (c), the stream's clock */
    if ((rc = close_until(a, a->clock, err)) != 0)
        return rc;
    return flush(a, true, fn, ctx, err);
}

int argo_agg_advance(argo_agg *a, int64_t now, argo_agg_bar_fn fn, void *ctx, argo_err *err)
{
    if (!a)
        return argo_err_set(err, ARGO_EINVAL, "aggregator: NULL argument");
    int rc = flush(a, false, fn, ctx, err);
    if (rc)
        return rc;
    if ((rc = close_until(a, now, err)) != 0) /* (d) */
        return rc;
    return flush(a, true, fn, ctx, err);
}

int64_t argo_agg_last_minute(const argo_agg *a, const char *symbol)
{
    const agg_sym *s = a && symbol ? find(a, symbol) : NULL;
    return s ? s->last_minute : INT64_MIN;
}

int64_t argo_agg_next_close(const argo_agg *a)
{
    return a && a->ncloses ? a->closes[0].ct : INT64_MAX;
}

void argo_agg_get_stats(const argo_agg *a, argo_agg_stats *out)
{
    *out = a->st;
}
