/* SPDX-License-Identifier: MIT */
/*
 * domain/types.h - the domain records of argo: bars and signals, as in
 * docs/DESIGN.md. Plain structs; no behaviour lives here.
 */
#ifndef ARGO_TYPES_H
#define ARGO_TYPES_H

#include "base/limits.h"

#include <stdbool.h>
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

const char *argo_action_name(int action);
const char *argo_status_name(argo_status s);
const char *argo_exit_reason_name(argo_exit_reason r);
const char *argo_strategy_name(int strat);

#endif
