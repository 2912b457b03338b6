/* SPDX-License-Identifier: MIT */
/* libFuzzer target: what a market-data provider answers must give an
 * error or bars, never a crash: an Alpaca bars page (daily and minute
 * bars; provider/alpaca.c), a CSV answer of the CSV-over-HTTP source
 * (market/ingest.c from memory), and the minute bars parsed, in the
 * order they came, through the aggregator (market/aggregate.c). The
 * first byte picks the parser. */
#include "market/aggregate.h"
#include "market/market.h"
#include "provider/provider_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
    return "quarantine_size_mb=16";
}

static int drop_bar(void *ctx, const char *symbol, const argo_bar *bar)
{
    (void)ctx;
    (void)symbol;
    (void)bar;
    return 0;
}

/* Minutes of a page into the aggregator (it refuses what is not a whole
 * minute: an error, not a crash). */
static int take_bars(void *ctx, const char *symbol, const argo_bar *bars, size_t n,
                     const char *where)
{
    (void)where;
    argo_agg *a = ctx;
    for (size_t i = 0; i < n && a; i++)
        argo_agg_add(a, symbol, &bars[i], drop_bar, NULL, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0] % 3;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    if (mode == 2) {
        argo_bar_line *rows = NULL;
        size_t n = 0;
        argo_ingest_report rep;
        argo_err err;
        argo_market_csv_parse("http://fuzz/X.csv", body, len, "X", data[0] & 4, &rows, &n, &rep,
                              &err);
        free(rows);
        return 0;
    }
    static const char *const symbols[] = {"AAPL", "MSFT", "X"};
    int64_t last[3] = {INT64_MIN, INT64_MIN, INT64_MIN};
    argo_alpaca_pages pg = {.symbols = symbols,
                            .nsymbols = 3,
                            .last_ts = last,
                            .start = INT64_MIN,
                            .end = INT64_MAX,
                            .bar_seconds = mode == 0 ? 86400 : 60,
                            .what = "GET http://fuzz/v2/stocks/bars",
                            .page = 1};
    argo_agg *a = NULL;
    if (mode == 1)
        argo_agg_new(86400, 21 * 3600, 120, &a, NULL);
    argo_err err;
    argo_alpaca_parse_page(&pg, body, len, take_bars, a, &err);
    if (a)
        argo_agg_advance(a, INT64_MAX / 2, drop_bar, NULL, NULL);
    argo_agg_free(a);
    return 0;
}
