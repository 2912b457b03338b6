/* SPDX-License-Identifier: MIT */
/*
 * app/copy.h - argo store copy: every table of one store into another,
 * on any two backends (SQLite to PostgreSQL and back), in one
 * transaction on the target, verified before it commits. Written here
 * because no Debian package moves rows between argo's two schemas: the
 * generic tools (pgloader, sqlite3 .dump | psql) know neither argo's
 * column types per backend, its id counters, nor its locks, and none
 * verifies the result row for row.
 */
#ifndef ARGO_APP_COPY_H
#define ARGO_APP_COPY_H

#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARGO_COPY_BATCH_ROWS 10000               /* rows per argo_store_rows_put */
#define ARGO_COPY_BATCH_BYTES ((size_t)16 << 20) /* text and blob bytes per batch */
#define ARGO_COPY_TABLES_MAX 32
#define ARGO_COPY_URL_MAX 1024 /* bytes of a masked URL kept in the result */

typedef struct argo_store_copy_options {
    /* A target that has rows is refused (ARGO_ECONFLICT) unless replace:
     * then its rows are deleted first, in the copy's transaction. */
    bool replace;
    /* Rows per batch: 0 = ARGO_COPY_BATCH_ROWS. */
    size_t batch_rows;
    /* How long to wait for another process's lock, in ms: negative =
     * the store's default (store.h). */
    int busy_timeout_ms;
    /* For tests: fail (ARGO_EIO, "injected") once this many rows were
     * put into the target; 0 = never. */
    int64_t fail_after_rows;
} argo_store_copy_options;

/* One table copied: its rows and the SHA-256 of its rows in key order,
 * equal on both sides. */
typedef struct argo_store_copy_table {
    char name[32];
    int64_t rows;
    char sha256[65];
} argo_store_copy_table;

typedef struct argo_store_copy_result {
    char from[ARGO_COPY_URL_MAX], to[ARGO_COPY_URL_MAX]; /* masked (store.h) */
    char from_backend[16], to_backend[16];
    bool replaced; /* the target had rows, deleted first */
    argo_store_copy_table tables[ARGO_COPY_TABLES_MAX];
    size_t n;
    int64_t rows;   /* of every table */
    double seconds; /* wall clock, open to commit */
} argo_store_copy_result;

/*
 * Copies every table of the store at from_url (opened read-only) into
 * the store at to_url (created when absent), in argo_store_tables()
 * order, in batches (bounded memory), in one transaction on the target
 * under its locks "ingest" and "cycle". Before it commits, each table's
 * rows are scanned again on both sides: the row counts and the SHA-256
 * of a canonical encoding of the rows in key order must be equal (and
 * equal to what was read while copying), else nothing is committed.
 * The checksum (docs/POSTGRES.md): per value a type byte (0 NULL, 1
 * integer, 2 real, 3 text, 4 blob), then an integer or the bits of a
 * double as 8 bytes little-endian, or the length as 8 bytes
 * little-endian and the bytes.
 *
 * Refused: the same URL (or the same SQLite file) on both sides
 * (ARGO_EINVAL); a target with rows without opt->replace
 * (ARGO_ECONFLICT); a target held by argo serve (ARGO_EBUSY). On any
 * failure the target is as it was (a target this call created is
 * removed), res->n is 0 and err says what, where and why, with URLs
 * masked. opt may be NULL (defaults). res is filled on success.
 */
int argo_app_store_copy(const char *from_url, const char *to_url,
                        const argo_store_copy_options *opt, argo_store_copy_result *res,
                        argo_err *err);

/* The JSON document of argo store copy --json (a new reference; NULL
 * when memory is short). */
json_t *argo_json_store_copy(const argo_store_copy_result *r);

#endif
