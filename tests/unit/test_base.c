/* SPDX-License-Identifier: MIT */
#include "helpers.h"

#include "base/digest.h"
#include "base/err.h"
#include "base/timeutil.h"

#include <string.h>

static void iso_dates_and_datetimes_parse_as_utc(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(argo_time_parse("1970-01-01", &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(argo_time_parse("2000-09-27", &t), 0);
    assert_int_equal(t, 970012800);
    assert_int_equal(argo_time_parse("2000-09-27T13:30:00Z", &t), 0);
    assert_int_equal(t, 970012800 + 13 * 3600 + 30 * 60);
    assert_int_equal(argo_time_parse("2000-09-27 13:30:00", &t), 0);
    assert_int_equal(t, 970012800 + 13 * 3600 + 30 * 60);
    assert_int_equal(argo_time_parse("2000-09-27T13:30:00.000+00:00", &t), 0);
    assert_int_equal(t, 970012800 + 13 * 3600 + 30 * 60);
    assert_int_equal(argo_time_parse("2000-02-29", &t), 0);
}

static void impossible_or_malformed_dates_are_rejected(void **state)
{
    (void)state;
    int64_t t;
    const char *bad[] = {"",
                         "2001-02-29",
                         "1900-02-29",
                         "2000-13-01",
                         "2000-00-10",
                         "2000-01-32",
                         "2000/01/02",
                         "20000102",
                         "2000-01-02T25:00",
                         "2000-01-02T10:00+05:00",
                         "2000-01-02x",
                         "01/02/2000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (argo_time_parse(bad[i], &t) != ARGO_EPARSE)
            fail_msg("'%s' was accepted", bad[i]);
}

static void timestamps_format_back_to_iso(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(argo_time_format(970012800, b, sizeof b), "2000-09-27");
    assert_string_equal(argo_time_format(970012800 + 61, b, sizeof b), "2000-09-27T00:01:01Z");
    assert_string_equal(argo_time_format(-86400, b, sizeof b), "1969-12-31");
    for (int64_t d = -25567; d < 84000; d += 97) { /* years 1900 to 2199 */
        int64_t t;
        argo_time_format(d * 86400, b, sizeof b);
        assert_int_equal(argo_time_parse(b, &t), 0);
        assert_int_equal(t, d * 86400);
    }
}

static void error_prefix_keeps_the_message(void **state)
{
    (void)state;
    argo_err e;
    assert_int_equal(argo_err_set(&e, ARGO_EDATA, "low %d", 3), ARGO_EDATA);
    argo_err_prefix(&e, "%s:%d: ", "f.csv", 12);
    assert_string_equal(e.msg, "f.csv:12: low 3");
    assert_string_equal(argo_strerror(ARGO_EBUSY), "database is locked");
    assert_int_equal(argo_err_set(NULL, ARGO_EIO, "x"), ARGO_EIO);
}

static void day_starts_and_hex_digests(void **state)
{
    (void)state;
    assert_int_equal(argo_time_day_start(0), 0);
    assert_int_equal(argo_time_day_start(86399), 0);
    assert_int_equal(argo_time_day_start(86400 + 5), 86400);
    assert_int_equal(argo_time_day_start(-1), -86400);
    assert_int_equal(argo_time_day_start(-86400), -86400);
    char out[65];
    const unsigned char b[] = {0x00, 0x0f, 0xa5, 0xff};
    argo_hex(b, sizeof b, out);
    assert_string_equal(out, "000fa5ff");
    /* SHA-256("abc"), FIPS 180-2 */
    argo_sha256_hex("abc", 3, out);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iso_dates_and_datetimes_parse_as_utc),
        cmocka_unit_test(impossible_or_malformed_dates_are_rejected),
        cmocka_unit_test(timestamps_format_back_to_iso),
        cmocka_unit_test(error_prefix_keeps_the_message),
        cmocka_unit_test(day_starts_and_hex_digests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
