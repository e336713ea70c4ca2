#!/bin/sh
# semio features end to end on a tiny phantom study: every set stored, NULL never 0, a
# second run computes nothing, --redo computes again, changed settings refused; the import
# set with a good file and every kind of bad one (each one clear error naming the file and
# line, nothing stored); --list; --jobs 1 and --jobs 2 store the same values.
# Usage: tests/test_features.sh path/to/semio
set -u
SEMIO=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$T/t.db" "$1"; }
# same NAME SQL WANT: the query gives WANT
same() { got=$(sql "$2"); [ "$got" = "$3" ] && ok "$1" || bad "$1" "got $got, wanted $3"; }

expect "--list" 0 "$SEMIO" features --list
has "--list documents kinematic" "$T/out" "elbow_r_rhythm_hz"
has "--list documents motion" "$T/out" "cell33_pow_3to6hz"
has "--list documents sound" "$T/out" "pitch_p50"
expect "no --study" 2 "$SEMIO" features

if ! built phantom; then
  skip "test_features.sh: the rest renders a phantom study (semio was built without meson feature 'phantom')"
  finish
  exit
fi

cd "$T" || exit 1
cat > t.ini <<'INI'
[phantom]
output = rec
videos = 2
patients = 2
seed = 5
size = 160x90
seconds = 8
fps = 15

[study]
path = t.db
labels = rec/labels.csv
INI
"$SEMIO" run t.ini > run.log 2>&1 || bad "phantom study" "$(tail -5 run.log)"
"$SEMIO" segment --study t.db --window 4 --overlap 0 --name w4 > /dev/null 2>&1 ||
  bad "4 s segments" ""

expect "features of the whole recordings" 0 "$SEMIO" features --study t.db --segments whole
has "6 (segment, set) computed" "$T/out" "6 computed, 0 kept, 0 failed"
nk=$("$SEMIO" features --list | grep -c '^kinematic')
nm=$("$SEMIO" features --list | grep -c '^motion')
ns=$("$SEMIO" features --list | grep -c '^sound')
same "every kinematic feature stored" "SELECT count(*) FROM features WHERE feature_set = 'kinematic'" $((2 * nk))
same "every motion feature stored" "SELECT count(*) FROM features WHERE feature_set = 'motion'" $((2 * nm))
same "every sound feature stored" "SELECT count(*) FROM features WHERE feature_set = 'sound'" $((2 * ns))
same "the phantom's patient is seen" "SELECT min(value) FROM features WHERE name = 'body_seen'" 1.0
same "the phantom moves" "SELECT count(*) FROM features WHERE name = 'all_mean' AND value > 0" 2
same "the sets' settings recorded" "SELECT count(*) FROM feature_sets" 3
expect "features again" 0 "$SEMIO" features --study t.db --segments whole
has "resumed: nothing computed" "$T/out" "0 computed, 6 kept"
expect "changed motion settings refused" 1 "$SEMIO" features --study t.db --segments whole --motion-grid 2
has "refusal says --redo" "$T/err" "use --redo"
expect "--redo with the new grid" 0 "$SEMIO" features --study t.db --segments whole --set motion --motion-grid 2 --redo
has "--redo computed again" "$T/out" "2 computed, 0 kept"
same "a 2 x 2 grid's features" "SELECT count(DISTINCT name) FROM features WHERE feature_set = 'motion'" 20
expect "the newest segment set, sound only" 0 "$SEMIO" features --study t.db --set sound
has "4 s windows: 4 computed" "$T/out" "features of segments 'w4' (4 segments): 4 computed"
# ---- --jobs: two workers store what one does, value for value ----
expect "--jobs 0 refused" 2 "$SEMIO" features --study t.db --jobs 0
# dump DB: every stored value (exact, as Python's repr) and each set's settings, sorted
dump() { python3 -c "import sqlite3,sys
d = sqlite3.connect(sys.argv[1])
for r in sorted(d.execute('SELECT segment_id, feature_set, name, value FROM features')): print(*r[:3], repr(r[3]))
for r in sorted(d.execute('SELECT name, settings_json FROM feature_sets')): print(*r)" "$1"; }
cp t.db j1.db && cp t.db j2.db
expect "--jobs 1" 0 "$SEMIO" features --study j1.db --segments w4 --set kinematic,motion,sound --redo --jobs 1
has "--jobs 1: 12 computed" "$T/out" "12 computed, 0 kept, 0 failed"
expect "--jobs 2" 0 "$SEMIO" features --study j2.db --segments w4 --set kinematic,motion,sound --redo --jobs 2
has "--jobs 2: 12 computed" "$T/out" "12 computed, 0 kept, 0 failed"
dump j1.db > j1.txt
dump j2.db > j2.txt
if [ "$(grep -c . j1.txt)" -gt $((4 * (nk + nm + ns))) ] && cmp -s j1.txt j2.txt; then
  ok "--jobs 1 and --jobs 2 store the same features"
else
  bad "--jobs 1 and --jobs 2 store the same features" "$(diff j1.txt j2.txt | head -5)"
fi
expect "--jobs 2 again: kept" 0 "$SEMIO" features --study j2.db --segments w4 --set kinematic,motion,sound --jobs 2
has "--jobs 2 again: nothing computed" "$T/out" "0 computed, 12 kept"
# ---- onnx: a tiny random 3-D CNN the test writes (python3-onnx), on 4 s windows ----
expect "onnx needs its model" 1 "$SEMIO" features --study t.db --set onnx
has "onnx: --onnx-model said" "$T/err" "needs --onnx-model"
if ! built onnx; then
  expect "onnx: not built" 1 "$SEMIO" features --study t.db --set onnx --onnx-model x.onnx
  has "onnx: the part named" "$T/err" "meson feature 'onnx'"
elif ! /usr/bin/python3 -c 'import onnx, numpy' 2>/dev/null; then
  skip "onnx set: Debian's python3-onnx writes the test's network (not installed)"
else
  /usr/bin/python3 "$HERE/make_tiny_r3d.py" model tiny.onnx 1
  tiny='{"frames":4,"size":32}'
  expect "onnx: embeddings stored" 0 "$SEMIO" features --study t.db --set onnx --onnx-model tiny.onnx --onnx-settings "$tiny"
  has "onnx: 4 windows" "$T/out" "4 computed"
  same "onnx: 4 values a window" "SELECT count(*) FROM features WHERE feature_set = 'onnx'" 16
  same "onnx: named emb_000.." "SELECT group_concat(DISTINCT name) FROM (SELECT name FROM features WHERE feature_set = 'onnx' ORDER BY name)" "emb_000,emb_001,emb_002,emb_003"
  same "onnx: never missing" "SELECT count(*) FROM features WHERE feature_set = 'onnx' AND value IS NULL" 0
  expect "onnx: resumed" 0 "$SEMIO" features --study t.db --set onnx --onnx-model tiny.onnx --onnx-settings "$tiny"
  has "onnx: nothing computed again" "$T/out" "0 computed, 4 kept"
  /usr/bin/python3 "$HERE/make_tiny_r3d.py" model other.onnx 2
  expect "onnx: another network refused" 1 "$SEMIO" features --study t.db --set onnx --onnx-model other.onnx --onnx-settings "$tiny"
  has "onnx: refusal says --redo" "$T/err" "use --redo"
  expect "onnx: settings that do not fit the network" 1 "$SEMIO" features --study t.db --set onnx --onnx-model tiny.onnx --onnx-settings '{"frames":8,"size":32}'
  has "onnx: the model named" "$T/err" "tiny.onnx"
fi
expect "unknown set" 1 "$SEMIO" features --study t.db --set bogus
has "unknown set named" "$T/err" "no feature set 'bogus'"

# ---- import ----
r1=$(sql "SELECT file_name FROM videos ORDER BY id LIMIT 1")
r2=$(sql "SELECT file_name FROM videos ORDER BY id DESC LIMIT 1")
before=$(sql "SELECT count(*) FROM features")
imp() { expect "$1" 1 "$SEMIO" features --study t.db --segments w4 --set import --import "$2"
  has "$1: file and line named" "$T/err" "$3"
  same "$1: nothing stored" "SELECT count(*) FROM features" "$before"; }
printf 'file_name,start,end,a,b\n%s,0,4,1.5,\n%s,4.01,8,2,3\n%s,0,4,x,1\n' "$r1" "$r1" "$r2" > bad_number.csv
imp "import: a bad number" bad_number.csv "bad_number.csv: line 4, column a: 'x' is not a number"
printf 'file_name,start,end,a\n%s,0,4,1\nnobody.mp4,0,4,2\n' "$r1" > unknown.csv
imp "import: an unknown recording" unknown.csv "unknown.csv: line 3: no recording 'nobody.mp4'"
printf 'file_name,start,end,a\n%s,0,4,1\n%s,2,6,2\n' "$r1" "$r1" > window.csv
imp "import: no such window" window.csv "window.csv: line 3: recording '$r1' has no segment"
printf 'file_name,start,end,a\n%s,0,4,1\n%s,0.02,4,2\n' "$r1" "$r1" > dup.csv
imp "import: a duplicated row" dup.csv "dup.csv: line 3: the same window as line 2"
printf 'file_name,end,a\n%s,4,1\n' "$r1" > nostart.csv
imp "import: a missing column" nostart.csv "nostart.csv: line 1: column 2 must be 'start'"
printf 'file_name,start,end,a\n%s,0,4\n' "$r1" > short.csv
imp "import: a short row" short.csv "short.csv"
imp "import: no file" missing.csv "missing.csv"
expect "import without --import" 1 "$SEMIO" features --study t.db --set import
printf 'file_name,start,end,a,b\n%s,0,4,1.5,\n%s,4.01,8,2,3\n%s,0,4,7,1\n' "$r1" "$r1" "$r2" > good.csv
expect "import: a good file" 0 "$SEMIO" features --study t.db --segments w4 --set import --import good.csv
has "import: 3 windows" "$T/out" "3 computed"
same "import: 6 values" "SELECT count(*) FROM features WHERE feature_set = 'import'" 6
same "import: the empty cell missing" "SELECT count(*) FROM features WHERE feature_set = 'import' AND value IS NULL" 1
same "import: a value" "SELECT value FROM features f JOIN segments g ON g.id = f.segment_id JOIN videos v ON v.id = g.video_id WHERE feature_set = 'import' AND name = 'a' AND v.file_name = '$r2'" 7.0
expect "import again: kept" 0 "$SEMIO" features --study t.db --segments w4 --set import --import good.csv
has "import again: nothing new" "$T/out" "0 computed, 3 kept"

# ---- a recording that cannot be read: counted, named, the other one stored ----
mv "rec/$r2" away.mp4
expect "a recording gone" 0 "$SEMIO" features --study t.db --segments whole --set kinematic,motion --motion-grid 2 --redo
# its keypoints are still there: kinematic needs no file, motion does
has "the gone recording counted" "$T/out" "3 computed, 0 kept, 1 failed"
has "the gone recording named" "$T/out" "the first failure: $r2"
expect "a recording gone, --jobs 2" 0 "$SEMIO" features --study t.db --segments whole --set kinematic,motion --motion-grid 2 --redo --jobs 2
has "--jobs 2: the gone recording counted once" "$T/out" "3 computed, 0 kept, 1 failed"
has "--jobs 2: the gone recording named" "$T/out" "the first failure: $r2"
mv away.mp4 "rec/$r2"
finish
