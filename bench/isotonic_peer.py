#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The peer of bench_isotonic: scikit-learn on the same data.
Usage: isotonic_peer.py PAIRS_FILE QUERIES_FILE (raw float64 arrays).
Prints "fit_seconds predict_seconds max_abs_prediction" for the same
work bench_isotonic times (loading the files is not timed)."""
import sys
import time

import numpy as np
from sklearn.isotonic import IsotonicRegression

pairs = np.fromfile(sys.argv[1], dtype=np.float64).reshape(-1, 2)
queries = np.fromfile(sys.argv[2], dtype=np.float64)
x, y = pairs[:, 0].copy(), pairs[:, 1].copy()
t0 = time.perf_counter()
ir = IsotonicRegression(out_of_bounds="clip").fit(x, y)
t1 = time.perf_counter()
p = ir.predict(queries)
t2 = time.perf_counter()
print(f"{t1 - t0:.6f} {t2 - t1:.6f} {p.sum():.17g}")
