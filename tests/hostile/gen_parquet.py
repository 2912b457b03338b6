#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the hostile Parquet cases under tests/hostile/cases/parquet/.

Each file is built from scratch here (a Thrift compact encoder and the
page layouts of apache/parquet-format), valid or damaged on purpose, so
a case names exactly what it breaks. Run it from the repository root:
    /usr/bin/python3 tests/hostile/gen_parquet.py
It rewrites every NNN-*.case of the folder; the cases are committed.
"""
import base64
import os
import struct
import sys
import zlib

# ---- Thrift compact protocol ----
STOP, TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(13)


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zz(v):
    return (v << 1) ^ (v >> 63)


def enc_value(t, v):
    if t in (I16, I32, I64):
        return varint(zz(v) & 0xFFFFFFFFFFFFFFFF)
    if t == BYTE:
        return struct.pack("<b", v)
    if t == BINARY:
        v = v.encode() if isinstance(v, str) else v
        return varint(len(v)) + v
    if t == STRUCT:
        return enc_struct(v)
    if t == LIST:
        et, elems = v[0], v[1]
        n = v[2] if len(v) > 2 else len(elems)  # a lying count
        head = bytes([n << 4 | et]) if n < 15 else bytes([0xF0 | et]) + varint(n)
        body = b""
        for e in elems:
            body += bytes([1 if e else 2]) if et in (TRUE, FALSE) else enc_value(et, e)
        return head + body
    if t == DOUBLE:
        return struct.pack("<d", v)
    if t == "raw":
        return v
    raise ValueError(t)


def enc_struct(fields):
    """fields: [(id, type, value)]; type 'raw' appends bytes as they are."""
    out = bytearray()
    last = 0
    for fid, t, v in fields:
        if t == "raw":
            out += v
            continue
        ft = (TRUE if v else FALSE) if t == "bool" else t
        d = fid - last
        if 0 < d <= 15:
            out.append(d << 4 | ft)
        else:
            out.append(ft)
            out += varint(zz(fid))
        last = fid
        if t != "bool":
            out += enc_value(t, v)
    out.append(0)
    return bytes(out)


# ---- Parquet ----
T_BOOLEAN, T_INT32, T_INT64, T_INT96, T_FLOAT, T_DOUBLE, T_BYTE_ARRAY, T_FIXED = range(8)
PLAIN, PLAIN_DICT, RLE, BIT_PACKED, RLE_DICT = 0, 2, 3, 4, 8
P_DATA, P_INDEX, P_DICT, P_DATA_V2 = 0, 1, 2, 3


def rle_run(count, value, width):
    return varint(count << 1) + value.to_bytes((width + 7) // 8, "little")


def levels(vals):
    """Definition levels of an optional column (width 1), v1 layout: a
    4-byte length then bit-packed groups."""
    groups = (len(vals) + 7) // 8
    packed = bytearray(groups)
    for i, v in enumerate(vals):
        packed[i // 8] |= (v & 1) << (i % 8)
    body = varint(groups << 1 | 1) + bytes(packed)
    return struct.pack("<I", len(body)) + body


def plain(phys, vals):
    if phys == T_INT64:
        return b"".join(struct.pack("<q", v) for v in vals)
    if phys == T_INT32:
        return b"".join(struct.pack("<i", v) for v in vals)
    if phys == T_DOUBLE:
        return b"".join(struct.pack("<d", v) for v in vals)
    if phys == T_BYTE_ARRAY:
        out = b""
        for v in vals:
            v = v.encode() if isinstance(v, str) else v
            out += struct.pack("<I", len(v)) + v
        return out
    if phys == T_BOOLEAN:
        out = bytearray((len(vals) + 7) // 8)
        for i, v in enumerate(vals):
            out[i // 8] |= (1 if v else 0) << (i % 8)
        return bytes(out)
    raise ValueError(phys)


def snappy_literal(data):
    """A valid Snappy stream of one literal (no compression)."""
    n = len(data)
    if n == 0:
        return varint(0)
    if n <= 60:
        tag = bytes([(n - 1) << 2])
    elif n <= 256:
        tag = bytes([60 << 2, n - 1])
    else:
        tag = bytes([61 << 2]) + (n - 1).to_bytes(2, "little")
    return varint(n) + tag + data


def zstd_raw(data, claim=None):
    """A valid ZSTD frame of one raw block (data under 256 bytes)."""
    size = len(data) if claim is None else claim
    if size < 256:
        fhd, fcs = 0x20, bytes([size])  # single segment, 1-byte content size
    else:
        fhd, fcs = 0xA0, size.to_bytes(4, "little")  # single segment, 4-byte size
    bh = (len(data) << 3 | 0 << 1 | 1).to_bytes(3, "little")  # last, raw
    return b"\x28\xb5\x2f\xfd" + bytes([fhd]) + fcs + bh + data


def page(ptype, body, nvals, enc=PLAIN, usize=None, csize=None, crc=True, crc_value=None,
         def_enc=RLE, v2=None, extra=None, raw_body=None):
    """A page header and its body. body: the uncompressed body; raw_body:
    what is stored (compressed) when it differs."""
    stored = body if raw_body is None else raw_body
    f = [(1, I32, ptype), (2, I32, len(body) if usize is None else usize),
         (3, I32, len(stored) if csize is None else csize)]
    if crc:
        c = zlib.crc32(stored) if crc_value is None else crc_value
        f.append((4, I32, c - (1 << 32) if c >= 1 << 31 else c))
    if ptype == P_DATA:
        f.append((5, STRUCT, [(1, I32, nvals), (2, I32, enc), (3, I32, def_enc), (4, I32, RLE)]))
    elif ptype == P_DICT:
        f.append((7, STRUCT, [(1, I32, nvals), (2, I32, enc)]))
    elif ptype == P_DATA_V2:
        nulls, rows, dl, rl, comp = v2
        f.append((8, STRUCT, [(1, I32, nvals), (2, I32, nulls), (3, I32, rows), (4, I32, enc),
                              (5, I32, dl), (6, I32, rl), (7, "bool", comp)]))
    if extra:
        f += extra
    return enc_struct(f) + stored


class Col:
    def __init__(self, name, phys, pages, optional=False, converted=None, logical=None,
                 rep=None, codec=0, num_values=None, meta=None, chunk=None, uncompressed=None,
                 compressed=None, offset=None):
        self.name, self.phys, self.pages = name, phys, pages
        self.optional, self.converted, self.logical = optional, converted, logical
        self.rep = (1 if optional else 0) if rep is None else rep
        self.codec, self.num_values = codec, num_values
        self.meta, self.chunk = meta or [], chunk or []
        self.uncompressed, self.compressed, self.offset = uncompressed, compressed, offset


def schema_elem(c):
    f = [(1, I32, c.phys), (3, I32, c.rep), (4, BINARY, c.name)]
    if c.converted is not None:
        f.append((6, I32, c.converted))
    if c.logical is not None:
        f.append((10, STRUCT, c.logical))
    return f


TS_MS = [(8, STRUCT, [(1, "bool", True), (2, STRUCT, [(1, STRUCT, [])])])]
TS_US = [(8, STRUCT, [(1, "bool", True), (2, STRUCT, [(2, STRUCT, [])])])]
TS_NS = [(8, STRUCT, [(1, "bool", True), (2, STRUCT, [(3, STRUCT, [])])])]
STRING = [(1, STRUCT, [])]


def parquet(groups, rows=None, footer_extra=None, schema=None, footer_hook=None, flen=None,
            head=b"PAR1", tail=b"PAR1", group_rows=None):
    """groups: [[Col, ...]] (one list of columns per row group, the same
    names and types); rows: the rows of each group."""
    out = bytearray(head)
    rgs = []
    for gi, cols in enumerate(groups):
        chunks = []
        for c in cols:
            at = len(out)
            data = b"".join(c.pages)
            out += data
            n = rows[gi] if c.num_values is None else c.num_values
            meta = [(1, I32, c.phys), (2, LIST, (I32, [PLAIN, RLE, RLE_DICT])),
                    (3, LIST, (BINARY, [c.name])), (4, I32, c.codec), (5, I64, n),
                    (6, I64, len(data) if c.uncompressed is None else c.uncompressed),
                    (7, I64, len(data) if c.compressed is None else c.compressed),
                    (9, I64, at if c.offset is None else c.offset)] + c.meta
            chunks.append(c.chunk + [(2, I64, at), (3, STRUCT, meta)])
        gr = rows[gi] if group_rows is None else group_rows[gi]
        rgs.append([(1, LIST, (STRUCT, chunks)), (2, I64, 0), (3, I64, gr)])
    cols0 = groups[0] if groups else []
    if schema is None:
        schema = [[(4, BINARY, "schema"), (5, I32, len(cols0))]] + [schema_elem(c) for c in cols0]
    total = sum(rows) if rows else 0
    fm = [(1, I32, 1), (2, LIST, (STRUCT, schema)), (3, I64, total), (4, LIST, (STRUCT, rgs)),
          (6, BINARY, "gen_parquet")]
    if footer_hook:
        fm = footer_hook(fm)
    if footer_extra:
        fm += footer_extra
    foot = enc_struct(fm) if not isinstance(fm, bytes) else fm
    out += foot
    out += struct.pack("<I", len(foot) if flen is None else flen & 0xFFFFFFFF)
    out += tail
    return bytes(out)


def simple(vals=(1, 2, 3), **kw):
    """One required INT64 column 'id', PLAIN."""
    body = plain(T_INT64, vals)
    return parquet([[Col("id", T_INT64, [page(P_DATA, body, len(vals))], **kw)]], [len(vals)])


def outcomes_bomb():
    """An outcomes file of the four columns archive query reads, each a
    dictionary run claiming 2^28 values."""
    cols = []
    for name, phys, conv, logical, v in (("symbol", T_BYTE_ARRAY, 0, STRING, "A"),
                                         ("status", T_BYTE_ARRAY, 0, STRING, "WIN"),
                                         ("exit_ts", T_INT64, 9, TS_MS, 0),
                                         ("pnl_pct", T_DOUBLE, None, None, 1.0)):
        cols.append(Col(name, phys, [page(P_DICT, plain(phys, [v]), 1),
                                     page(P_DATA, bytes([1]) + rle_run(1 << 28, 0, 1), 1 << 28,
                                          enc=RLE_DICT)], converted=conv, logical=logical))
    return parquet([cols], [1 << 28])


def one(col_kw, pages, n, **kw):
    return parquet([[Col(pages=pages, **col_kw)]], [n], **kw)


# ---- the cases ----
CASES = []


def case(name, comment, data, exit=1, stderr="argo archive: bad.parquet:", has=(),
         out=(), args="", fname="bad.parquet", extra_files=(), fixture="empty", cmd=None,
         sh=()):
    CASES.append((name, comment, data, exit, stderr, has, out, args, fname, extra_files,
                  fixture, cmd, sh))


def build():
    i64 = dict(name="id", phys=T_INT64)
    s = dict(name="s", phys=T_BYTE_ARRAY, converted=0, logical=STRING)
    d = dict(name="px", phys=T_DOUBLE)
    # --- valid files: argo must print them, losing nothing ---
    case("valid-int64", "A valid one-column file prints its rows.", simple((7, -8, 9)), exit=0,
         out=['{"id":7}', '{"id":-8}'], fname="ok.parquet")
    nan = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000001))[0]
    case("valid-nan-double", "NaN is printed as the string \"NaN\", never dropped.",
         one(d, [page(P_DATA, plain(T_DOUBLE, [1.5, nan]), 2)], 2), exit=0,
         out=['{"px":1.5}', '{"px":"NaN"}'], fname="ok.parquet")
    case("valid-infinities", "Infinities are printed as \"Infinity\" and \"-Infinity\".",
         one(d, [page(P_DATA, plain(T_DOUBLE, [float("inf"), float("-inf")]), 2)], 2), exit=0,
         out=['{"px":"Infinity"}', '{"px":"-Infinity"}'], fname="ok.parquet")
    case("valid-optional-nulls", "Nulls of an optional column print as null.",
         one(dict(d, optional=True),
             [page(P_DATA, levels([1, 0, 1]) + plain(T_DOUBLE, [0.25, 2.0]), 3)], 3), exit=0,
         out=['{"px":null}', '{"px":2.0}'], fname="ok.parquet")
    case("valid-timestamp-ms", "A millisecond timestamp prints as ISO-8601.",
         one(dict(name="t", phys=T_INT64, converted=9, logical=TS_MS),
             [page(P_DATA, plain(T_INT64, [1700000000123]), 1)], 1), exit=0,
         out=['"2023-11-14T22:13:20.123000Z"'], fname="ok.parquet")
    case("valid-timestamp-us", "A microsecond timestamp prints as ISO-8601.",
         one(dict(name="t", phys=T_INT64, converted=10, logical=TS_US),
             [page(P_DATA, plain(T_INT64, [1700000000123456]), 1)], 1), exit=0,
         out=['"2023-11-14T22:13:20.123456Z"'], fname="ok.parquet")
    case("valid-timestamp-ns", "A nanosecond timestamp prints with nine digits.",
         one(dict(name="t", phys=T_INT64, logical=TS_NS),
             [page(P_DATA, plain(T_INT64, [1700000000123456789]), 1)], 1), exit=0,
         out=['"2023-11-14T22:13:20.123456789Z"'], fname="ok.parquet")
    case("valid-timestamp-ns-int64-max", "The largest nanosecond timestamp is 2262, in range.",
         one(dict(name="t", phys=T_INT64, logical=TS_NS),
             [page(P_DATA, plain(T_INT64, [(1 << 63) - 1]), 1)], 1), exit=0,
         out=['"2262-04-11T23:47:16.854775807Z"'], fname="ok.parquet")
    case("valid-timestamp-before-1970", "One millisecond before the epoch floors, not truncates.",
         one(dict(name="t", phys=T_INT64, converted=9, logical=TS_MS),
             [page(P_DATA, plain(T_INT64, [-1]), 1)], 1), exit=0,
         out=['"1969-12-31T23:59:59.999000Z"'], fname="ok.parquet")
    case("valid-timestamp-year-9999", "The last millisecond of year 9999 is in range.",
         one(dict(name="t", phys=T_INT64, converted=9, logical=TS_MS),
             [page(P_DATA, plain(T_INT64, [253402300799999]), 1)], 1), exit=0,
         out=['"9999-12-31T23:59:59.999000Z"'], fname="ok.parquet")
    case("valid-timestamp-year-0", "The first millisecond of year 0000 is in range.",
         one(dict(name="t", phys=T_INT64, converted=9, logical=TS_MS),
             [page(P_DATA, plain(T_INT64, [-62167219200000]), 1)], 1), exit=0,
         out=['"0000-01-01T00:00:00.000000Z"'], fname="ok.parquet")
    case("valid-db-option", "archive cat FILE --db X is accepted like on every command.",
         simple(), exit=0, out=['{"id":1}'], args="--db other.db", fname="ok.parquet")
    case("valid-config-option", "archive cat FILE --config C loads the config, as everywhere.",
         simple(), exit=0, out=['{"id":2}'], args="--config c.conf", fname="ok.parquet",
         extra_files=[("c.conf", "[store]\ndb = x.db\n")])
    case("valid-schema", "--schema prints each column and type.",
         parquet([[Col(pages=[page(P_DATA, plain(T_INT64, [1]), 1)], **i64),
                   Col(pages=[page(P_DATA, plain(T_BYTE_ARRAY, ["a"]), 1)], **s)]], [1]),
         exit=0, out=["id INT64", "s STRING"], args="--schema", fname="ok.parquet")
    case("valid-dictionary", "Dictionary-encoded strings print their values.",
         one(s, [page(P_DICT, plain(T_BYTE_ARRAY, ["AAA", "BBB"]), 2),
                 page(P_DATA, bytes([1]) + rle_run(2, 1, 1) + rle_run(1, 0, 1), 3,
                      enc=RLE_DICT)], 3), exit=0, out=['{"s":"BBB"}', '{"s":"AAA"}'],
         fname="ok.parquet")
    body = plain(T_INT64, [41, 42])
    case("valid-snappy", "A Snappy page inflates to the size its header claims.",
         one(dict(i64, codec=1), [page(P_DATA, body, 2, raw_body=snappy_literal(body))], 2),
         exit=0, out=['{"id":42}'], fname="ok.parquet")
    case("valid-zstd", "A ZSTD page inflates to the size its header claims.",
         one(dict(i64, codec=6), [page(P_DATA, body, 2, raw_body=zstd_raw(body))], 2), exit=0,
         out=['{"id":41}'], fname="ok.parquet")
    case("valid-page-v2", "A data page v2 with definition levels reads.",
         one(dict(d, optional=True),
             [page(P_DATA_V2, varint(1 << 1 | 1) + bytes([0b101]) + plain(T_DOUBLE, [1.0, 3.0]),
                   3, v2=(1, 3, 2, 0, False))], 3), exit=0,
         out=['{"px":null}', '{"px":3.0}'], fname="ok.parquet")
    case("valid-no-rows", "A file without row groups prints an empty array.",
         parquet([], [], schema=[[(4, BINARY, "schema"), (5, I32, 1)],
                                 [(1, I32, T_INT64), (3, I32, 0), (4, BINARY, "id")]]),
         exit=0, out=["]"], fname="ok.parquet")
    case("valid-nul-in-string", "A NUL inside a string is valid UTF-8 and printed escaped.",
         one(s, [page(P_DATA, plain(T_BYTE_ARRAY, [b"a\x00b"]), 1)], 1), exit=0,
         out=['"a\\u0000b"'], fname="ok.parquet")
    case("valid-multibyte-utf8", "Multibyte UTF-8 (2, 3 and 4 bytes) prints as text.",
         one(s, [page(P_DATA, plain(T_BYTE_ARRAY, ["é€😀"]), 1)], 1), exit=0,
         out=['"é€😀"'], fname="ok.parquet")
    case("valid-bytes-column", "A BYTE_ARRAY without a logical type prints when it is text.",
         one(dict(name="b", phys=T_BYTE_ARRAY), [page(P_DATA, plain(T_BYTE_ARRAY, ["xy"]), 1)],
             1), exit=0, out=['{"b":"xy"}'], fname="ok.parquet")
    case("valid-negative-zero", "-0.0 keeps its sign.",
         one(d, [page(P_DATA, plain(T_DOUBLE, [-0.0]), 1)], 1), exit=0, out=['{"px":-0.0}'],
         fname="ok.parquet")

    # --- the allocation bomb and its relatives ---
    case("rle-run-2-28-values",
         "issue 9: a 158-byte-class file whose dictionary run claims 2^28 values: refused\n"
         "# before anything is allocated, by the decode budget.",
         one(s, [page(P_DICT, plain(T_BYTE_ARRAY, ["A"]), 1),
                 page(P_DATA, bytes([1]) + rle_run(1 << 28, 0, 1), 1 << 28, enc=RLE_DICT)],
             1 << 28), has=["more than argo allows"])
    case("rows-2-40", "A row group claiming 2^40 rows is refused by the budget.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1 << 40), has=["row group 0"])
    case("huge-declared-uncompressed",
         "A chunk declaring 2^40 uncompressed bytes is refused before reading pages.",
         one(dict(i64, uncompressed=1 << 40), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["more than argo allows"])
    case("page-inflates-past-chunk",
         "A page header claims more bytes than its chunk declares (a bomb's claim).",
         one(dict(i64, codec=6, uncompressed=40),
             [page(P_DATA, plain(T_INT64, [1]), 1, usize=1 << 20,
                   raw_body=zstd_raw(plain(T_INT64, [1]), claim=1 << 20))], 1),
         has=["page 1", "declares"])
    case("page-usize-over-int32", "A page size above 2^31-1 is a malformed header.",
         one(i64, [enc_struct([(1, I32, P_DATA), (2, I64, 1 << 33), (3, I32, 8),
                               (5, STRUCT, [(1, I32, 1), (2, I32, 0)])]) +
                   plain(T_INT64, [1])], 1), has=["malformed page header"])
    case("zstd-bomb-claim", "A ZSTD frame inflating past the page header's size is corrupt.",
         one(dict(i64, codec=6, uncompressed=1 << 16),
             [page(P_DATA, plain(T_INT64, [1]), 1, usize=8,
                   raw_body=zstd_raw(bytes(200)))], 1), has=["ZSTD"])
    case("snappy-length-lies", "A Snappy stream inflating to another size than the header says.",
         one(dict(i64, codec=1, uncompressed=1000),
             [page(P_DATA, plain(T_INT64, [1]), 1, usize=16,
                   raw_body=snappy_literal(plain(T_INT64, [1])))], 1), has=["Snappy"])
    case("snappy-corrupt", "Snappy bytes that are not a Snappy stream.",
         one(dict(i64, codec=1), [page(P_DATA, plain(T_INT64, [1]), 1,
                                       raw_body=b"\x08\xff\xff\xff\xff\xff\xff\xff")], 1),
         has=["Snappy"])
    case("zstd-corrupt", "ZSTD bytes that are not a ZSTD frame.",
         one(dict(i64, codec=6), [page(P_DATA, plain(T_INT64, [1]), 1,
                                       raw_body=b"\x28\xb5\x2f\xfd\xff\xff\xff\xff")], 1),
         has=["ZSTD"])
    case("codec-gzip", "GZIP (codec 2) is not read: a clear error naming the codec.",
         one(dict(i64, codec=2), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["unsupported codec 2"])
    case("codec-unknown", "Codec 99 does not exist.",
         one(dict(i64, codec=99), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["unsupported codec 99"])
    case("dictionary-huge-count", "A dictionary page claims 2^30 entries in 4 bytes.",
         one(s, [page(P_DICT, plain(T_BYTE_ARRAY, [""]), 1 << 30),
                 page(P_DATA, bytes([1]) + rle_run(1, 0, 1), 1, enc=RLE_DICT)], 1),
         has=["dictionary of 1073741824 entries"])
    case("dictionary-negative-count", "A dictionary page with -5 entries.",
         one(s, [page(P_DICT, plain(T_BYTE_ARRAY, ["a"]), -5),
                 page(P_DATA, bytes([1]) + rle_run(1, 0, 1), 1, enc=RLE_DICT)], 1),
         has=["-5 entries"])
    case("page-negative-values", "A data page with -1 values.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), -1)], 1), has=["-1 values"])
    case("page-more-values-than-chunk", "A page claims more values than the chunk has left.",
         one(i64, [page(P_DATA, plain(T_INT64, [1, 2]), 2)], 1), has=["more than the 1"])
    case("zero-size-page-claims-values", "An empty page claims five values.",
         one(i64, [page(P_DATA, b"", 5)], 5), has=["PLAIN values run past the page"])
    case("chunk-ends-early", "The chunk's pages hold 1 of 3 values.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 3), has=["after 1 of its 3 values"])
    case("plain-int64-short", "A PLAIN INT64 page one byte short.",
         one(i64, [page(P_DATA, plain(T_INT64, [1, 2])[:-1], 2)], 2),
         has=["PLAIN values run past the page"])
    case("string-length-past-page", "A string's length runs past its page.",
         one(s, [page(P_DATA, struct.pack("<I", 1000) + b"abc", 1)], 1),
         has=["a string runs past the page"])
    case("string-length-cut", "A page ends inside a string's 4-byte length.",
         one(s, [page(P_DATA, b"\x01\x00", 1)], 1), has=["string length runs past"])

    # --- dictionary and levels ---
    case("dict-index-out-of-range", "A dictionary index past the dictionary's end.",
         one(s, [page(P_DICT, plain(T_BYTE_ARRAY, ["A"]), 1),
                 page(P_DATA, bytes([2]) + rle_run(1, 3, 2), 1, enc=RLE_DICT)], 1),
         has=["dictionary index 3 out of range"])
    case("dict-bit-width-40", "A dictionary index bit width of 40.",
         one(s, [page(P_DICT, plain(T_BYTE_ARRAY, ["A"]), 1),
                 page(P_DATA, bytes([40]) + rle_run(1, 0, 40), 1, enc=RLE_DICT)], 1),
         has=["bit width 40"])
    case("dict-bit-width-255", "A dictionary index bit width of 255.",
         one(s, [page(P_DICT, plain(T_BYTE_ARRAY, ["A"]), 1),
                 page(P_DATA, bytes([255]) + b"\x02\x00", 1, enc=RLE_DICT)], 1),
         has=["bit width 255"])
    case("dict-missing", "Dictionary-encoded values without a dictionary page.",
         one(s, [page(P_DATA, bytes([1]) + rle_run(1, 0, 1), 1, enc=RLE_DICT)], 1),
         has=["without a dictionary"])
    case("dict-twice", "Two dictionary pages in one chunk.",
         one(s, [page(P_DICT, plain(T_BYTE_ARRAY, ["A"]), 1),
                 page(P_DICT, plain(T_BYTE_ARRAY, ["B"]), 1),
                 page(P_DATA, bytes([1]) + rle_run(1, 0, 1), 1, enc=RLE_DICT)], 1),
         has=["second dictionary page"])
    case("dict-after-data", "A dictionary page after a data page.",
         one(s, [page(P_DATA, plain(T_BYTE_ARRAY, ["x"]), 1),
                 page(P_DICT, plain(T_BYTE_ARRAY, ["A"]), 1),
                 page(P_DATA, bytes([1]) + rle_run(1, 0, 1), 1, enc=RLE_DICT)], 2),
         has=["dictionary page after data pages"])
    case("dict-zero-length-run", "A dictionary index run of zero values (would never end).",
         one(s, [page(P_DICT, plain(T_BYTE_ARRAY, ["A"]), 1),
                 page(P_DATA, bytes([1]) + rle_run(0, 0, 1), 1, enc=RLE_DICT)], 1),
         has=["malformed dictionary indices"])
    case("def-level-above-1", "A definition level of 2 in a flat schema.",
         one(dict(d, optional=True),
             [page(P_DATA, struct.pack("<I", 2) + rle_run(1, 2, 1) + plain(T_DOUBLE, [1.0]),
                   1)], 1), has=["definition level above 1"])
    case("def-levels-past-page", "Definition levels longer than their page.",
         one(dict(d, optional=True), [page(P_DATA, struct.pack("<I", 999) + b"\x02\x01", 1)],
             1), has=["definition levels run past the page"])
    case("def-levels-bit-packed", "Definition levels in the deprecated BIT_PACKED encoding.",
         one(dict(d, optional=True),
             [page(P_DATA, levels([1]) + plain(T_DOUBLE, [1.0]), 1, def_enc=BIT_PACKED)], 1),
         has=["encoding 4"])
    case("v2-levels-in-required", "A v2 page carries definition levels for a required column.",
         one(i64, [page(P_DATA_V2, b"\x02\x01" + plain(T_INT64, [1]), 1,
                        v2=(0, 1, 2, 0, False))], 1),
         has=["definition levels (2 bytes) in a required column"])
    case("v2-repetition-levels", "A v2 page with repetition levels in a flat schema.",
         one(i64, [page(P_DATA_V2, b"\x02\x01" + plain(T_INT64, [1]), 1,
                        v2=(0, 1, 0, 2, False))], 1), has=["level lengths"])
    case("v2-def-len-past-page", "A v2 page whose level length exceeds the page.",
         one(dict(d, optional=True),
             [page(P_DATA_V2, b"\x02\x01", 1, v2=(0, 1, 500, 0, False))], 1),
         has=["level lengths"])

    # --- page headers ---
    case("encoding-delta", "DELTA_BINARY_PACKED (5) is not read: a clear error.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1, enc=5)], 1),
         has=["unsupported encoding 5"])
    case("page-type-unknown", "Page type 9 does not exist.",
         one(i64, [page(9, plain(T_INT64, [1]), 1)], 1), has=["unknown page type 9"])
    case("crc-mismatch", "A page whose CRC-32 does not match its bytes.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1, crc_value=12345)], 1),
         has=["checksum"])
    case("page-csize-negative", "A page header with a negative compressed size.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1, csize=-8, crc=False)], 1),
         has=["malformed page header"])
    case("page-csize-past-chunk", "A page's compressed size runs past its chunk.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1, csize=4096, crc=False)], 1),
         has=["malformed page header"])
    case("page-header-truncated", "The chunk ends inside a page header.",
         one(dict(i64, compressed=3), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["truncated or bad Thrift"])
    case("uncompressed-sizes-differ", "An uncompressed page whose two sizes disagree.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1, usize=16)], 1),
         has=["sizes disagree"])

    # --- column chunks and row groups ---
    case("chunk-offset-past-end", "A column chunk starting past the end of the file.",
         one(dict(i64, offset=1 << 40), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["outside the file"])
    case("chunk-offset-negative", "A column chunk at a negative offset.",
         one(dict(i64, offset=-100), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["outside the file"])
    case("chunk-into-footer", "A column chunk overlapping the footer.",
         one(dict(i64, compressed=10000), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["outside the file"])
    case("chunk-compressed-negative", "A column chunk of -1 bytes.",
         one(dict(i64, compressed=-1), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["negative chunk sizes"])
    case("chunk-values-mismatch", "A column chunk of 5 values in a row group of 1 row.",
         one(dict(i64, num_values=5), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["5 values in a row group of 1 rows"])
    case("chunk-external-file", "A column chunk that lives in another file (file_path).",
         one(dict(i64, chunk=[(1, BINARY, "/etc/passwd")]),
             [page(P_DATA, plain(T_INT64, [1]), 1)], 1), has=["another file"])
    case("row-group-negative-rows", "A row group of -3 rows.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1, group_rows=[-3]),
         has=["bad row count"])
    case("rows-total-mismatch", "Row groups of 1 row under a footer saying 2.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_hook=lambda fm: [f if f[0] != 3 else (3, I64, 2) for f in fm]),
         has=["the footer says 2"])
    case("rows-sum-overflows", "Two row groups of 2^62 rows each overflow a sum.",
         parquet([[Col(pages=[page(P_DATA, plain(T_INT64, [1]), 1)], **i64)],
                  [Col(pages=[page(P_DATA, plain(T_INT64, [1]), 1)], **i64)]],
                 [1 << 62, 1 << 62],
                 footer_hook=lambda fm: [f if f[0] != 3 else (3, I64, 5) for f in fm]),
         has=["bad row count"])
    case("row-group-columns-mismatch", "A row group with 2 column chunks under 1 column.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_hook=lambda fm: [
                 f if f[0] != 4 else (4, LIST, (STRUCT, [[(1, LIST, (STRUCT, [[], []])),
                                                          (3, I64, 1)]])) for f in fm]),
         has=["has 2 columns, the schema 1"])
    case("row-group-no-count", "A row group without its row count.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_hook=lambda fm: [
                 f if f[0] != 4 else (4, LIST, (STRUCT, [[(1, LIST, (STRUCT, [[]]))]]))
                 for f in fm]),
         has=["no row count"])
    case("row-groups-claim-millions",
         "A row group list claiming 10^6 groups in a few bytes: bounded by the bytes.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_hook=lambda fm: [f if f[0] != 4 else (4, LIST, (STRUCT, [], 1000000))
                                     for f in fm]),
         has=["bad row group list"])

    # --- the schema ---
    case("duplicate-column-names", "Two columns named the same: JSON would drop one.",
         parquet([[Col(pages=[page(P_DATA, plain(T_INT64, [1]), 1)], **i64),
                   Col(pages=[page(P_DATA, plain(T_INT64, [2]), 1)], **i64)]], [1]),
         has=["columns 1 and 2 are both named 'id'"])
    case("column-name-not-utf8", "A column name that is not UTF-8.",
         one(dict(i64, name=b"\xff\xfeid"), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["not UTF-8"])
    case("column-name-with-nul", "A column name with a NUL inside (would read as another name).",
         one(dict(i64, name=b"id\x00x"), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["not UTF-8"])
    case("schema-no-columns", "A schema of the root alone.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             schema=[[(4, BINARY, "schema"), (5, I32, 0)]]), has=["bad schema list"])
    case("schema-nested", "A nested schema (a group with a child).",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             schema=[[(4, BINARY, "schema"), (5, I32, 1)],
                     [(3, I32, 0), (4, BINARY, "g"), (5, I32, 1)],
                     [(1, I32, T_INT64), (3, I32, 0), (4, BINARY, "id")]]),
         has=["nested schemas"])
    case("schema-repeated", "A repeated (list) column is refused, not misread as required.",
         one(dict(i64, rep=2), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["repeated columns"])
    case("schema-repetition-unknown", "Repetition type 7 does not exist.",
         one(dict(i64, rep=7), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["repetition type 7"])
    case("type-int96", "INT96 (legacy timestamps) is not read: a clear error.",
         one(dict(name="t", phys=T_INT96), [page(P_DATA, bytes(12), 1)], 1),
         has=["unsupported physical type 3"])
    case("type-float", "FLOAT is not read: a clear error.",
         one(dict(name="f", phys=T_FLOAT), [page(P_DATA, bytes(4), 1)], 1),
         has=["unsupported physical type 4"])
    case("type-unknown", "Physical type 42 does not exist.",
         one(dict(name="f", phys=42), [page(P_DATA, bytes(4), 1)], 1),
         has=["unsupported physical type 42"])
    case("type-decimal-int64", "An INT64 DECIMAL(10,2): refused, not printed unscaled.",
         one(dict(i64, converted=5, meta=[]), [page(P_DATA, plain(T_INT64, [12345]), 1)], 1),
         has=["column id, row group 0: DECIMAL columns are not supported"])
    case("type-decimal-logical", "A BYTE_ARRAY with the DECIMAL logical type.",
         one(dict(name="d", phys=T_BYTE_ARRAY, logical=[(5, STRUCT, [(1, I32, 2), (2, I32, 9)])]),
             [page(P_DATA, plain(T_BYTE_ARRAY, [b"\x30\x39"]), 1)], 1),
         has=["DECIMAL columns are not supported"])
    case("columns-over-limit", "4097 columns (each a one-byte schema element): over the limit.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_hook=lambda fm: [f if f[0] != 2 else
                                     (2, LIST, (STRUCT, [[(5, I32, 4097)]] + [[]] * 4097))
                                     for f in fm]),
         has=["4097 columns, more than argo reads"])
    case("two-schemas", "A footer with two schema lists.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_hook=lambda fm: fm[:2] + [(2, LIST, fm[1][2])] + fm[2:]),
         has=["a second schema"])

    # --- values argo must not print wrong or drop ---
    case("string-not-utf8", "A STRING value that is not UTF-8: refused, naming column and row.",
         one(s, [page(P_DATA, plain(T_BYTE_ARRAY, ["ok", b"\xc3\x28"]), 2)], 2),
         has=["column s, row 2", "not UTF-8"])
    case("string-overlong-utf8", "An overlong UTF-8 form of '/' (C0 AF).",
         one(s, [page(P_DATA, plain(T_BYTE_ARRAY, [b"\xc0\xaf"]), 1)], 1),
         has=["row 1", "not UTF-8"])
    case("string-surrogate", "A UTF-16 surrogate encoded in UTF-8 (ED A0 80).",
         one(s, [page(P_DATA, plain(T_BYTE_ARRAY, [b"\xed\xa0\x80"]), 1)], 1),
         has=["not UTF-8"])
    case("string-above-10ffff", "A code point above U+10FFFF (F4 90 80 80).",
         one(s, [page(P_DATA, plain(T_BYTE_ARRAY, [b"\xf4\x90\x80\x80"]), 1)], 1),
         has=["not UTF-8"])
    case("string-cut-sequence", "A UTF-8 sequence cut short at the end of the value.",
         one(s, [page(P_DATA, plain(T_BYTE_ARRAY, [b"ab\xe2\x82"]), 1)], 1),
         has=["not UTF-8"])
    case("dict-string-not-utf8", "A non-UTF-8 string reached through a dictionary.",
         one(s, [page(P_DICT, plain(T_BYTE_ARRAY, [b"\xff"]), 1),
                 page(P_DATA, bytes([1]) + rle_run(1, 0, 1), 1, enc=RLE_DICT)], 1),
         has=["row 1", "not UTF-8"])
    case("bytes-not-utf8", "A BYTES value that is not text: refused, not dropped.",
         one(dict(name="b", phys=T_BYTE_ARRAY), [page(P_DATA, plain(T_BYTE_ARRAY, [b"\x80"]),
                                                      1)], 1), has=["BYTES value"])
    case("bad-row-after-good", "The bad value is in the last row: nothing printed before it.",
         one(s, [page(P_DATA, plain(T_BYTE_ARRAY, ["a", "b", "c", b"\xff"]), 4)], 4),
         has=["row 4"])
    case("timestamp-ms-int64-max", "A millisecond timestamp of INT64_MAX would overflow.",
         one(dict(name="t", phys=T_INT64, converted=9, logical=TS_MS),
             [page(P_DATA, plain(T_INT64, [(1 << 63) - 1]), 1)], 1),
         has=["column t, row 1", "outside years 0000-9999"])
    case("timestamp-ms-int64-min", "A millisecond timestamp of INT64_MIN.",
         one(dict(name="t", phys=T_INT64, converted=9, logical=TS_MS),
             [page(P_DATA, plain(T_INT64, [-(1 << 63)]), 1)], 1),
         has=["outside years 0000-9999"])
    case("timestamp-us-int64-min", "A microsecond timestamp of INT64_MIN.",
         one(dict(name="t", phys=T_INT64, converted=10, logical=TS_US),
             [page(P_DATA, plain(T_INT64, [-(1 << 63)]), 1)], 1),
         has=["outside years 0000-9999"])
    case("timestamp-us-year-10000", "A microsecond timestamp in year 10000.",
         one(dict(name="t", phys=T_INT64, converted=10, logical=TS_US),
             [page(P_DATA, plain(T_INT64, [253402300800 * 1000000]), 1)], 1),
         has=["outside years 0000-9999"])
    case("timestamp-ms-before-year-0", "A millisecond before year 0000.",
         one(dict(name="t", phys=T_INT64, converted=9, logical=TS_MS),
             [page(P_DATA, plain(T_INT64, [-62167219200001]), 1)], 1),
         has=["outside years 0000-9999"])

    # --- the file's frame and the footer's Thrift ---
    base = simple()
    case("empty-file", "An empty file.", b"", stderr="argo archive: bad.parquet:",
         has=["not a Parquet file"])
    case("too-short", "Eleven bytes.", b"PAR1PAR1PAR", has=["not a Parquet file"])
    case("no-head-magic", "No PAR1 at the start.", b"XXXX" + base[4:], has=["PAR1"])
    case("no-tail-magic", "No PAR1 at the end.", base[:-4] + b"PARX", has=["PAR1"])
    case("footer-length-past-file", "A footer length larger than the file.",
         base[:-8] + struct.pack("<I", 0xFFFFFFF0) + b"PAR1", has=["footer length"])
    case("footer-length-zero", "A footer of length 0.",
         base[:-8] + struct.pack("<I", 0) + b"PAR1", has=["footer"])
    case("footer-length-short", "A footer length one byte short.",
         base[:-8] + struct.pack("<I", struct.unpack("<I", base[-8:-4])[0] - 1) + b"PAR1",
         has=["footer"])
    case("footer-length-long", "A footer length that takes in page bytes before it.",
         base[:-8] + struct.pack("<I", struct.unpack("<I", base[-8:-4])[0] + 4) + b"PAR1",
         has=["footer"])
    case("truncated-half", "The first half of a valid file.", base[:len(base) // 2],
         has=["PAR1"])
    case("only-magic-and-length", "PAR1, a zero length, PAR1.", b"PAR1" + bytes(4) + b"PAR1",
         has=["footer is malformed"])
    deep = bytes([0x19]) * 200000 + bytes([0x10])  # list<list<list<...>>> 200,000 deep
    case("thrift-deep-lists", "Lists nested 200,000 deep in an unknown footer field: no stack overflow.",
         parquet([[Col(pages=[page(P_DATA, plain(T_INT64, [1]), 1)], **i64)]], [1],
                 footer_extra=[(100, "raw", bytes([0x09]) + varint(zz(100)) + deep)]),
         has=["malformed or truncated"])
    nested = bytes([0x1C]) * 2000 + bytes(2000)  # struct{1: struct{1: ...}} 2000 deep
    case("thrift-deep-structs", "Structs nested 2000 deep in an unknown footer field.",
         parquet([[Col(pages=[page(P_DATA, plain(T_INT64, [1]), 1)], **i64)]], [1],
                 footer_extra=[(100, "raw", bytes([0x0C]) + varint(zz(100)) + nested)]),
         has=["malformed or truncated"])
    case("thrift-deep-maps", "Maps of maps nested 3000 deep in an unknown footer field.",
         parquet([[Col(pages=[page(P_DATA, plain(T_INT64, [1]), 1)], **i64)]], [1],
                 footer_extra=[(100, "raw", bytes([0x0B]) + varint(zz(100)) +
                                b"\x01\xbb" * 3000 + b"\x00")]),
         has=["malformed or truncated"])
    case("thrift-list-count-lies", "A schema list claiming 2^31 elements in a few bytes.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_hook=lambda fm: [f if f[0] != 2 else (2, LIST, (STRUCT, f[2][1], 1 << 31))
                                     for f in fm]),
         has=["bad schema list"])
    case("thrift-string-length-lies", "A created_by string claiming 2^40 bytes.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_hook=lambda fm: [f if f[0] != 6 else (6, "raw", b"")
                                     for f in fm] + [(6, "raw", b"\x18" + varint(1 << 40))]),
         has=["malformed or truncated"])
    case("thrift-varint-too-long", "An eleven-byte varint in the footer.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_extra=[(100, "raw", bytes([0x06]) + varint(zz(100)) + b"\xff" * 11)]),
         has=["malformed or truncated"])
    case("thrift-type-13", "A field of Thrift type 13 (no such type).",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_extra=[(100, "raw", bytes([0x0D]) + varint(zz(100)) + b"\x00")]),
         has=["malformed or truncated"])
    case("thrift-field-id-overflow", "A field id beyond 16 bits.",
         one(i64, [page(P_DATA, plain(T_INT64, [1]), 1)], 1,
             footer_extra=[(0, "raw", bytes([0x05]) + varint(zz(1 << 20)) + b"\x02")]),
         has=["malformed or truncated"])

    per = 1 << 20  # within one row group's share of the budget, not 300 times over
    case("row-groups-sum-past-budget",
         "300 row groups of 2^20 rows, each a one-byte RLE run: every group fits, the file\n"
         "# does not (decoding it would take 4 GB and minutes): refused at once.",
         parquet([[Col(pages=[page(P_DICT, plain(T_INT64, [7]), 1),
                              page(P_DATA, bytes([1]) + rle_run(per, 0, 1), per, enc=RLE_DICT)],
                       **i64)] for _ in range(300)], [per] * 300),
         has=["the file's 314572800 rows", "more than argo allows"])
    case("codec-past-int32", "A codec of 2^32+6 (would wrap to ZSTD in an int).",
         one(dict(i64, codec=(1 << 32) + 6), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["malformed or truncated"])
    case("physical-type-past-int32", "A physical type of 2^32+2 (would wrap to INT64).",
         one(dict(i64, phys=(1 << 32) + 2), [page(P_DATA, plain(T_INT64, [1]), 1)], 1),
         has=["malformed or truncated"])

    # --- the command line and other inputs ---
    case("missing-file", "A file that does not exist.", None, has=["cannot open"],
         fname="nope.parquet", stderr="argo archive: nope.parquet:")
    case("directory", "A directory given as the file.", None, sh=["mkdir dir.parquet"],
         fname="dir.parquet", stderr="argo archive: dir.parquet: not a regular file")
    case("usage-no-file", "archive cat without a file is a usage error.", None, exit=2,
         stderr="argo archive: usage", cmd="archive cat")
    case("usage-two-files", "archive cat with two files is a usage error.", simple(), exit=2,
         stderr="argo archive: unexpected argument", cmd="archive cat bad.parquet other")
    case("usage-unknown-option", "An unknown option of archive cat is a usage error.", simple(),
         exit=2, stderr="argo archive: unknown", cmd="archive cat bad.parquet --frob")
    case("config-missing", "archive cat --config with a missing config fails, as everywhere.",
         simple(), stderr="argo archive: config", cmd="archive cat bad.parquet --config none.conf")
    case("query-damaged-outcomes",
         "archive query over a backup whose outcomes Parquet is damaged names the file.",
         outcomes_bomb(),
         fixture="backups", fname="bad.parquet", cmd="archive query",
         sh=["for f in backups/*/*/*/outcomes-v1.parquet; do cp bad.parquet \"$f\"; done"],
         stderr="argo archive: backups/", has=["outcomes-v1.parquet"])
    case("query-outcomes-wrong-types",
         "archive query over an outcomes file whose exit_ts is a string refuses it.",
         parquet([[Col(pages=[page(P_DATA, plain(T_BYTE_ARRAY, ["A"]), 1)], **dict(s, name=n))
                   for n in ("symbol", "status", "exit_ts", "pnl_pct")]], [1]),
         fixture="backups", fname="bad.parquet", cmd="archive query",
         sh=["for f in backups/*/*/*/outcomes-v1.parquet; do cp bad.parquet \"$f\"; done"],
         stderr="argo archive: backups/", has=["column exit_ts is STRING"])

    cp_csv = ["for f in backups/*/*/*/outcomes-v1.csv; do cp bad.csv \"$f\"; done"]
    for name, comment, text, has in (
            ("query-csv-bad-exit-ts", "archive query --csv: an exit_ts that is not a time is an\n"
             "# error naming file and line (it was skipped silently).",
             "symbol,status,exit_ts,pnl_pct\nMSFT,WIN,garbage,1.0\n",
             ["outcomes-v1.csv:2:", "exit_ts 'garbage'"]),
            ("query-csv-pnl-not-number", "archive query --csv: a pnl_pct that is not a number\n"
             "# (it counted as 0).", "symbol,status,exit_ts,pnl_pct\n"
             "MSFT,WIN,2001-01-02T00:00:00Z,1.0\nMSFT,LOSS,2001-01-03T00:00:00Z,12abc\n",
             ["outcomes-v1.csv:3:", "pnl_pct '12abc' is not a number"]),
            ("query-csv-field-too-long", "archive query --csv: a symbol over 63 bytes (it was cut).",
             "symbol,status,exit_ts,pnl_pct\n" + "S" * 70 + ",WIN,2001-01-02T00:00:00Z,1.0\n",
             ["outcomes-v1.csv:2:", "symbol is longer than 63 bytes"])):
        case(name, comment, None, fixture="backups", cmd="archive query --csv", sh=cp_csv,
             extra_files=[("bad.csv", text)], stderr="argo archive: backups/", has=has)
    case("query-csv-nulls-skipped", "archive query --csv: a row with an empty exit_ts (a null)\n"
         "# is skipped, as from Parquet; the other rows count.", None, fixture="backups",
         cmd="archive query --csv", sh=cp_csv, exit=0,
         extra_files=[("bad.csv", "symbol,status,exit_ts,pnl_pct\nZZZ,WIN,,1.0\n"
                                  "ZZZ,WIN,2001-01-02T00:00:00Z,2.5\n")],
         out=["ZZZ"])
    case("query-manifest-not-json", "archive query over a day whose manifest is not JSON\n"
         "# (it said: no Parquet outcomes file).", None, fixture="backups", cmd="archive query",
         sh=["for f in backups/*/*/*/manifest.json; do printf '{\"files\": [' > \"$f\"; done"],
         stderr="argo archive: backups/", has=["manifest.json: not a valid manifest"])


def write(root):
    os.makedirs(root, exist_ok=True)
    for f in os.listdir(root):
        if f.endswith(".case"):
            os.remove(os.path.join(root, f))
    for n, (name, comment, data, exit, stderr, has, out, args, fname, extra, fixture, cmd,
            sh) in enumerate(CASES, 1):
        lines = ["# " + comment.replace("\n# ", "\n# ")]
        lines.append("fixture: " + fixture)
        for x in sh:
            lines.append("sh: " + x)
        lines.append("cmd: " + (cmd or ("archive cat " + fname + (" " + args if args else ""))))
        lines.append("exit: %d" % exit)
        if exit:
            lines.append("stderr: " + stderr)
            for h in has:
                lines.append("stderr-has: " + h)
        for o in out:
            lines.append("stdout-has: " + o)
        for ename, text in extra:
            lines.append("--- file " + ename)
            lines.append(text.rstrip("\n"))
        if data is not None:
            lines.append("--- b64 " + fname)
            b = base64.b64encode(data).decode()
            lines += [b[i:i + 76] for i in range(0, len(b), 76)] or [""]
        with open(os.path.join(root, "%03d-%s.case" % (n, name)), "w") as f:
            f.write("\n".join(lines) + "\n")
    return len(CASES)


if __name__ == "__main__":
    build()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases", "parquet")
    print("gen_parquet: %d cases in %s" % (write(root), root), file=sys.stderr)
