/* SPDX-License-Identifier: MIT */
/* provider/stream.c against tests/provider/fake_alpaca.py (the fake
 * Alpaca server, written from Alpaca's documentation, not from argo):
 * connect, auth, subscribe, minute bars that aggregate to the CSV's daily
 * bars, a dropped stream, duplicates and shuffles, bad JSON, a refused
 * secret, a stalled server, and a prompt stop. Every wait is bounded. */
#include "helpers.h"

#include "base/timeutil.h"
#include "market/aggregate.h"
#include "market/market.h"
#include "provider/provider.h"
#include "provider/provider_int.h" /* to give the feed a URL the provider would refuse */

#include <curl/curl.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

extern char **environ;

#define KEY "test-key"
#define SECRET "test-secret"
#define TODAY "2000-09-29" /* MSFT's series starts on 2000-09-27 */

static pid_t server_pid;
static int rest_port, stream_port;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the fake server ---- */

static int start_server(void **state)
{
    (void)state;
    char script[1024], data[1024], portfile[1024];
    th_src("tests/provider/fake_alpaca.py", script, sizeof script);
    th_src("data/market", data, sizeof data);
    th_tmpfile("fake_ports.json", portfile, sizeof portfile);
    unlink(portfile);
    char *argv[] = {"/usr/bin/python3", script, "--data",         data, "--portfile", portfile,
                    "--today",          TODAY,  "--key",          KEY,  "--secret",   SECRET,
                    "--max-seconds",    "120",  "--auth-timeout", "5",  NULL};
    if (posix_spawn(&server_pid, argv[0], NULL, NULL, argv, environ) != 0)
        return -1;
    for (double t0 = now_s(); now_s() - t0 < 15;) {
        FILE *f = fopen(portfile, "r");
        if (f) {
            int n = fscanf(f, " {\"rest\": %d, \"stream\": %d}", &rest_port, &stream_port);
            fclose(f);
            if (n == 2)
                break;
        }
        usleep(50 * 1000);
    }
    if (!rest_port || !stream_port) {
        fprintf(stderr, "the fake server did not start\n");
        return -1;
    }
    lws_set_log_level(LLL_ERR, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int stop_server(void **state)
{
    (void)state;
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    curl_global_cleanup();
    return 0;
}

static size_t sink_body(char *p, size_t s, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return s * n;
}

/* POST /control/WHAT with a JSON body; asserts a 200. */
static void control(const char *what, const char *json)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/control/%s", rest_port, what);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_body);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 200);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

/* ---- what the feed hands over ---- */

typedef struct seen_bar {
    char sym[ARGO_SYMBOL_MAX];
    argo_bar bar;
} seen_bar;

typedef struct rec {
    pthread_mutex_t mu;
    seen_bar *bars;
    size_t nbars, cap;
    argo_feed_state states[64];
    char whys[64][160];
    size_t nstates;
    char last_why[ARGO_ERR_MSG_MAX];
    int rejects;
    char last_reject[ARGO_ERR_MSG_MAX];
} rec;

static void on_bar(void *ctx, const char *symbol, const argo_bar *bar)
{
    rec *r = ctx;
    pthread_mutex_lock(&r->mu);
    if (r->nbars == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->bars = realloc(r->bars, r->cap * sizeof *r->bars);
        assert_non_null(r->bars);
    }
    snprintf(r->bars[r->nbars].sym, sizeof r->bars[r->nbars].sym, "%s", symbol);
    r->bars[r->nbars++].bar = *bar;
    pthread_mutex_unlock(&r->mu);
}

static void on_state(void *ctx, argo_feed_state s, const char *why)
{
    rec *r = ctx;
    pthread_mutex_lock(&r->mu);
    if (r->nstates < 64) {
        snprintf(r->whys[r->nstates], sizeof r->whys[0], "%s", why);
        r->states[r->nstates++] = s;
    }
    snprintf(r->last_why, sizeof r->last_why, "%s", why);
    pthread_mutex_unlock(&r->mu);
}

static void on_reject(void *ctx, const char *why)
{
    rec *r = ctx;
    pthread_mutex_lock(&r->mu);
    r->rejects++;
    snprintf(r->last_reject, sizeof r->last_reject, "%s", why);
    pthread_mutex_unlock(&r->mu);
}

static size_t count_bars(rec *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->nbars;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* Waits (at most secs) until the state log holds `want` at index >= from. */
static bool wait_state(rec *r, argo_feed_state want, size_t from, double secs)
{
    for (double t0 = now_s(); now_s() - t0 < secs; usleep(10 * 1000)) {
        pthread_mutex_lock(&r->mu);
        bool ok = false;
        for (size_t i = from; i < r->nstates; i++)
            ok = ok || r->states[i] == want;
        pthread_mutex_unlock(&r->mu);
        if (ok)
            return true;
    }
    return false;
}

static bool wait_bars(rec *r, size_t n, double secs)
{
    for (double t0 = now_s(); now_s() - t0 < secs; usleep(10 * 1000))
        if (count_bars(r) >= n)
            return true;
    return false;
}

static argo_provider *provider(const char *secret, const char *url)
{
    argo_provider_config cfg;
    argo_provider_config_init(&cfg, ARGO_PROVIDER_ALPACA);
    snprintf(cfg.rest_url, sizeof cfg.rest_url, "http://127.0.0.1:%d", rest_port);
    if (url)
        snprintf(cfg.stream_url, sizeof cfg.stream_url, "%s", url);
    else
        snprintf(cfg.stream_url, sizeof cfg.stream_url, "ws://127.0.0.1:%d/v2/iex", stream_port);
    cfg.http.base_ms = 50;
    cfg.http.cap_ms = 200;
    cfg.http.timeout_s = 2;
    setenv("APCA_API_KEY_ID", KEY, 1);
    setenv("APCA_API_SECRET_KEY", secret, 1);
    argo_provider *p = NULL;
    argo_err err = {0};
    if (argo_provider_open(&cfg, &p, &err))
        fail_msg("argo_provider_open: %s", err.msg);
    return p;
}

static const char *const SYMS[] = {"MSFT", "TTRC"};

static argo_feed *start(argo_provider *p, rec *r)
{
    pthread_mutex_init(&r->mu, NULL);
    argo_feed_callbacks cb = {on_bar, on_state, on_reject, r};
    argo_feed *f = NULL;
    argo_err err = {0};
    if (argo_feed_start(p, SYMS, 2, &cb, &f, &err))
        fail_msg("argo_feed_start: %s", err.msg);
    return f;
}

static void stop(argo_feed *f, rec *r)
{
    double t0 = now_s();
    argo_feed_stop(f);
    double took = now_s() - t0;
    if (took >= 1.0)
        fail_msg("argo_feed_stop took %.3f s", took);
    free(r->bars);
    pthread_mutex_destroy(&r->mu);
}

/* ---- the daily bars the minutes must give ---- */

typedef struct day_set {
    seen_bar v[64];
    size_t n;
} day_set;

static int collect(void *ctx, const char *symbol, const argo_bar *bar)
{
    day_set *d = ctx;
    assert_true(d->n < 64);
    snprintf(d->v[d->n].sym, sizeof d->v[d->n].sym, "%s", symbol);
    d->v[d->n++].bar = *bar;
    return 0;
}

/* Aggregates r's bars [from, to) into daily bars (grace 60 s) and checks
 * each against the symbol's CSV row of that date, bit for bit. Returns
 * the number of daily bars. */
static size_t check_days(rec *r, size_t from, size_t to, argo_agg_stats *st)
{
    argo_agg *a = NULL;
    assert_int_equal(argo_agg_new(86400, 21 * 3600, 60, &a, NULL), 0);
    day_set d = {.n = 0};
    /* in time order, as app/live.c hands a settled burst over (a stable
     * sort: duplicates keep their arrival order) */
    seen_bar *v = calloc(to - from + 1, sizeof *v);
    assert_non_null(v);
    pthread_mutex_lock(&r->mu);
    memcpy(v, r->bars + from, (to - from) * sizeof *v);
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 1; i < to - from; i++) {
        seen_bar t = v[i];
        size_t j = i;
        while (j > 0 && (v[j - 1].bar.ts > t.bar.ts ||
                         (v[j - 1].bar.ts == t.bar.ts && strcmp(v[j - 1].sym, t.sym) > 0))) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
    for (size_t i = 0; i < to - from; i++)
        assert_int_equal(argo_agg_add(a, v[i].sym, &v[i].bar, collect, &d, NULL), 0);
    free(v);
    assert_int_equal(argo_agg_advance(a, INT64_MAX / 2, collect, &d, NULL), 0);
    argo_agg_get_stats(a, st);
    argo_agg_free(a);
    for (size_t i = 0; i < d.n; i++) {
        char path[1024], rel[64];
        snprintf(rel, sizeof rel, "data/market/%s.csv", d.v[i].sym);
        th_src(rel, path, sizeof path);
        argo_bar_line *rows = NULL;
        size_t nrows = 0;
        argo_ingest_report rep;
        argo_err err = {0};
        if (argo_market_csv_read(path, d.v[i].sym, false, &rows, &nrows, &rep, &err))
            fail_msg("%s: %s", path, err.msg);
        bool found = false;
        for (size_t k = 0; k < nrows && !found; k++)
            if (rows[k].bar.ts == d.v[i].bar.ts) {
                found = true;
                if (memcmp(&rows[k].bar, &d.v[i].bar, sizeof(argo_bar)) != 0) {
                    char day[32];
                    fail_msg("%s %s: aggregated %.17g %.17g %.17g %.17g %.17g, CSV %.17g %.17g "
                             "%.17g %.17g %.17g",
                             d.v[i].sym, argo_time_format(d.v[i].bar.ts, day, sizeof day),
                             d.v[i].bar.open, d.v[i].bar.high, d.v[i].bar.low, d.v[i].bar.close,
                             d.v[i].bar.volume, rows[k].bar.open, rows[k].bar.high, rows[k].bar.low,
                             rows[k].bar.close, rows[k].bar.volume);
                }
            }
        free(rows);
        assert_true(found);
    }
    return d.n;
}

/* ---- the cases ---- */

static void a_live_day_of_minutes_aggregates_to_the_csv_and_a_drop_reconnects(void **state)
{
    (void)state;
    argo_provider *p = provider(SECRET, NULL);
    rec r = {0};
    argo_feed *f = start(p, &r);
    assert_true(wait_state(&r, ARGO_FEED_LIVE, 0, 10));
    assert_int_equal(r.states[0], ARGO_FEED_CONNECTING);

    /* three trading days: both symbols trade on each, four minutes a day */
    control("advance", "{\"days\": 3}");
    assert_true(wait_bars(&r, 3 * 2 * 4, 10));
    argo_agg_stats st;
    assert_int_equal(check_days(&r, 0, 24, &st), 6);
    assert_int_equal(st.late + st.duplicates + st.replaced, 0);

    /* the stream dropped: DISCONNECTED, then LIVE again, one reconnect */
    size_t mark = r.nstates;
    control("stream", "{\"kind\": \"drop\"}");
    assert_true(wait_state(&r, ARGO_FEED_DISCONNECTED, mark, 10));
    assert_true(wait_state(&r, ARGO_FEED_LIVE, mark, 10));
    argo_feed_stats fs;
    argo_feed_get_stats(f, &fs);
    assert_int_equal(fs.reconnects, 1);
    control("advance", "{\"days\": 1}");
    assert_true(wait_bars(&r, 32, 10));
    assert_int_equal(check_days(&r, 24, 32, &st), 2);

    /* duplicates and a shuffled day: the same daily bars */
    control("stream", "{\"kind\": \"duplicate\", \"count\": 5}");
    control("stream", "{\"kind\": \"shuffle\"}");
    control("advance", "{\"days\": 1}");
    assert_true(wait_bars(&r, 32 + 8 + 5, 10));
    usleep(200 * 1000);
    assert_int_equal(count_bars(&r), 45);
    assert_int_equal(check_days(&r, 32, 45, &st), 2);
    /* a duplicate of a session's last minute comes after (a) closed its
     * bar: late rather than a duplicate, dropped either way */
    assert_int_equal(st.duplicates + st.late, 5);

    /* bad JSON: rejected, counted, the connection kept */
    mark = r.nstates;
    control("stream", "{\"kind\": \"bad_json\"}");
    control("advance", "{\"days\": 1}");
    assert_true(wait_bars(&r, 45 + 7, 10));
    usleep(200 * 1000);
    assert_int_equal(count_bars(&r), 52);
    pthread_mutex_lock(&r.mu);
    assert_int_equal(r.rejects, 1);
    assert_non_null(strstr(r.last_reject, "bad JSON"));
    assert_int_equal(r.nstates, mark); /* no state change */
    pthread_mutex_unlock(&r.mu);
    argo_feed_get_stats(f, &fs);
    assert_int_equal(fs.rejected, 1);
    assert_int_equal(fs.bars, 52);
    assert_int_equal(fs.reconnects, 1);

    /* a negative price: the bar rejected by the domain rules, the rest kept */
    control("stream", "{\"kind\": \"bad_price\", \"target\": \"stream\"}");
    control("advance", "{\"days\": 1}");
    assert_true(wait_bars(&r, 52 + 7, 10));
    usleep(200 * 1000);
    assert_int_equal(count_bars(&r), 59);
    pthread_mutex_lock(&r.mu);
    assert_int_equal(r.rejects, 2);
    assert_non_null(strstr(r.last_reject, "bar at"));
    assert_int_equal(r.nstates, mark);
    pthread_mutex_unlock(&r.mu);

    stop(f, &r);
    argo_provider_free(p);
}

static void a_wrong_secret_fails_without_a_reconnect_loop(void **state)
{
    (void)state;
    argo_provider *p = provider("not-the-secret", NULL);
    rec r = {0};
    argo_feed *f = start(p, &r);
    assert_true(wait_state(&r, ARGO_FEED_FAILED, 0, 10));
    usleep(600 * 1000); /* several backoffs' worth */
    argo_feed_stats fs;
    argo_feed_get_stats(f, &fs);
    assert_int_equal(fs.reconnects, 0);
    pthread_mutex_lock(&r.mu);
    assert_int_equal(r.nstates, 2); /* CONNECTING, FAILED */
    assert_non_null(strstr(r.last_why, "402"));
    assert_null(strstr(r.last_why, "not-the-secret"));
    pthread_mutex_unlock(&r.mu);
    stop(f, &r);
    argo_provider_free(p);
}

static void a_stalled_server_is_left_and_retried(void **state)
{
    (void)state;
    /* a socket that listens and never answers the handshake */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 8), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    char url[128];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/v2/iex", ntohs(a.sin_port));
    argo_provider *p = provider(SECRET, url);
    rec r = {0};
    argo_feed *f = start(p, &r);
    double t0 = now_s();
    assert_true(wait_state(&r, ARGO_FEED_DISCONNECTED, 0, 6));
    double took = now_s() - t0;
    assert_true(took >= 1.5); /* timeout_s is 2 */
    pthread_mutex_lock(&r.mu);
    assert_int_equal(r.states[1], ARGO_FEED_DISCONNECTED);
    assert_non_null(strstr(r.whys[1], "stalled"));
    pthread_mutex_unlock(&r.mu);
    assert_true(wait_state(&r, ARGO_FEED_CONNECTING, 1, 2)); /* and tries again */
    stop(f, &r);
    close(s);
    argo_provider_free(p);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    argo_provider *p = provider(SECRET, NULL);
    rec r = {0};
    argo_feed_callbacks cb = {on_bar, on_state, on_reject, &r};
    argo_feed *f = (argo_feed *)1;
    argo_err err = {0};
    assert_int_equal(argo_feed_start(p, SYMS, 0, &cb, &f, &err), ARGO_EINVAL);
    assert_null(f);
    const char *const bad[] = {"MSFT", ""};
    assert_int_equal(argo_feed_start(p, bad, 2, &cb, &f, &err), ARGO_EINVAL);
    argo_provider_free(p);
}

static void a_bad_stream_url_is_refused(void **state)
{
    (void)state;
    argo_provider_config cfg;
    argo_provider_config_init(&cfg, ARGO_PROVIDER_ALPACA);
    setenv("APCA_API_KEY_ID", KEY, 1);
    setenv("APCA_API_SECRET_KEY", SECRET, 1);
    argo_provider *p = NULL;
    assert_int_equal(argo_provider_open(&cfg, &p, NULL), 0);
    /* the provider accepted it; the feed checks what it cuts */
    snprintf(p->cfg.stream_url, sizeof p->cfg.stream_url, "http://127.0.0.1/v2/iex");
    rec r = {0};
    argo_feed_callbacks cb = {on_bar, on_state, on_reject, &r};
    argo_feed *f = NULL;
    argo_err err = {0};
    assert_int_equal(argo_feed_start(p, SYMS, 2, &cb, &f, &err), ARGO_ECONFIG);
    assert_non_null(strstr(err.msg, "stream_url"));
    argo_provider_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_live_day_of_minutes_aggregates_to_the_csv_and_a_drop_reconnects),
        cmocka_unit_test(a_wrong_secret_fails_without_a_reconnect_loop),
        cmocka_unit_test(a_stalled_server_is_left_and_retried),
        cmocka_unit_test(bad_arguments_are_refused),
        cmocka_unit_test(a_bad_stream_url_is_refused),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
