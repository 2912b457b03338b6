/* SPDX-License-Identifier: MIT */
/*
 * app/health.h - the state of an argo installation at a glance, for a
 * server's health endpoint: the store, its newest bar, the open signals
 * and the last backup.
 */
#ifndef ARGO_APP_HEALTH_H
#define ARGO_APP_HEALTH_H

#include "app/app.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct argo_app_health {
    /* the store answered (symbols, bars and signals read); opening it
     * already checked its schema version (app/app.h) */
    bool store_ok;
    char store_error[ARGO_ERR_MSG_MAX]; /* why not, else "" */
    size_t symbols;
    int64_t newest_bar; /* INT64_MIN: no bars */
    size_t open_signals;
    /* the newest day backed up under [archive] dir, and whether its
     * backup verifies (argo backup verify --date DAY) */
    bool backup_found;
    int64_t last_backup_day; /* its midnight; INT64_MIN when none */
    bool backup_ok;
    size_t backup_files;
    char backup_error[ARGO_ERR_MSG_MAX]; /* why no backup or why it fails, else "" */
} argo_app_health;

/* Fills *out. A part that fails is reported in *out, not as an error:
 * 0 whenever *out could be filled. Needs a store. */
int argo_app_health_check(argo_app *app, argo_app_health *out, argo_err *err);

#endif
