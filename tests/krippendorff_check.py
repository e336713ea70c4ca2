#!/usr/bin/python3
"""Second implementation of Krippendorff's alpha (interval metric), by the book.

Builds the coincidence matrix over the distinct values exactly as Krippendorff (2011,
"Computing Krippendorff's Alpha-Reliability", section E) does: each ordered pair of values
within a unit of m values adds 1/(m - 1) to o[c, k]; then D_o and D_e from the matrix and
the squared-difference metric. semio computes the same from per-unit sums
(src/eval/alpha.c), so the two meet only if both are right.

Reads cases from the file given, one per line: "UNITS CODERS v v v ..." (row-major,
units x coders, "nan" where a coder gave no value), and prints each case's alpha (nan when
undefined). Plain numpy, as Debian's /usr/bin/python3 has it.
"""
import sys

import numpy as np


def alpha_interval(data):
    values = np.unique(data[~np.isnan(data)])
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for unit in data:
        seen = unit[~np.isnan(unit)]
        m = len(seen)
        if m < 2:
            continue
        for i in range(m):
            for j in range(m):
                if i != j:
                    o[index[seen[i]], index[seen[j]]] += 1.0 / (m - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n < 2:
        return float("nan")
    delta = (values[:, None] - values[None, :]) ** 2
    d_o = (o * delta).sum() / n
    d_e = (np.outer(n_c, n_c) * delta).sum() / (n * (n - 1))
    if d_e == 0:
        return float("nan")
    return 1 - d_o / d_e


def main():
    with open(sys.argv[1]) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            units, coders = int(parts[0]), int(parts[1])
            data = np.array([float(x) for x in parts[2:]]).reshape(units, coders)
            print(repr(alpha_interval(data)))


if __name__ == "__main__":
    main()
