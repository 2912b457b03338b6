/* SPDX-License-Identifier: MIT */
/* base/sbuf.c - see sbuf.h. */
#include "base/sbuf.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void argo_sbuf_writer(argo_sbuf *b, size_t max)
{
    assert(b && max > 0);
    *b = (argo_sbuf){.max = max};
}

void argo_sbuf_reader(argo_sbuf *b, const void *data, size_t len)
{
    assert(b && (data || len == 0));
    *b = (argo_sbuf){.data = (unsigned char *)data, .len = len, .reading = true};
}

void argo_sbuf_bytes(argo_sbuf *b, void *p, size_t n)
{
    assert(b && (p || n == 0));
    if (b->bad)
        return;
    if (b->reading) {
        if (n > b->len - b->pos) {
            b->bad = true;
            return;
        }
        memcpy(p, b->data + b->pos, n);
        b->pos += n;
        return;
    }
    if (n > b->max - b->len) {
        b->bad = true;
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        if (cap > b->max)
            cap = b->max;
        unsigned char *d = realloc(b->data, cap);
        if (!d) {
            b->bad = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

bool argo_sbuf_done(const argo_sbuf *b)
{
    return !b->bad && (!b->reading || b->pos == b->len);
}
