/* SPDX-License-Identifier: MIT */
/*
 * archive/query.c - win rate and P&L from the daily backups alone, by
 * symbol or by month. From Parquet it decodes only the four columns it
 * needs (symbol, status, exit_ts, pnl_pct) and skips row groups whose
 * exit_ts statistics fall outside the range; from CSV it must parse
 * every field of every line. Both give the same answer.
 */
#include "archive/archive.h"

#include "base/fileio.h"
#include "base/grow.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"
#include "track/track.h"

#include <csv.h>
#include <jansson.h>
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
    int col[4];
    for (int k = 0; k < 4; k++)
        if ((col[k] = argo_pq_find_column(f, need[k])) < 0) {
            argo_pq_close(f);
            return argo_err_set(err, ARGO_ECORRUPT, "%s: no column %s", path, need[k]);
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
    int rc;
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
        }
    }
    q->nf++;
}

static void q_row(int c, void *u)
{
    (void)c;
    csv_q *q = u;
    if (!q->header) {
        q->header = true;
    } else if (!q->rc) {
        int64_t ts;
        if (argo_time_parse(q->f[2], &ts) == 0)
            q->rc = add(q->a, q->f[0], ts * 1000, status_of(q->f[1]), strtod(q->f[3], NULL));
    }
    q->nf = 0;
}

static int query_csv(agg *a, const char *path, argo_err *err)
{
    uint8_t *data;
    size_t len;
    int rc = argo_file_read(path, (size_t)1 << 32, &data, &len, err);
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
        uint8_t *text;
        size_t len;
        if ((rc = argo_file_read(mpath, 1 << 20, &text, &len, err)))
            break;
        unsigned long jf = argo_json_failures();
        json_t *man = json_loadb((const char *)text, len, 0, NULL);
        free(text);
        if (!man && argo_json_failures() != jf) {
            rc = argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", mpath);
            break;
        }
        json_t *files = json_object_get(man, "files");
        const char *name = NULL, *loc = NULL;
        for (size_t k = 0; k < json_array_size(files); k++) {
            json_t *f = json_array_get(files, k);
            const char *kind = json_string_value(json_object_get(f, "kind"));
            const char *fmt = json_string_value(json_object_get(f, "format"));
            if (kind && fmt && !strcmp(kind, "outcomes") &&
                !strcmp(fmt, from_csv ? "csv" : "parquet")) {
                name = json_string_value(json_object_get(f, "name"));
                loc = json_string_value(json_object_get(f, "location"));
            }
        }
        if (!name || strchr(name, '/')) {
            json_decref(man);
            rc = argo_err_set(err, ARGO_ENOENT, "%s: no %s outcomes file", mpath,
                              from_csv ? "CSV" : "Parquet");
            break;
        }
        argo_backup_file_path(root, days[i], loc, name, fpath, sizeof fpath);
        json_decref(man);
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
