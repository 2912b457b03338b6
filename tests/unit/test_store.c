/* SPDX-License-Identifier: MIT */
#include "helpers.h"

#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    assert_int_equal(sqlite3_column_int(q, 0), 3);
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

static void bars_are_append_only_and_repeats_are_ignored(void **state)
{
    (void)state;
    argo_store *st = fresh("bars.db");
    int64_t id;
    argo_err e;
    assert_int_equal(argo_store_symbol_id(st, "ABC", false, &id, &e), ARGO_ENOENT);
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "bad symbol!", true, &id, &e), ARGO_EDATA);
    argo_bar a = {86400, 10, 11, 9, 10.5, 100}, b = {2 * 86400, 10, 12, 9, 11, 50};
    bool ins;
    assert_int_equal(argo_store_bar_put(st, id, &a, &ins, NULL), 0);
    assert_true(ins);
    assert_int_equal(argo_store_bar_put(st, id, &b, &ins, NULL), 0);
    assert_int_equal(argo_store_bar_put(st, id, &a, &ins, NULL), 0);
    assert_false(ins);
    argo_bar a2 = a;
    a2.close = 10.6;
    assert_int_equal(argo_store_bar_put(st, id, &a2, &ins, &e), ARGO_ECONFLICT);
    argo_bar old = {0, 10, 11, 9, 10, 1};
    assert_int_equal(argo_store_bar_put(st, id, &old, &ins, &e), ARGO_EDATA);
    argo_symbol *syms;
    size_t n;
    assert_int_equal(argo_store_symbols(st, &syms, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(syms[0].first_ts, a.ts);
    assert_int_equal(syms[0].last_ts, b.ts);
    free(syms);
    argo_store_close(st);
}

static void rollback_discards_everything_since_begin(void **state)
{
    (void)state;
    argo_store *st = fresh("rb.db");
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "X", true, &id, NULL), 0);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    bool ins;
    argo_bar a = {86400, 10, 11, 9, 10.5, 100};
    assert_int_equal(argo_store_bar_put(st, id, &a, &ins, NULL), 0);
    argo_store_rollback(st);
    int64_t count;
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &count, NULL), 0);
    assert_int_equal(count, 0);
    /* the append cache was reset too: the same bar is new again */
    assert_int_equal(argo_store_bar_put(st, id, &a, &ins, NULL), 0);
    assert_true(ins);
    argo_store_close(st);
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

static void strategy_state_round_trips(void **state)
{
    (void)state;
    argo_store *st = fresh("state.db");
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "X", true, &id, NULL), 0);
    unsigned char *blob;
    size_t len;
    assert_int_equal(argo_store_state_get(st, id, &blob, &len, NULL), ARGO_ENOENT);
    assert_int_equal(argo_store_state_put(st, id, "abc", 3, NULL), 0);
    assert_int_equal(argo_store_state_put(st, id, "abcd", 4, NULL), 0);
    assert_int_equal(argo_store_state_get(st, id, &blob, &len, NULL), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(blob, "abcd", 4);
    free(blob);
    argo_store_close(st);
}

static int count_remote(void *ctx, const argo_remote_object *o)
{
    (void)o;
    (*(int *)ctx)++;
    return 0;
}

static void uploaded_objects_are_recorded_per_target_and_replaced(void **state)
{
    (void)state;
    argo_store *st = fresh("remote.db");
    argo_err e;
    argo_remote_object o = {.day = 86400, .bytes = 10, .lock_until = 0, .uploaded_at = 5};
    snprintf(o.target, sizeof o.target, "http://h/b");
    snprintf(o.key, sizeof o.key, "backups/1970/01/02/manifest.json");
    snprintf(o.sha256, sizeof o.sha256, "%064d", 1);
    snprintf(o.etag, sizeof o.etag, "abc");
    snprintf(o.storage_class, sizeof o.storage_class, "STANDARD");
    assert_int_equal(argo_store_remote_put(st, &o, &e), 0);
    snprintf(o.target, sizeof o.target, "http://h/other");
    snprintf(o.lock_mode, sizeof o.lock_mode, "COMPLIANCE");
    o.lock_until = 1000;
    assert_int_equal(argo_store_remote_put(st, &o, &e), 0);
    /* the same key again replaces the record */
    snprintf(o.etag, sizeof o.etag, "def");
    assert_int_equal(argo_store_remote_put(st, &o, &e), 0);
    argo_remote_object got;
    bool found;
    assert_int_equal(argo_store_remote_get(st, "http://h/b", o.key, &got, &found, &e), 0);
    assert_true(found);
    assert_string_equal(got.etag, "abc");
    assert_string_equal(got.lock_mode, "");
    assert_int_equal(got.bytes, 10);
    assert_int_equal(argo_store_remote_get(st, "http://h/other", o.key, &got, &found, &e), 0);
    assert_string_equal(got.etag, "def");
    assert_string_equal(got.lock_mode, "COMPLIANCE");
    assert_int_equal(got.lock_until, 1000);
    assert_int_equal(argo_store_remote_get(st, "http://h/none", o.key, &got, &found, &e), 0);
    assert_false(found);
    int n = 0;
    assert_int_equal(argo_store_remotes_scan(st, "http://h/other", count_remote, &n, &e), 0);
    assert_int_equal(n, 1);
    argo_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_new_store_is_migrated_and_marked_as_argo),
        cmocka_unit_test(foreign_and_damaged_files_are_refused),
        cmocka_unit_test(a_newer_schema_is_refused),
        cmocka_unit_test(bars_are_append_only_and_repeats_are_ignored),
        cmocka_unit_test(rollback_discards_everything_since_begin),
        cmocka_unit_test(a_locked_database_reports_busy),
        cmocka_unit_test(strategy_state_round_trips),
        cmocka_unit_test(uploaded_objects_are_recorded_per_target_and_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
