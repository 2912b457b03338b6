/* SPDX-License-Identifier: MIT */
/*
 * provider/provider.h - market data from a provider: the interface argo's
 * fetch and live loop use, and its two implementations.
 *
 *   alpaca  Alpaca's Market Data API v2 (provider/alpaca.c): historical
 *           bars for many symbols per request (GET /v2/stocks/bars,
 *           page tokens), and the real-time bar stream
 *           (provider/stream.c: auth, subscribe, "b" messages).
 *   csv     a CSV file per symbol over HTTP (provider/csvhttp.c): a URL
 *           template with {symbol}, answering a CSV in any header style
 *           `argo ingest` accepts. No stream.
 *
 * Every request goes through http/http.h (retries, backoff, Retry-After).
 * Bars handed to the caller have been through argo_bar_validate and are
 * in strictly increasing ts per symbol; everything else (what is already
 * stored, corrections, the cache, the budget) is the application's
 * (app/fetch.c).
 *
 * Credentials (key id and secret) come from the environment
 * (APCA_API_KEY_ID, APCA_API_SECRET_KEY) or from [provider]
 * credentials_file (INI: key_id = ..., secret_key = ...); they are sent
 * only in request headers and the stream's auth message, never printed,
 * logged or put in an error message, and are wiped on free.
 */
#ifndef ARGO_PROVIDER_H
#define ARGO_PROVIDER_H

#include "base/err.h"
#include "base/limits.h"
#include "domain/types.h"
#include "http/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum argo_provider_kind {
    ARGO_PROVIDER_NONE = 0,
    ARGO_PROVIDER_ALPACA,
    ARGO_PROVIDER_CSV,
} argo_provider_kind;

/* The provider's settings; the app fills them from [provider]
 * (docs/CONFIG.md; defaults in parentheses). */
typedef struct argo_provider_config {
    argo_provider_kind kind;
    /* alpaca: the REST base URL (https://data.alpaca.markets);
     * csv: the URL template, {symbol} replaced by the symbol
     * (percent-encoded) */
    char rest_url[1024];
    /* alpaca: the stream's URL (wss://stream.data.alpaca.markets/v2/iex) */
    char stream_url[1024];
    char feed[16];       /* alpaca: iex or sip (iex) */
    char adjustment[16]; /* alpaca: raw, split, dividend, all (raw) */
    int batch_symbols;   /* symbols per request (alpaca 100; csv: 1) */
    int page_limit;      /* bars per page asked for (alpaca: 10000, its maximum) */
    int64_t bar_seconds; /* the bar size argo stores: 86400 (1Day) or a whole number
                            of minutes dividing a day */
    char credentials_file[ARGO_PATH_MAX]; /* "" = environment only */
    argo_http_policy http;
} argo_provider_config;

/* The defaults for kind (the URLs of Alpaca's production endpoints). */
void argo_provider_config_init(argo_provider_config *cfg, argo_provider_kind kind);
/* Checks the settings; ARGO_ECONFIG naming the [provider] key. */
int argo_provider_config_validate(const argo_provider_config *cfg, argo_err *err);

typedef struct argo_provider argo_provider;

/* Opens a provider: validates cfg and loads the credentials (alpaca:
 * ARGO_ECONFIG when there are none, naming where they were looked for). */
int argo_provider_open(const argo_provider_config *cfg, argo_provider **out, argo_err *err);
void argo_provider_free(argo_provider *p);

/* Notices (a retry, a wait for the rate limit) and cancellation, passed
 * on to http/http.h. Either may be NULL. */
void argo_provider_set_hooks(argo_provider *p, argo_http_retry_fn on_retry,
                             argo_http_cancel_fn cancelled, void *ctx);

/* One batch: the bars of nsymbols symbols from `start` (inclusive) to
 * `end` (inclusive), at the bar size of the config (or one minute when
 * minutes is set: the stream's gap fill). A batch is one request and its
 * pages (alpaca), or one request per symbol (csv: nsymbols is then 1). */
typedef struct argo_provider_batch {
    /* in */
    const char *const *symbols;
    size_t nsymbols;
    int64_t start;
    int64_t end;   /* INT64_MAX: up to now */
    bool minutes;  /* one-minute bars (alpaca only) */
    int max_calls; /* requests this batch may make at most (<= 0: no limit); over it:
                      ARGO_ELIMIT, "call budget" */
    /* in: the validators the cache holds for this batch's first request
     * ("" = none); out: those of the answer, to keep (both "" when the
     * answer may not be cached: it had more than one page) */
    char etag[ARGO_HTTP_VALIDATOR_MAX];
    char last_modified[ARGO_HTTP_VALIDATOR_MAX];
    /* out */
    char cache_key[2048];        /* the first request's URL, without credentials */
    bool not_modified;           /* the first request answered 304: nothing else was asked */
    int calls;                   /* requests made (pages; retries not counted) */
    int retries;                 /* retries made */
    int64_t bytes;               /* body bytes received */
    int64_t ratelimit_remaining; /* the last answer's, -1 unknown */
} argo_provider_batch;

/* Fills b->cache_key for b as it stands, without sending anything (the
 * app looks the validators up before the call). */
int argo_provider_cache_key(argo_provider *p, argo_provider_batch *b, argo_err *err);

/* Receives the bars of one symbol of a batch, ts strictly increasing,
 * each validated; where names the source for messages ("GET URL page 2:
 * AAPL bar 3"). May be called more than once per symbol (pages), always
 * with later bars. Non-zero stops the fetch and is returned. */
typedef int (*argo_provider_bars_fn)(void *ctx, const char *symbol, const argo_bar *bars, size_t n,
                                     const char *where);

/* Fetches a batch: sends If-None-Match / If-Modified-Since from b, follows
 * page tokens, waits when the last answer said no calls remain
 * (X-RateLimit-Remaining 0) until its reset (at most the policy's
 * retry_after_max_s, else ARGO_ELIMIT). Errors: ARGO_EDATA / ARGO_EPARSE
 * for a bad answer (bad JSON, a bad price: "where: why"), ARGO_EREMOTE for
 * a refusal (401/403/404/422, with the provider's message), ARGO_ENET,
 * ARGO_ELIMIT, ARGO_ECANCELED. On error nothing more is handed to fn
 * than what it already got; the caller discards the batch. */
int argo_provider_fetch(argo_provider *p, argo_provider_batch *b, argo_provider_bars_fn fn,
                        void *ctx, argo_err *err);

/* ---- the stream (alpaca only; provider/stream.c, libwebsockets) ---- */

typedef enum argo_feed_state {
    ARGO_FEED_CONNECTING,
    ARGO_FEED_LIVE,         /* authenticated and subscribed */
    ARGO_FEED_DISCONNECTED, /* will reconnect after a backoff */
    ARGO_FEED_FAILED,       /* will not reconnect (auth refused, bad config) */
} argo_feed_state;

typedef struct argo_feed_callbacks {
    /* A minute bar as received (validated; possibly duplicated or out of
     * order: the aggregator (market/aggregate.h) sorts that out). */
    void (*on_bar)(void *ctx, const char *symbol, const argo_bar *bar);
    /* The connection changed state; why is a line for the log. Going
     * LIVE after a DISCONNECTED is when the caller fills the gap. */
    void (*on_state)(void *ctx, argo_feed_state s, const char *why);
    /* A message the client could not use (bad JSON, a bad bar): it is
     * dropped and counted, the connection stays. */
    void (*on_reject)(void *ctx, const char *why);
    void *ctx;
} argo_feed_callbacks;

typedef struct argo_feed argo_feed;

/* Starts the stream client on a thread of its own: connects to
 * stream_url, authenticates, subscribes to the minute bars of symbols,
 * and reconnects with backoff (the http policy's base and cap, full
 * jitter) when the connection drops or stalls (no message, pings
 * included, for timeout_s). Callbacks run on that thread. */
int argo_feed_start(argo_provider *p, const char *const *symbols, size_t nsymbols,
                    const argo_feed_callbacks *cb, argo_feed **out, argo_err *err);
/* Stops the thread and frees the client. NULL: no-op. */
void argo_feed_stop(argo_feed *f);

typedef struct argo_feed_stats {
    int64_t messages, bars, rejected, reconnects;
} argo_feed_stats;
void argo_feed_get_stats(argo_feed *f, argo_feed_stats *out);

#endif
