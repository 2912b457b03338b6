/* SPDX-License-Identifier: MIT */
/*
 * parquet/parquet.h - a focused Parquet codec (apache/parquet-format:
 * parquet.thrift, Encodings.md, Compression.md). Debian 12 packages no
 * Parquet library for C, so argo carries this one.
 *
 * Writer: flat schemas of BOOLEAN, INT32, INT64, DOUBLE, BYTE_ARRAY
 * (STRING) and INT64 TIMESTAMP (UTC, millis or micros); required or
 * optional columns (definition levels in the RLE/bit-packed hybrid);
 * dictionary encoding for strings (RLE_DICTIONARY, PLAIN fallback past
 * a size limit); data page v1; column chunk statistics (min, max, null
 * count, NaN count); several row groups; CRC32 of every page; codecs
 * UNCOMPRESSED, SNAPPY (libsnappy) and ZSTD (libzstd); key-value
 * metadata and created_by. Output is deterministic: the same rows and
 * options give the same bytes.
 *
 * Reader: the same subset, plus what common writers produce within it
 * (data page v2, PLAIN_DICTIONARY, dictionary pages for any type),
 * reading only the columns asked for and exposing row group statistics
 * so callers can skip row groups. Every length and offset from the file
 * is checked: a damaged file is an error, never a crash. Every count and
 * size is bounded by the bytes that hold it before anything is
 * allocated; what compression and RLE runs can still claim is bounded by
 * a decode budget (base/limits.h, ARGO_PQ_DECODE_*): decoding every
 * column of every row group takes at most the budget, a fixed cap plus a
 * multiple of the file's size.
 */
#ifndef ARGO_PARQUET_H
#define ARGO_PARQUET_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum argo_pq_type {
    ARGO_PQ_BOOLEAN,
    ARGO_PQ_INT32,
    ARGO_PQ_INT64,
    ARGO_PQ_DOUBLE,
    ARGO_PQ_STRING,       /* BYTE_ARRAY, logical STRING (UTF-8) */
    ARGO_PQ_BYTES,        /* BYTE_ARRAY without a logical type */
    ARGO_PQ_TIMESTAMP_MS, /* INT64, TIMESTAMP(UTC, MILLIS) */
    ARGO_PQ_TIMESTAMP_US, /* INT64, TIMESTAMP(MICROS) */
    ARGO_PQ_TIMESTAMP_NS, /* INT64, TIMESTAMP(NANOS) */
} argo_pq_type;

const char *argo_pq_type_name(argo_pq_type t);

typedef enum argo_pq_codec {
    ARGO_PQ_UNCOMPRESSED = 0,
    ARGO_PQ_SNAPPY = 1,
    ARGO_PQ_ZSTD = 6,
} argo_pq_codec;

/* "snappy", "zstd", "none"; -1 when unknown. */
int argo_pq_codec_parse(const char *s);
const char *argo_pq_codec_name(argo_pq_codec c);

typedef struct argo_pq_column_def {
    const char *name;
    argo_pq_type type;
    bool optional;
    bool dictionary; /* strings: try dictionary encoding */
} argo_pq_column_def;

/* One column's values for every row. Fill the array of the column's
 * type; valid (NULL = every row present) marks nulls of an optional
 * column with 0 (the value at a null row is ignored). */
typedef struct argo_pq_column_data {
    const uint8_t *b; /* BOOLEAN: 0 or 1 */
    const int32_t *i32;
    const int64_t *i64; /* INT64 and timestamps */
    const double *f64;
    const char *const *str; /* STRING / BYTES */
    const uint32_t *len;    /* their lengths; NULL: NUL-terminated */
    const uint8_t *valid;
} argo_pq_column_data;

typedef struct argo_pq_kv {
    const char *key, *value;
} argo_pq_kv;

typedef struct argo_pq_write_options {
    argo_pq_codec codec;   /* default SNAPPY */
    size_t row_group_rows; /* 0: 1,000,000 */
    size_t page_rows;      /* 0: 65,536 */
    int zstd_level;        /* 0: 3 */
    const argo_pq_kv *kv;  /* key-value metadata */
    size_t nkv;
    const char *created_by; /* NULL: "argo" */
} argo_pq_write_options;

/* Encodes a whole file into a new buffer (*out, freed with free()).
 * Returns 0, ARGO_EINVAL for a bad schema or a null in a required
 * column, ARGO_ENOMEM. */
int argo_pq_encode(const argo_pq_column_def *cols, size_t ncols, const argo_pq_column_data *data,
                   size_t nrows, const argo_pq_write_options *opt, uint8_t **out, size_t *len,
                   argo_err *err);

/* ---- reading ---- */

typedef struct argo_pq_file argo_pq_file;

/* Parses a file held in memory (borrowed: it must outlive the handle).
 * ARGO_EPARSE names what is malformed. */
int argo_pq_open_buffer(const void *data, size_t len, argo_pq_file **out, argo_err *err);
/* Reads path into memory and parses it. */
int argo_pq_open(const char *path, argo_pq_file **out, argo_err *err);
void argo_pq_close(argo_pq_file *f);

int64_t argo_pq_num_rows(const argo_pq_file *f);
size_t argo_pq_num_columns(const argo_pq_file *f);
size_t argo_pq_num_row_groups(const argo_pq_file *f);
int64_t argo_pq_row_group_rows(const argo_pq_file *f, size_t rg);
const argo_pq_column_def *argo_pq_column(const argo_pq_file *f, size_t col);
/* Index of a column by name, -1 when absent. */
int argo_pq_find_column(const argo_pq_file *f, const char *name);
/* The value of a key-value metadata key, NULL when absent (borrowed). */
const char *argo_pq_kv_get(const argo_pq_file *f, const char *key);
const char *argo_pq_created_by(const argo_pq_file *f);
argo_pq_codec argo_pq_column_codec(const argo_pq_file *f, size_t rg, size_t col);

/* Column chunk statistics, as numbers (integers, timestamps, booleans
 * and doubles); has_minmax is false when absent or not numeric. */
typedef struct argo_pq_stats {
    bool has_minmax, has_nulls;
    double min, max;
    int64_t null_count;
} argo_pq_stats;
void argo_pq_column_stats(const argo_pq_file *f, size_t rg, size_t col, argo_pq_stats *s);

/* One column chunk, decoded: n values; valid[i] = 0 for a null. Only
 * the array of the column's type is set. Strings point into arena and
 * are NUL-terminated (a value may also contain NULs; see len). */
typedef struct argo_pq_values {
    argo_pq_type type;
    size_t n;
    uint8_t *valid;
    uint8_t *b;
    int32_t *i32;
    int64_t *i64;
    double *f64;
    char **str;
    uint32_t *len;
    char *arena;
} argo_pq_values;

/* Decodes column col of row group rg into *out (cleaned up with
 * argo_pq_values_cleanup). Verifies page CRCs when present. Refuses with
 * ARGO_ELIMIT every read of a file whose row groups, all columns
 * decoded, would take more than argo_pq_decode_budget(f). Error messages name the
 * column, the row group and the page, not the file: callers prefix it
 * (argo_pq_open's own errors do name it). */
int argo_pq_read(const argo_pq_file *f, size_t rg, size_t col, argo_pq_values *out, argo_err *err);
void argo_pq_values_cleanup(argo_pq_values *v);

/* The bytes decoding all of f may take (ARGO_PQ_DECODE_FIXED +
 * ARGO_PQ_DECODE_RATIO x the file's size, saturating). */
uint64_t argo_pq_decode_budget(const argo_pq_file *f);

/* True when p[0..n) is UTF-8 (RFC 3629: no overlong forms, surrogates
 * or code points above U+10FFFF); NUL bytes are valid. */
bool argo_pq_utf8_valid(const void *p, size_t n);

#endif
