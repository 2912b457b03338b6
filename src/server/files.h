/* SPDX-License-Identifier: MIT */
/*
 * server/files.h - the static files argo serve answers without a key:
 * the dashboard (src/dashboard/), embedded in the program at build time
 * by src/server/embed_dir.cmake. They hold no data: every figure the
 * page shows comes from the API with the key the user gives it
 * (docs/DASHBOARD.md).
 */
#ifndef ARGO_SERVER_FILES_H
#define ARGO_SERVER_FILES_H

#include "server/api.h"

#include <stddef.h>

typedef struct argo_file {
    const char *name;         /* "app.js" */
    const char *content_type; /* "text/javascript; charset=utf-8" */
    const char *etag;         /* quoted: the first 32 hex digits of the SHA-256 */
    const char *data;
    size_t len;
} argo_file;

extern const argo_file argo_files[]; /* ends with a row of zeros */
extern const size_t argo_files_count;

/* Whether path is one of the static files' paths: "/" (the page,
 * index.html) or "/dashboard/NAME". */
const argo_file *argo_files_find(const char *path);

/* The answer to GET or HEAD of f (inm: the If-None-Match header, may be
 * NULL): 200 with a copy of the bytes, or 304 when inm names its ETag.
 * Returns 0, or ARGO_ENOMEM. */
int argo_files_respond(const argo_file *f, const char *inm, bool head, argo_api_response *resp);

/* The Content-Security-Policy every static file is sent with. */
extern const char argo_files_csp[];

#endif
