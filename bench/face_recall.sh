#!/bin/sh
# Recall of the face-detector candidates on real faces at the angles of a patient lying in
# bed: Debian's astronaut.png (python3-skimage), messi5.jpg (opencv-doc) and the first 30
# faces of python3-skimage's lfw_subset (Labeled Faces in the Wild, 25x25, shown at 100x100),
# turned by -90..90 degrees: dlib upright and with turned copies, BlazeFace (built in where
# scripts/fetch-blazeface ran before the build), and OpenCV's Haar cascade (the peer), in
# the same run. The true face is marked by hand on the upright picture (centre and size;
# LFW's crops are the face) and turned with it; a detection counts when its centre lies
# within half a face of it. Needs scripts/install-deps --bench.
# Usage: bench/face_recall.sh [build dir]
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 - "$T" <<'PY'
import cv2, json, math, sys
import numpy as np
T = sys.argv[1]
haar = cv2.CascadeClassifier("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml")
# (file, face centre x, y, size) marked by hand
srcs = {"astronaut": ("/usr/lib/python3/dist-packages/skimage/data/astronaut.png", 223, 114, 97),
        "messi": ("/usr/share/doc/opencv-doc/examples/data/messi5.jpg", 228, 88, 36)}
lfw = np.load("/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy")[:30]
for i, face in enumerate(lfw):
    canvas = np.full((240, 240), 128, "uint8")
    canvas[70:170, 70:170] = cv2.resize((face * 255).astype("uint8"), (100, 100),
                                        interpolation=cv2.INTER_CUBIC)
    srcs["lfw%02d" % i] = (cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR), 120, 120, 100)
truth = {}
for name, (path, fx, fy, fs) in srcs.items():
    im = cv2.imread(path) if isinstance(path, str) else path
    x, y, w, h = fx - fs / 2, fy - fs / 2, fs, fs
    H, W = im.shape[:2]
    for a in (-90, -60, -45, -30, 0, 30, 45, 60, 90):
        M = cv2.getRotationMatrix2D((W / 2, H / 2), a, 1.0)
        c, s = abs(M[0, 0]), abs(M[0, 1])
        nw, nh = int(H * s + W * c), int(H * c + W * s)
        M[0, 2] += nw / 2 - W / 2
        M[1, 2] += nh / 2 - H / 2
        out = cv2.warpAffine(im, M, (nw, nh), borderValue=(200, 200, 200))
        cx, cy = M @ [x + w / 2, y + h / 2, 1]
        f = "%s/%s_%+03d.jpg" % (T, name, a)
        cv2.imwrite(f, out, [cv2.IMWRITE_JPEG_QUALITY, 92])
        truth[f] = (cx, cy, w)
        # the peer: Haar on the same turned picture
        g = haar.detectMultiScale(cv2.cvtColor(out, cv2.COLOR_BGR2GRAY), 1.1, 3, minSize=(20, 20))
        truth[f] += (any(math.hypot(fx + fw / 2 - cx, fy + fh / 2 - cy) < w / 2 for fx, fy, fw, fh in g),)
json.dump(truth, open(T + "/truth.json", "w"))
PY
"$dir/bench/face_detect" "$T"/*.jpg > "$T/upright.txt" 2> "$T/upright.err"
"$dir/bench/face_detect" --turns "$T"/*.jpg > "$T/turns.txt" 2> "$T/turns.err"
"$dir/bench/face_detect" --detector blazeface "$T"/*.jpg > "$T/blazeface.txt" 2> "$T/blazeface.err" ||
  { echo "(BlazeFace not built: run scripts/fetch-blazeface, then rebuild)" >&2; rm -f "$T/blazeface.txt"; }
/usr/bin/python3 - "$T" <<'PY'
import json, math, sys
T = sys.argv[1]
truth = json.load(open(T + "/truth.json"))
def hits(path):
    found = {}
    for line in open(path):
        f, x, y, w, h, score, angle = line.split()
        found.setdefault(f, []).append((float(x) + float(w) / 2, float(y) + float(h) / 2))
    return {f: any(math.hypot(px - cx, py - cy) < s / 2 for px, py in found.get(f, []))
            for f, (cx, cy, s, _) in truth.items()}
import os
runs = [("dlib upright", "upright"), ("dlib + turned", "turns"), ("BlazeFace", "blazeface")]
runs = [(name, hits("%s/%s.txt" % (T, f))) for name, f in runs if os.path.exists("%s/%s.txt" % (T, f))]
runs.append(("OpenCV Haar (peer)", {f: v[3] for f, v in truth.items()}))
angles = sorted({int(f.rsplit("_", 1)[1][:-4]) for f in truth})
print("%d pictures: %d faces, each turned to %d angles" % (len(truth), len(truth) // 9, 9))
print("angle " + "".join("%20s" % name for name, _ in runs))
for a in angles:
    fs = [f for f in truth if int(f.rsplit("_", 1)[1][:-4]) == a]
    print("%+5d " % a + "".join("%20s" % ("%d/%d" % (sum(r[f] for f in fs), len(fs))) for _, r in runs))
n = len(truth)
peer = sum(runs[-1][1].values()) / n
print("recall: " + ", ".join("%s %.2f" % (name, sum(r.values()) / n) for name, r in runs) +
      "; against the peer: " + ", ".join("%s %.1fx" % (name, (sum(r.values()) / n) / peer)
                                         for name, r in runs[:-1]))
PY
echo "time per picture: dlib upright$(tail -1 "$T/upright.err" | cut -d: -f2), dlib with turned copies$(tail -1 "$T/turns.err" | cut -d: -f2)$([ -f "$T/blazeface.err" ] && echo ", BlazeFace$(tail -1 "$T/blazeface.err" | cut -d: -f2)")"
