/* SPDX-License-Identifier: MIT */
/*
 * base/err.h - error codes and the error struct every fallible argo
 * function fills. One X-macro table gives the codes and their texts.
 * This is not a logging facility: it carries one message to the caller.
 */
#ifndef ARGO_ERR_H
#define ARGO_ERR_H

#include <stdarg.h>

#define ARGO_ERRNO_MAP(X)                                                                          \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(ENOMEM, -2, "out of memory")                                                                 \
    X(EIO, -3, "input/output error")                                                               \
    X(ENOENT, -4, "not found")                                                                     \
    X(EPARSE, -5, "malformed input")                                                               \
    X(EDATA, -6, "invalid data")                                                                   \
    X(ECONFLICT, -7, "conflicting data")                                                           \
    X(EBUSY, -8, "database is locked")                                                             \
    X(ECORRUPT, -9, "database is corrupt or not argo's")                                           \
    X(ESTORE, -10, "store error")                                                                  \
    X(ECONFIG, -11, "bad configuration")                                                           \
    X(ELIMIT, -12, "limit exceeded")                                                               \
    X(EVERSION, -13, "unsupported version")                                                        \
    X(ENET, -14, "network or server error")                                                        \
    X(EREMOTE, -15, "request refused by the server")                                               \
    X(ECANCELED, -16, "cancelled")

enum {
    ARGO_OK = 0,
#define ARGO_ERR_ENUM(name, code, text) ARGO_##name = code,
    ARGO_ERRNO_MAP(ARGO_ERR_ENUM)
#undef ARGO_ERR_ENUM
};

#define ARGO_ERR_MSG_MAX 512

/* Details of a failure: the code and one line saying what, where, why. */
typedef struct argo_err {
    int code;
    char msg[ARGO_ERR_MSG_MAX];
} argo_err;

/* Returns the static text of an ARGO_E* code ("unknown error" otherwise). */
const char *argo_strerror(int code);

/* Fills err (when not NULL) with code and a printf-style message and
 * returns code, so callers can write `return argo_err_set(err, ...)`. */
int argo_err_set(argo_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message already in err with a printf-style context
 * ("file.csv:12: " + old message). Returns err->code. */
int argo_err_prefix(argo_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resets err to ARGO_OK and an empty message. */
void argo_err_clear(argo_err *err);

#endif
