/* SPDX-License-Identifier: MIT */
/*
 * calibrate/isoinc.c - see isoinc.h. Why a fit over leaves is the full
 * fit:
 *   - Tie pooling. A leaf holds distinct x values (atoms, with the sums
 *     of their samples' w, w*y, w*y*y), in the order of isotonic.c's
 *     sort (key_bits: -0 before +0). Between two leaves the first x of
 *     the right one is at least TIE_EPS above the last x of the left
 *     one, so the tie groups of the whole set (isotonic.h: a sample
 *     joins the group when x - the group's first x < TIE_EPS) never
 *     span two leaves, and a leaf pools its atoms exactly as the full
 *     fit pools them. An atom that would bridge that gap merges the two
 *     leaves; a leaf splits only where two neighbours are TIE_EPS apart
 *     (a leaf of one long chain of near-ties stays larger).
 *   - PAV. Solve PAV on consecutive segments and then PAV over the
 *     segments' blocks, each taken as one point: the result is the
 *     PAV solution of the whole sequence (every block of a segment's
 *     solution is constant in the global one; Best & Chakravarti,
 *     "Active set algorithms for isotonic regression", Math.
 *     Programming 47, 1990: the violators may be pooled in any order).
 *     Blocks have values s / w (iso_int.h); with unit weights and
 *     labels in {0, 1} all sums are integers held exactly, so the
 *     final blocks, and the model, are the full fit's bits.
 */
#include "calibrate/isoinc.h"

#include "base/grow.h"
#include "calibrate/iso_int.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TIE_EPS 1e-15 /* as isotonic.c */

typedef struct atom {
    double x, w, s, q; /* one distinct x; sums of w, w*y, w*y*y */
} atom;

typedef struct leaf {
    atom *a;
    size_t n, cap;
    argo_iso_block *b; /* PAV blocks of a[0..n), valid unless dirty */
    size_t nb, bcap;
    bool dirty;
} leaf;

struct argo_isoinc {
    leaf *lv; /* leaves in x order, none empty */
    size_t nl, lcap;
    size_t leaf_max, count;
    argo_iso_block *st; /* the final PAV stack */
    size_t stcap;
};

/* An order-preserving image of a double (isotonic.c's sort order). */
static uint64_t key(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return (b >> 63) ? ~b : b | (1ull << 63);
}

int argo_isoinc_new(size_t leaf_max, argo_isoinc **out, argo_err *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory for an isotonic training set");
    (*out)->leaf_max = leaf_max ? (leaf_max < 2 ? 2 : leaf_max) : ARGO_ISOINC_LEAF;
    return ARGO_OK;
}

void argo_isoinc_free(argo_isoinc *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nl; i++) {
        free(t->lv[i].a);
        free(t->lv[i].b);
    }
    free(t->lv);
    free(t->st);
    free(t);
}

size_t argo_isoinc_count(const argo_isoinc *t)
{
    return t->count;
}

/* The last leaf whose first x is <= x (leaf 0 when none is). */
static size_t find_leaf(const argo_isoinc *t, uint64_t kx)
{
    size_t lo = 0, hi = t->nl; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (key(t->lv[mid].a[0].x) <= kx)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Splits leaf i where two neighbours are TIE_EPS apart, nearest its
 * middle. Without such a place, or without memory, it stays whole:
 * a larger leaf costs time, never exactness. */
static void split(argo_isoinc *t, size_t i)
{
    leaf *l = &t->lv[i];
    size_t n = l->n, at = 0;
    for (size_t d = 0; d < n / 2 + 1 && !at; d++) {
        size_t up = n / 2 + d, down = n / 2 - d;
        if (up < n && up >= 1 && l->a[up].x - l->a[up - 1].x >= TIE_EPS)
            at = up;
        else if (d && down >= 1 && l->a[down].x - l->a[down - 1].x >= TIE_EPS)
            at = down;
    }
    if (!at)
        return;
    size_t lcap = t->lcap;
    leaf *lv = argo_grow(t->lv, &lcap, t->nl + 1, sizeof *lv, 16);
    if (!lv)
        return;
    t->lv = lv;
    t->lcap = lcap;
    l = &t->lv[i];
    size_t m = n - at, cap = m > t->leaf_max + 1 ? m : t->leaf_max + 1;
    atom *a = malloc(cap * sizeof *a);
    if (!a)
        return;
    memcpy(a, l->a + at, m * sizeof *a);
    l->n = at;
    l->dirty = true;
    memmove(&t->lv[i + 2], &t->lv[i + 1], (t->nl - i - 1) * sizeof *t->lv);
    t->lv[i + 1] = (leaf){.a = a, .n = m, .cap = cap, .dirty = true};
    t->nl++;
}

int argo_isoinc_add(argo_isoinc *t, double x, double y, double w, argo_err *err)
{
    if (!isfinite(x) || !isfinite(y))
        return argo_err_set(err, ARGO_EINVAL, "sample: x and y must be finite");
    if (!(isfinite(w) && w >= 0))
        return argo_err_set(err, ARGO_EINVAL, "sample: weight must be a finite number >= 0");
    if (!(w > 0))
        return ARGO_OK; /* the fit drops it */
    atom add = {x, w, y * w, y * y * w};
    if (!t->nl) {
        size_t lcap = t->lcap;
        leaf *lv = argo_grow(t->lv, &lcap, 1, sizeof *lv, 16);
        atom *a = lv ? malloc((t->leaf_max + 1) * sizeof *a) : NULL;
        if (lv) {
            t->lv = lv;
            t->lcap = lcap;
        }
        if (!a)
            return argo_err_set(err, ARGO_ENOMEM, "out of memory adding a sample");
        a[0] = add;
        t->lv[0] = (leaf){.a = a, .n = 1, .cap = t->leaf_max + 1, .dirty = true};
        t->nl = 1;
        t->count = 1;
        return ARGO_OK;
    }
    uint64_t kx = key(x);
    size_t i = find_leaf(t, kx);
    leaf *l = &t->lv[i];
    size_t lo = 0, hi = l->n; /* the first atom whose x is >= x */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key(l->a[mid].x) < kx)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < l->n && key(l->a[lo].x) == kx) {
        l->a[lo].w += add.w;
        l->a[lo].s += add.s;
        l->a[lo].q += add.q;
        l->dirty = true;
        t->count++;
        return ARGO_OK;
    }
    /* A new last atom closer than TIE_EPS to the next leaf's first
     * joins the two leaves (room for both is made before any change). */
    leaf *next = i + 1 < t->nl ? &t->lv[i + 1] : NULL;
    bool join = lo == l->n && next && !(next->a[0].x - x >= TIE_EPS);
    size_t need = l->n + 1 + (join ? next->n : 0), cap = l->cap;
    atom *a = argo_grow(l->a, &cap, need, sizeof *a, t->leaf_max + 1);
    if (!a)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory adding a sample");
    l->a = a;
    l->cap = cap;
    memmove(&l->a[lo + 1], &l->a[lo], (l->n - lo) * sizeof *l->a);
    l->a[lo] = add;
    l->n++;
    l->dirty = true;
    t->count++;
    if (join) {
        memcpy(&l->a[l->n], next->a, next->n * sizeof *next->a);
        l->n += next->n;
        free(next->a);
        free(next->b);
        memmove(&t->lv[i + 1], &t->lv[i + 2], (t->nl - i - 2) * sizeof *t->lv);
        t->nl--;
    }
    if (t->lv[i].n > t->leaf_max)
        split(t, i);
    return ARGO_OK;
}

/* Pools leaf l's atoms into tie groups and solves PAV over them. */
static int resolve(leaf *l)
{
    argo_iso_block *b = argo_grow(l->b, &l->bcap, l->n, sizeof *b, 16);
    if (!b)
        return ARGO_ENOMEM;
    l->b = b;
    const atom *a = l->a;
    size_t nb = 0;
    argo_iso_block p = {a[0].x, a[0].x, a[0].w, a[0].s, a[0].q, 1};
    for (size_t j = 1; j < l->n; j++) {
        if (!(a[j].x - p.x0 >= TIE_EPS)) {
            p.w += a[j].w;
            p.s += a[j].s;
            p.q += a[j].q;
            continue;
        }
        argo_iso_pav_push(l->b, &nb, p);
        p = (argo_iso_block){a[j].x, a[j].x, a[j].w, a[j].s, a[j].q, 1};
    }
    argo_iso_pav_push(l->b, &nb, p);
    l->nb = nb;
    l->dirty = false;
    return ARGO_OK;
}

int argo_isoinc_fit(argo_isoinc *t, double shrink, double min_block, argo_iso_model **out,
                    argo_iso_fit_stats *stats, argo_isoinc_info *info, argo_err *err)
{
    *out = NULL;
    if (!t->count)
        return argo_err_set(err, ARGO_EDATA, "empty training set: no sample with weight > 0");
    size_t resolved = 0, total = 0;
    for (size_t i = 0; i < t->nl; i++) {
        leaf *l = &t->lv[i];
        if (l->dirty) {
            if (resolve(l))
                return argo_err_set(err, ARGO_ENOMEM, "out of memory fitting %zu samples",
                                    t->count);
            resolved++;
        }
        total += l->nb;
    }
    argo_iso_block *st = argo_grow(t->st, &t->stcap, total, sizeof *st, 256);
    if (!st)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory fitting %zu samples", t->count);
    t->st = st;
    size_t nb = 0;
    for (size_t i = 0; i < t->nl; i++)
        for (size_t j = 0; j < t->lv[i].nb; j++)
            argo_iso_pav_push(t->st, &nb, t->lv[i].b[j]);
    if (info)
        *info = (argo_isoinc_info){t->nl, resolved, total};
    return argo_iso_model_from_blocks(t->st, nb, shrink, min_block, out, stats, err);
}
