#!/usr/bin/env bash
# `naql index create --texts reference`: the index keeps where each text is in its input instead
# of a copy. Checks that it is smaller, says so in `stats`, answers queries exactly as a copying
# index does (also after `compact`), and that a changed or moved input makes `query` and `stats`
# exit 2 with a message naming the input file, never print results built from other text.
#
#   tests/cli/index_reference_test.sh path/to/naql     (from the repository root; ctest runs it)
set -uo pipefail

naql="${1:?usage: index_reference_test.sh path/to/naql}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "index_reference_test: FAIL: $*" >&2
  exit 1
}

[[ -d fixtures/seeds ]] || fail "no fixtures/seeds (run from the repository root)"
mkdir -p "$work/crawl"
cp fixtures/seeds/*.txt "$work/crawl/"
# A second input kind: the same articles as JSON Lines under other ids.
python3 - "$work/crawl" >"$work/crawl/again.jsonl" <<'EOF' || fail "cannot write JSON Lines"
import json, os, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if name.endswith('.txt'):
        text = open(os.path.join(d, name), encoding='utf-8').read()
        print(json.dumps({"id": "again-" + name, "text": text}, ensure_ascii=False))
EOF
query="$work/query.txt"
cp fixtures/seeds/001_*.txt "$query"

"$naql" index create -q "$work/copy" "$work/crawl" || fail "create --texts copy"
"$naql" index create -q --texts reference "$work/ref" "$work/crawl" 2>"$work/err" ||
  fail "create --texts reference: $(cat "$work/err")"

# stored_texts DIR: the bytes the index spends on texts (ids and metadata remain).
stored_texts() {
  "$naql" index stats --format jsonl "$1" | grep -o '"stored_text_bytes":[0-9]*' | head -n 1 | cut -d: -f2
}
copy_bytes=$(stored_texts "$work/copy")
ref_bytes=$(stored_texts "$work/ref")
((ref_bytes * 10 < copy_bytes)) || fail "the referencing index stores $ref_bytes bytes of texts, the copy $copy_bytes"
"$naql" index stats "$work/ref" >"$work/stats" || fail "stats"
grep -q "(10 of 10 texts read from their input files)" "$work/stats" ||
  fail "stats does not say the texts are referenced: $(cat "$work/stats")"

# strip_seconds: the summary's timing differs from run to run.
strip_seconds() { sed -E 's/"seconds":[0-9.]+/"seconds":0/'; }
"$naql" index query --format jsonl "$work/copy" "$query" | strip_seconds >"$work/expected"
[[ -s $work/expected ]] || fail "the copying index found nothing"
"$naql" index query --format jsonl "$work/ref" "$query" | strip_seconds >"$work/got"
cmp -s "$work/expected" "$work/got" || fail "query results differ: $(diff "$work/expected" "$work/got" | head -5)"

"$naql" index add -q "$work/ref" "$query" || fail "add"
"$naql" index compact -q "$work/ref" || fail "compact"
"$naql" index stats "$work/ref" | grep -q "(10 of 11 texts read from their input files)" ||
  fail "compact did not keep the references: $("$naql" index stats "$work/ref")"

# expect_error WHAT PATTERN...: query and stats exit 2, print nothing, and say every PATTERN.
expect_error() {
  local what=$1 pattern cmd out code
  shift
  for cmd in query stats; do
    if [[ $cmd == query ]]; then
      out=$("$naql" index query --format jsonl "$work/ref" "$query" 2>"$work/err")
    else
      out=$("$naql" index stats "$work/ref" 2>"$work/err")
    fi
    code=$?
    ((code == 2)) || fail "$what, $cmd: exit $code, expected 2 (stderr: $(cat "$work/err"))"
    [[ -z $out ]] || fail "$what, $cmd: printed results: $out"
    for pattern in "$@"; do
      grep -qF -- "$pattern" "$work/err" || fail "$what, $cmd: no \"$pattern\" in: $(cat "$work/err")"
    done
  done
}

# A changed input: one letter of an article replaced, same length.
victim=$(ls "$work"/crawl/003_*.txt)
victim_abs=$(realpath "$victim")
cp "$victim" "$work/saved"
python3 - "$victim" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
i = b.index('ا'.encode())
b[i + 1] += 1
open(p, 'wb').write(bytes(b))
EOF
expect_error "changed input" "$victim_abs), which changed since it was indexed"

# A moved input.
mv "$work/saved" "$victim"
crawl_abs=$(realpath "$work/crawl")
mv "$work/crawl" "$work/moved"
expect_error "moved input" "$crawl_abs/" ": No such file or directory"
mv "$work/moved" "$work/crawl"
"$naql" index stats "$work/ref" >/dev/null || fail "stats after restoring the input"
exit 0
