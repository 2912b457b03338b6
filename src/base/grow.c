/* SPDX-License-Identifier: MIT */
/* base/grow.c - see grow.h. */
#include "base/grow.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

void *argo_grow(void *p, size_t *cap, size_t need, size_t size, size_t first)
{
    assert(cap);
    if (need <= *cap && p)
        return p;
    if (need > ARGO_GROW_MAX || size == 0 || need > SIZE_MAX / size)
        return NULL;
    size_t c = *cap > 0 ? *cap : (first ? first : 16);
    while (c < need)
        c = c > ARGO_GROW_MAX / 2 ? ARGO_GROW_MAX : c * 2;
    void *q = realloc(p, c * size);
    if (!q)
        return NULL;
    *cap = c;
    return q;
}
