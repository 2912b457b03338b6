/* SPDX-License-Identifier: MIT */
/*
 * app/health.c - the state of an argo installation at a glance.
 */
#include "app/health.h"

#include "app/app_int.h"
#include "app/backup.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count_one(void *ctx, const argo_signal *g)
{
    (void)g;
    (*(size_t *)ctx)++;
    return 0;
}

/* store access in one place */
static int load_store_state(argo_store *st, argo_app_health *h, argo_err *err)
{
    argo_symbol *syms;
    size_t ns;
    int rc = argo_store_symbols(st, &syms, &ns, err);
    if (rc)
        return rc;
    h->symbols = ns;
    for (size_t i = 0; i < ns; i++)
        h->newest_bar = syms[i].last_ts > h->newest_bar ? syms[i].last_ts : h->newest_bar;
    free(syms);
    return argo_store_signals_open(st, 0, count_one, &h->open_signals, err);
}

int argo_app_health_check(argo_app *app, argo_app_health *out, argo_err *err)
{
    assert(app && app->store && out);
    (void)err; /* every part's failure is reported in *out */
    memset(out, 0, sizeof *out);
    out->newest_bar = INT64_MIN;
    out->last_backup_day = INT64_MIN;
    argo_err e = {0};
    if (load_store_state(app->store, out, &e)) {
        snprintf(out->store_error, sizeof out->store_error, "%s",
                 e.msg[0] ? e.msg : argo_strerror(e.code));
        out->symbols = out->open_signals = 0;
        out->newest_bar = INT64_MIN;
    } else
        out->store_ok = true;
    int64_t *days = NULL;
    size_t n = 0;
    e = (argo_err){0};
    if (argo_backup_list(app->cfg.archive_dir, &days, &n, &e) == 0 && n == 0)
        argo_err_set(&e, ARGO_ENOENT, "no backup under %s", app->cfg.archive_dir);
    if (e.code) {
        snprintf(out->backup_error, sizeof out->backup_error, "%s",
                 e.msg[0] ? e.msg : argo_strerror(e.code));
        free(days);
        return 0;
    }
    out->backup_found = true;
    out->last_backup_day = days[n - 1];
    free(days);
    argo_app_backup_options bo = {.day = out->last_backup_day};
    argo_app_verify_result vr;
    e = (argo_err){0};
    if (argo_app_backup_verify(app, &bo, &vr, &e))
        snprintf(out->backup_error, sizeof out->backup_error, "%s",
                 e.msg[0] ? e.msg : argo_strerror(e.code));
    else {
        out->backup_ok = true;
        out->backup_files = vr.files;
    }
    return 0;
}
