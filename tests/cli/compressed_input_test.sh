#!/usr/bin/env bash
# Compressed inputs cannot be read again at verification: `scan` keeps their texts in its
# temporary file, as they are or zstd-compressed (--compress-temp). Either way the findings are
# those of the plain files. Usage: compressed_input_test.sh PATH/TO/naql (run from the repo root).
set -uo pipefail
source tests/cli/testlib.sh "$@"

mkdir -p "$tmp/seeds"
for file in fixtures/seeds/*.txt; do
  gzip -c "$file" >"$tmp/seeds/$(basename "$file").gz"
done

mask() { sed -E 's/"seconds":[0-9.e+-]+/"seconds":0/'; }
"$naql" scan --format jsonl fixtures/seeds 2>"$tmp/err" | mask >"$tmp/plain.jsonl"
grep -q '"type":"pair"' "$tmp/plain.jsonl" || fail "no pair found in fixtures/seeds"
for flags in "" "--compress-temp"; do
  # shellcheck disable=SC2086  # $flags is empty or one flag
  "$naql" scan $flags --format jsonl "$tmp/seeds" 2>"$tmp/err" |
    mask | sed "s|$tmp/seeds/\([^/\"]*\)\.txt\.gz|fixtures/seeds/\1.txt|g" >"$tmp/gz.jsonl"
  code=${PIPESTATUS[0]}
  [[ "$code" == 0 ]] || fail "scan $flags of .txt.gz files exited $code: $(cat "$tmp/err")"
  if ! cmp -s "$tmp/plain.jsonl" "$tmp/gz.jsonl"; then
    difference=$(diff "$tmp/plain.jsonl" "$tmp/gz.jsonl" | head -c 300)
    fail "scan $flags of .txt.gz files differs from the plain files: $difference"
  fi
done
finish "compressed input"
