/* SPDX-License-Identifier: MIT */
/*
 * base/grow.h - growing an array by doubling, with an overflow check
 * and a maximum (curl's dynbuf "toobig"): every growable array in argo
 * goes through here.
 */
#ifndef ARGO_GROW_H
#define ARGO_GROW_H

#include "base/limits.h"

#include <stddef.h>

/* Returns p, or p moved, with room for `need` elements of `size` bytes
 * (*cap is updated), doubling from `first`. Returns NULL when memory is
 * short or need exceeds ARGO_GROW_MAX; p and *cap are untouched then
 * and still owned by the caller. */
void *argo_grow(void *p, size_t *cap, size_t need, size_t size, size_t first);

#endif
