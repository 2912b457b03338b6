/* SPDX-License-Identifier: MIT */
/* base/digest.c - see digest.h. */
#include "base/digest.h"

#include <openssl/evp.h>
#include <stdio.h>

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
