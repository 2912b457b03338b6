/* SPDX-License-Identifier: MIT */
/* provider/ against the fake Alpaca server (tests/provider/fake_alpaca.py,
 * written from Alpaca's documentation, not from argo's code): years of
 * history in pages, 304s, 429 with Retry-After, 500s, the rate limit's
 * wait, bad answers, bad credentials, the call budget, and the CSV
 * source. Each server picks its own ports and is killed at the end (and
 * exits by itself after --max-seconds). */
#include "helpers.h"

#include "base/timeutil.h"
#include "http/http.h"
#include "provider/provider.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEY "test-key"
#define SECRET "test-secret-Never-Show"

typedef struct server {
    pid_t pid;
    int rest;
    char base[64];
} server;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *data_dir(void)
{
    static char dir[512];
    if (dir[0])
        return dir;
    th_tmpfile("fakedata", dir, sizeof dir);
    char cmd[2048], src[1024];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp '%s'/MSFT.csv '%s'/TTRC.csv '%s'/", dir,
             th_src("data/market", src, sizeof src), src, dir);
    assert_int_equal(system(cmd), 0);
    return dir;
}

/* Starts the fake with extra arguments (NULL-terminated); waits for its
 * port file (10 s at most). */
static void start(server *s, const char *const *extra)
{
    char script[1024], portfile[512];
    th_src("tests/provider/fake_alpaca.py", script, sizeof script);
    static int n;
    char name[64];
    snprintf(name, sizeof name, "ports%d.json", n++);
    th_tmpfile(name, portfile, sizeof portfile);
    remove(portfile);
    const char *argv[32] = {"/usr/bin/python3", script,   "--data",        data_dir(),
                            "--portfile",       portfile, "--key",         KEY,
                            "--secret",         SECRET,   "--max-seconds", "120"};
    int k = 12;
    for (int i = 0; extra && extra[i]; i++)
        argv[k++] = extra[i];
    argv[k] = NULL;
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    double until = now_s() + 10;
    json_t *j = NULL;
    while (!j && now_s() < until) {
        j = json_load_file(portfile, 0, NULL);
        if (!j)
            usleep(20000);
    }
    if (!j)
        fail_msg("the fake server wrote no port file in 10 s");
    s->rest = (int)json_integer_value(json_object_get(j, "rest"));
    json_decref(j);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->rest);
}

static void stop(server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
}

/* POST /control/NAME with a JSON body. */
static void control(const server *s, const char *name, const char *json)
{
    argo_http_policy pol;
    argo_http_policy_init(&pol);
    argo_http *h;
    assert_int_equal(argo_http_new(&pol, &h, NULL), 0);
    char url[256];
    snprintf(url, sizeof url, "%s/control/%s", s->base, name);
    argo_http_header hd[] = {{"Content-Type", "application/json"}};
    argo_http_request rq = {.method = "POST",
                            .url = url,
                            .headers = hd,
                            .nheaders = 1,
                            .body = (const uint8_t *)json,
                            .len = strlen(json),
                            .what = "control"};
    argo_http_response r;
    argo_err e;
    int rc = argo_http_perform(h, &rq, &r, &e);
    if (rc || r.status != 200)
        fail_msg("control %s: %d %ld %s", name, rc, r.status, rc ? e.msg : (char *)r.body);
    argo_http_response_free(&r);
    argo_http_free(h);
}

static argo_provider *open_alpaca(const server *s, int page_limit)
{
    setenv("APCA_API_KEY_ID", KEY, 1);
    setenv("APCA_API_SECRET_KEY", SECRET, 1);
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_ALPACA);
    snprintf(c.rest_url, sizeof c.rest_url, "%s", s->base);
    c.page_limit = page_limit;
    c.http.base_ms = 10;
    c.http.cap_ms = 50;
    c.http.timeout_s = 5;
    c.http.retry_after_max_s = 5;
    argo_provider *p;
    argo_err e;
    if (argo_provider_open(&c, &p, &e))
        fail_msg("open: %s", e.msg);
    unsetenv("APCA_API_KEY_ID");
    unsetenv("APCA_API_SECRET_KEY");
    return p;
}

/* What a fetch handed on, per symbol. */
typedef struct got {
    char sym[4][16];
    argo_bar *bars[4];
    size_t n[4], cap[4];
    int nsym, calls;
} got;

static int collect(void *ctx, const char *symbol, const argo_bar *bars, size_t n, const char *where)
{
    got *g = ctx;
    assert_non_null(where);
    g->calls++;
    int k = 0;
    while (k < g->nsym && strcmp(g->sym[k], symbol))
        k++;
    if (k == g->nsym) {
        assert_true(g->nsym < 4);
        snprintf(g->sym[g->nsym++], 16, "%s", symbol);
    }
    if (g->n[k] + n > g->cap[k]) {
        g->cap[k] = (g->n[k] + n) * 2;
        g->bars[k] = realloc(g->bars[k], g->cap[k] * sizeof(argo_bar));
    }
    memcpy(g->bars[k] + g->n[k], bars, n * sizeof *bars);
    g->n[k] += n;
    return 0;
}

static void got_free(got *g)
{
    for (int i = 0; i < 4; i++)
        free(g->bars[i]);
    memset(g, 0, sizeof *g);
}

static const argo_bar *got_of(const got *g, const char *sym, size_t *n)
{
    for (int k = 0; k < g->nsym; k++)
        if (!strcmp(g->sym[k], sym)) {
            *n = g->n[k];
            return g->bars[k];
        }
    *n = 0;
    return NULL;
}

static void equals_file(const got *g, const char *sym, size_t from)
{
    size_t nf, ng;
    argo_bar *f = th_market_bars(sym, &nf);
    const argo_bar *b = got_of(g, sym, &ng);
    assert_int_equal(ng, nf - from);
    for (size_t i = 0; i < ng; i++)
        if (memcmp(&b[i], &f[from + i], sizeof *b)) {
            char t[32];
            fail_msg("%s bar %zu (%s) differs from the file's", sym, i,
                     argo_time_format(b[i].ts, t, sizeof t));
        }
    free(f);
}

static server srv;

static int group_setup(void **state)
{
    (void)state;
    start(&srv, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    stop(&srv);
    return 0;
}

static const char *const both[] = {"MSFT", "TTRC"};

static void years_of_history_come_in_pages_equal_to_the_files(void **state)
{
    (void)state;
    argo_provider *p = open_alpaca(&srv, 1000);
    argo_provider_batch b = {.symbols = both, .nsymbols = 2, .start = 0, .end = INT64_MAX};
    got g = {0};
    argo_err e;
    int rc = argo_provider_fetch(p, &b, collect, &g, &e);
    if (rc)
        fail_msg("%s", e.msg);
    assert_int_equal(b.calls, 6); /* 5,799 bars, 1,000 a page */
    assert_false(b.not_modified);
    assert_string_equal(b.etag, ""); /* several pages: nothing to cache */
    assert_string_equal(b.last_modified, "");
    assert_true(b.bytes > 0);
    assert_true(b.ratelimit_remaining >= 0);
    equals_file(&g, "MSFT", 0);
    equals_file(&g, "TTRC", 0);
    got_free(&g);
    argo_provider_free(p);
}

static void an_unchanged_answer_is_a_304_and_nothing_is_parsed(void **state)
{
    (void)state;
    argo_provider *p = open_alpaca(&srv, 10000);
    argo_provider_batch b = {.symbols = both, .nsymbols = 2, .end = INT64_MAX};
    assert_int_equal(argo_time_parse("2001-06-01", &b.start), 0);
    got g = {0};
    argo_err e;
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), 0);
    assert_int_equal(b.calls, 1);
    assert_true(b.etag[0] && b.last_modified[0]);
    char key[2048];
    snprintf(key, sizeof key, "%s", b.cache_key);
    size_t n;
    got_of(&g, "MSFT", &n);
    assert_true(n > 50);
    got_free(&g);
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), 0);
    assert_true(b.not_modified);
    assert_int_equal(b.calls, 1);
    assert_int_equal(g.calls, 0);
    assert_string_equal(b.cache_key, key);
    assert_true(b.etag[0]); /* kept */
    /* only Last-Modified known: also a 304 */
    b.etag[0] = '\0';
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), 0);
    assert_true(b.not_modified);
    argo_provider_free(p);
}

static void retry_after_on_429_is_honoured(void **state)
{
    (void)state;
    argo_provider *p = open_alpaca(&srv, 10000);
    const char *msft[] = {"MSFT"};
    argo_provider_batch b = {.symbols = msft, .nsymbols = 1, .end = INT64_MAX};
    control(&srv, "fault", "{\"kind\":\"status\",\"status\":429,\"count\":1,\"retry_after\":1}");
    got g = {0};
    argo_err e;
    double t0 = now_s();
    int rc = argo_provider_fetch(p, &b, collect, &g, &e);
    if (rc)
        fail_msg("%s", e.msg);
    assert_true(now_s() - t0 >= 0.9);
    assert_int_equal(b.retries, 1);
    assert_int_equal(b.calls, 1);
    equals_file(&g, "MSFT", 0);
    got_free(&g);
    argo_provider_free(p);
}

static void server_errors_are_retried(void **state)
{
    (void)state;
    argo_provider *p = open_alpaca(&srv, 10000);
    const char *msft[] = {"MSFT"};
    argo_provider_batch b = {.symbols = msft, .nsymbols = 1, .end = INT64_MAX};
    control(&srv, "fault", "{\"kind\":\"status\",\"status\":500,\"count\":2}");
    got g = {0};
    argo_err e;
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), 0);
    assert_int_equal(b.retries, 2);
    equals_file(&g, "MSFT", 0);
    got_free(&g);
    /* more 500s than retries: ARGO_ENET, nothing handed on */
    control(&srv, "fault", "{\"kind\":\"status\",\"status\":500,\"count\":5}");
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), ARGO_ENET);
    assert_int_equal(g.calls, 0);
    assert_string_equal(b.etag, "");
    argo_provider_free(p);
}

static void a_stalled_answer_is_given_up_and_retried(void **state)
{
    (void)state;
    setenv("APCA_API_KEY_ID", KEY, 1);
    setenv("APCA_API_SECRET_KEY", SECRET, 1);
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_ALPACA);
    snprintf(c.rest_url, sizeof c.rest_url, "%s", srv.base);
    c.http.base_ms = 10;
    c.http.cap_ms = 50;
    c.http.timeout_s = 1;
    argo_provider *p;
    assert_int_equal(argo_provider_open(&c, &p, NULL), 0);
    unsetenv("APCA_API_KEY_ID");
    unsetenv("APCA_API_SECRET_KEY");
    const char *msft[] = {"MSFT"};
    argo_provider_batch b = {.symbols = msft, .nsymbols = 1, .end = INT64_MAX};
    control(&srv, "fault", "{\"kind\":\"stall\",\"seconds\":3,\"count\":1}");
    got g = {0};
    argo_err e;
    double t0 = now_s();
    int rc = argo_provider_fetch(p, &b, collect, &g, &e);
    if (rc)
        fail_msg("%s", e.msg);
    assert_true(now_s() - t0 < 2.9); /* the stall was not waited out */
    assert_int_equal(b.retries, 1);
    equals_file(&g, "MSFT", 0);
    got_free(&g);
    argo_provider_free(p);
}

static void bad_answers_are_clear_errors(void **state)
{
    (void)state;
    argo_provider *p = open_alpaca(&srv, 10000);
    argo_provider_batch b = {.symbols = both, .nsymbols = 2, .end = INT64_MAX};
    got g = {0};
    argo_err e;
    control(&srv, "fault", "{\"kind\":\"bad_json\"}");
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), ARGO_EPARSE);
    assert_non_null(strstr(e.msg, "/v2/stocks/bars [MSFT,TTRC] page 1: not JSON"));
    assert_int_equal(g.calls, 0);
    control(&srv, "fault", "{\"kind\":\"bad_price\"}");
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), ARGO_EDATA);
    assert_non_null(strstr(e.msg, "page 1: MSFT bar 1: open -"));
    assert_non_null(strstr(e.msg, "is not a finite price > 0"));
    assert_int_equal(g.calls, 0);
    argo_provider_free(p);
}

static void bad_credentials_are_refused_without_showing_them(void **state)
{
    (void)state;
    setenv("APCA_API_KEY_ID", KEY, 1);
    setenv("APCA_API_SECRET_KEY", "wrong-" SECRET, 1);
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_ALPACA);
    snprintf(c.rest_url, sizeof c.rest_url, "%s", srv.base);
    argo_provider *p;
    assert_int_equal(argo_provider_open(&c, &p, NULL), 0);
    unsetenv("APCA_API_KEY_ID");
    unsetenv("APCA_API_SECRET_KEY");
    argo_provider_batch b = {.symbols = both, .nsymbols = 2, .end = INT64_MAX};
    got g = {0};
    argo_err e;
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), ARGO_EREMOTE);
    assert_non_null(strstr(e.msg, "HTTP 403: forbidden"));
    assert_null(strstr(e.msg, SECRET));
    assert_null(strstr(e.msg, KEY));
    argo_provider_free(p);
}

static void the_call_budget_stops_a_batch(void **state)
{
    (void)state;
    argo_provider *p = open_alpaca(&srv, 1000);
    argo_provider_batch b = {.symbols = both, .nsymbols = 2, .end = INT64_MAX, .max_calls = 2};
    got g = {0};
    argo_err e;
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), ARGO_ELIMIT);
    assert_non_null(strstr(e.msg, "call budget"));
    assert_int_equal(b.calls, 2);
    got_free(&g);
    argo_provider_free(p);
}

static void the_csv_source_gives_the_file(void **state)
{
    (void)state;
    argo_provider_config c;
    argo_provider_config_init(&c, ARGO_PROVIDER_CSV);
    snprintf(c.rest_url, sizeof c.rest_url, "%s/csv/{symbol}.csv", srv.base);
    argo_provider *p;
    assert_int_equal(argo_provider_open(&c, &p, NULL), 0);
    const char *ttrc[] = {"TTRC"};
    argo_provider_batch b = {.symbols = ttrc, .nsymbols = 1, .end = INT64_MAX};
    got g = {0};
    argo_err e;
    int rc = argo_provider_fetch(p, &b, collect, &g, &e);
    if (rc)
        fail_msg("%s", e.msg);
    equals_file(&g, "TTRC", 0);
    assert_true(b.etag[0]);
    got_free(&g);
    /* again with the validators: 304 */
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), 0);
    assert_true(b.not_modified);
    assert_int_equal(g.calls, 0);
    /* from a start: the bars before it are left out */
    size_t nf;
    argo_bar *f = th_market_bars("TTRC", &nf);
    b.start = f[nf - 10].ts;
    b.etag[0] = b.last_modified[0] = '\0';
    free(f);
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), 0);
    equals_file(&g, "TTRC", nf - 10);
    got_free(&g);
    /* an unknown symbol: the server's 404 */
    const char *none[] = {"NOPE"};
    b.symbols = none;
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), ARGO_EREMOTE);
    assert_non_null(strstr(e.msg, "/csv/NOPE.csv: HTTP 404"));
    argo_provider_free(p);
}

static void an_incremental_fetch_after_a_new_day_gets_that_day(void **state)
{
    (void)state;
    server s;
    const char *extra[] = {"--today", "2001-09-25", NULL};
    start(&s, extra);
    argo_provider *p = open_alpaca(&s, 10000);
    argo_provider_batch b = {.symbols = both, .nsymbols = 2, .end = INT64_MAX};
    assert_int_equal(argo_time_parse("2001-09-25", &b.start), 0);
    got g = {0};
    argo_err e;
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), 0);
    size_t n;
    const argo_bar *m = got_of(&g, "MSFT", &n);
    assert_int_equal(n, 1);
    assert_int_equal(m[0].ts, b.start);
    got_free(&g);
    control(&s, "advance", "{\"days\":1}");
    b.start += 86400;
    b.etag[0] = b.last_modified[0] = '\0';
    assert_int_equal(argo_provider_fetch(p, &b, collect, &g, &e), 0);
    assert_int_equal(b.calls, 1);
    m = got_of(&g, "MSFT", &n);
    assert_int_equal(n, 1);
    assert_int_equal(m[0].ts, b.start);
    assert_true(m[0].close == 50.27);
    got_free(&g);
    argo_provider_free(p);
    stop(&s);
}

static void minute_bars_for_the_gap_fill(void **state)
{
    (void)state;
    argo_provider *p = open_alpaca(&srv, 10000);
    const char *msft[] = {"MSFT"};
    argo_provider_batch b = {.symbols = msft, .nsymbols = 1, .end = INT64_MAX, .minutes = true};
    assert_int_equal(argo_time_parse("2001-09-24T16:00:00Z", &b.start), 0);
    got g = {0};
    argo_err e;
    int rc = argo_provider_fetch(p, &b, collect, &g, &e);
    if (rc)
        fail_msg("%s", e.msg);
    size_t n;
    const argo_bar *m = got_of(&g, "MSFT", &n);
    assert_int_equal(n, 3 + 3 * 4); /* the rest of the 24th, then three days of four */
    assert_int_equal(m[0].ts, b.start);
    size_t nf;
    argo_bar *f = th_market_bars("MSFT", &nf);
    /* the four minutes of the last day make its daily bar again */
    const argo_bar *d = &f[nf - 1], *q = m + n - 4;
    double hi = q[0].high, lo = q[0].low, v = 0;
    for (int i = 0; i < 4; i++) {
        hi = q[i].high > hi ? q[i].high : hi;
        lo = q[i].low < lo ? q[i].low : lo;
        v += q[i].volume;
    }
    assert_true(q[0].open == d->open && q[3].close == d->close && hi == d->high && lo == d->low &&
                v == d->volume);
    free(f);
    got_free(&g);
    argo_provider_free(p);
}

static int notices;
static void on_notice(void *ctx, const char *what)
{
    (void)ctx;
    if (strstr(what, "rate limit"))
        notices++;
}

static void no_call_left_waits_for_the_reset(void **state)
{
    (void)state;
    server s;
    const char *extra[] = {"--rate-limit", "4", "--rate-window", "1", NULL};
    start(&s, extra);
    argo_provider *p = open_alpaca(&s, 1000);
    argo_provider_set_hooks(p, on_notice, NULL, NULL);
    argo_provider_batch b = {.symbols = both, .nsymbols = 2, .end = INT64_MAX};
    got g = {0};
    argo_err e;
    notices = 0;
    int rc = argo_provider_fetch(p, &b, collect, &g, &e);
    if (rc)
        fail_msg("%s", e.msg);
    assert_int_equal(b.calls, 6);
    assert_int_equal(b.retries, 0); /* waited, never refused */
    assert_true(notices >= 1);
    equals_file(&g, "TTRC", 0);
    got_free(&g);
    argo_provider_free(p);
    stop(&s);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK)) {
        printf("skipped: no /usr/bin/python3\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(years_of_history_come_in_pages_equal_to_the_files),
        cmocka_unit_test(an_unchanged_answer_is_a_304_and_nothing_is_parsed),
        cmocka_unit_test(retry_after_on_429_is_honoured),
        cmocka_unit_test(server_errors_are_retried),
        cmocka_unit_test(a_stalled_answer_is_given_up_and_retried),
        cmocka_unit_test(bad_answers_are_clear_errors),
        cmocka_unit_test(bad_credentials_are_refused_without_showing_them),
        cmocka_unit_test(the_call_budget_stops_a_batch),
        cmocka_unit_test(the_csv_source_gives_the_file),
        cmocka_unit_test(minute_bars_for_the_gap_fill),
        cmocka_unit_test(an_incremental_fetch_after_a_new_day_gets_that_day),
        cmocka_unit_test(no_call_left_waits_for_the_reset),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
