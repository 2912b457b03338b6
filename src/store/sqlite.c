/* SPDX-License-Identifier: MIT */
/*
 * store/sqlite.c - the embedded store on SQLite: WAL journal, a busy
 * timeout, prepared statements only, write transactions taken with
 * BEGIN IMMEDIATE (the file's write lock, which also stands for every
 * named lock of argo_store_lock), and versioned schema migrations
 * (PRAGMA user_version; PRAGMA application_id marks the file as argo's).
 * It keeps nothing about the data between calls (another process may
 * write between two of them), only prepared statements.
 * A read-only handle (SQLITE_OPEN_READONLY) neither creates, migrates
 * nor writes: in WAL mode it reads a snapshot beside a running writer.
 */
#include "store/store_int.h"

#include "base/grow.h"
#include "base/jsonmem.h"

#include <assert.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ARGO_APPLICATION_ID 0x4152474F /* "ARGO" */

/* Migration N takes the schema from version N to N+1. Never edit a
 * shipped migration: append a new one. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE symbols(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE bars(symbol_id INTEGER NOT NULL REFERENCES symbols(id),"
    " ts INTEGER NOT NULL, open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL,"
    " close REAL NOT NULL, volume REAL NOT NULL, PRIMARY KEY(symbol_id, ts)) WITHOUT ROWID;"
    "CREATE INDEX bars_by_ts ON bars(ts, symbol_id);"
    "CREATE TABLE signals(id INTEGER PRIMARY KEY,"
    " symbol_id INTEGER NOT NULL REFERENCES symbols(id),"
    " action INTEGER NOT NULL CHECK(action IN (-1, 1)), ts INTEGER NOT NULL,"
    " entry REAL NOT NULL, target REAL NOT NULL, stop REAL NOT NULL,"
    " raw_confidence REAL NOT NULL, confidence REAL NOT NULL, model_version INTEGER,"
    " published INTEGER NOT NULL,"
    " v_trend REAL NOT NULL, v_meanrev REAL NOT NULL, v_macd REAL NOT NULL,"
    " v_breakout REAL NOT NULL,"
    " expires_at INTEGER NOT NULL, status INTEGER NOT NULL, exit_reason INTEGER NOT NULL,"
    " gap INTEGER NOT NULL, exit_ts INTEGER, exit_price REAL, pnl_pct REAL,"
    " bars_held INTEGER NOT NULL, mfe_pct REAL NOT NULL, mae_pct REAL NOT NULL,"
    " scanned_to INTEGER NOT NULL);"
    "CREATE INDEX signals_by_ts ON signals(ts);"
    "CREATE INDEX signals_open ON signals(symbol_id, ts) WHERE status = 0;"
    "CREATE TABLE strategy_state(symbol_id INTEGER PRIMARY KEY REFERENCES symbols(id),"
    " state BLOB NOT NULL);",
    /* 1 -> 2: calibration models */
    "CREATE TABLE calibration_models(version INTEGER PRIMARY KEY,"
    " scope TEXT NOT NULL CHECK(scope IN ('global', 'symbol', 'external')),"
    " symbol_id INTEGER REFERENCES symbols(id), trained_through INTEGER NOT NULL,"
    " window_from INTEGER, window_to INTEGER, samples INTEGER NOT NULL,"
    " x TEXT NOT NULL, y TEXT NOT NULL, brier_raw REAL, brier REAL, log_loss_raw REAL,"
    " log_loss REAL, ece_raw REAL, ece REAL, created_at INTEGER NOT NULL,"
    " base_version INTEGER REFERENCES calibration_models(version), base_weight REAL);"
    "CREATE INDEX models_by_scope ON calibration_models(scope, symbol_id, version);"
    "CREATE INDEX signals_outcomes ON signals(exit_ts, id, symbol_id, raw_confidence, status,"
    " pnl_pct) WHERE status != 0;"
    "CREATE INDEX signals_outcomes_by_symbol ON signals(symbol_id, exit_ts) WHERE status != 0;"
    "CREATE INDEX signals_open_by_ts ON signals(ts, id) WHERE status = 0;",
    /* 2 -> 3: archive objects uploaded to remote storage */
    "CREATE TABLE remote_objects(target TEXT NOT NULL, key TEXT NOT NULL,"
    " day INTEGER NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, etag TEXT NOT NULL,"
    " storage_class TEXT NOT NULL, lock_mode TEXT, lock_until INTEGER,"
    " uploaded_at INTEGER NOT NULL, PRIMARY KEY(target, key)) WITHOUT ROWID;",
    /* 3 -> 4: signals not made for too little edge over costs, per symbol and day */
    ("CREATE TABLE suppressed_signals(symbol_id INTEGER NOT NULL REFERENCES symbols(id),"
     " day INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(symbol_id, day)) WITHOUT ROWID;"),
    /* 4 -> 5: model points as one BLOB (points_blob) instead of two JSON
     * texts; argo_points_from_json (below) converts them in place, and
     * malformed JSON becomes an empty BLOB, which reads as malformed. */
    ("ALTER TABLE calibration_models ADD COLUMN points BLOB NOT NULL DEFAULT x'';"
     "UPDATE calibration_models SET points = argo_points_from_json(x, y);"
     "ALTER TABLE calibration_models DROP COLUMN x;"
     "ALTER TABLE calibration_models DROP COLUMN y;"),
    /* 5 -> 6: argo serve: the event log (AUTOINCREMENT: a number is never
     * given twice, even after the newest rows are deleted), API keys
     * (hashes only; a name is unique when given) and an index for pages
     * of one symbol's signals in id order; IF NOT EXISTS: a store taken
     * back to an older version by hand may still have them */
    ("CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
     " logged_at INTEGER NOT NULL,"
     " channel TEXT NOT NULL CHECK(channel IN ('signals', 'outcomes', 'bars', 'health')),"
     " symbol TEXT NOT NULL, confidence REAL NOT NULL, published INTEGER NOT NULL,"
     " data TEXT NOT NULL);"
     "CREATE TABLE IF NOT EXISTS api_keys(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
     " role TEXT NOT NULL CHECK(role IN ('read', 'stream', 'admin')),"
     " hash BLOB NOT NULL UNIQUE, prefix TEXT NOT NULL, created_at INTEGER NOT NULL,"
     " revoked_at INTEGER);"
     "CREATE UNIQUE INDEX IF NOT EXISTS api_keys_by_name ON api_keys(name) WHERE name != '';"
     "CREATE INDEX IF NOT EXISTS signals_by_symbol_id ON signals(symbol_id, id);"),
    /* 6 -> 7: market data from a provider: the HTTP cache's validators
     * per request URL, a provider's revised bars (the stored bar is kept;
     * each revision of a bar is recorded once) and provider calls per UTC
     * day (the daily budget); IF NOT EXISTS, as in 5 -> 6: a store taken
     * back to an older version by hand may still have them */
    ("CREATE TABLE IF NOT EXISTS http_cache(key TEXT NOT NULL PRIMARY KEY, etag TEXT NOT NULL,"
     " last_modified TEXT NOT NULL, stored_at INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE TABLE IF NOT EXISTS bar_corrections(id INTEGER PRIMARY KEY,"
     " symbol_id INTEGER NOT NULL REFERENCES symbols(id), ts INTEGER NOT NULL,"
     " stored_open REAL NOT NULL, stored_high REAL NOT NULL, stored_low REAL NOT NULL,"
     " stored_close REAL NOT NULL, stored_volume REAL NOT NULL,"
     " revised_open REAL NOT NULL, revised_high REAL NOT NULL, revised_low REAL NOT NULL,"
     " revised_close REAL NOT NULL, revised_volume REAL NOT NULL,"
     " source TEXT NOT NULL, seen_at INTEGER NOT NULL,"
     " UNIQUE(symbol_id, ts, revised_open, revised_high, revised_low, revised_close,"
     " revised_volume));"
     "CREATE TABLE IF NOT EXISTS fetch_calls(day INTEGER PRIMARY KEY, calls INTEGER NOT NULL);"),
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

enum {
    Q_SYMBOL_GET,
    Q_SYMBOL_ADD,
    Q_SYMBOLS,
    Q_BAR_LAST,
    Q_BAR_AT,
    Q_BAR_INSERT,
    Q_BARS_SCAN,
    Q_BARS_SCAN_ALL,
    Q_BARS_SCAN_WINDOW,
    Q_BARS_COUNT,
    Q_SIGNAL_INSERT,
    Q_SIGNAL_UPDATE,
    Q_SIGNALS_ALL,
    Q_SIGNALS_SYMBOL,
    Q_SIGNALS_OPEN,
    Q_SIGNALS_OPEN_SYMBOL,
    Q_STATE_GET,
    Q_STATE_PUT,
    Q_MODEL_INSERT,
    Q_MODEL_GET,
    Q_MODEL_LATEST,
    Q_MODEL_LATEST_SYMBOL,
    Q_MODELS,
    Q_OUTCOME_COUNTS,
    Q_OUTCOMES,
    Q_SIGNALS_MADE_BETWEEN,
    Q_SIGNALS_RESOLVED_BETWEEN,
    Q_REMOTE_PUT,
    Q_REMOTE_GET,
    Q_REMOTES,
    Q_SUPPRESSED_ADD,
    Q_SUPPRESSED_COUNTS,
    Q_EVENT_APPEND,
    Q_EVENTS_AFTER,
    Q_EVENT_LAST,
    Q_KEY_NAMED,
    Q_KEY_ADD,
    Q_KEYS,
    Q_KEY_REVOKE,
    Q_KEY_EXISTS,
    Q_PAGE,
    Q_PAGE_SYMBOL,
    Q_SIGNAL_GET,
    Q_CELLS_NONE, /* ..Q_CELLS_EXIT in argo_agg_by order */
    Q_CELLS_SYMBOL,
    Q_CELLS_STRATEGY,
    Q_CELLS_BUCKET,
    Q_CELLS_MONTH,
    Q_CELLS_EXIT,
    Q_TRADING_DAYS,
    Q_SIGNAL_DAYS,
    Q_RESOLVED,
    Q_CACHE_GET,
    Q_CACHE_PUT,
    Q_CORRECTION_ADD,
    Q_CORRECTION_FIND,
    Q_CORRECTIONS,
    Q_CALLS_ADD,
    Q_CALLS_GET,
    Q_COUNT
};
static_assert(Q_CELLS_EXIT - Q_CELLS_NONE == ARGO_AGG_EXIT, "one cell query per argo_agg_by");

#define SIGNAL_COLS                                                                                \
    "s.id, s.symbol_id, y.name, s.action, s.ts, s.entry, s.target, s.stop,"                        \
    " s.raw_confidence, s.confidence, s.model_version, s.published, s.v_trend,"                    \
    " s.v_meanrev, s.v_macd, s.v_breakout, s.expires_at, s.status, s.exit_reason, s.gap,"          \
    " s.exit_ts, s.exit_price, s.pnl_pct, s.bars_held, s.mfe_pct, s.mae_pct, s.scanned_to"
#define SIGNAL_FROM " FROM signals s JOIN symbols y ON y.id = s.symbol_id"

#define MODEL_COLS                                                                                 \
    "version, scope, symbol_id, trained_through, window_from, window_to, samples, points,"         \
    " brier_raw, brier, log_loss_raw, log_loss, ece_raw, ece, created_at, base_version,"           \
    " base_weight"

#define REMOTE_COLS                                                                                \
    "target, key, day, bytes, sha256, etag, storage_class, lock_mode, lock_until, uploaded_at"

#define CORRECTION_COLS                                                                            \
    "id, symbol_id, ts, stored_open, stored_high, stored_low, stored_close, stored_volume,"        \
    " revised_open, revised_high, revised_low, revised_close, revised_volume, source, seen_at"
#define REVISED_MATCH                                                                              \
    "symbol_id = ?1 AND ts = ?2 AND revised_open = ?8 AND revised_high = ?9"                       \
    " AND revised_low = ?10 AND revised_close = ?11 AND revised_volume = ?12"

/* The filters of a page (store.h argo_signal_filter), each open when
 * its parameter says "any"; ?1 the cursor, ?8 the limit. With a symbol,
 * signals_by_symbol_id walks that symbol's ids from the cursor; without,
 * the table's own id order does: a page reads about as many rows as it
 * returns when the filters pass most rows. */
#define PAGE_WHERE                                                                                 \
    " WHERE s.id > ?1 AND s.ts >= ?3 AND s.ts < ?4"                                                \
    " AND (?5 = -1 OR (?5 = -2 AND s.status != 0) OR s.status = ?5)"                               \
    " AND (?6 = -1 OR s.published = ?6) AND s.confidence >= ?7"

/* The outcome cells (store.h argo_outcome_cell) of the resolved rows
 * of a FROM clause with columns g (the group), ts, exit_ts, status,
 * exit_reason and pnl_pct, per (g, UTC exit day). The day is
 * argo_time_day_start's floor, also for times before 1970. */
#define DAY_START(x) "((" x ") - (((" x ") % 86400) + 86400) % 86400)"
/* the last column counts the rows that read_signal would refuse, in
 * the columns summed here */
#define CELLS(from)                                                                                \
    "SELECT g, " DAY_START(                                                                        \
        "exit_ts") " AS d, min(ts), count(*),"                                                     \
                   " sum(status IN (1, 2, 3) AND pnl_pct > 0), sum(status = 2), sum(status = 3),"  \
                   " sum((exit_reason & 3) = 0), sum((exit_reason & 3) = 1), sum((exit_reason & "  \
                   "3) = 2),"                                                                      \
                   " sum((exit_reason & 3) = 3), sum(pnl_pct > 0), sum(pnl_pct < 0), "             \
                   "total(pnl_pct),"                                                               \
                   " total(CASE WHEN pnl_pct > 0 THEN pnl_pct END),"                               \
                   " total(CASE WHEN pnl_pct < 0 THEN pnl_pct END),"                               \
                   " sum(NOT (status IN (1, 2, 3) AND typeof(exit_ts) = 'integer' AND typeof(ts) " \
                   "= 'integer'"                                                                   \
                   " AND typeof(pnl_pct) = 'real' AND abs(pnl_pct) <= 1e300 AND exit_reason "      \
                   "BETWEEN 0 AND 3))"                                                             \
                   " FROM " from " GROUP BY g, d ORDER BY g, d"
/* NOT INDEXED: the partial indexes on status != 0 lack the columns
 * read here, and a lookup of every row through one of them took 4 times
 * a plain scan of the table (15,226 signals: 0.26 s vs 0.06 s) */
#define CELL_SRC(g, where)                                                                         \
    "SELECT " g " AS g, ts, exit_ts, status, exit_reason, pnl_pct FROM signals NOT INDEXED"        \
    " WHERE status != 0" where CELL_FILTER
/* store.h argo_agg_filter, bound by sq_outcome_cells: ?1 the symbol id
 * (0: any), ?2 the strategy (-1: any; its stored vote has the action's
 * sign, as VOTED says), ?3 and ?4 the exit day's bounds (NULL:
 * unbounded, so that an unfiltered read still counts a row whose exit_ts
 * is not valid, and refuses it) */
#define CELL_FILTER                                                                                \
    " AND (?1 = 0 OR symbol_id = ?1) AND (?2 = -1 OR CASE ?2 WHEN 0 THEN v_trend"                  \
    " WHEN 1 THEN v_meanrev WHEN 2 THEN v_macd WHEN 3 THEN v_breakout END * action > 0)"           \
    " AND (?3 IS NULL OR " DAY_START("exit_ts") " >= ?3)"                                          \
                                                " AND (?4 IS NULL OR " DAY_START(                  \
                                                    "exit_ts") " < ?4)"
/* a strategy's vote is stored signed (dir * strength): it voted the
 * action's way when the product is positive */
#define VOTED(k, col) CELL_SRC(#k, " AND " col " * action > 0")

static const char *const sql[Q_COUNT] = {
    [Q_CACHE_GET] = "SELECT key, etag, last_modified, stored_at FROM http_cache WHERE key = ?1",
    [Q_CACHE_PUT] = "INSERT INTO http_cache(key, etag, last_modified, stored_at)"
                    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(key) DO UPDATE SET"
                    " etag = excluded.etag, last_modified = excluded.last_modified,"
                    " stored_at = excluded.stored_at",
    /* ?1 symbol, ?2 ts, ?3..?7 the stored bar, ?8..?12 the revised one */
    [Q_CORRECTION_ADD] =
        "INSERT INTO bar_corrections(symbol_id, ts, stored_open, stored_high, stored_low,"
        " stored_close, stored_volume, revised_open, revised_high, revised_low, revised_close,"
        " revised_volume, source, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " ?11, ?12, ?13, ?14) ON CONFLICT(symbol_id, ts, revised_open, revised_high,"
        " revised_low, revised_close, revised_volume) DO NOTHING",
    [Q_CORRECTION_FIND] = "SELECT id FROM bar_corrections WHERE " REVISED_MATCH,
    [Q_CORRECTIONS] = "SELECT " CORRECTION_COLS " FROM bar_corrections WHERE id > ?1 ORDER BY id",
    [Q_CALLS_ADD] = "INSERT INTO fetch_calls(day, calls) VALUES (?1, ?2)"
                    " ON CONFLICT(day) DO UPDATE SET calls = calls + excluded.calls",
    [Q_CALLS_GET] = "SELECT calls FROM fetch_calls WHERE day = ?1",
    [Q_EVENT_APPEND] = "INSERT INTO events(logged_at, channel, symbol, confidence, published, data)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_EVENTS_AFTER] = "SELECT seq, logged_at, channel, symbol, confidence, published, data"
                       " FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [Q_EVENT_LAST] = "SELECT max(seq) FROM events",
    [Q_KEY_NAMED] = "SELECT id FROM api_keys WHERE name = ?1",
    [Q_KEY_ADD] = "INSERT INTO api_keys(name, role, hash, prefix, created_at)"
                  " VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_KEYS] = "SELECT id, name, role, hash, prefix, created_at, revoked_at FROM api_keys"
               " ORDER BY id",
    [Q_KEY_REVOKE] = "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
    [Q_KEY_EXISTS] = "SELECT 1 FROM api_keys WHERE id = ?1",
    [Q_PAGE] = "SELECT " SIGNAL_COLS SIGNAL_FROM PAGE_WHERE " ORDER BY s.id LIMIT ?8",
    [Q_PAGE_SYMBOL] = "SELECT " SIGNAL_COLS " FROM signals s INDEXED BY signals_by_symbol_id"
                      " JOIN symbols y ON y.id = s.symbol_id" PAGE_WHERE
                      " AND s.symbol_id = ?2 ORDER BY s.id LIMIT ?8",
    [Q_SIGNAL_GET] = "SELECT " SIGNAL_COLS SIGNAL_FROM " WHERE s.id = ?1",
    [Q_REMOTE_PUT] = "INSERT OR REPLACE INTO remote_objects(" REMOTE_COLS ")"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [Q_REMOTE_GET] = "SELECT " REMOTE_COLS " FROM remote_objects WHERE target = ?1 AND key = ?2",
    [Q_REMOTES] = "SELECT " REMOTE_COLS " FROM remote_objects WHERE target = ?1 ORDER BY key",
    [Q_SUPPRESSED_ADD] =
        "INSERT INTO suppressed_signals(symbol_id, day, count) VALUES (?1, ?2, ?3)"
        " ON CONFLICT(symbol_id, day) DO UPDATE SET count = count + excluded.count",
    [Q_SUPPRESSED_COUNTS] = "SELECT symbol_id, sum(count) FROM suppressed_signals"
                            " GROUP BY symbol_id ORDER BY symbol_id",
    [Q_SYMBOL_GET] = "SELECT id FROM symbols WHERE name = ?1",
    [Q_SYMBOL_ADD] = "INSERT INTO symbols(name) VALUES (?1)",
    [Q_SYMBOLS] = "SELECT y.id, y.name,"
                  " (SELECT min(ts) FROM bars b WHERE b.symbol_id = y.id),"
                  " (SELECT max(ts) FROM bars b WHERE b.symbol_id = y.id)"
                  " FROM symbols y ORDER BY y.name",
    [Q_BAR_LAST] = "SELECT max(ts) FROM bars WHERE symbol_id = ?1",
    [Q_BAR_AT] = "SELECT open, high, low, close, volume FROM bars"
                 " WHERE symbol_id = ?1 AND ts = ?2",
    [Q_BAR_INSERT] = "INSERT INTO bars(symbol_id, ts, open, high, low, close, volume)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_BARS_SCAN] = "SELECT symbol_id, ts, open, high, low, close, volume FROM bars"
                    " WHERE symbol_id = ?1 AND ts > ?2 AND ts <= ?3 ORDER BY ts",
    [Q_BARS_SCAN_ALL] = "SELECT symbol_id, ts, open, high, low, close, volume FROM bars"
                        " WHERE ts <= ?1 ORDER BY ts, symbol_id",
    /* symbols first (CROSS JOIN keeps that order): one seek along the
     * key per symbol, not one index lookup per bar through bars_by_ts */
    [Q_BARS_SCAN_WINDOW] = "SELECT b.symbol_id, b.ts, b.open, b.high, b.low, b.close, b.volume"
                           " FROM symbols y CROSS JOIN bars b"
                           " WHERE b.symbol_id = y.id AND b.ts > ?1 AND b.ts <= ?2",
    [Q_BARS_COUNT] = "SELECT count(*) FROM bars WHERE ts <= ?1",
    [Q_SIGNAL_INSERT] =
        "INSERT INTO signals(symbol_id, action, ts, entry, target, stop, raw_confidence,"
        " confidence, model_version, published, v_trend, v_meanrev, v_macd, v_breakout,"
        " expires_at, status, exit_reason, gap, exit_ts, exit_price, pnl_pct, bars_held,"
        " mfe_pct, mae_pct, scanned_to) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
    [Q_SIGNAL_UPDATE] = "UPDATE signals SET status = ?2, exit_reason = ?3, gap = ?4,"
                        " exit_ts = ?5, exit_price = ?6, pnl_pct = ?7, bars_held = ?8,"
                        " mfe_pct = ?9, mae_pct = ?10, scanned_to = ?11 WHERE id = ?1",
    [Q_SIGNALS_ALL] = "SELECT " SIGNAL_COLS SIGNAL_FROM " ORDER BY s.ts, s.id",
    [Q_SIGNALS_SYMBOL] =
        "SELECT " SIGNAL_COLS SIGNAL_FROM " WHERE s.symbol_id = ?1 ORDER BY s.ts, s.id",
    [Q_SIGNALS_OPEN] = "SELECT " SIGNAL_COLS SIGNAL_FROM " WHERE s.status = 0 ORDER BY s.ts, s.id",
    [Q_SIGNALS_OPEN_SYMBOL] = "SELECT " SIGNAL_COLS SIGNAL_FROM
                              " WHERE s.status = 0 AND s.symbol_id = ?1 ORDER BY s.ts, s.id",
    [Q_MODEL_INSERT] =
        "INSERT INTO calibration_models(scope, symbol_id, trained_through, window_from,"
        " window_to, samples, points, brier_raw, brier, log_loss_raw, log_loss, ece_raw, ece,"
        " created_at, base_version, base_weight) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
        " ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [Q_MODEL_GET] = "SELECT " MODEL_COLS " FROM calibration_models WHERE version = ?1",
    [Q_MODEL_LATEST] = "SELECT " MODEL_COLS " FROM calibration_models WHERE scope = ?1"
                       " ORDER BY version DESC LIMIT 1",
    [Q_MODEL_LATEST_SYMBOL] = "SELECT " MODEL_COLS " FROM calibration_models"
                              " WHERE scope = ?1 AND symbol_id = ?2 ORDER BY version DESC LIMIT 1",
    [Q_MODELS] = "SELECT version, scope, symbol_id, trained_through, window_from, window_to,"
                 " samples, NULL, brier_raw, brier, log_loss_raw, log_loss, ece_raw, ece,"
                 " created_at, base_version, base_weight FROM calibration_models ORDER BY version",
    [Q_OUTCOMES] = "SELECT symbol_id, exit_ts, raw_confidence, status, pnl_pct FROM signals"
                   " INDEXED BY signals_outcomes WHERE status != 0 AND exit_ts < ?1"
                   " ORDER BY exit_ts, id",
    [Q_OUTCOME_COUNTS] =
        "SELECT symbol_id, count(*) FROM signals"
        " WHERE status != 0 AND exit_ts < ?1 GROUP BY symbol_id ORDER BY symbol_id",
    [Q_SIGNALS_MADE_BETWEEN] =
        "SELECT " SIGNAL_COLS SIGNAL_FROM " WHERE s.ts >= ?1 AND s.ts < ?2 ORDER BY s.ts, s.id",
    [Q_SIGNALS_RESOLVED_BETWEEN] =
        "SELECT " SIGNAL_COLS SIGNAL_FROM
        " WHERE s.status != 0 AND s.exit_ts >= ?1 AND s.exit_ts < ?2 ORDER BY s.exit_ts, s.id",
    [Q_CELLS_NONE] = CELLS("(" CELL_SRC("0", "") ")"),
    [Q_CELLS_SYMBOL] = CELLS("(" CELL_SRC("symbol_id", "") ")"),
    [Q_CELLS_STRATEGY] = CELLS("(" VOTED(0, "v_trend") " UNION ALL " VOTED(
        1, "v_meanrev") " UNION ALL " VOTED(2, "v_macd") " UNION ALL " VOTED(3, "v_breakout") ")"),
    /* CAST truncates toward 0: floor for confidence >= 0, and a negative
     * one clamps to 0 either way */
    [Q_CELLS_BUCKET] =
        CELLS("(" CELL_SRC("max(0, min(9, CAST(confidence * 10 AS INTEGER)))", "") ")"),
    [Q_CELLS_MONTH] =
        CELLS("(" CELL_SRC("CAST(strftime('%Y%m', ts, 'unixepoch') AS INTEGER)", "") ")"),
    [Q_CELLS_EXIT] = CELLS("(" CELL_SRC("(exit_reason & 3)", "") ")"),
    /* one index seek per trading day (bars_by_ts), not a read of every bar */
    [Q_TRADING_DAYS] = "WITH RECURSIVE d(t) AS (SELECT min(ts) FROM bars UNION ALL"
                       " SELECT (SELECT min(ts) FROM bars WHERE ts >= " DAY_START(
                           "d.t") " + 86400) FROM d WHERE d.t IS NOT NULL)"
                                  " SELECT " DAY_START("t") " FROM d WHERE t IS NOT NULL",
    /* ts >= ?1 and exit_ts >= ?1 (a day start is at or before its time)
     * bound each side's walk of its covering index, signals_by_ts and
     * signals_outcomes; d >= ?1 is the exact test */
    [Q_SIGNAL_DAYS] = "SELECT d FROM (SELECT " DAY_START(
        "ts") " AS d FROM signals WHERE ts >= ?1"
              " UNION SELECT " DAY_START(
                  "exit_ts") " FROM signals"
                             " WHERE status != 0 AND exit_ts >= ?1) WHERE d >= ?1 ORDER BY d",
    [Q_RESOLVED] = "SELECT id, ts, exit_ts, raw_confidence, confidence, pnl_pct, status"
                   " FROM signals WHERE status != 0 ORDER BY ts, id",
    [Q_STATE_GET] = "SELECT state FROM strategy_state WHERE symbol_id = ?1",
    [Q_STATE_PUT] = "INSERT INTO strategy_state(symbol_id, state) VALUES (?1, ?2)"
                    " ON CONFLICT(symbol_id) DO UPDATE SET state = excluded.state",
};

#define SQ_HOLDS 4 /* holds one handle may take at once */

typedef struct hold_rec {
    char name[ARGO_STORE_LOCK_NAME_MAX + 1]; /* "" when the slot is free */
    int fd;                                  /* the flocked PATH-NAME.lock; -1 for ":memory:" */
} hold_rec;

#define SQ_TABLES 16     /* tables of argo_store_tables(), at most */
#define SQ_TABLE_COLS 32 /* columns of one table, at most */

/* The row interface's statements of one table (prepared on first use)
 * and each column's kind from its declared type: 'i' INTEGER, 'r'
 * REAL, 't' TEXT, 'b' BLOB. */
typedef struct sq_rows {
    sqlite3_stmt *scan, *count, *insert;
    char kind[SQ_TABLE_COLS];
} sq_rows;

typedef struct sq_store {
    argo_store base;
    sqlite3 *db;
    char *path;
    int busy_ms;
    bool read_only;
    sqlite3_stmt *q[Q_COUNT];
    hold_rec holds[SQ_HOLDS]; /* the holds this handle took */
    sq_rows rows[SQ_TABLES];  /* argo_store_tables()[i]'s statements */
} sq_store;

static int fail(sq_store *s, argo_err *err, int rc, const char *what)
{
    int code = ARGO_ESTORE;
    int prim = rc & 0xff;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return argo_err_set(err, ARGO_EBUSY,
                            "database %s is locked by another process (waited %d ms while %s)",
                            s->path, s->busy_ms, what);
    if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)
        return argo_err_set(err, ARGO_ECORRUPT, "database %s is corrupt or not a database (%s: %s)",
                            s->path, what, sqlite3_errmsg(s->db));
    if (prim == SQLITE_CANTOPEN || prim == SQLITE_IOERR || prim == SQLITE_READONLY ||
        prim == SQLITE_FULL)
        code = ARGO_EIO;
    return argo_err_set(err, code, "database %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int prep(sq_store *s, int which, sqlite3_stmt **out, argo_err *err)
{
    if (!s->q[which]) {
        int rc = sqlite3_prepare_v3(s->db, sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s->q[which],
                                    NULL);
        if (rc != SQLITE_OK)
            return fail(s, err, rc, "preparing a statement");
    }
    sqlite3_reset(s->q[which]);
    sqlite3_clear_bindings(s->q[which]);
    *out = s->q[which];
    return ARGO_OK;
}

static int exec(sq_store *s, const char *text, const char *what, argo_err *err)
{
    int rc = sqlite3_exec(s->db, text, NULL, NULL, NULL);
    return rc == SQLITE_OK ? ARGO_OK : fail(s, err, rc, what);
}

/* A text column; "" for NULL (a damaged row must not crash a reader). */
static const char *col_text(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? (const char *)t : "";
}

static sq_store *SQ(argo_store *st)
{
    return (sq_store *)st;
}

static void sq_release(argo_store *st, const char *name);

static void sq_close(argo_store *st)
{
    sq_store *s = SQ(st);
    for (int i = 0; i < SQ_HOLDS; i++)
        if (s->holds[i].name[0])
            sq_release(st, s->holds[i].name);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    for (int i = 0; i < SQ_TABLES; i++) {
        sqlite3_finalize(s->rows[i].scan);
        sqlite3_finalize(s->rows[i].count);
        sqlite3_finalize(s->rows[i].insert);
    }
    if (s->db && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

static int sq_begin(argo_store *st, argo_err *err)
{
    sq_store *s = SQ(st);
    if (s->read_only)
        return argo_err_set(err, ARGO_EINVAL, "database %s is open read-only", s->path);
    return exec(s, "BEGIN IMMEDIATE", "starting a transaction", err);
}

static int sq_commit(argo_store *st, argo_err *err)
{
    return exec(SQ(st), "COMMIT", "committing", err);
}

static void sq_rollback(argo_store *st)
{
    sq_store *s = SQ(st);
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* BEGIN IMMEDIATE took the database's write lock, which excludes every
 * other writer of the file until the transaction ends: any named lock
 * is already held (store.h). */
static int sq_lock(argo_store *st, const char *name, argo_err *err)
{
    (void)st;
    (void)name;
    (void)err;
    assert(!sqlite3_get_autocommit(SQ(st)->db));
    return ARGO_OK;
}

static int sq_symbol_id(argo_store *st, const char *name, bool create, int64_t *id, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_SYMBOL_GET, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
        return ARGO_OK;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "looking up a symbol");
    if (!create)
        return argo_err_set(err, ARGO_ENOENT, "unknown symbol '%s' (no bars ingested for it)",
                            name);
    if ((rc = prep(s, Q_SYMBOL_ADD, &q, err)))
        return rc;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "adding a symbol");
    *id = sqlite3_last_insert_rowid(s->db);
    return ARGO_OK;
}

static int sq_symbols(argo_store *st, argo_symbol **list, size_t *n, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    *list = NULL;
    *n = 0;
    int rc = prep(s, Q_SYMBOLS, &q, err);
    if (rc)
        return rc;
    size_t cap = 0;
    argo_symbol *v = NULL;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        argo_symbol *nv = argo_grow(v, &cap, *n + 1, sizeof *v, 16);
        if (!nv) {
            free(v);
            sqlite3_reset(q);
            return argo_err_set(err, ARGO_ENOMEM, "out of memory listing symbols");
        }
        v = nv;
        argo_symbol *y = &v[(*n)++];
        y->id = sqlite3_column_int64(q, 0);
        snprintf(y->name, sizeof y->name, "%s", col_text(q, 1));
        y->first_ts =
            sqlite3_column_type(q, 2) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(q, 2);
        y->last_ts =
            sqlite3_column_type(q, 3) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(q, 3);
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        free(v);
        *n = 0;
        return fail(s, err, rc, "listing symbols");
    }
    *list = v;
    return ARGO_OK;
}

static int last_ts(sq_store *s, int64_t sym, int64_t *out, argo_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_BAR_LAST, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, sym);
    rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return fail(s, err, rc, "reading the last bar");
    }
    *out = sqlite3_column_type(q, 0) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return ARGO_OK;
}

/* Puts one bar after the symbol's last stored bar *last (updated). */
static int put_one(sq_store *s, int64_t sym, const argo_bar *b, int64_t *last, bool *inserted,
                   argo_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc;
    *inserted = false;
    if (b->ts <= *last) {
        if ((rc = prep(s, Q_BAR_AT, &q, err)))
            return rc;
        sqlite3_bind_int64(q, 1, sym);
        sqlite3_bind_int64(q, 2, b->ts);
        rc = sqlite3_step(q);
        if (rc == SQLITE_DONE) {
            sqlite3_reset(q);
            return argo_err_set(err, ARGO_EDATA,
                                "bar is older than the symbol's last stored bar"
                                " (bars are append-only)");
        }
        if (rc != SQLITE_ROW) {
            sqlite3_reset(q);
            return fail(s, err, rc, "reading a bar");
        }
        bool same =
            sqlite3_column_double(q, 0) == b->open && sqlite3_column_double(q, 1) == b->high &&
            sqlite3_column_double(q, 2) == b->low && sqlite3_column_double(q, 3) == b->close &&
            sqlite3_column_double(q, 4) == b->volume;
        sqlite3_reset(q);
        if (!same)
            return argo_err_set(err, ARGO_ECONFLICT,
                                "bar conflicts with the stored bar of the same time");
        return ARGO_OK;
    }
    if ((rc = prep(s, Q_BAR_INSERT, &q, err)))
        return rc;
    sqlite3_bind_int64(q, 1, sym);
    sqlite3_bind_int64(q, 2, b->ts);
    sqlite3_bind_double(q, 3, b->open);
    sqlite3_bind_double(q, 4, b->high);
    sqlite3_bind_double(q, 5, b->low);
    sqlite3_bind_double(q, 6, b->close);
    sqlite3_bind_double(q, 7, b->volume);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "storing a bar");
    *last = b->ts;
    *inserted = true;
    return ARGO_OK;
}

/* The symbol's last bar is read once per call, never kept between
 * calls: another process may append between two of them. */
static int sq_bars_put(argo_store *st, int64_t sym, const argo_bar *bars, size_t n, bool *new_flags,
                       argo_bars_put_result *res, argo_err *err)
{
    sq_store *s = SQ(st);
    int64_t last = INT64_MIN;
    int rc = last_ts(s, sym, &last, err);
    for (size_t i = 0; i < n && !rc; i++) {
        bool inserted;
        res->done = i;
        if ((rc = put_one(s, sym, &bars[i], &last, &inserted, err)))
            break;
        res->inserted += inserted;
        res->repeats += !inserted;
        if (new_flags)
            new_flags[i] = inserted;
        res->done = i + 1;
    }
    return rc;
}

/* A stored bar as DESIGN.md defines a valid one: a row edited or damaged
 * outside argo is reported, never fed to the strategies. */
static bool bar_ok(const argo_bar *b)
{
    double lo = b->open < b->close ? b->open : b->close;
    double hi = b->open < b->close ? b->close : b->open;
    return isfinite(b->open) && isfinite(b->high) && isfinite(b->low) && isfinite(b->close) &&
           isfinite(b->volume) && b->low > 0 && b->low <= lo && hi <= b->high && b->volume >= 0;
}

static int scan_bars(sq_store *s, sqlite3_stmt *q, argo_bar_fn fn, void *ctx, argo_err *err)
{
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        argo_bar b = {
            .ts = sqlite3_column_int64(q, 1),
            .open = sqlite3_column_double(q, 2),
            .high = sqlite3_column_double(q, 3),
            .low = sqlite3_column_double(q, 4),
            .close = sqlite3_column_double(q, 5),
            .volume = sqlite3_column_double(q, 6),
        };
        if (!bar_ok(&b)) {
            long long sym = sqlite3_column_int64(q, 0);
            sqlite3_reset(q);
            return argo_err_set(err, ARGO_ECORRUPT,
                                "database %s: the bar of symbol id %lld at %lld is not valid"
                                " (changed outside argo?)",
                                s->path, sym, (long long)b.ts);
        }
        int r = fn(ctx, sqlite3_column_int64(q, 0), &b);
        if (r) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "reading bars");
}

static int sq_bars_scan(argo_store *st, int64_t sym, int64_t after, int64_t to, argo_bar_fn fn,
                        void *ctx, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_BARS_SCAN, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, sym);
    sqlite3_bind_int64(q, 2, after);
    sqlite3_bind_int64(q, 3, to);
    return scan_bars(s, q, fn, ctx, err);
}

static int sq_bars_scan_all(argo_store *st, int64_t to, argo_bar_fn fn, void *ctx, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_BARS_SCAN_ALL, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, to);
    return scan_bars(s, q, fn, ctx, err);
}

static int sq_bars_scan_window(argo_store *st, int64_t after, int64_t to, argo_bar_fn fn, void *ctx,
                               argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_BARS_SCAN_WINDOW, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, to);
    return scan_bars(s, q, fn, ctx, err);
}

static int sq_bars_count(argo_store *st, int64_t to, int64_t *n, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_BARS_COUNT, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, to);
    rc = sqlite3_step(q);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? ARGO_OK : fail(s, err, rc, "counting bars");
}

static double signed_vote(const argo_vote *v)
{
    return v->dir * v->strength;
}

static void bind_opt_int(sqlite3_stmt *q, int i, int64_t v, bool present)
{
    if (present)
        sqlite3_bind_int64(q, i, v);
    else
        sqlite3_bind_null(q, i);
}

static void bind_opt_double(sqlite3_stmt *q, int i, double v, bool present)
{
    if (present)
        sqlite3_bind_double(q, i, v);
    else
        sqlite3_bind_null(q, i);
}

static int insert_one(sq_store *s, argo_signal *g, argo_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_SIGNAL_INSERT, &q, err);
    if (rc)
        return rc;
    bool done = g->status != ARGO_OPEN;
    sqlite3_bind_int64(q, 1, g->symbol_id);
    sqlite3_bind_int(q, 2, g->action);
    sqlite3_bind_int64(q, 3, g->ts);
    sqlite3_bind_double(q, 4, g->entry);
    sqlite3_bind_double(q, 5, g->target);
    sqlite3_bind_double(q, 6, g->stop);
    sqlite3_bind_double(q, 7, g->raw_confidence);
    sqlite3_bind_double(q, 8, g->confidence);
    bind_opt_int(q, 9, g->model_version, g->model_version != 0);
    sqlite3_bind_int(q, 10, g->published);
    for (int i = 0; i < ARGO_STRAT_COUNT; i++)
        sqlite3_bind_double(q, 11 + i, signed_vote(&g->votes[i]));
    sqlite3_bind_int64(q, 15, g->expires_at);
    sqlite3_bind_int(q, 16, g->status);
    sqlite3_bind_int(q, 17, g->exit_reason);
    sqlite3_bind_int(q, 18, g->gap);
    bind_opt_int(q, 19, g->exit_ts, done);
    bind_opt_double(q, 20, g->exit_price, done);
    bind_opt_double(q, 21, g->pnl_pct, done);
    sqlite3_bind_int(q, 22, g->bars_held);
    sqlite3_bind_double(q, 23, g->mfe_pct);
    sqlite3_bind_double(q, 24, g->mae_pct);
    sqlite3_bind_int64(q, 25, g->scanned_to);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "storing a signal");
    g->id = sqlite3_last_insert_rowid(s->db);
    return ARGO_OK;
}

static int sq_signals_insert(argo_store *st, argo_signal *sigs, size_t n, argo_err *err)
{
    int rc = ARGO_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = insert_one(SQ(st), &sigs[i], err);
    return rc;
}

static int update_one(sq_store *s, const argo_signal *g, argo_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_SIGNAL_UPDATE, &q, err);
    if (rc)
        return rc;
    bool done = g->status != ARGO_OPEN;
    sqlite3_bind_int64(q, 1, g->id);
    sqlite3_bind_int(q, 2, g->status);
    sqlite3_bind_int(q, 3, g->exit_reason);
    sqlite3_bind_int(q, 4, g->gap);
    bind_opt_int(q, 5, g->exit_ts, done);
    bind_opt_double(q, 6, g->exit_price, done);
    bind_opt_double(q, 7, g->pnl_pct, done);
    sqlite3_bind_int(q, 8, g->bars_held);
    sqlite3_bind_double(q, 9, g->mfe_pct);
    sqlite3_bind_double(q, 10, g->mae_pct);
    sqlite3_bind_int64(q, 11, g->scanned_to);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "updating a signal");
    if (sqlite3_changes(s->db) != 1)
        return argo_err_set(err, ARGO_ENOENT, "signal %lld is not in the store", (long long)g->id);
    return ARGO_OK;
}

static int sq_signals_update(argo_store *st, const argo_signal *sigs, size_t n, argo_err *err)
{
    int rc = ARGO_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = update_one(SQ(st), &sigs[i], err);
    return rc;
}

static argo_vote unsigned_vote(double v)
{
    if (v > 0)
        return (argo_vote){ARGO_BUY, v};
    if (v < 0)
        return (argo_vote){ARGO_SELL, -v};
    return (argo_vote){ARGO_NONE, 0};
}

static void read_signal(sqlite3_stmt *q, argo_signal *g)
{
    memset(g, 0, sizeof *g);
    g->id = sqlite3_column_int64(q, 0);
    g->symbol_id = sqlite3_column_int64(q, 1);
    snprintf(g->symbol, sizeof g->symbol, "%s", col_text(q, 2));
    g->action = sqlite3_column_int(q, 3);
    g->ts = sqlite3_column_int64(q, 4);
    g->entry = sqlite3_column_double(q, 5);
    g->target = sqlite3_column_double(q, 6);
    g->stop = sqlite3_column_double(q, 7);
    g->raw_confidence = sqlite3_column_double(q, 8);
    g->confidence = sqlite3_column_double(q, 9);
    g->model_version = sqlite3_column_int64(q, 10); /* NULL reads as 0 */
    g->published = sqlite3_column_int(q, 11);
    for (int i = 0; i < ARGO_STRAT_COUNT; i++)
        g->votes[i] = unsigned_vote(sqlite3_column_double(q, 12 + i));
    g->expires_at = sqlite3_column_int64(q, 16);
    g->status = (argo_status)sqlite3_column_int(q, 17);
    g->exit_reason = (argo_exit_reason)sqlite3_column_int(q, 18);
    g->gap = sqlite3_column_int(q, 19);
    g->exit_ts = sqlite3_column_int64(q, 20);
    g->exit_price = sqlite3_column_double(q, 21);
    g->pnl_pct = sqlite3_column_double(q, 22);
    g->bars_held = sqlite3_column_int(q, 23);
    g->mfe_pct = sqlite3_column_double(q, 24);
    g->mae_pct = sqlite3_column_double(q, 25);
    g->scanned_to = sqlite3_column_int64(q, 26);
}

/* The enums and numbers a stored signal must hold. */
static bool signal_ok(const argo_signal *g)
{
    bool done = g->status != ARGO_OPEN;
    return (g->action == ARGO_BUY || g->action == ARGO_SELL) &&
           (unsigned)g->status <= ARGO_EXPIRED && (unsigned)g->exit_reason <= ARGO_EXIT_EXPIRY &&
           isfinite(g->entry) && g->entry > 0 && isfinite(g->target) && isfinite(g->stop) &&
           isfinite(g->raw_confidence) && isfinite(g->confidence) &&
           (!done || (isfinite(g->pnl_pct) && isfinite(g->exit_price)));
}

static int sq_signals_scan(argo_store *st, argo_signal_scan kind, int64_t sym, int64_t from,
                           int64_t to, argo_signal_fn fn, void *ctx, argo_err *err)
{
    sq_store *s = SQ(st);
    int which = kind == ARGO_SCAN_MADE       ? Q_SIGNALS_MADE_BETWEEN
                : kind == ARGO_SCAN_RESOLVED ? Q_SIGNALS_RESOLVED_BETWEEN
                : kind == ARGO_SCAN_OPEN     ? (sym ? Q_SIGNALS_OPEN_SYMBOL : Q_SIGNALS_OPEN)
                                             : (sym ? Q_SIGNALS_SYMBOL : Q_SIGNALS_ALL);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, which, &q, err);
    if (rc)
        return rc;
    if (kind == ARGO_SCAN_MADE || kind == ARGO_SCAN_RESOLVED) {
        sqlite3_bind_int64(q, 1, from);
        sqlite3_bind_int64(q, 2, to);
    } else if (sym)
        sqlite3_bind_int64(q, 1, sym);
    argo_signal g;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        read_signal(q, &g);
        if (!signal_ok(&g)) {
            sqlite3_reset(q);
            return argo_err_set(err, ARGO_ECORRUPT,
                                "database %s: signal %lld is not valid (changed outside argo?)",
                                s->path, (long long)g.id);
        }
        int r = fn(ctx, &g);
        if (r) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "reading signals");
}

/* Steps q (prepared, bound) and collects its first column, one day a
 * row, into a new array (what names the list in messages). */
static int day_column(sq_store *s, sqlite3_stmt *q, const char *what, int64_t **days, size_t *n,
                      argo_err *err)
{
    int64_t *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t *w = argo_grow(v, &cap, len + 1, sizeof *v, 1024);
        if (!w) {
            sqlite3_reset(q);
            free(v);
            return argo_err_set(err, ARGO_ENOMEM, "out of memory listing %s", what);
        }
        v = w;
        v[len++] = sqlite3_column_int64(q, 0);
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        free(v);
        char m[64];
        snprintf(m, sizeof m, "listing %s", what);
        return fail(s, err, rc, m);
    }
    *days = v;
    *n = len;
    return ARGO_OK;
}

static int sq_signal_days(argo_store *st, int64_t from, int64_t **days, size_t *n, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_SIGNAL_DAYS, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, from);
    return day_column(s, q, "signal days", days, n, err);
}

/* The numbers a resolved item must hold (signal_ok's, for its columns). */
static bool resolved_ok(const argo_resolved_item *r)
{
    return r->status != ARGO_OPEN && (unsigned)r->status <= ARGO_EXPIRED &&
           isfinite(r->raw_confidence) && isfinite(r->confidence) && isfinite(r->pnl_pct);
}

static int sq_resolved_scan(argo_store *st, argo_resolved_fn fn, void *ctx, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_RESOLVED, &q, err);
    if (rc)
        return rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        argo_resolved_item r = {
            .ts = sqlite3_column_int64(q, 1),
            .exit_ts = sqlite3_column_int64(q, 2),
            .raw_confidence = sqlite3_column_double(q, 3),
            .confidence = sqlite3_column_double(q, 4),
            .pnl_pct = sqlite3_column_double(q, 5),
            .status = (argo_status)sqlite3_column_int(q, 6),
        };
        if (!resolved_ok(&r)) {
            long long id = sqlite3_column_int64(q, 0);
            sqlite3_reset(q);
            return argo_err_set(err, ARGO_ECORRUPT,
                                "database %s: signal %lld is not valid (changed outside argo?)",
                                s->path, id);
        }
        int x = fn(ctx, &r);
        if (x) {
            sqlite3_reset(q);
            return x;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "reading resolved signals");
}

static int sq_signals_reset(argo_store *st, argo_err *err)
{
    return exec(SQ(st),
                "DELETE FROM signals; DELETE FROM strategy_state; DELETE FROM suppressed_signals;"
                " DELETE FROM calibration_models WHERE scope != 'external';",
                "clearing signals", err);
}

static int sq_suppressed_add(argo_store *st, int64_t sym, int64_t ts, int64_t n, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_SUPPRESSED_ADD, &q, err);
    if (rc)
        return rc;
    int64_t day = ts / 86400 * 86400;
    if (ts < 0 && day != ts)
        day -= 86400; /* floor, for days before 1970 */
    sqlite3_bind_int64(q, 1, sym);
    sqlite3_bind_int64(q, 2, day);
    sqlite3_bind_int64(q, 3, n);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "counting a suppressed signal");
}

/* Steps q (prepared, bound) over rows of (symbol_id, count) into a new
 * array; what names the query in errors. */
static int collect_counts(sq_store *s, sqlite3_stmt *q, const char *what, argo_symbol_count **list,
                          size_t *n, int64_t *total, argo_err *err)
{
    size_t cap = 0;
    argo_symbol_count *v = NULL;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        argo_symbol_count *nv = argo_grow(v, &cap, *n + 1, sizeof *v, 64);
        if (!nv) {
            free(v);
            sqlite3_reset(q);
            *n = 0;
            *total = 0;
            return argo_err_set(err, ARGO_ENOMEM, "out of memory %s", what);
        }
        v = nv;
        v[*n] = (argo_symbol_count){sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1)};
        *total += v[*n].count;
        (*n)++;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        free(v);
        *n = 0;
        *total = 0;
        return fail(s, err, rc, what);
    }
    *list = v;
    return ARGO_OK;
}

static int sq_suppressed_counts(argo_store *st, argo_symbol_count **list, size_t *n, int64_t *total,
                                argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    *list = NULL;
    *n = 0;
    *total = 0;
    int rc = prep(s, Q_SUPPRESSED_COUNTS, &q, err);
    return rc ? rc : collect_counts(s, q, "counting suppressed signals", list, n, total, err);
}

static int sq_state_get(argo_store *st, int64_t sym, unsigned char **blob, size_t *len,
                        argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    *blob = NULL;
    *len = 0;
    int rc = prep(s, Q_STATE_GET, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, sym);
    rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return argo_err_set(err, ARGO_ENOENT, "no saved strategy state");
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return fail(s, err, rc, "reading strategy state");
    }
    int n = sqlite3_column_bytes(q, 0);
    const void *p = sqlite3_column_blob(q, 0);
    unsigned char *copy = malloc(n > 0 ? (size_t)n : 1);
    if (!copy) {
        sqlite3_reset(q);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory reading strategy state");
    }
    if (n > 0)
        memcpy(copy, p, (size_t)n);
    sqlite3_reset(q);
    *blob = copy;
    *len = (size_t)n;
    return ARGO_OK;
}

static int sq_state_put(argo_store *st, int64_t sym, const void *blob, size_t len, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_STATE_PUT, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, sym);
    sqlite3_bind_blob(q, 2, blob, (int)len, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "saving strategy state");
}

/* The BLOB of n points in a new buffer (16 n bytes), NULL when memory is short. */
static unsigned char *points_blob(const double *x, const double *y, size_t n)
{
    unsigned char *b = malloc(n ? 16 * n : 1);
    if (b) /* as every backend stores them (argo_store_points_put) */
        argo_store_points_put(b, x, y, n);
    return b;
}

/* SQL function argo_points_from_json(x, y) of migration 4 -> 5: the
 * JSON arrays x and y as a points BLOB; an empty BLOB when they are not
 * two arrays of numbers of one length (read later as malformed). */
static void points_from_json(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *xt = (const char *)sqlite3_value_text(argv[0]);
    const char *yt = (const char *)sqlite3_value_text(argv[1]);
    json_error_t je;
    unsigned long jf = argo_json_failures();
    json_t *xa = xt ? json_loads(xt, 0, &je) : NULL, *ya = yt ? json_loads(yt, 0, &je) : NULL;
    size_t n = json_array_size(xa);
    double *v = NULL;
    bool ok = json_is_array(xa) && json_is_array(ya) && n > 0 && json_array_size(ya) == n;
    if (argo_json_failures() != jf || (ok && !(v = malloc(2 * n * sizeof *v)))) {
        sqlite3_result_error_nomem(ctx);
        goto out;
    }
    for (size_t i = 0; ok && i < n; i++) {
        json_t *a = json_array_get(xa, i), *b = json_array_get(ya, i);
        ok = json_is_number(a) && json_is_number(b);
        if (ok) {
            v[i] = json_number_value(a);
            v[n + i] = json_number_value(b);
        }
    }
    unsigned char *blob = ok ? points_blob(v, v + n, n) : NULL;
    if (ok && !blob)
        sqlite3_result_error_nomem(ctx);
    else if (ok)
        sqlite3_result_blob(ctx, blob, (int)(16 * n), free);
    else
        sqlite3_result_zeroblob(ctx, 0);
out:
    free(v);
    json_decref(xa);
    json_decref(ya);
}

static void bind_metric(sqlite3_stmt *q, int i, double v)
{
    bind_opt_double(q, i, v, isfinite(v));
}

static int sq_model_insert(argo_store *st, argo_model_row *m, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    if (m->n > (size_t)INT_MAX / 16)
        return argo_err_set(err, ARGO_ELIMIT, "a calibration model of %zu points is too large",
                            m->n);
    int rc = prep(s, Q_MODEL_INSERT, &q, err);
    if (rc)
        return rc;
    unsigned char *points = points_blob(m->x, m->y, m->n);
    if (!points)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory storing a model");
    sqlite3_bind_text(q, 1, m->scope, -1, SQLITE_STATIC);
    bind_opt_int(q, 2, m->symbol_id, m->symbol_id != 0);
    sqlite3_bind_int64(q, 3, m->trained_through);
    bind_opt_int(q, 4, m->window_from, m->samples > 0);
    bind_opt_int(q, 5, m->window_to, m->samples > 0);
    sqlite3_bind_int64(q, 6, m->samples);
    sqlite3_bind_blob(q, 7, points, (int)(16 * m->n), SQLITE_STATIC);
    bind_metric(q, 8, m->brier_raw);
    bind_metric(q, 9, m->brier);
    bind_metric(q, 10, m->log_loss_raw);
    bind_metric(q, 11, m->log_loss);
    bind_metric(q, 12, m->ece_raw);
    bind_metric(q, 13, m->ece);
    sqlite3_bind_int64(q, 14, m->created_at);
    bind_opt_int(q, 15, m->base_version, m->base_version != 0);
    bind_opt_double(q, 16, m->base_weight, m->base_version != 0);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    free(points);
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "storing a calibration model");
    m->version = sqlite3_last_insert_rowid(s->db);
    return ARGO_OK;
}

static double col_metric(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

/* Reads a row; with points, decodes them (ARGO_ECORRUPT when malformed). */
static int read_model(sqlite3_stmt *q, bool points, argo_model_row *m, argo_err *err)
{
    memset(m, 0, sizeof *m);
    m->version = sqlite3_column_int64(q, 0);
    snprintf(m->scope, sizeof m->scope, "%s", col_text(q, 1));
    m->symbol_id = sqlite3_column_int64(q, 2);
    m->trained_through = sqlite3_column_int64(q, 3);
    m->window_from = sqlite3_column_int64(q, 4);
    m->window_to = sqlite3_column_int64(q, 5);
    m->samples = sqlite3_column_int64(q, 6);
    m->brier_raw = col_metric(q, 8);
    m->brier = col_metric(q, 9);
    m->log_loss_raw = col_metric(q, 10);
    m->log_loss = col_metric(q, 11);
    m->ece_raw = col_metric(q, 12);
    m->ece = col_metric(q, 13);
    m->created_at = sqlite3_column_int64(q, 14);
    m->base_version = sqlite3_column_int64(q, 15);
    m->base_weight = sqlite3_column_double(q, 16);
    if (!points)
        return ARGO_OK;
    const unsigned char *b = sqlite3_column_blob(q, 7);
    size_t bytes = (size_t)sqlite3_column_bytes(q, 7);
    if (!b && sqlite3_errcode(sqlite3_db_handle(q)) == SQLITE_NOMEM)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory reading a model");
    if (!b || bytes == 0 || bytes % 16)
        return argo_err_set(err, ARGO_ECORRUPT, "calibration model %lld has malformed points",
                            (long long)m->version);
    size_t n = bytes / 16;
    m->x = malloc(n * sizeof *m->x);
    m->y = malloc(n * sizeof *m->y);
    if (!m->x || !m->y) {
        argo_model_row_cleanup(m);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory reading a model");
    }
    argo_store_points_get(b, n, m->x, m->y);
    m->n = n;
    return ARGO_OK;
}

static int sq_model_get(argo_store *st, int64_t version, const char *scope, int64_t symbol_id,
                        argo_model_row *out, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int which = version ? Q_MODEL_GET : symbol_id ? Q_MODEL_LATEST_SYMBOL : Q_MODEL_LATEST;
    int rc = prep(s, which, &q, err);
    if (rc)
        return rc;
    if (version)
        sqlite3_bind_int64(q, 1, version);
    else {
        sqlite3_bind_text(q, 1, scope, -1, SQLITE_STATIC);
        if (symbol_id)
            sqlite3_bind_int64(q, 2, symbol_id);
    }
    rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return version ? argo_err_set(err, ARGO_ENOENT, "no calibration model version %lld",
                                      (long long)version)
                       : argo_err_set(err, ARGO_ENOENT, "no %s calibration model", scope);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return fail(s, err, rc, "reading a calibration model");
    }
    rc = read_model(q, true, out, err);
    sqlite3_reset(q);
    return rc;
}

static int sq_models_scan(argo_store *st, argo_model_fn fn, void *ctx, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_MODELS, &q, err);
    if (rc)
        return rc;
    argo_model_row m;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        read_model(q, false, &m, err);
        int r = fn(ctx, &m);
        if (r) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "listing calibration models");
}

static int sq_remote_put(argo_store *st, const argo_remote_object *o, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_REMOTE_PUT, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_text(q, 1, o->target, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, o->key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, o->day);
    sqlite3_bind_int64(q, 4, o->bytes);
    sqlite3_bind_text(q, 5, o->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, o->etag, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, o->storage_class, -1, SQLITE_STATIC);
    if (o->lock_mode[0]) {
        sqlite3_bind_text(q, 8, o->lock_mode, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 9, o->lock_until);
    }
    sqlite3_bind_int64(q, 10, o->uploaded_at);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "recording an uploaded object");
}

static void read_remote(sqlite3_stmt *q, argo_remote_object *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->target, sizeof o->target, "%s", col_text(q, 0));
    snprintf(o->key, sizeof o->key, "%s", col_text(q, 1));
    o->day = sqlite3_column_int64(q, 2);
    o->bytes = sqlite3_column_int64(q, 3);
    snprintf(o->sha256, sizeof o->sha256, "%s", col_text(q, 4));
    snprintf(o->etag, sizeof o->etag, "%s", col_text(q, 5));
    snprintf(o->storage_class, sizeof o->storage_class, "%s", col_text(q, 6));
    if (sqlite3_column_type(q, 7) != SQLITE_NULL) {
        snprintf(o->lock_mode, sizeof o->lock_mode, "%s", col_text(q, 7));
        o->lock_until = sqlite3_column_int64(q, 8);
    }
    o->uploaded_at = sqlite3_column_int64(q, 9);
}

static int sq_remote_get(argo_store *st, const char *target, const char *key, argo_remote_object *o,
                         bool *found, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_REMOTE_GET, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_text(q, 1, target, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    *found = rc == SQLITE_ROW;
    if (*found)
        read_remote(q, o);
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ARGO_OK
                                                 : fail(s, err, rc, "reading an uploaded object");
}

static int sq_remotes_scan(argo_store *st, const char *target, argo_remote_fn fn, void *ctx,
                           argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_REMOTES, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_text(q, 1, target, -1, SQLITE_STATIC);
    argo_remote_object o;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        read_remote(q, &o);
        int r = fn(ctx, &o);
        if (r) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "listing uploaded objects");
}

/* ---- market data from a provider ----------------------------------------- */

static int sq_cache_get(argo_store *st, const char *key, argo_http_cache_row *out, bool *found,
                        argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_CACHE_GET, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    *found = rc == SQLITE_ROW;
    if (*found) {
        memset(out, 0, sizeof *out);
        snprintf(out->key, sizeof out->key, "%s", col_text(q, 0));
        snprintf(out->etag, sizeof out->etag, "%s", col_text(q, 1));
        snprintf(out->last_modified, sizeof out->last_modified, "%s", col_text(q, 2));
        out->stored_at = sqlite3_column_int64(q, 3);
    }
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ARGO_OK
                                                 : fail(s, err, rc, "reading the HTTP cache");
}

static int sq_cache_put(argo_store *st, const argo_http_cache_row *r, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_CACHE_PUT, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_text(q, 1, r->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, r->etag, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, r->last_modified, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, r->stored_at);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "writing the HTTP cache");
}

static void bind_bar_values(sqlite3_stmt *q, int first, const argo_bar *b)
{
    sqlite3_bind_double(q, first, b->open);
    sqlite3_bind_double(q, first + 1, b->high);
    sqlite3_bind_double(q, first + 2, b->low);
    sqlite3_bind_double(q, first + 3, b->close);
    sqlite3_bind_double(q, first + 4, b->volume);
}

/* The insert does nothing when the revision is recorded already; the
 * lookup after it then finds the recorded one's id. */
static int sq_correction_add(argo_store *st, argo_correction *c, bool *added, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_CORRECTION_ADD, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, c->symbol_id);
    sqlite3_bind_int64(q, 2, c->ts);
    bind_bar_values(q, 3, &c->stored);
    bind_bar_values(q, 8, &c->revised);
    sqlite3_bind_text(q, 13, c->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 14, c->seen_at);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return argo_err_set(err, ARGO_EDATA, "database %s: correction of an unknown symbol id %lld",
                            s->path, (long long)c->symbol_id);
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "recording a corrected bar");
    if (sqlite3_changes(s->db) > 0) {
        c->id = sqlite3_last_insert_rowid(s->db);
        *added = true;
        return ARGO_OK;
    }
    if ((rc = prep(s, Q_CORRECTION_FIND, &q, err)))
        return rc;
    sqlite3_bind_int64(q, 1, c->symbol_id);
    sqlite3_bind_int64(q, 2, c->ts);
    bind_bar_values(q, 8, &c->revised);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        c->id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    if (rc == SQLITE_DONE)
        return argo_err_set(err, ARGO_ESTORE,
                            "database %s: a corrected bar was neither recorded nor found", s->path);
    return rc == SQLITE_ROW ? ARGO_OK : fail(s, err, rc, "recording a corrected bar");
}

static argo_bar col_bar(sqlite3_stmt *q, int first, int64_t ts)
{
    return (argo_bar){
        .ts = ts,
        .open = sqlite3_column_double(q, first),
        .high = sqlite3_column_double(q, first + 1),
        .low = sqlite3_column_double(q, first + 2),
        .close = sqlite3_column_double(q, first + 3),
        .volume = sqlite3_column_double(q, first + 4),
    };
}

static int sq_corrections_scan(argo_store *st, int64_t after_id, argo_correction_fn fn, void *ctx,
                               argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_CORRECTIONS, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, after_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        argo_correction c = {
            .id = sqlite3_column_int64(q, 0),
            .symbol_id = sqlite3_column_int64(q, 1),
            .ts = sqlite3_column_int64(q, 2),
            .seen_at = sqlite3_column_int64(q, 14),
        };
        c.stored = col_bar(q, 3, c.ts);
        c.revised = col_bar(q, 8, c.ts);
        snprintf(c.source, sizeof c.source, "%s", col_text(q, 13));
        int r = fn(ctx, &c);
        if (r) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "listing corrected bars");
}

static int sq_calls_add(argo_store *st, int64_t day, int64_t n, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_CALLS_ADD, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, day);
    sqlite3_bind_int64(q, 2, n);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "counting provider calls");
}

static int sq_calls_get(argo_store *st, int64_t day, int64_t *n, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_CALLS_GET, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, day);
    rc = sqlite3_step(q);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ARGO_OK
                                                 : fail(s, err, rc, "reading provider calls");
}

static int sq_outcome_counts(argo_store *st, int64_t before, argo_symbol_count **list, size_t *n,
                             int64_t *total, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    *list = NULL;
    *n = 0;
    *total = 0;
    int rc = prep(s, Q_OUTCOME_COUNTS, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, before);
    return collect_counts(s, q, "counting outcomes", list, n, total, err);
}

static int sq_outcomes_scan(argo_store *st, int64_t before, argo_outcome_fn fn, void *ctx,
                            argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_OUTCOMES, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, before);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        argo_outcome o = {
            .symbol_id = sqlite3_column_int64(q, 0),
            .exit_ts = sqlite3_column_int64(q, 1),
            .raw_confidence = sqlite3_column_double(q, 2),
            .status = (argo_status)sqlite3_column_int(q, 3),
            .pnl_pct = sqlite3_column_double(q, 4),
        };
        int r = fn(ctx, &o);
        if (r) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "reading outcomes");
}

/* ---- aggregates (argo stats) ------------------------------------------- */

static int sq_outcome_cells(argo_store *st, argo_agg_by by, const argo_agg_filter *f,
                            argo_cell_fn fn, void *ctx, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_CELLS_NONE + (int)by, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, f->symbol_id);
    sqlite3_bind_int64(q, 2, f->strategy);
    if (f->since == INT64_MIN)
        sqlite3_bind_null(q, 3);
    else
        sqlite3_bind_int64(q, 3, f->since);
    if (f->until == INT64_MAX)
        sqlite3_bind_null(q, 4);
    else
        sqlite3_bind_int64(q, 4, f->until);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        argo_outcome_cell c = {
            .group = sqlite3_column_int64(q, 0),
            .exit_day = sqlite3_column_int64(q, 1),
            .first_ts = sqlite3_column_int64(q, 2),
            .resolved = sqlite3_column_int64(q, 3),
            .wins = sqlite3_column_int64(q, 4),
            .losses = sqlite3_column_int64(q, 5),
            .expired = sqlite3_column_int64(q, 6),
            .npos = sqlite3_column_int64(q, 11),
            .nneg = sqlite3_column_int64(q, 12),
            .pnl_sum = sqlite3_column_double(q, 13),
            .pos_sum = sqlite3_column_double(q, 14),
            .neg_sum = sqlite3_column_double(q, 15),
        };
        for (int k = 0; k < 4; k++)
            c.by_exit[k] = sqlite3_column_int64(q, 7 + k);
        if (sqlite3_column_int64(q, 16)) {
            long long bad = sqlite3_column_int64(q, 16);
            sqlite3_reset(q);
            return argo_err_set(err, ARGO_ECORRUPT,
                                "database %s: %lld resolved signals exiting on day %lld are not"
                                " valid (changed outside argo?)",
                                s->path, bad, (long long)c.exit_day);
        }
        int r = fn(ctx, &c);
        if (r) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "aggregating outcomes");
}

static int sq_trading_days(argo_store *st, int64_t **days, size_t *n, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_TRADING_DAYS, &q, err);
    if (rc)
        return rc;
    return day_column(s, q, "trading days", days, n, err);
}

/* ---- the event log ------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int sq_event_append(argo_store *st, const argo_event *ev, int64_t *seq, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_EVENT_APPEND, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, now_ms());
    sqlite3_bind_text(q, 2, ev->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, ev->symbol, -1, SQLITE_STATIC);
    sqlite3_bind_double(q, 4, ev->confidence);
    sqlite3_bind_int(q, 5, ev->published);
    sqlite3_bind_text(q, 6, ev->data, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "logging an event");
    *seq = sqlite3_last_insert_rowid(s->db);
    return ARGO_OK;
}

static int sq_events_after(argo_store *st, int64_t after, size_t limit, argo_event_fn fn, void *ctx,
                           argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_EVENTS_AFTER, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, limit == 0 || limit > (size_t)INT64_MAX ? -1 : (int64_t)limit);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        argo_event ev = {
            .seq = sqlite3_column_int64(q, 0),
            .logged_at = sqlite3_column_int64(q, 1),
            .channel = col_text(q, 2),
            .symbol = col_text(q, 3),
            .confidence = sqlite3_column_double(q, 4),
            .published = sqlite3_column_int(q, 5) != 0,
            .data = col_text(q, 6),
        };
        int r = fn(ctx, &ev);
        if (r) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "reading the event log");
}

static int sq_event_last(argo_store *st, int64_t *seq, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_EVENT_LAST, &q, err);
    if (rc)
        return rc;
    rc = sqlite3_step(q);
    *seq = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0; /* NULL (empty) reads as 0 */
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? ARGO_OK : fail(s, err, rc, "reading the event log");
}

/* ---- API keys ------------------------------------------------------------ */

static int sq_key_add(argo_store *st, argo_key_row *k, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc;
    if (k->name[0]) {
        if ((rc = prep(s, Q_KEY_NAMED, &q, err)))
            return rc;
        sqlite3_bind_text(q, 1, k->name, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc == SQLITE_ROW)
            return argo_err_set(err, ARGO_ECONFLICT, "an API key named '%s' exists already",
                                k->name);
        if (rc != SQLITE_DONE)
            return fail(s, err, rc, "reading API keys");
    }
    if ((rc = prep(s, Q_KEY_ADD, &q, err)))
        return rc;
    sqlite3_bind_text(q, 1, k->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, k->role, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, k->hash, (int)sizeof k->hash, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, k->prefix, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, k->created_at);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return argo_err_set(err, ARGO_ECONFLICT, "an API key with the same %s exists already",
                            k->name[0] ? "name or hash" : "hash");
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "storing an API key");
    k->id = sqlite3_last_insert_rowid(s->db);
    return ARGO_OK;
}

static int sq_keys(argo_store *st, argo_key_row **out, size_t *n, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_KEYS, &q, err);
    if (rc)
        return rc;
    size_t cap = 0;
    argo_key_row *v = NULL;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        argo_key_row *nv = argo_grow(v, &cap, *n + 1, sizeof *v, 16);
        if (!nv) {
            free(v);
            *n = 0;
            sqlite3_reset(q);
            return argo_err_set(err, ARGO_ENOMEM, "out of memory listing API keys");
        }
        v = nv;
        argo_key_row *k = &v[(*n)++];
        memset(k, 0, sizeof *k);
        k->id = sqlite3_column_int64(q, 0);
        snprintf(k->name, sizeof k->name, "%s", col_text(q, 1));
        snprintf(k->role, sizeof k->role, "%s", col_text(q, 2));
        const void *h = sqlite3_column_blob(q, 3);
        if (h && sqlite3_column_bytes(q, 3) == (int)sizeof k->hash)
            memcpy(k->hash, h, sizeof k->hash);
        snprintf(k->prefix, sizeof k->prefix, "%s", col_text(q, 4));
        k->created_at = sqlite3_column_int64(q, 5);
        k->revoked_at = sqlite3_column_int64(q, 6); /* NULL reads as 0 */
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        free(v);
        *n = 0;
        return fail(s, err, rc, "listing API keys");
    }
    *out = v;
    return ARGO_OK;
}

static int sq_key_revoke(argo_store *st, int64_t id, int64_t when, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_KEY_REVOKE, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, when);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "revoking an API key");
    if (sqlite3_changes(s->db) == 1)
        return ARGO_OK;
    if ((rc = prep(s, Q_KEY_EXISTS, &q, err)))
        return rc;
    sqlite3_bind_int64(q, 1, id);
    rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc == SQLITE_ROW)
        return ARGO_OK; /* revoked already */
    if (rc != SQLITE_DONE)
        return fail(s, err, rc, "reading API keys");
    return argo_err_set(err, ARGO_ENOENT, "no API key with id %lld", (long long)id);
}

/* ---- signal pages -------------------------------------------------------- */

/* Steps q over signal rows to fn, checking each as every scan does. */
static int step_signals(sq_store *s, sqlite3_stmt *q, argo_signal_fn fn, void *ctx, argo_err *err)
{
    argo_signal g;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        read_signal(q, &g);
        if (!signal_ok(&g)) {
            sqlite3_reset(q);
            return argo_err_set(err, ARGO_ECORRUPT,
                                "database %s: signal %lld is not valid (changed outside argo?)",
                                s->path, (long long)g.id);
        }
        int r = fn(ctx, &g);
        if (r) {
            sqlite3_reset(q);
            return r;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? ARGO_OK : fail(s, err, rc, "reading signals");
}

static int sq_signals_page(argo_store *st, const argo_signal_filter *f, size_t limit,
                           argo_signal_fn fn, void *ctx, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, f->symbol_id ? Q_PAGE_SYMBOL : Q_PAGE, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, f->after_id);
    if (f->symbol_id)
        sqlite3_bind_int64(q, 2, f->symbol_id);
    sqlite3_bind_int64(q, 3, f->since);
    sqlite3_bind_int64(q, 4, f->until);
    sqlite3_bind_int(q, 5, f->status);
    sqlite3_bind_int(q, 6, f->published);
    sqlite3_bind_double(q, 7, f->min_confidence);
    sqlite3_bind_int64(q, 8, (int64_t)limit);
    return step_signals(s, q, fn, ctx, err);
}

static int copy_signal(void *ctx, const argo_signal *g)
{
    *(argo_signal *)ctx = *g;
    return 1;
}

static int sq_signal_get(argo_store *st, int64_t id, argo_signal *out, argo_err *err)
{
    sq_store *s = SQ(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, Q_SIGNAL_GET, &q, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    rc = step_signals(s, q, copy_signal, out, err);
    if (rc == 1)
        return ARGO_OK;
    return rc ? rc : argo_err_set(err, ARGO_ENOENT, "no signal with id %lld", (long long)id);
}

/* ---- holds ----------------------------------------------------------------
 * A file store: an flock (LOCK_EX) on PATH-NAME.lock, taken without
 * waiting and kept until released or the process ends (the kernel frees
 * a dead holder's lock); the holder's pid is written in the file for the
 * messages of those refused. A flock belongs to an open file, so a
 * second handle of the same process is refused too. ":memory:": a hold
 * of this process only, in a table shared by its handles. */

static pthread_mutex_t mem_holds_mu = PTHREAD_MUTEX_INITIALIZER;
static char mem_holds[SQ_HOLDS * 4][ARGO_STORE_LOCK_NAME_MAX + 1];

static bool is_memory(const sq_store *s)
{
    return !strcmp(s->path, ":memory:");
}

static hold_rec *hold_slot(sq_store *s, const char *name)
{
    for (int i = 0; i < SQ_HOLDS; i++)
        if (!strcmp(s->holds[i].name, name))
            return &s->holds[i];
    return NULL;
}

static void lock_path(const sq_store *s, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s-%s.lock", s->path, name);
}

/* The pid written in an open lock file; 0 when none can be read. */
static long read_holder(int fd)
{
    char b[32];
    ssize_t r = pread(fd, b, sizeof b - 1, 0);
    if (r <= 0)
        return 0;
    b[r] = 0;
    char *end;
    long pid = strtol(b, &end, 10);
    return end != b && pid > 0 ? pid : 0;
}

static int busy(sq_store *s, const char *name, long holder, argo_err *err)
{
    if (holder)
        return argo_err_set(err, ARGO_EBUSY, "store %s is held (%s) by process %ld", s->path, name,
                            holder);
    return argo_err_set(err, ARGO_EBUSY, "store %s is held (%s) by another process", s->path, name);
}

static int mem_hold(sq_store *s, const char *name, long *holder, argo_err *err)
{
    pthread_mutex_lock(&mem_holds_mu);
    int free_slot = -1;
    bool taken = false;
    for (int i = 0; i < (int)(sizeof mem_holds / sizeof mem_holds[0]); i++) {
        if (!strcmp(mem_holds[i], name))
            taken = true;
        else if (!mem_holds[i][0] && free_slot < 0)
            free_slot = i;
    }
    if (!taken && free_slot >= 0)
        snprintf(mem_holds[free_slot], sizeof mem_holds[free_slot], "%s", name);
    pthread_mutex_unlock(&mem_holds_mu);
    if (taken) {
        *holder = (long)getpid();
        return busy(s, name, *holder, err);
    }
    if (free_slot < 0)
        return argo_err_set(err, ARGO_ELIMIT, "too many store holds in this process");
    return ARGO_OK;
}

static int sq_hold(argo_store *st, const char *name, long *holder, argo_err *err)
{
    sq_store *s = SQ(st);
    if (hold_slot(s, name))
        return busy(s, name, (long)getpid(), err); /* this handle holds it already */
    hold_rec *h = hold_slot(s, "");
    if (!h)
        return argo_err_set(err, ARGO_ELIMIT, "store %s: more than %d holds on one handle", s->path,
                            SQ_HOLDS);
    if (is_memory(s)) {
        int rc = mem_hold(s, name, holder, err);
        if (rc)
            return rc;
        h->fd = -1;
        snprintf(h->name, sizeof h->name, "%s", name);
        return ARGO_OK;
    }
    char path[ARGO_PATH_MAX + ARGO_STORE_LOCK_NAME_MAX + 8];
    lock_path(s, name, path, sizeof path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return argo_err_set(err, ARGO_EIO, "%s: cannot open: %s", path, strerror(errno));
    /* a moment's retry: argo_store_held takes the lock shared for an instant */
    int r = -1;
    for (int k = 0; k < 20 && (r = flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EWOULDBLOCK; k++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    if (r != 0) {
        int e = errno;
        *holder = e == EWOULDBLOCK ? read_holder(fd) : 0;
        close(fd);
        if (e == EWOULDBLOCK)
            return busy(s, name, *holder, err);
        return argo_err_set(err, ARGO_EIO, "%s: cannot lock: %s", path, strerror(e));
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        int e = errno;
        close(fd);
        return argo_err_set(err, ARGO_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    h->fd = fd;
    snprintf(h->name, sizeof h->name, "%s", name);
    return ARGO_OK;
}

static int sq_held(argo_store *st, const char *name, bool *held, long *holder, argo_err *err)
{
    sq_store *s = SQ(st);
    if (is_memory(s) || hold_slot(s, name))
        return ARGO_OK; /* a ":memory:" hold is this process's own */
    char path[ARGO_PATH_MAX + ARGO_STORE_LOCK_NAME_MAX + 8];
    lock_path(s, name, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return ARGO_OK; /* never held */
        return argo_err_set(err, ARGO_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    int rc = ARGO_OK;
    if (flock(fd, LOCK_SH | LOCK_NB) == 0)
        flock(fd, LOCK_UN);
    else if (errno == EWOULDBLOCK) {
        long pid = read_holder(fd);
        /* another handle of this process: not another process */
        *held = pid != (long)getpid();
        *holder = *held ? pid : 0;
    } else
        rc = argo_err_set(err, ARGO_EIO, "%s: cannot lock: %s", path, strerror(errno));
    close(fd);
    return rc;
}

static void sq_release(argo_store *st, const char *name)
{
    sq_store *s = SQ(st);
    hold_rec *h = hold_slot(s, name);
    if (!h || !name[0])
        return;
    if (h->fd >= 0) {
        /* the pid goes first, so nobody reads it as the holder's */
        if (ftruncate(h->fd, 0) != 0) {
            /* nothing to do: the lock goes with the close all the same */
        }
        close(h->fd);
    } else {
        pthread_mutex_lock(&mem_holds_mu);
        for (size_t i = 0; i < sizeof mem_holds / sizeof mem_holds[0]; i++)
            if (!strcmp(mem_holds[i], name))
                mem_holds[i][0] = 0;
        pthread_mutex_unlock(&mem_holds_mu);
    }
    h->name[0] = 0;
    h->fd = -1;
}

/* ---- rows, backend-neutral (argo store copy) ------------------------------
 *
 * Every table as argo_store_tables() lists it. A value's type comes from
 * its column's declared type, not from how SQLite stored it: a REAL
 * column gives ARGO_V_REAL even where SQLite kept an integral value as
 * an integer, so both backends give the same values for the same rows.
 * A stored value of another type (edited outside argo) is ARGO_ECORRUPT.
 * SQLite keeps -0.0 as 0.0 in a REAL column and NaN as NULL, so
 * rows_put refuses NaN rather than change it.
 *
 * Ids: symbols, signals, calibration_models and bar_corrections take
 * max(id) + 1 for a new row by themselves; events and api_keys (AUTOINCREMENT) move
 * sqlite_sequence up to the largest id inserted, given or not, and
 * rows_clear empties sqlite_sequence with the tables, so a cleared store
 * filled by a copy numbers on from the copied rows exactly as the
 * source does. */

/* The column kind of a declared type, by SQLite's affinity rules
 * (https://www.sqlite.org/datatype3.html#determination_of_column_affinity),
 * with 'b' for BLOB and for no type. */
static char kind_of(const char *decl)
{
    if (!decl || !*decl)
        return 'b';
    char up[32];
    size_t n = 0;
    for (; decl[n] && n < sizeof up - 1; n++)
        up[n] = (char)(decl[n] >= 'a' && decl[n] <= 'z' ? decl[n] - 32 : decl[n]);
    up[n] = 0;
    if (strstr(up, "INT"))
        return 'i';
    if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT"))
        return 't';
    if (strstr(up, "BLOB"))
        return 'b';
    return 'r';
}

static const char *kind_name(char k)
{
    return k == 'i' ? "an integer" : k == 'r' ? "a real" : k == 't' ? "a text" : "a blob";
}

/* The statements of table t, prepared on first use, reset. */
static int rows_prep(sq_store *s, const argo_store_table *t, sq_rows **out, argo_err *err)
{
    size_t nt;
    const argo_store_table *all = argo_store_tables(&nt);
    assert(t >= all && t < all + nt && nt <= SQ_TABLES && t->ncols <= SQ_TABLE_COLS);
    sq_rows *r = &s->rows[t - all];
    if (!r->scan) {
        char cols[1024], params[256], text[2048];
        size_t c = 0, p = 0;
        for (size_t i = 0; i < t->ncols; i++) {
            c += (size_t)snprintf(cols + c, sizeof cols - c, "%s\"%s\"", i ? ", " : "", t->cols[i]);
            p += (size_t)snprintf(params + p, sizeof params - p, "%s?%zu", i ? ", " : "", i + 1);
            assert(c < sizeof cols && p < sizeof params); /* SQ_TABLE_COLS short names */
        }
        sqlite3_stmt *q[3] = {NULL, NULL, NULL};
        int rc = SQLITE_OK;
        int n = snprintf(text, sizeof text, "SELECT %s FROM \"%s\" ORDER BY %s", cols, t->name,
                         t->order);
        assert(n > 0 && (size_t)n < sizeof text);
        rc = sqlite3_prepare_v3(s->db, text, -1, SQLITE_PREPARE_PERSISTENT, &q[0], NULL);
        if (rc == SQLITE_OK) {
            snprintf(text, sizeof text, "SELECT count(*) FROM \"%s\"", t->name);
            rc = sqlite3_prepare_v3(s->db, text, -1, SQLITE_PREPARE_PERSISTENT, &q[1], NULL);
        }
        if (rc == SQLITE_OK) {
            n = snprintf(text, sizeof text, "INSERT INTO \"%s\"(%s) VALUES (%s)", t->name, cols,
                         params);
            assert(n > 0 && (size_t)n < sizeof text);
            (void)n;
            rc = sqlite3_prepare_v3(s->db, text, -1, SQLITE_PREPARE_PERSISTENT, &q[2], NULL);
        }
        if (rc != SQLITE_OK) {
            for (int i = 0; i < 3; i++)
                sqlite3_finalize(q[i]);
            char what[96];
            snprintf(what, sizeof what, "preparing the rows of table %s", t->name);
            return fail(s, err, rc, what);
        }
        for (size_t i = 0; i < t->ncols; i++)
            r->kind[i] = kind_of(sqlite3_column_decltype(q[0], (int)i));
        r->scan = q[0];
        r->count = q[1];
        r->insert = q[2];
    }
    sqlite3_reset(r->scan);
    sqlite3_reset(r->count);
    sqlite3_reset(r->insert);
    sqlite3_clear_bindings(r->insert);
    *out = r;
    return ARGO_OK;
}

/* Column i of the scan's current row as a value of its column's kind:
 * 0, or 1 when it holds a value of another type, or 2 when memory ran
 * short converting it (SQLite gives a NULL pointer then; a text is
 * never NULL otherwise, an empty blob is). */
static int row_value(sqlite3_stmt *q, int i, char kind, argo_value *v)
{
    int type = sqlite3_column_type(q, i);
    *v = (argo_value){.type = ARGO_V_NULL};
    if (type == SQLITE_NULL)
        return 0;
    switch (kind) {
    case 'i':
        v->type = ARGO_V_INT;
        v->i = sqlite3_column_int64(q, i);
        return type == SQLITE_INTEGER ? 0 : 1;
    case 'r':
        v->type = ARGO_V_REAL;
        v->r = sqlite3_column_double(q, i);
        return type == SQLITE_FLOAT || type == SQLITE_INTEGER ? 0 : 1;
    case 't':
        if (type != SQLITE_TEXT)
            return 1;
        v->type = ARGO_V_TEXT;
        v->p = sqlite3_column_text(q, i);
        v->len = (size_t)sqlite3_column_bytes(q, i);
        return v->p ? 0 : 2;
    default:
        if (type != SQLITE_BLOB)
            return 1;
        v->type = ARGO_V_BLOB;
        v->p = sqlite3_column_blob(q, i);
        v->len = (size_t)sqlite3_column_bytes(q, i);
        return v->p || (!v->len && sqlite3_errcode(sqlite3_db_handle(q)) != SQLITE_NOMEM) ? 0 : 2;
    }
}

static int sq_rows_scan(argo_store *st, const argo_store_table *t, argo_row_fn fn, void *ctx,
                        argo_err *err)
{
    sq_store *s = SQ(st);
    sq_rows *r;
    int rc = rows_prep(s, t, &r, err);
    if (rc)
        return rc;
    argo_value row[SQ_TABLE_COLS];
    int64_t nrow = 0;
    while ((rc = sqlite3_step(r->scan)) == SQLITE_ROW) {
        nrow++;
        for (size_t i = 0; i < t->ncols; i++)
            if ((rc = row_value(r->scan, (int)i, r->kind[i], &row[i]))) {
                sqlite3_reset(r->scan);
                if (rc == 2)
                    return argo_err_set(err, ARGO_ENOMEM, "out of memory reading table %s",
                                        t->name);
                return argo_err_set(err, ARGO_ECORRUPT,
                                    "database %s: table %s, row %lld: column %s holds a value"
                                    " of another type than %s",
                                    s->path, t->name, (long long)nrow, t->cols[i],
                                    kind_name(r->kind[i]));
            }
        int stop = fn(ctx, row);
        if (stop) {
            sqlite3_reset(r->scan);
            return stop;
        }
    }
    sqlite3_reset(r->scan);
    if (rc != SQLITE_DONE) {
        char what[96];
        snprintf(what, sizeof what, "reading table %s", t->name);
        return fail(s, err, rc, what);
    }
    return ARGO_OK;
}

static int sq_rows_count(argo_store *st, const argo_store_table *t, int64_t *n, argo_err *err)
{
    sq_store *s = SQ(st);
    sq_rows *r;
    int rc = rows_prep(s, t, &r, err);
    if (rc)
        return rc;
    rc = sqlite3_step(r->count);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(r->count, 0);
    sqlite3_reset(r->count);
    if (rc != SQLITE_ROW) {
        char what[96];
        snprintf(what, sizeof what, "counting table %s", t->name);
        return fail(s, err, rc, what);
    }
    return ARGO_OK;
}

/* Binds value v to parameter i of column kind; false when it does not fit. */
static bool bind_value(sqlite3_stmt *q, int i, char kind, const argo_value *v)
{
    static const char empty[1] = "";
    switch (v->type) {
    case ARGO_V_NULL:
        sqlite3_bind_null(q, i);
        return true;
    case ARGO_V_INT:
        if (kind == 'r') { /* an integer for a real column: only when exact */
            double d = (double)v->i;
            if (d >= 0x1p63 || (int64_t)d != v->i)
                return false;
            sqlite3_bind_double(q, i, d);
            return true;
        }
        sqlite3_bind_int64(q, i, v->i);
        return kind == 'i';
    case ARGO_V_REAL:
        sqlite3_bind_double(q, i, v->r);
        return kind == 'r' && !isnan(v->r);
    case ARGO_V_TEXT:
        if (v->len > INT_MAX || (!v->p && v->len))
            return false;
        sqlite3_bind_text(q, i, v->p ? v->p : empty, (int)v->len, SQLITE_STATIC);
        return kind == 't';
    case ARGO_V_BLOB:
        if (v->len > INT_MAX || (!v->p && v->len))
            return false;
        sqlite3_bind_blob(q, i, v->p ? v->p : empty, (int)v->len, SQLITE_STATIC);
        return kind == 'b';
    }
    return false;
}

static int sq_rows_put(argo_store *st, const argo_store_table *t, const argo_value *rows,
                       size_t nrows, argo_err *err)
{
    sq_store *s = SQ(st);
    sq_rows *r;
    int rc = rows_prep(s, t, &r, err);
    if (rc)
        return rc;
    for (size_t k = 0; k < nrows; k++) {
        const argo_value *row = rows + k * t->ncols;
        sqlite3_reset(r->insert);
        for (size_t i = 0; i < t->ncols; i++)
            if (!bind_value(r->insert, (int)i + 1, r->kind[i], &row[i])) {
                sqlite3_clear_bindings(r->insert);
                return argo_err_set(err, ARGO_EDATA,
                                    "table %s, row %zu of the batch: column %s takes %s value, or"
                                    " NULL; this one does not fit",
                                    t->name, k + 1, t->cols[i], kind_name(r->kind[i]));
            }
        rc = sqlite3_step(r->insert);
        sqlite3_reset(r->insert);
        if (rc == SQLITE_DONE)
            continue;
        sqlite3_clear_bindings(r->insert);
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE ||
            rc == SQLITE_CONSTRAINT_ROWID)
            return argo_err_set(err, ARGO_ECONFLICT,
                                "database %s: table %s, row %zu of the batch: its key exists (%s)",
                                s->path, t->name, k + 1, sqlite3_errmsg(s->db));
        if ((rc & 0xff) == SQLITE_CONSTRAINT)
            return argo_err_set(err, ARGO_EDATA, "database %s: table %s, row %zu of the batch: %s",
                                s->path, t->name, k + 1, sqlite3_errmsg(s->db));
        char what[96];
        snprintf(what, sizeof what, "loading table %s", t->name);
        return fail(s, err, rc, what);
    }
    sqlite3_clear_bindings(r->insert);
    return ARGO_OK;
}

static int sq_rows_clear(argo_store *st, argo_err *err)
{
    sq_store *s = SQ(st);
    size_t nt;
    const argo_store_table *all = argo_store_tables(&nt);
    for (size_t i = nt; i-- > 0;) { /* children first */
        char text[96];
        snprintf(text, sizeof text, "DELETE FROM \"%s\"", all[i].name);
        char what[96];
        snprintf(what, sizeof what, "clearing table %s", all[i].name);
        int rc = exec(s, text, what, err);
        if (rc)
            return rc;
    }
    /* the AUTOINCREMENT counters start again (sqlite_sequence exists: the
     * schema has AUTOINCREMENT tables) */
    return exec(s, "DELETE FROM sqlite_sequence", "clearing the id counters", err);
}

static const argo_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .lock = sq_lock,
    .symbol_id = sq_symbol_id,
    .symbols = sq_symbols,
    .bars_put = sq_bars_put,
    .bars_scan = sq_bars_scan,
    .bars_scan_all = sq_bars_scan_all,
    .bars_scan_window = sq_bars_scan_window,
    .bars_count = sq_bars_count,
    .signals_insert = sq_signals_insert,
    .signals_update = sq_signals_update,
    .signals_scan = sq_signals_scan,
    .signal_days = sq_signal_days,
    .resolved_scan = sq_resolved_scan,
    .signals_reset = sq_signals_reset,
    .state_get = sq_state_get,
    .state_put = sq_state_put,
    .model_insert = sq_model_insert,
    .model_get = sq_model_get,
    .models_scan = sq_models_scan,
    .remote_put = sq_remote_put,
    .remote_get = sq_remote_get,
    .remotes_scan = sq_remotes_scan,
    .outcome_counts = sq_outcome_counts,
    .outcomes_scan = sq_outcomes_scan,
    .cache_get = sq_cache_get,
    .cache_put = sq_cache_put,
    .correction_add = sq_correction_add,
    .corrections_scan = sq_corrections_scan,
    .calls_add = sq_calls_add,
    .calls_get = sq_calls_get,
    .suppressed_add = sq_suppressed_add,
    .suppressed_counts = sq_suppressed_counts,
    .event_append = sq_event_append,
    .events_after = sq_events_after,
    .event_last = sq_event_last,
    .key_add = sq_key_add,
    .keys = sq_keys,
    .key_revoke = sq_key_revoke,
    .signals_page = sq_signals_page,
    .signal_get = sq_signal_get,
    .hold = sq_hold,
    .held = sq_held,
    .release = sq_release,
    .rows_scan = sq_rows_scan,
    .rows_count = sq_rows_count,
    .rows_put = sq_rows_put,
    .rows_clear = sq_rows_clear,
    .outcome_cells = sq_outcome_cells,
    .trading_days = sq_trading_days,
};

static int pragma_int(sq_store *s, const char *text, int *out, argo_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(s->db, text, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return fail(s, err, rc, "reading the schema version");
    rc = sqlite3_step(q);
    *out = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? ARGO_OK : fail(s, err, rc, "reading the schema version");
}

/* Reads the schema version, the application id and the table count. */
static int schema_of(sq_store *s, int *version, int *app, int *tables, argo_err *err)
{
    int rc;
    if ((rc = pragma_int(s, "PRAGMA user_version", version, err)) ||
        (rc = pragma_int(s, "PRAGMA application_id", app, err)) ||
        (rc = pragma_int(s, "SELECT count(*) FROM sqlite_master", tables, err)))
        return rc;
    if ((*app != 0 && *app != ARGO_APPLICATION_ID) || (*app == 0 && *tables > 0))
        return argo_err_set(err, ARGO_ECORRUPT, "database %s is not an argo database", s->path);
    if (*version > SCHEMA_VERSION)
        return argo_err_set(err, ARGO_EVERSION,
                            "database %s has schema version %d; this argo knows up to %d", s->path,
                            *version, SCHEMA_VERSION);
    return ARGO_OK;
}

/* schema_of in a read transaction of its own, ended also when the
 * COMMIT fails (it can, when memory is short). */
static int schema_read(sq_store *s, int *version, int *app, int *tables, argo_err *err)
{
    int rc = exec(s, "BEGIN", "opening", err);
    if (rc)
        return rc;
    rc = schema_of(s, version, app, tables, err);
    int end = exec(s, "COMMIT", "opening", rc ? NULL : err);
    if (end) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (!rc)
            rc = end;
    }
    return rc;
}

/* A read-only handle: the schema must be current (nothing is migrated). */
static int check_read_only(sq_store *s, argo_err *err)
{
    int rc, version, app, tables;
    if ((rc = schema_read(s, &version, &app, &tables, err)))
        return rc;
    if (app == 0 && tables == 0)
        return argo_err_set(err, ARGO_ENOENT,
                            "database %s is empty: no bars or signals to read yet", s->path);
    if (version < SCHEMA_VERSION)
        return argo_err_set(err, ARGO_EVERSION,
                            "database %s has schema version %d and needs a migration to %d,"
                            " which a read-only command does not do (run argo track once)",
                            s->path, version, SCHEMA_VERSION);
    return ARGO_OK;
}

static int migrate(sq_store *s, argo_err *err)
{
    int rc, version, app, tables;
    /* A current schema needs no write lock: check it with a read first. */
    rc = schema_read(s, &version, &app, &tables, err);
    /* only argo's own (or a new, empty) file is switched to WAL */
    if (rc || (rc = exec(s, "PRAGMA journal_mode = WAL", "opening", err)))
        return rc;
    if (version == SCHEMA_VERSION && app == ARGO_APPLICATION_ID)
        return ARGO_OK;
    if ((rc = exec(s, "BEGIN IMMEDIATE", "opening", err)))
        return rc;
    if ((rc = schema_of(s, &version, &app, &tables, err))) /* again, under the lock */
        goto out;
    for (; version < SCHEMA_VERSION; version++)
        if ((rc = exec(s, migrations[version], "migrating the schema", err)))
            goto out;
    char set[96];
    snprintf(set, sizeof set, "PRAGMA user_version = %d; PRAGMA application_id = %d;",
             SCHEMA_VERSION, ARGO_APPLICATION_ID);
    if ((rc = exec(s, set, "migrating the schema", err)))
        goto out;
    return exec(s, "COMMIT", "migrating the schema", err);
out:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int argo_store_sqlite_open(const char *path, const argo_store_options *opt, argo_store **out,
                           argo_err *err)
{
    *out = NULL;
    sq_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory opening %s", path);
    }
    s->base.ops = &sqlite_ops;
    s->busy_ms =
        !opt || opt->busy_timeout_ms < 0 ? ARGO_STORE_BUSY_DEFAULT_MS : opt->busy_timeout_ms;
    s->read_only = opt && opt->read_only;
    bool memory = !strcmp(path, ":memory:");
    struct stat sb;
    if (!memory && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        free(s->path);
        free(s);
        return argo_err_set(err, ARGO_EIO, "database %s: cannot open: it is a directory", path);
    }
    if ((s->read_only || (opt && opt->must_exist)) && !memory && stat(path, &sb) != 0) {
        int e = errno;
        free(s->path);
        free(s);
        return e == ENOENT
                   ? argo_err_set(err, ARGO_ENOENT,
                                  "database %s does not exist (ingest bars first)", path)
                   : argo_err_set(err, ARGO_EIO, "database %s: cannot open: %s", path, strerror(e));
    }
    int flags = SQLITE_OPEN_NOMUTEX |
                (s->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = argo_err_set(err, ARGO_EIO, "database %s: cannot open: %s", path,
                          s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sq_close(&s->base);
        return rc;
    }
    sqlite3_busy_timeout(s->db, s->busy_ms);
    /* for migration 4 -> 5 */
    rc = sqlite3_create_function_v2(s->db, "argo_points_from_json", 2,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
                                    points_from_json, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rc = fail(s, err, rc, "opening");
        sq_close(&s->base);
        return rc;
    }
    sqlite3_extended_result_codes(s->db, 1);
    int64_t mmap = !opt || opt->mmap_bytes == 0 ? ARGO_STORE_MMAP_DEFAULT
                   : opt->mmap_bytes < 0        ? 0
                                                : opt->mmap_bytes;
    char pragmas[160];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -32768;"
             " PRAGMA mmap_size = %lld;",
             (long long)mmap);
    rc = exec(s, pragmas, "opening", err);
    if (rc || (rc = s->read_only ? check_read_only(s, err) : migrate(s, err))) {
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return ARGO_OK;
}
