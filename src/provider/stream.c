/* SPDX-License-Identifier: MIT */
/*
 * provider/stream.c - Alpaca's real-time bar stream (provider.h: argo_feed_*),
 * a WebSocket client on libwebsockets with a thread and an lws_context of
 * its own. It hands each minute bar to the caller as received; putting
 * them into argo's bar size is market/aggregate.h's, filling a gap after
 * a reconnect is the caller's (through argo_provider_fetch).
 *
 * Hand-written: Debian's libcurl is built without WebSocket support and
 * no Debian package speaks Alpaca's stream protocol, so argo drives
 * libwebsockets' client side (already argo serve's server library) and
 * keeps the protocol here: a few JSON messages and one state machine.
 *
 * The protocol, from Alpaca's documentation of its market-data stream
 * ("WebSocket Stream", https://docs.alpaca.markets/docs/streaming-market-data,
 * and "Real-time Stock Pricing Data",
 * https://docs.alpaca.markets/docs/real-time-stock-pricing-data; earlier
 * https://alpaca.markets/deprecated/docs/api-documentation/api-v2/market-data/alpaca-data-api-v2/real-time/):
 *   - URL wss://stream.data.alpaca.markets/v2/{iex|sip}; every server
 *     message is a JSON array of objects, each with its type in "T".
 *   - On connection the server sends [{"T":"success","msg":"connected"}];
 *     the client sends {"action":"auth","key":..,"secret":..} within 10 s
 *     and gets [{"T":"success","msg":"authenticated"}] or an error.
 *   - {"action":"subscribe","bars":[...]} is answered by
 *     [{"T":"subscription","trades":[..],"quotes":[..],"bars":[..],...}].
 *   - A minute bar: {"T":"b","S":symbol,"o","h","l","c","v","t":RFC 3339
 *     start of the minute,"n","vw"}.
 *   - Errors {"T":"error","code":N,"msg":..}: 400 invalid syntax, 401 not
 *     authenticated, 402 auth failed, 403 already authenticated, 404 auth
 *     timeout, 406 connection limit exceeded (the pages above); 405 symbol
 *     limit exceeded, 407 slow client, 409 insufficient subscription, 410
 *     invalid subscribe action for this feed, 500 internal error (the
 *     stock page's error table). 402, 405, 409 and 410 cannot be cured by
 *     trying again: the feed goes FAILED and stays so; any other error (or
 *     a dropped connection) reconnects.
 * libwebsockets' client API (4.1, Debian's libwebsockets-dev):
 * lws_client_connect_via_info (lws-client.h), the LWS_CALLBACK_CLIENT_*
 * reasons (lws-callbacks.h), lws_sul_schedule for timers, lws_cancel_service
 * to wake the service thread from another (lws-timeout-timer.h,
 * lws-context-vhost.h); https://libwebsockets.org/lws-api-doc-v4.1-stable/html/.
 *
 * Reconnects: after a backoff drawn by argo_http_backoff_ms from the
 * provider's http policy (full jitter), the attempt count reset once the
 * feed is LIVE again. A stall watchdog closes a connection that received
 * no frame (a pong included: the client pings every timeout_s / 3) for
 * the policy's timeout_s. The secret goes only into the auth message,
 * whose buffer is wiped once written; no message names it.
 */
#include "provider/provider_int.h"

#include "base/limits.h"
#include "base/timeutil.h"
#include "market/market.h"

#include <jansson.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK_US (250 * 1000)
#define BACKOFF_ATTEMPTS_MAX 30 /* the backoff's exponent stops growing here */

enum phase { P_NONE, P_WELCOME, P_AUTH, P_SUBSCRIBE, P_LIVE };

struct argo_feed {
    /* copied from the provider at start, so the feed needs nothing of it after */
    char url[1024];
    char key[256], secret[256]; /* wiped on stop */
    argo_http_policy policy;
    char **symbols; /* sorted, unique */
    size_t nsymbols;
    argo_feed_callbacks cb;

    /* the connection's address, cut from url */
    char urlbuf[1024];
    const char *host, *path;
    int port;
    bool tls;
    char pathbuf[1024];

    struct lws_context *ctx;
    struct lws_protocols protocols[2];
    pthread_t tid;
    bool started;
    atomic_bool stop;
    bool stopping; /* on the service thread: no more callbacks to the caller */

    /* the service thread's own state */
    lws_sorted_usec_list_t sul_connect, sul_tick;
    struct lws *wsi;
    bool have_conn; /* a connection is being made or is open */
    enum phase phase;
    argo_feed_state state;
    bool failed;
    int attempt;    /* reconnects since the feed was last LIVE */
    bool connected; /* a connection was attempted before (reconnects count from then) */
    double last_rx; /* monotonic seconds of the last frame or connection attempt */
    double last_ping;
    bool ping_due;
    char close_why[256]; /* why the client closes the connection itself */
    /* the message being received */
    unsigned char *rx;
    size_t rx_len, rx_cap;
    bool rx_skip; /* the message is over the limit: the rest is dropped */
    /* the message to send (LWS_PRE bytes of room first) */
    unsigned char *tx;
    size_t tx_len, tx_cap;

    atomic_int_least64_t messages, bars, rejected, reconnects;
};

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

/* ---- the caller's callbacks ---- */

static void set_state(argo_feed *f, argo_feed_state s, const char *why)
{
    f->state = s;
    if (!f->stopping && f->cb.on_state)
        f->cb.on_state(f->cb.ctx, s, why);
}

static void reject(argo_feed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reject(argo_feed *f, const char *fmt, ...)
{
    char line[ARGO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    atomic_fetch_add(&f->rejected, 1);
    if (!f->stopping && f->cb.on_reject)
        f->cb.on_reject(f->cb.ctx, line);
}

/* ---- connecting and reconnecting ---- */

static void on_connect(lws_sorted_usec_list_t *sul);

/* The connection is gone: DISCONNECTED and a reconnect after a backoff,
 * unless the feed has FAILED or is stopping. */
static void lost(argo_feed *f, const char *why)
{
    if (!f->have_conn)
        return;
    f->have_conn = false;
    f->wsi = NULL;
    f->phase = P_NONE;
    f->rx_len = 0;
    f->rx_skip = false;
    wipe(f->tx, f->tx_cap);
    f->tx_len = 0;
    f->ping_due = false;
    if (f->failed || f->stopping || atomic_load(&f->stop))
        return;
    int64_t ms = argo_http_backoff_ms(&f->policy, f->attempt);
    if (f->attempt < BACKOFF_ATTEMPTS_MAX)
        f->attempt++;
    char line[ARGO_ERR_MSG_MAX];
    snprintf(line, sizeof line, "%s; reconnecting in %lld ms", why, (long long)ms);
    set_state(f, ARGO_FEED_DISCONNECTED, line);
    lws_sul_schedule(f->ctx, 0, &f->sul_connect, on_connect, (lws_usec_t)ms * 1000 + 1);
}

static void on_connect(lws_sorted_usec_list_t *sul)
{
    argo_feed *f = lws_container_of(sul, argo_feed, sul_connect);
    if (f->failed || f->have_conn || atomic_load(&f->stop))
        return;
    if (f->connected)
        atomic_fetch_add(&f->reconnects, 1);
    f->connected = true;
    f->have_conn = true;
    f->phase = P_WELCOME;
    f->close_why[0] = 0;
    f->last_rx = f->last_ping = mono();
    char line[ARGO_ERR_MSG_MAX];
    snprintf(line, sizeof line, "connecting to %s", f->url);
    set_state(f, ARGO_FEED_CONNECTING, line);

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = f->ctx;
    ci.address = f->host;
    ci.port = f->port;
    ci.path = f->pathbuf;
    ci.host = f->host;
    ci.origin = f->host;
    ci.ssl_connection = f->tls ? LCCSCF_USE_SSL : 0;
    ci.protocol = NULL; /* Alpaca names no subprotocol */
    ci.local_protocol_name = f->protocols[0].name;
    ci.ietf_version_or_minus_one = -1;
    ci.userdata = f;
    struct lws *wsi = lws_client_connect_via_info(&ci);
    if (!wsi) {
        lost(f, "cannot start a connection");
        return;
    }
    if (f->have_conn)
        f->wsi = wsi;
}

/* Closes the connection from the service thread (the watchdog, a fatal
 * error): lws closes it on its next turn and CLIENT_CLOSED follows. */
static void kill_conn(argo_feed *f, const char *why)
{
    if (!f->have_conn)
        return;
    snprintf(f->close_why, sizeof f->close_why, "%s", why);
    /* synchronously: called from a timer, so not while lws services this
     * wsi (LWS_TO_KILL_ASYNC crashed in 4.1.6 on a wsi still connecting) */
    if (f->wsi)
        lws_set_timeout(f->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
    lost(f, why); /* a no-op when the close reached a callback that called it */
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
    argo_feed *f = lws_container_of(sul, argo_feed, sul_tick);
    double now = mono(), timeout = f->policy.timeout_s > 0 ? f->policy.timeout_s : 30;
    if (f->have_conn) {
        if (now - f->last_rx >= timeout) {
            char why[128];
            snprintf(why, sizeof why, "stalled: no frame for %g s", timeout);
            kill_conn(f, why);
        } else if (f->wsi && f->phase != P_NONE && f->phase != P_WELCOME &&
                   now - f->last_ping >= timeout / 3) {
            f->ping_due = true;
            f->last_ping = now;
            lws_callback_on_writable(f->wsi);
        }
    }
    lws_sul_schedule(f->ctx, 0, &f->sul_tick, on_tick, TICK_US);
}

/* ---- messages out ---- */

static int tx_reserve(argo_feed *f, size_t n)
{
    if (LWS_PRE + n + 1 <= f->tx_cap)
        return 0;
    size_t cap = LWS_PRE + n + 1;
    unsigned char *p = malloc(cap);
    if (!p)
        return -1;
    if (f->tx) {
        wipe(f->tx, f->tx_cap);
        free(f->tx);
    }
    f->tx = p;
    f->tx_cap = cap;
    return 0;
}

/* s as a JSON string into out (at most cap bytes); the length, or -1. */
static long json_str(char *out, size_t cap, const char *s)
{
    size_t n = 0;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (n + 1 >= cap)                                                                          \
            return -1;                                                                             \
        out[n++] = (char)(c);                                                                      \
    } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            PUT('\\');
            PUT(*p);
        } else if (*p < 0x20) {
            static const char hex[] = "0123456789abcdef";
            PUT('\\');
            PUT('u');
            PUT('0');
            PUT('0');
            PUT(hex[*p >> 4]);
            PUT(hex[*p & 15]);
        } else {
            PUT(*p);
        }
    }
    PUT('"');
#undef PUT
    out[n] = 0;
    return (long)n;
}

static int send_auth(argo_feed *f)
{
    /* {"action":"auth","key":K,"secret":S}: built here, not by jansson, so
     * the one copy of the secret is this buffer, wiped once written */
    char k[2 * 6 * 256 + 3], s[2 * 6 * 256 + 3];
    long kl = json_str(k, sizeof k, f->key), sl = json_str(s, sizeof s, f->secret);
    int rc = -1;
    if (kl >= 0 && sl >= 0 && tx_reserve(f, (size_t)(kl + sl) + 64) == 0) {
        int n = snprintf((char *)f->tx + LWS_PRE, f->tx_cap - LWS_PRE,
                         "{\"action\":\"auth\",\"key\":%s,\"secret\":%s}", k, s);
        f->tx_len = (size_t)n;
        rc = 0;
    }
    wipe(k, sizeof k);
    wipe(s, sizeof s);
    return rc;
}

static int send_subscribe(argo_feed *f)
{
    json_t *doc = json_object(), *bars = json_array();
    int bad = !doc || !bars || json_object_set_new(doc, "action", json_string("subscribe"));
    for (size_t i = 0; !bad && i < f->nsymbols; i++)
        bad = json_array_append_new(bars, json_string(f->symbols[i]));
    if (!bad)
        bad = json_object_set(doc, "bars", bars);
    char *text = bad ? NULL : json_dumps(doc, JSON_COMPACT);
    json_decref(bars);
    json_decref(doc);
    if (!text)
        return -1;
    size_t n = strlen(text);
    int rc = tx_reserve(f, n);
    if (rc == 0) {
        memcpy(f->tx + LWS_PRE, text, n);
        f->tx_len = n;
    }
    free(text);
    return rc;
}

/* ---- messages in ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool subscribed(const argo_feed *f, const char *sym)
{
    return bsearch(&sym, f->symbols, f->nsymbols, sizeof *f->symbols, cmp_str) != NULL;
}

static bool num(const json_t *o, const char *k, double *out)
{
    const json_t *v = json_object_get(o, k);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

static void on_bar_msg(argo_feed *f, const json_t *o, int64_t msgno, size_t i)
{
    const char *sym = json_string_value(json_object_get(o, "S"));
    const char *t = json_string_value(json_object_get(o, "t"));
    if (!sym || !*sym || strlen(sym) >= ARGO_SYMBOL_MAX) {
        reject(f, "stream message %lld item %zu: a bar without a usable symbol \"S\"",
               (long long)msgno, i);
        return;
    }
    if (!subscribed(f, sym)) {
        reject(f, "stream message %lld item %zu: a bar of %s, which is not subscribed",
               (long long)msgno, i, sym);
        return;
    }
    argo_bar b = {0};
    const char *why = NULL;
    if (!t || argo_time_parse_why(t, &b.ts, &why) != 0) {
        reject(f, "stream message %lld item %zu: %s bar: \"t\" %s%s", (long long)msgno, i, sym,
               t ? "is " : "is missing", t ? (why ? why : "not a time") : "");
        return;
    }
    if (b.ts % 60 != 0) {
        reject(f, "stream message %lld item %zu: %s bar at %s: not a whole minute",
               (long long)msgno, i, sym, t);
        return;
    }
    if (!num(o, "o", &b.open) || !num(o, "h", &b.high) || !num(o, "l", &b.low) ||
        !num(o, "c", &b.close) || !num(o, "v", &b.volume)) {
        reject(f, "stream message %lld item %zu: %s bar at %s: o, h, l, c and v must be numbers",
               (long long)msgno, i, sym, t);
        return;
    }
    argo_err e = {0};
    argo_bar_fault fault;
    if (argo_bar_validate(&b, &fault, &e) != 0) {
        reject(f, "stream message %lld item %zu: %s bar at %s: %s", (long long)msgno, i, sym, t,
               e.msg);
        return;
    }
    atomic_fetch_add(&f->bars, 1);
    if (!f->stopping && f->cb.on_bar)
        f->cb.on_bar(f->cb.ctx, sym, &b);
}

/* An error message: FAILED for the codes no retry cures, else a reconnect.
 * Returns -1 when the connection is to be closed. */
static int on_error_msg(argo_feed *f, const json_t *o)
{
    json_int_t code = json_integer_value(json_object_get(o, "code"));
    const char *msg = json_string_value(json_object_get(o, "msg"));
    char line[ARGO_ERR_MSG_MAX];
    snprintf(line, sizeof line, "%s: error %lld: %.200s", f->url, (long long)code,
             msg ? msg : "(no message)");
    if (code == 402 || code == 405 || code == 409 || code == 410) {
        f->failed = true;
        set_state(f, ARGO_FEED_FAILED, line);
        return -1;
    }
    snprintf(f->close_why, sizeof f->close_why, "%s", line);
    return -1;
}

/* One whole message. Returns -1 to close the connection. */
static int on_message(argo_feed *f, const char *text, size_t len)
{
    int64_t msgno = atomic_fetch_add(&f->messages, 1) + 1;
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        reject(f, "stream message %lld: bad JSON at line %d column %d: %.120s", (long long)msgno,
               je.line, je.column, je.text);
        return 0;
    }
    if (!json_is_array(doc)) {
        reject(f, "stream message %lld: not a JSON array", (long long)msgno);
        json_decref(doc);
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size(doc); i++) {
        const json_t *o = json_array_get(doc, i);
        const char *T = json_string_value(json_object_get(o, "T"));
        if (!T) {
            reject(f, "stream message %lld item %zu: not an object with a type \"T\"",
                   (long long)msgno, i);
            continue;
        }
        if (strcmp(T, "b") == 0) {
            on_bar_msg(f, o, msgno, i);
        } else if (strcmp(T, "success") == 0) {
            const char *m = json_string_value(json_object_get(o, "msg"));
            if (m && strcmp(m, "connected") == 0 && f->phase == P_WELCOME) {
                f->phase = P_AUTH;
                rc = send_auth(f);
            } else if (m && strcmp(m, "authenticated") == 0 && f->phase <= P_AUTH) {
                f->phase = P_SUBSCRIBE;
                rc = send_subscribe(f);
            }
            if (rc)
                snprintf(f->close_why, sizeof f->close_why, "out of memory");
            else if (f->tx_len && f->wsi)
                lws_callback_on_writable(f->wsi);
        } else if (strcmp(T, "subscription") == 0) {
            if (f->phase == P_SUBSCRIBE) {
                f->phase = P_LIVE;
                f->attempt = 0;
                char line[ARGO_ERR_MSG_MAX];
                snprintf(line, sizeof line, "subscribed to the bars of %zu symbols at %s",
                         f->nsymbols, f->url);
                set_state(f, ARGO_FEED_LIVE, line);
            }
        } else if (strcmp(T, "error") == 0) {
            rc = on_error_msg(f, o);
        } /* trades, quotes and the rest: not asked for, ignored */
    }
    json_decref(doc);
    return rc;
}

static int on_receive(argo_feed *f, struct lws *wsi, const void *in, size_t len)
{
    f->last_rx = mono();
    if (!f->rx_skip) {
        if (len > ARGO_FEED_MESSAGE_MAX - f->rx_len) {
            f->rx_skip = true;
            f->rx_len = 0;
        } else {
            if (f->rx_len + len + 1 > f->rx_cap) {
                size_t cap = f->rx_cap ? f->rx_cap : 4096;
                while (cap < f->rx_len + len + 1)
                    cap *= 2;
                unsigned char *p = realloc(f->rx, cap);
                if (!p) {
                    snprintf(f->close_why, sizeof f->close_why, "out of memory");
                    return -1;
                }
                f->rx = p;
                f->rx_cap = cap;
            }
            memcpy(f->rx + f->rx_len, in, len);
            f->rx_len += len;
        }
    }
    if (!lws_is_final_fragment(wsi))
        return 0;
    int rc = 0;
    if (f->rx_skip) {
        atomic_fetch_add(&f->messages, 1);
        reject(f, "stream message %lld: larger than %d bytes, dropped",
               (long long)atomic_load(&f->messages), ARGO_FEED_MESSAGE_MAX);
    } else {
        f->rx[f->rx_len] = 0;
        rc = on_message(f, (const char *)f->rx, f->rx_len);
    }
    f->rx_len = 0;
    f->rx_skip = false;
    return rc;
}

static int cb_feed(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                   size_t len)
{
    (void)user;
    struct lws_context *ctx = lws_get_context(wsi);
    argo_feed *f = ctx ? lws_context_user(ctx) : NULL;
    if (!f)
        return 0;
    if (f->wsi && wsi != f->wsi && reason != LWS_CALLBACK_EVENT_WAIT_CANCELLED)
        return 0; /* a connection already given up */
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char why[256];
        snprintf(why, sizeof why, "cannot connect to %s: %.150s", f->url,
                 in ? (const char *)in : "connection failed");
        if (f->close_why[0])
            snprintf(why, sizeof why, "%s", f->close_why);
        lost(f, why);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        f->wsi = wsi;
        f->last_rx = mono();
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (!f->have_conn)
            return -1;
        return on_receive(f, wsi, in, len);
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        f->last_rx = mono();
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (!f->have_conn)
            return -1;
        if (f->tx_len) {
            int n = lws_write(wsi, f->tx + LWS_PRE, f->tx_len, LWS_WRITE_TEXT);
            wipe(f->tx, f->tx_cap);
            bool whole = n >= 0 && (size_t)n >= f->tx_len;
            f->tx_len = 0;
            if (!whole) {
                snprintf(f->close_why, sizeof f->close_why, "%s: a write failed", f->url);
                return -1;
            }
        } else if (f->ping_due) {
            unsigned char ping[LWS_PRE + 1];
            f->ping_due = false;
            if (lws_write(wsi, ping + LWS_PRE, 0, LWS_WRITE_PING) < 0)
                return -1;
        }
        if (f->ping_due)
            lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (wsi == f->wsi) /* gone without CLIENT_CLOSED (closed while connecting) */
            lost(f, f->close_why[0] ? f->close_why : "the connection ended");
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED: {
        char why[ARGO_ERR_MSG_MAX];
        snprintf(why, sizeof why, "%s", f->close_why[0] ? f->close_why : "");
        if (!why[0])
            snprintf(why, sizeof why, "%s closed the connection", f->url);
        lost(f, why);
        return 0;
    }
    default:
        return 0;
    }
}

/* ---- the thread, start and stop ---- */

static void *feed_main(void *arg)
{
    argo_feed *f = arg;
    lws_sul_schedule(f->ctx, 0, &f->sul_connect, on_connect, 1);
    lws_sul_schedule(f->ctx, 0, &f->sul_tick, on_tick, TICK_US);
    while (!atomic_load(&f->stop))
        if (lws_service(f->ctx, 0) < 0)
            break;
    f->stopping = true;
    lws_sul_cancel(&f->sul_connect);
    lws_sul_cancel(&f->sul_tick);
    return NULL;
}

static void feed_free(argo_feed *f)
{
    if (!f)
        return;
    if (f->ctx)
        lws_context_destroy(f->ctx);
    for (size_t i = 0; i < f->nsymbols; i++)
        free(f->symbols[i]);
    free(f->symbols);
    free(f->rx);
    if (f->tx)
        wipe(f->tx, f->tx_cap);
    free(f->tx);
    wipe(f->key, sizeof f->key);
    wipe(f->secret, sizeof f->secret);
    free(f);
}

/* Cuts f->url into scheme, host, port and path. */
static int parse_url(argo_feed *f, argo_err *err)
{
    snprintf(f->urlbuf, sizeof f->urlbuf, "%s", f->url);
    const char *prot = NULL, *ads = NULL, *path = NULL;
    int port = 0;
    bool ws = strncmp(f->url, "ws://", 5) == 0, wss = strncmp(f->url, "wss://", 6) == 0;
    if ((!ws && !wss) || lws_parse_uri(f->urlbuf, &prot, &ads, &port, &path) || !ads || !*ads)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] stream_url '%s': expected ws://HOST[:PORT]/PATH or "
                            "wss://HOST[:PORT]/PATH",
                            f->url);
    f->tls = wss;
    f->host = ads;
    /* lws_parse_uri gives 80 for an unknown scheme: ws:// is 80, wss:// 443 */
    const char *colon = strchr(f->url + (wss ? 6 : 5), ':');
    const char *slash = strchr(f->url + (wss ? 6 : 5), '/');
    bool explicit_port = colon && (!slash || colon < slash);
    f->port = explicit_port ? port : wss ? 443 : 80;
    snprintf(f->pathbuf, sizeof f->pathbuf, "/%s", path ? path : "");
    return 0;
}

int argo_feed_start(argo_provider *p, const char *const *symbols, size_t nsymbols,
                    const argo_feed_callbacks *cb, argo_feed **out, argo_err *err)
{
    *out = NULL;
    if (!p || !cb || (nsymbols && !symbols))
        return argo_err_set(err, ARGO_EINVAL, "stream: NULL argument");
    if (p->cfg.kind != ARGO_PROVIDER_ALPACA)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] kind: only alpaca has a stream (this provider polls)");
    if (nsymbols == 0 || nsymbols > ARGO_SYMBOLS_MAX)
        return argo_err_set(err, ARGO_EINVAL, "stream: %zu symbols (1 to %d allowed)", nsymbols,
                            ARGO_SYMBOLS_MAX);
    argo_feed *f = calloc(1, sizeof *f);
    if (!f)
        return argo_err_set(err, ARGO_ENOMEM, "stream: out of memory");
    snprintf(f->url, sizeof f->url, "%s", p->cfg.stream_url);
    snprintf(f->key, sizeof f->key, "%s", p->key_id);
    snprintf(f->secret, sizeof f->secret, "%s", p->secret_key);
    f->policy = p->cfg.http;
    f->cb = *cb;
    f->state = ARGO_FEED_CONNECTING;
    int rc = parse_url(f, err);
    if (rc)
        goto fail;
    f->symbols = calloc(nsymbols, sizeof *f->symbols);
    if (!f->symbols) {
        rc = argo_err_set(err, ARGO_ENOMEM, "stream: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < nsymbols; i++) {
        size_t l = symbols[i] ? strlen(symbols[i]) : 0;
        if (l == 0 || l >= ARGO_SYMBOL_MAX) {
            rc = argo_err_set(err, ARGO_EINVAL, "stream: symbol %zu is empty or over %d bytes",
                              i + 1, ARGO_SYMBOL_MAX - 1);
            goto fail;
        }
        if (!(f->symbols[f->nsymbols++] = strdup(symbols[i]))) {
            rc = argo_err_set(err, ARGO_ENOMEM, "stream: out of memory");
            goto fail;
        }
    }
    qsort(f->symbols, f->nsymbols, sizeof *f->symbols, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < f->nsymbols; i++) {
        if (u && strcmp(f->symbols[u - 1], f->symbols[i]) == 0)
            free(f->symbols[i]);
        else
            f->symbols[u++] = f->symbols[i];
    }
    f->nsymbols = u;

    f->protocols[0] = (struct lws_protocols){.name = "argo-feed", .callback = cb_feed};
    struct lws_context_creation_info ci;
    memset(&ci, 0, sizeof ci);
    ci.port = CONTEXT_PORT_NO_LISTEN;
    ci.protocols = f->protocols;
    ci.user = f;
    ci.options = f->tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0;
    ci.count_threads = 1;
    f->ctx = lws_create_context(&ci);
    if (!f->ctx) {
        rc = argo_err_set(err, ARGO_ENOMEM, "stream: cannot start libwebsockets");
        goto fail;
    }
    if (pthread_create(&f->tid, NULL, feed_main, f)) {
        rc = argo_err_set(err, ARGO_ENOMEM, "stream: cannot start its thread");
        goto fail;
    }
    f->started = true;
    *out = f;
    return 0;
fail:
    feed_free(f);
    return rc;
}

void argo_feed_stop(argo_feed *f)
{
    if (!f)
        return;
    if (f->started) {
        atomic_store(&f->stop, true);
        lws_cancel_service(f->ctx);
        pthread_join(f->tid, NULL);
    }
    f->stopping = true;
    feed_free(f); /* destroying the context closes the connection */
}

void argo_feed_get_stats(argo_feed *f, argo_feed_stats *out)
{
    out->messages = atomic_load(&f->messages);
    out->bars = atomic_load(&f->bars);
    out->rejected = atomic_load(&f->rejected);
    out->reconnects = atomic_load(&f->reconnects);
}
