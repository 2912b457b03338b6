/* SPDX-License-Identifier: MIT */
/*
 * app/stats.h - performance statistics of stored signals. Every
 * definition is written down in docs/STATS.md; in short:
 *   win        label 1: a resolved signal with net pnl_pct > 0, whatever
 *              its exit reason (a target exit is always one: the edge
 *              rule of docs/STRATEGIES.md)
 *   win_rate   wins / resolved
 *   avg_win    mean pnl_pct of resolved signals with pnl_pct > 0
 *   avg_loss   mean pnl_pct of resolved signals with pnl_pct < 0 (negative)
 *   profit_factor  sum of positive pnl_pct / |sum of negative pnl_pct|
 *   expectancy mean pnl_pct per resolved signal (per trade)
 *   equity     each signal traded with one fixed notional, no
 *              compounding: the daily return is the sum of the net
 *              pnl_pct of the signals that exit that day, over every
 *              trading day (a day with any bar in the store) from the
 *              group's first signal to the store's last bar
 *   sharpe     mean(daily) / sample sd(daily) * sqrt(periods_per_year)
 *   max_drawdown  largest fall of the cumulative daily sum from its
 *              running peak (starting at 0), in percentage points
 *   coverage   see argo_app_coverage (app/flow.h)
 *   suppressed signals not made because their target move did not beat
 *              the round-trip cost by [signal] min_edge_bps (total, and
 *              per symbol with --by symbol)
 * A filter (argo_stats_filter) narrows every figure to one symbol, the
 * signals one strategy voted for and a range of exit days; the daily
 * series is the total's equity curve, day by day.
 */
#ifndef ARGO_STATS_H
#define ARGO_STATS_H

#include "app/app.h"
#include "base/err.h"
#include "domain/config.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum argo_stats_by {
    ARGO_BY_NONE,
    ARGO_BY_SYMBOL,
    ARGO_BY_STRATEGY, /* a signal counts for each strategy that voted its way */
    ARGO_BY_BUCKET,   /* confidence deciles [0,0.1) ... [0.9,1] */
    ARGO_BY_MONTH,    /* month of the signal's ts, YYYY-MM */
    ARGO_BY_EXIT      /* the resolved signals by exit reason: "target", "stop", "expiry" */
} argo_stats_by;

/* Parses "symbol", "strategy", "bucket", "month", "exit"; -1 otherwise. */
int argo_stats_by_parse(const char *s);

/* "none", "symbol", "strategy", "bucket", "month", "exit". */
const char *argo_stats_by_name(argo_stats_by by);

/* Which signals the figures count (docs/STATS.md "Filters"). */
typedef struct argo_stats_filter {
    const char *symbol;   /* NULL: every symbol. An unknown symbol: ARGO_ENOENT "no symbol 'X'" */
    int strategy;         /* -1: every strategy; else an argo_strategy index: the signals whose
                             stored vote of that strategy has the action's sign (as by strategy) */
    int64_t since, until; /* exit day (UTC day of exit_ts) in [since, until) for resolved
                             signals; ts < until for open ones; INT64_MIN / INT64_MAX:
                             unbounded. The trading days (Sharpe, drawdown, the daily series)
                             are those in [since, until) too */
    bool daily;           /* fill argo_stats.daily */
} argo_stats_filter;

/* No filter, no daily series. */
void argo_stats_filter_init(argo_stats_filter *f);

/* One trading day of the total's daily series. */
typedef struct argo_stats_day {
    int64_t day;                  /* UTC day start */
    double pnl, equity, drawdown; /* percentage points; drawdown = running peak (from 0) - equity */
    size_t resolved, wins;        /* the signals that exited that day */
} argo_stats_day;

typedef struct argo_stats_row {
    char key[ARGO_SYMBOL_MAX];
    size_t signals, resolved, open, wins, losses, expired, covered;
    size_t by_exit[4]; /* indexed by argo_exit_reason */
    double win_rate, avg_win, avg_loss, profit_factor, expectancy;
    double sharpe, max_drawdown, coverage; /* NAN when undefined */
    int64_t suppressed; /* total and by-symbol rows; -1 where it has no meaning */
} argo_stats_row;

typedef struct argo_stats {
    argo_stats_row total;
    argo_stats_row *rows; /* the groups, ordered by key */
    size_t nrows;
    argo_stats_row exits[ARGO_STRAT_COUNT]; /* by exit reason, per strategy */
    /* the total's daily series when asked for (argo_stats_filter.daily):
     * every trading day from the total's first signal day (not before
     * since) to the last trading day (before until); the last equity is
     * the total P&L and the largest drawdown is total.max_drawdown,
     * exactly (one loop computes both). NULL and 0 when nothing is
     * resolved or when not asked for */
    argo_stats_day *daily;
    size_t ndaily;
} argo_stats;

/* Computes statistics over every stored signal. *out is freed with
 * argo_stats_free. Reads the store's aggregates (argo_store_outcome_cells
 * per group and exit day, argo_store_trading_days) and only the open
 * signals row by row: on PostgreSQL the resolved signals' figures are
 * those of the materialized views as of their last refresh
 * (docs/STATS.md). */
int argo_stats_compute(argo_store *st, const argo_config *cfg, argo_stats_by by, argo_stats **out,
                       argo_err *err);
/* The same figures from every raw row: every bar (for the trading days)
 * and every signal, grouped in C. The reference argo_stats_compute is
 * tested against (tests/unit/test_stats.c) and measured against
 * (bench/bench_views.sh); equal up to the order of floating-point sums. */
int argo_stats_compute_rows(argo_store *st, const argo_config *cfg, argo_stats_by by,
                            argo_stats **out, argo_err *err);
void argo_stats_free(argo_stats *s);

/* argo_stats_compute and argo_stats_compute_rows over the signals that
 * pass f (the filters apply to the total, the groups, the exit table,
 * the open signals and coverage). The suppressed counts: with a symbol
 * filter alone, that symbol's (total and its group); with a strategy or
 * a date filter, -1 everywhere (suppressed signals have no vote and no
 * exit). ARGO_ENOENT "no symbol 'X'" for an unknown f->symbol,
 * ARGO_EINVAL for a strategy out of range. f must not be NULL. */
int argo_stats_compute_filtered(argo_store *st, const argo_config *cfg, argo_stats_by by,
                                const argo_stats_filter *f, argo_stats **out, argo_err *err);
int argo_stats_compute_rows_filtered(argo_store *st, const argo_config *cfg, argo_stats_by by,
                                     const argo_stats_filter *f, argo_stats **out, argo_err *err);

/* argo stats: argo_stats_compute over the app's store and config. */
int argo_app_stats(argo_app *app, argo_stats_by by, argo_stats **out, argo_err *err);
/* The same, filtered (argo_stats_compute_filtered). */
int argo_app_stats_filtered(argo_app *app, argo_stats_by by, const argo_stats_filter *f,
                            argo_stats **out, argo_err *err);

/* Writes a plain-text report, or the JSON document (argo_json_stats)
 * when json is set. */
int argo_stats_write(const argo_stats *s, argo_stats_by by, bool json, FILE *f, argo_err *err);

#endif
