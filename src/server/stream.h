/* SPDX-License-Identifier: MIT */
/*
 * server/stream.h - the WebSocket stream /api/v1/stream: channels
 * signals, outcomes, bars and health, filtered by symbol and minimum
 * confidence; every event with the event log's sequence number; resume
 * with resume_from=N (the missed events read from the store by a reader
 * thread, then the live ones, no gap and no duplicate); heartbeats; a
 * bounded queue per client (too far behind: closed with the seq to
 * resume from); frame and message limits. Runs on the service thread.
 */
#ifndef ARGO_SERVER_STREAM_H
#define ARGO_SERVER_STREAM_H

#include "base/err.h"
#include "app/events.h"
#include "app/keyring.h"
#include "server/work.h"

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

typedef struct argo_stream argo_stream;

typedef struct argo_stream_options {
    size_t queue_max;   /* events queued for one client before it is dropped */
    int heartbeat_s;    /* ping interval */
    size_t clients_max; /* stream clients at once */
    argo_work *work;    /* for the store reads of a resume */
} argo_stream_options;

int argo_stream_new(const argo_stream_options *opt, argo_stream **out, argo_err *err);
/* After lws_context_destroy (which closes, and so frees, every
 * client). A resume job still in the work pool then belongs to no
 * client: its done frees it and touches nothing else, so the pool may
 * be freed before or after the stream. */
void argo_stream_free(argo_stream *s);

/* The lws protocol callback of "argo-stream"; its per-session data size
 * and user pointer are set up by argo_stream_protocol. */
void argo_stream_protocol(argo_stream *s, struct lws_protocols *p);

/* Service thread: the keys clients are checked against (h-stream,
 * additive). The server sets it at start and after each reload (SIGHUP);
 * borrowed until the next call or argo_stream_free, so free the old
 * keyring only after this call. A connected client whose key is no
 * longer valid (revoked) is closed with 1008. NULL: every key refused. */
void argo_stream_set_keyring(argo_stream *s, const argo_keyring *k);

/* Service thread: who decides whether an HTTP request may upgrade to
 * the stream (lws hands LWS_CALLBACK_HTTP_CONFIRM_UPGRADE to the
 * stream's protocol, the vhost's default for WebSocket, not to the HTTP
 * one): confirm returns 0 to accept, non-zero after answering the
 * request itself (404 for another path, 503 while stopping). NULL: every
 * upgrade is accepted. */
typedef int (*argo_stream_confirm_fn)(void *ctx, struct lws *wsi, const char *upgrade);
void argo_stream_set_confirm(argo_stream *s, argo_stream_confirm_fn confirm, void *ctx);

/* Service thread: a committed event, in seq order. */
void argo_stream_publish(argo_stream *s, const argo_event *ev);
/* Service thread: the newest seq logged when the server started. */
void argo_stream_set_last(argo_stream *s, int64_t seq);
/* Service thread: closes every client with 1001 and the seq to resume
 * from (SIGTERM). */
void argo_stream_shutdown(argo_stream *s);

size_t argo_stream_clients(const argo_stream *s);
uint64_t argo_stream_dropped(const argo_stream *s);
/* The events queued but not yet sent, summed over clients. */
uint64_t argo_stream_behind(const argo_stream *s);

#endif
