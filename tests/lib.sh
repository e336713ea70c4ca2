# What the command-line test scripts share: the counters, ok/bad/skip, expect/has/check, sql,
# built, the test server, the summary line scripts/test and CI read. Sourced after SEMIO and T
# are set.
passed=0 failed=0 skipped=0
# The servers a script started (start_fake_openai adds them); a script that starts any has
# `trap cleanup EXIT`, which stops them and removes $T (KEEP=1 keeps it).
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$T"; }

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
# check NAME COMMAND...: the command succeeds (else the end of $T/err is shown)
check() { name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$(tail -c 600 "$T/err" 2>/dev/null)"; fi; }
# sql QUERY: the first row of QUERY on the study $S
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(*c.execute(sys.argv[2]).fetchone())' "$S" "$1"; }
# start_fake_openai NAME [ARG...]: tests/fake_openai.py on 127.0.0.1 with ARGs, its requests
# in $T/NAME.log; waits (5 s at most) for its port, sets PORT_NAME and LAST_PID and adds it
# to PIDS
start_fake_openai() {
  fake=$1; shift
  rm -f "$T/$fake.port"
  python3 "$(dirname "$0")/fake_openai.py" --port-file "$T/$fake.port" --log "$T/$fake.log" "$@" &
  LAST_PID=$!
  PIDS="$PIDS $!"
  n=0; while [ ! -s "$T/$fake.port" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
  eval "PORT_$fake=$(cat "$T/$fake.port")"
}
# finish: the summary line; the script fails when a test did
finish() {
  [ "$skipped" -eq 0 ] || echo "$skipped skipped"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# sampled_study [INGEST_OPTION...]: S, a study of two recordings in $T/rec (Q1 320x240 and Q2
# 352x288, 300 frames each) cut into 4 s windows overlapping by 1 s, 4 frames sampled from
# each; MKCLIP is tests/mkclip
sampled_study() {
  mkdir -p "$T/rec"
  "$MKCLIP" "$T/rec/Q1@1-1-2024@R1@sz_v1.mp4" 300 320 240 || exit 1
  "$MKCLIP" "$T/rec/Q2@1-1-2024@R2@sz_v1.mp4" 300 352 288 || exit 1
  S="$T/s.db"
  "$SEMIO" ingest --study "$S" "$@" "$T/rec" > /dev/null
  "$SEMIO" segment --study "$S" --window 4 --overlap 1 > /dev/null
  "$SEMIO" sample --study "$S" --frames 4 > /dev/null 2>&1
}
