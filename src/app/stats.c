/* SPDX-License-Identifier: MIT */
/* app/stats.c - see stats.h for the definitions. */
#include "app/stats.h"

#include "app/app_int.h"
#include "app/json.h"
#include "base/grow.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"
#include "app/engine.h"
#include "track/track.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const by_names[] = {"none", "symbol", "strategy", "bucket", "month", "exit"};
static_assert(sizeof by_names / sizeof by_names[0] == ARGO_BY_EXIT + 1,
              "one name per argo_stats_by");

const char *argo_stats_by_name(argo_stats_by by)
{
    assert((size_t)by < sizeof by_names / sizeof by_names[0]);
    return by_names[by];
}

int argo_stats_by_parse(const char *s)
{
    assert(s);
    for (int i = 1; i <= ARGO_BY_EXIT; i++)
        if (!strcmp(s, by_names[i]))
            return i;
    return -1;
}

void argo_stats_filter_init(argo_stats_filter *f)
{
    assert(f);
    *f = (argo_stats_filter){.strategy = -1, .since = INT64_MIN, .until = INT64_MAX};
}

typedef struct all_ctx {
    argo_signal *v;
    size_t n, cap;
} all_ctx;

static int take(void *ctx, const argo_signal *g)
{
    all_ctx *a = ctx;
    argo_signal *v = argo_grow(a->v, &a->cap, a->n + 1, sizeof *v, 1024);
    if (!v)
        return ARGO_ENOMEM;
    a->v = v;
    a->v[a->n++] = *g;
    return 0;
}

typedef struct day_ctx {
    int64_t *days;
    size_t n, cap;
} day_ctx;

static int take_day(void *ctx, int64_t sym, const argo_bar *b)
{
    (void)sym;
    day_ctx *d = ctx;
    int64_t day = argo_time_day_start(b->ts);
    if (d->n && d->days[d->n - 1] == day)
        return 0;
    int64_t *v = argo_grow(d->days, &d->cap, d->n + 1, sizeof *v, 1024);
    if (!v)
        return ARGO_ENOMEM;
    d->days = v;
    d->days[d->n++] = day;
    return 0;
}

/* Keeps the days in [since, until). */
static void clip_days(day_ctx *d, int64_t since, int64_t until)
{
    size_t from = 0, to = d->n;
    while (from < to && d->days[from] < since)
        from++;
    while (to > from && d->days[to - 1] >= until)
        to--;
    if (from)
        memmove(d->days, d->days + from, (to - from) * sizeof *d->days);
    d->n = to - from;
}

/* Index of the last day <= ts. */
static size_t day_index(const day_ctx *d, int64_t ts)
{
    size_t lo = 0, hi = d->n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (d->days[mid] <= ts)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

typedef struct group {
    argo_stats_row row;
    double sum_pos, sum_neg;
    size_t npos, nneg;
    double pnl_sum;
    int64_t first_ts;
    double *daily;  /* per trading day, lazily allocated */
    bool counts;    /* keep dcount too (the total's daily series) */
    size_t *dcount; /* per trading day: resolved, wins (2 per day) */
} group;

typedef struct calc {
    const argo_config *cfg;
    day_ctx days;
    int64_t *last_ts; /* by symbol id */
    int64_t nlast;
} calc;

static void first_at(group *g, int64_t ts)
{
    if (!g->first_ts || ts < g->first_ts)
        g->first_ts = ts;
}

/* Adds pnl (and resolved signals with wins among them) to the day of
 * exit_ts of g's daily series. */
static int add_daily(calc *c, group *g, int64_t exit_ts, double pnl, size_t resolved, size_t wins)
{
    if (!c->days.n)
        return 0;
    if (!g->daily && !(g->daily = calloc(c->days.n, sizeof *g->daily)))
        return ARGO_ENOMEM;
    if (g->counts && !g->dcount && !(g->dcount = calloc(2 * c->days.n, sizeof *g->dcount)))
        return ARGO_ENOMEM;
    size_t i = day_index(&c->days, exit_ts);
    g->daily[i] += pnl;
    if (g->dcount) {
        g->dcount[2 * i] += resolved;
        g->dcount[2 * i + 1] += wins;
    }
    return 0;
}

static int add(calc *c, group *g, const argo_signal *s)
{
    argo_stats_row *r = &g->row;
    r->signals++;
    first_at(g, s->ts);
    if (s->status == ARGO_OPEN) {
        r->open++;
        int64_t last = s->symbol_id < c->nlast ? c->last_ts[s->symbol_id] : INT64_MIN;
        r->covered += s->expires_at > last && s->scanned_to == last;
        return 0;
    }
    r->covered++;
    r->resolved++;
    bool win = argo_track_label(s) == 1;
    r->wins += win;
    r->losses += s->status == ARGO_LOSS;
    r->expired += s->status == ARGO_EXPIRED;
    r->by_exit[s->exit_reason & 3]++;
    g->pnl_sum += s->pnl_pct;
    if (s->pnl_pct > 0) {
        g->sum_pos += s->pnl_pct;
        g->npos++;
    } else if (s->pnl_pct < 0) {
        g->sum_neg += s->pnl_pct;
        g->nneg++;
    }
    return add_daily(c, g, s->exit_ts, s->pnl_pct, 1, win);
}

/* The same as add for each resolved signal of the cell. */
static int add_cell(calc *c, group *g, const argo_outcome_cell *x)
{
    argo_stats_row *r = &g->row;
    r->signals += (size_t)x->resolved;
    first_at(g, x->first_ts);
    r->covered += (size_t)x->resolved;
    r->resolved += (size_t)x->resolved;
    r->wins += (size_t)x->wins;
    r->losses += (size_t)x->losses;
    r->expired += (size_t)x->expired;
    for (int k = 0; k < 4; k++)
        r->by_exit[k] += (size_t)x->by_exit[k];
    g->pnl_sum += x->pnl_sum;
    g->sum_pos += x->pos_sum;
    g->npos += (size_t)x->npos;
    g->sum_neg += x->neg_sum;
    g->nneg += (size_t)x->nneg;
    return add_daily(c, g, x->exit_day, x->pnl_sum, (size_t)x->resolved, (size_t)x->wins);
}

/* The figures of g from its sums; with series, g's daily series too (a
 * new array into *series, its length *nseries; NULL and 0 without a
 * resolved signal). */
static int finish(calc *c, group *g, argo_stats_day **series, size_t *nseries)
{
    argo_stats_row *r = &g->row;
    r->win_rate = r->resolved ? (double)r->wins / r->resolved : NAN;
    r->avg_win = g->npos ? g->sum_pos / g->npos : NAN;
    r->avg_loss = g->nneg ? g->sum_neg / g->nneg : NAN;
    r->profit_factor = g->nneg ? g->sum_pos / -g->sum_neg : NAN;
    r->expectancy = r->resolved ? g->pnl_sum / r->resolved : NAN;
    r->coverage = r->signals ? (double)r->covered / r->signals : NAN;
    r->sharpe = r->max_drawdown = NAN;
    if (!g->daily)
        return ARGO_OK;
    size_t from = day_index(&c->days, g->first_ts);
    size_t n = c->days.n - from;
    argo_stats_day *v = NULL;
    if (series && !(v = calloc(n, sizeof *v)))
        return ARGO_ENOMEM;
    double sum = 0, sq = 0, eq = 0, peak = 0, dd = 0;
    for (size_t i = from; i < c->days.n; i++)
        sum += g->daily[i];
    double mean = sum / n;
    for (size_t i = from; i < c->days.n; i++) {
        sq += (g->daily[i] - mean) * (g->daily[i] - mean);
        eq += g->daily[i];
        if (eq > peak)
            peak = eq;
        if (peak - eq > dd)
            dd = peak - eq;
        if (v) {
            argo_stats_day *x = &v[i - from];
            x->day = c->days.days[i];
            x->pnl = g->daily[i];
            x->equity = eq;
            x->drawdown = peak - eq;
            x->resolved = g->dcount ? g->dcount[2 * i] : 0;
            x->wins = g->dcount ? g->dcount[2 * i + 1] : 0;
        }
    }
    r->max_drawdown = dd;
    if (n >= 2 && sq > 0)
        r->sharpe = mean / sqrt(sq / (n - 1)) * sqrt(c->cfg->periods_per_year);
    free(g->daily);
    g->daily = NULL;
    if (series) {
        *series = v;
        *nseries = n;
    }
    return ARGO_OK;
}

static void bucket_key(int b, char *key, size_t n)
{
    b = b < 0 ? 0 : b > 9 ? 9 : b;
    snprintf(key, n, "%.1f-%.1f", b / 10.0, (b + 1) / 10.0);
}

static void key_of(argo_stats_by by, const argo_signal *s, int strat, char *key, size_t n)
{
    int y, m, d;
    switch (by) {
    case ARGO_BY_SYMBOL:
        snprintf(key, n, "%s", s->symbol);
        break;
    case ARGO_BY_STRATEGY:
        snprintf(key, n, "%s", argo_strategy_name(strat));
        break;
    case ARGO_BY_BUCKET:
        bucket_key((int)floor(s->confidence * 10), key, n);
        break;
    case ARGO_BY_MONTH:
        argo_time_civil(s->ts, &y, &m, &d);
        snprintf(key, n, "%04d-%02d", y, m);
        break;
    case ARGO_BY_EXIT:
        snprintf(key, n, "%s", argo_exit_reason_name((argo_exit_reason)(s->exit_reason & 3)));
        break;
    default:
        snprintf(key, n, "all");
    }
}

static group *find_group(group **gs, size_t *n, size_t *cap, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*gs)[i].row.key, key))
            return &(*gs)[i];
    group *v = argo_grow(*gs, cap, *n + 1, sizeof *v, 16);
    if (!v)
        return NULL;
    *gs = v;
    group *g = &(*gs)[(*n)++];
    memset(g, 0, sizeof *g);
    snprintf(g->row.key, sizeof g->row.key, "%s", key);
    return g;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const argo_stats_row *)a)->key, ((const argo_stats_row *)b)->key);
}

/* What both computations build: the total, the per-strategy exits and
 * the groups, over the store's symbols and trading days. */
typedef struct book {
    calc c;
    argo_stats_by by;
    argo_stats_filter f;
    argo_agg_filter af; /* f for the store: the symbol's id */
    group total, exits[ARGO_STRAT_COUNT], *gs;
    size_t ng, capg;
    argo_symbol *syms;
    size_t nsyms;
    const char **names; /* symbol name by id (argo_agg_by symbol groups) */
} book;

static int book_init(book *b, argo_store *st, const argo_config *cfg, argo_stats_by by,
                     const argo_stats_filter *f, argo_err *err)
{
    memset(b, 0, sizeof *b);
    b->c.cfg = cfg;
    b->by = by;
    b->f = *f;
    b->af = (argo_agg_filter){
        .symbol_id = 0, .strategy = f->strategy, .since = f->since, .until = f->until};
    b->total.counts = f->daily;
    snprintf(b->total.row.key, sizeof b->total.row.key, "all");
    if (f->strategy < -1 || f->strategy >= ARGO_STRAT_COUNT)
        return argo_err_set(err, ARGO_EINVAL, "no strategy %d", f->strategy);
    int rc = argo_store_symbols(st, &b->syms, &b->nsyms, err);
    if (rc)
        return rc;
    for (size_t i = 0; f->symbol && i < b->nsyms && !b->af.symbol_id; i++)
        if (!strcmp(b->syms[i].name, f->symbol))
            b->af.symbol_id = b->syms[i].id;
    if (f->symbol && !b->af.symbol_id)
        return argo_err_set(err, ARGO_ENOENT, "no symbol '%s'", f->symbol);
    for (size_t i = 0; i < b->nsyms; i++)
        if (b->syms[i].id >= b->c.nlast)
            b->c.nlast = b->syms[i].id + 1;
    b->c.last_ts = calloc((size_t)b->c.nlast + 1, sizeof *b->c.last_ts);
    b->names = calloc((size_t)b->c.nlast + 1, sizeof *b->names);
    if (!b->c.last_ts || !b->names)
        return ARGO_ENOMEM;
    for (size_t i = 0; i < b->nsyms; i++) {
        b->c.last_ts[b->syms[i].id] = b->syms[i].last_ts;
        b->names[b->syms[i].id] = b->syms[i].name;
    }
    return ARGO_OK;
}

/* Whether signal g passes the filter: its symbol, the strategy's vote,
 * its exit day in [since, until) (resolved) or its ts before until
 * (open). */
static bool passes(const book *b, const argo_signal *g)
{
    if (b->af.symbol_id && g->symbol_id != b->af.symbol_id)
        return false;
    if (b->f.strategy >= 0 && g->votes[b->f.strategy].dir != g->action)
        return false;
    if (g->status == ARGO_OPEN)
        return g->ts < b->f.until;
    int64_t day = argo_time_day_start(g->exit_ts);
    return day >= b->f.since && day < b->f.until;
}

/* Adds signal g, when it passes the filter, to the total, the exits of
 * the strategies that voted its way and its group(s). */
static int book_signal(book *b, const argo_signal *g)
{
    if (!passes(b, g))
        return 0;
    if (add(&b->c, &b->total, g))
        return ARGO_ENOMEM;
    for (int k = 0; k < ARGO_STRAT_COUNT; k++)
        if (g->votes[k].dir == g->action && add(&b->c, &b->exits[k], g))
            return ARGO_ENOMEM;
    if (b->by == ARGO_BY_NONE || (b->by == ARGO_BY_EXIT && g->status == ARGO_OPEN))
        return 0;
    for (int k = 0; k < (b->by == ARGO_BY_STRATEGY ? ARGO_STRAT_COUNT : 1); k++) {
        if (b->by == ARGO_BY_STRATEGY && g->votes[k].dir != g->action)
            continue;
        char key[ARGO_SYMBOL_MAX];
        key_of(b->by, g, k, key, sizeof key);
        group *grp = find_group(&b->gs, &b->ng, &b->capg, key);
        if (!grp || add(&b->c, grp, g))
            return ARGO_ENOMEM;
    }
    return 0;
}

/* The suppressed counts, the figures of every group, sorted: *out. */
static int book_finish(book *b, argo_store *st, argo_stats **out, argo_err *err)
{
    argo_symbol_count *supp = NULL;
    size_t nsupp = 0;
    argo_stats *s = NULL;
    int rc = argo_store_suppressed_counts(st, &supp, &nsupp, &b->total.row.suppressed, err);
    if (rc)
        return rc;
    rc = ARGO_ENOMEM;
    /* suppressed signals have a symbol and a day, but no vote and no
     * exit: a strategy or date filter leaves them without meaning */
    bool meaning = b->f.strategy < 0 && b->f.since == INT64_MIN && b->f.until == INT64_MAX;
    if (!meaning)
        b->total.row.suppressed = -1;
    else if (b->af.symbol_id) {
        b->total.row.suppressed = 0;
        for (size_t i = 0; i < nsupp; i++)
            if (supp[i].symbol_id == b->af.symbol_id)
                b->total.row.suppressed = supp[i].count;
    }
    for (size_t i = 0; i < b->ng; i++)
        b->gs[i].row.suppressed = b->by == ARGO_BY_SYMBOL && meaning ? 0 : -1;
    for (size_t i = 0; i < nsupp && b->by == ARGO_BY_SYMBOL && meaning; i++)
        for (size_t k = 0; k < b->nsyms; k++)
            if (b->syms[k].id == supp[i].symbol_id &&
                (!b->af.symbol_id || supp[i].symbol_id == b->af.symbol_id)) {
                group *grp = find_group(&b->gs, &b->ng, &b->capg, b->syms[k].name);
                if (!grp)
                    goto out;
                grp->row.suppressed = supp[i].count;
            }
    if (!(s = calloc(1, sizeof *s)) || (b->ng && !(s->rows = calloc(b->ng, sizeof *s->rows))))
        goto out;
    if (finish(&b->c, &b->total, b->f.daily ? &s->daily : NULL, &s->ndaily))
        goto out;
    s->total = b->total.row;
    for (int k = 0; k < ARGO_STRAT_COUNT; k++) {
        finish(&b->c, &b->exits[k], NULL, NULL);
        s->exits[k] = b->exits[k].row;
        s->exits[k].suppressed = -1;
        snprintf(s->exits[k].key, sizeof s->exits[k].key, "%s", argo_strategy_name(k));
    }
    for (size_t i = 0; i < b->ng; i++) {
        finish(&b->c, &b->gs[i], NULL, NULL);
        s->rows[i] = b->gs[i].row;
    }
    s->nrows = b->ng;
    if (b->ng)
        qsort(s->rows, b->ng, sizeof *s->rows, cmp_key);
    *out = s;
    s = NULL;
    rc = ARGO_OK;
out:
    argo_stats_free(s);
    free(supp);
    return rc;
}

static void book_cleanup(book *b)
{
    free(b->total.daily);
    free(b->total.dcount);
    for (int k = 0; k < ARGO_STRAT_COUNT; k++)
        free(b->exits[k].daily);
    for (size_t i = 0; i < b->ng; i++)
        free(b->gs[i].daily);
    free(b->gs);
    free(b->c.days.days);
    free(b->c.last_ts);
    free(b->names);
    free(b->syms);
}

static int oom(int rc, argo_err *err)
{
    return rc == ARGO_ENOMEM ? argo_err_set(err, ARGO_ENOMEM, "out of memory computing statistics")
                             : rc;
}

int argo_stats_compute_rows_filtered(argo_store *st, const argo_config *cfg, argo_stats_by by,
                                     const argo_stats_filter *f, argo_stats **out, argo_err *err)
{
    assert(st && cfg && f && out && (size_t)by <= ARGO_BY_EXIT);
    *out = NULL;
    book b;
    all_ctx all = {0};
    int rc = book_init(&b, st, cfg, by, f, err);
    if (!rc)
        rc = argo_store_bars_scan_all(st, INT64_MAX, take_day, &b.c.days, err);
    if (!rc)
        clip_days(&b.c.days, f->since, f->until);
    if (!rc)
        rc = argo_store_signals_all(st, 0, take, &all, err);
    for (size_t i = 0; !rc && i < all.n; i++)
        rc = book_signal(&b, &all.v[i]);
    if (!rc)
        rc = book_finish(&b, st, out, err);
    free(all.v);
    book_cleanup(&b);
    return oom(rc, err);
}

int argo_stats_compute_rows(argo_store *st, const argo_config *cfg, argo_stats_by by,
                            argo_stats **out, argo_err *err)
{
    argo_stats_filter f;
    argo_stats_filter_init(&f);
    return argo_stats_compute_rows_filtered(st, cfg, by, &f, out, err);
}

/* A cell scan's target: the total (ARGO_AGG_NONE), the exits
 * (ARGO_AGG_STRATEGY) or the groups of b->by. */
typedef struct cell_ctx {
    book *b;
    argo_agg_by by;
    bool groups;
    int64_t cur; /* the group id of gs[cur_i] */
    size_t cur_i;
    bool have_cur;
    argo_err *err;
} cell_ctx;

static void group_key(const book *b, argo_agg_by by, int64_t id, char *key, size_t n)
{
    switch (by) {
    case ARGO_AGG_SYMBOL:
        if (id > 0 && id < b->c.nlast && b->names[id])
            snprintf(key, n, "%s", b->names[id]);
        else
            snprintf(key, n, "#%lld", (long long)id);
        break;
    case ARGO_AGG_STRATEGY:
        snprintf(key, n, "%s", argo_strategy_name((int)id));
        break;
    case ARGO_AGG_BUCKET:
        bucket_key((int)id, key, n);
        break;
    case ARGO_AGG_MONTH:
        snprintf(key, n, "%04lld-%02lld", (long long)(id / 100), (long long)(id % 100));
        break;
    case ARGO_AGG_EXIT:
        snprintf(key, n, "%s", argo_exit_reason_name((argo_exit_reason)(id & 3)));
        break;
    default:
        snprintf(key, n, "all");
    }
}

static int take_cell(void *ctx, const argo_outcome_cell *x)
{
    cell_ctx *t = ctx;
    book *b = t->b;
    if (!t->groups) {
        if (t->by == ARGO_AGG_NONE)
            return add_cell(&b->c, &b->total, x);
        if (x->group < 0 || x->group >= ARGO_STRAT_COUNT)
            return argo_err_set(t->err, ARGO_ECORRUPT, "aggregates: no strategy %lld",
                                (long long)x->group);
        return add_cell(&b->c, &b->exits[x->group], x);
    }
    if (!t->have_cur || x->group != t->cur) {
        char key[ARGO_SYMBOL_MAX];
        group_key(b, t->by, x->group, key, sizeof key);
        group *g = find_group(&b->gs, &b->ng, &b->capg, key);
        if (!g)
            return ARGO_ENOMEM;
        t->cur_i = (size_t)(g - b->gs);
        t->cur = x->group;
        t->have_cur = true;
    }
    return add_cell(&b->c, &b->gs[t->cur_i], x);
}

static int cells(argo_store *st, book *b, argo_agg_by by, bool groups, argo_err *err)
{
    cell_ctx t = {.b = b, .by = by, .groups = groups, .err = err};
    return argo_store_outcome_cells(st, by, &b->af, take_cell, &t, err);
}

static_assert((int)ARGO_AGG_NONE == (int)ARGO_BY_NONE &&
                  (int)ARGO_AGG_SYMBOL == (int)ARGO_BY_SYMBOL &&
                  (int)ARGO_AGG_STRATEGY == (int)ARGO_BY_STRATEGY &&
                  (int)ARGO_AGG_BUCKET == (int)ARGO_BY_BUCKET &&
                  (int)ARGO_AGG_MONTH == (int)ARGO_BY_MONTH &&
                  (int)ARGO_AGG_EXIT == (int)ARGO_BY_EXIT,
              "argo_stats_by and argo_agg_by name the same groupings");

int argo_stats_compute_filtered(argo_store *st, const argo_config *cfg, argo_stats_by by,
                                const argo_stats_filter *f, argo_stats **out, argo_err *err)
{
    assert(st && cfg && f && out && (size_t)by <= ARGO_BY_EXIT);
    *out = NULL;
    book b;
    all_ctx open = {0};
    int rc = book_init(&b, st, cfg, by, f, err);
    if (!rc && !(rc = argo_store_trading_days(st, &b.c.days.days, &b.c.days.n, err))) {
        b.c.days.cap = b.c.days.n;
        clip_days(&b.c.days, f->since, f->until);
    }
    if (!rc)
        rc = cells(st, &b, ARGO_AGG_NONE, false, err);
    if (!rc)
        rc = cells(st, &b, ARGO_AGG_STRATEGY, false, err);
    if (!rc && by != ARGO_BY_NONE)
        rc = cells(st, &b, (argo_agg_by)by, true, err);
    if (!rc)
        rc = argo_store_signals_open(st, 0, take, &open, err);
    for (size_t i = 0; !rc && i < open.n; i++)
        rc = book_signal(&b, &open.v[i]);
    if (!rc)
        rc = book_finish(&b, st, out, err);
    free(open.v);
    book_cleanup(&b);
    return oom(rc, err);
}

int argo_stats_compute(argo_store *st, const argo_config *cfg, argo_stats_by by, argo_stats **out,
                       argo_err *err)
{
    argo_stats_filter f;
    argo_stats_filter_init(&f);
    return argo_stats_compute_filtered(st, cfg, by, &f, out, err);
}

int argo_app_stats(argo_app *app, argo_stats_by by, argo_stats **out, argo_err *err)
{
    assert(app && app->store && out);
    return argo_stats_compute(app->store, &app->cfg, by, out, err);
}

int argo_app_stats_filtered(argo_app *app, argo_stats_by by, const argo_stats_filter *f,
                            argo_stats **out, argo_err *err)
{
    assert(app && app->store && out);
    return argo_stats_compute_filtered(app->store, &app->cfg, by, f, out, err);
}

void argo_stats_free(argo_stats *s)
{
    if (s) {
        free(s->daily);
        free(s->rows);
        free(s);
    }
}

/* v with the given decimals, a sign when signed, a % when pct; "-" for NAN. */
static void fmt(char *buf, size_t n, int decimals, bool sign, bool pct, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return;
    }
    snprintf(buf, n, sign ? "%+.*f%s" : "%.*f%s", decimals, v, pct ? "%" : "");
}

static void row_text(FILE *f, const argo_stats_row *r)
{
    char wr[16], aw[16], al[16], pf[16], ex[16], sh[16], dd[16], cv[16], sp[24] = "-";
    fmt(wr, sizeof wr, 1, false, true, 100 * r->win_rate);
    fmt(aw, sizeof aw, 2, true, false, r->avg_win);
    fmt(al, sizeof al, 2, true, false, r->avg_loss);
    fmt(pf, sizeof pf, 2, false, false, r->profit_factor);
    fmt(ex, sizeof ex, 3, true, false, r->expectancy);
    fmt(sh, sizeof sh, 2, false, false, r->sharpe);
    fmt(dd, sizeof dd, 1, false, false, r->max_drawdown);
    fmt(cv, sizeof cv, 1, false, true, 100 * r->coverage);
    if (r->suppressed >= 0)
        snprintf(sp, sizeof sp, "%lld", (long long)r->suppressed);
    fprintf(f, "%-12s %7zu %8zu %6zu %7s %7s %7s %6s %8s %6s %8s %8s %10s\n", r->key, r->signals,
            r->resolved, r->open, wr, aw, al, pf, ex, sh, dd, cv, sp);
}

int argo_stats_write(const argo_stats *s, argo_stats_by by, bool json, FILE *f, argo_err *err)
{
    if (json) {
        unsigned long jf = argo_json_failures();
        json_t *o = argo_json_stats(s, by);
        int rc = argo_json_print(o, ARGO_JSON_PRETTY, f, jf, err);
        json_decref(o);
        return rc;
    }
    fprintf(f, "%-12s %7s %8s %6s %7s %7s %7s %6s %8s %6s %8s %8s %10s\n",
            by == ARGO_BY_NONE ? "" : by_names[by], "signals", "resolved", "open", "win", "avg_win",
            "avg_los", "pf", "expect%", "sharpe", "max_dd", "coverage", "suppressed");
    for (size_t i = 0; i < s->nrows; i++)
        row_text(f, &s->rows[i]);
    row_text(f, &s->total);
    fprintf(f, "\nexits by strategy (signals the strategy voted for)\n");
    fprintf(f, "%-12s %8s %8s %8s %8s %7s\n", "strategy", "resolved", "target", "stop", "expiry",
            "win");
    for (int k = 0; k < ARGO_STRAT_COUNT; k++) {
        const argo_stats_row *r = &s->exits[k];
        char wr[16];
        fmt(wr, sizeof wr, 1, false, true, 100 * r->win_rate);
        fprintf(f, "%-12s %8zu %8zu %8zu %8zu %7s\n", r->key, r->resolved,
                r->by_exit[ARGO_EXIT_TARGET], r->by_exit[ARGO_EXIT_STOP],
                r->by_exit[ARGO_EXIT_EXPIRY], wr);
    }
    fprintf(f, "\noutcome coverage: %zu of %zu signals (%.1f%%)\n", s->total.covered,
            s->total.signals,
            s->total.signals ? 100.0 * s->total.covered / s->total.signals : 100.0);
    if (s->total.suppressed < 0)
        fprintf(f, "suppressed: - (no meaning with a strategy or date filter)\n");
    else
        fprintf(f,
                "suppressed: %lld signals not made, their target move within the round-trip cost"
                " plus [signal] min_edge_bps\n",
                (long long)s->total.suppressed);
    return ferror(f) ? argo_err_set(err, ARGO_EIO, "cannot write the report") : ARGO_OK;
}
