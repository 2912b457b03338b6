/* SPDX-License-Identifier: MIT */
/*
 * market/market.h - bars into argo: CSV files (read by base/csvread,
 * validated per docs/DESIGN.md) and a deterministic synthetic universe
 * for scale tests. Not here: REST or streaming providers.
 */
#ifndef ARGO_MARKET_H
#define ARGO_MARKET_H

#include "base/err.h"
#include "domain/types.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Why a row was refused; the order of argo_ingest_report.skipped. */
typedef enum argo_bar_fault {
    ARGO_FAULT_PARSE,    /* a field is missing, empty or not a number/date */
    ARGO_FAULT_PRICE,    /* a price is not finite or not > 0 */
    ARGO_FAULT_RANGE,    /* low <= min(open, close) <= max(open, close) <= high fails */
    ARGO_FAULT_VOLUME,   /* volume not finite or < 0 */
    ARGO_FAULT_ORDER,    /* ts not after the previous bar */
    ARGO_FAULT_CONFLICT, /* same ts as a stored or earlier row, other values */
    ARGO_FAULT_COUNT
} argo_bar_fault;

const char *argo_bar_fault_name(argo_bar_fault f);

/* Checks a bar against the domain rules (not ordering). Returns 0, or
 * ARGO_EDATA with the reason in err and the fault in *fault. */
int argo_bar_validate(const argo_bar *b, argo_bar_fault *fault, argo_err *err);

typedef struct argo_ingest_report {
    size_t rows;       /* data rows read */
    size_t inserted;   /* new bars stored */
    size_t duplicates; /* identical repeats, ignored */
    size_t skipped;    /* invalid rows left out (skip_invalid only) */
    size_t skipped_by[ARGO_FAULT_COUNT];
    char first_skip[ARGO_ERR_MSG_MAX]; /* the first skipped row's reason */
} argo_ingest_report;

/* Loads a CSV file of bars for symbol. The file is read by
 * base/csvread.h (RFC 4180; LF, CRLF or CR line ends; a UTF-8 byte order
 * mark skipped; at most ARGO_CSV_COLS_MAX columns and
 * ARGO_CSV_FIELD_MAX - 1 bytes a field, refused as soon as passed). The
 * header names the columns: date|timestamp|datetime|time, open, high,
 * low, close, volume in any case and order, each once; other columns
 * ("Adj Close") are ignored. Dates are ISO-8601 UTC, whole seconds,
 * years ARGO_YEAR_MIN..ARGO_YEAR_MAX; a leap second (23:59:60) is
 * refused. Numbers are plain decimals (base/text.h: no hex, inf, nan,
 * separators). symbol must be 1 to ARGO_SYMBOL_MAX - 1 letters, digits
 * or . _ - ^ =, checked before the file is read. A file with no data
 * row (header only) is ARGO_EDATA and creates nothing. Without
 * skip_invalid the file is all-or-nothing: the first bad row fails the
 * whole load with "file:line: reason" (the file's own line, also after
 * a quoted field spanning lines; field text shown escaped) and the store
 * is unchanged. With skip_invalid the valid rows are stored and rep
 * counts the rest; when no row is left, nothing is stored and no symbol
 * is created. rep may be NULL. */
int argo_market_ingest_csv(argo_store *st, const char *path, const char *symbol, bool skip_invalid,
                           argo_ingest_report *rep, argo_err *err);

/* Loads n files (paths[i] as symbols[i], each as argo_market_ingest_csv
 * reads it) in one transaction: all of them or, on the first error,
 * none (the store is unchanged; err names the file and line). reps
 * holds n reports. */
int argo_market_ingest_files(argo_store *st, size_t n, const char *const *paths,
                             const char *const *symbols, bool skip_invalid,
                             argo_ingest_report *reps, argo_err *err);

typedef struct argo_synth_options {
    int symbols;   /* how many series */
    int days;      /* business days per series */
    uint64_t seed; /* same seed, same universe */
    int64_t start; /* first day (UTC midnight); 0 = 2010-01-04 */
} argo_synth_options;

/* Receives one generated series; bars is borrowed for the call. A
 * non-zero return stops generation and is returned. */
typedef int (*argo_synth_fn)(void *ctx, const char *symbol, const argo_bar *bars, size_t n);

/* Generates a synthetic universe: per symbol a geometric Brownian
 * motion whose volatility switches between a calm and a stormy regime
 * (a two-state Markov chain), on Monday-Friday days, with consistent
 * OHLCV (low <= open, close <= high; prices rounded to 1e-4). Symbols
 * are SYN0001, SYN0002, ... Deterministic for a given seed. */
int argo_market_synth(const argo_synth_options *opt, argo_synth_fn fn, void *ctx, argo_err *err);

#endif
