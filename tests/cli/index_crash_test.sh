#!/usr/bin/env bash
# Crash safety of `naql index add`: SIGKILL it at random moments, many times, and check after each
# kill that the index opens, passes a full checksum pass, and holds exactly the documents of the
# segments published before the kill (a prefix of the add's segments, never part of one); then
# that adding the same input again skips exactly those documents and adds the rest. Also: a
# second writer is refused while the lock is held, queries still run, and compaction keeps every
# document.
#
#   tests/cli/index_crash_test.sh path/to/naql        (from the repository root; ctest runs it)
#
# NAQL_TEST_SEED sets the seed of the kill times (printed on failure).
set -uo pipefail

naql="${1:?usage: index_crash_test.sh path/to/naql}"
seed="${NAQL_TEST_SEED:-20261123}"
RANDOM=$((seed % 32768))
rounds=30
docs_per_batch=40
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
  echo "index_crash_test: FAIL (seed $seed): $*" >&2
  exit 1
}

# JSON string body of a file's text (quotes, backslashes and control characters escaped).
json_escape() {
  local t="$1"
  t=${t//\\/\\\\}
  t=${t//\"/\\\"}
  t=${t//$'\n'/\\n}
  t=${t//$'\r'/\\r}
  t=${t//$'\t'/\\t}
  printf '%s' "$t"
}

seeds=(fixtures/seeds/*.txt)
((${#seeds[@]} > 0)) || fail "no fixtures/seeds/*.txt (run from the repository root)"
texts=()
for f in "${seeds[@]}"; do texts+=("$(json_escape "$(cat "$f")")"); done

# Batch k: docs_per_batch articles with ids k-i, each a seed text under a line of its own.
make_batch() {
  local k=$1 out=$2 i
  : >"$out"
  for ((i = 0; i < docs_per_batch; i++)); do
    printf '{"id":"b%d-%d","source":"s%d","text":"نسخة رقم %d من الدفعة %d\\n%s"}\n' \
      "$k" "$i" "$((i % 3))" "$i" "$k" "${texts[i % ${#texts[@]}]}" >>"$out"
  done
}

documents() {  # documents of index $1, from a full verification pass
  local out
  out=$("$naql" index stats --format jsonl "$1") || return 1
  grep -o '"type":"index"[^}]*"documents":[0-9]*' <<<"$out" | grep -o '[0-9]*$'
}

segment_sizes() {  # documents per segment of index $1, one per line
  "$naql" index stats --format jsonl --no-verify "$1" | grep '"type":"segment"' |
    grep -o '"documents":[0-9]*' | grep -o '[0-9]*$'
}

index="$work/index"
add_flags=(--segment-mb 0.04 -q --threads 1)
add_loud=(--segment-mb 0.04 --threads 1)
"$naql" index create -q "$index" || fail "create"
total=0
kills_inside=0
for ((k = 0; k < rounds; k++)); do
  batch="$work/batch$k.jsonl"
  make_batch "$k" "$batch"
  # Where this add's segments end, from an uninterrupted add into a scratch index.
  ref="$work/ref$k"
  started=$(date +%s%N)
  "$naql" index create -q "$ref" "${add_flags[@]}" "$batch" || fail "reference add $k"
  # It took this long (ms): the kill below lands within that time, however fast the machine
  # (a sanitizer build on a busy machine takes several times as long as a release build), and in
  # its later two thirds, after the start-up (ICU, the normalizer's table), where the
  # publications are.
  span=$((($(date +%s%N) - started) / 1000000))
  ((span >= 10)) || span=10
  allowed=(0)
  sum=0
  while read -r n; do
    sum=$((sum + n))
    allowed+=("$sum")
  done < <(segment_sizes "$ref")
  ((sum == docs_per_batch)) || fail "reference index of batch $k holds $sum documents"
  rm -rf "$ref"

  # The add, killed at a random moment within the reference add's time.
  "$naql" index add "${add_flags[@]}" "$index" "$batch" 2>/dev/null &
  pid=$!
  delay=$((span / 3 + (RANDOM * 32768 + RANDOM) % (span - span / 3)))
  sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null

  now=$(documents "$index") || fail "round $k: the index does not open or verify after the kill"
  published=$((now - total))
  ok=0
  for a in "${allowed[@]}"; do ((published == a)) && ok=1; done
  ((ok)) || fail "round $k: $published documents after the kill, not a whole number of segments (${allowed[*]})"
  ((published > 0 && published < docs_per_batch)) && kills_inside=$((kills_inside + 1))

  # Adding the batch again skips exactly the published documents.
  err=$("$naql" index add "${add_loud[@]}" "$index" "$batch" 2>&1 >/dev/null) ||
    fail "round $k: add after the kill failed: $err"
  if ((published > 0)); then
    grep -q "skipped $published already indexed" <<<"$err" ||
      fail "round $k: expected $published skipped, got: $err"
  fi
  total=$((total + docs_per_batch))
  now=$(documents "$index") || fail "round $k: index unreadable after the re-add"
  ((now == total)) || fail "round $k: $now documents, expected $total"
done
# Some kills must have landed between two publications of one add, or the test tested little.
((kills_inside > 0)) || fail "no kill landed inside an add"
ls "$index" | grep -q '\.tmp$' && fail "temporary files left after a successful add"

# One writer at a time: while another process holds the lock, add and compact are refused with a
# message naming the lock; queries are not affected.
if command -v flock >/dev/null; then
  flock "$index/LOCK" sleep 3 &
  holder=$!
  sleep 0.5
  err=$("$naql" index add "$index" "$work/batch0.jsonl" 2>&1)
  code=$?
  ((code == 2)) || fail "second writer: exit $code, expected 2"
  grep -q "LOCK: the index is locked by another writer" <<<"$err" || fail "second writer: $err"
  "$naql" index compact "$index" 2>/dev/null && fail "compact ran while the index was locked"
  "$naql" index query "$index" "$work/batch0.jsonl" >/dev/null
  code=$?
  ((code <= 1)) || fail "query while locked: exit $code"
  wait "$holder"
fi

# Compaction keeps every document in one segment.
"$naql" index compact -q "$index" || fail "compact"
now=$(documents "$index") || fail "index unreadable after compaction"
((now == total)) || fail "$now documents after compaction, expected $total"
(($(segment_sizes "$index" | wc -l) == 1)) || fail "compaction left several segments"
echo "index_crash_test: ok ($rounds kills, $kills_inside inside an add, $total documents)"
