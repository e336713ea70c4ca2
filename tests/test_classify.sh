#!/bin/sh
# semio classify on the pilot's public labels: epileptic (label 1) or functional (0) from
# the experts' signs and from runs; sane figures, the same output for a seed, clear errors;
# and eval's paired summary line over two runs. Usage: tests/test_classify.sh SEMIO
set -u
SEMIO=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
. "$HERE/lib.sh"
PAPER="$HERE/fixtures/paper"
S="$T/s.db"
# json FILE EXPR: prints the Python expression EXPR of the JSON document j in FILE
json() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval("(" + sys.argv[2] + ")"))' "$1" "$2"
}

if ! built learn; then
  skip "semio classify (built without the part 'learn')"
  finish
  exit $?
fi

expect "the pilot's labels ingest" 0 "$SEMIO" ingest --study "$S" --labels "$PAPER/90_FeatureAnnotation.csv"

for model in logistic xgboost; do
  expect "$model from the labels" 0 "$SEMIO" classify --study "$S" --from labels --model "$model" \
    --resamples 300 --format json --recordings -o "$T/$model.json"
  if json "$T/$model.json" '(j["recordings"], j["patients"], j["positives"], len(j["recordings_p"]))' |
     grep -qx '(90, 29, 45, 90)'; then ok "$model: 90 recordings of 29 patients, 45 epileptic"
  else bad "$model: counts" "$(head -c 400 "$T/$model.json")"; fi
  if json "$T/$model.json" 'j["auc"]["value"] > 0.85 and j["auc"]["lo"] > 0.7 and
      j["accuracy"]["value"] > 0.8 and j["auc"]["lo"] <= j["auc"]["value"] <= j["auc"]["hi"]' |
     grep -qx True; then ok "$model: AUC well above 0.5, inside its interval"
  else bad "$model: figures" "$(json "$T/$model.json" '(j["accuracy"], j["f1"], j["auc"])')"; fi
  if json "$T/$model.json" 'len(j["weights"]) == 20 and
      [w["weight"] for w in j["weights"]] == sorted([w["weight"] for w in j["weights"]], reverse=True)' |
     grep -qx True; then ok "$model: 20 inputs, heaviest first"
  else bad "$model: weights" "$(head -c 400 "$T/$model.json")"; fi
done

expect "markdown" 0 "$SEMIO" classify --study "$S" --from labels --resamples 200 --seed 7
cp "$T/out" "$T/first.md"
has "markdown names the counts" "$T/first.md" "90 recordings of 29 patients, 45 with label 1"
has "markdown has the AUC row" "$T/first.md" "| AUC |"
expect "the same seed again" 0 "$SEMIO" classify --study "$S" --from labels --resamples 200 --seed 7
if cmp -s "$T/out" "$T/first.md"; then ok "the same seed gives the same output"
else bad "determinism" "$(diff "$T/first.md" "$T/out" | head -10)"; fi
expect "xgboost, csv" 0 "$SEMIO" classify --study "$S" --from labels --model xgboost \
  --resamples 100 --format csv --recordings -o "$T/x1.csv"
"$SEMIO" classify --study "$S" --from labels --model xgboost --resamples 100 --format csv \
  --recordings -o "$T/x2.csv"
if cmp -s "$T/x1.csv" "$T/x2.csv"; then ok "xgboost: the same seed gives the same output"
else bad "xgboost determinism" "$(diff "$T/x1.csv" "$T/x2.csv" | head -6)"; fi
has "csv has the metric rows" "$T/x1.csv" "metric,auc,"

expect "an unknown target column" 1 "$SEMIO" classify --study "$S" --from labels --target labl
has "it names the column" "$T/err" "no label column 'labl'"
has "... and lists the real ones" "$T/err" "label"
expect "a target that is not 0/1" 1 "$SEMIO" classify --study "$S" --from labels --target gender
has "it names the recording and value" "$T/err" "has gender 'male', which is neither"
expect "a run that does not exist" 1 "$SEMIO" classify --study "$S" --from nosuchrun
has "it names the run" "$T/err" "no run named 'nosuchrun'"
expect "no --from" 2 "$SEMIO" classify --study "$S"
expect "a bad model" 2 "$SEMIO" classify --study "$S" --from labels --model svm
expect "more folds than patients" 1 "$SEMIO" classify --study "$S" --from labels --folds 40
has "it says why" "$T/err" "cannot fill 40 folds"

# pred: the labels with one answer in eight flipped, and P(yes) near the answer; worse and
# better (one in three, one in twenty flipped) without P, for eval's paired comparison
python3 - "$PAPER/90_FeatureAnnotation.csv" "$T" <<'PY'
import csv, sys, random
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
signs = ["tonic", "clonic", "close_eyes", "pelvic_thrusting", "asynchronous_movement",
         "full_body_shaking", "ictal_vocalization"]
for name, flip, with_p in (("pred", 8, True), ("worse", 3, False), ("better", 20, False)):
    rnd = random.Random(flip)
    with open(sys.argv[2] + "/" + name + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file_name"] + signs + ([s + "_prob" for s in signs] if with_p else []))
        for r in rows:
            ans = []
            for s in signs:
                v = r[s] or "no"
                if rnd.randrange(flip) == 0:
                    v = "no" if v == "yes" else "yes"
                ans.append(v)
            probs = ["%.3f" % (0.7 + 0.3 * rnd.random() if a == "yes" else 0.3 * rnd.random())
                     for a in ans]
            w.writerow([r["file_name"]] + ans + (probs if with_p else []))
PY
expect "import a run with P(yes)" 0 "$SEMIO" import --study "$S" --run noisy "$T/pred.csv"
expect "classify from the run" 0 "$SEMIO" classify --study "$S" --from noisy --resamples 200 \
  --format json -o "$T/run.json"
if json "$T/run.json" 'sorted(w["input"] for w in j["weights"]) == sorted(s + t for s in ["tonic",
    "clonic", "close_eyes", "pelvic_thrusting", "asynchronous_movement", "full_body_shaking",
    "ictal_vocalization"] for t in ["", ":p"]) and j["recordings"] == 90' | grep -qx True
then ok "a run's inputs: each sign and its SIGN:p"
else bad "run inputs" "$(head -c 600 "$T/run.json")"; fi
if json "$T/run.json" 'j["auc"]["value"] > 0.7' | grep -qx True; then ok "the run's figures are sane"
else bad "run figures" "$(json "$T/run.json" 'j["auc"]')"; fi
expect "the pilot's audio answers as a run" 0 "$SEMIO" import --study "$S" --run af3 \
  "$PAPER/AF3_90_audio_feature.csv"
expect "classify from two audio signs" 0 "$SEMIO" classify --study "$S" --from af3 \
  --resamples 100 --format json -o "$T/af3.json"
if json "$T/af3.json" 'len(j["weights"]) == 2 and j["recordings"] + j["no_input"] == 90' |
   grep -qx True; then ok "yes/no only: two inputs, recordings without one counted"
else bad "af3" "$(head -c 600 "$T/af3.json")"; fi

expect "import a worse run" 0 "$SEMIO" import --study "$S" --run worse "$T/worse.csv"
expect "import a better run" 0 "$SEMIO" import --study "$S" --run better "$T/better.csv"
expect "eval two runs" 0 "$SEMIO" eval --study "$S" --run worse,better --resamples 300
if grep -Eq '^better beats worse on [4-6] of 6 visual signs \([0-9]+ with an interval above zero\)\.$' "$T/out"
then ok "the summary line: six visual signs (ictal_vocalization is audio), most better"
else bad "summary" "$(grep beats "$T/out")"; fi
expect "eval json" 0 "$SEMIO" eval --study "$S" --run worse,better --resamples 300 --format json \
  -o "$T/eval.json"
if json "$T/eval.json" '(lambda c: (c["a"], c["b"], c["visual_signs"], c["b_better"] >= 4,
    c["b_better_ci_above_zero"] <= c["b_better"]))(j["comparisons"][0])' |
   grep -qx "('worse', 'better', 6, True, True)"; then ok "eval json has the comparison's counts"
else bad "eval json" "$(json "$T/eval.json" 'j.get("comparisons")')"; fi
expect "report html" 0 "$SEMIO" report --study "$S" --run worse,better --resamples 100 -o "$T/r.html"
has "the page has the summary" "$T/r.html" "better beats worse on "

finish
