/* SPDX-License-Identifier: MIT */
/* archive/remote.c - push and remote verify (archive/remote.h). */
#include "archive/remote.h"

#include "archive/sigv4.h"
#include "base/fileio.h"
#include "base/timeutil.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OBJECT_MAX ((size_t)5 << 30)

void argo_archive_key(const char *prefix, int64_t day, const char *name, char *out, size_t n)
{
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    snprintf(out, n, "%s%04d/%02d/%02d/%s", prefix, y, m, d, name);
}

int64_t argo_archive_retain_until(int64_t day, int years)
{
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    if (m == 2 && d == 29)
        d = 28;
    return argo_days_from_civil(y + years, (unsigned)m, (unsigned)d) * ARGO_DAY_SECONDS;
}

/* Reads a local backup file and checks it against its manifest. */
static int read_checked(const argo_backup_file *f, uint8_t **data, size_t *len, argo_err *err)
{
    int rc = argo_file_read(f->path, OBJECT_MAX, data, len, err);
    if (rc)
        return rc;
    char sha[65];
    argo_sha256_hex(*data, *len, sha);
    if (strcmp(sha, f->sha256) || (int64_t)*len != f->bytes) {
        free(*data);
        return argo_err_set(err, ARGO_ECORRUPT,
                            "%s: does not match its manifest (SHA-256 %.12s..., %zu bytes); "
                            "not uploaded: run argo backup verify",
                            f->path, sha, *len);
    }
    return ARGO_OK;
}

int argo_archive_push(argo_store *st, argo_s3 *s3, const char *root, const int64_t *days,
                      size_t ndays, argo_push_fn fn, void *ctx, argo_push_stats *stats,
                      argo_err *err)
{
    const argo_s3_config *cfg = argo_s3_settings(s3);
    memset(stats, 0, sizeof *stats);
    int rc = ARGO_OK;
    for (size_t i = 0; i < ndays && !rc; i++) {
        argo_backup_file *files;
        size_t nf;
        if ((rc = argo_backup_files(root, days[i], &files, &nf, err)))
            break;
        /* the day's records are written in one short transaction after its
         * uploads: one fsync per day, and no lock held over the network */
        argo_remote_object *done = malloc((nf ? nf : 1) * sizeof *done);
        size_t ndone = 0;
        if (!done) {
            free(files);
            rc = argo_err_set(err, ARGO_ENOMEM, "out of memory");
            break;
        }
        for (size_t k = 0; k < nf && !rc; k++) {
            const argo_backup_file *f = &files[k];
            argo_remote_object o = {0};
            snprintf(o.target, sizeof o.target, "%s", argo_s3_target(s3));
            argo_archive_key(cfg->prefix, days[i], f->name, o.key, sizeof o.key);
            argo_remote_object had;
            bool found;
            if ((rc = argo_store_remote_get(st, o.target, o.key, &had, &found, err)))
                break;
            if (found && !strcmp(had.sha256, f->sha256) && had.bytes == f->bytes) {
                stats->already++;
                if (fn)
                    fn(ctx, &had, false);
                continue;
            }
            uint8_t *data;
            size_t len;
            if ((rc = read_checked(f, &data, &len, err)))
                break;
            argo_s3_put put = {.storage_class = cfg->storage_class};
            if (cfg->lock_mode[0]) {
                put.lock_mode = cfg->lock_mode;
                put.lock_until = argo_archive_retain_until(days[i], cfg->lock_years);
            }
            argo_s3_object obj;
            rc = argo_s3_put_data(s3, o.key, data, len, &put, &obj, err);
            free(data);
            if (rc)
                break;
            o.day = days[i];
            o.bytes = f->bytes;
            snprintf(o.sha256, sizeof o.sha256, "%s", f->sha256);
            snprintf(o.etag, sizeof o.etag, "%s", obj.etag);
            snprintf(o.storage_class, sizeof o.storage_class, "%s", cfg->storage_class);
            if (put.lock_mode) {
                snprintf(o.lock_mode, sizeof o.lock_mode, "%s", put.lock_mode);
                o.lock_until = put.lock_until;
            }
            o.uploaded_at = (int64_t)time(NULL);
            done[ndone++] = o;
            stats->uploaded++;
            stats->bytes += (size_t)f->bytes;
            if (fn)
                fn(ctx, &o, true);
        }
        /* what was uploaded is recorded even when a later file failed */
        argo_err werr;
        argo_err *e = rc ? &werr : err;
        int wrc = ndone ? argo_store_begin(st, e) : 0;
        for (size_t k = 0; k < ndone && !wrc; k++)
            wrc = argo_store_remote_put(st, &done[k], e);
        if (ndone && !wrc)
            wrc = argo_store_commit(st, e);
        if (wrc)
            argo_store_rollback(st);
        if (wrc && !rc)
            rc = wrc;
        free(done);
        free(files);
    }
    return rc;
}

/* Hex SHA-256 to S3's base64 form. */
static void sha_b64(const char *hexs, char out[64])
{
    unsigned char b[32];
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        sscanf(hexs + 2 * i, "%2x", &v);
        b[i] = (unsigned char)v;
    }
    EVP_EncodeBlock((unsigned char *)out, b, 32);
}

static int check_one(argo_store *st, argo_s3 *s3, const argo_backup_file *f, int64_t day,
                     bool download, argo_remote_check *c, argo_err *err)
{
    const argo_s3_config *cfg = argo_s3_settings(s3);
    memset(c, 0, sizeof *c);
    c->ok = true;
    argo_archive_key(cfg->prefix, day, f->name, c->key, sizeof c->key);
    bool found;
    int rc = argo_s3_head(s3, c->key, &c->head, &found, err);
    if (rc)
        return rc;
    if (!found) {
        c->ok = false;
        snprintf(c->problem, sizeof c->problem, "missing on the server");
        return ARGO_OK;
    }
    if (c->head.size != f->bytes) {
        c->ok = false;
        snprintf(c->problem, sizeof c->problem,
                 "changed remotely: %lld bytes, the manifest says %lld", (long long)c->head.size,
                 (long long)f->bytes);
        return ARGO_OK;
    }
    argo_remote_object rec;
    bool recorded;
    if ((rc = argo_store_remote_get(st, argo_s3_target(s3), c->key, &rec, &recorded, err)))
        return rc;
    bool need_get = download;
    if (c->head.checksum_sha256[0] && !strchr(c->head.checksum_sha256, '-')) {
        char want[64];
        sha_b64(f->sha256, want);
        if (strcmp(want, c->head.checksum_sha256)) {
            c->ok = false;
            snprintf(c->problem, sizeof c->problem,
                     "changed remotely: the server's SHA-256 %s is not the manifest's %s",
                     c->head.checksum_sha256, want);
            return ARGO_OK;
        }
    } else if (!recorded || strcmp(rec.etag, c->head.etag)) {
        need_get = true; /* an ETag we did not see at upload: look at the bytes */
    }
    if (recorded && rec.lock_mode[0] && !c->head.lock_mode[0]) {
        char until[32];
        c->ok = false;
        snprintf(c->problem, sizeof c->problem,
                 "uploaded with Object Lock %s until %s, the server reports no lock", rec.lock_mode,
                 argo_time_format(rec.lock_until, until, sizeof until));
    }
    bool cold =
        !strcmp(c->head.storage_class, "GLACIER") || !strcmp(c->head.storage_class, "DEEP_ARCHIVE");
    if (need_get && cold) { /* GET answers InvalidObjectState until restored */
        if (!recorded || strcmp(rec.etag, c->head.etag)) {
            c->ok = false;
            snprintf(c->problem, sizeof c->problem,
                     "ETag %s is not the one recorded at upload (%s) and the object is in %s: "
                     "restore it to compare the bytes",
                     c->head.etag, recorded ? rec.etag : "none", c->head.storage_class);
        }
        need_get = false;
    }
    if (need_get) {
        uint8_t *data;
        size_t len;
        if ((rc = argo_s3_get(s3, c->key, &data, &len, err)))
            return rc;
        c->downloaded = true;
        char sha[65];
        argo_sha256_hex(data, len, sha);
        free(data);
        if (strcmp(sha, f->sha256)) {
            c->ok = false;
            snprintf(c->problem, sizeof c->problem,
                     "changed remotely: SHA-256 %s, the manifest says %s (ETag %s, %s at upload)",
                     sha, f->sha256, c->head.etag, recorded ? rec.etag : "not recorded");
        }
    }
    return ARGO_OK;
}

int argo_archive_verify_remote(argo_store *st, argo_s3 *s3, const char *root, const int64_t *days,
                               size_t ndays, bool download, argo_verify_fn fn, void *ctx,
                               size_t *checked, size_t *bad, argo_err *err)
{
    *checked = *bad = 0;
    int rc = ARGO_OK;
    for (size_t i = 0; i < ndays && !rc; i++) {
        argo_backup_file *files;
        size_t nf;
        if ((rc = argo_backup_files(root, days[i], &files, &nf, err)))
            break;
        for (size_t k = 0; k < nf && !rc; k++) {
            argo_remote_check c;
            if ((rc = check_one(st, s3, &files[k], days[i], download, &c, err)))
                break;
            (*checked)++;
            *bad += !c.ok;
            if (fn)
                fn(ctx, &c);
        }
        free(files);
    }
    return rc;
}
