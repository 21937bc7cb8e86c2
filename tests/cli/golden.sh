#!/usr/bin/env bash
# Golden CLI tests. A case is a directory holding:
#   cmd     the arguments to naql, one shell line (run from the repository root)
#   stdin   (optional) bytes fed to standard input; otherwise stdin is empty
#   stdout  the expected standard output, byte for byte (timings masked, see below)
#   stderr  (optional) an extended regular expression that standard error must match
#   exit    the expected exit code
#
#   tests/cli/golden.sh --naql build/naql tests/cli/cases/NAME...     check
#   tests/cli/golden.sh --naql build/naql --regenerate tests/cli/cases/NAME...   rewrite stdout/exit
#
# Regenerated files are meant to be reviewed (git diff) before they are committed.
set -uo pipefail

naql=""
regenerate=0
cases=()
while (($#)); do
  case "$1" in
    --naql) naql="$2"; shift 2 ;;
    --regenerate) regenerate=1; shift ;;
    *) cases+=("$1"); shift ;;
  esac
done
[[ -x "$naql" ]] || { echo "golden.sh: --naql PATH to the naql binary is required" >&2; exit 2; }

# Timings differ from run to run: mask them.
mask() { sed -E 's/"seconds":[0-9.e+-]+/"seconds":0/; s/, [0-9]+\.[0-9]+ s$/, 0.00 s/'; }

failed=0
for dir in "${cases[@]}"; do
  name=$(basename "$dir")
  [[ -f "$dir/cmd" ]] || { echo "golden.sh: $dir has no cmd" >&2; failed=1; continue; }
  eval "args=($(head -n 1 "$dir/cmd"))"
  stdin_file=/dev/null
  [[ -f "$dir/stdin" ]] && stdin_file="$dir/stdin"
  out=$(mktemp) err=$(mktemp)
  "$naql" "${args[@]}" <"$stdin_file" >"$out.raw" 2>"$err"
  code=$?
  mask <"$out.raw" >"$out"
  if ((regenerate)); then
    cp "$out" "$dir/stdout"
    echo "$code" >"$dir/exit"
    echo "regenerated $name (exit $code)"
  else
    expected_code=$(cat "$dir/exit" 2>/dev/null || echo 0)
    if [[ "$code" != "$expected_code" ]]; then
      echo "FAIL $name: exit $code, expected $expected_code" >&2
      cat "$err" >&2
      failed=1
    fi
    if ! cmp -s "$out" "$dir/stdout"; then
      echo "FAIL $name: stdout differs from $dir/stdout:" >&2
      diff -u "$dir/stdout" "$out" | head -n 40 >&2
      failed=1
    fi
    if [[ -f "$dir/stderr" ]] && ! grep -Eq -f "$dir/stderr" "$err"; then
      echo "FAIL $name: stderr does not match $(cat "$dir/stderr"):" >&2
      cat "$err" >&2
      failed=1
    fi
  fi
  rm -f "$out" "$out.raw" "$err"
done
exit "$failed"
