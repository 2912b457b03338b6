/* SPDX-License-Identifier: MIT */
/* provider/: settings, credentials, request URLs and cache keys, Alpaca's
 * JSON pages and CSV from memory, without a network (the fetches against
 * the fake server are in test_provider_fetch.c). */
#include "helpers.h"

#include "base/timeutil.h"
#include "market/market.h"
#include "provider/provider_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECRET "s3cr3t-Never-Show"
#define KEYID "KEYID-Never-Show"

static void no_credentials_in(const char *msg)
{
    if (strstr(msg, SECRET) || strstr(msg, KEYID))
        fail_msg("a credential appears in '%s'", msg);
}

static void clear_env(void)
{
    unsetenv("APCA_API_KEY_ID");
    unsetenv("APCA_API_SECRET_KEY");
}

/* ---- settings ---- */

static void alpaca_defaults_are_the_documented_ones(void **state)
{
    (void)state;
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_ALPACA);
    assert_string_equal(c.rest_url, "https://data.alpaca.markets");
    assert_string_equal(c.stream_url, "wss://stream.data.alpaca.markets/v2/iex");
    assert_string_equal(c.feed, "iex");
    assert_string_equal(c.adjustment, "raw");
    assert_int_equal(c.batch_symbols, 100);
    assert_int_equal(c.page_limit, 10000);
    assert_int_equal(c.bar_seconds, 86400);
    assert_string_equal(c.credentials_file, "");
    argo_http_policy d;
    argo_http_policy_init(&d);
    assert_memory_equal(&c.http, &d, sizeof d);
    assert_int_equal(argo_provider_config_validate(&c, NULL), 0);
}

static void csv_defaults_need_a_template(void **state)
{
    (void)state;
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_CSV);
    assert_int_equal(c.batch_symbols, 1);
    argo_err e;
    assert_int_equal(argo_provider_config_validate(&c, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "[provider] rest_url"));
    snprintf(c.rest_url, sizeof c.rest_url, "http://example.org/data/{symbol}.csv");
    assert_int_equal(argo_provider_config_validate(&c, &e), 0);
    snprintf(c.rest_url, sizeof c.rest_url, "http://example.org/data/all.csv");
    assert_int_equal(argo_provider_config_validate(&c, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "{symbol}"));
}

static void expect_bad(argo_provider_config *c, const char *key)
{
    argo_err e;
    assert_int_equal(argo_provider_config_validate(c, &e), ARGO_ECONFIG);
    if (!strstr(e.msg, key))
        fail_msg("'%s' should name '%s'", e.msg, key);
    argo_provider_config_init(c, c->kind);
}

static void bad_settings_name_their_key(void **state)
{
    (void)state;
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_ALPACA);
    snprintf(c.rest_url, sizeof c.rest_url, "ftp://data.alpaca.markets");
    expect_bad(&c, "[provider] rest_url");
    snprintf(c.rest_url, sizeof c.rest_url, "https://");
    expect_bad(&c, "[provider] rest_url");
    snprintf(c.stream_url, sizeof c.stream_url, "https://stream.data.alpaca.markets/v2/iex");
    expect_bad(&c, "[provider] stream_url");
    snprintf(c.feed, sizeof c.feed, "otc");
    expect_bad(&c, "[provider] feed");
    snprintf(c.adjustment, sizeof c.adjustment, "none");
    expect_bad(&c, "[provider] adjustment");
    c.page_limit = 0;
    expect_bad(&c, "[provider] page_limit");
    c.page_limit = 10001;
    expect_bad(&c, "[provider] page_limit");
    c.batch_symbols = 0;
    expect_bad(&c, "[provider] batch_symbols");
    c.bar_seconds = 90 * 60; /* 90Min: not a timeframe Alpaca has */
    expect_bad(&c, "[provider] bar_seconds");
    c.bar_seconds = 7 * 60; /* does not divide a day */
    expect_bad(&c, "[provider] bar_seconds");
    c.http.retries = -1;
    expect_bad(&c, "[provider] retries");
    c.http.timeout_s = 0;
    expect_bad(&c, "[provider] timeout_s");
    c.kind = ARGO_PROVIDER_NONE;
    argo_err e;
    assert_int_equal(argo_provider_config_validate(&c, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "[provider] kind"));
    argo_provider_config_init(&c, ARGO_PROVIDER_ALPACA);
    const int64_t ok[] = {60, 300, 1800, 3600, 4 * 3600, 86400};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        c.bar_seconds = ok[i];
        assert_int_equal(argo_provider_config_validate(&c, NULL), 0);
    }
}

/* ---- credentials ---- */

static void credentials_come_from_the_environment(void **state)
{
    (void)state;
    setenv("APCA_API_KEY_ID", KEYID, 1);
    setenv("APCA_API_SECRET_KEY", SECRET, 1);
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_ALPACA);
    argo_provider *p;
    argo_err e;
    assert_int_equal(argo_provider_open(&c, &p, &e), 0);
    assert_string_equal(p->key_id, KEYID);
    assert_string_equal(p->secret_key, SECRET);
    argo_provider_free(p);
    clear_env();
}

static void credentials_come_from_the_file(void **state)
{
    (void)state;
    clear_env();
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_ALPACA);
    th_tmpfile("alpaca.ini", c.credentials_file, sizeof c.credentials_file);
    th_write(c.credentials_file,
             "; Alpaca paper account\nkey_id = " KEYID "\nsecret_key = " SECRET "\n");
    argo_provider *p;
    argo_err e;
    assert_int_equal(argo_provider_open(&c, &p, &e), 0);
    assert_string_equal(p->key_id, KEYID);
    assert_string_equal(p->secret_key, SECRET);
    argo_provider_free(p);
    /* the environment wins over the file */
    setenv("APCA_API_KEY_ID", "K2", 1);
    setenv("APCA_API_SECRET_KEY", "S2", 1);
    assert_int_equal(argo_provider_open(&c, &p, &e), 0);
    assert_string_equal(p->key_id, "K2");
    argo_provider_free(p);
    clear_env();
}

static void missing_credentials_say_where_they_were_looked_for(void **state)
{
    (void)state;
    clear_env();
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_ALPACA);
    argo_provider *p = (argo_provider *)&c;
    argo_err e;
    assert_int_equal(argo_provider_open(&c, &p, &e), ARGO_ECONFIG);
    assert_null(p);
    assert_non_null(strstr(e.msg, "APCA_API_KEY_ID"));
    assert_non_null(strstr(e.msg, "credentials_file"));

    th_tmpfile("nowhere.ini", c.credentials_file, sizeof c.credentials_file);
    remove(c.credentials_file);
    assert_int_equal(argo_provider_open(&c, &p, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, c.credentials_file));

    /* a secret without its key id: the message names the file, not the secret */
    th_write(c.credentials_file, "secret_key = " SECRET "\n");
    assert_int_equal(argo_provider_open(&c, &p, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "key_id"));
    no_credentials_in(e.msg);
    th_write(c.credentials_file, "key_id = " KEYID "\nsecret_key " SECRET "\n");
    assert_int_equal(argo_provider_open(&c, &p, &e), ARGO_ECONFIG);
    assert_non_null(strstr(e.msg, "not INI"));
    no_credentials_in(e.msg);
    /* only one of the two variables: the file is still looked at */
    setenv("APCA_API_KEY_ID", KEYID, 1);
    th_write(c.credentials_file, "\n");
    assert_int_equal(argo_provider_open(&c, &p, &e), ARGO_ECONFIG);
    no_credentials_in(e.msg);
    clear_env();
    remove(c.credentials_file);
}

static void the_csv_provider_needs_no_credentials(void **state)
{
    (void)state;
    clear_env();
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_CSV);
    snprintf(c.rest_url, sizeof c.rest_url, "http://127.0.0.1:1/csv/{symbol}.csv");
    argo_provider *p;
    assert_int_equal(argo_provider_open(&c, &p, NULL), 0);
    argo_provider_free(p);
}

/* ---- URLs and cache keys ---- */

static argo_provider *alpaca(void)
{
    setenv("APCA_API_KEY_ID", KEYID, 1);
    setenv("APCA_API_SECRET_KEY", SECRET, 1);
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_ALPACA);
    snprintf(c.rest_url, sizeof c.rest_url, "http://127.0.0.1:9/");
    argo_provider *p;
    assert_int_equal(argo_provider_open(&c, &p, NULL), 0);
    clear_env();
    return p;
}

static void the_url_asks_for_every_symbol_in_one_request(void **state)
{
    (void)state;
    argo_provider *p = alpaca();
    const char *syms[] = {"AAPL", "BRK.B", "^GSPC"};
    argo_provider_batch b = {.symbols = syms, .nsymbols = 3, .end = INT64_MAX};
    assert_int_equal(argo_time_parse("2024-01-02", &b.start), 0);
    char url[2048];
    argo_err e;
    assert_int_equal(argo_alpaca_url(p, &b, NULL, url, sizeof url, &e), 0);
    assert_string_equal(url, "http://127.0.0.1:9/v2/stocks/bars?symbols=AAPL,BRK.B,%5EGSPC"
                             "&timeframe=1Day&start=2024-01-02T00:00:00Z&limit=10000&feed=iex"
                             "&adjustment=raw&sort=asc");
    assert_int_equal(argo_provider_cache_key(p, &b, &e), 0);
    assert_string_equal(b.cache_key, url);
    assert_int_equal(argo_time_parse("2024-03-01T20:00:00Z", &b.end), 0);
    b.minutes = true;
    assert_int_equal(argo_alpaca_url(p, &b, "a+b/c=", url, sizeof url, &e), 0);
    assert_string_equal(url, "http://127.0.0.1:9/v2/stocks/bars?symbols=AAPL,BRK.B,%5EGSPC"
                             "&timeframe=1Min&start=2024-01-02T00:00:00Z"
                             "&end=2024-03-01T20:00:00Z&limit=10000&feed=iex"
                             "&adjustment=raw&sort=asc&page_token=a%2Bb%2Fc%3D");
    no_credentials_in(url);
    /* daily bars: from start's UTC midnight to the end of end's UTC day */
    b.minutes = false;
    assert_int_equal(argo_time_parse("2024-01-02T12:00:00Z", &b.start), 0);
    assert_int_equal(argo_time_parse("2024-03-01", &b.end), 0);
    assert_int_equal(argo_alpaca_url(p, &b, NULL, url, sizeof url, &e), 0);
    assert_non_null(strstr(url, "&start=2024-01-02T00:00:00Z&end=2024-03-01T23:59:59Z&"));
    /* the cache key is the first page's, without the token */
    assert_int_equal(argo_provider_cache_key(p, &b, &e), 0);
    assert_null(strstr(b.cache_key, "page_token"));
    argo_provider_free(p);
}

static void the_timeframe_follows_the_bar_size(void **state)
{
    (void)state;
    argo_provider *p = alpaca();
    argo_provider_batch b = {0};
    char tf[16];
    assert_string_equal(argo_alpaca_timeframe(p, &b, tf, sizeof tf), "1Day");
    p->cfg.bar_seconds = 1800;
    assert_string_equal(argo_alpaca_timeframe(p, &b, tf, sizeof tf), "30Min");
    p->cfg.bar_seconds = 3600;
    assert_string_equal(argo_alpaca_timeframe(p, &b, tf, sizeof tf), "1Hour");
    p->cfg.bar_seconds = 4 * 3600;
    assert_string_equal(argo_alpaca_timeframe(p, &b, tf, sizeof tf), "4Hour");
    b.minutes = true;
    assert_string_equal(argo_alpaca_timeframe(p, &b, tf, sizeof tf), "1Min");
    argo_provider_free(p);
}

static void a_url_too_long_or_a_bad_symbol_is_refused(void **state)
{
    (void)state;
    argo_provider *p = alpaca();
    static char names[200][16];
    const char *syms[200];
    for (int i = 0; i < 200; i++) {
        snprintf(names[i], sizeof names[i], "SYMBOL%04d", i);
        syms[i] = names[i];
    }
    argo_provider_batch b = {.symbols = syms, .nsymbols = 200, .end = INT64_MAX};
    argo_err e;
    assert_int_equal(argo_provider_cache_key(p, &b, &e), ARGO_ELIMIT);
    assert_non_null(strstr(e.msg, "batch_symbols"));
    const char *bad[] = {"AA PL"};
    b.symbols = bad;
    b.nsymbols = 1;
    assert_int_equal(argo_provider_cache_key(p, &b, &e), ARGO_EINVAL);
    assert_non_null(strstr(e.msg, "AA PL"));
    b.nsymbols = 0;
    assert_int_equal(argo_provider_cache_key(p, &b, &e), ARGO_EINVAL);
    argo_provider_free(p);
}

static void the_csv_url_fills_the_template(void **state)
{
    (void)state;
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_CSV);
    snprintf(c.rest_url, sizeof c.rest_url, "http://h/csv/{symbol}.csv?s={symbol}");
    argo_provider *p;
    assert_int_equal(argo_provider_open(&c, &p, NULL), 0);
    const char *syms[] = {"^GSPC"};
    argo_provider_batch b = {.symbols = syms, .nsymbols = 1, .end = INT64_MAX};
    assert_int_equal(argo_provider_cache_key(p, &b, NULL), 0);
    assert_string_equal(b.cache_key, "http://h/csv/%5EGSPC.csv?s=%5EGSPC");
    argo_provider_free(p);
}

/* ---- the rate limit: no call left ---- */

static bool cancel_now(void *ctx)
{
    (void)ctx;
    return true;
}

static int no_bars(void *ctx, const char *symbol, const argo_bar *bars, size_t n, const char *where)
{
    (void)ctx, (void)symbol, (void)bars, (void)n, (void)where;
    fail_msg("no bars expected");
    return -1;
}

static void no_call_left_and_a_long_reset_is_a_limit(void **state)
{
    (void)state;
    argo_provider *p = alpaca();
    const char *syms[] = {"AAPL"};
    argo_provider_batch b = {.symbols = syms, .nsymbols = 1, .end = INT64_MAX};
    p->rl_remaining = 0;
    p->rl_reset = (int64_t)time(NULL) + p->cfg.http.retry_after_max_s + 60;
    argo_err e;
    assert_int_equal(argo_provider_fetch(p, &b, no_bars, NULL, &e), ARGO_ELIMIT);
    assert_non_null(strstr(e.msg, "rate limit"));
    assert_non_null(strstr(e.msg, "retry_after_max_s"));
    assert_int_equal(b.calls, 0);
    /* and the next batch too, without a call */
    assert_int_equal(argo_provider_fetch(p, &b, no_bars, NULL, &e), ARGO_ELIMIT);
    assert_int_equal(b.calls, 0);
    /* a short one is waited for, unless cancelled */
    p->rl_remaining = 0;
    p->rl_reset = (int64_t)time(NULL) + 30;
    argo_provider_set_hooks(p, NULL, cancel_now, NULL);
    assert_int_equal(argo_provider_fetch(p, &b, no_bars, NULL, &e), ARGO_ECANCELED);
    assert_int_equal(b.calls, 0);
    argo_provider_free(p);
}

/* ---- Alpaca's pages ---- */

typedef struct got {
    int calls;
    char sym[8][16];
    argo_bar bars[8][16];
    size_t n[8];
    int nsym;
    char where[256];
} got;

static int collect(void *ctx, const char *symbol, const argo_bar *bars, size_t n, const char *where)
{
    got *g = ctx;
    g->calls++;
    snprintf(g->where, sizeof g->where, "%s", where);
    int k = 0;
    while (k < g->nsym && strcmp(g->sym[k], symbol))
        k++;
    if (k == g->nsym)
        snprintf(g->sym[g->nsym++], 16, "%s", symbol);
    for (size_t i = 0; i < n; i++)
        g->bars[k][g->n[k]++] = bars[i];
    return 0;
}

static const char *PAGE1 =
    "{\"bars\":{\"AAPL\":["
    "{\"t\":\"2024-01-02T05:00:00Z\",\"o\":187.15,\"h\":188.44,\"l\":183.885,\"c\":185.64,"
    "\"v\":82488674,\"n\":1009074,\"vw\":185.9465},"
    "{\"t\":\"2024-01-03T05:00:00Z\",\"o\":184.22,\"h\":185.88,\"l\":183.43,\"c\":184.25,"
    "\"v\":58414460,\"n\":656956,\"vw\":184.3226}],"
    "\"MSFT\":[{\"t\":\"2024-07-01T04:00:00Z\",\"o\":448,\"h\":457,\"l\":445,\"c\":456.73,"
    "\"v\":17662800}]},"
    "\"next_page_token\":null}";

static argo_alpaca_pages pages(const char *const *syms, size_t n, int64_t *last)
{
    for (size_t i = 0; i < n; i++)
        last[i] = INT64_MIN;
    return (argo_alpaca_pages){.symbols = syms,
                               .nsymbols = n,
                               .last_ts = last,
                               .start = 0,
                               .end = INT64_MAX,
                               .bar_seconds = 86400,
                               .what = "GET http://x/v2/stocks/bars [AAPL,MSFT]",
                               .page = 1};
}

static void a_good_page_gives_validated_bars_at_utc_midnight(void **state)
{
    (void)state;
    const char *syms[] = {"AAPL", "MSFT"};
    int64_t last[2];
    argo_alpaca_pages pg = pages(syms, 2, last);
    got g = {0};
    argo_err e;
    assert_int_equal(argo_alpaca_parse_page(&pg, PAGE1, strlen(PAGE1), collect, &g, &e), 0);
    assert_string_equal(pg.next_token, "");
    assert_int_equal(g.nsym, 2);
    assert_string_equal(g.sym[0], "AAPL");
    assert_int_equal(g.n[0], 2);
    int64_t d;
    argo_time_parse("2024-01-02", &d); /* 05:00Z: New York's midnight in winter */
    assert_int_equal(g.bars[0][0].ts, d);
    assert_true(g.bars[0][0].open == 187.15 && g.bars[0][0].low == 183.885 &&
                g.bars[0][0].volume == 82488674);
    argo_time_parse("2024-07-01", &d); /* 04:00Z: in summer */
    assert_int_equal(g.bars[1][0].ts, d);
    assert_true(g.bars[1][0].open == 448 && g.bars[1][0].close == 456.73);
    assert_string_equal(g.where, "GET http://x/v2/stocks/bars [AAPL,MSFT] page 1");
}

static void a_symbol_runs_on_over_the_next_page(void **state)
{
    (void)state;
    const char *syms[] = {"AAPL"};
    int64_t last[1];
    argo_alpaca_pages pg = pages(syms, 1, last);
    got g = {0};
    const char *p1 = "{\"bars\":{\"AAPL\":[{\"t\":\"2024-01-02T05:00:00Z\",\"o\":1,\"h\":2,\"l\":1,"
                     "\"c\":2,\"v\":5}]},\"next_page_token\":\"QUFQTHwyMDI0\"}";
    const char *p2 = "{\"bars\":{\"AAPL\":[{\"t\":\"2024-01-03T05:00:00Z\",\"o\":2,\"h\":3,\"l\":2,"
                     "\"c\":3,\"v\":5}]},\"next_page_token\":null}";
    assert_int_equal(argo_alpaca_parse_page(&pg, p1, strlen(p1), collect, &g, NULL), 0);
    assert_string_equal(pg.next_token, "QUFQTHwyMDI0");
    pg.page = 2;
    assert_int_equal(argo_alpaca_parse_page(&pg, p2, strlen(p2), collect, &g, NULL), 0);
    assert_string_equal(pg.next_token, "");
    assert_int_equal(g.n[0], 2);
    assert_true(g.bars[0][1].ts > g.bars[0][0].ts);
    /* the same bar again on a third page: not after the last one */
    argo_err e;
    pg.page = 3;
    assert_int_equal(argo_alpaca_parse_page(&pg, p2, strlen(p2), collect, &g, &e), ARGO_EDATA);
    assert_non_null(strstr(e.msg, "page 3: AAPL bar 1: 2024-01-03 is not after"));
    assert_int_equal(g.calls, 2);
}

static void expect_page_error(const char *body, int code, const char *needle)
{
    const char *syms[] = {"AAPL", "MSFT"};
    int64_t last[2];
    argo_alpaca_pages pg = pages(syms, 2, last);
    got g = {0};
    argo_err e;
    assert_int_equal(argo_alpaca_parse_page(&pg, body, strlen(body), collect, &g, &e), code);
    if (!strstr(e.msg, needle) || strncmp(e.msg, pg.what, strlen(pg.what)))
        fail_msg("'%s' should start with the request and say '%s'", e.msg, needle);
    assert_int_equal(g.calls, 0); /* nothing of a bad page is handed on */
    assert_string_equal(pg.next_token, "");
}

#define BAR(t, o) "{\"t\":\"" t "\",\"o\":" o ",\"h\":2,\"l\":1,\"c\":1.5,\"v\":10}"

static void bad_pages_are_refused_whole_with_where_and_why(void **state)
{
    (void)state;
    expect_page_error("{\"bars\":{\"AAPL\":[" BAR("2024-01-02T05:00:00Z", "1") ",", ARGO_EPARSE,
                      "page 1: not JSON");
    expect_page_error("[1,2]", ARGO_EPARSE, "not a JSON object");
    expect_page_error("{\"next_page_token\":null}", ARGO_EPARSE, "no \"bars\"");
    expect_page_error("{\"bars\":{},\"next_page_token\":5}", ARGO_EPARSE, "next_page_token");
    /* the first symbol is good, the second has a bad price: neither is handed on */
    expect_page_error("{\"bars\":{\"AAPL\":[" BAR("2024-01-02T05:00:00Z", "1") "],\"MSFT\":[" BAR(
                          "2024-01-02T05:00:00Z", "1") "," BAR("2024-01-03T05:00:00Z", "-1") "]}}",
                      ARGO_EDATA, "page 1: MSFT bar 2: open -1 is not a finite price > 0");
    expect_page_error("{\"bars\":{\"AAPL\":[" BAR("2024-01-02T05:00:00Z", "3") "]}}", ARGO_EDATA,
                      "AAPL bar 1: high 2 is below");
    expect_page_error("{\"bars\":{\"AAPL\":[" BAR("2024-01-03T05:00:00Z",
                                                  "1") "," BAR("2024-01-02T05:00:00Z", "1") "]}}",
                      ARGO_EDATA,
                      "AAPL bar 2: 2024-01-02 is not after the previous bar's 2024-01-03");
    expect_page_error("{\"bars\":{\"AAPL\":[" BAR("2024-01-02T05:00:00Z",
                                                  "1") "," BAR("2024-01-02T04:00:00Z", "1") "]}}",
                      ARGO_EDATA, "AAPL bar 2: 2024-01-02 is not after");
    expect_page_error("{\"bars\":{\"TSLA\":[" BAR("2024-01-02T05:00:00Z", "1") "]}}", ARGO_EDATA,
                      "symbol 'TSLA', not asked for");
    expect_page_error("{\"bars\":{\"AAPL\":[{\"t\":\"2024-01-02T05:00:00Z\",\"o\":1,\"h\":2,"
                      "\"l\":1,\"v\":3}]}}",
                      ARGO_EPARSE, "AAPL bar 1: no \"c\"");
    expect_page_error("{\"bars\":{\"AAPL\":[{\"t\":\"2024-01-02T05:00:00Z\",\"o\":\"1\",\"h\":2,"
                      "\"l\":1,\"c\":1,\"v\":3}]}}",
                      ARGO_EPARSE, "AAPL bar 1: \"o\" is not a number");
    expect_page_error("{\"bars\":{\"AAPL\":[" BAR("2024-01-02T05:00:00+05:00", "1") "]}}",
                      ARGO_EPARSE, "AAPL bar 1: t '2024-01-02T05:00:00+05:00' is");
    expect_page_error("{\"bars\":{\"AAPL\":[" BAR("2024-01-02T05:00:00Z", "1") "],\"AAPL\":[]}}",
                      ARGO_EPARSE, "not JSON");
    expect_page_error("{\"bars\":{\"AAPL\":{}}}", ARGO_EPARSE, "AAPL: bars are not a JSON array");
}

static void minute_bars_keep_their_minute(void **state)
{
    (void)state;
    const char *syms[] = {"AAPL"};
    int64_t last[1];
    argo_alpaca_pages pg = pages(syms, 1, last);
    pg.bar_seconds = 60;
    got g = {0};
    const char *ok = "{\"bars\":{\"AAPL\":[" BAR("2024-01-02T14:30:00Z",
                                                 "1") "," BAR("2024-01-02T14:31:00Z", "1") "]}}";
    assert_int_equal(argo_alpaca_parse_page(&pg, ok, strlen(ok), collect, &g, NULL), 0);
    int64_t t;
    argo_time_parse("2024-01-02T14:30:00Z", &t);
    assert_int_equal(g.bars[0][0].ts, t);
    pg = pages(syms, 1, last);
    pg.bar_seconds = 60;
    const char *bad = "{\"bars\":{\"AAPL\":[" BAR("2024-01-02T14:30:30Z", "1") "]}}";
    argo_err e;
    assert_int_equal(argo_alpaca_parse_page(&pg, bad, strlen(bad), collect, &g, &e), ARGO_EDATA);
    assert_non_null(strstr(e.msg, "not a whole minute"));
}

static void bars_outside_the_batch_are_left_out(void **state)
{
    (void)state;
    const char *syms[] = {"AAPL", "MSFT"};
    int64_t last[2];
    argo_alpaca_pages pg = pages(syms, 2, last);
    argo_time_parse("2024-01-03", &pg.start);
    got g = {0};
    assert_int_equal(argo_alpaca_parse_page(&pg, PAGE1, strlen(PAGE1), collect, &g, NULL), 0);
    assert_int_equal(g.n[0], 1);
    assert_int_equal(g.bars[0][0].ts, pg.start);
    const char *empty = "{\"bars\":{},\"next_page_token\":null}";
    got g2 = {0};
    assert_int_equal(argo_alpaca_parse_page(&pg, empty, strlen(empty), collect, &g2, NULL), 0);
    assert_int_equal(g2.calls, 0);
}

/* ---- CSV from memory: argo ingest's rules ---- */

static void csv_same_as_file(const char *text, int want_rc, size_t want_n)
{
    char path[512];
    th_tmpfile("mem.csv", path, sizeof path);
    th_write(path, text);
    argo_bar_line *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    argo_ingest_report ra, rb;
    argo_err ea, eb;
    int rca = argo_market_csv_read(path, "X", false, &a, &na, &ra, &ea);
    int rcb = argo_market_csv_parse(path, text, strlen(text), "X", false, &b, &nb, &rb, &eb);
    assert_int_equal(rca, want_rc);
    assert_int_equal(rcb, want_rc);
    if (rca)
        assert_string_equal(ea.msg, eb.msg);
    assert_int_equal(na, want_n);
    assert_int_equal(nb, want_n);
    if (na)
        assert_memory_equal(a, b, na * sizeof *a);
    free(a);
    free(b);
}

static void csv_from_memory_reads_every_header_style(void **state)
{
    (void)state;
    csv_same_as_file("date,open,high,low,close,volume\n2020-01-02,10,11,9,10.5,100\n"
                     "2020-01-03,10.5,12,10,11,200\n",
                     0, 2);
    csv_same_as_file("Date,Open,High,Low,Close,Adj Close,Volume\r\n"
                     "2020-01-02,10,11,9,10.5,10.4,100\r\n",
                     0, 1);
    csv_same_as_file("\xEF\xBB\xBFtimestamp,volume,close,low,high,open\n"
                     "2020-01-02T14:30:00Z,100,10.5,9,11,10\n",
                     0, 1);
    csv_same_as_file("DateTime,OPEN,HIGH,LOW,CLOSE,VOLUME\r2020-01-02 00:00:00,10,11,9,10.5,1\r", 0,
                     1);
    csv_same_as_file("time,open,high,low,close,volume\n\"2020-01-02\",\"10\",11,9,10.5,100\n", 0,
                     1);
    /* and the same errors, naming the source and the line */
    csv_same_as_file("date,open,high,low,close,volume\n2020-01-02,10,11,9,10.5,100\n"
                     "2020-01-03,-1,12,10,11,200\n",
                     ARGO_EDATA, 0);
    csv_same_as_file("date,open,high,low,close\n2020-01-02,10,11,9,10.5\n", ARGO_EPARSE, 0);
    csv_same_as_file("date,open,high,low,close,volume\n", ARGO_EDATA, 0);
    csv_same_as_file("", ARGO_EPARSE, 0);
    csv_same_as_file("date,open,high,low,close,volume\n2020-01-02,1\"0,11,9,10.5,100\n",
                     ARGO_EPARSE, 0);
    argo_bar_line *rows;
    size_t n;
    argo_ingest_report rep;
    argo_err e;
    const char *bad = "date,open,high,low,close,volume\n2020-01-02,10,11,9,10.5,100\n"
                      "2020-01-01,10,11,9,10.5,100\n";
    assert_int_equal(argo_market_csv_parse("http://h/csv/X.csv", bad, strlen(bad), "X", false,
                                           &rows, &n, &rep, &e),
                     ARGO_EDATA);
    assert_string_equal(e.msg, "http://h/csv/X.csv:3: 2020-01-01 is not after line 2's date "
                               "2020-01-02");
    assert_null(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alpaca_defaults_are_the_documented_ones),
        cmocka_unit_test(csv_defaults_need_a_template),
        cmocka_unit_test(bad_settings_name_their_key),
        cmocka_unit_test(credentials_come_from_the_environment),
        cmocka_unit_test(credentials_come_from_the_file),
        cmocka_unit_test(missing_credentials_say_where_they_were_looked_for),
        cmocka_unit_test(the_csv_provider_needs_no_credentials),
        cmocka_unit_test(the_url_asks_for_every_symbol_in_one_request),
        cmocka_unit_test(the_timeframe_follows_the_bar_size),
        cmocka_unit_test(a_url_too_long_or_a_bad_symbol_is_refused),
        cmocka_unit_test(the_csv_url_fills_the_template),
        cmocka_unit_test(no_call_left_and_a_long_reset_is_a_limit),
        cmocka_unit_test(a_good_page_gives_validated_bars_at_utc_midnight),
        cmocka_unit_test(a_symbol_runs_on_over_the_next_page),
        cmocka_unit_test(bad_pages_are_refused_whole_with_where_and_why),
        cmocka_unit_test(minute_bars_keep_their_minute),
        cmocka_unit_test(bars_outside_the_batch_are_left_out),
        cmocka_unit_test(csv_from_memory_reads_every_header_style),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
