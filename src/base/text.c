/* SPDX-License-Identifier: MIT */
/*
 * base/text.c - strict decimal numbers and safe quoting (see text.h).
 * The syntax is checked here byte by byte before strtod converts, so a
 * locale or strtod's extensions (hex, inf, nan) can never widen it.
 */
#include "base/text.h"

#include "base/err.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

static const char *skip_blank(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int argo_text_decimal(const char *s, double *out)
{
    const char *p = skip_blank(s), *start = p;
    if (*p == '+' || *p == '-')
        p++;
    size_t int_digits = 0, frac_digits = 0;
    while (digit(*p)) {
        p++;
        int_digits++;
    }
    if (*p == '.') {
        p++;
        while (digit(*p)) {
            p++;
            frac_digits++;
        }
    }
    if (int_digits + frac_digits == 0)
        return ARGO_EPARSE;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!digit(*p))
            return ARGO_EPARSE;
        while (digit(*p))
            p++;
    }
    const char *num_end = p;
    if (*skip_blank(p) != '\0')
        return ARGO_EPARSE;
    char *end;
    errno = 0;
    double v = strtod(start, &end);
    if (end != num_end) /* a locale that reads numbers otherwise */
        return ARGO_EPARSE;
    if (errno == ERANGE && isinf(v))
        return ARGO_ELIMIT;
    *out = v;
    return ARGO_OK;
}

int argo_text_integer(const char *s, long long *out)
{
    const char *p = skip_blank(s), *start = p;
    if (*p == '+' || *p == '-')
        p++;
    if (!digit(*p))
        return ARGO_EPARSE;
    while (digit(*p))
        p++;
    const char *num_end = p;
    if (*skip_blank(p) != '\0')
        return ARGO_EPARSE;
    char *end;
    errno = 0;
    long long v = strtoll(start, &end, 10);
    if (end != num_end)
        return ARGO_EPARSE;
    if (errno == ERANGE)
        return ARGO_ELIMIT;
    *out = v;
    return ARGO_OK;
}

char *argo_text_quote(const char *s, size_t n, char *out, size_t outn)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0, shown = 0;
    if (!outn)
        return out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[4];
        size_t k = 0;
        if (c == '\n' || c == '\r' || c == '\t' || c == '\\') {
            tmp[k++] = '\\';
            tmp[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '\\';
        } else if (c >= 0x20 && c < 0x7f)
            tmp[k++] = (char)c;
        else {
            tmp[k++] = '\\';
            tmp[k++] = 'x';
            tmp[k++] = hex[c >> 4];
            tmp[k++] = hex[c & 15];
        }
        if (shown >= 60 || o + k + 4 > outn) {
            if (o + 4 <= outn) {
                out[o++] = '.';
                out[o++] = '.';
                out[o++] = '.';
            }
            break;
        }
        for (size_t j = 0; j < k; j++)
            out[o++] = tmp[j];
        shown++;
    }
    out[o] = '\0';
    return out;
}
