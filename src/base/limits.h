/* SPDX-License-Identifier: MIT */
/*
 * base/limits.h - every hard limit of argo in one place. Input that
 * would exceed one is rejected with ARGO_ELIMIT, never truncated.
 */
#ifndef ARGO_LIMITS_H
#define ARGO_LIMITS_H

#define ARGO_SYMBOL_MAX 32            /* bytes of a symbol, with the NUL */
#define ARGO_CSV_FIELD_MAX 256        /* bytes of one CSV field */
#define ARGO_CSV_COLS_MAX 64          /* columns of a bar CSV file */
#define ARGO_WINDOW_MAX 1000          /* longest indicator window, in bars */
#define ARGO_EXPIRY_DAYS_MAX 3650     /* longest signal expiry */
#define ARGO_SYMBOLS_MAX 100000       /* symbols in one store */
#define ARGO_STATE_BLOB_MAX (1 << 20) /* serialized strategy state */
#define ARGO_PATH_MAX 4096
#define ARGO_STORE_LOCK_NAME_MAX 63     /* bytes of a store lock name, without the NUL */
#define ARGO_SYNTH_SYMBOLS_MAX 9999     /* argo synth --symbols */
#define ARGO_SYNTH_DAYS_MAX 100000      /* argo synth --days */
#define ARGO_MANIFEST_MAX (1 << 20)     /* bytes of a backup manifest */
#define ARGO_BACKUP_VERSIONS_MAX 100000 /* versions of one backup day */
#define ARGO_BACKUP_FILE_MAX                                                                       \
    ((int64_t)1 << 32) /* bytes of one backup file: written, read, moved, pushed */
#define ARGO_BACKUP_ROWS_MAX ((int64_t)1 << 32) /* rows of one backup file */
#define ARGO_COPY_CHUNK ((size_t)1 << 20)       /* buffer of a streamed file copy (archive tier) */

/* Reading Parquet (parquet/parquet.c). Every count and size in a file is
 * checked against the bytes that hold it; what a few bytes may still
 * claim (an RLE run of 2^28 values, a ZSTD page that inflates 1000-fold)
 * is bounded by a budget: decoding every row group of a file, all its
 * columns, may take at most ARGO_PQ_DECODE_FIXED bytes plus
 * ARGO_PQ_DECODE_RATIO times the file's size. Readers hold one row group
 * at a time, so peak memory of reading a file is a small multiple of its
 * size plus a fixed cap, and the work is bounded the same way. */
#define ARGO_PQ_DECODE_FIXED ((size_t)64 << 20) /* 64 MiB */
#define ARGO_PQ_DECODE_RATIO 32
#define ARGO_PQ_PAGE_MAX ((size_t)1 << 30) /* one page, as written or inflated */
#define ARGO_PQ_COLUMNS_MAX 4096           /* columns of a file */
#define ARGO_PQ_DICT_ENTRIES_MAX 65536     /* distinct strings the writer dictionary-encodes */
#define ARGO_PQ_DICT_BYTES_MAX ((size_t)1 << 20)
/* S3 (s3/s3.c, s3/sigv4.c): the protocol's own bounds */
#define ARGO_S3_OBJECT_MAX ((size_t)5 << 30) /* one PUT, or an answer read into memory */
#define ARGO_S3_PART_MIN ((int64_t)5 << 20)  /* a multipart upload's parts but the last */
#define ARGO_S3_PARTS_MAX 10000              /* parts of one multipart upload */
#define ARGO_S3_CONCURRENCY_MAX 64           /* [s3] concurrency: uploads in flight at once */
#define ARGO_SIGV4_CANON_MAX 16384           /* bytes of a SigV4 canonical request */
#define ARGO_YEAR_MIN 1900                   /* dates argo reads: 1900-01-01 ... */
#define ARGO_YEAR_MAX 2199                   /* ... 2199-12-31 (room for expiries) */
#define ARGO_LINE_MAX 256                    /* bytes of a predict input line, with its end */
#define ARGO_CONFIG_LINE_MAX 198   /* bytes of a config line, without its end (inih: 200) */
#define ARGO_CALIB_WEIGHT_MIN 1e-6 /* a calibration weight is 0 or in [MIN, MAX], */
#define ARGO_CALIB_WEIGHT_MAX 1e6  /* so sums stay finite and exact enough */

#define ARGO_THRIFT_DEPTH_MAX 32        /* nesting of Thrift structs, lists and maps */
#define ARGO_CALIB_BINS_MAX 100         /* bins of a calibration metric or diagram */
#define ARGO_SIGV4_HEADERS_MAX 32       /* headers of one signed S3 request */
#define ARGO_GROW_MAX ((size_t)1 << 34) /* elements of a growable array: far beyond any need */
/* The stream (server/stream.c). */
#define ARGO_WS_SYMBOLS_MAX 256  /* symbols in one stream subscription */
#define ARGO_WS_AUTH_TIMEOUT_S 5 /* seconds a stream client has to send its key */
#define ARGO_WS_RESUME_PAGE 512  /* events read from the store in one resume page */
#define ARGO_WS_BATCH_MAX 65536  /* bytes of frames handed to one client's socket at once */
#define ARGO_WS_CLOSE_GRACE_S 30 /* seconds a closing stream client has to take its close */

#define ARGO_EVENT_DATA_MAX 65536         /* bytes of one event's JSON */
#define ARGO_KEY_NAME_MAX 64              /* bytes of an API key's name, with the NUL */
#define ARGO_HTTP_BODY_MAX_BYTES 16777216 /* bytes of a request body (posted bars): 16 MiB */
#define ARGO_HTTP_BODY_MAX ((size_t)ARGO_HTTP_BODY_MAX_BYTES)
#define ARGO_HTTP_HEADER_MAX 8192       /* bytes of a request's headers */
#define ARGO_WS_MESSAGE_MAX 65536       /* bytes of a message a stream client sends */
#define ARGO_FEED_MESSAGE_MAX (4 << 20) /* bytes of one message from a provider's bar stream */
/* argo serve: the process may open 20,000 files (its hard RLIMIT_NOFILE
 * here); sockets stay under 16,000 so the store, its journal, the
 * threads' files and the inbox always have room. */
#define ARGO_SERVE_CONNECTIONS_MAX 16000 /* sockets at once ([serve] connections_max at most) */
#define ARGO_SERVE_FDS_RESERVED 512      /* files kept free for the store, logs and the inbox */
#define ARGO_SERVE_READERS_MAX 64        /* reader threads */
#define ARGO_SERVE_QUEUE_MAX 65536       /* jobs in one work queue */
#define ARGO_SERVE_INBOX_FILES_MAX 256   /* inbox files taken in one poll */
#define ARGO_SERVE_CACHE_ENTRIES 256     /* reads kept by argo serve's read cache */
#define ARGO_SERVE_CACHE_TTL_MS 1000     /* how long one is kept at most */
#define ARGO_SERVE_CACHE_BODY_MAX (1024 * 1024) /* bytes of one kept answer */
#define ARGO_SERVE_HEADER_POOL 2048 /* requests having their headers read at once (8 KiB each) */
#define ARGO_METRICS_OPS_MAX 16     /* store operation labels of /metrics; more: "other" */
#define ARGO_METRICS_OP_NAME_MAX 32 /* bytes of one, with the NUL */
/* http/: bytes of an answer held when the request sets no max_body (64 MiB) */
#define ARGO_HTTP_ANSWER_MAX ((size_t)64 << 20)
#define ARGO_STR_(x) #x
#define ARGO_STR(x) ARGO_STR_(x) /* a limit as text, for messages */

#endif
