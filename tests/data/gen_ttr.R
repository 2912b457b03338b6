# SPDX-License-Identifier: MIT
# Regenerates the indicator reference fixtures from R's TTR package
# (Debian r-cran-ttr). Run from the repository root:
#   Rscript tests/data/gen_ttr.R
# The outputs tests/data/ttr_<SYM>.csv are committed; the unit tests
# compare argo's streaming indicators with them to 1e-9.
suppressMessages(library(TTR))
for (sym in c("TTRC", "MSFT")) {
  d <- read.csv(file.path("data/market", paste0(sym, ".csv")))
  cl <- d$close
  hlc <- cbind(d$high, d$low, d$close)
  atr <- ATR(hlc, n = 14)
  macd <- MACD(cl, nFast = 12, nSlow = 26, nSig = 9, percent = FALSE)
  bb <- BBands(cl, n = 20, sd = 2)
  dc <- DonchianChannel(cbind(d$high, d$low), n = 20)
  out <- data.frame(
    date = d$date,
    sma20 = SMA(cl, 20), sma50 = SMA(cl, 50),
    ema12 = EMA(cl, 12), ema26 = EMA(cl, 26),
    wilder14 = EMA(cl, 14, wilder = TRUE),
    rsi14 = RSI(cl, 14),
    atr14 = atr[, "atr"], tr = atr[, "tr"],
    macd = macd[, "macd"], macd_signal = macd[, "signal"],
    bb_dn = bb[, "dn"], bb_mavg = bb[, "mavg"], bb_up = bb[, "up"],
    sd20_sample = runSD(cl, 20, sample = TRUE),
    sd20_pop = runSD(cl, 20, sample = FALSE),
    dc_high20 = dc[, "high"], dc_low20 = dc[, "low"])
  for (j in 2:ncol(out)) out[[j]] <- ifelse(is.na(out[[j]]), "NA", sprintf("%.17g", out[[j]]))
  write.csv(out, file.path("tests/data", paste0("ttr_", sym, ".csv")), row.names = FALSE, quote = FALSE)
}
