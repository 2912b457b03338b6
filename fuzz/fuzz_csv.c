/* SPDX-License-Identifier: MIT */
/* libFuzzer target: CSV reading (bar ingest, all-or-nothing and
 * --skip-invalid, and the calibration CSV) must give an error or data,
 * never a crash. Each input goes through a temporary file, as a user's
 * file would. */
#include "calibrate/report.h"
#include "app/engine.h"
#include "market/market.h"
#include "store/store.h"

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

static argo_store *st;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st) {
        if (argo_store_open(":memory:", NULL, &st, NULL))
            abort();
        snprintf(path, sizeof path, "/tmp/argo-fuzz-%ld.csv", (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    argo_ingest_report r;
    argo_engine_ingest_csv(st, path, "FZ", size % 2 == 0, &r, NULL);
    double *x, *y, *w;
    size_t n;
    if (argo_calib_csv_read(path, &x, &y, &w, &n, NULL) == 0) {
        free(x);
        free(y);
        free(w);
    }
    unlink(path);
    return 0;
}
