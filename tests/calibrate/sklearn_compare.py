#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""argo's isotonic regression against scikit-learn's, the reference.

Usage: sklearn_compare.py ARGO_BINARY SOURCE_DIR
Fits the same data with `argo calibrate fit --csv` and with
sklearn.isotonic.IsotonicRegression(out_of_bounds="clip"), then compares
the fitted points (X_thresholds_, y_thresholds_) and predictions on a
grid through `argo calibrate predict`: the largest absolute difference
must be <= 1e-12. Data: random with many ties and weights (some zero),
continuous without weights, near-ties below numpy's resolution, and the
(raw confidence, label) pairs of a replay of the shipped real series.
Exits 77 (skipped) when scikit-learn is not installed.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn.isotonic import IsotonicRegression
except ImportError:
    print("SKIP: scikit-learn is not installed (Debian package python3-sklearn; "
          "scripts/setup.sh --test installs it)")
    sys.exit(77)

TOL = 1e-12
argo, src = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="argo-sklearn-")
db = os.path.join(tmp, "cmp.db")
failures = 0
passes = 0


def run(*args, stdin=None):
    r = subprocess.run([argo, *args, "--db", db], input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"argo {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


def compare(name, x, y, w=None):
    global failures, passes
    path = os.path.join(tmp, name + ".csv")
    with open(path, "w") as f:
        f.write("confidence,label" + (",weight" if w is not None else "") + "\n")
        for i in range(len(x)):
            row = f"{x[i]:.17g},{int(y[i])}"
            if w is not None:
                row += f",{w[i]:.17g}"
            f.write(row + "\n")
    model = json.loads(run("calibrate", "fit", "--csv", path, "--json"))
    ir = IsotonicRegression(out_of_bounds="clip").fit(x, y, sample_weight=w)
    ax, ay = np.array(model["x"]), np.array(model["y"])
    if len(ax) != len(ir.X_thresholds_):
        print(f"FAIL {name}: {len(ax)} fitted points, sklearn has {len(ir.X_thresholds_)}")
        failures += 1
        return
    dpts = max(np.max(np.abs(ax - ir.X_thresholds_)), np.max(np.abs(ay - ir.y_thresholds_)))
    grid = np.concatenate([np.linspace(0, 1, 2001), ir.X_thresholds_,
                           (ir.X_thresholds_[:-1] + ir.X_thresholds_[1:]) / 2])
    grid = grid[(grid >= 0) & (grid <= 1)]
    out = run("calibrate", "predict", "--model", str(model["version"]),
              stdin="".join(f"{g:.17g}\n" for g in grid))
    pa = np.array([float(v) for v in out.split()])
    dpred = np.max(np.abs(pa - ir.predict(grid)))
    ok = dpts <= TOL and dpred <= TOL and len(pa) == len(grid)
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {len(x)} samples, {len(ax)} points, "
          f"max |diff| points {dpts:.3g}, predictions {dpred:.3g} over {len(grid)} values")
    if ok:
        passes += 1
    else:
        failures += 1


rng = np.random.default_rng(20261124)
for seed in range(3):
    n = 3000
    x = rng.integers(0, 200, n) / 200.0           # many ties
    y = (rng.random(n) < x).astype(float)
    w = rng.uniform(0.1, 3.0, n)
    w[rng.random(n) < 0.05] = 0.0                 # some zero weights
    compare(f"ties-weighted-{seed}", x, y, w)
x = rng.random(5000)
compare("continuous", x, (rng.random(5000) < x ** 2).astype(float))
base = rng.integers(0, 50, 2000) / 50.0
x = np.clip(base + rng.integers(0, 3, 2000) * 1e-17, 0, 1)  # ties below 1e-15
compare("near-ties", x, (rng.random(2000) < 0.5).astype(float))

# the shipped real data: replay it, then take (raw confidence, label)
for sym in ("TTRC", "MSFT"):
    run("ingest", os.path.join(src, "data", "market", sym + ".csv"))
run("replay", "--quiet")
sigs = json.loads(run("signals", "--json"))
x, y = [], []
for s in sigs:
    if s["status"] == "OPEN":
        continue
    x.append(s["raw_confidence"])
    y.append(1.0 if s["status"] == "WIN" or (s["status"] == "EXPIRED" and s["pnl_pct"] > 0)
             else 0.0)
compare("shipped-replay", np.array(x), np.array(y))

print(f"{passes} passed, {failures} failed")
sys.exit(1 if failures else 0)
