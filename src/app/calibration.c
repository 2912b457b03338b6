/* SPDX-License-Identifier: MIT */
/*
 * app/calibration.c - the calibration operations (argo calibrate).
 */
#include "app/calibration.h"
#include "app/flow.h"

#include "app/app_int.h"
#include "app/engine.h"
#include "base/grow.h"
#include "base/limits.h"
#include "base/text.h"
#include "calibrate/isotonic.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- list ------------------------------------------------------------------ */

typedef struct model_collect {
    argo_model_list *l;
    size_t cap;
    argo_err *err;
} model_collect;

static int take_model(void *ctx, const argo_model_row *m)
{
    model_collect *c = ctx;
    argo_model_info *v = argo_grow(c->l->v, &c->cap, c->l->n + 1, sizeof *v, 16);
    if (!v)
        return argo_err_set(c->err, ARGO_ENOMEM, "out of memory listing the models");
    c->l->v = v;
    argo_model_info *mi = &v[c->l->n++];
    memset(mi, 0, sizeof *mi);
    mi->row = *m;
    mi->row.n = 0;
    mi->row.x = mi->row.y = NULL;
    snprintf(mi->symbol, sizeof mi->symbol, "-");
    return 0;
}

/* store access in one place: the models, then the symbols (collect,
 * then act: no store call inside a scan) */
static int load_models(argo_store *st, model_collect *c, argo_symbol **syms, size_t *nsyms,
                       argo_err *err)
{
    int rc = argo_store_models_scan(st, take_model, c, err);
    return rc ? rc : argo_store_symbols(st, syms, nsyms, err);
}

int argo_app_models(argo_app *app, argo_model_list *out, argo_err *err)
{
    assert(app && app->store && out);
    memset(out, 0, sizeof *out);
    model_collect c = {.l = out, .err = err};
    argo_symbol *syms = NULL;
    size_t ns = 0;
    int rc = load_models(app->store, &c, &syms, &ns, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < out->n; i++)
        for (size_t k = 0; out->v[i].row.symbol_id && k < ns; k++)
            if (syms[k].id == out->v[i].row.symbol_id)
                snprintf(out->v[i].symbol, sizeof out->v[i].symbol, "%s", syms[k].name);
    free(syms);
    return 0;
}

void argo_model_list_cleanup(argo_model_list *l)
{
    if (l) {
        free(l->v);
        l->v = NULL;
        l->n = 0;
    }
}

/* ---- fit ------------------------------------------------------------------- */

static int save_model(argo_store *st, argo_model_row *row, argo_err *err)
{
    int rc = argo_store_begin(st, err);
    if (!rc && !(rc = argo_store_model_insert(st, row, err)))
        rc = argo_store_commit(st, err);
    if (rc)
        argo_store_rollback(st);
    return rc;
}

int argo_app_calibrate_fit(argo_app *app, const char *csv, argo_calib_fit_result *out,
                           argo_err *err)
{
    assert(app && app->store && csv && out);
    memset(out, 0, sizeof *out);
    double *x, *y, *w;
    size_t n;
    int rc = argo_calib_csv_read(csv, &x, &y, &w, &n, err);
    if (rc)
        return rc;
    argo_iso_model *m = NULL;
    argo_iso_fit_stats fs;
    rc = argo_iso_fit(x, y, w, n, &m, &fs, err);
    free(x);
    free(y);
    free(w);
    if (rc)
        return rc;
    bool finite = isfinite(fs.brier) && isfinite(fs.log_loss) && isfinite(fs.ece);
    for (size_t i = 0; i < m->n && finite; i++)
        finite = isfinite(m->x[i]) && isfinite(m->y[i]);
    if (!finite) { /* never store a model that cannot be evaluated */
        argo_iso_model_free(m);
        return argo_err_set(err, ARGO_EDATA,
                            "%s: the fit gave a non-finite value; model not stored", csv);
    }
    argo_model_row row = {.trained_through = 0,
                          .samples = (int64_t)n,
                          .n = m->n,
                          .x = m->x,
                          .y = m->y,
                          .brier = fs.brier,
                          .log_loss = fs.log_loss,
                          .ece = fs.ece,
                          .brier_raw = NAN,
                          .log_loss_raw = NAN,
                          .ece_raw = NAN,
                          .created_at = (int64_t)time(NULL)};
    snprintf(row.scope, sizeof row.scope, "external");
    if ((rc = save_model(app->store, &row, err))) {
        argo_iso_model_free(m);
        return rc;
    }
    /* the result takes the points; the model keeps nothing else of use */
    out->version = row.version;
    out->samples = n;
    out->n = m->n;
    out->x = m->x;
    out->y = m->y;
    out->brier = fs.brier;
    out->log_loss = fs.log_loss;
    out->ece = fs.ece;
    m->x = m->y = NULL;
    m->n = 0;
    argo_iso_model_free(m);
    return 0;
}

void argo_calib_fit_result_cleanup(argo_calib_fit_result *r)
{
    if (r) {
        free(r->x);
        free(r->y);
        memset(r, 0, sizeof *r);
    }
}

/* ---- predict --------------------------------------------------------------- */

static int load_model(argo_store *st, int64_t version, argo_iso_model **m, argo_err *err)
{
    argo_model_row row;
    int rc = argo_store_model_get(st, version, &row, err);
    if (rc)
        return rc;
    rc = argo_iso_model_from_points(row.x, row.y, row.n, m, err);
    argo_model_row_cleanup(&row);
    return rc;
}

int argo_app_calibrate_predict(argo_app *app, int64_t version, FILE *in, const char *where,
                               argo_predict_fn fn, void *ctx, argo_err *err)
{
    assert(app && app->store && in && where && fn);
    argo_iso_model *m;
    int rc = load_model(app->store, version, &m, err);
    if (rc)
        return rc;
    char line[ARGO_LINE_MAX];
    size_t no = 0;
    for (;;) {
        /* one line, bounded: a longer one is an error, never two inputs */
        size_t len = 0;
        int ch = EOF;
        bool nul = false;
        while ((ch = getc(in)) != EOF && ch != '\n') {
            nul |= ch == '\0';
            if (len < sizeof line - 1)
                line[len] = (char)ch;
            len++;
        }
        if (ch == EOF && len == 0)
            break;
        no++;
        if (len >= sizeof line - 1) {
            argo_iso_model_free(m);
            return argo_err_set(err, ARGO_ELIMIT, "%s:%zu: the line is longer than %d bytes", where,
                                no, ARGO_LINE_MAX - 2);
        }
        if (len && line[len - 1] == '\r')
            len--;
        line[len] = '\0';
        if (!nul && strspn(line, " \t") == len)
            continue; /* a blank line */
        double v = 0;
        int bad = nul ? ARGO_EPARSE : argo_text_decimal(line, &v);
        if (bad || v < 0 || v > 1) {
            char q[ARGO_TEXT_QUOTE_MAX];
            argo_text_quote(line, len, q, sizeof q);
            argo_iso_model_free(m);
            return argo_err_set(err, ARGO_EDATA, "%s:%zu: '%s' is not a confidence in [0, 1]%s",
                                where, no, q, nul ? " (a NUL byte)" : "");
        }
        fn(ctx, v, argo_iso_predict(m, v));
    }
    argo_iso_model_free(m);
    if (ferror(in))
        return argo_err_set(err, ARGO_EIO, "%s:%zu: read error", where, no + 1);
    return 0;
}

/* ---- report ---------------------------------------------------------------- */

int argo_app_calibrate_plot(argo_app *app, double train_fraction, int folds, const char *path,
                            argo_err *err)
{
    assert(path);
    argo_calib_report *r;
    int rc = argo_app_calibration_report(app, train_fraction, folds, &r, err);
    if (rc)
        return rc;
    rc = argo_calib_report_svg(r, path, err);
    free(r);
    return rc;
}

int argo_app_calib_report_text(const argo_calib_report *r, FILE *f, argo_err *err)
{
    assert(r && f);
    return argo_calib_report_write(r, f, err);
}
