/* SPDX-License-Identifier: MIT */
/* track/track.c - see track.h for the rules. */
#include "track/track.h"

#include <assert.h>
#include <math.h>

double argo_track_pnl(int action, double entry, double exit, const argo_track_costs *costs)
{
    assert(costs);
    double slip = costs->slippage_bps / 1e4;
    double fee = costs->fee_bps / 1e4;
    double in = entry * (1 + action * slip);
    double out = exit * (1 - action * slip);
    return 100 * (action * (out - in) / in - 2 * fee);
}

int argo_track_label_of(argo_status status, double pnl_pct)
{
    if (status != ARGO_WIN && status != ARGO_LOSS && status != ARGO_EXPIRED)
        return -1;
    return pnl_pct > 0; /* net P&L, whatever the exit reason */
}

double argo_track_target_pnl(const argo_signal *sig, const argo_track_costs *costs)
{
    assert(sig && costs);
    return argo_track_pnl(sig->action, sig->entry, sig->target, costs);
}

bool argo_track_has_edge(const argo_signal *sig, const argo_track_costs *costs, double min_edge_bps)
{
    double net = argo_track_target_pnl(sig, costs);
    return isfinite(net) && net * 100 > min_edge_bps;
}

int argo_track_label(const argo_signal *sig)
{
    assert(sig);
    return argo_track_label_of(sig->status, sig->pnl_pct);
}

static void excursion(argo_signal *s, double price)
{
    double e = 100 * s->action * (price - s->entry) / s->entry;
    if (e > s->mfe_pct)
        s->mfe_pct = e;
    if (-e > s->mae_pct)
        s->mae_pct = -e;
}

static bool resolve(argo_signal *s, const argo_bar *b, argo_status st, argo_exit_reason why,
                    double price, bool gap, const argo_track_costs *costs)
{
    excursion(s, b->open);
    excursion(s, price);
    s->status = st;
    s->exit_reason = why;
    s->gap = gap;
    s->exit_ts = b->ts;
    s->exit_price = price;
    s->pnl_pct = argo_track_pnl(s->action, s->entry, price, costs);
    return true;
}

bool argo_track_bar(argo_signal *s, const argo_bar *b, const argo_track_costs *costs)
{
    assert(s && b && costs);
    if (s->status != ARGO_OPEN || b->ts <= s->scanned_to)
        return false;
    s->scanned_to = b->ts;
    s->bars_held++;
    /* Map a SELL onto a BUY by flipping signs: "below" becomes "above". */
    const int d = s->action;
    const double open = d * b->open, stop = d * s->stop, target = d * s->target;
    const double worst = d > 0 ? b->low : -b->high; /* adverse extreme */
    const double best = d > 0 ? b->high : -b->low;  /* favourable extreme */
    if (open <= stop)
        return resolve(s, b, ARGO_LOSS, ARGO_EXIT_STOP, b->open, true, costs);
    if (open >= target)
        return resolve(s, b, ARGO_WIN, ARGO_EXIT_TARGET, b->open, true, costs);
    if (worst <= stop)
        return resolve(s, b, ARGO_LOSS, ARGO_EXIT_STOP, s->stop, false, costs);
    if (best >= target)
        return resolve(s, b, ARGO_WIN, ARGO_EXIT_TARGET, s->target, false, costs);
    if (b->ts >= s->expires_at) {
        excursion(s, b->high); /* the whole bar was seen without an exit */
        excursion(s, b->low);
        return resolve(s, b, ARGO_EXPIRED, ARGO_EXIT_EXPIRY, b->close, false, costs);
    }
    excursion(s, b->high);
    excursion(s, b->low);
    return false;
}
