/* SPDX-License-Identifier: MIT */
/*
 * cli/main.c - the argo command-line program. It reaches the engine
 * only through the public headers of libargo. Every failure prints one
 * line "argo <command>: what, where, why" to stderr and exits 1; a
 * usage mistake exits 2.
 */
#include "cli/cli.h"

#include "app/app.h"
#include "app/backup.h"
#include "app/calibration.h"
#include "app/flow.h"
#include "app/json.h"
#include "app/signals.h"
#include "app/stats.h"
#include "base/err.h"
#include "base/jsonmem.h"
#include "base/timeutil.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ARGO_VERSION
#define ARGO_VERSION "0.1.0"
#endif

int usage_error(cli *c, const char *fmt, ...)
{
    assert(c && c->cmd && fmt);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "argo %s: ", c->cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'argo %s --help')\n", c->cmd);
    return 2;
}

int unknown_opt(cli *c, char **argv)
{
    return usage_error(c, "unknown or incomplete option '%s'", argv[optind - 1]);
}

/* After the options: no stray argument, then the config and the store. */
int finish_opts(cli *c, int argc, char **argv, int store)
{
    if (optind < argc)
        return usage_error(c, "unexpected argument '%s'", argv[optind]);
    return setup(c, store);
}

int fail(cli *c)
{
    assert(c && c->cmd);
    assert(c->err.code != ARGO_OK || c->err.msg[0]); /* a failure says what failed */
    fprintf(stderr, "argo %s: %s\n", c->cmd,
            c->err.msg[0] ? c->err.msg : argo_strerror(c->err.code));
    return 1;
}

/* Config: --config, else $ARGO_CONFIG, else ./argo.conf when present.
 * Store: --db URL, else $ARGO_DB, else [store] url (or db), else ./argo.db, opened
 * as store asks (CLI_STORE_*): a command that only reads opens it
 * read-only, so it runs beside a writer (replay, say) without waiting,
 * and a missing file is an error rather than a new empty store. */
/* What an operation did not fail for but the user should know (a
 * retried transaction): one line on stderr. */
static void say_notice(void *ctx, const char *line)
{
    cli *c = ctx;
    fprintf(stderr, "argo %s: %s\n", c->cmd, line);
}

int setup(cli *c, int store)
{
    assert(c && !c->app && store >= CLI_STORE_NONE && store <= CLI_STORE_RW_EXISTING);
    if (c->db_opt && !*c->db_opt)
        return usage_error(c, "--db '': the database path is empty");
    if (c->config_opt && !*c->config_opt)
        return usage_error(c, "--config '': the config path is empty");
    argo_app_options opt = {
        .config_path = c->config_opt, .db_path = c->db_opt, .store = (argo_app_store_mode)store};
    if (argo_app_open(&opt, &c->app, &c->err))
        return fail(c);
    c->cfg = argo_app_config(c->app);
    c->db = argo_app_db_masked(c->app);
    argo_app_set_notice(c->app, say_notice, c);
    return 0;
}

static const char *const common_help =
    "  --db URL        the store: a SQLite file (PATH or sqlite:PATH) or postgresql://...\n"
    "                  (else $ARGO_DB, else [store] url, else ./argo.db)\n"
    "  --config PATH   the config file (else $ARGO_CONFIG, else ./argo.conf if present)\n"
    "  -h, --help      this help\n";

bool common_opt(cli *c, int o)
{
    if (o == OPT_DB)
        c->db_opt = optarg;
    else if (o == OPT_CONFIG)
        c->config_opt = optarg;
    else
        return false;
    return true;
}

void help(const char *text)
{
    fputs(text, stdout);
    fputs(common_help, stdout);
}

/* A --since or --until day of argo stats into *out. */
static int stats_day(cli *c, const char *name, const char *text, int64_t *out)
{
    const char *why = NULL;
    if (argo_time_parse_why(text, out, &why))
        return usage_error(c, "--%s '%s' is %s: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", name,
                           text, why ? why : "not a date");
    return 0;
}

static int cmd_stats(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"by", required_argument, NULL, 'b'},
                                         {"symbol", required_argument, NULL, 's'},
                                         {"strategy", required_argument, NULL, 'S'},
                                         {"since", required_argument, NULL, 'f'},
                                         {"until", required_argument, NULL, 'u'},
                                         COMMON_OPTS,
                                         {0}};
    bool json = false;
    int by = ARGO_BY_NONE, o;
    argo_stats_filter f;
    argo_stats_filter_init(&f);
    while ((o = getopt_long(argc, argv, "jb:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'j')
            json = true;
        else if (o == 'b') {
            if ((by = argo_stats_by_parse(optarg)) < 0)
                return usage_error(c, "--by '%s': expected symbol, strategy, bucket, month or exit",
                                   optarg);
        } else if (o == 's') {
            f.symbol = optarg;
        } else if (o == 'S') {
            if ((f.strategy = argo_strategy_parse(optarg)) < 0)
                return usage_error(c, "--strategy '%s': expected trend, meanrev, macd or breakout",
                                   optarg);
        } else if (o == 'f' || o == 'u') {
            int rc =
                stats_day(c, o == 'f' ? "since" : "until", optarg, o == 'f' ? &f.since : &f.until);
            if (rc)
                return rc;
        } else if (o == 'h') {
            help("usage: argo stats [--json] [--by symbol|strategy|bucket|month|exit]\n"
                 "                  [--symbol S] [--strategy NAME] [--since DAY] [--until DAY]\n"
                 "Signals, resolved/open, win rate, average win and loss, profit factor,\n"
                 "expectancy, Sharpe of the daily equity curve, maximum drawdown and\n"
                 "outcome coverage; exits by reason per strategy. Definitions:\n"
                 "docs/STATS.md.\n"
                 "  --symbol S       that symbol's signals only\n"
                 "  --strategy NAME  the signals NAME voted for (trend, meanrev, macd, breakout)\n"
                 "  --since DAY      resolved signals that exited on DAY or later (UTC days)\n"
                 "  --until DAY      resolved signals that exited before DAY, open signals made\n"
                 "                   before DAY (DAY itself is not included)\n");
            return 0;
        } else
            return unknown_opt(c, argv);
    }
    int rc = finish_opts(c, argc, argv, CLI_STORE_RO);
    if (rc)
        return rc;
    argo_stats *s;
    if (argo_app_stats_filtered(c->app, (argo_stats_by)by, &f, &s, &c->err))
        return fail(c);
    rc = argo_stats_write(s, (argo_stats_by)by, json, stdout, &c->err);
    argo_stats_free(s);
    return rc ? fail(c) : 0;
}

static void signal_text(const argo_signal *g)
{
    char ts[32], ex[32], xt[32] = "-";
    argo_time_format(g->ts, ts, sizeof ts);
    argo_time_format(g->expires_at, ex, sizeof ex);
    if (g->status != ARGO_OPEN)
        argo_time_format(g->exit_ts, xt, sizeof xt);
    printf("%8lld %-8s %-4s %s %10.4f %10.4f %10.4f %5.3f %5.3f %-7s %-6s %s %+8.3f\n",
           (long long)g->id, g->symbol, argo_action_name(g->action), ts, g->entry, g->target,
           g->stop, g->raw_confidence, g->confidence, argo_status_name(g->status),
           argo_exit_reason_name(g->exit_reason), xt, g->status == ARGO_OPEN ? 0.0 : g->pnl_pct);
}

static int cmd_signals(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"symbol", required_argument, NULL, 's'},
                                         {"open", no_argument, NULL, 'o'},
                                         {"json", no_argument, NULL, 'j'},
                                         COMMON_OPTS,
                                         {0}};
    argo_signals_options so = {0};
    bool json = false;
    int o;
    while ((o = getopt_long(argc, argv, "s:ojh", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 's')
            so.symbol = optarg;
        else if (o == 'o')
            so.open_only = true;
        else if (o == 'j')
            json = true;
        else if (o == 'h') {
            help("usage: argo signals [--symbol SYM] [--open] [--json]\n"
                 "Lists stored signals in time order with their outcome: id, symbol,\n"
                 "action, date, entry, target, stop, raw and calibrated confidence,\n"
                 "status, exit reason, exit date and net P&L in percent.\n");
            return 0;
        } else
            return unknown_opt(c, argv);
    }
    int rc = finish_opts(c, argc, argv, CLI_STORE_RO);
    if (rc)
        return rc;
    argo_signal_list l;
    unsigned long jf = argo_json_failures();
    rc = argo_app_signals(c->app, &so, &l, &c->err);
    if (!rc && json) {
        json_t *doc = argo_json_signals(&l);
        rc = argo_json_print(doc, ARGO_JSON_PRETTY, stdout, jf, &c->err);
        json_decref(doc);
    } else if (!rc) {
        printf("%8s %-8s %-4s %-10s %10s %10s %10s %5s %5s %-7s %-6s %-10s %8s\n", "id", "symbol",
               "act", "date", "entry", "target", "stop", "raw", "conf", "status", "exit",
               "exit_date", "pnl%");
        for (size_t i = 0; i < l.n; i++)
            signal_text(&l.v[i]);
    }
    argo_signal_list_cleanup(&l);
    return rc ? fail(c) : 0;
}

static int calibrate_list(cli *c)
{
    argo_model_list l;
    if (argo_app_models(c->app, &l, &c->err)) {
        argo_model_list_cleanup(&l);
        return fail(c);
    }
    printf("%7s %-8s %-8s %8s %-20s %9s %9s %8s %8s\n", "version", "scope", "symbol", "samples",
           "trained_through", "brier_raw", "brier", "ece_raw", "ece");
    for (size_t i = 0; i < l.n; i++) {
        const argo_model_row *m = &l.v[i].row;
        char tt[32];
        argo_time_format(m->trained_through, tt, sizeof tt);
        printf("%7lld %-8s %-8s %8lld %-20s %9.4f %9.4f %8.4f %8.4f\n", (long long)m->version,
               m->scope, l.v[i].symbol, (long long)m->samples, tt, m->brier_raw, m->brier,
               m->ece_raw, m->ece);
    }
    argo_model_list_cleanup(&l);
    return 0;
}

static int calibrate_fit(cli *c, const char *csv, bool json)
{
    argo_calib_fit_result r;
    if (argo_app_calibrate_fit(c->app, csv, &r, &c->err)) {
        argo_calib_fit_result_cleanup(&r);
        return fail(c);
    }
    int rc = 0;
    if (json) {
        unsigned long jf = argo_json_failures();
        json_t *doc = argo_json_calib_fit(&r);
        rc = argo_json_print(doc, ARGO_JSON_COMPACT, stdout, jf, &c->err);
        json_decref(doc);
    } else {
        printf("model %lld: %zu samples, %zu fitted points (in-sample Brier %.4f, ECE %.4f)\n",
               (long long)r.version, r.samples, r.n, r.brier, r.ece);
        printf("%23s %23s\n", "x", "y");
        for (size_t i = 0; i < r.n; i++)
            printf("%23.17g %23.17g\n", r.x[i], r.y[i]);
    }
    argo_calib_fit_result_cleanup(&r);
    return rc ? fail(c) : 0;
}

static void predicted(void *ctx, double confidence, double calibrated)
{
    (void)ctx;
    (void)confidence;
    printf("%.17g\n", calibrated);
}

static int calibrate_predict(cli *c, int64_t version)
{
    return argo_app_calibrate_predict(c->app, version, stdin, "stdin", predicted, NULL, &c->err)
               ? fail(c)
               : 0;
}

static int cmd_calibrate(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"csv", required_argument, NULL, 'c'},
                                         {"model", required_argument, NULL, 'm'},
                                         {"train-fraction", required_argument, NULL, 'f'},
                                         {"folds", required_argument, NULL, 'k'},
                                         COMMON_OPTS,
                                         {0}};
    const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : "";
    const char *out = NULL, *csv = NULL;
    bool json = false;
    int64_t version = 0;
    double fraction = 0.7;
    int folds = 5, o;
    if (*sub) {
        argc--;
        argv++;
    }
    while ((o = getopt_long(argc, argv, "jo:c:m:f:k:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        char *end;
        errno = 0;
        switch (o) {
        case 'j':
            json = true;
            break;
        case 'o':
            out = optarg;
            break;
        case 'c':
            csv = optarg;
            break;
        case 'm':
            version = strtoll(optarg, &end, 10);
            if (*end || end == optarg || errno || version <= 0)
                return usage_error(c, "--model '%s' is not a model version", optarg);
            break;
        case 'f':
            fraction = strtod(optarg, &end);
            if (*end || end == optarg || !(fraction > 0 && fraction < 1))
                return usage_error(c, "--train-fraction '%s' is not in (0, 1)", optarg);
            break;
        case 'k':
            folds = (int)strtol(optarg, &end, 10);
            if (*end || end == optarg || folds < 1 || folds > 100)
                return usage_error(c, "--folds '%s' is not a whole number in 1..100", optarg);
            break;
        case 'h':
            help("usage: argo calibrate                 refit every model with new outcomes now\n"
                 "       argo calibrate list            the stored model versions\n"
                 "       argo calibrate report [--json] [--train-fraction F] [--folds K]\n"
                 "       argo calibrate plot --out FILE.svg [--train-fraction F] [--folds K]\n"
                 "       argo calibrate fit --csv FILE [--json]   (columns "
                 "confidence,label[,weight])\n"
                 "       argo calibrate predict --model V < confidences\n"
                 "Isotonic-regression calibration of signal confidence (docs/CALIBRATION.md).\n"
                 "report and plot evaluate out of sample in time order: fitted on outcomes\n"
                 "resolved before the split (default 70% of signals), and walk-forward in K\n"
                 "folds (default 5). fit stores an 'external' model, never applied to signals.\n");
            return 0;
        default:
            return unknown_opt(c, argv);
        }
    }
    if (optind < argc)
        return usage_error(c, "unexpected argument '%s'", argv[optind]);
    bool known = !*sub || !strcmp(sub, "list") || !strcmp(sub, "report") || !strcmp(sub, "plot") ||
                 !strcmp(sub, "fit") || !strcmp(sub, "predict");
    if (!known)
        return usage_error(c, "unknown subcommand '%s'", sub);
    if (!strcmp(sub, "plot") && !out)
        return usage_error(c, "%s", "plot needs --out FILE.svg");
    if (!strcmp(sub, "fit") && !csv)
        return usage_error(c, "%s", "fit needs --csv FILE");
    if (!strcmp(sub, "predict") && !version)
        return usage_error(c, "%s", "predict needs --model V");
    int rc = setup(c, !*sub                 ? CLI_STORE_RW_EXISTING
                      : !strcmp(sub, "fit") ? CLI_STORE_RW
                                            : CLI_STORE_RO);
    if (rc)
        return rc;
    if (!*sub) {
        int fitted;
        if (argo_app_calibrate(c->app, &fitted, &c->err))
            return fail(c);
        printf("calibrate: %d model%s fitted\n", fitted, fitted == 1 ? "" : "s");
        return 0;
    }
    if (!strcmp(sub, "list"))
        return calibrate_list(c);
    if (!strcmp(sub, "fit"))
        return calibrate_fit(c, csv, json);
    if (!strcmp(sub, "predict"))
        return calibrate_predict(c, version);
    if (!strcmp(sub, "plot")) {
        if (argo_app_calibrate_plot(c->app, fraction, folds, out, &c->err))
            return fail(c);
        printf("calibrate plot: wrote %s\n", out);
        return 0;
    }
    argo_calib_report *r;
    if (argo_app_calibration_report(c->app, fraction, folds, &r, &c->err))
        return fail(c);
    if (json) {
        unsigned long jf = argo_json_failures();
        json_t *doc = argo_json_calib_report(r);
        rc = argo_json_print(doc, ARGO_JSON_REPORT, stdout, jf, &c->err);
        json_decref(doc);
    } else
        rc = argo_app_calib_report_text(r, stdout, &c->err);
    free(r);
    return rc ? fail(c) : 0;
}

static int cmd_backup(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"date", required_argument, NULL, 'd'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"codec", required_argument, NULL, 'c'},
                                         {"dir", required_argument, NULL, 'o'},
                                         COMMON_OPTS,
                                         {0}};
    bool verify = argc > 1 && !strcmp(argv[1], "verify");
    argo_app_backup_options bo = {.day = INT64_MIN, .codec = ARGO_PQ_SNAPPY};
    int o;
    if (verify) {
        argc--;
        argv++;
    }
    while ((o = getopt_long(argc, argv, "d:af:c:o:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        switch (o) {
        case 'd':
            if (argo_time_parse(optarg, &bo.day))
                return usage_error(c, "--date '%s' is not an ISO date", optarg);
            break;
        case 'a':
            bo.all = true;
            break;
        case 'f':
            if ((bo.formats = argo_app_backup_formats_parse(optarg)) < 0)
                return usage_error(c, "--format '%s': expected parquet, csv or both", optarg);
            break;
        case 'c': {
            int k = argo_app_backup_codec_parse(optarg);
            if (k < 0)
                return usage_error(c, "--codec '%s': expected snappy, zstd or none", optarg);
            bo.codec = (argo_pq_codec)k;
            break;
        }
        case 'o':
            bo.dir = optarg;
            break;
        case 'h':
            help("usage: argo backup [--date D | --all] [--format parquet|csv|both]\n"
                 "                   [--codec snappy|zstd|none] [--dir DIR]\n"
                 "       argo backup verify [--date D | --all] [--dir DIR]\n"
                 "Backs up the signals made and the outcomes resolved on day D (default:\n"
                 "the day of the newest bar) to DIR/YYYY/MM/DD/ (DIR: [archive] dir, else\n"
                 "./backups) as Parquet and CSV with a manifest (SHA-256, rows). Same\n"
                 "content: nothing written; other content: a new version, the old kept.\n"
                 "verify re-reads every file, checks SHA-256 and rows, and compares the\n"
                 "content with the store (docs/BACKUPS.md).\n");
            return 0;
        default:
            return unknown_opt(c, argv);
        }
    }
    if (bo.all && bo.day != INT64_MIN)
        return usage_error(c, "%s", "--date and --all exclude each other");
    int rc = finish_opts(c, argc, argv, verify ? CLI_STORE_RO : CLI_STORE_RW);
    if (rc)
        return rc;
    if (verify) {
        argo_app_verify_result vr;
        if (argo_app_backup_verify(c->app, &bo, &vr, &c->err))
            return fail(c);
        printf("backup verify: %zu day%s, %zu files: all match their manifests and the store\n",
               vr.days, vr.days == 1 ? "" : "s", vr.files);
        return 0;
    }
    argo_app_backup_result r;
    rc = argo_app_backup(c->app, &bo, &r, &c->err);
    for (size_t i = 0; i < r.n; i++) { /* the days done, also before a failure */
        char d[32];
        const argo_backup_result *b = &r.days[i].r;
        printf("backup %s: %zu signals, %zu outcomes, version %d%s\n",
               argo_time_format(r.days[i].day, d, sizeof d), b->signals, b->outcomes, b->version,
               b->unchanged ? " (unchanged)" : "");
    }
    argo_app_backup_result_cleanup(&r);
    return rc ? fail(c) : 0;
}

static void top_help(FILE *f)
{
    fprintf(f,
            "usage: argo COMMAND [options]   (argo COMMAND --help for its options)\n"
            "commands:\n"
            "  ingest FILE.csv...  load bars from CSV files\n"
            "  fetch               fetch new bars from the [provider] (incremental)\n"
            "  synth               make a deterministic synthetic universe\n"
            "  generate            the live cycle: signals for the newest bars\n"
            "  track               resolve open signals against new bars\n"
            "  replay              walk history bar by bar as the live loop would\n"
            "  stats               performance statistics and outcome coverage\n"
            "  signals             list stored signals and their outcomes\n"
            "  calibrate           confidence calibration: refit, report, plot, fit, predict\n"
            "  backup              daily Parquet + CSV backups with a manifest; verify them\n"
            "  archive query       win rate and P&L straight from the backups\n"
            "  archive push        upload the backups to S3; verify --remote checks them\n"
            "  archive lifecycle   the S3 lifecycle policy: show, apply, get\n"
            "  archive tier        the lifecycle policy on local tier folders\n"
            "  archive cost        the 7-year storage cost model\n"
            "  serve               the live signal service: REST, stream, /metrics, /health\n"
            "  keys                API keys of argo serve: add, list, revoke\n"
            "  health              health checks, levels 1-3 (exit 0 ok, 1 degraded, 2 failing)\n"
            "  store copy          copy a store to another (SQLite, PostgreSQL), verified\n"
            "  version             print the version\n"
            "every command takes:\n"
            "  --db URL            the store: a SQLite file (PATH, sqlite:PATH) or\n"
            "                      postgresql://... (else $ARGO_DB, else [store] url,\n"
            "                      else ./argo.db); passwords in it are never printed\n"
            "  --config PATH       the config file (else $ARGO_CONFIG, else ./argo.conf)\n");
}

/* What the command printed must have reached stdout: a full disk or a
 * closed pipe is a failure too, with its one line (exit 1). */
static int output_check(const char *cmd, int rc)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return rc;
    bool done = rc == 0 || rc == 3; /* the command did its work: its output is lost */
    if (done) {
        int e = errno;
        if (cmd)
            fprintf(stderr, "argo %s: cannot write the output (stdout): %s\n", cmd, strerror(e));
        else
            fprintf(stderr, "argo: cannot write the output (stdout): %s\n", strerror(e));
    }
    return done ? 1 : rc;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(cli *, int, char **);
    } cmds[] = {{"ingest", cmd_ingest},   {"synth", cmd_synth},         {"generate", cmd_generate},
                {"track", cmd_track},     {"replay", cmd_replay},       {"stats", cmd_stats},
                {"signals", cmd_signals}, {"calibrate", cmd_calibrate}, {"backup", cmd_backup},
                {"archive", cmd_archive}, {"serve", cmd_serve},         {"health", cmd_health},
                {"keys", cmd_keys},       {"store", cmd_store},         {"fetch", cmd_fetch}};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        top_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : output_check(NULL, 0);
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        if (argc > 2) {
            fprintf(stderr, "argo version: unexpected argument '%s' (see 'argo --help')\n",
                    argv[2]);
            return 2;
        }
        printf("argo %s\n", ARGO_VERSION);
        return output_check("version", 0);
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name)) {
            cli c = {.cmd = cmds[i].name};
            optind = 1;
            opterr = 0;
            int rc = cmds[i].fn(&c, argc - 1, argv + 1);
            if (cmds[i].fn == cmd_health) { /* its own exit statuses and output check */
                argo_app_close(c.app, false);
                return rc;
            }
            /* 0 done, 1 failed, 2 usage; 3 a check that found a difference
             * (archive lifecycle get: none set, or not the config's) */
            assert(rc >= 0 && rc <= 3);
            argo_app_close(c.app, rc == 1 || rc == 2);
            return output_check(c.cmd, rc);
        }
    fprintf(stderr, "argo: unknown command '%s' (see 'argo --help')\n", argv[1]);
    return 2;
}
