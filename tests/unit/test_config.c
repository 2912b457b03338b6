/* SPDX-License-Identifier: MIT */
#include "helpers.h"

#include "domain/config.h"

#include <stdio.h>
#include <string.h>

static void defaults_are_valid(void **state)
{
    (void)state;
    argo_config c;
    argo_config_init(&c);
    assert_int_equal(argo_config_validate(&c, NULL), 0);
    assert_int_equal(c.expiry_days, 30);
    assert_true(c.target_atr == 2.0 && c.stop_atr == 1.0);
}

static void a_config_file_overrides_defaults(void **state)
{
    (void)state;
    char p[512];
    th_tmpfile("ok.conf", p, sizeof p);
    th_write(p, "# comment\n[store]\ndb = /tmp/x.db\n[consensus]\nthreshold = 0.4\n"
                "macd_weight = 2\n[signal]\nexpiry_days = 10\n[track]\nfee_bps = 1.5\n");
    argo_config c;
    argo_config_init(&c);
    assert_int_equal(argo_config_load(&c, p, NULL), 0);
    assert_string_equal(c.db, "/tmp/x.db");
    assert_true(c.threshold == 0.4 && c.weight[ARGO_STRAT_MACD] == 2 && c.fee_bps == 1.5);
    assert_int_equal(c.expiry_days, 10);
}

static void expect_bad(const char *text, const char *needle);

/* [store] url names the store; db is its older name, and one of the two
 * may be set, not both; a bad url is reported without its value. */
static void store_url_and_its_older_name_db(void **state)
{
    (void)state;
    char p[512];
    th_tmpfile("url.conf", p, sizeof p);
    th_write(p, "[store]\nurl = postgresql://u:pw@h/argo?schema=s1\n");
    argo_config c;
    argo_config_init(&c);
    assert_int_equal(argo_config_load(&c, p, NULL), 0);
    assert_string_equal(c.db, "postgresql://u:pw@h/argo?schema=s1");
    expect_bad("[store]\nurl = a.db\ndb = b.db\n",
               "[store] db and [store] url (line 2) are two names of one setting");
    expect_bad("[store]\ndb = b.db\nurl = a.db\n",
               "[store] url and [store] db (line 2) are two names of one setting");
    th_tmpfile("bad.conf", p, sizeof p);
    th_write(p, "[store]\nurl = 'postgresql://u:secret@h/argo'\n");
    argo_err e;
    argo_config_init(&c);
    assert_int_equal(argo_config_load(&c, p, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "[store] url = '...': values are written without quotes"));
    assert_null(strstr(e.msg, "secret"));
}

static void expect_bad(const char *text, const char *needle)
{
    char p[512];
    th_tmpfile("bad.conf", p, sizeof p);
    th_write(p, text);
    argo_config c;
    argo_config_init(&c);
    argo_err e;
    assert_int_equal(argo_config_load(&c, p, &e), ARGO_ECONFIG);
    if (!strstr(e.msg, needle))
        fail_msg("'%s' does not mention '%s'", e.msg, needle);
}

static void bad_values_name_the_line_and_key(void **state)
{
    (void)state;
    expect_bad("[signal]\n\nexpiry_days = soon\n", "bad.conf:3: [signal] expiry_days");
    expect_bad("[signal]\nexpiry_days = 0\n", "expiry_days");
    expect_bad("[signal]\ntarget_atr = nan\n", "target_atr");
    expect_bad("[consensus]\nthreshhold = 0.3\n", "unknown key 'threshhold'");
    expect_bad("[indicators]\ntrend_fast = 60\n", "trend_fast (60) must be below trend_slow");
    expect_bad("not an ini line\n", "bad.conf:1:");
    expect_bad("[s3]\nobject_lock = COMPLAINCE\n", "[s3] object_lock = 'COMPLAINCE'");
    expect_bad("[s3]\npart_size_mb = 128\n", "part_size_mb 128 is above multipart_threshold_mb");
    expect_bad("[s3]\npart_size_mb = 4\n", "part_size_mb");
    expect_bad("[s3]\nregion = "
               "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
               "[s3] region: value too long");
}

/* [provider]: each refusal names the key and says what is expected. */
static void provider_settings_are_checked(void **state)
{
    (void)state;
    expect_bad("[provider]\nkind = polygon\n", "[provider] kind = 'polygon': expected alpaca, csv");
    expect_bad("[provider]\nkind = csv\nrest_url = http://h/x.csv\n",
               "[provider] rest_url: kind csv needs a URL template with {symbol}");
    expect_bad("[provider]\nbar_size = 7Min\n", "[provider] bar_size = '7Min'");
    expect_bad("[provider]\nbar_size = 2Day\n", "[provider] bar_size = '2Day'");
    expect_bad("[provider]\nbar_size = Day\n", "[provider] bar_size = 'Day'");
    expect_bad("[provider]\nsession_close = 25:00\n", "[provider] session_close = '25:00'");
    expect_bad("[provider]\nsession_close = 00:00\n", "[provider] session_close = '00:00'");
    expect_bad("[provider]\nhistory_start = 2024-02-30\n", "[provider] history_start");
    expect_bad("[provider]\nsymbols = A\nsymbols_file = s.txt\n", "symbols and symbols_file");
    expect_bad("[provider]\nretry_base_ms = 5000\nretry_cap_ms = 100\n",
               "retry_base_ms (5000) must not be above retry_cap_ms (100)");
    expect_bad("[provider]\npage_limit = 10001\n", "page_limit");
    assert_int_equal(argo_config_bar_seconds("30Min"), 1800);
    assert_int_equal(argo_config_bar_seconds("1Hour"), 3600);
    assert_int_equal(argo_config_bar_seconds("1Day"), 86400);
    assert_int_equal(argo_config_bar_seconds("1440Min"), 86400);
    assert_int_equal(argo_config_bar_seconds("5Hour"), -1);
    assert_int_equal(argo_config_hhmm("24:00"), 86400);
    assert_int_equal(argo_config_hhmm("9:30"), -1);
}

static void hostile_files_name_the_true_line(void **state)
{
    (void)state;
    char text[1024];
    char pad[400];
    memset(pad, 'x', 300);
    pad[300] = '\0';
    snprintf(text, sizeof text, "[archive]\n# %s\n[store]\nbusy_timeout_ms = 1\n", pad);
    expect_bad(text, "bad.conf:2: the line is longer than 198 bytes");
    expect_bad("[store]\nbusy_timeout_ms = 5000ms\n",
               "bad.conf:2: [store] busy_timeout_ms = '5000ms'");
    expect_bad("[store]\nbusy_timeout_ms = 99999999999999999999\n", "busy_timeout_ms");
    expect_bad("[store]\nbusy_timeout_ms = -1\n", "busy_timeout_ms");
    expect_bad("[store]\nbusy_timeout_ms = 0x10\n", "busy_timeout_ms");
    expect_bad("[store]\nbusy_timeout_ms =\n", "bad.conf:2: [store] busy_timeout_ms = ''");
    expect_bad("[track]\nfee_bps = inf\n", "fee_bps");
    expect_bad("[track]\nfee_bps = 0x1p2\n", "fee_bps");
    expect_bad("[track]\nfee_bps = 1\nfee_bps = 2\n",
               "bad.conf:3: [track] fee_bps is set twice (first on line 2)");
    expect_bad("[nosuch]\n", "bad.conf:1: unknown section [nosuch]");
    expect_bad("[track]\nbogus = 1\n\nnot a line\n[signal]\nexpiry_days = x\n",
               "bad.conf:2: unknown key 'bogus'");
    expect_bad("garbage\n[track]\nbogus = 1\n", "bad.conf:1: syntax error");
    expect_bad("[track]\nfee_bps = 1\n  slippage_bps = 2x\n", "bad.conf:3: [track] slippage_bps");
    expect_bad("[archive]\ndir = \"backups\"\n", "without quotes");
    expect_bad("[archive]\ndir = \x1b[31m\n[x\n",
               "bad.conf:2: [archive] dir = '\\x1b[31m': a control");
    expect_bad("[s3]\nregion = \x1b]0;x\n", "bad.conf:2: [s3] region = '\\x1b]0;x'");
    char p[512];
    th_tmpfile("nul.conf", p, sizeof p);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fwrite("[track]\nfee_bps = 1\0002\n", 1, 23, f);
    fclose(f);
    argo_config c;
    argo_config_init(&c);
    argo_err e;
    assert_int_equal(argo_config_load(&c, p, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "nul.conf:2: a NUL byte"));
    assert_int_equal(argo_config_load(&c, th_tmpdir(), &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "is a directory"));
    assert_int_equal(argo_config_load(&c, "", &e), ARGO_ECONFIG);
}

static void tolerated_forms_load(void **state)
{
    (void)state;
    char p[512];
    th_tmpfile("ok.conf", p, sizeof p);
    th_write(p, "\xEF\xBB\xBF[store]\r\n  busy_timeout_ms = 0 ; no wait\r\n[track]\n"
                "\tfee_bps = +1.5e0\n");
    argo_config c;
    argo_config_init(&c);
    argo_err e;
    if (argo_config_load(&c, p, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(c.busy_timeout_ms, 0);
    assert_true(c.fee_bps == 1.5);
}

static void a_missing_config_file_is_an_error(void **state)
{
    (void)state;
    argo_config c;
    argo_config_init(&c);
    argo_err e;
    assert_int_equal(argo_config_load(&c, "/nonexistent/argo.conf", &e), ARGO_ENOENT);
    assert_non_null(strstr(e.msg, "/nonexistent/argo.conf"));
}

static void the_state_fingerprint_follows_strategy_settings_only(void **state)
{
    (void)state;
    argo_config a, b;
    argo_config_init(&a);
    argo_config_init(&b);
    b.fee_bps = 99;
    b.expiry_days = 5;
    assert_true(argo_config_strategy_hash(&a) == argo_config_strategy_hash(&b));
    b.rsi_period = 7;
    assert_true(argo_config_strategy_hash(&a) != argo_config_strategy_hash(&b));
}

/* argo.conf.example documents the defaults: it must load to exactly them. */
static void the_example_config_holds_the_defaults(void **state)
{
    (void)state;
    char p[1024];
    argo_config a, b;
    argo_config_init(&a);
    argo_config_init(&b);
    argo_err e;
    if (argo_config_load(&b, th_src("argo.conf.example", p, sizeof p), &e))
        fail_msg("%s", e.msg);
    assert_memory_equal(&a, &b, sizeof a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_valid),
        cmocka_unit_test(a_config_file_overrides_defaults),
        cmocka_unit_test(store_url_and_its_older_name_db),
        cmocka_unit_test(bad_values_name_the_line_and_key),
        cmocka_unit_test(a_missing_config_file_is_an_error),
        cmocka_unit_test(hostile_files_name_the_true_line),
        cmocka_unit_test(tolerated_forms_load),
        cmocka_unit_test(the_state_fingerprint_follows_strategy_settings_only),
        cmocka_unit_test(the_example_config_holds_the_defaults),
        cmocka_unit_test(provider_settings_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
