/* SPDX-License-Identifier: MIT */
/*
 * market/aggregate.h - minute bars into argo's bar size, for the live
 * stream: tolerant of duplicates and out-of-order messages, and deciding
 * when a bar is closed.
 *
 * A bar of size S (bar_seconds: 86400, or a whole number of minutes
 * dividing a day) starting at b holds the minute bars with ts in
 * [b, b + S); its ts is b (a daily bar: UTC midnight of its day, the
 * convention of `argo ingest`). Its open is the first minute's open, its
 * close the last minute's close, its high and low the extremes and its
 * volume the sum, the minutes taken in ts order whatever order they came in.
 *
 * When a bar closes: its close time is b + close_s for a daily bar
 * (close_s: the session's end in seconds after UTC midnight, [provider]
 * session_close, 21:00 by default: 16:00 in New York in winter, an hour
 * after it in summer), b + S for an intraday bar. A symbol's open bar
 * closes, whichever comes first:
 *   (a) when its minute ending at or after the close time arrives (the
 *       session's last minute): minutes must therefore come in time
 *       order per symbol, or at least the last one last (app/live.c
 *       holds a burst of messages a moment and sorts it);
 *   (b) when one of its minutes of a later bar arrives;
 *   (c) when the stream's clock, the end (ts + 60) of the newest minute
 *       of any symbol, passes the close time by grace_s (a symbol that
 *       did not trade in its last minutes);
 *   (d) when argo_agg_advance is given a time past the close time by
 *       grace_s (the caller's wall clock, when the stream goes quiet).
 * Closing never waits on wall time otherwise, so a stream replaying
 * history closes bars exactly as a live one does. A bar that received
 * no minute is not made.
 *
 * Minutes: a minute equal to one already held is a duplicate (counted,
 * dropped). A minute with the ts of one held but other values replaces
 * it (the provider corrected it; counted). A minute for a bar already
 * closed is late (counted, dropped: the REST fetch of the next cycle
 * sees the provider's bar and records a correction if it differs), and
 * so is a minute starting at or after its day's close (after-hours
 * trading: in no daily bar; it still moves the stream's clock).
 */
#ifndef ARGO_MARKET_AGGREGATE_H
#define ARGO_MARKET_AGGREGATE_H

#include "base/err.h"
#include "domain/types.h"

#include <stddef.h>
#include <stdint.h>

typedef struct argo_agg argo_agg;

typedef struct argo_agg_stats {
    int64_t minutes;    /* minutes taken */
    int64_t duplicates; /* equal to one held */
    int64_t replaced;   /* same ts, other values */
    int64_t late;       /* for a closed bar */
    int64_t bars;       /* bars closed */
} argo_agg_stats;

/* bar_seconds: 86400 or a multiple of 60 dividing 86400; close_s: 60 to
 * 86400 (daily bars only); grace_s: 0 to 3600. ARGO_EINVAL otherwise. */
int argo_agg_new(int64_t bar_seconds, int64_t close_s, int64_t grace_s, argo_agg **out,
                 argo_err *err);
void argo_agg_free(argo_agg *a);

/* Receives one closed bar. Non-zero stops the call and is returned (the
 * bar stays closed). */
typedef int (*argo_agg_bar_fn)(void *ctx, const char *symbol, const argo_bar *bar);

/* Takes one minute bar (ts a whole minute; validated by the caller) and
 * hands the bars it closes, by (a), (b) or (c), to fn in (ts, symbol)
 * order. ARGO_EINVAL for a ts that is not a whole minute; ARGO_ELIMIT
 * past ARGO_SYMBOLS_MAX symbols. */
int argo_agg_add(argo_agg *a, const char *symbol, const argo_bar *minute, argo_agg_bar_fn fn,
                 void *ctx, argo_err *err);

/* Closes, by (d), every open bar whose close time + grace_s is at or
 * before now, handing them to fn in (ts, symbol) order. */
int argo_agg_advance(argo_agg *a, int64_t now, argo_agg_bar_fn fn, void *ctx, argo_err *err);

/* The ts of the newest minute held or closed for symbol (INT64_MIN when
 * none): the stream's gap fill asks the provider for the minutes after it. */
int64_t argo_agg_last_minute(const argo_agg *a, const char *symbol);

/* The earliest close time of an open bar (INT64_MAX when none is open). */
int64_t argo_agg_next_close(const argo_agg *a);

void argo_agg_get_stats(const argo_agg *a, argo_agg_stats *out);

#endif
