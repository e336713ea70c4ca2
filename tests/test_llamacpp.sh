#!/bin/sh
# The in-process engine (--engine llamacpp): llama.cpp's libllama and libmtmd inside semio,
# on the tiny random-weight LLaVA-style model of tests/make_tiny_vlm.py. Checked: every
# question answered and stored with P(yes) in [0,1] and the window's pictures evaluated once
# for its questions, resume asking nothing again, a file that is not a GGUF, a projector left
# out or not one for the model: one clear error naming the file, nothing stored.
# Usage: tests/test_llamacpp.sh SEMIO
set -u
SEMIO=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
LLAMA=$(cd "$HERE/.." && pwd)/third_party/llama
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
. "$HERE/lib.sh"
give_up() { skip "the in-process engine: $1"; finish; exit; }
[ "${SEMIO_TEST_PASS:-}" != core ] || give_up "the lean build has no llamacpp (the plain and --sanitize passes run it)"
if ! built llamacpp; then
  mkdir -p "$T/empty"
  "$SEMIO" ingest --study "$T/none.db" "$T/empty" > /dev/null 2>&1
  "$SEMIO" ask --study "$T/none.db" --run x --engine llamacpp --gguf a --mmproj b > "$T/out" 2> "$T/err"
  rc=$?
  if [ $rc -eq 1 ] && grep -q "built without.*llamacpp" "$T/err"; then ok "not built: --engine llamacpp says so"; else bad "not built: --engine llamacpp says so" "$(cat "$T/err")"; fi
  give_up "semio was built without llamacpp (scripts/fetch-llama, then scripts/build)"
fi
[ -d "$LLAMA/src/gguf-py" ] || give_up "no llama.cpp tree in third_party/llama/ (scripts/fetch-llama)"
/usr/bin/python3 -c 'import numpy' 2>/dev/null || give_up "the test model needs Debian's numpy (apt-get install python3-numpy)"
check() { name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$(tail -c 600 "$T/err" 2>/dev/null)"; fi; }
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(*c.execute(sys.argv[2]).fetchone())' "$S" "$1"; }
of() { sql "SELECT $2 FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = '$1' ${3:+AND $3}"; }

/usr/bin/python3 "$HERE/make_tiny_vlm.py" --gguf-py "$LLAMA/src/gguf-py" --out "$T/model" --seed 1 2> "$T/err"
M="$T/model/tiny-vlm.gguf" P="$T/model/tiny-vlm-mmproj.gguf"
check "the tiny model is written (llama.cpp's own gguf-py)" test -s "$M" -a -s "$P"

mkdir -p "$T/rec"
"$MKCLIP" "$T/rec/Q1@1-1-2024@R1@sz_v1.mp4" 300 320 240 || exit 1
"$MKCLIP" "$T/rec/Q2@1-1-2024@R2@sz_v1.mp4" 300 352 288 || exit 1
S="$T/s.db"
"$SEMIO" ingest --study "$S" "$T/rec" > /dev/null 2>&1
"$SEMIO" segment --study "$S" --window 4 --overlap 1 > /dev/null 2>&1
"$SEMIO" sample --study "$S" --frames 4 > /dev/null 2>&1

ask() { run=$1; shift; "$SEMIO" ask --study "$S" --run "$run" --engine llamacpp --signs tonic,clonic,figure4,head_turning "$@" > "$T/out" 2> "$T/err"; }

ask lc --gguf "$M" --mmproj "$P"
check "every question answered in-process" grep -q "24 questions, 0 answered before, 24 answered now, 0 failed" "$T/out"
check "stored ok, the grammar's JSON read back, P(yes) in [0,1], tokens counted" \
  test "$(of lc "count(*)" "a.status = 'ok' AND a.p_yes BETWEEN 0 AND 1 AND a.justification <> '' AND a.raw LIKE '{%\"answer\":%}' AND a.prompt_tokens > 64 AND a.completion_tokens > 0")" -eq 24
check "P(yes) above one half exactly where the answer is yes (greedy)" \
  test "$(of lc "count(*)" "(a.answer = 'yes') = (a.p_yes > 0.5)")" -eq 24
# 6 windows of 4 questions: the first of each evaluates the pictures, the other 3 reuse them
check "each window's pictures evaluated once: 18 of 24 questions reuse them" \
  grep -qE "prefix reuse: [0-9]+ of [0-9]+ prompt tokens" "$T/out"
reused=$(sed -n 's/prefix reuse: \([0-9]*\) of.*/\1/p' "$T/out")
check "the reused prefix holds the 4 pictures of 16 tokens each ($reused tokens over 18 questions)" \
  test "${reused:-0}" -ge $((18 * 4 * 16))

ask lc --gguf "$M" --mmproj "$P"
check "resumed: nothing asked again" grep -q "24 questions, 24 answered before, 0 answered now, 0 failed" "$T/out"

ask fresh --gguf "$M" --mmproj "$P" --no-share-prefix
check "every question from scratch: the same answers" test "$(sql "SELECT count(*) FROM answers f JOIN runs rf ON rf.id = f.run_id AND rf.name = 'fresh' JOIN answers s ON s.segment_id = f.segment_id AND s.sign = f.sign JOIN runs rs ON rs.id = s.run_id AND rs.name = 'lc' WHERE f.answer = s.answer AND abs(f.p_yes - s.p_yes) < 1e-3")" -eq 24

# the engine takes pixels: the frames come decoded again from the recording, so the stored
# JPEGs are not read (spoiled here, the answers stay)
find "$T" -path '*frames*' -name 'f*.jpg' -exec sh -c 'for f; do printf spoiled > "$f"; done' sh {} +
ask px --gguf "$M" --mmproj "$P"
check "frames decoded from the recording, not from the JPEGs: the same answers" test "$(sql "SELECT count(*) FROM answers f JOIN runs rf ON rf.id = f.run_id AND rf.name = 'px' JOIN answers s ON s.segment_id = f.segment_id AND s.sign = f.sign JOIN runs rs ON rs.id = s.run_id AND rs.name = 'lc' WHERE f.answer = s.answer AND abs(f.p_yes - s.p_yes) < 1e-6")" -eq 24
touch -d '2030-01-01' "$T/rec/Q2@1-1-2024@R2@sz_v1.mp4"
ask px2 --gguf "$M" --mmproj "$P"
check "a recording changed since it was sampled: one clear error naming it" sh -c \
  "grep -q 'Q2@1-1-2024@R2@sz_v1.mp4: the recording changed since it was sampled' '$T/err' && [ \$(wc -l < '$T/err') -eq 1 ]"

echo "not a model" > "$T/text.gguf"
ask bad --gguf "$T/text.gguf" --mmproj "$P"
check "a file that is not a GGUF: one clear error naming it, nothing stored" sh -c \
  "[ \$(grep -c 'text.gguf: not a GGUF file' '$T/err') -eq 1 ] && [ \$(wc -l < '$T/err') -eq 1 ] && [ '$(of bad "count(*)")' -eq 0 ]"
ask bad --gguf "$P" --mmproj "$P"
check "the projector given as the model: refused, naming it" sh -c \
  "grep -qF '$P: llama.cpp cannot load it as a model' '$T/err' && [ \$(wc -l < '$T/err') -eq 1 ]"
ask bad --gguf "$M"
rc=$?
check "the projector left out: a usage error" sh -c "[ $rc -eq 2 ] && grep -q 'needs --gguf MODEL.gguf and --mmproj PROJ.gguf' '$T/err'"
ask bad --gguf "$M" --mmproj "$M"
check "a projector that is not one for the model: refused, naming it" sh -c \
  "grep -qF '$M: not a projector for the model' '$T/err' && [ \$(wc -l < '$T/err') -eq 1 ]"
check "nothing stored by the refused runs" test "$(sql "SELECT count(*) FROM runs WHERE name = 'bad'")" -eq 0

finish
