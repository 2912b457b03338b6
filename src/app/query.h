/* SPDX-License-Identifier: MIT */
/*
 * app/query.h - the reads an API pages through: signals and outcomes by
 * filter with a cursor, one signal, the symbols, a symbol's bars.
 */
#ifndef ARGO_APP_QUERY_H
#define ARGO_APP_QUERY_H

#include "app/app.h"
#include "app/signals.h"
#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARGO_PAGE_MAX 1000 /* rows of one page */

typedef struct argo_page_options {
    const char *symbol;    /* NULL: every symbol; else one that must exist (ARGO_ENOENT) */
    int64_t since, until;  /* signal ts in [since, until); INT64_MIN / INT64_MAX: open */
    int status;            /* as argo_signal_filter.status */
    int published;         /* -1 any, 0, 1 */
    double min_confidence; /* -1: any */
    int64_t after_id;      /* the cursor: 0 = from the first */
    size_t limit;          /* 1 .. ARGO_PAGE_MAX */
} argo_page_options;

/* One page in id order; out->v[out->n - 1].id is the next cursor when
 * *more. argo_signal_list_cleanup frees it. */
int argo_app_signals_page(argo_app *app, const argo_page_options *opt, argo_signal_list *out,
                          bool *more, argo_err *err);
/* ARGO_ENOENT when no signal has this id. */
int argo_app_signal(argo_app *app, int64_t id, argo_signal *out, argo_err *err);

/* The symbols with their first and last bar; free(). */
int argo_app_symbols(argo_app *app, argo_symbol **v, size_t *n, argo_err *err);
/* The close of each symbol's last bar (v as argo_app_symbols gave it)
 * into closes[i]; NAN for a symbol without bars. One index seek each. */
int argo_app_last_closes(argo_app *app, const argo_symbol *v, size_t n, double *closes,
                         argo_err *err);

typedef struct argo_bar_list {
    argo_bar *v; /* in time order */
    size_t n;
} argo_bar_list;
/* A symbol's bars with ts in [from, to), at most limit (the oldest
 * first), after the ts after (cursor; INT64_MIN: from the first);
 * *more when there are more. ARGO_ENOENT for an unknown symbol. */
int argo_app_bars(argo_app *app, const char *symbol, int64_t after, int64_t from, int64_t to,
                  size_t limit, argo_bar_list *out, bool *more, argo_err *err);
void argo_bar_list_cleanup(argo_bar_list *l);

/* The newest event's seq (0: none): where a stream resumes from. */
int argo_app_event_last(argo_app *app, int64_t *seq, argo_err *err);
/* The events after seq, in order, at most limit (0: all). */
int argo_app_events_after(argo_app *app, int64_t after, size_t limit, argo_event_fn fn, void *ctx,
                          argo_err *err);
/* Hearing of events other processes commit (store.h
 * argo_store_events_listen and argo_store_events_wait). */
int argo_app_events_listen(argo_app *app, argo_err *err);
int argo_app_events_wait(argo_app *app, int wake_fd, int timeout_ms, bool *woken, argo_err *err);
/* Whether several processes may write the app's store at once
 * (PostgreSQL): then argo serve takes no hold and publishes the event
 * log as every process writes it. */
bool argo_app_store_concurrent(const argo_app *app);

#endif
