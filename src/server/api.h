/* SPDX-License-Identifier: MIT */
/*
 * server/api.h - the REST API /api/v1 as a pure function: a parsed
 * request in, a response out. No sockets here (server/serve.c owns
 * them), so the router and the body parsing are unit-tested and fuzzed
 * directly. Every JSON document is the one the CLI's --json prints
 * (app/json.h); the OpenAPI 3.1 document describing them is embedded
 * (argo_api_openapi) and served at /api/v1/openapi.json.
 */
#ifndef ARGO_SERVER_API_H
#define ARGO_SERVER_API_H

#include "app/app.h"
#include "app/keys.h"

#include <stdbool.h>
#include <stddef.h>

/* Where a route runs. */
typedef enum argo_api_runs {
    ARGO_API_INLINE = 0, /* no store: on the service thread (version, openapi) */
    ARGO_API_READER = 1, /* reads: on a reader thread with a read-only argo_app */
    ARGO_API_WRITER = 2  /* writes (admin): on the one writer thread, with the live loop */
} argo_api_runs;

typedef struct argo_api_route {
    int status;      /* 0: matched; 404: no such path; 405: not this method (allow set) */
    argo_role needs; /* the role a key needs (ARGO_ROLE_NONE: none) */
    argo_api_runs runs;
    const char *name; /* the route's template for metrics ("/api/v1/signals/{id}"); static */
    char allow[48];   /* with 405: the methods allowed, "GET, HEAD" */
} argo_api_route;

/* Matches method and path (no query) against the routes; never touches
 * the store, so it runs before authentication decides anything. */
void argo_api_match(const char *method, const char *path, argo_api_route *out);

typedef struct argo_api_request {
    const char *method;        /* "GET", "HEAD", "POST", ... */
    const char *path;          /* without the query */
    const char *query;         /* without the '?'; "" when none */
    const char *if_none_match; /* NULL when absent */
    const char *content_type;  /* NULL when absent */
    const unsigned char *body; /* NULL when none */
    size_t body_len;           /* at most ARGO_HTTP_BODY_MAX (base/limits.h) */
    argo_role role;            /* the role of the request's key */
} argo_api_request;

typedef struct argo_api_response {
    int status;
    const char *content_type;  /* static */
    const char *cache_control; /* static; NULL: none */
    char etag[48];             /* quoted; "" when none */
    char allow[48];            /* with 405 */
    int retry_after;           /* seconds, with 429 or 503; 0: none */
    const char *csp;           /* static; the Content-Security-Policy, NULL: none */
    char *body;                /* malloc'd; NULL with 304 and HEAD */
    size_t len;                /* of body; with HEAD, of the body a GET gets
                                  (its Content-Length); 0 with 304 */
} argo_api_response;

/* Runs the route req matches, on app (read-only for a reader route,
 * read-write for a writer route, NULL for an inline one), into *resp:
 * any failure is an HTTP status with an error body
 * {"error": {"status": N, "code": "...", "message": "..."}}, never a
 * crash. A GET whose ETag equals If-None-Match gets 304 and no body.
 * Returns 0, or ARGO_ENOMEM when even the error response could not be
 * made (the caller answers 500 with a static body). */
int argo_api_handle(argo_app *app, const argo_api_request *req, argo_api_response *resp);
void argo_api_response_cleanup(argo_api_response *r);

/* Fills resp with an error (status, a code such as "bad_request", a
 * message). */
void argo_api_error(argo_api_response *resp, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Whether If-None-Match inm (a list of entity tags, or "*") names etag
 * (quoted); the comparison is the weak one RFC 9110 asks for here. */
bool argo_api_etag_matches(const char *inm, const char *etag);

/* The OpenAPI 3.1 document (JSON), static. */
const char *argo_api_openapi(size_t *len);

#endif
