#!/bin/sh
# semio ask against local test servers (tests/fake_openai.py on 127.0.0.1): strict request
# checks, faults and retries, recorded failures, resume after kill -9, the concurrency
# bound, replica affinity, the API key kept out of the study. Usage: tests/test_ask.sh SEMIO
set -u
SEMIO=$(realpath "$1")
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

# start_server NAME [faults] [delay] [key] [always] [profile]: sets PORT_NAME
start_server() {
  start_fake_openai "$1" --faults "${2:-}" --delay "${3:-0}" --key "${4:-}" --always "${5:-}" \
    --profile "${6:-}"
}
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }

# two 10 s recordings of different sizes (so no two segments share a first frame)
sampled_study

start_server a
URL="http://127.0.0.1:$PORT_a/v1"
"$SEMIO" ask --study "$S" --run basic --url "$URL" --model test-vlm --signs tonic,clonic > "$T/out" 2> "$T/err"
check "ask answers every segment and sign" grep -q "12 questions, 0 answered before, 12 answered now, 0 failed" "$T/out"
check "every request was valid" sh -c "! grep -q '\"valid\": false' '$T/a.log'"
check "frames then question, 4 images each" sh -c "grep -c '\"images\": 4' '$T/a.log' | grep -qx 12"
check "answers stored with P(yes) from logprobs" test "$(sql "SELECT count(*) FROM answers WHERE run_id = 1 AND status = 'ok' AND ((answer = 'yes' AND abs(p_yes - 0.8) < 1e-9) OR (answer = 'no' AND abs(p_yes - 0.3) < 1e-9))")" = 12
check "justification, onset and tokens kept" test "$(sql "SELECT count(*) FROM answers WHERE justification LIKE 'test server%' AND prompt_tokens = 450 AND length(prompt_hash) = 64 AND run_id = 1")" = 12
before=$(lines "$T/a.log")
"$SEMIO" ask --study "$S" --run basic --url "$URL" --model test-vlm --signs tonic,clonic > "$T/out" 2> "$T/err"
check "resume sends only what is missing" grep -q "12 answered before, 0 answered now" "$T/out"
check "resume sent nothing" test "$(lines "$T/a.log")" -eq "$before"
"$SEMIO" ask --study "$S" --run basic --url "$URL" --model other --signs tonic,clonic > "$T/out" 2> "$T/err"
check "a run resumed with other settings is refused" grep -q "started with other settings" "$T/err"

# Faults, each retried: 500, 429 with Retry-After, reset, empty choices, fenced JSON, broken JSON, prose.
start_server f "500,429:1,reset,empty,broken,nojson,fenced"
t0=$(date +%s)
"$SEMIO" ask --study "$S" --run faults --url "http://127.0.0.1:$PORT_f/v1" --model m --signs tonic --concurrency 1 --max-retries 10 > "$T/out" 2> "$T/err"
t1=$(date +%s)
check "faults are retried until answered" grep -q "6 answered now, 0 failed" "$T/out"
# 6 of the faults force a retry each (libcurl may itself resend once on a reset connection)
check "attempts recorded" test "$(sql "SELECT sum(attempts) FROM answers WHERE run_id = 2")" -ge 11
check "every fault reached the server" test "$(lines "$T/f.log")" -ge 12
check "Retry-After honoured" test $((t1 - t0)) -ge 1

# The retry budget: unusable answers past --max-retries are stored as failures, never "no".
# (every question about jerking gets truncated JSON)
start_server b "" 0 "" "jerk:broken"
"$SEMIO" ask --study "$S" --run budget --url "http://127.0.0.1:$PORT_b/v1" --model m --signs tonic,clonic --concurrency 2 --max-retries 2 > "$T/out" 2> "$T/err"
check "failures after the retry budget" grep -q "6 answered now, 6 failed" "$T/out"
check "failures keep raw text and attempts, no answer" test "$(sql "SELECT count(*) FROM answers WHERE run_id = 3 AND status = 'failed' AND answer IS NULL AND attempts = 3 AND raw LIKE '{\"answer\": \"yes\", \"justification\": \"cut%' AND sign = 'clonic'")" = 6
check "failures keep why apart from their raw text" test "$(sql "SELECT count(*) FROM answers WHERE run_id = 3 AND status = 'failed' AND error = 'unusable answer: no JSON object in the answer'")" = 6
check "answers keep no error" test "$(sql "SELECT count(*) FROM answers WHERE run_id = 3 AND status = 'ok' AND error IS NULL")" = 6
start_server p "400"
"$SEMIO" ask --study "$S" --run refused --url "http://127.0.0.1:$PORT_p/v1" --model m --signs tonic --concurrency 1 > "$T/out" 2> "$T/err"
check "a 400 is not retried" test "$(sql "SELECT attempts FROM answers WHERE run_id = 4 AND status = 'failed'")" = 1
start_server t "slow:3"
"$SEMIO" ask --study "$S" --run timeout --url "http://127.0.0.1:$PORT_t/v1" --model m --signs tonic --concurrency 1 --timeout 1 --max-retries 1 > "$T/out" 2> "$T/err"
check "a timeout is retried" test "$(sql "SELECT count(*) FROM answers WHERE run_id = 5 AND status = 'ok' AND attempts = 2")" = 1

# Only what can help is tried again: a gateway's 502 and 504 are; a refusal (400, 404,
# 422) is not; a 500 that repeats itself word for word ends the question; a cut-off answer
# is asked once more with twice the tokens; a server that cannot take the model or the
# pictures stops the run, naming itself and its words. Each question keeps why it failed.
of() { sql "SELECT $2 FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = '$1' ${3:+AND $3}"; }
start_server g "502,504"
"$SEMIO" ask --study "$S" --run gateway --url "http://127.0.0.1:$PORT_g/v1" --model m --signs tonic --concurrency 1 --max-wait 0.05 > "$T/out" 2> "$T/err"
check "502 and 504 are retried" grep -q "6 answered now, 0 failed" "$T/out"
check "502 and 504 cost an attempt each" test "$(of gateway "sum(attempts)")" -eq 8
for code in 400 404 422; do
  start_server "c$code" "" 0 "" "JSON:$code"
  eval "port=\$PORT_c$code"
  "$SEMIO" ask --study "$S" --run "refused$code" --url "http://127.0.0.1:$port/v1" --model m --signs tonic --max-retries 3 --max-wait 0.05 > "$T/out" 2> "$T/err"
  check "HTTP $code is not retried" test "$(of "refused$code" "count(*) || ' ' || sum(attempts)" "a.status = 'failed'")" = "6 6"
  check "HTTP $code: asked once each" test "$(lines "$T/c$code.log")" -eq 6
  check "HTTP $code: why is kept, the body as raw text" test "$(of "refused$code" "count(*)" "a.error = 'HTTP $code: injected $code' AND a.raw = '{\"error\": \"injected $code\"}'")" -eq 6
done
start_server f403 "" 0 "" "JSON:403"
"$SEMIO" ask --study "$S" --run forbidden --url "http://127.0.0.1:$PORT_f403/v1" --model m --signs tonic --concurrency 1 --max-retries 3 > "$T/out" 2> "$T/err"
rc=$?
check "a 403 stops the run, unretried" sh -c "[ $rc -eq 1 ] && grep -q 'refused the request (HTTP 403)' '$T/err' && [ \$(wc -l < '$T/f403.log') -eq 1 ]"
start_server s500 "" 0 "" "JSON:500"
"$SEMIO" ask --study "$S" --run same500 --url "http://127.0.0.1:$PORT_s500/v1" --model m --signs tonic --concurrency 1 --max-retries 5 --max-wait 0.05 > "$T/out" 2> "$T/err"
check "a 500 said twice the same way ends the question" test "$(of same500 "count(*) || ' ' || sum(attempts)" "a.status = 'failed'")" = "6 12"
check "and says so, the body kept as raw text" test "$(of same500 "count(*)" "a.error = 'the server failed the same way twice: HTTP 500: injected 500' AND a.raw = '{\"error\": \"injected 500\"}'")" -eq 6
start_server n500 "" 0 "" "JSON:500n"
"$SEMIO" ask --study "$S" --run other500 --url "http://127.0.0.1:$PORT_n500/v1" --model m --signs tonic --concurrency 1 --max-retries 2 --max-wait 0.05 > "$T/out" 2> "$T/err"
check "a 500 that changes is retried to the budget" test "$(of other500 "count(*) || ' ' || sum(attempts)" "a.status = 'failed'")" = "6 18"
check "its error is the last body's words, its raw text that body" test "$(of other500 "count(*)" "a.error LIKE 'HTTP 500: injected 500 number %' AND a.raw LIKE '%' || substr(a.error, 11) || '\"}'")" -eq 6
start_server cut "" 0 "" "JSON:length:1000"
"$SEMIO" ask --study "$S" --run cut --url "http://127.0.0.1:$PORT_cut/v1" --model m --signs tonic --concurrency 1 > "$T/out" 2> "$T/err"
check "an answer cut off at max_tokens is asked again with twice the room" grep -q "6 answered now, 0 failed" "$T/out"
check "at 512 tokens, then 1024" sh -c "[ \$(grep -c '\"max_tokens\": 512' '$T/cut.log') -eq 6 ] && [ \$(grep -c '\"max_tokens\": 1024' '$T/cut.log') -eq 6 ]"
start_server cut2 "" 0 "" "JSON:length:100000"
"$SEMIO" ask --study "$S" --run cut2 --url "http://127.0.0.1:$PORT_cut2/v1" --model m --signs tonic --concurrency 1 > "$T/out" 2> "$T/err"
check "cut off twice: failed, saying so, the cut text kept" test "$(of cut2 "count(*)" "a.status = 'failed' AND a.attempts = 2 AND a.error = 'cut off at max_tokens (finish_reason length): at 512 tokens and again at 1024' AND a.raw LIKE '{\"answer\": %'")" -eq 6
"$SEMIO" ask --study "$S" --run cut3 --url "http://127.0.0.1:$PORT_cut2/v1" --model m --signs tonic --concurrency 1 --max-tokens 8192 > "$T/out" 2> "$T/err"
check "no more than 8192 tokens are asked for" test "$(of cut3 "count(*)" "a.attempts = 1 AND a.error = 'cut off at max_tokens (finish_reason length) at 8192 tokens'")" -eq 6
k=0
for srv in vllm vllm-model llama ollama ollama-model lmdeploy-model; do
  k=$((k + 1))
  case $srv in
    vllm) words="m is not a multimodal model" ;;
    vllm-model) words='The model `m` does not exist.' ;;
    llama) words="image input is not supported - hint: if this is unexpected, you may need to provide the mmproj" ;;
    ollama) words="this model does not support image input" ;;
    ollama-model) words='model "m" not found, try pulling it first' ;;
    lmdeploy-model) words="The model 'm' does not exist." ;;
  esac
  start_server "u$k" "" 0 "" "JSON:unsupported:$srv"
  eval "port=\$PORT_u$k"
  "$SEMIO" ask --study "$S" --run "unsupported$k" --url "http://127.0.0.1:$port/v1" --model m --signs tonic --concurrency 2 --max-retries 3 > "$T/out" 2> "$T/err"
  rc=$?
  check "$srv: a server that cannot take the model or the pictures stops the run" test "$rc" -eq 1
  check "$srv: the message names the server" grep -qF "the server http://127.0.0.1:$port/v1/chat/completions cannot do what semio asks" "$T/err"
  check "$srv: and its words" grep -qF -- "$words" "$T/err"
  check "$srv: nothing stored, nothing retried" sh -c "[ \$(wc -l < '$T/u$k.log') -le 2 ] && [ '$(of "unsupported$k" "count(*)")' -eq 0 ]"
done

# Concurrency bound and replica affinity: two replicas, slow answers, 3 in flight at most.
start_server r1 "" 0.2
start_server r2 "" 0.2
"$SEMIO" ask --study "$S" --run spread --url "http://127.0.0.1:$PORT_r1/v1,http://127.0.0.1:$PORT_r2/v1" --model m --signs tonic,clonic,figure4,head_turning --concurrency 3 > "$T/out" 2> "$T/err"
check "all 24 answered across replicas" grep -q "24 answered now" "$T/out"
python3 - "$T/r1.log" "$T/r2.log" > "$T/aff" <<'PY'
import json, sys
entries = [json.loads(l) for f in sys.argv[1:] for l in open(f)]
by_seg = {}
for e in entries:
    by_seg.setdefault(e["segment"], set()).add(e["port"])
ports = {e["port"] for e in entries}
# in flight at once across both replicas
ev = sorted([(e["t"], 1) for e in entries] + [(e["t"] + 0.2, -1) for e in entries])
cur = peak = 0
for _, d in ev:
    cur += d; peak = max(peak, cur)
print(len(ports), max(len(v) for v in by_seg.values()), peak)
PY
read nports spread peak < "$T/aff"
check "both replicas used" test "$nports" -eq 2
check "one segment, one replica" test "$spread" -eq 1
check "never more than 3 in flight (peak $peak)" test "$peak" -le 3
check "requests overlap (peak $peak)" test "$peak" -ge 2

# Lists as people write them: spaces around the commas of --url and --signs, on the command
# line and in semio run's config, are not part of the items.
"$SEMIO" ask --study "$S" --run spaced --url "http://127.0.0.1:$PORT_r1/v1, http://127.0.0.1:$PORT_r2/v1 " --model m --signs " tonic , clonic" > "$T/out" 2> "$T/err"
check "--url and --signs items are trimmed" grep -q "12 questions, 0 answered before, 12 answered now" "$T/out"
check "a trimmed list keeps both replicas" test "$(sql "SELECT base_urls FROM runs WHERE name = 'spaced'")" = "http://127.0.0.1:$PORT_r1/v1,http://127.0.0.1:$PORT_r2/v1"
cat > "$T/spaced.ini" <<INI
[study]
path = s.db

[ask spaced-ini]
url = http://127.0.0.1:$PORT_r1/v1 ,  http://127.0.0.1:$PORT_r2/v1
model = m
signs = tonic, clonic
INI
"$SEMIO" run --only ask "$T/spaced.ini" > "$T/out" 2> "$T/err"
check "semio run's url and signs lists are trimmed" grep -q "12 questions, 0 answered before, 12 answered now" "$T/out"

# kill -9 in the middle, then resume: nothing lost, nothing twice.
start_server k "" 0.15
"$SEMIO" ask --study "$S" --run killed --url "http://127.0.0.1:$PORT_k/v1" --model m --signs tonic,clonic,figure4,head_turning --concurrency 2 > "$T/out" 2> "$T/err" &
pid=$!
n=0; while [ "$(sql "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'killed'")" -lt 8 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
kill -9 $pid; wait $pid 2>/dev/null
got=$(sql "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'killed'")
"$SEMIO" ask --study "$S" --run killed --url "http://127.0.0.1:$PORT_k/v1" --model m --signs tonic,clonic,figure4,head_turning --concurrency 2 > "$T/out" 2> "$T/err"
check "resumed after kill -9 ($got stored before)" grep -qE "24 questions, ([1-9][0-9]?) answered before" "$T/out"
check "24 answers, no duplicates" test "$(sql "SELECT count(*), count(DISTINCT segment_id || sign) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'killed'")" = "24 24"

# Ctrl-C: nothing new is sent, what is in flight is abandoned within a second, what was
# stored stays, the run resumes later.
start_server i "" 0.3
"$SEMIO" ask --study "$S" --run interrupted --url "http://127.0.0.1:$PORT_i/v1" --model m --signs tonic,clonic,figure4,head_turning --concurrency 2 > "$T/out" 2> "$T/err" &
pid=$!
sleep 0.5
kill -INT $pid
wait $pid; rc=$?
sent=$(lines "$T/i.log")
stored=$(sql "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'interrupted'")
check "SIGINT exits 130 saying so" sh -c "[ $rc -eq 130 ] && grep -q interrupted '$T/err'"
check "no answer stored that was not sent ($sent sent, $stored stored)" test "$stored" -le "$sent"
check "SIGINT stopped early" test "$stored" -lt 24
"$SEMIO" ask --study "$S" --run interrupted --url "http://127.0.0.1:$PORT_i/v1" --model m --signs tonic,clonic,figure4,head_turning --concurrency 2 > "$T/out" 2> "$T/err"
check "the interrupted run completes" test "$(sql "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'interrupted'")" -eq 24

# A server that asks to wait for ever (503, Retry-After: 1000000) cannot hold semio: every
# wait is capped by --max-wait, and SIGTERM ends the run within a second or two.
start_server h "" 0 "" "JSON:503:1000000"
t0=$(date +%s.%N)
"$SEMIO" ask --study "$S" --run held --url "http://127.0.0.1:$PORT_h/v1" --model m --signs tonic --max-retries 2 --max-wait 0.2 > "$T/out" 2> "$T/err"
t1=$(date +%s.%N)
check "Retry-After is capped by --max-wait" awk "BEGIN { exit !($t1 - $t0 < 10) }"
check "the held questions are stored as failed" grep -q "6 failed" "$T/out"
"$SEMIO" ask --study "$S" --run held2 --url "http://127.0.0.1:$PORT_h/v1" --model m --signs tonic > "$T/out" 2> "$T/err" &
pid=$!
sleep 1.5
t0=$(date +%s.%N)
kill -TERM $pid
wait $pid; rc=$?
t1=$(date +%s.%N)
check "SIGTERM during a long Retry-After exits 143" test "$rc" -eq 143
check "and within two seconds" awk "BEGIN { exit !($t1 - $t0 < 2) }"

# Audio questions: the window's sound (raw or denoised) as input_audio.
"$SEMIO" ask --study "$S" --run sound --url "$URL" --model m --view audio --signs audio > "$T/out" 2> "$T/err"
check "audio view needs semio enhance" grep -q "12 questions not asked: their segment has no audio view" "$T/out"
"$SEMIO" enhance --study "$S" --view audio > "$T/out" 2> "$T/err"
check "enhance makes audio views" grep -q "view 'audio': 6 made" "$T/out"
"$SEMIO" enhance --study "$S" --view audio > "$T/out" 2> "$T/err"
check "enhance resumes" grep -q "0 made, 6 made before" "$T/out"
"$SEMIO" enhance --study "$S" --view denoise > "$T/out" 2> "$T/err"
if built denoise; then
  check "enhance denoises" grep -q "view 'denoise': 6 made" "$T/out"
else
  check "enhance --view denoise: not built in, said once" grep -q "meson feature 'denoise'" "$T/err"
  check "and no failed view recorded" test "$(sql "SELECT count(*) FROM views WHERE kind = 'denoise'")" -eq 0
fi
before=$(lines "$T/a.log")
"$SEMIO" ask --study "$S" --run sound --url "$URL" --model m --view audio --signs audio > "$T/out" 2> "$T/err"
check "audio questions answered" grep -q "12 questions, 0 answered before, 12 answered now" "$T/out"
check "audio sent as WAV, no images" test "$(tail -n 12 "$T/a.log" | grep -c '"images": 0, "audio": 1')" -eq 12
check "both audio signs asked" test "$(sql "SELECT count(DISTINCT sign) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'sound' AND sign IN ('verbal_responsiveness', 'ictal_vocalization')")" -eq 2
if built denoise; then
  "$SEMIO" ask --study "$S" --run sound-dn --url "$URL" --model m --view audio --denoised --signs audio > "$T/out" 2> "$T/err"
  check "denoised audio answers recorded as their own view" test "$(sql "SELECT count(*) FROM answers WHERE view = 'audio-denoised'")" -eq 12
else
  skip "denoised audio answers: semio was built without meson feature 'denoise'"
fi
"$SEMIO" ask --study "$S" --run mixed --url "$URL" --model m --view audio --signs tonic > "$T/out" 2> "$T/err"
check "video signs are not asked on sound" grep -q "leaves nothing to ask" "$T/err"

# Transcripts: a fault first, then every window once; the audio+text questions carry them.
start_server w "500"
"$SEMIO" transcribe --study "$S" --url "http://127.0.0.1:$PORT_w/v1" --model whisper > "$T/out" 2> "$T/err"
check "transcribe each window (after a retried 500)" grep -q "6 made, 0 made before, 0 failed" "$T/out"
check "transcripts keep their segment times" test "$(sql "SELECT count(*) FROM transcripts WHERE text = 'Can you hear me? Yes.' AND segments_json LIKE '%\"end\":1.2%'")" -eq 6
"$SEMIO" transcribe --study "$S" --url "http://127.0.0.1:$PORT_w/v1" --model whisper > "$T/out" 2> "$T/err"
check "transcribe resumes" grep -q "0 made, 6 made before" "$T/out"
check "every transcription request was a valid multipart WAV" sh -c "! grep -q '\"valid\": false' '$T/w.log'"
"$SEMIO" ask --study "$S" --run heard --url "$URL" --model m --view audio --with-transcript --signs audio > "$T/out" 2> "$T/err"
check "audio+text questions answered" grep -q "12 questions, 0 answered before, 12 answered now" "$T/out"
check "the transcript is in the question" test "$(tail -n 12 "$T/a.log" | grep -c '"transcript": true')" -eq 12
check "audio+text answers are their own view" test "$(sql "SELECT count(DISTINCT prompt_hash) FROM answers WHERE view = 'audio+text'")" -ge 1
"$SEMIO" ask --study "$S" --run heard --url "$URL" --model m --view audio --with-transcript --signs audio > "$T/out" 2> "$T/err"
check "audio+text resumes" grep -q "12 answered before, 0 answered now" "$T/out"
if ! built pocketsphinx; then
  "$SEMIO" transcribe --study "$S" --source audio > "$T/out" 2> "$T/err"
  check "offline transcription: not built in, said" grep -q "meson feature 'pocketsphinx'" "$T/err"
elif built denoise; then
  "$SEMIO" transcribe --study "$S" --source denoise > "$T/out" 2> "$T/err"
  check "offline transcripts with pocketsphinx" grep -q "transcripts of 'denoise' audio: 6 made" "$T/out"
  check "offline transcripts name their model" test "$(sql "SELECT count(*) FROM transcripts WHERE source = 'denoise' AND model = 'pocketsphinx en-us' AND status = 'ok'")" -eq 6
else
  skip "offline transcripts of denoised audio: semio was built without meson feature 'denoise'"
fi
"$SEMIO" transcribe --study "$S" --url "ftp://x/v1" --model whisper --source denoise > "$T/out" 2> "$T/err"
check "transcribe refuses a non-http URL" grep -q "not an http(s) URL" "$T/err"

# The pose view: skeletons from OpenPose JSON (written here for Q1 only) over the frames.
mkdir -p "$T/rec/Q1@1-1-2024@R1@sz_v1"
python3 - "$T/rec/Q1@1-1-2024@R1@sz_v1" <<'PY'
import json, sys
pts = [0.0] * 75
for k, (x, y) in enumerate([(160, 60), (160, 80), (140, 80), (130, 110), (130, 150), (180, 80), (190, 110), (190, 150), (160, 140)]):
    pts[3 * k:3 * k + 3] = [x, y, 0.9]
for f in range(300):
    with open(f"{sys.argv[1]}/Q1@1-1-2024@R1@sz_v1_{f:012d}_keypoints.json", "w") as out:
        json.dump({"version": 1.3, "people": [{"pose_keypoints_2d": pts}]}, out)
PY
if built overlay; then
  "$SEMIO" enhance --study "$S" --view pose > "$T/out" 2> "$T/err"
  check "enhance draws skeletons where keypoints exist" grep -q "view 'pose': 3 made, 0 made before, 3 impossible" "$T/out"
  "$SEMIO" ask --study "$S" --run posed --url "$URL" --model m --view pose --signs tonic > "$T/out" 2> "$T/err"
  check "ask sends the pose view where it exists" grep -q "3 answered now" "$T/out"
  check "and says which segments have none" grep -q "3 questions not asked: their segment has no pose view" "$T/out"
  check "pose answers are their own view" test "$(sql "SELECT count(*) FROM answers WHERE view = 'pose'")" -eq 3
  # A run killed while writing a picture leaves NAME.tmpPID: the next run removes those of
  # dead writers (never a live one's) wherever it makes a view again.
  dead=$(sh -c 'echo $$')
  pdir=$(dirname "$(ls -d "$T"/s.cache/pose/v*/*/*.jpg | head -1)")
  touch "$pdir/f0000000.jpg.tmp$dead" "$pdir/f0000001.jpg.tmp$$"
  python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM views WHERE kind = ? AND path = ? AND segment_id = (SELECT min(segment_id) FROM views WHERE kind = ? AND path = ?)", ("pose", sys.argv[2]) * 2); c.commit()' "$S" "${pdir#$T/s.cache/}"
  "$SEMIO" enhance --study "$S" --view pose > "$T/out" 2> "$T/err"
  check "enhance makes the killed view again" grep -q "view 'pose': 1 made" "$T/out"
  check "and removes a dead writer's temporary file" test ! -e "$pdir/f0000000.jpg.tmp$dead"
  check "but not a live one's" test -e "$pdir/f0000001.jpg.tmp$$"
  rm -f "$pdir/f0000001.jpg.tmp$$"
else
  "$SEMIO" enhance --study "$S" --view pose > "$T/out" 2> "$T/err"
  check "enhance --view pose: not built in, said once" grep -q "meson feature 'overlay'" "$T/err"
  skip "the pose view and its temporary files: semio was built without meson feature 'overlay'"
fi

# The key goes to the server and nowhere else.
start_server key "" 0 "s3cr3t-key"
OPENAI_API_KEY=s3cr3t-key "$SEMIO" ask --study "$S" --run keyed --url "http://127.0.0.1:$PORT_key/v1" --model m --signs tonic > "$T/out" 2> "$T/err"
check "the key is sent" grep -q "6 answered now" "$T/out"
check "the key is not stored" sh -c "! grep -qa s3cr3t '$S' '$S-wal' 2>/dev/null"
"$SEMIO" ask --study "$S" --run keyless --url "http://127.0.0.1:$PORT_key/v1" --model m --signs tonic --max-retries 0 > "$T/out" 2> "$T/err"
rc=$?
check "without the key the server refuses, and the run stops" sh -c "[ $rc -eq 1 ] && grep -q 'refused the request (HTTP 401)' '$T/err'"
check "a refused question is not stored as failed" test "$(sql "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'keyless'")" -eq 0
OPENAI_API_KEY=s3cr3t-key "$SEMIO" ask --study "$S" --run keyless --url "http://127.0.0.1:$PORT_key/v1" --model m --signs tonic > "$T/out" 2> "$T/err"
check "with the key the refused run completes" grep -q "6 answered now" "$T/out"
# A gateway that echoes the request's headers in its 401: the wrong key is still not kept.
OPENAI_API_KEY=wr0ng-key-777 "$SEMIO" ask --study "$S" --run echoed --url "http://127.0.0.1:$PORT_key/v1" --model m --signs tonic > "$T/out" 2> "$T/err"
check "an echoed key stops the run" grep -q "refused" "$T/err"
check "an echoed key is stored nowhere" sh -c "! grep -qa wr0ng '$S' '$S-wal' '$T/out' '$T/err' 2>/dev/null"
# Credentials in a URL are used, never stored or printed.
"$SEMIO" ask --study "$S" --run userinfo --url "http://nurse:pw-h1dden@127.0.0.1:$PORT_key/v1" --model m --signs tonic > "$T/out" 2> "$T/err"
check "a URL's password is stored nowhere" sh -c "! grep -qa pw-h1dden '$S' '$S-wal' '$T/out' '$T/err' 2>/dev/null"
check "the run records the URL redacted" test "$(sql "SELECT base_urls FROM runs WHERE name = 'userinfo'")" = "http://nurse:redacted@127.0.0.1:$PORT_key/v1"
"$SEMIO" ask --study "$S" --run bad2 --url "ftp://u:pw-h1dden@127.0.0.1/v1" --model m > "$T/out" 2> "$T/err"
check "a refused URL is printed without its password" sh -c "grep -q 'is not an http' '$T/err' && ! grep -q pw-h1dden '$T/err'"
check "a refused ask stores no run" test "$(sql "SELECT count(*) FROM runs WHERE name = 'bad2'")" -eq 0

# eval reads the runs; failures are counted, not scored as no
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("INSERT INTO labels(video_id, sign, value) SELECT v.id, s.sign, v.id % 2 FROM videos v, (SELECT '"'"'tonic'"'"' AS sign UNION SELECT '"'"'clonic'"'"') s"); c.commit()' "$S"
"$SEMIO" eval --study "$S" --run budget --resamples 0 > "$T/out" 2> "$T/err"
check "eval counts failed answers as left out, not as no" grep -q "| clonic | limb | 0 | 1 |.* 2 failed |" "$T/out"
"$SEMIO" eval --study "$S" --run "spaced, spaced-ini" --resamples 0 --format csv > "$T/out" 2> "$T/err"
check "eval's --run items are trimmed" sh -c "grep -q '^spaced,tonic,' '$T/out' && grep -q '^spaced-ini,tonic,' '$T/out'"
"$SEMIO" ask --study "$S" --run bad --url "ftp://127.0.0.1/v1" --model m > "$T/out" 2> "$T/err"
check "a non-http URL is refused" grep -q "not an http(s) URL" "$T/err"
"$SEMIO" ask --study "$S" --run v --url "$URL" --model m --view face > "$T/out" 2> "$T/err"
check "no face view: nothing asked" grep -q "their segment has no face view" "$T/out"
"$SEMIO" enhance --study "$S" --view faces > "$T/out" 2> "$T/err"
check "enhance names the views it makes" grep -q "audio, denoise, pose, face" "$T/err"
"$SEMIO" ask --study "$S" --run d --dry-run --signs tonic > "$T/out" 2> "$T/err"
check "dry run counts" grep -q "6 requests, 24 images" "$T/out"
"$SEMIO" ask --study "$S" --run d --dry-run --signs facial,clonic > "$T/out" 2> "$T/err"
check "groups and ids mix in --signs" grep -q "48 questions" "$T/out"
"$SEMIO" ask --study "$S" --run d --dry-run --signs tonic,shiver > "$T/out" 2> "$T/err"
check "an unknown sign is refused" grep -q "'shiver' is neither a sign" "$T/err"

# export: the pilot's layout (windows merged) and everything as JSON lines
"$SEMIO" export --study "$S" --run budget --format pilot-csv -o "$T/export.csv" 2> "$T/err"
check "export writes the pilot's header" grep -qx "file_name,tonic,justification_for_tonic,clonic,justification_for_clonic" "$T/export.csv"
check "export has a row per recording" test "$(wc -l < "$T/export.csv")" -eq 3
check "export marks failed signs fail with why, merges justifications" grep -q '^Q1@1-1-2024@R1@sz_v1.mp4,[a-z]*,test server says so at 00:01,fail,unusable answer: no JSON object in the answer$' "$T/export.csv"
"$SEMIO" export --study "$S" --run budget --format jsonl > "$T/export.jsonl" 2> "$T/err"
check "jsonl has every answer" test "$(wc -l < "$T/export.jsonl")" -eq 12
check "jsonl carries raw text of failures" grep -q '"status":"failed","attempts":3' "$T/export.jsonl"
check "jsonl carries why they failed" grep -q '"raw":"{\\"answer\\": \\"yes\\", \\"justification\\": \\"cut","error":"unusable answer: no JSON object in the answer","status":"failed"' "$T/export.jsonl"
"$SEMIO" status --study "$S" > "$T/out" 2> "$T/err"
check "status says why a run's answers failed" sh -c "grep -A1 '^run: *budget ' '$T/out' | grep -qx '  6 failed: unusable answer: no JSON object in the answer'"
"$SEMIO" status --study "$S" --json > "$T/out" 2> "$T/err"
check "status --json lists the reasons" python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["failures"]; assert {"run": "budget", "error": "unusable answer: no JSON object in the answer", "answers": 6} in f, f' "$T/out"
"$SEMIO" eval --study "$S" --run budget --resamples 0 > "$T/out" 2> "$T/err"
check "eval's provenance says why answers failed" grep -q "failed: 6 (unusable answer: no JSON object in the answer)" "$T/out"
"$SEMIO" export --study "$S" --run nope > "$T/out" 2> "$T/err"
check "export of an unknown run" grep -q "no run named 'nope'" "$T/err"
"$SEMIO" import --study "$S" --run reimported "$T/export.csv" > "$T/out" 2> "$T/err"
check "an export imports back" grep -q "2 rows, 2 signs, 2 answers, 2 failed answers" "$T/out"

# Sleep onset is about how the seizure began: a recording's first window decides it, so a
# post-ictal window of a patient lying still with eyes closed cannot turn "no" into "yes".
# Every other sign is still yes when any window says so.
python3 - "$S" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO runs(name, engine, model, base_urls, view, segment_set, sampling, prompt_set, settings_json, version, created_at) SELECT 'sleep', engine, model, base_urls, view, segment_set, sampling, prompt_set, settings_json, version, created_at FROM runs WHERE name = 'basic'")
run = c.execute("SELECT id FROM runs WHERE name = 'sleep'").fetchone()[0]
for vid, in c.execute("SELECT id FROM videos").fetchall():
    segs = [r[0] for r in c.execute("SELECT id FROM segments WHERE video_id = ? ORDER BY start_s DESC", (vid,))]
    segs.reverse()  # inserted last window first: the merge must order them by time itself
    for i, seg in reversed(list(enumerate(segs))):
        for sign, ans in (("occur_during_sleep", "no" if i == 0 else "yes"), ("tonic", "yes" if i == 1 else "no")):
            c.execute("INSERT INTO answers(run_id, video_id, segment_id, sign, answer, justification, status, answered_at) VALUES (?,?,?,?,?,?, 'ok', 'now')",
                      (run, vid, seg, sign, ans, "window %d" % i))
c.execute("DELETE FROM labels WHERE sign = 'occur_during_sleep'")
c.execute("INSERT INTO labels(video_id, sign, value) SELECT id, 'occur_during_sleep', 0 FROM videos")
c.commit()
PY
"$SEMIO" export --study "$S" --run sleep -o "$T/sleep.csv" 2> "$T/err"
check "export: sleep onset from the first window, with its justification" grep -q '^Q1@1-1-2024@R1@sz_v1.mp4,yes,window 1,no,window 0$' "$T/sleep.csv"
"$SEMIO" eval --study "$S" --run sleep --resamples 0 --format csv > "$T/out" 2> "$T/err"
check "eval: the post-ictal window does not make sleep onset yes" sh -c "grep '^sleep,occur_during_sleep,' '$T/out' | grep -q ',accuracy,1\\(\\.0*\\)\\?,'"

# A study names files by paths relative to its cache: an edited path (or a link in the
# cache) that leads outside it, and a frame that is not JPEG, are refused before anything
# is sent.
cp "$S" "$T/hostile.db"
cp -r "$T/s.cache" "$T/hostile.cache"
H="$T/hostile.db"
hsql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$H" "$1"; }
start_server p
hsql "UPDATE frames SET path = '../../../../etc/passwd' WHERE rowid = (SELECT min(rowid) FROM frames)"
"$SEMIO" ask --study "$H" --run up --url "http://127.0.0.1:$PORT_p/v1" --model m --signs tonic > "$T/out" 2> "$T/err"
rc=$?
check "a path out of the cache is refused" sh -c "[ $rc -ne 0 ] && grep -q \"leads outside the study's cache\" '$T/err'"
cp "$S" "$H"
first=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT path FROM frames ORDER BY rowid LIMIT 1").fetchone()[0])' "$H")
ln -sf /etc/passwd "$T/hostile.cache/$first"
"$SEMIO" ask --study "$H" --run link --url "http://127.0.0.1:$PORT_p/v1" --model m --signs tonic > "$T/out" 2> "$T/err"
check "a link out of the cache is refused" grep -q "leads through a link" "$T/err"
rm "$T/hostile.cache/$first"; echo "not a picture" > "$T/hostile.cache/$first"
"$SEMIO" ask --study "$H" --run text --url "http://127.0.0.1:$PORT_p/v1" --model m --signs tonic > "$T/out" 2> "$T/err"
check "a frame that is not JPEG is refused" grep -q "not a JPEG" "$T/err"
check "none of them reached the server" sh -c "! grep -q '\"valid\": false' '$T/p.log'"

# A recording named with bytes that are not UTF-8: JSON output stays valid UTF-8.
mkdir -p "$T/odd"
"$MKCLIP" "$T/odd/$(printf 'Q9\377\376@1-1-2024@R9@sz_v1.mp4')" 30 64 48 > /dev/null || exit 1
O="$T/odd.db"
"$SEMIO" ingest --study "$O" "$T/odd" > /dev/null && "$SEMIO" segment --study "$O" > /dev/null &&
  "$SEMIO" sample --study "$O" --frames 2 > /dev/null 2>&1 &&
  "$SEMIO" ask --study "$O" --run odd --url "http://127.0.0.1:$PORT_p/v1" --model m --signs tonic > /dev/null 2>&1
"$SEMIO" export --study "$O" --run odd --format jsonl > "$T/odd.jsonl" 2> "$T/err"
utf8() { python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1], "rb").read().decode("utf-8").splitlines()]' "$1"; }
check "jsonl stays valid UTF-8 for a name that is not" utf8 "$T/odd.jsonl"
check "the bad bytes read as U+FFFD" grep -q "Q9$(printf '\357\277\275\357\277\275')@" "$T/odd.jsonl"
"$SEMIO" status --study "$O" --json > "$T/odd.json" 2> "$T/err"
check "status --json stays valid UTF-8 too" python3 -c 'import json,sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$T/odd.json"

# ---- server profiles: each knob where that server reads it, against servers as strict
# as their documentation (a field a server does not read is a 400)
# logged FILE EXPR: EXPR (Python, over the list `e` of logged requests) holds
logged() { python3 -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; assert e and eval(sys.argv[2]), e[-1]' "$1" "$2"; }
start_server pv "" 0 "" "" vllm
start_server pl "" 0 "" "" lmdeploy
start_server pg "" 0 "" "" llama-server
PV="http://127.0.0.1:$PORT_pv/v1" PL="http://127.0.0.1:$PORT_pl/v1" PG="http://127.0.0.1:$PORT_pg/v1"
expect "vllm profile: mm_processor_kwargs and uuids" 0 "$SEMIO" ask --study "$S" --run prof-vllm --url "$PV" --model m --signs tonic --server vllm --mm '{"max_pixels": 602112}'
check "vllm: every request valid, the settings in mm_processor_kwargs, a uuid per picture" logged "$T/pv.log" 'all(x["valid"] and x["mm"] == {"max_pixels": 602112} and x["uuids"] == x["images"] > 0 for x in e)'
expect "vllm profile: --no-image-ids" 0 "$SEMIO" ask --study "$S" --run prof-noids --url "$PV" --model m --signs tonic --server vllm --no-image-ids
check "vllm: no uuid with --no-image-ids" logged "$T/pv.log" 'all(x["valid"] and x["uuids"] == 0 for x in e[-6:])'
expect "lmdeploy profile: tiling beside each url" 0 "$SEMIO" ask --study "$S" --run prof-lmd --url "$PL" --model m --signs tonic --server lmdeploy --mm '{"max_dynamic_patch": 1}'
check "lmdeploy: every request valid, max_dynamic_patch beside every url, no uuid" logged "$T/pl.log" 'all(x["valid"] and x["image_url_fields"] == ["max_dynamic_patch"] and x["uuids"] == 0 and x["mm"] is None for x in e)'
expect "preset internvl3.5-38b on a strict LMDeploy" 0 "$SEMIO" ask --study "$S" --run prof-preset --url "$PL" --signs tonic --preset internvl3.5-38b
check "the preset's model and tiling were sent" logged "$T/pl.log" 'all(x["valid"] and x["image_url_fields"] == ["max_dynamic_patch"] for x in e[-6:])'
check "the run records the preset's model and settings" test "$(sql "SELECT model || ' ' || json_extract(settings_json, '$.server') || ' ' || json_extract(settings_json, '$.mm.max_dynamic_patch') FROM runs WHERE name = 'prof-preset'")" = "OpenGVLab/InternVL3_5-38B lmdeploy 1"
expect "preset qwen2.5-vl-32b on a strict vLLM, the model given beside it" 0 "$SEMIO" ask --study "$S" --run prof-qwen --url "$PV" --signs tonic --preset qwen2.5-vl-32b --model local-qwen
check "the model given wins over the preset's" test "$(sql "SELECT model FROM runs WHERE name = 'prof-qwen'")" = "local-qwen"
expect "image fields added beside each url" 0 "$SEMIO" ask --study "$S" --run prof-field --url "$PL" --model m --signs tonic --server lmdeploy --image-field '{"detail": "low"}'
check "the field reached every image" logged "$T/pl.log" 'all(x["valid"] and x["image_url_fields"] == ["detail"] for x in e[-6:])'
expect "llama-server profile: the common API only" 0 "$SEMIO" ask --study "$S" --run prof-llama --url "$PG" --model m --signs tonic --server llama-server
check "llama-server: every request valid (no uuid, nothing beside the url)" logged "$T/pg.log" 'all(x["valid"] and x["uuids"] == 0 and x["image_url_fields"] == [] for x in e)'
expect "--mm where the server has no place for it" 1 "$SEMIO" ask --study "$S" --run prof-refused --url "$PG" --model m --signs tonic --server llama-server --mm '{"max_dynamic_patch": 1}'
has "said where to set it instead" "$T/err" "has no place for them in a request"
check "the refused command made no run" test "$(sql "SELECT count(*) FROM runs WHERE name = 'prof-refused'")" = 0
expect "a vLLM-shaped request to a strict LMDeploy" 0 "$SEMIO" ask --study "$S" --run prof-wrong --url "$PL" --model m --signs tonic --server vllm --max-retries 2
check "is refused by it (the strict server reads no uuid)" test "$(sql "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'prof-wrong' AND status = 'failed' AND error LIKE '%uuid%'")" -gt 0
expect "an unknown server profile" 1 "$SEMIO" ask --study "$S" --run prof-x --url "$PV" --model m --server tgi
has "the known profiles are named" "$T/err" "vllm, sglang, lmdeploy, llama-server, ollama"
expect "an unknown preset" 2 "$SEMIO" ask --study "$S" --run prof-y --url "$PV" --preset gpt
has "the presets are named" "$T/err" "qwen2.5-vl-32b, internvl3.5-38b"
expect "--mm that is not a JSON object" 1 "$SEMIO" ask --study "$S" --run prof-z --url "$PV" --model m --server vllm --mm 'max_pixels=1'
has "said as such" "$T/err" "is not a JSON object"

finish
