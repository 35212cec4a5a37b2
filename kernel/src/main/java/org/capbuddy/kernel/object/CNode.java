package org.capbuddy.kernel.object;

import java.util.function.Consumer;
import org.capbuddy.kernel.cap.Slot;

/**
 * A CNode: 2^radix capability slots of 32 bytes each (radix 0..42, as far as a Retype can go).
 * Host storage is created on first use, in chunks of 4096 slots found through an array directory
 * ({@link SlotTable}), so a large CNode (an 18-bit root, or a huge one made by a fuzzer) costs host
 * memory only for the chunks whose slots were ever touched, and a lookup is a few array loads.
 */
public final class CNode extends KernelObject {
    private final int radix;
    private final SlotTable slots;

    public CNode(long paddr, int radix) {
        super(paddr, radix + 5);
        this.radix = radix;
        this.slots = new SlotTable(this, radix);
    }

    public int radix() {
        return radix;
    }

    public long slotCount() {
        return 1L << radix;
    }

    /** The slot at {@code index} (0 &le; index &lt; 2^radix), created empty on first access. */
    public Slot slot(long index) {
        return slots.slot(index);
    }

    /** The slot at {@code index} if it was ever touched, else null; never allocates. */
    public Slot existingSlot(long index) {
        return slots.existingSlot(index);
    }

    /**
     * Visits every slot that was ever touched (empty or not), in ascending index order, so that
     * whatever depends on the order (the order a dying CNode's caps are deleted in) is the same on
     * every run.
     */
    public void forEachTouchedSlot(Consumer<Slot> visitor) {
        slots.forEachTouchedSlot(visitor);
    }

    /** Chunks of host storage made so far (for tests of the lazy storage). */
    long hostChunkCount() {
        return slots.chunkCount();
    }

    @Override
    public String kindName() {
        return "CNode";
    }
}
