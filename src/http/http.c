/* SPDX-License-Identifier: MIT */
/*
 * http/http.c - one HTTP request with argo's retry policy (http/http.h),
 * over libcurl's easy interface. Hand-written because libcurl moves the
 * bytes but has no retry policy of this kind: no backoff with jitter, no
 * Retry-After, no "nothing moved for N s" timeout that covers the wait
 * for the answer (CURLOPT_LOW_SPEED_* does not), no cap that stops
 * reading a body; Debian ships no library that adds them over libcurl.
 *
 * Retry-After follows RFC 9110 section 10.2.3 (delay-seconds or an
 * HTTP-date, section 5.6.7: IMF-fixdate, and the obsolete RFC 850 and
 * asctime forms). Messages name rq->what and the status or libcurl's
 * reason, never a URL or a header value (they may carry keys).
 */
#include "http/http.h"

#include "base/limits.h"
#include "base/timeutil.h"

#include <assert.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define WAIT_SLICE_MS 50                /* a wait polls `cancelled` this often */
#define HEADER_BYTES_MAX (256u << 10)   /* header lines of one answer kept for on_header */
#define DELTA_MAX ((int64_t)1000000000) /* Retry-After seconds beyond this are clamped */

struct argo_http {
    argo_http_policy p;
    CURL *curl;
};

void argo_http_policy_init(argo_http_policy *p)
{
    *p = (argo_http_policy){
        .retries = 4, .base_ms = 200, .cap_ms = 20000, .timeout_s = 30, .retry_after_max_s = 120};
}

/* curl_global_init once per process, whichever thread comes first */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_ready = CURLE_FAILED_INIT;

static void curl_start(void)
{
    curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int argo_http_new(const argo_http_policy *p, argo_http **out, argo_err *err)
{
    assert(out);
    *out = NULL;
    pthread_once(&curl_once, curl_start);
    if (curl_ready != CURLE_OK)
        return argo_err_set(err, ARGO_ENET, "libcurl failed to initialise");
    argo_http *h = calloc(1, sizeof *h);
    if (!h)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory making an HTTP client");
    if (p)
        h->p = *p;
    else
        argo_http_policy_init(&h->p);
    if (h->p.retries < 0)
        h->p.retries = 0;
    if (h->p.base_ms < 0)
        h->p.base_ms = 0;
    if (h->p.cap_ms < 0)
        h->p.cap_ms = 0;
    if (h->p.timeout_s < 1)
        h->p.timeout_s = 1;
    if (h->p.retry_after_max_s < 0)
        h->p.retry_after_max_s = 0;
    if (!(h->curl = curl_easy_init())) {
        free(h);
        return argo_err_set(err, ARGO_ENOMEM, "libcurl could not make a handle");
    }
    *out = h;
    return ARGO_OK;
}

void argo_http_free(argo_http *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    free(h);
}

void argo_http_response_free(argo_http_response *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

/* ---- backoff and Retry-After ---- */

int64_t argo_http_backoff_ms(const argo_http_policy *p, int attempt)
{
    double ceiling = p->base_ms;
    for (int i = 0; i < attempt && ceiling < p->cap_ms; i++)
        ceiling *= 2;
    if (ceiling > p->cap_ms)
        ceiling = p->cap_ms;
    uint32_t r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
        r = (uint32_t)time(NULL) * 2654435761u;
    /* uniform in [0, ceiling]: r / (2^32 - 1) reaches 1 */
    return (int64_t)(ceiling * ((double)r / 4294967295.0) + 0.5);
}

static int month_of(const char *s)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++)
        if (!strncmp(s, names + 3 * i, 3))
            return i + 1;
    return 0;
}

static bool weekday_ok(const char *s, bool full)
{
    static const char *const days[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
    for (int i = 0; i < 7; i++)
        if (full ? !strcmp(s, days[i]) : (strlen(s) == 3 && !strncmp(s, days[i], 3)))
            return true;
    return false;
}

/* An HTTP-date (RFC 9110 section 5.6.7) as Unix seconds; false when not one. */
static bool http_date(const char *s, int64_t *out)
{
    char wd[16], mon[4];
    int d, y, hh, mm, ss, n = -1;
    if (sscanf(s, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", wd, &d, mon, &y, &hh, &mm,
               &ss, &n) == 7 &&
        n > 0 && !s[n] && weekday_ok(wd, false)) {
        /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    } else if (n = -1, sscanf(s, "%9[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", wd, &d, mon,
                              &y, &hh, &mm, &ss, &n) == 7 &&
                           n > 0 && !s[n] && weekday_ok(wd, true)) {
        /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT; a two-digit year is
         * read as the nearest past century's (RFC 9110: not more than 50
         * years ahead, kept simple) */
        y += y < 70 ? 2000 : 1900;
    } else if (n = -1, sscanf(s, "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", wd, mon, &d, &hh,
                              &mm, &ss, &y, &n) == 7 &&
                           n > 0 && !s[n] && weekday_ok(wd, false)) {
        /* asctime: Sun Nov  6 08:49:37 1994 */
    } else {
        return false;
    }
    int m = month_of(mon);
    if (!m || strlen(mon) != 3 || d < 1 || d > 31 || y < 1900 || hh > 23 || mm > 59 || ss > 60 ||
        hh < 0 || mm < 0 || ss < 0)
        return false;
    *out = argo_days_from_civil(y, (unsigned)m, (unsigned)d) * ARGO_DAY_SECONDS + hh * 3600 +
           mm * 60 + ss;
    return true;
}

int64_t argo_http_retry_after(const char *value, int64_t now)
{
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strlen(value);
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
                 value[n - 1] == '\n'))
        n--;
    if (!n || n > 64)
        return -1;
    char s[65];
    memcpy(s, value, n);
    s[n] = '\0';
    if (strspn(s, "0123456789") == n) {
        int64_t v = 0;
        for (size_t i = 0; i < n && v <= DELTA_MAX; i++)
            v = v * 10 + (s[i] - '0');
        return v > DELTA_MAX ? DELTA_MAX : v;
    }
    int64_t at;
    if (!http_date(s, &at))
        return -1;
    return at > now ? at - now : 0;
}

/* ---- one attempt ---- */

typedef struct attempt {
    argo_http_response *r;
    size_t cap, max_body;
    bool overflow, stalled, canceled;
    int timeout_s;
    struct timespec last_move;
    curl_off_t seen; /* bytes moved, both ways */
    char retry_after[80];
    char *lines; /* header lines of the current answer, "name\0value\0"... */
    size_t lines_len, lines_cap;
    bool lines_full;
    const argo_http_request *rq;
} attempt;

static double since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)ultotal;
    attempt *a = user;
    if (a->rq->cancelled && a->rq->cancelled(a->rq->ctx)) {
        a->canceled = true;
        return 1;
    }
    if (dlnow + ulnow != a->seen) {
        a->seen = dlnow + ulnow;
        clock_gettime(CLOCK_MONOTONIC, &a->last_move);
        return 0;
    }
    a->stalled = since(&a->last_move) > a->timeout_s;
    return a->stalled; /* non-zero aborts the transfer */
}

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
    attempt *a = user;
    argo_http_response *r = a->r;
    size_t k = size * n;
    clock_gettime(CLOCK_MONOTONIC, &a->last_move);
    if (k > a->max_body || r->len > a->max_body - k) {
        a->overflow = true;
        return 0; /* aborts: the rest is not read */
    }
    if (r->len + k + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 4096;
        while (cap < r->len + k + 1)
            cap *= 2;
        if (cap > a->max_body + 1)
            cap = a->max_body + 1;
        uint8_t *b = realloc(r->body, cap);
        if (!b) {
            a->overflow = true;
            return 0;
        }
        r->body = b;
        a->cap = cap;
    }
    memcpy(r->body + r->len, p, k);
    r->len += k;
    r->body[r->len] = '\0';
    r->bytes += (int64_t)k;
    return k;
}

static void copy_value(char *dst, size_t cap, const char *v, size_t vl)
{
    if (vl >= cap)
        vl = 0; /* too long to be one of ours: treated as absent */
    memcpy(dst, v, vl);
    dst[vl] = '\0';
}

static int64_t int_value(const char *v, size_t vl)
{
    char buf[32];
    if (!vl || vl >= sizeof buf)
        return -1;
    memcpy(buf, v, vl);
    buf[vl] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(buf, &end, 10);
    return errno || *end || x < 0 ? -1 : (int64_t)x;
}

static void reset_answer(attempt *a)
{
    argo_http_response *r = a->r;
    r->etag[0] = r->last_modified[0] = r->content_type[0] = '\0';
    r->ratelimit_limit = r->ratelimit_remaining = r->ratelimit_reset = -1;
    a->retry_after[0] = '\0';
    a->lines_len = 0;
    a->lines_full = false;
}

/* "Name: value\r\n", or the status line of a new answer (a 100 Continue
 * comes before the real one). */
static size_t on_header(char *p, size_t size, size_t n, void *user)
{
    attempt *a = user;
    argo_http_response *r = a->r;
    size_t k = size * n;
    clock_gettime(CLOCK_MONOTONIC, &a->last_move);
    if (k >= 5 && !strncmp(p, "HTTP/", 5)) {
        reset_answer(a);
        return k;
    }
    const char *colon = memchr(p, ':', k);
    if (!colon)
        return k;
    size_t nl = (size_t)(colon - p);
    while (nl && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
        nl--;
    const char *v = colon + 1;
    size_t vl = k - (size_t)(colon - p) - 1;
    while (vl && (*v == ' ' || *v == '\t'))
        v++, vl--;
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        vl--;
#define IS(name) (nl == sizeof(name) - 1 && !strncasecmp(p, name, nl))
    if (IS("etag"))
        copy_value(r->etag, sizeof r->etag, v, vl);
    else if (IS("last-modified"))
        copy_value(r->last_modified, sizeof r->last_modified, v, vl);
    else if (IS("content-type"))
        copy_value(r->content_type, sizeof r->content_type, v, vl);
    else if (IS("retry-after"))
        copy_value(a->retry_after, sizeof a->retry_after, v, vl);
    else if (IS("x-ratelimit-limit"))
        r->ratelimit_limit = int_value(v, vl);
    else if (IS("x-ratelimit-remaining"))
        r->ratelimit_remaining = int_value(v, vl);
    else if (IS("x-ratelimit-reset"))
        r->ratelimit_reset = int_value(v, vl);
    else if (IS("content-length")) {
        int64_t cl = int_value(v, vl);
        if (cl > 0 && (uint64_t)cl > a->max_body &&
            strcmp(a->rq->method ? a->rq->method : "GET", "HEAD")) {
            a->overflow = true; /* refused before a byte of it is read */
            return 0;
        }
    }
#undef IS
    /* kept for on_header, which sees only the final answer's */
    if (a->rq->on_header && !a->lines_full) {
        size_t need = a->lines_len + nl + vl + 2;
        if (need > HEADER_BYTES_MAX) {
            a->lines_full = true;
            return k;
        }
        if (need > a->lines_cap) {
            size_t cap = a->lines_cap ? a->lines_cap : 1024;
            while (cap < need)
                cap *= 2;
            char *b = realloc(a->lines, cap);
            if (!b) {
                a->lines_full = true;
                return k;
            }
            a->lines = b;
            a->lines_cap = cap;
        }
        memcpy(a->lines + a->lines_len, p, nl);
        a->lines[a->lines_len + nl] = '\0';
        memcpy(a->lines + a->lines_len + nl + 1, v, vl);
        a->lines[a->lines_len + nl + 1 + vl] = '\0';
        a->lines_len = need;
    }
    return k;
}

static bool retryable_curl(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

/* Sets c up for one attempt: the headers (the caller's, then
 * prepare's) in *list, which the caller frees once the transfer ends.
 * 0, or prepare's error. */
static int attempt_setup(CURL *c, const argo_http_policy *p, const argo_http_request *rq,
                         attempt *a, struct curl_slist **list_out, argo_err *err)
{
    argo_http_header hd[ARGO_HTTP_HEADERS_MAX];
    size_t n = rq->nheaders;
    if (n > ARGO_HTTP_HEADERS_MAX)
        return argo_err_set(err, ARGO_ELIMIT, "%s: %zu request headers, more than %d", rq->what, n,
                            ARGO_HTTP_HEADERS_MAX);
    if (n)
        memcpy(hd, rq->headers, n * sizeof hd[0]);
    if (rq->prepare) {
        int got = rq->prepare(rq->ctx, hd, n, ARGO_HTTP_HEADERS_MAX, err);
        if (got < 0)
            return got;
        n = (size_t)got < ARGO_HTTP_HEADERS_MAX ? (size_t)got : ARGO_HTTP_HEADERS_MAX;
    }
    struct curl_slist *list = NULL;
    char line[8192];
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        if (!hd[i].name || !hd[i].value || !hd[i].name[0] || strpbrk(hd[i].name, ":\r\n") ||
            strpbrk(hd[i].value, "\r\n"))
            return argo_err_set(err, ARGO_EINVAL,
                                "%s: request header %.*s: empty, or a line break or colon in it",
                                rq->what, hd[i].name ? (int)strcspn(hd[i].name, "\r\n") : 6,
                                hd[i].name ? hd[i].name : "(null)");
    for (size_t i = 0; i < n && ok; i++) {
        /* "Name:" with nothing after it removes a header libcurl adds */
        int w = snprintf(line, sizeof line, "%s:%s%s", hd[i].name, hd[i].value[0] ? " " : "",
                         hd[i].value);
        if (w < 0 || (size_t)w >= sizeof line) {
            OPENSSL_cleanse(line, sizeof line);
            curl_slist_free_all(list);
            return argo_err_set(err, ARGO_ELIMIT, "%s: request header %s longer than %zu bytes",
                                rq->what, hd[i].name, sizeof line);
        }
        struct curl_slist *l = curl_slist_append(list, line);
        ok = l != NULL;
        list = l ? l : list;
    }
    if (ok) { /* no 100-continue round trip */
        struct curl_slist *l = curl_slist_append(list, "Expect:");
        ok = l != NULL;
        list = l ? l : list;
    }
    OPENSSL_cleanse(line, sizeof line);
    if (!ok) {
        curl_slist_free_all(list);
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory for the request headers",
                            rq->what);
    }

    const char *method = rq->method ? rq->method : "GET";
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)p->timeout_s);
    /* an attempt fails when no byte moves either way for timeout_s, the
     * wait for the answer included (libcurl's LOW_SPEED options do not
     * cover that wait) */
    a->timeout_s = p->timeout_s;
    clock_gettime(CLOCK_MONOTONIC, &a->last_move);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, a);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (!strcmp(method, "GET")) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? (const char *)rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
    }
    *list_out = list;
    return ARGO_OK;
}

/* Runs one attempt on h's handle. 0 with *cc set, or prepare's error. */
static int attempt_once(argo_http *h, const argo_http_request *rq, attempt *a, CURLcode *cc,
                        argo_err *err)
{
    struct curl_slist *list = NULL;
    int rc = attempt_setup(h->curl, &h->p, rq, a, &list, err);
    if (rc)
        return rc;
    *cc = curl_easy_perform(h->curl);
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &a->r->status);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(list);
    return ARGO_OK;
}

/* Clears what one attempt fills, before attempt k (0-based). */
static void attempt_reset(attempt *a, int k)
{
    argo_http_response *r = a->r;
    free(r->body);
    r->body = NULL;
    r->len = 0;
    r->status = 0;
    a->cap = 0;
    a->overflow = a->stalled = a->canceled = false;
    a->seen = 0;
    reset_answer(a);
    r->attempts = k + 1;
}

/* Judges attempt k (0-based), ended with cc: 0 when a->r holds the
 * final answer; 1 when the request is to be tried again after *wait ms
 * (on_retry told why); else a negative ARGO_E* code with err filled. */
static int judge(const argo_http_policy *p, const argo_http_request *rq, attempt *a, CURLcode cc,
                 int k, int64_t *wait, argo_err *err)
{
    argo_http_response *r = a->r;
    const char *what = rq->what;
    char why[160];
    bool retry;
    if (cc != CURLE_OK)
        r->status = 0; /* no answer to judge (a stall may follow its headers) */
    if (a->canceled)
        return argo_err_set(err, ARGO_ECANCELED, "%s: cancelled", what);
    if (a->overflow)
        return argo_err_set(err, ARGO_ELIMIT, "%s: answer larger than %zu bytes", what,
                            a->max_body);
    if (cc == CURLE_ABORTED_BY_CALLBACK && a->stalled) {
        snprintf(why, sizeof why, "timed out: nothing moved for %d s", p->timeout_s);
        retry = true;
    } else if (cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT) {
        return argo_err_set(err, ARGO_EINVAL, "%s: %s", what, curl_easy_strerror(cc));
    } else if (cc != CURLE_OK) {
        snprintf(why, sizeof why, "%s", curl_easy_strerror(cc));
        retry = retryable_curl(cc);
    } else {
        snprintf(why, sizeof why, "HTTP %ld", r->status);
        retry = r->status == 429 || (r->status >= 500 && r->status != 501);
    }
    if (!retry && cc == CURLE_OK) { /* a final answer */
        if (!r->body && !(r->body = calloc(1, 1)))
            return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", what);
        for (size_t i = 0; rq->on_header && i < a->lines_len;) {
            const char *name = a->lines + i, *value = name + strlen(name) + 1;
            rq->on_header(rq->ctx, name, value);
            i = (size_t)(value + strlen(value) + 1 - a->lines);
        }
        return ARGO_OK;
    }
    if (!retry)
        return argo_err_set(err, ARGO_ENET, "%s: %s", what, why);
    int64_t w = -1;
    if (cc == CURLE_OK && (r->status == 429 || r->status == 503) && a->retry_after[0])
        w = argo_http_retry_after(a->retry_after, (int64_t)time(NULL));
    if (w > p->retry_after_max_s)
        return argo_err_set(err, ARGO_ELIMIT,
                            "%s: %s, and the server asks to retry after %" PRId64
                            " s, more than the %d s allowed",
                            what, why, w, p->retry_after_max_s);
    if (k >= p->retries)
        return argo_err_set(err, ARGO_ENET, "%s: %s (gave up after %d attempts)", what, why, k + 1);
    if (w < 0)
        w = argo_http_backoff_ms(p, k);
    else
        w *= 1000;
    if (rq->on_retry) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s: %s; retrying in %.1f s (attempt %d of %d)", what, why,
                 (double)w / 1000, k + 2, p->retries + 1);
        rq->on_retry(rq->ctx, msg);
    }
    *wait = w;
    return 1;
}

/* Sleeps ms in slices, polling cancelled. false when cancelled. */
static bool wait_ms(const argo_http_request *rq, int64_t ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (rq->cancelled && rq->cancelled(rq->ctx))
            return false;
        int64_t left = ms - (int64_t)(since(&t0) * 1000);
        if (left <= 0)
            return true;
        int64_t slice = left < WAIT_SLICE_MS ? left : WAIT_SLICE_MS;
        struct timespec ts = {(time_t)(slice / 1000), (long)(slice % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static bool scheme_ok(const char *url)
{
    return !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
}

int argo_http_perform(argo_http *h, const argo_http_request *rq, argo_http_response *r,
                      argo_err *err)
{
    assert(h && rq && r);
    memset(r, 0, sizeof *r);
    r->ratelimit_limit = r->ratelimit_remaining = r->ratelimit_reset = -1;
    const char *what = rq->what ? rq->what : "HTTP request";
    argo_http_request q = *rq; /* what set, for the messages of one attempt */
    q.what = what;
    rq = &q;
    if (!rq->url || !scheme_ok(rq->url))
        return argo_err_set(err, ARGO_EINVAL, "%s: the URL must start with http:// or https://",
                            what);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    attempt a = {.r = r, .max_body = rq->max_body ? rq->max_body : ARGO_HTTP_ANSWER_MAX, .rq = rq};
    int rc = ARGO_OK;
    for (int k = 0;; k++) {
        if (rq->cancelled && rq->cancelled(rq->ctx)) {
            rc = argo_err_set(err, ARGO_ECANCELED, "%s: cancelled", what);
            break;
        }
        attempt_reset(&a, k);
        CURLcode cc = CURLE_OK;
        if ((rc = attempt_once(h, rq, &a, &cc, err)))
            break;
        int64_t wait;
        if ((rc = judge(&h->p, rq, &a, cc, k, &wait, err)) <= 0)
            break;
        rc = ARGO_OK;
        if (!wait_ms(rq, wait)) {
            rc = argo_err_set(err, ARGO_ECANCELED, "%s: cancelled while waiting to retry", what);
            break;
        }
    }
    free(a.lines);
    r->seconds = since(&t0);
    return rc;
}

/* ---- many requests at once (libcurl's multi interface) ---- */

typedef struct mreq {
    argo_http_request rq; /* the caller's, what set */
    argo_http_response r;
    attempt a;
    CURL *c; /* while an attempt runs */
    struct curl_slist *list;
    int k;          /* the attempt running or next */
    int64_t due_ms; /* when not running: the next attempt starts at this time */
    struct timespec t0;
    void *tag;
} mreq;

struct argo_http_multi {
    argo_http_policy p;
    CURLM *m;
    size_t max; /* attempts running at once */
    mreq **q;   /* requests not finished, in the order added */
    size_t n, cap;
    CURL *idle[ARGO_HTTP_MULTI_MAX + 1]; /* handles kept for the next attempts */
    size_t nidle, running;
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int argo_http_multi_new(const argo_http_policy *p, int max, argo_http_multi **out, argo_err *err)
{
    assert(out && max >= 1 && max <= ARGO_HTTP_MULTI_MAX);
    *out = NULL;
    argo_http *h; /* the policy checked as argo_http_new does */
    int rc = argo_http_new(p, &h, err);
    if (rc)
        return rc;
    argo_http_multi *m = calloc(1, sizeof *m);
    if (!m) {
        argo_http_free(h);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory making an HTTP client");
    }
    m->p = h->p;
    m->max = (size_t)max;
    m->idle[m->nidle++] = h->curl; /* the handle is reused */
    h->curl = NULL;
    argo_http_free(h);
    if (!(m->m = curl_multi_init())) {
        argo_http_multi_free(m);
        return argo_err_set(err, ARGO_ENOMEM, "libcurl could not make a multi handle");
    }
    /* one connection per request in flight, kept alive between them */
    curl_multi_setopt(m->m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max);
    curl_multi_setopt(m->m, CURLMOPT_MAXCONNECTS, (long)max);
    *out = m;
    return ARGO_OK;
}

static void mreq_free(argo_http_multi *m, mreq *q)
{
    if (q->c) {
        curl_multi_remove_handle(m->m, q->c);
        curl_easy_setopt(q->c, CURLOPT_HTTPHEADER, NULL);
        if (m->nidle <= ARGO_HTTP_MULTI_MAX)
            m->idle[m->nidle++] = q->c;
        else
            curl_easy_cleanup(q->c);
        m->running--;
    }
    curl_slist_free_all(q->list);
    free(q->a.lines);
    argo_http_response_free(&q->r);
    free(q);
}

void argo_http_multi_free(argo_http_multi *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        mreq_free(m, m->q[i]);
    free(m->q);
    for (size_t i = 0; i < m->nidle; i++)
        curl_easy_cleanup(m->idle[i]);
    if (m->m)
        curl_multi_cleanup(m->m);
    free(m);
}

size_t argo_http_multi_pending(const argo_http_multi *m)
{
    return m->n;
}

int argo_http_multi_add(argo_http_multi *m, const argo_http_request *rq, void *tag, argo_err *err)
{
    assert(m && rq);
    const char *what = rq->what ? rq->what : "HTTP request";
    if (!rq->url || !scheme_ok(rq->url))
        return argo_err_set(err, ARGO_EINVAL, "%s: the URL must start with http:// or https://",
                            what);
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        mreq **g = realloc(m->q, cap * sizeof *g);
        if (!g)
            return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", what);
        m->q = g;
        m->cap = cap;
    }
    mreq *q = calloc(1, sizeof *q);
    if (!q)
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", what);
    q->rq = *rq;
    q->rq.what = what;
    q->r.ratelimit_limit = q->r.ratelimit_remaining = q->r.ratelimit_reset = -1;
    q->a = (attempt){
        .r = &q->r, .max_body = rq->max_body ? rq->max_body : ARGO_HTTP_ANSWER_MAX, .rq = &q->rq};
    q->due_ms = now_ms();
    clock_gettime(CLOCK_MONOTONIC, &q->t0);
    q->tag = tag;
    m->q[m->n++] = q;
    return ARGO_OK;
}

/* Ends q: moves its answer to r, removes it from the queue. */
static void finish(argo_http_multi *m, size_t i, void **tag, argo_http_response *r)
{
    mreq *q = m->q[i];
    q->r.seconds = since(&q->t0);
    *tag = q->tag;
    *r = q->r;
    q->r.body = NULL;
    memmove(m->q + i, m->q + i + 1, (m->n - i - 1) * sizeof *m->q);
    m->n--;
    mreq_free(m, q);
}

/* Starts the next attempt of q on a handle. 0, or prepare's error. */
static int start(argo_http_multi *m, mreq *q, argo_err *err)
{
    if (q->rq.cancelled && q->rq.cancelled(q->rq.ctx))
        return argo_err_set(err, ARGO_ECANCELED, "%s: cancelled", q->rq.what);
    CURL *c = m->nidle ? m->idle[--m->nidle] : curl_easy_init();
    if (!c)
        return argo_err_set(err, ARGO_ENOMEM, "libcurl could not make a handle");
    attempt_reset(&q->a, q->k);
    int rc = attempt_setup(c, &m->p, &q->rq, &q->a, &q->list, err);
    if (!rc) {
        curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)q);
        if (curl_multi_add_handle(m->m, c) != CURLM_OK)
            rc = argo_err_set(err, ARGO_ENOMEM, "%s: libcurl could not add the transfer",
                              q->rq.what);
    }
    if (rc) {
        curl_slist_free_all(q->list);
        q->list = NULL;
        m->idle[m->nidle++] = c;
        return rc;
    }
    q->c = c;
    m->running++;
    return ARGO_OK;
}

int argo_http_multi_next(argo_http_multi *m, void **tag, argo_http_response *r, bool *got,
                         argo_err *err)
{
    assert(m && tag && r && got);
    memset(r, 0, sizeof *r);
    *tag = NULL;
    *got = false;
    for (;;) {
        if (!m->n)
            return ARGO_OK;
        /* start what is due, in the order added, up to max at once */
        int64_t now = now_ms(), next_due = INT64_MAX;
        for (size_t i = 0; i < m->n && m->running < m->max; i++) {
            mreq *q = m->q[i];
            if (q->c)
                continue;
            if (q->due_ms > now) {
                next_due = q->due_ms < next_due ? q->due_ms : next_due;
                continue;
            }
            int rc = start(m, q, err);
            if (rc) {
                *got = true;
                finish(m, i, tag, r);
                return rc;
            }
        }
        int still = 0;
        curl_multi_perform(m->m, &still);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m->m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *c = msg->easy_handle;
            CURLcode cc = msg->data.result;
            mreq *q = NULL;
            curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&q);
            size_t i = 0;
            while (i < m->n && m->q[i] != q)
                i++;
            assert(i < m->n);
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &q->r.status);
            curl_multi_remove_handle(m->m, c);
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
            curl_slist_free_all(q->list);
            q->list = NULL;
            if (m->nidle <= ARGO_HTTP_MULTI_MAX)
                m->idle[m->nidle++] = c;
            else
                curl_easy_cleanup(c);
            q->c = NULL;
            m->running--;
            int64_t wait = 0;
            int rc = judge(&m->p, &q->rq, &q->a, cc, q->k, &wait, err);
            if (rc <= 0) { /* the other messages stay queued for the next call */
                *got = true;
                finish(m, i, tag, r);
                return rc;
            }
            q->k++;
            q->due_ms = now_ms() + wait; /* the others go on meanwhile */
        }
        /* wait for activity, or until the next retry is due */
        long timeout = 1000;
        curl_multi_timeout(m->m, &timeout);
        if (timeout < 0 || timeout > WAIT_SLICE_MS)
            timeout = WAIT_SLICE_MS;
        if (next_due != INT64_MAX && next_due - now_ms() < timeout)
            timeout = next_due - now_ms() > 0 ? (long)(next_due - now_ms()) : 0;
        if (still || timeout > 0)
            curl_multi_poll(m->m, NULL, 0, (int)timeout, NULL);
    }
}
