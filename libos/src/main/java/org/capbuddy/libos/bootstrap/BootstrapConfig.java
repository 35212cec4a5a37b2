package org.capbuddy.libos.bootstrap;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.allocman.ReserveConfig;
import org.capbuddy.libos.allocman.cspace.TwoLevelCSpace;
import org.capbuddy.libos.allocman.utspace.SplitUtspace;

/**
 * How to bring allocman up in the root task.
 *
 * @param layout single- or two-level CSpace
 * @param l2Bits radix of the L2 CNodes (two-level only)
 * @param staticPoolBase address of the static bookkeeping pool (in the root task's image)
 * @param staticPoolBytes its size: enough for the cspace bitmap and the untyped records at boot
 * @param virtualPoolBase first address of the virtual pool in the root task's VSpace
 * @param virtualPoolBytes how far the virtual pool may grow
 * @param reserves what allocman keeps in reserve
 */
public record BootstrapConfig(CSpaceLayout layout, int l2Bits, long staticPoolBase, long staticPoolBytes,
                              long virtualPoolBase, long virtualPoolBytes, ReserveConfig reserves) {

    public static final long DEFAULT_STATIC_POOL_BASE = 0x0100_0000L;
    public static final long DEFAULT_VIRTUAL_POOL_BASE = 0x10_0000_0000L;
    public static final long DEFAULT_VIRTUAL_POOL_BYTES = 1L << 30;

    /** A single-level CSpace with a static pool of {@code staticPoolBytes}. */
    public static BootstrapConfig singleLevel(long staticPoolBytes) {
        return new BootstrapConfig(CSpaceLayout.SINGLE_LEVEL, 0, DEFAULT_STATIC_POOL_BASE, staticPoolBytes,
                DEFAULT_VIRTUAL_POOL_BASE, DEFAULT_VIRTUAL_POOL_BYTES, defaultReserves(CSpaceLayout.SINGLE_LEVEL, 0));
    }

    /** A two-level CSpace with L2 CNodes of 2^l2Bits slots. */
    public static BootstrapConfig twoLevel(int l2Bits, long staticPoolBytes) {
        return new BootstrapConfig(CSpaceLayout.TWO_LEVEL, l2Bits, DEFAULT_STATIC_POOL_BASE, staticPoolBytes,
                DEFAULT_VIRTUAL_POOL_BASE, DEFAULT_VIRTUAL_POOL_BYTES, defaultReserves(CSpaceLayout.TWO_LEVEL, l2Bits));
    }

    /**
     * Reserves for the worst nested need of the managers: growing the virtual pool takes a frame
     * and up to three page tables from inside the untyped manager, and slots from inside the
     * cspace manager; the managers' own records come as chunks of their exact sizes.
     */
    public static ReserveConfig defaultReserves(CSpaceLayout layout, int l2Bits) {
        List<ReserveConfig.ChunkReserve> chunks = new ArrayList<>();
        chunks.add(new ReserveConfig.ChunkReserve(SplitUtspace.NODE_RECORD_BYTES, 32));
        if (layout == CSpaceLayout.TWO_LEVEL) {
            chunks.add(new ReserveConfig.ChunkReserve(TwoLevelCSpace.l2RecordBytes(l2Bits), 2));
        }
        // 96 slots: twice the deepest split a request can need (an untyped of 2^47 down to 2^4),
        // which the untyped manager may meet while the cspace manager is busy making an L2.
        return new ReserveConfig(96, List.of(new ReserveConfig.ObjectReserve(ObjectType.SMALL_PAGE, 12, 4),
                new ReserveConfig.ObjectReserve(ObjectType.PAGE_TABLE, 12, 4)), chunks);
    }

    /** The same, with a virtual pool that may grow to {@code bytes}. */
    public BootstrapConfig withVirtualPoolBytes(long bytes) {
        return new BootstrapConfig(layout, l2Bits, staticPoolBase, staticPoolBytes, virtualPoolBase, bytes, reserves);
    }

    public BootstrapConfig withReserves(ReserveConfig r) {
        return new BootstrapConfig(layout, l2Bits, staticPoolBase, staticPoolBytes, virtualPoolBase, virtualPoolBytes, r);
    }
}
