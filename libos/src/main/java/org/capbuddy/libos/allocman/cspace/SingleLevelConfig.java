package org.capbuddy.libos.allocman.cspace;

import java.util.Optional;

/**
 * Configuration of a {@link SingleLevelCSpace} (allocman's {@code cspace_single_level_config}):
 * the slots [firstSlot, endSlot) of one CNode, invoked through cptr {@code root} and addressed
 * with {@code depth} bits (64 for the root CNode, whose guard takes up the rest).
 */
public record SingleLevelConfig(long root, int depth, long firstSlot, long endSlot) {

    /** Slots [firstSlot, endSlot) of the thread's root CNode, whose cap is at {@code root}. */
    public static SingleLevelConfig ofRootCNode(long root, long firstSlot, long endSlot) {
        return new SingleLevelConfig(root, 64, firstSlot, endSlot);
    }

    public long slotCount() {
        return endSlot - firstSlot;
    }

    /** Why this configuration cannot work, if it cannot. */
    public Optional<String> problem() {
        if (depth < 1 || depth > 64) {
            return Optional.of("depth must be 1..64, got " + depth);
        }
        if (firstSlot < 0 || endSlot <= firstSlot) {
            return Optional.of("slot range [" + firstSlot + ", " + endSlot + ") is empty or negative");
        }
        if (endSlot - firstSlot > SlotBitmap.MAX_SLOTS) {
            return Optional.of("slot range of " + (endSlot - firstSlot) + " slots exceeds " + SlotBitmap.MAX_SLOTS);
        }
        if (depth < 64 && endSlot > (1L << depth)) {
            return Optional.of("slot " + (endSlot - 1) + " cannot be addressed with " + depth + " bits");
        }
        return Optional.empty();
    }
}
