/* SPDX-License-Identifier: MIT */
/*
 * base/timeutil.c - civil-date arithmetic (H. Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms") so argo needs neither timegm nor TZ.
 */
#include "base/timeutil.h"

#include "base/err.h"
#include "base/limits.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>

int64_t argo_time_day_start(int64_t ts)
{
    return ts - ((ts % ARGO_DAY_SECONDS) + ARGO_DAY_SECONDS) % ARGO_DAY_SECONDS;
}

int64_t argo_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *yy, int *mm, int *dd)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *yy = (int)(y + (m <= 2));
    *mm = (int)m;
    *dd = (int)d;
}

static bool read_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int why_fail(const char **why, const char *text)
{
    if (why)
        *why = text;
    return ARGO_EPARSE;
}

int argo_time_parse_why(const char *s, int64_t *out, const char **why)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    static const char *const form = "not an ISO-8601 UTC date (YYYY-MM-DD[THH:MM[:SS]][Z])";
    const char *p = s;
    int y, m, d, hh = 0, mi = 0, ss = 0;
    while (*p == ' ')
        p++;
    if (!read_digits(&p, 4, &y) || *p++ != '-' || !read_digits(&p, 2, &m) || *p++ != '-' ||
        !read_digits(&p, 2, &d))
        return why_fail(why, form);
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap(y)))
        return why_fail(why, "not a day of the calendar");
    if (*p == 'T' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
        p++;
        if (!read_digits(&p, 2, &hh) || *p++ != ':' || !read_digits(&p, 2, &mi))
            return why_fail(why, form);
        if (*p == ':') {
            p++;
            if (!read_digits(&p, 2, &ss))
                return why_fail(why, form);
            if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p))
                    return why_fail(why, form);
                for (; isdigit((unsigned char)*p); p++)
                    if (*p != '0')
                        return why_fail(why, "has fractional seconds (argo keeps whole seconds)");
            }
        }
        if (hh == 23 && mi == 59 && ss == 60)
            return why_fail(why, "a leap second (argo's UTC has none: use 23:59:59)");
        if (hh > 23 || mi > 59 || ss > 59)
            return why_fail(why, "not a time of day");
        if (*p == 'Z')
            p++;
        else if (p[0] == '+' && p[1] == '0' && p[2] == '0' && p[3] == ':' && p[4] == '0' &&
                 p[5] == '0')
            p += 6;
        else if (*p == '+' || *p == '-' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
            return why_fail(why, "not in UTC (only Z or +00:00 is accepted)");
    }
    while (*p == ' ')
        p++;
    if (*p != '\0')
        return why_fail(why, form);
    if (y < ARGO_YEAR_MIN || y > ARGO_YEAR_MAX)
        return why_fail(why, "outside the years argo accepts (" ARGO_STR(
                                 ARGO_YEAR_MIN) " to " ARGO_STR(ARGO_YEAR_MAX) ")");
    *out = argo_days_from_civil(y, (unsigned)m, (unsigned)d) * ARGO_DAY_SECONDS + hh * 3600 +
           mi * 60 + ss;
    return ARGO_OK;
}

int argo_time_parse(const char *s, int64_t *out)
{
    return argo_time_parse_why(s, out, NULL);
}

void argo_time_civil(int64_t ts, int *y, int *m, int *d)
{
    int64_t days =
        ts >= 0 ? ts / ARGO_DAY_SECONDS : -((-ts + ARGO_DAY_SECONDS - 1) / ARGO_DAY_SECONDS);
    civil_from_days(days, y, m, d);
}

char *argo_time_format_full(int64_t ts, char *buf, size_t n)
{
    int y, m, d;
    argo_time_civil(ts, &y, &m, &d);
    int64_t sod = ts - argo_days_from_civil(y, (unsigned)m, (unsigned)d) * ARGO_DAY_SECONDS;
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60));
    return buf;
}

char *argo_time_format(int64_t ts, char *buf, size_t n)
{
    int y, m, d;
    argo_time_civil(ts, &y, &m, &d);
    if (ts == argo_days_from_civil(y, (unsigned)m, (unsigned)d) * ARGO_DAY_SECONDS) {
        snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
        return buf;
    }
    return argo_time_format_full(ts, buf, n);
}
