/* SPDX-License-Identifier: MIT */
/*
 * app/keys.c - API keys (app/keys.h): made from RAND_bytes, shown once,
 * stored as their SHA-256 only.
 */
#include "app/keys.h"

#include "app/app_int.h"

#include <assert.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_RANDOM_BYTES 32
#define KEY_PREFIX_CHARS 12 /* "argo_" and 7: shown by argo keys list */

static const char *const role_names[] = {"none", "read", "stream", "admin"};

int argo_role_parse(const char *s)
{
    assert(s);
    for (int r = ARGO_ROLE_READ; r <= ARGO_ROLE_ADMIN; r++)
        if (!strcmp(s, role_names[r]))
            return r;
    return -1;
}

const char *argo_role_name(argo_role r)
{
    return (unsigned)r <= ARGO_ROLE_ADMIN ? role_names[r] : "?";
}

bool argo_role_allows(argo_role has, argo_role needs)
{
    if (has == ARGO_ROLE_NONE)
        return needs == ARGO_ROLE_NONE;
    return has == ARGO_ROLE_ADMIN || has == needs || needs == ARGO_ROLE_NONE;
}

/* base64url without padding: 32 bytes -> 43 characters. */
static void base64url(const unsigned char *b, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16;
        size_t k = n - i;
        if (k > 1)
            v |= (uint32_t)b[i + 1] << 8;
        if (k > 2)
            v |= b[i + 2];
        out[o++] = a[(v >> 18) & 63];
        out[o++] = a[(v >> 12) & 63];
        if (k > 1)
            out[o++] = a[(v >> 6) & 63];
        if (k > 2)
            out[o++] = a[v & 63];
    }
    out[o] = 0;
}

/* A key's name: 1 to ARGO_KEY_NAME_MAX - 1 letters, digits, . _ - @, not
 * only digits (argo keys revoke takes an id or a name). "" is none. */
static int check_name(const char *name, argo_err *err)
{
    size_t n = strnlen(name, ARGO_KEY_NAME_MAX);
    bool digits = true, ok = n < ARGO_KEY_NAME_MAX;
    for (size_t i = 0; i < n && ok; i++) {
        ok = isalnum((unsigned char)name[i]) || strchr("._-@", name[i]);
        digits = digits && isdigit((unsigned char)name[i]);
    }
    if (!ok)
        return argo_err_set(err, ARGO_EINVAL,
                            "key name '%.*s' is not 1 to %d letters, digits or . _ - @",
                            ARGO_KEY_NAME_MAX - 1, name, ARGO_KEY_NAME_MAX - 1);
    if (n && digits)
        return argo_err_set(err, ARGO_EINVAL,
                            "key name '%s' is only digits (an id): give it a letter", name);
    return ARGO_OK;
}

int argo_app_key_add(argo_app *app, argo_role role, const char *name, argo_key_made *out,
                     argo_err *err)
{
    assert(app && app->store && out);
    memset(out, 0, sizeof *out);
    if (role < ARGO_ROLE_READ || role > ARGO_ROLE_ADMIN)
        return argo_err_set(err, ARGO_EINVAL, "role %d is not read, stream or admin", (int)role);
    if (!name)
        name = "";
    int rc = check_name(name, err);
    if (rc)
        return rc;
    unsigned char rnd[KEY_RANDOM_BYTES];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return argo_err_set(err, ARGO_EIO, "no random bytes for a key (OpenSSL RAND_bytes failed)");
    memcpy(out->key, "argo_", 5);
    base64url(rnd, sizeof rnd, out->key + 5);
    OPENSSL_cleanse(rnd, sizeof rnd);
    assert(strlen(out->key) == ARGO_KEY_LEN);
    argo_key_row *k = &out->row;
    snprintf(k->name, sizeof k->name, "%s", name);
    snprintf(k->role, sizeof k->role, "%s", argo_role_name(role));
    unsigned int len = 0;
    if (EVP_Digest(out->key, ARGO_KEY_LEN, k->hash, &len, EVP_sha256(), NULL) != 1 ||
        len != sizeof k->hash) {
        OPENSSL_cleanse(out, sizeof *out);
        return argo_err_set(err, ARGO_ENOMEM, "cannot hash a key (OpenSSL EVP_Digest failed)");
    }
    snprintf(k->prefix, sizeof k->prefix, "%.*s", KEY_PREFIX_CHARS, out->key);
    k->created_at = (int64_t)time(NULL);
    if ((rc = argo_store_key_add(app->store, k, err)))
        OPENSSL_cleanse(out, sizeof *out);
    return rc;
}

int argo_app_keys(argo_app *app, argo_key_row **v, size_t *n, argo_err *err)
{
    assert(app && app->store && v && n);
    return argo_store_keys(app->store, v, n, err);
}

int argo_app_key_revoke(argo_app *app, const char *id_or_name, argo_err *err)
{
    assert(app && app->store && id_or_name);
    size_t len = strlen(id_or_name);
    bool digits = len > 0 && len < 19;
    for (size_t i = 0; i < len && digits; i++)
        digits = isdigit((unsigned char)id_or_name[i]);
    int64_t id = 0;
    if (digits)
        id = strtoll(id_or_name, NULL, 10);
    else {
        if (!len || len >= ARGO_KEY_NAME_MAX)
            return argo_err_set(err, ARGO_ENOENT, "no API key named '%.*s'", ARGO_KEY_NAME_MAX - 1,
                                id_or_name);
        argo_key_row *v;
        size_t n;
        int rc = argo_store_keys(app->store, &v, &n, err);
        if (rc)
            return rc;
        for (size_t i = 0; i < n && !id; i++)
            if (!strcmp(v[i].name, id_or_name))
                id = v[i].id;
        free(v);
        if (!id)
            return argo_err_set(err, ARGO_ENOENT, "no API key named '%s'", id_or_name);
    }
    return argo_store_key_revoke(app->store, id, (int64_t)time(NULL), err);
}
