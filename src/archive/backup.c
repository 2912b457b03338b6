/* SPDX-License-Identifier: MIT */
/*
 * archive/backup.c - see archive.h. One table (column definitions and
 * arrays) per file kind feeds both the Parquet encoder and the CSV
 * writer, and verification compares decoded files with a table rebuilt
 * from the store, so the three cannot drift apart.
 */
#include "archive/archive.h"

#include "archive/thrift.h"
#include "base/digest.h"
#include "base/fileio.h"
#include "base/grow.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"
#include "track/track.h"

#include <csv.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef ARGO_VERSION
#define ARGO_VERSION "0.1.0"
#endif

#define MANIFEST_MAX ((size_t)1 << 20)
#define BACKUP_FILE_MAX ((size_t)1 << 32)
#define COLS_MAX 16

enum { KIND_SIGNALS, KIND_OUTCOMES, KINDS };
static const char *const kind_name[KINDS] = {"signals", "outcomes"};

static const argo_pq_column_def signal_cols[] = {
    {"signal_id", ARGO_PQ_INT64, false, false},
    {"symbol", ARGO_PQ_STRING, false, true},
    {"action", ARGO_PQ_STRING, false, true},
    {"ts", ARGO_PQ_TIMESTAMP_MS, false, false},
    {"entry", ARGO_PQ_DOUBLE, false, false},
    {"target", ARGO_PQ_DOUBLE, false, false},
    {"stop", ARGO_PQ_DOUBLE, false, false},
    {"raw_confidence", ARGO_PQ_DOUBLE, false, false},
    {"confidence", ARGO_PQ_DOUBLE, false, false},
    {"model_version", ARGO_PQ_INT64, true, false},
    {"published", ARGO_PQ_BOOLEAN, false, false},
    {"vote_trend", ARGO_PQ_DOUBLE, false, false},
    {"vote_meanrev", ARGO_PQ_DOUBLE, false, false},
    {"vote_macd", ARGO_PQ_DOUBLE, false, false},
    {"vote_breakout", ARGO_PQ_DOUBLE, false, false},
    {"expires_at", ARGO_PQ_TIMESTAMP_MS, false, false},
};

static const argo_pq_column_def outcome_cols[] = {
    {"signal_id", ARGO_PQ_INT64, false, false},   {"symbol", ARGO_PQ_STRING, false, true},
    {"action", ARGO_PQ_STRING, false, true},      {"ts", ARGO_PQ_TIMESTAMP_MS, false, false},
    {"status", ARGO_PQ_STRING, false, true},      {"exit_reason", ARGO_PQ_STRING, false, true},
    {"gap", ARGO_PQ_BOOLEAN, false, false},       {"exit_ts", ARGO_PQ_TIMESTAMP_MS, false, false},
    {"exit_price", ARGO_PQ_DOUBLE, false, false}, {"pnl_pct", ARGO_PQ_DOUBLE, false, false},
    {"bars_held", ARGO_PQ_INT32, false, false},   {"mfe_pct", ARGO_PQ_DOUBLE, false, false},
    {"mae_pct", ARGO_PQ_DOUBLE, false, false},    {"raw_confidence", ARGO_PQ_DOUBLE, false, false},
    {"confidence", ARGO_PQ_DOUBLE, false, false},
};

typedef struct table {
    const argo_pq_column_def *defs;
    size_t ncols, n;
    argo_pq_column_data data[COLS_MAX];
    void *mem[COLS_MAX];
    uint8_t *valid[COLS_MAX];
    argo_signal *sig; /* the rows; strings point into it */
    size_t cap;
} table;

static void table_free(table *t)
{
    for (size_t c = 0; c < t->ncols; c++) {
        free(t->mem[c]);
        free(t->valid[c]);
    }
    free(t->sig);
    memset(t, 0, sizeof *t);
}

static int collect(void *ctx, const argo_signal *g)
{
    table *t = ctx;
    argo_signal *v = argo_grow(t->sig, &t->cap, t->n + 1, sizeof *v, 256);
    if (!v)
        return ARGO_ENOMEM;
    t->sig = v;
    t->sig[t->n++] = *g;
    return 0;
}

static int64_t ms(int64_t s)
{
    return s * 1000;
}

/* Reads the day's rows of one kind from the store into a table. */
static int table_load(argo_store *st, int kind, int64_t day, table *t, argo_err *err)
{
    memset(t, 0, sizeof *t);
    t->defs = kind == KIND_SIGNALS ? signal_cols : outcome_cols;
    t->ncols = kind == KIND_SIGNALS ? sizeof signal_cols / sizeof signal_cols[0]
                                    : sizeof outcome_cols / sizeof outcome_cols[0];
    argo_signal_query q = {0};
    if (kind == KIND_SIGNALS) {
        q.made_from = day;
        q.made_to = day + ARGO_DAY_SECONDS;
    } else {
        q.resolved_from = day;
        q.resolved_to = day + ARGO_DAY_SECONDS;
    }
    int rc = argo_store_signals_scan(st, &q, collect, t, err);
    if (rc == ARGO_ENOMEM)
        argo_err_set(err, rc, "out of memory reading signals");
    if (rc)
        return rc;
    size_t n = t->n ? t->n : 1;
    for (size_t c = 0; c < t->ncols; c++) {
        argo_pq_type ty = t->defs[c].type;
        size_t w = ty == ARGO_PQ_BOOLEAN  ? 1
                   : ty == ARGO_PQ_INT32  ? 4
                   : ty == ARGO_PQ_STRING ? sizeof(char *)
                                          : 8;
        t->mem[c] = calloc(n, w);
        if (t->defs[c].optional)
            t->valid[c] = calloc(n, 1);
        if (!t->mem[c] || (t->defs[c].optional && !t->valid[c]))
            return argo_err_set(err, ARGO_ENOMEM, "out of memory building a backup");
        argo_pq_column_data *d = &t->data[c];
        d->valid = t->valid[c];
        if (ty == ARGO_PQ_BOOLEAN)
            d->b = t->mem[c];
        else if (ty == ARGO_PQ_INT32)
            d->i32 = t->mem[c];
        else if (ty == ARGO_PQ_DOUBLE)
            d->f64 = t->mem[c];
        else if (ty == ARGO_PQ_STRING)
            d->str = t->mem[c];
        else
            d->i64 = t->mem[c];
    }
#define I64(c) ((int64_t *)t->mem[c])
#define F64(c) ((double *)t->mem[c])
#define STR(c) ((const char **)t->mem[c])
#define B(c) ((uint8_t *)t->mem[c])
    for (size_t r = 0; r < t->n; r++) {
        const argo_signal *g = &t->sig[r];
        I64(0)[r] = g->id;
        STR(1)[r] = g->symbol;
        STR(2)[r] = argo_action_name(g->action);
        I64(3)[r] = ms(g->ts);
        if (kind == KIND_SIGNALS) {
            F64(4)[r] = g->entry;
            F64(5)[r] = g->target;
            F64(6)[r] = g->stop;
            F64(7)[r] = g->raw_confidence;
            F64(8)[r] = g->confidence;
            I64(9)[r] = g->model_version;
            t->valid[9][r] = g->model_version != 0;
            B(10)[r] = g->published;
            for (int k = 0; k < ARGO_STRAT_COUNT; k++)
                F64(11 + k)[r] = g->votes[k].dir * g->votes[k].strength;
            I64(15)[r] = ms(g->expires_at);
        } else {
            STR(4)[r] = argo_status_name(g->status);
            STR(5)[r] = argo_exit_reason_name(g->exit_reason);
            B(6)[r] = g->gap;
            I64(7)[r] = ms(g->exit_ts);
            F64(8)[r] = g->exit_price;
            F64(9)[r] = g->pnl_pct;
            ((int32_t *)t->mem[10])[r] = g->bars_held;
            F64(11)[r] = g->mfe_pct;
            F64(12)[r] = g->mae_pct;
            F64(13)[r] = g->raw_confidence;
            F64(14)[r] = g->confidence;
        }
    }
#undef I64
#undef F64
#undef STR
#undef B
    return ARGO_OK;
}

static void csv_field_str(tc_out *o, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        tc_bytes(o, s, strlen(s));
        return;
    }
    tc_bytes(o, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            tc_bytes(o, "\"", 1);
        tc_bytes(o, p, 1);
    }
    tc_bytes(o, "\"", 1);
}

static void csv_ts(tc_out *o, int64_t msv)
{
    char b[48];
    int64_t s = msv >= 0 ? msv / 1000 : -((-msv + 999) / 1000);
    int frac = (int)(msv - s * 1000);
    argo_time_format_full(s, b, sizeof b);
    if (frac) { /* "...:SSZ" -> "...:SS.mmmZ" */
        size_t l = strlen(b);
        snprintf(b + l - 1, sizeof b - (l - 1), ".%03dZ", frac);
    }
    tc_bytes(o, b, strlen(b));
}

/* RFC 4180: a header, CRLF line ends, quotes where needed; ISO-8601 UTC
 * timestamps; doubles with 17 significant digits (they read back to the
 * same double); an absent value is an empty field. */
static void csv_render(const argo_pq_column_def *defs, const argo_pq_column_data *data,
                       size_t ncols, size_t nrows, tc_out *o)
{
    for (size_t c = 0; c < ncols; c++) {
        if (c)
            tc_bytes(o, ",", 1);
        csv_field_str(o, defs[c].name);
    }
    tc_bytes(o, "\r\n", 2);
    char b[64];
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            const argo_pq_column_data *d = &data[c];
            if (c)
                tc_bytes(o, ",", 1);
            if (d->valid && !d->valid[r])
                continue;
            switch (defs[c].type) {
            case ARGO_PQ_BOOLEAN:
                tc_bytes(o, d->b[r] ? "true" : "false", d->b[r] ? 4 : 5);
                break;
            case ARGO_PQ_INT32:
                tc_bytes(o, b, (size_t)snprintf(b, sizeof b, "%d", d->i32[r]));
                break;
            case ARGO_PQ_DOUBLE:
                tc_bytes(o, b, (size_t)snprintf(b, sizeof b, "%.17g", d->f64[r]));
                break;
            case ARGO_PQ_STRING:
            case ARGO_PQ_BYTES:
                csv_field_str(o, d->str[r]);
                break;
            case ARGO_PQ_TIMESTAMP_MS:
                csv_ts(o, d->i64[r]);
                break;
            default:
                tc_bytes(o, b, (size_t)snprintf(b, sizeof b, "%lld", (long long)d->i64[r]));
            }
        }
        tc_bytes(o, "\r\n", 2);
    }
}

static void table_csv(const table *t, tc_out *o)
{
    csv_render(t->defs, t->data, t->ncols, t->n, o);
}

const argo_pq_column_def *argo_backup_columns(int kind, size_t *ncols)
{
    if (kind == ARGO_BACKUP_SIGNALS) {
        *ncols = sizeof signal_cols / sizeof signal_cols[0];
        return signal_cols;
    }
    *ncols = sizeof outcome_cols / sizeof outcome_cols[0];
    return outcome_cols;
}

int argo_backup_csv(const argo_pq_column_def *defs, const argo_pq_column_data *data, size_t ncols,
                    size_t nrows, uint8_t **out, size_t *len, argo_err *err)
{
    tc_out o = {0};
    csv_render(defs, data, ncols, nrows, &o);
    if (o.bad) {
        free(o.p);
        *out = NULL;
        return argo_err_set(err, ARGO_ENOMEM, "out of memory writing CSV");
    }
    *out = o.p;
    *len = o.len;
    return ARGO_OK;
}

typedef struct out_file {
    char name[64];
    int kind, format;
    uint8_t *data;
    size_t len, rows;
    char sha[65];
} out_file;

static void day_dir(const char *root, int64_t day, char *buf, size_t n)
{
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    snprintf(buf, n, "%s/%04d/%02d/%02d", root, y, m, d);
}

/* Encodes one kind in the asked formats. */
static int render(const table *t, int kind, int64_t day, const argo_backup_options *opt,
                  out_file *files, size_t *nf, argo_err *err)
{
    char date[16];
    argo_time_format(day, date, sizeof date);
    char sv[8];
    snprintf(sv, sizeof sv, "%d", ARGO_BACKUP_SCHEMA_VERSION);
    argo_pq_kv kv[] = {
        {"argo.schema_version", sv}, {"argo.backup_date", date}, {"argo.kind", kind_name[kind]}};
    if (opt->formats & ARGO_BACKUP_PARQUET) {
        out_file *f = &files[(*nf)++];
        *f = (out_file){.kind = kind, .format = ARGO_BACKUP_PARQUET, .rows = t->n};
        argo_pq_write_options po = {.codec = opt->codec,
                                    .row_group_rows = opt->row_group_rows,
                                    .kv = kv,
                                    .nkv = 3,
                                    .created_by = "argo " ARGO_VERSION};
        int rc = argo_pq_encode(t->defs, t->ncols, t->data, t->n, &po, &f->data, &f->len, err);
        if (rc)
            return rc;
    }
    if (opt->formats & ARGO_BACKUP_CSV) {
        out_file *f = &files[(*nf)++];
        *f = (out_file){.kind = kind, .format = ARGO_BACKUP_CSV, .rows = t->n};
        tc_out o = {0};
        table_csv(t, &o);
        if (o.bad) {
            free(o.p);
            return argo_err_set(err, ARGO_ENOMEM, "out of memory writing CSV");
        }
        f->data = o.p;
        f->len = o.len;
    }
    return ARGO_OK;
}

static json_t *manifest_json(int64_t day, int version, const argo_backup_options *opt,
                             const out_file *files, size_t nf)
{
    char date[16], now[32];
    argo_time_format(day, date, sizeof date);
    argo_time_format_full((int64_t)time(NULL), now, sizeof now);
    json_t *m = json_object(), *arr = json_array();
    json_object_set_new(m, "format", json_string("argo-backup"));
    json_object_set_new(m, "date", json_string(date));
    json_object_set_new(m, "version", json_integer(version));
    json_object_set_new(m, "schema_version", json_integer(ARGO_BACKUP_SCHEMA_VERSION));
    json_object_set_new(m, "codec", json_string(argo_pq_codec_name(opt->codec)));
    json_object_set_new(m, "argo_version", json_string(ARGO_VERSION));
    json_object_set_new(m, "created_at", json_string(now));
    json_t *rows = json_object();
    for (size_t i = 0; i < nf; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "name", json_string(files[i].name));
        json_object_set_new(f, "kind", json_string(kind_name[files[i].kind]));
        json_object_set_new(
            f, "format", json_string(files[i].format == ARGO_BACKUP_PARQUET ? "parquet" : "csv"));
        json_object_set_new(f, "rows", json_integer((json_int_t)files[i].rows));
        json_object_set_new(f, "bytes", json_integer((json_int_t)files[i].len));
        json_object_set_new(f, "sha256", json_string(files[i].sha));
        json_array_append_new(arr, f);
        json_object_set_new(rows, kind_name[files[i].kind],
                            json_integer((json_int_t)files[i].rows));
    }
    json_object_set_new(m, "rows", rows);
    json_object_set_new(m, "files", arr);
    return m;
}

/* The manifest at path, or NULL (ARGO_ENOENT when absent). */
static int manifest_load(const char *path, json_t **out, argo_err *err)
{
    uint8_t *data;
    size_t len;
    *out = NULL;
    int rc = argo_file_read(path, MANIFEST_MAX, &data, &len, err);
    if (rc)
        return rc;
    json_error_t je;
    unsigned long jf = argo_json_failures();
    json_t *m = json_loadb((const char *)data, len, 0, &je);
    free(data);
    if (!m && argo_json_failures() != jf)
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
    if (!m || !json_is_object(m) || !json_is_array(json_object_get(m, "files")) ||
        !json_is_integer(json_object_get(m, "version"))) {
        json_decref(m);
        return argo_err_set(err, ARGO_ECORRUPT, "%s: not a valid manifest (%s)", path,
                            m ? "missing fields" : je.text);
    }
    *out = m;
    return ARGO_OK;
}

/* True when the manifest lists exactly these contents (by kind, format
 * and SHA-256), whatever the version in the file names. */
static bool same_content(json_t *m, const out_file *files, size_t nf)
{
    json_t *arr = json_object_get(m, "files");
    if (json_array_size(arr) != nf)
        return false;
    for (size_t i = 0; i < nf; i++) {
        bool found = false;
        for (size_t k = 0; k < nf && !found; k++) {
            json_t *f = json_array_get(arr, k);
            const char *sha = json_string_value(json_object_get(f, "sha256"));
            const char *kind = json_string_value(json_object_get(f, "kind"));
            const char *fmt = json_string_value(json_object_get(f, "format"));
            found = sha && kind && fmt && !strcmp(sha, files[i].sha) &&
                    !strcmp(kind, kind_name[files[i].kind]) &&
                    !strcmp(fmt, files[i].format == ARGO_BACKUP_PARQUET ? "parquet" : "csv");
        }
        if (!found)
            return false;
    }
    return true;
}

/* After a failure: removes the files this run wrote under dir (new
 * version numbers, so nothing older) and the day's folders it made, so
 * a failed backup leaves the folder as it was. */
static void undo_day(const char *dir, const out_file *files, size_t nw, int old_version,
                     int levels_made)
{
    char path[ARGO_PATH_MAX + 80];
    for (size_t i = 0; i < nw; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        unlink(path);
    }
    if (old_version > 0) {
        snprintf(path, sizeof path, "%s/manifest-v%d.json", dir, old_version);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s", dir);
    for (int k = 0; k < levels_made; k++) { /* DD, then MM, YYYY, the root */
        if (rmdir(path) != 0)
            break;
        char *slash = strrchr(path, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
}

/* How many of dir's last `levels` path components do not exist yet. */
static int levels_missing(const char *dir, int levels)
{
    char path[ARGO_PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    struct stat sb;
    int k = 0;
    for (; k < levels && stat(path, &sb) != 0; k++) {
        char *slash = strrchr(path, '/');
        if (!slash)
            return k + 1;
        *slash = '\0';
    }
    return k;
}

int argo_backup_day(argo_store *st, int64_t day_ts, const argo_backup_options *opt_in,
                    argo_backup_result *res, argo_err *err)
{
    argo_backup_options opt = *opt_in;
    if (!opt.root)
        opt.root = "backups";
    if (!opt.formats)
        opt.formats = ARGO_BACKUP_PARQUET | ARGO_BACKUP_CSV;
    int64_t day = argo_time_day_start(day_ts);
    table t[KINDS] = {0};
    out_file files[4] = {0};
    size_t nf = 0;
    json_t *old = NULL, *man = NULL;
    char dir[ARGO_PATH_MAX], path[ARGO_PATH_MAX + 80];
    *res = (argo_backup_result){0};
    int rc = 0;
    for (int k = 0; k < KINDS && !rc; k++)
        rc = table_load(st, k, day, &t[k], err);
    for (int k = 0; k < KINDS && !rc; k++)
        rc = render(&t[k], k, day, &opt, files, &nf, err);
    if (rc)
        goto out;
    res->signals = t[KIND_SIGNALS].n;
    res->outcomes = t[KIND_OUTCOMES].n;
    for (size_t i = 0; i < nf; i++)
        argo_sha256_hex(files[i].data, files[i].len, files[i].sha);
    day_dir(opt.root, day, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    rc = manifest_load(path, &old, err);
    if (rc && rc != ARGO_ENOENT)
        goto out;
    rc = 0;
    int version = old ? (int)json_integer_value(json_object_get(old, "version")) + 1 : 1;
    if (old && same_content(old, files, nf)) {
        res->version = version - 1;
        res->unchanged = true;
        goto out;
    }
    int made = levels_missing(dir, 4); /* root/YYYY/MM/DD */
    size_t nw = 0;
    if ((rc = argo_mkdirs(dir, err)))
        goto undo;
    for (; nw < nf && !rc; nw++) {
        snprintf(files[nw].name, sizeof files[nw].name, "%s-v%d.%s", kind_name[files[nw].kind],
                 version, files[nw].format == ARGO_BACKUP_PARQUET ? "parquet" : "csv");
        snprintf(path, sizeof path, "%s/%s", dir, files[nw].name);
        rc = argo_file_write_atomic(path, files[nw].data, files[nw].len, err);
    }
    if (rc)
        goto undo;
    if (old) {                                    /* keep the previous version's manifest */
        unsigned long jf0 = argo_json_failures(); /* json_dumps can drop a key silently */
        char *text = json_dumps(old, JSON_INDENT(2) | JSON_SORT_KEYS);
        snprintf(path, sizeof path, "%s/manifest-v%d.json", dir, version - 1);
        rc = text && argo_json_failures() == jf0
                 ? argo_file_write_atomic(path, text, strlen(text), err)
                 : argo_err_set(err, ARGO_ENOMEM, "out of memory writing a manifest");
        free(text);
        if (rc)
            goto undo;
    }
    unsigned long jf = argo_json_failures();
    man = manifest_json(day, version, &opt, files, nf);
    char *text = json_dumps(man, JSON_INDENT(2));
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    if (!text || argo_json_failures() != jf) {
        free(text);
        rc = argo_err_set(err, ARGO_ENOMEM, "out of memory writing a manifest");
        goto undo;
    }
    /* the manifest last: once renamed into place the backup exists, so an
     * error after this point (syncing the folder) undoes nothing */
    rc = argo_file_write_atomic(path, text, strlen(text), err);
    free(text);
    res->version = version;
    goto out;
undo:
    if (rc)
        undo_day(dir, files, nw, old ? version - 1 : 0, made);
out:
    json_decref(old);
    json_decref(man);
    for (size_t i = 0; i < nf; i++)
        free(files[i].data);
    for (int k = 0; k < KINDS; k++)
        table_free(&t[k]);
    return rc;
}

typedef struct days_ctx {
    int64_t *v;
    size_t n, cap;
} days_ctx;

static int add_day(days_ctx *d, int64_t day)
{
    int64_t *v = argo_grow(d->v, &d->cap, d->n + 1, sizeof *v, 256);
    if (!v)
        return ARGO_ENOMEM;
    d->v = v;
    d->v[d->n++] = day;
    return 0;
}

static int days_of(void *ctx, const argo_signal *g)
{
    days_ctx *d = ctx;
    int rc = add_day(d, argo_time_day_start(g->ts));
    if (!rc && g->status != ARGO_OPEN)
        rc = add_day(d, argo_time_day_start(g->exit_ts));
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void uniq(days_ctx *d)
{
    if (!d->n)
        return;
    qsort(d->v, d->n, sizeof *d->v, cmp_i64);
    size_t k = 1;
    for (size_t i = 1; i < d->n; i++)
        if (d->v[i] != d->v[k - 1])
            d->v[k++] = d->v[i];
    d->n = k;
}

int argo_backup_days(argo_store *st, int64_t **days, size_t *n, argo_err *err)
{
    days_ctx d = {0};
    argo_signal_query q = {0};
    int rc = argo_store_signals_scan(st, &q, days_of, &d, err);
    if (rc == ARGO_ENOMEM)
        argo_err_set(err, rc, "out of memory listing days");
    if (rc) {
        free(d.v);
        return rc;
    }
    uniq(&d);
    *days = d.v;
    *n = d.n;
    return ARGO_OK;
}

/* ---- verification ---- */

/* Counts CSV records (RFC 4180, via libcsv) after the header. */
typedef struct csv_count {
    size_t records;
} csv_count;

static void count_row(int c, void *u)
{
    (void)c;
    ((csv_count *)u)->records++;
}

static int csv_rows(const uint8_t *p, size_t n, size_t *rows)
{
    struct csv_parser cp;
    csv_count cc = {0};
    if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return ARGO_ENOMEM;
    int rc =
        csv_parse(&cp, p, n, NULL, count_row, &cc) != n || csv_fini(&cp, NULL, count_row, &cc) != 0
            ? ARGO_EPARSE
            : 0;
    csv_free(&cp);
    *rows = cc.records ? cc.records - 1 : 0;
    return rc;
}

/* The first line where two texts differ (1-based). */
static size_t first_diff_line(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    size_t line = 1;
    for (size_t i = 0; i < la && i < lb; i++) {
        if (a[i] != b[i])
            return line;
        line += a[i] == '\n';
    }
    return line;
}

/* Compares a decoded Parquet file with a table; names the first difference. */
static int compare_parquet(const char *name, argo_pq_file *f, const table *t, argo_err *err)
{
    if (argo_pq_num_columns(f) != t->ncols)
        return argo_err_set(err, ARGO_ECORRUPT, "%s: %zu columns, the schema has %zu", name,
                            argo_pq_num_columns(f), t->ncols);
    for (size_t c = 0; c < t->ncols; c++) {
        const argo_pq_column_def *d = argo_pq_column(f, c);
        if (strcmp(d->name, t->defs[c].name) || d->type != t->defs[c].type)
            return argo_err_set(err, ARGO_ECORRUPT, "%s: column %zu is %s %s, expected %s %s", name,
                                c, d->name, argo_pq_type_name(d->type), t->defs[c].name,
                                argo_pq_type_name(t->defs[c].type));
    }
    size_t row = 0;
    for (size_t g = 0; g < argo_pq_num_row_groups(f); g++) {
        size_t rows = (size_t)argo_pq_row_group_rows(f, g);
        for (size_t c = 0; c < t->ncols; c++) {
            argo_pq_values v;
            int rc = argo_pq_read(f, g, c, &v, err);
            if (rc)
                return argo_err_prefix(err, "%s: ", name);
            const argo_pq_column_data *e = &t->data[c];
            for (size_t i = 0; i < v.n; i++) {
                size_t r = row + i;
                bool ev = !e->valid || e->valid[r];
                bool same = v.valid[i] == ev;
                if (same && ev) {
                    switch (v.type) {
                    case ARGO_PQ_BOOLEAN:
                        same = (v.b[i] != 0) == (e->b[r] != 0);
                        break;
                    case ARGO_PQ_INT32:
                        same = v.i32[i] == e->i32[r];
                        break;
                    case ARGO_PQ_DOUBLE:
                        same = memcmp(&v.f64[i], &e->f64[r], 8) == 0;
                        break;
                    case ARGO_PQ_STRING:
                    case ARGO_PQ_BYTES:
                        same = !strcmp(v.str[i], e->str[r]);
                        break;
                    default:
                        same = v.i64[i] == e->i64[r];
                    }
                }
                if (!same) {
                    argo_pq_values_cleanup(&v);
                    return argo_err_set(err, ARGO_ECORRUPT,
                                        "%s: row %zu, column %s differs from the store", name,
                                        r + 1, t->defs[c].name);
                }
            }
            argo_pq_values_cleanup(&v);
        }
        row += rows;
    }
    return ARGO_OK;
}

/* Verifies the files one manifest names; with tables (the current
 * version), also their content against the store. */
void argo_backup_file_path(const char *root, int64_t day, const char *location, const char *name,
                           char *out, size_t n)
{
    int y, m, d;
    argo_time_civil(day, &y, &m, &d);
    snprintf(out, n, "%s/%04d/%02d/%02d/%s", location && *location ? location : root, y, m, d,
             name);
}

/* Appends a manifest's entries (data files, then the manifest itself). */
static int files_of(const char *root, int64_t day, const char *mname, argo_backup_file **v,
                    size_t *n, size_t *cap, argo_err *err)
{
    char mpath[ARGO_PATH_MAX + 96];
    argo_backup_file_path(root, day, NULL, mname, mpath, sizeof mpath);
    json_t *m;
    int rc = manifest_load(mpath, &m, err);
    if (rc)
        return rc;
    int version = (int)json_integer_value(json_object_get(m, "version"));
    json_t *arr = json_object_get(m, "files");
    for (size_t i = 0; i <= json_array_size(arr) && !rc; i++) {
        if (*n == *cap) {
            argo_backup_file *g = argo_grow(*v, cap, *n + 1, sizeof **v, 16);
            if (!g) {
                rc = argo_err_set(err, ARGO_ENOMEM, "out of memory listing backup files");
                break;
            }
            *v = g;
        }
        argo_backup_file *f = &(*v)[*n];
        memset(f, 0, sizeof *f);
        f->version = version;
        if (i == json_array_size(arr)) { /* the manifest itself */
            uint8_t *data;
            size_t len;
            if ((rc = argo_file_read(mpath, MANIFEST_MAX, &data, &len, err)))
                break;
            argo_sha256_hex(data, len, f->sha256);
            free(data);
            f->bytes = (int64_t)len;
            f->manifest = true;
            snprintf(f->name, sizeof f->name, "%s", mname);
            snprintf(f->path, sizeof f->path, "%s", mpath);
            (*n)++;
            break;
        }
        json_t *e = json_array_get(arr, i);
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *sha = json_string_value(json_object_get(e, "sha256"));
        const char *loc = json_string_value(json_object_get(e, "location"));
        const char *tier = json_string_value(json_object_get(e, "tier"));
        if (!name || !sha || strchr(name, '/') || strlen(name) >= sizeof f->name ||
            strlen(sha) != 64) {
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: file entry %zu is malformed", mpath, i);
            break;
        }
        snprintf(f->name, sizeof f->name, "%s", name);
        snprintf(f->sha256, sizeof f->sha256, "%s", sha);
        snprintf(f->location, sizeof f->location, "%s", loc ? loc : "");
        snprintf(f->tier, sizeof f->tier, "%s", tier ? tier : "");
        f->bytes = (int64_t)json_integer_value(json_object_get(e, "bytes"));
        argo_backup_file_path(root, day, loc, name, f->path, sizeof f->path);
        (*n)++;
    }
    json_decref(m);
    return rc;
}

int argo_backup_files(const char *root, int64_t day_ts, argo_backup_file **files, size_t *n,
                      argo_err *err)
{
    int64_t day = argo_time_day_start(day_ts);
    size_t cap = 0;
    *files = NULL;
    *n = 0;
    char date[16];
    argo_time_format(day, date, sizeof date);
    /* the current version first, to learn how many there are */
    int rc = files_of(root, day, "manifest.json", files, n, &cap, err);
    if (rc == ARGO_ENOENT)
        rc = argo_err_set(err, ARGO_ENOENT, "no backup of %s under %s", date, root);
    int current = rc ? 0 : (*files)[*n - 1].version;
    size_t ncur = *n;
    for (int k = 1; !rc && k < current; k++) {
        char mname[32];
        snprintf(mname, sizeof mname, "manifest-v%d.json", k);
        rc = files_of(root, day, mname, files, n, &cap, err);
    }
    if (rc) {
        free(*files);
        *files = NULL;
        *n = 0;
        return rc;
    }
    /* older versions first, the current manifest.json last */
    argo_backup_file *v = malloc((*n ? *n : 1) * sizeof *v);
    if (!v) {
        free(*files);
        *files = NULL;
        *n = 0;
        return argo_err_set(err, ARGO_ENOMEM, "out of memory listing backup files");
    }
    memcpy(v, *files + ncur, (*n - ncur) * sizeof *v);
    memcpy(v + (*n - ncur), *files, ncur * sizeof *v);
    free(*files);
    *files = v;
    return ARGO_OK;
}

static int verify_manifest(const char *mpath, const char *dir, const char *date, table *t,
                           argo_store *st, int64_t day, size_t *checked, int *version,
                           argo_err *err)
{
    json_t *m;
    int rc = manifest_load(mpath, &m, err);
    if (rc)
        return rc;
    const char *mdate = json_string_value(json_object_get(m, "date"));
    if (!mdate || strcmp(mdate, date)) {
        json_decref(m);
        return argo_err_set(err, ARGO_ECORRUPT, "%s: manifest is for %s, not %s", mpath,
                            mdate ? mdate : "no date", date);
    }
    json_t *arr = json_object_get(m, "files");
    for (size_t i = 0; i < json_array_size(arr) && !rc; i++) {
        json_t *f = json_array_get(arr, i);
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *sha = json_string_value(json_object_get(f, "sha256"));
        const char *fmt = json_string_value(json_object_get(f, "format"));
        const char *kind = json_string_value(json_object_get(f, "kind"));
        json_int_t rows = json_integer_value(json_object_get(f, "rows"));
        json_int_t bytes = json_integer_value(json_object_get(f, "bytes"));
        if (!name || !sha || !fmt || !kind || strchr(name, '/')) {
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: file entry %zu is malformed", mpath, i);
            break;
        }
        char fpath[ARGO_PATH_MAX + 160];
        const char *loc = json_string_value(json_object_get(f, "location"));
        if (loc && *loc)
            argo_backup_file_path(NULL, day, loc, name, fpath, sizeof fpath);
        else
            snprintf(fpath, sizeof fpath, "%s/%s", dir, name);
        uint8_t *data;
        size_t len;
        argo_err why;
        if (argo_file_read(fpath, BACKUP_FILE_MAX, &data, &len, &why)) {
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s", why.msg);
            break;
        }
        char got[65];
        argo_sha256_hex(data, len, got);
        int k = !strcmp(kind, "signals") ? KIND_SIGNALS : KIND_OUTCOMES;
        size_t nrows = 0;
        if ((json_int_t)len != bytes)
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: %zu bytes, the manifest says %lld", fpath,
                              len, (long long)bytes);
        else if (strcmp(got, sha))
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: SHA-256 %s does not match the manifest's %s",
                              fpath, got, sha);
        else if (t && !t[k].defs)
            rc = table_load(st, k, day, &t[k], err);
        if (!rc && !strcmp(fmt, "parquet")) {
            argo_pq_file *pf;
            if (argo_pq_open_buffer(data, len, &pf, &why))
                rc = argo_err_set(err, ARGO_ECORRUPT, "%s: %s", fpath, why.msg);
            else {
                nrows = (size_t)argo_pq_num_rows(pf);
                const char *bd = argo_pq_kv_get(pf, "argo.backup_date");
                if (!bd || strcmp(bd, date))
                    rc = argo_err_set(err, ARGO_ECORRUPT, "%s: backup date %s, not %s", fpath,
                                      bd ? bd : "absent", date);
                else if (t && nrows == (size_t)rows && nrows == t[k].n)
                    rc = compare_parquet(fpath, pf, &t[k], err);
                argo_pq_close(pf);
            }
        } else if (!rc) {
            if (csv_rows(data, len, &nrows))
                rc = argo_err_set(err, ARGO_ECORRUPT, "%s: malformed CSV", fpath);
            else if (t && nrows == (size_t)rows && nrows == t[k].n) {
                tc_out o = {0};
                table_csv(&t[k], &o);
                if (o.bad)
                    rc = argo_err_set(err, ARGO_ENOMEM, "out of memory");
                else if (o.len != len || memcmp(o.p, data, len))
                    rc = argo_err_set(err, ARGO_ECORRUPT, "%s: line %zu differs from the store",
                                      fpath, first_diff_line(data, len, o.p, o.len));
                free(o.p);
            }
        }
        if (!rc && nrows != (size_t)rows)
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: %zu rows, the manifest says %lld", fpath,
                              nrows, (long long)rows);
        if (!rc && t && t[k].n != (size_t)rows)
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: %lld rows, the store has %zu for that day",
                              fpath, (long long)rows, t[k].n);
        free(data);
        (*checked)++;
    }
    *version = (int)json_integer_value(json_object_get(m, "version"));
    json_decref(m);
    return rc;
}

int argo_backup_verify(argo_store *st, const char *root, int64_t day_ts, size_t *nfiles,
                       argo_err *err)
{
    int64_t day = argo_time_day_start(day_ts);
    char dir[ARGO_PATH_MAX], path[ARGO_PATH_MAX + 80], date[16];
    argo_time_format(day, date, sizeof date);
    day_dir(root ? root : "backups", day, dir, sizeof dir);
    table t[KINDS] = {0};
    size_t checked = 0;
    int current = 0, v;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    int rc = verify_manifest(path, dir, date, t, st, day, &checked, &current, err);
    if (rc == ARGO_ENOENT)
        rc = argo_err_set(err, ARGO_ENOENT, "no backup of %s (%s is missing)", date, path);
    /* every earlier version keeps its manifest and files */
    for (int k = 1; !rc && k < current; k++) {
        snprintf(path, sizeof path, "%s/manifest-v%d.json", dir, k);
        rc = verify_manifest(path, dir, date, NULL, st, day, &checked, &v, err);
        if (rc == ARGO_ENOENT)
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: missing (version %d of %d)", path, k,
                              current);
        else if (!rc && v != k)
            rc = argo_err_set(err, ARGO_ECORRUPT, "%s: says version %d", path, v);
    }
    for (int k = 0; k < KINDS; k++)
        table_free(&t[k]);
    if (nfiles)
        *nfiles = checked;
    return rc;
}

int argo_backup_list(const char *root, int64_t **days, size_t *n, argo_err *err)
{
    days_ctx d = {0};
    char p1[ARGO_PATH_MAX], p2[ARGO_PATH_MAX + 8], p3[ARGO_PATH_MAX + 16];
    *days = NULL;
    *n = 0;
    DIR *dy = opendir(root);
    if (!dy)
        return argo_err_set(err, ARGO_ENOENT, "%s: no backups folder", root);
    struct dirent *ey, *em, *ed;
    int rc = 0;
    while (!rc && (ey = readdir(dy))) {
        int y, m, dd;
        if (sscanf(ey->d_name, "%4d", &y) != 1 || strlen(ey->d_name) != 4)
            continue;
        snprintf(p1, sizeof p1, "%s/%s", root, ey->d_name);
        DIR *dm = opendir(p1);
        while (dm && !rc && (em = readdir(dm))) {
            if (sscanf(em->d_name, "%2d", &m) != 1 || strlen(em->d_name) != 2)
                continue;
            snprintf(p2, sizeof p2, "%s/%s", p1, em->d_name);
            DIR *dd2 = opendir(p2);
            while (dd2 && !rc && (ed = readdir(dd2))) {
                if (sscanf(ed->d_name, "%2d", &dd) != 1 || strlen(ed->d_name) != 2)
                    continue;
                snprintf(p3, sizeof p3, "%s/%s/manifest.json", p2, ed->d_name);
                FILE *f = fopen(p3, "r");
                if (!f)
                    continue;
                fclose(f);
                if (m < 1 || m > 12 || dd < 1 || dd > 31)
                    continue;
                rc = add_day(&d,
                             argo_days_from_civil(y, (unsigned)m, (unsigned)dd) * ARGO_DAY_SECONDS);
            }
            if (dd2)
                closedir(dd2);
        }
        if (dm)
            closedir(dm);
    }
    closedir(dy);
    if (rc) {
        free(d.v);
        return argo_err_set(err, ARGO_ENOMEM, "out of memory listing backups");
    }
    uniq(&d);
    *days = d.v;
    *n = d.n;
    return ARGO_OK;
}
