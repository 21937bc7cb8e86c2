#!/usr/bin/env bash
# `naql compare --color auto` (the default) colours the marked words only when stdout is a
# terminal and the user has not asked for plain output (NO_COLOR, TERM=dumb); --color always and
# never force it. A terminal comes from script(1) of util-linux; without it the test is skipped
# (exit 77). Usage: compare_color_test.sh PATH/TO/naql (run from the repository root).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/testlib.sh" "$@"

a=fixtures/seeds/000_99452b6767717ae0.txt
b=fixtures/seeds/003_51295827b7bc72d8.txt
colored() { grep -aq $'\e\\[31m⟦' "$1"; }

# Not a terminal.
"$naql" compare "$a" "$b" >"$tmp/file" 2>&1
colored "$tmp/file" && fail "colour with stdout a file"
grep -q '⟦' "$tmp/file" || fail "no ⟦ ⟧ marks in the text output"
"$naql" compare "$a" "$b" | cat >"$tmp/pipe"
colored "$tmp/pipe" && fail "colour with stdout a pipe"
"$naql" compare --color always "$a" "$b" >"$tmp/always"
colored "$tmp/always" || fail "no colour with --color always"

if ! command -v script >/dev/null 2>&1 || ! script -qec 'test -t 1' /dev/null </dev/null >/dev/null 2>&1; then
  echo "SKIP: no pseudo-terminal from script(1) (util-linux): --color auto on a terminal untested" >&2
  exit 77
fi
on_terminal() {  # on_terminal OUT ENV... -- ARGS...: naql ARGS with stdout on a terminal
  local out="$1"
  shift
  local env=()
  while [[ "$1" != "--" ]]; do env+=("$1"); shift; done
  shift
  env "${env[@]}" script -qec "$(printf '%q ' "$naql" "$@")" /dev/null </dev/null >"$out" 2>&1
}
on_terminal "$tmp/tty" -u NO_COLOR TERM=xterm -- compare "$a" "$b"
colored "$tmp/tty" || fail "no colour on a terminal"
on_terminal "$tmp/tty-no-color" TERM=xterm NO_COLOR=1 -- compare "$a" "$b"
colored "$tmp/tty-no-color" && fail "colour on a terminal despite NO_COLOR"
on_terminal "$tmp/tty-dumb" -u NO_COLOR TERM=dumb -- compare "$a" "$b"
colored "$tmp/tty-dumb" && fail "colour on a terminal despite TERM=dumb"
on_terminal "$tmp/tty-never" -u NO_COLOR TERM=xterm -- compare --color never "$a" "$b"
colored "$tmp/tty-never" && fail "colour on a terminal despite --color never"
finish "compare --color"
