#!/bin/sh
# Every fuzz target (tests/fuzz/) over its seed corpus and the inputs that once crashed it
# (tests/fuzz/regressions/NAME/), so that no fixed crash comes back. Replayed through
# replay_NAME, built beside the command under test (with ASan and UBSan in the sanitizer
# run), and also through the libFuzzer target where scripts/fuzz has built build-fuzz/ from
# the sources as they are now. Usage: tests/test_fuzz_regressions.sh SEMIO
set -u
SEMIO=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(dirname "$SEMIO")/..
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

# the libFuzzer build, when it is there and up to date (ninja has nothing to do)
fuzz_build=""
if [ -f "$ROOT/build-fuzz/build.ninja" ]; then
  if ninja -C "$ROOT/build-fuzz" -n fuzz 2>/dev/null | grep -q "no work to do"; then
    fuzz_build="$ROOT/build-fuzz"
  else
    echo "# build-fuzz/ is older than the sources: replayed without libFuzzer (scripts/fuzz rebuilds it)"
  fi
fi

# files FOLDER...: the inputs in the folders that exist, in name order
files() { for d in "$@"; do [ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name '.*'; done | sort; }

for src in "$ROOT"/tests/fuzz/fuzz_*.c; do
  name=${src##*/fuzz_} name=${name%.c}
  corpus="$ROOT/tests/fuzz/corpus/$name" reg="$ROOT/tests/fuzz/regressions/$name"
  seeds=$(files "$corpus" | wc -l) found=$(files "$reg" | wc -l)
  files "$corpus" "$reg" > "$T/inputs"
  [ "$seeds" -gt 0 ] || bad "fuzz_$name has a seed corpus" "$corpus is empty or missing"
  replay="$BUILD/tests/fuzz/replay_$name"
  if [ ! -x "$replay" ]; then
    bad "replay_$name is built" "$replay"
    continue
  fi
  # each prints the input's name before running it: the last one named is the culprit
  if xargs -d "\n" "$replay" < "$T/inputs" > "$T/log" 2>&1; then
    ok "$name: $seeds seed and $found regression inputs replayed"
  else
    bad "$name: replay crashed on $(grep "^$ROOT/tests/fuzz/" "$T/log" | tail -n 1)" \
      "$(grep -v "^$ROOT/tests/fuzz/" "$T/log" | tail -c 1500)"
  fi
  [ -n "$fuzz_build" ] || continue
  if xargs -d "\n" "$fuzz_build/tests/fuzz/fuzz_$name" -artifact_prefix="$T/" < "$T/inputs" \
    > "$T/log" 2>&1; then
    ok "$name: the same inputs through libFuzzer"
  else
    bad "$name: libFuzzer crashed on $(sed -n 's/^Running: //p' "$T/log" | tail -n 1)" \
      "$(grep -v "^$ROOT/tests/fuzz/" "$T/log" | tail -c 1500)"
  fi
done
finish
