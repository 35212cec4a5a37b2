package org.capbuddy.libos.machine;

import java.util.Optional;
import java.util.SplittableRandom;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.libos.allocman.Allocman;
import org.capbuddy.libos.allocman.AllocmanAccounting;
import org.capbuddy.libos.bootstrap.Booted;
import org.capbuddy.libos.bootstrap.CSpaceLayout;
import org.capbuddy.libos.bootstrap.LibosBootstrap;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;

/**
 * A machine brought up to the allocators, as a root task's {@code main()} does before it starts
 * its own services: the kernel booted, allocman bootstrapped from the boot info, and the CapBuddy
 * pool put in front of it when the configuration asks for one. {@link #balance()} is the leak
 * check every test, benchmark and report compares.
 *
 * <p>One machine is driven by one thread: the one that booted it (see
 * {@link org.capbuddy.kernel.host.MachineGuard}).
 */
public final class LibosMachine {
    private final MachineConfig config;
    private final Kernel kernel;
    private final Booted booted;
    private final CapBuddyVka pool;
    private final SplittableRandom random;
    private final long slotCapacity;

    private LibosMachine(MachineConfig config, Kernel kernel, Booted booted, CapBuddyVka pool) {
        this.config = config;
        this.kernel = kernel;
        this.booted = booted;
        this.pool = pool;
        this.random = new SplittableRandom(config.seed());
        this.slotCapacity = slotCapacity(config, kernel.bootInfo().empty().end() - kernel.bootInfo().empty().start());
    }

    /** Slots allocman's CSpace has: the root's empty region, or (two-level) L2 CNodes in all of it but one entry. */
    private static long slotCapacity(MachineConfig config, long emptyRootSlots) {
        return config.layout() == CSpaceLayout.TWO_LEVEL ? (emptyRootSlots - 1) << config.l2Bits() : emptyRootSlots;
    }

    /** Slots allocman's CSpace can hand out in all. */
    public long slotCapacity() {
        return slotCapacity;
    }

    /**
     * Why this machine's CSpace cannot hand out all of its RAM as 4 KiB frames, when it cannot
     * (a small single-level CSpace on a large machine, say): the slots, not the memory, will run
     * out first. The CSpace sized to RAM ({@link MachineConfig#capBuddy}) never has a shortfall.
     */
    public Optional<String> cspaceShortfall() {
        long ramFrames = kernel.bootInfo().ramUntypedBytes() >>> 12;
        long frames = slotCapacity / MachineConfig.ALLOCMAN_SLOTS_PER_FRAME;
        if (frames >= ramFrames) {
            return Optional.empty();
        }
        return Optional.of(String.format("this CSpace has %,d slots: plain allocman can hand out about %,d 4 KiB "
                + "frames (%d%% of RAM) before the slots run out; a two-level CSpace sized to RAM holds them all",
                slotCapacity, frames, frames * 100 / Math.max(1, ramFrames)));
    }

    /**
     * Boots the kernel, bootstraps allocman and starts the pool, or says why it cannot: a
     * configuration that cannot work (see {@link MachineConfig#check}), a bootstrap that fails, or
     * a pool that could never make a tree because the CSpace has no free run of 1024 slots.
     */
    public static Result<LibosMachine> boot(MachineConfig config) {
        if (config == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no machine configuration");
        }
        Result<Void> valid = config.check();
        if (!valid.isOk()) {
            return valid.asFailure();
        }
        Kernel kernel = Kernel.boot(config.kernelConfig());
        if (kernel.bootInfo().empty().size() <= 0) {
            int bits = config.rootCNodeBits();
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the root CNode of 2^" + bits + " slots is full after boot"
                    + " (the kernel's initial caps and its " + kernel.bootInfo().untypedList().size() + " untyped caps"
                    + " take every slot), so allocman has none to start in: use a root CNode of 2^" + (bits + 1)
                    + " slots or more");
        }
        Result<Booted> booted = LibosBootstrap.bootstrap(kernel.rootTask(), kernel.bootInfo(),
                config.bootstrapConfig());
        if (!booted.isOk()) {
            return Result.fail(new AllocError(booted.error().kind(), "allocman bootstrap failed: "
                    + booted.error().detail(), booted.error().kernelResult()));
        }
        Booted b = booted.value();
        CapBuddyVka pool = null;
        if (config.hasPool()) {
            Result<Void> room = slotRunFits(b);
            if (!room.isOk()) {
                return room.asFailure();
            }
            pool = new CapBuddyVka(b.vka(), config.pool(), b.vspace());
        }
        return Result.ok(new LibosMachine(config, kernel, b, pool));
    }

    /** Takes a 1024-slot run and gives it back at once: a pool that could never get one is refused now. */
    private static Result<Void> slotRunFits(Booted b) {
        Result<CSpacePath> run = b.vka().cspaceAllocContiguous(MachineConfig.POOL_SLOT_RUN_BITS);
        if (!run.isOk()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the CapBuddy pool needs 1024 consecutive free slots in "
                    + "one CNode for each tree, and this CSpace has none (" + run.error().detail()
                    + "); use a larger root CNode or a two-level CSpace with L2 CNodes of 2^10 slots");
        }
        return b.vka().cspaceFreeContiguous(run.value().capPtr(), MachineConfig.POOL_SLOT_RUN_BITS);
    }

    public MachineConfig config() {
        return config;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** The root task's invocation stubs. */
    public Sel4 sel4() {
        return kernel.rootTask();
    }

    public MachineGuard guard() {
        return kernel.guard();
    }

    /** allocman and the root task's cptrs after bootstrap. */
    public Booted booted() {
        return booted;
    }

    public Allocman allocman() {
        return booted.allocman();
    }

    /** Where frames and objects come from: the pool's vka when there is a pool, else allocman's. */
    public Vka vka() {
        return pool != null ? pool : booted.vka();
    }

    /** The pool's vka, when the configuration has a pool. */
    public Optional<CapBuddyVka> pool() {
        return Optional.ofNullable(pool);
    }

    /** The run's random numbers, from the configuration's seed. */
    public SplittableRandom random() {
        return random;
    }

    /**
     * Settles the allocators' caches and reads what they hold: the pool's spare trees go back (and
     * anything a returned tree still owed), allocman's reserves are given back for the reading
     * and filled again afterwards. The caches depend on history, not on what clients hold, so a
     * settled balance is the same whenever clients hold the same things.
     */
    public AllocatorBalance balance() {
        // A release that fails leaves its items held, and they are counted below as unsettled.
        if (pool != null) {
            pool.pool().releaseSpares();
        }
        allocman().releaseReserves();
        AllocmanAccounting a = allocman().accounting();
        long owed = pool == null ? 0 : pool.pool().stats().owedFrees();
        long unsettled = a.reservedSlots() + a.reservedObjects() + a.reservedChunks() + a.deferredFrees() + owed;
        AllocatorBalance balance = new AllocatorBalance(a.slotsInUse(), a.untypedBytesInUse(), a.framesInUse(),
                a.mspaceBytesInUse(), a.virtualPoolPages(), unsettled);
        allocman().fillReserves();
        return balance;
    }
}
