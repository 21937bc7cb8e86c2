#!/usr/bin/env bash
# Bad input never crashes and never goes unreported: each case checks the exit code and that
# stderr names the file (and line). Usage: errors_test.sh PATH/TO/naql (run from the repo root).
set -uo pipefail
naql="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect CODE PATTERN -- ARGS...: runs naql ARGS, checks the exit code and that stderr matches.
expect() {
  local code="$1" pattern="$2"
  shift 3
  "$naql" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local got=$?
  if [[ "$got" != "$code" ]] || ! grep -Eq -- "$pattern" "$tmp/err"; then
    echo "FAIL: naql $* → exit $got (expected $code), stderr:" >&2
    sed 's/^/    /' "$tmp/err" >&2
    failures=$((failures + 1))
  fi
}

printf '{"id":"a","text":"قال وزير الخارجية إن المحادثات ستستأنف الأسبوع المقبل في العاصمة"}\n{"id":"b",\n{"text":"لا معرف"}\n{"id":"a","text":"مكرر"}\n' >"$tmp/bad.jsonl"
printf '' >"$tmp/empty.txt"
printf 'abc\000def \xff\xfe نص' >"$tmp/binary.txt"
mkdir -p "$tmp/dir.txt"

expect 2 "nonexistent.*(No such file|not found)" -- scan "$tmp/nonexistent.jsonl"
expect 2 "nonexistent" -- scan --strict "$tmp/nonexistent.jsonl" fixtures/seeds
expect 0 "nonexistent" -- scan "$tmp/nonexistent.jsonl" fixtures/seeds
expect 1 "bad.jsonl:2" -- scan "$tmp/bad.jsonl"
expect 1 "bad.jsonl:3.*text|bad.jsonl:3.*id" -- scan "$tmp/bad.jsonl"
expect 1 "bad.jsonl:4.*duplicate" -- scan "$tmp/bad.jsonl"
expect 2 "bad.jsonl:2" -- scan --strict "$tmp/bad.jsonl"
expect 2 "empty.txt.*empty" -- scan --strict "$tmp/empty.txt"
expect 2 "no article could be read" -- scan "$tmp/empty.txt"
expect 1 "" -- scan "$tmp/binary.txt" "$tmp/bad.jsonl"
expect 2 "dir.txt" -- scan --strict "$tmp/dir.txt/"
expect 2 "subcommand is required" -- 
expect 2 "format" -- scan --format xml fixtures/seeds
expect 2 "min-words" -- scan --min-words 3 fixtures/seeds
expect 2 "temporary file in $tmp/no-such-dir.*--temp-dir" -- scan --temp-dir "$tmp/no-such-dir" fixtures/seeds
TMPDIR="$tmp/no-such-dir" expect 2 "temporary file in $tmp/no-such-dir" -- scan fixtures/seeds
expect 2 "temporary file in $tmp/no-such-dir.*--temp-dir" -- \
  quotes --temp-dir "$tmp/no-such-dir" fixtures/seeds
expect 2 "no article with id 'zzz'" -- compare --in fixtures/seeds zzz fixtures/seeds/000_99452b6767717ae0.txt
expect 0 "" -- normalize "$tmp/binary.txt"

# A closed pipe ends quietly with status 0.
for i in 1 2 3 4; do cat fixtures/seeds/*.txt; done >/dev/null
"$naql" scan --format jsonl fixtures/seeds 2>"$tmp/err" | head -c 10 >/dev/null
codes=("${PIPESTATUS[@]}")
if [[ "${codes[0]}" != 0 ]] || [[ -s "$tmp/err" ]]; then
  echo "FAIL: closed pipe → exit ${codes[0]}, stderr: $(cat "$tmp/err")" >&2
  failures=$((failures + 1))
fi

# Stdin: JSONL for scan, plain text for normalize.
out=$(printf 'أَكَّدَ وزيرُ الدفاعِ الأميركيّ ﻻ ١٢٣\n' | "$naql" normalize)
if [[ "$out" != "اكد وزير الدفاع الاميركي لا 123" ]]; then
  echo "FAIL: normalize stdin gave '$out'" >&2
  failures=$((failures + 1))
fi

echo "$((failures == 0 ? 1 : 0)) passed, $failures failed: errors_test"
exit $((failures > 0))
