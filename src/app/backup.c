/* SPDX-License-Identifier: MIT */
/*
 * app/backup.c - the daily backups (argo backup, argo backup verify).
 */
#include "app/backup.h"

#include "app/app_int.h"
#include "base/timeutil.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int argo_app_backup_formats_parse(const char *s)
{
    assert(s);
    return !strcmp(s, "parquet") ? ARGO_BACKUP_PARQUET
           : !strcmp(s, "csv")   ? ARGO_BACKUP_CSV
           : !strcmp(s, "both")  ? ARGO_BACKUP_PARQUET | ARGO_BACKUP_CSV
                                 : -1;
}

int argo_app_backup_codec_parse(const char *s)
{
    assert(s);
    return argo_pq_codec_parse(s);
}

#define TIERS 4 /* the [tiers] folders of argo_config */
static_assert(sizeof((argo_config *)0)->tier_dir / sizeof((argo_config *)0)->tier_dir[0] == TIERS,
              "one entry per [tiers] folder");

/* The [tiers] folders, absolute as the manifests record them; NULL for
 * one not set or not there. */
typedef struct tier_dirs {
    char abs[TIERS][ARGO_PATH_MAX];
    const char *dirs[TIERS];
} tier_dirs;

static void tiers_of(const argo_config *cfg, tier_dirs *t)
{
    for (int k = 0; k < TIERS; k++)
        t->dirs[k] =
            cfg->tier_dir[k][0] && realpath(cfg->tier_dir[k], t->abs[k]) ? t->abs[k] : NULL;
}

/* The newest bar's time over every symbol; INT64_MIN: no bars. */
static int newest_bar(argo_store *st, int64_t *ts, argo_err *err)
{
    argo_symbol *syms;
    size_t ns;
    int rc = argo_store_symbols(st, &syms, &ns, err);
    if (rc)
        return rc;
    *ts = INT64_MIN;
    for (size_t i = 0; i < ns; i++)
        *ts = syms[i].last_ts > *ts ? syms[i].last_ts : *ts;
    free(syms);
    return 0;
}

/* The days opt names: one, or every day (backed up, for verify, or
 * with signals). */
static int days_of(argo_app *app, const argo_app_backup_options *opt, const char *root, bool verify,
                   int64_t **days, size_t *n, argo_err *err)
{
    *days = NULL;
    *n = 0;
    if (opt->all)
        return verify ? argo_backup_list(root, days, n, err)
                      : argo_backup_days(app->store, days, n, err);
    int64_t day = opt->day;
    if (day == INT64_MIN) {
        int rc = newest_bar(app->store, &day, err);
        if (rc)
            return rc;
        if (day == INT64_MIN)
            return argo_err_set(err, ARGO_ENOENT, "no bars in %s: nothing to back up",
                                app->db_masked);
    }
    if (!(*days = malloc(sizeof **days)))
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    (*days)[0] = day;
    *n = 1;
    return 0;
}

static const char *root_of(const argo_app *app, const argo_app_backup_options *opt)
{
    return opt->dir ? opt->dir : app->cfg.archive_dir;
}

int argo_app_backup(argo_app *app, const argo_app_backup_options *opt, argo_app_backup_result *out,
                    argo_err *err)
{
    assert(app && app->store && opt && out);
    assert(!(opt->all && opt->day != INT64_MIN));
    memset(out, 0, sizeof *out);
    argo_backup_options bo = {
        .root = root_of(app, opt), .formats = opt->formats, .codec = opt->codec};
    int rc = argo_backup_dir_check(opt->dir ? "--dir" : "[archive] dir", bo.root, true, err);
    if (rc)
        return rc;
    int64_t *days;
    size_t n;
    if ((rc = days_of(app, opt, bo.root, false, &days, &n, err)))
        return rc;
    if (n && !(out->days = calloc(n, sizeof *out->days))) {
        free(days);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n && !rc; i++) {
        argo_app_backup_day *d = &out->days[out->n];
        d->day = argo_time_day_start(days[i]);
        if (!(rc = argo_backup_day(app->store, days[i], &bo, &d->r, err)))
            out->n++;
    }
    free(days);
    /* every day is whole: what an interrupted --all left elsewhere goes */
    if (!rc && opt->all)
        rc = argo_backup_orphans(bo.root, NULL, 0, INT64_MIN, true, NULL, NULL, NULL, err);
    return rc;
}

void argo_app_backup_result_cleanup(argo_app_backup_result *r)
{
    if (r) {
        free(r->days);
        r->days = NULL;
        r->n = 0;
    }
}

static void first_orphan(void *ctx, const char *path, const char *why)
{
    char *out = ctx;
    if (!out[0])
        snprintf(out, ARGO_PATH_MAX + 160, "%s: %s", path, why);
}

int argo_app_backup_verify(argo_app *app, const argo_app_backup_options *opt,
                           argo_app_verify_result *out, argo_err *err)
{
    assert(app && app->store && opt && out);
    assert(!(opt->all && opt->day != INT64_MIN));
    memset(out, 0, sizeof *out);
    const char *root = root_of(app, opt);
    int rc = argo_backup_dir_check(opt->dir ? "--dir" : "[archive] dir", root, false, err);
    if (rc)
        return rc;
    tier_dirs t;
    tiers_of(&app->cfg, &t);
    int64_t *days;
    size_t n;
    if ((rc = days_of(app, opt, root, true, &days, &n, err)))
        return rc;
    char first[ARGO_PATH_MAX + 160];
    for (size_t i = 0; i < n && !rc; i++) {
        size_t f = 0, orphans = 0;
        first[0] = '\0';
        rc = argo_backup_verify(app->store, root, days[i], &f, err);
        if (!rc)
            rc = argo_backup_orphans(root, t.dirs, TIERS, days[i], false, first_orphan, first,
                                     &orphans, err);
        if (!rc && orphans)
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s (%zu file%s no manifest lists)", first,
                              orphans, orphans == 1 ? "" : "s");
        out->files += f;
        if (!rc)
            out->days++;
    }
    /* an interrupted backup can leave a day folder without a manifest */
    if (!rc && opt->all) {
        size_t orphans = 0;
        first[0] = '\0';
        rc = argo_backup_orphans(root, t.dirs, TIERS, INT64_MIN, false, first_orphan, first,
                                 &orphans, err);
        if (!rc && orphans)
            rc = argo_err_set(err, ARGO_ECORRUPT,
                              "%s (%zu file%s no manifest lists; the next argo backup "
                              "removes argo's own)",
                              first, orphans, orphans == 1 ? "" : "s");
    }
    free(days);
    return rc;
}
