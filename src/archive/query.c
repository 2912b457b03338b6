/* SPDX-License-Identifier: MIT */
/*
 * archive/query.c - win rate and P&L from the daily backups alone, by
 * symbol or by month. From Parquet it decodes only the four columns it
 * needs (symbol, status, exit_ts, pnl_pct) and skips row groups whose
 * exit_ts statistics fall outside the range; from CSV it must parse
 * every field of every line. Both give the same answer. Also argo
 * archive cat: a Parquet file's rows as JSON, nothing lost silently.
 */
#include "archive/archive.h"

#include "base/fileio.h"
#include "base/grow.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"
#include "track/track.h"

#include <assert.h>
#include <csv.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct agg {
    argo_query_result *out;
    size_t cap;
    uint32_t *slot; /* hash of keys -> index + 1 */
    uint64_t *hash; /* each row's key hash, by index */
    size_t nslot, hcap;
    bool by_month;
    int64_t from_ms, to_ms; /* exit_ts range, [from, to) */
    int64_t month_day;      /* the day whose month key is in month_key */
    char month_key[16];
    /* string pointer -> row index: Parquet rows share dictionary strings,
     * so a symbol costs one lookup per column chunk, not a hash per row */
    const char *pc_key[1024];
    uint32_t pc_row[1024];
    bool ptr_cache; /* only while strings are stable (Parquet), never for CSV buffers */
} agg;

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static int rehash(agg *a)
{
    size_t ns = a->nslot ? a->nslot * 2 : 256;
    uint32_t *slot = calloc(ns, sizeof *slot);
    if (!slot)
        return ARGO_ENOMEM;
    for (size_t i = 0; i < a->out->n; i++) {
        size_t h = hash_key(a->out->rows[i].key) & (ns - 1);
        while (slot[h])
            h = (h + 1) & (ns - 1);
        slot[h] = (uint32_t)i + 1;
    }
    free(a->slot);
    a->slot = slot;
    a->nslot = ns;
    return 0;
}

static int add(agg *a, const char *symbol, int64_t exit_ms, argo_status status, double pnl)
{
    if (exit_ms < a->from_ms || exit_ms >= a->to_ms)
        return 0;
    const char *key = symbol;
    size_t pc = ((uintptr_t)symbol >> 3) & 1023;
    if (a->ptr_cache && !a->by_month && a->pc_key[pc] == symbol) {
        argo_query_row *r = &a->out->rows[a->pc_row[pc]];
        r->resolved++;
        r->wins += argo_track_label_of(status, pnl) == 1;
        r->pnl_sum += pnl;
        return 0;
    }
    if (a->by_month) { /* one month key per day: no formatting per row */
        int64_t dayn = exit_ms >= 0 ? exit_ms / 86400000 : -((-exit_ms + 86399999) / 86400000);
        if (dayn != a->month_day || !a->month_key[0]) {
            int y, m, d;
            argo_time_civil(dayn * 86400, &y, &m, &d);
            snprintf(a->month_key, sizeof a->month_key, "%04d-%02d", y, m);
            a->month_day = dayn;
        }
        key = a->month_key;
    }
    if (2 * (a->out->n + 1) > a->nslot && rehash(a))
        return ARGO_ENOMEM;
    uint64_t hk = hash_key(key);
    size_t h = hk & (a->nslot - 1);
    while (a->slot[h] &&
           (a->hash[a->slot[h] - 1] != hk || strcmp(a->out->rows[a->slot[h] - 1].key, key)))
        h = (h + 1) & (a->nslot - 1);
    if (!a->slot[h]) {
        size_t n = a->out->n;
        argo_query_row *v = argo_grow(a->out->rows, &a->cap, n + 1, sizeof *v, 64);
        if (!v)
            return ARGO_ENOMEM;
        a->out->rows = v;
        uint64_t *hv = argo_grow(a->hash, &a->hcap, n + 1, sizeof *hv, 64);
        if (!hv)
            return ARGO_ENOMEM;
        a->hash = hv;
        memset(&v[n], 0, sizeof *v);
        snprintf(v[n].key, sizeof v[n].key, "%s", key);
        hv[n] = hk;
        a->slot[h] = (uint32_t)++a->out->n;
    }
    if (a->ptr_cache && !a->by_month) {
        a->pc_key[pc] = symbol;
        a->pc_row[pc] = a->slot[h] - 1;
    }
    argo_query_row *r = &a->out->rows[a->slot[h] - 1];
    r->resolved++;
    r->wins += argo_track_label_of(status, pnl) == 1;
    r->pnl_sum += pnl;
    return 0;
}

static argo_status status_of(const char *s)
{
    switch (s[0]) { /* WIN, LOSS, EXPIRED: the first letter decides */
    case 'W':
        return !strcmp(s, "WIN") ? ARGO_WIN : ARGO_OPEN;
    case 'L':
        return !strcmp(s, "LOSS") ? ARGO_LOSS : ARGO_OPEN;
    case 'E':
        return !strcmp(s, "EXPIRED") ? ARGO_EXPIRED : ARGO_OPEN;
    default:
        return ARGO_OPEN;
    }
}

static int query_parquet(agg *a, const char *path, argo_err *err)
{
    argo_pq_file *f;
    int rc = argo_pq_open(path, &f, err);
    if (rc)
        return rc;
    static const char *need[] = {"symbol", "status", "exit_ts", "pnl_pct"};
    static const argo_pq_type type[] = {ARGO_PQ_STRING, ARGO_PQ_STRING, ARGO_PQ_TIMESTAMP_MS,
                                        ARGO_PQ_DOUBLE};
    int col[4];
    for (int k = 0; k < 4; k++) {
        if ((col[k] = argo_pq_find_column(f, need[k])) < 0) {
            argo_pq_close(f);
            return argo_err_set(err, ARGO_ECORRUPT, "%s: no column %s", path, need[k]);
        }
        argo_pq_type t = argo_pq_column(f, (size_t)col[k])->type;
        if (t != type[k]) { /* the values are read as that type */
            argo_pq_close(f);
            return argo_err_set(err, ARGO_ECORRUPT, "%s: column %s is %s, expected %s", path,
                                need[k], argo_pq_type_name(t), argo_pq_type_name(type[k]));
        }
    }
    for (size_t g = 0; g < argo_pq_num_row_groups(f) && !rc; g++) {
        argo_pq_stats st;
        argo_pq_column_stats(f, g, (size_t)col[2], &st);
        if (st.has_minmax && (st.max < (double)a->from_ms || st.min >= (double)a->to_ms))
            continue; /* the row group holds no exit in range */
        argo_pq_values v[4] = {0};
        memset(a->pc_key, 0, sizeof a->pc_key); /* string pointers are per chunk */
        a->ptr_cache = true;
        for (int k = 0; k < 4 && !rc; k++)
            if ((rc = argo_pq_read(f, g, (size_t)col[k], &v[k], err)))
                argo_err_prefix(err, "%s: ", path);
        for (size_t i = 0; !rc && i < v[0].n; i++)
            if (v[0].valid[i] && v[1].valid[i] && v[2].valid[i] && v[3].valid[i])
                rc = add(a, v[0].str[i], v[2].i64[i], status_of(v[1].str[i]), v[3].f64[i]);
        for (int k = 0; k < 4; k++)
            argo_pq_values_cleanup(&v[k]);
        a->ptr_cache = false;
    }
    argo_pq_close(f);
    return rc == ARGO_ENOMEM ? argo_err_set(err, rc, "out of memory querying") : rc;
}

typedef struct csv_q {
    agg *a;
    int col[4], nf;
    bool header;
    char f[4][64];
    bool too_long[4];
    size_t line; /* the record being read, 1-based (the header is 1) */
    int rc;
    char why[160]; /* what is wrong with line `line` when rc */
} csv_q;

static void q_field(void *p, size_t n, void *u)
{
    static const char *need[] = {"symbol", "status", "exit_ts", "pnl_pct"};
    csv_q *q = u;
    for (int k = 0; k < 4; k++) {
        if (!q->header) { /* the header: find the four columns */
            if (n == strlen(need[k]) && !memcmp(p, need[k], n))
                q->col[k] = q->nf;
        } else if (q->col[k] == q->nf) {
            size_t l = n < 63 ? n : 63;
            memcpy(q->f[k], p, l);
            q->f[k][l] = '\0';
            q->too_long[k] = n > 63; /* refused below, never cut */
        }
    }
    q->nf++;
}

static void q_row(int c, void *u)
{
    (void)c;
    csv_q *q = u;
    static const char *need[] = {"symbol", "status", "exit_ts", "pnl_pct"};
    q->line += !q->rc; /* after an error, the line that had it stays */
    if (!q->header) {
        q->header = true;
    } else if (!q->rc) {
        int64_t ts;
        char *end;
        double pnl = strtod(q->f[3], &end);
        for (int k = 0; k < 4 && !q->rc; k++)
            if (q->too_long[k]) {
                q->rc = ARGO_EPARSE;
                snprintf(q->why, sizeof q->why, "%s is longer than 63 bytes", need[k]);
            }
        if (q->rc || !q->f[0][0] || !q->f[1][0] || !q->f[2][0] || !q->f[3][0])
            ; /* a null in one of the four: skipped, as from Parquet */
        else if (argo_time_parse(q->f[2], &ts) != 0 || ts > INT64_MAX / 1000 ||
                 ts < INT64_MIN / 1000) {
            q->rc = ARGO_EPARSE;
            snprintf(q->why, sizeof q->why, "exit_ts '%s' is not an ISO-8601 time", q->f[2]);
        } else if (*end || end == q->f[3]) {
            q->rc = ARGO_EPARSE;
            snprintf(q->why, sizeof q->why, "pnl_pct '%s' is not a number", q->f[3]);
        } else
            q->rc = add(q->a, q->f[0], ts * 1000, status_of(q->f[1]), pnl);
    }
    for (int k = 0; k < 4; k++) {
        q->f[k][0] = '\0'; /* a short record leaves no value of the one before */
        q->too_long[k] = false;
    }
    q->nf = 0;
}

static int query_csv(agg *a, const char *path, argo_err *err)
{
    uint8_t *data;
    size_t len;
    int rc = argo_file_read(path, (size_t)ARGO_BACKUP_FILE_MAX, &data, &len, err);
    if (rc)
        return rc;
    struct csv_parser p;
    csv_q q = {.a = a, .col = {-1, -1, -1, -1}};
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(data);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    }
    if (csv_parse(&p, data, len, q_field, q_row, &q) != len ||
        csv_fini(&p, q_field, q_row, &q) != 0)
        rc = argo_err_set(err, ARGO_ECORRUPT, "%s: malformed CSV", path);
    else if (q.col[0] < 0 || q.col[1] < 0 || q.col[2] < 0 || q.col[3] < 0)
        rc = argo_err_set(err, ARGO_ECORRUPT, "%s: missing columns", path);
    else if (q.rc == ARGO_EPARSE)
        rc = argo_err_set(err, ARGO_EPARSE, "%s:%zu: %s", path, q.line, q.why);
    else if (q.rc)
        rc = argo_err_set(err, q.rc, "out of memory querying");
    csv_free(&p);
    free(data);
    return rc;
}

void argo_query_result_cleanup(argo_query_result *r)
{
    free(r->rows);
    memset(r, 0, sizeof *r);
}

static int by_key(const void *x, const void *y)
{
    return strcmp(((const argo_query_row *)x)->key, ((const argo_query_row *)y)->key);
}

int argo_archive_query(const char *root, int64_t from, int64_t to, bool by_month, bool from_csv,
                       argo_query_result *out, argo_err *err)
{
    assert(root && out);
    memset(out, 0, sizeof *out);
    int64_t *days;
    size_t n;
    int rc = argo_backup_list(root, &days, &n, err);
    if (rc)
        return rc;
    /* days in seconds to an exit_ts range in milliseconds, saturating */
    const int64_t lim = INT64_MAX / 1000 - ARGO_DAY_SECONDS;
    agg a = {.out = out,
             .by_month = by_month,
             .month_day = INT64_MIN,
             .from_ms = from < -lim ? INT64_MIN : from * 1000,
             .to_ms = to > lim ? INT64_MAX : (to + ARGO_DAY_SECONDS) * 1000};
    for (size_t i = 0; i < n && !rc; i++) {
        if (days[i] < from || days[i] > to)
            continue;
        int y, m, d;
        argo_time_civil(days[i], &y, &m, &d);
        char mpath[ARGO_PATH_MAX], fpath[ARGO_PATH_MAX + 80];
        snprintf(mpath, sizeof mpath, "%s/%04d/%02d/%02d/manifest.json", root, y, m, d);
        argo_manifest man;
        if ((rc = argo_manifest_load(mpath, &man, err)))
            break;
        const char *name = NULL, *loc = NULL;
        for (size_t k = 0; k < man.nfiles; k++) {
            const argo_manifest_file *f = &man.files[k];
            if (f->kind == ARGO_BACKUP_OUTCOMES &&
                f->format == (from_csv ? ARGO_BACKUP_CSV : ARGO_BACKUP_PARQUET)) {
                name = f->name;
                loc = f->location;
            }
        }
        if (!name) {
            rc = argo_err_set(err, ARGO_ENOENT, "%s: no %s outcomes file", mpath,
                              from_csv ? "CSV" : "Parquet");
            break;
        }
        argo_backup_file_path(root, days[i], loc, name, fpath, sizeof fpath);
        rc = from_csv ? query_csv(&a, fpath, err) : query_parquet(&a, fpath, err);
        out->files++;
    }
    free(days);
    free(a.slot);
    free(a.hash);
    if (rc) {
        argo_query_result_cleanup(out);
        return rc;
    }
    if (out->n)
        qsort(out->rows, out->n, sizeof *out->rows, by_key);
    return ARGO_OK;
}

/* ---- argo archive cat ---- */

/* Seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the years an
 * ISO-8601 date writes with four digits. */
#define CAT_SEC_MIN INT64_C(-62167219200)
#define CAT_SEC_MAX INT64_C(253402300799)

/* Value i of a column as JSON into *j (NULL: dry run, only checked). */
static int cat_value(const argo_pq_values *x, size_t i, const char *path, const char *col,
                     size_t row, json_t **j, argo_err *err)
{
    if (!x->valid[i]) {
        if (j)
            *j = json_null();
        return 0;
    }
    switch (x->type) {
    case ARGO_PQ_BOOLEAN:
        if (j)
            *j = json_boolean(x->b[i]);
        return 0;
    case ARGO_PQ_INT32:
        if (j)
            *j = json_integer(x->i32[i]);
        return 0;
    case ARGO_PQ_DOUBLE: {
        double v = x->f64[i];
        if (j) /* JSON has no NaN or infinity: the strings JavaScript and Python use */
            *j = isnan(v)   ? json_string("NaN")
                 : isinf(v) ? json_string(v > 0 ? "Infinity" : "-Infinity")
                            : json_real(v);
        return 0;
    }
    case ARGO_PQ_STRING:
    case ARGO_PQ_BYTES:
        if (!argo_pq_utf8_valid(x->str[i], x->len[i]))
            return argo_err_set(err, ARGO_EPARSE,
                                "%s: column %s, row %zu: a %s value that is not UTF-8 (argo "
                                "archive cat prints text only)",
                                path, col, row, argo_pq_type_name(x->type));
        if (j)
            *j = json_stringn(x->str[i], x->len[i]);
        return 0;
    case ARGO_PQ_TIMESTAMP_MS:
    case ARGO_PQ_TIMESTAMP_US:
    case ARGO_PQ_TIMESTAMP_NS: {
        int64_t per = x->type == ARGO_PQ_TIMESTAMP_MS   ? 1000
                      : x->type == ARGO_PQ_TIMESTAMP_US ? 1000000
                                                        : 1000000000;
        int64_t v = x->i64[i];
        int64_t sec = v / per, frac = v % per; /* floor division, no product to overflow */
        if (frac < 0) {
            sec--;
            frac += per;
        }
        if (sec < CAT_SEC_MIN || sec > CAT_SEC_MAX)
            return argo_err_set(err, ARGO_EPARSE,
                                "%s: column %s, row %zu: %s value %lld is outside years "
                                "0000-9999",
                                path, col, row, argo_pq_type_name(x->type), (long long)v);
        if (j) {
            char t[48];
            argo_time_format_full(sec, t, sizeof t);
            size_t l = strlen(t) - 1; /* over the Z */
            if (x->type == ARGO_PQ_TIMESTAMP_NS)
                snprintf(t + l, sizeof t - l, ".%09lldZ", (long long)frac);
            else
                snprintf(t + l, sizeof t - l, ".%06lldZ",
                         (long long)(x->type == ARGO_PQ_TIMESTAMP_MS ? frac * 1000 : frac));
            *j = json_string(t);
        }
        return 0;
    }
    default:
        if (j)
            *j = json_integer(x->i64[i]);
        return 0;
    }
}

/* Every row of the file: checked only (print false), or printed. */
static int cat_rows(argo_pq_file *f, const char *path, bool print, FILE *out, argo_err *err)
{
    size_t nc = argo_pq_num_columns(f);
    argo_pq_values *v = calloc(nc ? nc : 1, sizeof *v);
    if (!v)
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
    int rc = 0;
    size_t row = 0;
    bool first = true;
    if (print)
        fputc('[', out);
    for (size_t g = 0; g < argo_pq_num_row_groups(f) && !rc; g++) {
        for (size_t k = 0; k < nc && !rc; k++)
            if ((rc = argo_pq_read(f, g, k, &v[k], err)))
                argo_err_prefix(err, "%s: ", path);
        for (size_t i = 0; !rc && i < (nc ? v[0].n : 0); i++) {
            row++;
            json_t *obj = print ? json_object() : NULL;
            if (print && !obj)
                rc = argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
            for (size_t k = 0; k < nc && !rc; k++) {
                const char *name = argo_pq_column(f, k)->name;
                json_t *j = NULL;
                rc = cat_value(&v[k], i, path, name, row, print ? &j : NULL, err);
                if (!rc && print && (!j || json_object_set_new(obj, name, j)))
                    rc = argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
            }
            if (!rc && print) {
                fputs(first ? "\n" : ",\n", out);
                unsigned long jf = argo_json_failures(); /* jansson drops what it cannot allocate */
                if (json_dumpf(obj, out,
                               JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) ||
                    argo_json_failures() != jf)
                    rc = argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
                first = false;
            }
            json_decref(obj);
        }
        for (size_t k = 0; k < nc; k++)
            argo_pq_values_cleanup(&v[k]);
    }
    if (print && !rc)
        fputs("\n]\n", out);
    free(v);
    return rc;
}

int argo_archive_cat(const char *path, bool schema, FILE *out, argo_err *err)
{
    assert(path && out);
    argo_pq_file *f;
    int rc = argo_pq_open(path, &f, err);
    if (rc)
        return rc;
    if (schema) {
        for (size_t k = 0; k < argo_pq_num_columns(f); k++) {
            const argo_pq_column_def *d = argo_pq_column(f, k);
            fprintf(out, "%s %s%s\n", d->name, argo_pq_type_name(d->type),
                    d->optional ? " optional" : "");
        }
    } else {
        /* a first pass finds every error before the first byte is printed */
        rc = cat_rows(f, path, false, out, err);
        if (!rc)
            rc = cat_rows(f, path, true, out, err);
    }
    argo_pq_close(f);
    if (!rc && (fflush(out) != 0 || ferror(out)))
        rc = argo_err_set(err, ARGO_EIO, "writing the output: %s", strerror(errno));
    return rc;
}
