#!/bin/sh
# Several workers on one study: every stage run as two processes at once on the same
# study, and sample, enhance and the kinematic engine with --jobs 2. Each must exit 0,
# store everything once (the work shared through claims: no segment sampled, view made
# or question asked twice), leave no claim or temporary file behind, and store what one
# process alone stores. Usage: tests/test_concurrent.sh SEMIO
set -u
SEMIO=$(realpath "$1")
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"

q() { sqlite3 "$1" "$2"; }
# what a stage stored, without the times and ids that differ from run to run
content() {
  case $2 in
    videos) q "$1" "SELECT file_name, status, frame_count, width, height FROM videos ORDER BY 1" ;;
    segments) q "$1" "SELECT v.file_name, ordinal, start_s, end_s FROM segments g JOIN videos v ON v.id = g.video_id ORDER BY 1, 2" ;;
    samples) q "$1" "SELECT v.file_name, g.ordinal, x.status, x.written, f.ordinal, f.frame_index, replace(f.path, 'v' || v.id || '/', '') FROM frames f JOIN samples x USING (segment_id, sampling_id) JOIN segments g ON g.id = f.segment_id JOIN videos v ON v.id = g.video_id ORDER BY 1, 2, 5" ;;
    views) q "$1" "SELECT v.file_name, g.ordinal, w.kind, w.status, w.note, w.error FROM views w JOIN segments g ON g.id = w.segment_id JOIN videos v ON v.id = g.video_id ORDER BY 1, 2, 3" ;;
    answers) q "$1" "SELECT r.name, v.file_name, g.ordinal, a.sign, a.view, a.answer, a.p_yes, a.justification, a.status FROM answers a JOIN runs r ON r.id = a.run_id JOIN videos v ON v.id = a.video_id JOIN segments g ON g.id = a.segment_id ORDER BY 1, 2, 3, 4" ;;
  esac
}
# the frame files of study $1 and their bytes, by recording (ids differ between studies)
files() {
  q "$1" "SELECT id, file_name FROM videos" | while IFS='|' read -r id name; do
    (cd "${1%.db}.cache/frames" 2>/dev/null && find "v$id" -type f -exec md5sum {} + | sed "s|v$id/|$name/|")
  done | sort -k2
}

# together NAME CMD...: runs CMD twice at once; both must exit 0 (outputs in $T/NAME.1, .2)
together() {
  name=$1; shift
  "$@" > "$T/$name.1" 2>&1 & a=$!
  "$@" > "$T/$name.2" 2>&1 & b=$!
  wait $a; ra=$?; wait $b; rb=$?
  if [ $ra -eq 0 ] && [ $rb -eq 0 ]; then ok "$name: two processes at once both exit 0"
  else bad "$name: two processes at once both exit 0" "exits $ra and $rb" "$(tail -c 400 "$T/$name.1")" "$(tail -c 400 "$T/$name.2")"; fi
}
# same NAME TABLE: the concurrent study C stores what the reference R stores
same() {
  content "$R" "$2" > "$T/r.txt"; content "$C" "$2" > "$T/c.txt"
  if [ -s "$T/r.txt" ] && cmp -s "$T/r.txt" "$T/c.txt"; then ok "$1: the same $2 as one process"
  else bad "$1: the same $2 as one process" "$(diff "$T/r.txt" "$T/c.txt" | head -5)"; fi
}
# clean NAME: no claim left, no temporary file, the study whole
clean() {
  left=$(q "$C" "SELECT count(*) FROM claims")
  tmps=$(find "${C%.db}.cache" -name '*.tmp*' 2>/dev/null | wc -l)
  check=$(q "$C" "PRAGMA integrity_check")
  if [ "$left" = 0 ] && [ "$tmps" = 0 ] && [ "$check" = ok ]; then ok "$1: no claim or temporary file left, the study whole"
  else bad "$1: no claim or temporary file left, the study whole" "claims $left, temporary files $tmps, check $check"; fi
}
# sum NAME PATTERN WANT: the numbers before PATTERN in both outputs add up to WANT
sum() {
  got=$(cat "$T/$1.1" "$T/$1.2" | sed -n "s/.* \([0-9][0-9]*\) $2.*/\1/p" | awk '{s += $1} END {print s + 0}')
  if [ "$got" = "$3" ]; then ok "$1: the work done once ($got $2 in all)"
  else bad "$1: the work done once" "$got $2 in all, wanted $3" "$(cat "$T/$1.1" "$T/$1.2" | grep -v '%' | head -6)"; fi
}

# ---- recordings: the phantom's (keypoints for pose, face and kinematic) or plain clips
mkdir -p "$T/rec"
if built phantom; then
  "$SEMIO" phantom -o "$T/rec" --videos 6 --patients 3 --seconds 8 --size 320x180 --fps 15 > /dev/null 2>&1 || exit 1
else
  for i in 1 2 3 4 5 6; do "$MKCLIP" "$T/rec/P$i@1-1-2024@S$i@sz_v1.mp4" 150 $((160 + 32 * i)) 120 || exit 1; done
fi
R="$T/r.db" C="$T/c.db"

# ---- ingest: both on a study that does not exist yet
"$SEMIO" ingest --study "$R" "$T/rec" > /dev/null 2>&1
together ingest "$SEMIO" ingest --study "$C" "$T/rec"
same ingest videos; clean ingest
n=$(q "$C" "SELECT count(*) FROM videos")
sum ingest "added," "$n"

# ---- segment
"$SEMIO" segment --study "$R" --window 2 > /dev/null
together segment "$SEMIO" segment --study "$C" --window 2
same segment segments; clean segment
segs=$(q "$C" "SELECT count(*) FROM segments")

# ---- sample: two processes, then --jobs 2 against one job
"$SEMIO" sample --study "$R" --frames 6 --jobs 1 > /dev/null 2>&1
together sample "$SEMIO" sample --study "$C" --frames 6 --jobs 1
same sample samples; clean sample
sum sample "segments done," "$segs"
files "$R" > "$T/rf"; files "$C" > "$T/cf"
if cmp -s "$T/rf" "$T/cf"; then ok "sample: the same frame files, byte for byte"; else bad "sample: the same frame files, byte for byte" "$(diff "$T/rf" "$T/cf" | head -3)"; fi
J="$T/j.db"
cp "$T/r.db" "$J"; q "$J" "DELETE FROM frames; DELETE FROM samples; DELETE FROM samplings"
expect "sample --jobs 2" 0 "$SEMIO" sample --study "$J" --frames 6 --jobs 2
C=$J same "sample --jobs 2" samples
C=$J clean "sample --jobs 2"
files "$J" > "$T/jf"
if cmp -s "$T/rf" "$T/jf"; then ok "sample --jobs 2: the same frame files"; else bad "sample --jobs 2: the same frame files" "$(diff "$T/rf" "$T/jf" | head -3)"; fi

# ---- enhance: every view semio was built with
views="audio"
built denoise && views="$views denoise"
if built phantom; then built overlay && views="$views pose"; views="$views face"; fi
for v in $views; do
  "$SEMIO" enhance --study "$R" --view $v --jobs 1 > /dev/null 2>&1
  together "enhance $v" "$SEMIO" enhance --study "$C" --view $v --jobs 1
  sum "enhance $v" "made," "$segs"
done
same enhance views; clean enhance
rm -f "$J"*; rm -rf "${J%.db}.cache"
cp "$T/c.db" "$J"; cp -r "${C%.db}.cache" "${J%.db}.cache"; q "$J" "DELETE FROM views"
for v in $views; do expect "enhance $v --jobs 2" 0 "$SEMIO" enhance --study "$J" --view $v --jobs 2; done
C=$J same "enhance --jobs 2" views
C=$J clean "enhance --jobs 2"

# ---- ask with a server: each question asked once in all, by one process or the other
start_fake_openai server --faults "" --delay 0.05 --key "" --always ""
URL="http://127.0.0.1:$PORT_server/v1"
together ask "$SEMIO" ask --study "$C" --run vlm --url "$URL" --model m --signs tonic,clonic --concurrency 2
asked=$(wc -l < "$T/server.log")
want=$((segs * 2))
if [ "$asked" -eq "$want" ]; then ok "ask: each question sent once ($asked requests for $want questions)"
else bad "ask: each question sent once" "$asked requests for $want questions"; fi
sum ask "answered now," "$want"
stored=$(q "$C" "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'vlm' AND status = 'ok'")
if [ "$stored" = "$want" ] && [ "$(q "$C" "SELECT count(*) FROM runs")" = 1 ]; then ok "ask: one run, every answer stored once"
else bad "ask: one run, every answer stored once" "$stored answers, $(q "$C" "SELECT count(*) FROM runs") runs"; fi
clean ask

# ---- transcribe: each window's sound sent once in all
: > "$T/server.log"
together transcribe "$SEMIO" transcribe --study "$C" --url "$URL" --model whisper
sent=$(grep -c '"transcription": true' "$T/server.log")
if [ "$sent" -eq "$segs" ]; then ok "transcribe: each window's sound sent once ($sent for $segs windows)"
else bad "transcribe: each window's sound sent once" "$sent requests for $segs windows"; fi
sum transcribe "made," "$segs"
clean transcribe

# ---- labels, import, export, eval: as two processes they do what one does twice
q "$C" "SELECT file_name FROM videos ORDER BY 1" | awk 'BEGIN {print "file_name,tonic,clonic"} {print $0 "," (NR % 2 ? "yes" : "no") "," (NR % 3 ? "no" : "yes")}' > "$T/labels.csv"
"$SEMIO" ingest --study "$R" --labels "$T/labels.csv" > /dev/null 2>&1
together labels "$SEMIO" ingest --study "$C" --labels "$T/labels.csv"
lr=$(q "$R" "SELECT v.file_name, l.sign, l.value FROM labels l JOIN videos v ON v.id = l.video_id ORDER BY 1, 2")
lc=$(q "$C" "SELECT v.file_name, l.sign, l.value FROM labels l JOIN videos v ON v.id = l.video_id ORDER BY 1, 2")
[ -n "$lr" ] && [ "$lr" = "$lc" ] && ok "labels: the same labels as one process" || bad "labels: the same labels as one process" "$(echo "$lc" | head -3)"
clean labels
sed 's/,yes,/,no,/' "$T/labels.csv" > "$T/pred.csv"
together import "$SEMIO" import --study "$C" --run imported --replace "$T/pred.csv"
n=$(q "$C" "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'imported'")
want=$(($(q "$C" "SELECT count(*) FROM videos") * 2))
[ "$n" = "$want" ] && [ "$(q "$C" "SELECT count(*) FROM runs WHERE name = 'imported'")" = 1 ] && ok "import: one run, each answer once ($n)" || bad "import: one run, each answer once" "$n answers, wanted $want"
clean import
"$SEMIO" export --study "$C" --run vlm -o "$T/one.csv" > /dev/null 2>&1
together export "$SEMIO" export --study "$C" --run vlm -o "$T/both.csv"
cmp -s "$T/one.csv" "$T/both.csv" && ok "export: the file whole, as one process writes it" || bad "export: the file whole" "$(wc -c < "$T/both.csv") bytes, $(wc -c < "$T/one.csv") wanted"
together eval "$SEMIO" eval --study "$C" --run imported --format csv -o "$T/eval.csv"
[ -s "$T/eval.csv" ] && [ -z "$(find "$T" -maxdepth 1 -name '*.tmp*')" ] && ok "eval: the file whole, nothing left beside it" || bad "eval: the file whole" "$(ls "$T")"

# ---- the kinematic engine: two processes, and --jobs 2 against one job
if built phantom; then
  "$SEMIO" ask --study "$R" --run kin --engine kinematic --jobs 1 > /dev/null 2>&1
  q "$C" "DELETE FROM answers; DELETE FROM runs"
  together kinematic "$SEMIO" ask --study "$C" --run kin --engine kinematic --jobs 1
  same kinematic answers; clean kinematic
  q "$J" "DELETE FROM answers; DELETE FROM runs"
  expect "kinematic --jobs 2" 0 "$SEMIO" ask --study "$J" --run kin --engine kinematic --jobs 2
  C=$J same "kinematic --jobs 2" answers
  C=$J clean "kinematic --jobs 2"
else
  skip "the kinematic engine with two processes and --jobs 2 (needs the phantom's keypoints: meson feature 'phantom')"
fi

# ---- overlapping windows keep their own face crops (a shared frame is cut by each
# window's own box)
if built phantom; then
  O="$T/o.db"
  "$SEMIO" ingest --study "$O" "$T/rec" > /dev/null 2>&1
  "$SEMIO" segment --study "$O" --window 4 --overlap 2 > /dev/null
  "$SEMIO" sample --study "$O" --frames 20 --fps 4 > /dev/null 2>&1
  expect "face views of overlapping windows" 0 "$SEMIO" enhance --study "$O" --view face
  shared=$(q "$O" "SELECT count(*) FROM frames a JOIN frames b ON a.frame_index = b.frame_index AND a.segment_id < b.segment_id JOIN segments ga ON ga.id = a.segment_id JOIN segments gb ON gb.id = b.segment_id AND gb.video_id = ga.video_id")
  apart=$(q "$O" "SELECT count(DISTINCT path) = count(*) FROM views WHERE kind = 'face' AND status = 'ok'")
  files=$(find "${O%.db}.cache/face" -name 'f*.jpg' | wc -l)
  want=$(q "$O" "SELECT count(*) FROM frames f JOIN views w ON w.segment_id = f.segment_id AND w.kind = 'face' AND w.status = 'ok'")
  if [ "$shared" -gt 0 ] && [ "$apart" = 1 ] && [ "$files" = "$want" ]; then ok "each window keeps its own crop of a shared frame ($shared frames shared, $files crops)"
  else bad "each window keeps its own crop of a shared frame" "shared $shared, distinct paths $apart, $files files for $want frames"; fi
fi

# ---- a claim whose process is gone is free at once; a live one's is left alone
C="$T/c.db"
q "$C" "DELETE FROM views WHERE kind = 'audio'"
sleep 30 & live=$!; PIDS="$PIDS $live"
dead=$(sh -c 'echo $$')
vid=$(q "$C" "SELECT min(id) FROM videos")
host=$(hostname)
q "$C" "INSERT INTO claims VALUES ('enhance audio v$vid', '$host:$live:0', '$host', $live, strftime('%s','now'))"
expect "enhance beside a live claim" 0 "$SEMIO" enhance --study "$C" --view audio
has "a live process's recording is left to it" "$T/out" "left to another process"
expect "status beside a live claim" 0 "$SEMIO" status --study "$C"
has "status says what is being worked on, by whom" "$T/out" "working:    enhance audio v$vid, by process $live on $host (renewed"
q "$C" "UPDATE claims SET pid = $dead, owner = '$host:$dead:0'"
expect "enhance after the claim's process died" 0 "$SEMIO" enhance --study "$C" --view audio
missing=$(q "$C" "SELECT count(*) FROM segments g WHERE NOT EXISTS (SELECT 1 FROM views w WHERE w.segment_id = g.id AND w.kind = 'audio')")
if [ "$missing" = 0 ]; then ok "a dead process's claim is taken over"; else bad "a dead process's claim is taken over" "$missing segments without audio"; fi
# another machine's claim: left alone while renewed, taken once 15 minutes old
q "$C" "DELETE FROM views WHERE kind = 'audio' AND segment_id IN (SELECT id FROM segments WHERE video_id = $vid)"
q "$C" "INSERT INTO claims VALUES ('enhance audio v$vid', 'elsewhere:1:0', 'elsewhere', 1, strftime('%s','now'))"
expect "enhance beside another machine's fresh claim" 0 "$SEMIO" enhance --study "$C" --view audio
has "another machine's fresh claim is left to it" "$T/out" "left to another process"
q "$C" "UPDATE claims SET beat = strftime('%s','now') - 901"
expect "enhance beside another machine's stale claim" 0 "$SEMIO" enhance --study "$C" --view audio
missing=$(q "$C" "SELECT count(*) FROM segments g WHERE NOT EXISTS (SELECT 1 FROM views w WHERE w.segment_id = g.id AND w.kind = 'audio')")
if [ "$missing" = 0 ] && [ "$(q "$C" "SELECT count(*) FROM claims")" = 0 ]; then ok "a stale claim is taken over and released"
else bad "a stale claim is taken over and released" "$missing segments without audio"; fi
finish
