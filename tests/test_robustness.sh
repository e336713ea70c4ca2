#!/bin/sh
# semio eval --robustness: prompt sets (runs over the same windows) compared per sign, its
# figures checked against a second implementation (tests/robustness_check.py: scikit-learn,
# statsmodels), and the errors for too few runs or runs over other windows.
set -u
SEMIO=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
. "$HERE/lib.sh"
S="$T/s.db"

expect "the pilot's labels ingest" 0 "$SEMIO" ingest --study "$S" --labels "$HERE/fixtures/paper/90_FeatureAnnotation.csv"
# Four prompt sets over three windows of each recording: B agrees with A but for one answer
# in ten, C for one in three, D is A inverted on clonic; some answers fail or say na. E asked
# other windows.
python3 - "$S" <<'PY'
import random, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rnd = random.Random(14)
now = "2024-01-01T00:00:00Z"
for name in ("w10", "w5"):
    c.execute("INSERT INTO segment_sets(name, window, overlap, within_labels, margin, created_at) "
              "VALUES (?, 10, 0, 0, 0, ?)", (name, now))
videos = [v for (v,) in c.execute("SELECT id FROM videos ORDER BY id")]
seg = {}
for set_id, name in c.execute("SELECT id, name FROM segment_sets").fetchall():
    for v in videos:
        for o in range(3):
            cur = c.execute("INSERT INTO segments(set_id, video_id, ordinal, start_s, end_s) "
                            "VALUES (?, ?, ?, ?, ?)", (set_id, v, o, 10.0 * o, 10.0 * o + 10))
            seg[(name, v, o)] = cur.lastrowid
labels = {(v, s): x for v, s, x in c.execute("SELECT video_id, sign, value FROM labels")}
signs = ["tonic", "clonic", "close_eyes"]
base = {}
for v in videos:
    for s in signs:
        for o in range(3):
            lab = labels.get((v, s))
            truth = "yes" if lab == 1 else "no"
            base[(v, s, o)] = truth if rnd.random() < 0.7 else ("no" if truth == "yes" else "yes")
def flip(a):
    return "no" if a == "yes" else "yes"
for name, segs, noise in (("A", "w10", 0), ("B", "w10", 10), ("C", "w10", 3), ("D", "w10", 0),
                          ("E", "w5", 0)):
    run = c.execute("INSERT INTO runs(name, engine, segment_set, prompt_set, settings_json, "
                    "version, created_at) VALUES (?, 'test', ?, ?, '{}', 'test', ?)",
                    (name, segs, name, now)).lastrowid
    for v in videos:
        for s in signs:
            for o in range(3):
                a = base[(v, s, o)]
                if noise and rnd.randrange(noise) == 0:
                    a = flip(a)
                if name == "D" and s == "clonic":
                    a = flip(a)
                r = rnd.random()
                status = "ok"
                if r < 0.03:
                    a, status = None, "failed"
                elif r < 0.05:
                    a = "na"
                c.execute("INSERT INTO answers(run_id, video_id, segment_id, sign, answer, status, "
                          "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (run, v, seg[(segs, v, o)], s, a, status, now))
c.commit()
PY

expect "eval --robustness A,B,C,D (json)" 0 "$SEMIO" eval --study "$S" --robustness A,B,C,D \
  --rules binary --resamples 0 --format json -o "$T/rb.json"
if /usr/bin/python3 -c "import sklearn, statsmodels" 2>/dev/null; then
  if /usr/bin/python3 "$HERE/robustness_check.py" "$S" "$T/rb.json" A,B,C,D > "$T/check" 2>&1
  then ok "F1 spread, flips, Fleiss' kappa and consistency agree with sklearn/statsmodels to 1e-9 ($(tail -1 "$T/check"))"
  else bad "the second implementation disagrees" "$(tail -c 900 "$T/check")"; fi
else
  skip "robustness against statsmodels (/usr/bin/python3 lacks python3-sklearn or python3-statsmodels)"
fi
if python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); s={g["sign"]: g for g in j["signs"]}
assert s["clonic"]["flips"] == 1 and s["clonic"]["kappa"] < 0 and s["clonic"]["full_agreement"] == 0, s["clonic"]
assert j["signs"][0]["sign"] == "clonic", [g["sign"] for g in j["signs"]]' "$T/rb.json" 2> "$T/err"
then ok "a set inverted on clonic: every window flips, kappa below 0, clonic ranked most sensitive"
else bad "inverted set" "$(tail -c 600 "$T/err")"; fi

expect "eval --robustness (markdown)" 0 "$SEMIO" eval --study "$S" --robustness A,B,C --resamples 0
has "the table names its columns" "$T/out" "| sign | F1 mean ± SD | min | max | range | flips | kappa |"
has "and says how na and failures count" "$T/out" "counted apart as left out"
expect "eval --robustness (csv)" 0 "$SEMIO" eval --study "$S" --robustness A,B --resamples 0 --format csv
has "csv header" "$T/out" "sign,f1_mean,f1_sd,f1_min,f1_max,f1_range,flips,kappa,consistency"
expect "tex is refused for robustness" 1 "$SEMIO" eval --study "$S" --robustness A,B --resamples 0 --format tex
has "it says which formats" "$T/err" "md, csv or json"

expect "one run is not enough" 2 "$SEMIO" eval --study "$S" --robustness A
has "it says why" "$T/err" "at least two runs"
expect "a run over other windows" 1 "$SEMIO" eval --study "$S" --robustness A,B,E --resamples 0
has "it names the run" "$T/err" "run 'E' asked segment set 'w5'"
expect "a run not in the evaluation" 1 "$SEMIO" eval --study "$S" --run A,B --robustness A,C --resamples 0
has "it names that run" "$T/err" "run 'C' is not in the evaluation"
expect "robustness needs a study" 2 "$SEMIO" eval --labels x.csv --predictions y.csv --robustness A,B

expect "report --robustness" 0 "$SEMIO" report --study "$S" --robustness A,B,C,D --resamples 0 -o "$T/r.html"
has "the report has the section" "$T/r.html" "<h2>Robustness to wording</h2>"
has "and the F1 range plot" "$T/r.html" 'aria-label="F1 range across prompt sets"'
if grep -q "<script" "$T/r.html"; then bad "the report has no scripts"; else ok "the report has no scripts"; fi
finish
