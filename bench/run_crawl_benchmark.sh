#!/usr/bin/env bash
# run_crawl_benchmark.sh — the end-to-end crawl benchmark of issues 3 and 4, in order:
#   (a) crawl_benchmark on the real Arabic news file, quality against the brute-force exact-overlap
#       oracle;
#   (b) gen_corpus writes a generated corpus of >= 200 MB with planted copies and quotations made
#       from the real articles, into a temporary directory; crawl_benchmark runs on it, quality
#       against the generator's truth;
# then prints a table of both. Builds nothing: build the tools first, e.g.
#   cmake --build build --target crawl_benchmark gen_corpus
#
# Usage: bench/run_crawl_benchmark.sh BUILD_DIR DATA.jsonl.zst
#   e.g. bench/run_crawl_benchmark.sh build ../shared/data/saudinewsnet-dev.jsonl.zst
# Environment (all optional):
#   REPEAT=3       scans per mode (the median is reported)
#   THREADS=N      scanner threads (default: all cores)
#   TARGET_MB=200  size of the generated corpus (article text)
#   SEED=1         generator seed
#   GEN_DIR=DIR    use DIR/corpus.jsonl and DIR/truth.jsonl if they exist, else generate there and
#                  keep them (generation takes minutes and a few GB of memory)
#   EXACT_TOO=1    also scan with exact-only alignment (tolerant/exact ratio); 0 to skip
#   WHOLE_TOO=1    also scan for whole-article near-duplicates only (--no-partial); 0 to skip
#   SAMPLES=4      examples per class in the reports
# The full reports go to stderr as they are produced; the table to stdout. The data file is read
# where it is, never copied.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { print }' "$0" >&2
  exit 2
fi
build=$1
data=$2
crawl="$build/bench/crawl_benchmark"
gen="$build/bench/gen_corpus"
for tool in "$crawl" "$gen"; do
  [[ -x $tool ]] || { echo "run_crawl_benchmark: $tool not built" >&2; exit 2; }
done
[[ -r $data ]] || { echo "run_crawl_benchmark: cannot read $data" >&2; exit 2; }

repeat=${REPEAT:-3}
target_mb=${TARGET_MB:-200}
seed=${SEED:-1}
samples=${SAMPLES:-4}
common=(--repeat "$repeat" --samples "$samples" --machine)
[[ -n ${THREADS:-} ]] && common+=(--threads "$THREADS")
[[ ${EXACT_TOO:-1} == 1 ]] && common+=(--exact-too)
[[ ${WHOLE_TOO:-1} == 1 ]] && common+=(--whole-too)

work=$(mktemp -d "${TMPDIR:-/tmp}/naql-crawl.XXXXXX")
trap 'rm -rf "$work"' EXIT
gen_dir=${GEN_DIR:-$work}
mkdir -p "$gen_dir"

# (a) Real news, against the oracle.
echo "== (a) $data" >&2
"$crawl" --input "$data" "${common[@]}" | tee "$work/a.txt" >&2

# (b) Generated corpus, against its truth.
corpus="$gen_dir/corpus.jsonl"
truth="$gen_dir/truth.jsonl"
if [[ ! -s $corpus || ! -s $truth ]]; then
  echo "== generating ${target_mb} MB into $gen_dir (seed $seed)" >&2
  "$gen" --pool "$data" --target-mb "$target_mb" --seed "$seed" --boilerplate 0.3 \
    --out "$corpus" --truth "$truth" >&2
fi
echo "== (b) $corpus" >&2
"$crawl" --input "$corpus" --truth "$truth" "${common[@]}" | tee "$work/b.txt" >&2

# The table: one row per figure, one column per corpus.
awk -F= '
  FNR == 1 { file++ }
  /^crawl\./ { key = substr($1, 7); value[file, key] = substr($0, length($1) + 2) }
  function row(label, key, unit,    a, b) {
    a = ((1, key) in value) ? value[1, key] unit : "-"
    b = ((2, key) in value) ? value[2, key] unit : "-"
    printf "| %-40s | %-22s | %-22s |\n", label, a, b
  }
  END {
    printf "| %-40s | %-22s | %-22s |\n", "", "(a) real news (oracle)", "(b) generated (truth)"
    printf "|%s|%s|%s|\n", "------------------------------------------",
           "------------------------", "------------------------"
    row("article text, MB", "text_mb", "")
    row("articles", "docs", "")
    row("scanner threads", "threads", "")
    row("load average at start", "load_start", "")
    row("scan, median wall s", "seconds", "")
    row("scan, median CPU s", "cpu_seconds", "")
    row("  fingerprint phase, CPU s", "fingerprint_phase_cpu_seconds", "")
    row("  candidates + verify phases, CPU s", "verify_phase_cpu_seconds", "")
    row("scan MB/s (wall)", "mb_per_s", "")
    row("scan docs/s (wall)", "docs_per_s", "")
    row("scan MB/s (CPU-bound)", "cpu_mb_per_s", "")
    row("scan docs/s (CPU-bound)", "cpu_docs_per_s", "")
    row("x datasketch (wall; 5 MB/s)", "x_datasketch", "x")
    row("x datasketch (CPU-bound)", "cpu_x_datasketch", "x")
    row("fingerprinting MB/s, 1 core (wall)", "fp_mb_per_s_core", "")
    row("fingerprinting MB per CPU-second", "fp_mb_per_cpu_s", "")
    row("peak RSS, MB", "peak_rss_mb", "")
    row("peak RSS / input", "rss_share_of_input", "")
    row("peak RSS bytes per article", "rss_bytes_per_doc", "")
    row("fingerprint bytes per article", "fp_bytes_per_doc", "")
    row("candidate pairs", "candidates", "")
    row("pairs found", "pairs", "")
    row("truth pairs", "truth_pairs", "")
    row("recall", "tolerant_recall", "")
    row("precision", "tolerant_precision", "")
    row("found, not in truth (extra)", "tolerant_extra", "")
    row("recall, rarest 8-gram df <= max_df", "recall_rare", "")
    row("recall, duplicates", "recall_duplicate", "")
    row("recall, reuse", "recall_reuse", "")
    row("exact-only recall", "exact_recall", "")
    row("exact-only MB/s (wall)", "exact_mb_per_s", "")
    row("tolerant / exact throughput (wall)", "tolerant_over_exact", "")
    row("tolerant / exact throughput (CPU)", "cpu_tolerant_over_exact", "")
    row("whole-article only MB/s (CPU-bound)", "whole_cpu_mb_per_s", "")
    row("whole-article only x datasketch (CPU)", "whole_cpu_x_datasketch", "x")
    row("whole-article only pairs", "whole_pairs", "")
  }' "$work/a.txt" "$work/b.txt"
