#!/bin/sh
# Packs here what bench/llamacpp_gpu.sh needs on the GPU machine, which has no network and
# none of semio's Debian libraries, into .dev/ (git-ignored; carry it there): the pinned
# llama.cpp tree without its history, models, docs and tests; the Debian 12 libraries the
# engines' files link (json-c, libjpeg-turbo, libavutil, libswscale, libcurl, libcsv, with
# what they load, but not glibc or libstdc++, which the machine has newer) and their
# headers; this build's semio_config.h and embedded data. About 13 MB.
# Usage: bench/llamacpp_gpu_pack.sh [BUILD_DIR]   (after scripts/fetch-llama and a build)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
DEV=$ROOT/.dev
LLAMA=$ROOT/third_party/llama/src
[ -d "$LLAMA/gguf-py" ] || { echo "llamacpp_gpu_pack: no llama.cpp tree (scripts/fetch-llama)" >&2; exit 1; }
[ -x "$BUILD/bench/bench_llamacpp_engine" ] ||
  { echo "llamacpp_gpu_pack: $BUILD has no bench_llamacpp_engine (a build with llamacpp)" >&2; exit 1; }
grep -qx '/.dev/' "$ROOT/.git/info/exclude" 2>/dev/null || echo '/.dev/' >> "$ROOT/.git/info/exclude"
mkdir -p "$DEV"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

tar cJf "$DEV/llama.tar.xz" -C "$LLAMA" --exclude=.git --exclude=./models --exclude=./docs \
  --exclude=./benches --exclude=./examples --exclude=./tests --exclude=./conversion \
  --exclude=./ggml/src/ggml-vulkan --exclude=./ggml/src/ggml-sycl --exclude=./ggml/src/ggml-cann \
  --exclude=./ggml/src/ggml-musa --exclude=./ggml/src/ggml-opencl --exclude=./ggml/src/ggml-metal .

mkdir -p "$T/deps/lib" "$T/deps/include"
ldd "$BUILD/bench/bench_llamacpp_engine" | awk '$3 ~ /^\// { print $3 }' | grep -v third_party |
  grep -Ev '/(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt|ld-linux-x86-64)\.so' |
  while read -r lib; do cp -L "$lib" "$T/deps/lib/"; done
for n in json-c turbojpeg avutil swscale curl csv; do
  f=$(cd "$T/deps/lib" && ls "lib$n.so."* | head -n 1)
  ln -s "$f" "$T/deps/lib/lib$n.so"
done
cp -r /usr/include/json-c /usr/include/turbojpeg.h /usr/include/csv.h "$T/deps/include/"
for d in curl libavutil libswscale; do cp -r "/usr/include/x86_64-linux-gnu/$d" "$T/deps/include/"; done
tar cJf "$DEV/deps.tar.xz" -C "$T" deps
cp "$BUILD/semio_config.h" "$BUILD/src/embedded_data.c" "$DEV/"
du -sh "$DEV"
