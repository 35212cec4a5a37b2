#!/usr/bin/env bash
# build.sh - rebuild the AArch64 test programs in src/ into bin/NAME.elf.
#
#   ./build.sh            build into bin/, rewrite SHA256SUMS and TOOLCHAIN
#   ./build.sh --check    build into a temporary folder and compare with
#                         SHA256SUMS (and TOOLCHAIN, for information); bin/ is
#                         left alone.  Exit 0 = identical, 1 = mismatch,
#                         77 = toolchain missing (a test should skip).
#   ./build.sh --out DIR  build into DIR only (no SHA256SUMS/TOOLCHAIN update)
#
# Toolchain: Debian 12 packages gcc-aarch64-linux-gnu (gcc 12 cross, binutils
# 2.40).  musl for arm64 is not installed through dpkg (no multiarch): its two
# .debs are fetched with `apt-get download` using private apt state and cache
# folders, unpacked, and used through a rewritten musl-gcc.specs.  They are
# kept in $MUSL_CACHE (default: ${XDG_CACHE_HOME:-$HOME/.cache}/capbuddy-aarch64-musl);
# delete that folder to fetch again.  Network is only needed for that fetch.
#
# Reproducibility: -Wl,--build-id=none, -ffile-prefix-map for this folder and
# for the musl folder, relative source paths, no -g.  The same packages give
# the same SHA-256 from any checkout folder.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

mode=build
out=bin
while [ $# -gt 0 ]; do
    case "$1" in
        --check) mode=check ;;
        --out) shift; out=${1:?--out needs a folder}; mode=out ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

CC=${CC:-aarch64-linux-gnu-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "build.sh: $CC not found (apt-get install gcc-aarch64-linux-gnu)" >&2
    exit 77
fi

# Programs built against musl (NAME = src/NAME.c); pt_test_qemu and
# pt_test_freestanding are handled separately below.
MUSL_PROGRAMS="pt_test hello libc_smoke malloc_stress stack_overflow write_code exec_data bad_write loop_k0 loop_k1 echo_stdin
    student_printf student_malloc student_sort student_recurse student_math student_int student_stdin student_env
    student_mmap student_exit student_bss student_threads
    student_hash student_strings student_varargs student_vector student_atomic student_bigmem student_wc
    student_wrap student_sighandler student_bugs student_stdio student_time student_getopt student_rand
    student_struct student_fastmath student_mprotect student_syscalls student_float student_text student_kernels student_signals student_pages student_calls
    student_timers fork_basic fork_wait fork_tree fork_many fork_sleep fork_waitid fork_kill fork_pipe pipe_errors pipeline fork_shared fork_alarm fork_sigchld fork_sigwait pipe_select fork_exec exec_target epoll_pipe pgrp"

# Flags a program needs beyond COMMON's (after them, so that -O3 overrides -O2).
extra_flags() {
    case "$1" in
        student_vector|student_kernels) echo -O3 ;;  # gcc's full vectoriser, as a student would ask for speed
        student_wrap) echo -fwrapv ;;   # signed overflow defined to wrap
        # -ffast-math alone leaves fsqrt and fdiv on gcc 12's generic tuning; these ask for the
        # estimate-and-step sequences (as -mcpu=xgene1 or exynos-m1 tuning does for rsqrt)
        student_fastmath) echo -O3 -ffast-math -mlow-precision-recip-sqrt -mlow-precision-sqrt -mlow-precision-div ;;
    esac
}

# ---------------------------------------------------------------- musl (arm64)
MUSL_CACHE=${MUSL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/capbuddy-aarch64-musl}
musl_root=$MUSL_CACHE/root
musl_specs=$MUSL_CACHE/musl-a64.specs

fetch_musl() {
    local S=$MUSL_CACHE
    local O=(-o APT::Architectures::=amd64 -o APT::Architectures::=arm64
             -o "APT::Sandbox::User=$(id -un)"
             -o "Dir::State::Lists=$S/lists" -o "Dir::Cache=$S/cache")
    echo "build.sh: fetching musl:arm64 and musl-dev:arm64 into $S" >&2
    rm -rf "$S/musl" "$S/root"
    mkdir -p "$S/lists/partial" "$S/cache/archives/partial" "$S/musl"
    apt-get "${O[@]}" update >&2 || return 1
    (cd "$S/musl" && apt-get "${O[@]}" download musl-dev:arm64 musl:arm64) >&2 || return 1
    for d in "$S"/musl/*.deb; do dpkg-deb -x "$d" "$S/root"; done
}

if [ ! -f "$musl_root/usr/lib/aarch64-linux-musl/musl-gcc.specs" ]; then
    if ! command -v apt-get >/dev/null 2>&1 || ! fetch_musl; then
        echo "build.sh: could not get musl for arm64 (needs apt-get and network once)" >&2
        exit 77
    fi
fi
sed "s#/usr/#$musl_root/usr/#g" "$musl_root/usr/lib/aarch64-linux-musl/musl-gcc.specs" > "$musl_specs.tmp"
mv "$musl_specs.tmp" "$musl_specs"

# ---------------------------------------------------------------- versions
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }
debver() {
    local f
    for f in "$MUSL_CACHE"/musl/"$1"_*_arm64.deb; do
        [ -f "$f" ] && { dpkg-deb -f "$f" Version; return; }
    done
    echo "unknown"
}
toolchain_text() {
    echo "# Versions used to build bin/*.elf (build.sh) and to record traces/ (trace.sh)."
    echo "gcc-aarch64-linux-gnu      $(pkgver gcc-aarch64-linux-gnu)"
    echo "gcc-12-aarch64-linux-gnu   $(pkgver gcc-12-aarch64-linux-gnu)"
    echo "libgcc-12-dev-arm64-cross  $(pkgver libgcc-12-dev-arm64-cross)"
    echo "binutils-aarch64-linux-gnu $(pkgver binutils-aarch64-linux-gnu)"
    echo "musl:arm64                 $(debver musl)"
    echo "musl-dev:arm64             $(debver musl-dev)"
    echo "qemu-user                  $(pkgver qemu-user)"
    echo "gcc --version: $("$CC" --version | head -n 1)"
}

# ---------------------------------------------------------------- build
COMMON=(-static -O2 -Wl,-z,max-page-size=4096 -Wl,--build-id=none
        "-ffile-prefix-map=$here/=" "-ffile-prefix-map=$musl_root/=musl/")
FREESTANDING=(-nostdlib -static -ffreestanding -O2 -fno-pie -no-pie -mgeneral-regs-only
              -mno-outline-atomics -fno-asynchronous-unwind-tables
              -Wl,-z,max-page-size=4096 -Wl,--build-id=none "-ffile-prefix-map=$here/=")

build_all() {
    local dest=$1 tmp name
    mkdir -p "$dest"
    for name in $MUSL_PROGRAMS; do
        # shellcheck disable=SC2046 # extra_flags gives a word list
        "$CC" -specs="$musl_specs" "${COMMON[@]}" $(extra_flags "$name") -Isrc/include -o "$dest/$name.elf" "src/$name.c"
    done

    # pt_test_qemu: src/pt_test.c minus exactly one line, the seed's
    # "stack above 0x8000000000" assertion (false under qemu-aarch64 7.2).
    tmp=$(mktemp -d)
    sed '/assert((void \*) buf1 > (void \*) TEST_ADDRESS);/d' src/pt_test.c > "$tmp/pt_test_qemu.c"
    if [ "$(( $(wc -l < src/pt_test.c) - $(wc -l < "$tmp/pt_test_qemu.c") ))" != 1 ]; then
        echo "build.sh: pt_test_qemu: expected to delete exactly one line of src/pt_test.c" >&2
        rm -rf "$tmp"; exit 1
    fi
    "$CC" -specs="$musl_specs" "${COMMON[@]}" "-ffile-prefix-map=$tmp/=src/" -Isrc/include \
        -o "$dest/pt_test_qemu.elf" "$tmp/pt_test_qemu.c"
    rm -rf "$tmp"

    "$CC" "${FREESTANDING[@]}" -o "$dest/pt_test_freestanding.elf" src/pt_test_freestanding.c
}

sums_of() { (cd "$1" && sha256sum -- *.elf) | sed 's#  #  bin/#'; }

case $mode in
    build)
        rm -f bin/*.elf
        build_all bin
        sums_of bin > SHA256SUMS
        toolchain_text > TOOLCHAIN
        cat SHA256SUMS
        ;;
    out)
        build_all "$out"
        sums_of "$out"
        ;;
    check)
        tmpout=$(mktemp -d)
        trap 'rm -rf "$tmpout"' EXIT
        build_all "$tmpout"
        if ! diff <(toolchain_text) TOOLCHAIN >&2; then
            echo "build.sh --check: note: toolchain versions differ from TOOLCHAIN (above)" >&2
        fi
        if diff <(sums_of "$tmpout") SHA256SUMS >&2; then
            echo "build.sh --check: all $(wc -l < SHA256SUMS) ELF files match SHA256SUMS"
        else
            echo "build.sh --check: MISMATCH against SHA256SUMS (above)" >&2
            exit 1
        fi
        ;;
esac
