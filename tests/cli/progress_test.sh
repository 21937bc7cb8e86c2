#!/usr/bin/env bash
# The progress line appears when stderr is a terminal and never when it is a file or a pipe (CI,
# cron, `2>log`), unless forced with --progress; --no-progress and -q silence it on a terminal; it
# never reaches stdout. A terminal comes from script(1) of util-linux, which runs a command on a
# pseudo-terminal; without it the test is skipped (exit 77, reported as skipped by ctest).
# Usage: progress_test.sh PATH/TO/naql (run from the repository root).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/testlib.sh" "$@"

if ! command -v script >/dev/null 2>&1; then
  echo "SKIP: script(1) (Debian package util-linux) not found: no terminal to test the progress line on" >&2
  exit 77
fi
if ! script -qec 'test -t 2' /dev/null </dev/null >/dev/null 2>&1; then
  echo "SKIP: script(1) cannot open a pseudo-terminal here (no /dev/ptmx?)" >&2
  exit 77
fi

# The line: "\r\e[2Knaql: PHASE  N docs  X MB ..." redrawn in place.
progress_pattern=$'\r\e\\[2Knaql: [a-z]+ +[0-9]+ docs'
has_progress() { grep -Eaq -- "$progress_pattern" "$1"; }

# on_terminal OUT STDOUT ARGS...: runs naql ARGS with stdin, stdout redirected to STDOUT and stderr
# on a pseudo-terminal, whose bytes go to OUT.
on_terminal() {
  local out="$1" stdout="$2"
  shift 2
  local command
  command=$(printf '%q ' "$naql" "$@")
  script -qec "$command >$(printf '%q' "$stdout") </dev/null" /dev/null </dev/null >"$out" 2>&1
}

# Reference results, without any progress.
"$naql" scan --no-progress fixtures/seeds >"$tmp/plain.out" 2>"$tmp/plain.err"
[[ $? == 0 ]] || fail "scan fixtures/seeds did not exit 0"

# A terminal: the line appears, on stderr only, and the results are unchanged.
on_terminal "$tmp/tty" "$tmp/tty.out" scan fixtures/seeds
code=$?
[[ $code == 0 ]] || fail "scan on a terminal exited $code (expected 0)"
has_progress "$tmp/tty" || fail "no progress line on a terminal: $(od -c "$tmp/tty" | head -n 5)"
# It is erased at the end (the last thing written is the erase sequence, no newline).
[[ "$(tail -c 5 "$tmp/tty" | od -An -c | tr -d ' ')" == '\r033[2K' ]] ||
  fail "the progress line is not erased at the end: $(tail -c 40 "$tmp/tty" | od -c)"
# (The summary's timing differs from run to run.)
mask() { sed -E 's/, [0-9]+\.[0-9]+ s$/, 0.00 s/' "$1"; }
[[ "$(mask "$tmp/plain.out")" == "$(mask "$tmp/tty.out")" ]] ||
  fail "results differ with a progress line (stdout): $(diff "$tmp/plain.out" "$tmp/tty.out" | head -n 5)"
has_progress "$tmp/tty.out" && fail "progress on stdout"

# Same for quotes.
on_terminal "$tmp/tty-quotes" "$tmp/tty-quotes.out" quotes fixtures/seeds
has_progress "$tmp/tty-quotes" || fail "no progress line for quotes on a terminal"

# Forced off on a terminal: --no-progress, -q.
on_terminal "$tmp/tty-off" /dev/null scan --no-progress fixtures/seeds
has_progress "$tmp/tty-off" && fail "progress on a terminal despite --no-progress"
on_terminal "$tmp/tty-quiet" /dev/null scan -q fixtures/seeds
has_progress "$tmp/tty-quiet" && fail "progress on a terminal despite -q"

# Not a terminal: a file, a pipe (what CI gives), also with stdout on a terminal.
"$naql" scan fixtures/seeds >/dev/null 2>"$tmp/file.err"
has_progress "$tmp/file.err" && fail "progress with stderr redirected to a file"
[[ -s "$tmp/file.err" ]] && fail "stderr not empty with stderr a file: $(head -c 200 "$tmp/file.err")"
"$naql" scan fixtures/seeds 2>&1 >/dev/null | cat >"$tmp/pipe.err"
has_progress "$tmp/pipe.err" && fail "progress with stderr a pipe"
"$naql" quotes fixtures/seeds 2>&1 >/dev/null | cat >"$tmp/pipe-quotes.err"
has_progress "$tmp/pipe-quotes.err" && fail "progress for quotes with stderr a pipe"
script -qec "$(printf '%q ' "$naql") scan fixtures/seeds 2>$(printf '%q' "$tmp/stdout-tty.err")" \
  /dev/null </dev/null >/dev/null 2>&1
has_progress "$tmp/stdout-tty.err" && fail "progress with stdout a terminal but stderr a file"

# Forced on without a terminal.
"$naql" scan --progress fixtures/seeds >/dev/null 2>"$tmp/forced.err"
has_progress "$tmp/forced.err" || fail "no progress line with --progress"

finish "progress line"
