/* SPDX-License-Identifier: MIT */
/*
 * base/digest.h - hex digests over OpenSSL's libcrypto: the one place
 * argo turns hashes into the lower-case hex its manifests, store and
 * S3 signatures use.
 */
#ifndef ARGO_DIGEST_H
#define ARGO_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

/* Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void argo_hex(const unsigned char *b, size_t n, char *out);

/* Hex SHA-256 of data. */
void argo_sha256_hex(const void *data, size_t n, char out[65]);

/* A SHA-256 fed in pieces (argo store copy's table checksums). */
typedef struct argo_sha256 argo_sha256;
/* A new digest; NULL when memory is short. Freed with argo_sha256_free. */
argo_sha256 *argo_sha256_new(void);
/* Adds n bytes; false when the digest failed (memory). */
bool argo_sha256_update(argo_sha256 *h, const void *data, size_t n);
/* The hex digest of everything added; the digest then starts again
 * empty. false when it failed. */
bool argo_sha256_final_hex(argo_sha256 *h, char out[65]);
/* NULL is a no-op. */
void argo_sha256_free(argo_sha256 *h);

#endif
