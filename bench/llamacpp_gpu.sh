#!/bin/sh
# The in-process engine at a real model's scale, on the GPU machine (an H200 with nvcc, CMake,
# ninja and Python's numpy, no network, none of semio's Debian libraries): llama.cpp built
# there with CUDA from the pinned tree, a model with LLaVA-1.5-7B's shapes and random weights
# (bench/make_llava_shapes.py), then bench_llamacpp_engine on windows of 60 frames:
#   1. in-process, each window's pictures evaluated once for its 20 questions (the KV cache
#      F16, then q8_0);
#   2. in-process, a few questions each from scratch;
#   3. llama-server of the same build and model over HTTP, through semio's OpenAI engine,
#      the same windows and questions in the same order (its own prompt cache on).
#   (and, to split a question's cost, the first again with answers of one token)
# What it needs travels in .dev/ (git-ignored; bench/llamacpp_gpu_pack.sh makes it here):
# llama.tar.xz (the tree), deps.tar.xz (json-c, libjpeg-turbo, libavutil, libswscale,
# libcurl, libcsv from Debian 12 with their headers), semio_config.h, embedded_data.c.
# Steps leave stamps in /tmp/gpu, so a second call on the same machine goes on where the
# first stopped. Results: $OUT/llamacpp_gpu.txt. Usage (there):
#   [WINDOWS=3] [STEPS="shared q8 question scratch http"] bench/llamacpp_gpu.sh
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEV=$ROOT/.dev
W=/tmp/gpu
OUT=${OUT:-$W/out}
WINDOWS=${WINDOWS:-3} FRAMES=${FRAMES:-60} QUESTIONS=${QUESTIONS:-20} MAX_TOKENS=${MAX_TOKENS:-48}
STEPS=${STEPS:-shared q8 question scratch http}
NCTX=40960
mkdir -p "$W" "$OUT"
RES=$OUT/llamacpp_gpu.txt
log() { echo "$(date +%T) $*" | tee -a "$RES"; }
done_() { [ -f "$W/.done-$1" ]; }
# a measuring step runs when STEPS names it and it has not run yet
want() { case " $STEPS " in *" $1 "*) ! done_ "$1" ;; *) false ;; esac; }
mark() { touch "$W/.done-$1"; }

if ! done_ unpack; then
  rm -rf "$W/llama" "$W/deps"
  mkdir -p "$W/llama"
  tar xJf "$DEV/llama.tar.xz" -C "$W/llama"
  tar xJf "$DEV/deps.tar.xz" -C "$W"
  mark unpack
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | sed 's/^/gpu: /' | tee -a "$RES"

# the model, written beside the build (its CPU work is I/O and one core)
if ! done_ model; then
  rm -rf "$W/model.tmp"
  (python3 "$ROOT/bench/make_llava_shapes.py" --gguf-py "$W/llama/gguf-py" --out "$W/model.tmp" \
     > "$W/model.log" 2>&1 && mv "$W/model.tmp" "$W/model" && mark model) &
  MODEL_PID=$!
else
  MODEL_PID=
fi

if ! done_ llama; then
  t0=$(date +%s)
  [ -f "$W/lb/build.ninja" ] ||
    cmake -S "$W/llama" -B "$W/lb" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_CUDA=ON \
      -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF \
      -DLLAMA_USE_PREBUILT_UI=OFF > "$W/cmake.log" 2>&1 || { tail -30 "$W/cmake.log"; exit 1; }
  cmake --build "$W/lb" --target llama-server mtmd -j "$(nproc)" > "$W/build.log" 2>&1 ||
    { tail -30 "$W/build.log"; exit 1; }
  log "llama.cpp built with CUDA (sm_90) in $(($(date +%s) - t0)) s"
  mark llama
fi

LB=$W/lb/bin
if ! done_ driver; then
  sed "s|^#define SEMIO_LLAMA_BIN .*|#define SEMIO_LLAMA_BIN \"$LB\"|" "$DEV/semio_config.h" > "$W/semio_config.h"
  cd "$ROOT"
  gcc -std=c17 -D_GNU_SOURCE -O2 -I"$W" -Iinclude -Isrc -isystem "$W/llama/include" \
    -isystem "$W/llama/tools/mtmd" -isystem "$W/llama/ggml/include" -isystem "$W/deps/include" \
    bench/bench_llamacpp_engine.c src/engine/llamacpp.c src/engine/llamacpp_settings.c \
    src/engine/openai.c src/engine/http.c src/engine/request.c src/engine/chat.c \
    src/engine/profiles.c src/engine/reply.c src/engine/prompts.c src/engine/answer.c \
    src/media/image.c src/formats/signs.c src/formats/cells.c src/util/fs.c src/util/csv.c \
    src/util/error.c "$DEV/embedded_data.c" -o "$W/bench_llamacpp_engine" \
    -L"$LB" -lmtmd -lllama -lggml -lggml-base -L"$W/deps/lib" -ljson-c -lturbojpeg -lavutil \
    -lswscale -lcurl -lcsv -lstdc++ -lm -lpthread -Wl,-rpath,"$LB" -Wl,--allow-shlib-undefined
  cd - > /dev/null
  mark driver
fi

if [ -n "$MODEL_PID" ]; then
  wait "$MODEL_PID" || { cat "$W/model.log"; exit 1; }
fi
done_ model || { cat "$W/model.log"; exit 1; }
M=$W/model/llava-shapes.gguf P=$W/model/llava-shapes-mmproj.gguf
ls -la "$W/model" | sed 's/^/model: /' | tee -a "$RES"

bench() {
  LD_LIBRARY_PATH="$W/deps/lib" "$W/bench_llamacpp_engine" --frames "$FRAMES" \
    --max-tokens "$MAX_TOKENS" --threads 16 --n-ctx $NCTX "$@" 2>&1 | tee -a "$RES"
}
if want shared; then
  log "== in-process, pictures shared"
  bench --gguf "$M" --mmproj "$P" --gpu-layers 999 --windows "$WINDOWS" --questions "$QUESTIONS"
  mark shared
fi
if want q8; then
  log "== in-process, pictures shared, KV cache q8_0"
  bench --gguf "$M" --mmproj "$P" --gpu-layers 999 --windows "$WINDOWS" --questions "$QUESTIONS" \
    --kv-cache q8_0
  mark q8
fi
if want question; then
  log "== in-process, pictures shared, max_tokens 1 (a question's own tokens and one answer token)"
  bench --gguf "$M" --mmproj "$P" --gpu-layers 999 --windows 1 --questions "$QUESTIONS" --max-tokens 1
  mark question
fi
if want scratch; then
  log "== in-process, every question from scratch"
  bench --gguf "$M" --mmproj "$P" --gpu-layers 999 --windows 1 --questions 4 --no-share-prefix
  mark scratch
fi
if want http; then
  log "== llama-server over HTTP (semio's OpenAI engine, one question at a time)"
  # --no-jinja: the chat template written by libllama's built-in ChatML, as the in-process
  # engine writes it (the same prompt); with Jinja this build's server refuses the schema's
  # grammar for a ChatML model (Failed to initialize samplers)
  "$LB/llama-server" -m "$M" --mmproj "$P" -ngl 999 -c $NCTX -np 1 --host 127.0.0.1 \
    --port 18080 -t 16 --no-jinja > "$W/server.log" 2>&1 &
  SERVER=$!
  n=0
  while ! grep -q "listening on" "$W/server.log" && [ $n -lt 600 ]; do sleep 0.5; n=$((n + 1)); done
  bench --url http://127.0.0.1:18080/v1 --model llava-shapes --windows "$WINDOWS" \
    --questions "$QUESTIONS" || true
  kill "$SERVER" 2>/dev/null || true
  mark http
fi
log "done"
