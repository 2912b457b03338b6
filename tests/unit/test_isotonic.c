/* SPDX-License-Identifier: MIT */
/* Isotonic regression on hand-worked cases; the comparison with
 * scikit-learn on random data is tests/calibrate/sklearn_compare.py. */
#include "helpers.h"

#include "calibrate/isotonic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static argo_iso_model *fit(const double *x, const double *y, const double *w, size_t n)
{
    argo_iso_model *m;
    argo_err e;
    if (argo_iso_fit(x, y, w, n, &m, NULL, &e))
        fail_msg("%s", e.msg);
    return m;
}

static void expect_points(const argo_iso_model *m, const double *x, const double *y, size_t n)
{
    assert_int_equal(m->n, n);
    for (size_t i = 0; i < n; i++)
        if (fabs(m->x[i] - x[i]) > 1e-15 || fabs(m->y[i] - y[i]) > 1e-15)
            fail_msg("point %zu: (%g, %g), wanted (%g, %g)", i, m->x[i], m->y[i], x[i], y[i]);
}

static void a_monotone_series_is_kept_and_flat_runs_trimmed(void **state)
{
    (void)state;
    double x[] = {0.1, 0.2, 0.3, 0.4, 0.5}, y[] = {0, 0.2, 0.2, 0.2, 1};
    argo_iso_model *m = fit(x, y, NULL, 5);
    /* the interior 0.3 equals both neighbours: dropped */
    expect_points(m, (double[]){0.1, 0.2, 0.4, 0.5}, (double[]){0, 0.2, 0.2, 1}, 4);
    argo_iso_model_free(m);
}

static void violators_are_pooled_into_their_weighted_mean(void **state)
{
    (void)state;
    double x[] = {3, 1, 2}, y[] = {1, 1, 0}; /* unsorted on purpose */
    argo_iso_model *m = fit(x, y, NULL, 3);
    expect_points(m, (double[]){1, 2, 3}, (double[]){0.5, 0.5, 1}, 3);
    argo_iso_model_free(m);
    double w[] = {1, 3, 1}; /* x=1 weighs 3: (3*1 + 1*0)/4 */
    m = fit(x, y, w, 3);
    expect_points(m, (double[]){1, 2, 3}, (double[]){0.75, 0.75, 1}, 3);
    argo_iso_model_free(m);
    /* a violation found late pools backwards across blocks */
    double x2[] = {1, 2, 3, 4}, y2[] = {0.2, 0.6, 0.8, 0};
    m = fit(x2, y2, NULL, 4);
    /* 0.8, 0 -> 0.4; then 0.6 >= 0.4 -> (0.6 + 0.8 + 0) / 3; 0.2 stays */
    expect_points(m, (double[]){1, 2, 4}, (double[]){0.2, 1.4 / 3, 1.4 / 3}, 3);
    argo_iso_model_free(m);
}

static void ties_in_x_are_pooled_first(void **state)
{
    (void)state;
    double x[] = {1, 1, 2, 1 + 1e-16}, y[] = {1, 0, 0.2, 1};
    /* x = 1 pools three samples (1e-16 is below numpy's resolution): 2/3;
     * then 2/3 > 0.2 pools with x = 2: (2 + 0.2)/4 */
    argo_iso_model *m = fit(x, y, NULL, 4);
    expect_points(m, (double[]){1, 2}, (double[]){0.55, 0.55}, 2);
    assert_int_equal(m->distinct, 2);
    argo_iso_model_free(m);
}

static void zero_weights_are_dropped_and_bad_input_named(void **state)
{
    (void)state;
    double x[] = {0.1, 0.2, 0.3}, y[] = {1, 0, 1}, w[] = {0, 1, 1};
    argo_iso_model *m = fit(x, y, w, 3);
    expect_points(m, (double[]){0.2, 0.3}, (double[]){0, 1}, 2);
    argo_iso_model_free(m);
    argo_err e;
    double zw[] = {0, 0, 0};
    assert_int_equal(argo_iso_fit(x, y, zw, 3, &m, NULL, &e), ARGO_EDATA);
    assert_null(m);
    assert_int_equal(argo_iso_fit(x, y, NULL, 0, &m, NULL, &e), ARGO_EDATA);
    assert_non_null(strstr(e.msg, "empty training set"));
    double bad[] = {0.1, NAN, 0.3};
    assert_int_equal(argo_iso_fit(bad, y, NULL, 3, &m, NULL, &e), ARGO_EINVAL);
    assert_non_null(strstr(e.msg, "sample 2"));
    double nw[] = {1, 1, -1};
    assert_int_equal(argo_iso_fit(x, y, nw, 3, &m, NULL, &e), ARGO_EINVAL);
    assert_non_null(strstr(e.msg, "sample 3"));
}

static void sparse_blocks_are_pooled_with_a_neighbour(void **state)
{
    (void)state;
    /* increasing already: four blocks weighing 10, 2, 10, 3 */
    double x[] = {1, 2, 3, 4}, y[] = {0, 0.3, 0.6, 1}, w[] = {10, 2, 10, 3};
    argo_iso_model *m;
    assert_int_equal(argo_iso_fit_shrunk(x, y, w, 4, true, 0, 5, &m, NULL, NULL), 0);
    /* 2 pools with the 10 after it: 0.55 weighing 12; the last (3) is
     * sparse and pools with that: (0.55 * 12 + 3) / 15 = 0.64 */
    expect_points(m, (double[]){1, 2, 4}, (double[]){0, 0.64, 0.64}, 3);
    argo_iso_model_free(m);
    /* min_block 1 changes nothing; above the total weight, one block */
    assert_int_equal(argo_iso_fit_shrunk(x, y, w, 4, true, 0, 1, &m, NULL, NULL), 0);
    expect_points(m, x, y, 4);
    argo_iso_model_free(m);
    assert_int_equal(argo_iso_fit_shrunk(x, y, w, 4, true, 0, 100, &m, NULL, NULL), 0);
    double mean = (0 * 10 + 0.3 * 2 + 0.6 * 10 + 1 * 3) / 25.0;
    expect_points(m, (double[]){1, 4}, (double[]){mean, mean}, 2);
    argo_iso_model_free(m);
}

/* Samples whose x lies in each run of equal fitted values: the blocks. */
static void expect_blocks_of_at_least(const argo_iso_model *m, const double *x, size_t n,
                                      size_t min_block, bool check_mean, const double *y)
{
    for (size_t i = 0; i < m->n;) {
        size_t j = i;
        while (j + 1 < m->n && m->y[j + 1] == m->y[i])
            j++;
        size_t count = 0;
        double sum = 0;
        for (size_t k = 0; k < n; k++)
            if (x[k] >= m->x[i] && x[k] <= m->x[j]) {
                count++;
                sum += y[k];
            }
        if (count < min_block)
            fail_msg("block [%g, %g] holds %zu samples, fewer than %zu", m->x[i], m->x[j], count,
                     min_block);
        if (check_mean && fabs(sum / count - m->y[i]) > 1e-12)
            fail_msg("block [%g, %g]: %g is not the mean %g", m->x[i], m->x[j], m->y[i],
                     sum / count);
        i = j + 1;
    }
}

static void every_pooled_block_holds_min_block_samples(void **state)
{
    (void)state;
    enum { N = 3000 };
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    uint64_t s = 7;
    for (size_t i = 0; i < N; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = 0.2 + 0.6 * (double)(s >> 11) / 9007199254740992.0;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        y[i] = (double)(s >> 11) / 9007199254740992.0 < x[i] * 0.8;
    }
    size_t mins[] = {2, 20, 57, 400};
    for (size_t t = 0; t < 4; t++) {
        argo_iso_model *m, *plain;
        assert_int_equal(
            argo_iso_fit_shrunk(x, y, NULL, N, false, 0, (double)mins[t], &m, NULL, NULL), 0);
        assert_int_equal(argo_iso_fit(x, y, NULL, N, &plain, NULL, NULL), 0);
        expect_blocks_of_at_least(m, x, N, mins[t], true, y);
        /* the plain fit has blocks below these minimums: the check bites */
        if (mins[t] >= 20) {
            size_t smallest = N;
            for (size_t i = 0; i < plain->n;) {
                size_t j = i, count = 0;
                while (j + 1 < plain->n && plain->y[j + 1] == plain->y[i])
                    j++;
                for (size_t k = 0; k < N; k++)
                    count += x[k] >= plain->x[i] && x[k] <= plain->x[j];
                smallest = count < smallest ? count : smallest;
                i = j + 1;
            }
            assert_true(smallest < mins[t]);
        }
        for (size_t i = 1; i < m->n; i++)
            assert_true(m->x[i] > m->x[i - 1] && m->y[i] >= m->y[i - 1]);
        /* with shrinkage the blocks stay the same */
        argo_iso_model *k;
        assert_int_equal(
            argo_iso_fit_shrunk(x, y, NULL, N, false, 100, (double)mins[t], &k, NULL, NULL), 0);
        expect_blocks_of_at_least(k, x, N, mins[t], false, y);
        argo_iso_model_free(k);
        argo_iso_model_free(m);
        argo_iso_model_free(plain);
    }
    free(x);
    free(y);
}

static void predictions_interpolate_and_clip(void **state)
{
    (void)state;
    double x[] = {0.2, 0.4, 0.8}, y[] = {0.1, 0.3, 0.9};
    argo_iso_model *m = fit(x, y, NULL, 3);
    assert_true(argo_iso_predict(m, 0.0) == 0.1); /* clipped below */
    assert_true(argo_iso_predict(m, 1.0) == 0.9); /* clipped above */
    assert_true(fabs(argo_iso_predict(m, 0.3) - 0.2) < 1e-15);
    assert_true(fabs(argo_iso_predict(m, 0.6) - 0.6) < 1e-15);
    assert_true(fabs(argo_iso_predict(m, 0.4) - 0.3) < 1e-15);
    argo_iso_model_free(m);
    double one[] = {0.5}, oy[] = {1};
    m = fit(one, oy, NULL, 1);
    assert_true(argo_iso_predict(m, 0.1) == 1 && argo_iso_predict(m, 0.9) == 1);
    argo_iso_model_free(m);
}

static void fit_stats_equal_a_direct_computation(void **state)
{
    (void)state;
    enum { N = 500 };
    double x[N], y[N];
    srand(3);
    for (int i = 0; i < N; i++) {
        x[i] = (rand() % 100) / 100.0;
        y[i] = (rand() % 100) / 100.0 < x[i];
    }
    argo_iso_model *m;
    argo_iso_fit_stats fs;
    assert_int_equal(argo_iso_fit(x, y, NULL, N, &m, &fs, NULL), 0);
    double p[N];
    for (int i = 0; i < N; i++)
        p[i] = argo_iso_predict(m, x[i]);
    argo_calib_metrics cm;
    argo_calib_metrics_compute(p, y, N, 10, &cm, NULL);
    assert_true(fabs(fs.brier - cm.brier) < 1e-12);
    assert_true(fabs(fs.log_loss - cm.log_loss) < 1e-9);
    assert_true(fabs(fs.ece - cm.ece) < 1e-12);
    assert_true(fs.weight == N);
    argo_iso_model_free(m);
}

static int cmp_key(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void the_sort_orders_any_finite_keys_stably(void **state)
{
    (void)state;
    for (size_t n = 1; n < 20000; n = n * 7 + 3) { /* both the small and the radix path */
        double *k = malloc(n * sizeof *k), *s = malloc(n * sizeof *s);
        size_t *perm = malloc(n * sizeof *perm);
        for (size_t i = 0; i < n; i++)
            k[i] = ((rand() % 2001) - 1000) / 7.0 * (rand() % 3 ? 1 : 1e-300);
        memcpy(s, k, n * sizeof *k);
        qsort(s, n, sizeof *s, cmp_key);
        assert_int_equal(argo_iso_sort(k, n, perm, NULL), 0);
        for (size_t i = 0; i < n; i++) {
            assert_true(k[perm[i]] == s[i]);
            if (i && k[perm[i]] == k[perm[i - 1]])
                assert_true(perm[i] > perm[i - 1]); /* stable */
        }
        free(k);
        free(s);
        free(perm);
    }
}

/* Quantized x (every x exactly k / R) are fitted by buckets; the same
 * data with one more sample of weight 0 whose x is not quantized take
 * the radix path, and sorting then fitting sorted input is a third
 * route. All three must give the same bits. */
static void expect_same_model(const argo_iso_model *a, const argo_iso_model *b,
                              const argo_iso_fit_stats *sa, const argo_iso_fit_stats *sb,
                              const char *what)
{
    if (a->n != b->n || a->distinct != b->distinct)
        fail_msg("%s: %zu points (%zu distinct) against %zu (%zu)", what, a->n, a->distinct, b->n,
                 b->distinct);
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(&a->x[i], &b->x[i], sizeof(double)) ||
            memcmp(&a->y[i], &b->y[i], sizeof(double)))
            fail_msg("%s: point %zu (%a, %a) against (%a, %a)", what, i, a->x[i], a->y[i], b->x[i],
                     b->y[i]);
    if (memcmp(sa, sb, sizeof *sa))
        fail_msg("%s: stats differ", what);
}

static void check_three_routes(const double *x, const double *y, const double *w, size_t n,
                               double k, double min_block)
{
    argo_iso_model *ma, *mb, *mc;
    argo_iso_fit_stats sa, sb, sc;
    argo_err e;
    int ra = argo_iso_fit_shrunk(x, y, w, n, false, k, min_block, &ma, &sa, &e);
    /* the radix path: one sample more, of weight 0, at a non-quantized x */
    double *x2 = malloc((n + 1) * sizeof *x2), *y2 = malloc((n + 1) * sizeof *y2);
    double *w2 = malloc((n + 1) * sizeof *w2);
    memcpy(x2, x, n * sizeof *x);
    memcpy(y2, y, n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        w2[i] = w ? w[i] : 1.0;
    x2[n] = 0.5 + 1e-9;
    y2[n] = 1;
    w2[n] = 0;
    int rb = argo_iso_fit_shrunk(x2, y2, w2, n + 1, false, k, min_block, &mb, &sb, &e);
    /* sort, then fit sorted input */
    size_t *perm = malloc((n ? n : 1) * sizeof *perm);
    assert_int_equal(argo_iso_sort(x, n, perm, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        x2[i] = x[perm[i]];
        y2[i] = y[perm[i]];
        w2[i] = w ? w[perm[i]] : 1.0;
    }
    int rc = argo_iso_fit_shrunk(x2, y2, w2, n, true, k, min_block, &mc, &sc, &e);
    assert_int_equal(ra, rb);
    assert_int_equal(ra, rc);
    if (!ra) {
        expect_same_model(ma, mb, &sa, &sb, "buckets against radix");
        expect_same_model(ma, mc, &sa, &sc, "buckets against sort + sorted fit");
        argo_iso_model_free(ma);
        argo_iso_model_free(mb);
        argo_iso_model_free(mc);
    }
    free(x2);
    free(y2);
    free(w2);
    free(perm);
}

static void quantized_x_fit_by_buckets_as_by_sorting(void **state)
{
    (void)state;
    const double res[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7};
    const size_t sizes[] = {1, 2, 9, 300, 5000};
    srand(15);
    for (size_t ri = 0; ri < sizeof res / sizeof *res; ri++)
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
            for (int kind = 0; kind < 4; kind++) {
                size_t n = sizes[si];
                double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
                double *w = malloc(n * sizeof *w);
                for (size_t i = 0; i < n; i++) {
                    double u = rand() / (double)RAND_MAX;
                    if (kind == 3) /* wider and negative: [-2, 3) */
                        u = u * 5 - 2;
                    x[i] = round(u * res[ri]) / res[ri];
                    y[i] =
                        kind == 1 || kind == 2 ? rand() / (double)RAND_MAX - 0.3 : rand() % 4 == 0;
                    w[i] = kind == 2 ? (rand() % 3 ? rand() / (double)RAND_MAX : 0) : rand() % 3;
                }
                check_three_routes(x, y, NULL, n, 0, 0);
                check_three_routes(x, y, w, n, 0, 0);
                check_three_routes(x, y, w, n, 7.5, 3);
                free(x);
                free(y);
                free(w);
            }
}

static void quantized_edge_cases_fit_as_by_sorting(void **state)
{
    (void)state;
    double y[] = {1, 0, 1, 1, 0, 0, 1, 0};
    double w[] = {0, 2, 0.5, 0, 1, 3, 0, 1}, w0[8] = {0};
    /* n = 1; all in one bucket; x = 1.0 and 0; 1e-6 steps; the edge of 2^50 */
    check_three_routes((double[]){0.3}, y, NULL, 1, 0, 0);
    check_three_routes((double[]){0.25, 0.25, 0.25, 0.25, 0.25}, y, w, 5, 0, 0);
    check_three_routes((double[]){1.0, 0, 1.0, 0.5, 0, 1.0}, y, NULL, 6, 0, 0);
    check_three_routes((double[]){1e-6, 0, 2e-6, 1 - 1e-6, 1, 0.999998}, y, w, 6, 0, 0);
    check_three_routes((double[]){1e-7, 0, 2e-7, 0.5}, y, NULL, 4, 0, 0); /* 7 decimals */
    check_three_routes((double[]){1e9 + 0.5, 1e9, 1e9 + 1e-6, 1125899906.842624, -1e9}, y, NULL, 5,
                       0, 0);
    check_three_routes((double[]){0, 1e300, 0.5}, y, NULL, 3, 0, 0);
    check_three_routes((double[]){0.1, 0.2, 0.3}, y, w0, 3, 0, 0); /* every weight 0: EDATA */
    /* -0.0 pools with 0.0; a stable sort puts it first, so it is the point's x */
    double xz[] = {0.0, -0.0, 0.5, 0.0};
    argo_iso_model *m = fit(xz, (double[]){0, 1, 1, 0}, NULL, 4);
    assert_true(m->x[0] == 0 && signbit(m->x[0]));
    argo_iso_model_free(m);
    check_three_routes(xz, y, w, 4, 0, 0);
    check_three_routes((double[]){0.0, 0.5, 0.0}, (double[]){-0.0, 1, -0.0}, NULL, 3, 0, 0);
}

static void metrics_match_their_definitions(void **state)
{
    (void)state;
    double p[] = {0.05, 0.15, 0.95, 0.95}, y[] = {0, 1, 1, 0};
    argo_calib_metrics m;
    argo_reliability_bin rel[10];
    argo_calib_metrics_compute(p, y, 4, 10, &m, rel);
    assert_true(fabs(m.brier - (0.0025 + 0.7225 + 0.0025 + 0.9025) / 4) < 1e-15);
    double ll = -(log(0.95) + log(0.15) + log(0.95) + log(0.05)) / 4;
    assert_true(fabs(m.log_loss - ll) < 1e-12);
    /* bins: 0.0-0.1 {0.05|0}, 0.1-0.2 {0.15|1}, 0.9-1.0 {0.95,0.95|1,0} */
    double ece = 0.25 * 0.05 + 0.25 * 0.85 + 0.5 * 0.45;
    assert_true(fabs(m.ece - ece) < 1e-15);
    assert_true(fabs(m.mce - 0.85) < 1e-15);
    assert_int_equal(rel[9].count, 2);
    assert_true(isnan(rel[5].mean_pred));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_monotone_series_is_kept_and_flat_runs_trimmed),
        cmocka_unit_test(violators_are_pooled_into_their_weighted_mean),
        cmocka_unit_test(ties_in_x_are_pooled_first),
        cmocka_unit_test(zero_weights_are_dropped_and_bad_input_named),
        cmocka_unit_test(predictions_interpolate_and_clip),
        cmocka_unit_test(sparse_blocks_are_pooled_with_a_neighbour),
        cmocka_unit_test(every_pooled_block_holds_min_block_samples),
        cmocka_unit_test(fit_stats_equal_a_direct_computation),
        cmocka_unit_test(the_sort_orders_any_finite_keys_stably),
        cmocka_unit_test(metrics_match_their_definitions),
        cmocka_unit_test(quantized_x_fit_by_buckets_as_by_sorting),
        cmocka_unit_test(quantized_edge_cases_fit_as_by_sorting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
