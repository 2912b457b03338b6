/* SPDX-License-Identifier: MIT */
/* Allocation failures inside libargo, in one process: this test is
 * linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, so the
 * Nth allocation of argo's own code (and jansson's, through
 * base/jsonmem.c) can be made to fail. Each failure must come back as
 * ARGO_ENOMEM and leave nothing behind; tests/faultsim does the same
 * for whole commands. As there, jansson's parser is spared (also
 * wrapped): it asserts or overruns its buffer when an allocation fails
 * (akheron/jansson#362), which argo cannot handle from outside. */
#include "helpers.h"

#include "archive/archive.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"
#include "domain/config.h"
#include "app/engine.h"
#include "market/market.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
json_t *__real_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *e);
json_t *__wrap_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *e);

static long fail_at, seen, failed; /* fail the fail_at-th allocation; 0: none */
static int quiet;                  /* inside jansson's parser */

static bool fault(void)
{
    if (quiet || !fail_at || ++seen != fail_at)
        return false;
    failed++;
    return true;
}

void *__wrap_malloc(size_t n)
{
    return fault() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    return fault() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fault() ? NULL : __real_realloc(p, n);
}

json_t *__wrap_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *e)
{
    quiet++;
    json_t *j = __real_json_loadb(buf, len, flags, e);
    quiet--;
    return j;
}

/* Fails the nth allocation from now on (0: none); `failed` counts
 * the failures since the last arm(n > 0). */
static void arm(long n)
{
    fail_at = n;
    seen = 0;
    if (n)
        failed = 0;
}

static argo_store *st;
static int64_t day;     /* a day with signals made and outcomes resolved */
static char probe[512]; /* its Parquet backup, made without faults */

static int setup(void **state)
{
    (void)state;
    char p[512], csv[1024];
    th_tmpfile("oom.db", p, sizeof p);
    th_rm_db(p);
    argo_config cfg;
    argo_config_init(&cfg);
    if (argo_store_open(p, NULL, &st, NULL) ||
        argo_engine_ingest_csv(st, th_src("data/market/MSFT.csv", csv, sizeof csv), "MSFT", false,
                               NULL, NULL))
        return -1;
    argo_replay_options o = {.from = INT64_MIN, .to = INT64_MAX};
    if (argo_engine_replay(st, &cfg, &o, NULL, NULL))
        return -1;
    th_tmpfile("oom-probe", probe, sizeof probe);
    argo_backup_options bo = {.root = probe, .formats = ARGO_BACKUP_PARQUET};
    return th_backup_first_full_day(st, &bo, &day);
}

static int teardown(void **state)
{
    (void)state;
    argo_store_close(st);
    return 0;
}

/* Appends the names under dir, recursively, to out as "/a/b/c\n" lines. */
static void listing(const char *dir, const char *rel, char *out, size_t n)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[1024], r[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        snprintf(r, sizeof r, "%s/%s", rel, e->d_name);
        size_t l = strlen(out);
        snprintf(out + l, n - l, "%s\n", r);
        listing(p, r, out, n);
    }
    closedir(d);
}

static void a_failed_jansson_allocation_is_counted(void **state)
{
    (void)state;
    unsigned long f0 = argo_json_failures();
    json_t *o = json_object();
    assert_non_null(o);
    json_object_set_new(o, "a", json_string("kept"));
    assert_int_equal(argo_json_failures(), f0); /* nothing failed: nothing counted */
    arm(1);
    /* jansson drops the member it cannot allocate and says nothing */
    json_object_set_new(o, "b", json_string("lost"));
    arm(0);
    assert_null(json_object_get(o, "b"));
    assert_int_equal(argo_json_failures(), f0 + 1);
    json_decref(o);
}

static void a_parquet_footer_short_of_memory_is_out_of_memory_not_malformed(void **state)
{
    (void)state;
    char path[1024];
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    snprintf(path, sizeof path, "%s/%04d/%02d/%02d/outcomes-v1.parquet", probe, y, m, d);
    long points = 0;
    for (long n = 1;; n++) {
        argo_pq_file *f = NULL;
        argo_err e = {0};
        arm(n);
        int rc = argo_pq_open(path, &f, &e);
        arm(0);
        argo_pq_close(f);
        if (rc == 0 && !failed)
            break;
        if (rc != ARGO_ENOMEM)
            fail_msg("allocation %ld failed: rc %d, '%s' (expected out of memory)", n, rc, e.msg);
        points++;
    }
    if (points < 20) /* every column name is an allocation */
        fail_msg("only %ld allocation points", points);
}

static void check_backup_faults(const char *root, const char *before)
{
    argo_backup_options bo = {.root = root, .formats = 0, .codec = ARGO_PQ_ZSTD};
    long points = 0;
    for (long n = 1;; n++) {
        argo_backup_result r;
        argo_err e = {0};
        arm(n);
        int rc = argo_backup_day(st, day, &bo, &r, &e);
        arm(0);
        if (rc == 0 && !failed)
            break;
        if (rc != ARGO_ENOMEM)
            fail_msg("allocation %ld failed: rc %d, '%s' (expected out of memory)", n, rc, e.msg);
        static char after[8192];
        after[0] = '\0';
        listing(root, "", after, sizeof after);
        if (strcmp(before, after))
            fail_msg("allocation %ld failed: the folder changed:\n%s\nwas:\n%s", n, after, before);
        points++;
    }
    assert_true(points > 50);
}

static void a_first_backup_short_of_memory_leaves_no_folder(void **state)
{
    (void)state;
    char root[512], cmd[1100];
    th_tmpfile("oom-first", root, sizeof root);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    check_backup_faults(root, "");
}

static void a_second_version_short_of_memory_keeps_the_first_as_it_was(void **state)
{
    (void)state;
    char root[512], cmd[1100];
    th_tmpfile("oom-second", root, sizeof root);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    argo_backup_options bo = {.root = root, .formats = ARGO_BACKUP_PARQUET};
    argo_backup_result r;
    assert_int_equal(argo_backup_day(st, day, &bo, &r, NULL), 0);
    static char before[8192];
    listing(root, "", before, sizeof before);
    assert_non_null(strstr(before, "manifest.json"));
    check_backup_faults(root, before); /* both formats, another codec: version 2 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_failed_jansson_allocation_is_counted),
        cmocka_unit_test(a_parquet_footer_short_of_memory_is_out_of_memory_not_malformed),
        cmocka_unit_test(a_first_backup_short_of_memory_leaves_no_folder),
        cmocka_unit_test(a_second_version_short_of_memory_keeps_the_first_as_it_was),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
