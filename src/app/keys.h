/* SPDX-License-Identifier: MIT */
/*
 * app/keys.h - API keys and their roles (argo keys; argo serve's
 * authentication). A key is "argo_" and 43 base64url characters (32
 * random bytes from OpenSSL's RAND_bytes); it is shown once, when made,
 * and the store keeps only its SHA-256. A salt or a slow hash would add
 * nothing: the key is 256 random bits, not a password to guess.
 */
#ifndef ARGO_APP_KEYS_H
#define ARGO_APP_KEYS_H

#include "app/app.h"
#include "base/err.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum argo_role {
    ARGO_ROLE_NONE = 0,   /* no key: /health level 1 and, if configured, /metrics */
    ARGO_ROLE_READ = 1,   /* the REST reads */
    ARGO_ROLE_STREAM = 2, /* the WebSocket stream */
    ARGO_ROLE_ADMIN = 3   /* everything */
} argo_role;

#define ARGO_KEY_LEN 48 /* characters of a key: "argo_" and 43 */

/* "read", "stream", "admin" -> the role; -1 for anything else. */
int argo_role_parse(const char *s);
const char *argo_role_name(argo_role r);
/* Whether a key of role has may do what needs asks: admin may do
 * everything; read and stream only their own. */
bool argo_role_allows(argo_role has, argo_role needs);

typedef struct argo_key_made {
    char key[ARGO_KEY_LEN + 1]; /* the only copy: print once, then forget */
    argo_key_row row;
} argo_key_made;

/* argo keys add: makes a key of role (named name, may be NULL) and
 * stores its hash. */
int argo_app_key_add(argo_app *app, argo_role role, const char *name, argo_key_made *out,
                     argo_err *err);
/* argo keys list: every key (hashes, never keys), in id order; free(). */
int argo_app_keys(argo_app *app, argo_key_row **v, size_t *n, argo_err *err);
/* argo keys revoke ID|NAME. ARGO_ENOENT when no such key. */
int argo_app_key_revoke(argo_app *app, const char *id_or_name, argo_err *err);
#endif
