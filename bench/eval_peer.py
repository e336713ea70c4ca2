#!/usr/bin/python3
"""numpy peer of bench_eval: the same patient bootstrap, vectorized per resample.

Reads bench/out/eval-data.txt (patients, labels, then one line of answers per run) and
times RESAMPLES resamples of: weighted confusion tables with np.bincount, then accuracy,
precision, recall, F1, specificity, balanced accuracy and kappa per run and sign, and
the macro mean. Prints the seconds.
"""
import sys
import time

import numpy as np


def main():
    lines = open(sys.argv[1]).read().split("\n")
    resamples = int(sys.argv[2])
    patient = np.array(lines[0].split(), dtype=int)
    rows, npat = len(patient), patient.max() + 1
    labels = np.array(lines[1].split(), dtype=int).reshape(-1, rows)
    runs = [np.array(l.split(), dtype=int).reshape(-1, rows) for l in lines[2:] if l.strip()]
    # pilot rules: unknown labels and failed answers out, na (2) stays as its own column
    cells = []
    for ans in runs:
        c = np.where((labels >= 0) & (ans <= 2), labels * 3 + np.minimum(ans, 2), -1)
        cells.append(c)
    rng = np.random.default_rng(1)
    start = time.monotonic()
    for _ in range(resamples):
        mult = np.bincount(rng.integers(0, npat, npat), minlength=npat)
        w = mult[patient]
        for c in cells:
            f1s = []
            for s in range(c.shape[0]):
                keep = c[s] >= 0
                t = np.bincount(c[s][keep], weights=w[keep], minlength=6)
                tp, fp, fn, tn = t[4], t[1], t[3] + t[5], t[0] + t[2]
                n = t.sum()
                acc = (t[0] + t[4]) / n if n else np.nan
                p = tp / (tp + fp) if tp + fp else 0.0
                r = tp / (tp + fn) if tp + fn else 0.0
                f1 = 2 * p * r / (p + r) if p + r else 0.0
                spec = tn / (tn + fp) if tn + fp else 0.0
                rows_ = np.array([t[0] + t[1] + t[2], t[3] + t[4] + t[5]])
                cols = np.array([t[0] + t[3], t[1] + t[4]])
                pe = (rows_ * cols).sum() / n / n if n else 1.0
                kappa = (acc - pe) / (1 - pe) if pe < 1 else np.nan
                bal = np.mean([t[0] / rows_[0] if rows_[0] else np.nan,
                               t[4] / rows_[1] if rows_[1] else np.nan])
                f1s.append((acc, p, r, f1, spec, bal, kappa))
            np.nanmean(np.array(f1s), axis=0)
    print(f"{time.monotonic() - start:.4f}")


if __name__ == "__main__":
    main()
