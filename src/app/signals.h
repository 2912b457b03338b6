/* SPDX-License-Identifier: MIT */
/*
 * app/signals.h - the stored signals and their outcomes (argo signals).
 */
#ifndef ARGO_APP_SIGNALS_H
#define ARGO_APP_SIGNALS_H

#include "app/app.h"
#include "base/err.h"
#include "domain/types.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct argo_signals_options {
    const char *symbol; /* NULL: every symbol; else one that must exist */
    bool open_only;     /* only the signals still open */
} argo_signals_options;

typedef struct argo_signal_list {
    argo_signal *v; /* in (ts, id) order */
    size_t n;
} argo_signal_list;

/* The stored signals opt selects (opt may be NULL: every signal), into
 * *out (cleaned up with argo_signal_list_cleanup, also after a
 * failure). ARGO_ENOENT for an unknown symbol. */
int argo_app_signals(argo_app *app, const argo_signals_options *opt, argo_signal_list *out,
                     argo_err *err);
void argo_signal_list_cleanup(argo_signal_list *l);

#endif
