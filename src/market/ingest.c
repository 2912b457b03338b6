/* SPDX-License-Identifier: MIT */
/*
 * market/ingest.c - CSV files into validated bars. The file is parsed
 * and validated whole; storing the bars (one transaction, so a bad file
 * never leaves part of itself behind) is the application's part
 * (app/ingest.c).
 */
#include "market/market.h"

#include "base/csvread.h"
#include "base/grow.h"
#include "base/text.h"
#include "base/timeutil.h"

#include <assert.h>
#include <ctype.h>
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
    static_assert(sizeof names / sizeof names[0] == ARGO_FAULT_COUNT, "a name for every fault");
    return (unsigned)f < ARGO_FAULT_COUNT ? names[f] : "?";
}

/* v as text that reads back as v: short when it can be, exact always
 * (a message comparing two close prices must not show them equal). */
static const char *num(double v, char *buf, size_t n)
{
    static const int digits[] = {6, 15, 17};
    for (int i = 0; i < 3; i++) {
        snprintf(buf, n, "%.*g", digits[i], v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

int argo_bar_validate(const argo_bar *b, argo_bar_fault *fault, argo_err *err)
{
    const double p[4] = {b->open, b->high, b->low, b->close};
    static const char *pn[4] = {"open", "high", "low", "close"};
    char t1[32], t2[32];
    for (int i = 0; i < 4; i++)
        if (!isfinite(p[i]) || !(p[i] > 0)) {
            *fault = ARGO_FAULT_PRICE;
            return argo_err_set(err, ARGO_EDATA, "%s %s is not a finite price > 0", pn[i],
                                num(p[i], t1, sizeof t1));
        }
    double lo = fmin(b->open, b->close), hi = fmax(b->open, b->close);
    if (b->low > lo) {
        *fault = ARGO_FAULT_RANGE;
        return argo_err_set(err, ARGO_EDATA, "low %s is above min(open, close) %s",
                            num(b->low, t1, sizeof t1), num(lo, t2, sizeof t2));
    }
    if (b->high < hi) {
        *fault = ARGO_FAULT_RANGE;
        return argo_err_set(err, ARGO_EDATA, "high %s is below max(open, close) %s",
                            num(b->high, t1, sizeof t1), num(hi, t2, sizeof t2));
    }
    if (!isfinite(b->volume) || b->volume < 0) {
        *fault = ARGO_FAULT_VOLUME;
        return argo_err_set(err, ARGO_EDATA, "volume %s is not a finite number >= 0",
                            num(b->volume, t1, sizeof t1));
    }
    return ARGO_OK;
}

typedef argo_bar_line row_bar;

typedef struct parse_ctx {
    const char *path;
    const char *data; /* argo_market_csv_parse: the bytes instead of the file at path */
    size_t len;
    bool skip_invalid;
    argo_ingest_report *rep;
    argo_err *err;
    int ncols;
    int col[C_NEEDED]; /* column index of each needed field */
    argo_csv_row row;
    row_bar *rows;
    size_t nrows, cap;
} parse_ctx;

static char *quoted(const char *s, char *out)
{
    return argo_text_quote(s, strlen(s), out, ARGO_TEXT_QUOTE_MAX);
}

static void lower_trim(const char *in, char *out, size_t n)
{
    while (*in == ' ' || *in == '\t')
        in++;
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    while (i > 0 && (out[i - 1] == ' ' || out[i - 1] == '\t'))
        i--;
    out[i] = '\0';
}

static int header(parse_ctx *c)
{
    const argo_csv_row *h = &c->row;
    for (int k = 0; k < C_NEEDED; k++)
        c->col[k] = -1;
    for (int i = 0; i < h->n; i++) {
        char name[ARGO_CSV_FIELD_MAX];
        lower_trim(h->f[i], name, sizeof name);
        int k = -1;
        if (!strcmp(name, "date") || !strcmp(name, "timestamp") || !strcmp(name, "datetime") ||
            !strcmp(name, "time"))
            k = C_TS;
        for (int j = 1; j < C_NEEDED && k < 0; j++)
            if (!strcmp(name, col_names[j]))
                k = j;
        if (k < 0)
            continue; /* "adj close" and any other column: ignored */
        if (c->col[k] >= 0) {
            char q1[ARGO_TEXT_QUOTE_MAX], q2[ARGO_TEXT_QUOTE_MAX];
            return argo_err_set(c->err, ARGO_EPARSE,
                                "%s:%zu: columns %d ('%s') and %d ('%s') are both the '%s' column",
                                c->path, h->line, c->col[k] + 1, quoted(h->f[c->col[k]], q1), i + 1,
                                quoted(h->f[i], q2), col_names[k]);
        }
        c->col[k] = i;
    }
    for (int k = 0; k < C_NEEDED; k++)
        if (c->col[k] < 0)
            return argo_err_set(c->err, ARGO_EPARSE,
                                "%s:%zu: header has no '%s' column (expected date, open, "
                                "high, low, close, volume)",
                                c->path, h->line, col_names[k]);
    c->ncols = h->n;
    return ARGO_OK;
}

/* Parses the current record into *b; on failure fills err. */
static int parse_row(parse_ctx *c, argo_bar *b, argo_bar_fault *fault, argo_err *err)
{
    const argo_csv_row *r = &c->row;
    char q[ARGO_TEXT_QUOTE_MAX];
    *fault = ARGO_FAULT_PARSE;
    if (r->n != c->ncols)
        return argo_err_set(err, ARGO_EPARSE, "has %d fields, the header has %d", r->n, c->ncols);
    const char *ts = r->f[c->col[C_TS]], *why;
    if (argo_time_parse_why(ts, &b->ts, &why))
        return argo_err_set(err, ARGO_EPARSE, "date '%s' is %s", quoted(ts, q), why);
    double *dst[] = {NULL, &b->open, &b->high, &b->low, &b->close, &b->volume};
    for (int k = 1; k < C_NEEDED; k++) {
        const char *s = r->f[c->col[k]];
        int rc = argo_text_decimal(s, dst[k]);
        if (rc == ARGO_ELIMIT) {
            *fault = k == C_VOLUME ? ARGO_FAULT_VOLUME : ARGO_FAULT_PRICE;
            return argo_err_set(err, ARGO_EDATA, "%s '%s' is beyond a double's range", col_names[k],
                                quoted(s, q));
        }
        if (rc)
            return argo_err_set(err, ARGO_EPARSE, "%s '%s' is not a decimal number", col_names[k],
                                quoted(s, q));
        if (k != C_VOLUME && !(*dst[k] > 0)) { /* 1e-400 reads as 0: say what the file says */
            *fault = ARGO_FAULT_PRICE;
            return argo_err_set(err, ARGO_EDATA, "%s '%s' is not a price > 0", col_names[k],
                                quoted(s, q));
        }
        if (k == C_VOLUME && *dst[k] < 0) {
            *fault = ARGO_FAULT_VOLUME;
            return argo_err_set(err, ARGO_EDATA, "volume '%s' is negative", quoted(s, q));
        }
        if (*dst[k] == 0)
            *dst[k] = 0; /* -0 is 0 */
    }
    return argo_bar_validate(b, fault, err);
}

void argo_ingest_skip(argo_ingest_report *rep, const char *path, size_t line, argo_bar_fault f,
                      const char *why)
{
    assert(rep && path && why && (unsigned)f < ARGO_FAULT_COUNT);
    rep->skipped++;
    rep->skipped_by[f]++;
    if (rep->skipped == 1)
        snprintf(rep->first_skip, sizeof rep->first_skip, "%s:%zu: %s", path, line, why);
}

static int bar_equal(const argo_bar *a, const argo_bar *b)
{
    return a->ts == b->ts && a->open == b->open && a->high == b->high && a->low == b->low &&
           a->close == b->close && a->volume == b->volume;
}

/* One data record: into c->rows, or skipped, or a fatal error. */
static int on_row(parse_ctx *c)
{
    size_t line = c->row.line;
    c->rep->rows++;
    argo_bar b = {0};
    argo_bar_fault fault;
    argo_err why;
    int rc = parse_row(c, &b, &fault, &why);
    if (!rc && c->nrows) {
        const argo_bar *prev = &c->rows[c->nrows - 1].bar;
        if (bar_equal(prev, &b)) {
            c->rep->duplicates++;
            return ARGO_OK;
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
        if (!c->skip_invalid)
            return argo_err_set(c->err, rc, "%s:%zu: %s", c->path, line, why.msg);
        argo_ingest_skip(c->rep, c->path, line, fault, why.msg);
        return ARGO_OK;
    }
    row_bar *r = argo_grow(c->rows, &c->cap, c->nrows + 1, sizeof *r, 1024);
    if (!r)
        return argo_err_set(c->err, ARGO_ENOMEM, "%s: out of memory", c->path);
    c->rows = r;
    c->rows[c->nrows++] = (row_bar){b, line};
    return ARGO_OK;
}

static int parse_file(parse_ctx *c)
{
    argo_csv *r;
    int rc = c->data ? argo_csv_open_mem(c->path, c->data, c->len, &r, c->err)
                     : argo_csv_open(c->path, &r, c->err);
    if (rc)
        return rc;
    bool have_header = false;
    while ((rc = argo_csv_read(r, &c->row, c->err)) == 1) {
        rc = have_header ? on_row(c) : header(c);
        have_header = true;
        if (rc)
            break;
    }
    argo_csv_close(r);
    if (rc)
        return rc;
    if (!have_header)
        return argo_err_set(c->err, ARGO_EPARSE, "%s: empty file (no header row)", c->path);
    if (c->rep->rows == 0)
        return argo_err_set(c->err, ARGO_EDATA, "%s: no bars (the file has only a header)",
                            c->path);
    return ARGO_OK;
}

/* The symbol a file's bars go to; checked before the file is read, so a
 * bad name (from --symbol or the file's name) is reported as such. */
static int check_symbol(const char *path, const char *symbol, argo_err *err)
{
    size_t n = strlen(symbol);
    bool ok = n > 0 && n < ARGO_SYMBOL_MAX;
    for (size_t i = 0; i < n && ok; i++)
        ok = isalnum((unsigned char)symbol[i]) || strchr("._-^=", symbol[i]);
    if (ok)
        return ARGO_OK;
    char q[ARGO_TEXT_QUOTE_MAX];
    argo_text_quote(symbol, n, q, sizeof q);
    return argo_err_set(err, ARGO_EDATA,
                        "%s: symbol '%s' is not 1 to %d letters, digits or . _ - ^ = (name it "
                        "with --symbol)",
                        path, q, ARGO_SYMBOL_MAX - 1);
}

static int read_csv(const char *path, const char *data, size_t len, const char *symbol,
                    bool skip_invalid, argo_bar_line **rows, size_t *n, argo_ingest_report *rep,
                    argo_err *err)
{
    assert(path && symbol && rows && n && rep);
    *rows = NULL;
    *n = 0;
    memset(rep, 0, sizeof *rep);
    parse_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    c->path = path;
    c->data = data;
    c->len = len;
    c->skip_invalid = skip_invalid;
    c->rep = rep;
    c->err = err;
    int rc = check_symbol(path, symbol, err);
    if (!rc)
        rc = parse_file(c);
    if (rc)
        free(c->rows);
    else {
        *rows = c->rows;
        *n = c->nrows;
    }
    free(c);
    return rc;
}

int argo_market_csv_read(const char *path, const char *symbol, bool skip_invalid,
                         argo_bar_line **rows, size_t *n, argo_ingest_report *rep, argo_err *err)
{
    return read_csv(path, NULL, 0, symbol, skip_invalid, rows, n, rep, err);
}

int argo_market_csv_parse(const char *name, const char *data, size_t len, const char *symbol,
                          bool skip_invalid, argo_bar_line **rows, size_t *n,
                          argo_ingest_report *rep, argo_err *err)
{
    assert(data || !len);
    return read_csv(name, data ? data : "", len, symbol, skip_invalid, rows, n, rep, err);
}
