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
#
# A case's fifth field names the programs its execve may load (capbuddy run's --program table):
# each PROG is reachable as bin/PROG.elf, the path the program passes, relative to the working
# directory. qemu-user's execve is the host's, and a host without binfmt_misc for aarch64 cannot
# run an aarch64 ELF, so such a case runs in a scratch folder whose bin/PROG.elf is a script that
# runs the real program under qemu-aarch64 -seed 1 with argv[0] the path exec'd (the kernel gives
# a script that path as $0; the argv[0] the caller chose is lost, so a program of the table
# should pass argv[0] = its path). The program itself still runs with argv[0] bin/NAME.elf.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
command -v qemu-aarch64 >/dev/null || { echo "expected.sh: qemu-aarch64 not found (apt-get install qemu-user)" >&2; exit 77; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

while IFS='|' read -r name args input envs programs; do
    case "$name" in ''|'#'*) continue ;; esac
    case_name=$name${args:+_${args// /_}}
    stdin=/dev/null
    [ -n "$input" ] && stdin=$here/$input
    status=0
    run_in=$here
    if [ -n "$programs" ]; then
        run_in=$scratch/$case_name
        mkdir -p "$run_in/bin"
        for prog in $programs; do
            [ -f "bin/$prog.elf" ] || { echo "expected.sh: $case_name: no bin/$prog.elf" >&2; exit 1; }
            printf '#!/bin/sh\nexec qemu-aarch64 -seed 1 -0 "$0" "%s" "$@"\n' "$here/bin/$prog.elf" > "$run_in/bin/$prog.elf"
            chmod +x "$run_in/bin/$prog.elf"
        done
    fi
    # shellcheck disable=SC2086 # args and envs are word lists
    # (in a subshell whose stderr is dropped: bash would add its own "Segmentation fault" line)
    (cd "$run_in" && env -i $envs qemu-aarch64 -seed 1 -0 "bin/$name.elf" "$here/bin/$name.elf" $args < "$stdin" \
        > "$here/expected/$case_name.raw" 2>&1; exit $?) 2>/dev/null \
        || status=$?
    grep -v '^qemu: uncaught target signal' "expected/$case_name.raw" > "expected/$case_name.stdout" || true
    rm -f "expected/$case_name.raw"
    echo "$status" > "expected/$case_name.status"
    echo "$case_name: $status"
done < expected/CASES
