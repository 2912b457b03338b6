/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the parsers behind `argo calibrate predict` input
 * (and every decimal argo reads): base/text's strict decimal and
 * integer parsers and the quoting of a bad line. Each input is split
 * into lines as predict splits stdin; a number accepted must be what
 * the text says (finite, and equal to strtod's reading), a quote must
 * be one printable line. */
#include "base/limits.h"
#include "base/text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[ARGO_LINE_MAX];
    size_t i = 0;
    while (i < size) {
        size_t len = 0;
        while (i < size && data[i] != '\n') {
            if (len < sizeof line - 1)
                line[len] = (char)data[i];
            len++;
            i++;
        }
        i++;
        if (len >= sizeof line - 1)
            continue; /* predict refuses it as too long */
        line[len] = '\0';
        if (memchr(line, '\0', len))
            continue; /* predict refuses a NUL byte before parsing */
        double v;
        if (argo_text_decimal(line, &v) == 0) {
            if (!isfinite(v) || memchr(line, 'x', len) || memchr(line, 'n', len))
                abort();
            if (strtod(line, NULL) != v)
                abort();
        }
        long long k;
        argo_text_integer(line, &k);
        char q[ARGO_TEXT_QUOTE_MAX];
        argo_text_quote(line, len, q, sizeof q);
        for (const char *p = q; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                abort();
    }
    return 0;
}
