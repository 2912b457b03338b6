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
#define ARGO_YEAR_MIN 1900         /* dates argo reads: 1900-01-01 ... */
#define ARGO_YEAR_MAX 2199         /* ... 2199-12-31 (room for expiries) */
#define ARGO_LINE_MAX 256          /* bytes of a predict input line, with its end */
#define ARGO_CONFIG_LINE_MAX 198   /* bytes of a config line, without its end (inih: 200) */
#define ARGO_CALIB_WEIGHT_MIN 1e-6 /* a calibration weight is 0 or in [MIN, MAX], */
#define ARGO_CALIB_WEIGHT_MAX 1e6  /* so sums stay finite and exact enough */

#define ARGO_STR_(x) #x
#define ARGO_STR(x) ARGO_STR_(x) /* a limit as text, for messages */

#endif
