/* SPDX-License-Identifier: MIT */
/*
 * server/metrics.h - argo serve's Prometheus metrics, rendered in the
 * text exposition format 0.0.4 at /metrics: cycle duration histogram,
 * signals and outcomes counters, HTTP requests by route and status,
 * stream clients, dropped clients, events behind, backup age, last
 * calibration ECE, store latency. Updated from any thread (a mutex);
 * the series set is bounded (routes are templates, statuses a fixed
 * list), so a client cannot grow it.
 */
#ifndef ARGO_SERVER_METRICS_H
#define ARGO_SERVER_METRICS_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct argo_metrics argo_metrics;

int argo_metrics_new(argo_metrics **out, argo_err *err);
void argo_metrics_free(argo_metrics *m);

void argo_metrics_cycle(argo_metrics *m, double seconds, int64_t signals, int64_t outcomes);
/* route: a template of argo_metrics_routes (else counted as "other");
 * status: 100..599 (else "other"). */
void argo_metrics_http(argo_metrics *m, const char *route, int status);
/* op: a name of the caller's ("read", "write", "events"...); the first
 * ARGO_METRICS_OPS_MAX distinct names get their own series, later ones
 * and names of ARGO_METRICS_OP_NAME_MAX bytes or more count as "other". */
void argo_metrics_store_latency(argo_metrics *m, const char *op, double seconds);
/* dropped: the stream's running total (argo_stream_dropped). */
void argo_metrics_stream(argo_metrics *m, size_t clients, uint64_t dropped, uint64_t behind);
/* The newest backed-up day (its midnight, UTC; INT64_MIN: none): the
 * gauge is the seconds since that day ended, at each scrape (0 before) */
void argo_metrics_backup_day(argo_metrics *m, int64_t day);
void argo_metrics_ece(argo_metrics *m, double ece); /* NAN: no model */

/* The route templates argo_metrics_http knows (static; *n of them):
 * every argo_api_route.name must be one (a test of the API checks it). */
/* One fetch cycle from the provider (argo serve's poll, its catch-up,
 * the stream's gap fill): its calls and what they brought; hit_rate NAN
 * when no request was sent. */
typedef struct argo_metrics_fetch_cycle {
    int64_t calls, retries, not_modified, bytes, bars, corrections;
    double seconds, hit_rate;
} argo_metrics_fetch_cycle;
void argo_metrics_fetch(argo_metrics *m, const argo_metrics_fetch_cycle *c);
/* The stream from the provider, as it stands (totals since the start). */
typedef struct argo_metrics_feed_state {
    int up; /* 1 live, 0 not */
    int64_t messages, minutes, reconnects, late, rejected, gaps_filled;
} argo_metrics_feed_state;
void argo_metrics_feed(argo_metrics *m, const argo_metrics_feed_state *f);

const char *const *argo_metrics_routes(size_t *n);

/* The exposition text, in a new NUL-terminated buffer (free()). */
int argo_metrics_render(argo_metrics *m, char **text, size_t *len, argo_err *err);

#endif
