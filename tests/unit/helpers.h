/* SPDX-License-Identifier: MIT */
/* tests/unit/helpers.h - small shared helpers for the cmocka tests. */
#ifndef ARGO_TEST_HELPERS_H
#define ARGO_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
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
/* Removes a file and its SQLite -wal/-shm companions. */
void th_rm_db(const char *path);

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
