/* SPDX-License-Identifier: MIT */
/*
 * cli/engine_cmd.c - the commands of the flow: argo ingest, synth,
 * generate, track and replay. Each parses its options, calls one
 * operation of app/flow.h and prints its report.
 */
#include "cli/cli.h"
#include "app/flow.h"
#include "base/err.h"
#include "base/timeutil.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool parse_date(const char *s, int64_t *out)
{
    return argo_time_parse(s, out) == 0;
}

static void progress(void *ctx, int64_t done, int64_t total)
{
    (void)ctx;
    int width = 40, fill = total ? (int)(done * width / total) : width;
    fprintf(stderr, "\rreplay [%.*s%*s] %3d%% %lld/%lld bars", fill,
            "########################################", width - fill, "",
            total ? (int)(done * 100 / total) : 100, (long long)done, (long long)total);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}

static const char *basename_symbol(const char *path, char *buf, size_t n)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    snprintf(buf, n, "%s", b);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = '\0';
    return buf;
}

int cmd_ingest(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"symbol", required_argument, NULL, 's'},
                                         {"skip-invalid", no_argument, NULL, OPT_SKIP},
                                         COMMON_OPTS,
                                         {0}};
    const char *symbol = NULL;
    bool skip = false;
    int o;
    while ((o = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 's')
            symbol = optarg;
        else if (o == OPT_SKIP)
            skip = true;
        else if (o == 'h') {
            help("usage: argo ingest FILE.csv... [--symbol SYM] [--skip-invalid]\n"
                 "Loads daily or intraday bars from CSV (header: date|timestamp|datetime,\n"
                 "open, high, low, close, volume in any case and order; other columns\n"
                 "are ignored). All the files load or none does, unless --skip-invalid.\n"
                 "  -s, --symbol SYM  the symbol (default: the file name without extension;\n"
                 "                    only with a single file)\n"
                 "  --skip-invalid    store the valid rows, report the skipped ones\n");
            return 0;
        } else
            return unknown_opt(c, argv);
    }
    if (optind >= argc)
        return usage_error(c, "%s", "no CSV file given");
    if (symbol && argc - optind > 1)
        return usage_error(c, "%s", "--symbol takes a single file");
    int rc = setup(c, CLI_STORE_RW);
    if (rc)
        return rc;
    /* every file in one transaction: a failed ingest changes nothing */
    size_t n = (size_t)(argc - optind);
    const char **syms = calloc(n, sizeof *syms);
    char(*bufs)[ARGO_SYMBOL_MAX * 4] = calloc(n, sizeof *bufs);
    argo_ingest_report *reps = calloc(n, sizeof *reps);
    if (!syms || !bufs || !reps) {
        argo_err_set(&c->err, ARGO_ENOMEM, "out of memory");
        rc = fail(c);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        syms[i] = symbol ? symbol : basename_symbol(argv[optind + (int)i], bufs[i], sizeof bufs[i]);
    if (argo_app_ingest(c->app, n, (const char *const *)argv + optind, syms, skip, reps, &c->err)) {
        rc = fail(c);
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        int i = optind + (int)k;
        const char *sym = syms[k];
        const argo_ingest_report rep = reps[k];
        printf("%s: %s: %zu rows, %zu new bars, %zu identical repeats ignored", argv[i], sym,
               rep.rows, rep.inserted, rep.duplicates);
        if (rep.skipped) {
            printf(", %zu skipped (", rep.skipped);
            const char *sep = "";
            for (int f = 0; f < ARGO_FAULT_COUNT; f++)
                if (rep.skipped_by[f]) {
                    printf("%s%zu %s", sep, rep.skipped_by[f],
                           argo_bar_fault_name((argo_bar_fault)f));
                    sep = ", ";
                }
            printf("; first: %s)", rep.first_skip);
        }
        printf("\n");
    }
out:
    free(syms);
    free(bufs);
    free(reps);
    return rc;
}

int cmd_synth(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"symbols", required_argument, NULL, 'n'},
                                         {"days", required_argument, NULL, 'd'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"csv", required_argument, NULL, 'o'},
                                         COMMON_OPTS,
                                         {0}};
    argo_synth_options so = {.symbols = 10, .days = 2520, .seed = 1};
    const char *dir = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "n:d:s:o:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        char *end;
        errno = 0;
        switch (o) {
        case 'n':
        case 'd': {
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || errno)
                return usage_error(c, "'%s' is not a whole number", optarg);
            long max = o == 'n' ? ARGO_SYNTH_SYMBOLS_MAX : ARGO_SYNTH_DAYS_MAX;
            if (v < 1 || v > max)
                return usage_error(c, "--%s %ld: expected 1..%ld", o == 'n' ? "symbols" : "days", v,
                                   max);
            *(o == 'n' ? &so.symbols : &so.days) = (int)v;
            break;
        }
        case 's':
            so.seed = strtoull(optarg, &end, 10);
            if (*end || end == optarg || errno)
                return usage_error(c, "seed '%s' is not a whole number", optarg);
            break;
        case 'o':
            dir = optarg;
            break;
        case 'h':
            help("usage: argo synth [--symbols N] [--days D] [--seed S] [--csv DIR]\n"
                 "Makes a deterministic synthetic universe (GBM with volatility regimes,\n"
                 "Monday-Friday bars from 2010-01-04) and stores it, or writes one CSV\n"
                 "per symbol into DIR. Defaults: 10 symbols, 2520 days, seed 1.\n");
            return 0;
        default:
            return unknown_opt(c, argv);
        }
    }
    int rc = finish_opts(c, argc, argv, dir == NULL ? CLI_STORE_RW : CLI_STORE_NONE);
    if (rc)
        return rc;
    size_t bars;
    if (dir ? argo_app_synth_csv(c->app, &so, dir, &bars, &c->err)
            : argo_app_synth(c->app, &so, &bars, &c->err))
        return fail(c);
    printf("synth: %d symbols x %d days, %zu bars %s %s\n", so.symbols, so.days, bars,
           dir ? "written to" : "stored in", dir ? dir : argo_app_db_masked(c->app));
    return 0;
}

static int simple_opts(cli *c, int argc, char **argv, const char *text)
{
    static const struct option opts[] = {COMMON_OPTS, {0}};
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'h') {
            help(text);
            return -1;
        }
        return unknown_opt(c, argv);
    }
    if (optind < argc)
        return usage_error(c, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cmd_generate(cli *c, int argc, char **argv)
{
    int rc = simple_opts(c, argc, argv,
                         "usage: argo generate\n"
                         "The live cycle: pushes each symbol's new bars through its strategies\n"
                         "and stores a signal where the consensus turns to BUY or SELL on the\n"
                         "newest bar.\n");
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = setup(c, CLI_STORE_RW_EXISTING)))
        return rc;
    argo_generate_report rep;
    if (argo_app_generate(c->app, &rep, &c->err))
        return fail(c);
    printf("generate: %zu symbols, %zu new bars, %zu signals, %zu suppressed%s\n", rep.symbols,
           rep.bars_fed, rep.signals, rep.suppressed,
           rep.rebuilt ? " (some states rebuilt from history)" : "");
    return 0;
}

int cmd_track(cli *c, int argc, char **argv)
{
    int rc = simple_opts(c, argc, argv,
                         "usage: argo track\n"
                         "Resolves open signals against the bars they have not scanned yet\n"
                         "(target, stop, expiry; docs/DESIGN.md). Idempotent.\n");
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = setup(c, CLI_STORE_RW_EXISTING)))
        return rc;
    argo_track_report rep;
    argo_coverage cov;
    if (argo_app_track(c->app, &rep, &c->err) || argo_app_coverage(c->app, &cov, &c->err))
        return fail(c);
    printf("track: %zu open, %zu resolved, %zu still open; coverage %zu/%zu\n", rep.open_before,
           rep.resolved, rep.open_after, cov.covered, cov.signals);
    return 0;
}

int cmd_replay(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, 't'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         COMMON_OPTS,
                                         {0}};
    argo_replay_options ro = {.from = INT64_MIN, .to = INT64_MAX};
    bool quiet = false;
    int o;
    while ((o = getopt_long(argc, argv, "f:t:qh", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'f' && !parse_date(optarg, &ro.from))
            return usage_error(c, "--from '%s' is not an ISO date", optarg);
        if (o == 't' && !parse_date(optarg, &ro.to))
            return usage_error(c, "--to '%s' is not an ISO date", optarg);
        if (o == 'q')
            quiet = true;
        if (o == 'h') {
            help("usage: argo replay [--from DATE] [--to DATE] [--quiet]\n"
                 "Discards stored signals and walks history bar by bar exactly as the\n"
                 "live loop would (new bar -> generate -> track). Bars before --from\n"
                 "warm the indicators without making signals; bars after --to are left\n"
                 "for later live cycles. A progress bar is drawn on a terminal.\n");
            return 0;
        }
        if (o == '?')
            return unknown_opt(c, argv);
    }
    if (optind < argc)
        return usage_error(c, "unexpected argument '%s'", argv[optind]);
    if (ro.to != INT64_MAX && ro.to % 86400 == 0)
        ro.to += 86399; /* --to DATE includes that whole day */
    if (ro.from > ro.to)
        return usage_error(c, "%s", "--from is later than --to: nothing would be replayed");
    int rc = setup(c, CLI_STORE_RW_EXISTING);
    if (rc)
        return rc;
    if (!quiet && isatty(STDERR_FILENO))
        ro.progress = progress;
    argo_replay_report rep;
    if (argo_app_replay(c->app, &ro, &rep, &c->err))
        return fail(c);
    printf("replay: %lld bars, %zu signals, %zu resolved, %zu open, %zu suppressed\n",
           (long long)rep.bars, rep.signals, rep.resolved, rep.open, rep.suppressed);
    return 0;
}
