#!/usr/bin/python3
"""scikit-learn's side of tests/test_learn.c: the logistic learner and semio_auc against
LogisticRegression(solver="liblinear") and roc_auc_score on the same data and folds.

Usage: sklearn_logistic.py IN OUT. IN: a line "n d k c eps balanced", then n rows of
"fold y score x1 .. xd" ("nan" = missing). OUT: each row's out-of-fold P(y = 1), one a
line, then the AUC of the scores. Exit status 3 when scikit-learn is not installed.

The C learner standardizes each feature with the training rows' mean and population
standard deviation (missing values left out; a constant or unseen feature gets sd 1),
puts 0 (the mean) for a missing value, and adds liblinear's bias feature of 1: here the
same scaling, and intercept_scaling=1, which is that bias (penalized like a weight).
"""
import sys

import numpy as np

try:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
except ImportError:
    sys.exit(3)


def scale(train, rows):
    mean = np.nanmean(train, axis=0)
    mean = np.where(np.isnan(mean), 0.0, mean)
    sd = np.sqrt(np.nanmean((train - mean) ** 2, axis=0))
    sd = np.where(np.isnan(sd) | (sd <= 0), 1.0, sd)
    z = (rows - mean) / sd
    return np.where(np.isnan(z), 0.0, z)


def main():
    with open(sys.argv[1]) as f:
        n, d, k, c, eps, balanced = f.readline().split()
        n, d, k = int(n), int(d), int(k)
        data = np.array([[float(v) for v in f.readline().split()] for _ in range(n)])
    fold, y, score, x = data[:, 0].astype(int), data[:, 1].astype(int), data[:, 2], data[:, 3:]
    p = np.zeros(n)
    for f in range(k):
        tr, te = fold != f, fold == f
        m = LogisticRegression(solver="liblinear", C=float(c), tol=float(eps),
                               class_weight="balanced" if int(balanced) else None,
                               intercept_scaling=1, max_iter=10000)
        m.fit(scale(x[tr], x[tr]), y[tr])
        p[te] = m.predict_proba(scale(x[tr], x[te]))[:, list(m.classes_).index(1)]
    with open(sys.argv[2], "w") as out:
        for v in p:
            out.write("%.12g\n" % v)
        out.write("%.12g\n" % roc_auc_score(y, score))


main()
