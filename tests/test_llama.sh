#!/bin/sh
# semio ask against a real multimodal server nobody here wrote: llama.cpp's llama-server
# with libmtmd (scripts/fetch-llama builds it into third_party/llama/), serving a tiny
# random-weight LLaVA-style model (tests/make_tiny_vlm.py) on 127.0.0.1. Checked: answers
# with structured output and logprobs, P(yes) as the server's own top_logprobs give it, two
# replicas with affinity, the pictures' prefix reused (the server's own timings.cache_n),
# kill -9 and resume, a vision-only model asked about sound stopping the run once, replies
# cut off at max_tokens. A pass-through proxy (tests/record_proxy.py) keeps the server's
# replies where a check reads them. Usage: tests/test_llama.sh SEMIO
set -u
SEMIO=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
LLAMA=$(cd "$HERE/.." && pwd)/third_party/llama
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap cleanup EXIT
. "$HERE/lib.sh"
if [ "${SEMIO_TEST_PASS:-}" = core ]; then
  # the lean build asks exactly as the plain one does; the plain and --sanitize passes run it
  skip "semio against a real llama-server: run by scripts/test and scripts/test --sanitize, not --core"
  finish
  exit
fi
if [ ! -x "$LLAMA/bin/llama-server" ] || [ ! -d "$LLAMA/src/gguf-py" ]; then
  skip "semio against a real llama-server: none in third_party/llama/ (scripts/fetch-llama builds it, a few minutes)"
  finish
  exit
fi
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  skip "semio against a real llama-server: the test model needs Debian's numpy (apt-get install python3-numpy)"
  finish
  exit
fi
of() { sql "SELECT $2 FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = '$1' ${3:+AND $3}"; }

/usr/bin/python3 "$HERE/make_tiny_vlm.py" --gguf-py "$LLAMA/src/gguf-py" --out "$T/model" --seed 1 2> "$T/err"
check "the tiny model is written (llama.cpp's own gguf-py)" test -s "$T/model/tiny-vlm.gguf" -a -s "$T/model/tiny-vlm-mmproj.gguf"

# start_llama NAME [--text-only] [ARGS...]: llama-server on a free port of 127.0.0.1
# (PORT_NAME), one slot and one thread, with the vision projector unless --text-only; its
# log in $T/NAME.log
start_llama() {
  name=$1; shift
  proj="--mmproj $T/model/tiny-vlm-mmproj.gguf"
  [ "${1:-}" != --text-only ] || { proj=--no-mmproj; shift; }
  : > "$T/$name.log"
  "$LLAMA/bin/llama-server" -m "$T/model/tiny-vlm.gguf" $proj \
    --host 127.0.0.1 --port 0 -c 4096 -np 1 -t 1 --no-warmup "$@" > "$T/$name.log" 2>&1 &
  PIDS="$PIDS $!"
  n=0
  while ! grep -q "listening on http://127.0.0.1:" "$T/$name.log" && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
  eval "PORT_$name=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$T/$name.log" | head -n 1)"
}
# start_proxy NAME TARGET_PORT: the recording proxy in front of a server (PORT_NAME, $T/NAME.jsonl)
start_proxy() {
  rm -f "$T/$1.port"
  python3 "$HERE/record_proxy.py" --to "$2" --port-file "$T/$1.port" --log "$T/$1.jsonl" &
  PIDS="$PIDS $!"
  n=0; while [ ! -s "$T/$1.port" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
  eval "PORT_$1=$(cat "$T/$1.port")"
}
# replies FILE EXPR: EXPR (Python, over the list `e` of recorded exchanges) holds
replies() { python3 -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; assert e and eval(sys.argv[2]), [x.get("reply") for x in e][-1:]' "$1" "$2"; }

start_llama a
if [ -z "$PORT_a" ] || ! grep -q "loaded multimodal model" "$T/a.log"; then
  bad "llama-server starts with the model and its projector" "$(tail -n 15 "$T/a.log")"
  finish
  exit
fi
ok "llama-server starts with the model and its projector"
start_proxy pa "$PORT_a"

sampled_study

# ---- answers with structured output and logprobs, one question at a time so that each
# window's questions meet its pictures in the server's cache
"$SEMIO" ask --study "$S" --run real --url "http://127.0.0.1:$PORT_pa/v1" --model tiny-vlm \
  --server llama-server --signs tonic,clonic,figure4,head_turning --concurrency 1 > "$T/out" 2> "$T/err"
check "every question answered by llama-server" grep -q "24 questions, 0 answered before, 24 answered now, 0 failed" "$T/out"
check "asked with the answer's JSON schema and logprobs, 4 pictures each" replies "$T/pa.jsonl" \
  'len(e) == 24 and all(x["response_format"] == "json_schema" and x["logprobs"] and x["top_logprobs"] == 5 and x["images"] == 4 and x["status"] == 200 for x in e)'
check "the server's replies are the schema's JSON, ended by the model" replies "$T/pa.jsonl" \
  'all(x["reply"]["choices"][0]["finish_reason"] == "stop" and set(json.loads(x["reply"]["choices"][0]["message"]["content"])) == {"answer", "justification", "start_time"} for x in e)'
check "stored with justification, token counts, P(yes)" test "$(of real "count(*)" "a.status = 'ok' AND a.p_yes BETWEEN 0 AND 1 AND a.justification <> '' AND a.prompt_tokens > 64 AND a.completion_tokens > 0")" -eq 24
check "the pictures decide: both yes and no among the answers" test "$(of real "count(DISTINCT answer)")" -eq 2
check "P(yes) above one half exactly where the answer is yes (greedy at temperature 0)" \
  test "$(of real "count(*)" "(a.answer = 'yes') = (a.p_yes > 0.5)")" -eq 24
# P(yes) as the server's own top_logprobs give it at the token that carries the answer
python3 - "$T/pa.jsonl" "$S" real > "$T/pyes" 2> "$T/err" <<'PY'
import json, math, sqlite3, sys
from_server = []
for line in open(sys.argv[1]):
    choice = json.loads(line)["reply"]["choices"][0]
    answer = json.loads(choice["message"]["content"])["answer"]
    # the known token: the one that carries the answer's word (' "yes' or ' "no')
    toks = choice["logprobs"]["content"]
    at = [i for i, t in enumerate(toks) if t["token"] in (' "yes', ' "no')]
    assert len(at) == 1 and toks[at[0]]["token"] == ' "' + answer, [t["token"] for t in toks]
    top = {a["token"]: a["logprob"] for a in toks[at[0]]["top_logprobs"]}
    assert abs(top[' "' + answer] - toks[at[0]]["logprob"]) < 1e-6, (top, toks[at[0]])
    py, pn = math.exp(top[' "yes']), math.exp(top[' "no'])
    usage = json.loads(line)["reply"]["usage"]
    from_server.append((py / (py + pn), answer, choice["message"]["content"],
                        usage["prompt_tokens"], usage["completion_tokens"]))
c = sqlite3.connect(sys.argv[2])
stored = c.execute("SELECT p_yes, answer, raw, prompt_tokens, completion_tokens FROM answers a "
                   "JOIN runs r ON r.id = a.run_id WHERE r.name = ?", (sys.argv[3],)).fetchall()
assert len(stored) == len(from_server) == 24, (len(stored), len(from_server))
for a, b in zip(sorted(stored), sorted(from_server)):
    assert abs(a[0] - b[0]) < 1e-9 and a[1:] == b[1:], (a, b)
print("%.3f to %.3f" % (min(stored)[0], max(stored)[0]))
PY
check "P(yes) stored is the server's own: p(yes) / (p(yes) + p(no)) of its top_logprobs, P(yes) $(cat "$T/pyes")" test -s "$T/pyes"

# ---- the pictures' prefix reused, as the server itself counts it (timings.cache_n): each
# window's first question evaluates its pictures, the others find them cached
python3 - "$T/pa.jsonl" > "$T/cache" 2> "$T/err" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
seen, first, later = set(), [], []
for x in e:
    t = x["reply"]["timings"]
    assert t["cache_n"] + t["prompt_n"] == x["reply"]["usage"]["prompt_tokens"], t
    (later if x["segment"] in seen else first).append(t["cache_n"])
    seen.add(x["segment"])
# 4 pictures of 16 tokens each come before the question: a first question finds at most
# the text before the first picture, the others all of the pictures and more
assert len(first) == 6 and len(later) == 18, (first, later)
assert min(later) - max(first) >= 4 * 16, (first, later)
print(max(first), min(later))
PY
check "each window's pictures reused from the server's cache (cache_n first/later: $(cat "$T/cache"))" test -s "$T/cache"

# ---- without the grammar the model writes the same JSON, read as such
"$SEMIO" ask --study "$S" --run free --url "http://127.0.0.1:$PORT_pa/v1" --model tiny-vlm \
  --server llama-server --signs tonic --concurrency 1 --no-structured > "$T/out" 2> "$T/err"
check "--no-structured: no response_format sent" replies "$T/pa.jsonl" 'all(x["response_format"] is None for x in e[24:]) and len(e) == 30'
check "--no-structured: the same answers and P(yes) as with the schema" test "$(sql "SELECT count(*) FROM answers f JOIN runs rf ON rf.id = f.run_id AND rf.name = 'free' JOIN answers s ON s.segment_id = f.segment_id AND s.sign = f.sign JOIN runs rs ON rs.id = s.run_id AND rs.name = 'real' WHERE f.answer = s.answer AND abs(f.p_yes - s.p_yes) < 1e-6")" -eq 6

# ---- two replicas: every question of a window to one of them
start_llama b
start_llama c
start_proxy pb "$PORT_b"
start_proxy pc "$PORT_c"
"$SEMIO" ask --study "$S" --run replicas --url "http://127.0.0.1:$PORT_pb/v1,http://127.0.0.1:$PORT_pc/v1" \
  --model tiny-vlm --server llama-server --signs tonic,clonic,figure4,head_turning --concurrency 4 > "$T/out" 2> "$T/err"
check "every question answered across two replicas" grep -q "24 answered now, 0 failed" "$T/out"
python3 - "$T/pb.jsonl" "$T/pc.jsonl" > "$T/aff" 2> "$T/err" <<'PY'
import json, sys
segs = [{json.loads(l)["segment"] for l in open(f)} for f in sys.argv[1:]]
n = [sum(1 for _ in open(f)) for f in sys.argv[1:]]
assert all(segs) and not segs[0] & segs[1] and len(segs[0] | segs[1]) == 6, segs
print(*n)
PY
check "both replicas used, each window on one ($(cat "$T/aff") questions)" test -s "$T/aff"
read nb nc < "$T/aff" 2>/dev/null
check "each replica's own log counts the questions it was sent" \
  test "$(grep -c 'launch_slot_' "$T/b.log") $(grep -c 'launch_slot_' "$T/c.log")" = "${nb:-x} ${nc:-x}"

# ---- kill -9 in the middle, then resume: every question answered once
"$SEMIO" ask --study "$S" --run killed --url "http://127.0.0.1:$PORT_a/v1" --model tiny-vlm \
  --server llama-server --signs limb --concurrency 2 > "$T/out" 2> "$T/err" &
pid=$!
n=0; while [ "$(of killed "count(*)")" -lt 15 ] && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
kill -9 $pid; wait $pid 2>/dev/null
got=$(of killed "count(*)")
"$SEMIO" ask --study "$S" --run killed --url "http://127.0.0.1:$PORT_a/v1" --model tiny-vlm \
  --server llama-server --signs limb --concurrency 2 > "$T/out" 2> "$T/err"
want=$(sed -n 's/.* \([0-9]*\) questions, .*/\1/p' "$T/out")
check "killed in the middle ($got of ${want:-?} stored), resumed with what was missing" sh -c \
  "[ $got -lt ${want:-0} ] && grep -qE 'questions, $got answered before, $((${want:-0} - got)) answered now, 0 failed' '$T/out'"
check "every question answered once, no duplicates" test "$(of killed "count(*) || ' ' || count(DISTINCT segment_id || a.sign)")" = "${want:-x} ${want:-x}"

# ---- a vision-only model asked about sound: the run stops once, in the server's words
"$SEMIO" enhance --study "$S" --view audio > /dev/null 2>&1
"$SEMIO" ask --study "$S" --run sound --url "http://127.0.0.1:$PORT_a/v1" --model tiny-vlm \
  --server llama-server --view audio --signs audio --concurrency 2 > "$T/out" 2> "$T/err"
rc=$?
check "asked about sound, the vision-only model stops the run" test "$rc" -eq 1
check "one clear message naming the server and its words" sh -c "[ \$(grep -c 'cannot do what semio asks' '$T/err') -eq 1 ] && grep -qF 'audio input is not supported' '$T/err' && grep -qF 'http://127.0.0.1:$PORT_a/v1/chat/completions' '$T/err'"
check "nothing stored, nothing retried (the server refused no more than the 2 in flight)" sh -c "[ '$(of sound "count(*)")' -eq 0 ] && [ \$(grep -c 'audio input is not supported' '$T/a.log') -le 2 ]"

# ---- a text-only model (no --mmproj) asked with pictures: the same, in its words
start_llama t --text-only
"$SEMIO" ask --study "$S" --run blind --url "http://127.0.0.1:$PORT_t/v1" --model tiny-vlm \
  --server llama-server --signs tonic --concurrency 2 > "$T/out" 2> "$T/err"
rc=$?
check "a text-only model asked with pictures stops the run" sh -c "[ $rc -eq 1 ] && [ \$(grep -c 'cannot do what semio asks' '$T/err') -eq 1 ] && grep -qF 'image input is not supported' '$T/err' && [ '$(of blind "count(*)")' -eq 0 ]"

# ---- replies cut off at max_tokens: asked once more with twice the room, then failed
"$SEMIO" ask --study "$S" --run cut --url "http://127.0.0.1:$PORT_pa/v1" --model tiny-vlm \
  --server llama-server --signs tonic --concurrency 1 --max-tokens 1 > "$T/out" 2> "$T/err"
check "cut off twice: stored failed, saying so, the cut text kept" \
  test "$(of cut "count(*)" "a.status = 'failed' AND a.attempts = 2 AND a.error = 'cut off at max_tokens (finish_reason length): at 1 tokens and again at 2' AND a.raw LIKE '{\"answer\": \"%'")" -eq 6
check "the server said length, at 1 token then 2" replies "$T/pa.jsonl" \
  'sorted((x["max_tokens"], x["reply"]["choices"][0]["finish_reason"]) for x in e[-12:]) == [(1, "length")] * 6 + [(2, "length")] * 6'
"$SEMIO" ask --study "$S" --run room --url "http://127.0.0.1:$PORT_pa/v1" --model tiny-vlm \
  --server llama-server --signs tonic --concurrency 1 --max-tokens 2 > "$T/out" 2> "$T/err"
check "cut off once, answered with twice the room" test "$(of room "count(*)" "a.status = 'ok' AND a.attempts = 2")" -eq 6

finish
