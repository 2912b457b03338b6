/* SPDX-License-Identifier: MIT */
/*
 * provider/provider_int.h - what the files of provider/ share: the
 * handle (provider.c opens it and loads the credentials; alpaca.c and
 * csvhttp.c fetch; stream.c runs the feed). Not for other folders.
 */
#ifndef ARGO_PROVIDER_INT_H
#define ARGO_PROVIDER_INT_H

#include "provider/provider.h"

struct argo_provider {
    argo_provider_config cfg;
    char key_id[256];     /* never printed; wiped on free */
    char secret_key[256]; /* never printed; wiped on free */
    argo_http *http;      /* REST calls (one thread at a time) */
    argo_http_retry_fn on_retry;
    argo_http_cancel_fn cancelled;
    void *hook_ctx;
    /* the rate limit as the last answer stated it (-1: unknown), kept
     * across batches so the next call waits when none remain */
    int64_t rl_remaining, rl_reset;
};

/* provider.c: one GET through p's client with p's hooks, counted in b
 * (calls, retries, bytes, and the answer's remaining calls). r as
 * argo_http_perform leaves it. */
int argo_provider_get(argo_provider *p, argo_provider_batch *b, const char *url, const char *what,
                      const argo_http_header *h, size_t nh, argo_http_response *r, argo_err *err);

/* alpaca.c */
int argo_alpaca_cache_key(argo_provider *p, argo_provider_batch *b, argo_err *err);
int argo_alpaca_fetch(argo_provider *p, argo_provider_batch *b, argo_provider_bars_fn fn, void *ctx,
                      argo_err *err);
/* The parts of alpaca.c that tests reach directly. */

/* The timeframe asked for: "1Min" for b->minutes, else from bar_seconds
 * (1Day, NMin, NHour). */
const char *argo_alpaca_timeframe(const argo_provider *p, const argo_provider_batch *b, char *buf,
                                  size_t n);
/* The URL of one page (page_token NULL or "" for the first), into out
 * (n bytes). ARGO_ELIMIT when it does not fit, ARGO_EINVAL for a bad
 * batch (no symbols, a bad symbol, start after end). */
int argo_alpaca_url(const argo_provider *p, const argo_provider_batch *b, const char *page_token,
                    char *out, size_t n, argo_err *err);

#define ARGO_ALPACA_TOKEN_MAX 1024 /* bytes of a next_page_token, with the NUL */

/* What one batch's pages share while they are parsed. */
typedef struct argo_alpaca_pages {
    const char *const *symbols; /* asked for (borrowed) */
    size_t nsymbols;
    int64_t *last_ts; /* per symbol, the last bar's ts (INT64_MIN: none yet); nsymbols */
    int64_t start, end;
    int64_t bar_seconds; /* 86400: daily bars, floored to the UTC day; else 60 or more */
    const char *what;    /* "GET URL" for messages (no credentials) */
    int page;            /* 1-based, for messages */
    char next_token[ARGO_ALPACA_TOKEN_MAX]; /* out: "" when the answer was the last page */
} argo_alpaca_pages;

/* Parses one page's body (len bytes) and, when all of it is good,
 * hands its bars to fn, symbol by symbol ("where" is "what page N").
 * ARGO_EPARSE (not the documented JSON) or ARGO_EDATA (a bad bar, a
 * symbol not asked for, ts not after the previous one), with "what
 * page N: SYMBOL bar K: why"; then fn was not called for this page. */
int argo_alpaca_parse_page(argo_alpaca_pages *pg, const char *body, size_t len,
                           argo_provider_bars_fn fn, void *ctx, argo_err *err);

/* csvhttp.c */
int argo_csvhttp_cache_key(argo_provider *p, argo_provider_batch *b, argo_err *err);
int argo_csvhttp_fetch(argo_provider *p, argo_provider_batch *b, argo_provider_bars_fn fn,
                       void *ctx, argo_err *err);

#endif
