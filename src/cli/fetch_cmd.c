/* SPDX-License-Identifier: MIT */
/*
 * cli/fetch_cmd.c - argo fetch: bars from the [provider] into the store
 * (app/fetch.h), and the per-cycle figures.
 */
#include "app/fetch.h"
#include "app/json.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void notice(void *ctx, const char *line)
{
    const char *cmd = ctx;
    fprintf(stderr, "argo %s: %s\n", cmd, line);
}

static void print_text(const argo_fetch_report *r)
{
    for (size_t i = 0; i < r->nsymbols; i++) {
        const argo_fetch_symbol *f = &r->symbols[i];
        char from[32] = "-", last[32] = "-";
        if (f->from != INT64_MIN)
            argo_time_format(f->from, from, sizeof from);
        if (f->last_ts != INT64_MIN)
            argo_time_format(f->last_ts, last, sizeof last);
        printf(
            "%s: %s: from %s, %zu new bars, %zu duplicates, %zu corrections, %zu gaps; last %s\n",
            f->symbol, argo_fetch_status_name(f->status), from, f->bars, f->duplicates,
            f->corrections, f->gaps, last);
    }
    char hit[32] = "n/a";
    if (isfinite(r->hit_rate))
        snprintf(hit, sizeof hit, "%.1f%%", r->hit_rate * 100);
    printf("fetch: %zu symbols (%zu updated, %zu unchanged, %zu not fetched, %zu failed); "
           "%zu batches (%zu not sent: budget, %zu failed); %lld calls (%lld retries, %lld "
           "not modified; cache hit rate %s); %zu bars, %zu duplicates, %zu corrections; "
           "%lld bytes; %.3f s; calls today %lld",
           r->nsymbols, r->updated, r->unchanged, r->not_fetched, r->failed, r->batches,
           r->batches_not_sent, r->batches_failed, (long long)r->calls, (long long)r->retries,
           (long long)r->not_modified, hit, r->bars, r->duplicates, r->corrections,
           (long long)r->bytes, r->seconds, (long long)r->calls_today);
    if (r->budget_cycle || r->budget_day)
        printf(" (budget: %lld a cycle, %lld a day; 0 = none)", (long long)r->budget_cycle,
               (long long)r->budget_day);
    printf("\n");
}

int cmd_fetch(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"symbols", required_argument, NULL, 's'},
                                         {"since", required_argument, NULL, 'S'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"json", no_argument, NULL, 'j'},
                                         COMMON_OPTS,
                                         {0}};
    const char *symbols = NULL;
    int64_t since = INT64_MIN, until = INT64_MAX;
    bool json = false;
    int o;
    while ((o = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 's') {
            symbols = optarg;
        } else if (o == 'S' || o == 'u') {
            int64_t t;
            if (strlen(optarg) != 10 || argo_time_parse(optarg, &t))
                return usage_error(c, "--%s '%s': expected YYYY-MM-DD",
                                   o == 'S' ? "since" : "until", optarg);
            if (o == 'S')
                since = t;
            else
                until = t + ARGO_DAY_SECONDS - 1;
        } else if (o == 'j') {
            json = true;
        } else if (o == 'h') {
            help("usage: argo fetch [--symbols A,B,...] [--since YYYY-MM-DD] [--until YYYY-MM-DD]\n"
                 "                  [--json]\n"
                 "Fetches bars from the [provider] of the config into the store: for each\n"
                 "symbol only the bars after its last stored one (the last [provider]\n"
                 "overlap_bars asked again to see revisions), batched, through the HTTP\n"
                 "cache and inside the call budget. Each batch is stored all or nothing,\n"
                 "validated as argo ingest does; a revised bar is recorded as a correction,\n"
                 "never applied. Exits 1 when a batch failed (the others are stored).\n"
                 "  -s, --symbols A,B  these symbols (default: [provider] symbols or\n"
                 "                     symbols_file, else the store's)\n"
                 "  --since DAY        every symbol from this day (default: incremental)\n"
                 "  --until DAY        no bar after this day (default: the newest)\n"
                 "  --json             the report as JSON\n");
            return 0;
        } else {
            return unknown_opt(c, argv);
        }
    }
    if (since != INT64_MIN && until != INT64_MAX && until < since)
        return usage_error(c, "%s", "--until is before --since");
    int rc = finish_opts(c, argc, argv, CLI_STORE_RW);
    if (rc)
        return rc;
    argo_app_set_notice(c->app, notice, (void *)c->cmd);
    char **list = NULL, *dup = NULL;
    size_t n = 0;
    if (symbols) {
        dup = strdup(symbols);
        if (!dup) {
            argo_err_set(&c->err, ARGO_ENOMEM, "out of memory");
            return fail(c);
        }
        for (char *save = NULL, *t = strtok_r(dup, ", ", &save); t;
             t = strtok_r(NULL, ", ", &save)) {
            char **v = realloc(list, (n + 1) * sizeof *list);
            if (!v) {
                free(list);
                free(dup);
                argo_err_set(&c->err, ARGO_ENOMEM, "out of memory");
                return fail(c);
            }
            list = v;
            list[n++] = t;
        }
        if (n == 0) {
            free(dup);
            free(list);
            return usage_error(c, "%s", "--symbols: no symbol named");
        }
    }
    argo_fetch_options fo = {
        .symbols = (const char *const *)list, .nsymbols = n, .since = since, .end = until};
    argo_fetch_report *r = NULL;
    unsigned long jf = argo_json_failures();
    rc = argo_app_fetch(c->app, &fo, &r, &c->err);
    argo_err saved = c->err;
    if (r) {
        if (json) {
            json_t *doc = argo_json_fetch(r);
            if (argo_json_print(doc, ARGO_JSON_PRETTY, stdout, jf, &c->err) && !rc) {
                rc = 1;
                saved = c->err;
            }
            json_decref(doc);
        } else {
            print_text(r);
        }
        fflush(stdout);
    }
    argo_fetch_report_free(r);
    free(dup);
    free(list);
    if (rc) {
        c->err = saved;
        return fail(c);
    }
    return 0;
}
