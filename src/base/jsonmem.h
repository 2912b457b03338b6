/* SPDX-License-Identifier: MIT */
/*
 * base/jsonmem.h - jansson's allocations, counted. jansson drops most
 * allocation failures while building a document: json_object_set_new()
 * and json_array_append_new() with a NULL value return -1, which callers
 * seldom check, so a manifest or a model built under memory pressure
 * comes out with fields missing and nothing says so. argo gives jansson
 * an allocator that counts its failures; a builder reads the count
 * before and after and reports ARGO_ENOMEM when it moved.
 * This is not a JSON API: argo uses jansson's directly.
 */
#ifndef ARGO_JSONMEM_H
#define ARGO_JSONMEM_H

#include "base/err.h"

#include <jansson.h>
#include <stdio.h>

/* The number of jansson allocations that failed in this thread so far.
 * The allocator is installed before main, when this module is linked. */
unsigned long argo_json_failures(void);

/* Writes doc to f (json_dumps with flags, then a newline) when no
 * jansson allocation failed since the count was `before` (read it
 * before building doc); else writes nothing and returns ARGO_ENOMEM.
 * ARGO_EIO when f cannot be written. doc is borrowed. */
int argo_json_emit(const json_t *doc, FILE *f, size_t flags, unsigned long before, argo_err *err);

#endif
