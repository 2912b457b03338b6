/* SPDX-License-Identifier: MIT */
/*
 * provider/csvhttp.c - a CSV file per symbol over HTTP: [provider]
 * rest_url is a template in which every {symbol} is replaced by the
 * symbol, percent-encoded (RFC 3986, section 2.1); the answer is read
 * with exactly the rules of `argo ingest` (market/market.h:
 * argo_market_csv_parse), so the same header styles are accepted and the
 * same errors given, naming the URL and the line. Bars before the
 * batch's start (or after its end) are left out. One request per
 * symbol; validators (ETag, Last-Modified) as HTTP/1.1 defines them
 * (RFC 9110, section 13.1; RFC 9111): a 304 costs no parsing. No
 * credentials are sent: the template holds whatever the source needs.
 *
 * Why no Debian package: see provider.c.
 */
#include "provider/provider_int.h"

#include "base/text.h"
#include "market/market.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int build_url(const argo_provider *p, const char *symbol, char *out, size_t n, argo_err *err)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *t = p->cfg.rest_url;
    size_t len = 0;
    bool bad = false;
    while (*t && !bad) {
        if (!strncmp(t, "{symbol}", 8)) {
            for (const unsigned char *c = (const unsigned char *)symbol; *c && !bad; c++) {
                bool plain = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                             (*c >= '0' && *c <= '9') || strchr("-._~", *c);
                size_t need = plain ? 1 : 3;
                if (len + need >= n) {
                    bad = true;
                    break;
                }
                if (plain)
                    out[len++] = (char)*c;
                else {
                    out[len++] = '%';
                    out[len++] = hex[*c >> 4];
                    out[len++] = hex[*c & 15];
                }
            }
            t += 8;
            continue;
        }
        if (len + 1 >= n)
            bad = true;
        else
            out[len++] = *t++;
    }
    out[bad ? 0 : len] = '\0';
    if (bad)
        return argo_err_set(err, ARGO_ELIMIT,
                            "[provider] rest_url: the URL for %s is longer than "
                            "%zu bytes",
                            symbol, n - 1);
    return ARGO_OK;
}

static int check_batch(const argo_provider_batch *b, argo_err *err)
{
    assert(b->nsymbols == 1 && b->symbols && b->symbols[0]);
    if (b->nsymbols != 1)
        return argo_err_set(err, ARGO_EINVAL, "csv provider: one symbol per batch, not %zu",
                            b->nsymbols);
    if (b->minutes)
        return argo_err_set(err, ARGO_EINVAL, "csv provider: it serves no minute bars");
    return ARGO_OK;
}

int argo_csvhttp_cache_key(argo_provider *p, argo_provider_batch *b, argo_err *err)
{
    int rc = check_batch(b, err);
    if (rc)
        return rc;
    return build_url(p, b->symbols[0], b->cache_key, sizeof b->cache_key, err);
}

int argo_csvhttp_fetch(argo_provider *p, argo_provider_batch *b, argo_provider_bars_fn fn,
                       void *ctx, argo_err *err)
{
    int rc = argo_csvhttp_cache_key(p, b, err);
    if (rc)
        return rc;
    const char *symbol = b->symbols[0];
    char what[ARGO_ERR_MSG_MAX / 2];
    snprintf(what, sizeof what, "GET %.200s", b->cache_key);
    char etag[ARGO_HTTP_VALIDATOR_MAX], lastmod[ARGO_HTTP_VALIDATOR_MAX];
    snprintf(etag, sizeof etag, "%s", b->etag);
    snprintf(lastmod, sizeof lastmod, "%s", b->last_modified);
    b->etag[0] = b->last_modified[0] = '\0';
    if (b->max_calls > 0 && b->calls >= b->max_calls)
        return argo_err_set(err, ARGO_ELIMIT, "%s: over the call budget (%d calls for this batch)",
                            what, b->max_calls);
    argo_http_header h[3];
    size_t nh = 0;
    h[nh++] = (argo_http_header){"Accept", "text/csv, text/plain;q=0.5, */*;q=0.1"};
    if (etag[0])
        h[nh++] = (argo_http_header){"If-None-Match", etag};
    if (lastmod[0])
        h[nh++] = (argo_http_header){"If-Modified-Since", lastmod};
    argo_http_response r;
    rc = argo_provider_get(p, b, b->cache_key, what, h, nh, &r, err);
    if (!rc && r.status == 304 && nh > 1) {
        b->not_modified = true;
        snprintf(b->etag, sizeof b->etag, "%s", etag);
        snprintf(b->last_modified, sizeof b->last_modified, "%s", lastmod);
        argo_http_response_free(&r);
        return ARGO_OK;
    }
    if (!rc && r.status != 200) {
        char q[ARGO_TEXT_QUOTE_MAX];
        argo_text_quote(r.body ? (const char *)r.body : "", r.len, q, sizeof q);
        rc = argo_err_set(err, ARGO_EREMOTE, "%s: HTTP %ld%s%s", what, r.status, r.len ? ": " : "",
                          r.len ? q : "");
    }
    argo_bar_line *rows = NULL;
    size_t n = 0;
    argo_ingest_report rep;
    if (!rc)
        rc = argo_market_csv_parse(b->cache_key, (const char *)r.body, r.len, symbol, false, &rows,
                                   &n, &rep, err);
    if (!rc) {
        snprintf(b->etag, sizeof b->etag, "%s", r.etag);
        snprintf(b->last_modified, sizeof b->last_modified, "%s", r.last_modified);
    }
    argo_http_response_free(&r);
    argo_bar *bars = NULL;
    size_t kept = 0;
    if (!rc && n && !(bars = malloc(n * sizeof *bars)))
        rc = argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", what);
    for (size_t i = 0; !rc && i < n; i++)
        if (rows[i].bar.ts >= b->start && rows[i].bar.ts <= b->end)
            bars[kept++] = rows[i].bar;
    free(rows);
    if (!rc && kept)
        rc = fn(ctx, symbol, bars, kept, what);
    free(bars);
    if (rc)
        b->etag[0] = b->last_modified[0] = '\0';
    return rc;
}
