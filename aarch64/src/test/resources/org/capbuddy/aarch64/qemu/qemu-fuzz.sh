#!/bin/sh
# qemu-fuzz.sh - regenerate the random-instruction corpus in fuzz/: for seeds 1..COUNT, the ELF
# of RandomProgram.generate(seed, INSTRUCTIONS) (seed-N.elf) and QEMU's single-step trace of it
# (seed-N.trace.gz, recorded as programs/trace.sh records the real programs':
#   env -i qemu-aarch64 -cpu cortex-a53 -seed 1 -singlestep -d cpu,fpu,nochain ./seed-N.elf
# run in fuzz/, gzipped at level 9), a MANIFEST, then QemuFuzzCorpusTest against the result.
# With MIX estimates, the estimates mix's corpus in estimates/ instead (its default COUNT is 20).
#
#   ./qemu-fuzz.sh [COUNT [INSTRUCTIONS [MIX]]]     defaults: 40 500 general
#
# The same generator and QEMU give the same files. Needs qemu-aarch64 (Debian's qemu-user 7.2)
# and a JDK 17; exits 77 without QEMU. MVNW_FLAGS is passed to ./mvnw (for example -o).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
command -v qemu-aarch64 >/dev/null 2>&1 || { echo "qemu-fuzz.sh: qemu-aarch64 not found (apt-get install qemu-user)" >&2; exit 77; }
mix=${3:-general}
case "$mix" in
    general) folder=fuzz; default_count=40 ;;
    estimates) folder=estimates; default_count=20 ;;
    *) echo "qemu-fuzz.sh: MIX is general or estimates, not $mix" >&2; exit 2 ;;
esac
count=${1:-$default_count}
instructions=${2:-500}
cd "$root"
# shellcheck disable=SC2086
./mvnw -B -q ${MVNW_FLAGS:-} -pl aarch64 test-compile -Djacoco.skip=true
rm -f "$here/$folder"/seed-*.elf "$here/$folder"/seed-*.trace.gz "$here/$folder"/MANIFEST
java -cp aarch64/target/classes:aarch64/target/test-classes org.capbuddy.aarch64.qemu.QemuFuzz \
    "$here/$folder" "$count" "$instructions" "$mix"
{ echo "# $(qemu-aarch64 --version | head -n 1)"; cat "$here/$folder/MANIFEST"; } > "$here/$folder/MANIFEST.new"
mv "$here/$folder/MANIFEST.new" "$here/$folder/MANIFEST"
# shellcheck disable=SC2086
./mvnw -B -q ${MVNW_FLAGS:-} -pl aarch64 test -Dtest=QemuFuzzCorpusTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Djacoco.skip=true
du -cb "$here/$folder"/* | tail -n 1
