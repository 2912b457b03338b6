/* SPDX-License-Identifier: MIT */
/*
 * app/copy.c - argo store copy (app/copy.h). Written here because no
 * Debian package moves rows between argo's schemas on SQLite and
 * PostgreSQL and verifies them (pgloader converts a generic SQLite
 * schema into its own, with its own types and without argo's id
 * counters and locks); this file only drives the backend-neutral row
 * interface of store.h.
 *
 * Collect, then act (store.h): the source's scan callback fills a batch
 * and hands it to the target, a different handle, which store.h allows;
 * nothing calls the source from inside its own scan. Values are copied
 * out of the scan's borrowed memory into the batch's own bytes.
 */
#include "app/copy.h"

#include "app/flow_store.h"

#include "base/digest.h"
#include "base/grow.h"
#include "base/jsonmem.h"
#include "store/store.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool is_pg(const char *url)
{
    return !strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11);
}

/* The SQLite path of a URL ("sqlite:PATH" or PATH); NULL for PostgreSQL. */
static const char *sqlite_path(const char *url)
{
    if (is_pg(url))
        return NULL;
    return !strncmp(url, "sqlite:", 7) ? url + 7 : url;
}

/* Whether the two URLs name one store: the same text (postgres:// and
 * postgresql:// alike), or one existing SQLite file. */
static bool same_store(const char *a, const char *b)
{
    const char *pa = sqlite_path(a), *pb = sqlite_path(b);
    if (!pa && !pb) {
        a += !strncmp(a, "postgresql://", 13) ? 13 : 11;
        b += !strncmp(b, "postgresql://", 13) ? 13 : 11;
        return !strcmp(a, b);
    }
    if (!pa || !pb)
        return false;
    if (!strcmp(pa, pb))
        return strcmp(pa, ":memory:") != 0;
    struct stat sa, sb;
    return stat(pa, &sa) == 0 && stat(pb, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* ---- the checksum of a table's rows ------------------------------------- */

static void le64(unsigned char *p, uint64_t u)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * i));
}

/* Adds a row's canonical encoding (app/copy.h) to h. */
static bool hash_row(argo_sha256 *h, const argo_value *row, size_t ncols)
{
    unsigned char buf[9 * 64];
    size_t used = 0;
    for (size_t i = 0; i < ncols; i++) {
        const argo_value *v = &row[i];
        if (used + 9 > sizeof buf) {
            if (!argo_sha256_update(h, buf, used))
                return false;
            used = 0;
        }
        buf[used++] = (unsigned char)v->type;
        uint64_t u = 0;
        switch (v->type) {
        case ARGO_V_NULL:
            continue;
        case ARGO_V_INT:
            u = (uint64_t)v->i;
            break;
        case ARGO_V_REAL:
            memcpy(&u, &v->r, sizeof u);
            break;
        case ARGO_V_TEXT:
        case ARGO_V_BLOB:
            u = (uint64_t)v->len;
            break;
        }
        le64(buf + used, u);
        used += 8;
        if ((v->type == ARGO_V_TEXT || v->type == ARGO_V_BLOB) && v->len) {
            if (!argo_sha256_update(h, buf, used) || !argo_sha256_update(h, v->p, v->len))
                return false;
            used = 0;
        }
    }
    return argo_sha256_update(h, buf, used);
}

typedef struct summer {
    argo_sha256 *h;
    const argo_store_table *t;
    int64_t rows;
    argo_err *err;
} summer;

static int sum_row(void *ctx, const argo_value *row)
{
    summer *s = ctx;
    s->rows++;
    if (!hash_row(s->h, row, s->t->ncols))
        return argo_err_set(s->err, ARGO_ENOMEM, "out of memory checksumming table %s", s->t->name);
    return 0;
}

/* Rows and checksum of table t of st. */
static int table_sum(argo_store *st, const argo_store_table *t, argo_sha256 *h, int64_t *rows,
                     char hex[65], argo_err *err)
{
    summer s = {.h = h, .t = t, .err = err};
    int rc = argo_store_rows_scan(st, t->name, sum_row, &s, err);
    if (rc)
        return rc;
    if (!argo_sha256_final_hex(h, hex))
        return argo_err_set(err, ARGO_ENOMEM, "out of memory checksumming table %s", t->name);
    *rows = s.rows;
    return ARGO_OK;
}

/* ---- copying one table in batches ------------------------------------------ */

typedef struct copier {
    argo_store *dst;
    const argo_store_table *t;
    argo_sha256 *h;          /* of the rows read */
    int64_t rows;            /* read */
    int64_t put, fail_after; /* rows put into the target, of every table */
    size_t batch_rows;
    argo_value *v;        /* batch_rows rows of the widest table's values */
    size_t n;             /* rows in the batch */
    unsigned char *bytes; /* the batch's texts and blobs */
    size_t used, cap;
    argo_err *err;
} copier;

static int flush(copier *c)
{
    if (!c->n)
        return ARGO_OK;
    size_t nv = c->n * c->t->ncols;
    for (size_t k = 0; k < nv; k++) /* offsets into bytes become pointers */
        if (c->v[k].type == ARGO_V_TEXT || c->v[k].type == ARGO_V_BLOB)
            c->v[k].p = c->v[k].len ? c->bytes + c->v[k].i : (const void *)"";
    if (c->fail_after > 0 && c->put + (int64_t)c->n >= c->fail_after)
        return argo_err_set(c->err, ARGO_EIO, "table %s: failure injected after %lld rows (a test)",
                            c->t->name, (long long)c->fail_after);
    int rc = argo_store_rows_put(c->dst, c->t->name, c->v, c->n, c->err);
    if (rc)
        return argo_err_prefix(c->err, "copying table %s into the target: ", c->t->name);
    c->put += (int64_t)c->n;
    c->n = 0;
    c->used = 0;
    return ARGO_OK;
}

static int take_row(void *ctx, const argo_value *row)
{
    copier *c = ctx;
    size_t nc = c->t->ncols;
    c->rows++;
    if (!hash_row(c->h, row, nc))
        return argo_err_set(c->err, ARGO_ENOMEM, "out of memory checksumming table %s", c->t->name);
    argo_value *to = c->v + c->n * nc;
    for (size_t i = 0; i < nc; i++) {
        to[i] = row[i];
        if (row[i].type != ARGO_V_TEXT && row[i].type != ARGO_V_BLOB)
            continue;
        size_t len = row[i].len;
        if (len > SIZE_MAX - c->used)
            return argo_err_set(c->err, ARGO_ELIMIT, "table %s: a value of %zu bytes", c->t->name,
                                len);
        unsigned char *b = argo_grow(c->bytes, &c->cap, c->used + len, 1, 4096);
        if (!b)
            return argo_err_set(c->err, ARGO_ENOMEM,
                                "out of memory copying table %s (a value of"
                                " %zu bytes)",
                                c->t->name, len);
        c->bytes = b;
        if (len)
            memcpy(c->bytes + c->used, row[i].p, len);
        to[i].p = NULL;
        to[i].i = (int64_t)c->used; /* an offset until flush: bytes may move */
        c->used += len;
    }
    c->n++;
    if (c->n == c->batch_rows || c->used >= ARGO_COPY_BATCH_BYTES)
        return flush(c);
    return 0;
}

/* ---- the copy ---------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Removes a SQLite file this copy created, with its companions. */
static void remove_created(const char *path)
{
    static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
    for (size_t k = 0; k < sizeof ext / sizeof ext[0]; k++) {
        char p[4096 + 16];
        snprintf(p, sizeof p, "%s%s", path, ext[k]);
        unlink(p);
    }
}

/* Whether the target has rows: the first table that has some. */
static int target_rows(argo_store *dst, const argo_store_table *t, size_t nt, size_t *which,
                       int64_t *n, argo_err *err)
{
    *n = 0;
    for (size_t i = 0; i < nt; i++) {
        int rc = argo_store_rows_count(dst, t[i].name, n, err);
        if (rc)
            return rc;
        if (*n) {
            *which = i;
            return ARGO_OK;
        }
    }
    return ARGO_OK;
}

/* Everything inside the target's transaction: clear when asked, copy
 * every table, verify. */
static int copy_all(argo_store *src, argo_store *dst, const char *to_masked,
                    const argo_store_copy_options *opt, argo_store_copy_result *res, argo_err *err)
{
    size_t nt;
    const argo_store_table *t = argo_store_tables(&nt);
    assert(nt <= ARGO_COPY_TABLES_MAX);
    int rc;
    if ((rc = argo_store_lock(dst, "ingest", err)) || (rc = argo_store_lock(dst, "cycle", err)))
        return rc;
    size_t which = 0;
    int64_t n = 0;
    if ((rc = target_rows(dst, t, nt, &which, &n, err)))
        return rc;
    if (n && !opt->replace)
        return argo_err_set(err, ARGO_ECONFLICT,
                            "target %s is not empty (table %s has %lld row%s): copy with replace"
                            " (--replace) to delete its rows first",
                            to_masked, t[which].name, (long long)n, n == 1 ? "" : "s");
    if (n) {
        if ((rc = argo_store_rows_clear(dst, err)))
            return argo_err_prefix(err, "clearing the target: ");
        res->replaced = true;
    }
    size_t maxcols = 1;
    for (size_t i = 0; i < nt; i++)
        maxcols = t[i].ncols > maxcols ? t[i].ncols : maxcols;
    copier c = {.dst = dst,
                .batch_rows = opt->batch_rows ? opt->batch_rows : ARGO_COPY_BATCH_ROWS,
                .fail_after = opt->fail_after_rows,
                .err = err};
    if (c.batch_rows > SIZE_MAX / (maxcols * sizeof *c.v))
        return argo_err_set(err, ARGO_ELIMIT, "a batch of %zu rows is too large", c.batch_rows);
    c.v = malloc(c.batch_rows * maxcols * sizeof *c.v); /* rows of the widest table */
    argo_sha256 *h = argo_sha256_new();
    if (!c.v || !h) {
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory starting the copy");
        goto out;
    }
    c.h = h;
    for (size_t i = 0; i < nt; i++) {
        c.t = &t[i];
        c.rows = 0;
        c.n = c.used = 0;
        argo_err_clear(err);
        rc = argo_store_rows_scan(src, t[i].name, take_row, &c, err);
        if (rc && !err->msg[0]) /* the store's own message, else the callback's */
            argo_err_set(err, rc, "copying table %s: %s", t[i].name, argo_strerror(rc));
        else if (rc && err->code == rc && !strstr(err->msg, t[i].name))
            argo_err_prefix(err, "reading table %s of the source: ", t[i].name);
        if (rc || (rc = flush(&c)))
            goto out;
        argo_store_copy_table *ct = &res->tables[i];
        snprintf(ct->name, sizeof ct->name, "%s", t[i].name);
        ct->rows = c.rows;
        if (!argo_sha256_final_hex(h, ct->sha256)) {
            rc = argo_err_set(err, ARGO_ENOMEM, "out of memory checksumming table %s", t[i].name);
            goto out;
        }
    }
    /* verify: each side scanned again, before the target commits */
    for (size_t i = 0; i < nt; i++) {
        const argo_store_copy_table *ct = &res->tables[i];
        int64_t rs = 0, rd = 0;
        char hs[65], hd[65];
        if ((rc = table_sum(src, &t[i], h, &rs, hs, err))) {
            argo_err_prefix(err, "verifying table %s on the source: ", t[i].name);
            goto out;
        }
        if ((rc = table_sum(dst, &t[i], h, &rd, hd, err))) {
            argo_err_prefix(err, "verifying table %s on the target: ", t[i].name);
            goto out;
        }
        if (rs != ct->rows || strcmp(hs, ct->sha256)) {
            rc = argo_err_set(err, ARGO_ECONFLICT,
                              "table %s of the source changed during the copy (%lld rows, then"
                              " %lld): nothing was copied; stop its writers and copy again",
                              t[i].name, (long long)ct->rows, (long long)rs);
            goto out;
        }
        if (rd != rs || strcmp(hd, hs)) {
            rc = argo_err_set(err, ARGO_ECORRUPT,
                              "table %s differs after the copy (source %lld rows, sha256 %.12s;"
                              " target %lld rows, sha256 %.12s): nothing was copied",
                              t[i].name, (long long)rs, hs, (long long)rd, hd);
            goto out;
        }
        res->rows += rs;
    }
    res->n = nt;
    rc = ARGO_OK;
out:
    argo_sha256_free(h);
    free(c.v);
    free(c.bytes);
    return rc;
}

int argo_app_store_copy(const char *from_url, const char *to_url,
                        const argo_store_copy_options *opt, argo_store_copy_result *res,
                        argo_err *err)
{
    assert(res);
    memset(res, 0, sizeof *res);
    argo_store_copy_options dflt = {.busy_timeout_ms = -1};
    if (!opt)
        opt = &dflt;
    if (!from_url || !*from_url)
        return argo_err_set(err, ARGO_EINVAL, "no source store given");
    if (!to_url || !*to_url)
        return argo_err_set(err, ARGO_EINVAL, "no target store given");
    argo_store_url_masked(from_url, res->from, sizeof res->from);
    argo_store_url_masked(to_url, res->to, sizeof res->to);
    if (same_store(from_url, to_url))
        return argo_err_set(err, ARGO_EINVAL,
                            "source and target are the same store (%s): nothing to copy",
                            res->from);
    const char *to_path = sqlite_path(to_url);
    struct stat sb;
    bool created = to_path && strcmp(to_path, ":memory:") && stat(to_path, &sb) != 0;
    double t0 = now_s();
    argo_store *src = NULL, *dst = NULL;
    argo_store_options so = {.busy_timeout_ms = opt->busy_timeout_ms, .read_only = true};
    argo_store_options to = {.busy_timeout_ms = opt->busy_timeout_ms};
    int rc = argo_store_open(from_url, &so, &src, err);
    if (rc) {
        argo_err_prefix(err, "source: ");
        goto out;
    }
    if ((rc = argo_store_open(to_url, &to, &dst, err))) {
        argo_err_prefix(err, "target: ");
        goto out;
    }
    bool held = false;
    long holder = 0;
    if ((rc = argo_store_held(dst, "serve", &held, &holder, err)))
        goto out;
    if (held) {
        rc = argo_err_set(err, ARGO_EBUSY,
                          "target %s is served by argo serve (pid %ld): stop it before copying"
                          " into it",
                          res->to, holder);
        goto out;
    }
    if ((rc = argo_store_begin(dst, err))) {
        argo_err_prefix(err, "target: ");
        goto out;
    }
    rc = copy_all(src, dst, res->to, opt, res, err);
    if (!rc)
        rc = argo_store_commit(dst, err);
    if (rc)
        argo_store_rollback(dst);
    /* the copied outcomes in the target's aggregates (PostgreSQL's
     * materialized views); committed either way, so a failure here says
     * so and the target stays */
    if (!rc && (rc = argo_flow_refresh_aggregates(dst, "store copy", err)))
        created = false;
    snprintf(res->from_backend, sizeof res->from_backend, "%s", argo_store_backend(src));
    snprintf(res->to_backend, sizeof res->to_backend, "%s", argo_store_backend(dst));
out:
    argo_store_close(src);
    argo_store_close(dst);
    if (rc) {
        if (created)
            remove_created(to_path);
        char from[ARGO_COPY_URL_MAX], tom[ARGO_COPY_URL_MAX];
        memcpy(from, res->from, sizeof from);
        memcpy(tom, res->to, sizeof tom);
        memset(res, 0, sizeof *res);
        memcpy(res->from, from, sizeof from);
        memcpy(res->to, tom, sizeof tom);
        return rc;
    }
    res->seconds = now_s() - t0;
    return ARGO_OK;
}

json_t *argo_json_store_copy(const argo_store_copy_result *r)
{
    json_t *tables = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(tables, json_pack("{s:s, s:I, s:s, s:b}", "name", r->tables[i].name,
                                                "rows", (json_int_t)r->tables[i].rows, "sha256",
                                                r->tables[i].sha256, "verified", 1));
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:f, s:b, s:o}", "from", r->from, "to", r->to,
                     "from_backend", r->from_backend, "to_backend", r->to_backend, "replaced",
                     r->replaced, "rows", (json_int_t)r->rows, "seconds", r->seconds, "verified",
                     r->n > 0, "tables", tables ? tables : json_null());
}
