/* SPDX-License-Identifier: MIT */
/*
 * app/health.h - the state of an argo installation: at a glance
 * (argo_app_health_check: the store, its newest bar, the open signals
 * and the last backup), and the health levels 1-3 that argo health and
 * argo serve's GET /health share (argo_app_health_run; docs/HEALTH.md).
 */
#ifndef ARGO_APP_HEALTH_H
#define ARGO_APP_HEALTH_H

#include "app/app.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct argo_app_health {
    /* the store answered (symbols, bars and signals read); opening it
     * already checked its schema version (app/app.h) */
    bool store_ok;
    char store_error[ARGO_ERR_MSG_MAX]; /* why not, else "" */
    size_t symbols;
    int64_t newest_bar; /* INT64_MIN: no bars */
    size_t open_signals;
    /* the newest day backed up under [archive] dir, and whether its
     * backup verifies (argo backup verify --date DAY) */
    bool backup_found;
    int64_t last_backup_day; /* its midnight; INT64_MIN when none */
    bool backup_ok;
    size_t backup_files;
    char backup_error[ARGO_ERR_MSG_MAX]; /* why no backup or why it fails, else "" */
} argo_app_health;

/* Fills *out. A part that fails is reported in *out, not as an error:
 * 0 whenever *out could be filled. Needs a store. */
int argo_app_health_check(argo_app *app, argo_app_health *out, argo_err *err);

/*
 * Health levels (argo health --level N, GET /health?level=N: the same
 * code). Level 1, liveness: the process answers; never touches the
 * store. Level 2, readiness: the store opens and is writable, its schema
 * is current, the age of the last cycle and of the last backup against
 * the schedule, free disk space, S3 reachable when [s3] is set. Level 3,
 * deep: level 2 and the coverage invariant, a verify of the newest
 * backup day, the calibration models' age, no look-ahead on recent
 * signals, a sample of the remote archive, the live cycle's time
 * against its budget.
 */
typedef enum argo_health_status {
    ARGO_HEALTH_OK = 0,       /* exit 0, HTTP 200 */
    ARGO_HEALTH_DEGRADED = 1, /* exit 1, HTTP 200 */
    ARGO_HEALTH_FAILING = 2   /* exit 2, HTTP 503 */
} argo_health_status;

const char *argo_health_status_name(argo_health_status s); /* "ok", "degraded", "failing" */

typedef struct argo_health_item {
    char name[48];
    argo_health_status status;
    char detail[256];
    double duration_ms;
} argo_health_item;

typedef struct argo_health_report {
    int level;
    argo_health_status status; /* the worst of the items */
    argo_health_item *items;   /* owned */
    size_t n;
} argo_health_report;

/* What only a running server knows; from the CLI every field is 0 and
 * the checks that need them read the store instead (the newest event,
 * the newest model) or say "not serving". */
typedef struct argo_health_live {
    bool serving;
    int64_t started_at;     /* UTC seconds */
    int64_t last_cycle_at;  /* UTC seconds; 0: none yet */
    double last_cycle_ms;   /* its duration */
    double cycle_budget_ms; /* [serve] cycle_budget_ms */
    size_t stream_clients;
} argo_health_live;

/* Runs the checks of level (1..3) into *out (freed with
 * argo_health_report_cleanup, also after a failure). A check that fails
 * is reported in *out, not as an error: non-zero only for a bad level
 * or memory. live may be NULL. */
int argo_app_health_run(argo_app *app, int level, const argo_health_live *live,
                        argo_health_report *out, argo_err *err);
void argo_health_report_cleanup(argo_health_report *r);

#endif
