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
void argo_metrics_http(argo_metrics *m, const char *route, int status);
void argo_metrics_store_latency(argo_metrics *m, const char *op, double seconds);
void argo_metrics_stream(argo_metrics *m, size_t clients, uint64_t dropped, uint64_t behind);
void argo_metrics_backup_age(argo_metrics *m, double seconds); /* < 0: no backup */
void argo_metrics_ece(argo_metrics *m, double ece);            /* NAN: no model */

/* The exposition text, in a new NUL-terminated buffer (free()). */
int argo_metrics_render(argo_metrics *m, char **text, size_t *len, argo_err *err);

#endif
