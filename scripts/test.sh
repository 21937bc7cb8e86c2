#!/usr/bin/env bash
# naql test suite: builds and runs every test twice — a Release build (build/) and an
# AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/) — and prints ctest's summary.
#
#   scripts/test.sh              everything
#   NAQL_TEST_SANITIZE=0 scripts/test.sh    Release only (faster while developing)
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
