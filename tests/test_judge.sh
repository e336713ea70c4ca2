#!/bin/sh
# semio judge against the local test server (tests/fake_openai.py on 127.0.0.1): a run asked
# there is rated by a judge that must see the same frames (or sound), the question as it was
# sent, the answer and its justification; ratings stored under a rater of kind judge, with
# their reasons; resume, --redo, --limit (a round's draw), --signs, --only; ratings off the
# scale or unreadable asked again and then left unstored; a human's name, an unknown run, a
# server that is not there, refused credentials and Ctrl-C each stopping with one clear
# error. Usage: tests/test_judge.sh SEMIO
set -u
SEMIO=$(realpath "$1")
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
sqlw() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$S" "$1"; }

# start_server NAME [faults] [delay] [key] [always]: sets PORT_NAME
start_server() {
  start_fake_openai "$1" --faults "${2:-}" --delay "${3:-0}" --key "${4:-}" --always "${5:-}"
}
judged() { [ -f "$1" ] && grep -c '"judge": true' "$1" || echo 0; }
# rated RATER [WHERE]: how many ratings the rater has
rated() { sql "SELECT count(*) FROM ratings g JOIN raters r ON r.id = g.rater_id WHERE r.name = '$1' ${2:+AND $2}"; }

printf 'file_name,tonic,clonic\nQ1@1-1-2024@R1@sz_v1.mp4,yes,no\nQ2@1-1-2024@R2@sz_v1.mp4,no,\n' > "$T/labels.csv"
# two 10 s recordings of different sizes, so no two windows share a first frame
sampled_study --labels "$T/labels.csv"

start_server a
URL="http://127.0.0.1:$PORT_a/v1"
"$SEMIO" ask --study "$S" --run basic --url "$URL" --model test-vlm --signs tonic,clonic > "$T/out" 2> "$T/err"
check "the run to judge is asked" grep -q "12 answered now, 0 failed" "$T/out"
# one answer with a justification of its own, to follow it to the judge and back
sqlw "UPDATE answers SET justification = 'The left arm jerks from 00:02 (distinct)' WHERE rowid = (SELECT min(rowid) FROM answers WHERE sign = 'clonic')"
cp "$T/a.log" "$T/asked.log"

start_server j
JURL="http://127.0.0.1:$PORT_j/v1"
"$SEMIO" judge --study "$S" --run basic --url "$JURL" --model judge-vlm > "$T/out" 2> "$T/err"
check "every answer is rated" grep -q "judge 'judge:judge-vlm' on run 'basic': 12 answers qualify, 0 rated before, 12 rated now, 0 failed" "$T/out"
check "the server is asked whether it is there first" sh -c "head -n 1 '$T/j.log' | grep -q '\"get\": \"/v1/models\"'"
check "every judge request was valid, with the rating schema" sh -c "[ $(judged "$T/j.log") -eq 12 ] && ! grep -q '\"valid\": false' '$T/j.log' && [ \$(grep -c '\"structured\": true' '$T/j.log') -eq 12 ]"
check "stored under a rater of kind judge, named after its model" test "$(sql "SELECT kind || ' ' || model FROM raters WHERE name = 'judge:judge-vlm'")" = "judge judge-vlm"
check "scores as the judge gave them (80 for yes, 40 for no)" test "$(rated judge:judge-vlm "g.score = (SELECT CASE a.answer WHEN 'yes' THEN 80 ELSE 40 END FROM answers a WHERE a.run_id = g.run_id AND a.segment_id = g.segment_id AND a.sign = g.sign AND a.view = g.view AND a.prompt_hash = g.prompt_hash)")" -eq 12
check "reasons kept" test "$(rated judge:judge-vlm "g.reason = 'checked: test server says so at 00:01'")" -eq 11
check "the justification reached the judge and its reason came back" sh -c "grep -q '\"justification\": \"The left arm jerks from 00:02 (distinct)\"' '$T/j.log' && [ $(rated judge:judge-vlm "g.reason = 'checked: The left arm jerks from 00:02 (distinct)'") -eq 1 ]"
# each judge request carried the pictures the answer's own request carried, and its question
python3 - "$T/asked.log" "$T/j.log" "$S" > "$T/cmp" <<'EOF'
import json, sqlite3, sys
asked = [json.loads(l) for l in open(sys.argv[1]) if '"images_sha"' in l]
judge = [json.loads(l) for l in open(sys.argv[2]) if '"judge": true' in l]
sent = {(e["question_sha"], e["segment"]): e for e in asked}
same = sum(1 for e in judge if (e["question_sha"], e["segment"]) in sent and
           sent[(e["question_sha"], e["segment"])]["images_sha"] == e["images_sha"] and
           sent[(e["question_sha"], e["segment"])]["images"] == e["images"] == 4)
hashes = {r[0] for r in sqlite3.connect(sys.argv[3]).execute(
    "SELECT prompt_hash FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'basic'")}
print(same, len(judge), int({e["question_sha"] for e in judge} == hashes))
EOF
check "each judge request carried its answer's frames, byte for byte, and its question" test "$(cat "$T/cmp")" = "12 12 1"
check "each judge request carried its answer's word" test "$(grep '"judge": true' "$T/j.log" | grep -c '"answer": "\(yes\|no\)"')" -eq 12

before=$(judged "$T/j.log")
"$SEMIO" judge --study "$S" --run basic --url "$JURL" --model judge-vlm > "$T/out" 2> "$T/err"
check "running again rates nothing new" grep -q "12 answers qualify, 12 rated before, 0 rated now, 0 failed" "$T/out"
check "and sends nothing" test "$(judged "$T/j.log")" -eq "$before"
sqlw "UPDATE ratings SET reason = 'old' WHERE rater_id = (SELECT id FROM raters WHERE name = 'judge:judge-vlm')"
"$SEMIO" judge --study "$S" --run basic --url "$JURL" --model judge-vlm --redo > "$T/out" 2> "$T/err"
check "--redo rates everything again" grep -q "12 answers qualify, 0 rated before, 12 rated now" "$T/out"
check "--redo replaces the ratings" test "$(rated judge:judge-vlm)" = 12
check "--redo's reasons are the new ones" test "$(rated judge:judge-vlm "g.reason = 'old'")" -eq 0

# Choosing answers: signs, correct or wrong against the expert label, a limit drawn as a
# review round draws its items.
"$SEMIO" judge --study "$S" --run basic --url "$JURL" --model judge-vlm --name by-sign --signs tonic > "$T/out" 2> "$T/err"
check "--signs" sh -c "grep -q '6 answers qualify' '$T/out' && [ $(rated by-sign "g.sign = 'tonic'") -eq 6 ] && [ $(rated by-sign) -eq 6 ]"
for only in correct wrong; do
  want=$(sql "SELECT count(*) FROM answers a JOIN labels l ON l.video_id = a.video_id AND l.sign = a.sign WHERE a.run_id = 1 AND ((a.answer = 'yes') = l.value) = ('$only' = 'correct')")
  "$SEMIO" judge --study "$S" --run basic --url "$JURL" --model judge-vlm --name "only-$only" --only "$only" > "$T/out" 2> "$T/err"
  check "--only $only: the answers that $( [ $only = correct ] && echo agree || echo disagree) with a known label ($want)" sh -c "grep -q '$want answers qualify' '$T/out' && [ $(rated "only-$only") -eq $want ]"
done
"$SEMIO" rounds --study "$S" add five --run basic --items 5 > /dev/null 2>&1
"$SEMIO" judge --study "$S" --run basic --url "$JURL" --model judge-vlm --name five --limit 5 > "$T/out" 2> "$T/err"
check "--limit 5 rates 5" sh -c "grep -q '5 answers qualify, 0 rated before, 5 rated now' '$T/out' && [ $(rated five) -eq 5 ]"
check "--limit draws the items a round of as many draws" test "$(sql "SELECT count(*) FROM round_items i JOIN rounds o ON o.id = i.round_id AND o.name = 'five' JOIN ratings g ON g.rater_id = (SELECT id FROM raters WHERE name = 'five') AND g.segment_id = i.segment_id AND g.sign = i.sign")" -eq 5
"$SEMIO" judge --study "$S" --run basic --url "$JURL" --model judge-vlm --name five --limit 5 > "$T/out" 2> "$T/err"
check "--limit again: the same 5, rated before" grep -q "5 answers qualify, 5 rated before, 0 rated now" "$T/out"
expect "an unknown sign is refused" 1 "$SEMIO" judge --study "$S" --run basic --url "$JURL" --model m --signs tonik
has "naming it" "$T/err" "signs: 'tonik' is neither a sign of the catalog"

# Ratings the judge cannot give: off the scale, then unreadable, each asked again once, then
# said and left unstored, so the next run asks them again.
start_server off "" 0 "" "(distinct):offscale"
"$SEMIO" judge --study "$S" --run basic --url "http://127.0.0.1:$PORT_off/v1" --model m --name off --max-retries 1 --max-wait 0.05 > "$T/out" 2> "$T/err"
check "a score off the scale is not stored" sh -c "grep -q '11 rated now, 1 failed' '$T/out' && [ $(rated off) -eq 11 ]"
check "it is said, naming the answer and the score" grep -q 'no rating for Q[12]@1-1-2024@R[12]@sz_v1.mp4 [0-9]:[0-9][0-9]-[0-9]:[0-9][0-9] clonic: unusable answer: "score" 55 is not on the scale' "$T/err"
check "it was asked twice (--max-retries 1)" test "$(grep '"judge": true' "$T/off.log" | grep -c '"behaviour": "offscale"')" -eq 2
"$SEMIO" judge --study "$S" --run basic --url "http://127.0.0.1:$PORT_off/v1" --model m --name off --max-retries 0 > "$T/out" 2> "$T/err"
check "running again asks only the one not rated" grep -q "11 rated before, 0 rated now, 1 failed" "$T/out"
start_server bad "garbage,garbage,fenced"
"$SEMIO" judge --study "$S" --run basic --url "http://127.0.0.1:$PORT_bad/v1" --model m --name bad --signs tonic --concurrency 1 --max-retries 1 --max-wait 0.05 > "$T/out" 2> "$T/err"
check "prose without JSON: asked again, then not stored" sh -c "grep -q '5 rated now, 1 failed' '$T/out' && grep -q 'unusable answer: no JSON object in the answer' '$T/err'"
check "a rating in a code fence, its score a string, is read" test "$(rated bad "g.score IN (40, 80)")" -eq 5
"$SEMIO" judge --study "$S" --run basic --url "http://127.0.0.1:$PORT_bad/v1" --model m --name plain --signs tonic --no-structured > "$T/out" 2> "$T/err"
check "--no-structured: no response_format, still rated" sh -c "grep -q '6 rated now, 0 failed' '$T/out' && [ \$(grep -c '\"structured\": false' '$T/bad.log') -eq 6 ]"

# Names: a human rater's name is refused, and so is a judge's name with another model.
"$SEMIO" raters --study "$S" add alice > /dev/null
expect "a human rater's name is refused" 1 "$SEMIO" judge --study "$S" --run basic --url "$JURL" --model m --name alice
has "saying so" "$T/err" "'alice' is a human rater: name the judge otherwise"
check "nothing stored under the human's name" test "$(rated alice)" -eq 0
expect "a judge's name with another model is refused" 1 "$SEMIO" judge --study "$S" --run basic --url "$JURL" --model other --name five
has "saying which model it rated with" "$T/err" "the judge 'five' rated with the model 'judge-vlm', not 'other'"

# What stops the judge at once: an unknown run, a server that is not there, refused credentials.
expect "an unknown run is refused" 1 "$SEMIO" judge --study "$S" --run nope --url "$JURL" --model m
has "naming it" "$T/err" "no run named 'nope'"
start_server gone
kill "$LAST_PID"
sleep 0.3
t0=$(date +%s)
expect "a server that is not there stops the judge" 1 "$SEMIO" judge --study "$S" --run basic --url "http://127.0.0.1:$PORT_gone/v1" --model m --name nobody
t1=$(date +%s)
check "at once, in one error naming the server" sh -c "[ $((t1 - t0)) -lt 5 ] && [ \$(wc -l < '$T/err') -eq 1 ] && grep -q 'judge: the server http://127.0.0.1:$PORT_gone/v1 cannot be reached: ' '$T/err'"
check "and stores nothing, not even the judge" test "$(sql "SELECT count(*) FROM raters WHERE name = 'nobody'")" -eq 0
expect "a URL that is not http is refused" 1 "$SEMIO" judge --study "$S" --run basic --url "ftp://127.0.0.1/v1" --model m --name nobody
has "saying so" "$T/err" "'ftp://127.0.0.1/v1' is not an http(s) URL"
start_server key "" 0 "s3cret-key"
expect "refused credentials stop the judge" 1 "$SEMIO" judge --study "$S" --run basic --url "http://127.0.0.1:$PORT_key/v1" --model m --name keyless --concurrency 1
check "in one error naming the server and the status" sh -c "[ \$(wc -l < '$T/err') -eq 1 ] && grep -q 'the server http://127.0.0.1:$PORT_key/v1/chat/completions refused the request (HTTP 401)' '$T/err' && [ $(judged "$T/key.log") -eq 1 ]"
OPENAI_API_KEY=s3cret-key "$SEMIO" judge --study "$S" --run basic --url "http://127.0.0.1:$PORT_key/v1" --model m --name keyless > "$T/out" 2> "$T/err"
check "with the key it rates, and the key is stored nowhere" sh -c "grep -q '12 rated now' '$T/out' && ! grep -q s3cret-key '$S' '$S-wal' 2>/dev/null"

# Several in flight (--concurrency), each window's answers to one worker; Ctrl-C stops
# within a second, what was rated stays, and the next run rates the rest.
start_server slow "" 0.4
"$SEMIO" judge --study "$S" --run basic --url "http://127.0.0.1:$PORT_slow/v1" --model m --name busy --concurrency 3 > "$T/out" 2> "$T/err"
check "--concurrency 3: three in flight at most, and more than one" sh -c "grep -q '12 rated now' '$T/out' && m=\$(grep -o '\"inflight\": [0-9]*' '$T/slow.log' | awk '{print \$2}' | sort -n | tail -1) && [ \$m -le 3 ] && [ \$m -ge 2 ]"
start_server r1 "" 0.1
start_server r2 "" 0.1
"$SEMIO" judge --study "$S" --run basic --url "http://127.0.0.1:$PORT_r1/v1,http://127.0.0.1:$PORT_r2/v1" --model m --name spread --concurrency 2 > "$T/out" 2> "$T/err"
python3 - "$T/r1.log" "$T/r2.log" > "$T/cmp" <<'EOF2'
import json, sys
seen = [{e["segment"] for e in map(json.loads, open(f)) if e.get("judge")} for f in sys.argv[1:]]
print(int(all(seen)), len(seen[0] & seen[1]), len(seen[0] | seen[1]))
EOF2
check "replicas: both used, each window's answers to one of them" sh -c "grep -q '12 rated now' '$T/out' && [ \"\$(cat '$T/cmp')\" = '1 0 6' ]"
"$SEMIO" judge --study "$S" --run basic --url "http://127.0.0.1:$PORT_slow/v1" --model m --name halted --concurrency 1 > "$T/out" 2> "$T/err" &
jpid=$!
sleep 1.5
kill -INT "$jpid"
wait "$jpid"
rc=$?
check "Ctrl-C stops the judge (exit 130), saying how many were left" sh -c "[ $rc -eq 130 ] && grep -q 'interrupted: [0-9]* answers not rated' '$T/err'"
left=$(rated halted)
check "what was rated before it stays" sh -c "[ $left -ge 1 ] && [ $left -lt 12 ]"
"$SEMIO" judge --study "$S" --run basic --url "$JURL" --model m --name halted > "$T/out" 2> "$T/err"
check "the next run rates the rest" sh -c "grep -q '$left rated before, $((12 - left)) rated now' '$T/out' && [ $(rated halted) -eq 12 ]"

# The sound: an audio run's answers are judged on the WAV it heard, with the transcript its
# questions carried; a study from before prompt texts were kept has its questions made
# again from the run's prompt set (and transcript) and checked against their hashes.
"$SEMIO" enhance --study "$S" --view audio > /dev/null 2>&1
"$SEMIO" transcribe --study "$S" --url "$URL" --model whisper > /dev/null 2>&1
"$SEMIO" ask --study "$S" --run heard --url "$URL" --model test-vlm --view audio --with-transcript --signs audio > "$T/out" 2> "$T/err"
check "an audio+text run to judge" grep -q "12 answered now, 0 failed" "$T/out"
cp "$T/a.log" "$T/asked.log"
sqlw "DELETE FROM prompts"
"$SEMIO" judge --study "$S" --run heard --url "$JURL" --model judge-vlm > "$T/out" 2> "$T/err"
check "its answers are rated, their questions made again" grep -q "12 answers qualify, 0 rated before, 12 rated now, 0 failed" "$T/out"
python3 - "$T/asked.log" "$T/j.log" > "$T/cmp" <<'EOF'
import json, sys
asked = {(e["question_sha"], e["audio_sha"]) for e in map(json.loads, open(sys.argv[1])) if e.get("audio") == 1}
judge = [e for e in map(json.loads, open(sys.argv[2])) if e.get("judge") and e["audio"] == 1]
print(len(judge), sum((e["question_sha"], e["audio_sha"]) in asked and e["images"] == 0 for e in judge))
EOF
check "each judged on the sound its answer heard, with its question and transcript" test "$(cat "$T/cmp")" = "12 12"
sqlw "UPDATE runs SET prompt_set = '$T/gone.tsv' WHERE name = 'basic'"
"$SEMIO" judge --study "$S" --run basic --url "$JURL" --model judge-vlm --name lost --signs tonic > "$T/out" 2> "$T/err"
check "a question that cannot be found again is not sent" sh -c "grep -q '0 rated now, 6 failed' '$T/out' && [ \$(grep -c 'question text not kept' '$T/err') -eq 6 ] && [ $(rated lost) -eq 0 ]"
expect "a run of measured signals is refused" 1 sh -c "'$SEMIO' ask --study '$S' --run measured --engine kinematic --signs tonic > /dev/null 2>&1; '$SEMIO' judge --study '$S' --run measured --url '$JURL' --model m"
has "saying why" "$T/err" "run 'measured' answered from measured signals"

check "the judges are never human raters" test "$(sql "SELECT count(*) FROM raters WHERE kind = 'human'")" -eq 1
finish
