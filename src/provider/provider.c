/* SPDX-License-Identifier: MIT */
/*
 * provider/provider.c - the provider handle (provider.h): settings and
 * their checks, the credentials, and the dispatch to alpaca.c or
 * csvhttp.c by kind. It sends nothing itself.
 *
 * Why no Debian package: the market-data clients packaged in Debian are
 * for other languages (Python, R) or other providers; libcurl (through
 * http/http.h), jansson and inih do the generic work, and what is left
 * here is the provider's own protocol, which is small.
 */
#include "provider/provider_int.h"

#include <assert.h>
#include <ini.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void argo_provider_config_init(argo_provider_config *cfg, argo_provider_kind kind)
{
    assert(cfg);
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = kind;
    argo_http_policy_init(&cfg->http);
    cfg->bar_seconds = 86400;
    if (kind == ARGO_PROVIDER_ALPACA) {
        snprintf(cfg->rest_url, sizeof cfg->rest_url, "https://data.alpaca.markets");
        snprintf(cfg->stream_url, sizeof cfg->stream_url,
                 "wss://stream.data.alpaca.markets/v2/iex");
        snprintf(cfg->feed, sizeof cfg->feed, "iex");
        snprintf(cfg->adjustment, sizeof cfg->adjustment, "raw");
        cfg->batch_symbols = 100;
        cfg->page_limit = 10000;
    } else {
        cfg->batch_symbols = 1;
        cfg->page_limit = 10000;
    }
}

static bool has_scheme(const char *url, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    const char *rest = NULL;
    if (!strncmp(url, a, na))
        rest = url + na;
    else if (!strncmp(url, b, nb))
        rest = url + nb;
    return rest && *rest && *rest != '/';
}

static bool one_of(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

/* The timeframes alpaca.c asks for: 1Day, 1..59Min, 1..23Hour. */
static bool alpaca_bar_ok(int64_t s)
{
    if (s == 86400)
        return true;
    if (s <= 0 || s % 60 || 86400 % s)
        return false;
    return s < 3600 || s % 3600 == 0;
}

int argo_provider_config_validate(const argo_provider_config *cfg, argo_err *err)
{
    assert(cfg);
    if (cfg->kind != ARGO_PROVIDER_ALPACA && cfg->kind != ARGO_PROVIDER_CSV)
        return argo_err_set(err, ARGO_ECONFIG, "[provider] kind: expected alpaca or csv");
    bool alpaca = cfg->kind == ARGO_PROVIDER_ALPACA;
    if (!has_scheme(cfg->rest_url, "http://", "https://"))
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] rest_url '%.200s': must be an http:// or https:// URL "
                            "with a host",
                            cfg->rest_url);
    if (strpbrk(cfg->rest_url, alpaca ? " \t\r\n?#" : " \t\r\n#"))
        return argo_err_set(err, ARGO_ECONFIG,
                            alpaca ? "[provider] rest_url '%.200s': no spaces, '?' or '#' allowed"
                                   : "[provider] rest_url '%.200s': no spaces or '#' allowed",
                            cfg->rest_url);
    if (!alpaca && !strstr(cfg->rest_url, "{symbol}"))
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] rest_url '%.200s': the csv provider's URL template must "
                            "contain {symbol}",
                            cfg->rest_url);
    if (alpaca) {
        if (!has_scheme(cfg->stream_url, "ws://", "wss://"))
            return argo_err_set(err, ARGO_ECONFIG,
                                "[provider] stream_url '%.200s': must be a ws:// or wss:// URL "
                                "with a host",
                                cfg->stream_url);
        static const char *const feeds[] = {"iex", "sip"};
        static const char *const adj[] = {"raw", "split", "dividend", "all"};
        if (!one_of(cfg->feed, feeds, 2))
            return argo_err_set(err, ARGO_ECONFIG, "[provider] feed '%s': expected iex or sip",
                                cfg->feed);
        if (!one_of(cfg->adjustment, adj, 4))
            return argo_err_set(err, ARGO_ECONFIG,
                                "[provider] adjustment '%s': expected raw, split, dividend or all",
                                cfg->adjustment);
        if (cfg->batch_symbols < 1 || cfg->batch_symbols > 1000)
            return argo_err_set(err, ARGO_ECONFIG,
                                "[provider] batch_symbols %d: expected 1 to 1000",
                                cfg->batch_symbols);
        if (cfg->page_limit < 1 || cfg->page_limit > 10000)
            return argo_err_set(err, ARGO_ECONFIG,
                                "[provider] page_limit %d: expected 1 to 10000 (Alpaca's maximum)",
                                cfg->page_limit);
        if (!alpaca_bar_ok(cfg->bar_seconds))
            return argo_err_set(err, ARGO_ECONFIG,
                                "[provider] bar_seconds %lld: Alpaca serves 86400 (1Day), 60 to "
                                "3540 in whole minutes dividing a day (NMin), or whole hours "
                                "dividing a day (NHour)",
                                (long long)cfg->bar_seconds);
    } else {
        if (cfg->batch_symbols != 1)
            return argo_err_set(err, ARGO_ECONFIG,
                                "[provider] batch_symbols %d: the csv provider fetches one symbol "
                                "per request (1)",
                                cfg->batch_symbols);
        if (cfg->bar_seconds <= 0 || cfg->bar_seconds % 60 || 86400 % cfg->bar_seconds)
            return argo_err_set(err, ARGO_ECONFIG,
                                "[provider] bar_seconds %lld: expected a whole number of minutes "
                                "dividing a day (86400 for daily bars)",
                                (long long)cfg->bar_seconds);
    }
    const argo_http_policy *h = &cfg->http;
    if (h->retries < 0 || h->retries > 20)
        return argo_err_set(err, ARGO_ECONFIG, "[provider] retries %d: expected 0 to 20",
                            h->retries);
    if (h->base_ms < 1 || h->base_ms > 600000)
        return argo_err_set(err, ARGO_ECONFIG, "[provider] base_ms %d: expected 1 to 600000",
                            h->base_ms);
    if (h->cap_ms < h->base_ms || h->cap_ms > 3600000)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] cap_ms %d: expected base_ms (%d) to 3600000", h->cap_ms,
                            h->base_ms);
    if (h->timeout_s < 1 || h->timeout_s > 3600)
        return argo_err_set(err, ARGO_ECONFIG, "[provider] timeout_s %d: expected 1 to 3600",
                            h->timeout_s);
    if (h->retry_after_max_s < 0 || h->retry_after_max_s > 86400)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] retry_after_max_s %d: expected 0 to 86400",
                            h->retry_after_max_s);
    return ARGO_OK;
}

typedef struct cred_ctx {
    argo_provider *p;
    bool too_long;
} cred_ctx;

static int cred_line(void *user, const char *section, const char *name, const char *value)
{
    (void)section; /* any section, or none */
    cred_ctx *c = user;
    char *dst = NULL;
    size_t n = 0;
    if (!strcmp(name, "key_id")) {
        dst = c->p->key_id;
        n = sizeof c->p->key_id;
    } else if (!strcmp(name, "secret_key")) {
        dst = c->p->secret_key;
        n = sizeof c->p->secret_key;
    }
    if (dst) {
        if (strlen(value) >= n)
            c->too_long = true;
        else
            snprintf(dst, n, "%s", value);
    }
    return 1;
}

static void wipe_credentials(argo_provider *p)
{
    OPENSSL_cleanse(p->key_id, sizeof p->key_id);
    OPENSSL_cleanse(p->secret_key, sizeof p->secret_key);
}

/* The environment first, then [provider] credentials_file. The csv
 * provider needs none; it takes what it finds and never sends them. */
static int load_credentials(argo_provider *p, argo_err *err)
{
    const char *k = getenv("APCA_API_KEY_ID"), *s = getenv("APCA_API_SECRET_KEY");
    if (k && *k && s && *s) {
        if (strlen(k) >= sizeof p->key_id || strlen(s) >= sizeof p->secret_key)
            return argo_err_set(err, ARGO_ECONFIG,
                                "APCA_API_KEY_ID or APCA_API_SECRET_KEY is longer than %zu bytes",
                                sizeof p->key_id - 1);
        snprintf(p->key_id, sizeof p->key_id, "%s", k);
        snprintf(p->secret_key, sizeof p->secret_key, "%s", s);
        return ARGO_OK;
    }
    bool alpaca = p->cfg.kind == ARGO_PROVIDER_ALPACA;
    const char *path = p->cfg.credentials_file;
    if (!path[0]) {
        if (!alpaca)
            return ARGO_OK;
        return argo_err_set(err, ARGO_ECONFIG,
                            "no Alpaca credentials: set APCA_API_KEY_ID and APCA_API_SECRET_KEY, "
                            "or [provider] credentials_file");
    }
    cred_ctx c = {.p = p};
    int rc = ini_parse(path, cred_line, &c);
    if (rc < 0)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] credentials_file %s: cannot be read (and "
                            "APCA_API_KEY_ID/APCA_API_SECRET_KEY are not set)",
                            path);
    if (rc > 0) {
        wipe_credentials(p);
        return argo_err_set(err, ARGO_ECONFIG, "[provider] credentials_file %s:%d: not INI", path,
                            rc);
    }
    if (c.too_long) {
        wipe_credentials(p);
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] credentials_file %s: key_id or secret_key is longer than "
                            "%zu bytes",
                            path, sizeof p->key_id - 1);
    }
    if (alpaca && (!p->key_id[0] || !p->secret_key[0])) {
        wipe_credentials(p);
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] credentials_file %s: lacks key_id or secret_key (and "
                            "APCA_API_KEY_ID/APCA_API_SECRET_KEY are not set)",
                            path);
    }
    return ARGO_OK;
}

int argo_provider_open(const argo_provider_config *cfg, argo_provider **out, argo_err *err)
{
    assert(cfg && out);
    *out = NULL;
    int rc = argo_provider_config_validate(cfg, err);
    if (rc)
        return rc;
    argo_provider *p = calloc(1, sizeof *p);
    if (!p)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory opening the provider");
    p->cfg = *cfg;
    p->rl_remaining = p->rl_reset = -1;
    if ((rc = load_credentials(p, err)) || (rc = argo_http_new(&cfg->http, &p->http, err))) {
        argo_provider_free(p);
        return rc;
    }
    *out = p;
    return ARGO_OK;
}

void argo_provider_free(argo_provider *p)
{
    if (!p)
        return;
    argo_http_free(p->http);
    wipe_credentials(p);
    free(p);
}

void argo_provider_set_hooks(argo_provider *p, argo_http_retry_fn on_retry,
                             argo_http_cancel_fn cancelled, void *ctx)
{
    assert(p);
    p->on_retry = on_retry;
    p->cancelled = cancelled;
    p->hook_ctx = ctx;
}

int argo_provider_cache_key(argo_provider *p, argo_provider_batch *b, argo_err *err)
{
    assert(p && b);
    if (p->cfg.kind == ARGO_PROVIDER_ALPACA)
        return argo_alpaca_cache_key(p, b, err);
    return argo_csvhttp_cache_key(p, b, err);
}

int argo_provider_fetch(argo_provider *p, argo_provider_batch *b, argo_provider_bars_fn fn,
                        void *ctx, argo_err *err)
{
    assert(p && b && fn);
    b->not_modified = false;
    b->calls = b->retries = 0;
    b->bytes = 0;
    b->ratelimit_remaining = -1;
    if (p->cfg.kind == ARGO_PROVIDER_ALPACA)
        return argo_alpaca_fetch(p, b, fn, ctx, err);
    return argo_csvhttp_fetch(p, b, fn, ctx, err);
}

int argo_provider_get(argo_provider *p, argo_provider_batch *b, const char *url, const char *what,
                      const argo_http_header *h, size_t nh, argo_http_response *r, argo_err *err)
{
    argo_http_request rq = {.method = "GET",
                            .url = url,
                            .headers = h,
                            .nheaders = nh,
                            .what = what,
                            .on_retry = p->on_retry,
                            .cancelled = p->cancelled,
                            .ctx = p->hook_ctx};
    int rc = argo_http_perform(p->http, &rq, r, err);
    b->calls++;
    b->retries += r->attempts > 1 ? r->attempts - 1 : 0;
    b->bytes += r->bytes;
    if (!rc)
        b->ratelimit_remaining = r->ratelimit_remaining;
    return rc;
}
