/* SPDX-License-Identifier: MIT */
/*
 * app/live.h - argo serve's bars from the provider's stream: the feed
 * (provider/provider.h argo_feed, on a thread of its own) hands minute
 * bars to the aggregator (market/aggregate.h); the bars it closes wait
 * here until the server's writer thread stores them and runs a cycle
 * (argo_live_run). After the feed reconnects, the writer first fills the
 * gap: for each symbol, the minutes after the newest one received, from
 * the provider's REST API, through the same aggregator, so no bar is
 * missed and none is made twice (docs/PROVIDERS.md).
 *
 * Threads: argo_live_start and argo_live_stop on the server's service
 * thread; the feed's callbacks on the feed thread; argo_live_run on the
 * writer thread; argo_live_pending, argo_live_tick and argo_live_get_stats
 * on any thread. One mutex guards the aggregator and the queue.
 */
#ifndef ARGO_APP_LIVE_H
#define ARGO_APP_LIVE_H

#include "app/app.h"
#include "app/flow.h"
#include "base/err.h"
#include "provider/provider.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct argo_live argo_live;

typedef struct argo_live_options {
    const char *const *symbols; /* the symbols streamed */
    size_t nsymbols;
    /* called on the feed thread when there is work for argo_live_run (a
     * bar closed, a gap to fill) or the feed changed state */
    void (*wake)(void *ctx);
    void *ctx;
    /* a line for the server's log (a reconnect, a rejected message) */
    argo_app_notice_fn notice;
    void *notice_ctx;
} argo_live_options;

/* Opens a provider of its own for the feed (from app's [provider]) and
 * starts it. ARGO_ECONFIG when the provider has no stream. */
int argo_live_start(argo_app *app, const argo_live_options *opt, argo_live **out, argo_err *err);
/* Stops the feed thread and frees everything. NULL: no-op. */
void argo_live_stop(argo_live *l);

/* Whether argo_live_run has work: closed bars queued or a gap to fill. */
bool argo_live_pending(argo_live *l);

/* Closes the bars whose close time plus the grace has passed on the wall
 * clock now (market/aggregate.h rule (d)), but only while the stream is
 * live data: its newest minute within a day of now (a stream replaying
 * history closes bars by its own minutes only). */
void argo_live_tick(argo_live *l, int64_t now);

typedef struct argo_live_report {
    size_t gap_symbols;  /* symbols whose gap was filled */
    int64_t gap_minutes; /* minutes received through REST */
    int64_t gap_calls;
    size_t bars;   /* closed bars stored */
    size_t series; /* symbols they belong to */
    bool cycled;   /* a cycle ran */
    argo_cycle_report cycle;
} argo_live_report;

/* Writer thread: fills a pending gap through rest (the writer's provider,
 * REST only), then stores every closed bar queued (argo_app_ingest_bars,
 * one transaction; where "stream"), then runs one cycle when bars were
 * stored. A failed gap fill is tried again at the next call; bars that
 * fail to store are reported in err and dropped (the next REST fetch
 * brings them). */
int argo_live_run(argo_live *l, argo_app *app, argo_provider *rest, argo_live_report *rep,
                  argo_err *err);

typedef struct argo_live_stats {
    argo_feed_state state;
    int64_t messages, minutes, rejected, reconnects;
    int64_t duplicates, replaced, late, bars_closed;
    int64_t gaps_filled;
} argo_live_stats;
void argo_live_get_stats(argo_live *l, argo_live_stats *out);

#endif
