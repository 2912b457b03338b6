/* SPDX-License-Identifier: MIT */
/* The S3 cost model against costs worked out by hand. */
#include "helpers.h"

#include "app/archive.h"
#include "archive/cost.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GB (1024.0 * 1024.0 * 1024.0)

static argo_cost_input one_kind(const argo_lifecycle *lc, double bytes, bool bundle)
{
    argo_cost_input in = {
        .years = 1, .days_per_month = 1, .bundle_month = bundle, .nkinds = 1, .lc = lc};
    snprintf(in.kinds[0].name, sizeof in.kinds[0].name, "k");
    in.kinds[0].bytes = bytes;
    return in;
}

/* One 1 GiB object a month for a year: Standard in its first month,
 * Standard-IA after 30 days (one transition fee each); no Glacier yet. */
static void a_year_of_monthly_gigabytes_matches_the_hand_sum(void **state)
{
    (void)state;
    argo_lifecycle lc;
    argo_lifecycle_default(&lc, "b/");
    argo_prices p;
    argo_prices_default(&p);
    argo_cost_input in = one_kind(&lc, GB, false);
    argo_cost_result r;
    assert_int_equal(argo_cost_model(&in, &p, &r, NULL), 0);
    double put = 12 * 0.005 / 1000;
    double standard = 0.023 * 78 + put; /* 12 + 11 + ... + 1 object-months */
    double tiered = 12 * 0.023 + 0.0125 * 66 + 11 * 0.01 / 1000 + put;
    assert_true(fabs(r.total_standard - standard) < 1e-9);
    assert_true(fabs(r.total_tiered - tiered) < 1e-9);
    assert_true(r.never_transitioned == 0);
    free(r.months);
}

static void small_objects_never_leave_standard_by_default(void **state)
{
    (void)state;
    argo_lifecycle lc;
    argo_lifecycle_default(&lc, "b/");
    argo_prices p;
    argo_prices_default(&p);
    argo_cost_input in = one_kind(&lc, 100 * 1024, false);
    in.years = 8;
    argo_cost_result r;
    assert_int_equal(argo_cost_model(&in, &p, &r, NULL), 0);
    assert_true(fabs(r.total_tiered - r.total_standard) < 1e-12); /* nothing transitions */
    assert_true(r.never_transitioned == r.objects);
    free(r.months);
    /* allowed into Glacier, each small object pays 40 KB of overhead */
    snprintf(lc.min_size_behaviour, sizeof lc.min_size_behaviour, "varies_by_storage_class");
    in = one_kind(&lc, 1024, false); /* 1 KB objects */
    in.years = 3;
    assert_int_equal(argo_cost_model(&in, &p, &r, NULL), 0);
    /* a year-old 1 KB object in GLACIER bills (1 + 32) KB at Glacier + 8 KB at Standard,
     * more than 1 KB at Standard: tiering costs more */
    assert_true(r.total_tiered > r.total_standard);
    free(r.months);
}

static void leaving_a_class_early_is_billed_its_minimum(void **state)
{
    (void)state;
    argo_lifecycle lc;
    argo_lifecycle_default(&lc, "b/");
    assert_int_equal(argo_lifecycle_parse_transitions(&lc, "GLACIER:0,DEEP_ARCHIVE:30", NULL), 0);
    argo_prices p;
    argo_prices_default(&p);
    argo_cost_input in = one_kind(&lc, GB, true); /* one object, then it ages */
    in.years = 1;
    argo_cost_result r;
    assert_int_equal(argo_cost_model(&in, &p, &r, NULL), 0);
    /* the first cohort: GLACIER in month 1 (0 days), DEEP_ARCHIVE from month 2 after
     * 30 days: 60 more Glacier days are billed when it leaves */
    double glacier_month = ((GB + 32 * 1024) * 0.0036 + 8 * 1024 * 0.023) / GB;
    double extra = glacier_month * (90 - 30) / 30.4375;
    /* month 2: the first object in DEEP_ARCHIVE (its fee, and the extra Glacier
     * days), the second one written (PUT) straight into GLACIER (its fee) */
    double deep_month = ((GB + 32 * 1024) * 0.00099 + 8 * 1024 * 0.023) / GB;
    double month2 = deep_month + 0.05 / 1000 + extra + 0.005 / 1000 + glacier_month + 0.03 / 1000;
    assert_true(fabs(r.months[1].tiered - month2) < 1e-12);
    free(r.months);
}

/* argo archive cost through the app: [prices] reach the model by name
 * (each price distinct, so a price in the wrong slot changes the
 * totals), and a stated volume sizes the four kinds and the manifest. */
static void the_app_cost_takes_each_price_by_name(void **state)
{
    (void)state;
    char conf[600];
    th_tmpfile("cost.conf", conf, sizeof conf);
    th_write(conf, "[prices]\nstandard = 0.031\nstandard_ia = 0.017\nglacier_ir = 0.0051\n"
                   "glacier = 0.0043\ndeep_archive = 0.0011\nput_per_1000 = 0.0071\n"
                   "transition_ia_per_1000 = 0.013\ntransition_glacier_ir_per_1000 = 0.027\n"
                   "transition_glacier_per_1000 = 0.037\ntransition_deep_per_1000 = 0.053\n"
                   "[lifecycle]\ntransitions = STANDARD_IA:30,GLACIER_IR:90,GLACIER:180,"
                   "DEEP_ARCHIVE:365\n");
    argo_app_options ao = {.config_path = conf, .store = ARGO_APP_STORE_NONE};
    argo_app *app;
    argo_err e;
    if (argo_app_open(&ao, &app, &e))
        fail_msg("%s", e.msg);
    argo_app_cost_options co = {.years = 3, .signals_per_day = 50000, .growth_pct = 10};
    argo_app_cost_result cr;
    if (argo_app_archive_cost(app, &co, &cr, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(cr.in.nkinds, 5);
    assert_string_equal(cr.in.kinds[0].name, "signals.parquet");
    assert_string_equal(cr.in.kinds[4].name, "manifest.json");
    assert_true(cr.in.kinds[0].bytes == 50000.0 * 78 + 2500);
    assert_non_null(cr.rb.months); /* the bundled alternative, not asked for */
    argo_prices p = {.standard = 0.031,
                     .standard_ia = 0.017,
                     .glacier_ir = 0.0051,
                     .glacier = 0.0043,
                     .deep_archive = 0.0011,
                     .put_per_1000 = 0.0071,
                     .transition_ia_per_1000 = 0.013,
                     .transition_glacier_ir_per_1000 = 0.027,
                     .transition_glacier_per_1000 = 0.037,
                     .transition_deep_per_1000 = 0.053};
    argo_cost_result r;
    assert_int_equal(argo_cost_model(&cr.in, &p, &r, NULL), 0);
    assert_true(r.total_standard == cr.r.total_standard);
    assert_true(r.total_tiered == cr.r.total_tiered);
    /* and the prices matter: one exchanged changes the tiered total */
    p.glacier_ir = 0.0043;
    p.glacier = 0.0051;
    argo_cost_result r2;
    assert_int_equal(argo_cost_model(&cr.in, &p, &r2, NULL), 0);
    assert_true(r2.total_tiered != cr.r.total_tiered);
    free(r.months);
    free(r2.months);
    argo_app_cost_result_cleanup(&cr);
    argo_app_close(app, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_app_cost_takes_each_price_by_name),
        cmocka_unit_test(a_year_of_monthly_gigabytes_matches_the_hand_sum),
        cmocka_unit_test(small_objects_never_leave_standard_by_default),
        cmocka_unit_test(leaving_a_class_early_is_billed_its_minimum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
