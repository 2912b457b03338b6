/* SPDX-License-Identifier: MIT */
/*
 * base/timeutil.h - UTC timestamps as int64 seconds since 1970-01-01.
 * Parsing and formatting of the ISO-8601 subset argo reads and writes;
 * no time zones other than UTC (Z or +00:00) are accepted.
 */
#ifndef ARGO_TIMEUTIL_H
#define ARGO_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARGO_DAY_SECONDS 86400

/* The midnight (UTC) that begins ts's day, for negative ts too. */
int64_t argo_time_day_start(int64_t ts);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t argo_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Parses "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM[:SS[.000]][Z|+00:00]" into
 * *out. Returns 0, or ARGO_EPARSE when the text is not such a date,
 * names an impossible day or time, a leap second (23:59:60), a nonzero
 * fraction of a second, a zone other than UTC, or a year outside
 * ARGO_YEAR_MIN..ARGO_YEAR_MAX (base/limits.h); then *why (when not
 * NULL) is set to a static text saying which, to follow "'TEXT' is ". */
int argo_time_parse_why(const char *s, int64_t *out, const char **why);

/* argo_time_parse_why without the reason. */
int argo_time_parse(const char *s, int64_t *out);

/* Writes ts as "YYYY-MM-DD" when it is midnight UTC, else as
 * "YYYY-MM-DDTHH:MM:SSZ". buf should hold 32 bytes. Returns buf. */
char *argo_time_format(int64_t ts, char *buf, size_t n);

/* Always "YYYY-MM-DDTHH:MM:SSZ". */
char *argo_time_format_full(int64_t ts, char *buf, size_t n);

/* Splits ts into its civil date. */
void argo_time_civil(int64_t ts, int *y, int *m, int *d);

#endif
