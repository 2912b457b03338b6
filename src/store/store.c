/* SPDX-License-Identifier: MIT */
/* store/store.c - picks the backend and forwards every call to it. */
#include "store/store_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int argo_store_open(const char *path, const argo_store_options *opt, argo_store **out,
                    argo_err *err)
{
    *out = NULL;
    if (!path || !*path)
        return argo_err_set(err, ARGO_EINVAL, "no database path given");
    if (!strncmp(path, "postgres://", 11) || !strncmp(path, "postgresql://", 13))
        return argo_err_set(err, ARGO_EINVAL,
                            "database %s: the PostgreSQL backend is not part of this build", path);
    return argo_store_sqlite_open(path, opt, out, err);
}

void argo_store_close(argo_store *st)
{
    if (st)
        st->ops->close(st);
}

int argo_store_begin(argo_store *st, argo_err *err)
{
    return st->ops->begin(st, err);
}
int argo_store_commit(argo_store *st, argo_err *err)
{
    return st->ops->commit(st, err);
}
void argo_store_rollback(argo_store *st)
{
    st->ops->rollback(st);
}

int argo_store_symbol_id(argo_store *st, const char *name, bool create, int64_t *id, argo_err *err)
{
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
    return st->ops->symbols(st, list, n, err);
}

int argo_store_bar_put(argo_store *st, int64_t sym, const argo_bar *bar, bool *inserted,
                       argo_err *err)
{
    return st->ops->bar_put(st, sym, bar, inserted, err);
}

int argo_store_bars_scan(argo_store *st, int64_t sym, int64_t after, int64_t to, argo_bar_fn fn,
                         void *ctx, argo_err *err)
{
    return st->ops->bars_scan(st, sym, after, to, fn, ctx, err);
}

int argo_store_bars_scan_all(argo_store *st, int64_t to, argo_bar_fn fn, void *ctx, argo_err *err)
{
    return st->ops->bars_scan_all(st, to, fn, ctx, err);
}

int argo_store_bars_count(argo_store *st, int64_t to, int64_t *n, argo_err *err)
{
    return st->ops->bars_count(st, to, n, err);
}

int argo_store_signal_insert(argo_store *st, argo_signal *sig, argo_err *err)
{
    return st->ops->signal_insert(st, sig, err);
}

int argo_store_signal_update(argo_store *st, const argo_signal *sig, argo_err *err)
{
    return st->ops->signal_update(st, sig, err);
}

int argo_store_signals_scan(argo_store *st, const argo_signal_query *q, argo_signal_fn fn,
                            void *ctx, argo_err *err)
{
    return st->ops->signals_scan(st, q, fn, ctx, err);
}

int argo_store_signals_reset(argo_store *st, argo_err *err)
{
    return st->ops->signals_reset(st, err);
}

int argo_store_state_get(argo_store *st, int64_t sym, unsigned char **blob, size_t *len,
                         argo_err *err)
{
    return st->ops->state_get(st, sym, blob, len, err);
}

int argo_store_state_put(argo_store *st, int64_t sym, const void *blob, size_t len, argo_err *err)
{
    return st->ops->state_put(st, sym, blob, len, err);
}

const char *argo_store_backend(const argo_store *st)
{
    return st->ops->name;
}

int argo_store_model_insert(argo_store *st, argo_model_row *m, argo_err *err)
{
    return st->ops->model_insert(st, m, err);
}

int argo_store_model_get(argo_store *st, int64_t version, argo_model_row *out, argo_err *err)
{
    return st->ops->model_get(st, version, NULL, 0, out, err);
}

int argo_store_model_latest(argo_store *st, const char *scope, int64_t symbol_id,
                            argo_model_row *out, argo_err *err)
{
    return st->ops->model_get(st, 0, scope, symbol_id, out, err);
}

int argo_store_models_scan(argo_store *st, argo_model_fn fn, void *ctx, argo_err *err)
{
    return st->ops->models_scan(st, fn, ctx, err);
}

int argo_store_outcome_counts(argo_store *st, int64_t before, argo_symbol_count **list, size_t *n,
                              int64_t *total, argo_err *err)
{
    return st->ops->outcome_counts(st, before, list, n, total, err);
}

int argo_store_outcomes_scan(argo_store *st, int64_t before, argo_outcome_fn fn, void *ctx,
                             argo_err *err)
{
    return st->ops->outcomes_scan(st, before, fn, ctx, err);
}

int argo_store_remote_put(argo_store *st, const argo_remote_object *o, argo_err *err)
{
    return st->ops->remote_put(st, o, err);
}

int argo_store_remote_get(argo_store *st, const char *target, const char *key,
                          argo_remote_object *o, bool *found, argo_err *err)
{
    return st->ops->remote_get(st, target, key, o, found, err);
}

int argo_store_remotes_scan(argo_store *st, const char *target, argo_remote_fn fn, void *ctx,
                            argo_err *err)
{
    return st->ops->remotes_scan(st, target, fn, ctx, err);
}

int argo_store_suppressed_add(argo_store *st, int64_t symbol_id, int64_t ts, int64_t n,
                              argo_err *err)
{
    return st->ops->suppressed_add(st, symbol_id, ts, n, err);
}

int argo_store_suppressed_counts(argo_store *st, argo_symbol_count **list, size_t *n,
                                 int64_t *total, argo_err *err)
{
    return st->ops->suppressed_counts(st, list, n, total, err);
}
