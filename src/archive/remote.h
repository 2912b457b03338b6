/* SPDX-License-Identifier: MIT */
/*
 * archive/remote.h - the backups in remote storage (docs/ARCHIVE.md).
 *
 * push uploads each day's files (every version, data files before the
 * manifest that names them) to PREFIX/YYYY/MM/DD/NAME. Before an upload
 * the local file is checked against its manifest, so a damaged file is
 * never sent. Each object is recorded in the store (key, size, ETag,
 * SHA-256, storage class, lock) once the server accepts it, committed
 * per day and also when a later upload fails, so the next push sends
 * only what is missing (a crash mid-day re-sends at most that day's
 * objects, identical bytes); a push of what is recorded sends nothing.
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
#include "archive/s3.h"
#include "store/store.h"

typedef struct argo_push_stats {
    size_t uploaded, already, bytes;
} argo_push_stats;

/* Called after each object, uploaded (true) or already there (false). */
typedef void (*argo_push_fn)(void *ctx, const argo_remote_object *o, bool uploaded);

int argo_archive_push(argo_store *st, argo_s3 *s3, const char *root, const int64_t *days,
                      size_t ndays, argo_push_fn fn, void *ctx, argo_push_stats *stats,
                      argo_err *err);

/* One remote object as verify found it. */
typedef struct argo_remote_check {
    char key[1024];
    bool ok;
    char problem[512];   /* when !ok: what does not match */
    argo_s3_object head; /* what the server said */
    bool downloaded;
} argo_remote_check;

typedef void (*argo_verify_fn)(void *ctx, const argo_remote_check *c);

/* Calls fn for each object; *bad counts the objects that do not match.
 * Returns an error only when the check itself could not run (network,
 * credentials, a missing local backup). */
int argo_archive_verify_remote(argo_store *st, argo_s3 *s3, const char *root, const int64_t *days,
                               size_t ndays, bool download, argo_verify_fn fn, void *ctx,
                               size_t *checked, size_t *bad, argo_err *err);

/* The object key of a backup file: PREFIX + YYYY/MM/DD/NAME. */
void argo_archive_key(const char *prefix, int64_t day, const char *name, char *out, size_t n);

/* Retain-until of a day's objects: the same calendar day `years` later
 * (29 February -> 28 February), at midnight UTC. */
int64_t argo_archive_retain_until(int64_t day, int years);

#endif
