/* SPDX-License-Identifier: MIT */
/*
 * app/json.h - the JSON documents of argo's results, built as jansson
 * values: the CLI's --json output and the HTTP API serve the same
 * documents. Each builder returns a new reference (json_decref), or
 * NULL when memory is short; argo_json_print writes one with the flags
 * of its document.
 */
#ifndef ARGO_APP_JSON_H
#define ARGO_APP_JSON_H

#include "app/backup.h"
#include "app/calibration.h"
#include "app/fetch.h"
#include "app/health.h"
#include "app/signals.h"
#include "app/stats.h"
#include "base/err.h"

#include <jansson.h>
#include <stdio.h>

/* One signal and its outcome (an element of argo signals --json). */
json_t *argo_json_signal(const argo_signal *g);
/* The list of argo signals --json. */
json_t *argo_json_signals(const argo_signal_list *l);
/* argo stats --json. */
json_t *argo_json_stats(const argo_stats *s, argo_stats_by by);
/* The total's daily series of s (computed with argo_stats_filter.daily):
 * {"days": [...], "months": [...], "total_pnl_pct", "max_drawdown_pct"};
 * the months sum the days by their UTC month (GET /api/v1/stats/daily). */
json_t *argo_json_stats_daily(const argo_stats *s);
/* argo calibrate fit --json: version, samples, x, y. */
json_t *argo_json_calib_fit(const argo_calib_fit_result *r);
/* argo calibrate report --json. */
json_t *argo_json_calib_report(const argo_calib_report *r);
/* The stored models (argo calibrate list). */
json_t *argo_json_models(const argo_model_list *l);
/* The days an argo backup wrote. */
json_t *argo_json_backup(const argo_app_backup_result *r);
/* What argo backup verify checked. */
json_t *argo_json_backup_verify(const argo_app_verify_result *r);
/* argo_app_health_check's result. */
json_t *argo_json_health(const argo_app_health *h);

/* argo health --json, GET /health: level, status, checks. */
json_t *argo_json_health_report(const argo_health_report *r);
/* A page of signals for GET /api/v1/signals: {"signals": [...],
 * "next_cursor": "ID" or null}. */
json_t *argo_json_signal_page(const argo_signal_list *l, bool more);
/* argo_json_signal written compact (JSON_COMPACT, 17 digits) into buf,
 * byte for byte what json_dumpb makes of it, without building the
 * document (the event log writes one per signal and outcome, replay
 * included). Returns the length written (buf NUL-terminated), or 0 when
 * n is too small or a number is not finite (then build the document). */
size_t argo_json_signal_compact(const argo_signal *g, char *buf, size_t n);
/* One bar: {"ts": date, "open", "high", "low", "close", "volume"} (the
 * "bars" events of the stream; GET /api/v1/symbols/S/bars). */
json_t *argo_json_bar(const argo_bar *b);

/* argo fetch --json: the totals and one entry per symbol. */
json_t *argo_json_fetch(const argo_fetch_report *r);

/* How a document is written: the flags the CLI has always used for it. */
typedef enum argo_json_style {
    ARGO_JSON_PRETTY,  /* indent 2, 17 significant digits (signals, stats, ...) */
    ARGO_JSON_COMPACT, /* compact, 17 digits (calibrate fit) */
    ARGO_JSON_REPORT   /* indent 2, 10 digits (calibrate report) */
} argo_json_style;

/* Writes doc and a newline to f (argo_json_emit): ARGO_ENOMEM when doc
 * is NULL or a jansson allocation failed since jf (argo_json_failures()
 * read before building doc), ARGO_EIO when f cannot be written. doc is
 * borrowed. */
int argo_json_print(const json_t *doc, argo_json_style style, FILE *f, unsigned long jf,
                    argo_err *err);

#endif
