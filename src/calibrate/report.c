/* SPDX-License-Identifier: MIT */
/* calibrate/report.c - see report.h. */
#include "calibrate/report.h"

#include "base/csvread.h"
#include "base/grow.h"
#include "base/text.h"
#include "base/timeutil.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef argo_calib_item item;

typedef struct items {
    item *v;
    size_t n;
} items;

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Fits on items with exit_ts < before, as the engine fits its global
 * model (sparse blocks pooled to min_block_outcomes, blended toward the
 * base rate by global_shrinkage). */
static int fit_before(const items *it, int64_t before, const argo_config *cfg, argo_iso_model **m,
                      size_t *used, argo_err *err)
{
    double *x = malloc((it->n + 1) * sizeof *x), *y = malloc((it->n + 1) * sizeof *y);
    size_t k = 0;
    int rc = ARGO_OK;
    *m = NULL;
    if (!x || !y)
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < it->n; i++)
        if (it->v[i].exit_ts < before) {
            x[k] = it->v[i].raw;
            y[k++] = it->v[i].label;
        }
    *used = k;
    if (!rc && k)
        rc = argo_iso_fit_shrunk(x, y, NULL, k, false, cfg->global_shrinkage,
                                 cfg->min_block_outcomes, m, NULL, err);
    free(x);
    free(y);
    return rc;
}

static void evaluate(const double *raw, const double *cal, const double *label, size_t n,
                     argo_calib_eval *e)
{
    argo_calib_metrics_compute(raw, label, n, ARGO_REPORT_BINS, &e->raw, e->rel_raw);
    argo_calib_metrics_compute(cal, label, n, ARGO_REPORT_BINS, &e->cal, e->rel_cal);
}

static int by_ts(const void *a, const void *b)
{
    const item *x = a, *y = b;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

int argo_calib_report_check(double train_fraction, int folds, argo_err *err)
{
    if (!(train_fraction > 0 && train_fraction < 1) || folds < 1 || folds > 100)
        return argo_err_set(err, ARGO_EINVAL,
                            "train fraction must be in (0, 1) and folds in 1..100");
    return ARGO_OK;
}

int argo_calib_report_compute(const argo_calib_item *v, size_t n, const argo_config *cfg,
                              double train_fraction, int folds, argo_calib_report **out,
                              argo_err *err)
{
    assert(out && cfg && (v || !n));
    *out = NULL;
    int rc = argo_calib_report_check(train_fraction, folds, err);
    if (rc)
        return rc;
    items it = {malloc((n + 1) * sizeof *it.v), n};
    if (!it.v)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory reading signals");
    if (n)
        memcpy(it.v, v, n * sizeof *v);
    if (it.n)
        qsort(it.v, it.n, sizeof *it.v, by_ts);
    argo_calib_report *r = calloc(1, sizeof *r);
    double *raw = malloc((it.n + 1) * sizeof *raw), *cal = malloc((it.n + 1) * sizeof *cal),
           *lab = malloc((it.n + 1) * sizeof *lab);
    argo_iso_model *m = NULL;
    if (!r || !raw || !cal || !lab) {
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory");
        goto out;
    }
    r->outcomes = it.n;
    r->train_fraction = train_fraction;
    r->folds = folds;
    size_t split = (size_t)floor((double)it.n * train_fraction);
    if (it.n < 20 || split >= it.n) {
        rc = argo_err_set(err, ARGO_EDATA,
                          "only %zu resolved signals: at least 20 are needed to evaluate "
                          "calibration (run argo replay or track first)",
                          it.n);
        goto out;
    }
    r->split_ts = it.v[split].ts;
    while (split > 0 && it.v[split - 1].ts == r->split_ts)
        split--; /* every signal of the split time is evaluated */
    size_t used;
    if ((rc = fit_before(&it, r->split_ts, cfg, &m, &used, err)))
        goto out;
    r->train_n = used;
    size_t test = it.n - split;
    if (used < 10 || !m || m->distinct < 2 || test < 10) {
        rc = argo_err_set(err, ARGO_EDATA,
                          "too few outcomes on one side of the split (%zu resolved before it, "
                          "%zu signals after): try another --train-fraction",
                          used, test);
        goto out;
    }
    for (size_t i = 0; i < test; i++) {
        const item *t = &it.v[split + i];
        raw[i] = clamp01(t->raw);
        cal[i] = argo_iso_predict(m, t->raw);
        lab[i] = t->label;
    }
    evaluate(raw, cal, lab, test, &r->holdout);

    /* walk-forward over the same evaluation period */
    for (int f = 0; f < folds; f++) {
        size_t a = split + test * (size_t)f / (size_t)folds;
        size_t b = split + test * (size_t)(f + 1) / (size_t)folds;
        if (a >= b)
            continue;
        argo_iso_model_free(m);
        m = NULL;
        if ((rc = fit_before(&it, it.v[a].ts, cfg, &m, &used, err)))
            goto out;
        for (size_t i = a; i < b; i++)
            cal[i - split] = m ? argo_iso_predict(m, it.v[i].raw) : clamp01(it.v[i].raw);
    }
    evaluate(raw, cal, lab, test, &r->walk);
    static const double thr[] = {0.3, 0.4, 0.5, 0.6, 0.7};
    double all[ARGO_REPORT_THRESHOLDS];
    size_t nt = 0;
    if (cfg->min_confidence > 0)
        all[nt++] = cfg->min_confidence;
    for (size_t k = 0; k < sizeof thr / sizeof thr[0]; k++)
        if (thr[k] != cfg->min_confidence)
            all[nt++] = thr[k];
    for (size_t k = 0; k < nt; k++) {
        argo_calib_threshold *t = &r->thresholds[k];
        t->threshold = all[k];
        for (size_t i = 0; i < test; i++) {
            if (raw[i] >= all[k]) {
                t->raw_n++;
                t->raw_wins += lab[i] == 1;
            }
            if (cal[i] >= all[k]) {
                t->cal_n++;
                t->cal_wins += lab[i] == 1;
            }
        }
    }
    r->nthresholds = nt;

    /* the confidences as the engine stored them */
    for (size_t i = 0; i < it.n; i++) {
        raw[i] = clamp01(it.v[i].raw);
        cal[i] = clamp01(it.v[i].stored);
        lab[i] = it.v[i].label;
    }
    evaluate(raw, cal, lab, it.n, &r->stored);
    *out = r;
    r = NULL;
out:
    argo_iso_model_free(m);
    free(r);
    free(raw);
    free(cal);
    free(lab);
    free(it.v);
    return rc;
}

static void eval_text(FILE *f, const char *title, const argo_calib_eval *e)
{
    fprintf(f, "\n%s (%zu signals)\n", title, e->raw.n);
    fprintf(f, "  %-12s %8s %8s %8s %8s\n", "", "brier", "logloss", "ECE", "MCE");
    fprintf(f, "  %-12s %8.4f %8.4f %8.4f %8.4f\n", "raw", e->raw.brier, e->raw.log_loss,
            e->raw.ece, e->raw.mce);
    fprintf(f, "  %-12s %8.4f %8.4f %8.4f %8.4f\n", "calibrated", e->cal.brier, e->cal.log_loss,
            e->cal.ece, e->cal.mce);
    fprintf(f, "  reliability  bin      raw: mean  observed  count |  calibrated: mean  observed  "
               "count\n");
    for (int b = 0; b < ARGO_REPORT_BINS; b++) {
        const argo_reliability_bin *a = &e->rel_raw[b], *c = &e->rel_cal[b];
        if (!a->count && !c->count)
            continue;
        fprintf(f, "               %.1f-%.1f  ", b / 10.0, (b + 1) / 10.0);
        if (a->count)
            fprintf(f, "%9.3f %9.3f %6zu |", a->mean_pred, a->observed, a->count);
        else
            fprintf(f, "%9s %9s %6s |", "-", "-", "0");
        if (c->count)
            fprintf(f, "  %15.3f %9.3f %6zu\n", c->mean_pred, c->observed, c->count);
        else
            fprintf(f, "  %15s %9s %6s\n", "-", "-", "0");
    }
}

int argo_calib_report_write(const argo_calib_report *r, FILE *f, argo_err *err)
{
    char split[32];
    argo_time_format(r->split_ts, split, sizeof split);
    fprintf(f,
            "calibration report: %zu resolved signals; split at %s (%.0f%% of signals "
            "before it), %zu outcomes resolved before the split\n",
            r->outcomes, split, 100 * r->train_fraction, r->train_n);
    eval_text(f, "holdout: fitted on outcomes resolved before the split", &r->holdout);
    char title[96];
    snprintf(title, sizeof title, "walk-forward: %d folds, each fitted on outcomes before it",
             r->folds);
    eval_text(f, title, &r->walk);
    eval_text(f, "as stored: the confidence each signal was published with", &r->stored);
    fprintf(f, "\npublished with a threshold (walk-forward signals)\n");
    fprintf(f, "  %9s  %10s %8s  %10s %8s\n", "threshold", "raw: count", "win", "cal: count",
            "win");
    for (size_t k = 0; k < r->nthresholds; k++) {
        const argo_calib_threshold *t = &r->thresholds[k];
        fprintf(f, "  %9.2f  %10zu ", t->threshold, t->raw_n);
        if (t->raw_n)
            fprintf(f, "%7.1f%%", 100.0 * t->raw_wins / t->raw_n);
        else
            fprintf(f, "%8s", "-");
        fprintf(f, "  %10zu ", t->cal_n);
        if (t->cal_n)
            fprintf(f, "%7.1f%%\n", 100.0 * t->cal_wins / t->cal_n);
        else
            fprintf(f, "%8s\n", "-");
    }
    return ferror(f) ? argo_err_set(err, ARGO_EIO, "cannot write the report") : ARGO_OK;
}

/* ---- SVG ------------------------------------------------------------------ */

#define W 640
#define H 520
#define L 70
#define T 40
#define S 400 /* plot side */

static double px(double v)
{
    return L + v * S;
}

static double py(double v)
{
    return T + S - v * S;
}

/* One reliability curve; a marker's area follows its bin's count, so a
 * bin of one signal does not look like a bin of thousands. */
static void curve(FILE *f, const argo_reliability_bin *rel, const char *color, const char *name,
                  int legend_row)
{
    size_t most = 1;
    for (int b = 0; b < ARGO_REPORT_BINS; b++)
        most = rel[b].count > most ? rel[b].count : most;
    int label_dy = legend_row ? -8 : 16; /* calibrated above, raw below */
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
    for (int b = 0; b < ARGO_REPORT_BINS; b++)
        if (rel[b].count)
            fprintf(f, "%.1f,%.1f ", px(rel[b].mean_pred), py(rel[b].observed));
    fprintf(f, "\"/>\n");
    for (int b = 0; b < ARGO_REPORT_BINS; b++)
        if (rel[b].count) {
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" "
                    "fill-opacity=\"0.6\"/>\n",
                    px(rel[b].mean_pred), py(rel[b].observed),
                    2.5 + 9 * sqrt((double)rel[b].count / (double)most), color);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"%s\">n=%zu</text>\n",
                    px(rel[b].mean_pred) + 6, py(rel[b].observed) + label_dy, color, rel[b].count);
        }
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>\n", L + S + 20,
            T + 20 + 22 * legend_row, color);
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n", L + S + 40,
            T + 26 + 22 * legend_row, name);
}

int argo_calib_report_svg(const argo_calib_report *r, const char *path, argo_err *err)
{
    char tmp[ARGO_PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return argo_err_set(err, ARGO_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            W + 80, H, W + 80, H);
    fprintf(f,
            "<text x=\"%d\" y=\"24\" font-size=\"15\">Reliability: walk-forward, %zu "
            "signals, %d folds</text>\n",
            L, r->walk.raw.n, r->folds);
    for (int i = 0; i <= 10; i++) {
        double v = i / 10.0;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>\n", px(v),
                T, px(v), T + S);
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>\n", L,
                py(v), L + S, py(v));
        fprintf(f,
                "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%.1f</text>\n",
                px(v), T + S + 14, v);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.1f</text>\n",
                L - 6, py(v) + 3, v);
    }
    fprintf(f,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
            "stroke=\"black\"/>\n",
            L, T, S, S);
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"gray\" "
            "stroke-dasharray=\"6,4\"/>\n",
            px(0), py(0), px(1), py(1));
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">mean predicted "
            "confidence (bin)</text>\n",
            L + S / 2, T + S + 34);
    fprintf(f,
            "<text x=\"16\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 16 %d)\">observed win rate</text>\n",
            T + S / 2, T + S / 2);
    curve(f, r->walk.rel_raw, "#d62728", "raw", 0);
    curve(f, r->walk.rel_cal, "#1f77b4", "calibrated", 1);
    fprintf(f,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"gray\" "
            "stroke-dasharray=\"6,4\"/>\n<text x=\"%d\" y=\"%d\" font-size=\"12\">perfect</text>\n",
            L + S + 20, T + 66, L + S + 34, T + 66, L + S + 40, T + 70);
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">Brier raw %.4f, calibrated %.4f</text>\n",
            L, H - 30, r->walk.raw.brier, r->walk.cal.brier);
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">marker area ~ signals in the bin</text>\n",
            L + S + 20, T + 100);
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">ECE raw %.4f, calibrated %.4f</text>\n", L,
            H - 14, r->walk.raw.ece, r->walk.cal.ece);
    fprintf(f, "</svg>\n");
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return argo_err_set(err, ARGO_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    /* make the rename durable */
    char dir[ARGO_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return ARGO_OK;
}

/* ---- CSV of (confidence, label[, weight]) ------------------------------------ */

typedef struct csv_ctx {
    const char *path;
    argo_err *err;
    int col[3]; /* confidence, label, weight */
    int ncols;
    double wsum;
    double *x, *y, *w;
    size_t n, cap;
} csv_ctx;

static const char *const calib_cols[3] = {"confidence", "label", "weight"};

static int calib_header(csv_ctx *c, const argo_csv_row *h)
{
    c->col[0] = c->col[1] = c->col[2] = -1;
    for (int i = 0; i < h->n; i++) {
        const char *name = h->f[i];
        while (*name == ' ' || *name == '\t')
            name++;
        size_t len = strlen(name);
        while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
            len--;
        for (int k = 0; k < 3; k++)
            if (len == strlen(calib_cols[k]) && !strncasecmp(name, calib_cols[k], len)) {
                if (c->col[k] >= 0)
                    return argo_err_set(c->err, ARGO_EPARSE,
                                        "%s:%zu: columns %d and %d are both '%s'", c->path, h->line,
                                        c->col[k] + 1, i + 1, calib_cols[k]);
                c->col[k] = i;
            }
    }
    if (c->col[0] < 0 || c->col[1] < 0)
        return argo_err_set(c->err, ARGO_EPARSE,
                            "%s:%zu: the header needs columns confidence and label", c->path,
                            h->line);
    c->ncols = h->n;
    return ARGO_OK;
}

static int calib_row(csv_ctx *c, const argo_csv_row *r)
{
    if (r->n != c->ncols)
        return argo_err_set(c->err, ARGO_EPARSE, "%s:%zu: has %d fields, the header has %d",
                            c->path, r->line, r->n, c->ncols);
    double v[3] = {0, 0, 1};
    for (int k = 0; k < 3; k++) {
        if (c->col[k] < 0)
            continue;
        const char *s = r->f[c->col[k]];
        char q[ARGO_TEXT_QUOTE_MAX];
        argo_text_quote(s, r->len[c->col[k]], q, sizeof q);
        bool ok = argo_text_decimal(s, &v[k]) == 0;
        if (k == 0 && !(ok && v[0] >= 0 && v[0] <= 1))
            return argo_err_set(c->err, ARGO_EDATA,
                                "%s:%zu: confidence '%s' is not a number in [0, 1]", c->path,
                                r->line, q);
        if (k == 1 && !(ok && (v[1] == 0 || v[1] == 1)))
            return argo_err_set(c->err, ARGO_EDATA, "%s:%zu: label '%s' is not 0 or 1", c->path,
                                r->line, q);
        if (k == 2 && !(ok && (v[2] == 0 ||
                               (v[2] >= ARGO_CALIB_WEIGHT_MIN && v[2] <= ARGO_CALIB_WEIGHT_MAX))))
            return argo_err_set(c->err, ARGO_EDATA,
                                "%s:%zu: weight '%s' is not 0 or a decimal number in [%g, %g]",
                                c->path, r->line, q, ARGO_CALIB_WEIGHT_MIN, ARGO_CALIB_WEIGHT_MAX);
    }
    if (c->n == c->cap) {
        size_t cap = c->cap;
        double *nx = argo_grow(c->x, &cap, c->n + 1, sizeof *nx, 1024);
        if (nx)
            c->x = nx;
        cap = c->cap;
        double *ny = nx ? argo_grow(c->y, &cap, c->n + 1, sizeof *ny, 1024) : NULL;
        if (ny)
            c->y = ny;
        cap = c->cap;
        double *nw = ny ? argo_grow(c->w, &cap, c->n + 1, sizeof *nw, 1024) : NULL;
        if (nw)
            c->w = nw;
        if (!nx || !ny || !nw)
            return argo_err_set(c->err, ARGO_ENOMEM, "%s: out of memory", c->path);
        c->cap = cap;
    }
    c->x[c->n] = v[0];
    c->y[c->n] = v[1];
    c->w[c->n] = v[2];
    c->wsum += v[2];
    c->n++;
    return ARGO_OK;
}

int argo_calib_csv_read(const char *path, double **x, double **y, double **w, size_t *n,
                        argo_err *err)
{
    *x = *y = *w = NULL;
    *n = 0;
    argo_csv *r;
    int rc = argo_csv_open(path, &r, err);
    if (rc)
        return rc;
    csv_ctx c = {.path = path, .err = err};
    argo_csv_row row;
    bool header = false;
    while ((rc = argo_csv_read(r, &row, err)) == 1) {
        rc = header ? calib_row(&c, &row) : calib_header(&c, &row);
        header = true;
        if (rc)
            break;
    }
    argo_csv_close(r);
    if (!rc && !header)
        rc = argo_err_set(err, ARGO_EPARSE, "%s: empty file (no header row)", path);
    if (!rc && c.n == 0)
        rc = argo_err_set(err, ARGO_EDATA, "%s: no rows: the training set is empty", path);
    if (!rc && !(c.wsum > 0))
        rc =
            argo_err_set(err, ARGO_EDATA, "%s: every weight is 0: the training set is empty", path);
    if (rc) {
        free(c.x);
        free(c.y);
        free(c.w);
        return rc;
    }
    *x = c.x;
    *y = c.y;
    if (c.col[2] >= 0)
        *w = c.w;
    else
        free(c.w);
    *n = c.n;
    return ARGO_OK;
}
