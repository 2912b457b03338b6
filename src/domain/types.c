/* SPDX-License-Identifier: MIT */
/* domain/types.c - names of the domain enums, as printed and stored. */
#include "domain/types.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

const char *argo_action_name(int action)
{
    return action == ARGO_BUY ? "BUY" : action == ARGO_SELL ? "SELL" : "NONE";
}

const char *argo_status_name(argo_status s)
{
    static const char *const names[] = {"OPEN", "WIN", "LOSS", "EXPIRED"};
    static_assert(sizeof names / sizeof names[0] == ARGO_EXPIRED + 1, "a name per status");
    return (unsigned)s <= ARGO_EXPIRED ? names[s] : "?";
}

const char *argo_exit_reason_name(argo_exit_reason r)
{
    static const char *const names[] = {"none", "target", "stop", "expiry"};
    static_assert(sizeof names / sizeof names[0] == ARGO_EXIT_EXPIRY + 1, "a name per exit reason");
    return (unsigned)r <= ARGO_EXIT_EXPIRY ? names[r] : "?";
}

const char *argo_strategy_name(int strat)
{
    static const char *const names[] = {"trend", "meanrev", "macd", "breakout"};
    static_assert(sizeof names / sizeof names[0] == ARGO_STRAT_COUNT, "a name per strategy");
    return (unsigned)strat < ARGO_STRAT_COUNT ? names[strat] : "?";
}

int argo_strategy_parse(const char *name)
{
    for (int k = 0; k < ARGO_STRAT_COUNT; k++)
        if (!strcmp(name, argo_strategy_name(k)))
            return k;
    return -1;
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
