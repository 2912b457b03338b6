/* SPDX-License-Identifier: MIT */
/* base/digest.c - see digest.h. */
#include "base/digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

void argo_hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void argo_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
    argo_hex(md, 32, out);
}

struct argo_sha256 {
    EVP_MD_CTX *ctx;
};

argo_sha256 *argo_sha256_new(void)
{
    argo_sha256 *h = malloc(sizeof *h);
    if (!h)
        return NULL;
    if (!(h->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        argo_sha256_free(h);
        return NULL;
    }
    return h;
}

bool argo_sha256_update(argo_sha256 *h, const void *data, size_t n)
{
    return n == 0 || EVP_DigestUpdate(h->ctx, data, n) == 1;
}

bool argo_sha256_final_hex(argo_sha256 *h, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    bool ok = EVP_DigestFinal_ex(h->ctx, md, &len) == 1 && len == 32 &&
              EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) == 1;
    if (ok)
        argo_hex(md, 32, out);
    return ok;
}

void argo_sha256_free(argo_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}
