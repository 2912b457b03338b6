/* SPDX-License-Identifier: MIT */
/*
 * provider/alpaca.c - historical bars from Alpaca's Market Data API v2
 * (the REST half; the stream is provider/stream.c). Not here: what is
 * already stored, the cache, corrections and the call budget across
 * batches (app/fetch.c).
 *
 * Written from Alpaca's documentation:
 *   - Historical bars, many symbols: GET /v2/stocks/bars
 *     (https://docs.alpaca.markets/reference/stockbars, and
 *     https://alpaca.markets/docs/api-references/market-data-api/stock-pricing-data/historical/).
 *     Query: symbols (comma-separated), timeframe ([1-59]Min,
 *     [1-23]Hour, 1Day, ...), start and end (RFC 3339 or a date), limit
 *     (1 to 10000 bars over all symbols of a page), page_token, feed
 *     (iex, sip), adjustment (raw, split, dividend, all), sort (asc).
 *     Answer: {"bars": {"SYM": [{"t", "o", "h", "l", "c", "v", "n",
 *     "vw"}, ...]}, "next_page_token": string or null}; bars sorted by
 *     symbol, then time, so one symbol may run over several pages.
 *     Daily bars are stamped at midnight New York time (04:00Z or 05:00Z).
 *   - Authentication: the APCA-API-KEY-ID and APCA-API-SECRET-KEY
 *     request headers (https://docs.alpaca.markets/docs/authentication).
 *   - Errors: 400 / 422 for a bad parameter, 401 / 403 for bad or
 *     missing credentials or a feed not subscribed, 429 for too many
 *     requests; the body is {"code": N, "message": "..."}
 *     (https://docs.alpaca.markets/reference/stockbars, "Responses").
 *   - Rate limit: 200 calls a minute on the free plan, stated by the
 *     X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset
 *     (Unix seconds) answer headers
 *     (https://docs.alpaca.markets/docs/market-data-api, "Rate limit";
 *     https://alpaca.markets/support/usage-limit-api-calls/).
 *
 * Timeframes argo asks for: 1Day for bar_seconds 86400 (each bar's t
 * floored to its UTC day: argo stores a day at UTC midnight), NMin for
 * 1 to 59 minutes and NHour for whole hours, both dividing a day; 1Min
 * for the stream's gap fill. Intraday bars must start on a whole minute.
 *
 * Why no Debian package: see provider.c.
 */
#include "provider/provider_int.h"

#include "base/text.h"
#include "base/timeutil.h"
#include "market/market.h"

#include <assert.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Dates past this are "no end" (the question is then open-ended). */
#define FAR_FUTURE ((int64_t)7258118400) /* 2200-01-01 */

const char *argo_alpaca_timeframe(const argo_provider *p, const argo_provider_batch *b, char *buf,
                                  size_t n)
{
    int64_t s = b->minutes ? 60 : p->cfg.bar_seconds;
    if (s == 86400)
        snprintf(buf, n, "1Day");
    else if (s >= 3600 && s % 3600 == 0)
        snprintf(buf, n, "%lldHour", (long long)(s / 3600));
    else
        snprintf(buf, n, "%lldMin", (long long)(s / 60));
    return buf;
}

/* A bounded string: appending past the end sets bad. */
typedef struct sbuild {
    char *s;
    size_t n, len;
    bool bad;
} sbuild;

static void put(sbuild *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuild *b, const char *fmt, ...)
{
    if (b->bad)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->s + b->len, b->n - b->len, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= b->n - b->len) {
        b->bad = true;
        b->s[b->len] = '\0';
        return;
    }
    b->len += (size_t)k;
}

/* Percent-encodes s (RFC 3986: all but the unreserved characters). */
static void put_enc(sbuild *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; *c && !b->bad; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~", *c))
            put(b, "%c", *c);
        else
            put(b, "%%%c%c", hex[*c >> 4], hex[*c & 15]);
    }
}

static bool symbol_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= ARGO_SYMBOL_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr("._-^=/", s[i])))
            return false;
    return true;
}

static size_t base_len(const char *url)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    return n;
}

int argo_alpaca_url(const argo_provider *p, const argo_provider_batch *b, const char *page_token,
                    char *out, size_t n, argo_err *err)
{
    assert(p && b && out && n > 0);
    out[0] = '\0';
    if (b->nsymbols == 0)
        return argo_err_set(err, ARGO_EINVAL, "alpaca: a batch with no symbols");
    for (size_t i = 0; i < b->nsymbols; i++)
        if (!symbol_ok(b->symbols[i])) {
            char q[ARGO_TEXT_QUOTE_MAX];
            return argo_err_set(err, ARGO_EINVAL,
                                "alpaca: symbol '%s' is not 1 to %d letters, digits or . _ - ^ = /",
                                argo_text_quote(b->symbols[i], strlen(b->symbols[i]), q, sizeof q),
                                ARGO_SYMBOL_MAX - 1);
        }
    if (b->end != INT64_MAX && b->start > b->end)
        return argo_err_set(err, ARGO_EINVAL, "alpaca: the batch starts after it ends");
    sbuild s = {out, n, 0, false};
    const char *base = p->cfg.rest_url;
    put(&s, "%.*s/v2/stocks/bars?symbols=", (int)base_len(base), base);
    for (size_t i = 0; i < b->nsymbols; i++) {
        if (i)
            put(&s, ",");
        put_enc(&s, b->symbols[i]);
    }
    /* Daily bars are stamped at New York's midnight (04:00Z or 05:00Z) and
     * stored at the UTC midnight of their day: ask from that midnight to
     * the end of end's UTC day, so the day of end is in; what falls
     * outside [start, end] once floored is left out after parsing. */
    bool daily = !b->minutes && p->cfg.bar_seconds == 86400;
    char tf[16], t1[32], t2[32];
    int64_t start = b->start < 0 ? 0 : b->start;
    if (daily)
        start = argo_time_day_start(start);
    put(&s, "&timeframe=%s&start=%s", argo_alpaca_timeframe(p, b, tf, sizeof tf),
        argo_time_format_full(start, t1, sizeof t1));
    if (b->end != INT64_MAX && b->end < FAR_FUTURE) {
        int64_t end = daily ? argo_time_day_start(b->end) + ARGO_DAY_SECONDS - 1 : b->end;
        put(&s, "&end=%s", argo_time_format_full(end, t2, sizeof t2));
    }
    put(&s, "&limit=%d&feed=%s&adjustment=%s&sort=asc", p->cfg.page_limit, p->cfg.feed,
        p->cfg.adjustment);
    if (page_token && *page_token) {
        put(&s, "&page_token=");
        put_enc(&s, page_token);
    }
    if (s.bad) {
        out[0] = '\0';
        return argo_err_set(err, ARGO_ELIMIT,
                            "alpaca: the request URL for %zu symbols is longer than %zu bytes: "
                            "lower [provider] batch_symbols",
                            b->nsymbols, n - 1);
    }
    return ARGO_OK;
}

int argo_alpaca_cache_key(argo_provider *p, argo_provider_batch *b, argo_err *err)
{
    return argo_alpaca_url(p, b, NULL, b->cache_key, sizeof b->cache_key, err);
}

/* ---- one page ---- */

typedef struct seg {
    size_t sym;   /* index into pg->symbols */
    size_t first; /* into the page's bars */
    size_t n;
} seg;

static int bar_field(json_t *o, const char *k, double *out, const char *ctx, argo_err *err)
{
    json_t *v = json_object_get(o, k);
    if (!v)
        return argo_err_set(err, ARGO_EPARSE, "%s: no \"%s\"", ctx, k);
    if (!json_is_number(v))
        return argo_err_set(err, ARGO_EPARSE, "%s: \"%s\" is not a number", ctx, k);
    *out = json_number_value(v);
    if (*out == 0)
        *out = 0; /* -0 is 0 */
    return ARGO_OK;
}

/* One bar object into *b; ctx is "what page N: SYM bar K". */
static int parse_bar(const argo_alpaca_pages *pg, json_t *o, argo_bar *b, const char *ctx,
                     argo_err *err)
{
    if (!json_is_object(o))
        return argo_err_set(err, ARGO_EPARSE, "%s: not a JSON object", ctx);
    json_t *t = json_object_get(o, "t");
    if (!json_is_string(t))
        return argo_err_set(err, ARGO_EPARSE, "%s: \"t\" is missing or not a string", ctx);
    const char *ts = json_string_value(t), *why;
    char q[ARGO_TEXT_QUOTE_MAX];
    if (argo_time_parse_why(ts, &b->ts, &why))
        return argo_err_set(err, ARGO_EPARSE, "%s: t '%s' is %s", ctx,
                            argo_text_quote(ts, json_string_length(t), q, sizeof q), why);
    if (pg->bar_seconds == 86400)
        b->ts = argo_time_day_start(b->ts);
    else if (b->ts % 60)
        return argo_err_set(err, ARGO_EDATA, "%s: t '%s' is not a whole minute", ctx,
                            argo_text_quote(ts, json_string_length(t), q, sizeof q));
    int rc;
    if ((rc = bar_field(o, "o", &b->open, ctx, err)) ||
        (rc = bar_field(o, "h", &b->high, ctx, err)) ||
        (rc = bar_field(o, "l", &b->low, ctx, err)) ||
        (rc = bar_field(o, "c", &b->close, ctx, err)) ||
        (rc = bar_field(o, "v", &b->volume, ctx, err)))
        return rc;
    argo_bar_fault fault;
    argo_err why_err;
    if (argo_bar_validate(b, &fault, &why_err))
        return argo_err_set(err, ARGO_EDATA, "%s: %s", ctx, why_err.msg);
    return ARGO_OK;
}

static int find_symbol(const argo_alpaca_pages *pg, const char *s)
{
    for (size_t i = 0; i < pg->nsymbols; i++)
        if (!strcmp(pg->symbols[i], s))
            return (int)i;
    return -1;
}

/* Checks the page and collects its bars (those inside [start, end]) into
 * *bars and *segs; nothing is handed on yet. */
static int collect(argo_alpaca_pages *pg, json_t *barsmap, argo_bar **bars, seg **segs,
                   size_t *nsegs, argo_err *err)
{
    size_t total = 0, nkeys = json_object_size(barsmap);
    const char *key;
    json_t *arr;
    json_object_foreach(barsmap, key, arr)
    {
        if (json_is_array(arr))
            total += json_array_size(arr);
    }
    *bars = malloc((total ? total : 1) * sizeof **bars);
    *segs = malloc((nkeys ? nkeys : 1) * sizeof **segs);
    if (!*bars || !*segs)
        return argo_err_set(err, ARGO_ENOMEM, "%s page %d: out of memory", pg->what, pg->page);
    size_t used = 0;
    *nsegs = 0;
    json_object_foreach(barsmap, key, arr)
    {
        char q[ARGO_TEXT_QUOTE_MAX];
        int si = find_symbol(pg, key);
        if (si < 0)
            return argo_err_set(err, ARGO_EDATA, "%s page %d: bars for symbol '%s', not asked for",
                                pg->what, pg->page, argo_text_quote(key, strlen(key), q, sizeof q));
        if (json_is_null(arr))
            continue;
        if (!json_is_array(arr))
            return argo_err_set(err, ARGO_EPARSE, "%s page %d: %s: bars are not a JSON array",
                                pg->what, pg->page, key);
        seg *sg = &(*segs)[(*nsegs)++];
        *sg = (seg){(size_t)si, used, 0};
        size_t k;
        json_t *o;
        json_array_foreach(arr, k, o)
        {
            char ctx[ARGO_ERR_MSG_MAX];
            snprintf(ctx, sizeof ctx, "%s page %d: %s bar %zu", pg->what, pg->page, key, k + 1);
            argo_bar b = {0};
            int rc = parse_bar(pg, o, &b, ctx, err);
            if (rc)
                return rc;
            int64_t *last = &pg->last_ts[si];
            if (b.ts <= *last) {
                char t1[32], t2[32];
                return argo_err_set(err, ARGO_EDATA, "%s: %s is not after the previous bar's %s",
                                    ctx, argo_time_format(b.ts, t1, sizeof t1),
                                    argo_time_format(*last, t2, sizeof t2));
            }
            *last = b.ts;
            if (b.ts < pg->start || b.ts > pg->end)
                continue;
            (*bars)[used++] = b;
            sg->n++;
        }
    }
    return ARGO_OK;
}

int argo_alpaca_parse_page(argo_alpaca_pages *pg, const char *body, size_t len,
                           argo_provider_bars_fn fn, void *ctx, argo_err *err)
{
    assert(pg && fn && (body || !len));
    pg->next_token[0] = '\0';
    json_error_t je;
    json_t *root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char q[ARGO_TEXT_QUOTE_MAX];
        return argo_err_set(err, ARGO_EPARSE, "%s page %d: not JSON (byte %d: %s)", pg->what,
                            pg->page, je.position,
                            argo_text_quote(je.text, strlen(je.text), q, sizeof q));
    }
    int rc = ARGO_OK;
    argo_bar *bars = NULL;
    seg *segs = NULL;
    size_t nsegs = 0;
    json_t *barsmap = json_object_get(root, "bars");
    json_t *tok = json_object_get(root, "next_page_token");
    if (!json_is_object(root))
        rc = argo_err_set(err, ARGO_EPARSE, "%s page %d: the answer is not a JSON object", pg->what,
                          pg->page);
    else if (!barsmap || !(json_is_object(barsmap) || json_is_null(barsmap)))
        rc = argo_err_set(err, ARGO_EPARSE, "%s page %d: no \"bars\" object", pg->what, pg->page);
    else if (tok && !json_is_null(tok) && !json_is_string(tok))
        rc = argo_err_set(err, ARGO_EPARSE, "%s page %d: \"next_page_token\" is not a string",
                          pg->what, pg->page);
    else if (json_is_string(tok) && json_string_length(tok) >= sizeof pg->next_token)
        rc = argo_err_set(err, ARGO_ELIMIT,
                          "%s page %d: \"next_page_token\" is longer than %zu bytes", pg->what,
                          pg->page, sizeof pg->next_token - 1);
    else if (json_is_string(tok) && strlen(json_string_value(tok)) != json_string_length(tok))
        rc = argo_err_set(err, ARGO_EPARSE, "%s page %d: \"next_page_token\" holds a NUL byte",
                          pg->what, pg->page);
    if (!rc && json_is_object(barsmap))
        rc = collect(pg, barsmap, &bars, &segs, &nsegs, err);
    if (!rc && json_is_string(tok))
        snprintf(pg->next_token, sizeof pg->next_token, "%s", json_string_value(tok));
    char where[ARGO_ERR_MSG_MAX];
    snprintf(where, sizeof where, "%s page %d", pg->what, pg->page);
    for (size_t i = 0; !rc && i < nsegs; i++)
        if (segs[i].n)
            rc = fn(ctx, pg->symbols[segs[i].sym], bars + segs[i].first, segs[i].n, where);
    if (rc)
        pg->next_token[0] = '\0';
    free(bars);
    free(segs);
    json_decref(root);
    return rc;
}

/* ---- the batch: pages, headers, rate limit ---- */

/* "GET https://data.alpaca.markets/v2/stocks/bars [AAPL,MSFT]": the
 * request in a message, never with credentials, short enough for one. */
static void describe(const argo_provider *p, const argo_provider_batch *b, char *out, size_t n)
{
    sbuild s = {out, n, 0, false};
    const char *base = p->cfg.rest_url;
    put(&s, "GET %.*s/v2/stocks/bars [", (int)(base_len(base) > 200 ? 200 : base_len(base)), base);
    size_t shown = 0;
    for (; shown < b->nsymbols && s.len < 100; shown++)
        put(&s, "%s%s", shown ? "," : "", b->symbols[shown]);
    if (shown < b->nsymbols)
        put(&s, ",... %zu symbols", b->nsymbols);
    put(&s, "]");
}

/* The provider's message from an error body, quoted for one line, with
 * the credentials kept out of it. */
static void remote_message(const argo_provider *p, const argo_http_response *r, char *out, size_t n)
{
    const char *msg = r->body ? (const char *)r->body : "";
    size_t len = r->len;
    json_t *root = r->body ? json_loadb((const char *)r->body, r->len, 0, NULL) : NULL;
    json_t *m = root ? json_object_get(root, "message") : NULL;
    if (json_is_string(m)) {
        msg = json_string_value(m);
        len = json_string_length(m);
    }
    char q[ARGO_TEXT_QUOTE_MAX];
    argo_text_quote(msg, len, q, sizeof q);
    if ((p->key_id[0] && strstr(msg, p->key_id)) ||
        (p->secret_key[0] && strstr(msg, p->secret_key)) ||
        (p->key_id[0] && strstr(q, p->key_id)) || (p->secret_key[0] && strstr(q, p->secret_key)))
        snprintf(out, n, "(the message is withheld: it holds the credentials)");
    else
        snprintf(out, n, "%s", len ? q : "(no message)");
    json_decref(root);
}

/* Waits until the rate limit's reset when the last answer left no call.
 * A wait refused (too long, cancelled) leaves the state as it was, so the
 * next batch is refused too, without a call, until the reset passes. */
static int rate_wait(argo_provider *p, const char *what, argo_err *err)
{
    if (p->rl_remaining != 0 || p->rl_reset <= 0)
        return ARGO_OK;
    int64_t now = (int64_t)time(NULL), wait = p->rl_reset - now;
    if (wait <= 0) {
        p->rl_remaining = -1;
        return ARGO_OK;
    }
    if (wait > p->cfg.http.retry_after_max_s)
        return argo_err_set(err, ARGO_ELIMIT,
                            "%s: rate limit: no call left until %lld s from now, over [provider] "
                            "retry_after_max_s %d",
                            what, (long long)wait, p->cfg.http.retry_after_max_s);
    if (p->on_retry) {
        char line[ARGO_ERR_MSG_MAX];
        snprintf(line, sizeof line, "%s: waiting %lld s for the rate limit's reset", what,
                 (long long)wait);
        p->on_retry(p->hook_ctx, line);
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)wait;
    for (;;) {
        if (p->cancelled && p->cancelled(p->hook_ctx))
            return argo_err_set(err, ARGO_ECANCELED, "%s: cancelled waiting for the rate limit",
                                what);
        struct timespec now_ts;
        clock_gettime(CLOCK_MONOTONIC, &now_ts);
        if (now_ts.tv_sec > until.tv_sec ||
            (now_ts.tv_sec == until.tv_sec && now_ts.tv_nsec >= until.tv_nsec)) {
            p->rl_remaining = -1;
            return ARGO_OK;
        }
        struct timespec step = {0, 50 * 1000 * 1000};
        nanosleep(&step, NULL);
    }
}

static int refused(const argo_provider *p, const argo_http_response *r, const char *what, int page,
                   argo_err *err)
{
    char msg[ARGO_TEXT_QUOTE_MAX + 64];
    remote_message(p, r, msg, sizeof msg);
    const char *hint = r->status == 401 || r->status == 403
                           ? " (check the credentials and the feed your plan allows)"
                           : "";
    return argo_err_set(err, ARGO_EREMOTE, "%s page %d: HTTP %ld: %s%s", what, page, r->status, msg,
                        hint);
}

int argo_alpaca_fetch(argo_provider *p, argo_provider_batch *b, argo_provider_bars_fn fn, void *ctx,
                      argo_err *err)
{
    char what[320];
    describe(p, b, what, sizeof what);
    int rc = argo_alpaca_cache_key(p, b, err);
    if (rc)
        return rc;
    char etag[ARGO_HTTP_VALIDATOR_MAX], lastmod[ARGO_HTTP_VALIDATOR_MAX];
    snprintf(etag, sizeof etag, "%s", b->etag);
    snprintf(lastmod, sizeof lastmod, "%s", b->last_modified);
    b->etag[0] = b->last_modified[0] = '\0';
    int64_t *last_ts = malloc(b->nsymbols * sizeof *last_ts);
    char *url = malloc(sizeof b->cache_key);
    if (!last_ts || !url) {
        free(last_ts);
        free(url);
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", what);
    }
    for (size_t i = 0; i < b->nsymbols; i++)
        last_ts[i] = INT64_MIN;
    argo_alpaca_pages pg = {.symbols = b->symbols,
                            .nsymbols = b->nsymbols,
                            .last_ts = last_ts,
                            .start = b->start,
                            .end = b->end,
                            .bar_seconds = b->minutes ? 60 : p->cfg.bar_seconds,
                            .what = what};
    char token[ARGO_ALPACA_TOKEN_MAX] = "";
    for (int page = 1;; page++) {
        pg.page = page;
        if ((rc = argo_alpaca_url(p, b, token, url, sizeof b->cache_key, err)))
            break;
        if (b->max_calls > 0 && b->calls >= b->max_calls) {
            rc = argo_err_set(err, ARGO_ELIMIT,
                              "%s page %d: over the call budget (%d calls for this batch)", what,
                              page, b->max_calls);
            break;
        }
        if ((rc = rate_wait(p, what, err)))
            break;
        argo_http_header h[6];
        size_t nh = 0;
        h[nh++] = (argo_http_header){"APCA-API-KEY-ID", p->key_id};
        h[nh++] = (argo_http_header){"APCA-API-SECRET-KEY", p->secret_key};
        h[nh++] = (argo_http_header){"Accept", "application/json"};
        bool validators = page == 1 && (etag[0] || lastmod[0]);
        if (page == 1 && etag[0])
            h[nh++] = (argo_http_header){"If-None-Match", etag};
        if (page == 1 && lastmod[0])
            h[nh++] = (argo_http_header){"If-Modified-Since", lastmod};
        char rq_what[400];
        snprintf(rq_what, sizeof rq_what, "%s page %d", what, page);
        argo_http_response r;
        rc = argo_provider_get(p, b, url, rq_what, h, nh, &r, err);
        if (!rc) {
            p->rl_remaining = r.ratelimit_remaining;
            p->rl_reset = r.ratelimit_reset;
        }
        if (!rc && r.status == 304 && validators) {
            b->not_modified = true;
            snprintf(b->etag, sizeof b->etag, "%s", etag);
            snprintf(b->last_modified, sizeof b->last_modified, "%s", lastmod);
            argo_http_response_free(&r);
            break;
        }
        if (!rc && r.status != 200)
            rc = refused(p, &r, what, page, err);
        if (!rc)
            rc = argo_alpaca_parse_page(&pg, (const char *)r.body, r.len, fn, ctx, err);
        if (!rc && page == 1 && !pg.next_token[0]) { /* one page: its validators may be kept */
            snprintf(b->etag, sizeof b->etag, "%s", r.etag);
            snprintf(b->last_modified, sizeof b->last_modified, "%s", r.last_modified);
        }
        argo_http_response_free(&r);
        if (rc || !pg.next_token[0])
            break;
        if (!strcmp(token, pg.next_token)) {
            rc = argo_err_set(err, ARGO_EPARSE, "%s page %d: next_page_token repeats the last one",
                              what, page);
            break;
        }
        snprintf(token, sizeof token, "%s", pg.next_token);
    }
    if (rc)
        b->etag[0] = b->last_modified[0] = '\0';
    free(last_ts);
    free(url);
    return rc;
}
