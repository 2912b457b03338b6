/* SPDX-License-Identifier: MIT */
/*
 * app/signals.c - the stored signals (argo signals).
 */
#include "app/signals.h"

#include "app/app_int.h"
#include "base/grow.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

typedef struct collect {
    argo_signal_list *l;
    size_t cap;
    argo_err *err;
} collect;

static int take(void *ctx, const argo_signal *g)
{
    collect *c = ctx;
    argo_signal *v = argo_grow(c->l->v, &c->cap, c->l->n + 1, sizeof *v, 64);
    if (!v)
        return argo_err_set(c->err, ARGO_ENOMEM, "out of memory listing the signals");
    c->l->v = v;
    v[c->l->n++] = *g;
    return 0;
}

/* store access in one place (the store's signal query functions) */
static int load_signals(argo_store *st, int64_t symbol_id, bool open_only, collect *c,
                        argo_err *err)
{
    return open_only ? argo_store_signals_open(st, symbol_id, take, c, err)
                     : argo_store_signals_all(st, symbol_id, take, c, err);
}

int argo_app_signals(argo_app *app, const argo_signals_options *opt, argo_signal_list *out,
                     argo_err *err)
{
    assert(app && app->store && out);
    memset(out, 0, sizeof *out);
    int64_t symbol_id = 0;
    int rc = 0;
    if (opt && opt->symbol &&
        (rc = argo_store_symbol_id(app->store, opt->symbol, false, &symbol_id, err)))
        return rc;
    collect c = {.l = out, .err = err};
    return load_signals(app->store, symbol_id, opt && opt->open_only, &c, err);
}

void argo_signal_list_cleanup(argo_signal_list *l)
{
    if (l) {
        free(l->v);
        l->v = NULL;
        l->n = 0;
    }
}
