/* SPDX-License-Identifier: MIT */
/*
 * server/work.h - the threads behind argo serve's one service thread.
 * libwebsockets runs every socket on the service thread; anything that
 * touches the store runs here instead: a few reader threads, each with
 * its own read-only argo_app, and one writer thread with the read-write
 * argo_app that runs the live loop (cycles, posted bars, backups), so
 * writes are serialised and never block a socket. A finished job, and
 * every event the writer's app announces, go back to the service thread
 * through a queue and lws_cancel_service; the service thread drains
 * them in LWS_CALLBACK_EVENT_WAIT_CANCELLED (argo_work_drain).
 * On a store several processes write, a log-reader thread announces
 * the events instead of the writer (argo_work_options log_reader).
 */
#ifndef ARGO_SERVER_WORK_H
#define ARGO_SERVER_WORK_H

#include "app/app.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct argo_work argo_work;

/* (h-serve, additive) How the pool is made: it takes over the apps. */
typedef struct argo_work_options {
    argo_app *writer;   /* the read-write app (holding the serve hold) */
    argo_app **readers; /* nreaders read-only apps */
    size_t nreaders;
    size_t queue_max; /* jobs waiting in one queue (readers, writer) */
    /* wakes the service thread (lws_cancel_service); any thread */
    void (*wake)(void *ctx);
    /* service thread, from argo_work_drain: each event the writer's app
     * announced, in seq order (serve.c hands it to argo_stream_publish) */
    void (*on_event)(void *ctx, const argo_event *ev);
    /* writer thread: the end of one operation of the writer's app (after
     * its commit; app is the writer's, to read the store), with the
     * seconds it took: since the previous operation of the same job ended,
     * or since the job began (cycle metrics) */
    void (*on_cycle)(void *ctx, argo_app *app, const argo_cycle *c, double seconds);
    void *ctx;
    /* A read-only app for the log reader, or NULL. When set (a store
     * several processes write: PostgreSQL), events do not come from the
     * writer's hook: a thread of its own reads the store's event log
     * after from_seq, in seq order, whenever the store says another
     * handle committed events, the writer committed some, or a second
     * passed, and hands them to on_event; so events any process
     * commits reach this server's subscribers, none twice and none
     * out of order. */
    argo_app *log_reader;
    int64_t from_seq;
} argo_work_options;

/* Starts the threads. On failure nothing runs and the apps are still
 * the caller's. */
int argo_work_new(const argo_work_options *opt, argo_work **out, argo_err *err);
/* No job is taken any more: each thread finishes the job it runs and
 * exits (queued jobs are cancelled at argo_work_drain). Any thread. */
void argo_work_stop(argo_work *w);
/* After argo_work_stop: true once every thread has exited. */
bool argo_work_stopped(argo_work *w);
/* Stops, joins, drains (cancelling what is queued) and closes the apps
 * (failed: as argo_app_close's, for the writer's: a store it created
 * goes). NULL is a no-op. */
void argo_work_free(argo_work *w, bool failed);
/* Jobs waiting or running (metrics, tests). */
size_t argo_work_pending(argo_work *w, bool writer);

/* Runs on a worker thread with that thread's app. */
typedef void (*argo_work_run_fn)(argo_app *app, void *job);
/* Runs on the service thread once run has returned (also when the
 * server is stopping: then cancelled is true and run may not have run). */
typedef void (*argo_work_done_fn)(void *job, bool cancelled);

/* Queues a job for a reader (writer false) or the writer thread.
 * ARGO_ELIMIT when that queue is full (the caller answers 503). */
int argo_work_submit(argo_work *w, bool writer, argo_work_run_fn run, argo_work_done_fn done,
                     void *job, argo_err *err);

/* On the service thread: calls done for every finished job and hands
 * every announced event to the stream (server/stream.h), in order. */
void argo_work_drain(argo_work *w);

#endif
