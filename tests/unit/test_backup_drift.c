/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_backup_drift.c - verify is independent of the writer.
 * This program is linked with src/archive/backup.c built with
 * ARGO_BACKUP_DRIFT: its writer fills the signals' "target" column from
 * the stops and "stop" from the targets, as a wrong column index would,
 * and builds its CSV the same way. A verify that rebuilt the expected
 * rows with the writer's own table would pass such a backup; argo's
 * reads them through its separate description of the layout and
 * refuses it.
 */
#include "helpers.h"

#include "app/engine.h"
#include "archive/archive.h"
#include "market/market.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void a_writer_that_fills_the_wrong_fields_does_not_verify(void **state)
{
    (void)state;
    char p[512], csv[1024], root[512];
    th_tmpfile("drift.db", p, sizeof p);
    th_rm_db(p);
    argo_store *st;
    argo_config cfg;
    argo_config_init(&cfg);
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    assert_int_equal(argo_engine_ingest_csv(st, th_src("data/market/MSFT.csv", csv, sizeof csv),
                                            "MSFT", false, NULL, NULL),
                     0);
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX};
    assert_int_equal(argo_engine_replay(st, &cfg, &o, NULL, NULL), 0);
    th_tmpfile("drift", root, sizeof root);
    int64_t *days;
    size_t n;
    assert_int_equal(argo_backup_days(st, &days, &n, NULL), 0);
    assert_true(n > 0);
    size_t refused = 0, with_signals = 0;
    for (int format = ARGO_BACKUP_PARQUET; format <= ARGO_BACKUP_CSV; format++) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/%d", root, format);
        argo_backup_options bo = {.root = dir, .formats = format, .codec = ARGO_PQ_SNAPPY};
        for (size_t i = 0; i < n; i++) {
            argo_backup_result r;
            argo_err e;
            assert_int_equal(argo_backup_day(st, days[i], &bo, &r, &e), 0);
            if (r.signals == 0)
                continue;
            with_signals++;
            size_t files;
            int rc = argo_backup_verify(st, dir, days[i], &files, &e);
            assert_int_equal(rc, ARGO_ECORRUPT);
            if (format == ARGO_BACKUP_PARQUET)
                assert_non_null(strstr(e.msg, "column target differs from the store"));
            else
                assert_non_null(strstr(e.msg, "differs from the store"));
            refused++;
        }
    }
    assert_true(with_signals > 0);
    assert_int_equal(refused, with_signals);
    free(days);
    argo_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_writer_that_fills_the_wrong_fields_does_not_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
