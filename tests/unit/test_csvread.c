/* SPDX-License-Identifier: MIT */
/* Untrusted text: strict decimals, safe quoting, and the calibration
 * CSV (base/text, base/csvread, calibrate/report's reader). */
#include "helpers.h"

#include "base/text.h"
#include "calibrate/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void only_plain_decimals_are_numbers(void **state)
{
    (void)state;
    double v;
    const char *bad[] = {"",   " ",  "0x10", "inf", "nan", "-inf", "1,5",   "1.5.2", "5000ms",
                         "1e", "e5", ".",    "+",   "1 2", "１",   "0x1p3", "1_000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (argo_text_decimal(bad[i], &v) != ARGO_EPARSE)
            fail_msg("'%s' was read as a number", bad[i]);
    assert_int_equal(argo_text_decimal("1e999", &v), ARGO_ELIMIT);
    assert_int_equal(argo_text_decimal("1e-320", &v), 0);
    assert_true(v > 0 && v < 1e-300);
    assert_int_equal(argo_text_decimal(" -.5E+1\t", &v), 0);
    assert_true(v == -5);
    long long n;
    assert_int_equal(argo_text_integer("99999999999999999999", &n), ARGO_ELIMIT);
    assert_int_equal(argo_text_integer("12x", &n), ARGO_EPARSE);
    assert_int_equal(argo_text_integer(" -12 ", &n), 0);
    assert_int_equal(n, -12);
}

static void quotes_are_one_printable_line(void **state)
{
    (void)state;
    char q[ARGO_TEXT_QUOTE_MAX];
    assert_string_equal(argo_text_quote("a\nb\x1b\xff\\", 6, q, sizeof q), "a\\nb\\x1b\\xff\\\\");
    char big[300];
    memset(big, 'z', sizeof big);
    argo_text_quote(big, sizeof big, q, sizeof q);
    assert_true(strlen(q) < sizeof q && strstr(q, "...") != NULL);
}

static const char *calib_file(const char *text)
{
    static char p[512];
    th_tmpfile("calib.csv", p, sizeof p);
    th_write(p, text);
    return p;
}

static void calib_expect_bad(const char *text, const char *needle)
{
    double *x, *y, *w;
    size_t n;
    argo_err e;
    if (argo_calib_csv_read(calib_file(text), &x, &y, &w, &n, &e) == 0)
        fail_msg("accepted: %s", text);
    if (!strstr(e.msg, needle))
        fail_msg("'%s' does not mention '%s'", e.msg, needle);
}

static void calibration_csvs_are_checked_row_by_row(void **state)
{
    (void)state;
    calib_expect_bad("confidence,label,weight\n0.5,1,1e300\n", ":2: weight '1e300' is not 0 or");
    calib_expect_bad("confidence,label,weight\n0.5,1,1e-320\n", ":2: weight '1e-320'");
    calib_expect_bad("confidence,label,weight\n0.5,1,0\n0.6,0,0\n", "every weight is 0");
    calib_expect_bad("confidence,label\n0x0.8,1\n", ":2: confidence '0x0.8'");
    /* a long field is not cut to a different number */
    calib_expect_bad(
        "confidence,label\n0.5000000000000000000000000000000000000000000000000000000000"
        "0000001e5,1\n",
        ":2: confidence");
    calib_expect_bad("confidence,label,confidence\n0.5,1,0.5\n", "columns 1 and 3 are both");
    calib_expect_bad("confidence,label\n0.5,1,7\n", ":2: has 3 fields, the header has 2");
    calib_expect_bad("confidence,label\n", "no rows");
    calib_expect_bad("\xEF\xBB\xBF"
                     "confidence,label\n0.5,2\n",
                     ":2: label '2' is not 0 or 1");
    double *x, *y, *w;
    size_t n;
    argo_err e;
    char text[600] = "x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,label,confidence\n"
                     ",,,,,,,,,,,,,,,,,1,0.25\n";
    assert_int_equal(argo_calib_csv_read(calib_file(text), &x, &y, &w, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_true(x[0] == 0.25 && y[0] == 1 && w == NULL);
    free(x);
    free(y);
}

static void a_fifo_without_a_writer_does_not_hang(void **state)
{
    (void)state;
    char p[512];
    th_tmpfile("fifo.csv", p, sizeof p);
    unlink(p);
    assert_int_equal(mkfifo(p, 0600), 0);
    double *x, *y, *w;
    size_t n;
    argo_err e;
    assert_int_equal(argo_calib_csv_read(p, &x, &y, &w, &n, &e), ARGO_EPARSE);
    assert_non_null(strstr(e.msg, "empty file"));
    unlink(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_plain_decimals_are_numbers),
        cmocka_unit_test(quotes_are_one_printable_line),
        cmocka_unit_test(calibration_csvs_are_checked_row_by_row),
        cmocka_unit_test(a_fifo_without_a_writer_does_not_hang),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
