#!/bin/sh
# Command-line tests: help and option errors, the ingest -> segment -> sample -> status
# chain, and a sample run killed with SIGKILL or interrupted with SIGINT, then resumed.
# Usage: tests/test_cli.sh path/to/semio
set -u
SEMIO=$(realpath "$1")
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

expect "help" 0 "$SEMIO" help
has "help lists commands" "$T/out" "sample"
for c in probe ingest status segment sample; do
  expect "$c --help" 0 "$SEMIO" "$c" --help
  has "$c --help shows usage" "$T/out" "usage: semio $c"
done
expect "unknown command" 2 "$SEMIO" frobnicate
has "unknown command named" "$T/err" "'frobnicate' is not a semio command"
expect "unknown option" 2 "$SEMIO" sample --study x.db --bogus
expect "bad number" 2 "$SEMIO" sample --study "$T/x.db" --frames many
has "bad number explained" "$T/err" "--frames: 'many' is not a whole number"
expect "missing --study" 2 "$SEMIO" segment
expect "status of nothing" 1 "$SEMIO" status --study "$T/none.db"

mkdir -p "$T/rec"
for i in 1 2 3 4 5 6; do "$MKCLIP" "$T/rec/K$i@1-1-2024@R$i@sz_v1.mp4" 450 640 360 || exit 1; done
expect "probe" 0 "$SEMIO" probe "$T/rec/K1@1-1-2024@R1@sz_v1.mp4"
has "probe counts frames" "$T/out" '"frame_count":450'
expect "probe of a missing file" 1 "$SEMIO" probe "$T/rec/none.mp4"
has "probe error names the file" "$T/err" "none.mp4"

S="$T/study.db"
expect "ingest" 0 "$SEMIO" ingest --study "$S" "$T/rec"
has "ingest counts" "$T/out" "6 added"
mkdir -p "$T/empty"
expect "ingest an empty folder" 0 "$SEMIO" ingest --study "$T/empty.db" "$T/empty"
has "an empty folder is said" "$T/err" "no recordings found"
# a folder of .y4m recordings (raw pictures, as some tools export them) is ingested like
# any other, and samples
mkdir -p "$T/y4m"
"$MKCLIP" "$T/y4m/Y1@1-1-2024@R1@sz_v1.y4m" 60 160 120 || exit 1
printf 'notes\n' > "$T/y4m/notes.txt"
expect "ingest a folder of .y4m" 0 "$SEMIO" ingest --study "$T/y4m.db" "$T/y4m"
has "the .y4m is a recording" "$T/out" "1 added, 0 unchanged, 0 changed (re-probed), 0 failed"
expect "segment the .y4m" 0 "$SEMIO" segment --study "$T/y4m.db" --window 1
expect "sample the .y4m" 0 "$SEMIO" sample --study "$T/y4m.db" --frames 4
has "the .y4m's frames are written" "$T/out" "2 segments done, 0 partial, 0 failed"
expect "ingest again" 0 "$SEMIO" ingest --study "$S" "$T/rec"
has "ingest again changes nothing" "$T/out" "0 added, 6 unchanged"
printf 'file_name,tonic,start_time,end_time\nK1@1-1-2024@R1@sz_v1.mp4,yes,0:02,0:09\nZ9@x@y@sz_v1.mp4,no,,\n' > "$T/labels.csv"
expect "ingest labels" 0 "$SEMIO" ingest --study "$S" --labels "$T/labels.csv"
has "labels without recording" "$T/out" "1 rows without a recording"
printf 'file_name,tonic\nK1@1-1-2024@R1@sz_v1.mp4,perhaps\n' > "$T/bad.csv"
expect "bad labels refused" 1 "$SEMIO" ingest --study "$S" --labels "$T/bad.csv"
has "bad labels explained" "$T/err" "bad.csv: data row 1 (K1@1-1-2024@R1@sz_v1.mp4), column tonic: 'perhaps'"
expect "segment windows" 0 "$SEMIO" segment --study "$S" --window 4 --overlap 1
has "segment count" "$T/out" "30 new over 6 recordings"

# SIGKILL in the middle of sampling, then resume: no duplicates, nothing lost.
"$SEMIO" sample --study "$S" --frames 40 --threads 1 > "$T/kill.out" 2>&1 &
pid=$!
n=0
while [ $n -lt 200 ]; do
  sleep 0.05
  "$SEMIO" status --study "$S" > "$T/st.txt" 2>/dev/null
  grep -qE 'n40-p602112-q90: [1-9][0-9]* segments ok' "$T/st.txt" && break
  n=$((n + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
expect "resume after kill -9" 0 "$SEMIO" sample --study "$S" --frames 40 --threads 1
if grep -qE ' [1-9][0-9]* already done' "$T/out"; then ok "resume skipped finished segments"
else bad "resume skipped finished segments" "$(cat "$T/out")"; fi
expect "status" 0 "$SEMIO" status --study "$S"
has "all segments sampled once" "$T/out" "n40-p602112-q90: 30 segments ok, 0 partial, 0 failed"

# SIGINT: stops after the segment in flight, exits 130 (128 + SIGINT), resumes later.
"$SEMIO" sample --study "$S" --frames 40 --fps 3 --threads 1 > "$T/int.out" 2>&1 &
pid=$!
sleep 0.3
kill -INT $pid 2>/dev/null
wait $pid; rc=$?
if [ $rc -eq 130 ] && grep -q "interrupted" "$T/int.out"; then ok "SIGINT stops cleanly"
elif [ $rc -eq 0 ]; then ok "SIGINT stops cleanly (finished first)"
else bad "SIGINT stops cleanly" "exit $rc" "$(cat "$T/int.out")"; fi
expect "resume after SIGINT" 0 "$SEMIO" sample --study "$S" --frames 40 --fps 3 --threads 1
expect "status json" 0 "$SEMIO" status --study "$S" --json
has "status json samplings" "$T/out" '"key":"fps3-n40-p602112-q90"'
frames=$(ls "$T"/study.cache/frames/v*/n40-p602112-q90/*.jpg | wc -l)
[ "$frames" -gt 0 ] && ok "frames on disk ($frames)" || bad "frames on disk"
if ls "$T"/study.cache/frames/v*/*/ | grep -q '\.tmp'; then bad "no temporary files left"; else ok "no temporary files left"; fi

# eval reproduces the pilot study's published audio table from its published files
P="$(dirname "$0")/fixtures/paper"
expect "eval pilot-csv" 0 "$SEMIO" eval --labels "$P/90_FeatureAnnotation.csv" --predictions "$P/AF3_90_audio_feature.csv" --format pilot-csv
sed '1s/^\xEF\xBB\xBF//; s/\r$//' "$P/audio_base_metrics.csv" > "$T/published.csv"
if cmp -s "$T/out" "$T/published.csv"; then ok "eval reproduces audio_base_metrics.csv"
else bad "eval reproduces audio_base_metrics.csv" "$(diff "$T/out" "$T/published.csv")"; fi
expect "eval markdown" 0 "$SEMIO" eval --labels "$P/90_FeatureAnnotation.csv" --predictions "$P/AF3_90_audio_feature.csv" --resamples 500
has "eval markdown CI" "$T/out" "| ictal_vocalization | audio | 85 | 53 | 0.765 | 0.850 | 0.708 | 0.773 ["
expect "eval json to file" 0 "$SEMIO" eval --labels "$P/90_FeatureAnnotation.csv" --predictions "$P/AF3_90_audio_feature.csv" --format json -o "$T/eval.json" --resamples 100
has "eval json written" "$T/eval.json" '"rules":"pilot"'
expect "eval bad rules" 2 "$SEMIO" eval --labels a.csv --predictions b.csv --rules lenient
expect "eval missing predictions" 1 "$SEMIO" eval --labels "$P/90_FeatureAnnotation.csv" --predictions "$T/none.csv"
has "eval names the missing file" "$T/err" "none.csv"

cp "$P/AF3_90_audio_feature.csv" "$T/second_run.csv"
expect "report" 0 "$SEMIO" report --labels "$P/90_FeatureAnnotation.csv" --predictions "$P/AF3_90_audio_feature.csv,$T/second_run.csv" --resamples 200 -o "$T/report.html" --title "A <test> & report"
has "report is HTML with plots" "$T/report.html" "<svg xmlns="
has "report escapes its title" "$T/report.html" "A &lt;test&gt; &amp; report"
has "report compares runs" "$T/report.html" "Paired comparisons"
if grep -qE 'src="http|href="http|<script' "$T/report.html"; then bad "report fetches nothing"; else ok "report fetches nothing"; fi
expect "report needs -o" 2 "$SEMIO" report --labels "$P/90_FeatureAnnotation.csv" --predictions "$P/AF3_90_audio_feature.csv"

# published predictions as a study run, scored and reported from the study
S2="$T/paper.db"
expect "ingest paper labels" 0 "$SEMIO" ingest --study "$S2" --labels "$P/90_FeatureAnnotation.csv"
expect "import a run" 0 "$SEMIO" import --study "$S2" --run af3 "$P/AF3_90_audio_feature.csv"
has "import counts" "$T/out" "90 rows, 2 signs, 175 answers, 5 failed answers"
expect "import refuses to overwrite" 1 "$SEMIO" import --study "$S2" --run af3 "$P/AF3_90_audio_feature.csv"
expect "eval a study run" 0 "$SEMIO" eval --study "$S2" --run af3 --format pilot-csv
if cmp -s "$T/out" "$T/published.csv"; then ok "study eval reproduces the paper"
else bad "study eval reproduces the paper" "$(diff "$T/out" "$T/published.csv")"; fi
expect "report from a study" 0 "$SEMIO" report --study "$S2" -o "$T/study.html" --resamples 100
has "study report names the engine" "$T/study.html" "engine import"
expect "eval needs one source" 2 "$SEMIO" eval --study "$S2" --labels x.csv --predictions y.csv

# FFmpeg's own log: nothing by default (semio's error says what failed), its warnings and
# errors with -v (before or after the command), its statistics with -vv
printf 'this is not a recording\n' > "$T/junk.mp4"
ffmpeg_lines() { grep -c '^semio: ffmpeg: ' "$T/err"; }
expect "probe junk, quiet" 1 "$SEMIO" probe "$T/junk.mp4"
n=$(ffmpeg_lines); [ "$n" -eq 0 ] && ok "no FFmpeg lines by default" || bad "no FFmpeg lines by default" "$(cat "$T/err")"
if [ "$(wc -l < "$T/err")" -eq 1 ]; then has "only semio's error" "$T/err" "junk.mp4: not a recording"
else bad "only semio's error" "$(cat "$T/err")"; fi
# FFmpeg's misleading words replaced by semio's: one line, naming the file
printf 'YUV4MPEG2 W60000 H60000 F25:1 C420jpeg\nFRAME\n' > "$T/huge.y4m"
head -c 4096 /dev/zero >> "$T/huge.y4m"
expect "probe a y4m of huge frames" 1 "$SEMIO" probe "$T/huge.y4m"
if [ "$(wc -l < "$T/err")" -eq 1 ]; then has "huge frames said as such" "$T/err" "huge.y4m: frames of 60000x60000 pixels are larger than semio decodes"
else bad "huge frames said as such" "$(cat "$T/err")"; fi
"$MKCLIP" "$T/whole.mp4" 30 64 48 || exit 1
head -c 1000 "$T/whole.mp4" > "$T/cut.mp4"
expect "probe an mp4 cut short" 1 "$SEMIO" probe "$T/cut.mp4"
if [ "$(wc -l < "$T/err")" -eq 1 ]; then has "a truncated mp4 said as such" "$T/err" "cut.mp4: cannot read the recording: "
else bad "a truncated mp4 said as such" "$(cat "$T/err")"; fi
has "and why" "$T/err" "(the file is truncated or not finished being written)"
expect "probe junk, -v first" 1 "$SEMIO" -v probe "$T/junk.mp4"
n=$(ffmpeg_lines); [ "$n" -ge 1 ] && ok "-v shows FFmpeg's complaint ($n lines)" || bad "-v shows FFmpeg's complaint" "$(cat "$T/err")"
has "FFmpeg's lines name their source" "$T/err" "semio: ffmpeg: [mov,mp4"
expect "probe junk, -v after" 1 "$SEMIO" probe "$T/junk.mp4" -v
n=$(ffmpeg_lines); [ "$n" -ge 1 ] && ok "-v after the command works too" || bad "-v after the command" "$(cat "$T/err")"
expect "--verbose" 1 "$SEMIO" --verbose probe "$T/junk.mp4"
n=$(ffmpeg_lines); [ "$n" -ge 1 ] && ok "--verbose is -v" || bad "--verbose is -v" "$(cat "$T/err")"
expect "-vv with help" 0 "$SEMIO" -vv help
has "help names -v" "$T/out" "usage: semio [-v | -vv | -vvv] COMMAND"
if built phantom; then
  # a tiny render: libx264 and the AAC encoder print their statistics at FFmpeg's default level
  ph="$T/ph"
  expect "phantom, quiet" 0 "$SEMIO" phantom -o "$ph" --videos 1 --seconds 8 --size 160x90 --fps 5
  n=$(ffmpeg_lines); [ "$n" -eq 0 ] && ok "phantom: no encoder statistics by default" || bad "phantom: no encoder statistics by default" "$(head -c 600 "$T/err")"
  rm -rf "$ph"
  expect "phantom -v" 0 "$SEMIO" phantom -v -o "$ph" --videos 1 --seconds 8 --size 160x90 --fps 5
  n=$(grep -c libx264 "$T/err"); [ "$n" -eq 0 ] && ok "phantom -v: no statistics either" || bad "phantom -v: no statistics either" "$(head -c 600 "$T/err")"
  rm -rf "$ph"
  expect "phantom -vv" 0 "$SEMIO" -vv phantom -o "$ph" --videos 1 --seconds 8 --size 160x90 --fps 5
  n=$(grep -c '^semio: ffmpeg: \[libx264 @' "$T/err")
  [ "$n" -ge 5 ] && ok "phantom -vv: libx264's statistics ($n lines)" || bad "phantom -vv: libx264's statistics" "$(head -c 600 "$T/err")"
else
  skip "FFmpeg's encoder statistics: semio was built without meson feature 'phantom'"
fi

finish
