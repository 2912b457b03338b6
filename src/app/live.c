/* SPDX-License-Identifier: MIT */
/*
 * app/live.c - the stream's closed bars, queued for argo serve's writer
 * (app/live.h): the feed thread aggregates, the writer stores.
 */
#include "app/live.h"

#include "app/app_int.h"
#include "app/fetch.h"
#include "base/grow.h"
#include "base/timeutil.h"
#include "market/aggregate.h"

#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct closed {
    char symbol[ARGO_SYMBOL_MAX];
    argo_bar bar;
} closed;

/* Minutes received wait this long in arrival order before they go to the
 * aggregator sorted by time, so messages a few milliseconds out of order
 * do not close a bar early (a session's last minute ahead of the one
 * before it): a burst of minutes is taken once SETTLE_NS passed without a
 * new one, and at the latest MAX_WAIT_NS after its first. */
#define SETTLE_NS 300000000LL
#define MAX_WAIT_NS 2000000000LL

struct argo_live {
    argo_live_options opt;
    char (*symbols)[ARGO_SYMBOL_MAX];
    size_t nsymbols;
    int64_t bar_seconds;
    argo_provider *provider; /* the feed's */
    argo_feed *feed;
    pthread_mutex_t mu;
    argo_agg *agg; /* mu */
    closed *queue; /* mu: bars closed, not yet stored */
    size_t nq, capq;
    bool gap;     /* mu: the feed went live: fill the minutes missed */
    bool hold;    /* mu: minutes received wait in pend until the gap is filled */
    closed *pend; /* mu: minutes received, not yet aggregated */
    size_t npend, cappend;
    int64_t first_ns, last_ns; /* mu: when pend's first and last minute came */
    int64_t newest;            /* mu: the newest minute received */
    int64_t messages, minutes, rejected, reconnects, gaps_filled;
    argo_feed_state state;
    bool was_live;
};

static void note(argo_live *l, const char *what, const char *a, const char *b)
{
    if (!l->opt.notice)
        return;
    char line[ARGO_ERR_MSG_MAX + 128];
    snprintf(line, sizeof line, "stream: %s%s%s%s%s", what, a ? ": " : "", a ? a : "",
             b ? ": " : "", b ? b : "");
    l->opt.notice(l->opt.notice_ctx, line);
}

/* mu held */
static int queue_bar(void *ctx, const char *symbol, const argo_bar *bar)
{
    argo_live *l = ctx;
    void *v = argo_grow(l->queue, &l->capq, l->nq + 1, sizeof *l->queue, 64);
    if (!v)
        return ARGO_ENOMEM;
    l->queue = v;
    snprintf(l->queue[l->nq].symbol, sizeof l->queue[l->nq].symbol, "%s", symbol);
    l->queue[l->nq].bar = *bar;
    l->nq++;
    return 0;
}

/* mu held: one minute into the aggregator; true when a bar closed. */
static bool take_minute(argo_live *l, const char *symbol, const argo_bar *bar)
{
    size_t before = l->nq;
    argo_err err = {0};
    if (argo_agg_add(l->agg, symbol, bar, queue_bar, l, &err)) {
        l->rejected++;
        note(l, symbol, err.msg, NULL);
        return false;
    }
    l->minutes++;
    if (bar->ts > l->newest)
        l->newest = bar->ts;
    return l->nq > before;
}

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp_minute(const void *a, const void *b)
{
    const closed *x = a, *y = b;
    if (x->bar.ts != y->bar.ts)
        return x->bar.ts < y->bar.ts ? -1 : 1;
    return strcmp(x->symbol, y->symbol);
}

/* mu held: the minutes waiting go to the aggregator in time order when
 * they have settled (or force); true when a bar closed. Nothing moves
 * while a gap is being filled. */
static bool settle(argo_live *l, int64_t now_ns, bool force)
{
    if (l->hold || l->npend == 0)
        return false;
    if (!force && now_ns - l->last_ns < SETTLE_NS && now_ns - l->first_ns < MAX_WAIT_NS)
        return false;
    /* insertion sort, stable: equal (ts, symbol) minutes (duplicates or
     * replacements) keep their arrival order; bursts are nearly sorted */
    size_t n = l->npend;
    for (size_t i = 1; i < n; i++) {
        closed t = l->pend[i];
        size_t j = i;
        while (j > 0 && cmp_minute(&l->pend[j - 1], &t) > 0) {
            l->pend[j] = l->pend[j - 1];
            j--;
        }
        l->pend[j] = t;
    }
    bool closed_any = false;
    for (size_t i = 0; i < n; i++)
        closed_any |= take_minute(l, l->pend[i].symbol, &l->pend[i].bar);
    l->npend = 0;
    return closed_any;
}

static void on_bar(void *ctx, const char *symbol, const argo_bar *bar)
{
    argo_live *l = ctx;
    int64_t now = mono_ns();
    pthread_mutex_lock(&l->mu);
    l->messages++;
    void *v = argo_grow(l->pend, &l->cappend, l->npend + 1, sizeof *l->pend, 256);
    if (v) {
        l->pend = v;
        if (l->npend == 0)
            l->first_ns = now;
        l->last_ns = now;
        snprintf(l->pend[l->npend].symbol, sizeof l->pend[l->npend].symbol, "%s", symbol);
        l->pend[l->npend++].bar = *bar;
    } else {
        l->rejected++;
        l->gap = l->hold = true; /* the minute is lost: fetch it again */
    }
    bool woke = settle(l, now, false);
    pthread_mutex_unlock(&l->mu);
    if (woke && l->opt.wake)
        l->opt.wake(l->opt.ctx);
}

static const char *state_name(argo_feed_state s)
{
    switch (s) {
    case ARGO_FEED_CONNECTING:
        return "connecting";
    case ARGO_FEED_LIVE:
        return "live";
    case ARGO_FEED_DISCONNECTED:
        return "disconnected";
    case ARGO_FEED_FAILED:
        return "failed";
    }
    return "?";
}

static void on_state(void *ctx, argo_feed_state s, const char *why)
{
    argo_live *l = ctx;
    pthread_mutex_lock(&l->mu);
    l->state = s;
    if (s == ARGO_FEED_LIVE) {
        /* the minutes before this connection (the day's start, or the
         * time the stream was down) come through REST */
        l->gap = true;
        l->hold = true;
        if (l->was_live)
            l->reconnects++;
        l->was_live = true;
    }
    pthread_mutex_unlock(&l->mu);
    note(l, state_name(s), why, NULL);
    if (s == ARGO_FEED_LIVE && l->opt.wake)
        l->opt.wake(l->opt.ctx);
}

static void on_reject(void *ctx, const char *why)
{
    argo_live *l = ctx;
    pthread_mutex_lock(&l->mu);
    l->rejected++;
    /* what it carried may be a minute: the writer asks REST for the
     * minutes after the newest one taken, the ones after it waiting */
    l->gap = l->hold = true;
    pthread_mutex_unlock(&l->mu);
    note(l, "a message dropped (the minutes after the newest one taken are fetched again)", why,
         NULL);
    if (l->opt.wake)
        l->opt.wake(l->opt.ctx);
}

int argo_live_start(argo_app *app, const argo_live_options *opt, argo_live **out, argo_err *err)
{
    assert(app && opt && out && opt->nsymbols > 0);
    *out = NULL;
    argo_live *l = calloc(1, sizeof *l);
    if (!l)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    l->opt = *opt;
    l->newest = INT64_MIN;
    pthread_mutex_init(&l->mu, NULL);
    const argo_config *cfg = argo_app_config(app);
    int64_t bs = argo_config_bar_seconds(cfg->pv_bar_size);
    l->bar_seconds = bs > 0 ? bs : ARGO_DAY_SECONDS;
    int64_t close = argo_config_hhmm(cfg->pv_session_close);
    int rc = ARGO_OK;
    if (!(l->symbols = calloc(opt->nsymbols, sizeof *l->symbols))) {
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < opt->nsymbols; i++)
        snprintf(l->symbols[i], sizeof l->symbols[i], "%s", opt->symbols[i]);
    l->nsymbols = opt->nsymbols;
    l->opt.symbols = NULL;
    if ((rc = argo_agg_new(l->bar_seconds, close > 0 ? close : 21 * 3600, cfg->pv_close_grace_s,
                           &l->agg, err)))
        goto fail;
    if ((rc = argo_app_provider(app, &l->provider, err)))
        goto fail;
    argo_feed_callbacks cb = {
        .on_bar = on_bar, .on_state = on_state, .on_reject = on_reject, .ctx = l};
    const char **syms = calloc(l->nsymbols, sizeof *syms);
    if (!syms) {
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < l->nsymbols; i++)
        syms[i] = l->symbols[i];
    rc = argo_feed_start(l->provider, syms, l->nsymbols, &cb, &l->feed, err);
    free(syms);
    if (rc)
        goto fail;
    *out = l;
    return ARGO_OK;
fail:
    argo_live_stop(l);
    return rc;
}

void argo_live_stop(argo_live *l)
{
    if (!l)
        return;
    argo_feed_stop(l->feed);
    argo_provider_free(l->provider);
    argo_agg_free(l->agg);
    free(l->queue);
    free(l->pend);
    free(l->symbols);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

bool argo_live_pending(argo_live *l)
{
    assert(l);
    pthread_mutex_lock(&l->mu);
    bool p = l->nq > 0 || l->gap;
    pthread_mutex_unlock(&l->mu);
    return p;
}

void argo_live_tick(argo_live *l, int64_t now)
{
    assert(l);
    pthread_mutex_lock(&l->mu);
    size_t before = l->nq;
    settle(l, mono_ns(), false);
    if (l->newest != INT64_MIN && now - l->newest < ARGO_DAY_SECONDS) {
        argo_err err = {0};
        argo_agg_advance(l->agg, now, queue_bar, l, &err);
    }
    bool woke = l->nq > before;
    pthread_mutex_unlock(&l->mu);
    if (woke && l->opt.wake)
        l->opt.wake(l->opt.ctx);
}

typedef struct fill_ctx {
    argo_live *l;
    int64_t minutes;
} fill_ctx;

static int fill_bars(void *ctx, const char *symbol, const argo_bar *bars, size_t n,
                     const char *where)
{
    (void)where;
    fill_ctx *f = ctx;
    pthread_mutex_lock(&f->l->mu);
    for (size_t i = 0; i < n; i++)
        take_minute(f->l, symbol, &bars[i]);
    pthread_mutex_unlock(&f->l->mu);
    f->minutes += (int64_t)n;
    return 0;
}

/* The minutes each symbol missed: after the newest one received, and
 * not before the bar after its last stored one. */
typedef struct gap_item {
    const char *symbol;
    int64_t from;
} gap_item;

static int cmp_gap(const void *a, const void *b)
{
    const gap_item *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return strcmp(x->symbol, y->symbol);
}

/* The minutes each symbol missed: after the newest one received, and
 * not before the bar after its last stored one. Symbols missing the
 * same minutes share a request (up to [provider] batch_symbols), so a
 * reconnect costs a few calls, not one per symbol. */
static int fill_gap(argo_live *l, argo_app *app, argo_provider *rest, argo_live_report *rep,
                    argo_err *err)
{
    argo_symbol *stored = NULL;
    size_t nstored = 0, n = 0;
    argo_store *st = app->store;
    int rc = argo_store_symbols(st, &stored, &nstored, err);
    if (rc)
        return rc;
    gap_item *g = calloc(l->nsymbols, sizeof *g);
    const char **names = calloc(l->nsymbols, sizeof *names);
    if (!g || !names) {
        rc = argo_err_set(err, ARGO_ENOMEM, "stream: out of memory");
        goto out;
    }
    for (size_t i = 0; i < l->nsymbols; i++) {
        const char *sym = l->symbols[i];
        int64_t from = INT64_MIN;
        for (size_t k = 0; k < nstored; k++)
            if (!strcmp(stored[k].name, sym) && stored[k].last_ts != INT64_MIN)
                from = stored[k].last_ts + l->bar_seconds;
        pthread_mutex_lock(&l->mu);
        int64_t last = argo_agg_last_minute(l->agg, sym);
        pthread_mutex_unlock(&l->mu);
        if (last != INT64_MIN && last + 60 > from)
            from = last + 60;
        if (from == INT64_MIN)
            continue; /* nothing stored, nothing received: argo fetch's work */
        g[n++] = (gap_item){sym, from};
    }
    qsort(g, n, sizeof *g, cmp_gap);
    int per =
        argo_app_config(app)->pv_batch_symbols > 0 ? argo_app_config(app)->pv_batch_symbols : 100;
    for (size_t at = 0; at < n && !rc;) {
        size_t count = 0;
        while (at + count < n && count < (size_t)per && g[at + count].from == g[at].from) {
            names[count] = g[at + count].symbol;
            count++;
        }
        argo_provider_batch b = {.symbols = names,
                                 .nsymbols = count,
                                 .start = g[at].from,
                                 .end = INT64_MAX,
                                 .minutes = true,
                                 .max_calls = INT_MAX};
        fill_ctx f = {.l = l};
        rc = argo_provider_fetch(rest, &b, fill_bars, &f, err);
        rep->gap_calls += (int64_t)b.calls + b.retries;
        rep->gap_minutes += f.minutes;
        rep->gap_symbols += count;
        at += count;
    }
out:
    free(g);
    free(names);
    free(stored);
    return rc;
}

static int cmp_closed(const void *a, const void *b)
{
    const closed *x = a, *y = b;
    int c = strcmp(x->symbol, y->symbol);
    if (c)
        return c;
    return x->bar.ts < y->bar.ts ? -1 : x->bar.ts > y->bar.ts;
}

int argo_live_run(argo_live *l, argo_app *app, argo_provider *rest, argo_live_report *rep,
                  argo_err *err)
{
    assert(l && app && rep);
    memset(rep, 0, sizeof *rep);
    pthread_mutex_lock(&l->mu);
    bool gap = l->gap;
    l->gap = false;
    pthread_mutex_unlock(&l->mu);
    int rc = ARGO_OK;
    if (gap && rest) {
        rc = fill_gap(l, app, rest, rep, err);
        pthread_mutex_lock(&l->mu);
        if (rc) {
            l->gap = true;    /* again at the next call */
        } else if (!l->gap) { /* no newer reconnect meanwhile */
            l->gaps_filled++;
            l->hold = false;
            settle(l, mono_ns(), true);
        }
        pthread_mutex_unlock(&l->mu);
        if (rc)
            return rc;
    } else if (gap) {
        pthread_mutex_lock(&l->mu);
        if (!l->gap) {
            l->hold = false;
            settle(l, mono_ns(), true);
        }
        pthread_mutex_unlock(&l->mu);
    }
    pthread_mutex_lock(&l->mu);
    closed *q = l->queue;
    size_t nq = l->nq;
    l->queue = NULL;
    l->nq = l->capq = 0;
    pthread_mutex_unlock(&l->mu);
    if (nq == 0)
        return ARGO_OK;
    qsort(q, nq, sizeof *q, cmp_closed);
    const char **syms = calloc(nq, sizeof *syms);
    const argo_bar **bars = calloc(nq, sizeof *bars);
    size_t *counts = calloc(nq, sizeof *counts);
    argo_bar *flat = calloc(nq, sizeof *flat);
    argo_fetch_symbol *fs = calloc(nq, sizeof *fs);
    size_t n = 0;
    if (!syms || !bars || !counts || !flat || !fs) {
        rc = argo_err_set(err, ARGO_ENOMEM, "stream: out of memory");
        goto out;
    }
    for (size_t i = 0; i < nq; i++) {
        flat[i] = q[i].bar;
        if (i > 0 && !strcmp(q[i].symbol, q[i - 1].symbol)) {
            counts[n - 1]++;
            continue;
        }
        syms[n] = q[i].symbol;
        bars[n] = &flat[i];
        counts[n] = 1;
        n++;
    }
    rc = argo_app_fetch_store(app, n, syms, bars, counts, "stream", fs, err);
    if (rc)
        goto out;
    for (size_t i = 0; i < n; i++)
        rep->bars += fs[i].bars;
    rep->series = n;
    if (rep->bars) {
        rc = argo_app_cycle(app, &rep->cycle, err);
        rep->cycled = rc == ARGO_OK;
    }
out:
    free(syms);
    free(bars);
    free(counts);
    free(flat);
    free(fs);
    free(q);
    return rc;
}

void argo_live_get_stats(argo_live *l, argo_live_stats *out)
{
    assert(l && out);
    memset(out, 0, sizeof *out);
    argo_feed_stats fst = {0};
    if (l->feed)
        argo_feed_get_stats(l->feed, &fst);
    pthread_mutex_lock(&l->mu);
    argo_agg_stats as;
    argo_agg_get_stats(l->agg, &as);
    out->state = l->state;
    out->messages = fst.messages > l->messages ? fst.messages : l->messages;
    out->minutes = l->minutes;
    out->rejected = l->rejected + fst.rejected;
    out->reconnects = fst.reconnects > l->reconnects ? fst.reconnects : l->reconnects;
    out->duplicates = as.duplicates;
    out->replaced = as.replaced;
    out->late = as.late;
    out->bars_closed = as.bars;
    out->gaps_filled = l->gaps_filled;
    pthread_mutex_unlock(&l->mu);
}
