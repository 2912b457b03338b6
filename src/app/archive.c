/* SPDX-License-Identifier: MIT */
/*
 * app/archive.c - the archive operations (app/archive.h): the config
 * turned into the settings of archive/ and s3/, the checks of folders
 * before anything is read or written, and the calls.
 */
#include "app/archive.h"

#include "app/app_int.h"
#include "base/fileio.h"
#include "base/timeutil.h"
#include "s3/s3.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void argo_app_s3_config(argo_s3_config *out, const argo_config *cfg)
{
    assert(out && cfg);
    memset(out, 0, sizeof *out);
    snprintf(out->endpoint, sizeof out->endpoint, "%s", cfg->s3_endpoint);
    snprintf(out->region, sizeof out->region, "%s", cfg->s3_region);
    snprintf(out->bucket, sizeof out->bucket, "%s", cfg->s3_bucket);
    out->path_style = cfg->s3_path_style != 0;
    snprintf(out->prefix, sizeof out->prefix, "%s", cfg->s3_prefix);
    snprintf(out->storage_class, sizeof out->storage_class, "%s", cfg->s3_storage_class);
    out->multipart_threshold = (int64_t)cfg->s3_multipart_threshold_mb << 20;
    out->part_size = (int64_t)cfg->s3_part_size_mb << 20;
    out->retries = cfg->s3_retries;
    out->retry_base_ms = cfg->s3_retry_base_ms;
    out->retry_cap_ms = cfg->s3_retry_cap_ms;
    out->timeout_s = cfg->s3_timeout_s;
    out->concurrency = cfg->s3_concurrency;
    snprintf(out->lock_mode, sizeof out->lock_mode, "%s", cfg->s3_object_lock);
    out->lock_years = cfg->s3_retention_years;
    snprintf(out->credentials_file, sizeof out->credentials_file, "%s", cfg->s3_credentials_file);
    snprintf(out->profile, sizeof out->profile, "%s", cfg->s3_profile);
}

int argo_app_lifecycle(const argo_app *app, argo_lifecycle *lc, argo_err *err)
{
    assert(app && lc);
    const argo_config *cfg = &app->cfg;
    argo_lifecycle_default(lc, cfg->lc_prefix);
    lc->expiration_days = cfg->lc_expiration_days;
    lc->object_size_greater_than = cfg->lc_object_size_greater_than;
    snprintf(lc->min_size_behaviour, sizeof lc->min_size_behaviour, "%s", cfg->lc_min_size);
    if (argo_lifecycle_parse_transitions(lc, cfg->lc_transitions, err) ||
        argo_lifecycle_validate(lc, err))
        return err->code;
    return ARGO_OK;
}

/* The backup folder an operation reads: dir, else [archive] dir; checked. */
static int read_root(const argo_app *app, const char *dir, const char **root, argo_err *err)
{
    *root = dir ? dir : app->cfg.archive_dir;
    return argo_backup_dir_check(dir ? "--dir" : "[archive] dir", *root, false, err);
}

static void notice(argo_app *app, const char *line)
{
    if (app->notice)
        app->notice(app->notice_ctx, line);
}

int argo_app_archive_query(argo_app *app, const argo_app_query_options *opt, argo_query_result *out,
                           argo_err *err)
{
    assert(app && opt && out);
    memset(out, 0, sizeof *out);
    const char *root;
    if (read_root(app, opt->dir, &root, err))
        return err->code;
    return argo_archive_query(root, opt->from, opt->to, opt->by_month, opt->csv, out, err);
}

int argo_app_archive_cat(argo_app *app, const argo_app_cat_options *opt, argo_err *err)
{
    (void)app; /* cat reads a file named on the command line: no config, no store */
    assert(opt && opt->path && opt->out);
    return argo_archive_cat(opt->path, opt->schema, opt->out, err);
}

/* ---- lifecycle ---- */

void argo_app_lifecycle_result_cleanup(argo_app_lifecycle_result *r)
{
    if (!r)
        return;
    free(r->xml);
    free(r->server_xml);
    free(r->config_xml);
    r->xml = r->server_xml = r->config_xml = NULL;
}

static int not_implemented(int rc, argo_err *err)
{
    if (rc == ARGO_EREMOTE && strstr(err->msg, "NotImplemented"))
        argo_err_prefix(err, "%s", "the server does not implement bucket lifecycle: ");
    return rc;
}

int argo_app_archive_lifecycle(argo_app *app, argo_app_lifecycle_op op,
                               argo_app_lifecycle_result *out, argo_err *err)
{
    assert(app && out);
    assert(op == ARGO_APP_LIFECYCLE_SHOW || op == ARGO_APP_LIFECYCLE_APPLY ||
           op == ARGO_APP_LIFECYCLE_GET);
    memset(out, 0, sizeof *out);
    argo_lifecycle *lc = &out->lc;
    char *xml;
    if (argo_app_lifecycle(app, lc, err) || argo_lifecycle_xml(lc, &xml, err))
        return err->code;
    if (op == ARGO_APP_LIFECYCLE_SHOW) {
        out->xml = xml;
        return ARGO_OK;
    }
    argo_s3 *s3;
    int rc = argo_app_s3(app, &s3, err);
    if (!rc)
        rc = argo_lifecycle_canonical(xml, &out->config_xml, err);
    free(xml);
    if (rc)
        return rc;
    snprintf(out->target, sizeof out->target, "%s", argo_s3_target(s3));
    const char *s3_prefix = argo_s3_settings(s3)->prefix;
    if (strncmp(s3_prefix, lc->prefix, strlen(lc->prefix))) {
        char line[700];
        snprintf(line, sizeof line,
                 "warning: [s3] prefix '%s' is not under [lifecycle] prefix '%s': the rule does "
                 "not cover the pushed objects",
                 s3_prefix, lc->prefix);
        notice(app, line);
    }
    if (op == ARGO_APP_LIFECYCLE_APPLY)
        return not_implemented(
            argo_s3_lifecycle_put(s3, out->config_xml, lc->min_size_behaviour, err), err);
    char *got = NULL;
    rc = not_implemented(argo_s3_lifecycle_get(s3, &got, out->server_min_size,
                                               sizeof out->server_min_size, &out->found, err),
                         err);
    if (!rc && out->found)
        rc = argo_lifecycle_canonical(got, &out->server_xml, err);
    free(got);
    if (rc || !out->found)
        return rc;
    out->same_xml = !strcmp(out->server_xml, out->config_xml);
    out->same_size =
        !out->server_min_size[0] || !strcmp(out->server_min_size, lc->min_size_behaviour);
    return ARGO_OK;
}

/* ---- tier ---- */

int argo_app_archive_tier(argo_app *app, const argo_app_tier_options *opt, size_t *moved,
                          argo_err *err)
{
    assert(app && opt && moved);
    static const char *const lower_class[ARGO_TIER_CLASSES] = {"standard_ia", "glacier_ir",
                                                               "glacier", "deep_archive"};
    static_assert(sizeof lower_class / sizeof lower_class[0] == ARGO_TIER_CLASSES,
                  "one [tiers] key per tier class");
    const argo_config *cfg = &app->cfg;
    *moved = 0;
    argo_lifecycle lc;
    if (argo_app_lifecycle(app, &lc, err))
        return err->code;
    const char *root = opt->dir ? opt->dir : cfg->archive_dir;
    if (argo_backup_dir_check(opt->dir ? "--dir" : "[archive] dir", root, false, err))
        return err->code;
    /* tier folders are recorded in manifests: absolute, so cwd does not matter */
    char(*abs)[ARGO_PATH_MAX] = malloc(ARGO_TIER_CLASSES * sizeof *abs);
    if (!abs)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    const char *dirs[ARGO_TIER_CLASSES] = {0};
    bool any = false;
    int rc = ARGO_OK;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        /* pass 0 checks every folder before any is made; pass 1 (not for
         * a dry run) makes them */
        for (int k = 0; k < ARGO_TIER_CLASSES && !rc; k++) {
            if (!cfg->tier_dir[k][0])
                continue;
            char what[64];
            snprintf(what, sizeof what, "[tiers] %s", lower_class[k]);
            if (pass == 0 && argo_backup_dir_check(what, cfg->tier_dir[k], !opt->dry_run, err))
                rc = err->code;
            else if (pass == 1 && argo_mkdirs(cfg->tier_dir[k], err))
                rc = err->code;
            if (rc)
                break;
            dirs[k] = realpath(cfg->tier_dir[k], abs[k]) ? abs[k] : cfg->tier_dir[k];
            if (pass == 1 && dirs[k] != abs[k]) {
                rc = argo_err_set(err, ARGO_EIO, "%s = %s: %s", what, cfg->tier_dir[k],
                                  strerror(errno));
                break;
            }
            any = true;
        }
        /* a tier folder that is the root or another tier's would make a
         * move delete the only copy */
        char rootabs[ARGO_PATH_MAX];
        bool have_root = !rc && realpath(root, rootabs) != NULL;
        for (int k = 0; k < ARGO_TIER_CLASSES && !rc; k++) {
            if (!dirs[k])
                continue;
            if (have_root && !strcmp(dirs[k], rootabs)) {
                rc = argo_err_set(err, ARGO_ECONFIG, "[tiers] %s = %s is the archive folder itself",
                                  lower_class[k], cfg->tier_dir[k]);
                break;
            }
            for (int j = 0; j < k; j++)
                if (dirs[j] && !strcmp(dirs[j], dirs[k])) {
                    rc = argo_err_set(err, ARGO_ECONFIG,
                                      "[tiers] %s and %s are the same folder (%s)", lower_class[j],
                                      lower_class[k], dirs[k]);
                    break;
                }
        }
        if (opt->dry_run || !any)
            break;
    }
    if (!rc && !any)
        rc = argo_err_set(err, ARGO_ECONFIG,
                          "no [tiers] folders in the config: nothing to tier to (docs/ARCHIVE.md)");
    if (!rc)
        rc = argo_archive_tier(root, &lc, dirs, opt->now, opt->dry_run, opt->fn, opt->ctx, moved,
                               err);
    free(abs);
    return rc;
}

/* ---- push, verify --remote ---- */

/* The days asked for: one, or every backed-up day. */
static int remote_days(const char *root, int64_t day, int64_t **days, size_t *n, argo_err *err)
{
    if (day == INT64_MIN)
        return argo_backup_list(root, days, n, err);
    *days = malloc(sizeof **days);
    if (!*days)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    (*days)[0] = argo_time_day_start(day);
    *n = 1;
    return ARGO_OK;
}

static int archive_remote(argo_app *app, const argo_app_remote_options *opt, bool push,
                          argo_app_remote_result *out, argo_err *err)
{
    assert(app && opt && out);
    memset(out, 0, sizeof *out);
    const char *root;
    if (read_root(app, opt->dir, &root, err))
        return err->code;
    /* From here a failed push keeps the record of the objects it did
     * upload (docs/ARCHIVE.md), in a store it created as in any other. */
    argo_app_keep_store(app);
    argo_s3 *s3;
    int64_t *days;
    size_t n;
    if (argo_app_s3(app, &s3, err) || remote_days(root, opt->day, &days, &n, err))
        return err->code;
    snprintf(out->target, sizeof out->target, "%s", argo_s3_target(s3));
    out->days = n;
    argo_push_options po = {.bundle_month = !strcmp(app->cfg.s3_bundle, "month"), .now = opt->now};
    int rc;
    if (push)
        rc = argo_archive_push(app->store, s3, root, days, n, &po, opt->on_pushed, opt->ctx,
                               &out->push, err);
    else
        rc = argo_archive_verify_remote(app->store, s3, root, days, n, &po, opt->download,
                                        opt->on_checked, opt->ctx, &out->verify, err);
    free(days);
    return rc;
}

int argo_app_archive_push(argo_app *app, const argo_app_remote_options *opt,
                          argo_app_remote_result *out, argo_err *err)
{
    return archive_remote(app, opt, true, out, err);
}

int argo_app_archive_verify_remote(argo_app *app, const argo_app_remote_options *opt,
                                   argo_app_remote_result *out, argo_err *err)
{
    return archive_remote(app, opt, false, out, err);
}

/* ---- cost ---- */

void argo_app_cost_result_cleanup(argo_app_cost_result *r)
{
    if (!r)
        return;
    free(r->r.months);
    free(r->rb.months);
    r->r.months = r->rb.months = NULL;
}

/* Average size per kind of the day's objects in the backups, and how
 * many backup days a month holds. */
static int backup_sizes(const char *dir, argo_cost_input *in, argo_err *err)
{
    int64_t *days;
    size_t n;
    int lrc = argo_backup_list(dir, &days, &n, err);
    if (lrc && lrc != ARGO_ENOENT)
        return lrc;
    if (lrc || n == 0) {
        free(lrc ? NULL : days);
        return argo_err_set(err, ARGO_ENOENT,
                            "no backups in %s to size the model: run argo backup, or give "
                            "--signals-per-day N",
                            dir);
    }
    double sum[ARGO_COST_KINDS_MAX] = {0}, msum = 0;
    argo_manifest *man = malloc(sizeof *man);
    if (!man) {
        free(days);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        int y, m, d;
        argo_time_civil(days[i], &y, &m, &d);
        char path[ARGO_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%04d/%02d/%02d/manifest.json", dir, y, m, d);
        if (argo_manifest_load(path, man, err)) {
            free(days);
            free(man);
            return err->code;
        }
        for (size_t k = 0; k < man->nfiles; k++) {
            const argo_manifest_file *f = &man->files[k];
            char name[32];
            snprintf(name, sizeof name, "%s.%s",
                     f->kind == ARGO_BACKUP_SIGNALS ? "signals" : "outcomes",
                     f->format == ARGO_BACKUP_PARQUET ? "parquet" : "csv");
            size_t slot = 0;
            while (slot < in->nkinds && strcmp(in->kinds[slot].name, name))
                slot++;
            if (slot == in->nkinds && in->nkinds < ARGO_COST_KINDS_MAX - 1)
                snprintf(in->kinds[in->nkinds++].name, sizeof in->kinds[0].name, "%s", name);
            if (slot < in->nkinds)
                sum[slot] += (double)f->bytes;
        }
        struct stat st;
        if (stat(path, &st) == 0)
            msum += (double)st.st_size;
    }
    free(man);
    for (size_t k = 0; k < in->nkinds; k++)
        in->kinds[k].bytes = sum[k] / (double)n;
    snprintf(in->kinds[in->nkinds].name, sizeof in->kinds[0].name, "manifest.json");
    in->kinds[in->nkinds++].bytes = msum / (double)n;
    double months = (double)(days[n - 1] - days[0]) / 86400.0 / 30.4375 + 1;
    in->days_per_month = n > 1 ? (double)n / months : 21;
    free(days);
    return ARGO_OK;
}

/* A stated volume: every signal is a row made and a row resolved. Bytes
 * per row, measured by bench_parquet on 1 M rows (Snappy), plus the
 * fixed part of a small file. */
static const struct {
    const char *name;
    double row_bytes, fixed_bytes;
} stated_kinds[] = {
    {"signals.parquet", 78, 2500},
    {"signals.csv", 231, 200},
    {"outcomes.parquet", 75, 2500},
    {"outcomes.csv", 220, 200},
};
static_assert(sizeof stated_kinds / sizeof stated_kinds[0] + 1 <= ARGO_COST_KINDS_MAX,
              "the stated kinds and the manifest fit the model's kinds");

int argo_app_archive_cost(argo_app *app, const argo_app_cost_options *opt,
                          argo_app_cost_result *out, argo_err *err)
{
    assert(app && opt && out);
    memset(out, 0, sizeof *out);
    const argo_config *cfg = &app->cfg;
    argo_cost_input *in = &out->in;
    in->years = opt->years;
    in->days_per_month = 21;
    in->bundle_month = opt->bundle_month;
    if (argo_app_lifecycle(app, &out->lc, err))
        return err->code;
    in->lc = &out->lc;
    in->growth = opt->growth_pct / 100;
    const char *dir = opt->dir ? opt->dir : cfg->archive_dir;
    if (opt->signals_per_day == 0) {
        if (argo_backup_dir_check(opt->dir ? "--dir" : "[archive] dir", dir, false, err) ||
            backup_sizes(dir, in, err))
            return err->code;
    } else {
        in->nkinds = 0;
        for (size_t k = 0; k < sizeof stated_kinds / sizeof stated_kinds[0]; k++) {
            snprintf(in->kinds[k].name, sizeof in->kinds[0].name, "%s", stated_kinds[k].name);
            in->kinds[k].bytes =
                opt->signals_per_day * stated_kinds[k].row_bytes + stated_kinds[k].fixed_bytes;
            in->nkinds++;
        }
        snprintf(in->kinds[in->nkinds].name, sizeof in->kinds[0].name, "manifest.json");
        in->kinds[in->nkinds++].bytes = 1200;
    }
    const argo_prices p = {
        .standard = cfg->price_standard,
        .standard_ia = cfg->price_standard_ia,
        .glacier_ir = cfg->price_glacier_ir,
        .glacier = cfg->price_glacier,
        .deep_archive = cfg->price_deep,
        .put_per_1000 = cfg->price_put,
        .transition_ia_per_1000 = cfg->price_to_ia,
        .transition_glacier_ir_per_1000 = cfg->price_to_glacier_ir,
        .transition_glacier_per_1000 = cfg->price_to_glacier,
        .transition_deep_per_1000 = cfg->price_to_deep,
    };
    if (argo_cost_model(in, &p, &out->r, err))
        return err->code;
    argo_cost_input ib = *in;
    ib.bundle_month = true;
    if (!in->bundle_month && argo_cost_model(&ib, &p, &out->rb, err)) {
        argo_app_cost_result_cleanup(out);
        return err->code;
    }
    out->saving = 1 - out->r.total_tiered / out->r.total_standard;
    return ARGO_OK;
}

/* ---- JSON documents (the CLI's --json; a server's answers) ---- */

json_t *argo_app_query_json(const argo_query_result *r, bool by_month)
{
    assert(r);
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n; i++) {
        json_t *row = json_object();
        json_object_set_new(row, by_month ? "month" : "symbol", json_string(r->rows[i].key));
        json_object_set_new(row, "resolved", json_integer((json_int_t)r->rows[i].resolved));
        json_object_set_new(row, "wins", json_integer((json_int_t)r->rows[i].wins));
        json_object_set_new(row, "win_rate",
                            json_real((double)r->rows[i].wins / (double)r->rows[i].resolved));
        json_object_set_new(row, "pnl_pct_sum", json_real(r->rows[i].pnl_sum));
        json_array_append_new(arr, row);
    }
    return arr;
}

json_t *argo_app_cost_json(const argo_app_cost_result *cr)
{
    assert(cr);
    const argo_cost_input *in = &cr->in;
    const argo_cost_result *r = &cr->r, *rb = &cr->rb;
    json_t *o = json_object(), *months = json_array(), *kinds = json_array();
    for (size_t k = 0; k < in->nkinds; k++) {
        json_t *kk = json_object();
        json_object_set_new(kk, "kind", json_string(in->kinds[k].name));
        json_object_set_new(kk, "bytes_per_object", json_real(in->kinds[k].bytes));
        json_array_append_new(kinds, kk);
    }
    double cs = 0, ct = 0;
    for (int m = 0; m < r->nmonths; m++) {
        cs += r->months[m].standard;
        ct += r->months[m].tiered;
        json_t *mm = json_object();
        json_object_set_new(mm, "month", json_integer(m + 1));
        json_object_set_new(mm, "standard", json_real(r->months[m].standard));
        json_object_set_new(mm, "tiered", json_real(r->months[m].tiered));
        json_object_set_new(mm, "cumulative_standard", json_real(cs));
        json_object_set_new(mm, "cumulative_tiered", json_real(ct));
        json_array_append_new(months, mm);
    }
    json_object_set_new(o, "years", json_integer(in->years));
    json_object_set_new(o, "bundle_month", json_boolean(in->bundle_month));
    json_object_set_new(o, "objects_per_month_per_kind",
                        json_real(in->bundle_month ? 1 : in->days_per_month));
    json_object_set_new(o, "kinds", kinds);
    json_object_set_new(o, "total_standard", json_real(r->total_standard));
    json_object_set_new(o, "total_tiered", json_real(r->total_tiered));
    json_object_set_new(o, "saving", json_real(cr->saving));
    json_object_set_new(o, "objects", json_real(r->objects));
    json_object_set_new(o, "objects_never_transitioned", json_real(r->never_transitioned));
    if (!in->bundle_month)
        json_object_set_new(o, "bundled_total_tiered", json_real(rb->total_tiered));
    json_object_set_new(o, "months", months);
    return o;
}

static int take_newest(void *ctx, const argo_remote_object *o)
{
    argo_app_last_push *p = ctx;
    if (!p->objects++ || o->uploaded_at > p->newest.uploaded_at ||
        (o->uploaded_at == p->newest.uploaded_at && strcmp(o->key, p->newest.key) > 0))
        p->newest = *o;
    return 0;
}

int argo_app_archive_last_push(argo_app *app, argo_app_last_push *out, argo_err *err)
{
    assert(app && app->store && out);
    memset(out, 0, sizeof *out);
    argo_s3 *s3;
    int rc = argo_app_s3(app, &s3, err);
    if (rc)
        return rc;
    snprintf(out->target, sizeof out->target, "%s", argo_s3_target(s3));
    if ((rc = argo_store_remotes_scan(app->store, out->target, take_newest, out, err)))
        return rc;
    out->found = out->objects > 0;
    return ARGO_OK;
}

int argo_app_archive_ping(argo_app *app, char *target, size_t n, argo_err *err)
{
    assert(app && target && n);
    target[0] = 0;
    argo_s3 *s3;
    int rc = argo_app_s3(app, &s3, err);
    if (rc)
        return rc;
    snprintf(target, n, "%s", argo_s3_target(s3));
    char key[ARGO_PATH_MAX];
    snprintf(key, sizeof key, "%s.argo-health-probe", argo_s3_settings(s3)->prefix);
    argo_s3_object o;
    bool found;
    return argo_s3_head(s3, key, &o, &found, err);
}
