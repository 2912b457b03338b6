/* SPDX-License-Identifier: MIT */
/*
 * server/auth.h - argo serve's authentication: the key a request
 * presents (Authorization: Bearer KEY, or X-API-Key: KEY) checked
 * against the in-memory keyring (app/keyring.h), so an unauthenticated
 * request never reaches a worker or the store; and a token bucket per
 * key ([serve] rate_limit per second, [serve] burst). Service thread
 * only. Keys are never logged or kept: only the keyring's hashes are.
 */
#ifndef ARGO_SERVER_AUTH_H
#define ARGO_SERVER_AUTH_H

#include "app/keyring.h"
#include "app/keys.h"
#include "base/err.h"

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct argo_auth argo_auth;

int argo_auth_new(double rate, int burst, argo_auth **out, argo_err *err);
void argo_auth_free(argo_auth *a);
/* Takes over k (SIGHUP: the new keyring) and frees the one it had. */
void argo_auth_set_keyring(argo_auth *a, argo_keyring *k);

typedef struct argo_auth_result {
    bool presented; /* a key was given (valid or not) */
    argo_role role; /* ARGO_ROLE_NONE: no key, or not a valid one */
    int64_t key_id; /* the key's id when valid */
} argo_auth_result;

/* The key on wsi's request headers (while they are there: HTTP
 * callbacks, HTTP_CONFIRM_UPGRADE, FILTER_PROTOCOL_CONNECTION). */
void argo_auth_check(argo_auth *a, struct lws *wsi, argo_auth_result *out);

/* One request of key id at now (seconds, monotonic): 0 when the bucket
 * had a token, else the whole seconds to wait (Retry-After, >= 1). */
int argo_auth_take(argo_auth *a, int64_t key_id, double now);

#endif
