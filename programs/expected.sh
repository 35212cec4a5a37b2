#!/usr/bin/env bash
# expected.sh - record what the student programs print and how they end under qemu-aarch64, the
# oracle for `capbuddy run` (StudentProgramsTest compares them).
#
#   ./expected.sh     run every case of expected/CASES, write expected/CASE.stdout and .status
#
# CASE is the program's name, then its arguments joined by "_". Standard output and standard
# error go to one file, as SOS's console holds both; the line qemu adds when the program dies of a
# signal ("qemu: uncaught target signal ...") is left out. .status holds the exit status as a
# shell sees it: 128 + N for a program that died of signal N. Each run has an empty environment
# plus the case's variables (env -i), argv[0] bin/NAME.elf and -seed 1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
command -v qemu-aarch64 >/dev/null || { echo "expected.sh: qemu-aarch64 not found (apt-get install qemu-user)" >&2; exit 77; }

while IFS='|' read -r name args input envs; do
    case "$name" in ''|'#'*) continue ;; esac
    case_name=$name${args:+_${args// /_}}
    stdin=/dev/null
    [ -n "$input" ] && stdin=$input
    status=0
    # shellcheck disable=SC2086 # args and envs are word lists
    # (in a subshell whose stderr is dropped: bash would add its own "Segmentation fault" line)
    (env -i $envs qemu-aarch64 -seed 1 "bin/$name.elf" $args < "$stdin" > "expected/$case_name.raw" 2>&1; exit $?) 2>/dev/null \
        || status=$?
    grep -v '^qemu: uncaught target signal' "expected/$case_name.raw" > "expected/$case_name.stdout" || true
    rm -f "expected/$case_name.raw"
    echo "$status" > "expected/$case_name.status"
    echo "$case_name: $status"
done < expected/CASES
