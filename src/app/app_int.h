/* SPDX-License-Identifier: MIT */
/*
 * app/app_int.h - the argo_app handle, for the operations in app/ only.
 * Presenters see app/app.h.
 */
#ifndef ARGO_APP_INT_H
#define ARGO_APP_INT_H

#include "app/app.h"
#include "s3/s3.h"
#include "store/store.h"

struct argo_app {
    argo_config cfg;
    char db[ARGO_PATH_MAX];        /* the store's URL: never printed */
    char db_masked[ARGO_PATH_MAX]; /* the form messages print (argo_store_url_masked) */
    argo_store *store;             /* NULL with ARGO_APP_STORE_NONE */
    bool store_created;            /* this handle created the (SQLite) store file */
    argo_s3 *s3;                   /* opened by argo_app_s3 on first use */
    argo_app_notice_fn notice;
    void *notice_ctx;
    argo_events ev;
    bool log_bars; /* argo_app_set_event_log */
};

/* Whether an operation that failed with rc is run again: on a concurrent
 * store (PostgreSQL) whose connection was lost (ARGO_ENET: the whole
 * transaction was rolled back, so a second run neither duplicates nor
 * misses anything), up to ARGO_APP_RETRIES times, waiting 0.25 s, then
 * twice as long each time (7.75 s in all: a restarting server is back).
 * Says so through the notice hook, with err's message. *attempt starts
 * at 0. */
#define ARGO_APP_RETRIES 5
bool argo_app_retry(argo_app *app, int rc, int *attempt, const argo_err *err);

/* Replaces the store's URL in err's message (NULL: nothing) by its masked
 * form: a message must never show a password, whichever layer wrote it.
 * The end of a message cut in the middle of the URL counts too. */
void argo_app_err_mask(const argo_app *app, argo_err *err);

/* The symbol rule of argo ingest (market/market.h): n bytes at s are 1
 * to ARGO_SYMBOL_MAX - 1 letters, digits or . _ - ^ = */
bool argo_app_symbol_ok(const char *s, size_t n);

/* The S3 client of [s3], opened on first use: ARGO_ECONFIG when the
 * config has no [s3] bucket. */
int argo_app_s3(argo_app *app, argo_s3 **out, argo_err *err);

#endif
