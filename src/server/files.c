/* SPDX-License-Identifier: MIT */
/*
 * server/files.c - the static files (server/files.h): the table is
 * generated at build time (embed_dir.cmake); this finds a path in it and
 * makes the answer.
 */
#include "server/files.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything from argo itself: no inline script or style, no other
 * origin; the stream is a WebSocket to the same host. */
const char argo_files_csp[] =
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static const char PREFIX[] = "/dashboard/";

const argo_file *argo_files_find(const char *path)
{
    const char *name;
    if (!strcmp(path, "/"))
        name = "index.html";
    else if (!strncmp(path, PREFIX, sizeof PREFIX - 1))
        name = path + sizeof PREFIX - 1;
    else
        return NULL;
    for (size_t i = 0; i < argo_files_count; i++)
        if (!strcmp(argo_files[i].name, name))
            return &argo_files[i];
    return NULL;
}

int argo_files_respond(const argo_file *f, const char *inm, bool head, argo_api_response *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->content_type = f->content_type;
    /* revalidated every time: a new argo serves its new page at once */
    resp->cache_control = "no-cache";
    resp->csp = argo_files_csp;
    snprintf(resp->etag, sizeof resp->etag, "%s", f->etag);
    resp->len = f->len;
    if (inm && argo_api_etag_matches(inm, f->etag)) {
        resp->status = 304;
        resp->len = 0;
        return ARGO_OK;
    }
    resp->status = 200;
    if (head)
        return ARGO_OK;
    if (!(resp->body = malloc(f->len + 1)))
        return ARGO_ENOMEM;
    memcpy(resp->body, f->data, f->len + 1);
    return ARGO_OK;
}
