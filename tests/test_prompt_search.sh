#!/bin/sh
# semio prompts: a search against a test server whose answers are right more often when
# the question names the behaviour, and a reflection server that proposes such a rewrite.
# The search finds it; no test patient's window goes out before the final scoring; the
# budget holds; kill -9 and a rerun end with the same result; evaluate refuses the test
# patients; a reply that is no question is a rejected candidate with its reason.
# Usage: tests/test_prompt_search.sh SEMIO
set -u
SEMIO=$(realpath "$1")
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

# 12 patients, a 4 s recording each of its own size; clonic yes for every other one
mkdir -p "$T/rec"
printf 'file_name,clonic\n' > "$T/labels.csv"
printf '{' > "$T/truth.json"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  w=$((64 + 16 * i)); f="P$i@1-1-2024@R$i@sz_v1.mp4"
  "$MKCLIP" "$T/rec/$f" 120 $w 48 > /dev/null || exit 1
  v=$([ $((i % 2)) -eq 0 ] && echo yes || echo no)
  printf '%s,%s\n' "$f" "$v" >> "$T/labels.csv"
  [ "$i" -gt 1 ] && printf ', ' >> "$T/truth.json"
  printf '"%sx48": "%s"' "$w" "$v" >> "$T/truth.json"
done
printf '}\n' >> "$T/truth.json"
S="$T/s.db"
"$SEMIO" ingest --study "$S" --labels "$T/labels.csv" "$T/rec" > /dev/null
"$SEMIO" segment --study "$S" --window 1 > /dev/null
"$SEMIO" sample --study "$S" --frames 2 > /dev/null 2>&1

start_fake_openai a --truth "$T/truth.json"
start_fake_openai r --truth "$T/truth.json" --reflect-bad 1
A="--url http://127.0.0.1:$PORT_a/v1 --model test-vlm --concurrency 1"
R="--reflect-url http://127.0.0.1:$PORT_r/v1 --reflect-model test-llm"
BUDGET=400
opt() { "$SEMIO" prompts optimize --study "$S" --name s1 --signs clonic $A $R --budget $BUDGET --minibatch 6 --seed 3 "$@"; }

# kill -9 mid-search, then the whole search: the rerun continues (semio itself in the
# background, so that $! is its pid and not a subshell's)
"$SEMIO" prompts optimize --study "$S" --name s1 --signs clonic $A $R --budget $BUDGET \
  --minibatch 6 --seed 3 > "$T/killed" 2> "$T/err" &
pid=$!
n=0; while [ "$(wc -l < "$T/a.log" 2>/dev/null || echo 0)" -lt 60 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
check "the search was killed mid-way" test "$(sql "SELECT count(*) FROM candidate_scores WHERE part = 'test'")" = 0
opt > "$T/first" 2> "$T/err"; rc=$?
check "resumed to the end" test $rc -eq 0
json() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["signs"]["clonic"]; print(eval(sys.argv[2]))' "$1" "$2"; }
json "$T/first" 'j["chosen"]["question"]' > "$T/chosen"
check "the search finds the question that names the behaviour" grep -q jerking "$T/chosen"
check "the chosen question does better on test" test "$(json "$T/first" 'j["chosen"]["test"]["correct"] > j["base"]["test"]["correct"]')" = True
check "the budget holds" test "$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if "reflection" not in json.loads(l) and "get" not in json.loads(l)))' "$T/a.log")" -le $BUDGET
# test patients' windows: their frames' sizes; none asked before the first test score
python3 - "$S" "$T/a.log" "$T/truth.json" > "$T/order" <<'PY'
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
test = {r[0] for r in c.execute("SELECT patient FROM prompt_splits WHERE part = 'test'")}
sizes = {"%dx48" % (64 + 16 * int(p[1:])) for p in test}
log = [json.loads(l) for l in open(sys.argv[2])]
asked = [e for e in log if "size" in e]
first_test = next(i for i, e in enumerate(asked) if e["size"] in sizes)
# every question after the first test window is the final scoring's: base or chosen on test
print(all(e["size"] in sizes for e in asked[first_test:]), len(sizes), first_test)
PY
check "no test patient's window asked before the final scoring" grep -q '^True 3' "$T/order"
check "a reply that is no question is stored as rejected, with why" test "$(sql "SELECT count(*) FROM prompt_candidates WHERE status = 'rejected' AND why LIKE '%question mark%'")" -ge 1
check "every reflection keeps the tokens it cost" test "$(sql "SELECT count(*) FROM reflections WHERE prompt_tokens = 50 * attempts AND completion_tokens = 20 * attempts")" = "$(sql "SELECT count(*) FROM reflections")"
check "and the result sums them" test "$(json "$T/first" 'j["reflection_prompt_tokens"] == 50 * j["reflections"] > 0')" = True
check "every candidate keeps its parent and its reflection" test "$(sql "SELECT count(*) FROM prompt_candidates c JOIN reflections f ON f.candidate_id = c.id WHERE c.parent_id IS NOT NULL")" = "$(sql "SELECT count(*) FROM prompt_candidates WHERE step > 0")"
before=$(wc -l < "$T/a.log")
opt > "$T/again" 2> "$T/err"; rc=$?
check "a rerun of a finished search" test $rc -eq 0
check "gives the same result" sh -c "python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))[\"signs\"]; b=json.load(open(sys.argv[2]))[\"signs\"]; [x[\"clonic\"].pop(k) for x in (a,b) for k in (\"reflections_asked_now\",)]; sys.exit(a != b)' '$T/first' '$T/again'"
check "and asks nothing" test "$(wc -l < "$T/a.log")" -eq "$before"

# a search from scratch, never killed, ends the same
cp "$T/first" "$T/killed_result"
S2="$T/s2.db"; cp "$S" "$S2"; cp -r "$T/s.cache" "$T/s2.cache"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript("DELETE FROM reflections; DELETE FROM candidate_scores; DELETE FROM prompt_candidates; DELETE FROM prompt_splits; DELETE FROM prompt_searches; DELETE FROM answers; DELETE FROM runs;")' "$S2"
"$SEMIO" prompts optimize --study "$S2" --name s1 --signs clonic $A $R --budget $BUDGET --minibatch 6 --seed 3 > "$T/clean" 2> "$T/err"
check "a search never killed chooses the same question" test "$(json "$T/clean" 'j["chosen"]["question"]')" = "$(json "$T/first" 'j["chosen"]["question"]')"

# evaluate: the hook for outside optimizers
printf 'key\ttext\nclonic\tIs there rhythmic jerking of an arm or a leg?\n_format\tAnswer as JSON.\n' > "$T/p.tsv"
"$SEMIO" prompts evaluate --study "$S" --name s1 --prompts "$T/p.tsv" --patients test $A > "$T/out" 2> "$T/err"
check "evaluate refuses the test patients" grep -q "test patients are refused" "$T/err"
"$SEMIO" prompts evaluate --study "$S" --name s1 --prompts "$T/p.tsv" --patients validation $A --format json > "$T/ev" 2> "$T/err"
check "evaluate scores validation" python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["clonic"]; sys.exit(not (j["items"] > 0 and j["requests_sent"] == j["items"]))' "$T/ev"
"$SEMIO" prompts evaluate --study "$S" --name s1 --prompts "$T/p.tsv" --patients validation $A --format json > "$T/ev2" 2> "$T/err"
check "evaluate again comes from the cache" python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["clonic"]; sys.exit(j["requests_sent"] != 0)' "$T/ev2"
finish
