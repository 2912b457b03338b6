/* SPDX-License-Identifier: MIT */
/*
 * app/fetch.h - bars from the market-data provider of [provider]
 * (provider/provider.h) into the store: `argo fetch` and argo serve's
 * live loop (docs/PROVIDERS.md).
 *
 * Incremental: each symbol is asked only for its bars from its last
 * stored one on ([provider] overlap_bars stored bars are asked again, so
 * a revision is seen), from the Monday (UTC) of that bar's week for
 * daily bars or its day's start for intraday ones, so a request keeps
 * its URL (and its cache entry) all week; or from [provider]
 * history_start when it has none, or from `since`. Symbols are sorted by where they start and
 * batched ([provider] batch_symbols per request; starts within a week
 * of each other share a request, from the earliest), pages followed.
 *
 * Each batch is stored in one transaction, validated as `argo ingest`
 * validates: all of its bars or none. A fetched bar equal to the stored
 * one is a duplicate; one with other values is a revision: the stored
 * bar is kept and both are recorded in the store's corrections (once),
 * reported, never applied; signals made from the stored bar are not
 * touched. A fetched bar older than the symbol's last stored bar with no
 * stored bar at its time is not stored (bars are append-only) and is
 * counted as a gap.
 *
 * The HTTP cache: the validators of each batch's answer are kept in the
 * store under the request's URL and sent again with the same request; a
 * 304 answer costs no parsing and no write but the cache's.
 *
 * The call budget: [provider] calls_per_cycle and calls_per_day (the UTC
 * day's calls are counted in the store). Before a batch is sent, its
 * calls are estimated (pages of page_limit bars over its symbols and
 * days); a batch that would pass either budget is not sent and its
 * symbols are reported as not fetched; a batch that needs more pages
 * than the budget left fails (ARGO_ELIMIT) and stores nothing. Every
 * call made is counted, stored or not.
 *
 * A batch that fails (a bad answer, a refusal, the network) stores
 * nothing; the others go on. argo_app_fetch then returns the first
 * failure (err names the batch) with the report filled: the batches
 * before and after it that were stored stay stored (each all or
 * nothing), and the report says which.
 */
#ifndef ARGO_APP_FETCH_H
#define ARGO_APP_FETCH_H

#include "app/app.h"
#include "base/err.h"
#include "base/limits.h"
#include "provider/provider.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The provider settings of the app's [provider] section. */
void argo_app_provider_config(argo_provider_config *out, const argo_config *cfg);

/* Opens the provider of [provider] (ARGO_ECONFIG when kind is empty). */
int argo_app_provider(argo_app *app, argo_provider **out, argo_err *err);

/* The symbols fetched: [provider] symbols or symbols_file, else the
 * store's symbols (ARGO_EDATA when there are none). A new array of n
 * strings of ARGO_SYMBOL_MAX bytes, freed with free(). */
int argo_app_fetch_symbols(argo_app *app, char (**list)[ARGO_SYMBOL_MAX], size_t *n, argo_err *err);

typedef struct argo_fetch_options {
    const char *const *symbols; /* NULL: argo_app_fetch_symbols */
    size_t nsymbols;
    int64_t since;           /* INT64_MIN: incremental; else every symbol from this time */
    int64_t end;             /* INT64_MAX: up to the provider's newest bar */
    argo_provider *provider; /* NULL: opened for the call (argo serve keeps one) */
} argo_fetch_options;

typedef enum argo_fetch_status {
    ARGO_FETCH_UPDATED,     /* new bars stored */
    ARGO_FETCH_UNCHANGED,   /* answered, nothing new (or 304) */
    ARGO_FETCH_NOT_FETCHED, /* the call budget was spent before its batch */
    ARGO_FETCH_FAILED,      /* its batch failed: nothing stored */
} argo_fetch_status;

typedef struct argo_fetch_symbol {
    char symbol[ARGO_SYMBOL_MAX];
    argo_fetch_status status;
    int64_t from;       /* the first time asked for */
    int64_t last_ts;    /* the newest stored bar after the fetch (INT64_MIN: none) */
    size_t bars;        /* new bars stored */
    size_t duplicates;  /* bars equal to stored ones */
    size_t corrections; /* new revisions recorded */
    size_t gaps;        /* old bars with no stored bar at their time, not stored */
} argo_fetch_symbol;

typedef struct argo_fetch_report {
    size_t nsymbols;
    argo_fetch_symbol *symbols; /* nsymbols, in the order asked */
    size_t batches, batches_failed, batches_not_sent;
    int64_t calls; /* requests sent, retries included */
    int64_t retries;
    int64_t not_modified;                           /* 304 answers */
    int64_t bytes;                                  /* body bytes received */
    size_t updated, unchanged, not_fetched, failed; /* symbols by status */
    size_t bars, duplicates, corrections, gaps;
    double hit_rate;     /* not_modified / first requests of batches sent; NAN when none */
    int64_t calls_today; /* the UTC day's calls after this fetch */
    int64_t budget_cycle, budget_day; /* 0: no limit */
    int64_t ratelimit_remaining;      /* the provider's last word, -1 unknown */
    double seconds;
    char first_error[ARGO_ERR_MSG_MAX]; /* "" when every batch went through */
    int64_t first_correction;           /* id of the first correction recorded, 0 none */
} argo_fetch_report;

/* Fetches as above. On success and on a batch failure *out holds the
 * report (freed with argo_fetch_report_free); on an error before any
 * batch (the config, the store) *out is NULL. */
int argo_app_fetch(argo_app *app, const argo_fetch_options *opt, argo_fetch_report **out,
                   argo_err *err);
void argo_fetch_report_free(argo_fetch_report *r);

const char *argo_fetch_status_name(argo_fetch_status s);

/* Stores bars received from the provider outside argo_app_fetch (the
 * stream's closed bars, app/live.h) in one transaction, each symbol's as
 * a fetched batch's are: bars at or before its last stored one are
 * duplicates, corrections (recorded with source) or gaps, the later ones
 * stored. fs (n entries) receives the counts and status of each. On
 * failure nothing is stored. */
int argo_app_fetch_store(argo_app *app, size_t n, const char *const *symbols,
                         const argo_bar *const *bars, const size_t *counts, const char *source,
                         argo_fetch_symbol *fs, argo_err *err);

#endif
