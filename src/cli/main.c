/* SPDX-License-Identifier: MIT */
/*
 * cli/main.c - the argo command-line program. It reaches the engine
 * only through the public headers of libargo. Every failure prints one
 * line "argo <command>: what, where, why" to stderr and exits 1; a
 * usage mistake exits 2.
 */
#include "cli/cli.h"

#include "archive/archive.h"
#include "base/err.h"
#include "base/fileio.h"
#include "base/jsonmem.h"
#include "base/text.h"
#include "base/timeutil.h"
#include "calibrate/isotonic.h"
#include "calibrate/report.h"
#include "domain/config.h"
#include "app/engine.h"
#include "app/stats.h"
#include "market/market.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef ARGO_VERSION
#define ARGO_VERSION "0.1.0"
#endif

int usage_error(cli *c, const char *fmt, ...)
{
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
    fprintf(stderr, "argo %s: %s\n", c->cmd,
            c->err.msg[0] ? c->err.msg : argo_strerror(c->err.code));
    return 1;
}

/* Config: --config, else $ARGO_CONFIG, else ./argo.conf when present.
 * Database: --db, else $ARGO_DB, else [store] db, else ./argo.db, opened
 * as store asks (CLI_STORE_*): a command that only reads opens it
 * read-only, so it runs beside a writer (replay, say) without waiting,
 * and a missing file is an error rather than a new empty store. */
int setup(cli *c, int store)
{
    if (c->db_opt && !*c->db_opt)
        return usage_error(c, "--db '': the database path is empty");
    if (c->config_opt && !*c->config_opt)
        return usage_error(c, "--config '': the config path is empty");
    argo_app_options opt = {
        .config_path = c->config_opt, .db_path = c->db_opt, .store = (argo_app_store_mode)store};
    if (argo_app_open(&opt, &c->app, &c->err))
        return fail(c);
    c->cfg = argo_app_config(c->app);
    c->db = argo_app_db_path(c->app);
    c->store = c->app->store;
    return 0;
}

static const char *const common_help =
    "  --db PATH       the database (else $ARGO_DB, else [store] db, else ./argo.db)\n"
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

static int cmd_stats(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"by", required_argument, NULL, 'b'}, COMMON_OPTS, {0}};
    bool json = false;
    int by = ARGO_BY_NONE, o;
    while ((o = getopt_long(argc, argv, "jb:h", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 'j')
            json = true;
        else if (o == 'b') {
            if ((by = argo_stats_by_parse(optarg)) < 0)
                return usage_error(c, "--by '%s': expected symbol, strategy, bucket or month",
                                   optarg);
        } else if (o == 'h') {
            help("usage: argo stats [--json] [--by symbol|strategy|bucket|month]\n"
                 "Signals, resolved/open, win rate, average win and loss, profit factor,\n"
                 "expectancy, Sharpe of the daily equity curve, maximum drawdown and\n"
                 "outcome coverage; exits by reason per strategy. Definitions:\n"
                 "docs/STATS.md.\n");
            return 0;
        } else
            return unknown_opt(c, argv);
    }
    int rc = finish_opts(c, argc, argv, CLI_STORE_RO);
    if (rc)
        return rc;
    argo_stats *s;
    if (argo_stats_compute(c->store, c->cfg, (argo_stats_by)by, &s, &c->err))
        return fail(c);
    rc = argo_stats_write(s, (argo_stats_by)by, json, stdout, &c->err);
    argo_stats_free(s);
    return rc ? fail(c) : 0;
}

typedef struct list_ctx {
    bool json;
    json_t *arr;
    size_t n;
} list_ctx;

static int list_one(void *ctx, const argo_signal *g)
{
    list_ctx *l = ctx;
    char ts[32], ex[32], xt[32] = "-";
    argo_time_format(g->ts, ts, sizeof ts);
    argo_time_format(g->expires_at, ex, sizeof ex);
    if (g->status != ARGO_OPEN)
        argo_time_format(g->exit_ts, xt, sizeof xt);
    l->n++;
    if (!l->json) {
        printf("%8lld %-8s %-4s %s %10.4f %10.4f %10.4f %5.3f %5.3f %-7s %-6s %s %+8.3f\n",
               (long long)g->id, g->symbol, argo_action_name(g->action), ts, g->entry, g->target,
               g->stop, g->raw_confidence, g->confidence, argo_status_name(g->status),
               argo_exit_reason_name(g->exit_reason), xt,
               g->status == ARGO_OPEN ? 0.0 : g->pnl_pct);
        return 0;
    }
    json_t *o = json_object(), *votes = json_object();
    json_object_set_new(o, "id", json_integer(g->id));
    json_object_set_new(o, "symbol", json_string(g->symbol));
    json_object_set_new(o, "action", json_string(argo_action_name(g->action)));
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "entry", json_real(g->entry));
    json_object_set_new(o, "target", json_real(g->target));
    json_object_set_new(o, "stop", json_real(g->stop));
    json_object_set_new(o, "raw_confidence", json_real(g->raw_confidence));
    json_object_set_new(o, "confidence", json_real(g->confidence));
    json_object_set_new(o, "model_version",
                        g->model_version ? json_integer(g->model_version) : json_null());
    json_object_set_new(o, "published", json_boolean(g->published));
    for (int k = 0; k < ARGO_STRAT_COUNT; k++)
        json_object_set_new(votes, argo_strategy_name(k),
                            json_real(g->votes[k].dir * g->votes[k].strength));
    json_object_set_new(o, "votes", votes);
    json_object_set_new(o, "expires_at", json_string(ex));
    json_object_set_new(o, "status", json_string(argo_status_name(g->status)));
    if (g->status != ARGO_OPEN) {
        json_object_set_new(o, "exit_reason", json_string(argo_exit_reason_name(g->exit_reason)));
        json_object_set_new(o, "gap", json_boolean(g->gap));
        json_object_set_new(o, "exit_ts", json_string(xt));
        json_object_set_new(o, "exit_price", json_real(g->exit_price));
        json_object_set_new(o, "pnl_pct", json_real(g->pnl_pct));
    }
    json_object_set_new(o, "bars_held", json_integer(g->bars_held));
    json_object_set_new(o, "mfe_pct", json_real(g->mfe_pct));
    json_object_set_new(o, "mae_pct", json_real(g->mae_pct));
    json_array_append_new(l->arr, o);
    return 0;
}

static int cmd_signals(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"symbol", required_argument, NULL, 's'},
                                         {"open", no_argument, NULL, 'o'},
                                         {"json", no_argument, NULL, 'j'},
                                         COMMON_OPTS,
                                         {0}};
    const char *symbol = NULL;
    bool open_only = false;
    int64_t symbol_id = 0;
    list_ctx l = {0};
    int o;
    while ((o = getopt_long(argc, argv, "s:ojh", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 's')
            symbol = optarg;
        else if (o == 'o')
            open_only = true;
        else if (o == 'j')
            l.json = true;
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
    if (symbol && argo_store_symbol_id(c->store, symbol, false, &symbol_id, &c->err))
        return fail(c);
    unsigned long jf = argo_json_failures();
    if (l.json)
        l.arr = json_array();
    else
        printf("%8s %-8s %-4s %-10s %10s %10s %10s %5s %5s %-7s %-6s %-10s %8s\n", "id", "symbol",
               "act", "date", "entry", "target", "stop", "raw", "conf", "status", "exit",
               "exit_date", "pnl%");
    rc = open_only ? argo_store_signals_open(c->store, symbol_id, list_one, &l, &c->err)
                   : argo_store_signals_all(c->store, symbol_id, list_one, &l, &c->err);
    if (!rc && l.json) {
        rc = argo_json_emit(l.arr, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17), jf, &c->err);
    }
    json_decref(l.arr);
    return rc ? fail(c) : 0;
}

/* The symbols, read before the model scan (no store call inside it). */
typedef struct model_list {
    argo_symbol *syms;
    size_t n;
} model_list;

static int list_model(void *ctx, const argo_model_row *m)
{
    const model_list *l = ctx;
    char tt[32], sym[ARGO_SYMBOL_MAX] = "-";
    argo_time_format(m->trained_through, tt, sizeof tt);
    for (size_t i = 0; m->symbol_id && i < l->n; i++)
        if (l->syms[i].id == m->symbol_id)
            snprintf(sym, sizeof sym, "%s", l->syms[i].name);
    printf("%7lld %-8s %-8s %8lld %-20s %9.4f %9.4f %8.4f %8.4f\n", (long long)m->version, m->scope,
           sym, (long long)m->samples, tt, m->brier_raw, m->brier, m->ece_raw, m->ece);
    return 0;
}

static int calibrate_fit(cli *c, const char *csv, bool json)
{
    double *x, *y, *w;
    size_t n;
    if (argo_calib_csv_read(csv, &x, &y, &w, &n, &c->err))
        return fail(c);
    argo_iso_model *m = NULL;
    argo_iso_fit_stats fs;
    int rc = argo_iso_fit(x, y, w, n, &m, &fs, &c->err);
    free(x);
    free(y);
    free(w);
    if (rc)
        return fail(c);
    bool finite = isfinite(fs.brier) && isfinite(fs.log_loss) && isfinite(fs.ece);
    for (size_t i = 0; i < m->n && finite; i++)
        finite = isfinite(m->x[i]) && isfinite(m->y[i]);
    if (!finite) { /* never store a model that cannot be evaluated */
        argo_iso_model_free(m);
        argo_err_set(&c->err, ARGO_EDATA, "%s: the fit gave a non-finite value; model not stored",
                     csv);
        return fail(c);
    }
    argo_model_row row = {.trained_through = 0,
                          .samples = (int64_t)n,
                          .n = m->n,
                          .x = m->x,
                          .y = m->y,
                          .brier = fs.brier,
                          .log_loss = fs.log_loss,
                          .ece = fs.ece,
                          .brier_raw = NAN,
                          .log_loss_raw = NAN,
                          .ece_raw = NAN,
                          .created_at = (int64_t)time(NULL)};
    snprintf(row.scope, sizeof row.scope, "external");
    if (argo_store_begin(c->store, &c->err) || argo_store_lock(c->store, "cycle", &c->err) ||
        argo_store_model_insert(c->store, &row, &c->err) || argo_store_commit(c->store, &c->err)) {
        argo_store_rollback(c->store);
        argo_iso_model_free(m);
        return fail(c);
    }
    if (json) {
        unsigned long jf = argo_json_failures();
        json_t *o = json_object(), *xs = json_array(), *ys = json_array();
        for (size_t i = 0; i < m->n; i++) {
            json_array_append_new(xs, json_real(m->x[i]));
            json_array_append_new(ys, json_real(m->y[i]));
        }
        json_object_set_new(o, "version", json_integer(row.version));
        json_object_set_new(o, "samples", json_integer((json_int_t)n));
        json_object_set_new(o, "x", xs);
        json_object_set_new(o, "y", ys);
        int erc = argo_json_emit(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(17), jf, &c->err);
        json_decref(o);
        if (erc)
            return fail(c);
    } else {
        printf("model %lld: %zu samples, %zu fitted points (in-sample Brier %.4f, ECE %.4f)\n",
               (long long)row.version, n, m->n, fs.brier, fs.ece);
        printf("%23s %23s\n", "x", "y");
        for (size_t i = 0; i < m->n; i++)
            printf("%23.17g %23.17g\n", m->x[i], m->y[i]);
    }
    argo_iso_model_free(m);
    return 0;
}

static int calibrate_predict(cli *c, int64_t version)
{
    argo_model_row row;
    argo_iso_model *m;
    if (argo_store_model_get(c->store, version, &row, &c->err))
        return fail(c);
    int rc = argo_iso_model_from_points(row.x, row.y, row.n, &m, &c->err);
    argo_model_row_cleanup(&row);
    if (rc)
        return fail(c);
    char line[ARGO_LINE_MAX];
    size_t no = 0;
    for (;;) {
        /* one line, bounded: a longer one is an error, never two inputs */
        size_t len = 0;
        int ch = EOF;
        bool nul = false;
        while ((ch = getchar()) != EOF && ch != '\n') {
            nul |= ch == '\0';
            if (len < sizeof line - 1)
                line[len] = (char)ch;
            len++;
        }
        if (ch == EOF && len == 0)
            break;
        no++;
        if (len >= sizeof line - 1) {
            argo_iso_model_free(m);
            argo_err_set(&c->err, ARGO_ELIMIT, "stdin:%zu: the line is longer than %d bytes", no,
                         ARGO_LINE_MAX - 2);
            return fail(c);
        }
        if (len && line[len - 1] == '\r')
            len--;
        line[len] = '\0';
        if (!nul && strspn(line, " \t") == len)
            continue; /* a blank line */
        double v = 0;
        int bad = nul ? ARGO_EPARSE : argo_text_decimal(line, &v);
        if (bad || v < 0 || v > 1) {
            char q[ARGO_TEXT_QUOTE_MAX];
            argo_text_quote(line, len, q, sizeof q);
            argo_err_set(&c->err, ARGO_EDATA, "stdin:%zu: '%s' is not a confidence in [0, 1]%s", no,
                         q, nul ? " (a NUL byte)" : "");
            argo_iso_model_free(m);
            return fail(c);
        }
        printf("%.17g\n", argo_iso_predict(m, v));
    }
    argo_iso_model_free(m);
    if (ferror(stdin)) {
        argo_err_set(&c->err, ARGO_EIO, "stdin:%zu: read error", no + 1);
        return fail(c);
    }
    return 0;
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
    if (!strcmp(sub, "list")) {
        printf("%7s %-8s %-8s %8s %-20s %9s %9s %8s %8s\n", "version", "scope", "symbol", "samples",
               "trained_through", "brier_raw", "brier", "ece_raw", "ece");
        model_list l = {0};
        if (argo_store_symbols(c->store, &l.syms, &l.n, NULL))
            l = (model_list){0};
        rc = argo_store_models_scan(c->store, list_model, &l, &c->err);
        free(l.syms);
        return rc ? fail(c) : 0;
    }
    if (!strcmp(sub, "fit"))
        return calibrate_fit(c, csv, json);
    if (!strcmp(sub, "predict"))
        return calibrate_predict(c, version);
    argo_calib_report *r;
    if (argo_app_calibration_report(c->app, fraction, folds, &r, &c->err))
        return fail(c);
    rc = !strcmp(sub, "plot") ? argo_calib_report_svg(r, out, &c->err)
                              : argo_calib_report_write(r, json, stdout, &c->err);
    free(r);
    if (rc)
        return fail(c);
    if (!strcmp(sub, "plot"))
        printf("calibrate plot: wrote %s\n", out);
    return 0;
}

static int backup_one(cli *c, int64_t day, const argo_backup_options *bo)
{
    argo_backup_result r;
    char d[32]; /* the day's label: its date, whatever time of day picked it */
    if (argo_backup_day(c->store, day, bo, &r, &c->err))
        return fail(c);
    printf("backup %s: %zu signals, %zu outcomes, version %d%s\n",
           argo_time_format(argo_time_day_start(day), d, sizeof d), r.signals, r.outcomes,
           r.version, r.unchanged ? " (unchanged)" : "");
    return 0;
}

static void first_orphan(void *ctx, const char *path, const char *why)
{
    char *out = ctx;
    if (!out[0])
        snprintf(out, ARGO_PATH_MAX + 160, "%s: %s", path, why);
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
    bool verify = argc > 1 && !strcmp(argv[1], "verify"), all = false;
    int64_t day = INT64_MIN;
    argo_backup_options bo = {.codec = ARGO_PQ_SNAPPY};
    const char *dir = NULL;
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
            if (argo_time_parse(optarg, &day))
                return usage_error(c, "--date '%s' is not an ISO date", optarg);
            break;
        case 'a':
            all = true;
            break;
        case 'f':
            bo.formats = !strcmp(optarg, "parquet") ? ARGO_BACKUP_PARQUET
                         : !strcmp(optarg, "csv")   ? ARGO_BACKUP_CSV
                         : !strcmp(optarg, "both")  ? ARGO_BACKUP_PARQUET | ARGO_BACKUP_CSV
                                                    : -1;
            if (bo.formats < 0)
                return usage_error(c, "--format '%s': expected parquet, csv or both", optarg);
            break;
        case 'c': {
            int k = argo_pq_codec_parse(optarg);
            if (k < 0)
                return usage_error(c, "--codec '%s': expected snappy, zstd or none", optarg);
            bo.codec = (argo_pq_codec)k;
            break;
        }
        case 'o':
            dir = optarg;
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
    if (all && day != INT64_MIN)
        return usage_error(c, "%s", "--date and --all exclude each other");
    int rc = finish_opts(c, argc, argv, verify ? CLI_STORE_RO : CLI_STORE_RW);
    if (rc)
        return rc;
    bo.root = dir ? dir : c->cfg->archive_dir;
    if (argo_backup_dir_check(dir ? "--dir" : "[archive] dir", bo.root, !verify, &c->err))
        return fail(c);
    /* the [tiers] folders, as the manifests record them (absolute) */
    static char tier_abs[4][ARGO_PATH_MAX];
    const char *tiers[4] = {0};
    for (int k = 0; k < 4; k++)
        if (c->cfg->tier_dir[k][0] && realpath(c->cfg->tier_dir[k], tier_abs[k]))
            tiers[k] = tier_abs[k];
    int64_t *days = NULL;
    size_t n = 0;
    if (all) {
        if (verify ? argo_backup_list(bo.root, &days, &n, &c->err)
                   : argo_backup_days(c->store, &days, &n, &c->err))
            return fail(c);
    } else {
        if (day == INT64_MIN) {
            argo_symbol *syms;
            size_t ns;
            if (argo_store_symbols(c->store, &syms, &ns, &c->err))
                return fail(c);
            for (size_t i = 0; i < ns; i++)
                day = syms[i].last_ts > day ? syms[i].last_ts : day;
            free(syms);
            if (day == INT64_MIN) {
                argo_err_set(&c->err, ARGO_ENOENT, "no bars in %s: nothing to back up", c->db);
                return fail(c);
            }
        }
        days = malloc(sizeof *days);
        if (!days)
            return 1;
        days[0] = day;
        n = 1;
    }
    size_t files = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (verify) {
            size_t f = 0, orphans = 0;
            char first[ARGO_PATH_MAX + 160] = "";
            if (argo_backup_verify(c->store, bo.root, days[i], &f, &c->err) ||
                argo_backup_orphans(bo.root, tiers, 4, days[i], false, first_orphan, first,
                                    &orphans, &c->err) ||
                (orphans &&
                 argo_err_set(&c->err, ARGO_ECORRUPT, "%s (%zu file%s no manifest lists)", first,
                              orphans, orphans == 1 ? "" : "s")))
                rc = fail(c);
            files += f;
        } else
            rc = backup_one(c, days[i], &bo);
    }
    /* an interrupted backup can leave a day folder without a manifest */
    if (!rc && all && verify) {
        size_t orphans = 0;
        char first[ARGO_PATH_MAX + 160] = "";
        if (argo_backup_orphans(bo.root, tiers, 4, INT64_MIN, false, first_orphan, first, &orphans,
                                &c->err) ||
            (orphans && argo_err_set(&c->err, ARGO_ECORRUPT,
                                     "%s (%zu file%s no manifest lists; the next argo backup "
                                     "removes argo's own)",
                                     first, orphans, orphans == 1 ? "" : "s")))
            rc = fail(c);
    }
    /* every day is whole: what an interrupted --all left elsewhere goes */
    if (!rc && all && !verify &&
        argo_backup_orphans(bo.root, NULL, 0, INT64_MIN, true, NULL, NULL, NULL, &c->err))
        rc = fail(c);
    free(days);
    if (!rc && verify)
        printf("backup verify: %zu day%s, %zu files: all match their manifests and the store\n", n,
               n == 1 ? "" : "s", files);
    return rc;
}

static void top_help(FILE *f)
{
    fprintf(f, "usage: argo COMMAND [options]   (argo COMMAND --help for its options)\n"
               "commands:\n"
               "  ingest FILE.csv...  load bars from CSV files\n"
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
               "  version             print the version\n");
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(cli *, int, char **);
    } cmds[] = {{"ingest", cmd_ingest},   {"synth", cmd_synth},         {"generate", cmd_generate},
                {"track", cmd_track},     {"replay", cmd_replay},       {"stats", cmd_stats},
                {"signals", cmd_signals}, {"calibrate", cmd_calibrate}, {"backup", cmd_backup},
                {"archive", cmd_archive}};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        top_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("argo %s\n", ARGO_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name)) {
            cli c = {.cmd = cmds[i].name};
            optind = 1;
            opterr = 0;
            int rc = cmds[i].fn(&c, argc - 1, argv + 1);
            argo_app_close(c.app, rc != 0);
            return rc;
        }
    fprintf(stderr, "argo: unknown command '%s' (see 'argo --help')\n", argv[1]);
    return 2;
}
