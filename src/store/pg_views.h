/* SPDX-License-Identifier: MIT */
/*
 * store/pg_views.h - the aggregates of argo stats and the dashboard on
 * PostgreSQL: materialized views over the signals and bars tables, the
 * SQL that creates them (one schema migration of pg.c) and the calls
 * that read and refresh them over the backend's connection. Private to
 * store/ (pg.c forwards its ops argo_store_outcome_cells,
 * argo_store_trading_days and argo_store_refresh_aggregates here).
 *
 * Every statement names argo's tables unqualified: the connection's
 * search_path is argo's schema (pg.c sets it when it opens a store).
 * The tables have the columns of sqlite.c's schema (signals: ts,
 * exit_ts, status, exit_reason, pnl_pct, confidence, action, v_trend,
 * v_meanrev, v_macd, v_breakout, symbol_id; bars: ts), integers and
 * double precision.
 */
#ifndef ARGO_PG_VIEWS_H
#define ARGO_PG_VIEWS_H

#include "store/store.h"

#include <libpq-fe.h>

/* The migration that creates the views (WITH DATA, so that the first
 * REFRESH ... CONCURRENTLY finds them populated) and the unique index of
 * each, which REFRESH ... CONCURRENTLY needs: SQL texts, NULL-terminated
 * (one text would pass the 4095 characters C guarantees for a literal).
 * argo_pg_views_create runs them in order, inside the caller's
 * migration transaction. */
extern const char *const argo_pg_views_migration[];
int argo_pg_views_create(PGconn *c, const char *what, argo_err *err);
/* Migration 3 -> 4: the strategy view again, from one scan of signals. */
extern const char argo_pg_views_strategy_one_scan[];
/* Migration 5 -> 6: mv_outcomes_exit, the cells by exit reason
 * (ARGO_AGG_EXIT), with its unique index. */
extern const char argo_pg_views_exit[];

/* argo_store_outcome_cells of the signals that pass f (NULL: all), in
 * (group, exit_day) order, read in single-row mode (memory bounded
 * whatever the number of cells). From a view where one answers: without
 * a symbol or strategy filter the view of by, its exit_day bounded; a
 * symbol filter alone with by none or symbol, mv_outcomes_symbol's group
 * of that symbol; a strategy filter alone with by none,
 * mv_outcomes_strategy's group of that strategy. Any other filter groups
 * the raw signals rows with the views' own SELECT and the filter added
 * (current rows, not as of the last refresh). Filter values are bound
 * parameters. A callback's non-zero return stops the read (the rest of
 * the result is drained) and is returned. what names the store in
 * messages (a masked URL). */
int argo_pg_views_cells(PGconn *c, const char *what, argo_agg_by by, const argo_agg_filter *f,
                        argo_cell_fn fn, void *ctx, argo_err *err);

/* argo_store_trading_days: the view's days, and the days of the bars
 * stored since its last refresh (an index range of bars from the view's
 * last day on), so new bars count at once. */
int argo_pg_views_trading_days(PGconn *c, const char *what, int64_t **days, size_t *n,
                               argo_err *err);

/* argo_store_refresh_aggregates: REFRESH MATERIALIZED VIEW CONCURRENTLY
 * of every view, outside a transaction block (PostgreSQL refuses it
 * inside one), under a session advisory lock on the schema's name so
 * that two processes refresh one after the other (the second then sees
 * the first's commits too). Waits up to busy_ms for the lock, then
 * ARGO_EBUSY. Readers are never blocked. */
int argo_pg_views_refresh(PGconn *c, const char *what, int busy_ms, argo_err *err);

#endif
