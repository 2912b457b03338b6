/* SPDX-License-Identifier: MIT */
/*
 * bench/bench_api.c - the REST API's handler in process (no sockets):
 * GET /api/v1/signals?limit=L through argo_api_handle on a store of the
 * shipped data (data/market, replayed), answered 200 and, with its
 * ETag in If-None-Match, 304; and, measured in the same run, each part
 * of the work alone: the page query (argo_app_signals_page), building
 * the document (argo_json_signal_page), writing it (json_dumps) and its
 * digest (SHA-256), so the figures say where a request's time goes.
 * Usage: bench_api [SECONDS_PER_FIGURE]   (default 1)
 */
#include "app/app.h"
#include "app/flow.h"
#include "app/json.h"
#include "app/query.h"
#include "base/digest.h"
#include "bench_util.h"
#include "server/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double secs = 1;

typedef void (*work_fn)(void *ctx);

/* microseconds per call of fn, run for secs */
static double per_call(work_fn fn, void *ctx)
{
    size_t n = 0;
    double t0 = bench_now(), t;
    do {
        fn(ctx);
        n++;
    } while ((t = bench_now()) - t0 < secs);
    return 1e6 * (t - t0) / (double)n;
}

typedef struct job {
    argo_app *app;
    argo_api_request req;
    argo_page_options po;
    argo_signal_list list;
    json_t *doc;
    char *text;
} job;

static void do_handle(void *ctx)
{
    job *j = ctx;
    argo_api_response r;
    if (argo_api_handle(j->app, &j->req, &r) || (r.status != 200 && r.status != 304))
        abort();
    argo_api_response_cleanup(&r);
}

static void do_query(void *ctx)
{
    job *j = ctx;
    argo_signal_list l;
    bool more;
    argo_err err;
    if (argo_app_signals_page(j->app, &j->po, &l, &more, &err))
        abort();
    argo_signal_list_cleanup(&l);
}

static void do_build(void *ctx)
{
    job *j = ctx;
    json_decref(argo_json_signal_page(&j->list, true));
}

static void do_dump(void *ctx)
{
    job *j = ctx;
    free(json_dumps(j->doc, JSON_COMPACT | JSON_REAL_PRECISION(17)));
}

static void do_digest(void *ctx)
{
    job *j = ctx;
    char hex[65];
    argo_sha256_hex(j->text, strlen(j->text), hex);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        secs = atof(argv[1]);
    if (!(secs > 0)) {
        fprintf(stderr, "usage: bench_api [SECONDS_PER_FIGURE]\n");
        return 2;
    }
    char dir[] = "/tmp/argo-bench-api-XXXXXX", db[64], conf[64], msft[512], ttrc[512];
    if (!mkdtemp(dir))
        return 1;
    snprintf(db, sizeof db, "%s/argo.db", dir);
    snprintf(conf, sizeof conf, "%s/argo.conf", dir);
    FILE *f = fopen(conf, "w");
    if (!f)
        return 1;
    fprintf(f, "[archive]\ndir = %s/backups\n", dir);
    fclose(f);
    snprintf(msft, sizeof msft, "%s/data/market/MSFT.csv", ARGO_SOURCE_DIR);
    snprintf(ttrc, sizeof ttrc, "%s/data/market/TTRC.csv", ARGO_SOURCE_DIR);
    const char *paths[2] = {msft, ttrc}, *syms[2] = {"MSFT", "TTRC"};
    argo_app_options opt = {.config_path = conf, .db_path = db, .store = ARGO_APP_STORE_RW};
    argo_app *app;
    argo_err err;
    argo_ingest_report reps[2];
    argo_replay_options ro = {.from = INT64_MIN, .to = INT64_MAX};
    if (argo_app_open(&opt, &app, &err) ||
        argo_app_ingest(app, 2, paths, syms, false, reps, &err) ||
        argo_app_replay(app, &ro, NULL, &err)) {
        fprintf(stderr, "bench_api: %s\n", err.msg);
        return 1;
    }
    printf("bench_api: %.1f s a figure, the shipped data replayed; microseconds per call\n", secs);
    static const size_t limits[] = {100, 1000};
    for (size_t k = 0; k < 2; k++) {
        char q[32];
        snprintf(q, sizeof q, "limit=%zu", limits[k]);
        job j = {.app = app,
                 .req = {.method = "GET",
                         .path = "/api/v1/signals",
                         .query = q,
                         .role = ARGO_ROLE_ADMIN},
                 .po = {.since = INT64_MIN,
                        .until = INT64_MAX,
                        .status = -1,
                        .published = -1,
                        .min_confidence = -1,
                        .limit = limits[k]}};
        argo_api_response r;
        bool more;
        if (argo_api_handle(app, &j.req, &r) || r.status != 200 ||
            argo_app_signals_page(app, &j.po, &j.list, &more, &err))
            return 1;
        char etag[sizeof r.etag];
        memcpy(etag, r.etag, sizeof etag);
        size_t bytes = r.len;
        argo_api_response_cleanup(&r);
        j.doc = argo_json_signal_page(&j.list, more);
        j.text = json_dumps(j.doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
        double full = per_call(do_handle, &j);
        j.req.if_none_match = etag;
        double cond = per_call(do_handle, &j);
        double query = per_call(do_query, &j), build = per_call(do_build, &j);
        double dump = per_call(do_dump, &j), digest = per_call(do_digest, &j);
        printf("GET /api/v1/signals?%s (%zu signals, %zu bytes): 200 %.0f us (%.0f/s), "
               "304 %.0f us\n",
               q, j.list.n, bytes, full, 1e6 / full, cond);
        printf("  alone: query %.0f us (%.0f%%), document %.0f us (%.0f%%), json_dumps %.0f us "
               "(%.0f%%), SHA-256 %.0f us (%.0f%%)\n",
               query, 100 * query / full, build, 100 * build / full, dump, 100 * dump / full,
               digest, 100 * digest / full);
        free(j.text);
        json_decref(j.doc);
        argo_signal_list_cleanup(&j.list);
    }
    argo_app_close(app, false);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) ? 1 : 0;
}
