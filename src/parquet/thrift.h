/* SPDX-License-Identifier: MIT */
/*
 * parquet/thrift.h - the Thrift compact protocol, only as much as
 * Parquet's metadata needs (apache/thrift doc/specs/thrift-compact-
 * protocol.md): structs, fields, i16/i32/i64 (zigzag varints), binary,
 * lists, booleans; skipping any field a reader does not know.
 * Private to archive/.
 */
#ifndef ARGO_THRIFT_H
#define ARGO_THRIFT_H

#include "base/limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    TC_STOP = 0,
    TC_TRUE = 1,
    TC_FALSE = 2,
    TC_BYTE = 3,
    TC_I16 = 4,
    TC_I32 = 5,
    TC_I64 = 6,
    TC_DOUBLE = 7,
    TC_BINARY = 8,
    TC_LIST = 9,
    TC_SET = 10,
    TC_MAP = 11,
    TC_STRUCT = 12
};

/* Writer: appends to a growable buffer; `bad` on allocation failure. */
typedef struct argo_tc_out {
    uint8_t *p;
    size_t len, cap;
    bool bad;
    int16_t last[ARGO_THRIFT_DEPTH_MAX]; /* last field id per open struct */
    int depth;
} argo_tc_out;

void argo_tc_bytes(argo_tc_out *o, const void *p, size_t n);
/* Room for n more bytes: returns where to write them (and counts them
 * as written), or NULL (and `bad`) without memory. */
uint8_t *argo_tc_reserve(argo_tc_out *o, size_t n);
void argo_tc_varint(argo_tc_out *o, uint64_t v);
void argo_tc_field(argo_tc_out *o, int16_t id, int type);
void argo_tc_i32(argo_tc_out *o, int16_t id, int32_t v);
void argo_tc_i64(argo_tc_out *o, int16_t id, int64_t v);
void argo_tc_bool(argo_tc_out *o, int16_t id, bool v);
void argo_tc_binary(argo_tc_out *o, int16_t id, const void *p, size_t n);
void argo_tc_string(argo_tc_out *o, int16_t id, const char *s);
void argo_tc_list(argo_tc_out *o, int16_t id, int elem_type, size_t n); /* then the elements */
void argo_tc_list_i32(argo_tc_out *o, int32_t v);                       /* an element */
void argo_tc_list_string(argo_tc_out *o, const char *s);
void argo_tc_struct_begin(argo_tc_out *o, int16_t id); /* id < 0: a list element */
void argo_tc_struct_end(argo_tc_out *o);

/* Reader over a bounded buffer; `bad` once anything is malformed or out
 * of bounds (every later read then returns zeros). */
typedef struct argo_tc_in {
    const uint8_t *p, *end;
    bool bad;
    int16_t last[ARGO_THRIFT_DEPTH_MAX];
    int depth;
} argo_tc_in;

void argo_tc_in_init(argo_tc_in *in, const void *p, size_t n);
/* Next field of the current struct: its id and type; false at its end. */
bool argo_tc_next(argo_tc_in *in, int16_t *id, int *type);
int64_t argo_tc_read_int(argo_tc_in *in, int type);            /* i16/i32/i64/byte */
bool argo_tc_read_bool(int type);                              /* from the field type */
const uint8_t *argo_tc_read_binary(argo_tc_in *in, size_t *n); /* borrowed */
size_t argo_tc_read_list(argo_tc_in *in, int *elem_type);      /* header; then elements */
void argo_tc_enter(argo_tc_in *in);                            /* into a struct */
void argo_tc_skip(argo_tc_in *in, int type);                   /* any value */
uint64_t argo_tc_read_varint(argo_tc_in *in);

#endif
