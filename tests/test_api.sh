#!/bin/sh
# The public API is what include/semio/ declares, and exactly that: libsemio exports every
# SEMIO_API function of the headers and nothing else (no internal helper, no data).
# Usage: tests/test_api.sh SEMIO (the library is found beside the command's build).
set -u
SEMIO=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIB=$(dirname "$SEMIO")/../src/libsemio.so
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

[ -f "$LIB" ] && ok "libsemio.so is built" || { bad "libsemio.so is built" "$LIB"; finish; exit; }
nm -D --defined-only "$LIB" | awk '$2 == "T" { print $3 }' | sort > "$T/exported"
nm -D --defined-only "$LIB" | awk '$2 ~ /^[BDGRSV]$/ { print $3 }' | grep -v '^_' | sort > "$T/data"
sed -n 's/^SEMIO_API .*\b\(semio_[a-z0-9_]*\) *(.*/\1/p' "$ROOT"/include/semio/*.h | sort -u > "$T/declared"
missing=$(comm -13 "$T/exported" "$T/declared" | tr '\n' ' ')
extra=$(comm -23 "$T/exported" "$T/declared" | tr '\n' ' ')
[ -s "$T/declared" ] && ok "the headers declare $(wc -l < "$T/declared") functions" || bad "the headers declare functions"
[ -z "$missing" ] && ok "every declared function is exported" || bad "every declared function is exported" "missing: $missing"
[ -z "$extra" ] && ok "nothing else is exported" || bad "nothing else is exported" "extra: $extra"
[ ! -s "$T/data" ] && ok "no data is exported" || bad "no data is exported" "$(tr '\n' ' ' < "$T/data")"
# every public function is declared once, in one header, with the macro
undeclared=$(grep -h '^[a-zA-Z].*\bsemio_[a-z0-9_]* *(' "$ROOT"/include/semio/*.h | grep -v '^SEMIO_API\|^typedef\|^#' | head -3)
[ -z "$undeclared" ] && ok "every declaration carries SEMIO_API" || bad "every declaration carries SEMIO_API" "$undeclared"
finish
