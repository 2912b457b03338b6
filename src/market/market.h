/* SPDX-License-Identifier: MIT */
/*
 * market/market.h - bars into argo: CSV files (read by base/csvread,
 * validated per docs/DESIGN.md) and a deterministic synthetic universe
 * for scale tests. Not here: storing them (app/ingest.c: argo_app_ingest,
 * argo_app_synth) and REST or streaming providers.
 */
#ifndef ARGO_MARKET_H
#define ARGO_MARKET_H

#include "base/err.h"
#include "domain/types.h"

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

/* A bar read from a file, with the file's line it came from (so an
 * error found when storing it can name "file:line"). */
typedef struct argo_bar_line {
    argo_bar bar;
    size_t line;
} argo_bar_line;

/* Reads a CSV file of bars for symbol. The file is read by
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
 * row (header only) is ARGO_EDATA. Without skip_invalid the first bad
 * row fails the read with "file:line: reason" (the file's own line, also
 * after a quoted field spanning lines; field text shown escaped). With
 * skip_invalid the bad rows are counted in rep (which this function
 * clears first) and left out. A row identical to the one before it is
 * counted as a duplicate and left out; the rows returned have strictly
 * increasing ts. On success *rows (freed with free(); NULL when *n is
 * 0) holds the valid bars in file order; on failure *rows is NULL. The
 * stored bars are checked against these by the store (append-only) when
 * the application stores them. */
int argo_market_csv_read(const char *path, const char *symbol, bool skip_invalid,
                         argo_bar_line **rows, size_t *n, argo_ingest_report *rep, argo_err *err);

/* argo_market_csv_read over len bytes at data (borrowed for the call)
 * instead of a file: the same header styles, rules and errors, with name
 * (a URL, say) in the place of the path ("name:line: why"). */
int argo_market_csv_parse(const char *name, const char *data, size_t len, const char *symbol,
                          bool skip_invalid, argo_bar_line **rows, size_t *n,
                          argo_ingest_report *rep, argo_err *err);

/* Counts a row refused after reading (by the store: a conflicting or
 * out-of-order bar) as skipped, with "path:line: why" as the first skip. */
void argo_ingest_skip(argo_ingest_report *rep, const char *path, size_t line, argo_bar_fault f,
                      const char *why);

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
