/* SPDX-License-Identifier: MIT */
/* archive/remote.c - push and remote verify (archive/remote.h). */
#include "archive/remote.h"

#include "base/digest.h"
#include "base/fileio.h"
#include "base/grow.h"
#include "base/timeutil.h"

#include <assert.h>
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    int rc = argo_file_read(f->path, (size_t)ARGO_BACKUP_FILE_MAX, data, len, err);
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

/* One object to send: a backup file (f) or a month's bundle (data). */
typedef struct item {
    char key[1024];
    int64_t day; /* for the lock date: the backup day, or a bundle's last day */
    const argo_backup_file *f;
    const uint8_t *data;
    size_t len;
    char sha256[65];
    int64_t bytes;
} item;

/* Uploads run concurrently ([s3] concurrency, argo_s3_batch): an object
 * is read and checked against its manifest here, on the main thread,
 * before it is queued; each one that the server accepted (ETag checked)
 * joins done, and done is written to the store in key order at the end
 * of a day (or bundled month), at most once a second, without waiting
 * for the uploads still in flight. A failure:
 * nothing more is queued, what is in flight finishes (its successes are
 * recorded), and the first error is the push's. Bundles and files over
 * the multipart threshold go up one at a time, once the batch is idle. */
typedef struct pusher {
    argo_store *st;
    argo_s3 *s3;
    argo_s3_batch *batch;
    argo_remote_object *done;
    size_t ndone, cap;
    int failed;         /* the first upload error, 0 until one */
    double recorded_at; /* monotonic seconds of the last record() */
    argo_err first;     /* its message */
    /* a day's manifest goes up only once every earlier file of its day
     * has (the bucket never holds a manifest whose files are not there):
     * per day, the uploads in flight, and the manifests held until then */
    struct day_out {
        int64_t day;
        size_t n;
    } * out;
    size_t nout, outcap;
    struct held {
        argo_remote_object *tag;
        uint8_t *data;
        size_t len;
        argo_s3_put put;
    } * held;
    size_t nheld, heldcap;
    argo_push_stats *stats;
    argo_push_fn fn;
    void *ctx;
} pusher;

/* The uploads of day in flight, added to by d. */
static int day_count(pusher *p, int64_t day, int d, size_t *n, argo_err *err)
{
    size_t i = 0;
    while (i < p->nout && p->out[i].day != day)
        i++;
    if (i == p->nout) {
        if (d <= 0) {
            *n = 0;
            return ARGO_OK;
        }
        struct day_out *g = argo_grow(p->out, &p->outcap, p->nout + 1, sizeof *g, 16);
        if (!g)
            return argo_err_set(err, ARGO_ENOMEM, "out of memory");
        p->out = g;
        p->out[p->nout++] = (struct day_out){day, 0};
    }
    p->out[i].n = (size_t)((int64_t)p->out[i].n + d);
    *n = p->out[i].n;
    if (!*n) /* done with the day: dropped */
        p->out[i] = p->out[--p->nout];
    return ARGO_OK;
}

/* Queues an upload (data taken over, tag too on success). */
static int enqueue(pusher *p, argo_remote_object *tag, uint8_t *data, size_t len,
                   const argo_s3_put *put, argo_err *err)
{
    size_t n;
    int rc = day_count(p, tag->day, 1, &n, err);
    if (rc) {
        free(data);
        return rc;
    }
    if ((rc = argo_s3_batch_put(p->batch, tag->key, data, len, put, tag, err)))
        day_count(p, tag->day, -1, &n, err);
    return rc;
}

/* Queues the first manifest held for day, if any and none of the day's
 * uploads is in flight. */
static int release_held(pusher *p, int64_t day, argo_err *err)
{
    size_t n;
    int rc = day_count(p, day, 0, &n, err);
    if (rc || n)
        return rc;
    for (size_t i = 0; i < p->nheld; i++)
        if (p->held[i].tag->day == day) {
            struct held h = p->held[i];
            memmove(p->held + i, p->held + i + 1, (p->nheld - i - 1) * sizeof *p->held);
            p->nheld--;
            if ((rc = enqueue(p, h.tag, h.data, h.len, &h.put, err)))
                free(h.tag);
            return rc;
        }
    return ARGO_OK;
}

/* An object uploaded: joins done (recorded at the next record()). */
static int uploaded(pusher *p, const argo_remote_object *o, const argo_s3_object *obj,
                    argo_err *err)
{
    if (p->ndone == p->cap) {
        argo_remote_object *g = argo_grow(p->done, &p->cap, p->ndone + 1, sizeof *g, 64);
        if (!g)
            return argo_err_set(err, ARGO_ENOMEM, "out of memory");
        p->done = g;
    }
    argo_remote_object *d = &p->done[p->ndone++];
    *d = *o;
    snprintf(d->etag, sizeof d->etag, "%s", obj->etag);
    d->uploaded_at = (int64_t)time(NULL);
    p->stats->uploaded++;
    p->stats->bytes += (size_t)o->bytes;
    return ARGO_OK;
}

/* Waits for one upload of the batch to end. The first failure is kept
 * in p->failed / p->first; a later one is dropped (its object is not
 * recorded: the next push sends it). */
static void finish_one(pusher *p)
{
    void *tag;
    argo_s3_object obj;
    bool got;
    argo_err e = {0};
    int rc = argo_s3_batch_next(p->batch, &tag, &obj, &got, &e);
    if (!got) {
        if (rc && !p->failed) {
            p->failed = rc;
            p->first = e;
        }
        return;
    }
    argo_remote_object *o = tag;
    if (!rc)
        rc = uploaded(p, o, &obj, &e);
    size_t n;
    if (!rc)
        rc = day_count(p, o->day, -1, &n, &e);
    if (!rc)
        rc = release_held(p, o->day, &e);
    if (rc && !p->failed) {
        p->failed = rc;
        p->first = e;
    }
    free(o);
}

/* Waits for every upload in flight. */
static void finish_all(pusher *p)
{
    while (argo_s3_batch_pending(p->batch))
        finish_one(p);
}

static int failure(pusher *p, argo_err *err)
{
    if (err && p->failed)
        *err = p->first;
    return p->failed;
}

static int push_item(pusher *p, const item *it, argo_err *err)
{
    if (p->failed)
        return failure(p, err);
    const argo_s3_config *cfg = argo_s3_settings(p->s3);
    argo_remote_object o = {0};
    snprintf(o.target, sizeof o.target, "%s", argo_s3_target(p->s3));
    snprintf(o.key, sizeof o.key, "%s", it->key);
    argo_remote_object had;
    bool found;
    int rc = argo_store_remote_get(p->st, o.target, o.key, &had, &found, err);
    if (rc)
        return rc;
    if (found && !strcmp(had.sha256, it->sha256) && had.bytes == it->bytes) {
        p->stats->already++;
        if (p->fn)
            p->fn(p->ctx, &had, false);
        return ARGO_OK;
    }
    uint8_t *data = NULL;
    size_t len = it->len;
    if (it->f && (rc = read_checked(it->f, &data, &len, err)))
        return rc;
    argo_s3_put put = {.storage_class = cfg->storage_class};
    if (cfg->lock_mode[0]) {
        put.lock_mode = cfg->lock_mode;
        put.lock_until = argo_archive_retain_until(it->day, cfg->lock_years);
    }
    o.day = it->day;
    o.bytes = it->bytes;
    snprintf(o.sha256, sizeof o.sha256, "%s", it->sha256);
    snprintf(o.storage_class, sizeof o.storage_class, "%s", cfg->storage_class);
    if (put.lock_mode) {
        snprintf(o.lock_mode, sizeof o.lock_mode, "%s", put.lock_mode);
        o.lock_until = put.lock_until;
    }
    if (!it->f || (int64_t)len > cfg->multipart_threshold) {
        /* a bundle (its buffer is the caller's) or a multipart upload:
         * alone, once the uploads in flight have ended */
        finish_all(p);
        if (p->failed) {
            free(data);
            return failure(p, err);
        }
        argo_s3_object obj;
        rc = argo_s3_put_data(p->s3, o.key, it->f ? data : it->data, len, &put, &obj, err);
        free(data);
        return rc ? rc : uploaded(p, &o, &obj, err);
    }
    while (argo_s3_batch_pending(p->batch) >= (size_t)cfg->concurrency && !p->failed)
        finish_one(p);
    if (p->failed) {
        free(data);
        return failure(p, err);
    }
    argo_remote_object *tag = malloc(sizeof *tag);
    if (!tag) {
        free(data);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    }
    *tag = o;
    size_t n = 0;
    bool earlier_held = false;
    for (size_t i = 0; i < p->nheld; i++)
        earlier_held |= p->held[i].tag->day == o.day;
    if (it->f->manifest && ((rc = day_count(p, o.day, 0, &n, err)) || n || earlier_held)) {
        if (!rc) { /* held until the day's other files are up */
            struct held *g = argo_grow(p->held, &p->heldcap, p->nheld + 1, sizeof *g, 16);
            if (g) {
                p->held = g;
                p->held[p->nheld++] = (struct held){tag, data, len, put};
                return ARGO_OK;
            }
            rc = argo_err_set(err, ARGO_ENOMEM, "out of memory");
        }
        free(data);
        free(tag);
        return rc;
    }
    if ((rc = enqueue(p, tag, data, len, &put, err)))
        free(tag); /* data is the batch's, freed */
    return rc;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const argo_remote_object *)a)->key, ((const argo_remote_object *)b)->key);
}

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Records what was uploaded, even when a later upload failed (rc): one
 * short transaction in key order, no lock held over the network, one
 * fsync. With rc, the uploads in flight are first waited for. Each
 * object is reported to fn once its record is committed. Without rc and
 * unless final, at most one transaction a RECORD_EVERY_S: an fsync per
 * day of a few small files would cost more than their uploads. */
#define RECORD_EVERY_S 1.0
static int record(pusher *p, int rc, bool final, argo_err *err)
{
    if (!rc && !final && mono_s() - p->recorded_at < RECORD_EVERY_S)
        return ARGO_OK;
    p->recorded_at = mono_s();
    if (rc)
        finish_all(p);
    argo_err werr;
    argo_err *e = rc ? &werr : err;
    if (p->ndone)
        qsort(p->done, p->ndone, sizeof *p->done, by_key);
    int wrc = p->ndone ? argo_store_begin(p->st, e) : 0;
    if (p->ndone && !wrc)
        wrc = argo_store_lock(p->st, "push", e);
    for (size_t k = 0; k < p->ndone && !wrc; k++)
        wrc = argo_store_remote_put(p->st, &p->done[k], e);
    if (p->ndone && !wrc)
        wrc = argo_store_commit(p->st, e);
    if (wrc)
        argo_store_rollback(p->st);
    for (size_t k = 0; k < p->ndone && !wrc && p->fn; k++)
        p->fn(p->ctx, &p->done[k], true);
    p->ndone = 0;
    return rc ? rc : wrc;
}

void argo_archive_bundle_key(const char *prefix, int64_t day, char *out, size_t n)
{
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    snprintf(out, n, "%s%04d/%02d/bundle-%04d-%02d.tar", prefix, y, m, y, m);
}

/* The first day of the month after day's. */
static int64_t next_month(int64_t day)
{
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    return argo_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : (unsigned)m + 1, 1) *
           ARGO_DAY_SECONDS;
}

/* Days [i, *j) are one month's. */
static void month_span(const int64_t *days, size_t n, size_t i, size_t *j)
{
    int64_t end = next_month(days[i]);
    *j = i;
    while (*j < n && days[*j] < end)
        (*j)++;
}

static int bundle_item(const char *root, const int64_t *days, size_t n, const char *prefix,
                       uint8_t **tar, item *it, argo_err *err)
{
    size_t len;
    int rc = argo_archive_bundle(root, days, n, tar, &len, err);
    if (rc)
        return rc;
    memset(it, 0, sizeof *it);
    argo_archive_bundle_key(prefix, days[0], it->key, sizeof it->key);
    it->day = days[n - 1];
    it->data = *tar;
    it->len = len;
    it->bytes = (int64_t)len;
    argo_sha256_hex(*tar, len, it->sha256);
    return ARGO_OK;
}

/* Called for each object of the days (item), and with NULL after each
 * group (a day, or a bundled month) so the caller can record. */
typedef int (*item_fn)(void *ctx, const item *it, int rc, argo_err *err);

/* The objects of days, in order: each month ended before opt->now as
 * one bundle when opt->bundle_month (*held counts the days of months
 * not ended), else every file of every day. */
static int walk_items(const char *root, const int64_t *days, size_t ndays,
                      const argo_push_options *opt, const char *prefix, item_fn fn, void *ctx,
                      size_t *held, argo_err *err)
{
    int rc = ARGO_OK;
    *held = 0;
    for (size_t i = 0, j; i < ndays && !rc; i = j) {
        month_span(days, ndays, i, &j);
        if (opt && opt->bundle_month) {
            if (next_month(days[i]) > opt->now) { /* the month has not ended */
                *held += j - i;
                continue;
            }
            uint8_t *tar = NULL;
            item it;
            if (!(rc = bundle_item(root, days + i, j - i, prefix, &tar, &it, err)))
                rc = fn(ctx, &it, rc, err);
            free(tar);
            rc = fn(ctx, NULL, rc, err);
            continue;
        }
        for (size_t d = i; d < j && !rc; d++) {
            argo_backup_file *files;
            size_t nf;
            if ((rc = argo_backup_files(root, days[d], &files, &nf, err)))
                break;
            for (size_t k = 0; k < nf && !rc; k++) {
                item it = {.day = days[d], .f = &files[k], .bytes = files[k].bytes};
                argo_archive_key(prefix, days[d], files[k].name, it.key, sizeof it.key);
                snprintf(it.sha256, sizeof it.sha256, "%s", files[k].sha256);
                rc = fn(ctx, &it, rc, err);
            }
            free(files);
            rc = fn(ctx, NULL, rc, err);
        }
    }
    return rc;
}

static int push_cb(void *ctx, const item *it, int rc, argo_err *err)
{
    return it ? push_item(ctx, it, err) : record(ctx, rc, false, err);
}

int argo_archive_push(argo_store *st, argo_s3 *s3, const char *root, const int64_t *days,
                      size_t ndays, const argo_push_options *opt, argo_push_fn fn, void *ctx,
                      argo_push_stats *stats, argo_err *err)
{
    assert(st && s3 && root && (days || ndays == 0) && opt && stats);
    memset(stats, 0, sizeof *stats);
    pusher p = {.st = st, .s3 = s3, .stats = stats, .fn = fn, .ctx = ctx, .recorded_at = mono_s()};
    int rc = argo_s3_batch_new(s3, &p.batch, err);
    if (rc)
        return rc;
    rc = walk_items(root, days, ndays, opt, argo_s3_settings(s3)->prefix, push_cb, &p, &stats->held,
                    err);
    /* the last uploads, then their records (also after an error the walk
     * did not record: a day's file list that could not be read) */
    if (!rc) {
        finish_all(&p);
        rc = failure(&p, err);
    }
    rc = record(&p, rc, true, err);
    argo_s3_batch_free(p.batch);
    for (size_t i = 0; i < p.nheld; i++) { /* after a failure */
        free(p.held[i].tag);
        free(p.held[i].data);
    }
    free(p.held);
    free(p.out);
    free(p.done);
    return rc;
}

/* libarchive writes the tar through this into a growing buffer. */
typedef struct membuf {
    uint8_t *p;
    size_t len, cap;
    bool bad;
} membuf;

static la_ssize_t membuf_write(struct archive *a, void *user, const void *buf, size_t n)
{
    (void)a;
    membuf *m = user;
    uint8_t *g = argo_grow(m->p, &m->cap, m->len + n, 1, 1 << 16);
    if (!g) {
        m->bad = true;
        return -1;
    }
    m->p = g;
    memcpy(m->p + m->len, buf, n);
    m->len += n;
    return (la_ssize_t)n;
}

int argo_archive_bundle(const char *root, const int64_t *days, size_t n, uint8_t **out, size_t *len,
                        argo_err *err)
{
    *out = NULL;
    *len = 0;
    membuf m = {0};
    struct archive *a = archive_write_new();
    if (!a)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    int rc = ARGO_OK;
    /* no padding of the last block to 10 KiB: small months stay small */
    if (archive_write_set_format_ustar(a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        archive_write_open(a, &m, NULL, membuf_write, NULL) != ARCHIVE_OK)
        rc = argo_err_set(err, ARGO_EIO, "bundle: %s", archive_error_string(a));
    for (size_t i = 0; i < n && !rc; i++) {
        argo_backup_file *files;
        size_t nf;
        if ((rc = argo_backup_files(root, days[i], &files, &nf, err)))
            break;
        for (size_t k = 0; k < nf && !rc; k++) {
            uint8_t *data;
            size_t dl;
            if ((rc = read_checked(&files[k], &data, &dl, err)))
                break;
            /* fixed metadata: the same backups always give the same bytes */
            char name[128];
            argo_archive_key("", days[i], files[k].name, name, sizeof name);
            struct archive_entry *e = archive_entry_new();
            archive_entry_set_pathname(e, name);
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_size(e, (la_int64_t)dl);
            archive_entry_set_mtime(e, (time_t)days[i], 0);
            archive_entry_set_uid(e, 0);
            archive_entry_set_gid(e, 0);
            if (archive_write_header(a, e) != ARCHIVE_OK ||
                archive_write_data(a, data, dl) != (la_ssize_t)dl)
                rc = argo_err_set(err, m.bad ? ARGO_ENOMEM : ARGO_EIO, "bundle %s: %s", name,
                                  archive_error_string(a));
            archive_entry_free(e);
            free(data);
        }
        free(files);
    }
    if (archive_write_close(a) != ARCHIVE_OK && !rc)
        rc = argo_err_set(err, ARGO_EIO, "bundle: %s", archive_error_string(a));
    archive_write_free(a);
    if (rc) {
        free(m.p);
        return rc;
    }
    *out = m.p;
    *len = m.len;
    return ARGO_OK;
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

/* Checks the object at key against what it should hold: the sha256 and
 * bytes of f (a backup file, or a bundle built again locally). */
static int check_one(argo_store *st, argo_s3 *s3, const argo_backup_file *f, const char *key,
                     bool download, argo_remote_check *c, argo_err *err)
{
    memset(c, 0, sizeof *c);
    c->ok = true;
    snprintf(c->key, sizeof c->key, "%s", key);
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

typedef struct verifier {
    argo_store *st;
    argo_s3 *s3;
    bool download;
    argo_verify_fn fn;
    void *ctx;
    argo_verify_stats *vs;
} verifier;

static int verify_cb(void *ctx, const item *it, int rc, argo_err *err)
{
    verifier *v = ctx;
    if (!it)
        return rc;
    argo_backup_file f = {.bytes = it->bytes};
    snprintf(f.sha256, sizeof f.sha256, "%s", it->sha256);
    argo_remote_check c;
    if ((rc = check_one(v->st, v->s3, it->f ? it->f : &f, it->key, v->download, &c, err)))
        return rc;
    v->vs->checked++;
    v->vs->bad += !c.ok;
    if (v->fn)
        v->fn(v->ctx, &c);
    return ARGO_OK;
}

int argo_archive_verify_remote(argo_store *st, argo_s3 *s3, const char *root, const int64_t *days,
                               size_t ndays, const argo_push_options *opt, bool download,
                               argo_verify_fn fn, void *ctx, argo_verify_stats *vs, argo_err *err)
{
    assert(st && s3 && root && (days || ndays == 0) && opt && vs);
    memset(vs, 0, sizeof *vs);
    verifier v = {st, s3, download, fn, ctx, vs};
    return walk_items(root, days, ndays, opt, argo_s3_settings(s3)->prefix, verify_cb, &v,
                      &vs->held, err);
}
