package org.capbuddy.kernel.object;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.capbuddy.kernel.cap.Slot;

/**
 * A CNode: 2^radix capability slots of 32 bytes each. Host storage is created on first use, in
 * chunks of 4096 slots, so a large CNode (an 18-bit root, or a huge one made by a fuzzer) costs
 * host memory only for the chunks whose slots were ever touched.
 */
public final class CNode extends KernelObject {
    private static final int CHUNK_BITS = 12;
    private static final int CHUNK = 1 << CHUNK_BITS;

    private final int radix;
    private final Map<Long, Slot[]> chunks = new HashMap<>();
    private final Slot[] small;

    public CNode(long paddr, int radix) {
        super(paddr, radix + 5);
        this.radix = radix;
        this.small = radix <= CHUNK_BITS ? new Slot[1 << radix] : null;
    }

    public int radix() {
        return radix;
    }

    public long slotCount() {
        return 1L << radix;
    }

    /** The slot at {@code index} (0 &le; index &lt; 2^radix), created empty on first access. */
    public Slot slot(long index) {
        Slot[] chunk = small != null ? small : chunks.computeIfAbsent(index >>> CHUNK_BITS, k -> new Slot[CHUNK]);
        int i = (int) (small != null ? index : index & (CHUNK - 1));
        Slot s = chunk[i];
        if (s == null) {
            s = new Slot(this, index);
            chunk[i] = s;
        }
        return s;
    }

    /** The slot at {@code index} if it was ever touched, else null; never allocates. */
    public Slot existingSlot(long index) {
        if (small != null) {
            return small[(int) index];
        }
        Slot[] chunk = chunks.get(index >>> CHUNK_BITS);
        return chunk == null ? null : chunk[(int) (index & (CHUNK - 1))];
    }

    /** Visits every slot that was ever touched (empty or not). */
    public void forEachTouchedSlot(Consumer<Slot> visitor) {
        if (small != null) {
            for (Slot s : small) {
                if (s != null) {
                    visitor.accept(s);
                }
            }
            return;
        }
        for (Slot[] chunk : chunks.values().toArray(new Slot[0][])) {
            for (Slot s : chunk) {
                if (s != null) {
                    visitor.accept(s);
                }
            }
        }
    }

    @Override
    public String kindName() {
        return "CNode";
    }
}
