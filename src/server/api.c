/* SPDX-License-Identifier: MIT */
/*
 * server/api.c - the REST API /api/v1 (server/api.h): the routes, the
 * query and body parsing, the JSON documents (app/json.h where the CLI
 * has one), ETags and conditional requests. No sockets, no globals but
 * the route table: every call is a pure function of the request and the
 * store.
 */
#include "server/api.h"

#include "app/archive.h"
#include "app/backup.h"
#include "app/calibration.h"
#include "app/flow.h"
#include "app/json.h"
#include "app/query.h"
#include "app/signals.h"
#include "app/stats.h"
#include "base/digest.h"
#include "base/jsonmem.h"
#include "base/limits.h"
#include "base/text.h"
#include "base/timeutil.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#ifndef ARGO_VERSION
#define ARGO_VERSION "unknown"
#endif

#define API_PAGE_DEFAULT 100 /* rows of a page when ?limit is not given */
#define PARAMS_MAX 8         /* query parameters a route takes, at most */

static const char JSON_TYPE[] = "application/json";
static const char CC_DATA[] = "private, no-cache";
static const char CC_STATIC[] = "private, max-age=86400";
static const char CC_NONE[] = "no-store";

/* the embedded document (a file generated from src/server/openapi.json) */
extern const char argo_api_openapi_json[];
extern const size_t argo_api_openapi_json_len;

/* ---- routes ------------------------------------------------------------------ */

typedef enum route_id {
    R_VERSION,
    R_OPENAPI,
    R_SIGNALS,
    R_SIGNAL,
    R_OUTCOMES,
    R_STATS,
    R_STATS_DAILY,
    R_SYMBOLS,
    R_BARS,
    R_CALIB_REPORT,
    R_CALIB_MODELS,
    R_BACKUPS,
    R_ARCHIVE,
    R_ARCHIVE_COST,
    R_ADMIN_BARS,
    R_ADMIN_CYCLE,
    R_ADMIN_BACKUP,
    R_COUNT
} route_id;

typedef struct route {
    const char *tmpl; /* "/api/v1/signals/{id}" */
    bool post;        /* POST, else GET and HEAD */
    argo_role needs;
    argo_api_runs runs;
    const char *params[PARAMS_MAX]; /* the query parameters it takes */
} route;

#define PAGE_PARAMS                                                                                \
    {                                                                                              \
        "symbol", "since", "until", "status", "published", "min_confidence", "cursor", "limit"     \
    }

static const route routes[R_COUNT] = {
    [R_VERSION] = {"/api/v1/version", false, ARGO_ROLE_READ, ARGO_API_INLINE, {0}},
    [R_OPENAPI] = {"/api/v1/openapi.json", false, ARGO_ROLE_READ, ARGO_API_INLINE, {0}},
    [R_SIGNALS] = {"/api/v1/signals", false, ARGO_ROLE_READ, ARGO_API_READER, PAGE_PARAMS},
    [R_SIGNAL] = {"/api/v1/signals/{id}", false, ARGO_ROLE_READ, ARGO_API_READER, {0}},
    [R_OUTCOMES] = {"/api/v1/outcomes", false, ARGO_ROLE_READ, ARGO_API_READER, PAGE_PARAMS},
    [R_STATS] = {"/api/v1/stats",
                 false,
                 ARGO_ROLE_READ,
                 ARGO_API_READER,
                 {"by", "symbol", "strategy", "since", "until"}},
    [R_STATS_DAILY] = {"/api/v1/stats/daily",
                       false,
                       ARGO_ROLE_READ,
                       ARGO_API_READER,
                       {"symbol", "strategy", "since", "until"}},
    [R_SYMBOLS] = {"/api/v1/symbols", false, ARGO_ROLE_READ, ARGO_API_READER, {0}},
    [R_BARS] = {"/api/v1/symbols/{symbol}/bars",
                false,
                ARGO_ROLE_READ,
                ARGO_API_READER,
                {"from", "to", "cursor", "limit"}},
    [R_CALIB_REPORT] = {"/api/v1/calibration/report",
                        false,
                        ARGO_ROLE_READ,
                        ARGO_API_READER,
                        {"train_fraction", "folds"}},
    [R_CALIB_MODELS] =
        {"/api/v1/calibration/models", false, ARGO_ROLE_READ, ARGO_API_READER, {"scope", "latest"}},
    [R_BACKUPS] = {"/api/v1/backups", false, ARGO_ROLE_READ, ARGO_API_READER, {"verify", "limit"}},
    [R_ARCHIVE] = {"/api/v1/archive", false, ARGO_ROLE_READ, ARGO_API_READER, {0}},
    [R_ARCHIVE_COST] = {"/api/v1/archive/cost", false, ARGO_ROLE_READ, ARGO_API_READER, {"years"}},
    [R_ADMIN_BARS] = {"/api/v1/admin/bars", true, ARGO_ROLE_ADMIN, ARGO_API_WRITER, {"symbol"}},
    [R_ADMIN_CYCLE] = {"/api/v1/admin/cycle", true, ARGO_ROLE_ADMIN, ARGO_API_WRITER, {0}},
    [R_ADMIN_BACKUP] = {"/api/v1/admin/backup", true, ARGO_ROLE_ADMIN, ARGO_API_WRITER, {"date"}},
};

/* Whether path matches tmpl ('{...}' matches one non-empty segment). */
static bool path_matches(const char *tmpl, const char *path)
{
    while (*tmpl && *path) {
        if (*tmpl == '{') {
            const char *close = strchr(tmpl, '}');
            assert(close);
            tmpl = close + 1;
            size_t seg = strcspn(path, "/");
            if (!seg)
                return false;
            path += seg;
            continue;
        }
        if (*tmpl++ != *path++)
            return false;
    }
    return !*tmpl && !*path;
}

static int route_of(const char *path)
{
    for (int i = 0; i < R_COUNT; i++)
        if (path_matches(routes[i].tmpl, path))
            return i;
    return -1;
}

void argo_api_match(const char *method, const char *path, argo_api_route *out)
{
    assert(method && path && out);
    memset(out, 0, sizeof *out);
    int r = route_of(path);
    if (r < 0) {
        out->status = 404;
        out->name = "other"; /* the metrics bucket of what matches no route */
        return;
    }
    const route *rt = &routes[r];
    out->needs = rt->needs;
    out->runs = rt->runs;
    out->name = rt->tmpl;
    bool ok =
        rt->post ? !strcmp(method, "POST") : !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!ok) {
        out->status = 405;
        snprintf(out->allow, sizeof out->allow, "%s", rt->post ? "POST" : "GET, HEAD");
    }
}

/* ---- responses --------------------------------------------------------------- */

static const char *status_code(int status)
{
    switch (status) {
    case 400:
        return "bad_request";
    case 401:
        return "unauthorized";
    case 403:
        return "forbidden";
    case 404:
        return "not_found";
    case 405:
        return "method_not_allowed";
    case 409:
        return "conflict";
    case 413:
        return "payload_too_large";
    case 415:
        return "unsupported_media_type";
    case 422:
        return "unprocessable_entity";
    case 414:
        return "uri_too_long";
    case 429:
        return "rate_limited";
    case 503:
        return "busy";
    default:
        return "internal";
    }
}

static void verror(argo_api_response *resp, int status, const char *code, const char *fmt,
                   va_list ap) __attribute__((format(printf, 4, 0)));
static void verror(argo_api_response *resp, int status, const char *code, const char *fmt,
                   va_list ap)
{
    char msg[ARGO_ERR_MSG_MAX + 256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char allow[sizeof resp->allow];
    int retry = resp->retry_after;
    memcpy(allow, resp->allow, sizeof allow);
    memset(resp, 0, sizeof *resp);
    if (status == 405)
        memcpy(resp->allow, allow, sizeof allow);
    if (status == 429 || status == 503)
        resp->retry_after = retry;
    resp->status = status;
    resp->content_type = JSON_TYPE;
    resp->cache_control = CC_NONE;
    /* the message may hold any byte of the request: jansson needs UTF-8 */
    json_t *m = json_string(msg);
    if (!m) {
        char q[ARGO_ERR_MSG_MAX];
        m = json_string(argo_text_quote(msg, strlen(msg), q, sizeof q));
    }
    json_t *doc =
        json_pack("{s:{s:i,s:s,s:o}}", "error", "status", status, "code", code, "message", m);
    if (doc) {
        resp->body = json_dumps(doc, JSON_COMPACT);
        resp->len = resp->body ? strlen(resp->body) : 0;
        json_decref(doc);
    }
}

void argo_api_error(argo_api_response *resp, int status, const char *code, const char *fmt, ...)
{
    assert(resp && code && fmt);
    va_list ap;
    va_start(ap, fmt);
    verror(resp, status, code, fmt, ap);
    va_end(ap);
}

void argo_api_response_cleanup(argo_api_response *r)
{
    if (r) {
        free(r->body);
        r->body = NULL;
        r->len = 0;
    }
}

const char *argo_api_openapi(size_t *len)
{
    if (len)
        *len = argo_api_openapi_json_len;
    return argo_api_openapi_json;
}

/* ---- a request in handling --------------------------------------------------- */

typedef struct param {
    const char *name; /* the route's static name */
    char *value;      /* decoded, in ctx.qbuf */
} param;

typedef struct ctx {
    argo_app *app;
    const argo_api_request *req;
    argo_api_response *resp;
    int route;
    bool failed; /* resp holds an error */
    param params[PARAMS_MAX];
    size_t nparams;
    char *qbuf;
    char segment[ARGO_SYMBOL_MAX * 3 + 1]; /* the decoded {id} or {symbol} */
} ctx;

static void fail(ctx *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(ctx *c, int status, const char *fmt, ...)
{
    if (c->failed)
        return;
    free(c->resp->body);
    c->resp->body = NULL;
    va_list ap;
    va_start(ap, fmt);
    verror(c->resp, status, status_code(status), fmt, ap);
    va_end(ap);
    c->failed = true;
}

/* An operation of app/ failed: its status by the error's kind. */
static void fail_app(ctx *c, const argo_err *err)
{
    switch (err->code) {
    case ARGO_ENOENT:
        fail(c, 404, "%s", err->msg);
        break;
    case ARGO_EBUSY:
        c->resp->retry_after = 1;
        fail(c, 503, "%s", err->msg);
        break;
    default:
        fail(c, 500, "%s", err->msg);
        break;
    }
}

/* a value of the request as text fit for a message */
static const char *quoted(const char *s, char *buf, size_t n)
{
    return argo_text_quote(s, strlen(s), buf, n);
}

static int hexval(int ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

/* Percent-decodes s in place; false on a bad escape or an encoded NUL.
 * A '+' stays a '+' (RFC 3986; no value of this API holds a space, and
 * a time zone "+00:00" should not become one). */
static bool pct_decode(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '%') {
            int hi = hexval((unsigned char)r[1]), lo = hi < 0 ? -1 : hexval((unsigned char)r[2]);
            if (hi < 0 || lo < 0 || (hi | lo) == 0)
                return false;
            *w++ = (char)(hi << 4 | lo);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return true;
}

static void list_params(const route *rt, char *out, size_t n)
{
    out[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < PARAMS_MAX && rt->params[i]; i++) {
        int w = snprintf(out + used, n - used, "%s%s", i ? ", " : "", rt->params[i]);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
    if (!out[0])
        snprintf(out, n, "none");
}

/* Splits and decodes the query into c->params: every name one the
 * route takes, none twice. */
static bool parse_query(ctx *c)
{
    const route *rt = &routes[c->route];
    const char *q = c->req->query ? c->req->query : "";
    if (!(c->qbuf = strdup(q))) {
        fail(c, 500, "out of memory");
        return false;
    }
    char *save = NULL;
    for (char *pair = strtok_r(c->qbuf, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        char *val = eq ? eq + 1 : pair + strlen(pair);
        if (eq)
            *eq = '\0';
        char b1[96], b2[96];
        if (!pct_decode(pair) || !pct_decode(val)) {
            fail(c, 400, "query: '%s' has a bad percent-escape", quoted(pair, b1, sizeof b1));
            return false;
        }
        const char *name = NULL;
        for (int i = 0; i < PARAMS_MAX && rt->params[i] && !name; i++)
            if (!strcmp(rt->params[i], pair))
                name = rt->params[i];
        if (!name) {
            char list[160];
            list_params(rt, list, sizeof list);
            fail(c, 400, "unknown query parameter '%s' (%s takes: %s)", quoted(pair, b1, sizeof b1),
                 rt->tmpl, list);
            return false;
        }
        for (size_t i = 0; i < c->nparams; i++)
            if (c->params[i].name == name) {
                fail(c, 400, "query parameter %s is given twice", name);
                return false;
            }
        if (!*val) {
            fail(c, 400, "query parameter %s is empty", name);
            return false;
        }
        (void)b2;
        assert(c->nparams < PARAMS_MAX);
        c->params[c->nparams++] = (param){name, val};
    }
    return true;
}

static const char *get(const ctx *c, const char *name)
{
    for (size_t i = 0; i < c->nparams; i++)
        if (!strcmp(c->params[i].name, name))
            return c->params[i].value;
    return NULL;
}

/* ?name as a date or datetime (UTC); def when absent */
static bool q_time(ctx *c, const char *name, int64_t def, int64_t *out)
{
    const char *v = get(c, name);
    *out = def;
    if (!v)
        return true;
    const char *why = "not a date";
    char b[96];
    if (argo_time_parse_why(v, out, &why)) {
        fail(c, 400, "%s: '%s' is %s (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", name,
             quoted(v, b, sizeof b), why);
        return false;
    }
    return true;
}

static bool q_int(ctx *c, const char *name, long long lo, long long hi, long long def,
                  long long *out)
{
    const char *v = get(c, name);
    *out = def;
    if (!v)
        return true;
    char b[96];
    if (strspn(v, "0123456789") != strlen(v) || argo_text_integer(v, out) || *out < lo ||
        *out > hi) {
        fail(c, 400, "%s: '%s' is not a whole number in %lld..%lld", name, quoted(v, b, sizeof b),
             lo, hi);
        return false;
    }
    return true;
}

static bool q_bool(ctx *c, const char *name, int def, int *out)
{
    const char *v = get(c, name);
    *out = def;
    if (!v)
        return true;
    char b[96];
    if (!strcmp(v, "true"))
        *out = 1;
    else if (!strcmp(v, "false"))
        *out = 0;
    else {
        fail(c, 400, "%s: '%s' is not true or false", name, quoted(v, b, sizeof b));
        return false;
    }
    return true;
}

/* a cursor: the decimal the previous page's next_cursor gave */
static bool q_cursor(ctx *c, long long lo, long long *out)
{
    const char *v = get(c, "cursor");
    *out = lo;
    if (!v)
        return true;
    char b[96];
    const char *d = v[0] == '-' ? v + 1 : v;
    if (!*d || strspn(d, "0123456789") != strlen(d) || argo_text_integer(v, out) || *out < lo) {
        fail(c, 400, "cursor: '%s' is not a cursor this route gave", quoted(v, b, sizeof b));
        return false;
    }
    return true;
}

/* ---- documents --------------------------------------------------------------- */

static json_t *date_json(int64_t ts)
{
    char s[32];
    return json_string(argo_time_format(ts, s, sizeof s));
}

static json_t *opt_date(int64_t ts)
{
    return ts == INT64_MIN ? json_null() : date_json(ts);
}

static bool is_admin(const ctx *c)
{
    return c->req->role == ARGO_ROLE_ADMIN;
}

static json_t *h_version(ctx *c)
{
    (void)c;
    return json_pack("{s:s,s:s,s:s}", "argo", ARGO_VERSION, "api", "v1", "openapi", "3.1.0");
}

static json_t *h_page(ctx *c, bool outcomes)
{
    argo_page_options o = {.symbol = get(c, "symbol"), .min_confidence = -1};
    long long limit, cursor;
    if (!q_time(c, "since", INT64_MIN, &o.since) || !q_time(c, "until", INT64_MAX, &o.until) ||
        !q_int(c, "limit", 1, ARGO_PAGE_MAX, API_PAGE_DEFAULT, &limit) || !q_cursor(c, 0, &cursor))
        return NULL;
    if (o.since != INT64_MIN && o.until != INT64_MAX && o.until < o.since) {
        fail(c, 400, "until is before since");
        return NULL;
    }
    o.limit = (size_t)limit;
    o.after_id = cursor;
    const char *st = get(c, "status");
    char b[96];
    o.status = outcomes ? -2 : -1;
    if (st) {
        static const char *const names[] = {"open", "win", "loss", "expired", "resolved"};
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (!strcmp(st, names[i]))
                k = i;
        if (k < 0 || (outcomes && k == 0)) {
            fail(c, 400, "status: '%s' is not one of %s", quoted(st, b, sizeof b),
                 outcomes ? "win, loss, expired, resolved" : "open, win, loss, expired, resolved");
            return NULL;
        }
        o.status = k == 4 ? -2 : k;
    }
    if (!q_bool(c, "published", -1, &o.published))
        return NULL;
    if (!is_admin(c)) {
        if (o.published == 0) {
            fail(c, 403,
                 "published=false needs an admin key (a read key sees published "
                 "signals only)");
            return NULL;
        }
        o.published = 1;
    }
    const char *mc = get(c, "min_confidence");
    if (mc && (argo_text_decimal(mc, &o.min_confidence) || !(o.min_confidence >= 0) ||
               o.min_confidence > 1 || strchr(mc, ' ') || strchr(mc, '\t'))) {
        fail(c, 400, "min_confidence: '%s' is not a number in [0, 1]", quoted(mc, b, sizeof b));
        return NULL;
    }
    argo_signal_list l = {0};
    bool more = false;
    argo_err err;
    if (argo_app_signals_page(c->app, &o, &l, &more, &err)) {
        fail_app(c, &err);
        argo_signal_list_cleanup(&l);
        return NULL;
    }
    json_t *doc = argo_json_signal_page(&l, more);
    argo_signal_list_cleanup(&l);
    return doc;
}

static json_t *h_signal(ctx *c)
{
    char b[96];
    long long id;
    if (strspn(c->segment, "0123456789") != strlen(c->segment) ||
        argo_text_integer(c->segment, &id) || id <= 0) {
        fail(c, 400, "id: '%s' is not a signal id (a whole number from 1)",
             quoted(c->segment, b, sizeof b));
        return NULL;
    }
    argo_signal g;
    argo_err err;
    int rc = argo_app_signal(c->app, id, &g, &err);
    if (rc == ARGO_ENOENT || (!rc && !g.published && !is_admin(c))) {
        fail(c, 404, "no signal %lld", id);
        return NULL;
    }
    if (rc) {
        fail_app(c, &err);
        return NULL;
    }
    return argo_json_signal(&g);
}

/* The filters of /api/v1/stats and /stats/daily into *f; false (400)
 * when one does not parse. The symbol is checked by the statistics (404
 * when the store has none of that name). */
static bool stats_filter(ctx *c, argo_stats_filter *f)
{
    argo_stats_filter_init(f);
    f->symbol = get(c, "symbol");
    const char *v = get(c, "strategy");
    if (v) {
        if ((f->strategy = argo_strategy_parse(v)) < 0) {
            char b[96], names[160] = "";
            for (int k = 0; k < ARGO_STRAT_COUNT; k++)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? ", " : "",
                         argo_strategy_name(k));
            fail(c, 400, "strategy: '%s' is not one of %s", quoted(v, b, sizeof b), names);
            return false;
        }
    }
    if (!q_time(c, "since", INT64_MIN, &f->since) || !q_time(c, "until", INT64_MAX, &f->until))
        return false;
    if (f->since != INT64_MIN && f->until != INT64_MAX && f->until <= f->since) {
        fail(c, 400, "until is not after since");
        return false;
    }
    return true;
}

static json_t *filter_json(const argo_stats_filter *f)
{
    return json_pack("{s:o,s:o,s:o,s:o}", "symbol",
                     f->symbol ? json_string(f->symbol) : json_null(), "strategy",
                     f->strategy >= 0 ? json_string(argo_strategy_name(f->strategy)) : json_null(),
                     "since", f->since != INT64_MIN ? date_json(f->since) : json_null(), "until",
                     f->until != INT64_MAX ? date_json(f->until) : json_null());
}

static json_t *h_stats(ctx *c)
{
    const char *v = get(c, "by");
    int by = ARGO_BY_NONE;
    char b[96];
    if (v && strcmp(v, "none") && (by = argo_stats_by_parse(v)) < 0) {
        fail(c, 400, "by: '%s' is not one of none, symbol, strategy, bucket, month, exit",
             quoted(v, b, sizeof b));
        return NULL;
    }
    argo_stats_filter f;
    if (!stats_filter(c, &f))
        return NULL;
    argo_stats *s = NULL;
    argo_err err;
    if (argo_app_stats_filtered(c->app, (argo_stats_by)by, &f, &s, &err)) {
        fail_app(c, &err);
        return NULL;
    }
    json_t *doc = argo_json_stats(s, (argo_stats_by)by);
    json_object_set_new(doc, "filter", filter_json(&f));
    argo_stats_free(s);
    return doc;
}

/* The total's daily series (equity and drawdown) and the same summed by
 * the month of the exit day: the dashboard's equity and P&L panels. */
static json_t *h_stats_daily(ctx *c)
{
    argo_stats_filter f;
    if (!stats_filter(c, &f))
        return NULL;
    f.daily = true;
    argo_stats *s = NULL;
    argo_err err;
    if (argo_app_stats_filtered(c->app, ARGO_BY_NONE, &f, &s, &err)) {
        fail_app(c, &err);
        return NULL;
    }
    json_t *doc = json_pack("{s:o}", "filter", filter_json(&f)), *series = argo_json_stats_daily(s);
    json_object_update(doc, series);
    json_decref(series);
    argo_stats_free(s);
    return doc;
}

static json_t *h_symbols(ctx *c)
{
    argo_symbol *v = NULL;
    size_t n = 0;
    argo_err err;
    if (argo_app_symbols(c->app, &v, &n, &err)) {
        fail_app(c, &err);
        free(v);
        return NULL;
    }
    double *closes = n ? malloc(n * sizeof *closes) : NULL;
    if (n && !closes) {
        free(v);
        fail(c, 500, "out of memory");
        return NULL;
    }
    if (argo_app_last_closes(c->app, v, n, closes, &err)) {
        fail_app(c, &err);
        free(v);
        free(closes);
        return NULL;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:s,s:o,s:o,s:o}", "symbol", v[i].name, "first_bar",
                         opt_date(v[i].first_ts), "last_bar", opt_date(v[i].last_ts), "last_close",
                         isfinite(closes[i]) ? json_real(closes[i]) : json_null()));
    free(v);
    free(closes);
    return json_pack("{s:o}", "symbols", a);
}

static json_t *h_bars(ctx *c)
{
    int64_t from, to;
    long long limit, cursor;
    if (!q_time(c, "from", INT64_MIN, &from) || !q_time(c, "to", INT64_MAX, &to) ||
        !q_int(c, "limit", 1, ARGO_PAGE_MAX, API_PAGE_DEFAULT, &limit) ||
        !q_cursor(c, INT64_MIN, &cursor))
        return NULL;
    if (from != INT64_MIN && to != INT64_MAX && to < from) {
        fail(c, 400, "to is before from");
        return NULL;
    }
    argo_bar_list l = {0};
    bool more = false;
    argo_err err;
    if (argo_app_bars(c->app, c->segment, cursor, from, to, (size_t)limit, &l, &more, &err)) {
        fail_app(c, &err);
        argo_bar_list_cleanup(&l);
        return NULL;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(a, argo_json_bar(&l.v[i]));
    json_t *next = json_null();
    if (more && l.n) {
        char s[32];
        snprintf(s, sizeof s, "%lld", (long long)l.v[l.n - 1].ts);
        next = json_string(s);
    }
    argo_bar_list_cleanup(&l);
    return json_pack("{s:s,s:o,s:o}", "symbol", c->segment, "bars", a, "next_cursor", next);
}

static json_t *h_calib_report(ctx *c)
{
    const char *v = get(c, "train_fraction");
    double fraction = 0.7;
    long long folds;
    char b[96];
    if (v && (argo_text_decimal(v, &fraction) || !(fraction > 0 && fraction < 1) ||
              strchr(v, ' ') || strchr(v, '\t'))) {
        fail(c, 400, "train_fraction: '%s' is not a number in (0, 1)", quoted(v, b, sizeof b));
        return NULL;
    }
    if (!q_int(c, "folds", 1, 100, 5, &folds))
        return NULL;
    argo_calib_report *r = NULL;
    argo_err err;
    if (argo_app_calibration_report(c->app, fraction, (int)folds, &r, &err)) {
        if (err.code == ARGO_EDATA)
            fail(c, 409, "%s", err.msg);
        else
            fail_app(c, &err);
        free(r);
        return NULL;
    }
    json_t *doc = argo_json_calib_report(r);
    free(r);
    return doc;
}

static const char *const MODEL_SCOPES[] = {"global", "symbol", "external"};

typedef struct model_key {
    const char *scope;
    int64_t symbol_id, version;
    size_t i; /* in the list */
} model_key;

/* By scope, symbol, then version. */
static int cmp_model(const void *a, const void *b)
{
    const model_key *x = a, *y = b;
    int c = strcmp(x->scope, y->scope);
    if (c)
        return c;
    if (x->symbol_id != y->symbol_id)
        return x->symbol_id < y->symbol_id ? -1 : 1;
    return (x->version > y->version) - (x->version < y->version);
}

/* Keeps in l (in version order) the models of scope (NULL: every scope),
 * and with latest only the newest of each scope and symbol. false when
 * out of memory. */
static bool models_select(argo_model_list *l, const char *scope, bool latest)
{
    model_key *ks = l->n ? malloc(l->n * sizeof *ks) : NULL;
    bool *keep = l->n ? calloc(l->n, sizeof *keep) : NULL;
    if (l->n && (!ks || !keep)) {
        free(ks);
        free(keep);
        return false;
    }
    size_t m = 0;
    for (size_t i = 0; i < l->n; i++) {
        const argo_model_row *r = &l->v[i].row;
        if (!scope || !strcmp(r->scope, scope))
            ks[m++] = (model_key){r->scope, r->symbol_id, r->version, i};
    }
    if (latest && m)
        qsort(ks, m, sizeof *ks, cmp_model);
    for (size_t j = 0; j < m; j++)
        keep[ks[j].i] = !latest || j + 1 == m || ks[j + 1].symbol_id != ks[j].symbol_id ||
                        strcmp(ks[j + 1].scope, ks[j].scope);
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        if (keep[i])
            l->v[k++] = l->v[i];
    l->n = k;
    free(ks);
    free(keep);
    return true;
}

static json_t *h_calib_models(ctx *c)
{
    const char *scope = get(c, "scope");
    int latest;
    char b[96];
    if (scope && strcmp(scope, MODEL_SCOPES[0]) && strcmp(scope, MODEL_SCOPES[1]) &&
        strcmp(scope, MODEL_SCOPES[2])) {
        fail(c, 400, "scope: '%s' is not one of global, symbol, external",
             quoted(scope, b, sizeof b));
        return NULL;
    }
    if (!q_bool(c, "latest", 0, &latest))
        return NULL;
    argo_model_list l = {0};
    argo_err err;
    if (argo_app_models(c->app, &l, &err)) {
        fail_app(c, &err);
        argo_model_list_cleanup(&l);
        return NULL;
    }
    /* the dashboard's two views: the global versions over time, and the
     * newest of each scope and symbol (a store of 500 symbols has
     * thousands of versions) */
    if (!models_select(&l, scope, latest)) {
        argo_model_list_cleanup(&l);
        fail(c, 500, "out of memory");
        return NULL;
    }
    json_t *doc = json_pack("{s:o}", "models", argo_json_models(&l));
    argo_model_list_cleanup(&l);
    return doc;
}

static json_t *h_backups(ctx *c)
{
    int verify;
    long long limit;
    if (!q_bool(c, "verify", 1, &verify) || !q_int(c, "limit", 1, 10000, 0, &limit))
        return NULL;
    argo_app_backup_state *v = NULL;
    size_t n = 0, total = 0;
    argo_err err;
    if (argo_app_backup_states(c->app, NULL, verify, (size_t)limit, &v, &n, &total, &err)) {
        fail_app(c, &err);
        free(v);
        return NULL;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o =
            json_pack("{s:o,s:i,s:I,s:I}", "date", date_json(v[i].day), "version", v[i].version,
                      "files", (json_int_t)v[i].files, "bytes", (json_int_t)v[i].bytes);
        json_object_set_new(o, "verified", verify ? json_boolean(v[i].verified) : json_null());
        json_object_set_new(o, "error",
                            verify && !v[i].verified ? json_string(v[i].error) : json_null());
        json_array_append_new(a, o);
    }
    free(v);
    return json_pack("{s:b,s:I,s:o}", "verified", verify, "total_days", (json_int_t)total, "days",
                     a);
}

static json_t *nullable_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static void count_move(void *ctxp, const argo_tier_move *m)
{
    (void)m;
    (*(size_t *)ctxp)++;
}

static json_t *h_archive(ctx *c)
{
    const argo_config *cfg = argo_app_config(c->app);
    argo_lifecycle lc;
    argo_err err;
    if (argo_app_lifecycle(c->app, &lc, &err)) {
        fail_app(c, &err);
        return NULL;
    }
    json_t *tr = json_array(), *tiers = json_array();
    for (int i = 0; i < lc.n; i++)
        json_array_append_new(tr, json_pack("{s:s,s:i}", "storage_class", lc.t[i].storage_class,
                                            "days", lc.t[i].days));
    bool any_tier = false;
    for (int k = 0; k < ARGO_TIER_CLASSES; k++) {
        any_tier |= cfg->tier_dir[k][0] != '\0';
        json_array_append_new(tiers, json_pack("{s:s,s:b}", "storage_class", argo_tier_classes[k],
                                               "configured", cfg->tier_dir[k][0] != '\0'));
    }
    json_t *pending = json_null();
    if (any_tier && !access(cfg->archive_dir, F_OK)) {
        size_t moves = 0, moved = 0;
        argo_app_tier_options to = {
            .now = (int64_t)time(NULL), .dry_run = true, .fn = count_move, .ctx = &moves};
        if (argo_app_archive_tier(c->app, &to, &moved, &err)) {
            json_decref(tr);
            json_decref(tiers);
            fail_app(c, &err);
            return NULL;
        }
        pending = json_integer((json_int_t)moves);
    }
    bool s3 = cfg->s3_bucket[0] != '\0';
    json_t *s3o = json_pack("{s:b,s:o,s:s,s:s,s:s,s:o}", "configured", s3, "bucket",
                            nullable_str(cfg->s3_bucket), "prefix", cfg->s3_prefix, "storage_class",
                            cfg->s3_storage_class, "bundle", cfg->s3_bundle, "object_lock",
                            nullable_str(cfg->s3_object_lock));
    json_t *lco = json_pack(
        "{s:s,s:o,s:o,s:o,s:s}", "prefix", lc.prefix, "transitions", tr, "expiration_days",
        lc.expiration_days ? json_integer(lc.expiration_days) : json_null(), "abort_multipart_days",
        lc.abort_multipart_days ? json_integer(lc.abort_multipart_days) : json_null(),
        "min_size_behaviour", lc.min_size_behaviour);
    json_t *push = json_null();
    if (s3) {
        argo_app_last_push lp;
        if (argo_app_archive_last_push(c->app, &lp, &err)) {
            json_decref(s3o);
            json_decref(lco);
            json_decref(tiers);
            json_decref(pending);
            fail_app(c, &err);
            return NULL;
        }
        if (lp.found)
            push = json_pack("{s:s,s:o,s:o,s:s,s:I,s:I}", "target", lp.target, "at",
                             date_json(lp.newest.uploaded_at), "day", date_json(lp.newest.day),
                             "key", lp.newest.key, "bytes", (json_int_t)lp.newest.bytes, "objects",
                             (json_int_t)lp.objects);
    }
    return json_pack("{s:o,s:o,s:o,s:o,s:o}", "s3", s3o, "lifecycle", lco, "tiers", tiers,
                     "pending_tier_moves", pending, "last_push", push);
}

static json_t *h_archive_cost(ctx *c)
{
    long long years;
    if (!q_int(c, "years", 1, 100, 7, &years))
        return NULL;
    argo_app_cost_options o = {.years = (int)years};
    argo_app_cost_result r;
    argo_err err;
    if (argo_app_archive_cost(c->app, &o, &r, &err)) {
        if (err.code == ARGO_ENOENT || err.code == ARGO_EDATA)
            fail(c, 409, "%s", err.msg);
        else
            fail_app(c, &err);
        argo_app_cost_result_cleanup(&r);
        return NULL;
    }
    json_t *doc = argo_app_cost_json(&r);
    argo_app_cost_result_cleanup(&r);
    return doc;
}

static json_t *cycle_json(const argo_cycle_report *r)
{
    const argo_generate_report *g = &r->gen;
    const argo_track_report *t = &r->track;
    return json_pack("{s:{s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I,s:i}}", "generate", "symbols",
                     (json_int_t)g->symbols, "bars_fed", (json_int_t)g->bars_fed, "signals",
                     (json_int_t)g->signals, "suppressed", (json_int_t)g->suppressed, "rebuilt",
                     (json_int_t)g->rebuilt, "track", "open_before", (json_int_t)t->open_before,
                     "bars_scanned", (json_int_t)t->bars_scanned, "resolved",
                     (json_int_t)t->resolved, "open_after", (json_int_t)t->open_after, "models",
                     t->models);
}

static json_t *h_cycle(ctx *c)
{
    argo_cycle_report r;
    memset(&r, 0, sizeof r);
    argo_err err;
    if (argo_app_cycle(c->app, &r, &err)) {
        fail_app(c, &err);
        return NULL;
    }
    return json_pack("{s:o}", "cycle", cycle_json(&r));
}

static json_t *h_backup(ctx *c)
{
    argo_app_backup_options o = {.day = INT64_MIN, .codec = ARGO_PQ_SNAPPY};
    if (!q_time(c, "date", INT64_MIN, &o.day))
        return NULL;
    argo_app_backup_result r = {0};
    argo_err err;
    int rc = argo_app_backup(c->app, &o, &r, &err);
    if (rc) {
        if (rc == ARGO_ENOENT)
            fail(c, 409, "%s", err.msg);
        else
            fail_app(c, &err);
        argo_app_backup_result_cleanup(&r);
        return NULL;
    }
    json_t *doc = json_pack("{s:o}", "backups", argo_json_backup(&r));
    argo_app_backup_result_cleanup(&r);
    return doc;
}

/* media type of a Content-Type value, without parameters, is want */
static bool media_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, want, n))
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return !*ct || *ct == ';';
}

static json_t *ingest_json(const char *const *symbols, const argo_ingest_report *reps, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:I,s:I,s:I}", "symbol", symbols[i], "rows",
                                           (json_int_t)reps[i].rows, "inserted",
                                           (json_int_t)reps[i].inserted, "duplicates",
                                           (json_int_t)reps[i].duplicates));
    return a;
}

/* The bars were refused or could not be stored: 422 for the input, else
 * by the error's kind. */
static void fail_ingest(ctx *c, argo_err *err)
{
    switch (err->code) {
    case ARGO_EPARSE:
    case ARGO_EDATA:
    case ARGO_ECONFLICT:
    case ARGO_ELIMIT:
    case ARGO_ENOENT:
    case ARGO_EINVAL: /* a symbol name the symbol rule refuses */
        fail(c, 422, "%s", err->msg);
        break;
    default:
        fail_app(c, err);
    }
}

/* Runs the cycle after the bars were stored; the response holds both. */
static json_t *ingest_then_cycle(ctx *c, json_t *ingest)
{
    argo_cycle_report r;
    memset(&r, 0, sizeof r);
    argo_err err;
    if (argo_app_cycle(c->app, &r, &err)) {
        json_decref(ingest);
        fail(c, err.code == ARGO_EBUSY ? 503 : 500, "the bars are stored; the cycle failed: %s",
             err.msg);
        return NULL;
    }
    return json_pack("{s:o,s:o}", "ingest", ingest, "cycle", cycle_json(&r));
}

static json_t *bars_csv(ctx *c)
{
    const char *sym = get(c, "symbol");
    if (!sym) {
        fail(c, 400, "symbol: a text/csv body needs ?symbol=SYMBOL");
        return NULL;
    }
    const char *tmp = getenv("TMPDIR");
    char path[ARGO_PATH_MAX];
    int w = snprintf(path, sizeof path, "%s/argo-api-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (w < 0 || (size_t)w >= sizeof path) {
        fail(c, 500, "TMPDIR is too long");
        return NULL;
    }
    int fd = mkstemp(path); /* mode 0600: private */
    if (fd < 0) {
        fail(c, 500, "cannot make a temporary file for the request body: %s", strerror(errno));
        return NULL;
    }
    size_t off = 0;
    while (off < c->req->body_len) {
        ssize_t k = write(fd, c->req->body + off, c->req->body_len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            int e = errno;
            close(fd);
            unlink(path);
            fail(c, 500, "cannot write the request body to a temporary file: %s", strerror(e));
            return NULL;
        }
        off += (size_t)k;
    }
    if (close(fd)) {
        unlink(path);
        fail(c, 500, "cannot write the request body to a temporary file: %s", strerror(errno));
        return NULL;
    }
    const char *paths[1] = {path}, *syms[1] = {sym};
    argo_ingest_report rep;
    memset(&rep, 0, sizeof rep);
    argo_err err;
    int rc = argo_app_ingest(c->app, 1, paths, syms, false, &rep, &err);
    unlink(path);
    if (rc) {
        /* the temporary file's name means nothing to the client */
        char *at = strstr(err.msg, path);
        if (at) {
            char rest[ARGO_ERR_MSG_MAX];
            snprintf(rest, sizeof rest, "%s", at + strlen(path));
            snprintf(at, sizeof err.msg - (size_t)(at - err.msg), "request body%s", rest);
        }
        fail_ingest(c, &err);
        return NULL;
    }
    return ingest_then_cycle(c, ingest_json(syms, &rep, 1));
}

static const char *const BAR_FIELDS[] = {"ts", "open", "high", "low", "close", "volume"};

/* One bar object of the JSON body; false (400) when its shape is wrong. */
static bool bar_of(ctx *c, const char *sym, size_t j, json_t *o, argo_bar *b)
{
    char bs[96];
    if (!json_is_object(o)) {
        fail(c, 400, "request body: bars.%s[%zu] is not an object", quoted(sym, bs, sizeof bs), j);
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        bool known = false;
        for (size_t k = 0; k < 6; k++)
            known |= !strcmp(key, BAR_FIELDS[k]);
        if (!known) {
            char bk[96];
            fail(c, 400,
                 "request body: bars.%s[%zu] has an unknown field '%s' (a bar has ts, open, "
                 "high, low, close, volume)",
                 quoted(sym, bs, sizeof bs), j, quoted(key, bk, sizeof bk));
            return false;
        }
    }
    double *dst[5] = {&b->open, &b->high, &b->low, &b->close, &b->volume};
    for (size_t k = 0; k < 6; k++) {
        json_t *f = json_object_get(o, BAR_FIELDS[k]);
        if (!f) {
            fail(c, 400, "request body: bars.%s[%zu] has no %s", quoted(sym, bs, sizeof bs), j,
                 BAR_FIELDS[k]);
            return false;
        }
        if (k == 0) {
            const char *why = "not a date";
            char bt[96];
            if (!json_is_string(f)) {
                fail(c, 400, "request body: bars.%s[%zu].ts: not a string",
                     quoted(sym, bs, sizeof bs), j);
                return false;
            }
            if (argo_time_parse_why(json_string_value(f), &b->ts, &why)) {
                fail(c, 400, "request body: bars.%s[%zu].ts: '%s' is %s",
                     quoted(sym, bs, sizeof bs), j, quoted(json_string_value(f), bt, sizeof bt),
                     why);
                return false;
            }
        } else if (!json_is_number(f)) {
            fail(c, 400, "request body: bars.%s[%zu].%s is not a number",
                 quoted(sym, bs, sizeof bs), j, BAR_FIELDS[k]);
            return false;
        } else {
            *dst[k - 1] = json_number_value(f);
        }
    }
    return true;
}

static json_t *bars_json(ctx *c)
{
    if (get(c, "symbol")) {
        fail(c, 400, "symbol: only a text/csv body takes ?symbol (a JSON body names its symbols)");
        return NULL;
    }
    json_error_t je;
    json_t *doc =
        json_loadb((const char *)c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        fail(c, 400, "request body: line %d column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    json_t *bars = json_object_get(doc, "bars");
    if (!json_is_object(doc) || json_object_size(doc) != 1 || !json_is_object(bars) ||
        !json_object_size(bars)) {
        json_decref(doc);
        fail(c, 400,
             "request body: expected {\"bars\": {\"SYMBOL\": [{\"ts\": ..., \"open\": "
             "..., \"high\": ..., \"low\": ..., \"close\": ..., \"volume\": ...}, ...]}} "
             "with at least one symbol");
        return NULL;
    }
    size_t n = json_object_size(bars), i = 0, total = 0;
    const char **syms = calloc(n, sizeof *syms);
    argo_bar **series = calloc(n, sizeof *series);
    size_t *counts = calloc(n, sizeof *counts);
    argo_ingest_report *reps = calloc(n, sizeof *reps);
    json_t *out = NULL;
    bool ok = syms && series && counts && reps;
    if (!ok)
        fail(c, 500, "out of memory");
    const char *key;
    json_t *arr;
    json_object_foreach(bars, key, arr)
    {
        if (!ok)
            break;
        char bs[96];
        if (!json_is_array(arr)) {
            fail(c, 400, "request body: bars.%s is not an array", quoted(key, bs, sizeof bs));
            ok = false;
            break;
        }
        syms[i] = key;
        counts[i] = json_array_size(arr);
        total += counts[i];
        if (counts[i] && !(series[i] = calloc(counts[i], sizeof **series))) {
            fail(c, 500, "out of memory");
            ok = false;
            break;
        }
        for (size_t j = 0; j < counts[i] && ok; j++)
            ok = bar_of(c, key, j, json_array_get(arr, j), &series[i][j]);
        i++;
    }
    if (ok && !total) {
        fail(c, 400, "request body: no bars");
        ok = false;
    }
    if (ok) {
        argo_err err;
        if (argo_app_ingest_bars(c->app, n, syms, (const argo_bar *const *)series, counts,
                                 "request body", reps, &err))
            fail_ingest(c, &err);
        else
            out = ingest_then_cycle(c, ingest_json(syms, reps, n));
    }
    for (size_t k = 0; series && k < n; k++)
        free(series[k]);
    free(syms);
    free(series);
    free(counts);
    free(reps);
    json_decref(doc);
    return out;
}

static json_t *h_bars_post(ctx *c)
{
    const char *ct = c->req->content_type;
    bool csv = ct && media_is(ct, "text/csv"), js = ct && media_is(ct, "application/json");
    if (!csv && !js) {
        char b[96];
        fail(c, 415, "Content-Type '%s': bars are posted as application/json or text/csv",
             ct ? quoted(ct, b, sizeof b) : "(none)");
        return NULL;
    }
    if (!c->req->body || !c->req->body_len) {
        fail(c, 400, "request body is empty");
        return NULL;
    }
    return csv ? bars_csv(c) : bars_json(c);
}

/* ---- conditional requests ---------------------------------------------------- */

bool argo_api_etag_matches(const char *inm, const char *etag)
{
    const char *p = inm;
    size_t el = strlen(etag);
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            return false;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return false; /* malformed: no match */
        const char *end = strchr(p + 1, '"');
        if (!end)
            return false;
        size_t tl = (size_t)(end - p) + 1;
        if (tl == el && !memcmp(p, etag, el))
            return true;
        p = end + 1;
    }
}

/* ---- the handler ------------------------------------------------------------- */

static json_t *dispatch(ctx *c)
{
    switch ((route_id)c->route) {
    case R_VERSION:
        return h_version(c);
    case R_SIGNALS:
        return h_page(c, false);
    case R_OUTCOMES:
        return h_page(c, true);
    case R_SIGNAL:
        return h_signal(c);
    case R_STATS:
        return h_stats(c);
    case R_SYMBOLS:
        return h_symbols(c);
    case R_BARS:
        return h_bars(c);
    case R_CALIB_REPORT:
        return h_calib_report(c);
    case R_CALIB_MODELS:
        return h_calib_models(c);
    case R_BACKUPS:
        return h_backups(c);
    case R_ARCHIVE:
        return h_archive(c);
    case R_ARCHIVE_COST:
        return h_archive_cost(c);
    case R_STATS_DAILY:
        return h_stats_daily(c);

    case R_ADMIN_BARS:
        return h_bars_post(c);
    case R_ADMIN_CYCLE:
        return h_cycle(c);
    case R_ADMIN_BACKUP:
        return h_backup(c);
    case R_OPENAPI:
    case R_COUNT:
        break;
    }
    assert(0 && "route without a handler");
    return NULL;
}

/* The {id} or {symbol} segment of the path, decoded. */
static bool take_segment(ctx *c)
{
    const char *t = routes[c->route].tmpl, *p = c->req->path;
    const char *brace = strchr(t, '{');
    if (!brace)
        return true;
    p += brace - t;
    size_t n = strcspn(p, "/");
    char b[96];
    if (n >= sizeof c->segment) {
        fail(c, c->route == R_BARS ? 404 : 400, "'%s' is too long for %s", quoted(p, b, sizeof b),
             c->route == R_BARS ? "a symbol" : "a signal id");
        return false;
    }
    memcpy(c->segment, p, n);
    c->segment[n] = '\0';
    if (!pct_decode(c->segment)) {
        fail(c, 400, "path: '%s' has a bad percent-escape", quoted(c->segment, b, sizeof b));
        return false;
    }
    return true;
}

int argo_api_handle(argo_app *app, const argo_api_request *req, argo_api_response *resp)
{
    assert(req && req->method && req->path && resp);
    memset(resp, 0, sizeof *resp);
    ctx c = {.app = app, .req = req, .resp = resp};
    argo_api_route m;
    argo_api_match(req->method, req->path, &m);
    bool head = !strcmp(req->method, "HEAD");
    json_t *doc = NULL;
    bool post = false;
    if (m.status == 404) {
        char b[96];
        fail(&c, 404, "no route %s", quoted(req->path, b, sizeof b));
    } else if (m.status == 405) {
        memcpy(resp->allow, m.allow, sizeof resp->allow);
        char b[16];
        fail(&c, 405, "%s does not take %s (allowed: %s)", m.name, quoted(req->method, b, sizeof b),
             m.allow);
    } else if (!argo_role_allows(req->role, m.needs)) {
        if (req->role == ARGO_ROLE_NONE)
            fail(&c, 401, "%s needs an API key", m.name);
        else
            fail(&c, 403, "%s needs a key of role %s", m.name, argo_role_name(m.needs));
    } else if (req->body_len > ARGO_HTTP_BODY_MAX) {
        fail(&c, 413, "the request body is over " ARGO_STR(ARGO_HTTP_BODY_MAX) " bytes");
    } else {
        c.route = route_of(req->path);
        post = routes[c.route].post;
        assert(m.runs == ARGO_API_INLINE || app);
        if (take_segment(&c) && parse_query(&c) && c.route != R_OPENAPI) {
            unsigned long jf = argo_json_failures();
            doc = dispatch(&c);
            if (!c.failed) {
                char *s = doc && argo_json_failures() == jf
                              ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17))
                              : NULL;
                if (!s || argo_json_failures() != jf) {
                    free(s);
                    fail(&c, 500, "out of memory");
                } else {
                    resp->body = s;
                    resp->len = strlen(s);
                }
            }
        } else if (!c.failed) {
            size_t n;
            const char *s = argo_api_openapi(&n);
            if ((resp->body = malloc(n + 1))) {
                memcpy(resp->body, s, n + 1);
                resp->len = n;
            } else {
                fail(&c, 500, "out of memory");
            }
        }
    }
    json_decref(doc);
    free(c.qbuf);
    if (c.failed) {
        if (!resp->body)
            return ARGO_ENOMEM;
        if (head) { /* the error's status and headers, no body */
            free(resp->body);
            resp->body = NULL;
        }
        return ARGO_OK;
    }
    resp->status = 200;
    resp->content_type = JSON_TYPE;
    if (post) {
        resp->cache_control = CC_NONE;
        return ARGO_OK;
    }
    resp->cache_control = c.route == R_OPENAPI ? CC_STATIC : CC_DATA;
    char hex[65];
    argo_sha256_hex(resp->body, resp->len, hex);
    snprintf(resp->etag, sizeof resp->etag, "\"%.32s\"", hex);
    if (req->if_none_match && argo_api_etag_matches(req->if_none_match, resp->etag)) {
        resp->status = 304;
        argo_api_response_cleanup(resp);
    } else if (head) {
        /* HEAD: no body, len the GET's (its Content-Length) */
        free(resp->body);
        resp->body = NULL;
    }
    return ARGO_OK;
}
