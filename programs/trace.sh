#!/usr/bin/env bash
# trace.sh - record QEMU single-step reference traces of the programs in bin/
# that run to the end under qemu-aarch64, plus their initial stack images.
#
#   ./trace.sh            all programs listed in TRACED below
#   ./trace.sh NAME...    only those (NAME as in bin/NAME.elf)
#
# For each program, into traces/:
#   NAME.trace.gz   gzip -9 -n of the log of
#                   env -i qemu-aarch64 -cpu cortex-a53 -seed 1 -singlestep \
#                       -d cpu,fpu,nochain -D LOG ./bin/NAME.elf [ARGS]
#                   one record per executed instruction: the state before it
#   NAME.stack.bin  the bytes from the initial SP up to the top of the stack
#                   mapping, at the first instruction (argc, argv, envp, auxv,
#                   AT_RANDOM bytes, strings)
#   NAME.stack.txt  sp=, top=, stack_low=, pc=, start_brk-style facts and the
#                   initial memory map QEMU printed (-d page)
#   NAME.stdout     what the program wrote to fd 1 and fd 2
#   MANIFEST        one line per program: records, exit status, sizes, ELF hash
#
# The stack image comes from a second QEMU run with the same command line
# (without -singlestep/-d cpu) stopped at the entry point by its gdbstub
# (-g on a unix socket) and read with gdb-multiarch (`dump binary memory`).
# Its SP and PC are checked against the first trace record.
#
# Determinism: -seed 1 fixes AT_RANDOM; env -i, the fixed argv[0]
# (./bin/NAME.elf, run from this folder) and -cpu fix the rest of the auxv.
# When possible both runs are wrapped in `unshare --user --map-root-user --pid
# --fork`: then set_tid_address returns 1 and AT_UID/GID are 0 for every user,
# so the traces come out byte-identical on every run.  mmap results are guest
# addresses chosen by QEMU; they have been stable but are host-dependent in
# principle.  stdout is a file, so musl's ioctl(TIOCGWINSZ) gets -ENOTTY.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

QEMU=${QEMU:-qemu-aarch64}
GDB=${GDB:-gdb-multiarch}
CPU=cortex-a53

# NAME[:ARGS] - ARGS (space separated, here ':'-free) become argv[1..].
# malloc_stress and the loop kernels run with small counts to keep traces small.
TRACED="pt_test_qemu pt_test_freestanding hello bad_write libc_smoke malloc_stress:30 loop_k0:2 loop_k1:100"

for t in "$QEMU" "$GDB" gzip sha256sum; do
    command -v "$t" >/dev/null 2>&1 || { echo "trace.sh: $t not found" >&2; exit 77; }
done

wrap=()
if unshare --user --map-root-user --pid --fork true 2>/dev/null; then
    wrap=(unshare --user --map-root-user --pid --fork)
    pidns=yes
else
    echo "trace.sh: warning: cannot unshare a pid namespace; set_tid_address/AT_UID will be host values" >&2
    pidns=no
fi

want=("$@")
selected() {
    [ ${#want[@]} -eq 0 ] && return 0
    local w
    for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done
    return 1
}

tmp=$(mktemp -d)
qpid=
cleanup() {
    if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then kill -9 "$qpid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p traces
hex() { printf '0x%x' "$1"; }

# dump_stack NAME ARGS... : writes traces/NAME.stack.bin and .stack.txt,
# sets STACK_SP and STACK_PC (decimal)
dump_stack() {
    local name=$1; shift
    local sock=$tmp/gdb.sock page=$tmp/page.log i
    rm -f "$sock" "$page"
    "${wrap[@]}" env -i "$QEMU" -cpu $CPU -seed 1 -d page -D "$page" -g "$sock" \
        "./bin/$name.elf" "$@" >/dev/null 2>&1 &
    qpid=$!
    for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || { echo "trace.sh: $name: gdbstub socket did not appear" >&2; exit 1; }

    # the stack mapping: the rw- region of the final map (-d page) holding start_stack
    local start_stack sp_page s e prot low=0 top=0
    start_stack=$(awk '$1 == "start_stack" { print $2 }' "$page")
    sp_page=$((start_stack))
    while read -r range _ prot; do
        s=$((16#${range%-*})); e=$((16#${range#*-}))
        if [ "$prot" = rw- ] && [ "$s" -le "$sp_page" ] && [ "$sp_page" -lt "$e" ]; then
            low=$s; top=$e
        fi
    done < <(awk '/following binary load/ { on = 1; next } on && /^[0-9a-f]+-[0-9a-f]+ / { print }' "$page")
    [ "$top" -ne 0 ] || { echo "trace.sh: $name: no stack mapping in -d page output" >&2; exit 1; }

    "$GDB" -nx -batch -ex 'set architecture aarch64' -ex "target remote $sock" \
        -ex 'printf "gdb sp=0x%lx pc=0x%lx pstate=0x%x\n", $sp, $pc, $cpsr' \
        -ex "dump binary memory $tmp/stack.bin \$sp $(hex $top)" \
        -ex kill > "$tmp/gdb.out" 2>&1 || true
    wait "$qpid" 2>/dev/null || true
    qpid=

    local g_sp g_pc g_ps
    read -r g_sp g_pc g_ps < <(sed -n 's/^gdb sp=\(0x[0-9a-f]*\) pc=\(0x[0-9a-f]*\) pstate=\(0x[0-9a-f]*\)$/\1 \2 \3/p' "$tmp/gdb.out")
    if [ -z "${g_sp:-}" ] || [ ! -f "$tmp/stack.bin" ]; then
        echo "trace.sh: $name: gdb failed:" >&2; cat "$tmp/gdb.out" >&2; exit 1
    fi
    if [ $((g_sp)) -ne $((start_stack)) ]; then
        echo "trace.sh: $name: gdb SP $g_sp != QEMU start_stack $start_stack" >&2; exit 1
    fi
    local size
    size=$(stat -c %s "$tmp/stack.bin")
    if [ "$size" -ne $((top - g_sp)) ]; then
        echo "trace.sh: $name: stack dump has $size bytes, expected $((top - g_sp))" >&2; exit 1
    fi
    cp "$tmp/stack.bin" "traces/$name.stack.bin"
    {
        echo "# Initial stack of: env -i qemu-aarch64 -cpu $CPU -seed 1 ./bin/$name.elf${*:+ $*}"
        echo "# stack.bin holds the bytes [sp, top) at the first instruction (file offset 0 = sp)."
        echo "sp=$(hex $((g_sp)))"
        echo "top=$(hex $top)"
        echo "size=$size"
        echo "stack_low=$(hex $low)"
        echo "pc=$(hex $((g_pc)))"
        echo "pstate=$(hex $((g_ps)))"
        echo "argv=./bin/$name.elf${*:+ $*}"
        awk '$1 ~ /^(start_brk|end_code|start_code|start_data|end_data|start_stack|brk|entry|argv_start|env_start|auxv_start)$/ {
                 v = $2; sub(/^0x0*/, "", v); if (v == "") v = "0"; printf "qemu_%s=0x%s\n", $1, v }' "$page"
        awk '/following binary load/ { on = 1; next }
             on && /^[0-9a-f]+-[0-9a-f]+ / { split($1, r, "-"); s = r[1]; e = r[2]
                 sub(/^0+/, "", s); sub(/^0+/, "", e); printf "map=0x%s-0x%s %s\n", s, e, $3 }' "$page"
    } > "traces/$name.stack.txt"
    STACK_SP=$((g_sp))
    STACK_PC=$((g_pc))
}

manifest_rows=()
for entry in $TRACED; do
    name=${entry%%:*}
    args=()
    [ "$entry" != "$name" ] && read -r -a args <<< "${entry#*:}"
    selected "$name" || continue
    [ -f "bin/$name.elf" ] || { echo "trace.sh: bin/$name.elf missing (run ./build.sh)" >&2; exit 1; }
    echo "trace.sh: $name ${args[*]:-}" >&2

    dump_stack "$name" "${args[@]}"
    sp=$STACK_SP pc=$STACK_PC

    log=$tmp/$name.log
    set +e
    "${wrap[@]}" env -i "$QEMU" -cpu $CPU -seed 1 -singlestep -d cpu,fpu,nochain -D "$log" \
        "./bin/$name.elf" "${args[@]}" > "traces/$name.stdout" 2>&1
    rc=$?
    set -e

    records=$(grep -c '^ PC=' "$log")
    first_pc=$(sed -n '1s/^ PC=\([0-9a-f]*\) .*/\1/p' "$log")
    first_sp=$(grep -m 1 -o ' SP=[0-9a-f]*' "$log" | cut -d= -f2)
    if [ $((16#$first_sp)) -ne "$sp" ] || [ $((16#$first_pc)) -ne "$pc" ]; then
        echo "trace.sh: $name: first record PC=$first_pc SP=$first_sp, stack dump pc=$(hex "$pc") sp=$(hex "$sp")" >&2
        exit 1
    fi
    gzip -9 -n -c "$log" > "traces/$name.trace.gz"
    rm -f "$log"
    gz=$(stat -c %s "traces/$name.trace.gz")
    elf=$(sha256sum "bin/$name.elf" | cut -d' ' -f1)
    argstr=${args[*]:-}
    manifest_rows+=("$(printf '%-22s %-6s %9s %4s %9s %6s  %s' "$name" "${argstr:--}" "$records" "$rc" "$gz" \
        "$(stat -c %s "traces/$name.stack.bin")" "$elf")")
    echo "trace.sh: $name: $records records, exit $rc, $gz bytes gzipped" >&2
done

# MANIFEST: keep rows of programs not re-traced this time
{
    echo "# QEMU reference traces (trace.sh).  qemu-user $(dpkg-query -W -f='${Version}' qemu-user 2>/dev/null || "$QEMU" --version | head -n 1), -cpu $CPU -seed 1, pid namespace: $pidns"
    echo "# records = instructions executed (one record per instruction, including the final svc)"
    echo "# name                 args     records exit  trace.gz  stack  elf sha256"
    for row in "${manifest_rows[@]}"; do echo "$row"; done
    if [ -f traces/MANIFEST ]; then
        grep -v '^#' traces/MANIFEST | while read -r n _; do
            for row in "${manifest_rows[@]}"; do [ "${row%% *}" = "$n" ] && continue 2; done
            grep "^$n " traces/MANIFEST
        done
    fi
} > "$tmp/MANIFEST"
{ grep '^#' "$tmp/MANIFEST"; grep -v '^#' "$tmp/MANIFEST" | sort; } > traces/MANIFEST
cat traces/MANIFEST
