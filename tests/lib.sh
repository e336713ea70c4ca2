# What the command-line test scripts share: the counters, ok/bad/skip, expect/has, built,
# the summary line scripts/test and CI read. Sourced after SEMIO and T are set.
passed=0 failed=0 skipped=0

ok() { echo "ok - $1"; passed=$((passed + 1)); }
# skip WHAT: a check that cannot run here (a part semio was built without), not counted as
# passed
skip() { echo "skip - $1"; skipped=$((skipped + 1)); }
# built FEATURE: semio was built with the optional part FEATURE (semio version's "built in")
built() { "$SEMIO" version | grep '^built in:' | grep -qw -- "$1"; }
bad() { echo "FAIL - $1"; shift; for l in "$@"; do echo "    $l"; done; failed=$((failed + 1)); }
# expect NAME STATUS COMMAND...: the command exits with STATUS (its output in $T/out, $T/err)
expect() {
  name=$1 want=$2; shift 2
  "$@" > "$T/out" 2> "$T/err"; got=$?
  if [ "$got" -eq "$want" ]; then ok "$name"; else bad "$name" "exit $got, wanted $want" "$(tail -c 600 "$T/err")"; fi
}
# has NAME FILE TEXT: FILE contains TEXT
has() {
  if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1" "'$3' not in:" "$(head -c 600 "$2")"; fi
}
# finish: the summary line; the script fails when a test did
finish() {
  [ "$skipped" -eq 0 ] || echo "$skipped skipped"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
