/* SPDX-License-Identifier: MIT */
/* The calibrator's policy: cold start, refits after retrain_every
 * outcomes, symbol models, and no outcome at or after t in a model
 * used at t. */
#include "helpers.h"

#include "app/flow_store.h"
#include "calibrate/calibrate.h"
#include "store/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static argo_store *st;
static argo_config cfg;

static int setup(void **state)
{
    (void)state;
    char p[512];
    th_store_url("cal.db", p, sizeof p);
    argo_config_init(&cfg);
    cfg.retrain_every = 10;
    cfg.symbol_min_outcomes = 20;
    cfg.global_shrinkage = 0; /* the blends have a test of their own */
    cfg.symbol_shrinkage = 0;
    cfg.min_block_outcomes = 1; /* pooling has a test of its own */
    int64_t id;
    if (argo_store_open(p, NULL, &st, NULL))
        return -1;
    argo_store_symbol_id(st, "A", true, &id, NULL);
    argo_store_symbol_id(st, "B", true, &id, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    argo_store_close(st);
    return 0;
}

/* Outcome k: raw spread over [0.2, 0.9], label 1 above 0.55. */
static void feed(argo_calibrator *c, int64_t sym, int k, int64_t t)
{
    double raw = 0.2 + 0.7 * ((k * 37) % 100) / 100.0;
    assert_int_equal(argo_calibrator_add(c, sym, t, raw, raw > 0.55, NULL), 0);
}

static void cold_start_gives_raw_and_no_version(void **state)
{
    (void)state;
    argo_calibrator *c;
    assert_int_equal(argo_calibrator_new(&cfg, 2, &c, NULL), 0);
    for (int k = 0; k < 9; k++)
        feed(c, 1, k, 100 + k);
    int fitted;
    assert_int_equal(
        argo_calibrator_advance(c, 200, false, argo_flow_save_model, st, &fitted, NULL), 0);
    assert_int_equal(fitted, 0); /* 9 < retrain_every */
    double conf;
    int64_t v;
    assert_int_equal(argo_calibrator_apply(c, 1, 0.42, &conf, &v, NULL), 0);
    assert_true(conf == 0.42);
    assert_int_equal(v, 0);
    argo_calibrator_free(c);
}

static void a_fit_needs_two_distinct_confidences(void **state)
{
    (void)state;
    argo_calibrator *c;
    assert_int_equal(argo_calibrator_new(&cfg, 2, &c, NULL), 0);
    for (int k = 0; k < 12; k++)
        assert_int_equal(argo_calibrator_add(c, 1, 100 + k, 0.5, k % 2, NULL), 0);
    int fitted;
    assert_int_equal(
        argo_calibrator_advance(c, 200, false, argo_flow_save_model, st, &fitted, NULL), 0);
    assert_int_equal(fitted, 0);
    double conf;
    int64_t v;
    argo_calibrator_apply(c, 1, 0.5, &conf, &v, NULL);
    assert_int_equal(v, 0);
    argo_calibrator_free(c);
}

static void models_refit_after_retrain_every_outcomes(void **state)
{
    (void)state;
    argo_calibrator *c;
    assert_int_equal(argo_calibrator_new(&cfg, 2, &c, NULL), 0);
    int fitted, total = 0;
    int64_t t = 1000, last_v = 0;
    for (int k = 0; k < 45; k++) {
        feed(c, k % 2 ? 2 : 1, k, t);
        t += 10;
        assert_int_equal(
            argo_calibrator_advance(c, t, false, argo_flow_save_model, st, &fitted, NULL), 0);
        total += fitted;
        double conf;
        int64_t v;
        assert_int_equal(argo_calibrator_apply(c, 1, 0.8, &conf, &v, NULL), 0);
        if (k + 1 < 10)
            assert_int_equal(v, 0);
        else {
            assert_true(v >= last_v && v > 0);
            assert_true(conf == 1.0); /* all raw > 0.55 won */
        }
        last_v = v;
    }
    /* global at 10, 20, 30, 40; symbols A and B reach 20 at 39 and 40 */
    assert_int_equal(total, 4 + 2);
    argo_model_row g;
    assert_int_equal(argo_store_model_latest(st, "global", 0, &g, NULL), 0);
    assert_int_equal(g.samples, 40);
    assert_true(g.window_to < g.trained_through);
    assert_true(g.brier <= g.brier_raw);
    argo_model_row_cleanup(&g);
    argo_model_row a;
    assert_int_equal(argo_store_model_latest(st, "symbol", 1, &a, NULL), 0);
    assert_int_equal(a.samples, 20);
    /* symbol A now uses its own model */
    double conf;
    int64_t v;
    assert_int_equal(argo_calibrator_apply(c, 1, 0.3, &conf, &v, NULL), 0);
    assert_int_equal(v, a.version);
    argo_model_row_cleanup(&a);
    argo_calibrator_free(c);
}

/* A calibrator opened over the store at t sees the models stored so
 * far, and counts only outcomes resolved before t. */
static void the_store_view_excludes_outcomes_at_or_after_t(void **state)
{
    (void)state;
    argo_calibrator *c; /* the store's symbols are A and B, ids 1 and 2 */
    assert_int_equal(argo_flow_load_calibrator(st, &cfg, 1000000, 2, true, &c, NULL), 0);
    double conf;
    int64_t v;
    /* apply uses only what it holds: the points are given first */
    assert_true(argo_calibrator_wants(c, 2, false) > 0);
    assert_int_equal(argo_calibrator_apply(c, 2, 0.8, &conf, &v, NULL), ARGO_ENOENT);
    assert_int_equal(argo_flow_load_model_points(st, c, argo_calibrator_wants(c, 2, false), NULL),
                     0);
    assert_int_equal(argo_calibrator_wants(c, 2, false), 0);
    assert_int_equal(argo_calibrator_apply(c, 2, 0.8, &conf, &v, NULL), 0);
    assert_true(v > 0);
    argo_calibrator_free(c);
    /* a time before every model: no model may be used */
    assert_int_equal(argo_flow_load_calibrator(st, &cfg, 5, 2, true, &c, NULL), 0);
    assert_int_equal(argo_calibrator_wants(c, 2, false), 0);
    assert_int_equal(argo_calibrator_apply(c, 2, 0.8, &conf, &v, NULL), 0);
    assert_int_equal(v, 0);
    argo_calibrator_free(c);
}

/* The shrinkage blends: global toward the base rate, symbol toward the
 * global model, both by n / (n + k), stored as plain models. */
static void shrinkage_blends_follow_their_formulas(void **state)
{
    (void)state;
    char p[512];
    argo_store *s2;
    th_store_url("shrink.db", p, sizeof p);
    assert_int_equal(argo_store_open(p, NULL, &s2, NULL), 0);
    int64_t id;
    argo_store_symbol_id(s2, "A", true, &id, NULL);
    argo_config c2 = cfg;
    c2.retrain_every = 40;
    c2.symbol_min_outcomes = 40;
    c2.global_shrinkage = 10;
    c2.symbol_shrinkage = 30;
    argo_calibrator *c;
    assert_int_equal(argo_calibrator_new(&c2, 1, &c, NULL), 0);
    /* 40 outcomes: raw 0.2 loses, raw 0.8 wins, half each: base rate 0.5 */
    for (int k = 0; k < 40; k++)
        assert_int_equal(argo_calibrator_add(c, 1, 100 + k, k % 2 ? 0.8 : 0.2, k % 2, NULL), 0);
    int fitted;
    assert_int_equal(
        argo_calibrator_advance(c, 1000, false, argo_flow_save_model, s2, &fitted, NULL), 0);
    assert_int_equal(fitted, 2);
    argo_model_row g, a;
    assert_int_equal(argo_store_model_latest(s2, "global", 0, &g, NULL), 0);
    assert_int_equal(argo_store_model_latest(s2, "symbol", 1, &a, NULL), 0);
    /* global: 40/50 * iso + 10/50 * 0.5, iso = 0 at 0.2 and 1 at 0.8 */
    assert_true(fabs(g.y[0] - 0.1) < 1e-15 && fabs(g.y[g.n - 1] - 0.9) < 1e-15);
    /* symbol: 40/70 * iso + 30/70 * global */
    assert_int_equal(a.base_version, g.version);
    assert_true(fabs(a.base_weight - 30.0 / 70) < 1e-15);
    assert_true(fabs(a.y[0] - (30.0 / 70 * 0.1)) < 1e-15);
    assert_true(fabs(a.y[a.n - 1] - (40.0 / 70 + 30.0 / 70 * 0.9)) < 1e-15);
    double conf;
    int64_t v;
    assert_int_equal(argo_calibrator_apply(c, 1, 0.5, &conf, &v, NULL), 0);
    assert_int_equal(v, a.version);
    assert_true(fabs(conf - (40.0 / 70 * 0.5 + 30.0 / 70 * 0.5)) < 1e-15);
    argo_model_row_cleanup(&g);
    argo_model_row_cleanup(&a);
    argo_calibrator_free(c);
    argo_store_close(s2);
}

typedef struct outcome_rec {
    int64_t sym, t;
    double raw, label;
} outcome_rec;

typedef struct versions {
    int64_t v[512];
    size_t n;
} versions;

static int note_version(void *ctx, const argo_model_row *m)
{
    versions *vs = ctx;
    if (vs->n < 512)
        vs->v[vs->n++] = m->version;
    return 0;
}

/* No stored confidence comes from a block of fewer than
 * min_block_outcomes outcomes: every block of every stored model (the
 * runs of equal fitted values) spans at least that many of the
 * outcomes the model was trained on. */
static void no_stored_model_has_a_block_below_min_block_outcomes(void **state)
{
    (void)state;
    char p[512];
    argo_store *s2;
    th_store_url("blocks.db", p, sizeof p);
    assert_int_equal(argo_store_open(p, NULL, &s2, NULL), 0);
    int64_t id;
    argo_store_symbol_id(s2, "A", true, &id, NULL);
    argo_store_symbol_id(s2, "B", true, &id, NULL);
    argo_config c2;
    argo_config_init(&c2);   /* min_block_outcomes 20, global shrinkage 100 */
    c2.symbol_shrinkage = 0; /* symbol models unblended, so their blocks can be read */
    assert_int_equal(c2.min_block_outcomes, 20);
    argo_calibrator *c;
    assert_int_equal(argo_calibrator_new(&c2, 2, &c, NULL), 0);
    enum { N = 900 };
    outcome_rec *rec = malloc(N * sizeof *rec);
    uint64_t s = 99;
    for (int k = 0; k < N; k++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double raw = 0.25 + 0.5 * (double)(s >> 11) / 9007199254740992.0;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        int label = (double)(s >> 11) / 9007199254740992.0 < raw;
        rec[k] = (outcome_rec){1 + k % 2, 1000 + k, raw, label};
        assert_int_equal(argo_calibrator_add(c, rec[k].sym, rec[k].t, raw, label, NULL), 0);
        assert_int_equal(
            argo_calibrator_advance(c, 1001 + k, false, argo_flow_save_model, s2, NULL, NULL), 0);
    }
    argo_calibrator_free(c);
    versions vs = {0};
    assert_int_equal(argo_store_models_scan(s2, note_version, &vs, NULL), 0);
    assert_true(vs.n > 10);
    size_t checked = 0;
    for (size_t i = 0; i < vs.n; i++) {
        argo_model_row m;
        assert_int_equal(argo_store_model_get(s2, vs.v[i], &m, NULL), 0);
        for (size_t a = 0; a < m.n;) {
            size_t b = a;
            while (b + 1 < m.n && m.y[b + 1] == m.y[a])
                b++;
            int64_t count = 0;
            for (int k = 0; k < N; k++)
                count += rec[k].t < m.trained_through &&
                         (m.symbol_id == 0 || rec[k].sym == m.symbol_id) && rec[k].raw >= m.x[a] &&
                         rec[k].raw <= m.x[b];
            if (count < c2.min_block_outcomes)
                fail_msg("model %lld: block [%g, %g] from %lld outcomes", (long long)m.version,
                         m.x[a], m.x[b], (long long)count);
            checked++;
            a = b + 1;
        }
        argo_model_row_cleanup(&m);
    }
    assert_true(checked > vs.n);
    free(rec);
    argo_store_close(s2);
}

static int refusing_sink(void *ctx, argo_model_row *m, argo_err *err)
{
    (void)m;
    ++*(int *)ctx;
    return argo_err_set(err, ARGO_EBUSY, "sink refuses");
}

static int numbering_sink(void *ctx, argo_model_row *m, argo_err *err)
{
    (void)err;
    m->version = ++*(int64_t *)ctx;
    return 0;
}

/* The calibrator stores nothing itself: every fit goes to the caller's
 * sink, which sets its version; a failing sink stops the refit and the
 * calibrator keeps using what it had. */
static void fits_go_to_the_callers_sink(void **state)
{
    (void)state;
    argo_calibrator *c;
    assert_int_equal(argo_calibrator_new(&cfg, 2, &c, NULL), 0);
    for (int k = 0; k < 10; k++)
        feed(c, 1, k, 100 + k);
    int calls = 0, fitted = -1;
    argo_err e;
    assert_int_equal(argo_calibrator_advance(c, 200, false, refusing_sink, &calls, &fitted, &e),
                     ARGO_EBUSY);
    assert_int_equal(calls, 1);
    assert_int_equal(fitted, 0);
    double conf;
    int64_t v;
    assert_int_equal(argo_calibrator_apply(c, 1, 0.8, &conf, &v, NULL), 0);
    assert_int_equal(v, 0); /* no model: the raw confidence */
    assert_true(conf == 0.8);
    int64_t next = 41;
    assert_int_equal(argo_calibrator_advance(c, 201, false, numbering_sink, &next, &fitted, NULL),
                     0);
    assert_int_equal(fitted, 1);
    assert_int_equal(argo_calibrator_apply(c, 1, 0.8, &conf, &v, NULL), 0);
    assert_int_equal(v, 42);
    argo_calibrator_free(c);
}

/* Live: a refit is given the outcomes; their number must be the count
 * the calibrator was told. */
static void a_live_refit_checks_the_outcomes_it_is_given(void **state)
{
    (void)state;
    argo_calibrator *c;
    assert_int_equal(argo_calibrator_at(&cfg, 2, 1000, &c, NULL), 0);
    argo_calibrator_count(c, 0, 12);
    argo_calibrator_count(c, 1, 12);
    assert_true(argo_calibrator_due(c, false));
    argo_outcome o[12];
    for (int k = 0; k < 12; k++)
        o[k] = (argo_outcome){1, 100 + k, 0.2 + 0.05 * k, k > 5 ? ARGO_WIN : ARGO_LOSS,
                              k > 5 ? 1.0 : -1.0};
    int64_t next = 0;
    int fitted;
    argo_err e;
    assert_int_equal(argo_calibrator_refit(c, false, o, 11, numbering_sink, &next, &fitted, &e),
                     ARGO_ESTORE);
    assert_int_equal(next, 0);
    assert_int_equal(argo_calibrator_refit(c, false, o, 12, numbering_sink, &next, &fitted, NULL),
                     0);
    assert_int_equal(fitted, 1); /* global only: 12 < symbol_min_outcomes */
    double conf;
    int64_t v;
    assert_int_equal(argo_calibrator_apply(c, 1, 0.9, &conf, &v, NULL), 0);
    assert_int_equal(v, 1);
    assert_true(conf == 1);
    argo_calibrator_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fits_go_to_the_callers_sink),
        cmocka_unit_test(a_live_refit_checks_the_outcomes_it_is_given),
        cmocka_unit_test(cold_start_gives_raw_and_no_version),
        cmocka_unit_test(a_fit_needs_two_distinct_confidences),
        cmocka_unit_test(models_refit_after_retrain_every_outcomes),
        cmocka_unit_test(the_store_view_excludes_outcomes_at_or_after_t),
        cmocka_unit_test(shrinkage_blends_follow_their_formulas),
        cmocka_unit_test(no_stored_model_has_a_block_below_min_block_outcomes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
