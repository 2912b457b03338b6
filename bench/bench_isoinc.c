/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_isoinc.c - the calibrator's refit after k new outcomes:
 * incremental (argo_isoinc: add the k outcomes, fit) against a full
 * refit (argo_iso_fit_shrunk over the whole set, already sorted, as
 * the calibrator's replay kept it: the sort and the merge are not
 * counted). Outcomes are 0/1 labels of continuous confidences in
 * [0, 1] (P(1) = 0.3 + 0.4 x), shrunk and pooled with the calibrator's
 * defaults (100, 20). Every incremental model is checked against the
 * full one, bit for bit. Prints the median of REPS refits per row.
 * Usage: bench_isoinc [LEAF [GROUP]]   (defaults ARGO_ISOINC_LEAF, _GROUP)
 */
#include "bench_util.h"
#include "calibrate/isoinc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS 41

static bench_rng rng = {0x9e3779b97f4a7c15ull};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_pair(const void *a, const void *b)
{
    return cmp_double(a, b);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* Draws one outcome. */
static void draw(double *x, double *y)
{
    *x = bench_uniform(&rng);
    *y = bench_uniform(&rng) < 0.3 + 0.4 * *x ? 1 : 0;
}

static bool same(const argo_iso_model *a, const argo_iso_model *b)
{
    return a->n == b->n && !memcmp(a->x, b->x, a->n * sizeof *a->x) &&
           !memcmp(a->y, b->y, a->n * sizeof *a->y);
}

int main(int argc, char **argv)
{
    size_t leaf = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 0;
    size_t group = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 0;
    size_t sizes[] = {10000, 100000, 1000000}, ks[] = {50, 150};
    printf("leaf %zu, group %zu; median of %d refits\n", leaf ? leaf : (size_t)ARGO_ISOINC_LEAF,
           group ? group : (size_t)ARGO_ISOINC_GROUP, REPS);
    printf("%9s %5s %14s %8s %12s %8s %8s %9s %7s %10s %7s\n", "n", "k", "incremental_us",
           "adds_us", "full_us", "ratio", "leaves", "resolved", "groups", "regrouped", "blocks");
    int bad = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
        for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++) {
            size_t n = sizes[si], k = ks[ki], cap = n + REPS * k;
            double(*pairs)[2] = malloc(cap * sizeof *pairs);
            double *sx = malloc(cap * sizeof *sx), *sy = malloc(cap * sizeof *sy);
            double ti[REPS], tf[REPS], ta[REPS];
            argo_isoinc *t;
            argo_iso_model *mi, *mf;
            argo_isoinc_info info = {0};
            if (!pairs || !sx || !sy || argo_isoinc_new(leaf, group, &t, NULL))
                return 1;
            size_t have = 0;
            for (; have < n; have++) {
                draw(&pairs[have][0], &pairs[have][1]);
                argo_isoinc_add(t, pairs[have][0], pairs[have][1], 1, NULL);
            }
            if (argo_isoinc_fit(t, 100, 20, &mi, NULL, NULL, NULL))
                return 1;
            argo_iso_model_free(mi);
            for (int r = 0; r < REPS; r++) {
                double t0 = bench_now();
                for (size_t i = 0; i < k; i++, have++) {
                    draw(&pairs[have][0], &pairs[have][1]);
                    argo_isoinc_add(t, pairs[have][0], pairs[have][1], 1, NULL);
                }
                ta[r] = bench_now() - t0;
                if (argo_isoinc_fit(t, 100, 20, &mi, NULL, &info, NULL))
                    return 1;
                ti[r] = bench_now() - t0;
                /* the full refit, on the set kept sorted */
                qsort(pairs, have, sizeof *pairs, cmp_pair);
                for (size_t i = 0; i < have; i++) {
                    sx[i] = pairs[i][0];
                    sy[i] = pairs[i][1];
                }
                t0 = bench_now();
                if (argo_iso_fit_shrunk(sx, sy, NULL, have, true, 100, 20, &mf, NULL, NULL))
                    return 1;
                tf[r] = bench_now() - t0;
                bad += !same(mi, mf);
                argo_iso_model_free(mi);
                argo_iso_model_free(mf);
            }
            double a = median(ti, REPS), b = median(tf, REPS), c = median(ta, REPS);
            printf("%9zu %5zu %14.1f %8.1f %12.1f %7.1fx %8zu %9zu %7zu %10zu %7zu\n", n, k,
                   a * 1e6, c * 1e6, b * 1e6, b / a, info.leaves, info.resolved, info.groups,
                   info.regrouped, info.blocks);
            argo_isoinc_free(t);
            free(pairs);
            free(sx);
            free(sy);
        }
    printf("models equal to the full refit: %s\n", bad ? "NO" : "all");
    return bad != 0;
}
