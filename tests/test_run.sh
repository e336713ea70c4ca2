#!/bin/sh
# The main job end to end: semio phantom renders a tiny study, semio run chains every
# stage with the kinematic engine, a second run resumes without redoing anything, and
# the kinematic engine is scored on phantom seeds no threshold was set on. Bad configs
# and bad phantom options get one clear error.
# Usage: tests/test_run.sh path/to/semio
set -u
SEMIO=$(realpath "$1")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$1" "$2"; }

# every check below starts from a rendered phantom study
if ! built phantom; then
  expect "phantom not built in: said" 1 "$SEMIO" phantom -o "$T/x"
  has "phantom not built in: what to install" "$T/err" "meson feature 'phantom': install libcairo2-dev"
  skip "test_run.sh: the rest renders phantom studies (semio was built without meson feature 'phantom')"
  finish
  exit
fi

# ---- the phantom's options and output ----
expect "phantom without -o" 2 "$SEMIO" phantom
expect "phantom odd size" 1 "$SEMIO" phantom -o "$T/x" --size 641x360
has "odd size explained" "$T/err" "must be even"
expect "phantom bad size text" 2 "$SEMIO" phantom -o "$T/x" --size big
expect "phantom too short" 2 "$SEMIO" phantom -o "$T/x" --seconds 2
expect "phantom more patients than videos" 1 "$SEMIO" phantom -o "$T/x" --videos 2 --patients 3

cat > "$T/tiny.ini" <<'INI'
[phantom]
output = rec
videos = 3
patients = 2
seed = 5
size = 320x180
seconds = 12
fps = 15

[study]
path = tiny.db
labels = rec/labels.csv

[sample]
frames = 6

[enhance]
views = audio, pose

[ask kin]
engine = kinematic

[export]
folder = .

[eval]
resamples = 200
output = eval.md

[report]
resamples = 200
output = report.html
INI
expect "semio run tiny phantom" 0 "$SEMIO" run "$T/tiny.ini"
has "run timed each stage" "$T/out" "== time: phantom"
[ -f "$T/report.html" ] && ok "report written" || bad "report written" "$(tail -c 800 "$T/out")"
has "report has the run" "$T/report.html" "kin"
has "eval written" "$T/eval.md" "macro all"
has "export written" "$T/kin.csv" "file_name,"
n=$(ls "$T/rec"/*.mp4 | wc -l)
[ "$n" -eq 3 ] && ok "3 recordings rendered" || bad "3 recordings rendered" "$n"
f=$(ls "$T/rec/PH01@11-24-2026@S0001@sz_v1" | wc -l)
[ "$f" -eq 180 ] && ok "one keypoint file per frame (12 s x 15 fps)" || bad "keypoint files" "$f"
has "keypoints carry 70 face points" "$(ls "$T"/rec/PH01*S0001*/*_000000000000_keypoints.json)" "face_keypoints_2d"
has "labels in the pilot's layout" "$T/rec/labels.csv" "file_name,gender,occur_during_sleep,blank_stare"
"$SEMIO" probe "$T"/rec/PH01@11-24-2026@S0001@sz_v1.mp4 > "$T/probe.json"
has "H.264 video" "$T/probe.json" '"h264"'
has "AAC sound" "$T/probe.json" '"aac"'
has "44.1 kHz" "$T/probe.json" "44100"
answers=$(sql "$T/tiny.db" "SELECT count(*) FROM answers")
[ "$answers" -eq 60 ] && ok "20 signs x 3 recordings answered" || bad "answers stored" "$answers"
expect "semio run again" 0 "$SEMIO" run "$T/tiny.ini"
has "phantom kept" "$T/out" "0 recordings rendered, 3 already there"
has "ask resumed: nothing new" "$T/out" "60 answered before, 0 answered now"
answers=$(sql "$T/tiny.db" "SELECT count(*) FROM answers")
[ "$answers" -eq 60 ] && ok "no answer stored twice" || bad "no answer stored twice" "$answers"
expect "run --only eval" 0 "$SEMIO" run --only eval "$T/tiny.ini"
has "--only ran eval alone" "$T/out" "== eval:"
expect "run --only bogus" 2 "$SEMIO" run --only bogus "$T/tiny.ini"
# same seed, same study: the labels do not change
cp "$T/rec/labels.csv" "$T/labels.before"
"$SEMIO" phantom -o "$T/rec2" --videos 3 --patients 2 --seed 5 --size 320x180 --seconds 12 --fps 15 >/dev/null 2>&1
cmp -s "$T/labels.before" "$T/rec2/labels.csv" && ok "a seed gives the same study" || bad "a seed gives the same study"
# a render cut short leaves only .part files, replaced next time
r3="$T/rec2/PH02@11-24-2026@S0003@sz_v1"
rm -rf "$r3" "$r3.mp4"; mkdir "$r3.part"; echo junk > "$r3.part.mp4"
expect "phantom resumes a cut render" 0 "$SEMIO" phantom -o "$T/rec2" --videos 3 --patients 2 --seed 5 --size 320x180 --seconds 12 --fps 15
has "only the missing one rendered" "$T/out" "1 recordings rendered, 2 already there"
[ ! -e "$r3.part.mp4" ] && [ ! -e "$r3.part" ] && [ -s "$r3.mp4" ] && ok "no .part left, the file whole" || bad "no .part left"

# ---- the face view: one square crop per window from the face points ----
expect "enhance --view face" 0 "$SEMIO" enhance --study "$T/tiny.db" --view face --face-size 224
has "three face views made" "$T/out" "3 made"
n=$(sql "$T/tiny.db" "SELECT count(*) FROM views WHERE kind = 'face' AND status = 'ok' AND note LIKE '6 of 6 frames had a face%'")
[ "$n" -eq 3 ] && ok "every sampled frame had the face" || bad "faces per window recorded" "$n"
crop=$(ls "$T"/tiny.cache/face/v1/*/s*/f*.jpg | head -n 1)
size=$(python3 - "$crop" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
i = 2
while i < len(d):
    marker, length = d[i + 1], struct.unpack(">H", d[i + 2:i + 4])[0]
    if marker in (0xC0, 0xC2):
        h, w = struct.unpack(">HH", d[i + 5:i + 9])
        print("%dx%d" % (w, h)); break
    i += 2 + length
PY
)
[ "$size" = "224x224" ] && ok "face crops are 224x224" || bad "face crop size" "$size"
# a study without keypoints: no face view, and the reason
"$SEMIO" phantom -o "$T/nokp" --videos 2 --seed 9 --size 320x180 --seconds 10 --no-keypoints >/dev/null 2>&1
"$SEMIO" ingest --study "$T/nokp.db" "$T/nokp" >/dev/null 2>&1
"$SEMIO" segment --study "$T/nokp.db" >/dev/null
"$SEMIO" sample --study "$T/nokp.db" --frames 4 >/dev/null 2>&1
expect "version" 0 "$SEMIO" version
has "the built-in face detectors named" "$T/out" "face detectors: "
expect "an unknown face detector" 2 "$SEMIO" enhance --study "$T/nokp.db" --view face --face-detector haar
has "the detectors named" "$T/err" "not auto, blazeface, dlib or none"
expect "a missing face model" 1 "$SEMIO" enhance --study "$T/nokp.db" --view face --face-detector blazeface --face-model "$T/none.onnx"
grep -qE "none.onnx: no BlazeFace model|meson feature '(blazeface|dlib)'" "$T/err" && ok "the model file named" || bad "the model file named" "$(cat "$T/err")"
expect "face view without keypoints" 0 "$SEMIO" enhance --study "$T/nokp.db" --view face --face-detector none
has "both impossible" "$T/out" "0 made, 0 made before, 2 impossible"
n=$(sql "$T/nokp.db" "SELECT count(*) FROM views WHERE kind = 'face' AND status = 'failed' AND error LIKE '%no OpenPose keypoints%'")
[ "$n" -eq 2 ] && ok "the reason is kept" || bad "the reason is kept" "$n"
# keypoint files for another recording: past the last frame
one=$(ls "$T/nokp" | grep -m1 '\.mp4$'); one=${one%.mp4}
mkdir -p "$T/nokp/$one"
cp "$(ls "$T"/rec/PH01*S0001*/*_000000000000_keypoints.json)" "$T/nokp/$one/${one}_000000005000_keypoints.json"
expect "pose view with keypoints for another recording" 0 "$SEMIO" enhance --study "$T/nokp.db" --view pose
n=$(sql "$T/nokp.db" "SELECT count(*) FROM views WHERE kind = 'pose' AND error LIKE '%go to frame 5000 but the recording has 300 frames%'")
[ "$n" -eq 1 ] && ok "wrong frame count named" || bad "wrong frame count named" "$n" "$(sql "$T/nokp.db" "SELECT group_concat(error) FROM views WHERE kind = 'pose'")"
expect "kinematic engine refuses them" 1 "$SEMIO" ask --study "$T/nokp.db" --run k --engine kinematic
has "kinematic names the problem" "$T/err" "go past its 300 frames"
rm -rf "$T/nokp/$one"
expect "ask --fallback needs --view face" 1 "$SEMIO" ask --study "$T/nokp.db" --run x --view pose --fallback raw --dry-run
expect "ask --fallback only raw" 2 "$SEMIO" ask --study "$T/nokp.db" --run x --view face --fallback pose --dry-run
start_fake_openai server
server=$LAST_PID
URL="http://127.0.0.1:$PORT_server/v1"
expect "ask --view face, no face views" 0 "$SEMIO" ask --study "$T/nokp.db" --run f --url "$URL" --model m --view face --signs facial
has "nothing asked without the view" "$T/out" "0 answered now"
expect "ask --view face --fallback raw" 0 "$SEMIO" ask --study "$T/nokp.db" --run fb --url "$URL" --model m --view face --fallback raw --signs facial
n=$(sql "$T/nokp.db" "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'fb' AND a.view = 'face>raw'")
[ "$n" -eq 14 ] && ok "fallback answers say face>raw" || bad "fallback answers" "$n"
expect "ask --view face on the tiny study" 0 "$SEMIO" ask --study "$T/tiny.db" --run face --url "$URL" --model m --view face --signs facial
n=$(sql "$T/tiny.db" "SELECT count(*) FROM answers a JOIN runs r ON r.id = a.run_id WHERE r.name = 'face' AND a.view = 'face'")
[ "$n" -eq 21 ] && ok "7 facial signs x 3 windows asked on face crops" || bad "face answers" "$n"
kill $server 2>/dev/null; wait $server 2>/dev/null

# ---- bad configs ----
printf '[study]\npath = a.db\n[bogus]\nx = 1\n' > "$T/bad1.ini"
expect "unknown section" 2 "$SEMIO" run "$T/bad1.ini"
has "unknown section named" "$T/err" "unknown section [bogus]"
printf '[study]\nthis line has no equals sign\n' > "$T/bad2.ini"
expect "malformed line" 1 "$SEMIO" run "$T/bad2.ini"
has "malformed line located" "$T/err" "bad2.ini:2"
printf '[segment]\nwindow = 10\n' > "$T/bad3.ini"
expect "no study path" 2 "$SEMIO" run "$T/bad3.ini"
has "no study path explained" "$T/err" "[study] needs path"
expect "missing config" 1 "$SEMIO" run "$T/none.ini"
has "missing config named" "$T/err" "none.ini"
printf '[study]\npath = s.db\nrecordings = rec\n[ask ../../escaped]\nengine = kinematic\n[export]\nfolder = out\n' > "$T/bad5.ini"
expect "a run name that is a path" 2 "$SEMIO" run "$T/bad5.ini"
has "the run name is refused as a path" "$T/err" "a name, not a path"
check_none() { [ ! -e "$T/../escaped.csv" ] && [ ! -e "$T/escaped.csv" ]; }
check_none && ok "nothing written outside the export folder" || bad "nothing written outside the export folder"
printf '[study]\npath = s.db\nrecordings = rec\n[ask k]\nengine = kinematic\nparam.nope = 3\n' > "$T/bad4.ini"
cp -r "$T/rec" "$T/rec4" 2>/dev/null
expect "unknown kinematic parameter" 2 "$SEMIO" run --only ask "$T/bad4.ini"
has "unknown parameter named" "$T/err" "'nope=3'"

# ---- the kinematic engine on seeds no threshold was set on ----
for seed in 404 8128; do
  "$SEMIO" phantom -o "$T/s$seed" --videos 10 --patients 5 --seed $seed --size 320x180 --seconds 24 >/dev/null 2>&1
  "$SEMIO" ingest --study "$T/s$seed.db" --labels "$T/s$seed/labels.csv" "$T/s$seed" >/dev/null 2>&1
  "$SEMIO" segment --study "$T/s$seed.db" >/dev/null
  "$SEMIO" enhance --study "$T/s$seed.db" --view audio >/dev/null
  "$SEMIO" ask --study "$T/s$seed.db" --run kin --engine kinematic >/dev/null 2>&1
  "$SEMIO" eval --study "$T/s$seed.db" --rules binary --resamples 100 --format csv -o "$T/s$seed.csv" >/dev/null 2>&1
done
/usr/bin/python3 - "$T/s404.csv" "$T/s8128.csv" > "$T/f1" <<'PY'
import csv, sys
rows = []
for p in sys.argv[1:]:
    rows += [r for r in csv.DictReader(open(p)) if r["run"] == "kin" and r["metric"] == "f1"]
f1 = {}
for r in rows:
    s = r["sign"]
    if s.startswith("macro") or int(r["positives"]) == 0:
        continue  # F1 is undefined without a positive recording
    f1.setdefault(s, []).append(float(r["value"]))
vals = []
for s, v in sorted(f1.items()):
    v = [x for x in v if x is not None]
    print("  %-26s F1 %s" % (s, " / ".join("%.2f" % x for x in v) or "n/a"))
    vals += v
print("macro %.3f" % (sum(vals) / len(vals)))
PY
cat "$T/f1"
macro=$(awk '/^macro/ {print $2}' "$T/f1")
awk "BEGIN { exit !($macro >= 0.7) }" && ok "kinematic engine: macro F1 $macro on unseen seeds (>= 0.7)" \
  || bad "kinematic engine macro F1" "$macro"

finish
