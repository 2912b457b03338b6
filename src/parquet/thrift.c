/* SPDX-License-Identifier: MIT */
/* parquet/thrift.c - see thrift.h. */
#include "parquet/thrift.h"

#include "base/grow.h"

#include <string.h>

void argo_tc_bytes(argo_tc_out *o, const void *p, size_t n)
{
    if (o->bad || n == 0) /* p may be NULL then (an empty buffer that failed to grow) */
        return;
    uint8_t *q = argo_grow(o->p, &o->cap, o->len + n, 1, 256);
    if (!q) {
        o->bad = true;
        return;
    }
    o->p = q;
    memcpy(o->p + o->len, p, n);
    o->len += n;
}

uint8_t *argo_tc_reserve(argo_tc_out *o, size_t n)
{
    if (o->bad)
        return NULL;
    uint8_t *q = argo_grow(o->p, &o->cap, o->len + n, 1, 256);
    if (!q) {
        o->bad = true;
        return NULL;
    }
    o->p = q;
    o->len += n;
    return q + o->len - n;
}

void argo_tc_varint(argo_tc_out *o, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = v & 0x7f;
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    argo_tc_bytes(o, b, n);
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

void argo_tc_field(argo_tc_out *o, int16_t id, int type)
{
    int16_t *last = &o->last[o->depth];
    int delta = id - *last;
    if (delta > 0 && delta <= 15) {
        uint8_t b = (uint8_t)(delta << 4 | type);
        argo_tc_bytes(o, &b, 1);
    } else {
        uint8_t b = (uint8_t)type;
        argo_tc_bytes(o, &b, 1);
        argo_tc_varint(o, zigzag(id));
    }
    *last = id;
}

void argo_tc_i32(argo_tc_out *o, int16_t id, int32_t v)
{
    argo_tc_field(o, id, TC_I32);
    argo_tc_varint(o, zigzag(v));
}

void argo_tc_i64(argo_tc_out *o, int16_t id, int64_t v)
{
    argo_tc_field(o, id, TC_I64);
    argo_tc_varint(o, zigzag(v));
}

void argo_tc_bool(argo_tc_out *o, int16_t id, bool v)
{
    argo_tc_field(o, id, v ? TC_TRUE : TC_FALSE);
}

void argo_tc_binary(argo_tc_out *o, int16_t id, const void *p, size_t n)
{
    argo_tc_field(o, id, TC_BINARY);
    argo_tc_varint(o, n);
    argo_tc_bytes(o, p, n);
}

void argo_tc_string(argo_tc_out *o, int16_t id, const char *s)
{
    argo_tc_binary(o, id, s, strlen(s));
}

void argo_tc_list(argo_tc_out *o, int16_t id, int elem_type, size_t n)
{
    argo_tc_field(o, id, TC_LIST);
    if (n < 15) {
        uint8_t b = (uint8_t)(n << 4 | (size_t)elem_type);
        argo_tc_bytes(o, &b, 1);
    } else {
        uint8_t b = (uint8_t)(0xf0 | elem_type);
        argo_tc_bytes(o, &b, 1);
        argo_tc_varint(o, n);
    }
}

void argo_tc_list_i32(argo_tc_out *o, int32_t v)
{
    argo_tc_varint(o, zigzag(v));
}

void argo_tc_list_string(argo_tc_out *o, const char *s)
{
    size_t n = strlen(s);
    argo_tc_varint(o, n);
    argo_tc_bytes(o, s, n);
}

void argo_tc_struct_begin(argo_tc_out *o, int16_t id)
{
    if (id >= 0)
        argo_tc_field(o, id, TC_STRUCT);
    if (o->depth + 1 >= ARGO_THRIFT_DEPTH_MAX) {
        o->bad = true;
        return;
    }
    o->last[++o->depth] = 0;
}

void argo_tc_struct_end(argo_tc_out *o)
{
    uint8_t stop = TC_STOP;
    argo_tc_bytes(o, &stop, 1);
    if (o->depth > 0)
        o->depth--;
}

/* ---- reading ---- */

void argo_tc_in_init(argo_tc_in *in, const void *p, size_t n)
{
    *in = (argo_tc_in){.p = p, .end = (const uint8_t *)p + n};
}

uint64_t argo_tc_read_varint(argo_tc_in *in)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (in->bad || in->p >= in->end) {
            in->bad = true;
            return 0;
        }
        uint8_t b = *in->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    in->bad = true;
    return 0;
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

void argo_tc_enter(argo_tc_in *in)
{
    if (in->depth + 1 >= ARGO_THRIFT_DEPTH_MAX) {
        in->bad = true;
        return;
    }
    in->last[++in->depth] = 0;
}

bool argo_tc_next(argo_tc_in *in, int16_t *id, int *type)
{
    if (in->bad || in->p >= in->end) {
        in->bad = true;
        return false;
    }
    uint8_t b = *in->p++;
    if (b == TC_STOP) {
        if (in->depth > 0)
            in->depth--;
        return false;
    }
    *type = b & 0x0f;
    int delta = b >> 4;
    int64_t fid = delta ? in->last[in->depth] + delta : unzigzag(argo_tc_read_varint(in));
    if (fid < -32768 || fid > 32767)
        in->bad = true;
    *id = (int16_t)fid;
    in->last[in->depth] = *id;
    return !in->bad;
}

int64_t argo_tc_read_int(argo_tc_in *in, int type)
{
    if (type == TC_BYTE) {
        if (in->p >= in->end) {
            in->bad = true;
            return 0;
        }
        return (int8_t)*in->p++;
    }
    if (type != TC_I16 && type != TC_I32 && type != TC_I64) {
        in->bad = true;
        return 0;
    }
    return unzigzag(argo_tc_read_varint(in));
}

bool argo_tc_read_bool(int type)
{
    return type == TC_TRUE;
}

const uint8_t *argo_tc_read_binary(argo_tc_in *in, size_t *n)
{
    uint64_t len = argo_tc_read_varint(in);
    if (in->bad || len > (uint64_t)(in->end - in->p)) {
        in->bad = true;
        *n = 0;
        return NULL;
    }
    const uint8_t *p = in->p;
    in->p += len;
    *n = (size_t)len;
    return p;
}

size_t argo_tc_read_list(argo_tc_in *in, int *elem_type)
{
    if (in->bad || in->p >= in->end) {
        in->bad = true;
        return 0;
    }
    uint8_t b = *in->p++;
    *elem_type = b & 0x0f;
    uint64_t n = b >> 4;
    if (n == 15)
        n = argo_tc_read_varint(in);
    /* every element takes at least one byte (bools in lists too) */
    if (in->bad || n > (uint64_t)(in->end - in->p)) {
        in->bad = true;
        return 0;
    }
    return (size_t)n;
}

/* One level deeper into a list or map: containers nest no deeper than
 * structs do (a list of lists of lists... would otherwise recurse once
 * per byte of the input). */
static bool nest(argo_tc_in *in)
{
    if (in->bad || in->depth + 1 >= ARGO_THRIFT_DEPTH_MAX) {
        in->bad = true;
        return false;
    }
    in->depth++;
    return true;
}

void argo_tc_skip(argo_tc_in *in, int type)
{
    if (in->bad)
        return;
    switch (type) {
    case TC_TRUE:
    case TC_FALSE:
        return;
    case TC_BYTE:
        argo_tc_read_int(in, TC_BYTE);
        return;
    case TC_I16:
    case TC_I32:
    case TC_I64:
        argo_tc_read_varint(in);
        return;
    case TC_DOUBLE:
        if (in->end - in->p < 8)
            in->bad = true;
        else
            in->p += 8;
        return;
    case TC_BINARY: {
        size_t n;
        argo_tc_read_binary(in, &n);
        return;
    }
    case TC_LIST:
    case TC_SET: {
        int et;
        size_t n = argo_tc_read_list(in, &et);
        if (!nest(in))
            return;
        for (size_t i = 0; i < n && !in->bad; i++) {
            if (et == TC_TRUE || et == TC_FALSE) { /* bools in lists are a byte each */
                argo_tc_read_int(in, TC_BYTE);
                continue;
            }
            argo_tc_skip(in, et);
        }
        in->depth--;
        return;
    }
    case TC_MAP: {
        uint64_t n = argo_tc_read_varint(in);
        if (n == 0)
            return;
        /* a key and a value take at least a byte each */
        if (in->p >= in->end || n > (uint64_t)(in->end - in->p) / 2) {
            in->bad = true;
            return;
        }
        uint8_t kv = *in->p++;
        if (!nest(in))
            return;
        for (uint64_t i = 0; i < n && !in->bad; i++) {
            argo_tc_skip(in, kv >> 4);
            argo_tc_skip(in, kv & 0x0f);
        }
        in->depth--;
        return;
    }
    case TC_STRUCT: {
        argo_tc_enter(in);
        int16_t id;
        int t;
        while (argo_tc_next(in, &id, &t))
            argo_tc_skip(in, t);
        return;
    }
    default:
        in->bad = true;
    }
}
