/* SPDX-License-Identifier: MIT */
/*
 * strategy/indicators.h - streaming technical indicators: each push is
 * O(1) work (amortized for the rolling window ones) and uses only the
 * values pushed so far, so nothing can look ahead.
 *
 * Written by hand because no Debian package offers streaming
 * indicators for C (TA-Lib is not packaged; R's TTR is batch and R).
 * The definitions follow TTR 0.24 exactly, and the unit tests compare
 * every indicator with values produced by TTR on the shipped series:
 *   SMA      runSum(x, n) / n
 *   EMA      seeded with the mean of the first n values, then
 *            k*x + (1-k)*prev, k = 2/(n+1), or 1/n for Wilder's
 *   RSI      Wilder EMAs of up and down moves, 100*up/(up+dn)
 *   ATR      Wilder EMA of the true range; the first bar has none
 *   MACD     EMA(fast) - EMA(slow); signal = EMA(macd, nSig)
 *   SD       rolling standard deviation, sample (n-1) or population (n)
 *   BBands   SMA(n) +/- k * population SD(n) (TTR's BBands uses sample=FALSE)
 *   Donchian max(high) and min(low) over the last n bars, current included
 * A push before the indicator is warm returns NAN.
 *
 * Windows keep their values in storage the caller provides (see
 * argo_ind_*_storage), so a symbol's whole state is one allocation.
 */
#ifndef ARGO_INDICATORS_H
#define ARGO_INDICATORS_H

#include "base/sbuf.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct argo_ring {
    int cap, len, head; /* head: where the next value goes */
    double *v;          /* cap values, borrowed */
} argo_ring;

typedef struct argo_sma {
    argo_ring r;
    double sum;
} argo_sma;

typedef struct argo_ema {
    int n, count;
    double k, value;
} argo_ema;

typedef struct argo_sd {
    argo_ring r;
    bool sample;
    double mean, m2;
} argo_sd;

typedef struct argo_rsi {
    bool has_prev;
    double prev;
    argo_ema up, dn;
} argo_rsi;

typedef struct argo_atr {
    bool has_prev;
    double prev_close, tr;
    argo_ema e;
} argo_atr;

typedef struct argo_macd {
    argo_ema fast, slow, sig;
    double macd, signal, hist;
} argo_macd;

typedef struct argo_bbands {
    argo_sma mid;
    argo_sd sd;
    double k, dn, mavg, up, pctb;
} argo_bbands;

typedef struct argo_deque {
    int cap, head, len;
    double *v, *seq; /* 2*cap values, borrowed */
} argo_deque;

typedef struct argo_donchian {
    int n;
    double seq;
    argo_deque hi, lo;
    double high, low;
} argo_donchian;

/* Doubles of storage each windowed indicator needs for window n. */
#define argo_ind_sma_storage(n) ((size_t)(n))
#define argo_ind_sd_storage(n) ((size_t)(n))
#define argo_ind_bbands_storage(n) (2 * (size_t)(n))
#define argo_ind_donchian_storage(n) (4 * (size_t)(n))

void argo_sma_init(argo_sma *s, int n, double *storage);
double argo_sma_push(argo_sma *s, double x);

void argo_ema_init(argo_ema *e, int n, bool wilder);
double argo_ema_push(argo_ema *e, double x);

void argo_sd_init(argo_sd *s, int n, bool sample, double *storage);
double argo_sd_push(argo_sd *s, double x);

void argo_rsi_init(argo_rsi *r, int n);
double argo_rsi_push(argo_rsi *r, double close);

void argo_atr_init(argo_atr *a, int n);
/* Returns the ATR; a->tr holds the bar's true range (NAN on the first). */
double argo_atr_push(argo_atr *a, double high, double low, double close);

void argo_macd_init(argo_macd *m, int fast, int slow, int sig);
/* Returns the MACD line; fills m->signal and m->hist (NAN until warm). */
double argo_macd_push(argo_macd *m, double x);

void argo_bbands_init(argo_bbands *b, int n, double k, double *storage);
/* Returns the middle band; fills dn, up and pctb. */
double argo_bbands_push(argo_bbands *b, double x);

void argo_donchian_init(argo_donchian *d, int n, double *storage);
/* Fills d->high and d->low (NAN until n bars were pushed). */
void argo_donchian_push(argo_donchian *d, double high, double low);

/* Save or load an indicator's state through one visit function; the
 * indicator must have been initialised with the same window first. */
void argo_sma_visit(argo_sma *s, argo_sbuf *b);
void argo_ema_visit(argo_ema *e, argo_sbuf *b);
void argo_sd_visit(argo_sd *s, argo_sbuf *b);
void argo_rsi_visit(argo_rsi *r, argo_sbuf *b);
void argo_atr_visit(argo_atr *a, argo_sbuf *b);
void argo_macd_visit(argo_macd *m, argo_sbuf *b);
void argo_bbands_visit(argo_bbands *bb, argo_sbuf *b);
void argo_donchian_visit(argo_donchian *d, argo_sbuf *b);

#endif
