#!/bin/sh
# A label file is a source: ingesting it again replaces what it said before (a column or a
# row gone, a changed value or seizure bound), says what changed, and segments made within
# old bounds are replaced. Usage: tests/test_labels.sh SEMIO
set -u
SEMIO=$(realpath "$1")
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/rec"
"$MKCLIP" "$T/rec/P1@1-1-2024@R1@sz_v1.mp4" 300 64 48 > /dev/null || exit 1
"$MKCLIP" "$T/rec/P2@1-1-2024@R2@sz_v1.mp4" 300 64 48 > /dev/null || exit 1
S="$T/s.db"
L="$T/labels.csv"
printf 'file_name,tonic,clonic,start_time,end_time,gender\n' > "$L"
printf 'P1@1-1-2024@R1@sz_v1.mp4,yes,no,0:02,0:06,F\n' >> "$L"
printf 'P2@1-1-2024@R2@sz_v1.mp4,no,yes,0:01,0:05,M\n' >> "$L"
printf 'P3@1-1-2024@R3@sz_v1.mp4,no,no,0:01,0:03,M\n' >> "$L"
expect "ingest recordings and labels" 0 "$SEMIO" ingest --study "$S" --labels "$L" "$T/rec"
has "first ingest stores every value" "$T/out" "6 values stored, 0 unchanged, 0 removed"
expect "segment within the labels" 0 "$SEMIO" segment --study "$S" --within-labels --window 2
has "segments within the bounds" "$T/out" "2 recordings"
# an answer about a window of P1, to see it dropped with its segment
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("INSERT INTO runs(name, engine, model, base_urls, view, segment_set, sampling, prompt_set, settings_json, version, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", ("r", "kinematic", "k", "", "signals", "x", "", "p", "{}", "0", "now")); c.execute("INSERT INTO answers(run_id, video_id, segment_id, sign, answer, status, answered_at) SELECT 1, video_id, id, ?, ?, ?, ? FROM segments WHERE video_id = 1 ORDER BY start_s LIMIT 1", ("tonic", "yes", "ok", "now")); c.commit()' "$S"

expect "the same file again" 0 "$SEMIO" ingest --study "$S" --labels "$L"
has "the same file changes nothing" "$T/out" "0 values stored, 6 unchanged, 0 removed, seizure bounds changed for 0"
(cd "$T" && "$SEMIO" ingest --study "$S" --labels ./labels.csv > "$T/out" 2>&1)
has "the same file by another name is the same source" "$T/out" "0 values stored, 6 unchanged, 0 removed"

# a column removed, a row removed, a value and a start changed
printf 'file_name,tonic,start_time,end_time,gender\n' > "$L"
printf 'P1@1-1-2024@R1@sz_v1.mp4,no,0:03,0:06,F\n' >> "$L"
printf 'P2@1-1-2024@R2@sz_v1.mp4,no,0:01,0:05,M\n' >> "$L"
expect "the edited file" 0 "$SEMIO" ingest --study "$S" --labels "$L"
has "the edit is reported" "$T/out" "1 values stored, 1 unchanged, 4 removed, seizure bounds changed for 2"
[ "$(sql "SELECT count(*) FROM labels WHERE sign = 'clonic'")" = 0 ] && ok "a removed column's labels are gone" || bad "a removed column's labels are gone"
[ "$(sql "SELECT count(*) FROM videos WHERE file_name LIKE 'P3@%'")" = 0 ] && ok "a removed row without a file is gone" || bad "a removed row without a file is gone"
[ "$(sql "SELECT value FROM labels l JOIN videos v ON v.id = l.video_id WHERE v.file_name LIKE 'P1@%' AND sign = 'tonic'")" = 0 ] && ok "a changed value is stored" || bad "a changed value is stored"
[ "$(sql "SELECT seizure_start FROM videos WHERE file_name LIKE 'P1@%'")" = 3.0 ] && ok "a changed start is stored" || bad "a changed start is stored"

expect "segment again" 0 "$SEMIO" segment --study "$S" --within-labels --window 2
has "stale segments are replaced, and said so" "$T/out" "1 recordings' labeled seizure bounds changed"
has "with the answers about them" "$T/out" "with 1 answers about them"
[ "$(sql "SELECT min(start_s) FROM segments WHERE video_id = 1")" = 3.0 ] && ok "new segments start at the new bound" || bad "new segments start at the new bound"
[ "$(sql "SELECT count(*) FROM answers")" = 0 ] && ok "answers about old windows are dropped" || bad "answers about old windows are dropped"
expect "segment once more" 0 "$SEMIO" segment --study "$S" --within-labels --window 2
has "nothing stale is left" "$T/out" "2 recordings already segmented"
python3 -c 'import sqlite3,sys; sys.exit(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0] != "ok")' "$S" && ok "the study is sound" || bad "the study is sound"
finish
