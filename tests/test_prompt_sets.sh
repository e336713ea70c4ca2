#!/bin/sh
# Paraphrase sets (issue 14): semio ask --prompts A,B,... makes a run per set, asks each
# window's questions of every set one after another on one replica, and says how much of
# the prompt the server's prefix cache served; bad sets are refused before anything is
# stored. Against tests/fake_openai.py --prefix-cache. Usage: tests/test_prompt_sets.sh SEMIO
set -u
SEMIO=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
check() { name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$(tail -c 600 "$T/err" 2>/dev/null)" "$(tail -c 600 "$T/out" 2>/dev/null)"; fi; }
# reuse OUT: the percentage of the prefix reuse line
reuse() { sed -n 's/^prefix reuse: .* tokens served from the server.s cache (\([0-9.]*\)%)$/\1/p' "$1"; }

sampled_study
start_fake_openai a --prefix-cache 1 # a server that reports cached tokens
URL="http://127.0.0.1:$PORT_a/v1"
ask() { "$SEMIO" ask --study "$S" --url "$URL" --model m --signs tonic,clonic "$@" > "$T/out" 2> "$T/err"; }

"$SEMIO" ask --help > "$T/out"
has "ask --help names the built-in sets" "$T/out" "--prompts plain|clinical|describe|short|FILE[,...]"

# Four sets at once: a run each, every window's 8 questions (2 signs x 4 sets) together,
# a sign's paraphrases one after another. One request at a time, so the log is the order.
ask --run ps --prompts plain,clinical,describe,short --concurrency 1
check "four sets: four runs, every question answered" grep -q "^run 'ps-plain, ps-clinical, ps-describe, ps-short': 48 questions, 0 answered before, 48 answered now, 0 failed" "$T/out"
check "each run is named after its set and records it" test "$(sql "SELECT group_concat(name || '=' || prompt_set, ' ') FROM (SELECT * FROM runs ORDER BY id)")" = "ps-plain=plain ps-clinical=clinical ps-describe=describe ps-short=short"
check "each run holds its set's 12 answers" test "$(sql "SELECT count(*) FROM (SELECT run_id FROM answers WHERE status = 'ok' GROUP BY run_id HAVING count(*) = 12 AND count(DISTINCT prompt_hash) = 2)")" = 4
check "each set asks in its own words" test "$(sql "SELECT count(DISTINCT prompt_hash) FROM answers")" = 8
python3 - "$S" "$T/a.log" > "$T/order" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
who = {h: (r, s) for h, r, s in db.execute(
    "SELECT a.prompt_hash, r.name, a.sign FROM answers a JOIN runs r ON r.id = a.run_id")}
log = [json.loads(l) for l in open(sys.argv[2])]
blocks = []  # (segment, [(run, sign)...]) in arrival order
for e in log:
    if not blocks or blocks[-1][0] != e["segment"]:
        blocks.append((e["segment"], []))
    blocks[-1][1].append(who[e["question_sha"]])
want = [(f"ps-{s}", g) for g in ("tonic", "clonic") for s in ("plain", "clinical", "describe", "short")]
print("windows", len(blocks), "distinct", len({b[0] for b in blocks}))
print("order", all(b[1] == want for b in blocks))
PY
check "each window's 8 questions arrive together (6 windows, one block each)" grep -qx "windows 6 distinct 6" "$T/order"
check "a sign's 4 paraphrases follow each other" grep -qx "order True" "$T/order"
check "the reuse is reported" grep -q "^prefix reuse: [0-9]* of [0-9]* prompt tokens served from the server's cache" "$T/out"
together=$(reuse "$T/out")
check "most of the prompt comes from the cache ($together%)" python3 -c "import sys; sys.exit(not float('$together') >= 70)"

# The same four sets one after another (a command each): a window's images are sent again
# for every set, so the cache serves far less.
for s in plain clinical describe short; do
  ask --run seq-$s --prompts $s --concurrency 1
  cat "$T/out" >> "$T/seq"
done
apart=$(python3 -c "import json; e=[json.loads(l) for l in open('$T/a.log')][48:]; print(round(100 * sum(x['cached_tokens'] for x in e) / sum(x['prompt_tokens'] for x in e), 1))")
echo "# prefix reuse: $together% with the sets asked together, $apart% one set after another"
check "asked together, the cache serves more than one set after another ($together% > $apart%)" python3 -c "import sys; sys.exit(not float('$together') > float('$apart') + 15)"
check "one set keeps its run's name" grep -q "^run 'seq-clinical': 12 questions" "$T/seq"

# With the default concurrency the answers are the same and so is the order per window.
ask --run ps --prompts plain,clinical,describe,short
check "resumed: nothing asked again" grep -q "48 questions, 48 answered before, 0 answered now" "$T/out"

# Sets of one's own, by path; bad ones are refused before anything is stored.
runs() { sql "SELECT count(*) FROM runs"; }
before=$(runs)
sed '/^clonic/d' "$HERE/../data/prompts/plain.tsv" > "$T/noclonic.tsv"
cp "$HERE/../data/prompts/clinical.tsv" "$T/clinical.tsv"
expect "a missing file is refused" 1 ask --run bad --prompts plain,"$T/none.tsv"
has "the error names the missing file" "$T/err" "$T/none.tsv"
expect "a set without a sign's question is refused" 1 ask --run bad --prompts plain,"$T/noclonic.tsv"
has "the error names the file and the sign" "$T/err" "$T/noclonic.tsv: no question for sign clonic"
expect "two sets of one name are refused" 1 ask --run bad --prompts "$T/clinical.tsv",clinical
has "the error names both" "$T/err" "$T/clinical.tsv and clinical would both make run 'bad-clinical'"
expect "an unknown set name is refused" 1 ask --run bad --prompts plain,nosuch
has "the error lists the built-in sets" "$T/err" "'nosuch' is neither a built-in set (plain, clinical, describe, short)"
# a run of the sets' names that exists with other settings: refused, none of the others made
ask --run clash-clinical --prompts clinical --signs tonic
after_clash=$(runs)
expect "a set's run started with other settings is refused" 1 ask --run clash --prompts plain,clinical
has "the error names the run" "$T/err" "run 'clash-clinical' was started with other settings"
check "nothing was stored for the refused commands" test "$(runs)" -eq "$after_clash" -a "$after_clash" -eq $((before + 1))
check "no answer stored for them" test "$(sql "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name LIKE 'bad%' OR r.name = 'clash-plain'")" = 0
ask --run own --prompts "$T/clinical.tsv",short
check "a file's run is named after the file" grep -q "^run 'own-clinical, own-short': 24 questions, 0 answered before, 24 answered now" "$T/out"

# the four sets' runs, as eval --robustness reads them (the test server answers by the
# question's length, so some paraphrases flip)
printf 'file_name,tonic,clonic\nQ1@1-1-2024@R1@sz_v1.mp4,yes,no\nQ2@1-1-2024@R2@sz_v1.mp4,no,yes\n' > "$T/labels.csv"
"$SEMIO" ingest --study "$S" --labels "$T/labels.csv" > /dev/null 2>&1
"$SEMIO" eval --study "$S" --robustness ps-plain,ps-clinical,ps-describe,ps-short --format json > "$T/rob.json" 2> "$T/err"
check "eval --robustness reads the four sets' runs" test $? -eq 0
check "and counts every window of both signs" python3 -c "import json,sys; d=json.load(open(sys.argv[1])); s={x['sign']: x for x in d['signs']}; sys.exit(not (set(s) == {'tonic', 'clonic'} and all(x['windows'] == 6 for x in s.values())))" "$T/rob.json"
finish
