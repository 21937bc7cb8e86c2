#!/usr/bin/env bash
# naql test suite: builds and runs every test twice — a Release build (build/) and an
# AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/) — and prints ctest's summary;
# then, when clang is installed, builds the fuzz targets for libFuzzer (build-fuzz/) and fuzzes
# each for a few seconds from its seed corpus.
#
#   scripts/test.sh              everything
#   NAQL_TEST_SANITIZE=0 scripts/test.sh    Release only (faster while developing)
#   NAQL_TEST_FUZZ=0 scripts/test.sh        no libFuzzer stage
#   NAQL_FUZZ_SECONDS=60 scripts/test.sh    fuzz each target longer (default 15 s)
#   NAQL_TEST_SEED=123 scripts/test.sh      replay randomized tests with another seed
set -euo pipefail

cd "$(dirname "$0")/.."
jobs="$(nproc)"

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

run_suite() {
  local dir="$1"; shift
  echo "== naql tests: $dir ($*)"
  cmake -S . -B "$dir" "${generator[@]}" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 600
}

run_suite build -DCMAKE_BUILD_TYPE=Release
if [[ "${NAQL_TEST_SANITIZE:-1}" != 0 ]]; then
  # Benchmarks are not built under the sanitizers (they would only measure the instrumentation).
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_suite build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNAQL_SANITIZE=ON \
      -DNAQL_BUILD_BENCHMARKS=OFF
fi

# libFuzzer: new inputs go to a scratch directory (the seed corpus in the repository is only
# read), crash reproducers too; any finding fails the run and names the reproducer.
if [[ "${NAQL_TEST_FUZZ:-1}" != 0 ]] && command -v clang++ >/dev/null; then
  seconds="${NAQL_FUZZ_SECONDS:-15}"
  echo "== naql fuzz targets: build-fuzz (clang, libFuzzer + ASan + UBSan, ${seconds} s each)"
  cmake -S . -B build-fuzz "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNAQL_BUILD_FUZZERS=ON -DNAQL_BUILD_TESTS=OFF \
    -DNAQL_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build build-fuzz -j "$jobs"
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  for source in tests/fuzz/*_fuzz.cc; do
    name=$(basename "$source" .cc)
    mkdir -p "$scratch/$name"
    if ! build-fuzz/tests/fuzz/"$name" -max_total_time="$seconds" -timeout=30 \
        -rss_limit_mb=3072 -artifact_prefix="$scratch/$name/" -print_final_stats=1 \
        "$scratch/$name" "tests/fuzz/corpus/$name" >"$scratch/$name.log" 2>&1; then
      tail -n 40 "$scratch/$name.log" >&2
      echo "naql tests: fuzz target $name failed; reproducer: $(ls "$scratch/$name"/crash-* \
        "$scratch/$name"/leak-* "$scratch/$name"/timeout-* "$scratch/$name"/oom-* 2>/dev/null)" >&2
      trap - EXIT  # keep the reproducer
      exit 1
    fi
    echo "fuzz $name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/$name.log" |
      grep -o '[0-9]*$') runs, no finding"
  done
fi
