/* SPDX-License-Identifier: MIT */
/* base/err.c - error texts and the helpers that fill argo_err. */
#include "base/err.h"

#include <stdio.h>
#include <string.h>

const char *argo_strerror(int code)
{
    switch (code) {
    case ARGO_OK:
        return "success";
#define ARGO_ERR_CASE(name, num, text)                                                             \
    case ARGO_##name:                                                                              \
        return text;
        ARGO_ERRNO_MAP(ARGO_ERR_CASE)
#undef ARGO_ERR_CASE
    default:
        return "unknown error";
    }
}

int argo_err_set(argo_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int argo_err_prefix(argo_err *err, const char *fmt, ...)
{
    if (!err)
        return ARGO_EINVAL;
    char head[ARGO_ERR_MSG_MAX];
    char old[ARGO_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(head);
    if (n >= sizeof err->msg)
        n = sizeof err->msg - 1;
    memcpy(err->msg, head, n);
    size_t room = sizeof err->msg - 1 - n, m = strlen(old);
    if (m > room)
        m = room;
    memcpy(err->msg + n, old, m);
    err->msg[n + m] = '\0';
    return err->code;
}

void argo_err_clear(argo_err *err)
{
    if (err) {
        err->code = ARGO_OK;
        err->msg[0] = '\0';
    }
}
