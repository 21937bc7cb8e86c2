#!/usr/bin/env bash
# The end-to-end crawl benchmark (bench/crawl_benchmark_tool.cc) on the planted fixture, every
# mode once: the figures it prints for scripts are there and agree with the fixture's truth. The
# whole-article mode (--whole-too, as `naql scan --no-partial`) must find exactly the planted
# syndicated copies, and the default mode every planted pair. Speed is not checked here (see
# bench/README.md).
#
#   tests/crawl_benchmark_test.sh PATH/TO/crawl_benchmark   (run from the repository root)
set -uo pipefail

bench="${1:-}"
if [[ ! -x "$bench" ]]; then
  echo "usage: $0 PATH/TO/crawl_benchmark (from the repository root)" >&2
  exit 2
fi
corpus=fixtures/planted/corpus.jsonl
truth=fixtures/planted/truth.jsonl
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

out=$("$bench" --input "$corpus" --truth "$truth" --threads 2 --repeat 1 --exact-too --whole-too \
  --no-diagnose --machine 2>/dev/null)
status=$?
[[ $status == 0 ]] || fail "exit status $status"
value() { sed -n "s/^crawl\.$1=//p" <<<"$out"; }
for key in pairs duplicates exact_pairs whole_pairs whole_duplicates whole_cpu_mb_per_s \
    whole_cpu_x_datasketch cpu_mb_per_s fp_mb_per_cpu_s peak_rss_mb recall_duplicate; do
  [[ -n $(value "$key") ]] || fail "no crawl.$key in the output"
done

truth_pairs=$(wc -l <"$truth")
truth_duplicates=$(grep -c '"kind":"duplicate"' "$truth")
[[ $(value pairs) == "$truth_pairs" ]] || fail "pairs $(value pairs), truth has $truth_pairs"
[[ $(value duplicates) == "$truth_duplicates" ]] ||
  fail "duplicates $(value duplicates), truth has $truth_duplicates"
[[ $(value whole_pairs) == "$truth_duplicates" ]] ||
  fail "whole-article pairs $(value whole_pairs), truth has $truth_duplicates duplicates"
[[ $(value whole_duplicates) == "$truth_duplicates" ]] ||
  fail "whole-article duplicates $(value whole_duplicates), truth has $truth_duplicates"
awk -v x="$(value whole_cpu_mb_per_s)" 'BEGIN { exit !(x > 0) }' ||
  fail "whole-article throughput $(value whole_cpu_mb_per_s)"
grep -q '^  whole-article  near-duplicates only' <<<"$out" ||
  fail "no whole-article line in the report"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "crawl_benchmark: all checks passed"
