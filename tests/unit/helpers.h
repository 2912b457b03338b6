/* SPDX-License-Identifier: MIT */
/* tests/unit/helpers.h - small shared helpers for the cmocka tests. */
#ifndef ARGO_TEST_HELPERS_H
#define ARGO_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/types.h"

/* A fresh temporary directory (prefers /dev/shm); path is static. */
const char *th_tmpdir(void);
/* th_tmpdir()/name in buf. */
const char *th_tmpfile(const char *name, char *buf, size_t n);
/* ARGO_SOURCE_DIR/rel in buf. */
const char *th_src(const char *rel, char *buf, size_t n);
/* Writes text to path (truncating). */
void th_write(const char *path, const char *text);
/* Removes a file and its SQLite -wal/-shm companions. A store URL is
 * taken too: "sqlite:PATH" removes PATH; a PostgreSQL URL is left alone
 * (its name is fresh, th_store_url). */
void th_rm_db(const char *path);

/* The URL of a fresh, empty store called name, in buf (of n bytes). With
 * ARGO_TEST_STORE_URL set (a URL prefix, docs/TESTING.md): that prefix +
 * name (letters and digits kept, anything else as '_', lower case) + '_'
 * + the process id, and from the second call with the same name on, '_'
 * + a count: a PostgreSQL run gets a new schema for every call. Else
 * th_tmpdir()/name, a SQLite file, removed with its -wal and -shm first.
 * Each call thus names a store nobody used: keep the URL to reopen it. */
const char *th_store_url(const char *name, char *buf, size_t n);
/* The SQLite file of a store URL ("sqlite:PATH" or PATH); NULL for a
 * PostgreSQL URL. */
const char *th_store_file(const char *url);
/* Whether the tests run on PostgreSQL (ARGO_TEST_STORE_URL says so). */
bool th_store_is_pg(void);
/* On PostgreSQL, prints "skipped on PostgreSQL: why" and returns true:
 * the caller skips a check that is about SQLite (its file, -wal, mmap).
 * On SQLite returns false and prints nothing. */
bool th_pg_skip(const char *why);

/* Backs up st's days in order into opt->root until one has both signals
 * made and outcomes resolved; 0 with that day in *day, -1 if none. */
struct argo_store;
struct argo_backup_options;
int th_backup_first_full_day(struct argo_store *st, const struct argo_backup_options *opt,
                             int64_t *day);

/* A CSV read naively (comma split, no quoting) for fixtures. */
typedef struct th_table {
    int ncols;
    size_t nrows;
    char **names;  /* ncols */
    char ***cells; /* nrows x ncols */
} th_table;
th_table *th_table_read(const char *path);
int th_table_col(const th_table *t, const char *name);
/* The cell as a double; "NA" reads as NAN. */
double th_table_num(const th_table *t, size_t row, int col);
void th_table_free(th_table *t);

/* Reads data/market/<sym>.csv into bars (caller frees). */
argo_bar *th_market_bars(const char *sym, size_t *n);

#endif
