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
 *     The same holds one level up: leaves sit in groups of consecutive
 *     leaves, and a group caches the PAV blocks of its leaves' blocks,
 *     so the final pass goes over the groups' blocks only.
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

#define TIE_EPS ARGO_ISO_TIE_EPS

typedef struct atom {
    double x, w, s, q; /* one distinct x; sums of w, w*y, w*y*y */
} atom;

typedef struct leaf {
    atom *a; /* in x order, n >= 1 */
    size_t n, cap;
    uint64_t k0;       /* argo_iso_key(a[0].x): searches touch no atom */
    argo_iso_block *b; /* PAV blocks of a[0..n), valid unless dirty */
    size_t nb, bcap;
    bool dirty;
} leaf;

typedef struct group {
    leaf *lv; /* consecutive leaves in x order, nl >= 1 */
    size_t nl, lcap;
    uint64_t k0;       /* lv[0].k0 */
    argo_iso_block *b; /* PAV blocks of its leaves' blocks, valid unless dirty */
    size_t nb, bcap;
    bool dirty;
} group;

struct argo_isoinc {
    group *g; /* in x order */
    size_t ng, gcap;
    size_t leaf_max, group_max, count, leaves;
    argo_iso_block *st; /* the final PAV stack */
    size_t stcap;
    argo_iso_block *tmp; /* a leaf's or a group's PAV stack while it is solved */
    size_t tmpcap;
};

int argo_isoinc_new(size_t leaf_max, size_t group_max, argo_isoinc **out, argo_err *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory for an isotonic training set");
    (*out)->leaf_max = leaf_max ? (leaf_max < 2 ? 2 : leaf_max) : ARGO_ISOINC_LEAF;
    (*out)->group_max = group_max ? (group_max < 2 ? 2 : group_max) : ARGO_ISOINC_GROUP;
    return ARGO_OK;
}

static void leaf_free(leaf *l)
{
    free(l->a);
    free(l->b);
}

void argo_isoinc_free(argo_isoinc *t)
{
    if (!t)
        return;
    for (size_t j = 0; j < t->ng; j++) {
        for (size_t i = 0; i < t->g[j].nl; i++)
            leaf_free(&t->g[j].lv[i]);
        free(t->g[j].lv);
        free(t->g[j].b);
    }
    free(t->g);
    free(t->st);
    free(t->tmp);
    free(t);
}

size_t argo_isoinc_count(const argo_isoinc *t)
{
    return t->count;
}

/* The last group whose first x is <= x (group 0 when none is). */
static size_t find_group(const argo_isoinc *t, uint64_t kx)
{
    size_t lo = 0, hi = t->ng; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->g[mid].k0 <= kx)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The last leaf of g whose first x is <= x (leaf 0 when none is). */
static size_t find_leaf(const group *g, uint64_t kx)
{
    size_t lo = 0, hi = g->nl;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->lv[mid].k0 <= kx)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Splits leaf i of g where two neighbours are TIE_EPS apart, nearest
 * its middle. Without such a place, or without memory, it stays whole:
 * a larger leaf costs time, never exactness. */
static void split_leaf(argo_isoinc *t, group *g, size_t i)
{
    leaf *l = &g->lv[i];
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
    size_t lcap = g->lcap;
    leaf *lv = argo_grow(g->lv, &lcap, g->nl + 1, sizeof *lv, t->group_max + 1);
    if (!lv)
        return;
    g->lv = lv;
    g->lcap = lcap;
    l = &g->lv[i];
    size_t m = n - at, cap = m > t->leaf_max + 1 ? m : t->leaf_max + 1;
    atom *a = malloc(cap * sizeof *a);
    if (!a)
        return;
    memcpy(a, l->a + at, m * sizeof *a);
    l->n = at;
    l->dirty = true;
    memmove(&g->lv[i + 2], &g->lv[i + 1], (g->nl - i - 1) * sizeof *g->lv);
    g->lv[i + 1] = (leaf){.a = a, .n = m, .cap = cap, .k0 = argo_iso_key(a[0].x), .dirty = true};
    g->nl++;
    t->leaves++;
}

/* Splits group j in two halves of its leaves (any leaf boundary is a
 * place to cut); without memory it stays whole. */
static void split_group(argo_isoinc *t, size_t j)
{
    size_t gcap = t->gcap;
    group *gv = argo_grow(t->g, &gcap, t->ng + 1, sizeof *gv, 16);
    if (!gv)
        return;
    t->g = gv;
    t->gcap = gcap;
    group *g = &t->g[j];
    size_t at = g->nl / 2, m = g->nl - at, cap = m > t->group_max + 1 ? m : t->group_max + 1;
    leaf *lv = malloc(cap * sizeof *lv);
    if (!lv)
        return;
    memcpy(lv, g->lv + at, m * sizeof *lv);
    g->nl = at;
    g->dirty = true;
    memmove(&t->g[j + 2], &t->g[j + 1], (t->ng - j - 1) * sizeof *t->g);
    t->g[j + 1] = (group){.lv = lv, .nl = m, .lcap = cap, .k0 = lv[0].k0, .dirty = true};
    t->ng++;
}

/* The first group, with one leaf holding one atom. */
static int first_atom(argo_isoinc *t, atom add, argo_err *err)
{
    size_t gcap = t->gcap;
    group *gv = argo_grow(t->g, &gcap, 1, sizeof *gv, 16);
    if (!gv)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory adding a sample");
    t->g = gv;
    t->gcap = gcap;
    leaf *lv = malloc((t->group_max + 1) * sizeof *lv);
    atom *a = malloc((t->leaf_max + 1) * sizeof *a);
    if (!lv || !a) {
        free(lv);
        free(a);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory adding a sample");
    }
    a[0] = add;
    lv[0] =
        (leaf){.a = a, .n = 1, .cap = t->leaf_max + 1, .k0 = argo_iso_key(add.x), .dirty = true};
    t->g[0] = (group){
        .lv = lv, .nl = 1, .lcap = t->group_max + 1, .k0 = argo_iso_key(add.x), .dirty = true};
    t->ng = 1;
    t->leaves = 1;
    t->count = 1;
    return ARGO_OK;
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
    if (!t->ng)
        return first_atom(t, add, err);
    uint64_t kx = argo_iso_key(x);
    size_t j = find_group(t, kx);
    group *g = &t->g[j];
    size_t i = find_leaf(g, kx);
    leaf *l = &g->lv[i];
    size_t lo = 0, hi = l->n; /* the first atom whose x is >= x */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (argo_iso_key(l->a[mid].x) < kx)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < l->n && argo_iso_key(l->a[lo].x) == kx) {
        l->a[lo].w += add.w;
        l->a[lo].s += add.s;
        l->a[lo].q += add.q;
        l->dirty = g->dirty = true;
        t->count++;
        return ARGO_OK;
    }
    /* A new last atom closer than TIE_EPS to the next leaf's first
     * joins the two leaves (room for both is made before any change);
     * the next leaf may be the first of the next group. */
    group *ng = i + 1 < g->nl ? g : j + 1 < t->ng ? &t->g[j + 1] : NULL;
    leaf *next = !ng ? NULL : ng == g ? &g->lv[i + 1] : &ng->lv[0];
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
    if (lo == 0) { /* a new first x (of the whole set: only leaf 0 of group 0 starts below x) */
        l->k0 = kx;
        if (i == 0)
            g->k0 = kx;
    }
    l->dirty = g->dirty = true;
    t->count++;
    if (join) {
        memcpy(&l->a[l->n], next->a, next->n * sizeof *next->a);
        l->n += next->n;
        leaf_free(next);
        size_t at = (size_t)(next - ng->lv);
        memmove(&ng->lv[at], &ng->lv[at + 1], (ng->nl - at - 1) * sizeof *ng->lv);
        ng->nl--;
        ng->dirty = true;
        if (ng->nl)
            ng->k0 = ng->lv[0].k0;
        t->leaves--;
        if (!ng->nl) { /* the next group was that one leaf */
            free(ng->lv);
            free(ng->b);
            memmove(&t->g[j + 1], &t->g[j + 2], (t->ng - j - 2) * sizeof *t->g);
            t->ng--;
        }
    }
    if (t->g[j].lv[i].n > t->leaf_max)
        split_leaf(t, &t->g[j], i);
    if (t->g[j].nl > t->group_max)
        split_group(t, j);
    return ARGO_OK;
}

/* Keeps the nb blocks solved in t->tmp in *b (grown to fit: a leaf or a
 * group keeps its few blocks, not room for one per atom). */
static int keep_blocks(argo_isoinc *t, argo_iso_block **b, size_t *cap, size_t nb)
{
    argo_iso_block *v = argo_grow(*b, cap, nb, sizeof *v, 8);
    if (!v)
        return ARGO_ENOMEM;
    memcpy(v, t->tmp, nb * sizeof *v);
    *b = v;
    return ARGO_OK;
}

/* Pools leaf l's atoms into tie groups and solves PAV over them. */
static int resolve_leaf(argo_isoinc *t, leaf *l)
{
    argo_iso_block *tmp = argo_grow(t->tmp, &t->tmpcap, l->n, sizeof *tmp, 256);
    if (!tmp)
        return ARGO_ENOMEM;
    t->tmp = tmp;
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
        argo_iso_pav_push(tmp, &nb, p);
        p = (argo_iso_block){a[j].x, a[j].x, a[j].w, a[j].s, a[j].q, 1};
    }
    argo_iso_pav_push(tmp, &nb, p);
    if (keep_blocks(t, &l->b, &l->bcap, nb))
        return ARGO_ENOMEM;
    l->nb = nb;
    l->dirty = false;
    return ARGO_OK;
}

/* Re-solves g's dirty leaves, then PAV over its leaves' blocks. */
static int resolve_group(argo_isoinc *t, group *g, size_t *leaves)
{
    size_t total = 0;
    for (size_t i = 0; i < g->nl; i++) {
        leaf *l = &g->lv[i];
        if (l->dirty) {
            if (resolve_leaf(t, l))
                return ARGO_ENOMEM;
            (*leaves)++;
        }
        total += l->nb;
    }
    argo_iso_block *tmp = argo_grow(t->tmp, &t->tmpcap, total, sizeof *tmp, 256);
    if (!tmp)
        return ARGO_ENOMEM;
    t->tmp = tmp;
    size_t nb = 0;
    for (size_t i = 0; i < g->nl; i++)
        for (size_t k = 0; k < g->lv[i].nb; k++)
            argo_iso_pav_push(tmp, &nb, g->lv[i].b[k]);
    if (keep_blocks(t, &g->b, &g->bcap, nb))
        return ARGO_ENOMEM;
    g->nb = nb;
    g->dirty = false;
    return ARGO_OK;
}

int argo_isoinc_fit(argo_isoinc *t, double shrink, double min_block, argo_iso_model **out,
                    argo_iso_fit_stats *stats, argo_isoinc_info *info, argo_err *err)
{
    *out = NULL;
    if (!t->count)
        return argo_err_set(err, ARGO_EDATA, "empty training set: no sample with weight > 0");
    size_t leaves = 0, groups = 0, total = 0;
    for (size_t j = 0; j < t->ng; j++) {
        group *g = &t->g[j];
        if (g->dirty) {
            if (resolve_group(t, g, &leaves))
                return argo_err_set(err, ARGO_ENOMEM, "out of memory fitting %zu samples",
                                    t->count);
            groups++;
        }
        total += g->nb;
    }
    argo_iso_block *st = argo_grow(t->st, &t->stcap, total, sizeof *st, 256);
    if (!st)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory fitting %zu samples", t->count);
    t->st = st;
    size_t nb = 0;
    for (size_t j = 0; j < t->ng; j++)
        for (size_t k = 0; k < t->g[j].nb; k++)
            argo_iso_pav_push(t->st, &nb, t->g[j].b[k]);
    if (info)
        *info = (argo_isoinc_info){t->leaves, leaves, t->ng, groups, total};
    return argo_iso_model_from_blocks(t->st, nb, shrink, min_block, out, stats, err);
}
