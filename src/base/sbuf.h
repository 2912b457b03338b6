/* SPDX-License-Identifier: MIT */
/*
 * base/sbuf.h - a bounded byte buffer that one "visit" function can
 * both write and read through, so a struct's save and load code cannot
 * drift apart. Values are stored in the host's byte order: blobs are a
 * cache of state that argo rebuilds when they do not fit, not an
 * interchange format.
 */
#ifndef ARGO_SBUF_H
#define ARGO_SBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct argo_sbuf {
    unsigned char *data; /* owned when writing; borrowed when reading */
    size_t len, cap, pos, max;
    bool reading;
    bool bad; /* set on overflow, short read or allocation failure */
} argo_sbuf;

/* A writer that grows up to max bytes. Free data with free(). */
void argo_sbuf_writer(argo_sbuf *b, size_t max);
/* A reader over len bytes at data (borrowed for the reader's life). */
void argo_sbuf_reader(argo_sbuf *b, const void *data, size_t len);

/* Writes or reads n bytes at p, per the buffer's direction. */
void argo_sbuf_bytes(argo_sbuf *b, void *p, size_t n);
#define argo_sbuf_val(b, ptr) argo_sbuf_bytes((b), (ptr), sizeof *(ptr))

/* True when a reader consumed exactly all its bytes without error. */
bool argo_sbuf_done(const argo_sbuf *b);

#endif
