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
};

/* alpaca.c */
int argo_alpaca_cache_key(argo_provider *p, argo_provider_batch *b, argo_err *err);
int argo_alpaca_fetch(argo_provider *p, argo_provider_batch *b, argo_provider_bars_fn fn, void *ctx,
                      argo_err *err);
/* csvhttp.c */
int argo_csvhttp_cache_key(argo_provider *p, argo_provider_batch *b, argo_err *err);
int argo_csvhttp_fetch(argo_provider *p, argo_provider_batch *b, argo_provider_bars_fn fn,
                       void *ctx, argo_err *err);

#endif
