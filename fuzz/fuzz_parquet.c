/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes given to the Parquet reader must give an
 * error or values, never a crash or an out-of-bounds read. */
#include "parquet/parquet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees the end */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    argo_pq_file *f;
    if (argo_pq_open_buffer(copy, size, &f, NULL) == 0) {
        for (size_t g = 0; g < argo_pq_num_row_groups(f) && g < 64; g++)
            for (size_t c = 0; c < argo_pq_num_columns(f) && c < 64; c++) {
                argo_pq_stats s;
                argo_pq_column_stats(f, g, c, &s);
                argo_pq_values v;
                if (argo_pq_read(f, g, c, &v, NULL) == 0)
                    argo_pq_values_cleanup(&v);
            }
        argo_pq_close(f);
    }
    free(copy);
    return 0;
}
