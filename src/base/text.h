/* SPDX-License-Identifier: MIT */
/*
 * base/text.h - strict parsing of numbers from untrusted text (CSV
 * fields, config values, predict input) and quoting of untrusted bytes
 * for a one-line error message. Not here: locale-aware or lenient forms
 * (hex, inf, nan, "5000ms", "1,5"); those are errors by design.
 */
#ifndef ARGO_TEXT_H
#define ARGO_TEXT_H

#include <stddef.h>

/* Parses a whole decimal number: optional spaces or tabs, an optional
 * sign, digits with at most one '.', an optional exponent (e or E, an
 * optional sign, digits), optional spaces or tabs. Nothing else: no
 * hex, inf, nan, thousands separators or decimal commas. Returns 0 with
 * *out set (a value too small for a double, such as 1e-400, becomes 0
 * or a denormal: it is still a number); ARGO_EPARSE when s is not such a
 * number; ARGO_ELIMIT when its magnitude is beyond a double's range. */
int argo_text_decimal(const char *s, double *out);

/* Parses a whole decimal integer (optional spaces, an optional sign,
 * digits, optional spaces). Returns 0, ARGO_EPARSE, or ARGO_ELIMIT when
 * it does not fit in a long long. */
int argo_text_integer(const char *s, long long *out);

/* Copies n bytes of s into out (of outn bytes, NUL-terminated) so they
 * can go into a one-line message: printable ASCII as is, a backslash
 * and every other byte as an escape (\n, \r, \t, \\, \xNN), cut with
 * "..." after about 60 characters. Returns out. */
char *argo_text_quote(const char *s, size_t n, char *out, size_t outn);

/* Buffer size that always holds a quote from argo_text_quote. */
#define ARGO_TEXT_QUOTE_MAX 96

#endif
