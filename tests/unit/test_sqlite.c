/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_sqlite.c - what only the SQLite backend promises: the
 * file (schema version, WAL, application id, damaged or foreign files,
 * rows edited outside argo), its locks seen from sqlite3 itself, readers
 * beside a writer, read-only handles, "sqlite:" URLs and the schema
 * migrations. These tests may use sqlite3 directly; the backend-neutral
 * contract is tests/unit/test_store.c.
 */
#include "helpers.h"

#include "store/store.h"

#include <sqlite3.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int user_version(const char *p)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    sqlite3_open(p, &db);
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL);
    int v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

/* The schema as argo wrote it before model points became a BLOB
 * (versions 1 to 4, copied from store/sqlite.c's shipped migrations). */
static const char *const old_schema[] = {
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
    /* 1 -> 2 */
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
    /* 2 -> 3 */
    "CREATE TABLE remote_objects(target TEXT NOT NULL, key TEXT NOT NULL,"
    " day INTEGER NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, etag TEXT NOT NULL,"
    " storage_class TEXT NOT NULL, lock_mode TEXT, lock_until INTEGER,"
    " uploaded_at INTEGER NOT NULL, PRIMARY KEY(target, key)) WITHOUT ROWID;",
    /* 3 -> 4 */
    ("CREATE TABLE suppressed_signals(symbol_id INTEGER NOT NULL REFERENCES symbols(id),"
     " day INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(symbol_id, day)) WITHOUT ROWID;"),
};
#define CURRENT_VERSION 7 /* store/sqlite.c's SCHEMA_VERSION */

/* A new store at old schema version (1 to 4), written by sqlite3 as the
 * argo of that version would have; the handle is left open (closed by
 * the caller). */
static sqlite3 *old_store(const char *path, int version)
{
    th_rm_db(path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL; BEGIN", NULL, NULL, NULL),
                     SQLITE_OK);
    for (int v = 0; v < version; v++)
        assert_int_equal(sqlite3_exec(db, old_schema[v], NULL, NULL, NULL), SQLITE_OK);
    char set[96];
    snprintf(set, sizeof set, "PRAGMA user_version = %d; PRAGMA application_id = %d; COMMIT",
             version, 0x4152474F);
    assert_int_equal(sqlite3_exec(db, set, NULL, NULL, NULL), SQLITE_OK);
    return db;
}

static argo_store *fresh(const char *name)
{
    char p[512];
    th_tmpfile(name, p, sizeof p);
    th_rm_db(p);
    argo_store *st;
    argo_err e;
    if (argo_store_open(p, NULL, &st, &e))
        fail_msg("%s", e.msg);
    return st;
}

static int count_bar(void *ctx, int64_t sym, const argo_bar *b)
{
    (void)sym;
    (void)b;
    (*(int *)ctx)++;
    return 0;
}

static int count_signal(void *ctx, const argo_signal *g)
{
    (void)g;
    (*(int *)ctx)++;
    return 0;
}

static void a_new_store_is_migrated_and_marked_as_argo(void **state)
{
    (void)state;
    argo_store_close(fresh("new.db"));
    char p[512];
    sqlite3 *db;
    assert_int_equal(sqlite3_open(th_tmpfile("new.db", p, sizeof p), &db), SQLITE_OK);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), CURRENT_VERSION);
    sqlite3_finalize(q);
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);
    /* reopening keeps it */
    argo_store *st;
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    argo_store_close(st);
}

static void foreign_and_damaged_files_are_refused(void **state)
{
    (void)state;
    char p[512];
    argo_store *st;
    argo_err e;
    th_tmpfile("foreign.db", p, sizeof p);
    th_rm_db(p);
    sqlite3 *db;
    sqlite3_open(p, &db);
    sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(argo_store_open(p, NULL, &st, &e), ARGO_ECORRUPT);
    assert_null(st);
    assert_non_null(strstr(e.msg, "not an argo database"));

    th_tmpfile("garbage.db", p, sizeof p);
    th_rm_db(p);
    th_write(p, "this is not a database, it is a text file that is long enough to matter "
                "for sqlite's header check...............................................");
    assert_int_equal(argo_store_open(p, NULL, &st, &e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, p));

    assert_int_equal(argo_store_open("/nonexistent/dir/x.db", NULL, &st, &e), ARGO_EIO);
}

static void a_newer_schema_is_refused(void **state)
{
    (void)state;
    argo_store_close(fresh("newer.db"));
    char p[512];
    sqlite3 *db;
    sqlite3_open(th_tmpfile("newer.db", p, sizeof p), &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    sqlite3_close(db);
    argo_store *st;
    argo_err e;
    assert_int_equal(argo_store_open(p, NULL, &st, &e), ARGO_EVERSION);
    assert_non_null(strstr(e.msg, "99"));
}

static void a_locked_database_reports_busy(void **state)
{
    (void)state;
    argo_store_close(fresh("locked.db"));
    char p[512];
    th_tmpfile("locked.db", p, sizeof p);
    sqlite3 *other;
    sqlite3_open(p, &other);
    assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    argo_store *st;
    argo_err e;
    argo_store_options opt = {.busy_timeout_ms = 50};
    int rc = argo_store_open(p, &opt, &st, &e);
    if (rc == 0) { /* WAL lets readers in; a write must wait and fail */
        rc = argo_store_begin(st, &e);
        argo_store_close(st);
    }
    assert_int_equal(rc, ARGO_EBUSY);
    assert_non_null(strstr(e.msg, "locked"));
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(other);
}

static void a_read_only_store_is_never_created_nor_migrated(void **state)
{
    (void)state;
    char p[512];
    argo_store *st;
    argo_err e;
    argo_store_options ro = {.busy_timeout_ms = -1, .read_only = true};
    th_tmpfile("ro-missing.db", p, sizeof p);
    th_rm_db(p);
    assert_int_equal(argo_store_open(p, &ro, &st, &e), ARGO_ENOENT);
    assert_null(st);
    assert_non_null(strstr(e.msg, "does not exist"));
    struct stat sb;
    assert_int_not_equal(stat(p, &sb), 0); /* not created */

    assert_int_equal(argo_store_open(th_tmpdir(), &ro, &st, &e), ARGO_EIO);
    assert_non_null(strstr(e.msg, "directory"));
    assert_int_equal(argo_store_open(th_tmpdir(), NULL, &st, &e), ARGO_EIO);

    th_tmpfile("ro-empty.db", p, sizeof p);
    th_rm_db(p);
    th_write(p, "");
    assert_int_equal(argo_store_open(p, &ro, &st, &e), ARGO_ENOENT);
    assert_non_null(strstr(e.msg, "empty"));
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, 0);

    /* an older schema: a read-only open refuses it and changes nothing */
    th_tmpfile("ro-old.db", p, sizeof p);
    sqlite3_close(old_store(p, 3));
    assert_int_equal(argo_store_open(p, &ro, &st, &e), ARGO_EVERSION);
    assert_non_null(strstr(e.msg, "migration"));
    assert_int_equal(user_version(p), 3);
    /* a read-write open migrates it; then read-only works and cannot write */
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    argo_store_close(st);
    assert_int_equal(user_version(p), CURRENT_VERSION);
    assert_int_equal(argo_store_open(p, &ro, &st, &e), 0);
    assert_int_equal(argo_store_begin(st, &e), ARGO_EINVAL);
    argo_symbol *syms;
    size_t n;
    assert_int_equal(argo_store_symbols(st, &syms, &n, NULL), 0);
    free(syms);
    argo_store_close(st);
}

static void readers_do_not_wait_for_a_writer(void **state)
{
    (void)state;
    argo_store *w = fresh("rw.db");
    int64_t id;
    argo_bar b = {86400, 10, 11, 9, 10.5, 100};
    assert_int_equal(argo_store_begin(w, NULL), 0);
    assert_int_equal(argo_store_symbol_id(w, "ABC", true, &id, NULL), 0);
    assert_int_equal(argo_store_bars_put(w, id, &b, 1, NULL, NULL), 0);
    assert_int_equal(argo_store_commit(w, NULL), 0);
    /* another writer holds the write lock with an insert pending */
    assert_int_equal(argo_store_begin(w, NULL), 0);
    assert_int_equal(argo_store_symbol_id(w, "DEF", true, &id, NULL), 0);
    char p[512];
    th_tmpfile("rw.db", p, sizeof p);
    argo_store_options ro = {.busy_timeout_ms = 3000, .read_only = true};
    argo_store *r;
    argo_err e;
    double t0 = now_s();
    if (argo_store_open(p, &ro, &r, &e))
        fail_msg("%s", e.msg);
    argo_symbol *syms;
    size_t n;
    assert_int_equal(argo_store_symbols(r, &syms, &n, NULL), 0);
    assert_int_equal(n, 1); /* the committed snapshot only */
    free(syms);
    assert_true(now_s() - t0 < 1.0);
    argo_store_close(r);
    /* a writer with busy_timeout_ms = 0 fails at once */
    argo_store_options none = {.busy_timeout_ms = 0};
    argo_store *w2;
    t0 = now_s();
    assert_int_equal(argo_store_open(p, &none, &w2, NULL), 0);
    assert_int_equal(argo_store_begin(w2, &e), ARGO_EBUSY);
    assert_true(now_s() - t0 < 0.5);
    assert_non_null(strstr(e.msg, "waited 0 ms"));
    argo_store_close(w2);
    argo_store_rollback(w);
    argo_store_close(w);
}

static void rows_edited_outside_argo_are_reported(void **state)
{
    (void)state;
    argo_store *st = fresh("edited.db");
    int64_t id;
    argo_bar b = {86400, 10, 11, 9, 10.5, 100};
    argo_signal g = {.action = ARGO_BUY, .ts = 86400, .entry = 10, .target = 11, .stop = 9.5};
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    assert_int_equal(argo_store_bars_put(st, id, &b, 1, NULL, NULL), 0);
    g.symbol_id = id;
    assert_int_equal(argo_store_signals_insert(st, &g, 1, NULL), 0);
    argo_store_close(st);
    char p[512];
    th_tmpfile("edited.db", p, sizeof p);
    sqlite3 *db;
    sqlite3_open(p, &db);
    sqlite3_exec(db, "UPDATE bars SET low = 12; UPDATE signals SET status = 7", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    int n = 0;
    argo_err e;
    assert_int_equal(argo_store_bars_scan(st, id, INT64_MIN, INT64_MAX, count_bar, &n, &e),
                     ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "not valid"));
    assert_int_equal(argo_store_signals_all(st, 0, count_signal, &n, &e), ARGO_ECORRUPT);
    assert_int_equal(n, 0);
    argo_store_close(st);
}

/* "sqlite:PATH" and a plain PATH name the same store; a postgresql://
 * URL names the other backend. */
static void a_url_names_the_backend(void **state)
{
    (void)state;
    argo_store_close(fresh("url.db"));
    char p[512], url[600];
    th_tmpfile("url.db", p, sizeof p);
    snprintf(url, sizeof url, "sqlite:%s", p);
    argo_store *st;
    argo_err e;
    assert_int_equal(argo_store_open(url, NULL, &st, &e), 0);
    assert_string_equal(argo_store_backend(st), "sqlite");
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    argo_store_close(st);
    assert_int_equal(argo_store_open(p, NULL, &st, &e), 0);
    assert_int_equal(argo_store_symbol_id(st, "ABC", false, &id, NULL), 0);
    argo_store_close(st);
    /* postgresql:// and postgres:// go to the PostgreSQL backend, which
     * refuses a malformed schema= before it connects anywhere */
    assert_int_equal(argo_store_open("postgresql://localhost/argo?schema=a-b", NULL, &st, &e),
                     ARGO_EINVAL);
    assert_null(st);
    assert_non_null(strstr(e.msg, "schema="));
    assert_int_equal(argo_store_open("postgres://u:pw@localhost/argo?schema=", NULL, &st, &e),
                     ARGO_EINVAL);
    assert_null(strstr(e.msg, "pw@"));
    assert_non_null(strstr(e.msg, "***"));
    assert_int_equal(argo_store_open("sqlite:", NULL, &st, &e), ARGO_EINVAL);
    assert_int_equal(argo_store_open("", NULL, &st, &e), ARGO_EINVAL);
}

/* Version 4 kept model points as two JSON texts; the migration to 5
 * turns them into one BLOB in place, and every double reads back bit
 * for bit. Malformed JSON stays malformed (reported when read). */
static void model_points_in_json_are_migrated_bit_for_bit(void **state)
{
    (void)state;
    char p[512];
    th_tmpfile("v4-models.db", p, sizeof p);
    sqlite3 *db = old_store(p, 4);
    /* printed with 17 significant digits, as version 4 wrote them */
    const double x[5] = {0.1, 1.0 / 3, 0.5 + 1e-16, 0.9999999999999999, 1};
    const double y[5] = {5e-324, 2.2250738585072014e-308, 2.0 / 3, 0.7000000000000001, 1};
    char xs[256] = "[", ys[256] = "[";
    for (int i = 0; i < 5; i++) {
        size_t lx = strlen(xs), ly = strlen(ys);
        snprintf(xs + lx, sizeof xs - lx, "%s%.17g", i ? "," : "", x[i]);
        snprintf(ys + ly, sizeof ys - ly, "%s%.17g", i ? "," : "", y[i]);
    }
    strncat(xs, "]", sizeof xs - strlen(xs) - 1);
    strncat(ys, "]", sizeof ys - strlen(ys) - 1);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO calibration_models(version, scope,"
                                        " trained_through, samples, x, y, brier, created_at)"
                                        " VALUES (?1, ?2, 10, 50, ?3, ?4, 0.125, 7)",
                                        -1, &q, NULL),
                     SQLITE_OK);
    const char *rows[3][3] = {
        {"global", xs, ys}, {"external", "[0.25]", "[0.75]"}, {"external", "not json", "[0, 1]"}};
    for (int r = 0; r < 3; r++) {
        sqlite3_bind_int(q, 1, 3 + r);
        sqlite3_bind_text(q, 2, rows[r][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, rows[r][1], -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, rows[r][2], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(q), SQLITE_DONE);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    argo_store *st;
    argo_err e;
    if (argo_store_open(p, NULL, &st, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(user_version(p), CURRENT_VERSION);
    argo_model_row m;
    assert_int_equal(argo_store_model_get(st, 3, &m, &e), 0);
    assert_int_equal(m.n, 5);
    assert_memory_equal(m.x, x, sizeof x);
    assert_memory_equal(m.y, y, sizeof y);
    assert_string_equal(m.scope, "global");
    assert_int_equal(m.samples, 50);
    assert_true(m.brier == 0.125);
    assert_int_equal(m.created_at, 7);
    argo_model_row_cleanup(&m);
    assert_int_equal(argo_store_model_get(st, 4, &m, &e), 0);
    assert_int_equal(m.n, 1);
    assert_true(m.x[0] == 0.25 && m.y[0] == 0.75);
    argo_model_row_cleanup(&m);
    assert_int_equal(argo_store_model_get(st, 5, &m, &e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "calibration model 5 has malformed points"));
    /* new models after the migration take the next versions */
    double nx[2] = {0.2, 0.8}, ny[2] = {0.1, 0.9};
    argo_model_row add = {.n = 2, .x = nx, .y = ny, .trained_through = 20};
    snprintf(add.scope, sizeof add.scope, "global");
    assert_int_equal(argo_store_model_insert(st, &add, NULL), 0);
    assert_int_equal(add.version, 6);
    argo_store_close(st);
    /* the stored bytes: x then y, little-endian binary64 */
    sqlite3_open(p, &db);
    sqlite3_prepare_v2(db, "SELECT points FROM calibration_models WHERE version = 4", -1, &q, NULL);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(q, 0), 16);
    const unsigned char want[16] = {0, 0, 0, 0, 0, 0, 0xd0, 0x3f, 0, 0, 0, 0, 0, 0, 0xe8, 0x3f};
    assert_memory_equal(sqlite3_column_blob(q, 0), want, 16);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static int64_t log_one(argo_store *st)
{
    argo_event ev = {.channel = "health", .symbol = "", .published = true, .data = "{}"};
    int64_t seq = 0;
    assert_int_equal(argo_store_event_append(st, &ev, &seq, NULL), 0);
    return seq;
}

static void event_numbers_are_not_reused_after_rows_are_deleted(void **state)
{
    (void)state;
    char p[512];
    th_tmpfile("events.db", p, sizeof p);
    argo_store *st;
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    log_one(st);
    log_one(st);
    int64_t c = log_one(st);
    argo_store_close(st);
    /* the newest rows deleted outside argo (a pruned log) */
    sqlite3 *db;
    sqlite3_open(p, &db);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM events WHERE seq >= 2", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    assert_true(log_one(st) > c); /* AUTOINCREMENT: never the number of a deleted row */
    argo_store_close(st);
    th_rm_db(p);
}

static int table_exists(sqlite3 *db, const char *name)
{
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                       -1, &q, NULL);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    return n;
}

/* A store of version 6 (before the provider's tables: migration 6 -> 7
 * only adds http_cache, bar_corrections and fetch_calls, so version 6 is
 * today's schema without them) is migrated to 7: it gains the three
 * tables, empty and working, and keeps its rows. */
static void a_version_6_store_gains_the_market_data_tables(void **state)
{
    (void)state;
    char p[512];
    th_tmpfile("v6.db", p, sizeof p);
    th_rm_db(p);
    argo_store *st;
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    argo_bar b = {86400, 10, 11, 9, 10.5, 100};
    assert_int_equal(argo_store_bars_put(st, id, &b, 1, NULL, NULL), 0);
    int64_t seq = log_one(st);
    argo_store_close(st);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "BEGIN; DROP TABLE http_cache; DROP TABLE bar_corrections;"
                                  " DROP TABLE fetch_calls; PRAGMA user_version = 6; COMMIT",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(table_exists(db, "http_cache"), 0);
    sqlite3_close(db);
    assert_int_equal(user_version(p), 6);
    argo_err e;
    if (argo_store_open(p, NULL, &st, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(user_version(p), CURRENT_VERSION);
    /* the old rows are kept */
    int n = 0;
    assert_int_equal(argo_store_bars_scan(st, id, INT64_MIN, INT64_MAX, count_bar, &n, NULL), 0);
    assert_int_equal(n, 1);
    int64_t last = 0;
    assert_int_equal(argo_store_event_last(st, &last, NULL), 0);
    assert_int_equal(last, seq);
    /* the new tables work */
    argo_http_cache_row r = {.stored_at = 5};
    snprintf(r.key, sizeof r.key, "https://h/x");
    snprintf(r.etag, sizeof r.etag, "\"e\"");
    assert_int_equal(argo_store_cache_put(st, &r, &e), 0);
    argo_correction c = {.symbol_id = id, .ts = 86400, .stored = b, .revised = b, .seen_at = 9};
    c.revised.close = 10.25;
    snprintf(c.source, sizeof c.source, "csv");
    bool added = false;
    assert_int_equal(argo_store_correction_add(st, &c, &added, &e), 0);
    assert_true(added);
    assert_int_equal(c.id, 1);
    assert_int_equal(argo_store_calls_add(st, 86400, 2, &e), 0);
    int64_t calls = 0;
    assert_int_equal(argo_store_calls_get(st, 86400, &calls, &e), 0);
    assert_int_equal(calls, 2);
    argo_store_close(st);
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(table_exists(db, "http_cache"), 1);
    assert_int_equal(table_exists(db, "bar_corrections"), 1);
    assert_int_equal(table_exists(db, "fetch_calls"), 1);
    sqlite3_close(db);
    th_rm_db(p);
}

static void a_hold_is_a_lock_file_with_the_holders_pid(void **state)
{
    (void)state;
    char p[512], lock[600];
    th_tmpfile("held.db", p, sizeof p);
    snprintf(lock, sizeof lock, "%s-serve.lock", p);
    argo_store *st;
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    assert_int_equal(argo_store_hold(st, "serve", NULL, NULL), 0);
    FILE *f = fopen(lock, "r");
    assert_non_null(f);
    long pid = 0;
    assert_int_equal(fscanf(f, "%ld", &pid), 1);
    fclose(f);
    assert_int_equal(pid, (long)getpid());
    argo_store_close(st);
    /* ":memory:": a hold of this process, refused to its other handles */
    argo_store *a, *b;
    assert_int_equal(argo_store_open(":memory:", NULL, &a, NULL), 0);
    assert_int_equal(argo_store_open(":memory:", NULL, &b, NULL), 0);
    assert_int_equal(argo_store_hold(a, "serve", NULL, NULL), 0);
    long holder = 0;
    argo_err e;
    assert_int_equal(argo_store_hold(b, "serve", &holder, &e), ARGO_EBUSY);
    assert_int_equal(holder, (long)getpid());
    bool held = true;
    assert_int_equal(argo_store_held(b, "serve", &held, NULL, NULL), 0);
    assert_false(held);  /* no other process */
    argo_store_close(a); /* releases it */
    assert_int_equal(argo_store_hold(b, "serve", NULL, NULL), 0);
    argo_store_release(b, "serve");
    argo_store_close(b);
    th_rm_db(p);
    unlink(lock);
}

/* Whether the process maps path itself (not its -shm or -wal). */
static bool mapped(const char *path)
{
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    char line[1024];
    bool found = false;
    size_t n = strlen(path);
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, path);
        if (p && (p[n] == '\n' || p[n] == 0))
            found = true;
    }
    fclose(f);
    return found;
}

/* [store] mmap_mb reaches SQLite: by default a read maps the file, with
 * mmap_bytes < 0 nothing is mapped */
static void the_memory_map_is_as_configured(void **state)
{
    (void)state;
    argo_store *st = fresh("mmap.db");
    argo_err e;
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "X", true, &id, &e), 0);
    argo_store_close(st);
    char p[512];
    th_tmpfile("mmap.db", p, sizeof p);
    char real[PATH_MAX];
    assert_non_null(realpath(p, real));
    for (int off = 0; off < 2; off++) {
        argo_store_options o = {
            .busy_timeout_ms = -1, .read_only = true, .mmap_bytes = off ? -1 : 0};
        assert_int_equal(argo_store_open(p, &o, &st, &e), 0);
        argo_symbol *v;
        size_t n;
        assert_int_equal(argo_store_symbols(st, &v, &n, &e), 0);
        assert_int_equal(n, 1);
        free(v);
        assert_true(mapped(real) == !off);
        argo_store_close(st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_new_store_is_migrated_and_marked_as_argo),
        cmocka_unit_test(foreign_and_damaged_files_are_refused),
        cmocka_unit_test(a_newer_schema_is_refused),
        cmocka_unit_test(a_locked_database_reports_busy),
        cmocka_unit_test(a_read_only_store_is_never_created_nor_migrated),
        cmocka_unit_test(readers_do_not_wait_for_a_writer),
        cmocka_unit_test(rows_edited_outside_argo_are_reported),
        cmocka_unit_test(a_url_names_the_backend),
        cmocka_unit_test(model_points_in_json_are_migrated_bit_for_bit),
        cmocka_unit_test(a_version_6_store_gains_the_market_data_tables),
        cmocka_unit_test(event_numbers_are_not_reused_after_rows_are_deleted),
        cmocka_unit_test(a_hold_is_a_lock_file_with_the_holders_pid),
        cmocka_unit_test(the_memory_map_is_as_configured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
