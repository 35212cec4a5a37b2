package org.capbuddy.aarch64.cpu;

import java.util.Arrays;
import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;

/**
 * The blocks of one page that a region's method holds (see {@link TranslatedBlock}): the block
 * being translated first, then, breadth first, the blocks its static branches (and its run into
 * the next instruction) lead to on the same page that are translated already, and theirs, up to
 * {@link #MAX_BLOCKS}. A call ({@code bl}, {@code blr}) also leads to its return site, the block
 * after it, where the callee's {@code ret} comes back ({@link #followsCall}). Only translated
 * blocks join, so a region runs in translated code exactly the instructions the loop would have
 * run there, block after block: the counts stay the same.
 *
 * @param slots  each block's first slot on the page, the entry first
 * @param lengths each block's instructions
 */
record RegionPlan(int[] slots, int[] lengths) {
    /** Most blocks in a region: with the bytecode check of the translator, a bound on the method's size. */
    static final int MAX_BLOCKS = 8;

    /** The region entered at the block of {@code length} instructions at {@code slot} of {@code page}. */
    static RegionPlan of(CodeCache.Page page, long pageBase, int slot, int length) {
        int[] slots = new int[MAX_BLOCKS];
        int[] lengths = new int[MAX_BLOCKS];
        slots[0] = slot;
        lengths[0] = length;
        int blocks = 1;
        for (int b = 0; b < blocks; b++) {
            int end = slots[b] + lengths[b];
            Insn last = page.insns[end - 1];
            long next = pageBase + 4L * end;
            long[] targets = switch (BlockTranslator.isBranch(last.op) ? last.op : -1) {
                case -1 -> new long[] {next};
                case Op.B -> new long[] {last.imm};
                case Op.BL -> new long[] {last.imm, next};
                case Op.BLR -> new long[] {next};
                case Op.BR -> new long[0];
                default -> new long[] {last.imm, next}; // conditional
            };
            for (long target : targets) {
                if ((target & ~0xFFFL) != pageBase || blocks == MAX_BLOCKS) {
                    continue;
                }
                int t = (int) (target >>> 2) & 1023;
                TranslatedBlock block = page.blocks[t];
                if (block != null && indexOf(slots, blocks, t) < 0) {
                    slots[blocks] = t;
                    lengths[blocks] = block.length;
                    blocks++;
                }
            }
        }
        return new RegionPlan(Arrays.copyOf(slots, blocks), Arrays.copyOf(lengths, blocks));
    }

    private static int indexOf(int[] slots, int count, int slot) {
        for (int i = 0; i < count; i++) {
            if (slots[i] == slot) {
                return i;
            }
        }
        return -1;
    }

    int blocks() {
        return slots.length;
    }

    /**
     * Whether {@code slot} is right after a call, where a return through a register ({@code ret})
     * goes: the blocks a region's branches through a register compare their target with.
     */
    static boolean followsCall(Insn[] page, int slot) {
        Insn before = slot > 0 ? page[slot - 1] : null;
        return before != null && (before.op == Op.BL || before.op == Op.BLR);
    }

    /** The first {@code blocks} blocks of this plan (those found first from the entry). */
    RegionPlan first(int blocks) {
        return new RegionPlan(Arrays.copyOf(slots, blocks), Arrays.copyOf(lengths, blocks));
    }

    /**
     * Whether a region is worth its method: more than one block, or one that branches to itself;
     * else the block alone does the same.
     */
    boolean worthIt(Insn[] page, long pageBase) {
        if (blocks() > 1) {
            return true;
        }
        Insn last = page[slots[0] + lengths[0] - 1];
        long start = pageBase + 4L * slots[0];
        return BlockTranslator.isBranch(last.op) && last.op != Op.BR && last.op != Op.BLR && last.imm == start;
    }
}
