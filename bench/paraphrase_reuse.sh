#!/bin/sh
# Prefix reuse across paraphrase sets: semio ask --prompts plain,clinical,describe,short
# (each window's questions of the four sets together) against the same four sets asked one
# after another, on two replicas of the test server modelling a prefix cache that matches
# a request's prompt against the last N it saw (tests/fake_openai.py --prefix-cache N).
# The figure is semio's own line: the prompt tokens served from the cache, as a server
# reports them. Usage: bench/paraphrase_reuse.sh [SEMIO] [N] [RECORDINGS]
# (default build/tools/semio, N = 16, 30 recordings)
set -eu
SEMIO=$(realpath "${1:-build/tools/semio}")
N=${2:-16}
R=${3:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
mkdir -p "$T/rec"
i=0
while [ $i -lt "$R" ]; do
  "$MKCLIP" "$T/rec/P$((i / 3))@1-1-2024@R$i@sz_v1.mp4" 40 $((64 + 2 * (i % 30))) 48
  i=$((i + 1))
done
S="$T/s.db"
"$SEMIO" ingest --study "$S" "$T/rec" > /dev/null 2>&1
"$SEMIO" segment --study "$S" > /dev/null
"$SEMIO" sample --study "$S" --frames 4 > /dev/null 2>&1
# fresh replicas for each way, so neither finds the other's prompts cached
serve() {
  for r in 1 2; do
    rm -f "$T/p$r"
    python3 "$ROOT/tests/fake_openai.py" --port-file "$T/p$r" --log "$T/$1$r.log" --prefix-cache "$N" &
    PIDS="$PIDS $!"
  done
  while [ ! -s "$T/p1" ] || [ ! -s "$T/p2" ]; do sleep 0.05; done
  URLS="http://127.0.0.1:$(cat "$T/p1")/v1,http://127.0.0.1:$(cat "$T/p2")/v1"
}
ask() { "$SEMIO" ask --study "$S" --url "$URLS" --model m --signs limb,facial --concurrency 8 "$@"; }
serve together
ask --run together --prompts plain,clinical,describe,short > "$T/together" 2>/dev/null
for p in $PIDS; do kill "$p"; done
PIDS=""
serve apart
for s in plain clinical describe short; do
  ask --run apart-$s --prompts $s > "$T/apart-$s" 2>/dev/null
done
python3 - "$T" "$N" "$R" <<'PY'
import glob, json, sys
t, n, r = sys.argv[1:]
def share(kind):
    e = [json.loads(l) for f in sorted(glob.glob(f"{t}/{kind}[12].log")) for l in open(f)]
    return len(e), sum(x["cached_tokens"] for x in e) / sum(x["prompt_tokens"] for x in e)
nt, together = share("together")
na, apart = share("apart")
print(f"prefix reuse, {r} recordings x 18 signs x 4 paraphrase sets, 2 replicas, cache of the last {n} prompts each:")
print(f"  the sets together (semio ask --prompts A,B,C,D): {together:.1%} of {nt} requests' prompt tokens from the cache")
print(f"  one set after another (four semio ask):          {apart:.1%} of {na}")
PY
grep '^prefix reuse' "$T/together"
