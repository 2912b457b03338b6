/* SPDX-License-Identifier: MIT */
/*
 * server/serve.c - argo serve (server/serve.h): one libwebsockets
 * context and vhost; the HTTP protocol (REST, /health, /metrics) and the
 * stream protocol (server/stream.h) on one port; the work pool
 * (server/work.h) behind it; the live loop's timers (inbox, end of day,
 * health events); signals through a thread that waits for them (no
 * signal handler runs at all) and wakes the service thread.
 *
 * Every socket is touched on the service thread only. A request that
 * needs the store becomes a job; the job keeps the connection's id and
 * a pointer to its session that the session clears when it closes, so
 * a response to a closed connection is dropped, never written to freed
 * memory.
 */
#include "server/serve.h"

#include "app/app.h"
#include "app/archive.h"
#include "app/backup.h"
#include "app/fetch.h"
#include "app/flow.h"
#include "app/health.h"
#include "app/json.h"
#include "app/keyring.h"
#include "app/keys.h"
#include "app/live.h"
#include "app/query.h"
#include "base/limits.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/files.h"
#include "server/metrics.h"
#include "server/stream.h"
#include "server/work.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { RUNNING, STOPPING, FLUSHING, DONE };

#define QUERY_MAX 2048 /* bytes of a request's query string */
#define TICK_US (250 * 1000)
#define WRITE_CHUNK (256 * 1024) /* bytes of a body handed to lws at once */
#define BODY_TOO_LARGE                                                                             \
    "the body is larger than 16 MiB (" ARGO_STR(ARGO_HTTP_BODY_MAX_BYTES) " bytes)"
#define FLUSH_S 2.0 /* at most this long to write the last responses and close frames */

typedef struct serve serve;

/* One HTTP connection's session (lws per-session data). */
typedef struct pss {
    serve *s;
    struct lws *wsi;
    uint64_t conn;        /* this connection's id; 0: not set up yet */
    struct http_job *job; /* the request in flight, or NULL */
    /* the response being written */
    argo_api_response resp;
    const char *route; /* for metrics */
    bool have_resp, headers_sent, head, close_after;
    size_t sent;
    double started; /* the request began (monotonic seconds) */
    /* the body being read */
    bool reading, body_refused;
} pss;

typedef enum job_kind { JOB_API, JOB_HEALTH, JOB_KEYS } job_kind;

typedef struct http_job {
    serve *s;
    job_kind kind;
    pss *pss; /* cleared when the connection closes */
    uint64_t conn;
    argo_api_route route;
    argo_api_request req;
    char method[8];
    char *path, *query, *inm, *ctype;
    unsigned char *body;
    size_t body_len, body_cap;
    int level; /* JOB_HEALTH */
    argo_api_response resp;
    argo_keyring *ring; /* JOB_KEYS */
    char *ckey;         /* a cacheable read: its cache key; NULL: not cacheable */
    uint64_t gen;       /* the store generation when it was submitted */
    argo_err err;
} http_job;

struct serve {
    argo_auth *auth;
    const argo_keyring *auth_ring; /* auth's; the stream borrows it */
    argo_config cfg;
    const argo_serve_options *opt;
    struct lws_context *ctx;
    struct lws_vhost *vh;
    struct lws_protocols protocols[3];
    argo_work *work;
    argo_stream *stream;
    argo_metrics *metrics;
    argo_app *svc_app; /* the service thread's: config only, no store (health level 1) */
    atomic_int sig_stop, sig_hup;
    int phase;
    double flush_until;
    uint64_t next_conn;
    uint64_t gen; /* bumped by every write the server makes (the read cache) */
    struct cache_entry *cache;
    size_t cache_next;
    size_t writing; /* responses being written */
    lws_sorted_usec_list_t tick;
    double last_inbox, last_health;
    bool inbox_busy, eod_busy, health_busy, keys_busy;
    /* market data ([provider]): the writer's REST client, the stream */
    argo_provider *rest;
    argo_live *feed;
    double last_fetch;
    bool fetch_busy, feed_busy, caught_up;
    int64_t eod_done_day; /* the last day whose end-of-day work ran */
    int health_status;    /* the last level-2 status seen; -1: none yet */
    pthread_mutex_t live_mu;
    argo_health_live live;
    double cycle_gen_s;
    int64_t cycle_signals;
    int listen_port;
    char listen_addr[64];
};

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- jobs ---- */

static void job_free(http_job *j)
{
    if (!j)
        return;
    free(j->path);
    free(j->query);
    free(j->inm);
    free(j->ctype);
    free(j->body);
    free(j->ckey);
    argo_api_response_cleanup(&j->resp);
    argo_keyring_free(j->ring);
    free(j);
}

static void detach(pss *p)
{
    if (p->job) {
        p->job->pss = NULL;
        p->job = NULL;
    }
}

/* ---- responses ---- */

static void resp_clear(pss *p)
{
    if (p->have_resp)
        p->s->writing--;
    p->have_resp = false;
    argo_api_response_cleanup(&p->resp);
}

static void respond(pss *p, argo_api_response *r)
{
    resp_clear(p);
    p->s->writing++;
    p->resp = *r;
    memset(r, 0, sizeof *r);
    p->have_resp = true;
    p->headers_sent = false;
    p->sent = 0;
    lws_set_timeout(p->wsi, NO_PENDING_TIMEOUT, 0);
    lws_callback_on_writable(p->wsi);
}

static void respond_error(pss *p, int status, const char *code, const char *msg)
{
    argo_api_response r = {0};
    argo_api_error(&r, status, code, "%s", msg);
    if (!r.body && status != 304) { /* no memory even for the error: a static body */
        static const char fallback[] = "{\"error\": {\"status\": 500, \"code\": \"internal\", "
                                       "\"message\": \"out of memory\"}}";
        r.status = 500;
        r.content_type = "application/json";
        r.body = strdup(fallback);
        r.len = r.body ? sizeof fallback - 1 : 0;
    }
    respond(p, &r);
}

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **pp,
                      unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), pp, end);
}

/* Service thread, in HTTP_WRITEABLE: the headers, then the body in
 * pieces. Returns what the callback returns. */
static int write_response(pss *p)
{
    serve *s = p->s;
    struct lws *wsi = p->wsi;
    argo_api_response *r = &p->resp;
    static unsigned char buf[LWS_PRE + WRITE_CHUNK];
    if (!p->headers_sent) {
        unsigned char *start = buf + LWS_PRE, *q = start, *end = buf + sizeof buf - 1;
        bool nobody = p->head || r->status == 304 || r->status == 204 || !r->body;
        /* HEAD: the GET's length (api.h: len holds it), and no body */
        lws_filepos_t clen = p->head && r->status == 200 ? r->len : nobody ? 0 : r->len;
        if (lws_add_http_header_status(wsi, (unsigned int)r->status, &q, end))
            return -1;
        if (r->status != 304 && r->content_type &&
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                         (const unsigned char *)r->content_type,
                                         (int)strlen(r->content_type), &q, end))
            return -1;
        if (lws_add_http_header_content_length(wsi, clen, &q, end))
            return -1;
        if (r->cache_control && add_header(wsi, "cache-control:", r->cache_control, &q, end))
            return -1;
        if (r->etag[0] && add_header(wsi, "etag:", r->etag, &q, end))
            return -1;
        if (r->csp && add_header(wsi, "content-security-policy:", r->csp, &q, end))
            return -1;
        if (r->allow[0] && add_header(wsi, "allow:", r->allow, &q, end))
            return -1;
        if (r->retry_after > 0) {
            char ra[16];
            snprintf(ra, sizeof ra, "%d", r->retry_after);
            if (add_header(wsi, "retry-after:", ra, &q, end))
                return -1;
        }
        if (r->status == 401 && add_header(wsi, "www-authenticate:", "Bearer", &q, end))
            return -1;
        if (p->close_after && add_header(wsi, "connection:", "close", &q, end))
            return -1;
        if (add_header(wsi, "x-content-type-options:", "nosniff", &q, end))
            return -1;
        if (lws_finalize_http_header(wsi, &q, end))
            return -1;
        if (lws_write(wsi, start, (size_t)(q - start), LWS_WRITE_HTTP_HEADERS) < 0)
            return -1;
        p->headers_sent = true;
        argo_metrics_http(s->metrics, p->route ? p->route : "other", r->status);
        if (nobody) {
            resp_clear(p);
            if (p->close_after)
                return -1;
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        lws_callback_on_writable(wsi);
        return 0;
    }
    size_t left = r->len - p->sent, n = left < WRITE_CHUNK ? left : WRITE_CHUNK;
    memcpy(buf + LWS_PRE, r->body + p->sent, n);
    bool last = n == left;
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0)
        return -1;
    p->sent += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    resp_clear(p);
    if (p->close_after)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- the read cache ----
 * A 200 answer of a reader route, kept on the service thread by
 * (role, path, query) while the store has not changed: every write the
 * server makes (a writer job, an announced event) bumps s->gen, and an
 * entry also expires after ARGO_SERVE_CACHE_TTL_MS, so a change made
 * by another process (argo backup beside the server) shows within it. */
typedef struct cache_entry {
    char *key;
    uint64_t hash, gen;
    double at;
    argo_api_response resp;
} cache_entry;

static uint64_t hash_str(const char *k)
{
    uint64_t h = 1469598103934665603ull;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
    return h;
}

static void cache_entry_clear(cache_entry *e)
{
    free(e->key);
    argo_api_response_cleanup(&e->resp);
    memset(e, 0, sizeof *e);
}

static const cache_entry *cache_get(serve *s, const char *key)
{
    if (!s->cache)
        return NULL;
    uint64_t h = hash_str(key);
    double now = mono();
    for (size_t i = 0; i < ARGO_SERVE_CACHE_ENTRIES; i++) {
        cache_entry *e = &s->cache[i];
        if (e->key && e->hash == h && !strcmp(e->key, key))
            return e->gen == s->gen && (now - e->at) * 1000 < ARGO_SERVE_CACHE_TTL_MS ? e : NULL;
    }
    return NULL;
}

static void cache_put(serve *s, const char *key, const argo_api_response *r)
{
    if (!s->cache || r->status != 200 || !r->body || r->len > ARGO_SERVE_CACHE_BODY_MAX)
        return;
    uint64_t h = hash_str(key);
    cache_entry *e = NULL;
    for (size_t i = 0; i < ARGO_SERVE_CACHE_ENTRIES && !e; i++)
        if (s->cache[i].key && s->cache[i].hash == h && !strcmp(s->cache[i].key, key))
            e = &s->cache[i];
    if (!e) {
        e = &s->cache[s->cache_next];
        s->cache_next = (s->cache_next + 1) % ARGO_SERVE_CACHE_ENTRIES;
    }
    cache_entry_clear(e);
    char *k = strdup(key), *b = malloc(r->len ? r->len : 1);
    if (!k || !b) {
        free(k);
        free(b);
        return;
    }
    memcpy(b, r->body, r->len);
    e->key = k;
    e->hash = h;
    e->gen = s->gen;
    e->at = mono();
    e->resp = *r;
    e->resp.body = b;
}

/* If-None-Match holds the entity tag (or is "*"). */
static bool etag_matches(const char *inm, const char *etag)
{
    return inm && etag[0] && (!strcmp(inm, "*") || strstr(inm, etag));
}

static void cache_answer(pss *p, const cache_entry *e, const char *inm)
{
    argo_api_response r = e->resp;
    r.body = NULL;
    r.len = 0;
    if (etag_matches(inm, e->resp.etag)) {
        r.status = 304;
        r.content_type = NULL;
    } else if (!p->head) {
        r.body = malloc(e->resp.len ? e->resp.len : 1);
        if (!r.body) {
            respond_error(p, 500, "internal", "out of memory");
            return;
        }
        memcpy(r.body, e->resp.body, e->resp.len);
        r.len = e->resp.len;
    } else {
        r.len = e->resp.len; /* HEAD: the GET's length, no body */
    }
    respond(p, &r);
}

/* ---- the live state health and metrics read ---- */

static void live_snapshot(serve *s, argo_health_live *out)
{
    pthread_mutex_lock(&s->live_mu);
    *out = s->live;
    pthread_mutex_unlock(&s->live_mu);
}

static void on_notice(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "argo serve: %s\n", line);
}

/* The backup gauge: the newest backed-up day under [archive] dir (at the
 * start and after each end-of-day backup). */
static void set_backup_day(serve *s, argo_app *app)
{
    argo_app_backup_state *v = NULL;
    size_t n = 0;
    argo_err err = {0};
    if (argo_app_backup_states(app, NULL, false, 0, &v, &n, NULL, &err))
        fprintf(stderr, "argo serve: the backups for /metrics: %s\n", err.msg);
    else
        argo_metrics_backup_day(s->metrics, n ? v[n - 1].day : INT64_MIN);
    free(v);
}

/* The calibration gauge: the ECE of the confidences as stored against
 * every outcome (argo_app_calibration_ece), at the start and after each
 * cycle that resolved signals. */
static void set_ece(serve *s, argo_app *app)
{
    double ece;
    argo_err err = {0};
    if (argo_app_calibration_ece(app, &ece, &err))
        fprintf(stderr, "argo serve: calibration ECE for /metrics: %s\n", err.msg);
    else
        argo_metrics_ece(s->metrics, ece);
}

/* Writer thread (work.c's on_cycle): the cycle metrics and the live
 * state. A cycle is generate then track; ingest and replay count too. */
static void on_cycle(void *ctx, argo_app *app, const argo_cycle *c, double seconds)
{
    serve *s = ctx;
    if (!strcmp(c->op, "generate")) {
        s->cycle_signals = c->signals;
        s->cycle_gen_s = seconds;
        return;
    }
    if (!strcmp(c->op, "track")) {
        seconds += s->cycle_gen_s; /* a cycle is generate then track */
        argo_metrics_cycle(s->metrics, seconds, s->cycle_signals, c->outcomes);
        if (c->outcomes)
            set_ece(s, app); /* new outcomes: the calibration measured again */
        pthread_mutex_lock(&s->live_mu);
        s->live.last_cycle_at = (int64_t)time(NULL);
        s->live.last_cycle_ms = seconds * 1000;
        pthread_mutex_unlock(&s->live_mu);
        s->cycle_signals = 0;
    }
}

/* Service thread (argo_work_drain): an event the writer committed. */
static void on_event(void *ctx, const argo_event *ev)
{
    serve *s = ctx;
    s->gen++;
    argo_stream_publish(s->stream, ev);
}

/* ---- jobs that answer requests ---- */

static void run_api(argo_app *app, void *arg)
{
    http_job *j = arg;
    double t0 = mono();
    if (argo_api_handle(app, &j->req, &j->resp)) {
        argo_api_response_cleanup(&j->resp);
        j->resp = (argo_api_response){.status = 500};
    }
    /* the store time of a request, by where it ran */
    argo_metrics_store_latency(j->s->metrics, j->route.runs == ARGO_API_WRITER ? "write" : "read",
                               mono() - t0);
}

static char *health_body(const argo_health_report *rep, size_t *len)
{
    json_t *doc = argo_json_health_report(rep);
    char *t = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(doc);
    if (t)
        *len = strlen(t);
    return t;
}

static void health_into(argo_app *app, serve *s, int level, argo_api_response *r)
{
    argo_health_live live;
    live_snapshot(s, &live);
    argo_health_report rep = {0};
    argo_err err = {0};
    int rc = argo_app_health_run(app, level, &live, &rep, &err);
    if (rc) {
        argo_health_report_cleanup(&rep);
        argo_api_error(r, 500, "internal", "health: %s", err.msg);
        return;
    }
    r->status = rep.status == ARGO_HEALTH_FAILING ? 503 : 200;
    r->content_type = "application/json";
    r->cache_control = "no-store";
    r->body = health_body(&rep, &r->len);
    argo_health_report_cleanup(&rep);
    if (!r->body)
        argo_api_error(r, 500, "internal", "health: out of memory");
}

static void run_health(argo_app *app, void *arg)
{
    http_job *j = arg;
    health_into(app, j->s, j->level, &j->resp);
}

static void job_done(void *arg, bool cancelled)
{
    http_job *j = arg;
    pss *p = j->pss;
    if (!cancelled && j->kind == JOB_API && j->route.runs == ARGO_API_WRITER)
        j->s->gen++; /* the writer may have changed anything a read shows */
    if (!cancelled && j->ckey && j->gen == j->s->gen)
        cache_put(j->s, j->ckey, &j->resp);
    if (p && p->conn == j->conn) {
        p->job = NULL;
        if (cancelled) {
            p->close_after = true;
            respond_error(p, 503, "unavailable", "the server is stopping");
        } else if (j->resp.status == 500 && !j->resp.body) {
            respond_error(p, 500, "internal", "out of memory");
        } else {
            respond(p, &j->resp);
        }
    }
    job_free(j);
}

/* ---- requests ---- */

static const char *method_of(struct lws *wsi)
{
    static const struct {
        enum lws_token_indexes t;
        const char *m;
    } tab[] = {{WSI_TOKEN_GET_URI, "GET"},     {WSI_TOKEN_POST_URI, "POST"},
               {WSI_TOKEN_PUT_URI, "PUT"},     {WSI_TOKEN_DELETE_URI, "DELETE"},
               {WSI_TOKEN_PATCH_URI, "PATCH"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
               {WSI_TOKEN_HEAD_URI, "HEAD"}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (lws_hdr_total_length(wsi, tab[i].t) > 0)
            return tab[i].m;
    return NULL;
}

/* The query string: lws keeps each '&'-separated argument apart. */
static int query_of(struct lws *wsi, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = 0;; i++) {
        int l = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (l <= 0)
            break;
        if (n + (size_t)l + 2 > cap)
            return -1;
        if (n)
            out[n++] = '&';
        if (lws_hdr_copy_fragment(wsi, out + n, (int)(cap - n), WSI_TOKEN_HTTP_URI_ARGS, i) < 0)
            return -1;
        n += strlen(out + n);
    }
    return 0;
}

static char *hdr_dup(struct lws *wsi, enum lws_token_indexes t)
{
    int n = lws_hdr_total_length(wsi, t);
    if (n <= 0)
        return NULL;
    char *v = malloc((size_t)n + 1);
    if (v && lws_hdr_copy(wsi, v, n + 1, t) < 0) {
        free(v);
        v = NULL;
    }
    return v;
}

/* The value of name in query ("level=2&x=y"), into out. */
static bool query_get(const char *q, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t l = amp ? (size_t)(amp - q) : strlen(q);
        if (l > nl && !strncmp(q, name, nl) && q[nl] == '=') {
            size_t vl = l - nl - 1;
            if (vl >= cap)
                return false;
            memcpy(out, q + nl + 1, vl);
            out[vl] = 0;
            return true;
        }
        q = amp ? amp + 1 : NULL;
    }
    return false;
}

/* Hands a finished request (headers and body read) to its runner. */
static void dispatch(pss *p)
{
    serve *s = p->s;
    http_job *j = p->job;
    j->req.body = j->body;
    j->req.body_len = j->body_len;
    if (j->kind == JOB_HEALTH || j->route.runs != ARGO_API_INLINE) {
        bool writer = j->kind == JOB_API && j->route.runs == ARGO_API_WRITER;
        argo_err err = {0};
        int rc = argo_work_submit(s->work, writer, j->kind == JOB_HEALTH ? run_health : run_api,
                                  job_done, j, &err);
        if (rc) {
            p->job = NULL;
            job_free(j);
            argo_api_response r = {0};
            argo_api_error(&r, 503, "busy", "%s; retry later", err.msg);
            r.retry_after = 1;
            respond(p, &r);
            return;
        }
        /* the job may run long (a cycle): no lws timeout meanwhile */
        lws_set_timeout(p->wsi, NO_PENDING_TIMEOUT, 0);
        return;
    }
    p->job = NULL;
    if (argo_api_handle(NULL, &j->req, &j->resp)) {
        job_free(j);
        respond_error(p, 500, "internal", "out of memory");
        return;
    }
    respond(p, &j->resp);
    job_free(j);
}

/* LWS_CALLBACK_HTTP: the headers are in. Returns the callback's value. */
static int on_http(pss *p, const char *uri)
{
    serve *s = p->s;
    struct lws *wsi = p->wsi;
    if (!p->conn)
        p->conn = ++s->next_conn;
    detach(p);
    p->route = "other";
    p->close_after = false;
    p->head = false;
    p->reading = p->body_refused = false;
    p->started = mono();
    if (s->phase != RUNNING) {
        p->close_after = true;
        respond_error(p, 503, "unavailable", "the server is stopping");
        return 0;
    }
    const char *method = method_of(wsi);
    if (!method) {
        respond_error(p, 405, "method_not_allowed", "this method is not served");
        return 0;
    }
    p->head = !strcmp(method, "HEAD");
    char query[QUERY_MAX];
    if (query_of(wsi, query, sizeof query)) {
        p->route = "other";
        respond_error(p, 414, "uri_too_long",
                      "the query is longer than " ARGO_STR(QUERY_MAX) " bytes");
        return 0;
    }
    const char *path = uri;
    argo_auth_result who;
    argo_auth_check(s->auth, wsi, &who);

    http_job *j = calloc(1, sizeof *j);
    if (!j) {
        respond_error(p, 500, "internal", "out of memory");
        return 0;
    }
    j->s = s;
    j->kind = JOB_API;
    snprintf(j->method, sizeof j->method, "%s", method);

    argo_role needs = ARGO_ROLE_NONE;
    const argo_file *file = argo_files_find(path);
    if (file || !strcmp(path, "/") || !strncmp(path, "/dashboard/", 11)) {
        /* the dashboard's files: no key (they hold no data), no worker */
        job_free(j);
        p->route = !strcmp(path, "/") ? "/" : "/dashboard/{file}";
        argo_api_response r = {0};
        if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
            argo_api_error(&r, 405, "method_not_allowed", "%s %s: use GET", method, p->route);
            snprintf(r.allow, sizeof r.allow, "GET, HEAD");
        } else if (!file) {
            argo_api_error(&r, 404, "not_found", "no such file");
        } else {
            char *inm = hdr_dup(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH);
            int rc = argo_files_respond(file, inm, p->head, &r);
            free(inm);
            if (rc) {
                respond_error(p, 500, "internal", "out of memory");
                return 0;
            }
        }
        respond(p, &r);
        return 0;
    }
    if (!strcmp(path, "/health")) {
        p->route = "/health";
        char lv[8] = "1";
        query_get(query, "level", lv, sizeof lv);
        int level = !strcmp(lv, "1") ? 1 : !strcmp(lv, "2") ? 2 : !strcmp(lv, "3") ? 3 : 0;
        if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
            job_free(j);
            argo_api_response r = {0};
            argo_api_error(&r, 405, "method_not_allowed", "%s /health: use GET", method);
            snprintf(r.allow, sizeof r.allow, "GET, HEAD");
            respond(p, &r);
            return 0;
        }
        if (!level) {
            job_free(j);
            respond_error(p, 400, "bad_request", "level must be 1, 2 or 3");
            return 0;
        }
        j->kind = JOB_HEALTH;
        j->level = level;
        needs = level == 1 ? ARGO_ROLE_NONE : ARGO_ROLE_READ;
    } else if (!strcmp(path, "/metrics")) {
        p->route = "/metrics";
        needs = s->cfg.serve_metrics_public ? ARGO_ROLE_NONE : ARGO_ROLE_READ;
        if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
            job_free(j);
            argo_api_response r = {0};
            argo_api_error(&r, 405, "method_not_allowed", "%s /metrics: use GET", method);
            snprintf(r.allow, sizeof r.allow, "GET, HEAD");
            respond(p, &r);
            return 0;
        }
    } else {
        argo_api_match(method, path, &j->route);
        p->route = j->route.name ? j->route.name : "other";
        if (j->route.status) {
            argo_api_response r = {0};
            if (j->route.status == 405) {
                argo_api_error(&r, 405, "method_not_allowed", "%s is not allowed on %s", method,
                               path);
                snprintf(r.allow, sizeof r.allow, "%s", j->route.allow);
            } else {
                argo_api_error(&r, 404, "not_found", "no such route");
            }
            job_free(j);
            respond(p, &r);
            return 0;
        }
        needs = j->route.needs;
    }
    if (needs != ARGO_ROLE_NONE) {
        if (who.role == ARGO_ROLE_NONE) {
            job_free(j);
            respond_error(p, 401, "unauthorized",
                          who.presented ? "the API key is not valid"
                                        : "an API key is needed (Authorization: Bearer KEY)");
            return 0;
        }
        if (!argo_role_allows(who.role, needs)) {
            job_free(j);
            char m[128];
            snprintf(m, sizeof m, "a key of role %s may not do this (needs %s)",
                     argo_role_name(who.role), argo_role_name(needs));
            respond_error(p, 403, "forbidden", m);
            return 0;
        }
    }
    if (who.role != ARGO_ROLE_NONE) {
        int wait = argo_auth_take(s->auth, who.key_id, mono());
        if (wait) {
            job_free(j);
            argo_api_response r = {0};
            argo_api_error(&r, 429, "rate_limited", "more than %g requests a second on this key",
                           s->cfg.serve_rate_limit);
            r.retry_after = wait;
            respond(p, &r);
            return 0;
        }
    }
    if (!strcmp(path, "/metrics")) {
        job_free(j);
        argo_metrics_stream(s->metrics, argo_stream_clients(s->stream),
                            argo_stream_dropped(s->stream), argo_stream_behind(s->stream));
        argo_api_response r = {.status = 200,
                               .content_type = "text/plain; version=0.0.4; charset=utf-8",
                               .cache_control = "no-store"};
        argo_err err = {0};
        if (argo_metrics_render(s->metrics, &r.body, &r.len, &err)) {
            respond_error(p, 500, "internal", "metrics: out of memory");
            return 0;
        }
        respond(p, &r);
        return 0;
    }
    if (j->kind == JOB_HEALTH && j->level == 1) {
        job_free(j);
        argo_api_response r = {0};
        health_into(s->svc_app, s, 1, &r);
        respond(p, &r);
        return 0;
    }
    j->path = strdup(path);
    j->query = strdup(query);
    j->inm = hdr_dup(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH);
    j->ctype = hdr_dup(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
    if (!j->path || !j->query) {
        job_free(j);
        respond_error(p, 500, "internal", "out of memory");
        return 0;
    }
    j->req = (argo_api_request){.method = j->method,
                                .path = j->path,
                                .query = j->query,
                                .if_none_match = j->inm,
                                .content_type = j->ctype,
                                .role = who.role};
    if (j->kind == JOB_API && j->route.runs == ARGO_API_READER &&
        (!strcmp(method, "GET") || p->head)) {
        char key[QUERY_MAX + 512];
        int kn = snprintf(key, sizeof key, "%d %s?%s", (int)who.role, path, query);
        if (kn > 0 && (size_t)kn < sizeof key) {
            const cache_entry *e = cache_get(s, key);
            if (e) {
                cache_answer(p, e, j->inm);
                job_free(j);
                return 0;
            }
            if (!p->head) {
                j->ckey = strdup(key);
                j->gen = s->gen;
            }
        }
    }
    j->pss = p;
    j->conn = p->conn;
    p->job = j;
    bool body = !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH");
    if (body && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
        /* chunked request bodies are not read: a length is needed */
        detach(p);
        job_free(j);
        p->close_after = true;
        p->body_refused = true;
        respond_error(p, 411, "length_required", "send the body with a Content-Length");
        return 0;
    }
    if (body) {
        char cl[32];
        int n = lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
        if (n <= 0) { /* no body */
            dispatch(p);
            return 0;
        }
        {
            char *e = NULL;
            errno = 0;
            unsigned long long v = strtoull(cl, &e, 10);
            if (errno || e == cl || *e || v > ARGO_HTTP_BODY_MAX) {
                detach(p);
                job_free(j);
                p->close_after = true;
                p->body_refused = true;
                respond_error(p, 413, "payload_too_large", BODY_TOO_LARGE);
                return 0;
            }
            if (v == 0) {
                dispatch(p);
                return 0;
            }
            j->body = malloc((size_t)v);
            if (!j->body) {
                detach(p);
                job_free(j);
                p->close_after = true;
                respond_error(p, 503, "busy", "no memory for the body");
                return 0;
            }
            j->body_cap = (size_t)v;
        }
        p->reading = true;
        /* the whole body must arrive within the idle timeout */
        lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, s->cfg.serve_idle_timeout_s);
        return 0;
    }
    dispatch(p);
    return 0;
}

static int on_body(pss *p, const void *in, size_t len)
{
    serve *s = p->s;
    /* only while a body is awaited (lws may call with none after a
     * Content-Length: 0 request was dispatched) */
    if (!p->reading || p->body_refused || !p->job || !len)
        return 0;
    if (mono() - p->started > s->cfg.serve_idle_timeout_s)
        return -1; /* a slow body: cut */
    http_job *j = p->job;
    if (j->body_len + len > ARGO_HTTP_BODY_MAX) {
        detach(p);
        job_free(j);
        p->body_refused = true;
        p->close_after = true;
        respond_error(p, 413, "payload_too_large", BODY_TOO_LARGE);
        return 0;
    }
    if (j->body_len + len > j->body_cap) {
        size_t cap = j->body_cap ? j->body_cap : 4096;
        while (cap < j->body_len + len)
            cap *= 2;
        if (cap > ARGO_HTTP_BODY_MAX)
            cap = ARGO_HTTP_BODY_MAX;
        unsigned char *b = realloc(j->body, cap);
        if (!b)
            return -1;
        j->body = b;
        j->body_cap = cap;
    }
    memcpy(j->body + j->body_len, in, len);
    j->body_len += len;
    return 0;
}

/* ---- the live loop: inbox, end of day, health events ---- */

typedef struct live_job {
    serve *s;
    int kind; /* 0 inbox, 1 end of day, 2 health check, 3 health event, 4 fetch, 5 stream */
    int64_t day;
    char *data;
    int status;
} live_job;

static int move_to(const char *inbox, const char *sub, const char *name, const char *why)
{
    char dir[ARGO_PATH_MAX], from[ARGO_PATH_MAX], to[ARGO_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/%s", inbox, sub);
    if (mkdir(dir, 0755) && errno != EEXIST)
        return -1;
    snprintf(from, sizeof from, "%s/%s", inbox, name);
    int n = snprintf(to, sizeof to, "%s/%s", dir, name);
    struct stat st;
    for (int i = 1; i < 1000 && stat(to, &st) == 0; i++) /* never overwrite an earlier file */
        n = snprintf(to, sizeof to, "%s/%s.%d", dir, name, i);
    if (n < 0 || (size_t)n >= sizeof to || rename(from, to))
        return -1;
    if (why) {
        char ep[ARGO_PATH_MAX + 8];
        snprintf(ep, sizeof ep, "%s.error", to);
        FILE *f = fopen(ep, "w");
        if (f) {
            fprintf(f, "%s\n", why);
            fclose(f);
        }
    }
    return 0;
}

static void run_inbox(argo_app *app, serve *s)
{
    const char *inbox = s->cfg.serve_inbox;
    DIR *d = opendir(inbox);
    if (!d)
        return;
    char names[ARGO_SERVE_INBOX_FILES_MAX][256];
    size_t n = 0;
    struct dirent *e;
    time_t now = time(NULL);
    while (n < ARGO_SERVE_INBOX_FILES_MAX && (e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || l >= sizeof names[0] || strcmp(e->d_name + l - 4, ".csv") ||
            e->d_name[0] == '.')
            continue;
        char path[ARGO_PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", inbox, e->d_name);
        /* a regular file not written to in the last second (still being
         * copied in, else) */
        if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_mtime >= now)
            continue;
        memcpy(names[n++], e->d_name, l + 1);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        char path[ARGO_PATH_MAX], sym[256];
        snprintf(path, sizeof path, "%s/%s", inbox, names[i]);
        size_t l = strlen(names[i]) - 4;
        memcpy(sym, names[i], l);
        sym[l] = 0;
        const char *paths[1] = {path}, *syms[1] = {sym};
        argo_ingest_report rep;
        argo_err err = {0};
        int rc = argo_app_ingest(app, 1, paths, syms, false, &rep, &err);
        if (rc) {
            if (move_to(inbox, "failed", names[i], err.msg))
                fprintf(stderr, "argo serve: inbox %s: %s (and it could not be moved to failed/)\n",
                        names[i], err.msg);
            continue;
        }
        argo_cycle_report cr;
        argo_err cerr = {0};
        if (argo_app_cycle(app, &cr, &cerr))
            fprintf(stderr, "argo serve: cycle after inbox %s: %s\n", names[i], cerr.msg);
        if (move_to(inbox, "done", names[i], NULL))
            fprintf(stderr, "argo serve: inbox %s: stored, but it could not be moved to done/\n",
                    names[i]);
    }
}

static void run_eod(argo_app *app, serve *s, int64_t day)
{
    argo_app_backup_options bo = {.day = day};
    argo_app_backup_result r = {0};
    argo_err err = {0};
    if (argo_app_backup(app, &bo, &r, &err))
        fprintf(stderr, "argo serve: end-of-day backup: %s\n", err.msg);
    else
        set_backup_day(s, app);
    argo_app_backup_result_cleanup(&r);
    if (s->cfg.s3_bucket[0]) {
        argo_app_remote_options ro = {.day = day, .now = (int64_t)time(NULL)};
        argo_app_remote_result rr;
        argo_err perr = {0};
        if (argo_app_archive_push(app, &ro, &rr, &perr))
            fprintf(stderr, "argo serve: end-of-day push: %s\n", perr.msg);
    }
}

/* Writer: a fetch cycle from the provider (the catch-up at the start,
 * then every [provider] poll_s without a stream), then a live cycle when
 * it stored bars. */
static void run_fetch(argo_app *app, serve *s)
{
    argo_fetch_options fo = {.since = INT64_MIN, .end = INT64_MAX, .provider = s->rest};
    argo_fetch_report *r = NULL;
    argo_err err = {0};
    int rc = argo_app_fetch(app, &fo, &r, &err);
    if (rc)
        fprintf(stderr, "argo serve: fetch: %s\n", err.msg);
    if (r) {
        argo_metrics_fetch_cycle fc = {.calls = r->calls,
                                       .retries = r->retries,
                                       .not_modified = r->not_modified,
                                       .bytes = r->bytes,
                                       .bars = (int64_t)r->bars,
                                       .corrections = (int64_t)r->corrections,
                                       .seconds = r->seconds,
                                       .hit_rate = r->hit_rate};
        argo_metrics_fetch(s->metrics, &fc);
        if (r->not_fetched)
            fprintf(stderr,
                    "argo serve: fetch: %zu symbols not fetched: the call budget is spent\n",
                    r->not_fetched);
    }
    if (r && r->bars) {
        argo_cycle_report cr;
        argo_err cerr = {0};
        if (argo_app_cycle(app, &cr, &cerr))
            fprintf(stderr, "argo serve: cycle after fetch: %s\n", cerr.msg);
    }
    argo_fetch_report_free(r);
}

/* Writer: the stream's closed bars (after filling a gap), then a cycle. */
static void run_feed(argo_app *app, serve *s)
{
    argo_live_report r;
    argo_err err = {0};
    if (argo_live_run(s->feed, app, s->rest, &r, &err))
        fprintf(stderr, "argo serve: stream bars: %s\n", err.msg);
    if (r.gap_calls) {
        argo_metrics_fetch_cycle fc = {.calls = r.gap_calls, .bars = 0, .hit_rate = NAN};
        argo_metrics_fetch(s->metrics, &fc);
    }
}

static void run_live(argo_app *app, void *arg)
{
    live_job *j = arg;
    serve *s = j->s;
    if (j->kind != 2)
        s->gen++; /* inbox, end of day, a health event: writes */
    if (j->kind == 0) {
        run_inbox(app, s);
    } else if (j->kind == 1) {
        run_eod(app, s, j->day);
    } else if (j->kind == 4) {
        run_fetch(app, s);
    } else if (j->kind == 5) {
        run_feed(app, s);
    } else if (j->kind == 2) {
        argo_health_live live;
        live_snapshot(s, &live);
        argo_health_report rep = {0};
        argo_err err = {0};
        if (!argo_app_health_run(app, 2, &live, &rep, &err)) {
            j->status = (int)rep.status;
            json_t *doc = argo_json_health_report(&rep);
            j->data = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
            json_decref(doc);
        } else {
            j->status = -1;
        }
        argo_health_report_cleanup(&rep);
    } else {
        argo_err err = {0};
        if (argo_app_log_health(app, j->data, &err))
            fprintf(stderr, "argo serve: health event: %s\n", err.msg);
    }
}

static void live_done(void *arg, bool cancelled)
{
    live_job *j = arg;
    serve *s = j->s;
    if (j->kind != 2)
        s->gen++; /* inbox, end of day, a health event: writes */
    if (j->kind == 0)
        s->inbox_busy = false;
    else if (j->kind == 1)
        s->eod_busy = false;
    else if (j->kind == 4) {
        s->fetch_busy = false;
        s->caught_up = true;
    } else if (j->kind == 5)
        s->feed_busy = false;
    else if (j->kind == 2) {
        s->health_busy = false;
        if (!cancelled && j->status >= 0 && j->status != s->health_status && j->data &&
            s->phase == RUNNING) {
            s->health_status = j->status;
            live_job *e = calloc(1, sizeof *e);
            if (e) {
                e->s = s;
                e->kind = 3;
                e->data = j->data;
                j->data = NULL;
                if (argo_work_submit(s->work, true, run_live, live_done, e, NULL)) {
                    free(e->data);
                    free(e);
                    s->health_status = -1; /* try again at the next check */
                }
            }
        }
    }
    free(j->data);
    free(j);
}

static void submit_live(serve *s, int kind, bool writer, int64_t day, bool *busy)
{
    live_job *j = calloc(1, sizeof *j);
    if (!j)
        return;
    j->s = s;
    j->kind = kind;
    j->day = day;
    if (argo_work_submit(s->work, writer, run_live, live_done, j, NULL)) {
        free(j);
        return;
    }
    *busy = true;
}

static void keys_run(argo_app *app, void *arg)
{
    http_job *j = arg;
    if (argo_keyring_load(app, &j->ring, &j->err))
        j->ring = NULL;
}

static void keys_done(void *arg, bool cancelled)
{
    http_job *j = arg;
    serve *s = j->s;
    s->keys_busy = false;
    if (!cancelled && j->ring) {
        argo_stream_set_keyring(s->stream, j->ring); /* before the old one is freed */
        s->auth_ring = j->ring;
        argo_auth_set_keyring(s->auth, j->ring);
        j->ring = NULL;
    } else if (!cancelled) {
        fprintf(stderr, "argo serve: reloading the keys: %s (the old keys stay)\n", j->err.msg);
    }
    job_free(j);
}

/* Service thread: the state machine, after every wake-up and tick. */
static void step(serve *s)
{
    double now = mono();
    if (s->phase == RUNNING && !s->keys_busy && atomic_exchange(&s->sig_hup, 0)) {
        http_job *j = calloc(1, sizeof *j);
        if (j) {
            j->s = s;
            j->kind = JOB_KEYS;
            if (argo_work_submit(s->work, false, keys_run, keys_done, j, NULL))
                free(j);
            else
                s->keys_busy = true;
        }
    }
    if (s->phase == RUNNING && atomic_load(&s->sig_stop)) {
        s->phase = STOPPING;
        argo_work_stop(s->work);
    }
    argo_work_drain(s->work);
    if (s->phase == STOPPING && argo_work_stopped(s->work)) {
        argo_work_drain(s->work);
        argo_stream_shutdown(s->stream);
        s->phase = FLUSHING;
        s->flush_until = now + FLUSH_S;
    }
    /* done once every response and close frame is out, or at the deadline */
    if (s->phase == FLUSHING &&
        (now >= s->flush_until || (s->writing == 0 && argo_stream_clients(s->stream) == 0)))
        s->phase = DONE;
    if (s->phase != RUNNING)
        return;
    if (s->cfg.serve_inbox[0] && !s->inbox_busy && now - s->last_inbox >= 1.0) {
        s->last_inbox = now;
        submit_live(s, 0, true, 0, &s->inbox_busy);
    }
    if (s->cfg.serve_end_of_day[0] && !s->eod_busy) {
        time_t t = time(NULL);
        int hh = (s->cfg.serve_end_of_day[0] - '0') * 10 + (s->cfg.serve_end_of_day[1] - '0');
        int mm = (s->cfg.serve_end_of_day[3] - '0') * 10 + (s->cfg.serve_end_of_day[4] - '0');
        int64_t day = (int64_t)t / 86400 * 86400;
        if ((int64_t)t - day >= hh * 3600 + mm * 60 && s->eod_done_day != day) {
            s->eod_done_day = day;
            submit_live(s, 1, true, day, &s->eod_busy);
        }
    }
    if (s->rest && !s->fetch_busy &&
        (!s->caught_up || (!s->feed && now - s->last_fetch >= s->cfg.pv_poll_s))) {
        s->last_fetch = now;
        submit_live(s, 4, true, 0, &s->fetch_busy);
    }
    if (s->feed && s->caught_up) {
        argo_live_tick(s->feed, (int64_t)time(NULL));
        if (!s->feed_busy && argo_live_pending(s->feed))
            submit_live(s, 5, true, 0, &s->feed_busy);
        argo_live_stats ls;
        argo_live_get_stats(s->feed, &ls);
        argo_metrics_feed_state fs = {.up = ls.state == ARGO_FEED_LIVE,
                                      .messages = ls.messages,
                                      .minutes = ls.minutes,
                                      .reconnects = ls.reconnects,
                                      .late = ls.late,
                                      .rejected = ls.rejected,
                                      .gaps_filled = ls.gaps_filled};
        argo_metrics_feed(s->metrics, &fs);
    }
    if (!s->health_busy && now - s->last_health >= 30.0) {
        s->last_health = now;
        submit_live(s, 2, false, 0, &s->health_busy);
    }
    pthread_mutex_lock(&s->live_mu);
    s->live.stream_clients = argo_stream_clients(s->stream);
    pthread_mutex_unlock(&s->live_mu);
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
    serve *s = lws_container_of(sul, serve, tick);
    step(s);
    lws_sul_schedule(s->ctx, 0, &s->tick, on_tick, TICK_US);
}

/* ---- the HTTP protocol ---- */

/* Service thread: an upgrade request, from the HTTP protocol or (as lws
 * hands it to the vhost's default WebSocket protocol) from the stream's
 * (argo_stream_set_confirm). Only GET /api/v1/stream upgrades, and only
 * while running. */
static int confirm_upgrade(void *ctx, struct lws *wsi, const char *up)
{
    serve *s = ctx;
    char uri[64];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) < 0 ||
        strcmp(uri, "/api/v1/stream") || !up || strcmp(up, "websocket")) {
        argo_metrics_http(s->metrics, "other", 404);
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return 1;
    }
    if (s->phase != RUNNING) {
        argo_metrics_http(s->metrics, "/api/v1/stream", 503);
        lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, NULL);
        return 1;
    }
    /* the key is the stream's to check (a header or its first message) */
    argo_metrics_http(s->metrics, "/api/v1/stream", 101);
    return 0;
}

static int cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    pss *p = user;
    serve *s = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        /* a connection that sends nothing is closed after the idle
         * timeout too (lws times out only a request begun) */
        lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE, s->cfg.serve_idle_timeout_s);
        break;
    case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
        if (p) {
            memset(p, 0, sizeof *p);
            p->s = s;
            p->wsi = wsi;
        }
        break;
    case LWS_CALLBACK_HTTP:
        if (!p)
            return -1;
        p->s = s;
        p->wsi = wsi;
        return on_http(p, in ? (const char *)in : "/");
    case LWS_CALLBACK_HTTP_BODY:
        if (!p)
            return -1;
        return on_body(p, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!p)
            return -1;
        if (!p->reading) /* dispatched already, or refused */
            return 0;
        p->reading = false;
        if (p->body_refused || !p->job)
            return 0;
        dispatch(p);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!p || !p->have_resp)
            return 0;
        return write_response(p);
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return s ? confirm_upgrade(s, wsi, in) : 1;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (p) {
            detach(p);
            if (reason == LWS_CALLBACK_CLOSED_HTTP) {
                resp_clear(p);
                p->conn = 0;
            }
        }
        break;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (s)
            step(s);
        break;
    default:
        break;
    }
    return 0;
}

/* ---- signals: a thread that waits for them ---- */

typedef struct sigthread {
    serve *s;
    sigset_t set;
    pthread_t tid;
} sigthread;

static void *sig_main(void *arg)
{
    sigthread *t = arg;
    for (;;) {
        int sig = 0;
        if (sigwait(&t->set, &sig))
            continue;
        if (sig == SIGHUP) {
            atomic_store(&t->s->sig_hup, 1);
        } else if (sig == SIGTERM || sig == SIGINT) {
            atomic_store(&t->s->sig_stop, 1);
        } else if (sig == SIGUSR2) { /* argo_serve is ending: this thread too */
            break;
        } else {
            continue;
        }
        if (t->s->ctx)
            lws_cancel_service(t->s->ctx);
    }
    return NULL;
}

static void wake(void *ctx)
{
    serve *s = ctx;
    lws_cancel_service(s->ctx);
}

/* ---- start and stop ---- */

static int parse_listen(const char *l, char *addr, size_t cap, int *port, argo_err *err)
{
    const char *colon = strrchr(l, ':');
    if (!colon || colon == l)
        return argo_err_set(err, ARGO_EINVAL, "listen '%s': expected ADDR:PORT", l);
    const char *a = l;
    size_t al = (size_t)(colon - l);
    if (a[0] == '[' && al >= 2 && a[al - 1] == ']') {
        a++;
        al -= 2;
    }
    char *e = NULL;
    errno = 0;
    long p = strtol(colon + 1, &e, 10);
    if (errno || e == colon + 1 || *e || p < 0 || p > 65535 || al == 0 || al >= cap)
        return argo_err_set(err, ARGO_EINVAL, "listen '%s': expected ADDR:PORT (port 0-65535)", l);
    memcpy(addr, a, al);
    addr[al] = 0;
    *port = (int)p;
    return 0;
}

static void lws_log(int level, const char *line)
{
    (void)level;
    fprintf(stderr, "argo serve: lws: %s", line);
}

/* The soft open-files limit raised to the hard one; returns the
 * connection limit that fits under it. */
static int raise_nofile(int want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)want + ARGO_SERVE_FDS_RESERVED > rl.rlim_cur)
            want = rl.rlim_cur > 2 * ARGO_SERVE_FDS_RESERVED
                       ? (int)(rl.rlim_cur - ARGO_SERVE_FDS_RESERVED)
                       : (int)(rl.rlim_cur / 2);
    }
    return want;
}

/* The address is one of this host's and the port is free: lws would
 * otherwise retry a failed bind in the background and "listen" on
 * nothing. */
static int try_bind(const char *addr, int port, argo_err *err)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        len = sizeof *v6;
    } else {
        return argo_err_set(err, ARGO_EINVAL, "listen %s: not an IPv4 or IPv6 address", addr);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return argo_err_set(err, ARGO_EIO, "listen %s:%d: %s", addr, port, strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = bind(fd, (struct sockaddr *)&ss, len);
    int e = errno;
    close(fd);
    if (rc)
        return argo_err_set(err, ARGO_EIO, "cannot listen on %s:%d: %s", addr, port, strerror(e));
    return 0;
}

int argo_serve(const argo_serve_options *opt, argo_err *err)
{
    assert(opt);
    int rc = 0;
    serve *s = calloc(1, sizeof *s);
    if (!s)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    s->opt = opt;
    s->health_status = -1;
    s->eod_done_day = INT64_MIN;
    pthread_mutex_init(&s->live_mu, NULL);
    argo_app *writer = NULL, *readers[ARGO_SERVE_READERS_MAX] = {0}, *log_reader = NULL;
    size_t nreaders = 0;
    argo_keyring *ring = NULL;
    sigthread st = {.s = s};
    bool sig_started = false, masked = false;
    char(*feed_syms)[ARGO_SYMBOL_MAX] = NULL; /* the symbols streamed */
    size_t nfeed = 0;
    sigset_t old;

    /* First what needs no store (the config, the address, the files), so
     * a failure to start creates nothing. */
    argo_app_options ao = {
        .config_path = opt->config_path, .db_path = opt->db_path, .store = ARGO_APP_STORE_NONE};
    rc = argo_app_open(&ao, &s->svc_app, err);
    if (rc)
        goto out;
    s->cfg = *argo_app_config(s->svc_app);
    char addr[64];
    int port = 0;
    rc = parse_listen(opt->listen ? opt->listen : s->cfg.serve_listen, addr, sizeof addr, &port,
                      err);
    if (rc)
        goto out;
    if (s->cfg.serve_tls_cert[0]) {
        if (access(s->cfg.serve_tls_cert, R_OK) || access(s->cfg.serve_tls_key, R_OK)) {
            rc = argo_err_set(err, ARGO_EIO, "[serve] tls_cert %s / tls_key %s: %s",
                              s->cfg.serve_tls_cert, s->cfg.serve_tls_key, strerror(errno));
            goto out;
        }
    }
    if (s->cfg.serve_inbox[0]) {
        struct stat ist;
        if (stat(s->cfg.serve_inbox, &ist) || !S_ISDIR(ist.st_mode) ||
            access(s->cfg.serve_inbox, R_OK | W_OK | X_OK)) {
            rc = argo_err_set(err, ARGO_EIO,
                              "[serve] inbox %s: not a folder argo can read and write",
                              s->cfg.serve_inbox);
            goto out;
        }
    }
    rc = try_bind(addr, port, err);
    if (rc)
        goto out;

    ao.db_path = argo_app_db_path(s->svc_app);
    ao.store = ARGO_APP_STORE_RW;
    rc = argo_app_open(&ao, &writer, err);
    if (rc)
        goto out;
    rc = argo_app_hold_serve(writer, err);
    if (rc)
        goto out;
    argo_app_set_event_log(writer, true);
    rc = argo_keyring_load(writer, &ring, err);
    if (rc)
        goto out;
    int64_t last_seq = 0;
    rc = argo_app_event_last(writer, &last_seq, err);
    if (rc)
        goto out;
    ao.store = ARGO_APP_STORE_RO;
    for (; nreaders < (size_t)s->cfg.serve_readers; nreaders++) {
        rc = argo_app_open(&ao, &readers[nreaders], err);
        if (rc)
            goto out;
    }
    /* a store other processes write too (PostgreSQL): events reach the
     * stream from the log, whoever committed them (server/work.h) */
    if (argo_app_store_concurrent(writer) && (rc = argo_app_open(&ao, &log_reader, err)))
        goto out;
    rc = argo_auth_new(s->cfg.serve_rate_limit, s->cfg.serve_burst, &s->auth, err);
    if (rc)
        goto out;
    argo_auth_set_keyring(s->auth, ring);
    s->auth_ring = ring;
    ring = NULL;
    rc = argo_metrics_new(&s->metrics, err);
    if (rc)
        goto out;
    /* market data: the provider's settings and credentials are checked
     * now, so a bad [provider] fails the start */
    if (s->cfg.pv_kind[0]) {
        rc = argo_app_provider(s->svc_app, &s->rest, err);
        if (!rc && s->cfg.pv_stream && !strcmp(s->cfg.pv_kind, "alpaca"))
            rc = argo_app_fetch_symbols(writer, &feed_syms, &nfeed, err);
        if (rc)
            goto out;
    }
    s->cache = calloc(ARGO_SERVE_CACHE_ENTRIES, sizeof *s->cache); /* NULL: no cache */

    /* Signals: blocked in every thread from here on; one thread takes
     * them with sigwait. */
    sigemptyset(&st.set);
    sigaddset(&st.set, SIGTERM);
    sigaddset(&st.set, SIGINT);
    sigaddset(&st.set, SIGHUP);
    sigaddset(&st.set, SIGUSR2);
    sigaddset(&st.set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &st.set, &old);
    masked = true;

    /* Responses of tens of KB are made and freed all the time on several
     * threads: glibc would hand each back to the kernel (mmap/munmap,
     * madvise on trim, a TLB shootdown each), which cost more than the
     * request itself. Keep them in the heap. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    int conns = raise_nofile(s->cfg.serve_connections_max);
    /* lws's own lines only on request: a client could make it print one
     * per bad request */
    const char *ll = getenv("ARGO_SERVE_LWS_LOG");
    lws_set_log_level(ll && *ll == '1' ? LLL_ERR | LLL_WARN : 0, lws_log);
    struct lws_context_creation_info ci;
    memset(&ci, 0, sizeof ci);
    ci.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
                 (s->cfg.serve_tls_cert[0] ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
    ci.user = s;
    ci.fd_limit_per_thread = (unsigned int)conns;
    ci.max_http_header_data = ARGO_HTTP_HEADER_MAX;
    ci.max_http_header_pool = ARGO_SERVE_HEADER_POOL;
    ci.timeout_secs_ah_idle = (unsigned int)s->cfg.serve_idle_timeout_s;
    ci.count_threads = 1;
    s->ctx = lws_create_context(&ci);
    if (!s->ctx) {
        rc = argo_err_set(err, ARGO_ENOMEM, "cannot start libwebsockets");
        goto out;
    }
    set_ece(s, writer);
    set_backup_day(s, writer);
    /* what the writer's operations could not do but did not fail for
     * (events committed but not announced live: clients resume them) */
    argo_app_set_notice(writer, on_notice, s);
    argo_work_options wo = {.writer = writer,
                            .readers = readers,
                            .nreaders = nreaders,
                            .queue_max = (size_t)s->cfg.serve_queue_max,
                            .wake = wake,
                            .on_event = on_event,
                            .on_cycle = on_cycle,
                            .ctx = s,
                            .log_reader = log_reader,
                            .from_seq = last_seq};
    rc = argo_work_new(&wo, &s->work, err);
    if (rc)
        goto out;
    writer = log_reader = NULL; /* the pool's now */
    nreaders = 0;
    argo_stream_options so = {.queue_max = (size_t)s->cfg.serve_stream_queue_max,
                              .heartbeat_s = s->cfg.serve_heartbeat_s,
                              .clients_max = (size_t)s->cfg.serve_stream_clients_max,
                              .work = s->work};
    rc = argo_stream_new(&so, &s->stream, err);
    if (rc)
        goto out;
    argo_stream_set_last(s->stream, last_seq);
    argo_stream_set_keyring(s->stream, s->auth_ring);
    argo_stream_set_confirm(s->stream, confirm_upgrade, s);
    s->protocols[0] = (struct lws_protocols){.name = "http",
                                             .callback = cb_http,
                                             .per_session_data_size = sizeof(pss),
                                             .rx_buffer_size = 0,
                                             /* a body in one send, not lws's
                                              * default pieces */
                                             .tx_packet_size = WRITE_CHUNK};
    argo_stream_protocol(s->stream, &s->protocols[1]);
    memset(&s->protocols[2], 0, sizeof s->protocols[2]);

    static const struct lws_protocol_vhost_options pvo_default = {NULL, NULL, "default", "1"};
    struct lws_protocol_vhost_options pvo = {NULL, &pvo_default, s->protocols[1].name, ""};
    struct lws_context_creation_info vi;
    memset(&vi, 0, sizeof vi);
    vi.vhost_name = "argo";
    vi.port = port;
    vi.iface = addr;
    vi.protocols = s->protocols;
    vi.pvo = &pvo;
    vi.keepalive_timeout = s->cfg.serve_idle_timeout_s;
    /* per vhost: a request's headers must be complete by then */
    vi.timeout_secs_ah_idle = (unsigned int)s->cfg.serve_idle_timeout_s;
    vi.options =
        LWS_SERVER_OPTION_VALIDATE_UTF8 | (strchr(addr, ':') ? 0 : LWS_SERVER_OPTION_DISABLE_IPV6);
    if (s->cfg.serve_tls_cert[0]) {
        vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        vi.ssl_cert_filepath = s->cfg.serve_tls_cert;
        vi.ssl_private_key_filepath = s->cfg.serve_tls_key;
        vi.alpn = "http/1.1";
    }
    s->vh = lws_create_vhost(s->ctx, &vi);
    if (!s->vh) {
        rc = argo_err_set(err, ARGO_EIO, "cannot listen on %s:%d%s", addr, port,
                          s->cfg.serve_tls_cert[0] ? " (or the TLS certificate/key is not usable)"
                                                   : " (in use, or not an address of this host)");
        goto out;
    }
    s->listen_port = lws_get_vhost_listen_port(s->vh);
    if (nfeed) {
        const char **names = calloc(nfeed, sizeof *names);
        for (size_t i = 0; names && i < nfeed; i++)
            names[i] = feed_syms[i];
        argo_live_options lo = {.symbols = names,
                                .nsymbols = nfeed,
                                .wake = wake,
                                .ctx = s,
                                .notice = on_notice,
                                .notice_ctx = s};
        rc = names ? argo_live_start(s->svc_app, &lo, &s->feed, err)
                   : argo_err_set(err, ARGO_ENOMEM, "out of memory");
        free(names);
    }
    if (rc)
        goto out;
    snprintf(s->listen_addr, sizeof s->listen_addr, "%s", addr);
    pthread_mutex_lock(&s->live_mu);
    s->live.serving = true;
    s->live.started_at = (int64_t)time(NULL);
    s->live.cycle_budget_ms = s->cfg.serve_cycle_budget_ms;
    pthread_mutex_unlock(&s->live_mu);

    if (pthread_create(&st.tid, NULL, sig_main, &st)) {
        rc = argo_err_set(err, ARGO_ENOMEM, "cannot start the signal thread");
        goto out;
    }
    sig_started = true;
    lws_sul_schedule(s->ctx, 0, &s->tick, on_tick, TICK_US);
    if (opt->on_ready) {
        char url[128];
        bool v6 = strchr(s->listen_addr, ':') != NULL;
        snprintf(url, sizeof url, "%s://%s%s%s:%d", s->cfg.serve_tls_cert[0] ? "https" : "http",
                 v6 ? "[" : "", s->listen_addr, v6 ? "]" : "", s->listen_port);
        opt->on_ready(opt->ctx, url);
    }

    while (s->phase != DONE)
        if (lws_service(s->ctx, 0) < 0)
            break;
    rc = 0;

out:
    if (s->ctx)
        lws_sul_cancel(&s->tick);
    if (sig_started) {
        pthread_kill(st.tid, SIGUSR2);
        pthread_join(st.tid, NULL);
    }
    /* the threads end before the context they wake goes */
    argo_work_free(s->work, rc != 0);
    s->work = NULL;
    argo_live_stop(s->feed);
    s->feed = NULL;
    argo_provider_free(s->rest);
    s->rest = NULL;
    if (s->ctx) {
        lws_context_destroy(s->ctx);
        s->ctx = NULL;
    }
    argo_stream_free(s->stream);
    argo_metrics_free(s->metrics);
    if (s->cache)
        for (size_t i = 0; i < ARGO_SERVE_CACHE_ENTRIES; i++)
            cache_entry_clear(&s->cache[i]);
    free(s->cache);
    argo_auth_free(s->auth);
    argo_keyring_free(ring);
    for (size_t i = 0; i < nreaders; i++)
        argo_app_close(readers[i], false);
    argo_app_close(log_reader, false);
    argo_app_close(writer, rc != 0); /* a store this failed start created goes */
    argo_app_close(s->svc_app, false);
    if (masked) {
        /* a SIGTERM or SIGINT sent again during the clean-up (a supervisor
         * repeating itself) is pending, blocked: it asks for what is being
         * done. Taken here, or unblocking would end the process by the
         * signal's default action instead of a clean exit 0 */
        struct timespec zero = {0, 0};
        while (sigtimedwait(&st.set, NULL, &zero) > 0)
            ;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    pthread_mutex_destroy(&s->live_mu);
    free(feed_syms);
    free(s);
    return rc;
}
