/* SPDX-License-Identifier: MIT */
/*
 * base/csvread.c - the strict CSV reader (see csvread.h). Each byte is
 * looked at once; a record lives in one fixed buffer of
 * ARGO_CSV_COLS_MAX * ARGO_CSV_FIELD_MAX bytes, so no input can make it
 * allocate more or go back over what it read.
 */
#include "base/csvread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { END = -1, FAIL = -2 };

struct argo_csv {
    FILE *f;
    const char *path;
    size_t line;  /* the line being read, 1-based */
    bool started; /* the BOM check is done */
    size_t pos, len;
    unsigned char buf[65536];
    char rec[ARGO_CSV_COLS_MAX * ARGO_CSV_FIELD_MAX];
};

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
    r->path = path;
    r->line = 1;
    *out = r;
    return ARGO_OK;
}

void argo_csv_close(argo_csv *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    free(r);
}

static int fill(argo_csv *r)
{
    r->pos = 0;
    r->len = fread(r->buf, 1, sizeof r->buf, r->f);
    if (r->len == 0)
        return ferror(r->f) ? FAIL : END;
    return 0;
}

static int next(argo_csv *r)
{
    if (r->pos == r->len) {
        int rc = fill(r);
        if (rc)
            return rc;
    }
    return r->buf[r->pos++];
}

static int peek(argo_csv *r)
{
    if (r->pos == r->len) {
        int rc = fill(r);
        if (rc)
            return rc;
    }
    return r->buf[r->pos];
}

static int bad(argo_csv *r, argo_err *err, int code, const char *what, int field)
{
    return argo_err_set(err, code, "%s:%zu: %s (field %d)", r->path, r->line, what, field);
}

static int skip_bom(argo_csv *r)
{
    r->started = true;
    if (peek(r) != 0xEF)
        return 0;
    if (r->len - r->pos < 3) { /* move what is left to the front, read more */
        size_t left = r->len - r->pos;
        memmove(r->buf, r->buf + r->pos, left);
        r->pos = 0;
        r->len = left + fread(r->buf + left, 1, sizeof r->buf - left, r->f);
    }
    if (r->len - r->pos >= 3 && r->buf[r->pos + 1] == 0xBB && r->buf[r->pos + 2] == 0xBF)
        r->pos += 3;
    return 0;
}

int argo_csv_read(argo_csv *r, argo_csv_row *row, argo_err *err)
{
    if (!r->started)
        skip_bom(r);
    for (;;) { /* one record per turn; blank lines are skipped */
        size_t used = 0, flen = 0;
        int n = 0;
        size_t qline = 0; /* where the open quoted field began */
        bool quoted = false, closed = false, any = false;
        char *field = r->rec;
        row->line = r->line;
        for (;;) {
            int c = next(r);
            if (c == FAIL)
                return argo_err_set(err, ARGO_EIO, "%s:%zu: read error: %s", r->path, r->line,
                                    strerror(errno));
            if (quoted && !closed) {
                if (c == END)
                    return argo_err_set(err, ARGO_EPARSE,
                                        "%s:%zu: a quoted field (field %d) is never closed (the "
                                        "file ends on line %zu)",
                                        r->path, qline, n + 1, r->line);
                if (c == '"') {
                    if (peek(r) != '"') {
                        closed = true;
                        continue;
                    }
                    next(r);
                } else if (c == '\0')
                    return bad(r, err, ARGO_EPARSE, "a NUL byte: not a text CSV file", n + 1);
                else if (c == '\n' || (c == '\r' && peek(r) != '\n'))
                    r->line++;
            } else if (c == ',' || c == '\n' || c == '\r' || c == END) {
                if (c == END && !any)
                    return 0;
                if (c != ',' && !any) { /* a blank line */
                    if (c == '\r' && peek(r) == '\n')
                        next(r);
                    r->line++;
                    break;
                }
                if (n == ARGO_CSV_COLS_MAX)
                    return argo_err_set(err, ARGO_ELIMIT,
                                        "%s:%zu: more than %d columns (the limit)", r->path,
                                        r->line, ARGO_CSV_COLS_MAX);
                field[flen] = '\0';
                row->f[n] = field;
                row->len[n] = flen;
                n++;
                used += flen + 1;
                field = r->rec + used;
                flen = 0;
                quoted = closed = false;
                if (c == ',') {
                    any = true;
                    continue;
                }
                if (c == '\r' && peek(r) == '\n')
                    next(r);
                if (c != END)
                    r->line++;
                row->n = n;
                return 1;
            } else if (closed)
                return bad(r, err, ARGO_EPARSE, "text after a closing quote", n + 1);
            else if (c == '"') {
                if (n == ARGO_CSV_COLS_MAX)
                    return argo_err_set(err, ARGO_ELIMIT,
                                        "%s:%zu: more than %d columns (the limit)", r->path,
                                        r->line, ARGO_CSV_COLS_MAX);
                if (flen)
                    return bad(r, err, ARGO_EPARSE,
                               "a quote inside an unquoted field (quote the whole field)", n + 1);
                quoted = true;
                qline = r->line;
                any = true;
                continue;
            } else if (c == '\0')
                return bad(r, err, ARGO_EPARSE, "a NUL byte: not a text CSV file", n + 1);
            any = true;
            if (n == ARGO_CSV_COLS_MAX)
                return argo_err_set(err, ARGO_ELIMIT, "%s:%zu: more than %d columns (the limit)",
                                    r->path, r->line, ARGO_CSV_COLS_MAX);
            if (flen == ARGO_CSV_FIELD_MAX - 1)
                return argo_err_set(err, ARGO_ELIMIT,
                                    "%s:%zu: field %d is longer than %d bytes (the limit)", r->path,
                                    r->line, n + 1, ARGO_CSV_FIELD_MAX - 1);
            field[flen++] = (char)c;
        }
    }
}
