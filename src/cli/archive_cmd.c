/* SPDX-License-Identifier: MIT */
/*
 * cli/archive_cmd.c - argo archive: query, cat, cost, lifecycle, tier,
 * push and verify --remote (docs/ARCHIVE.md, docs/BACKUPS.md).
 */
#include "cli/cli.h"

#include "archive/archive.h"
#include "archive/cost.h"
#include "archive/lifecycle.h"
#include "archive/remote.h"
#include "s3/s3.h"
#include "archive/tier.h"
#include "base/fileio.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* argo archive cat FILE.parquet [--schema] (argo_archive_cat); --db and
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
    return argo_archive_cat(path, schema, stdout, &c->err) ? fail(c) : 0;
}

/* The [lifecycle] policy of the config, validated. */
static int lifecycle_of(cli *c, argo_lifecycle *lc)
{
    argo_lifecycle_default(lc, c->cfg->lc_prefix);
    lc->expiration_days = c->cfg->lc_expiration_days;
    lc->object_size_greater_than = c->cfg->lc_object_size_greater_than;
    snprintf(lc->min_size_behaviour, sizeof lc->min_size_behaviour, "%s", c->cfg->lc_min_size);
    if (argo_lifecycle_parse_transitions(lc, c->cfg->lc_transitions, &c->err) ||
        argo_lifecycle_validate(lc, &c->err))
        return fail(c);
    return 0;
}

static void on_retry(void *ctx, const char *what)
{
    cli *c = ctx;
    fprintf(stderr, "argo %s: %s\n", c->cmd, what);
}

/* The S3 client of the config's [s3] section. */
static int s3_of(cli *c, argo_s3 **s3)
{
    if (!c->cfg->s3_bucket[0]) {
        argo_err_set(&c->err, ARGO_ECONFIG,
                     "no [s3] bucket in the config: S3 is not configured (docs/ARCHIVE.md)");
        return fail(c);
    }
    argo_s3_config sc;
    argo_s3_config_from(&sc, c->cfg);
    if (argo_s3_open(&sc, on_retry, c, s3, &c->err))
        return fail(c);
    return 0;
}

/* XML without the declaration, comments and the blanks between tags. */
static void xml_canonical(const char *in, char *out, size_t n)
{
    size_t k = 0;
    while (*in && k + 1 < n) {
        if (!strncmp(in, "<?", 2) || !strncmp(in, "<!--", 4)) {
            const char *end = strstr(in, in[1] == '?' ? "?>" : "-->");
            in = end ? end + (in[1] == '?' ? 2 : 3) : in + strlen(in);
            continue;
        }
        if (*in == '>' || *in == '<') {
            if (*in == '<')
                while (k > 0 && strchr(" \t\r\n", out[k - 1]))
                    k--;
            out[k++] = *in;
            if (*in++ == '>')
                while (*in && strchr(" \t\r\n", *in))
                    in++;
            continue;
        }
        out[k++] = *in++;
    }
    out[k] = '\0';
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
    argo_lifecycle lc;
    if ((rc = lifecycle_of(c, &lc)))
        return rc;
    char *xml;
    if (argo_lifecycle_xml(&lc, &xml, &c->err))
        return fail(c);
    if (!strcmp(sub, "show")) {
        fputs(xml, stdout);
        free(xml);
        return 0;
    }
    argo_s3 *s3 = NULL;
    size_t cap = strlen(xml) + 1;
    char *want = malloc(cap);
    if (!want || (rc = s3_of(c, &s3))) {
        free(xml);
        free(want);
        return rc ? rc : 1;
    }
    xml_canonical(xml, want, cap);
    free(xml);
    if (strncmp(argo_s3_settings(s3)->prefix, lc.prefix, strlen(lc.prefix)))
        fprintf(stderr,
                "argo archive: warning: [s3] prefix '%s' is not under [lifecycle] prefix '%s': "
                "the rule does not cover the pushed objects\n",
                argo_s3_settings(s3)->prefix, lc.prefix);
    if (!strcmp(sub, "apply")) {
        rc = argo_s3_lifecycle_put(s3, want, lc.min_size_behaviour, &c->err);
        if (rc == ARGO_EREMOTE && strstr(c->err.msg, "NotImplemented"))
            argo_err_prefix(&c->err, "%s", "the server does not implement bucket lifecycle: ");
        if (!rc)
            printf("lifecycle applied to %s (%d transitions, prefix %s, object size: %s)\n",
                   argo_s3_target(s3), lc.n, lc.prefix, lc.min_size_behaviour);
    } else {
        char *got = NULL, min_size[40];
        bool found;
        rc = argo_s3_lifecycle_get(s3, &got, min_size, sizeof min_size, &found, &c->err);
        if (rc == ARGO_EREMOTE && strstr(c->err.msg, "NotImplemented"))
            argo_err_prefix(&c->err, "%s", "the server does not implement bucket lifecycle: ");
        if (!rc && !found) {
            printf("lifecycle of %s: none set; differs from the config (run: argo archive "
                   "lifecycle apply)\n",
                   argo_s3_target(s3));
            rc = 3;
        } else if (!rc) {
            size_t gcap = strlen(got) + 1;
            char *g = malloc(gcap);
            if (g) {
                xml_canonical(got, g, gcap);
                bool same_xml = !strcmp(g, want);
                bool same_size = !min_size[0] || !strcmp(min_size, lc.min_size_behaviour);
                printf("lifecycle of %s: %s the config%s%s\n", argo_s3_target(s3),
                       same_xml && same_size ? "matches" : "differs from",
                       same_size ? "" : "; object-size behaviour is ", same_size ? "" : min_size);
                if (!same_xml)
                    printf("server:\n%s\nconfig:\n%s\n", g, want);
                rc = same_xml && same_size ? 0 : 3;
            }
            free(g);
        }
        free(got);
    }
    free(want);
    argo_s3_close(s3);
    return rc < 0 ? fail(c) : rc;
}

/* The days asked for: --date D, or every backed-up day. */
static int archive_days(cli *c, const char *root, int64_t day, int64_t **days, size_t *n)
{
    if (day == INT64_MIN) {
        if (argo_backup_list(root, days, n, &c->err))
            return fail(c);
        return 0;
    }
    *days = malloc(sizeof **days);
    if (!*days)
        return 1;
    (*days)[0] = argo_time_day_start(day);
    *n = 1;
    return 0;
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
    argo_lifecycle lc;
    if ((rc = lifecycle_of(c, &lc)))
        return rc;
    static const char *const lower_class[ARGO_TIER_CLASSES] = {"standard_ia", "glacier_ir",
                                                               "glacier", "deep_archive"};
    const char *root = dir ? dir : c->cfg->archive_dir;
    if (argo_backup_dir_check(dir ? "--dir" : "[archive] dir", root, false, &c->err))
        return fail(c);
    /* tier folders are recorded in manifests: absolute, so cwd does not matter */
    static char abs[ARGO_TIER_CLASSES][ARGO_PATH_MAX];
    const char *dirs[ARGO_TIER_CLASSES] = {0};
    bool any = false;
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0 checks every folder before any is made; pass 1 (not for
         * a dry run) makes them */
        for (int k = 0; k < ARGO_TIER_CLASSES; k++) {
            if (!c->cfg->tier_dir[k][0])
                continue;
            char what[64];
            snprintf(what, sizeof what, "[tiers] %s", lower_class[k]);
            if (pass == 0 && argo_backup_dir_check(what, c->cfg->tier_dir[k], !dry, &c->err))
                return fail(c);
            if (pass == 1 && argo_mkdirs(c->cfg->tier_dir[k], &c->err))
                return fail(c);
            dirs[k] = realpath(c->cfg->tier_dir[k], abs[k]) ? abs[k] : c->cfg->tier_dir[k];
            if (pass == 1 && dirs[k] != abs[k]) {
                argo_err_set(&c->err, ARGO_EIO, "%s = %s: %s", what, c->cfg->tier_dir[k],
                             strerror(errno));
                return fail(c);
            }
            any = true;
        }
        /* a tier folder that is the root or another tier's would make a
         * move delete the only copy */
        char rootabs[ARGO_PATH_MAX];
        bool have_root = realpath(root, rootabs) != NULL;
        for (int k = 0; k < ARGO_TIER_CLASSES; k++) {
            if (!dirs[k])
                continue;
            if (have_root && !strcmp(dirs[k], rootabs)) {
                argo_err_set(&c->err, ARGO_ECONFIG, "[tiers] %s = %s is the archive folder itself",
                             lower_class[k], c->cfg->tier_dir[k]);
                return fail(c);
            }
            for (int j = 0; j < k; j++)
                if (dirs[j] && !strcmp(dirs[j], dirs[k])) {
                    argo_err_set(&c->err, ARGO_ECONFIG,
                                 "[tiers] %s and %s are the same folder (%s)", lower_class[j],
                                 lower_class[k], dirs[k]);
                    return fail(c);
                }
        }
        if (dry || !any)
            break;
    }
    if (!any) {
        argo_err_set(&c->err, ARGO_ECONFIG,
                     "no [tiers] folders in the config: nothing to tier to (docs/ARCHIVE.md)");
        return fail(c);
    }
    size_t moved;
    if (argo_archive_tier(root, &lc, dirs, now, dry, on_moved, &dry, &moved, &c->err))
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
    const char *root = dir ? dir : c->cfg->archive_dir;
    if (argo_backup_dir_check(dir ? "--dir" : "[archive] dir", root, false, &c->err))
        return fail(c);
    /* From here a failed push keeps the record of the objects it did
     * upload (docs/ARCHIVE.md), in a store it created as in any other. */
    argo_app_keep_store(c->app);
    argo_s3 *s3;
    int64_t *days;
    size_t n;
    if ((rc = s3_of(c, &s3)))
        return rc;
    if ((rc = archive_days(c, root, day, &days, &n))) {
        argo_s3_close(s3);
        return rc;
    }
    argo_push_options po = {.bundle_month = !strcmp(c->cfg->s3_bundle, "month"), .now = now};
    if (push) {
        argo_push_stats ps;
        rc = argo_archive_push(c->store, s3, root, days, n, &po, on_pushed, &verbose, &ps, &c->err);
        if (!rc)
            printf("archive push: %zu uploaded (%zu bytes), %zu already uploaded, to %s\n",
                   ps.uploaded, ps.bytes, ps.already, argo_s3_target(s3));
        else
            rc = fail(c);
        if (!rc && ps.held)
            printf("%zu backup day%s of a month not ended yet stay%s local until it ends "
                   "(bundle = month)\n",
                   ps.held, ps.held == 1 ? "" : "s", ps.held == 1 ? "s" : "");
    } else {
        argo_verify_stats vs;
        rc = argo_archive_verify_remote(c->store, s3, root, days, n, &po, download, on_checked, c,
                                        &vs, &c->err);
        size_t checked = vs.checked, bad = vs.bad;
        if (!rc && vs.held)
            printf("%zu backup day%s of a month not ended yet not checked: not uploaded until "
                   "it ends (bundle = month)\n",
                   vs.held, vs.held == 1 ? "" : "s");
        if (rc)
            rc = fail(c);
        else if (bad) {
            fprintf(stderr,
                    "argo archive verify: %zu of %zu remote objects at %s do not match their "
                    "manifests (lines marked BAD)\n",
                    bad, checked, argo_s3_target(s3));
            rc = 1;
        } else
            printf("archive verify --remote: %zu objects on %zu day%s at %s match their "
                   "manifests\n",
                   checked, n, n == 1 ? "" : "s", argo_s3_target(s3));
    }
    free(days);
    argo_s3_close(s3);
    return rc;
}

/* Average size per kind of the day's objects in the backups, and how
 * many backup days a month holds; also bytes per row for --signals-per-day. */
static int backup_sizes(cli *c, const char *dir, argo_cost_input *in)
{
    int64_t *days;
    size_t n;
    int lrc = argo_backup_list(dir, &days, &n, &c->err);
    if (lrc && lrc != ARGO_ENOENT)
        return fail(c);
    if (lrc || n == 0) {
        free(lrc ? NULL : days);
        argo_err_set(&c->err, ARGO_ENOENT,
                     "no backups in %s to size the model: run argo backup, or give "
                     "--signals-per-day N",
                     dir);
        return fail(c);
    }
    double sum[ARGO_COST_KINDS_MAX] = {0}, msum = 0;
    argo_manifest *man = malloc(sizeof *man);
    if (!man) {
        free(days);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        int y, m, d;
        argo_time_civil(days[i], &y, &m, &d);
        char path[ARGO_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%04d/%02d/%02d/manifest.json", dir, y, m, d);
        if (argo_manifest_load(path, man, &c->err)) {
            free(days);
            free(man);
            return fail(c);
        }
        for (size_t k = 0; k < man->nfiles; k++) {
            const argo_manifest_file *f = &man->files[k];
            double b = (double)f->bytes;
            char name[32];
            snprintf(name, sizeof name, "%s.%s",
                     f->kind == ARGO_BACKUP_SIGNALS ? "signals" : "outcomes",
                     f->format == ARGO_BACKUP_PARQUET ? "parquet" : "csv");
            size_t slot = 0;
            while (slot < in->nkinds && strcmp(in->kinds[slot].name, name))
                slot++;
            if (slot == in->nkinds && in->nkinds < ARGO_COST_KINDS_MAX - 1)
                snprintf(in->kinds[in->nkinds++].name, sizeof in->kinds[0].name, "%s", name);
            if (slot < in->nkinds)
                sum[slot] += b;
        }
        struct stat st;
        if (stat(path, &st) == 0)
            msum += (double)st.st_size;
    }
    free(man);
    for (size_t k = 0; k < in->nkinds; k++)
        in->kinds[k].bytes = sum[k] / (double)n;
    snprintf(in->kinds[in->nkinds].name, sizeof in->kinds[0].name, "manifest.json");
    in->kinds[in->nkinds++].bytes = msum / (double)n;
    double months = (double)(days[n - 1] - days[0]) / 86400.0 / 30.4375 + 1;
    in->days_per_month = n > 1 ? (double)n / months : 21;
    free(days);
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
    argo_cost_input in = {.years = 7, .days_per_month = 21};
    double per_day = 0, growth_pct = 0;
    bool monthly = false, json = false;
    const char *dir = NULL;
    int o;
    argc--;
    argv++;
    while ((o = getopt_long(argc, argv, "y:s:g:bmjo:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        char *end;
        switch (o) {
        case 'y':
            in.years = (int)strtol(optarg, &end, 10);
            if (*end || in.years < 1 || in.years > 100)
                return usage_error(c, "--years '%s': expected 1..100", optarg);
            break;
        case 's':
            per_day = strtod(optarg, &end);
            if (*end || end == optarg || !(per_day > 0 && per_day <= 1e9))
                return usage_error(c, "--signals-per-day '%s': expected a number > 0", optarg);
            break;
        case 'g':
            growth_pct = strtod(optarg, &end);
            if (*end || end == optarg || !(growth_pct >= 0 && growth_pct <= 1000))
                return usage_error(c, "--growth '%s': expected a percentage per year", optarg);
            break;
        case 'b':
            in.bundle_month = true;
            break;
        case 'm':
            monthly = true;
            break;
        case 'j':
            json = true;
            break;
        case 'o':
            dir = optarg;
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
    argo_lifecycle lc;
    if ((rc = lifecycle_of(c, &lc)))
        return rc;
    in.lc = &lc;
    in.growth = growth_pct / 100;
    if (per_day == 0 && argo_backup_dir_check(dir ? "--dir" : "[archive] dir",
                                              dir ? dir : c->cfg->archive_dir, false, &c->err))
        return fail(c);
    if (per_day == 0 && (rc = backup_sizes(c, dir ? dir : c->cfg->archive_dir, &in)))
        return rc;
    if (per_day > 0) { /* a stated volume: every signal is a row made and a row resolved */
        const char *names[] = {"signals.parquet", "signals.csv", "outcomes.parquet",
                               "outcomes.csv"};
        /* bytes per row, measured by bench_parquet on 1 M rows (Snappy), plus the
         * fixed part of a small file */
        const double row[] = {78, 231, 75, 220};
        in.nkinds = 0;
        for (int k = 0; k < 4; k++) {
            snprintf(in.kinds[k].name, sizeof in.kinds[0].name, "%s", names[k]);
            in.kinds[k].bytes = per_day * row[k] + (k % 2 ? 200 : 2500);
        }
        snprintf(in.kinds[4].name, sizeof in.kinds[0].name, "manifest.json");
        in.kinds[4].bytes = 1200;
        in.nkinds = 5;
    }
    argo_prices p = {c->cfg->price_standard, c->cfg->price_standard_ia,   c->cfg->price_glacier_ir,
                     c->cfg->price_glacier,  c->cfg->price_deep,          c->cfg->price_put,
                     c->cfg->price_to_ia,    c->cfg->price_to_glacier_ir, c->cfg->price_to_glacier,
                     c->cfg->price_to_deep};
    argo_cost_result r, rb = {0};
    if (argo_cost_model(&in, &p, &r, &c->err))
        return fail(c);
    argo_cost_input ib = in;
    ib.bundle_month = true;
    if (!in.bundle_month && argo_cost_model(&ib, &p, &rb, &c->err)) {
        free(r.months);
        return fail(c);
    }
    double saving = 1 - r.total_tiered / r.total_standard;
    if (json) {
        unsigned long jf = argo_json_failures();
        json_t *o2 = json_object(), *months = json_array(), *kinds = json_array();
        for (size_t k = 0; k < in.nkinds; k++) {
            json_t *kk = json_object();
            json_object_set_new(kk, "kind", json_string(in.kinds[k].name));
            json_object_set_new(kk, "bytes_per_object", json_real(in.kinds[k].bytes));
            json_array_append_new(kinds, kk);
        }
        double cs = 0, ct = 0;
        for (int m = 0; m < r.nmonths; m++) {
            cs += r.months[m].standard;
            ct += r.months[m].tiered;
            json_t *mm = json_object();
            json_object_set_new(mm, "month", json_integer(m + 1));
            json_object_set_new(mm, "standard", json_real(r.months[m].standard));
            json_object_set_new(mm, "tiered", json_real(r.months[m].tiered));
            json_object_set_new(mm, "cumulative_standard", json_real(cs));
            json_object_set_new(mm, "cumulative_tiered", json_real(ct));
            json_array_append_new(months, mm);
        }
        json_object_set_new(o2, "years", json_integer(in.years));
        json_object_set_new(o2, "bundle_month", json_boolean(in.bundle_month));
        json_object_set_new(o2, "objects_per_month_per_kind",
                            json_real(in.bundle_month ? 1 : in.days_per_month));
        json_object_set_new(o2, "kinds", kinds);
        json_object_set_new(o2, "total_standard", json_real(r.total_standard));
        json_object_set_new(o2, "total_tiered", json_real(r.total_tiered));
        json_object_set_new(o2, "saving", json_real(saving));
        json_object_set_new(o2, "objects", json_real(r.objects));
        json_object_set_new(o2, "objects_never_transitioned", json_real(r.never_transitioned));
        if (!in.bundle_month)
            json_object_set_new(o2, "bundled_total_tiered", json_real(rb.total_tiered));
        json_object_set_new(o2, "months", months);
        int erc = argo_json_emit(o2, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10), jf, &c->err);
        json_decref(o2);
        if (erc)
            return fail(c);
    } else {
        printf("archive cost over %d years (%s; %.1f backup days a month, growth %.0f%%/year)\n",
               in.years,
               in.bundle_month ? "one object per kind per month"
                               : "one object per "
                                 "kind per day",
               in.days_per_month, growth_pct);
        for (size_t k = 0; k < in.nkinds; k++)
            printf("  %-18s %10.0f bytes per daily object\n", in.kinds[k].name, in.kinds[k].bytes);
        printf("\n%8s %14s %14s %16s %16s\n", monthly ? "month" : "year", "all Standard", "tiered",
               "cum. Standard", "cum. tiered");
        double cs = 0, ct = 0, ys = 0, yt = 0;
        for (int m = 0; m < r.nmonths; m++) {
            cs += r.months[m].standard;
            ct += r.months[m].tiered;
            ys += r.months[m].standard;
            yt += r.months[m].tiered;
            if (monthly || m % 12 == 11) {
                printf("%8d %14.4f %14.4f %16.4f %16.4f\n", monthly ? m + 1 : m / 12 + 1, ys, yt,
                       cs, ct);
                ys = yt = 0;
            }
        }
        printf("\ntotal: all Standard $%.4f, tiered $%.4f: ", r.total_standard, r.total_tiered);
        if (saving >= 0.0005)
            printf("tiering saves %.1f%%\n", 100 * saving);
        else if (saving > -0.0005)
            printf("tiering saves nothing\n");
        else
            printf("tiering COSTS %.1f%% MORE than keeping everything in Standard\n",
                   -100 * saving);
        if (r.never_transitioned > 0)
            printf("%.0f of %.0f objects are under 128 KB and never leave Standard (S3's default "
                   "since September 2024, %s).\n",
                   r.never_transitioned, r.objects, lc.min_size_behaviour);
        if (!in.bundle_month && rb.total_tiered > 0)
            printf("Bundling a month per object (--bundle) would store objects of about %.0f KB: "
                   "tiered $%.4f, %.1f%% %s than today's all-Standard $%.4f.\n",
                   rb.bytes_per_object / 1024, rb.total_tiered,
                   100 * fabs(1 - rb.total_tiered / r.total_standard),
                   rb.total_tiered <= r.total_standard ? "less" : "more", r.total_standard);
    }
    free(r.months);
    free(rb.months);
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
    if (argo_backup_dir_check(dir ? "--dir" : "[archive] dir", dir ? dir : c->cfg->archive_dir,
                              false, &c->err))
        return fail(c);
    if (argo_archive_query(dir ? dir : c->cfg->archive_dir, from, to, by_month, csv, &r, &c->err))
        return fail(c);
    if (json) {
        unsigned long jf = argo_json_failures();
        json_t *arr = json_array();
        for (size_t i = 0; i < r.n; i++) {
            json_t *row = json_object();
            json_object_set_new(row, by_month ? "month" : "symbol", json_string(r.rows[i].key));
            json_object_set_new(row, "resolved", json_integer((json_int_t)r.rows[i].resolved));
            json_object_set_new(row, "wins", json_integer((json_int_t)r.rows[i].wins));
            json_object_set_new(row, "win_rate",
                                json_real((double)r.rows[i].wins / (double)r.rows[i].resolved));
            json_object_set_new(row, "pnl_pct_sum", json_real(r.rows[i].pnl_sum));
            json_array_append_new(arr, row);
        }
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
