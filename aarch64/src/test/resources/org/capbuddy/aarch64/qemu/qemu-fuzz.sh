#!/bin/sh
# qemu-fuzz.sh - regenerate the random-instruction corpus in fuzz/: for seeds 1..COUNT, the ELF
# of RandomProgram.generate(seed, INSTRUCTIONS) (seed-N.elf) and QEMU's single-step trace of it
# (seed-N.trace.gz, recorded as programs/trace.sh records the real programs':
#   env -i qemu-aarch64 -cpu cortex-a53 -seed 1 -singlestep -d cpu,fpu,nochain ./seed-N.elf
# run in fuzz/, gzipped at level 9), a MANIFEST, then QemuFuzzCorpusTest against the result.
#
#   ./qemu-fuzz.sh [COUNT [INSTRUCTIONS]]     defaults: 40 500
#
# The same generator and QEMU give the same files. Needs qemu-aarch64 (Debian's qemu-user 7.2)
# and a JDK 17; exits 77 without QEMU. MVNW_FLAGS is passed to ./mvnw (for example -o).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
command -v qemu-aarch64 >/dev/null 2>&1 || { echo "qemu-fuzz.sh: qemu-aarch64 not found (apt-get install qemu-user)" >&2; exit 77; }
count=${1:-40}
instructions=${2:-500}
cd "$root"
# shellcheck disable=SC2086
./mvnw -B -q ${MVNW_FLAGS:-} -pl aarch64 test-compile -Djacoco.skip=true
rm -f "$here"/fuzz/seed-*.elf "$here"/fuzz/seed-*.trace.gz "$here"/fuzz/MANIFEST
java -cp aarch64/target/classes:aarch64/target/test-classes org.capbuddy.aarch64.qemu.QemuFuzz \
    "$here/fuzz" "$count" "$instructions"
{ echo "# $(qemu-aarch64 --version | head -n 1)"; cat "$here/fuzz/MANIFEST"; } > "$here/fuzz/MANIFEST.new"
mv "$here/fuzz/MANIFEST.new" "$here/fuzz/MANIFEST"
# shellcheck disable=SC2086
./mvnw -B -q ${MVNW_FLAGS:-} -pl aarch64 test -Dtest=QemuFuzzCorpusTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Djacoco.skip=true
du -cb "$here"/fuzz/* | tail -n 1
