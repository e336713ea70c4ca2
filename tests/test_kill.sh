#!/bin/sh
# The kill test: every stage of the pipeline is killed with SIGKILL at random points, a few
# times over, then run to completion, and the study must end as one built by uninterrupted
# runs of the same commands: the same content (a canonical dump of the stage tables),
# SQLite's integrity_check ok, semio status --check passing, the same files in the cache
# (byte for byte), the same files written with -o (and whole through every kill), and
# nothing left behind (no NAME.tmpPID file, no -journal, no -wal that holds changes).
#
# Stages: ingest (recordings and labels), segment, sample, enhance (each view semio was
# built with), transcribe and ask with the openai engine (both against the local test
# server, tests/fake_openai.py on 127.0.0.1), ask with the kinematic engine, export of each
# run, eval, report. The delays come from a seed printed first: SEMIO_KILL_SEED=N replays a
# failure (the same kill points, as far as the machine's speed repeats), SEMIO_KILLS=N sets
# the kills per stage (default 4; 2 under the sanitizers, on a smaller study), KEEP=1 keeps
# the folder. Usage: tests/test_kill.sh SEMIO
set -u
SEMIO=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap cleanup EXIT
. "$HERE/lib.sh"

if ! command -v sqlite3 > /dev/null; then
  skip "test_kill.sh: needs the sqlite3 command (Debian's sqlite3) to dump and check studies"
  finish
  exit
fi

# ---- the seed, the kills, and a generator that replays from the seed ----
SEED=${SEMIO_KILL_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
KILLS=${SEMIO_KILLS:-4}
VIDEOS=3 LENGTH=12
sanitized=""
if [ -n "${SEMIO_SANITIZE:-}${ASAN_OPTIONS:-}" ] || ldd "$SEMIO" 2> /dev/null | grep -q libasan; then
  # some ten times slower (the kinematic engine most): fewer kills, a smaller study
  sanitized=" (sanitizers)"
  KILLS=${SEMIO_KILLS:-2}
  VIDEOS=2 LENGTH=8
fi
echo "# kill seed $SEED, $KILLS kills per stage$sanitized; replay: SEMIO_KILL_SEED=$SEED $0 $1"
rng=$SEED
# rand_below N: R = a number in [0, N), the next of the seed's sequence (an LCG: the same
# in every POSIX shell with 64-bit arithmetic)
rand_below() { rng=$(( (rng * 1103515245 + 12345) % 2147483648 )); R=$(( rng / 65536 % $1 )); }
now_ms() { date +%s%3N; }

# ---- the recordings: a phantom study, or where semio cannot render one, test clips ----
REC="$T/rec"
if built phantom; then
  "$SEMIO" phantom -o "$REC" --videos $VIDEOS --patients 2 --seed 5 --size 320x180 \
    --seconds $LENGTH --fps 15 > "$T/out" 2> "$T/err" || { bad "phantom recordings" "$(tail -c 600 "$T/err")"; finish; exit; }
else
  # recordings without keypoints: no pose view, no face view, the kinematic engine stores
  # its signs as failed (with the reason): content all the same
  mkdir -p "$REC"
  printf 'file_name,tonic,clonic,head_turning,ictal_vocalization,start_time,end_time\n' > "$REC/labels.csv"
  for i in $(seq $VIDEOS); do
    "$MKCLIP" "$REC/K$i@1-1-2024@R$i@sz_v1.mp4" $((LENGTH * 30)) 160 120 > /dev/null || exit 1
    printf 'K%d@1-1-2024@R%d@sz_v1.mp4,yes,no,,yes,0:02,0:09\n' $i $i >> "$REC/labels.csv"
  done
fi

# the local test server, for transcribe and the openai engine: one for both studies, so the
# runs record the same URL
start_fake_openai server 2> "$T/server.err"
URL="http://127.0.0.1:$PORT_server/v1"

# ---- the stages: each is `semio ...` on the study named by $1 (its folder takes the
# exports). They exec semio, so that run in the background ($!) the process killed is semio
# itself; run in the foreground they are called in a subshell.
st_ingest() { exec "$SEMIO" ingest --study "$1" --labels "$REC/labels.csv" "$REC"; }
# overlapping windows: neighbours share frames (the sampler reuses a file another window wrote)
st_segment() { exec "$SEMIO" segment --study "$1" --window 6 --overlap 2; }
st_sample() { exec "$SEMIO" sample --study "$1" --frames 6; }
st_audio() { exec "$SEMIO" enhance --study "$1" --view audio; }
st_denoise() { exec "$SEMIO" enhance --study "$1" --view denoise; }
st_pose() { exec "$SEMIO" enhance --study "$1" --view pose; }
st_face() { exec "$SEMIO" enhance --study "$1" --view face --face-size 224; }
st_face_none() { exec "$SEMIO" enhance --study "$1" --view face --face-size 224 --face-detector none; }
# Offline transcription (pocketsphinx) is not killed here: it loads its model for each
# window (some 5 s each on 2 cores), past this test's time; the stage that stores the
# transcripts is the same with a server.
st_transcribe() { exec "$SEMIO" transcribe --study "$1" --url "$URL" --model whisper --source audio; }
st_kinematic() { exec "$SEMIO" ask --study "$1" --run kin --engine kinematic; }
st_openai() { exec "$SEMIO" ask --study "$1" --run vlm --url "$URL" --model test-vlm --concurrency 4; }
st_export_kin() { exec "$SEMIO" export --study "$1" --run kin -o "${1%/*}/kin.csv"; }
st_export_vlm() { exec "$SEMIO" export --study "$1" --run vlm -o "${1%/*}/vlm.csv"; }
st_eval() { exec "$SEMIO" eval --study "$1" --resamples 200 -o "${1%/*}/eval.md"; }
st_report() { exec "$SEMIO" report --study "$1" --resamples 200 -o "${1%/*}/report.html"; }

mkdir -p "$T/ref" "$T/kill"
REF="$T/ref/s.db"     # every stage run once, uninterrupted
KDB="$T/kill/s.db"    # every stage killed, then run to completion

# ---- the canonical dump of a study: the stage tables, each ordered by its key ----
# Each table's columns but those left out here, taken from the schema itself (a column added
# later is compared until it is left out here, with its reason):
#   probed_at, created_at, sampled_at, made_at, answered_at: when the row was written;
#   answers.latency_ms: how long the engine took;
#   labels.source_id: every ingest of a label file records a new source (label_sources keeps
#     the history), so an ingest killed after its labels were stored and run again names a
#     later one; the source's path is compared instead;
#   runs.id, answers.run_id: runs and answers are compared by the run's name.
# Ids of recordings and segments are compared: the cache's paths are made of them.
# Left out whole: meta (when the study was made), label_sources (the history above), and
# any table of bookkeeping other than the stages' (claims, say).
TABLES="videos:id:probed_at
label_fields:video_id,name:
labels:video_id,sign:source_id
segment_sets:id:created_at
segments:id:
samplings:id:created_at
samples:segment_id,sampling_id:sampled_at
frames:segment_id,sampling_id,ordinal:
views:segment_id,kind:made_at
transcripts:segment_id,source:made_at
runs:name:id,created_at
answers:run,video_id,segment_id,sign,view,prompt_hash:run_id,latency_ms,answered_at"
dump() {
  echo "$TABLES" | while IFS=: read -r table key out; do
    list=$(echo "$out" | sed "s/[^,][^,]*/'&'/g")
    cols=$(sqlite3 -readonly "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('$table') WHERE name NOT IN (''${list:+, $list})")
    case $table in
      labels) cols="$cols, (SELECT path FROM label_sources s WHERE s.id = labels.source_id) AS source" ;;
      answers) cols="(SELECT name FROM runs r WHERE r.id = answers.run_id) AS run, $cols" ;;
    esac
    echo "== $table"
    sqlite3 -readonly -batch -cmd '.mode quote' "$1" "SELECT $cols FROM $table ORDER BY $key"
  done
}
# the cache's files: names, or names and bytes
names() { [ -d "$1" ] && (cd "$1" && find . -type f | LC_ALL=C sort); }
sums() { [ -d "$1" ] && (cd "$1" && find . -type f -exec md5sum {} + | LC_ALL=C sort -k 2); }

# same_output NAME: the file NAME beside the killed study is the reference's (eval's tables
# and report's page name each run's creation time, and the page the minute it was made:
# left out, as that minute may turn between the uninterrupted run and the killed ones)
same_output() {
  made='s/created [0-9-]*T[0-9:]*Z//g; s/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9] UTC//g'
  sed "$made" "$T/ref/$1" > "$T/ref.output" 2> /dev/null
  sed "$made" "$T/kill/$1" > "$T/kill.output" 2> /dev/null
  [ -s "$T/ref.output" ] && cmp -s "$T/ref.output" "$T/kill.output"
}

# compare STAGE [OUTPUT]: the killed study against the reference, one line per check;
# OUTPUT, a file the stage writes beside the study, must be the same too
compare() {
  stage=$1
  # leftovers first, before anything else opens the study: a writer's temporary files in
  # the cache or beside the study, a rollback journal, a WAL that holds changes (a reader
  # killed leaves an empty WAL and its index, which SQLite keeps until a writer closes it)
  left=$(find "$T/kill" \( -name '*.tmp*' -o -name '*.part*' -o -name '*-journal' \
    -o \( -name '*-wal' -size +0 \) \) | sed "s|^$T/kill/||" | head -n 10)
  [ -z "$left" ] && ok "$stage: nothing left behind" || bad "$stage: nothing left behind" $left
  dump "$REF" > "$T/ref.dump" 2>&1
  dump "$KDB" > "$T/kill.dump" 2>&1
  if cmp -s "$T/ref.dump" "$T/kill.dump"; then ok "$stage: the same content as uninterrupted"
  else bad "$stage: the same content as uninterrupted" "$(diff "$T/ref.dump" "$T/kill.dump" | head -n 12)"; fi
  check=$(sqlite3 -readonly "$KDB" "PRAGMA integrity_check" 2>&1)
  [ "$check" = ok ] && ok "$stage: integrity_check ok" || bad "$stage: integrity_check ok" "$check"
  "$SEMIO" status --study "$KDB" --check > "$T/out" 2> "$T/err"
  rc=$?
  [ $rc -eq 0 ] && ok "$stage: semio status --check passes" || bad "$stage: semio status --check passes" "exit $rc" "$(tail -c 600 "$T/out" "$T/err")"
  names "$T/ref/s.cache" > "$T/ref.names"
  names "$T/kill/s.cache" > "$T/kill.names"
  if cmp -s "$T/ref.names" "$T/kill.names"; then ok "$stage: the same files in the cache ($(wc -l < "$T/ref.names"))"
  else bad "$stage: the same files in the cache" "$(diff "$T/ref.names" "$T/kill.names" | head -n 12)"; fi
  # frames are exact: the same frames decoded and encoded the same way, byte for byte
  sums "$T/ref/s.cache/frames" > "$T/ref.sums"
  sums "$T/kill/s.cache/frames" > "$T/kill.sums"
  if [ ! -s "$T/ref.sums" ]; then :
  elif cmp -s "$T/ref.sums" "$T/kill.sums"; then ok "$stage: the frames byte for byte"
  else bad "$stage: the frames byte for byte" "$(diff "$T/ref.sums" "$T/kill.sums" | head -n 12)"; fi
  # and so are the views made from them and from the sound (the same inputs, the same code)
  for v in audio pose face; do sums "$T/ref/s.cache/$v" | sed "s|  \./|  $v/|"; done > "$T/ref.sums"
  for v in audio pose face; do sums "$T/kill/s.cache/$v" | sed "s|  \./|  $v/|"; done > "$T/kill.sums"
  if [ ! -s "$T/ref.sums" ]; then :
  elif cmp -s "$T/ref.sums" "$T/kill.sums"; then ok "$stage: the views byte for byte"
  else bad "$stage: the views byte for byte" "$(diff "$T/ref.sums" "$T/kill.sums" | head -n 12)"; fi
  if [ -n "${2:-}" ]; then
    if same_output "$2"; then ok "$stage: the same $2"
    else bad "$stage: the same $2" "$(diff "$T/ref.output" "$T/kill.output" | head -n 12)"; fi
  fi
}

# killed STAGE FUNCTION [OUTPUT]: FUNCTION uninterrupted on the reference study, timed; then
# on the other study KILLS times started and killed with SIGKILL after a random delay within
# the uninterrupted run's time (past semio's start, below), then run to completion; then
# compare. A killed run resumes what the one before it left, so later kills often find it
# done ("done" in the line). OUTPUT, a file the stage writes beside the study, is there from
# before the kills (the last export, as semio run finds it when run again) and must stay
# whole through them.
killed() {
  stage=$1 fn=$2 output=${3:-}
  t0=$(now_ms)
  ( $fn "$REF" ) > "$T/out" 2> "$T/err"
  rc=$?
  ms=$(( $(now_ms) - t0 ))
  if [ $rc -ne 0 ]; then
    bad "$stage: runs uninterrupted" "exit $rc" "$(tail -c 600 "$T/err")"
    return
  fi
  [ -z "$output" ] || cp "$T/ref/$output" "$T/kill/$output"
  # a stage that writes a file is quick (its run is mostly semio's start), and the file is
  # at stake only for the few milliseconds it is written: three times the kills
  kills=$KILLS
  [ -z "$output" ] || kills=$((KILLS * 3))
  from=$(( lo < ms / 2 ? lo : ms / 2 ))
  i=0 hits=0 at="" torn=""
  while [ $i -lt "$kills" ]; do
    rand_below $(( ms - from + 1 )); R=$(( from + R ))
    ( $fn "$KDB" ) > "$T/killed.out" 2> "$T/killed.err" &
    pid=$!
    sleep "$(( R / 1000 )).$(printf %03d $(( R % 1000 )))"
    kill -KILL $pid 2> /dev/null
    wait $pid 2> /dev/null
    rc=$?
    if [ $rc -eq 137 ]; then hits=$((hits + 1)); at="$at ${R}"; else at="$at ${R}(done)"; fi
    # the output killed in the writing is the old one or the new one, whole: never a torn
    # file that reads as a shorter export
    if [ -n "$output" ] && ! same_output "$output"; then
      torn="$torn ${R}ms:$(wc -c < "$T/kill/$output" 2> /dev/null || echo none)"
    fi
    i=$((i + 1))
  done
  ( $fn "$KDB" ) > "$T/out" 2> "$T/err"
  rc=$?
  if [ $rc -eq 0 ]; then ok "$stage: completes after $hits kills (at$at ms; uninterrupted $ms ms)"
  else bad "$stage: completes after $hits kills (at$at ms)" "exit $rc" "$(tail -c 600 "$T/err")"; fi
  if [ -n "$output" ]; then
    [ -z "$torn" ] && ok "$stage: $output stayed whole through every kill" ||
      bad "$stage: $output stayed whole through every kill" "torn after the kill at (delay:bytes)$torn"
  fi
  compare "$stage" "$output"
}

# Kills land after most of semio's start (the loading of its libraries, where no stage has
# begun): from 3/4 of the quickest of five `semio version` runs on (or half the stage's time,
# where the machine is busier now), to the stage's end.
lo=""
for i in 1 2 3 4 5; do
  t0=$(now_ms); "$SEMIO" version > /dev/null; t=$(( $(now_ms) - t0 ))
  [ -n "$lo" ] && [ "$lo" -le "$t" ] || lo=$t
done
lo=$(( lo * 3 / 4 ))
echo "# semio starts in about $(( lo * 4 / 3 )) ms: kills land from $lo ms on"
started=$(now_ms)
killed ingest st_ingest
killed segment st_segment
killed sample st_sample
killed "enhance audio" st_audio
if built denoise; then killed "enhance denoise" st_denoise
else skip "enhance denoise: semio was built without meson feature 'denoise'"; fi
if ! built overlay; then skip "enhance pose: semio was built without meson feature 'overlay'"
elif ! built phantom; then skip "enhance pose: the test clips have no keypoints (semio was built without meson feature 'phantom')"
else killed "enhance pose" st_pose; fi
if built phantom; then killed "enhance face" st_face
else killed "enhance face (no keypoints, no detector)" st_face_none; fi
killed transcribe st_transcribe
killed "ask kinematic" st_kinematic
killed "ask openai" st_openai
killed "export kin" st_export_kin kin.csv
killed "export vlm" st_export_vlm vlm.csv
killed eval st_eval eval.md
killed report st_report report.html
echo "# kill test: $(( ($(now_ms) - started) / 1000 )) s for the stages, seed $SEED"

# What the kills above hit by chance, for certain: a file written with -o is put in place
# only once whole, so a failed export leaves the one it found; a killed writer's temporary
# file is removed by the next export of the same file, a live writer's is not.
cp "$T/kill/kin.csv" "$T/kin.before"
expect "export -o of a run that is not there fails" 1 "$SEMIO" export --study "$KDB" --run nope -o "$T/kill/kin.csv"
cmp -s "$T/kin.before" "$T/kill/kin.csv" && ok "and leaves the export it found" || bad "and leaves the export it found" "$(wc -c < "$T/kill/kin.csv") bytes"
dead=$(sh -c 'echo $$')
touch "$T/kill/kin.csv.tmp$dead" "$T/kill/kin.csv.tmp$$" "$T/kill/other.csv.tmp$dead"
expect "export -o again" 0 "$SEMIO" export --study "$KDB" --run kin -o "$T/kill/kin.csv"
[ ! -e "$T/kill/kin.csv.tmp$dead" ] && ok "a killed export's temporary file is removed" || bad "a killed export's temporary file is removed"
[ -e "$T/kill/kin.csv.tmp$$" ] && [ -e "$T/kill/other.csv.tmp$dead" ] && ok "a live writer's and another file's are not" || bad "a live writer's and another file's are not"
cmp -s "$T/kin.before" "$T/kill/kin.csv" && ok "the export is whole" || bad "the export is whole"
finish
