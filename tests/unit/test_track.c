/* SPDX-License-Identifier: MIT */
/* Outcome rules of docs/DESIGN.md, one test per rule, BUY and SELL. */
#include "helpers.h"

#include "track/track.h"

#include <math.h>
#include <string.h>

#define DAY 86400
static const argo_track_costs no_costs = {0, 0};

/* BUY at 100, target 110, stop 95; SELL at 100, target 90, stop 105.
 * Made on day 0, expires on day 30. */
static argo_signal sig(int action)
{
    argo_signal s;
    memset(&s, 0, sizeof s);
    s.action = action;
    s.ts = 0;
    s.entry = 100;
    s.target = action == ARGO_BUY ? 110 : 90;
    s.stop = action == ARGO_BUY ? 95 : 105;
    s.expires_at = 30 * DAY;
    s.status = ARGO_OPEN;
    return s;
}

static argo_bar bar(int day, double o, double h, double l, double c)
{
    return (argo_bar){day * DAY, o, h, l, c, 1000};
}

/* SELL mirror of a BUY bar around the entry price 100. */
static argo_bar mirror(argo_bar b)
{
    return (argo_bar){b.ts, 200 - b.open, 200 - b.low, 200 - b.high, 200 - b.close, b.volume};
}

static void expect_exit(int action, argo_bar b, argo_status st, argo_exit_reason why, double price,
                        bool gap)
{
    argo_signal s = sig(action);
    if (action == ARGO_SELL)
        b = mirror(b);
    assert_true(argo_track_bar(&s, &b, &no_costs));
    assert_int_equal(s.status, st);
    assert_int_equal(s.exit_reason, why);
    assert_int_equal(s.gap, gap);
    assert_int_equal(s.exit_ts, b.ts);
    assert_true(fabs(s.exit_price - (action == ARGO_SELL ? 200 - price : price)) < 1e-12);
    assert_int_equal(s.bars_held, 1);
}

static void gap_through_the_stop_loses_at_the_open(void **state)
{
    (void)state;
    expect_exit(ARGO_BUY, bar(1, 93, 112, 90, 111), ARGO_LOSS, ARGO_EXIT_STOP, 93, true);
    expect_exit(ARGO_SELL, bar(1, 93, 112, 90, 111), ARGO_LOSS, ARGO_EXIT_STOP, 93, true);
    /* exactly at the stop is a gap too */
    expect_exit(ARGO_BUY, bar(1, 95, 99, 94, 98), ARGO_LOSS, ARGO_EXIT_STOP, 95, true);
}

static void gap_through_the_target_wins_at_the_open(void **state)
{
    (void)state;
    expect_exit(ARGO_BUY, bar(1, 112, 113, 90, 100), ARGO_WIN, ARGO_EXIT_TARGET, 112, true);
    expect_exit(ARGO_SELL, bar(1, 112, 113, 90, 100), ARGO_WIN, ARGO_EXIT_TARGET, 112, true);
}

static void stop_and_target_in_one_bar_is_a_loss_at_the_stop(void **state)
{
    (void)state;
    expect_exit(ARGO_BUY, bar(1, 100, 111, 94, 105), ARGO_LOSS, ARGO_EXIT_STOP, 95, false);
    expect_exit(ARGO_SELL, bar(1, 100, 111, 94, 105), ARGO_LOSS, ARGO_EXIT_STOP, 95, false);
}

static void touching_the_stop_loses_at_the_stop(void **state)
{
    (void)state;
    expect_exit(ARGO_BUY, bar(1, 99, 101, 95, 96), ARGO_LOSS, ARGO_EXIT_STOP, 95, false);
    expect_exit(ARGO_SELL, bar(1, 99, 101, 95, 96), ARGO_LOSS, ARGO_EXIT_STOP, 95, false);
}

static void touching_the_target_wins_at_the_target(void **state)
{
    (void)state;
    expect_exit(ARGO_BUY, bar(1, 101, 110, 99, 104), ARGO_WIN, ARGO_EXIT_TARGET, 110, false);
    expect_exit(ARGO_SELL, bar(1, 101, 110, 99, 104), ARGO_WIN, ARGO_EXIT_TARGET, 110, false);
}

static void first_bar_at_or_after_expiry_expires_at_its_close(void **state)
{
    (void)state;
    for (int action = -1; action <= 1; action += 2) {
        argo_signal s = sig(action);
        argo_bar quiet = bar(29, 100, 101, 99, 100.5);
        if (action == ARGO_SELL)
            quiet = mirror(quiet);
        assert_false(argo_track_bar(&s, &quiet, &no_costs));
        argo_bar late = bar(33, 101, 102, 100, 101.5); /* day 30 had no bar */
        if (action == ARGO_SELL)
            late = mirror(late);
        assert_true(argo_track_bar(&s, &late, &no_costs));
        assert_int_equal(s.status, ARGO_EXPIRED);
        assert_int_equal(s.exit_reason, ARGO_EXIT_EXPIRY);
        assert_true(s.exit_price == late.close);
        assert_int_equal(s.bars_held, 2);
        assert_true(s.pnl_pct > 0);
        assert_int_equal(argo_track_label(&s), 1);
    }
}

static void expiry_bar_that_hits_the_stop_is_a_loss(void **state)
{
    (void)state;
    argo_signal s = sig(ARGO_BUY);
    argo_bar b = bar(30, 100, 101, 94, 97);
    assert_true(argo_track_bar(&s, &b, &no_costs));
    assert_int_equal(s.status, ARGO_LOSS);
}

static void a_quiet_bar_leaves_the_signal_open(void **state)
{
    (void)state;
    argo_signal s = sig(ARGO_BUY);
    argo_bar b = bar(1, 100, 109.99, 95.01, 101);
    assert_false(argo_track_bar(&s, &b, &no_costs));
    assert_int_equal(s.status, ARGO_OPEN);
    assert_int_equal(s.scanned_to, b.ts);
    assert_true(fabs(s.mfe_pct - 9.99) < 1e-9);
    assert_true(fabs(s.mae_pct - 4.99) < 1e-9);
}

static void bars_already_scanned_change_nothing(void **state)
{
    (void)state;
    argo_signal s = sig(ARGO_BUY);
    argo_bar b1 = bar(1, 100, 101, 99, 100), b0 = bar(0, 100, 200, 1, 100);
    assert_false(argo_track_bar(&s, &b1, &no_costs));
    argo_signal before = s;
    assert_false(argo_track_bar(&s, &b1, &no_costs)); /* the same bar again */
    assert_false(argo_track_bar(&s, &b0, &no_costs)); /* the signal's own bar */
    assert_memory_equal(&before, &s, sizeof s);
}

static void pnl_is_net_of_slippage_and_fees(void **state)
{
    (void)state;
    argo_track_costs c = {.fee_bps = 5, .slippage_bps = 10};
    /* BUY 100 -> 110: in at 100.1, out at 109.89, minus 2 * 0.05% */
    double want = 100 * ((109.89 - 100.1) / 100.1 - 0.001);
    assert_true(fabs(argo_track_pnl(ARGO_BUY, 100, 110, &c) - want) < 1e-12);
    /* SELL 100 -> 90: in at 99.9, out at 90.09 */
    want = 100 * ((99.9 - 90.09) / 99.9 - 0.001);
    assert_true(fabs(argo_track_pnl(ARGO_SELL, 100, 90, &c) - want) < 1e-12);
    assert_true(fabs(argo_track_pnl(ARGO_BUY, 100, 100, &no_costs)) < 1e-15);
}

static void labels_follow_the_design(void **state)
{
    (void)state;
    argo_signal s = sig(ARGO_BUY);
    assert_int_equal(argo_track_label(&s), -1);
    s.status = ARGO_WIN;
    s.pnl_pct = 0.5;
    assert_int_equal(argo_track_label(&s), 1);
    s.pnl_pct = -0.01; /* a target hit that lost money after costs is not a win */
    assert_int_equal(argo_track_label(&s), 0);
    s.status = ARGO_LOSS;
    assert_int_equal(argo_track_label(&s), 0);
    s.pnl_pct = 0.2; /* the label reads the P&L only, not the exit reason */
    assert_int_equal(argo_track_label(&s), 1);
    s.status = ARGO_EXPIRED;
    s.pnl_pct = -0.01;
    assert_int_equal(argo_track_label(&s), 0);
    s.pnl_pct = 0;
    assert_int_equal(argo_track_label(&s), 0);
}

static void a_target_move_below_the_round_trip_cost_plus_edge_has_no_edge(void **state)
{
    (void)state;
    argo_track_costs c = {.fee_bps = 5, .slippage_bps = 5}; /* round trip about 20 bp */
    for (int action = -1; action <= 1; action += 2) {
        argo_signal s = sig(action);
        s.target = 100 + action * 0.25; /* a 25 bp move: about 5 bp net */
        assert_true(argo_track_has_edge(&s, &c, 0));
        assert_true(argo_track_has_edge(&s, &c, 4));
        assert_false(argo_track_has_edge(&s, &c, 10));
        s.target = 100 + action * 0.15; /* below the cost: never */
        assert_false(argo_track_has_edge(&s, &c, 0));
        assert_true(argo_track_target_pnl(&s, &c) < 0);
    }
    /* exactly the nominal 20 bp: a BUY nets slightly less than 0 */
    argo_signal b = sig(ARGO_BUY);
    b.target = 100.2;
    assert_false(argo_track_has_edge(&b, &c, 0));
}

static void every_target_exit_of_a_signal_with_edge_makes_money(void **state)
{
    (void)state;
    argo_track_costs c = {.fee_bps = 7, .slippage_bps = 3};
    int with_edge = 0;
    for (int action = -1; action <= 1; action += 2)
        for (double move = 0.15; move < 0.30; move += 0.0007) {
            argo_signal s = sig(action);
            s.target = 100 + action * move;
            s.stop = 100 - action * 5;
            if (!argo_track_has_edge(&s, &c, 0))
                continue;
            with_edge++;
            /* one bar that touches the target, one that gaps past it */
            argo_bar touch = bar(1, 100, 100 + move * 1.2, 100 - move, 100);
            argo_bar gap = bar(1, 100 + move * 1.5, 100 + move * 2, 100 + move, 100 + move);
            if (action == ARGO_SELL) {
                touch = mirror(touch);
                gap = mirror(gap);
            }
            for (int k = 0; k < 2; k++) {
                argo_signal t = s;
                assert_true(argo_track_bar(&t, k ? &gap : &touch, &c));
                assert_int_equal(t.exit_reason, ARGO_EXIT_TARGET);
                assert_true(t.pnl_pct > 0);
                assert_int_equal(argo_track_label(&t), 1);
            }
        }
    assert_true(with_edge > 100);
}

static void exit_bar_counts_only_its_open_and_exit_in_excursions(void **state)
{
    (void)state;
    argo_signal s = sig(ARGO_BUY);
    argo_bar b = bar(1, 102, 150, 94, 120); /* stop hit; the high 150 is not reachable */
    assert_true(argo_track_bar(&s, &b, &no_costs));
    assert_true(fabs(s.mfe_pct - 2) < 1e-12);
    assert_true(fabs(s.mae_pct - 5) < 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gap_through_the_stop_loses_at_the_open),
        cmocka_unit_test(gap_through_the_target_wins_at_the_open),
        cmocka_unit_test(stop_and_target_in_one_bar_is_a_loss_at_the_stop),
        cmocka_unit_test(touching_the_stop_loses_at_the_stop),
        cmocka_unit_test(touching_the_target_wins_at_the_target),
        cmocka_unit_test(first_bar_at_or_after_expiry_expires_at_its_close),
        cmocka_unit_test(expiry_bar_that_hits_the_stop_is_a_loss),
        cmocka_unit_test(a_quiet_bar_leaves_the_signal_open),
        cmocka_unit_test(bars_already_scanned_change_nothing),
        cmocka_unit_test(pnl_is_net_of_slippage_and_fees),
        cmocka_unit_test(labels_follow_the_design),
        cmocka_unit_test(a_target_move_below_the_round_trip_cost_plus_edge_has_no_edge),
        cmocka_unit_test(every_target_exit_of_a_signal_with_edge_makes_money),
        cmocka_unit_test(exit_bar_counts_only_its_open_and_exit_in_excursions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
