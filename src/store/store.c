/* SPDX-License-Identifier: MIT */
/*
 * store/store.c - picks the backend from the URL, checks the rules every
 * backend shares (store.h: a handle is given, no store call from inside
 * a scan callback, commit and lock only inside a transaction, lock
 * names) and forwards every call to the backend's table.
 */
#include "store/store_int.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

/* The rule of store.h: a scan callback makes no store call. */
#define CHECK(st, err)                                                                             \
    do {                                                                                           \
        assert(st);                                                                                \
        if ((st)->scanning)                                                                        \
            return mid_scan(err);                                                                  \
    } while (0)

static int mid_scan(argo_err *err)
{
    return argo_err_set(err, ARGO_EINVAL,
                        "store call from inside a scan callback (collect the rows, then act)");
}

static bool prefixed(const char *s, const char *p)
{
    return !strncmp(s, p, strlen(p));
}

const char *argo_store_url_masked(const char *url, char *buf, size_t n)
{
    assert(url && buf && n > 0);
    char *out = buf, *end = buf + n - 1;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        char put_c = (c); /* evaluated even when the buffer is full */                             \
        if (out < end)                                                                             \
            *out++ = put_c;                                                                        \
    } while (0)
    const char *p = url;
    bool pg = prefixed(url, "postgres://") || prefixed(url, "postgresql://");
    if (pg) {
        const char *auth = strstr(url, "://") + 3;
        size_t hostlen = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', hostlen);
        for (const char *q = auth + hostlen; q > auth; q--) /* the last '@' ends the user info */
            if (q[-1] == '@') {
                at = q - 1;
                break;
            }
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        while (p < (colon ? colon + 1 : auth))
            PUT(*p++);
        if (colon) {
            for (const char *m = "***"; *m; m++)
                PUT(*m);
            p = at;
        }
    }
    while (*p) {
        /* password=VALUE as a query parameter (or a key=value word) */
        bool start = p == url || p[-1] == '?' || p[-1] == '&' || p[-1] == ' ';
        if (start && !strncmp(p, "password=", 9)) {
            for (int k = 0; k < 9; k++)
                PUT(*p++);
            for (const char *m = "***"; *m; m++)
                PUT(*m);
            p += strcspn(p, pg ? "&#" : " &");
            continue;
        }
        PUT(*p++);
    }
#undef PUT
    *out = 0;
    return buf;
}

int argo_store_open(const char *url, const argo_store_options *opt, argo_store **out, argo_err *err)
{
    assert(out);
    *out = NULL;
    if (!url || !*url)
        return argo_err_set(err, ARGO_EINVAL, "no database path given");
    if (prefixed(url, "postgres://") || prefixed(url, "postgresql://"))
        return argo_store_pg_open(url, opt, out, err);
    const char *path = prefixed(url, "sqlite:") ? url + 7 : url;
    if (!*path)
        return argo_err_set(err, ARGO_EINVAL, "database %s: no path after 'sqlite:'", url);
    return argo_store_sqlite_open(path, opt, out, err);
}

void argo_store_close(argo_store *st)
{
    if (!st)
        return;
    assert(!st->scanning);
    st->ops->close(st);
}

int argo_store_begin(argo_store *st, argo_err *err)
{
    CHECK(st, err);
    assert(!st->in_txn);
    int rc = st->ops->begin(st, err);
    st->in_txn = rc == ARGO_OK;
    return rc;
}

int argo_store_commit(argo_store *st, argo_err *err)
{
    CHECK(st, err);
    assert(st->in_txn);
    int rc = st->ops->commit(st, err);
    if (rc == ARGO_OK)
        st->in_txn = false;
    return rc;
}

void argo_store_rollback(argo_store *st)
{
    assert(st && !st->scanning);
    st->ops->rollback(st);
    st->in_txn = false;
}

/* A lock or hold name: 1 to ARGO_STORE_LOCK_NAME_MAX letters, digits, _ - or . */
static int check_lock_name(const char *what, const char *name, argo_err *err)
{
    size_t n = strlen(name);
    bool ok = n > 0 && n <= ARGO_STORE_LOCK_NAME_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || strchr("_-.", name[i]);
    if (!ok)
        return argo_err_set(err, ARGO_EINVAL,
                            "store %s name '%.*s' is not 1 to %d letters, digits, _ - or .", what,
                            ARGO_STORE_LOCK_NAME_MAX, name, ARGO_STORE_LOCK_NAME_MAX);
    return ARGO_OK;
}

int argo_store_lock(argo_store *st, const char *name, argo_err *err)
{
    CHECK(st, err);
    assert(name);
    assert(st->in_txn);
    int rc = check_lock_name("lock", name, err);
    return rc ? rc : st->ops->lock(st, name, err);
}

int argo_store_symbol_id(argo_store *st, const char *name, bool create, int64_t *id, argo_err *err)
{
    CHECK(st, err);
    assert(name && id);
    size_t n = strlen(name);
    if (n == 0 || n >= ARGO_SYMBOL_MAX)
        return argo_err_set(err, ARGO_EDATA, "symbol '%s': must be 1 to %d characters", name,
                            ARGO_SYMBOL_MAX - 1);
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("._-^=", name[i]))
            return argo_err_set(err, ARGO_EDATA,
                                "symbol '%s': only letters, digits and . _ - ^ = allowed", name);
    return st->ops->symbol_id(st, name, create, id, err);
}

int argo_store_symbols(argo_store *st, argo_symbol **list, size_t *n, argo_err *err)
{
    CHECK(st, err);
    assert(list && n);
    return st->ops->symbols(st, list, n, err);
}

int argo_store_bars_scan_window(argo_store *st, int64_t after, int64_t to, argo_bar_fn fn,
                                void *ctx, argo_err *err)
{
    CHECK(st, err);
    assert(fn);
    st->scanning++;
    int rc = st->ops->bars_scan_window(st, after, to, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_bars_put_flags(argo_store *st, int64_t sym, const argo_bar *bars, size_t n,
                              bool *new_flags, argo_bars_put_result *res, argo_err *err)
{
    argo_bars_put_result local;
    if (!res)
        res = &local;
    *res = (argo_bars_put_result){0};
    CHECK(st, err);
    assert(bars || n == 0);
    return n ? st->ops->bars_put(st, sym, bars, n, new_flags, res, err) : ARGO_OK;
}

int argo_store_bars_put(argo_store *st, int64_t sym, const argo_bar *bars, size_t n,
                        argo_bars_put_result *res, argo_err *err)
{
    return argo_store_bars_put_flags(st, sym, bars, n, NULL, res, err);
}

int argo_store_bars_scan(argo_store *st, int64_t sym, int64_t after, int64_t to, argo_bar_fn fn,
                         void *ctx, argo_err *err)
{
    CHECK(st, err);
    assert(fn);
    st->scanning++;
    int rc = st->ops->bars_scan(st, sym, after, to, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_bars_scan_all(argo_store *st, int64_t to, argo_bar_fn fn, void *ctx, argo_err *err)
{
    CHECK(st, err);
    assert(fn);
    st->scanning++;
    int rc = st->ops->bars_scan_all(st, to, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_bars_count(argo_store *st, int64_t to, int64_t *n, argo_err *err)
{
    CHECK(st, err);
    assert(n);
    return st->ops->bars_count(st, to, n, err);
}

int argo_store_signals_insert(argo_store *st, argo_signal *sigs, size_t n, argo_err *err)
{
    CHECK(st, err);
    assert(sigs || n == 0);
    return n ? st->ops->signals_insert(st, sigs, n, err) : ARGO_OK;
}

int argo_store_signals_update(argo_store *st, const argo_signal *sigs, size_t n, argo_err *err)
{
    CHECK(st, err);
    assert(sigs || n == 0);
    return n ? st->ops->signals_update(st, sigs, n, err) : ARGO_OK;
}

static int signals_scan(argo_store *st, argo_signal_scan kind, int64_t sym, int64_t from,
                        int64_t to, argo_signal_fn fn, void *ctx, argo_err *err)
{
    CHECK(st, err);
    assert(fn);
    st->scanning++;
    int rc = st->ops->signals_scan(st, kind, sym, from, to, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_signals_open(argo_store *st, int64_t sym, argo_signal_fn fn, void *ctx,
                            argo_err *err)
{
    return signals_scan(st, ARGO_SCAN_OPEN, sym, 0, 0, fn, ctx, err);
}

int argo_store_signals_all(argo_store *st, int64_t sym, argo_signal_fn fn, void *ctx, argo_err *err)
{
    return signals_scan(st, ARGO_SCAN_ALL, sym, 0, 0, fn, ctx, err);
}

int argo_store_signals_made(argo_store *st, int64_t from, int64_t to, argo_signal_fn fn, void *ctx,
                            argo_err *err)
{
    return signals_scan(st, ARGO_SCAN_MADE, 0, from, to, fn, ctx, err);
}

int argo_store_signals_resolved(argo_store *st, int64_t from, int64_t to, argo_signal_fn fn,
                                void *ctx, argo_err *err)
{
    return signals_scan(st, ARGO_SCAN_RESOLVED, 0, from, to, fn, ctx, err);
}

int argo_store_signal_days(argo_store *st, int64_t from, int64_t **days, size_t *n, argo_err *err)
{
    CHECK(st, err);
    assert(days && n);
    *days = NULL;
    *n = 0;
    return st->ops->signal_days(st, from, days, n, err);
}

int argo_store_resolved_scan(argo_store *st, argo_resolved_fn fn, void *ctx, argo_err *err)
{
    CHECK(st, err);
    assert(fn);
    st->scanning++;
    int rc = st->ops->resolved_scan(st, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_signals_reset(argo_store *st, argo_err *err)
{
    CHECK(st, err);
    return st->ops->signals_reset(st, err);
}

int argo_store_state_get(argo_store *st, int64_t sym, unsigned char **blob, size_t *len,
                         argo_err *err)
{
    CHECK(st, err);
    assert(blob && len);
    return st->ops->state_get(st, sym, blob, len, err);
}

int argo_store_state_put(argo_store *st, int64_t sym, const void *blob, size_t len, argo_err *err)
{
    CHECK(st, err);
    assert(blob || len == 0);
    return st->ops->state_put(st, sym, blob, len, err);
}

const char *argo_store_backend(const argo_store *st)
{
    assert(st);
    return st->ops->name;
}

bool argo_store_concurrent(const argo_store *st)
{
    assert(st);
    return st->ops->concurrent;
}

int argo_store_model_insert(argo_store *st, argo_model_row *m, argo_err *err)
{
    CHECK(st, err);
    assert(m && (m->n == 0 || (m->x && m->y)));
    return st->ops->model_insert(st, m, err);
}

int argo_store_model_get(argo_store *st, int64_t version, argo_model_row *out, argo_err *err)
{
    CHECK(st, err);
    assert(out);
    if (version <= 0)
        return argo_err_set(err, ARGO_ENOENT, "no calibration model version %lld",
                            (long long)version);
    return st->ops->model_get(st, version, NULL, 0, out, err);
}

int argo_store_model_latest(argo_store *st, const char *scope, int64_t symbol_id,
                            argo_model_row *out, argo_err *err)
{
    CHECK(st, err);
    assert(scope && out);
    return st->ops->model_get(st, 0, scope, symbol_id, out, err);
}

int argo_store_models_scan(argo_store *st, argo_model_fn fn, void *ctx, argo_err *err)
{
    CHECK(st, err);
    assert(fn);
    st->scanning++;
    int rc = st->ops->models_scan(st, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_outcome_counts(argo_store *st, int64_t before, argo_symbol_count **list, size_t *n,
                              int64_t *total, argo_err *err)
{
    CHECK(st, err);
    assert(list && n && total);
    return st->ops->outcome_counts(st, before, list, n, total, err);
}

int argo_store_outcomes_scan(argo_store *st, int64_t before, argo_outcome_fn fn, void *ctx,
                             argo_err *err)
{
    CHECK(st, err);
    assert(fn);
    st->scanning++;
    int rc = st->ops->outcomes_scan(st, before, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_remote_put(argo_store *st, const argo_remote_object *o, argo_err *err)
{
    CHECK(st, err);
    assert(o);
    return st->ops->remote_put(st, o, err);
}

int argo_store_remote_get(argo_store *st, const char *target, const char *key,
                          argo_remote_object *o, bool *found, argo_err *err)
{
    CHECK(st, err);
    assert(target && key && o && found);
    return st->ops->remote_get(st, target, key, o, found, err);
}

int argo_store_remotes_scan(argo_store *st, const char *target, argo_remote_fn fn, void *ctx,
                            argo_err *err)
{
    CHECK(st, err);
    assert(target && fn);
    st->scanning++;
    int rc = st->ops->remotes_scan(st, target, fn, ctx, err);
    st->scanning--;
    return rc;
}

/* ---- market data from a provider ----------------------------------------- */

/* A cache key: shorter than the row's key array (2048 bytes). */
static int check_cache_key(const char *key, size_t max, argo_err *err)
{
    if (strnlen(key, max) >= max)
        return argo_err_set(err, ARGO_ELIMIT,
                            "HTTP cache key '%.64s...' is %zu bytes or more (the limit is %zu)",
                            key, max, max - 1);
    return ARGO_OK;
}

int argo_store_cache_get(argo_store *st, const char *key, argo_http_cache_row *out, bool *found,
                         argo_err *err)
{
    CHECK(st, err);
    assert(key && out && found);
    *found = false;
    int rc = check_cache_key(key, sizeof out->key, err);
    return rc ? rc : st->ops->cache_get(st, key, out, found, err);
}

int argo_store_cache_put(argo_store *st, const argo_http_cache_row *r, argo_err *err)
{
    CHECK(st, err);
    assert(r);
    if (!memchr(r->key, 0, sizeof r->key))
        return argo_err_set(err, ARGO_ELIMIT,
                            "HTTP cache key '%.64s...' is %zu bytes or more (the limit is %zu)",
                            r->key, sizeof r->key, sizeof r->key - 1);
    if (!memchr(r->etag, 0, sizeof r->etag) ||
        !memchr(r->last_modified, 0, sizeof r->last_modified))
        return argo_err_set(err, ARGO_ELIMIT,
                            "HTTP cache of '%.64s': an ETag or Last-Modified of %zu bytes or more",
                            r->key, sizeof r->etag);
    return st->ops->cache_put(st, r, err);
}

static bool bar_values_finite(const argo_bar *b)
{
    return isfinite(b->open) && isfinite(b->high) && isfinite(b->low) && isfinite(b->close) &&
           isfinite(b->volume);
}

int argo_store_correction_add(argo_store *st, argo_correction *c, bool *added, argo_err *err)
{
    bool local;
    if (!added)
        added = &local;
    *added = false;
    CHECK(st, err);
    assert(c);
    if (!bar_values_finite(&c->stored) || !bar_values_finite(&c->revised))
        return argo_err_set(err, ARGO_EDATA,
                            "correction of symbol id %lld at %lld: a price or volume is not a"
                            " finite number",
                            (long long)c->symbol_id, (long long)c->ts);
    if (!memchr(c->source, 0, sizeof c->source))
        return argo_err_set(err, ARGO_EDATA, "correction source is longer than %zu bytes",
                            sizeof c->source - 1);
    return st->ops->correction_add(st, c, added, err);
}

int argo_store_corrections_scan(argo_store *st, int64_t after_id, argo_correction_fn fn, void *ctx,
                                argo_err *err)
{
    CHECK(st, err);
    assert(fn);
    st->scanning++;
    int rc = st->ops->corrections_scan(st, after_id, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_calls_add(argo_store *st, int64_t day, int64_t n, argo_err *err)
{
    CHECK(st, err);
    if (n < 0)
        return argo_err_set(err, ARGO_EINVAL, "provider calls: %lld is not a count", (long long)n);
    return st->ops->calls_add(st, day, n, err);
}

int argo_store_calls_get(argo_store *st, int64_t day, int64_t *n, argo_err *err)
{
    CHECK(st, err);
    assert(n);
    *n = 0;
    return st->ops->calls_get(st, day, n, err);
}

int argo_store_suppressed_add(argo_store *st, int64_t symbol_id, int64_t ts, int64_t n,
                              argo_err *err)
{
    CHECK(st, err);
    return st->ops->suppressed_add(st, symbol_id, ts, n, err);
}

int argo_store_suppressed_counts(argo_store *st, argo_symbol_count **list, size_t *n,
                                 int64_t *total, argo_err *err)
{
    CHECK(st, err);
    assert(list && n && total);
    return st->ops->suppressed_counts(st, list, n, total, err);
}

/* ---- the event log ------------------------------------------------------- */

static bool known_channel(const char *c)
{
    return !strcmp(c, "signals") || !strcmp(c, "outcomes") || !strcmp(c, "bars") ||
           !strcmp(c, "health");
}

int argo_store_event_append(argo_store *st, const argo_event *ev, int64_t *seq, argo_err *err)
{
    CHECK(st, err);
    assert(ev && ev->channel && ev->symbol && ev->data && seq);
    *seq = 0;
    if (!known_channel(ev->channel))
        return argo_err_set(err, ARGO_EDATA,
                            "event channel '%.32s' is not signals, outcomes, bars or health",
                            ev->channel);
    if (strnlen(ev->symbol, ARGO_SYMBOL_MAX) >= ARGO_SYMBOL_MAX)
        return argo_err_set(err, ARGO_EDATA, "event symbol is longer than %d characters",
                            ARGO_SYMBOL_MAX - 1);
    if (strnlen(ev->data, ARGO_EVENT_DATA_MAX + 1) > ARGO_EVENT_DATA_MAX)
        return argo_err_set(err, ARGO_EDATA, "event data is longer than %d bytes",
                            ARGO_EVENT_DATA_MAX);
    if (!isfinite(ev->confidence))
        return argo_err_set(err, ARGO_EDATA, "event confidence is not a finite number");
    return st->ops->event_append(st, ev, seq, err);
}

int argo_store_events_after(argo_store *st, int64_t after, size_t limit, argo_event_fn fn,
                            void *ctx, argo_err *err)
{
    CHECK(st, err);
    assert(fn);
    st->scanning++;
    int rc = st->ops->events_after(st, after, limit, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_event_last(argo_store *st, int64_t *seq, argo_err *err)
{
    CHECK(st, err);
    assert(seq);
    *seq = 0;
    return st->ops->event_last(st, seq, err);
}

int argo_store_events_listen(argo_store *st, argo_err *err)
{
    CHECK(st, err);
    return st->ops->events_listen ? st->ops->events_listen(st, err) : ARGO_OK;
}

int argo_store_events_wait(argo_store *st, int wake_fd, int timeout_ms, bool *woken, argo_err *err)
{
    CHECK(st, err);
    assert(woken);
    *woken = false;
    if (timeout_ms < 0)
        timeout_ms = 0;
    if (st->ops->events_wait)
        return st->ops->events_wait(st, wake_fd, timeout_ms, woken, err);
    struct pollfd p = {.fd = wake_fd, .events = POLLIN};
    int n = poll(&p, wake_fd >= 0 ? 1 : 0, timeout_ms);
    if (n < 0 && errno != EINTR)
        return argo_err_set(err, ARGO_EIO, "waiting for events: %s", strerror(errno));
    *woken = n > 0;
    return ARGO_OK;
}

/* ---- API keys ------------------------------------------------------------ */

static bool known_role(const char *r)
{
    return !strcmp(r, "read") || !strcmp(r, "stream") || !strcmp(r, "admin");
}

int argo_store_key_add(argo_store *st, argo_key_row *k, argo_err *err)
{
    CHECK(st, err);
    assert(k);
    if (!memchr(k->role, 0, sizeof k->role) || !known_role(k->role))
        return argo_err_set(err, ARGO_EDATA, "API key role is not read, stream or admin");
    if (!memchr(k->name, 0, sizeof k->name))
        return argo_err_set(err, ARGO_EDATA, "API key name is longer than %d bytes",
                            ARGO_KEY_NAME_MAX - 1);
    if (!memchr(k->prefix, 0, sizeof k->prefix))
        return argo_err_set(err, ARGO_EDATA, "API key prefix is longer than %zu bytes",
                            sizeof k->prefix - 1);
    return st->ops->key_add(st, k, err);
}

int argo_store_keys(argo_store *st, argo_key_row **v, size_t *n, argo_err *err)
{
    assert(v && n);
    *v = NULL;
    *n = 0;
    CHECK(st, err);
    return st->ops->keys(st, v, n, err);
}

int argo_store_key_revoke(argo_store *st, int64_t id, int64_t when, argo_err *err)
{
    CHECK(st, err);
    if (id <= 0)
        return argo_err_set(err, ARGO_ENOENT, "no API key with id %lld", (long long)id);
    return st->ops->key_revoke(st, id, when, err);
}

/* ---- signal pages -------------------------------------------------------- */

int argo_store_signals_page(argo_store *st, const argo_signal_filter *f, size_t limit,
                            argo_signal_fn fn, void *ctx, argo_err *err)
{
    CHECK(st, err);
    assert(f && fn);
    if (limit == 0)
        return argo_err_set(err, ARGO_EINVAL, "a page of signals needs a limit of 1 or more");
    if (f->symbol_id < 0)
        return argo_err_set(err, ARGO_EINVAL, "symbol id %lld is not valid",
                            (long long)f->symbol_id);
    if (f->status < -2 || f->status > ARGO_EXPIRED)
        return argo_err_set(err, ARGO_EINVAL, "signal status filter %d is not valid", f->status);
    if (f->published < -1 || f->published > 1)
        return argo_err_set(err, ARGO_EINVAL, "published filter %d is not -1, 0 or 1",
                            f->published);
    if (!isfinite(f->min_confidence) || (f->min_confidence < 0 && f->min_confidence != -1))
        return argo_err_set(err, ARGO_EINVAL, "minimum confidence is not -1 or a number >= 0");
    if (f->after_id < 0)
        return argo_err_set(err, ARGO_EINVAL, "cursor %lld is not valid", (long long)f->after_id);
    if (limit > (size_t)INT64_MAX)
        limit = (size_t)INT64_MAX;
    st->scanning++;
    int rc = st->ops->signals_page(st, f, limit, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_signal_get(argo_store *st, int64_t id, argo_signal *out, argo_err *err)
{
    CHECK(st, err);
    assert(out);
    if (id <= 0)
        return argo_err_set(err, ARGO_ENOENT, "no signal with id %lld", (long long)id);
    return st->ops->signal_get(st, id, out, err);
}

/* ---- holds --------------------------------------------------------------- */

int argo_store_hold(argo_store *st, const char *name, long *holder, argo_err *err)
{
    long local;
    if (!holder)
        holder = &local;
    *holder = 0;
    CHECK(st, err);
    assert(name);
    int rc = check_lock_name("hold", name, err);
    return rc ? rc : st->ops->hold(st, name, holder, err);
}

int argo_store_held(argo_store *st, const char *name, bool *held, long *holder, argo_err *err)
{
    long local;
    if (!holder)
        holder = &local;
    *holder = 0;
    assert(held);
    *held = false;
    CHECK(st, err);
    assert(name);
    int rc = check_lock_name("hold", name, err);
    return rc ? rc : st->ops->held(st, name, held, holder, err);
}

void argo_store_release(argo_store *st, const char *name)
{
    assert(st && name && !st->scanning);
    st->ops->release(st, name);
}

/* ---- rows ---------------------------------------------------------------- */

#define COLS(...)                                                                                  \
    (const char *const[]){__VA_ARGS__},                                                            \
        sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

static const argo_store_table tables[] = {
    {"symbols", COLS("id", "name"), "id"},
    {"bars", COLS("symbol_id", "ts", "open", "high", "low", "close", "volume"), "symbol_id, ts"},
    {"calibration_models",
     COLS("version", "scope", "symbol_id", "trained_through", "window_from", "window_to", "samples",
          "points", "brier_raw", "brier", "log_loss_raw", "log_loss", "ece_raw", "ece",
          "created_at", "base_version", "base_weight"),
     "version"},
    {"signals",
     COLS("id", "symbol_id", "action", "ts", "entry", "target", "stop", "raw_confidence",
          "confidence", "model_version", "published", "v_trend", "v_meanrev", "v_macd",
          "v_breakout", "expires_at", "status", "exit_reason", "gap", "exit_ts", "exit_price",
          "pnl_pct", "bars_held", "mfe_pct", "mae_pct", "scanned_to"),
     "id"},
    {"strategy_state", COLS("symbol_id", "state"), "symbol_id"},
    {"remote_objects",
     COLS("target", "key", "day", "bytes", "sha256", "etag", "storage_class", "lock_mode",
          "lock_until", "uploaded_at"),
     "target, key"},
    {"suppressed_signals", COLS("symbol_id", "day", "count"), "symbol_id, day"},
    {"events", COLS("seq", "logged_at", "channel", "symbol", "confidence", "published", "data"),
     "seq"},
    {"api_keys", COLS("id", "name", "role", "hash", "prefix", "created_at", "revoked_at"), "id"},
    {"http_cache", COLS("key", "etag", "last_modified", "stored_at"), "key"},
    {"bar_corrections",
     COLS("id", "symbol_id", "ts", "stored_open", "stored_high", "stored_low", "stored_close",
          "stored_volume", "revised_open", "revised_high", "revised_low", "revised_close",
          "revised_volume", "source", "seen_at"),
     "id"},
    {"fetch_calls", COLS("day", "calls"), "day"},
};

const argo_store_table *argo_store_tables(size_t *n)
{
    assert(n);
    *n = sizeof tables / sizeof tables[0];
    return tables;
}

static const argo_store_table *table_named(const char *name, argo_err *err)
{
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (!strcmp(tables[i].name, name))
            return &tables[i];
    argo_err_set(err, ARGO_EINVAL, "no store table named '%.64s'", name);
    return NULL;
}

static int unsupported(const argo_store *st, const char *what, argo_err *err)
{
    return argo_err_set(err, ARGO_EINVAL, "the %s store cannot %s", st->ops->name, what);
}

int argo_store_rows_scan(argo_store *st, const char *table, argo_row_fn fn, void *ctx,
                         argo_err *err)
{
    CHECK(st, err);
    assert(table && fn);
    const argo_store_table *t = table_named(table, err);
    if (!t)
        return ARGO_EINVAL;
    if (!st->ops->rows_scan)
        return unsupported(st, "list its rows", err);
    st->scanning++;
    int rc = st->ops->rows_scan(st, t, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_rows_count(argo_store *st, const char *table, int64_t *n, argo_err *err)
{
    CHECK(st, err);
    assert(table && n);
    *n = 0;
    const argo_store_table *t = table_named(table, err);
    if (!t)
        return ARGO_EINVAL;
    if (!st->ops->rows_count)
        return unsupported(st, "count its rows", err);
    return st->ops->rows_count(st, t, n, err);
}

int argo_store_rows_put(argo_store *st, const char *table, const argo_value *rows, size_t nrows,
                        argo_err *err)
{
    CHECK(st, err);
    assert(table && (rows || nrows == 0));
    assert(st->in_txn);
    const argo_store_table *t = table_named(table, err);
    if (!t)
        return ARGO_EINVAL;
    if (!st->ops->rows_put)
        return unsupported(st, "load rows", err);
    return nrows ? st->ops->rows_put(st, t, rows, nrows, err) : ARGO_OK;
}

int argo_store_rows_clear(argo_store *st, argo_err *err)
{
    CHECK(st, err);
    assert(st->in_txn);
    if (!st->ops->rows_clear)
        return unsupported(st, "clear its rows", err);
    return st->ops->rows_clear(st, err);
}

int argo_store_outcome_cells(argo_store *st, argo_agg_by by, const argo_agg_filter *f,
                             argo_cell_fn fn, void *ctx, argo_err *err)
{
    CHECK(st, err);
    assert(fn && (unsigned)by <= ARGO_AGG_EXIT);
    assert(!f || (f->strategy >= -1 && f->strategy < ARGO_STRAT_COUNT && f->symbol_id >= 0));
    if (!st->ops->outcome_cells)
        return unsupported(st, "aggregate outcomes", err);
    argo_agg_filter none = {.symbol_id = 0, .strategy = -1, .since = INT64_MIN, .until = INT64_MAX};
    st->scanning++;
    int rc = st->ops->outcome_cells(st, by, f ? f : &none, fn, ctx, err);
    st->scanning--;
    return rc;
}

int argo_store_trading_days(argo_store *st, int64_t **days, size_t *n, argo_err *err)
{
    CHECK(st, err);
    assert(days && n);
    *days = NULL;
    *n = 0;
    if (!st->ops->trading_days)
        return unsupported(st, "list its trading days", err);
    return st->ops->trading_days(st, days, n, err);
}

int argo_store_refresh_aggregates(argo_store *st, argo_err *err)
{
    CHECK(st, err);
    assert(!st->in_txn);
    return st->ops->refresh_aggregates ? st->ops->refresh_aggregates(st, err) : ARGO_OK;
}

/* ---- model points -------------------------------------------------------- */

static void put_le64(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

static double get_le64(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)p[i] << (8 * i);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

void argo_store_points_put(unsigned char *b, const double *x, const double *y, size_t n)
{
    assert(b || n == 0);
    for (size_t i = 0; i < n; i++) {
        put_le64(b + 8 * i, x[i]);
        put_le64(b + 8 * (n + i), y[i]);
    }
}

void argo_store_points_get(const unsigned char *b, size_t n, double *x, double *y)
{
    assert(b || n == 0);
    for (size_t i = 0; i < n; i++) {
        x[i] = get_le64(b + 8 * i);
        y[i] = get_le64(b + 8 * (n + i));
    }
}
