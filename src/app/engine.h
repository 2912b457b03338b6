/* SPDX-License-Identifier: MIT */
/*
 * app/engine.h - the operations of app/flow.h over a bare store and
 * config, without event hooks: for the tests, the benchmarks and the
 * fuzzers, which open a store themselves. Presenters use app/flow.h.
 */
#ifndef ARGO_ENGINE_H
#define ARGO_ENGINE_H

#include "app/flow.h"
#include "base/err.h"
#include "domain/config.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* argo_app_generate, argo_app_track, argo_app_calibrate,
 * argo_app_replay and argo_app_coverage over st and cfg. */
int argo_engine_generate(argo_store *st, const argo_config *cfg, argo_generate_report *rep,
                         argo_err *err);
int argo_engine_track(argo_store *st, const argo_config *cfg, argo_track_report *rep,
                      argo_err *err);
int argo_engine_calibrate(argo_store *st, const argo_config *cfg, int *fitted, argo_err *err);
int argo_engine_replay(argo_store *st, const argo_config *cfg, const argo_replay_options *opt,
                       argo_replay_report *rep, argo_err *err);
int argo_engine_coverage(argo_store *st, argo_coverage *out, argo_err *err);

/* One CSV file into st in a transaction of its own (argo_app_ingest
 * with one file). rep may be NULL. */
int argo_engine_ingest_csv(argo_store *st, const char *path, const char *symbol, bool skip_invalid,
                           argo_ingest_report *rep, argo_err *err);

#endif
