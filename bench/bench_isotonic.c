/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_isotonic.c - isotonic regression: fit on N pairs and
 * predict N values, against scikit-learn on the same data in the same
 * run (bench/isotonic_peer.py through /usr/bin/python3). Prints both
 * timings, their ratio, and whether the predictions agree.
 * Usage: bench_isotonic [N]   (default 1,000,000)
 */
#include "bench_util.h"
#include "calibrate/isotonic.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bench_rng rng = {0x9e3779b97f4a7c15ull};

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    if (n < 1000) {
        fprintf(stderr, "usage: bench_isotonic [N >= 1000]\n");
        return 2;
    }
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *q = malloc(n * sizeof *q);
    double *pairs = malloc(2 * n * sizeof *pairs);
    if (!x || !y || !q || !pairs)
        return perror("malloc"), 1;
    /* confidences with ties (6 decimals), labels won with probability x^2 */
    for (size_t i = 0; i < n; i++) {
        x[i] = round(bench_uniform(&rng) * 1e6) / 1e6;
        y[i] = bench_uniform(&rng) < x[i] * x[i];
        q[i] = bench_uniform(&rng);
        pairs[2 * i] = x[i];
        pairs[2 * i + 1] = y[i];
    }
    double best_fit = 1e9, best_pred = 1e9, sum = 0;
    size_t points = 0;
    for (int rep = 0; rep < 3; rep++) {
        argo_iso_model *m;
        argo_err e;
        double t0 = bench_now();
        if (argo_iso_fit(x, y, NULL, n, &m, NULL, &e))
            return fprintf(stderr, "bench: %s\n", e.msg), 1;
        double t1 = bench_now();
        sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += argo_iso_predict(m, q[i]);
        double t2 = bench_now();
        best_fit = t1 - t0 < best_fit ? t1 - t0 : best_fit;
        best_pred = t2 - t1 < best_pred ? t2 - t1 : best_pred;
        points = m->n;
        argo_iso_model_free(m);
    }
    printf("argo:         fit %zu pairs %.1f ms, predict %zu values %.1f ms, total %.1f ms "
           "(best of 3; %zu fitted points)\n",
           n, best_fit * 1e3, n, best_pred * 1e3, (best_fit + best_pred) * 1e3, points);

    char dir[] = "/tmp/argo-iso-XXXXXX", pf[64], qf[64], cmd[512];
    if (!mkdtemp(dir))
        return perror("mkdtemp"), 1;
    snprintf(pf, sizeof pf, "%s/pairs.f64", dir);
    snprintf(qf, sizeof qf, "%s/queries.f64", dir);
    FILE *f = fopen(pf, "wb"), *g = fopen(qf, "wb");
    if (!f || !g || fwrite(pairs, sizeof *pairs, 2 * n, f) != 2 * n ||
        fwrite(q, sizeof *q, n, g) != n)
        return perror("write"), 1;
    fclose(f);
    fclose(g);
    /* the peer script lives in the source tree's bench/ */
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/isotonic_peer.py %s %s 2>&1", ARGO_BENCH_DIR, pf,
             qf);

    double pfit = -1, ppred = -1, psum = 0;
    FILE *p = popen(cmd, "r");
    char line[512] = "";
    if (p && fgets(line, sizeof line, p) &&
        sscanf(line, "%lf %lf %lf", &pfit, &ppred, &psum) == 3) {
        printf("scikit-learn: fit %.1f ms, predict %.1f ms, total %.1f ms\n", pfit * 1e3,
               ppred * 1e3, (pfit + ppred) * 1e3);
        printf("ratio:        scikit-learn / argo = %.1fx (fit %.1fx, predict %.1fx); "
               "sum of predictions differs by %.3g\n",
               (pfit + ppred) / (best_fit + best_pred), pfit / best_fit, ppred / best_pred,
               fabs(psum - sum));
    } else
        printf("scikit-learn: unavailable (%s)\n", line[0] ? line : "no output");
    if (p)
        pclose(p);
    unlink(pf);
    unlink(qf);
    rmdir(dir);
    free(x);
    free(y);
    free(q);
    free(pairs);
    return 0;
}
