/* SPDX-License-Identifier: MIT */
/*
 * cli/store_cmd.c - argo store copy: every table of one store into
 * another (SQLite and PostgreSQL, either way), verified by row counts
 * and per-table SHA-256 checksums before the target commits
 * (app/copy.h). URLs are printed masked (no password).
 */
#include "cli/cli.h"

#include "app/copy.h"
#include "app/json.h"
#include "base/jsonmem.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const store_help =
    "usage: argo store copy --from URL --to URL [--replace] [--json]\n"
    "Copies every table of the store at --from (read only) into the store at\n"
    "--to (created when absent): sqlite:PATH or PATH, postgresql://... or\n"
    "postgres://... (docs/POSTGRES.md), either way. One transaction on the\n"
    "target under its ingest and cycle locks; before it commits, each table's\n"
    "row count and SHA-256 over its rows in key order are compared on both\n"
    "sides, and any difference leaves the target as it was. A target with rows\n"
    "is refused unless --replace (its rows are deleted first, in the same\n"
    "transaction). Prints per table: rows, checksum prefix, verified.\n"
    "  --from URL      the source store\n"
    "  --to URL        the target store\n"
    "  --replace       replace the rows of a target that has some\n"
    "  --json          the result as JSON\n"
    "  -h, --help      this help\n";

static int store_copy(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"replace", no_argument, NULL, 'r'},    {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},       {0}};
    const char *from = NULL, *to = NULL;
    bool json = false;
    argo_store_copy_options co = {.busy_timeout_ms = -1};
    int o;
    while ((o = getopt_long(argc, argv, "f:t:rjh", opts, NULL)) != -1) {
        if (o == 'f')
            from = optarg;
        else if (o == 't')
            to = optarg;
        else if (o == 'r')
            co.replace = true;
        else if (o == 'j')
            json = true;
        else if (o == 'h') {
            fputs(store_help, stdout);
            return 0;
        } else
            return unknown_opt(c, argv);
    }
    if (optind < argc)
        return usage_error(c, "unexpected argument '%s'", argv[optind]);
    if (!from || !*from)
        return usage_error(c, "%s", "store copy needs --from URL (the source store)");
    if (!to || !*to)
        return usage_error(c, "%s", "store copy needs --to URL (the target store)");
    /* a test hook (tests/cli/store_copy.sh): fail after this many rows */
    const char *inject = getenv("ARGO_TEST_COPY_FAIL_AFTER");
    if (inject && *inject) {
        char *end;
        errno = 0;
        long long n = strtoll(inject, &end, 10);
        if (*end || errno || n <= 0)
            return usage_error(c, "ARGO_TEST_COPY_FAIL_AFTER '%s' is not a row count", inject);
        co.fail_after_rows = n;
    }
    argo_store_copy_result r;
    if (argo_app_store_copy(from, to, &co, &r, &c->err))
        return fail(c);
    if (json) {
        unsigned long jf = argo_json_failures();
        json_t *doc = argo_json_store_copy(&r);
        int rc = argo_json_print(doc, ARGO_JSON_PRETTY, stdout, jf, &c->err);
        json_decref(doc);
        return rc ? fail(c) : 0;
    }
    printf("store copy: %s (%s) -> %s (%s)%s\n", r.from, r.from_backend, r.to, r.to_backend,
           r.replaced ? ", its rows replaced" : "");
    for (size_t i = 0; i < r.n; i++)
        printf("  %-20s %10lld row%s  sha256 %.16s  verified\n", r.tables[i].name,
               (long long)r.tables[i].rows, r.tables[i].rows == 1 ? " " : "s", r.tables[i].sha256);
    printf("store copy: %lld rows in %zu tables, verified, in %.2f s\n", (long long)r.rows, r.n,
           r.seconds);
    return 0;
}

int cmd_store(cli *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        fputs(store_help, stdout);
        return 0;
    }
    if (strcmp(sub, "copy"))
        return usage_error(c, "%s", "expected: argo store copy --from URL --to URL");
    c->cmd = "store copy";
    return store_copy(c, argc - 1, argv + 1);
}
