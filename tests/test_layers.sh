#!/bin/sh
# The library's floors point one way: a file includes headers of its own floor or a lower
# one, never a higher one, and only the stages reach the study's database. Reads every
# #include "..." of src/ and include/semio/. Usage: tests/test_layers.sh [SEMIO] (ignored:
# this test reads the sources, not the binary).
#
#   7 top       semio/semio.h, the one include of everything (for users, not the library)
#   6 report    src/report          tables and the HTML page, from an evaluation
#     review    src/review          raters, ratings, the judge (in the study, as the stages)
#     search    src/search          the prompt search (in the study, as the stages)
#   5 stages    src/stages          the pipeline's drivers: read the study, call the rest, store
#   4 enhance   src/enhance         views and keypoints       \
#     engine    src/engine          answering questions        |  peers, on memory only:
#     eval      src/eval            metrics over tables        |  the study is not theirs
#     phantom   src/phantom         the phantom study          |
#     learn     src/learn           features, learners, folds /
#   3 study     src/study           the SQLite database: schema, open/close, labels, status
#   2 formats   src/formats         the pilot's files: label CSV, cells, patient rule, signs
#   1 media     src/media           video and audio in and out
#   0 util      src/util            errors, files, CSV, the clock
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

# floor_of PATH: "NUMBER NAME" of a source file or public header; nothing if it has none.
floor_of() {
  case $1 in
    src/util/*|include/semio/common.h|semio_config.h) echo "0 util" ;;
    src/media/*|include/semio/audio.h|include/semio/image.h|include/semio/probe.h|\
    include/semio/sampler.h|include/semio/writer.h|include/semio/clip.h) echo "1 media" ;;
    src/formats/*|include/semio/signs.h|include/semio/answer.h) echo "2 formats" ;;
    src/study/*|include/semio/study.h) echo "3 study" ;;
    src/enhance/*|include/semio/pose.h|include/semio/face.h) echo "4 enhance" ;;
    src/engine/*|include/semio/engine.h|include/semio/kinematic.h) echo "4 engine" ;;
    src/eval/*|include/semio/eval.h) echo "4 eval" ;;
    src/phantom/*|include/semio/phantom.h) echo "4 phantom" ;;
    src/learn/*|include/semio/learn.h) echo "4 learn" ;;
    src/stages/*|include/semio/stages.h) echo "5 stages" ;;
    src/report/*|include/semio/report.h) echo "6 report" ;;
    src/review/*|src/serve/*|include/semio/review.h) echo "6 review" ;;
    src/search/*|include/semio/search.h) echo "6 search" ;;
    include/semio/semio.h) echo "7 top" ;;
  esac
}

# resolve FILE NAME: the path that #include "NAME" in FILE reaches (the compiler's order:
# the file's own folder, then -Iinclude and -Isrc); semio_config.h is made by meson.
resolve() {
  for p in "$(dirname "$1")/$2" "include/$2" "src/$2"; do
    [ -f "$p" ] && { echo "$p"; return; }
  done
  [ "$2" = semio_config.h ] && echo semio_config.h
}

sources=$(find src include/semio -type f \( -name '*.c' -o -name '*.h' -o -name '*.cpp' \) | sort)

# Every file has a floor: a new folder or public header is placed here first.
unplaced=""
for f in $sources; do [ -n "$(floor_of "$f")" ] || unplaced="$unplaced $f"; done
if [ -z "$unplaced" ]; then ok "every source file and public header has a floor"
else bad "files without a floor (add them to floor_of in $0)" $unplaced; fi

# One check per folder: no include from a higher floor.
for group in $(for f in $sources; do dirname "$f"; done | sort -u); do
  problems=""
  for f in $sources; do
    [ "$(dirname "$f")" = "$group" ] || continue
    set -- $(floor_of "$f")
    [ $# -eq 2 ] || continue
    mine=$1 myname=$2
    lines=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
            sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/')
    while read -r line name; do
      [ -n "$name" ] || continue
      target=$(resolve "$f" "$name")
      if [ -z "$target" ]; then
        problems="$problems|$f:$line includes \"$name\", which is not in the tree"
        continue
      fi
      set -- $(floor_of "$target")
      if [ $# -eq 2 ] && [ "$1" -gt "$mine" ]; then
        problems="$problems|$f:$line ($myname, floor $mine) includes $name ($2, floor $1)"
      fi
    done <<EOF
$lines
EOF
  done
  if [ -z "$problems" ]; then ok "$group: no include from a higher floor"
  else
    IFS='|'; set -- $problems; unset IFS
    shift
    bad "$group: includes from a higher floor" "$@"
  fi
done

# The database belongs to the study floor and what drives it from above (the stages, the
# review and its app): the floors beside and below them get their tables handed over and
# never open SQLite or study/ headers.
problems=""
for f in $sources; do
  case $f in src/study/*|src/stages/*|src/review/*|src/serve/*|src/search/*|include/semio/*) continue ;; esac
  hits=$(grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*(<sqlite3\.h>|"study/)' "$f")
  [ -z "$hits" ] || problems="$problems|$(printf '%s' "$hits" | sed "s|^|$f:|" | tr '\n' '|')"
done
if [ -z "$problems" ]; then ok "only src/study, src/stages, src/review, src/serve and src/search include sqlite3.h or study/ headers"
else
  IFS='|'; set -- $problems; unset IFS
  shift
  bad "the study's database reached from below src/study's users" "$@"
fi

finish
