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
 */
#ifndef ARGO_SERVER_WORK_H
#define ARGO_SERVER_WORK_H

#include "app/app.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct argo_work argo_work;

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
