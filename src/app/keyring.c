/* SPDX-License-Identifier: MIT */
/*
 * app/keyring.c - the valid API keys in memory (app/keyring.h). A
 * presented key is hashed once and compared with every stored hash by
 * CRYPTO_memcmp, all of them every time: the result is folded in with
 * masks, not branches, so neither the time nor the path taken depends on
 * which key (or which bytes) matched.
 */
#include "app/keyring.h"

#include "app/app_int.h"

#include <assert.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define KEY_PRESENTED_MAX 256 /* longer is no key: not hashed */

typedef struct ring_key {
    unsigned char hash[32];
    int64_t id;
    argo_role role;
} ring_key;

struct argo_keyring {
    size_t n;
    ring_key v[];
};

int argo_keyring_load(argo_app *app, argo_keyring **out, argo_err *err)
{
    assert(app && app->store && out);
    *out = NULL;
    argo_key_row *v;
    size_t n;
    int rc = argo_store_keys(app->store, &v, &n, err);
    if (rc)
        return rc;
    argo_keyring *k = calloc(1, sizeof *k + (n ? n : 1) * sizeof k->v[0]);
    if (!k) {
        free(v);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory loading API keys");
    }
    for (size_t i = 0; i < n; i++) {
        int role = argo_role_parse(v[i].role);
        if (v[i].revoked_at || role < 0)
            continue;
        ring_key *r = &k->v[k->n++];
        memcpy(r->hash, v[i].hash, sizeof r->hash);
        r->id = v[i].id;
        r->role = (argo_role)role;
    }
    OPENSSL_cleanse(v, n * sizeof *v);
    free(v);
    *out = k;
    return ARGO_OK;
}

void argo_keyring_free(argo_keyring *k)
{
    if (k) {
        OPENSSL_cleanse(k->v, k->n * sizeof k->v[0]);
        free(k);
    }
}

size_t argo_keyring_count(const argo_keyring *k)
{
    assert(k);
    return k->n;
}

argo_role argo_keyring_check(const argo_keyring *k, const char *key, size_t len, int64_t *id)
{
    assert(k && (key || !len));
    int64_t found_id = 0;
    unsigned role = ARGO_ROLE_NONE;
    unsigned char h[32];
    unsigned int hl = 0;
    bool hashed = len > 0 && len <= KEY_PRESENTED_MAX &&
                  EVP_Digest(key, len, h, &hl, EVP_sha256(), NULL) == 1 && hl == sizeof h;
    for (size_t i = 0; hashed && i < k->n; i++) {
        /* mask: all ones when the hashes are equal, else 0 */
        uint64_t eq = (uint64_t)(CRYPTO_memcmp(h, k->v[i].hash, sizeof h) == 0);
        uint64_t mask = 0 - eq;
        found_id |= (int64_t)((uint64_t)k->v[i].id & mask);
        role |= (unsigned)k->v[i].role & (unsigned)mask;
    }
    OPENSSL_cleanse(h, sizeof h);
    if (id)
        *id = found_id;
    return (argo_role)role;
}
