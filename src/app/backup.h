/* SPDX-License-Identifier: MIT */
/*
 * app/backup.h - the daily backups (argo backup, argo backup verify):
 * which days, in which folder, with the [tiers] folders the manifests
 * record. The files themselves are archive/archive.h's.
 */
#ifndef ARGO_APP_BACKUP_H
#define ARGO_APP_BACKUP_H

#include "app/app.h"
#include "archive/archive.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct argo_app_backup_options {
    int64_t day;         /* any ts within the day; INT64_MIN: the newest bar's day */
    bool all;            /* every day with signals (verify: every day backed up) */
    int formats;         /* ARGO_BACKUP_PARQUET | ARGO_BACKUP_CSV; 0 = both */
    argo_pq_codec codec; /* of the Parquet files */
    const char *dir;     /* NULL: [archive] dir */
} argo_app_backup_options;

/* "parquet", "csv", "both" as formats; -1 when unknown. */
int argo_app_backup_formats_parse(const char *s);
/* "snappy", "zstd", "none" as a codec; -1 when unknown. */
int argo_app_backup_codec_parse(const char *s);

typedef struct argo_app_backup_day {
    int64_t day; /* its midnight */
    argo_backup_result r;
} argo_app_backup_day;

typedef struct argo_app_backup_result {
    argo_app_backup_day *days; /* the days backed up, in order */
    size_t n;
} argo_app_backup_result;

/* Backs up the day (or every day) opt names (argo backup). After a
 * failure *out still lists the days backed up before it. --all then
 * removes what an interrupted backup left (argo_backup_orphans). *out
 * is cleaned up with argo_app_backup_result_cleanup. Needs a store
 * opened read-write. */
int argo_app_backup(argo_app *app, const argo_app_backup_options *opt, argo_app_backup_result *out,
                    argo_err *err);
void argo_app_backup_result_cleanup(argo_app_backup_result *r);

typedef struct argo_app_verify_result {
    size_t days, files; /* verified */
} argo_app_verify_result;

/* Verifies the backup of the day (or every backed-up day) opt names
 * against its manifests and the store, and that no file lies in a day
 * folder (or a tier folder) without a manifest listing it
 * (ARGO_ECORRUPT). formats and codec are ignored. */
int argo_app_backup_verify(argo_app *app, const argo_app_backup_options *opt,
                           argo_app_verify_result *out, argo_err *err);

/* The state of the backups under dir (NULL: [archive] dir), for GET
 * /api/v1/backups: each backed-up day, in order, with its current
 * version, its files (every version's, manifests included) and their
 * bytes, and with verify whether it verifies as argo backup verify
 * --date DAY does (and why not). newest > 0: only the newest that many
 * days (the dashboard's list; verifying every day of years of backups
 * reads every file). *total (may be NULL) receives the number of days
 * backed up. An archive folder that does not exist has no days. *v is
 * freed with free(), also after a failure. */
typedef struct argo_app_backup_state {
    int64_t day; /* its midnight */
    int version;
    size_t files;
    int64_t bytes;
    bool verified;                /* with verify */
    char error[ARGO_ERR_MSG_MAX]; /* why it does not verify; "" */
} argo_app_backup_state;

int argo_app_backup_states(argo_app *app, const char *dir, bool verify, size_t newest,
                           argo_app_backup_state **v, size_t *n, size_t *total, argo_err *err);

#endif
