#!/bin/sh
# Image-prefill reuse: a 90-recording x 18-sign run of semio ask against two replicas of
# a test server that models a prefix cache (LRU of the last N windows' images per
# replica), compared with the same requests in a shuffled order spread round-robin.
# Usage: bench/prefix_reuse.sh [SEMIO] [N]   (default build/tools/semio, N = 4)
set -eu
SEMIO=$(realpath "${1:-build/tools/semio}")
N=${2:-4}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
mkdir -p "$T/rec"
i=0
while [ $i -lt 90 ]; do
  "$MKCLIP" "$T/rec/P$((i / 3))@1-1-2024@R$i@sz_v1.mp4" 40 $((64 + 2 * (i % 30))) 48
  i=$((i + 1))
done
S="$T/s.db"
"$SEMIO" ingest --study "$S" "$T/rec" > /dev/null 2>&1
"$SEMIO" segment --study "$S" > /dev/null
"$SEMIO" sample --study "$S" --frames 4 > /dev/null 2>&1
for r in 1 2; do
  python3 "$ROOT/tests/fake_openai.py" --port-file "$T/p$r" --log "$T/r$r.log" --lru "$N" &
  PIDS="$PIDS $!"
done
while [ ! -s "$T/p1" ] || [ ! -s "$T/p2" ]; do sleep 0.05; done
"$SEMIO" ask --study "$S" --run reuse --url "http://127.0.0.1:$(cat "$T/p1")/v1,http://127.0.0.1:$(cat "$T/p2")/v1" \
  --model m --signs limb,facial --concurrency 8 > "$T/out" 2>/dev/null
python3 - "$N" "$T/r1.log" "$T/r2.log" <<'PY'
import json, random, sys
n = int(sys.argv[1])
entries = [json.loads(l) for f in sys.argv[2:] for l in open(f)]
hits = sum(e["cached"] for e in entries)
# the same requests, shuffled, replicas round-robin, through the same LRU model
random.seed(1)
reqs = [e["segment"] for e in entries]
random.shuffle(reqs)
caches, shuffled = [[], []], 0
for k, seg in enumerate(reqs):
    lru = caches[k % 2]
    if seg in lru:
        shuffled += 1
        lru.remove(seg)
    lru.append(seg)
    del lru[:-n]
total = len(entries)
print(f"prefix reuse, {total} requests (90 recordings x 18 signs), 2 replicas, LRU of {n} windows each:")
print(f"  semio's order (a window's questions together, affinity): {hits / total:.1%} of requests found their images cached (target >= 90%)")
print(f"  shuffled order, round-robin replicas:                    {shuffled / total:.1%}")
print(f"  ratio: {hits / max(shuffled, 1):.1f}x")
PY
