/* SPDX-License-Identifier: MIT */
/* The incremental isotonic training set: after every step its fit is
 * the full fit (argo_iso_fit_shrunk over all the samples so far), bit
 * for bit on 0/1 labels with unit weights, to 1e-12 otherwise. */
#include "helpers.h"

#include "app/engine.h"
#include "calibrate/calibrate.h"
#include "calibrate/isoinc.h"
#include "domain/config.h"
#include "store/store.h"
#include "track/track.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double unit(void)
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

typedef struct set {
    double *x, *y, *w;
    size_t n, cap;
} set;

static void put(set *s, double x, double y, double w)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->x = realloc(s->x, s->cap * sizeof *s->x);
        s->y = realloc(s->y, s->cap * sizeof *s->y);
        s->w = realloc(s->w, s->cap * sizeof *s->w);
    }
    s->x[s->n] = x;
    s->y[s->n] = y;
    s->w[s->n++] = w;
}

static void set_free(set *s)
{
    free(s->x);
    free(s->y);
    free(s->w);
}

/* Fits t and the full set; the models must agree (exact: bit for bit). */
static void expect_full_fit(argo_isoinc *t, const set *s, bool weighted, double shrink,
                            double min_block, bool exact)
{
    argo_iso_model *a, *b;
    argo_iso_fit_stats sa, sb;
    argo_err e;
    assert_int_equal(argo_isoinc_fit(t, shrink, min_block, &a, &sa, NULL, &e), 0);
    assert_int_equal(argo_iso_fit_shrunk(s->x, s->y, weighted ? s->w : NULL, s->n, false, shrink,
                                         min_block, &b, &sb, &e),
                     0);
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->distinct, b->distinct);
    assert_memory_equal(a->x, b->x, a->n * sizeof *a->x);
    if (exact) {
        assert_memory_equal(a->y, b->y, a->n * sizeof *a->y);
        assert_memory_equal(&sa, &sb, sizeof sa);
    } else {
        for (size_t i = 0; i < a->n; i++)
            assert_true(fabs(a->y[i] - b->y[i]) <= 1e-12);
        assert_true(fabs(sa.weight - sb.weight) <= 1e-12 * sb.weight);
        assert_true(fabs(sa.brier - sb.brier) <= 1e-12);
    }
    argo_iso_model_free(a);
    argo_iso_model_free(b);
}

/* x drawn so that exact ties, near-ties (< 1e-15 apart, also chains of
 * them longer than a leaf) and values on a coarse grid all occur. */
static double draw_x(void)
{
    switch (next() % 5) {
    case 0:
        return (double)(next() % 50) / 50; /* a coarse grid: exact ties */
    case 1:
        return 0.5 + (double)(next() % 40) * 3e-16; /* a chain of near-ties */
    case 2:
        return (double)(next() % 20) / 20 + (double)(next() % 3) * 6e-16;
    default:
        return unit();
    }
}

static void run(size_t leaf, size_t group, bool weighted, double shrink, double min_block,
                size_t steps)
{
    argo_isoinc *t;
    assert_int_equal(argo_isoinc_new(leaf, group, &t, NULL), 0);
    set s = {0};
    for (size_t step = 0; step < steps; step++) {
        size_t k = 1 + next() % 40;
        for (size_t i = 0; i < k; i++) {
            double x = draw_x();
            double y = weighted ? unit() : (unit() < 0.3 + 0.4 * x ? 1 : 0);
            double w = weighted ? (next() % 10 == 0 ? 0 : 0.1 + 3 * unit()) : 1;
            assert_int_equal(argo_isoinc_add(t, x, y, w, NULL), 0);
            put(&s, x, y, w);
        }
        expect_full_fit(t, &s, weighted, shrink, min_block, !weighted);
    }
    size_t pos = 0;
    for (size_t i = 0; i < s.n; i++)
        pos += s.w[i] > 0;
    assert_int_equal(argo_isoinc_count(t), pos);
    set_free(&s);
    argo_isoinc_free(t);
}

static void binary_labels_fit_bit_for_bit_as_a_full_refit_after_every_step(void **state)
{
    (void)state;
    size_t leaves[] = {2, 3, 8, 64, 0}, groups[] = {2, 3, 5, 0};
    for (size_t i = 0; i < sizeof leaves / sizeof *leaves; i++)
        for (size_t j = 0; j < sizeof groups / sizeof *groups; j++) {
            run(leaves[i], groups[j], false, 0, 0, 120);
            run(leaves[i], groups[j], false, 100, 20, 120); /* the calibrator's defaults */
            run(leaves[i], groups[j], false, 7.5, 3, 60);
        }
}

static void weighted_real_labels_fit_as_a_full_refit_to_1e_12(void **state)
{
    (void)state;
    size_t leaves[] = {2, 5, 16, 0}, groups[] = {2, 4, 0};
    for (size_t i = 0; i < sizeof leaves / sizeof *leaves; i++)
        for (size_t j = 0; j < sizeof groups / sizeof *groups; j++) {
            run(leaves[i], groups[j], true, 0, 0, 100);
            run(leaves[i], groups[j], true, 100, 20, 100);
        }
}

static void samples_on_and_across_leaf_boundaries_keep_ties_whole(void **state)
{
    (void)state;
    argo_isoinc *t;
    assert_int_equal(argo_isoinc_new(4, 2, &t, NULL), 0);
    set s = {0};
    /* leaves of 4 values 0.1 apart, then samples on every boundary,
     * just below the next leaf's first x (a near-tie that joins two
     * leaves), and many equal x filling more than a leaf */
    for (int i = 0; i < 40; i++) {
        put(&s, i * 0.1, i % 3 == 0, 1);
        assert_int_equal(argo_isoinc_add(t, i * 0.1, i % 3 == 0, 1, NULL), 0);
    }
    expect_full_fit(t, &s, false, 0, 0, true);
    for (int i = 1; i < 40; i++) {
        double x[] = {i * 0.1, i * 0.1 - 4e-16, i * 0.1 + 9e-16, nextafter(i * 0.1, 0)};
        for (int j = 0; j < 4; j++) {
            put(&s, x[j], (i + j) % 2, 1);
            assert_int_equal(argo_isoinc_add(t, x[j], (i + j) % 2, 1, NULL), 0);
        }
        expect_full_fit(t, &s, false, 0, 0, true);
        expect_full_fit(t, &s, false, 100, 20, true);
    }
    for (int i = 0; i < 30; i++) {
        put(&s, 0.25, i % 2, 1);
        assert_int_equal(argo_isoinc_add(t, 0.25, i % 2, 1, NULL), 0);
        put(&s, -0.0, 1, 1); /* -0 sorts before +0, as the full fit's sort */
        assert_int_equal(argo_isoinc_add(t, -0.0, 1, 1, NULL), 0);
        expect_full_fit(t, &s, false, 0, 0, true);
    }
    set_free(&s);
    argo_isoinc_free(t);
}

static void bad_samples_are_refused_and_an_empty_set_does_not_fit(void **state)
{
    (void)state;
    argo_isoinc *t;
    argo_err e;
    argo_iso_model *m;
    assert_int_equal(argo_isoinc_new(0, 0, &t, NULL), 0);
    assert_int_equal(argo_isoinc_fit(t, 0, 0, &m, NULL, NULL, &e), ARGO_EDATA);
    assert_null(m);
    assert_int_equal(argo_isoinc_add(t, NAN, 1, 1, &e), ARGO_EINVAL);
    assert_int_equal(argo_isoinc_add(t, 0.5, INFINITY, 1, &e), ARGO_EINVAL);
    assert_int_equal(argo_isoinc_add(t, 0.5, 1, -1, &e), ARGO_EINVAL);
    assert_int_equal(argo_isoinc_add(t, 0.5, 1, 0, &e), 0); /* dropped, as the fit drops it */
    assert_int_equal(argo_isoinc_count(t), 0);
    assert_int_equal(argo_isoinc_fit(t, 0, 0, &m, NULL, NULL, &e), ARGO_EDATA);
    assert_int_equal(argo_isoinc_add(t, 0.5, 1, 1, &e), 0);
    assert_int_equal(argo_isoinc_fit(t, 0, 0, &m, NULL, NULL, &e), 0);
    assert_int_equal(m->n, 1);
    argo_iso_model_free(m);
    argo_isoinc_free(t);
}

typedef struct outs {
    argo_outcome *v;
    size_t n, cap;
} outs;

static int keep(void *ctx, const argo_outcome *o)
{
    outs *d = ctx;
    if (d->n == d->cap)
        d->v = realloc(d->v, (d->cap = d->cap ? d->cap * 2 : 256) * sizeof *d->v);
    d->v[d->n++] = *o;
    return 0;
}

static void the_shipped_data_fit_bit_for_bit_at_every_exit_day(void **state)
{
    (void)state;
    char p[512];
    th_store_url("isoinc.db", p, sizeof p);
    argo_store *st;
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    const char *syms[] = {"MSFT", "TTRC"};
    for (int i = 0; i < 2; i++) {
        int64_t id;
        size_t n;
        argo_bar *b = th_market_bars(syms[i], &n);
        assert_int_equal(argo_store_symbol_id(st, syms[i], true, &id, NULL), 0);
        assert_int_equal(argo_store_begin(st, NULL), 0);
        assert_int_equal(argo_store_bars_put(st, id, b, n, NULL, NULL), 0);
        assert_int_equal(argo_store_commit(st, NULL), 0);
        free(b);
    }
    argo_config cfg;
    argo_config_init(&cfg);
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX};
    argo_replay_report r;
    argo_err e;
    if (argo_engine_replay(st, &cfg, &o, &r, &e))
        fail_msg("%s", e.msg);
    outs d = {0};
    assert_int_equal(argo_store_outcomes_scan(st, INT64_MAX, keep, &d, &e), 0);
    assert_true(d.n > 100);
    argo_isoinc *t;
    assert_int_equal(argo_isoinc_new(8, 3, &t, NULL), 0); /* small: many leaves and groups */
    set s = {0};
    for (size_t i = 0; i < d.n;) {
        size_t j = i;
        for (; j < d.n && d.v[j].exit_ts == d.v[i].exit_ts; j++) {
            double x = d.v[j].raw_confidence,
                   y = argo_track_label_of(d.v[j].status, d.v[j].pnl_pct);
            assert_int_equal(argo_isoinc_add(t, x, y, 1, NULL), 0);
            put(&s, x, y, 1);
        }
        expect_full_fit(t, &s, false, cfg.global_shrinkage, cfg.min_block_outcomes, true);
        expect_full_fit(t, &s, false, 0, 0, true);
        i = j;
    }
    set_free(&s);
    free(d.v);
    argo_isoinc_free(t);
    argo_store_close(st);
}

typedef struct check_ctx {
    const set *s;
    const argo_config *cfg;
    int64_t version;
    int globals;
} check_ctx;

/* A sink that checks every global model against a full refit. */
static int check_global(void *ctx, argo_model_row *m, argo_err *err)
{
    (void)err;
    check_ctx *k = ctx;
    m->version = ++k->version;
    if (strcmp(m->scope, "global"))
        return 0;
    argo_iso_model *f;
    assert_int_equal(argo_iso_fit_shrunk(k->s->x, k->s->y, NULL, k->s->n, false,
                                         k->cfg->global_shrinkage, k->cfg->min_block_outcomes, &f,
                                         NULL, NULL),
                     0);
    assert_int_equal(m->samples, (int64_t)k->s->n);
    assert_int_equal(m->n, f->n);
    assert_memory_equal(m->x, f->x, f->n * sizeof *f->x);
    assert_memory_equal(m->y, f->y, f->n * sizeof *f->y);
    argo_iso_model_free(f);
    k->globals++;
    return 0;
}

static void the_calibrators_replay_models_are_full_refits_at_every_refit(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    cfg.retrain_every = 7;
    argo_calibrator *c;
    assert_int_equal(argo_calibrator_new(&cfg, 3, &c, NULL), 0);
    set s = {0};
    check_ctx k = {&s, &cfg, 0, 0};
    for (int64_t day = 1; day <= 400; day++) {
        size_t n = next() % 6;
        for (size_t i = 0; i < n; i++) {
            double x = draw_x();
            int y = unit() < 0.3 + 0.4 * x;
            assert_int_equal(argo_calibrator_add(c, 1 + (int64_t)(next() % 3), day, x, y, NULL), 0);
            put(&s, x, y, 1);
        }
        assert_int_equal(argo_calibrator_advance(c, day + 1, false, check_global, &k, NULL, NULL),
                         0);
    }
    assert_true(k.globals > 50);
    set_free(&s);
    argo_calibrator_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binary_labels_fit_bit_for_bit_as_a_full_refit_after_every_step),
        cmocka_unit_test(weighted_real_labels_fit_as_a_full_refit_to_1e_12),
        cmocka_unit_test(samples_on_and_across_leaf_boundaries_keep_ties_whole),
        cmocka_unit_test(bad_samples_are_refused_and_an_empty_set_does_not_fit),
        cmocka_unit_test(the_shipped_data_fit_bit_for_bit_at_every_exit_day),
        cmocka_unit_test(the_calibrators_replay_models_are_full_refits_at_every_refit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
