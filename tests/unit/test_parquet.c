/* SPDX-License-Identifier: MIT */
/* The Parquet codec: round trips of every type, codec, null pattern and
 * dictionary case; statistics; determinism; and damaged files, which
 * must give an error (under ASan: never a bad read). DuckDB and
 * hyparquet check the files independently in tests/interop. */
#include "helpers.h"

#include "archive/parquet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
