package org.capbuddy.kernel;

import java.util.Optional;
import org.capbuddy.kernel.memory.MemoryRegion;
import org.capbuddy.kernel.boot.Board;
import org.capbuddy.kernel.cost.CycleCostModel;

/**
 * The build-time configuration of a simulated seL4 kernel and the machine it boots on.
 *
 * @param board the physical memory map
 * @param rootCNodeBits {@code CONFIG_ROOT_CNODE_SIZE_BITS}: the root CNode has 2^bits slots
 *     (7..26; CapBuddy wants 18 or more)
 * @param retypeFanOutLimit {@code CONFIG_RETYPE_FAN_OUT_LIMIT}: objects per Retype (seL4's default
 *     256; CapBuddy needs 1024)
 * @param userImagePages 4 KiB pages of the root task's image
 * @param costModel how counts become modelled cycles
 */
public record KernelConfig(Board board, int rootCNodeBits, int retypeFanOutLimit, int userImagePages,
                           CycleCostModel costModel) {
    public static final int MIN_ROOT_CNODE_BITS = 7;
    public static final int MAX_ROOT_CNODE_BITS = 26;
    public static final int DEFAULT_ROOT_CNODE_BITS = 12;
    public static final int DEFAULT_FAN_OUT_LIMIT = 256;
    public static final int DEFAULT_IMAGE_PAGES = 64;

    /** seL4's defaults on a 2 GiB virt board. */
    public static KernelConfig defaults() {
        return new KernelConfig(Board.virt(Board.DEFAULT_RAM_SIZE), DEFAULT_ROOT_CNODE_BITS,
                DEFAULT_FAN_OUT_LIMIT, DEFAULT_IMAGE_PAGES, CycleCostModel.DEFAULT);
    }

    /** The configuration the CapBuddy documents recommend: an 18-bit root CNode and fan-out 1024. */
    public static KernelConfig capBuddy(long ramBytes) {
        return new KernelConfig(Board.virt(ramBytes), 18, 1024, DEFAULT_IMAGE_PAGES, CycleCostModel.DEFAULT);
    }

    public KernelConfig withBoard(Board b) {
        return new KernelConfig(b, rootCNodeBits, retypeFanOutLimit, userImagePages, costModel);
    }

    public KernelConfig withRootCNodeBits(int bits) {
        return new KernelConfig(board, bits, retypeFanOutLimit, userImagePages, costModel);
    }

    /** The same configuration with {@code model} turning counts into cycles (null: the default). */
    public KernelConfig withCostModel(CycleCostModel model) {
        return new KernelConfig(board, rootCNodeBits, retypeFanOutLimit, userImagePages,
                model == null ? CycleCostModel.DEFAULT : model);
    }

    public KernelConfig withRetypeFanOutLimit(int limit) {
        return new KernelConfig(board, rootCNodeBits, limit, userImagePages, costModel);
    }

    /**
     * An upper bound on the RAM the root task's boot objects take: root CNode, VSpace, ASID pool,
     * TCB, IPC buffer, boot info, image frames and the page tables mapping them, with alignment.
     */
    public long rootServerBytes() {
        long cnode = 1L << (rootCNodeBits + 5);
        long pages = 6L + userImagePages + 3 + (userImagePages / 512 + 1);
        return 2 * cnode + pages * 4096;
    }

    /** Why this configuration cannot boot, if it cannot. */
    public Optional<String> problem() {
        if (rootCNodeBits < MIN_ROOT_CNODE_BITS || rootCNodeBits > MAX_ROOT_CNODE_BITS) {
            return Optional.of("root CNode size must be " + MIN_ROOT_CNODE_BITS + ".." + MAX_ROOT_CNODE_BITS + " bits, got "
                    + rootCNodeBits);
        }
        if (retypeFanOutLimit < 1 || retypeFanOutLimit > (1 << 20)) {
            return Optional.of("retype fan-out limit must be 1..1048576, got " + retypeFanOutLimit);
        }
        if (userImagePages < 1 || userImagePages > 4096) {
            return Optional.of("root task image must be 1..4096 pages, got " + userImagePages);
        }
        for (MemoryRegion r : board.ram()) {
            // seL4's boot hands RAM out as untypeds of whole pages, all below the physical top
            if ((r.base() & 4095) != 0 || (r.size() & 4095) != 0 || r.base() > board.physicalTop() - r.size()) {
                return Optional.of("RAM must be whole 4 KiB pages below the physical top 0x"
                        + Long.toHexString(board.physicalTop()) + ", got 0x" + Long.toHexString(r.base()) + " + "
                        + r.size() + " bytes");
            }
        }
        long firstRam = board.ram().get(0).size();
        long needed = board.kernelImageBytes() + rootServerBytes();
        if (needed > firstRam) {
            return Optional.of("RAM too small: the kernel image and the root task's objects need " + needed
                    + " bytes of the first RAM region, which has " + firstRam);
        }
        return Optional.empty();
    }
}
