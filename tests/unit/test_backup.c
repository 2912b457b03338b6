/* SPDX-License-Identifier: MIT */
/* Daily backups on the shipped real data: idempotence, versions, and
 * that damage or a crash is always detected, never taken as good. */
#include "helpers.h"

#include "archive/archive.h"
#include "archive/lifecycle.h"
#include "archive/tier.h"
#include "base/digest.h"
#include "base/fileio.h"
#include "base/timeutil.h"
#include "app/engine.h"
#include "market/market.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static argo_store *st;
static int64_t day; /* a day with signals made and outcomes resolved */
static char root[512];

static int setup(void **state)
{
    (void)state;
    char p[512], csv[1024];
    th_store_url("backup.db", p, sizeof p);
    argo_config cfg;
    argo_config_init(&cfg);
    if (argo_store_open(p, NULL, &st, NULL) ||
        argo_engine_ingest_csv(st, th_src("data/market/TTRC.csv", csv, sizeof csv), "TTRC", false,
                               NULL, NULL) ||
        argo_engine_ingest_csv(st, th_src("data/market/MSFT.csv", csv, sizeof csv), "MSFT", false,
                               NULL, NULL))
        return -1;
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX};
    if (argo_engine_replay(st, &cfg, &o, NULL, NULL))
        return -1;
    th_tmpfile("probe", root, sizeof root);
    argo_backup_options bo = {.root = root, .codec = ARGO_PQ_SNAPPY};
    return th_backup_first_full_day(st, &bo, &day);
}

static int teardown(void **state)
{
    (void)state;
    argo_store_close(st);
    return 0;
}

static void fresh_root(const char *name)
{
    th_tmpfile(name, root, sizeof root);
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static void file_path(const char *name, char *buf, size_t n)
{
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    snprintf(buf, n, "%s/%04d/%02d/%02d/%s", root, y, m, d, name);
}

static argo_backup_result backup(void)
{
    argo_backup_options bo = {.root = root, .codec = ARGO_PQ_SNAPPY};
    argo_backup_result r;
    argo_err e;
    if (argo_backup_day(st, day, &bo, &r, &e))
        fail_msg("%s", e.msg);
    return r;
}

static int verify(argo_err *e)
{
    size_t files;
    return argo_backup_verify(st, root, day, &files, e);
}

static void a_backup_verifies_and_a_rerun_changes_nothing(void **state)
{
    (void)state;
    fresh_root("b1");
    argo_backup_result r = backup();
    assert_int_equal(r.version, 1);
    assert_false(r.unchanged);
    argo_err e;
    if (verify(&e))
        fail_msg("%s", e.msg);
    char p[1100];
    file_path("manifest.json", p, sizeof p);
    json_t *m = json_load_file(p, 0, NULL);
    assert_non_null(m);
    assert_int_equal(json_array_size(json_object_get(m, "files")), 4);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "rows"), "signals")),
                     (json_int_t)r.signals);
    assert_string_equal(json_string_value(json_object_get(m, "codec")), "snappy");
    json_decref(m);
    r = backup();
    assert_true(r.unchanged);
    assert_int_equal(r.version, 1);
}

static void flipped_and_truncated_files_are_named(void **state)
{
    (void)state;
    fresh_root("b2");
    backup();
    char p[1100];
    argo_err e;
    file_path("signals-v1.parquet", p, sizeof p);
    uint8_t *data;
    size_t len;
    assert_int_equal(argo_file_read(p, 1 << 30, &data, &len, NULL), 0);
    data[len / 2] ^= 0x01;
    assert_int_equal(argo_file_write_atomic(p, data, len, NULL), 0);
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "signals-v1.parquet: SHA-256"));
    data[len / 2] ^= 0x01;
    assert_int_equal(argo_file_write_atomic(p, data, len, NULL), 0);
    assert_int_equal(verify(&e), 0);
    free(data);
    file_path("outcomes-v1.csv", p, sizeof p);
    assert_int_equal(truncate(p, 20), 0);
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "outcomes-v1.csv"));
    assert_non_null(strstr(e.msg, "bytes"));
}

static int take(void *ctx, const argo_signal *g)
{
    *(argo_signal *)ctx = *g;
    return 1; /* the first one is enough */
}

static void a_changed_store_is_reported_then_backed_up_as_a_new_version(void **state)
{
    (void)state;
    fresh_root("b3");
    backup();
    /* change one outcome of the day in the store */
    argo_signal changed;
    assert_int_equal(argo_store_signals_resolved(st, day, day + 86400, take, &changed, NULL), 1);
    changed.pnl_pct += 1;
    assert_int_equal(argo_store_signals_update(st, &changed, 1, NULL), 0);
    argo_err e;
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "differs from the store"));
    argo_backup_result r = backup();
    assert_int_equal(r.version, 2);
    assert_int_equal(verify(&e), 0); /* v2 matches the store; v1 is still intact */
    char p[1100];
    file_path("manifest-v1.json", p, sizeof p);
    assert_int_equal(access(p, F_OK), 0);
    file_path("outcomes-v1.parquet", p, sizeof p);
    assert_int_equal(access(p, F_OK), 0);
    changed.pnl_pct -= 1; /* put the store back for the other tests */
    assert_int_equal(argo_store_signals_update(st, &changed, 1, NULL), 0);
}

/* A crash at any write of a new version leaves the previous complete
 * version verifiable and no new version that looks complete. */
static void a_crash_at_any_write_never_leaves_a_partial_backup(void **state)
{
    (void)state;
    for (int n = 1; n <= 6; n++) {
        char name[16];
        snprintf(name, sizeof name, "crash%d", n);
        fresh_root(name);
        argo_backup_options bo = {.root = root, .formats = ARGO_BACKUP_PARQUET};
        argo_backup_result r;
        assert_int_equal(argo_backup_day(st, day, &bo, &r, NULL), 0); /* v1: parquet only */
        argo_err e;
        argo_file_fault_after(n); /* v2 (both formats) writes 4 files + 2 manifests */
        bo.formats = 0;
        int rc = argo_backup_day(st, day, &bo, &r, &e);
        argo_file_fault_after(0);
        assert_int_equal(rc, ARGO_EIO);
        assert_non_null(strstr(e.msg, "injected fault"));
        /* version 1 still verifies; what the crash left is named as an
         * orphan, never taken as a version */
        rc = verify(&e);
        if (rc && !strstr(e.msg, "no manifest lists"))
            fail_msg("after a crash at write %d: %s", n, e.msg);
        /* and a rerun completes version 2 and leaves no orphan */
        assert_int_equal(argo_backup_day(st, day, &bo, &r, NULL), 0);
        assert_int_equal(r.version, 2);
        assert_int_equal(verify(&e), 0);
    }
}

/* Rewrites the day's manifest.json through a Python-free JSON edit. */
static json_t *manifest_get(void)
{
    char p[1100];
    file_path("manifest.json", p, sizeof p);
    json_t *m = json_load_file(p, 0, NULL);
    assert_non_null(m);
    return m;
}

static void manifest_put(json_t *m)
{
    char p[1100];
    file_path("manifest.json", p, sizeof p);
    assert_int_equal(json_dump_file(m, p, JSON_INDENT(2)), 0);
    json_decref(m);
}

static void a_manifest_that_lists_only_some_files_does_not_verify(void **state)
{
    (void)state;
    fresh_root("b6");
    backup();
    json_t *m = manifest_get();
    json_t *files = json_object_get(m, "files");
    for (size_t i = json_array_size(files); i-- > 0;)
        if (!strcmp(json_string_value(json_object_get(json_array_get(files, i), "format")), "csv"))
            json_array_remove(files, i);
    manifest_put(m);
    argo_err e;
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, ".csv: a data file that no manifest lists"));
    /* one kind dropped altogether: the manifest itself is refused */
    fresh_root("b6b");
    backup();
    m = manifest_get();
    files = json_object_get(m, "files");
    for (size_t i = json_array_size(files); i-- > 0;)
        if (!strcmp(json_string_value(json_object_get(json_array_get(files, i), "kind")),
                    "signals"))
            json_array_remove(files, i);
    manifest_put(m);
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "no signals file"));
}

static void a_changed_row_total_is_checked_against_the_store(void **state)
{
    (void)state;
    fresh_root("b7");
    argo_backup_result r = backup();
    /* every row count of the manifest raised together, consistently */
    json_t *m = manifest_get();
    json_object_set_new(json_object_get(m, "rows"), "signals",
                        json_integer((json_int_t)r.signals + 1));
    json_t *files = json_object_get(m, "files");
    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *f = json_array_get(files, i);
        if (!strcmp(json_string_value(json_object_get(f, "kind")), "signals"))
            json_object_set_new(f, "rows", json_integer((json_int_t)r.signals + 1));
    }
    manifest_put(m);
    argo_err e;
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "the store has"));
    /* the total alone changed: the manifest disagrees with itself */
    fresh_root("b7b");
    backup();
    m = manifest_get();
    json_object_set_new(json_object_get(m, "rows"), "outcomes",
                        json_integer((json_int_t)r.outcomes + 3));
    manifest_put(m);
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "not a valid manifest"));
}

static void rewrite_signals(size_t a, size_t b, bool names, const char *rename4);

static void a_parquet_file_with_another_schema_does_not_verify(void **state)
{
    (void)state;
    fresh_root("b8");
    argo_backup_result r = backup();
    assert_true(r.signals > 0);
    /* a writer that drifted: the same rows, one column renamed; the
     * manifest updated to match the file, as a buggy writer would */
    rewrite_signals(0, 0, false, "entry_price");
    argo_err e;
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "column 5 is entry_price"));
}

static void tier_to(const char *dir, int *rc, size_t *moved, argo_err *e);

/* Counts orphans that are a temporary or whole copy of signals-v1.csv. */
static void note_partial(void *ctx, const char *path, const char *why)
{
    (void)why;
    if (strstr(path, "signals-v1.csv"))
        ++*(int *)ctx;
}

/* Rewrites the day's signals-v1.parquet as a writer with a wrong layout
 * would (the same rows, columns a and b exchanged: with names, the
 * columns moved; without, the fields each is filled from), and the
 * manifest to match the file, as a buggy writer would; with rename4,
 * column 4 under that name. */
static void rewrite_signals(size_t a, size_t b, bool names, const char *rename4)
{
    size_t nc;
    const argo_pq_column_def *defs = argo_backup_columns(ARGO_BACKUP_SIGNALS, &nc);
    argo_pq_column_def cols[16];
    assert_int_equal(nc, 16);
    memcpy(cols, defs, sizeof cols);
    char p[1100];
    file_path("signals-v1.parquet", p, sizeof p);
    argo_pq_file *f;
    assert_int_equal(argo_pq_open(p, &f, NULL), 0);
    size_t rows = (size_t)argo_pq_num_rows(f);
    argo_pq_values v[16];
    argo_pq_column_data d[16];
    for (size_t c = 0; c < nc; c++) {
        assert_int_equal(argo_pq_read(f, 0, c, &v[c], NULL), 0);
        d[c] = (argo_pq_column_data){.valid = cols[c].optional ? v[c].valid : NULL,
                                     .i64 = v[c].i64,
                                     .i32 = v[c].i32,
                                     .f64 = v[c].f64,
                                     .b = v[c].b,
                                     .str = (const char **)v[c].str};
    }
    if (rename4)
        cols[4].name = rename4;
    argo_pq_column_data td = d[a];
    d[a] = d[b];
    d[b] = td;
    if (names) {
        argo_pq_column_def tc = cols[a];
        cols[a] = cols[b];
        cols[b] = tc;
    }
    argo_pq_kv kv[] = {{"argo.schema_version", "1"},
                       {"argo.backup_date", argo_pq_kv_get(f, "argo.backup_date")},
                       {"argo.kind", "signals"}};
    argo_pq_write_options po = {.codec = ARGO_PQ_SNAPPY, .kv = kv, .nkv = 3};
    uint8_t *out;
    size_t len;
    assert_int_equal(argo_pq_encode(cols, nc, d, rows, &po, &out, &len, NULL), 0);
    for (size_t c = 0; c < nc; c++)
        argo_pq_values_cleanup(&v[c]);
    argo_pq_close(f);
    assert_int_equal(argo_file_write_atomic(p, out, len, NULL), 0);
    char sha[65];
    argo_sha256_hex(out, len, sha);
    free(out);
    json_t *m = manifest_get();
    json_t *files = json_object_get(m, "files");
    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *e = json_array_get(files, i);
        if (!strcmp(json_string_value(json_object_get(e, "name")), "signals-v1.parquet")) {
            json_object_set_new(e, "sha256", json_string(sha));
            json_object_set_new(e, "bytes", json_integer((json_int_t)len));
        }
    }
    manifest_put(m);
}

/* Two columns of one type exchanged: every name and type is still in
 * the file, in the wrong places; verify names the first. */
static void a_parquet_file_with_two_columns_swapped_does_not_verify(void **state)
{
    (void)state;
    fresh_root("b8s");
    argo_backup_result r = backup();
    assert_true(r.signals > 0);
    argo_err e;
    assert_int_equal(verify(&e), 0);
    rewrite_signals(5, 6, true, NULL); /* target <-> stop */
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "column 6 is stop DOUBLE, expected target DOUBLE"));
}

/* A writer that fills a column from the wrong field: names and types
 * right, values not. verify reads the expected values through its own
 * description of the layout, not the writer's table, so it refuses. */
static void a_parquet_file_filled_from_the_wrong_fields_does_not_verify(void **state)
{
    (void)state;
    fresh_root("b8f");
    argo_backup_result r = backup();
    assert_true(r.signals > 0);
    rewrite_signals(5, 6, false, NULL); /* "target" holds the stops */
    argo_err e;
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "column target differs from the store"));
}

/* archive tier streams a file through a bounded buffer: one larger than
 * the buffer arrives whole, and one that does not match its manifest
 * is not moved, and leaves nothing behind in the tier folder. */
static void archive_tier_moves_a_file_larger_than_its_buffer(void **state)
{
    (void)state;
    fresh_root("b13");
    backup();
    /* signals-v1.csv grows to 2.5 buffers; the manifest follows */
    size_t len = ARGO_COPY_CHUNK * 5 / 2 + 7;
    uint8_t *big = malloc(len);
    assert_non_null(big);
    for (size_t i = 0; i < len; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 13);
    char src[1100];
    file_path("signals-v1.csv", src, sizeof src);
    assert_int_equal(argo_file_write_atomic(src, big, len, NULL), 0);
    char sha[65];
    argo_sha256_hex(big, len, sha);
    json_t *m = manifest_get();
    json_t *files = json_object_get(m, "files");
    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *e = json_array_get(files, i);
        if (!strcmp(json_string_value(json_object_get(e, "name")), "signals-v1.csv")) {
            json_object_set_new(e, "sha256", json_string(sha));
            json_object_set_new(e, "bytes", json_integer((json_int_t)len));
        }
    }
    manifest_put(m);
    char tier[600], abs[4096], dst[4200];
    th_tmpfile("b13-tier", tier, sizeof tier);
    assert_int_equal(argo_mkdirs(tier, NULL), 0);
    assert_non_null(realpath(tier, abs));
    int y, mo, d;
    argo_time_civil(day, &y, &mo, &d);
    snprintf(dst, sizeof dst, "%s/%04d/%02d/%02d/signals-v1.csv", abs, y, mo, d);
    /* first a damaged copy: refused, nothing moved, no temporary file */
    big[len - 1] ^= 1;
    assert_int_equal(argo_file_write_atomic(src, big, len, NULL), 0);
    int rc;
    size_t moved;
    argo_err e;
    tier_to(abs, &rc, &moved, &e);
    assert_int_equal(rc, ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "SHA-256 does not match its manifest; not moved"));
    assert_int_not_equal(access(dst, F_OK), 0);
    size_t orphans;
    const char *dirs[] = {abs};
    int partial = 0; /* what the refused copy left: must be nothing */
    assert_int_equal(
        argo_backup_orphans(root, dirs, 1, day, false, note_partial, &partial, &orphans, &e), 0);
    assert_int_equal(partial, 0);
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", dst, (long)getpid());
    assert_int_not_equal(access(tmp, F_OK), 0);
    /* then the real one */
    big[len - 1] ^= 1;
    assert_int_equal(argo_file_write_atomic(src, big, len, NULL), 0);
    tier_to(abs, &rc, &moved, &e);
    assert_int_equal(rc, 0);
    assert_true(moved >= 1);
    uint8_t *got;
    size_t glen;
    assert_int_equal(argo_file_read(dst, (size_t)ARGO_BACKUP_FILE_MAX, &got, &glen, NULL), 0);
    assert_int_equal(glen, len);
    assert_memory_equal(got, big, len);
    assert_int_not_equal(access(src, F_OK), 0);
    free(got);
    free(big);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void orphans_are_reported_then_cleaned_by_the_next_backup(void **state)
{
    (void)state;
    fresh_root("b9");
    backup();
    char p[1100], tmp[1200], other[1200], stray[1100];
    argo_err e;
    /* a kill -9 mid-write: a temp file of a process that is gone */
    file_path("signals-v1.parquet", p, sizeof p);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", p, 4194303);
    write_text(tmp, "partial");
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, ".tmp.4194303: a temporary file"));
    /* a version that never got its manifest */
    file_path("outcomes-v2.csv", stray, sizeof stray);
    write_text(stray, "x");
    /* a file that is not argo's: reported, never deleted */
    file_path("notes.txt", other, sizeof other);
    write_text(other, "mine");
    size_t n = 0;
    assert_int_equal(argo_backup_orphans(root, NULL, 0, day, false, NULL, NULL, &n, &e), 0);
    assert_int_equal(n, 3);
    /* a day folder without a manifest, from an interrupted --all */
    char lone[1200], lonefile[1300];
    snprintf(lone, sizeof lone, "%s/1999/12/31", root);
    assert_int_equal(argo_mkdirs(lone, NULL), 0);
    snprintf(lonefile, sizeof lonefile, "%s/signals-v1.parquet", lone);
    assert_int_equal(argo_file_write_atomic(lonefile, "PAR1", 4, NULL), 0);
    assert_int_equal(argo_backup_orphans(root, NULL, 0, INT64_MIN, false, NULL, NULL, &n, &e), 0);
    assert_int_equal(n, 4);
    /* the next backup of the day cleans its folder; a sweep cleans the rest */
    argo_backup_result r = backup();
    assert_true(r.unchanged);
    assert_int_not_equal(access(tmp, F_OK), 0);
    assert_int_not_equal(access(stray, F_OK), 0);
    assert_int_equal(access(other, F_OK), 0);
    assert_int_equal(access(p, F_OK), 0); /* listed: kept */
    assert_int_equal(argo_backup_orphans(root, NULL, 0, INT64_MIN, true, NULL, NULL, &n, &e), 0);
    assert_int_not_equal(access(lonefile, F_OK), 0);
    assert_int_equal(unlink(other), 0);
    assert_int_equal(argo_backup_orphans(root, NULL, 0, INT64_MIN, false, NULL, NULL, &n, &e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(verify(&e), 0);
}

static void a_stale_copy_of_an_interrupted_tier_move_is_an_orphan(void **state)
{
    (void)state;
    fresh_root("b10");
    backup();
    char tier[600], dst[1100], src[1100];
    th_tmpfile("b10-tier", tier, sizeof tier);
    int y, mo, d;
    argo_time_civil(day, &y, &mo, &d);
    snprintf(dst, sizeof dst, "%s/%04d/%02d/%02d", tier, y, mo, d);
    assert_int_equal(argo_mkdirs(dst, NULL), 0);
    snprintf(dst + strlen(dst), sizeof dst - strlen(dst), "/signals-v1.csv");
    file_path("signals-v1.csv", src, sizeof src);
    uint8_t *data;
    size_t len;
    assert_int_equal(argo_file_read(src, 1 << 30, &data, &len, NULL), 0);
    assert_int_equal(argo_file_write_atomic(dst, data, len, NULL), 0);
    free(data);
    /* the manifest was rewritten, the old copy not deleted yet */
    json_t *m = manifest_get();
    json_t *files = json_object_get(m, "files");
    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *e = json_array_get(files, i);
        if (!strcmp(json_string_value(json_object_get(e, "name")), "signals-v1.csv")) {
            json_object_set_new(e, "location", json_string(tier));
            json_object_set_new(e, "tier", json_string("GLACIER"));
        }
    }
    manifest_put(m);
    argo_err e;
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "signals-v1.csv: a data file that no manifest lists"));
    const char *dirs[] = {tier};
    size_t n;
    assert_int_equal(argo_backup_orphans(root, dirs, 1, day, true, NULL, NULL, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_not_equal(access(src, F_OK), 0);
    assert_int_equal(access(dst, F_OK), 0);
    assert_int_equal(verify(&e), 0);
}

static void hostile_manifests_are_refused(void **state)
{
    (void)state;
#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    const char *files =
        "\"files\":[{\"name\":\"signals-v1.csv\",\"kind\":\"signals\",\"format\":\"csv\","
        "\"rows\":1,\"bytes\":10,\"sha256\":\"" SHA "\"},"
        "{\"name\":\"outcomes-v1.csv\",\"kind\":\"outcomes\",\"format\":\"csv\",\"rows\":2,"
        "\"bytes\":10,\"sha256\":\"" SHA "\"}]";
    char text[2048];
#define HEAD                                                                                       \
    "{\"format\":\"argo-backup\",\"date\":\"2001-03-30\",\"version\":1,\"schema_version\":1,"      \
    "\"codec\":\"snappy\",\"argo_version\":\"0.1.0\",\"created_at\":\"2026-01-01T00:00:00Z\","
    argo_manifest m;
    argo_err e;
    snprintf(text, sizeof text, HEAD "\"rows\":{\"signals\":1,\"outcomes\":2},%s}", files);
    if (argo_manifest_parse("m", (const uint8_t *)text, strlen(text), &m, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(m.nfiles, 2);
    assert_int_equal(m.rows[ARGO_BACKUP_OUTCOMES], 2);
    struct {
        const char *from, *to, *why;
    } bad[] = {
        {"\"signals-v1.csv\",\"kind", "\"../../etc/passwd\",\"kind", "a name"},
        {"\"signals-v1.csv\",\"kind", "\"/etc/passwd\",\"kind", "a name"},
        {"\"signals-v1.csv\",\"kind", "\"signals-v2.csv\",\"kind", "a name"},
        {"\"signals-v1.csv\",\"kind", "\"signals-v1.csv\\u0000x\",\"kind", "not allowed"},
        {"\"rows\":1,\"bytes", "\"rows\":-1,\"bytes", "rows"},
        {"\"rows\":1,\"bytes", "\"rows\":\"1\",\"bytes", "rows"},
        {"\"bytes\":10,\"sha256\":\"0123", "\"bytes\":1e3,\"sha256\":\"0123", "bytes"},
        {"\"bytes\":10,\"sha256\":\"0123", "\"bytes\":99999999999999999,\"sha256\":\"0123",
         "bytes"},
        {"\"sha256\":\"0123", "\"sha256\":\"X123", "sha256"},
        {"\"version\":1", "\"version\":0", "version"},
        {"\"version\":1", "\"version\":9223372036854775807", "version"},
        {"\"date\":\"2001-03-30\"", "\"date\":\"2001-02-30\"", "date"},
        {"\"date\":\"2001-03-30\"", "\"date\":\"2001-03-30T12:00:00Z\"", "date"},
        {"\"codec\":\"snappy\"", "\"codec\":\"lz4\"", "codec"},
        {"\"format\":\"argo-backup\"", "\"format\":\"other\"", "format"},
        {"\"schema_version\":1", "\"schema_version\":2", "schema_version"},
        {"\"kind\":\"signals\"", "\"kind\":\"trades\"", "kind"},
        {"\"format\":\"csv\",\"rows\":1", "\"format\":\"parquet\",\"rows\":1", "a name"},
        {"\"outcomes\":2}", "\"outcomes\":2,\"outcomes\":3}", "duplicate"},
        {"\"sha256\":\"0123", "\"location\":\"tier\",\"tier\":\"GLACIER\",\"sha256\":\"0123",
         "location"},
        {"\"sha256\":\"0123", "\"location\":\"/t/../..\",\"tier\":\"GLACIER\",\"sha256\":\"0123",
         "location"},
        {"\"sha256\":\"0123", "\"location\":\"/t\",\"tier\":\"COLD\",\"sha256\":\"0123", "tier"},
        {"\"sha256\":\"0123", "\"location\":\"/t\",\"sha256\":\"0123", "tier"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char t2[2048];
        const char *at = strstr(text, bad[i].from);
        assert_non_null(at);
        snprintf(t2, sizeof t2, "%.*s%s%s", (int)(at - text), text, bad[i].to,
                 at + strlen(bad[i].from));
        int rc = argo_manifest_parse("m", (const uint8_t *)t2, strlen(t2), &m, &e);
        if (rc != ARGO_ECORRUPT || !strstr(e.msg, bad[i].why))
            fail_msg("case %zu (%s): rc %d, %s", i, bad[i].to, rc, rc ? e.msg : "accepted");
    }
    /* over the size limit: refused before parsing */
    size_t big = (size_t)ARGO_MANIFEST_MAX + 1;
    uint8_t *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    assert_int_equal(argo_manifest_parse("m", huge, big, &m, &e), ARGO_ELIMIT);
    free(huge);
#undef HEAD
#undef SHA
}

static void root_like_and_unwritable_folders_are_refused(void **state)
{
    (void)state;
    argo_err e;
    const char *roots[] = {"", "/", "//", "/.", "/./", "/..", "/../."};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        assert_int_equal(argo_backup_dir_check("--dir", roots[i], true, &e), ARGO_ECONFIG);
        assert_int_equal(argo_backup_dir_check("--dir", roots[i], false, &e), ARGO_ECONFIG);
    }
    char f[600], sub[700];
    th_tmpfile("a-file", f, sizeof f);
    write_text(f, "x");
    assert_int_equal(argo_backup_dir_check("--dir", f, true, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "is not a folder"));
    snprintf(sub, sizeof sub, "%s/deeper/still", f);
    assert_int_equal(argo_backup_dir_check("--dir", sub, true, &e), ARGO_ECONFIG);
    /* and the backup itself refuses them before writing anything */
    argo_backup_options bo = {.root = "", .codec = ARGO_PQ_SNAPPY};
    argo_backup_result r;
    assert_int_equal(argo_backup_day(st, day, &bo, &r, &e), ARGO_ECONFIG);
    bo.root = "/";
    assert_int_equal(argo_backup_day(st, day, &bo, &r, &e), ARGO_ECONFIG);
    /* a folder that does not exist yet, under one that does: fine */
    th_tmpfile("new/backups", sub, sizeof sub);
    assert_int_equal(argo_backup_dir_check("--dir", sub, true, &e), 0);
}

static void tier_to(const char *dir, int *rc, size_t *moved, argo_err *e)
{
    argo_lifecycle lc;
    argo_lifecycle_default(&lc, "");
    assert_int_equal(argo_lifecycle_parse_transitions(&lc, "GLACIER:1", NULL), 0);
    const char *dirs[ARGO_TIER_CLASSES] = {NULL, NULL, dir, NULL};
    *rc = argo_archive_tier(root, &lc, dirs, day + 400 * 86400, false, NULL, NULL, moved, e);
}

static void a_tier_folder_that_is_the_root_never_deletes_the_only_copy(void **state)
{
    (void)state;
    fresh_root("b11");
    backup();
    char abs[4096];
    assert_non_null(realpath(root, abs));
    int rc;
    size_t moved;
    argo_err e;
    tier_to(abs, &rc, &moved, &e);
    assert_int_equal(rc, ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "are the same file"));
    assert_int_equal(verify(&e), 0); /* nothing lost */
}

static void a_rerun_of_an_interrupted_tier_move_removes_the_second_copy(void **state)
{
    (void)state;
    fresh_root("b12");
    backup();
    char tier[600], abs[4096], stale[1100];
    th_tmpfile("b12-tier", tier, sizeof tier);
    assert_int_equal(argo_mkdirs(tier, NULL), 0);
    assert_non_null(realpath(tier, abs));
    file_path("outcomes-v1.parquet", stale, sizeof stale);
    uint8_t *data;
    size_t len;
    assert_int_equal(argo_file_read(stale, 1 << 30, &data, &len, NULL), 0);
    int rc;
    size_t moved;
    argo_err e;
    tier_to(abs, &rc, &moved, &e);
    if (rc)
        fail_msg("%s", e.msg);
    assert_int_equal(moved, 4);
    assert_int_equal(verify(&e), 0);
    /* as if killed between the manifest rewrite and the delete */
    assert_int_equal(argo_file_write_atomic(stale, data, len, NULL), 0);
    free(data);
    assert_int_equal(verify(&e), ARGO_ECORRUPT);
    assert_non_null(strstr(e.msg, "outcomes-v1.parquet: a data file that no manifest lists"));
    tier_to(abs, &rc, &moved, &e);
    assert_int_equal(rc, 0);
    assert_int_equal(moved, 0);
    assert_int_not_equal(access(stale, F_OK), 0);
    assert_int_equal(verify(&e), 0);
}

static void a_day_without_backup_is_named(void **state)
{
    (void)state;
    fresh_root("b5");
    argo_err e;
    assert_int_equal(verify(&e), ARGO_ENOENT);
    assert_non_null(strstr(e.msg, "no backup of"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_backup_verifies_and_a_rerun_changes_nothing),
        cmocka_unit_test(flipped_and_truncated_files_are_named),
        cmocka_unit_test(a_changed_store_is_reported_then_backed_up_as_a_new_version),
        cmocka_unit_test(a_crash_at_any_write_never_leaves_a_partial_backup),
        cmocka_unit_test(a_day_without_backup_is_named),
        cmocka_unit_test(a_manifest_that_lists_only_some_files_does_not_verify),
        cmocka_unit_test(a_changed_row_total_is_checked_against_the_store),
        cmocka_unit_test(a_parquet_file_with_another_schema_does_not_verify),
        cmocka_unit_test(orphans_are_reported_then_cleaned_by_the_next_backup),
        cmocka_unit_test(a_stale_copy_of_an_interrupted_tier_move_is_an_orphan),
        cmocka_unit_test(hostile_manifests_are_refused),
        cmocka_unit_test(root_like_and_unwritable_folders_are_refused),
        cmocka_unit_test(a_tier_folder_that_is_the_root_never_deletes_the_only_copy),
        cmocka_unit_test(a_rerun_of_an_interrupted_tier_move_removes_the_second_copy),
        cmocka_unit_test(a_parquet_file_with_two_columns_swapped_does_not_verify),
        cmocka_unit_test(a_parquet_file_filled_from_the_wrong_fields_does_not_verify),
        cmocka_unit_test(archive_tier_moves_a_file_larger_than_its_buffer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
