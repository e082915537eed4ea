#!/usr/bin/env bash
# Runs a command and appends its output to the GitHub job summary as one titled, fenced block that stays
# well-formed whatever happens: the fence is longer than any run of backticks in the output, it is closed even
# when the command fails, and the command's exit code is this script's.
#
#   .ci/summary-block.sh "<title>" <command> [args...]
#
# Without GITHUB_STEP_SUMMARY (a local run) the block goes to stdout.
set -uo pipefail
title="$1"
shift
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
"$@" >"$out" 2>&1
code=$?
# The longest run of backticks in the output, plus one (at least three).
longest="$(grep -o '`\+' "$out" | awk '{ if (length($0) > max) max = length($0) } END { print max + 0 }')"
width=$(( longest >= 3 ? longest + 1 : 3 ))
fence="$(printf '%*s' "$width" '' | tr ' ' '`')"
{
  echo "### ${title}"
  echo
  if [ "$code" -ne 0 ]; then
    echo "**Failed (exit code ${code}).**"
    echo
  fi
  echo "${fence}text"
  cat "$out"
  # A last line without a newline would swallow the closing fence.
  [ -s "$out" ] && [ "$(tail -c 1 "$out" | od -An -c | tr -d ' ')" != '\n' ] && echo
  echo "${fence}"
  echo
} >>"${GITHUB_STEP_SUMMARY:-/dev/stdout}"
exit "$code"
