/* SPDX-License-Identifier: MIT */
/* CSV ingest: every validation rule names file:line, and a bad file
 * leaves the store exactly as it was. */
#include "helpers.h"

#include "app/engine.h"
#include "market/market.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static argo_store *st;

static int setup(void **state)
{
    (void)state;
    char p[512];
    th_store_url("ingest.db", p, sizeof p);
    return argo_store_open(p, NULL, &st, NULL);
}

static int teardown(void **state)
{
    (void)state;
    argo_store_close(st);
    st = NULL;
    return 0;
}

static int64_t bar_count(void)
{
    int64_t n;
    assert_int_equal(argo_store_bars_count(st, INT64_MAX, &n, NULL), 0);
    return n;
}

static const char *csv(const char *name, const char *text)
{
    static char p[512];
    th_tmpfile(name, p, sizeof p);
    th_write(p, text);
    return p;
}

#define HEAD "date,open,high,low,close,volume\n"
#define GOOD1 "2020-01-02,10,11,9,10.5,100\n"
#define GOOD2 "2020-01-03,10.5,12,10,11,200\n"

static void expect_reject(const char *text, const char *needle)
{
    int64_t before = bar_count();
    argo_err e;
    const char *p = csv("bad.csv", text);
    int rc = argo_engine_ingest_csv(st, p, "BAD", false, NULL, &e);
    assert_true(rc < 0);
    if (!strstr(e.msg, needle) || strncmp(e.msg, p, strlen(p)) != 0)
        fail_msg("message '%s' should start with the file and mention '%s'", e.msg, needle);
    assert_int_equal(bar_count(), before); /* all or nothing */
}

static void the_shipped_series_load_whole(void **state)
{
    (void)state;
    char p[512];
    argo_ingest_report r;
    assert_int_equal(argo_engine_ingest_csv(st, th_src("data/market/TTRC.csv", p, sizeof p), "TTRC",
                                            false, &r, NULL),
                     0);
    assert_int_equal(r.rows, 5550);
    assert_int_equal(r.inserted, 5550);
    /* loading it again only finds identical repeats */
    assert_int_equal(argo_engine_ingest_csv(st, p, "TTRC", false, &r, NULL), 0);
    assert_int_equal(r.inserted, 0);
    assert_int_equal(r.duplicates, 5550);
    assert_int_equal(bar_count(), 5550);
}

static void every_rule_rejects_the_whole_file_naming_the_line(void **state)
{
    (void)state;
    expect_reject(HEAD GOOD1 GOOD2 "2020-01-06,10,9,9,10,1\n", ":4: high 9 is below max");
    expect_reject(HEAD GOOD1 "2020-01-03,10,11,10.5,10.6,1\n", ":3: low 10.5 is above min");
    expect_reject(HEAD GOOD1 "2020-01-03,0,11,9,10,1\n", ":3: open '0' is not a price > 0");
    expect_reject(HEAD GOOD1 "2020-01-03,-1,11,-2,10,1\n", ":3: open '-1' is not a price > 0");
    expect_reject(HEAD GOOD1 "2020-01-03,10,inf,9,10,1\n",
                  ":3: high 'inf' is not a decimal number");
    expect_reject(HEAD GOOD1 "2020-01-03,10,nan,9,10,1\n",
                  ":3: high 'nan' is not a decimal number");
    expect_reject(HEAD GOOD1 "2020-01-03,10,11,9,10,-5\n", ":3: volume '-5' is negative");
    expect_reject(HEAD GOOD2 GOOD1, ":3: 2020-01-02 is not after line 2's date");
    expect_reject(HEAD GOOD1 "2020-01-02,10,11,9,10.4,100\n", ":3: 2020-01-02 repeats line 2");
    expect_reject(HEAD GOOD1 "2020-01-03,10,11,9,,1\n", ":3: close '' is not a decimal number");
    expect_reject(HEAD GOOD1 "2020-01-03,10,11,9,ten,1\n", ":3: close 'ten'");
    expect_reject(HEAD GOOD1 "03/01/2020,10,11,9,10,1\n", ":3: date '03/01/2020' is not an ISO");
    expect_reject(HEAD GOOD1 "2020-01-03,10,11,9\n", ":3: has 4 fields");
    expect_reject("date,open,high,low,volume\n" GOOD1, ":1: header has no 'close'");
    expect_reject(HEAD GOOD1 "2020-01-03,\"10,11,9,10,1\n",
                  ":3: a quoted field (field 2) is never closed");
    expect_reject("", "empty file");
}

static void a_conflict_with_stored_bars_rejects_the_file(void **state)
{
    (void)state;
    assert_int_equal(
        argo_engine_ingest_csv(st, csv("a.csv", HEAD GOOD1 GOOD2), "C", false, NULL, NULL), 0);
    int64_t before = bar_count();
    argo_err e;
    const char *p = csv("b.csv", HEAD GOOD2 "2020-01-06,11,12,10,11.5,10\n"
                                            "2020-01-07,11,12,10,11.5,10\n");
    assert_int_equal(argo_engine_ingest_csv(st, p, "C", false, NULL, &e), 0);
    assert_int_equal(bar_count(), before + 2);
    p = csv("c.csv", HEAD "2020-01-08,11,12,10,11.5,10\n"
                          "2020-01-03,10.5,12,10,11.1,200\n");
    assert_int_equal(argo_engine_ingest_csv(st, p, "C", false, NULL, &e), ARGO_EDATA);
    p = csv("d.csv", HEAD "2020-01-03,10.5,12,10,11.1,200\n");
    assert_int_equal(argo_engine_ingest_csv(st, p, "C", false, NULL, &e), ARGO_ECONFLICT);
    assert_non_null(strstr(e.msg, "d.csv:2: bar conflicts"));
    assert_int_equal(bar_count(), before + 2);
}

static void header_variants_are_understood(void **state)
{
    (void)state;
    const char *heads[] = {
        "Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,10,11,9,10.5,10.4,100\n",
        "timestamp,CLOSE,low,HIGH,open,volume\n2020-01-02T00:00:00Z,10.5,9,11,10,100\n",
        " Datetime ,open,high,low,close,volume,extra\n2020-01-02 00:00:00,10,11,9,10.5,100,x\n",
    };
    for (int i = 0; i < 3; i++) {
        char sym[8];
        snprintf(sym, sizeof sym, "H%d", i);
        argo_ingest_report r;
        argo_err e;
        if (argo_engine_ingest_csv(st, csv("h.csv", heads[i]), sym, false, &r, &e))
            fail_msg("variant %d: %s", i, e.msg);
        assert_int_equal(r.inserted, 1);
    }
    argo_symbol *syms;
    size_t n;
    assert_int_equal(argo_store_symbols(st, &syms, &n, NULL), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(syms[i].last_ts, 1577923200); /* 2020-01-02, all three */
    free(syms);
}

static void skip_invalid_keeps_the_good_rows_and_counts_the_rest(void **state)
{
    (void)state;
    const char *p =
        csv("skip.csv", HEAD GOOD1 "2020-01-03,10,9,9,10,1\n" GOOD2 "2020-01-06,x,1,1,1,1\n" GOOD2
                                   "2020-01-07,11,12,10,11.5,-1\n");
    argo_ingest_report r;
    assert_int_equal(argo_engine_ingest_csv(st, p, "S", true, &r, NULL), 0);
    assert_int_equal(r.rows, 6);
    assert_int_equal(r.inserted, 2);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(r.skipped, 3);
    assert_int_equal(r.skipped_by[ARGO_FAULT_RANGE], 1);
    assert_int_equal(r.skipped_by[ARGO_FAULT_PARSE], 1);
    assert_int_equal(r.skipped_by[ARGO_FAULT_VOLUME], 1);
    assert_non_null(strstr(r.first_skip, "skip.csv:3: high 9"));
}

static void a_missing_file_is_a_clear_error(void **state)
{
    (void)state;
    argo_err e;
    assert_int_equal(argo_engine_ingest_csv(st, "/nonexistent.csv", "M", false, NULL, &e),
                     ARGO_ENOENT);
    assert_non_null(strstr(e.msg, "/nonexistent.csv: cannot open"));
}

static void expect_ok(const char *text, const char *sym, size_t inserted)
{
    argo_ingest_report r;
    argo_err e;
    if (argo_engine_ingest_csv(st, csv("ok.csv", text), sym, false, &r, &e))
        fail_msg("refused: %s", e.msg);
    assert_int_equal(r.inserted, inserted);
}

static void hostile_files_get_one_clear_line(void **state)
{
    (void)state;
    char big[600];
    memset(big, 'x', 300);
    big[300] = '\0';
    char head[1024];
    snprintf(head, sizeof head, "%s,date,open,high,low,close,volume\n", big);
    expect_reject(head, ":1: field 1 is longer than 255 bytes");
    char cols[1024];
    size_t o = 0;
    for (int i = 0; i < 64; i++)
        o += (size_t)snprintf(cols + o, sizeof cols - o, "c,");
    snprintf(cols + o, sizeof cols - o, "date,open,high,low,close,volume\n");
    expect_reject(cols, ":1: more than 64 columns (the limit)");
    expect_reject(HEAD GOOD1 "2020-01-03T23:59:60Z,10,11,9,10,1\n",
                  ":3: date '2020-01-03T23:59:60Z' is a leap second");
    expect_reject(HEAD GOOD1 "2020-01-03T10:00:00.5Z,10,11,9,10,1\n", "fractional seconds");
    expect_reject(HEAD GOOD1 "2020-01-03T10:00:00-05:00,10,11,9,10,1\n", "not in UTC");
    expect_reject(HEAD GOOD1 "0000-01-03,10,11,9,10,1\n", "outside the years");
    expect_reject(HEAD GOOD1 "9999-01-03,10,11,9,10,1\n", "outside the years");
    expect_reject(HEAD GOOD1 "2020-02-30,10,11,9,10,1\n", "not a day of the calendar");
    expect_reject(HEAD GOOD1 "2020-01-03,0x10,11,9,10,1\n",
                  ":3: open '0x10' is not a decimal number");
    expect_reject(HEAD GOOD1 "2020-01-03,10,11,9,10,1e999\n", ":3: volume '1e999' is beyond");
    expect_reject(HEAD GOOD1 "2020-01-03,10,11,1e-400,10,1\n",
                  ":3: low '1e-400' is not a price > 0");
    expect_reject(HEAD GOOD1 "2020-01-03,10,11,9,10 x,1\n", ":3: close '10 x'");
    expect_reject(HEAD GOOD1 "2020-01-03,10,11,9,\"1,5\",1\n", ":3: close '1,5'");
    expect_reject(HEAD "\"2020-01-02\n\",10,11,9,10,1\n", ":2: date '2020-01-02\\n'");
    expect_reject("date,open,high,low,close,volume,note\n2020-01-02,10,11,9,10,1,\"a\nb\"\n"
                  "2020-01-03,10,11,9,10,x,\n",
                  ":4: volume 'x'");
    {
        static const char nul[] = HEAD GOOD1 "2020-01-03,10,1\0001,9,10,1\n";
        char path[512];
        th_tmpfile("nul.csv", path, sizeof path);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(nul, 1, sizeof nul - 1, f);
        fclose(f);
        argo_err e;
        assert_int_equal(argo_engine_ingest_csv(st, path, "NUL", false, NULL, &e), ARGO_EPARSE);
        assert_non_null(strstr(e.msg, "nul.csv:3: a NUL byte"));
    }
    expect_reject(HEAD GOOD1 "2020-01-03,10,1\"1,9,10,1\n", ":3: a quote inside an unquoted field");
    expect_reject(HEAD GOOD1 "2020-01-03,10,\"11\"x,9,10,1\n", ":3: text after a closing quote");
    expect_reject("date,open,high,low,close,volume,timestamp\n",
                  "columns 1 ('date') and 7 ('timestamp') are both the 'date' column");
    expect_reject(HEAD GOOD1 "2020-01-03,10,11,9,10.00000001,1\n"
                             "2020-01-06,10,10.00000001,9,10.0000001,1\n",
                  "high 10.00000001 is below max(open, close) 10.0000001");
    /* the file's name is the default symbol: a bad one is named as such */
    argo_err e;
    const char *p = csv("bad name.csv", HEAD GOOD1);
    assert_int_equal(argo_engine_ingest_csv(st, p, "bad name\n", false, NULL, &e), ARGO_EDATA);
    assert_non_null(strstr(e.msg, "symbol 'bad name\\n' is not 1 to 31"));
}

static void header_only_files_create_nothing(void **state)
{
    (void)state;
    argo_err e;
    argo_ingest_report r;
    assert_int_equal(argo_engine_ingest_csv(st, csv("h.csv", HEAD), "EMPTY", false, &r, &e),
                     ARGO_EDATA);
    assert_non_null(strstr(e.msg, "no bars (the file has only a header)"));
    /* every row skipped: success, nothing stored, no symbol made */
    assert_int_equal(argo_engine_ingest_csv(st, csv("s.csv", HEAD "2020-01-02,x,1,1,1,1\n"),
                                            "EMPTY", true, &r, &e),
                     0);
    assert_int_equal(r.skipped, 1);
    argo_symbol *syms;
    size_t n;
    assert_int_equal(argo_store_symbols(st, &syms, &n, NULL), 0);
    assert_int_equal(n, 0);
    free(syms);
}

static void tolerated_forms_load(void **state)
{
    (void)state;
    expect_ok("\xEF\xBB\xBF" HEAD GOOD1, "BOM", 1);
    expect_ok("date,open,high,low,close,volume\r2020-01-02,10,11,9,10.5,100\r", "CR", 1);
    expect_ok("date,open,high,low,close,volume\r\n\r\n2020-01-02,10,11,9,10.5,100\r\n", "CRLF", 1);
    expect_ok(HEAD "\"2020-01-02\",\"10\",11,9,10.5,-0\n", "QUOTED", 1);
    expect_ok(HEAD "2020-01-02T10:00:00.000+00:00,10,11,1e-320,10.5,1E2\n", "TINY", 1);
    char cols[1024];
    size_t o = 0;
    for (int i = 0; i < 58; i++)
        o += (size_t)snprintf(cols + o, sizeof cols - o, "c,");
    o += (size_t)snprintf(cols + o, sizeof cols - o, "date,open,high,low,close,volume\n");
    for (int i = 0; i < 58; i++)
        o += (size_t)snprintf(cols + o, sizeof cols - o, ",");
    snprintf(cols + o, sizeof cols - o, GOOD1);
    expect_ok(cols, "WIDE", 1);
}

static int collect_synth(void *ctx, const char *symbol, const argo_bar *bars, size_t n)
{
    (void)symbol;
    double *sum = ctx;
    for (size_t i = 0; i < n; i++) {
        argo_bar_fault f;
        if (argo_bar_validate(&bars[i], &f, NULL))
            fail_msg("synthetic bar %zu is invalid", i);
        if (i)
            assert_true(bars[i].ts > bars[i - 1].ts);
        *sum += bars[i].close;
    }
    return 0;
}

static void the_synthetic_universe_is_valid_and_deterministic(void **state)
{
    (void)state;
    argo_synth_options o = {.symbols = 5, .days = 600, .seed = 7};
    double a = 0, b = 0, c = 0;
    assert_int_equal(argo_market_synth(&o, collect_synth, &a, NULL), 0);
    assert_int_equal(argo_market_synth(&o, collect_synth, &b, NULL), 0);
    o.seed = 8;
    assert_int_equal(argo_market_synth(&o, collect_synth, &c, NULL), 0);
    assert_true(a == b);
    assert_true(a != c);
}

/* market/ reads a file into bars with their lines and touches no store:
 * a repeat is counted and left out, a quoted field spanning lines keeps
 * the file's own line numbers. */
static void a_file_reads_into_bars_with_their_lines(void **state)
{
    (void)state;
    const char *p = csv("lines.csv", HEAD GOOD1 GOOD1 "\"2020-01-03\",10.5,12,10,11,\"2\n00\"\n"
                                                      "2020-01-06,11,12,10,11.5,50\n");
    argo_bar_line *rows;
    size_t n;
    argo_ingest_report r;
    argo_err e;
    assert_int_equal(argo_market_csv_read(p, "L", false, &rows, &n, &r, &e), ARGO_EPARSE);
    assert_null(rows);
    assert_non_null(strstr(e.msg, "lines.csv:4: volume"));
    p = csv("lines.csv", HEAD GOOD1 GOOD1 "\"2020-01-03\",10.5,12,10,11,\"200\"\n"
                                          "2020-01-06,11,12,10,11.5,50\n");
    assert_int_equal(argo_market_csv_read(p, "L", false, &rows, &n, &r, &e), 0);
    assert_int_equal(n, 3);
    assert_int_equal(r.rows, 4);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(r.inserted, 0); /* nothing stored: that is app/'s part */
    assert_int_equal(rows[0].line, 2);
    assert_int_equal(rows[1].line, 4);
    assert_int_equal(rows[2].line, 5);
    assert_true(rows[2].bar.close == 11.5 && rows[1].bar.volume == 200);
    free(rows);
    /* a bad symbol is refused before the file is read */
    assert_int_equal(argo_market_csv_read("/nonexistent.csv", "a b", false, &rows, &n, &r, &e),
                     ARGO_EDATA);
    assert_non_null(strstr(e.msg, "symbol 'a b'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_shipped_series_load_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(every_rule_rejects_the_whole_file_naming_the_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_conflict_with_stored_bars_rejects_the_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(header_variants_are_understood, setup, teardown),
        cmocka_unit_test_setup_teardown(skip_invalid_keeps_the_good_rows_and_counts_the_rest, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_missing_file_is_a_clear_error, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_files_get_one_clear_line, setup, teardown),
        cmocka_unit_test_setup_teardown(header_only_files_create_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(tolerated_forms_load, setup, teardown),
        cmocka_unit_test(the_synthetic_universe_is_valid_and_deterministic),
        cmocka_unit_test(a_file_reads_into_bars_with_their_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
