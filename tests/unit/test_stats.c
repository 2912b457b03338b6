/* SPDX-License-Identifier: MIT */
/* Statistics on a hand-made book of six signals whose figures are
 * worked out by hand below (docs/STATS.md has the definitions). */
#include "helpers.h"

#include "app/stats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DAY 86400

static argo_store *st;
static int64_t sym;

static void add(int day, double conf, argo_status status, int exit_day, double pnl,
                int64_t scanned_to, int trend, int macd, int breakout)
{
    argo_signal s;
    memset(&s, 0, sizeof s);
    s.symbol_id = sym;
    s.action = ARGO_BUY;
    s.ts = day * DAY;
    s.entry = 100;
    s.target = 110;
    s.stop = 95;
    s.raw_confidence = s.confidence = conf;
    s.votes[ARGO_STRAT_TREND] = (argo_vote){trend, trend ? 0.5 : 0};
    s.votes[ARGO_STRAT_MACD] = (argo_vote){macd, macd ? 0.5 : 0};
    s.votes[ARGO_STRAT_BREAKOUT] = (argo_vote){breakout, breakout ? 0.5 : 0};
    s.expires_at = (day + 30) * DAY;
    s.status = status;
    s.exit_reason = status == ARGO_WIN       ? ARGO_EXIT_TARGET
                    : status == ARGO_LOSS    ? ARGO_EXIT_STOP
                    : status == ARGO_EXPIRED ? ARGO_EXIT_EXPIRY
                                             : ARGO_EXIT_NONE;
    s.exit_ts = exit_day * DAY;
    s.pnl_pct = pnl;
    s.scanned_to = scanned_to;
    assert_int_equal(argo_store_signals_insert(st, &s, 1, NULL), 0);
}

static int setup(void **state)
{
    (void)state;
    char p[512];
    th_tmpfile("stats.db", p, sizeof p);
    th_rm_db(p);
    assert_int_equal(argo_store_open(p, NULL, &st, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "X", true, &sym, NULL), 0);
    for (int d = 1; d <= 10; d++) {
        argo_bar b = {d * DAY, 100, 101, 99, 100, 1};
        assert_int_equal(argo_store_bars_put(st, sym, &b, 1, NULL, NULL), 0);
    }
    add(1, 0.35, ARGO_WIN, 3, 4.0, 3 * DAY, 1, 1, 0);
    add(2, 0.55, ARGO_LOSS, 3, -2.0, 3 * DAY, 1, 0, 1);
    add(4, 0.95, ARGO_EXPIRED, 6, 1.0, 6 * DAY, 0, 1, 0);
    add(5, 0.15, ARGO_LOSS, 8, -1.5, 8 * DAY, 1, 0, 0);
    add(9, 0.50, ARGO_OPEN, 0, 0, 10 * DAY, 0, 0, 0); /* scanned to the last bar */
    add(9, 0.50, ARGO_OPEN, 0, 0, 9 * DAY, 0, 0, 0);  /* missed day 10: not covered */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    argo_store_close(st);
    return 0;
}

static const argo_stats_row *group(const argo_stats *s, const char *key)
{
    for (size_t i = 0; i < s->nrows; i++)
        if (!strcmp(s->rows[i].key, key))
            return &s->rows[i];
    fail_msg("no group %s", key);
    return NULL;
}

static void totals_follow_the_documented_formulas(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    argo_stats *s;
    assert_int_equal(argo_stats_compute(st, &cfg, ARGO_BY_NONE, &s, NULL), 0);
    const argo_stats_row *t = &s->total;
    assert_int_equal(t->signals, 6);
    assert_int_equal(t->resolved, 4);
    assert_int_equal(t->open, 2);
    assert_int_equal(t->wins, 2); /* the WIN and the EXPIRED with pnl > 0 */
    assert_true(fabs(t->win_rate - 0.5) < 1e-15);
    assert_true(fabs(t->avg_win - 2.5) < 1e-15);
    assert_true(fabs(t->avg_loss - -1.75) < 1e-15);
    assert_true(fabs(t->profit_factor - 5.0 / 3.5) < 1e-15);
    assert_true(fabs(t->expectancy - 0.375) < 1e-15);
    assert_int_equal(t->covered, 5);
    /* daily returns over days 1..10: +2 on day 3, +1 on day 6, -1.5 on day 8 */
    double d[10] = {0, 0, 2, 0, 0, 1, 0, -1.5, 0, 0}, mean = 0.15, ss = 0;
    for (int i = 0; i < 10; i++)
        ss += (d[i] - mean) * (d[i] - mean);
    double sharpe = mean / sqrt(ss / 9) * sqrt(252);
    assert_true(fabs(t->sharpe - sharpe) < 1e-12);
    assert_true(fabs(t->max_drawdown - 1.5) < 1e-15); /* from 3 down to 1.5 */
    assert_int_equal(t->by_exit[ARGO_EXIT_TARGET], 1);
    assert_int_equal(t->by_exit[ARGO_EXIT_STOP], 2);
    assert_int_equal(t->by_exit[ARGO_EXIT_EXPIRY], 1);
    argo_stats_free(s);
}

static void groups_split_as_documented(void **state)
{
    (void)state;
    argo_config cfg;
    argo_config_init(&cfg);
    argo_stats *s;
    assert_int_equal(argo_stats_compute(st, &cfg, ARGO_BY_STRATEGY, &s, NULL), 0);
    assert_int_equal(s->nrows, 3);
    assert_int_equal(group(s, "trend")->signals, 3);
    assert_int_equal(group(s, "macd")->signals, 2);
    assert_int_equal(group(s, "breakout")->resolved, 1);
    assert_int_equal(s->exits[ARGO_STRAT_TREND].by_exit[ARGO_EXIT_STOP], 2);
    assert_int_equal(s->exits[ARGO_STRAT_MEANREV].signals, 0);
    argo_stats_free(s);

    assert_int_equal(argo_stats_compute(st, &cfg, ARGO_BY_BUCKET, &s, NULL), 0);
    assert_int_equal(group(s, "0.5-0.6")->signals, 3);
    assert_int_equal(group(s, "0.9-1.0")->wins, 1);
    assert_int_equal(group(s, "0.1-0.2")->losses, 1);
    argo_stats_free(s);

    assert_int_equal(argo_stats_compute(st, &cfg, ARGO_BY_MONTH, &s, NULL), 0);
    assert_int_equal(s->nrows, 1);
    assert_int_equal(group(s, "1970-01")->signals, 6);
    argo_stats_free(s);

    assert_int_equal(argo_stats_compute(st, &cfg, ARGO_BY_SYMBOL, &s, NULL), 0);
    assert_int_equal(group(s, "X")->resolved, 4);
    argo_stats_free(s);
}

/* A win is net P&L > 0, whatever the exit reason; suppressed signals
 * are reported on the total and per symbol, in text and JSON. */
static void wins_count_money_and_suppressed_signals_are_reported(void **state)
{
    (void)state;
    char p[512];
    argo_store *s2;
    th_tmpfile("stats-supp.db", p, sizeof p);
    th_rm_db(p);
    assert_int_equal(argo_store_open(p, NULL, &s2, NULL), 0);
    argo_store *keep = st;
    int64_t keep_sym = sym, other;
    st = s2;
    assert_int_equal(argo_store_symbol_id(st, "X", true, &sym, NULL), 0);
    assert_int_equal(argo_store_symbol_id(st, "Y", true, &other, NULL), 0);
    for (int d = 1; d <= 10; d++) {
        argo_bar b = {d * DAY, 100, 101, 99, 100, 1};
        assert_int_equal(argo_store_bars_put(st, sym, &b, 1, NULL, NULL), 0);
    }
    add(1, 0.35, ARGO_WIN, 3, -0.05, 3 * DAY, 1, 1, 0); /* target hit, lost to costs */
    add(2, 0.35, ARGO_WIN, 4, 0.8, 4 * DAY, 1, 1, 0);
    add(3, 0.35, ARGO_EXPIRED, 6, 0.0, 6 * DAY, 1, 1, 0); /* flat is not a win */
    assert_int_equal(argo_store_suppressed_add(st, sym, 2 * DAY, 2, NULL), 0);
    assert_int_equal(argo_store_suppressed_add(st, other, 5 * DAY, 1, NULL), 0);
    argo_config cfg;
    argo_config_init(&cfg);
    argo_stats *s;
    assert_int_equal(argo_stats_compute(st, &cfg, ARGO_BY_SYMBOL, &s, NULL), 0);
    assert_int_equal(s->total.wins, 1);
    assert_true(fabs(s->total.win_rate - 1.0 / 3) < 1e-15);
    assert_int_equal(s->total.suppressed, 3);
    assert_int_equal(group(s, "X")->suppressed, 2);
    assert_int_equal(group(s, "Y")->suppressed, 1); /* a symbol with only suppressed signals */
    assert_int_equal(group(s, "Y")->signals, 0);
    char text[8192] = "", json[16384] = "";
    FILE *f = fmemopen(text, sizeof text - 1, "w");
    assert_int_equal(argo_stats_write(s, ARGO_BY_SYMBOL, false, f, NULL), 0);
    fclose(f);
    assert_non_null(strstr(text, "suppressed: 3 signals"));
    f = fmemopen(json, sizeof json - 1, "w");
    assert_int_equal(argo_stats_write(s, ARGO_BY_SYMBOL, true, f, NULL), 0);
    fclose(f);
    assert_non_null(strstr(json, "\"suppressed\": 3"));
    argo_stats_free(s);
    assert_int_equal(argo_stats_compute(st, &cfg, ARGO_BY_MONTH, &s, NULL), 0);
    assert_int_equal(group(s, "1970-01")->suppressed, -1); /* no meaning per month */
    assert_int_equal(s->total.suppressed, 3);
    argo_stats_free(s);
    argo_store_close(s2);
    st = keep;
    sym = keep_sym;
}

/* The grouping names parse back to their grouping, and the JSON document
 * names the grouping it was made with. */
static void groupings_have_names(void **state)
{
    (void)state;
    assert_string_equal(argo_stats_by_name(ARGO_BY_NONE), "none");
    for (int by = ARGO_BY_SYMBOL; by <= ARGO_BY_MONTH; by++)
        assert_int_equal(argo_stats_by_parse(argo_stats_by_name((argo_stats_by)by)), by);
    assert_int_equal(argo_stats_by_parse("none"), -1);
    assert_int_equal(argo_stats_by_parse("week"), -1);
    argo_config cfg;
    argo_config_init(&cfg);
    argo_stats *s;
    assert_int_equal(argo_stats_compute(st, &cfg, ARGO_BY_BUCKET, &s, NULL), 0);
    char json[16384] = "";
    FILE *f = fmemopen(json, sizeof json - 1, "w");
    assert_int_equal(argo_stats_write(s, ARGO_BY_BUCKET, true, f, NULL), 0);
    fclose(f);
    assert_non_null(strstr(json, "\"by\": \"bucket\""));
    argo_stats_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(totals_follow_the_documented_formulas),
        cmocka_unit_test(groups_split_as_documented),
        cmocka_unit_test(wins_count_money_and_suppressed_signals_are_reported),
        cmocka_unit_test(groupings_have_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
