package org.capbuddy.kernel.api;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The object types Untyped_Retype can create on AArch64 (seL4 13 and later, non-MCS, no
 * hypervisor), with their type IDs and sizes. ASID pools are not a Retype type: only
 * ASIDControl_MakePool makes them.
 */
public enum ObjectType {
    UNTYPED(0, -1),
    TCB(1, 11),
    ENDPOINT(2, 4),
    NOTIFICATION(3, 5),
    CNODE(4, -1),
    HUGE_PAGE(5, 30),
    VSPACE(6, 12),
    SMALL_PAGE(7, 12),
    LARGE_PAGE(8, 21),
    PAGE_TABLE(9, 12);

    /** {@code seL4_ObjectTypeCount}: type IDs at or above this are InvalidArgument. */
    public static final int COUNT = 10;
    /** {@code seL4_SlotBits}: a CNode slot is 32 bytes. */
    public static final int SLOT_BITS = 5;
    public static final int MIN_UNTYPED_BITS = 4;
    public static final int MAX_UNTYPED_BITS = 47;
    /** An ASID pool occupies one 4 KiB frame of memory. */
    public static final int ASID_POOL_BITS = 12;

    /**
     * The type of each ID below {@link #COUNT}, wrapped once, so that the lookups below hand out
     * shared immutable {@code Optional}s instead of making one per Retype.
     */
    private static final List<Optional<ObjectType>> BY_ID = IntStream.range(0, COUNT)
            .mapToObj(id -> Arrays.stream(values()).filter(t -> t.id == id).findFirst())
            .toList();

    private final int id;
    private final int fixedBits;

    ObjectType(int id, int fixedBits) {
        this.id = id;
        this.fixedBits = fixedBits;
    }

    /** The type ID passed to Untyped_Retype. */
    public int id() {
        return id;
    }

    public static Optional<ObjectType> fromId(long id) {
        return id >= 0 && id < BY_ID.size() ? BY_ID.get((int) id) : Optional.empty();
    }

    /** True for types whose size the {@code size_bits} argument decides (Untyped, CNode). */
    public boolean isVariableSize() {
        return fixedBits < 0;
    }

    public boolean isFrame() {
        return this == SMALL_PAGE || this == LARGE_PAGE || this == HUGE_PAGE;
    }

    /**
     * log2 of the object's size in bytes for the given {@code size_bits} argument: the argument
     * itself for Untyped, slots plus {@link #SLOT_BITS} for a CNode, and the fixed size otherwise.
     */
    public long objectSizeBits(long userSizeBits) {
        return switch (this) {
            case UNTYPED -> userSizeBits;
            case CNODE -> userSizeBits + SLOT_BITS;
            default -> fixedBits;
        };
    }

    /** The frame type of the given size, if there is one (12, 21, 30). */
    public static Optional<ObjectType> frameOfBits(int sizeBits) {
        return switch (sizeBits) {
            case 12 -> BY_ID.get(SMALL_PAGE.id);
            case 21 -> BY_ID.get(LARGE_PAGE.id);
            case 30 -> BY_ID.get(HUGE_PAGE.id);
            default -> Optional.empty();
        };
    }
}
