/* SPDX-License-Identifier: MIT */
/*
 * store/pg.c - the scale-out store on PostgreSQL, over libpq (Debian's
 * libpq-dev; no Debian package maps argo's store contract onto SQL, so
 * this file does). It mirrors sqlite.c operation by operation; what
 * differs is said where it differs. Not a connection pool and not an
 * ORM: one handle is one connection, used by one thread.
 *
 * - URL: postgresql://... or postgres://..., as libpq reads it, plus
 *   argo's own parameter schema=NAME (default "argo"), stripped before
 *   the URL goes to libpq: argo's tables live in that schema, so several
 *   stores share a database. Messages print the URL masked.
 * - Schema: versioned migrations (argo_meta holds the version and an
 *   application marker), each in one transaction under an advisory lock,
 *   so two processes opening a fresh database at once do not race.
 * - Transactions: READ COMMITTED. That is enough because argo never
 *   relies on a snapshot to serialise writers: whatever must not run
 *   twice at once takes a named lock (argo_store_lock, an advisory
 *   transaction lock), the event log takes its own lock before numbering
 *   (event_append), and every other write is keyed (a unique key turns a
 *   race into a refused insert, never into a duplicate).
 * - Floats travel as text with extra_float_digits = 3 (PostgreSQL's
 *   shortest exact output) and "%.17g" on the way in, so every double
 *   comes back bit for bit; blobs as binary parameters (bytea).
 * - Bulk writes: multi-row INSERT ... VALUES with parameters (bars,
 *   signals, rows) and libpq pipeline mode (signal updates): not one
 *   round trip per row. Scans: single-row mode, so memory stays bounded
 *   on a table of any size.
 * - bars and signals are partitioned by month of ts (docs/POSTGRES.md
 *   "Partitions"): a write creates the month it needs.
 * - A lost connection outside a transaction is reset and the call made
 *   once more; inside one, the call fails with ARGO_ENET and the caller
 *   retries the whole transaction.
 */
#include "store/pg_views.h"
#include "store/store_int.h"

#include "base/grow.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <libpq-fe.h>
#include <math.h>
#include <poll.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PG_APPLICATION "argo"
#define PG_URL_MAX 4096
#define PG_SCHEMA_MAX 63 /* PostgreSQL's identifier length (NAMEDATALEN - 1) */
#define PG_HOLDS 4
#define PG_BATCH 500         /* rows per multi-row INSERT (parameters stay far below 65535) */
#define PG_PIPELINE 256      /* statements per pipeline sync */
#define PG_STMTS 192         /* statements prepared per connection, at most */
#define PG_STMT_SQL_MAX 4096 /* a longer statement is not prepared */

/* Migration N takes the schema from version N to N+1. Never edit a
 * shipped migration: append a new one. TEXT columns whose order is part
 * of the contract are COLLATE "C" (byte order, as SQLite compares). */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE symbols(id BIGSERIAL PRIMARY KEY, name TEXT COLLATE \"C\" NOT NULL UNIQUE);"
    "CREATE TABLE bars(symbol_id BIGINT NOT NULL REFERENCES symbols(id),"
    " ts BIGINT NOT NULL, open DOUBLE PRECISION NOT NULL, high DOUBLE PRECISION NOT NULL,"
    " low DOUBLE PRECISION NOT NULL, close DOUBLE PRECISION NOT NULL,"
    " volume DOUBLE PRECISION NOT NULL, PRIMARY KEY(symbol_id, ts)) PARTITION BY RANGE (ts);"
    "CREATE INDEX bars_by_ts ON bars(ts, symbol_id);"
    "CREATE TABLE calibration_models(version BIGSERIAL PRIMARY KEY,"
    " scope TEXT COLLATE \"C\" NOT NULL CHECK(scope IN ('global', 'symbol', 'external')),"
    " symbol_id BIGINT REFERENCES symbols(id), trained_through BIGINT NOT NULL,"
    " window_from BIGINT, window_to BIGINT, samples BIGINT NOT NULL, points BYTEA NOT NULL,"
    " brier_raw DOUBLE PRECISION, brier DOUBLE PRECISION, log_loss_raw DOUBLE PRECISION,"
    " log_loss DOUBLE PRECISION, ece_raw DOUBLE PRECISION, ece DOUBLE PRECISION,"
    " created_at BIGINT NOT NULL, base_version BIGINT REFERENCES calibration_models(version),"
    " base_weight DOUBLE PRECISION);"
    "CREATE INDEX models_by_scope ON calibration_models(scope, symbol_id, version);"
    /* the primary key of a partitioned table includes its partition key;
     * ids stay unique all the same: they come from one sequence */
    "CREATE TABLE signals(id BIGSERIAL NOT NULL, symbol_id BIGINT NOT NULL REFERENCES symbols(id),"
    " action BIGINT NOT NULL CHECK(action IN (-1, 1)), ts BIGINT NOT NULL,"
    " entry DOUBLE PRECISION NOT NULL, target DOUBLE PRECISION NOT NULL,"
    " stop DOUBLE PRECISION NOT NULL, raw_confidence DOUBLE PRECISION NOT NULL,"
    " confidence DOUBLE PRECISION NOT NULL, model_version BIGINT, published BIGINT NOT NULL,"
    " v_trend DOUBLE PRECISION NOT NULL, v_meanrev DOUBLE PRECISION NOT NULL,"
    " v_macd DOUBLE PRECISION NOT NULL, v_breakout DOUBLE PRECISION NOT NULL,"
    " expires_at BIGINT NOT NULL, status BIGINT NOT NULL, exit_reason BIGINT NOT NULL,"
    " gap BIGINT NOT NULL, exit_ts BIGINT, exit_price DOUBLE PRECISION,"
    " pnl_pct DOUBLE PRECISION, bars_held BIGINT NOT NULL, mfe_pct DOUBLE PRECISION NOT NULL,"
    " mae_pct DOUBLE PRECISION NOT NULL, scanned_to BIGINT NOT NULL, PRIMARY KEY(id, ts))"
    " PARTITION BY RANGE (ts);"
    "CREATE INDEX signals_by_id ON signals(id);"
    "CREATE INDEX signals_by_ts ON signals(ts, id);"
    "CREATE INDEX signals_open ON signals(symbol_id, ts, id) WHERE status = 0;"
    "CREATE INDEX signals_outcomes ON signals(exit_ts, id)"
    " INCLUDE (symbol_id, raw_confidence, status, pnl_pct) WHERE status <> 0;"
    "CREATE INDEX signals_by_symbol_id ON signals(symbol_id, id);"
    "CREATE TABLE strategy_state(symbol_id BIGINT PRIMARY KEY REFERENCES symbols(id),"
    " state BYTEA NOT NULL);"
    "CREATE TABLE remote_objects(target TEXT COLLATE \"C\" NOT NULL,"
    " key TEXT COLLATE \"C\" NOT NULL, day BIGINT NOT NULL, bytes BIGINT NOT NULL,"
    " sha256 TEXT NOT NULL, etag TEXT NOT NULL, storage_class TEXT NOT NULL, lock_mode TEXT,"
    " lock_until BIGINT, uploaded_at BIGINT NOT NULL, PRIMARY KEY(target, key));"
    "CREATE TABLE suppressed_signals(symbol_id BIGINT NOT NULL REFERENCES symbols(id),"
    " day BIGINT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY(symbol_id, day));"
    "CREATE TABLE events(seq BIGSERIAL PRIMARY KEY, logged_at BIGINT NOT NULL,"
    " channel TEXT NOT NULL CHECK(channel IN ('signals', 'outcomes', 'bars', 'health')),"
    " symbol TEXT NOT NULL, confidence DOUBLE PRECISION NOT NULL, published BIGINT NOT NULL,"
    " data TEXT NOT NULL);"
    "CREATE TABLE api_keys(id BIGSERIAL PRIMARY KEY, name TEXT COLLATE \"C\" NOT NULL,"
    " role TEXT NOT NULL CHECK(role IN ('read', 'stream', 'admin')),"
    " hash BYTEA NOT NULL UNIQUE, prefix TEXT NOT NULL, created_at BIGINT NOT NULL,"
    " revoked_at BIGINT);"
    "CREATE UNIQUE INDEX api_keys_by_name ON api_keys(name) WHERE name <> '';",
    /* 1 -> 2: argo stats's aggregates, materialized views: NULL runs
     * argo_pg_views_create (pg_views.c, whose SQL passes the length of
     * one C string literal) */
    NULL,
    /* 2 -> 3: each symbol's first and last bar time, kept by every write
     * of bars (append-only), so listing the symbols reads one small table
     * instead of probing every monthly partition of bars per symbol */
    "ALTER TABLE symbols ADD COLUMN first_ts BIGINT, ADD COLUMN last_ts BIGINT;"
    "UPDATE symbols y SET first_ts = (SELECT min(ts) FROM bars b WHERE b.symbol_id = y.id),"
    " last_ts = (SELECT max(ts) FROM bars b WHERE b.symbol_id = y.id);",
    /* 3 -> 4: the strategy view from one scan of signals (pg_views.c) */
    argo_pg_views_strategy_one_scan,
    /* 4 -> 5: market data from a provider: the HTTP cache's validators
     * per request URL, a provider's revised bars (the stored bar is kept;
     * each revision of a bar is recorded once) and provider calls per UTC
     * day (the daily budget); IF NOT EXISTS: a schema taken back to an
     * older version by hand may still have them */
    "CREATE TABLE IF NOT EXISTS http_cache(key TEXT COLLATE \"C\" PRIMARY KEY, etag TEXT NOT NULL,"
    " last_modified TEXT NOT NULL, stored_at BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS bar_corrections(id BIGSERIAL PRIMARY KEY,"
    " symbol_id BIGINT NOT NULL REFERENCES symbols(id), ts BIGINT NOT NULL,"
    " stored_open DOUBLE PRECISION NOT NULL, stored_high DOUBLE PRECISION NOT NULL,"
    " stored_low DOUBLE PRECISION NOT NULL, stored_close DOUBLE PRECISION NOT NULL,"
    " stored_volume DOUBLE PRECISION NOT NULL, revised_open DOUBLE PRECISION NOT NULL,"
    " revised_high DOUBLE PRECISION NOT NULL, revised_low DOUBLE PRECISION NOT NULL,"
    " revised_close DOUBLE PRECISION NOT NULL, revised_volume DOUBLE PRECISION NOT NULL,"
    " source TEXT NOT NULL, seen_at BIGINT NOT NULL,"
    " UNIQUE(symbol_id, ts, revised_open, revised_high, revised_low, revised_close,"
    " revised_volume));"
    "CREATE TABLE IF NOT EXISTS fetch_calls(day BIGINT PRIMARY KEY, calls BIGINT NOT NULL);",
    /* 5 -> 6: the cells by exit reason, mv_outcomes_exit (pg_views.c) */
    argo_pg_views_exit,
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

#define SIGNAL_COLS                                                                                \
    "s.id, s.symbol_id, y.name, s.action, s.ts, s.entry, s.target, s.stop,"                        \
    " s.raw_confidence, s.confidence, s.model_version, s.published, s.v_trend,"                    \
    " s.v_meanrev, s.v_macd, s.v_breakout, s.expires_at, s.status, s.exit_reason, s.gap,"          \
    " s.exit_ts, s.exit_price, s.pnl_pct, s.bars_held, s.mfe_pct, s.mae_pct, s.scanned_to"
#define SIGNAL_FROM " FROM signals s JOIN symbols y ON y.id = s.symbol_id"
#define SIGNAL_INSERT_COLS                                                                         \
    "id, symbol_id, action, ts, entry, target, stop, raw_confidence, confidence,"                  \
    " model_version, published, v_trend, v_meanrev, v_macd, v_breakout, expires_at, status,"       \
    " exit_reason, gap, exit_ts, exit_price, pnl_pct, bars_held, mfe_pct, mae_pct, scanned_to"
#define SIGNAL_NCOLS 26

#define MODEL_COLS                                                                                 \
    "version, scope, symbol_id, trained_through, window_from, window_to, samples, points,"         \
    " brier_raw, brier, log_loss_raw, log_loss, ece_raw, ece, created_at, base_version,"           \
    " base_weight"

#define REMOTE_COLS                                                                                \
    "target, key, day, bytes, sha256, etag, storage_class, lock_mode, lock_until, uploaded_at"

#define CORRECTION_COLS                                                                            \
    "id, symbol_id, ts, stored_open, stored_high, stored_low, stored_close, stored_volume,"        \
    " revised_open, revised_high, revised_low, revised_close, revised_volume, source, seen_at"

typedef struct pg_store {
    argo_store base;
    PGconn *c;
    char *conninfo; /* the URL without schema=, as libpq reads it */
    char url[512];  /* the URL masked, for messages */
    char schema[PG_SCHEMA_MAX + 1];
    int busy_ms;
    bool read_only;
    bool txn;                /* inside argo_store_begin .. commit/rollback */
    bool no_retry;           /* the last failure may have committed: never run it again */
    unsigned long delivered; /* rows handed to scan callbacks, ever */
    bool prepared_update;    /* "argo_update" is prepared on this connection */
    int64_t *months;         /* partitions known to exist: table << 32 | month */
    size_t nmonths, cap_months, committed_months;
    char holds[PG_HOLDS][ARGO_STORE_LOCK_NAME_MAX + 1];
    bool listening; /* LISTENs to the event log's channel (again after a reconnect) */
    /* the statements prepared on this connection: "argo_sN" is stmts[N] */
    struct {
        uint64_t hash;
        char *sql;
    } stmts[PG_STMTS];
    int nstmts;
} pg_store;

static pg_store *PG(argo_store *st)
{
    return (pg_store *)st;
}

/* ---- parameters ---------------------------------------------------------- */

typedef struct params {
    int n, cap;
    const char **v;
    int *len, *fmt;
    char (*num)[32];
} params;

static bool p_init(params *p, size_t cap)
{
    *p = (params){0};
    if (cap == 0 || cap > 65535)
        return false;
    char *b = malloc(cap * (sizeof(char *) + 32 + 2 * sizeof(int)));
    if (!b)
        return false;
    p->cap = (int)cap;
    p->v = (const char **)(void *)b;
    p->num = (char(*)[32])(b + cap * sizeof(char *));
    p->len = (int *)(void *)(b + cap * (sizeof(char *) + 32));
    p->fmt = p->len + cap;
    return true;
}

static void p_free(params *p)
{
    free(p->v);
    *p = (params){0};
}

static void p_raw(params *p, const char *v, int len, int fmt)
{
    assert(p->n < p->cap);
    p->v[p->n] = v;
    p->len[p->n] = len;
    p->fmt[p->n] = fmt;
    p->n++;
}

static void p_i64(params *p, int64_t v)
{
    assert(p->n < p->cap);
    snprintf(p->num[p->n], 32, "%" PRId64, v);
    p_raw(p, p->num[p->n], 0, 0);
}

static void p_f64(params *p, double v)
{
    assert(p->n < p->cap);
    if (isnan(v))
        snprintf(p->num[p->n], 32, "NaN");
    else if (isinf(v))
        snprintf(p->num[p->n], 32, "%sInfinity", v < 0 ? "-" : "");
    else
        snprintf(p->num[p->n], 32, "%.17g", v);
    p_raw(p, p->num[p->n], 0, 0);
}

static void p_null(params *p)
{
    p_raw(p, NULL, 0, 0);
}

static void p_text(params *p, const char *s)
{
    p_raw(p, s, 0, 0);
}

/* Bytes sent as they are (binary format): a bytea, or a text's UTF-8. */
static void p_bin(params *p, const void *b, size_t len)
{
    p_raw(p, b ? b : "", (int)len, 1);
}

static void p_opt_i64(params *p, int64_t v, bool present)
{
    if (present)
        p_i64(p, v);
    else
        p_null(p);
}

static void p_opt_f64(params *p, double v, bool present)
{
    if (present)
        p_f64(p, v);
    else
        p_null(p);
}

/* ---- results ------------------------------------------------------------- */

static int64_t gi(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* A double; 0 for NULL (as SQLite reads one). */
static double gd(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtod(PQgetvalue(r, row, col), NULL);
}

/* A metric: NAN for NULL (an absent metric stays absent). */
static double gm(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NAN : gd(r, row, col);
}

static const char *gs(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col); /* "" for NULL */
}

/* ---- errors -------------------------------------------------------------- */

/* The first line of a libpq message, without its "ERROR:  " prefix. */
static void first_line(const char *m, char *buf, size_t n)
{
    if (!m || !*m)
        m = "no message from the server";
    static const char *const sev[] = {"ERROR:  ", "FATAL:  ", "PANIC:  "};
    for (size_t i = 0; i < sizeof sev / sizeof sev[0]; i++)
        if (!strncmp(m, sev[i], strlen(sev[i]))) {
            m += strlen(sev[i]);
            break;
        }
    size_t k = strcspn(m, "\r\n");
    snprintf(buf, n, "%.*s", (int)(k < n ? k : n - 1), m);
}

/* Whether the connection is gone (the server stopped or restarted, the
 * backend was terminated, the network failed). */
static bool conn_lost(const pg_store *s, const char *state)
{
    if (PQstatus(s->c) == CONNECTION_BAD)
        return true;
    if (!state)
        return false;
    return !strcmp(state, "57P01") || !strcmp(state, "57P02") || !strcmp(state, "57P03") ||
           !strcmp(state, "08000") || !strcmp(state, "08003") || !strcmp(state, "08006") ||
           !strcmp(state, "08001") || !strcmp(state, "08004");
}

/* Fills err for a failed statement (r NULL: libpq's own failure) and
 * returns the ARGO_E* code its SQLSTATE maps to. */
static int fail(pg_store *s, const PGresult *r, const char *what, argo_err *err)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char line[256];
    first_line(msg ? msg : PQerrorMessage(s->c), line, sizeof line);
    if (conn_lost(s, state))
        return argo_err_set(err, ARGO_ENET,
                            s->txn ? "database %s: connection to the database lost; the"
                                     " transaction was rolled back (%s: %s)"
                                   : "database %s: connection to the database lost (%s: %s)",
                            s->url, what, line);
    if (!state)
        state = "";
    if (!strcmp(state, "55P03") || !strcmp(state, "40001") || !strcmp(state, "40P01"))
        return argo_err_set(err, ARGO_EBUSY,
                            "database %s is locked by another process (waited %d ms while %s: %s)",
                            s->url, s->busy_ms, what, line);
    if (!strcmp(state, "23505"))
        return argo_err_set(err, ARGO_ECONFLICT, "database %s: %s: %s", s->url, what, line);
    if (!strcmp(state, "25006"))
        return argo_err_set(err, ARGO_EINVAL, "database %s is open read-only (%s)", s->url, what);
    if (!strcmp(state, "23514") && strstr(line, "no partition"))
        return argo_err_set(err, ARGO_ESTORE,
                            "database %s: partition missing (%s: %s; was it detached?)", s->url,
                            what, line);
    /* 08P01: a binary parameter (a text or blob of the row interface)
     * that its column's type cannot read */
    if (!strncmp(state, "22", 2) || !strncmp(state, "23", 2) || !strcmp(state, "08P01"))
        return argo_err_set(err, ARGO_EDATA, "database %s: %s: %s", s->url, what, line);
    if (!strcmp(state, "53100"))
        return argo_err_set(err, ARGO_EIO, "database %s: %s: %s", s->url, what, line);
    return argo_err_set(err, ARGO_ESTORE, "database %s: %s: %s", s->url, what, line);
}

/* ---- prepared statements ------------------------------------------------ */

/* Each statement with parameters is prepared once per connection, on
 * its first use, and run by name after that: PostgreSQL parses it once,
 * and its plan cache (plan_cache_mode auto) keeps a generic plan where
 * planning per call buys nothing. That matters on partitioned tables: a
 * query that cannot be pruned to a month (the open signals, the outcome
 * index) costs a plan over every partition, about 20 ms over 200 of them,
 * where running the kept plan costs under 1 ms (docs/POSTGRES.md). A
 * query that can be pruned keeps a custom plan per call, as PostgreSQL
 * finds it cheaper than the generic one over every partition. At most
 * PG_STMTS statements are kept; statements built per call (multi-row
 * VALUES lists) are not prepared. */

static uint64_t sql_hash(const char *sql)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)sql; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    return h;
}

static void stmts_forget(pg_store *s)
{
    for (int i = 0; i < s->nstmts; i++)
        free(s->stmts[i].sql);
    s->nstmts = 0;
}

static int fail(pg_store *s, const PGresult *r, const char *what, argo_err *err);

/* Fills name with the name sql is prepared under, preparing it on first
 * use; name "" when it is not to be prepared (run it unnamed). */
static int stmt_name(pg_store *s, const char *sql, const char *what, char name[16], argo_err *err)
{
    name[0] = 0;
    size_t len = strlen(sql);
    if (len > PG_STMT_SQL_MAX)
        return ARGO_OK;
    uint64_t h = sql_hash(sql);
    for (int i = 0; i < s->nstmts; i++)
        if (s->stmts[i].hash == h && !strcmp(s->stmts[i].sql, sql)) {
            snprintf(name, 16, "argo_s%d", i);
            return ARGO_OK;
        }
    if (s->nstmts == PG_STMTS)
        return ARGO_OK;
    char *copy = malloc(len + 1);
    if (!copy)
        return ARGO_OK; /* run unnamed: slower, not wrong */
    memcpy(copy, sql, len + 1);
    char n[16];
    snprintf(n, sizeof n, "argo_s%d", s->nstmts);
    PGresult *r = PQprepare(s->c, n, sql, 0, NULL);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        int rc = fail(s, r, what, err);
        PQclear(r);
        free(copy);
        return rc;
    }
    PQclear(r);
    s->stmts[s->nstmts].hash = h;
    s->stmts[s->nstmts].sql = copy;
    s->nstmts++;
    memcpy(name, n, sizeof n);
    return ARGO_OK;
}

/* Runs one statement (prepared when prepare); *out (when given) gets
 * its result, for the caller to PQclear. */
static int run_as(pg_store *s, const char *sql, const params *p, bool prepare, const char *what,
                  PGresult **out, argo_err *err)
{
    if (out)
        *out = NULL;
    char name[16] = "";
    int prc = prepare ? stmt_name(s, sql, what, name, err) : ARGO_OK;
    if (prc)
        return prc;
    PGresult *r = name[0] ? PQexecPrepared(s->c, name, p ? p->n : 0, p ? p->v : NULL,
                                           p ? p->len : NULL, p ? p->fmt : NULL, 0)
                          : PQexecParams(s->c, sql, p ? p->n : 0, NULL, p ? p->v : NULL,
                                         p ? p->len : NULL, p ? p->fmt : NULL, 0);
    ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
        int rc = fail(s, r, what, err);
        PQclear(r);
        return rc;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return ARGO_OK;
}

static int run(pg_store *s, const char *sql, const params *p, const char *what, PGresult **out,
               argo_err *err)
{
    return run_as(s, sql, p, true, what, out, err);
}

/* Runs statements without parameters (several, separated by ';'). */
static int run_simple(pg_store *s, const char *sql, const char *what, argo_err *err)
{
    PGresult *r = PQexec(s->c, sql);
    ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK ? ARGO_OK : fail(s, r, what, err);
    PQclear(r);
    return rc;
}

static int no_memory(argo_err *err, const char *what)
{
    return argo_err_set(err, ARGO_ENOMEM, "out of memory %s", what);
}

/* One statement, parameters by value: a helper for the many small ones. */
#define PARAMS(p, cap, what)                                                                       \
    params p;                                                                                      \
    if (!p_init(&p, (cap)))                                                                        \
        return no_memory(err, what);

/* Calls each for every row of sql, streamed in single-row mode (memory
 * bounded whatever the table's size). A non-zero return of each stops
 * the calls and is returned; the rest of the rows are read off the
 * connection and dropped (libpq has no other way to end a query without
 * cancelling it, and a cancel would abort the caller's transaction). */
typedef int (*each_fn)(pg_store *s, const PGresult *r, void *ctx, argo_err *err);

static int scan(pg_store *s, const char *sql, const params *p, const char *what, each_fn each,
                void *ctx, argo_err *err)
{
    char name[16];
    int prc = stmt_name(s, sql, what, name, err);
    if (prc)
        return prc;
    if (!(name[0] ? PQsendQueryPrepared(s->c, name, p ? p->n : 0, p ? p->v : NULL,
                                        p ? p->len : NULL, p ? p->fmt : NULL, 0)
                  : PQsendQueryParams(s->c, sql, p ? p->n : 0, NULL, p ? p->v : NULL,
                                      p ? p->len : NULL, p ? p->fmt : NULL, 0)))
        return fail(s, NULL, what, err);
    int rc = ARGO_OK;
    bool stopped = false, ended = false;
    if (!PQsetSingleRowMode(s->c)) { /* never expected right after the send */
        rc = argo_err_set(err, ARGO_ESTORE, "database %s: %s: no single-row mode", s->url, what);
        stopped = true;
    }
    PGresult *r;
    while ((r = PQgetResult(s->c))) {
        ExecStatusType t = PQresultStatus(r);
        if (t == PGRES_SINGLE_TUPLE) {
            if (!stopped) {
                s->delivered++;
                int x = each(s, r, ctx, err);
                if (x) {
                    rc = x;
                    stopped = true;
                }
            }
        } else if (t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK) {
            ended = true;
        } else {
            ended = true;
            if (!stopped) {
                rc = fail(s, r, what, err);
                stopped = true;
            }
        }
        PQclear(r);
    }
    if (!ended && !stopped)
        rc = fail(s, NULL, what, err);
    return rc;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* ---- transactions -------------------------------------------------------- */

static void months_commit(pg_store *s)
{
    s->committed_months = s->nmonths;
}

static void months_forget_pending(pg_store *s)
{
    s->nmonths = s->committed_months;
}

static void quiet_rollback(pg_store *s)
{
    if (PQstatus(s->c) == CONNECTION_OK && PQtransactionStatus(s->c) != PQTRANS_IDLE)
        PQclear(PQexec(s->c, "ROLLBACK"));
    months_forget_pending(s);
}

/* A write of several statements outside the caller's transaction is a
 * transaction of its own (store.h): tx_open begins one when the caller
 * has none (*mine), tx_close ends it, committing when keep. */
static int tx_open(pg_store *s, bool *mine, argo_err *err)
{
    *mine = !s->txn;
    if (*mine)
        s->nmonths = s->committed_months = 0; /* months are re-checked in each transaction */
    return *mine ? run_simple(s, "BEGIN ISOLATION LEVEL READ COMMITTED", "starting a transaction",
                              err)
                 : ARGO_OK;
}

static int commit_now(pg_store *s, argo_err *err)
{
    PGresult *r = PQexec(s->c, "COMMIT");
    ExecStatusType t = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = ARGO_OK;
    if (t != PGRES_COMMAND_OK) {
        if (conn_lost(s, r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL)) {
            s->no_retry = true; /* the commit may have been made */
            rc = argo_err_set(err, ARGO_ENET,
                              "database %s: connection to the database lost while committing"
                              " (the transaction may or may not have been committed)",
                              s->url);
        } else
            rc = fail(s, r, "committing", err);
    } else if (!strcmp(PQcmdStatus(r), "ROLLBACK"))
        rc = argo_err_set(err, ARGO_ESTORE,
                          "database %s: the transaction had failed and was rolled back", s->url);
    PQclear(r);
    if (rc == ARGO_OK)
        months_commit(s);
    return rc;
}

static int tx_close(pg_store *s, bool mine, bool keep, argo_err *err)
{
    if (!mine)
        return ARGO_OK;
    if (!keep) {
        quiet_rollback(s);
        return ARGO_OK;
    }
    int rc = commit_now(s, err);
    if (rc)
        quiet_rollback(s);
    return rc;
}

/* ---- keys of advisory locks ---------------------------------------------- */

/* A 64-bit FNV-1a hash of "argo:" SCHEMA KIND NAME: the schema keeps
 * stores in one database apart; KIND keeps named locks ("/"), holds
 * ("/hold/") and argo's own locks ("/#...") apart (a lock name has no
 * '/' or '#'). */
static int64_t lock_key(const pg_store *s, const char *kind, const char *name)
{
    uint64_t h = 1469598103934665603ULL;
    const char *parts[] = {"argo:", s ? s->schema : "", kind, name};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
            h ^= *p;
            h *= 1099511628211ULL;
        }
    int64_t k;
    memcpy(&k, &h, sizeof k);
    return k;
}

static int xact_lock(pg_store *s, const char *kind, const char *name, const char *what,
                     argo_err *err)
{
    PARAMS(p, 1, what);
    p_i64(&p, lock_key(s, kind, name));
    int rc = run(s, "SELECT pg_advisory_xact_lock($1::bigint)", &p, what, NULL, err);
    p_free(&p);
    return rc;
}

/* ---- partitions ---------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant, "chrono-Compatible Low-Level Date Algorithms"). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

#define TS_MIN ((int64_t)-62135596800) /* 0001-01-01 */
#define TS_MAX ((int64_t)253402300800) /* 10000-01-01 */

typedef struct month {
    int64_t year;
    int mon;
    int64_t from, to; /* [from, to) in epoch seconds */
} month;

/* The UTC calendar month of ts; false outside the years 1 to 9999. */
static bool month_of(int64_t ts, month *mo)
{
    if (ts < TS_MIN || ts >= TS_MAX)
        return false;
    int64_t days = ts / 86400 - (ts % 86400 < 0);
    civil_from_days(days, &mo->year, &mo->mon);
    mo->from = days_from_civil(mo->year, mo->mon, 1) * 86400;
    mo->to = days_from_civil(mo->year + (mo->mon == 12), mo->mon % 12 + 1, 1) * 86400;
    return true;
}

static bool month_known(const pg_store *s, int64_t key)
{
    for (size_t i = s->nmonths; i-- > 0;)
        if (s->months[i] == key)
            return true;
    return false;
}

static const char *const part_tables[] = {"bars", "signals"};

/* Makes sure the partition of table (0 bars, 1 signals) for the month
 * of ts exists: created when absent, under an advisory lock so two
 * processes do not race; refused ("partition missing") when a table of
 * its name exists but is not attached (a detached month). Inside a
 * transaction (its creation commits or rolls back with the caller's). */
static int ensure_month(pg_store *s, int table, int64_t ts, argo_err *err)
{
    month mo;
    if (!month_of(ts, &mo))
        return argo_err_set(err, ARGO_EDATA,
                            "database %s: time %lld is outside the years 1 to 9999", s->url,
                            (long long)ts);
    int64_t key = (int64_t)table << 40 | (mo.year * 12 + mo.mon - 1);
    if (month_known(s, key))
        return ARGO_OK;
    const char *parent = part_tables[table];
    char name[64];
    snprintf(name, sizeof name, "%s_p%04d_%02d", parent, (int)mo.year, mo.mon);
    PARAMS(p, 3, "checking a partition");
    p_text(&p, s->schema);
    p_text(&p, name);
    p_text(&p, parent);
    static const char *const probe = "SELECT COALESCE(pc.relname = $3, false) FROM pg_class c"
                                     " JOIN pg_namespace n ON n.oid = c.relnamespace"
                                     " LEFT JOIN pg_inherits i ON i.inhrelid = c.oid"
                                     " LEFT JOIN pg_class pc ON pc.oid = i.inhparent"
                                     " WHERE n.nspname = $1 AND c.relname = $2";
    PGresult *r = NULL;
    int rc = run(s, probe, &p, "checking a partition", &r, err);
    for (int pass = 0; !rc && pass < 2; pass++) {
        if (PQntuples(r) > 0) {
            bool attached = !strcmp(gs(r, 0, 0), "t");
            if (!attached)
                rc = argo_err_set(err, ARGO_ESTORE,
                                  "database %s: partition missing: %s (%s of %04d-%02d) exists but"
                                  " is not attached (detached?); argo does not re-create it:"
                                  " attach it again or drop it",
                                  s->url, name, parent, (int)mo.year, mo.mon);
            break;
        }
        if (pass == 1) {
            char sql[256];
            snprintf(sql, sizeof sql,
                     "CREATE TABLE IF NOT EXISTS \"%s\" PARTITION OF %s"
                     " FOR VALUES FROM (%" PRId64 ") TO (%" PRId64 ")",
                     name, parent, mo.from, mo.to);
            rc = run_simple(s, sql, "creating a partition", err);
            break;
        }
        /* absent: take the lock and look again (another process may have
         * created it meanwhile) */
        PQclear(r);
        r = NULL;
        if ((rc = xact_lock(s, "/#partitions", "", "creating a partition", err)) ||
            (rc = run(s, probe, &p, "checking a partition", &r, err)))
            break;
    }
    PQclear(r);
    p_free(&p);
    if (rc)
        return rc;
    int64_t *nv = argo_grow(s->months, &s->cap_months, s->nmonths + 1, sizeof *nv, 32);
    if (!nv)
        return no_memory(err, "noting a partition");
    s->months = nv;
    s->months[s->nmonths++] = key;
    return ARGO_OK;
}

/* ensure_month for the n times ts(ctx, i), skipping repeats of a month. */
static int ensure_months(pg_store *s, int table, size_t n, int64_t (*ts)(const void *, size_t),
                         const void *ctx, argo_err *err)
{
    int64_t from = 1, to = 0; /* the last month ensured: none yet */
    for (size_t i = 0; i < n; i++) {
        int64_t t = ts(ctx, i);
        if (t >= from && t < to)
            continue;
        int rc = ensure_month(s, table, t, err);
        if (rc)
            return rc;
        month mo;
        month_of(t, &mo);
        from = mo.from;
        to = mo.to;
    }
    return ARGO_OK;
}

/* "head ($1, ..., $ncols), (...) ... tail" for nrows rows, in a new string. */
static char *values_sql(const char *head, int ncols, size_t nrows, const char *tail)
{
    size_t cap = strlen(head) + strlen(tail) + nrows * (size_t)ncols * 9 + nrows * 4 + 1;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    size_t at = (size_t)snprintf(b, cap, "%s", head);
    int k = 1;
    for (size_t r = 0; r < nrows; r++) {
        at += (size_t)snprintf(b + at, cap - at, "%s(", r ? ", " : "");
        for (int c = 0; c < ncols; c++)
            at += (size_t)snprintf(b + at, cap - at, "%s$%d", c ? "," : "", k++);
        at += (size_t)snprintf(b + at, cap - at, ")");
    }
    snprintf(b + at, cap - at, "%s", tail);
    return b;
}

/* Loads nrows rows with COPY ... FROM STDIN in text format: no statement
 * to parse or plan per batch, the rows streamed in COPY_BUF pieces (the
 * memory used does not grow with nrows). bind adds row i's ncols values
 * in text form (NULL as \N); they are escaped for COPY all the same. */
#define COPY_BUF 65536

static int copy_in(pg_store *s, const char *sql, int ncols, size_t nrows,
                   void (*bind)(params *, const void *, size_t), const void *ctx, const char *what,
                   argo_err *err)
{
    params p;
    char *buf = malloc(COPY_BUF);
    if (!buf || !p_init(&p, (size_t)ncols)) {
        free(buf);
        return no_memory(err, what);
    }
    int rc = ARGO_OK;
    PGresult *r = PQexec(s->c, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        rc = fail(s, r, what, err);
        PQclear(r);
        goto out;
    }
    PQclear(r);
    size_t used = 0;
    bool ok = true;
    for (size_t i = 0; i < nrows && ok; i++) {
        p.n = 0;
        bind(&p, ctx, i);
        for (int c = 0; c < p.n && ok; c++) {
            const char *v = p.v[c];
            assert(p.fmt[c] == 0 && (!v || strlen(v) < COPY_BUF / 4));
            if (used + (v ? 2 * strlen(v) + 2 : 3) > COPY_BUF) {
                ok = PQputCopyData(s->c, buf, (int)used) == 1;
                used = 0;
            }
            if (!v) {
                memcpy(buf + used, "\\N", 2);
                used += 2;
            }
            for (; v && *v; v++) {
                if (*v == '\\' || *v == '\t' || *v == '\n' || *v == '\r') {
                    buf[used++] = '\\';
                    buf[used++] = *v == '\t' ? 't' : *v == '\n' ? 'n' : *v == '\r' ? 'r' : '\\';
                } else
                    buf[used++] = *v;
            }
            buf[used++] = c + 1 < p.n ? '\t' : '\n';
        }
    }
    if (ok && used)
        ok = PQputCopyData(s->c, buf, (int)used) == 1;
    int end = PQputCopyEnd(s->c, ok ? NULL : "argo could not send the rows");
    for (int k = 0; (r = PQgetResult(s->c)) && k < 16; k++) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc)
            rc = fail(s, r, what, err);
        PQclear(r);
    }
    if (!rc && (!ok || end != 1))
        rc = fail(s, NULL, what, err);
out:
    p_free(&p);
    free(buf);
    return rc;
}

/* Inserts nrows rows in multi-row INSERTs of PG_BATCH rows; bind adds
 * row i's ncols parameters. */
static int insert_batches(pg_store *s, const char *head, int ncols, size_t nrows,
                          void (*bind)(params *, const void *, size_t), const void *ctx,
                          const char *what, argo_err *err)
{
    int rc = ARGO_OK;
    for (size_t at = 0; at < nrows && !rc; at += PG_BATCH) {
        size_t k = nrows - at < PG_BATCH ? nrows - at : PG_BATCH;
        char *sql = values_sql(head, ncols, k, "");
        params p;
        if (!sql || !p_init(&p, k * (size_t)ncols)) {
            free(sql);
            return no_memory(err, what);
        }
        for (size_t i = 0; i < k; i++)
            bind(&p, ctx, at + i);
        rc = run_as(s, sql, &p, false, what, NULL, err); /* built per call: not kept */
        p_free(&p);
        free(sql);
    }
    return rc;
}

/* ---- the handle ---------------------------------------------------------- */

/* LISTEN on the event log's channel (event_append NOTIFYs it). */
static int listen_now(pg_store *s, argo_err *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "LISTEN \"argo_events_%s\"", s->schema);
    return run_simple(s, sql, "listening for events", err);
}

static int setup(pg_store *s, argo_err *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SET search_path TO \"%s\"; SET extra_float_digits = 3; SET TimeZone = 'UTC';"
             " SET client_min_messages = warning; SET lock_timeout = %d;"
             /* PostgreSQL's default, said here: prepared statements keep a
              * generic plan only when it is no dearer than a custom one
              * (see "prepared statements" above) */
             " SET plan_cache_mode = auto;"
             /* argo's queries are short: compiling one over hundreds of
              * partitions cost more than running it (seconds, measured) */
             " SET jit = off;"
             " SET default_transaction_read_only = %s",
             s->schema, s->busy_ms > 0 ? s->busy_ms : 1, s->read_only ? "on" : "off");
    return run_simple(s, sql, "setting up the session", err);
}

/* Resets a lost connection and sets the session up again; the holds
 * the handle had are taken again (those another process took meanwhile
 * are lost). 0 when the connection works again. */
static int reconnect(pg_store *s)
{
    PQreset(s->c);
    s->prepared_update = false; /* a new session: nothing prepared */
    stmts_forget(s);
    if (PQstatus(s->c) != CONNECTION_OK || setup(s, NULL))
        return ARGO_ENET;
    months_forget_pending(s);
    if (s->listening && listen_now(s, NULL))
        s->listening = false;
    for (int i = 0; i < PG_HOLDS; i++) {
        if (!s->holds[i][0])
            continue;
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT pg_try_advisory_lock(%" PRId64 ")",
                 lock_key(s, "/hold/", s->holds[i]));
        PGresult *r = PQexec(s->c, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || strcmp(gs(r, 0, 0), "t"))
            s->holds[i][0] = 0;
        PQclear(r);
    }
    return ARGO_OK;
}

/* Makes call once more after a lost connection, when that is safe: not
 * inside the caller's transaction (its earlier writes are gone), no row
 * handed to a scan callback yet, and no commit that may have been made. */
#define RETRY(s, call)                                                                             \
    do {                                                                                           \
        unsigned long d0_ = (s)->delivered;                                                        \
        (s)->no_retry = false;                                                                     \
        int rc_ = (call);                                                                          \
        if (rc_ == ARGO_ENET && !(s)->txn && !(s)->no_retry && (s)->delivered == d0_ &&            \
            reconnect(s) == ARGO_OK)                                                               \
            rc_ = (call);                                                                          \
        return rc_;                                                                                \
    } while (0)

static void pg_close(argo_store *st)
{
    pg_store *s = PG(st);
    PQfinish(s->c); /* the server rolls back and releases every lock and hold */
    stmts_forget(s);
    free(s->conninfo);
    free(s->months);
    free(s);
}

static int begin_once(pg_store *s, argo_err *err)
{
    int rc = run_simple(s, "BEGIN ISOLATION LEVEL READ COMMITTED", "starting a transaction", err);
    if (rc == ARGO_OK) {
        s->txn = true;
        s->nmonths = s->committed_months = 0; /* another process may have detached one */
    }
    return rc;
}

static int pg_begin(argo_store *st, argo_err *err)
{
    pg_store *s = PG(st);
    if (s->read_only)
        return argo_err_set(err, ARGO_EINVAL, "database %s is open read-only", s->url);
    RETRY(s, begin_once(s, err));
}

static int pg_commit(argo_store *st, argo_err *err)
{
    pg_store *s = PG(st);
    int rc = commit_now(s, err);
    if (rc == ARGO_OK)
        s->txn = false;
    return rc;
}

static void pg_rollback(argo_store *st)
{
    pg_store *s = PG(st);
    quiet_rollback(s);
    s->txn = false;
}

static int pg_lock(argo_store *st, const char *name, argo_err *err)
{
    pg_store *s = PG(st);
    if (s->busy_ms > 0)
        return xact_lock(s, "/", name, "taking a named lock", err);
    PARAMS(p, 1, "taking a named lock");
    p_i64(&p, lock_key(s, "/", name));
    PGresult *r;
    int rc =
        run(s, "SELECT pg_try_advisory_xact_lock($1::bigint)", &p, "taking a named lock", &r, err);
    p_free(&p);
    if (rc)
        return rc;
    bool got = !strcmp(gs(r, 0, 0), "t");
    PQclear(r);
    return got ? ARGO_OK
               : argo_err_set(err, ARGO_EBUSY,
                              "database %s is locked by another process (the lock '%s')", s->url,
                              name);
}

/* ---- symbols and bars ---------------------------------------------------- */

static int symbol_id_once(pg_store *s, const char *name, bool create, int64_t *id, argo_err *err)
{
    PARAMS(p, 1, "looking up a symbol");
    p_text(&p, name);
    PGresult *r;
    int rc = run(s, "SELECT id FROM symbols WHERE name = $1", &p, "looking up a symbol", &r, err);
    if (!rc && PQntuples(r) == 0 && create) {
        PQclear(r);
        /* ON CONFLICT: another process may add it at the same moment */
        rc = run(s,
                 "WITH ins AS (INSERT INTO symbols(name) VALUES ($1) ON CONFLICT (name) DO NOTHING"
                 " RETURNING id) SELECT id FROM ins UNION ALL"
                 " SELECT id FROM symbols WHERE name = $1",
                 &p, "adding a symbol", &r, err);
    }
    p_free(&p);
    if (rc)
        return rc;
    bool found = PQntuples(r) > 0;
    if (found)
        *id = gi(r, 0, 0);
    PQclear(r);
    return found ? ARGO_OK
                 : argo_err_set(err, ARGO_ENOENT, "unknown symbol '%s' (no bars ingested for it)",
                                name);
}

static int pg_symbol_id(argo_store *st, const char *name, bool create, int64_t *id, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, symbol_id_once(s, name, create, id, err));
}

static int symbols_once(pg_store *s, argo_symbol **list, size_t *n, argo_err *err)
{
    *list = NULL;
    *n = 0;
    PGresult *r;
    int rc = run(s, "SELECT id, name, first_ts, last_ts FROM symbols ORDER BY name", NULL,
                 "listing symbols", &r, err);
    if (rc)
        return rc;
    size_t k = (size_t)PQntuples(r);
    argo_symbol *v = malloc((k ? k : 1) * sizeof *v);
    if (!v) {
        PQclear(r);
        return no_memory(err, "listing symbols");
    }
    for (size_t i = 0; i < k; i++) {
        argo_symbol *y = &v[i];
        y->id = gi(r, (int)i, 0);
        snprintf(y->name, sizeof y->name, "%s", gs(r, (int)i, 1));
        y->first_ts = PQgetisnull(r, (int)i, 2) ? INT64_MIN : gi(r, (int)i, 2);
        y->last_ts = PQgetisnull(r, (int)i, 3) ? INT64_MIN : gi(r, (int)i, 3);
    }
    PQclear(r);
    *list = v;
    *n = k;
    return ARGO_OK;
}

static int pg_symbols(argo_store *st, argo_symbol **list, size_t *n, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, symbols_once(s, list, n, err));
}

static bool same_bar(const argo_bar *a, const argo_bar *b)
{
    return a->open == b->open && a->high == b->high && a->low == b->low && a->close == b->close &&
           a->volume == b->volume;
}

typedef struct bar_rows {
    int64_t sym;
    const argo_bar *bars;
    const size_t *idx; /* the bars to insert, by index */
} bar_rows;

static int64_t bar_row_ts(const void *ctx, size_t i)
{
    const bar_rows *b = ctx;
    return b->bars[b->idx[i]].ts;
}

static void bind_bar(params *p, const void *ctx, size_t i)
{
    const bar_rows *b = ctx;
    const argo_bar *x = &b->bars[b->idx[i]];
    p_i64(p, b->sym);
    p_i64(p, x->ts);
    p_f64(p, x->open);
    p_f64(p, x->high);
    p_f64(p, x->low);
    p_f64(p, x->close);
    p_f64(p, x->volume);
}

/* The stored bar at ts among the rows of r (ts ascending), if any. */
static bool stored_bar(const PGresult *r, int64_t ts, argo_bar *out)
{
    int lo = 0, hi = r ? PQntuples(r) : 0;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int64_t t = gi(r, mid, 0);
        if (t == ts) {
            *out = (argo_bar){
                ts, gd(r, mid, 1), gd(r, mid, 2), gd(r, mid, 3), gd(r, mid, 4), gd(r, mid, 5)};
            return true;
        }
        if (t < ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The batch is judged in memory against the stored bars it may repeat
 * (one query for all of them) and the bars accepted before it in the
 * batch, then the new bars go in multi-row INSERTs: three round trips
 * for a batch, whatever its size. The symbol's last bar is read once
 * per call, never kept between calls. */
/* Widens symbol sym's [first_ts, last_ts] to hold [lo, hi]. */
static int symbol_span(pg_store *s, int64_t sym, int64_t lo, int64_t hi, argo_err *err)
{
    params p;
    if (!p_init(&p, 3))
        return no_memory(err, "storing bars");
    p_i64(&p, sym);
    p_i64(&p, lo);
    p_i64(&p, hi);
    int rc = run(s,
                 "UPDATE symbols SET first_ts = LEAST(COALESCE(first_ts, $2), $2),"
                 " last_ts = GREATEST(COALESCE(last_ts, $3), $3) WHERE id = $1",
                 &p, "storing bars", NULL, err);
    p_free(&p);
    return rc;
}

static int bars_put_once(pg_store *s, int64_t sym, const argo_bar *bars, size_t n, bool *new_flags,
                         argo_bars_put_result *res, argo_err *err)
{
    *res = (argo_bars_put_result){0};
    size_t *idx = malloc(n * sizeof *idx);
    char *arr = malloc(n * 22 + 3);
    params p;
    if (!idx || !arr || !p_init(&p, 2)) {
        free(idx);
        free(arr);
        return no_memory(err, "storing bars");
    }
    bool mine;
    PGresult *last = NULL, *old = NULL;
    int rc = tx_open(s, &mine, err);
    p_i64(&p, sym);
    if (!rc)
        /* the row lock orders two writers of one symbol's bars */
        rc = run(s, "SELECT last_ts FROM symbols WHERE id = $1 FOR UPDATE", &p,
                 "reading the last bar", &last, err);
    if (!rc && PQntuples(last) != 1)
        rc = argo_err_set(err, ARGO_ENOENT, "database %s: no symbol with id %" PRId64, s->url, sym);
    int64_t last0 = INT64_MIN;
    if (!rc && !PQgetisnull(last, 0, 0))
        last0 = gi(last, 0, 0);
    /* the stored bars the batch may repeat */
    size_t at = 0, k = 0;
    at += (size_t)snprintf(arr + at, 3, "{");
    for (size_t i = 0; i < n; i++)
        if (bars[i].ts <= last0) {
            at += (size_t)snprintf(arr + at, 23, "%s%" PRId64, k ? "," : "", bars[i].ts);
            k++;
        }
    snprintf(arr + at, 3, "}");
    if (!rc && k) {
        p_text(&p, arr);
        rc = run(s,
                 "SELECT ts, open, high, low, close, volume FROM bars"
                 " WHERE symbol_id = $1 AND ts = ANY($2::bigint[]) ORDER BY ts",
                 &p, "reading bars", &old, err);
    }
    int verdict = ARGO_OK;
    size_t na = 0;
    if (!rc) {
        int64_t top = last0;
        for (size_t i = 0; i < n; i++) {
            const argo_bar *b = &bars[i];
            res->done = i;
            if (b->ts > top) {
                idx[na++] = i;
                top = b->ts;
                res->inserted++;
                if (new_flags)
                    new_flags[i] = true;
                continue;
            }
            argo_bar prev;
            const argo_bar *was = NULL;
            if (stored_bar(old, b->ts, &prev))
                was = &prev;
            else {
                size_t lo = 0, hi = na; /* accepted bars: ts increasing */
                while (lo < hi) {
                    size_t mid = lo + (hi - lo) / 2;
                    if (bars[idx[mid]].ts < b->ts)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                if (lo < na && bars[idx[lo]].ts == b->ts)
                    was = &bars[idx[lo]];
            }
            if (!was) {
                verdict = ARGO_EDATA;
                break;
            }
            if (!same_bar(was, b)) {
                verdict = ARGO_ECONFLICT;
                break;
            }
            res->repeats++;
            if (new_flags)
                new_flags[i] = false;
        }
        if (!verdict)
            res->done = n;
    }
    bar_rows rows = {sym, bars, idx};
    if (!rc && na)
        rc = ensure_months(s, 0, na, bar_row_ts, &rows, err);
    if (!rc && na)
        rc = copy_in(s, "COPY bars(symbol_id, ts, open, high, low, close, volume) FROM STDIN", 7,
                     na, bind_bar, &rows, "storing bars", err);
    if (!rc && na)
        rc = symbol_span(s, sym, bars[idx[0]].ts, bars[idx[na - 1]].ts, err);
    if (rc == ARGO_ECONFLICT) /* another writer stored one of them meanwhile */
        argo_err_set(err, rc,
                     "database %s: a bar conflicts with one stored meanwhile by another"
                     " writer",
                     s->url);
    int end = tx_close(s, mine, rc == ARGO_OK, rc ? NULL : err);
    if (!rc)
        rc = end;
    PQclear(last);
    PQclear(old);
    p_free(&p);
    free(idx);
    free(arr);
    if (rc) {
        res->inserted = res->repeats = res->done = 0;
        return rc;
    }
    if (verdict == ARGO_EDATA)
        return argo_err_set(
            err, ARGO_EDATA,
            "bar is older than the symbol's last stored bar (bars are append-only)");
    if (verdict == ARGO_ECONFLICT)
        return argo_err_set(err, ARGO_ECONFLICT,
                            "bar conflicts with the stored bar of the same time");
    return ARGO_OK;
}

static int pg_bars_put(argo_store *st, int64_t sym, const argo_bar *bars, size_t n, bool *new_flags,
                       argo_bars_put_result *res, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, bars_put_once(s, sym, bars, n, new_flags, res, err));
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

typedef struct bar_scan {
    argo_bar_fn fn;
    void *ctx;
} bar_scan;

static int each_bar(pg_store *s, const PGresult *r, void *ctx, argo_err *err)
{
    bar_scan *b = ctx;
    argo_bar bar = {gi(r, 0, 1), gd(r, 0, 2), gd(r, 0, 3), gd(r, 0, 4), gd(r, 0, 5), gd(r, 0, 6)};
    if (!bar_ok(&bar))
        return argo_err_set(err, ARGO_ECORRUPT,
                            "database %s: the bar of symbol id %lld at %lld is not valid"
                            " (changed outside argo?)",
                            s->url, (long long)gi(r, 0, 0), (long long)bar.ts);
    return b->fn(b->ctx, gi(r, 0, 0), &bar);
}

static int bars_scan_once(pg_store *s, int64_t sym, int64_t after, int64_t to, argo_bar_fn fn,
                          void *ctx, argo_err *err)
{
    PARAMS(p, 3, "reading bars");
    p_i64(&p, sym);
    p_i64(&p, after);
    p_i64(&p, to);
    bar_scan b = {fn, ctx};
    int rc = scan(s,
                  "SELECT symbol_id, ts, open, high, low, close, volume FROM bars"
                  " WHERE symbol_id = $1 AND ts > $2 AND ts <= $3 ORDER BY ts",
                  &p, "reading bars", each_bar, &b, err);
    p_free(&p);
    return rc;
}

static int pg_bars_scan(argo_store *st, int64_t sym, int64_t after, int64_t to, argo_bar_fn fn,
                        void *ctx, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, bars_scan_once(s, sym, after, to, fn, ctx, err));
}

static int bars_scan_all_once(pg_store *s, int64_t to, argo_bar_fn fn, void *ctx, argo_err *err)
{
    PARAMS(p, 1, "reading bars");
    p_i64(&p, to);
    bar_scan b = {fn, ctx};
    int rc = scan(s,
                  "SELECT symbol_id, ts, open, high, low, close, volume FROM bars"
                  " WHERE ts <= $1 ORDER BY ts, symbol_id",
                  &p, "reading bars", each_bar, &b, err);
    p_free(&p);
    return rc;
}

/* The window's partitions only (pruned on ts), in whatever order the
 * plan reads them. */
static int bars_scan_window_once(pg_store *s, int64_t after, int64_t to, argo_bar_fn fn, void *ctx,
                                 argo_err *err)
{
    PARAMS(p, 2, "reading bars");
    p_i64(&p, after);
    p_i64(&p, to);
    bar_scan b = {fn, ctx};
    int rc = scan(s,
                  "SELECT symbol_id, ts, open, high, low, close, volume FROM bars"
                  " WHERE ts > $1 AND ts <= $2",
                  &p, "reading bars", each_bar, &b, err);
    p_free(&p);
    return rc;
}

static int pg_bars_scan_window(argo_store *st, int64_t after, int64_t to, argo_bar_fn fn, void *ctx,
                               argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, bars_scan_window_once(s, after, to, fn, ctx, err));
}

static int pg_bars_scan_all(argo_store *st, int64_t to, argo_bar_fn fn, void *ctx, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, bars_scan_all_once(s, to, fn, ctx, err));
}

/* One number from a query of one row and column (NULL reads as 0). */
static int one_int(pg_store *s, const char *sql, const params *p, const char *what, int64_t *out,
                   argo_err *err)
{
    PGresult *r;
    int rc = run(s, sql, p, what, &r, err);
    if (rc)
        return rc;
    *out = PQntuples(r) > 0 ? gi(r, 0, 0) : 0;
    PQclear(r);
    return ARGO_OK;
}

static int bars_count_once(pg_store *s, int64_t to, int64_t *n, argo_err *err)
{
    PARAMS(p, 1, "counting bars");
    p_i64(&p, to);
    int rc = one_int(s, "SELECT count(*) FROM bars WHERE ts <= $1", &p, "counting bars", n, err);
    p_free(&p);
    return rc;
}

static int pg_bars_count(argo_store *st, int64_t to, int64_t *n, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, bars_count_once(s, to, n, err));
}

/* ---- signals ------------------------------------------------------------- */

static double signed_vote(const argo_vote *v)
{
    return v->dir * v->strength;
}

static int64_t signal_ts(const void *ctx, size_t i)
{
    return ((const argo_signal *)ctx)[i].ts;
}

static void bind_signal(params *p, const void *ctx, size_t i)
{
    const argo_signal *g = &((const argo_signal *)ctx)[i];
    bool done = g->status != ARGO_OPEN;
    p_i64(p, g->id);
    p_i64(p, g->symbol_id);
    p_i64(p, g->action);
    p_i64(p, g->ts);
    p_f64(p, g->entry);
    p_f64(p, g->target);
    p_f64(p, g->stop);
    p_f64(p, g->raw_confidence);
    p_f64(p, g->confidence);
    p_opt_i64(p, g->model_version, g->model_version != 0);
    p_i64(p, g->published);
    for (int k = 0; k < ARGO_STRAT_COUNT; k++)
        p_f64(p, signed_vote(&g->votes[k]));
    p_i64(p, g->expires_at);
    p_i64(p, g->status);
    p_i64(p, g->exit_reason);
    p_i64(p, g->gap);
    p_opt_i64(p, g->exit_ts, done);
    p_opt_f64(p, g->exit_price, done);
    p_opt_f64(p, g->pnl_pct, done);
    p_i64(p, g->bars_held);
    p_f64(p, g->mfe_pct);
    p_f64(p, g->mae_pct);
    p_i64(p, g->scanned_to);
}
static_assert(ARGO_STRAT_COUNT == 4, "signals has four vote columns");

/* The ids come first, from the table's sequence in one query, in
 * increasing order; then the rows go in multi-row INSERTs. */
static int signals_insert_once(pg_store *s, argo_signal *sigs, size_t n, argo_err *err)
{
    bool mine;
    int rc = tx_open(s, &mine, err);
    PGresult *r = NULL;
    params p = {0};
    if (!rc && !p_init(&p, 1))
        rc = no_memory(err, "storing signals");
    if (!rc) {
        p_i64(&p, (int64_t)n);
        rc =
            run(s, "SELECT nextval('signals_id_seq') AS id FROM generate_series(1, $1) ORDER BY id",
                &p, "numbering signals", &r, err);
    }
    if (!rc && (size_t)PQntuples(r) != n)
        rc = argo_err_set(err, ARGO_ESTORE, "database %s: numbering signals: short result", s->url);
    for (size_t i = 0; !rc && i < n; i++)
        sigs[i].id = gi(r, (int)i, 0);
    if (!rc)
        rc = ensure_months(s, 1, n, signal_ts, sigs, err);
    if (!rc)
        rc = copy_in(s, "COPY signals(" SIGNAL_INSERT_COLS ") FROM STDIN", SIGNAL_NCOLS, n,
                     bind_signal, sigs, "storing signals", err);
    int end = tx_close(s, mine, rc == ARGO_OK, rc ? NULL : err);
    PQclear(r);
    p_free(&p);
    return rc ? rc : end;
}

static int pg_signals_insert(argo_store *st, argo_signal *sigs, size_t n, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, signals_insert_once(s, sigs, n, err));
}

/* ts = $2 in the WHERE: PostgreSQL prunes the update to one partition. */
static const char update_sql[] =
    "UPDATE signals SET status = $3, exit_reason = $4, gap = $5, exit_ts = $6, exit_price = $7,"
    " pnl_pct = $8, bars_held = $9, mfe_pct = $10, mae_pct = $11, scanned_to = $12"
    " WHERE id = $1 AND ts = $2";

/* Sends up to PG_PIPELINE updates in pipeline mode (one round trip) and
 * reads their results; *missing gets the first id no row matched. */
static int update_pipeline(pg_store *s, const argo_signal *sigs, size_t n, int64_t *missing,
                           argo_err *err)
{
    if (!s->prepared_update) {
        /* prepared once per connection: the statement is parsed once, not
         * once per signal */
        PGresult *r = PQprepare(s->c, "argo_update", update_sql, 0, NULL);
        int rc =
            PQresultStatus(r) == PGRES_COMMAND_OK ? ARGO_OK : fail(s, r, "updating signals", err);
        PQclear(r);
        if (rc)
            return rc;
        s->prepared_update = true;
    }
    PARAMS(p, 12, "updating signals");
    if (!PQenterPipelineMode(s->c)) {
        p_free(&p);
        return fail(s, NULL, "updating signals", err);
    }
    int rc = ARGO_OK;
    size_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        const argo_signal *g = &sigs[i];
        bool done = g->status != ARGO_OPEN;
        p.n = 0;
        p_i64(&p, g->id);
        p_i64(&p, g->ts);
        p_i64(&p, g->status);
        p_i64(&p, g->exit_reason);
        p_i64(&p, g->gap);
        p_opt_i64(&p, g->exit_ts, done);
        p_opt_f64(&p, g->exit_price, done);
        p_opt_f64(&p, g->pnl_pct, done);
        p_i64(&p, g->bars_held);
        p_f64(&p, g->mfe_pct);
        p_f64(&p, g->mae_pct);
        p_i64(&p, g->scanned_to);
        if (!PQsendQueryPrepared(s->c, "argo_update", p.n, p.v, p.len, p.fmt, 0)) {
            rc = fail(s, NULL, "updating signals", err);
            break;
        }
        sent++;
    }
    bool synced = PQpipelineSync(s->c) == 1;
    if (!synced && !rc)
        rc = fail(s, NULL, "updating signals", err);
    size_t got = 0;
    int nulls = 0;
    while (synced) {
        PGresult *r = PQgetResult(s->c);
        if (!r) {
            /* one NULL ends each statement's results; two: nothing left */
            if (++nulls > 1 || PQstatus(s->c) == CONNECTION_BAD)
                break;
            continue;
        }
        nulls = 0;
        ExecStatusType t = PQresultStatus(r);
        if (t == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (t == PGRES_COMMAND_OK) {
            if (strcmp(PQcmdTuples(r), "1") && !*missing && got < sent)
                *missing = sigs[got].id;
        } else if (t != PGRES_PIPELINE_ABORTED && !rc)
            rc = fail(s, r, "updating signals", err);
        got++;
        PQclear(r);
    }
    if (!PQexitPipelineMode(s->c) && !rc)
        rc = fail(s, NULL, "updating signals", err);
    p_free(&p);
    return rc;
}

static int signals_update_once(pg_store *s, const argo_signal *sigs, size_t n, argo_err *err)
{
    bool mine;
    int rc = tx_open(s, &mine, err);
    int64_t missing = 0;
    for (size_t at = 0; !rc && !missing && at < n; at += PG_PIPELINE)
        rc = update_pipeline(s, sigs + at, n - at < PG_PIPELINE ? n - at : PG_PIPELINE, &missing,
                             err);
    if (!rc && missing)
        rc = argo_err_set(err, ARGO_ENOENT, "signal %lld is not in the store", (long long)missing);
    int end = tx_close(s, mine, rc == ARGO_OK, rc ? NULL : err);
    return rc ? rc : end;
}

static int pg_signals_update(argo_store *st, const argo_signal *sigs, size_t n, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, signals_update_once(s, sigs, n, err));
}

static argo_vote unsigned_vote(double v)
{
    if (v > 0)
        return (argo_vote){ARGO_BUY, v};
    if (v < 0)
        return (argo_vote){ARGO_SELL, -v};
    return (argo_vote){ARGO_NONE, 0};
}

static void read_signal(const PGresult *r, argo_signal *g)
{
    memset(g, 0, sizeof *g);
    g->id = gi(r, 0, 0);
    g->symbol_id = gi(r, 0, 1);
    snprintf(g->symbol, sizeof g->symbol, "%s", gs(r, 0, 2));
    g->action = (int)gi(r, 0, 3);
    g->ts = gi(r, 0, 4);
    g->entry = gd(r, 0, 5);
    g->target = gd(r, 0, 6);
    g->stop = gd(r, 0, 7);
    g->raw_confidence = gd(r, 0, 8);
    g->confidence = gd(r, 0, 9);
    g->model_version = gi(r, 0, 10); /* NULL reads as 0 */
    g->published = (int)gi(r, 0, 11);
    for (int i = 0; i < ARGO_STRAT_COUNT; i++)
        g->votes[i] = unsigned_vote(gd(r, 0, 12 + i));
    g->expires_at = gi(r, 0, 16);
    g->status = (argo_status)gi(r, 0, 17);
    g->exit_reason = (argo_exit_reason)gi(r, 0, 18);
    g->gap = (int)gi(r, 0, 19);
    g->exit_ts = gi(r, 0, 20);
    g->exit_price = gd(r, 0, 21);
    g->pnl_pct = gd(r, 0, 22);
    g->bars_held = (int)gi(r, 0, 23);
    g->mfe_pct = gd(r, 0, 24);
    g->mae_pct = gd(r, 0, 25);
    g->scanned_to = gi(r, 0, 26);
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

typedef struct sig_scan {
    argo_signal_fn fn;
    void *ctx;
} sig_scan;

static int each_signal(pg_store *s, const PGresult *r, void *ctx, argo_err *err)
{
    sig_scan *c = ctx;
    argo_signal g;
    read_signal(r, &g);
    if (!signal_ok(&g))
        return argo_err_set(err, ARGO_ECORRUPT,
                            "database %s: signal %lld is not valid (changed outside argo?)", s->url,
                            (long long)g.id);
    return c->fn(c->ctx, &g);
}

static int signals_scan_once(pg_store *s, argo_signal_scan kind, int64_t sym, int64_t from,
                             int64_t to, argo_signal_fn fn, void *ctx, argo_err *err)
{
    const char *sql;
    PARAMS(p, 2, "reading signals");
    switch (kind) {
    case ARGO_SCAN_MADE:
        sql =
            "SELECT " SIGNAL_COLS SIGNAL_FROM " WHERE s.ts >= $1 AND s.ts < $2 ORDER BY s.ts, s.id";
        break;
    case ARGO_SCAN_RESOLVED:
        sql = "SELECT " SIGNAL_COLS SIGNAL_FROM " WHERE s.status <> 0 AND s.exit_ts >= $1"
              " AND s.exit_ts < $2 ORDER BY s.exit_ts, s.id";
        break;
    case ARGO_SCAN_OPEN:
        sql = sym ? "SELECT " SIGNAL_COLS SIGNAL_FROM
                    " WHERE s.status = 0 AND s.symbol_id = $1 ORDER BY s.ts, s.id"
                  : "SELECT " SIGNAL_COLS SIGNAL_FROM " WHERE s.status = 0 ORDER BY s.ts, s.id";
        break;
    default:
        sql = sym ? "SELECT " SIGNAL_COLS SIGNAL_FROM " WHERE s.symbol_id = $1 ORDER BY s.ts, s.id"
                  : "SELECT " SIGNAL_COLS SIGNAL_FROM " ORDER BY s.ts, s.id";
    }
    if (kind == ARGO_SCAN_MADE || kind == ARGO_SCAN_RESOLVED) {
        p_i64(&p, from);
        p_i64(&p, to);
    } else if (sym)
        p_i64(&p, sym);
    sig_scan c = {fn, ctx};
    int rc = scan(s, sql, &p, "reading signals", each_signal, &c, err);
    p_free(&p);
    return rc;
}

static int pg_signals_scan(argo_store *st, argo_signal_scan kind, int64_t sym, int64_t from,
                           int64_t to, argo_signal_fn fn, void *ctx, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, signals_scan_once(s, kind, sym, from, to, fn, ctx, err));
}

/* argo_time_day_start in SQL: the floor, also before 1970 */
#define DAY_START(x) "((" x ") - (((" x ") % 86400) + 86400) % 86400)"

/* ts >= $1 prunes the monthly partitions of signals (by ts) and bounds
 * the walk of signals_by_ts; exit_ts >= $1 bounds that of
 * signals_outcomes in each partition (a day start is at or before its
 * time); d >= $1 is the exact test. Both sides read only their index. */
static const char signal_days_sql[] = "SELECT d FROM (SELECT " DAY_START(
    "ts") " AS d FROM signals WHERE ts >= $1"
          " UNION SELECT " DAY_START(
              "exit_ts") " FROM signals WHERE status <> 0 AND exit_ts >= $1) u"
                         " WHERE d >= $1 ORDER BY d";

static int signal_days_once(pg_store *s, int64_t from, int64_t **days, size_t *n, argo_err *err)
{
    PARAMS(p, 1, "listing signal days");
    p_i64(&p, from);
    PGresult *r;
    int rc = run(s, signal_days_sql, &p, "listing signal days", &r, err);
    p_free(&p);
    if (rc)
        return rc;
    size_t k = (size_t)PQntuples(r);
    int64_t *v = k ? malloc(k * sizeof *v) : NULL;
    if (k && !v) {
        PQclear(r);
        return no_memory(err, "listing signal days");
    }
    for (size_t i = 0; i < k; i++)
        v[i] = gi(r, (int)i, 0);
    PQclear(r);
    *days = v;
    *n = k;
    return ARGO_OK;
}

static int pg_signal_days(argo_store *st, int64_t from, int64_t **days, size_t *n, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, signal_days_once(s, from, days, n, err));
}

typedef struct resolved_scan {
    argo_resolved_fn fn;
    void *ctx;
} resolved_scan;

static int each_resolved(pg_store *s, const PGresult *r, void *ctx, argo_err *err)
{
    resolved_scan *c = ctx;
    argo_resolved_item it = {
        .ts = gi(r, 0, 1),
        .exit_ts = gi(r, 0, 2),
        .raw_confidence = gd(r, 0, 3),
        .confidence = gd(r, 0, 4),
        .pnl_pct = gd(r, 0, 5),
        .status = (argo_status)gi(r, 0, 6),
    };
    /* signal_ok's rules, for these columns */
    if (it.status == ARGO_OPEN || (unsigned)it.status > ARGO_EXPIRED ||
        !isfinite(it.raw_confidence) || !isfinite(it.confidence) || !isfinite(it.pnl_pct))
        return argo_err_set(err, ARGO_ECORRUPT,
                            "database %s: signal %lld is not valid (changed outside argo?)", s->url,
                            (long long)gi(r, 0, 0));
    return c->fn(c->ctx, &it);
}

/* No join to symbols; (ts, id) is signals_by_ts's order in each
 * partition, and the partitions are by ranges of ts, so the planner may
 * append their index scans in order without a sort. */
static int resolved_scan_once(pg_store *s, argo_resolved_fn fn, void *ctx, argo_err *err)
{
    resolved_scan c = {fn, ctx};
    return scan(s,
                "SELECT id, ts, exit_ts, raw_confidence, confidence, pnl_pct, status FROM signals"
                " WHERE status <> 0 ORDER BY ts, id",
                NULL, "reading resolved signals", each_resolved, &c, err);
}

static int pg_resolved_scan(argo_store *st, argo_resolved_fn fn, void *ctx, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, resolved_scan_once(s, fn, ctx, err));
}

static int pg_signals_reset(argo_store *st, argo_err *err)
{
    pg_store *s = PG(st);
    /* one PQexec of several statements: one transaction when outside one */
    RETRY(s, run_simple(s,
                        "DELETE FROM signals; DELETE FROM strategy_state;"
                        " DELETE FROM suppressed_signals;"
                        " DELETE FROM calibration_models WHERE scope <> 'external'",
                        "clearing signals", err));
}

static int suppressed_add_once(pg_store *s, int64_t sym, int64_t ts, int64_t n, argo_err *err)
{
    PARAMS(p, 3, "counting a suppressed signal");
    int64_t day = ts / 86400 * 86400;
    if (ts < 0 && day != ts)
        day -= 86400; /* floor, for days before 1970 */
    p_i64(&p, sym);
    p_i64(&p, day);
    p_i64(&p, n);
    int rc = run(s,
                 "INSERT INTO suppressed_signals(symbol_id, day, count) VALUES ($1, $2, $3)"
                 " ON CONFLICT(symbol_id, day) DO UPDATE"
                 " SET count = suppressed_signals.count + excluded.count",
                 &p, "counting a suppressed signal", NULL, err);
    p_free(&p);
    return rc;
}

static int pg_suppressed_add(argo_store *st, int64_t sym, int64_t ts, int64_t n, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, suppressed_add_once(s, sym, ts, n, err));
}

/* Rows of (symbol_id, count) into a new array. */
static int collect_counts(pg_store *s, const char *sql, const params *p, const char *what,
                          argo_symbol_count **list, size_t *n, int64_t *total, argo_err *err)
{
    *list = NULL;
    *n = 0;
    *total = 0;
    PGresult *r;
    int rc = run(s, sql, p, what, &r, err);
    if (rc)
        return rc;
    size_t k = (size_t)PQntuples(r);
    argo_symbol_count *v = malloc((k ? k : 1) * sizeof *v);
    if (!v) {
        PQclear(r);
        return no_memory(err, what);
    }
    for (size_t i = 0; i < k; i++) {
        v[i] = (argo_symbol_count){gi(r, (int)i, 0), gi(r, (int)i, 1)};
        *total += v[i].count;
    }
    PQclear(r);
    *list = v;
    *n = k;
    return ARGO_OK;
}

static int pg_suppressed_counts(argo_store *st, argo_symbol_count **list, size_t *n, int64_t *total,
                                argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, collect_counts(s,
                            "SELECT symbol_id, sum(count) FROM suppressed_signals"
                            " GROUP BY symbol_id ORDER BY symbol_id",
                            NULL, "counting suppressed signals", list, n, total, err));
}

static int outcome_counts_once(pg_store *s, int64_t before, argo_symbol_count **list, size_t *n,
                               int64_t *total, argo_err *err)
{
    PARAMS(p, 1, "counting outcomes");
    p_i64(&p, before);
    int rc = collect_counts(s,
                            "SELECT symbol_id, count(*) FROM signals WHERE status <> 0"
                            " AND exit_ts < $1 GROUP BY symbol_id ORDER BY symbol_id",
                            &p, "counting outcomes", list, n, total, err);
    p_free(&p);
    return rc;
}

static int pg_outcome_counts(argo_store *st, int64_t before, argo_symbol_count **list, size_t *n,
                             int64_t *total, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, outcome_counts_once(s, before, list, n, total, err));
}

typedef struct outcome_scan {
    argo_outcome_fn fn;
    void *ctx;
} outcome_scan;

static int each_outcome(pg_store *s, const PGresult *r, void *ctx, argo_err *err)
{
    (void)s;
    (void)err;
    outcome_scan *c = ctx;
    argo_outcome o = {
        .symbol_id = gi(r, 0, 0),
        .exit_ts = gi(r, 0, 1),
        .raw_confidence = gd(r, 0, 2),
        .status = (argo_status)gi(r, 0, 3),
        .pnl_pct = gd(r, 0, 4),
    };
    return c->fn(c->ctx, &o);
}

static int outcomes_scan_once(pg_store *s, int64_t before, argo_outcome_fn fn, void *ctx,
                              argo_err *err)
{
    PARAMS(p, 1, "reading outcomes");
    p_i64(&p, before);
    outcome_scan c = {fn, ctx};
    int rc = scan(s,
                  "SELECT symbol_id, exit_ts, raw_confidence, status, pnl_pct FROM signals"
                  " WHERE status <> 0 AND exit_ts < $1 ORDER BY exit_ts, id",
                  &p, "reading outcomes", each_outcome, &c, err);
    p_free(&p);
    return rc;
}

static int pg_outcomes_scan(argo_store *st, int64_t before, argo_outcome_fn fn, void *ctx,
                            argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, outcomes_scan_once(s, before, fn, ctx, err));
}

/* ---- strategy state ------------------------------------------------------ */

/* A bytea column of row 0 (hex text) into a new buffer. */
static int get_bytes(const PGresult *r, int row, int col, unsigned char **out, size_t *len,
                     const char *what, argo_err *err)
{
    *out = NULL;
    *len = 0;
    size_t n = 0;
    unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &n);
    if (!b)
        return no_memory(err, what);
    unsigned char *copy = malloc(n ? n : 1);
    if (!copy) {
        PQfreemem(b);
        return no_memory(err, what);
    }
    if (n)
        memcpy(copy, b, n);
    PQfreemem(b);
    *out = copy;
    *len = n;
    return ARGO_OK;
}

static int state_get_once(pg_store *s, int64_t sym, unsigned char **blob, size_t *len,
                          argo_err *err)
{
    *blob = NULL;
    *len = 0;
    PARAMS(p, 1, "reading strategy state");
    p_i64(&p, sym);
    PGresult *r;
    int rc = run(s, "SELECT state FROM strategy_state WHERE symbol_id = $1", &p,
                 "reading strategy state", &r, err);
    p_free(&p);
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = argo_err_set(err, ARGO_ENOENT, "no saved strategy state");
    else
        rc = get_bytes(r, 0, 0, blob, len, "reading strategy state", err);
    PQclear(r);
    return rc;
}

static int pg_state_get(argo_store *st, int64_t sym, unsigned char **blob, size_t *len,
                        argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, state_get_once(s, sym, blob, len, err));
}

static int state_put_once(pg_store *s, int64_t sym, const void *blob, size_t len, argo_err *err)
{
    if (len > INT_MAX)
        return argo_err_set(err, ARGO_ELIMIT, "strategy state of %zu bytes is too large", len);
    PARAMS(p, 2, "saving strategy state");
    p_i64(&p, sym);
    p_bin(&p, blob, len);
    int rc = run(s,
                 "INSERT INTO strategy_state(symbol_id, state) VALUES ($1, $2)"
                 " ON CONFLICT(symbol_id) DO UPDATE SET state = excluded.state",
                 &p, "saving strategy state", NULL, err);
    p_free(&p);
    return rc;
}

static int pg_state_put(argo_store *st, int64_t sym, const void *blob, size_t len, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, state_put_once(s, sym, blob, len, err));
}

/* ---- calibration models -------------------------------------------------- */

/* Model points: one bytea, the bytes SQLite's BLOB holds
 * (argo_store_points_put), so a copy between backends keeps them. */
static int model_insert_once(pg_store *s, argo_model_row *m, argo_err *err)
{
    if (m->n > (size_t)INT_MAX / 16)
        return argo_err_set(err, ARGO_ELIMIT, "a calibration model of %zu points is too large",
                            m->n);
    unsigned char *points = malloc(m->n ? 16 * m->n : 1);
    params p;
    if (!points || !p_init(&p, 16)) {
        free(points);
        return no_memory(err, "storing a model");
    }
    argo_store_points_put(points, m->x, m->y, m->n);
    p_text(&p, m->scope);
    p_opt_i64(&p, m->symbol_id, m->symbol_id != 0);
    p_i64(&p, m->trained_through);
    p_opt_i64(&p, m->window_from, m->samples > 0);
    p_opt_i64(&p, m->window_to, m->samples > 0);
    p_i64(&p, m->samples);
    p_bin(&p, points, 16 * m->n);
    double metrics[] = {m->brier_raw, m->brier, m->log_loss_raw, m->log_loss, m->ece_raw, m->ece};
    for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
        p_opt_f64(&p, metrics[i], isfinite(metrics[i]));
    p_i64(&p, m->created_at);
    p_opt_i64(&p, m->base_version, m->base_version != 0);
    p_opt_f64(&p, m->base_weight, m->base_version != 0);
    int64_t version = 0;
    int rc =
        one_int(s,
                "INSERT INTO calibration_models(scope, symbol_id, trained_through, window_from,"
                " window_to, samples, points, brier_raw, brier, log_loss_raw, log_loss,"
                " ece_raw, ece, created_at, base_version, base_weight) VALUES ($1, $2, $3, $4,"
                " $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING version",
                &p, "storing a calibration model", &version, err);
    p_free(&p);
    free(points);
    if (!rc)
        m->version = version;
    return rc;
}

static int pg_model_insert(argo_store *st, argo_model_row *m, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, model_insert_once(s, m, err));
}

/* Reads row i; with points, decodes them (ARGO_ECORRUPT when malformed). */
static int read_model(const PGresult *r, int i, bool points, argo_model_row *m, argo_err *err)
{
    memset(m, 0, sizeof *m);
    m->version = gi(r, i, 0);
    snprintf(m->scope, sizeof m->scope, "%s", gs(r, i, 1));
    m->symbol_id = gi(r, i, 2);
    m->trained_through = gi(r, i, 3);
    m->window_from = gi(r, i, 4);
    m->window_to = gi(r, i, 5);
    m->samples = gi(r, i, 6);
    m->brier_raw = gm(r, i, 8);
    m->brier = gm(r, i, 9);
    m->log_loss_raw = gm(r, i, 10);
    m->log_loss = gm(r, i, 11);
    m->ece_raw = gm(r, i, 12);
    m->ece = gm(r, i, 13);
    m->created_at = gi(r, i, 14);
    m->base_version = gi(r, i, 15);
    m->base_weight = gd(r, i, 16);
    if (!points)
        return ARGO_OK;
    unsigned char *b;
    size_t bytes;
    int rc = get_bytes(r, i, 7, &b, &bytes, "reading a model", err);
    if (rc)
        return rc;
    if (bytes == 0 || bytes % 16) {
        free(b);
        return argo_err_set(err, ARGO_ECORRUPT, "calibration model %lld has malformed points",
                            (long long)m->version);
    }
    size_t n = bytes / 16;
    m->x = malloc(n * sizeof *m->x);
    m->y = malloc(n * sizeof *m->y);
    if (!m->x || !m->y) {
        free(b);
        argo_model_row_cleanup(m);
        return no_memory(err, "reading a model");
    }
    argo_store_points_get(b, n, m->x, m->y);
    m->n = n;
    free(b);
    return ARGO_OK;
}

static int model_get_once(pg_store *s, int64_t version, const char *scope, int64_t symbol_id,
                          argo_model_row *out, argo_err *err)
{
    PARAMS(p, 2, "reading a calibration model");
    const char *sql;
    if (version) {
        sql = "SELECT " MODEL_COLS " FROM calibration_models WHERE version = $1";
        p_i64(&p, version);
    } else {
        p_text(&p, scope);
        if (symbol_id)
            p_i64(&p, symbol_id);
        sql = symbol_id ? "SELECT " MODEL_COLS " FROM calibration_models"
                          " WHERE scope = $1 AND symbol_id = $2 ORDER BY version DESC LIMIT 1"
                        : "SELECT " MODEL_COLS " FROM calibration_models WHERE scope = $1"
                          " ORDER BY version DESC LIMIT 1";
    }
    PGresult *r;
    int rc = run(s, sql, &p, "reading a calibration model", &r, err);
    p_free(&p);
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = version ? argo_err_set(err, ARGO_ENOENT, "no calibration model version %lld",
                                    (long long)version)
                     : argo_err_set(err, ARGO_ENOENT, "no %s calibration model", scope);
    else
        rc = read_model(r, 0, true, out, err);
    PQclear(r);
    return rc;
}

static int pg_model_get(argo_store *st, int64_t version, const char *scope, int64_t symbol_id,
                        argo_model_row *out, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, model_get_once(s, version, scope, symbol_id, out, err));
}

typedef struct model_scan {
    argo_model_fn fn;
    void *ctx;
} model_scan;

static int each_model(pg_store *s, const PGresult *r, void *ctx, argo_err *err)
{
    (void)s;
    model_scan *c = ctx;
    argo_model_row m;
    read_model(r, 0, false, &m, err);
    return c->fn(c->ctx, &m);
}

static int pg_models_scan(argo_store *st, argo_model_fn fn, void *ctx, argo_err *err)
{
    pg_store *s = PG(st);
    model_scan c = {fn, ctx};
    RETRY(s, scan(s,
                  "SELECT version, scope, symbol_id, trained_through, window_from, window_to,"
                  " samples, NULL, brier_raw, brier, log_loss_raw, log_loss, ece_raw, ece,"
                  " created_at, base_version, base_weight FROM calibration_models ORDER BY version",
                  NULL, "listing calibration models", each_model, &c, err));
}

/* ---- remote objects ------------------------------------------------------ */

static int remote_put_once(pg_store *s, const argo_remote_object *o, argo_err *err)
{
    PARAMS(p, 10, "recording an uploaded object");
    p_text(&p, o->target);
    p_text(&p, o->key);
    p_i64(&p, o->day);
    p_i64(&p, o->bytes);
    p_text(&p, o->sha256);
    p_text(&p, o->etag);
    p_text(&p, o->storage_class);
    if (o->lock_mode[0]) {
        p_text(&p, o->lock_mode);
        p_i64(&p, o->lock_until);
    } else {
        p_null(&p);
        p_null(&p);
    }
    p_i64(&p, o->uploaded_at);
    int rc = run(s,
                 "INSERT INTO remote_objects(" REMOTE_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7,"
                 " $8, $9, $10) ON CONFLICT (target, key) DO UPDATE SET day = excluded.day,"
                 " bytes = excluded.bytes, sha256 = excluded.sha256, etag = excluded.etag,"
                 " storage_class = excluded.storage_class, lock_mode = excluded.lock_mode,"
                 " lock_until = excluded.lock_until, uploaded_at = excluded.uploaded_at",
                 &p, "recording an uploaded object", NULL, err);
    p_free(&p);
    return rc;
}

static int pg_remote_put(argo_store *st, const argo_remote_object *o, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, remote_put_once(s, o, err));
}

static void read_remote(const PGresult *r, argo_remote_object *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->target, sizeof o->target, "%s", gs(r, 0, 0));
    snprintf(o->key, sizeof o->key, "%s", gs(r, 0, 1));
    o->day = gi(r, 0, 2);
    o->bytes = gi(r, 0, 3);
    snprintf(o->sha256, sizeof o->sha256, "%s", gs(r, 0, 4));
    snprintf(o->etag, sizeof o->etag, "%s", gs(r, 0, 5));
    snprintf(o->storage_class, sizeof o->storage_class, "%s", gs(r, 0, 6));
    if (!PQgetisnull(r, 0, 7)) {
        snprintf(o->lock_mode, sizeof o->lock_mode, "%s", gs(r, 0, 7));
        o->lock_until = gi(r, 0, 8);
    }
    o->uploaded_at = gi(r, 0, 9);
}

static int remote_get_once(pg_store *s, const char *target, const char *key, argo_remote_object *o,
                           bool *found, argo_err *err)
{
    PARAMS(p, 2, "reading an uploaded object");
    p_text(&p, target);
    p_text(&p, key);
    PGresult *r;
    int rc = run(s, "SELECT " REMOTE_COLS " FROM remote_objects WHERE target = $1 AND key = $2", &p,
                 "reading an uploaded object", &r, err);
    p_free(&p);
    if (rc)
        return rc;
    *found = PQntuples(r) > 0;
    if (*found)
        read_remote(r, o);
    PQclear(r);
    return ARGO_OK;
}

static int pg_remote_get(argo_store *st, const char *target, const char *key, argo_remote_object *o,
                         bool *found, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, remote_get_once(s, target, key, o, found, err));
}

typedef struct remote_scan {
    argo_remote_fn fn;
    void *ctx;
} remote_scan;

static int each_remote(pg_store *s, const PGresult *r, void *ctx, argo_err *err)
{
    (void)s;
    (void)err;
    remote_scan *c = ctx;
    argo_remote_object o;
    read_remote(r, &o);
    return c->fn(c->ctx, &o);
}

static int remotes_scan_once(pg_store *s, const char *target, argo_remote_fn fn, void *ctx,
                             argo_err *err)
{
    PARAMS(p, 1, "listing uploaded objects");
    p_text(&p, target);
    remote_scan c = {fn, ctx};
    int rc = scan(s, "SELECT " REMOTE_COLS " FROM remote_objects WHERE target = $1 ORDER BY key",
                  &p, "listing uploaded objects", each_remote, &c, err);
    p_free(&p);
    return rc;
}

static int pg_remotes_scan(argo_store *st, const char *target, argo_remote_fn fn, void *ctx,
                           argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, remotes_scan_once(s, target, fn, ctx, err));
}

/* ---- market data from a provider ----------------------------------------- */

static int cache_get_once(pg_store *s, const char *key, argo_http_cache_row *out, bool *found,
                          argo_err *err)
{
    PARAMS(p, 1, "reading the HTTP cache");
    p_text(&p, key);
    PGresult *r;
    int rc = run(s, "SELECT key, etag, last_modified, stored_at FROM http_cache WHERE key = $1", &p,
                 "reading the HTTP cache", &r, err);
    p_free(&p);
    if (rc)
        return rc;
    *found = PQntuples(r) > 0;
    if (*found) {
        memset(out, 0, sizeof *out);
        snprintf(out->key, sizeof out->key, "%s", gs(r, 0, 0));
        snprintf(out->etag, sizeof out->etag, "%s", gs(r, 0, 1));
        snprintf(out->last_modified, sizeof out->last_modified, "%s", gs(r, 0, 2));
        out->stored_at = gi(r, 0, 3);
    }
    PQclear(r);
    return ARGO_OK;
}

static int pg_cache_get(argo_store *st, const char *key, argo_http_cache_row *out, bool *found,
                        argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, cache_get_once(s, key, out, found, err));
}

static int cache_put_once(pg_store *s, const argo_http_cache_row *row, argo_err *err)
{
    PARAMS(p, 4, "writing the HTTP cache");
    p_text(&p, row->key);
    p_text(&p, row->etag);
    p_text(&p, row->last_modified);
    p_i64(&p, row->stored_at);
    int rc = run(s,
                 "INSERT INTO http_cache(key, etag, last_modified, stored_at)"
                 " VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET etag = excluded.etag,"
                 " last_modified = excluded.last_modified, stored_at = excluded.stored_at",
                 &p, "writing the HTTP cache", NULL, err);
    p_free(&p);
    return rc;
}

static int pg_cache_put(argo_store *st, const argo_http_cache_row *r, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, cache_put_once(s, r, err));
}

static void p_bar_values(params *p, const argo_bar *b)
{
    p_f64(p, b->open);
    p_f64(p, b->high);
    p_f64(p, b->low);
    p_f64(p, b->close);
    p_f64(p, b->volume);
}

/* Two statements: the insert does nothing when the revision is recorded
 * already, and the lookup after it (a new snapshot under READ COMMITTED,
 * so it sees a revision another process committed while the insert
 * waited for it) finds the recorded one's id. */
static int correction_add_once(pg_store *s, argo_correction *c, bool *added, argo_err *err)
{
    const char *what = "recording a corrected bar";
    PARAMS(p, 14, what);
    p_i64(&p, c->symbol_id);
    p_i64(&p, c->ts);
    p_bar_values(&p, &c->revised);
    p_bar_values(&p, &c->stored);
    p_text(&p, c->source);
    p_i64(&p, c->seen_at);
    PGresult *r;
    /* $1 symbol, $2 ts, $3..$7 the revised bar, $8..$12 the stored one */
    int rc = run(s,
                 "INSERT INTO bar_corrections(symbol_id, ts, revised_open, revised_high,"
                 " revised_low, revised_close, revised_volume, stored_open, stored_high,"
                 " stored_low, stored_close, stored_volume, source, seen_at) VALUES ($1, $2, $3,"
                 " $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (symbol_id, ts,"
                 " revised_open, revised_high, revised_low, revised_close, revised_volume)"
                 " DO NOTHING RETURNING id",
                 &p, what, &r, err);
    if (!rc) {
        *added = PQntuples(r) > 0;
        if (*added)
            c->id = gi(r, 0, 0);
        PQclear(r);
    }
    if (!rc && !*added) {
        p.n = 7;
        rc = run(s,
                 "SELECT id FROM bar_corrections WHERE symbol_id = $1 AND ts = $2"
                 " AND revised_open = $3 AND revised_high = $4 AND revised_low = $5"
                 " AND revised_close = $6 AND revised_volume = $7",
                 &p, what, &r, err);
        if (!rc) {
            if (PQntuples(r) > 0)
                c->id = gi(r, 0, 0);
            else
                rc = argo_err_set(err, ARGO_ESTORE,
                                  "database %s: a corrected bar was neither recorded nor found",
                                  s->url);
            PQclear(r);
        }
    }
    p_free(&p);
    return rc;
}

static int pg_correction_add(argo_store *st, argo_correction *c, bool *added, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, correction_add_once(s, c, added, err));
}

static argo_bar bar_of_row(const PGresult *r, int first, int64_t ts)
{
    return (argo_bar){
        .ts = ts,
        .open = gd(r, 0, first),
        .high = gd(r, 0, first + 1),
        .low = gd(r, 0, first + 2),
        .close = gd(r, 0, first + 3),
        .volume = gd(r, 0, first + 4),
    };
}

typedef struct correction_scan {
    argo_correction_fn fn;
    void *ctx;
} correction_scan;

static int each_correction(pg_store *s, const PGresult *r, void *ctx, argo_err *err)
{
    (void)s;
    (void)err;
    correction_scan *cs = ctx;
    argo_correction c = {
        .id = gi(r, 0, 0), .symbol_id = gi(r, 0, 1), .ts = gi(r, 0, 2), .seen_at = gi(r, 0, 14)};
    c.stored = bar_of_row(r, 3, c.ts);
    c.revised = bar_of_row(r, 8, c.ts);
    snprintf(c.source, sizeof c.source, "%s", gs(r, 0, 13));
    return cs->fn(cs->ctx, &c);
}

static int corrections_scan_once(pg_store *s, int64_t after_id, argo_correction_fn fn, void *ctx,
                                 argo_err *err)
{
    PARAMS(p, 1, "listing corrected bars");
    p_i64(&p, after_id);
    correction_scan cs = {fn, ctx};
    int rc = scan(s, "SELECT " CORRECTION_COLS " FROM bar_corrections WHERE id > $1 ORDER BY id",
                  &p, "listing corrected bars", each_correction, &cs, err);
    p_free(&p);
    return rc;
}

static int pg_corrections_scan(argo_store *st, int64_t after_id, argo_correction_fn fn, void *ctx,
                               argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, corrections_scan_once(s, after_id, fn, ctx, err));
}

static int calls_add_once(pg_store *s, int64_t day, int64_t n, argo_err *err)
{
    PARAMS(p, 2, "counting provider calls");
    p_i64(&p, day);
    p_i64(&p, n);
    int rc = run(s,
                 "INSERT INTO fetch_calls(day, calls) VALUES ($1, $2) ON CONFLICT (day)"
                 " DO UPDATE SET calls = fetch_calls.calls + excluded.calls",
                 &p, "counting provider calls", NULL, err);
    p_free(&p);
    return rc;
}

static int pg_calls_add(argo_store *st, int64_t day, int64_t n, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, calls_add_once(s, day, n, err));
}

static int calls_get_once(pg_store *s, int64_t day, int64_t *n, argo_err *err)
{
    PARAMS(p, 1, "reading provider calls");
    p_i64(&p, day);
    int rc = one_int(s, "SELECT calls FROM fetch_calls WHERE day = $1", &p,
                     "reading provider calls", n, err);
    p_free(&p);
    return rc;
}

static int pg_calls_get(argo_store *st, int64_t day, int64_t *n, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, calls_get_once(s, day, n, err));
}

/* ---- the event log ------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The event log's lock comes first: a sequence hands out numbers at
 * INSERT time, not at commit, so without it a reader that has seen
 * seq N could later see a committed N-1 (its writer was slower to
 * commit) and a stream client resuming after N would miss it. Holding
 * the lock until commit makes numbers follow commit order across
 * processes. The NOTIFY (argo_events_SCHEMA, payload the seq) is sent
 * by the server at commit, and not at all on rollback; the log stays the
 * source of truth for a listener that missed one. */
static int event_append_once(pg_store *s, const argo_event *ev, int64_t *seq, argo_err *err)
{
    bool mine;
    int rc = tx_open(s, &mine, err);
    if (!rc)
        rc = xact_lock(s, "/#events", "", "logging an event", err);
    params p = {0};
    if (!rc && !p_init(&p, 6))
        rc = no_memory(err, "logging an event");
    if (!rc) {
        p_i64(&p, now_ms());
        p_text(&p, ev->channel);
        p_text(&p, ev->symbol);
        p_f64(&p, ev->confidence);
        p_i64(&p, ev->published);
        p_text(&p, ev->data);
        rc = one_int(s,
                     "INSERT INTO events(logged_at, channel, symbol, confidence, published, data)"
                     " VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
                     &p, "logging an event", seq, err);
    }
    if (!rc) {
        char channel[96], num[32];
        snprintf(channel, sizeof channel, "argo_events_%s", s->schema);
        snprintf(num, sizeof num, "%" PRId64, *seq);
        p.n = 0;
        p_text(&p, channel);
        p_text(&p, num);
        rc = run(s, "SELECT pg_notify($1, $2)", &p, "logging an event", NULL, err);
    }
    int end = tx_close(s, mine, rc == ARGO_OK, rc ? NULL : err);
    p_free(&p);
    return rc ? rc : end;
}

static int pg_event_append(argo_store *st, const argo_event *ev, int64_t *seq, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, event_append_once(s, ev, seq, err));
}

typedef struct event_scan {
    argo_event_fn fn;
    void *ctx;
} event_scan;

static int each_event(pg_store *s, const PGresult *r, void *ctx, argo_err *err)
{
    (void)s;
    (void)err;
    event_scan *c = ctx;
    argo_event ev = {
        .seq = gi(r, 0, 0),
        .logged_at = gi(r, 0, 1),
        .channel = gs(r, 0, 2),
        .symbol = gs(r, 0, 3),
        .confidence = gd(r, 0, 4),
        .published = gi(r, 0, 5) != 0,
        .data = gs(r, 0, 6),
    };
    return c->fn(c->ctx, &ev);
}

static int events_after_once(pg_store *s, int64_t after, size_t limit, argo_event_fn fn, void *ctx,
                             argo_err *err)
{
    PARAMS(p, 2, "reading the event log");
    p_i64(&p, after);
    if (limit == 0 || limit > (size_t)INT64_MAX)
        p_null(&p); /* LIMIT NULL: all */
    else
        p_i64(&p, (int64_t)limit);
    event_scan c = {fn, ctx};
    int rc = scan(s,
                  "SELECT seq, logged_at, channel, symbol, confidence, published, data"
                  " FROM events WHERE seq > $1 ORDER BY seq LIMIT $2::bigint",
                  &p, "reading the event log", each_event, &c, err);
    p_free(&p);
    return rc;
}

static int pg_events_after(argo_store *st, int64_t after, size_t limit, argo_event_fn fn, void *ctx,
                           argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, events_after_once(s, after, limit, fn, ctx, err));
}

static int pg_events_listen(argo_store *st, argo_err *err)
{
    pg_store *s = PG(st);
    if (s->txn)
        return argo_err_set(err, ARGO_EINVAL, "database %s: LISTEN inside a transaction", s->url);
    int rc = listen_now(s, err);
    if (rc == ARGO_ENET && reconnect(s) == ARGO_OK)
        rc = listen_now(s, err);
    s->listening = rc == ARGO_OK;
    return rc;
}

/* Waits on the connection's socket and wake_fd; a notification (or
 * several) read from the socket wakes the caller. A lost connection is
 * reset (and LISTENs again) before ARGO_ENET is returned, so the
 * caller's next read of the log works. */
static int pg_events_wait(argo_store *st, int wake_fd, int timeout_ms, bool *woken, argo_err *err)
{
    pg_store *s = PG(st);
    PGnotify *n;
    bool got = false;
    if (PQconsumeInput(s->c)) /* notifications that came with earlier results */
        while ((n = PQnotifies(s->c))) {
            got = true;
            PQfreemem(n);
        }
    if (got) {
        *woken = true;
        return ARGO_OK;
    }
    int sock = PQsocket(s->c);
    struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = wake_fd, .events = POLLIN}};
    int k = poll(p, 2, sock < 0 && wake_fd < 0 ? 0 : timeout_ms);
    if (k < 0 && errno != EINTR)
        return argo_err_set(err, ARGO_EIO, "database %s: waiting for events: %s", s->url,
                            strerror(errno));
    if (k > 0 && (p[1].revents & POLLIN))
        *woken = true;
    if (sock < 0 || (k > 0 && p[0].revents) || PQstatus(s->c) == CONNECTION_BAD) {
        if (sock < 0 || !PQconsumeInput(s->c) || PQstatus(s->c) == CONNECTION_BAD) {
            char line[256];
            first_line(PQerrorMessage(s->c), line, sizeof line);
            reconnect(s);
            return argo_err_set(err, ARGO_ENET,
                                "database %s: connection to the database lost while waiting for"
                                " events (%s)",
                                s->url, line);
        }
        while ((n = PQnotifies(s->c))) {
            *woken = true;
            PQfreemem(n);
        }
    }
    return ARGO_OK;
}

static int pg_event_last(argo_store *st, int64_t *seq, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, one_int(s, "SELECT max(seq) FROM events", NULL, "reading the event log", seq, err));
}

/* ---- API keys ------------------------------------------------------------ */

static int key_add_once(pg_store *s, argo_key_row *k, argo_err *err)
{
    PARAMS(p, 5, "storing an API key");
    int rc = ARGO_OK;
    if (k->name[0]) {
        int64_t dup = 0;
        p_text(&p, k->name);
        rc = one_int(s, "SELECT count(*) FROM api_keys WHERE name = $1", &p, "reading API keys",
                     &dup, err);
        if (!rc && dup)
            rc = argo_err_set(err, ARGO_ECONFLICT, "an API key named '%s' exists already", k->name);
        p.n = 0;
    }
    if (!rc) {
        p_text(&p, k->name);
        p_text(&p, k->role);
        p_bin(&p, k->hash, sizeof k->hash);
        p_text(&p, k->prefix);
        p_i64(&p, k->created_at);
        rc = one_int(s,
                     "INSERT INTO api_keys(name, role, hash, prefix, created_at)"
                     " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                     &p, "storing an API key", &k->id, err);
        if (rc == ARGO_ECONFLICT)
            rc = argo_err_set(err, ARGO_ECONFLICT, "an API key with the same %s exists already",
                              k->name[0] ? "name or hash" : "hash");
    }
    p_free(&p);
    return rc;
}

static int pg_key_add(argo_store *st, argo_key_row *k, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, key_add_once(s, k, err));
}

static int keys_once(pg_store *s, argo_key_row **out, size_t *n, argo_err *err)
{
    *out = NULL;
    *n = 0;
    PGresult *r;
    int rc = run(s,
                 "SELECT id, name, role, hash, prefix, created_at, revoked_at FROM api_keys"
                 " ORDER BY id",
                 NULL, "listing API keys", &r, err);
    if (rc)
        return rc;
    size_t k = (size_t)PQntuples(r);
    argo_key_row *v = calloc(k ? k : 1, sizeof *v);
    if (!v) {
        PQclear(r);
        return no_memory(err, "listing API keys");
    }
    for (size_t i = 0; i < k && !rc; i++) {
        argo_key_row *x = &v[i];
        int row = (int)i;
        x->id = gi(r, row, 0);
        snprintf(x->name, sizeof x->name, "%s", gs(r, row, 1));
        snprintf(x->role, sizeof x->role, "%s", gs(r, row, 2));
        unsigned char *h;
        size_t hl;
        rc = get_bytes(r, row, 3, &h, &hl, "listing API keys", err);
        if (!rc && hl == sizeof x->hash)
            memcpy(x->hash, h, sizeof x->hash);
        if (!rc)
            free(h);
        snprintf(x->prefix, sizeof x->prefix, "%s", gs(r, row, 4));
        x->created_at = gi(r, row, 5);
        x->revoked_at = gi(r, row, 6); /* NULL reads as 0 */
    }
    PQclear(r);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return ARGO_OK;
}

static int pg_keys(argo_store *st, argo_key_row **v, size_t *n, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, keys_once(s, v, n, err));
}

static int key_revoke_once(pg_store *s, int64_t id, int64_t when, argo_err *err)
{
    PARAMS(p, 2, "revoking an API key");
    p_i64(&p, id);
    p_i64(&p, when);
    int64_t exists = 0;
    /* one statement: the update, and whether the key exists at all */
    int rc = one_int(s,
                     "WITH u AS (UPDATE api_keys SET revoked_at = $2 WHERE id = $1"
                     " AND revoked_at IS NULL RETURNING id)"
                     " SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM api_keys"
                     " WHERE id = $1)",
                     &p, "revoking an API key", &exists, err);
    p_free(&p);
    if (rc)
        return rc;
    return exists ? ARGO_OK
                  : argo_err_set(err, ARGO_ENOENT, "no API key with id %lld", (long long)id);
}

static int pg_key_revoke(argo_store *st, int64_t id, int64_t when, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, key_revoke_once(s, id, when, err));
}

/* ---- signal pages -------------------------------------------------------- */

/* The filters of a page (store.h argo_signal_filter), each open when its
 * parameter says "any"; $1 the cursor, $8 the limit. */
#define PAGE_WHERE                                                                                 \
    " WHERE s.id > $1 AND s.ts >= $3 AND s.ts < $4"                                                \
    " AND ($5::bigint = -1 OR ($5::bigint = -2 AND s.status <> 0) OR s.status = $5::bigint)"       \
    " AND ($6::bigint = -1 OR s.published = $6::bigint) AND s.confidence >= $7::float8"

static int signals_page_once(pg_store *s, const argo_signal_filter *f, size_t limit,
                             argo_signal_fn fn, void *ctx, argo_err *err)
{
    PARAMS(p, 8, "reading signals");
    p_i64(&p, f->after_id);
    p_i64(&p, f->symbol_id);
    p_i64(&p, f->since);
    p_i64(&p, f->until);
    p_i64(&p, f->status);
    p_i64(&p, f->published);
    p_f64(&p, f->min_confidence);
    p_i64(&p, (int64_t)limit);
    sig_scan c = {fn, ctx};
    int rc = scan(s,
                  f->symbol_id ? "SELECT " SIGNAL_COLS SIGNAL_FROM PAGE_WHERE
                                 " AND s.symbol_id = $2 ORDER BY s.id LIMIT $8"
                               : "SELECT " SIGNAL_COLS SIGNAL_FROM PAGE_WHERE
                                 " AND $2::bigint = 0 ORDER BY s.id LIMIT $8",
                  &p, "reading signals", each_signal, &c, err);
    p_free(&p);
    return rc;
}

static int pg_signals_page(argo_store *st, const argo_signal_filter *f, size_t limit,
                           argo_signal_fn fn, void *ctx, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, signals_page_once(s, f, limit, fn, ctx, err));
}

static int copy_signal(void *ctx, const argo_signal *g)
{
    *(argo_signal *)ctx = *g;
    return 1;
}

static int signal_get_once(pg_store *s, int64_t id, argo_signal *out, argo_err *err)
{
    PARAMS(p, 1, "reading a signal");
    p_i64(&p, id);
    sig_scan c = {copy_signal, out};
    int rc = scan(s, "SELECT " SIGNAL_COLS SIGNAL_FROM " WHERE s.id = $1", &p, "reading a signal",
                  each_signal, &c, err);
    p_free(&p);
    if (rc == 1)
        return ARGO_OK;
    return rc ? rc : argo_err_set(err, ARGO_ENOENT, "no signal with id %lld", (long long)id);
}

static int pg_signal_get(argo_store *st, int64_t id, argo_signal *out, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, signal_get_once(s, id, out, err));
}

/* ---- holds ----------------------------------------------------------------
 * A session advisory lock on the hold's key, taken without waiting and
 * kept until released, the handle closed or the connection lost (the
 * server frees a dead client's locks when it notices the connection is
 * gone). The holder named in messages is the client process: each
 * connection's application_name is "argo pid N"; for a session that is
 * not argo's, the server's backend pid stands in for it. */

static char *hold_slot(pg_store *s, const char *name)
{
    for (int i = 0; i < PG_HOLDS; i++)
        if (!strcmp(s->holds[i], name))
            return s->holds[i];
    return NULL;
}

/* Whether a session other than this one holds key; *holder its pid. */
static int holder_of(pg_store *s, int64_t key, bool *held, long *holder, argo_err *err)
{
    *held = false;
    *holder = 0;
    uint64_t u;
    memcpy(&u, &key, sizeof u);
    PARAMS(p, 2, "looking for a hold");
    p_i64(&p, (int64_t)(u >> 32));
    p_i64(&p, (int64_t)(u & 0xffffffffu));
    PGresult *r;
    int rc =
        run(s,
            "SELECT a.application_name, l.pid FROM pg_locks l"
            " LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND l.pid <> pg_backend_pid()",
            &p, "looking for a hold", &r, err);
    p_free(&p);
    if (rc)
        return rc;
    if (PQntuples(r) > 0) {
        long pid = 0;
        *held = true;
        if (sscanf(gs(r, 0, 0), PG_APPLICATION " pid %ld", &pid) != 1 || pid <= 0)
            pid = (long)gi(r, 0, 1);
        *holder = pid;
    }
    PQclear(r);
    return ARGO_OK;
}

static int busy_hold(pg_store *s, const char *name, long holder, argo_err *err)
{
    if (holder)
        return argo_err_set(err, ARGO_EBUSY, "store %s is held (%s) by process %ld", s->url, name,
                            holder);
    return argo_err_set(err, ARGO_EBUSY, "store %s is held (%s) by another process", s->url, name);
}

static void pause_ms(int ms)
{
    nanosleep(&(struct timespec){0, (long)ms * 1000000}, NULL);
}

static int hold_once(pg_store *s, const char *name, long *holder, argo_err *err)
{
    int64_t key = lock_key(s, "/hold/", name);
    PARAMS(p, 1, "taking a hold");
    p_i64(&p, key);
    int rc = ARGO_OK;
    bool got = false;
    /* a moment's retry: a holder that just died is noticed by the server
     * an instant later */
    for (int k = 0; k < 25 && !rc && !got; k++) {
        PGresult *r;
        if (k)
            pause_ms(2);
        rc = run(s, "SELECT pg_try_advisory_lock($1::bigint)", &p, "taking a hold", &r, err);
        if (!rc) {
            got = !strcmp(gs(r, 0, 0), "t");
            PQclear(r);
        }
    }
    p_free(&p);
    if (rc)
        return rc;
    if (got) {
        snprintf(hold_slot(s, ""), ARGO_STORE_LOCK_NAME_MAX + 1, "%s", name);
        return ARGO_OK;
    }
    bool held;
    if ((rc = holder_of(s, key, &held, holder, err)))
        return rc;
    return busy_hold(s, name, *holder, err);
}

static int pg_hold(argo_store *st, const char *name, long *holder, argo_err *err)
{
    pg_store *s = PG(st);
    if (hold_slot(s, name))
        return busy_hold(s, name, (long)getpid(), err); /* this handle holds it already */
    if (!hold_slot(s, ""))
        return argo_err_set(err, ARGO_ELIMIT, "store %s: more than %d holds on one handle", s->url,
                            PG_HOLDS);
    RETRY(s, hold_once(s, name, holder, err));
}

static int held_once(pg_store *s, const char *name, bool *held, long *holder, argo_err *err)
{
    int64_t key = lock_key(s, "/hold/", name);
    int rc = ARGO_OK;
    for (int k = 0; k < 25 && !rc; k++) {
        if (k)
            pause_ms(2);
        rc = holder_of(s, key, held, holder, err);
        if (!*held)
            break;
    }
    if (!rc && *held && *holder == (long)getpid()) {
        *held = false; /* another handle of this process: not another process */
        *holder = 0;
    }
    return rc;
}

static int pg_held(argo_store *st, const char *name, bool *held, long *holder, argo_err *err)
{
    pg_store *s = PG(st);
    if (hold_slot(s, name))
        return ARGO_OK;
    RETRY(s, held_once(s, name, held, holder, err));
}

static void pg_release(argo_store *st, const char *name)
{
    pg_store *s = PG(st);
    char *h = hold_slot(s, name);
    if (!h || !name[0])
        return;
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%" PRId64 ")",
             lock_key(s, "/hold/", name));
    PQclear(PQexec(s->c, sql)); /* a lost connection released it already */
    h[0] = 0;
}

/* ---- rows (argo store copy) ---------------------------------------------- */

/* "c1", "c2", ... of t in buf. */
static void col_list(const argo_store_table *t, char *buf, size_t n)
{
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < t->ncols && at < n; i++)
        at += (size_t)snprintf(buf + at, n - at, "%s\"%s\"", i ? ", " : "", t->cols[i]);
}

typedef struct row_scan {
    const argo_store_table *t;
    argo_row_fn fn;
    void *ctx;
} row_scan;

#define PG_OID_BYTEA 17
#define PG_OID_INT8 20
#define PG_OID_INT2 21
#define PG_OID_INT4 23
#define PG_OID_FLOAT4 700
#define PG_OID_FLOAT8 701
#define ROW_COLS_MAX 32

static int each_row(pg_store *s, const PGresult *r, void *ctx, argo_err *err)
{
    (void)s;
    row_scan *c = ctx;
    argo_value v[ROW_COLS_MAX];
    unsigned char *blobs[ROW_COLS_MAX] = {0};
    int rc = ARGO_OK;
    for (size_t i = 0; i < c->t->ncols && !rc; i++) {
        int col = (int)i;
        Oid type = PQftype(r, col);
        v[i] = (argo_value){.type = ARGO_V_NULL};
        if (PQgetisnull(r, 0, col))
            continue;
        if (type == PG_OID_INT8 || type == PG_OID_INT4 || type == PG_OID_INT2)
            v[i] = (argo_value){.type = ARGO_V_INT, .i = gi(r, 0, col)};
        else if (type == PG_OID_FLOAT8 || type == PG_OID_FLOAT4)
            v[i] = (argo_value){.type = ARGO_V_REAL, .r = gd(r, 0, col)};
        else if (type == PG_OID_BYTEA) {
            size_t len;
            rc = get_bytes(r, 0, col, &blobs[i], &len, "reading rows", err);
            v[i] = (argo_value){.type = ARGO_V_BLOB, .p = blobs[i], .len = len};
        } else
            v[i] = (argo_value){.type = ARGO_V_TEXT,
                                .p = PQgetvalue(r, 0, col),
                                .len = (size_t)PQgetlength(r, 0, col)};
    }
    if (!rc)
        rc = c->fn(c->ctx, v);
    for (size_t i = 0; i < c->t->ncols; i++)
        free(blobs[i]);
    return rc;
}

static int rows_scan_once(pg_store *s, const argo_store_table *t, argo_row_fn fn, void *ctx,
                          argo_err *err)
{
    assert(t->ncols <= ROW_COLS_MAX);
    char cols[1024], sql[1400];
    col_list(t, cols, sizeof cols);
    /* the order's texts are COLLATE "C" columns: byte order, as SQLite's */
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s", cols, t->name, t->order);
    row_scan c = {t, fn, ctx};
    return scan(s, sql, NULL, "reading rows", each_row, &c, err);
}

static int pg_rows_scan(argo_store *st, const argo_store_table *t, argo_row_fn fn, void *ctx,
                        argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, rows_scan_once(s, t, fn, ctx, err));
}

static int rows_count_once(pg_store *s, const argo_store_table *t, int64_t *n, argo_err *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", t->name);
    return one_int(s, sql, NULL, "counting rows", n, err);
}

static int pg_rows_count(argo_store *st, const argo_store_table *t, int64_t *n, argo_err *err)
{
    pg_store *s = PG(st);
    RETRY(s, rows_count_once(s, t, n, err));
}

typedef struct put_rows {
    const argo_store_table *t;
    const argo_value *rows;
    size_t ts_col;
} put_rows;

static int64_t put_row_ts(const void *ctx, size_t i)
{
    const put_rows *p = ctx;
    return p->rows[i * p->t->ncols + p->ts_col].i;
}

static void bind_value(params *p, const void *ctx, size_t i)
{
    const put_rows *pr = ctx;
    for (size_t c = 0; c < pr->t->ncols; c++) {
        const argo_value *v = &pr->rows[i * pr->t->ncols + c];
        switch (v->type) {
        case ARGO_V_INT:
            p_i64(p, v->i);
            break;
        case ARGO_V_REAL:
            p_f64(p, v->r);
            break;
        case ARGO_V_TEXT: /* binary format: the bytes as they are, no terminator needed */
        case ARGO_V_BLOB:
            p_bin(p, v->p, v->len);
            break;
        default:
            p_null(p);
        }
    }
}

/* The column numbered by a sequence in each table that has one. */
static const char *serial_of(const char *table)
{
    static const char *const serial[][2] = {{"symbols", "id"},  {"calibration_models", "version"},
                                            {"signals", "id"},  {"events", "seq"},
                                            {"api_keys", "id"}, {"bar_corrections", "id"}};
    for (size_t i = 0; i < sizeof serial / sizeof serial[0]; i++)
        if (!strcmp(serial[i][0], table))
            return serial[i][1];
    return NULL;
}

/* The value type column col of table holds (NULL aside): the schema
 * above, column by column. */
static argo_value_type column_type(const char *table, const char *col)
{
    static const char *const text[] = {"symbols.name",
                                       "calibration_models.scope",
                                       "remote_objects.target",
                                       "remote_objects.key",
                                       "remote_objects.sha256",
                                       "remote_objects.etag",
                                       "remote_objects.storage_class",
                                       "remote_objects.lock_mode",
                                       "events.channel",
                                       "events.symbol",
                                       "events.data",
                                       "api_keys.name",
                                       "api_keys.role",
                                       "api_keys.prefix",
                                       "http_cache.key",
                                       "http_cache.etag",
                                       "http_cache.last_modified",
                                       "bar_corrections.source"};
    static const char *const blob[] = {"calibration_models.points", "strategy_state.state",
                                       "api_keys.hash"};
    static const char *const real[] = {"bars.open",
                                       "bars.high",
                                       "bars.low",
                                       "bars.close",
                                       "bars.volume",
                                       "calibration_models.brier_raw",
                                       "calibration_models.brier",
                                       "calibration_models.log_loss_raw",
                                       "calibration_models.log_loss",
                                       "calibration_models.ece_raw",
                                       "calibration_models.ece",
                                       "calibration_models.base_weight",
                                       "signals.entry",
                                       "signals.target",
                                       "signals.stop",
                                       "signals.raw_confidence",
                                       "signals.confidence",
                                       "signals.v_trend",
                                       "signals.v_meanrev",
                                       "signals.v_macd",
                                       "signals.v_breakout",
                                       "signals.exit_price",
                                       "signals.pnl_pct",
                                       "signals.mfe_pct",
                                       "signals.mae_pct",
                                       "events.confidence",
                                       "bar_corrections.stored_open",
                                       "bar_corrections.stored_high",
                                       "bar_corrections.stored_low",
                                       "bar_corrections.stored_close",
                                       "bar_corrections.stored_volume",
                                       "bar_corrections.revised_open",
                                       "bar_corrections.revised_high",
                                       "bar_corrections.revised_low",
                                       "bar_corrections.revised_close",
                                       "bar_corrections.revised_volume"};
    char name[128];
    snprintf(name, sizeof name, "%s.%s", table, col);
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        if (!strcmp(text[i], name))
            return ARGO_V_TEXT;
    for (size_t i = 0; i < sizeof blob / sizeof blob[0]; i++)
        if (!strcmp(blob[i], name))
            return ARGO_V_BLOB;
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++)
        if (!strcmp(real[i], name))
            return ARGO_V_REAL;
    return ARGO_V_INT;
}

static int pg_rows_put(argo_store *st, const argo_store_table *t, const argo_value *rows,
                       size_t nrows, argo_err *err)
{
    pg_store *s = PG(st);
    assert(s->txn);
    /* each value of its column's type: sent in binary, a wrong one would
     * be read as another (eight bytes of text as an integer) */
    static const char *const kind[] = {"NULL", "an integer", "a real", "a text", "a blob"};
    for (size_t c = 0; c < t->ncols; c++) {
        argo_value_type want = column_type(t->name, t->cols[c]);
        for (size_t i = 0; i < nrows; i++) {
            argo_value_type got = rows[i * t->ncols + c].type;
            if (got != ARGO_V_NULL && got != want)
                return argo_err_set(err, ARGO_EDATA,
                                    "database %s: row %zu of %s: %s.%s holds %s, not %s", s->url, i,
                                    t->name, t->name, t->cols[c], kind[want], kind[got]);
        }
    }
    put_rows pr = {t, rows, t->ncols};
    for (size_t c = 0; c < t->ncols; c++)
        if (!strcmp(t->cols[c], "ts"))
            pr.ts_col = c;
    int table = !strcmp(t->name, "bars") ? 0 : !strcmp(t->name, "signals") ? 1 : -1;
    for (size_t i = 0; table >= 0 && i < nrows; i++)
        if (rows[i * t->ncols + pr.ts_col].type != ARGO_V_INT)
            return argo_err_set(err, ARGO_EDATA, "database %s: row %zu of %s has no integer ts",
                                s->url, i, t->name);
    for (size_t i = 0; i < nrows * t->ncols; i++)
        if ((rows[i].type == ARGO_V_TEXT || rows[i].type == ARGO_V_BLOB) && rows[i].len > INT_MAX)
            return argo_err_set(err, ARGO_EDATA, "database %s: a value of %s is too long", s->url,
                                t->name);
    int rc = table >= 0 ? ensure_months(s, table, nrows, put_row_ts, &pr, err) : ARGO_OK;
    char cols[1024], head[1200];
    col_list(t, cols, sizeof cols);
    snprintf(head, sizeof head, "INSERT INTO %s(%s) VALUES ", t->name, cols);
    if (!rc) {
        /* a batch of at most about 30000 parameters */
        size_t rows_per = 30000 / t->ncols;
        for (size_t at = 0; at < nrows && !rc; at += rows_per) {
            size_t k = nrows - at < rows_per ? nrows - at : rows_per;
            put_rows part = {t, rows + at * t->ncols, pr.ts_col};
            rc = insert_batches(s, head, (int)t->ncols, k, bind_value, &part, "loading rows", err);
        }
    }
    /* bars loaded: their symbols' spans (rows in key order: a run per symbol) */
    for (size_t i = 0; table == 0 && !rc && i < nrows;) {
        int64_t sym = rows[i * t->ncols].i, lo = put_row_ts(&pr, i), hi = lo;
        for (; i < nrows && rows[i * t->ncols].i == sym; i++) {
            int64_t ts = put_row_ts(&pr, i);
            lo = ts < lo ? ts : lo;
            hi = ts > hi ? ts : hi;
        }
        rc = symbol_span(s, sym, lo, hi, err);
    }
    const char *serial = serial_of(t->name);
    if (!rc && serial) {
        /* new ids continue above the largest stored one, and never below
         * a number the sequence gave already */
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT setval('%s_%s_seq', GREATEST((SELECT COALESCE(max(%s), 0) + 1 FROM %s),"
                 " (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END"
                 " FROM %s_%s_seq)), false)",
                 t->name, serial, serial, t->name, t->name, serial);
        rc = run_simple(s, sql, "loading rows", err);
    }
    return rc;
}

static int pg_rows_clear(argo_store *st, argo_err *err)
{
    pg_store *s = PG(st);
    assert(s->txn);
    return run_simple(s,
                      "TRUNCATE symbols, bars, calibration_models, signals, strategy_state,"
                      " remote_objects, suppressed_signals, events, api_keys, http_cache,"
                      " bar_corrections, fetch_calls",
                      "clearing the store", err);
}

/* ---- aggregates: materialized views (pg_views.c) ------------------------ */

static int pg_outcome_cells(argo_store *st, argo_agg_by by, const argo_agg_filter *f,
                            argo_cell_fn fn, void *ctx, argo_err *err)
{
    return argo_pg_views_cells(PG(st)->c, PG(st)->url, by, f, fn, ctx, err);
}

static int pg_trading_days(argo_store *st, int64_t **days, size_t *n, argo_err *err)
{
    return argo_pg_views_trading_days(PG(st)->c, PG(st)->url, days, n, err);
}

static int pg_refresh_aggregates(argo_store *st, argo_err *err)
{
    return argo_pg_views_refresh(PG(st)->c, PG(st)->url, PG(st)->busy_ms, err);
}

static const argo_store_ops pg_ops = {
    .name = "postgresql",
    .concurrent = true,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .lock = pg_lock,
    .symbol_id = pg_symbol_id,
    .symbols = pg_symbols,
    .bars_put = pg_bars_put,
    .bars_scan = pg_bars_scan,
    .bars_scan_all = pg_bars_scan_all,
    .bars_scan_window = pg_bars_scan_window,
    .bars_count = pg_bars_count,
    .signals_insert = pg_signals_insert,
    .signals_update = pg_signals_update,
    .signals_scan = pg_signals_scan,
    .signal_days = pg_signal_days,
    .resolved_scan = pg_resolved_scan,
    .signals_reset = pg_signals_reset,
    .state_get = pg_state_get,
    .state_put = pg_state_put,
    .model_insert = pg_model_insert,
    .model_get = pg_model_get,
    .models_scan = pg_models_scan,
    .remote_put = pg_remote_put,
    .remote_get = pg_remote_get,
    .remotes_scan = pg_remotes_scan,
    .outcome_counts = pg_outcome_counts,
    .outcomes_scan = pg_outcomes_scan,
    .cache_get = pg_cache_get,
    .cache_put = pg_cache_put,
    .correction_add = pg_correction_add,
    .corrections_scan = pg_corrections_scan,
    .calls_add = pg_calls_add,
    .calls_get = pg_calls_get,
    .suppressed_add = pg_suppressed_add,
    .suppressed_counts = pg_suppressed_counts,
    .event_append = pg_event_append,
    .events_after = pg_events_after,
    .event_last = pg_event_last,
    .events_listen = pg_events_listen,
    .events_wait = pg_events_wait,
    .key_add = pg_key_add,
    .keys = pg_keys,
    .key_revoke = pg_key_revoke,
    .signals_page = pg_signals_page,
    .signal_get = pg_signal_get,
    .hold = pg_hold,
    .held = pg_held,
    .release = pg_release,
    .rows_scan = pg_rows_scan,
    .rows_count = pg_rows_count,
    .rows_put = pg_rows_put,
    .rows_clear = pg_rows_clear,
    .outcome_cells = pg_outcome_cells,
    .trading_days = pg_trading_days,
    .refresh_aggregates = pg_refresh_aggregates,
};

/* ---- opening: the URL, the schema, migrations ---------------------------- */

/* Splits argo's schema=NAME off url: *conninfo gets the rest (a new
 * string), schema the name ("argo" when absent). */
static int split_url(const char *url, const char *masked, char **conninfo, char *schema,
                     argo_err *err)
{
    *conninfo = NULL;
    snprintf(schema, PG_SCHEMA_MAX + 1, "argo");
    size_t n = strlen(url);
    char *out = malloc(n + 1);
    if (!out)
        return no_memory(err, "opening the database");
    const char *q = strchr(url, '?');
    size_t base = q ? (size_t)(q - url) : n;
    memcpy(out, url, base);
    size_t at = base;
    int seen = 0;
    for (const char *p = q ? q + 1 : NULL; p && *p;) {
        size_t len = strcspn(p, "&");
        if (len > 7 && !strncmp(p, "schema=", 7)) {
            size_t k = len - 7;
            bool ok = k > 0 && k <= PG_SCHEMA_MAX && ++seen == 1;
            for (size_t i = 0; ok && i < k; i++)
                ok = isalnum((unsigned char)p[7 + i]) || p[7 + i] == '_';
            if (!ok) {
                free(out);
                return argo_err_set(err, ARGO_EINVAL,
                                    "database %s: schema= must be given once, as 1 to %d"
                                    " letters, digits or _",
                                    masked, PG_SCHEMA_MAX);
            }
            memcpy(schema, p + 7, k);
            schema[k] = 0;
        } else if (len == 7 && !strncmp(p, "schema=", 7)) {
            free(out);
            return argo_err_set(err, ARGO_EINVAL, "database %s: schema= names no schema", masked);
        } else if (len > 0) {
            out[at] = at == base ? '?' : '&';
            at++;
            memcpy(out + at, p, len);
            at += len;
        }
        p += len + (p[len] == '&');
    }
    out[at] = 0;
    *conninfo = out;
    return ARGO_OK;
}

typedef struct schema_state {
    bool exists;  /* the schema */
    int64_t rels; /* tables, views... in it */
    bool meta;    /* argo_meta is one of them */
    bool argo;    /* argo_meta says "argo" */
    int64_t version;
} schema_state;

static int schema_read(pg_store *s, schema_state *ss, argo_err *err)
{
    *ss = (schema_state){0};
    PARAMS(p, 1, "reading the schema version");
    p_text(&p, s->schema);
    PGresult *r;
    int rc = run(s,
                 "SELECT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = $1),"
                 " (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                 " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')),"
                 " EXISTS(SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                 " WHERE n.nspname = $1 AND c.relname = 'argo_meta')",
                 &p, "reading the schema version", &r, err);
    p_free(&p);
    if (rc)
        return rc;
    ss->exists = !strcmp(gs(r, 0, 0), "t");
    ss->rels = gi(r, 0, 1);
    ss->meta = !strcmp(gs(r, 0, 2), "t");
    PQclear(r);
    if (!ss->meta) {
        if (ss->rels > 0)
            return argo_err_set(err, ARGO_ECORRUPT,
                                "database %s: schema %s holds tables that are not argo's", s->url,
                                s->schema);
        return ARGO_OK;
    }
    if ((rc = run(s, "SELECT key, value FROM argo_meta", NULL, "reading the schema version", &r,
                  err)))
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        if (!strcmp(gs(r, i, 0), "application"))
            ss->argo = !strcmp(gs(r, i, 1), PG_APPLICATION);
        else if (!strcmp(gs(r, i, 0), "schema_version"))
            ss->version = strtoll(gs(r, i, 1), NULL, 10);
    }
    PQclear(r);
    if (!ss->argo)
        return argo_err_set(err, ARGO_ECORRUPT,
                            "database %s: schema %s is not argo's (argo_meta names another"
                            " application)",
                            s->url, s->schema);
    if (ss->version > SCHEMA_VERSION)
        return argo_err_set(err, ARGO_EVERSION,
                            "database %s: schema %s has version %lld; this argo knows up to %d",
                            s->url, s->schema, (long long)ss->version, SCHEMA_VERSION);
    return ARGO_OK;
}

/* pg_partman, when the server has it and this role may install it:
 * bars and signals are registered with it (native, epoch seconds,
 * monthly), so partman.run_maintenance() makes future months and can
 * detach old ones by retention. In a savepoint: without partman argo
 * goes on and makes every month itself. */
static void partman_register(pg_store *s)
{
    PQclear(PQexec(s->c, "SAVEPOINT argo_partman"));
    if (PQtransactionStatus(s->c) != PQTRANS_INTRANS)
        return;
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%" PRId64 ")",
             lock_key(NULL, "/#partman", ""));
    PGresult *r = NULL;
    bool ok = run_simple(s, sql, "registering with pg_partman", NULL) == ARGO_OK &&
              run_simple(s,
                         "CREATE SCHEMA IF NOT EXISTS partman;"
                         " CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman",
                         "registering with pg_partman", NULL) == ARGO_OK &&
              run(s,
                  "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
                  " ON n.oid = e.extnamespace WHERE e.extname = 'pg_partman'",
                  NULL, "registering with pg_partman", &r, NULL) == ARGO_OK &&
              PQntuples(r) == 1;
    for (size_t t = 0; ok && t < 2; t++) {
        snprintf(sql, sizeof sql,
                 "SELECT \"%s\".create_parent(p_parent_table := '%s.%s', p_control := 'ts',"
                 " p_type := 'native', p_interval := 'monthly', p_epoch := 'seconds',"
                 " p_premake := 4, p_jobmon := false)",
                 gs(r, 0, 0), s->schema, part_tables[t]);
        ok = run_simple(s, sql, "registering with pg_partman", NULL) == ARGO_OK;
    }
    PQclear(r);
    PQclear(
        PQexec(s->c, ok ? "RELEASE SAVEPOINT argo_partman"
                        : "ROLLBACK TO SAVEPOINT argo_partman; RELEASE SAVEPOINT argo_partman"));
}

/* Migrates the schema to SCHEMA_VERSION in one transaction, under an
 * advisory lock of the schema's (two processes opening a fresh database
 * at once: the second waits, then finds it current). */
static int migrate(pg_store *s, bool must_exist, argo_err *err)
{
    int rc = run_simple(s, "BEGIN", "opening", err);
    if (rc)
        return rc;
    schema_state ss;
    if ((rc = xact_lock(s, "/#migrate", "", "migrating the schema", err)) ||
        (rc = schema_read(s, &ss, err)))
        goto out;
    if (must_exist && !ss.meta) {
        rc = argo_err_set(err, ARGO_ENOENT,
                          "database %s: schema %s does not exist (ingest bars first)", s->url,
                          s->schema);
        goto out;
    }
    if (ss.version == SCHEMA_VERSION)
        return run_simple(s, "COMMIT", "opening", err);
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS \"%s\"", s->schema);
    if ((rc = run_simple(s, sql, "creating the schema", err)))
        goto out;
    if (!ss.meta &&
        (rc = run_simple(s,
                         "CREATE TABLE argo_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                         " INSERT INTO argo_meta VALUES ('application', '" PG_APPLICATION "'),"
                         " ('schema_version', '0')",
                         "creating the schema", err)))
        goto out;
    for (int64_t v = ss.version; v < SCHEMA_VERSION; v++)
        if ((rc = migrations[v] ? run_simple(s, migrations[v], "migrating the schema", err)
                                : argo_pg_views_create(s->c, s->url, err)))
            goto out;
    snprintf(sql, sizeof sql, "UPDATE argo_meta SET value = '%d' WHERE key = 'schema_version'",
             SCHEMA_VERSION);
    if ((rc = run_simple(s, sql, "migrating the schema", err)))
        goto out;
    if (ss.version == 0)
        partman_register(s);
    return run_simple(s, "COMMIT", "migrating the schema", err);
out:
    quiet_rollback(s);
    return rc;
}

/* A read-only handle: the schema must be current (nothing is migrated). */
static int check_read_only(pg_store *s, argo_err *err)
{
    schema_state ss;
    int rc = schema_read(s, &ss, err);
    if (rc)
        return rc;
    if (!ss.meta)
        return argo_err_set(err, ARGO_ENOENT,
                            "database %s: schema %s is empty: no bars or signals to read yet",
                            s->url, s->schema);
    if (ss.version < SCHEMA_VERSION)
        return argo_err_set(err, ARGO_EVERSION,
                            "database %s: schema %s has version %lld and needs a migration to %d,"
                            " which a read-only command does not do (run argo track once)",
                            s->url, s->schema, (long long)ss.version, SCHEMA_VERSION);
    return ARGO_OK;
}

/* The partitions of this month and the next, made ahead of the data. */
static int months_ahead(pg_store *s, argo_err *err)
{
    bool mine;
    int rc = tx_open(s, &mine, err);
    int64_t now = (int64_t)time(NULL);
    month mo;
    month_of(now, &mo);
    for (int t = 0; t < 2 && !rc; t++)
        if (!(rc = ensure_month(s, t, now, err)))
            rc = ensure_month(s, t, mo.to, err);
    int end = tx_close(s, mine, rc == ARGO_OK, rc ? NULL : err);
    return rc ? rc : end;
}

int argo_store_pg_open(const char *url, const argo_store_options *opt, argo_store **out,
                       argo_err *err)
{
    *out = NULL;
    char masked[512];
    argo_store_url_masked(url, masked, sizeof masked);
    if (strlen(url) >= PG_URL_MAX)
        return argo_err_set(err, ARGO_EINVAL, "database URL is longer than %d bytes", PG_URL_MAX);
    pg_store *s = calloc(1, sizeof *s);
    if (!s)
        return no_memory(err, "opening the database");
    s->base.ops = &pg_ops;
    snprintf(s->url, sizeof s->url, "%s", masked);
    s->busy_ms =
        !opt || opt->busy_timeout_ms < 0 ? ARGO_STORE_BUSY_DEFAULT_MS : opt->busy_timeout_ms;
    s->read_only = opt && opt->read_only;
    int rc = split_url(url, masked, &s->conninfo, s->schema, err);
    if (rc) {
        free(s);
        return rc;
    }
    /* the URL's own settings win over connect_timeout (before it) and
     * lose to application_name (after it), which names this process for
     * the messages about holds */
    char app[64];
    snprintf(app, sizeof app, PG_APPLICATION " pid %ld", (long)getpid());
    const char *const keys[] = {"connect_timeout", "dbname", "application_name", NULL};
    const char *const vals[] = {"10", s->conninfo, app, NULL};
    s->c = PQconnectdbParams(keys, vals, 1);
    if (!s->c) {
        pg_close(&s->base);
        return no_memory(err, "opening the database");
    }
    if (PQstatus(s->c) != CONNECTION_OK) {
        char line[256];
        first_line(PQerrorMessage(s->c), line, sizeof line);
        rc = argo_err_set(err, ARGO_ENET, "database %s: cannot connect: %s", s->url, line);
        pg_close(&s->base);
        return rc;
    }
    PQsetNoticeProcessor(s->c, quiet, NULL);
    if (!(rc = setup(s, err)))
        rc = s->read_only ? check_read_only(s, err) : migrate(s, opt && opt->must_exist, err);
    if (!rc && !s->read_only)
        rc = months_ahead(s, err);
    if (rc) {
        pg_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return ARGO_OK;
}
