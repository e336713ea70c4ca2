#!/bin/sh
# The in-process engine (--engine llamacpp): llama.cpp's libllama and libmtmd inside semio,
# on the tiny random-weight LLaVA-style model of tests/make_tiny_vlm.py. Checked:
# - semio version names llama.cpp and its CPU backend;
# - every question answered and stored with P(yes) in [0,1] and the window's pictures
#   evaluated once for its questions, resume asking nothing again, the same answers when
#   every question starts from scratch;
# - a context too small for a window's pictures, or for the question before the answer:
#   each question failed and stored with why;
# - bad input, each one error line on stderr naming the file and what is wrong, exit 1
#   and nothing stored: a file that is not a GGUF, an empty one, a folder, a missing file,
#   a model cut short (its first KB, its first half), a projector cut short, the projector
#   given as the model, the model given as the projector, a projector made for a model of
#   another width, a projector that takes no pictures (sound only), the audio view (which
#   the engine does not take), no room left for the answer (max_tokens >= n_ctx); the
#   projector left out is a usage error (exit 2);
# - memory run out (an address-space limit, ulimit -v; not under ASan, which reserves
#   terabytes of it): the context of 2^20 tokens that cannot be allocated, and a model
#   whose file cannot be mapped, each said as memory run out, naming the model.
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
# under LeakSanitizer: the suppressions it used (tests/lsan.supp) are not listed on stderr,
# where they would be more lines than the one error
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0"
of() { sql "SELECT $2 FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = '$1' ${3:+AND $3}"; }

"$SEMIO" version > "$T/out" 2> "$T/err"
check "semio version names llama.cpp and its CPU backend" \
  grep -qE '^llamacpp: llama\.cpp \(ggml [^,]+, commit [0-9a-f]+\), backends: (.*, )?CPU( |,|$)' "$T/out"

mk() { /usr/bin/python3 "$HERE/make_tiny_vlm.py" --gguf-py "$LLAMA/src/gguf-py" --seed 1 "$@" 2> "$T/err"; }
mk --out "$T/model" --audio
M="$T/model/tiny-vlm.gguf" P="$T/model/tiny-vlm-mmproj.gguf" A="$T/model/tiny-audio-mmproj.gguf"
check "the tiny model is written (llama.cpp's own gguf-py)" test -s "$M" -a -s "$P" -a -s "$A"
# a pair of another width: its projector fits no model of the first pair, and its model
# (11 MB) is what a limit that the tiny one passes cannot map
mk --out "$T/wide" --n-embd 512
WM="$T/wide/tiny-vlm.gguf" WP="$T/wide/tiny-vlm-mmproj.gguf"
check "a pair 512 wide is written" test -s "$WM" -a -s "$WP"

sampled_study

ask() { run=$1; shift; "$SEMIO" ask --study "$S" --run "$run" --engine llamacpp --signs tonic,clonic,figure4,head_turning "$@" > "$T/out" 2> "$T/err"; rc=$?; return $rc; }

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
touch -r "$T/rec/Q2@1-1-2024@R2@sz_v1.mp4" "$T/stamp"
touch -d '2030-01-01' "$T/rec/Q2@1-1-2024@R2@sz_v1.mp4"
ask px2 --gguf "$M" --mmproj "$P"
touch -r "$T/stamp" "$T/rec/Q2@1-1-2024@R2@sz_v1.mp4"
check "a recording changed since it was sampled: one clear error naming it" sh -c \
  "grep -q 'Q2@1-1-2024@R2@sz_v1.mp4: the recording changed since it was sampled' '$T/err' && [ \$(wc -l < '$T/err') -eq 1 ]"

# ---- a context too small: each question fails with why -------------------------------
# a window is 4 pictures of 16 tokens and their times, 144 tokens; a question some 350 more
ask small --gguf "$M" --mmproj "$P" --n-ctx 128 --max-tokens 32
check "a context smaller than a window's pictures: each question failed" \
  grep -q "24 questions, 0 answered before, 0 answered now, 24 failed" "$T/out"
check "... and stored with why" test "$(of small "count(*)" "a.status = 'failed' AND a.error LIKE 'the window''s pictures are 144 tokens: more than n_ctx 128'")" -eq 24
ask short --gguf "$M" --mmproj "$P" --n-ctx 256 --max-tokens 32
check "a context with the pictures but not the question and the answer: each failed with why" \
  test "$(of short "count(*)" "a.status = 'failed' AND a.error LIKE '% prompt tokens and max_tokens 32 exceed n_ctx 256'")" -eq 24

# ---- bad input: one line naming the file and what is wrong, nothing stored ----------
# refused WHAT TEXT: the last ask exited 1 with one line on stderr that holds TEXT, and no
# run 'bad' is stored
refused() {
  if [ "$rc" -eq 1 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -qF -- "$2" "$T/err" &&
     [ "$(sql "SELECT count(*) FROM runs WHERE name = 'bad'")" -eq 0 ]; then
    ok "$1"
  else
    bad "$1" "exit $rc, wanted 1 and one line with: $2" "$(head -c 600 "$T/err")"
  fi
}
echo "not a model" > "$T/text.gguf"
: > "$T/empty.gguf"
mkdir "$T/folder.gguf"
head -c 1024 "$M" > "$T/head.gguf"
head -c $(($(wc -c < "$M") / 2)) "$M" > "$T/half.gguf"
head -c 1024 "$P" > "$T/phead.gguf"
ask bad --gguf "$T/text.gguf" --mmproj "$P"
refused "a file that is not a GGUF" "$T/text.gguf: not a GGUF file (the model must be one)"
ask bad --gguf "$T/empty.gguf" --mmproj "$P"
refused "an empty file" "$T/empty.gguf: an empty file, not a GGUF file (the model must be one)"
ask bad --gguf "$T/folder.gguf" --mmproj "$P"
refused "a folder" "$T/folder.gguf: a folder, not the model's GGUF file"
ask bad --gguf "$T/missing.gguf" --mmproj "$P"
refused "a missing file" "$T/missing.gguf: cannot open the model: No such file or directory"
ask bad --gguf "$T/head.gguf" --mmproj "$P"
refused "the model's first KB: no crash" "$T/head.gguf: llama.cpp cannot load it as a model: "
ask bad --gguf "$T/half.gguf" --mmproj "$P"
refused "the model's first half: its tensors past the end" \
  "$T/half.gguf: llama.cpp cannot load it as a model: error loading model: tensor"
ask bad --gguf "$M" --mmproj "$T/phead.gguf"
refused "the projector's first KB" "$T/phead.gguf: not a projector libmtmd can load for the model $M: "
ask bad --gguf "$P" --mmproj "$P"
refused "the projector given as the model" "$P: llama.cpp cannot load it as a model: "
ask bad --gguf "$M" --mmproj "$M"
refused "the model given as the projector" \
  "$M: not a projector but a 'llama' model (a projector's GGUF architecture is 'clip')"
ask bad --gguf "$M" --mmproj "$WP"
refused "a projector for a model of another width: does not fit, libmtmd's reason quoted" \
  "$WP: the projector does not fit the model $M (libmtmd: mismatch between text model (n_embd = 64) and mmproj (n_embd = 512)"
ask bad --gguf "$M" --mmproj "$A"
refused "a projector for sound only" "$A: the projector takes no pictures (a sound encoder only)"
"$SEMIO" ask --study "$S" --run bad --engine llamacpp --view audio --gguf "$M" --mmproj "$P" > "$T/out" 2> "$T/err"
rc=$?
refused "the audio view, which the engine does not take" \
  "ask: the llamacpp engine cannot take the audio view (sound); it takes raw"
ask bad --gguf "$M" --mmproj "$P" --n-ctx 512
refused "no room for the answer: max_tokens 512 in a context of 512" \
  "llamacpp: a context of 512 tokens leaves no room for the pictures and the question before an answer of up to 512 tokens"
ask bad --gguf "$M"
check "the projector left out: a usage error" sh -c "[ $rc -eq 2 ] && grep -q 'needs --gguf MODEL.gguf and --mmproj PROJ.gguf' '$T/err'"

# ---- memory run out --------------------------------------------------------------------
# Under an address-space limit (KiB): the least that gets the tiny model loaded is found by
# bisection (to 1 MB; what semio and its libraries take differs between machines), asking
# for a context of 2^20 tokens (a 512 MB cache) that cannot fit. The wide model's 11 MB then
# cannot be mapped 2 MB above it. (Below what semio's libraries need, a C++ one's static
# constructor may throw; ggml's handler would then start gdb for a backtrace.)
export GGML_NO_BACKTRACE=1
loads() { (ulimit -v "$1" && ask bad --gguf "$M" --mmproj "$P" --n-ctx 1048576); grep -q 'context of 1048576' "$T/err"; }
if [ "${SEMIO_TEST_PASS:-}" = sanitize ] || ldd "$SEMIO" 2> /dev/null | grep -q libasan; then
  skip "memory run out: ASan reserves terabytes of address space, so no limit can be set"
elif ! loads 1048576; then
  bad "memory run out: the tiny model loads within 1 GB of address space" "$(head -c 600 "$T/err")"
else
  lo=65536 hi=1048576
  while [ $((hi - lo)) -gt 1024 ]; do
    mid=$(((lo + hi) / 2))
    if loads $mid; then hi=$mid; else lo=$mid; fi
  done
  (ulimit -v $hi && ask bad --gguf "$M" --mmproj "$P" --n-ctx 1048576)
  rc=$?
  refused "memory run out: a context of 2^20 tokens (limit $hi KiB)" \
    "$M: out of memory for a context of 1048576 tokens ("
  (ulimit -v $((hi + 2048)) && ask bad --gguf "$WM" --mmproj "$WP")
  rc=$?
  refused "memory run out: a model that cannot be mapped (limit $((hi + 2048)) KiB)" \
    "$WM: out of memory loading the model ("
fi
check "nothing stored by the refused runs" test "$(sql "SELECT count(*) FROM runs WHERE name = 'bad'")" -eq 0

finish
