/* SPDX-License-Identifier: MIT */
/* The S3 client's offline parts: settings checks, ETags, keys,
 * retain-until dates. The client against a server: tests/s3/s3_test.py. */
#include "helpers.h"

#include "archive/remote.h"
#include "app/archive.h"
#include "s3/s3.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static argo_s3_config good(void)
{
    argo_config cfg;
    argo_config_init(&cfg);
    snprintf(cfg.s3_bucket, sizeof cfg.s3_bucket, "argo-archive");
    argo_s3_config sc;
    argo_app_s3_config(&sc, &cfg);
    return sc;
}

static void expect_bad(const argo_s3_config *sc, const char *needle)
{
    argo_err e = {0};
    assert_int_equal(argo_s3_config_validate(sc, &e), ARGO_ECONFIG);
    if (!strstr(e.msg, needle))
        fail_msg("'%s' not in '%s'", needle, e.msg);
}

static void settings_are_checked_with_the_key_named(void **state)
{
    (void)state;
    argo_s3_config sc = good();
    argo_err e;
    assert_int_equal(argo_s3_config_validate(&sc, &e), 0);
    assert_int_equal(sc.part_size, 16 << 20);
    assert_int_equal(sc.multipart_threshold, 64 << 20);
    snprintf(sc.bucket, sizeof sc.bucket, "Bad_Bucket");
    expect_bad(&sc, "[s3] bucket 'Bad_Bucket'");
    sc = good();
    sc.bucket[0] = '\0';
    expect_bad(&sc, "3 to 63 characters");
    sc = good();
    sc.part_size = 4 << 20;
    expect_bad(&sc, "part_size");
    sc = good();
    sc.multipart_threshold = 8 << 20;
    expect_bad(&sc, "multipart_threshold");
    sc = good();
    snprintf(sc.lock_mode, sizeof sc.lock_mode, "FOREVER");
    expect_bad(&sc, "object_lock 'FOREVER'");
    sc = good();
    snprintf(sc.storage_class, sizeof sc.storage_class, "COLD");
    expect_bad(&sc, "storage_class 'COLD'");
    sc = good();
    snprintf(sc.endpoint, sizeof sc.endpoint, "ftp://x");
    expect_bad(&sc, "http:// or https://");
    sc = good();
    assert_int_equal(sc.concurrency, 8);
    sc.concurrency = 0;
    expect_bad(&sc, "[s3] concurrency 0: expected 1 to 64");
    sc.concurrency = 65;
    expect_bad(&sc, "[s3] concurrency 65: expected 1 to 64");
}

/* Reference values from Python's hashlib (md5 of the data; md5 of the
 * concatenated part md5s + "-N", S3's multipart ETag). */
static void etags_are_what_s3_reports(void **state)
{
    (void)state;
    char etag[80];
    argo_s3_etag((const uint8_t *)"", 0, 5 << 20, etag);
    assert_string_equal(etag, "d41d8cd98f00b204e9800998ecf8427e");
    size_t n = (size_t)7 << 20;
    uint8_t *d = malloc(n);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)i;
    argo_s3_etag(d, n, 5 << 20, etag);
    assert_string_equal(etag, "574593a690419075fc99749b0ed81a58-2");
    argo_s3_etag(d, n, 0, etag);
    assert_string_equal(etag, "5079656bcb30b82f7fed3b028b5fb149");
    free(d);
}

static void keys_and_retention_dates(void **state)
{
    (void)state;
    int64_t day;
    char key[128], buf[32];
    assert_int_equal(argo_time_parse("2024-02-29", &day), 0);
    argo_archive_key("backups/", day, "manifest.json", key, sizeof key);
    assert_string_equal(key, "backups/2024/02/29/manifest.json");
    argo_time_format(argo_archive_retain_until(day, 7), buf, sizeof buf);
    assert_string_equal(buf, "2031-02-28");
    assert_int_equal(argo_time_parse("2024-11-24", &day), 0);
    argo_time_format(argo_archive_retain_until(day, 7), buf, sizeof buf);
    assert_string_equal(buf, "2031-11-24");
}

static void credentials_come_from_the_environment_or_a_file(void **state)
{
    (void)state;
    argo_s3_config sc = good();
    argo_s3 *s3 = NULL;
    argo_err e = {0};
    char path[512];
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_PROFILE");
    snprintf(sc.credentials_file, sizeof sc.credentials_file, "%s",
             th_tmpfile("nocreds", path, sizeof path));
    remove(path);
    assert_int_equal(argo_s3_open(&sc, NULL, NULL, &s3, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "no S3 credentials"));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[default]\naws_access_key_id = AKIDEXAMPLE\n[archive]\naws_access_key_id = AKID2\n"
          "aws_secret_access_key = not-printed-secret\n",
          f);
    fclose(f);
    /* the default profile lacks a secret: named, the secret never shown */
    assert_int_equal(argo_s3_open(&sc, NULL, NULL, &s3, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "profile 'default' lacks"));
    snprintf(sc.profile, sizeof sc.profile, "archive");
    assert_int_equal(argo_s3_open(&sc, NULL, NULL, &s3, &e), 0);
    assert_non_null(strstr(argo_s3_target(s3), "https://s3.us-east-1.amazonaws.com/argo-archive"));
    argo_s3_close(s3);
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    sc.credentials_file[0] = '\0';
    assert_int_equal(argo_s3_open(&sc, NULL, NULL, &s3, &e), 0);
    argo_s3_close(s3);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(settings_are_checked_with_the_key_named),
        cmocka_unit_test(etags_are_what_s3_reports),
        cmocka_unit_test(keys_and_retention_dates),
        cmocka_unit_test(credentials_come_from_the_environment_or_a_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
