/* SPDX-License-Identifier: MIT */
/*
 * parquet/parquet.c - see parquet.h. Layout of a file (parquet-format
 * README, "File Format"): "PAR1", column chunks (pages: a Thrift
 * PageHeader then the page body), the FileMetaData footer in the Thrift
 * compact protocol, its length (4 bytes, little-endian), "PAR1".
 * Levels and dictionary indices use the RLE/bit-packed hybrid of
 * Encodings.md; page checksums are CRC-32 (zlib's) of the page body as
 * written (compressed).
 */
#include "parquet/parquet.h"

#include "parquet/thrift.h"
#include "base/grow.h"
#include "base/limits.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <snappy-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* physical types, encodings, page types (parquet.thrift) */
enum {
    T_BOOLEAN = 0,
    T_INT32 = 1,
    T_INT64 = 2,
    T_INT96 = 3,
    T_FLOAT = 4,
    T_DOUBLE = 5,
    T_BYTE_ARRAY = 6,
    T_FIXED = 7
};
enum { E_PLAIN = 0, E_PLAIN_DICTIONARY = 2, E_RLE = 3, E_RLE_DICTIONARY = 8 };
enum { P_DATA = 0, P_INDEX = 1, P_DICTIONARY = 2, P_DATA_V2 = 3 };
enum { CT_UTF8 = 0, CT_TIMESTAMP_MILLIS = 9, CT_TIMESTAMP_MICROS = 10 };
enum { R_REQUIRED = 0, R_OPTIONAL = 1, R_REPEATED = 2 };

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "argo's Parquet writer copies values as they lie in memory: little-endian hosts only"
#endif

#define PAGE_MAX ARGO_PQ_PAGE_MAX
#define DICT_MAX_ENTRIES ARGO_PQ_DICT_ENTRIES_MAX
#define DICT_MAX_BYTES ARGO_PQ_DICT_BYTES_MAX
#define UNSUPPORTED ((argo_pq_type)100)
#define UNSUPPORTED_DECIMAL ((argo_pq_type)101) /* read raw, it would print unscaled */
enum { CT_DECIMAL = 5, LT_DECIMAL = 5 };

const char *argo_pq_type_name(argo_pq_type t)
{
    static const char *names[] = {"BOOLEAN",       "INT32",         "INT64",
                                  "DOUBLE",        "STRING",        "BYTES",
                                  "TIMESTAMP(ms)", "TIMESTAMP(us)", "TIMESTAMP(ns)"};
    return (unsigned)t < sizeof names / sizeof *names ? names[t] : "unsupported";
}

int argo_pq_codec_parse(const char *s)
{
    if (!strcmp(s, "snappy"))
        return ARGO_PQ_SNAPPY;
    if (!strcmp(s, "zstd"))
        return ARGO_PQ_ZSTD;
    if (!strcmp(s, "none") || !strcmp(s, "uncompressed"))
        return ARGO_PQ_UNCOMPRESSED;
    return -1;
}

const char *argo_pq_codec_name(argo_pq_codec c)
{
    return c == ARGO_PQ_SNAPPY ? "snappy" : c == ARGO_PQ_ZSTD ? "zstd" : "none";
}

static int physical(argo_pq_type t)
{
    switch (t) {
    case ARGO_PQ_BOOLEAN:
        return T_BOOLEAN;
    case ARGO_PQ_INT32:
        return T_INT32;
    case ARGO_PQ_DOUBLE:
        return T_DOUBLE;
    case ARGO_PQ_STRING:
    case ARGO_PQ_BYTES:
        return T_BYTE_ARRAY;
    default:
        return T_INT64;
    }
}

/* ---- little helpers over a argo_tc_out byte buffer ---- */

static void put_u32(argo_tc_out *o, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    argo_tc_bytes(o, b, 4);
}

static void put_u64(argo_tc_out *o, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    argo_tc_bytes(o, b, 8);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static int bit_width(uint32_t max)
{
    int w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w;
}

/* RLE/bit-packed hybrid (Encodings.md): runs of >= 8 equal values as
 * RLE runs, everything else in bit-packed groups of 8 (the last group
 * padded with zeros). */
static void hybrid_encode(argo_tc_out *o, const uint32_t *v, size_t n, int width)
{
    size_t i = 0, packed_from = 0; /* values [packed_from, i) await packing */
    int vbytes = (width + 7) / 8;
    while (i <= n) {
        size_t run = 0;
        if (i < n)
            while (i + run < n && v[i + run] == v[i])
                run++;
        size_t pending = i - packed_from;
        if (i < n && run >= 8 + (8 - pending % 8) % 8) {
            /* fill the pending group from the run, then RLE the rest */
            size_t fill = (8 - pending % 8) % 8;
            i += fill;
            run -= fill;
            pending += fill;
        } else if (i < n) {
            i += run;
            continue;
        }
        if (pending) { /* bit-pack [packed_from, packed_from + pending) */
            size_t groups = (pending + 7) / 8;
            argo_tc_varint(o, (uint64_t)groups << 1 | 1);
            size_t nbytes = groups * (size_t)width;
            uint8_t *q = argo_tc_reserve(o, nbytes);
            if (!q)
                return;
            /* LSB first: a 64-bit accumulator, emptied a byte at a time */
            uint64_t acc = 0;
            int bits = 0;
            size_t out = 0;
            for (size_t k = 0; k < groups * 8; k++) {
                uint64_t val = k < pending ? v[packed_from + k] : 0;
                acc |= val << bits;
                bits += width;
                while (bits >= 8) {
                    q[out++] = (uint8_t)acc;
                    acc >>= 8;
                    bits -= 8;
                }
            }
        }
        if (i >= n)
            break;
        argo_tc_varint(o, (uint64_t)run << 1);
        uint8_t val[4] = {(uint8_t)v[i], (uint8_t)(v[i] >> 8), (uint8_t)(v[i] >> 16),
                          (uint8_t)(v[i] >> 24)};
        argo_tc_bytes(o, val, (size_t)vbytes);
        i += run;
        packed_from = i;
    }
}

/* Decodes count values; false when the data is short or malformed. */
static bool hybrid_decode(const uint8_t *p, size_t n, int width, uint32_t *out, size_t count)
{
    if (width < 0 || width > 32)
        return false;
    argo_tc_in in;
    argo_tc_in_init(&in, p, n);
    size_t got = 0;
    size_t vbytes = ((size_t)width + 7) / 8;
    while (got < count) {
        uint64_t h = argo_tc_read_varint(&in);
        if (in.bad)
            return false;
        if (h & 1) {
            uint64_t groups = h >> 1;
            size_t left = (size_t)(in.end - in.p);
            if (groups == 0 || groups > left + 1)
                return false;
            size_t nvals = (size_t)groups * 8;
            size_t take = nvals < count - got ? nvals : count - got;
            /* the bytes the values we take need (a last group may be cut short) */
            if ((take * (size_t)width + 7) / 8 > left)
                return false;
            const uint8_t *q = in.p;
            size_t adv = (size_t)groups * (size_t)width;
            nvals = take;
            for (size_t k = 0; k < nvals && got < count; k++) {
                uint32_t val = 0;
                size_t bit = k * (size_t)width;
                for (int b = 0; b < width; b++, bit++)
                    val |= (uint32_t)(q[bit / 8] >> (bit % 8) & 1) << b;
                out[got++] = val;
            }
            in.p += adv < left ? adv : left;
        } else {
            uint64_t run = h >> 1;
            if (run == 0 || (size_t)(in.end - in.p) < vbytes)
                return false;
            uint32_t val = 0;
            for (size_t b = 0; b < vbytes; b++)
                val |= (uint32_t)in.p[b] << (8 * b);
            in.p += vbytes;
            for (uint64_t k = 0; k < run && got < count; k++)
                out[got++] = val;
        }
    }
    return true;
}

/* ---- writing ---- */

typedef struct chunk_meta {
    int64_t dict_offset, data_offset, uncompressed, compressed, num_values;
    bool dict;
    /* statistics */
    bool has_minmax;
    int64_t null_count, nan_count;
    uint8_t min[8], max[8];
    const char *smin, *smax;
    uint32_t lmin, lmax;
} chunk_meta;

typedef struct writer {
    argo_tc_out file;
    const argo_pq_write_options *opt;
    argo_err *err;
    uint8_t *cbuf; /* compression scratch */
    size_t ccap;
} writer;

static int compress_body(writer *w, const uint8_t *body, size_t n, const uint8_t **out,
                         size_t *olen)
{
    if (w->opt->codec == ARGO_PQ_UNCOMPRESSED) {
        *out = body;
        *olen = n;
        return 0;
    }
    size_t need =
        w->opt->codec == ARGO_PQ_SNAPPY ? snappy_max_compressed_length(n) : ZSTD_compressBound(n);
    uint8_t *c = argo_grow(w->cbuf, &w->ccap, need, 1, 1 << 16);
    if (!c)
        return argo_err_set(w->err, ARGO_ENOMEM, "out of memory compressing a page");
    w->cbuf = c;
    if (w->opt->codec == ARGO_PQ_SNAPPY) {
        size_t cl = w->ccap;
        if (snappy_compress((const char *)body, n, (char *)c, &cl) != SNAPPY_OK)
            return argo_err_set(w->err, ARGO_EIO, "snappy compression failed");
        *olen = cl;
    } else {
        size_t r = ZSTD_compress(c, w->ccap, body, n, w->opt->zstd_level ? w->opt->zstd_level : 3);
        if (ZSTD_isError(r))
            return argo_err_set(w->err, ARGO_EIO, "zstd compression failed: %s",
                                ZSTD_getErrorName(r));
        *olen = r;
    }
    *out = c;
    return 0;
}

static int write_page(writer *w, int type, const argo_tc_out *body, int32_t num_values,
                      int encoding, chunk_meta *m)
{
    const uint8_t *c = NULL;
    size_t clen = 0;
    if (body->bad)
        return argo_err_set(w->err, ARGO_ENOMEM, "out of memory encoding a page");
    if (body->len > PAGE_MAX)
        return argo_err_set(w->err, ARGO_ELIMIT, "a page would exceed %zu bytes", PAGE_MAX);
    int rc = compress_body(w, body->p, body->len, &c, &clen);
    if (rc)
        return rc;
    argo_tc_out h = {0};
    argo_tc_struct_begin(&h, -1);
    argo_tc_i32(&h, 1, type);
    argo_tc_i32(&h, 2, (int32_t)body->len);
    argo_tc_i32(&h, 3, (int32_t)clen);
    argo_tc_i32(&h, 4, (int32_t)crc32(0, c, (uInt)clen));
    if (type == P_DICTIONARY) {
        argo_tc_struct_begin(&h, 7);
        argo_tc_i32(&h, 1, num_values);
        argo_tc_i32(&h, 2, E_PLAIN);
        argo_tc_struct_end(&h);
    } else {
        argo_tc_struct_begin(&h, 5);
        argo_tc_i32(&h, 1, num_values);
        argo_tc_i32(&h, 2, encoding);
        argo_tc_i32(&h, 3, E_RLE);
        argo_tc_i32(&h, 4, E_RLE);
        argo_tc_struct_end(&h);
    }
    argo_tc_struct_end(&h);
    if (h.bad) {
        free(h.p);
        return argo_err_set(w->err, ARGO_ENOMEM, "out of memory writing a page header");
    }
    int64_t at = (int64_t)w->file.len;
    if (type == P_DICTIONARY)
        m->dict_offset = at;
    else if (m->data_offset < 0)
        m->data_offset = at;
    argo_tc_bytes(&w->file, h.p, h.len);
    argo_tc_bytes(&w->file, c, clen);
    m->uncompressed += (int64_t)(h.len + body->len);
    m->compressed += (int64_t)(h.len + clen);
    free(h.p);
    return w->file.bad ? argo_err_set(w->err, ARGO_ENOMEM, "out of memory writing a file") : 0;
}

static size_t str_len(const argo_pq_column_data *d, size_t r)
{
    return d->len ? d->len[r] : strlen(d->str[r]);
}

static bool valid_at(const argo_pq_column_data *d, size_t r)
{
    return !d->valid || d->valid[r];
}

static int cmp_bytes(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* Statistics over rows [r0, r1). */
static void chunk_stats(const argo_pq_column_def *def, const argo_pq_column_data *d, size_t r0,
                        size_t r1, bool strings, chunk_meta *m)
{
    bool first = true;
    double dmin = 0, dmax = 0;
    int64_t imin = 0, imax = 0;
    for (size_t r = r0; r < r1; r++) {
        if (!valid_at(d, r)) {
            m->null_count++;
            continue;
        }
        switch (def->type) {
        case ARGO_PQ_DOUBLE: {
            double v = d->f64[r];
            if (isnan(v)) {
                m->nan_count++;
                continue;
            }
            if (first || v < dmin)
                dmin = v;
            if (first || v > dmax)
                dmax = v;
            break;
        }
        case ARGO_PQ_STRING:
        case ARGO_PQ_BYTES: {
            if (!strings)
                break; /* taken from the dictionary entries instead */
            uint32_t l = (uint32_t)str_len(d, r);
            if (first || cmp_bytes(d->str[r], l, m->smin, m->lmin) < 0) {
                m->smin = d->str[r];
                m->lmin = l;
            }
            if (first || cmp_bytes(d->str[r], l, m->smax, m->lmax) > 0) {
                m->smax = d->str[r];
                m->lmax = l;
            }
            break;
        }
        default: {
            int64_t v = def->type == ARGO_PQ_BOOLEAN ? d->b[r] != 0
                        : def->type == ARGO_PQ_INT32 ? d->i32[r]
                                                     : d->i64[r];
            if (first || v < imin)
                imin = v;
            if (first || v > imax)
                imax = v;
        }
        }
        first = false;
    }
    m->has_minmax = !first;
    if (first)
        return;
    if (def->type == ARGO_PQ_DOUBLE) {
        if (dmin == 0)
            dmin = -0.0; /* parquet.thrift: a zero min is written as -0.0 */
        if (dmax == 0)
            dmax = 0.0;
        memcpy(m->min, &dmin, 8);
        memcpy(m->max, &dmax, 8);
    } else if (def->type != ARGO_PQ_STRING && def->type != ARGO_PQ_BYTES) {
        for (int i = 0; i < 8; i++) {
            m->min[i] = (uint8_t)((uint64_t)imin >> (8 * i));
            m->max[i] = (uint8_t)((uint64_t)imax >> (8 * i));
        }
    }
}

/* Dictionary of distinct strings, by an open-addressing hash table. */
typedef struct dict {
    uint32_t *slot; /* index + 1 into the entries; 0 = empty */
    size_t nslot;
    const char **s;
    uint32_t *l;
    size_t n, cap, bytes;
} dict;

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Index of the string, added when new; -1 when the dictionary is full. */
static int64_t dict_index(dict *d, const char *s, uint32_t l)
{
    size_t mask = d->nslot - 1;
    for (size_t i = hash_bytes(s, l) & mask;; i = (i + 1) & mask) {
        uint32_t e = d->slot[i];
        if (!e) {
            if (d->n >= DICT_MAX_ENTRIES || d->bytes + l + 4 > DICT_MAX_BYTES)
                return -1;
            d->slot[i] = (uint32_t)d->n + 1;
            d->s[d->n] = s;
            d->l[d->n] = l;
            d->bytes += l + 4;
            return (int64_t)d->n++;
        }
        if (d->l[e - 1] == l && !memcmp(d->s[e - 1], s, l))
            return e - 1;
    }
}

static void plain_value(argo_tc_out *o, const argo_pq_column_def *def, const argo_pq_column_data *d,
                        size_t r)
{
    switch (def->type) {
    case ARGO_PQ_INT32:
        put_u32(o, (uint32_t)d->i32[r]);
        break;
    case ARGO_PQ_DOUBLE: {
        uint64_t u;
        memcpy(&u, &d->f64[r], 8);
        put_u64(o, u);
        break;
    }
    case ARGO_PQ_STRING:
    case ARGO_PQ_BYTES: {
        size_t l = str_len(d, r);
        put_u32(o, (uint32_t)l);
        argo_tc_bytes(o, d->str[r], l);
        break;
    }
    default:
        put_u64(o, (uint64_t)d->i64[r]);
    }
}

static int write_chunk(writer *w, const argo_pq_column_def *def, const argo_pq_column_data *d,
                       size_t r0, size_t r1, chunk_meta *m)
{
    *m = (chunk_meta){.dict_offset = -1, .data_offset = -1, .num_values = (int64_t)(r1 - r0)};
    bool is_str0 = def->type == ARGO_PQ_STRING || def->type == ARGO_PQ_BYTES;
    chunk_stats(def, d, r0, r1, !(is_str0 && def->dictionary), m);
    int rc = 0;
    size_t n = r1 - r0;
    uint32_t *idx = NULL, *lv = malloc((n ? n : 1) * sizeof *lv);
    dict dc = {0};
    if (!lv)
        return argo_err_set(w->err, ARGO_ENOMEM, "out of memory encoding a column");
    bool is_str = def->type == ARGO_PQ_STRING || def->type == ARGO_PQ_BYTES;
    if (is_str && def->dictionary) {
        dc.nslot = 1;
        while (dc.nslot < 2 * (n < DICT_MAX_ENTRIES ? n : DICT_MAX_ENTRIES) + 2)
            dc.nslot <<= 1;
        size_t cap = n < DICT_MAX_ENTRIES ? n + 1 : DICT_MAX_ENTRIES + 1;
        dc.slot = calloc(dc.nslot, sizeof *dc.slot);
        dc.s = malloc(cap * sizeof *dc.s);
        dc.l = malloc(cap * sizeof *dc.l);
        idx = malloc((n ? n : 1) * sizeof *idx);
        if (!dc.slot || !dc.s || !dc.l || !idx) {
            rc = argo_err_set(w->err, ARGO_ENOMEM, "out of memory encoding a column");
            goto out;
        }
        m->dict = true;
        const char *last = NULL;
        int64_t last_k = -1;
        for (size_t r = r0; r < r1 && m->dict; r++) {
            if (!valid_at(d, r))
                continue;
            if (d->str[r] == last && !d->len) { /* the same string as the row before */
                idx[r - r0] = (uint32_t)last_k;
                continue;
            }
            int64_t k = dict_index(&dc, d->str[r], (uint32_t)str_len(d, r));
            last = d->str[r];
            last_k = k;
            if (k < 0)
                m->dict = false; /* too many or too long: PLAIN instead */
            else
                idx[r - r0] = (uint32_t)k;
        }
    }
    if (is_str && def->dictionary && !m->dict) { /* the dictionary gave up: per row */
        m->null_count = 0;
        chunk_stats(def, d, r0, r1, true, m);
    }
    if (m->dict) {
        for (size_t k = 0; k < dc.n; k++) { /* string statistics from distinct values */
            if (!k || cmp_bytes(dc.s[k], dc.l[k], m->smin, m->lmin) < 0) {
                m->smin = dc.s[k];
                m->lmin = dc.l[k];
            }
            if (!k || cmp_bytes(dc.s[k], dc.l[k], m->smax, m->lmax) > 0) {
                m->smax = dc.s[k];
                m->lmax = dc.l[k];
            }
        }
        m->has_minmax = dc.n > 0;
        argo_tc_out body = {0};
        for (size_t k = 0; k < dc.n; k++) {
            put_u32(&body, dc.l[k]);
            argo_tc_bytes(&body, dc.s[k], dc.l[k]);
        }
        rc = write_page(w, P_DICTIONARY, &body, (int32_t)dc.n, E_PLAIN, m);
        free(body.p);
        if (rc)
            goto out;
    }
    size_t page = w->opt->page_rows ? w->opt->page_rows : 65536;
    int width = dc.n > 1 ? bit_width((uint32_t)dc.n - 1) : 1; /* dictionary indices */
    for (size_t p0 = r0; p0 < r1; p0 += page) {
        size_t p1 = p0 + page < r1 ? p0 + page : r1;
        argo_tc_out body = {0};
        if (def->optional) {
            for (size_t r = p0; r < p1; r++)
                lv[r - p0] = valid_at(d, r);
            argo_tc_out lev = {0};
            hybrid_encode(&lev, lv, p1 - p0, 1);
            put_u32(&body, (uint32_t)lev.len);
            argo_tc_bytes(&body, lev.p, lev.len);
            body.bad |= lev.bad;
            free(lev.p);
        }
        if (m->dict) {
            size_t k = 0;
            for (size_t r = p0; r < p1; r++)
                if (valid_at(d, r))
                    lv[k++] = idx[r - r0];
            uint8_t wb = (uint8_t)width;
            argo_tc_bytes(&body, &wb, 1);
            hybrid_encode(&body, lv, k, width);
        } else if (def->type == ARGO_PQ_BOOLEAN) {
            uint8_t acc = 0;
            int nb = 0;
            for (size_t r = p0; r < p1; r++) {
                if (!valid_at(d, r))
                    continue;
                acc |= (uint8_t)((d->b[r] != 0) << nb);
                if (++nb == 8) {
                    argo_tc_bytes(&body, &acc, 1);
                    acc = 0;
                    nb = 0;
                }
            }
            if (nb)
                argo_tc_bytes(&body, &acc, 1);
        } else if (def->type == ARGO_PQ_STRING || def->type == ARGO_PQ_BYTES) {
            for (size_t r = p0; r < p1; r++)
                if (valid_at(d, r))
                    plain_value(&body, def, d, r);
        } else { /* fixed width: one block, little-endian values */
            size_t vw = def->type == ARGO_PQ_INT32 ? 4 : 8, k = 0;
            const uint8_t *src = def->type == ARGO_PQ_INT32    ? (const uint8_t *)d->i32
                                 : def->type == ARGO_PQ_DOUBLE ? (const uint8_t *)d->f64
                                                               : (const uint8_t *)d->i64;
            uint8_t *q = argo_tc_reserve(&body, (p1 - p0) * vw);
            if (q) {
                if (!d->valid)
                    memcpy(q, src + p0 * vw, (p1 - p0) * vw); /* the host is little-endian */
                else
                    for (size_t r = p0; r < p1; r++)
                        if (d->valid[r])
                            memcpy(q + vw * k++, src + r * vw, vw);
                body.len -= (p1 - p0 - k) * vw * (d->valid != NULL);
            }
        }
        rc = write_page(w, P_DATA, &body, (int32_t)(p1 - p0), m->dict ? E_RLE_DICTIONARY : E_PLAIN,
                        m);
        free(body.p);
        if (rc)
            goto out;
    }
out:
    free(lv);
    free(idx);
    free(dc.slot);
    free(dc.s);
    free(dc.l);
    return rc;
}

static void schema_element(argo_tc_out *o, const argo_pq_column_def *c)
{
    argo_tc_struct_begin(o, -1);
    argo_tc_i32(o, 1, physical(c->type));
    argo_tc_i32(o, 3, c->optional ? 1 : 0);
    argo_tc_string(o, 4, c->name);
    if (c->type == ARGO_PQ_STRING)
        argo_tc_i32(o, 6, CT_UTF8);
    else if (c->type == ARGO_PQ_TIMESTAMP_MS)
        argo_tc_i32(o, 6, CT_TIMESTAMP_MILLIS);
    else if (c->type == ARGO_PQ_TIMESTAMP_US)
        argo_tc_i32(o, 6, CT_TIMESTAMP_MICROS);
    if (c->type == ARGO_PQ_STRING) {
        argo_tc_struct_begin(o, 10);
        argo_tc_struct_begin(o, 1); /* StringType {} */
        argo_tc_struct_end(o);
        argo_tc_struct_end(o);
    } else if (c->type == ARGO_PQ_TIMESTAMP_MS || c->type == ARGO_PQ_TIMESTAMP_US ||
               c->type == ARGO_PQ_TIMESTAMP_NS) {
        argo_tc_struct_begin(o, 10);
        argo_tc_struct_begin(o, 8); /* TimestampType */
        argo_tc_bool(o, 1, true);
        argo_tc_struct_begin(o, 2); /* TimeUnit: MILLIS, MICROS, NANOS */
        argo_tc_struct_begin(o, c->type == ARGO_PQ_TIMESTAMP_MS   ? 1
                                : c->type == ARGO_PQ_TIMESTAMP_US ? 2
                                                                  : 3);
        argo_tc_struct_end(o);
        argo_tc_struct_end(o);
        argo_tc_struct_end(o);
        argo_tc_struct_end(o);
    }
    argo_tc_struct_end(o);
}

static void column_meta(argo_tc_out *o, const argo_pq_column_def *c, const chunk_meta *m,
                        argo_pq_codec codec)
{
    argo_tc_struct_begin(o, -1); /* ColumnChunk */
    argo_tc_i64(o, 2, 0);
    argo_tc_struct_begin(o, 3); /* ColumnMetaData */
    argo_tc_i32(o, 1, physical(c->type));
    argo_tc_list(o, 2, TC_I32, m->dict ? 3 : 2);
    argo_tc_list_i32(o, E_PLAIN);
    argo_tc_list_i32(o, E_RLE);
    if (m->dict)
        argo_tc_list_i32(o, E_RLE_DICTIONARY);
    argo_tc_list(o, 3, TC_BINARY, 1);
    argo_tc_list_string(o, c->name);
    argo_tc_i32(o, 4, codec);
    argo_tc_i64(o, 5, m->num_values);
    argo_tc_i64(o, 6, m->uncompressed);
    argo_tc_i64(o, 7, m->compressed);
    argo_tc_i64(o, 9, m->data_offset);
    if (m->dict)
        argo_tc_i64(o, 11, m->dict_offset);
    argo_tc_struct_begin(o, 12); /* Statistics */
    argo_tc_i64(o, 3, m->null_count);
    if (m->has_minmax) {
        bool s = c->type == ARGO_PQ_STRING || c->type == ARGO_PQ_BYTES;
        size_t w = c->type == ARGO_PQ_BOOLEAN ? 1 : c->type == ARGO_PQ_INT32 ? 4 : 8;
        argo_tc_binary(o, 5, s ? (const void *)m->smax : m->max, s ? m->lmax : w);
        argo_tc_binary(o, 6, s ? (const void *)m->smin : m->min, s ? m->lmin : w);
    }
    if (c->type == ARGO_PQ_DOUBLE)
        argo_tc_i64(o, 9, m->nan_count);
    argo_tc_struct_end(o);
    argo_tc_struct_end(o);
    argo_tc_struct_end(o);
}

int argo_pq_encode(const argo_pq_column_def *cols, size_t ncols, const argo_pq_column_data *data,
                   size_t nrows, const argo_pq_write_options *opt_in, uint8_t **out, size_t *len,
                   argo_err *err)
{
    *out = NULL;
    *len = 0;
    argo_pq_write_options opt = opt_in ? *opt_in : (argo_pq_write_options){0};
    if (!opt_in)
        opt.codec = ARGO_PQ_SNAPPY;
    if (opt.codec != ARGO_PQ_UNCOMPRESSED && opt.codec != ARGO_PQ_SNAPPY &&
        opt.codec != ARGO_PQ_ZSTD)
        return argo_err_set(err, ARGO_EINVAL, "unsupported compression codec %d", opt.codec);
    if (ncols == 0)
        return argo_err_set(err, ARGO_EINVAL, "a Parquet file needs at least one column");
    for (size_t c = 0; c < ncols; c++) {
        const argo_pq_column_data *d = &data[c];
        bool ok = cols[c].type == ARGO_PQ_BOOLEAN  ? d->b != NULL
                  : cols[c].type == ARGO_PQ_INT32  ? d->i32 != NULL
                  : cols[c].type == ARGO_PQ_DOUBLE ? d->f64 != NULL
                  : (cols[c].type == ARGO_PQ_STRING || cols[c].type == ARGO_PQ_BYTES)
                      ? d->str != NULL
                      : d->i64 != NULL;
        if (!ok || !cols[c].name || !*cols[c].name)
            return argo_err_set(err, ARGO_EINVAL, "column %zu: no name or no values", c);
        if (!cols[c].optional && d->valid)
            for (size_t r = 0; r < nrows; r++)
                if (!d->valid[r])
                    return argo_err_set(err, ARGO_EINVAL,
                                        "column %s: null in a required column (row %zu)",
                                        cols[c].name, r + 1);
    }
    size_t rg_rows = opt.row_group_rows ? opt.row_group_rows : 1000000;
    size_t ngroups = nrows ? (nrows + rg_rows - 1) / rg_rows : 0;
    chunk_meta *metas = calloc((ngroups ? ngroups : 1) * ncols, sizeof *metas);
    writer w = {.opt = &opt, .err = err};
    int rc = 0;
    if (!metas)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory writing Parquet");
    argo_tc_bytes(&w.file, "PAR1", 4);
    for (size_t g = 0; g < ngroups && !rc; g++) {
        size_t r0 = g * rg_rows, r1 = r0 + rg_rows < nrows ? r0 + rg_rows : nrows;
        for (size_t c = 0; c < ncols && !rc; c++)
            rc = write_chunk(&w, &cols[c], &data[c], r0, r1, &metas[g * ncols + c]);
    }
    if (rc)
        goto out;
    argo_tc_out f = {0};
    argo_tc_struct_begin(&f, -1); /* FileMetaData */
    argo_tc_i32(&f, 1, 1);
    argo_tc_list(&f, 2, TC_STRUCT, ncols + 1);
    argo_tc_struct_begin(&f, -1);
    argo_tc_string(&f, 4, "schema");
    argo_tc_i32(&f, 5, (int32_t)ncols);
    argo_tc_struct_end(&f);
    for (size_t c = 0; c < ncols; c++)
        schema_element(&f, &cols[c]);
    argo_tc_i64(&f, 3, (int64_t)nrows);
    argo_tc_list(&f, 4, TC_STRUCT, ngroups);
    for (size_t g = 0; g < ngroups; g++) {
        size_t r0 = g * rg_rows, r1 = r0 + rg_rows < nrows ? r0 + rg_rows : nrows;
        int64_t unc = 0, cmp = 0;
        chunk_meta *m0 = &metas[g * ncols];
        argo_tc_struct_begin(&f, -1); /* RowGroup */
        argo_tc_list(&f, 1, TC_STRUCT, ncols);
        for (size_t c = 0; c < ncols; c++) {
            column_meta(&f, &cols[c], &m0[c], opt.codec);
            unc += m0[c].uncompressed;
            cmp += m0[c].compressed;
        }
        argo_tc_i64(&f, 2, unc);
        argo_tc_i64(&f, 3, (int64_t)(r1 - r0));
        argo_tc_i64(&f, 5, m0[0].dict ? m0[0].dict_offset : m0[0].data_offset);
        argo_tc_i64(&f, 6, cmp);
        argo_tc_field(&f, 7, TC_I16);
        argo_tc_varint(&f, ((uint64_t)g << 1) ^ 0);
        argo_tc_struct_end(&f);
    }
    if (opt.nkv) {
        argo_tc_list(&f, 5, TC_STRUCT, opt.nkv);
        for (size_t k = 0; k < opt.nkv; k++) {
            argo_tc_struct_begin(&f, -1);
            argo_tc_string(&f, 1, opt.kv[k].key);
            argo_tc_string(&f, 2, opt.kv[k].value);
            argo_tc_struct_end(&f);
        }
    }
    argo_tc_string(&f, 6, opt.created_by ? opt.created_by : "argo");
    argo_tc_list(&f, 7, TC_STRUCT, ncols); /* column_orders: TYPE_ORDER */
    for (size_t c = 0; c < ncols; c++) {
        argo_tc_struct_begin(&f, -1);
        argo_tc_struct_begin(&f, 1);
        argo_tc_struct_end(&f);
        argo_tc_struct_end(&f);
    }
    argo_tc_struct_end(&f);
    if (f.bad) {
        free(f.p);
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory writing the footer");
        goto out;
    }
    argo_tc_bytes(&w.file, f.p, f.len);
    put_u32(&w.file, (uint32_t)f.len);
    argo_tc_bytes(&w.file, "PAR1", 4);
    free(f.p);
    if (w.file.bad)
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory writing Parquet");
out:
    free(metas);
    free(w.cbuf);
    if (rc) {
        free(w.file.p);
        return rc;
    }
    *out = w.file.p;
    *len = w.file.len;
    return 0;
}

/* ---- reading ---- */

typedef struct col_chunk {
    int type, codec;
    int64_t num_values, data_offset, dict_offset, compressed, uncompressed;
    bool has_dict, external; /* external: the chunk lies in another file */
    argo_pq_stats stats;
    const uint8_t *smin, *smax; /* raw statistics (borrowed) */
    size_t lmin, lmax;
} col_chunk;

typedef struct pq_col {
    argo_pq_column_def def;
    char *name;
    size_t name_len; /* as stored: a NUL inside shows as strlen(name) < name_len */
    int physical, repetition;
} pq_col;

struct argo_pq_file {
    const uint8_t *data; /* the whole file (open_buffer), or NULL: read by chunk */
    size_t len;
    int fd;         /* argo_pq_open: -1 for a buffer */
    uint8_t *owned; /* argo_pq_open's copy of the footer */
    int64_t num_rows;
    pq_col *cols;
    size_t ncols;
    size_t ngroups;
    int64_t *group_rows;
    col_chunk *chunks; /* ngroups x ncols */
    uint64_t cost;     /* what decoding every row group takes (group_cost), summed */
    char **kv;         /* key, value, key, value ... */
    size_t nkv;
    char *created_by;
};

/* An i32 field (an enum, a type): out of the i32 range is malformed. */
static int read_i32(argo_tc_in *in, int type)
{
    int64_t v = argo_tc_read_int(in, type);
    if (v < INT32_MIN || v > INT32_MAX) {
        in->bad = true;
        return 0;
    }
    return (int)v;
}

/* A NUL-terminated copy, or NULL with *oom set when memory is short. */
static char *dup_bin(const uint8_t *p, size_t n, bool *oom)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    } else
        *oom = true;
    return s;
}

static argo_pq_type map_type(int physical_type, int converted, int logical, int unit)
{
    if (converted == CT_DECIMAL || logical == LT_DECIMAL)
        return UNSUPPORTED_DECIMAL;
    switch (physical_type) {
    case T_BOOLEAN:
        return ARGO_PQ_BOOLEAN;
    case T_INT32:
        return ARGO_PQ_INT32;
    case T_DOUBLE:
        return ARGO_PQ_DOUBLE;
    case T_BYTE_ARRAY:
        return logical == 1 || converted == CT_UTF8 ? ARGO_PQ_STRING : ARGO_PQ_BYTES;
    case T_INT64:
        if ((logical == 8 && unit == 1) || (logical < 0 && converted == CT_TIMESTAMP_MILLIS))
            return ARGO_PQ_TIMESTAMP_MS;
        if ((logical == 8 && unit == 2) || (logical < 0 && converted == CT_TIMESTAMP_MICROS))
            return ARGO_PQ_TIMESTAMP_US;
        if (logical == 8 && unit == 3)
            return ARGO_PQ_TIMESTAMP_NS;
        return ARGO_PQ_INT64;
    default:
        return UNSUPPORTED;
    }
}

/* SchemaElement: fills *c (leaf) or *children (group). */
static void read_schema_element(argo_tc_in *in, pq_col *c, int64_t *children, bool *oom)
{
    int16_t id;
    int t, logical = -1, unit = -1, converted = -1;
    c->physical = -1;
    *children = 0;
    argo_tc_enter(in);
    while (argo_tc_next(in, &id, &t)) {
        if (id == 1 && t == TC_I32)
            c->physical = read_i32(in, t);
        else if (id == 3 && t == TC_I32) {
            c->repetition = read_i32(in, t);
            c->def.optional = c->repetition == R_OPTIONAL;
        } else if (id == 4 && t == TC_BINARY) {
            size_t n;
            const uint8_t *p = argo_tc_read_binary(in, &n);
            free(c->name);
            c->name = p ? dup_bin(p, n, oom) : NULL;
            c->name_len = n;
        } else if (id == 5 && t == TC_I32)
            *children = argo_tc_read_int(in, t);
        else if (id == 6 && t == TC_I32)
            converted = read_i32(in, t);
        else if (id == 10 && t == TC_STRUCT) { /* LogicalType union */
            int16_t lid;
            int lt;
            argo_tc_enter(in);
            while (argo_tc_next(in, &lid, &lt)) {
                if (lt != TC_STRUCT) {
                    argo_tc_skip(in, lt);
                    continue;
                }
                logical = lid;
                if (lid != 8) {
                    argo_tc_skip(in, lt);
                    continue;
                }
                int16_t tid;
                int tt;
                argo_tc_enter(in);
                while (argo_tc_next(in, &tid, &tt)) {
                    if (tid == 2 && tt == TC_STRUCT) { /* TimeUnit */
                        int16_t uid;
                        int ut;
                        argo_tc_enter(in);
                        while (argo_tc_next(in, &uid, &ut)) {
                            unit = uid;
                            argo_tc_skip(in, ut);
                        }
                    } else
                        argo_tc_skip(in, tt);
                }
            }
        } else
            argo_tc_skip(in, t);
    }
    c->def.type = map_type(c->physical, converted, logical, unit);
}

static void read_stats(argo_tc_in *in, col_chunk *cc)
{
    int16_t id;
    int t;
    const uint8_t *dmin = NULL, *dmax = NULL;
    size_t ldmin = 0, ldmax = 0;
    argo_tc_enter(in);
    while (argo_tc_next(in, &id, &t)) {
        if ((id == 1 || id == 2 || id == 5 || id == 6) && t == TC_BINARY) {
            size_t n;
            const uint8_t *p = argo_tc_read_binary(in, &n);
            if (id == 5) {
                cc->smax = p;
                cc->lmax = n;
            } else if (id == 6) {
                cc->smin = p;
                cc->lmin = n;
            } else if (id == 1) {
                dmax = p;
                ldmax = n;
            } else {
                dmin = p;
                ldmin = n;
            }
        } else if (id == 3 && (t == TC_I64 || t == TC_I32)) {
            cc->stats.null_count = argo_tc_read_int(in, t);
            cc->stats.has_nulls = true;
        } else
            argo_tc_skip(in, t);
    }
    if (!cc->smin && !cc->smax) { /* only the deprecated fields */
        cc->smin = dmin;
        cc->lmin = ldmin;
        cc->smax = dmax;
        cc->lmax = ldmax;
    }
}

static bool stat_number(int physical_type, const uint8_t *p, size_t n, double *out)
{
    if (!p)
        return false;
    switch (physical_type) {
    case T_BOOLEAN:
        if (n < 1)
            return false;
        *out = p[0] != 0;
        return true;
    case T_INT32:
        if (n != 4)
            return false;
        *out = (int32_t)get_u32(p);
        return true;
    case T_INT64:
        if (n != 8)
            return false;
        *out = (double)(int64_t)get_u64(p);
        return true;
    case T_DOUBLE: {
        if (n != 8)
            return false;
        uint64_t u = get_u64(p);
        memcpy(out, &u, 8);
        return !isnan(*out);
    }
    default:
        return false;
    }
}

static void read_column_chunk(argo_tc_in *in, col_chunk *cc)
{
    int16_t id;
    int t;
    argo_tc_enter(in);
    while (argo_tc_next(in, &id, &t)) {
        if (id == 1 && t == TC_BINARY) /* file_path */
            cc->external = true;
        if (id != 3 || t != TC_STRUCT) {
            argo_tc_skip(in, t);
            continue;
        }
        int16_t mid;
        int mt;
        argo_tc_enter(in);
        while (argo_tc_next(in, &mid, &mt)) {
            switch (mid) {
            case 1:
                cc->type = read_i32(in, mt);
                break;
            case 4:
                cc->codec = read_i32(in, mt);
                break;
            case 5:
                cc->num_values = argo_tc_read_int(in, mt);
                break;
            case 6:
                cc->uncompressed = argo_tc_read_int(in, mt);
                break;
            case 7:
                cc->compressed = argo_tc_read_int(in, mt);
                break;
            case 9:
                cc->data_offset = argo_tc_read_int(in, mt);
                break;
            case 11:
                cc->dict_offset = argo_tc_read_int(in, mt);
                cc->has_dict = true;
                break;
            case 12:
                if (mt == TC_STRUCT) {
                    read_stats(in, cc);
                    break;
                }
                /* fall through */
            default:
                argo_tc_skip(in, mt);
            }
        }
    }
}

bool argo_pq_utf8_valid(const void *data, size_t n)
{
    const uint8_t *p = data, *end = p + n;
    while (p < end) {
        uint8_t c = *p++;
        if (c < 0x80)
            continue;
        size_t more;
        uint32_t cp, min;
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            cp = c & 0x1f;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            cp = c & 0x0f;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else
            return false; /* a continuation byte, an overlong lead or above U+10FFFF */
        if ((size_t)(end - p) < more)
            return false;
        for (size_t k = 0; k < more; k++, p++) {
            if ((*p & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (*p & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
    }
    return true;
}

/* The bytes a reader holds per value of a column: the valid flag, the
 * level/index scratch and the value itself (strings: pointer, length
 * and arena offset). */
static uint64_t value_bytes(const pq_col *c)
{
    switch (c->physical) {
    case T_BOOLEAN:
        return 1 + 4 + 1;
    case T_INT32:
        return 1 + 4 + 4;
    case T_BYTE_ARRAY:
        return 1 + 4 + 8 + 4 + 8;
    default:
        return 1 + 4 + 8;
    }
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

uint64_t argo_pq_decode_budget(const argo_pq_file *f)
{
    return sat_add(ARGO_PQ_DECODE_FIXED, sat_mul(ARGO_PQ_DECODE_RATIO, f->len));
}

/* What decoding every column of row group g may take: its
 * values and, twice, the inflated pages the chunks declare (page
 * buffers and the strings copied out of them). */
static uint64_t group_cost(const argo_pq_file *f, size_t g)
{
    uint64_t per_row = 0, pages = 0;
    for (size_t c = 0; c < f->ncols; c++) {
        per_row += value_bytes(&f->cols[c]);
        const col_chunk *cc = &f->chunks[g * f->ncols + c];
        pages = sat_add(pages, cc->uncompressed > 0 ? (uint64_t)cc->uncompressed : 0);
    }
    return sat_add(sat_mul((uint64_t)f->group_rows[g], per_row), sat_mul(2, pages));
}

static int parse_footer(argo_pq_file *f, const uint8_t *p, size_t n, argo_err *err)
{
    argo_tc_in in;
    argo_tc_in_init(&in, p, n);
    int16_t id;
    int t;
    bool have_schema = false, have_groups = false, have_kv = false, oom = false;
    argo_tc_enter(&in);
    while (argo_tc_next(&in, &id, &t)) {
        if (id == 2 && t == TC_LIST) {
            if (have_schema)
                return argo_err_set(err, ARGO_EPARSE, "Parquet footer: a second schema");
            int et;
            size_t ne = argo_tc_read_list(&in, &et);
            if (in.bad || et != TC_STRUCT || ne < 2)
                return argo_err_set(err, ARGO_EPARSE,
                                    "Parquet footer: bad schema list (%zu elements)", ne);
            if (ne - 1 > ARGO_PQ_COLUMNS_MAX)
                return argo_err_set(err, ARGO_ELIMIT,
                                    "Parquet footer: %zu columns, more than argo reads (%d)",
                                    ne - 1, ARGO_PQ_COLUMNS_MAX);
            pq_col root = {0};
            int64_t children;
            read_schema_element(&in, &root, &children, &oom);
            free(root.name);
            if (!in.bad && children != (int64_t)(ne - 1))
                return argo_err_set(err, ARGO_EPARSE,
                                    "Parquet: nested schemas are not supported (root has %lld "
                                    "children, %zu elements)",
                                    (long long)children, ne - 1);
            f->cols = calloc(ne - 1, sizeof *f->cols);
            if (!f->cols)
                return argo_err_set(err, ARGO_ENOMEM, "out of memory reading a footer");
            f->ncols = ne - 1;
            for (size_t c = 0; c < f->ncols && !in.bad; c++) {
                read_schema_element(&in, &f->cols[c], &children, &oom);
                if (!in.bad && children != 0)
                    return argo_err_set(err, ARGO_EPARSE,
                                        "Parquet: nested schemas are not supported (element "
                                        "%zu has %lld children)",
                                        c + 1, (long long)children);
                f->cols[c].def.name = f->cols[c].name;
            }
            have_schema = true;
        } else if (id == 3 && (t == TC_I64 || t == TC_I32))
            f->num_rows = argo_tc_read_int(&in, t);
        else if (id == 4 && t == TC_LIST) {
            if (!have_schema || have_groups)
                return argo_err_set(err, ARGO_EPARSE, "Parquet footer: %s",
                                    have_groups ? "a second row group list"
                                                : "row groups before the schema");
            int et;
            size_t ng = argo_tc_read_list(&in, &et);
            /* a row group holds a list of ncols column chunks: ncols + 2 bytes at least */
            if (in.bad || et != TC_STRUCT || ng > (size_t)(in.end - in.p) / (f->ncols + 2))
                return argo_err_set(err, ARGO_EPARSE,
                                    "Parquet footer: bad row group list (%zu row groups of %zu "
                                    "columns in %zu bytes)",
                                    ng, f->ncols, (size_t)(in.end - in.p));
            f->group_rows = calloc(ng ? ng : 1, sizeof *f->group_rows);
            f->chunks = calloc((ng ? ng : 1) * f->ncols, sizeof *f->chunks);
            if (!f->group_rows || !f->chunks)
                return argo_err_set(err, ARGO_ENOMEM, "out of memory reading a footer");
            f->ngroups = ng;
            have_groups = true;
            for (size_t g = 0; g < ng && !in.bad; g++) {
                int16_t rid;
                int rt;
                size_t seen = 0;
                bool have_count = false;
                argo_tc_enter(&in);
                while (argo_tc_next(&in, &rid, &rt)) {
                    if (rid == 1 && rt == TC_LIST && !seen) {
                        int ct;
                        size_t nc = argo_tc_read_list(&in, &ct);
                        if (!in.bad && (ct != TC_STRUCT || nc != f->ncols))
                            return argo_err_set(err, ARGO_EPARSE,
                                                "Parquet: row group %zu has %zu columns, the "
                                                "schema %zu",
                                                g, nc, f->ncols);
                        for (size_t c = 0; c < nc && !in.bad; c++)
                            read_column_chunk(&in, &f->chunks[g * f->ncols + c]);
                        seen = nc;
                    } else if (rid == 3 && (rt == TC_I64 || rt == TC_I32)) {
                        f->group_rows[g] = argo_tc_read_int(&in, rt);
                        have_count = true;
                    } else
                        argo_tc_skip(&in, rt);
                }
                if (!in.bad && (seen != f->ncols || !have_count))
                    return argo_err_set(err, ARGO_EPARSE, "Parquet: row group %zu has no %s", g,
                                        seen != f->ncols ? "columns" : "row count");
            }
        } else if (id == 5 && t == TC_LIST) {
            if (have_kv)
                return argo_err_set(err, ARGO_EPARSE, "Parquet footer: a second key-value list");
            have_kv = true;
            int et;
            size_t nk = argo_tc_read_list(&in, &et);
            if (in.bad || et != TC_STRUCT)
                return argo_err_set(err, ARGO_EPARSE, "Parquet footer: bad key-value list");
            f->kv = calloc(2 * (nk ? nk : 1), sizeof *f->kv);
            if (!f->kv)
                return argo_err_set(err, ARGO_ENOMEM, "out of memory reading a footer");
            for (size_t k = 0; k < nk && !in.bad; k++) {
                int16_t kid;
                int kt;
                f->nkv = k + 1;
                argo_tc_enter(&in);
                while (argo_tc_next(&in, &kid, &kt)) {
                    if ((kid == 1 || kid == 2) && kt == TC_BINARY) {
                        size_t bl;
                        const uint8_t *bp = argo_tc_read_binary(&in, &bl);
                        char **slot = &f->kv[2 * k + (size_t)(kid - 1)];
                        free(*slot);
                        *slot = bp ? dup_bin(bp, bl, &oom) : NULL;
                    } else
                        argo_tc_skip(&in, kt);
                }
            }
        } else if (id == 6 && t == TC_BINARY) {
            size_t bl;
            const uint8_t *bp = argo_tc_read_binary(&in, &bl);
            free(f->created_by);
            f->created_by = bp ? dup_bin(bp, bl, &oom) : NULL;
        } else
            argo_tc_skip(&in, t);
    }
    if (oom)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory reading a footer");
    if (in.bad)
        return argo_err_set(err, ARGO_EPARSE,
                            "Parquet footer is malformed or truncated (at byte %zu of %zu)",
                            (size_t)(in.p - p), n);
    if (in.p != in.end)
        return argo_err_set(err, ARGO_EPARSE,
                            "Parquet footer: %zu stray bytes after its end (the footer length "
                            "says %zu)",
                            (size_t)(in.end - in.p), n);
    if (!have_schema)
        return argo_err_set(err, ARGO_EPARSE, "Parquet footer has no schema");
    for (size_t c = 0; c < f->ncols; c++) {
        const pq_col *pc = &f->cols[c];
        if (!pc->name)
            return argo_err_set(err, ARGO_EPARSE, "Parquet: column %zu has no name", c + 1);
        if (strlen(pc->name) != pc->name_len || !argo_pq_utf8_valid(pc->name, pc->name_len))
            return argo_err_set(err, ARGO_EPARSE,
                                "Parquet: the name of column %zu is not UTF-8 text", c + 1);
        for (size_t k = 0; k < c; k++)
            if (!strcmp(f->cols[k].name, pc->name))
                return argo_err_set(err, ARGO_EPARSE,
                                    "Parquet: columns %zu and %zu are both named '%s'", k + 1,
                                    c + 1, pc->name);
    }
    if (f->num_rows < 0)
        return argo_err_set(err, ARGO_EPARSE, "Parquet footer: %lld rows", (long long)f->num_rows);
    int64_t total = 0;
    for (size_t g = 0; g < f->ngroups; g++) {
        if (f->group_rows[g] < 0 || f->group_rows[g] > INT64_MAX - total)
            return argo_err_set(err, ARGO_EPARSE,
                                "Parquet: row group %zu has a bad row count (%lld)", g,
                                (long long)f->group_rows[g]);
        total += f->group_rows[g];
        f->cost = sat_add(f->cost, group_cost(f, g));
        for (size_t c = 0; c < f->ncols; c++) {
            col_chunk *cc = &f->chunks[g * f->ncols + c];
            cc->stats.has_minmax =
                stat_number(f->cols[c].physical, cc->smin, cc->lmin, &cc->stats.min) &&
                stat_number(f->cols[c].physical, cc->smax, cc->lmax, &cc->stats.max);
        }
    }
    if (total != f->num_rows)
        return argo_err_set(err, ARGO_EPARSE,
                            "Parquet: row groups hold %lld rows, the footer says %lld",
                            (long long)total, (long long)f->num_rows);
    return ARGO_OK;
}

void argo_pq_close(argo_pq_file *f)
{
    if (!f)
        return;
    for (size_t c = 0; c < f->ncols; c++)
        free(f->cols[c].name);
    for (size_t k = 0; k < 2 * f->nkv; k++)
        free(f->kv[k]);
    free(f->kv);
    free(f->cols);
    free(f->group_rows);
    free(f->chunks);
    free(f->created_by);
    free(f->owned);
    if (f->fd >= 0)
        close(f->fd);
    free(f);
}

int argo_pq_open_buffer(const void *data, size_t len, argo_pq_file **out, argo_err *err)
{
    assert((data || len == 0) && out);
    *out = NULL;
    const uint8_t *p = data;
    if (len < 12 || memcmp(p, "PAR1", 4) || memcmp(p + len - 4, "PAR1", 4))
        return argo_err_set(err, ARGO_EPARSE, "not a Parquet file (no PAR1 magic at both ends)");
    uint32_t flen = get_u32(p + len - 8);
    if (flen > len - 12)
        return argo_err_set(err, ARGO_EPARSE, "Parquet footer length %u exceeds the file", flen);
    argo_pq_file *f = calloc(1, sizeof *f);
    if (!f)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory opening Parquet");
    f->data = p;
    f->len = len;
    f->fd = -1;
    int rc = parse_footer(f, p + len - 8 - flen, flen, err);
    if (rc) {
        argo_pq_close(f);
        return rc;
    }
    *out = f;
    return ARGO_OK;
}

static bool read_at(int fd, uint8_t *buf, size_t n, off_t at)
{
    while (n) {
        ssize_t r = pread(fd, buf, n, at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        buf += r;
        n -= (size_t)r;
        at += r;
    }
    return true;
}

/* Reads the footer only; column chunks are read when asked for, so a
 * query touching 4 of 15 columns reads about 4/15 of the file. */
int argo_pq_open(const char *path, argo_pq_file **out, argo_err *err)
{
    assert(path && out);
    *out = NULL;
    /* O_NONBLOCK: a FIFO must not block the open; it is refused below */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return argo_err_set(err, ARGO_ENOENT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    uint8_t tail[8];
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        close(fd);
        return argo_err_set(err, ARGO_EPARSE, "%s: not a regular file", path);
    }
    if (fstat(fd, &st) != 0 || st.st_size < 12 || !read_at(fd, tail, 8, st.st_size - 8) ||
        memcmp(tail + 4, "PAR1", 4)) {
        close(fd);
        return argo_err_set(err, ARGO_EPARSE, "%s: not a Parquet file (no PAR1 magic at the end)",
                            path);
    }
    size_t len = (size_t)st.st_size;
    uint32_t flen = get_u32(tail);
    uint8_t head[4];
    if (flen > len - 12 || !read_at(fd, head, 4, 0) || memcmp(head, "PAR1", 4)) {
        close(fd);
        return argo_err_set(err, ARGO_EPARSE,
                            "%s: not a Parquet file (bad footer length or "
                            "no PAR1 magic at the start)",
                            path);
    }
    uint8_t *footer = malloc(flen ? flen : 1);
    argo_pq_file *f = calloc(1, sizeof *f);
    if (!footer || !f) {
        free(footer);
        free(f);
        close(fd);
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
    }
    f->fd = fd;
    f->len = len;
    f->owned = footer;
    int rc = read_at(fd, footer, flen, (off_t)(len - 8 - flen))
                 ? parse_footer(f, footer, flen, err)
                 : argo_err_set(err, ARGO_EIO, "read error");
    if (rc) {
        argo_pq_close(f);
        return argo_err_prefix(err, "%s: ", path);
    }
    *out = f;
    return ARGO_OK;
}

int64_t argo_pq_num_rows(const argo_pq_file *f)
{
    return f->num_rows;
}
size_t argo_pq_num_columns(const argo_pq_file *f)
{
    return f->ncols;
}
size_t argo_pq_num_row_groups(const argo_pq_file *f)
{
    return f->ngroups;
}
int64_t argo_pq_row_group_rows(const argo_pq_file *f, size_t rg)
{
    assert(f && rg < f->ngroups);
    return f->group_rows[rg];
}
const argo_pq_column_def *argo_pq_column(const argo_pq_file *f, size_t col)
{
    assert(f && col < f->ncols);
    return &f->cols[col].def;
}
const char *argo_pq_created_by(const argo_pq_file *f)
{
    return f->created_by;
}

int argo_pq_find_column(const argo_pq_file *f, const char *name)
{
    assert(f && name);
    for (size_t c = 0; c < f->ncols; c++)
        if (!strcmp(f->cols[c].name, name))
            return (int)c;
    return -1;
}

const char *argo_pq_kv_get(const argo_pq_file *f, const char *key)
{
    assert(f && key);
    for (size_t k = 0; k < f->nkv; k++)
        if (f->kv[2 * k] && !strcmp(f->kv[2 * k], key))
            return f->kv[2 * k + 1];
    return NULL;
}

argo_pq_codec argo_pq_column_codec(const argo_pq_file *f, size_t rg, size_t col)
{
    assert(f && rg < f->ngroups && col < f->ncols);
    return (argo_pq_codec)f->chunks[rg * f->ncols + col].codec;
}

void argo_pq_column_stats(const argo_pq_file *f, size_t rg, size_t col, argo_pq_stats *s)
{
    assert(f && rg < f->ngroups && col < f->ncols && s);
    *s = f->chunks[rg * f->ncols + col].stats;
}

void argo_pq_values_cleanup(argo_pq_values *v)
{
    free(v->valid);
    free(v->b);
    free(v->i32);
    free(v->i64);
    free(v->f64);
    free(v->str);
    free(v->len);
    free(v->arena);
    memset(v, 0, sizeof *v);
}

/* Decoded dictionary of a column chunk. */
typedef struct pq_dict {
    size_t n;
    int32_t *i32;
    int64_t *i64;
    double *f64;
    uint8_t *b;
    const uint8_t **s; /* into the page buffer, kept alive */
    uint32_t *l;
    size_t *off;   /* each string's copy in the output arena, made once */
    uint8_t *page; /* owned decompressed dictionary page */
} pq_dict;

typedef struct reader {
    const argo_pq_file *f;
    const pq_col *col;
    argo_pq_values *out;
    size_t pos;   /* values written */
    size_t *soff; /* string offsets into the arena while it grows */
    size_t arena_len, arena_cap;
    uint32_t *tmp; /* index / level scratch */
    size_t tmp_cap;
    size_t rg, page;   /* where: row group, page (1-based; 0 before the first) */
    uint64_t inflated; /* bytes of pages inflated so far */
    argo_err *err;
} reader;

/* An error of the chunk being read, naming the column, the row group
 * and the page: "Parquet column x, row group 0, page 3: why". */
static int bad(reader *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(reader *r, int code, const char *fmt, ...)
{
    char why[ARGO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (r->page)
        return argo_err_set(r->err, code, "Parquet column %s, row group %zu, page %zu: %s",
                            r->col->name, r->rg, r->page, why);
    return argo_err_set(r->err, code, "Parquet column %s, row group %zu: %s", r->col->name, r->rg,
                        why);
}

static int bad_page(reader *r, const char *why)
{
    return bad(r, ARGO_EPARSE, "%s", why);
}

/* Copies a string into the arena (NUL-terminated); *off gets its offset. */
static int arena_put(reader *r, const uint8_t *p, uint32_t l, size_t *off)
{
    char *a = argo_grow(r->out->arena, &r->arena_cap, r->arena_len + l + 1, 1, 1 << 16);
    if (!a)
        return argo_err_set(r->err, ARGO_ENOMEM, "out of memory reading strings");
    r->out->arena = a;
    memcpy(a + r->arena_len, p, l);
    a[r->arena_len + l] = '\0';
    *off = r->arena_len;
    r->arena_len += l + 1;
    return 0;
}

/* The string of row r->pos. */
static int put_string(reader *r, const uint8_t *p, uint32_t l)
{
    r->out->len[r->pos] = l;
    return arena_put(r, p, l, &r->soff[r->pos]);
}

/* Reads n PLAIN values of the column's physical type from [p, end) into
 * the output at the positions of the non-null slots, or into a dict. */
static int plain_decode(reader *r, const uint8_t *p, const uint8_t *end, size_t n,
                        const uint8_t *valid_slots, size_t slots, pq_dict *d)
{
    int phys = r->col->physical;
    size_t w = phys == T_INT32 ? 4 : phys == T_INT64 || phys == T_DOUBLE ? 8 : 0;
    if (w && (size_t)(end - p) / w < n)
        return bad_page(r, "PLAIN values run past the page");
    if (phys == T_BOOLEAN && (size_t)(end - p) < (n + 7) / 8)
        return bad_page(r, "PLAIN booleans run past the page");
    size_t k = 0; /* value index */
    for (size_t s = 0; s < (d ? n : slots); s++) {
        if (!d && valid_slots && !valid_slots[s])
            continue;
        if (k >= n)
            return bad_page(r, "fewer values than non-null levels");
        switch (phys) {
        case T_BOOLEAN: {
            uint8_t v = p[k / 8] >> (k % 8) & 1;
            if (d)
                d->b[k] = v;
            else
                r->out->b[r->pos + s] = v;
            break;
        }
        case T_INT32: {
            int32_t v = (int32_t)get_u32(p + 4 * k);
            if (d)
                d->i32[k] = v;
            else
                r->out->i32[r->pos + s] = v;
            break;
        }
        case T_INT64: {
            int64_t v = (int64_t)get_u64(p + 8 * k);
            if (d)
                d->i64[k] = v;
            else
                r->out->i64[r->pos + s] = v;
            break;
        }
        case T_DOUBLE: {
            uint64_t u = get_u64(p + 8 * k);
            double v;
            memcpy(&v, &u, 8);
            if (d)
                d->f64[k] = v;
            else
                r->out->f64[r->pos + s] = v;
            break;
        }
        case T_BYTE_ARRAY: {
            if (end - p < 4)
                return bad_page(r, "a string length runs past the page");
            uint32_t l = get_u32(p);
            if ((size_t)(end - p - 4) < l)
                return bad_page(r, "a string runs past the page");
            if (d) {
                d->s[k] = p + 4;
                d->l[k] = l;
            } else {
                size_t save = r->pos;
                r->pos += s;
                int rc = put_string(r, p + 4, l);
                r->pos = save;
                if (rc)
                    return rc;
            }
            p += 4 + l;
            break;
        }
        default:
            return bad_page(r, "unsupported physical type");
        }
        k++;
    }
    return 0;
}

static int grow_tmp(reader *r, size_t n)
{
    uint32_t *t = argo_grow(r->tmp, &r->tmp_cap, n ? n : 1, sizeof *t, 4096);
    if (!t)
        return argo_err_set(r->err, ARGO_ENOMEM, "out of memory reading a page");
    r->tmp = t;
    return 0;
}

static int dict_decode(reader *r, const uint8_t *p, const uint8_t *end, size_t slots,
                       const uint8_t *valid, size_t nvalid, pq_dict *d)
{
    if (!d->page && d->n == 0)
        return bad_page(r, "dictionary-encoded page without a dictionary");
    if (p >= end)
        return bad_page(r, "missing dictionary index width");
    int width = *p++;
    if (width > 32)
        return bad(r, ARGO_EPARSE, "dictionary index bit width %d (at most 32)", width);
    int rc = grow_tmp(r, nvalid);
    if (rc)
        return rc;
    if (!hybrid_decode(p, (size_t)(end - p), width, r->tmp, nvalid))
        return bad_page(r, "malformed dictionary indices (short or a zero-length run)");
    if (d->s && !d->off) { /* copy the dictionary's strings into the arena once */
        size_t *off = malloc((d->n ? d->n : 1) * sizeof *off);
        if (!off)
            return argo_err_set(r->err, ARGO_ENOMEM, "out of memory reading a dictionary");
        for (size_t k = 0; k < d->n; k++)
            if ((rc = arena_put(r, d->s[k], d->l[k], &off[k]))) {
                free(off);
                return rc;
            }
        d->off = off;
    }
    size_t k = 0;
    for (size_t s = 0; s < slots; s++) {
        if (valid && !valid[s])
            continue;
        uint32_t ix = r->tmp[k++];
        if (ix >= d->n)
            return bad(r, ARGO_EPARSE, "dictionary index %u out of range (the dictionary has %zu)",
                       ix, d->n);
        size_t at = r->pos + s;
        switch (r->col->physical) {
        case T_BOOLEAN:
            r->out->b[at] = d->b[ix];
            break;
        case T_INT32:
            r->out->i32[at] = d->i32[ix];
            break;
        case T_INT64:
            r->out->i64[at] = d->i64[ix];
            break;
        case T_DOUBLE:
            r->out->f64[at] = d->f64[ix];
            break;
        default: /* rows share the dictionary's one copy of the string */
            r->soff[at] = d->off[ix];
            r->out->len[at] = d->l[ix];
        }
    }
    return 0;
}

static int inflate_page(reader *r, int codec, const uint8_t *src, size_t slen, size_t ulen,
                        uint8_t **out)
{
    *out = NULL;
    if (codec != ARGO_PQ_UNCOMPRESSED && codec != ARGO_PQ_SNAPPY && codec != ARGO_PQ_ZSTD)
        return bad(r, ARGO_EPARSE, "unsupported codec %d (argo reads none, snappy and zstd)",
                   codec);
    /* the sizes the header claims, bounded before anything is allocated:
     * by a page's cap and by what the chunk's metadata declares */
    const struct col_chunk *cc = &r->f->chunks[r->rg * r->f->ncols + (size_t)(r->col - r->f->cols)];
    if (ulen > PAGE_MAX)
        return bad(r, ARGO_ELIMIT, "page inflates to %zu bytes, more than argo reads (%zu)", ulen,
                   PAGE_MAX);
    if (ulen > (uint64_t)cc->uncompressed - r->inflated)
        return bad(r, ARGO_EPARSE,
                   "pages inflate to more than the %lld bytes the column chunk declares",
                   (long long)cc->uncompressed);
    r->inflated += ulen;
    uint8_t *buf = malloc(ulen ? ulen : 1);
    if (!buf)
        return argo_err_set(r->err, ARGO_ENOMEM, "out of memory reading a page");
    if (codec == ARGO_PQ_UNCOMPRESSED) {
        if (slen != ulen) {
            free(buf);
            return bad_page(r, "uncompressed page sizes disagree");
        }
        memcpy(buf, src, ulen);
    } else if (codec == ARGO_PQ_SNAPPY) {
        size_t n;
        if (snappy_uncompressed_length((const char *)src, slen, &n) != SNAPPY_OK || n != ulen) {
            free(buf);
            return bad(r, ARGO_EPARSE, "Snappy data %s (the page header says %zu bytes)",
                       n != ulen ? "inflates to another size" : "is corrupt", ulen);
        }
        if (snappy_uncompress((const char *)src, slen, (char *)buf, &n) != SNAPPY_OK || n != ulen) {
            free(buf);
            return bad_page(r, "corrupt Snappy data");
        }
    } else {
        /* decompresses into the claimed size and no further: a bomb stops there */
        size_t n = ZSTD_decompress(buf, ulen, src, slen);
        if (ZSTD_isError(n) || n != ulen) {
            free(buf);
            return bad(r, ARGO_EPARSE, "corrupt ZSTD data (%s)",
                       ZSTD_isError(n) ? ZSTD_getErrorName(n)
                                       : "shorter than the page header says");
        }
    }
    *out = buf;
    return 0;
}

typedef struct page_header {
    int type;
    int64_t usize, csize, crc;
    bool has_crc;
    int64_t num_values, encoding, num_nulls, def_len, rep_len, def_enc;
    bool v2_compressed;
} page_header;

static void read_page_header(argo_tc_in *in, page_header *h)
{
    int16_t id;
    int t;
    *h = (page_header){
        .type = -1, .usize = -1, .csize = -1, .def_enc = E_RLE, .v2_compressed = true};
    argo_tc_enter(in);
    while (argo_tc_next(in, &id, &t)) {
        if (id == 1)
            h->type = read_i32(in, t);
        else if (id == 2)
            h->usize = argo_tc_read_int(in, t);
        else if (id == 3)
            h->csize = argo_tc_read_int(in, t);
        else if (id == 4) {
            h->crc = argo_tc_read_int(in, t);
            h->has_crc = true;
        } else if ((id == 5 || id == 7 || id == 8) && t == TC_STRUCT) {
            int16_t sid;
            int st;
            argo_tc_enter(in);
            while (argo_tc_next(in, &sid, &st)) {
                if (sid == 1 && st == TC_I32)
                    h->num_values = argo_tc_read_int(in, st);
                else if (id == 8 && sid == 2 && st == TC_I32)
                    h->num_nulls = argo_tc_read_int(in, st);
                else if (sid == 2 && id != 8 && st == TC_I32)
                    h->encoding = argo_tc_read_int(in, st);
                else if (id == 5 && sid == 3 && st == TC_I32)
                    h->def_enc = argo_tc_read_int(in, st);
                else if (id == 8 && sid == 4 && st == TC_I32)
                    h->encoding = argo_tc_read_int(in, st);
                else if (id == 8 && sid == 5 && st == TC_I32)
                    h->def_len = argo_tc_read_int(in, st);
                else if (id == 8 && sid == 6 && st == TC_I32)
                    h->rep_len = argo_tc_read_int(in, st);
                else if (id == 8 && sid == 7 && (st == TC_TRUE || st == TC_FALSE))
                    h->v2_compressed = argo_tc_read_bool(st);
                else
                    argo_tc_skip(in, st);
            }
        } else
            argo_tc_skip(in, t);
    }
}

static int load_dict(reader *r, const uint8_t *body, size_t len, size_t n, pq_dict *d)
{
    int phys = r->col->physical;
    /* each entry takes at least: a bit (BOOLEAN), 4 bytes (INT32, a
     * string's length), 8 (INT64, DOUBLE) */
    size_t most = phys == T_BOOLEAN                         ? len * 8
                  : phys == T_INT32 || phys == T_BYTE_ARRAY ? len / 4
                                                            : len / 8;
    if (n > most)
        return bad(r, ARGO_EPARSE, "a dictionary of %zu entries in a page of %zu bytes", n, len);
    d->n = n;
    size_t cap = n ? n : 1;
    if (phys == T_INT32)
        d->i32 = malloc(cap * sizeof *d->i32);
    else if (phys == T_INT64)
        d->i64 = malloc(cap * sizeof *d->i64);
    else if (phys == T_DOUBLE)
        d->f64 = malloc(cap * sizeof *d->f64);
    else if (phys == T_BOOLEAN)
        d->b = malloc(cap);
    else {
        d->s = malloc(cap * sizeof *d->s);
        d->l = malloc(cap * sizeof *d->l);
    }
    if (!d->i32 && !d->i64 && !d->f64 && !d->b && !(d->s && d->l))
        return argo_err_set(r->err, ARGO_ENOMEM, "out of memory reading a dictionary");
    return plain_decode(r, body, body + len, n, NULL, 0, d);
}

static void dict_free(pq_dict *d)
{
    free(d->off);
    free(d->i32);
    free(d->i64);
    free(d->f64);
    free(d->b);
    free(d->s);
    free(d->l);
    free(d->page);
    memset(d, 0, sizeof *d);
}

static int alloc_values(reader *r, size_t n)
{
    argo_pq_values *o = r->out;
    size_t cap = n ? n : 1;
    o->n = n;
    o->type = r->col->def.type;
    o->valid = malloc(cap);
    switch (r->col->physical) {
    case T_BOOLEAN:
        o->b = calloc(cap, 1);
        break;
    case T_INT32:
        o->i32 = calloc(cap, sizeof *o->i32);
        break;
    case T_INT64:
        o->i64 = calloc(cap, sizeof *o->i64);
        break;
    case T_DOUBLE:
        o->f64 = calloc(cap, sizeof *o->f64);
        break;
    default:
        o->str = calloc(cap, sizeof *o->str);
        o->len = calloc(cap, sizeof *o->len);
        r->soff = calloc(cap, sizeof *r->soff);
    }
    if (!o->valid || !(o->b || o->i32 || o->i64 || o->f64 || (o->str && o->len && r->soff)))
        return argo_err_set(r->err, ARGO_ENOMEM, "out of memory reading a column");
    return 0;
}

static int read_data_page(reader *r, const page_header *h, const uint8_t *body, size_t blen,
                          pq_dict *d)
{
    if (h->num_values < 0 || (uint64_t)h->num_values > r->out->n - r->pos)
        return bad(r, ARGO_EPARSE,
                   "%lld values, more than the %zu the column chunk has left (of %zu)",
                   (long long)h->num_values, r->out->n - r->pos, r->out->n);
    size_t slots = (size_t)h->num_values;
    const uint8_t *p = body, *end = body + blen;
    if (h->type == P_DATA_V2 && !r->col->def.optional && h->def_len != 0)
        return bad(r, ARGO_EPARSE, "definition levels (%lld bytes) in a required column",
                   (long long)h->def_len);
    int rc = grow_tmp(r, slots);
    if (rc)
        return rc;
    uint8_t *valid = r->out->valid + r->pos;
    size_t nvalid = slots;
    if (r->col->def.optional) {
        size_t llen;
        if (h->type == P_DATA_V2)
            llen = (size_t)h->def_len;
        else {
            if (end - p < 4)
                return bad_page(r, "definition levels missing");
            llen = get_u32(p);
            p += 4;
        }
        if (llen > (size_t)(end - p))
            return bad_page(r, "definition levels run past the page");
        if (!hybrid_decode(p, llen, 1, r->tmp, slots))
            return bad_page(r, "malformed definition levels");
        nvalid = 0;
        for (size_t s = 0; s < slots; s++) {
            if (r->tmp[s] > 1)
                return bad_page(r, "definition level above 1 in a flat schema");
            valid[s] = (uint8_t)r->tmp[s];
            nvalid += valid[s];
        }
        p += llen;
    } else
        memset(valid, 1, slots);
    if (h->encoding == E_PLAIN)
        rc = plain_decode(r, p, end, nvalid, r->col->def.optional ? valid : NULL, slots, NULL);
    else if (h->encoding == E_RLE_DICTIONARY || h->encoding == E_PLAIN_DICTIONARY)
        rc = dict_decode(r, p, end, slots, r->col->def.optional ? valid : NULL, nvalid, d);
    else if (h->encoding == E_RLE && r->col->physical == T_BOOLEAN) {
        if (end - p < 4)
            return bad_page(r, "RLE booleans without a length");
        size_t l = get_u32(p);
        p += 4;
        if (l > (size_t)(end - p) || (rc = grow_tmp(r, nvalid)))
            return rc ? rc : bad_page(r, "RLE booleans run past the page");
        if (!hybrid_decode(p, l, 1, r->tmp, nvalid))
            return bad_page(r, "malformed RLE booleans");
        size_t k = 0;
        for (size_t s = 0; s < slots; s++)
            if (valid[s])
                r->out->b[r->pos + s] = (uint8_t)(r->tmp[k++] & 1);
    } else
        return argo_err_set(r->err, ARGO_EPARSE,
                            "Parquet column %s: unsupported encoding %lld (argo reads PLAIN and "
                            "dictionary encodings)",
                            r->col->name, (long long)h->encoding);
    if (rc)
        return rc;
    r->pos += slots;
    return 0;
}

int argo_pq_read(const argo_pq_file *f, size_t rg, size_t col, argo_pq_values *out, argo_err *err)
{
    assert(f && out);
    memset(out, 0, sizeof *out);
    if (rg >= f->ngroups || col >= f->ncols)
        return argo_err_set(err, ARGO_EINVAL, "no row group %zu or column %zu", rg, col);
    const pq_col *pc = &f->cols[col];
    const col_chunk *cc = &f->chunks[rg * f->ncols + col];
    reader r = {.f = f, .col = pc, .out = out, .err = err, .rg = rg};
    if (pc->repetition == R_REPEATED)
        return bad(&r, ARGO_EPARSE, "repeated columns are not supported (argo reads flat schemas)");
    if (pc->repetition != R_REQUIRED && pc->repetition != R_OPTIONAL)
        return bad(&r, ARGO_EPARSE, "unknown repetition type %d", pc->repetition);
    if (pc->def.type == UNSUPPORTED_DECIMAL)
        return bad(&r, ARGO_EPARSE,
                   "DECIMAL columns are not supported (their values would read unscaled)");
    if (pc->def.type == UNSUPPORTED || pc->physical == T_INT96 || pc->physical == T_FLOAT ||
        pc->physical == T_FIXED)
        return bad(&r, ARGO_EPARSE, "unsupported physical type %d", pc->physical);
    if (cc->external)
        return bad(&r, ARGO_EPARSE, "the column chunk lies in another file (file_path)");
    if (cc->num_values != f->group_rows[rg])
        return bad(&r, ARGO_EPARSE, "%lld values in a row group of %lld rows",
                   (long long)cc->num_values, (long long)f->group_rows[rg]);
    if (cc->compressed < 0 || cc->uncompressed < 0)
        return bad(&r, ARGO_EPARSE, "negative chunk sizes (%lld compressed, %lld uncompressed)",
                   (long long)cc->compressed, (long long)cc->uncompressed);
    /* decoding every column of every row group stays within the budget:
     * memory (one row group is held at a time) and time */
    uint64_t budget = argo_pq_decode_budget(f);
    if (f->cost > budget)
        return bad(&r, ARGO_ELIMIT,
                   "decoding the file's %lld rows (all columns) would take %s%llu bytes, more "
                   "than argo allows for a file of %zu bytes (%llu)",
                   (long long)f->num_rows, f->cost == UINT64_MAX ? "over " : "",
                   (unsigned long long)f->cost, f->len, (unsigned long long)budget);
    int64_t start = cc->has_dict && cc->dict_offset > 0 && cc->dict_offset < cc->data_offset
                        ? cc->dict_offset
                        : cc->data_offset;
    size_t limit = f->len - 8; /* the footer and magic are not pages */
    if (start < 4 || (uint64_t)start > limit || (uint64_t)cc->compressed > limit - (uint64_t)start)
        return bad(&r, ARGO_EPARSE,
                   "column chunk outside the file (offset %lld, %lld bytes, file of %zu)",
                   (long long)start, (long long)cc->compressed, f->len);
    pq_dict d = {0};
    uint8_t *chunk = NULL; /* the chunk read from the file (argo_pq_open) */
    if (!f->data) {
        chunk = malloc((size_t)cc->compressed ? (size_t)cc->compressed : 1);
        if (!chunk)
            return argo_err_set(err, ARGO_ENOMEM, "out of memory reading a column");
        if (!read_at(f->fd, chunk, (size_t)cc->compressed, (off_t)start)) {
            free(chunk);
            return bad(&r, ARGO_EIO, "read error: %s", strerror(errno));
        }
    }
    int rc = alloc_values(&r, (size_t)cc->num_values);
    const uint8_t *p = chunk ? chunk : f->data + start, *end = p + cc->compressed;
    while (!rc && r.pos < out->n) {
        if (p >= end) {
            rc = bad(&r, ARGO_EPARSE, "the column chunk ends after %zu of its %zu values", r.pos,
                     out->n);
            break;
        }
        r.page++;
        argo_tc_in in;
        argo_tc_in_init(&in, p, (size_t)(end - p));
        page_header h;
        read_page_header(&in, &h);
        if (in.bad || h.csize < 0 || h.usize < 0 || h.csize > INT32_MAX || h.usize > INT32_MAX ||
            (uint64_t)h.csize > (uint64_t)(end - in.p)) {
            rc = bad(&r, ARGO_EPARSE,
                     "malformed page header (%s; sizes %lld compressed, %lld uncompressed, "
                     "%zu bytes left in the chunk)",
                     in.bad ? "truncated or bad Thrift" : "bad sizes", (long long)h.csize,
                     (long long)h.usize, (size_t)(end - in.p));
            break;
        }
        const uint8_t *body = in.p;
        size_t csize = (size_t)h.csize;
        p = body + csize;
        if (h.has_crc && (uint32_t)crc32(0, body, (uInt)csize) != (uint32_t)h.crc) {
            rc = bad_page(&r, "page checksum (CRC32) mismatch");
            break;
        }
        if (h.type == P_INDEX)
            continue;
        if (h.type == P_DICTIONARY) {
            if (d.n || d.page || r.pos) {
                rc = bad_page(&r, r.pos ? "a dictionary page after data pages"
                                        : "a second dictionary page");
                break;
            }
            if (h.encoding != E_PLAIN && h.encoding != E_PLAIN_DICTIONARY) {
                rc = bad(&r, ARGO_EPARSE, "dictionary page in encoding %lld (argo reads PLAIN)",
                         (long long)h.encoding);
                break;
            }
            if (h.num_values < 0) {
                rc = bad(&r, ARGO_EPARSE, "a dictionary of %lld entries", (long long)h.num_values);
                break;
            }
            rc = inflate_page(&r, cc->codec, body, csize, (size_t)h.usize, &d.page);
            if (!rc)
                rc = load_dict(&r, d.page, (size_t)h.usize, (size_t)h.num_values, &d);
            continue;
        }
        if (h.type != P_DATA && h.type != P_DATA_V2) {
            rc = bad(&r, ARGO_EPARSE, "unknown page type %d", h.type);
            break;
        }
        if (h.type == P_DATA && r.col->def.optional && h.def_enc != E_RLE) {
            rc = bad(&r, ARGO_EPARSE,
                     "definition levels in encoding %lld (argo reads RLE, encoding 3)",
                     (long long)h.def_enc);
            break;
        }
        uint8_t *page = NULL;
        if (h.type == P_DATA_V2) {
            /* levels are stored uncompressed in front of the (maybe) compressed values */
            if (h.def_len < 0 || h.rep_len != 0 || (uint64_t)h.def_len > csize ||
                h.def_len > h.usize) {
                rc = bad(&r, ARGO_EPARSE,
                         "bad data page v2 level lengths (%lld definition, %lld repetition)",
                         (long long)h.def_len, (long long)h.rep_len);
                break;
            }
            size_t lv = (size_t)h.def_len;
            uint8_t *vals = NULL;
            rc = inflate_page(&r, h.v2_compressed ? cc->codec : ARGO_PQ_UNCOMPRESSED, body + lv,
                              csize - lv, (size_t)h.usize - lv, &vals);
            if (!rc && !(page = malloc((size_t)h.usize ? (size_t)h.usize : 1)))
                rc = argo_err_set(err, ARGO_ENOMEM, "out of memory reading a page");
            if (!rc) {
                memcpy(page, body, lv);
                memcpy(page + lv, vals, (size_t)h.usize - lv);
            }
            free(vals);
        } else
            rc = inflate_page(&r, cc->codec, body, csize, (size_t)h.usize, &page);
        if (!rc)
            rc = read_data_page(&r, &h, page, (size_t)h.usize, &d);
        free(page);
    }
    dict_free(&d);
    free(chunk);
    if (!rc && r.soff)
        for (size_t i = 0; i < out->n; i++)
            out->str[i] = out->valid[i] ? out->arena + r.soff[i] : NULL;
    free(r.soff);
    free(r.tmp);
    if (rc)
        argo_pq_values_cleanup(out);
    return rc;
}
