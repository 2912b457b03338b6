/* SPDX-License-Identifier: MIT */
/*
 * app/archive.h - the archive operations of argo (docs/ARCHIVE.md,
 * docs/BACKUPS.md): query, cat, cost, lifecycle show/apply/get, tier,
 * push and verify --remote. Each takes the app handle and its options,
 * fills a result and never prints: presenters (cli/archive_cmd.c, a
 * server) turn results into text or JSON. Progress (each object pushed
 * or checked, each file moved) is reported through the callbacks of the
 * options as it happens; non-fatal notices (an S3 request retried, a
 * lifecycle prefix that does not cover the pushed objects) through
 * argo_app_set_notice. On failure err says why, in the words of the
 * one-line error "argo archive: ...".
 */
#ifndef ARGO_APP_ARCHIVE_H
#define ARGO_APP_ARCHIVE_H

#include "app/app.h"
#include "archive/archive.h"
#include "archive/cost.h"
#include "archive/lifecycle.h"
#include "archive/remote.h"
#include "archive/tier.h"
#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct argo_s3_config;

/* The S3 client settings of the config's [s3] section. */
void argo_app_s3_config(struct argo_s3_config *out, const argo_config *cfg);

/* The [lifecycle] policy of the config, validated (ARGO_ECONFIG). */
int argo_app_lifecycle(const argo_app *app, argo_lifecycle *lc, argo_err *err);

/* argo archive query: outcomes resolved in [from, to] from the backups
 * in dir (NULL: [archive] dir). out is cleaned with
 * argo_query_result_cleanup. */
typedef struct argo_app_query_options {
    const char *dir;
    int64_t from, to; /* days */
    bool by_month;    /* else by symbol */
    bool csv;         /* read the CSV files instead of Parquet */
} argo_app_query_options;

int argo_app_archive_query(argo_app *app, const argo_app_query_options *opt, argo_query_result *out,
                           argo_err *err);

/* argo archive cat: a Parquet file's rows as JSON (or with schema its
 * columns) written to out, the stream the presenter gives. */
typedef struct argo_app_cat_options {
    const char *path;
    bool schema;
    FILE *out;
} argo_app_cat_options;

int argo_app_archive_cat(argo_app *app, const argo_app_cat_options *opt, argo_err *err);

/* argo archive lifecycle show|apply|get. */
typedef enum argo_app_lifecycle_op {
    ARGO_APP_LIFECYCLE_SHOW = 0, /* the policy's XML */
    ARGO_APP_LIFECYCLE_APPLY,    /* PUT it on the [s3] bucket */
    ARGO_APP_LIFECYCLE_GET       /* read the bucket's back and compare */
} argo_app_lifecycle_op;

typedef struct argo_app_lifecycle_result {
    argo_lifecycle lc;             /* the config's policy */
    char *xml;                     /* show: the policy as XML (with its comment) */
    char target[640];              /* apply, get: the bucket, "s3://..." */
    bool found;                    /* get: the bucket has a lifecycle configuration */
    bool same_xml;                 /* get: its rules are the config's */
    bool same_size;                /* get: its object-size behaviour too (or none stated) */
    char server_min_size[40];      /* get: the behaviour the server states; "" = none */
    char *server_xml, *config_xml; /* get: both canonical (argo_lifecycle_canonical) */
} argo_app_lifecycle_result;

int argo_app_archive_lifecycle(argo_app *app, argo_app_lifecycle_op op,
                               argo_app_lifecycle_result *out, argo_err *err);
void argo_app_lifecycle_result_cleanup(argo_app_lifecycle_result *r);

/* argo archive tier: each day's files to the [tiers] folder of the
 * coldest [lifecycle] class its age (at now) has reached. fn sees each
 * move (or, with dry_run, each move that would be made). */
typedef struct argo_app_tier_options {
    const char *dir; /* NULL: [archive] dir */
    int64_t now;
    bool dry_run;
    argo_tier_fn fn;
    void *ctx;
} argo_app_tier_options;

int argo_app_archive_tier(argo_app *app, const argo_app_tier_options *opt, size_t *moved,
                          argo_err *err);

/* argo archive push | verify --remote over the days of day (INT64_MIN:
 * every backed-up day). */
typedef struct argo_app_remote_options {
    const char *dir; /* NULL: [archive] dir */
    int64_t day;     /* any ts of the day; INT64_MIN: all */
    int64_t now;     /* bundle = month: months ended before now */
    bool download;   /* verify: download and hash every object */
    argo_push_fn on_pushed;
    argo_verify_fn on_checked;
    void *ctx;
} argo_app_remote_options;

typedef struct argo_app_remote_result {
    char target[640]; /* the bucket, "s3://..." */
    size_t days;      /* days pushed or checked */
    argo_push_stats push;
    argo_verify_stats verify;
} argo_app_remote_result;

/* From its first S3 call on, a failed push keeps the record of what it
 * did upload (argo_app_keep_store; docs/ARCHIVE.md). */
int argo_app_archive_push(argo_app *app, const argo_app_remote_options *opt,
                          argo_app_remote_result *out, argo_err *err);
/* Returns 0 when the check ran, whatever it found: out->verify.bad
 * objects do not match. */
int argo_app_archive_verify_remote(argo_app *app, const argo_app_remote_options *opt,
                                   argo_app_remote_result *out, argo_err *err);

/* A cheap signed request to the [s3] bucket (HEAD of the object
 * PREFIX.argo-health-probe: 404 is an answer), for argo health: 0 when
 * the server answered it as authenticated; ARGO_ECONFIG without [s3],
 * ARGO_ENET / ARGO_EREMOTE otherwise. target receives "s3://..." (n
 * bytes). */
int argo_app_archive_ping(argo_app *app, char *target, size_t n, argo_err *err);

/* The newest push to the [s3] target (for the dashboard): found false
 * when nothing was pushed; the newest object by upload time and the
 * number of objects recorded for the target. ARGO_ECONFIG without [s3].
 * Reads the store's records only: no request to the server. */
typedef struct argo_app_last_push {
    bool found;
    char target[640];
    argo_remote_object newest; /* the newest upload */
    size_t objects;            /* recorded for the target */
} argo_app_last_push;
int argo_app_archive_last_push(argo_app *app, argo_app_last_push *out, argo_err *err);

/* argo archive cost: the S3 cost model over the backups in dir (NULL:
 * [archive] dir) or a stated volume of signals a day, with [prices]
 * and [lifecycle] from the config. */
typedef struct argo_app_cost_options {
    const char *dir;
    int years;              /* 1..100 */
    double signals_per_day; /* 0: size from the backups */
    double growth_pct;      /* per year */
    bool bundle_month;
} argo_app_cost_options;

typedef struct argo_app_cost_result {
    argo_cost_input in; /* what the model ran on (in.lc points at lc) */
    argo_lifecycle lc;
    argo_cost_result r;  /* as asked */
    argo_cost_result rb; /* bundled a month per object (when not asked) */
    double saving;       /* 1 - tiered / all Standard */
} argo_app_cost_result;

int argo_app_archive_cost(argo_app *app, const argo_app_cost_options *opt,
                          argo_app_cost_result *out, argo_err *err);
void argo_app_cost_result_cleanup(argo_app_cost_result *r);

/* The JSON documents of argo archive query --json and cost --json: new
 * references (json_decref them). jansson drops allocation failures
 * while building: read argo_json_failures() before and emit with
 * argo_json_emit (base/jsonmem.h), which refuses a document built
 * while one failed. */
json_t *argo_app_query_json(const argo_query_result *r, bool by_month);
json_t *argo_app_cost_json(const argo_app_cost_result *cr);

#endif
