/* SPDX-License-Identifier: MIT */
/*
 * server/serve.h - argo serve: one long-running process on
 * libwebsockets. One service thread owns every socket (REST, the
 * stream, /metrics, /health on one port; TLS when [serve] tls_cert and
 * tls_key are set); reader threads and one writer thread do the store
 * work (server/work.h). The writer runs the live loop: posted bars,
 * CSV files dropped in [serve] inbox, a cycle on demand, and at
 * [serve] end_of_day a backup (and a push when [s3] is set).
 * SIGTERM/SIGINT: the running cycle finishes, stream clients are closed
 * with 1001 and the seq to resume from, exit 0. SIGHUP reloads the keys.
 */
#ifndef ARGO_SERVER_SERVE_H
#define ARGO_SERVER_SERVE_H

#include "base/err.h"

typedef struct argo_serve_options {
    const char *config_path; /* as argo_app_options */
    const char *db_path;     /* as argo_app_options */
    const char *listen;      /* "ADDR:PORT"; NULL: [serve] listen */
    /* called once the socket listens (tests wait for it) with its URL,
     * "http://127.0.0.1:8080" or "https://..." with TLS; may be NULL */
    void (*on_ready)(void *ctx, const char *url);
    void *ctx;
} argo_serve_options;

/* Runs until SIGTERM or SIGINT; 0 after a clean stop. A failure to
 * start (the store served by another argo serve, the port taken, a bad
 * certificate) returns an error and changes nothing. */
int argo_serve(const argo_serve_options *opt, argo_err *err);

#endif
