/* SPDX-License-Identifier: MIT */
/*
 * strategy/strategy.c - the votes, the consensus and the state blob.
 * One state is one allocation: the struct followed by the windows'
 * storage, so saving and loading is a visit over fixed fields.
 */
#include "strategy/strategy.h"

#include "strategy/indicators.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STATE_MAGIC 0x41524753u /* "ARGS" */
#define STATE_VERSION 1u

/* A decision's votes are copied into the signal whole, one per strategy
 * weight of the config. */
static_assert(sizeof((argo_decision *)0)->votes == sizeof((argo_signal *)0)->votes,
              "decision and signal carry the same votes");
static_assert(sizeof((argo_config *)0)->weight / sizeof(double) == ARGO_STRAT_COUNT,
              "one consensus weight per strategy");

/* What the consensus reads of the configuration. */
typedef struct consensus_cfg {
    double rsi_low, rsi_high, threshold, weight[ARGO_STRAT_COUNT];
    int min_agree;
} consensus_cfg;

struct argo_strategy_state {
    /* What the consensus reads of the configuration, copied (the state
     * outlives the caller's config; the whole config is 69 KB of paths,
     * which thousands of symbols' states would each carry). */
    consensus_cfg cfg;
    uint64_t cfg_hash;
    int64_t last_ts;
    int prev_action;
    argo_atr atr;
    argo_sma fast, slow;
    argo_rsi rsi;
    argo_bbands bb;
    argo_macd macd;
    argo_donchian dc;
    double prev_dc_high, prev_dc_low;
    double storage[];
};

static size_t storage_size(const argo_config *c)
{
    return argo_ind_sma_storage(c->trend_fast) + argo_ind_sma_storage(c->trend_slow) +
           argo_ind_bbands_storage(c->bb_period) + argo_ind_donchian_storage(c->breakout_period);
}

int argo_strategy_state_new(const argo_config *cfg, argo_strategy_state **out, argo_err *err)
{
    assert(cfg && out);
    size_t n = storage_size(cfg);
    argo_strategy_state *st = calloc(1, sizeof *st + n * sizeof(double));
    if (!st) {
        *out = NULL;
        return argo_err_set(err, ARGO_ENOMEM, "out of memory for strategy state");
    }
    st->cfg.rsi_low = cfg->rsi_low;
    st->cfg.rsi_high = cfg->rsi_high;
    st->cfg.threshold = cfg->threshold;
    memcpy(st->cfg.weight, cfg->weight, sizeof st->cfg.weight);
    st->cfg.min_agree = cfg->min_agree;
    st->cfg_hash = argo_config_strategy_hash(cfg);
    st->last_ts = INT64_MIN;
    st->prev_action = ARGO_NONE;
    double *p = st->storage;
    argo_atr_init(&st->atr, cfg->atr_period);
    argo_sma_init(&st->fast, cfg->trend_fast, p);
    p += argo_ind_sma_storage(cfg->trend_fast);
    argo_sma_init(&st->slow, cfg->trend_slow, p);
    p += argo_ind_sma_storage(cfg->trend_slow);
    argo_rsi_init(&st->rsi, cfg->rsi_period);
    argo_bbands_init(&st->bb, cfg->bb_period, cfg->bb_k, p);
    p += argo_ind_bbands_storage(cfg->bb_period);
    argo_macd_init(&st->macd, cfg->macd_fast, cfg->macd_slow, cfg->macd_signal);
    argo_donchian_init(&st->dc, cfg->breakout_period, p);
    st->prev_dc_high = st->prev_dc_low = NAN;
    *out = st;
    return ARGO_OK;
}

void argo_strategy_state_free(argo_strategy_state *st)
{
    free(st);
}

int64_t argo_strategy_state_last_ts(const argo_strategy_state *st)
{
    assert(st);
    return st->last_ts;
}

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

static argo_vote vote(double signed_strength)
{
    if (!(fabs(signed_strength) > 0))
        return (argo_vote){ARGO_NONE, 0};
    return (argo_vote){signed_strength > 0 ? ARGO_BUY : ARGO_SELL, clamp01(fabs(signed_strength))};
}

void argo_strategy_step(argo_strategy_state *st, const argo_bar *bar, argo_decision *out)
{
    assert(st && bar && out);
    const consensus_cfg *c = &st->cfg;
    double atr = argo_atr_push(&st->atr, bar->high, bar->low, bar->close);
    double fast = argo_sma_push(&st->fast, bar->close);
    double slow = argo_sma_push(&st->slow, bar->close);
    double rsi = argo_rsi_push(&st->rsi, bar->close);
    argo_bbands_push(&st->bb, bar->close);
    argo_macd_push(&st->macd, bar->close);
    double up = st->prev_dc_high, dn = st->prev_dc_low; /* channel before this bar */
    argo_donchian_push(&st->dc, bar->high, bar->low);
    st->prev_dc_high = st->dc.high;
    st->prev_dc_low = st->dc.low;
    st->last_ts = bar->ts;

    *out = (argo_decision){.ts = bar->ts, .action = ARGO_NONE, .atr = atr};
    bool warm = atr > 0 && !isnan(slow) && !isnan(rsi) && !isnan(st->bb.mavg) &&
                !isnan(st->macd.hist) && !isnan(up) && !isnan(dn);
    if (warm) {
        out->votes[ARGO_STRAT_TREND] = vote((fast - slow) / (2 * atr));

        double m = 0;
        if (rsi < c->rsi_low || rsi > c->rsi_high || st->bb.pctb < 0 || st->bb.pctb > 1)
            m = ((50 - rsi) / 50 + (0.5 - st->bb.pctb)) / 2;
        out->votes[ARGO_STRAT_MEANREV] = vote(m);

        out->votes[ARGO_STRAT_MACD] = vote(st->macd.hist / (0.5 * atr));

        double b = 0;
        if (bar->close > up)
            b = 0.5 + (bar->close - up) / atr;
        else if (bar->close < dn)
            b = -(0.5 + (dn - bar->close) / atr);
        out->votes[ARGO_STRAT_BREAKOUT] = vote(b);

        double num = 0, den = 0;
        int agree_buy = 0, agree_sell = 0;
        for (int i = 0; i < ARGO_STRAT_COUNT; i++) {
            num += c->weight[i] * out->votes[i].dir * out->votes[i].strength;
            den += c->weight[i];
            agree_buy += c->weight[i] > 0 && out->votes[i].dir == ARGO_BUY;
            agree_sell += c->weight[i] > 0 && out->votes[i].dir == ARGO_SELL;
        }
        out->score = num / den;
        if (out->score >= c->threshold && out->score > 0 && agree_buy >= c->min_agree)
            out->action = ARGO_BUY;
        else if (out->score <= -c->threshold && out->score < 0 && agree_sell >= c->min_agree)
            out->action = ARGO_SELL;
        out->raw_confidence = clamp01(fabs(out->score));
    }
    out->edge = out->action != ARGO_NONE && out->action != st->prev_action;
    st->prev_action = out->action;
}

void argo_strategy_signal(const argo_config *cfg, const argo_bar *bar, const argo_decision *d,
                          argo_signal *sig)
{
    assert(cfg && bar && d && sig);
    assert(d->action == ARGO_BUY || d->action == ARGO_SELL); /* a signal needs an action */
    memset(sig, 0, sizeof *sig);
    sig->action = d->action;
    sig->ts = bar->ts;
    sig->entry = bar->close;
    sig->target = bar->close + d->action * cfg->target_atr * d->atr;
    sig->stop = bar->close - d->action * cfg->stop_atr * d->atr;
    sig->raw_confidence = d->raw_confidence;
    sig->confidence = d->raw_confidence;
    sig->model_version = 0;
    sig->published = sig->confidence >= cfg->min_confidence;
    memcpy(sig->votes, d->votes, sizeof sig->votes);
    sig->expires_at = bar->ts + (int64_t)cfg->expiry_days * 86400;
    sig->status = ARGO_OPEN;
    sig->scanned_to = bar->ts;
}

static void state_visit(argo_strategy_state *st, argo_sbuf *b)
{
    argo_sbuf_val(b, &st->last_ts);
    argo_sbuf_val(b, &st->prev_action);
    argo_atr_visit(&st->atr, b);
    argo_sma_visit(&st->fast, b);
    argo_sma_visit(&st->slow, b);
    argo_rsi_visit(&st->rsi, b);
    argo_bbands_visit(&st->bb, b);
    argo_macd_visit(&st->macd, b);
    argo_donchian_visit(&st->dc, b);
    argo_sbuf_val(b, &st->prev_dc_high);
    argo_sbuf_val(b, &st->prev_dc_low);
}

int argo_strategy_state_save(argo_strategy_state *st, unsigned char **blob, size_t *len,
                             argo_err *err)
{
    assert(st && blob && len);
    argo_sbuf b;
    argo_sbuf_writer(&b, ARGO_STATE_BLOB_MAX);
    uint32_t magic = STATE_MAGIC, version = STATE_VERSION;
    argo_sbuf_val(&b, &magic);
    argo_sbuf_val(&b, &version);
    argo_sbuf_val(&b, &st->cfg_hash);
    state_visit(st, &b);
    if (b.bad) {
        free(b.data);
        *blob = NULL;
        return argo_err_set(err, ARGO_ENOMEM, "out of memory serializing strategy state");
    }
    *blob = b.data;
    *len = b.len;
    return ARGO_OK;
}

int argo_strategy_state_load(const argo_config *cfg, const void *blob, size_t len,
                             argo_strategy_state **out, argo_err *err)
{
    assert(cfg && (blob || !len) && out);
    *out = NULL;
    argo_sbuf b;
    argo_sbuf_reader(&b, blob, len);
    uint32_t magic = 0, version = 0;
    uint64_t hash = 0;
    argo_sbuf_val(&b, &magic);
    argo_sbuf_val(&b, &version);
    argo_sbuf_val(&b, &hash);
    if (b.bad || magic != STATE_MAGIC)
        return argo_err_set(err, ARGO_ECORRUPT, "strategy state blob is malformed");
    if (version != STATE_VERSION || hash != argo_config_strategy_hash(cfg))
        return argo_err_set(err, ARGO_EVERSION,
                            "strategy state was saved under another version or config");
    argo_strategy_state *st;
    int rc = argo_strategy_state_new(cfg, &st, err);
    if (rc)
        return rc;
    state_visit(st, &b);
    if (!argo_sbuf_done(&b)) {
        argo_strategy_state_free(st);
        return argo_err_set(err, ARGO_ECORRUPT, "strategy state blob is malformed");
    }
    *out = st;
    return ARGO_OK;
}
