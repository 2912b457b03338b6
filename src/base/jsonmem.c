/* SPDX-License-Identifier: MIT */
/* base/jsonmem.c - see jsonmem.h. */
#include "base/jsonmem.h"

#include <jansson.h>
#include <stdlib.h>

static _Thread_local unsigned long failures;

static void *counted_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        failures++;
    return p;
}

/* Before main, so that every jansson value is made by counted_malloc
 * (a value must be freed by the allocator family that made it). */
__attribute__((constructor)) static void jsonmem_install(void)
{
    json_set_alloc_funcs(counted_malloc, free);
}

unsigned long argo_json_failures(void)
{
    return failures;
}
