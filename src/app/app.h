/* SPDX-License-Identifier: MIT */
/*
 * app/app.h - the application layer's handle: the config, the store and
 * (opened on first use) the S3 client of one program run or one server.
 * Every operation of argo is a function over an argo_app (app/ *.h) that
 * returns a result struct and never prints; presenters (cli/, server/)
 * turn results into text or JSON (app/json.h) and errors into their one
 * line "argo COMMAND: what, where, why".
 *
 * An argo_app is used from one thread at a time.
 */
#ifndef ARGO_APP_H
#define ARGO_APP_H

#include "app/events.h"
#include "base/err.h"
#include "domain/config.h"

#include <stdbool.h>

typedef struct argo_app argo_app;

/* What an operation needs of the store. */
typedef enum argo_app_store_mode {
    ARGO_APP_STORE_NONE = 0,       /* no store (synth --csv, calibrate fit from a file) */
    ARGO_APP_STORE_RW = 1,         /* read and write; created when absent */
    ARGO_APP_STORE_RO = 2,         /* read only: never created, migrated or waiting for a writer */
    ARGO_APP_STORE_RW_EXISTING = 3 /* read and write of a store that must exist */
} argo_app_store_mode;

typedef struct argo_app_options {
    /* The config file: NULL = $ARGO_CONFIG, else ./argo.conf when present,
     * else the defaults. "" is an error. */
    const char *config_path;
    /* The store's URL (store.h: a SQLite path, "sqlite:PATH",
     * "postgresql://..."): NULL = $ARGO_DB, else [store] url (or its older
     * name [store] db), else ./argo.db. "" is an error. */
    const char *db_path;
    argo_app_store_mode store;
} argo_app_options;

/* Loads the config and opens the store as opt asks. On failure *out is
 * NULL, err says why and nothing was created. */
int argo_app_open(const argo_app_options *opt, argo_app **out, argo_err *err);

/* Closes everything. With failed, a store file that this handle created
 * is removed (a failed command leaves no new store behind). NULL is a
 * no-op. */
void argo_app_close(argo_app *app, bool failed);

const argo_config *argo_app_config(const argo_app *app);
/* The store's URL as resolved by argo_app_open (it may hold a password:
 * never print it; print argo_app_db_masked). */
const char *argo_app_db_path(const argo_app *app);
/* The same URL with its passwords masked (argo_store_url_masked): the
 * form every message naming the store prints. Borrowed from app. */
const char *argo_app_db_masked(const argo_app *app);

/* From now on a failure does not remove the store this handle created
 * (archive push keeps the record of the objects it did upload). */
void argo_app_keep_store(argo_app *app);

/* Hooks for the live paths (app/events.h); ev is copied. NULL: none. */
void argo_app_set_events(argo_app *app, const argo_events *ev);

/* With bars on, every bar an operation stores is logged as a "bars"
 * event too (argo serve: posted bars, the inbox, a provider); off (the
 * default), only signals and outcomes are logged, so a bulk load does
 * not fill the log. */
void argo_app_set_event_log(argo_app *app, bool bars);

/* Appends one "health" event (data: a JSON object) in its own
 * transaction and announces it through on_event. */
int argo_app_log_health(argo_app *app, const char *data, argo_err *err);

/*
 * argo serve holds its store (store/store.h argo_store_hold "serve")
 * while it runs. A second argo serve is refused, and so is any other
 * process's operation that would store bars, signals or outcomes
 * (ingest, synth, generate, track, replay): those would reach the
 * store without reaching the server's subscribers. Reads, backups and
 * the archive commands run beside it.
 * On a concurrent store (PostgreSQL: argo_store_concurrent) there is no
 * hold: several servers and commands share the database, their cycles
 * serialised by the "cycle" lock, and each server publishes the event
 * log whoever wrote it; both calls below return 0 at once.
 */
/* Takes the serve hold: ARGO_EBUSY ("store PATH is served by argo serve
 * (pid N)") when another process holds it. */
int argo_app_hold_serve(argo_app *app, argo_err *err);
/* ARGO_EBUSY when another process serves the store, with the same
 * message; 0 otherwise. Called by every writing operation of flow.h
 * before it begins. */
int argo_app_check_not_served(argo_app *app, argo_err *err);

/* Non-fatal notices an operation may raise while it runs (an S3 request
 * retried, say): one line of text, no newline. NULL: dropped. */
typedef void (*argo_app_notice_fn)(void *ctx, const char *line);
void argo_app_set_notice(argo_app *app, argo_app_notice_fn fn, void *ctx);

#endif
