/* SPDX-License-Identifier: MIT */
/* The REST API (server/api.c) over a store built from the shipped data:
 * every route, the filters, paging through every signal with cursors,
 * ETags and 304, HEAD, the errors, posted bars (JSON and CSV) and the
 * admin routes. Every exchange is written, one JSON object a line, to
 * $ARGO_API_DUMP/exchanges.jsonl when that is set; the ctest api_openapi
 * then validates each against the OpenAPI document
 * (tests/api/openapi_check.py). */
#include "helpers.h"

#include "app/app.h"
#include "app/app_int.h"
#include "app/archive.h"
#include "app/flow.h"
#include "app/json.h"
#include "app/query.h"
#include "app/signals.h"
#include "app/stats.h"
#include "base/jsonmem.h"
#include "base/limits.h"
#include "base/timeutil.h"
#include "server/api.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static argo_app *app;
static FILE *dump;
static char dbpath[512], backups[512];
static argo_signal_list all; /* every stored signal, as argo signals lists them */

/* ---- calling the API ---------------------------------------------------------- */

typedef struct call_opt {
    argo_role role;
    const char *inm;   /* If-None-Match */
    const char *ctype; /* Content-Type */
    const char *body;
    size_t body_len; /* 0: strlen(body) */
} call_opt;

static void record(const char *method, const char *target, const argo_api_response *r)
{
    if (!dump)
        return;
    json_t *h = json_object();
    if (r->content_type && r->status != 304)
        json_object_set_new(h, "Content-Type", json_string(r->content_type));
    if (r->cache_control)
        json_object_set_new(h, "Cache-Control", json_string(r->cache_control));
    if (r->etag[0])
        json_object_set_new(h, "ETag", json_string(r->etag));
    if (r->allow[0])
        json_object_set_new(h, "Allow", json_string(r->allow));
    if (r->retry_after) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", r->retry_after);
        json_object_set_new(h, "Retry-After", json_string(ra));
    }
    json_t *ex =
        json_pack("{s:s,s:s,s:i,s:o,s:o}", "method", method, "path", target, "status", r->status,
                  "headers", h, "body", r->body ? json_stringn(r->body, r->len) : json_null());
    assert_non_null(ex);
    char *line = json_dumps(ex, JSON_COMPACT);
    assert_non_null(line);
    fprintf(dump, "%s\n", line);
    free(line);
    json_decref(ex);
}

/* Runs method target (path and query) through argo_api_handle on app, as
 * argo serve would: argo_api_match first, app for a store route. */
static void call(const char *method, const char *target, const call_opt *o, argo_api_response *r)
{
    static const call_opt none = {.role = ARGO_ROLE_ADMIN};
    if (!o)
        o = &none;
    char path[1024];
    const char *q = strchr(target, '?');
    size_t n = q ? (size_t)(q - target) : strlen(target);
    assert_true(n < sizeof path);
    memcpy(path, target, n);
    path[n] = '\0';
    argo_api_route m;
    argo_api_match(method, path, &m);
    argo_api_request req = {.method = method,
                            .path = path,
                            .query = q ? q + 1 : "",
                            .if_none_match = o->inm,
                            .content_type = o->ctype,
                            .body = (const unsigned char *)o->body,
                            .body_len = o->body ? (o->body_len ? o->body_len : strlen(o->body))
                                                : o->body_len,
                            .role = o->role};
    assert_int_equal(
        argo_api_handle(m.status == 0 && m.runs == ARGO_API_INLINE ? NULL : app, &req, r), 0);
    record(method, target, r);
    /* every response states its caching and its type */
    assert_non_null(r->cache_control);
    assert_non_null(r->content_type);
    if (r->status >= 400 && strcmp(method, "HEAD")) {
        json_error_t je;
        json_t *doc = json_loadb(r->body, r->len, 0, &je);
        assert_non_null(doc);
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(doc, "error"), "status")),
            r->status);
        json_decref(doc);
    }
}

static json_t *get_json(const char *target, argo_role role, int status)
{
    argo_api_response r;
    call_opt o = {.role = role};
    call("GET", target, &o, &r);
    if (r.status != status)
        fail_msg("GET %s: %d, expected %d: %.*s", target, r.status, status, (int)r.len,
                 r.body ? r.body : "");
    json_error_t je;
    json_t *doc = json_loadb(r.body, r.len, 0, &je);
    assert_non_null(doc);
    argo_api_response_cleanup(&r);
    return doc;
}

/* an error's message contains want */
static void expect_error(const char *method, const char *target, const call_opt *o, int status,
                         const char *want)
{
    argo_api_response r;
    call(method, target, o, &r);
    if (r.status != status || (want && !strstr(r.body, want)))
        fail_msg("%s %s: %d %.*s; expected %d with '%s'", method, target, r.status, (int)r.len,
                 r.body, status, want ? want : "");
    argo_api_response_cleanup(&r);
}

/* ---- the store ---------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    char conf[512], dumpf[1024];
    th_store_url("api.db", dbpath, sizeof dbpath);
    th_tmpfile("backups", backups, sizeof backups);
    th_tmpfile("argo.conf", conf, sizeof conf);
    char text[1024];
    /* a publishing threshold, so some signals are not published */
    snprintf(text, sizeof text, "[signal]\nmin_confidence = 0.3\n[archive]\ndir = %s\n", backups);
    th_write(conf, text);
    unsetenv("ARGO_CONFIG");
    unsetenv("ARGO_DB");
    argo_app_options opt = {.config_path = conf, .db_path = dbpath, .store = ARGO_APP_STORE_RW};
    argo_err err = {0};
    if (argo_app_open(&opt, &app, &err))
        fail_msg("open: %s", err.msg);
    char msft[512], ttrc[512];
    const char *paths[2] = {th_src("data/market/MSFT.csv", msft, sizeof msft),
                            th_src("data/market/TTRC.csv", ttrc, sizeof ttrc)};
    const char *syms[2] = {"MSFT", "TTRC"};
    argo_ingest_report reps[2];
    if (argo_app_ingest(app, 2, paths, syms, false, reps, &err))
        fail_msg("ingest: %s", err.msg);
    argo_replay_options ro = {.from = INT64_MIN, .to = INT64_MAX};
    argo_replay_report rr;
    if (argo_app_replay(app, &ro, &rr, &err))
        fail_msg("replay: %s", err.msg);
    if (argo_app_signals(app, NULL, &all, &err))
        fail_msg("signals: %s", err.msg);
    const char *dir = getenv("ARGO_API_DUMP");
    if (dir && *dir) {
        snprintf(dumpf, sizeof dumpf, "%s/exchanges.jsonl", dir);
        dump = fopen(dumpf, "w");
        assert_non_null(dump);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    argo_signal_list_cleanup(&all);
    argo_app_close(app, false);
    th_rm_db(dbpath);
    if (dump)
        fclose(dump);
    return 0;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_match(void **state)
{
    (void)state;
    static const struct {
        const char *method, *path;
        int status;
        argo_role needs;
        argo_api_runs runs;
        const char *name;
    } cases[] = {
        {"GET", "/api/v1/version", 0, ARGO_ROLE_READ, ARGO_API_INLINE, "/api/v1/version"},
        {"HEAD", "/api/v1/openapi.json", 0, ARGO_ROLE_READ, ARGO_API_INLINE,
         "/api/v1/openapi.json"},
        {"GET", "/api/v1/signals", 0, ARGO_ROLE_READ, ARGO_API_READER, "/api/v1/signals"},
        {"GET", "/api/v1/signals/12", 0, ARGO_ROLE_READ, ARGO_API_READER, "/api/v1/signals/{id}"},
        {"GET", "/api/v1/symbols/MSFT/bars", 0, ARGO_ROLE_READ, ARGO_API_READER,
         "/api/v1/symbols/{symbol}/bars"},
        {"GET", "/api/v1/calibration/models", 0, ARGO_ROLE_READ, ARGO_API_READER,
         "/api/v1/calibration/models"},
        {"POST", "/api/v1/admin/bars", 0, ARGO_ROLE_ADMIN, ARGO_API_WRITER, "/api/v1/admin/bars"},
        {"POST", "/api/v1/admin/cycle", 0, ARGO_ROLE_ADMIN, ARGO_API_WRITER, "/api/v1/admin/cycle"},
        {"POST", "/api/v1/signals", 405, ARGO_ROLE_READ, ARGO_API_READER, "/api/v1/signals"},
        {"GET", "/api/v1/admin/backup", 405, ARGO_ROLE_ADMIN, ARGO_API_WRITER,
         "/api/v1/admin/backup"},
        {"get", "/api/v1/version", 405, ARGO_ROLE_READ, ARGO_API_INLINE, "/api/v1/version"},
        {"GET", "/api/v1/signals/", 404, 0, 0, NULL},
        {"GET", "/api/v1/symbols//bars", 404, 0, 0, NULL},
        {"GET", "/api/v1/version/", 404, 0, 0, NULL},
        {"GET", "/api/v2/version", 404, 0, 0, NULL},
        {"GET", "", 404, 0, 0, NULL},
        {"GET", "/api/v1/stream", 404, 0, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        argo_api_route m;
        argo_api_match(cases[i].method, cases[i].path, &m);
        assert_int_equal(m.status, cases[i].status);
        assert_non_null(m.name);
        if (cases[i].status == 404)
            continue;
        assert_int_equal(m.needs, cases[i].needs);
        assert_int_equal(m.runs, cases[i].runs);
        assert_string_equal(m.name, cases[i].name);
        if (m.status == 405)
            assert_string_equal(m.allow, m.runs == ARGO_API_WRITER ? "POST" : "GET, HEAD");
        else
            assert_string_equal(m.allow, "");
    }
}

static void test_version_openapi(void **state)
{
    (void)state;
    json_t *v = get_json("/api/v1/version", ARGO_ROLE_READ, 200);
    assert_string_equal(json_string_value(json_object_get(v, "argo")), ARGO_VERSION);
    assert_string_equal(json_string_value(json_object_get(v, "api")), "v1");
    json_decref(v);
    /* the served document is the file in the tree, byte for byte */
    argo_api_response r;
    call("GET", "/api/v1/openapi.json", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.cache_control, "private, max-age=86400");
    char p[512];
    FILE *f = fopen(th_src("src/server/openapi.json", p, sizeof p), "rb");
    assert_non_null(f);
    char *file = malloc(r.len + 2);
    assert_non_null(file);
    size_t got = fread(file, 1, r.len + 1, f);
    fclose(f);
    assert_int_equal(got, r.len);
    assert_memory_equal(file, r.body, r.len);
    free(file);
    size_t n;
    assert_ptr_equal(argo_api_openapi(&n), argo_api_openapi(NULL));
    assert_int_equal(n, r.len);
    json_error_t je;
    json_t *doc = json_loadb(r.body, r.len, 0, &je);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    json_decref(doc);
    argo_api_response_cleanup(&r);
}

/* The document and the router agree: every documented path matches a
 * route that takes exactly the documented methods, under its template's
 * name; no route is left out of the document. */
static void test_openapi_routes(void **state)
{
    (void)state;
    size_t n;
    const char *text = argo_api_openapi(&n);
    json_error_t je;
    json_t *doc = json_loadb(text, n, 0, &je), *paths = json_object_get(doc, "paths");
    assert_non_null(paths);
    const char *tmpl;
    json_t *item;
    size_t routes = 0;
    json_object_foreach(paths, tmpl, item)
    {
        char path[256], *w = path;
        for (const char *t = tmpl; *t; t++) { /* {id} -> 1, {symbol} -> MSFT */
            if (*t == '{') {
                const char *v = !strncmp(t, "{id}", 4) ? "1" : "MSFT";
                w += snprintf(w, sizeof path - (size_t)(w - path), "%s", v);
                t = strchr(t, '}');
            } else {
                *w++ = *t;
            }
        }
        *w = '\0';
        static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};
        for (size_t i = 0; i < 6; i++) {
            char lower[8];
            for (size_t k = 0; k <= strlen(methods[i]); k++)
                lower[k] = (char)(methods[i][k] | (methods[i][k] ? 0x20 : 0));
            argo_api_route m;
            argo_api_match(methods[i], path, &m);
            bool documented = json_object_get(item, lower) != NULL;
            if ((m.status == 0) != documented)
                fail_msg("%s %s: router %d, documented %d", methods[i], tmpl, m.status, documented);
            assert_string_equal(m.name, tmpl);
        }
        routes++;
    }
    assert_int_equal(routes, 17); /* the route table of server/api.c */
    json_decref(doc);
}

/* Pages through target (which has a query) with limit; the ids seen,
 * in order, into ids (*n of them). */
static void page_all(const char *target, argo_role role, int limit, int64_t *ids, size_t *n,
                     size_t cap)
{
    char url[1024], cursor[64] = "";
    *n = 0;
    for (int pages = 0;; pages++) {
        assert_true(pages < 100000);
        snprintf(url, sizeof url, "%s%slimit=%d%s%s", target, strchr(target, '?') ? "&" : "?",
                 limit, cursor[0] ? "&cursor=" : "", cursor);
        json_t *doc = get_json(url, role, 200);
        json_t *sigs = json_object_get(doc, "signals"), *next = json_object_get(doc, "next_cursor");
        assert_true(json_is_array(sigs));
        assert_true(json_array_size(sigs) <= (size_t)limit);
        for (size_t i = 0; i < json_array_size(sigs); i++) {
            assert_true(*n < cap);
            ids[(*n)++] = json_integer_value(json_object_get(json_array_get(sigs, i), "id"));
        }
        if (json_is_null(next)) {
            json_decref(doc);
            break;
        }
        /* a page that says there is more is full */
        assert_int_equal(json_array_size(sigs), (size_t)limit);
        snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
        json_decref(doc);
    }
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* the ids of the stored signals keep selects, in id order */
static size_t expected(bool (*keep)(const argo_signal *, const void *), const void *arg,
                       int64_t *ids)
{
    size_t n = 0;
    for (size_t i = 0; i < all.n; i++)
        if (keep(&all.v[i], arg))
            ids[n++] = all.v[i].id;
    qsort(ids, n, sizeof *ids, cmp_id);
    return n;
}

static void same_ids(const int64_t *got, size_t ng, const int64_t *want, size_t nw)
{
    assert_int_equal(ng, nw);
    for (size_t i = 0; i < ng; i++) {
        assert_int_equal(got[i], want[i]);
        if (i)
            assert_true(got[i] > got[i - 1]); /* no duplicate, in id order */
    }
}

static bool k_any(const argo_signal *g, const void *a)
{
    (void)g;
    (void)a;
    return true;
}
static bool k_pub(const argo_signal *g, const void *a)
{
    (void)a;
    return g->published;
}
static bool k_unpub(const argo_signal *g, const void *a)
{
    (void)a;
    return !g->published;
}
static bool k_symbol_pub(const argo_signal *g, const void *a)
{
    return g->published && !strcmp(g->symbol, a);
}
static bool k_status(const argo_signal *g, const void *a)
{
    return (int)g->status == *(const int *)a;
}
static bool k_resolved(const argo_signal *g, const void *a)
{
    (void)a;
    return g->status != ARGO_OPEN;
}
static bool k_conf(const argo_signal *g, const void *a)
{
    return g->confidence >= *(const double *)a;
}
typedef struct range {
    int64_t since, until;
} range;
static bool k_range(const argo_signal *g, const void *a)
{
    const range *r = a;
    return g->ts >= r->since && g->ts < r->until;
}

static void test_signal_pages(void **state)
{
    (void)state;
    assert_true(all.n > 20);
    size_t cap = all.n + 1, ng, nw;
    int64_t *got = malloc(cap * sizeof *got), *want = malloc(cap * sizeof *want);
    assert_true(got && want);
    /* every signal, in pages of 7 and of 1000: no gap, no duplicate */
    nw = expected(k_any, NULL, want);
    page_all("/api/v1/signals", ARGO_ROLE_ADMIN, 7, got, &ng, cap);
    same_ids(got, ng, want, nw);
    page_all("/api/v1/signals", ARGO_ROLE_ADMIN, 1000, got, &ng, cap);
    same_ids(got, ng, want, nw);
    /* a read key: the published ones only, whatever it asks */
    size_t npub = expected(k_pub, NULL, want);
    assert_true(npub > 0 && npub < all.n); /* the threshold split them */
    page_all("/api/v1/signals", ARGO_ROLE_READ, 5, got, &ng, cap);
    same_ids(got, ng, want, npub);
    page_all("/api/v1/signals?published=true", ARGO_ROLE_READ, 50, got, &ng, cap);
    same_ids(got, ng, want, npub);
    nw = expected(k_unpub, NULL, want);
    page_all("/api/v1/signals?published=false", ARGO_ROLE_ADMIN, 9, got, &ng, cap);
    same_ids(got, ng, want, nw);
    /* filters */
    nw = expected(k_symbol_pub, "MSFT", want);
    page_all("/api/v1/signals?symbol=MSFT", ARGO_ROLE_READ, 3, got, &ng, cap);
    same_ids(got, ng, want, nw);
    static const char *const st[] = {"open", "win", "loss", "expired"};
    size_t total = 0;
    for (int s = 0; s < 4; s++) {
        char url[128];
        snprintf(url, sizeof url, "/api/v1/signals?status=%s", st[s]);
        nw = expected(k_status, &s, want);
        total += nw;
        page_all(url, ARGO_ROLE_ADMIN, 11, got, &ng, cap);
        same_ids(got, ng, want, nw);
    }
    assert_int_equal(total, all.n);
    nw = expected(k_resolved, NULL, want);
    assert_true(nw > 0);
    page_all("/api/v1/signals?status=resolved", ARGO_ROLE_ADMIN, 13, got, &ng, cap);
    same_ids(got, ng, want, nw);
    page_all("/api/v1/outcomes", ARGO_ROLE_ADMIN, 13, got, &ng, cap);
    same_ids(got, ng, want, nw);
    int win = ARGO_WIN;
    nw = expected(k_status, &win, want);
    page_all("/api/v1/outcomes?status=win", ARGO_ROLE_ADMIN, 4, got, &ng, cap);
    same_ids(got, ng, want, nw);
    double mc = 0.6;
    nw = expected(k_conf, &mc, want);
    page_all("/api/v1/signals?min_confidence=0.6", ARGO_ROLE_ADMIN, 10, got, &ng, cap);
    same_ids(got, ng, want, nw);
    /* since/until: a half-open range by the signals' own times */
    range r = {all.v[all.n / 4].ts, all.v[all.n / 2].ts};
    char since[32], until[32], url[256];
    argo_time_format_full(r.since, since, sizeof since);
    argo_time_format_full(r.until, until, sizeof until);
    snprintf(url, sizeof url, "/api/v1/signals?since=%s&until=%s", since, until);
    nw = expected(k_range, &r, want);
    assert_true(nw > 0);
    page_all(url, ARGO_ROLE_ADMIN, 6, got, &ng, cap);
    same_ids(got, ng, want, nw);
    /* an empty page: null cursor */
    json_t *doc = get_json("/api/v1/signals?since=2150-01-01", ARGO_ROLE_READ, 200);
    assert_int_equal(json_array_size(json_object_get(doc, "signals")), 0);
    assert_true(json_is_null(json_object_get(doc, "next_cursor")));
    json_decref(doc);
    free(got);
    free(want);
}

static void test_one_signal(void **state)
{
    (void)state;
    const argo_signal *pub = NULL, *unpub = NULL;
    for (size_t i = 0; i < all.n; i++) {
        if (all.v[i].published && !pub)
            pub = &all.v[i];
        if (!all.v[i].published && !unpub)
            unpub = &all.v[i];
    }
    assert_true(pub && unpub);
    char url[128];
    snprintf(url, sizeof url, "/api/v1/signals/%lld", (long long)pub->id);
    json_t *doc = get_json(url, ARGO_ROLE_READ, 200), *want = argo_json_signal(pub);
    assert_true(json_equal(doc, want));
    json_decref(doc);
    json_decref(want);
    snprintf(url, sizeof url, "/api/v1/signals/%lld", (long long)unpub->id);
    call_opt rd = {.role = ARGO_ROLE_READ};
    expect_error("GET", url, &rd, 404, "no signal");
    doc = get_json(url, ARGO_ROLE_ADMIN, 200);
    json_decref(doc);
    expect_error("GET", "/api/v1/signals/999999999", NULL, 404, "no signal 999999999");
    expect_error("GET", "/api/v1/signals/abc", NULL, 400, "'abc' is not a signal id");
    expect_error("GET", "/api/v1/signals/0", NULL, 400, "not a signal id");
    expect_error("GET", "/api/v1/signals/1?x=1", NULL, 400, "unknown query parameter 'x'");
}

/* The API's document doc is the CLI's want, to the last digit; both
 * are released. */
static void same_doc(json_t *doc, json_t *want)
{
    char *a = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    assert_string_equal(a, w);
    free(a);
    free(w);
    json_decref(want);
    json_decref(doc);
}

/* /api/v1/stats with filters: the document of argo_app_stats_filtered
 * with the same filter, which test_stats.c checks against every raw row. */
static void stats_filtered(void)
{
    static const struct {
        const char *query;
        const char *symbol;
        int strategy;
        const char *since, *until;
    } cases[] = {
        {"symbol=MSFT", "MSFT", -1, NULL, NULL},
        {"strategy=macd&by=bucket", NULL, 2, NULL, NULL},
        {"since=2001-01-01&until=2001-07-01&by=exit", NULL, -1, "2001-01-01", "2001-07-01"},
        {"symbol=MSFT&strategy=trend&since=2001-03-01&by=strategy", "MSFT", 0, "2001-03-01", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char url[160];
        snprintf(url, sizeof url, "/api/v1/stats?%s", cases[i].query);
        json_t *doc = get_json(url, ARGO_ROLE_READ, 200);
        argo_stats_filter f;
        argo_stats_filter_init(&f);
        f.symbol = cases[i].symbol;
        f.strategy = cases[i].strategy;
        if (cases[i].since)
            assert_int_equal(argo_time_parse(cases[i].since, &f.since), 0);
        if (cases[i].until)
            assert_int_equal(argo_time_parse(cases[i].until, &f.until), 0);
        const char *by = json_string_value(json_object_get(doc, "by"));
        int b = strcmp(by, "none") ? argo_stats_by_parse(by) : 0;
        argo_stats *s;
        argo_err err;
        assert_int_equal(argo_app_stats_filtered(app, (argo_stats_by)b, &f, &s, &err), 0);
        json_t *want = argo_json_stats(s, (argo_stats_by)b);
        argo_stats_free(s);
        json_t *filter = json_object_get(doc, "filter");
        assert_true(cases[i].symbol ? json_is_string(json_object_get(filter, "symbol"))
                                    : json_is_null(json_object_get(filter, "symbol")));
        json_object_del(doc, "filter");
        same_doc(doc, want);
    }
    expect_error("GET", "/api/v1/stats?strategy=momentum", NULL, 400, "strategy: 'momentum'");
    expect_error("GET", "/api/v1/stats?symbol=NOPE", NULL, 404, "no symbol 'NOPE'");
    expect_error("GET", "/api/v1/stats?since=2001-02-30", NULL, 400, "since: '2001-02-30'");
    expect_error("GET", "/api/v1/stats/daily?since=2001-02-01&until=2001-01-01", NULL, 400,
                 "until is not after since");
    expect_error("GET", "/api/v1/stats/daily?by=symbol", NULL, 400, "'by'");
}

/* /api/v1/stats/daily: the series adds up to what /api/v1/stats says
 * for the same filter, day by day and month by month. */
static void stats_daily(void)
{
    static const char *const queries[] = {"", "?symbol=TTRC", "?strategy=breakout",
                                          "?since=1990-01-01&until=2000-01-01"};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        char url[160];
        snprintf(url, sizeof url, "/api/v1/stats/daily%s", queries[q]);
        json_t *doc = get_json(url, ARGO_ROLE_READ, 200);
        snprintf(url, sizeof url, "/api/v1/stats%s", queries[q]);
        json_t *st = get_json(url, ARGO_ROLE_READ, 200);
        json_t *total = json_object_get(st, "total");
        json_t *days = json_object_get(doc, "days"), *months = json_object_get(doc, "months");
        assert_true(json_array_size(days) > 100);
        double eq = 0, peak = 0, dd = 0, mpnl = 0;
        json_int_t res = 0, wins = 0, mres = 0;
        size_t i;
        json_t *d;
        char prev[16] = "";
        json_array_foreach(days, i, d)
        {
            const char *date = json_string_value(json_object_get(d, "date"));
            assert_true(strcmp(prev, date) < 0); /* ascending, one a day */
            snprintf(prev, sizeof prev, "%s", date);
            eq += json_real_value(json_object_get(d, "pnl_pct"));
            peak = eq > peak ? eq : peak;
            dd = peak - eq > dd ? peak - eq : dd;
            assert_true(fabs(json_real_value(json_object_get(d, "equity_pct")) - eq) < 1e-9);
            assert_true(fabs(json_real_value(json_object_get(d, "drawdown_pct")) - (peak - eq)) <
                        1e-9);
            res += json_integer_value(json_object_get(d, "resolved"));
            wins += json_integer_value(json_object_get(d, "wins"));
        }
        json_array_foreach(months, i, d)
        {
            mpnl += json_real_value(json_object_get(d, "pnl_pct"));
            mres += json_integer_value(json_object_get(d, "resolved"));
        }
        json_int_t resolved = json_integer_value(json_object_get(total, "resolved"));
        double expectancy = json_real_value(json_object_get(total, "expectancy_pct"));
        assert_int_equal(res, resolved);
        assert_int_equal(mres, resolved);
        assert_int_equal(wins, json_integer_value(json_object_get(total, "wins")));
        assert_true(fabs(eq - expectancy * (double)resolved) < 1e-6);
        assert_true(fabs(mpnl - eq) < 1e-6);
        assert_true(fabs(json_real_value(json_object_get(doc, "total_pnl_pct")) - eq) < 1e-9);
        double maxdd = json_real_value(json_object_get(total, "max_drawdown_pct"));
        assert_true(json_real_value(json_object_get(doc, "max_drawdown_pct")) == maxdd);
        assert_true(fabs(dd - maxdd) < 1e-9);
        json_decref(st);
        json_decref(doc);
    }
}

static void test_stats_symbols_bars(void **state)
{
    (void)state;
    static const char *const by[] = {"none", "symbol", "strategy", "bucket", "month", "exit"};
    for (int b = 0; b < 6; b++) {
        char url[64];
        snprintf(url, sizeof url, "/api/v1/stats?by=%s", by[b]);
        json_t *doc = get_json(url, ARGO_ROLE_READ, 200);
        argo_stats *s;
        argo_err err;
        assert_int_equal(argo_app_stats(app, (argo_stats_by)b, &s, &err), 0);
        json_t *want = argo_json_stats(s, (argo_stats_by)b);
        /* and the filters it was asked with: none */
        json_t *filter = json_pack("{s:n,s:n,s:n,s:n}", "symbol", "strategy", "since", "until");
        assert_true(json_equal(json_object_get(doc, "filter"), filter));
        json_decref(filter);
        json_object_del(doc, "filter");
        same_doc(doc, want); /* the same document as argo stats --json --by */
        argo_stats_free(s);
    }
    json_decref(get_json("/api/v1/stats", ARGO_ROLE_READ, 200));
    expect_error("GET", "/api/v1/stats?by=day", NULL, 400, "by: 'day'");
    stats_filtered();
    stats_daily();
    json_t *doc = get_json("/api/v1/symbols", ARGO_ROLE_READ, 200);
    json_t *syms = json_object_get(doc, "symbols");
    assert_int_equal(json_array_size(syms), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(syms, 0), "symbol")),
                        "MSFT");
    assert_string_equal(json_string_value(json_object_get(json_array_get(syms, 0), "first_bar")),
                        "2000-09-27");
    json_decref(doc);
    /* MSFT's 249 bars in pages of 100, and of 1000 */
    size_t n = 0;
    char url[256], cursor[64] = "";
    int64_t last = INT64_MIN;
    for (int pages = 0;; pages++) {
        assert_true(pages < 10);
        snprintf(url, sizeof url, "/api/v1/symbols/MSFT/bars?limit=100%s%s",
                 cursor[0] ? "&cursor=" : "", cursor);
        doc = get_json(url, ARGO_ROLE_READ, 200);
        json_t *bars = json_object_get(doc, "bars");
        for (size_t i = 0; i < json_array_size(bars); i++) {
            int64_t ts;
            assert_int_equal(
                argo_time_parse(json_string_value(json_object_get(json_array_get(bars, i), "ts")),
                                &ts),
                0);
            assert_true(ts > last);
            last = ts;
            n++;
        }
        json_t *next = json_object_get(doc, "next_cursor");
        if (json_is_null(next)) {
            json_decref(doc);
            break;
        }
        snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
        json_decref(doc);
    }
    assert_int_equal(n, 249);
    doc = get_json("/api/v1/symbols/MSFT/bars?from=2001-01-01&to=2001-02-01&limit=1000",
                   ARGO_ROLE_READ, 200);
    json_t *bars = json_object_get(doc, "bars");
    assert_true(json_array_size(bars) > 15 && json_array_size(bars) < 23);
    assert_string_equal(json_string_value(json_object_get(json_array_get(bars, 0), "ts")),
                        "2001-01-02");
    assert_true(json_is_null(json_object_get(doc, "next_cursor")));
    json_decref(doc);
    expect_error("GET", "/api/v1/symbols/NOPE/bars", NULL, 404, NULL);
    expect_error("GET", "/api/v1/symbols/MSFT/bars?from=2001-02-01&to=2001-01-01", NULL, 400,
                 "to is before from");
    expect_error("GET", "/api/v1/symbols/MSFT/bars?cursor=x1", NULL, 400, "cursor: 'x1'");
}

/* ?scope and ?latest of /api/v1/calibration/models against the whole
 * list: the models of that scope in version order; the newest version of
 * each scope and symbol. */
static void models_selected(json_t *every)
{
    size_t n = json_array_size(every), i, j;
    json_t *m;
    assert_true(n > 2);
    json_t *doc = get_json("/api/v1/calibration/models?scope=global", ARGO_ROLE_READ, 200);
    json_t *want = json_array();
    json_array_foreach(every, i, m) if (!strcmp(json_string_value(json_object_get(m, "scope")),
                                                "global")) json_array_append(want, m);
    assert_true(json_array_size(want) > 1);
    assert_true(json_equal(json_object_get(doc, "models"), want));
    json_decref(want);
    json_decref(doc);
    doc = get_json("/api/v1/calibration/models?latest=true", ARGO_ROLE_READ, 200);
    want = json_array();
    json_array_foreach(every, i, m)
    {
        bool newer = false; /* a later version of the same scope and symbol */
        for (j = i + 1; j < n; j++) {
            json_t *o = json_array_get(every, j);
            newer |= json_equal(json_object_get(o, "scope"), json_object_get(m, "scope")) &&
                     json_equal(json_object_get(o, "symbol"), json_object_get(m, "symbol"));
        }
        if (!newer)
            json_array_append(want, m);
    }
    assert_true(json_array_size(want) >= 2 && json_array_size(want) < n);
    assert_true(json_equal(json_object_get(doc, "models"), want));
    json_decref(want);
    json_decref(doc);
    doc = get_json("/api/v1/calibration/models?scope=symbol&latest=true", ARGO_ROLE_READ, 200);
    json_array_foreach(json_object_get(doc, "models"), i, m)
        assert_string_equal(json_string_value(json_object_get(m, "scope")), "symbol");
    json_decref(doc);
    expect_error("GET", "/api/v1/calibration/models?scope=all", NULL, 400, "scope: 'all'");
    expect_error("GET", "/api/v1/calibration/models?latest=1", NULL, 400, "latest: '1'");
}

static void test_calibration_backups_archive(void **state)
{
    (void)state;
    json_t *doc = get_json("/api/v1/calibration/report", ARGO_ROLE_READ, 200);
    assert_true(json_integer_value(json_object_get(doc, "resolved_signals")) > 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "folds")), 5);
    json_decref(doc);
    doc = get_json("/api/v1/calibration/report?train_fraction=0.5&folds=3", ARGO_ROLE_READ, 200);
    assert_int_equal(json_integer_value(json_object_get(doc, "folds")), 3);
    json_decref(doc);
    expect_error("GET", "/api/v1/calibration/report?folds=0", NULL, 400, "folds: '0'");
    expect_error("GET", "/api/v1/calibration/report?train_fraction=1", NULL, 400,
                 "train_fraction: '1'");
    doc = get_json("/api/v1/calibration/models", ARGO_ROLE_READ, 200);
    assert_true(json_is_array(json_object_get(doc, "models")));
    models_selected(json_object_get(doc, "models"));
    json_decref(doc);
    /* no backup yet: no days */
    doc = get_json("/api/v1/backups", ARGO_ROLE_READ, 200);
    assert_int_equal(json_array_size(json_object_get(doc, "days")), 0);
    json_decref(doc);
    /* a backup of the newest day, then its state */
    argo_api_response r;
    call("POST", "/api/v1/admin/backup", NULL, &r);
    if (r.status != 200)
        fail_msg("backup: %d %.*s", r.status, (int)r.len, r.body);
    assert_string_equal(r.cache_control, "no-store");
    assert_string_equal(r.etag, "");
    json_error_t je;
    json_t *made = json_loadb(r.body, r.len, 0, &je);
    assert_int_equal(json_array_size(json_object_get(made, "backups")), 1);
    argo_api_response_cleanup(&r);
    doc = get_json("/api/v1/backups", ARGO_ROLE_READ, 200);
    json_t *days = json_object_get(doc, "days");
    assert_int_equal(json_array_size(days), 1);
    assert_true(json_is_true(json_object_get(json_array_get(days, 0), "verified")));
    assert_true(json_is_null(json_object_get(json_array_get(days, 0), "error")));
    assert_true(
        json_equal(json_object_get(json_array_get(days, 0), "date"),
                   json_object_get(json_array_get(json_object_get(made, "backups"), 0), "date")));
    /* a file changed behind the manifest's back: the day does not verify */
    const char *date = json_string_value(json_object_get(json_array_get(days, 0), "date"));
    char file[1024];
    snprintf(file, sizeof file, "%s/%.4s/%.2s/%.2s/signals-v1.csv", backups, date, date + 5,
             date + 8);
    FILE *f = fopen(file, "ab");
    assert_non_null(f);
    fputs("tampered\n", f);
    fclose(f);
    json_decref(made);
    json_decref(doc);
    doc = get_json("/api/v1/backups", ARGO_ROLE_READ, 200);
    json_t *day = json_array_get(json_object_get(doc, "days"), 0);
    assert_true(json_is_false(json_object_get(day, "verified")));
    assert_non_null(strstr(json_string_value(json_object_get(day, "error")), "signals-v1.csv"));
    json_decref(doc);
    doc = get_json("/api/v1/backups?verify=false", ARGO_ROLE_READ, 200);
    assert_true(
        json_is_null(json_object_get(json_array_get(json_object_get(doc, "days"), 0), "verified")));
    json_decref(doc);
    call_opt a = {.role = ARGO_ROLE_ADMIN};
    expect_error("POST", "/api/v1/admin/backup?date=someday", &a, 400, "date: 'someday'");
    expect_error("GET", "/api/v1/backups?verify=yes", NULL, 400, "verify: 'yes'");
    doc = get_json("/api/v1/archive", ARGO_ROLE_READ, 200);
    assert_false(json_is_true(json_object_get(json_object_get(doc, "s3"), "configured")));
    assert_int_equal(json_array_size(json_object_get(doc, "tiers")), 4);
    assert_true(json_is_null(json_object_get(doc, "last_push")));
    json_decref(doc);
    /* a second day: ?limit=1 gives the newest of total_days 2 */
    call("POST", "/api/v1/admin/backup?date=2001-09-26", NULL, &r);
    assert_int_equal(r.status, 200);
    argo_api_response_cleanup(&r);
    doc = get_json("/api/v1/backups?limit=1&verify=false", ARGO_ROLE_READ, 200);
    assert_int_equal(json_integer_value(json_object_get(doc, "total_days")), 2);
    days = json_object_get(doc, "days");
    assert_int_equal(json_array_size(days), 1);
    assert_string_not_equal(json_string_value(json_object_get(json_array_get(days, 0), "date")),
                            "2001-09-26");
    json_decref(doc);
    expect_error("GET", "/api/v1/backups?limit=0", NULL, 400, "limit: '0'");
    /* the cost model over these backups: 7 years of months adding up */
    doc = get_json("/api/v1/archive/cost", ARGO_ROLE_READ, 200);
    json_t *months = json_object_get(doc, "months");
    assert_int_equal(json_array_size(months), 84);
    double sum = 0;
    size_t i;
    json_t *m;
    json_array_foreach(months, i, m) sum += json_real_value(json_object_get(m, "standard"));
    assert_true(fabs(sum - json_real_value(json_object_get(doc, "total_standard"))) < 1e-9);
    json_decref(doc);
    expect_error("GET", "/api/v1/archive/cost?years=0", NULL, 400, "years: '0'");
}

/* /api/v1/archive's last_push: the newest object the store records for
 * the [s3] target, and how many it records; another target's do not
 * count. No request goes to the (unreachable) endpoint. */
static void test_archive_last_push(void **state)
{
    (void)state;
    char conf[512], text[1024];
    th_tmpfile("s3.conf", conf, sizeof conf);
    snprintf(text, sizeof text,
             "[archive]\ndir = %s\n[s3]\nbucket = argo-dash\nendpoint = http://127.0.0.1:1\n",
             backups);
    th_write(conf, text);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    argo_app_options opt = {.config_path = conf, .db_path = dbpath, .store = ARGO_APP_STORE_RW};
    argo_app *s3app;
    argo_err err = {0};
    if (argo_app_open(&opt, &s3app, &err))
        fail_msg("open: %s", err.msg);
    argo_app_last_push lp;
    assert_int_equal(argo_app_archive_last_push(s3app, &lp, &err), 0);
    assert_false(lp.found);
    assert_non_null(strstr(lp.target, "argo-dash"));
    static const struct {
        const char *key;
        int64_t at;
    } objs[] = {{"backups/2001/09/25/manifest.json", 1000},
                {"backups/2001/09/27/manifest.json", 3000},
                {"backups/2001/09/26/manifest.json", 2000}};
    for (size_t i = 0; i < 4; i++) {
        argo_remote_object o = {.day = 1001376000 + 86400 * (int64_t)i, .bytes = 100 + (int64_t)i};
        snprintf(o.target, sizeof o.target, "%s", i < 3 ? lp.target : "http://other/b");
        snprintf(o.key, sizeof o.key, "%s", i < 3 ? objs[i].key : "backups/x");
        o.uploaded_at = i < 3 ? objs[i].at : 9999;
        snprintf(o.sha256, sizeof o.sha256, "%064d", 1);
        snprintf(o.etag, sizeof o.etag, "e%zu", i);
        snprintf(o.storage_class, sizeof o.storage_class, "STANDARD");
        assert_int_equal(argo_store_remote_put(s3app->store, &o, &err), 0);
    }
    argo_app *saved = app;
    app = s3app;
    json_t *doc = get_json("/api/v1/archive", ARGO_ROLE_READ, 200);
    app = saved;
    json_t *push = json_object_get(doc, "last_push");
    assert_true(json_is_true(json_object_get(json_object_get(doc, "s3"), "configured")));
    assert_string_equal(json_string_value(json_object_get(push, "key")), objs[1].key);
    assert_int_equal(json_integer_value(json_object_get(push, "objects")), 3);
    assert_int_equal(json_integer_value(json_object_get(push, "bytes")), 101);
    assert_string_equal(json_string_value(json_object_get(push, "day")), "2001-09-26");
    assert_string_equal(json_string_value(json_object_get(push, "target")), lp.target);
    json_decref(doc);
    argo_app_close(s3app, false);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
}

static void test_etag_head(void **state)
{
    (void)state;
    argo_api_response a, b;
    call_opt rd = {.role = ARGO_ROLE_READ};
    call("GET", "/api/v1/signals?limit=10", &rd, &a);
    call("GET", "/api/v1/signals?limit=10", &rd, &b);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.cache_control, "private, no-cache");
    assert_int_equal(strlen(a.etag), 34);
    assert_string_equal(a.etag, b.etag);
    argo_api_response_cleanup(&b);
    call("GET", "/api/v1/signals?limit=11", &rd, &b);
    assert_string_not_equal(a.etag, b.etag);
    argo_api_response_cleanup(&b);
    char list[160], weak[64];
    snprintf(list, sizeof list, "\"0123\", %s", a.etag);
    snprintf(weak, sizeof weak, "W/%s", a.etag);
    const char *hits[] = {a.etag, list, weak, "*"};
    for (size_t i = 0; i < 4; i++) {
        call_opt o = {.role = ARGO_ROLE_READ, .inm = hits[i]};
        call("GET", "/api/v1/signals?limit=10", &o, &b);
        assert_int_equal(b.status, 304);
        assert_null(b.body);
        assert_string_equal(b.etag, a.etag);
        argo_api_response_cleanup(&b);
        call("HEAD", "/api/v1/signals?limit=10", &o, &b);
        assert_int_equal(b.status, 304);
        argo_api_response_cleanup(&b);
    }
    const char *misses[] = {"\"0123\"", "", "garbage", "\"", "W/"};
    for (size_t i = 0; i < 5; i++) {
        call_opt o = {.role = ARGO_ROLE_READ, .inm = misses[i]};
        call("GET", "/api/v1/signals?limit=10", &o, &b);
        assert_int_equal(b.status, 200);
        assert_int_equal(b.len, a.len);
        argo_api_response_cleanup(&b);
    }
    call("HEAD", "/api/v1/signals?limit=10", &rd, &b);
    assert_int_equal(b.status, 200);
    assert_null(b.body);
    assert_int_equal(b.len, a.len);
    assert_string_equal(b.etag, a.etag);
    argo_api_response_cleanup(&b);
    call("HEAD", "/api/v1/signals?limit=0", &rd, &b);
    assert_int_equal(b.status, 400);
    assert_null(b.body);
    argo_api_response_cleanup(&b);
    argo_api_response_cleanup(&a);
}

static void test_errors(void **state)
{
    (void)state;
    call_opt rd = {.role = ARGO_ROLE_READ}, no = {.role = ARGO_ROLE_NONE},
             st = {.role = ARGO_ROLE_STREAM};
    expect_error("GET", "/api/v1/signals?limit=0", &rd, 400, "limit: '0' is not a whole number");
    expect_error("GET", "/api/v1/signals?limit=1001", &rd, 400, "in 1..1000");
    expect_error("GET", "/api/v1/signals?limit=-5", &rd, 400, "limit: '-5'");
    expect_error("GET", "/api/v1/signals?limit=1e2", &rd, 400, "limit: '1e2'");
    expect_error("GET", "/api/v1/signals?limit=10&limit=10", &rd, 400, "limit is given twice");
    expect_error("GET", "/api/v1/signals?limit=", &rd, 400, "limit is empty");
    expect_error("GET", "/api/v1/signals?symbol", &rd, 400, "symbol is empty");
    expect_error("GET", "/api/v1/signals?sort=id", &rd, 400, "unknown query parameter 'sort'");
    expect_error("GET", "/api/v1/signals?since=2020-13-01", &rd, 400, "since: '2020-13-01' is");
    expect_error("GET", "/api/v1/signals?since=2020-02-01&until=2020-01-01", &rd, 400,
                 "until is before since");
    expect_error("GET", "/api/v1/signals?status=won", &rd, 400, "status: 'won'");
    expect_error("GET", "/api/v1/outcomes?status=open", &rd, 400, "status: 'open'");
    expect_error("GET", "/api/v1/signals?published=yes", &rd, 400, "published: 'yes'");
    expect_error("GET", "/api/v1/signals?published=false", &rd, 403, "needs an admin key");
    expect_error("GET", "/api/v1/signals?min_confidence=1.5", &rd, 400, "min_confidence");
    expect_error("GET", "/api/v1/signals?min_confidence=nan", &rd, 400, "min_confidence");
    expect_error("GET", "/api/v1/signals?cursor=-1", &rd, 400, "cursor: '-1'");
    expect_error("GET", "/api/v1/signals?cursor=abc", &rd, 400, "cursor");
    expect_error("GET", "/api/v1/signals?symbol=NOPE", &rd, 404, NULL);
    expect_error("GET", "/api/v1/signals?%zz=1", &rd, 400, "bad percent-escape");
    expect_error("GET", "/api/v1/signals?symbol=%00", &rd, 400, "bad percent-escape");
    expect_error("GET", "/api/v1/signals?%73ymbol=MSFT&limit=1", &rd, 200, NULL);
    expect_error("GET", "/api/v1/signals?since=2001-01-01T00:00:00+00:00&limit=1", &rd, 200, NULL);
    expect_error("GET", "/api/v1/signals?since=2001-01-01T00:00:00%2B00:00&limit=1", &rd, 200,
                 NULL);
    expect_error("GET", "/api/v1/nothing", &rd, 404, "no route");
    expect_error("GET", "/api/v1/signals", &no, 401, "needs an API key");
    expect_error("GET", "/api/v1/signals", &st, 403, "role read");
    expect_error("POST", "/api/v1/admin/cycle", &rd, 403, "role admin");
    argo_api_response r;
    call("DELETE", "/api/v1/signals", &rd, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET, HEAD");
    argo_api_response_cleanup(&r);
    call("GET", "/api/v1/admin/cycle", &rd, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "POST");
    argo_api_response_cleanup(&r);
    /* argo_api_error, as the server uses it for its own refusals */
    argo_api_response e = {0};
    argo_api_error(&e, 429, "rate_limited", "more than %d requests a second", 20);
    assert_int_equal(e.status, 429);
    assert_string_equal(e.body, "{\"error\":{\"status\":429,\"code\":\"rate_limited\",\"message\":"
                                "\"more than 20 requests a second\"}}");
    argo_api_response_cleanup(&e);
    argo_api_error(&e, 400, "bad_request", "bad byte \xff here");
    assert_non_null(strstr(e.body, "bad byte \\\\xff here"));
    argo_api_response_cleanup(&e);
}

static size_t bars_of(const char *sym)
{
    argo_bar_list l = {0};
    bool more;
    argo_err err;
    int rc =
        argo_app_bars(app, sym, INT64_MIN, INT64_MIN, INT64_MAX, ARGO_PAGE_MAX, &l, &more, &err);
    size_t n = rc ? 0 : l.n;
    argo_bar_list_cleanup(&l);
    return n;
}

static void test_admin_bars(void **state)
{
    (void)state;
    call_opt js = {.role = ARGO_ROLE_ADMIN, .ctype = "application/json; charset=utf-8"};
    size_t msft = bars_of("MSFT");
    /* three new MSFT days and a new symbol */
    js.body = "{\"bars\": {\"MSFT\": ["
              "{\"ts\": \"2001-09-28\", \"open\": 50, \"high\": 51, \"low\": 49, \"close\": 50.5, "
              "\"volume\": 1000},"
              "{\"ts\": \"2001-10-01\", \"open\": 50.5, \"high\": 52, \"low\": 50, \"close\": 51, "
              "\"volume\": 1200},"
              "{\"ts\": \"2001-10-02\", \"open\": 51, \"high\": 53, \"low\": 50.5, \"close\": 52, "
              "\"volume\": 900}],"
              "\"NEWCO\": [{\"ts\": \"2001-10-02\", \"open\": 10, \"high\": 11, \"low\": 9, "
              "\"close\": 10, \"volume\": 5}]}}";
    argo_api_response r;
    call("POST", "/api/v1/admin/bars", &js, &r);
    if (r.status != 200)
        fail_msg("post bars: %d %.*s", r.status, (int)r.len, r.body);
    json_error_t je;
    json_t *doc = json_loadb(r.body, r.len, 0, &je);
    json_t *ing = json_object_get(doc, "ingest");
    assert_int_equal(json_array_size(ing), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(ing, 0), "inserted")), 3);
    assert_non_null(json_object_get(json_object_get(doc, "cycle"), "generate"));
    json_decref(doc);
    argo_api_response_cleanup(&r);
    assert_int_equal(bars_of("MSFT"), msft + 3);
    assert_int_equal(bars_of("NEWCO"), 1);
    /* the same again: duplicates, nothing new */
    call("POST", "/api/v1/admin/bars", &js, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"duplicates\":3"));
    argo_api_response_cleanup(&r);
    /* refused by validation: nothing stored, the first series neither */
    js.body = "{\"bars\": {\"MSFT\": [{\"ts\": \"2001-10-03\", \"open\": 52, \"high\": 53, "
              "\"low\": 51, \"close\": 52, \"volume\": 1}], \"NEWCO\": [{\"ts\": \"2001-10-03\", "
              "\"open\": 10, \"high\": 9, \"low\": 11, \"close\": 10, \"volume\": 5}]}}";
    expect_error("POST", "/api/v1/admin/bars", &js, 422, "request body");
    assert_int_equal(bars_of("MSFT"), msft + 3);
    assert_int_equal(bars_of("NEWCO"), 1);
    js.body = "{\"bars\": {\"bad symbol!\": [{\"ts\": \"2001-10-03\", \"open\": 1, \"high\": 1, "
              "\"low\": 1, \"close\": 1, \"volume\": 1}]}}";
    expect_error("POST", "/api/v1/admin/bars", &js, 422, NULL);
    /* shapes: 400 naming what */
    static const struct {
        const char *body, *want;
    } bad[] = {
        {"{\"bars\": ", "request body: line"},
        {"[]", "with at least one symbol"},
        {"{\"bars\": {}}", "at least one symbol"},
        {"{\"bars\": {\"X\": []}}", "no bars"},
        {"{\"bars\": {\"X\": {}}}", "bars.X is not an array"},
        {"{\"bars\": {\"X\": [1]}}", "bars.X[0] is not an object"},
        {"{\"bars\": {\"X\": [{\"ts\": \"2001-01-01\"}]}}", "bars.X[0] has no open"},
        {"{\"bars\": {\"X\": [{\"ts\": 5, \"open\": 1, \"high\": 1, \"low\": 1, \"close\": 1, "
         "\"volume\": 1}]}}",
         "bars.X[0].ts: not a string"},
        {"{\"bars\": {\"X\": [{\"ts\": \"yesterday\", \"open\": 1, \"high\": 1, \"low\": 1, "
         "\"close\": 1, \"volume\": 1}]}}",
         "bars.X[0].ts: 'yesterday' is"},
        {"{\"bars\": {\"X\": [{\"ts\": \"2001-01-01\", \"open\": \"1\", \"high\": 1, \"low\": 1, "
         "\"close\": 1, \"volume\": 1}]}}",
         "bars.X[0].open is not a number"},
        {"{\"bars\": {\"X\": [{\"ts\": \"2001-01-01\", \"open\": 1, \"high\": 1, \"low\": 1, "
         "\"close\": 1, \"volume\": 1, \"vwap\": 1}]}}",
         "unknown field 'vwap'"},
        {"{\"bars\": {\"X\": [], \"X\": []}}", "duplicate"},
        {"{\"bars\": {}, \"more\": 1}", "with at least one symbol"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        js.body = bad[i].body;
        expect_error("POST", "/api/v1/admin/bars", &js, 400, bad[i].want);
    }
    js.body = "{\"bars\": {}}";
    expect_error("POST", "/api/v1/admin/bars?symbol=X", &js, 400, "only a text/csv body");
    call_opt none = {.role = ARGO_ROLE_ADMIN, .body = "{}"};
    expect_error("POST", "/api/v1/admin/bars", &none, 415, "(none)");
    none.ctype = "text/plain";
    expect_error("POST", "/api/v1/admin/bars", &none, 415, "'text/plain'");
    none.ctype = "application/jsonx";
    expect_error("POST", "/api/v1/admin/bars", &none, 415, NULL);
    call_opt empty = {.role = ARGO_ROLE_ADMIN, .ctype = "application/json"};
    expect_error("POST", "/api/v1/admin/bars", &empty, 400, "request body is empty");
    call_opt huge = {.role = ARGO_ROLE_ADMIN,
                     .ctype = "application/json",
                     .body = "{}",
                     .body_len = ARGO_HTTP_BODY_MAX + 1};
    expect_error("POST", "/api/v1/admin/bars", &huge, 413, "over");
    /* CSV: as argo ingest reads a file */
    call_opt csv = {.role = ARGO_ROLE_ADMIN,
                    .ctype = "text/csv",
                    .body = "date,open,high,low,close,volume\n"
                            "2001-10-03,52,53,51,52.5,700\n"
                            "2001-10-04,52.5,54,52,53,800\n"};
    call("POST", "/api/v1/admin/bars?symbol=MSFT", &csv, &r);
    if (r.status != 200)
        fail_msg("post csv: %d %.*s", r.status, (int)r.len, r.body);
    assert_non_null(strstr(r.body, "\"inserted\":2"));
    argo_api_response_cleanup(&r);
    assert_int_equal(bars_of("MSFT"), msft + 5);
    csv.body = "date,open,high,low,close,volume\n"
               "2001-10-05,52,53,51,52.5,700\n"
               "2001-10-08,52.5,50,52,53,800\n";
    call("POST", "/api/v1/admin/bars?symbol=MSFT", &csv, &r);
    assert_int_equal(r.status, 422);
    /* the error line names the body, not the temporary file */
    assert_non_null(strstr(r.body, "request body"));
    assert_null(strstr(r.body, "argo-api-"));
    argo_api_response_cleanup(&r);
    assert_int_equal(bars_of("MSFT"), msft + 5);
    expect_error("POST", "/api/v1/admin/bars", &csv, 400, "needs ?symbol=SYMBOL");
    /* a cycle on demand */
    call("POST", "/api/v1/admin/cycle", NULL, &r);
    assert_int_equal(r.status, 200);
    doc = json_loadb(r.body, r.len, 0, &je);
    assert_non_null(json_object_get(json_object_get(doc, "cycle"), "track"));
    json_decref(doc);
    argo_api_response_cleanup(&r);
    expect_error("POST", "/api/v1/admin/cycle?now=1", NULL, 400, "unknown query parameter");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_version_openapi),
        cmocka_unit_test(test_openapi_routes),
        cmocka_unit_test(test_signal_pages),
        cmocka_unit_test(test_one_signal),
        cmocka_unit_test(test_stats_symbols_bars),
        cmocka_unit_test(test_calibration_backups_archive),
        cmocka_unit_test(test_archive_last_push),
        cmocka_unit_test(test_etag_head),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_admin_bars),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
