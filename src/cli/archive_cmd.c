/* SPDX-License-Identifier: MIT */
/*
 * cli/archive_cmd.c - argo archive: query, cat, cost, lifecycle, tier,
 * push and verify --remote (docs/ARCHIVE.md, docs/BACKUPS.md).
 */
#include "cli/cli.h"

#include "app/archive.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* argo archive cat FILE.parquet [--schema] (argo_app_archive_cat); --db and
 * --config are accepted as everywhere (the config is loaded, the store
 * not opened). */
static int archive_cat(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"schema", no_argument, NULL, 's'}, COMMON_OPTS, {0}};
    bool schema = false;
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 's')
            schema = true;
        else if (o == 'h') {
            help("usage: argo archive cat FILE.parquet [--schema]\n"
                 "Prints a Parquet file's rows as JSON (or its schema).\n");
            return 0;
        } else
            return unknown_opt(c, argv);
    }
    if (optind >= argc)
        return usage_error(c, "%s", "usage: argo archive cat FILE.parquet [--schema]");
    const char *path = argv[optind++];
    int rc = finish_opts(c, argc, argv, false);
    if (rc)
        return rc;
    argo_app_cat_options co = {.path = path, .schema = schema, .out = stdout};
    return argo_app_archive_cat(c->app, &co, &c->err) ? fail(c) : 0;
}

/* Notices of the app (an S3 request retried, a warning): one line each. */
static void on_notice(void *ctx, const char *line)
{
    cli *c = ctx;
    fprintf(stderr, "argo %s: %s\n", c->cmd, line);
}

static int archive_lifecycle(cli *c, int argc, char **argv)
{
    const char *sub = argc >= 3 ? argv[2] : "";
    if (strcmp(sub, "show") && strcmp(sub, "apply") && strcmp(sub, "get"))
        return usage_error(c, "%s", "usage: argo archive lifecycle show|apply|get [--config PATH]");
    static const struct option opts[] = {COMMON_OPTS, {0}};
    int o;
    argc -= 2;
    argv += 2;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'h') {
            help("usage: argo archive lifecycle show|apply|get\n"
                 "show prints the archive's S3 LifecycleConfiguration (from [lifecycle] in\n"
                 "the config), after checking S3's rules; apply PUTs it on the [s3] bucket\n"
                 "(?lifecycle); get reads the bucket's back and says whether it matches;\n"
                 "docs/ARCHIVE.md.\n");
            return 0;
        }
        return unknown_opt(c, argv);
    }
    int rc = finish_opts(c, argc, argv, false);
    if (rc)
        return rc;
    argo_app_set_notice(c->app, on_notice, c);
    argo_app_lifecycle_op op = !strcmp(sub, "show")    ? ARGO_APP_LIFECYCLE_SHOW
                               : !strcmp(sub, "apply") ? ARGO_APP_LIFECYCLE_APPLY
                                                       : ARGO_APP_LIFECYCLE_GET;
    argo_app_lifecycle_result r;
    rc = argo_app_archive_lifecycle(c->app, op, &r, &c->err);
    if (rc) {
        argo_app_lifecycle_result_cleanup(&r);
        return fail(c);
    }
    if (op == ARGO_APP_LIFECYCLE_SHOW)
        fputs(r.xml, stdout);
    else if (op == ARGO_APP_LIFECYCLE_APPLY)
        printf("lifecycle applied to %s (%d transitions, prefix %s, object size: %s)\n", r.target,
               r.lc.n, r.lc.prefix, r.lc.min_size_behaviour);
    else if (!r.found) {
        printf("lifecycle of %s: none set; differs from the config (run: argo archive "
               "lifecycle apply)\n",
               r.target);
        rc = 3;
    } else {
        printf("lifecycle of %s: %s the config%s%s\n", r.target,
               r.same_xml && r.same_size ? "matches" : "differs from",
               r.same_size ? "" : "; object-size behaviour is ",
               r.same_size ? "" : r.server_min_size);
        if (!r.same_xml)
            printf("server:\n%s\nconfig:\n%s\n", r.server_xml, r.config_xml);
        rc = r.same_xml && r.same_size ? 0 : 3;
    }
    argo_app_lifecycle_result_cleanup(&r);
    return rc;
}

static void on_pushed(void *ctx, const argo_remote_object *o, bool uploaded)
{
    bool *verbose = ctx;
    if (!uploaded && !*verbose)
        return;
    char until[32];
    printf("%s %s (%lld bytes, %s%s%s%s)\n", uploaded ? "uploaded" : "already ", o->key,
           (long long)o->bytes, o->storage_class, o->lock_mode[0] ? ", lock " : "", o->lock_mode,
           o->lock_mode[0] ? argo_time_format(o->lock_until, until, sizeof until) : "");
}

static void on_checked(void *ctx, const argo_remote_check *r)
{
    (void)ctx;
    printf("%-4s %s  %lld bytes  %s  lock: %s%s%s%s%s\n", r->ok ? "ok" : "BAD", r->key,
           (long long)r->head.size, r->head.storage_class,
           r->head.lock_mode[0] ? r->head.lock_mode : "none", r->head.lock_mode[0] ? " until " : "",
           r->head.lock_until, r->ok ? "" : "  -- ", r->ok ? "" : r->problem);
}

static void on_moved(void *ctx, const argo_tier_move *m)
{
    bool *dry = ctx;
    printf("%s %s -> %s (%s)\n", *dry ? "would move" : "moved", m->from, m->to,
           m->tier[0] ? m->tier : "root");
}

/* argo archive tier: the lifecycle policy on local folders. */
static int archive_tier(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"now", required_argument, NULL, 'n'},
                                         {"dry-run", no_argument, NULL, 'y'},
                                         {"dir", required_argument, NULL, 'o'},
                                         COMMON_OPTS,
                                         {0}};
    int64_t now = (int64_t)time(NULL);
    bool dry = false;
    const char *dir = NULL;
    int o;
    argc--;
    argv++;
    while ((o = getopt_long(argc, argv, "n:yo:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'n' && argo_time_parse(optarg, &now))
            return usage_error(c, "--now '%s' is not an ISO date", optarg);
        if (o == 'y')
            dry = true;
        if (o == 'o')
            dir = optarg;
        if (o == 'h') {
            help("usage: argo archive tier [--now D] [--dry-run] [--dir DIR]\n"
                 "Moves each backup day's files to the local tier folder ([tiers] in the\n"
                 "config) of the coldest [lifecycle] class its age has reached (at --now,\n"
                 "default today), atomically, and records the move in the manifests;\n"
                 "argo backup verify and archive query follow them.\n");
            return 0;
        }
        if (o == '?' || o == ':')
            return unknown_opt(c, argv);
    }
    int rc = finish_opts(c, argc, argv, false);
    if (rc)
        return rc;
    argo_app_tier_options to = {
        .dir = dir, .now = now, .dry_run = dry, .fn = on_moved, .ctx = &dry};
    size_t moved;
    if (argo_app_archive_tier(c->app, &to, &moved, &c->err))
        return fail(c);
    printf("archive tier: %zu file%s %s\n", moved, moved == 1 ? "" : "s",
           dry ? "would move (dry run)" : "moved");
    return 0;
}

/* argo archive push | verify --remote */
static int archive_remote(cli *c, int argc, char **argv, bool push)
{
    static const struct option opts[] = {{"date", required_argument, NULL, 'd'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"dir", required_argument, NULL, 'o'},
                                         {"remote", no_argument, NULL, 'r'},
                                         {"download", no_argument, NULL, 'g'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"now", required_argument, NULL, 'n'},
                                         COMMON_OPTS,
                                         {0}};
    int64_t day = INT64_MIN, now = (int64_t)time(NULL);
    bool all = false, remote = false, download = false, verbose = false;
    const char *dir = NULL;
    int o;
    argc--;
    argv++;
    while ((o = getopt_long(argc, argv, "d:ao:rgvn:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'n' && argo_time_parse(optarg, &now))
            return usage_error(c, "--now '%s' is not an ISO date", optarg);
        if (o == 'd' && argo_time_parse(optarg, &day))
            return usage_error(c, "--date '%s' is not an ISO date", optarg);
        if (o == 'a')
            all = true;
        if (o == 'o')
            dir = optarg;
        if (o == 'r')
            remote = true;
        if (o == 'g')
            download = true;
        if (o == 'v')
            verbose = true;
        if (o == 'h') {
            help(push ? "usage: argo archive push [--date D | --all] [--dir DIR] [--verbose]\n"
                        "                         [--now D]\n"
                        "Uploads to the [s3] bucket every backup file not uploaded yet (all\n"
                        "days unless --date), checking each against its manifest first, and\n"
                        "records key, size, ETag and SHA-256 in the store. Idempotent.\n"
                        "With [s3] bundle = month, each month ended before --now (default:\n"
                        "today) goes up as one tar object instead.\n"
                      : "usage: argo archive verify --remote [--date D | --all] [--download]\n"
                        "                           [--dir DIR]\n"
                        "Checks every remote object of the backups against its manifest\n"
                        "(HEAD: size, SHA-256 or the ETag recorded at upload; changed ETags\n"
                        "are downloaded and hashed; --download hashes every object) and\n"
                        "reports each object's storage class and Object Lock.\n");
            return 0;
        }
        if (o == '?' || o == ':')
            return unknown_opt(c, argv);
    }
    if (all && day != INT64_MIN)
        return usage_error(c, "%s", "--date and --all exclude each other");
    if (!push && !remote)
        return usage_error(c, "%s",
                           "archive verify checks the remote copy: give --remote (local "
                           "backups: argo backup verify)");
    int rc = finish_opts(c, argc, argv, push ? CLI_STORE_RW : CLI_STORE_RO);
    if (rc)
        return rc;
    argo_app_set_notice(c->app, on_notice, c);
    argo_app_remote_options ro = {.dir = dir,
                                  .day = day,
                                  .now = now,
                                  .download = download,
                                  .on_pushed = on_pushed,
                                  .on_checked = on_checked,
                                  .ctx = &verbose};
    argo_app_remote_result r;
    if (push) {
        if (argo_app_archive_push(c->app, &ro, &r, &c->err))
            return fail(c);
        const argo_push_stats *ps = &r.push;
        printf("archive push: %zu uploaded (%zu bytes), %zu already uploaded, to %s\n",
               ps->uploaded, ps->bytes, ps->already, r.target);
        if (ps->held)
            printf("%zu backup day%s of a month not ended yet stay%s local until it ends "
                   "(bundle = month)\n",
                   ps->held, ps->held == 1 ? "" : "s", ps->held == 1 ? "s" : "");
        return 0;
    }
    if (argo_app_archive_verify_remote(c->app, &ro, &r, &c->err))
        return fail(c);
    const argo_verify_stats *vs = &r.verify;
    if (vs->held)
        printf("%zu backup day%s of a month not ended yet not checked: not uploaded until "
               "it ends (bundle = month)\n",
               vs->held, vs->held == 1 ? "" : "s");
    if (vs->bad) {
        fprintf(stderr,
                "argo archive verify: %zu of %zu remote objects at %s do not match their "
                "manifests (lines marked BAD)\n",
                vs->bad, vs->checked, r.target);
        return 1;
    }
    printf("archive verify --remote: %zu objects on %zu day%s at %s match their manifests\n",
           vs->checked, r.days, r.days == 1 ? "" : "s", r.target);
    return 0;
}

static int archive_cost(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"years", required_argument, NULL, 'y'},
                                         {"signals-per-day", required_argument, NULL, 's'},
                                         {"growth", required_argument, NULL, 'g'},
                                         {"bundle", no_argument, NULL, 'b'},
                                         {"monthly", no_argument, NULL, 'm'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"dir", required_argument, NULL, 'o'},
                                         COMMON_OPTS,
                                         {0}};
    argo_app_cost_options co = {.years = 7};
    bool monthly = false, json = false;
    int o;
    argc--;
    argv++;
    while ((o = getopt_long(argc, argv, "y:s:g:bmjo:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        char *end;
        switch (o) {
        case 'y':
            co.years = (int)strtol(optarg, &end, 10);
            if (*end || co.years < 1 || co.years > 100)
                return usage_error(c, "--years '%s': expected 1..100", optarg);
            break;
        case 's':
            co.signals_per_day = strtod(optarg, &end);
            if (*end || end == optarg || !(co.signals_per_day > 0 && co.signals_per_day <= 1e9))
                return usage_error(c, "--signals-per-day '%s': expected a number > 0", optarg);
            break;
        case 'g':
            co.growth_pct = strtod(optarg, &end);
            if (*end || end == optarg || !(co.growth_pct >= 0 && co.growth_pct <= 1000))
                return usage_error(c, "--growth '%s': expected a percentage per year", optarg);
            break;
        case 'b':
            co.bundle_month = true;
            break;
        case 'm':
            monthly = true;
            break;
        case 'j':
            json = true;
            break;
        case 'o':
            co.dir = optarg;
            break;
        case 'h':
            help("usage: argo archive cost [--years 7] [--signals-per-day N] [--growth PCT]\n"
                 "                         [--bundle] [--monthly] [--json] [--dir DIR]\n"
                 "Models the archive's S3 cost month by month, all in Standard vs tiered\n"
                 "by [lifecycle], from the real backup sizes in DIR (or a stated daily\n"
                 "volume), with [prices]: minimum object sizes, Glacier's per-object\n"
                 "overhead, minimum durations and request fees included. --bundle\n"
                 "models one object per file kind per month (docs/ARCHIVE.md).\n");
            return 0;
        default:
            return unknown_opt(c, argv);
        }
    }
    int rc = finish_opts(c, argc, argv, false);
    if (rc)
        return rc;
    argo_app_cost_result cr;
    if (argo_app_archive_cost(c->app, &co, &cr, &c->err))
        return fail(c);
    const argo_cost_input *in = &cr.in;
    const argo_cost_result *r = &cr.r, *rb = &cr.rb;
    double saving = cr.saving;
    if (json) {
        unsigned long jf = argo_json_failures();
        json_t *o2 = argo_app_cost_json(&cr);
        int erc = argo_json_emit(o2, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10), jf, &c->err);
        json_decref(o2);
        if (erc) {
            argo_app_cost_result_cleanup(&cr);
            return fail(c);
        }
    } else {
        printf("archive cost over %d years (%s; %.1f backup days a month, growth %.0f%%/year)\n",
               in->years,
               in->bundle_month ? "one object per kind per month"
                                : "one object per "
                                  "kind per day",
               in->days_per_month, co.growth_pct);
        for (size_t k = 0; k < in->nkinds; k++)
            printf("  %-18s %10.0f bytes per daily object\n", in->kinds[k].name,
                   in->kinds[k].bytes);
        printf("\n%8s %14s %14s %16s %16s\n", monthly ? "month" : "year", "all Standard", "tiered",
               "cum. Standard", "cum. tiered");
        double cs = 0, ct = 0, ys = 0, yt = 0;
        for (int m = 0; m < r->nmonths; m++) {
            cs += r->months[m].standard;
            ct += r->months[m].tiered;
            ys += r->months[m].standard;
            yt += r->months[m].tiered;
            if (monthly || m % 12 == 11) {
                printf("%8d %14.4f %14.4f %16.4f %16.4f\n", monthly ? m + 1 : m / 12 + 1, ys, yt,
                       cs, ct);
                ys = yt = 0;
            }
        }
        printf("\ntotal: all Standard $%.4f, tiered $%.4f: ", r->total_standard, r->total_tiered);
        if (saving >= 0.0005)
            printf("tiering saves %.1f%%\n", 100 * saving);
        else if (saving > -0.0005)
            printf("tiering saves nothing\n");
        else
            printf("tiering COSTS %.1f%% MORE than keeping everything in Standard\n",
                   -100 * saving);
        if (r->never_transitioned > 0)
            printf("%.0f of %.0f objects are under 128 KB and never leave Standard (S3's default "
                   "since September 2024, %s).\n",
                   r->never_transitioned, r->objects, cr.lc.min_size_behaviour);
        if (!in->bundle_month && rb->total_tiered > 0)
            printf("Bundling a month per object (--bundle) would store objects of about %.0f KB: "
                   "tiered $%.4f, %.1f%% %s than today's all-Standard $%.4f.\n",
                   rb->bytes_per_object / 1024, rb->total_tiered,
                   100 * fabs(1 - rb->total_tiered / r->total_standard),
                   rb->total_tiered <= r->total_standard ? "less" : "more", r->total_standard);
    }
    argo_app_cost_result_cleanup(&cr);
    return 0;
}

int cmd_archive(cli *c, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "cost"))
        return archive_cost(c, argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "lifecycle"))
        return archive_lifecycle(c, argc, argv);
    if (argc >= 2 && (!strcmp(argv[1], "push") || !strcmp(argv[1], "verify")))
        return archive_remote(c, argc, argv, !strcmp(argv[1], "push"));
    if (argc >= 2 && !strcmp(argv[1], "tier"))
        return archive_tier(c, argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "cat"))
        return archive_cat(c, argc - 1, argv + 1);
    static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, 't'},
                                         {"by", required_argument, NULL, 'b'},
                                         {"csv", no_argument, NULL, 'c'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"dir", required_argument, NULL, 'o'},
                                         COMMON_OPTS,
                                         {0}};
    if (argc < 2 || strcmp(argv[1], "query")) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            help("usage: argo archive query [--from D] [--to D] [--by symbol|month] [--csv]\n"
                 "                          [--json] [--dir DIR]\n"
                 "       argo archive cat FILE.parquet [--schema]\n"
                 "cat prints a Parquet file's rows as JSON (or its schema).\n"
                 "Win rate and P&L of the outcomes resolved between two days, straight\n"
                 "from the daily backups: from Parquet (only the needed columns, row\n"
                 "groups skipped by statistics) or, with --csv, from the CSV files.\n");
            return 0;
        }
        return usage_error(c, "%s", "expected: argo archive query [options] | cat FILE");
    }
    argc--;
    argv++;
    int64_t from = INT64_MIN / 4, to = INT64_MAX / 4;
    bool by_month = false, csv = false, json = false;
    const char *dir = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "f:t:b:cjo:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'f' && argo_time_parse(optarg, &from))
            return usage_error(c, "--from '%s' is not an ISO date", optarg);
        if (o == 't' && argo_time_parse(optarg, &to))
            return usage_error(c, "--to '%s' is not an ISO date", optarg);
        if (o == 'b') {
            if (strcmp(optarg, "symbol") && strcmp(optarg, "month"))
                return usage_error(c, "--by '%s': expected symbol or month", optarg);
            by_month = !strcmp(optarg, "month");
        }
        if (o == 'c')
            csv = true;
        if (o == 'j')
            json = true;
        if (o == 'o')
            dir = optarg;
        if (o == 'h') {
            help("usage: argo archive query [--from D] [--to D] [--by symbol|month] [--csv]\n"
                 "                          [--json] [--dir DIR]\n");
            return 0;
        }
        if (o == '?' || o == ':')
            return unknown_opt(c, argv);
    }
    int rc = finish_opts(c, argc, argv, false);
    if (rc)
        return rc;
    argo_query_result r;
    argo_app_query_options qo = {
        .dir = dir, .from = from, .to = to, .by_month = by_month, .csv = csv};
    if (argo_app_archive_query(c->app, &qo, &r, &c->err))
        return fail(c);
    if (json) {
        unsigned long jf = argo_json_failures();
        json_t *arr = argo_app_query_json(&r, by_month);
        int erc =
            argo_json_emit(arr, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15), jf, &c->err);
        json_decref(arr);
        if (erc) {
            argo_query_result_cleanup(&r);
            return fail(c);
        }
    } else {
        printf("%-10s %9s %7s %12s %12s\n", by_month ? "month" : "symbol", "resolved", "win",
               "pnl% sum", "pnl% mean");
        for (size_t i = 0; i < r.n; i++)
            printf("%-10s %9zu %6.1f%% %+12.3f %+12.4f\n", r.rows[i].key, r.rows[i].resolved,
                   100.0 * (double)r.rows[i].wins / (double)r.rows[i].resolved, r.rows[i].pnl_sum,
                   r.rows[i].pnl_sum / (double)r.rows[i].resolved);
        printf("(%zu daily %s files)\n", r.files, csv ? "CSV" : "Parquet");
    }
    argo_query_result_cleanup(&r);
    return 0;
}
