#!/bin/sh
# What raters said, on the command line: semio export --labels (ingested into a new study:
# the same consensus, and the same file again), semio export --ratings (its columns, quoted
# fields, a rating whose answer is gone), and semio eval and report with the faithfulness
# tables (and without them where a run has no ratings). The review app's writes are made
# with python3's sqlite3. Usage: tests/test_ratings.sh SEMIO
set -u
SEMIO=$(realpath "$1")
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
# sql DB QUERY: the first row's columns, space-separated; run DB SCRIPT: statements
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(*c.execute(sys.argv[2]).fetchone())' "$1" "$2"; }
run() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA foreign_keys = ON"); c.executescript(sys.argv[2]); c.commit()' "$1" "$2"; }

S="$T/s.db"
L="$T/labels.csv"
printf 'file_name,gender,tonic,clonic@ann,clonic@bob,start_time,end_time,label\n' > "$L"
printf 'P1@d@r1@sz_v1.mp4,F,yes,yes,no,0:10,0:50,1\n' >> "$L"
printf 'P2@d@r2@sz_v1.mp4,M,no,no,no,1:02.5,1:30,0\n' >> "$L"
printf 'P3@d@r3@sz_v1.mp4,M,,yes,yes,,,1\n' >> "$L"
printf 'P4@d@r4@sz_v1.mp4,F,yes,,,0:05,0:20,1\n' >> "$L"
expect "ingest labels" 0 "$SEMIO" ingest --study "$S" --labels "$L"
P="$T/m1.csv"
printf 'file_name,tonic,justification_for_tonic,clonic,justification_for_clonic\n' > "$P"
printf 'P1@d@r1@sz_v1.mp4,yes,"arms stiff, then ""jerks""",yes,jerks at 0:15\n' >> "$P"
printf 'P2@d@r2@sz_v1.mp4,yes,stiff,no,none\n' >> "$P"
printf 'P3@d@r3@sz_v1.mp4,no,limp,yes,both arms\n' >> "$P"
printf 'P4@d@r4@sz_v1.mp4,yes,stiff legs,no,none\n' >> "$P"
expect "import a run" 0 "$SEMIO" import --study "$S" --run m1 "$P"
expect "import a run nobody rates" 0 "$SEMIO" import --study "$S" --run m2 "$P"

expect "add a rater" 0 "$SEMIO" raters --study "$S" add cy
expect "add a rater who is also a file's column" 0 "$SEMIO" raters --study "$S" add bob
# the app: bob says yes where his column said no; cy labels and marks; a judge rates too
run "$S" "
INSERT INTO raters(name, kind, model, created_at) VALUES ('judge:x', 'judge', 'x', 'now');
INSERT INTO rater_labels(rater_id, video_id, sign, value, labeled_at)
  SELECT r.id, v.id, 'clonic', 1, 'now' FROM raters r, videos v
  WHERE r.name IN ('bob', 'cy') AND v.file_name = 'P1@d@r1@sz_v1.mp4';
INSERT INTO rater_labels(rater_id, video_id, sign, value, labeled_at)
  SELECT r.id, v.id, 'figure4', 1, 'now' FROM raters r, videos v
  WHERE r.name = 'cy' AND v.file_name = 'P2@d@r2@sz_v1.mp4';
INSERT INTO rater_marks(rater_id, video_id, onset_s, end_s, comment, marked_at)
  SELECT r.id, v.id, 12.25, 40, 'late', 'now' FROM raters r, videos v
  WHERE r.name = 'cy' AND v.file_name = 'P1@d@r1@sz_v1.mp4';
"
# the app calls semio_labels_refresh; here the label file ingested again does the same
expect "ingest the labels again" 0 "$SEMIO" ingest --study "$S" --labels "$L"
[ "$(sql "$S" "SELECT value FROM labels l JOIN videos v ON v.id = l.video_id WHERE file_name LIKE 'P1@%' AND sign = 'clonic'")" = 1 ] \
  && ok "the app's labels break a file's tie" || bad "the app's labels break a file's tie"
[ "$(sql "$S" "SELECT value FROM labels l JOIN videos v ON v.id = l.video_id WHERE file_name LIKE 'P2@%' AND sign = 'figure4'")" = 1 ] \
  && ok "a sign only the app labels has a label" || bad "a sign only the app labels has a label"

expect "export the labels" 0 "$SEMIO" export --study "$S" --labels -o "$T/labels1.csv"
H=$(head -1 "$T/labels1.csv")
[ "$H" = "file_name,tonic,clonic,clonic@ann,clonic@bob,clonic@cy,figure4,figure4@cy,start_time,end_time,start_time@cy,end_time@cy,gender,label" ] \
  && ok "the labels' columns" || bad "the labels' columns" "$H"
has "votes: the app's word for bob" "$T/labels1.csv" "P1@d@r1@sz_v1.mp4,yes,yes,yes,yes,yes,,,0:10,0:50,0:12.25,0:40,F,1"
has "a tie is an empty consensus; times as M:SS" "$T/labels1.csv" "P2@d@r2@sz_v1.mp4,no,no,no,no,,yes,yes,1:02.5,1:30,,,M,0"
has "no bounds, no cells" "$T/labels1.csv" "P3@d@r3@sz_v1.mp4,,yes,yes,yes,,,,,,,,M,1"
expect "the export ingests into a new study" 0 "$SEMIO" ingest --study "$T/s2.db" --labels "$T/labels1.csv"
q="SELECT group_concat(f || ':' || sign || ':' || ifnull(value, '-'), ' ') FROM (SELECT v.file_name AS f, l.sign, l.value FROM labels l JOIN videos v ON v.id = l.video_id WHERE l.value IS NOT NULL ORDER BY 1, 2)"
a=$(sql "$S" "$q") b=$(sql "$T/s2.db" "$q")
[ -n "$a" ] && [ "$a" = "$b" ] && ok "the same consensus in the new study" || bad "the same consensus in the new study" "$a" "$b"
q="SELECT group_concat(file_name || ':' || ifnull(seizure_start, '-') || '-' || ifnull(seizure_end, '-'), ' ') FROM (SELECT * FROM videos ORDER BY file_name)"
[ "$(sql "$S" "$q")" = "$(sql "$T/s2.db" "$q")" ] && ok "the same seizure bounds" || bad "the same seizure bounds"
expect "export the new study's labels" 0 "$SEMIO" export --study "$T/s2.db" --labels -o "$T/labels2.csv"
cmp -s "$T/labels1.csv" "$T/labels2.csv" && ok "its export is the same file" \
  || bad "its export is the same file" "$(diff "$T/labels1.csv" "$T/labels2.csv" | head -5)"

expect "eval of a run before any rating" 0 "$SEMIO" eval --study "$S" --run m2 --resamples 200
cp "$T/out" "$T/m2-before.md"
# ratings: bob and cy on every answer of m1, the judge on the tonic ones, a comment with a
# comma and quotes, a rating without a score
run "$S" "
INSERT INTO ratings(rater_id, run_id, video_id, segment_id, sign, view, prompt_hash, score,
  comment, label_wrong, video_unusable, reason, rated_at)
  SELECT r.id, a.run_id, a.video_id, NULL, a.sign, a.view, a.prompt_hash,
    CASE r.name WHEN 'bob' THEN 60 + 20 * (a.answer = 'yes') WHEN 'cy' THEN 40 + 20 * (a.video_id % 2)
      ELSE 100 - 20 * (a.video_id % 3) END,
    CASE WHEN r.name = 'cy' AND a.video_id = 1 AND a.sign = 'tonic' THEN 'stiff, not \"jerky\"' END,
    a.video_id = 4 AND r.name = 'bob', 0, CASE WHEN r.kind = 'judge' THEN 'sees it' END, 'now'
  FROM answers a, raters r WHERE a.run_id = (SELECT id FROM runs WHERE name = 'm1')
    AND (r.kind = 'human' OR a.sign = 'tonic');
INSERT INTO ratings(rater_id, run_id, video_id, segment_id, sign, view, prompt_hash, score,
  comment, rated_at) SELECT r.id, 2, 1, NULL, 'clonic', 'raw', '', NULL, 'cannot tell', 'now'
  FROM raters r WHERE r.name = 'cy';
"
expect "export the ratings" 0 "$SEMIO" export --study "$S" --ratings -o "$T/ratings.csv"
H=$(head -1 "$T/ratings.csv")
[ "$H" = "rater,kind,run,file_name,patient,segment_start,segment_end,sign,view,answer,label,score,label_wrong,video_unusable,comment,reason,rated_at" ] \
  && ok "the ratings' columns" || bad "the ratings' columns" "$H"
[ "$(($(wc -l < "$T/ratings.csv") - 1))" = 21 ] && ok "every rating a row" || bad "every rating a row" "$(wc -l < "$T/ratings.csv")"
has "a comment quoted" "$T/ratings.csv" 'cy,human,m1,P1@d@r1@sz_v1.mp4,P1,,,tonic,raw,yes,yes,60,0,0,"stiff, not ""jerky""",,now'
has "a rating without a score" "$T/ratings.csv" "cy,human,m2,P1@d@r1@sz_v1.mp4,P1,,,clonic,raw,yes,yes,,0,0,cannot tell,,now"
has "a judge's rating" "$T/ratings.csv" "judge:x,judge,m1,P2@d@r2@sz_v1.mp4,P2,,,tonic,raw,yes,no,60,0,0,,sees it,now"

expect "eval with ratings" 0 "$SEMIO" eval --study "$S" --run m1 --resamples 300
has "the faithfulness table" "$T/out" "### Faithfulness of justifications"
has "the human raters' agreement" "$T/out" "Krippendorff's alpha"
has "the judge apart" "$T/out" "| judge:x | m1 | 4 |"
expect "eval of the unrated run" 0 "$SEMIO" eval --study "$S" --run m2 --resamples 200
cmp -s "$T/out" "$T/m2-before.md" && ok "an unrated run's tables are as they were" \
  || bad "an unrated run's tables are as they were" "$(diff "$T/out" "$T/m2-before.md" | head -5)"
expect "eval as CSV" 0 "$SEMIO" eval --study "$S" --run m1 --resamples 100 --format csv
has "faithfulness rows in the CSV" "$T/out" "m1,all,faithfulness,faithful_share_of_correct,"
expect "eval as JSON" 0 "$SEMIO" eval --study "$S" --run m1,m2 --resamples 100 --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=[x for x in d["faithfulness"] if x["sign"] == "all"]; sys.exit(not (len(f) == 1 and f[0]["run"] == "m1" and f[0]["rated"] == 8 and d["judges"][0]["answers"] == 4))' "$T/out" \
  && ok "the JSON's faithfulness" || bad "the JSON's faithfulness" "$(head -c 300 "$T/out")"
for fmt in tex pilot-csv; do
  expect "eval as $fmt" 0 "$SEMIO" eval --study "$S" --run m1 --resamples 50 --format "$fmt"
done
has "the pilot's CSV gets the faithfulness rows" "$T/out" "Faithful >=60% (correct)"
expect "report with ratings" 0 "$SEMIO" report --study "$S" --resamples 100 -o "$T/r.html"
has "the report's faithfulness section" "$T/r.html" "<h2>Faithfulness of justifications</h2>"
has "the report's score plot" "$T/r.html" 'aria-label="human faithfulness scores per run"'

# an answer deleted: its ratings stay, the export says so, eval leaves it out and says so
run "$S" "DELETE FROM answers WHERE run_id = 1 AND sign = 'clonic' AND video_id = 3;"
expect "export the ratings of a deleted answer" 0 "$SEMIO" export --study "$S" --ratings -o "$T/ratings.csv"
has "its answer cell is empty" "$T/ratings.csv" "bob,human,m1,P3@d@r3@sz_v1.mp4,P3,,,clonic,raw,,yes,80,0,0,,,now"
expect "eval with a deleted answer's ratings" 0 "$SEMIO" eval --study "$S" --run m1 --resamples 50
has "left out, and said" "$T/out" "1 no longer in the study"
# a run deleted takes its ratings along
run "$S" "DELETE FROM runs WHERE name = 'm1';"
[ "$(sql "$S" "SELECT count(*) FROM ratings WHERE run_id = 1")" = 0 ] && ok "ratings go with their run" || bad "ratings go with their run"

expect "export needs one thing to export" 2 "$SEMIO" export --study "$S"
expect "export one thing at a time" 2 "$SEMIO" export --study "$S" --labels --ratings
expect "--format is for runs" 2 "$SEMIO" export --study "$S" --labels --format jsonl
finish
