/* SPDX-License-Identifier: MIT */
/*
 * app/app.c - the argo_app handle: config, store and S3 client.
 */
#include "app/app_int.h"

#include "app/archive.h"
#include "app/flow_store.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The file of a SQLite store URL ("sqlite:PATH" or PATH), or NULL for one
 * that is not a file: ":memory:", or a server's database (PostgreSQL),
 * where a failed command rolls its transaction back instead of removing
 * a file. */
static const char *sqlite_file(const char *url)
{
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
        return NULL;
    const char *path = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
    return strcmp(path, ":memory:") && *path ? path : NULL;
}

void argo_app_err_mask(const argo_app *app, argo_err *err)
{
    assert(app);
    const char *url = app->db, *masked = app->db_masked;
    if (!err || !strcmp(url, masked))
        return;
    char out[ARGO_ERR_MSG_MAX];
    size_t o = 0, ul = strlen(url);
    const char *p = err->msg;
    while (*p && o + 1 < sizeof out) {
        size_t rest = strlen(p), k = rest < ul ? rest : ul;
        if (k >= 11 && !strncmp(p, url, k)) { /* 11: "postgres://" */
            int w = snprintf(out + o, sizeof out - o, "%s", masked);
            o = w < 0 || (size_t)w >= sizeof out - o ? sizeof out - 1 : o + (size_t)w;
            p += k;
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = 0;
    memcpy(err->msg, out, o + 1);
}

int argo_app_open(const argo_app_options *opt, argo_app **out, argo_err *err)
{
    assert(opt && out);
    assert(opt->store >= ARGO_APP_STORE_NONE && opt->store <= ARGO_APP_STORE_RW_EXISTING);
    *out = NULL;
    if (opt->db_path && !*opt->db_path)
        return argo_err_set(err, ARGO_EINVAL, "--db '': the database path is empty");
    if (opt->config_path && !*opt->config_path)
        return argo_err_set(err, ARGO_EINVAL, "--config '': the config path is empty");
    argo_app *app = calloc(1, sizeof *app);
    if (!app)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    argo_config_init(&app->cfg);
    const char *path = opt->config_path ? opt->config_path : getenv("ARGO_CONFIG");
    struct stat sb;
    if (!path && stat("argo.conf", &sb) == 0)
        path = "argo.conf";
    if (path && argo_config_load(&app->cfg, path, err)) {
        free(app);
        return err->code;
    }
    const char *db = opt->db_path ? opt->db_path : getenv("ARGO_DB");
    if (!db || !*db)
        db = app->cfg.db[0] ? app->cfg.db : "argo.db";
    snprintf(app->db, sizeof app->db, "%s", db);
    argo_store_url_masked(app->db, app->db_masked, sizeof app->db_masked);
    if (opt->store != ARGO_APP_STORE_NONE) {
        /* [store] busy_timeout_ms as configured: 0 is "do not wait" */
        argo_store_options so = {.busy_timeout_ms = app->cfg.busy_timeout_ms,
                                 .read_only = opt->store == ARGO_APP_STORE_RO,
                                 .must_exist = opt->store == ARGO_APP_STORE_RW_EXISTING,
                                 /* [store] mmap_mb: 0 maps nothing */
                                 .mmap_bytes =
                                     app->cfg.mmap_mb ? (int64_t)app->cfg.mmap_mb << 20 : -1};
        const char *file = sqlite_file(app->db);
        bool created = opt->store == ARGO_APP_STORE_RW && file && stat(file, &sb) != 0;
        if (argo_store_open(app->db, &so, &app->store, err)) {
            argo_app_err_mask(app, err);
            free(app);
            return err->code;
        }
        app->store_created = created;
    }
    *out = app;
    return 0;
}

void argo_app_close(argo_app *app, bool failed)
{
    if (!app)
        return;
    argo_s3_close(app->s3);
    argo_store_close(app->store);
    const char *file = sqlite_file(app->db);
    if (failed && app->store_created && file) { /* a failed command leaves no new store behind */
        static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
        for (size_t k = 0; k < sizeof ext / sizeof ext[0]; k++) {
            char p[ARGO_PATH_MAX + 16];
            snprintf(p, sizeof p, "%s%s", file, ext[k]);
            unlink(p);
        }
    }
    free(app);
}

const argo_config *argo_app_config(const argo_app *app)
{
    assert(app);
    return &app->cfg;
}

const char *argo_app_db_path(const argo_app *app)
{
    assert(app);
    return app->db;
}

const char *argo_app_db_masked(const argo_app *app)
{
    assert(app);
    return app->db_masked;
}

void argo_app_keep_store(argo_app *app)
{
    assert(app);
    app->store_created = false;
}

void argo_app_set_events(argo_app *app, const argo_events *ev)
{
    assert(app);
    if (ev)
        app->ev = *ev;
    else
        memset(&app->ev, 0, sizeof app->ev);
}

void argo_app_set_event_log(argo_app *app, bool bars)
{
    assert(app);
    app->log_bars = bars;
}

int argo_app_log_health(argo_app *app, const char *data, argo_err *err)
{
    assert(app && app->store && data);
    argo_flow_events fe = {0};
    int rc = argo_flow_begin(app->store, "cycle", err);
    if (rc)
        return rc;
    if ((rc = argo_flow_log_raw(app->store, &fe, "health", "", 0, true, data, err)) ||
        (rc = argo_flow_commit(app->store, err)))
        argo_flow_rollback(app->store);
    else
        argo_flow_events_announce(app->store, &fe, &app->ev, app->notice, app->notice_ctx);
    argo_flow_events_free(&fe);
    return rc;
}

bool argo_app_retry(argo_app *app, int rc, int *attempt, const argo_err *err)
{
    assert(app && attempt);
    if (rc != ARGO_ENET || !app->store || !argo_store_concurrent(app->store) ||
        *attempt >= ARGO_APP_RETRIES)
        return false;
    long ms = 250L << *attempt;
    (*attempt)++;
    if (app->notice) {
        char line[ARGO_ERR_MSG_MAX + 96];
        snprintf(line, sizeof line, "%s; running it again in %ld ms (retry %d of %d)",
                 err ? err->msg : "connection lost", ms, *attempt, ARGO_APP_RETRIES);
        app->notice(app->notice_ctx, line);
    }
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) && errno == EINTR)
        ;
    return true;
}

#define SERVE_HOLD "serve"

static int served(const argo_app *app, long pid, argo_err *err)
{
    if (pid > 0)
        return argo_err_set(err, ARGO_EBUSY, "store %s is served by argo serve (pid %ld)",
                            app->db_masked, pid);
    return argo_err_set(err, ARGO_EBUSY, "store %s is served by argo serve (another process)",
                        app->db_masked);
}

int argo_app_hold_serve(argo_app *app, argo_err *err)
{
    assert(app && app->store);
    /* several processes may write a concurrent store (PostgreSQL): the
     * cycles are serialised by their named lock, not by one server */
    if (argo_store_concurrent(app->store))
        return ARGO_OK;
    long pid = 0;
    argo_err why;
    int rc = argo_store_hold(app->store, SERVE_HOLD, &pid, &why);
    if (rc == ARGO_EBUSY)
        return served(app, pid, err);
    if (rc && err)
        *err = why;
    return rc;
}

int argo_app_check_not_served(argo_app *app, argo_err *err)
{
    assert(app && app->store);
    if (argo_store_concurrent(app->store))
        return ARGO_OK;
    bool held = false;
    long pid = 0;
    int rc = argo_store_held(app->store, SERVE_HOLD, &held, &pid, err);
    if (rc)
        return rc;
    return held ? served(app, pid, err) : ARGO_OK;
}

void argo_app_set_notice(argo_app *app, argo_app_notice_fn fn, void *ctx)
{
    assert(app);
    app->notice = fn;
    app->notice_ctx = ctx;
}

static void s3_retry(void *ctx, const char *what)
{
    argo_app *app = ctx;
    if (app->notice)
        app->notice(app->notice_ctx, what);
}

int argo_app_s3(argo_app *app, argo_s3 **out, argo_err *err)
{
    assert(app && out);
    if (!app->s3) {
        if (!app->cfg.s3_bucket[0])
            return argo_err_set(err, ARGO_ECONFIG,
                                "no [s3] bucket in the config: S3 is not configured "
                                "(docs/ARCHIVE.md)");
        argo_s3_config sc;
        argo_app_s3_config(&sc, &app->cfg);
        if (argo_s3_open(&sc, s3_retry, app, &app->s3, err))
            return err->code;
    }
    *out = app->s3;
    return 0;
}
