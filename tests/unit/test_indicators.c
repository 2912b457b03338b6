/* SPDX-License-Identifier: MIT */
/*
 * Streaming indicators against R's TTR 0.24 (tests/data/ttr_*.csv,
 * made by tests/data/gen_ttr.R from the shipped series): every value
 * within 1e-9, and warm-up (NA) on exactly the same bars.
 */
#include "helpers.h"

#include "strategy/indicators.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-9

typedef struct series {
    argo_bar *bars;
    size_t n;
    th_table *ttr;
} series;

static series load(const char *sym)
{
    series s;
    char rel[64], path[1024];
    s.bars = th_market_bars(sym, &s.n);
    snprintf(rel, sizeof rel, "tests/data/ttr_%s.csv", sym);
    s.ttr = th_table_read(th_src(rel, path, sizeof path));
    assert_int_equal(s.ttr->nrows, s.n);
    return s;
}

static void unload(series *s)
{
    free(s->bars);
    th_table_free(s->ttr);
}

/* Compares one computed value with TTR's at row i. */
static void expect(const series *s, const char *col, size_t i, double got)
{
    double want = th_table_num(s->ttr, i, th_table_col(s->ttr, col));
    if (isnan(want) || isnan(got)) {
        if (isnan(want) != isnan(got))
            fail_msg("%s row %zu: argo %.17g, TTR %.17g (warm-up differs)", col, i, got, want);
        return;
    }
    if (fabs(got - want) > TOL)
        fail_msg("%s row %zu: argo %.17g, TTR %.17g, diff %.3g", col, i, got, want,
                 fabs(got - want));
}

static void check_all(const char *sym)
{
    series s = load(sym);
    double st[8 * 64];
    argo_sma sma20, sma50;
    argo_ema ema12, ema26, w14;
    argo_rsi rsi;
    argo_atr atr;
    argo_macd macd;
    argo_bbands bb;
    argo_sd sds, sdp;
    argo_donchian dc;
    double *p = st;
    argo_sma_init(&sma20, 20, p), p += 20;
    argo_sma_init(&sma50, 50, p), p += 50;
    argo_ema_init(&ema12, 12, false);
    argo_ema_init(&ema26, 26, false);
    argo_ema_init(&w14, 14, true);
    argo_rsi_init(&rsi, 14);
    argo_atr_init(&atr, 14);
    argo_macd_init(&macd, 12, 26, 9);
    argo_bbands_init(&bb, 20, 2, p), p += argo_ind_bbands_storage(20);
    argo_sd_init(&sds, 20, true, p), p += 20;
    argo_sd_init(&sdp, 20, false, p), p += 20;
    argo_donchian_init(&dc, 20, p), p += argo_ind_donchian_storage(20);
    assert_true(p <= st + sizeof st / sizeof st[0]);
    for (size_t i = 0; i < s.n; i++) {
        const argo_bar *b = &s.bars[i];
        expect(&s, "sma20", i, argo_sma_push(&sma20, b->close));
        expect(&s, "sma50", i, argo_sma_push(&sma50, b->close));
        expect(&s, "ema12", i, argo_ema_push(&ema12, b->close));
        expect(&s, "ema26", i, argo_ema_push(&ema26, b->close));
        expect(&s, "wilder14", i, argo_ema_push(&w14, b->close));
        expect(&s, "rsi14", i, argo_rsi_push(&rsi, b->close));
        expect(&s, "atr14", i, argo_atr_push(&atr, b->high, b->low, b->close));
        expect(&s, "tr", i, atr.tr);
        expect(&s, "macd", i, argo_macd_push(&macd, b->close));
        expect(&s, "macd_signal", i, macd.signal);
        expect(&s, "bb_mavg", i, argo_bbands_push(&bb, b->close));
        expect(&s, "bb_dn", i, bb.dn);
        expect(&s, "bb_up", i, bb.up);
        expect(&s, "sd20_sample", i, argo_sd_push(&sds, b->close));
        expect(&s, "sd20_pop", i, argo_sd_push(&sdp, b->close));
        argo_donchian_push(&dc, b->high, b->low);
        expect(&s, "dc_high20", i, dc.high);
        expect(&s, "dc_low20", i, dc.low);
    }
    unload(&s);
}

static void indicators_match_ttr_on_ttrc(void **state)
{
    (void)state;
    check_all("TTRC");
}

static void indicators_match_ttr_on_msft(void **state)
{
    (void)state;
    check_all("MSFT");
}

/* A window that is flat for longer than n must give SD 0, not a
 * residue of earlier values (the rolling update must not drift). */
static void rolling_sd_of_a_flat_window_is_zero(void **state)
{
    (void)state;
    double st[5];
    argo_sd sd;
    argo_sd_init(&sd, 5, true, st);
    double v = NAN;
    for (int i = 0; i < 1000; i++)
        v = argo_sd_push(&sd, 100 + 50 * sin(i));
    for (int i = 0; i < 5; i++)
        v = argo_sd_push(&sd, 42.5);
    assert_true(fabs(v) < 1e-6);
}

/* Donchian over a strictly falling series: the max is always the
 * oldest value of the window, which exercises expiry from the front. */
static void donchian_expires_old_extremes(void **state)
{
    (void)state;
    double st[4 * 3];
    argo_donchian dc;
    argo_donchian_init(&dc, 3, st);
    for (int i = 0; i < 10; i++) {
        argo_donchian_push(&dc, 100 - i, 90 - i);
        if (i >= 2) {
            assert_true(dc.high == 100 - (i - 2));
            assert_true(dc.low == 90 - i);
        } else
            assert_true(isnan(dc.high));
    }
}

/* Saving mid-series and loading into a fresh indicator must continue
 * exactly as if nothing had happened. */
static void indicator_state_survives_save_and_load(void **state)
{
    (void)state;
    size_t n;
    argo_bar *bars = th_market_bars("MSFT", &n);
    double s1[40], s2[40];
    argo_bbands a, b;
    argo_bbands_init(&a, 20, 2, s1);
    argo_bbands_init(&b, 20, 2, s2);
    for (size_t i = 0; i < n / 2; i++)
        argo_bbands_push(&a, bars[i].close);
    argo_sbuf w, r;
    argo_sbuf_writer(&w, 1 << 16);
    argo_bbands_visit(&a, &w);
    assert_false(w.bad);
    argo_sbuf_reader(&r, w.data, w.len);
    argo_bbands_visit(&b, &r);
    assert_true(argo_sbuf_done(&r));
    for (size_t i = n / 2; i < n; i++)
        assert_true(argo_bbands_push(&a, bars[i].close) == argo_bbands_push(&b, bars[i].close));
    free(w.data);
    free(bars);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indicators_match_ttr_on_ttrc),
        cmocka_unit_test(indicators_match_ttr_on_msft),
        cmocka_unit_test(rolling_sd_of_a_flat_window_is_zero),
        cmocka_unit_test(donchian_expires_old_extremes),
        cmocka_unit_test(indicator_state_survives_save_and_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
