/* SPDX-License-Identifier: MIT */
/*
 * base/faultsim.c - allocation-failure injection for the argo program
 * (SQLite's faultsim, curl's torture mode). Built only with
 * -DARGO_FAULTSIM=ON, linked only into the argo executable, never into
 * libargo or a release build.
 *
 * Why hand-written: Debian's libfiu (libfiu-dev) fails malloc through
 * an LD_PRELOAD of its POSIX wrappers, which cannot run under ASan
 * (whose runtime must come first and owns malloc itself), fails libc's
 * and the loader's own allocations along with argo's (so the points
 * depend on libc internals), and has no "the Nth call" mode (only on,
 * off, random or a callback, which would hold this counter anyway).
 * Valgrind and ASan only observe allocations. The linker does the
 * interposition for us instead:
 * `-Wl,--wrap=malloc` sends every malloc call in argo's own objects
 * to __wrap_malloc below, and the libraries argo links with are given
 * these functions through their own allocator hooks: SQLite through
 * sqlite3_config(SQLITE_CONFIG_MALLOC) (which must come before
 * sqlite3_initialize, so it is done in a constructor, before main),
 * jansson through base/jsonmem.c (its hook calls malloc, wrapped like
 * any other) and libcsv through csv_set_realloc_func on each parser
 * (csv_init is wrapped too). What libc, libcurl, libzstd and snappy
 * allocate internally is not counted.
 *
 * One exception: allocations inside jansson's parser (json_loadb,
 * json_loads, json_load_file) are neither counted nor failed. jansson
 * 2.14's lexer ignores a failed allocation of its token buffer, then
 * writes past that buffer (the SEGV this campaign found in json_loadb)
 * or asserts: akheron/jansson issue #362, open upstream since 2017.
 * argo cannot handle that from outside, so injecting there would only
 * re-find the library's bug.
 *
 * The environment drives it:
 *   ARGO_FAULT_ALLOC=N    the Nth counted allocation (1-based) returns
 *                         NULL; unset or 0: none fails
 *   ARGO_FAULT_PERSIST=1  every allocation from the Nth on fails
 *   ARGO_FAULT_COUNT=FILE at exit, write "allocations N injected K" to
 *                         FILE ("-": stderr), so a driver knows how many
 *                         allocation points a command has and whether
 *                         the fault was reached
 *   ARGO_FAULT_TRACE=1    print the call stack of each injected failure
 *                         to stderr (for debugging a finding)
 * This is not a memory-limit facility and not thread-aware beyond an
 * atomic counter.
 */
#include <csv.h>
#include <execinfo.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
int __real_csv_init(struct csv_parser *p, unsigned char options);
json_t *__real_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *e);
json_t *__real_json_loads(const char *s, size_t flags, json_error_t *e);
json_t *__real_json_load_file(const char *path, size_t flags, json_error_t *e);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_csv_init(struct csv_parser *p, unsigned char options);
json_t *__wrap_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *e);
json_t *__wrap_json_loads(const char *s, size_t flags, json_error_t *e);
json_t *__wrap_json_load_file(const char *path, size_t flags, json_error_t *e);

/* Given by ASan/UBSan when linked; a symbolized stack is easier to read. */
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));

static atomic_uint_fast64_t count;    /* allocations so far */
static atomic_uint_fast64_t injected; /* failures returned */
static uint64_t fail_at;              /* 0: never */
static bool persist, trace;
static const char *report;
static _Thread_local int quiet; /* inside jansson's parser: no injection */

/* Counts one allocation; true when this one must fail. */
static bool fault(void)
{
    if (quiet)
        return false;
    uint64_t n = atomic_fetch_add(&count, 1) + 1;
    if (!fail_at || n < fail_at || (n > fail_at && !persist))
        return false;
    atomic_fetch_add(&injected, 1);
    if (trace) {
        static const char msg[] = "argo faultsim: allocation failed here\n";
        if (write(2, msg, sizeof msg - 1) < 0)
            return true;
        if (__sanitizer_print_stack_trace) {
            __sanitizer_print_stack_trace();
        } else {
            void *frames[64];
            backtrace_symbols_fd(frames, backtrace(frames, 64), 2);
        }
    }
    return true;
}

void *__wrap_malloc(size_t n)
{
    return fault() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    return fault() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fault() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = __wrap_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *__wrap_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = __wrap_malloc(len + 1);
    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

int __wrap_csv_init(struct csv_parser *p, unsigned char options)
{
    int rc = __real_csv_init(p, options);
    if (rc == 0) {
        csv_set_realloc_func(p, __wrap_realloc);
        csv_set_free_func(p, free);
    }
    return rc;
}

json_t *__wrap_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *e)
{
    quiet++;
    json_t *j = __real_json_loadb(buf, len, flags, e);
    quiet--;
    return j;
}

json_t *__wrap_json_loads(const char *s, size_t flags, json_error_t *e)
{
    quiet++;
    json_t *j = __real_json_loads(s, flags, e);
    quiet--;
    return j;
}

json_t *__wrap_json_load_file(const char *path, size_t flags, json_error_t *e)
{
    quiet++;
    json_t *j = __real_json_load_file(path, flags, e);
    quiet--;
    return j;
}

/* SQLite's allocator must answer xSize, so each block carries its size
 * in a header that keeps SQLite's 8-byte alignment (16 for ASan). */
#define HDR 16

static void *sq_malloc(int n)
{
    if (n <= 0 || fault())
        return NULL;
    unsigned char *b = __real_malloc((size_t)n + HDR);
    if (!b)
        return NULL;
    memcpy(b, &n, sizeof n);
    return b + HDR;
}

static void sq_free(void *p)
{
    if (p)
        free((unsigned char *)p - HDR);
}

static void *sq_realloc(void *p, int n)
{
    if (n <= 0 || fault())
        return NULL;
    unsigned char *b = __real_realloc((unsigned char *)p - HDR, (size_t)n + HDR);
    if (!b)
        return NULL;
    memcpy(b, &n, sizeof n);
    return b + HDR;
}

static int sq_size(void *p)
{
    int n = 0;
    if (p)
        memcpy(&n, (unsigned char *)p - HDR, sizeof n);
    return n;
}

static int sq_roundup(int n)
{
    return (n + 7) & ~7;
}

static int sq_init(void *app)
{
    (void)app;
    return SQLITE_OK;
}

static void sq_shutdown(void *app)
{
    (void)app;
}

static void at_exit(void)
{
    if (!report)
        return;
    FILE *f = strcmp(report, "-") ? fopen(report, "w") : stderr;
    if (!f)
        return;
    fprintf(f, "allocations %llu injected %llu\n", (unsigned long long)atomic_load(&count),
            (unsigned long long)atomic_load(&injected));
    if (f != stderr)
        fclose(f);
}

__attribute__((constructor)) static void faultsim_init(void)
{
    static const sqlite3_mem_methods methods = {sq_malloc,  sq_free, sq_realloc,  sq_size,
                                                sq_roundup, sq_init, sq_shutdown, NULL};
    const char *s = getenv("ARGO_FAULT_ALLOC");
    fail_at = s ? strtoull(s, NULL, 10) : 0;
    s = getenv("ARGO_FAULT_PERSIST");
    persist = s && *s == '1';
    s = getenv("ARGO_FAULT_TRACE");
    trace = s && *s == '1';
    report = getenv("ARGO_FAULT_COUNT");
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &methods) != SQLITE_OK) {
        fputs("argo faultsim: sqlite3_config failed\n", stderr);
        abort();
    }
    atexit(at_exit);
}
