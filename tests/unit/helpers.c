/* SPDX-License-Identifier: MIT */
#include "helpers.h"

#include "archive/archive.h"
#include "base/timeutil.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

const char *th_tmpdir(void)
{
    if (!tmpdir[0]) {
        struct stat sb;
        const char *base =
            stat("/dev/shm", &sb) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(tmpdir, sizeof tmpdir, "%s/argo-test-XXXXXX", base);
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
    }
    return tmpdir;
}

const char *th_tmpfile(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", th_tmpdir(), name);
    return buf;
}

const char *th_src(const char *rel, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", ARGO_SOURCE_DIR, rel);
    return buf;
}

void th_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static bool is_pg_url(const char *url)
{
    return !strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11);
}

const char *th_store_file(const char *url)
{
    if (is_pg_url(url))
        return NULL;
    return strncmp(url, "sqlite:", 7) ? url : url + 7;
}

bool th_store_is_pg(void)
{
    const char *prefix = getenv("ARGO_TEST_STORE_URL");
    return prefix && is_pg_url(prefix);
}

bool th_pg_skip(const char *why)
{
    if (!th_store_is_pg())
        return false;
    printf("skipped on PostgreSQL: %s\n", why);
    fflush(stdout);
    return true;
}

const char *th_store_url(const char *name, char *buf, size_t n)
{
    const char *prefix = getenv("ARGO_TEST_STORE_URL");
    if (!prefix || !*prefix) {
        th_tmpfile(name, buf, n);
        th_rm_db(buf);
        return buf;
    }
    char id[128];
    size_t k = 0;
    for (const char *p = name; *p && k + 1 < sizeof id; p++)
        id[k++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
    id[k] = 0;
    /* the names handed out so far, to give a repeated one a count */
    static char seen[64][128];
    static int nseen, count[64];
    int i = 0;
    while (i < nseen && strcmp(seen[i], id))
        i++;
    if (i == nseen) {
        assert_true(nseen < 64);
        snprintf(seen[nseen++], sizeof seen[0], "%s", id);
    }
    int w = ++count[i] == 1 ? snprintf(buf, n, "%s%s_%ld", prefix, id, (long)getpid())
                            : snprintf(buf, n, "%s%s_%ld_%d", prefix, id, (long)getpid(), count[i]);
    assert_true(w > 0 && (size_t)w < n);
    return buf;
}

void th_rm_db(const char *path)
{
    char b[1024];
    if (is_pg_url(path))
        return;
    if (!strncmp(path, "sqlite:", 7))
        path += 7;
    unlink(path);
    snprintf(b, sizeof b, "%s-wal", path);
    unlink(b);
    snprintf(b, sizeof b, "%s-shm", path);
    unlink(b);
}

static char **split(char *line, int *n)
{
    int cap = 8;
    char **v = malloc(cap * sizeof *v);
    *n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line;;) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        if (*n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[(*n)++] = strdup(p);
        if (!c)
            break;
        p = c + 1;
    }
    return v;
}

th_table *th_table_read(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    th_table *t = calloc(1, sizeof *t);
    char line[8192];
    assert_non_null(fgets(line, sizeof line, f));
    t->names = split(line, &t->ncols);
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        int n;
        char **cells = split(line, &n);
        assert_int_equal(n, t->ncols);
        if (t->nrows == cap)
            t->cells = realloc(t->cells, (cap = cap ? 2 * cap : 1024) * sizeof *t->cells);
        t->cells[t->nrows++] = cells;
    }
    fclose(f);
    return t;
}

int th_table_col(const th_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->names[i], name))
            return i;
    fail_msg("no column %s", name);
    return -1;
}

double th_table_num(const th_table *t, size_t row, int col)
{
    const char *s = t->cells[row][col];
    return strcmp(s, "NA") ? strtod(s, NULL) : NAN;
}

void th_table_free(th_table *t)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++)
            free(t->cells[r][c]);
        free(t->cells[r]);
    }
    for (int c = 0; c < t->ncols; c++)
        free(t->names[c]);
    free(t->names);
    free(t->cells);
    free(t);
}

argo_bar *th_market_bars(const char *sym, size_t *n)
{
    char rel[128], path[1024];
    snprintf(rel, sizeof rel, "data/market/%s.csv", sym);
    th_table *t = th_table_read(th_src(rel, path, sizeof path));
    argo_bar *b = calloc(t->nrows, sizeof *b);
    int cd = th_table_col(t, "date"), co = th_table_col(t, "open"), ch = th_table_col(t, "high"),
        cl = th_table_col(t, "low"), cc = th_table_col(t, "close"), cv = th_table_col(t, "volume");
    for (size_t r = 0; r < t->nrows; r++) {
        assert_int_equal(argo_time_parse(t->cells[r][cd], &b[r].ts), 0);
        b[r].open = th_table_num(t, r, co);
        b[r].high = th_table_num(t, r, ch);
        b[r].low = th_table_num(t, r, cl);
        b[r].close = th_table_num(t, r, cc);
        b[r].volume = th_table_num(t, r, cv);
    }
    *n = t->nrows;
    th_table_free(t);
    return b;
}

int th_backup_first_full_day(argo_store *st, const argo_backup_options *opt, int64_t *day)
{
    int64_t *days;
    size_t n;
    *day = 0;
    if (argo_backup_days(st, &days, &n, NULL))
        return -1;
    for (size_t i = 0; i < n && !*day; i++) {
        argo_backup_result r;
        if (argo_backup_day(st, days[i], opt, &r, NULL) == 0 && r.signals && r.outcomes)
            *day = days[i];
    }
    free(days);
    return *day ? 0 : -1;
}
