/* SPDX-License-Identifier: MIT */
/*
 * server/auth.c - keys from request headers, checked against the
 * keyring, and a token bucket per key (server/auth.h). The key is read
 * into a stack buffer, handed to the keyring (which hashes it and
 * compares in constant time) and wiped; nothing here prints it.
 */
#include "server/auth.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct bucket {
    int64_t id;
    double tokens;
    double last; /* seconds, monotonic */
} bucket;

struct argo_auth {
    argo_keyring *ring;
    double rate;
    double burst;
    bucket *v; /* one per key seen; bounded by the keys in the store */
    size_t n, cap;
};

int argo_auth_new(double rate, int burst, argo_auth **out, argo_err *err)
{
    assert(out && rate > 0 && burst >= 1);
    argo_auth *a = calloc(1, sizeof *a);
    if (!a)
        return argo_err_set(err, ARGO_ENOMEM, "auth: out of memory");
    a->rate = rate;
    a->burst = burst;
    *out = a;
    return 0;
}

void argo_auth_free(argo_auth *a)
{
    if (!a)
        return;
    argo_keyring_free(a->ring);
    free(a->v);
    free(a);
}

void argo_auth_set_keyring(argo_auth *a, argo_keyring *k)
{
    assert(a);
    argo_keyring_free(a->ring);
    a->ring = k;
}

/* Wipes n bytes so the key does not linger on the stack. */
static void wipe(char *p, size_t n)
{
    volatile char *v = p;
    while (n--)
        *v++ = 0;
}

void argo_auth_check(argo_auth *a, struct lws *wsi, argo_auth_result *out)
{
    assert(a && wsi && out);
    *out = (argo_auth_result){.role = ARGO_ROLE_NONE};
    char buf[160];
    const char *key = NULL;
    size_t len = 0;
    int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (n > 0) {
        out->presented = true;
        if (n < (int)sizeof buf &&
            lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION) == n) {
            const char *p = buf;
            while (*p == ' ')
                p++;
            if (!strncasecmp(p, "Bearer ", 7)) {
                p += 7;
                while (*p == ' ')
                    p++;
                size_t l = strlen(p);
                while (l && p[l - 1] == ' ')
                    l--;
                key = p;
                len = l;
            }
        }
    } else {
        static const char name[] = "x-api-key:";
        n = lws_hdr_custom_length(wsi, name, (int)sizeof name - 1);
        if (n >= 0) {
            out->presented = true;
            if (n < (int)sizeof buf &&
                lws_hdr_custom_copy(wsi, buf, sizeof buf, name, (int)sizeof name - 1) >= 0) {
                const char *p = buf;
                while (*p == ' ')
                    p++;
                size_t l = strlen(p);
                while (l && p[l - 1] == ' ')
                    l--;
                key = p;
                len = l;
            }
        }
    }
    if (key && len && a->ring) {
        int64_t id = 0;
        argo_role r = argo_keyring_check(a->ring, key, len, &id);
        if (r != ARGO_ROLE_NONE) {
            out->role = r;
            out->key_id = id;
        }
    }
    wipe(buf, sizeof buf);
}

int argo_auth_take(argo_auth *a, int64_t key_id, double now)
{
    assert(a);
    bucket *b = NULL;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].id == key_id) {
            b = &a->v[i];
            break;
        }
    if (!b) {
        if (a->n == a->cap) {
            size_t cap = a->cap ? a->cap * 2 : 16;
            bucket *v = realloc(a->v, cap * sizeof *v);
            if (!v)
                return 1; /* no memory for a bucket: refuse for now, retry in a second */
            a->v = v;
            a->cap = cap;
        }
        b = &a->v[a->n++];
        *b = (bucket){.id = key_id, .tokens = a->burst, .last = now};
    }
    double t = b->tokens + (now - b->last) * a->rate;
    b->tokens = t > a->burst ? a->burst : t;
    b->last = now;
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return 0;
    }
    double wait = ceil((1 - b->tokens) / a->rate);
    return wait < 1 ? 1 : wait > 86400 ? 86400 : (int)wait;
}
