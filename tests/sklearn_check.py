#!/usr/bin/python3
"""Second implementation of semio's per-sign metrics, on scikit-learn.

Reads cases from the file given (one per line: "RULES LABELS ANSWERS", labels as
y/n/u and answers as y/n/a(na)/f(failed)/m(missing)) and prints, per case, the seven
metrics in semio's order (nan where undefined). Run with Debian's /usr/bin/python3,
which sees python3-sklearn.
"""
import sys
import warnings

import numpy as np
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, cohen_kappa_score,
                             f1_score, multilabel_confusion_matrix, precision_score,
                             recall_score)
from sklearn.utils.multiclass import unique_labels

warnings.filterwarnings("ignore")


def prepare(rules, labels, answers):
    """The rows and values each rule set scores (see SemioRules in include/semio/eval.h)."""
    y_true, y_pred = [], []
    for lab, ans in zip(labels, answers):
        if lab == "u" or ans == "m":
            continue
        truth = "yes" if lab == "y" else "no"
        wrong = "no" if lab == "y" else "yes"
        if ans in "yn":
            pred = "yes" if ans == "y" else "no"
        elif ans == "a":
            if rules == "binary":
                continue
            pred = "na" if rules == "pilot" else wrong
        else:  # failed
            if rules != "strict":
                continue
            pred = wrong
        y_true.append(truth)
        y_pred.append(pred)
    return y_true, y_pred


def metrics(y_true, y_pred):
    if not y_true:
        return [float("nan")] * 7
    acc = accuracy_score(y_true, y_pred)
    kappa = cohen_kappa_score(y_true, y_pred)
    bal = balanced_accuracy_score(y_true, y_pred)
    if "na" in y_pred:
        kw = dict(average="macro", zero_division=0)
        classes = unique_labels(y_true, y_pred)
        mcm = multilabel_confusion_matrix(y_true, y_pred, labels=classes)
        spec = np.mean([m[0, 0] / (m[0, 0] + m[0, 1]) if m[0, 0] + m[0, 1] else 0.0 for m in mcm])
    else:
        kw = dict(average="binary", pos_label="yes", labels=["no", "yes"], zero_division=0)
        spec = recall_score(y_true, y_pred, average="binary", pos_label="no",
                            labels=["no", "yes"], zero_division=0)
    return [acc, precision_score(y_true, y_pred, **kw), recall_score(y_true, y_pred, **kw),
            f1_score(y_true, y_pred, **kw), spec, bal, kappa]


def main():
    for line in open(sys.argv[1]):
        rules, labels, answers = line.split()
        print(" ".join(repr(float(v)) for v in metrics(*prepare(rules, labels, answers))))


if __name__ == "__main__":
    main()
