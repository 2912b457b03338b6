/* SPDX-License-Identifier: MIT */
/*
 * base/digest.h - hex digests over OpenSSL's libcrypto: the one place
 * argo turns hashes into the lower-case hex its manifests, store and
 * S3 signatures use.
 */
#ifndef ARGO_DIGEST_H
#define ARGO_DIGEST_H

#include <stddef.h>

/* Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void argo_hex(const unsigned char *b, size_t n, char *out);

/* Hex SHA-256 of data. */
void argo_sha256_hex(const void *data, size_t n, char out[65]);

#endif
