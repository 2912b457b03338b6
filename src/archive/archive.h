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

#include "parquet/parquet.h"
#include "base/err.h"
#include "base/limits.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define ARGO_BACKUP_SCHEMA_VERSION 1

enum { ARGO_BACKUP_PARQUET = 1, ARGO_BACKUP_CSV = 2 };
enum { ARGO_BACKUP_SIGNALS = 0, ARGO_BACKUP_OUTCOMES = 1 };

/* A manifest, every field checked (argo_manifest_parse). */
typedef struct argo_manifest_file {
    char name[64]; /* exactly KIND-vVERSION.FORMAT: a plain name */
    int kind;      /* ARGO_BACKUP_SIGNALS | ARGO_BACKUP_OUTCOMES */
    int format;    /* ARGO_BACKUP_PARQUET | ARGO_BACKUP_CSV */
    int64_t rows;  /* 0..ARGO_BACKUP_ROWS_MAX */
    int64_t bytes; /* 0..ARGO_BACKUP_FILE_MAX */
    char sha256[65];
    char location[ARGO_PATH_MAX]; /* a tier folder (absolute, no . or ..); "" = root */
    char tier[24];                /* its storage class; "" = root */
} argo_manifest_file;

#define ARGO_MANIFEST_FILES 4 /* one per kind and format */

typedef struct argo_manifest {
    char date[16]; /* YYYY-MM-DD */
    int64_t day;   /* its midnight */
    int version;   /* 1..ARGO_BACKUP_VERSIONS_MAX */
    int schema_version;
    argo_pq_codec codec;
    int64_t rows[2]; /* by kind */
    size_t nfiles;
    argo_manifest_file files[ARGO_MANIFEST_FILES];
} argo_manifest;

/* Parses and checks a manifest's bytes (at most ARGO_MANIFEST_MAX):
 * a JSON object without duplicate keys; format "argo-backup"; a valid
 * date; version, schema version, codec, rows in range; 1 to 4 file
 * entries, each with a kind and format (unique pair), the name that
 * kind, version and format give (so never a path), rows equal to the
 * manifest's rows of its kind, bytes in range, a 64-hex-digit
 * SHA-256, and location/tier both absent or both valid. where names
 * the manifest in errors. ARGO_ECORRUPT (or ARGO_ELIMIT) on any
 * violation, and *m is then unspecified. */
int argo_manifest_parse(const char *where, const uint8_t *data, size_t len, argo_manifest *m,
                        argo_err *err);

/* Reads (bounded by ARGO_MANIFEST_MAX) and parses the manifest at path;
 * ARGO_ENOENT when it does not exist. */
int argo_manifest_load(const char *path, argo_manifest *m, argo_err *err);

/* Checks a folder argo reads backups from (write false) or writes them
 * to (write true), before anything is written: refuses an empty path,
 * the filesystem root ("/", "//", "/.", or a path resolving to it), a
 * path that exists but is not a folder, and, for writing, a path that
 * cannot be created (a parent that is a file, or not writable) or a
 * folder that is not writable. what names the setting in the error
 * ("--dir", "[archive] dir"). ARGO_ECONFIG. */
int argo_backup_dir_check(const char *what, const char *path, bool write, argo_err *err);

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
 * order, in a new array freed with free() (argo_store_signal_days: reads
 * only the signals' ts and exit_ts). */
int argo_backup_days(argo_store *st, int64_t **days, size_t *n, argo_err *err);

/* Verifies the backup of a day: every file of every version against
 * its manifest (size, SHA-256, rows; Parquet files are decoded, CSV
 * files parsed), and the current version against the store (Parquet
 * values and CSV lines). Returns ARGO_ECORRUPT with the file and the
 * discrepancy, ARGO_ENOENT when the day has no backup. */
int argo_backup_verify(argo_store *st, const char *root, int64_t day, size_t *files, argo_err *err);

/* Files that no manifest lists, left by an interrupted backup or tier
 * move: "*.tmp.PID" of argo's names whose process is gone, data files
 * (KIND-vN.FORMAT) and manifest-vN.json of versions no manifest lists,
 * and whole day folders without a manifest.json. Looks in the day
 * folder under root and under each of dirs (tier folders; NULL or ""
 * entries skipped); day INT64_MIN: every day folder found. fn (may be
 * NULL) sees each orphan's path. With clean, each is deleted (never a
 * file a manifest lists; other names are only reported) and emptied
 * day folders removed. A day whose manifest cannot be read is an error
 * (ARGO_ECORRUPT), and nothing of it is cleaned. *count (may be NULL)
 * gets the number of orphans found. */
typedef void (*argo_orphan_fn)(void *ctx, const char *path, const char *why);
int argo_backup_orphans(const char *root, const char *const *dirs, size_t ndirs, int64_t day,
                        bool clean, argo_orphan_fn fn, void *ctx, size_t *count, argo_err *err);

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

/* argo archive cat: a Parquet file's rows as a JSON array of objects on
 * out (docs/BACKUPS.md: timestamps as ISO-8601 strings, nulls as null,
 * NaN and infinities as the strings "NaN", "Infinity", "-Infinity"), or
 * with schema its columns, one a line. Nothing is lost silently: a
 * string that is not UTF-8 or a timestamp outside years 0000-9999 is an
 * error naming the file, column and row, found before anything is
 * written to out. */
int argo_archive_cat(const char *path, bool schema, FILE *out, argo_err *err);

#endif
