#!/usr/bin/env bash
# `naql compare --format html` writes one self-contained, right-to-left page for the pair, holding
# the passages of the JSONL output. (The browser test, tests/html_browser_test.cc, checks what the
# page draws; this one needs nothing but the shell.) Usage: compare_html_test.sh PATH/TO/naql (run
# from the repository root).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/testlib.sh" "$@"

a=fixtures/seeds/000_99452b6767717ae0.txt
b=fixtures/seeds/003_51295827b7bc72d8.txt
"$naql" compare "$a" "$b" --format jsonl >"$tmp/pair.jsonl" 2>"$tmp/err"
[[ $? == 0 ]] || fail "compare --format jsonl did not exit 0: $(cat "$tmp/err")"
"$naql" compare "$a" "$b" --format html >"$tmp/pair.html" 2>"$tmp/err"
code=$?
page="$tmp/pair.html"
[[ $code == 0 ]] || fail "compare --format html exited $code (expected 0): $(cat "$tmp/err")"
[[ -s "$tmp/err" ]] && fail "compare --format html wrote to stderr: $(cat "$tmp/err")"

# One whole page, right to left, that opens the pair.
head -n 1 "$page" | grep -q '^<!DOCTYPE html>' || fail "the page does not start with <!DOCTYPE html>"
tail -n 1 "$page" | grep -q '^</html>$' || fail "the page does not end with </html>"
grep -q '<html lang="ar" dir="rtl">' "$page" || fail 'no <html lang="ar" dir="rtl">'
grep -q 'data-open-first-pair="1"' "$page" || fail "the page does not open its pair"
grep -qF "<title>naql compare: $a ↔ $b</title>" "$page" || fail "the title does not name the pair"
pairs=$(grep -o '{"type":"pair"' "$page" | wc -l)
[[ $pairs == 1 ]] || fail "$pairs pair records in the page, expected 1"

# Self-contained: nothing fetched from the network (no src/href/url()/@import to a remote host,
# no <link>, no external script).
if grep -Eiq '(src|href|action)[[:space:]]*=[[:space:]]*["'"'"']?[[:space:]]*(https?:)?//' "$page"; then
  fail "the page refers to a remote resource: $(grep -Eio '(src|href|action)[^>]{0,80}' "$page" | head -n 3)"
fi
grep -Eiq 'url\([[:space:]]*["'"'"']?[[:space:]]*(https?:)?//' "$page" && fail "a CSS url() to the network"
grep -Eiq '@import|<link[[:space:]]|<script[^>]+src=' "$page" && fail "an @import, <link> or external script"

# The passages: the page embeds each article once and the spans as offsets; both must agree with
# the JSONL output. Every a_text/b_text of the JSONL (a JSON string; the page writes '<' as
# \u003c) occurs in the page's data, and the spans' offsets are the JSONL ones.
texts=$(grep -oE '"[ab]_text":"([^"\\]|\\.)*"' "$tmp/pair.jsonl" | sed -E 's/^"[ab]_text":"//; s/"$//')
count=0
while IFS= read -r text; do
  [[ -z "$text" ]] && continue
  count=$((count + 1))
  escaped=${text//</\\u003c}
  grep -qF -- "$escaped" "$page" || fail "passage not in the page: $text"
done <<<"$texts"
((count >= 6)) || fail "$count passage texts in the JSONL output, expected at least 6 (3 spans)"
offsets() { grep -oE '"a_begin":[0-9]+,"a_end":[0-9]+,"b_begin":[0-9]+,"b_end":[0-9]+' "$1"; }
if [[ "$(offsets "$tmp/pair.jsonl")" != "$(offsets "$page")" ]]; then
  fail "span offsets differ: jsonl $(offsets "$tmp/pair.jsonl" | tr '\n' ' ') html $(offsets "$page" | tr '\n' ' ')"
fi

# Articles that share nothing: still a page (exit 1), with no pair.
"$naql" compare "$a" fixtures/seeds/002_*.txt --format html >"$tmp/none.html" 2>"$tmp/err"
code=$?
[[ $code == 1 ]] || fail "compare of unrelated articles exited $code (expected 1)"
tail -n 1 "$tmp/none.html" | grep -q '^</html>$' || fail "no whole page when nothing is shared"
grep -q '{"type":"pair"' "$tmp/none.html" && fail "a pair record when nothing is shared"

finish "compare --format html"
