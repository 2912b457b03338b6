/* SPDX-License-Identifier: MIT */
/* archive/cost.c - see cost.h. */
#include "archive/cost.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GB (1024.0 * 1024.0 * 1024.0)
#define KB 1024.0
#define DAYS_PER_MONTH 30.4375

void argo_prices_default(argo_prices *p)
{
    /* us-east-1 list prices (first Standard tier), per GB-month and per
     * 1,000 requests */
    *p = (argo_prices){
        .standard = 0.023,
        .standard_ia = 0.0125,
        .glacier_ir = 0.004,
        .glacier = 0.0036,
        .deep_archive = 0.00099,
        .put_per_1000 = 0.005,
        .transition_ia_per_1000 = 0.01,
        .transition_glacier_ir_per_1000 = 0.02,
        .transition_glacier_per_1000 = 0.03,
        .transition_deep_per_1000 = 0.05,
    };
}

enum { C_STANDARD, C_IA, C_GIR, C_GLACIER, C_DEEP };

static int class_of(const char *name)
{
    if (!strcmp(name, "STANDARD_IA") || !strcmp(name, "ONEZONE_IA") ||
        !strcmp(name, "INTELLIGENT_TIERING"))
        return C_IA;
    if (!strcmp(name, "GLACIER_IR"))
        return C_GIR;
    if (!strcmp(name, "GLACIER"))
        return C_GLACIER;
    return C_DEEP;
}

static const int min_days[] = {0, 30, 90, 90, 180};

static double rate(const argo_prices *p, int c)
{
    const double r[] = {p->standard, p->standard_ia, p->glacier_ir, p->glacier, p->deep_archive};
    return r[c];
}

static double transition_fee(const argo_prices *p, int c)
{
    const double f[] = {0, p->transition_ia_per_1000, p->transition_glacier_ir_per_1000,
                        p->transition_glacier_per_1000, p->transition_deep_per_1000};
    return f[c] / 1000;
}

/* Monthly storage cost of one object of `bytes` in class c. */
static double storage(const argo_prices *p, int c, double bytes)
{
    switch (c) {
    case C_IA:
        return fmax(bytes, 128 * KB) / GB * p->standard_ia; /* 128 KB minimum */
    case C_GLACIER:
    case C_DEEP:
        /* 40 KB of metadata per object: 8 KB at Standard, 32 KB at the class's rate */
        return ((bytes + 32 * KB) * rate(p, c) + 8 * KB * p->standard) / GB;
    default:
        return bytes / GB * rate(p, c);
    }
}

/* The class an object of `bytes` is in at `age` days, and when it got
 * there (-1: never left Standard). */
static int class_at(const argo_lifecycle *lc, double bytes, double age, int *since)
{
    int c = C_STANDARD;
    *since = -1;
    bool small = bytes < 128 * KB &&
                 (lc->object_size_greater_than <= 0 || bytes <= lc->object_size_greater_than);
    bool varies = !strcmp(lc->min_size_behaviour, "varies_by_storage_class");
    if (lc->object_size_greater_than > 0 && bytes <= lc->object_size_greater_than)
        return c; /* the explicit filter excludes it */
    for (int i = 0; i < lc->n; i++) {
        int k = class_of(lc->t[i].storage_class);
        if (small && !(varies && (k == C_GLACIER || k == C_DEEP)))
            continue; /* S3 does not transition it there */
        if (age >= lc->t[i].days) {
            c = k;
            *since = lc->t[i].days;
        }
    }
    return c;
}

int argo_cost_model(const argo_cost_input *in, const argo_prices *p, argo_cost_result *out,
                    argo_err *err)
{
    assert(in && p && out && in->nkinds <= ARGO_COST_KINDS_MAX);
    memset(out, 0, sizeof *out);
    if (in->years < 1 || in->years > 100 || in->nkinds == 0 || in->nkinds > ARGO_COST_KINDS_MAX ||
        !(in->days_per_month > 0) || in->growth < 0 || !in->lc)
        return argo_err_set(err, ARGO_EINVAL,
                            "cost model: years 1-100, at least one object kind, days per month "
                            "> 0 and growth >= 0 are needed");
    int nm = in->years * 12;
    out->months = calloc((size_t)nm, sizeof *out->months);
    if (!out->months)
        return argo_err_set(err, ARGO_ENOMEM, "out of memory");
    out->nmonths = nm;
    double objs0 = 0, bytes0 = 0;
    for (size_t k = 0; k < in->nkinds; k++) {
        objs0 += 1;
        bytes0 += in->kinds[k].bytes;
    }
    out->bytes_per_object = bytes0 / objs0 * (in->bundle_month ? in->days_per_month : 1);
    /* a cohort: the objects of one kind written in month m */
    for (int m = 0; m < nm; m++) {
        double scale = pow(1 + in->growth, m / 12.0);
        for (size_t k = 0; k < in->nkinds; k++) {
            double count = in->bundle_month ? 1 : in->days_per_month;
            double bytes = in->kinds[k].bytes * scale * (in->bundle_month ? in->days_per_month : 1);
            double put = count * p->put_per_1000 / 1000;
            out->months[m].standard += put;
            out->months[m].tiered += put;
            int prev_class = C_STANDARD, prev_since = 0;
            for (int t = m; t < nm; t++) {
                /* age at the middle of month t of an object written mid-month m */
                double age = (t - m) * DAYS_PER_MONTH;
                int since;
                int c = class_at(in->lc, bytes, age, &since);
                out->months[t].standard += count * storage(p, C_STANDARD, bytes);
                out->months[t].tiered += count * storage(p, c, bytes);
                if (c != prev_class) {
                    out->months[t].tiered += count * transition_fee(p, c);
                    double stayed = since - prev_since;
                    if (stayed < min_days[prev_class]) /* billed as if it stayed */
                        out->months[t].tiered += count * storage(p, prev_class, bytes) *
                                                 (min_days[prev_class] - stayed) / DAYS_PER_MONTH;
                    prev_class = c;
                    prev_since = since;
                }
                if (t == nm - 1) {
                    out->objects += count;
                    if (c == C_STANDARD && bytes < 128 * KB)
                        out->never_transitioned += count;
                }
            }
        }
    }
    for (int m = 0; m < nm; m++) {
        out->total_standard += out->months[m].standard;
        out->total_tiered += out->months[m].tiered;
    }
    return ARGO_OK;
}
