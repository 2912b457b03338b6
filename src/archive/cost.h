/* SPDX-License-Identifier: MIT */
/*
 * archive/cost.h - what keeping the archive for N years costs on S3,
 * month by month, all in Standard vs tiered by the lifecycle policy.
 * It counts what naive estimates leave out (S3 pricing page, "Storage
 * pricing" notes, and the S3 User Guide on lifecycle transitions):
 *   - objects under 128 KB are not transitioned at all under S3's
 *     default (all_storage_classes_128K, since September 2024), and with
 *     varies_by_storage_class only into GLACIER and DEEP_ARCHIVE;
 *   - Standard-IA bills at least 128 KB per object;
 *   - GLACIER and DEEP_ARCHIVE add 40 KB per object: 8 KB billed at the
 *     Standard rate (the index) and 32 KB at the class's rate;
 *   - minimum storage durations (IA 30, GLACIER_IR and GLACIER 90,
 *     DEEP_ARCHIVE 180 days): leaving a class earlier is billed as if
 *     the object had stayed;
 *   - PUT and lifecycle transition request fees.
 * Prices are inputs (config [prices]; the defaults are us-east-1 list
 * prices, which change: check them).
 */
#ifndef ARGO_COST_H
#define ARGO_COST_H

#include "archive/lifecycle.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct argo_prices {
    double standard, standard_ia, glacier_ir, glacier, deep_archive; /* $ per GB-month */
    double put_per_1000;                                             /* $ per 1,000 */
    double transition_ia_per_1000, transition_glacier_ir_per_1000, transition_glacier_per_1000,
        transition_deep_per_1000;
} argo_prices;

void argo_prices_default(argo_prices *p);

#define ARGO_COST_KINDS_MAX 8

typedef struct argo_cost_input {
    int years;
    double days_per_month; /* backups per month (trading days) */
    double growth;         /* yearly growth of the daily volume, e.g. 0.2 */
    bool bundle_month;     /* one object per kind per month instead of per day */
    size_t nkinds;
    struct {
        char name[32];
        double bytes; /* average size of one day's object of this kind */
    } kinds[ARGO_COST_KINDS_MAX];
    const argo_lifecycle *lc;
} argo_cost_input;

typedef struct argo_cost_month {
    double standard, tiered; /* this month, $ */
} argo_cost_month;

typedef struct argo_cost_result {
    argo_cost_month *months; /* years * 12, freed with free() */
    int nmonths;
    double total_standard, total_tiered;
    double objects;            /* stored at the end */
    double never_transitioned; /* objects too small to transition */
    double bytes_per_object;   /* average at the start */
} argo_cost_result;

/* Runs the model. ARGO_EINVAL for impossible inputs. */
int argo_cost_model(const argo_cost_input *in, const argo_prices *p, argo_cost_result *out,
                    argo_err *err);

#endif
