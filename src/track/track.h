/* SPDX-License-Identifier: MIT */
/*
 * track/track.h - resolves one signal against the bars after it, with
 * exactly the rules of docs/DESIGN.md (BUY shown; SELL mirrors):
 *   open <= stop: LOSS at the open (gap); open >= target: WIN at the open
 *   else low <= stop and high >= target in one bar: LOSS at the stop
 *   else low <= stop: LOSS at the stop; high >= target: WIN at the target
 *   else a bar at or after expires_at: EXPIRED at its close.
 * pnl_pct is net: slippage moves the entry and exit prices against the
 * trade by slippage_bps each, then fee_bps is charged on each side.
 * MFE/MAE are the best and worst gross excursions in percent of entry
 * (non-negative); the exit bar counts only its open and the exit price,
 * since the path inside a bar is unknown.
 *
 * Pure functions over one signal: no storage, no I/O.
 */
#ifndef ARGO_TRACK_H
#define ARGO_TRACK_H

#include "domain/types.h"

#include <stdbool.h>

typedef struct argo_track_costs {
    double fee_bps;      /* per side */
    double slippage_bps; /* per side */
} argo_track_costs;

/* Applies one bar to an open signal. Bars at or before sig->scanned_to
 * are ignored, which makes tracking idempotent and incremental. Returns
 * true when this bar resolved the signal (status, exit fields and
 * pnl_pct are then set). */
bool argo_track_bar(argo_signal *sig, const argo_bar *bar, const argo_track_costs *costs);

/* Net P&L in percent of a trade in direction action (ARGO_BUY/SELL)
 * from entry to exit, with costs. */
double argo_track_pnl(int action, double entry, double exit, const argo_track_costs *costs);

/* The label of a resolved signal, for calibration and win rates alike
 * (docs/DESIGN.md): 1 when its net P&L is > 0, else 0, whatever the
 * exit reason; -1 for an open signal. */
int argo_track_label(const argo_signal *sig);

/* The same from a status and a net P&L. */
int argo_track_label_of(argo_status status, double pnl_pct);

/* The net P&L in percent of exiting sig exactly at its target: the
 * target move |target - entry| / entry less the round-trip cost (fees
 * and slippage on both sides, as argo_track_pnl charges them). */
double argo_track_target_pnl(const argo_signal *sig, const argo_track_costs *costs);

/* The edge rule of docs/STRATEGIES.md: true when sig's target move
 * beats the round-trip cost by more than min_edge_bps, that is when
 * argo_track_target_pnl is above min_edge_bps / 100 percent. A signal
 * without edge is not made (it is counted as suppressed). With
 * min_edge_bps >= 0, every target exit of a signal with edge has net
 * P&L > 0, since a target exit is at the target or, after a gap, beyond. */
bool argo_track_has_edge(const argo_signal *sig, const argo_track_costs *costs,
                         double min_edge_bps);

#endif
