/* SPDX-License-Identifier: MIT */
/*
 * s3/sigv4.h - AWS Signature Version 4 for S3 requests, over
 * OpenSSL's HMAC-SHA256 (AWS General Reference, "Signature Version 4
 * signing process"; S3 API Reference, "Authenticating Requests").
 * Written here rather than using libcurl's CURLOPT_AWS_SIGV4 because
 * libcurl 7.88 (Debian 12) mis-signs query parameters without a value
 * (?lifecycle, ?uploads) and unsorted query strings.
 *
 * The request is signed as it will be sent: the path and query are
 * taken exactly as they appear in the URL (already percent-encoded; S3
 * does not encode them twice), every header given is signed (names
 * lower-cased, values trimmed and inner runs of spaces collapsed), and
 * query parameters are sorted, a parameter without '=' counting as
 * "name=". Pure computation; secrets are never written anywhere.
 */
#ifndef ARGO_SIGV4_H
#define ARGO_SIGV4_H

#include "base/err.h"
#include "base/limits.h"

#include <stddef.h>
#include <stdint.h>

typedef struct argo_sigv4_header {
    const char *name, *value;
} argo_sigv4_header;

typedef struct argo_sigv4_request {
    const char *method;               /* "PUT" */
    const char *host;                 /* as in the Host header, port included if not default */
    const char *path;                 /* "/bucket/key", percent-encoded */
    const char *query;                /* "lifecycle", "partNumber=1&uploadId=x", or "" */
    const char *payload_sha256;       /* hex SHA-256 of the body, or "UNSIGNED-PAYLOAD" */
    const argo_sigv4_header *headers; /* the other headers sent (not Host, x-amz-date,
                                         x-amz-content-sha256, which are added) */
    size_t nheaders;
    int64_t time; /* UTC seconds */
} argo_sigv4_request;

typedef struct argo_sigv4_credentials {
    const char *access_key, *secret_key;
    const char *session_token; /* optional: x-amz-security-token */
    const char *region;
} argo_sigv4_credentials;

typedef struct argo_sigv4_signed {
    char amz_date[17];       /* YYYYMMDDTHHMMSSZ */
    char authorization[512]; /* the Authorization header value */
    char signature[65];
} argo_sigv4_signed;

/* Signs a request. Returns 0, or ARGO_EINVAL / ARGO_ELIMIT for a bad or
 * oversized request. */
int argo_sigv4_sign(const argo_sigv4_request *req, const argo_sigv4_credentials *cred,
                    argo_sigv4_signed *out, argo_err *err);

/* Percent-encodes s for a URL path (RFC 3986 unreserved kept; '/' kept
 * when keep_slash) into buf. Returns 0 or ARGO_ELIMIT. */
int argo_uri_encode(const char *s, int keep_slash, char *buf, size_t n);

#endif
