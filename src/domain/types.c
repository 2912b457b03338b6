/* SPDX-License-Identifier: MIT */
/* domain/types.c - names of the domain enums, as printed and stored. */
#include "domain/types.h"

#include <stdlib.h>

const char *argo_action_name(int action)
{
    return action == ARGO_BUY ? "BUY" : action == ARGO_SELL ? "SELL" : "NONE";
}

const char *argo_status_name(argo_status s)
{
    static const char *names[] = {"OPEN", "WIN", "LOSS", "EXPIRED"};
    return (unsigned)s < 4 ? names[s] : "?";
}

const char *argo_exit_reason_name(argo_exit_reason r)
{
    static const char *names[] = {"none", "target", "stop", "expiry"};
    return (unsigned)r < 4 ? names[r] : "?";
}

const char *argo_strategy_name(int strat)
{
    static const char *names[] = {"trend", "meanrev", "macd", "breakout"};
    return (unsigned)strat < ARGO_STRAT_COUNT ? names[strat] : "?";
}

void argo_model_row_cleanup(argo_model_row *m)
{
    if (m) {
        free(m->x);
        free(m->y);
        m->x = m->y = NULL;
        m->n = 0;
    }
}
