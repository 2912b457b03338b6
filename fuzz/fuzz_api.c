/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the REST API's router and request parsing
 * (server/api.c: argo_api_match, argo_api_handle) over random methods,
 * paths, queries, headers and bodies, read and admin routes, on a small
 * store made once in a temporary folder (40 days of bars of two
 * symbols, replayed into signals). Every request gets a response with a
 * status, never a crash, a leak or an unbounded allocation; an error's
 * body is JSON.
 *
 * Input: one byte of flags (the role: & 3; bit 2: an If-None-Match; bit
 * 3: HEAD for GET), then fields split at '\n': method, path, query,
 * If-None-Match, Content-Type; the rest is the body. */
#include "app/app.h"
#include "app/flow.h"
#include "server/api.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static argo_app *app;

static void make_store(void)
{
    char dir[64], db[96], conf[96], csv[2][96], text[256];
    snprintf(dir, sizeof dir, "/tmp/argo-fuzz-api-%ld", (long)getpid());
    mkdir(dir, 0700);
    snprintf(db, sizeof db, "%s/argo.db", dir);
    snprintf(conf, sizeof conf, "%s/argo.conf", dir);
    FILE *f = fopen(conf, "w");
    if (!f)
        abort();
    fprintf(f, "[signal]\nmin_confidence = 0.3\n[archive]\ndir = %s/backups\n", dir);
    fclose(f);
    const char *syms[2] = {"AAA", "BBB"}, *paths[2] = {csv[0], csv[1]};
    for (int s = 0; s < 2; s++) {
        snprintf(csv[s], sizeof csv[s], "%s/%s.csv", dir, syms[s]);
        if (!(f = fopen(csv[s], "w")))
            abort();
        fprintf(f, "date,open,high,low,close,volume\n");
        double p = 100 + 20 * s;
        for (int d = 1; d <= 40; d++) {
            double o = p, c = p * (1 + ((d * 7 + s * 3) % 11 - 5) / 100.0);
            double hi = (o > c ? o : c) * 1.01, lo = (o < c ? o : c) * 0.99;
            snprintf(text, sizeof text, "2024-%02d-%02d,%.4f,%.4f,%.4f,%.4f,%d\n", 1 + (d - 1) / 28,
                     1 + (d - 1) % 28, o, hi, lo, c, 1000 + d);
            fputs(text, f);
            p = c;
        }
        fclose(f);
    }
    argo_app_options opt = {.config_path = conf, .db_path = db, .store = ARGO_APP_STORE_RW};
    argo_err err;
    argo_ingest_report reps[2];
    argo_replay_options ro = {.from = INT64_MIN, .to = INT64_MAX};
    if (argo_app_open(&opt, &app, &err) ||
        argo_app_ingest(app, 2, paths, syms, false, reps, &err) ||
        argo_app_replay(app, &ro, NULL, &err)) {
        fprintf(stderr, "fuzz_api: %s\n", err.msg);
        abort();
    }
}

/* the next '\n'-ended field of [*p, end) as a new string */
static char *field(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, *p, n);
    s[n] = '\0';
    *p += n + (nl != NULL);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app)
        make_store();
    if (!size)
        return 0;
    uint8_t flags = data[0];
    const uint8_t *p = data + 1, *end = data + size;
    char *method = field(&p, end), *path = field(&p, end), *query = field(&p, end);
    char *inm = field(&p, end), *ctype = field(&p, end);
    if (!strcmp(method, "GET") && (flags & 8)) {
        free(method);
        method = strdup("HEAD");
        if (!method)
            abort();
    }
    argo_api_route m;
    argo_api_match(method, path, &m);
    if (m.status != 0 && m.status != 404 && m.status != 405)
        abort();
    argo_api_request req = {.method = method,
                            .path = path,
                            .query = query,
                            .if_none_match = (flags & 4) ? inm : NULL,
                            .content_type = *ctype ? ctype : NULL,
                            .body = p < end ? p : NULL,
                            .body_len = (size_t)(end - p),
                            .role = (argo_role)(flags & 3)};
    argo_api_response r;
    if (argo_api_handle(m.status == 0 && m.runs == ARGO_API_INLINE ? NULL : app, &req, &r) == 0) {
        if (r.status < 200 || r.status > 599)
            abort();
        if (r.status >= 400 && strcmp(method, "HEAD")) {
            json_t *doc = json_loadb(r.body, r.len, 0, NULL);
            if (!doc)
                abort(); /* every error body is JSON */
            json_decref(doc);
        }
    }
    argo_api_response_cleanup(&r);
    free(method);
    free(path);
    free(query);
    free(inm);
    free(ctype);
    return 0;
}
