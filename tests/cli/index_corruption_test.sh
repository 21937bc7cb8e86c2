#!/usr/bin/env bash
# A damaged index seen from the command line: a truncated or bit-flipped segment or MANIFEST makes
# every command that reads it (stats, query, add, compact) exit 2 with a message naming the file,
# and never print results read from it. Also: two `naql index add` started together on one index
# are serialized or the second is refused (exit 2, naming DIR/LOCK), never both half-applied; and
# `add` with a fingerprint flag that differs from the index's is refused naming the flag.
#
#   tests/cli/index_corruption_test.sh path/to/naql     (from the repository root; ctest runs it)
#
# NAQL_TEST_SEED sets the seed of the flipped bytes (printed on failure).
set -uo pipefail

naql="${1:?usage: index_corruption_test.sh path/to/naql}"
seed="${NAQL_TEST_SEED:-20261123}"
RANDOM=$((seed % 32768))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "index_corruption_test: FAIL (seed $seed): $*" >&2
  exit 1
}

command -v python3 >/dev/null || { echo "index_corruption_test: skipped (no python3)"; exit 0; }

# flip FILE OFFSET: xor one bit of the byte at OFFSET (negative: from the end).
flip() {
  python3 - "$1" "$2" "$((RANDOM % 8))" <<'EOF'
import sys
path, offset, bit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = bytearray(open(path, 'rb').read())
data[offset] ^= 1 << bit
open(path, 'wb').write(bytes(data))
EOF
}

input=fixtures/seeds
[[ -d $input ]] || fail "no fixtures/seeds (run from the repository root)"
pristine="$work/pristine"
"$naql" index create -q "$pristine" "$input" || fail "create"
segment=$(cd "$pristine" && ls seg-*.nqs | head -n 1)
[[ -n $segment ]] || fail "no segment in the new index"
size=$(stat -c %s "$pristine/$segment")
msize=$(stat -c %s "$pristine/MANIFEST")
query_input=$(ls "$input"/*.txt | head -n 1)

# expect_corrupt NAME FILE: every command on $work/NAME exits 2 naming FILE, with empty stdout.
expect_corrupt() {
  local name=$1 file=$2 dir="$work/$1" cmd out err code
  for cmd in stats query add compact; do
    case $cmd in
      stats) args=(index stats "$dir") ;;
      query) args=(index query "$dir" "$query_input") ;;
      add) args=(index add -q "$dir" "$query_input") ;;
      compact) args=(index compact -q "$dir") ;;
    esac
    out=$("$naql" "${args[@]}" 2>"$work/err")
    code=$?
    err=$(cat "$work/err")
    ((code == 2)) || fail "$name, $cmd: exit $code, expected 2 (stderr: $err)"
    [[ -z $out ]] || fail "$name, $cmd: printed results from a corrupt index: $out"
    grep -qF "$dir/$file" <<<"$err" || fail "$name, $cmd: the message does not name $dir/$file: $err"
  done
}

# damage NAME: a fresh copy of the pristine index in $work/NAME.
damage() {
  rm -rf "${work:?}/$1"
  cp -r "$pristine" "$work/$1"
  rm -f "$work/$1/LOCK"
}

damage truncated_segment
truncate -s $((size / 2)) "$work/truncated_segment/$segment"
expect_corrupt truncated_segment "$segment"

damage short_segment
truncate -s $((size - 1)) "$work/short_segment/$segment"
expect_corrupt short_segment "$segment"

# Bytes checked when the index opens: the header, the table sections, the directory and footer.
for offset in 0 20 50 $((RANDOM % 60 + 96)) -1 -20 -100 -250; do
  name="flipped_segment_${offset#-}"
  damage "$name"
  flip "$work/$name/$segment" "$offset"
  expect_corrupt "$name" "$segment"
done

damage truncated_manifest
truncate -s $((msize - 8)) "$work/truncated_manifest/MANIFEST"
expect_corrupt truncated_manifest MANIFEST

for offset in 9 16 40 $((RANDOM % (msize - 96) + 96)) -1; do
  name="flipped_manifest_${offset#-}"
  damage "$name"
  flip "$work/$name/MANIFEST" "$offset"
  expect_corrupt "$name" MANIFEST
done

damage missing_segment
rm "$work/missing_segment/$segment"
expect_corrupt missing_segment "$segment"

# A flipped byte anywhere, compressed texts included, is found by the full checksum pass of stats.
for ((i = 0; i < 6; i++)); do
  offset=$((RANDOM * 32768 % size + RANDOM % size))
  offset=$((offset % size))
  name="flipped_anywhere_$offset"
  damage "$name"
  flip "$work/$name/$segment" "$offset"
  out=$("$naql" index stats "$work/$name" 2>"$work/err")
  code=$?
  ((code == 2)) || fail "$name: stats exit $code, expected 2"
  grep -qF "$work/$name/$segment" "$work/err" || fail "$name: $(cat "$work/err")"
done

# The pristine copy is still fine (the damage was done to copies).
"$naql" index stats -q "$pristine" >/dev/null || fail "pristine index does not verify"

# Two adds started together: each either succeeds or is refused naming the lock, and the index
# ends with exactly the documents of the adds that succeeded.
make_batch() {  # make_batch K FILE: 300 small articles with ids kK-i
  python3 - "$1" "$2" <<'EOF'
import json, sys
k, path = sys.argv[1], sys.argv[2]
with open(path, 'w', encoding='utf-8') as out:
    for i in range(300):
        text = ' '.join('كلمة%d_%s_%d' % (j, k, i) for j in range(60))
        out.write(json.dumps({'id': 'k%s-%d' % (k, i), 'text': text}, ensure_ascii=False) + '\n')
EOF
}
race="$work/race"
"$naql" index create -q "$race" || fail "create race index"
for round in 1 2 3; do
  make_batch "${round}a" "$work/a.jsonl"
  make_batch "${round}b" "$work/b.jsonl"
  before=$("$naql" index stats --format jsonl --no-verify "$race" | grep -o '"documents":[0-9]*' |
    head -n 1 | grep -o '[0-9]*$')
  "$naql" index add -q --threads 1 "$race" "$work/a.jsonl" 2>"$work/err_a" &
  pa=$!
  "$naql" index add -q --threads 1 "$race" "$work/b.jsonl" 2>"$work/err_b" &
  pb=$!
  wait "$pa"
  ca=$?
  wait "$pb"
  cb=$?
  expected=$before
  for x in a b; do
    code=$ca
    [[ $x == b ]] && code=$cb
    if ((code == 0)); then
      expected=$((expected + 300))
    elif ((code == 2)); then
      grep -q "LOCK: the index is locked by another writer" "$work/err_$x" ||
        fail "race $round: add $x refused without naming the lock: $(cat "$work/err_$x")"
    else
      fail "race $round: add $x exit $code: $(cat "$work/err_$x")"
    fi
  done
  ((ca == 0 || cb == 0)) || fail "race $round: both adds refused"
  now=$("$naql" index stats --format jsonl "$race" | grep -o '"documents":[0-9]*' | head -n 1 |
    grep -o '[0-9]*$') || fail "race $round: index unreadable"
  ((now == expected)) || fail "race $round: $now documents, expected $expected"
done

# A fingerprint flag that differs from the index's is refused, naming the flag.
for flag in "--num-perm 64" "--shingle 4" "--min-words 12" "--threshold 0.8"; do
  # shellcheck disable=SC2086
  err=$("$naql" index add -q $flag "$race" "$work/a.jsonl" 2>&1 >/dev/null)
  code=$?
  ((code == 2)) || fail "add $flag: exit $code, expected 2"
  name=${flag%% *}
  [[ $name == --threshold ]] && name="--threshold"
  grep -qF -- "$name" <<<"$err" || fail "add $flag: the message does not name $name: $err"
done
echo "index_corruption_test: ok"
