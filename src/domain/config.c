/* SPDX-License-Identifier: MIT */
/*
 * domain/config.c - the config table: one row per key with its section,
 * type, field and range, so parsing, validation and docs agree.
 */
#include "domain/config.h"

#include "base/text.h"
#include "base/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { K_INT, K_DBL, K_STR };

typedef struct key_def {
    const char *section;
    const char *name;
    int type;
    size_t off;
    double min, max;
} key_def;

#define F(field) offsetof(argo_config, field)
static const key_def keys[] = {
    {"store", "url", K_STR, F(db), 0, 0},
    {"store", "db", K_STR, F(db), 0, 0}, /* url's older name: one of the two, not both */
    {"store", "busy_timeout_ms", K_INT, F(busy_timeout_ms), 0, 600000},
    {"store", "mmap_mb", K_INT, F(mmap_mb), 0, 65536},
    {"indicators", "atr_period", K_INT, F(atr_period), 1, ARGO_WINDOW_MAX},
    {"indicators", "trend_fast", K_INT, F(trend_fast), 1, ARGO_WINDOW_MAX},
    {"indicators", "trend_slow", K_INT, F(trend_slow), 2, ARGO_WINDOW_MAX},
    {"indicators", "rsi_period", K_INT, F(rsi_period), 1, ARGO_WINDOW_MAX},
    {"indicators", "rsi_low", K_DBL, F(rsi_low), 0, 100},
    {"indicators", "rsi_high", K_DBL, F(rsi_high), 0, 100},
    {"indicators", "bb_period", K_INT, F(bb_period), 2, ARGO_WINDOW_MAX},
    {"indicators", "bb_k", K_DBL, F(bb_k), 0.1, 10},
    {"indicators", "macd_fast", K_INT, F(macd_fast), 1, ARGO_WINDOW_MAX},
    {"indicators", "macd_slow", K_INT, F(macd_slow), 2, ARGO_WINDOW_MAX},
    {"indicators", "macd_signal", K_INT, F(macd_signal), 1, ARGO_WINDOW_MAX},
    {"indicators", "breakout_period", K_INT, F(breakout_period), 1, ARGO_WINDOW_MAX},
    {"consensus", "trend_weight", K_DBL, F(weight[ARGO_STRAT_TREND]), 0, 100},
    {"consensus", "meanrev_weight", K_DBL, F(weight[ARGO_STRAT_MEANREV]), 0, 100},
    {"consensus", "macd_weight", K_DBL, F(weight[ARGO_STRAT_MACD]), 0, 100},
    {"consensus", "breakout_weight", K_DBL, F(weight[ARGO_STRAT_BREAKOUT]), 0, 100},
    {"consensus", "threshold", K_DBL, F(threshold), 0.0, 1},
    {"consensus", "min_agree", K_INT, F(min_agree), 1, ARGO_STRAT_COUNT},
    {"signal", "target_atr", K_DBL, F(target_atr), 0.01, 100},
    {"signal", "stop_atr", K_DBL, F(stop_atr), 0.01, 100},
    {"signal", "expiry_days", K_INT, F(expiry_days), 1, ARGO_EXPIRY_DAYS_MAX},
    {"signal", "min_confidence", K_DBL, F(min_confidence), 0, 1},
    {"signal", "min_edge_bps", K_DBL, F(min_edge_bps), 0, 10000},
    {"calibrate", "enabled", K_INT, F(calibrate), 0, 1},
    {"calibrate", "retrain_every", K_INT, F(retrain_every), 1, 1000000},
    {"calibrate", "symbol_min_outcomes", K_INT, F(symbol_min_outcomes), 2, 1000000},
    {"calibrate", "symbol_shrinkage", K_DBL, F(symbol_shrinkage), 0, 1e9},
    {"calibrate", "global_shrinkage", K_DBL, F(global_shrinkage), 0, 1e9},
    {"calibrate", "min_block_outcomes", K_INT, F(min_block_outcomes), 1, 1000000},
    {"archive", "dir", K_STR, F(archive_dir), 0, 0},
    {"lifecycle", "prefix", K_STR, F(lc_prefix), 0, 0},
    {"lifecycle", "transitions", K_STR, F(lc_transitions), 0, 0},
    {"lifecycle", "expiration_days", K_INT, F(lc_expiration_days), 0, 100000},
    {"lifecycle", "min_size_behaviour", K_STR, F(lc_min_size), 0, 0},
    {"prices", "standard", K_DBL, F(price_standard), 0, 100},
    {"prices", "standard_ia", K_DBL, F(price_standard_ia), 0, 100},
    {"prices", "glacier_ir", K_DBL, F(price_glacier_ir), 0, 100},
    {"prices", "glacier", K_DBL, F(price_glacier), 0, 100},
    {"prices", "deep_archive", K_DBL, F(price_deep), 0, 100},
    {"prices", "put_per_1000", K_DBL, F(price_put), 0, 100},
    {"prices", "transition_ia_per_1000", K_DBL, F(price_to_ia), 0, 100},
    {"prices", "transition_glacier_ir_per_1000", K_DBL, F(price_to_glacier_ir), 0, 100},
    {"prices", "transition_glacier_per_1000", K_DBL, F(price_to_glacier), 0, 100},
    {"prices", "transition_deep_per_1000", K_DBL, F(price_to_deep), 0, 100},
    {"lifecycle", "object_size_greater_than", K_INT, F(lc_object_size_greater_than), 0, 2000000000},
    {"track", "fee_bps", K_DBL, F(fee_bps), 0, 1000},
    {"track", "slippage_bps", K_DBL, F(slippage_bps), 0, 1000},
    {"s3", "endpoint", K_STR, F(s3_endpoint), 0, sizeof(((argo_config *)0)->s3_endpoint)},
    {"s3", "region", K_STR, F(s3_region), 0, sizeof(((argo_config *)0)->s3_region)},
    {"s3", "bucket", K_STR, F(s3_bucket), 0, sizeof(((argo_config *)0)->s3_bucket)},
    {"s3", "path_style", K_INT, F(s3_path_style), 0, 1},
    {"s3", "prefix", K_STR, F(s3_prefix), 0, sizeof(((argo_config *)0)->s3_prefix)},
    {"s3", "storage_class", K_STR, F(s3_storage_class), 0,
     sizeof(((argo_config *)0)->s3_storage_class)},
    {"s3", "multipart_threshold_mb", K_INT, F(s3_multipart_threshold_mb), 5, 5000000},
    {"s3", "part_size_mb", K_INT, F(s3_part_size_mb), 5, 5120},
    {"s3", "retries", K_INT, F(s3_retries), 0, 20},
    {"s3", "retry_base_ms", K_INT, F(s3_retry_base_ms), 1, 60000},
    {"s3", "retry_cap_ms", K_INT, F(s3_retry_cap_ms), 1, 600000},
    {"s3", "timeout_s", K_INT, F(s3_timeout_s), 1, 3600},
    {"s3", "concurrency", K_INT, F(s3_concurrency), 1, ARGO_S3_CONCURRENCY_MAX},
    {"s3", "object_lock", K_STR, F(s3_object_lock), 0, sizeof(((argo_config *)0)->s3_object_lock)},
    {"s3", "bundle", K_STR, F(s3_bundle), 0, sizeof(((argo_config *)0)->s3_bundle)},
    {"s3", "retention_years", K_INT, F(s3_retention_years), 1, 100},
    {"s3", "credentials_file", K_STR, F(s3_credentials_file), 0, 0},
    {"s3", "profile", K_STR, F(s3_profile), 0, sizeof(((argo_config *)0)->s3_profile)},
    {"tiers", "standard_ia", K_STR, F(tier_dir[0]), 0, 0},
    {"tiers", "glacier_ir", K_STR, F(tier_dir[1]), 0, 0},
    {"tiers", "glacier", K_STR, F(tier_dir[2]), 0, 0},
    {"tiers", "deep_archive", K_STR, F(tier_dir[3]), 0, 0},
    {"stats", "periods_per_year", K_INT, F(periods_per_year), 1, 100000},
    {"serve", "listen", K_STR, F(serve_listen), 0, sizeof(((argo_config *)0)->serve_listen)},
    {"serve", "tls_cert", K_STR, F(serve_tls_cert), 0, 0},
    {"serve", "tls_key", K_STR, F(serve_tls_key), 0, 0},
    {"serve", "readers", K_INT, F(serve_readers), 1, ARGO_SERVE_READERS_MAX},
    {"serve", "queue_max", K_INT, F(serve_queue_max), 1, ARGO_SERVE_QUEUE_MAX},
    {"serve", "connections_max", K_INT, F(serve_connections_max), 16, ARGO_SERVE_CONNECTIONS_MAX},
    {"serve", "idle_timeout_s", K_INT, F(serve_idle_timeout_s), 1, 3600},
    {"serve", "rate_limit", K_DBL, F(serve_rate_limit), 0.001, 1e6},
    {"serve", "burst", K_INT, F(serve_burst), 1, 1000000},
    {"serve", "metrics_public", K_INT, F(serve_metrics_public), 0, 1},
    {"serve", "inbox", K_STR, F(serve_inbox), 0, 0},
    {"serve", "end_of_day", K_STR, F(serve_end_of_day), 0,
     sizeof(((argo_config *)0)->serve_end_of_day)},
    {"serve", "cycle_budget_ms", K_INT, F(serve_cycle_budget_ms), 1, 86400000},
    {"serve", "stream_queue_max", K_INT, F(serve_stream_queue_max), 1, 1000000},
    {"serve", "heartbeat_s", K_INT, F(serve_heartbeat_s), 1, 3600},
    {"serve", "stream_clients_max", K_INT, F(serve_stream_clients_max), 1,
     ARGO_SERVE_CONNECTIONS_MAX},
    {"provider", "kind", K_STR, F(pv_kind), 0, sizeof(((argo_config *)0)->pv_kind)},
    {"provider", "rest_url", K_STR, F(pv_rest_url), 0, sizeof(((argo_config *)0)->pv_rest_url)},
    {"provider", "stream_url", K_STR, F(pv_stream_url), 0,
     sizeof(((argo_config *)0)->pv_stream_url)},
    {"provider", "feed", K_STR, F(pv_feed), 0, sizeof(((argo_config *)0)->pv_feed)},
    {"provider", "adjustment", K_STR, F(pv_adjustment), 0,
     sizeof(((argo_config *)0)->pv_adjustment)},
    {"provider", "credentials_file", K_STR, F(pv_credentials_file), 0, 0},
    {"provider", "symbols", K_STR, F(pv_symbols), 0, 0},
    {"provider", "symbols_file", K_STR, F(pv_symbols_file), 0, 0},
    {"provider", "bar_size", K_STR, F(pv_bar_size), 0, sizeof(((argo_config *)0)->pv_bar_size)},
    {"provider", "session_close", K_STR, F(pv_session_close), 0,
     sizeof(((argo_config *)0)->pv_session_close)},
    {"provider", "close_grace_s", K_INT, F(pv_close_grace_s), 0, 3600},
    {"provider", "history_start", K_STR, F(pv_history_start), 0,
     sizeof(((argo_config *)0)->pv_history_start)},
    {"provider", "overlap_bars", K_INT, F(pv_overlap_bars), 0, 1000},
    {"provider", "batch_symbols", K_INT, F(pv_batch_symbols), 0, 10000},
    {"provider", "page_limit", K_INT, F(pv_page_limit), 1, 10000},
    {"provider", "calls_per_cycle", K_INT, F(pv_calls_per_cycle), 0, 100000000},
    {"provider", "calls_per_day", K_INT, F(pv_calls_per_day), 0, 100000000},
    {"provider", "retries", K_INT, F(pv_retries), 0, 20},
    {"provider", "retry_base_ms", K_INT, F(pv_retry_base_ms), 1, 600000},
    {"provider", "retry_cap_ms", K_INT, F(pv_retry_cap_ms), 1, 3600000},
    {"provider", "timeout_s", K_INT, F(pv_timeout_s), 1, 3600},
    {"provider", "retry_after_max_s", K_INT, F(pv_retry_after_max_s), 0, 86400},
    {"provider", "stream", K_INT, F(pv_stream), 0, 1},
    {"provider", "poll_s", K_INT, F(pv_poll_s), 1, 86400},
    {"health", "cycle_degraded_minutes", K_INT, F(health_cycle_degraded_min), 1, 5256000},
    {"health", "cycle_failing_minutes", K_INT, F(health_cycle_failing_min), 1, 5256000},
    {"health", "disk_degraded_pct", K_DBL, F(health_disk_degraded_pct), 0, 100},
    {"health", "disk_failing_pct", K_DBL, F(health_disk_failing_pct), 0, 100},
};
#undef F

void argo_config_init(argo_config *cfg)
{
    *cfg = (argo_config){
        .archive_dir = "backups",
        .lc_prefix = "backups/",
        .lc_transitions = "STANDARD_IA:30,GLACIER:365,DEEP_ARCHIVE:2555",
        .lc_min_size = "all_storage_classes_128K",
        .s3_region = "us-east-1",
        .s3_path_style = 1,
        .s3_prefix = "backups/",
        .s3_storage_class = "STANDARD",
        .s3_multipart_threshold_mb = 64,
        .s3_part_size_mb = 16,
        .s3_retries = 4,
        .s3_retry_base_ms = 200,
        .s3_retry_cap_ms = 20000,
        .s3_timeout_s = 30,
        .s3_concurrency = 8,
        .s3_retention_years = 7,
        .s3_bundle = "none",
        .s3_profile = "default",
        .price_standard = 0.023,
        .price_standard_ia = 0.0125,
        .price_glacier_ir = 0.004,
        .price_glacier = 0.0036,
        .price_deep = 0.00099,
        .price_put = 0.005,
        .price_to_ia = 0.01,
        .price_to_glacier_ir = 0.02,
        .price_to_glacier = 0.03,
        .price_to_deep = 0.05,
        .busy_timeout_ms = 5000,
        .mmap_mb = 1024,
        .atr_period = 14,
        .trend_fast = 20,
        .trend_slow = 50,
        .rsi_period = 14,
        .rsi_low = 30,
        .rsi_high = 70,
        .bb_period = 20,
        .bb_k = 2,
        .macd_fast = 12,
        .macd_slow = 26,
        .macd_signal = 9,
        .breakout_period = 20,
        .weight = {1, 1, 1, 1},
        .threshold = 0.25,
        .min_agree = 2,
        .target_atr = 2.0,
        .stop_atr = 1.0,
        .expiry_days = 30,
        .min_confidence = 0,
        .min_edge_bps = 10,
        .calibrate = 1,
        .retrain_every = 50,
        .symbol_min_outcomes = 100,
        .symbol_shrinkage = 300,
        .global_shrinkage = 100,
        .min_block_outcomes = 20,
        .fee_bps = 5,
        .slippage_bps = 5,
        .periods_per_year = 252,
        .health_cycle_degraded_min = 1560,
        .health_cycle_failing_min = 4440,
        .health_disk_degraded_pct = 10,
        .health_disk_failing_pct = 2,
        .serve_listen = "127.0.0.1:8080",
        .serve_readers = 2,
        .serve_queue_max = 256,
        .serve_connections_max = 16000,
        .serve_idle_timeout_s = 10,
        .serve_rate_limit = 50,
        .serve_burst = 100,
        .serve_cycle_budget_ms = 5000,
        .serve_stream_queue_max = 4096,
        .serve_heartbeat_s = 30,
        .serve_stream_clients_max = 12000,
        .pv_feed = "iex",
        .pv_adjustment = "raw",
        .pv_bar_size = "1Day",
        .pv_session_close = "21:00",
        .pv_close_grace_s = 120,
        .pv_overlap_bars = 1,
        .pv_page_limit = 10000,
        .pv_retries = 4,
        .pv_retry_base_ms = 200,
        .pv_retry_cap_ms = 20000,
        .pv_timeout_s = 30,
        .pv_retry_after_max_s = 120,
        .pv_stream = 1,
        .pv_poll_s = 300,
    };
}

#define NKEYS (sizeof keys / sizeof keys[0])

typedef struct load_ctx {
    argo_config *cfg;
    FILE *f;
    size_t line;                /* the line handed to inih last */
    size_t err_line;            /* where msg belongs; 0 = no error yet */
    char msg[ARGO_ERR_MSG_MAX]; /* the first error */
    size_t stop_line;           /* the reader stopped here (stop_msg says why) */
    char stop_msg[128];
    bool io_error;
    size_t set_at[NKEYS]; /* line where each key was set, 0 = not set */
} load_ctx;

static void quote(const char *s, char *out, size_t n)
{
    argo_text_quote(s, strlen(s), out, n);
}

static int set_key(argo_config *cfg, const key_def *k, const char *value, char *msg, size_t msglen)
{
    char *field = (char *)cfg + k->off;
    char q[ARGO_TEXT_QUOTE_MAX];
    quote(value, q, sizeof q);
    /* the store's URL may hold a password: its value is never echoed */
    if (!strcmp(k->section, "store") && k->type == K_STR)
        snprintf(q, sizeof q, "...");
    if (k->type == K_STR) {
        size_t n = strlen(value), cap = k->max > 0 ? (size_t)k->max : ARGO_PATH_MAX;
        if (n >= cap) {
            snprintf(msg, msglen, "[%s] %s: value too long (at most %zu bytes)", k->section,
                     k->name, cap - 1);
            return 0;
        }
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f) {
                snprintf(msg, msglen, "[%s] %s = '%s': a control character", k->section, k->name,
                         q);
                return 0;
            }
        if (value[0] == '"' || value[0] == '\'') {
            snprintf(msg, msglen, "[%s] %s = '%s': values are written without quotes", k->section,
                     k->name, q);
            return 0;
        }
        memcpy(field, value, n + 1);
        return 1;
    }
    if (k->type == K_INT) {
        long long v = 0;
        int rc = argo_text_integer(value, &v);
        if (rc || v < k->min || v > k->max) {
            snprintf(msg, msglen, "[%s] %s = '%s': expected a whole number in [%g, %g]", k->section,
                     k->name, q, k->min, k->max);
            return 0;
        }
        *(int *)field = (int)v;
        return 1;
    }
    double v = 0;
    int rc = argo_text_decimal(value, &v);
    if (rc || !isfinite(v) || v < k->min || v > k->max) {
        snprintf(msg, msglen, "[%s] %s = '%s': expected a decimal number in [%g, %g]", k->section,
                 k->name, q, k->min, k->max);
        return 0;
    }
    *(double *)field = v;
    return 1;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *ctx = user;
    if (ctx->err_line) /* inih goes on after an error; the first one is the one reported */
        return 0;
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name)) {
            if (ctx->set_at[i]) {
                snprintf(ctx->msg, sizeof ctx->msg, "[%s] %s is set twice (first on line %zu)",
                         section, name, ctx->set_at[i]);
                ctx->err_line = ctx->line;
                return 0;
            }
            for (size_t j = 0; j < NKEYS; j++) /* two names of one field: one of them only */
                if (j != i && keys[j].off == keys[i].off && ctx->set_at[j]) {
                    snprintf(ctx->msg, sizeof ctx->msg,
                             "[%s] %s and [%s] %s (line %zu) are two names of one setting: "
                             "keep one",
                             section, name, keys[j].section, keys[j].name, ctx->set_at[j]);
                    ctx->err_line = ctx->line;
                    return 0;
                }
            ctx->set_at[i] = ctx->line;
            if (!set_key(ctx->cfg, &keys[i], value, ctx->msg, sizeof ctx->msg)) {
                ctx->err_line = ctx->line;
                return 0;
            }
            return 1;
        }
    char qn[ARGO_TEXT_QUOTE_MAX], qs[ARGO_TEXT_QUOTE_MAX];
    quote(name, qn, sizeof qn);
    quote(section, qs, sizeof qs);
    snprintf(ctx->msg, sizeof ctx->msg, "unknown key '%s' in section [%s]", qn, qs);
    ctx->err_line = ctx->line;
    return 0;
}

static bool known_section(const char *name, size_t n)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strlen(keys[i].section) == n && !memcmp(keys[i].section, name, n))
            return true;
    return false;
}

static char *stop(load_ctx *ctx, const char *why)
{
    ctx->stop_line = ctx->line;
    snprintf(ctx->stop_msg, sizeof ctx->stop_msg, "%s", why);
    return NULL;
}

/* inih's reader (fgets' contract): hands inih one whole line at a time,
 * with leading blanks removed (so no line is a continuation line), and
 * stops at a line too long for inih's buffer, a NUL byte or a section
 * argo does not have, so that every error names its true line. */
static char *read_line(char *str, int num, void *stream)
{
    load_ctx *ctx = stream;
    size_t n = 0, raw = 0, cap = (size_t)num;
    bool blank = true;
    int c;
    if (ctx->stop_line || ctx->io_error)
        return NULL;
    ctx->line++;
    while ((c = getc(ctx->f)) != EOF) {
        if (ctx->line == 1 && raw == 0 && c == 0xEF) { /* a UTF-8 byte order mark */
            int c2 = getc(ctx->f), c3 = c2 == 0xBB ? getc(ctx->f) : EOF;
            if (c2 == 0xBB && c3 == 0xBF)
                continue;
            return stop(ctx, "bytes that are not text at the start of the file");
        }
        if (c == '\0')
            return stop(ctx, "a NUL byte: not a text file");
        if (c == '\r') {
            int c2 = getc(ctx->f);
            if (c2 == '\n')
                c = '\n';
            else if (c2 != EOF)
                ungetc(c2, ctx->f);
        }
        if (c == '\n') {
            str[n++] = '\n';
            break;
        }
        if (++raw > ARGO_CONFIG_LINE_MAX || n + 3 > cap)
            return stop(ctx, "the line is longer than " ARGO_STR(ARGO_CONFIG_LINE_MAX) " bytes");
        if (blank && (c == ' ' || c == '\t'))
            continue;
        blank = false;
        str[n++] = (char)c;
    }
    if (ferror(ctx->f)) {
        ctx->io_error = true;
        return NULL;
    }
    if (c == EOF && raw == 0) {
        ctx->line--;
        return NULL;
    }
    str[n] = '\0';
    if (str[0] == '[') {
        const char *close = strchr(str, ']');
        if (close && !known_section(str + 1, (size_t)(close - str - 1))) {
            char q[ARGO_TEXT_QUOTE_MAX], m[160];
            argo_text_quote(str + 1, (size_t)(close - str - 1), q, sizeof q);
            snprintf(m, sizeof m, "unknown section [%s]", q);
            return stop(ctx, m);
        }
    }
    return str;
}

int argo_config_load(argo_config *cfg, const char *path, argo_err *err)
{
    if (!*path)
        return argo_err_set(err, ARGO_ECONFIG, "config: the path is empty");
    /* O_NONBLOCK: a FIFO without a writer must not hang the open */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return argo_err_set(err, ARGO_ENOENT, "config %s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return argo_err_set(err, ARGO_ECONFIG, "config %s: %s", path,
                            S_ISDIR(sb.st_mode) ? "is a directory, not a file"
                                                : "is not a regular file");
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return argo_err_set(err, ARGO_ENOMEM, "config %s: out of memory", path);
    }
    load_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        fclose(f);
        return argo_err_set(err, ARGO_ENOMEM, "config %s: out of memory", path);
    }
    ctx->cfg = cfg;
    ctx->f = f;
    int line = ini_parse_stream(read_line, ctx, on_key, ctx);
    int io = ctx->io_error ? errno : 0;
    fclose(f);
    int rc = ARGO_OK;
    if (line < 0)
        rc = argo_err_set(err, ARGO_ENOMEM, "config %s: out of memory", path);
    else if (line > 0 && (size_t)line == ctx->err_line)
        rc = argo_err_set(err, ARGO_ECONFIG, "config %s:%d: %s", path, line, ctx->msg);
    else if (line > 0)
        rc = argo_err_set(err, ARGO_ECONFIG,
                          "config %s:%d: syntax error (expected [section] or key = value)", path,
                          line);
    else if (ctx->stop_line)
        rc = argo_err_set(err, ARGO_ECONFIG, "config %s:%zu: %s", path, ctx->stop_line,
                          ctx->stop_msg);
    else if (ctx->io_error)
        rc = argo_err_set(err, ARGO_EIO, "config %s:%zu: read error: %s", path, ctx->line,
                          strerror(io));
    free(ctx);
    if (rc)
        return rc;
    rc = argo_config_validate(cfg, err);
    if (rc)
        argo_err_prefix(err, "config %s: ", path);
    return rc;
}

int64_t argo_config_hhmm(const char *e)
{
    bool ok = strlen(e) == 5 && isdigit((unsigned char)e[0]) && isdigit((unsigned char)e[1]) &&
              e[2] == ':' && isdigit((unsigned char)e[3]) && isdigit((unsigned char)e[4]);
    int h = ok ? (e[0] - '0') * 10 + (e[1] - '0') : 0,
        m = ok ? (e[3] - '0') * 10 + (e[4] - '0') : 0;
    if (!ok || h > 24 || m > 59 || (h == 24 && m))
        return -1;
    return (int64_t)h * 3600 + m * 60;
}

int64_t argo_config_bar_seconds(const char *s)
{
    char *end = NULL;
    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno || n < 1 || n > 1440)
        return -1;
    int64_t unit = !strcmp(end, "Min")    ? 60
                   : !strcmp(end, "Hour") ? 3600
                   : !strcmp(end, "Day")  ? 86400
                                          : 0;
    int64_t sec = unit * n;
    if (!unit || sec > 86400 || 86400 % sec || (unit == 86400 && n != 1))
        return -1;
    return sec;
}

static int validate_provider(const argo_config *cfg, argo_err *err)
{
    const char *k = cfg->pv_kind;
    if (k[0] && strcmp(k, "alpaca") && strcmp(k, "csv"))
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] kind = '%s': expected alpaca, csv or empty (none)", k);
    if (!strcmp(k, "csv") && !strstr(cfg->pv_rest_url, "{symbol}"))
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] rest_url: kind csv needs a URL template with {symbol}");
    if (argo_config_bar_seconds(cfg->pv_bar_size) < 0)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] bar_size = '%s': expected 1Day, NHour or NMin dividing a "
                            "day (e.g. 30Min)",
                            cfg->pv_bar_size);
    int64_t close = argo_config_hhmm(cfg->pv_session_close);
    if (close < 60)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] session_close = '%s': expected HH:MM (UTC), 00:01 to 24:00",
                            cfg->pv_session_close);
    if (cfg->pv_history_start[0]) {
        int64_t t;
        if (strlen(cfg->pv_history_start) != 10 || argo_time_parse(cfg->pv_history_start, &t))
            return argo_err_set(err, ARGO_ECONFIG,
                                "[provider] history_start = '%s': expected YYYY-MM-DD",
                                cfg->pv_history_start);
    }
    if (cfg->pv_symbols[0] && cfg->pv_symbols_file[0])
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] symbols and symbols_file: set one of them, not both");
    if (cfg->pv_retry_base_ms > cfg->pv_retry_cap_ms)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[provider] retry_base_ms (%d) must not be above retry_cap_ms (%d)",
                            cfg->pv_retry_base_ms, cfg->pv_retry_cap_ms);
    return ARGO_OK;
}

int argo_config_validate(const argo_config *cfg, argo_err *err)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const key_def *k = &keys[i];
        const char *field = (const char *)cfg + k->off;
        double v = k->type == K_INT   ? *(const int *)field
                   : k->type == K_DBL ? *(const double *)field
                                      : k->min;
        if (!(v >= k->min && v <= k->max))
            return argo_err_set(err, ARGO_ECONFIG, "[%s] %s = %g is outside [%g, %g]", k->section,
                                k->name, v, k->min, k->max);
    }
    if (cfg->s3_object_lock[0] && strcmp(cfg->s3_object_lock, "COMPLIANCE") &&
        strcmp(cfg->s3_object_lock, "GOVERNANCE"))
        return argo_err_set(err, ARGO_ECONFIG,
                            "[s3] object_lock = '%s': expected COMPLIANCE, GOVERNANCE or empty",
                            cfg->s3_object_lock);
    if (strcmp(cfg->s3_bundle, "none") && strcmp(cfg->s3_bundle, "month"))
        return argo_err_set(err, ARGO_ECONFIG, "[s3] bundle = '%s': expected none or month",
                            cfg->s3_bundle);
    if (cfg->s3_part_size_mb > cfg->s3_multipart_threshold_mb)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[s3] part_size_mb %d is above multipart_threshold_mb %d",
                            cfg->s3_part_size_mb, cfg->s3_multipart_threshold_mb);
    if (cfg->trend_fast >= cfg->trend_slow)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[indicators] trend_fast (%d) must be below trend_slow (%d)",
                            cfg->trend_fast, cfg->trend_slow);
    if (cfg->macd_fast >= cfg->macd_slow)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[indicators] macd_fast (%d) must be below macd_slow (%d)",
                            cfg->macd_fast, cfg->macd_slow);
    if (cfg->rsi_low >= cfg->rsi_high)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[indicators] rsi_low (%g) must be below rsi_high (%g)", cfg->rsi_low,
                            cfg->rsi_high);
    if (!cfg->serve_tls_cert[0] != !cfg->serve_tls_key[0])
        return argo_err_set(err, ARGO_ECONFIG,
                            "[serve] tls_cert and tls_key: set both (TLS) or neither");
    if (!cfg->serve_listen[0])
        return argo_err_set(err, ARGO_ECONFIG, "[serve] listen is empty (expected ADDR:PORT)");
    if (cfg->serve_end_of_day[0] && argo_config_hhmm(cfg->serve_end_of_day) < 0)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[serve] end_of_day = '%s': expected HH:MM (UTC) or empty",
                            cfg->serve_end_of_day);
    int rc = validate_provider(cfg, err);
    if (rc)
        return rc;
    if (cfg->health_cycle_failing_min <= cfg->health_cycle_degraded_min)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[health] cycle_failing_minutes (%d) must be above "
                            "cycle_degraded_minutes (%d)",
                            cfg->health_cycle_failing_min, cfg->health_cycle_degraded_min);
    if (cfg->health_disk_failing_pct >= cfg->health_disk_degraded_pct)
        return argo_err_set(err, ARGO_ECONFIG,
                            "[health] disk_failing_pct (%g) must be below disk_degraded_pct (%g)",
                            cfg->health_disk_failing_pct, cfg->health_disk_degraded_pct);
    double wsum = 0;
    for (int i = 0; i < ARGO_STRAT_COUNT; i++)
        wsum += cfg->weight[i];
    if (wsum <= 0)
        return argo_err_set(err, ARGO_ECONFIG, "[consensus] all strategy weights are 0");
    return ARGO_OK;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t argo_config_strategy_hash(const argo_config *cfg)
{
    /* Only what shapes indicator state and the consensus edge. */
    uint64_t h = 1469598103934665603ull;
    int ints[] = {cfg->atr_period,      cfg->trend_fast, cfg->trend_slow, cfg->rsi_period,
                  cfg->bb_period,       cfg->macd_fast,  cfg->macd_slow,  cfg->macd_signal,
                  cfg->breakout_period, cfg->min_agree};
    double dbls[] = {cfg->rsi_low,   cfg->rsi_high,  cfg->bb_k,      cfg->threshold,
                     cfg->weight[0], cfg->weight[1], cfg->weight[2], cfg->weight[3]};
    h = fnv(h, ints, sizeof ints);
    return fnv(h, dbls, sizeof dbls);
}
