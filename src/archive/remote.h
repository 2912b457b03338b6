/* SPDX-License-Identifier: MIT */
/*
 * archive/remote.h - the backups in remote storage (docs/ARCHIVE.md).
 *
 * push uploads each day's files (every version, data files before the
 * manifest that names them) to PREFIX/YYYY/MM/DD/NAME. Before an upload
 * the local file is checked against its manifest, so a damaged file is
 * never sent. Up to [s3] concurrency uploads are in flight at once (one
 * thread, argo_s3_batch); a day's manifest is queued only once the day's
 * other files are stored. Each object is recorded in the store (key,
 * size, ETag, SHA-256, storage class, lock) once the server accepts it,
 * in key order, committed at the end of a day at most once a second,
 * at the end, and when an upload fails (after the uploads in flight
 * end), so the next push sends only what is missing (a crash re-sends
 * at most the objects of the last second, identical bytes); a push of
 * what is recorded sends nothing.
 * This is deliberate, and the one exception to "a failed command
 * changes nothing": the objects a failed push did upload exist in the
 * bucket, and the store says so (docs/ARCHIVE.md).
 *
 * verify asks the server for every object of the days given (HEAD):
 * present, of the manifest's size, with the server's SHA-256 (when it
 * reports one) or the ETag recorded at upload; an object whose ETag
 * changed is downloaded and its SHA-256 compared with the manifest's.
 * With download set, every object is downloaded and hashed. Each
 * object's storage class and Object Lock are reported.
 */
#ifndef ARGO_REMOTE_H
#define ARGO_REMOTE_H

#include "archive/archive.h"
#include "s3/s3.h"
#include "store/store.h"

typedef struct argo_push_stats {
    size_t uploaded, already, bytes;
    size_t held; /* days of a month not ended yet (bundle_month) */
} argo_push_stats;

/* [s3] bundle = month: each month that has ended (before now) goes up as
 * one object, PREFIX/YYYY/MM/bundle-YYYY-MM.tar, a POSIX ustar archive of
 * every file of its days (YYYY/MM/DD/NAME, built the same way every time,
 * so the same backups give the same bytes); days of the month not ended
 * yet stay local until it ends. */
typedef struct argo_push_options {
    bool bundle_month;
    int64_t now; /* UTC seconds */
} argo_push_options;

/* Called after each object, uploaded (true) or already there (false). */
typedef void (*argo_push_fn)(void *ctx, const argo_remote_object *o, bool uploaded);

int argo_archive_push(argo_store *st, argo_s3 *s3, const char *root, const int64_t *days,
                      size_t ndays, const argo_push_options *opt, argo_push_fn fn, void *ctx,
                      argo_push_stats *stats, argo_err *err);

/* The bundle of days (one month's, in order): a new buffer freed with
 * free(). Each file is checked against its manifest first. */
int argo_archive_bundle(const char *root, const int64_t *days, size_t n, uint8_t **out, size_t *len,
                        argo_err *err);

/* PREFIX/YYYY/MM/bundle-YYYY-MM.tar for the month of day. */
void argo_archive_bundle_key(const char *prefix, int64_t day, char *out, size_t n);

/* One remote object as verify found it. */
typedef struct argo_remote_check {
    char key[1024];
    bool ok;
    char problem[512];   /* when !ok: what does not match */
    argo_s3_object head; /* what the server said */
    bool downloaded;
} argo_remote_check;

typedef void (*argo_verify_fn)(void *ctx, const argo_remote_check *c);

typedef struct argo_verify_stats {
    size_t checked, bad; /* objects; bad: not matching */
    size_t held;         /* days of a month not ended yet (bundle_month) */
} argo_verify_stats;

/* Calls fn for each object (with bundle_month, a month's bundle is
 * checked against the bundle built again from the local backups).
 * Returns an error only when the check itself could not run (network,
 * credentials, a missing local backup). */
int argo_archive_verify_remote(argo_store *st, argo_s3 *s3, const char *root, const int64_t *days,
                               size_t ndays, const argo_push_options *opt, bool download,
                               argo_verify_fn fn, void *ctx, argo_verify_stats *vs, argo_err *err);

/* The object key of a backup file: PREFIX + YYYY/MM/DD/NAME. */
void argo_archive_key(const char *prefix, int64_t day, const char *name, char *out, size_t n);

/* Retain-until of a day's objects: the same calendar day `years` later
 * (29 February -> 28 February), at midnight UTC. */
int64_t argo_archive_retain_until(int64_t day, int years);

#endif
