/* SPDX-License-Identifier: MIT */
/*
 * server/stream.c - the WebSocket stream /api/v1/stream (server/stream.h).
 *
 * Everything here runs on the service thread except a resume job's run
 * (a reader thread), which only reads the store and builds frames for
 * the job it owns.
 *
 * Fan-out: an event is serialised once, as a complete WebSocket text
 * frame (header and payload), into a refcounted message kept in one
 * ring shared by every client (the events of the last queue_max
 * publishes at most); a client holds only its position in the ring.
 * A writable client is handed as many whole frames as pass its filter
 * and fit in ARGO_WS_BATCH_MAX, in one write (lws_write LWS_WRITE_RAW:
 * the frames are already framed), so a client that keeps up costs one
 * send per batch, not one per event, and no memory per event. A client
 * whose position is more than queue_max events behind the newest is
 * closed with 4000 and where to resume from.
 *
 * Each client also has a small private queue ahead of the ring: its
 * own messages (acknowledgements, errors) and, while it resumes, the
 * events read from the store. Its ring position is fixed when it
 * subscribes, so the live events published while the store is read
 * wait in the ring; once the backlog is through, those with a seq the
 * backlog already gave are skipped (no gap, no duplicate).
 *
 * Sequence bookkeeping of one client: `seen` is the newest seq written
 * or filtered out (every event <= seen is decided), `sent` the newest
 * written. Where it resumes from (close reasons, heartbeats) is `sent`
 * while events of its private queue wait, else `seen`.
 */
#include "server/stream.h"

#include "app/query.h"
#include "base/limits.h"

#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum { CH_SIGNALS = 1, CH_OUTCOMES = 2, CH_BARS = 4, CH_HEALTH = 8, CH_ALL = 15 };

static const char *const channel_names[] = {"signals", "outcomes", "bars", "health"};

/* A message for the socket: one complete frame. Shared by refcount
 * (service thread only); seq 0 for a client's own messages (errors,
 * acknowledgements) that are no event. */
typedef struct smsg {
    unsigned refs;
    int64_t seq;
    size_t len;           /* bytes of the frame */
    unsigned char *frame; /* inside buf, after LWS_PRE */
    /* an event's filter fields */
    unsigned chbit;
    bool published;
    double confidence;
    char symbol[ARGO_SYMBOL_MAX];
    unsigned char buf[];
} smsg;

typedef struct filter {
    unsigned channels;
    bool published_only;
    double min_confidence; /* -1: any */
    size_t nsymbols;       /* 0: every symbol */
    char (*symbols)[ARGO_SYMBOL_MAX];
} filter;

typedef struct rjob rjob;

typedef struct client {
    argo_stream *s;
    struct lws *wsi;
    struct client *prev, *next;
    argo_role role;
    bool authed, subscribed, resuming, closing, want_write, ping_due, hb_due;
    bool backlog_more;
    bool close_sent;  /* our close frame is written: wait for the client's */
    bool peer_closed; /* the client closed first: lws answers it */
    int close_code;
    char close_reason[96]; /* a close frame's payload fits 125 bytes */
    char key[ARGO_KEY_LEN + 1];
    size_t keylen;
    int64_t auth_deadline; /* monotonic seconds */
    int64_t next_hb;
    int64_t url_resume; /* resume_from on the URL; -1: none */
    filter f;
    smsg **q; /* the private queue (a ring) */
    size_t qcap, qhead, qn;
    size_t qev;   /* events (seq > 0) in it */
    uint64_t pos; /* the next ring index to consider */
    int64_t seen, sent;
    rjob *job;
    unsigned char *rx; /* the message being received */
    size_t rxn, rxcap;
} client;

typedef struct pss {
    client *c;
} pss;

struct argo_stream {
    argo_stream_confirm_fn confirm; /* may this request upgrade? */
    void *confirm_ctx;
    argo_stream_options opt;
    const argo_keyring *keyring;
    client *head; /* every connection of the protocol */
    size_t nclients;
    uint64_t dropped;
    int64_t last; /* the newest seq published */
    bool shutting_down;
    struct lws_context *ctx;
    lws_sorted_usec_list_t sul; /* one timer: auth deadlines and heartbeats */
    bool sul_on;
    size_t nsub;        /* subscribed clients */
    size_t chan_sub[4]; /* of them, those subscribed to each channel */
    smsg **ring;        /* live events; index i at ring[i & (rcap - 1)] */
    uint64_t rcap;      /* a power of two > queue_max */
    uint64_t rhead, rtail;
    unsigned char *scratch; /* LWS_PRE + ARGO_WS_BATCH_MAX */
};

struct rjob {
    client *c; /* NULL once the client is gone */
    int64_t after;
    size_t limit;
    filter f; /* a copy: the reader thread never touches the client */
    smsg **v;
    size_t n, cap;
    size_t nread;
    int64_t last_read;
    int code;
    char msg[ARGO_ERR_MSG_MAX];
};

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* ---- messages ---- */

/* A frame whose payload is a, then b (nb bytes), then c. */
static smsg *msg_frame3(int64_t seq, const char *a, size_t na, const char *b, size_t nb,
                        const char *c, size_t nc)
{
    size_t n = na + nb + nc;
    size_t hl = n < 126 ? 2 : n < 65536 ? 4 : 10;
    smsg *m = malloc(sizeof *m + LWS_PRE + 10 + n);
    if (!m)
        return NULL;
    m->refs = 1;
    m->seq = seq;
    m->len = hl + n;
    m->frame = m->buf + LWS_PRE + 10 - hl;
    unsigned char *h = m->frame;
    h[0] = 0x81; /* FIN, text */
    if (hl == 2) {
        h[1] = (unsigned char)n;
    } else if (hl == 4) {
        h[1] = 126;
        h[2] = (unsigned char)(n >> 8);
        h[3] = (unsigned char)n;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
    }
    memcpy(h + hl, a, na);
    if (nb)
        memcpy(h + hl + na, b, nb);
    if (nc)
        memcpy(h + hl + na + nb, c, nc);
    return m;
}

static smsg *msg_frame(int64_t seq, const char *payload, size_t n)
{
    return msg_frame3(seq, payload, n, NULL, 0, NULL, 0);
}

static void msg_unref(smsg *m)
{
    if (m && --m->refs == 0)
        free(m);
}

static int channel_bit(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, channel_names[i]) == 0)
            return 1 << i;
    return 0;
}

/* The event frame {"type":"event","seq":N,"channel":C,"logged_at":MS,
 * "data":D}. Any thread. */
static smsg *msg_event(const argo_event *ev)
{
    int bit = channel_bit(ev->channel);
    if (!bit)
        return NULL;
    const char *data = ev->data && ev->data[0] ? ev->data : "{}";
    size_t dn = strlen(data);
    char head[128];
    int hn = snprintf(head, sizeof head,
                      "{\"type\":\"event\",\"seq\":%" PRId64
                      ",\"channel\":\"%s\",\"logged_at\":%" PRId64 ",\"data\":",
                      ev->seq, ev->channel, ev->logged_at);
    if (hn < 0 || (size_t)hn >= sizeof head)
        return NULL;
    smsg *m = msg_frame3(ev->seq, head, (size_t)hn, data, dn, "}", 1);
    if (!m)
        return NULL;
    m->chbit = (unsigned)bit;
    m->published = ev->published;
    m->confidence = ev->confidence;
    snprintf(m->symbol, sizeof m->symbol, "%s", ev->symbol ? ev->symbol : "");
    return m;
}

/* A client's own message from a JSON object (stolen). */
static smsg *msg_json(json_t *o)
{
    if (!o)
        return NULL;
    char *p = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!p)
        return NULL;
    smsg *m = msg_frame(0, p, strlen(p));
    free(p);
    return m;
}

/* ---- filters ---- */

static bool filter_pass(const filter *f, const smsg *m)
{
    if (!(f->channels & m->chbit))
        return false;
    if (f->published_only && !m->published)
        return false;
    if (f->min_confidence >= 0 && (m->chbit == CH_SIGNALS || m->chbit == CH_OUTCOMES) &&
        !(m->confidence >= f->min_confidence))
        return false;
    if (f->nsymbols) {
        for (size_t i = 0; i < f->nsymbols; i++)
            if (strcmp(f->symbols[i], m->symbol) == 0)
                return true;
        return false;
    }
    return true;
}

static void filter_cleanup(filter *f)
{
    free(f->symbols);
    f->symbols = NULL;
    f->nsymbols = 0;
}

static int filter_copy(filter *dst, const filter *src)
{
    *dst = *src;
    dst->symbols = NULL;
    if (src->nsymbols) {
        dst->symbols = malloc(src->nsymbols * sizeof *dst->symbols);
        if (!dst->symbols)
            return ARGO_ENOMEM;
        memcpy(dst->symbols, src->symbols, src->nsymbols * sizeof *dst->symbols);
    }
    return 0;
}

/* ---- one client's queue ---- */

static int64_t resume_point(const client *c)
{
    return c->qev ? c->sent : c->seen;
}

static void want_write(client *c)
{
    if (!c->want_write && c->wsi) {
        c->want_write = true;
        lws_callback_on_writable(c->wsi);
    }
}

static bool q_push(client *c, smsg *m)
{
    if (c->qn == c->qcap) {
        size_t cap = c->qcap ? c->qcap * 2 : 4;
        smsg **v = malloc(cap * sizeof *v);
        if (!v)
            return false;
        for (size_t i = 0; i < c->qn; i++)
            v[i] = c->q[(c->qhead + i) % c->qcap];
        free(c->q);
        c->q = v;
        c->qcap = cap;
        c->qhead = 0;
    }
    m->refs++;
    c->q[(c->qhead + c->qn) % c->qcap] = m;
    c->qn++;
    if (m->seq)
        c->qev++;
    return true;
}

static smsg *q_pop(client *c)
{
    smsg *m = c->q[c->qhead];
    c->qhead = (c->qhead + 1) % c->qcap;
    c->qn--;
    if (m->seq)
        c->qev--;
    return m;
}

static void queues_release(client *c)
{
    while (c->qn)
        msg_unref(q_pop(c));
    free(c->q);
    c->q = NULL;
    c->qcap = c->qhead = 0;
}

static void unsubscribe(client *c)
{
    if (c->subscribed) {
        c->subscribed = false;
        c->s->nsub--;
        for (int i = 0; i < 4; i++)
            if (c->f.channels & (1u << i))
                c->s->chan_sub[i]--;
    }
}

/* Closes c with code and reason once its socket takes a write; kills it
 * if it has not within ARGO_WS_CLOSE_GRACE_S. Drops what it had queued
 * (the reason says where to resume from). */
static void close_later(client *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void close_later(client *c, int code, const char *fmt, ...)
{
    if (c->closing)
        return;
    c->closing = true;
    c->close_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->close_reason, sizeof c->close_reason, fmt, ap);
    va_end(ap);
    queues_release(c);
    unsubscribe(c);
    if (c->wsi) {
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, ARGO_WS_CLOSE_GRACE_S);
        want_write(c);
    }
}

static void send_own(client *c, json_t *o)
{
    smsg *m = msg_json(o);
    if (!m) {
        close_later(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        return;
    }
    if (!c->closing && q_push(c, m))
        want_write(c);
    msg_unref(m);
}

static void send_error(client *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void send_error(client *c, const char *code, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    send_own(c, json_pack("{s:s, s:s, s:s}", "type", "error", "code", code, "message", text));
}

static void drop_behind(client *c)
{
    c->s->dropped++;
    close_later(c, 4000, "behind; resume_from=%" PRId64, resume_point(c));
}

/* ---- resume: the store read on a reader thread ---- */

static void rjob_free(rjob *j)
{
    for (size_t i = 0; i < j->n; i++)
        msg_unref(j->v[i]);
    free(j->v);
    filter_cleanup(&j->f);
    free(j);
}

static int rjob_collect(void *ctx, const argo_event *ev)
{
    rjob *j = ctx;
    j->nread++;
    j->last_read = ev->seq;
    int bit = channel_bit(ev->channel);
    if (!(j->f.channels & (unsigned)bit))
        return 0;
    smsg *m = msg_event(ev);
    if (!m)
        return ARGO_ENOMEM;
    if (!filter_pass(&j->f, m)) {
        msg_unref(m);
        return 0;
    }
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 64;
        smsg **v = realloc(j->v, cap * sizeof *v);
        if (!v) {
            msg_unref(m);
            return ARGO_ENOMEM;
        }
        j->v = v;
        j->cap = cap;
    }
    j->v[j->n++] = m;
    return 0;
}

static void rjob_run(argo_app *app, void *job)
{
    rjob *j = job;
    argo_err err = {0};
    int rc = argo_app_events_after(app, j->after, j->limit, rjob_collect, j, &err);
    if (rc) {
        j->code = rc;
        snprintf(j->msg, sizeof j->msg, "%s", err.msg[0] ? err.msg : argo_strerror(rc));
    }
}

static void rjob_done(void *job, bool cancelled);

static size_t resume_page(const argo_stream *s)
{
    size_t page = s->opt.queue_max / 2;
    if (page > ARGO_WS_RESUME_PAGE)
        page = ARGO_WS_RESUME_PAGE;
    return page ? page : 1;
}

static void resume_submit(client *c)
{
    argo_stream *s = c->s;
    c->backlog_more = false;
    if (!s->opt.work) {
        close_later(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
                    "resume unavailable; resume_from=%" PRId64, resume_point(c));
        return;
    }
    rjob *j = calloc(1, sizeof *j);
    if (!j || filter_copy(&j->f, &c->f)) {
        free(j);
        close_later(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory; resume_from=%" PRId64,
                    resume_point(c));
        return;
    }
    j->c = c;
    j->after = c->seen;
    j->limit = resume_page(s);
    argo_err err = {0};
    if (argo_work_submit(s->opt.work, false, rjob_run, rjob_done, j, &err)) {
        rjob_free(j);
        close_later(c, 1013, "server busy, try again later; resume_from=%" PRId64, resume_point(c));
        return;
    }
    c->job = j;
}

/* The backlog has been read: the live events after it follow, from the
 * ring position the client subscribed at (those the backlog gave are
 * skipped by seq). */
static void resume_finish(client *c)
{
    c->resuming = false;
}

static void rjob_done(void *job, bool cancelled)
{
    rjob *j = job;
    client *c = j->c;
    if (!c) {
        rjob_free(j);
        return;
    }
    c->job = NULL;
    if (cancelled || c->closing) {
        rjob_free(j);
        return;
    }
    if (j->code) {
        close_later(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
                    "store read failed; resume_from=%" PRId64, resume_point(c));
        rjob_free(j);
        return;
    }
    for (size_t i = 0; i < j->n; i++) {
        smsg *m = j->v[i];
        if (m->seq > c->seen) {
            if (!q_push(c, m)) {
                close_later(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
                            "out of memory; resume_from=%" PRId64, resume_point(c));
                rjob_free(j);
                return;
            }
            c->seen = m->seq;
        }
    }
    if (j->nread && j->last_read > c->seen)
        c->seen = j->last_read;
    bool more = j->nread == j->limit;
    rjob_free(j);
    if (more) {
        if (c->qn < resume_page(c->s))
            resume_submit(c);
        else
            c->backlog_more = true;
    } else {
        resume_finish(c);
    }
    want_write(c);
}

/* ---- publishing ---- */

/* Frees the ring's events before index upto (no client needs them). */
static void ring_trim(argo_stream *s, uint64_t upto)
{
    while (s->rhead < upto && s->rhead < s->rtail) {
        msg_unref(s->ring[s->rhead & (s->rcap - 1)]);
        s->rhead++;
    }
    if (s->rhead < upto)
        s->rhead = upto;
}

void argo_stream_publish(argo_stream *s, const argo_event *ev)
{
    assert(s && ev);
    if (ev->seq > s->last)
        s->last = ev->seq;
    if (s->shutting_down || s->nsub == 0) {
        ring_trim(s, s->rtail);
        return;
    }
    /* a channel no client subscribed to costs nothing: the event is not
     * even framed (every client's seq bookkeeping stays right, as a
     * client skips seqs it does not want anyway) */
    int bit = channel_bit(ev->channel);
    int ci = 0;
    while (ci < 4 && bit != 1 << ci)
        ci++;
    if (ci == 4 || s->chan_sub[ci] == 0)
        return;
    smsg *m = msg_event(ev);
    uint64_t idx = s->rtail;
    uint64_t minpos = idx + 1;
    for (client *c = s->head; c; c = c->next) {
        if (!c->subscribed)
            continue;
        if (!m) {
            /* no memory for the frame: who would get it must resume */
            close_later(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
                        "out of memory; resume_from=%" PRId64, resume_point(c));
            continue;
        }
        if (idx + 1 - c->pos > s->opt.queue_max) {
            drop_behind(c);
            continue;
        }
        if (!c->resuming) {
            if (c->pos == idx && !(m->seq > c->seen && filter_pass(&c->f, m))) {
                /* caught up and not for this client: pass it at once */
                c->pos = idx + 1;
                if (m->seq > c->seen)
                    c->seen = m->seq;
            } else {
                want_write(c);
            }
        }
        if (c->pos < minpos)
            minpos = c->pos;
    }
    ring_trim(s, minpos < idx ? minpos : idx);
    if (m && minpos <= idx) {
        s->ring[idx & (s->rcap - 1)] = m;
        s->rtail = idx + 1;
    } else {
        s->rtail = idx + 1;
        s->rhead = s->rtail;
        msg_unref(m);
    }
}

void argo_stream_set_last(argo_stream *s, int64_t seq)
{
    assert(s);
    if (seq > s->last)
        s->last = seq;
}

void argo_stream_set_confirm(argo_stream *s, argo_stream_confirm_fn confirm, void *ctx)
{
    assert(s);
    s->confirm = confirm;
    s->confirm_ctx = ctx;
}

/* Who may stream: stream keys (only that), read keys (beside the REST
 * reads: the dashboard needs one key for both) and admin keys. */
static bool may_stream(argo_role r)
{
    return r == ARGO_ROLE_STREAM || r == ARGO_ROLE_READ || r == ARGO_ROLE_ADMIN;
}

void argo_stream_set_keyring(argo_stream *s, const argo_keyring *k)
{
    assert(s);
    s->keyring = k;
    for (client *c = s->head; c; c = c->next) {
        if (!c->authed || c->closing)
            continue;
        int64_t id = 0;
        argo_role r = k ? argo_keyring_check(k, c->key, c->keylen, &id) : ARGO_ROLE_NONE;
        if (!may_stream(r))
            close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "key revoked; resume_from=%" PRId64,
                        resume_point(c));
    }
}

void argo_stream_shutdown(argo_stream *s)
{
    assert(s);
    s->shutting_down = true;
    for (client *c = s->head; c; c = c->next)
        close_later(c, LWS_CLOSE_STATUS_GOINGAWAY, "going away; resume_from=%" PRId64,
                    c->subscribed ? resume_point(c) : s->last);
}

size_t argo_stream_clients(const argo_stream *s)
{
    return s->nclients;
}

uint64_t argo_stream_dropped(const argo_stream *s)
{
    return s->dropped;
}

uint64_t argo_stream_behind(const argo_stream *s)
{
    uint64_t n = 0;
    for (const client *c = s->head; c; c = c->next)
        if (c->subscribed)
            n += c->qev + (s->rtail - c->pos);
    return n;
}

/* ---- authentication and messages ---- */

static void authenticate(client *c, const char *key, size_t len)
{
    argo_stream *s = c->s;
    int64_t id = 0;
    argo_role r = ARGO_ROLE_NONE;
    if (s->keyring && len <= ARGO_KEY_LEN)
        r = argo_keyring_check(s->keyring, key, len, &id);
    if (r == ARGO_ROLE_NONE) {
        close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "invalid key");
        return;
    }
    if (!may_stream(r)) {
        close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "a %s key may not stream",
                    argo_role_name(r));
        return;
    }
    c->role = r;
    c->authed = true;
    memcpy(c->key, key, len);
    c->key[len] = '\0';
    c->keylen = len;
    c->next_hb = mono_s() + s->opt.heartbeat_s;
}

static bool utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = p[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if (b >= 0xc2 && b <= 0xdf) {
            k = 1;
            cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
            k = 2;
            cp = b & 0x0f;
        } else if (b >= 0xf0 && b <= 0xf4) {
            k = 3;
            cp = b & 0x07;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + j] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

static bool parse_seq(const char *t, int64_t *out)
{
    if (!t || !*t)
        return false;
    int64_t v = 0;
    for (const char *p = t; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return true;
}

static void subscribe(client *c, json_t *o)
{
    argo_stream *s = c->s;
    if (c->subscribed) {
        send_error(c, "already_subscribed", "this connection is subscribed already");
        return;
    }
    filter f = {.channels = CH_ALL, .min_confidence = -1};
    json_t *v = json_object_get(o, "channels");
    if (v && !json_is_null(v)) {
        if (!json_is_array(v) || json_array_size(v) == 0) {
            send_error(c, "bad_subscribe", "channels: expected a non-empty array of names");
            return;
        }
        f.channels = 0;
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            int bit = json_is_string(e) ? channel_bit(json_string_value(e)) : 0;
            if (!bit) {
                send_error(c, "bad_subscribe",
                           "channels[%zu]: expected signals, outcomes, bars or health", i);
                return;
            }
            f.channels |= (unsigned)bit;
        }
    }
    v = json_object_get(o, "min_confidence");
    if (v && !json_is_null(v)) {
        double d = json_is_number(v) ? json_number_value(v) : NAN;
        if (!(d >= 0 && d <= 1)) {
            send_error(c, "bad_subscribe", "min_confidence: expected a number in [0, 1]");
            return;
        }
        f.min_confidence = d;
    }
    int64_t resume = c->url_resume;
    v = json_object_get(o, "resume_from");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            send_error(c, "bad_subscribe", "resume_from: expected an integer >= 0");
            return;
        }
        resume = (int64_t)json_integer_value(v);
    }
    v = json_object_get(o, "symbols");
    if (v && !json_is_null(v)) {
        if (!json_is_array(v) || json_array_size(v) > ARGO_WS_SYMBOLS_MAX) {
            send_error(
                c, "bad_subscribe",
                "symbols: expected an array of at most " ARGO_STR(ARGO_WS_SYMBOLS_MAX) " symbols");
            return;
        }
        size_t n = json_array_size(v);
        if (n) {
            f.symbols = calloc(n, sizeof *f.symbols);
            if (!f.symbols) {
                send_error(c, "internal", "out of memory");
                return;
            }
        }
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            const char *t = json_is_string(e) ? json_string_value(e) : NULL;
            if (!t || !*t || strlen(t) >= ARGO_SYMBOL_MAX) {
                filter_cleanup(&f);
                send_error(c, "bad_subscribe", "symbols[%zu]: expected a symbol of 1 to %d bytes",
                           i, ARGO_SYMBOL_MAX - 1);
                return;
            }
            memcpy(f.symbols[i], t, strlen(t) + 1);
            f.nsymbols++;
        }
    }
    const char *unknown = NULL;
    const char *k;
    json_t *kv;
    json_object_foreach(o, k, kv)
    {
        if (strcmp(k, "type") && strcmp(k, "channels") && strcmp(k, "symbols") &&
            strcmp(k, "min_confidence") && strcmp(k, "resume_from"))
            unknown = k;
    }
    if (unknown) {
        filter_cleanup(&f);
        send_error(c, "bad_subscribe", "unknown field %.64s", unknown);
        return;
    }
    f.published_only = c->role != ARGO_ROLE_ADMIN;
    c->f = f;
    c->subscribed = true;
    s->nsub++;
    for (int i = 0; i < 4; i++)
        if (f.channels & (1u << i))
            s->chan_sub[i]++;
    c->pos = s->rtail;
    json_t *chans = json_array();
    for (int i = 0; i < 4; i++)
        if (f.channels & (1u << i))
            json_array_append_new(chans, json_string(channel_names[i]));
    if (resume >= 0 && resume > s->last) {
        send_error(c, "resume_ahead",
                   "resume_from %" PRId64 " is after the newest event %" PRId64
                   "; streaming from %" PRId64,
                   resume, s->last, s->last);
        resume = -1;
    }
    c->seen = resume >= 0 ? resume : s->last;
    c->sent = c->seen;
    send_own(c, json_pack("{s:s, s:I, s:I, s:o}", "type", "subscribed", "from", (json_int_t)c->seen,
                          "last", (json_int_t)s->last, "channels", chans));
    if (c->seen < s->last) {
        c->resuming = true;
        resume_submit(c);
    }
}

static void on_message(client *c)
{
    if (!utf8_valid(c->rx, c->rxn)) {
        close_later(c, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "invalid UTF-8");
        return;
    }
    json_error_t jerr;
    json_t *o = json_loadb((const char *)c->rx, c->rxn, JSON_REJECT_DUPLICATES, &jerr);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        send_error(c, "bad_message", "expected a JSON object");
        return;
    }
    const char *type = json_string_value(json_object_get(o, "type"));
    if (!type) {
        send_error(c, "bad_message", "missing \"type\"");
    } else if (strcmp(type, "auth") == 0) {
        const char *key = json_string_value(json_object_get(o, "key"));
        if (c->authed)
            send_error(c, "already_authenticated", "this connection is authenticated already");
        else if (!key)
            close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "auth: missing key");
        else
            authenticate(c, key, strlen(key));
        if (c->authed && !c->closing)
            send_own(c, json_pack("{s:s, s:s}", "type", "authenticated", "role",
                                  argo_role_name(c->role)));
    } else if (!c->authed) {
        close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "authenticate first");
    } else if (strcmp(type, "subscribe") == 0) {
        subscribe(c, o);
    } else {
        send_error(c, "unknown_type", "unknown message type %.64s", type);
    }
    json_decref(o);
}

/* ---- the timer: auth deadlines and heartbeats ---- */

static void tick(lws_sorted_usec_list_t *sul)
{
    argo_stream *s = lws_container_of(sul, argo_stream, sul);
    int64_t now = mono_s();
    s->sul_on = false;
    for (client *c = s->head; c; c = c->next) {
        if (c->closing)
            continue;
        if (!c->authed) {
            if (now >= c->auth_deadline)
                close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                            "no key within " ARGO_STR(ARGO_WS_AUTH_TIMEOUT_S) " s");
            continue;
        }
        if (now >= c->next_hb) {
            c->next_hb = now + c->s->opt.heartbeat_s;
            c->ping_due = true;
            c->hb_due = c->subscribed;
            want_write(c);
        }
    }
    if (s->head && s->ctx) {
        lws_sul_schedule(s->ctx, 0, &s->sul, tick, LWS_US_PER_SEC);
        s->sul_on = true;
    }
}

/* ---- writing ---- */

/* A frame of opcode op whose payload, a then b, is under 126 bytes (a
 * ping, a heartbeat, a close), at out; returns its length. */
static size_t small_frame(unsigned char *out, unsigned char op, const void *a, size_t na,
                          const void *b, size_t nb)
{
    assert(na + nb < 126);
    out[0] = (unsigned char)(0x80 | op); /* FIN */
    out[1] = (unsigned char)(na + nb);
    if (na)
        memcpy(out + 2, a, na);
    if (nb)
        memcpy(out + 2 + na, b, nb);
    return 2 + na + nb;
}

static int on_writable(client *c)
{
    argo_stream *s = c->s;
    c->want_write = false;
    if (c->closing) {
        if (c->peer_closed)
            return -1; /* lws echoes the client's close */
        if (c->close_sent)
            return 0;
        /* The close frame is written like the events, behind them, and
         * the connection stays open until the client answers it (or the
         * close grace of close_later passes). lws's own close (a reason
         * and -1) gives up 5 s after queueing its frame and then resets
         * a connection whose client has not read everything yet, which
         * loses the frame that says where to resume. */
        unsigned char *f = s->scratch + LWS_PRE;
        unsigned char code[2] = {(unsigned char)(c->close_code >> 8),
                                 (unsigned char)(c->close_code & 0xff)};
        size_t fn = small_frame(f, 0x8, code, 2, c->close_reason, strlen(c->close_reason));
        c->close_sent = true;
        return lws_write(c->wsi, f, fn, LWS_WRITE_RAW) < 0 ? -1 : 0;
    }
    unsigned char *out = s->scratch + LWS_PRE;
    size_t n = 0;
    if (c->ping_due) {
        n += small_frame(out + n, 0x9, NULL, 0, NULL, 0); /* an empty ping */
        c->ping_due = false;
    }
    if (c->hb_due) {
        char t[80];
        int tn =
            snprintf(t, sizeof t, "{\"type\":\"heartbeat\",\"seq\":%" PRId64 "}", resume_point(c));
        n += small_frame(out + n, 0x1, t, (size_t)tn, NULL, 0);
        c->hb_due = false;
    }
    /* the private queue first, then (unless resuming) the ring */
    smsg *big = NULL; /* a frame bigger than a batch: written from its buffer */
    while (c->qn) {
        smsg *m = c->q[c->qhead];
        if (n + m->len > ARGO_WS_BATCH_MAX) {
            if (n == 0)
                big = q_pop(c);
            break;
        }
        memcpy(out + n, m->frame, m->len);
        n += m->len;
        if (m->seq)
            c->sent = m->seq;
        msg_unref(q_pop(c));
    }
    if (!big && !c->qn && !c->resuming && c->subscribed) {
        if (c->pos < s->rhead) { /* cannot happen: such a client is dropped first */
            drop_behind(c);
            return 0;
        }
        while (c->pos < s->rtail) {
            smsg *m = s->ring[c->pos & (s->rcap - 1)];
            if (m->seq <= c->seen || !filter_pass(&c->f, m)) {
                if (m->seq > c->seen)
                    c->seen = m->seq;
                c->pos++;
                continue;
            }
            if (n + m->len > ARGO_WS_BATCH_MAX) {
                if (n == 0) {
                    big = m;
                    m->refs++;
                    c->seen = c->sent = m->seq;
                    c->pos++;
                }
                break;
            }
            memcpy(out + n, m->frame, m->len);
            n += m->len;
            c->seen = c->sent = m->seq;
            c->pos++;
        }
    }
    if (big) {
        int w = lws_write(c->wsi, big->frame, big->len, LWS_WRITE_RAW);
        if (big->seq)
            c->sent = big->seq;
        msg_unref(big);
        if (w < 0)
            return -1;
    } else if (n && lws_write(c->wsi, out, n, LWS_WRITE_RAW) < 0) {
        return -1;
    }
    if (c->backlog_more && !c->job && c->qn < resume_page(s))
        resume_submit(c);
    if (c->qn || (c->closing && !c->close_sent) ||
        (!c->resuming && c->subscribed && c->pos < s->rtail))
        want_write(c);
    return 0;
}

/* ---- the protocol callback ---- */

static void client_free(client *c)
{
    argo_stream *s = c->s;
    if (c->job)
        c->job->c = NULL;
    queues_release(c);
    unsubscribe(c);
    free(c->rx);
    filter_cleanup(&c->f);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->nclients--;
    if (!s->head && s->sul_on) {
        lws_sul_cancel(&s->sul);
        s->sul_on = false;
    }
    memset(c->key, 0, sizeof c->key);
    free(c);
}

static int on_established(argo_stream *s, struct lws *wsi, pss *p)
{
    client *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->s = s;
    c->wsi = wsi;
    c->url_resume = -1;
    c->auth_deadline = mono_s() + ARGO_WS_AUTH_TIMEOUT_S;
    c->next = s->head;
    if (s->head)
        s->head->prev = c;
    s->head = c;
    s->nclients++;
    p->c = c;
    if (!s->ctx)
        s->ctx = lws_get_context(wsi);
    if (!s->sul_on) {
        lws_sul_schedule(s->ctx, 0, &s->sul, tick, LWS_US_PER_SEC);
        s->sul_on = true;
    }
    if (s->shutting_down) {
        close_later(c, LWS_CLOSE_STATUS_GOINGAWAY, "going away; resume_from=%" PRId64, s->last);
        return 0;
    }
    if (s->nclients > s->opt.clients_max) {
        close_later(c, 1013, "too many stream clients, try again later");
        return 0;
    }
    char arg[48];
    /* lws returns the value after the name, inside arg */
    const char *val = lws_get_urlarg_by_name(wsi, "resume_from=", arg, (int)sizeof arg);
    if (val) {
        int64_t v;
        if (!parse_seq(val, &v)) {
            close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                        "resume_from: expected an integer >= 0");
            return 0;
        }
        c->url_resume = v;
    }
    int len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (len > 0) {
        char h[128];
        if (len >= (int)sizeof h ||
            lws_hdr_copy(wsi, h, (int)sizeof h, WSI_TOKEN_HTTP_AUTHORIZATION) < 0 ||
            strncasecmp(h, "Bearer ", 7) != 0) {
            close_later(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
                        "Authorization: expected Bearer and a key");
            return 0;
        }
        const char *k = h + 7;
        while (*k == ' ')
            k++;
        size_t kl = strlen(k);
        while (kl && k[kl - 1] == ' ')
            kl--;
        authenticate(c, k, kl);
        memset(h, 0, sizeof h);
    }
    return 0;
}

static int on_receive(client *c, struct lws *wsi, const void *in, size_t len)
{
    if (c->closing)
        return 0;
    if (lws_frame_is_binary(wsi)) {
        close_later(c, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, "binary messages are not accepted");
        return 0;
    }
    if (c->rxn + len > ARGO_WS_MESSAGE_MAX) {
        close_later(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                    "message over " ARGO_STR(ARGO_WS_MESSAGE_MAX) " bytes");
        free(c->rx);
        c->rx = NULL;
        c->rxn = c->rxcap = 0;
        return 0;
    }
    if (c->rxn + len > c->rxcap) {
        size_t cap = c->rxcap ? c->rxcap : 256;
        while (cap < c->rxn + len)
            cap *= 2;
        if (cap > ARGO_WS_MESSAGE_MAX)
            cap = ARGO_WS_MESSAGE_MAX;
        unsigned char *b = realloc(c->rx, cap);
        if (!b) {
            close_later(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
            return 0;
        }
        c->rx = b;
        c->rxcap = cap;
    }
    if (len)
        memcpy(c->rx + c->rxn, in, len);
    c->rxn += len;
    if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
        on_message(c);
        free(c->rx);
        c->rx = NULL;
        c->rxn = c->rxcap = 0;
    }
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    const struct lws_protocols *proto = lws_get_protocol(wsi);
    argo_stream *s = proto ? proto->user : NULL;
    pss *p = user;
    client *c = p ? p->c : NULL;
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return s && s->confirm ? s->confirm(s->confirm_ctx, wsi, in) : 0;
    case LWS_CALLBACK_ESTABLISHED:
        if (!s || !p)
            return -1;
        return on_established(s, wsi, p);
    case LWS_CALLBACK_RECEIVE:
        return c ? on_receive(c, wsi, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? on_writable(c) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (!c)
            return 0;
        if (c->close_sent)
            return -1;         /* the answer to ours: close, nothing to echo */
        c->peer_closed = true; /* lws answers the close itself */
        if (!c->closing) {
            c->closing = true;
            c->close_code = LWS_CLOSE_STATUS_NORMAL;
            queues_release(c);
            unsubscribe(c);
        }
        return 0;
    case LWS_CALLBACK_CLOSED:
        if (c) {
            c->wsi = NULL;
            client_free(c);
            p->c = NULL;
        }
        return 0;
    default:
        return 0;
    }
}

void argo_stream_protocol(argo_stream *s, struct lws_protocols *p)
{
    assert(s && p);
    memset(p, 0, sizeof *p);
    p->name = "argo-stream";
    p->callback = callback;
    p->per_session_data_size = sizeof(pss);
    /* lws hands a message over in chunks of at most this; on_receive
     * joins them (up to ARGO_WS_MESSAGE_MAX). Small, as lws keeps one
     * such buffer per connection. */
    p->rx_buffer_size = 1024;
    /* lws cuts a write into pieces of this (rx_buffer_size when 0): a
     * whole batch goes to the socket in one send */
    p->tx_packet_size = ARGO_WS_BATCH_MAX;
    p->user = s;
}

int argo_stream_new(const argo_stream_options *opt, argo_stream **out, argo_err *err)
{
    assert(opt && out);
    *out = NULL;
    if (opt->queue_max < 1 || opt->heartbeat_s < 1 || opt->clients_max < 1)
        return argo_err_set(err, ARGO_EINVAL,
                            "stream: queue_max, heartbeat_s and clients_max must be >= 1");
    argo_stream *s = calloc(1, sizeof *s);
    if (!s)
        return argo_err_set(err, ARGO_ENOMEM, "stream: out of memory");
    s->opt = *opt;
    s->rcap = 16;
    while (s->rcap <= opt->queue_max)
        s->rcap *= 2;
    s->scratch = malloc(LWS_PRE + ARGO_WS_BATCH_MAX);
    s->ring = malloc(s->rcap * sizeof *s->ring);
    if (!s->scratch || !s->ring) {
        free(s->scratch);
        free(s->ring);
        free(s);
        return argo_err_set(err, ARGO_ENOMEM, "stream: out of memory");
    }
    *out = s;
    return 0;
}

void argo_stream_free(argo_stream *s)
{
    if (!s)
        return;
    while (s->head) {
        client *c = s->head;
        c->wsi = NULL;
        client_free(c);
    }
    if (s->sul_on)
        lws_sul_cancel(&s->sul);
    ring_trim(s, s->rtail);
    free(s->ring);
    free(s->scratch);
    free(s);
}
