#!/usr/bin/python3
"""Second implementation of semio's robustness to wording (semio eval --robustness).

Usage: robustness_check.py STUDY.db OUT.json SET[,SET...]

Reads the sets' answers from the study and compares with semio's JSON (binary rules, the
default any-yes merge) to 1e-9: F1 per set with scikit-learn on recordings (a recording's
windows merged by any-yes), Fleiss' kappa with statsmodels, flips and consistency in
plain Python. Run with Debian's /usr/bin/python3 (python3-sklearn, python3-statsmodels).
"""
import json
import sqlite3
import statistics
import sys
from collections import defaultdict

from sklearn.metrics import f1_score
from statsmodels.stats.inter_rater import fleiss_kappa

db, out, sets = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
c = sqlite3.connect(db)
labels = {(v, s): x for v, s, x in
          c.execute("SELECT video_id, sign, value FROM labels WHERE value IS NOT NULL")}
labeled = {v for (v,) in c.execute("SELECT DISTINCT video_id FROM labels")}
got = json.load(open(out))

# answers[(video, segment, view, sign)][set] -> yes/no/na/failed
answers = defaultdict(dict)
for name in sets:
    for v, g, view, s, a, st in c.execute(
            "SELECT a.video_id, a.segment_id, a.view, a.sign, a.answer, a.status FROM answers a "
            "JOIN runs r ON r.id = a.run_id WHERE r.name = ?", (name,)):
        if v in labeled:
            answers[(v, g, view, s)][name] = "failed" if st == "failed" else a


def merged(values):
    """any-yes: yes if any window says yes, else no if any says no, else left out."""
    return "yes" if "yes" in values else "no" if "no" in values else None


def f1_of(name, sign):
    per_rec = defaultdict(list)
    for (v, g, view, s), by_set in answers.items():
        if s == sign and name in by_set:
            per_rec[v].append(by_set[name])
    y, p = [], []
    for v, values in per_rec.items():
        m = merged(values)
        if (v, sign) in labels and m is not None:
            y.append(labels[(v, sign)])
            p.append(1 if m == "yes" else 0)
    return f1_score(y, p, zero_division=0)


def expected(sign):
    f1 = [f1_of(n, sign) for n in sets]
    rows, left = [], 0
    for (v, g, view, s), by_set in answers.items():
        if s != sign:
            continue
        votes = [by_set.get(n) for n in sets]
        if all(x in ("yes", "no") for x in votes):
            rows.append(sum(x == "yes" for x in votes))
        else:
            left += 1
    n = len(sets)
    table = [[n - y, y] for y in rows]
    return {
        "f1": dict(zip(sets, f1)),
        "f1_mean": statistics.mean(f1), "f1_sd": statistics.stdev(f1),
        "f1_min": min(f1), "f1_max": max(f1), "f1_range": max(f1) - min(f1),
        "flips": sum(0 < y < n for y in rows) / len(rows),
        "kappa": fleiss_kappa(table, method="fleiss"),
        "consistency": statistics.mean(max(y, n - y) / n for y in rows),
        "full_agreement": sum(y in (0, n) for y in rows) / len(rows),
        "windows": len(rows), "left_out": left,
    }


failures = 0


def same(what, a, b):
    global failures
    if abs(a - b) > 1e-9:
        print(f"FAIL {what}: semio {a!r}, check {b!r}")
        failures += 1


want = {g["sign"]: expected(g["sign"]) for g in got["signs"]}
for g in got["signs"]:
    e = want[g["sign"]]
    for k, v in e.items():
        if k == "f1":
            for n in sets:
                same(f"{g['sign']} F1 of {n}", g["f1"][n], v[n])
        else:
            same(f"{g['sign']} {k}", g[k], v)
ranked = sorted(want, key=lambda s: (-want[s]["f1_range"], -want[s]["f1_sd"]))
if ranked != [g["sign"] for g in got["signs"]]:
    print(f"FAIL ranking: semio {[g['sign'] for g in got['signs']]}, check {ranked}")
    failures += 1
for k in ("f1_mean", "f1_sd", "f1_range", "flips", "kappa", "consistency", "full_agreement"):
    same(f"macro {k}", got["macro"][k], statistics.mean(w[k] for w in want.values()))
signs_checked = len(got["signs"])
print(f"{signs_checked} signs x {len(sets)} sets compared, {failures} differences")
sys.exit(1 if failures or not signs_checked else 0)
