#!/bin/sh
# Per-question time of the in-process engine on the tiny model (tests/make_tiny_vlm.py):
# with each window's pictures evaluated once for its questions, with every question from
# scratch (--no-share-prefix), and through llama-server over HTTP on 127.0.0.1 (the openai
# engine, one question at a time, the server's own prefix cache on). Time per question is
# the mean of the stored latency_ms. Usage: bench/bench_llamacpp.sh build/tools/semio [WINDOWS_S]
set -eu
SEMIO=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LLAMA=$ROOT/third_party/llama
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
SERVER=""
trap '[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null; rm -rf "$T"' EXIT
"$SEMIO" version | grep -qw llamacpp || { echo "bench_llamacpp: semio was built without llamacpp" >&2; exit 1; }
/usr/bin/python3 "$ROOT/tests/make_tiny_vlm.py" --gguf-py "$LLAMA/src/gguf-py" --out "$T/model" --seed 1 2>/dev/null
M="$T/model/tiny-vlm.gguf" P="$T/model/tiny-vlm-mmproj.gguf"
mkdir -p "$T/rec"
"$MKCLIP" "$T/rec/Q1@1-1-2024@R1@sz_v1.mp4" "${2:-600}" 320 240
S="$T/s.db"
"$SEMIO" ingest --study "$S" "$T/rec" > /dev/null 2>&1
"$SEMIO" segment --study "$S" --window 4 --overlap 1 > /dev/null 2>&1
"$SEMIO" sample --study "$S" --frames 8 > /dev/null 2>&1
SIGNS=tonic,clonic,figure4,head_turning,limb_automatisms,blank_stare
mean() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("%.2f %d" % c.execute("SELECT avg(latency_ms), count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = ? AND a.status = ?", (sys.argv[2], "ok")).fetchone())' "$S" "$1"; }

"$SEMIO" ask --study "$S" --run shared --engine llamacpp --gguf "$M" --mmproj "$P" --signs $SIGNS > /dev/null 2>&1
"$SEMIO" ask --study "$S" --run scratch --engine llamacpp --gguf "$M" --mmproj "$P" --signs $SIGNS --no-share-prefix > /dev/null 2>&1
"$LLAMA/bin/llama-server" -m "$M" --mmproj "$P" --host 127.0.0.1 --port 0 -c 8192 -np 1 -t 1 --no-warmup > "$T/server.log" 2>&1 &
SERVER=$!
n=0; while ! grep -q "listening on http://127.0.0.1:" "$T/server.log" && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$T/server.log" | head -n 1)
"$SEMIO" ask --study "$S" --run http --url "http://127.0.0.1:$PORT/v1" --model tiny-vlm --server llama-server --signs $SIGNS --concurrency 1 > /dev/null 2>&1

read shared n1 <<E
$(mean shared)
E
read scratch n2 <<E
$(mean scratch)
E
read http n3 <<E
$(mean http)
E
echo "per question (ms, mean of stored latency; 8 pictures a window, $n1/$n2/$n3 answered ok):"
echo "  in-process, pictures shared:   $shared"
echo "  in-process, each from scratch: $scratch"
echo "  llama-server over HTTP:        $http"
python3 -c 'import sys; s, f, h = map(float, sys.argv[1:]); print("ratios: scratch/shared %.2f, http/shared %.2f" % (f / s, h / s))' "$shared" "$scratch" "$http"
