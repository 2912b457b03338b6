/* SPDX-License-Identifier: MIT */
/*
 * app/json.c - the JSON documents of argo's results.
 */
#include "app/json.h"

#include "base/jsonmem.h"
#include "base/timeutil.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* a number, or null where it is undefined */
static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *date(int64_t ts)
{
    char s[32];
    return json_string(argo_time_format(ts, s, sizeof s));
}

/* ---- signals ---------------------------------------------------------------- */

json_t *argo_json_signal(const argo_signal *g)
{
    assert(g);
    json_t *o = json_object(), *votes = json_object();
    json_object_set_new(o, "id", json_integer(g->id));
    json_object_set_new(o, "symbol", json_string(g->symbol));
    json_object_set_new(o, "action", json_string(argo_action_name(g->action)));
    json_object_set_new(o, "ts", date(g->ts));
    json_object_set_new(o, "entry", json_real(g->entry));
    json_object_set_new(o, "target", json_real(g->target));
    json_object_set_new(o, "stop", json_real(g->stop));
    json_object_set_new(o, "raw_confidence", json_real(g->raw_confidence));
    json_object_set_new(o, "confidence", json_real(g->confidence));
    json_object_set_new(o, "model_version",
                        g->model_version ? json_integer(g->model_version) : json_null());
    json_object_set_new(o, "published", json_boolean(g->published));
    for (int k = 0; k < ARGO_STRAT_COUNT; k++)
        json_object_set_new(votes, argo_strategy_name(k),
                            json_real(g->votes[k].dir * g->votes[k].strength));
    json_object_set_new(o, "votes", votes);
    json_object_set_new(o, "expires_at", date(g->expires_at));
    json_object_set_new(o, "status", json_string(argo_status_name(g->status)));
    if (g->status != ARGO_OPEN) {
        json_object_set_new(o, "exit_reason", json_string(argo_exit_reason_name(g->exit_reason)));
        json_object_set_new(o, "gap", json_boolean(g->gap));
        json_object_set_new(o, "exit_ts", date(g->exit_ts));
        json_object_set_new(o, "exit_price", json_real(g->exit_price));
        json_object_set_new(o, "pnl_pct", json_real(g->pnl_pct));
    }
    json_object_set_new(o, "bars_held", json_integer(g->bars_held));
    json_object_set_new(o, "mfe_pct", json_real(g->mfe_pct));
    json_object_set_new(o, "mae_pct", json_real(g->mae_pct));
    return o;
}

json_t *argo_json_signals(const argo_signal_list *l)
{
    assert(l);
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, argo_json_signal(&l->v[i]));
    return a;
}

/* A page of signals: the page, and the cursor of the next one when there
 * is one (a string: an id is a 64-bit number, beyond a double's exact range). */
json_t *argo_json_signal_page(const argo_signal_list *l, bool more)
{
    assert(l);
    json_t *o = json_object();
    json_object_set_new(o, "signals", argo_json_signals(l));
    char cursor[24];
    if (more && l->n) {
        snprintf(cursor, sizeof cursor, "%lld", (long long)l->v[l->n - 1].id);
        json_object_set_new(o, "next_cursor", json_string(cursor));
    } else
        json_object_set_new(o, "next_cursor", json_null());
    return o;
}

/* ---- argo_json_signal, compact, without the document ----------------- */

typedef struct out {
    char *p, *end;
    bool ok; /* false once something did not fit or could not be written */
} out;

static void put(out *o, const char *s, size_t n)
{
    if (!o->ok || (size_t)(o->end - o->p) <= n) {
        o->ok = false;
        return;
    }
    memcpy(o->p, s, n);
    o->p += n;
}

static void put_s(out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* A JSON string as jansson writes it (no JSON_ENSURE_ASCII, no
 * JSON_ESCAPE_SLASH): " and \ escaped, control characters as \b \f
 * \n \r \t or \u00XX, everything else as is. */
static void put_str(out *o, const char *s)
{
    put(o, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            put(o, e, 2);
        } else if (c < 0x20) {
            const char *short_ = c == '\b'   ? "\\b"
                                 : c == '\f' ? "\\f"
                                 : c == '\n' ? "\\n"
                                 : c == '\r' ? "\\r"
                                 : c == '\t' ? "\\t"
                                             : NULL;
            if (short_)
                put_s(o, short_);
            else {
                snprintf(e, sizeof e, "\\u%04X", c);
                put_s(o, e);
            }
        } else
            put(o, s, 1);
    }
    put(o, "\"", 1);
}

/* A real as jansson's jsonp_dtostr writes it with precision 17: %.17g,
 * ".0" added when there is neither '.' nor 'e', the exponent without
 * '+' and without leading zeros. */
static void put_real(out *o, double v)
{
    if (!isfinite(v)) {
        o->ok = false; /* json_real refuses it: the document has no such key */
        return;
    }
    char b[40];
    if (v == 0) { /* common (a strategy that did not vote): no printf */
        put_s(o, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    int n = snprintf(b, sizeof b, "%.17g", v);
    if (n <= 0 || n >= (int)sizeof b - 2) {
        o->ok = false;
        return;
    }
    char *e = strchr(b, 'e');
    if (!e && !strchr(b, '.')) {
        memcpy(b + n, ".0", 3);
        n += 2;
    }
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)(b + n - end) + 1);
            n -= (int)(end - start);
        }
    }
    put(o, b, (size_t)n);
}

static void put_int(out *o, long long v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%lld", v);
    put(o, b, (size_t)n);
}

static void put_key(out *o, const char *key)
{
    /* every key of a signal is plain: no escaping */
    put(o, ",\"", 2);
    put_s(o, key);
    put(o, "\":", 2);
}

static void put_date(out *o, int64_t ts)
{
    char s[32];
    put_str(o, argo_time_format(ts, s, sizeof s));
}

size_t argo_json_signal_compact(const argo_signal *g, char *buf, size_t n)
{
    assert(g && (buf || !n));
    out o = {buf, buf + n, n > 0};
    put_s(&o, "{\"id\":");
    put_int(&o, (long long)g->id);
    put_key(&o, "symbol");
    put_str(&o, g->symbol);
    put_key(&o, "action");
    put_str(&o, argo_action_name(g->action));
    put_key(&o, "ts");
    put_date(&o, g->ts);
    put_key(&o, "entry");
    put_real(&o, g->entry);
    put_key(&o, "target");
    put_real(&o, g->target);
    put_key(&o, "stop");
    put_real(&o, g->stop);
    put_key(&o, "raw_confidence");
    put_real(&o, g->raw_confidence);
    put_key(&o, "confidence");
    put_real(&o, g->confidence);
    put_key(&o, "model_version");
    if (g->model_version)
        put_int(&o, (long long)g->model_version);
    else
        put_s(&o, "null");
    put_key(&o, "published");
    put_s(&o, g->published ? "true" : "false");
    put_s(&o, ",\"votes\":{");
    for (int k = 0; k < ARGO_STRAT_COUNT; k++) {
        if (k)
            put(&o, ",", 1);
        put_str(&o, argo_strategy_name(k));
        put(&o, ":", 1);
        put_real(&o, g->votes[k].dir * g->votes[k].strength);
    }
    put(&o, "}", 1);
    put_key(&o, "expires_at");
    put_date(&o, g->expires_at);
    put_key(&o, "status");
    put_str(&o, argo_status_name(g->status));
    if (g->status != ARGO_OPEN) {
        put_key(&o, "exit_reason");
        put_str(&o, argo_exit_reason_name(g->exit_reason));
        put_key(&o, "gap");
        put_s(&o, g->gap ? "true" : "false");
        put_key(&o, "exit_ts");
        put_date(&o, g->exit_ts);
        put_key(&o, "exit_price");
        put_real(&o, g->exit_price);
        put_key(&o, "pnl_pct");
        put_real(&o, g->pnl_pct);
    }
    put_key(&o, "bars_held");
    put_int(&o, (long long)g->bars_held);
    put_key(&o, "mfe_pct");
    put_real(&o, g->mfe_pct);
    put_key(&o, "mae_pct");
    put_real(&o, g->mae_pct);
    put(&o, "}", 1);
    if (!o.ok)
        return 0;
    *o.p = 0;
    return (size_t)(o.p - buf);
}

json_t *argo_json_bar(const argo_bar *b)
{
    assert(b);
    json_t *o = json_object();
    json_object_set_new(o, "ts", date(b->ts));
    json_object_set_new(o, "open", json_real(b->open));
    json_object_set_new(o, "high", json_real(b->high));
    json_object_set_new(o, "low", json_real(b->low));
    json_object_set_new(o, "close", json_real(b->close));
    json_object_set_new(o, "volume", json_real(b->volume));
    return o;
}

/* ---- stats ------------------------------------------------------------------ */

static json_t *stats_row(const argo_stats_row *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "key", json_string(r->key));
    json_object_set_new(o, "signals", json_integer((json_int_t)r->signals));
    json_object_set_new(o, "resolved", json_integer((json_int_t)r->resolved));
    json_object_set_new(o, "open", json_integer((json_int_t)r->open));
    json_object_set_new(o, "wins", json_integer((json_int_t)r->wins));
    json_object_set_new(o, "losses", json_integer((json_int_t)r->losses));
    json_object_set_new(o, "expired", json_integer((json_int_t)r->expired));
    json_object_set_new(o, "win_rate", num(r->win_rate));
    json_object_set_new(o, "avg_win_pct", num(r->avg_win));
    json_object_set_new(o, "avg_loss_pct", num(r->avg_loss));
    json_object_set_new(o, "profit_factor", num(r->profit_factor));
    json_object_set_new(o, "expectancy_pct", num(r->expectancy));
    json_object_set_new(o, "sharpe", num(r->sharpe));
    json_object_set_new(o, "max_drawdown_pct", num(r->max_drawdown));
    json_object_set_new(o, "coverage", num(r->coverage));
    json_object_set_new(o, "suppressed",
                        r->suppressed >= 0 ? json_integer((json_int_t)r->suppressed) : json_null());
    json_t *ex = json_object();
    for (int i = ARGO_EXIT_TARGET; i <= ARGO_EXIT_EXPIRY; i++)
        json_object_set_new(ex, argo_exit_reason_name((argo_exit_reason)i),
                            json_integer((json_int_t)r->by_exit[i]));
    json_object_set_new(o, "exits", ex);
    return o;
}

json_t *argo_json_stats(const argo_stats *s, argo_stats_by by)
{
    assert(s);
    json_t *o = json_object(), *rows = json_array(), *exits = json_array();
    json_object_set_new(o, "total", stats_row(&s->total));
    json_object_set_new(o, "suppressed",
                        s->total.suppressed >= 0 ? json_integer((json_int_t)s->total.suppressed)
                                                 : json_null()); /* a strategy or date filter */
    json_object_set_new(o, "by", json_string(argo_stats_by_name(by)));
    for (size_t i = 0; i < s->nrows; i++)
        json_array_append_new(rows, stats_row(&s->rows[i]));
    json_object_set_new(o, "groups", rows);
    for (int k = 0; k < ARGO_STRAT_COUNT; k++)
        json_array_append_new(exits, stats_row(&s->exits[k]));
    json_object_set_new(o, "exits_by_strategy", exits);
    return o;
}

static json_t *month_json(int ym, double pnl, size_t resolved, size_t wins)
{
    char key[16];
    snprintf(key, sizeof key, "%04d-%02d", ym / 100, ym % 100);
    return json_pack("{s:s,s:f,s:I,s:I}", "month", key, "pnl_pct", pnl, "resolved",
                     (json_int_t)resolved, "wins", (json_int_t)wins);
}

json_t *argo_json_stats_daily(const argo_stats *s)
{
    assert(s);
    json_t *days = json_array(), *months = json_array();
    int cur = -1;
    double mpnl = 0;
    size_t mres = 0, mwins = 0;
    for (size_t i = 0; i < s->ndaily; i++) {
        const argo_stats_day *x = &s->daily[i];
        int y, m, d;
        argo_time_civil(x->day, &y, &m, &d);
        if (cur >= 0 && y * 100 + m != cur) {
            json_array_append_new(months, month_json(cur, mpnl, mres, mwins));
            mpnl = 0;
            mres = mwins = 0;
        }
        cur = y * 100 + m;
        mpnl += x->pnl;
        mres += x->resolved;
        mwins += x->wins;
        json_array_append_new(
            days, json_pack("{s:o,s:f,s:f,s:f,s:I,s:I}", "date", date(x->day), "pnl_pct", x->pnl,
                            "equity_pct", x->equity, "drawdown_pct", x->drawdown, "resolved",
                            (json_int_t)x->resolved, "wins", (json_int_t)x->wins));
    }
    if (cur >= 0)
        json_array_append_new(months, month_json(cur, mpnl, mres, mwins));
    return json_pack("{s:o,s:o,s:o,s:o}", "days", days, "months", months, "total_pnl_pct",
                     s->ndaily ? json_real(s->daily[s->ndaily - 1].equity) : json_null(),
                     "max_drawdown_pct", num(s->total.max_drawdown));
}

/* ---- calibration ------------------------------------------------------------ */

json_t *argo_json_calib_fit(const argo_calib_fit_result *r)
{
    assert(r);
    json_t *o = json_object(), *xs = json_array(), *ys = json_array();
    for (size_t i = 0; i < r->n; i++) {
        json_array_append_new(xs, json_real(r->x[i]));
        json_array_append_new(ys, json_real(r->y[i]));
    }
    json_object_set_new(o, "version", json_integer(r->version));
    json_object_set_new(o, "samples", json_integer((json_int_t)r->samples));
    json_object_set_new(o, "x", xs);
    json_object_set_new(o, "y", ys);
    return o;
}

static json_t *metrics_json(const argo_calib_metrics *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "brier", num(m->brier));
    json_object_set_new(o, "log_loss", num(m->log_loss));
    json_object_set_new(o, "ece", num(m->ece));
    json_object_set_new(o, "mce", num(m->mce));
    return o;
}

static json_t *eval_json(const argo_calib_eval *e)
{
    json_t *o = json_object(), *rel = json_array();
    json_object_set_new(o, "n", json_integer((json_int_t)e->raw.n));
    json_object_set_new(o, "raw", metrics_json(&e->raw));
    json_object_set_new(o, "calibrated", metrics_json(&e->cal));
    for (int b = 0; b < ARGO_REPORT_BINS; b++) {
        json_t *row = json_object();
        json_object_set_new(row, "bin", json_real(b / (double)ARGO_REPORT_BINS));
        json_object_set_new(row, "raw_mean_predicted", num(e->rel_raw[b].mean_pred));
        json_object_set_new(row, "raw_observed", num(e->rel_raw[b].observed));
        json_object_set_new(row, "raw_count", json_integer((json_int_t)e->rel_raw[b].count));
        json_object_set_new(row, "cal_mean_predicted", num(e->rel_cal[b].mean_pred));
        json_object_set_new(row, "cal_observed", num(e->rel_cal[b].observed));
        json_object_set_new(row, "cal_count", json_integer((json_int_t)e->rel_cal[b].count));
        json_array_append_new(rel, row);
    }
    json_object_set_new(o, "reliability", rel);
    return o;
}

json_t *argo_json_calib_report(const argo_calib_report *r)
{
    assert(r);
    json_t *o = json_object(), *th = json_array();
    json_object_set_new(o, "resolved_signals", json_integer((json_int_t)r->outcomes));
    json_object_set_new(o, "train_fraction", json_real(r->train_fraction));
    json_object_set_new(o, "split", date(r->split_ts));
    json_object_set_new(o, "train_outcomes", json_integer((json_int_t)r->train_n));
    json_object_set_new(o, "holdout", eval_json(&r->holdout));
    json_object_set_new(o, "folds", json_integer(r->folds));
    json_object_set_new(o, "walk_forward", eval_json(&r->walk));
    json_object_set_new(o, "as_stored", eval_json(&r->stored));
    for (size_t k = 0; k < r->nthresholds; k++) {
        const argo_calib_threshold *t = &r->thresholds[k];
        json_t *row = json_object();
        json_object_set_new(row, "threshold", json_real(t->threshold));
        json_object_set_new(row, "raw_published", json_integer((json_int_t)t->raw_n));
        json_object_set_new(row, "raw_win_rate",
                            t->raw_n ? json_real((double)t->raw_wins / t->raw_n) : json_null());
        json_object_set_new(row, "calibrated_published", json_integer((json_int_t)t->cal_n));
        json_object_set_new(row, "calibrated_win_rate",
                            t->cal_n ? json_real((double)t->cal_wins / t->cal_n) : json_null());
        json_array_append_new(th, row);
    }
    json_object_set_new(o, "published_walk_forward", th);
    return o;
}

json_t *argo_json_models(const argo_model_list *l)
{
    assert(l);
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++) {
        const argo_model_row *m = &l->v[i].row;
        json_t *o = json_object();
        json_object_set_new(o, "version", json_integer(m->version));
        json_object_set_new(o, "scope", json_string(m->scope));
        json_object_set_new(o, "symbol", m->symbol_id ? json_string(l->v[i].symbol) : json_null());
        json_object_set_new(o, "samples", json_integer(m->samples));
        json_object_set_new(o, "trained_through", date(m->trained_through));
        json_object_set_new(o, "brier_raw", num(m->brier_raw));
        json_object_set_new(o, "brier", num(m->brier));
        json_object_set_new(o, "ece_raw", num(m->ece_raw));
        json_object_set_new(o, "ece", num(m->ece));
        json_object_set_new(o, "created_at", date(m->created_at));
        json_array_append_new(a, o);
    }
    return a;
}

/* ---- backups ---------------------------------------------------------------- */

json_t *argo_json_backup(const argo_app_backup_result *r)
{
    assert(r);
    json_t *a = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const argo_app_backup_day *d = &r->days[i];
        json_t *o = json_object();
        json_object_set_new(o, "date", date(d->day));
        json_object_set_new(o, "signals", json_integer((json_int_t)d->r.signals));
        json_object_set_new(o, "outcomes", json_integer((json_int_t)d->r.outcomes));
        json_object_set_new(o, "version", json_integer(d->r.version));
        json_object_set_new(o, "unchanged", json_boolean(d->r.unchanged));
        json_array_append_new(a, o);
    }
    return a;
}

json_t *argo_json_backup_verify(const argo_app_verify_result *r)
{
    assert(r);
    json_t *o = json_object();
    json_object_set_new(o, "days", json_integer((json_int_t)r->days));
    json_object_set_new(o, "files", json_integer((json_int_t)r->files));
    return o;
}

json_t *argo_json_health(const argo_app_health *h)
{
    assert(h);
    json_t *o = json_object(), *st = json_object(), *bk = json_object();
    json_object_set_new(st, "ok", json_boolean(h->store_ok));
    json_object_set_new(st, "symbols", json_integer((json_int_t)h->symbols));
    json_object_set_new(st, "newest_bar",
                        h->newest_bar != INT64_MIN ? date(h->newest_bar) : json_null());
    json_object_set_new(st, "open_signals", json_integer((json_int_t)h->open_signals));
    json_object_set_new(st, "error", h->store_ok ? json_null() : json_string(h->store_error));
    json_object_set_new(o, "store", st);
    json_object_set_new(bk, "last_day", h->backup_found ? date(h->last_backup_day) : json_null());
    json_object_set_new(bk, "verified", json_boolean(h->backup_ok));
    json_object_set_new(bk, "files", json_integer((json_int_t)h->backup_files));
    json_object_set_new(bk, "error", h->backup_ok ? json_null() : json_string(h->backup_error));
    json_object_set_new(o, "backup", bk);
    json_object_set_new(o, "ok", json_boolean(h->store_ok && h->backup_ok));
    return o;
}

/* s as a JSON string; bytes that are not UTF-8 (a path, a detail cut
 * mid-character) become '?', so the value is never dropped. */
static json_t *health_text(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    char buf[ARGO_ERR_MSG_MAX];
    size_t n = 0;
    for (; s[n] && n < sizeof buf - 1; n++)
        buf[n] = (unsigned char)s[n] < 0x80 ? s[n] : '?';
    buf[n] = 0;
    return json_string(buf);
}

json_t *argo_json_health_report(const argo_health_report *r)
{
    assert(r);
    json_t *o = json_object(), *checks = json_array();
    json_object_set_new(o, "level", json_integer(r->level));
    json_object_set_new(o, "status", json_string(argo_health_status_name(r->status)));
    for (size_t i = 0; i < r->n; i++) {
        const argo_health_item *it = &r->items[i];
        json_t *c = json_object();
        json_object_set_new(c, "name", health_text(it->name));
        json_object_set_new(c, "status", json_string(argo_health_status_name(it->status)));
        json_object_set_new(c, "detail", health_text(it->detail));
        /* to the microsecond: the clock's noise below it says nothing */
        json_object_set_new(c, "duration_ms", json_real(round(it->duration_ms * 1000) / 1000));
        json_array_append_new(checks, c);
    }
    json_object_set_new(o, "checks", checks);
    return o;
}

static json_t *time_or_null(int64_t ts)
{
    char t[32];
    return ts == INT64_MIN ? json_null() : json_string(argo_time_format(ts, t, sizeof t));
}

json_t *argo_json_fetch(const argo_fetch_report *r)
{
    assert(r);
    json_t *o = json_object(), *syms = json_array();
    json_object_set_new(o, "symbols_asked", json_integer((json_int_t)r->nsymbols));
    json_object_set_new(o, "updated", json_integer((json_int_t)r->updated));
    json_object_set_new(o, "unchanged", json_integer((json_int_t)r->unchanged));
    json_object_set_new(o, "not_fetched", json_integer((json_int_t)r->not_fetched));
    json_object_set_new(o, "failed", json_integer((json_int_t)r->failed));
    json_object_set_new(o, "batches", json_integer((json_int_t)r->batches));
    json_object_set_new(o, "batches_not_sent", json_integer((json_int_t)r->batches_not_sent));
    json_object_set_new(o, "batches_failed", json_integer((json_int_t)r->batches_failed));
    json_object_set_new(o, "calls", json_integer(r->calls));
    json_object_set_new(o, "retries", json_integer(r->retries));
    json_object_set_new(o, "not_modified", json_integer(r->not_modified));
    json_object_set_new(o, "cache_hit_rate",
                        isfinite(r->hit_rate) ? json_real(r->hit_rate) : json_null());
    json_object_set_new(o, "bytes", json_integer(r->bytes));
    json_object_set_new(o, "bars", json_integer((json_int_t)r->bars));
    json_object_set_new(o, "duplicates", json_integer((json_int_t)r->duplicates));
    json_object_set_new(o, "corrections", json_integer((json_int_t)r->corrections));
    json_object_set_new(o, "gaps", json_integer((json_int_t)r->gaps));
    json_object_set_new(o, "calls_today", json_integer(r->calls_today));
    json_object_set_new(o, "budget_per_cycle",
                        r->budget_cycle ? json_integer(r->budget_cycle) : json_null());
    json_object_set_new(o, "budget_per_day",
                        r->budget_day ? json_integer(r->budget_day) : json_null());
    json_object_set_new(o, "ratelimit_remaining",
                        r->ratelimit_remaining >= 0 ? json_integer(r->ratelimit_remaining)
                                                    : json_null());
    json_object_set_new(o, "seconds", json_real(round(r->seconds * 1000) / 1000));
    json_object_set_new(o, "error", r->first_error[0] ? json_string(r->first_error) : json_null());
    for (size_t i = 0; i < r->nsymbols; i++) {
        const argo_fetch_symbol *f = &r->symbols[i];
        json_t *s = json_object();
        json_object_set_new(s, "symbol", json_string(f->symbol));
        json_object_set_new(s, "status", json_string(argo_fetch_status_name(f->status)));
        json_object_set_new(s, "from", time_or_null(f->from));
        json_object_set_new(s, "last", time_or_null(f->last_ts));
        json_object_set_new(s, "bars", json_integer((json_int_t)f->bars));
        json_object_set_new(s, "duplicates", json_integer((json_int_t)f->duplicates));
        json_object_set_new(s, "corrections", json_integer((json_int_t)f->corrections));
        json_object_set_new(s, "gaps", json_integer((json_int_t)f->gaps));
        json_array_append_new(syms, s);
    }
    json_object_set_new(o, "symbols", syms);
    return o;
}

/* ---- writing ---------------------------------------------------------------- */

int argo_json_print(const json_t *doc, argo_json_style style, FILE *f, unsigned long jf,
                    argo_err *err)
{
    assert(f);
    static const size_t flags[] = {
        [ARGO_JSON_PRETTY] = JSON_INDENT(2) | JSON_REAL_PRECISION(17),
        [ARGO_JSON_COMPACT] = JSON_COMPACT | JSON_REAL_PRECISION(17),
        [ARGO_JSON_REPORT] = JSON_INDENT(2) | JSON_REAL_PRECISION(10),
    };
    static_assert(sizeof flags / sizeof flags[0] == ARGO_JSON_REPORT + 1, "one entry per style");
    assert((size_t)style < sizeof flags / sizeof flags[0]);
    return argo_json_emit(doc, f, flags[style], jf, err);
}
