/* SPDX-License-Identifier: MIT */
/*
 * http/http.h - one HTTP request over libcurl with argo's retry policy:
 * the S3 client (s3/s3.c) and the market-data providers (provider/) both
 * send through it, so timeouts, backoff and rate limits are handled in
 * one place.
 *
 * Retries: connection failures, timeouts (nothing moved either way for
 * timeout_s, the wait for the answer included), 5xx answers but 501,
 * and 429 are retried up to `retries` times after the first attempt.
 * The delay before retry k (k = 0, 1, ...) is uniform in
 * [0, min(cap_ms, base_ms * 2^k)] (exponential backoff, full jitter),
 * except when the answer (429 or 503) carries Retry-After (seconds or
 * an HTTP date): then argo waits exactly that long, and gives up with
 * ARGO_ELIMIT when the server asks for more than retry_after_max_s.
 * Any other answer (2xx, 3xx such as 304, 4xx) is final and returned
 * to the caller, which judges the status. Redirects are not followed.
 *
 * Request headers: a header whose value is "" removes one libcurl would
 * add on its own ("Accept", "Content-Type"); "Expect" is never sent.
 *
 * The answer's body is held in memory up to max_body bytes; a larger
 * one fails with ARGO_ELIMIT without reading the rest.
 */
#ifndef ARGO_HTTP_H
#define ARGO_HTTP_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARGO_HTTP_HEADERS_MAX 48    /* request headers, those of prepare included */
#define ARGO_HTTP_VALIDATOR_MAX 256 /* bytes of an ETag or Last-Modified, with the NUL */

typedef struct argo_http_policy {
    int retries;           /* retries after the first attempt (4) */
    int base_ms;           /* first backoff ceiling (200) */
    int cap_ms;            /* largest backoff ceiling (20000) */
    int timeout_s;         /* connect timeout; nothing moving this long fails the attempt (30) */
    int retry_after_max_s; /* longest Retry-After honoured (120) */
} argo_http_policy;

/* The defaults above. */
void argo_http_policy_init(argo_http_policy *p);

typedef struct argo_http_header {
    const char *name;
    const char *value;
} argo_http_header;

/* Headers added before each attempt (the S3 client signs every attempt
 * afresh). The strings must live until the attempt ends: the callback
 * owns them (e.g. in its ctx). n is the count already in h; return the
 * new count, or a negative ARGO_E* code with err filled to give up. */
typedef int (*argo_http_prepare_fn)(void *ctx, argo_http_header *h, size_t n, size_t max,
                                    argo_err *err);
/* Each header line of the final answer, name and value trimmed. */
typedef void (*argo_http_header_fn)(void *ctx, const char *name, const char *value);
/* Before each retry, one line saying why (no secrets in it). */
typedef void (*argo_http_retry_fn)(void *ctx, const char *what);
/* Polled while waiting and during transfers: true stops the request
 * with ARGO_ECANCELED (argo serve's shutdown). */
typedef bool (*argo_http_cancel_fn)(void *ctx);

typedef struct argo_http_request {
    const char *method; /* "GET" when NULL; HEAD, PUT, POST, DELETE */
    const char *url;    /* http:// or https:// only */
    const argo_http_header *headers;
    size_t nheaders;
    const uint8_t *body; /* PUT/POST */
    size_t len;
    const char *what; /* for messages: "GET /v2/stocks/bars" (no secrets) */
    size_t max_body;  /* bytes of answer held at most (0: 64 MiB) */
    argo_http_prepare_fn prepare;
    argo_http_header_fn on_header;
    argo_http_retry_fn on_retry;
    argo_http_cancel_fn cancelled;
    void *ctx; /* for the four callbacks */
} argo_http_request;

typedef struct argo_http_response {
    long status;   /* of the final answer */
    uint8_t *body; /* NUL-terminated (not counted in len); free() */
    size_t len;
    char etag[ARGO_HTTP_VALIDATOR_MAX];          /* as sent, quotes kept; "" when none */
    char last_modified[ARGO_HTTP_VALIDATOR_MAX]; /* "" when none */
    char content_type[128];
    /* X-RateLimit-Limit / -Remaining / -Reset (Reset: Unix seconds) of the
     * final answer; -1 when absent */
    int64_t ratelimit_limit, ratelimit_remaining, ratelimit_reset;
    int attempts;   /* 1 + retries made */
    int64_t bytes;  /* body bytes received over every attempt */
    double seconds; /* wall time of the whole call, waits included */
} argo_http_response;

typedef struct argo_http argo_http;

/* A client: one libcurl handle, so connections are kept between calls.
 * Used by one thread at a time. */
int argo_http_new(const argo_http_policy *p, argo_http **out, argo_err *err);
void argo_http_free(argo_http *h);

/* Sends rq as the policy says. 0: r holds a final answer (any status;
 * the caller judges it). ARGO_ENET: gave up on retryable failures (err
 * says the last one and the attempts; when the last failure was an
 * answer, r keeps its status and body, so that the caller can describe
 * it, e.g. S3's <Error>). ARGO_ELIMIT: an answer over max_body, or a
 * Retry-After over retry_after_max_s. ARGO_EINVAL: a bad URL or scheme.
 * ARGO_ECANCELED: cancelled says so. Or prepare's error. r is cleared
 * first; release it with argo_http_response_free whatever the result.
 * On 0, r->body is never NULL. */
int argo_http_perform(argo_http *h, const argo_http_request *rq, argo_http_response *r,
                      argo_err *err);
void argo_http_response_free(argo_http_response *r);

/* Many requests at once over libcurl's multi interface: one connection
 * pool (kept alive between requests), up to `max` attempts in flight,
 * each request with the policy above on its own: a request waiting to
 * retry does not hold up the others. Used by one thread at a time. */
#define ARGO_HTTP_MULTI_MAX 64

typedef struct argo_http_multi argo_http_multi;

/* max: attempts in flight at once, 1 to ARGO_HTTP_MULTI_MAX. */
int argo_http_multi_new(const argo_http_policy *p, int max, argo_http_multi **out, argo_err *err);
/* Cancels what has not finished (the transfers are dropped). NULL: no-op. */
void argo_http_multi_free(argo_http_multi *m);

/* Queues rq (copied; its url, headers, body and ctx must live until the
 * request finishes, i.e. argo_http_multi_next hands back tag). Nothing
 * is sent until argo_http_multi_next. ARGO_EINVAL (bad URL), ARGO_ENOMEM. */
int argo_http_multi_add(argo_http_multi *m, const argo_http_request *rq, void *tag, argo_err *err);

/* Runs the transfers until one request finishes: *got true, *tag its
 * tag, and the request's result as argo_http_perform's (returned, with
 * r and err filled the same way; release r with argo_http_response_free).
 * *got false and 0 when nothing was queued. The callbacks of every
 * request run on the calling thread. */
int argo_http_multi_next(argo_http_multi *m, void **tag, argo_http_response *r, bool *got,
                         argo_err *err);

/* Requests queued and not yet handed back. */
size_t argo_http_multi_pending(const argo_http_multi *m);

/* The delay before retry `attempt` (0-based): uniform in [0, min(cap,
 * base * 2^attempt)] ms. Exposed for tests. */
int64_t argo_http_backoff_ms(const argo_http_policy *p, int attempt);

/* Parses a Retry-After value (delta seconds, or an IMF-fixdate/RFC 850/
 * asctime date against now): seconds to wait (>= 0), or -1 when it is
 * not one. */
int64_t argo_http_retry_after(const char *value, int64_t now);

#endif
