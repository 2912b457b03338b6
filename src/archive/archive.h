/* SPDX-License-Identifier: MIT */
/*
 * archive/archive.h - daily compliance backups (docs/BACKUPS.md).
 *
 * For a day D (UTC) argo writes, under ROOT/YYYY/MM/DD/:
 *   signals-vN.parquet, signals-vN.csv    every signal made on D
 *   outcomes-vN.parquet, outcomes-vN.csv  every signal resolved on D
 *   manifest.json                         the current version: date, row
 *                                         counts, SHA-256 and size of each
 *                                         file, schema version, codec,
 *                                         argo version, created_at
 * Every file is written to a temporary name, fsynced, renamed and its
 * folder fsynced; manifest.json is written last, so a crash leaves at
 * worst files that no manifest names, never a backup that looks whole.
 * Backing up a day again with the same content changes nothing; with
 * other content it writes version N+1 and keeps version N (its files,
 * and its manifest as manifest-vN.json).
 */
#ifndef ARGO_ARCHIVE_H
#define ARGO_ARCHIVE_H

#include "archive/parquet.h"
#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define ARGO_BACKUP_SCHEMA_VERSION 1

enum { ARGO_BACKUP_PARQUET = 1, ARGO_BACKUP_CSV = 2 };
enum { ARGO_BACKUP_SIGNALS = 0, ARGO_BACKUP_OUTCOMES = 1 };

/* The columns of a backup file kind (docs/BACKUPS.md); static storage. */
const argo_pq_column_def *argo_backup_columns(int kind, size_t *ncols);

/* Renders rows as argo's backup CSV (RFC 4180, a header, CRLF, ISO-8601
 * UTC timestamps, doubles with 17 significant digits, nulls as empty
 * fields) into a new buffer freed with free(). */
int argo_backup_csv(const argo_pq_column_def *defs, const argo_pq_column_data *data, size_t ncols,
                    size_t nrows, uint8_t **out, size_t *len, argo_err *err);

typedef struct argo_backup_options {
    const char *root; /* "backups" when NULL */
    int formats;      /* ARGO_BACKUP_PARQUET | ARGO_BACKUP_CSV; 0 = both */
    argo_pq_codec codec;
    size_t row_group_rows; /* 0: the codec's default */
} argo_backup_options;

typedef struct argo_backup_result {
    int version;    /* the day's current version */
    bool unchanged; /* the same content was already backed up */
    size_t signals, outcomes;
} argo_backup_result;

/* Backs up day (any ts within the UTC day). On failure the day's folder
 * is as it was: the files this call wrote and the folders it made are
 * removed (only an error after the manifest's rename, syncing the
 * folder, leaves the new version in place, complete). */
int argo_backup_day(argo_store *st, int64_t day, const argo_backup_options *opt,
                    argo_backup_result *res, argo_err *err);

/* The UTC days (midnights) on which a signal was made or resolved, in
 * order, in a new array freed with free(). */
int argo_backup_days(argo_store *st, int64_t **days, size_t *n, argo_err *err);

/* Verifies the backup of a day: every file of every version against
 * its manifest (size, SHA-256, rows; Parquet files are decoded, CSV
 * files parsed), and the current version against the store (Parquet
 * values and CSV lines). Returns ARGO_ECORRUPT with the file and the
 * discrepancy, ARGO_ENOENT when the day has no backup. */
int argo_backup_verify(argo_store *st, const char *root, int64_t day, size_t *files, argo_err *err);

/* Where a manifest's file lives: LOCATION/YYYY/MM/DD/NAME when the
 * manifest gives it a "location" (a tier folder, archive tier), else
 * ROOT/YYYY/MM/DD/NAME. */
void argo_backup_file_path(const char *root, int64_t day, const char *location, const char *name,
                           char *out, size_t n);

/* Every file of a day's backup, all versions: each version's data files
 * and then its manifest, the current manifest.json last (so uploading in
 * this order never leaves a manifest naming a file not yet there). */
typedef struct argo_backup_file {
    char name[64];                 /* "signals-v1.parquet", "manifest.json" */
    char path[ARGO_PATH_MAX + 96]; /* where it is now */
    char location[ARGO_PATH_MAX];  /* the tier folder it is in; "" = root */
    char tier[24];                 /* its tier's storage class; "" = root */
    int64_t bytes;
    char sha256[65]; /* from the manifest; for manifests, of the file as read */
    int version;
    bool manifest;
} argo_backup_file;

int argo_backup_files(const char *root, int64_t day, argo_backup_file **files, size_t *n,
                      argo_err *err);

/* The backed-up days under root, in order (for verify --all). */
int argo_backup_list(const char *root, int64_t **days, size_t *n, argo_err *err);

/* Analytics straight from the backups: outcomes resolved in [from, to]
 * (days), grouped by symbol or month, read from the Parquet files (only
 * the needed columns; row groups skipped by their statistics) or from
 * the CSV files. */
typedef struct argo_query_row {
    char key[32];
    size_t resolved, wins;
    double pnl_sum;
} argo_query_row;

typedef struct argo_query_result {
    argo_query_row *rows;
    size_t n;
    size_t files, bytes_read;
} argo_query_result;

int argo_archive_query(const char *root, int64_t from, int64_t to, bool by_month, bool from_csv,
                       argo_query_result *out, argo_err *err);
void argo_query_result_cleanup(argo_query_result *r);

#endif
