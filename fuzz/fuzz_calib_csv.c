/* SPDX-License-Identifier: MIT */
/* libFuzzer target: calibration CSVs (calibrate/report.c's reader over
 * base/csvread) give data or one error; what is read is always valid
 * (confidences in [0, 1], labels 0/1, bounded weights) and fits. */
#include "calibrate/isotonic.h"
#include "calibrate/report.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

/* Each run allocates a reader of about 80 KB; ASan's default 256 MB
 * quarantine of freed blocks alone would pass the 256 MB RSS limit the
 * fuzz runs use, so it is kept small here (a real leak still grows). */
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=16";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/argo-fuzz-%ld-calib.csv", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    double *x, *y, *w;
    size_t n;
    if (argo_calib_csv_read(path, &x, &y, &w, &n, NULL) == 0) {
        for (size_t i = 0; i < n; i++)
            if (!(x[i] >= 0 && x[i] <= 1) || !(y[i] == 0 || y[i] == 1))
                abort();
        argo_iso_model *m = NULL;
        argo_iso_fit_stats fs;
        if (argo_iso_fit(x, y, w, n, &m, &fs, NULL) == 0) {
            if (!isfinite(fs.brier) || !isfinite(fs.ece))
                abort(); /* a stored model must never carry NaN metrics */
            argo_iso_model_free(m);
        }
        free(x);
        free(y);
        free(w);
    }
    unlink(path);
    return 0;
}
