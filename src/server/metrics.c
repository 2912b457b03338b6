/* SPDX-License-Identifier: MIT */
/*
 * server/metrics.c - the registry behind /metrics: a few fixed counters,
 * gauges and histograms under one mutex, rendered in the Prometheus text
 * exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * Every label set is bounded by construction: route names are matched
 * against the API's templates (anything else counts as "other"), HTTP
 * statuses are the integers 100..599 (anything else "other"), and store
 * operations are the first ARGO_METRICS_OPS_MAX names the server uses
 * (later ones "other"). A client therefore cannot add a series. Not a
 * general metrics library: the set of families is this file's table.
 */
#include "server/metrics.h"

#include "base/limits.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The route templates of server/api.c (argo_api_route.name), /health,
 * /metrics and the stream; index 0 is "other". */
static const char *const routes[] = {
    "other",
    "/",
    "/dashboard/{file}",
    "/health",
    "/metrics",
    "/api/v1/stream",
    "/api/v1/version",
    "/api/v1/openapi.json",
    "/api/v1/signals",
    "/api/v1/signals/{id}",
    "/api/v1/outcomes",
    "/api/v1/stats",
    "/api/v1/stats/daily",
    "/api/v1/symbols",
    "/api/v1/symbols/{symbol}/bars",
    "/api/v1/calibration/report",
    "/api/v1/calibration/models",
    "/api/v1/backups",
    "/api/v1/archive",
    "/api/v1/archive/cost",
    "/api/v1/admin/bars",
    "/api/v1/admin/cycle",
    "/api/v1/admin/backup",
};
#define NROUTES (sizeof routes / sizeof routes[0])
#define STATUS_MIN 100
#define STATUS_MAX 599
#define NSTATUS (STATUS_MAX - STATUS_MIN + 2) /* slot 0: "other" */

/* Fixed buckets (upper bounds, seconds), with their text for `le`. */
static const double cycle_le[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                  1,     2.5,  5,     10,   30,  60,   120};
static const char *const cycle_le_text[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
                                            "1",     "2.5",  "5",     "10",   "30",  "60",   "120"};
static const double store_le[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                  0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
static const char *const store_le_text[] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025",
                                            "0.005",  "0.01",    "0.025",  "0.05",  "0.1",
                                            "0.25",   "0.5",     "1",      "2.5"};
#define NCYCLE_LE (sizeof cycle_le / sizeof cycle_le[0])
#define NSTORE_LE (sizeof store_le / sizeof store_le[0])
static_assert(NCYCLE_LE == sizeof cycle_le_text / sizeof cycle_le_text[0], "cycle buckets");
static_assert(NSTORE_LE == sizeof store_le_text / sizeof store_le_text[0], "store buckets");

typedef struct histogram {
    uint64_t buckets[16]; /* non-cumulative counts per bucket; the last is +Inf */
    uint64_t count;
    double sum;
} histogram;
static_assert(NCYCLE_LE < 16 && NSTORE_LE < 16, "histogram slots");

typedef struct op_series {
    char name[ARGO_METRICS_OP_NAME_MAX];
    histogram h;
} op_series;

struct argo_metrics {
    pthread_mutex_t mu;
    double start_time;
    uint64_t signals, outcomes;
    uint64_t *http; /* NROUTES x NSTATUS counters */
    histogram cycle;
    op_series ops[ARGO_METRICS_OPS_MAX + 1]; /* the last: "other" */
    size_t nops;
    uint64_t stream_clients, stream_dropped, stream_behind;
    int64_t backup_day; /* the newest backed-up day; INT64_MIN: none */
    double ece;         /* NAN: no model */
    bool fetched;       /* a fetch cycle ran */
    uint64_t fetch_cycles, fetch_calls, fetch_retries, fetch_304, fetch_bytes, fetch_bars,
        fetch_corrections;
    double fetch_seconds, fetch_hit_rate; /* the last cycle's */
    bool feed_on;                         /* the stream is configured */
    argo_metrics_feed_state feed;
};

int argo_metrics_new(argo_metrics **out, argo_err *err)
{
    assert(out);
    *out = NULL;
    argo_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return argo_err_set(err, ARGO_ENOMEM, "metrics: out of memory");
    m->http = calloc((size_t)NROUTES * NSTATUS, sizeof *m->http);
    if (!m->http) {
        free(m);
        return argo_err_set(err, ARGO_ENOMEM, "metrics: out of memory");
    }
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m->http);
        free(m);
        return argo_err_set(err, ARGO_ENOMEM, "metrics: cannot create a mutex");
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m->start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    m->backup_day = INT64_MIN;
    m->ece = NAN;
    snprintf(m->ops[ARGO_METRICS_OPS_MAX].name, sizeof m->ops[0].name, "other");
    *out = m;
    return 0;
}

void argo_metrics_free(argo_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m->http);
    free(m);
}

const char *const *argo_metrics_routes(size_t *n)
{
    assert(n);
    *n = NROUTES - 1;
    return routes + 1;
}

static void observe(histogram *h, const double *le, size_t nle, double v)
{
    if (!isfinite(v) || v < 0)
        v = v < 0 ? 0 : v; /* a clock stepping back counts as 0; NaN/Inf go to +Inf */
    size_t i = 0;
    while (i < nle && !(v <= le[i]))
        i++;
    h->buckets[i]++;
    h->count++;
    if (isfinite(v))
        h->sum += v;
}

void argo_metrics_cycle(argo_metrics *m, double seconds, int64_t signals, int64_t outcomes)
{
    assert(m);
    pthread_mutex_lock(&m->mu);
    observe(&m->cycle, cycle_le, NCYCLE_LE, seconds);
    if (signals > 0)
        m->signals += (uint64_t)signals;
    if (outcomes > 0)
        m->outcomes += (uint64_t)outcomes;
    pthread_mutex_unlock(&m->mu);
}

static size_t route_index(const char *route)
{
    if (!route)
        return 0;
    for (size_t i = 1; i < NROUTES; i++)
        if (strcmp(routes[i], route) == 0)
            return i;
    return 0;
}

void argo_metrics_http(argo_metrics *m, const char *route, int status)
{
    assert(m);
    size_t r = route_index(route);
    size_t s = status >= STATUS_MIN && status <= STATUS_MAX ? (size_t)(status - STATUS_MIN + 1) : 0;
    pthread_mutex_lock(&m->mu);
    m->http[r * NSTATUS + s]++;
    pthread_mutex_unlock(&m->mu);
}

void argo_metrics_store_latency(argo_metrics *m, const char *op, double seconds)
{
    assert(m);
    assert(op);
    pthread_mutex_lock(&m->mu);
    op_series *o = &m->ops[ARGO_METRICS_OPS_MAX];
    bool fits = strlen(op) < sizeof o->name;
    for (size_t i = 0; fits && i < m->nops; i++)
        if (strcmp(m->ops[i].name, op) == 0) {
            o = &m->ops[i];
            break;
        }
    if (fits && o == &m->ops[ARGO_METRICS_OPS_MAX] && m->nops < ARGO_METRICS_OPS_MAX &&
        strcmp(op, "other") != 0) {
        o = &m->ops[m->nops++];
        snprintf(o->name, sizeof o->name, "%s", op);
    }
    observe(&o->h, store_le, NSTORE_LE, seconds);
    pthread_mutex_unlock(&m->mu);
}

void argo_metrics_stream(argo_metrics *m, size_t clients, uint64_t dropped, uint64_t behind)
{
    assert(m);
    pthread_mutex_lock(&m->mu);
    m->stream_clients = clients;
    if (dropped > m->stream_dropped) /* a counter never goes down */
        m->stream_dropped = dropped;
    m->stream_behind = behind;
    pthread_mutex_unlock(&m->mu);
}

void argo_metrics_backup_day(argo_metrics *m, int64_t day)
{
    assert(m);
    pthread_mutex_lock(&m->mu);
    m->backup_day = day;
    pthread_mutex_unlock(&m->mu);
}

void argo_metrics_ece(argo_metrics *m, double ece)
{
    assert(m);
    pthread_mutex_lock(&m->mu);
    m->ece = ece;
    pthread_mutex_unlock(&m->mu);
}

/* A label value escaped as the text format asks: backslash, double
 * quote and line feed as \\, \" and \n. */
static void put_label(FILE *f, const char *v)
{
    for (const char *p = v; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", f);
        else if (*p == '"')
            fputs("\\\"", f);
        else if (*p == '\n')
            fputs("\\n", f);
        else
            fputc(*p, f);
    }
}

/* A sample value: Go's ParseFloat forms; NaN and infinities spelled as
 * the format says. */
static void put_value(FILE *f, double v)
{
    if (isnan(v))
        fputs("NaN", f);
    else if (isinf(v))
        fputs(v > 0 ? "+Inf" : "-Inf", f);
    else
        fprintf(f, "%.17g", v);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One histogram's series; label "NAME=\"VALUE\"," prefix or "". */
static void put_histogram(FILE *f, const char *name, const char *lname, const char *lvalue,
                          const histogram *h, const char *const *le_text, size_t nle)
{
    uint64_t cum = 0;
    for (size_t i = 0; i <= nle; i++) {
        cum += h->buckets[i];
        fprintf(f, "%s_bucket{", name);
        if (lname) {
            fprintf(f, "%s=\"", lname);
            put_label(f, lvalue);
            fputs("\",", f);
        }
        fprintf(f, "le=\"%s\"} %" PRIu64 "\n", i < nle ? le_text[i] : "+Inf", cum);
    }
    const char *sfx[2] = {"_sum", "_count"};
    for (int k = 0; k < 2; k++) {
        fprintf(f, "%s%s", name, sfx[k]);
        if (lname) {
            fprintf(f, "{%s=\"", lname);
            put_label(f, lvalue);
            fputs("\"}", f);
        }
        fputc(' ', f);
        if (k == 0)
            put_value(f, h->sum);
        else
            fprintf(f, "%" PRIu64, h->count);
        fputc('\n', f);
    }
}

void argo_metrics_fetch(argo_metrics *m, const argo_metrics_fetch_cycle *c)
{
    assert(m && c);
    pthread_mutex_lock(&m->mu);
    m->fetched = true;
    m->fetch_cycles++;
    m->fetch_calls += (uint64_t)c->calls;
    m->fetch_retries += (uint64_t)c->retries;
    m->fetch_304 += (uint64_t)c->not_modified;
    m->fetch_bytes += (uint64_t)c->bytes;
    m->fetch_bars += (uint64_t)c->bars;
    m->fetch_corrections += (uint64_t)c->corrections;
    m->fetch_seconds = c->seconds;
    m->fetch_hit_rate = c->hit_rate;
    pthread_mutex_unlock(&m->mu);
}

void argo_metrics_feed(argo_metrics *m, const argo_metrics_feed_state *f)
{
    assert(m && f);
    pthread_mutex_lock(&m->mu);
    m->feed_on = true;
    m->feed = *f;
    pthread_mutex_unlock(&m->mu);
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
    family(f, name, "counter", help);
    fprintf(f, "%s %" PRIu64 "\n", name, v);
}

int argo_metrics_render(argo_metrics *m, char **text, size_t *len, argo_err *err)
{
    assert(m);
    assert(text);
    assert(len);
    *text = NULL;
    *len = 0;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return argo_err_set(err, ARGO_ENOMEM, "metrics: out of memory");

    pthread_mutex_lock(&m->mu);
    family(f, "argo_up", "gauge", "1 while argo serve answers.");
    fputs("argo_up 1\n", f);
    family(f, "argo_start_time_seconds", "gauge",
           "When the server started, in seconds since the Unix epoch.");
    fputs("argo_start_time_seconds ", f);
    put_value(f, m->start_time);
    fputc('\n', f);

    family(f, "argo_cycle_duration_seconds", "histogram",
           "Duration of a live cycle (generate, track, publish).");
    put_histogram(f, "argo_cycle_duration_seconds", NULL, NULL, &m->cycle, cycle_le_text,
                  NCYCLE_LE);
    family(f, "argo_signals_total", "counter", "Signals made by the live cycles.");
    fprintf(f, "argo_signals_total %" PRIu64 "\n", m->signals);
    family(f, "argo_outcomes_total", "counter", "Signals resolved by the live cycles.");
    fprintf(f, "argo_outcomes_total %" PRIu64 "\n", m->outcomes);

    family(f, "argo_http_requests_total", "counter",
           "HTTP requests answered, by route template and status.");
    for (size_t r = 0; r < NROUTES; r++)
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t c = m->http[r * NSTATUS + s];
            if (!c)
                continue;
            fputs("argo_http_requests_total{route=\"", f);
            put_label(f, routes[r]);
            if (s == 0)
                fputs("\",status=\"other\"}", f);
            else
                fprintf(f, "\",status=\"%zu\"}", s - 1 + STATUS_MIN);
            fprintf(f, " %" PRIu64 "\n", c);
        }

    family(f, "argo_store_latency_seconds", "histogram",
           "Duration of a store operation of the server, by operation.");
    for (size_t i = 0; i <= ARGO_METRICS_OPS_MAX; i++) {
        const op_series *o = &m->ops[i];
        if (i >= m->nops && i < ARGO_METRICS_OPS_MAX)
            continue;
        if (i == ARGO_METRICS_OPS_MAX && o->h.count == 0)
            continue;
        put_histogram(f, "argo_store_latency_seconds", "op", o->name, &o->h, store_le_text,
                      NSTORE_LE);
    }

    family(f, "argo_stream_clients", "gauge", "WebSocket stream clients connected.");
    fprintf(f, "argo_stream_clients %" PRIu64 "\n", m->stream_clients);
    family(f, "argo_stream_dropped_clients_total", "counter",
           "Stream clients closed for falling too far behind.");
    fprintf(f, "argo_stream_dropped_clients_total %" PRIu64 "\n", m->stream_dropped);
    family(f, "argo_stream_events_behind", "gauge",
           "Events queued for stream clients but not yet sent, summed over clients.");
    fprintf(f, "argo_stream_events_behind %" PRIu64 "\n", m->stream_behind);

    family(f, "argo_backup_age_seconds", "gauge",
           "Seconds since the end of the newest backed-up day (absent: no backup).");
    if (m->backup_day != INT64_MIN) {
        int64_t age = (int64_t)time(NULL) - (m->backup_day + 86400);
        fprintf(f, "argo_backup_age_seconds %" PRId64 "\n", age > 0 ? age : 0);
    }
    family(f, "argo_calibration_ece", "gauge",
           "Expected calibration error of the stored confidences against every outcome, 10 bins "
           "(absent: none resolved).");
    if (isfinite(m->ece)) {
        fputs("argo_calibration_ece ", f);
        put_value(f, m->ece);
        fputc('\n', f);
    }
    if (m->fetched) {
        counter(f, "argo_provider_fetch_cycles_total",
                "Fetch cycles from the market-data provider.", m->fetch_cycles);
        counter(f, "argo_provider_calls_total",
                "Requests sent to the market-data provider, retries included.", m->fetch_calls);
        counter(f, "argo_provider_retries_total", "Requests to the provider that were retries.",
                m->fetch_retries);
        counter(f, "argo_provider_not_modified_total",
                "Provider answers 304 Not Modified (HTTP cache hits).", m->fetch_304);
        counter(f, "argo_provider_bytes_total", "Body bytes received from the provider.",
                m->fetch_bytes);
        counter(f, "argo_provider_bars_total", "New bars stored from the provider.", m->fetch_bars);
        counter(f, "argo_provider_corrections_total",
                "Revised bars from the provider recorded as corrections (never applied).",
                m->fetch_corrections);
        family(f, "argo_provider_fetch_duration_seconds", "gauge",
               "Duration of the last fetch cycle.");
        fputs("argo_provider_fetch_duration_seconds ", f);
        put_value(f, m->fetch_seconds);
        fputc('\n', f);
        family(f, "argo_provider_cache_hit_ratio", "gauge",
               "304 answers over requests of the last fetch cycle (absent: no request).");
        if (isfinite(m->fetch_hit_rate)) {
            fputs("argo_provider_cache_hit_ratio ", f);
            put_value(f, m->fetch_hit_rate);
            fputc('\n', f);
        }
    }
    if (m->feed_on) {
        family(f, "argo_feed_up", "gauge", "1 while the provider's bar stream is live.");
        fprintf(f, "argo_feed_up %d\n", m->feed.up);
        counter(f, "argo_feed_messages_total", "Bar messages received from the provider's stream.",
                (uint64_t)m->feed.messages);
        counter(f, "argo_feed_minute_bars_total", "Minute bars taken by the aggregator.",
                (uint64_t)m->feed.minutes);
        counter(f, "argo_feed_reconnects_total", "Reconnections of the provider's stream.",
                (uint64_t)m->feed.reconnects);
        counter(f, "argo_feed_late_total", "Minute bars for a bar already closed, dropped.",
                (uint64_t)m->feed.late);
        counter(f, "argo_feed_rejected_total", "Stream messages that could not be used, dropped.",
                (uint64_t)m->feed.rejected);
        counter(f, "argo_feed_gap_fills_total",
                "Gaps filled through REST after the stream (re)connected.",
                (uint64_t)m->feed.gaps_filled);
    }
    pthread_mutex_unlock(&m->mu);

    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad || !buf) {
        free(buf);
        return argo_err_set(err, ARGO_ENOMEM, "metrics: out of memory");
    }
    *text = buf;
    *len = n;
    return 0;
}
