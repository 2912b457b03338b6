/* SPDX-License-Identifier: MIT */
/* The Parquet codec: round trips of every type, codec, null pattern and
 * dictionary case; statistics; determinism; and damaged files, which
 * must give an error (under ASan: never a bad read). DuckDB and
 * hyparquet check the files independently in tests/interop. */
#include "helpers.h"

#include "archive/archive.h"
#include "parquet/parquet.h"
#include "parquet/thrift.h"
#include "base/limits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

enum { N = 5000 };
static int64_t id[N], ts[N];
static double px[N];
static int32_t n32[N];
static uint8_t flag[N], valid[N];
static const char *sym[N];
static char uniq[N][16];

static const argo_pq_column_def cols[] = {
    {"id", ARGO_PQ_INT64, false, false},        {"sym", ARGO_PQ_STRING, false, true},
    {"ts", ARGO_PQ_TIMESTAMP_MS, false, false}, {"px", ARGO_PQ_DOUBLE, true, false},
    {"n32", ARGO_PQ_INT32, false, false},       {"flag", ARGO_PQ_BOOLEAN, true, false},
    {"uniq", ARGO_PQ_STRING, true, true},       {"us", ARGO_PQ_TIMESTAMP_US, false, false},
};
static argo_pq_column_data data[8];
static const char *uptr[N];

static int setup(void **state)
{
    (void)state;
    static const char *syms[] = {"AAA", "BBB", "C,C", "D\"D", ""};
    for (int i = 0; i < N; i++) {
        id[i] = (int64_t)i * 7 - 1000;
        ts[i] = 1700000000000LL + i * 60000LL;
        px[i] = i % 13 ? 100 + i * 0.01 : -0.0;
        n32[i] = (i * 37) % 1000 - 500;
        flag[i] = i % 3 == 0;
        valid[i] = (i / 7) % 5 != 0;  /* runs of nulls and of values */
        sym[i] = syms[(i / 100) % 5]; /* long runs: RLE dictionary indices */
        snprintf(uniq[i], sizeof uniq[i], "u%d", i * 31 % N);
        uptr[i] = uniq[i];
    }
    data[0] = (argo_pq_column_data){.i64 = id};
    data[1] = (argo_pq_column_data){.str = sym};
    data[2] = (argo_pq_column_data){.i64 = ts};
    data[3] = (argo_pq_column_data){.f64 = px, .valid = valid};
    data[4] = (argo_pq_column_data){.i32 = n32};
    data[5] = (argo_pq_column_data){.b = flag, .valid = valid};
    data[6] = (argo_pq_column_data){.str = uptr, .valid = valid};
    data[7] = (argo_pq_column_data){.i64 = ts};
    return 0;
}

static uint8_t *encode(argo_pq_codec codec, size_t rg, size_t page, size_t *len)
{
    argo_pq_kv kv[] = {{"k", "v"}};
    argo_pq_write_options o = {
        .codec = codec, .row_group_rows = rg, .page_rows = page, .kv = kv, .nkv = 1};
    uint8_t *buf;
    argo_err e;
    if (argo_pq_encode(cols, 8, data, N, &o, &buf, len, &e))
        fail_msg("%s", e.msg);
    return buf;
}

static void expect_same(const uint8_t *buf, size_t len)
{
    argo_pq_file *f;
    argo_err e;
    if (argo_pq_open_buffer(buf, len, &f, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(argo_pq_num_rows(f), N);
    assert_string_equal(argo_pq_kv_get(f, "k"), "v");
    size_t row = 0;
    for (size_t g = 0; g < argo_pq_num_row_groups(f); g++) {
        argo_pq_values v[8];
        for (int c = 0; c < 8; c++)
            if (argo_pq_read(f, g, (size_t)c, &v[c], &e))
                fail_msg("group %zu column %d: %s", g, c, e.msg);
        for (size_t i = 0; i < v[0].n; i++, row++) {
            assert_int_equal(v[0].i64[i], id[row]);
            assert_string_equal(v[1].str[i], sym[row]);
            assert_int_equal(v[2].i64[i], ts[row]);
            assert_int_equal(v[3].valid[i], valid[row]);
            if (valid[row])
                assert_memory_equal(&v[3].f64[i], &px[row], 8); /* -0.0 stays -0.0 */
            assert_int_equal(v[4].i32[i], n32[row]);
            assert_int_equal(v[5].valid[i], valid[row]);
            if (valid[row]) {
                assert_int_equal(v[5].b[i], flag[row]);
                assert_string_equal(v[6].str[i], uniq[row]);
            } else
                assert_null(v[6].str[i]);
            assert_int_equal(v[7].i64[i], ts[row]);
        }
        for (int c = 0; c < 8; c++)
            argo_pq_values_cleanup(&v[c]);
    }
    assert_int_equal(row, N);
    argo_pq_close(f);
}

static void every_codec_round_trips_every_type(void **state)
{
    (void)state;
    argo_pq_codec codecs[] = {ARGO_PQ_UNCOMPRESSED, ARGO_PQ_SNAPPY, ARGO_PQ_ZSTD};
    for (int k = 0; k < 3; k++) {
        size_t len;
        uint8_t *buf = encode(codecs[k], 1234, 300, &len); /* 5 row groups, many pages */
        expect_same(buf, len);
        argo_pq_file *f;
        assert_int_equal(argo_pq_open_buffer(buf, len, &f, NULL), 0);
        assert_int_equal(argo_pq_num_row_groups(f), 5);
        assert_int_equal(argo_pq_column_codec(f, 0, 1), codecs[k]);
        assert_int_equal(argo_pq_column(f, 2)->type, ARGO_PQ_TIMESTAMP_MS);
        assert_true(argo_pq_column(f, 3)->optional);
        argo_pq_close(f);
        free(buf);
    }
}

static void encoding_is_deterministic(void **state)
{
    (void)state;
    size_t a, b;
    uint8_t *x = encode(ARGO_PQ_SNAPPY, 0, 0, &a), *y = encode(ARGO_PQ_SNAPPY, 0, 0, &b);
    assert_int_equal(a, b);
    assert_memory_equal(x, y, a);
    free(x);
    free(y);
}

static void statistics_hold_min_max_and_nulls(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = encode(ARGO_PQ_SNAPPY, 1000, 0, &len);
    argo_pq_file *f;
    assert_int_equal(argo_pq_open_buffer(buf, len, &f, NULL), 0);
    argo_pq_stats s;
    argo_pq_column_stats(f, 1, 0, &s); /* id of rows 1000..1999 */
    assert_true(s.has_minmax && s.min == id[1000] && s.max == id[1999]);
    argo_pq_column_stats(f, 0, 3, &s);
    size_t nulls = 0;
    for (int i = 0; i < 1000; i++)
        nulls += !valid[i];
    assert_true(s.has_nulls);
    assert_int_equal(s.null_count, (int64_t)nulls);
    argo_pq_column_stats(f, 0, 4, &s);
    assert_true(s.min == -500 && s.max == 499);
    argo_pq_close(f);
    free(buf);
}

static void many_distinct_strings_fall_back_to_plain(void **state)
{
    (void)state;
    enum { M = 70000 };
    static char s[M][12];
    static const char *p[M];
    for (int i = 0; i < M; i++) {
        snprintf(s[i], sizeof s[i], "k%d", i);
        p[i] = s[i];
    }
    argo_pq_column_def c = {"k", ARGO_PQ_STRING, false, true};
    argo_pq_column_data d = {.str = p};
    uint8_t *buf;
    size_t len;
    assert_int_equal(argo_pq_encode(&c, 1, &d, M, NULL, &buf, &len, NULL), 0);
    argo_pq_file *f;
    assert_int_equal(argo_pq_open_buffer(buf, len, &f, NULL), 0);
    argo_pq_values v;
    assert_int_equal(argo_pq_read(f, 0, 0, &v, NULL), 0);
    for (int i = 0; i < M; i++)
        assert_string_equal(v.str[i], s[i]);
    argo_pq_values_cleanup(&v);
    argo_pq_close(f);
    free(buf);
}

static void bad_schemas_and_required_nulls_are_refused(void **state)
{
    (void)state;
    uint8_t *buf;
    size_t len;
    argo_err e;
    argo_pq_column_def c = {"px", ARGO_PQ_DOUBLE, false, false};
    argo_pq_column_data d = {.f64 = px, .valid = valid};
    assert_int_equal(argo_pq_encode(&c, 1, &d, N, NULL, &buf, &len, &e), ARGO_EINVAL);
    assert_non_null(strstr(e.msg, "null in a required column"));
    argo_pq_column_data none = {0};
    assert_int_equal(argo_pq_encode(&c, 1, &none, N, NULL, &buf, &len, &e), ARGO_EINVAL);
    /* an empty file is still a valid file */
    argo_pq_column_data ok = {.f64 = px};
    assert_int_equal(argo_pq_encode(&c, 1, &ok, 0, NULL, &buf, &len, &e), 0);
    argo_pq_file *f;
    assert_int_equal(argo_pq_open_buffer(buf, len, &f, NULL), 0);
    assert_int_equal(argo_pq_num_rows(f), 0);
    argo_pq_close(f);
    free(buf);
}

/* Reads everything a damaged file offers; any error is fine, a crash or
 * an out-of-bounds read (ASan) is not. Returns whether all read. */
static bool read_all(const uint8_t *buf, size_t len)
{
    argo_pq_file *f;
    if (argo_pq_open_buffer(buf, len, &f, NULL))
        return false;
    bool ok = true;
    for (size_t g = 0; g < argo_pq_num_row_groups(f); g++)
        for (size_t c = 0; c < argo_pq_num_columns(f); c++) {
            argo_pq_values v;
            ok &= argo_pq_read(f, g, c, &v, NULL) == 0;
            argo_pq_values_cleanup(&v);
        }
    argo_pq_close(f);
    return ok;
}

static void damaged_files_give_errors_never_crashes(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = encode(ARGO_PQ_SNAPPY, 2000, 700, &len);
    /* every truncation, as its own buffer so ASan sees the end */
    for (size_t cut = 0; cut < len; cut += 1 + cut / 50) {
        uint8_t *t = malloc(cut ? cut : 1);
        memcpy(t, buf, cut);
        assert_false(read_all(t, cut));
        free(t);
    }
    /* flipped bytes: in a page the CRC catches it; elsewhere an error or
     * (for a few metadata bytes) a file that still reads */
    size_t caught = 0, tried = 0;
    for (size_t at = 4; at < len - 8; at += 1 + at / 200, tried++) {
        uint8_t *t = malloc(len);
        memcpy(t, buf, len);
        t[at] ^= 0x5a;
        caught += !read_all(t, len);
        free(t);
    }
    assert_true(caught * 10 > tried * 8); /* the great majority */
    free(buf);
}

static void a_flipped_page_byte_fails_the_checksum(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = encode(ARGO_PQ_UNCOMPRESSED, 0, 0, &len);
    argo_pq_file *f;
    assert_int_equal(argo_pq_open_buffer(buf, len, &f, NULL), 0);
    argo_pq_close(f);
    buf[200] ^= 1; /* inside the first column's first page */
    assert_int_equal(argo_pq_open_buffer(buf, len, &f, NULL), 0);
    argo_pq_values v;
    argo_err e;
    assert_int_equal(argo_pq_read(f, 0, 0, &v, &e), ARGO_EPARSE);
    assert_non_null(strstr(e.msg, "CRC32"));
    argo_pq_close(f);
    free(buf);
}

/* issue 9: 161 bytes whose one dictionary run claims 2^28 values (the
 * row group and the chunk say so too). Made by tests/hostile/gen_parquet.py
 * (case rle-run-2-28-values). */
static const uint8_t rle_bomb[] = {
    0x50, 0x41, 0x52, 0x31, 0x15, 0x04, 0x15, 0x0a, 0x15, 0x0a, 0x15, 0xa9, 0xc1, 0xb2, 0x56,
    0x3c, 0x15, 0x02, 0x15, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x41, 0x15, 0x00, 0x15,
    0x0e, 0x15, 0x0e, 0x15, 0x8d, 0x81, 0xc2, 0xde, 0x0a, 0x1c, 0x15, 0x80, 0x80, 0x80, 0x80,
    0x02, 0x15, 0x10, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00, 0x01, 0x80, 0x80, 0x80, 0x80, 0x02,
    0x00, 0x15, 0x02, 0x19, 0x2c, 0x48, 0x06, 0x73, 0x63, 0x68, 0x65, 0x6d, 0x61, 0x15, 0x02,
    0x00, 0x15, 0x0c, 0x25, 0x00, 0x18, 0x01, 0x73, 0x25, 0x00, 0x4c, 0x1c, 0x00, 0x00, 0x00,
    0x16, 0x80, 0x80, 0x80, 0x80, 0x02, 0x19, 0x1c, 0x19, 0x1c, 0x26, 0x08, 0x1c, 0x15, 0x0c,
    0x19, 0x35, 0x00, 0x06, 0x10, 0x19, 0x18, 0x01, 0x73, 0x15, 0x00, 0x16, 0x80, 0x80, 0x80,
    0x80, 0x02, 0x16, 0x72, 0x16, 0x72, 0x26, 0x08, 0x00, 0x00, 0x16, 0x00, 0x16, 0x80, 0x80,
    0x80, 0x80, 0x02, 0x00, 0x28, 0x0b, 0x67, 0x65, 0x6e, 0x5f, 0x70, 0x61, 0x72, 0x71, 0x75,
    0x65, 0x74, 0x00, 0x5c, 0x00, 0x00, 0x00, 0x50, 0x41, 0x52, 0x31,
};

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void a_run_claiming_2_28_values_fails_fast_within_the_budget(void **state)
{
    (void)state;
    argo_pq_file *f;
    argo_err e;
    assert_int_equal(argo_pq_open_buffer(rle_bomb, sizeof rle_bomb, &f, &e), 0);
    assert_int_equal(argo_pq_num_rows(f), 1 << 28);
    assert_int_equal(argo_pq_decode_budget(f),
                     ARGO_PQ_DECODE_FIXED + ARGO_PQ_DECODE_RATIO * sizeof rle_bomb);
    long before = peak_rss_kb();
    argo_pq_values v;
    assert_int_equal(argo_pq_read(f, 0, 0, &v, &e), ARGO_ELIMIT);
    assert_non_null(strstr(e.msg, "the file's 268435456 rows"));
    assert_non_null(strstr(e.msg, "more than argo allows"));
    assert_non_null(strstr(e.msg, "row group 0"));
    assert_null(v.valid); /* nothing was allocated for the values */
    /* the old reader allocated 3.4 GB here; now the peak stays put */
    assert_true(peak_rss_kb() - before < 64 * 1024);
    argo_pq_close(f);
}

static void the_budget_lets_a_real_file_through(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = encode(ARGO_PQ_ZSTD, 0, 0, &len); /* one row group of 5000 rows */
    argo_pq_file *f;
    assert_int_equal(argo_pq_open_buffer(buf, len, &f, NULL), 0);
    assert_true(argo_pq_decode_budget(f) >= ARGO_PQ_DECODE_FIXED);
    argo_pq_close(f);
    expect_same(buf, len);
    free(buf);
}

static void lists_nested_past_the_depth_limit_are_malformed(void **state)
{
    (void)state;
    enum { DEEP = 1000000 };
    uint8_t *b = malloc(DEEP + 1);
    memset(b, 0x19, DEEP); /* list<list<list<...>>>, one element each */
    b[DEEP] = 0x10;
    argo_tc_in in;
    argo_tc_in_init(&in, b, DEEP + 1);
    argo_tc_skip(&in, TC_LIST); /* recursed once per byte before: a stack overflow */
    assert_true(in.bad);
    memset(b, 0x1c, DEEP); /* struct{1: struct{1: ...}} */
    argo_tc_in_init(&in, b, DEEP + 1);
    argo_tc_skip(&in, TC_STRUCT);
    assert_true(in.bad);
    /* within the limit both still read */
    static const uint8_t ok[] = {0x19, 0x19, 0x15, 0x02}; /* list<list<i32>> {{1}} */
    argo_tc_in_init(&in, ok, sizeof ok);
    argo_tc_skip(&in, TC_LIST);
    assert_false(in.bad);
    assert_int_equal(in.depth, 0);
    free(b);
}

static void utf8_is_checked_strictly(void **state)
{
    (void)state;
    assert_true(argo_pq_utf8_valid("", 0));
    assert_true(argo_pq_utf8_valid("a\0b", 3));
    assert_true(argo_pq_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9)); /* é € 😀 */
    assert_true(argo_pq_utf8_valid("\xf4\x8f\xbf\xbf", 4));                     /* U+10FFFF */
    assert_false(argo_pq_utf8_valid("\xc3\x28", 2));                            /* bad tail */
    assert_false(argo_pq_utf8_valid("\xc0\xaf", 2));                            /* overlong */
    assert_false(argo_pq_utf8_valid("\xe0\x80\xaf", 3));                        /* overlong */
    assert_false(argo_pq_utf8_valid("\xed\xa0\x80", 3));                        /* surrogate */
    assert_false(argo_pq_utf8_valid("\xf4\x90\x80\x80", 4));                    /* > U+10FFFF */
    assert_false(argo_pq_utf8_valid("ab\xe2\x82", 4));                          /* cut short */
    assert_false(argo_pq_utf8_valid("\x80", 1));                                /* lone tail */
    assert_false(argo_pq_utf8_valid("\xff", 1));
}

static void duplicate_column_names_are_refused(void **state)
{
    (void)state;
    argo_pq_column_def c[] = {{"a", ARGO_PQ_INT64, false, false},
                              {"a", ARGO_PQ_INT64, false, false}};
    argo_pq_column_data d[] = {{.i64 = id}, {.i64 = ts}};
    uint8_t *buf;
    size_t len;
    assert_int_equal(argo_pq_encode(c, 2, d, 10, NULL, &buf, &len, NULL), 0);
    argo_pq_file *f;
    argo_err e;
    assert_int_equal(argo_pq_open_buffer(buf, len, &f, &e), ARGO_EPARSE);
    assert_non_null(strstr(e.msg, "columns 1 and 2 are both named 'a'"));
    free(buf);
}

static void nanosecond_timestamps_round_trip(void **state)
{
    (void)state;
    int64_t ns[] = {INT64_MAX, INT64_MIN, 0, -1};
    argo_pq_column_def c = {"t", ARGO_PQ_TIMESTAMP_NS, false, false};
    argo_pq_column_data d = {.i64 = ns};
    uint8_t *buf;
    size_t len;
    assert_int_equal(argo_pq_encode(&c, 1, &d, 4, NULL, &buf, &len, NULL), 0);
    argo_pq_file *f;
    assert_int_equal(argo_pq_open_buffer(buf, len, &f, NULL), 0);
    assert_int_equal(argo_pq_column(f, 0)->type, ARGO_PQ_TIMESTAMP_NS);
    argo_pq_values v;
    assert_int_equal(argo_pq_read(f, 0, 0, &v, NULL), 0);
    assert_memory_equal(v.i64, ns, sizeof ns);
    argo_pq_values_cleanup(&v);
    argo_pq_close(f);
    free(buf);
}

static void page_errors_name_the_row_group_and_the_page(void **state)
{
    (void)state;
    size_t len;
    uint8_t *buf = encode(ARGO_PQ_UNCOMPRESSED, 0, 0, &len);
    buf[200] ^= 1; /* inside the first column's first page */
    argo_pq_file *f;
    assert_int_equal(argo_pq_open_buffer(buf, len, &f, NULL), 0);
    argo_pq_values v;
    argo_err e;
    assert_int_equal(argo_pq_read(f, 0, 0, &v, &e), ARGO_EPARSE);
    assert_non_null(strstr(e.msg, "Parquet column id, row group 0, page 1: "));
    argo_pq_close(f);
    free(buf);
}

/* Writes a file and runs argo_archive_cat on it into a temporary file:
 * returns its status; *out gets what was printed (freed by the caller). */
static int cat_file(const argo_pq_column_def *c, size_t nc, const argo_pq_column_data *d,
                    size_t rows, char **out, argo_err *e)
{
    uint8_t *buf;
    size_t len;
    assert_int_equal(argo_pq_encode(c, nc, d, rows, NULL, &buf, &len, NULL), 0);
    char path[] = "/tmp/argo-test-cat-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *w = fdopen(fd, "wb");
    assert_int_equal(fwrite(buf, 1, len, w), len);
    fclose(w);
    free(buf);
    FILE *o = tmpfile();
    int rc = argo_archive_cat(path, false, o, e);
    long n = ftell(o);
    rewind(o);
    *out = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(*out, 1, (size_t)n, o), (size_t)n);
    fclose(o);
    unlink(path);
    return rc;
}

static void cat_prints_nan_and_infinities_as_strings(void **state)
{
    (void)state;
    double x[] = {NAN, INFINITY, -INFINITY, 1.5};
    argo_pq_column_def c = {"x", ARGO_PQ_DOUBLE, false, false};
    argo_pq_column_data d = {.f64 = x};
    char *out;
    argo_err e;
    assert_int_equal(cat_file(&c, 1, &d, 4, &out, &e), 0);
    assert_string_equal(out, "[\n{\"x\":\"NaN\"},\n{\"x\":\"Infinity\"},\n{\"x\":\"-Infinity\"},\n"
                             "{\"x\":1.5}\n]\n");
    free(out);
}

static void cat_refuses_bad_text_and_timestamps_before_printing(void **state)
{
    (void)state;
    const char *s[] = {"ok", "fine", "\xc3\x28"};
    argo_pq_column_def c = {"s", ARGO_PQ_STRING, false, false};
    argo_pq_column_data d = {.str = s};
    char *out;
    argo_err e;
    assert_int_equal(cat_file(&c, 1, &d, 3, &out, &e), ARGO_EPARSE);
    assert_non_null(strstr(e.msg, ": column s, row 3: a STRING value that is not UTF-8"));
    assert_string_equal(out, ""); /* not a partial array */
    free(out);
    int64_t t[] = {0, INT64_MAX}; /* INT64_MAX ms overflowed when scaled to us */
    argo_pq_column_def ct = {"t", ARGO_PQ_TIMESTAMP_MS, false, false};
    argo_pq_column_data dt = {.i64 = t};
    assert_int_equal(cat_file(&ct, 1, &dt, 2, &out, &e), ARGO_EPARSE);
    assert_non_null(strstr(e.msg, "column t, row 2: TIMESTAMP(ms) value 9223372036854775807 is "
                                  "outside years 0000-9999"));
    assert_string_equal(out, "");
    free(out);
    int64_t us[] = {INT64_MIN};
    argo_pq_column_def cu = {"t", ARGO_PQ_TIMESTAMP_US, false, false};
    argo_pq_column_data du = {.i64 = us};
    assert_int_equal(cat_file(&cu, 1, &du, 1, &out, &e), ARGO_EPARSE);
    free(out);
    int64_t edge[] = {-1, 253402300799999};
    assert_int_equal(cat_file(&ct, 1, &(argo_pq_column_data){.i64 = edge}, 2, &out, &e), 0);
    assert_string_equal(out, "[\n{\"t\":\"1969-12-31T23:59:59.999000Z\"},\n"
                             "{\"t\":\"9999-12-31T23:59:59.999000Z\"}\n]\n");
    free(out);
}

static void only_regular_files_are_opened(void **state)
{
    (void)state;
    char dir[] = "/tmp/argo-test-pq-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/p.parquet", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    argo_pq_file *f;
    argo_err e;
    assert_int_equal(argo_pq_open(fifo, &f, &e), ARGO_EPARSE); /* blocked forever before */
    assert_non_null(strstr(e.msg, "p.parquet: not a regular file"));
    assert_int_equal(argo_pq_open(dir, &f, &e), ARGO_EPARSE);
    assert_non_null(strstr(e.msg, "not a regular file"));
    unlink(fifo);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_codec_round_trips_every_type),
        cmocka_unit_test(encoding_is_deterministic),
        cmocka_unit_test(statistics_hold_min_max_and_nulls),
        cmocka_unit_test(many_distinct_strings_fall_back_to_plain),
        cmocka_unit_test(bad_schemas_and_required_nulls_are_refused),
        cmocka_unit_test(damaged_files_give_errors_never_crashes),
        cmocka_unit_test(a_flipped_page_byte_fails_the_checksum),
        cmocka_unit_test(a_run_claiming_2_28_values_fails_fast_within_the_budget),
        cmocka_unit_test(the_budget_lets_a_real_file_through),
        cmocka_unit_test(lists_nested_past_the_depth_limit_are_malformed),
        cmocka_unit_test(utf8_is_checked_strictly),
        cmocka_unit_test(duplicate_column_names_are_refused),
        cmocka_unit_test(nanosecond_timestamps_round_trip),
        cmocka_unit_test(page_errors_name_the_row_group_and_the_page),
        cmocka_unit_test(cat_prints_nan_and_infinities_as_strings),
        cmocka_unit_test(cat_refuses_bad_text_and_timestamps_before_printing),
        cmocka_unit_test(only_regular_files_are_opened),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
