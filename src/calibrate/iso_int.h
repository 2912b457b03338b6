/* SPDX-License-Identifier: MIT */
/*
 * calibrate/iso_int.h - the pieces of the isotonic fit that a fit over
 * pre-pooled data (counted buckets, an incremental training set) shares
 * with argo_iso_fit: a PAV stack of blocks, and the step from the final
 * PAV blocks to a model. Internal to calibrate/.
 *
 * A block's value is s / w, its sums divided once, never a running
 * mean: with unit weights and labels in {0, 1} every w and s is an
 * integer held exactly, so the blocks, and the model made from them,
 * are the same bits whatever order the samples were summed in (a full
 * refit and an incremental one agree exactly).
 */
#ifndef ARGO_ISO_INT_H
#define ARGO_ISO_INT_H

#include "calibrate/isotonic.h"

#include <stdint.h>
#include <string.h>

/* Samples whose x differ by less than this from their group's first x
 * are pooled (numpy.finfo(float64).resolution, as sklearn's _make_unique). */
#define ARGO_ISO_TIE_EPS 1e-15

/* An order-preserving image of a double as an unsigned integer (the
 * fit's sort order: -0 before +0). */
static inline uint64_t argo_iso_key(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return (b >> 63) ? ~b : b | (1ull << 63);
}

/* Samples pooled into one point (a distinct x) or one PAV block. */
typedef struct argo_iso_block {
    double x0, x1;   /* first and last distinct x it holds */
    double w, s, q;  /* sums of w, w*y and w*y*y */
    size_t distinct; /* distinct x values it holds */
} argo_iso_block;

/* Pushes p (after every block on the stack, in x order) onto the PAV
 * stack st[0..*nb), merging while the block below has a value >= p's.
 * st has room for one more block. */
static inline void argo_iso_pav_push(argo_iso_block *st, size_t *nb, argo_iso_block p)
{
    size_t k = *nb;
    while (k && st[k - 1].s / st[k - 1].w >= p.s / p.w) {
        k--;
        p.x0 = st[k].x0;
        p.w += st[k].w;
        p.s += st[k].s;
        p.q += st[k].q;
        p.distinct += st[k].distinct;
    }
    st[k] = p;
    *nb = k + 1;
}

/* From the final PAV blocks b[0..nb) (nb >= 1; b is modified): pools
 * sparse blocks (min_block), shrinks (shrink), builds the model and the
 * in-sample stats, as argo_iso_fit_shrunk documents. distinct is the
 * number of distinct x values in all. */
int argo_iso_model_from_blocks(argo_iso_block *b, size_t nb, double shrink, double min_block,
                               argo_iso_model **out, argo_iso_fit_stats *stats, argo_err *err);

#endif
