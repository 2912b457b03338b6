/* SPDX-License-Identifier: MIT */
/*
 * s3/s3.h - a small S3 client over libcurl, signed with argo's own
 * SigV4 signer (s3/sigv4.h; libcurl 7.88's mis-signs ?lifecycle
 * and ?uploads). No AWS SDK: argo needs six operations (PUT, multipart
 * upload, HEAD, GET, PUT and GET ?lifecycle) and they are a few hundred
 * lines over libcurl.
 *
 * Integrity: every PUT (whole object or part) carries Content-MD5, and
 * whole-object PUTs also x-amz-checksum-sha256; S3 rejects a body that
 * does not match. The ETag the server answers is checked against the MD5
 * of what was sent.
 *
 * Retries: http/'s policy (http/http.h), the [s3] settings mapped onto
 * it: timeouts, connection failures and 5xx answers (and 429) are
 * retried with exponential backoff and full jitter (delay uniform in
 * [0, min(cap, base * 2^attempt)]), a 503 SlowDown's Retry-After is
 * honoured; other 4xx answers are not retried and are reported with
 * S3's error code and message. Every attempt is signed afresh.
 *
 * Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 * (AWS_SESSION_TOKEN optional), else from a shared credentials file
 * (config, else AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials;
 * profile from config, else AWS_PROFILE, else "default"). They are never
 * printed, logged or put in an error message, and are wiped on close.
 */
#ifndef ARGO_S3_H
#define ARGO_S3_H

#include "base/err.h"
#include "base/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The client's settings; argo fills them from its config's [s3] section
 * (app/archive.h: argo_app_s3_config; the defaults in parentheses). */
typedef struct argo_s3_config {
    char endpoint[512]; /* "" = https://s3.REGION.amazonaws.com */
    char region[64];    /* us-east-1 */
    char bucket[64];
    bool path_style; /* true: ENDPOINT/BUCKET/KEY; false: BUCKET.HOST/KEY */
    char prefix[256];
    char storage_class[24];      /* of uploads: STANDARD */
    int64_t multipart_threshold; /* bytes; larger files go in parts (64 MiB) */
    int64_t part_size;           /* bytes, >= 5 MiB (16 MiB) */
    int retries;                 /* retries after the first attempt (4) */
    int retry_base_ms;           /* first backoff ceiling (200) */
    int retry_cap_ms;            /* largest backoff ceiling (20000) */
    int timeout_s;      /* connect timeout; a request with nothing moving this long fails (30) */
    int concurrency;    /* uploads in flight at once, 1-64, over one connection pool (8) */
    char lock_mode[16]; /* "" (off), COMPLIANCE or GOVERNANCE */
    int lock_years;     /* retain-until = backup day + this many years (7) */
    char credentials_file[ARGO_PATH_MAX];
    char profile[64];
} argo_s3_config;

/* Checks the settings (bucket name rules, part size, lock mode...).
 * ARGO_ECONFIG naming the key. */
int argo_s3_config_validate(const argo_s3_config *cfg, argo_err *err);

typedef struct argo_s3 argo_s3;

/* Called before each retry with a one-line reason (no secrets in it). */
typedef void (*argo_s3_retry_fn)(void *ctx, const char *what);

/* Opens a client: validates cfg and loads the credentials. */
int argo_s3_open(const argo_s3_config *cfg, argo_s3_retry_fn on_retry, void *ctx, argo_s3 **out,
                 argo_err *err);
void argo_s3_close(argo_s3 *s3);

/* What the server says about an object. */
typedef struct argo_s3_object {
    int64_t size;
    char etag[80];            /* without quotes */
    char storage_class[24];   /* STANDARD when the server omits it */
    char checksum_sha256[64]; /* base64, when the server reports one */
    char lock_mode[16];       /* "" when none */
    char lock_until[40];      /* ISO-8601 as sent by the server, "" when none */
    int parts;                /* 0: one PUT; N: multipart in N parts */
} argo_s3_object;

typedef struct argo_s3_put {
    const char *storage_class; /* NULL: the config's */
    const char *lock_mode;     /* NULL or "": no Object Lock headers */
    int64_t lock_until;        /* UTC seconds */
} argo_s3_put;

/* Uploads a file under key (the prefix is NOT added here): one PUT up
 * to the multipart threshold, else a multipart upload (aborted on
 * failure). Fills out with the size, the ETag and the part count. */
int argo_s3_put_file(argo_s3 *s3, const char *key, const char *path, const argo_s3_put *opt,
                     argo_s3_object *out, argo_err *err);

/* The same for data already in memory. */
int argo_s3_put_data(argo_s3 *s3, const char *key, const uint8_t *data, size_t len,
                     const argo_s3_put *opt, argo_s3_object *out, argo_err *err);

/* Many whole-object PUTs at once: up to [s3] concurrency in flight over
 * one pool of kept-alive connections (libcurl's multi interface), each
 * with the same headers, checks and retries as argo_s3_put_data, and a
 * request waiting to retry does not hold up the others. Used by one
 * thread; the client's other calls must not run while PUTs of the batch
 * are in flight (finish them with argo_s3_batch_next first). */
typedef struct argo_s3_batch argo_s3_batch;

int argo_s3_batch_new(argo_s3 *s3, argo_s3_batch **out, argo_err *err);
/* Cancels the PUTs not handed back yet (an object may or may not have
 * been stored). NULL: no-op. */
void argo_s3_batch_free(argo_s3_batch *b);

/* Queues a PUT of data under key; data (malloc'd) is taken over and
 * freed by the batch, also on error. Up to the multipart threshold only
 * (ARGO_EINVAL above it: use argo_s3_put_data). Sent by
 * argo_s3_batch_next; the batch starts at most [s3] concurrency at once. */
int argo_s3_batch_put(argo_s3_batch *b, const char *key, uint8_t *data, size_t len,
                      const argo_s3_put *opt, void *tag, argo_err *err);

/* Runs the PUTs until one ends: *got true, *tag the one's tag, and its
 * result returned as argo_s3_put_data's (out filled on 0). *got false
 * and 0 when none is queued. */
int argo_s3_batch_next(argo_s3_batch *b, void **tag, argo_s3_object *out, bool *got, argo_err *err);

/* PUTs queued and not handed back yet. */
size_t argo_s3_batch_pending(const argo_s3_batch *b);

/* HEAD (with x-amz-checksum-mode: ENABLED). *found false on 404. */
int argo_s3_head(argo_s3 *s3, const char *key, argo_s3_object *out, bool *found, argo_err *err);

/* GET the whole object into a new buffer freed with free(). */
int argo_s3_get(argo_s3 *s3, const char *key, uint8_t **data, size_t *len, argo_err *err);

/* PUT ?lifecycle with the XML (Content-MD5, and the
 * x-amz-transition-default-minimum-object-size header when given). */
int argo_s3_lifecycle_put(argo_s3 *s3, const char *xml, const char *min_size_behaviour,
                          argo_err *err);

/* GET ?lifecycle: the XML in a new string, and the object-size header
 * ("" when absent). *found false when the bucket has no configuration. */
int argo_s3_lifecycle_get(argo_s3 *s3, char **xml, char *min_size, size_t min_size_len, bool *found,
                          argo_err *err);

/* The MD5 of data as S3 reports an ETag: hex; and for a multipart upload
 * of nparts parts, hex MD5 of the parts' MD5s + "-nparts". */
void argo_s3_etag(const uint8_t *data, size_t len, int64_t part_size, char out[80]);

/* The client's settings. */
const argo_s3_config *argo_s3_settings(const argo_s3 *s3);

/* Describes the target for messages and the store: "ENDPOINT/BUCKET". */
const char *argo_s3_target(const argo_s3 *s3);

#endif
