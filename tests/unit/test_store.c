/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_store.c - the store contract (src/store/store.h), for
 * any backend: everything goes through store.h, nothing names SQLite.
 *
 * ARGO_TEST_STORE_URL is a URL prefix; each test appends a name of its
 * own (letters, digits, '_', ending in the process id) and so starts
 * from a store nobody used: "sqlite:/some/dir/" gives one file per
 * test; a PostgreSQL backend will read the name as a fresh schema.
 * Default: "sqlite:" and a new temporary folder.
 * What only SQLite promises is in tests/unit/test_sqlite.c.
 */
#include "helpers.h"

#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* The URL of the store called name, unique to this process. */
static const char *url_of(const char *name, char *buf, size_t n)
{
    const char *prefix = getenv("ARGO_TEST_STORE_URL");
    char dflt[600];
    if (!prefix || !*prefix) {
        snprintf(dflt, sizeof dflt, "sqlite:%s/", th_tmpdir());
        prefix = dflt;
    }
    snprintf(buf, n, "%s%s_%ld", prefix, name, (long)getpid());
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

/* A new, empty store. */
static argo_store *fresh(const char *name)
{
    argo_store *st = open_named(name, NULL);
    argo_symbol *syms;
    size_t n;
    assert_int_equal(argo_store_symbols(st, &syms, &n, NULL), 0);
    assert_int_equal(n, 0); /* nobody used it */
    free(syms);
    return st;
}

static argo_bar bar_at(int64_t ts, double close)
{
    return (argo_bar){ts, close, close + 1, close - 1, close, 100};
}

static void bars_are_append_only_and_repeats_are_ignored(void **state)
{
    (void)state;
    argo_store *st = fresh("bars");
    int64_t id;
    argo_err e;
    assert_int_equal(argo_store_symbol_id(st, "ABC", false, &id, &e), ARGO_ENOENT);
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "bad symbol!", true, &id, &e), ARGO_EDATA);
    argo_bar a = {86400, 10, 11, 9, 10.5, 100}, b = {2 * 86400, 10, 12, 9, 11, 50};
    argo_bars_put_result r;
    assert_int_equal(argo_store_bars_put(st, id, &a, 1, &r, NULL), 0);
    assert_int_equal(r.inserted, 1);
    assert_int_equal(argo_store_bars_put(st, id, &b, 1, &r, NULL), 0);
    assert_int_equal(argo_store_bars_put(st, id, &a, 1, &r, NULL), 0);
    assert_int_equal(r.inserted, 0);
    assert_int_equal(r.repeats, 1);
    argo_bar a2 = a;
    a2.close = 10.6;
    assert_int_equal(argo_store_bars_put(st, id, &a2, 1, &r, &e), ARGO_ECONFLICT);
    assert_int_equal(r.done, 0);
    argo_bar old = {0, 10, 11, 9, 10, 1};
    assert_int_equal(argo_store_bars_put(st, id, &old, 1, &r, &e), ARGO_EDATA);
    argo_symbol *syms;
    size_t n;
    assert_int_equal(argo_store_symbols(st, &syms, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(syms[0].first_ts, a.ts);
    assert_int_equal(syms[0].last_ts, b.ts);
    free(syms);
    argo_store_close(st);
}

/* A batch reports what it stored and, when it stops, which bar it
 * refused: the bars before it are stored, it and those after are not. */
static void a_batch_of_bars_names_the_bar_it_refused(void **state)
{
    (void)state;
    argo_store *st = fresh("batch");
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &id, NULL), 0);
    argo_bar v[5] = {bar_at(1 * 86400, 10), bar_at(2 * 86400, 11), bar_at(3 * 86400, 12),
                     bar_at(4 * 86400, 13), bar_at(5 * 86400, 14)};
    argo_bars_put_result r;
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_bars_put(st, id, v, 3, &r, NULL), 0);
    assert_int_equal(r.inserted, 3);
    assert_int_equal(r.repeats, 0);
    assert_int_equal(r.done, 3);
    /* repeats of stored bars, then new ones, in one batch */
    assert_int_equal(argo_store_bars_put(st, id, v + 1, 4, &r, NULL), 0);
    assert_int_equal(r.inserted, 2);
    assert_int_equal(r.repeats, 2);
    assert_int_equal(r.done, 4);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    /* a conflict at index 2 of a batch */
    argo_bar w[4] = {bar_at(5 * 86400, 14), bar_at(6 * 86400, 15), bar_at(6 * 86400, 99),
                     bar_at(7 * 86400, 16)};
    argo_err e;
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_bars_put(st, id, w, 4, &r, &e), ARGO_ECONFLICT);
    assert_int_equal(r.done, 2);
    assert_int_equal(r.repeats, 1);
    assert_int_equal(r.inserted, 1);
    assert_non_null(strstr(e.msg, "conflicts"));
    /* skip the refused bar and go on with the rest */
    assert_int_equal(argo_store_bars_put(st, id, w + 3, 1, &r, NULL), 0);
    assert_int_equal(r.inserted, 1);
    /* out of order inside a batch: index 1 */
    argo_bar o[2] = {bar_at(9 * 86400, 17), bar_at(8 * 86400, 18)};
    assert_int_equal(argo_store_bars_put(st, id, o, 2, &r, &e), ARGO_EDATA);
    assert_int_equal(r.done, 1);
    assert_non_null(strstr(e.msg, "append-only"));
    assert_int_equal(argo_store_commit(st, NULL), 0);
    int64_t count;
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &count, NULL), 0);
    assert_int_equal(count, 8); /* days 1..7 and 9 */
    /* an empty batch is a no-op */
    assert_int_equal(argo_store_bars_put(st, id, NULL, 0, &r, NULL), 0);
    assert_int_equal(r.done, 0);
    argo_store_close(st);
}

static void rollback_discards_everything_since_begin(void **state)
{
    (void)state;
    argo_store *st = fresh("rb");
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "X", true, &id, NULL), 0);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    argo_bars_put_result r;
    argo_bar a = {86400, 10, 11, 9, 10.5, 100};
    assert_int_equal(argo_store_bars_put(st, id, &a, 1, &r, NULL), 0);
    argo_store_rollback(st);
    int64_t count;
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &count, NULL), 0);
    assert_int_equal(count, 0);
    /* nothing remembered of it either: the same bar is new again */
    assert_int_equal(argo_store_bars_put(st, id, &a, 1, &r, NULL), 0);
    assert_int_equal(r.inserted, 1);
    argo_store_rollback(st); /* safe without a transaction */
    argo_store_close(st);
}

/* One handle holds a named lock in a transaction; another cannot take
 * it (busy timeout 0) until the first ends its transaction. */
static void a_named_lock_is_held_until_the_transaction_ends(void **state)
{
    (void)state;
    argo_store *a = fresh("lock");
    argo_store_options none = {.busy_timeout_ms = 0};
    argo_store *b = open_named("lock", &none);
    argo_err e;
    assert_int_equal(argo_store_begin(a, NULL), 0);
    assert_int_equal(argo_store_lock(a, "ingest", &e), 0);
    int rc = argo_store_begin(b, &e);
    if (rc == 0) { /* a backend may begin and wait at the lock */
        rc = argo_store_lock(b, "ingest", &e);
        argo_store_rollback(b);
    }
    assert_int_equal(rc, ARGO_EBUSY);
    assert_int_equal(argo_store_commit(a, NULL), 0);
    assert_int_equal(argo_store_begin(b, &e), 0);
    assert_int_equal(argo_store_lock(b, "ingest", &e), 0);
    assert_int_equal(argo_store_lock(b, "cycle", &e), 0); /* several names at once */
    /* malformed names */
    assert_int_equal(argo_store_lock(b, "", &e), ARGO_EINVAL);
    assert_int_equal(argo_store_lock(b, "two words", &e), ARGO_EINVAL);
    assert_non_null(strstr(e.msg, "lock name"));
    char longer[ARGO_STORE_LOCK_NAME_MAX + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    assert_int_equal(argo_store_lock(b, longer, &e), ARGO_EINVAL);
    longer[ARGO_STORE_LOCK_NAME_MAX] = 0;
    assert_int_equal(argo_store_lock(b, longer, &e), 0);
    assert_int_equal(argo_store_commit(b, NULL), 0);
    argo_store_close(a);
    argo_store_close(b);
}

static void strategy_state_round_trips(void **state)
{
    (void)state;
    argo_store *st = fresh("state");
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

typedef struct keys {
    char v[4][1024];
    int n;
} keys;

static int note_remote(void *ctx, const argo_remote_object *o)
{
    keys *k = ctx;
    if (k->n < 4)
        snprintf(k->v[k->n], sizeof k->v[0], "%s", o->key);
    k->n++;
    return 0;
}

static void uploaded_objects_are_recorded_per_target_and_replaced(void **state)
{
    (void)state;
    argo_store *st = fresh("remote");
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
    assert_int_equal(got.day, 86400);
    assert_int_equal(got.uploaded_at, 5);
    assert_string_equal(got.sha256, o.sha256);
    assert_string_equal(got.storage_class, "STANDARD");
    assert_int_equal(argo_store_remote_get(st, "http://h/other", o.key, &got, &found, &e), 0);
    assert_string_equal(got.etag, "def");
    assert_string_equal(got.lock_mode, "COMPLIANCE");
    assert_int_equal(got.lock_until, 1000);
    assert_int_equal(argo_store_remote_get(st, "http://h/none", o.key, &got, &found, &e), 0);
    assert_false(found);
    keys k = {0};
    assert_int_equal(argo_store_remotes_scan(st, "http://h/other", note_remote, &k, &e), 0);
    assert_int_equal(k.n, 1);
    /* a scan is in key order */
    snprintf(o.key, sizeof o.key, "a/first");
    assert_int_equal(argo_store_remote_put(st, &o, &e), 0);
    snprintf(o.key, sizeof o.key, "z/last");
    assert_int_equal(argo_store_remote_put(st, &o, &e), 0);
    k = (keys){0};
    assert_int_equal(argo_store_remotes_scan(st, "http://h/other", note_remote, &k, &e), 0);
    assert_int_equal(k.n, 3);
    assert_string_equal(k.v[0], "a/first");
    assert_string_equal(k.v[1], "backups/1970/01/02/manifest.json");
    assert_string_equal(k.v[2], "z/last");
    argo_store_close(st);
}

/* Another process appends bars between two transactions of a handle:
 * the handle must not trust what it cached about the last bar. */
static void the_last_bar_is_reread_at_each_begin(void **state)
{
    (void)state;
    argo_store *a = fresh("cache");
    argo_store *b = open_named("cache", NULL);
    int64_t id;
    argo_bars_put_result r;
    argo_bar b1 = {86400, 10, 11, 9, 10.5, 100}, b2 = {3 * 86400, 10, 12, 9, 11, 50},
             b_mid = {2 * 86400, 10, 12, 9, 11, 50};
    assert_int_equal(argo_store_begin(a, NULL), 0);
    assert_int_equal(argo_store_symbol_id(a, "ABC", true, &id, NULL), 0);
    assert_int_equal(argo_store_bars_put(a, id, &b1, 1, &r, NULL), 0);
    assert_int_equal(argo_store_commit(a, NULL), 0);
    assert_int_equal(argo_store_begin(b, NULL), 0);
    assert_int_equal(argo_store_bars_put(b, id, &b2, 1, &r, NULL), 0);
    assert_int_equal(argo_store_commit(b, NULL), 0);
    argo_err e;
    assert_int_equal(argo_store_begin(a, NULL), 0);
    assert_int_equal(argo_store_bars_put(a, id, &b2, 1, &r, &e), 0); /* a repeat, not a clash */
    assert_int_equal(r.inserted, 0);
    assert_int_equal(r.repeats, 1);
    assert_int_equal(argo_store_bars_put(a, id, &b_mid, 1, &r, &e), ARGO_EDATA); /* append-only */
    assert_int_equal(argo_store_commit(a, NULL), 0);
    /* the same without transactions: each write is one of its own */
    argo_bar b3 = {4 * 86400, 10, 12, 9, 11, 50}, b4 = {5 * 86400, 10, 12, 9, 11, 50};
    assert_int_equal(argo_store_bars_put(a, id, &b3, 1, &r, NULL), 0);
    assert_int_equal(argo_store_bars_put(b, id, &b4, 1, &r, NULL), 0);
    assert_int_equal(argo_store_bars_put(a, id, &b4, 1, &r, &e), 0);
    assert_int_equal(r.repeats, 1);
    argo_bar b4x = b4;
    b4x.close = 11.5;
    assert_int_equal(argo_store_bars_put(a, id, &b4x, 1, &r, &e), ARGO_ECONFLICT);
    argo_store_close(a);
    argo_store_close(b);
}

static void suppressed_signals_are_counted_per_symbol_and_reset_by_replay(void **state)
{
    (void)state;
    argo_store *st = fresh("supp");
    int64_t a, b;
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "A", true, &a, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "B", true, &b, NULL), 0);
    assert_int_equal(argo_store_suppressed_add(st, a, 86400 + 5, 1, NULL), 0);
    assert_int_equal(argo_store_suppressed_add(st, a, 86400 + 1800, 1, NULL), 0);
    assert_int_equal(argo_store_suppressed_add(st, a, -5, 1, NULL), 0); /* before 1970 */
    assert_int_equal(argo_store_suppressed_add(st, b, 9 * 86400, 3, NULL), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    argo_symbol_count *v;
    size_t n;
    int64_t total;
    assert_int_equal(argo_store_suppressed_counts(st, &v, &n, &total, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(total, 6);
    assert_int_equal(v[0].symbol_id, a);
    assert_int_equal(v[0].count, 3);
    assert_int_equal(v[1].symbol_id, b);
    assert_int_equal(v[1].count, 3);
    free(v);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_signals_reset(st, NULL), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    assert_int_equal(argo_store_suppressed_counts(st, &v, &n, &total, NULL), 0);
    assert_int_equal(total, 0);
    free(v);
    argo_store_close(st);
}

/* ---- bars: ranges and orders --------------------------------------------- */

typedef struct seen_bars {
    int64_t sym[16], ts[16];
    int n;
} seen_bars;

static int note_bar(void *ctx, int64_t sym, const argo_bar *b)
{
    seen_bars *s = ctx;
    if (s->n < 16) {
        s->sym[s->n] = sym;
        s->ts[s->n] = b->ts;
    }
    s->n++;
    return 0;
}

static int stop_at_two(void *ctx, int64_t sym, const argo_bar *b)
{
    note_bar(ctx, sym, b);
    return ((seen_bars *)ctx)->n == 2 ? 42 : 0;
}

static void bars_are_scanned_by_range_in_time_order(void **state)
{
    (void)state;
    argo_store *st = fresh("scan");
    int64_t x, y;
    /* names out of id order: the listing is by name */
    assert_int_equal(argo_store_symbol_id(st, "ZED", true, &x, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "ALPHA", true, &y, NULL), 0);
    argo_bar bx[3] = {bar_at(1 * 86400, 10), bar_at(3 * 86400, 11), bar_at(5 * 86400, 12)};
    argo_bar by[2] = {bar_at(2 * 86400, 20), bar_at(3 * 86400, 21)};
    assert_int_equal(argo_store_bars_put(st, x, bx, 3, NULL, NULL), 0);
    assert_int_equal(argo_store_bars_put(st, y, by, 2, NULL, NULL), 0);
    seen_bars s = {0};
    assert_int_equal(argo_store_bars_scan(st, x, 1 * 86400, 5 * 86400, note_bar, &s, NULL), 0);
    assert_int_equal(s.n, 2); /* after < ts <= to */
    assert_int_equal(s.ts[0], 3 * 86400);
    assert_int_equal(s.ts[1], 5 * 86400);
    assert_int_equal(s.sym[0], x);
    s = (seen_bars){0};
    assert_int_equal(argo_store_bars_scan_all(st, 3 * 86400, note_bar, &s, NULL), 0);
    assert_int_equal(s.n, 4); /* ts <= to, by ts then symbol id */
    int64_t lo = x < y ? x : y, hi = x < y ? y : x;
    assert_int_equal(s.ts[0], 1 * 86400);
    assert_int_equal(s.ts[1], 2 * 86400);
    assert_int_equal(s.ts[2], 3 * 86400);
    assert_int_equal(s.sym[2], lo);
    assert_int_equal(s.ts[3], 3 * 86400);
    assert_int_equal(s.sym[3], hi);
    s = (seen_bars){0};
    assert_int_equal(argo_store_bars_scan_all(st, INT64_MAX, stop_at_two, &s, NULL), 42);
    assert_int_equal(s.n, 2);
    /* a window of time, every symbol, in any order: after < ts <= to */
    s = (seen_bars){0};
    assert_int_equal(argo_store_bars_scan_window(st, 1 * 86400, 3 * 86400, note_bar, &s, NULL), 0);
    assert_int_equal(s.n, 3);
    int found = 0;
    for (int i = 0; i < 3; i++)
        found |= s.sym[i] == x && s.ts[i] == 3 * 86400   ? 1
                 : s.sym[i] == y && s.ts[i] == 2 * 86400 ? 2
                 : s.sym[i] == y && s.ts[i] == 3 * 86400 ? 4
                                                         : 8;
    assert_int_equal(found, 7);
    s = (seen_bars){0};
    assert_int_equal(argo_store_bars_scan_window(st, INT64_MIN, INT64_MAX, note_bar, &s, NULL), 0);
    assert_int_equal(s.n, 5);
    s = (seen_bars){0};
    assert_int_equal(argo_store_bars_scan_window(st, 5 * 86400, INT64_MAX, note_bar, &s, NULL), 0);
    assert_int_equal(s.n, 0);
    s = (seen_bars){0};
    assert_int_equal(argo_store_bars_scan_window(st, INT64_MIN, INT64_MAX, stop_at_two, &s, NULL),
                     42);
    assert_int_equal(s.n, 2);
    int64_t count;
    assert_int_equal(argo_store_bars_count(st, 3 * 86400, &count, NULL), 0);
    assert_int_equal(count, 4);
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &count, NULL), 0);
    assert_int_equal(count, 5);
    argo_symbol *syms;
    size_t n;
    int64_t z;
    assert_int_equal(argo_store_symbol_id(st, "MID", true, &z, NULL), 0);
    assert_int_equal(argo_store_symbols(st, &syms, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_string_equal(syms[0].name, "ALPHA");
    assert_int_equal(syms[0].id, y);
    assert_int_equal(syms[0].first_ts, 2 * 86400);
    assert_int_equal(syms[0].last_ts, 3 * 86400);
    assert_string_equal(syms[1].name, "MID");
    assert_int_equal(syms[1].first_ts, INT64_MIN); /* no bars */
    assert_int_equal(syms[1].last_ts, INT64_MIN);
    assert_string_equal(syms[2].name, "ZED");
    assert_int_equal(syms[2].last_ts, 5 * 86400);
    free(syms);
    int64_t again;
    assert_int_equal(argo_store_symbol_id(st, "ZED", true, &again, NULL), 0);
    assert_int_equal(again, x);
    argo_store_close(st);
}

/* ---- signals ------------------------------------------------------------- */

static argo_signal sig_of(int64_t sym, int64_t ts, argo_status status, int64_t exit_ts)
{
    argo_signal g = {.symbol_id = sym,
                     .action = ARGO_BUY,
                     .ts = ts,
                     .entry = 10,
                     .target = 11,
                     .stop = 9.5,
                     .raw_confidence = 0.5,
                     .confidence = 0.6,
                     .expires_at = ts + 30 * 86400,
                     .status = status,
                     .scanned_to = ts};
    if (status != ARGO_OPEN) {
        g.exit_reason = status == ARGO_WIN ? ARGO_EXIT_TARGET : ARGO_EXIT_STOP;
        g.exit_ts = exit_ts;
        g.exit_price = status == ARGO_WIN ? 11 : 9.5;
        g.pnl_pct = status == ARGO_WIN ? 9.8 : -5.2;
        g.scanned_to = exit_ts;
    }
    return g;
}

typedef struct seen_sigs {
    int64_t id[16];
    int n;
} seen_sigs;

static int note_sig(void *ctx, const argo_signal *g)
{
    seen_sigs *s = ctx;
    if (s->n < 16)
        s->id[s->n] = g->id;
    s->n++;
    return 0;
}

/* The ids of v named by index, to compare a scan with. */
static void expect_ids(const seen_sigs *s, const argo_signal *v, const int *want, int n)
{
    assert_int_equal(s->n, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(s->id[i], v[want[i]].id);
}

static int take_first(void *ctx, const argo_signal *g)
{
    *(argo_signal *)ctx = *g;
    return 1; /* the first one is enough */
}

static void signals_are_inserted_in_batches_and_read_back_whole(void **state)
{
    (void)state;
    argo_store *st = fresh("sigs");
    int64_t sym;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &sym, NULL), 0);
    argo_signal v[3] = {sig_of(sym, 86400, ARGO_OPEN, 0),
                        sig_of(sym, 2 * 86400, ARGO_WIN, 3 * 86400),
                        sig_of(sym, 2 * 86400, ARGO_LOSS, 4 * 86400)};
    v[0].action = ARGO_SELL;
    v[0].target = 9;
    v[0].stop = 10.5;
    v[0].model_version = 7;
    v[0].published = 1;
    v[0].votes[ARGO_STRAT_TREND] = (argo_vote){ARGO_BUY, 0.25};
    v[0].votes[ARGO_STRAT_MACD] = (argo_vote){ARGO_SELL, 0.75};
    v[1].gap = 1;
    v[1].bars_held = 3;
    v[1].mfe_pct = 10.5;
    v[1].mae_pct = -1.25;
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_signals_insert(st, v, 3, NULL), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    assert_true(v[0].id > 0 && v[0].id < v[1].id && v[1].id < v[2].id);
    seen_sigs s = {0};
    assert_int_equal(argo_store_signals_all(st, 0, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){0, 1, 2}, 3);
    /* every field as stored */
    argo_signal first;
    assert_int_equal(argo_store_signals_open(st, 0, take_first, &first, NULL), 1);
    assert_int_equal(first.id, v[0].id);
    assert_int_equal(first.symbol_id, sym);
    assert_string_equal(first.symbol, "ABC");
    assert_int_equal(first.action, ARGO_SELL);
    assert_int_equal(first.ts, 86400);
    assert_true(first.entry == 10 && first.target == 9 && first.stop == 10.5);
    assert_true(first.raw_confidence == 0.5 && first.confidence == 0.6);
    assert_int_equal(first.model_version, 7);
    assert_int_equal(first.published, 1);
    assert_int_equal(first.votes[ARGO_STRAT_TREND].dir, ARGO_BUY);
    assert_true(first.votes[ARGO_STRAT_TREND].strength == 0.25);
    assert_int_equal(first.votes[ARGO_STRAT_MACD].dir, ARGO_SELL);
    assert_true(first.votes[ARGO_STRAT_MACD].strength == 0.75);
    assert_int_equal(first.votes[ARGO_STRAT_MEANREV].dir, ARGO_NONE);
    assert_int_equal(first.expires_at, 86400 + 30 * 86400);
    assert_int_equal(first.status, ARGO_OPEN);
    assert_int_equal(
        argo_store_signals_resolved(st, INT64_MIN, INT64_MAX, take_first, &first, NULL), 1);
    assert_int_equal(first.id, v[1].id);
    assert_int_equal(first.status, ARGO_WIN);
    assert_int_equal(first.exit_reason, ARGO_EXIT_TARGET);
    assert_int_equal(first.gap, 1);
    assert_int_equal(first.exit_ts, 3 * 86400);
    assert_true(first.exit_price == 11 && first.pnl_pct == 9.8);
    assert_int_equal(first.bars_held, 3);
    assert_true(first.mfe_pct == 10.5 && first.mae_pct == -1.25);
    assert_int_equal(first.scanned_to, 3 * 86400);
    argo_store_close(st);
}

static void signals_are_updated_in_batches(void **state)
{
    (void)state;
    argo_store *st = fresh("upd");
    int64_t sym;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &sym, NULL), 0);
    argo_signal v[2] = {sig_of(sym, 86400, ARGO_OPEN, 0), sig_of(sym, 2 * 86400, ARGO_OPEN, 0)};
    assert_int_equal(argo_store_signals_insert(st, v, 2, NULL), 0);
    v[0].scanned_to = 5 * 86400;
    v[0].bars_held = 4;
    v[1].status = ARGO_LOSS;
    v[1].exit_reason = ARGO_EXIT_STOP;
    v[1].exit_ts = 6 * 86400;
    v[1].exit_price = 9.5;
    v[1].pnl_pct = -5.2;
    v[1].scanned_to = 6 * 86400;
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_signals_update(st, v, 2, NULL), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    argo_signal g;
    assert_int_equal(argo_store_signals_open(st, 0, take_first, &g, NULL), 1);
    assert_int_equal(g.id, v[0].id);
    assert_int_equal(g.scanned_to, 5 * 86400);
    assert_int_equal(g.bars_held, 4);
    assert_int_equal(argo_store_signals_resolved(st, INT64_MIN, INT64_MAX, take_first, &g, NULL),
                     1);
    assert_int_equal(g.id, v[1].id);
    assert_int_equal(g.status, ARGO_LOSS);
    assert_int_equal(g.exit_ts, 6 * 86400);
    argo_signal missing = v[0];
    missing.id = v[1].id + 100;
    argo_err e;
    assert_int_equal(argo_store_signals_update(st, &missing, 1, &e), ARGO_ENOENT);
    assert_int_equal(argo_store_signals_update(st, NULL, 0, &e), 0);
    argo_store_close(st);
}

/* Each signal query has its filter and its order, whatever the order
 * of insertion. */
static void each_signal_query_keeps_its_filter_and_order(void **state)
{
    (void)state;
    argo_store *st = fresh("orders");
    int64_t a, b;
    assert_int_equal(argo_store_symbol_id(st, "A", true, &a, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "B", true, &b, NULL), 0);
    const int64_t D = 86400;
    argo_signal v[6] = {
        sig_of(a, 5 * D, ARGO_OPEN, 0),       /* 0 */
        sig_of(b, 2 * D, ARGO_WIN, 9 * D),    /* 1 */
        sig_of(a, 2 * D, ARGO_LOSS, 4 * D),   /* 2 */
        sig_of(b, 5 * D, ARGO_OPEN, 0),       /* 3: same ts as 0, later id */
        sig_of(a, 1 * D, ARGO_WIN, 9 * D),    /* 4: same exit as 1, later id */
        sig_of(b, 3 * D, ARGO_EXPIRED, 4 * D) /* 5: same exit as 2 */
    };
    v[5].exit_reason = ARGO_EXIT_EXPIRY;
    assert_int_equal(argo_store_signals_insert(st, v, 6, NULL), 0);
    seen_sigs s = {0};
    assert_int_equal(argo_store_signals_all(st, 0, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){4, 1, 2, 5, 0, 3}, 6); /* (ts, id) */
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_all(st, a, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){4, 2, 0}, 3);
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_open(st, 0, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){0, 3}, 2);
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_open(st, b, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){3}, 1);
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_made(st, 2 * D, 5 * D, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){1, 2, 5}, 3); /* [from, to) */
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_made(st, 5 * D, 5 * D, note_sig, &s, NULL), 0);
    assert_int_equal(s.n, 0);
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_resolved(st, INT64_MIN, INT64_MAX, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){2, 5, 1, 4}, 4); /* (exit_ts, id) */
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_resolved(st, 4 * D, 9 * D, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){2, 5}, 2);
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_resolved(st, INT64_MIN, 4 * D, note_sig, &s, NULL), 0);
    assert_int_equal(s.n, 0); /* resolved before 4 days: none */
    argo_store_close(st);
}

typedef struct seen_outcomes {
    argo_outcome v[8];
    int n;
} seen_outcomes;

static int note_outcome(void *ctx, const argo_outcome *o)
{
    seen_outcomes *s = ctx;
    if (s->n < 8)
        s->v[s->n] = *o;
    s->n++;
    return 0;
}

static void outcomes_are_counted_and_scanned_in_exit_order(void **state)
{
    (void)state;
    argo_store *st = fresh("outcomes");
    int64_t a, b;
    assert_int_equal(argo_store_symbol_id(st, "A", true, &a, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "B", true, &b, NULL), 0);
    const int64_t D = 86400;
    argo_signal v[4] = {sig_of(b, 1 * D, ARGO_WIN, 6 * D), sig_of(a, 1 * D, ARGO_LOSS, 3 * D),
                        sig_of(a, 2 * D, ARGO_OPEN, 0), sig_of(a, 2 * D, ARGO_WIN, 8 * D)};
    v[1].raw_confidence = 0.25;
    assert_int_equal(argo_store_signals_insert(st, v, 4, NULL), 0);
    argo_symbol_count *c;
    size_t n;
    int64_t total;
    assert_int_equal(argo_store_outcome_counts(st, 7 * D, &c, &n, &total, NULL), 0);
    assert_int_equal(total, 2);
    assert_int_equal(n, 2);
    assert_int_equal(c[0].symbol_id, a < b ? a : b);
    assert_int_equal(c[0].count, 1);
    assert_int_equal(c[1].count, 1);
    free(c);
    assert_int_equal(argo_store_outcome_counts(st, INT64_MAX, &c, &n, &total, NULL), 0);
    assert_int_equal(total, 3);
    free(c);
    seen_outcomes s = {0};
    assert_int_equal(argo_store_outcomes_scan(st, INT64_MAX, note_outcome, &s, NULL), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.v[0].exit_ts, 3 * D);
    assert_int_equal(s.v[0].symbol_id, a);
    assert_int_equal(s.v[0].status, ARGO_LOSS);
    assert_true(s.v[0].raw_confidence == 0.25);
    assert_true(s.v[0].pnl_pct == -5.2);
    assert_int_equal(s.v[1].exit_ts, 6 * D);
    assert_int_equal(s.v[2].exit_ts, 8 * D);
    s = (seen_outcomes){0};
    assert_int_equal(argo_store_outcomes_scan(st, 6 * D, note_outcome, &s, NULL), 0);
    assert_int_equal(s.n, 1); /* exit_ts < before */
    argo_store_close(st);
}

/* The days of signal_days from from, as a list to compare. */
static void expect_days(argo_store *st, int64_t from, const int64_t *want, size_t n)
{
    int64_t sentinel;
    int64_t *days = &sentinel; /* not NULL: the call must set it */
    size_t k = 99;
    argo_err e;
    if (argo_store_signal_days(st, from, &days, &k, &e))
        fail_msg("signal_days: %s", e.msg);
    assert_int_equal(k, n);
    if (!n)
        assert_null(days);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(days[i], want[i]);
    free(days);
}

/* The hand-made signals of the two narrow reads below, inserted in
 * this order (ids increase): days made and resolved, two made on one
 * day, one resolved on a day another was made, one before 1970, one
 * open, and two with the same ts. */
static void insert_day_signals(argo_store *st, argo_signal v[6])
{
    const int64_t D = 86400;
    int64_t a, b;
    assert_int_equal(argo_store_symbol_id(st, "A", true, &a, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "B", true, &b, NULL), 0);
    v[0] = sig_of(a, 5 * D + 3600, ARGO_OPEN, 0);              /* made on day 5 */
    v[1] = sig_of(b, 2 * D + 200, ARGO_WIN, 4 * D + 50000);    /* days 2, 4 */
    v[2] = sig_of(a, 2 * D + 100, ARGO_LOSS, 9 * D + 1);       /* days 2, 9 */
    v[3] = sig_of(b, 4 * D + 10, ARGO_EXPIRED, 9 * D + D - 1); /* days 4, 9 */
    v[4] = sig_of(a, -D + 5, ARGO_WIN, 2 * D + 7);             /* days -1 (1969-12-31), 2 */
    v[5] = sig_of(b, 2 * D + 100, ARGO_LOSS, 3 * D);           /* v[2]'s ts, later id; day 3 */
    v[3].exit_reason = ARGO_EXIT_EXPIRY;
    v[3].pnl_pct = 0.75; /* expired in profit: label 1 */
    for (int i = 0; i < 6; i++) {
        v[i].raw_confidence = 0.125 * (i + 1);
        v[i].confidence = 0.1 * (i + 1);
    }
    assert_int_equal(argo_store_signals_insert(st, v, 6, NULL), 0);
}

static void signal_days_are_the_distinct_days_made_or_resolved_from_a_bound(void **state)
{
    (void)state;
    const int64_t D = 86400;
    argo_store *st = fresh("signal_days");
    expect_days(st, INT64_MIN, NULL, 0); /* an empty store */
    expect_days(st, 0, NULL, 0);
    argo_signal v[6];
    insert_day_signals(st, v);
    expect_days(st, INT64_MIN, (int64_t[]){-D, 2 * D, 3 * D, 4 * D, 5 * D, 9 * D}, 6);
    expect_days(st, 4 * D, (int64_t[]){4 * D, 5 * D, 9 * D}, 3);
    /* a bound inside a day: that day is before it, though v[3] was made after the bound */
    expect_days(st, 4 * D + 1, (int64_t[]){5 * D, 9 * D}, 2);
    /* day 9 only from resolutions, day 5 only from an open signal */
    expect_days(st, 6 * D, (int64_t[]){9 * D}, 1);
    expect_days(st, 9 * D + 1, NULL, 0);
    expect_days(st, -D + 6, (int64_t[]){2 * D, 3 * D, 4 * D, 5 * D, 9 * D}, 5);
    /* the open signal resolves: its exit day joins, its made day stays */
    v[0].status = ARGO_WIN;
    v[0].exit_reason = ARGO_EXIT_TARGET;
    v[0].exit_ts = 12 * D + 5;
    v[0].exit_price = 11;
    v[0].pnl_pct = 9.8;
    assert_int_equal(argo_store_signals_update(st, v, 1, NULL), 0);
    expect_days(st, 5 * D, (int64_t[]){5 * D, 9 * D, 12 * D}, 3);
    argo_store_close(st);
}

typedef struct seen_resolved {
    argo_resolved_item v[8];
    int n, stop_after; /* stop_after: return 7 after that many (0: never) */
} seen_resolved;

static int note_resolved(void *ctx, const argo_resolved_item *r)
{
    seen_resolved *s = ctx;
    if (s->n < 8)
        s->v[s->n] = *r;
    s->n++;
    return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

static void the_resolved_scan_reads_resolved_signals_in_ts_id_order(void **state)
{
    (void)state;
    argo_store *st = fresh("resolved_scan");
    seen_resolved s = {0};
    assert_int_equal(argo_store_resolved_scan(st, note_resolved, &s, NULL), 0);
    assert_int_equal(s.n, 0); /* an empty store */
    argo_signal v[6];
    insert_day_signals(st, v);
    assert_int_equal(argo_store_resolved_scan(st, note_resolved, &s, NULL), 0);
    const int want[] = {4, 2, 5, 1, 3}; /* (ts, id); v[0] is open */
    assert_int_equal(s.n, 5);
    for (int i = 0; i < 5; i++) {
        const argo_signal *g = &v[want[i]];
        const argo_resolved_item *r = &s.v[i];
        assert_int_equal(r->ts, g->ts);
        assert_int_equal(r->exit_ts, g->exit_ts);
        assert_true(r->raw_confidence == g->raw_confidence);
        assert_true(r->confidence == g->confidence);
        assert_true(r->pnl_pct == g->pnl_pct);
        assert_int_equal(r->status, g->status);
    }
    assert_int_equal(s.v[4].status, ARGO_EXPIRED);
    assert_true(s.v[4].pnl_pct == 0.75);
    /* a non-zero return stops the scan and is returned */
    s = (seen_resolved){.stop_after = 2};
    assert_int_equal(argo_store_resolved_scan(st, note_resolved, &s, NULL), 7);
    assert_int_equal(s.n, 2);
    argo_store_close(st);
}

/* ---- models -------------------------------------------------------------- */

static argo_model_row model_of(const char *scope, int64_t sym, int64_t through, double *x,
                               double *y, size_t n)
{
    argo_model_row m = {.symbol_id = sym,
                        .trained_through = through,
                        .window_from = 1,
                        .window_to = through - 1,
                        .samples = 40,
                        .n = n,
                        .x = x,
                        .y = y,
                        .brier_raw = 0.25,
                        .brier = 0.2,
                        .log_loss_raw = NAN,
                        .log_loss = 0.6,
                        .ece_raw = 0.1,
                        .ece = 0.05,
                        .created_at = 1700000000};
    snprintf(m.scope, sizeof m.scope, "%s", scope);
    return m;
}

typedef struct seen_models {
    int64_t version[8];
    size_t n_points[8];
    int n;
} seen_models;

static int note_model(void *ctx, const argo_model_row *m)
{
    seen_models *s = ctx;
    if (s->n < 8) {
        s->version[s->n] = m->version;
        s->n_points[s->n] = m->n;
    }
    s->n++;
    return 0;
}

static void models_keep_their_points_bit_for_bit(void **state)
{
    (void)state;
    argo_store *st = fresh("models");
    int64_t sym;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &sym, NULL), 0);
    double x[4] = {0.1, 1.0 / 3, 0.5 + 1e-16, 0.9999999999999999};
    double y[4] = {5e-324, 0.2, 2.0 / 3, 1};
    argo_model_row g1 = model_of("global", 0, 100, x, y, 4);
    argo_model_row s1 = model_of("symbol", sym, 200, x, y, 3);
    s1.base_version = 0;
    argo_model_row g2 = model_of("global", 0, 300, x + 1, y + 1, 3);
    argo_err e;
    argo_model_row got;
    assert_int_equal(argo_store_model_latest(st, "global", 0, &got, &e), ARGO_ENOENT);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_model_insert(st, &g1, NULL), 0);
    s1.base_version = g1.version;
    s1.base_weight = 0.25;
    assert_int_equal(argo_store_model_insert(st, &s1, NULL), 0);
    assert_int_equal(argo_store_model_insert(st, &g2, NULL), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    assert_true(g1.version > 0 && g1.version < s1.version && s1.version < g2.version);
    assert_int_equal(argo_store_model_get(st, g1.version, &got, NULL), 0);
    assert_int_equal(got.n, 4);
    assert_memory_equal(got.x, x, sizeof x);
    assert_memory_equal(got.y, y, sizeof y);
    assert_string_equal(got.scope, "global");
    assert_int_equal(got.trained_through, 100);
    assert_int_equal(got.window_from, 1);
    assert_int_equal(got.window_to, 99);
    assert_int_equal(got.samples, 40);
    assert_true(got.brier_raw == 0.25 && got.brier == 0.2 && got.log_loss == 0.6);
    assert_true(isnan(got.log_loss_raw)); /* an absent metric stays absent */
    assert_true(got.ece_raw == 0.1 && got.ece == 0.05);
    assert_int_equal(got.created_at, 1700000000);
    assert_int_equal(got.base_version, 0);
    argo_model_row_cleanup(&got);
    assert_int_equal(argo_store_model_latest(st, "global", 0, &got, NULL), 0);
    assert_int_equal(got.version, g2.version);
    assert_int_equal(got.n, 3);
    assert_memory_equal(got.x, x + 1, 3 * sizeof *x);
    argo_model_row_cleanup(&got);
    assert_int_equal(argo_store_model_latest(st, "symbol", sym, &got, NULL), 0);
    assert_int_equal(got.version, s1.version);
    assert_int_equal(got.symbol_id, sym);
    assert_int_equal(got.base_version, g1.version);
    assert_true(got.base_weight == 0.25);
    argo_model_row_cleanup(&got);
    assert_int_equal(argo_store_model_latest(st, "symbol", sym + 1, &got, &e), ARGO_ENOENT);
    assert_int_equal(argo_store_model_get(st, g2.version + 1, &got, &e), ARGO_ENOENT);
    seen_models s = {0};
    assert_int_equal(argo_store_models_scan(st, note_model, &s, NULL), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.version[0], g1.version);
    assert_int_equal(s.version[1], s1.version);
    assert_int_equal(s.version[2], g2.version);
    assert_int_equal(s.n_points[0], 0); /* points not loaded */
    argo_store_close(st);
}

/* The reset keeps bars and external models; signals, states, counts and
 * models fitted on signals go. */
static void the_reset_keeps_bars_and_external_models_only(void **state)
{
    (void)state;
    argo_store *st = fresh("reset");
    int64_t sym;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &sym, NULL), 0);
    argo_bar b = bar_at(86400, 10);
    assert_int_equal(argo_store_bars_put(st, sym, &b, 1, NULL, NULL), 0);
    argo_signal g = sig_of(sym, 86400, ARGO_WIN, 2 * 86400);
    assert_int_equal(argo_store_signals_insert(st, &g, 1, NULL), 0);
    assert_int_equal(argo_store_state_put(st, sym, "s", 1, NULL), 0);
    assert_int_equal(argo_store_suppressed_add(st, sym, 86400, 2, NULL), 0);
    double x[2] = {0.2, 0.8}, y[2] = {0.1, 0.9};
    argo_model_row ext = model_of("external", 0, 0, x, y, 2),
                   glob = model_of("global", 0, 5, x, y, 2);
    assert_int_equal(argo_store_model_insert(st, &ext, NULL), 0);
    assert_int_equal(argo_store_model_insert(st, &glob, NULL), 0);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_lock(st, "cycle", NULL), 0);
    assert_int_equal(argo_store_signals_reset(st, NULL), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    seen_sigs s = {0};
    assert_int_equal(argo_store_signals_all(st, 0, note_sig, &s, NULL), 0);
    assert_int_equal(s.n, 0);
    unsigned char *blob;
    size_t len;
    assert_int_equal(argo_store_state_get(st, sym, &blob, &len, NULL), ARGO_ENOENT);
    int64_t count;
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &count, NULL), 0);
    assert_int_equal(count, 1);
    seen_models m = {0};
    assert_int_equal(argo_store_models_scan(st, note_model, &m, NULL), 0);
    assert_int_equal(m.n, 1);
    assert_int_equal(m.version[0], ext.version);
    argo_store_close(st);
}

/* ---- no store call from a scan callback ---------------------------------- */

typedef struct nested {
    argo_store *st;
    int rc;
    char msg[ARGO_ERR_MSG_MAX];
} nested;

static int call_inside(void *ctx, const argo_signal *g)
{
    nested *n = ctx;
    argo_err e;
    argo_signal copy = *g;
    n->rc = argo_store_signals_update(n->st, &copy, 1, &e);
    snprintf(n->msg, sizeof n->msg, "%s", e.msg);
    return n->rc;
}

static int symbols_inside(void *ctx, int64_t sym, const argo_bar *b)
{
    (void)sym;
    (void)b;
    nested *n = ctx;
    argo_symbol *syms;
    size_t k;
    n->rc = argo_store_symbols(n->st, &syms, &k, NULL);
    return n->rc;
}

static int days_inside(void *ctx, const argo_resolved_item *r)
{
    (void)r;
    nested *n = ctx;
    int64_t *days = NULL;
    size_t k = 0;
    n->rc = argo_store_signal_days(n->st, INT64_MIN, &days, &k, NULL);
    free(days);
    return n->rc;
}

static void a_store_call_from_a_scan_callback_is_refused(void **state)
{
    (void)state;
    argo_store *st = fresh("nested");
    int64_t sym;
    assert_int_equal(argo_store_symbol_id(st, "ABC", true, &sym, NULL), 0);
    argo_bar b = bar_at(86400, 10);
    assert_int_equal(argo_store_bars_put(st, sym, &b, 1, NULL, NULL), 0);
    argo_signal g = sig_of(sym, 86400, ARGO_OPEN, 0);
    assert_int_equal(argo_store_signals_insert(st, &g, 1, NULL), 0);
    nested n = {.st = st};
    assert_int_equal(argo_store_signals_open(st, 0, call_inside, &n, NULL), ARGO_EINVAL);
    assert_int_equal(n.rc, ARGO_EINVAL);
    assert_non_null(strstr(n.msg, "inside a scan callback"));
    n = (nested){.st = st};
    assert_int_equal(argo_store_bars_scan(st, sym, INT64_MIN, INT64_MAX, symbols_inside, &n, NULL),
                     ARGO_EINVAL);
    argo_signal done = sig_of(sym, 2 * 86400, ARGO_WIN, 3 * 86400);
    assert_int_equal(argo_store_signals_insert(st, &done, 1, NULL), 0);
    n = (nested){.st = st};
    assert_int_equal(argo_store_resolved_scan(st, days_inside, &n, NULL), ARGO_EINVAL);
    assert_int_equal(n.rc, ARGO_EINVAL);
    /* after the scan, the handle works again */
    argo_symbol *syms;
    size_t k;
    assert_int_equal(argo_store_symbols(st, &syms, &k, NULL), 0);
    free(syms);
    assert_int_equal(argo_store_signals_update(st, &g, 1, NULL), 0);
    assert_non_null(argo_store_backend(st));
    argo_store_close(st);
}

/* ---- the event log --------------------------------------------------------- */

typedef struct seen_events {
    int64_t seq[16];
    char channel[16][16];
    char symbol[16][ARGO_SYMBOL_MAX];
    char data[16][64];
    double confidence[16];
    bool published[16];
    int64_t logged_at[16];
    int n;
} seen_events;

static int note_event(void *ctx, const argo_event *ev)
{
    seen_events *s = ctx;
    if (s->n < 16) {
        s->seq[s->n] = ev->seq;
        snprintf(s->channel[s->n], sizeof s->channel[0], "%s", ev->channel);
        snprintf(s->symbol[s->n], sizeof s->symbol[0], "%s", ev->symbol);
        snprintf(s->data[s->n], sizeof s->data[0], "%s", ev->data);
        s->confidence[s->n] = ev->confidence;
        s->published[s->n] = ev->published;
        s->logged_at[s->n] = ev->logged_at;
    }
    s->n++;
    return 0;
}

static int64_t append(argo_store *st, const char *channel, const char *symbol, const char *data)
{
    argo_event ev = {
        .channel = channel, .symbol = symbol, .confidence = 0.75, .published = true, .data = data};
    int64_t seq = -1;
    argo_err e;
    if (argo_store_event_append(st, &ev, &seq, &e))
        fail_msg("append: %s", e.msg);
    return seq;
}

static void events_are_numbered_in_order_and_read_after_a_cursor(void **state)
{
    (void)state;
    argo_store *st = fresh("events");
    int64_t last = -1;
    assert_int_equal(argo_store_event_last(st, &last, NULL), 0);
    assert_int_equal(last, 0); /* empty */
    int64_t a = append(st, "signals", "ABC", "{\"id\":1}");
    int64_t b = append(st, "outcomes", "ABC", "{\"id\":1,\"status\":\"win\"}");
    int64_t c = append(st, "health", "", "{}");
    assert_true(a > 0 && a < b && b < c);
    assert_int_equal(argo_store_event_last(st, &last, NULL), 0);
    assert_int_equal(last, c);
    seen_events s = {0};
    assert_int_equal(argo_store_events_after(st, 0, 0, note_event, &s, NULL), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.seq[0], a);
    assert_string_equal(s.channel[0], "signals");
    assert_string_equal(s.symbol[0], "ABC");
    assert_string_equal(s.data[0], "{\"id\":1}");
    assert_true(s.confidence[0] == 0.75);
    assert_true(s.published[0]);
    assert_true(s.logged_at[0] > (int64_t)1600000000 * 1000); /* wall clock, in ms */
    assert_string_equal(s.channel[1], "outcomes");
    assert_string_equal(s.symbol[2], "");
    /* after a cursor, at most limit */
    s = (seen_events){0};
    assert_int_equal(argo_store_events_after(st, a, 1, note_event, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.seq[0], b);
    s = (seen_events){0};
    assert_int_equal(argo_store_events_after(st, b, 5, note_event, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.seq[0], c);
    s = (seen_events){0};
    assert_int_equal(argo_store_events_after(st, c, 0, note_event, &s, NULL), 0);
    assert_int_equal(s.n, 0);
    /* bad events are refused and not numbered */
    argo_err e;
    int64_t seq;
    argo_event bad = {.channel = "trades", .symbol = "", .data = "{}"};
    assert_int_equal(argo_store_event_append(st, &bad, &seq, &e), ARGO_EDATA);
    bad.channel = "bars";
    bad.symbol = "A_SYMBOL_NAME_FAR_TOO_LONG_TO_STORE";
    assert_int_equal(argo_store_event_append(st, &bad, &seq, &e), ARGO_EDATA);
    char *big = malloc(ARGO_EVENT_DATA_MAX + 2);
    memset(big, 'x', ARGO_EVENT_DATA_MAX + 1);
    big[ARGO_EVENT_DATA_MAX + 1] = 0;
    bad.symbol = "ABC";
    bad.data = big;
    assert_int_equal(argo_store_event_append(st, &bad, &seq, &e), ARGO_EDATA);
    big[ARGO_EVENT_DATA_MAX] = 0; /* at the limit: stored */
    assert_int_equal(argo_store_event_append(st, &bad, &seq, &e), 0);
    assert_true(seq > c);
    free(big);
    argo_store_close(st);
}

static int stop_events(void *ctx, const argo_event *ev)
{
    (void)ev;
    ++*(int *)ctx;
    return 7;
}

static void a_rolled_back_append_leaves_no_event(void **state)
{
    (void)state;
    argo_store *st = fresh("events_rb");
    int64_t a = append(st, "signals", "ABC", "{}");
    assert_int_equal(argo_store_begin(st, NULL), 0);
    int64_t b = append(st, "signals", "ABC", "{\"gone\":true}");
    assert_true(b > a);
    argo_store_rollback(st);
    int64_t last;
    assert_int_equal(argo_store_event_last(st, &last, NULL), 0);
    assert_int_equal(last, a);
    seen_events s = {0};
    assert_int_equal(argo_store_events_after(st, 0, 0, note_event, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    /* the next committed event is numbered after every committed one; the
     * rolled-back number was never visible to a reader (a backend may
     * give it again, as SQLite does, or skip it, as a sequence does) */
    assert_int_equal(argo_store_begin(st, NULL), 0);
    int64_t c = append(st, "outcomes", "ABC", "{\"kept\":true}");
    assert_int_equal(argo_store_commit(st, NULL), 0);
    assert_true(c > a);
    s = (seen_events){0};
    assert_int_equal(argo_store_events_after(st, a, 0, note_event, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.seq[0], c);
    assert_string_equal(s.data[0], "{\"kept\":true}");
    /* a committed number is never given again, also to a new handle */
    argo_store_close(st);
    st = open_named("events_rb", NULL);
    int64_t d = append(st, "signals", "ABC", "{}");
    assert_true(d > c);
    /* a callback's non-zero return stops the scan and is returned */
    int calls = 0;
    assert_int_equal(argo_store_events_after(st, 0, 0, stop_events, &calls, NULL), 7);
    assert_int_equal(calls, 1);
    argo_store_close(st);
}

/* ---- API keys ------------------------------------------------------------------ */

static argo_key_row key_of(const char *name, const char *role, unsigned char fill)
{
    argo_key_row k = {.created_at = 1700000000};
    snprintf(k.name, sizeof k.name, "%s", name);
    snprintf(k.role, sizeof k.role, "%s", role);
    memset(k.hash, fill, sizeof k.hash);
    snprintf(k.prefix, sizeof k.prefix, "argo_%c%c%c", 'a' + fill % 26, 'b', 'c');
    return k;
}

static void keys_are_unique_by_name_and_hash_and_revoked_once(void **state)
{
    (void)state;
    argo_store *st = fresh("keys");
    argo_key_row *v;
    size_t n;
    assert_int_equal(argo_store_keys(st, &v, &n, NULL), 0);
    assert_int_equal(n, 0);
    free(v);
    argo_key_row a = key_of("ops", "admin", 1), b = key_of("", "read", 2),
                 c = key_of("", "stream", 3);
    assert_int_equal(argo_store_key_add(st, &a, NULL), 0);
    assert_int_equal(argo_store_key_add(st, &b, NULL), 0);
    assert_int_equal(argo_store_key_add(st, &c, NULL), 0); /* "" twice: no name, allowed */
    assert_true(a.id > 0 && a.id < b.id && b.id < c.id);
    argo_err e;
    argo_key_row same_name = key_of("ops", "read", 4), same_hash = key_of("other", "read", 2);
    assert_int_equal(argo_store_key_add(st, &same_name, &e), ARGO_ECONFLICT);
    assert_non_null(strstr(e.msg, "ops"));
    assert_int_equal(argo_store_key_add(st, &same_hash, &e), ARGO_ECONFLICT);
    argo_key_row bad = key_of("x", "root", 5);
    assert_int_equal(argo_store_key_add(st, &bad, &e), ARGO_EDATA);
    assert_int_equal(argo_store_keys(st, &v, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_int_equal(v[0].id, a.id);
    assert_string_equal(v[0].name, "ops");
    assert_string_equal(v[0].role, "admin");
    assert_memory_equal(v[0].hash, a.hash, sizeof a.hash);
    assert_string_equal(v[0].prefix, a.prefix);
    assert_int_equal(v[0].created_at, 1700000000);
    assert_int_equal(v[0].revoked_at, 0);
    assert_string_equal(v[1].role, "read");
    assert_string_equal(v[2].role, "stream");
    free(v);
    assert_int_equal(argo_store_key_revoke(st, b.id, 1700000100, NULL), 0);
    assert_int_equal(argo_store_key_revoke(st, b.id, 1700000200, NULL), 0); /* no change */
    assert_int_equal(argo_store_key_revoke(st, c.id + 100, 1700000200, &e), ARGO_ENOENT);
    assert_int_equal(argo_store_keys(st, &v, &n, NULL), 0);
    assert_int_equal(v[1].revoked_at, 1700000100);
    assert_int_equal(v[0].revoked_at, 0);
    free(v);
    /* a revoked key keeps its name and hash */
    assert_int_equal(argo_store_key_add(st, &same_hash, &e), ARGO_ECONFLICT);
    argo_store_close(st);
}

/* ---- signal pages ----------------------------------------------------------- */

static void pages_follow_ids_after_the_cursor_under_every_filter(void **state)
{
    (void)state;
    argo_store *st = fresh("pages");
    int64_t x, y;
    assert_int_equal(argo_store_symbol_id(st, "XXX", true, &x, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "YYY", true, &y, NULL), 0);
    /* inserted out of ts order: a page follows ids, not times */
    argo_signal v[6] = {
        sig_of(x, 5 * 86400, ARGO_OPEN, 0),         sig_of(y, 1 * 86400, ARGO_WIN, 3 * 86400),
        sig_of(x, 2 * 86400, ARGO_LOSS, 4 * 86400), sig_of(y, 6 * 86400, ARGO_OPEN, 0),
        sig_of(x, 3 * 86400, ARGO_OPEN, 0),         sig_of(y, 4 * 86400, ARGO_WIN, 7 * 86400)};
    v[1].published = true;
    v[1].confidence = 0.9;
    v[3].published = true;
    v[3].confidence = 0.7;
    v[4].confidence = 0.8;
    assert_int_equal(argo_store_signals_insert(st, v, 6, NULL), 0);
    argo_signal_filter all = {.since = INT64_MIN,
                              .until = INT64_MAX,
                              .status = -1,
                              .published = -1,
                              .min_confidence = -1};
    seen_sigs s = {0};
    assert_int_equal(argo_store_signals_page(st, &all, 100, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){0, 1, 2, 3, 4, 5}, 6);
    /* pages of two, each after the last id of the one before */
    argo_signal_filter f = all;
    int pages = 0;
    for (int64_t cursor = 0;; pages++) {
        f.after_id = cursor;
        s = (seen_sigs){0};
        assert_int_equal(argo_store_signals_page(st, &f, 2, note_sig, &s, NULL), 0);
        if (s.n == 0)
            break;
        assert_true(s.n <= 2);
        assert_int_equal(s.id[0], v[pages * 2].id);
        cursor = s.id[s.n - 1];
    }
    assert_int_equal(pages, 3);
    /* each filter */
    f = all;
    f.symbol_id = x;
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 100, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){0, 2, 4}, 3);
    f.after_id = v[0].id;
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 1, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){2}, 1);
    f = all;
    f.since = 2 * 86400;
    f.until = 5 * 86400; /* [since, until) */
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 100, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){2, 4, 5}, 3);
    f = all;
    f.status = ARGO_OPEN;
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 100, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){0, 3, 4}, 3);
    f.status = -2; /* any resolved */
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 100, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){1, 2, 5}, 3);
    f.status = ARGO_WIN;
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 100, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){1, 5}, 2);
    f = all;
    f.published = 1;
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 100, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){1, 3}, 2);
    f.published = 0;
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 100, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){0, 2, 4, 5}, 4);
    f = all;
    f.min_confidence = 0.7; /* >= */
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 100, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){1, 3, 4}, 3);
    /* together */
    f.symbol_id = y;
    f.published = 1;
    f.status = ARGO_OPEN;
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 100, note_sig, &s, NULL), 0);
    expect_ids(&s, v, (int[]){3}, 1);
    /* a new insert goes after every page already read */
    argo_signal late = sig_of(x, 0, ARGO_OPEN, 0);
    assert_int_equal(argo_store_signals_insert(st, &late, 1, NULL), 0);
    f = all;
    f.after_id = v[5].id;
    s = (seen_sigs){0};
    assert_int_equal(argo_store_signals_page(st, &f, 100, note_sig, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.id[0], late.id);
    /* bad filters */
    argo_err e;
    f = all;
    f.status = 9;
    assert_int_equal(argo_store_signals_page(st, &f, 10, note_sig, &s, &e), ARGO_EINVAL);
    f = all;
    f.published = 2;
    assert_int_equal(argo_store_signals_page(st, &f, 10, note_sig, &s, &e), ARGO_EINVAL);
    f = all;
    f.min_confidence = NAN;
    assert_int_equal(argo_store_signals_page(st, &f, 10, note_sig, &s, &e), ARGO_EINVAL);
    assert_int_equal(argo_store_signals_page(st, &all, 0, note_sig, &s, &e), ARGO_EINVAL);
    /* one signal */
    argo_signal g;
    assert_int_equal(argo_store_signal_get(st, v[2].id, &g, NULL), 0);
    assert_int_equal(g.id, v[2].id);
    assert_string_equal(g.symbol, "XXX");
    assert_int_equal(g.status, ARGO_LOSS);
    assert_int_equal(g.exit_ts, 4 * 86400);
    assert_true(g.pnl_pct == v[2].pnl_pct);
    assert_int_equal(argo_store_signal_get(st, late.id + 1, &g, &e), ARGO_ENOENT);
    assert_int_equal(argo_store_signal_get(st, 0, &g, &e), ARGO_ENOENT);
    argo_store_close(st);
}

/* ---- holds ----------------------------------------------------------------- */

/* In a child: tries the hold, exits 0 when refused with the parent's pid,
 * 1 when taken, 2 otherwise. */
static int child_tries_hold(const char *url, long parent)
{
    argo_store *st;
    if (argo_store_open(url, NULL, &st, NULL))
        return 3;
    long holder = -1;
    argo_err e;
    int rc = argo_store_hold(st, "serve", &holder, &e);
    bool held = false;
    long who = -1;
    int hrc = argo_store_held(st, "serve", &held, &who, NULL);
    argo_store_close(st);
    if (rc == ARGO_EBUSY && holder == parent && hrc == 0 && held && who == parent &&
        strstr(e.msg, "held"))
        return 0;
    return rc == 0 ? 1 : 2;
}

static void a_hold_refuses_other_processes_until_released(void **state)
{
    (void)state;
    argo_store *st = fresh("hold");
    bool held = true;
    long who = -1;
    assert_int_equal(argo_store_held(st, "serve", &held, &who, NULL), 0);
    assert_false(held);
    long holder = -1;
    assert_int_equal(argo_store_hold(st, "serve", &holder, NULL), 0);
    /* the holder itself is not "another process" */
    assert_int_equal(argo_store_held(st, "serve", &held, &who, NULL), 0);
    assert_false(held);
    argo_err e;
    assert_int_equal(argo_store_hold(st, "bad name", &holder, &e), ARGO_EINVAL);
    /* a second handle is refused */
    argo_store *other = open_named("hold", NULL);
    assert_int_equal(argo_store_hold(other, "serve", &holder, &e), ARGO_EBUSY);
    assert_int_equal(argo_store_hold(other, "backup", &holder, NULL), 0); /* another name */
    argo_store_release(other, "backup");
    /* another process is refused, and told who holds it */
    char u[1024];
    url_of("hold", u, sizeof u); /* the parent's store: its name has the parent's pid */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_tries_hold(u, (long)getppid()));
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* released: the other handle takes it */
    argo_store_release(st, "serve");
    assert_int_equal(argo_store_hold(other, "serve", &holder, NULL), 0);
    argo_store_release(other, "serve");
    argo_store_close(other);
    argo_store_close(st);
}

static void a_dead_holder_frees_its_hold(void **state)
{
    (void)state;
    argo_store *st = fresh("hold_dead");
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    char u[1024];
    url_of("hold_dead", u, sizeof u);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        alarm(20); /* never outlives a failed parent by long */
        argo_store *mine;
        char ok = argo_store_open(u, NULL, &mine, NULL) == 0 &&
                          argo_store_hold(mine, "serve", NULL, NULL) == 0
                      ? 'y'
                      : 'n';
        if (write(ready[1], &ok, 1) != 1)
            _exit(2);
        for (;;)
            pause(); /* until killed */
    }
    close(ready[1]);
    char ok = 0;
    assert_int_equal(read(ready[0], &ok, 1), 1);
    close(ready[0]);
    if (ok != 'y') {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("the child could not take the hold");
    }
    bool held = false;
    long who = 0, holder = 0;
    argo_err e;
    assert_int_equal(argo_store_held(st, "serve", &held, &who, NULL), 0);
    assert_true(held);
    assert_int_equal(who, (long)pid);
    assert_int_equal(argo_store_hold(st, "serve", &holder, &e), ARGO_EBUSY);
    assert_int_equal(holder, (long)pid);
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(argo_store_held(st, "serve", &held, &who, NULL), 0);
    assert_false(held);
    assert_int_equal(argo_store_hold(st, "serve", &holder, NULL), 0);
    argo_store_close(st); /* closing releases it */
    st = open_named("hold_dead", NULL);
    assert_int_equal(argo_store_hold(st, "serve", &holder, NULL), 0);
    argo_store_close(st);
}

/* No message may print a password: the masked form of a URL. */
static void urls_are_printed_without_passwords(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"postgresql://bob:s3cr%40t@db.example:5432/argo?schema=x",
         "postgresql://bob:***@db.example:5432/argo?schema=x"},
        {"postgres://bob@h/db", "postgres://bob@h/db"},
        {"postgresql:///argo?host=/tmp/s&password=hunter2&port=5",
         "postgresql:///argo?host=/tmp/s&password=***&port=5"},
        {"postgresql://u:p@h/d?password=x", "postgresql://u:***@h/d?password=***"},
        {"postgresql://a@b:c@h/d", "postgresql://a@b:***@h/d"},
        {"sqlite:/tmp/a.db", "sqlite:/tmp/a.db"},
        {"/tmp/password=x.db", "/tmp/password=x.db"},
    };
    char b[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(argo_store_url_masked(cases[i][0], b, sizeof b), cases[i][1]);
    char small[8];
    assert_string_equal(argo_store_url_masked(cases[0][0], small, sizeof small), "postgre");
}

/* ---- market data from a provider ------------------------------------------ */

static argo_http_cache_row cache_row(const char *key, const char *etag, const char *lm, int64_t at)
{
    argo_http_cache_row r = {.stored_at = at};
    snprintf(r.key, sizeof r.key, "%s", key);
    snprintf(r.etag, sizeof r.etag, "%s", etag);
    snprintf(r.last_modified, sizeof r.last_modified, "%s", lm);
    return r;
}

static void the_http_cache_keeps_one_row_per_key_and_replaces_it(void **state)
{
    (void)state;
    argo_store *st = fresh("http_cache");
    argo_err e;
    bool found = true;
    argo_http_cache_row got;
    const char *url = "https://data.example/v2/stocks/bars?symbols=AAPL,MSFT&timeframe=1Day";
    assert_int_equal(argo_store_cache_get(st, url, &got, &found, &e), 0);
    assert_false(found);
    argo_http_cache_row r = cache_row(url, "W/\"abc\"", "", 1700000000);
    assert_int_equal(argo_store_cache_put(st, &r, &e), 0);
    argo_http_cache_row other = cache_row("https://data.example/csv/MSFT.csv", "",
                                          "Wed, 21 Oct 2015 07:28:00 GMT", 1700000001);
    assert_int_equal(argo_store_cache_put(st, &other, &e), 0);
    assert_int_equal(argo_store_cache_get(st, url, &got, &found, &e), 0);
    assert_true(found);
    assert_string_equal(got.key, url);
    assert_string_equal(got.etag, "W/\"abc\"");
    assert_string_equal(got.last_modified, "");
    assert_int_equal(got.stored_at, 1700000000);
    /* replaced whole: the new validators, the new time */
    r = cache_row(url, "", "Thu, 22 Oct 2015 07:28:00 GMT", 1700000500);
    assert_int_equal(argo_store_cache_put(st, &r, &e), 0);
    assert_int_equal(argo_store_cache_get(st, url, &got, &found, &e), 0);
    assert_true(found);
    assert_string_equal(got.etag, "");
    assert_string_equal(got.last_modified, "Thu, 22 Oct 2015 07:28:00 GMT");
    assert_int_equal(got.stored_at, 1700000500);
    assert_int_equal(argo_store_cache_get(st, other.key, &got, &found, &e), 0);
    assert_true(found);
    assert_string_equal(got.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
    int64_t n = 0;
    assert_int_equal(argo_store_rows_count(st, "http_cache", &n, NULL), 0);
    assert_int_equal(n, 2);
    /* a key differing by case or by one byte is another key */
    assert_int_equal(
        argo_store_cache_get(st, "HTTPS://data.example/csv/MSFT.csv", &got, &found, &e), 0);
    assert_false(found);
    argo_store_close(st);
}

static void a_cache_key_of_2048_bytes_is_refused(void **state)
{
    (void)state;
    argo_store *st = fresh("cache_key");
    argo_err e;
    argo_http_cache_row r = cache_row("", "\"e\"", "", 5);
    /* the longest key: 2047 bytes */
    memset(r.key, 'k', sizeof r.key - 1);
    r.key[sizeof r.key - 1] = 0;
    assert_int_equal(argo_store_cache_put(st, &r, &e), 0);
    bool found = false;
    argo_http_cache_row got;
    assert_int_equal(argo_store_cache_get(st, r.key, &got, &found, &e), 0);
    assert_true(found);
    assert_int_equal(strlen(got.key), 2047);
    /* 2048 bytes: no room for the terminator in the row; and as a lookup */
    memset(r.key, 'k', sizeof r.key);
    assert_int_equal(argo_store_cache_put(st, &r, &e), ARGO_ELIMIT);
    assert_non_null(strstr(e.msg, "2048"));
    char longer[4096];
    memset(longer, 'k', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    found = true;
    assert_int_equal(argo_store_cache_get(st, longer, &got, &found, &e), ARGO_ELIMIT);
    assert_false(found);
    longer[2048] = 0;
    assert_int_equal(argo_store_cache_get(st, longer, &got, &found, &e), ARGO_ELIMIT);
    int64_t n = 0;
    assert_int_equal(argo_store_rows_count(st, "http_cache", &n, NULL), 0);
    assert_int_equal(n, 1); /* only the 2047-byte key */
    argo_store_close(st);
}

typedef struct corrections_seen {
    argo_correction v[8];
    int n;
} corrections_seen;

static int note_correction(void *ctx, const argo_correction *c)
{
    corrections_seen *s = ctx;
    if (s->n < 8)
        s->v[s->n] = *c;
    s->n++;
    return 0;
}

static int stop_correction(void *ctx, const argo_correction *c)
{
    (void)ctx;
    (void)c;
    return 7;
}

/* A store call from inside a corrections scan: refused, as in any scan. */
static int cache_inside(void *ctx, const argo_correction *c)
{
    (void)c;
    argo_http_cache_row r;
    bool found;
    return argo_store_cache_get(ctx, "https://h/x", &r, &found, NULL);
}

static argo_correction correction_of(int64_t sym, int64_t ts, argo_bar stored, argo_bar revised)
{
    argo_correction c = {
        .symbol_id = sym, .ts = ts, .stored = stored, .revised = revised, .seen_at = 1700000000};
    c.stored.ts = c.revised.ts = ts;
    snprintf(c.source, sizeof c.source, "alpaca");
    return c;
}

static void expect_same_bar(const argo_bar *a, const argo_bar *b)
{
    assert_int_equal(a->ts, b->ts);
    assert_memory_equal(&a->open, &b->open, sizeof a->open);
    assert_memory_equal(&a->high, &b->high, sizeof a->high);
    assert_memory_equal(&a->low, &b->low, sizeof a->low);
    assert_memory_equal(&a->close, &b->close, sizeof a->close);
    assert_memory_equal(&a->volume, &b->volume, sizeof a->volume);
}

static void a_revised_bar_is_recorded_once_per_revision(void **state)
{
    (void)state;
    argo_store *st = fresh("corrections");
    argo_err e;
    int64_t a, b;
    assert_int_equal(argo_store_symbol_id(st, "AAA", true, &a, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "BBB", true, &b, NULL), 0);
    volatile double x = 0.1, y = 0.2;
    double sum = x + y; /* 0.30000000000000004 */
    argo_bar stored = {86400, sum, 0.5, 0.1, 0.4, 1e-300};
    argo_bar revised = {86400, sum, 0.5, 0.1, 0.30000000000000004 + 1e-16, 5e-324};
    argo_correction c = correction_of(a, 86400, stored, revised);
    bool added = false;
    assert_int_equal(argo_store_correction_add(st, &c, &added, &e), 0);
    assert_true(added);
    int64_t first = c.id;
    assert_true(first > 0);
    /* the same revision again, seen later and from elsewhere: not new */
    argo_correction again = correction_of(a, 86400, stored, revised);
    again.seen_at = 1700000999;
    snprintf(again.source, sizeof again.source, "stream");
    assert_int_equal(argo_store_correction_add(st, &again, &added, &e), 0);
    assert_false(added);
    assert_int_equal(again.id, first);
    /* another revision of the same bar: a new correction */
    argo_bar revised2 = revised;
    revised2.volume = 1e-300;
    argo_correction c2 = correction_of(a, 86400, stored, revised2);
    assert_int_equal(argo_store_correction_add(st, &c2, &added, &e), 0);
    assert_true(added);
    assert_true(c2.id > first);
    /* the same values for another symbol, or another time: new too */
    argo_correction c3 = correction_of(b, 86400, stored, revised);
    assert_int_equal(argo_store_correction_add(st, &c3, &added, &e), 0);
    assert_true(added);
    assert_true(c3.id > c2.id);
    argo_correction c4 = correction_of(a, 2 * 86400, stored, revised);
    assert_int_equal(argo_store_correction_add(st, &c4, NULL, &e), 0); /* added may be NULL */
    assert_true(c4.id > c3.id);
    /* scans after an id, in id order, every double bit for bit */
    corrections_seen seen = {0};
    assert_int_equal(argo_store_corrections_scan(st, 0, note_correction, &seen, &e), 0);
    assert_int_equal(seen.n, 4);
    assert_int_equal(seen.v[0].id, first);
    assert_int_equal(seen.v[1].id, c2.id);
    assert_int_equal(seen.v[2].id, c3.id);
    assert_int_equal(seen.v[3].id, c4.id);
    assert_int_equal(seen.v[0].symbol_id, a);
    assert_int_equal(seen.v[0].ts, 86400);
    expect_same_bar(&seen.v[0].stored, &c.stored);
    expect_same_bar(&seen.v[0].revised, &c.revised);
    assert_string_equal(seen.v[0].source, "alpaca");
    assert_int_equal(seen.v[0].seen_at, 1700000000); /* the first sighting kept */
    expect_same_bar(&seen.v[1].revised, &c2.revised);
    assert_int_equal(seen.v[2].symbol_id, b);
    assert_int_equal(seen.v[3].ts, 2 * 86400);
    expect_same_bar(&seen.v[3].stored, &c4.stored);
    seen = (corrections_seen){0};
    assert_int_equal(argo_store_corrections_scan(st, c2.id, note_correction, &seen, &e), 0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.v[0].id, c3.id);
    seen = (corrections_seen){0};
    assert_int_equal(argo_store_corrections_scan(st, c4.id, note_correction, &seen, &e), 0);
    assert_int_equal(seen.n, 0);
    assert_int_equal(argo_store_corrections_scan(st, 0, stop_correction, NULL, &e), 7);
    assert_int_equal(argo_store_corrections_scan(st, 0, cache_inside, st, &e), ARGO_EINVAL);
    /* refused: an unknown symbol, a value that is not finite, a long source */
    argo_correction bad = correction_of(a + b + 100, 86400, stored, revised);
    assert_int_equal(argo_store_correction_add(st, &bad, &added, &e), ARGO_EDATA);
    bad = correction_of(a, 3 * 86400, stored, revised);
    bad.revised.close = NAN;
    assert_int_equal(argo_store_correction_add(st, &bad, &added, &e), ARGO_EDATA);
    assert_false(added);
    bad = correction_of(a, 3 * 86400, stored, revised);
    memset(bad.source, 'x', sizeof bad.source);
    assert_int_equal(argo_store_correction_add(st, &bad, &added, &e), ARGO_EDATA);
    int64_t n = 0;
    assert_int_equal(argo_store_rows_count(st, "bar_corrections", &n, NULL), 0);
    assert_int_equal(n, 4);
    argo_store_close(st);
}

static void provider_calls_are_counted_per_day(void **state)
{
    (void)state;
    argo_store *st = fresh("calls");
    argo_err e;
    int64_t d1 = 19000 * (int64_t)86400, d2 = d1 + 86400, n = -1;
    assert_int_equal(argo_store_calls_get(st, d1, &n, &e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(argo_store_calls_add(st, d1, 3, &e), 0);
    assert_int_equal(argo_store_calls_add(st, d1, 4, &e), 0);
    assert_int_equal(argo_store_calls_add(st, d2, 1, &e), 0);
    assert_int_equal(argo_store_calls_add(st, d2, 0, &e), 0);
    assert_int_equal(argo_store_calls_get(st, d1, &n, &e), 0);
    assert_int_equal(n, 7);
    assert_int_equal(argo_store_calls_get(st, d2, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(argo_store_calls_get(st, d2 + 86400, &n, &e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(argo_store_calls_add(st, d1, -1, &e), ARGO_EINVAL);
    assert_int_equal(argo_store_calls_get(st, d1, &n, &e), 0);
    assert_int_equal(n, 7);
    argo_store_close(st);
}

/* The cache, a correction and call counts written in a transaction that
 * is rolled back leave nothing; committed, they stay. */
static void market_data_rows_roll_back_with_their_transaction(void **state)
{
    (void)state;
    argo_store *st = fresh("market_rb");
    argo_err e;
    int64_t a;
    assert_int_equal(argo_store_symbol_id(st, "AAA", true, &a, NULL), 0);
    argo_http_cache_row r = cache_row("https://h/x", "\"1\"", "", 10);
    assert_int_equal(argo_store_cache_put(st, &r, &e), 0);
    assert_int_equal(argo_store_calls_add(st, 86400, 2, &e), 0);
    assert_int_equal(argo_store_begin(st, NULL), 0);
    argo_http_cache_row r2 = cache_row("https://h/x", "\"2\"", "", 20);
    assert_int_equal(argo_store_cache_put(st, &r2, &e), 0);
    argo_http_cache_row r3 = cache_row("https://h/y", "\"3\"", "", 30);
    assert_int_equal(argo_store_cache_put(st, &r3, &e), 0);
    argo_correction c = correction_of(a, 86400, bar_at(86400, 10), bar_at(86400, 11));
    bool added;
    assert_int_equal(argo_store_correction_add(st, &c, &added, &e), 0);
    assert_true(added);
    assert_int_equal(argo_store_calls_add(st, 86400, 5, &e), 0);
    assert_int_equal(argo_store_calls_add(st, 2 * 86400, 1, &e), 0);
    argo_store_rollback(st);
    bool found;
    argo_http_cache_row got;
    assert_int_equal(argo_store_cache_get(st, "https://h/x", &got, &found, &e), 0);
    assert_true(found);
    assert_string_equal(got.etag, "\"1\"");
    assert_int_equal(argo_store_cache_get(st, "https://h/y", &got, &found, &e), 0);
    assert_false(found);
    corrections_seen seen = {0};
    assert_int_equal(argo_store_corrections_scan(st, 0, note_correction, &seen, &e), 0);
    assert_int_equal(seen.n, 0);
    int64_t n = -1;
    assert_int_equal(argo_store_calls_get(st, 86400, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(argo_store_calls_get(st, 2 * 86400, &n, &e), 0);
    assert_int_equal(n, 0);
    /* the same writes committed stay */
    assert_int_equal(argo_store_begin(st, NULL), 0);
    assert_int_equal(argo_store_correction_add(st, &c, &added, &e), 0);
    assert_true(added);
    assert_int_equal(argo_store_calls_add(st, 86400, 5, &e), 0);
    assert_int_equal(argo_store_commit(st, NULL), 0);
    assert_int_equal(argo_store_calls_get(st, 86400, &n, &e), 0);
    assert_int_equal(n, 7);
    seen = (corrections_seen){0};
    assert_int_equal(argo_store_corrections_scan(st, 0, note_correction, &seen, &e), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.v[0].id, c.id);
    argo_store_close(st);
}

/* ---- rows, backend-neutral (argo store copy) ----------------------------- */

/* Rows of one table, every text and blob copied out of the scan. */
typedef struct rowset {
    const argo_store_table *t;
    argo_value *v; /* n * t->ncols */
    size_t n, cap;
} rowset;

static const argo_store_table *table_of(const char *name)
{
    size_t nt;
    const argo_store_table *t = argo_store_tables(&nt);
    for (size_t i = 0; i < nt; i++)
        if (!strcmp(t[i].name, name))
            return &t[i];
    fail_msg("no table %s", name);
    return NULL;
}

static int keep_row(void *ctx, const argo_value *row)
{
    rowset *r = ctx;
    size_t nc = r->t->ncols;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->v = realloc(r->v, r->cap * nc * sizeof *r->v);
        assert_non_null(r->v);
    }
    argo_value *to = r->v + r->n++ * nc;
    for (size_t i = 0; i < nc; i++) {
        to[i] = row[i];
        if (row[i].type == ARGO_V_TEXT || row[i].type == ARGO_V_BLOB) {
            void *p = malloc(row[i].len + 1);
            assert_non_null(p);
            if (row[i].len)
                memcpy(p, row[i].p, row[i].len);
            to[i].p = p;
        }
    }
    return 0;
}

static rowset rows_of(argo_store *st, const char *table)
{
    rowset r = {.t = table_of(table)};
    argo_err e;
    if (argo_store_rows_scan(st, table, keep_row, &r, &e))
        fail_msg("scan %s: %s", table, e.msg);
    int64_t n = -1;
    assert_int_equal(argo_store_rows_count(st, table, &n, NULL), 0);
    assert_int_equal(n, (int64_t)r.n);
    return r;
}

static void rowset_free(rowset *r)
{
    for (size_t k = 0; k < r->n * r->t->ncols; k++)
        if (r->v[k].type == ARGO_V_TEXT || r->v[k].type == ARGO_V_BLOB)
            free((void *)r->v[k].p);
    free(r->v);
}

/* Two values are the same: type, and every bit of the number or byte. */
static bool same_value(const argo_value *a, const argo_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case ARGO_V_INT:
        return a->i == b->i;
    case ARGO_V_REAL:
        return !memcmp(&a->r, &b->r, sizeof a->r);
    case ARGO_V_TEXT:
    case ARGO_V_BLOB:
        return a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len));
    default:
        return true;
    }
}

static void expect_same_rows(argo_store *a, argo_store *b)
{
    size_t nt;
    const argo_store_table *t = argo_store_tables(&nt);
    for (size_t i = 0; i < nt; i++) {
        rowset ra = rows_of(a, t[i].name), rb = rows_of(b, t[i].name);
        if (ra.n != rb.n)
            fail_msg("table %s: %zu rows, then %zu", t[i].name, ra.n, rb.n);
        for (size_t k = 0; k < ra.n * t[i].ncols; k++)
            if (!same_value(&ra.v[k], &rb.v[k]))
                fail_msg("table %s, row %zu, column %s differs", t[i].name, k / t[i].ncols + 1,
                         t[i].cols[k % t[i].ncols]);
        rowset_free(&ra);
        rowset_free(&rb);
    }
}

/* A row of every table; the largest id of each numbered table in *max
 * (symbols, signals, models, events, keys). */
typedef struct max_ids {
    int64_t symbol, signal, model, event, key, correction;
} max_ids;

static max_ids fill_every_table(argo_store *st)
{
    max_ids m = {0};
    argo_err e;
    int64_t a, b;
    assert_int_equal(argo_store_symbol_id(st, "AAA", true, &a, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "B.B", true, &b, NULL), 0);
    m.symbol = b > a ? b : a;
    /* 10.0 is integral (SQLite may keep it as an integer), 0.1 is not */
    argo_bar bars[3] = {{86400, 10, 11, 9, 10.5, 0},
                        {2 * 86400, 10.5, 12, 9, 11, 1e9},
                        {3 * 86400, 0.1, 0.30000000000000004, 0.1, 0.2, 12.5}};
    assert_int_equal(argo_store_bars_put(st, a, bars, 3, NULL, NULL), 0);
    assert_int_equal(argo_store_bars_put(st, b, bars, 2, NULL, NULL), 0);
    double x[3] = {0.1, 0.5, 0.9}, y[3] = {1.0 / 3, 0.5, 0.9999999999999999};
    argo_model_row g = model_of("global", 0, 5 * 86400, x, y, 3);
    assert_int_equal(argo_store_model_insert(st, &g, &e), 0);
    argo_model_row s = model_of("symbol", a, 5 * 86400, x, y, 3);
    s.base_version = g.version;
    s.base_weight = 0.25;
    assert_int_equal(argo_store_model_insert(st, &s, &e), 0);
    argo_model_row empty = model_of("external", 0, 5 * 86400, NULL, NULL, 0);
    assert_int_equal(argo_store_model_insert(st, &empty, &e), 0);
    m.model = empty.version;
    argo_signal v[3] = {sig_of(a, 86400, ARGO_WIN, 2 * 86400), sig_of(b, 86400, ARGO_OPEN, 0),
                        sig_of(a, 2 * 86400, ARGO_LOSS, 3 * 86400)};
    v[0].model_version = s.version;
    v[0].published = true;
    v[2].raw_confidence = 0.1 + 0.2;
    v[2].action = ARGO_SELL;
    assert_int_equal(argo_store_signals_insert(st, v, 3, &e), 0);
    m.signal = v[2].id;
    unsigned char blob[5] = {0, 1, 0, 255, 7};
    assert_int_equal(argo_store_state_put(st, a, blob, sizeof blob, NULL), 0);
    argo_remote_object o = {.day = 86400, .bytes = 10, .uploaded_at = 5};
    snprintf(o.target, sizeof o.target, "http://h/b");
    snprintf(o.key, sizeof o.key, "backups/1970/01/02/manifest.json");
    snprintf(o.sha256, sizeof o.sha256, "%064d", 1);
    snprintf(o.etag, sizeof o.etag, "\"abc\"");
    snprintf(o.storage_class, sizeof o.storage_class, "STANDARD");
    assert_int_equal(argo_store_remote_put(st, &o, &e), 0);
    snprintf(o.key, sizeof o.key, "Backups/é");
    snprintf(o.lock_mode, sizeof o.lock_mode, "COMPLIANCE");
    o.lock_until = 1000;
    assert_int_equal(argo_store_remote_put(st, &o, &e), 0);
    assert_int_equal(argo_store_suppressed_add(st, a, 86400 + 5, 3, NULL), 0);
    assert_int_equal(argo_store_suppressed_add(st, b, 2 * 86400, 1, NULL), 0);
    append(st, "signals", "AAA", "{\"id\":1}");
    append(st, "health", "", "{}");
    m.event = append(st, "outcomes", "AAA", "{\"id\":1,\"s\":\"\\u00e9\"}");
    argo_key_row k1 = key_of("", "read", 1), k2 = key_of("ops", "admin", 2);
    assert_int_equal(argo_store_key_add(st, &k1, &e), 0);
    assert_int_equal(argo_store_key_add(st, &k2, &e), 0);
    assert_int_equal(argo_store_key_revoke(st, k1.id, 1700000100, &e), 0);
    m.key = k2.id;
    /* the HTTP cache (texts in byte order), a revised bar, call counts */
    argo_http_cache_row c1 = cache_row("https://h/v2/stocks/bars?symbols=AAA", "W/\"1\"", "", 7);
    argo_http_cache_row c2 =
        cache_row("https://h/csv/\xc3\xa9.csv", "", "Wed, 21 Oct 2015 07:28:00 GMT", 8);
    assert_int_equal(argo_store_cache_put(st, &c1, &e), 0);
    assert_int_equal(argo_store_cache_put(st, &c2, &e), 0);
    argo_bar revised = bars[2];
    revised.close = 0.1 + 0.2;
    revised.volume = 1e-300;
    argo_correction cor = correction_of(a, bars[2].ts, bars[2], revised);
    assert_int_equal(argo_store_correction_add(st, &cor, NULL, &e), 0);
    m.correction = cor.id;
    assert_int_equal(argo_store_calls_add(st, 86400, 3, &e), 0);
    assert_int_equal(argo_store_calls_add(st, 2 * 86400, 1, &e), 0);
    return m;
}

/* Loads every table of from into to, in one transaction, one table
 * scanned whole before its rows are put (no call inside the scan). */
static void copy_rows(argo_store *from, argo_store *to)
{
    size_t nt;
    const argo_store_table *t = argo_store_tables(&nt);
    argo_err e;
    assert_int_equal(argo_store_begin(to, NULL), 0);
    for (size_t i = 0; i < nt; i++) {
        rowset r = rows_of(from, t[i].name);
        if (argo_store_rows_put(to, t[i].name, r.v, r.n, &e))
            fail_msg("put %s: %s", t[i].name, e.msg);
        rowset_free(&r);
    }
    assert_int_equal(argo_store_commit(to, NULL), 0);
}

/* New rows of the copy are numbered above every copied one. */
static void expect_ids_continue(argo_store *st, max_ids m)
{
    argo_err e;
    int64_t sym;
    assert_int_equal(argo_store_symbol_id(st, "NEW", true, &sym, NULL), 0);
    assert_true(sym > m.symbol);
    argo_signal g = sig_of(sym, 86400, ARGO_OPEN, 0);
    assert_int_equal(argo_store_signals_insert(st, &g, 1, &e), 0);
    assert_true(g.id > m.signal);
    argo_model_row x = model_of("global", 0, 9 * 86400, NULL, NULL, 0);
    assert_int_equal(argo_store_model_insert(st, &x, &e), 0);
    assert_true(x.version > m.model);
    assert_true(append(st, "health", "", "{}") > m.event);
    argo_key_row k = key_of("new", "stream", 9);
    assert_int_equal(argo_store_key_add(st, &k, &e), 0);
    assert_true(k.id > m.key);
    argo_correction c = correction_of(sym, 86400, bar_at(86400, 10), bar_at(86400, 12));
    bool added = false;
    assert_int_equal(argo_store_correction_add(st, &c, &added, &e), 0);
    assert_true(added);
    assert_true(c.id > m.correction);
}

static void every_row_copies_bit_for_bit_and_ids_continue_above(void **state)
{
    (void)state;
    argo_store *a = fresh("rows_src"), *b = fresh("rows_dst");
    max_ids m = fill_every_table(a);
    size_t nt;
    const argo_store_table *t = argo_store_tables(&nt);
    for (size_t i = 0; i < nt; i++) { /* the fill reached every table */
        int64_t n = 0;
        assert_int_equal(argo_store_rows_count(a, t[i].name, &n, NULL), 0);
        if (n == 0)
            fail_msg("table %s is empty", t[i].name);
    }
    /* values are typed by column: bars.open is a real even when integral;
     * a NULL stays NULL (the open signal's exit_ts) */
    rowset bars = rows_of(a, "bars");
    assert_int_equal(bars.v[2].type, ARGO_V_REAL);
    assert_true(bars.v[2].r == 10.0);
    assert_int_equal(bars.v[1].type, ARGO_V_INT);
    rowset_free(&bars);
    rowset sigs = rows_of(a, "signals");
    const argo_store_table *st = table_of("signals");
    size_t exit_ts = 0;
    while (strcmp(st->cols[exit_ts], "exit_ts"))
        exit_ts++;
    assert_int_equal(sigs.v[st->ncols + exit_ts].type, ARGO_V_NULL); /* the second, open */
    assert_int_equal(sigs.v[exit_ts].type, ARGO_V_INT);
    rowset_free(&sigs);
    copy_rows(a, b);
    expect_same_rows(a, b);
    expect_ids_continue(b, m);
    argo_store_close(a);
    argo_store_close(b);
}

static void clearing_rows_empties_every_table_and_a_copy_numbers_on_from_it(void **state)
{
    (void)state;
    argo_store *a = fresh("clear_src"), *b = fresh("clear_dst");
    max_ids m = fill_every_table(a);
    fill_every_table(b);
    for (int i = 0; i < 5; i++) /* b's counters run ahead of a's */
        append(b, "health", "", "{}");
    assert_int_equal(argo_store_begin(b, NULL), 0);
    assert_int_equal(argo_store_rows_clear(b, NULL), 0);
    assert_int_equal(argo_store_commit(b, NULL), 0);
    size_t nt;
    const argo_store_table *t = argo_store_tables(&nt);
    for (size_t i = 0; i < nt; i++) {
        int64_t n = -1;
        assert_int_equal(argo_store_rows_count(b, t[i].name, &n, NULL), 0);
        assert_int_equal(n, 0);
    }
    copy_rows(a, b);
    expect_same_rows(a, b);
    expect_ids_continue(b, m);
    argo_store_close(a);
    argo_store_close(b);
}

static void a_row_whose_key_exists_conflicts_and_the_rollback_leaves_nothing(void **state)
{
    (void)state;
    argo_store *a = fresh("conflict_src"), *b = fresh("conflict_dst");
    fill_every_table(a);
    rowset syms = rows_of(a, "symbols"), kr = rows_of(a, "api_keys");
    argo_err e;
    assert_int_equal(argo_store_begin(b, NULL), 0);
    assert_int_equal(argo_store_rows_put(b, "symbols", syms.v, syms.n, &e), 0);
    assert_int_equal(argo_store_rows_put(b, "symbols", syms.v, 1, &e), ARGO_ECONFLICT);
    assert_non_null(strstr(e.msg, "symbols"));
    argo_store_rollback(b);
    /* a unique column other than the key (api_keys.hash) */
    assert_int_equal(argo_store_begin(b, NULL), 0);
    assert_int_equal(argo_store_rows_put(b, "api_keys", kr.v, kr.n, &e), 0);
    argo_value k[7];
    memcpy(k, kr.v, sizeof k);
    k[0].i += 100;
    assert_int_equal(argo_store_rows_put(b, "api_keys", k, 1, &e), ARGO_ECONFLICT);
    argo_store_rollback(b);
    /* a value of the wrong type: a text for the integer id */
    assert_int_equal(argo_store_begin(b, NULL), 0);
    argo_value bad[2] = {{.type = ARGO_V_TEXT, .p = "1", .len = 1},
                         {.type = ARGO_V_TEXT, .p = "X", .len = 1}};
    int rc = argo_store_rows_put(b, "symbols", bad, 1, &e);
    if (rc != ARGO_EDATA)
        fail_msg("a text for symbols.id: %d (%s), not ARGO_EDATA", rc, e.msg);
    assert_non_null(strstr(e.msg, "id"));
    argo_store_rollback(b);
    /* eight bytes of text are not an integer either (nor a blob a text) */
    assert_int_equal(argo_store_begin(b, NULL), 0);
    bad[0] = (argo_value){.type = ARGO_V_TEXT, .p = "12345678", .len = 8};
    rc = argo_store_rows_put(b, "symbols", bad, 1, &e);
    if (rc != ARGO_EDATA)
        fail_msg("an 8-byte text for symbols.id: %d (%s), not ARGO_EDATA", rc, rc ? e.msg : "");
    argo_store_rollback(b);
    assert_int_equal(argo_store_begin(b, NULL), 0);
    bad[0] = (argo_value){.type = ARGO_V_INT, .i = 1};
    bad[1] = (argo_value){.type = ARGO_V_BLOB, .p = "X", .len = 1};
    rc = argo_store_rows_put(b, "symbols", bad, 1, &e);
    if (rc != ARGO_EDATA)
        fail_msg("a blob for symbols.name: %d (%s), not ARGO_EDATA", rc, rc ? e.msg : "");
    argo_store_rollback(b);
    assert_int_equal(argo_store_rows_scan(b, "no_such", keep_row, &syms, &e), ARGO_EINVAL);
    size_t nt;
    const argo_store_table *t = argo_store_tables(&nt);
    for (size_t i = 0; i < nt; i++) {
        int64_t n = -1;
        assert_int_equal(argo_store_rows_count(b, t[i].name, &n, NULL), 0);
        assert_int_equal(n, 0);
    }
    rowset_free(&syms);
    rowset_free(&kr);
    argo_store_close(a);
    argo_store_close(b);
}

typedef struct cell_list {
    argo_outcome_cell v[8];
    int n;
} cell_list;

static int take_cell(void *ctx, const argo_outcome_cell *x)
{
    cell_list *c = ctx;
    if (c->n < 8)
        c->v[c->n] = *x;
    c->n++;
    return 0;
}

static int stop_cell(void *ctx, const argo_outcome_cell *x)
{
    (void)ctx;
    (void)x;
    return 42;
}

static cell_list cells_of(argo_store *st, argo_agg_by by)
{
    cell_list c = {0};
    argo_err e = {0};
    if (argo_store_outcome_cells(st, by, NULL, take_cell, &c, &e))
        fail_msg("cells: %s", e.msg);
    return c;
}

/* 2021-03-01 00:00 UTC */
#define AGG_DAY 1614556800

static void aggregates_are_cells_per_group_and_exit_day(void **state)
{
    (void)state;
    argo_store *st = fresh("aggregates");
    int64_t a, b, d = AGG_DAY, h = 3600;
    assert_int_equal(argo_store_symbol_id(st, "A", true, &a, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "B", true, &b, NULL), 0);
    argo_bar ba[] = {bar_at(d + 10 * h, 10), bar_at(d + 86400 + 10 * h, 10)};
    argo_bar bb[] = {bar_at(d + 15 * h, 10), bar_at(d + 3 * 86400, 10)};
    assert_int_equal(argo_store_bars_put(st, a, ba, 2, NULL, NULL), 0);
    assert_int_equal(argo_store_bars_put(st, b, bb, 2, NULL, NULL), 0);
    argo_signal g[5] = {
        sig_of(a, d + 10 * h, ARGO_WIN, d + 86400 + 14 * h),     /* exit day 1 */
        sig_of(a, d + 10 * h, ARGO_LOSS, d + 86400 + 9 * h),     /* exit day 1 */
        sig_of(b, d + 15 * h, ARGO_WIN, d + 3 * 86400),          /* exit day 3 */
        sig_of(a, d + 86400 + 10 * h, ARGO_OPEN, 0),             /* not aggregated */
        sig_of(b, d - 40 * 86400, ARGO_EXPIRED, d - 10 * 86400), /* January, day -10 */
    };
    g[0].votes[ARGO_STRAT_TREND] = (argo_vote){ARGO_BUY, 0.5};
    g[1].votes[ARGO_STRAT_MACD] = (argo_vote){ARGO_SELL, 0.5}; /* against: not counted */
    g[2].votes[ARGO_STRAT_MACD] = (argo_vote){ARGO_BUY, 0.25};
    g[2].confidence = 1.0; /* clamped into bucket 9 */
    g[4].exit_reason = ARGO_EXIT_EXPIRY;
    g[4].pnl_pct = 0.5;
    g[4].confidence = 0.05;
    assert_int_equal(argo_store_signals_insert(st, g, 5, NULL), 0);
    argo_err e = {0};
    if (argo_store_refresh_aggregates(st, &e))
        fail_msg("refresh: %s", e.msg);

    int64_t *days;
    size_t n;
    assert_int_equal(argo_store_trading_days(st, &days, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_true(days[0] == d && days[1] == d + 86400 && days[2] == d + 3 * 86400);
    free(days);

    cell_list c = cells_of(st, ARGO_AGG_NONE);
    assert_int_equal(c.n, 3);
    assert_true(c.v[0].group == 0 && c.v[0].exit_day == d - 10 * 86400);
    assert_true(c.v[0].resolved == 1 && c.v[0].expired == 1 && c.v[0].wins == 1);
    assert_int_equal(c.v[0].by_exit[ARGO_EXIT_EXPIRY], 1);
    const argo_outcome_cell *x = &c.v[1];
    assert_int_equal(x->exit_day, d + 86400);
    assert_int_equal(x->first_ts, d + 10 * h);
    assert_true(x->resolved == 2 && x->wins == 1 && x->losses == 1 && x->expired == 0);
    assert_true(x->by_exit[ARGO_EXIT_TARGET] == 1 && x->by_exit[ARGO_EXIT_STOP] == 1);
    assert_true(x->npos == 1 && x->nneg == 1);
    assert_true(fabs(x->pnl_sum - 4.6) < 1e-12 && x->pos_sum == 9.8 && x->neg_sum == -5.2);
    assert_int_equal(c.v[2].exit_day, d + 3 * 86400);

    c = cells_of(st, ARGO_AGG_SYMBOL); /* (symbol id, day) order */
    assert_int_equal(c.n, 3);
    assert_true(c.v[0].group == a && c.v[0].exit_day == d + 86400 && c.v[0].resolved == 2);
    assert_true(c.v[1].group == b && c.v[1].exit_day == d - 10 * 86400);
    assert_true(c.v[2].group == b && c.v[2].exit_day == d + 3 * 86400);

    c = cells_of(st, ARGO_AGG_STRATEGY);
    assert_int_equal(c.n, 2);
    assert_true(c.v[0].group == ARGO_STRAT_TREND && c.v[0].resolved == 1 && c.v[0].wins == 1);
    assert_true(c.v[1].group == ARGO_STRAT_MACD && c.v[1].exit_day == d + 3 * 86400);

    c = cells_of(st, ARGO_AGG_BUCKET);
    assert_int_equal(c.n, 3);
    assert_true(c.v[0].group == 0 && c.v[1].group == 6 && c.v[1].resolved == 2);
    assert_true(c.v[2].group == 9);

    c = cells_of(st, ARGO_AGG_MONTH); /* of the signal's ts, not of its exit */
    assert_int_equal(c.n, 3);
    assert_true(c.v[0].group == 202101 && c.v[1].group == 202103 && c.v[2].group == 202103);
    assert_true(c.v[1].exit_day == d + 86400 && c.v[2].exit_day == d + 3 * 86400);

    assert_int_equal(argo_store_outcome_cells(st, ARGO_AGG_NONE, NULL, stop_cell, NULL, NULL), 42);
    assert_int_equal(cells_of(st, ARGO_AGG_NONE).n, 3); /* the handle is still usable */
    argo_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bars_are_append_only_and_repeats_are_ignored),
        cmocka_unit_test(a_batch_of_bars_names_the_bar_it_refused),
        cmocka_unit_test(rollback_discards_everything_since_begin),
        cmocka_unit_test(a_named_lock_is_held_until_the_transaction_ends),
        cmocka_unit_test(strategy_state_round_trips),
        cmocka_unit_test(uploaded_objects_are_recorded_per_target_and_replaced),
        cmocka_unit_test(the_last_bar_is_reread_at_each_begin),
        cmocka_unit_test(suppressed_signals_are_counted_per_symbol_and_reset_by_replay),
        cmocka_unit_test(bars_are_scanned_by_range_in_time_order),
        cmocka_unit_test(signals_are_inserted_in_batches_and_read_back_whole),
        cmocka_unit_test(signals_are_updated_in_batches),
        cmocka_unit_test(each_signal_query_keeps_its_filter_and_order),
        cmocka_unit_test(outcomes_are_counted_and_scanned_in_exit_order),
        cmocka_unit_test(signal_days_are_the_distinct_days_made_or_resolved_from_a_bound),
        cmocka_unit_test(the_resolved_scan_reads_resolved_signals_in_ts_id_order),
        cmocka_unit_test(models_keep_their_points_bit_for_bit),
        cmocka_unit_test(the_reset_keeps_bars_and_external_models_only),
        cmocka_unit_test(a_store_call_from_a_scan_callback_is_refused),
        cmocka_unit_test(events_are_numbered_in_order_and_read_after_a_cursor),
        cmocka_unit_test(a_rolled_back_append_leaves_no_event),
        cmocka_unit_test(keys_are_unique_by_name_and_hash_and_revoked_once),
        cmocka_unit_test(pages_follow_ids_after_the_cursor_under_every_filter),
        cmocka_unit_test(a_hold_refuses_other_processes_until_released),
        cmocka_unit_test(a_dead_holder_frees_its_hold),
        cmocka_unit_test(urls_are_printed_without_passwords),
        cmocka_unit_test(the_http_cache_keeps_one_row_per_key_and_replaces_it),
        cmocka_unit_test(a_cache_key_of_2048_bytes_is_refused),
        cmocka_unit_test(a_revised_bar_is_recorded_once_per_revision),
        cmocka_unit_test(provider_calls_are_counted_per_day),
        cmocka_unit_test(market_data_rows_roll_back_with_their_transaction),
        cmocka_unit_test(every_row_copies_bit_for_bit_and_ids_continue_above),
        cmocka_unit_test(clearing_rows_empties_every_table_and_a_copy_numbers_on_from_it),
        cmocka_unit_test(a_row_whose_key_exists_conflicts_and_the_rollback_leaves_nothing),
        cmocka_unit_test(aggregates_are_cells_per_group_and_exit_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
