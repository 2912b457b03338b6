/* SPDX-License-Identifier: MIT */
/*
 * calibrate/isotonic.c - see isotonic.h. PAV keeps a stack of blocks
 * (weighted mean, weight, first point); each new point is pushed and
 * merged backwards while the previous block's mean is not below it,
 * which is O(n) overall. Sorting is an LSD radix sort over the keys'
 * order-preserving 64-bit images, skipping digits all keys share;
 * quantized x (decimals of up to 6 places) are bucketed instead.
 */
#include "calibrate/isotonic.h"

#include "calibrate/iso_int.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TIE_EPS ARGO_ISO_TIE_EPS

void argo_iso_model_free(argo_iso_model *m)
{
    if (m) {
        free(m->x);
        free(m->y);
        free(m->lut);
        free(m);
    }
}

/* Builds the bucket table; without memory, predictions fall back to a
 * plain binary search (lut_n = 0). */
static void build_lut(argo_iso_model *m)
{
    m->lut_n = 0;
    if (m->n < 8 || !(m->x[m->n - 1] > m->x[0]))
        return;
    size_t nb = m->n * 4;
    if (nb > 65536)
        nb = 65536;
    m->lut = malloc(nb * sizeof *m->lut);
    if (!m->lut)
        return;
    double span = m->x[m->n - 1] - m->x[0];
    m->lut_scale = (double)nb / span;
    size_t k = 0;
    for (size_t b = 0; b < nb; b++) {
        double start = m->x[0] + (double)b / m->lut_scale;
        while (k < m->n - 1 && m->x[k] < start)
            k++;
        m->lut[b] = (uint32_t)(k > 0 ? k - 1 : 0);
    }
    m->lut_n = nb;
}

static argo_iso_model *model_alloc(size_t n)
{
    argo_iso_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->x = malloc((n ? n : 1) * sizeof *m->x);
    m->y = malloc((n ? n : 1) * sizeof *m->y);
    if (!m->x || !m->y) {
        argo_iso_model_free(m);
        return NULL;
    }
    return m;
}

int argo_iso_model_from_points(const double *x, const double *y, size_t n, argo_iso_model **out,
                               argo_err *err)
{
    *out = NULL;
    if (n == 0)
        return argo_err_set(err, ARGO_EDATA, "a model needs at least one point");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || !isfinite(y[i]) || (i && (x[i] <= x[i - 1] || y[i] < y[i - 1])))
            return argo_err_set(err, ARGO_ECORRUPT, "model point %zu is not finite or not in order",
                                i + 1);
    argo_iso_model *m = model_alloc(n);
    if (!m)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory for a model");
    memcpy(m->x, x, n * sizeof *x);
    memcpy(m->y, y, n * sizeof *y);
    m->n = m->distinct = n;
    build_lut(m);
    *out = m;
    return ARGO_OK;
}

static int check(const double *x, const double *y, const double *w, size_t n, argo_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return argo_err_set(err, ARGO_EINVAL, "sample %zu: x and y must be finite", i + 1);
        if (w && !(isfinite(w[i]) && w[i] >= 0))
            return argo_err_set(err, ARGO_EINVAL, "sample %zu: weight must be a finite number >= 0",
                                i + 1);
    }
    return ARGO_OK;
}

static double clip_p(double p)
{
    return p < 1e-15 ? 1e-15 : p > 1 - 1e-15 ? 1 - 1e-15 : p;
}

/* Pools blocks lighter than min_w into their right neighbour (the last
 * one into its left), as isotonic.h says; returns the new count. */
static size_t pool_sparse(argo_iso_block *b, size_t nb, double min_w)
{
    size_t k = 0;
    for (size_t i = 0; i < nb; i++) {
        if (k > 0 && b[k - 1].w < min_w) {
            b[k - 1].x1 = b[i].x1;
            b[k - 1].w += b[i].w;
            b[k - 1].s += b[i].s;
            b[k - 1].q += b[i].q;
            b[k - 1].distinct += b[i].distinct;
            continue;
        }
        b[k++] = b[i];
    }
    if (k > 1 && b[k - 1].w < min_w) {
        b[k - 2].x1 = b[k - 1].x1;
        b[k - 2].w += b[k - 1].w;
        b[k - 2].s += b[k - 1].s;
        b[k - 2].q += b[k - 1].q;
        b[k - 2].distinct += b[k - 1].distinct;
        k--;
    }
    return k;
}

int argo_iso_model_from_blocks(argo_iso_block *b, size_t nb, double shrink, double min_block,
                               argo_iso_model **out, argo_iso_fit_stats *stats, argo_err *err)
{
    assert(nb >= 1);
    *out = NULL;
    size_t distinct = 0;
    for (size_t i = 0; i < nb; i++)
        distinct += b[i].distinct;
    if (min_block > 0)
        nb = pool_sparse(b, nb, min_block);
    double *bv = malloc(nb * sizeof *bv);
    if (!bv)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory for a model of %zu blocks", nb);
    for (size_t i = 0; i < nb; i++)
        bv[i] = b[i].s / b[i].w;
    if (shrink > 0) { /* blend every block toward the weighted mean of y */
        double tw = 0, ts = 0;
        for (size_t i = 0; i < nb; i++) {
            tw += b[i].w;
            ts += b[i].s;
        }
        double wt = tw / (tw + shrink), mean = ts / tw;
        for (size_t i = 0; i < nb; i++)
            bv[i] = wt * bv[i] + (1 - wt) * mean;
    }
    /* Block values strictly increase, so sklearn's trimming keeps exactly
     * the first and the last point of every block. */
    argo_iso_model *m = model_alloc(2 * nb);
    if (!m) {
        free(bv);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory for a model of %zu blocks", nb);
    }
    size_t k = 0;
    for (size_t i = 0; i < nb; i++) {
        m->x[k] = b[i].x0;
        m->y[k++] = bv[i];
        if (b[i].distinct > 1) {
            m->x[k] = b[i].x1;
            m->y[k++] = bv[i];
        }
    }
    m->n = k;
    m->distinct = distinct;
    build_lut(m);
    if (stats) {
        double tw = 0, brier = 0, ll = 0, sp[10] = {0}, sl[10] = {0}, cw[10] = {0};
        for (size_t i = 0; i < nb; i++) {
            double f = bv[i], c = clip_p(f), w = b[i].w, s = b[i].s;
            tw += w;
            brier += w * f * f - 2 * f * s + b[i].q;
            ll -= s * log(c) + (w - s) * log(1 - c);
            int bin = (int)(f * 10);
            bin = bin < 0 ? 0 : bin > 9 ? 9 : bin;
            sp[bin] += w * f;
            sl[bin] += s;
            cw[bin] += w;
        }
        double ece = 0;
        for (int i = 0; i < 10; i++)
            if (cw[i] > 0)
                ece += fabs(sp[i] - sl[i]) / tw;
        *stats = (argo_iso_fit_stats){tw, brier / tw, ll / tw, ece};
    }
    free(bv);
    *out = m;
    return ARGO_OK;
}

static int fit_core(const double *x, const double *y, const double *w, size_t n, double shrink,
                    double min_block, argo_iso_model **out, argo_iso_fit_stats *stats,
                    argo_err *err)
{
    *out = NULL;
    int rc = check(x, y, w, n, err);
    if (rc)
        return rc;
    /* One pass: pool ties (as sklearn's _make_unique: x within TIE_EPS
     * of the group's first x) into points, and push each point on the
     * PAV stack. */
    argo_iso_block *st = malloc((n ? n : 1) * sizeof *st);
    if (!st)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory fitting %zu samples", n);
    size_t nb = 0;
    argo_iso_block p = {0};
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        if (!(wi > 0))
            continue;
        if (any && !(x[i] - p.x0 >= TIE_EPS)) {
            p.w += wi;
            p.s += y[i] * wi;
            p.q += y[i] * y[i] * wi;
            continue;
        }
        if (any)
            argo_iso_pav_push(st, &nb, p);
        any = true;
        p = (argo_iso_block){x[i], x[i], wi, y[i] * wi, y[i] * y[i] * wi, 1};
    }
    if (!any)
        rc = argo_err_set(err, ARGO_EDATA, "empty training set: no sample with weight > 0");
    else {
        argo_iso_pav_push(st, &nb, p);
        rc = argo_iso_model_from_blocks(st, nb, shrink, min_block, out, stats, err);
    }
    free(st);
    return rc;
}

int argo_iso_fit_sorted(const double *x, const double *y, const double *w, size_t n,
                        argo_iso_model **out, argo_iso_fit_stats *stats, argo_err *err)
{
    return fit_core(x, y, w, n, 0, 0, out, stats, err);
}

typedef struct keyed {
    double key;
    size_t at;
} keyed;

static int by_key_then_index(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

#define RADIX_MIN 2048 /* below this a comparison sort is cheaper */

int argo_iso_sort(const double *keys, size_t n, size_t *perm, argo_err *err)
{
    if (n < RADIX_MIN) {
        keyed *v = malloc((n ? n : 1) * sizeof *v);
        if (!v)
            return argo_err_set(err, ARGO_ENOMEM, "out of memory sorting %zu values", n);
        for (size_t i = 0; i < n; i++)
            v[i] = (keyed){keys[i], i};
        qsort(v, n, sizeof *v, by_key_then_index);
        for (size_t i = 0; i < n; i++)
            perm[i] = v[i].at;
        free(v);
        return ARGO_OK;
    }
    uint64_t *k = malloc((n ? n : 1) * 2 * sizeof *k);
    size_t *p2 = malloc((n ? n : 1) * sizeof *p2);
    size_t *count = malloc(65536 * sizeof *count);
    if (!k || !p2 || !count) {
        free(k);
        free(p2);
        free(count);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory sorting %zu values", n);
    }
    uint64_t *k2 = k + n;
    for (size_t i = 0; i < n; i++) {
        k[i] = argo_iso_key(keys[i]);
        perm[i] = i;
    }
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(k[i] >> shift) & 0xffff]++;
        if (n && count[(k[0] >> shift) & 0xffff] == n)
            continue; /* every key has this digit: the pass changes nothing */
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t at = count[(k[i] >> shift) & 0xffff]++;
            k2[at] = k[i];
            p2[at] = perm[i];
        }
        memcpy(k, k2, n * sizeof *k);
        memcpy(perm, p2, n * sizeof *perm);
    }
    free(k);
    free(p2);
    free(count);
    return ARGO_OK;
}

typedef struct rec {
    uint64_t key;
    double y; /* or, with weights, the sample's index */
} rec;

/* LSD radix sort of records by key, stable. Only the bits where keys
 * differ are sorted (above the highest bit of min ^ max every key is
 * the same), in 16-bit digits, all histograms counted in one pass. Returns the buffer holding the
 * result (a or tmp), NULL without memory. */
static rec *radix_records(rec *a, rec *tmp, size_t n)
{
    enum { BITS = 16, B = 1 << BITS, MAXD = (64 + BITS - 1) / BITS };
    if (n < 2)
        return a;
    uint64_t lo = a[0].key, hi = a[0].key;
    for (size_t i = 1; i < n; i++) {
        lo = a[i].key < lo ? a[i].key : lo;
        hi = a[i].key > hi ? a[i].key : hi;
    }
    int bits = 0;
    for (uint64_t d = lo ^ hi; d; d >>= 1)
        bits++;
    int digits = (bits + BITS - 1) / BITS;
    size_t(*count)[B] = calloc(MAXD, sizeof *count);
    if (!count)
        return NULL;
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < digits; d++)
            count[d][(a[i].key >> (d * BITS)) & (B - 1)]++;
    rec *src = a, *dst = tmp;
    for (int d = 0; d < digits; d++) {
        size_t *c = count[d];
        if (c[(src[0].key >> (d * BITS)) & (B - 1)] == n)
            continue;
        size_t sum = 0;
        for (size_t v = 0; v < B; v++) {
            size_t k = c[v];
            c[v] = sum;
            sum += k;
        }
        for (size_t i = 0; i < n; i++)
            dst[c[(src[i].key >> (d * BITS)) & (B - 1)]++] = src[i];
        rec *t = src;
        src = dst;
        dst = t;
    }
    free(count);
    return src;
}

/* The inverse of key_bits. */
static double key_value(uint64_t k)
{
    uint64_t b = (k >> 63) ? k & ~(1ull << 63) : ~k;
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* The fast path for quantized x (confidences rounded to a few decimals):
 * when every x is exactly (double)k / R for an integer k, R a power of
 * ten up to 1e6, and the k span a range of O(n), the samples are summed
 * straight into one bucket per k, in sample order, and PAV runs over the
 * non-empty buckets: a counting sort with nothing moved. All samples in
 * a bucket have the same x bits (-0.0 is excluded: it pools with +0.0),
 * so a stable sort would have put them in sample order too, and the sums,
 * the points and the model are bit for bit the radix path's. */
#define QUANT_FINEST 1e6
#define QUANT_SLACK 4096 /* buckets allowed beyond 4 per sample */

typedef struct bucket {
    double w, s, q; /* w == 0: empty (every sample summed has w > 0) */
} bucket;

/* k with x == k / r exactly, for |x * r| < 2^50; false when x is not
 * such a multiple (or not finite). Rounding by adding 1.5 * 2^52. */
static inline bool quant_key(double x, double r, int64_t *k)
{
    double t = x * r;
    *k = 0;
    if (!(fabs(t) < 0x1p50))
        return false;
    double rt = (t + 0x1.8p52) - 0x1.8p52;
    double back = rt / r;
    uint64_t a, b;
    memcpy(&a, &x, sizeof a);
    memcpy(&b, &back, sizeof b);
    *k = (int64_t)rt;
    return a == b;
}

/* Whether every x is a multiple of 1/r as quant_key says; the range of
 * the keys in *lo, *hi. */
static bool quant_range(const double *x, size_t n, double r, int64_t *lo, int64_t *hi)
{
    int64_t l = INT64_MAX, h = INT64_MIN, k;
    for (size_t i = 0; i < n; i++) {
        if (!quant_key(x[i], r, &k))
            return false;
        l = k < l ? k : l;
        h = k > h ? k : h;
    }
    *lo = l;
    *hi = h;
    return n > 0;
}

/* Chooses the resolution: 1e6 when its keys span at most `bound`
 * buckets, else the finest coarser power of ten whose keys do, if x is a
 * multiple of it. Returns the number of buckets, 0 for the radix path. */
static size_t quant_choose(const double *x, size_t n, double *r, int64_t *lo)
{
    size_t bound = n > (SIZE_MAX - QUANT_SLACK) / 4 ? SIZE_MAX : 4 * n + QUANT_SLACK;
    int64_t l, h;
    if (!quant_range(x, n, QUANT_FINEST, &l, &h))
        return 0;
    double res = QUANT_FINEST;
    uint64_t span = (uint64_t)(h - l);
    while (span >= bound && res > 1) { /* keys / 10 span about span / 10 */
        res /= 10;
        span /= 10;
    }
    if (res != QUANT_FINEST && !quant_range(x, n, res, &l, &h))
        return 0;
    span = (uint64_t)(h - l);
    if (span >= bound)
        return 0;
    *r = res;
    *lo = l;
    return (size_t)span + 1;
}

/* Fits by buckets (see above): nbk buckets from key lo at resolution r.
 * Summing into one table of nbk buckets in sample order would touch it
 * at random, a cache miss per sample; instead one stable counting pass
 * groups the samples by chunks of CHUNK buckets (their order within a
 * chunk kept), and each chunk is then summed in a small table. */
#define CHUNK_BITS 11

static int fit_buckets(const double *x, const double *y, const double *w, size_t n, double r,
                       int64_t lo, size_t nbk, double shrink, double min_block,
                       argo_iso_model **out, argo_iso_fit_stats *stats, argo_err *err)
{
    enum { CHUNK = 1 << CHUNK_BITS };
    size_t nch = (nbk >> CHUNK_BITS) + 1, kept = 0;
    size_t *off = calloc(nch + 1, sizeof *off);
    rec *a = malloc((n ? n : 1) * sizeof *a);
    bucket *tab = calloc(CHUNK, sizeof *tab);
    argo_iso_block *st = malloc((n < nbk ? n : nbk) * sizeof *st);
    int rc = ARGO_OK;
    if (!off || !a || !tab || !st) {
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory fitting %zu samples", n);
        goto done;
    }
    for (size_t i = 0; i < n; i++) { /* validate, count per chunk */
        double wi = w ? w[i] : 1.0;
        if (!isfinite(y[i]) || (w && !(isfinite(wi) && wi >= 0))) {
            rc = check(x, y, w, n, err);
            goto done;
        }
        if (wi > 0) {
            int64_t k;
            (void)quant_key(x[i], r, &k); /* true: checked by quant_range */
            off[((uint64_t)(k - lo) >> CHUNK_BITS) + 1]++;
            kept++;
        }
    }
    if (!kept) {
        rc = argo_err_set(err, ARGO_EDATA, "empty training set: no sample with weight > 0");
        goto done;
    }
    for (size_t c = 0; c < nch; c++)
        off[c + 1] += off[c];
    for (size_t i = 0; i < n; i++) { /* stable scatter by chunk */
        if (w && !(w[i] > 0))
            continue;
        int64_t k;
        (void)quant_key(x[i], r, &k);
        uint64_t b = (uint64_t)(k - lo);
        a[off[b >> CHUNK_BITS]++] = (rec){b, w ? (double)i : y[i]};
    }
    size_t nb = 0, at = 0;
    for (size_t c = 0; c < nch; c++) { /* off[c] is now the end of chunk c */
        for (; at < off[c]; at++) {
            bucket *t = &tab[a[at].key & (CHUNK - 1)];
            size_t i = (size_t)a[at].y;
            double yi = w ? y[i] : a[at].y, wi = w ? w[i] : 1.0;
            if (t->w == 0) /* assigned, not added to 0: keeps a -0.0 sum */
                *t = (bucket){wi, yi * wi, yi * yi * wi};
            else {
                t->w += wi;
                t->s += yi * wi;
                t->q += yi * yi * wi;
            }
        }
        size_t base = c << CHUNK_BITS, end = nbk - base < CHUNK ? nbk - base : CHUNK;
        for (size_t j = 0; j < end; j++)
            if (tab[j].w > 0) {
                double v = (double)(lo + (int64_t)(base + j)) / r;
                argo_iso_pav_push(st, &nb, (argo_iso_block){v, v, tab[j].w, tab[j].s, tab[j].q, 1});
                tab[j].w = 0;
            }
    }
    rc = argo_iso_model_from_blocks(st, nb, shrink, min_block, out, stats, err);
done:
    free(off);
    free(a);
    free(tab);
    free(st);
    return rc;
}

int argo_iso_fit(const double *x, const double *y, const double *w, size_t n, argo_iso_model **out,
                 argo_iso_fit_stats *stats, argo_err *err)
{
    return argo_iso_fit_shrunk(x, y, w, n, false, 0, 0, out, stats, err);
}

int argo_iso_fit_shrunk(const double *x, const double *y, const double *w, size_t n, bool sorted_in,
                        double k, double min_block, argo_iso_model **out, argo_iso_fit_stats *stats,
                        argo_err *err)
{
    if (sorted_in)
        return fit_core(x, y, w, n, k, min_block, out, stats, err);
    *out = NULL;
    double r;
    int64_t lo;
    size_t nbk = quant_choose(x, n, &r, &lo);
    if (nbk)
        return fit_buckets(x, y, w, n, r, lo, nbk, k, min_block, out, stats, err);
    int rc = ARGO_OK;
    size_t cap = n ? n : 1;
    rec *a = malloc(2 * cap * sizeof *a);
    double *cols = malloc((w ? 3 : 2) * cap * sizeof *cols);
    if (!a || !cols) {
        free(a);
        free(cols);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory fitting %zu samples", n);
    }
    for (size_t i = 0; i < n; i++) { /* validated here: one pass less */
        if (!isfinite(x[i]) || !isfinite(y[i]) || (w && !(isfinite(w[i]) && w[i] >= 0))) {
            free(a);
            free(cols);
            return check(x, y, w, n, err);
        }
        a[i] = (rec){argo_iso_key(x[i]), w ? (double)i : y[i]};
    }
    rec *sorted = radix_records(a, a + cap, n);
    if (!sorted)
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory fitting %zu samples", n);
    else {
        double *sx = cols, *sy = cols + cap, *sw = w ? cols + 2 * cap : NULL;
        for (size_t i = 0; i < n; i++) {
            sx[i] = key_value(sorted[i].key);
            if (w) {
                size_t at = (size_t)sorted[i].y;
                sy[i] = y[at];
                sw[i] = w[at];
            } else
                sy[i] = sorted[i].y;
        }
        rc = fit_core(sx, sy, sw, n, k, min_block, out, stats, err);
    }
    free(a);
    free(cols);
    return rc;
}

double argo_iso_predict(const argo_iso_model *m, double x)
{
    const double *px = m->x, *py = m->y;
    size_t n = m->n;
    if (n == 1 || x <= px[0])
        return py[0];
    if (x >= px[n - 1])
        return py[n - 1];
    /* the first knot >= x (numpy searchsorted, side="left"), as interp1d */
    size_t lo = 0, hi = n - 1;
    if (m->lut_n) { /* start from a knot below x, then walk to the first >= x */
        size_t b = (size_t)((x - px[0]) * m->lut_scale);
        lo = m->lut[b < m->lut_n ? b : m->lut_n - 1];
        while (lo > 0 && !(px[lo] < x))
            lo--;
        hi = lo + 1;
        while (px[hi] < x)
            hi++;
        lo = hi - 1;
        double slope = (py[hi] - py[lo]) / (px[hi] - px[lo]);
        return slope * (x - px[lo]) + py[lo];
    }
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (px[mid] < x)
            lo = mid;
        else
            hi = mid;
    }
    double slope = (py[hi] - py[lo]) / (px[hi] - px[lo]);
    return slope * (x - px[lo]) + py[lo];
}

void argo_calib_metrics_compute(const double *p, const double *label, size_t n, int bins,
                                argo_calib_metrics *m, argo_reliability_bin *rel)
{
    double sp[ARGO_CALIB_BINS_MAX] = {0}, sl[ARGO_CALIB_BINS_MAX] = {0};
    size_t cnt[ARGO_CALIB_BINS_MAX] = {0};
    if (bins < 1 || bins > ARGO_CALIB_BINS_MAX)
        bins = 10;
    *m = (argo_calib_metrics){.n = n};
    for (size_t i = 0; i < n; i++) {
        double q = p[i], y = label[i];
        m->brier += (q - y) * (q - y);
        double c = q < 1e-15 ? 1e-15 : q > 1 - 1e-15 ? 1 - 1e-15 : q;
        m->log_loss -= y * log(c) + (1 - y) * log(1 - c);
        int b = (int)(q * bins);
        b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
        sp[b] += q;
        sl[b] += y;
        cnt[b]++;
    }
    if (n) {
        m->brier /= (double)n;
        m->log_loss /= (double)n;
    } else
        m->brier = m->log_loss = m->ece = m->mce = NAN;
    for (int b = 0; b < bins; b++) {
        double gap = cnt[b] ? fabs(sp[b] / cnt[b] - sl[b] / cnt[b]) : 0;
        if (n) {
            m->ece += (double)cnt[b] / (double)n * gap;
            if (gap > m->mce)
                m->mce = gap;
        }
        if (rel)
            rel[b] = (argo_reliability_bin){cnt[b], cnt[b] ? sp[b] / cnt[b] : NAN,
                                            cnt[b] ? sl[b] / cnt[b] : NAN};
    }
}
