/* SPDX-License-Identifier: MIT */
/*
 * domain/config.h - every knob of argo, with its documented default
 * (docs/CONFIG.md lists them all). The config file is INI, read with
 * inih; unknown keys and out-of-range values are errors, not warnings.
 */
#ifndef ARGO_CONFIG_H
#define ARGO_CONFIG_H

#include "base/err.h"
#include "base/limits.h"
#include "domain/types.h"

#include <stdint.h>

typedef struct argo_config {
    /* [store] */
    char db[ARGO_PATH_MAX]; /* "" = not set in the file */
    int busy_timeout_ms;    /* 5000 */
    int mmap_mb;            /* 1024: MiB of the store SQLite may memory-map */

    /* [indicators] */
    int atr_period;      /* 14, Wilder */
    int trend_fast;      /* 20, SMA */
    int trend_slow;      /* 50, SMA */
    int rsi_period;      /* 14, Wilder */
    double rsi_low;      /* 30 */
    double rsi_high;     /* 70 */
    int bb_period;       /* 20 */
    double bb_k;         /* 2 */
    int macd_fast;       /* 12 */
    int macd_slow;       /* 26 */
    int macd_signal;     /* 9 */
    int breakout_period; /* 20, Donchian */

    /* [consensus] */
    double weight[ARGO_STRAT_COUNT]; /* 1 each */
    double threshold;                /* 0.25: |weighted score| needed for an action */
    int min_agree;                   /* 2: strategies voting the action's way */

    /* [signal] */
    double target_atr;     /* 2.0 */
    double stop_atr;       /* 1.0 */
    int expiry_days;       /* 30 */
    double min_confidence; /* 0: publishing threshold on confidence */
    double min_edge_bps;   /* 10: a signal's target move must beat the round-trip cost by this */

    /* [calibrate] */
    int calibrate;           /* 1: calibrate confidences; 0: confidence = raw */
    int retrain_every;       /* 50: new resolved outcomes that trigger a refit */
    int symbol_min_outcomes; /* 100: resolved outcomes before a symbol uses its own model */
    double symbol_shrinkage; /* 300: k of the blend n/(n+k) symbol + k/(n+k) global; 0 = none */
    double global_shrinkage; /* 100: k of the blend n/(n+k) global + k/(n+k) base rate; 0 = none */
    int min_block_outcomes;  /* 20: outcomes an isotonic block needs; sparser ones are pooled */

    /* [archive] */
    char archive_dir[ARGO_PATH_MAX]; /* "backups" */

    /* [lifecycle] (string fields are ARGO_PATH_MAX: the loader's bound) */
    char lc_prefix[ARGO_PATH_MAX];      /* "backups/" */
    char lc_transitions[ARGO_PATH_MAX]; /* "STANDARD_IA:30,GLACIER:365,DEEP_ARCHIVE:2555" */
    int lc_expiration_days;             /* 0: never (compliance retention) */
    char lc_min_size[ARGO_PATH_MAX];    /* "all_storage_classes_128K" */
    int lc_object_size_greater_than;    /* 0: no explicit size filter */

    /* [s3] (s3/s3.h; empty bucket: no S3) */
    char s3_endpoint[512];                   /* "": https://s3.REGION.amazonaws.com */
    char s3_region[64];                      /* "us-east-1" */
    char s3_bucket[64];                      /* "" */
    int s3_path_style;                       /* 1 */
    char s3_prefix[256];                     /* "backups/" */
    char s3_storage_class[24];               /* "STANDARD" */
    int s3_multipart_threshold_mb;           /* 64 */
    int s3_part_size_mb;                     /* 16 */
    int s3_retries;                          /* 4 */
    int s3_retry_base_ms;                    /* 200 */
    int s3_retry_cap_ms;                     /* 20000 */
    int s3_timeout_s;                        /* 30 */
    int s3_concurrency;                      /* 8: uploads in flight at once, 1-64 */
    char s3_object_lock[16];                 /* "": off; COMPLIANCE or GOVERNANCE */
    int s3_retention_years;                  /* 7 */
    char s3_bundle[16];                      /* "none"; "month": one object per ended month */
    char s3_credentials_file[ARGO_PATH_MAX]; /* "": $AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials
                                              */
    char s3_profile[64];                     /* "default" */

    /* [tiers]: local tier folders for STANDARD_IA, GLACIER_IR, GLACIER,
     * DEEP_ARCHIVE ("" = that tier stays where it is) */
    char tier_dir[4][ARGO_PATH_MAX];

    /* [prices]: $ per GB-month and per 1,000 requests; us-east-1 list
     * prices by default (archive/cost.h) */
    double price_standard, price_standard_ia, price_glacier_ir, price_glacier, price_deep;
    double price_put, price_to_ia, price_to_glacier_ir, price_to_glacier, price_to_deep;

    /* [track] */
    double fee_bps;      /* 5 per side */
    double slippage_bps; /* 5 per side */

    /* [stats] */
    int periods_per_year; /* 252 */

    /* [serve] (argo serve; docs/CONFIG.md "Serve") */
    char serve_listen[64];              /* "127.0.0.1:8080" */
    char serve_tls_cert[ARGO_PATH_MAX]; /* "": plain HTTP; both or neither with tls_key */
    char serve_tls_key[ARGO_PATH_MAX];  /* "" */
    int serve_readers;                  /* 2: reader threads */
    int serve_queue_max;                /* 256: jobs queued per queue before 503 */
    int serve_connections_max;          /* 16000: sockets at once (under 20,000 open files) */
    int serve_idle_timeout_s;           /* 10: a request not complete by then is cut */
    double serve_rate_limit;            /* 50: requests per second per key */
    int serve_burst;                    /* 100: bucket size per key */
    int serve_metrics_public;           /* 0: /metrics needs a read key; 1: open */
    char serve_inbox[ARGO_PATH_MAX];    /* "": no inbox; else a folder of SYMBOL.csv */
    char serve_end_of_day[8];           /* "": no end-of-day backup; else HH:MM UTC */
    int serve_cycle_budget_ms;          /* 5000: the live cycle's time budget (health level 3) */
    int serve_stream_queue_max;         /* 4096: events queued for one stream client */
    int serve_heartbeat_s;              /* 30: stream ping interval */
    int serve_stream_clients_max;       /* 12000: stream clients at once */

    /* [provider] (market data: argo fetch, argo serve's live loop;
     * docs/PROVIDERS.md; provider/provider.h) */
    char pv_kind[16];         /* "": none; "alpaca" or "csv" */
    char pv_rest_url[1024];   /* "": the kind's default; csv: a template with {symbol} */
    char pv_stream_url[1024]; /* "": the kind's default (alpaca) */
    char pv_feed[16];         /* "iex" */
    char pv_adjustment[16];   /* "raw" */
    char pv_credentials_file[ARGO_PATH_MAX]; /* "": APCA_API_KEY_ID / APCA_API_SECRET_KEY only */
    char pv_symbols[ARGO_PATH_MAX];          /* "": the store's symbols; else "A,B,C" */
    char pv_symbols_file[ARGO_PATH_MAX];     /* "": none; else one symbol a line */
    char pv_bar_size[16];                    /* "1Day"; or NMin / NHour dividing a day */
    char pv_session_close[8];                /* "21:00": HH:MM UTC a daily bar closes */
    int pv_close_grace_s;                    /* 120 */
    char pv_history_start[16];               /* "": 10 years before today; else YYYY-MM-DD */
    int pv_overlap_bars;                     /* 1: stored bars fetched again to see revisions */
    int pv_batch_symbols;                    /* 0: the kind's default (alpaca 100, csv 1) */
    int pv_page_limit;                       /* 10000 */
    int pv_calls_per_cycle;                  /* 0: no limit */
    int pv_calls_per_day;                    /* 0: no limit */
    int pv_retries;                          /* 4 */
    int pv_retry_base_ms;                    /* 200 */
    int pv_retry_cap_ms;                     /* 20000 */
    int pv_timeout_s;                        /* 30 */
    int pv_retry_after_max_s;                /* 120 */
    int pv_stream; /* 1: argo serve uses the stream when the kind has one */
    int pv_poll_s; /* 300: argo serve polls this often without a stream */

    /* [health] (argo health, GET /health; docs/HEALTH.md) */
    int health_cycle_degraded_min;   /* 1560 (26 h): the last cycle older than this: degraded */
    int health_cycle_failing_min;    /* 4440 (74 h): failing; above degraded */
    double health_disk_degraded_pct; /* 10: free space under this: degraded */
    double health_disk_failing_pct;  /* 2: failing; below degraded */
} argo_config;

/* Fills cfg with the documented defaults. */
void argo_config_init(argo_config *cfg);

/* Reads an INI file over the values already in cfg. Returns 0;
 * ARGO_ENOENT when the file cannot be opened; ARGO_ECONFIG naming
 * file:line and the key for a syntax error, an unknown key or a bad
 * value. On failure cfg may be partly updated: callers discard it. */
int argo_config_load(argo_config *cfg, const char *path, argo_err *err);

/* Checks ranges and relations (fast < slow, ...). Returns 0 or
 * ARGO_ECONFIG with the offending key named. */
int argo_config_validate(const argo_config *cfg, argo_err *err);

/* "HH:MM" (00:00 to 24:00) as seconds after midnight; -1 when it is not one. */
int64_t argo_config_hhmm(const char *s);
/* A [provider] bar_size ("1Day", "30Min", "1Hour", ...) as seconds; -1
 * when it is not one or does not divide a day. */
int64_t argo_config_bar_seconds(const char *s);

/* A 64-bit fingerprint of the settings that shape strategy state:
 * persisted state made under another fingerprint is rebuilt. */
uint64_t argo_config_strategy_hash(const argo_config *cfg);

#endif
