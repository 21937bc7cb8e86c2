#!/usr/bin/env bash
# naql set-up: installs the Debian packages naql needs (only those missing), builds naql in
# Release mode into build/, and runs it once on the bundled seed articles.
#
#   scripts/setup.sh            as root on Debian 12 (or with sudo available)
#   NAQL_BUILD_DIR=out scripts/setup.sh
#   NAQL_WITH_BROWSER=1 scripts/setup.sh   also installs Chromium, for the HTML report's browser test
#                                          (tests/html_browser_test.cc; skipped without it)
#
# Idempotent and quiet when everything is already present.
set -euo pipefail

cd "$(dirname "$0")/.."
build_dir="${NAQL_BUILD_DIR:-build}"

# Build and runtime dependencies, all from Debian 12.
packages=(
  cmake ninja-build g++ pkg-config
  libicu-dev libxxhash-dev libabsl-dev libsimdjson-dev libcli11-dev
  zlib1g-dev libzstd-dev zstd
  libgtest-dev libgmock-dev libbenchmark-dev libgumbo-dev
  clang libclang-rt-14-dev  # the libFuzzer stage of scripts/test.sh
)
# Optional: a headless browser for the HTML report's test. Large; only when asked.
if [[ "${NAQL_WITH_BROWSER:-0}" == 1 ]]; then
  packages+=(chromium)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "naql setup: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "naql setup: run as root to install: ${missing[*]}" >&2; exit 2; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build_dir" --target naql -j "$(nproc)" >/dev/null

echo "naql setup: built $build_dir/naql; scanning fixtures/seeds:" >&2
status=0
"$build_dir/naql" scan fixtures/seeds || status=$?
# Exit 1 means "nothing found", which would be wrong for the seeds.
exit "$status"
