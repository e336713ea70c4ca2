#!/bin/sh
# Wall time of the README's main job (semio run examples/phantom.ini) from nothing,
# and the share of each stage, as semio run measures them; then a second run (all
# resumed) for the cost of checking. Usage: bench/demo_stages.sh [build dir]
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
rm -rf demo/phantom demo/phantom.db demo/phantom.db-wal demo/phantom.db-shm demo/phantom.cache
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
start=$(date +%s.%N)
"$dir/tools/semio" run examples/phantom.ini > demo/bench-run.log 2>&1
end=$(date +%s.%N)
grep '^== time' demo/bench-run.log
echo "first run (renders the phantom): $(awk "BEGIN{print $end - $start}") s wall"
start=$(date +%s.%N)
"$dir/tools/semio" run examples/phantom.ini > demo/bench-rerun.log 2>&1
end=$(date +%s.%N)
grep '^== time' demo/bench-rerun.log
echo "second run (everything resumed): $(awk "BEGIN{print $end - $start}") s wall"
