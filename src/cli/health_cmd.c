/* SPDX-License-Identifier: MIT */
/*
 * cli/health_cmd.c - argo health: the health levels of app/health.h
 * for a monitoring system (the same checks as GET /health?level=N).
 *
 * Exit status, as Nagios-style plugins have it: 0 ok, 1 degraded,
 * 2 failing, 3 the check itself could not run or report (a usage
 * mistake, an output that cannot be written, no memory). An
 * installation that cannot be read (the config, the store) is failing,
 * not a command error: it is the state being asked about. With exit
 * 1 or 2, stderr holds one line naming the worst check. docs/HEALTH.md.
 */
#include "cli/cli.h"

#include "app/health.h"
#include "app/json.h"
#include "base/jsonmem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEALTH_UNKNOWN 3 /* the check could not run or report */

static const char *usage_text =
    "usage: argo health [--level 1|2|3] [--json]\n"
    "The health of this installation, the same checks as argo serve's GET\n"
    "/health?level=N; one line per check (name, status, duration, detail).\n"
    "  --level 1  liveness: argo runs (never touches the store)\n"
    "  --level 2  readiness (the default): the store opens, is writable and\n"
    "             current; last cycle and last backup against the schedule;\n"
    "             free disk; S3 reachable when [s3] is set\n"
    "  --level 3  deep: level 2, the coverage invariant, a verify of the newest\n"
    "             backup, calibration model age, no look-ahead on recent signals,\n"
    "             a sample of the remote archive, the live cycle's budget\n"
    "  --json     the report as JSON (level, status, checks)\n"
    "exit status: 0 ok, 1 degraded, 2 failing, 3 usage mistake or no report\n"
    "(docs/HEALTH.md)\n";

static int print_text(const argo_health_report *r)
{
    size_t w = 4;
    for (size_t i = 0; i < r->n; i++)
        if (strlen(r->items[i].name) > w)
            w = strlen(r->items[i].name);
    for (size_t i = 0; i < r->n; i++) {
        const argo_health_item *it = &r->items[i];
        printf("%-*s %-8s %9.1f ms  %s\n", (int)w, it->name, argo_health_status_name(it->status),
               it->duration_ms, it->detail);
    }
    printf("%-*s %s (level %d)\n", (int)w, "health", argo_health_status_name(r->status), r->level);
    return 0;
}

static int print_json(cli *c, const argo_health_report *r)
{
    unsigned long jf = argo_json_failures();
    json_t *doc = argo_json_health_report(r);
    int rc = doc ? argo_json_print(doc, ARGO_JSON_PRETTY, stdout, jf, &c->err)
                 : argo_err_set(&c->err, ARGO_ENOMEM, "out of memory");
    json_decref(doc);
    return rc;
}

int cmd_health(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"level", required_argument, NULL, 'l'},
                                         {"json", no_argument, NULL, 'j'},
                                         COMMON_OPTS,
                                         {0}};
    int level = 2, o;
    bool json = false;
    while ((o = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'l') {
            if (strlen(optarg) != 1 || optarg[0] < '1' || optarg[0] > '3') {
                usage_error(c, "--level '%s': expected 1, 2 or 3", optarg);
                return HEALTH_UNKNOWN;
            }
            level = optarg[0] - '0';
        } else if (o == 'j')
            json = true;
        else if (o == 'h') {
            help(usage_text);
            return 0;
        } else {
            unknown_opt(c, argv);
            return HEALTH_UNKNOWN;
        }
    }
    if (optind < argc) {
        usage_error(c, "unexpected argument '%s'", argv[optind]);
        return HEALTH_UNKNOWN;
    }
    if (c->db_opt && !*c->db_opt) {
        usage_error(c, "%s", "--db '': the database path is empty");
        return HEALTH_UNKNOWN;
    }
    if (c->config_opt && !*c->config_opt) {
        usage_error(c, "%s", "--config '': the config path is empty");
        return HEALTH_UNKNOWN;
    }

    /* the checks open the store themselves (read-only, and a write
     * probe rolled back); the app holds only the config and the path */
    argo_app_options ao = {
        .config_path = c->config_opt, .db_path = c->db_opt, .store = ARGO_APP_STORE_NONE};
    argo_health_report rep = {0};
    argo_health_item cfg_item = {.name = "config", .status = ARGO_HEALTH_FAILING};
    if (argo_app_open(&ao, &c->app, &c->err)) {
        if (c->err.code == ARGO_ENOMEM) {
            fail(c);
            return HEALTH_UNKNOWN;
        }
        /* the installation's config cannot be read: failing */
        snprintf(cfg_item.detail, sizeof cfg_item.detail, "%s", c->err.msg);
        rep = (argo_health_report){
            .level = level, .status = ARGO_HEALTH_FAILING, .items = NULL, .n = 1};
    } else if (argo_app_health_run(c->app, level, NULL, &rep, &c->err)) {
        argo_health_report_cleanup(&rep);
        fail(c);
        return HEALTH_UNKNOWN;
    }
    bool own_items = rep.items != NULL;
    if (!own_items)
        rep.items = &cfg_item;
    int rc = json ? print_json(c, &rep) : print_text(&rep);
    int status = (int)rep.status;
    const argo_health_item *worst = NULL;
    for (size_t i = 0; i < rep.n && !worst; i++)
        if (rep.items[i].status == rep.status)
            worst = &rep.items[i];
    char line[ARGO_ERR_MSG_MAX];
    line[0] = 0;
    if (status != ARGO_HEALTH_OK && worst)
        snprintf(line, sizeof line, "%s: %s: %s", argo_health_status_name(rep.status), worst->name,
                 worst->detail);
    if (own_items)
        argo_health_report_cleanup(&rep);
    if (rc) {
        fail(c);
        return HEALTH_UNKNOWN;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "argo health: cannot write the output (stdout): %s\n", strerror(errno));
        return HEALTH_UNKNOWN;
    }
    if (line[0])
        fprintf(stderr, "argo health: %s\n", line);
    return status;
}
