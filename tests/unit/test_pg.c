/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_pg.c - what only the PostgreSQL store promises
 * (src/store/pg.c, docs/POSTGRES.md): monthly partitions, schema
 * versions, a lost connection retried, masked passwords, read-only
 * handles, pg_partman registration. The contract every backend keeps is
 * tests/unit/test_store.c.
 *
 * ARGO_TEST_STORE_URL is a PostgreSQL URL prefix ending in "schema="
 * (each test appends a schema name of its own); without one every test
 * is skipped (exit 77). The test reaches the server directly through
 * libpq too, to look at the catalog and to terminate the store's session.
 */
#include "helpers.h"

#include "store/pg_views.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PG_CURRENT_VERSION "6" /* store/pg.c's SCHEMA_VERSION */

static const char *prefix(void)
{
    const char *p = getenv("ARGO_TEST_STORE_URL");
    return p && (!strncmp(p, "postgresql://", 13) || !strncmp(p, "postgres://", 11)) ? p : NULL;
}

/* The schema of the store called name, and its URL. */
static const char *schema_of(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s_%ld", name, (long)getpid());
    return buf;
}

static const char *url_of(const char *name, char *buf, size_t n)
{
    char schema[128];
    snprintf(buf, n, "%s%s", prefix(), schema_of(name, schema, sizeof schema));
    return buf;
}

static argo_store *open_named(const char *name, const argo_store_options *opt)
{
    char u[1024];
    argo_store *st;
    argo_err e;
    if (argo_store_open(url_of(name, u, sizeof u), opt, &st, &e))
        fail_msg("%s: %s", u, e.msg);
    return st;
}

/* A direct connection to the test's database: the prefix without its
 * trailing schema= parameter. */
static PGconn *direct(void)
{
    char u[1024];
    snprintf(u, sizeof u, "%s", prefix());
    size_t n = strlen(u);
    assert_true(n > 7 && !strcmp(u + n - 7, "schema="));
    u[n - 7] = 0;
    if (n > 8 && (u[n - 8] == '&' || u[n - 8] == '?'))
        u[n - 8] = 0;
    PGconn *c = PQconnectdb(u);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("direct connection: %s", PQerrorMessage(c));
    return c;
}

/* Runs sql on c (statements without parameters); the first value of the
 * result, or "" (copied into buf). */
static const char *sql1(PGconn *c, const char *sql, char *buf, size_t n)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType t = PQresultStatus(r);
    if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    snprintf(buf, n, "%s", t == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return buf;
}

/* Terminates the sessions of this process's argo handles. */
static void kill_sessions(PGconn *c)
{
    char sql[256], got[64];
    snprintf(sql, sizeof sql,
             "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
             " WHERE application_name = 'argo pid %ld'",
             (long)getpid());
    assert_int_not_equal(strtoll(sql1(c, sql, got, sizeof got), NULL, 10), 0);
}

static argo_bar bar_at(int64_t ts, double close)
{
    return (argo_bar){ts, close, close + 1, close - 1, close, 100};
}

static int setup(void **state)
{
    (void)state;
    if (!prefix()) {
        print_message("skipped: ARGO_TEST_STORE_URL is not a postgresql:// URL prefix\n");
        exit(77);
    }
    return 0;
}

static int count_bar(void *ctx, int64_t sym, const argo_bar *b)
{
    (void)sym;
    (void)b;
    ++*(int *)ctx;
    return 0;
}

/* ---- a lost connection ---------------------------------------------------- */

static void a_lost_connection_is_retried_outside_a_transaction_only(void **state)
{
    (void)state;
    argo_store *st = open_named("lost", NULL);
    PGconn *c = direct();
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    /* outside a transaction: reset and made once more */
    kill_sessions(c);
    argo_symbol *syms;
    size_t n;
    argo_err e;
    if (argo_store_symbols(st, &syms, &n, &e))
        fail_msg("a read after the server ended the session: %s", e.msg);
    assert_int_equal(n, 1);
    free(syms);
    /* a write outside a transaction (a transaction of its own) too */
    kill_sessions(c);
    argo_bar b0 = bar_at(0, 10);
    argo_bars_put_result res;
    if (argo_store_bars_put(st, id, &b0, 1, &res, &e))
        fail_msg("a write after the server ended the session: %s", e.msg);
    assert_int_equal(res.inserted, 1);
    int64_t count = -1;
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &count, NULL), 0);
    assert_int_equal(count, 1); /* once, not twice */
    /* a scan too (no row was handed to its callback before the loss) */
    kill_sessions(c);
    int scanned = 0;
    if (argo_store_bars_scan(st, id, INT64_MIN, INT64_MAX, count_bar, &scanned, &e))
        fail_msg("a scan after the server ended the session: %s", e.msg);
    assert_int_equal(scanned, 1);
    /* inside one: ARGO_ENET, and nothing of the transaction stays */
    assert_int_equal(argo_store_begin(st, NULL), 0);
    int64_t other;
    assert_int_equal(argo_store_symbol_id(st, "NEW", true, &other, NULL), 0);
    argo_bar b = bar_at(86400, 10);
    assert_int_equal(argo_store_bars_put(st, id, &b, 1, NULL, NULL), 0);
    kill_sessions(c);
    argo_bar b2 = bar_at(2 * 86400, 11);
    assert_int_equal(argo_store_bars_put(st, id, &b2, 1, NULL, &e), ARGO_ENET);
    assert_non_null(strstr(e.msg, "the transaction was rolled back"));
    argo_store_rollback(st);
    assert_int_equal(argo_store_symbols(st, &syms, &n, NULL), 0);
    assert_int_equal(n, 1); /* NEW is gone */
    free(syms);
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &count, NULL), 0);
    assert_int_equal(count, 1); /* the bar before the transaction only */
    /* and the caller's retry of the whole transaction works */
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_bars_put(st, id, &b, 1, NULL, NULL), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &count, NULL), 0);
    assert_int_equal(count, 2);
    PQfinish(c);
    argo_store_close(st);
}

/* ---- partitions ------------------------------------------------------------ */

static void bars_of_two_months_land_in_two_partitions(void **state)
{
    (void)state;
    argo_store *st = open_named("parts", NULL);
    char schema[128], sql[1024], got[256];
    schema_of("parts", schema, sizeof schema);
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    /* 2001-01-31 and 2001-02-01 (UTC): either side of a month's end */
    argo_bar v[2] = {bar_at(980899200, 10), bar_at(980985600, 11)};
    assert_int_equal(argo_store_bars_put(st, id, v, 2, NULL, NULL), 0);
    PGconn *c = direct();
    /* the partitions holding the rows, by tableoid */
    snprintf(
        sql, sizeof sql,
        "SELECT string_agg(p || '=' || n, ',' ORDER BY p) FROM (SELECT tableoid::regclass::text"
        " AS p, count(*) AS n FROM \"%s\".bars GROUP BY 1) t",
        schema);
    char want[256];
    snprintf(want, sizeof want, "%s.bars_p2001_01=1,%s.bars_p2001_02=1", schema, schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), want);
    /* both are partitions of bars (pg_inherits) */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
             " WHERE i.inhparent = '\"%s\".bars'::regclass AND c.relname IN"
             " ('bars_p2001_01', 'bars_p2001_02')",
             schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), "2");
    /* signals too, by their ts */
    argo_signal g = {.symbol_id = id,
                     .action = ARGO_BUY,
                     .ts = 980985600,
                     .entry = 10,
                     .target = 11,
                     .stop = 9,
                     .expires_at = 980985600 + 30 * 86400,
                     .scanned_to = 980985600};
    assert_int_equal(argo_store_signals_insert(st, &g, 1, NULL), 0);
    snprintf(sql, sizeof sql, "SELECT tableoid::regclass::text FROM \"%s\".signals", schema);
    snprintf(want, sizeof want, "%s.signals_p2001_02", schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), want);
    /* a month detached by hand is not made again: "partition missing" */
    argo_bar march = bar_at(983404800, 12); /* 2001-03-01 */
    assert_int_equal(argo_store_bars_put(st, id, &march, 1, NULL, NULL), 0);
    snprintf(sql, sizeof sql, "ALTER TABLE \"%s\".bars DETACH PARTITION \"%s\".bars_p2001_03",
             schema, schema);
    sql1(c, sql, got, sizeof got);
    argo_store_close(st);
    st = open_named("parts", NULL); /* a new handle knows no month yet */
    argo_err e;
    int64_t n;
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &n, NULL), 0);
    assert_int_equal(n, 2); /* the detached month's rows are out of argo's sight */
    argo_bar march2 = bar_at(983491200, 13);
    assert_int_equal(argo_store_bars_put(st, id, &march2, 1, NULL, &e), ARGO_ESTORE);
    assert_non_null(strstr(e.msg, "partition missing"));
    assert_non_null(strstr(e.msg, "bars_p2001_03"));
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &n, NULL), 0);
    assert_int_equal(n, 2); /* nothing written */
    /* a time no month can hold */
    argo_bar far = bar_at((int64_t)400000 * 365 * 86400, 13);
    assert_int_equal(argo_store_bars_put(st, id, &far, 1, NULL, &e), ARGO_EDATA);
    PQfinish(c);
    argo_store_close(st);
}

static void partman_registers_both_tables_when_available(void **state)
{
    (void)state;
    argo_store *st = open_named("partman", NULL);
    PGconn *c = direct();
    char got[64], sql[512], schema[128];
    if (strcmp(sql1(c, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_partman'", got,
                    sizeof got),
               "1")) {
        PQfinish(c);
        argo_store_close(st);
        skip(); /* pg_partman is not installed in this database: argo makes every month itself */
    }
    schema_of("partman", schema, sizeof schema);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM partman.part_config WHERE parent_table IN ('%s.bars',"
             " '%s.signals') AND epoch = 'seconds' AND partition_interval::interval = '1 month'",
             schema, schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), "2");
    /* partman's months and argo's have one name: a write into a month
     * partman made goes in it */
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    argo_bar b = bar_at((int64_t)time(NULL) / 86400 * 86400, 10);
    assert_int_equal(argo_store_bars_put(st, id, &b, 1, NULL, NULL), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ONLY \"%s\".bars_default", schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), "0");
    PQfinish(c);
    argo_store_close(st);
}

/* ---- schema versions ------------------------------------------------------- */

static void a_newer_or_foreign_schema_is_refused(void **state)
{
    (void)state;
    argo_store_close(open_named("newer", NULL));
    PGconn *c = direct();
    char sql[512], got[64], schema[128], u[1024];
    snprintf(sql, sizeof sql,
             "UPDATE \"%s\".argo_meta SET value = (value::int + 1)::text"
             " WHERE key = 'schema_version'",
             schema_of("newer", schema, sizeof schema));
    sql1(c, sql, got, sizeof got);
    argo_store *st;
    argo_err e;
    assert_int_equal(argo_store_open(url_of("newer", u, sizeof u), NULL, &st, &e), ARGO_EVERSION);
    assert_null(st);
    assert_non_null(strstr(e.msg, "version"));
    argo_store_options ro = {.read_only = true};
    assert_int_equal(argo_store_open(u, &ro, &st, &e), ARGO_EVERSION);
    /* a schema with tables that are not argo's */
    snprintf(sql, sizeof sql, "CREATE SCHEMA \"%s\"; CREATE TABLE \"%s\".orders(id int)",
             schema_of("foreign", schema, sizeof schema), schema);
    sql1(c, sql, got, sizeof got);
    assert_int_equal(argo_store_open(url_of("foreign", u, sizeof u), NULL, &st, &e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "not argo's"));
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_tables WHERE schemaname = '%s'", schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), "1"); /* nothing added */
    PQfinish(c);
}

/* A store of schema version 3 (the strategy view a UNION ALL of four
 * scans, no provider tables) is migrated to 4: the view is made again
 * from one scan, with its unique index, and filled (test_pg_views checks
 * its cells); then to 5. */
static void a_version_3_store_gets_the_strategy_view_of_one_scan(void **state)
{
    (void)state;
    argo_store_close(open_named("v3", NULL));
    PGconn *c = direct();
    char sql[8192], got[64], schema[128];
    schema_of("v3", schema, sizeof schema);
    snprintf(sql, sizeof sql,
             "SET search_path TO \"%s\"; DROP MATERIALIZED VIEW mv_outcomes_strategy; %s"
             " DROP TABLE http_cache; DROP TABLE bar_corrections; DROP TABLE fetch_calls;"
             " UPDATE argo_meta SET value = '3' WHERE key = 'schema_version'",
             schema, argo_pg_views_migration[2]);
    assert_non_null(strstr(argo_pg_views_migration[2], "mv_outcomes_strategy"));
    sql1(c, sql, got, sizeof got);
    snprintf(sql, sizeof sql,
             "SELECT position('UNION' IN definition) > 0 FROM pg_matviews"
             " WHERE schemaname = '%s' AND matviewname = 'mv_outcomes_strategy'",
             schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), "t"); /* the version 3 form */
    argo_store_close(open_named("v3", NULL));
    snprintf(sql, sizeof sql,
             "SELECT position('UNION' IN definition) = 0 AND position('LATERAL' IN definition) > 0"
             " AND ispopulated FROM pg_matviews"
             " WHERE schemaname = '%s' AND matviewname = 'mv_outcomes_strategy'",
             schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), "t");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_indexes WHERE schemaname = '%s'"
             " AND indexname = 'mv_outcomes_strategy_key' AND indexdef LIKE 'CREATE UNIQUE%%'",
             schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), "1");
    snprintf(sql, sizeof sql, "SELECT value FROM \"%s\".argo_meta WHERE key = 'schema_version'",
             schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), PG_CURRENT_VERSION);
    PQfinish(c);
}

/* A store of version 4 (before the provider's tables: migration 4 -> 5
 * only adds http_cache, bar_corrections and fetch_calls, so version 4 is
 * today's schema without them) is migrated to 5: it gains the three
 * tables, working, and keeps its rows. */
static void a_version_4_store_gains_the_market_data_tables(void **state)
{
    (void)state;
    argo_store *st = open_named("v4", NULL);
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    argo_bar b = bar_at(86400, 10);
    assert_int_equal(argo_store_bars_put(st, id, &b, 1, NULL, NULL), 0);
    argo_store_close(st);
    PGconn *c = direct();
    char sql[1024], got[64], schema[128];
    schema_of("v4", schema, sizeof schema);
    snprintf(sql, sizeof sql,
             "SET search_path TO \"%s\"; DROP TABLE http_cache; DROP TABLE bar_corrections;"
             " DROP TABLE fetch_calls;"
             " UPDATE argo_meta SET value = '4' WHERE key = 'schema_version'",
             schema);
    sql1(c, sql, got, sizeof got);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_tables WHERE schemaname = '%s'"
             " AND tablename IN ('http_cache', 'bar_corrections', 'fetch_calls')",
             schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), "0");
    st = open_named("v4", NULL);
    assert_string_equal(sql1(c, sql, got, sizeof got), "3");
    snprintf(sql, sizeof sql, "SELECT value FROM \"%s\".argo_meta WHERE key = 'schema_version'",
             schema);
    assert_string_equal(sql1(c, sql, got, sizeof got), PG_CURRENT_VERSION);
    PQfinish(c);
    int n = 0;
    assert_int_equal(argo_store_bars_scan(st, id, INT64_MIN, INT64_MAX, count_bar, &n, NULL), 0);
    assert_int_equal(n, 1);
    argo_err e;
    argo_http_cache_row r = {.stored_at = 5};
    snprintf(r.key, sizeof r.key, "https://h/x");
    assert_int_equal(argo_store_cache_put(st, &r, &e), 0);
    argo_correction k = {.symbol_id = id, .ts = 86400, .stored = b, .revised = b, .seen_at = 9};
    k.revised.volume = 0.1 + 0.2;
    snprintf(k.source, sizeof k.source, "csv");
    bool added = false;
    assert_int_equal(argo_store_correction_add(st, &k, &added, &e), 0);
    assert_true(added);
    assert_int_equal(argo_store_calls_add(st, 86400, 2, &e), 0);
    int64_t calls = 0;
    assert_int_equal(argo_store_calls_get(st, 86400, &calls, &e), 0);
    assert_int_equal(calls, 2);
    argo_store_close(st);
}

/* Two processes opening one fresh schema at once: both succeed, the
 * migration runs once. */
static void two_processes_migrate_a_fresh_schema_once(void **state)
{
    (void)state;
    char u[1024];
    url_of("race", u, sizeof u);
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            argo_store *st;
            _exit(argo_store_open(u, NULL, &st, NULL) == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < 3; i++) {
        int status;
        assert_int_equal(waitpid(kids[i], &status, 0), kids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    argo_store *st = open_named("race", NULL);
    argo_symbol *syms;
    size_t n;
    assert_int_equal(argo_store_symbols(st, &syms, &n, NULL), 0);
    free(syms);
    argo_store_close(st);
}

/* ---- messages, read-only handles, locks ----------------------------------- */

static void a_password_never_appears_in_a_message(void **state)
{
    (void)state;
    PGconn *c = direct();
    char url[1024];
    /* the same server's socket folder, a port nothing listens on */
    snprintf(url, sizeof url, "postgresql://argo:s3cr3t-pw@/postgres?host=%s&port=1&schema=x",
             PQhost(c));
    PQfinish(c);
    argo_store *st;
    argo_err e;
    assert_int_equal(argo_store_open(url, NULL, &st, &e), ARGO_ENET);
    assert_null(st);
    assert_null(strstr(e.msg, "s3cr3t"));
    assert_non_null(strstr(e.msg, "argo:***@"));
    assert_non_null(strstr(e.msg, "cannot connect"));
    snprintf(url, sizeof url, "postgresql:///postgres?password=s3cr3t-pw&host=/nonexistent&port=1");
    assert_int_equal(argo_store_open(url, NULL, &st, &e), ARGO_ENET);
    assert_null(strstr(e.msg, "s3cr3t"));
    assert_non_null(strstr(e.msg, "password=***"));
    assert_int_equal(argo_store_open("postgresql:///x?schema=a;drop", NULL, &st, &e), ARGO_EINVAL);
    assert_int_equal(argo_store_open("postgresql:///x?schema=a&schema=b", NULL, &st, &e),
                     ARGO_EINVAL);
}

static void a_read_only_handle_cannot_write(void **state)
{
    (void)state;
    argo_store_options ro = {.read_only = true};
    argo_store *st;
    argo_err e;
    char u[1024];
    assert_int_equal(argo_store_open(url_of("ro", u, sizeof u), &ro, &st, &e), ARGO_ENOENT);
    argo_store_options must = {.must_exist = true, .busy_timeout_ms = -1};
    assert_int_equal(argo_store_open(u, &must, &st, &e), ARGO_ENOENT);
    argo_store *rw = open_named("ro", NULL);
    int64_t id;
    assert_int_equal(argo_store_symbol_id(rw, "ABC", true, &id, NULL), 0);
    st = open_named("ro", &ro);
    assert_int_equal(argo_store_begin(st, &e), ARGO_EINVAL);
    assert_int_equal(argo_store_symbol_id(st, "NEW", true, &id, &e), ARGO_EINVAL);
    assert_non_null(strstr(e.msg, "read-only"));
    argo_bar b = bar_at(86400, 10);
    assert_int_equal(argo_store_bars_put(st, 1, &b, 1, NULL, &e), ARGO_EINVAL);
    assert_int_equal(argo_store_symbol_id(st, "ABC", false, &id, NULL), 0); /* reads work */
    argo_store_close(st);
    argo_store_close(rw);
}

static void a_named_lock_held_elsewhere_is_busy_at_once(void **state)
{
    (void)state;
    argo_store *a = open_named("locks", NULL);
    argo_store_options none = {.busy_timeout_ms = 0}, short_wait = {.busy_timeout_ms = 50};
    argo_store *b = open_named("locks", &none), *w = open_named("locks", &short_wait);
    argo_err e;
    assert_int_equal(argo_store_begin(a, NULL), 0);
    assert_int_equal(argo_store_lock(a, "cycle", NULL), 0);
    assert_int_equal(argo_store_begin(b, NULL), 0);
    assert_int_equal(argo_store_lock(b, "cycle", &e), ARGO_EBUSY);
    argo_store_rollback(b);
    assert_int_equal(argo_store_begin(w, NULL), 0);
    assert_int_equal(argo_store_lock(w, "cycle", &e), ARGO_EBUSY); /* after 50 ms */
    assert_non_null(strstr(e.msg, "locked"));
    argo_store_rollback(w);
    /* another store in the same database has locks of its own (opened
     * with the default busy timeout: its first open migrates a new schema,
     * which may wait on the catalog for other tests' migrations; were the
     * lock shared, the lock below would wait that timeout, then be busy) */
    argo_store *other = open_named("locks_other", NULL);
    assert_int_equal(argo_store_begin(other, NULL), 0);
    assert_int_equal(argo_store_lock(other, "cycle", NULL), 0);
    assert_int_equal(argo_store_commit(other, NULL), 0);
    assert_int_equal(argo_store_commit(a, NULL), 0);
    argo_store_close(a);
    argo_store_close(b);
    argo_store_close(w);
    argo_store_close(other);
}

/* ---- values ---------------------------------------------------------------- */

static int note_volume(void *ctx, int64_t sym, const argo_bar *b)
{
    (void)sym;
    double *v = ctx;
    v[0] = b->open;
    v[1] = b->volume;
    return 0;
}

static void doubles_come_back_bit_for_bit(void **state)
{
    (void)state;
    argo_store *st = open_named("bits", NULL);
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    volatile double a = 0.1, b = 0.2;
    double sum = a + b; /* 0.30000000000000004 */
    argo_bar bar = {86400, sum, 1, sum, sum, 4.9406564584124654e-324};
    assert_int_equal(argo_store_bars_put(st, id, &bar, 1, NULL, NULL), 0);
    double got[2] = {0, 0};
    assert_int_equal(argo_store_bars_scan(st, id, INT64_MIN, INT64_MAX, note_volume, got, NULL), 0);
    assert_memory_equal(&got[0], &sum, sizeof sum);
    assert_memory_equal(&got[1], &bar.volume, sizeof sum);
    assert_true(got[1] > 0 && !isnormal(got[1])); /* a subnormal */
    argo_store_close(st);
}

/* ---- the event log's notifications ---------------------------------------- */

static int64_t append(argo_store *st, const char *data)
{
    argo_event ev = {
        .channel = "signals", .symbol = "ABC", .confidence = 0.5, .published = true, .data = data};
    int64_t seq = 0;
    argo_err e;
    if (argo_store_event_append(st, &ev, &seq, &e))
        fail_msg("append: %s", e.msg);
    return seq;
}

static PGnotify *wait_notify(PGconn *c)
{
    PGnotify *n = NULL;
    for (int i = 0; i < 300 && !n; i++) {
        PQconsumeInput(c);
        if (!(n = PQnotifies(c)))
            usleep(10000);
    }
    return n;
}

static void an_event_is_notified_at_commit_only(void **state)
{
    (void)state;
    argo_store *st = open_named("notify", NULL);
    PGconn *c = direct();
    char sql[256], got[64], schema[128], channel[160];
    snprintf(channel, sizeof channel, "argo_events_%s", schema_of("notify", schema, sizeof schema));
    snprintf(sql, sizeof sql, "LISTEN \"%s\"", channel);
    sql1(c, sql, got, sizeof got);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    append(st, "{\"gone\":true}");
    argo_store_rollback(st);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    int64_t seq = append(st, "{}");
    usleep(50000);
    PQconsumeInput(c);
    assert_null(PQnotifies(c)); /* not before the commit */
    assert_int_equal(argo_store_commit(st, NULL), 0);
    PGnotify *n = wait_notify(c);
    assert_non_null(n);
    assert_string_equal(n->relname, channel);
    assert_int_equal(strtoll(n->extra, NULL, 10), seq);
    PQfreemem(n);
    /* outside a transaction: one of its own */
    int64_t seq2 = append(st, "{}");
    n = wait_notify(c);
    assert_non_null(n);
    assert_int_equal(strtoll(n->extra, NULL, 10), seq2);
    PQfreemem(n);
    PQconsumeInput(c);
    assert_null(PQnotifies(c)); /* none for the rolled-back event */
    PQfinish(c);
    argo_store_close(st);
}

/* Batches larger than one COPY piece (64 KiB) and than one pipeline
 * (256 updates), over many months. */
static void big_batches_are_stored_whole(void **state)
{
    (void)state;
    argo_store *st = open_named("big", NULL);
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    enum { NB = 6000, NS = 1000 };
    argo_bar *v = malloc(NB * sizeof *v);
    argo_signal *g = calloc(NS, sizeof *g);
    assert_non_null(v);
    assert_non_null(g);
    for (int i = 0; i < NB; i++)
        v[i] = bar_at(946684800 + (int64_t)i * 43200, 10 + i % 7); /* twice a day: 100 days */
    argo_bars_put_result r;
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_bars_put(st, id, v, NB, &r, NULL), 0);
    assert_int_equal(r.inserted, NB);
    assert_int_equal(argo_store_bars_put(st, id, v, NB, &r, NULL), 0); /* all repeats */
    assert_int_equal(r.repeats, NB);
    for (int i = 0; i < NS; i++)
        g[i] = (argo_signal){.symbol_id = id,
                             .action = ARGO_SELL,
                             .ts = v[i * 6].ts,
                             .entry = 10,
                             .target = 9,
                             .stop = 11,
                             .raw_confidence = i / (double)NS,
                             .confidence = 0.5,
                             .expires_at = v[i * 6].ts + 86400,
                             .scanned_to = v[i * 6].ts};
    assert_int_equal(argo_store_signals_insert(st, g, NS, NULL), 0);
    for (int i = 0; i < NS; i++)
        g[i].bars_held = i;
    assert_int_equal(argo_store_signals_update(st, g, NS, NULL), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    int64_t n;
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &n, NULL), 0);
    assert_int_equal(n, NB);
    argo_signal last;
    assert_int_equal(argo_store_signal_get(st, g[NS - 1].id, &last, NULL), 0);
    assert_int_equal(last.bars_held, NS - 1);
    assert_true(last.raw_confidence == (NS - 1) / (double)NS);
    assert_true(g[0].id < g[NS - 1].id);
    free(v);
    free(g);
    argo_store_close(st);
}

/* ---- rows ------------------------------------------------------------------ */

typedef struct seen_rows {
    int n;
    int64_t first_id;
    size_t first_len;
} seen_rows;

static int note_row(void *ctx, const argo_value *row)
{
    seen_rows *s = ctx;
    if (s->n++ == 0) {
        s->first_id = row[0].i;
        s->first_len = row[1].len;
    }
    return 0;
}

static void rows_keep_their_ids_and_make_their_months(void **state)
{
    (void)state;
    argo_store *st = open_named("rows", NULL);
    argo_value sym[2 * 2] = {{.type = ARGO_V_INT, .i = 42},
                             {.type = ARGO_V_TEXT, .p = "ZED", .len = 3},
                             {.type = ARGO_V_INT, .i = 7},
                             {.type = ARGO_V_TEXT, .p = "ALPHAxx", .len = 5}};
    argo_value bars[7] = {
        {.type = ARGO_V_INT, .i = 42},  {.type = ARGO_V_INT, .i = 915148800}, /* 1999-01 */
        {.type = ARGO_V_REAL, .r = 10}, {.type = ARGO_V_REAL, .r = 11},
        {.type = ARGO_V_REAL, .r = 9},  {.type = ARGO_V_REAL, .r = 10.5},
        {.type = ARGO_V_REAL, .r = 100}};
    argo_err e;
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_rows_put(st, "symbols", sym, 2, &e), 0);
    assert_int_equal(argo_store_rows_put(st, "bars", bars, 1, &e), 0);
    assert_int_equal(argo_store_rows_put(st, "symbols", sym, 1, &e), ARGO_ECONFLICT);
    argo_store_rollback(st);
    /* a value its column cannot hold */
    argo_value bad[2] = {{.type = ARGO_V_TEXT, .p = "x", .len = 1},
                         {.type = ARGO_V_TEXT, .p = "BAD", .len = 3}};
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_rows_put(st, "symbols", bad, 1, &e), ARGO_EDATA);
    argo_store_rollback(st);
    bad[0] = (argo_value){.type = ARGO_V_REAL, .r = 1.5};
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_rows_put(st, "symbols", bad, 1, &e), ARGO_EDATA);
    argo_store_rollback(st);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_rows_put(st, "symbols", sym, 2, &e), 0);
    assert_int_equal(argo_store_rows_put(st, "bars", bars, 1, &e), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    int64_t id, n;
    assert_int_equal(argo_store_symbol_id(st, "NEW", true, &id, NULL), 0);
    assert_int_equal(id, 43); /* above the largest id loaded */
    assert_int_equal(argo_store_rows_count(st, "bars", &n, NULL), 0);
    assert_int_equal(n, 1);
    seen_rows s = {0};
    assert_int_equal(argo_store_rows_scan(st, "symbols", note_row, &s, NULL), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.first_id, 7); /* in id order */
    assert_int_equal(s.first_len, 5);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_rows_clear(st, NULL), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    assert_int_equal(argo_store_rows_count(st, "symbols", &n, NULL), 0);
    assert_int_equal(n, 0);
    argo_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_lost_connection_is_retried_outside_a_transaction_only),
        cmocka_unit_test(bars_of_two_months_land_in_two_partitions),
        cmocka_unit_test(partman_registers_both_tables_when_available),
        cmocka_unit_test(a_newer_or_foreign_schema_is_refused),
        cmocka_unit_test(two_processes_migrate_a_fresh_schema_once),
        cmocka_unit_test(a_version_3_store_gets_the_strategy_view_of_one_scan),
        cmocka_unit_test(a_version_4_store_gains_the_market_data_tables),
        cmocka_unit_test(a_password_never_appears_in_a_message),
        cmocka_unit_test(a_read_only_handle_cannot_write),
        cmocka_unit_test(a_named_lock_held_elsewhere_is_busy_at_once),
        cmocka_unit_test(doubles_come_back_bit_for_bit),
        cmocka_unit_test(an_event_is_notified_at_commit_only),
        cmocka_unit_test(big_batches_are_stored_whole),
        cmocka_unit_test(rows_keep_their_ids_and_make_their_months),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
