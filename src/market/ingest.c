/* SPDX-License-Identifier: MIT */
/*
 * market/ingest.c - CSV bars into the store. The file is parsed and
 * validated whole before the store is touched, then written in one
 * transaction, so a bad file never leaves part of itself behind.
 */
#include "market/market.h"

#include "base/grow.h"
#include "base/timeutil.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_TS, C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_VOLUME, C_NEEDED };
static const char *const col_names[C_NEEDED] = {"date", "open", "high", "low", "close", "volume"};

const char *argo_bar_fault_name(argo_bar_fault f)
{
    static const char *names[] = {"malformed field", "bad price",    "inconsistent range",
                                  "bad volume",      "out of order", "conflicting duplicate"};
    return (unsigned)f < ARGO_FAULT_COUNT ? names[f] : "?";
}

int argo_bar_validate(const argo_bar *b, argo_bar_fault *fault, argo_err *err)
{
    const double p[4] = {b->open, b->high, b->low, b->close};
    static const char *pn[4] = {"open", "high", "low", "close"};
    for (int i = 0; i < 4; i++)
        if (!isfinite(p[i]) || !(p[i] > 0)) {
            *fault = ARGO_FAULT_PRICE;
            return argo_err_set(err, ARGO_EDATA, "%s %g is not a finite price > 0", pn[i], p[i]);
        }
    double lo = fmin(b->open, b->close), hi = fmax(b->open, b->close);
    if (b->low > lo) {
        *fault = ARGO_FAULT_RANGE;
        return argo_err_set(err, ARGO_EDATA, "low %g is above min(open, close) %g", b->low, lo);
    }
    if (b->high < hi) {
        *fault = ARGO_FAULT_RANGE;
        return argo_err_set(err, ARGO_EDATA, "high %g is below max(open, close) %g", b->high, hi);
    }
    if (!isfinite(b->volume) || b->volume < 0) {
        *fault = ARGO_FAULT_VOLUME;
        return argo_err_set(err, ARGO_EDATA, "volume %g is not a finite number >= 0", b->volume);
    }
    return ARGO_OK;
}

typedef struct row_bar {
    argo_bar bar;
    size_t line;
} row_bar;

typedef struct parse_ctx {
    const char *path;
    bool skip_invalid;
    argo_ingest_report *rep;
    argo_err *err;
    int rc;      /* first fatal error */
    size_t line; /* record number, header = 1 */
    int ncols;
    int col[C_NEEDED]; /* column index of each needed field, -1 = absent */
    bool have_header;
    char fields[ARGO_CSV_COLS_MAX][ARGO_CSV_FIELD_MAX];
    int nfields;
    bool field_too_long;
    row_bar *rows;
    size_t nrows, cap;
} parse_ctx;

static void on_field(void *data, size_t len, void *user)
{
    parse_ctx *c = user;
    if (c->nfields >= ARGO_CSV_COLS_MAX) {
        c->nfields++;
        return;
    }
    if (len >= ARGO_CSV_FIELD_MAX) {
        c->field_too_long = true;
        len = ARGO_CSV_FIELD_MAX - 1;
    }
    memcpy(c->fields[c->nfields], data ? data : "", len);
    c->fields[c->nfields][len] = '\0';
    c->nfields++;
}

static void lower_trim(const char *in, char *out, size_t n)
{
    while (isspace((unsigned char)*in))
        in++;
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    while (i > 0 && isspace((unsigned char)out[i - 1]))
        i--;
    out[i] = '\0';
}

static int header(parse_ctx *c)
{
    for (int k = 0; k < C_NEEDED; k++)
        c->col[k] = -1;
    for (int i = 0; i < c->nfields && i < ARGO_CSV_COLS_MAX; i++) {
        char name[ARGO_CSV_FIELD_MAX];
        lower_trim(c->fields[i], name, sizeof name);
        int k = -1;
        if (!strcmp(name, "date") || !strcmp(name, "timestamp") || !strcmp(name, "datetime") ||
            !strcmp(name, "time"))
            k = C_TS;
        for (int j = 1; j < C_NEEDED && k < 0; j++)
            if (!strcmp(name, col_names[j]))
                k = j;
        if (k < 0)
            continue; /* "adj close" and any other column: ignored */
        if (c->col[k] >= 0)
            return argo_err_set(c->err, ARGO_EPARSE, "%s:1: column '%s' appears twice", c->path,
                                col_names[k]);
        c->col[k] = i;
    }
    for (int k = 0; k < C_NEEDED; k++)
        if (c->col[k] < 0)
            return argo_err_set(c->err, ARGO_EPARSE,
                                "%s:1: header has no '%s' column (expected date, open, "
                                "high, low, close, volume)",
                                c->path, col_names[k]);
    c->ncols = c->nfields;
    return ARGO_OK;
}

static bool parse_num(const char *s, double *out)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return false;
    errno = 0;
    *out = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0' && errno != ERANGE;
}

/* Parses the current record into *b; on failure fills err. */
static int parse_row(parse_ctx *c, argo_bar *b, argo_bar_fault *fault, argo_err *err)
{
    *fault = ARGO_FAULT_PARSE;
    if (c->nfields != c->ncols)
        return argo_err_set(err, ARGO_EPARSE, "has %d fields, the header has %d", c->nfields,
                            c->ncols);
    if (c->field_too_long)
        return argo_err_set(err, ARGO_ELIMIT, "a field is longer than %d bytes",
                            ARGO_CSV_FIELD_MAX - 1);
    if (argo_time_parse(c->fields[c->col[C_TS]], &b->ts))
        return argo_err_set(err, ARGO_EPARSE, "'%s' is not an ISO-8601 UTC date",
                            c->fields[c->col[C_TS]]);
    double *dst[] = {NULL, &b->open, &b->high, &b->low, &b->close, &b->volume};
    for (int k = 1; k < C_NEEDED; k++)
        if (!parse_num(c->fields[c->col[k]], dst[k]))
            return argo_err_set(err, ARGO_EPARSE, "%s '%s' is not a number", col_names[k],
                                c->fields[c->col[k]]);
    return argo_bar_validate(b, fault, err);
}

static void skip(parse_ctx *c, argo_bar_fault f, const argo_err *why)
{
    c->rep->skipped++;
    c->rep->skipped_by[f]++;
    if (c->rep->skipped == 1)
        snprintf(c->rep->first_skip, sizeof c->rep->first_skip, "%s:%zu: %s", c->path, c->line,
                 why->msg);
}

static int bar_equal(const argo_bar *a, const argo_bar *b)
{
    return a->ts == b->ts && a->open == b->open && a->high == b->high && a->low == b->low &&
           a->close == b->close && a->volume == b->volume;
}

static void on_row(int term, void *user)
{
    (void)term;
    parse_ctx *c = user;
    c->line++;
    if (c->rc)
        goto done;
    if (!c->have_header) {
        c->have_header = true;
        c->rc = header(c);
        goto done;
    }
    if (c->nfields == 1 && c->fields[0][0] == '\0')
        goto done; /* a blank line */
    c->rep->rows++;
    argo_bar b = {0};
    argo_bar_fault fault;
    argo_err why;
    int rc = parse_row(c, &b, &fault, &why);
    if (!rc && c->nrows) {
        const argo_bar *prev = &c->rows[c->nrows - 1].bar;
        if (bar_equal(prev, &b)) {
            c->rep->duplicates++;
            goto done;
        }
        if (b.ts <= prev->ts) {
            char t[32], pt[32];
            fault = b.ts == prev->ts ? ARGO_FAULT_CONFLICT : ARGO_FAULT_ORDER;
            rc = argo_err_set(&why, ARGO_EDATA,
                              b.ts == prev->ts ? "%s repeats line %zu's date with other values"
                                               : "%s is not after line %zu's date %s",
                              argo_time_format(b.ts, t, sizeof t), c->rows[c->nrows - 1].line,
                              argo_time_format(prev->ts, pt, sizeof pt));
        }
    }
    if (rc) {
        if (!c->skip_invalid) {
            c->rc = argo_err_set(c->err, rc, "%s:%zu: %s", c->path, c->line, why.msg);
            goto done;
        }
        skip(c, fault, &why);
        goto done;
    }
    row_bar *r = argo_grow(c->rows, &c->cap, c->nrows + 1, sizeof *r, 1024);
    if (!r) {
        c->rc = argo_err_set(c->err, ARGO_ENOMEM, "%s: out of memory", c->path);
        goto done;
    }
    c->rows = r;
    c->rows[c->nrows++] = (row_bar){b, c->line};
done:
    c->nfields = 0;
    c->field_too_long = false;
}

static int parse_file(parse_ctx *c)
{
    FILE *f = fopen(c->path, "rb");
    if (!f)
        return argo_err_set(c->err, ARGO_ENOENT, "%s: cannot open: %s", c->path, strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0) {
        fclose(f);
        return argo_err_set(c->err, ARGO_ENOMEM, "%s: cannot start the CSV parser", c->path);
    }
    char buf[65536];
    size_t n;
    int rc = ARGO_OK;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && !c->rc) {
        if (csv_parse(&p, buf, n, on_field, on_row, c) != n) {
            rc = argo_err_set(c->err, ARGO_EPARSE, "%s:%zu: malformed CSV: %s", c->path,
                              c->line + 1, csv_strerror(csv_error(&p)));
            break;
        }
    }
    if (!rc && ferror(f))
        rc = argo_err_set(c->err, ARGO_EIO, "%s: read error: %s", c->path, strerror(errno));
    if (!rc && !c->rc && csv_fini(&p, on_field, on_row, c) != 0)
        rc = argo_err_set(c->err, ARGO_EPARSE, "%s:%zu: malformed CSV: %s", c->path, c->line + 1,
                          csv_strerror(csv_error(&p)));
    csv_free(&p);
    fclose(f);
    if (!rc && !c->rc && !c->have_header)
        rc = argo_err_set(c->err, ARGO_EPARSE, "%s: empty file (no header row)", c->path);
    return rc ? rc : c->rc;
}

int argo_market_ingest_csv(argo_store *st, const char *path, const char *symbol, bool skip_invalid,
                           argo_ingest_report *rep, argo_err *err)
{
    argo_ingest_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    parse_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    c->path = path;
    c->skip_invalid = skip_invalid;
    c->rep = rep;
    c->err = err;
    int rc = parse_file(c);
    if (rc)
        goto out;
    int64_t sym;
    if ((rc = argo_store_begin(st, err)))
        goto out;
    if ((rc = argo_store_symbol_id(st, symbol, true, &sym, err)))
        goto fail;
    for (size_t i = 0; i < c->nrows; i++) {
        bool inserted;
        argo_err why;
        rc = argo_store_bar_put(st, sym, &c->rows[i].bar, &inserted, &why);
        if (rc == ARGO_ECONFLICT || rc == ARGO_EDATA) {
            c->line = c->rows[i].line;
            if (!skip_invalid) {
                rc = argo_err_set(err, rc, "%s:%zu: %s", path, c->line, why.msg);
                goto fail;
            }
            skip(c, rc == ARGO_ECONFLICT ? ARGO_FAULT_CONFLICT : ARGO_FAULT_ORDER, &why);
            continue;
        }
        if (rc) {
            *err = why;
            goto fail;
        }
        if (inserted)
            rep->inserted++;
        else
            rep->duplicates++;
    }
    if ((rc = argo_store_commit(st, err)))
        goto fail;
    goto out;
fail:
    argo_store_rollback(st);
    rep->inserted = 0;
out:
    free(c->rows);
    free(c);
    return rc;
}
