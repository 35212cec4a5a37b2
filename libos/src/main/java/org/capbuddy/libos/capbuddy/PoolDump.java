package org.capbuddy.libos.capbuddy;

import java.util.List;

/**
 * The CapBuddy pool's trees at one moment, so that a frame seen in a page table can be found in
 * the tree it came from: each tree's physical range, whether it is device memory, its free blocks
 * by order (the buddy allocator's free map) and its allocated frames as ranges of frame numbers
 * (frame i is at {@code basePaddr + i * 4 KiB} and cap {@code baseCptr + i}).
 */
public record PoolDump(List<TreeLine> trees) {
    public PoolDump {
        trees = List.copyOf(trees);
    }

    /**
     * One tree.
     *
     * @param freeBlocks the free blocks of each order 0..10 (a block of order k is 2^k frames)
     * @param allocated the allocated frames, as ranges of frame numbers
     */
    public record TreeLine(long basePaddr, long baseCptr, boolean device, int freeFrames, List<Integer> freeBlocks,
            List<FrameRange> allocated) {
        public TreeLine {
            freeBlocks = List.copyOf(freeBlocks);
            allocated = List.copyOf(allocated);
        }

        /** Whether {@code paddr} is in this tree's 4 MiB. */
        public boolean contains(long paddr) {
            return paddr >= basePaddr && paddr < basePaddr + ((long) BuddyTree.FRAMES << CapBuddyPool.FRAME_BITS);
        }
    }

    /** Frames {@code first} to {@code last} of a tree, both included. */
    public record FrameRange(int first, int last) {
        public boolean contains(int frame) {
            return frame >= first && frame <= last;
        }
    }

    /** The tree holding {@code paddr}, or null. */
    public TreeLine treeOf(long paddr) {
        return trees.stream().filter(t -> t.contains(paddr)).findFirst().orElse(null);
    }

    public String render() {
        StringBuilder s = new StringBuilder(String.format("CapBuddy pool: %d %s of 1024 frames%n", trees.size(),
                trees.size() == 1 ? "tree" : "trees"));
        for (TreeLine t : trees) {
            long last = t.basePaddr() + ((long) BuddyTree.FRAMES << CapBuddyPool.FRAME_BITS) - 1;
            s.append(String.format("  tree at pa 0x%x-0x%x%s, caps from 0x%x: %d frames free%n", t.basePaddr(), last,
                    t.device() ? " (device)" : "", t.baseCptr(), t.freeFrames()));
            List<String> orders = new java.util.ArrayList<>();
            for (int k = 0; k < t.freeBlocks().size(); k++) {
                if (t.freeBlocks().get(k) > 0) {
                    orders.add(String.format("order %d: %d", k, t.freeBlocks().get(k)));
                }
            }
            s.append("    free blocks by order: ").append(orders.isEmpty() ? "none" : String.join(", ", orders)).append('\n');
            s.append("    allocated frames:");
            if (t.allocated().isEmpty()) {
                s.append(" none");
            }
            for (FrameRange range : t.allocated()) {
                s.append(range.first() == range.last() ? String.format(" %d", range.first())
                        : String.format(" %d-%d", range.first(), range.last()));
            }
            s.append('\n');
        }
        return s.toString();
    }
}
