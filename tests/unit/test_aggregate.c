/* SPDX-License-Identifier: MIT */
/* market/aggregate.h: minute bars into argo's bar size, one test per rule. */
#include "helpers.h"

#include "market/aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define HM(h, m) ((int64_t)(h)*3600 + (int64_t)(m)*60)
#define CLOSE HM(21, 0)
#define D0 ((int64_t)19723 * DAY) /* 2024-01-01 */

typedef struct got {
    char sym[ARGO_SYMBOL_MAX];
    argo_bar bar;
} got;

typedef struct sink {
    got *v;
    size_t n, cap;
    int fail_at; /* refuse the bar number fail_at (1-based; 0 never) */
} sink;

static int take(void *ctx, const char *symbol, const argo_bar *bar)
{
    sink *s = ctx;
    if (s->fail_at && (int)s->n + 1 == s->fail_at) {
        s->fail_at = 0;
        return 42;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    snprintf(s->v[s->n].sym, sizeof s->v[s->n].sym, "%s", symbol);
    s->v[s->n++].bar = *bar;
    return 0;
}

static argo_bar mk(int64_t ts, double o, double h, double l, double c, double v)
{
    return (argo_bar){ts, o, h, l, c, v};
}

static argo_agg *daily(int64_t grace)
{
    argo_agg *a = NULL;
    assert_int_equal(argo_agg_new(DAY, CLOSE, grace, &a, NULL), 0);
    return a;
}

static void add(argo_agg *a, const char *sym, argo_bar m, sink *s)
{
    argo_err err = {0};
    int rc = argo_agg_add(a, sym, &m, take, s, &err);
    if (rc)
        fail_msg("argo_agg_add: %s", err.msg);
}

static void assert_bar(const argo_bar *b, int64_t ts, double o, double h, double l, double c,
                       double v)
{
    assert_int_equal(b->ts, ts);
    assert_true(b->open == o && b->high == h && b->low == l && b->close == c && b->volume == v);
}

/* The fake server's four minutes of a daily bar (14:30, 16:00, 18:00,
 * 20:59) aggregating exactly to it. */
static void four_minutes(const argo_bar *d, argo_bar m[4])
{
    double v1 = (double)(int64_t)(d->volume / 4), v2 = v1, v3 = v1;
    double v4 = d->volume - v1 - v2 - v3;
    m[0] = mk(d->ts + HM(14, 30), d->open, d->open, d->open, d->open, v1);
    m[1] = mk(d->ts + HM(16, 0), d->open, d->high, d->open < d->close ? d->open : d->close,
              d->close, v2);
    m[2] = mk(d->ts + HM(18, 0), d->close, d->close, d->low, d->close, v3);
    m[3] = mk(d->ts + HM(20, 59), d->close, d->close, d->close, d->close, v4);
}

static void four_minute_day_aggregates_to_the_day_exactly(void **state)
{
    (void)state;
    argo_agg *a = daily(0); /* (a) closes at once */
    sink s = {0};
    argo_bar d = mk(D0 + DAY, 101.25, 104.5, 99.75, 103.125, 1234567), m[4];
    four_minutes(&d, m);
    for (int i = 0; i < 3; i++)
        add(a, "MSFT", m[i], &s);
    assert_int_equal(s.n, 0);
    assert_int_equal(argo_agg_next_close(a), D0 + DAY + CLOSE);
    add(a, "MSFT", m[3], &s); /* (a) */
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0].sym, "MSFT");
    assert_bar(&s.v[0].bar, d.ts, d.open, d.high, d.low, d.close, d.volume);
    assert_int_equal(argo_agg_next_close(a), INT64_MAX);
    assert_int_equal(argo_agg_last_minute(a, "MSFT"), m[3].ts);
    assert_int_equal(argo_agg_last_minute(a, "AAPL"), INT64_MIN);
    argo_agg_stats st;
    argo_agg_get_stats(a, &st);
    assert_int_equal(st.minutes, 4);
    assert_int_equal(st.bars, 1);
    assert_int_equal(st.duplicates + st.replaced + st.late, 0);
    argo_agg_free(a);
    free(s.v);
}

/* ---- the property: shuffled minutes with duplicates, same bars ---- */

/* splitmix64: the days from one sequence, the shuffles from another, so
 * the sorted and the shuffled runs see the same days */
static uint64_t day_rng, mix_rng;
static uint64_t rnd(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static int rint_(int n)
{
    return (int)(rnd(&day_rng) % (uint64_t)n);
}
static int mix(int n)
{
    return (int)(rnd(&mix_rng) % (uint64_t)n);
}

typedef struct msg {
    int sym;
    argo_bar m;
} msg;

static const char *const syms[] = {"AAA", "BB", "C", "DDDD", "E"};
#define NSYM 5

static int cmp_got(const void *x, const void *y)
{
    const got *p = x, *q = y;
    if (p->bar.ts != q->bar.ts)
        return p->bar.ts < q->bar.ts ? -1 : 1;
    return strcmp(p->sym, q->sym);
}

/* One random day's messages for every symbol (some symbols do not trade,
 * some lack the session's last minute); the expected daily bars. */
static size_t random_day(int64_t day, bool shuffle, bool dups, msg *out, got *want, size_t *nwant)
{
    size_t n = 0;
    for (int k = 0; k < NSYM; k++) {
        if (rint_(6) == 0)
            continue; /* no trade today */
        /* distinct minutes between 14:30 and 20:59 */
        int count = 1 + rint_(40), first = (int)n;
        bool has_last = rint_(2);
        int64_t ts = day + HM(14, 30) + 60 * rint_(30);
        double px = 50 + rint_(100);
        argo_bar agg = {0};
        for (int i = 0; i < count; i++) {
            int64_t t = (i == count - 1 && has_last) ? day + HM(20, 59) : ts;
            if (t > day + HM(20, 59) || (i > 0 && t <= out[n - 1].m.ts))
                break;
            double o = px, c = px + (rint_(21) - 10) * 0.25;
            if (c <= 1)
                c = 1;
            double h = (o > c ? o : c) + rint_(4) * 0.25, l = (o < c ? o : c) - rint_(4) * 0.125;
            argo_bar m = mk(t, o, h, l, c, rint_(1000));
            out[n++] = (msg){k, m};
            if (i == 0)
                agg = m;
            else {
                agg.high = h > agg.high ? h : agg.high;
                agg.low = l < agg.low ? l : agg.low;
                agg.close = c;
                agg.volume += m.volume;
            }
            px = c;
            ts = t + 60 * (1 + rint_(15));
        }
        agg.ts = day;
        snprintf(want[*nwant].sym, sizeof want[*nwant].sym, "%s", syms[k]);
        want[(*nwant)++].bar = agg;
        if (dups) /* duplicates of any minute */
            for (int i = first, end = (int)n; i < end; i++)
                if (mix(3) == 0)
                    out[n++] = out[i];
        if (shuffle) { /* this symbol's minutes in any order but the session's last
                        * one (rule (a) closes on it: app/live.c sorts a burst
                        * before the aggregator sees it), which comes last */
            for (int i = (int)n - 1; i > first; i--) {
                int j = first + mix(i - first + 1);
                msg t = out[i];
                out[i] = out[j];
                out[j] = t;
            }
            msg tail[400];
            int nt = 0, w = first;
            for (int i = first; i < (int)n; i++) {
                if (out[i].m.ts + 60 >= day + CLOSE && nt < 400)
                    tail[nt++] = out[i];
                else
                    out[w++] = out[i];
            }
            for (int i = 0; i < nt; i++)
                out[w++] = tail[i];
        }
    }
    if (!shuffle) { /* the stream's order: by time, then symbol */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i;
                 j > 0 && (out[j - 1].m.ts > out[j].m.ts ||
                           (out[j - 1].m.ts == out[j].m.ts && out[j - 1].sym > out[j].sym));
                 j--) {
                msg t = out[j];
                out[j] = out[j - 1];
                out[j - 1] = t;
            }
    } else { /* symbols interleaved at random, each one's order kept */
        msg *tmp = malloc(n * sizeof *tmp);
        size_t pos[NSYM + 1] = {0}, end[NSYM] = {0}, k = 0;
        assert_non_null(tmp);
        for (size_t i = 0; i < n; i++)
            end[out[i].sym] = i + 1;
        for (int s = 0; s < NSYM; s++) {
            pos[s] = n;
            for (size_t i = 0; i < n; i++)
                if (out[i].sym == s) {
                    pos[s] = i;
                    break;
                }
        }
        while (k < n) {
            int s = mix(NSYM);
            if (pos[s] < end[s])
                tmp[k++] = out[pos[s]++];
        }
        memcpy(out, tmp, n * sizeof *tmp);
        free(tmp);
    }
    return n;
}

static void run_days(bool shuffle, bool dups, uint64_t seed, int ndays, sink *s, got *want,
                     size_t *nwant, argo_agg_stats *st)
{
    day_rng = seed;
    mix_rng = ~seed;
    /* grace > 0: a symbol's 20:59 minute (clock 21:00) may come before
     * the others' earlier ones */
    argo_agg *a = daily(seed % 2 ? 60 : 600);
    msg *buf = malloc(NSYM * 200 * sizeof *buf);
    assert_non_null(buf);
    for (int d = 0; d < ndays; d++) {
        int64_t day = D0 + (int64_t)d * DAY;
        size_t n = random_day(day, shuffle, dups, buf, want, nwant);
        for (size_t i = 0; i < n; i++)
            add(a, syms[buf[i].sym], buf[i].m, s);
    }
    assert_int_equal(argo_agg_advance(a, D0 + (int64_t)(ndays + 1) * DAY, take, s, NULL), 0);
    argo_agg_get_stats(a, st);
    argo_agg_free(a);
    free(buf);
}

static void shuffled_minutes_with_duplicates_give_the_same_bars_as_sorted_ones(void **state)
{
    (void)state;
    int64_t dups = 0, bars = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        sink sorted = {0}, shuffled = {0};
        got *want1 = malloc(NSYM * 30 * sizeof *want1), *want2 = malloc(NSYM * 30 * sizeof *want2);
        size_t n1 = 0, n2 = 0;
        argo_agg_stats st1, st2;
        run_days(false, false, seed, 20, &sorted, want1, &n1, &st1);
        run_days(true, true, seed, 20, &shuffled, want2, &n2, &st2);
        assert_int_equal(n1, n2);
        assert_int_equal(sorted.n, n1);
        assert_int_equal(shuffled.n, n1);
        assert_int_equal(st1.duplicates, 0);
        /* a duplicate of the session's last minute comes after (a) closed
         * the bar: late, not a duplicate; either way it changes nothing */
        assert_int_equal(st1.late, 0);
        qsort(sorted.v, sorted.n, sizeof *sorted.v, cmp_got);
        qsort(shuffled.v, shuffled.n, sizeof *shuffled.v, cmp_got);
        qsort(want1, n1, sizeof *want1, cmp_got);
        for (size_t i = 0; i < n1; i++) {
            assert_string_equal(sorted.v[i].sym, want1[i].sym);
            assert_string_equal(shuffled.v[i].sym, want1[i].sym);
            assert_memory_equal(&sorted.v[i].bar, &want1[i].bar, sizeof(argo_bar));
            assert_memory_equal(&shuffled.v[i].bar, &want1[i].bar, sizeof(argo_bar));
        }
        assert_int_equal(st1.bars, (int64_t)n1);
        assert_int_equal(st2.bars, (int64_t)n1);
        assert_int_equal(st1.minutes, st2.minutes);
        dups += st2.duplicates + st2.late;
        bars += st2.bars;
        free(sorted.v);
        free(shuffled.v);
        free(want1);
        free(want2);
    }
    assert_true(dups > 1000 && bars > 10000); /* the property was exercised */
}

static void a_replaced_minute_takes_the_new_values(void **state)
{
    (void)state;
    argo_agg *a = daily(0);
    sink s = {0};
    add(a, "X", mk(D0 + HM(15, 0), 10, 12, 9, 11, 100), &s);
    add(a, "X", mk(D0 + HM(15, 1), 11, 11, 10, 10.5, 50), &s);
    add(a, "X", mk(D0 + HM(15, 0), 10, 12, 9, 11, 100), &s); /* duplicate */
    add(a, "X", mk(D0 + HM(15, 0), 10, 13, 8, 11, 120), &s); /* corrected */
    add(a, "X", mk(D0 + HM(20, 59), 10.5, 10.5, 10.5, 10.5, 1), &s);
    assert_int_equal(s.n, 1);
    assert_bar(&s.v[0].bar, D0, 10, 13, 8, 10.5, 171);
    argo_agg_stats st;
    argo_agg_get_stats(a, &st);
    assert_int_equal(st.minutes, 3);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.replaced, 1);
    argo_agg_free(a);
    free(s.v);
}

static void a_late_minute_after_close_is_counted_and_dropped(void **state)
{
    (void)state;
    argo_agg *a = daily(0);
    sink s = {0};
    add(a, "X", mk(D0 + HM(15, 0), 10, 12, 9, 11, 100), &s);
    add(a, "X", mk(D0 + HM(20, 59), 11, 11, 11, 11, 5), &s);
    assert_int_equal(s.n, 1);
    add(a, "X", mk(D0 + HM(16, 0), 50, 60, 40, 55, 9), &s);  /* closed by (a) */
    add(a, "X", mk(D0 + HM(21, 30), 50, 60, 40, 55, 9), &s); /* after hours, same day */
    assert_int_equal(s.n, 1);
    assert_bar(&s.v[0].bar, D0, 10, 12, 9, 11, 105);
    /* a symbol that never traded that day, after the clock closed it */
    add(a, "Y", mk(D0 + HM(15, 0), 1, 1, 1, 1, 1), &s);
    argo_agg_stats st;
    argo_agg_get_stats(a, &st);
    assert_int_equal(st.late, 3);
    assert_int_equal(st.minutes, 2);
    assert_int_equal(argo_agg_last_minute(a, "X"), D0 + HM(20, 59));
    assert_int_equal(argo_agg_next_close(a), INT64_MAX);
    argo_agg_free(a);
    free(s.v);
}

static void rule_b_closes_on_the_next_days_minute(void **state)
{
    (void)state;
    argo_agg *a = daily(3600);
    sink s = {0};
    add(a, "X", mk(D0 + HM(15, 0), 10, 12, 9, 11, 100), &s);
    add(a, "X", mk(D0 + HM(19, 0), 11, 14, 11, 13, 100), &s);
    assert_int_equal(s.n, 0);
    add(a, "X", mk(D0 + DAY + HM(14, 30), 13, 13, 13, 13, 1), &s);
    assert_int_equal(s.n, 1);
    assert_bar(&s.v[0].bar, D0, 10, 14, 9, 13, 200);
    assert_int_equal(argo_agg_next_close(a), D0 + DAY + CLOSE);
    argo_agg_free(a);
    free(s.v);
}

static void rule_a_closes_at_once_and_c_by_the_other_symbols_clock(void **state)
{
    (void)state;
    argo_agg *a = daily(300);
    sink s = {0};
    add(a, "B", mk(D0 + HM(15, 0), 10, 12, 9, 11, 100), &s);
    add(a, "A", mk(D0 + HM(16, 0), 20, 22, 19, 21, 100), &s);
    add(a, "Z", mk(D0 + HM(15, 0), 4, 6, 4, 5, 5), &s);
    add(a, "Z", mk(D0 + HM(20, 59), 5, 5, 5, 5, 5), &s); /* (a): Z's session's last */
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0].sym, "Z");
    assert_bar(&s.v[0].bar, D0, 4, 6, 4, 5, 10);
    /* after-hours minutes: in no bar (late), but they move the clock */
    add(a, "C", mk(D0 + HM(21, 3), 7, 7, 7, 7, 7), &s); /* clock 21:04: within grace */
    assert_int_equal(s.n, 1);
    add(a, "C", mk(D0 + HM(21, 4), 7, 7, 7, 7, 7), &s); /* clock 21:05: (c), in order */
    assert_int_equal(s.n, 3);
    assert_string_equal(s.v[1].sym, "A");
    assert_string_equal(s.v[2].sym, "B");
    assert_bar(&s.v[1].bar, D0, 20, 22, 19, 21, 100);
    assert_bar(&s.v[2].bar, D0, 10, 12, 9, 11, 100);
    argo_agg_stats st;
    argo_agg_get_stats(a, &st);
    assert_int_equal(st.late, 2);
    argo_agg_free(a);
    free(s.v);
}

static void rule_d_closes_by_advance(void **state)
{
    (void)state;
    argo_agg *a = daily(600);
    sink s = {0};
    add(a, "X", mk(D0 + HM(15, 0), 10, 12, 9, 11, 100), &s);
    assert_int_equal(argo_agg_next_close(a), D0 + CLOSE);
    assert_int_equal(argo_agg_advance(a, D0 + CLOSE + 599, take, &s, NULL), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(argo_agg_advance(a, D0 + CLOSE + 600, take, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    assert_bar(&s.v[0].bar, D0, 10, 12, 9, 11, 100);
    assert_int_equal(argo_agg_next_close(a), INT64_MAX);
    /* closed: a minute of it is now late */
    add(a, "X", mk(D0 + HM(16, 0), 10, 12, 9, 11, 100), &s);
    argo_agg_stats st;
    argo_agg_get_stats(a, &st);
    assert_int_equal(st.late, 1);
    argo_agg_free(a);
    free(s.v);
}

static void intraday_30_minute_bars(void **state)
{
    (void)state;
    argo_agg *a = NULL;
    assert_int_equal(argo_agg_new(1800, 0, 0, &a, NULL), 0); /* close_s unused */
    sink s = {0};
    int64_t t0 = D0 + HM(14, 30);
    for (int i = 0; i < 60; i++) /* 14:30 .. 15:29, two bars */
        add(a, "X", mk(t0 + 60 * i, 100 + i, 101 + i, 99 + i, 100.5 + i, 10), &s);
    assert_int_equal(s.n, 2); /* each closed by its minute ending at its end (a) */
    assert_bar(&s.v[0].bar, t0, 100, 130, 99, 129.5, 300);
    assert_bar(&s.v[1].bar, t0 + 1800, 130, 160, 129, 159.5, 300);
    /* a half hour with a gap closes on the next one's minute (b) */
    add(a, "X", mk(D0 + HM(15, 40), 1, 2, 1, 2, 1), &s);
    add(a, "X", mk(D0 + HM(16, 5), 3, 3, 3, 3, 1), &s);
    assert_int_equal(s.n, 3);
    assert_bar(&s.v[2].bar, D0 + HM(15, 30), 1, 2, 1, 2, 1);
    assert_int_equal(argo_agg_next_close(a), D0 + HM(16, 30));
    argo_agg_free(a);
    free(s.v);
}

static void a_refused_bar_stays_closed_and_the_rest_come_next_call(void **state)
{
    (void)state;
    argo_agg *a = daily(0);
    sink s = {0};
    add(a, "A", mk(D0 + HM(15, 0), 1, 1, 1, 1, 1), &s);
    add(a, "B", mk(D0 + HM(15, 0), 2, 2, 2, 2, 2), &s);
    s.fail_at = 1;
    argo_bar m = mk(D0 + DAY + HM(15, 0), 3, 3, 3, 3, 3);
    argo_err err = {0};
    assert_int_equal(argo_agg_add(a, "C", &m, take, &s, &err), 42);
    assert_int_equal(s.n, 0);
    add(a, "C", mk(D0 + DAY + HM(15, 1), 3, 3, 3, 3, 3), &s);
    assert_int_equal(s.n, 1); /* B's, A's was refused */
    assert_string_equal(s.v[0].sym, "B");
    argo_agg_free(a);
    free(s.v);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    argo_agg *a = (argo_agg *)1;
    argo_err err = {0};
    assert_int_equal(argo_agg_new(0, CLOSE, 0, &a, &err), ARGO_EINVAL);
    assert_null(a);
    assert_int_equal(argo_agg_new(90, CLOSE, 0, &a, &err), ARGO_EINVAL);
    assert_int_equal(argo_agg_new(420, CLOSE, 0, &a, &err), ARGO_EINVAL); /* 7 min: 86400/420 */
    assert_int_equal(argo_agg_new(2 * DAY, CLOSE, 0, &a, &err), ARGO_EINVAL);
    assert_int_equal(argo_agg_new(DAY, 0, 0, &a, &err), ARGO_EINVAL);
    assert_int_equal(argo_agg_new(DAY, DAY + 1, 0, &a, &err), ARGO_EINVAL);
    assert_int_equal(argo_agg_new(DAY, CLOSE, -1, &a, &err), ARGO_EINVAL);
    assert_int_equal(argo_agg_new(DAY, CLOSE, 3601, &a, &err), ARGO_EINVAL);
    assert_non_null(strstr(err.msg, "grace"));
    a = daily(0);
    argo_bar m = mk(D0 + 30, 1, 1, 1, 1, 1);
    assert_int_equal(argo_agg_add(a, "X", &m, take, NULL, &err), ARGO_EINVAL);
    assert_non_null(strstr(err.msg, "whole minute"));
    m.ts = D0;
    assert_int_equal(argo_agg_add(a, "", &m, take, NULL, &err), ARGO_EINVAL);
    char longsym[ARGO_SYMBOL_MAX + 1];
    memset(longsym, 'A', sizeof longsym - 1);
    longsym[ARGO_SYMBOL_MAX] = 0;
    assert_int_equal(argo_agg_add(a, longsym, &m, take, NULL, &err), ARGO_EINVAL);
    argo_agg_stats st;
    argo_agg_get_stats(a, &st);
    assert_int_equal(st.minutes, 0);
    argo_agg_free(a);
    argo_agg_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(four_minute_day_aggregates_to_the_day_exactly),
        cmocka_unit_test(shuffled_minutes_with_duplicates_give_the_same_bars_as_sorted_ones),
        cmocka_unit_test(a_replaced_minute_takes_the_new_values),
        cmocka_unit_test(a_late_minute_after_close_is_counted_and_dropped),
        cmocka_unit_test(rule_b_closes_on_the_next_days_minute),
        cmocka_unit_test(rule_a_closes_at_once_and_c_by_the_other_symbols_clock),
        cmocka_unit_test(rule_d_closes_by_advance),
        cmocka_unit_test(intraday_30_minute_bars),
        cmocka_unit_test(a_refused_bar_stays_closed_and_the_rest_come_next_call),
        cmocka_unit_test(bad_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
