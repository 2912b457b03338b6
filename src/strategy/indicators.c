/* SPDX-License-Identifier: MIT */
/*
 * strategy/indicators.c - see indicators.h for the definitions and why
 * they are written here. Rolling sums are re-added from the window each
 * time the ring wraps (every n pushes, so O(1) amortized) to keep
 * floating-point drift from growing over long series.
 */
#include "strategy/indicators.h"

#include <assert.h>
#include <math.h>

static void ring_init(argo_ring *r, int cap, double *v)
{
    *r = (argo_ring){.cap = cap, .v = v};
}

/* Pushes x; returns the value it displaced (NAN while filling). */
static double ring_push(argo_ring *r, double x)
{
    double old = r->len == r->cap ? r->v[r->head] : NAN;
    r->v[r->head] = x;
    r->head = (r->head + 1) % r->cap;
    if (r->len < r->cap)
        r->len++;
    return old;
}

static void ring_visit(argo_ring *r, argo_sbuf *b)
{
    argo_sbuf_val(b, &r->len);
    argo_sbuf_val(b, &r->head);
    if (r->len < 0 || r->len > r->cap || r->head < 0 || r->head >= r->cap) {
        b->bad = true;
        r->len = r->head = 0;
        return;
    }
    argo_sbuf_bytes(b, r->v, sizeof(double) * (size_t)r->cap);
}

void argo_sma_init(argo_sma *s, int n, double *storage)
{
    assert(s && n >= 1 && storage);
    ring_init(&s->r, n, storage);
    s->sum = 0;
}

double argo_sma_push(argo_sma *s, double x)
{
    double old = ring_push(&s->r, x);
    if (isnan(old))
        s->sum += x;
    else if (s->r.head == 0) {
        s->sum = 0;
        for (int i = 0; i < s->r.cap; i++)
            s->sum += s->r.v[i];
    } else
        s->sum += x - old;
    return s->r.len == s->r.cap ? s->sum / s->r.cap : NAN;
}

void argo_sma_visit(argo_sma *s, argo_sbuf *b)
{
    ring_visit(&s->r, b);
    argo_sbuf_val(b, &s->sum);
}

void argo_ema_init(argo_ema *e, int n, bool wilder)
{
    assert(e && n >= 1);
    *e = (argo_ema){.n = n, .k = wilder ? 1.0 / n : 2.0 / (n + 1), .value = 0};
}

double argo_ema_push(argo_ema *e, double x)
{
    if (e->count < e->n) {
        e->value += x / e->n; /* TTR seeds with the sum of x/n */
        e->count++;
        return e->count == e->n ? e->value : NAN;
    }
    e->value = x * e->k + e->value * (1 - e->k);
    return e->value;
}

void argo_ema_visit(argo_ema *e, argo_sbuf *b)
{
    argo_sbuf_val(b, &e->count);
    argo_sbuf_val(b, &e->value);
}

void argo_sd_init(argo_sd *s, int n, bool sample, double *storage)
{
    assert(s && n >= 1 && storage);
    ring_init(&s->r, n, storage);
    s->sample = sample;
    s->mean = s->m2 = 0;
}

static void sd_recompute(argo_sd *s)
{
    double sum = 0;
    for (int i = 0; i < s->r.len; i++)
        sum += s->r.v[i];
    s->mean = sum / s->r.len;
    double m2 = 0;
    for (int i = 0; i < s->r.len; i++)
        m2 += (s->r.v[i] - s->mean) * (s->r.v[i] - s->mean);
    s->m2 = m2;
}

double argo_sd_push(argo_sd *s, double x)
{
    double old = ring_push(&s->r, x);
    if (isnan(old)) { /* filling: Welford's update */
        double d = x - s->mean;
        s->mean += d / s->r.len;
        s->m2 += d * (x - s->mean);
    } else if (s->r.head == 0) {
        sd_recompute(s);
    } else { /* replace old by x in a full window */
        double mean = s->mean + (x - old) / s->r.cap;
        s->m2 += (x - old) * (x - mean + old - s->mean);
        s->mean = mean;
    }
    if (s->r.len < s->r.cap)
        return NAN;
    double var = s->m2 / (s->sample ? s->r.cap - 1 : s->r.cap);
    return var > 0 ? sqrt(var) : 0.0;
}

void argo_sd_visit(argo_sd *s, argo_sbuf *b)
{
    ring_visit(&s->r, b);
    argo_sbuf_val(b, &s->mean);
    argo_sbuf_val(b, &s->m2);
}

void argo_rsi_init(argo_rsi *r, int n)
{
    assert(r && n >= 1);
    r->has_prev = false;
    r->prev = 0;
    argo_ema_init(&r->up, n, true);
    argo_ema_init(&r->dn, n, true);
}

double argo_rsi_push(argo_rsi *r, double close)
{
    if (!r->has_prev) {
        r->has_prev = true;
        r->prev = close;
        return NAN;
    }
    double d = close - r->prev;
    r->prev = close;
    double up = argo_ema_push(&r->up, d > 0 ? d : 0);
    double dn = argo_ema_push(&r->dn, d < 0 ? -d : 0);
    if (isnan(up))
        return NAN;
    return 100 * up / (up + dn);
}

void argo_rsi_visit(argo_rsi *r, argo_sbuf *b)
{
    argo_sbuf_val(b, &r->has_prev);
    argo_sbuf_val(b, &r->prev);
    argo_ema_visit(&r->up, b);
    argo_ema_visit(&r->dn, b);
}

void argo_atr_init(argo_atr *a, int n)
{
    assert(a && n >= 1);
    a->has_prev = false;
    a->prev_close = 0;
    a->tr = NAN;
    argo_ema_init(&a->e, n, true);
}

double argo_atr_push(argo_atr *a, double high, double low, double close)
{
    if (!a->has_prev) {
        a->has_prev = true;
        a->prev_close = close;
        a->tr = NAN;
        return NAN;
    }
    double th = high > a->prev_close ? high : a->prev_close;
    double tl = low < a->prev_close ? low : a->prev_close;
    a->prev_close = close;
    a->tr = th - tl;
    return argo_ema_push(&a->e, a->tr);
}

void argo_atr_visit(argo_atr *a, argo_sbuf *b)
{
    argo_sbuf_val(b, &a->has_prev);
    argo_sbuf_val(b, &a->prev_close);
    argo_sbuf_val(b, &a->tr);
    argo_ema_visit(&a->e, b);
}

void argo_macd_init(argo_macd *m, int fast, int slow, int sig)
{
    assert(m && fast >= 1 && slow >= 1 && sig >= 1);
    argo_ema_init(&m->fast, fast, false);
    argo_ema_init(&m->slow, slow, false);
    argo_ema_init(&m->sig, sig, false);
    m->macd = m->signal = m->hist = NAN;
}

double argo_macd_push(argo_macd *m, double x)
{
    double f = argo_ema_push(&m->fast, x);
    double s = argo_ema_push(&m->slow, x);
    m->macd = f - s; /* NAN until both are warm */
    m->signal = isnan(m->macd) ? NAN : argo_ema_push(&m->sig, m->macd);
    m->hist = m->macd - m->signal;
    return m->macd;
}

void argo_macd_visit(argo_macd *m, argo_sbuf *b)
{
    argo_ema_visit(&m->fast, b);
    argo_ema_visit(&m->slow, b);
    argo_ema_visit(&m->sig, b);
    argo_sbuf_val(b, &m->macd);
    argo_sbuf_val(b, &m->signal);
    argo_sbuf_val(b, &m->hist);
}

void argo_bbands_init(argo_bbands *bb, int n, double k, double *storage)
{
    assert(bb && n >= 1 && storage);
    argo_sma_init(&bb->mid, n, storage);
    argo_sd_init(&bb->sd, n, false, storage + n);
    bb->k = k;
    bb->dn = bb->mavg = bb->up = bb->pctb = NAN;
}

double argo_bbands_push(argo_bbands *bb, double x)
{
    bb->mavg = argo_sma_push(&bb->mid, x);
    double sd = argo_sd_push(&bb->sd, x);
    bb->up = bb->mavg + bb->k * sd;
    bb->dn = bb->mavg - bb->k * sd;
    bb->pctb = bb->up > bb->dn ? (x - bb->dn) / (bb->up - bb->dn) : NAN;
    if (!isnan(bb->mavg) && !(bb->up > bb->dn))
        bb->pctb = 0.5; /* a flat window: the price sits on the middle */
    return bb->mavg;
}

void argo_bbands_visit(argo_bbands *bb, argo_sbuf *b)
{
    argo_sma_visit(&bb->mid, b);
    argo_sd_visit(&bb->sd, b);
    argo_sbuf_val(b, &bb->dn);
    argo_sbuf_val(b, &bb->mavg);
    argo_sbuf_val(b, &bb->up);
    argo_sbuf_val(b, &bb->pctb);
}

static void deque_init(argo_deque *q, int cap, double *storage)
{
    *q = (argo_deque){.cap = cap, .v = storage, .seq = storage + cap};
}

/* Keeps the running extreme of the last n values: front is the max
 * (sign = 1) or the min (sign = -1). */
static double deque_push(argo_deque *q, double x, double seq, int n, int sign)
{
    while (q->len && q->seq[q->head] <= seq - n) {
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    while (q->len) {
        int back = (q->head + q->len - 1) % q->cap;
        if (sign * q->v[back] > sign * x)
            break;
        q->len--;
    }
    int at = (q->head + q->len) % q->cap;
    q->v[at] = x;
    q->seq[at] = seq;
    q->len++;
    return q->v[q->head];
}

static void deque_visit(argo_deque *q, argo_sbuf *b)
{
    argo_sbuf_val(b, &q->head);
    argo_sbuf_val(b, &q->len);
    if (q->head < 0 || q->head >= q->cap || q->len < 0 || q->len > q->cap) {
        b->bad = true;
        q->head = q->len = 0;
        return;
    }
    argo_sbuf_bytes(b, q->v, sizeof(double) * 2 * (size_t)q->cap);
}

void argo_donchian_init(argo_donchian *d, int n, double *storage)
{
    assert(d && n >= 1 && storage);
    d->n = n;
    d->seq = 0;
    deque_init(&d->hi, n, storage);
    deque_init(&d->lo, n, storage + 2 * n);
    d->high = d->low = NAN;
}

void argo_donchian_push(argo_donchian *d, double high, double low)
{
    d->seq += 1;
    double h = deque_push(&d->hi, high, d->seq, d->n, 1);
    double l = deque_push(&d->lo, low, d->seq, d->n, -1);
    d->high = d->seq >= d->n ? h : NAN;
    d->low = d->seq >= d->n ? l : NAN;
}

void argo_donchian_visit(argo_donchian *d, argo_sbuf *b)
{
    argo_sbuf_val(b, &d->seq);
    deque_visit(&d->hi, b);
    deque_visit(&d->lo, b);
    argo_sbuf_val(b, &d->high);
    argo_sbuf_val(b, &d->low);
}
