/* SPDX-License-Identifier: MIT */
/* The /metrics registry (server/metrics.c): what each update renders,
 * bounded label sets, label escaping, no series twice, and counts that
 * stay exact under threads. `test_metrics --render` prints a document
 * with every family populated, for tests/metrics/promtool_check.py. */
#include "helpers.h"

#include "server/metrics.h"
#include "server/api.h"
#include <jansson.h>

#include "base/limits.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *render(argo_metrics *m)
{
    char *text = NULL;
    size_t len = 0;
    argo_err err;
    assert_int_equal(argo_metrics_render(m, &text, &len, &err), 0);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

/* The sample line that starts with series (name and labels), or NULL. */
static const char *sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return p + n + 1;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

static double value(const char *text, const char *series)
{
    const char *v = sample(text, series);
    if (!v)
        fail_msg("no sample %s in:\n%s", series, text);
    return strtod(v, NULL);
}

/* Every series (the text before the value) appears once; every family
 * has one HELP and one TYPE line before its samples. */
static void check_no_duplicates(const char *text)
{
    size_t cap = 4096, n = 0;
    char **seen = calloc(cap, sizeof *seen);
    assert_non_null(seen);
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        assert_non_null(end);
        if (*p != '#') {
            const char *sp = memchr(p, ' ', (size_t)(end - p));
            /* label values here hold no space, so the first space ends the series */
            assert_non_null(sp);
            char *key = strndup(p, (size_t)(sp - p));
            assert_non_null(key);
            for (size_t i = 0; i < n; i++)
                if (strcmp(seen[i], key) == 0)
                    fail_msg("series twice: %s", key);
            assert_true(n < cap);
            seen[n++] = key;
        }
        p = end + 1;
    }
    for (size_t i = 0; i < n; i++)
        free(seen[i]);
    free(seen);
}

static void test_a_new_registry_renders_every_family_and_no_optional_sample(void **state)
{
    (void)state;
    argo_metrics *m;
    argo_err err;
    assert_int_equal(argo_metrics_new(&m, &err), 0);
    char *t = render(m);
    const char *families[] = {
        "argo_up gauge",
        "argo_start_time_seconds gauge",
        "argo_cycle_duration_seconds histogram",
        "argo_signals_total counter",
        "argo_outcomes_total counter",
        "argo_http_requests_total counter",
        "argo_store_latency_seconds histogram",
        "argo_stream_clients gauge",
        "argo_stream_dropped_clients_total counter",
        "argo_stream_events_behind gauge",
        "argo_backup_age_seconds gauge",
        "argo_calibration_ece gauge",
    };
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "# TYPE %s\n", families[i]);
        if (!strstr(t, line))
            fail_msg("no '%s' in:\n%s", line, t);
        char name[96];
        snprintf(name, sizeof name, "%s", families[i]);
        *strchr(name, ' ') = 0;
        snprintf(line, sizeof line, "# HELP %s ", name);
        assert_non_null(strstr(t, line));
    }
    assert_true(value(t, "argo_up") == 1);
    assert_true(value(t, "argo_start_time_seconds") > 1.7e9);
    assert_true(value(t, "argo_signals_total") == 0);
    assert_true(value(t, "argo_cycle_duration_seconds_count") == 0);
    assert_true(value(t, "argo_cycle_duration_seconds_bucket{le=\"+Inf\"}") == 0);
    /* no backup and no model yet: those gauges have no sample */
    assert_null(sample(t, "argo_backup_age_seconds"));
    assert_null(sample(t, "argo_calibration_ece"));
    assert_null(strstr(t, "argo_http_requests_total{"));
    assert_null(strstr(t, "argo_store_latency_seconds_count"));
    check_no_duplicates(t);
    free(t);
    argo_metrics_free(m);
}

static void test_the_cycle_histogram_is_cumulative_with_its_sum_and_count(void **state)
{
    (void)state;
    argo_metrics *m;
    assert_int_equal(argo_metrics_new(&m, NULL), 0);
    argo_metrics_cycle(m, 0.003, 5, 2);
    argo_metrics_cycle(m, 0.02, 0, 1);
    argo_metrics_cycle(m, 7, 3, 0);
    argo_metrics_cycle(m, 500, 0, 0); /* past the last bound: only +Inf */
    char *t = render(m);
    assert_true(value(t, "argo_cycle_duration_seconds_bucket{le=\"0.005\"}") == 1);
    assert_true(value(t, "argo_cycle_duration_seconds_bucket{le=\"0.01\"}") == 1);
    assert_true(value(t, "argo_cycle_duration_seconds_bucket{le=\"0.025\"}") == 2);
    assert_true(value(t, "argo_cycle_duration_seconds_bucket{le=\"5\"}") == 2);
    assert_true(value(t, "argo_cycle_duration_seconds_bucket{le=\"10\"}") == 3);
    assert_true(value(t, "argo_cycle_duration_seconds_bucket{le=\"120\"}") == 3);
    assert_true(value(t, "argo_cycle_duration_seconds_bucket{le=\"+Inf\"}") == 4);
    assert_true(value(t, "argo_cycle_duration_seconds_count") == 4);
    assert_true(fabs(value(t, "argo_cycle_duration_seconds_sum") - 507.023) < 1e-9);
    assert_true(value(t, "argo_signals_total") == 8);
    assert_true(value(t, "argo_outcomes_total") == 3);
    /* a bound is inclusive (le: less than or equal) */
    argo_metrics_cycle(m, 0.005, 0, 0);
    free(t);
    t = render(m);
    assert_true(value(t, "argo_cycle_duration_seconds_bucket{le=\"0.005\"}") == 2);
    free(t);
    argo_metrics_free(m);
}

static void test_http_requests_are_counted_by_known_route_and_status_else_other(void **state)
{
    (void)state;
    argo_metrics *m;
    assert_int_equal(argo_metrics_new(&m, NULL), 0);
    argo_metrics_http(m, "/api/v1/signals", 200);
    argo_metrics_http(m, "/api/v1/signals", 200);
    argo_metrics_http(m, "/api/v1/signals", 304);
    argo_metrics_http(m, "/api/v1/signals/{id}", 404);
    /* a path a client made up, NULL (no route matched) and a raw path
     * that is not a template all count as "other": the set stays bounded */
    argo_metrics_http(m, "/etc/passwd", 404);
    argo_metrics_http(m, NULL, 404);
    argo_metrics_http(m, "/api/v1/signals/42", 200);
    argo_metrics_http(m, "/health", 503);
    argo_metrics_http(m, "/health", 42); /* not an HTTP status */
    char *t = render(m);
    assert_true(value(t, "argo_http_requests_total{route=\"/api/v1/signals\",status=\"200\"}") ==
                2);
    assert_true(value(t, "argo_http_requests_total{route=\"/api/v1/signals\",status=\"304\"}") ==
                1);
    assert_true(
        value(t, "argo_http_requests_total{route=\"/api/v1/signals/{id}\",status=\"404\"}") == 1);
    assert_true(value(t, "argo_http_requests_total{route=\"other\",status=\"404\"}") == 2);
    assert_true(value(t, "argo_http_requests_total{route=\"other\",status=\"200\"}") == 1);
    assert_true(value(t, "argo_http_requests_total{route=\"/health\",status=\"503\"}") == 1);
    assert_true(value(t, "argo_http_requests_total{route=\"/health\",status=\"other\"}") == 1);
    assert_null(strstr(t, "passwd"));
    check_no_duplicates(t);
    free(t);

    /* every known route is a template of /api/v1, /health, /metrics or
     * the dashboard's files */
    size_t n;
    const char *const *r = argo_metrics_routes(&n);
    assert_true(n > 10);
    for (size_t i = 0; i < n; i++)
        assert_true(strncmp(r[i], "/api/v1/", 8) == 0 || strcmp(r[i], "/health") == 0 ||
                    strcmp(r[i], "/metrics") == 0 || strcmp(r[i], "/") == 0 ||
                    strcmp(r[i], "/dashboard/{file}") == 0);
    argo_metrics_free(m);
}

static void test_store_operations_are_bounded_and_their_labels_escaped(void **state)
{
    (void)state;
    argo_metrics *m;
    assert_int_equal(argo_metrics_new(&m, NULL), 0);
    argo_metrics_store_latency(m, "read", 0.0002);
    argo_metrics_store_latency(m, "read", 0.003);
    argo_metrics_store_latency(m, "a\"b\\c\nd", 0.5);
    for (int i = 0; i < 40; i++) {
        char op[16];
        snprintf(op, sizeof op, "op%d", i);
        argo_metrics_store_latency(m, op, 0.001);
    }
    char longop[ARGO_METRICS_OP_NAME_MAX + 8];
    memset(longop, 'x', sizeof longop - 1);
    longop[sizeof longop - 1] = 0;
    argo_metrics_store_latency(m, longop, 0.001);
    char *t = render(m);
    assert_true(value(t, "argo_store_latency_seconds_count{op=\"read\"}") == 2);
    assert_true(value(t, "argo_store_latency_seconds_bucket{op=\"read\",le=\"0.00025\"}") == 1);
    assert_true(value(t, "argo_store_latency_seconds_bucket{op=\"read\",le=\"0.0025\"}") == 1);
    assert_true(value(t, "argo_store_latency_seconds_bucket{op=\"read\",le=\"0.005\"}") == 2);
    /* backslash, quote and newline escaped as the text format says */
    assert_true(value(t, "argo_store_latency_seconds_count{op=\"a\\\"b\\\\c\\nd\"}") == 1);
    /* 16 names in all: read, the odd one and op0..op13; the other 26 and
     * the long name are "other" */
    assert_non_null(sample(t, "argo_store_latency_seconds_count{op=\"op13\"}"));
    assert_null(sample(t, "argo_store_latency_seconds_count{op=\"op14\"}"));
    assert_true(value(t, "argo_store_latency_seconds_count{op=\"other\"}") == 27);
    size_t series = 0;
    for (const char *p = t; (p = strstr(p, "argo_store_latency_seconds_count{")); p++)
        series++;
    assert_int_equal(series, ARGO_METRICS_OPS_MAX + 1);
    free(t);
    argo_metrics_free(m);
}

static void test_stream_backup_and_calibration_gauges(void **state)
{
    (void)state;
    argo_metrics *m;
    assert_int_equal(argo_metrics_new(&m, NULL), 0);
    argo_metrics_stream(m, 12, 3, 40);
    argo_metrics_stream(m, 10, 2, 7); /* a total that went back: the counter keeps 3 */
    /* the newest backup: the day before yesterday, ended a day ago and more */
    int64_t now = (int64_t)time(NULL), today = now / 86400 * 86400;
    argo_metrics_backup_day(m, today - 2 * 86400);
    argo_metrics_ece(m, 0.0917);
    char *t = render(m);
    assert_true(value(t, "argo_stream_clients") == 10);
    assert_true(value(t, "argo_stream_dropped_clients_total") == 3);
    assert_true(value(t, "argo_stream_events_behind") == 7);
    double age = value(t, "argo_backup_age_seconds");
    assert_true(age >= (double)(now - today + 86400) &&
                age <= (double)(time(NULL) - today + 86400));
    free(t);
    argo_metrics_backup_day(m, today); /* today's: its day has not ended */
    t = render(m);
    assert_true(value(t, "argo_backup_age_seconds") == 0);
    assert_true(value(t, "argo_calibration_ece") == 0.0917);
    free(t);
    argo_metrics_backup_day(m, INT64_MIN);
    argo_metrics_ece(m, NAN);
    t = render(m);
    assert_null(sample(t, "argo_backup_age_seconds"));
    assert_null(sample(t, "argo_calibration_ece"));
    free(t);
    argo_metrics_free(m);
}

#define THREADS 4
#define PER_THREAD 20000

static void *hammer(void *arg)
{
    argo_metrics *m = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        argo_metrics_http(m, "/api/v1/stats", 200);
        argo_metrics_cycle(m, 0.001, 1, 0);
        argo_metrics_store_latency(m, "write", 0.01);
    }
    return NULL;
}

static void test_updates_from_many_threads_are_all_counted(void **state)
{
    (void)state;
    argo_metrics *m;
    assert_int_equal(argo_metrics_new(&m, NULL), 0);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, m), 0);
    for (int i = 0; i < THREADS; i++) {
        char *t = render(m); /* renders while others write */
        free(t);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    char *t = render(m);
    double want = (double)THREADS * PER_THREAD;
    assert_true(value(t, "argo_http_requests_total{route=\"/api/v1/stats\",status=\"200\"}") ==
                want);
    assert_true(value(t, "argo_signals_total") == want);
    assert_true(value(t, "argo_cycle_duration_seconds_count") == want);
    assert_true(value(t, "argo_store_latency_seconds_count{op=\"write\"}") == want);
    free(t);
    argo_metrics_free(m);
}

/* A document with every family and label kind populated. */
static int print_full_document(void)
{
    argo_metrics *m;
    argo_err err;
    if (argo_metrics_new(&m, &err) != 0)
        return 1;
    double cycles[] = {0.002, 0.04, 0.3, 1.5, 90, 1000};
    for (size_t i = 0; i < sizeof cycles / sizeof cycles[0]; i++)
        argo_metrics_cycle(m, cycles[i], 7, 3);
    size_t n;
    const char *const *r = argo_metrics_routes(&n);
    int statuses[] = {200, 304, 400, 401, 404, 429, 503};
    for (size_t i = 0; i < n; i++)
        for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++)
            argo_metrics_http(m, r[i], statuses[s]);
    argo_metrics_http(m, "/not/a/route", 404);
    argo_metrics_http(m, "/health", 0);
    const char *ops[] = {"read", "write", "events", "a\"b\\c\nd"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        argo_metrics_store_latency(m, ops[i], 0.0003 * (double)(i + 1));
    for (int i = 0; i < 30; i++) {
        char op[16];
        snprintf(op, sizeof op, "op%d", i);
        argo_metrics_store_latency(m, op, 0.02);
    }
    argo_metrics_stream(m, 10000, 4, 120);
    argo_metrics_backup_day(m, (int64_t)time(NULL) / 86400 * 86400 - 86400);
    argo_metrics_ece(m, 0.054);
    char *text;
    size_t len;
    if (argo_metrics_render(m, &text, &len, &err) != 0)
        return 1;
    fwrite(text, 1, len, stdout);
    free(text);
    argo_metrics_free(m);
    return 0;
}

/* Every route of the OpenAPI document (src/server/openapi.json), as the
 * router matches it, is counted under a template /metrics knows, and
 * every template /metrics knows is a route of the document */
static void test_every_api_route_has_its_metrics_label(void **state)
{
    (void)state;
    json_error_t je;
    json_t *doc = json_load_file(ARGO_SOURCE_DIR "/src/server/openapi.json", 0, &je);
    assert_non_null(doc);
    size_t nr;
    const char *const *routes = argo_metrics_routes(&nr);
    bool used[64] = {0};
    assert_true(nr < 64);
    const char *path;
    json_t *ops;
    size_t checked = 0;
    json_object_foreach(json_object_get(doc, "paths"), path, ops)
    {
        /* the template with its parameters filled in */
        char concrete[256], *o = concrete;
        for (const char *c = path; *c && o < concrete + sizeof concrete - 8;) {
            if (*c == '{') {
                const char *v = !strncmp(c, "{id}", 4) ? "42" : "MSFT";
                o += snprintf(o, (size_t)(concrete + sizeof concrete - o), "%s", v);
                c = strchr(c, '}') + 1;
            } else {
                *o++ = *c++;
            }
        }
        *o = 0;
        const char *method;
        json_t *op;
        json_object_foreach(ops, method, op)
        {
            char m[8];
            size_t i = 0;
            for (; method[i] && i < sizeof m - 1; i++)
                m[i] = (char)(method[i] - 'a' + 'A');
            m[i] = 0;
            argo_api_route r;
            argo_api_match(m, concrete, &r);
            assert_int_equal(r.status, 0);
            assert_non_null(r.name);
            assert_string_equal(r.name, path);
            size_t k = 0;
            while (k < nr && strcmp(routes[k], r.name))
                k++;
            if (k == nr)
                fail_msg("%s %s: /metrics has no label '%s'", m, concrete, r.name);
            used[k] = true;
            checked++;
        }
    }
    assert_true(checked >= 15);
    for (size_t k = 0; k < nr; k++)
        if (!used[k] && strcmp(routes[k], "/api/v1/stream") && strcmp(routes[k], "/metrics") &&
            strcmp(routes[k], "/health") && strcmp(routes[k], "other") && strcmp(routes[k], "/") &&
            strcmp(routes[k], "/dashboard/{file}"))
            fail_msg("/metrics knows '%s', which no documented route has", routes[k]);
    json_decref(doc);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--render") == 0)
        return print_full_document();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_new_registry_renders_every_family_and_no_optional_sample),
        cmocka_unit_test(test_the_cycle_histogram_is_cumulative_with_its_sum_and_count),
        cmocka_unit_test(test_http_requests_are_counted_by_known_route_and_status_else_other),
        cmocka_unit_test(test_store_operations_are_bounded_and_their_labels_escaped),
        cmocka_unit_test(test_stream_backup_and_calibration_gauges),
        cmocka_unit_test(test_updates_from_many_threads_are_all_counted),
        cmocka_unit_test(test_every_api_route_has_its_metrics_label),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
