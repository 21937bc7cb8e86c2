# testlib.sh — shared by the script tests of tests/cli (sourced, not run: its name does not end in
# _test.sh). After `source tests/cli/testlib.sh "$@"`:
#   $naql     the naql binary (the script's first argument)
#   $tmp      a temporary directory, removed when the script exits
#   fail MSG  records a failed check (printed on stderr); the script goes on
#   finish WHAT   exits 1 naming the count of failed checks, or 0 saying WHAT passed
naql="$1"
[[ -x "$naql" ]] || { echo "usage: $0 PATH/TO/naql (run from the repository root)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
finish() {
  if ((failures)); then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "$1: all checks passed"
  exit 0
}
