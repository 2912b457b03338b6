/* SPDX-License-Identifier: MIT */
/*
 * base/csvread.c - the strict CSV reader (see csvread.h), a pull
 * interface over libcsv (RFC 4180, strict mode). What is added here is
 * what libcsv leaves to its caller: line numbers, the byte order mark,
 * NUL bytes, and the limits. libcsv grows a field's buffer without a
 * bound; it is given an allocator that refuses to grow past
 * ARGO_CSV_FIELD_MAX, so a long field stops the parse at the byte that
 * passes the limit (linear time, fixed memory). The input is fed to
 * libcsv one line at a time, so each error and each record knows its
 * line, and at most one record completes per feed.
 * Not here: what the fields mean (callers parse them).
 */
#include "base/csvread.h"

#include <assert.h>
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libcsv's field buffer: room for one byte past the limit and the NUL,
 * so that a field one byte too long is seen as such (on_field). */
#define FIELD_BUF (ARGO_CSV_FIELD_MAX + 1)

struct argo_csv {
    FILE *f;
    const unsigned char *mem; /* argo_csv_open_mem: the bytes read instead of f */
    size_t mem_len, mem_pos;
    const char *path;
    struct csv_parser p;
    bool parser_ready; /* csv_init succeeded: csv_free owed */
    bool started;      /* the BOM check is done */
    bool finished;     /* csv_fini was called */
    bool last_cr;      /* the last byte fed was a CR (a following LF ends no line) */
    bool in_record;    /* bytes of a record not yet complete were fed */
    size_t line;       /* the line being fed, 1-based */
    size_t rec_line;   /* where the record being read started */
    size_t pos, len;
    /* the record being collected by the callbacks */
    argo_csv_row *row;
    size_t used;
    int n;
    bool too_many; /* a field past ARGO_CSV_COLS_MAX */
    bool too_long; /* a field of ARGO_CSV_FIELD_MAX bytes or more */
    bool ready;    /* a record is complete */
    unsigned char buf[65536];
    char rec[ARGO_CSV_COLS_MAX * ARGO_CSV_FIELD_MAX];
};

/* libcsv's buffer for one field: never more than the limit allows (the
 * field's bytes and the NUL that CSV_APPEND_NULL adds). */
static void *capped_realloc(void *p, size_t n)
{
    return n > FIELD_BUF ? NULL : realloc(p, n);
}

/* Spaces are data: a field is what stands between the commas. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* The parser for r, opened on a file or on bytes; r is freed on failure. */
static int start(argo_csv *r, const char *path, argo_csv **out, argo_err *err)
{
    if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        argo_csv_close(r);
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
    }
    r->parser_ready = true;
    csv_set_realloc_func(&r->p, capped_realloc);
    csv_set_blk_size(&r->p, FIELD_BUF);
    csv_set_space_func(&r->p, no_space);
    r->path = path;
    r->line = r->rec_line = 1;
    *out = r;
    return ARGO_OK;
}

int argo_csv_open(const char *path, argo_csv **out, argo_err *err)
{
    *out = NULL;
    argo_csv *r = calloc(1, sizeof *r);
    if (!r)
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
    /* O_NONBLOCK for the open only: a FIFO without a writer must not
     * hang it (it then reads as empty); reads block as usual after. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(r);
        return argo_err_set(err, ARGO_ENOENT, "%s: cannot open: %s", path, strerror(e));
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        close(fd);
        free(r);
        return argo_err_set(err, ARGO_EINVAL, "%s: is a directory, not a CSV file", path);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    r->f = fdopen(fd, "rb");
    if (!r->f) {
        close(fd);
        free(r);
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", path);
    }
    return start(r, path, out, err);
}

int argo_csv_open_mem(const char *name, const void *data, size_t len, argo_csv **out, argo_err *err)
{
    assert(name && out && (data || !len));
    *out = NULL;
    argo_csv *r = calloc(1, sizeof *r);
    if (!r)
        return argo_err_set(err, ARGO_ENOMEM, "%s: out of memory", name);
    r->mem = data ? data : (const void *)"";
    r->mem_len = len;
    return start(r, name, out, err);
}

void argo_csv_close(argo_csv *r)
{
    if (!r)
        return;
    if (r->parser_ready)
        csv_free(&r->p);
    if (r->f)
        fclose(r->f);
    free(r);
}

static void on_field(void *s, size_t len, void *ctx)
{
    argo_csv *r = ctx;
    if (r->n == ARGO_CSV_COLS_MAX) {
        r->too_many = true;
        return;
    }
    if (len >= ARGO_CSV_FIELD_MAX) {
        r->too_long = true;
        return;
    }
    char *dst = r->rec + r->used;
    if (len)
        memcpy(dst, s, len);
    dst[len] = '\0';
    r->row->f[r->n] = dst;
    r->row->len[r->n] = len;
    r->n++;
    r->used += len + 1;
}

static void on_row(int term, void *ctx)
{
    (void)term;
    argo_csv *r = ctx;
    r->ready = true;
}

/* Up to n bytes of the input into dst: the file's or the memory's. */
static size_t input(argo_csv *r, unsigned char *dst, size_t n)
{
    if (!r->mem)
        return fread(dst, 1, n, r->f);
    size_t k = r->mem_len - r->mem_pos;
    if (k > n)
        k = n;
    if (k)
        memcpy(dst, r->mem + r->mem_pos, k);
    r->mem_pos += k;
    return k;
}

/* Reads more of the input; 0 with bytes, 1 at the end, -1 on error. */
static int fill(argo_csv *r)
{
    r->pos = 0;
    r->len = input(r, r->buf, sizeof r->buf);
    if (r->len)
        return 0;
    return r->f && ferror(r->f) ? -1 : 1;
}

static void skip_bom(argo_csv *r)
{
    r->started = true;
    if (r->len - r->pos < 3) { /* move what is left to the front, read more */
        size_t left = r->len - r->pos;
        memmove(r->buf, r->buf + r->pos, left);
        r->pos = 0;
        r->len = left + input(r, r->buf + left, sizeof r->buf - left);
    }
    if (r->len - r->pos >= 3 && r->buf[r->pos] == 0xEF && r->buf[r->pos + 1] == 0xBB &&
        r->buf[r->pos + 2] == 0xBF)
        r->pos += 3;
}

/* The error libcsv stopped on, in words, at the line being fed. */
static int too_long(argo_csv *r, argo_err *err)
{
    return argo_err_set(err, ARGO_ELIMIT, "%s:%zu: field %d is longer than %d bytes (the limit)",
                        r->path, r->line, r->n + 1, ARGO_CSV_FIELD_MAX - 1);
}

/* The error libcsv stopped on, in words; bad is the byte it refused
 * (or -1 when unknown). */
static int parse_error(argo_csv *r, int bad, argo_err *err)
{
    int e = csv_error(&r->p);
    if (e == CSV_ETOOBIG || (e == CSV_ENOMEM && r->p.entry_size >= ARGO_CSV_FIELD_MAX))
        return too_long(r, err);
    if (e == CSV_ENOMEM)
        return argo_err_set(err, ARGO_ENOMEM, "%s:%zu: out of memory", r->path, r->line);
    return argo_err_set(err, ARGO_EPARSE, "%s:%zu: %s (field %d)", r->path, r->line,
                        bad == '"' ? "a quote inside an unquoted field (quote the whole field)"
                                   : "text after a closing quote",
                        r->n + 1);
}

/* Feeds bytes [from, to) of the buffer (one line at most) to libcsv. */
static int feed(argo_csv *r, size_t from, size_t to, argo_err *err)
{
    const unsigned char *s = r->buf + from;
    size_t n = to - from;
    if (memchr(s, '\0', n))
        return argo_err_set(err, ARGO_EPARSE, "%s:%zu: a NUL byte (field %d): not a text CSV file",
                            r->path, r->line, r->n + 1);
    bool blank = true; /* only line ends: libcsv skips it, and so does the record start */
    for (size_t i = 0; i < n && blank; i++)
        blank = s[i] == '\r' || s[i] == '\n';
    if (!blank && !r->in_record) {
        r->in_record = true;
        r->rec_line = r->line;
    }
    size_t done = csv_parse(&r->p, s, n, on_field, on_row, r);
    if (done != n)
        return parse_error(r, s[done], err);
    if (r->too_long)
        return too_long(r, err);
    if (r->too_many)
        return argo_err_set(err, ARGO_ELIMIT, "%s:%zu: more than %d columns (the limit)", r->path,
                            r->line, ARGO_CSV_COLS_MAX);
    unsigned char last = s[n - 1];
    if (last == '\n') {
        if (!r->last_cr)
            r->line++;
    } else if (last == '\r')
        r->line++;
    r->last_cr = last == '\r';
    return ARGO_OK;
}

static int finish_row(argo_csv *r, argo_csv_row *row)
{
    row->n = r->n;
    row->line = r->rec_line;
    r->in_record = false;
    r->ready = false;
    return 1;
}

int argo_csv_read(argo_csv *r, argo_csv_row *row, argo_err *err)
{
    r->row = row;
    r->used = 0;
    r->n = 0;
    r->ready = false;
    if (r->finished)
        return 0;
    for (;;) {
        if (r->pos == r->len) {
            int rc = fill(r);
            if (rc < 0)
                return argo_err_set(err, ARGO_EIO, "%s:%zu: read error: %s", r->path, r->line,
                                    strerror(errno));
            if (rc > 0) { /* the end: a last record without its line end, or an open quote */
                r->finished = true;
                if (csv_fini(&r->p, on_field, on_row, r) != 0) {
                    if (csv_error(&r->p) == CSV_SUCCESS || csv_error(&r->p) == CSV_EPARSE)
                        return argo_err_set(err, ARGO_EPARSE,
                                            "%s:%zu: a quoted field (field %d) is never closed "
                                            "(the file ends on line %zu)",
                                            r->path, r->rec_line, r->n + 1, r->line);
                    return parse_error(r, -1, err);
                }
                if (r->too_long)
                    return too_long(r, err);
                if (r->too_many)
                    return argo_err_set(err, ARGO_ELIMIT,
                                        "%s:%zu: more than %d columns (the limit)", r->path,
                                        r->line, ARGO_CSV_COLS_MAX);
                return r->ready ? finish_row(r, row) : 0;
            }
        }
        if (!r->started)
            skip_bom(r);
        size_t end = r->pos;
        while (end < r->len && r->buf[end] != '\n' && r->buf[end] != '\r')
            end++;
        if (end < r->len)
            end++; /* the line end itself */
        size_t from = r->pos;
        r->pos = end;
        if (end > from) {
            int rc = feed(r, from, end, err);
            if (rc)
                return rc;
        }
        if (r->ready)
            return finish_row(r, row);
    }
}
