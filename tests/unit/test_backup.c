/* SPDX-License-Identifier: MIT */
/* Daily backups on the shipped real data: idempotence, versions, and
 * that damage or a crash is always detected, never taken as good. */
#include "helpers.h"

#include "archive/archive.h"
#include "base/fileio.h"
#include "base/timeutil.h"
#include "core/engine.h"
#include "market/market.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static argo_store *st;
static int64_t day; /* a day with signals made and outcomes resolved */
static char root[512];

static int setup(void **state)
{
    (void)state;
    char p[512], csv[1024];
    th_tmpfile("backup.db", p, sizeof p);
    th_rm_db(p);
    argo_config cfg;
    argo_config_init(&cfg);
    if (argo_store_open(p, NULL, &st, NULL) ||
        argo_market_ingest_csv(st, th_src("data/market/TTRC.csv", csv, sizeof csv), "TTRC", false,
                               NULL, NULL) ||
        argo_market_ingest_csv(st, th_src("data/market/MSFT.csv", csv, sizeof csv), "MSFT", false,
                               NULL, NULL))
        return -1;
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX};
    if (argo_engine_replay(st, &cfg, &o, NULL, NULL))
        return -1;
    int64_t *days;
    size_t n;
    argo_backup_days(st, &days, &n, NULL);
    th_tmpfile("probe", root, sizeof root);
    argo_backup_options bo = {.root = root, .codec = ARGO_PQ_SNAPPY};
    for (size_t i = 0; i < n && !day; i++) {
        argo_backup_result r;
        argo_backup_day(st, days[i], &bo, &r, NULL);
        if (r.signals && r.outcomes)
            day = days[i];
    }
    free(days);
    return day ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    argo_store_close(st);
    return 0;
}

static void fresh_root(const char *name)
{
    th_tmpfile(name, root, sizeof root);
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static void file_path(const char *name, char *buf, size_t n)
{
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    snprintf(buf, n, "%s/%04d/%02d/%02d/%s", root, y, m, d, name);
}

static argo_backup_result backup(void)
{
    argo_backup_options bo = {.root = root, .codec = ARGO_PQ_SNAPPY};
    argo_backup_result r;
    argo_err e;
    if (argo_backup_day(st, day, &bo, &r, &e))
        fail_msg("%s", e.msg);
    return r;
}

static int verify(argo_err *e)
{
    size_t files;
    return argo_backup_verify(st, root, day, &files, e);
}

static void a_backup_verifies_and_a_rerun_changes_nothing(void **state)
{
    (void)state;
    fresh_root("b1");
    argo_backup_result r = backup();
    assert_int_equal(r.version, 1);
    assert_false(r.unchanged);
    argo_err e;
    if (verify(&e))
        fail_msg("%s", e.msg);
    char p[1100];
    file_path("manifest.json", p, sizeof p);
    json_t *m = json_load_file(p, 0, NULL);
    assert_non_null(m);
    assert_int_equal(json_array_size(json_object_get(m, "files")), 4);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "rows"), "signals")),
                     (json_int_t)r.signals);
    assert_string_equal(json_string_value(json_object_get(m, "codec")), "snappy");
    json_decref(m);
    r = backup();
    assert_true(r.unchanged);
    assert_int_equal(r.version, 1);
}

static void flipped_and_truncated_files_are_named(void **state)
{
    (void)state;
    fresh_root("b2");
    backup();
    char p[1100];
    argo_err e;
    file_path("signals-v1.parquet", p, sizeof p);
    uint8_t *data;
    size_t len;
    assert_int_equal(argo_file_read(p, 1 << 30, &data, &len, NULL), 0);
    data[len / 2] ^= 0x01;
    assert_int_equal(argo_file_write_atomic(p, data, len, NULL), 0);
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "signals-v1.parquet: SHA-256"));
    data[len / 2] ^= 0x01;
    assert_int_equal(argo_file_write_atomic(p, data, len, NULL), 0);
    assert_int_equal(verify(&e), 0);
    free(data);
    file_path("outcomes-v1.csv", p, sizeof p);
    assert_int_equal(truncate(p, 20), 0);
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "outcomes-v1.csv"));
    assert_non_null(strstr(e.msg, "bytes"));
}

static int take(void *ctx, const argo_signal *g)
{
    *(argo_signal *)ctx = *g;
    return 1; /* the first one is enough */
}

static void a_changed_store_is_reported_then_backed_up_as_a_new_version(void **state)
{
    (void)state;
    fresh_root("b3");
    backup();
    /* change one outcome of the day in the store */
    argo_signal_query q = {.resolved_from = day, .resolved_to = day + 86400};
    argo_signal changed;
    assert_int_equal(argo_store_signals_scan(st, &q, take, &changed, NULL), 1);
    changed.pnl_pct += 1;
    assert_int_equal(argo_store_signal_update(st, &changed, NULL), 0);
    argo_err e;
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "differs from the store"));
    argo_backup_result r = backup();
    assert_int_equal(r.version, 2);
    assert_int_equal(verify(&e), 0); /* v2 matches the store; v1 is still intact */
    char p[1100];
    file_path("manifest-v1.json", p, sizeof p);
    assert_int_equal(access(p, F_OK), 0);
    file_path("outcomes-v1.parquet", p, sizeof p);
    assert_int_equal(access(p, F_OK), 0);
    changed.pnl_pct -= 1; /* put the store back for the other tests */
    assert_int_equal(argo_store_signal_update(st, &changed, NULL), 0);
}

/* A crash at any write of a new version leaves the previous complete
 * version verifiable and no new version that looks complete. */
static void a_crash_at_any_write_never_leaves_a_partial_backup(void **state)
{
    (void)state;
    for (int n = 1; n <= 6; n++) {
        char name[16];
        snprintf(name, sizeof name, "crash%d", n);
        fresh_root(name);
        argo_backup_options bo = {.root = root, .formats = ARGO_BACKUP_PARQUET};
        argo_backup_result r;
        assert_int_equal(argo_backup_day(st, day, &bo, &r, NULL), 0); /* v1: parquet only */
        argo_err e;
        argo_file_fault_after(n); /* v2 (both formats) writes 4 files + 2 manifests */
        bo.formats = 0;
        int rc = argo_backup_day(st, day, &bo, &r, &e);
        argo_file_fault_after(0);
        assert_int_equal(rc, ARGO_EIO);
        assert_non_null(strstr(e.msg, "injected fault"));
        if (verify(&e))
            fail_msg("after a crash at write %d: %s", n, e.msg);
        /* and a rerun completes version 2 */
        assert_int_equal(argo_backup_day(st, day, &bo, &r, NULL), 0);
        assert_int_equal(r.version, 2);
        assert_int_equal(verify(&e), 0);
    }
}

static void a_day_without_backup_is_named(void **state)
{
    (void)state;
    fresh_root("b5");
    argo_err e;
    assert_int_equal(verify(&e), ARGO_ENOENT);
    assert_non_null(strstr(e.msg, "no backup of"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_backup_verifies_and_a_rerun_changes_nothing),
        cmocka_unit_test(flipped_and_truncated_files_are_named),
        cmocka_unit_test(a_changed_store_is_reported_then_backed_up_as_a_new_version),
        cmocka_unit_test(a_crash_at_any_write_never_leaves_a_partial_backup),
        cmocka_unit_test(a_day_without_backup_is_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
