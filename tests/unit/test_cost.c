/* SPDX-License-Identifier: MIT */
/* The S3 cost model against costs worked out by hand. */
#include "helpers.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_year_of_monthly_gigabytes_matches_the_hand_sum),
        cmocka_unit_test(small_objects_never_leave_standard_by_default),
        cmocka_unit_test(leaving_a_class_early_is_billed_its_minimum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
