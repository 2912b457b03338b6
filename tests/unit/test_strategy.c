/* SPDX-License-Identifier: MIT */
#include "helpers.h"

#include "strategy/strategy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void no_action_before_every_indicator_is_warm(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    size_t n;
    argo_bar *bars = th_market_bars("MSFT", &n);
    argo_strategy_state *st;
    assert_int_equal(argo_strategy_state_new(&cfg, &st, NULL), 0);
    argo_decision d;
    for (int i = 0; i < cfg.trend_slow - 1; i++) {
        argo_strategy_step(st, &bars[i], &d);
        assert_int_equal(d.action, ARGO_NONE);
        assert_false(d.edge);
    }
    argo_strategy_state_free(st);
    free(bars);
}

/* Signals are made only where the action turns, and strengths stay in
 * [0, 1] with raw confidence = |score|. */
static void decisions_are_edges_with_bounded_strengths(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    size_t n;
    argo_bar *bars = th_market_bars("TTRC", &n);
    argo_strategy_state *st;
    assert_int_equal(argo_strategy_state_new(&cfg, &st, NULL), 0);
    int prev = ARGO_NONE, edges = 0;
    for (size_t i = 0; i < n; i++) {
        argo_decision d;
        argo_strategy_step(st, &bars[i], &d);
        assert_int_equal(d.edge, d.action != ARGO_NONE && d.action != prev);
        edges += d.edge;
        for (int k = 0; k < ARGO_STRAT_COUNT; k++) {
            assert_true(d.votes[k].strength >= 0 && d.votes[k].strength <= 1);
            assert_int_equal(d.votes[k].dir == ARGO_NONE, d.votes[k].strength == 0);
        }
        if (d.action != ARGO_NONE) {
            assert_true(d.raw_confidence >= cfg.threshold && d.raw_confidence <= 1);
            assert_true(fabs(d.raw_confidence - fabs(d.score)) < 1e-15);
            assert_true(d.score * d.action > 0);
        }
        prev = d.action;
    }
    assert_true(edges > 50);
    argo_strategy_state_free(st);
    free(bars);
}

static void signal_levels_come_from_atr_multiples(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    argo_decision d = {.action = ARGO_SELL, .edge = true, .raw_confidence = 0.4, .atr = 2};
    argo_bar b = {.ts = 86400 * 100, .close = 50};
    argo_signal s;
    argo_strategy_signal(&cfg, &b, &d, &s);
    assert_true(s.entry == 50 && s.target == 46 && s.stop == 52);
    assert_int_equal(s.expires_at, b.ts + 30 * 86400);
    assert_true(s.confidence == 0.4 && s.model_version == 0);
    assert_int_equal(s.scanned_to, b.ts);
}

/* Saving the state at any bar and loading it gives the same decisions
 * afterwards as never having stopped. */
static void saved_state_continues_exactly(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    size_t n;
    argo_bar *bars = th_market_bars("TTRC", &n);
    argo_strategy_state *a, *b;
    assert_int_equal(argo_strategy_state_new(&cfg, &a, NULL), 0);
    argo_decision da, db;
    size_t cut = 1234;
    for (size_t i = 0; i < cut; i++)
        argo_strategy_step(a, &bars[i], &da);
    unsigned char *blob;
    size_t len;
    assert_int_equal(argo_strategy_state_save(a, &blob, &len, NULL), 0);
    assert_int_equal(argo_strategy_state_load(&cfg, blob, len, &b, NULL), 0);
    assert_int_equal(argo_strategy_state_last_ts(b), bars[cut - 1].ts);
    for (size_t i = cut; i < n; i++) {
        argo_strategy_step(a, &bars[i], &da);
        argo_strategy_step(b, &bars[i], &db);
        assert_memory_equal(&da, &db, sizeof da);
    }
    /* another config, or a damaged blob, is refused */
    argo_err err;
    argo_strategy_state *c;
    cfg.trend_fast = 10;
    assert_int_equal(argo_strategy_state_load(&cfg, blob, len, &c, &err), ARGO_EVERSION);
    assert_null(c);
    argo_config_init(&cfg);
    assert_int_equal(argo_strategy_state_load(&cfg, blob, len - 1, &c, &err), ARGO_ECORRUPT);
    blob[0] ^= 0xff;
    assert_int_equal(argo_strategy_state_load(&cfg, blob, len, &c, &err), ARGO_ECORRUPT);
    free(blob);
    argo_strategy_state_free(a);
    argo_strategy_state_free(b);
    free(bars);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_action_before_every_indicator_is_warm),
        cmocka_unit_test(decisions_are_edges_with_bounded_strengths),
        cmocka_unit_test(signal_levels_come_from_atr_multiples),
        cmocka_unit_test(saved_state_continues_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
