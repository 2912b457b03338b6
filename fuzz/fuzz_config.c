/* SPDX-License-Identifier: MIT */
/* libFuzzer target: config files (domain/config.c over inih) must load or
 * give one error, never crash, hang or allocate without bound. Each
 * input goes through a temporary file, as a user's file would. */
#include "domain/config.h"

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/argo-fuzz-%ld.conf", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    argo_config c;
    argo_config_init(&c);
    argo_err e;
    argo_config_load(&c, path, &e);
    unlink(path);
    return 0;
}
