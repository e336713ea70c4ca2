#!/bin/sh
# --jobs: wall time of sample, enhance (face, pose) and the kinematic engine with one job
# and with two, and of two processes of one job each sharing the study through claims,
# on a phantom study of 8 recordings of 20 s (640x360, 30 fps). Prints each stage's
# times and the speed-up (one job's time / two jobs' time). Every variant starts from the
# same segmented study. One job samples with FFmpeg's own threads on every core; two jobs
# decode one thread each. Usage: bench/jobs.sh [build dir]
set -eu
cd "$(dirname "$0")/.."
dir=$(realpath "${1:-build}")
S="$dir/tools/semio"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$S" phantom -o "$W/rec" --videos 8 --patients 4 --seconds 20 --size 640x360 > /dev/null 2>&1
"$S" ingest --study "$W/base.db" "$W/rec" > /dev/null 2>&1
"$S" segment --study "$W/base.db" --window 10 > /dev/null

now() { date +%s.%N; }
# fresh NAME [STAGE]: a copy of the base study with what comes before STAGE made
fresh() {
  rm -rf "$W/$1.db" "$W/$1.cache"
  cp "$W/base.db" "$W/$1.db"
  [ -d "$W/base.cache" ] && cp -r "$W/base.cache" "$W/$1.cache"
  return 0
}
# timed STAGE JOBS ARGS: seconds for one process with --jobs JOBS (ARGS split at spaces)
timed() {
  fresh t
  t0=$(now); "$S" "$1" --study "$W/t.db" --jobs "$2" $3 > /dev/null 2>&1; t1=$(now)
  awk "BEGIN{printf \"%.2f\", $t1 - $t0}"
}
# pair STAGE ARGS: seconds for two processes of one job each on one study
pair() {
  fresh t
  t0=$(now)
  "$S" "$1" --study "$W/t.db" --jobs 1 $2 > /dev/null 2>&1 &
  "$S" "$1" --study "$W/t.db" --jobs 1 $2 > /dev/null 2>&1
  wait
  t1=$(now)
  awk "BEGIN{printf \"%.2f\", $t1 - $t0}"
}
# row STAGE ARGS: one job, two jobs, two processes (after a run that warms the page cache)
row() {
  timed "$1" 1 "$2" > /dev/null
  a=$(timed "$1" 1 "$2"); b=$(timed "$1" 2 "$2"); c=$(pair "$1" "$2")
  printf '%-30s 1 job %6.2f s   2 jobs %6.2f s (x%.2f)   2 processes %6.2f s (x%.2f)\n' \
    "$1 $2" "$a" "$b" "$(awk "BEGIN{print $a / $b}")" "$c" "$(awk "BEGIN{print $a / $c}")"
}

row sample "--frames 60"
"$S" sample --study "$W/base.db" --frames 60 > /dev/null 2>&1
row enhance "--view face"
if "$S" version | grep '^built in:' | grep -qw overlay; then row enhance "--view pose"; fi
row ask "--engine kinematic --run k"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows two jobs more than one)"
