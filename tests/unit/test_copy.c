/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_copy.c - argo store copy (app/copy.h): batches, the
 * checksums, refusals, and a failure midway leaving the target as it
 * was. The source is a SQLite file; the targets are SQLite files too,
 * or, with ARGO_TEST_STORE_URL (a URL prefix, as test_store.c reads
 * it), fresh stores under that prefix.
 */
#include "helpers.h"

#include "app/copy.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *target_url(const char *name, char *buf, size_t n)
{
    const char *prefix = getenv("ARGO_TEST_STORE_URL");
    if (prefix && *prefix)
        snprintf(buf, n, "%s%s_%ld", prefix, name, (long)getpid());
    else
        snprintf(buf, n, "sqlite:%s/%s.db", th_tmpdir(), name);
    return buf;
}

/* A SQLite store with bars, signals' neighbours, events, keys and the
 * provider's tables (cache, a revised bar, calls): text values in
 * several batches of three rows. */
static const char *source(char *buf, size_t n)
{
    snprintf(buf, n, "sqlite:%s/source.db", th_tmpdir());
    struct stat sb;
    if (stat(buf + 7, &sb) == 0)
        return buf;
    argo_store *st;
    argo_err e;
    if (argo_store_open(buf, NULL, &st, &e))
        fail_msg("%s", e.msg);
    int64_t a, b;
    assert_int_equal(argo_store_symbol_id(st, "AAA", true, &a, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "BBB", true, &b, NULL), 0);
    argo_bar bars[10];
    for (int i = 0; i < 10; i++)
        bars[i] = (argo_bar){(i + 1) * 86400, 10 + i, 11 + i, 9 + i, 10.5 + i, 100.0 * i};
    assert_int_equal(argo_store_bars_put(st, a, bars, 10, NULL, NULL), 0);
    assert_int_equal(argo_store_bars_put(st, b, bars, 7, NULL, NULL), 0);
    for (int i = 0; i < 11; i++) {
        char data[64];
        snprintf(data, sizeof data, "{\"n\":%d,\"pad\":\"%.*s\"}", i, i * 3,
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        argo_event ev = {.channel = "health",
                         .symbol = i % 2 ? "AAA" : "",
                         .data = data,
                         .published = true,
                         .confidence = i / 10.0};
        int64_t seq;
        assert_int_equal(argo_store_event_append(st, &ev, &seq, NULL), 0);
    }
    for (int i = 0; i < 4; i++) {
        argo_key_row k = {.created_at = 1700000000 + i};
        snprintf(k.name, sizeof k.name, "key%d", i);
        snprintf(k.role, sizeof k.role, "read");
        memset(k.hash, 'a' + i, sizeof k.hash);
        snprintf(k.prefix, sizeof k.prefix, "argo_%d", i);
        assert_int_equal(argo_store_key_add(st, &k, NULL), 0);
    }
    /* the provider's tables: two cache rows, a revised bar, two days of calls */
    argo_http_cache_row c1 = {.stored_at = 1700000000}, c2 = {.stored_at = 1700000001};
    snprintf(c1.key, sizeof c1.key, "https://h/v2/stocks/bars?symbols=AAA,BBB");
    snprintf(c1.etag, sizeof c1.etag, "W/\"1\"");
    snprintf(c2.key, sizeof c2.key, "https://h/csv/BBB.csv");
    snprintf(c2.last_modified, sizeof c2.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
    assert_int_equal(argo_store_cache_put(st, &c1, NULL), 0);
    assert_int_equal(argo_store_cache_put(st, &c2, NULL), 0);
    argo_correction c = {.symbol_id = a, .ts = bars[3].ts, .stored = bars[3], .revised = bars[3]};
    c.revised.close = 0.1 + 0.2 + 13;
    c.revised.volume = 1e-300;
    c.seen_at = 1700000002;
    snprintf(c.source, sizeof c.source, "alpaca");
    assert_int_equal(argo_store_correction_add(st, &c, NULL, NULL), 0);
    assert_int_equal(argo_store_calls_add(st, 19000 * 86400LL, 12, NULL), 0);
    assert_int_equal(argo_store_calls_add(st, 19001 * 86400LL, 3, NULL), 0);
    argo_store_close(st);
    return buf;
}

/* The checksums of a store: its copy into a new SQLite file. */
static void sums_of(const char *url, argo_store_copy_result *r)
{
    static int k;
    char probe[600];
    snprintf(probe, sizeof probe, "%s/probe%d.db", th_tmpdir(), ++k);
    argo_err e;
    if (argo_app_store_copy(url, probe, NULL, r, &e))
        fail_msg("probe of %s: %s", url, e.msg);
}

static void expect_same_sums(const argo_store_copy_result *a, const argo_store_copy_result *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(a->tables[i].name, b->tables[i].name);
        assert_int_equal(a->tables[i].rows, b->tables[i].rows);
        assert_string_equal(a->tables[i].sha256, b->tables[i].sha256);
    }
}

static void a_copy_in_small_batches_verifies_every_table(void **state)
{
    (void)state;
    char src[600], dst[600];
    source(src, sizeof src);
    target_url("batches", dst, sizeof dst);
    argo_store_copy_options o = {.batch_rows = 3, .busy_timeout_ms = -1};
    argo_store_copy_result r, again;
    argo_err e;
    if (argo_app_store_copy(src, dst, &o, &r, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(r.rows, 2 + 17 + 11 + 4 + 2 + 1 + 2);
    assert_false(r.replaced);
    assert_string_equal(r.from_backend, "sqlite");
    sums_of(dst, &again);
    expect_same_sums(&r, &again);
    json_t *doc = argo_json_store_copy(&r);
    assert_non_null(doc);
    assert_true(json_is_true(json_object_get(doc, "verified")));
    assert_int_equal(json_array_size(json_object_get(doc, "tables")), r.n);
    json_decref(doc);
}

static void a_failure_midway_leaves_the_target_as_it_was(void **state)
{
    (void)state;
    char src[600], dst[600], small[600];
    source(src, sizeof src);
    target_url("midway", dst, sizeof dst);
    argo_store_copy_result before, after, r;
    argo_err e;
    /* a target with other rows: one symbol */
    snprintf(small, sizeof small, "sqlite:%s/small.db", th_tmpdir());
    argo_store *st;
    assert_int_equal(argo_store_open(small, NULL, &st, NULL), 0);
    int64_t id;
    assert_int_equal(argo_store_symbol_id(st, "ZZZ", true, &id, NULL), 0);
    argo_store_close(st);
    assert_int_equal(argo_app_store_copy(small, dst, NULL, &r, &e), 0);
    sums_of(dst, &before);
    for (int64_t after_rows = 1; after_rows <= 30; after_rows += 7) {
        argo_store_copy_options o = {
            .replace = true, .batch_rows = 3, .fail_after_rows = after_rows, .busy_timeout_ms = -1};
        assert_int_equal(argo_app_store_copy(src, dst, &o, &r, &e), ARGO_EIO);
        assert_non_null(strstr(e.msg, "injected"));
        assert_int_equal(r.n, 0);
        sums_of(dst, &after);
        expect_same_sums(&before, &after);
    }
    /* without replace: refused, unchanged */
    assert_int_equal(argo_app_store_copy(src, dst, NULL, &r, &e), ARGO_ECONFLICT);
    assert_non_null(strstr(e.msg, "not empty (table symbols has 1 row)"));
    sums_of(dst, &after);
    expect_same_sums(&before, &after);
    /* a new SQLite target is removed again */
    char fresh[600];
    snprintf(fresh, sizeof fresh, "%s/never.db", th_tmpdir());
    argo_store_copy_options o = {.fail_after_rows = 2, .busy_timeout_ms = -1};
    assert_int_equal(argo_app_store_copy(src, fresh, &o, &r, &e), ARGO_EIO);
    struct stat sb;
    assert_int_not_equal(stat(fresh, &sb), 0);
}

static void a_store_is_not_copied_onto_itself(void **state)
{
    (void)state;
    char src[600];
    source(src, sizeof src);
    argo_store_copy_result r;
    argo_err e;
    assert_int_equal(argo_app_store_copy(src, src + 7, NULL, &r, &e), ARGO_EINVAL);
    assert_non_null(strstr(e.msg, "same store"));
    assert_int_equal(
        argo_app_store_copy("postgres://u:pw@h/d", "postgresql://u:pw@h/d", NULL, &r, &e),
        ARGO_EINVAL);
    assert_null(strstr(e.msg, "pw")); /* masked */
    assert_int_equal(argo_app_store_copy(src, "", NULL, &r, &e), ARGO_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_copy_in_small_batches_verifies_every_table),
        cmocka_unit_test(a_failure_midway_leaves_the_target_as_it_was),
        cmocka_unit_test(a_store_is_not_copied_onto_itself),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
