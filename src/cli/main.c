/* SPDX-License-Identifier: MIT */
/*
 * cli/main.c - the argo command-line program. It reaches the engine
 * only through the public headers of libargo. Every failure prints one
 * line "argo <command>: what, where, why" to stderr and exits 1; a
 * usage mistake exits 2.
 */
#include "archive/archive.h"
#include "archive/cost.h"
#include "archive/lifecycle.h"
#include "archive/remote.h"
#include "archive/s3.h"
#include "archive/tier.h"
#include "base/err.h"
#include "base/fileio.h"
#include "calibrate/isotonic.h"
#include "calibrate/report.h"
#include "base/timeutil.h"
#include "core/config.h"
#include "core/engine.h"
#include "core/stats.h"
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

typedef struct cli {
    const char *cmd;
    const char *db_opt, *config_opt;
    argo_config cfg;
    char db[ARGO_PATH_MAX];
    argo_store *store;
    argo_err err;
} cli;

__attribute__((format(printf, 2, 3))) static int usage_error(cli *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "argo %s: ", c->cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'argo %s --help')\n", c->cmd);
    return 2;
}

static int unknown_opt(cli *c, char **argv)
{
    return usage_error(c, "unknown or incomplete option '%s'", argv[optind - 1]);
}

static int setup(cli *c, bool need_store);

/* After the options: no stray argument, then the config and the store. */
static int finish_opts(cli *c, int argc, char **argv, bool need_store)
{
    if (optind < argc)
        return usage_error(c, "unexpected argument '%s'", argv[optind]);
    return setup(c, need_store);
}

static int fail(cli *c)
{
    fprintf(stderr, "argo %s: %s\n", c->cmd,
            c->err.msg[0] ? c->err.msg : argo_strerror(c->err.code));
    return 1;
}

/* Config: --config, else $ARGO_CONFIG, else ./argo.conf when present.
 * Database: --db, else $ARGO_DB, else [store] db, else ./argo.db. */
static int setup(cli *c, bool need_store)
{
    argo_config_init(&c->cfg);
    const char *path = c->config_opt ? c->config_opt : getenv("ARGO_CONFIG");
    struct stat sb;
    if (!path && stat("argo.conf", &sb) == 0)
        path = "argo.conf";
    if (path && argo_config_load(&c->cfg, path, &c->err))
        return fail(c);
    const char *db = c->db_opt ? c->db_opt : getenv("ARGO_DB");
    if (!db || !*db)
        db = c->cfg.db[0] ? c->cfg.db : "argo.db";
    snprintf(c->db, sizeof c->db, "%s", db);
    if (!need_store)
        return 0;
    argo_store_options opt = {.busy_timeout_ms = c->cfg.busy_timeout_ms};
    if (argo_store_open(c->db, &opt, &c->store, &c->err))
        return fail(c);
    return 0;
}

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

enum { OPT_DB = 1000, OPT_CONFIG, OPT_SKIP, OPT_HELP };
#define COMMON_OPTS                                                                                \
    {"db", required_argument, NULL, OPT_DB}, {"config", required_argument, NULL, OPT_CONFIG},      \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

static const char *const common_help =
    "  --db PATH       the database (else $ARGO_DB, else [store] db, else ./argo.db)\n"
    "  --config PATH   the config file (else $ARGO_CONFIG, else ./argo.conf if present)\n"
    "  -h, --help      this help\n";

static bool common_opt(cli *c, int o)
{
    if (o == OPT_DB)
        c->db_opt = optarg;
    else if (o == OPT_CONFIG)
        c->config_opt = optarg;
    else
        return false;
    return true;
}

static void help(const char *text)
{
    fputs(text, stdout);
    fputs(common_help, stdout);
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

static int cmd_ingest(cli *c, int argc, char **argv)
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
                 "are ignored). Each file is all-or-nothing unless --skip-invalid.\n"
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
    int rc = setup(c, true);
    if (rc)
        return rc;
    for (int i = optind; i < argc; i++) {
        char buf[ARGO_SYMBOL_MAX * 4];
        const char *sym = symbol ? symbol : basename_symbol(argv[i], buf, sizeof buf);
        argo_ingest_report rep;
        if (argo_market_ingest_csv(c->store, argv[i], sym, skip, &rep, &c->err))
            return fail(c);
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
    return 0;
}

typedef struct synth_sink {
    argo_store *store;
    const char *dir;
    argo_err *err;
    size_t bars;
} synth_sink;

static int synth_to_store(void *ctx, const char *symbol, const argo_bar *bars, size_t n)
{
    synth_sink *s = ctx;
    int64_t id;
    int rc = argo_store_symbol_id(s->store, symbol, true, &id, s->err);
    for (size_t i = 0; i < n && !rc; i++) {
        bool ins;
        rc = argo_store_bar_put(s->store, id, &bars[i], &ins, s->err);
        s->bars += ins;
    }
    if (rc)
        argo_err_prefix(s->err, "%s: ", symbol);
    return rc;
}

static int synth_to_csv(void *ctx, const char *symbol, const argo_bar *bars, size_t n)
{
    synth_sink *s = ctx;
    char path[ARGO_PATH_MAX], tmp[ARGO_PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/%s.csv", s->dir, symbol);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return argo_err_set(s->err, ARGO_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    fprintf(f, "date,open,high,low,close,volume\n");
    for (size_t i = 0; i < n; i++) {
        char d[32];
        fprintf(f, "%s,%.4f,%.4f,%.4f,%.4f,%.0f\n", argo_time_format(bars[i].ts, d, sizeof d),
                bars[i].open, bars[i].high, bars[i].low, bars[i].close, bars[i].volume);
    }
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return argo_err_set(s->err, ARGO_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    s->bars += n;
    return 0;
}

static int cmd_synth(cli *c, int argc, char **argv)
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
            *(o == 'n' ? &so.symbols : &so.days) = (int)(v > 1000000 ? 1000000 : v);
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
    int rc = finish_opts(c, argc, argv, dir == NULL);
    if (rc)
        return rc;
    synth_sink sink = {.store = c->store, .dir = dir, .err = &c->err};
    if (dir) {
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            argo_err_set(&c->err, ARGO_EIO, "%s: cannot create: %s", dir, strerror(errno));
            return fail(c);
        }
        if (argo_market_synth(&so, synth_to_csv, &sink, &c->err))
            return fail(c);
    } else {
        if (argo_store_begin(c->store, &c->err))
            return fail(c);
        if (argo_market_synth(&so, synth_to_store, &sink, &c->err) ||
            argo_store_commit(c->store, &c->err)) {
            argo_store_rollback(c->store);
            return fail(c);
        }
    }
    printf("synth: %d symbols x %d days, %zu bars %s %s\n", so.symbols, so.days, sink.bars,
           dir ? "written to" : "stored in", dir ? dir : c->db);
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

static int cmd_generate(cli *c, int argc, char **argv)
{
    int rc = simple_opts(c, argc, argv,
                         "usage: argo generate\n"
                         "The live cycle: pushes each symbol's new bars through its strategies\n"
                         "and stores a signal where the consensus turns to BUY or SELL on the\n"
                         "newest bar.\n");
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = setup(c, true)))
        return rc;
    argo_generate_report rep;
    if (argo_engine_generate(c->store, &c->cfg, &rep, &c->err))
        return fail(c);
    printf("generate: %zu symbols, %zu new bars, %zu signals%s\n", rep.symbols, rep.bars_fed,
           rep.signals, rep.rebuilt ? " (some states rebuilt from history)" : "");
    return 0;
}

static int cmd_track(cli *c, int argc, char **argv)
{
    int rc = simple_opts(c, argc, argv,
                         "usage: argo track\n"
                         "Resolves open signals against the bars they have not scanned yet\n"
                         "(target, stop, expiry; docs/DESIGN.md). Idempotent.\n");
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = setup(c, true)))
        return rc;
    argo_track_report rep;
    argo_coverage cov;
    if (argo_engine_track(c->store, &c->cfg, &rep, &c->err) ||
        argo_engine_coverage(c->store, &cov, &c->err))
        return fail(c);
    printf("track: %zu open, %zu resolved, %zu still open; coverage %zu/%zu\n", rep.open_before,
           rep.resolved, rep.open_after, cov.covered, cov.signals);
    return 0;
}

static int cmd_replay(cli *c, int argc, char **argv)
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
    int rc = setup(c, true);
    if (rc)
        return rc;
    if (!quiet && isatty(STDERR_FILENO))
        ro.progress = progress;
    argo_replay_report rep;
    if (argo_engine_replay(c->store, &c->cfg, &ro, &rep, &c->err))
        return fail(c);
    printf("replay: %lld bars, %zu signals, %zu resolved, %zu open\n", (long long)rep.bars,
           rep.signals, rep.resolved, rep.open);
    return 0;
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
    int rc = finish_opts(c, argc, argv, true);
    if (rc)
        return rc;
    argo_stats *s;
    if (argo_stats_compute(c->store, &c->cfg, (argo_stats_by)by, &s, &c->err))
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
    argo_signal_query q = {0};
    list_ctx l = {0};
    int o;
    while ((o = getopt_long(argc, argv, "s:ojh", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
        if (o == 's')
            symbol = optarg;
        else if (o == 'o')
            q.open_only = true;
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
    int rc = finish_opts(c, argc, argv, true);
    if (rc)
        return rc;
    if (symbol && argo_store_symbol_id(c->store, symbol, false, &q.symbol_id, &c->err))
        return fail(c);
    if (l.json)
        l.arr = json_array();
    else
        printf("%8s %-8s %-4s %-10s %10s %10s %10s %5s %5s %-7s %-6s %-10s %8s\n", "id", "symbol",
               "act", "date", "entry", "target", "stop", "raw", "conf", "status", "exit",
               "exit_date", "pnl%");
    rc = argo_store_signals_scan(c->store, &q, list_one, &l, &c->err);
    if (!rc && l.json) {
        rc = json_dumpf(l.arr, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
        fputc('\n', stdout);
        if (rc)
            argo_err_set(&c->err, ARGO_EIO, "cannot write JSON");
    }
    json_decref(l.arr);
    return rc ? fail(c) : 0;
}

static int list_model(void *ctx, const argo_model_row *m)
{
    argo_store *st = ctx;
    char tt[32], sym[ARGO_SYMBOL_MAX] = "-";
    argo_time_format(m->trained_through, tt, sizeof tt);
    if (m->symbol_id) {
        argo_symbol *syms;
        size_t n;
        if (argo_store_symbols(st, &syms, &n, NULL) == 0) {
            for (size_t i = 0; i < n; i++)
                if (syms[i].id == m->symbol_id)
                    snprintf(sym, sizeof sym, "%s", syms[i].name);
            free(syms);
        }
    }
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
    if (argo_store_begin(c->store, &c->err) || argo_store_model_insert(c->store, &row, &c->err) ||
        argo_store_commit(c->store, &c->err)) {
        argo_store_rollback(c->store);
        argo_iso_model_free(m);
        return fail(c);
    }
    if (json) {
        json_t *o = json_object(), *xs = json_array(), *ys = json_array();
        for (size_t i = 0; i < m->n; i++) {
            json_array_append_new(xs, json_real(m->x[i]));
            json_array_append_new(ys, json_real(m->y[i]));
        }
        json_object_set_new(o, "version", json_integer(row.version));
        json_object_set_new(o, "samples", json_integer((json_int_t)n));
        json_object_set_new(o, "x", xs);
        json_object_set_new(o, "y", ys);
        json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(17));
        fputc('\n', stdout);
        json_decref(o);
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
    char line[256];
    size_t no = 0;
    while (fgets(line, sizeof line, stdin)) {
        no++;
        char *p = line, *end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\n' || *p == '\0')
            continue;
        errno = 0;
        double v = strtod(p, &end);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (end == p || *end || errno || !isfinite(v) || v < 0 || v > 1) {
            line[strcspn(line, "\r\n")] = '\0';
            argo_err_set(&c->err, ARGO_EDATA, "stdin:%zu: '%s' is not a confidence in [0, 1]", no,
                         line);
            argo_iso_model_free(m);
            return fail(c);
        }
        printf("%.17g\n", argo_iso_predict(m, v));
    }
    argo_iso_model_free(m);
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
    int rc = setup(c, true);
    if (rc)
        return rc;
    if (!*sub) {
        int fitted;
        if (argo_engine_calibrate(c->store, &c->cfg, &fitted, &c->err))
            return fail(c);
        printf("calibrate: %d model%s fitted\n", fitted, fitted == 1 ? "" : "s");
        return 0;
    }
    if (!strcmp(sub, "list")) {
        printf("%7s %-8s %-8s %8s %-20s %9s %9s %8s %8s\n", "version", "scope", "symbol", "samples",
               "trained_through", "brier_raw", "brier", "ece_raw", "ece");
        return argo_store_models_scan(c->store, list_model, c->store, &c->err) ? fail(c) : 0;
    }
    if (!strcmp(sub, "fit"))
        return calibrate_fit(c, csv, json);
    if (!strcmp(sub, "predict"))
        return calibrate_predict(c, version);
    argo_calib_report *r;
    if (argo_calib_report_compute(c->store, &c->cfg, fraction, folds, &r, &c->err))
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
    char d[16];
    if (argo_backup_day(c->store, day, bo, &r, &c->err))
        return fail(c);
    printf("backup %s: %zu signals, %zu outcomes, version %d%s\n",
           argo_time_format(day, d, sizeof d), r.signals, r.outcomes, r.version,
           r.unchanged ? " (unchanged)" : "");
    return 0;
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
    int rc = finish_opts(c, argc, argv, true);
    if (rc)
        return rc;
    bo.root = dir ? dir : c->cfg.archive_dir;
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
            size_t f;
            if (argo_backup_verify(c->store, bo.root, days[i], &f, &c->err))
                rc = fail(c);
            files += f;
        } else
            rc = backup_one(c, days[i], &bo);
    }
    free(days);
    if (!rc && verify)
        printf("backup verify: %zu day%s, %zu files: all match their manifests and the store\n", n,
               n == 1 ? "" : "s", files);
    return rc;
}

/* argo archive cat FILE.parquet: the rows as a JSON array of objects
 * (timestamps as ISO-8601 strings, nulls as null), or the schema. */
static int archive_cat(cli *c, const char *path, bool schema)
{
    argo_pq_file *f;
    if (argo_pq_open(path, &f, &c->err))
        return fail(c);
    size_t nc = argo_pq_num_columns(f);
    if (schema) {
        for (size_t k = 0; k < nc; k++)
            printf("%s %s%s\n", argo_pq_column(f, k)->name,
                   argo_pq_type_name(argo_pq_column(f, k)->type),
                   argo_pq_column(f, k)->optional ? " optional" : "");
        argo_pq_close(f);
        return 0;
    }
    argo_pq_values *v = calloc(nc ? nc : 1, sizeof *v);
    if (!v) {
        argo_pq_close(f);
        return 1;
    }
    printf("[");
    bool first = true;
    int rc = 0;
    for (size_t g = 0; g < argo_pq_num_row_groups(f) && !rc; g++) {
        for (size_t k = 0; k < nc && !rc; k++)
            if (argo_pq_read(f, g, k, &v[k], &c->err))
                rc = fail(c);
        for (size_t i = 0; !rc && i < (nc ? v[0].n : 0); i++) {
            json_t *row = json_object();
            for (size_t k = 0; k < nc; k++) {
                const argo_pq_values *x = &v[k];
                json_t *j;
                char t[48];
                if (!x->valid[i])
                    j = json_null();
                else if (x->type == ARGO_PQ_BOOLEAN)
                    j = json_boolean(x->b[i]);
                else if (x->type == ARGO_PQ_INT32)
                    j = json_integer(x->i32[i]);
                else if (x->type == ARGO_PQ_DOUBLE)
                    j = json_real(x->f64[i]);
                else if (x->type == ARGO_PQ_STRING || x->type == ARGO_PQ_BYTES)
                    j = json_stringn(x->str[i], x->len[i]);
                else if (x->type == ARGO_PQ_TIMESTAMP_MS || x->type == ARGO_PQ_TIMESTAMP_US) {
                    int64_t us = x->type == ARGO_PQ_TIMESTAMP_MS ? x->i64[i] * 1000 : x->i64[i];
                    int64_t sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
                    argo_time_format_full(sec, t, sizeof t);
                    snprintf(t + strlen(t) - 1, 16, ".%06lldZ", (long long)(us - sec * 1000000));
                    j = json_string(t);
                } else
                    j = json_integer(x->i64[i]);
                json_object_set_new(row, argo_pq_column(f, k)->name, j);
            }
            printf("%s\n", first ? "" : ",");
            json_dumpf(row, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
            json_decref(row);
            first = false;
        }
        for (size_t k = 0; k < nc; k++)
            argo_pq_values_cleanup(&v[k]);
    }
    printf("\n]\n");
    free(v);
    argo_pq_close(f);
    return rc;
}

/* The [lifecycle] policy of the config, validated. */
static int lifecycle_of(cli *c, argo_lifecycle *lc)
{
    argo_lifecycle_default(lc, c->cfg.lc_prefix);
    lc->expiration_days = c->cfg.lc_expiration_days;
    lc->object_size_greater_than = c->cfg.lc_object_size_greater_than;
    snprintf(lc->min_size_behaviour, sizeof lc->min_size_behaviour, "%s", c->cfg.lc_min_size);
    if (argo_lifecycle_parse_transitions(lc, c->cfg.lc_transitions, &c->err) ||
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
    if (!c->cfg.s3_bucket[0]) {
        argo_err_set(&c->err, ARGO_ECONFIG,
                     "no [s3] bucket in the config: S3 is not configured (docs/ARCHIVE.md)");
        return fail(c);
    }
    argo_s3_config sc;
    argo_s3_config_from(&sc, &c->cfg);
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
    (*days)[0] = day - ((day % 86400) + 86400) % 86400;
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
    /* tier folders are recorded in manifests: absolute, so cwd does not matter */
    static char abs[ARGO_TIER_CLASSES][ARGO_PATH_MAX];
    const char *dirs[ARGO_TIER_CLASSES] = {0};
    bool any = false;
    for (int k = 0; k < ARGO_TIER_CLASSES; k++) {
        if (!c->cfg.tier_dir[k][0])
            continue;
        if (argo_mkdirs(c->cfg.tier_dir[k], &c->err))
            return fail(c);
        if (!realpath(c->cfg.tier_dir[k], abs[k])) {
            argo_err_set(&c->err, ARGO_EIO, "[tiers] %s = %s: %s", argo_tier_classes[k],
                         c->cfg.tier_dir[k], strerror(errno));
            return fail(c);
        }
        dirs[k] = abs[k];
        any = true;
    }
    if (!any) {
        argo_err_set(&c->err, ARGO_ECONFIG,
                     "no [tiers] folders in the config: nothing to tier to (docs/ARCHIVE.md)");
        return fail(c);
    }
    size_t moved;
    if (argo_archive_tier(dir ? dir : c->cfg.archive_dir, &lc, dirs, now, dry, on_moved, &dry,
                          &moved, &c->err))
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
                                         COMMON_OPTS,
                                         {0}};
    int64_t day = INT64_MIN;
    bool all = false, remote = false, download = false, verbose = false;
    const char *dir = NULL;
    int o;
    argc--;
    argv++;
    while ((o = getopt_long(argc, argv, "d:ao:rgvh", opts, NULL)) != -1) {
        if (common_opt(c, o))
            continue;
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
                        "Uploads to the [s3] bucket every backup file not uploaded yet (all\n"
                        "days unless --date), checking each against its manifest first, and\n"
                        "records key, size, ETag and SHA-256 in the store. Idempotent.\n"
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
    int rc = finish_opts(c, argc, argv, true);
    if (rc)
        return rc;
    const char *root = dir ? dir : c->cfg.archive_dir;
    argo_s3 *s3;
    int64_t *days;
    size_t n;
    if ((rc = s3_of(c, &s3)))
        return rc;
    if ((rc = archive_days(c, root, day, &days, &n))) {
        argo_s3_close(s3);
        return rc;
    }
    if (push) {
        argo_push_stats ps;
        rc = argo_archive_push(c->store, s3, root, days, n, on_pushed, &verbose, &ps, &c->err);
        if (!rc)
            printf("archive push: %zu uploaded (%zu bytes), %zu already uploaded, to %s\n",
                   ps.uploaded, ps.bytes, ps.already, argo_s3_target(s3));
        else
            rc = fail(c);
    } else {
        size_t checked, bad;
        rc = argo_archive_verify_remote(c->store, s3, root, days, n, download, on_checked, c,
                                        &checked, &bad, &c->err);
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
    if (argo_backup_list(dir, &days, &n, &c->err) || n == 0) {
        free(n ? days : NULL);
        argo_err_set(&c->err, ARGO_ENOENT,
                     "no backups in %s to size the model: run argo backup, or give "
                     "--signals-per-day N",
                     dir);
        return fail(c);
    }
    double sum[ARGO_COST_KINDS_MAX] = {0}, msum = 0;
    for (size_t i = 0; i < n; i++) {
        int y, m, d;
        argo_time_civil(days[i], &y, &m, &d);
        char path[ARGO_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%04d/%02d/%02d/manifest.json", dir, y, m, d);
        json_t *man = json_load_file(path, 0, NULL);
        json_t *files = json_object_get(man, "files");
        for (size_t k = 0; k < json_array_size(files); k++) {
            json_t *f = json_array_get(files, k);
            const char *kind = json_string_value(json_object_get(f, "kind"));
            const char *fmt = json_string_value(json_object_get(f, "format"));
            double b = (double)json_integer_value(json_object_get(f, "bytes"));
            char name[32];
            snprintf(name, sizeof name, "%s.%s", kind ? kind : "?", fmt ? fmt : "?");
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
        json_decref(man);
    }
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
            if (*end || !(per_day > 0) || per_day > 1e9)
                return usage_error(c, "--signals-per-day '%s': expected a number > 0", optarg);
            break;
        case 'g':
            growth_pct = strtod(optarg, &end);
            if (*end || growth_pct < 0 || growth_pct > 1000)
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
    if (per_day == 0 && (rc = backup_sizes(c, dir ? dir : c->cfg.archive_dir, &in)))
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
    argo_prices p = {c->cfg.price_standard, c->cfg.price_standard_ia,   c->cfg.price_glacier_ir,
                     c->cfg.price_glacier,  c->cfg.price_deep,          c->cfg.price_put,
                     c->cfg.price_to_ia,    c->cfg.price_to_glacier_ir, c->cfg.price_to_glacier,
                     c->cfg.price_to_deep};
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
        json_dumpf(o2, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        fputc('\n', stdout);
        json_decref(o2);
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

static int cmd_archive(cli *c, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "cost"))
        return archive_cost(c, argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "lifecycle"))
        return archive_lifecycle(c, argc, argv);
    if (argc >= 2 && (!strcmp(argv[1], "push") || !strcmp(argv[1], "verify")))
        return archive_remote(c, argc, argv, !strcmp(argv[1], "push"));
    if (argc >= 2 && !strcmp(argv[1], "tier"))
        return archive_tier(c, argc, argv);
    if (argc >= 3 && !strcmp(argv[1], "cat")) {
        bool schema = argc >= 4 && !strcmp(argv[3], "--schema");
        if (argc > (schema ? 4 : 3))
            return usage_error(c, "%s", "usage: argo archive cat FILE.parquet [--schema]");
        return archive_cat(c, argv[2], schema);
    }
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
    if (argo_archive_query(dir ? dir : c->cfg.archive_dir, from, to, by_month, csv, &r, &c->err))
        return fail(c);
    if (json) {
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
        json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
        fputc('\n', stdout);
        json_decref(arr);
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
            argo_store_close(c.store);
            return rc;
        }
    fprintf(stderr, "argo: unknown command '%s' (see 'argo --help')\n", argv[1]);
    return 2;
}
