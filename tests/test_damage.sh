#!/bin/sh
# A study that is missing, read-only or damaged: commands that only use a study never
# create one, status reads a study in a folder semio may not write, and a damaged study
# is refused by every command (nothing written into it), checked fully by status --check,
# and copied by semio recover into a new, sound study. Usage: tests/test_damage.sh SEMIO
set -u
SEMIO=$(realpath "$1")
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
rows() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(*[c.execute("SELECT count(*) FROM " + t).fetchone()[0] for t in ("videos", "segments", "samples", "frames")])' "$1"; }

mkdir -p "$T/rec"
"$MKCLIP" "$T/rec/P1@1-1-2024@R1@sz_v1.mp4" 90 64 48 > /dev/null || exit 1
"$MKCLIP" "$T/rec/P2@1-1-2024@R2@sz_v1.mp4" 90 64 48 > /dev/null || exit 1
S="$T/s.db"
"$SEMIO" ingest --study "$S" "$T/rec" > /dev/null 2>&1
"$SEMIO" segment --study "$S" --window 1 > /dev/null
"$SEMIO" sample --study "$S" --frames 2 > /dev/null 2>&1

# a mistyped study path: said, and no empty study made
for c in "status" "segment" "sample" "export --run r" "eval" "enhance --view audio" "ask --run r --engine kinematic"; do
  expect "$c on a missing study" 1 "$SEMIO" $c --study "$T/typo.db"
  has "$c says there is no such study" "$T/err" "typo.db: no such study"
done
[ ! -e "$T/typo.db" ] && ok "no study was created by mistake" || bad "no study was created by mistake"

# a study in a folder semio may not write (as an unprivileged user: root writes anywhere)
if command -v setpriv > /dev/null && [ "$(id -u)" = 0 ]; then
  mkdir "$T/ro" && cp "$S" "$T/ro/s.db" && chmod 755 "$T" && chmod 555 "$T/ro"
  setpriv --reuid=65534 --regid=65534 --clear-groups "$SEMIO" status --study "$T/ro/s.db" > "$T/out" 2> "$T/err"
  [ $? -eq 0 ] && grep -q "recordings: 2" "$T/out" && ok "status reads a study in a read-only folder" || bad "status reads a study in a read-only folder" "$(cat "$T/err")"
  setpriv --reuid=65534 --regid=65534 --clear-groups "$SEMIO" export --study "$T/ro/s.db" --run none > "$T/out" 2> "$T/err"
  grep -q "no run named 'none'" "$T/err" && ok "export reads it too (and names what is missing)" || bad "export reads it too" "$(cat "$T/err")"
else
  skip "read-only folders: needs root and setpriv to act as an unprivileged user"
fi

# damage: a page of the middle of the file overwritten with random bytes
cp "$S" "$T/good.db"
python3 - "$S" <<'PY'
import os, sqlite3, sys
path = sys.argv[1]
page = sqlite3.connect(path).execute("PRAGMA page_size").fetchone()[0]
root = sqlite3.connect(path).execute("SELECT rootpage FROM sqlite_master WHERE name = 'frames'").fetchone()[0]
with open(path, "r+b") as f:
    f.seek((root - 1) * page)
    f.write(os.urandom(page))
PY
before=$(md5sum < "$S")
for c in "status" "segment" "sample --frames 3" "export --run r" "eval" "ask --run r --engine kinematic"; do
  expect "$c refuses a damaged study" 1 "$SEMIO" $c --study "$S"
  has "$c says it is damaged and how to recover" "$T/err" "the study is damaged"
done
[ "$(md5sum < "$S")" = "$before" ] && ok "nothing was written into the damaged study" || bad "nothing was written into the damaged study"
expect "status --check finds the damage" 1 "$SEMIO" status --study "$S" --check
has "status --check lists it" "$T/out" "database disk image is malformed"
has "and says how to recover" "$T/out" "semio recover"
expect "status --check on a sound study" 0 "$SEMIO" status --study "$T/good.db" --check
expect "recover into a new study" 0 "$SEMIO" recover "$S" "$T/new.db"
expect "the recovered study is sound" 0 "$SEMIO" status --study "$T/new.db" --check
got=$(rows "$T/new.db"); want=$(rows "$T/good.db")
set -- $got; set -- $want
[ "$(echo "$got" | cut -d' ' -f1-3)" = "$(echo "$want" | cut -d' ' -f1-3)" ] && ok "recordings, segments and samples all came back ($got of $want)" || bad "rows came back" "$got vs $want"
expect "the recovered study works" 0 "$SEMIO" sample --study "$T/new.db" --frames 2
has "its frames are the old cache's" "$T/out" "0 segments done"
[ -L "$T/new.cache" ] && ok "its cache points at the old one" || bad "its cache points at the old one"
expect "recover will not overwrite" 1 "$SEMIO" recover "$S" "$T/new.db"
has "and says so" "$T/err" "already exists"

# a full disk: a 2 MiB tmpfs in a mount namespace of semio's own (root may mount; a user may
# where user namespaces are allowed), filled up. Every command says the device holding the
# study or its cache is full, never "disk I/O error" or that the study is damaged.
if unshare -m true 2> /dev/null; then ns="unshare -m"
elif unshare -rm true 2> /dev/null; then ns="unshare -rm"
else ns=""; fi
F="$T/fs"
mkdir -p "$F"
if [ -n "$ns" ] && $ns mount -t tmpfs -o size=2m tmpfs "$F" 2> /dev/null; then
  cat > "$T/full.sh" <<EOF
mount -t tmpfs -o size=2m tmpfs "$F" || exit 1
run() { name=\$1; shift; "\$@" > "$T/full.\$name.out" 2> "$T/full.\$name.err"; echo \$? > "$T/full.\$name.rc"; }
"$SEMIO" ingest --study "$F/s.db" "$T/rec" > /dev/null 2>&1 &&
  "$SEMIO" segment --study "$F/s.db" --window 1 > /dev/null || exit 1
# a study beside the filesystem, its cache on it
"$SEMIO" ingest --study "$T/c.db" "$T/rec" > /dev/null 2>&1 &&
  "$SEMIO" segment --study "$T/c.db" --window 1 > /dev/null || exit 1
mkdir "$F/c.cache" && ln -s "$F/c.cache" "$T/c.cache" || exit 1
dd if=/dev/zero of="$F/fill" bs=4k 2> /dev/null
run segment "$SEMIO" segment --study "$F/s.db" --window 2
run sample "$SEMIO" sample --study "$F/s.db" --frames 2
run status "$SEMIO" status --study "$F/s.db"
run new "$SEMIO" ingest --study "$F/new.db" "$T/rec"
run frames "$SEMIO" sample --study "$T/c.db" --frames 2
run audio "$SEMIO" enhance --study "$T/c.db" --view audio
EOF
  $ns sh "$T/full.sh" || bad "a full disk: the studies could not be set up"
  full=$(realpath "$F")
  for c in segment sample status new frames audio; do
    rc=$(cat "$T/full.$c.rc" 2> /dev/null)
    [ "$rc" = 1 ] && ok "$c on a full disk fails" || bad "$c on a full disk fails" "exit $rc"
    has "$c on a full disk names the full device" "$T/full.$c.err" "no space left on the device holding $full"
    if grep -qE "disk I/O error|damaged|or disk is full" "$T/full.$c.err"; then
      bad "$c on a full disk: no misleading words" "$(cat "$T/full.$c.err")"
    else ok "$c on a full disk: no misleading words"; fi
  done
  has "the study is named" "$T/full.segment.err" "$F/s.db: "
  # whichever recording a worker was writing first (sample runs a job per core)
  if grep -qE "/frames/v[0-9]+/n2-p602112-q90/f0000000\.jpg: cannot write: " "$T/full.frames.err"
  then ok "the frame is named"
  else bad "the frame is named" "$(head -c 600 "$T/full.frames.err")"; fi
  has "the view is named" "$T/full.audio.err" ".wav: cannot write: "
else
  skip "a full disk: needs a tmpfs of its own (unshare -m as root, or unshare -rm where user namespaces are allowed)"
fi
finish
