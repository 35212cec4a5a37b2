#!/bin/sh
# Regenerates a64-unit.txt (one "hex<TAB>assembly" line per instruction of a64-unit.s) with llvm-mc.
# The unit tests look instructions up by their text, so they need no assembler when they run.
set -eu
cd "$(dirname "$0")"
MC=${LLVM_MC:-llvm-mc}
while IFS= read -r line; do
    [ -z "$line" ] && continue
    enc=$(echo "$line" | "$MC" -triple=aarch64 -mattr=+v8a -show-encoding 2>/dev/null \
        | sed -n 's/.*encoding: \[\(.*\)\].*/\1/p' | tr -d ' ')
    [ -n "$enc" ] || { echo "cannot assemble: $line" >&2; exit 1; }
    # encoding bytes are little-endian 0xb0,0xb1,0xb2,0xb3
    hex=$(echo "$enc" | awk -F, '{printf "%s%s%s%s", substr($4,3), substr($3,3), substr($2,3), substr($1,3)}')
    printf '%s\t%s\n' "$hex" "$line"
done < a64-unit.s > a64-unit.txt
