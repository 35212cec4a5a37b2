package org.capbuddy.libos.machine;

import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.boot.Board;
import org.capbuddy.kernel.cost.CycleCostModel;
import org.capbuddy.libos.bootstrap.BootstrapConfig;
import org.capbuddy.libos.allocman.cspace.TwoLevelCSpace;
import org.capbuddy.libos.bootstrap.CSpaceLayout;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * Everything that decides how a machine is brought up, below SOS: the board's RAM, the kernel's
 * build options that matter to the allocators (root CNode size, Retype fan-out), how allocman
 * lays out its CSpace and its static bookkeeping pool, whether the CapBuddy pool stands in front
 * of allocman and how, and the seed of the run.
 *
 * @param ramBytes RAM of the board, at {@code 0x4000_0000}
 * @param rootCNodeBits {@code CONFIG_ROOT_CNODE_SIZE_BITS}
 * @param fanOut {@code CONFIG_RETYPE_FAN_OUT_LIMIT}
 * @param layout allocman's CSpace: the root CNode alone, or the root as level 1 of two
 * @param l2Bits radix of the L2 CNodes (two-level only; 0 for single-level)
 * @param staticPoolBytes allocman's static bookkeeping pool
 * @param pool the CapBuddy pool's settings, or null for plain allocman
 * @param seed the seed of every random choice a run on this machine makes (the machine itself
 *     makes none; workloads and fuzzers draw from {@link LibosMachine#random()})
 * @param costModel how the kernel's counts become modelled cycles (null: the documented default)
 */
public record MachineConfig(long ramBytes, int rootCNodeBits, int fanOut, CSpaceLayout layout, int l2Bits,
                            long staticPoolBytes, PoolConfig pool, long seed, CycleCostModel costModel) {

    public MachineConfig {
        if (costModel == null) {
            costModel = CycleCostModel.DEFAULT;
        }
    }

    /** CapBuddy's retype fan-out: one Retype makes a whole tree of 1024 frames. */
    public static final int POOL_FAN_OUT = 1024;
    /** The slot run one pool tree needs: 2^10 aligned slots in one CNode. */
    public static final int POOL_SLOT_RUN_BITS = 10;
    public static final long DEFAULT_STATIC_POOL_BYTES = 64 << 10;
    /** The original's root CNode: 2^18 slots, single-level. */
    public static final int ORIGINAL_ROOT_BITS = 18;
    /** L2 CNodes of the CSpace sized to RAM: 4096 slots (128 KiB), four pool trees each. */
    public static final int SCALED_L2_BITS = 12;
    /**
     * Slots one 4 KiB frame can cost at most: its own cap, its share of the untyped caps that
     * plain allocman's buddy splits leave above it (one per frame, at most), and a copy of its cap
     * that maps it in a process. The pool needs less (1025 slots a tree of 1024 frames).
     */
    public static final int SLOTS_PER_FRAME = 4;
    /** Slots plain allocman needs to hand out one 4 KiB frame: the frame and the split untypeds. */
    public static final int ALLOCMAN_SLOTS_PER_FRAME = 3;
    /** Root slots kept for what boot puts in the root CNode (initial caps, image frames, untypeds). */
    private static final int BOOT_ROOT_SLOTS = 1024;

    /**
     * CapBuddy on a CSpace that scales with RAM: two-level, as real seL4 systems are, with L2
     * CNodes of 2^12 slots and a root CNode just large enough that every 4 KiB frame of RAM can be
     * handed out, through the pool or through plain allocman ({@link #SLOTS_PER_FRAME} slots a
     * frame); fan-out 1024; the pool in front of allocman with its default settings; seed 1. The
     * static bookkeeping pool holds the L1 records two-level bootstrap charges to it.
     */
    public static MachineConfig capBuddy(long ramBytes) {
        int rootBits = rootBitsFor(ramBytes, SCALED_L2_BITS);
        return new MachineConfig(ramBytes, rootBits, POOL_FAN_OUT, CSpaceLayout.TWO_LEVEL, SCALED_L2_BITS,
                staticPoolFor(rootBits), PoolConfig.defaults(), 1, CycleCostModel.DEFAULT);
    }

    /**
     * The configuration the CapBuddy documents recommend, as the original ran it: an 18-bit
     * single-level root CNode, fan-out 1024, the pool with its default settings, seed 1. Its
     * 2^18 slots hold about 87,000 4 KiB frames through plain allocman at three slots a frame
     * (bench utilisation runs out of slots at 84,604 frames, 330 MiB), whatever the RAM.
     */
    public static MachineConfig original(long ramBytes) {
        return new MachineConfig(ramBytes, ORIGINAL_ROOT_BITS, POOL_FAN_OUT, CSpaceLayout.SINGLE_LEVEL, 0,
                DEFAULT_STATIC_POOL_BYTES, PoolConfig.defaults(), 1, CycleCostModel.DEFAULT);
    }

    /**
     * The root CNode radix of a two-level CSpace with L2 CNodes of 2^l2Bits slots that holds
     * {@link #SLOTS_PER_FRAME} slots for every 4 KiB frame of {@code ramBytes}, plus the root slots
     * boot takes: at least 2^12, at most what the kernel allows.
     */
    public static int rootBitsFor(long ramBytes, int l2Bits) {
        long slots = SLOTS_PER_FRAME * Math.max(1, ramBytes >>> 12);
        long l2Nodes = (slots + (1L << l2Bits) - 1) >>> l2Bits;
        int bits = 64 - Long.numberOfLeadingZeros(l2Nodes + BOOT_ROOT_SLOTS - 1);
        return Math.max(12, Math.min(KernelConfig.MAX_ROOT_CNODE_BITS, bits));
    }

    /** A static pool that holds a two-level CSpace's L1 records (over the whole root) and the usual 64 KiB. */
    public static long staticPoolFor(int rootBits) {
        long bytes = DEFAULT_STATIC_POOL_BYTES + TwoLevelCSpace.l1RecordBytes(0, 1L << rootBits);
        return (bytes + 4095) & -4096L;
    }

    public boolean hasPool() {
        return pool != null;
    }

    public MachineConfig withRam(long bytes) {
        return new MachineConfig(bytes, rootCNodeBits, fanOut, layout, l2Bits, staticPoolBytes, pool, seed, costModel);
    }

    public MachineConfig withPool(PoolConfig settings) {
        return new MachineConfig(ramBytes, rootCNodeBits, fanOut, layout, l2Bits, staticPoolBytes, settings, seed, costModel);
    }

    public MachineConfig withoutPool() {
        return withPool(null);
    }

    public MachineConfig withFanOut(int limit) {
        return new MachineConfig(ramBytes, rootCNodeBits, limit, layout, l2Bits, staticPoolBytes, pool, seed, costModel);
    }

    /** allocman's CSpace is the root CNode of 2^rootBits slots. */
    public MachineConfig singleLevel(int rootBits) {
        return new MachineConfig(ramBytes, rootBits, fanOut, CSpaceLayout.SINGLE_LEVEL, 0, staticPoolBytes, pool,
                seed, costModel);
    }

    /** allocman's CSpace is two-level: the root CNode of 2^rootBits slots as level 1, L2 CNodes of 2^l2. */
    public MachineConfig twoLevel(int rootBits, int l2) {
        return new MachineConfig(ramBytes, rootBits, fanOut, CSpaceLayout.TWO_LEVEL, l2, staticPoolBytes, pool, seed, costModel);
    }

    public MachineConfig withStaticPoolBytes(long bytes) {
        return new MachineConfig(ramBytes, rootCNodeBits, fanOut, layout, l2Bits, bytes, pool, seed, costModel);
    }

    public MachineConfig withSeed(long s) {
        return new MachineConfig(ramBytes, rootCNodeBits, fanOut, layout, l2Bits, staticPoolBytes, pool, s, costModel);
    }

    /** The kernel's configuration: the virt board with this RAM and these build options. */
    public KernelConfig kernelConfig() {
        return KernelConfig.capBuddy(ramBytes).withBoard(Board.virt(ramBytes)).withRootCNodeBits(rootCNodeBits)
                .withRetypeFanOutLimit(fanOut).withCostModel(costModel);
    }

    /** The same machine with {@code model} turning its counts into cycles. */
    public MachineConfig withCostModel(CycleCostModel model) {
        return new MachineConfig(ramBytes, rootCNodeBits, fanOut, layout, l2Bits, staticPoolBytes, pool, seed, model);
    }

    /** allocman's bootstrap configuration. */
    public BootstrapConfig bootstrapConfig() {
        BootstrapConfig base = layout == CSpaceLayout.TWO_LEVEL ? BootstrapConfig.twoLevel(l2Bits, staticPoolBytes)
                : BootstrapConfig.singleLevel(staticPoolBytes);
        return base.withVirtualPoolBytes(virtualPoolFor(ramBytes));
    }

    /**
     * How far allocman's virtual pool (its bookkeeping heap) may grow on {@code ramBytes} of RAM:
     * plain allocman's records for every 4 KiB frame of RAM come to 1/32 of it (two 64-byte split
     * records a frame), so 1/16 leaves room for the rest; never less than the usual 1 GiB. The pool
     * is mapped page by page as it grows, so the reach costs nothing until it is used.
     */
    public static long virtualPoolFor(long ramBytes) {
        return Math.max(BootstrapConfig.DEFAULT_VIRTUAL_POOL_BYTES, (ramBytes / 16 + 4095) & -4096L);
    }

    /**
     * Done when the configuration can be built, else why not. What only the built machine can
     * tell (whether the CSpace has a free 1024-slot run) is checked by {@link LibosMachine#boot}.
     */
    public Result<Void> check() {
        if (layout == null) {
            return bad("no CSpace layout");
        }
        if (costModel.problem() != null) {
            return bad(costModel.problem());
        }
        if (ramBytes <= 0 || (ramBytes & 4095) != 0 || ramBytes > Board.maxVirtRam()) {
            return bad("RAM must be a positive multiple of 4 KiB up to " + Board.maxVirtRam() + " bytes, got "
                    + ramBytes);
        }
        if (layout == CSpaceLayout.TWO_LEVEL && (l2Bits < 1 || l2Bits > 24)) {
            return bad("two-level L2 CNodes must have 2^1..2^24 slots, got 2^" + l2Bits);
        }
        if (staticPoolBytes < 4096 || (staticPoolBytes & 4095) != 0) {
            return bad("the static bookkeeping pool must be a multiple of 4 KiB of at least 4 KiB, got "
                    + staticPoolBytes);
        }
        var kernelProblem = kernelConfig().problem();
        if (kernelProblem.isPresent()) {
            return bad(kernelProblem.get());
        }
        if (pool == null) {
            return Result.done();
        }
        Result<Void> settings = pool.check();
        if (!settings.isOk()) {
            return settings;
        }
        if (fanOut < POOL_FAN_OUT) {
            return bad("the CapBuddy pool makes each tree with one Retype of 1024 frames, so it needs a retype "
                    + "fan-out limit of at least " + POOL_FAN_OUT + ", got " + fanOut
                    + " (use plain allocman, or raise the fan-out)");
        }
        if (layout == CSpaceLayout.TWO_LEVEL && l2Bits < POOL_SLOT_RUN_BITS) {
            return bad("the CapBuddy pool needs 1024 consecutive slots in one CNode for each tree, and L2 CNodes of 2^"
                    + l2Bits + " slots cannot hold them (use L2 CNodes of 2^10 slots or more)");
        }
        return Result.done();
    }

    private static Result<Void> bad(String why) {
        return Result.fail(AllocErrorKind.BAD_ARGUMENT, why);
    }
}
