/* SPDX-License-Identifier: MIT */
/*
 * app/events.h - what the live paths announce: new bars, new signals,
 * resolved outcomes and the end of a cycle, so a server can publish them
 * without polling the store.
 *
 * Every hook is optional (NULL: not called) and is called after the
 * transaction that stored the rows has committed, in the order the rows
 * were stored; a rolled-back operation announces nothing. The records
 * are borrowed for the call only. Hooks run on the caller's thread and
 * must not call back into the argo_app that raised them.
 */
#ifndef ARGO_EVENTS_H
#define ARGO_EVENTS_H

#include "domain/types.h"

#include <stddef.h>
#include <stdint.h>

/* What one cycle (generate, track or replay) did. */
typedef struct argo_cycle {
    const char *op;    /* "ingest", "synth", "generate", "track" or "replay" */
    int64_t bars;      /* bars stored or pushed through the strategies */
    int64_t signals;   /* new signals */
    int64_t outcomes;  /* signals resolved */
    int64_t newest_ts; /* the newest bar the cycle saw; INT64_MIN: none */
} argo_cycle;

typedef struct argo_events {
    void *ctx;
    /* a bar stored for symbol (ingest, posted bars) */
    void (*on_bar)(void *ctx, const char *symbol, const argo_bar *bar);
    /* a new signal, with its id, symbol and calibrated confidence */
    void (*on_signal)(void *ctx, const argo_signal *sig);
    /* a signal resolved: status, exit and net P&L are set */
    void (*on_outcome)(void *ctx, const argo_signal *sig);
    /* the end of one operation, after its on_bar/on_signal/on_outcome calls */
    void (*on_cycle)(void *ctx, const argo_cycle *cycle);
    /* an entry of the store's event log (domain/types.h argo_event),
     * appended in the operation's transaction, announced after its
     * commit in seq order, before on_cycle. Signals and outcomes are
     * logged by generate and track (and argo serve's cycles), not by
     * replay, which rebuilds all of history; bars only while the app's
     * bar log is on (argo_app_set_event_log). */
    void (*on_event)(void *ctx, const argo_event *ev);
} argo_events;

#endif
