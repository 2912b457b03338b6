/* SPDX-License-Identifier: MIT */
/*
 * app/keyring.h - the valid API keys in memory, so a server checks a
 * request's key without reaching the store (unauthenticated requests
 * never do). Loaded at start and on SIGHUP. A presented key is hashed
 * and compared with every valid hash in constant time (CRYPTO_memcmp,
 * no early exit), so the time taken says nothing about which bytes
 * matched. Immutable once loaded: share it read-only between threads;
 * swap the pointer to reload.
 */
#ifndef ARGO_APP_KEYRING_H
#define ARGO_APP_KEYRING_H

#include "app/app.h"
#include "app/keys.h"
#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct argo_keyring argo_keyring;

/* The valid (not revoked) keys of the app's store. */
int argo_keyring_load(argo_app *app, argo_keyring **out, argo_err *err);
void argo_keyring_free(argo_keyring *k);
size_t argo_keyring_count(const argo_keyring *k);
/* The role of key (len bytes, not NUL-terminated) and its id, or
 * ARGO_ROLE_NONE and 0 when it is not a valid key. */
argo_role argo_keyring_check(const argo_keyring *k, const char *key, size_t len, int64_t *id);

#endif
