/* SPDX-License-Identifier: MIT */
/*
 * domain/types.h - the domain records of argo: bars and signals, as in
 * docs/DESIGN.md. Plain structs; no behaviour lives here.
 */
#ifndef ARGO_TYPES_H
#define ARGO_TYPES_H

#include "base/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One OHLCV bar. ts is UTC seconds. */
typedef struct argo_bar {
    int64_t ts;
    double open, high, low, close, volume;
} argo_bar;

enum { ARGO_SELL = -1, ARGO_NONE = 0, ARGO_BUY = 1 };

/* The strategies that vote; the order is the order of argo_signal.votes. */
enum {
    ARGO_STRAT_TREND,
    ARGO_STRAT_MEANREV,
    ARGO_STRAT_MACD,
    ARGO_STRAT_BREAKOUT,
    ARGO_STRAT_COUNT
};

typedef struct argo_vote {
    int dir;         /* ARGO_BUY, ARGO_SELL or ARGO_NONE */
    double strength; /* in [0, 1]; 0 when dir is ARGO_NONE */
} argo_vote;

typedef enum argo_status {
    ARGO_OPEN = 0,
    ARGO_WIN = 1,
    ARGO_LOSS = 2,
    ARGO_EXPIRED = 3
} argo_status;

typedef enum argo_exit_reason {
    ARGO_EXIT_NONE = 0,
    ARGO_EXIT_TARGET = 1,
    ARGO_EXIT_STOP = 2,
    ARGO_EXIT_EXPIRY = 3
} argo_exit_reason;

typedef struct argo_signal {
    int64_t id; /* store row id; 0 before insertion */
    int64_t symbol_id;
    char symbol[ARGO_SYMBOL_MAX];
    int action;   /* ARGO_BUY or ARGO_SELL */
    int64_t ts;   /* the bar the signal was made on */
    double entry; /* that bar's close */
    double target, stop;
    double raw_confidence; /* consensus, in [0, 1] */
    double confidence;     /* calibrated; equals raw when no model */
    int64_t model_version; /* 0 = no calibration model */
    bool published;
    argo_vote votes[ARGO_STRAT_COUNT];
    int64_t expires_at;
    argo_status status;
    argo_exit_reason exit_reason;
    bool gap; /* exit at the open of a gapping bar */
    int64_t exit_ts;
    double exit_price;
    double pnl_pct;          /* net of fees and slippage */
    int bars_held;           /* bars scanned after ts, the exit bar included */
    double mfe_pct, mae_pct; /* excursions, non-negative, gross */
    int64_t scanned_to;      /* ts of the last bar scanned (ts itself at first) */
} argo_signal;

/* A calibration model (calibrate/): one versioned row per fit in the store. */
typedef struct argo_model_row {
    int64_t version;                /* set when stored */
    char scope[16];                 /* "global", "symbol" or "external" */
    int64_t symbol_id;              /* the symbol of a "symbol" model, else 0 */
    int64_t trained_through;        /* trained on outcomes with exit_ts < this */
    int64_t window_from, window_to; /* exit_ts range of the training outcomes */
    int64_t samples;                /* training samples */
    size_t n;                       /* fitted points */
    double *x, *y;                  /* owned; freed by argo_model_row_cleanup */
    double brier_raw, brier, log_loss_raw, log_loss, ece_raw, ece; /* in-sample */
    int64_t created_at;                                            /* wall clock, UTC seconds */
    int64_t base_version; /* a symbol model blended with this global one; 0: none */
    double base_weight;   /* the global model's weight in that blend */
} argo_model_row;

void argo_model_row_cleanup(argo_model_row *m);

/* A resolved signal as calibration sees it. */
typedef struct argo_outcome {
    int64_t symbol_id, exit_ts;
    double raw_confidence;
    argo_status status;
    double pnl_pct;
} argo_outcome;

/* One entry of the event log (docs/DESIGN.md: every published event has
 * a sequence number kept in the store): what the stream sends, kept so a
 * client that reconnects gets what it missed. The strings are borrowed
 * for the call that hands the record over. */
typedef struct argo_event {
    int64_t seq;         /* the log's number: > 0, increasing, no reuse */
    int64_t logged_at;   /* wall clock when logged, UTC milliseconds */
    const char *channel; /* "signals", "outcomes", "bars" or "health" */
    const char *symbol;  /* "" when none (health) */
    double confidence;   /* signals, outcomes: calibrated confidence; else 0 */
    bool published;      /* signals, outcomes: the signal is published; else true */
    const char *data;    /* the event's JSON object, compact (app/json.h) */
} argo_event;

const char *argo_action_name(int action);
const char *argo_status_name(argo_status s);
const char *argo_exit_reason_name(argo_exit_reason r);
const char *argo_strategy_name(int strat);
/* The strategy named name (argo_strategy_name's names), -1 for none. */
int argo_strategy_parse(const char *name);

#endif
