#!/bin/sh
# The review app (semio serve) in a real browser: Debian's Chromium, headless, driven by
# playwright-core (scripts/fetch-playwright) through tests/browser.mjs. A study of two
# recordings, two runs answered by tests/fake_openai.py (one run's justifications are
# markup), two raters and two rounds (one blinded); the browser logs in by the link, plays a
# window, seeks by the strip, rates five items by keyboard, undoes, reloads, reads the
# blinded round as the second rater, and labels a recording. Screenshots go to $T/shots
# (kept with KEEP=1; SHOTS=DIR puts them in DIR). Usage: tests/test_browser.sh SEMIO
set -u
SEMIO=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PLAYWRIGHT=$ROOT/third_party/playwright
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
MKCLIP=$(dirname "$SEMIO")/../tests/mkclip
T=$(mktemp -d)
trap cleanup EXIT
. "$HERE/lib.sh"
nothing() { skip "the review app in a real browser: $1"; finish; exit; }
built serve || nothing "semio was built without meson feature 'serve' (libmicrohttpd-dev)"
[ -x "$CHROMIUM" ] || nothing "no $CHROMIUM (apt-get install chromium)"
[ -f "$PLAYWRIGHT/index.mjs" ] || nothing "no playwright-core in third_party/playwright/ (scripts/fetch-playwright)"
command -v node >/dev/null || nothing "no node (apt-get install nodejs)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
  nothing "playwright-core needs node 20 or later, this is $(node --version)"
SHOTS=${SHOTS:-$T/shots}
mkdir -p "$SHOTS" "$T/rec"

# the study: two 10 s recordings, windows of 4 s, 4 frames each, two runs of two signs
sampled_study
start_fake_openai api
for run in gpt-run qwen-run; do
  "$SEMIO" ask --study "$S" --run $run --url "http://127.0.0.1:$PORT_api/v1" \
    --model test-vlm --signs tonic,clonic > /dev/null 2> "$T/err"
done
# a model's justification is untrusted text: one run's are markup that runs if parsed
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("UPDATE answers SET justification = ? WHERE run_id = (SELECT id FROM runs WHERE name = ?)", ("<img src=x onerror=alert(1)>", "qwen-run")); c.commit()' "$S"
"$SEMIO" rounds --study "$S" add open --run gpt-run,qwen-run --items 12 > /dev/null 2> "$T/err"
"$SEMIO" rounds --study "$S" add blind --run gpt-run,qwen-run --items 12 --blind > /dev/null 2>> "$T/err"
check "the study: 24 answers, two rounds of 12" test "$(python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("SELECT (SELECT count(*) FROM answers) || \" \" || (SELECT count(*) FROM round_items)").fetchone()[0])' "$S")" = "24 24"

: > "$T/serve.log"
"$SEMIO" serve --study "$S" --listen 127.0.0.1:0 > "$T/serve.log" 2>&1 &
SERVE=$!
PIDS="$PIDS $SERVE"
n=0; while ! grep -q '^semio serve: ' "$T/serve.log" && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
URL=$(sed -n '1s|^semio serve: .* on \(http://127\.0\.0\.1:[0-9]*\) (Ctrl-C stops)$|\1|p' "$T/serve.log")
if [ -z "$URL" ]; then bad "semio serve starts" "$(cat "$T/serve.log")"; finish; exit; fi
ok "semio serve starts on a free port"
# links for this server's address, made while it runs
link() { "$SEMIO" raters --study "$S" add "$1" --url "$URL" | grep -o "$URL/login?key=[A-Za-z0-9_-]*"; }
LINK_A=$(link "Dr Ada") LINK_B=$(link "Dr Ben")
check "two raters' login links for the server's address" test -n "$LINK_A" -a -n "$LINK_B"

SEMIO_URL=$URL LINK_A=$LINK_A LINK_B=$LINK_B STUDY=$S SHOTS=$SHOTS PLAYWRIGHT=$PLAYWRIGHT \
  CHROMIUM=$CHROMIUM node "$HERE/browser.mjs" > "$T/browser.out" 2>&1
rc=$?
while IFS= read -r line; do
  case $line in
    "ok - "*) ok "${line#ok - }" ;;
    "FAIL - "*) bad "${line#FAIL - }" ;;
    "browser: done") ;;
    *) echo "$line" ;;
  esac
done < "$T/browser.out"
grep -qx 'browser: done' "$T/browser.out" || bad "the browser script ran to its end (exit $rc)"
# stopped as a service manager stops it: under --sanitize its exit is where leaks are said
kill -TERM "$SERVE"
wait "$SERVE"
rc=$?
if [ $rc -eq 0 ] && [ "$(wc -l < "$T/serve.log")" -eq 1 ]; then
  ok "semio serve stops on SIGTERM, having said nothing but its address"
else
  bad "semio serve stops on SIGTERM, having said nothing but its address" "exit $rc" "$(tail -c 1500 "$T/serve.log")"
fi
finish
