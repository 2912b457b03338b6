/* SPDX-License-Identifier: MIT */
/*
 * base/csvread.h - a strict RFC 4180 reader for the CSV files argo
 * reads (bars, calibration samples). Linear time and fixed memory: a
 * field past ARGO_CSV_FIELD_MAX - 1 bytes or a record past
 * ARGO_CSV_COLS_MAX fields is refused the moment it passes the limit.
 * Lines end with LF, CRLF or CR; a UTF-8 byte order mark before the
 * first record is skipped; blank lines are skipped. Refused, naming the
 * file and line: a NUL byte, a quote inside an unquoted field, text
 * after a closing quote, a quoted field still open at the end of the
 * file. The parsing is libcsv's (strict mode); this adds line numbers,
 * the limits and the checks above. Not here: what the fields mean
 * (callers parse them).
 */
#ifndef ARGO_CSVREAD_H
#define ARGO_CSVREAD_H

#include "base/err.h"
#include "base/limits.h"

#include <stddef.h>

typedef struct argo_csv argo_csv;

/* One record. The fields are NUL-terminated and borrowed until the
 * next argo_csv_read or argo_csv_close. A field may hold line breaks
 * (a quoted field spanning lines) but never a NUL byte. */
typedef struct argo_csv_row {
    size_t line; /* the file's line (1-based) where the record starts */
    int n;       /* fields, 1..ARGO_CSV_COLS_MAX */
    char *f[ARGO_CSV_COLS_MAX];
    size_t len[ARGO_CSV_COLS_MAX];
} argo_csv_row;

/* Opens path for reading. ARGO_ENOENT when it cannot be opened,
 * ARGO_EINVAL when it is a directory; the message names path. */
int argo_csv_open(const char *path, argo_csv **out, argo_err *err);

/* Opens len bytes at data (borrowed until argo_csv_close) for reading,
 * with the same rules as a file; name stands for the path in messages
 * (a URL, say). ARGO_ENOMEM only. */
int argo_csv_open_mem(const char *name, const void *data, size_t len, argo_csv **out,
                      argo_err *err);

/* Reads the next record into *row. Returns 1 with a record, 0 at the
 * end of the file, or a negative ARGO_E* code with "path:line: reason"
 * in err (ARGO_EPARSE for malformed CSV, ARGO_ELIMIT past a limit,
 * ARGO_EIO for a read error). After an error, do not read again. */
int argo_csv_read(argo_csv *r, argo_csv_row *row, argo_err *err);

/* Closes r; NULL is a no-op. */
void argo_csv_close(argo_csv *r);

#endif
